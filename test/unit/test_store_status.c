/*
 * KafkaStatusBackingStore (worker/store_status.h) against the real broker: values byte-exact to
 * connect-runtime.md 5.3, DESTROYED as a tombstone, a second instance seeing the statuses, the
 * stale-UNASSIGNED rule, putSafe skipping a write that an older generation of another worker
 * would make, and malformed records skipped while later ones apply.
 */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "kc_test.h"
#include "kc_test_stores.h"
#include "worker/store_status.h"

typedef struct {
  int done;
  int status;
  char msg[1024];
} waiter_t;

static void on_done(void *arg, int status, const char *errmsg) {
  waiter_t *w = arg;
  w->done++;
  w->status = status;
  snprintf(w->msg, sizeof w->msg, "%s", errmsg ? errmsg : "");
}

static uv_loop_t loop;
static char topic[128];
static int stopped;
static void on_stopped(void *arg) {
  (void)arg;
  stopped++;
}

static kc_statusstore_t *open_store(void) {
  kc_config_t *wp = kct_worker_props();
  kc_klog_config_t cfg = {topic, "status", 5, 1, NULL, "kc-test-cluster-statuses"};
  char es[512];
  kc_statusstore_t *s = kc_statusstore_create(&loop, wp, &cfg, es, sizeof es);
  kc_config_destroy(wp);
  if (!CHECKF(s != NULL, "create: %s", es)) return NULL;
  waiter_t w = {0};
  CHECK(kc_statusstore_start(s, on_done, &w) == 0);
  CHECK(kct_run_until(&loop, &w.done, 30000));
  CHECKF(w.status == 0, "start: %s", w.msg);
  return s;
}

static void close_store(kc_statusstore_t *s) {
  int before = stopped;
  kc_statusstore_stop(s, on_stopped, NULL);
  volatile int flag = 0;
  for (int i = 0; i < 3000 && stopped == before; i++) kct_run_until(&loop, &flag, 10);
  CHECK(stopped == before + 1);
  kc_statusstore_destroy(s);
}

/* Sends are fire-and-forget: read to the end to see them. */
static void sync_store(kc_statusstore_t *s) {
  waiter_t w = {0};
  CHECK(kc_statusstore_read_to_end(s, on_done, &w) == 0);
  CHECK(kct_run_until(&loop, &w.done, 30000) && w.status == 0);
}

static const kct_record_t *last_rec(const kct_records_t *rs, const char *key, int *count) {
  const kct_record_t *found = NULL;
  *count = 0;
  for (size_t i = 0; i < rs->n; i++)
    if (rs->r[i].key && strcmp(rs->r[i].key, key) == 0) {
      found = &rs->r[i];
      (*count)++;
    }
  return found;
}

static void check_last(const kct_records_t *rs, const char *key, const char *want, int want_count) {
  int count;
  const kct_record_t *r = last_rec(rs, key, &count);
  if (!CHECKF(r != NULL, "no record %s", key)) return;
  CHECKF(count == want_count, "%s written %d times", key, count);
  if (want) CHECK_STR(r->val, want);
  else CHECKF(r->val == NULL, "%s not a tombstone", key);
}

