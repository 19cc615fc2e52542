/*
 * DESIGN: turns a parsed HTTP request into a kc_herder_req_t and the herder's
 * answer into Connect's status code and body (connect-runtime.md 1.1-1.8).
 *
 * Matching follows Jersey, which Connect's behaviour comes from:
 *   - the path is split on '/' first and each segment percent-decoded after,
 *     so "/connectors/a%2Fb" names the connector "a/b";
 *   - one trailing slash is ignored ("/connectors/" is "/connectors");
 *   - no route for the path: 404 "HTTP 404 Not Found"; a route for the path
 *     but not the method: 405 with Allow; HEAD runs GET without the body;
 *   - {task} must parse as a Java int, else 404 (Jersey's failed path-param
 *     conversion), checked after the method;
 *   - boolean query parameters use Boolean.valueOf (only "true", any case, is
 *     true) and the first occurrence wins; "expand" may repeat.
 * Body rules (Jackson) are in body.c. The herder may answer at once, inside
 * kc_herder_submit(), or later; either way exactly one reply goes out.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rest/forward.h"
#include "rest/loggers.h"
#include "rest/rest_internal.h"
#include "rest/signature.h"
#include "util/log.h"

#define LOGGER "kc.rest"
#define MAX_SEGMENTS 8

typedef struct {
  llhttp_method_t method;
  const char *pattern; /* "{c}" connector, "{t}" task, "{p}" plugin */
  kc_herder_op_t op;
  kc_rest_body_kind_t body;
} route_t;

static const route_t routes[] = {
  {HTTP_GET, "", KC_HERDER_SERVER_INFO, KC_REST_BODY_NONE},
  {HTTP_GET, "health", KC_HERDER_HEALTH, KC_REST_BODY_NONE},
  {HTTP_GET, "metrics", KC_HERDER_METRICS, KC_REST_BODY_NONE}, /* kconnect's; Connect has JMX */
  {HTTP_GET, "connectors", KC_HERDER_LIST, KC_REST_BODY_NONE},
  {HTTP_POST, "connectors", KC_HERDER_CREATE, KC_REST_BODY_CREATE},
  {HTTP_GET, "connectors/{c}", KC_HERDER_INFO, KC_REST_BODY_NONE},
  {HTTP_DELETE, "connectors/{c}", KC_HERDER_DELETE, KC_REST_BODY_NONE},
  {HTTP_GET, "connectors/{c}/config", KC_HERDER_GET_CONFIG, KC_REST_BODY_NONE},
  {HTTP_PUT, "connectors/{c}/config", KC_HERDER_PUT_CONFIG, KC_REST_BODY_CONFIG},
  {HTTP_PATCH, "connectors/{c}/config", KC_HERDER_PATCH_CONFIG, KC_REST_BODY_PATCH},
  {HTTP_GET, "connectors/{c}/status", KC_HERDER_STATUS, KC_REST_BODY_NONE},
  {HTTP_PUT, "connectors/{c}/pause", KC_HERDER_PAUSE, KC_REST_BODY_NONE},
  {HTTP_PUT, "connectors/{c}/resume", KC_HERDER_RESUME, KC_REST_BODY_NONE},
  {HTTP_PUT, "connectors/{c}/stop", KC_HERDER_STOP, KC_REST_BODY_NONE},
  {HTTP_POST, "connectors/{c}/restart", KC_HERDER_RESTART, KC_REST_BODY_NONE},
  {HTTP_GET, "connectors/{c}/tasks", KC_HERDER_TASKS, KC_REST_BODY_NONE},
  {HTTP_GET, "connectors/{c}/tasks/{t}/status", KC_HERDER_TASK_STATUS, KC_REST_BODY_NONE},
  {HTTP_POST, "connectors/{c}/tasks/{t}/restart", KC_HERDER_TASK_RESTART, KC_REST_BODY_NONE},
  {HTTP_GET, "connectors/{c}/offsets", KC_HERDER_OFFSETS, KC_REST_BODY_NONE},
  /* ConnectorOffsets is bound here (bind_offsets), not by body.c's Map binders. */
  {HTTP_PATCH, "connectors/{c}/offsets", KC_HERDER_ALTER_OFFSETS, KC_REST_BODY_RAW},
  {HTTP_DELETE, "connectors/{c}/offsets", KC_HERDER_RESET_OFFSETS, KC_REST_BODY_NONE},
  {HTTP_GET, "connectors/{c}/topics", KC_HERDER_TOPICS, KC_REST_BODY_NONE},
  {HTTP_PUT, "connectors/{c}/topics/reset", KC_HERDER_TOPICS_RESET, KC_REST_BODY_NONE},
  /* InternalConnectResource (connect-runtime.md 1.9) */
  {HTTP_POST, "connectors/{c}/tasks", KC_HERDER_TASK_CONFIGS_PUT, KC_REST_BODY_TASK_CONFIGS},
  {HTTP_PUT, "connectors/{c}/fence", KC_HERDER_FENCE, KC_REST_BODY_RAW},
  {HTTP_GET, "connector-plugins", KC_HERDER_PLUGINS, KC_REST_BODY_NONE},
  {HTTP_GET, "connector-plugins/{p}/config", KC_HERDER_PLUGIN_CONFIG, KC_REST_BODY_NONE},
  {HTTP_PUT, "connector-plugins/{p}/config/validate", KC_HERDER_VALIDATE, KC_REST_BODY_CONFIG},
  /* LoggingResource (rest/loggers.c; {p} is the logger) */
  {HTTP_GET, "admin/loggers", KC_HERDER_LOGGERS, KC_REST_BODY_NONE},
  {HTTP_GET, "admin/loggers/{p}", KC_HERDER_LOGGER, KC_REST_BODY_NONE},
  {HTTP_PUT, "admin/loggers/{p}", KC_HERDER_LOGGER_LEVEL, KC_REST_BODY_CONFIG},
};

