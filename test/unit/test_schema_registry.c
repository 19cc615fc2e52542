/*
 * Schema Registry client (src/convert/schema_registry.c) against sr_fault_server.py, a
 * Confluent-compatible stand-in with fault switches, served under Apicurio's base path.
 * The loop is driven with uv_run; nothing sleeps.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "convert/schema_registry.h"
#include "http/http.h"
#include "kc_test.h"
#include "kc_test_peer.h"

#define BASE_PATH "/apis/ccompat/v7"

static uv_loop_t loop;
static kc_http_t *http;
static kc_test_peer_t peer = {-1, -1, 0};
static char url[128]; /* http://127.0.0.1:P/apis/ccompat/v7 */
static int notified;

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void on_tick(uv_timer_t *t) { (void)t; }

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

static void on_notify(void *arg) { (*(int *)arg)++; }

/* ---- talking to the fault server's control endpoints (on the loop too) ---- */

static int ctl_done;
static void on_ctl(kc_http_req_t *req, int status, void *arg) {
  (void)req, (void)status, (void)arg;
  ctl_done++;
}

static char *ctl_call(const char *method, const char *path, const char *body) {
  char u[160];
  snprintf(u, sizeof u, "http://127.0.0.1:%d%s", peer.port, path);
  kc_http_req_t *req = kc_http_req_new(method, u);
  if (body) kc_http_req_set_body(req, body, strlen(body));
  ctl_done = 0;
  char *out = NULL;
  if (kc__http_submit(http, req, on_ctl, NULL) == 0 && run_until(&ctl_done, 1, 5000))
    out = strdup(kc_http_req_response(req)->data);
  kc_http_req_destroy(req);
  return out;
}

static void ctl(const char *json) { free(ctl_call("POST", "/_ctl", json)); }

static json_t *stats(void) {
  char *s = ctl_call("GET", "/_stats", NULL);
  json_t *j = s ? json_loads(s, 0, NULL) : NULL;
  free(s);
  return j;
}

static int64_t server_requests(void) {
  json_t *j = stats();
  int64_t n = j ? json_integer_value(json_object_get(j, "requests")) : -1;
  json_decref(j);
  return n;
}

static const char *last_field(json_t *j, const char *k) {
  return json_string_value(json_object_get(json_object_get(j, "last"), k));
}

static void reset_server(void) {
  ctl("{\"fail\":0,\"auth\":null,\"bearer\":null,\"delay_ms\":0,\"error\":null}");
}

/* ---- client helpers ---- */

static kc_sr_client_t *client(const char *const *kv, char *err, size_t errlen) {
  kc_config_t *cfg = kc_config_new();
  for (size_t i = 0; kv[i]; i += 2) kc_config_set(cfg, kv[i], kv[i + 1]);
  kc_sr_client_t *c = kc_sr_client_new(cfg, err, errlen);
  kc_config_destroy(cfg);
  if (c) kc_sr_client_attach(c, http, on_notify, &notified);
  return c;
}

/* Probes until an answer other than KC_AGAIN (each wait is for one notify). */
static int id_for(kc_sr_client_t *c, const char *subject, const char *schema, int32_t *id,
                  char *err, size_t errlen) {
  for (int i = 0; i < 50; i++) {
    int before = notified;
    int rc = kc_sr_id_for_schema(c, subject, schema, strlen(schema), id, NULL, NULL, err, errlen);
    if (rc != KC_AGAIN) return rc;
    if (!run_until(&notified, before + 1, 20000)) return KC_ETIMEDOUT;
  }
  return KC_ETIMEDOUT;
}

static int by_id(kc_sr_client_t *c, int32_t id, const char **text, char *err, size_t errlen) {
  for (int i = 0; i < 50; i++) {
    int before = notified;
    size_t len;
    int rc = kc_sr_schema_by_id(c, id, text, &len, err, errlen);
    if (rc != KC_AGAIN) return rc;
    if (!run_until(&notified, before + 1, 20000)) return KC_ETIMEDOUT;
  }
  return KC_ETIMEDOUT;
}

