/*
 * kc_group (kafka/wire/group.h) against the real broker at $KAFKA_BOOTSTRAP (default
 * 127.0.0.1:9092): members of one
 * new group with protocol type "connect" on one loop join, get exactly the assignment the
 * leader made for them, rebalance when a member joins, leaves, or silently stops
 * heartbeating (expelled after session.timeout.ms), and a member offering a protocol the
 * group does not have stops with INCONSISTENT_GROUP_PROTOCOL. Also: a closed port is
 * reported through lost() and retried with back-off, and security settings not applied
 * are refused at create time.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "kafka/wire/group.h"
#include "kc_test.h"

#define BROKER kc_test_bootstrap()

typedef struct {
  const char *name;
  char meta[64];
  const char *proto;
  kc_group_t *g;
  int prepares, joins, lost, fatal, assigns;
  int32_t gen;
  char member_id[256], leader[256], assignment[512], last_lost[512];
  int seen_members;           /* members the last assign call saw */
  char seen_meta[4][64];      /* their metadata, in the order given */
  uint64_t lost_at[16];
  bool left;
} member_t;

static uv_loop_t *loop;

static int cb_metadata(void *arg, kc_group_protocol_t *ps, int *n) {
  member_t *m = arg;
  CHECK(*n >= 1);
  ps[0] = (kc_group_protocol_t){m->proto, m->meta, strlen(m->meta)};
  *n = 1;
  return 0;
}

static void cb_join_prepare(void *arg, int32_t gen, const char *member_id) {
  member_t *m = arg;
  m->prepares++;
  CHECKF(gen == m->gen || gen == -1, "%s: join_prepare generation %d, last joined %d", m->name,
         (int)gen, (int)m->gen);
  kc_group_join_ready(m->g);
}

static int cb_assign(void *arg, const char *leader, const char *proto,
                     const kc_group_member_t *members, int n, kc_buf_t *as) {
  member_t *m = arg;
  m->assigns++;
  CHECK_STR(proto, m->proto);
  CHECK_STR(leader, kc_group_member_id(m->g));
  m->seen_members = n;
  for (int i = 0; i < n; i++) {
    if (i < 4) snprintf(m->seen_meta[i], sizeof m->seen_meta[i], "%.*s", (int)members[i].len,
                        (const char *)members[i].metadata);
    /* Each member gets its own id and metadata back: proves the right bytes reach it. */
    kc_buf_printf(&as[i], "assign:%s:%.*s", members[i].member_id, (int)members[i].len,
                  (const char *)members[i].metadata);
  }
  return 0;
}

static void cb_joined(void *arg, int32_t gen, const char *member_id, const char *leader,
                      const char *proto, const void *a, size_t len) {
  member_t *m = arg;
  m->joins++;
  m->gen = gen;
  snprintf(m->member_id, sizeof m->member_id, "%s", member_id);
  snprintf(m->leader, sizeof m->leader, "%s", leader);
  snprintf(m->assignment, sizeof m->assignment, "%.*s", (int)len, (const char *)a);
  char want[512];
  snprintf(want, sizeof want, "assign:%s:%s", member_id, m->meta);
  CHECK_STR(m->assignment, want);
  CHECK(gen == kc_group_generation(m->g));
  CHECK_STR(kc_group_member_id(m->g), member_id);
}

static void cb_lost(void *arg, int err, bool fatal, const char *reason) {
  member_t *m = arg;
  if (m->lost < 16) m->lost_at[m->lost] = uv_now(loop);
  m->lost++;
  if (fatal) m->fatal++;
  snprintf(m->last_lost, sizeof m->last_lost, "%s", reason);
  CHECK(err < 0);
}

static const kc_group_callbacks_t cbs = {cb_metadata, cb_join_prepare, cb_assign, cb_joined,
                                         cb_lost};

static void on_left(void *arg) { ((member_t *)arg)->left = true; }

static void on_tick(uv_timer_t *t) { (void)t; }