/* The decoded request target; every string is owned. */
typedef struct {
  char *seg[MAX_SEGMENTS];
  int nseg;
  bool too_deep;
  char *query; /* raw, after '?'; NULL when none */
} target_t;

static void target_free(target_t *t) {
  for (int i = 0; i < t->nseg; i++) free(t->seg[i]);
  free(t->query);
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* Percent-decodes [s, s+n). @returns a new string, or NULL for a bad escape or a %00. */
static char *pct_decode(const char *s, size_t n, bool plus_is_space) {
  char *out = malloc(n + 1);
  if (!out) return NULL;
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '%') {
      if (i + 2 >= n) { /* fewer than two hex digits follow */
        free(out);
        return NULL;
      }
      int h = hexval((unsigned char)s[i + 1]), l = hexval((unsigned char)s[i + 2]);
      if (h < 0 || l < 0 || (h == 0 && l == 0)) {
        free(out);
        return NULL;
      }
      out[o++] = (char)(h * 16 + l);
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out[o++] = ' ';
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
  return out;
}

/* @returns 0, or 400 for a target that cannot be decoded. */
static int target_parse(const char *url, size_t len, target_t *t) {
  memset(t, 0, sizeof(*t));
  const char *p = url, *end = url + len;
  /* absolute-form (proxies): skip "scheme://authority" */
  const char *scheme = memchr(p, ':', len);
  if (len > 0 && p[0] != '/' && scheme && scheme + 2 < end && scheme[1] == '/' && scheme[2] == '/') {
    p = scheme + 3;
    while (p < end && *p != '/' && *p != '?') p++;
  }
  const char *q = memchr(p, '?', (size_t)(end - p));
  const char *hash = memchr(p, '#', (size_t)(end - p));
  if (hash && q && hash < q) q = NULL; /* a '?' inside the fragment */
  const char *path_end = q ? q : (hash ? hash : end);
  if (q) {
    const char *qend = hash ? hash : end;
    t->query = strndup(q + 1, (size_t)(qend - q - 1));
    if (!t->query) return 500;
  }
  if (p < path_end && *p == '/') p++;
  if (p == path_end) return 0; /* "/" or "" */
  const char *s = p;
  for (;;) {
    const char *slash = memchr(s, '/', (size_t)(path_end - s));
    const char *e = slash ? slash : path_end;
    if (!slash && e == s && t->nseg > 0) break; /* one trailing slash */
    if (t->nseg == MAX_SEGMENTS) {
      t->too_deep = true;
      return 0;
    }
    char *d = pct_decode(s, (size_t)(e - s), false);
    if (!d) return 400;
    t->seg[t->nseg++] = d;
    if (!slash) break;
    s = slash + 1;
  }
  return 0;
}

/*
 * Looks up query parameter @p key. @returns the decoded first value (caller
 * frees), "" for a key without '=', or NULL. With @p each, calls it for every
 * occurrence instead and returns NULL.
 */
static char *query_get(const char *query, const char *key, void (*each)(void *, const char *),
                       void *arg) {
  if (!query) return NULL;
  size_t klen = strlen(key);
  const char *s = query;
  while (*s) {
    const char *amp = strchr(s, '&');
    size_t n = amp ? (size_t)(amp - s) : strlen(s);
    const char *eq = memchr(s, '=', n);
    size_t kn = eq ? (size_t)(eq - s) : n;
    char *k = pct_decode(s, kn, true);
    if (k && strlen(k) == klen && !memcmp(k, key, klen)) {
      char *v = eq ? pct_decode(eq + 1, n - kn - 1, true) : strdup("");
      if (v && each) {
        each(arg, v);
        free(v);
      } else if (v) {
        free(k);
        return v;
      }
    }
    free(k);
    if (!amp) break;
    s = amp + 1;
  }
  return NULL;
}

static bool query_bool(const char *query, const char *key, bool dflt) {
  char *v = query_get(query, key, NULL, NULL);
  if (!v) return dflt;
  bool r = !strcasecmp(v, "true");
  free(v);
  return r;
}

typedef struct {
  kc_herder_req_t *req;
  kc_rest_call_t *call;
} expand_ctx_t;

static void on_expand(void *arg, const char *v) {
  expand_ctx_t *x = arg;
  kc_herder_req_t *req = x->req;
  x->call->expand_any = true;
  if (!strcmp(v, "status")) req->expand_status = true;
  else if (!strcmp(v, "info")) req->expand_info = true;
  else kc_log_info(LOGGER, "Ignoring unknown expansion type %s", v);
}

/* Java Integer.parseInt: optional sign, decimal digits, int range. */
static bool parse_java_int(const char *s, int *out) {
  const char *p = s;
  if (*p == '+' || *p == '-') p++;
  if (!*p) return false;
  for (const char *c = p; *c; c++) {
    if (!isdigit((unsigned char)*c)) return false;
  }
  errno = 0;
  long long v = strtoll(s, NULL, 10);
  if (errno || v < INT_MIN || v > INT_MAX) return false;
  *out = (int)v;
  return true;
}

/*
 * Binds ConnectorOffsets {"offsets":[{"partition":{..}|null,"offset":{..}|null}]} and applies
 * ConnectorsResource.alterConnectorOffsets' own check (400 when no offsets are given).
 * @returns the whole body (new reference), or NULL with *status and err.
 */
static json_t *bind_offsets(const char *data, size_t len, int *status, char *err, size_t n) {
  *status = 500;
  json_error_t jerr;
  json_t *v = len ? json_loadb(data, len, JSON_DECODE_ANY, &jerr) : NULL;
  if (len && !v) {
    snprintf(err, n, "Malformed JSON in the request body at line %d, column %d: %s", jerr.line, jerr.column,
             jerr.text);
    return NULL;
  }
  if (v && !json_is_object(v) && !json_is_null(v)) {
    snprintf(err, n, "Cannot deserialize value of type `ConnectorOffsets`: the request body must be a JSON object");
    json_decref(v);
    return NULL;
  }
  json_t *arr = json_object_get(v, "offsets");
  if (arr && !json_is_array(arr) && !json_is_null(arr)) {
    snprintf(err, n, "Cannot deserialize value of type `java.util.ArrayList<ConnectorOffset>`: \"offsets\" must be an array");
    json_decref(v);
    return NULL;
  }
  if (!json_array_size(arr)) {
    *status = 400;
    snprintf(err, n, "Partitions / offsets need to be provided for an alter offsets request");
    json_decref(v);
    return NULL;
  }
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) {
    json_t *p = json_object_get(e, "partition"), *o = json_object_get(e, "offset");
    if (!json_is_object(e) || (p && !json_is_object(p) && !json_is_null(p)) ||
        (o && !json_is_object(o) && !json_is_null(o))) {
      snprintf(err, n,
               "Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,java.lang.Object>`: "
               "offsets[%zu]: \"partition\" and \"offset\" must be JSON objects or null",
               i);
      json_decref(v);
      return NULL;
    }
  }
  return v;
}

