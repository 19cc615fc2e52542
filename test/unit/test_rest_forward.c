/*
 * REST forwarding (HerderRequestHandler.completeOrForwardRequest, connect-runtime.md 6.6)
 * and the internal endpoints (1.9), all in this process on one uv loop:
 *   - three kc_rest servers A, B, C on 127.0.0.1:0, each in front of a stub herder (a
 *     kc_herder_ops_t of this file) whose answer each test sets: FORWARD to another
 *     server's URL, or OK / NOT_FOUND with a body;
 *   - a capture peer (a raw uv TCP server) that records the forwarded request byte for byte
 *     and answers a canned response, for what a herder cannot see (request line, headers);
 *   - the user is src/http's curl client on the same loop.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "http/http.h"
#include "rest/client.h"
#include "rest/rest.h"
#include "rest/signature.h"
#include "kc_test.h"

static uv_loop_t *loop;

/* ---------------------------------------------------------------- loop helpers */

static bool timed_out;
static void on_guard(uv_timer_t *t) { timed_out = true; }

/* Runs the loop until *@p flag or @p ms pass. @returns *flag. */
static bool run_until(const bool *flag, uint64_t ms) {
  uv_timer_t guard;
  uv_timer_init(loop, &guard);
  timed_out = false;
  uv_timer_start(&guard, on_guard, ms, 0);
  while (!*flag && !timed_out) uv_run(loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&guard, NULL);
  uv_run(loop, UV_RUN_NOWAIT);
  return *flag;
}

/* ------------------------------------------------------------------ stub herder */

typedef struct {
  kc_herder_base_t base;
  const char *name;
  /* the answer to the next requests */
  kc_herder_rc_t rc;
  char forward_url[128];
  bool forward_null;
  const char *message;
  const char *body_json; /* parsed per answer; NULL = no body */
  bool created;
  const uint8_t *key;    /* set: TASK_CONFIGS_PUT/FENCE go through kc_rest_signature_check */
  size_t klen;
  bool key_missing;      /* check with key NULL (no session key read yet) */
  bool async;            /* answer from a timer 10 ms later, as a herder on its own tick would */
  /* what the last request carried */
  int calls;
  kc_herder_op_t op;
  char connector[128];
  int task;
  bool include_tasks, only_failed;
  char *raw;
  size_t raw_len;
  bool has_raw;
  char sig[160], alg[64];
  bool has_sig, has_alg;
  char *body_dump;
} stub_t;

typedef struct {
  uv_timer_t timer;
  kc_herder_cb cb;
  void *arg;
  kc_herder_res_t res;
  char url[128];
} late_t;

static void late_closed(uv_handle_t *h) { free(h->data); }

static void on_late(uv_timer_t *t) {
  late_t *l = t->data;
  if (l->res.forward_url) l->res.forward_url = l->url;
  l->cb(l->arg, &l->res);
  uv_close((uv_handle_t *)t, late_closed);
}

static int stub_submit(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  stub_t *s = (stub_t *)h;
  s->calls++;
  s->op = req->op;
  snprintf(s->connector, sizeof(s->connector), "%s", req->connector ? req->connector : "");
  s->task = req->task;
  s->include_tasks = req->include_tasks;
  s->only_failed = req->only_failed;
  free(s->raw);
  s->raw = NULL;
  s->has_raw = req->raw_body != NULL;
  s->raw_len = req->raw_body_len;
  if (req->raw_body) {
    s->raw = malloc(req->raw_body_len + 1);
    memcpy(s->raw, req->raw_body, req->raw_body_len);
    s->raw[req->raw_body_len] = '\0';
  }
  s->has_sig = req->signature != NULL;
  s->has_alg = req->signature_algorithm != NULL;
  snprintf(s->sig, sizeof(s->sig), "%s", req->signature ? req->signature : "");
  snprintf(s->alg, sizeof(s->alg), "%s", req->signature_algorithm ? req->signature_algorithm : "");
  free(s->body_dump);
  s->body_dump = req->body ? json_dumps(req->body, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) : NULL;

  kc_herder_res_t res = {.rc = s->rc, .message = s->message, .created = s->created};
  char msg[1024];
  if ((s->key || s->key_missing) && (req->op == KC_HERDER_TASK_CONFIGS_PUT || req->op == KC_HERDER_FENCE)) {
    static const char *const allowed[] = {"HmacSHA256", "HmacSHA512"};
    res.rc = kc_rest_signature_check(s->key_missing ? NULL : s->key, s->klen, allowed, 2, req, msg, sizeof(msg));
    res.message = res.rc == KC_HERDER_R_OK ? NULL : msg;
  }
  if (res.rc == KC_HERDER_R_FORWARD) res.forward_url = s->forward_null ? NULL : s->forward_url;
  if (res.rc == KC_HERDER_R_OK && s->body_json) res.body = json_loads(s->body_json, JSON_DECODE_ANY, NULL);
  if (s->async && !res.message) {
    late_t *l = calloc(1, sizeof(*l));
    l->cb = cb;
    l->arg = arg;
    l->res = res;
    snprintf(l->url, sizeof(l->url), "%s", s->forward_url);
    uv_timer_init(loop, &l->timer);
    l->timer.data = l;
    uv_timer_start(&l->timer, on_late, 10, 0);
    return 0;
  }
  cb(arg, &res);
  return 0;
}

