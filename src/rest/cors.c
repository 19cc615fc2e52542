/*
 * Jetty 9.4's CrossOriginFilter and HeaderFilter, as Connect's RestServer
 * installs them (connect-runtime.md 3.1; RestServer.initializeResources). The
 * filters act on the servlet response before Jersey runs, so later headers of
 * the same name set by the resource (Content-Type, Location, Allow) win; the
 * server applies that rule when it writes the response (kc_rest_hdrlist_emit).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "rest/cors.h"

/* ------------------------------------------------------------ header list */

static int hdr_push(kc_rest_hdrlist_t *l, const char *name, const char *value) {
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 8;
    kc_rest_hdr_t *v = realloc(l->v, cap * sizeof(*v));
    if (!v) return KC_ENOMEM;
    l->v = v;
    l->cap = cap;
  }
  char *n = strdup(name), *val = strdup(value);
  if (!n || !val) {
    free(n);
    free(val);
    return KC_ENOMEM;
  }
  l->v[l->n].name = n;
  l->v[l->n].value = val;
  l->n++;
  return 0;
}

int kc_rest_hdrlist_add(kc_rest_hdrlist_t *l, const char *name, const char *value) {
  return hdr_push(l, name, value);
}

int kc_rest_hdrlist_set(kc_rest_hdrlist_t *l, const char *name, const char *value) {
  size_t o = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (!strcasecmp(l->v[i].name, name)) {
      free(l->v[i].name);
      free(l->v[i].value);
    } else {
      l->v[o++] = l->v[i];
    }
  }
  l->n = o;
  return hdr_push(l, name, value);
}

const char *kc_rest_hdrlist_get(const kc_rest_hdrlist_t *l, const char *name) {
  for (size_t i = 0; i < l->n; i++)
    if (!strcasecmp(l->v[i].name, name)) return l->v[i].value;
  return NULL;
}

int kc_rest_hdrlist_emit(const kc_rest_hdrlist_t *l, const char *const *skip, kc_buf_t *out) {
  for (size_t i = 0; i < l->n; i++) {
    bool skipped = false;
    for (size_t k = 0; skip && skip[k] && !skipped; k++) skipped = !strcasecmp(skip[k], l->v[i].name);
    if (skipped) continue;
    int rc = kc_buf_printf(out, "%s: %s\r\n", l->v[i].name, l->v[i].value);
    if (rc) return rc;
  }
  return 0;
}

void kc_rest_hdrlist_free(kc_rest_hdrlist_t *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->v[i].name);
    free(l->v[i].value);
  }
  free(l->v);
  memset(l, 0, sizeof(*l));
}

/* --------------------------------------------------------------- csvSplit */

/* Java's Character.isWhitespace for ASCII. */
static bool java_space(int c) { return c == ' ' || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f); }

static int list_push(char ***items, int *n, const char *s, size_t len) {
  char **v = realloc(*items, (size_t)(*n + 2) * sizeof(char *));
  if (!v) return KC_ENOMEM;
  *items = v;
  v[*n] = strndup(s, len);
  if (!v[*n]) return KC_ENOMEM;
  v[++*n] = NULL;
  return 0;
}

int kc_rest_csv_split(const char *s, char ***items) {
  enum { PRE, DATA, WHITE, QUOTE, SLOSH, POST } st = PRE;
  *items = calloc(1, sizeof(char *));
  if (!*items) return KC_ENOMEM;
  int n = 0, rc = 0;
  kc_buf_t out;
  kc_buf_init(&out, 0);
  size_t last = 0;
  for (const char *p = s; *p && !rc; p++) {
    char ch = *p;
    switch (st) {
      case PRE:
        if (java_space((unsigned char)ch)) break;
        if (ch == '"') st = QUOTE;
        else if (ch == ',') rc = list_push(items, &n, "", 0);
        else {
          st = DATA;
          rc = kc_buf_append(&out, &ch, 1);
        }
        break;
      case DATA:
        if (java_space((unsigned char)ch)) {
          last = out.len;
          st = WHITE;
          rc = kc_buf_append(&out, &ch, 1);
        } else if (ch == ',') {
          rc = list_push(items, &n, out.len ? out.data : "", out.len);
          kc_buf_reset(&out);
          st = PRE;
        } else {
          rc = kc_buf_append(&out, &ch, 1);
        }
        break;
      case WHITE:
        if (java_space((unsigned char)ch)) {
          rc = kc_buf_append(&out, &ch, 1);
        } else if (ch == ',') {
          rc = list_push(items, &n, out.data, last);
          kc_buf_reset(&out);
          st = PRE;
        } else {
          st = DATA;
          rc = kc_buf_append(&out, &ch, 1);
        }
        break;
      case QUOTE:
        if (ch == '\\') st = SLOSH;
        else if (ch == '"') {
          rc = list_push(items, &n, out.len ? out.data : "", out.len);
          kc_buf_reset(&out);
          st = POST;
        } else {
          rc = kc_buf_append(&out, &ch, 1);
        }
        break;
      case SLOSH:
        rc = kc_buf_append(&out, &ch, 1);
        st = QUOTE;
        break;
      case POST:
        if (ch == ',') st = PRE;
        break;
    }
  }
  if (!rc && (st == DATA || st == QUOTE || st == SLOSH)) rc = list_push(items, &n, out.len ? out.data : "", out.len);
  if (!rc && st == WHITE) rc = list_push(items, &n, out.data, last);
  kc_buf_free(&out);
  if (rc) {
    kc_config_list_free(*items);
    *items = NULL;
    return rc;
  }
  return n;
}