/* Matches @p t against @p pattern; fills {c}/{t}/{p} pointers into t->seg. */
static bool route_match(const char *pattern, const target_t *t, const char **c, const char **task,
                        const char **p) {
  if (t->too_deep) return false;
  int i = 0;
  const char *s = pattern;
  while (*s) {
    const char *slash = strchr(s, '/');
    size_t n = slash ? (size_t)(slash - s) : strlen(s);
    if (i >= t->nseg) return false;
    if (n == 3 && s[0] == '{') {
      if (!t->seg[i][0]) return false; /* Jersey's {param} needs at least one character */
      if (s[1] == 'c') *c = t->seg[i];
      else if (s[1] == 't') *task = t->seg[i];
      else *p = t->seg[i];
    } else if (strlen(t->seg[i]) != n || memcmp(s, t->seg[i], n)) {
      return false;
    }
    i++;
    s = slash ? slash + 1 : s + n;
  }
  return i == t->nseg;
}

/* JAX-RS media type compatibility with application/json (parameters ignored). */
static bool json_compatible(const char *ct) {
  size_t n = strcspn(ct, ";");
  while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t')) n--;
  while (n > 0 && (*ct == ' ' || *ct == '\t')) {
    ct++;
    n--;
  }
  if (n == 0) return true; /* an empty header is treated as absent */
  static const char *const ok[] = {"application/json", "application/*", "*/*", "*"};
  for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
    if (strlen(ok[i]) == n && !strncasecmp(ct, ok[i], n)) return true;
  }
  return false;
}

