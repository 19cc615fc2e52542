/*
 * The transform chain in the task runners (WorkerSinkTask.convertAndTransformRecord,
 * AbstractWorkerSourceTask.sendRecords): sinks transform after conversion, sources before it.
 * Values the chain makes live in the runner's batch arena; schemas stay retained by the record
 * view until the record is finished.
 */
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "worker/worker.h"

/* HeaderConverter.toConnectHeader for kc_xrecord_t's lazily converted headers. */
static int header_to_connect(void *arg, const char *topic, const char *key, const void *data,
                             size_t len, kc_schema_t **schema, kc_value_t **value, char *err,
                             size_t errlen) {
  kc_task_t *task = arg;
  return kc_header_converter_to_connect(task->header_conv, topic, key, data, len, schema, value,
                                        err, errlen);
}

int kc__sink_transform(kc_task_t *task, kc_sink_record_t *rec, kc_xf_failure_t *fail) {
  rd_kafka_message_t *m = rec->msg;
  kc_xheader_t *src = NULL;
  size_t nsrc = 0;
  rd_kafka_headers_t *hdrs;
  if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
      (nsrc = rd_kafka_header_cnt(hdrs)) > 0) {
    if (!(src = kc_arena_alloc(rec->arena, nsrc * sizeof *src))) return KC_ENOMEM;
    for (size_t i = 0; i < nsrc; i++) {
      const char *k;
      const void *v;
      size_t vl;
      rd_kafka_header_get_all(hdrs, i, &k, &v, &vl);
      src[i] = (kc_xheader_t){.key = k, .has_raw = true, .raw = v, .raw_len = vl};
    }
  }
  kc_xrecord_t *xr = &rec->xr;
  kc_xrecord_init(xr, rec->arena, true, rd_kafka_topic_name(m->rkt), m->partition, m->offset,
                  kc_sink_record_timestamp(rec), src, nsrc, header_to_connect, task);
  rec->has_xr = true;
  /* The record holds its converted schemas until it is cleared, after xr is finished. */
  xr->key_schema = rec->key_schema;
  xr->key = rec->key;
  xr->value_schema = rec->value_schema;
  xr->value = rec->value;
  int rc = kc_xf_chain_apply(task->chain, xr, fail);
  if (rc || !xr->hdrs_changed) return rc;
  /* The connector reads headers as bytes: serialize what the chain added, as Connect's
   * WorkerSinkTask would hand them to a sink that re-serializes them. */
  kc_buf_t b;
  kc_buf_init(&b, 0);
  for (size_t i = 0; i < xr->nhdrs && !rc; i++) {
    kc_xheader_t *h = &xr->hdrs[i];
    if (h->has_raw) continue;
    bool is_null = true;
    char err[512];
    kc_buf_reset(&b);
    if (kc_header_converter_from_connect(task->header_conv, xr->topic, h->key, h->schema, h->value,
                                         &b, &is_null, err, sizeof err)) {
      rc = kc_xf_fail(&fail->error, KC_XF_DATA_EXCEPTION, "%s", err);
      fail->class_name = kc_header_converter_class_name(task->header_conv);
      fail->alias = NULL;
      break;
    }
    h->has_raw = true;
    h->raw = is_null ? NULL : kc_xf_strdup(xr, b.data ? b.data : "", b.len);
    h->raw_len = is_null ? 0 : b.len;
    if (!is_null && !h->raw) rc = KC_ENOMEM;
  }
  kc_buf_free(&b);
  return rc;
}

int kc__source_transform(kc_task_t *task, kc_source_record_t *rec, kc_arena_t *arena,
                         kc_xf_failure_t *fail) {
  kc_xrecord_t *xr = calloc(1, sizeof *xr);
  if (!xr) return KC_ENOMEM;
  kc_xrecord_init(xr, arena, false, rec->topic, rec->partition, -1, rec->timestamp_ms, NULL, 0,
                  header_to_connect, task);
  rec->xr = xr;
  xr->key_schema = rec->key_schema;
  xr->key = rec->key;
  xr->value_schema = rec->value_schema;
  xr->value = rec->value;
  /* The originals stay alive (the chain may share their parts) and are freed with the record. */
  rec->orig_key = rec->key;
  rec->orig_value = rec->value;
  int rc = kc_xf_chain_apply(task->chain, xr, fail);
  if (rc) return rc;
  if (xr->topic != rec->topic) {
    char *t = strdup(xr->topic);
    if (!t) return KC_ENOMEM;
    kc__source_record_set_topic(rec, t);
    xr->topic = t;
  }
  rec->partition = xr->partition;
  rec->timestamp_ms = xr->timestamp;
  kc_schema_t *ks = kc_schema_incref((kc_schema_t *)xr->key_schema);
  kc_schema_t *vs = kc_schema_incref((kc_schema_t *)xr->value_schema);
  kc_schema_decref(rec->key_schema);
  kc_schema_decref(rec->value_schema);
  rec->key_schema = ks;
  rec->value_schema = vs;
  rec->key = (kc_value_t *)xr->key;
  rec->value = (kc_value_t *)xr->value;
  size_t nh = kc_xrecord_header_count(xr);
  if (nh == 0) return 0;
  rec->headers = rd_kafka_headers_new(nh);
  kc_buf_t b;
  kc_buf_init(&b, 0);
  for (size_t i = 0; i < nh && !rc; i++) {
    const kc_schema_t *s;
    const kc_value_t *v;
    const kc_xheader_t *h = kc_xrecord_header_at(xr, i);
    if ((rc = kc_xrecord_header_value(xr, i, &s, &v, &fail->error))) break;
    bool is_null = true;
    char err[512];
    kc_buf_reset(&b);
    if (kc_header_converter_from_connect(task->header_conv, rec->topic, h->key, s, v, &b, &is_null,
                                         err, sizeof err)) {
      rc = kc_xf_fail(&fail->error, KC_XF_DATA_EXCEPTION, "%s", err);
      fail->class_name = kc_header_converter_class_name(task->header_conv);
      fail->alias = NULL;
      break;
    }
    rd_kafka_header_add(rec->headers, h->key, -1, is_null ? NULL : (b.data ? b.data : ""),
                        is_null ? 0 : (ssize_t)b.len);
  }
  kc_buf_free(&b);
  return rc;
}