static void stub_shutdown(kc_herder_t *h, void (*cb)(void *), void *arg) { cb(arg); }
static void stub_destroy(kc_herder_t *h) {}
static const kc_herder_ops_t stub_ops = {"stub", stub_submit, stub_shutdown, stub_destroy};

static stub_t herder_a = {.base = {&stub_ops}, .name = "A"}, herder_b = {.base = {&stub_ops}, .name = "B"},
              herder_c = {.base = {&stub_ops}, .name = "C"};
static kc_rest_t *srv_a, *srv_b, *srv_c;

static void stub_reset(stub_t *s) {
  s->rc = KC_HERDER_R_OK;
  s->forward_url[0] = '\0';
  s->forward_null = false;
  s->message = NULL;
  s->body_json = NULL;
  s->created = false;
  s->key = NULL;
  s->klen = 0;
  s->key_missing = false;
  s->async = false;
  s->calls = 0;
  s->has_raw = s->has_sig = s->has_alg = false;
  free(s->raw);
  s->raw = NULL;
  free(s->body_dump);
  s->body_dump = NULL;
}

static void stub_forward_to(stub_t *s, int port) {
  s->rc = KC_HERDER_R_FORWARD;
  snprintf(s->forward_url, sizeof(s->forward_url), "http://127.0.0.1:%d/", port);
}

static void reset_all(void) {
  stub_reset(&herder_a);
  stub_reset(&herder_b);
  stub_reset(&herder_c);
}

/* ----------------------------------------------------------------- capture peer */

/* One connection at a time: records the request, answers `canned` (unless hold), closes. */
typedef struct {
  uv_tcp_t server;
  int port;
  char req[64 * 1024];
  size_t len;
  int requests; /* complete requests seen */
  const char *canned;
  bool hold;    /* never answer */
  uv_tcp_t *conn;
} peer_t;

static peer_t peer;

static void peer_alloc(uv_handle_t *h, size_t sz, uv_buf_t *b) {
  b->base = peer.req + peer.len;
  b->len = sizeof(peer.req) - 1 - peer.len;
}

static void peer_conn_closed(uv_handle_t *h) {
  if ((uv_tcp_t *)h == peer.conn) peer.conn = NULL;
  free(h);
}

static void peer_written(uv_write_t *w, int status) {
  uv_close((uv_handle_t *)w->handle, peer_conn_closed);
  free(w);
}

/* Complete: headers and Content-Length bytes of body are in. */
static bool peer_complete(void) {
  peer.req[peer.len] = '\0';
  char *end = strstr(peer.req, "\r\n\r\n");
  if (!end) return false;
  size_t clen = 0;
  for (char *p = peer.req; p < end; p = strstr(p, "\r\n") + 2) {
    if (!strncasecmp(p, "content-length:", 15)) clen = (size_t)atol(p + 15);
    if (!strstr(p, "\r\n")) break;
  }
  return peer.len >= (size_t)(end + 4 - peer.req) + clen;
}

static void peer_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  if (n < 0) {
    uv_close((uv_handle_t *)s, peer_conn_closed);
    return;
  }
  peer.len += (size_t)n;
  if (!peer_complete()) return;
  peer.requests++;
  uv_read_stop(s);
  if (peer.hold) return;
  uv_write_t *w = malloc(sizeof(*w));
  uv_buf_t out = uv_buf_init((char *)peer.canned, (unsigned)strlen(peer.canned));
  uv_write(w, s, &out, 1, peer_written);
}

static void peer_connection(uv_stream_t *server, int status) {
  uv_tcp_t *c = malloc(sizeof(*c));
  uv_tcp_init(loop, c);
  if (uv_accept(server, (uv_stream_t *)c)) {
    uv_close((uv_handle_t *)c, peer_conn_closed);
    return;
  }
  peer.len = 0;
  peer.conn = c;
  uv_read_start((uv_stream_t *)c, peer_alloc, peer_read);
}

static int peer_start(void) {
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  uv_tcp_init(loop, &peer.server);
  if (uv_tcp_bind(&peer.server, (struct sockaddr *)&sa, 0) ||
      uv_listen((uv_stream_t *)&peer.server, 16, peer_connection))
    return -1;
  struct sockaddr_storage ss;
  int sl = sizeof(ss);
  uv_tcp_getsockname(&peer.server, (struct sockaddr *)&ss, &sl);
  peer.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  return 0;
}

/* The next answer: @p status with @p ctype and @p body (NULL = none), Content-Length computed. */
static void peer_respond(int status, const char *ctype, const char *body) {
  static char canned[4096];
  size_t n = body ? strlen(body) : 0;
  int off = snprintf(canned, sizeof(canned), "HTTP/1.1 %d X\r\n", status);
  if (ctype) off += snprintf(canned + off, sizeof(canned) - (size_t)off, "Content-Type: %s\r\n", ctype);
  if (status != 204) off += snprintf(canned + off, sizeof(canned) - (size_t)off, "Content-Length: %zu\r\n", n);
  snprintf(canned + off, sizeof(canned) - (size_t)off, "Connection: close\r\n\r\n%s", body ? body : "");
  peer.canned = canned;
  peer.hold = false;
  peer.requests = 0;
  peer.len = 0;
  peer.req[0] = '\0';
}

