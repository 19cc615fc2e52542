/*
 * The leader's assignors (src/worker/assignor.c) driven as a group of workers would: every round
 * each member sends metadata built from its current assignment, the leader's assignor runs, and
 * each member applies its answer as WorkerCoordinator.onJoinComplete does.
 *
 *   test_assignor                    hand-made cases (eager round robin, KIP-415 delays, balancing)
 *   test_assignor --scenario FILE    runs a scenario of test/e2e/test_assignor_java.py and prints
 *                                    one line per member and round, exactly as
 *                                    test/java/AssignorHarness.java prints Java's answers
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kc_test.h"
#include "worker/connect_protocol.h"

/* ---- A simulated group -------------------------------------------------------------------- */

#define MAXW 256  /* members per scenario */
#define MAXC 4096 /* connectors per round */

typedef struct {
  char id[256], url[256];
  int64_t offset;
  int has_snapshot;
  kc_cp_assignment_t snapshot; /* WorkerCoordinator.assignmentSnapshot */
  kc_cp_assignor_t *assignor;
  int32_t last_completed;
  int live;
} worker_t;

typedef struct {
  char protocol[256];
  int32_t max_delay;
  worker_t w[MAXW];
  int nw;
  int round;
  /* this round */
  int64_t now, leader_offset;
  char conn_names[MAXC][256];
  kc_cp_connector_t conns[MAXC];
  int nconns;
  int joined[MAXW], njoined;
  int dropped[MAXW];
  char leader[256];
  /* last round's answers, decoded, per joined index */
  kc_cp_assignment_t got[MAXW];
} group_t;

static void group_init(group_t *g, const char *protocol, int32_t max_delay) {
  memset(g, 0, sizeof(*g));
  snprintf(g->protocol, sizeof g->protocol, "%s", protocol);
  g->max_delay = max_delay;
}

static void worker_reset(worker_t *w) {
  if (w->has_snapshot) kc_cp_assignment_clear(&w->snapshot);
  w->has_snapshot = 0;
  kc_cp_assignor_destroy(w->assignor);
  w->assignor = NULL;
  w->last_completed = -1;
}

static void group_free(group_t *g) {
  for (int i = 0; i < g->nw; i++) worker_reset(&g->w[i]);
  for (int i = 0; i < MAXW; i++) kc_cp_assignment_clear(&g->got[i]);
}

static void round_begin(group_t *g, int64_t now, int64_t leader_offset) {
  g->round++;
  g->now = now;
  g->leader_offset = leader_offset;
  g->nconns = 0;
  g->njoined = 0;
  memset(g->dropped, 0, sizeof g->dropped);
  for (int i = 0; i < g->nw; i++) g->w[i].live = 0;
}

static void add_conn(group_t *g, const char *name, int ntasks) {
  if (g->nconns == MAXC) {
    fprintf(stderr, "more than %d connectors\n", MAXC);
    exit(2);
  }
  snprintf(g->conn_names[g->nconns], sizeof g->conn_names[0], "%s", name);
  g->conns[g->nconns].name = g->conn_names[g->nconns];
  g->conns[g->nconns].ntasks = ntasks;
  g->nconns++;
}

static int find_worker(group_t *g, const char *id) {
  for (int i = 0; i < g->nw; i++)
    if (!strcmp(g->w[i].id, id)) return i;
  return -1;
}

/* A member joins this round; fresh: a restarted worker (no assignment, new assignor state). */
static void add_member(group_t *g, const char *id, const char *url, int64_t offset, int fresh) {
  int i = find_worker(g, id);
  if (i < 0 && g->nw == MAXW) {
    fprintf(stderr, "more than %d members\n", MAXW);
    exit(2);
  }
  if (i < 0) {
    i = g->nw++;
    memset(&g->w[i], 0, sizeof(g->w[i]));
    snprintf(g->w[i].id, sizeof g->w[i].id, "%s", id);
    g->w[i].last_completed = -1;
  } else if (fresh) {
    worker_reset(&g->w[i]);
  }
  if (!g->w[i].assignor) g->w[i].assignor = kc_cp_assignor_create(g->max_delay);
  snprintf(g->w[i].url, sizeof g->w[i].url, "%s", url);
  g->w[i].offset = offset;
  g->w[i].live = 1;
  g->joined[g->njoined++] = i;
}

