/*
 * kc_group's error handling (AbstractCoordinator's) against a fake group coordinator in
 * Python, for the answers a healthy one-node broker never gives: the client id picks a
 * scenario, the fake logs every request it gets, and the test checks the member's callbacks
 * and the requests it sent.
 *   hb_unknown    first Heartbeat UNKNOWN_MEMBER_ID: lost(KC_ESTATE), member id reset, rejoin
 *   hb_rebalance  first Heartbeat REBALANCE_IN_PROGRESS: rejoin, no lost()
 *   hb_notcoord   first Heartbeat NOT_COORDINATOR: FindCoordinator again, heartbeats go on,
 *                 no rejoin, no lost()
 *   hb_silent     Heartbeats unanswered: lost(KC_ETIMEDOUT) after session.timeout.ms, rejoin
 *   join_load     first JoinGroup COORDINATOR_LOAD_IN_PROGRESS: JoinGroup again after the back-off
 *   join_auth     JoinGroup GROUP_AUTHORIZATION_FAILED: fatal
 *   find_auth     FindCoordinator GROUP_AUTHORIZATION_FAILED: fatal
 *   coord_down    the coordinator's address refuses connections: lost() "unreachable", retried
 *   sync_rebal    first SyncGroup REBALANCE_IN_PROGRESS: JoinGroup again without a new join_prepare
 * and every scenario that ends joined sends LeaveGroup with its member id on kc_group_leave.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "kafka/wire/group.h"
#include "kc_test.h"

static uv_loop_t *loop;
static char dir[256];
static int port;
static long pid;

static const char *const coord_py =
    "import os, socket, struct, sys, threading\n"
    "d, portfile = sys.argv[1], sys.argv[2]\n"
    "threading.Timer(120, os._exit, [0]).start()\n"
    "lock = threading.Lock()\n"
    "state = {}\n"
    "APIS = [(10, 0, 4), (11, 0, 9), (12, 0, 4), (13, 0, 5), (14, 0, 5), (17, 0, 1), (18, 0, 3), (36, 0, 2)]\n"
    "class R:\n"
    "    def __init__(s, b): s.b, s.p = b, 0\n"
    "    def i8(s): s.p += 1; return struct.unpack('>b', s.b[s.p-1:s.p])[0]\n"
    "    def i16(s): s.p += 2; return struct.unpack('>h', s.b[s.p-2:s.p])[0]\n"
    "    def i32(s): s.p += 4; return struct.unpack('>i', s.b[s.p-4:s.p])[0]\n"
    "    def str(s):\n"
    "        n = s.i16()\n"
    "        if n < 0: return None\n"
    "        s.p += n; return s.b[s.p-n:s.p].decode()\n"
    "    def bytes(s):\n"
    "        n = s.i32(); s.p += n; return s.b[s.p-n:s.p]\n"
    "def S(x): x = x.encode(); return struct.pack('>h', len(x)) + x\n"
    "def B(x): return struct.pack('>i', len(x)) + x\n"
    "def log(mode, line):\n"
    "    with open(os.path.join(d, 'events-' + mode), 'a') as f: f.write(line + '\\n')\n"
    "def recv_exact(c, n):\n"
    "    b = b''\n"
    "    while len(b) < n:\n"
    "        x = c.recv(n - len(b))\n"
    "        if not x: raise EOFError()\n"
    "        b += x\n"
    "    return b\n"
    "def first(mode, what):\n"
    "    with lock:\n"
    "        st = state.setdefault(mode, {})\n"
    "        st[what] = st.get(what, 0) + 1\n"
    "        return st[what] == 1\n"
    "def serve(c):\n"
    "    try:\n"
    "        while True:\n"
    "            size, = struct.unpack('>i', recv_exact(c, 4))\n"
    "            r = R(recv_exact(c, size))\n"
    "            key, ver, corr = r.i16(), r.i16(), r.i32()\n"
    "            mode = r.str() or ''\n"
    "            st = state.setdefault(mode, {'gen': 0})\n"
    "            body = None\n"
    "            if key == 18:\n"
    "                body = struct.pack('>hi', 0, len(APIS)) + b''.join(struct.pack('>hhh', *a) for a in APIS) + struct.pack('>i', 0)\n"
    "            elif key == 10:\n"
    "                log(mode, 'find')\n"
    "                err = 30 if mode == 'find_auth' else 0\n"
    "                cport = 1 if mode == 'coord_down' else port\n"
    "                body = struct.pack('>ihhi', 0, err, -1, 1) + S('127.0.0.1') + struct.pack('>i', cport)\n"
    "            elif key == 11:\n"
    "                group, sess, reb, member = r.str(), r.i32(), r.i32(), r.str()\n"
    "                r.str(); ptype = r.str(); r.i32(); pname = r.str(); meta = r.bytes()\n"
    "                log(mode, 'join ' + (member or '-'))\n"
    "                if member == '':\n"
    "                    body = struct.pack('>ihi', 0, 79, -1) + S('') + S('') + S(mode + '-m') + struct.pack('>i', 0)\n"
    "                elif mode == 'join_load' and first(mode, 'join'):\n"
    "                    body = struct.pack('>ihi', 0, 14, -1) + S('') + S('') + S(member) + struct.pack('>i', 0)\n"
    "                elif mode == 'join_auth':\n"
    "                    body = struct.pack('>ihi', 0, 30, -1) + S('') + S('') + S(member) + struct.pack('>i', 0)\n"
    "                else:\n"
    "                    st['gen'] = st.get('gen', 0) + 1\n"
    "                    body = struct.pack('>ihi', 0, 0, st['gen']) + S(pname) + S(member) + S(member) + struct.pack('>i', 1) + S(member) + struct.pack('>h', -1) + B(meta)\n"
    "            elif key == 14:\n"
    "                group, gen, member = r.str(), r.i32(), r.str(); r.str()\n"
    "                n = r.i32(); mine = b''\n"
    "                for i in range(n):\n"
    "                    m, a = r.str(), r.bytes()\n"
    "                    if m == member: mine = a\n"
    "                log(mode, 'sync %d' % gen)\n"
    "                err = 27 if mode == 'sync_rebal' and first(mode, 'sync') else 0\n"
    "                body = struct.pack('>ih', 0, err) + B(mine if not err else b'')\n"
    "            elif key == 12:\n"
    "                group, gen, member = r.str(), r.i32(), r.str()\n"
    "                log(mode, 'hb %d' % gen)\n"
    "                if mode == 'hb_silent' and st.get('gen', 0) == 1: continue\n"
    "                err = 0\n"
    "                if first(mode, 'hb'):\n"
    "                    err = {'hb_unknown': 25, 'hb_rebalance': 27, 'hb_notcoord': 16}.get(mode, 0)\n"
    "                body = struct.pack('>ih', 0, err)\n"
    "            elif key == 13:\n"
    "                group = r.str(); r.i32(); member = r.str()\n"
    "                log(mode, 'leave ' + member)\n"
    "                body = struct.pack('>ihi', 0, 0, 1) + S(member) + struct.pack('>hh', -1, 0)\n"
    "            if body is not None:\n"
    "                c.sendall(struct.pack('>ii', len(body) + 4, corr) + body)\n"
    "    except Exception:\n"
    "        pass\n"
    "ls = socket.socket()\n"
    "ls.bind(('127.0.0.1', 0))\n"
    "ls.listen(32)\n"
    "port = ls.getsockname()[1]\n"
    "open(portfile + '.tmp', 'w').write(str(port))\n"
    "os.rename(portfile + '.tmp', portfile)\n"
    "while True:\n"
    "    c, _ = ls.accept()\n"
    "    threading.Thread(target=serve, args=(c,), daemon=True).start()\n";

static bool start_fake(void) {
  if (kc_test_temp_dir(dir, sizeof dir, "wirecoord")) return false;
  char script[512], cmd[2048], portfile[512];
  snprintf(script, sizeof script, "%s/coord.py", dir);
  snprintf(portfile, sizeof portfile, "%s/port", dir);
  if (kc_test_write_file(script, coord_py, strlen(coord_py))) return false;
  snprintf(cmd, sizeof cmd, "python3 %s %s %s >/dev/null 2>&1 & echo $!", script, dir, portfile);
  char *out = NULL;
  kc_test_sh(cmd, &out, NULL);
  pid = out ? atol(out) : 0;
  free(out);
  for (int i = 0; i < 200 && !port; i++) {
    char *p = kc_test_read_file(portfile, NULL);
    if (p) port = atoi(p);
    free(p);
    if (!port) usleep(25000); /* the test's own start-up, before the loop runs */
  }
  return port > 0;
}

