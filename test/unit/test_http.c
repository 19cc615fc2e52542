/*
 * The HTTP client service (src/http) on a real uv loop against a real server:
 * test/unit/http_test_server.py in a child process on 127.0.0.1:0 (echo,
 * status codes, large and slow answers, a forward proxy with Basic auth, and a
 * SigV4 verifier that recomputes signatures with hmac/hashlib the way S3
 * does). Methods and bodies, a 20 MB file streamed with bounded memory,
 * response limits and headers, keep-alive reuse, 100 concurrent requests,
 * timeouts, refused connections, cancel, closing the client with requests in
 * flight, the proxy, and signed requests with awkward keys and queries. When
 * tools/s3-local runs (or S3_ENDPOINT is set), also signed PUT/GET/multipart
 * against that real S3 server.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "http/http.h"
#include "kc_test.h"
#include "kc_test_peer.h"

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- the Python peer ---- */

#define AK "AKIDTEST"
#define SK "wJal/+=test secret"
#define REGION "eu-west-1"
#define TOKEN "IQoJb3JpZ2luX2VjEH//token+/=="
#define PROXY_USER "proxy-user"
#define PROXY_PASS "p@ss:word"

static int port;
static char base[64];

static kc_test_peer_t peer = {-1, -1, 0};

static int server_start(void) {
  char *const argv[] = {"python3", (char *)kc_test_source("test/unit/http_test_server.py"),
                        "--access-key", AK, "--secret", SK, "--region", REGION, "--token", TOKEN,
                        "--proxy-auth", PROXY_USER ":" PROXY_PASS, NULL};
  if (kc_test_peer_start(&peer, argv) != 0) return -1;
  port = peer.port;
  snprintf(base, sizeof base, "http://127.0.0.1:%d", peer.port);
  return 0;
}

static void server_stop(void) { kc_test_peer_stop(&peer); }

/* A port nobody listens on (just released). */
static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  bind(s, (struct sockaddr *)&a, sizeof a);
  getsockname(s, (struct sockaddr *)&a, &alen);
  close(s);
  return ntohs(a.sin_port);
}

/* ---- loop helpers ---- */

static uv_loop_t loop;

typedef struct {
  int calls;
  int status;
  double t;
  kc_http_req_t *req;
} res_t;

static void on_done(kc_http_req_t *req, int status, void *arg) {
  res_t *r = arg;
  r->calls++;
  r->status = status;
  r->t = now_ms();
  r->req = req;
}

static void on_tick(uv_timer_t *t) { (void)t; }

