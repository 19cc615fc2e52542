/*
 * Fuzz target: the REST server's request handling (llhttp callbacks, header
 * and body limits, routing, body binding) through its real code: one server
 * from kc_rest_start_with() on 127.0.0.1:0 in this process's loop, answered at
 * once by a herder double, and a client on the same loop that connects, writes
 * the input, half-closes and reads until the server closes.
 *
 * Invariants: the server survives every input (ASan/UBSan watch it); it
 * closes a half-closed connection within the deadline (an open request can
 * never finish); whatever it writes starts with an HTTP/1.1 status line.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "fuzz_util.h"
#include "rest/rest.h"
#include "util/log.h"
#include "util/loggers.h"

#define DEADLINE_MS 5000
#define MAX_REPLY (1u << 20)

static uv_loop_t loop;
static kc_rest_t *server;
static int port;

/* Echoes the routed request, or answers an error picked by the connector name. */
static int double_submit(void *ctx, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  kc_herder_res_t res = {.rc = KC_HERDER_R_OK};
  const char *c = req->connector ? req->connector : "";
  if (!strcmp(c, "notfound")) {
    res.rc = KC_HERDER_R_NOT_FOUND;
    res.message = "Connector notfound not found";
  } else if (!strcmp(c, "bad")) {
    res.rc = KC_HERDER_R_BAD_REQUEST;
    res.message = "bad";
  } else if (!strcmp(c, "empty")) {
    res.body = NULL;
  } else {
    res.created = req->op == KC_HERDER_CREATE;
    res.body = json_pack("{s:s,s:s,s:i,s:s?,s:O?}", "op", kc_herder_op_name(req->op), "connector",
                         c, "task", req->task, "plugin", req->plugin, "body", req->body);
  }
  cb(arg, &res);
  return 0;
}

typedef struct {
  uv_tcp_t tcp;
  uv_connect_t connect;
  uv_write_t write;
  uv_shutdown_t shutdown;
  uv_timer_t deadline;
  char *reply;
  size_t reply_len;
  int handles_open;
  bool eof, timed_out;
} client_t;

static void on_handle_closed(uv_handle_t *h) {
  client_t *c = h->data;
  c->handles_open--;
}

static void client_finish(client_t *c) {
  if (!uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
  if (!uv_is_closing((uv_handle_t *)&c->deadline))
    uv_close((uv_handle_t *)&c->deadline, on_handle_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  static char slab[65536];
  buf->base = slab;
  buf->len = sizeof(slab);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf) {
  client_t *c = s->data;
  if (n > 0) {
    /* Only the start is checked: keep a bounded prefix. */
    size_t keep = c->reply_len + (size_t)n > MAX_REPLY ? MAX_REPLY - c->reply_len : (size_t)n;
    if (keep) {
      c->reply = realloc(c->reply, c->reply_len + keep);
      memcpy(c->reply + c->reply_len, buf->base, keep);
      c->reply_len += keep;
    }
  } else if (n < 0) {
    c->eof = true; /* EOF, or a reset after the server gave up on us: both are a close */
    client_finish(c);
  }
}

static void on_shutdown(uv_shutdown_t *req, int status) {}
static void on_write(uv_write_t *req, int status) {}

static void on_connect(uv_connect_t *req, int status) {
  client_t *c = req->data;
  FUZZ_CHECK(status == 0 || status == UV_ECANCELED, "the client connects to the server");
  if (status) return;
  uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_deadline(uv_timer_t *t) {
  client_t *c = t->data;
  c->timed_out = true;
  client_finish(c);
}

static void setup(void) {
  kc_loggers_set_root(KC_LVL_ERROR); /* an access-log line per request would drown the output */
  uv_loop_init(&loop);
  kc_worker_listener_t l = {.url = "http://127.0.0.1:0", .host = "127.0.0.1", .port = 0};
  kc_rest_options_t o = {.listeners = &l, .nlisteners = 1};
  o.limits.max_header_bytes = 4096;
  o.limits.max_body_bytes = 16384;
  o.limits.idle_timeout_ms = 300; /* short: a few inputs legitimately wait it out */
  o.limits.header_timeout_ms = 600;
  o.limits.max_connections = 4096;
  o.limits.max_connections_per_ip = 4096;
  char err[512];
  server = kc_rest_start_with(&loop, double_submit, NULL, &o, err, sizeof(err));
  if (!server) fprintf(stderr, "fuzz_http: %s\n", err);
  FUZZ_CHECK(server != NULL, "the REST server starts");
  port = kc_rest_port(server);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!server) setup();
  client_t c = {0};
  c.tcp.data = c.connect.data = c.write.data = c.shutdown.data = c.deadline.data = &c;
  FUZZ_CHECK(uv_tcp_init(&loop, &c.tcp) == 0, "tcp init");
  FUZZ_CHECK(uv_timer_init(&loop, &c.deadline) == 0, "timer init");
  c.handles_open = 2;
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", port, &sa);
  FUZZ_CHECK(uv_tcp_connect(&c.connect, &c.tcp, (const struct sockaddr *)&sa, on_connect) == 0,
             "connect starts");
  /* Writes queue behind the connect; the shutdown behind the writes. */
  uv_buf_t b = uv_buf_init((char *)data, (unsigned)size);
  if (size) uv_write(&c.write, (uv_stream_t *)&c.tcp, &b, 1, on_write);
  uv_shutdown(&c.shutdown, (uv_stream_t *)&c.tcp, on_shutdown);
  uv_timer_start(&c.deadline, on_deadline, DEADLINE_MS, 0);
  while (c.handles_open > 0) uv_run(&loop, UV_RUN_ONCE);
  FUZZ_CHECK(!c.timed_out, "the server closes a half-closed connection");
  if (c.reply_len) {
    static const char status_line[] = "HTTP/1.1 ";
    size_t n = c.reply_len < sizeof(status_line) - 1 ? c.reply_len : sizeof(status_line) - 1;
    FUZZ_CHECK(!memcmp(c.reply, status_line, n), "every reply starts with a status line");
  }
  free(c.reply);
  return 0;
}