/* Runs the loop until @p done(ctx) or @p ms pass. @returns whether done. */
static bool run_until(bool (*done)(void *), void *ctx, uint64_t ms) {
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 20, 20);
  uint64_t end = uv_now(loop) + ms;
  bool ok;
  while (!(ok = done(ctx)) && uv_now(loop) < end) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return ok;
}

static kc_group_t *make(member_t *m, const char *name, const char *servers, const char *group,
                        const char *proto) {
  memset(m, 0, sizeof *m);
  m->name = name;
  m->proto = proto;
  m->gen = -1;
  snprintf(m->meta, sizeof m->meta, "meta-%s", name);
  kc_group_config_t cfg = {
      .bootstrap_servers = servers,
      .group_id = group,
      .protocol_type = "connect",
      .client_id = name,
      .session_timeout_ms = 6000,
      .rebalance_timeout_ms = 10000,
      .heartbeat_interval_ms = 500,
      .request_timeout_ms = 20000,
      .retry_backoff_ms = 100,
      .reconnect_backoff_ms = 50,
      .reconnect_backoff_max_ms = 400,
  };
  char es[256];
  m->g = kc_group_create(loop, &cfg, &cbs, m, es, sizeof es);
  CHECKF(m->g != NULL, "create %s: %s", name, es);
  if (m->g) CHECK(kc_group_start(m->g) == 0);
  return m->g;
}

typedef struct {
  member_t **ms;
  int n;
  int32_t above; /* every member stable in one generation > above */
} all_t;

static bool all_stable(void *p) {
  all_t *a = p;
  for (int i = 0; i < a->n; i++) {
    if (!kc_group_stable(a->ms[i]->g) || a->ms[i]->gen <= a->above) return false;
    if (a->ms[i]->gen != a->ms[0]->gen) return false;
  }
  return true;
}

static bool is_left(void *p) { return ((member_t *)p)->left; }

static void finish(member_t *m) {
  if (!m->g) return;
  if (!m->left) {
    kc_group_leave(m->g, on_left, m);
    CHECKF(run_until(is_left, m, 25000), "%s: leave callback", m->name);
  }
  kc_group_destroy(m->g);
  m->g = NULL;
}

static member_t *leader_of(member_t **ms, int n) {
  for (int i = 0; i < n; i++)
    if (strcmp(ms[i]->leader, ms[i]->member_id) == 0) return ms[i];
  return NULL;
}

static bool has_meta(const member_t *l, const char *meta) {
  for (int i = 0; i < l->seen_members && i < 4; i++)
    if (strcmp(l->seen_meta[i], meta) == 0) return true;
  return false;
}