static void items_str(const kc_cp_entry_t *es, int n, char *out, size_t size) {
  out[0] = 0;
  size_t l = 0;
  for (int pass = 1; pass >= 0; pass--)
    for (int i = 0; i < n; i++)
      for (int t = 0; t < es[i].ntasks; t++)
        if ((es[i].tasks[t] == KC_CP_CONNECTOR_TASK) == pass && l + 1 < size) {
          snprintf(out + l, size - l, "%s%s/%d", l ? "," : "", es[i].connector, es[i].tasks[t]);
          l += strlen(out + l);
        }
}

/* Runs the round: metadata, the leader's assignment, each member applying its answer. When
 * @p print, prints AssignorHarness's line per member. @returns 0 or the kc_cp_assign error. */
static int round_run(group_t *g, FILE *print) {
  /* Members that did not rejoin keep their state (AssignorHarness.runRound says why). */
  int version = kc_cp_protocol_version(g->protocol);
  kc_cp_member_t members[MAXW];
  kc_buf_t md[MAXW], out[MAXW];
  int leader = find_worker(g, g->leader);
  for (int k = 0; k < g->njoined; k++) {
    worker_t *w = &g->w[g->joined[k]];
    kc_buf_init(&md[k], 0);
    kc_buf_init(&out[k], 0);
    kc_cp_metadata_encode((int16_t)version, w->url, w->offset, w->has_snapshot ? &w->snapshot : NULL,
                          &md[k]);
    if (print) {
      fprintf(print, "M %d %s ", g->round, w->id);
      for (size_t i = 0; i < md[k].len; i++) fprintf(print, "%02x", (unsigned char)md[k].data[i]);
      fputc('\n', print);
    }
    members[k].member_id = w->id;
    members[k].metadata = md[k].data;
    members[k].len = md[k].len;
  }
  char err[256] = "";
  int rc = kc_cp_assign(leader >= 0 ? g->w[leader].assignor : NULL, g->protocol, g->leader, "",
                        g->leader_offset, g->conns, g->nconns, members, g->njoined, g->round,
                        leader >= 0 ? g->w[leader].last_completed : -1, g->now, out, err, sizeof err);
  if (rc) fprintf(stderr, "kc_cp_assign: %d %s\n", rc, err);
  for (int k = 0; k < g->njoined && !rc; k++) {
    worker_t *w = &g->w[g->joined[k]];
    kc_cp_assignment_t *a = &g->got[k];
    kc_cp_assignment_clear(a);
    if (kc_cp_assignment_decode(out[k].data, out[k].len, a, err, sizeof err)) {
      fprintf(stderr, "decode: %s\n", err);
      rc = KC_EINVAL;
      break;
    }
    if (print) {
      static char as[1 << 20], vs[1 << 20];
      items_str(a->assigned, a->nassigned, as, sizeof as);
      items_str(a->revoked, a->nrevoked, vs, sizeof vs);
      fprintf(print, "R %d %s err=%d off=%lld delay=%d A=%s V=%s HEX=", g->round, w->id, a->error,
              (long long)a->config_offset, a->delay_ms, as, vs);
      for (size_t i = 0; i < out[k].len; i++) fprintf(print, "%02x", (unsigned char)out[k].data[i]);
      fputc('\n', print);
    }
    if (g->dropped[k]) continue; /* never got its SyncGroup answer */
    kc_cp_assignment_t next;
    kc_cp_assignment_apply(w->has_snapshot ? &w->snapshot : NULL, a, version == KC_CP_V0, &next);
    if (w->has_snapshot) kc_cp_assignment_clear(&w->snapshot);
    w->snapshot = next;
    w->has_snapshot = 1;
    w->last_completed = g->round;
  }
  for (int k = 0; k < g->njoined; k++) {
    kc_buf_free(&md[k]);
    kc_buf_free(&out[k]);
  }
  return rc;
}