static void test_statuses(void) {
  kc_statusstore_t *a = open_store();
  if (!a) return;
  const char *trace = "org.apache.kafka.connect.errors.ConnectException: boom \"x\"\n\tat Foo.bar(Foo.java:1)";
  CHECK(kc_statusstore_put_connector(a, "local-file-source", KC_STATE_RUNNING, NULL, "host:8083", 12, false) == 0);
  CHECK(kc_statusstore_put_task(a, "local-file-source", 0, KC_STATE_FAILED, trace, "host:8083", 12, false) == 0);
  CHECK(kc_statusstore_put_topic(a, "connect-test", "local-file-source", 0, 1700000000123LL) == 0);
  CHECK(kc_statusstore_put_connector(a, "gone", KC_STATE_RUNNING, NULL, "host:8083", 12, false) == 0);
  CHECK(kc_statusstore_put_task(a, "my-conn-x", 3, KC_STATE_RUNNING, NULL, "w1:8083", 5, false) == 0);
  sync_store(a);
  CHECK(kc_statusstore_put_connector(a, "gone", KC_STATE_DESTROYED, NULL, "host:8083", 12, false) == 0);
  /* Stale UNASSIGNED (same generation) after RUNNING: ignored by readers. */
  CHECK(kc_statusstore_put_task(a, "my-conn-x", 3, KC_STATE_UNASSIGNED, NULL, "w2:8083", 5, false) == 0);
  sync_store(a);
  /* putSafe from another worker with an older generation: not written at all. */
  CHECK(kc_statusstore_put_connector(a, "local-file-source", KC_STATE_PAUSED, NULL, "other:8083", 11, true) == 0);
  sync_store(a);

  const kc_status_t *c = kc_statusstore_connector(a, "local-file-source");
  CHECK(c && c->state == KC_STATE_RUNNING && c->trace == NULL && c->generation == 12);
  CHECK(c && c->worker_id && strcmp(c->worker_id, "host:8083") == 0);
  const kc_status_t *t = kc_statusstore_task(a, "local-file-source", 0);
  CHECK(t && t->state == KC_STATE_FAILED && t->trace && strcmp(t->trace, trace) == 0);
  CHECK(kc_statusstore_connector(a, "gone") == NULL);
  const kc_status_t *x = kc_statusstore_task(a, "my-conn-x", 3);
  CHECK(x && x->state == KC_STATE_RUNNING && strcmp(x->worker_id, "w1:8083") == 0);

  kct_records_t rs = kct_read_all(topic, 5);
  check_last(&rs, "status-connector-local-file-source",
             "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"host:8083\",\"generation\":12}", 1);
  check_last(&rs, "status-task-local-file-source-0",
             "{\"state\":\"FAILED\",\"trace\":\"org.apache.kafka.connect.errors.ConnectException: boom "
             "\\\"x\\\"\\n\\tat Foo.bar(Foo.java:1)\",\"worker_id\":\"host:8083\",\"generation\":12}",
             1);
  check_last(&rs, "status-topic-connect-test:connector-local-file-source",
             "{\"topic\":{\"name\":\"connect-test\",\"connector\":\"local-file-source\",\"task\":0,"
             "\"discoverTimestamp\":1700000000123}}",
             1);
  check_last(&rs, "status-connector-gone", NULL, 2);
  check_last(&rs, "status-task-my-conn-x-3",
             "{\"state\":\"UNASSIGNED\",\"trace\":null,\"worker_id\":\"w2:8083\",\"generation\":5}", 2);
  CHECKF(rs.n == 7, "%zu records", rs.n);
  /* Keys are partitioned as Java does. */
  int n;
  const kct_record_t *r = last_rec(&rs, "status-connector-local-file-source", &n);
  const char *k = "status-connector-local-file-source";
  CHECK(r && r->partition == kct_java_partition(k, strlen(k), 5));
  kct_records_free(&rs);

  /* Malformed records are skipped; the next ones apply. */
  CHECK(kct_produce(topic, 0, "status-connector-bad", "{x", 2) == 0);
  CHECK(kct_produce(topic, 0, "status-task-nodash", "{}", 2) == 0);
  const char *nope = "{\"state\":\"NOPE\",\"worker_id\":\"w\",\"generation\":1}";
  CHECK(kct_produce(topic, 0, "status-connector-bad2", nope, strlen(nope)) == 0);
  CHECK(kct_produce(topic, 0, "something-else", "{}", 2) == 0);
  const char *good = "{\"state\":\"PAUSED\",\"trace\":null,\"worker_id\":\"w9:1\",\"generation\":3}";
  CHECK(kct_produce(topic, 0, "status-connector-good", good, strlen(good)) == 0);
  sync_store(a);
  CHECK(kc_statusstore_connector(a, "bad") == NULL && kc_statusstore_connector(a, "bad2") == NULL);
  const kc_status_t *g = kc_statusstore_connector(a, "good");
  CHECK(g && g->state == KC_STATE_PAUSED && g->generation == 3);

  /* A second instance sees the same statuses. */
  kc_statusstore_t *b = open_store();
  if (b) {
    c = kc_statusstore_connector(b, "local-file-source");
    CHECK(c && c->state == KC_STATE_RUNNING && c->generation == 12 && strcmp(c->worker_id, "host:8083") == 0);
    t = kc_statusstore_task(b, "local-file-source", 0);
    CHECK(t && t->state == KC_STATE_FAILED && t->trace && strcmp(t->trace, trace) == 0);
    CHECK(kc_statusstore_connector(b, "gone") == NULL);
    x = kc_statusstore_task(b, "my-conn-x", 3);
    CHECK(x && x->state == KC_STATE_RUNNING);
    int64_t ts = 0;
    CHECK(kc_statusstore_topic(b, "local-file-source", "connect-test", &ts) && ts == 1700000000123LL);
    CHECK(kc_statusstore_connector(b, "good") != NULL);
    /* Removing a connector's status drops its tasks too. */
    CHECK(kc_statusstore_put_connector(b, "local-file-source", KC_STATE_DESTROYED, NULL, "host:8083", 13,
                                       false) == 0);
    sync_store(b);
    CHECK(kc_statusstore_connector(b, "local-file-source") == NULL);
    CHECK(kc_statusstore_task(b, "local-file-source", 0) == NULL);
    close_store(b);
  }
  close_store(a);
}

/* Java Connect's KafkaStatusBackingStore (connect-runtime 3.9.1) and this one: the same records
 * byte for byte on the same partitions, and each reads what the other wrote. */