/* Runs the loop until *count reaches target or timeout_ms passes. */
static bool run_until(const int *count, int target, double timeout_ms) {
  uv_timer_t tick;
  uv_timer_init(&loop, &tick);
  uv_timer_start(&tick, on_tick, 20, 20);
  double end = now_ms() + timeout_ms;
  while (*count < target && now_ms() < end) uv_run(&loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  return *count >= target;
}

static void on_closed(void *arg) { (*(int *)arg)++; }

/* Closes the client and checks that it left nothing on the loop. */
static void close_client(kc_http_t *h) {
  int closed = 0;
  kc_http_close(h, on_closed, &closed);
  CHECK(run_until(&closed, 1, 5000));
  CHECK(closed == 1);
  uv_run(&loop, UV_RUN_NOWAIT);
  CHECK(!uv_loop_alive(&loop));
}

static kc_http_req_t *new_req(const char *method, const char *path) {
  char url[2048];
  snprintf(url, sizeof url, "%s%s", base, path);
  return kc_http_req_new(method, url);
}

/* Submits and waits; returns the transport status. */
static int perform(kc_http_t *h, kc_http_req_t *req, double timeout_ms) {
  res_t r = {0};
  int rc = kc__http_submit(h, req, on_done, &r);
  if (rc) return rc;
  CHECK(r.calls == 0); /* never inside submit */
  if (!run_until(&r.calls, 1, timeout_ms)) {
    fprintf(stderr, "  request %s %s did not complete\n", req->method, req->url);
    return -9999;
  }
  CHECK(r.calls == 1);
  return r.status;
}

static json_t *response_json(const kc_http_req_t *req) {
  json_error_t e;
  const kc_buf_t *b = kc_http_req_response(req);
  json_t *j = json_loadb(b->data, b->len, JSON_ALLOW_NUL, &e);
  if (!j) fprintf(stderr, "  response is not JSON: %.200s\n", b->data);
  return j;
}

static const char *jstr(json_t *j, const char *key) { return json_string_value(json_object_get(j, key)); }

static const char *jheader(json_t *echo, const char *name) {
  return json_string_value(json_array_get(json_object_get(json_object_get(echo, "headers"), name), 0));
}

/* ---- tests ---- */

static void test_methods_and_memory_bodies(void) {
  kc_http_t *h = kc_http_create(&loop);
  CHECK(h != NULL);

  kc_http_req_t *req = new_req("GET", "/echo?x=1&y=%20z");
  kc_http_req_add_header(req, "X-Custom", "v  1");
  kc_http_req_add_header(req, "X-Empty", "");
  CHECK(perform(h, req, 5000) == 0);
  CHECK(kc_http_req_status(req) == 200);
  CHECK_STR(kc_http_req_error(req), "");
  json_t *j = response_json(req);
  CHECK_STR(jstr(j, "method"), "GET");
  CHECK_STR(jstr(j, "query"), "x=1&y=%20z");
  CHECK_STR(jheader(j, "x-custom"), "v  1");
  CHECK_STR(jheader(j, "x-empty"), "");
  CHECK(json_integer_value(json_object_get(j, "body_len")) == 0);
  json_decref(j);
  kc_http_req_destroy(req);

  req = new_req("PUT", "/echo/put");
  CHECK(kc_http_req_set_body(req, "hello\0world", 11) == 0);
  CHECK(perform(h, req, 5000) == 0);
  j = response_json(req);
  CHECK_STR(jstr(j, "method"), "PUT");
  CHECK(json_integer_value(json_object_get(j, "body_len")) == 11);
  CHECK(json_string_length(json_object_get(j, "body")) == 11 &&
        !memcmp(jstr(j, "body"), "hello\0world", 11));
  CHECK_STR(jheader(j, "content-length"), "11");
  CHECK(jheader(j, "expect") == NULL); /* no 100-continue round trip */
  CHECK(jheader(j, "content-type") == NULL);
  json_decref(j);
  kc_http_req_destroy(req);

  req = new_req("POST", "/echo/post-empty?uploads=");
  CHECK(perform(h, req, 5000) == 0);
  j = response_json(req);
  CHECK_STR(jstr(j, "method"), "POST");
  CHECK_STR(jheader(j, "content-length"), "0");
  CHECK(json_integer_value(json_object_get(j, "body_len")) == 0);
  json_decref(j);
  kc_http_req_destroy(req);

  const char *xml = "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>";
  req = new_req("POST", "/echo/post");
  kc_http_req_add_header(req, "Content-Type", "application/xml");
  kc_http_req_set_body(req, xml, strlen(xml));
  CHECK(perform(h, req, 5000) == 0);
  j = response_json(req);
  CHECK_STR(jstr(j, "body"), xml);
  CHECK_STR(jheader(j, "content-type"), "application/xml");
  json_decref(j);
  kc_http_req_destroy(req);

  req = new_req("DELETE", "/echo/del?uploadId=u1");
  CHECK(perform(h, req, 5000) == 0);
  j = response_json(req);
  CHECK_STR(jstr(j, "method"), "DELETE");
  CHECK_STR(jstr(j, "query"), "uploadId=u1");
  json_decref(j);
  kc_http_req_destroy(req);

  req = new_req("HEAD", "/echo/head");
  CHECK(perform(h, req, 5000) == 0);
  CHECK(kc_http_req_status(req) == 200);
  CHECK(kc_http_req_response(req)->len == 0);
  CHECK(kc_http_req_response(req)->data && kc_http_req_response(req)->data[0] == '\0');
  const char *cl = kc_http_req_response_header(req, "content-length");
  CHECK(cl && atoi(cl) > 50);
  kc_http_req_destroy(req);

  /* changing a request after submit is refused */
  req = new_req("GET", "/echo");
  res_t r = {0};
  CHECK(kc__http_submit(h, req, on_done, &r) == 0);
  CHECK(kc_http_req_add_header(req, "X-Late", "1") == KC_ESTATE);
  CHECK(kc__http_submit(h, req, on_done, &r) == KC_ESTATE);
  CHECK(run_until(&r.calls, 1, 5000));
  kc_http_req_destroy(req);
  CHECK(kc_http_req_add_header(NULL, "a", "b") == KC_ESTATE);
  req = new_req("GET", "/echo");
  CHECK(kc_http_req_add_header(req, "Bad\r\nName", "x") == KC_EINVAL);
  CHECK(kc_http_req_add_header(req, "X-Injected", "a\r\nEvil: 1") == KC_EINVAL);
  kc_http_req_destroy(req);
  close_client(h);
}

static void test_status_headers_and_limits(void) {
  kc_http_t *h = kc_http_create(&loop);
  kc_http_req_t *req = new_req("GET", "/status/503");
  CHECK(perform(h, req, 5000) == 0); /* an HTTP answer is not a transport error */
  CHECK(kc_http_req_status(req) == 503);
  CHECK_STR(kc_http_req_response(req)->data, "status 503");
  kc_http_req_destroy(req);

  req = new_req("GET", "/headers");
  CHECK(perform(h, req, 5000) == 0);
  CHECK_STR(kc_http_req_response_header(req, "x-test"), "hello world");
  CHECK_STR(kc_http_req_response_header(req, "ETAG"), "\"abc123\"");
  CHECK_STR(kc_http_req_response_header(req, "X-Lower"), "v");
  CHECK(kc_http_req_response_header(req, "X-Missing") == NULL);
  kc_http_req_destroy(req);

  /* default limit 1 MiB, a smaller one, a larger one: the prefix is kept intact */
  static const struct {
    size_t limit, n, want;
  } cases[] = {{0, 3000000, 1048576}, {1000, 3000000, 1000}, {8 << 20, 3000000, 3000000}};
  for (size_t c = 0; c < 3; c++) {
    char path[64];
    snprintf(path, sizeof path, "/big?n=%zu", cases[c].n);
    req = new_req("GET", path);
    if (cases[c].limit) kc_http_req_set_response_limit(req, cases[c].limit);
    CHECK(perform(h, req, 10000) == 0);
    CHECK(kc_http_req_status(req) == 200);
    const kc_buf_t *b = kc_http_req_response(req);
    CHECK(b->len == cases[c].want);
    bool pattern = true;
    for (size_t i = 0; i < b->len && pattern; i++) pattern = b->data[i] == 'a' + (char)(i % 26);
    CHECK(pattern);
    CHECK(b->data[b->len] == '\0');
    kc_http_req_destroy(req);
  }
  close_client(h);
}

/* ---- file bodies ---- */

static char file_path[] = "/tmp/kc_http_body_XXXXXX";
#define FILE_SIZE (20 * 1024 * 1024 + 4321)

static int make_file(void) {
  int fd = mkstemp(file_path);
  if (fd < 0) return -1;
  char *buf = malloc(1 << 20);
  uint64_t x = 0x9e3779b97f4a7c15ull;
  size_t left = FILE_SIZE;
  while (left) {
    size_t n = left < (1u << 20) ? left : (1u << 20);
    for (size_t i = 0; i < n; i++) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      buf[i] = (char)x;
    }
    if (write(fd, buf, n) != (ssize_t)n) break;
    left -= n;
  }
  free(buf);
  close(fd);
  return left ? -1 : 0;
}

static void file_sha256(int64_t off, int64_t len, char hex[65]) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
  int fd = open(file_path, O_RDONLY);
  char *buf = malloc(1 << 20);
  while (len > 0) {
    ssize_t r = pread(fd, buf, len < (1 << 20) ? (size_t)len : (1 << 20), off);
    if (r <= 0) break;
    EVP_DigestUpdate(ctx, buf, (size_t)r);
    off += r;
    len -= r;
  }
  unsigned char md[32];
  EVP_DigestFinal_ex(ctx, md, NULL);
  for (int i = 0; i < 32; i++) sprintf(hex + 2 * i, "%02x", md[i]);
  free(buf);
  close(fd);
  EVP_MD_CTX_free(ctx);
}

