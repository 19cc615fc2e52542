/*
 * kc_group over SASL and TLS against a real broker: a second, secure instance of
 * tools/kafka-local (KC_KAFKA_SECURE=1: SASL_PLAINTEXT on base+2, SSL on base+3, SASL_SSL on
 * base+4; PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 for kconnect/kconnect-secret; its own CA) on a
 * free port block, started and stopped (by its KAFKA_PORT) here. A member joins a new group
 * through each mechanism and listener; a wrong password and an untrusted CA stop the member
 * with the broker's error. KC_WIRE_SECURE_PORT=<base> uses an instance already running there
 * instead. Skipped (counted as passed, with a line saying so) without java.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "kafka/wire/group.h"
#include "kc_test.h"

#define JAAS_PLAIN "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"kconnect\" password=\"%s\";"
#define JAAS_SCRAM "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"kconnect\" password=\"%s\";"

static uv_loop_t *loop;
static int base;
static char ca[512];

typedef struct {
  kc_group_t *g;
  int joins, lost, fatal;
  char reason[512], assignment[64];
  bool left;
} member_t;

static int cb_metadata(void *arg, kc_group_protocol_t *ps, int *n) {
  ps[0] = (kc_group_protocol_t){"fake", "m", 1};
  *n = 1;
  return 0;
}
static void cb_prepare(void *arg, int32_t gen, const char *id) { kc_group_join_ready(((member_t *)arg)->g); }
static int cb_assign(void *arg, const char *leader, const char *proto, const kc_group_member_t *ms, int n,
                     kc_buf_t *as) {
  for (int i = 0; i < n; i++) kc_buf_printf(&as[i], "for-%s", ms[i].member_id);
  return 0;
}
static void cb_joined(void *arg, int32_t gen, const char *id, const char *leader, const char *proto,
                      const void *a, size_t len) {
  member_t *m = arg;
  m->joins++;
  snprintf(m->assignment, sizeof m->assignment, "%.*s", (int)len, (const char *)a);
}
static void cb_lost(void *arg, int err, bool fatal, const char *reason) {
  member_t *m = arg;
  m->lost++;
  m->fatal += fatal;
  snprintf(m->reason, sizeof m->reason, "%s", reason);
}
static const kc_group_callbacks_t cbs = {cb_metadata, cb_prepare, cb_assign, cb_joined, cb_lost};

static void on_tick(uv_timer_t *t) { (void)t; }
static void on_left(void *arg) { ((member_t *)arg)->left = true; }

static void run_until(member_t *m, bool (*done)(member_t *), uint64_t ms) {
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 20, 20);
  for (uint64_t end = uv_now(loop) + ms; !done(m) && uv_now(loop) < end;) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

static bool joined_or_fatal(member_t *m) { return m->joins > 0 || m->fatal > 0; }
static bool left(member_t *m) { return m->left; }

/* One member in a new group through port base+@p offset with @p kv settings (NULL-ended pairs). */
static void member_run(member_t *m, int offset, const char *const *kv) {
  memset(m, 0, sizeof *m);
  kc_config_t *props = kc_config_new();
  for (int i = 0; kv[i]; i += 2) kc_config_set(props, kv[i], kv[i + 1]);
  char servers[64], group[64], es[512];
  snprintf(servers, sizeof servers, "127.0.0.1:%d", base + offset);
  snprintf(group, sizeof group, "kc-wire-secure-%ld-%d", (long)time(NULL), rand() % 100000);
  kc_group_config_t cfg = {.bootstrap_servers = servers, .group_id = group, .protocol_type = "connect",
                           .client_id = "kc-secure-test", .session_timeout_ms = 6000,
                           .heartbeat_interval_ms = 1000, .request_timeout_ms = 10000, .security = props};
  m->g = kc_group_create(loop, &cfg, &cbs, m, es, sizeof es);
  kc_config_destroy(props);
  if (!CHECKF(m->g != NULL, "create: %s", es)) return;
  CHECK(kc_group_start(m->g) == 0);
  /* generous: the first join on the freshly started secure broker waits for __consumer_offsets,
   * which took over 20 s on a loaded 2-core machine (CI) */
  run_until(m, joined_or_fatal, 60000);
  kc_group_leave(m->g, on_left, m);
  run_until(m, left, 15000);
  CHECK(m->left);
  kc_group_destroy(m->g);
  m->g = NULL;
}

static void expect_join(int offset, const char *const *kv) {
  member_t m;
  member_run(&m, offset, kv);
  CHECKF(m.joins == 1 && m.lost == 0, "joins %d, lost %d: %s", m.joins, m.lost, m.reason);
  CHECK_PREFIX(m.assignment, "for-kc-secure-test-");
}

static void expect_fatal(int offset, const char *const *kv, const char *want) {
  member_t m;
  member_run(&m, offset, kv);
  CHECKF(m.joins == 0 && m.fatal == 1 && strstr(m.reason, want), "joins %d, fatal %d: %s", m.joins,
         m.fatal, m.reason);
}

static char jaas_plain[256], jaas_scram[256], jaas_bad_plain[256], jaas_bad_scram[256];

static void test_sasl_plain(void) {
  const char *kv[] = {"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config", jaas_plain, NULL};
  expect_join(2, kv);
}

static void test_scram_sha256(void) {
  const char *kv[] = {"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "SCRAM-SHA-256",
                      "sasl.jaas.config", jaas_scram, NULL};
  expect_join(2, kv);
}

static void test_sasl_ssl_scram_sha512(void) {
  const char *kv[] = {"security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-512", "sasl.jaas.config",
                      jaas_scram, "ssl.truststore.location", ca, "ssl.truststore.type", "PEM", NULL};
  expect_join(4, kv);
}

