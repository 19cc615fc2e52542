/*
 * The REST transport and router in isolation: a real server on 127.0.0.1:0 in
 * this process's uv loop, answered by a herder double (kc_rest_start_with),
 * and a client in a child process (this program with --client) that speaks
 * raw HTTP over blocking sockets, so that it can fragment, pipeline, stall and
 * half-close exactly as it likes while the loop runs undisturbed.
 *
 * The double echoes what the router submitted ({"op","connector","task",...})
 * so the client checks the request mapping end to end; connector names pick
 * the outcome ("notfound" -> NOT_FOUND, "slow" -> answered 300 ms later from a
 * uv_timer, "never" -> answered after the request timeout, ...).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "rest/rest.h"
#include "kc_test.h"

#define IDLE_MS 600
#define REQUEST_TIMEOUT_MS 1000
#define MAX_HEADER 2048
#define MAX_BODY 4096

/* ================================================================ client side */

static int port1, port2;

static bool streq(const char *a, const char *b) { return a && b && !strcmp(a, b); }

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

typedef struct {
  int fd;
  char buf[256 * 1024];
  size_t len;
} cli_t;

typedef struct {
  int status;
  char head[8192];
  char body[64 * 1024];
  size_t body_len;
  json_t *json;
} resp_t;

static cli_t *cli_open(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
  if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
    close(fd);
    return NULL;
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  struct timeval tv = {.tv_sec = 3};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  cli_t *c = calloc(1, sizeof(*c));
  c->fd = fd;
  return c;
}

static void cli_close(cli_t *c) {
  if (!c) return;
  close(c->fd);
  free(c);
}

static void cli_send(cli_t *c, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);
    if (n <= 0) return;
    data += n;
    len -= (size_t)n;
  }
}

static void cli_sends(cli_t *c, const char *s) { cli_send(c, s, strlen(s)); }

/* Writes in pieces of 1..7 bytes with a short pause, so every span is split. */
static void cli_send_fragmented(cli_t *c, const char *data, size_t len) {
  size_t i = 0;
  unsigned seed = 7;
  while (i < len) {
    seed = seed * 1103515245u + 12345u;
    size_t n = 1 + (seed >> 16) % 7;
    if (n > len - i) n = len - i;
    cli_send(c, data + i, n);
    i += n;
    usleep(300);
  }
}

/* @returns bytes read (>0), 0 on EOF, -1 on timeout/error. */
static ssize_t cli_fill(cli_t *c) {
  if (c->len == sizeof(c->buf)) return -1;
  ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
  if (n > 0) c->len += (size_t)n;
  return n < 0 ? -1 : n;
}

static const char *resp_header(const resp_t *r, const char *name) {
  static char val[1024];
  size_t nl = strlen(name);
  const char *p = strstr(r->head, "\r\n");
  while (p && p[2]) {
    p += 2;
    if (!strncasecmp(p, name, nl) && p[nl] == ':') {
      const char *v = p + nl + 1;
      while (*v == ' ') v++;
      size_t n = strcspn(v, "\r");
      if (n >= sizeof(val)) n = sizeof(val) - 1;
      memcpy(val, v, n);
      val[n] = '\0';
      return val;
    }
    p = strstr(p, "\r\n");
  }
  return NULL;
}

static void resp_clear(resp_t *r) {
  json_decref(r->json);
  memset(r, 0, offsetof(resp_t, body));
  r->body_len = 0;
  r->body[0] = '\0';
  r->json = NULL;
}

static bool g_head_request; /* the response to read answers a HEAD: no body follows */

/* Reads one response (a 100 Continue counts as one). @returns 0 or -1. */
static int cli_read(cli_t *c, resp_t *r) {
  resp_clear(r);
  char *end;
  while (!(end = memmem(c->buf, c->len, "\r\n\r\n", 4))) {
    if (cli_fill(c) <= 0) return -1;
  }
  size_t hlen = (size_t)(end - c->buf) + 4;
  if (hlen >= sizeof(r->head)) return -1;
  memcpy(r->head, c->buf, hlen);
  r->head[hlen] = '\0';
  if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1) return -1;
  const char *cl = resp_header(r, "Content-Length");
  size_t blen = cl && !g_head_request ? strtoul(cl, NULL, 10) : 0;
  if (blen >= sizeof(r->body)) return -1;
  while (c->len < hlen + blen) {
    if (cli_fill(c) <= 0) return -1;
  }
  memcpy(r->body, c->buf + hlen, blen);
  r->body[blen] = '\0';
  r->body_len = blen;
  memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
  c->len -= hlen + blen;
  if (blen) r->json = json_loadb(r->body, blen, JSON_DECODE_ANY, NULL);
  return 0;
}

/* @returns 1 when the server closed within @p ms, 0 on timeout, -1 if more data came. */
static int cli_wait_closed(cli_t *c, int ms) {
  if (c->len) return -1;
  struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
  if (poll(&pfd, 1, ms) <= 0) return 0;
  char b[256];
  ssize_t n = recv(c->fd, b, sizeof(b), 0);
  if (n == 0 || (n < 0 && errno == ECONNRESET)) return 1;
  return n > 0 ? -1 : 0;
}

/* One request on a fresh connection. */
static int request(int port, const char *raw, resp_t *r) {
  cli_t *c = cli_open(port);
  if (!c) return -1;
  cli_sends(c, raw);
  int rc = cli_read(c, r);
  cli_close(c);
  return rc;
}

static int request_json(const char *method, const char *path, const char *body, resp_t *r) {
  char raw[8192];
  if (body) {
    snprintf(raw, sizeof(raw),
             "%s %s HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
             method, path, strlen(body), body);
  } else {
    snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\nHost: t\r\n\r\n", method, path);
  }
  g_head_request = streq(method, "HEAD");
  int rc = request(port1, raw, r);
  g_head_request = false;
  return rc;
}