static long status_kb(const char *field) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long v = -1;
  size_t n = strlen(field);
  while (f && fgets(line, sizeof line, f))
    if (!strncmp(line, field, n)) v = atol(line + n + 1);
  if (f) fclose(f);
  return v;
}

static void test_file_body_streamed(void) {
  kc_http_t *h = kc_http_create(&loop);
  static const struct {
    const char *method;
    int64_t off, len;
  } cases[] = {{"PUT", 0, FILE_SIZE}, {"PUT", 12345, 20 * 1024 * 1024 - 9999},
               {"POST", FILE_SIZE - 1000, 1000}, {"PUT", 100, 0}};
  for (size_t c = 0; c < 4; c++) {
    /* peak RSS of this process while the whole file goes out */
    FILE *cr = fopen("/proc/self/clear_refs", "w");
    bool hwm_reset = cr && fputs("5", cr) >= 0;
    if (cr) hwm_reset = (fclose(cr) == 0) && hwm_reset;
    long rss0 = status_kb(hwm_reset ? "VmHWM:" : "VmRSS:");

    kc_http_req_t *req = new_req(cases[c].method, "/echo/file");
    CHECK(kc_http_req_set_body_file(req, file_path, cases[c].off, cases[c].len) == 0);
    double t0 = now_ms();
    CHECK(perform(h, req, 30000) == 0);
    double dt = now_ms() - t0;
    CHECK(kc_http_req_status(req) == 200);
    json_t *j = response_json(req);
    char want[65];
    file_sha256(cases[c].off, cases[c].len, want);
    CHECK(json_integer_value(json_object_get(j, "body_len")) == cases[c].len);
    CHECK_STR(jstr(j, "body_sha256"), want);
    CHECK_STR(jstr(j, "method"), cases[c].method);
    json_decref(j);
    kc_http_req_destroy(req);
    if (cases[c].len > 1000000) {
      long grown = status_kb("VmHWM:") - rss0;
      printf("     %s %lld bytes from a file in %.0f ms; peak RSS grew by %ld KiB%s\n",
             cases[c].method, (long long)cases[c].len, dt, grown,
             hwm_reset ? "" : " (HWM not resettable: vs RSS before)");
      CHECK(grown < 8 * 1024); /* the body is 20 MB; two 128 KiB chunks are in flight */
    }
  }

  /* a range past the end of the file and a missing file fail in the callback */
  kc_http_req_t *req = new_req("PUT", "/echo/short");
  kc_http_req_set_body_file(req, file_path, FILE_SIZE - 10, 100);
  CHECK(perform(h, req, 10000) == KC_EIO);
  CHECK(strstr(kc_http_req_error(req), "before the end of the body range") != NULL);
  kc_http_req_destroy(req);
  req = new_req("PUT", "/echo/missing");
  kc_http_req_set_body_file(req, "/nonexistent/kc/body", 0, 10);
  CHECK(perform(h, req, 10000) == KC_EIO);
  CHECK(strstr(kc_http_req_error(req), "cannot open /nonexistent/kc/body") != NULL);
  kc_http_req_destroy(req);
  close_client(h);
}

/* ---- connections ---- */

static void test_keepalive_reuse(void) {
  kc_http_t *h = kc_http_create(&loop);
  long first_port = -1;
  int same = 0;
  for (int i = 0; i < 10; i++) {
    kc_http_req_t *req = new_req(i % 2 ? "PUT" : "GET", "/echo/reuse");
    if (i % 2) kc_http_req_set_body(req, "x", 1);
    CHECK(perform(h, req, 5000) == 0);
    json_t *j = response_json(req);
    long p = (long)json_integer_value(json_object_get(j, "client_port"));
    if (i == 0) first_port = p;
    same += p == first_port;
    if (i == 9) CHECK(json_integer_value(json_object_get(j, "conn_requests")) == 10);
    json_decref(j);
    kc_http_req_destroy(req);
  }
  CHECK(same == 10);
  close_client(h);
}

/* The server drops a reused connection after reading the request: curl resends
 * on a new one, which needs the body rewound (SEEKFUNCTION), memory or file. */
static void test_resend_rewinds_body(void) {
  kc_http_t *h = kc_http_create(&loop);
  for (int c = 0; c < 2; c++) {
    kc_http_req_t *req = new_req("GET", "/echo/warm-up");
    CHECK(perform(h, req, 5000) == 0);
    kc_http_req_destroy(req);
    char path[64];
    snprintf(path, sizeof path, "/dropreuse?id=%d", c);
    req = new_req("PUT", path);
    char want[65];
    int64_t len = 3 * 1024 * 1024 + 17;
    char *mem = NULL;
    if (c == 0) {
      kc_http_req_set_body_file(req, file_path, 99, len);
      file_sha256(99, len, want);
    } else {
      mem = malloc((size_t)len);
      for (int64_t i = 0; i < len; i++) mem[i] = (char)(i * 31 + 7);
      kc_http_req_set_body(req, mem, (size_t)len);
      kc_sha256_hex(mem, (size_t)len, want);
      free(mem);
    }
    CHECK(perform(h, req, 10000) == 0);
    if (kc_http_req_status(req) != 200) fprintf(stderr, "  error: %s\n", kc_http_req_error(req));
    CHECK(kc_http_req_status(req) == 200);
    json_t *j = response_json(req);
    CHECK(json_is_true(json_object_get(j, "dropped"))); /* the drop did happen */
    CHECK(json_integer_value(json_object_get(j, "body_len")) == len);
    CHECK_STR(jstr(j, "body_sha256"), want);
    json_decref(j);
    kc_http_req_destroy(req);
  }
  close_client(h);
}

#define NCONC 100