/* ------------------------------------------------------------------- CORS */

struct kc_rest_cors_s {
  bool any_origin;
  char **origins; /* exact, or with '*' wildcards */
  char **methods;
  char *methods_header; /* commify(allowedMethods) */
};

static const char *const default_allowed_headers[] = {"X-Requested-With", "Content-Type", "Accept", "Origin",
                                                      NULL};

static char *commify(char *const *items) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  for (size_t i = 0; items[i]; i++)
    if (kc_buf_printf(&b, "%s%s", i ? "," : "", items[i])) {
      kc_buf_free(&b);
      return NULL;
    }
  if (!b.data) return strdup("");
  return b.data;
}

int kc_rest_cors_create(const char *allow_origin, const char *allow_methods, kc_rest_cors_t **out) {
  *out = NULL;
  const char *p = allow_origin ? allow_origin : "";
  while (java_space((unsigned char)*p)) p++;
  if (!*p) return 0; /* Connect installs no filter for a blank value */
  kc_rest_cors_t *c = calloc(1, sizeof(*c));
  if (!c) return KC_ENOMEM;
  char **items = NULL;
  int n = kc_rest_csv_split(allow_origin, &items);
  if (n < 0) goto oom;
  /* Jetty drops empty entries; "*" anywhere allows every origin. */
  c->origins = calloc((size_t)n + 1, sizeof(char *));
  if (!c->origins) {
    kc_config_list_free(items);
    goto oom;
  }
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (!items[i][0]) continue;
    if (!strcmp(items[i], "*")) {
      c->any_origin = true;
      break;
    }
    c->origins[k] = strdup(items[i]);
    if (!c->origins[k++]) {
      kc_config_list_free(items);
      goto oom;
    }
  }
  kc_config_list_free(items);
  const char *m = allow_methods;
  while (m && java_space((unsigned char)*m)) m++;
  if (kc_rest_csv_split(m && *m ? allow_methods : "GET,POST,HEAD", &c->methods) < 0) goto oom;
  c->methods_header = commify(c->methods);
  if (!c->methods_header) goto oom;
  *out = c;
  return 0;
oom:
  kc_rest_cors_destroy(c);
  return KC_ENOMEM;
}

void kc_rest_cors_destroy(kc_rest_cors_t *c) {
  if (!c) return;
  kc_config_list_free(c->origins);
  kc_config_list_free(c->methods);
  free(c->methods_header);
  free(c);
}

/* Jetty turns "*" into ".*" and '.' into "\." and matches the whole origin. */
static bool glob_match(const char *pat, const char *s) {
  if (!*pat) return !*s;
  if (*pat == '*') {
    for (const char *t = s;; t++) {
      if (glob_match(pat + 1, t)) return true;
      if (!*t) return false;
    }
  }
  return *s == *pat && glob_match(pat + 1, s + 1);
}

static bool origin_allowed(const kc_rest_cors_t *c, const char *origin_list) {
  if (c->any_origin) return true;
  /* Jetty splits the Origin header on single spaces and accepts any allowed member. */
  char *dup = strdup(origin_list);
  if (!dup) return false;
  bool ok = false;
  char *save = NULL;
  for (char *o = strtok_r(dup, " ", &save); o && !ok; o = strtok_r(NULL, " ", &save)) {
    for (size_t i = 0; c->origins[i] && !ok; i++) {
      ok = strchr(c->origins[i], '*') ? glob_match(c->origins[i], o) : !strcmp(c->origins[i], o);
    }
  }
  free(dup);
  return ok;
}

