/*
 * KafkaConfigBackingStore (worker/store_config.h) against the real broker: every write kind,
 * the raw records byte-exact to connect-runtime.md 5.1's FileStream quick-start example, a
 * second store instance reading the same snapshot, delete tombstones in order, a commit with a
 * missing task record (inconsistent), and malformed records skipped while later ones apply.
 */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "kc_test.h"
#include "kc_test_stores.h"
#include "worker/store_config.h"

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

typedef struct {
  int configs, removed, commits, targets, restarts, keys;
  kc_target_t last_target;
  bool restart_tasks, restart_failed;
} events_t;

static void ev_config(void *arg, const char *name, bool removed) {
  events_t *e = arg;
  (void)name;
  if (removed) e->removed++;
  else e->configs++;
}
static void ev_tasks(void *arg, const char *name) {
  (void)name;
  ((events_t *)arg)->commits++;
}
static void ev_target(void *arg, const char *name, kc_target_t t) {
  (void)name;
  ((events_t *)arg)->targets++;
  ((events_t *)arg)->last_target = t;
}
static void ev_restart(void *arg, const char *name, bool tasks, bool failed) {
  events_t *e = arg;
  (void)name;
  e->restarts++;
  e->restart_tasks = tasks;
  e->restart_failed = failed;
}
static void ev_key(void *arg) { ((events_t *)arg)->keys++; }

static const kc_cfgstore_listener_t listener = {ev_config, ev_tasks, ev_target, ev_restart, ev_key};

static uv_loop_t loop;
static char topic[128];

static kc_cfgstore_t *open_store(events_t *ev) {
  kc_config_t *wp = kct_worker_props();
  kc_klog_config_t cfg = {topic, "config", 1, 1, NULL, "kc-test-cluster-configs"};
  char es[512];
  kc_cfgstore_t *s = kc_cfgstore_create(&loop, wp, &cfg, &listener, ev, es, sizeof es);
  kc_config_destroy(wp);
  if (!CHECKF(s != NULL, "create: %s", es)) return NULL;
  waiter_t w = {0};
  CHECK(kc_cfgstore_start(s, on_done, &w) == 0);
  CHECK(kct_run_until(&loop, &w.done, 30000));
  CHECKF(w.status == 0, "start: %s", w.msg);
  return s;
}

static int stopped;
static void on_stopped(void *arg) {
  (void)arg;
  stopped++;
}

static void close_store(kc_cfgstore_t *s) {
  int before = stopped;
  kc_cfgstore_stop(s, on_stopped, NULL);
  volatile int flag = 0;
  for (int i = 0; i < 3000 && stopped == before; i++) kct_run_until(&loop, &flag, 10);
  CHECK(stopped == before + 1);
  kc_cfgstore_destroy(s);
}

static bool wait_op(int rc, waiter_t *w) {
  if (!CHECKF(rc == 0, "rc %d", rc)) return false;
  CHECK(kct_run_until(&loop, &w->done, 30000));
  return CHECKF(w->done == 1 && w->status == 0, "done %d status %d %s", w->done, w->status, w->msg);
}

static kc_config_t *quickstart(void) {
  kc_config_t *c = kc_config_new();
  kc_config_set(c, "connector.class", "FileStreamSource");
  kc_config_set(c, "file", "test.txt");
  kc_config_set(c, "tasks.max", "1");
  kc_config_set(c, "name", "local-file-source");
  kc_config_set(c, "topic", "connect-test");
  return c;
}

static const char *QS_JSON =
    "{\"properties\":{\"connector.class\":\"FileStreamSource\",\"file\":\"test.txt\",\"tasks.max\":\"1\","
    "\"name\":\"local-file-source\",\"topic\":\"connect-test\"}}";

static const kct_record_t *find_rec(const kct_records_t *rs, const char *key, int nth) {
  for (size_t i = 0; i < rs->n; i++)
    if (rs->r[i].key && strcmp(rs->r[i].key, key) == 0 && nth-- == 0) return &rs->r[i];
  return NULL;
}

static void check_val(const kct_records_t *rs, const char *key, const char *want) {
  const kct_record_t *r = find_rec(rs, key, 0);
  if (!CHECKF(r != NULL, "no record %s", key)) return;
  if (want) CHECK_STR(r->val, want);
  else CHECKF(r->val == NULL, "%s is not a tombstone", key);
}

static bool same_config(const kc_config_t *a, const kc_config_t *b) {
  if (!a || !b || kc_config_count(a) != kc_config_count(b)) return false;
  for (size_t i = 0; i < kc_config_count(a); i++) {
    const char *k, *v, *k2, *v2;
    kc_config_at(a, i, &k, &v);
    kc_config_at(b, i, &k2, &v2);
    if (strcmp(k, k2) || strcmp(v, v2)) return false;
  }
  return true;
}

