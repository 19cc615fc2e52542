/*
 * KafkaBasedLog (worker/kafka_log.h) against the real broker at $KAFKA_BOOTSTRAP (default 127.0.0.1:9092): topic creation
 * (compacted, the given partitions), Connect's refusals (a config topic with 2 partitions, a
 * topic with cleanup.policy=delete), read to end seeing another producer's records, and the
 * send order.
 */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "kc_test.h"
#include "kc_test_stores.h"
#include "worker/kafka_log.h"

typedef struct {
  int done;
  int status;
  char msg[2048];
} waiter_t;

static void on_done(void *arg, int status, const char *errmsg) {
  waiter_t *w = arg;
  w->done++;
  w->status = status;
  snprintf(w->msg, sizeof w->msg, "%s", errmsg ? errmsg : "");
}

typedef struct {
  int n;
  char keys[64][64];
  char vals[64][64];
  int32_t parts[64];
} seen_t;

static void on_record(void *arg, const rd_kafka_message_t *m) {
  seen_t *s = arg;
  if (s->n >= 64) return;
  snprintf(s->keys[s->n], 64, "%.*s", m->key ? (int)m->key_len : 4, m->key ? (const char *)m->key : "null");
  snprintf(s->vals[s->n], 64, "%.*s", m->payload ? (int)m->len : 4,
           m->payload ? (const char *)m->payload : "null");
  s->parts[s->n] = m->partition;
  s->n++;
}

static int stopped;
static void on_stopped(void *arg) {
  (void)arg;
  stopped++;
}

static kc_klog_t *open_log(uv_loop_t *loop, const char *topic, const char *role, int partitions,
                           seen_t *seen) {
  kc_config_t *wp = kct_worker_props();
  kc_klog_config_t cfg = {topic, role, partitions, 1, NULL, "kc-test-cluster-x"};
  char es[512];
  kc_klog_t *l = kc_klog_create(loop, wp, &cfg, on_record, seen, es, sizeof es);
  kc_config_destroy(wp);
  CHECKF(l != NULL, "create: %s", es);
  return l;
}

static void close_log(uv_loop_t *loop, kc_klog_t *l) {
  int before = stopped;
  kc_klog_stop(l, on_stopped, NULL);
  volatile int flag = 0;
  for (int i = 0; i < 3000 && stopped == before; i++) {
    flag = 0;
    kct_run_until(loop, &flag, 10);
  }
  CHECK(stopped == before + 1);
  kc_klog_destroy(l);
}

static void test_creates_compacted(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  char topic[128], policy[128];
  kct_name(topic, sizeof topic, "klog-offsets");
  seen_t seen = {0};
  kc_klog_t *l = open_log(&loop, topic, "offset", 3, &seen);
  if (!l) return;
  waiter_t w = {0};
  CHECK(kc_klog_start(l, on_done, &w) == 0);
  CHECK(kct_run_until(&loop, &w.done, 30000));
  CHECKF(w.status == 0, "start: %d %s", w.status, w.msg);
  CHECK(kc_klog_partitions(l) == 3);
  int parts = kct_describe(topic, policy, sizeof policy);
  CHECKF(parts == 3, "partitions %d", parts);
  CHECK_STR(policy, "compact");
  CHECK(seen.n == 0);
  close_log(&loop, l);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
}

/* Extra topic settings are applied at creation, except cleanup.policy, forced to compact; the
 * config topic gets one partition whatever was asked. */