static void test_java_interop(void) {
  const char *cp = kct_java_classpath();
  if (!cp) return;
  char jt[128], ct[128], args[512], *oj = NULL, *oc = NULL;
  kct_name(jt, sizeof jt, "statuses-java");
  kct_name(ct, sizeof ct, "statuses-c");
  snprintf(args, sizeof args, "write-status %s", jt);
  if (!CHECK(kct_java(cp, args, NULL) == 0)) return;
  snprintf(topic, sizeof topic, "%s", ct);
  kc_statusstore_t *a = open_store();
  if (!a) return;
  const char *trace = "org.apache.kafka.connect.errors.ConnectException: boom \"x\"\n\tat Foo.bar(Foo.java:1)";
  CHECK(kc_statusstore_put_connector(a, "local-file-source", KC_STATE_RUNNING, NULL, "host:8083", 12, false) == 0);
  CHECK(kc_statusstore_put_task(a, "local-file-source", 0, KC_STATE_FAILED, trace, "host:8083", 12, false) == 0);
  CHECK(kc_statusstore_put_topic(a, "connect-test", "local-file-source", 0, 1700000000123LL) == 0);
  CHECK(kc_statusstore_put_connector(a, "gone", KC_STATE_DESTROYED, NULL, "host:8083", 12, false) == 0);
  sync_store(a);
  close_store(a);
  kct_check_same_records(jt, ct, 5);

  snprintf(args, sizeof args, "read-status %s", jt);
  CHECK(kct_java(cp, args, &oj) == 0);
  snprintf(args, sizeof args, "read-status %s", ct);
  CHECK(kct_java(cp, args, &oc) == 0);
  CHECKF(oj && strstr(oj, "connector local-file-source RUNNING host:8083 12 trace=null\n"), "%s", oj ? oj : "(none)");
  CHECKF(oj && strstr(oj, "task local-file-source-0 FAILED host:8083 12 trace=org.apache.kafka.connect.errors."
                          "ConnectException: boom \"x\"\\u000a\\u0009at Foo.bar(Foo.java:1)\n"), "%s", oj ? oj : "(none)");
  CHECKF(oj && strstr(oj, "topic local-file-source connect-test 0 1700000000123\n"), "%s", oj ? oj : "(none)");
  CHECK_STR(oc, oj ? oj : "");
  free(oj);
  free(oc);

  snprintf(topic, sizeof topic, "%s", jt);
  kc_statusstore_t *b = open_store();
  if (!b) return;
  const kc_status_t *c = kc_statusstore_connector(b, "local-file-source");
  CHECK(c && c->state == KC_STATE_RUNNING && c->generation == 12 && !c->trace && strcmp(c->worker_id, "host:8083") == 0);
  const kc_status_t *t = kc_statusstore_task(b, "local-file-source", 0);
  CHECK(t && t->state == KC_STATE_FAILED && t->trace && strcmp(t->trace, trace) == 0);
  int64_t ts = 0;
  CHECK(kc_statusstore_topic(b, "local-file-source", "connect-test", &ts) && ts == 1700000000123LL);
  CHECK(kc_statusstore_connector(b, "gone") == NULL);
  close_store(b);
}

static const char *version_of(void *arg, const char *connector) {
  (void)arg;
  return strcmp(connector, "versioned") ? NULL : "4.3.1";
}

/* Connect 4.x (KIP-891): "version" after "generation", null for a class not installed; read back. */
static void test_versions(void) {
  kct_name(topic, sizeof topic, "statuses-v");
  kc_statusstore_t *a = open_store();
  if (!a) return;
  kc_statusstore_set_versions(a, version_of, NULL);
  CHECK(kc_statusstore_put_connector(a, "versioned", KC_STATE_RUNNING, NULL, "host:8083", 3, false) == 0);
  CHECK(kc_statusstore_put_task(a, "unknown", 0, KC_STATE_FAILED, "boom", "host:8083", 3, false) == 0);
  sync_store(a);
  const kc_status_t *c = kc_statusstore_connector(a, "versioned");
  CHECK(c && c->version && strcmp(c->version, "4.3.1") == 0);
  const kc_status_t *t = kc_statusstore_task(a, "unknown", 0);
  CHECK(t && t->version == NULL && t->state == KC_STATE_FAILED);
  kct_records_t rs = kct_read_all(topic, 5);
  check_last(&rs, "status-connector-versioned",
             "{\"state\":\"RUNNING\",\"trace\":null,\"worker_id\":\"host:8083\",\"generation\":3,"
             "\"version\":\"4.3.1\"}",
             1);
  check_last(&rs, "status-task-unknown-0",
             "{\"state\":\"FAILED\",\"trace\":\"boom\",\"worker_id\":\"host:8083\",\"generation\":3,"
             "\"version\":null}",
             1);
  kct_records_free(&rs);
  close_store(a);
}

int main(void) {
  uv_loop_init(&loop);
  kct_name(topic, sizeof topic, "statuses");
  kc_test_run("status records byte-exact, tombstones, second instance, malformed", test_statuses);
  kc_test_run("Java Connect's KafkaStatusBackingStore: same bytes, reads each other", test_java_interop);
  kc_test_run("Connect 4.x plugin versions in status values", test_versions);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
  return kc_test_done();
}