/*
 * UriBuilder.path(): keep unreserved, sub-delims, ':' '@' '/'; encode the rest. Jersey makes
 * the relative Location absolute against the request's base URI (scheme, then the Host header,
 * else the local address), as Connect 4.x answers: "http://host:port/connectors/name".
 */
static char *location_for(kc_rest_conn_t *hc, kc_rest_msg_t *msg, const char *name) {
  static const char keep[] = "-._~!$&'()*+,;=:@/";
  char authority[300];
  const char *host = kc__rest_msg_hdr(msg, KC_REST_HDR_HOST);
  if (host && *host && !strpbrk(host, " \t\r\n/?#")) snprintf(authority, sizeof authority, "%s", host);
  else kc__rest_conn_local_authority(hc, authority, sizeof authority);
  size_t n = strlen(name);
  char *out = malloc(sizeof("https:///connectors/") + strlen(authority) + 3 * n);
  if (!out) return NULL;
  char *o = out + sprintf(out, "%s://%s/connectors/", kc__rest_conn_is_tls(hc) ? "https" : "http", authority);
  for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
    if (isalnum(*s) || (*s < 0x80 && strchr(keep, *s))) *o++ = (char)*s;
    else o += sprintf(o, "%%%02X", *s);
  }
  *o = '\0';
  return out;
}

static int status_for(kc_herder_rc_t rc) {
  switch (rc) {
    case KC_HERDER_R_OK: return 200;
    case KC_HERDER_R_BAD_REQUEST: return 400;
    case KC_HERDER_R_NOT_FOUND: return 404;
    case KC_HERDER_R_CONFLICT: return 409;
    case KC_HERDER_R_UNAVAILABLE: return 503;
    case KC_HERDER_R_INTERNAL: return 500;
    case KC_HERDER_R_FORBIDDEN: return 403;
    case KC_HERDER_R_FORWARD: return 409; /* only reached by a non-forwarding op (forward.c) */
  }
  return 500;
}

void kc__rest_call_free(kc_rest_call_t *call) {
  free(call->location);
  free(call->connector);
  free(call);
}

#define call_free kc__rest_call_free

static void on_herder_done(void *arg, kc_herder_res_t *res) {
  kc_rest_call_t *call = arg;
  if (res->rc == KC_HERDER_R_FORWARD && call->hc) {
    json_decref(res->body);
    kc__rest_forward(call->hc, call, res->forward_url, res->message);
    return;
  }
  kc__rest_call_done(call, res);
}

