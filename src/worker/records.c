/*
 * SinkRecord / SourceRecord / batches (connector.h "Records"). Sink records
 * wrap a librdkafka message without copying it; conversion is done by the
 * sink runner before put() for converters that can fail (JSON), and lazily
 * for String/ByteArray whose bytes pass through untouched.
 */
#include <stdlib.h>
#include <string.h>

#include "data/value_internal.h"
#include "util/log.h"
#include "worker/worker.h"

void kc_sink_record_init(kc_sink_record_t *r, kc_task_t *task, rd_kafka_message_t *msg,
                         kc_arena_t *arena) {
  memset(r, 0, sizeof *r);
  r->task = task;
  r->msg = msg;
  r->arena = arena;
}

void kc_sink_record_clear(kc_sink_record_t *r) {
  if (r->has_xr) kc_xrecord_finish(&r->xr);
  r->has_xr = false;
  kc_schema_decref(r->key_schema);
  kc_schema_decref(r->value_schema);
  kc_value_destroy(r->key);
  kc_value_destroy(r->value);
  r->key_schema = r->value_schema = NULL;
  r->key = r->value = NULL;
  r->key_done = r->value_done = false;
  r->text = NULL;
}

/* After transforms, the connector sees the chain's record (ConnectRecord.newRecord). */
const char *kc_sink_record_topic(const kc_sink_record_t *r) {
  return r->has_xr ? r->xr.topic : rd_kafka_topic_name(r->msg->rkt);
}
int32_t kc_sink_record_partition(const kc_sink_record_t *r) {
  return r->has_xr ? r->xr.partition : r->msg->partition;
}
int64_t kc_sink_record_offset(const kc_sink_record_t *r) { return r->msg->offset; }
const char *kc_sink_record_original_topic(const kc_sink_record_t *r) { return rd_kafka_topic_name(r->msg->rkt); }
int32_t kc_sink_record_original_partition(const kc_sink_record_t *r) { return r->msg->partition; }
int64_t kc_sink_record_original_offset(const kc_sink_record_t *r) { return r->msg->offset; }

int64_t kc_sink_record_timestamp(const kc_sink_record_t *r) {
  if (r->has_xr) return r->xr.timestamp;
  rd_kafka_timestamp_type_t tt;
  int64_t ts = rd_kafka_message_timestamp(r->msg, &tt);
  return tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : ts;
}

/* @returns 0, KC_ECONVERT (reason in task->conv_err, logged) or KC_AGAIN (the converter waits
 * for the Schema Registry: nothing converted, the runner tries the record again). */
static int convert(kc_sink_record_t *r, bool is_key) {
  kc_converter_t *conv = is_key ? r->task->key_conv : r->task->value_conv;
  const void *data = is_key ? r->msg->key : r->msg->payload;
  size_t len = is_key ? r->msg->key_len : r->msg->len;
  char err[768];
  int rc = kc_converter_to_connect_arena(conv, r->arena, kc_sink_record_topic(r), data, len,
                                         is_key ? &r->key_schema : &r->value_schema,
                                         is_key ? &r->key : &r->value, err, sizeof err);
  if (rc == KC_AGAIN) return rc;
  if (rc) {
    if (rc != KC_ECONVERT) snprintf(err, sizeof err, "%s", kc_strerror(rc));
    kc_log_warn("kc.task", "[%s] cannot convert the %s of %s-%d@%lld: %s", r->task->label,
                is_key ? "key" : "value", kc_sink_record_topic(r), (int)r->msg->partition,
                (long long)r->msg->offset, err);
    snprintf(r->task->conv_err, sizeof r->task->conv_err, "%s", err);
    rc = KC_ECONVERT;
  }
  return rc;
}

int kc_sink_record_key(kc_sink_record_t *r, const kc_schema_t **schema, const kc_value_t **value) {
  if (r->has_xr) {
    if (schema) *schema = r->xr.key_schema;
    if (value) *value = r->xr.key;
    return 0;
  }
  if (!r->key_done) {
    r->key_rc = convert(r, true);
    r->key_done = r->key_rc != KC_AGAIN;
  }
  if (schema) *schema = r->key_schema;
  if (value) *value = r->key;
  return r->key_rc;
}

int kc_sink_record_value(kc_sink_record_t *r, const kc_schema_t **schema, const kc_value_t **value) {
  if (r->has_xr) {
    if (schema) *schema = r->xr.value_schema;
    if (value) *value = r->xr.value;
    return 0;
  }
  if (!r->value_done) {
    r->value_rc = convert(r, false);
    r->value_done = r->value_rc != KC_AGAIN;
  }
  if (schema) *schema = r->value_schema;
  if (value) *value = r->value;
  return r->value_rc;
}

const void *kc_sink_record_value_bytes(const kc_sink_record_t *r, size_t *len) {
  if (len) *len = r->msg->len;
  return r->msg->payload;
}

const void *kc_sink_record_key_bytes(const kc_sink_record_t *r, size_t *len) {
  if (len) *len = r->msg->key_len;
  return r->msg->key;
}

int kc_sink_record_value_text(kc_sink_record_t *r, kc_buf_t *out) {
  /* From the next batch on, the runner renders this task's values before put() where the
   * converter can (kc_converter_value_text): no Connect values are built for them. */
  r->task->sink_value_text = true;
  if (r->text && !r->has_xr) return kc_buf_append(out, r->text->data + r->text_off, r->text_len);
  kc_converter_kind_t kind = kc_converter_kind(r->task->value_conv);
  /* String/bytes values print as their bytes: skip building a value. */
  if (!r->value_done && !r->has_xr && (kind == KC_CONVERTER_STRING || kind == KC_CONVERTER_BYTEARRAY)) {
    if (!r->msg->payload) return kc_buf_append(out, "null", 4);
    return kc_buf_append(out, r->msg->payload, r->msg->len);
  }
  const kc_schema_t *schema;
  const kc_value_t *v;
  int rc = kc_sink_record_value(r, &schema, &v);
  if (rc) return rc;
  return kc_value_to_java_string_schema(schema, v, out);
}