/* ---- Scenario mode ------------------------------------------------------------------------ */

static int scenario(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    return 2;
  }
  static group_t g;
  group_init(&g, "sessioned", 0);
  char line[1024];
  int rc = 0;
  while (!rc && fgets(line, sizeof line, f)) {
    char a[256] = "", b[256] = "", c[256] = "", d[256] = "", e[256] = "";
    if (sscanf(line, "%255s %255s %255s %255s %255s", a, b, c, d, e) < 1) continue;
    if (!strcmp(a, "protocol")) snprintf(g.protocol, sizeof g.protocol, "%s", b);
    else if (!strcmp(a, "maxdelay")) g.max_delay = atoi(b);
    else if (!strcmp(a, "round")) round_begin(&g, strtoll(b, NULL, 10), strtoll(c, NULL, 10));
    else if (!strcmp(a, "conn")) add_conn(&g, b, atoi(c));
    else if (!strcmp(a, "member")) add_member(&g, b, c, strtoll(d, NULL, 10), !strcmp(e, "1"));
    else if (!strcmp(a, "leader")) snprintf(g.leader, sizeof g.leader, "%s", b);
    else if (!strcmp(a, "drop")) {
      for (int k = 0; k < g.njoined; k++)
        if (!strcmp(g.w[g.joined[k]].id, b)) g.dropped[k] = 1;
    } else if (!strcmp(a, "end")) rc = round_run(&g, stdout);
    else {
      fprintf(stderr, "bad line: %s", line);
      rc = 2;
    }
  }
  fclose(f);
  group_free(&g);
  return rc ? 1 : 0;
}

/* ---- Hand-made cases ---------------------------------------------------------------------- */

/* Counts of a member's current (applied) connectors and tasks; *has_item: holds conn/task. */
static void held(group_t *g, const char *id, int *nconn, int *ntask) {
  int i = find_worker(g, id);
  *nconn = *ntask = 0;
  if (i < 0 || !g->w[i].has_snapshot) return;
  const kc_cp_assignment_t *s = &g->w[i].snapshot;
  for (int e = 0; e < s->nassigned; e++)
    for (int t = 0; t < s->assigned[e].ntasks; t++) {
      if (s->assigned[e].tasks[t] == KC_CP_CONNECTOR_TASK) (*nconn)++;
      else (*ntask)++;
    }
}

static int holds(group_t *g, const char *id, const char *conn, int32_t task) {
  int i = find_worker(g, id);
  if (i < 0 || !g->w[i].has_snapshot) return 0;
  const kc_cp_assignment_t *s = &g->w[i].snapshot;
  for (int e = 0; e < s->nassigned; e++)
    for (int t = 0; t < s->assigned[e].ntasks; t++)
      if (!strcmp(s->assigned[e].connector, conn) && s->assigned[e].tasks[t] == task) return 1;
  return 0;
}

/* The answer member @p id got this round. */
static const kc_cp_assignment_t *answer(group_t *g, const char *id) {
  for (int k = 0; k < g->njoined; k++)
    if (!strcmp(g->w[g->joined[k]].id, id)) return &g->got[k];
  return NULL;
}

static int count_items(const kc_cp_entry_t *es, int n) {
  int c = 0;
  for (int i = 0; i < n; i++) c += es[i].ntasks;
  return c;
}

/* Every configured item is held by exactly one of the joined members. */
static int each_once(group_t *g) {
  for (int c = 0; c < g->nconns; c++)
    for (int32_t t = -1; t < g->conns[c].ntasks; t++) {
      int n = 0;
      for (int k = 0; k < g->njoined; k++) n += holds(g, g->w[g->joined[k]].id, g->conns[c].name, t);
      if (n != 1) {
        fprintf(stderr, "%s/%d held %d times\n", g->conns[c].name, t, n);
        return 0;
      }
    }
  return 1;
}

