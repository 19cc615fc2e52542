/*
 * S3 sink server-side encryption (connectors/s3/s3_client.c, s3_config.c):
 * the config rules (an SSE-C key must be base64 of 32 bytes and needs
 * s3.ssea.name=AES256, a KMS key id needs aws:kms), the exact
 * x-amz-server-side-encryption* headers each request carries, seen by
 * test/unit/http_test_server.py (/echo) and signed (its /s3/ SigV4 verifier
 * requires every x-amz-* header to be signed), and the fail-closed check of
 * the answer: a server that does not confirm the encryption fails the write.
 */
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "../../connectors/s3/s3_client.h"
#include "../../connectors/s3/s3_config.h"
#include "http/http.h"
#include "kc_test.h"
#include "kc_test_peer.h"

#define AK "AKIDSSE"
#define SK "sse secret"
#define REGION "eu-west-1"
/* bytes 0..31; MD5 computed independently with Python's hashlib */
#define KEY_B64 "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
#define KEY_MD5 "tP/LI3N87DFaSk0aoqYgzg=="

/* ---- config rules ---- */

static kc_config_t *cfg_of(const char *k, ...) {
  kc_config_t *cfg = kc_config_new();
  va_list ap;
  va_start(ap, k);
  for (; k; k = va_arg(ap, const char *)) kc_config_set(cfg, k, va_arg(ap, const char *));
  va_end(ap);
  return cfg;
}

#define BASE "s3.bucket.name", "b", "format.class", "JsonFormat", "flush.size", "10"

static const char *validate_msg(kc_config_t *cfg) {
  static char err[1024];
  err[0] = '\0';
  int rc = kc_s3_config_validate(cfg, err, sizeof err);
  kc_config_destroy(cfg);
  return rc ? err : "";
}

static void test_config_rules(void) {
  CHECK_STR(validate_msg(cfg_of(BASE, "s3.ssea.name", "AES256", "s3.sse.customer.key", KEY_B64, NULL)), "");
  CHECK_STR(validate_msg(cfg_of(BASE, "s3.ssea.name", "aws:kms", "s3.sse.kms.key.id", "k-1", NULL)), "");
  CHECK_STR(validate_msg(cfg_of(BASE, "s3.ssea.name", "aws:kms", NULL)), "");
  CHECK_STR(validate_msg(cfg_of(BASE, "s3.ssea.name", "AES256", NULL)), "");
  const char *m = validate_msg(cfg_of(BASE, "s3.sse.customer.key", KEY_B64, NULL));
  CHECK_PREFIX(m, "s3.sse.customer.key: a customer-provided key (SSE-C) needs s3.ssea.name=AES256");
  CHECK(!strstr(m, KEY_B64));
  m = validate_msg(cfg_of(BASE, "s3.ssea.name", "aws:kms", "s3.sse.customer.key", KEY_B64, NULL));
  CHECK_PREFIX(m, "s3.sse.customer.key: a customer-provided key (SSE-C) needs s3.ssea.name=AES256");
  const char *bad[] = {"c2hvcnQ=", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "not base64 at all!!",
                       "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8fIA==", NULL};
  for (int i = 0; bad[i]; i++) {
    m = validate_msg(cfg_of(BASE, "s3.ssea.name", "AES256", "s3.sse.customer.key", bad[i], NULL));
    CHECK_STR(m, "s3.sse.customer.key: must be the base64 encoding of a 32-byte (AES-256) key");
  }
  CHECK_STR(validate_msg(cfg_of(BASE, "s3.sse.kms.key.id", "k-1", NULL)),
            "s3.sse.kms.key.id: a KMS key id needs s3.ssea.name=aws:kms (it is '')");
  CHECK_STR(validate_msg(cfg_of(BASE, "s3.ssea.name", "AES256", "s3.sse.kms.key.id", "k-1", NULL)),
            "s3.sse.kms.key.id: a KMS key id needs s3.ssea.name=aws:kms (it is 'AES256')");
  unsigned char raw[40];
  CHECK(kc_s3_base64_decode(KEY_B64, raw, sizeof raw) == 32 && raw[0] == 0 && raw[31] == 31);
  CHECK(kc_s3_base64_decode("YQ==", raw, sizeof raw) == 1 && raw[0] == 'a');
  CHECK(kc_s3_base64_decode("YWI=", raw, sizeof raw) == 2);
  CHECK(kc_s3_base64_decode("Y===", raw, sizeof raw) == -1);
  CHECK(kc_s3_base64_decode("YQ==YQ==", raw, sizeof raw) == -1);
}