typedef struct {
  kc_group_t *g;
  int prepares, joins, lost, fatal, last_err;
  int32_t gen, prepare_gen;
  char prepare_member[128], reason[512], assignment[128];
  uint64_t joined_at[4], started_at;
  bool left;
} member_t;

static int cb_metadata(void *arg, kc_group_protocol_t *ps, int *n) {
  ps[0] = (kc_group_protocol_t){"fake", "meta", 4};
  *n = 1;
  return 0;
}
static void cb_prepare(void *arg, int32_t gen, const char *id) {
  member_t *m = arg;
  m->prepares++;
  m->prepare_gen = gen;
  snprintf(m->prepare_member, sizeof m->prepare_member, "%s", id);
  kc_group_join_ready(m->g);
}
static int cb_assign(void *arg, const char *leader, const char *proto, const kc_group_member_t *ms, int n,
                     kc_buf_t *as) {
  for (int i = 0; i < n; i++) kc_buf_printf(&as[i], "a-%s", ms[i].member_id);
  return 0;
}
static void cb_joined(void *arg, int32_t gen, const char *id, const char *leader, const char *proto,
                      const void *a, size_t len) {
  member_t *m = arg;
  if (m->joins < 4) m->joined_at[m->joins] = uv_now(loop);
  m->joins++;
  m->gen = gen;
  snprintf(m->assignment, sizeof m->assignment, "%.*s", (int)len, (const char *)a);
}
static void cb_lost(void *arg, int err, bool fatal, const char *reason) {
  member_t *m = arg;
  m->lost++;
  m->fatal += fatal;
  m->last_err = err;
  snprintf(m->reason, sizeof m->reason, "%s", reason);
}
static const kc_group_callbacks_t cbs = {cb_metadata, cb_prepare, cb_assign, cb_joined, cb_lost};

