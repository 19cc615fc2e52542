/*
 * One broker connection (kafka/wire/conn.h) against a fake broker in Python whose behaviour
 * the client id picks: responses split into 1-byte writes are reassembled; several requests
 * in flight are answered in order; a broker lacking JoinGroup v4+ is refused naming the API;
 * a silent broker times the request out; a wrong correlation id, an impossible frame size
 * and a closed socket fail the connection. Every failure reaches each in-flight request once
 * and the state callback once, and the loop closes cleanly.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "kafka/wire/conn.h"
#include "kafka/wire/messages.h"
#include "kc_test.h"

static uv_loop_t *loop;
static char dir[256];
static int port;
static long pid;

static const char *const broker_py =
    "import os, socket, struct, sys, threading, time\n"
    "portfile = sys.argv[1]\n"
    "threading.Timer(120, os._exit, [0]).start()\n"
    "APIS = [(10, 0, 4), (11, 0, 9), (12, 0, 4), (13, 0, 5), (14, 0, 5), (17, 0, 1), (18, 0, 3), (36, 0, 2)]\n"
    "def recv_exact(c, n):\n"
    "    b = b''\n"
    "    while len(b) < n:\n"
    "        d = c.recv(n - len(b))\n"
    "        if not d: raise EOFError()\n"
    "        b += d\n"
    "    return b\n"
    "def frame(corr, body):\n"
    "    return struct.pack('>ii', len(body) + 4, corr) + body\n"
    "def serve(c):\n"
    "    try:\n"
    "        while True:\n"
    "            size, = struct.unpack('>i', recv_exact(c, 4))\n"
    "            req = recv_exact(c, size)\n"
    "            key, ver, corr, cl = struct.unpack('>hhih', req[:10])\n"
    "            mode = req[10:10 + cl].decode() if cl > 0 else ''\n"
    "            if key == 18:\n"
    "                apis = [(k, lo, 3 if (k == 11 and mode == 'old') else hi) for k, lo, hi in APIS]\n"
    "                body = struct.pack('>hi', 0, len(apis)) + b''.join(struct.pack('>hhh', *a) for a in apis) + struct.pack('>i', 0)\n"
    "                c.sendall(frame(corr, body))\n"
    "                continue\n"
    "            if mode == 'silent': continue\n"
    "            if mode == 'close': c.close(); return\n"
    "            if mode == 'badcorr': corr += 1000\n"
    "            if mode == 'huge':\n"
    "                c.sendall(struct.pack('>i', 0x7fffffff)); continue\n"
    "            host = b'broker.example'\n"
    "            body = struct.pack('>ihhi', 0, 0, -1, 7) + struct.pack('>h', len(host)) + host + struct.pack('>i', 9999)\n"
    "            data = frame(corr, body)\n"
    "            if mode == 'dribble':\n"
    "                for i in range(len(data)):\n"
    "                    c.sendall(data[i:i + 1]); time.sleep(0.002)\n"
    "            else:\n"
    "                c.sendall(data)\n"
    "    except Exception:\n"
    "        pass\n"
    "ls = socket.socket()\n"
    "ls.bind(('127.0.0.1', 0))\n"
    "ls.listen(16)\n"
    "open(portfile + '.tmp', 'w').write(str(ls.getsockname()[1]))\n"
    "os.rename(portfile + '.tmp', portfile)\n"
    "while True:\n"
    "    c, _ = ls.accept()\n"
    "    threading.Thread(target=serve, args=(c,), daemon=True).start()\n";

static bool start_broker(void) {
  if (kc_test_temp_dir(dir, sizeof dir, "wireconn")) return false;
  char script[512], cmd[1200], portfile[512];
  snprintf(script, sizeof script, "%s/broker.py", dir);
  snprintf(portfile, sizeof portfile, "%s/port", dir);
  if (kc_test_write_file(script, broker_py, strlen(broker_py))) return false;
  snprintf(cmd, sizeof cmd, "python3 %s %s >/dev/null 2>&1 & echo $!", script, portfile);
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
  int ready, failed, state_err, answers, req_errs[4], req_calls[4];
  char reason[512], coord[300];
  bool closed;
  kc_wire_conn_t *c;
} run_t;

static void on_resp(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r);

typedef struct {
  run_t *run;
  int i;
} req_ctx_t;
static req_ctx_t ctxs[4];

static void on_resp(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  req_ctx_t *x = arg;
  run_t *run = x->run;
  run->req_calls[x->i]++;
  if (err) {
    run->req_errs[x->i] = err;
    return;
  }
  kc_wire_find_coordinator_resp_t fr;
  if (CHECK(kc_wire_find_coordinator_parse(r, kc_wire_conn_api_version(c, KC_API_FIND_COORDINATOR), &fr))) {
    CHECK(fr.error == 0 && fr.node_id == 7);
    snprintf(run->coord, sizeof run->coord, "%s:%d", fr.host, (int)fr.port);
    run->answers++;
  }
}

static void on_state(kc_wire_conn_t *c, void *arg, int err, const char *reason) {
  run_t *run = arg;
  if (err) {
    run->failed++;
    run->state_err = err;
    snprintf(run->reason, sizeof run->reason, "%s", reason);
    return;
  }
  run->ready++;
  CHECK(kc_wire_conn_ready(c));
  CHECK(kc_wire_conn_api_version(c, KC_API_JOIN_GROUP) == 5);
  CHECK(kc_wire_conn_api_version(c, KC_API_FIND_COORDINATOR) == 2);
  CHECK(kc_wire_conn_api_version(c, KC_API_SYNC_GROUP) == 3);
  kc_buf_t body;
  kc_buf_init(&body, 0);
  kc_wire_find_coordinator_build(&body, 2, "g");
  for (int i = 0; i < 3; i++) { /* three in flight at once */
    ctxs[i] = (req_ctx_t){run, i};
    CHECK(kc_wire_conn_request(c, KC_API_FIND_COORDINATOR, 2, &body, 1500, on_resp, &ctxs[i]) == 0);
  }
  kc_buf_free(&body);
}