/* ---- the Python peer ---- */

static char base[64];
static uv_loop_t loop;

static kc_test_peer_t peer = {-1, -1, 0};

static int server_start(void) {
  char *const argv[] = {"python3", (char *)kc_test_source("test/unit/http_test_server.py"),
                        "--access-key", AK, "--secret", SK, "--region", REGION, NULL};
  if (kc_test_peer_start(&peer, argv) != 0) return -1;
  snprintf(base, sizeof base, "http://127.0.0.1:%d", peer.port);
  return 0;
}

static void server_stop(void) { kc_test_peer_stop(&peer); }

typedef struct {
  int calls, status;
} res_t;

static void on_done(kc_http_req_t *req, int status, void *arg) {
  (void)req;
  res_t *r = arg;
  r->calls++;
  r->status = status;
}

static void on_tick(uv_timer_t *t) { (void)t; }

static int perform(kc_http_t *h, kc_http_req_t *req) {
  res_t r = {0};
  if (kc__http_submit(h, req, on_done, &r)) return -1;
  uv_timer_t tick;
  uv_timer_init(&loop, &tick);
  uv_timer_start(&tick, on_tick, 20, 20);
  time_t end = time(NULL) + 10;
  while (!r.calls && time(NULL) < end) uv_run(&loop, UV_RUN_ONCE);
  uv_close((uv_handle_t *)&tick, NULL);
  uv_run(&loop, UV_RUN_NOWAIT);
  return r.calls ? r.status : -1;
}

/* Sends one request with the SSE headers of @p kind to @p path; returns the parsed answer. */
static json_t *send_with_sse(kc_http_t *h, const kc_s3_client_t *c, kc_s3_sse_req_t kind,
                             const char *path, kc_http_req_t **out) {
  char url[256];
  snprintf(url, sizeof url, "%s%s", base, path);
  kc_http_req_t *req = kc_http_req_new("PUT", url);
  kc_http_req_set_body(req, "data", 4);
  CHECK(kc_s3_sse_add_headers(c, req, kind) == 0);
  CHECK(kc_http_req_set_sigv4(req, REGION, "s3", AK, SK, NULL, NULL) == 0);
  CHECK(perform(h, req) == 0);
  const kc_buf_t *b = kc_http_req_response(req);
  json_error_t e;
  json_t *j = json_loadb(b->data ? b->data : "", b->len, 0, &e);
  CHECKF(j != NULL, "not JSON: %.300s", b->data ? b->data : "");
  *out = req;
  return j;
}

static const char *jheader(json_t *echo, const char *name) {
  return json_string_value(json_array_get(json_object_get(json_object_get(echo, "headers"), name), 0));
}

/* The x-amz-server-side-encryption* headers of an /echo answer, "name=value;" sorted by name. */
static void sse_headers(json_t *echo, char *out, size_t n) {
  const char *names[] = {"x-amz-server-side-encryption", "x-amz-server-side-encryption-aws-kms-key-id",
                         "x-amz-server-side-encryption-customer-algorithm",
                         "x-amz-server-side-encryption-customer-key",
                         "x-amz-server-side-encryption-customer-key-md5", NULL};
  size_t len = 0;
  out[0] = '\0';
  for (int i = 0; names[i]; i++) {
    const char *v = jheader(echo, names[i]);
    if (v) len += (size_t)snprintf(out + len, n - len, "%s=%s;", names[i] + 28, v);
  }
  const char *k;
  json_t *v;
  int count = 0;
  json_object_foreach(json_object_get(echo, "headers"), k, v) count += !strncmp(k, "x-amz-server-side", 17);
  int listed = 0;
  for (const char *p = out; (p = strchr(p, ';')); p++) listed++;
  CHECKF(count == listed, "unexpected SSE header in %s", out);
}