static void on_tick(uv_timer_t *t) { (void)t; }
static void on_left(void *arg) { ((member_t *)arg)->left = true; }

static void run_until(member_t *m, bool (*done)(const member_t *), uint64_t ms) {
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 10, 10);
  for (uint64_t end = uv_now(loop) + ms; !done(m) && uv_now(loop) < end;) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

static bool never(const member_t *m) { return false; }
static bool joined1(const member_t *m) { return m->joins >= 1 || m->fatal; }
static bool joined2(const member_t *m) { return m->joins >= 2 || m->fatal; }
static bool is_fatal(const member_t *m) { return m->fatal > 0; }
static bool lost2(const member_t *m) { return m->lost >= 2 || m->fatal; }
static bool is_left(const member_t *m) { return m->left; }

static void start(member_t *m, const char *mode, int32_t session_ms, int32_t heartbeat_ms) {
  memset(m, 0, sizeof *m);
  m->gen = -1;
  char servers[64];
  snprintf(servers, sizeof servers, "127.0.0.1:%d", port);
  kc_group_config_t cfg = {.bootstrap_servers = servers, .group_id = "g", .protocol_type = "connect",
                           .client_id = mode, .session_timeout_ms = session_ms,
                           .heartbeat_interval_ms = heartbeat_ms, .request_timeout_ms = 10000,
                           .retry_backoff_ms = 300, .reconnect_backoff_ms = 50, .reconnect_backoff_max_ms = 200};
  char es[256];
  m->g = kc_group_create(loop, &cfg, &cbs, m, es, sizeof es);
  if (!CHECKF(m->g != NULL, "%s", es)) return;
  m->started_at = uv_now(loop);
  CHECK(kc_group_start(m->g) == 0);
}