void kc__rest_call_done(kc_rest_call_t *call, kc_herder_res_t *res) {
  kc_rest_conn_t *hc = call->hc;
  json_t *body = res->body;
  if (!hc) { /* the client left or the request timed out */
    json_decref(body);
    call_free(call);
    return;
  }
  kc__rest_conn_attach(hc, NULL);
  if (res->rc != KC_HERDER_R_OK) {
    int status = status_for(res->rc);
    if (call->op == KC_HERDER_HEALTH && body) {
      kc__rest_reply(hc, status, body, NULL, NULL); /* {"status","message"} even on error */
    } else {
      json_decref(body);
      if (res->message) kc__rest_reply_error(hc, status, "%s", res->message);
      else kc__rest_reply_error(hc, status, "HTTP %d %s", status, kc__rest_reason(status));
    }
    call_free(call);
    return;
  }
  switch (call->op) {
    case KC_HERDER_METRICS: /* Prometheus text exposition format 0.0.4 */
      json_decref(body);
      kc__rest_reply_text(hc, 200, "text/plain; version=0.0.4; charset=utf-8", res->text ? res->text : "");
      break;
    case KC_HERDER_CREATE:
      kc__rest_reply(hc, 201, body, call->location, NULL);
      break;
    case KC_HERDER_PUT_CONFIG:
      kc__rest_reply(hc, res->created ? 201 : 200, body, res->created ? call->location : NULL, NULL);
      break;
    case KC_HERDER_DELETE:
    case KC_HERDER_STOP:
    case KC_HERDER_TASK_RESTART:
    case KC_HERDER_TASK_CONFIGS_PUT: /* void resource methods: 204 */
    case KC_HERDER_FENCE:
    case KC_HERDER_LOGGER_LEVEL: /* scope=cluster */
      json_decref(body);
      kc__rest_reply(hc, 204, NULL, NULL, NULL);
      break;
    case KC_HERDER_PAUSE:
    case KC_HERDER_RESUME:
    case KC_HERDER_TOPICS_RESET: /* Response.accepted() */
      json_decref(body);
      kc__rest_reply(hc, 202, NULL, NULL, NULL);
      break;
    case KC_HERDER_RESTART:
      if (call->restart_with_params) {
        kc__rest_forwarded_answer_compat(call, body);
        kc__rest_reply(hc, 202, body, NULL, NULL);
      } else {
        json_decref(body);
        kc__rest_reply(hc, 204, NULL, NULL, NULL);
      }
      break;
    case KC_HERDER_LIST:
      if (call->expand_any && json_is_array(body)) {
        /* Only unknown expansions: Connect still answers {"name": {}} per connector. */
        json_t *obj = json_object();
        size_t i;
        json_t *v;
        json_array_foreach(body, i, v) {
          if (json_is_string(v)) json_object_set_new(obj, json_string_value(v), json_object());
        }
        json_decref(body);
        body = obj;
      }
      kc__rest_reply(hc, body ? 200 : 204, body, NULL, NULL);
      break;
    default:
      /* JAX-RS sends a null entity as 204. */
      kc__rest_reply(hc, body ? 200 : 204, body, NULL, NULL);
      break;
  }
  call_free(call);
}

static void allow_append(char *allow, size_t size, const char *m) {
  if (strstr(allow, m)) return;
  size_t n = strlen(allow);
  snprintf(allow + n, size - n, "%s%s", n ? ", " : "", m);
}

/*
 * Jersey 3's OPTIONS answer lists the allowed methods in java.util.HashSet order (the strings'
 * hash buckets: HEAD 1, DELETE 2, POST 5, GET 7, OPTIONS 12, PUT and PATCH 14, PUT first), in
 * the Allow header joined by "," and in the text/plain body by ", ".
 */
static void options_allow(const char *allow, char *hdr, size_t hn, char *text, size_t tn) {
  static const char *const order[] = {"HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"};
  hdr[0] = text[0] = '\0';
  for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
    /* allow is "M1, M2, ...": match whole names (PUT is no prefix match of PATCH here) */
    const char *p = allow;
    bool found = false;
    size_t ml = strlen(order[i]);
    while ((p = strstr(p, order[i])) != NULL) {
      if ((p == allow || p[-1] == ' ') && (p[ml] == ',' || p[ml] == '\0')) {
        found = true;
        break;
      }
      p += ml;
    }
    if (!found) continue;
    size_t h = strlen(hdr), t = strlen(text);
    snprintf(hdr + h, hn - h, "%s%s", h ? "," : "", order[i]);
    snprintf(text + t, tn - t, "%s%s", t ? ", " : "", order[i]);
  }
}


/* ------------------------------------------------------------- policy glue */

static const char *const policy_hdr_names[KC_REST_HDR_COUNT] = {
  "authorization", "origin", "access-control-request-method", "access-control-request-headers",
  "x-connect-authorization", "x-connect-request-signature-algorithm", "host"};

/* Read with JAX-RS getHeaderString (repeats joined with ','), not the servlet's getHeader. */
static bool hdr_joined(int i) {
  return i == KC_REST_HDR_AUTHORIZATION || i == KC_REST_HDR_SIGNATURE || i == KC_REST_HDR_SIGNATURE_ALGORITHM;
}