static const char *jstr(const json_t *j, const char *key) { return json_string_value(json_object_get(j, key)); }
static bool jbool(const json_t *j, const char *key) { return json_is_true(json_object_get(j, key)); }
static const char *echo_op(const resp_t *r) { return jstr(r->json, "op"); }

static bool is_error_body(const resp_t *r, int code, const char *msg_part) {
  const char *ct = resp_header(r, "Content-Type");
  if (!ct || strcmp(ct, "application/json")) return false;
  if (json_integer_value(json_object_get(r->json, "error_code")) != code) return false;
  const char *m = jstr(r->json, "message");
  return m && (!msg_part || strstr(m, msg_part));
}

static resp_t R; /* the response under test (large; kept off the stack) */

static void t_root_and_headers(void) {
  CHECK(request_json("GET", "/", NULL, &R) == 0);
  CHECK(R.status == 200);
  CHECK(echo_op(&R) && streq(echo_op(&R), "SERVER_INFO"));
  CHECK(resp_header(&R, "Date") != NULL);
  const char *ct = resp_header(&R, "Content-Type");
  CHECK(ct && streq(ct, "application/json"));
  /* compact JSON as Jackson writes it */
  CHECK(strstr(R.body, "\"op\":\"SERVER_INFO\"") != NULL);
}

static void t_not_found_body(void) {
  CHECK(request_json("GET", "/nope", NULL, &R) == 0);
  CHECK(R.status == 404);
  CHECK(streq(R.body, "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}"));
  CHECK(request_json("GET", "/connectors/a/b/c/d/e/f/g/h/i", NULL, &R) == 0 && R.status == 404);
  CHECK(request_json("GET", "/connectors/a/nope", NULL, &R) == 0 && R.status == 404);
  /* the herder's own 404 keeps its message */
  CHECK(request_json("GET", "/connectors/notfound", NULL, &R) == 0 && R.status == 404);
  CHECK(is_error_body(&R, 404, "Connector notfound not found"));
}

static void t_method_not_allowed(void) {
  CHECK(request_json("DELETE", "/connectors", NULL, &R) == 0);
  CHECK(R.status == 405);
  CHECK(is_error_body(&R, 405, "HTTP 405 Method Not Allowed"));
  CHECK(!resp_header(&R, "Allow")); /* Connect 4.x (Jersey 3) sends none with a 405 */
  CHECK(request_json("POST", "/connectors/a/pause", NULL, &R) == 0 && R.status == 405);
  /* the method is checked before the task id: 405, not 404 */
  CHECK(request_json("PUT", "/connectors/a/tasks/x/status", NULL, &R) == 0 && R.status == 405);
  CHECK(request_json("HEAD", "/", NULL, &R) == 0 && R.status == 200 && R.body_len == 0);
  CHECK(resp_header(&R, "Content-Length") && atoi(resp_header(&R, "Content-Length")) > 0);
}

static void t_fragmented(void) {
  const char body[] = "{\"name\":\"frag\",\"config\":{\"connector.class\":\"FileStreamSink\",\"tasks.max\":3,"
                      "\"topics\":\"t1\",\"x\":true}}";
  char raw[1024];
  snprintf(raw, sizeof(raw),
           "POST /connectors HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
           "X-Long-Header: abcdefghijklmnopqrstuvwxyz0123456789\r\nContent-Length: %zu\r\n\r\n%s",
           strlen(body), body);
  cli_t *c = cli_open(port1);
  cli_send_fragmented(c, raw, strlen(raw));
  CHECK(cli_read(c, &R) == 0);
  CHECK(R.status == 201);
  const char *loc = resp_header(&R, "Location");
  CHECK(loc && strstr(loc, "http://") == loc && strstr(loc, "/connectors/frag") &&
        streq(strstr(loc, "/connectors/"), "/connectors/frag")); /* absolute, as 4.x */
  json_t *b = json_object_get(R.json, "body");
  json_t *cfg = json_object_get(b, "config");
  CHECK(jstr(b, "name") && streq(jstr(b, "name"), "frag"));
  CHECK(jstr(cfg, "tasks.max") && streq(jstr(cfg, "tasks.max"), "3"));
  CHECK(jstr(cfg, "x") && streq(jstr(cfg, "x"), "true"));
  CHECK(jstr(cfg, "name") && streq(jstr(cfg, "name"), "frag")); /* filled in from the name */
  /* a second fragmented request on the same connection */
  const char get[] = "GET /connectors/frag%20x/status HTTP/1.1\r\nHost: localhost\r\n\r\n";
  cli_send_fragmented(c, get, strlen(get));
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(jstr(R.json, "connector") && streq(jstr(R.json, "connector"), "frag x"));
  cli_close(c);
}

static void t_pipelined(void) {
  cli_t *c = cli_open(port1);
  /* the first is answered 300 ms late: the others must still come after it */
  cli_sends(c, "GET /connectors/slow HTTP/1.1\r\nHost: a\r\n\r\n"
               "GET /connectors/p2/status HTTP/1.1\r\nHost: a\r\n\r\n"
               "PUT /connectors/p3/config HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
               "Content-Length: 11\r\n\r\n{\"k\":\"v\"}  ");
  const char *want[] = {"slow", "p2", "p3"};
  for (int i = 0; i < 3; i++) {
    CHECK(cli_read(c, &R) == 0);
    CHECK(R.status == 200);
    CHECK(jstr(R.json, "connector") && streq(jstr(R.json, "connector"), want[i]));
  }
  CHECK(streq(echo_op(&R), "PUT_CONFIG"));
  CHECK(streq(jstr(json_object_get(R.json, "body"), "k"), "v"));
  cli_close(c);
}