/* A request header's value in the captured request, or NULL. */
static const char *peer_header(const char *name) {
  static char val[512];
  size_t nl = strlen(name);
  char *end = strstr(peer.req, "\r\n\r\n");
  for (char *p = strstr(peer.req, "\r\n"); p && end && p < end; p = strstr(p + 2, "\r\n")) {
    char *line = p + 2;
    if (!strncasecmp(line, name, nl) && line[nl] == ':') {
      const char *v = line + nl + 1;
      while (*v == ' ') v++;
      size_t n = strcspn(v, "\r");
      snprintf(val, sizeof(val), "%.*s", (int)n, v);
      return val;
    }
  }
  return NULL;
}

static const char *peer_body(void) {
  char *end = strstr(peer.req, "\r\n\r\n");
  return end ? end + 4 : "";
}

/* ---------------------------------------------------------------- user client */

static kc_http_t *user_http;

typedef struct {
  bool done;
  int transport;
  long status;
  char *body;
  json_t *json;
  char location[256];
  bool has_location;
} uresp_t;

static void uresp_free(uresp_t *r) {
  free(r->body);
  json_decref(r->json);
  memset(r, 0, sizeof(*r));
}

static void on_user(kc_http_req_t *req, int status, void *arg) {
  uresp_t *r = arg;
  r->transport = status;
  r->status = kc_http_req_status(req);
  const kc_buf_t *b = kc_http_req_response(req);
  r->body = strdup(b && b->data ? b->data : "");
  r->json = json_loads(r->body, JSON_DECODE_ANY, NULL);
  const char *loc = kc_http_req_response_header(req, "Location");
  r->has_location = loc != NULL;
  snprintf(r->location, sizeof(r->location), "%s", loc ? loc : "");
  kc_http_req_destroy(req);
  r->done = true;
}

/* @p headers: NULL-terminated "Name", "value" pairs. */
static void user_call(const char *method, int port, const char *target, const char *body, const char *const *headers,
                      uresp_t *r) {
  memset(r, 0, sizeof(*r));
  char url[512];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, target);
  kc_http_req_t *req = kc_http_req_new(method, url);
  for (size_t i = 0; headers && headers[i]; i += 2) kc_http_req_add_header(req, headers[i], headers[i + 1]);
  if (body) kc_http_req_set_body(req, body, strlen(body));
  kc_http_req_set_timeouts(req, 5000, 5000);
  if (kc__http_submit(user_http, req, on_user, r)) {
    kc_http_req_destroy(req);
    r->done = true;
    r->transport = KC_EINVAL;
    return;
  }
  run_until(&r->done, 6000);
}

static const char *jstr(const json_t *o, const char *k) { return json_string_value(json_object_get(o, k)); }
static long long jint(const json_t *o, const char *k) { return json_integer_value(json_object_get(o, k)); }

/* ------------------------------------------------------------------------ tests */

static const char *const CT_JSON[] = {"Content-Type", "application/json", NULL};

/* A forwards a PUT config to B: the user gets B's answer, with 201 + Location as Connect's resource gives it. */
static void t_forward_to_leader(void) {
  reset_all();
  stub_forward_to(&herder_a, kc_rest_port(srv_b));
  herder_b.body_json = "{\"name\":\"c1\",\"config\":{\"name\":\"c1\",\"k\":\"v\"},\"tasks\":[],\"type\":\"source\"}";
  herder_b.created = true;
  uresp_t r;
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c1/config", "{\"k\": \"v\"}", CT_JSON, &r);
  CHECKF(r.status == 201, "status %ld body %s", r.status, r.body);
  CHECK(herder_a.calls == 1 && herder_b.calls == 1);
  CHECK(herder_b.op == KC_HERDER_PUT_CONFIG);
  CHECK_STR(herder_b.connector, "c1");
  CHECK_STR(herder_b.body_dump, "{\"k\":\"v\",\"name\":\"c1\"}");
  CHECK_STR(jstr(r.json, "name"), "c1");
  CHECK_STR(jstr(json_object_get(r.json, "config"), "k"), "v");
  CHECK(r.has_location);
  CHECK(r.location && strstr(r.location, "/connectors/c1") && !strcmp(strstr(r.location, "/connectors/"), "/connectors/c1"));
  uresp_free(&r);

  /* B updates (200): the same through A; B answers DELETE with 204 */
  herder_b.created = false;
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c1/config", "{\"k\": \"v\"}", CT_JSON, &r);
  CHECKF(r.status == 200 && !r.has_location, "status %ld", r.status);
  uresp_free(&r);
  herder_b.body_json = NULL;
  user_call("DELETE", kc_rest_port(srv_a), "/connectors/c1", NULL, NULL, &r);
  CHECKF(r.status == 204 && herder_b.op == KC_HERDER_DELETE, "status %ld", r.status);
  uresp_free(&r);
}