static void test_members(void) {
  char group[64];
  snprintf(group, sizeof group, "kc-wire-test-%ld-%d", (long)time(NULL), rand() % 100000);
  member_t a, b, c;
  make(&a, "A", BROKER, group, "fake");
  make(&b, "B", BROKER, group, "fake");
  if (!a.g || !b.g) return;

  /* two members join a new group */
  member_t *two[] = {&a, &b};
  all_t w = {two, 2, -1};
  if (!CHECKF(run_until(all_stable, &w, 15000), "A %s gen %d, B %s gen %d",
              kc_group_state_name(a.g), (int)a.gen, kc_group_state_name(b.g), (int)b.gen))
    goto out;
  CHECK_STR(a.leader, b.leader);
  member_t *l = leader_of(two, 2);
  if (!CHECK(l != NULL)) goto out;
  CHECKF(l->seen_members == 2, "leader saw %d members", l->seen_members);
  CHECK(has_meta(l, "meta-A") && has_meta(l, "meta-B"));
  CHECK(strcmp(a.member_id, b.member_id) != 0);
  CHECK(a.lost == 0 && b.lost == 0);
  int32_t g0 = a.gen;
  /* A may have joined alone first and rebalanced when B came: count from here */
  int pa = a.prepares, pb = b.prepares;

  /* a scheduled rejoin that is cancelled changes nothing; one that fires rebalances */
  kc_group_rejoin_after(a.g, 200, "test: cancelled");
  kc_group_rejoin_cancel(a.g);
  member_t *none[] = {&a};
  all_t never = {none, 1, 1 << 30};
  run_until(all_stable, &never, 1000);
  CHECK(a.gen == g0 && a.prepares == pa && kc_group_stable(a.g));
  /* by the leader: the coordinator answers a follower rejoining with unchanged metadata with
   * the current generation, without a rebalance (GroupCoordinator's Stable-state join) */
  kc_group_rejoin_after(l->g, 200, "test: scheduled");
  all_t wr = {two, 2, g0};
  CHECKF(run_until(all_stable, &wr, 10000), "A %s gen %d, B %s gen %d", kc_group_state_name(a.g),
         (int)a.gen, kc_group_state_name(b.g), (int)b.gen);
  CHECK(a.prepares == pa + 1 && b.prepares == pb + 1);
  int32_t g1 = a.gen;

  /* a follower's own rejoin with unchanged metadata: join_prepare and joined again, same
   * generation, the leader undisturbed */
  member_t *f = l == &a ? &b : &a;
  int f_joins = f->joins, l_prepares = l->prepares;
  kc_group_request_rejoin(f->g, "test: follower");
  bool rejoined = false;
  for (uint64_t end = uv_now(loop) + 5000; !rejoined && uv_now(loop) < end;) {
    all_t one_f = {&f, 1, -1};
    run_until(all_stable, &one_f, 100);
    rejoined = f->joins > f_joins && kc_group_stable(f->g);
  }
  CHECKF(rejoined, "follower %s", kc_group_state_name(f->g));
  CHECK(f->gen == g1 && f->prepares == (f == &a ? pa : pb) + 2 && l->prepares == l_prepares);

  /* a third member: the others see REBALANCE_IN_PROGRESS in a heartbeat and rejoin */
  make(&c, "C", BROKER, group, "fake");
  member_t *three[] = {&a, &b, &c};
  all_t w3 = {three, 3, g1};
  if (!CHECKF(run_until(all_stable, &w3, 20000), "A %s gen %d, B %s gen %d, C %s gen %d",
              kc_group_state_name(a.g), (int)a.gen, kc_group_state_name(b.g), (int)b.gen,
              kc_group_state_name(c.g), (int)c.gen))
    goto out;
  CHECKF(a.gen > g1, "generation %d after %d", (int)a.gen, (int)g1);
  CHECK(l->prepares == (l == &a ? pa : pb) + 2 && f->prepares == (f == &a ? pa : pb) + 3);
  CHECK(c.prepares == 1);
  member_t *l3 = leader_of(three, 3);
  CHECK(l3 == l); /* the leader keeps its role */
  l = l3;
  if (!CHECK(l != NULL)) goto out;
  CHECKF(l->seen_members == 3, "leader saw %d members", l->seen_members);
  CHECK(has_meta(l, "meta-A") && has_meta(l, "meta-B") && has_meta(l, "meta-C"));
  int32_t g2 = a.gen;

  /* C leaves: the others rejoin at once (no session timeout to wait for) */
  kc_group_leave(c.g, on_left, &c);
  uint64_t t0 = uv_now(loop);
  all_t w2 = {two, 2, g2};
  CHECK(run_until(all_stable, &w2, 15000));
  CHECKF(uv_now(loop) - t0 < 5000, "rebalance after LeaveGroup took %llu ms",
         (unsigned long long)(uv_now(loop) - t0));
  CHECK(run_until(is_left, &c, 5000));
  l = leader_of(two, 2);
  if (l) CHECKF(l->seen_members == 2, "leader saw %d members", l->seen_members);
  CHECK(a.lost == 0 && b.lost == 0);
  int32_t g3 = a.gen;

  /* B stops without LeaveGroup: the broker expels it after session.timeout.ms (6 s) */
  kc_group_close(b.g, on_left, &b);
  t0 = uv_now(loop);
  member_t *one[] = {&a};
  all_t w1 = {one, 1, g3};
  CHECK(run_until(all_stable, &w1, 15000));
  uint64_t took = uv_now(loop) - t0;
  CHECKF(took >= 5000 && took < 12000, "expelled after %llu ms", (unsigned long long)took);
  CHECK(a.seen_members == 1 && a.assigns > 0);
  CHECK(a.lost == 0);

  /* a member whose only protocol the group does not have: fatal INCONSISTENT_GROUP_PROTOCOL */
  member_t d;
  make(&d, "D", BROKER, group, "other");
  bool fatal_seen = false;
  for (uint64_t end = uv_now(loop) + 10000; !fatal_seen && uv_now(loop) < end;) {
    uv_timer_t tick;
    uv_timer_init(loop, &tick);
    uv_timer_start(&tick, on_tick, 20, 0);
    uv_run(loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&tick, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    fatal_seen = d.fatal > 0;
  }
  CHECKF(fatal_seen, "D state %s", kc_group_state_name(d.g));
  CHECKF(strstr(d.last_lost, "INCONSISTENT_GROUP_PROTOCOL") != NULL, "reason: %s", d.last_lost);
  CHECK(d.joins == 0);
  CHECK(kc_group_stable(a.g)); /* A is undisturbed */
  finish(&d);
  finish(&c);
  finish(&b);
out:
  finish(&a);
  if (c.g) finish(&c);
  if (b.g) finish(&b);
}

typedef struct {
  member_t *m;
  int n;
} lost_n_t;

static bool lost_n(void *p) {
  lost_n_t *l = p;
  return l->m->lost >= l->n;
}

static void test_closed_port(void) {
  /* port 1 on localhost: nothing listens (connection refused) */
  member_t m;
  if (!make(&m, "X", "127.0.0.1:1,localhost:1", "kc-wire-closed", "fake")) return;
  lost_n_t w = {&m, 4};
  CHECKF(run_until(lost_n, &w, 10000), "lost %d times", m.lost);
  CHECK(m.fatal == 0);
  CHECKF(strstr(m.last_lost, "unreachable") != NULL, "reason: %s", m.last_lost);
  CHECK(m.joins == 0 && m.prepares == 0);
  CHECK_STR(kc_group_state_name(m.g), "WAIT_COORDINATOR");
  /* back-off doubles from 50 ms up to 400 ms (+-20%): later gaps are longer */
  if (m.lost >= 4) {
    uint64_t gap1 = m.lost_at[1] - m.lost_at[0], gap3 = m.lost_at[3] - m.lost_at[2];
    CHECKF(gap1 >= 35 && gap3 >= 2 * gap1, "gaps %llu then %llu ms",
           (unsigned long long)gap1, (unsigned long long)gap3);
  }
  finish(&m);
}

typedef struct {
  member_t *m;
} fatal_w_t;

static bool got_fatal(void *p) { return ((member_t *)p)->fatal > 0; }

/* SASL towards the broker's PLAINTEXT listener: the broker refuses the SASL handshake there,
 * which must stop the member (fatal) rather than retry forever. */
static void test_sasl_on_plaintext_listener(void) {
  kc_config_t *props = kc_config_new();
  kc_config_set(props, "security.protocol", "SASL_PLAINTEXT");
  kc_config_set(props, "sasl.mechanism", "SCRAM-SHA-512");
  kc_config_set(props, "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"u\" "
                "password=\"p\\\"q\";");
  member_t m;
  memset(&m, 0, sizeof m);
  m.name = "S";
  m.proto = "fake";
  m.gen = -1;
  kc_group_config_t cfg = {.bootstrap_servers = BROKER, .group_id = "kc-wire-sasl", .protocol_type = "connect",
                           .client_id = "S", .security = props};
  char es[256] = "";
  m.g = kc_group_create(loop, &cfg, &cbs, &m, es, sizeof es);
  kc_config_destroy(props); /* borrowed for the create call only */
  if (!CHECKF(m.g != NULL, "create: %s", es)) return;
  CHECK(kc_group_start(m.g) == 0);
  CHECKF(run_until(got_fatal, &m, 10000), "state %s, lost %d: %s", kc_group_state_name(m.g), m.lost,
         m.last_lost);
  CHECKF(strstr(m.last_lost, "SCRAM-SHA-512") != NULL, "reason: %s", m.last_lost);
  CHECK(m.joins == 0);
  CHECK_STR(kc_group_state_name(m.g), "FATAL");
  finish(&m);
}

static void test_refused_settings(void) {
  /* {key, value named in the error, other settings...} */
  static const char *const cases[][6] = {
      {"security.protocol", "BOGUS"},
      {"sasl.mechanism", "GSSAPI", "security.protocol", "SASL_PLAINTEXT"}, /* Java's default */
      {"sasl.mechanism", "OAUTHBEARER", "security.protocol", "SASL_SSL"},
      {"sasl.jaas.config", "SCRAM-SHA-256", "security.protocol", "SASL_PLAINTEXT", "sasl.mechanism",
       "SCRAM-SHA-256"}, /* jaas missing: the error names the key and the mechanism */
      {"sasl.login.callback.handler.class", "com.example.Handler", "security.protocol", "SASL_SSL",
       "sasl.mechanism", "PLAIN"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    kc_config_t *props = kc_config_new();
    if (strcmp(cases[i][0], "sasl.jaas.config") != 0) kc_config_set(props, cases[i][0], cases[i][1]);
    for (int k = 2; k < 6 && cases[i][k]; k += 2) kc_config_set(props, cases[i][k], cases[i][k + 1]);
    kc_group_config_t cfg = {.bootstrap_servers = BROKER, .group_id = "g", .protocol_type = "connect",
                             .security = props};
    char es[256] = "";
    kc_group_t *g = kc_group_create(loop, &cfg, &cbs, NULL, es, sizeof es);
    CHECKF(g == NULL, "%s=%s accepted", cases[i][0], cases[i][1]);
    CHECKF(strstr(es, cases[i][0]) && strstr(es, cases[i][1]), "error: %s", es);
    kc_config_destroy(props);
  }
  /* login modules and JAAS syntax */
  static const char *const jaas[][2] = {
      {"com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true;", "Krb5LoginModule"},
      {"org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\";", "password"},
      {"org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=;",
       "password"},
      {"org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\"", "';'"},
  };
  for (size_t i = 0; i < sizeof jaas / sizeof jaas[0]; i++) {
    kc_config_t *props = kc_config_new();
    kc_config_set(props, "security.protocol", "SASL_PLAINTEXT");
    kc_config_set(props, "sasl.mechanism", "PLAIN");
    kc_config_set(props, "sasl.jaas.config", jaas[i][0]);
    kc_group_config_t cfg = {.bootstrap_servers = BROKER, .group_id = "g", .protocol_type = "connect",
                             .security = props};
    char es[256] = "";
    kc_group_t *g = kc_group_create(loop, &cfg, &cbs, NULL, es, sizeof es);
    CHECKF(g == NULL, "accepted %s", jaas[i][0]);
    CHECKF(strstr(es, "sasl.jaas.config") && strstr(es, jaas[i][1]), "error: %s", es);
    CHECK(strstr(es, "\"u\"") == NULL); /* values are never quoted back */
    kc_config_destroy(props);
  }
  kc_group_config_t bad = {.bootstrap_servers = "nohostport", .group_id = "g", .protocol_type = "connect"};
  char es[256] = "";
  CHECK(kc_group_create(loop, &bad, &cbs, NULL, es, sizeof es) == NULL);
  CHECK_PREFIX(es, "bootstrap.servers");
}

/* Every handle of every group was closed by the leave/close callbacks. */
static void test_loop_closes(void) {
  uv_run(loop, UV_RUN_NOWAIT);
  CHECK(uv_loop_close(loop) == 0);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* as src/main.c: a write to a socket the peer closed must not kill us */
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  loop = uv_default_loop();
  kc_test_run("refused_settings", test_refused_settings);
  kc_test_run("closed_port", test_closed_port);
  kc_test_run("sasl_on_plaintext_listener", test_sasl_on_plaintext_listener);
  kc_test_run("members", test_members);
  kc_test_run("loop_closes", test_loop_closes);
  return kc_test_done();
}