static void join(group_t *g, int64_t now, int nmembers, const char *const *ids) {
  round_begin(g, now, 10);
  add_conn(g, "conn-a", 6);
  for (int i = 0; i < nmembers; i++) add_member(g, ids[i], "http://w/", 10, 0);
  snprintf(g->leader, sizeof g->leader, "%s", ids[0]);
}

static void test_eager_round_robin(void) {
  static group_t g;
  group_init(&g, "default", 0);
  round_begin(&g, 0, 5);
  add_conn(&g, "b-conn", 2);
  add_conn(&g, "a-conn", 3);
  add_member(&g, "w2", "http://w2/", 5, 0);
  add_member(&g, "w1", "http://w1/", 5, 0);
  add_member(&g, "w3", "http://w3/", 5, 0);
  snprintf(g.leader, sizeof g.leader, "w2");
  CHECK(round_run(&g, NULL) == 0);
  /* sorted members w1 w2 w3; connectors a-conn, b-conn; then a-conn/0..2, b-conn/0..1 go on
   * from the same iterator: w3, w1, w2, w3, w1 */
  CHECK(holds(&g, "w1", "a-conn", -1) && holds(&g, "w2", "b-conn", -1));
  CHECK(holds(&g, "w3", "a-conn", 0) && holds(&g, "w1", "a-conn", 1) && holds(&g, "w2", "a-conn", 2));
  CHECK(holds(&g, "w3", "b-conn", 0) && holds(&g, "w1", "b-conn", 1));
  CHECK(each_once(&g));
  const kc_cp_assignment_t *a = answer(&g, "w3");
  CHECK(a && a->version == 0 && a->config_offset == 5 && a->nrevoked == 0);
  CHECK_STR(a->leader, "w2");
  CHECK_STR(a->leader_url, "http://w2/"); /* from the leader's own metadata */
  group_free(&g);
}

static void test_config_mismatch(void) {
  static group_t g;
  group_init(&g, "sessioned", 1000);
  round_begin(&g, 0, 7); /* the leader read up to 7, a member reports 9 */
  add_conn(&g, "c", 1);
  add_member(&g, "w1", "http://w1/", 7, 0);
  add_member(&g, "w2", "http://w2/", 9, 0);
  snprintf(g.leader, sizeof g.leader, "w1");
  CHECK(round_run(&g, NULL) == 0);
  for (int k = 0; k < 2; k++) {
    CHECK(g.got[k].error == KC_CP_CONFIG_MISMATCH && g.got[k].config_offset == 9);
    CHECK(g.got[k].version == 2 && g.got[k].nassigned == 0 && g.got[k].delay_ms == 0);
  }
  group_free(&g);
}

static void test_balanced_six_tasks(void) {
  static group_t g;
  static const char *const ids[] = {"w1", "w2", "w3"};
  group_init(&g, "sessioned", 10000);
  join(&g, 0, 3, ids);
  CHECK(round_run(&g, NULL) == 0);
  int c, t, conns = 0;
  for (int i = 0; i < 3; i++) {
    held(&g, ids[i], &c, &t);
    CHECKF(t == 2, "%s holds %d tasks", ids[i], t);
    conns += c;
  }
  CHECK(conns == 1 && each_once(&g));
  /* the same group again: nothing moves */
  join(&g, 100, 3, ids);
  CHECK(round_run(&g, NULL) == 0);
  for (int k = 0; k < 3; k++) CHECK(g.got[k].nassigned == 0 && g.got[k].nrevoked == 0 && g.got[k].delay_ms == 0);
  group_free(&g);
}

