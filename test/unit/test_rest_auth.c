/*
 * The REST request policy parsers (src/rest/auth.c, src/rest/cors.c): the JAAS
 * file syntax and its failures, KAFKA_OPTS parsing, Java's Base64 decoder
 * messages, the Basic credential check, Jetty's csvSplit, CORS and
 * response.http.headers.config (validation messages as RestServerConfig).
 */
#include <string.h>

#include "kc_test.h"
#include "rest/auth.h"
#include "rest/cors.h"

static char g_dir[512];
static char g_creds[600], g_creds2[600], g_empty[600];

static void put(const char *path, const char *text) { kc_test_write_file(path, text, strlen(text)); }

static void setup_files(void) {
  kc_test_temp_dir(g_dir, sizeof(g_dir), "rest_auth");
  snprintf(g_creds, sizeof(g_creds), "%s/creds.properties", g_dir);
  snprintf(g_creds2, sizeof(g_creds2), "%s/creds2.properties", g_dir);
  snprintf(g_empty, sizeof(g_empty), "%s/empty.properties", g_dir);
  put(g_creds, "# users\nuser=password\nadmin = s3cret:with:colons\nlatin=p\xe4ss\n");
  put(g_creds2, "other=pw2\n");
  put(g_empty, "# nobody\n");
}

static kc_rest_auth_t *jaas(const char *fmt, const char *a, const char *b, char *err, size_t n) {
  char text[4096];
  snprintf(text, sizeof(text), fmt, a, b);
  return kc_rest_auth_from_jaas(text, strlen(text), "jaas.conf", err, n);
}

static const char *basic(const char *userpass, char *buf, size_t n) {
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t len = strlen(userpass), o = snprintf(buf, n, "Basic ");
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned char)userpass[i] << 16;
    if (i + 1 < len) v |= (unsigned char)userpass[i + 1] << 8;
    if (i + 2 < len) v |= (unsigned char)userpass[i + 2];
    buf[o++] = tbl[(v >> 18) & 63];
    buf[o++] = tbl[(v >> 12) & 63];
    buf[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
    buf[o++] = i + 2 < len ? tbl[v & 63] : '=';
  }
  buf[o] = '\0';
  return buf;
}

static void test_jaas_ok(void) {
  char err[1024] = "";
  kc_rest_auth_t *a = jaas("/* a comment */ Client { com.example.Other optional debug=true; };\n"
                           "// line comment\n"
                           "KafkaConnect {\n"
                           "  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n"
                           "    file=\"%s\" debug=\"true\";\n"
                           "  \"org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule\" OPTIONAL file='%s';\n"
                           "};\n",
                           g_creds, g_creds2, err, sizeof(err));
  if (!CHECKF(a != NULL, "%s", err)) return;
  char b[256], msg[256];
  CHECK(kc_rest_auth_check(a, basic("user:password", b, sizeof(b)), msg, sizeof(msg)) == 0);
  CHECK(kc_rest_auth_check(a, basic("admin:s3cret:with:colons", b, sizeof(b)), msg, sizeof(msg)) == 0);
  CHECK(kc_rest_auth_check(a, basic("other:pw2", b, sizeof(b)), msg, sizeof(msg)) == 0); /* second module */
  /* The file is ISO-8859-1 (Properties.load(InputStream)): byte E4 is U+00E4, UTF-8 C3 A4 in the header. */
  CHECK(kc_rest_auth_check(a, basic("latin:p\xc3\xa4ss", b, sizeof(b)), msg, sizeof(msg)) == 0);
  CHECK(kc_rest_auth_check(a, basic("latin:p\xe4ss", b, sizeof(b)), msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, basic("user:passwordx", b, sizeof(b)), msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, basic("user:", b, sizeof(b)), msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, basic("nobody:password", b, sizeof(b)), msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, basic(":password", b, sizeof(b)), msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, basic("userpassword", b, sizeof(b)), msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, NULL, msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, "Basic", msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, " Basic dXNlcjpwYXNzd29yZA==", msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, "Bearer dXNlcjpwYXNzd29yZA==", msg, sizeof(msg)) == 401);
  CHECK(kc_rest_auth_check(a, "bAsIc dXNlcjpwYXNzd29yZA==", msg, sizeof(msg)) == 0);
  CHECK(kc_rest_auth_check(a, "Basic dXNlcjpwYXNzd29yZA", msg, sizeof(msg)) == 0); /* padding optional */
  CHECK(kc_rest_auth_check(a, "Basic ", msg, sizeof(msg)) == 401);                /* "" has no colon */
  CHECK(kc_rest_auth_check(a, "Basic dXNlcjpwYXNz!29yZA==", msg, sizeof(msg)) == 500);
  CHECK_STR(msg, "Illegal base64 character 21");
  CHECK(kc_rest_auth_check(a, "Basic  dXNlcjpwYXNzd29yZA==", msg, sizeof(msg)) == 500);
  CHECK_STR(msg, "Illegal base64 character 20");
  kc_rest_auth_destroy(a);
}