static void test_ssl(void) {
  const char *kv[] = {"security.protocol", "SSL", "ssl.truststore.location", ca,
                      "ssl.endpoint.identification.algorithm", "https", NULL};
  expect_join(3, kv);
}

static void test_wrong_passwords(void) {
  const char *plain[] = {"security.protocol", "SASL_PLAINTEXT", "sasl.mechanism", "PLAIN", "sasl.jaas.config",
                         jaas_bad_plain, NULL};
  expect_fatal(2, plain, "SASL_AUTHENTICATION_FAILED");
  const char *scram[] = {"security.protocol", "SASL_SSL", "sasl.mechanism", "SCRAM-SHA-256", "sasl.jaas.config",
                         jaas_bad_scram, "ssl.truststore.location", ca, NULL};
  expect_fatal(4, scram, "SASL_AUTHENTICATION_FAILED");
}

static void test_untrusted_ca(void) {
  /* the system CAs do not include the instance's own CA */
  const char *kv[] = {"security.protocol", "SSL", NULL};
  expect_fatal(3, kv, "certificate verification failed");
}

/* kctest.py's port reservations (one file per port holding the owner's pid), so that Python
 * tests running at the same time never pick these ports. */
static char reserved[5][256];

static bool reserve(int p, int slot) {
  char d[128];
  snprintf(d, sizeof d, "%s/kctest-ports-%d", getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp",
           (int)getuid());
  mkdir(d, 0755);
  snprintf(reserved[slot], sizeof reserved[slot], "%s/%d", d, p);
  int fd = open(reserved[slot], O_CREAT | O_EXCL | O_WRONLY, 0644);
  if (fd < 0) {
    reserved[slot][0] = '\0';
    return false;
  }
  char pid[32];
  int n = snprintf(pid, sizeof pid, "%d", (int)getpid());
  if (write(fd, pid, (size_t)n) != n) n = -1;
  close(fd);
  return true;
}

static void release_all(void) {
  for (int i = 0; i < 5; i++)
    if (reserved[i][0]) unlink(reserved[i]);
}

static bool block_free(int b) {
  for (int p = b; p < b + 5; p++) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)p)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
    close(fd);
    if (rc) return false;
  }
  for (int i = 0; i < 5; i++) {
    if (!reserve(b + i, i)) {
      release_all();
      return false;
    }
  }
  return true;
}

/* tools/kafka-local for our own instance only: its KAFKA_PORT, never an inherited state dir. */
static int kafka_local(const char *cmd) {
  char sh[1024];
  snprintf(sh, sizeof sh, "env -u KC_KAFKA_DIR KAFKA_PORT=%d KC_KAFKA_SECURE=1 %s %s >/dev/null 2>&1", base,
           kc_test_source("tools/kafka-local"), cmd);
  return kc_test_sh(sh, NULL, NULL);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* as src/main.c: a write to a socket the peer closed must not kill us */
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  loop = uv_default_loop();
  bool own = false;
  const char *given = getenv("KC_WIRE_SECURE_PORT");
  if (given && *given) {
    base = atoi(given);
  } else {
    if (kc_test_sh("command -v java >/dev/null && command -v kcat >/dev/null", NULL, NULL) != 0) {
      printf("skip: no java or kcat, no secure broker to test against\n");
      return kc_test_report(0, 0);
    }
    for (int i = 0; i < 50 && !base; i++) {
      int b = 30000 + rand() % 20000;
      if (block_free(b)) base = b;
    }
    if (!CHECK(base > 0)) return kc_test_report(0, 1);
    own = true;
    if (kafka_local("start") != 0) {
      printf("FAIL start of a secure broker on %d\n", base);
      kafka_local("stop");
      release_all();
      return kc_test_report(0, 1);
    }
  }
  /* The CA lives in the instance's state dir, whose name carries the Kafka version: ask the script. */
  char sh[1024], *out = NULL;
  snprintf(sh, sizeof sh, "env -u KC_KAFKA_DIR KAFKA_PORT=%d %s ca 2>/dev/null", base, kc_test_source("tools/kafka-local"));
  if (kc_test_sh(sh, &out, NULL) != 0 || !out || !*out) {
    printf("FAIL no CA of the secure broker on %d (tools/kafka-local ca)\n", base);
    free(out);
    if (own) kafka_local("stop");
    release_all();
    return kc_test_report(0, 1);
  }
  out[strcspn(out, "\n")] = '\0';
  snprintf(ca, sizeof ca, "%s", out);
  free(out);
  snprintf(jaas_plain, sizeof jaas_plain, JAAS_PLAIN, "kconnect-secret");
  snprintf(jaas_scram, sizeof jaas_scram, JAAS_SCRAM, "kconnect-secret");
  snprintf(jaas_bad_plain, sizeof jaas_bad_plain, JAAS_PLAIN, "wrong");
  snprintf(jaas_bad_scram, sizeof jaas_bad_scram, JAAS_SCRAM, "wrong");
  kc_test_run("sasl_plain", test_sasl_plain);
  kc_test_run("scram_sha256", test_scram_sha256);
  kc_test_run("sasl_ssl_scram_sha512", test_sasl_ssl_scram_sha512);
  kc_test_run("ssl", test_ssl);
  kc_test_run("wrong_passwords", test_wrong_passwords);
  kc_test_run("untrusted_ca", test_untrusted_ca);
  if (own) kafka_local("stop");
  release_all();
  uv_loop_close(loop);
  return kc_test_done();
}