size_t kc_sink_record_header_count(const kc_sink_record_t *r) {
  if (r->has_xr && r->xr.hdrs_changed) return r->xr.nhdrs;
  rd_kafka_headers_t *hdrs;
  if (rd_kafka_message_headers(r->msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
  return rd_kafka_header_cnt(hdrs);
}

int kc_sink_record_header(const kc_sink_record_t *r, size_t i, const char **key, const void **value,
                          size_t *len) {
  if (r->has_xr && r->xr.hdrs_changed) {
    if (i >= r->xr.nhdrs) return KC_ENOENT;
    const kc_xheader_t *h = &r->xr.hdrs[i];
    *key = h->key;
    *value = h->raw;
    *len = h->raw_len;
    return 0;
  }
  rd_kafka_headers_t *hdrs;
  if (rd_kafka_message_headers(r->msg, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) return KC_ENOENT;
  if (rd_kafka_header_get_all(hdrs, i, key, value, len) != RD_KAFKA_RESP_ERR_NO_ERROR)
    return KC_ENOENT;
  return 0;
}

kc_source_record_t *kc_source_record_new(const char *topic, int32_t partition,
                                         kc_value_t *source_partition, kc_value_t *source_offset,
                                         kc_schema_t *key_schema, kc_value_t *key,
                                         kc_schema_t *value_schema, kc_value_t *value,
                                         int64_t timestamp_ms) {
  /* One block for the record and its topic: a source task emits many records. */
  size_t tlen = topic ? strlen(topic) : 0;
  kc_source_record_t *r = topic ? calloc(1, sizeof *r + tlen + 1) : NULL;
  if (!r) {
    kc_value_destroy(source_partition);
    kc_value_destroy(source_offset);
    kc_schema_decref(key_schema);
    kc_schema_decref(value_schema);
    kc_value_destroy(key);
    kc_value_destroy(value);
    return NULL;
  }
  r->topic = (char *)(r + 1);
  memcpy(r->topic, topic, tlen + 1);
  r->partition = partition;
  r->source_partition = source_partition;
  r->source_offset = source_offset;
  r->key_schema = key_schema;
  r->key = key;
  r->value_schema = value_schema;
  r->value = value;
  r->timestamp_ms = timestamp_ms;
  return r;
}

void kc__source_record_set_topic(kc_source_record_t *r, char *t) {
  if (r->topic != (char *)(r + 1)) free(r->topic);
  r->topic = t;
}

void kc_source_record_destroy(kc_source_record_t *r) {
  if (!r) return;
  if (r->topic != (char *)(r + 1)) free(r->topic);
  kc_value_destroy(r->source_partition);
  kc_value_destroy(r->source_offset);
  kc_schema_decref(r->key_schema);
  kc_schema_decref(r->value_schema);
  if (r->xf_done && r->xr) {
    /* key/value are the chain's: in the arena or parts of the originals */
    kc_value_destroy(r->orig_key);
    kc_value_destroy(r->orig_value);
  } else {
    kc_value_destroy(r->key);
    kc_value_destroy(r->value);
  }
  if (r->xr) {
    kc_xrecord_finish(r->xr);
    free(r->xr);
  }
  if (r->headers) rd_kafka_headers_destroy(r->headers);
  free(r);
}

int kc_source_batch_add(kc_source_batch_t *b, kc_source_record_t *r) {
  if (!r) return KC_EINVAL;
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 64;
    kc_source_record_t **p = realloc(b->recs, cap * sizeof *p);
    if (!p) {
      kc_source_record_destroy(r);
      return KC_ENOMEM;
    }
    b->recs = p;
    b->cap = cap;
  }
  b->recs[b->n++] = r;
  return 0;
}

int kc_source_batch_add_covered(kc_source_batch_t *b, kc_source_record_t *r) {
  if (!r) return KC_EINVAL;
  if (r->source_partition || r->source_offset) {
    kc_source_record_destroy(r);
    return KC_EINVAL;
  }
  r->covered = true;
  return kc_source_batch_add(b, r);
}

kc_value_t *kc_source_batch_new_string(kc_source_batch_t *b, const char *s, size_t len) {
  return kc__value_new_blob_a(b->arena, KC_TYPE_STRING, s, len); /* no arena: the heap */
}

size_t kc_source_batch_count(const kc_source_batch_t *b) { return b->n; }

void kc_source_batch_clear(kc_source_batch_t *b) {
  for (size_t i = 0; i < b->n; i++) kc_source_record_destroy(b->recs[i]);
  b->n = 0;
}

int kc_task_configs_add(kc_task_configs_t *out, kc_config_t *cfg) {
  if (!cfg) return KC_EINVAL;
  if (out->n == out->cap) {
    int cap = out->cap ? out->cap * 2 : 4;
    kc_config_t **p = realloc(out->cfgs, (size_t)cap * sizeof *p);
    if (!p) {
      kc_config_destroy(cfg);
      return KC_ENOMEM;
    }
    out->cfgs = p;
    out->cap = cap;
  }
  out->cfgs[out->n++] = cfg;
  return 0;
}