static void test_jaas_errors(void) {
  char err[1024];
  const char *mod = KC_REST_PROPERTY_FILE_MODULE;
  /* Each format takes the module class, then a readable credentials file (%.0s skips one). */
  struct {
    const char *fmt;
    const char *want;
  } cases[] = {
      {"KafkaConnect { com.example.LdapLoginModule%.0s required file=\"%s\"; };",
       "login module com.example.LdapLoginModule in the KafkaConnect entry is not supported"},
      {"KafkaConnect { %s required; };%.0s", "Property Credentials file must be specified"},
      {"KafkaConnect { %s required file=\"  \"; };%.0s", "Property Credentials file must be specified"},
      {"KafkaConnect { %s mandatory file=\"%s\"; };", "Invalid control flag, mandatory"},
      {"KafkaConnect { %s required file=\"/nonexistent/creds\"; };%.0s", "cannot read the credentials file '/nonexistent/creds'"},
      {"KafkaConnect { %s required file=\"${user.home}/c\"; };%.0s", "${...} system property expansion is not supported"},
      {"KafkaConnect { %s required file=\"%s\" };", "expected an option name or ';', found '}'"},
      {"KafkaConnect { %s required file=\"%s\"; }", "expected ';' after '}', found the end of the file"},
      {"KafkaConnect { %s required file=\"%s\";", "expected '}', found the end of the file"},
      {"KafkaConnect %s%.0s", "expected '{', found 'org.apache"},
      {"Client { %s required file=\"%s\"; };", "No LoginModules configured for KafkaConnect"},
      {"KafkaConnect { };%.0s%.0s", "the KafkaConnect entry has no login module"},
      {"KafkaConnect { 12%.0s required file=\"%s\"; };", "expected a login module class name, found a number"},
      {"# hash comments are not JAAS\nKafkaConnect { %s required file=\"%s\"; };", "line 1: expected a login entry name, found '#'"},
      {"KafkaConnect { %s required file=\"%s\"; };\nKafkaConnect { %s required file=\"%s\"; };",
       "line 2: Can not specify multiple entries for KafkaConnect"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    err[0] = '\0';
    char text[4096];
    snprintf(text, sizeof(text), cases[i].fmt, mod, g_creds, mod, g_creds);
    kc_rest_auth_t *a = kc_rest_auth_from_jaas(text, strlen(text), "jaas.conf", err, sizeof(err));
    CHECKF(a == NULL && strstr(err, cases[i].want), "case %zu: got '%s', want '%s'", i, err, cases[i].want);
    kc_rest_auth_destroy(a);
  }
  kc_rest_auth_t *a;
  /* An empty credentials file (Connect would permit everyone). */
  a = jaas("KafkaConnect { " KC_REST_PROPERTY_FILE_MODULE " required file=\"%s\"; };%s", g_empty, "", err, sizeof(err));
  CHECKF(!a && strstr(err, "is empty") && strstr(err, "refuses to start"), "%s", err);
  /* Escapes in quoted strings, as StreamTokenizer reads them. */
  a = jaas("KafkaConnect { " KC_REST_PROPERTY_FILE_MODULE " required file=\"%s\\x\"; };%s", g_dir, "", err, sizeof(err));
  CHECKF(!a && strstr(err, g_dir) && strstr(err, "x'") && !strchr(err, '\\'), "a \\x escape is the x itself: %s", err);
}

static void test_kafka_opts(void) {
  char err[256];
  char *p = kc_rest_auth_jaas_path_from_opts("-Xmx1g -Djava.security.auth.login.config=/etc/a.conf -Dx=y", err, sizeof(err));
  CHECK_STR(p, "/etc/a.conf");
  free(p);
  p = kc_rest_auth_jaas_path_from_opts("-Djava.security.auth.login.config=/a -Djava.security.auth.login.config==/b", err,
                                       sizeof(err));
  CHECK_STR(p, "/b"); /* the last one wins; "==" means "only this file" */
  free(p);
  p = kc_rest_auth_jaas_path_from_opts("  \"-Djava.security.auth.login.config=/with space/j.conf\"  ", err, sizeof(err));
  CHECK_STR(p, "/with space/j.conf");
  free(p);
  p = kc_rest_auth_jaas_path_from_opts("-Djava.security.auth.login.config='/q d/j.conf'", err, sizeof(err));
  CHECK_STR(p, "/q d/j.conf");
  free(p);
  p = kc_rest_auth_jaas_path_from_opts("-Djava.security.auth.login.config=file:///etc/j.conf", err, sizeof(err));
  CHECK_STR(p, "/etc/j.conf");
  free(p);
  p = kc_rest_auth_jaas_path_from_opts("-Djava.security.auth.login.config=http://x/j.conf", err, sizeof(err));
  CHECK(p == NULL && strstr(err, "only local files"));
  p = kc_rest_auth_jaas_path_from_opts("-Dother=1 -Djava.security.auth.login.configX=/a", err, sizeof(err));
  CHECK(p == NULL && err[0] == '\0');
  CHECK(kc_rest_auth_jaas_path_from_opts(NULL, err, sizeof(err)) == NULL);
}

static void test_base64(void) {
  unsigned char out[64];
  char msg[128];
  struct {
    const char *in;
    long want;
    const char *msg;
  } c[] = {
      {"", 0, NULL},
      {"QQ==", 1, NULL},
      {"QQ", 1, NULL},
      {"QUI=", 2, NULL},
      {"QUJD", 3, NULL},
      {"Q", -1, "Input byte[] should at least have 2 bytes for base64 bytes"},
      {"QUJDR", -1, "Last unit does not have enough valid bits"},
      {"=", -1, "Input byte[] should at least have 2 bytes for base64 bytes"},
      {"====", -1, "Input byte array has wrong 4-byte ending unit"},
      {"QQ=", -1, "Input byte array has wrong 4-byte ending unit"},
      {"QQ=x", -1, "Input byte array has wrong 4-byte ending unit"},
      {"Q===", -1, "Last unit does not have enough valid bits"},
      {"QUI=QQ", -1, "Input byte array has incorrect ending byte at 4"},
      {"QU-=", -1, "Illegal base64 character 2d"},
      {"QU\xc3\xa4", -1, "Illegal base64 character -3d"},
  };
  for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
    msg[0] = '\0';
    long n = kc_rest_base64_java_decode(c[i].in, strlen(c[i].in), out, msg, sizeof(msg));
    CHECKF(n == c[i].want, "'%s': %ld, want %ld (%s)", c[i].in, n, c[i].want, msg);
    if (c[i].msg) CHECKF(!strcmp(msg, c[i].msg), "'%s': '%s', want '%s'", c[i].in, msg, c[i].msg);
  }
}