static void test_topic_settings(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  char topic[128], v[128];
  kct_name(topic, sizeof topic, "klog-settings");
  kc_config_t *wp = kct_worker_props(), *ts = kc_config_new();
  kc_config_set(ts, "cleanup.policy", "delete");
  kc_config_set(ts, "retention.ms", "123456789");
  kc_klog_config_t cfg = {topic, "config", 4, 1, ts, "kc-test-cluster-configs"};
  char es[512];
  seen_t seen = {0};
  kc_klog_t *l = kc_klog_create(&loop, wp, &cfg, on_record, &seen, es, sizeof es);
  kc_config_destroy(wp);
  kc_config_destroy(ts); /* copied by create */
  if (!CHECKF(l != NULL, "create: %s", es)) return;
  waiter_t w = {0};
  CHECK(kc_klog_start(l, on_done, &w) == 0);
  CHECK(kct_run_until(&loop, &w.done, 30000));
  CHECKF(w.status == 0, "start: %s", w.msg);
  CHECK(kct_describe_config(topic, "cleanup.policy", v, sizeof v) == 1);
  CHECK_STR(v, "compact");
  kct_describe_config(topic, "retention.ms", v, sizeof v);
  CHECK_STR(v, "123456789");
  close_log(&loop, l);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
}

static void test_config_topic_two_partitions(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  char topic[128], want[1024];
  kct_name(topic, sizeof topic, "klog-config2");
  CHECK(kct_create_topic(topic, 2, "cleanup.policy", "compact") == 0);
  seen_t seen = {0};
  kc_klog_t *l = open_log(&loop, topic, "config", 1, &seen);
  if (!l) return;
  waiter_t w = {0};
  CHECK(kc_klog_start(l, on_done, &w) == 0);
  CHECK(kct_run_until(&loop, &w.done, 30000));
  CHECK(w.status == KC_EINVAL);
  snprintf(want, sizeof want,
           "Topic '%s' supplied via the 'config.storage.topic' property is required to have a single "
           "partition in order to guarantee consistency of connector configurations, but found 2 "
           "partitions.",
           topic);
  CHECK_STR(w.msg, want);
  close_log(&loop, l);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
}

static void test_delete_policy_refused(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  char topic[128], want[2048];
  kct_name(topic, sizeof topic, "klog-status-del");
  CHECK(kct_create_topic(topic, 1, "cleanup.policy", "delete") == 0);
  seen_t seen = {0};
  kc_klog_t *l = open_log(&loop, topic, "status", 5, &seen);
  if (!l) return;
  waiter_t w = {0};
  CHECK(kc_klog_start(l, on_done, &w) == 0);
  CHECK(kct_run_until(&loop, &w.done, 30000));
  CHECK(w.status == KC_EINVAL);
  snprintf(want, sizeof want,
           "Topic '%s' supplied via the 'status.storage.topic' property is required to have "
           "'cleanup.policy=compact' to guarantee consistency and durability of connector and task "
           "statuses, but found the topic currently has 'cleanup.policy=delete'. Continuing would "
           "likely result in eventually losing connector and task statuses and problems restarting "
           "this Connect cluster in the future. Change the 'status.storage.topic' property in the "
           "Connect worker configurations to use a topic with 'cleanup.policy=compact'.",
           topic);
  CHECK_STR(w.msg, want);
  close_log(&loop, l);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
}