static void test_100_concurrent(void) {
  kc_http_t *h = kc_http_create(&loop);
  kc_http_req_t *reqs[NCONC];
  res_t res[NCONC];
  int done = 0;
  memset(res, 0, sizeof res);
  for (int i = 0; i < NCONC; i++) {
    char path[64];
    snprintf(path, sizeof path, "/echo/c?i=%d", i);
    reqs[i] = new_req(i % 2 ? "PUT" : "GET", path);
    if (i % 2) {
      char body[32];
      int n = snprintf(body, sizeof body, "body-%d", i);
      kc_http_req_set_body(reqs[i], body, (size_t)n);
    }
    CHECK(kc__http_submit(h, reqs[i], on_done, &res[i]) == 0);
  }
  double t0 = now_ms();
  for (;;) {
    done = 0;
    for (int i = 0; i < NCONC; i++) done += res[i].calls;
    if (done >= NCONC || now_ms() - t0 > 20000) break;
    uv_run(&loop, UV_RUN_ONCE);
  }
  printf("     %d concurrent requests in %.0f ms\n", NCONC, now_ms() - t0);
  CHECK(done == NCONC);
  for (int i = 0; i < NCONC; i++) {
    CHECK(res[i].calls == 1 && res[i].status == 0);
    CHECK(kc_http_req_status(reqs[i]) == 200);
    json_t *j = response_json(reqs[i]);
    char q[32], body[32];
    snprintf(q, sizeof q, "i=%d", i);
    CHECK_STR(jstr(j, "query"), q);
    if (i % 2) {
      snprintf(body, sizeof body, "body-%d", i);
      CHECK_STR(jstr(j, "body"), body);
    }
    json_decref(j);
    kc_http_req_destroy(reqs[i]);
  }
  close_client(h);
}

static void test_timeout_and_refused(void) {
  kc_http_t *h = kc_http_create(&loop);
  kc_http_req_t *req = new_req("GET", "/slow?ms=3000");
  kc_http_req_set_timeouts(req, 300, 1000);
  double t0 = now_ms();
  CHECK(perform(h, req, 5000) == KC_ETIMEDOUT);
  double dt = now_ms() - t0;
  CHECK(dt >= 250 && dt < 2000);
  CHECK(strlen(kc_http_req_error(req)) > 0);
  CHECK(kc_http_req_status(req) == 0);
  kc_http_req_destroy(req);

  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d/x", free_port());
  req = kc_http_req_new("PUT", url);
  kc_http_req_set_body(req, "x", 1);
  CHECK(perform(h, req, 5000) == KC_EIO);
  CHECK(strstr(kc_http_req_error(req), "onnect") != NULL);
  printf("     refused: %s\n", kc_http_req_error(req));
  kc_http_req_destroy(req);
  close_client(h);
}

typedef struct {
  kc_http_req_t *req;
} cancel_ctx_t;

static void on_cancel_timer(uv_timer_t *t) {
  cancel_ctx_t *c = t->data;
  kc_http_req_cancel(c->req);
  uv_close((uv_handle_t *)t, NULL);
}

static void test_cancel(void) {
  kc_http_t *h = kc_http_create(&loop);
  /* while waiting for the answer */
  kc_http_req_t *req = new_req("GET", "/slow?ms=3000");
  res_t r = {0};
  CHECK(kc__http_submit(h, req, on_done, &r) == 0);
  uv_timer_t t;
  cancel_ctx_t c = {req};
  uv_timer_init(&loop, &t);
  t.data = &c;
  uv_timer_start(&t, on_cancel_timer, 100, 0);
  double t0 = now_ms();
  CHECK(run_until(&r.calls, 1, 5000));
  CHECK(r.status == KC_ETIMEDOUT);
  CHECK_STR(kc_http_req_error(req), "cancelled");
  CHECK(r.t - t0 < 1000);
  kc_http_req_cancel(req); /* after the callback: nothing happens */
  uv_run(&loop, UV_RUN_NOWAIT);
  CHECK(r.calls == 1);
  kc_http_req_destroy(req);

  /* right after submit: the callback still comes later, from the loop */
  req = new_req("PUT", "/echo");
  kc_http_req_set_body(req, "abc", 3);
  memset(&r, 0, sizeof r);
  CHECK(kc__http_submit(h, req, on_done, &r) == 0);
  kc_http_req_cancel(req);
  CHECK(r.calls == 0);
  CHECK(run_until(&r.calls, 1, 5000));
  CHECK(r.status == KC_ETIMEDOUT);
  kc_http_req_destroy(req);

  /* a file body still being opened, and one mid-upload */
  req = new_req("PUT", "/echo");
  kc_http_req_set_body_file(req, file_path, 0, FILE_SIZE);
  memset(&r, 0, sizeof r);
  CHECK(kc__http_submit(h, req, on_done, &r) == 0);
  kc_http_req_cancel(req);
  CHECK(run_until(&r.calls, 1, 5000));
  CHECK(r.status == KC_ETIMEDOUT && r.calls == 1);
  kc_http_req_destroy(req);

  req = new_req("PUT", "/slowread?ms=2000");
  kc_http_req_set_body_file(req, file_path, 0, FILE_SIZE);
  memset(&r, 0, sizeof r);
  CHECK(kc__http_submit(h, req, on_done, &r) == 0);
  c.req = req;
  uv_timer_init(&loop, &t);
  uv_timer_start(&t, on_cancel_timer, 30, 0);
  CHECK(run_until(&r.calls, 1, 5000));
  CHECK(r.status == KC_ETIMEDOUT && r.calls == 1);
  kc_http_req_destroy(req);

  /* destroying an in-flight request (misuse) detaches it: no callback, no leak */
  req = new_req("GET", "/slow?ms=500");
  memset(&r, 0, sizeof r);
  CHECK(kc__http_submit(h, req, on_done, &r) == 0);
  int dummy = 0;
  run_until(&dummy, 1, 50);
  kc_http_req_destroy(req);
  run_until(&dummy, 1, 100);
  CHECK(r.calls == 0);
  close_client(h);
}

/* ---- closing with requests in flight ---- */

static kc_http_t *closing_h;
static int close_order[16], close_n, late_submit_rc;