static void test_quickstart_round_trip(void) {
  events_t ev = {0}, ev2 = {0};
  kc_cfgstore_t *a = open_store(&ev);
  if (!a) return;
  CHECK(kc_cfgstore_count(a) == 0);
  kc_config_t *qs = quickstart();
  waiter_t w[8];
  memset(w, 0, sizeof w);
  wait_op(kc_cfgstore_put_connector(a, "local-file-source", qs, -1, on_done, &w[0]), &w[0]);
  /* The snapshot shows the write once its callback ran (read back). */
  const kc_cfg_connector_t *c = kc_cfgstore_connector(a, "local-file-source");
  CHECK(c && same_config(c->config, qs) && c->target == KC_TARGET_STARTED && c->ntasks == 0);
  const kc_config_t *tasks[1] = {qs};
  wait_op(kc_cfgstore_put_task_configs(a, "local-file-source", tasks, 1, on_done, &w[1]), &w[1]);
  wait_op(kc_cfgstore_put_target_state(a, "local-file-source", KC_TARGET_STOPPED, on_done, &w[2]), &w[2]);
  wait_op(kc_cfgstore_put_restart(a, "local-file-source", true, false, on_done, &w[3]), &w[3]);
  static const uint8_t keybytes[] = {0x00, 0x01, 0xfe, 0xff, 0x10, 0x20, 0x30};
  kc_session_key_t sk = {keybytes, sizeof keybytes, "HmacSHA256", 1700000000000LL};
  wait_op(kc_cfgstore_put_session_key(a, &sk, on_done, &w[4]), &w[4]);
  kc_config_t *esc = kc_config_new();
  kc_config_set(esc, "name", "esc");
  kc_config_set(esc, "x", "\xc3\xa9/\"\\\n\x01");
  wait_op(kc_cfgstore_put_connector(a, "esc", esc, KC_TARGET_PAUSED, on_done, &w[5]), &w[5]);

  CHECKF(ev.configs == 2 && ev.commits == 1 && ev.targets == 1 && ev.restarts == 1 && ev.keys == 1,
         "events %d %d %d %d %d", ev.configs, ev.commits, ev.targets, ev.restarts, ev.keys);
  CHECK(ev.last_target == KC_TARGET_STOPPED && ev.restart_tasks && !ev.restart_failed);
  c = kc_cfgstore_connector(a, "local-file-source");
  CHECK(c && c->target == KC_TARGET_STOPPED && c->ntasks == 1 && same_config(c->tasks[0], qs));

  kct_records_t rs = kct_read_all(topic, 1);
  CHECKF(rs.n == 8, "%zu records", rs.n);
  check_val(&rs, "connector-local-file-source", QS_JSON);
  check_val(&rs, "task-local-file-source-0", QS_JSON);
  check_val(&rs, "commit-local-file-source", "{\"tasks\":1}");
  check_val(&rs, "target-state-local-file-source", "{\"state\":\"PAUSED\",\"state.v2\":\"STOPPED\"}");
  check_val(&rs, "restart-connector-local-file-source", "{\"include-tasks\":true,\"only-failed\":false}");
  check_val(&rs, "session-key",
            "{\"key\":\"AAH+/xAgMA==\",\"algorithm\":\"HmacSHA256\",\"creation-timestamp\":1700000000000}");
  check_val(&rs, "target-state-esc", "{\"state\":\"PAUSED\",\"state.v2\":\"PAUSED\"}");
  check_val(&rs, "connector-esc", "{\"properties\":{\"name\":\"esc\",\"x\":\"\xc3\xa9/\\\"\\\\\\n\\u0001\"}}");
  /* write order: the initial target state before its connector */
  const kct_record_t *t = find_rec(&rs, "target-state-esc", 0), *k = find_rec(&rs, "connector-esc", 0);
  CHECK(t && k && t->offset + 1 == k->offset);
  kct_records_free(&rs);

  /* A second worker reads the same snapshot. */
  kc_cfgstore_t *b = open_store(&ev2);
  if (b) {
    CHECK(kc_cfgstore_count(b) == 2);
    CHECK(kc_cfgstore_offset(b) == kc_cfgstore_offset(a) && kc_cfgstore_offset(a) == 8);
    const kc_cfg_connector_t *e = kc_cfgstore_at(b, 0), *l = kc_cfgstore_at(b, 1);
    CHECK(e && strcmp(e->name, "esc") == 0 && e->target == KC_TARGET_PAUSED && same_config(e->config, esc));
    CHECK(l && strcmp(l->name, "local-file-source") == 0 && same_config(l->config, qs));
    CHECK(l && l->target == KC_TARGET_STOPPED && l->ntasks == 1 && same_config(l->tasks[0], qs) &&
          !l->inconsistent);
    const kc_session_key_t *k2 = kc_cfgstore_session_key(b);
    CHECK(k2 && k2->len == sizeof keybytes && memcmp(k2->key, keybytes, sizeof keybytes) == 0 &&
          strcmp(k2->algorithm, "HmacSHA256") == 0 && k2->creation_ms == 1700000000000LL);
    /* Records read during start do not reach the listener (Java's started flag). */
    CHECK(ev2.configs == 0 && ev2.restarts == 0 && ev2.keys == 0);

    /* Delete on A: both tombstones in order; B sees the removal too. */
    wait_op(kc_cfgstore_remove_connector(a, "local-file-source", on_done, &w[6]), &w[6]);
    CHECK(kc_cfgstore_connector(a, "local-file-source") == NULL && kc_cfgstore_count(a) == 1);
    rs = kct_read_all(topic, 1);
    CHECKF(rs.n == 10, "%zu records", rs.n);
    if (rs.n == 10) {
      CHECK_STR(rs.r[8].key, "connector-local-file-source");
      CHECK(rs.r[8].val == NULL);
      CHECK_STR(rs.r[9].key, "target-state-local-file-source");
      CHECK(rs.r[9].val == NULL);
    }
    kct_records_free(&rs);
    wait_op(kc_cfgstore_read_to_end(b, on_done, &w[7]), &w[7]);
    CHECK(kc_cfgstore_connector(b, "local-file-source") == NULL && kc_cfgstore_count(b) == 1);
    CHECK(ev2.removed == 1);
    close_store(b);
  }
  kc_config_destroy(esc);
  kc_config_destroy(qs);
  close_store(a);
}