bool kc__rest_msg_header_begin(kc_rest_msg_t *m, const char *name) {
  for (int i = 0; i < KC_REST_HDR_COUNT; i++) {
    if (strcasecmp(name, policy_hdr_names[i])) continue;
    m->cur_hdr = NULL;
    if (!m->has_hdr[i]) {
      m->has_hdr[i] = true;
      kc_buf_reset(&m->hdr[i]);
    } else if (!hdr_joined(i) || kc_buf_append(&m->hdr[i], ",", 1)) {
      return false; /* getHeader: the first one counts */
    }
    m->cur_hdr = &m->hdr[i];
    return true;
  }
  return false;
}

void kc__rest_msg_policy_free(kc_rest_msg_t *m) {
  for (int i = 0; i < KC_REST_HDR_COUNT; i++) {
    kc_buf_free(&m->hdr[i]);
    m->has_hdr[i] = false;
  }
  m->cur_hdr = NULL;
  kc_rest_hdrlist_free(&m->resp_headers);
}

int kc__rest_msg_policy_emit(const kc_rest_msg_t *m, bool has_type, bool has_location, bool has_allow,
                             kc_buf_t *out) {
  /* Jersey sets these after the servlet filters ran, so its values replace the configured ones. */
  const char *skip[5] = {"Content-Length", NULL, NULL, NULL, NULL};
  int k = 1;
  if (has_type) skip[k++] = "Content-Type";
  if (has_location) skip[k++] = "Location";
  if (has_allow) skip[k++] = "Allow";
  return kc_rest_hdrlist_emit(&m->resp_headers, skip, out);
}

bool kc__rest_msg_has_date(const kc_rest_msg_t *m) { return kc_rest_hdrlist_get(&m->resp_headers, "Date") != NULL; }

/* A header value as Jetty hands it over: trimmed; NULL when absent. */
const char *kc__rest_msg_hdr(kc_rest_msg_t *m, kc_rest_hdr_idx_t i) {
  if (!m->has_hdr[i]) return NULL;
  kc_buf_t *b = &m->hdr[i];
  if (!b->data) return "";
  while (b->len && (b->data[b->len - 1] == ' ' || b->data[b->len - 1] == '\t')) b->data[--b->len] = '\0';
  const char *v = b->data;
  while (*v == ' ' || *v == '\t') v++;
  return v;
}

/* CrossOriginFilter then HeaderFilter, which Connect puts in front of every routed request. @returns 0 or KC_ENOMEM. */
static int policy_headers(const kc_rest_policy_t *p, kc_rest_msg_t *msg) {
  if (!p) return 0;
  int rc = kc_rest_cors_apply(p->cors, llhttp_method_name(msg->method), kc__rest_msg_hdr(msg, KC_REST_HDR_ORIGIN),
                              kc__rest_msg_hdr(msg, KC_REST_HDR_ACR_METHOD),
                              kc__rest_msg_hdr(msg, KC_REST_HDR_ACR_HEADERS),
                              &msg->resp_headers);
  if (!rc && p->hdrs) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rc = kc_rest_hdrcfg_apply(p->hdrs, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, &msg->resp_headers);
  }
  return rc;
}

/*
 * Connect's worker-to-worker endpoints, which JaasBasicAuthFilter lets through
 * unauthenticated (its regexes run on the decoded path, so "a%2Fb" is not
 * exempt). They are signed instead (KIP-507), which the herder checks.
 */
static bool internal_endpoint(llhttp_method_t method, const target_t *t) {
  if (t->too_deep || t->nseg != 3 || strcmp(t->seg[0], "connectors") || !t->seg[1][0] || strchr(t->seg[1], '/'))
    return false;
  return (method == HTTP_POST && !strcmp(t->seg[2], "tasks")) || (method == HTTP_PUT && !strcmp(t->seg[2], "fence"));
}

/* @QueryParam("forward") Boolean: Jersey gives null for an absent or blank value, else Boolean.valueOf. */
static int forward_flag(const char *query) {
  char *v = query_get(query, "forward", NULL, NULL);
  if (!v) return KC_REST_FWD_ABSENT;
  const char *p = v;
  while (*p == ' ' || *p == '\t') p++;
  int r = !*p ? KC_REST_FWD_ABSENT : !strcasecmp(v, "true") ? KC_REST_FWD_TRUE : KC_REST_FWD_FALSE;
  free(v);
  return r;
}

