/*
 * What the Kafka-backed store tests (test_kafka_log, test_store_config, test_store_status,
 * test_offset_store_kafka) share: unique topic names, running the loop until a flag is set,
 * and plain blocking librdkafka clients (admin, producer, consumer) that look at the topics
 * from the outside, as another worker or an operator would. Blocking is fine here: the test
 * program is not the loop under test while these run.
 */
#ifndef KC_TEST_STORES_H
#define KC_TEST_STORES_H

#include <librdkafka/rdkafka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "kconnect/connector.h"
#include "kc_test.h"

#define KCT_BOOTSTRAP kc_test_bootstrap()

static inline const char *kct_name(char *buf, size_t n, const char *what) {
  static unsigned seq;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  snprintf(buf, n, "kc-%s-%d-%lx-%u", what, (int)getpid(), (unsigned long)ts.tv_nsec, ++seq);
  return buf;
}

static inline kc_config_t *kct_worker_props(void) {
  kc_config_t *c = kc_config_new();
  kc_config_set(c, "bootstrap.servers", KCT_BOOTSTRAP);
  kc_config_set(c, "group.id", "kc-test-cluster");
  return c;
}

static void kct_tick(uv_timer_t *t) { (void)t; }

/* Runs @p loop until *flag is non-zero or @p timeout_ms passes. @returns whether the flag got set. */
static inline bool kct_run_until(uv_loop_t *loop, volatile int *flag, int timeout_ms) {
  uv_timer_t t;
  uv_timer_init(loop, &t);
  uv_timer_start(&t, kct_tick, 10, 10);
  uint64_t end = uv_now(loop) + (uint64_t)timeout_ms;
  while (!*flag && uv_now(loop) < end) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&t, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return *flag != 0;
}

/* Runs the loop until nothing is left (every handle closed, every work request done). */
static inline void kct_drain(uv_loop_t *loop) {
  for (int i = 0; i < 100000 && uv_run(loop, UV_RUN_NOWAIT); i++) uv_sleep(1);
}

static inline rd_kafka_t *kct_client(rd_kafka_type_t type, const char *extra_k, const char *extra_v) {
  char es[256];
  rd_kafka_conf_t *c = rd_kafka_conf_new();
  rd_kafka_conf_set(c, "bootstrap.servers", KCT_BOOTSTRAP, es, sizeof es);
  rd_kafka_conf_set(c, "log_level", "3", es, sizeof es);
  if (type == RD_KAFKA_CONSUMER) {
    rd_kafka_conf_set(c, "enable.partition.eof", "true", es, sizeof es);
    rd_kafka_conf_set(c, "fetch.wait.max.ms", "10", es, sizeof es); /* EOF of an empty partition at once */
  }
  if (extra_k) rd_kafka_conf_set(c, extra_k, extra_v, es, sizeof es);
  rd_kafka_t *rk = rd_kafka_new(type, c, es, sizeof es);
  if (!rk) fprintf(stderr, "client: %s\n", es);
  return rk;
}

/* Creates @p topic (blocking). @p cfg_k/@p cfg_v one topic config or NULL. @returns the error. */
static inline rd_kafka_resp_err_t kct_create_topic(const char *topic, int partitions, const char *cfg_k,
                                                   const char *cfg_v) {
  rd_kafka_t *rk = kct_client(RD_KAFKA_PRODUCER, NULL, NULL);
  char es[256];
  rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(topic, partitions, 1, es, sizeof es);
  if (cfg_k) rd_kafka_NewTopic_set_config(nt, cfg_k, cfg_v);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
  rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
  if (ev) {
    size_t n = 0;
    const rd_kafka_topic_result_t **tr =
        rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(ev), &n);
    err = rd_kafka_event_error(ev);
    if (!err && n) err = rd_kafka_topic_result_error(tr[0]);
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_NewTopic_destroy(nt);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return err;
}

/* The topic's partition count (-1 unknown) and its config @p name (copied into @p value). */
static inline int kct_describe_config(const char *topic, const char *name, char *policy, size_t n) {
  rd_kafka_t *rk = kct_client(RD_KAFKA_PRODUCER, NULL, NULL);
  int parts = -1;
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  const struct rd_kafka_metadata *md = NULL;
  if (!rd_kafka_metadata(rk, 0, rkt, &md, 10000) && md->topic_cnt == 1 && !md->topics[0].err)
    parts = md->topics[0].partition_cnt;
  if (md) rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(rkt);
  policy[0] = '\0';
  rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_DescribeConfigs(rk, &res, 1, NULL, q);
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
  if (ev) {
    size_t cnt = 0, ne = 0;
    const rd_kafka_ConfigResource_t **rs =
        rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(ev), &cnt);
    const rd_kafka_ConfigEntry_t **es = cnt ? rd_kafka_ConfigResource_configs(rs[0], &ne) : NULL;
    for (size_t i = 0; i < ne; i++)
      if (!strcmp(rd_kafka_ConfigEntry_name(es[i]), name))
        snprintf(policy, n, "%s", rd_kafka_ConfigEntry_value(es[i]));
    rd_kafka_event_destroy(ev);
  }
  rd_kafka_ConfigResource_destroy(res);
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
  return parts;
}

