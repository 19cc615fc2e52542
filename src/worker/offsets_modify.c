/*
 * KIP-875 offset modification (offsets_modify.h): Worker.modifySinkConnectorOffsets and
 * modifySourceConnectorOffsets with SinkUtils.parseSinkConnectorOffsets' and
 * OffsetUtils.validateFormat's checks and messages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "config/kafka_conf.h"
#include "config/props.h"
#include "convert/json_value.h"
#include "util/log.h"
#include "worker/herder_common.h"
#include "worker/offset_store.h"
#include "worker/offsets_modify.h"

#define LOGGER "kc.offsets"
/* Java bounds the whole modification by RestServer.DEFAULT_REST_REQUEST_TIMEOUT_MS (90 s). */
#define MODIFY_TIMEOUT_MS 90000

#define ZOMBIE_TAIL                                                                                          \
  " either because its tasks haven't stopped completely yet or the connector was resumed before the request " \
  "to %s its offsets could be successfully completed. If the connector is in a stopped state, this "          \
  "operation can be safely retried. If it doesn't eventually succeed, the Connect cluster may need to be "     \
  "restarted to get rid of the zombie sink tasks."

/* Connector.alterOffsets(): the plugins whose Java class overrides it to return true. */
static bool manages_offsets_in_kafka_only(const kc_config_t *config) {
  const kc_connector_plugin_t *p = kc_plugins_find(kc_config_get(config, "connector.class"));
  const char *cls = p && p->class_name ? p->class_name : "";
  static const char *const known[] = {
      "org.apache.kafka.connect.file.FileStreamSourceConnector",
      "org.apache.kafka.connect.file.FileStreamSinkConnector",
      "org.apache.kafka.connect.mirror.MirrorSourceConnector",
      "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
      "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector",
  };
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
    if (!strcmp(cls, known[i])) return true;
  return false;
}

/* Worker.completeModifyOffsetsCallback. */
static void reply_done(kc_herder_cb cb, void *arg, bool plugin_ok, bool reset) {
  const char *what = reset ? "reset" : "altered";
  char msg[512];
  if (plugin_ok)
    snprintf(msg, sizeof msg, "The offsets for this connector have been %s successfully", what);
  else
    snprintf(msg, sizeof msg,
             "The Connect framework-managed offsets for this connector have been %s successfully. However, if this "
             "connector manages offsets externally, they will need to be manually %s in the system that the "
             "connector uses.",
             what, what);
  kc_herder_reply_ok(cb, arg, json_pack("{s:s}", "message", msg), false);
}

/* String.valueOf() of a bound JSON value, for the parse-failure messages. */
static void java_text(const json_t *v, char *out, size_t n) {
  if (json_is_string(v)) {
    snprintf(out, n, "%s", json_string_value(v));
    return;
  }
  char *t = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
  snprintf(out, n, "%s", t ? t : "null");
  free(t);
}

/* Integer.parseInt / Long.parseLong of String.valueOf(v): a JSON integer or a decimal string. */
static bool parse_java_long(const json_t *v, long long lo, long long hi, long long *out) {
  if (json_is_integer(v)) {
    *out = json_integer_value(v);
    return *out >= lo && *out <= hi;
  }
  if (!json_is_string(v)) return false;
  const char *s = json_string_value(v), *p = s;
  if (*p == '+' || *p == '-') p++;
  if (!*p) return false;
  for (; *p; p++)
    if (*p < '0' || *p > '9') return false;
  errno = 0;
  long long x = strtoll(s, NULL, 10);
  if (errno || x < lo || x > hi) return false;
  *out = x;
  return true;
}

/* ------------------------------------------------------------------ sink */

typedef struct {
  uv_work_t work;
  rd_kafka_conf_t *conf;
  char *name;
  char *group;
  bool reset, plugin_ok;
  rd_kafka_topic_partition_list_t *alter; /* offsets to commit */
  rd_kafka_topic_partition_list_t *del;   /* partitions whose committed offset is deleted */
  kc_herder_cb cb;
  void *arg;
  /* results, written on the threadpool */
  rd_kafka_resp_err_t err;
  char errmsg[512];
} sink_job_t;