static void test_csv_split(void) {
  char **items = NULL;
  int n = kc_rest_csv_split(" a , b  c ,\"q,uo\\\"te\" , ,", &items);
  if (!CHECK(n == 4)) return;
  CHECK_STR(items[0], "a");
  CHECK_STR(items[1], "b  c");
  CHECK_STR(items[2], "q,uo\"te");
  CHECK_STR(items[3], "");
  kc_config_list_free(items);
}

static const char *hdrs_err(const char *config) {
  static char err[512];
  err[0] = '\0';
  kc_rest_hdrcfg_t *h = NULL;
  int rc = kc_rest_hdrcfg_parse(config, &h, err, sizeof(err));
  kc_rest_hdrcfg_destroy(h);
  return rc ? err : NULL;
}

static void test_header_config(void) {
  CHECK(hdrs_err("") == NULL);
  CHECK(hdrs_err("  ") == NULL);
  CHECK(hdrs_err("set X-Frame-Options: DENY,\"add Cache-Control: no-cache, no-store\"") == NULL);
  CHECK(hdrs_err("SETDATE Expires: 31540000000, addDate Last-Modified: 0") == NULL);
  CHECK(hdrs_err("set X-A: b:") == NULL); /* Java's split drops the trailing empty part */
  CHECK_STR(hdrs_err("set"), "Invalid format of header config 'set'. Expected: '[action] [header name]:[header value]'");
  CHECK_STR(hdrs_err("delete X-A: b"), "Invalid header config action: 'delete'. Expected one of [set, add, setDate, addDate]");
  CHECK_STR(hdrs_err("set X-A"), "Invalid format of header name and header value pair 'X-A'. Expected: '[header name]:[header value]'");
  CHECK_STR(hdrs_err("set X-A:"), "Invalid format of header name and header value pair 'X-A:'. Expected: '[header name]:[header value]'");
  CHECK_STR(hdrs_err("set X-A: http://x"), "Invalid format of header name and header value pair 'X-A: http://x'. Expected: '[header name]:[header value]'");
  CHECK_STR(hdrs_err("set :v"), "Invalid header name ''. The '[header name]' cannot contain whitespace");
  CHECK_STR(hdrs_err("set X A:v"), "Invalid header name 'X A'. The '[header name]' cannot contain whitespace");
  CHECK_STR(hdrs_err("set X-A: b, ,set X-B: c"), "Invalid format of header config ''. Expected: '[action] [header name]:[header value]'");
  CHECK_PREFIX(hdrs_err("setDate X-E: soon"), "Invalid header config 'setDate X-E: soon': the setDate value must be a number");
  CHECK_PREFIX(hdrs_err("set Content-Length: 5"), "Invalid header config 'set Content-Length: 5': Content-Length is set by the server");
  CHECK_PREFIX(hdrs_err("set X-A: a\r\nX-Injected: 1"), "Invalid header config");

  /* set replaces (any case), add appends, setDate writes an RFC 1123 date at now + offset. */
  kc_rest_hdrcfg_t *h = NULL;
  char err[256];
  if (!CHECK(kc_rest_hdrcfg_parse("add X-A: 1, add x-a: 2, set X-B: one, set X-B: two, setDate X-D: 1000, set X-A: 3", &h,
                                  err, sizeof(err)) == 0))
    return;
  kc_rest_hdrlist_t l = {0};
  CHECK(kc_rest_hdrcfg_apply(h, 0, &l) == 0);
  kc_buf_t out;
  kc_buf_init(&out, 0);
  CHECK(kc_rest_hdrlist_emit(&l, NULL, &out) == 0);
  CHECK_STR(out.data, "X-B: two\r\nX-D: Thu, 01 Jan 1970 00:00:01 GMT\r\nX-A: 3\r\n");
  kc_buf_reset(&out);
  const char *skip[] = {"x-b", NULL};
  CHECK(kc_rest_hdrlist_emit(&l, skip, &out) == 0);
  CHECK_STR(out.data, "X-D: Thu, 01 Jan 1970 00:00:01 GMT\r\nX-A: 3\r\n");
  kc_buf_free(&out);
  kc_rest_hdrlist_free(&l);
  kc_rest_hdrcfg_destroy(h);
}