static void test_inconsistent_and_malformed(void) {
  events_t ev = {0};
  kc_cfgstore_t *a = open_store(&ev);
  if (!a) return;
  const char *cfg = "{\"properties\":{\"name\":\"c2\",\"connector.class\":\"FileStreamSink\"}}";
  /* A commit for 2 tasks with only task 0 written: inconsistent, no tasks applied. */
  CHECK(kct_produce(topic, 0, "connector-c2", cfg, strlen(cfg)) == 0);
  CHECK(kct_produce(topic, 0, "task-c2-0", cfg, strlen(cfg)) == 0);
  CHECK(kct_produce(topic, 0, "commit-c2", "{\"tasks\":2}", 11) == 0);
  /* Malformed records, each followed by a good one that must still apply. */
  CHECK(kct_produce(topic, 0, "connector-bad", "{not json", 9) == 0);
  CHECK(kct_produce(topic, 0, "connector-good", cfg, strlen(cfg)) == 0);
  CHECK(kct_produce(topic, 0, "no-such-prefix", "{}", 2) == 0);
  CHECK(kct_produce(topic, 0, "commit-good", "{\"tasks\":\"one\"}", 15) == 0);
  CHECK(kct_produce(topic, 0, "connector-wrong", "{\"properties\":[1]}", 18) == 0);
  CHECK(kct_produce(topic, 0, "target-state-good", "{\"state\":\"PAUSED\"}", 18) == 0);
  CHECK(kct_produce(topic, 0, "task-good-x", cfg, strlen(cfg)) == 0);
  CHECK(kct_produce(topic, 0, "task-good-0", cfg, strlen(cfg)) == 0);
  CHECK(kct_produce(topic, 0, "commit-good", "{\"tasks\":1}", 11) == 0);
  waiter_t w = {0};
  wait_op(kc_cfgstore_read_to_end(a, on_done, &w), &w);
  const kc_cfg_connector_t *c2 = kc_cfgstore_connector(a, "c2");
  CHECK(c2 && c2->inconsistent && c2->ntasks == 0);
  CHECK(kc_cfgstore_task_count(a, "c2") == 2);
  CHECK(kc_cfgstore_connector(a, "bad") == NULL && kc_cfgstore_connector(a, "wrong") == NULL);
  const kc_cfg_connector_t *g = kc_cfgstore_connector(a, "good");
  CHECK(g && g->target == KC_TARGET_PAUSED && g->ntasks == 1 && !g->inconsistent);
  CHECK(kc_cfgstore_count(a) == 2);
  /* Fixing c2 with a complete commit clears the flag. */
  kc_config_t *t = kc_config_new();
  kc_config_set(t, "task.class", "X");
  const kc_config_t *ts[2] = {t, t};
  waiter_t w2 = {0};
  wait_op(kc_cfgstore_put_task_configs(a, "c2", ts, 2, on_done, &w2), &w2);
  c2 = kc_cfgstore_connector(a, "c2");
  CHECK(c2 && !c2->inconsistent && c2->ntasks == 2);
  kc_config_destroy(t);
  close_store(a);
}