static void on_close_done(kc_http_req_t *req, int status, void *arg) {
  static res_t late_res;
  on_done(req, status, arg);
  close_order[close_n++] = 1;
  if (close_n == 1) { /* submitting while the client closes is refused */
    kc_http_req_t *late = new_req("GET", "/echo");
    late_submit_rc = kc__http_submit(closing_h, late, on_done, &late_res);
    kc_http_req_destroy(late);
  }
}

static void on_client_closed(void *arg) { close_order[close_n++] = 2; (*(int *)arg)++; }

static void test_close_in_flight(void) {
  kc_http_t *h = closing_h = kc_http_create(&loop);
  kc_http_req_t *reqs[6];
  res_t res[6];
  memset(res, 0, sizeof res);
  close_n = 0;
  for (int i = 0; i < 6; i++) {
    reqs[i] = new_req(i == 5 ? "PUT" : "GET", i == 5 ? "/slowread?ms=3000" : "/slow?ms=3000");
    if (i == 5) kc_http_req_set_body_file(reqs[i], file_path, 0, FILE_SIZE);
    CHECK(kc__http_submit(h, reqs[i], on_close_done, &res[i]) == 0);
  }
  int dummy = 0;
  run_until(&dummy, 1, 150); /* connected, waiting, uploading */
  int closed = 0;
  kc_http_close(h, on_client_closed, &closed);
  CHECK(close_n == 0); /* callbacks come from the loop */
  CHECK(run_until(&closed, 1, 5000));
  for (int i = 0; i < 6; i++) {
    CHECK(res[i].calls == 1);
    CHECK(res[i].status == KC_ETIMEDOUT);
    CHECK_STR(kc_http_req_error(reqs[i]), "cancelled");
    kc_http_req_destroy(reqs[i]);
  }
  CHECK(close_n == 7 && close_order[6] == 2); /* the close callback comes last */
  CHECK(late_submit_rc == KC_ESTATE);
  uv_run(&loop, UV_RUN_NOWAIT);
  CHECK(!uv_loop_alive(&loop));

  /* closing an idle client that has pooled connections */
  h = kc_http_create(&loop);
  kc_http_req_t *req = new_req("GET", "/echo");
  CHECK(perform(h, req, 5000) == 0);
  kc_http_req_destroy(req);
  close_client(h);
}

/* ---- proxy ---- */

static void test_proxy(void) {
  kc_http_t *h = kc_http_create(&loop);
  char proxy[64];
  snprintf(proxy, sizeof proxy, "http://127.0.0.1:%d", port);
  kc_http_req_t *req = new_req("PUT", "/echo/via-proxy?a=1");
  kc_http_req_set_body(req, "through", 7);
  kc_http_req_set_proxy(req, proxy, PROXY_USER, PROXY_PASS);
  CHECK(perform(h, req, 5000) == 0);
  CHECK(kc_http_req_status(req) == 200);
  CHECK_STR(kc_http_req_response_header(req, "X-Via-Proxy"), "1");
  json_t *j = response_json(req);
  CHECK_STR(jstr(j, "body"), "through");
  CHECK_STR(jstr(j, "path"), "/echo/via-proxy");
  json_decref(j);
  kc_http_req_destroy(req);

  req = new_req("GET", "/echo");
  kc_http_req_set_proxy(req, proxy, PROXY_USER, "wrong");
  CHECK(perform(h, req, 5000) == 0);
  CHECK(kc_http_req_status(req) == 407);
  kc_http_req_destroy(req);

  /* a signed request through the proxy still verifies */
  req = new_req("PUT", "/s3/bucket/via%20proxy.json");
  kc_http_req_set_body(req, "{}", 2);
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, NULL, NULL);
  kc_http_req_set_proxy(req, proxy, PROXY_USER, PROXY_PASS);
  CHECK(perform(h, req, 5000) == 0);
  CHECK(kc_http_req_status(req) == 200);
  CHECK_STR(kc_http_req_response_header(req, "X-Via-Proxy"), "1");
  kc_http_req_destroy(req);
  close_client(h);
}

/* ---- SigV4 against the verifier ---- */

static kc_http_req_t *signed_req(const char *method, const char *key, const char *query,
                                 const void *body, size_t len, bool hash_body) {
  kc_buf_t url;
  kc_buf_init(&url, 0);
  kc_buf_printf(&url, "%s/s3/bucket/", base);
  kc_sigv4_uri_encode(&url, key, strlen(key), true);
  if (query) kc_buf_printf(&url, "?%s", query);
  kc_http_req_t *req = kc_http_req_new(method, url.data);
  kc_buf_free(&url);
  char hex[65];
  if (body) kc_http_req_set_body(req, body, len);
  if (hash_body) kc_sha256_hex(body ? body : "", body ? len : 0, hex);
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, NULL, hash_body ? hex : NULL);
  return req;
}

static void expect_ok(kc_http_t *h, kc_http_req_t *req, const char *key) {
  CHECK(perform(h, req, 5000) == 0);
  if (kc_http_req_status(req) != 200)
    fprintf(stderr, "  %s %s -> %ld %s\n", req->method, req->url, kc_http_req_status(req),
            kc_http_req_response(req)->data);
  CHECK(kc_http_req_status(req) == 200);
  json_t *j = response_json(req);
  if (key) CHECK_STR(jstr(j, "key"), key);
  json_decref(j);
}