static int simple_response(const kc_rest_cors_t *c, const char *origin, kc_rest_hdrlist_t *l) {
  int rc = kc_rest_hdrlist_set(l, "Access-Control-Allow-Origin", origin);
  if (!rc && !c->any_origin) rc = kc_rest_hdrlist_add(l, "Vary", "Origin");
  if (!rc) rc = kc_rest_hdrlist_set(l, "Access-Control-Allow-Credentials", "true");
  return rc;
}

static bool headers_allowed(const char *acr_headers) {
  if (!acr_headers) return true;
  char **req = NULL;
  int n = kc_rest_csv_split(acr_headers, &req); /* Jetty: split on ',', trim, drop empties */
  if (n < 0) return false;
  bool ok = true;
  for (int i = 0; i < n && ok; i++) {
    if (!req[i][0]) continue;
    bool found = false;
    for (size_t k = 0; default_allowed_headers[k] && !found; k++)
      found = !strcasecmp(default_allowed_headers[k], req[i]);
    ok = found;
  }
  kc_config_list_free(req);
  return ok;
}

int kc_rest_cors_apply(const kc_rest_cors_t *c, const char *method, const char *origin,
                       const char *acr_method, const char *acr_headers, kc_rest_hdrlist_t *l) {
  if (!c || !origin || !origin_allowed(c, origin)) return 0;
  bool simple_method = !strcmp(method, "GET") || !strcmp(method, "POST") || !strcmp(method, "HEAD");
  bool preflight = !strcasecmp(method, "OPTIONS") && acr_method;
  if ((simple_method && !acr_method) || !preflight) return simple_response(c, origin, l);
  /* Preflight: nothing at all unless the method and every requested header are allowed. */
  bool method_ok = false;
  for (size_t i = 0; c->methods[i] && !method_ok; i++) method_ok = !strcmp(c->methods[i], acr_method);
  if (!method_ok || !headers_allowed(acr_headers)) return 0;
  int rc = simple_response(c, origin, l);
  if (!rc) rc = kc_rest_hdrlist_set(l, "Access-Control-Max-Age", "1800");
  if (!rc) rc = kc_rest_hdrlist_set(l, "Access-Control-Allow-Methods", c->methods_header);
  if (!rc) rc = kc_rest_hdrlist_set(l, "Access-Control-Allow-Headers", "X-Requested-With,Content-Type,Accept,Origin");
  return rc;
}

/* ------------------------------------------------------- HeaderFilter rules */

typedef struct {
  char *name, *value;
  bool add, date;
  int64_t offset_ms;
} hdr_rule_t;

struct kc_rest_hdrcfg_s {
  hdr_rule_t *rules;
  size_t n;
};

void kc_rest_hdrcfg_destroy(kc_rest_hdrcfg_t *h) {
  if (!h) return;
  for (size_t i = 0; i < h->n; i++) {
    free(h->rules[i].name);
    free(h->rules[i].value);
  }
  free(h->rules);
  free(h);
}

static char *trim_dup(const char *s, size_t n) {
  while (n && java_space((unsigned char)*s)) s++, n--;
  while (n && java_space((unsigned char)s[n - 1])) n--;
  return strndup(s, n);
}