static void sink_job_free(sink_job_t *j) {
  if (j->conf) rd_kafka_conf_destroy(j->conf);
  if (j->alter) rd_kafka_topic_partition_list_destroy(j->alter);
  if (j->del) rd_kafka_topic_partition_list_destroy(j->del);
  free(j->name);
  free(j->group);
  free(j);
}

static int remaining_ms(uint64_t deadline_ns) {
  uint64_t now = uv_hrtime();
  return now >= deadline_ns ? 0 : (int)((deadline_ns - now) / 1000000);
}

/* Threadpool. The first error of a group result or of one of its partitions. */
static void take_group_error(sink_job_t *j, const rd_kafka_group_result_t *const *groups, size_t n) {
  for (size_t g = 0; g < n && !j->err; g++) {
    const rd_kafka_error_t *e = rd_kafka_group_result_error(groups[g]);
    if (e && rd_kafka_error_code(e)) {
      j->err = rd_kafka_error_code(e);
      snprintf(j->errmsg, sizeof j->errmsg, "%s", rd_kafka_error_string(e));
      return;
    }
    const rd_kafka_topic_partition_list_t *parts = rd_kafka_group_result_partitions(groups[g]);
    for (int i = 0; parts && i < parts->cnt; i++)
      if (parts->elems[i].err) {
        j->err = parts->elems[i].err;
        snprintf(j->errmsg, sizeof j->errmsg, "%s-%d: %s", parts->elems[i].topic, (int)parts->elems[i].partition,
                 rd_kafka_err2str(parts->elems[i].err));
        return;
      }
  }
}

/* Threadpool: waits for one admin result on @p q; NULL with j->err set on timeout or request error. */
static rd_kafka_event_t *wait_result(sink_job_t *j, rd_kafka_queue_t *q, uint64_t deadline) {
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, remaining_ms(deadline) + 1000);
  if (!ev) {
    j->err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    snprintf(j->errmsg, sizeof j->errmsg, "timed out");
    return NULL;
  }
  if (rd_kafka_event_error(ev)) {
    j->err = rd_kafka_event_error(ev);
    snprintf(j->errmsg, sizeof j->errmsg, "%s", rd_kafka_event_error_string(ev));
    rd_kafka_event_destroy(ev);
    return NULL;
  }
  return ev;
}

static rd_kafka_AdminOptions_t *options(rd_kafka_t *rk, rd_kafka_admin_op_t op, uint64_t deadline) {
  rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, op);
  char es[128];
  int t = remaining_ms(deadline);
  rd_kafka_AdminOptions_set_request_timeout(o, t > 0 ? t : 1, es, sizeof es);
  return o;
}