static void test_sigv4_verified(void) {
  kc_http_t *h = kc_http_create(&loop);
  static const char *const keys[] = {
      "plain.json",
      "topics/logs/partition=0/logs+0+0000000000.json",
      "a key with  spaces/and=equals&amp;.json",
      "\xd0\xba\xd0\xbb\xd1\x8e\xd1\x87/\xe9\x94\xae/\xf0\x9f\x94\x91.json",
      "tilde~star*quote'paren()!$,;:@.txt",
      "100%/50%25.txt",
      "year=2026/month=01/day=02/hour=03/t+1+0000000042.json.gz",
  };
  for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
    kc_http_req_t *req = signed_req("PUT", keys[i], NULL, keys[i], strlen(keys[i]), i % 2);
    expect_ok(h, req, keys[i]);
    kc_http_req_destroy(req);
    req = signed_req("GET", keys[i], NULL, NULL, 0, false);
    expect_ok(h, req, keys[i]);
    kc_http_req_destroy(req);
  }

  /* the multipart queries, in the caller's order or not, valueless or not */
  static const struct {
    const char *method, *query, *sent;
  } qs[] = {
      {"POST", "uploads", "uploads="},
      {"POST", "uploads=", "uploads="},
      {"PUT", "partNumber=1&uploadId=x", "partNumber=1&uploadId=x"},
      {"PUT", "uploadId=x&partNumber=1", "partNumber=1&uploadId=x"},
      {"PUT", "uploadId=2~abc%2Bdef%2F%3D%3D&partNumber=10000", NULL},
      {"POST", "uploadId=abc", NULL},
      {"DELETE", "uploadId=abc", NULL},
      {"GET", "list-type=2&prefix=topics%2Flogs%2F&max-keys=1000&continuation-token=1%2F%2B%3D", NULL},
  };
  for (size_t i = 0; i < sizeof qs / sizeof *qs; i++) {
    kc_http_req_t *req = signed_req(qs[i].method, "k/obj.json", qs[i].query, NULL, 0, true);
    expect_ok(h, req, "k/obj.json");
    if (qs[i].sent) {
      json_t *j = response_json(req);
      CHECK_STR(jstr(j, "query"), qs[i].sent);
      json_decref(j);
    }
    kc_http_req_destroy(req);
  }

  /* a raw '=' and '+' in the path (caller forgot to encode) are encoded by the signer */
  char url[256];
  snprintf(url, sizeof url, "%s/s3/bucket/p=1/a+b.json", base);
  kc_http_req_t *req = kc_http_req_new("PUT", url);
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, NULL, NULL);
  expect_ok(h, req, "p=1/a+b.json");
  kc_http_req_destroy(req);

  /* extra headers are signed; the session token too */
  req = signed_req("PUT", "meta.json", NULL, "{\"a\":1}", 7, true);
  kc_http_req_add_header(req, "Content-Type", "application/json");
  kc_http_req_add_header(req, "x-amz-meta-origin", "  kconnect   test ");
  kc_http_req_add_header(req, "x-amz-acl", "bucket-owner-full-control");
  kc_http_req_add_header(req, "x-amz-server-side-encryption", "AES256");
  expect_ok(h, req, "meta.json");
  json_t *j = response_json(req);
  json_t *sh = json_object_get(j, "signed_headers");
  bool ct = false, meta = false;
  for (size_t i = 0; i < json_array_size(sh); i++) {
    ct |= !strcmp(json_string_value(json_array_get(sh, i)), "content-type");
    meta |= !strcmp(json_string_value(json_array_get(sh, i)), "x-amz-meta-origin");
  }
  CHECK(ct && meta);
  json_decref(j);
  kc_http_req_destroy(req);

  snprintf(url, sizeof url, "%s/s3/bucket/tok.json", base);
  req = kc_http_req_new("GET", url);
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, TOKEN, NULL);
  expect_ok(h, req, "tok.json");
  kc_http_req_destroy(req);

  /* rejections: wrong secret, wrong token, a body that is not the signed one */
  req = kc_http_req_new("GET", url);
  kc_http_req_set_sigv4(req, REGION, "s3", AK, "not the secret", NULL, NULL);
  CHECK(perform(h, req, 5000) == 0);
  CHECK(kc_http_req_status(req) == 403);
  CHECK(strstr(kc_http_req_response(req)->data, "<Code>SignatureDoesNotMatch</Code>") != NULL);
  kc_http_req_destroy(req);
  req = kc_http_req_new("GET", url);
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, "other-token", NULL);
  CHECK(perform(h, req, 5000) == 0);
  CHECK(kc_http_req_status(req) == 403);
  CHECK(strstr(kc_http_req_response(req)->data, "InvalidToken") != NULL);
  kc_http_req_destroy(req);
  req = signed_req("PUT", "tampered.json", NULL, "signed body", 11, true);
  kc_http_req_set_body(req, "other body!", 11);
  CHECK(perform(h, req, 5000) == 0);
  CHECK(kc_http_req_status(req) == 400);
  CHECK(strstr(kc_http_req_response(req)->data, "XAmzContentSHA256Mismatch") != NULL);
  kc_http_req_destroy(req);

  /* a file body with its real SHA-256 */
  char hex[65];
  file_sha256(777, 3 << 20, hex);
  snprintf(url, sizeof url, "%s/s3/bucket/part?partNumber=2&uploadId=u", base);
  req = kc_http_req_new("PUT", url);
  kc_http_req_set_body_file(req, file_path, 777, 3 << 20);
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, NULL, hex);
  expect_ok(h, req, "part");
  j = response_json(req);
  CHECK_STR(jstr(j, "body_sha256"), hex);
  json_decref(j);
  kc_http_req_destroy(req);

  /* virtual-hosted style: the host the URL names is the one signed and sent */
  snprintf(url, sizeof url, "http://bucket.localhost:%d/s3/bucket/vhost.json", port);
  req = kc_http_req_new("PUT", url);
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, NULL, NULL);
  int st = perform(h, req, 5000);
  if (st == KC_EIO) {
    printf("     SKIP virtual-hosted: bucket.localhost does not resolve (%s)\n", kc_http_req_error(req));
  } else {
    CHECK(st == 0 && kc_http_req_status(req) == 200);
  }
  kc_http_req_destroy(req);

  /* a URL the signer refuses fails submit, with the reason, and no callback */
  req = kc_http_req_new("GET", "ftp://127.0.0.1/x");
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, NULL, NULL);
  res_t r = {0};
  CHECK(kc__http_submit(h, req, on_done, &r) == KC_EINVAL);
  CHECK(strstr(kc_http_req_error(req), "ftp://") != NULL);
  kc_http_req_destroy(req);
  req = new_req("GET", "/s3/b/k");
  kc_http_req_add_header(req, "x-amz-date", "20200101T000000Z");
  kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, NULL, NULL);
  CHECK(kc__http_submit(h, req, on_done, &r) == KC_EINVAL);
  CHECK(strstr(kc_http_req_error(req), "x-amz-date") != NULL);
  kc_http_req_destroy(req);
  int dummy = 0;
  run_until(&dummy, 1, 50);
  CHECK(r.calls == 0);
  close_client(h);
}