/* The writes of the quick-start test, in the order test/unit/java/StoresInterop.java makes them. */
static void write_sequence(kc_cfgstore_t *a) {
  kc_config_t *qs = quickstart(), *esc = kc_config_new();
  kc_config_set(esc, "name", "esc");
  kc_config_set(esc, "x", "\xc3\xa9/\"\\\n\x01");
  waiter_t w[6];
  memset(w, 0, sizeof w);
  const kc_config_t *tasks[1] = {qs};
  static const uint8_t keybytes[] = {0x00, 0x01, 0xfe, 0xff, 0x10, 0x20, 0x30};
  kc_session_key_t sk = {keybytes, sizeof keybytes, "HmacSHA256", 1700000000000LL};
  wait_op(kc_cfgstore_put_connector(a, "local-file-source", qs, -1, on_done, &w[0]), &w[0]);
  wait_op(kc_cfgstore_put_task_configs(a, "local-file-source", tasks, 1, on_done, &w[1]), &w[1]);
  wait_op(kc_cfgstore_put_target_state(a, "local-file-source", KC_TARGET_STOPPED, on_done, &w[2]), &w[2]);
  wait_op(kc_cfgstore_put_restart(a, "local-file-source", true, false, on_done, &w[3]), &w[3]);
  wait_op(kc_cfgstore_put_session_key(a, &sk, on_done, &w[4]), &w[4]);
  wait_op(kc_cfgstore_put_connector(a, "esc", esc, KC_TARGET_PAUSED, on_done, &w[5]), &w[5]);
  kc_config_destroy(qs);
  kc_config_destroy(esc);
}

/* Java Connect's KafkaConfigBackingStore (connect-runtime 3.9.1) and this one: the same records
 * byte for byte, and each reads what the other wrote. */
static void test_java_interop(void) {
  const char *cp = kct_java_classpath();
  if (!cp) return;
  char jt[128], ct[128], args[512], *oj = NULL, *oc = NULL;
  kct_name(jt, sizeof jt, "configs-java");
  kct_name(ct, sizeof ct, "configs-c");
  snprintf(args, sizeof args, "write-config %s", jt);
  if (!CHECK(kct_java(cp, args, NULL) == 0)) return;
  events_t ev = {0};
  snprintf(topic, sizeof topic, "%s", ct);
  kc_cfgstore_t *a = open_store(&ev);
  if (!a) return;
  write_sequence(a);
  close_store(a);
  kct_check_same_records(jt, ct, 1);

  snprintf(args, sizeof args, "read-config %s", jt);
  CHECK(kct_java(cp, args, &oj) == 0);
  snprintf(args, sizeof args, "read-config %s", ct);
  CHECK(kct_java(cp, args, &oc) == 0);
  CHECKF(oj && strstr(oj, "connector local-file-source target STOPPED tasks 1 inconsistent false\n"), "%s", oj ? oj : "(none)");
  CHECKF(oj && strstr(oj, "  config x=\xc3\xa9/\"\\\\\\u000a\\u0001\n"), "%s", oj ? oj : "(none)");
  CHECK(oj && strstr(oj, "session-key AAH+/xAgMA== HmacSHA256 1700000000000\n"));
  CHECK_STR(oc, oj ? oj : "");
  free(oj);
  free(oc);

  snprintf(topic, sizeof topic, "%s", jt);
  kc_cfgstore_t *b = open_store(&ev);
  if (!b) return;
  kc_config_t *qs = quickstart();
  CHECK(kc_cfgstore_count(b) == 2 && kc_cfgstore_offset(b) == 8);
  const kc_cfg_connector_t *l = kc_cfgstore_connector(b, "local-file-source"), *e = kc_cfgstore_connector(b, "esc");
  CHECK(l && same_config(l->config, qs) && l->target == KC_TARGET_STOPPED && l->ntasks == 1 &&
        same_config(l->tasks[0], qs));
  CHECK(e && e->target == KC_TARGET_PAUSED && strcmp(kc_config_get(e->config, "x"), "\xc3\xa9/\"\\\n\x01") == 0);
  const kc_session_key_t *k = kc_cfgstore_session_key(b);
  CHECK(k && k->len == 7 && k->key[2] == 0xfe && k->creation_ms == 1700000000000LL);
  kc_config_destroy(qs);
  close_store(b);
}

int main(void) {
  uv_loop_init(&loop);
  kct_name(topic, sizeof topic, "configs");
  kc_test_run("quick-start records byte-exact, second instance, delete", test_quickstart_round_trip);
  kct_name(topic, sizeof topic, "configs-bad");
  kc_test_run("inconsistent commit; malformed records skipped", test_inconsistent_and_malformed);
  kc_test_run("Java Connect's KafkaConfigBackingStore: same bytes, reads each other", test_java_interop);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
  return kc_test_done();
}