/* w3 leaves: with a delay its tasks wait for it; a returning (restarted) w3 gets them back. */
static void test_lost_worker_delay(void) {
  static group_t g;
  static const char *const ids[] = {"w1", "w2", "w3"};
  group_init(&g, "sessioned", 10000);
  join(&g, 0, 3, ids);
  CHECK(round_run(&g, NULL) == 0);
  int c3, t3;
  held(&g, "w3", &c3, &t3);
  join(&g, 1000, 2, ids); /* w3 is gone */
  CHECK(round_run(&g, NULL) == 0);
  CHECK(answer(&g, "w1")->delay_ms == 10000 && answer(&g, "w2")->delay_ms == 10000);
  CHECK(count_items(answer(&g, "w1")->assigned, answer(&g, "w1")->nassigned) == 0);
  CHECK(count_items(answer(&g, "w2")->assigned, answer(&g, "w2")->nassigned) == 0);
  /* halfway: still waiting, with the remaining time */
  join(&g, 6000, 2, ids);
  CHECK(round_run(&g, NULL) == 0);
  CHECK(answer(&g, "w1")->delay_ms == 5000);
  CHECK(count_items(answer(&g, "w1")->assigned, answer(&g, "w1")->nassigned) == 0);
  /* w3 comes back restarted (empty) before the delay ends: a candidate, nothing assigned yet */
  join(&g, 8000, 3, ids);
  worker_t *w3 = &g.w[find_worker(&g, "w3")];
  kc_cp_assignment_clear(&w3->snapshot);
  w3->has_snapshot = 0;
  CHECK(round_run(&g, NULL) == 0);
  CHECK(answer(&g, "w3")->delay_ms == 3000);
  CHECK(count_items(answer(&g, "w3")->assigned, answer(&g, "w3")->nassigned) == 0);
  /* the delay is over: exactly the lost items go to w3 */
  join(&g, 11000, 3, ids);
  CHECK(round_run(&g, NULL) == 0);
  int c, t;
  held(&g, "w3", &c, &t);
  CHECKF(c == c3 && t == t3, "w3 got %d connectors %d tasks, had %d %d", c, t, c3, t3);
  CHECK(answer(&g, "w3")->delay_ms == 0 && each_once(&g));
  group_free(&g);
}

/* Without a returning worker the lost items are reassigned when the delay expires. */
static void test_lost_worker_expiry(void) {
  static group_t g;
  static const char *const ids[] = {"w1", "w2", "w3"};
  group_init(&g, "compatible", 5000);
  join(&g, 0, 3, ids);
  CHECK(round_run(&g, NULL) == 0);
  join(&g, 1000, 2, ids);
  CHECK(round_run(&g, NULL) == 0);
  CHECK(answer(&g, "w1")->delay_ms == 5000 && answer(&g, "w1")->version == 1);
  join(&g, 6000, 2, ids);
  CHECK(round_run(&g, NULL) == 0);
  int c1, t1, c2, t2;
  held(&g, "w1", &c1, &t1);
  held(&g, "w2", &c2, &t2);
  CHECK(t1 == 3 && t2 == 3 && c1 + c2 == 1 && each_once(&g));
  CHECK(answer(&g, "w1")->delay_ms == 0);
  group_free(&g);
}

/* scheduled.rebalance.max.delay.ms=0: lost items are reassigned in the same round. */
static void test_lost_worker_no_delay(void) {
  static group_t g;
  static const char *const ids[] = {"w1", "w2", "w3"};
  group_init(&g, "sessioned", 0);
  join(&g, 0, 3, ids);
  CHECK(round_run(&g, NULL) == 0);
  join(&g, 1000, 2, ids);
  CHECK(round_run(&g, NULL) == 0);
  CHECK(answer(&g, "w1")->delay_ms == 0);
  int c1, t1, c2, t2;
  held(&g, "w1", &c1, &t1);
  held(&g, "w2", &c2, &t2);
  CHECK(t1 == 3 && t2 == 3 && c1 + c2 == 1 && each_once(&g));
  group_free(&g);
}

/* A 4th worker: the leader revokes from the loaded workers, the next round hands the freed
 * task to the newcomer. 6 tasks on 4 workers: 1 each and 2 workers with one extra, so of the
 * three workers holding 2 the first two keep theirs and the third gives up one. */