/* ---- a real S3 server (tools/s3-local) ---- */

static char s3_endpoint[256], s3_ak[128], s3_sk[128], s3_region[64];
static char s3_private_dir[128];
static int s3_private_port;

/* Runs a tools/s3-local command line and takes the NAME=value lines it prints. */
static bool s3_local_cmd(const char *cmd) {
  char *text = NULL;
  int rc = kc_test_sh(cmd, &text, NULL);
  s3_endpoint[0] = '\0';
  snprintf(s3_region, sizeof s3_region, "us-east-1");
  for (char *save, *line = text ? strtok_r(text, "\n", &save) : NULL; line;
       line = strtok_r(NULL, "\n", &save)) {
    char *v = strchr(line, '=');
    if (!v) continue;
    *v++ = '\0';
    if (!strcmp(line, "S3_ENDPOINT")) snprintf(s3_endpoint, sizeof s3_endpoint, "%s", v);
    if (!strcmp(line, "S3_ACCESS_KEY")) snprintf(s3_ak, sizeof s3_ak, "%s", v);
    if (!strcmp(line, "S3_SECRET_KEY")) snprintf(s3_sk, sizeof s3_sk, "%s", v);
    if (!strcmp(line, "S3_REGION")) snprintf(s3_region, sizeof s3_region, "%s", v);
  }
  free(text);
  return rc == 0 && s3_endpoint[0];
}

/* S3_ENDPOINT from the environment, else the running tools/s3-local, else a
 * private tools/s3-local instance on a free port (stopped and removed after). */
static bool s3_local_env(void) {
  const char *e = getenv("S3_ENDPOINT");
  if (e && *e) {
    snprintf(s3_endpoint, sizeof s3_endpoint, "%s", e);
    snprintf(s3_ak, sizeof s3_ak, "%s", getenv("S3_ACCESS_KEY") ? getenv("S3_ACCESS_KEY") : "");
    snprintf(s3_sk, sizeof s3_sk, "%s", getenv("S3_SECRET_KEY") ? getenv("S3_SECRET_KEY") : "");
    snprintf(s3_region, sizeof s3_region, "%s",
             getenv("S3_REGION") ? getenv("S3_REGION") : "us-east-1");
    return true;
  }
  const char *tool = kc_test_source("tools/s3-local");
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "'%s' status >/dev/null 2>&1 && '%s' env", tool, tool);
  if (s3_local_cmd(cmd)) return true;
  if (access(tool, X_OK) != 0) return false;
  s3_private_port = free_port();
  snprintf(s3_private_dir, sizeof s3_private_dir, "/tmp/kc-http-s3-%d", (int)getpid());
  snprintf(cmd, sizeof cmd, "S3_PORT=%d KC_S3_DIR=%s '%s' start 2>/dev/null", s3_private_port,
           s3_private_dir, tool);
  if (s3_local_cmd(cmd)) return true;
  s3_private_port = 0;
  return false;
}

static void s3_local_stop_private(void) {
  if (!s3_private_port) return;
  const char *tool = kc_test_source("tools/s3-local");
  char cmd[4096];
  snprintf(cmd, sizeof cmd,
           "S3_PORT=%d KC_S3_DIR=%s '%s' stop >/dev/null 2>&1; "
           "S3_PORT=%d KC_S3_DIR=%s '%s' clean >/dev/null 2>&1",
           s3_private_port, s3_private_dir, tool, s3_private_port, s3_private_dir, tool);
  if (system(cmd) != 0) fprintf(stderr, "  could not stop the private s3-local on %d\n", s3_private_port);
  s3_private_port = 0;
}

static kc_http_req_t *s3_req(const char *method, const char *bucket, const char *key,
                             const char *query, const char *secret) {
  kc_buf_t url;
  kc_buf_init(&url, 0);
  kc_buf_printf(&url, "%s/%s", s3_endpoint, bucket);
  if (key) {
    kc_buf_puts(&url, "/");
    kc_sigv4_uri_encode(&url, key, strlen(key), true);
  }
  if (query) kc_buf_printf(&url, "?%s", query);
  kc_http_req_t *req = kc_http_req_new(method, url.data);
  kc_buf_free(&url);
  kc_http_req_set_sigv4(req, s3_region, "s3", s3_ak, secret ? secret : s3_sk, NULL, NULL);
  return req;
}

static bool s3_ok(kc_http_t *h, kc_http_req_t *req, long want) {
  int st = perform(h, req, 30000);
  if (st != 0 || kc_http_req_status(req) != want) {
    fprintf(stderr, "  %s %s -> %d/%ld %s %.300s\n", req->method, req->url, st,
            kc_http_req_status(req), kc_http_req_error(req), kc_http_req_response(req)->data);
    return false;
  }
  return true;
}

/* Copies the text between <tag> and </tag>. */
static bool xml_value(const char *xml, const char *tag, char *out, size_t n) {
  char open[64], close_[64];
  snprintf(open, sizeof open, "<%s>", tag);
  snprintf(close_, sizeof close_, "</%s>", tag);
  const char *a = xml ? strstr(xml, open) : NULL;
  const char *b = a ? strstr(a, close_) : NULL;
  if (!b) return false;
  a += strlen(open);
  snprintf(out, n, "%.*s", (int)(b - a), a);
  return true;
}