/* One rule, checked as RestServerConfig.validateHttpResponseHeaderConfig, then parsed as HeaderFilter does. */
static int parse_rule(const char *config, hdr_rule_t *r, char *errstr, size_t n) {
  /* Not in Connect: a control character would split the response (CR LF injection). */
  for (const char *c = config; *c; c++) {
    if ((unsigned char)*c < 0x20 && *c != '\t') {
      snprintf(errstr, n, "Invalid header config '%s': control characters are not allowed", config);
      return KC_EINVAL;
    }
  }
  const char *s = config;
  while (java_space((unsigned char)*s)) s++;
  size_t alen = 0;
  while (s[alen] && !java_space((unsigned char)s[alen])) alen++;
  const char *rest = s + alen;
  while (java_space((unsigned char)*rest)) rest++;
  if (!alen || !*rest) {
    snprintf(errstr, n, "Invalid format of header config '%s'. Expected: '[action] [header name]:[header value]'",
             config);
    return KC_EINVAL;
  }
  static const char *const actions[] = {"set", "add", "setDate", "addDate"};
  int action = -1;
  for (int i = 0; i < 4; i++)
    if (strlen(actions[i]) == alen && !strncasecmp(s, actions[i], alen)) action = i;
  if (action < 0) {
    snprintf(errstr, n, "Invalid header config action: '%.*s'. Expected one of [set, add, setDate, addDate]",
             (int)alen, s);
    return KC_EINVAL;
  }
  /* Java's header.trim().split(":") must give exactly two parts (trailing empty parts dropped). */
  char *pair = trim_dup(rest, strlen(rest));
  if (!pair) return KC_ENOMEM;
  size_t plen = strlen(pair);
  while (plen && pair[plen - 1] == ':') plen--;
  char *colon = memchr(pair, ':', plen);
  if (!colon || memchr(colon + 1, ':', plen - (size_t)(colon + 1 - pair))) {
    snprintf(errstr, n, "Invalid format of header name and header value pair '%s'. Expected: '[header name]:[header value]'",
             rest);
    free(pair);
    return KC_EINVAL;
  }
  r->name = trim_dup(pair, (size_t)(colon - pair));
  r->value = trim_dup(colon + 1, strlen(colon + 1));
  free(pair);
  if (!r->name || !r->value) return KC_ENOMEM;
  bool space = false;
  for (const char *c = r->name; *c; c++) space |= java_space((unsigned char)*c) != 0;
  if (!r->name[0] || space) {
    snprintf(errstr, n, "Invalid header name '%s'. The '[header name]' cannot contain whitespace", r->name);
    return KC_EINVAL;
  }
  static const char *const framing[] = {"Content-Length", "Transfer-Encoding", "Connection"};
  for (int i = 0; i < 3; i++) {
    if (!strcasecmp(r->name, framing[i])) {
      snprintf(errstr, n, "Invalid header config '%s': %s is set by the server for each response", config, framing[i]);
      return KC_EINVAL;
    }
  }
  r->add = action == 1 || action == 3;
  r->date = action >= 2;
  if (r->date) {
    /* Jetty's Long.parseLong of the value; a bad number makes Connect's REST server fail to start. */
    char *end = NULL;
    errno = 0;
    long long v = strtoll(r->value, &end, 10);
    if (!r->value[0] || *end || errno || java_space((unsigned char)r->value[0])) {
      snprintf(errstr, n, "Invalid header config '%s': the %s value must be a number of milliseconds from now",
               config, actions[action]);
      return KC_EINVAL;
    }
    r->offset_ms = v;
  }
  return 0;
}

int kc_rest_hdrcfg_parse(const char *config, kc_rest_hdrcfg_t **out, char *errstr, size_t errstr_size) {
  *out = NULL;
  const char *p = config ? config : "";
  while (java_space((unsigned char)*p)) p++;
  if (!*p) return 0;
  char **items = NULL;
  int n = kc_rest_csv_split(config, &items);
  if (n < 0) return KC_ENOMEM;
  kc_rest_hdrcfg_t *h = calloc(1, sizeof(*h));
  if (h) h->rules = calloc((size_t)n + 1, sizeof(hdr_rule_t));
  if (!h || !h->rules) {
    kc_config_list_free(items);
    kc_rest_hdrcfg_destroy(h);
    return KC_ENOMEM;
  }
  int rc = 0;
  for (int i = 0; i < n && !rc; i++) {
    rc = parse_rule(items[i], &h->rules[i], errstr, errstr_size);
    h->n = (size_t)i + 1;
  }
  kc_config_list_free(items);
  if (rc) {
    kc_rest_hdrcfg_destroy(h);
    return rc;
  }
  *out = h;
  return 0;
}

int kc_rest_hdrcfg_apply(const kc_rest_hdrcfg_t *h, int64_t now_ms, kc_rest_hdrlist_t *l) {
  if (!h) return 0;
  for (size_t i = 0; i < h->n; i++) {
    const hdr_rule_t *r = &h->rules[i];
    const char *value = r->value;
    char date[64];
    if (r->date) {
      /* RFC 1123, as Jetty's setDateHeader writes it */
      time_t t = (time_t)((now_ms + r->offset_ms) / 1000);
      struct tm tm;
      gmtime_r(&t, &tm);
      strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
      value = date;
    }
    int rc = r->add ? kc_rest_hdrlist_add(l, r->name, value) : kc_rest_hdrlist_set(l, r->name, value);
    if (rc) return rc;
  }
  return 0;
}