#define SCHEMA_A "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"f\",\"type\":\"string\"}]}"
#define SCHEMA_B "{\"type\":\"string\",\"x\":\"b \\\"quoted\\\"\"}"

static int free_port(void) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t alen = sizeof a;
  bind(s, (struct sockaddr *)&a, sizeof a);
  getsockname(s, (struct sockaddr *)&a, &alen);
  close(s);
  return ntohs(a.sin_port);
}

/* ---- tests ---- */

static void test_register_lookup_by_id(void) {
  char err[512] = "";
  char u[160];
  snprintf(u, sizeof u, "%s/", url); /* a trailing '/' joins without "//" */
  const char *kv[] = {"schema.registry.url", u, NULL};
  kc_sr_client_t *c = client(kv, err, sizeof err);
  CHECKF(c != NULL, "%s", err);
  if (!c) return;
  int64_t before = server_requests();
  int32_t id = 0;
  CHECK(id_for(c, "my topic/x-value", SCHEMA_B, &id, err, sizeof err) == 0);
  CHECK(id > 0);
  json_t *st = stats();
  CHECK_STR(last_field(st, "path"), BASE_PATH "/subjects/my%20topic%2Fx-value/versions");
  CHECK_STR(last_field(st, "method"), "POST");
  CHECK_STR(last_field(st, "content_type"), "application/vnd.schemaregistry.v1+json");
  CHECK_PREFIX(last_field(st, "accept"), "application/vnd.schemaregistry.v1+json, ");
  json_t *body = json_loads(last_field(st, "body"), 0, NULL);
  CHECK_STR(json_string_value(json_object_get(body, "schema")), SCHEMA_B);
  json_decref(body);
  json_decref(st);
  /* cache hits: the same schema, and its id (registered answers fill the id cache) */
  int32_t id2 = 0;
  CHECK(kc_sr_id_for_schema(c, "my topic/x-value", SCHEMA_B, strlen(SCHEMA_B), &id2, NULL, NULL,
                            err, sizeof err) == 0);
  CHECK(id2 == id);
  const char *text = NULL;
  size_t len = 0;
  CHECK(kc_sr_schema_by_id(c, id, &text, &len, err, sizeof err) == 0);
  CHECK(text && len == strlen(SCHEMA_B) && !memcmp(text, SCHEMA_B, len));
  CHECK(server_requests() == before + 1);
  kc_sr_stats_t s;
  kc_sr_client_stats(c, &s);
  CHECK(s.requests == 1 && s.cache_hits == 3); /* the helper's second probe, then two */
  kc_sr_client_destroy(c);

  /* a new client: by id goes to GET /schemas/ids/{id}, then look-up mode finds the version */
  const char *kv2[] = {"schema.registry.url", url, "auto.register.schemas", "false", NULL};
  c = client(kv2, err, sizeof err);
  CHECK(by_id(c, id, &text, err, sizeof err) == 0);
  CHECK(text && !strcmp(text, SCHEMA_B));
  st = stats();
  CHECK(last_field(st, "path") && strstr(last_field(st, "path"), "/schemas/ids/") != NULL);
  json_decref(st);
  CHECK(id_for(c, "my topic/x-value", SCHEMA_B, &id2, err, sizeof err) == 0);
  CHECK(id2 == id);
  st = stats();
  CHECK_STR(last_field(st, "path"), BASE_PATH "/subjects/my%20topic%2Fx-value");
  json_decref(st);
  kc_sr_client_destroy(c);
}

static void test_coalescing(void) {
  char err[512] = "";
  const char *kv[] = {"schema.registry.url", url, NULL};
  kc_sr_client_t *c = client(kv, err, sizeof err);
  ctl("{\"delay_ms\":200}");
  int64_t before = server_requests();
  int32_t id = 0;
  for (int i = 0; i < 10; i++)
    CHECK(kc_sr_id_for_schema(c, "co-value", SCHEMA_A, strlen(SCHEMA_A), &id, NULL, NULL, err,
                              sizeof err) == KC_AGAIN);
  int n = notified;
  CHECK(run_until(&notified, n + 1, 5000));
  CHECK(kc_sr_id_for_schema(c, "co-value", SCHEMA_A, strlen(SCHEMA_A), &id, NULL, NULL, err,
                            sizeof err) == 0);
  reset_server();
  CHECK(server_requests() == before + 1);
  kc_sr_client_destroy(c);
}

