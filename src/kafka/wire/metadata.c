/* Metadata v4-v8 request and the topic part of its response (metadata.h). */
#include "kafka/wire/metadata.h"

int kc_wire_metadata_all_build(kc_buf_t *out, int16_t version) {
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, out);
  kc_wire_put_array(&w, -1); /* null: every topic */
  kc_wire_put_i8(&w, 0);     /* allow_auto_topic_creation: a listing creates nothing */
  if (version >= 8) {
    kc_wire_put_i8(&w, 0); /* include_cluster_authorized_operations */
    kc_wire_put_i8(&w, 0); /* include_topic_authorized_operations */
  }
  return w.err;
}

static void skip_i32_array(kc_wire_reader_t *r) {
  int32_t n = kc_wire_get_array(r, 4);
  for (int32_t i = 0; i < n && !r->err; i++) kc_wire_get_i32(r);
}

bool kc_wire_metadata_parse_topics(kc_wire_reader_t *r, int16_t version,
                                   kc_wire_metadata_topic_cb each, void *arg) {
  const char *s;
  size_t n;
  kc_wire_get_i32(r); /* throttle_time_ms */
  int32_t brokers = kc_wire_get_array(r, 12);
  for (int32_t i = 0; i < brokers && !r->err; i++) {
    kc_wire_get_i32(r); /* node_id */
    kc_wire_get_str(r, &s, &n);
    kc_wire_get_i32(r); /* port */
    kc_wire_get_nstr(r, &s, &n); /* rack */
  }
  kc_wire_get_nstr(r, &s, &n); /* cluster_id */
  kc_wire_get_i32(r);          /* controller_id */
  int32_t topics = kc_wire_get_array(r, version >= 8 ? 13 : 9);
  for (int32_t t = 0; t < topics && !r->err; t++) {
    int16_t error = kc_wire_get_i16(r);
    const char *name = NULL;
    size_t len = 0;
    kc_wire_get_str(r, &name, &len);
    bool internal = kc_wire_get_i8(r) != 0;
    int32_t parts = kc_wire_get_array(r, 18);
    for (int32_t p = 0; p < parts && !r->err; p++) {
      kc_wire_get_i16(r); /* error_code */
      kc_wire_get_i32(r); /* partition_index */
      kc_wire_get_i32(r); /* leader_id */
      if (version >= 7) kc_wire_get_i32(r); /* leader_epoch */
      skip_i32_array(r);                    /* replica_nodes */
      skip_i32_array(r);                    /* isr_nodes */
      if (version >= 5) skip_i32_array(r);  /* offline_replicas */
    }
    if (version >= 8) kc_wire_get_i32(r); /* topic_authorized_operations */
    if (!r->err) each(arg, name, len, error, internal);
  }
  if (version >= 8) kc_wire_get_i32(r); /* cluster_authorized_operations */
  return !r->err;
}