static void test_read_to_end_and_order(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  char topic[128];
  kct_name(topic, sizeof topic, "klog-rte");
  CHECK(kct_create_topic(topic, 2, "cleanup.policy", "compact") == 0);
  /* Written before the log starts: the first read must see them. */
  CHECK(kct_produce(topic, 0, "before-0", "a", 1) == 0);
  CHECK(kct_produce(topic, 1, "before-1", "b", 1) == 0);
  seen_t seen = {0};
  kc_klog_t *l = open_log(&loop, topic, "status", 2, &seen);
  if (!l) return;
  waiter_t w = {0};
  CHECK(kc_klog_start(l, on_done, &w) == 0);
  CHECK(kct_run_until(&loop, &w.done, 30000));
  CHECKF(w.status == 0, "start: %s", w.msg);
  CHECKF(seen.n == 2, "%d records after start", seen.n);
  CHECK(kc_klog_read_to_end(l, on_done, &w) == 0);
  /* Another producer writes; read_to_end issued after it must see the record. */
  CHECK(kct_produce(topic, 1, "other", "c", 1) == 0);
  waiter_t w2 = {0};
  CHECK(kc_klog_read_to_end(l, on_done, &w2) == 0);
  CHECK(kct_run_until(&loop, &w2.done, 30000));
  CHECK(w2.status == 0);
  CHECK(w.done == 2); /* the earlier request completed first (or together) */
  CHECKF(seen.n == 3 && strcmp(seen.keys[2], "other") == 0, "%d records", seen.n);
  /* Send order: 20 records of one key in one partition come back in order; a tombstone too. */
  int acked = 0;
  waiter_t sw[21];
  memset(sw, 0, sizeof sw);
  for (int i = 0; i < 20; i++) {
    char v[16];
    snprintf(v, sizeof v, "v%02d", i);
    CHECK(kc_klog_send(l, "k", 1, v, strlen(v), on_done, &sw[i]) == 0);
  }
  CHECK(kc_klog_send(l, "k", 1, NULL, 0, on_done, &sw[20]) == 0);
  waiter_t w3 = {0};
  CHECK(kc_klog_read_to_end(l, on_done, &w3) == 0);
  CHECK(kct_run_until(&loop, &w3.done, 30000));
  for (int i = 0; i < 21; i++) acked += sw[i].done == 1 && sw[i].status == 0;
  CHECK(acked == 21); /* read_to_end waits for the sends made before it */
  CHECKF(seen.n == 24, "%d records", seen.n);
  for (int i = 0; i < 20 && seen.n == 24; i++) {
    char v[16];
    snprintf(v, sizeof v, "v%02d", i);
    CHECK_STR(seen.vals[3 + i], v);
    CHECK(seen.parts[3 + i] == kct_java_partition("k", 1, 2));
  }
  if (seen.n == 24) CHECK_STR(seen.vals[23], "null");
  /* Stop right after sending: the pending sends are flushed first, each answered once. */
  waiter_t last[5];
  memset(last, 0, sizeof last);
  for (int i = 0; i < 5; i++) CHECK(kc_klog_send(l, "z", 1, "1", 1, on_done, &last[i]) == 0);
  close_log(&loop, l);
  for (int i = 0; i < 5; i++) CHECKF(last[i].done == 1 && last[i].status == 0, "send %d: %d %d", i, last[i].done, last[i].status);
  kct_records_t rs = kct_read_all(topic, 2);
  int zs = 0;
  for (size_t i = 0; i < rs.n; i++) zs += rs.r[i].key && strcmp(rs.r[i].key, "z") == 0;
  CHECKF(zs == 5, "%d of the 5 records sent before stop are in the topic", zs);
  kct_records_free(&rs);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
}

/* Stop while starting: the start is answered KC_ESTATE, the stop completes, nothing leaks. */
static void test_stop_while_starting(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  char topic[128];
  kct_name(topic, sizeof topic, "klog-stop");
  seen_t seen = {0};
  kc_klog_t *l = open_log(&loop, topic, "config", 1, &seen);
  if (!l) return;
  waiter_t w = {0};
  CHECK(kc_klog_start(l, on_done, &w) == 0);
  CHECK(kc_klog_read_to_end(l, on_done, &w) == KC_ESTATE); /* not started yet */
  close_log(&loop, l);
  CHECK(w.done == 1 && w.status == KC_ESTATE);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
}

int main(void) {
  kc_test_run("creates a missing topic compacted with the partitions", test_creates_compacted);
  kc_test_run("topic settings applied, cleanup.policy forced, config topic 1 partition", test_topic_settings);
  kc_test_run("config topic with 2 partitions refused", test_config_topic_two_partitions);
  kc_test_run("cleanup.policy=delete refused", test_delete_policy_refused);
  kc_test_run("read to end sees other writers; send order kept", test_read_to_end_and_order);
  kc_test_run("stop while starting", test_stop_while_starting);
  return kc_test_done();
}