static void test_final_errors(void) {
  char err[512] = "";
  const char *kv[] = {"schema.registry.url", url, "auto.register.schemas", "false", NULL};
  kc_sr_client_t *c = client(kv, err, sizeof err);
  int32_t id;
  CHECK(id_for(c, "nope-value", SCHEMA_A, &id, err, sizeof err) == KC_ECONVERT);
  char want[512];
  snprintf(want, sizeof want,
           "Subject 'nope-value' not found.; error code: 40401 (schema registry %s/subjects/nope-value)",
           url);
  CHECK_STR(err, want);
  CHECK(!kc_sr_last_error_is_auth(c));
  /* handed out once: the next probe asks again */
  CHECK(kc_sr_id_for_schema(c, "nope-value", SCHEMA_A, strlen(SCHEMA_A), &id, NULL, NULL, err,
                            sizeof err) == KC_AGAIN);
  const char *text;
  CHECK(by_id(c, 4242, &text, err, sizeof err) == KC_ECONVERT);
  CHECK_PREFIX(err, "Schema 4242 not found; error code: 40403 (schema registry ");
  ctl("{\"error\":{\"status\":409,\"error_code\":409,\"message\":\"Schema being registered is "
      "incompatible with an earlier schema\"}}");
  CHECK(id_for(c, "x-value", SCHEMA_A, &id, err, sizeof err) == KC_ECONVERT);
  CHECK_PREFIX(err, "Schema being registered is incompatible with an earlier schema; error code: 409");
  /* not UTF-8: refused before anything is sent */
  CHECK(kc_sr_id_for_schema(c, "x-value", "\"\xff\"", 3, &id, NULL, NULL, err, sizeof err) ==
        KC_ECONVERT);
  CHECK_STR(err, "Schema for subject 'x-value' is not valid UTF-8");
  kc_sr_client_destroy(c);
  /* user info in the URL is never printed */
  char withcreds[200];
  snprintf(withcreds, sizeof withcreds, "http://bob:hunter2@127.0.0.1:%d" BASE_PATH, peer.port);
  const char *kv2[] = {"schema.registry.url", withcreds, "auto.register.schemas", "false", NULL};
  c = client(kv2, err, sizeof err);
  CHECK(id_for(c, "nope-value", SCHEMA_A, &id, err, sizeof err) == KC_ECONVERT);
  CHECK_STR(err, want);
  json_t *st = stats();
  CHECK_STR(last_field(st, "authorization"), "Basic Ym9iOmh1bnRlcjI="); /* bob:hunter2 */
  json_decref(st);
  kc_sr_client_destroy(c);
}

static void test_retry_and_failover(void) {
  char err[512] = "";
  const char *kv[] = {"schema.registry.url", url, NULL};
  kc_sr_client_t *c = client(kv, err, sizeof err);
  ctl("{\"fail\":3}");
  int32_t id = 0;
  double t0 = now_ms();
  kc_test_capture_t cap;
  kc_test_capture_begin(&cap, "sr");
  int rc = id_for(c, "retry-value", SCHEMA_A, &id, err, sizeof err);
  char log[8192];
  kc_test_capture_end(&cap, log, sizeof log);
  CHECK(rc == 0);
  double took = now_ms() - t0;
  /* one WARN for the streak of three failures, then one INFO when it answers */
  const char *w = strstr(log, "WARN request to schema registry");
  CHECKF(w && !strstr(w + 1, "WARN"), "%s", log);
  CHECK(strstr(log, "HTTP 500") != NULL && strstr(log, "answers again") != NULL);
  kc_sr_stats_t s;
  kc_sr_client_stats(c, &s);
  CHECK(s.retries == 3 && s.requests == 4);
  CHECKF(took >= 650, "back-off 100+200+400 ms, took %.0f ms", took); /* 100, 200, 400 */
  kc_sr_client_destroy(c);

  /* a dead first URL: the second answers, at once (failover needs no back-off) */
  char list[300];
  snprintf(list, sizeof list, "http://127.0.0.1:%d, %s", free_port(), url);
  const char *kv2[] = {"schema.registry.url", list, NULL};
  c = client(kv2, err, sizeof err);
  CHECK(id_for(c, "fo-value", SCHEMA_A, &id, err, sizeof err) == 0);
  kc_sr_client_stats(c, &s);
  CHECK(s.failovers == 1 && s.requests == 2);
  kc_sr_client_destroy(c);
  /* three keys failing on the dead URL at once move to the good one once, not three times */
  c = client(kv2, err, sizeof err);
  const char *sch[] = {"\"int\"", "\"long\"", "\"float\""};
  for (int i = 0; i < 3; i++)
    CHECK(kc_sr_id_for_schema(c, "fo3-value", sch[i], strlen(sch[i]), &id, NULL, NULL, err,
                              sizeof err) == KC_AGAIN);
  for (int i = 0; i < 3; i++) CHECK(id_for(c, "fo3-value", sch[i], &id, err, sizeof err) == 0);
  kc_sr_client_stats(c, &s);
  CHECK(s.failovers == 1 && s.requests == 6 && s.retries == 3);
  kc_sr_client_destroy(c);
}