static void test_s3_local(void) {
  if (!s3_local_env()) {
    printf("     SKIP s3_local: no S3_ENDPOINT, and tools/s3-local could not start\n");
    return;
  }
  printf("     against %s%s\n", s3_endpoint, s3_private_port ? " (private tools/s3-local)" : "");
  kc_http_t *h = kc_http_create(&loop);
  char bucket[64];
  snprintf(bucket, sizeof bucket, "kc-http-test-%d", (int)getpid());
  kc_http_req_t *req = s3_req("PUT", bucket, NULL, NULL, NULL);
  bool created = s3_ok(h, req, 200);
  CHECK(created);
  kc_http_req_destroy(req);
  if (!created) {
    close_client(h);
    s3_local_stop_private();
    return;
  }

  /* a single PUT with an awkward key, read back */
  const char *key = "topics/logs/partition=0/year=2026/a b+c\xc3\xa9.json";
  const char *body = "{\"line\":1}\n{\"line\":2}\n";
  char hex[65];
  kc_sha256_hex(body, strlen(body), hex);
  req = s3_req("PUT", bucket, key, NULL, NULL);
  kc_http_req_set_body(req, body, strlen(body));
  kc_http_req_add_header(req, "Content-Type", "application/json");
  kc_http_req_set_sigv4(req, s3_region, "s3", s3_ak, s3_sk, NULL, hex);
  CHECK(s3_ok(h, req, 200));
  CHECK(kc_http_req_response_header(req, "ETag") != NULL);
  kc_http_req_destroy(req);
  req = s3_req("GET", bucket, key, NULL, NULL);
  CHECK(s3_ok(h, req, 200));
  CHECK_STR(kc_http_req_response(req)->data, body);
  kc_http_req_destroy(req);

  /* multipart: create, two parts streamed from the file (5 MiB + rest), complete */
  const char *mkey = "multi/part=1/object.bin";
  req = s3_req("POST", bucket, mkey, "uploads", NULL);
  CHECK(s3_ok(h, req, 200));
  char upload_id[512] = "";
  CHECK(xml_value(kc_http_req_response(req)->data, "UploadId", upload_id, sizeof upload_id));
  kc_http_req_destroy(req);
  kc_buf_t uid;
  kc_buf_init(&uid, 0);
  kc_sigv4_uri_encode(&uid, upload_id, strlen(upload_id), false);
  int64_t part1 = 5 << 20, total = 7 * 1024 * 1024 + 333;
  char etags[2][256] = {"", ""};
  for (int p = 0; p < 2; p++) {
    char q[1024];
    snprintf(q, sizeof q, "uploadId=%s&partNumber=%d", uid.data, p + 1); /* unsorted on purpose */
    req = s3_req("PUT", bucket, mkey, q, NULL);
    kc_http_req_set_body_file(req, file_path, p ? part1 : 0, p ? total - part1 : part1);
    CHECK(s3_ok(h, req, 200));
    const char *et = kc_http_req_response_header(req, "ETag");
    if (et) snprintf(etags[p], sizeof etags[p], "%s", et);
    kc_http_req_destroy(req);
  }
  kc_buf_t xml;
  kc_buf_init(&xml, 0);
  kc_buf_puts(&xml, "<CompleteMultipartUpload>");
  for (int p = 0; p < 2; p++)
    kc_buf_printf(&xml, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>", p + 1, etags[p]);
  kc_buf_puts(&xml, "</CompleteMultipartUpload>");
  char q[1024];
  snprintf(q, sizeof q, "uploadId=%s", uid.data);
  req = s3_req("POST", bucket, mkey, q, NULL);
  kc_http_req_set_body(req, xml.data, xml.len);
  kc_sha256_hex(xml.data, xml.len, hex);
  kc_http_req_set_sigv4(req, s3_region, "s3", s3_ak, s3_sk, NULL, hex);
  CHECK(s3_ok(h, req, 200));
  kc_http_req_destroy(req);
  kc_buf_free(&xml);
  kc_buf_free(&uid);

  /* read it back by HEAD and compare the size; GET the bytes (within the limit) */
  req = s3_req("HEAD", bucket, mkey, NULL, NULL);
  CHECK(s3_ok(h, req, 200));
  const char *len = kc_http_req_response_header(req, "Content-Length");
  CHECK(len && atoll(len) == total);
  kc_http_req_destroy(req);
  req = s3_req("GET", bucket, mkey, NULL, NULL);
  kc_http_req_set_response_limit(req, (size_t)total);
  CHECK(s3_ok(h, req, 200));
  char want[65], got[65];
  file_sha256(0, total, want);
  kc_sha256_hex(kc_http_req_response(req)->data, kc_http_req_response(req)->len, got);
  CHECK_STR(got, want);
  kc_http_req_destroy(req);

  /* wrong secret: 403 SignatureDoesNotMatch */
  req = s3_req("GET", bucket, key, NULL, "wrong-secret");
  CHECK(s3_ok(h, req, 403));
  CHECK(strstr(kc_http_req_response(req)->data, "SignatureDoesNotMatch") != NULL);
  kc_http_req_destroy(req);

  /* clean up: the two objects, then the bucket */
  const char *dels[] = {key, mkey, NULL};
  for (int i = 0; i < 3; i++) {
    req = s3_req("DELETE", bucket, dels[i], NULL, NULL);
    CHECK(s3_ok(h, req, 204));
    kc_http_req_destroy(req);
  }
  close_client(h);
  s3_local_stop_private();
}

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  uv_loop_init(&loop);
  if (server_start() || make_file()) {
    printf("FAIL setup (python3 test server or temp file)\n");
    server_stop();
    unlink(file_path);
    kc_test_add(0, 1);
    return kc_test_done();
  }
  kc_test_run("methods_and_memory_bodies", test_methods_and_memory_bodies);
  kc_test_run("status_headers_and_limits", test_status_headers_and_limits);
  kc_test_run("file_body_streamed", test_file_body_streamed);
  kc_test_run("keepalive_reuse", test_keepalive_reuse);
  kc_test_run("resend_rewinds_body", test_resend_rewinds_body);
  kc_test_run("100_concurrent", test_100_concurrent);
  kc_test_run("timeout_and_refused", test_timeout_and_refused);
  kc_test_run("cancel", test_cancel);
  kc_test_run("close_in_flight", test_close_in_flight);
  kc_test_run("proxy", test_proxy);
  kc_test_run("sigv4_verified", test_sigv4_verified);
  kc_test_run("s3_local", test_s3_local);
  server_stop();
  unlink(file_path);
  CHECK(uv_loop_close(&loop) == 0);
  return kc_test_done();
}