/* JaasBasicAuthFilter. @returns true when the request may go on; otherwise the answer is sent. */
static bool policy_authenticate(const kc_rest_policy_t *p, kc_rest_conn_t *hc, kc_rest_msg_t *msg) {
  /* Jersey writes the entity with the matched method's type: OPTIONS produces text/plain. */
  const char *ctype = msg->method == HTTP_OPTIONS ? "text/plain" : "application/json";
  if (!p || !p->auth) return true;
  char why[256] = "";
  int st = kc_rest_auth_check(p->auth, kc__rest_msg_hdr(msg, KC_REST_HDR_AUTHORIZATION), why, sizeof(why));
  if (st == 0) return true;
  if (st == 401) {
    /* Connect's abortWith(401, "User cannot access the resource."): a bare string, no WWW-Authenticate. */
    kc__rest_reply_text(hc, 401, ctype, "User cannot access the resource.");
  } else {
    kc__rest_reply_error(hc, st, "%s", why);
  }
  return false;
}

void kc__rest_set_policy(kc_rest_t *rest, kc_rest_policy_t *policy) {
  kc_rest_policy_destroy(rest->policy);
  rest->policy = policy;
}

void kc__rest_dispatch(kc_rest_t *rest, kc_rest_conn_t *hc, kc_rest_msg_t *msg) {
  target_t t;
  int trc = target_parse(msg->url.data ? msg->url.data : "", msg->url.len, &t);
  if (trc) {
    target_free(&t);
    if (trc == 400) kc__rest_reply_error(hc, 400, "Malformed request path: invalid percent-encoding");
    else kc__rest_reply_error(hc, 500, "Out of memory");
    return;
  }
  if (policy_headers(rest->policy, msg)) {
    target_free(&t);
    kc__rest_reply_error(hc, 500, "Out of memory");
    return;
  }
  bool internal = internal_endpoint(msg->method, &t);
  llhttp_method_t method = msg->method == HTTP_HEAD ? HTTP_GET : msg->method;
  const route_t *route = NULL;
  const char *c = NULL, *task = NULL, *plugin = NULL;
  char allow[96] = "";
  for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
    const char *rc = NULL, *rt = NULL, *rp = NULL;
    if (!route_match(routes[i].pattern, &t, &rc, &rt, &rp)) continue;
    allow_append(allow, sizeof(allow), llhttp_method_name(routes[i].method));
    if (routes[i].method == HTTP_GET) allow_append(allow, sizeof(allow), "HEAD");
    if (routes[i].method == method && !route) {
      route = &routes[i];
      c = rc;
      task = rt;
      plugin = rp;
    }
  }
  if (!route) {
    if (!allow[0]) {
      kc__rest_reply_error(hc, 404, "HTTP 404 Not Found");
    } else if (msg->method == HTTP_OPTIONS) {
      /* Jersey's generated OPTIONS method is a matched resource: the auth filter runs first. */
      if (!policy_authenticate(rest->policy, hc, msg)) {
        target_free(&t);
        return;
      }
      allow_append(allow, sizeof(allow), "OPTIONS");
      char hdr[96], text[128];
      options_allow(allow, hdr, sizeof hdr, text, sizeof text);
      kc__rest_reply_options(hc, hdr, text);
    } else {
      /* Connect 4.x (Jersey 3) sends no Allow header with its 405 (3.9 did). */
      json_t *err = json_pack("{s:i,s:s}", "error_code", 405, "message", "HTTP 405 Method Not Allowed");
      kc__rest_reply(hc, 405, err, NULL, NULL);
    }
    target_free(&t);
    return;
  }
  /* Jersey picks the method (404, 405, 415) before post-matching filters such as the auth filter run. */
  /* InternalConnectResource declares no @Consumes: its two routes take any type. */
  if (route->body != KC_REST_BODY_NONE && route->body != KC_REST_BODY_TASK_CONFIGS &&
      (route->body != KC_REST_BODY_RAW || route->op == KC_HERDER_ALTER_OFFSETS) && msg->has_content_type &&
      !json_compatible(msg->content_type.data ? msg->content_type.data : "")) {
    kc__rest_reply_error(hc, 415, "HTTP 415 Unsupported Media Type");
    target_free(&t);
    return;
  }
  if (!internal && !policy_authenticate(rest->policy, hc, msg)) {
    target_free(&t);
    return;
  }
  kc_herder_req_t req = {.op = route->op, .connector = c, .plugin = plugin, .connectors_only = true};
  if (task && !parse_java_int(task, &req.task)) {
    kc__rest_reply_error(hc, 404, "HTTP 404 Not Found");
    target_free(&t);
    return;
  }
  kc_rest_call_t *call = calloc(1, sizeof(*call));
  json_t *body = NULL;
  char err[512];
  int status = 500;
  if (!call) {
    snprintf(err, sizeof(err), "Out of memory");
    goto fail;
  }
  call->op = route->op;
  call->rest = rest;
  call->task = req.task;
  if (kc__rest_op_forwards(route->op)) {
    call->forward = forward_flag(t.query);
    if (c && !(call->connector = strdup(c))) {
      snprintf(err, sizeof(err), "Out of memory");
      goto fail;
    }
  }
  if (route->body != KC_REST_BODY_NONE && route->body != KC_REST_BODY_RAW) {
    body = kc__rest_body_bind(route->body, msg->body.data ? msg->body.data : "", msg->body.len, &status,
                              err, sizeof(err));
    if (!body) goto fail;
  }
  switch (route->op) {
    case KC_HERDER_LIST:
      query_get(t.query, "expand", on_expand, &(expand_ctx_t){&req, call});
      break;
    case KC_HERDER_PLUGINS:
      req.connectors_only = query_bool(t.query, "connectorsOnly", true);
      break;
    case KC_HERDER_RESTART:
      req.include_tasks = query_bool(t.query, "includeTasks", false);
      req.only_failed = query_bool(t.query, "onlyFailed", false);
      call->restart_with_params = req.include_tasks || req.only_failed;
      call->include_tasks = req.include_tasks;
      call->only_failed = req.only_failed;
      break;
    case KC_HERDER_TASK_CONFIGS_PUT:
    case KC_HERDER_FENCE: {
      /* InternalRequestSignature.fromHeaders() runs in the resource, before the herder, on every worker. */
      req.signature = kc__rest_msg_hdr(msg, KC_REST_HDR_SIGNATURE);
      req.signature_algorithm = kc__rest_msg_hdr(msg, KC_REST_HDR_SIGNATURE_ALGORITHM);
      status = kc_rest_signature_headers_check(req.signature, req.signature_algorithm, err, sizeof(err));
      if (status) goto fail;
      break;
    }
    case KC_HERDER_CREATE: {
      const char *name = json_string_value(json_object_get(body, "name"));
      status = kc__rest_body_check_name(json_object_get(body, "config"), name, err, sizeof(err));
      if (status) goto fail;
      call->location = location_for(hc, msg, name);
      break;
    }
    case KC_HERDER_ALTER_OFFSETS:
      body = bind_offsets(msg->body.data, msg->body.len, &status, err, sizeof(err));
      if (!body) goto fail;
      break;
    case KC_HERDER_LOGGERS:
    case KC_HERDER_LOGGER:
    case KC_HERDER_LOGGER_LEVEL: {
      char *scope = query_get(t.query, "scope", NULL, NULL);
      bool done = kc__rest_loggers(hc, route->op, plugin, body, scope);
      free(scope);
      if (done) {
        json_decref(body);
        target_free(&t);
        call_free(call);
        return;
      }
      break; /* scope=cluster: the herder's */
    }
    case KC_HERDER_PUT_CONFIG:
      status = kc__rest_body_check_name(body, c, err, sizeof(err));
      if (status) goto fail;
      call->location = location_for(hc, msg, c);
      break;
    default:
      break;
  }
  req.body = body;
  if (msg->body.len > 0) {
    req.raw_body = msg->body.data;
    req.raw_body_len = msg->body.len;
  }
  call->hc = hc;
  kc__rest_conn_attach(hc, call);
  kc_log_debug(LOGGER, "%s %s -> herder", llhttp_method_name(msg->method), msg->url.data);
  if (rest->submit(rest->submit_ctx, &req, on_herder_done, call) != 0) {
    /* No callback will come. */
    kc__rest_conn_attach(hc, NULL);
    snprintf(err, sizeof(err), "The herder does not support this request");
    status = 500;
    goto fail;
  }
  json_decref(body);
  target_free(&t);
  return;

fail:
  json_decref(body);
  target_free(&t);
  if (call) call_free(call);
  kc__rest_reply_error(hc, status, "%s", err);
}