typedef struct {
  const char *ssea, *kms, *ckey;
  const char *object, *part; /* expected headers (suffix after x-amz-server-side-encryption) */
} sse_case_t;

static void test_headers_sent_and_signed(void) {
  const sse_case_t cases[] = {
      {"", "", NULL, "", ""},
      {"AES256", "", NULL, "=AES256;", ""},
      {"aws:kms", "key-1", NULL, "=aws:kms;-aws-kms-key-id=key-1;", ""},
      {"aws:kms", "", NULL, "=aws:kms;", ""},
      {"aws:kms:dsse", "", NULL, "=aws:kms:dsse;", ""},
      {"AES256", "", KEY_B64,
       "-customer-algorithm=AES256;-customer-key=" KEY_B64 ";-customer-key-md5=" KEY_MD5 ";",
       "-customer-algorithm=AES256;-customer-key=" KEY_B64 ";-customer-key-md5=" KEY_MD5 ";"},
  };
  kc_http_t *h = kc_http_create(&loop);
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    const sse_case_t *t = &cases[i];
    kc_s3_client_t c = {0};
    CHECK(kc_s3_client_set_sse(&c, t->ssea, t->kms, t->ckey) == 0);
    for (int kind = 0; kind < 2; kind++) {
      kc_http_req_t *req;
      json_t *j = send_with_sse(h, &c, (kc_s3_sse_req_t)kind, "/echo/obj", &req);
      char got[1024];
      sse_headers(j, got, sizeof got);
      CHECKF(!strcmp(got, kind ? t->part : t->object), "case %zu kind %d: got '%s' want '%s'", i, kind,
             got, kind ? t->part : t->object);
      /* the answer confirms nothing: fail closed whenever SSE was asked for */
      char err[512] = "";
      int rc = kc_s3_sse_check_response(&c, req, err, sizeof err);
      CHECKF(*t->ssea ? rc != 0 : rc == 0, "case %zu: check %d (%s)", i, rc, err);
      if (rc) {
        CHECK(strstr(err, "lacks the x-amz-server-side-encryption") != NULL);
        CHECK(!strstr(err, KEY_B64));
      }
      json_decref(j);
      kc_http_req_destroy(req);
      /* every x-amz-* header must be signed: the verifier refuses otherwise */
      j = send_with_sse(h, &c, (kc_s3_sse_req_t)kind, "/s3/bucket/obj.json", &req);
      CHECKF(kc_http_req_status(req) == 200, "case %zu kind %d: HTTP %ld %.300s", i, kind,
             kc_http_req_status(req), kc_http_req_response(req)->data);
      json_decref(j);
      kc_http_req_destroy(req);
    }
    free(c.sse);
    free(c.sse_kms_key_id);
    free(c.sse_customer_key);
    free(c.sse_customer_key_md5);
  }
  kc_s3_client_t c = {0};
  CHECK(kc_s3_client_set_sse(&c, "AES256", "", "c2hvcnQ=") == KC_EINVAL);
  int closed = 0;
  kc_http_close(h, NULL, NULL);
  (void)closed;
  for (int i = 0; i < 50 && uv_loop_alive(&loop); i++) uv_run(&loop, UV_RUN_NOWAIT), usleep(10000);
}

/* Referenced so the static link pulls the plugin table (and the whole S3 library) on the first pass. */
extern const kc_connector_plugin_t *const kc_builtin_plugins[];

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  CHECK(kc_builtin_plugins[0] != NULL);
  kc_test_run("config_rules", test_config_rules);
  uv_loop_init(&loop);
  if (server_start()) {
    printf("FAIL setup (python3 test server)\n");
    server_stop();
    kc_test_add(0, 1);
    return kc_test_done();
  }
  kc_test_run("headers_sent_and_signed", test_headers_sent_and_signed);
  server_stop();
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(uv_loop_close(&loop) == 0);
  return kc_test_done();
}