static void stop(member_t *m) {
  if (!m->g) return;
  kc_group_leave(m->g, on_left, m);
  run_until(m, is_left, 5000);
  CHECK(m->left);
  kc_group_destroy(m->g);
  m->g = NULL;
}

/* The fake's request log for @p mode, NUL-terminated (caller frees); "" when none. */
static char *events(const char *mode) {
  char path[512];
  snprintf(path, sizeof path, "%s/events-%s", dir, mode);
  char *e = kc_test_read_file(path, NULL);
  return e ? e : strdup("");
}

static int count(const char *text, const char *line) {
  int n = 0;
  size_t l = strlen(line);
  for (const char *p = text; (p = strstr(p, line)); p += l)
    if ((p == text || p[-1] == '\n') && (p[l] == '\n' || p[l] == ' ')) n++;
  return n;
}

static void test_hb_unknown(void) {
  member_t m;
  start(&m, "hb_unknown", 3000, 200);
  run_until(&m, joined2, 5000);
  CHECKF(m.joins == 2 && m.lost == 1 && m.last_err == KC_ESTATE && strstr(m.reason, "UNKNOWN_MEMBER_ID"),
         "joins %d lost %d: %s", m.joins, m.lost, m.reason);
  CHECK(m.prepares == 2 && m.prepare_gen == -1 && m.prepare_member[0] == '\0'); /* reset before rejoin */
  CHECK(m.gen == 2);
  CHECK_STR(m.assignment, "a-hb_unknown-m");
  stop(&m);
  char *e = events("hb_unknown");
  CHECKF(count(e, "join -") == 2 && count(e, "leave hb_unknown-m") == 1, "events:\n%s", e);
  free(e);
}

static void test_hb_rebalance(void) {
  member_t m;
  start(&m, "hb_rebalance", 3000, 200);
  run_until(&m, joined2, 5000);
  CHECKF(m.joins == 2 && m.lost == 0 && m.prepares == 2 && m.gen == 2, "joins %d lost %d: %s", m.joins, m.lost,
         m.reason);
  CHECK(m.prepare_gen == 1); /* the generation it had: no reset */
  stop(&m);
  char *e = events("hb_rebalance");
  CHECKF(count(e, "join -") == 1 && count(e, "join hb_rebalance-m") == 2, "events:\n%s", e);
  free(e);
}

static void test_hb_notcoord(void) {
  member_t m;
  start(&m, "hb_notcoord", 3000, 200);
  run_until(&m, joined1, 5000);
  run_until(&m, never, 1500);
  CHECKF(m.joins == 1 && m.lost == 0 && m.prepares == 1 && kc_group_stable(m.g), "joins %d lost %d state %s",
         m.joins, m.lost, kc_group_state_name(m.g));
  stop(&m);
  char *e = events("hb_notcoord");
  CHECKF(count(e, "find") == 2 && count(e, "hb 1") >= 3 && count(e, "join hb_notcoord-m") == 1, "events:\n%s", e);
  free(e);
}

static void test_hb_silent(void) {
  member_t m;
  start(&m, "hb_silent", 1000, 200);
  run_until(&m, joined2, 6000);
  CHECKF(m.joins == 2 && m.lost == 1 && m.last_err == KC_ETIMEDOUT && strstr(m.reason, "session.timeout.ms"),
         "joins %d lost %d: %s", m.joins, m.lost, m.reason);
  if (m.joins == 2) {
    uint64_t gap = m.joined_at[1] - m.joined_at[0];
    CHECKF(gap >= 1000 && gap < 3000, "rejoined %llu ms after joining", (unsigned long long)gap);
  }
  CHECK(m.prepares == 2 && m.prepare_gen == -1);
  stop(&m);
  char *e = events("hb_silent");
  CHECKF(count(e, "find") == 2, "events:\n%s", e); /* the coordinator was dropped and found again */
  free(e);
}

