/*
 * The Kafka offset backend (kc_offset_store_kafka_open, KafkaOffsetBackingStore) against the real
 * broker: set + flush writes exactly the staged entries (values byte-exact, tombstones for
 * removals, nothing re-sent that was only read), keys land on the partition Java's murmur2
 * partitioner picks (checked against Kafka's own murmur2 test vectors and a hand-written
 * murmur2), and a second instance reads the offsets back, including later updates via refresh.
 */
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "kc_test.h"
#include "kc_test_stores.h"
#include "worker/kafka_log.h"
#include "worker/offset_store.h"

typedef struct {
  int done;
  int status;
  char msg[1024];
} waiter_t;

static void on_ready(void *arg, int status, const char *errmsg) {
  waiter_t *w = arg;
  w->done++;
  w->status = status;
  snprintf(w->msg, sizeof w->msg, "%s", errmsg ? errmsg : "");
}

static void on_flush(void *arg, int status) {
  waiter_t *w = arg;
  w->done++;
  w->status = status;
}

static uv_loop_t loop;
static char topic[128];

static kc_offset_store_t *open_store(void) {
  kc_config_t *wp = kct_worker_props();
  kc_klog_config_t cfg = {topic, "offset", 5, 1, NULL, "kc-test-cluster-offsets"};
  char es[512];
  waiter_t w = {0};
  kc_offset_store_t *st = kc_offset_store_kafka_open(&loop, wp, &cfg, on_ready, &w, es, sizeof es);
  kc_config_destroy(wp);
  if (!CHECKF(st != NULL, "open: %s", es)) return NULL;
  CHECK(kct_run_until(&loop, &w.done, 30000));
  CHECKF(w.done == 1 && w.status == 0, "ready: %s", w.msg);
  return st;
}

static bool flush(kc_offset_store_t *st) {
  waiter_t w = {0};
  if (!CHECK(kc_offset_store_flush(st, on_flush, &w) == 0)) return false;
  CHECK(kct_run_until(&loop, &w.done, 30000));
  return CHECKF(w.done == 1 && w.status == 0, "flush status %d", w.status);
}

static bool has(kc_offset_store_t *st, const char *key, const char *want) {
  const void *v;
  size_t n;
  if (kc_offset_store_get(st, key, strlen(key), &v, &n) != 0) return want == NULL;
  return want && n == strlen(want) && memcmp(v, want, n) == 0;
}

static void test_murmur2_vectors(void) {
  /* clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java testMurmur2 */
  CHECK(kct_murmur2("21", 2) == -973932308);
  CHECK(kct_murmur2("foobar", 6) == -790332482);
  CHECK(kct_murmur2("a-little-bit-long-string", 24) == -985981536);
  CHECK(kct_murmur2("a-little-bit-longer-string", 26) == -1486304829);
  CHECK(kct_murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 48) == -58897971);
  CHECK(kct_murmur2("abc", 3) == 479470107);
}

static const char *K1 = "[\"local-file-source\",{\"filename\":\"/tmp/test.txt\"}]";
static const char *K2 = "[\"jdbc\",{\"table\":\"orders\"}]";
static const char *K3 = "[\"jdbc\",{\"table\":\"customers\",\"db\":\"shop\"}]";

static void test_flush_and_read_back(void) {
  kc_offset_store_t *a = open_store();
  if (!a) return;
  CHECK(kc_offset_store_count(a) == 0);
  CHECK(kc_offset_store_set(a, K1, strlen(K1), "{\"position\":1234}", 17) == 0);
  CHECK(kc_offset_store_set(a, K2, strlen(K2), "{\"id\":7}", 8) == 0);
  CHECK(kc_offset_store_set(a, K3, strlen(K3), "{\"id\":1}", 8) == 0);
  flush(a);
  kct_records_t rs = kct_read_all(topic, 5);
  CHECKF(rs.n == 3, "%zu records", rs.n);
  const char *keys[3] = {K1, K2, K3}, *vals[3] = {"{\"position\":1234}", "{\"id\":7}", "{\"id\":1}"};
  int parts_seen = 0;
  for (int i = 0; i < 3; i++) {
    const kct_record_t *r = NULL;
    for (size_t j = 0; j < rs.n; j++)
      if (rs.r[j].key && strcmp(rs.r[j].key, keys[i]) == 0) r = &rs.r[j];
    if (!CHECKF(r != NULL, "key %s not written", keys[i])) continue;
    CHECK_STR(r->val, vals[i]);
    int32_t want = kct_java_partition(keys[i], strlen(keys[i]), 5);
    CHECKF(r->partition == want, "%s on partition %d, Java picks %d", keys[i], (int)r->partition, (int)want);
    parts_seen |= 1 << r->partition;
  }
  kct_records_free(&rs);

  /* Only staged entries go out: one update and one removal -> exactly two more records. */
  CHECK(kc_offset_store_set(a, K1, strlen(K1), "{\"position\":2000}", 17) == 0);
  CHECK(kc_offset_store_set(a, K3, strlen(K3), NULL, 0) == 0);
  flush(a);
  flush(a); /* nothing staged: no record */
  rs = kct_read_all(topic, 5);
  CHECKF(rs.n == 5, "%zu records", rs.n);
  int tombs = 0, updates = 0;
  for (size_t j = 0; j < rs.n; j++) {
    if (rs.r[j].key && strcmp(rs.r[j].key, K3) == 0 && !rs.r[j].val) tombs++;
    if (rs.r[j].key && strcmp(rs.r[j].key, K1) == 0 && rs.r[j].val &&
        strcmp(rs.r[j].val, "{\"position\":2000}") == 0)
      updates++;
  }
  CHECK(tombs == 1 && updates == 1);
  kct_records_free(&rs);

  /* A second worker reads the map back. */
  kc_offset_store_t *b = open_store();
  if (b) {
    CHECK(kc_offset_store_count(b) == 2);
    CHECK(has(b, K1, "{\"position\":2000}"));
    CHECK(has(b, K2, "{\"id\":7}"));
    CHECK(has(b, K3, NULL));
    /* An entry b only read is never re-sent by b's flush. */
    flush(b);
    rs = kct_read_all(topic, 5);
    CHECKF(rs.n == 5, "%zu records after b's empty flush", rs.n);
    kct_records_free(&rs);
    /* a writes again; b sees it after a refresh. */
    CHECK(kc_offset_store_set(a, K2, strlen(K2), "{\"id\":8}", 8) == 0);
    flush(a);
    waiter_t w = {0};
    CHECK(kc_offset_store_refresh(b, on_ready, &w) == 0);
    CHECK(kct_run_until(&loop, &w.done, 30000) && w.status == 0);
    CHECK(has(b, K2, "{\"id\":8}"));
    kc_offset_store_close(b);
  }
  kc_offset_store_close(a); /* closes the log off the loop */
}