static void test_fourth_worker_rebalance(void) {
  static group_t g;
  static const char *const ids[] = {"w1", "w2", "w3", "w4"};
  group_init(&g, "sessioned", 10000);
  join(&g, 0, 3, ids);
  CHECK(round_run(&g, NULL) == 0);
  join(&g, 100, 4, ids);
  CHECK(round_run(&g, NULL) == 0);
  int revoked = 0;
  for (int k = 0; k < 4; k++) revoked += count_items(g.got[k].revoked, g.got[k].nrevoked);
  CHECKF(revoked == 1, "revoked %d", revoked);
  CHECK(count_items(answer(&g, "w4")->assigned, answer(&g, "w4")->nassigned) == 0);
  join(&g, 200, 4, ids); /* the members that revoked rejoin at once */
  CHECK(round_run(&g, NULL) == 0);
  int c4, t4, total_t = 0, ones = 0, twos = 0;
  held(&g, "w4", &c4, &t4);
  CHECK(t4 == 1);
  for (int i = 0; i < 4; i++) {
    int c, t;
    held(&g, ids[i], &c, &t);
    total_t += t;
    ones += t == 1;
    twos += t == 2;
  }
  CHECK(total_t == 6 && ones == 2 && twos == 2 && each_once(&g));
  group_free(&g);
}

static void test_errors(void) {
  kc_cp_assignor_t *a = kc_cp_assignor_create(1000);
  kc_buf_t md, out[2];
  kc_buf_init(&md, 0);
  kc_buf_init(&out[0], 0);
  kc_buf_init(&out[1], 0);
  CHECK(kc_cp_metadata_encode(2, "http://w1/", 3, NULL, &md) == 0);
  static const unsigned char junk[] = {0, 2, 0, 9, 'h'};
  kc_cp_member_t m[2] = {{"w1", md.data, md.len}, {"w2", junk, sizeof junk}};
  kc_cp_connector_t c = {"c", 1};
  char err[256] = "";
  CHECK(kc_cp_assign(a, "sessioned", "w1", "", 3, &c, 1, m, 2, 1, -1, 0, out, err, sizeof err) == KC_EINVAL);
  CHECKF(strstr(err, "member w2") && strstr(err, "url"), "errstr: %s", err);
  CHECK(kc_cp_assign(a, "cooperative", "w1", "", 3, &c, 1, m, 1, 1, -1, 0, out, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "Unknown Connect protocol: cooperative") != NULL);
  CHECK(kc_cp_assign(a, "sessioned", "w1", "", 3, &c, 1, m, 0, 1, -1, 0, out, err, sizeof err) == KC_EINVAL);
  CHECK(out[0].len == 0 && out[1].len == 0);
  /* the failed calls left the state alone: a first round still assigns everything to w1 */
  CHECK(kc_cp_assign(a, "sessioned", "w1", "", 3, &c, 1, m, 1, 1, -1, 0, out, err, sizeof err) == 0);
  kc_cp_assignment_t got;
  CHECK(kc_cp_assignment_decode(out[0].data, out[0].len, &got, err, sizeof err) == 0);
  CHECK(got.nassigned == 1 && got.assigned[0].ntasks == 2 && got.delay_ms == 0);
  CHECK_STR(got.leader_url, "http://w1/");
  kc_cp_assignment_clear(&got);
  kc_buf_free(&md);
  kc_buf_free(&out[0]);
  kc_buf_free(&out[1]);
  kc_cp_assignor_destroy(a);
}

int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "--scenario")) return scenario(argv[2]);
  kc_test_run("eager_round_robin", test_eager_round_robin);
  kc_test_run("config_mismatch", test_config_mismatch);
  kc_test_run("balanced_six_tasks", test_balanced_six_tasks);
  kc_test_run("lost_worker_delay", test_lost_worker_delay);
  kc_test_run("lost_worker_expiry", test_lost_worker_expiry);
  kc_test_run("lost_worker_no_delay", test_lost_worker_no_delay);
  kc_test_run("fourth_worker_rebalance", test_fourth_worker_rebalance);
  kc_test_run("errors", test_errors);
  return kc_test_done();
}