static void do_sink(uv_work_t *w) {
  sink_job_t *j = w->data;
  uint64_t deadline = uv_hrtime() + (uint64_t)MODIFY_TIMEOUT_MS * 1000000;
  char es[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, j->conf, es, sizeof es);
  if (!rk) {
    j->err = RD_KAFKA_RESP_ERR__INVALID_ARG;
    snprintf(j->errmsg, sizeof j->errmsg, "cannot create an admin client: %.400s", es);
    return;
  }
  j->conf = NULL; /* rd_kafka_new took it */
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  if (j->reset) {
    /* Worker.resetSinkConnectorOffsets deletes the whole group. */
    rd_kafka_DeleteGroup_t *dg = rd_kafka_DeleteGroup_new(j->group);
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_DELETEGROUPS, deadline);
    rd_kafka_DeleteGroups(rk, &dg, 1, o, q);
    rd_kafka_event_t *ev = wait_result(j, q, deadline);
    if (ev) {
      size_t n = 0;
      const rd_kafka_group_result_t **g = rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
      take_group_error(j, g, n);
      rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteGroup_destroy(dg);
  }
  if (!j->err && j->alter && j->alter->cnt) {
    rd_kafka_AlterConsumerGroupOffsets_t *a = rd_kafka_AlterConsumerGroupOffsets_new(j->group, j->alter);
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_ALTERCONSUMERGROUPOFFSETS, deadline);
    rd_kafka_AlterConsumerGroupOffsets(rk, &a, 1, o, q);
    rd_kafka_event_t *ev = wait_result(j, q, deadline);
    if (ev) {
      size_t n = 0;
      const rd_kafka_group_result_t **g = rd_kafka_AlterConsumerGroupOffsets_result_groups(
          rd_kafka_event_AlterConsumerGroupOffsets_result(ev), &n);
      take_group_error(j, g, n);
      rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_AlterConsumerGroupOffsets_destroy(a);
  }
  if (!j->err && j->del && j->del->cnt) {
    rd_kafka_DeleteConsumerGroupOffsets_t *d = rd_kafka_DeleteConsumerGroupOffsets_new(j->group, j->del);
    rd_kafka_AdminOptions_t *o = options(rk, RD_KAFKA_ADMIN_OP_DELETECONSUMERGROUPOFFSETS, deadline);
    rd_kafka_DeleteConsumerGroupOffsets(rk, &d, 1, o, q);
    rd_kafka_event_t *ev = wait_result(j, q, deadline);
    if (ev) {
      size_t n = 0;
      const rd_kafka_group_result_t **g = rd_kafka_DeleteConsumerGroupOffsets_result_groups(
          rd_kafka_event_DeleteConsumerGroupOffsets_result(ev), &n);
      take_group_error(j, g, n);
      rd_kafka_event_destroy(ev);
    }
    rd_kafka_AdminOptions_destroy(o);
    rd_kafka_DeleteConsumerGroupOffsets_destroy(d);
  }
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

static void after_sink(uv_work_t *w, int status) {
  sink_job_t *j = w->data;
  if (status && !j->err) {
    j->err = RD_KAFKA_RESP_ERR__FAIL;
    snprintf(j->errmsg, sizeof j->errmsg, "%s", uv_strerror(status));
  }
  const char *verb = j->reset ? "reset" : "alter";
  if (j->reset && j->err == RD_KAFKA_RESP_ERR_GROUP_ID_NOT_FOUND) j->err = 0; /* nothing to reset */
  if (!j->err) {
    reply_done(j->cb, j->arg, j->plugin_ok, j->reset);
  } else {
    kc_log_error(LOGGER, "Failed to %s consumer group offsets for sink connector %s (group %s): %s", verb, j->name,
                 j->group, j->errmsg);
    bool zombie = j->reset ? j->err == RD_KAFKA_RESP_ERR_NON_EMPTY_GROUP
                           : (j->err == RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID ||
                              j->err == RD_KAFKA_RESP_ERR_GROUP_SUBSCRIBED_TO_TOPIC);
    if (zombie)
      kc_herder_reply(j->cb, j->arg, KC_HERDER_R_INTERNAL, NULL,
                      "Failed to %s consumer group offsets for connector %s" ZOMBIE_TAIL, verb, j->name, verb);
    else if (j->reset)
      kc_herder_reply(j->cb, j->arg, KC_HERDER_R_INTERNAL, NULL,
                      "Failed to reset consumer group offsets for sink connector %s", j->name);
    else
      kc_herder_reply(j->cb, j->arg, KC_HERDER_R_INTERNAL, NULL, "Failed to alter consumer group offsets for connector %s",
                      j->name);
  }
  sink_job_free(j);
}

/* SinkUtils.parseSinkConnectorOffsets: fills j->alter / j->del, or a 400 message. */
static bool parse_sink(sink_job_t *j, json_t *offsets, char *err, size_t n) {
  size_t i;
  json_t *e;
  json_array_foreach(offsets, i, e) {
    json_t *part = json_object_get(e, "partition"), *off = json_object_get(e, "offset");
    if (!json_is_object(part)) {
      snprintf(err, n, "The partition for a sink connector offset cannot be null or missing");
      return false;
    }
    json_t *t = json_object_get(part, "kafka_topic"), *p = json_object_get(part, "kafka_partition");
    if (!t || !p) {
      snprintf(err, n, "The partition for a sink connector offset must contain the keys 'kafka_topic' and 'kafka_partition'");
      return false;
    }
    if (json_is_null(t)) {
      snprintf(err, n, "Kafka topic names must be valid strings and may not be null");
      return false;
    }
    if (json_is_null(p)) {
      snprintf(err, n, "Kafka partitions must be valid numbers and may not be null");
      return false;
    }
    char topic[512], text[256];
    java_text(t, topic, sizeof topic);
    long long partition, offset = 0;
    if (!parse_java_long(p, INT32_MIN, INT32_MAX, &partition)) {
      java_text(p, text, sizeof text);
      snprintf(err, n,
               "Failed to parse the following Kafka partition value in the provided offsets: '%s'. Partition values "
               "for sink connectors need to be integers.",
               text);
      return false;
    }
    bool reset = !json_is_object(off);
    if (!reset) {
      json_t *o = json_object_get(off, "kafka_offset");
      if (!o) {
        snprintf(err, n, "The offset for a sink connector should either be null or contain the key 'kafka_offset'");
        return false;
      }
      if (!parse_java_long(o, INT64_MIN, INT64_MAX, &offset)) {
        java_text(o, text, sizeof text);
        snprintf(err, n,
                 "Failed to parse the following Kafka offset value in the provided offsets: '%s'. Offset values for "
                 "sink connectors need to be integers.",
                 text);
        return false;
      }
    }
    /* A partition listed twice keeps its last entry (ConnectorOffsets.toMap). */
    rd_kafka_topic_partition_list_del(j->alter, topic, (int32_t)partition);
    rd_kafka_topic_partition_list_del(j->del, topic, (int32_t)partition);
    if (reset)
      rd_kafka_topic_partition_list_add(j->del, topic, (int32_t)partition);
    else
      rd_kafka_topic_partition_list_add(j->alter, topic, (int32_t)partition)->offset = offset;
  }
  return true;
}

static void modify_sink(kc_worker_t *wk, const char *name, const kc_config_t *config, json_t *offsets,
                        kc_herder_cb cb, void *arg) {
  sink_job_t *j = calloc(1, sizeof *j);
  char err[1024] = "out of memory";
  kc_herder_rc_t rc = KC_HERDER_R_INTERNAL;
  const char *og = kc_config_get(config, "consumer.override.group.id");
  if (!j) goto fail;
  j->name = strdup(name);
  j->group = og ? strdup(og) : malloc(strlen(name) + sizeof "connect-");
  j->alter = rd_kafka_topic_partition_list_new(4);
  j->del = rd_kafka_topic_partition_list_new(4);
  if (!j->name || !j->group || !j->alter || !j->del) goto fail;
  if (!og) sprintf(j->group, "connect-%s", name);
  j->reset = offsets == NULL;
  j->plugin_ok = manages_offsets_in_kafka_only(config);
  j->cb = cb;
  j->arg = arg;
  if (offsets && !parse_sink(j, offsets, err, sizeof err)) {
    rc = KC_HERDER_R_BAD_REQUEST;
    goto fail;
  }
  kc_config_t *ovr = kc_config_with_prefix(config, "admin.override.");
  if (!ovr) goto fail;
  char es[512];
  int brc = kc_kafka_conf_build(wk->wc->props, KC_KAFKA_ADMIN, ovr, &j->conf, es, sizeof es);
  kc_config_destroy(ovr);
  if (brc) {
    snprintf(err, sizeof err, "Failed to modify offsets for sink connector %s: %s", name, es);
    goto fail;
  }
  j->work.data = j;
  if (uv_queue_work(wk->loop, &j->work, do_sink, after_sink) == 0) return;
fail:
  if (j) sink_job_free(j);
  kc_herder_reply(cb, arg, rc, NULL, "%s", err);
}

/* ---------------------------------------------------------------- source */

/* OffsetUtils.validateFormat: values must be primitive (or null). */
static bool check_primitive(const json_t *map, char *err, size_t n) {
  const char *k;
  json_t *v;
  json_object_foreach((json_t *)map, k, v) {
    if (json_is_object(v) || json_is_array(v)) {
      snprintf(err, n, "Offsets may only contain primitive types as values, but field %s contains %s", k,
               json_is_object(v) ? "MAP" : "ARRAY");
      return false;
    }
  }
  return true;
}

/* FileStreamSourceConnector.alterOffsets' checks (the values are normalized: integers are Long). */
static bool check_file_source(const kc_config_t *config, json_t *offsets, char *err, size_t n) {
  const kc_connector_plugin_t *p = kc_plugins_find(kc_config_get(config, "connector.class"));
  if (!p || !p->class_name || strcmp(p->class_name, "org.apache.kafka.connect.file.FileStreamSourceConnector"))
    return true;
  const char *file = kc_config_get(config, "file");
  if (!file || !*file) {
    snprintf(err, n,
             "Offsets cannot be modified if the 'file' configuration is unspecified. This is because stdin is used "
             "for input and offsets are not tracked.");
    return false;
  }
  size_t i;
  json_t *e;
  json_array_foreach(offsets, i, e) {
    json_t *off = json_object_get(e, "offset"), *part = json_object_get(e, "partition");
    if (!json_is_object(off)) continue;
    json_t *pos = json_object_get(off, "position");
    if (!pos) {
      snprintf(err, n, "Offset objects should either be null or contain the key 'position'");
      return false;
    }
    if (!json_is_integer(pos)) {
      snprintf(err, n, "The value for the 'position' key in the offset is expected to be a Long value");
      return false;
    }
    if (json_integer_value(pos) < 0) {
      snprintf(err, n, "The value for the 'position' key in the offset should be a non-negative value");
      return false;
    }
    if (!json_is_object(part)) {
      snprintf(err, n, "Partition objects cannot be null");
      return false;
    }
    if (!json_object_get(part, "filename")) {
      snprintf(err, n, "Partition objects should contain the key 'filename'");
      return false;
    }
  }
  return true;
}

/* Appends @p j as Jackson writes it (JsonConverter, schemas off): the bytes the runner uses. */
static int jackson_bytes(const json_t *j, kc_buf_t *out) {
  char *text = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER);
  if (!text) return KC_ENOMEM;
  kc_value_t *v = NULL;
  char es[128];
  int rc = kc_json_decode(text, strlen(text), &v, es, sizeof es);
  free(text);
  if (!rc) rc = kc_json_encode(v, out);
  kc_value_destroy(v);
  return rc;
}