static char *cors_headers(const kc_rest_cors_t *c, const char *method, const char *origin, const char *acrm,
                          const char *acrh) {
  kc_rest_hdrlist_t l = {0};
  kc_rest_cors_apply(c, method, origin, acrm, acrh, &l);
  kc_buf_t out;
  kc_buf_init(&out, 0);
  kc_buf_puts(&out, "");
  kc_rest_hdrlist_emit(&l, NULL, &out);
  kc_rest_hdrlist_free(&l);
  return out.data;
}

static void test_cors(void) {
  kc_rest_cors_t *c = NULL;
  CHECK(kc_rest_cors_create("", "", &c) == 0 && c == NULL);
  CHECK(kc_rest_cors_create("  ", "PUT", &c) == 0 && c == NULL);
  if (!CHECK(kc_rest_cors_create("http://a.example, https://*.b.example", "", &c) == 0 && c)) return;
  char *h = cors_headers(c, "GET", "http://a.example", NULL, NULL);
  CHECK_STR(h, "Access-Control-Allow-Origin: http://a.example\r\nVary: Origin\r\nAccess-Control-Allow-Credentials: true\r\n");
  free(h);
  h = cors_headers(c, "GET", "https://x.y.b.example", NULL, NULL);
  CHECK_PREFIX(h, "Access-Control-Allow-Origin: https://x.y.b.example\r\n");
  free(h);
  h = cors_headers(c, "GET", "https://b.example", NULL, NULL); /* "*." needs a subdomain */
  CHECK_STR(h, "");
  free(h);
  h = cors_headers(c, "GET", "http://evil.example", NULL, NULL);
  CHECK_STR(h, "");
  free(h);
  h = cors_headers(c, "GET", NULL, NULL, NULL);
  CHECK_STR(h, "");
  free(h);
  /* preflight: allowed method and headers */
  h = cors_headers(c, "OPTIONS", "http://a.example", "POST", "content-type, accept");
  CHECK_STR(h,
            "Access-Control-Allow-Origin: http://a.example\r\nVary: Origin\r\nAccess-Control-Allow-Credentials: true\r\n"
            "Access-Control-Max-Age: 1800\r\nAccess-Control-Allow-Methods: GET,POST,HEAD\r\n"
            "Access-Control-Allow-Headers: X-Requested-With,Content-Type,Accept,Origin\r\n");
  free(h);
  h = cors_headers(c, "OPTIONS", "http://a.example", "DELETE", NULL); /* method not allowed: nothing */
  CHECK_STR(h, "");
  free(h);
  h = cors_headers(c, "OPTIONS", "http://a.example", "GET", "Authorization"); /* header not allowed */
  CHECK_STR(h, "");
  free(h);
  h = cors_headers(c, "PUT", "http://a.example", NULL, NULL); /* a non-simple actual request */
  CHECK_PREFIX(h, "Access-Control-Allow-Origin: http://a.example\r\n");
  free(h);
  kc_rest_cors_destroy(c);

  CHECK(kc_rest_cors_create("http://x, *", "GET, DELETE", &c) == 0 && c);
  h = cors_headers(c, "OPTIONS", "http://anything", "DELETE", NULL);
  CHECK_STR(h,
            "Access-Control-Allow-Origin: http://anything\r\nAccess-Control-Allow-Credentials: true\r\n"
            "Access-Control-Max-Age: 1800\r\nAccess-Control-Allow-Methods: GET,DELETE\r\n"
            "Access-Control-Allow-Headers: X-Requested-With,Content-Type,Accept,Origin\r\n");
  free(h);
  kc_rest_cors_destroy(c);
}