static void expect_auth_ok(const char *const *kv, const char *subject) {
  char err[512] = "";
  kc_sr_client_t *c = client(kv, err, sizeof err);
  CHECKF(c != NULL, "%s", err);
  if (!c) return;
  int32_t id;
  int rc = id_for(c, subject, SCHEMA_A, &id, err, sizeof err);
  CHECKF(rc == 0, "%s: %d %s", subject, rc, err);
  kc_sr_client_destroy(c);
}

static void test_auth_sources(void) {
  ctl("{\"auth\":\"alice:s3cr:et\"}");
  const char *ui[] = {"schema.registry.url", url, "basic.auth.credentials.source", "USER_INFO",
                      "basic.auth.user.info", "alice:s3cr:et", NULL};
  expect_auth_ok(ui, "ui-value");
  const char *ui2[] = {"schema.registry.url", url, "basic.auth.credentials.source", "USER_INFO",
                       "schema.registry.basic.auth.user.info", "alice:s3cr:et", NULL};
  expect_auth_ok(ui2, "ui2-value");
  char withcreds[200];
  snprintf(withcreds, sizeof withcreds, "http://alice:s3cr:et@127.0.0.1:%d" BASE_PATH, peer.port);
  const char *byurl[] = {"schema.registry.url", withcreds, NULL};
  expect_auth_ok(byurl, "url-value");
  const char *sasl[] = {"schema.registry.url", url, "basic.auth.credentials.source", "SASL_INHERIT",
                        "sasl.jaas.config",
                        "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        "username=\"alice\" password=\"s3cr:et\";",
                        NULL};
  expect_auth_ok(sasl, "sasl-value");

  /* wrong password: 401, final, no credentials in the text */
  char err[512] = "";
  snprintf(withcreds, sizeof withcreds, "http://alice:WRONGPW@127.0.0.1:%d" BASE_PATH, peer.port);
  const char *bad[] = {"schema.registry.url", withcreds, NULL};
  kc_sr_client_t *c = client(bad, err, sizeof err);
  int32_t id;
  CHECK(id_for(c, "bad-value", SCHEMA_A, &id, err, sizeof err) == KC_ECONVERT);
  char want[300];
  snprintf(want, sizeof want, "Unauthorized; error code: 401 (schema registry %s/subjects/bad-value/versions)",
           url);
  CHECK_STR(err, want);
  CHECK(strstr(err, "WRONGPW") == NULL && strstr(err, "alice") == NULL);
  CHECK(kc_sr_last_error_is_auth(c));
  kc_sr_client_destroy(c);

  ctl("{\"auth\":null,\"bearer\":\"tok-123\"}");
  const char *bearer[] = {"schema.registry.url", url, "bearer.auth.credentials.source",
                          "STATIC_TOKEN", "bearer.auth.token", "tok-123", NULL};
  expect_auth_ok(bearer, "bearer-value");
  const char *nobearer[] = {"schema.registry.url", url, NULL};
  c = client(nobearer, err, sizeof err);
  CHECK(id_for(c, "nob-value", SCHEMA_A, &id, err, sizeof err) == KC_ECONVERT);
  CHECK(kc_sr_last_error_is_auth(c));
  kc_sr_client_destroy(c);
  reset_server();
}