typedef struct {
  kc_herder_cb cb;
  void *arg;
  char *name;
  bool reset, plugin_ok;
} source_job_t;

static void on_source_flushed(void *arg, int status) {
  source_job_t *j = arg;
  if (status) {
    kc_log_error(LOGGER, "Failed to flush the offsets of source connector %s: %s", j->name, kc_strerror(status));
    kc_herder_reply(j->cb, j->arg, KC_HERDER_R_INTERNAL, NULL, "Failed to modify offsets for source connector %s",
                    j->name);
  } else {
    reply_done(j->cb, j->arg, j->plugin_ok, j->reset);
  }
  free(j->name);
  free(j);
}

typedef struct {
  const char *name;
  kc_buf_t *keys;
  size_t n, cap;
  bool nomem;
} collect_t;

static int collect_key(void *arg, const void *key, size_t klen, const void *val, size_t vlen) {
  (void)vlen;
  collect_t *c = arg;
  if (!val) return 0;
  json_t *k = json_loadb(key, klen, JSON_DECODE_ANY, NULL);
  bool mine = json_is_array(k) && json_array_size(k) == 2 && json_is_string(json_array_get(k, 0)) &&
              !strcmp(json_string_value(json_array_get(k, 0)), c->name);
  json_decref(k);
  if (!mine) return 0;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 8;
    kc_buf_t *nk = realloc(c->keys, cap * sizeof *nk);
    if (!nk) {
      c->nomem = true;
      return 1;
    }
    c->keys = nk;
    c->cap = cap;
  }
  kc_buf_init(&c->keys[c->n], 0);
  if (kc_buf_append(&c->keys[c->n], key, klen)) {
    kc_buf_free(&c->keys[c->n]);
    c->nomem = true;
    return 1;
  }
  c->n++;
  return 0;
}