static void test_policy(void) {
  char err[1024];
  kc_rest_policy_t *p = NULL;
  kc_config_t *props = kc_config_new();
  kc_config_set(props, "rest.extension.classes", "com.example.MyRestExtension");
  CHECK(kc_rest_policy_create(props, NULL, &p, err, sizeof(err)) == KC_EINVAL && !p);
  CHECKF(strstr(err, "com.example.MyRestExtension") != NULL, "%s", err);
  kc_config_set(props, "rest.extension.classes", KC_REST_BASIC_AUTH_CLASS);
  CHECK(kc_rest_policy_create(props, NULL, &p, err, sizeof(err)) == KC_EINVAL && !p);
  CHECKF(strstr(err, "needs a JAAS file") != NULL, "%s", err);
  CHECK(kc_rest_policy_create(props, "-Djava.security.auth.login.config=/nonexistent/jaas.conf", &p, err,
                              sizeof(err)) == KC_EINVAL);
  CHECKF(strstr(err, "/nonexistent/jaas.conf") != NULL, "%s", err);
  char jaas_path[700], text[1024];
  snprintf(jaas_path, sizeof(jaas_path), "%s/jaas.conf", g_dir);
  snprintf(text, sizeof(text), "KafkaConnect { %s required file=\"%s\"; };\n", KC_REST_PROPERTY_FILE_MODULE, g_creds);
  put(jaas_path, text);
  kc_config_set(props, KC_REST_JAAS_KEY, jaas_path); /* the worker key wins over KAFKA_OPTS */
  kc_config_set(props, "response.http.headers.config", "set X-A: 1");
  CHECKF(kc_rest_policy_create(props, "-Djava.security.auth.login.config=/nonexistent", &p, err, sizeof(err)) == 0 &&
             p && p->auth && p->hdrs && !p->cors,
         "%s", err);
  kc_rest_policy_destroy(p);
  kc_config_set(props, "response.http.headers.config", "sett X-A: 1");
  CHECK(kc_rest_policy_create(props, NULL, &p, err, sizeof(err)) == KC_EINVAL);
  CHECK_STR(err, "Invalid value sett X-A: 1 for configuration response.http.headers.config: Invalid header config "
                 "action: 'sett'. Expected one of [set, add, setDate, addDate]");
  kc_config_destroy(props);
}

int main(void) {
  setup_files();
  kc_test_run("jaas_ok", test_jaas_ok);
  kc_test_run("jaas_errors", test_jaas_errors);
  kc_test_run("kafka_opts", test_kafka_opts);
  kc_test_run("base64", test_base64);
  kc_test_run("csv_split", test_csv_split);
  kc_test_run("header_config", test_header_config);
  kc_test_run("cors", test_cors);
  kc_test_run("policy", test_policy);
  kc_test_remove_tree(g_dir);
  return kc_test_done();
}