static void on_tick(uv_timer_t *t) { (void)t; }
static void on_closed(void *arg) { ((run_t *)arg)->closed = true; }

/* Connects with client id @p mode and runs until 3 answers, a failure or 6 s. */
static void run_mode(const char *mode, run_t *run) {
  memset(run, 0, sizeof *run);
  kc_wire_conn_opts_t o = {mode, 3000, NULL};
  run->c = kc_wire_conn_open(loop, "127.0.0.1", port, &o, on_state, run);
  if (!CHECK(run->c != NULL)) return;
  CHECK(!kc_wire_conn_ready(run->c));
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 20, 20);
  for (uint64_t end = uv_now(loop) + 6000; run->answers < 3 && !run->failed && uv_now(loop) < end;)
    uv_run(loop, UV_RUN_ONCE);
  kc_wire_conn_close(run->c, on_closed, run);
  while (!run->closed) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

static void check_all_failed_once(run_t *r, int err) {
  CHECKF(r->failed == 1 && r->state_err == err, "failed %d err %d (%s)", r->failed, r->state_err, r->reason);
  for (int i = 0; i < 3; i++)
    CHECKF(r->req_calls[i] == 1 && r->req_errs[i] == err, "request %d: %d calls, err %d", i, r->req_calls[i],
           r->req_errs[i]);
}

static void test_dribble(void) {
  run_t r;
  run_mode("dribble", &r);
  CHECKF(r.ready == 1 && r.answers == 3 && r.failed == 0, "ready %d answers %d: %s", r.ready, r.answers, r.reason);
  CHECK_STR(r.coord, "broker.example:9999");
  for (int i = 0; i < 3; i++) CHECK(r.req_calls[i] == 1 && r.req_errs[i] == 0);
}