/* Confluent 7.9's caches are BoundedConcurrentHashMaps: past max.schemas.per.subject the least
 * recently used entry goes and is asked for again (older clients threw "Too many schema
 * objects created for ...!"). */
static void test_max_schemas_per_subject(void) {
  char err[512] = "";
  const char *kv[] = {"schema.registry.url", url, "max.schemas.per.subject", "2", NULL};
  kc_sr_client_t *c = client(kv, err, sizeof err);
  int32_t i1, l1, d1, x;
  int64_t before = server_requests();
  CHECK(id_for(c, "m-value", "\"int\"", &i1, err, sizeof err) == 0);
  CHECK(id_for(c, "m-value", "\"long\"", &l1, err, sizeof err) == 0);
  CHECK(id_for(c, "m-value", "\"int\"", &x, err, sizeof err) == 0 && x == i1); /* hit */
  CHECK(id_for(c, "m-value", "\"double\"", &d1, err, sizeof err) == 0);     /* evicts long */
  CHECK(server_requests() == before + 3);
  CHECK(id_for(c, "m-value", "\"int\"", &x, err, sizeof err) == 0 && x == i1); /* still cached */
  CHECK(server_requests() == before + 3);
  CHECK(id_for(c, "m-value", "\"long\"", &x, err, sizeof err) == 0 && x == l1); /* asked again */
  CHECK(server_requests() == before + 4);
  kc_sr_stats_t s;
  kc_sr_client_stats(c, &s);
  CHECK(s.requests == 4);
  kc_sr_client_destroy(c);
}

static void test_use_latest(void) {
  char err[512] = "";
  int32_t reg_id, id;
  const char *kv0[] = {"schema.registry.url", url, NULL};
  kc_sr_client_t *c = client(kv0, err, sizeof err);
  CHECK(id_for(c, "lt-value", SCHEMA_A, &reg_id, err, sizeof err) == 0);
  kc_sr_client_destroy(c);
  const char *kv[] = {"schema.registry.url", url, "use.latest.version", "true", NULL};
  c = client(kv, err, sizeof err);
  CHECK(id_for(c, "lt-value", "\"string\"", &id, err, sizeof err) == 0);
  CHECK(id == reg_id);
  const char *lt = NULL;
  size_t ll = 0;
  CHECK(kc_sr_id_for_schema(c, "lt-value", "\"string\"", 8, &id, &lt, &ll, err, sizeof err) == 0);
  CHECK(lt && ll == strlen(SCHEMA_A) && !strcmp(lt, SCHEMA_A));
  CHECK(id_for(c, "lt-value", "\"INCOMPATIBLE\"", &id, err, sizeof err) == KC_ECONVERT);
  CHECK_PREFIX(err, "Incompatible schema '" SCHEMA_A "' for schema '\"INCOMPATIBLE\"'. Set "
                    "latest.compatibility.strict=false");
  kc_sr_client_destroy(c);
}

static void test_destroy_in_flight(void) {
  char err[512] = "";
  const char *kv[] = {"schema.registry.url", url, NULL};
  /* a request in flight */
  ctl("{\"delay_ms\":300}");
  kc_sr_client_t *c = client(kv, err, sizeof err);
  int32_t id;
  int n = notified;
  CHECK(kc_sr_id_for_schema(c, "d-value", "\"int\"", 5, &id, NULL, NULL, err, sizeof err) == KC_AGAIN);
  CHECK(kc_sr_schema_by_id(c, 777, (const char **)&(const char *){NULL}, NULL, err, sizeof err) ==
        KC_AGAIN);
  kc_sr_client_destroy(c);
  /* a back-off timer pending */
  ctl("{\"delay_ms\":0,\"fail\":1000}");
  c = client(kv, err, sizeof err);
  CHECK(kc_sr_id_for_schema(c, "d2-value", "\"int\"", 5, &id, NULL, NULL, err, sizeof err) == KC_AGAIN);
  kc_sr_stats_t s = {0};
  double end = now_ms() + 5000;
  while (s.retries < 2 && now_ms() < end) {
    uv_run(&loop, UV_RUN_ONCE);
    kc_sr_client_stats(c, &s);
  }
  CHECK(s.retries >= 2);
  kc_sr_client_destroy(c);
  reset_server();
  CHECK(notified == n); /* never notified after destroy */
}