/* The topic's partition count (-1 unknown) and cleanup.policy (copied into @p policy). */
static inline int kct_describe(const char *topic, char *policy, size_t n) {
  return kct_describe_config(topic, "cleanup.policy", policy, n);
}

/* Produces one record (blocking until acknowledged). @p partition -1: the default partitioner. */
static inline rd_kafka_resp_err_t kct_produce(const char *topic, int32_t partition, const char *key,
                                              const void *val, size_t vlen) {
  rd_kafka_t *rk = kct_client(RD_KAFKA_PRODUCER, "partitioner", "murmur2_random");
  rd_kafka_resp_err_t err = rd_kafka_producev(
      rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_PARTITION(partition < 0 ? RD_KAFKA_PARTITION_UA : partition),
      RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(key, key ? strlen(key) : 0),
      RD_KAFKA_V_VALUE((void *)val, val ? vlen : 0), RD_KAFKA_V_END);
  if (!err) err = rd_kafka_flush(rk, 10000);
  rd_kafka_destroy(rk);
  return err;
}

typedef struct {
  int32_t partition;
  int64_t offset;
  char *key;   /* NUL-terminated copy, NULL for null */
  char *val;   /* NUL-terminated copy, NULL for null */
  size_t vlen;
} kct_record_t;

typedef struct {
  kct_record_t *r;
  size_t n;
} kct_records_t;