/* B, reached with forward=true, answers FORWARD again: it forwards to C with forward=false. */
static void t_two_hops(void) {
  reset_all();
  stub_forward_to(&herder_a, kc_rest_port(srv_b));
  stub_forward_to(&herder_b, kc_rest_port(srv_c));
  herder_c.body_json = "{\"name\":\"c2\",\"config\":{},\"tasks\":[],\"type\":\"sink\"}";
  uresp_t r;
  user_call("POST", kc_rest_port(srv_a), "/connectors", "{\"name\":\"c2\",\"config\":{}}", CT_JSON, &r);
  CHECKF(r.status == 201, "status %ld body %s", r.status, r.body);
  CHECK(herder_a.calls == 1 && herder_b.calls == 1 && herder_c.calls == 1);
  CHECK(herder_c.op == KC_HERDER_CREATE);
  CHECK_STR(jstr(r.json, "type"), "sink");
  CHECK(r.location && strstr(r.location, "/connectors/c2") && !strcmp(strstr(r.location, "/connectors/"), "/connectors/c2"));
  uresp_free(&r);

  /* C also answers FORWARD: C got forward=false, so it gives up with 409, and that comes back through B and A. */
  stub_forward_to(&herder_c, kc_rest_port(srv_a));
  herder_a.calls = herder_b.calls = herder_c.calls = 0;
  user_call("POST", kc_rest_port(srv_a), "/connectors", "{\"name\":\"c2\",\"config\":{}}", CT_JSON, &r);
  CHECKF(r.status == 409, "status %ld body %s", r.status, r.body);
  CHECK(jint(r.json, "error_code") == 409);
  CHECK_STR(jstr(r.json, "message"),
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
  CHECK(herder_a.calls == 1 && herder_b.calls == 1 && herder_c.calls == 1);
  uresp_free(&r);
}

/* What reaches the target: forward flag, restart flags, Authorization, Content-Type, exact body bytes. */
static void t_forwarded_request_bytes(void) {
  reset_all();
  stub_forward_to(&herder_a, peer.port);
  peer_respond(202, "application/json", "{\"name\":\"c3\",\"connector\":{},\"tasks\":[],\"x\":1}");
  const char *const auth[] = {"Authorization", "Basic dXNlcjpwYXNz", NULL};
  uresp_t r;
  user_call("POST", kc_rest_port(srv_a), "/connectors/c3/restart?includeTasks=TRUE&onlyFailed=false&other=1", NULL,
            auth, &r);
  CHECKF(r.status == 202, "status %ld body %s", r.status, r.body);
  CHECK(json_is_object(r.json) && jint(r.json, "x") == 1);
  CHECK(peer.requests == 1);
  CHECK_PREFIX(peer.req, "POST /connectors/c3/restart?forward=true&includeTasks=true&onlyFailed=false HTTP/1.1\r\n");
  CHECK_STR(peer_header("Authorization"), "Basic dXNlcjpwYXNz");
  CHECK_STR(peer_header("Accept"), "application/json");
  CHECK(peer_header("X-Connect-Authorization") == NULL);
  uresp_free(&r);

  /* a restart without flags: no flags forwarded, 204 from the target -> 204 */
  peer_respond(204, NULL, NULL);
  user_call("POST", kc_rest_port(srv_a), "/connectors/c3/restart", NULL, NULL, &r);
  CHECKF(r.status == 204, "status %ld", r.status);
  CHECK_PREFIX(peer.req, "POST /connectors/c3/restart?forward=true HTTP/1.1\r\n");
  CHECK(peer_header("Authorization") == NULL);
  uresp_free(&r);

  /* a request that already carries forward=true goes on with forward=false; the name is re-encoded */
  peer_respond(200, "application/json", "{}");
  const char *body = "{ \"a\" : 1,\n \"b\":\"x y\" }";
  user_call("PATCH", kc_rest_port(srv_a), "/connectors/a%2Fb%20c/config?forward=true", body, CT_JSON, &r);
  CHECKF(r.status == 200, "status %ld body %s", r.status, r.body);
  CHECK_STR(herder_a.connector, "a/b c");
  CHECK_PREFIX(peer.req, "PATCH /connectors/a%2Fb%20c/config?forward=false HTTP/1.1\r\n");
  CHECK_STR(peer_header("Content-Type"), "application/json");
  CHECK_STR(peer_body(), body);
  uresp_free(&r);

  /* task restart and stop paths */
  peer_respond(204, NULL, NULL);
  user_call("POST", kc_rest_port(srv_a), "/connectors/c3/tasks/+7/restart", NULL, NULL, &r);
  CHECKF(r.status == 204, "status %ld", r.status);
  CHECK_PREFIX(peer.req, "POST /connectors/c3/tasks/7/restart?forward=true HTTP/1.1\r\n");
  uresp_free(&r);
  peer_respond(204, NULL, NULL);
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c3/stop", NULL, NULL, &r);
  CHECKF(r.status == 204, "status %ld", r.status);
  CHECK_PREFIX(peer.req, "PUT /connectors/c3/stop?forward=true HTTP/1.1\r\n");
  uresp_free(&r);
}

static void t_conflicts(void) {
  reset_all();
  stub_forward_to(&herder_a, kc_rest_port(srv_b));
  uresp_t r;
  /* forward=false and FORWARD: two hops were not enough */
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c4/stop?forward=false", NULL, NULL, &r);
  CHECKF(r.status == 409, "status %ld", r.status);
  CHECK_STR(jstr(r.json, "message"),
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
  CHECK(herder_b.calls == 0);
  uresp_free(&r);
  /* forward=FALSE (any case) is false as well; a blank forward= is absent */
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c4/stop?forward=nope", NULL, NULL, &r);
  CHECK(r.status == 409 && herder_b.calls == 0);
  uresp_free(&r);
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c4/stop?forward=", NULL, NULL, &r);
  CHECKF(r.status == 204 && herder_b.calls == 1, "status %ld", r.status);
  uresp_free(&r);

  /* no known leader */
  herder_a.forward_null = true;
  user_call("DELETE", kc_rest_port(srv_a), "/connectors/c4", NULL, NULL, &r);
  CHECKF(r.status == 409, "status %ld", r.status);
  CHECK(jint(r.json, "error_code") == 409);
  CHECK_STR(jstr(r.json, "message"), "Cannot complete request momentarily due to no known leader URL, likely "
                                     "because a rebalance was underway.");
  uresp_free(&r);
  /* with forward=false the two-hop message wins, as in Connect */
  user_call("DELETE", kc_rest_port(srv_a), "/connectors/c4?forward=false", NULL, NULL, &r);
  CHECK_STR(jstr(r.json, "message"),
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
  uresp_free(&r);

  /* an endpoint Connect never forwards (a GET; pause writes its target state anywhere): 500, not forwarded */
  herder_a.forward_null = false;
  herder_b.calls = 0;
  user_call("GET", kc_rest_port(srv_a), "/connectors/c4", NULL, NULL, &r);
  CHECKF(r.status == 500 && herder_b.calls == 0, "status %ld", r.status);
  uresp_free(&r);
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c4/pause", NULL, NULL, &r);
  CHECKF(r.status == 500 && herder_b.calls == 0, "status %ld", r.status);
  uresp_free(&r);
}

static void t_target_down(void) {
  reset_all();
  /* a port nobody listens on: bind one, note it, close it */
  uv_tcp_t t;
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  uv_tcp_init(loop, &t);
  uv_tcp_bind(&t, (struct sockaddr *)&sa, 0);
  struct sockaddr_storage ss;
  int sl = sizeof(ss);
  uv_tcp_getsockname(&t, (struct sockaddr *)&ss, &sl);
  int dead = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  bool never = false;
  uv_close((uv_handle_t *)&t, NULL);
  run_until(&never, 20);
  stub_forward_to(&herder_a, dead);
  uresp_t r;
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c5/config", "{}", CT_JSON, &r);
  CHECKF(r.status == 500, "status %ld", r.status);
  CHECK(jint(r.json, "error_code") == 500);
  CHECK_PREFIX(jstr(r.json, "message"), "IO Error trying to forward REST request: ");
  CHECKF(jstr(r.json, "message") && strlen(jstr(r.json, "message")) > 42, "message %s", r.body);
  uresp_free(&r);
}

static void t_errors_pass_through(void) {
  reset_all();
  stub_forward_to(&herder_a, kc_rest_port(srv_b));
  herder_b.rc = KC_HERDER_R_NOT_FOUND;
  herder_b.message = "Connector c6 not found";
  uresp_t r;
  user_call("POST", kc_rest_port(srv_a), "/connectors/c6/tasks/0/restart", NULL, NULL, &r);
  CHECKF(r.status == 404, "status %ld", r.status);
  CHECK_STR(r.body, "{\"error_code\":404,\"message\":\"Connector c6 not found\"}");
  uresp_free(&r);

  /* a target's own error_code is kept next to its status */
  stub_forward_to(&herder_a, peer.port);
  peer_respond(409, "application/json", "{\"error_code\":40901,\"message\":\"rebalancing..\"}");
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c6/stop", NULL, NULL, &r);
  CHECKF(r.status == 409, "status %ld", r.status);
  CHECK(jint(r.json, "error_code") == 40901);
  CHECK_STR(jstr(r.json, "message"), "rebalancing..");
  uresp_free(&r);

  /* an error body RestClient cannot read as ErrorMessage: 500 IO Error (Jackson's IOException) */
  peer_respond(401, "text/plain", "User cannot access the resource.");
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c6/stop", NULL, NULL, &r);
  CHECKF(r.status == 500, "status %ld", r.status);
  CHECK_PREFIX(jstr(r.json, "message"), "IO Error trying to forward REST request: ");
  uresp_free(&r);

  /* neither 2xx nor an error */
  peer_respond(302, NULL, "");
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c6/stop", NULL, NULL, &r);
  CHECKF(r.status == 500, "status %ld", r.status);
  CHECK_STR(jstr(r.json, "message"), "Unexpected status code when handling forwarded request: 302");
  uresp_free(&r);

  /* a 2xx whose body is not JSON */
  peer_respond(200, NULL, "hello");
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c6/config", "{}", CT_JSON, &r);
  CHECKF(r.status == 500, "status %ld", r.status);
  CHECK_PREFIX(jstr(r.json, "message"), "IO Error trying to forward REST request: ");
  uresp_free(&r);
}

/* The internal POST tasks route: exact body bytes and signature headers reach the herder. */
static void t_internal_task_configs(void) {
  reset_all();
  herder_a.rc = KC_HERDER_R_OK;
  const char *body = "[ {\"task.class\":\"T\", \"n\": 5},\n{\"k\":null} ]";
  const char *const hs[] = {"Content-Type", "text/plain", "X-Connect-Authorization", " c2lnbmF0dXJl ",
                            "X-Connect-Request-Signature-Algorithm", "HmacSHA256", NULL};
  uresp_t r;
  user_call("POST", kc_rest_port(srv_a), "/connectors/c7/tasks", body, hs, &r);
  CHECKF(r.status == 204, "status %ld body %s", r.status, r.body);
  CHECK(herder_a.op == KC_HERDER_TASK_CONFIGS_PUT);
  CHECK_STR(herder_a.connector, "c7");
  CHECK(herder_a.has_raw && herder_a.raw_len == strlen(body));
  CHECK_STR(herder_a.raw, body);
  CHECK_STR(herder_a.sig, "c2lnbmF0dXJl");
  CHECK_STR(herder_a.alg, "HmacSHA256");
  CHECK_STR(herder_a.body_dump, "[{\"n\":\"5\",\"task.class\":\"T\"},{\"k\":null}]");
  uresp_free(&r);

  /* fence: no body, no parsing; headers absent -> NULL */
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c7/fence", NULL, NULL, &r);
  CHECKF(r.status == 204, "status %ld body %s", r.status, r.body);
  CHECK(herder_a.op == KC_HERDER_FENCE && !herder_a.has_sig && !herder_a.has_alg && !herder_a.has_raw);
  uresp_free(&r);

  /* not an array: 500 before the herder; an unknown Mac or bad base64: 400 before the herder */
  herder_a.calls = 0;
  user_call("POST", kc_rest_port(srv_a), "/connectors/c7/tasks", "{\"a\":\"b\"}", NULL, &r);
  CHECKF(r.status == 500 && herder_a.calls == 0, "status %ld", r.status);
  uresp_free(&r);
  const char *const bad_alg[] = {"X-Connect-Authorization", "AAAA", "X-Connect-Request-Signature-Algorithm",
                                 "HmacFOO", NULL};
  user_call("POST", kc_rest_port(srv_a), "/connectors/c7/tasks", "[]", bad_alg, &r);
  CHECKF(r.status == 400 && herder_a.calls == 0, "status %ld", r.status);
  CHECK_STR(jstr(r.json, "message"), "Algorithm HmacFOO not available");
  uresp_free(&r);
  const char *const bad_b64[] = {"X-Connect-Authorization", "abc-", "X-Connect-Request-Signature-Algorithm",
                                 "HmacSHA256", NULL};
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c7/fence", "", bad_b64, &r);
  CHECKF(r.status == 400 && herder_a.calls == 0, "status %ld", r.status);
  CHECK_STR(jstr(r.json, "message"), "Illegal base64 character 2d");
  uresp_free(&r);
}

/* A herder that checks signatures with kc_rest_signature_check: the codes of 1.9 over real requests. */
static void t_internal_signed(void) {
  reset_all();
  static const uint8_t key[] = "session-key-bytes-0123456789abcd";
  herder_a.key = key;
  herder_a.klen = sizeof(key) - 1;
  const char *body = "[{\"task.class\":\"T\"}]";
  char sig[KC_REST_SIGNATURE_B64_MAX];
  CHECK(kc_rest_signature_sign(key, sizeof(key) - 1, "HmacSHA256", body, strlen(body), sig, sizeof(sig)) == 0);
  const char *const good[] = {"X-Connect-Authorization", sig, "X-Connect-Request-Signature-Algorithm", "HmacSHA256",
                              NULL};
  uresp_t r;
  user_call("POST", kc_rest_port(srv_a), "/connectors/c8/tasks", body, good, &r);
  CHECKF(r.status == 204, "status %ld body %s", r.status, r.body);
  uresp_free(&r);
  /* one byte more in the body */
  user_call("POST", kc_rest_port(srv_a), "/connectors/c8/tasks", "[{\"task.class\":\"T\"} ]", good, &r);
  CHECKF(r.status == 403, "status %ld", r.status);
  CHECK_STR(jstr(r.json, "message"), "Internal request contained invalid signature.");
  uresp_free(&r);
  user_call("POST", kc_rest_port(srv_a), "/connectors/c8/tasks", body, NULL, &r);
  CHECKF(r.status == 400, "status %ld", r.status);
  CHECK_STR(jstr(r.json, "message"), "Internal request missing required signature");
  uresp_free(&r);
  const char *const sha1[] = {"X-Connect-Authorization", sig, "X-Connect-Request-Signature-Algorithm", "HmacSHA1",
                              NULL};
  user_call("POST", kc_rest_port(srv_a), "/connectors/c8/tasks", body, sha1, &r);
  CHECKF(r.status == 400, "status %ld", r.status);
  CHECK_PREFIX(jstr(r.json, "message"), "This worker does not support the 'HmacSHA1' key signing algorithm used by "
                                        "other workers. This worker is currently configured to use: [HmacSHA256, "
                                        "HmacSHA512].");
  uresp_free(&r);
  herder_a.key_missing = true;
  user_call("POST", kc_rest_port(srv_a), "/connectors/c8/tasks", body, good, &r);
  CHECKF(r.status == 503, "status %ld", r.status);
  uresp_free(&r);
}

/* Forwarded internal request: body bytes as received; the signature headers are not copied
 * (RestClient copies Authorization only). */
static void t_internal_forwarded(void) {
  reset_all();
  stub_forward_to(&herder_a, peer.port);
  peer_respond(204, NULL, NULL);
  const char *body = "[{\"a\" :\"1\"}]";
  const char *const hs[] = {"X-Connect-Authorization", "AAAA", "X-Connect-Request-Signature-Algorithm", "HmacSHA256",
                            NULL};
  uresp_t r;
  user_call("POST", kc_rest_port(srv_a), "/connectors/c9/tasks", body, hs, &r);
  CHECKF(r.status == 204, "status %ld body %s", r.status, r.body);
  CHECK_PREFIX(peer.req, "POST /connectors/c9/tasks?forward=true HTTP/1.1\r\n");
  CHECK_STR(peer_body(), body);
  CHECK_STR(peer_header("Content-Type"), "application/json");
  CHECK(peer_header("X-Connect-Authorization") == NULL);
  uresp_free(&r);
  peer_respond(204, NULL, NULL);
  user_call("PUT", kc_rest_port(srv_a), "/connectors/c9/fence?forward=true", NULL, NULL, &r);
  CHECKF(r.status == 204, "status %ld", r.status);
  CHECK_PREFIX(peer.req, "PUT /connectors/c9/fence?forward=false HTTP/1.1\r\n");
  uresp_free(&r);
}

/* kc_rest_client_request directly: what the distributed herder calls (follower -> leader). */
typedef struct {
  bool done;
  int status;
  char body[256];
  char err[256];
} cres_t;

static void on_client(void *arg, int status, const char *body, size_t len, const char *errmsg) {
  cres_t *c = arg;
  c->status = status;
  snprintf(c->body, sizeof(c->body), "%.*s", (int)len, body);
  snprintf(c->err, sizeof(c->err), "%s", errmsg);
  c->done = true;
}

static void t_client(void) {
  reset_all();
  herder_b.rc = KC_HERDER_R_NOT_FOUND;
  herder_b.message = "Connector x not found";
  char url[128];
  char base[64];
  snprintf(base, sizeof(base), "http://127.0.0.1:%d/", kc_rest_port(srv_b));
  kc_buf_t ub;
  kc_buf_init(&ub, 0);
  CHECK(kc_rest_client_url(&ub, base, (const char *const[]){"connectors", "x", "tasks", NULL}) == 0);
  snprintf(url, sizeof(url), "%s", ub.data);
  kc_buf_reset(&ub);
  CHECK(kc_rest_client_url(&ub, "https://h:1//", (const char *const[]){"connectors", "a/b c?%\xc3\xa9+:@", NULL}) == 0);
  CHECK_STR(ub.data, "https://h:1/connectors/a%2Fb%20c%3F%25%C3%A9+:@");
  kc_buf_free(&ub);
  const char *const hs[] = {"X-Connect-Authorization: QUJD", "X-Connect-Request-Signature-Algorithm: HmacSHA512",
                            "Content-Type: application/json", NULL};
  cres_t c = {0};
  kc_rest_client_req_t *h = NULL;
  CHECK(kc_rest_client_request(loop, "POST", url, "[]", 2, hs, 2000, on_client, &c, &h) == 0 && h);
  run_until(&c.done, 3000);
  CHECK(c.status == 404);
  CHECK_STR(c.body, "{\"error_code\":404,\"message\":\"Connector x not found\"}");
  CHECK_STR(herder_b.sig, "QUJD");
  CHECK_STR(herder_b.alg, "HmacSHA512");
  CHECK_STR(herder_b.raw, "[]");

  /* cancel while the peer holds the request */
  peer_respond(204, NULL, NULL);
  peer.hold = true;
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", peer.port);
  cres_t d = {0};
  CHECK(kc_rest_client_request(loop, "GET", url, NULL, 0, NULL, 0, on_client, &d, &h) == 0);
  bool never = false;
  for (int i = 0; i < 100 && peer.requests == 0; i++) run_until(&never, 20);
  CHECK(peer.requests == 1);
  kc_rest_client_cancel(h);
  run_until(&d.done, 2000);
  CHECK(d.done && d.status == KC_ETIMEDOUT);
  CHECK_STR(d.err, "cancelled");
  if (peer.conn) uv_close((uv_handle_t *)peer.conn, peer_conn_closed);
  peer.hold = false;

  CHECK(kc_rest_client_request(loop, "GET", "ftp://x/", NULL, 0, NULL, 0, on_client, &d, NULL) == KC_EINVAL);
  const char *const badh[] = {"NoColon", NULL};
  CHECK(kc_rest_client_request(loop, "GET", url, NULL, 0, badh, 0, on_client, &d, NULL) == KC_EINVAL);
}

/* Closing a server with a forward in flight: the forward is cancelled and the close completes. */
static bool a_closed;
static void on_a_closed(void *arg) { a_closed = true; }
static void on_a_closed_flag(void *arg) { *(bool *)arg = true; }

static void on_user_late(kc_http_req_t *req, int status, void *arg) {
  uresp_t *r = arg;
  r->transport = status;
  r->status = kc_http_req_status(req);
  kc_http_req_destroy(req);
  r->done = true;
}

static void t_close_with_forward_in_flight(void) {
  reset_all();
  stub_forward_to(&herder_a, peer.port);
  peer_respond(204, NULL, NULL);
  peer.hold = true;
  char url[128];
  snprintf(url, sizeof(url), "http://127.0.0.1:%d/connectors/c10/stop", kc_rest_port(srv_a));
  kc_http_req_t *req = kc_http_req_new("PUT", url);
  kc_http_req_set_timeouts(req, 5000, 5000);
  uresp_t r = {0};
  CHECK(kc__http_submit(user_http, req, on_user_late, &r) == 0);
  bool never = false;
  for (int i = 0; i < 100 && peer.requests == 0; i++) run_until(&never, 20);
  CHECK(peer.requests == 1);
  kc_rest_close(srv_a, on_a_closed, NULL);
  srv_a = NULL;
  run_until(&a_closed, 3000);
  CHECK(a_closed);
  run_until(&r.done, 3000);
  CHECK(r.done && r.status == 0 && r.transport != 0); /* the user's connection was closed without an answer */
  if (peer.conn) uv_close((uv_handle_t *)peer.conn, peer_conn_closed);
  peer.hold = false;
}

/* Herders answering on a later tick (both hops), and a second forward on a kept-alive connection. */
static void t_async_herders(void) {
  reset_all();
  herder_a.async = herder_b.async = herder_c.async = true;
  stub_forward_to(&herder_a, kc_rest_port(srv_b));
  stub_forward_to(&herder_b, kc_rest_port(srv_c));
  herder_c.body_json = "{\"message\":\"done\"}";
  uresp_t r;
  for (int i = 0; i < 3; i++) {
    user_call("PATCH", kc_rest_port(srv_a), "/connectors/c11/config", "{\"k\":null}", CT_JSON, &r);
    CHECKF(r.status == 200, "status %ld body %s", r.status, r.body);
    CHECK_STR(jstr(r.json, "message"), "done");
    uresp_free(&r);
  }
  CHECK(herder_a.calls == 3 && herder_b.calls == 3 && herder_c.calls == 3);
  CHECK_STR(herder_c.body_dump, "{\"k\":null}");
}

/* A target slower than the request timeout: 500 "Request timed out" at once; the late forward is dropped. */
static stub_t herder_d = {.base = {&stub_ops}, .name = "D"};

static void t_slow_target(void) {
  reset_all();
  stub_reset(&herder_d);
  char err[256];
  kc_worker_listener_t l = {.url = "http://test", .host = "127.0.0.1", .port = 0};
  kc_config_t *props = kc_config_new();
  kc_rest_options_t o = {.listeners = &l, .nlisteners = 1, .ssl_props = props, .limits = {.request_timeout_ms = 300}};
  kc_rest_t *srv_d = kc_rest_start(loop, (kc_herder_t *)&herder_d, &o, err, sizeof(err));
  kc_config_destroy(props);
  if (!CHECKF(srv_d != NULL, "%s", err)) return;
  stub_forward_to(&herder_d, peer.port);
  peer_respond(204, NULL, NULL);
  peer.hold = true;
  uresp_t r;
  uint64_t t0 = uv_now(loop);
  user_call("PUT", kc_rest_port(srv_d), "/connectors/c12/stop", NULL, NULL, &r);
  uint64_t took = uv_now(loop) - t0;
  CHECKF(r.status == 500 && took >= 250 && took < 3000, "status %ld after %llu ms", r.status,
         (unsigned long long)took);
  CHECK_STR(jstr(r.json, "message"), "Request timed out");
  CHECK(peer.requests == 1);
  uresp_free(&r);
  /* the forward's own deadline (the same 300 ms) ends it; then the server closes cleanly */
  bool never = false;
  run_until(&never, 400);
  bool closed = false;
  kc_rest_close(srv_d, on_a_closed_flag, &closed);
  run_until(&closed, 3000);
  CHECK(closed);
  if (peer.conn) uv_close((uv_handle_t *)peer.conn, peer_conn_closed);
  peer.hold = false;
  stub_reset(&herder_d);
}

/* ------------------------------------------------------------------------- main */

/* kc_rest_start (the real herder dispatch, kc_herder_submit) with empty worker properties: no auth. */
static kc_rest_t *start(stub_t *s, char *err, size_t errsize) {
  kc_worker_listener_t l = {.url = "http://test", .host = "127.0.0.1", .port = 0};
  kc_config_t *props = kc_config_new();
  kc_rest_options_t o = {.listeners = &l, .nlisteners = 1, .ssl_props = props, .limits = {.request_timeout_ms = 4000}};
  kc_rest_t *r = kc_rest_start(loop, (kc_herder_t *)s, &o, err, errsize);
  kc_config_destroy(props);
  return r;
}

static int closes;
static void on_closed(void *arg) { closes++; }
static void on_http_closed(void *arg) { closes++; }

int main(void) {
  loop = uv_default_loop();
  char err[256];
  srv_a = start(&herder_a, err, sizeof(err));
  srv_b = srv_a ? start(&herder_b, err, sizeof(err)) : NULL;
  srv_c = srv_b ? start(&herder_c, err, sizeof(err)) : NULL;
  user_http = kc_http_create(loop);
  if (!srv_c || !user_http || peer_start()) {
    fprintf(stderr, "cannot start: %s\n", err);
    kc_test_add(0, 1);
    return kc_test_done();
  }
  kc_test_run("forward_to_leader", t_forward_to_leader);
  kc_test_run("two_hops", t_two_hops);
  kc_test_run("forwarded_request_bytes", t_forwarded_request_bytes);
  kc_test_run("conflicts", t_conflicts);
  kc_test_run("target_down", t_target_down);
  kc_test_run("errors_pass_through", t_errors_pass_through);
  kc_test_run("internal_task_configs", t_internal_task_configs);
  kc_test_run("internal_signed", t_internal_signed);
  kc_test_run("internal_forwarded", t_internal_forwarded);
  kc_test_run("client", t_client);
  kc_test_run("async_herders", t_async_herders);
  kc_test_run("slow_target", t_slow_target);
  kc_test_run("close_with_forward_in_flight", t_close_with_forward_in_flight);

  kc_rest_close(srv_b, on_closed, NULL);
  kc_rest_close(srv_c, on_closed, NULL);
  kc_http_close(user_http, on_http_closed, NULL);
  uv_close((uv_handle_t *)&peer.server, NULL);
  uv_run(loop, UV_RUN_DEFAULT);
  CHECK(closes == 3);
  CHECK(uv_loop_close(loop) == 0);
  reset_all();
  return kc_test_done();
}