static void test_join_load(void) {
  member_t m;
  start(&m, "join_load", 3000, 500);
  run_until(&m, joined1, 5000);
  CHECKF(m.joins == 1 && m.lost == 0 && m.prepares == 1, "joins %d lost %d: %s", m.joins, m.lost, m.reason);
  CHECKF(m.joined_at[0] - m.started_at >= 300, "joined after %llu ms",
         (unsigned long long)(m.joined_at[0] - m.started_at));
  stop(&m);
  char *e = events("join_load");
  CHECKF(count(e, "join join_load-m") == 2, "events:\n%s", e);
  free(e);
}

static void test_join_auth(void) {
  member_t m;
  start(&m, "join_auth", 3000, 500);
  run_until(&m, is_fatal, 5000);
  CHECKF(m.fatal == 1 && m.joins == 0 && strstr(m.reason, "GROUP_AUTHORIZATION_FAILED"), "fatal %d: %s", m.fatal,
         m.reason);
  CHECK_STR(kc_group_state_name(m.g), "FATAL");
  run_until(&m, never, 500); /* stopped: no retry */
  stop(&m);
  char *e = events("join_auth");
  CHECKF(count(e, "join join_auth-m") == 1 && count(e, "leave join_auth-m") == 0, "events:\n%s", e);
  free(e);
}

static void test_find_auth(void) {
  member_t m;
  start(&m, "find_auth", 3000, 500);
  run_until(&m, is_fatal, 5000);
  CHECKF(m.fatal == 1 && strstr(m.reason, "FindCoordinator: GROUP_AUTHORIZATION_FAILED"), "%s", m.reason);
  stop(&m);
}

static void test_coord_down(void) {
  member_t m;
  start(&m, "coord_down", 3000, 500);
  run_until(&m, lost2, 5000);
  CHECKF(m.lost >= 2 && m.fatal == 0 && strstr(m.reason, "coordinator 127.0.0.1:1 unreachable"), "lost %d: %s",
         m.lost, m.reason);
  CHECK(m.joins == 0 && m.prepares == 0);
  stop(&m);
  char *e = events("coord_down");
  CHECKF(count(e, "find") >= 2, "events:\n%s", e);
  free(e);
}

static void test_sync_rebalance(void) {
  member_t m;
  start(&m, "sync_rebal", 3000, 500);
  run_until(&m, joined1, 5000);
  CHECKF(m.joins == 1 && m.prepares == 1 && m.lost == 0 && m.gen == 2, "joins %d prepares %d gen %d", m.joins,
         m.prepares, (int)m.gen);
  stop(&m);
  char *e = events("sync_rebal");
  CHECKF(count(e, "sync 1") == 1 && count(e, "sync 2") == 1, "events:\n%s", e);
  free(e);
}

static void test_loop_closes(void) {
  uv_run(loop, UV_RUN_NOWAIT);
  CHECK(uv_loop_close(loop) == 0);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* as src/main.c: a write to a socket the peer closed must not kill us */
  loop = uv_default_loop();
  if (!start_fake()) {
    printf("FAIL fake coordinator did not start\n");
    kc_test_add(0, 1);
  } else {
    kc_test_run("hb_unknown", test_hb_unknown);
    kc_test_run("hb_rebalance", test_hb_rebalance);
    kc_test_run("hb_notcoord", test_hb_notcoord);
    kc_test_run("hb_silent", test_hb_silent);
    kc_test_run("join_load", test_join_load);
    kc_test_run("join_auth", test_join_auth);
    kc_test_run("find_auth", test_find_auth);
    kc_test_run("coord_down", test_coord_down);
    kc_test_run("sync_rebalance", test_sync_rebalance);
  }
  if (pid > 0) kill((pid_t)pid, SIGTERM);
  if (dir[0]) kc_test_remove_tree(dir);
  kc_test_run("loop_closes", test_loop_closes);
  return kc_test_done();
}