static void test_config_errors(void) {
  char err[512];
  struct {
    const char *k1, *v1, *k2, *v2, *want;
  } cases[] = {
      {"auto.register.schemas", "true", NULL, NULL, "Missing required configuration \"schema.registry.url\""},
      {"schema.registry.url", "ftp://x", NULL, NULL, "Invalid value for configuration schema.registry.url"},
      {"proxy.host", "proxy.local", NULL, NULL, "Invalid value proxy.local for configuration proxy.host"},
      {"schema.reflection", "true", NULL, NULL, "Invalid value true for configuration schema.reflection"},
      {"key.schema.id.serializer", "x.HeaderSchemaIdSerializer", NULL, NULL,
       "Invalid value x.HeaderSchemaIdSerializer for configuration key.schema.id.serializer"},
      {"basic.auth.credentials.source", "FOO", NULL, NULL,
       "Invalid value FOO for configuration basic.auth.credentials.source"},
      {"basic.auth.credentials.source", "USER_INFO", NULL, NULL,
       "Missing configuration basic.auth.user.info"},
      {"bearer.auth.credentials.source", "OAUTHBEARER", NULL, NULL,
       "Invalid value OAUTHBEARER for configuration bearer.auth.credentials.source"},
      {"bearer.auth.credentials.source", "STATIC_TOKEN", "basic.auth.credentials.source", "URL",
       "Only one of 'basic.auth.credentials.source' and 'bearer.auth.credentials.source'"},
      {"basic.auth.credentials.source", "SASL_INHERIT", "sasl.jaas.config",
       "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"a\" password=\"b\";",
       "Invalid value for configuration sasl.jaas.config"},
      {"max.schemas.per.subject", "zero", NULL, NULL,
       "Invalid value zero for configuration max.schemas.per.subject"},
      {"max.retries", "5", NULL, NULL, "Invalid value 5 for configuration max.retries"},
      {"schema.registry.ssl.truststore.type", "JKS", "schema.registry.ssl.truststore.location", "",
       NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    kc_config_t *cfg = kc_config_new();
    if (strcmp(cases[i].k1, "auto.register.schemas") && strcmp(cases[i].v1, "ftp://x"))
      kc_config_set(cfg, "schema.registry.url", url);
    kc_config_set(cfg, cases[i].k1, cases[i].v1);
    if (cases[i].k2) kc_config_set(cfg, cases[i].k2, cases[i].v2);
    err[0] = '\0';
    kc_sr_client_t *c = kc_sr_client_new(cfg, err, sizeof err);
    kc_config_destroy(cfg);
    if (cases[i].want) {
      CHECKF(c == NULL, "case %zu accepted", i);
      CHECK_PREFIX(err, cases[i].want);
    } else {
      CHECKF(c != NULL, "case %zu: %s", i, err); /* an empty location: no store */
    }
    kc_sr_client_destroy(c);
  }
  /* defaults are accepted; unknown keys ignored */
  const char *ok[] = {"schema.registry.url", url, "proxy.host", "", "proxy.port", "-1",
                      "schema.reflection", "false", "some.unknown.key", "x", NULL};
  kc_sr_client_t *c = client(ok, err, sizeof err);
  CHECKF(c != NULL, "%s", err);
  kc_sr_client_destroy(c);
  /* a JKS store is refused by its magic number too */
  char path[256];
  const unsigned char jks[] = {0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2};
  CHECK(kc_test_temp_file(path, sizeof path, "sr-jks", jks, sizeof jks) == 0);
  const char *j[] = {"schema.registry.url", url, "schema.registry.ssl.truststore.location", path, NULL};
  c = client(j, err, sizeof err);
  CHECK(c == NULL && strstr(err, "JKS stores are not supported") != NULL);
  kc_sr_client_destroy(c);
  unlink(path);
  /* not attached */
  const char *na[] = {"schema.registry.url", url, NULL};
  kc_config_t *cfg = kc_config_new();
  kc_config_set(cfg, na[0], na[1]);
  c = kc_sr_client_new(cfg, err, sizeof err);
  kc_config_destroy(cfg);
  const char *t;
  CHECK(kc_sr_schema_by_id(c, 1, &t, NULL, err, sizeof err) == KC_ESTATE);
  kc_sr_client_destroy(c);
}

/* HTTPS with a client certificate: PEM and PKCS12 stores, hostname verification. */
static void test_tls(void) {
  char dir[256], cmd[4096], err[512] = "";
  if (kc_test_temp_dir(dir, sizeof dir, "sr-tls")) {
    CHECK(!"temp dir");
    return;
  }
  snprintf(cmd, sizeof cmd,
           "cd '%s' && exec >/dev/null 2>&1 && "
           "openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj /CN=kc-test-ca && "
           "openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=127.0.0.1 && "
           "printf 'subjectAltName=IP:127.0.0.1\\n' > srv.ext && "
           "openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile srv.ext && "
           "openssl req -newkey rsa:2048 -nodes -keyout cli.key -out cli.csr -subj /CN=client && "
           "openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cli.pem -days 2 && "
           "cat cli.pem cli.key > cli-both.pem && "
           "openssl pkcs12 -export -nokeys -in ca.pem -out trust.p12 -passout pass:tpw && "
           "openssl pkcs12 -export -in cli.pem -inkey cli.key -out key.p12 -passout pass:kpw",
           dir);
  if (kc_test_sh(cmd, NULL, NULL) != 0) {
    CHECK(!"openssl could not make the test certificates");
    kc_test_remove_tree(dir);
    return;
  }
  char f[6][320];
  const char *names[] = {"srv.pem", "srv.key", "ca.pem", "cli-both.pem", "trust.p12", "key.p12"};
  for (int i = 0; i < 6; i++) snprintf(f[i], sizeof f[i], "%s/%s", dir, names[i]);
  char *const argv[] = {"python3", (char *)kc_test_source("test/unit/sr_fault_server.py"),
                        "--tls-cert", f[0], "--tls-key", f[1], "--tls-ca", f[2], NULL};
  kc_test_peer_t tp = {-1, -1, 0};
  if (kc_test_peer_start(&tp, argv) != 0) {
    CHECK(!"TLS server did not start");
    kc_test_remove_tree(dir);
    return;
  }
  char u[128], lu[128];
  snprintf(u, sizeof u, "https://127.0.0.1:%d", tp.port);
  snprintf(lu, sizeof lu, "https://localhost:%d", tp.port);
  int32_t id;
  /* PEM stores */
  const char *pem[] = {"schema.registry.url", u, "schema.registry.ssl.truststore.location", f[2],
                       "schema.registry.ssl.truststore.type", "PEM",
                       "schema.registry.ssl.keystore.location", f[3], NULL};
  kc_sr_client_t *c = client(pem, err, sizeof err);
  CHECKF(c != NULL, "%s", err);
  if (c) CHECKF(id_for(c, "tls-value", SCHEMA_A, &id, err, sizeof err) == 0, "%s", err);
  kc_sr_client_destroy(c);
  /* PKCS12 stores (types sniffed) */
  const char *p12[] = {"schema.registry.url", u, "schema.registry.ssl.truststore.location", f[4],
                       "schema.registry.ssl.truststore.password", "tpw",
                       "schema.registry.ssl.keystore.location", f[5],
                       "schema.registry.ssl.keystore.type", "PKCS12",
                       "schema.registry.ssl.keystore.password", "kpw", NULL};
  c = client(p12, err, sizeof err);
  CHECKF(c != NULL, "%s", err);
  if (c) CHECKF(id_for(c, "tls2-value", SCHEMA_A, &id, err, sizeof err) == 0, "%s", err);
  kc_sr_client_destroy(c);
  /* wrong store password: refused at configure time, naming the key */
  const char *badpw[] = {"schema.registry.url", u, "schema.registry.ssl.truststore.location", f[4],
                         "schema.registry.ssl.truststore.password", "nope", NULL};
  c = client(badpw, err, sizeof err);
  CHECK(c == NULL && strstr(err, "schema.registry.ssl.truststore.location") != NULL);
  kc_sr_client_destroy(c);
  /* "localhost" is not in the certificate: retried (an SSLException is transient in Java too)
   * until verification is switched off */
  const char *host[] = {"schema.registry.url", lu, "schema.registry.ssl.truststore.location", f[2],
                        "schema.registry.ssl.keystore.location", f[3], NULL};
  c = client(host, err, sizeof err);
  CHECK(kc_sr_id_for_schema(c, "h-value", "\"int\"", 5, &id, NULL, NULL, err, sizeof err) == KC_AGAIN);
  kc_sr_stats_t s = {0};
  double end = now_ms() + 5000;
  while (s.retries < 1 && now_ms() < end) {
    uv_run(&loop, UV_RUN_ONCE);
    kc_sr_client_stats(c, &s);
  }
  CHECK(s.retries >= 1);
  kc_sr_client_destroy(c);
  const char *nohost[] = {"schema.registry.url", lu, "schema.registry.ssl.truststore.location", f[2],
                          "schema.registry.ssl.keystore.location", f[3],
                          "schema.registry.ssl.endpoint.identification.algorithm", "", NULL};
  c = client(nohost, err, sizeof err);
  CHECKF(id_for(c, "h-value", "\"int\"", &id, err, sizeof err) == 0, "%s", err);
  kc_sr_client_destroy(c);
  /* no client certificate: the server refuses the handshake */
  const char *nocert[] = {"schema.registry.url", u, "schema.registry.ssl.truststore.location", f[2], NULL};
  c = client(nocert, err, sizeof err);
  CHECK(kc_sr_id_for_schema(c, "nc-value", "\"int\"", 5, &id, NULL, NULL, err, sizeof err) == KC_AGAIN);
  s.retries = 0;
  end = now_ms() + 5000;
  while (s.retries < 1 && now_ms() < end) {
    uv_run(&loop, UV_RUN_ONCE);
    kc_sr_client_stats(c, &s);
  }
  CHECK(s.retries >= 1);
  kc_sr_client_destroy(c);
  kc_test_peer_stop(&tp);
  kc_test_remove_tree(dir);
}

static void on_http_closed(void *arg) { (*(int *)arg)++; }

int main(void) {
  signal(SIGPIPE, SIG_IGN);
  uv_loop_init(&loop);
  char *const argv[] = {"python3", (char *)kc_test_source("test/unit/sr_fault_server.py"),
                        "--base-path", BASE_PATH, NULL};
  http = kc_http_create(&loop);
  if (!http || kc_test_peer_start(&peer, argv) != 0) {
    printf("FAIL setup (python3 sr_fault_server.py)\n");
    kc_test_peer_stop(&peer);
    kc_test_add(0, 1);
    return kc_test_done();
  }
  snprintf(url, sizeof url, "http://127.0.0.1:%d" BASE_PATH, peer.port);
  kc_test_run("config_errors", test_config_errors);
  kc_test_run("register_lookup_by_id", test_register_lookup_by_id);
  kc_test_run("coalescing", test_coalescing);
  kc_test_run("final_errors", test_final_errors);
  kc_test_run("retry_and_failover", test_retry_and_failover);
  kc_test_run("auth_sources", test_auth_sources);
  kc_test_run("max_schemas_per_subject", test_max_schemas_per_subject);
  kc_test_run("use_latest", test_use_latest);
  kc_test_run("destroy_in_flight", test_destroy_in_flight);
  kc_test_run("tls", test_tls);
  int closed = 0;
  kc_http_close(http, on_http_closed, &closed);
  CHECK(run_until(&closed, 1, 5000));
  kc_test_peer_stop(&peer);
  CHECK(uv_loop_close(&loop) == 0);
  return kc_test_done();
}