static void t_keep_alive(void) {
  cli_t *c = cli_open(port1);
  for (int i = 0; i < 5; i++) {
    cli_sends(c, "GET /connectors/ka/tasks HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(cli_read(c, &R) == 0 && R.status == 200);
    CHECK(streq(echo_op(&R), "TASKS"));
    CHECK(resp_header(&R, "Connection") == NULL);
  }
  CHECK(cli_wait_closed(c, 100) == 0); /* still open */
  cli_close(c);
}

static void t_connection_close(void) {
  cli_t *c = cli_open(port1);
  cli_sends(c, "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
               "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(resp_header(&R, "Connection") && !strcasecmp(resp_header(&R, "Connection"), "close"));
  CHECK(cli_wait_closed(c, 1000) == 1); /* the second request is never answered */
  cli_close(c);
}

static void t_http10(void) {
  cli_t *c = cli_open(port1);
  cli_sends(c, "GET /connectors HTTP/1.0\r\n\r\n");
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(cli_wait_closed(c, 1000) == 1);
  cli_close(c);
  c = cli_open(port1);
  cli_sends(c, "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(resp_header(&R, "Connection") && !strcasecmp(resp_header(&R, "Connection"), "keep-alive"));
  cli_sends(c, "GET / HTTP/1.0\r\n\r\n");
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(cli_wait_closed(c, 1000) == 1);
  cli_close(c);
}

static void t_expect_continue(void) {
  const char body[] = "{\"connector.class\":\"FileStreamSink\",\"topics\":\"t\"}";
  char head[512];
  snprintf(head, sizeof(head),
           "PUT /connector-plugins/FileStreamSink/config/validate HTTP/1.1\r\nHost: a\r\n"
           "Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %zu\r\n\r\n",
           strlen(body));
  cli_t *c = cli_open(port1);
  double t0 = now_ms();
  cli_sends(c, head);
  CHECK(cli_read(c, &R) == 0 && R.status == 100);
  CHECK(now_ms() - t0 < 500);
  cli_sends(c, body);
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(streq(echo_op(&R), "VALIDATE"));
  CHECK(jstr(R.json, "plugin") && streq(jstr(R.json, "plugin"), "FileStreamSink"));
  CHECK(streq(jstr(json_object_get(R.json, "body"), "topics"), "t"));
  /* too large: refused with 413 instead of 100 Continue */
  snprintf(head, sizeof(head),
           "PUT /connectors/x/config HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
           "Expect: 100-continue\r\nContent-Length: %d\r\n\r\n", MAX_BODY * 2);
  cli_sends(c, head);
  CHECK(cli_read(c, &R) == 0 && R.status == 413);
  cli_close(c);
}

static void t_chunked(void) {
  cli_t *c = cli_open(port1);
  cli_sends(c, "PATCH /connectors/ch/config HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n"
               "5\r\n{\"a\":\r\n"
               "b\r\n\"1\",\"gone\":\r\n"
               "5\r\nnull}\r\n"
               "0\r\n\r\n");
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(streq(echo_op(&R), "PATCH_CONFIG"));
  json_t *b = json_object_get(R.json, "body");
  CHECK(b && streq(jstr(b, "a"), "1"));
  CHECK(json_is_null(json_object_get(b, "gone"))); /* null kept: PATCH removes it */
  cli_close(c);
}

static void t_header_limit(void) {
  char raw[MAX_HEADER * 3];
  int n = snprintf(raw, sizeof(raw), "GET / HTTP/1.1\r\nHost: a\r\nX-Big: ");
  memset(raw + n, 'x', MAX_HEADER);
  strcpy(raw + n + MAX_HEADER, "\r\n\r\n");
  cli_t *c = cli_open(port1);
  cli_sends(c, raw);
  CHECK(cli_read(c, &R) == 0 && R.status == 431);
  CHECK(is_error_body(&R, 431, NULL));
  CHECK(cli_wait_closed(c, 2500) == 1);
  cli_close(c);
  /* a long URL alone is 414 */
  n = snprintf(raw, sizeof(raw), "GET /connectors/");
  memset(raw + n, 'u', MAX_HEADER);
  strcpy(raw + n + MAX_HEADER, " HTTP/1.1\r\n\r\n");
  CHECK(request(port1, raw, &R) == 0 && R.status == 414);
}

static void t_body_limit(void) {
  char raw[MAX_BODY * 2 + 512];
  int n = snprintf(raw, sizeof(raw), "POST /connectors HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
                   "Content-Length: %d\r\n\r\n", MAX_BODY + 1);
  memset(raw + n, ' ', MAX_BODY + 1);
  raw[n + MAX_BODY + 1] = '\0';
  cli_t *c = cli_open(port1);
  cli_sends(c, raw);
  CHECK(cli_read(c, &R) == 0 && R.status == 413);
  CHECK(is_error_body(&R, 413, "exceeds"));
  CHECK(cli_wait_closed(c, 2500) == 1);
  cli_close(c);
  /* chunked: no length up front, refused once the chunks pass the limit */
  c = cli_open(port1);
  cli_sends(c, "POST /connectors HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n");
  char chunk[1100];
  memset(chunk, ' ', sizeof(chunk));
  int sent = 0;
  for (int i = 0; i < 6; i++) {
    char hdr[16];
    snprintf(hdr, sizeof(hdr), "%zx\r\n", sizeof(chunk));
    cli_sends(c, hdr);
    cli_send(c, chunk, sizeof(chunk));
    cli_sends(c, "\r\n");
    sent += (int)sizeof(chunk);
  }
  CHECK(sent > MAX_BODY);
  CHECK(cli_read(c, &R) == 0 && R.status == 413);
  cli_close(c);
}

static void t_slow_client_408(void) {
  cli_t *c = cli_open(port1);
  double t0 = now_ms();
  cli_sends(c, "GET / HTTP/1.1\r\nHo");
  CHECK(cli_read(c, &R) == 0 && R.status == 408);
  double waited = now_ms() - t0;
  CHECK(waited >= IDLE_MS - 50 && waited < IDLE_MS + 1500);
  CHECK(is_error_body(&R, 408, NULL));
  CHECK(cli_wait_closed(c, 2500) == 1);
  cli_close(c);
  /* progress resets the timer: 5 pieces 200 ms apart take longer than the timeout */
  c = cli_open(port1);
  const char *parts[] = {"GET /conn", "ectors HT", "TP/1.1\r\n", "Host: a\r\n", "\r\n"};
  t0 = now_ms();
  for (int i = 0; i < 5; i++) {
    cli_sends(c, parts[i]);
    usleep(200 * 1000);
  }
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(now_ms() - t0 > IDLE_MS);
  cli_close(c);
  /* a connection that never sends anything gets 408 too */
  c = cli_open(port1);
  CHECK(cli_read(c, &R) == 0 && R.status == 408);
  cli_close(c);
}

static void t_garbage_400(void) {
  cli_t *c = cli_open(port1);
  cli_sends(c, "BL\x01H / HTTP/1.1\r\n\r\n");
  CHECK(cli_read(c, &R) == 0 && R.status == 400);
  CHECK(is_error_body(&R, 400, "Bad HTTP request"));
  CHECK(cli_wait_closed(c, 2500) == 1);
  cli_close(c);
  CHECK(request(port1, "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n", &R) == 0 && R.status == 400);
  CHECK(request(port1, "GET /connectors/%zz HTTP/1.1\r\n\r\n", &R) == 0 && R.status == 400);
  CHECK(request(port1, "GET /connectors/a%00b HTTP/1.1\r\n\r\n", &R) == 0 && R.status == 400);
  /* and the server is fine afterwards */
  CHECK(request_json("GET", "/", NULL, &R) == 0 && R.status == 200);
}

static void t_half_open(void) {
  /* half a request, then FIN: closed at once, not after the idle timeout */
  cli_t *c = cli_open(port1);
  cli_sends(c, "GET /connectors HTTP/1.1\r\nHos");
  shutdown(c->fd, SHUT_WR);
  double t0 = now_ms();
  CHECK(cli_wait_closed(c, 2000) == 1);
  CHECK(now_ms() - t0 < IDLE_MS);
  cli_close(c);
  /* a whole request, then FIN: answered, then closed */
  c = cli_open(port1);
  cli_sends(c, "GET /connectors/slow HTTP/1.1\r\nHost: a\r\n\r\n");
  shutdown(c->fd, SHUT_WR);
  CHECK(cli_read(c, &R) == 0 && R.status == 200);
  CHECK(cli_wait_closed(c, 2000) == 1);
  cli_close(c);
}

static void t_malformed_json(void) {
  CHECK(request_json("POST", "/connectors", "{\"name\": \"x\", \"config\": {", &R) == 0);
  CHECK(R.status == 500 && is_error_body(&R, 500, "Malformed JSON"));
  CHECK(request_json("PUT", "/connectors/x/config", "{'a':'b'}", &R) == 0);
  CHECK(R.status == 500 && is_error_body(&R, 500, "line 1, column"));
  CHECK(request_json("PUT", "/connectors/x/config", "{\"a\":\"b\"} trailing", &R) == 0 && R.status == 500);
  CHECK(request_json("POST", "/connectors", "", &R) == 0 && R.status == 500);
  CHECK(is_error_body(&R, 500, "empty"));
  CHECK(request(port1, "POST /connectors HTTP/1.1\r\nContent-Length: 4\r\n\r\n\xff\xfe{}", &R) == 0);
  CHECK(R.status == 500);
}

static void t_wrong_types(void) {
  CHECK(request_json("POST", "/connectors", "[1,2]", &R) == 0 && R.status == 500);
  CHECK(is_error_body(&R, 500, "from Array value"));
  CHECK(request_json("PUT", "/connectors/x/config", "{\"topics\":{\"a\":1}}", &R) == 0 && R.status == 500);
  CHECK(is_error_body(&R, 500, "\"topics\""));
  CHECK(request_json("PUT", "/connectors/x/config", "\"str\"", &R) == 0 && R.status == 500);
  CHECK(request_json("POST", "/connectors", "{\"name\":\"a\",\"config\":{},\"bogus\":1}", &R) == 0);
  CHECK(R.status == 500 && is_error_body(&R, 500, "Unrecognized field \"bogus\""));
  CHECK(request_json("POST", "/connectors", "{\"name\":\"a\"}", &R) == 0 && R.status == 500);
  CHECK(is_error_body(&R, 500, "config"));
  CHECK(request_json("POST", "/connectors", "{\"name\":\"a\",\"config\":{},\"initial_state\":\"nap\"}", &R) == 0);
  /* Jackson puts the source location between the constant and the reference chain */
  CHECK(R.status == 500 && is_error_body(&R, 500, "InitialState.NAP\n at [Source: "));
  CHECK(is_error_body(&R, 500, "(through reference chain: org.apache.kafka.connect.runtime.rest.entities."
                               "CreateConnectorRequest[\"initial_state\"])"));
  /* coercions Jackson makes: numbers and booleans to strings, a trimmed name, state upper-cased */
  CHECK(request_json("POST", "/connectors",
                     "{\"name\":\"  sp \",\"config\":{\"n\":5,\"f\":1.5,\"b\":false,\"z\":null},"
                     "\"initial_state\":\"paused\"}", &R) == 0);
  CHECK(R.status == 201);
  json_t *b = json_object_get(R.json, "body");
  json_t *cfg = json_object_get(b, "config");
  CHECK(streq(jstr(b, "name"), "sp"));
  CHECK(streq(jstr(b, "initial_state"), "PAUSED"));
  CHECK(streq(jstr(cfg, "n"), "5") && streq(jstr(cfg, "f"), "1.5") && streq(jstr(cfg, "b"), "false"));
  CHECK(json_is_null(json_object_get(cfg, "z")));
  /* name mismatch between the URL (or top-level name) and the config */
  CHECK(request_json("PUT", "/connectors/x/config", "{\"name\":\"y\"}", &R) == 0 && R.status == 400);
  CHECK(is_error_body(&R, 400, "Connector name configuration (y) doesn't match connector name in the URL (x)"));
  CHECK(request_json("POST", "/connectors", "{\"name\":\"a\",\"config\":{\"name\":\"b\"}}", &R) == 0);
  CHECK(R.status == 400);
}

static void t_async_other_conn(void) {
  cli_t *a = cli_open(port1), *b = cli_open(port1);
  double t0 = now_ms();
  cli_sends(a, "GET /connectors/slow/status HTTP/1.1\r\nHost: a\r\n\r\n");
  usleep(20 * 1000);
  cli_sends(b, "GET /connectors/fast/status HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(cli_read(b, &R) == 0 && R.status == 200);
  CHECK(now_ms() - t0 < 250); /* served while the slow one waits on its timer */
  CHECK(streq(jstr(R.json, "connector"), "fast"));
  CHECK(cli_read(a, &R) == 0 && R.status == 200);
  CHECK(now_ms() - t0 >= 290);
  CHECK(streq(jstr(R.json, "connector"), "slow"));
  cli_close(a);
  cli_close(b);
}

static void t_status_codes(void) {
  CHECK(request_json("PUT", "/connectors/c1/pause", NULL, &R) == 0 && R.status == 202 && R.body_len == 0);
  CHECK(request_json("PUT", "/connectors/c1/resume", NULL, &R) == 0 && R.status == 202 && R.body_len == 0);
  CHECK(request_json("PUT", "/connectors/c1/stop", NULL, &R) == 0 && R.status == 204);
  CHECK(resp_header(&R, "Content-Length") == NULL);
  CHECK(request_json("DELETE", "/connectors/c1", NULL, &R) == 0 && R.status == 204);
  CHECK(request_json("POST", "/connectors/c1/restart", NULL, &R) == 0 && R.status == 204);
  CHECK(request_json("POST", "/connectors/c1/restart?includeTasks=true", NULL, &R) == 0 && R.status == 202);
  CHECK(jbool(R.json, "include_tasks") && !jbool(R.json, "only_failed"));
  CHECK(request_json("POST", "/connectors/c1/restart?onlyFailed=TRUE&includeTasks=yes", NULL, &R) == 0);
  CHECK(R.status == 202 && jbool(R.json, "only_failed") && !jbool(R.json, "include_tasks"));
  CHECK(request_json("POST", "/connectors/c1/tasks/2/restart", NULL, &R) == 0 && R.status == 204);
  CHECK(request_json("GET", "/connectors/c1/tasks/-3/status", NULL, &R) == 0 && R.status == 200);
  CHECK(json_integer_value(json_object_get(R.json, "task")) == -3);
  CHECK(request_json("GET", "/connectors/c1/tasks/abc/status", NULL, &R) == 0 && R.status == 404);
  CHECK(request_json("GET", "/connectors/c1/tasks/99999999999/status", NULL, &R) == 0 && R.status == 404);
  CHECK(request_json("GET", "/connectors/c1/tasks", NULL, &R) == 0 && streq(echo_op(&R), "TASKS"));
  CHECK(request_json("GET", "/connectors/c1/offsets", NULL, &R) == 0 && streq(echo_op(&R), "OFFSETS"));
  CHECK(request_json("GET", "/connectors/c1/config", NULL, &R) == 0 && streq(echo_op(&R), "GET_CONFIG"));
  CHECK(request_json("PUT", "/connectors/new/config", "{\"k\":\"v\"}", &R) == 0 && R.status == 201);
  CHECK(resp_header(&R, "Location") && strstr(resp_header(&R, "Location"), "http://") == resp_header(&R, "Location") &&
        streq(strstr(resp_header(&R, "Location"), "/connectors/"), "/connectors/new"));
  CHECK(request_json("PUT", "/connectors/old/config", "{\"k\":\"v\"}", &R) == 0 && R.status == 200);
  CHECK(resp_header(&R, "Location") == NULL);
  CHECK(request_json("POST", "/connectors", "{\"name\":\"a b/c\\u00e9\",\"config\":{}}", &R) == 0);
  CHECK(R.status == 201 && resp_header(&R, "Location") &&
        streq(strstr(resp_header(&R, "Location"), "/connectors/"), "/connectors/a%20b/c%C3%A9"));
  CHECK(request_json("GET", "/connectors/conflict", NULL, &R) == 0 && R.status == 409);
  CHECK(is_error_body(&R, 409, NULL));
  CHECK(request_json("GET", "/connectors/bad", NULL, &R) == 0 && R.status == 400);
  CHECK(request_json("GET", "/connectors/boom", NULL, &R) == 0 && R.status == 500);
  CHECK(is_error_body(&R, 500, "HTTP 500 Internal Server Error"));
  CHECK(request_json("GET", "/connectors/empty", NULL, &R) == 0 && R.status == 204); /* null entity */
}

static void t_paths_and_query(void) {
  /* the double lists ["a","b"] when nothing is expanded */
  CHECK(request_json("GET", "/connectors/", NULL, &R) == 0 && R.status == 200);
  CHECK(streq(R.body, "[\"a\",\"b\"]"));
  /* any expand parameter makes an object, even one with only unknown values (Connect's containsKey) */
  CHECK(request_json("GET", "/connectors?expand=bogus", NULL, &R) == 0 && R.status == 200);
  CHECK(streq(R.body, "{\"a\":{},\"b\":{}}"));
  CHECK(request_json("GET", "/connectors?expand=status&expand=info&expand=bogus", NULL, &R) == 0);
  CHECK(jbool(R.json, "expand_status") && jbool(R.json, "expand_info"));
  CHECK(request_json("GET", "/connectors?expand=info", NULL, &R) == 0);
  CHECK(!jbool(R.json, "expand_status") && jbool(R.json, "expand_info"));
  CHECK(request_json("GET", "/connectors/a%2Fb/config/", NULL, &R) == 0 && R.status == 200);
  CHECK(streq(jstr(R.json, "connector"), "a/b"));
  CHECK(request_json("GET", "/connectors/a+b", NULL, &R) == 0 && streq(jstr(R.json, "connector"), "a+b"));
  CHECK(request_json("GET", "/connector-plugins", NULL, &R) == 0 && jbool(R.json, "connectors_only"));
  CHECK(request_json("GET", "/connector-plugins/?connectorsOnly=false", NULL, &R) == 0);
  CHECK(streq(echo_op(&R), "PLUGINS") && !jbool(R.json, "connectors_only"));
  CHECK(request_json("GET", "/connector-plugins/org.apache.kafka.connect.file.FileStreamSinkConnector/config",
                     NULL, &R) == 0);
  CHECK(streq(echo_op(&R), "PLUGIN_CONFIG"));
  CHECK(streq(jstr(R.json, "plugin"), "org.apache.kafka.connect.file.FileStreamSinkConnector"));
  CHECK(request(port1, "GET http://localhost:8083/connectors/abs/status HTTP/1.1\r\n\r\n", &R) == 0);
  CHECK(R.status == 200 && streq(jstr(R.json, "connector"), "abs"));
  CHECK(request_json("GET", "//connectors", NULL, &R) == 0 && R.status == 404);
  CHECK(request_json("GET", "/connectors//status", NULL, &R) == 0 && R.status == 404);
  CHECK(is_error_body(&R, 404, "HTTP 404 Not Found"));
}

static void t_health(void) {
  /* the double answers ok, then starting (503), then unhealthy (500), each with its body */
  CHECK(request_json("GET", "/health", NULL, &R) == 0 && R.status == 200);
  CHECK(streq(jstr(R.json, "status"), "healthy"));
  CHECK(request_json("GET", "/health", NULL, &R) == 0 && R.status == 503);
  CHECK(streq(jstr(R.json, "status"), "starting") && jstr(R.json, "message"));
  CHECK(request_json("GET", "/health", NULL, &R) == 0 && R.status == 500);
  CHECK(streq(jstr(R.json, "status"), "unhealthy"));
}

static void t_request_timeout(void) {
  cli_t *c = cli_open(port1);
  double t0 = now_ms();
  cli_sends(c, "GET /connectors/never HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(cli_read(c, &R) == 0 && R.status == 500);
  CHECK(is_error_body(&R, 500, "Request timed out"));
  double waited = now_ms() - t0;
  CHECK(waited >= REQUEST_TIMEOUT_MS - 50 && waited < REQUEST_TIMEOUT_MS + 400);
  /* the connection is still usable, and the late answer (at 1500 ms) is dropped */
  cli_sends(c, "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  CHECK(cli_read(c, &R) == 0 && R.status == 200 && streq(echo_op(&R), "SERVER_INFO"));
  for (int i = 0; i < 3; i++) { /* idle gaps shorter than the idle timeout, past 1500 ms in total */
    usleep(300 * 1000);
    cli_sends(c, "GET /connectors/to/config HTTP/1.1\r\nHost: a\r\n\r\n");
    CHECK(cli_read(c, &R) == 0 && R.status == 200 && streq(echo_op(&R), "GET_CONFIG"));
  }
  CHECK(now_ms() - t0 > 1600);
  cli_close(c);
}

static void t_unsupported_media(void) {
  char raw[512];
  snprintf(raw, sizeof(raw), "POST /connectors HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\n"
           "Content-Length: 2\r\n\r\n{}");
  CHECK(request(port1, raw, &R) == 0 && R.status == 415);
  CHECK(is_error_body(&R, 415, "HTTP 415 Unsupported Media Type"));
  snprintf(raw, sizeof(raw), "PUT /connectors/cs/config HTTP/1.1\r\nContent-Type: Application/JSON; charset=UTF-8\r\n"
           "Content-Length: 9\r\n\r\n{\"a\":\"b\"}");
  CHECK(request(port1, raw, &R) == 0 && R.status == 200);
  /* no Content-Type at all is accepted */
  snprintf(raw, sizeof(raw), "PUT /connectors/cs/config HTTP/1.1\r\nContent-Length: 9\r\n\r\n{\"a\":\"b\"}");
  CHECK(request(port1, raw, &R) == 0 && R.status == 200);
}

static void t_client_gone_while_waiting(void) {
  for (int i = 0; i < 5; i++) {
    cli_t *c = cli_open(port1);
    cli_sends(c, "GET /connectors/slow HTTP/1.1\r\nHost: a\r\n\r\n");
    cli_close(c);
  }
  usleep(400 * 1000); /* the late answers arrive for connections already gone */
  CHECK(request_json("GET", "/", NULL, &R) == 0 && R.status == 200);
}

static void t_max_connections(void) {
  cli_t *a = cli_open(port2), *b = cli_open(port2);
  usleep(50 * 1000);
  cli_t *c = cli_open(port2);
  CHECK(a && b && c);
  CHECK(cli_wait_closed(c, 1000) == 1); /* the third is closed at once */
  cli_sends(a, "GET / HTTP/1.1\r\n\r\n");
  CHECK(cli_read(a, &R) == 0 && R.status == 200);
  cli_close(a);
  cli_close(b);
  cli_close(c);
  usleep(50 * 1000);
  CHECK(request(port2, "GET / HTTP/1.1\r\n\r\n", &R) == 0 && R.status == 200);
}

static void t_leave_pending(void) {
  /* Left open with a herder request outstanding: the parent closes the server under it. */
  cli_t *c = cli_open(port1);
  cli_sends(c, "GET /connectors/never HTTP/1.1\r\nHost: a\r\n\r\n"
               "GET / HTTP/1.1\r\nHost: a\r\n\r\n");
  cli_t *d = cli_open(port1);
  cli_sends(d, "GET / HTTP/1.1\r\nHo");
  usleep(50 * 1000);
  CHECK(c != NULL && d != NULL);
  /* exit without closing: the parent must cope with both */
}

static int client_main(void) {
  kc_test_run("root_and_headers", t_root_and_headers);
  kc_test_run("not_found_body", t_not_found_body);
  kc_test_run("method_not_allowed", t_method_not_allowed);
  kc_test_run("fragmented_1_to_7_bytes", t_fragmented);
  kc_test_run("pipelined_in_order", t_pipelined);
  kc_test_run("keep_alive", t_keep_alive);
  kc_test_run("connection_close", t_connection_close);
  kc_test_run("http_1_0", t_http10);
  kc_test_run("expect_100_continue", t_expect_continue);
  kc_test_run("chunked_body", t_chunked);
  kc_test_run("header_limit_431", t_header_limit);
  kc_test_run("body_limit_413", t_body_limit);
  kc_test_run("slow_client_408", t_slow_client_408);
  kc_test_run("garbage_400", t_garbage_400);
  kc_test_run("half_open_client", t_half_open);
  kc_test_run("malformed_json_500", t_malformed_json);
  kc_test_run("wrong_json_types", t_wrong_types);
  kc_test_run("async_herder_other_conn", t_async_other_conn);
  kc_test_run("status_codes", t_status_codes);
  kc_test_run("paths_and_query", t_paths_and_query);
  kc_test_run("health_error_bodies", t_health);
  kc_test_run("request_timeout_500", t_request_timeout);
  kc_test_run("unsupported_media_415", t_unsupported_media);
  kc_test_run("client_gone_while_waiting", t_client_gone_while_waiting);
  kc_test_run("max_connections", t_max_connections);
  kc_test_run("leave_pending", t_leave_pending);
  json_decref(R.json);
  printf("CLIENT-RESULT %d %d\n", kc_test_state()->passed, kc_test_state()->failed);
  fflush(stdout);
  _exit(0); /* leaves c/d of t_leave_pending to the kernel */
}

/* ================================================================ server side */

static const char *const op_names[] = {
#define XX(op) #op,
  KC_HERDER_OP_MAP(XX)
#undef XX
};

typedef struct {
  uv_timer_t timer;
  kc_herder_cb cb;
  void *arg;
  json_t *body;
} delayed_t;

static int pending_answers, health_calls, answers_given;

static void on_delayed_closed(uv_handle_t *h) { free(h); }

static void on_delayed(uv_timer_t *t) {
  delayed_t *d = (delayed_t *)t;
  kc_herder_res_t res = {.rc = KC_HERDER_R_OK, .body = d->body};
  d->cb(d->arg, &res);
  pending_answers--;
  answers_given++;
  uv_close((uv_handle_t *)t, on_delayed_closed);
}

static json_t *echo(const kc_herder_req_t *req) {
  return json_pack("{s:s,s:o,s:i,s:o,s:o,s:b,s:b,s:b,s:b,s:b}", "op", op_names[req->op], "connector",
                   req->connector ? json_string(req->connector) : json_null(), "task", req->task, "plugin",
                   req->plugin ? json_string(req->plugin) : json_null(), "body",
                   req->body ? json_deep_copy(req->body) : json_null(), "include_tasks", req->include_tasks,
                   "only_failed", req->only_failed, "expand_status", req->expand_status, "expand_info",
                   req->expand_info, "connectors_only", req->connectors_only);
}

static int double_submit(void *ctx, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  uv_loop_t *loop = ctx;
  const char *c = req->connector ? req->connector : "";
  kc_herder_res_t res = {.rc = KC_HERDER_R_OK};
  if (req->op == KC_HERDER_HEALTH) {
    static const char *const st[] = {"healthy", "starting", "unhealthy"};
    static const kc_herder_rc_t rc[] = {KC_HERDER_R_OK, KC_HERDER_R_UNAVAILABLE, KC_HERDER_R_INTERNAL};
    int i = health_calls++ % 3;
    res.rc = rc[i];
    res.message = "health message";
    res.body = json_pack("{s:s,s:s}", "status", st[i], "message", "Worker says so.");
  } else if (req->op == KC_HERDER_LIST && !req->expand_status && !req->expand_info) {
    res.body = json_pack("[s,s]", "a", "b");
  } else if (streq(c, "notfound")) {
    res.rc = KC_HERDER_R_NOT_FOUND;
    res.message = "Connector notfound not found";
  } else if (streq(c, "conflict")) {
    res.rc = KC_HERDER_R_CONFLICT;
    res.message = "Connector conflict already exists";
  } else if (streq(c, "bad")) {
    res.rc = KC_HERDER_R_BAD_REQUEST;
    res.message = "bad";
  } else if (streq(c, "boom")) {
    res.rc = KC_HERDER_R_INTERNAL;
  } else if (streq(c, "empty")) {
    res.body = NULL;
  } else if (streq(c, "slow") || streq(c, "never")) {
    delayed_t *d = calloc(1, sizeof(*d));
    d->cb = cb;
    d->arg = arg;
    d->body = echo(req);
    uv_timer_init(loop, &d->timer);
    uv_timer_start(&d->timer, on_delayed, streq(c, "slow") ? 300 : 1500, 0);
    pending_answers++;
    return 0;
  } else {
    res.body = echo(req);
    res.created = req->op == KC_HERDER_CREATE || (req->op == KC_HERDER_PUT_CONFIG && streq(c, "new"));
  }
  cb(arg, &res);
  answers_given++;
  return 0;
}

static kc_rest_t *srv1, *srv2;
static int closes_done;
static int client_passed = -1, client_failed = -1;
static uv_process_t child;
static uv_pipe_t child_out;
static char out_line[4096];
static size_t out_len;

static void on_server_closed(void *arg) { closes_done++; }

static void on_child_out_alloc(uv_handle_t *h, size_t s, uv_buf_t *b) {
  static char buf[4096];
  *b = uv_buf_init(buf, sizeof(buf));
}

static void on_child_out(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  if (n < 0) {
    uv_close((uv_handle_t *)s, NULL);
    return;
  }
  for (ssize_t i = 0; i < n; i++) {
    char ch = b->base[i];
    if (out_len < sizeof(out_line) - 1) out_line[out_len++] = ch;
    if (ch != '\n') continue;
    out_line[out_len] = '\0';
    if (sscanf(out_line, "CLIENT-RESULT %d %d", &client_passed, &client_failed) != 2) {
      fputs(out_line, stdout);
      fflush(stdout);
    }
    out_len = 0;
  }
}

static void on_child_exit(uv_process_t *p, int64_t status, int sig) {
  if (status || sig) fprintf(stderr, "client exited with status %d signal %d\n", (int)status, sig);
  uv_close((uv_handle_t *)p, NULL);
  /* The client left a connection waiting on the herder: close under it. */
  kc_rest_close(srv1, on_server_closed, NULL);
  kc_rest_close(srv2, on_server_closed, NULL);
}

/* One plain listener on @p host:@p port, answered by the double. */
static kc_rest_t *start_server(void *ctx, const char *host, int port, const kc_rest_limits_t *lim, char *err,
                               size_t errsize) {
  kc_worker_listener_t l = {.url = "http://test", .host = host, .port = port};
  kc_rest_options_t o = {.listeners = &l, .nlisteners = 1};
  if (lim) o.limits = *lim;
  return kc_rest_start_with(uv_default_loop(), double_submit, ctx, &o, err, errsize);
}

static void t_bind_conflict(void) {
  char err[256];
  kc_rest_t *r = start_server(uv_default_loop(), "127.0.0.1", kc_rest_port(srv1), NULL, err, sizeof(err));
  CHECK(r == NULL);
  char want[64];
  snprintf(want, sizeof(want), "listeners: cannot bind 127.0.0.1:%d: ", kc_rest_port(srv1));
  CHECK(strstr(err, want) == err);
  CHECK(strstr(err, "address already in use") != NULL);
  r = start_server(NULL, "not-an-ip", 0, NULL, err, sizeof(err));
  CHECK(r == NULL && strstr(err, "not-an-ip") != NULL);
}

/* Runs after the loop has returned: the servers closed under the client's open requests. */
static void t_close_drains_everything(void) {
  uv_loop_t *loop = uv_default_loop();
  CHECK(client_passed >= 0);
  CHECK(closes_done == 2);
  CHECK(pending_answers == 0); /* late answers were delivered (and dropped) after the close */
  CHECK(answers_given > 50);
  CHECK(uv_loop_alive(loop) == 0);
  CHECK(uv_loop_close(loop) == 0);
}

int main(int argc, char **argv) {
  if (argc == 4 && streq(argv[1], "--client")) {
    port1 = atoi(argv[2]);
    port2 = atoi(argv[3]);
    return client_main();
  }
  uv_loop_t *loop = uv_default_loop();
  char err[256];
  kc_rest_limits_t lim = {.max_header_bytes = MAX_HEADER, .max_body_bytes = MAX_BODY,
                          .idle_timeout_ms = IDLE_MS, .request_timeout_ms = REQUEST_TIMEOUT_MS};
  srv1 = start_server(loop, "127.0.0.1", 0, &lim, err, sizeof(err));
  kc_rest_limits_t lim2 = {.max_connections = 2};
  srv2 = start_server(loop, "127.0.0.1", 0, &lim2, err, sizeof(err));
  if (!srv1 || !srv2) {
    fprintf(stderr, "cannot start: %s\n", err);
    kc_test_add(0, 1);
    return kc_test_done();
  }
  kc_test_run("bind_conflict", t_bind_conflict);

  char exe[4096];
  size_t exe_len = sizeof(exe);
  uv_exepath(exe, &exe_len);
  char p1[16], p2[16];
  snprintf(p1, sizeof(p1), "%d", kc_rest_port(srv1));
  snprintf(p2, sizeof(p2), "%d", kc_rest_port(srv2));
  char *args[] = {exe, "--client", p1, p2, NULL};
  uv_pipe_init(loop, &child_out, 0);
  uv_stdio_container_t stdio[3] = {
    {.flags = UV_IGNORE},
    {.flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE, .data.stream = (uv_stream_t *)&child_out},
    {.flags = UV_INHERIT_FD, .data.fd = 2},
  };
  uv_process_options_t opts = {.file = exe, .args = args, .exit_cb = on_child_exit, .stdio = stdio,
                               .stdio_count = 3};
  int rc = uv_spawn(loop, &child, &opts);
  if (rc) {
    fprintf(stderr, "cannot spawn the client: %s\n", uv_strerror(rc));
    kc_test_add(0, 1);
    return kc_test_done();
  }
  uv_read_start((uv_stream_t *)&child_out, on_child_out_alloc, on_child_out);
  uv_run(loop, UV_RUN_DEFAULT); /* returns once both servers and every herder timer are gone */

  kc_test_run("close_drains_everything", t_close_drains_everything);
  kc_test_add(client_passed > 0 ? client_passed : 0, client_failed > 0 ? client_failed : 0);
  return kc_test_done();
}