static int by_partition_key(const void *a, const void *b) {
  const kct_record_t *x = a, *y = b;
  if (x->partition != y->partition) return x->partition < y->partition ? -1 : 1;
  return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* Java Connect's KafkaOffsetBackingStore (connect-runtime 3.9.1) and this one: the same keys on
 * the same partitions with the same values (tombstone included), and each reads the other's. */
static void test_java_interop(void) {
  const char *cp = kct_java_classpath();
  if (!cp) return;
  static const char *K4 = "[\"gone\",{\"f\":\"x\"}]";
  char jt[128], ct[128], *oj = NULL, *oc = NULL;
  kct_name(jt, sizeof jt, "offsets-java");
  kct_name(ct, sizeof ct, "offsets-c");
  kc_buf_t args;
  kc_buf_init(&args, 0);
  kc_buf_printf(&args, "write-offsets %s 5 '%s' '{\"position\":1234}' '%s' '{\"id\":7}' '%s' '{\"id\":1}' '%s' null",
                jt, K1, K2, K3, K4);
  int rc = kct_java(cp, args.data, NULL);
  kc_buf_free(&args);
  if (!CHECK(rc == 0)) return;
  snprintf(topic, sizeof topic, "%s", ct);
  kc_offset_store_t *a = open_store();
  if (!a) return;
  CHECK(kc_offset_store_set(a, K1, strlen(K1), "{\"position\":1234}", 17) == 0);
  CHECK(kc_offset_store_set(a, K2, strlen(K2), "{\"id\":7}", 8) == 0);
  CHECK(kc_offset_store_set(a, K3, strlen(K3), "{\"id\":1}", 8) == 0);
  CHECK(kc_offset_store_set(a, K4, strlen(K4), NULL, 0) == 0);
  flush(a);
  kc_offset_store_close(a);

  kct_records_t rj = kct_read_all(jt, 5), rc2 = kct_read_all(ct, 5);
  CHECKF(rj.n == 4 && rc2.n == 4, "%zu records by Java, %zu by kconnect", rj.n, rc2.n);
  if (rj.n == 4 && rc2.n == 4) {
    qsort(rj.r, 4, sizeof *rj.r, by_partition_key);
    qsort(rc2.r, 4, sizeof *rc2.r, by_partition_key);
    for (int i = 0; i < 4; i++) {
      CHECKF(rj.r[i].partition == rc2.r[i].partition, "%s: Java partition %d, kconnect %d", rj.r[i].key,
             (int)rj.r[i].partition, (int)rc2.r[i].partition);
      CHECK_STR(rc2.r[i].key, rj.r[i].key);
      if (rj.r[i].val) CHECK_STR(rc2.r[i].val, rj.r[i].val);
      else CHECK(rc2.r[i].val == NULL);
    }
  }
  kct_records_free(&rj);
  kct_records_free(&rc2);

  char **outs[2] = {&oj, &oc};
  const char *topics[2] = {jt, ct};
  for (int i = 0; i < 2; i++) {
    kc_buf_init(&args, 0);
    kc_buf_printf(&args, "read-offsets %s 5 '%s' '%s' '%s' '%s'", topics[i], K1, K2, K3, K4);
    CHECK(kct_java(cp, args.data, outs[i]) == 0);
    kc_buf_free(&args);
  }
  CHECKF(oj && strstr(oj, "\"}] {\"position\":1234}\n") && strstr(oj, "{\"f\":\"x\"}] null\n"), "%s", oj ? oj : "(none)");
  CHECK_STR(oc, oj ? oj : "");
  free(oj);
  free(oc);

  snprintf(topic, sizeof topic, "%s", jt);
  kc_offset_store_t *b = open_store();
  if (!b) return;
  CHECK(kc_offset_store_count(b) == 3);
  CHECK(has(b, K1, "{\"position\":1234}") && has(b, K2, "{\"id\":7}") && has(b, K3, "{\"id\":1}") &&
        has(b, K4, NULL));
  kc_offset_store_close(b);
}

int main(void) {
  uv_loop_init(&loop);
  kc_test_run("murmur2 matches Kafka's test vectors", test_murmur2_vectors);
  kct_name(topic, sizeof topic, "offsets");
  kc_test_run("flush sends staged entries on Java's partitions; second instance reads them",
              test_flush_and_read_back);
  kc_test_run("Java Connect's KafkaOffsetBackingStore: same partitions and bytes, reads each other",
              test_java_interop);
  kct_drain(&loop);
  CHECK(uv_loop_close(&loop) == 0);
  return kc_test_done();
}