static void test_old_broker(void) {
  run_t r;
  run_mode("old", &r);
  CHECK(r.ready == 0 && r.failed == 1 && r.state_err == KC_ENOTSUP);
  CHECKF(strstr(r.reason, "JoinGroup v4..v5") != NULL, "reason: %s", r.reason);
}

static void test_silent(void) {
  run_t r;
  uint64_t t0 = uv_now(loop);
  run_mode("silent", &r);
  uint64_t took = uv_now(loop) - t0;
  check_all_failed_once(&r, KC_ETIMEDOUT);
  CHECKF(took >= 1400 && took < 3000, "timed out after %llu ms", (unsigned long long)took);
}

static void test_bad_correlation(void) {
  run_t r;
  run_mode("badcorr", &r);
  check_all_failed_once(&r, KC_EIO);
  CHECKF(strstr(r.reason, "correlation id") != NULL, "reason: %s", r.reason);
}

static void test_huge_frame(void) {
  run_t r;
  run_mode("huge", &r);
  check_all_failed_once(&r, KC_EIO);
  CHECKF(strstr(r.reason, "bad response size") != NULL, "reason: %s", r.reason);
}

static void test_closed_by_broker(void) {
  run_t r;
  run_mode("close", &r);
  check_all_failed_once(&r, KC_EIO);
  CHECKF(strstr(r.reason, "closed") || strstr(r.reason, "reset") || strstr(r.reason, "broken pipe"), "reason: %s",
         r.reason);
}

static void test_unresolvable(void) {
  run_t r;
  memset(&r, 0, sizeof r);
  kc_wire_conn_opts_t o = {NULL, 3000, NULL};
  r.c = kc_wire_conn_open(loop, "no-such-host.invalid", 9092, &o, on_state, &r);
  uv_timer_t tick;
  uv_timer_init(loop, &tick);
  uv_timer_start(&tick, on_tick, 20, 20);
  for (uint64_t end = uv_now(loop) + 5000; !r.failed && uv_now(loop) < end;) uv_run(loop, UV_RUN_ONCE);
  CHECKF(r.failed == 1 && r.state_err == KC_EIO && strstr(r.reason, "resolve"), "failed %d: %s", r.failed,
         r.reason);
  kc_wire_conn_close(r.c, on_closed, &r);
  while (!r.closed) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
}

/* Closing while the resolver or connect is still under way: no callback, memory freed. */
static void test_close_early(void) {
  run_t r;
  memset(&r, 0, sizeof r);
  kc_wire_conn_opts_t o = {NULL, 3000, NULL};
  r.c = kc_wire_conn_open(loop, "localhost", port, &o, on_state, &r);
  kc_wire_conn_close(r.c, on_closed, &r);
  while (!r.closed) uv_run(loop, UV_RUN_ONCE);
  CHECK(r.ready == 0 && r.failed == 0);
}

/* Every connection released all its handles. */
static void test_loop_closes(void) {
  uv_run(loop, UV_RUN_NOWAIT);
  CHECK(uv_loop_close(loop) == 0);
}

int main(void) {
  signal(SIGPIPE, SIG_IGN); /* as src/main.c: a write to a socket the peer closed must not kill us */
  loop = uv_default_loop();
  if (!start_broker()) {
    printf("FAIL fake broker did not start\n");
    kc_test_add(0, 1);
  } else {
    kc_test_run("dribble", test_dribble);
    kc_test_run("old_broker", test_old_broker);
    kc_test_run("silent", test_silent);
    kc_test_run("bad_correlation", test_bad_correlation);
    kc_test_run("huge_frame", test_huge_frame);
    kc_test_run("closed_by_broker", test_closed_by_broker);
    kc_test_run("close_early", test_close_early);
  }
  kc_test_run("unresolvable", test_unresolvable);
  if (pid > 0) kill((pid_t)pid, SIGTERM);
  if (dir[0]) kc_test_remove_tree(dir);
  kc_test_run("loop_closes", test_loop_closes);
  return kc_test_done();
}