static void modify_source(kc_worker_t *wk, const char *name, const kc_config_t *config, json_t *offsets,
                          kc_herder_cb cb, void *arg) {
  char err[512];
  size_t i;
  json_t *e;
  if (offsets) {
    json_array_foreach(offsets, i, e) {
      json_t *part = json_object_get(e, "partition"), *off = json_object_get(e, "offset");
      if ((json_is_object(part) && !check_primitive(part, err, sizeof err)) ||
          (json_is_object(off) && !check_primitive(off, err, sizeof err))) {
        kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
        return;
      }
    }
    if (!check_file_source(config, offsets, err, sizeof err)) {
      kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
      return;
    }
  }
  bool plugin_ok = manages_offsets_in_kafka_only(config);
  int rc = 0;
  size_t staged = 0;
  if (offsets) {
    kc_buf_t k, v;
    kc_buf_init(&k, 0);
    kc_buf_init(&v, 0);
    json_array_foreach(offsets, i, e) {
      json_t *part = json_object_get(e, "partition"), *off = json_object_get(e, "offset");
      json_t *key = json_pack("[sO]", name, part ? part : json_null());
      kc_buf_reset(&k);
      kc_buf_reset(&v);
      rc = key ? jackson_bytes(key, &k) : KC_ENOMEM;
      json_decref(key);
      bool tomb = !json_is_object(off);
      if (!rc && !tomb) rc = jackson_bytes(off, &v);
      if (!rc) rc = kc_offset_store_set(wk->offsets, k.data, k.len, tomb ? NULL : v.data, tomb ? 0 : v.len);
      if (rc) break;
      staged++;
    }
    kc_buf_free(&k);
    kc_buf_free(&v);
  } else {
    collect_t c = {.name = name};
    kc_offset_store_foreach(wk->offsets, collect_key, &c);
    rc = c.nomem ? KC_ENOMEM : 0;
    for (size_t n = 0; n < c.n; n++) {
      if (!rc) rc = kc_offset_store_set(wk->offsets, c.keys[n].data, c.keys[n].len, NULL, 0);
      if (!rc) staged++;
      kc_buf_free(&c.keys[n]);
    }
    free(c.keys);
  }
  if (rc) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "Failed to modify offsets for source connector %s", name);
    return;
  }
  if (staged == 0) {
    kc_log_info(LOGGER,
                "No offsets found for source connector %s - this can occur due to a prior attempt to reset offsets or "
                "if the source connector hasn't committed any offsets yet",
                name);
    reply_done(cb, arg, plugin_ok, offsets == NULL);
    return;
  }
  source_job_t *j = calloc(1, sizeof *j);
  if (j) j->name = strdup(name);
  if (!j || !j->name) {
    if (j) free(j);
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "Failed to modify offsets for source connector %s", name);
    return;
  }
  j->cb = cb;
  j->arg = arg;
  j->reset = offsets == NULL;
  j->plugin_ok = plugin_ok;
  rc = kc_offset_store_flush(wk->offsets, on_source_flushed, j);
  if (rc) on_source_flushed(j, rc);
}

void kc_offsets_modify(kc_worker_t *wk, const char *name, const kc_config_t *config, bool stopped,
                       json_t *offsets, kc_herder_cb cb, void *arg) {
  if (!stopped) {
    kc_herder_reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL, KC_OFFSETS_NOT_STOPPED_FMT, name);
    return;
  }
  const kc_connector_plugin_t *p = kc_plugins_find(kc_config_get(config, "connector.class"));
  if (p && p->type == KC_CONNECTOR_SINK)
    modify_sink(wk, name, config, offsets, cb, arg);
  else
    modify_source(wk, name, config, offsets, cb, arg);
}