static inline char *kct_dup(const void *p, size_t n) {
  if (!p) return NULL;
  char *s = malloc(n + 1);
  memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

static int kct_rec_cmp(const void *a, const void *b) {
  const kct_record_t *x = a, *y = b;
  if (x->partition != y->partition) return x->partition < y->partition ? -1 : 1;
  return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* Reads every partition of @p topic from the beginning to its end, in partition then offset order. */
static inline kct_records_t kct_read_all(const char *topic, int partitions) {
  kct_records_t out = {NULL, 0};
  rd_kafka_t *rk = kct_client(RD_KAFKA_CONSUMER, NULL, NULL);
  rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  for (int p = 0; p < partitions; p++) rd_kafka_consume_start_queue(rkt, p, RD_KAFKA_OFFSET_BEGINNING, q);
  char *eof = calloc((size_t)partitions, 1);
  int left = partitions;
  while (left > 0) {
    rd_kafka_message_t *m = rd_kafka_consume_queue(q, 10000);
    if (!m) break; /* no end within 10 s: the caller's checks fail */
    if (m->err) {
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF && m->partition >= 0 && m->partition < partitions &&
          !eof[m->partition]) {
        eof[m->partition] = 1;
        left--;
      }
      rd_kafka_message_destroy(m);
      continue;
    }
    out.r = realloc(out.r, (out.n + 1) * sizeof *out.r);
    kct_record_t *r = &out.r[out.n++];
    r->partition = m->partition;
    r->offset = m->offset;
    r->key = kct_dup(m->key, m->key_len);
    r->val = kct_dup(m->payload, m->len);
    r->vlen = m->len;
    rd_kafka_message_destroy(m);
  }
  free(eof);
  if (out.n > 1) qsort(out.r, out.n, sizeof *out.r, kct_rec_cmp);
  rd_kafka_queue_destroy(q);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return out;
}

static inline void kct_records_free(kct_records_t *rs) {
  for (size_t i = 0; i < rs->n; i++) {
    free(rs->r[i].key);
    free(rs->r[i].val);
  }
  free(rs->r);
  rs->r = NULL;
  rs->n = 0;
}

/* Java's Utils.murmur2, written out independently of librdkafka. */
static inline int32_t kct_murmur2(const void *key, size_t len) {
  const uint8_t *d = key;
  const uint32_t seed = 0x9747b28c, m = 0x5bd1e995;
  const int r = 24;
  uint32_t h = seed ^ (uint32_t)len;
  size_t n4 = len / 4;
  for (size_t i = 0; i < n4; i++) {
    size_t i4 = i * 4;
    uint32_t k = (uint32_t)d[i4] | (uint32_t)d[i4 + 1] << 8 | (uint32_t)d[i4 + 2] << 16 |
                 (uint32_t)d[i4 + 3] << 24;
    k *= m;
    k ^= k >> r;
    k *= m;
    h *= m;
    h ^= k;
  }
  switch (len % 4) {
    case 3: h ^= (uint32_t)d[(len & ~3u) + 2] << 16; /* fall through */
    case 2: h ^= (uint32_t)d[(len & ~3u) + 1] << 8;  /* fall through */
    case 1: h ^= (uint32_t)d[len & ~3u]; h *= m;
  }
  h ^= h >> 13;
  h *= m;
  h ^= h >> 15;
  return (int32_t)h;
}

/* BuiltInPartitioner.partitionForKey: toPositive(murmur2(key)) % partitions. */
static inline int32_t kct_java_partition(const void *key, size_t len, int32_t partitions) {
  return (int32_t)(((uint32_t)kct_murmur2(key, len) & 0x7fffffffu) % (uint32_t)partitions);
}

/* ---- Java Connect's own stores (test/unit/java/StoresInterop.java) ---- */

static char kct_java_dir[64];

static void kct_java_cleanup(void) {
  if (!kct_java_dir[0]) return;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", kct_java_dir);
  (void)kc_test_sh(cmd, NULL, NULL);
}

/* The classpath for StoresInterop (compiled once per process), or NULL after printing why the
 * interop test is skipped: no java/javac, no KC_SOURCE_DIR, or connect-runtime 3.9.1 not
 * fetchable (tools/bench/benchlib.py caches it from Maven Central). A harness that does not
 * compile fails the calling test. */
static inline const char *kct_java_classpath(void) {
  static char cp[8192];
  static int state; /* 0 not tried, 1 ready, -1 skip */
  if (state) return state > 0 ? cp : NULL;
  state = -1;
  const char *src = getenv("KC_SOURCE_DIR");
  if (!src || kc_test_sh("command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1", NULL, NULL) != 0) {
    printf("SKIP java interop: %s\n", src ? "javac/java not on PATH" : "KC_SOURCE_DIR not set");
    return NULL;
  }
  kc_buf_t cmd;
  kc_buf_init(&cmd, 0);
  char *out = NULL;
  kc_buf_printf(&cmd,
                "python3 -c 'import sys; sys.path.insert(0, \"%s/tools/bench\"); import benchlib; "
                "print(benchlib.java_connect_home()[0])' 2>/dev/null",
                src);
  if (kc_test_sh(cmd.data, &out, NULL) != 0 || !out || !*out) {
    printf("SKIP java interop: connect-runtime jars not available (tools/bench/benchlib.py)\n");
    free(out);
    kc_buf_free(&cmd);
    return NULL;
  }
  out[strcspn(out, "\n")] = '\0';
  const char *tmp = getenv("TMPDIR");
  snprintf(kct_java_dir, sizeof kct_java_dir, "%s/kc-stores-java-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(kct_java_dir) || strlen(out) + sizeof kct_java_dir + 8 > sizeof cp) {
    kct_java_dir[0] = '\0';
    free(out);
    kc_buf_free(&cmd);
    return NULL;
  }
  atexit(kct_java_cleanup);
  snprintf(cp, sizeof cp, "%s:%s/*", kct_java_dir, out);
  free(out);
  kc_buf_reset(&cmd);
  kc_buf_printf(&cmd, "javac -nowarn -encoding UTF-8 -cp '%s' -d '%s' '%s/test/unit/java/StoresInterop.java' 2>&1",
                cp, kct_java_dir, src);
  char *log = NULL;
  int rc = kc_test_sh(cmd.data, &log, NULL);
  kc_buf_free(&cmd);
  if (!CHECKF(rc == 0, "javac StoresInterop: %s", log ? log : "")) {
    free(log);
    return NULL;
  }
  free(log);
  state = 1;
  return cp;
}

/* Runs "StoresInterop <bootstrap> @p args"; its stdout in *out (malloc'ed). @returns the exit status. */
static inline int kct_java(const char *cp, const char *args, char **out) {
  kc_buf_t cmd;
  kc_buf_init(&cmd, 0);
  kc_buf_printf(&cmd, "java -cp '%s' StoresInterop %s %s 2>/dev/null", cp, KCT_BOOTSTRAP, args);
  int rc = kc_test_sh(cmd.data, out, NULL);
  kc_buf_free(&cmd);
  if (out && !*out) *out = strdup("");
  return rc;
}

/* Both topics hold the same records: same partitions, same order, byte-identical keys and values. */
static inline void kct_check_same_records(const char *want_topic, const char *got_topic, int partitions) {
  kct_records_t a = kct_read_all(want_topic, partitions), b = kct_read_all(got_topic, partitions);
  CHECKF(a.n == b.n && a.n > 0, "%zu records written by Java, %zu by kconnect", a.n, b.n);
  for (size_t i = 0; i < a.n && i < b.n; i++) {
    const kct_record_t *x = &a.r[i], *y = &b.r[i];
    bool same = x->partition == y->partition && !!x->key == !!y->key && (!x->key || !strcmp(x->key, y->key)) &&
                !!x->val == !!y->val && (!x->val || (x->vlen == y->vlen && !memcmp(x->val, y->val, x->vlen)));
    CHECKF(same, "record %zu: Java [%d] %s = %s; kconnect [%d] %s = %s", i, (int)x->partition,
           x->key ? x->key : "null", x->val ? x->val : "null", (int)y->partition, y->key ? y->key : "null",
           y->val ? y->val : "null");
  }
  kct_records_free(&a);
  kct_records_free(&b);
}

#endif
