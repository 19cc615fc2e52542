/* Group protocol messages (messages.h). */
#include "kafka/wire/messages.h"

#include <stdlib.h>
#include <string.h>

int kc_wire_find_coordinator_build(kc_buf_t *out, int16_t version, const char *group_id) {
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, out);
  kc_wire_put_str(&w, group_id);
  if (version >= 1) kc_wire_put_i8(&w, 0); /* KeyType: group */
  return w.err;
}

bool kc_wire_find_coordinator_parse(kc_wire_reader_t *r, int16_t version,
                                    kc_wire_find_coordinator_resp_t *out) {
  memset(out, 0, sizeof *out);
  if (version >= 1) kc_wire_get_i32(r); /* ThrottleTimeMs */
  out->error = kc_wire_get_i16(r);
  if (version >= 1) kc_wire_get_str_copy(r, out->message, sizeof out->message);
  out->node_id = kc_wire_get_i32(r);
  kc_wire_get_str_copy(r, out->host, sizeof out->host);
  out->port = kc_wire_get_i32(r);
  return !r->err;
}

int kc_wire_join_group_build(kc_buf_t *out, int16_t version, const char *group_id,
                             int32_t session_timeout_ms, int32_t rebalance_timeout_ms,
                             const char *member_id, const char *protocol_type,
                             const kc_group_protocol_t *protocols, int n) {
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, out);
  kc_wire_put_str(&w, group_id);
  kc_wire_put_i32(&w, session_timeout_ms);
  kc_wire_put_i32(&w, rebalance_timeout_ms);
  kc_wire_put_str(&w, member_id);
  if (version >= 5) kc_wire_put_nstr(&w, NULL); /* GroupInstanceId: no static membership */
  kc_wire_put_str(&w, protocol_type);
  kc_wire_put_array(&w, n);
  for (int i = 0; i < n; i++) {
    kc_wire_put_str(&w, protocols[i].name);
    kc_wire_put_bytes(&w, protocols[i].metadata, protocols[i].len);
  }
  return w.err;
}

void kc_wire_join_group_resp_free(kc_wire_join_group_resp_t *resp) {
  free(resp->protocol);
  free(resp->leader);
  free(resp->member_id);
  for (int i = 0; i < resp->n; i++) free((char *)resp->members[i].member_id);
  free(resp->members);
  memset(resp, 0, sizeof *resp);
}

bool kc_wire_join_group_parse(kc_wire_reader_t *r, int16_t version, kc_wire_join_group_resp_t *out) {
  memset(out, 0, sizeof *out);
  kc_wire_get_i32(r); /* ThrottleTimeMs (v2+) */
  out->error = kc_wire_get_i16(r);
  out->generation = kc_wire_get_i32(r);
  kc_wire_get_str_dup(r, &out->protocol);
  kc_wire_get_str_dup(r, &out->leader);
  kc_wire_get_str_dup(r, &out->member_id);
  /* each member: MemberId (>= 2 bytes), [GroupInstanceId (2)], Metadata (4) */
  int32_t n = kc_wire_get_array(r, version >= 5 ? 8 : 6);
  if (n > 0) {
    out->members = calloc((size_t)n, sizeof *out->members);
    if (!out->members) return false;
  }
  for (int32_t i = 0; i < n && !r->err; i++) {
    kc_group_member_t *m = &out->members[i];
    char *id;
    if (!kc_wire_get_str_dup(r, &id)) break;
    m->member_id = id;
    out->n = i + 1;
    if (version >= 5) {
      const char *s;
      size_t sl;
      kc_wire_get_nstr(r, &s, &sl);
    }
    kc_wire_get_bytes(r, &m->metadata, &m->len);
  }
  return !r->err && out->protocol && out->leader && out->member_id;
}

int kc_wire_sync_group_build(kc_buf_t *out, const char *group_id, int32_t generation,
                             const char *member_id, const char *const *member_ids,
                             const kc_buf_t *assignments, int n) {
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, out);
  kc_wire_put_str(&w, group_id);
  kc_wire_put_i32(&w, generation);
  kc_wire_put_str(&w, member_id);
  kc_wire_put_nstr(&w, NULL); /* GroupInstanceId (v3+) */
  kc_wire_put_array(&w, n);
  for (int i = 0; i < n; i++) {
    kc_wire_put_str(&w, member_ids[i]);
    kc_wire_put_bytes(&w, assignments[i].data, assignments[i].len);
  }
  return w.err;
}

bool kc_wire_sync_group_parse(kc_wire_reader_t *r, int16_t *error, const void **assignment,
                              size_t *len) {
  kc_wire_get_i32(r); /* ThrottleTimeMs */
  *error = kc_wire_get_i16(r);
  kc_wire_get_bytes(r, assignment, len);
  return !r->err;
}

int kc_wire_heartbeat_build(kc_buf_t *out, const char *group_id, int32_t generation,
                            const char *member_id) {
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, out);
  kc_wire_put_str(&w, group_id);
  kc_wire_put_i32(&w, generation);
  kc_wire_put_str(&w, member_id);
  kc_wire_put_nstr(&w, NULL); /* GroupInstanceId (v3+) */
  return w.err;
}

bool kc_wire_heartbeat_parse(kc_wire_reader_t *r, int16_t *error) {
  kc_wire_get_i32(r); /* ThrottleTimeMs */
  *error = kc_wire_get_i16(r);
  return !r->err;
}

int kc_wire_leave_group_build(kc_buf_t *out, const char *group_id, const char *member_id) {
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, out);
  kc_wire_put_str(&w, group_id);
  kc_wire_put_array(&w, 1);
  kc_wire_put_str(&w, member_id);
  kc_wire_put_nstr(&w, NULL); /* GroupInstanceId */
  return w.err;
}

bool kc_wire_leave_group_parse(kc_wire_reader_t *r, int16_t *error) {
  kc_wire_get_i32(r); /* ThrottleTimeMs */
  *error = kc_wire_get_i16(r);
  int32_t n = kc_wire_get_array(r, 6);
  for (int32_t i = 0; i < n && !r->err; i++) {
    const char *s;
    size_t sl;
    kc_wire_get_str(r, &s, &sl);
    kc_wire_get_nstr(r, &s, &sl);
    int16_t e = kc_wire_get_i16(r);
    if (*error == 0) *error = e;
  }
  return !r->err;
}
