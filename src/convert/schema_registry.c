/*
 * Schema Registry client (schema_registry.h): CachedSchemaRegistryClient's caches and
 * RestService's requests, retries and failover, on the loop.
 *
 * State: three caches (id -> schema text; per subject, schema text -> id and the latest
 * version with its compatibility answers) and the operations in flight, one per key (kind,
 * subject, schema text or id), so that any number of probes of one key start one request. An
 * operation is in flight, waiting for its back-off timer, or failed (its error waits for the
 * next probe of the key). Every callback does bounded work: one response parsed, one cache
 * entry stored, one notify.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "convert/schema_registry.h"
#include "util/log.h"

#define LOGGER "kc.schema.registry"
#define ACCEPT                                                                          \
  "application/vnd.schemaregistry.v1+json, application/vnd.schemaregistry+json; qs=0.9, " \
  "application/json; qs=0.5"
#define CONTENT_TYPE "application/vnd.schemaregistry.v1+json"

/* ---- a small string-keyed hash map ---- */

typedef struct ent_s {
  struct ent_s *next;
  struct ent_s *older, *newer; /* use order, for eviction */
  uint64_t hash;
  char *key;
  size_t klen;
  int32_t id;
  char *text;
  size_t tlen;
  void *p;
} ent_t;

typedef struct {
  ent_t **b;
  size_t nb, n;
  ent_t *oldest, *newest;
} map_t;

static void order_unlink(map_t *m, ent_t *e) {
  if (e->older) e->older->newer = e->newer;
  else m->oldest = e->newer;
  if (e->newer) e->newer->older = e->older;
  else m->newest = e->older;
  e->older = e->newer = NULL;
}

static void order_push(map_t *m, ent_t *e) {
  e->older = m->newest;
  e->newer = NULL;
  if (m->newest) m->newest->newer = e;
  else m->oldest = e;
  m->newest = e;
}

/* Marks @p e as just used (LRU, as BoundedConcurrentHashMap evicts). */
static void map_touch(map_t *m, ent_t *e) {
  if (m->newest == e) return;
  order_unlink(m, e);
  order_push(m, e);
}

static uint64_t fnv(const void *p, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ULL;
  return h;
}

static ent_t *map_get(const map_t *m, const void *key, size_t klen) {
  if (!m->nb) return NULL;
  uint64_t h = fnv(key, klen);
  for (ent_t *e = m->b[h % m->nb]; e; e = e->next)
    if (e->hash == h && e->klen == klen && !memcmp(e->key, key, klen)) return e;
  return NULL;
}

/* A new entry (the key copied); NULL on ENOMEM. The caller checked it is absent. */
static ent_t *map_add(map_t *m, const void *key, size_t klen) {
  if (m->n >= m->nb) {
    size_t nb = m->nb ? 2 * m->nb : 16;
    ent_t **b = calloc(nb, sizeof *b);
    if (!b) return NULL;
    for (size_t i = 0; i < m->nb; i++)
      for (ent_t *e = m->b[i], *nx; e; e = nx) {
        nx = e->next;
        e->next = b[e->hash % nb];
        b[e->hash % nb] = e;
      }
    free(m->b);
    m->b = b;
    m->nb = nb;
  }
  ent_t *e = calloc(1, sizeof *e);
  if (!e || !(e->key = malloc(klen + 1))) {
    free(e);
    return NULL;
  }
  memcpy(e->key, key, klen);
  e->key[klen] = '\0';
  e->klen = klen;
  e->hash = fnv(key, klen);
  e->next = m->b[e->hash % m->nb];
  m->b[e->hash % m->nb] = e;
  m->n++;
  order_push(m, e);
  return e;
}

static void map_del(map_t *m, ent_t *x) {
  for (ent_t **pp = &m->b[x->hash % m->nb]; *pp; pp = &(*pp)->next)
    if (*pp == x) {
      *pp = x->next;
      m->n--;
      order_unlink(m, x);
      free(x->key);
      free(x->text);
      free(x);
      return;
    }
}

static void map_clear(map_t *m, void (*free_p)(void *)) {
  for (size_t i = 0; i < m->nb; i++)
    for (ent_t *e = m->b[i], *nx; e; e = nx) {
      nx = e->next;
      if (free_p && e->p) free_p(e->p);
      free(e->key);
      free(e->text);
      free(e);
    }
  free(m->b);
  memset(m, 0, sizeof *m);
}

static char *dup_n(const char *s, size_t n) {
  char *d = malloc(n + 1);
  if (d) {
    memcpy(d, s, n);
    d[n] = '\0';
  }
  return d;
}

/* ---- the client ---- */

typedef struct {
  map_t schemas; /* schema text -> id (register / look-up answers) */
  map_t compat;  /* schema text -> id of the latest it was found compatible with */
  map_t versions; /* schema text -> its version under this subject (look-up answers) */
  bool have_latest;
  int32_t latest_id;
  char *latest_text;
  size_t latest_len;
  uint64_t latest_at; /* uv_now */
} subject_t;

enum { OP_BY_ID = 'i', OP_REGISTER = 'r', OP_LOOKUP = 'l', OP_LATEST = 'v', OP_COMPAT = 'c',
       OP_VERSION = 'n' /* POST /subjects/{s} for the version (the deserializer's getVersion) */ };
enum { ST_FLIGHT, ST_WAIT, ST_FAILED };

typedef struct op_s {
  kc_sr_client_t *c;
  ent_t *ent; /* in c->ops; NULL once removed */
  int kind, state;
  char *subject, *text;
  size_t tlen;
  int32_t id;
  kc_http_req_t *req;
  uv_timer_t timer; /* back-off; initialised on the first retry, closed before the op is freed */
  bool timer_live;  /* initialised and not closed yet */
  char *err;
  bool auth;
  uint64_t backoff_ms;
  unsigned attempts;
  size_t url; /* index of the URL the last request went to */
} op_t;

struct kc_sr_client_s {
  kc_sr_settings_t s;
  kc_http_t *http;
  uv_loop_t *loop;
  void (*notify)(void *);
  void *notify_arg;
  size_t cur;       /* the URL requests go to */
  bool failing;     /* a failure streak is on (WARN logged once) */
  bool destroyed;
  bool in_destroy;
  bool last_auth;
  size_t live;      /* ops allocated */
  map_t ids, subjects, ops;
  kc_sr_stats_t st;
};

static int errf(char *errstr, size_t n, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int errf(char *errstr, size_t n, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (errstr && n) vsnprintf(errstr, n, fmt, ap);
  va_end(ap);
  return rc;
}

kc_sr_client_t *kc_sr_client_new(const kc_config_t *cfg, char *errstr, size_t errstr_size) {
  kc_sr_client_t *c = calloc(1, sizeof *c);
  if (!c) {
    errf(errstr, errstr_size, KC_ENOMEM, "out of memory");
    return NULL;
  }
  if (kc__sr_config_parse(cfg, &c->s, errstr, errstr_size)) {
    free(c);
    return NULL;
  }
  return c;
}

void kc_sr_client_attach(kc_sr_client_t *c, kc_http_t *http, void (*notify)(void *arg), void *arg) {
  if (!c) return;
  c->http = http;
  c->loop = kc__http_loop(http);
  c->notify = notify;
  c->notify_arg = arg;
}

static void free_subject(void *p) {
  subject_t *s = p;
  map_clear(&s->schemas, NULL);
  map_clear(&s->compat, NULL);
  map_clear(&s->versions, NULL);
  free(s->latest_text);
  free(s);
}

static void client_free(kc_sr_client_t *c) {
  map_clear(&c->ids, NULL);
  map_clear(&c->subjects, free_subject);
  map_clear(&c->ops, NULL);
  kc__sr_config_free(&c->s);
  free(c);
}

/* The op leaves the ops map (a later probe starts afresh). */
static void op_unlink(op_t *op) {
  if (op->ent) {
    op->ent->p = NULL;
    map_del(&op->c->ops, op->ent);
    op->ent = NULL;
  }
}

static void op_free(op_t *op) {
  op_unlink(op);
  free(op->subject);
  free(op->text);
  free(op->err);
  free(op);
}

/* Frees @p op once nothing refers to it: no request, out of the ops map (or the client
 * destroyed), its back-off timer closed; a destroyed client goes with its last op. */
static void on_timer_closed(uv_handle_t *h);
static void op_maybe_free(op_t *op) {
  kc_sr_client_t *c = op->c;
  if (op->req || (op->ent && !c->destroyed)) return;
  if (op->timer_live) {
    if (!uv_is_closing((uv_handle_t *)&op->timer)) uv_close((uv_handle_t *)&op->timer, on_timer_closed);
    return;
  }
  op_free(op);
  c->live--;
  if (c->destroyed && !c->in_destroy && !c->live) client_free(c);
}

static void on_timer_closed(uv_handle_t *h) {
  op_t *op = h->data;
  op->timer_live = false;
  op_maybe_free(op);
}

void kc_sr_client_destroy(kc_sr_client_t *c) {
  if (!c) return;
  c->destroyed = true;
  c->in_destroy = true;
  c->notify = NULL;
  /* A request in flight is cancelled (its callback frees the op), a back-off timer closed. */
  while (c->ops.n) {
    op_t *op = c->ops.oldest->p;
    op_unlink(op);
    if (op->req) kc_http_req_cancel(op->req);
    op_maybe_free(op);
  }
  c->in_destroy = false;
  if (!c->live) client_free(c);
}

bool kc_sr_last_error_is_auth(const kc_sr_client_t *c) { return c && c->last_auth; }

void kc_sr_client_stats(const kc_sr_client_t *c, kc_sr_stats_t *out) {
  if (out) *out = c ? c->st : (kc_sr_stats_t){0};
}

/* ---- requests ---- */

static int path_of(const op_t *op, kc_buf_t *b) {
  const kc_sr_client_t *c = op->c;
  int rc = kc_buf_puts(b, c->s.urls[c->cur].base);
  if (op->kind == OP_BY_ID) return rc ? rc : kc_buf_printf(b, "/schemas/ids/%d", (int)op->id);
  if (!rc) rc = kc_buf_puts(b, op->kind == OP_COMPAT ? "/compatibility/subjects/" : "/subjects/");
  if (!rc) rc = kc_sigv4_uri_encode(b, op->subject, strlen(op->subject), false);
  if (!rc && (op->kind == OP_REGISTER)) rc = kc_buf_puts(b, "/versions");
  if (!rc && (op->kind == OP_LATEST || op->kind == OP_COMPAT)) rc = kc_buf_puts(b, "/versions/latest");
  if (!rc && c->s.normalize && (op->kind == OP_REGISTER || op->kind == OP_LOOKUP))
    rc = kc_buf_puts(b, "?normalize=true");
  return rc;
}

static void on_response(kc_http_req_t *req, int status, void *arg);
static void op_retry_later(op_t *op);

static int auth_for(const kc_sr_client_t *c, kc_buf_t *hv) {
  if (c->s.auth_header) return kc_buf_puts(hv, c->s.auth_header);
  const char *ui = c->s.urls[c->cur].userinfo;
  if (!c->s.url_auth || !ui) return 0;
  /* Java's UrlBasicAuthCredentialProvider: the URL's own user info, undecoded. */
  static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t n = strlen(ui);
  int rc = kc_buf_puts(hv, "Basic ");
  for (size_t i = 0; !rc && i < n; i += 3) {
    uint32_t v = (uint32_t)(unsigned char)ui[i] << 16;
    if (i + 1 < n) v |= (uint32_t)(unsigned char)ui[i + 1] << 8;
    if (i + 2 < n) v |= (unsigned char)ui[i + 2];
    char q[4] = {tbl[(v >> 18) & 63], tbl[(v >> 12) & 63], i + 1 < n ? tbl[(v >> 6) & 63] : '=',
                 i + 2 < n ? tbl[v & 63] : '='};
    rc = kc_buf_append(hv, q, 4);
  }
  return rc;
}

/* Sends the op's request to the current URL. @returns 0 or KC_ENOMEM/KC_E* from submit. */
static int op_send(op_t *op) {
  kc_sr_client_t *c = op->c;
  kc_buf_t url, hv;
  kc_buf_init(&url, 0);
  kc_buf_init(&hv, 0);
  int rc = path_of(op, &url);
  bool post = op->kind != OP_BY_ID && op->kind != OP_LATEST;
  kc_http_req_t *req = rc ? NULL : kc_http_req_new(post ? "POST" : "GET", url.data);
  if (!req) rc = rc ? rc : KC_ENOMEM;
  if (!rc) rc = kc_http_req_add_header(req, "Accept", ACCEPT);
  if (!rc) rc = kc_http_req_add_header(req, "Content-Type", CONTENT_TYPE);
  if (!rc) rc = kc_http_req_add_header(req, "Confluent-Accept-Unknown-Properties", "true");
  for (size_t i = 0; !rc && i < c->s.nheaders; i++)
    rc = kc_http_req_add_header(req, c->s.headers[2 * i], c->s.headers[2 * i + 1]);
  if (!rc) rc = auth_for(c, &hv);
  if (!rc && hv.len) rc = kc_http_req_add_header(req, "Authorization", hv.data);
  if (hv.data) memset(hv.data, 0, hv.len);
  kc_buf_free(&hv);
  if (!rc && post) {
    /* jansson escapes the schema text; it refuses text that is not UTF-8 */
    json_t *body = json_object(), *str = json_stringn(op->text, op->tlen);
    char *s = NULL;
    if (!str) rc = KC_EINVAL;
    else if (!json_object_set_new(body, "schema", str)) s = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (!rc) rc = s ? kc_http_req_set_body(req, s, strlen(s)) : KC_ENOMEM;
    free(s);
  }
  if (!rc && c->s.tls) rc = kc__http_req_set_tls(req, c->s.tls);
  if (!rc) {
    kc_http_req_set_response_limit(req, 16u << 20); /* schemas can be large */
    kc_http_req_set_timeouts(req, (uint64_t)(c->s.connect_ms + c->s.read_ms),
                             (uint64_t)c->s.connect_ms);
    rc = kc__http_submit(c->http, req, on_response, op);
  }
  kc_buf_free(&url);
  if (rc) {
    kc_http_req_destroy(req);
    return rc;
  }
  op->req = req;
  op->url = c->cur;
  op->state = ST_FLIGHT;
  c->st.requests++;
  return 0;
}

static void op_notify(kc_sr_client_t *c) {
  if (c->notify && !c->destroyed) c->notify(c->notify_arg);
}

/* Final failure: the message waits for the next probe of the key. */
static void op_fail(op_t *op, bool auth, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void op_fail(op_t *op, bool auth, const char *fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  free(op->err);
  op->err = strdup(buf);
  op->auth = auth;
  op->state = ST_FAILED;
}

static subject_t *subject_get(kc_sr_client_t *c, const char *name, bool create) {
  ent_t *e = map_get(&c->subjects, name, strlen(name));
  if (e || !create) return e ? e->p : NULL;
  subject_t *s = calloc(1, sizeof *s);
  if (!s || !(e = map_add(&c->subjects, name, strlen(name)))) {
    free(s);
    return NULL;
  }
  e->p = s;
  return s;
}

static void cache_id(kc_sr_client_t *c, int32_t id, const char *text, size_t len) {
  if (map_get(&c->ids, &id, sizeof id)) return;
  ent_t *e = map_add(&c->ids, &id, sizeof id);
  if (e && !(e->text = dup_n(text, len))) map_del(&c->ids, e);
  else if (e) e->tlen = len;
}

/* Stores text -> id in a map bounded to @p max entries, evicting the least recently used. */
static void cache_schema(map_t *m, const char *text, size_t len, int32_t id, int64_t max) {
  ent_t *e = map_get(m, text, len);
  if (!e) {
    while (m->n && m->n >= (size_t)max) map_del(m, m->oldest);
    e = map_add(m, text, len);
  }
  if (e) e->id = id;
}

/* Stores a successful answer. @returns NULL or what was wrong with the body. */
static const char *op_store(op_t *op, json_t *j) {
  kc_sr_client_t *c = op->c;
  json_t *jid = json_object_get(j, "id"), *js = json_object_get(j, "schema");
  if (op->kind == OP_COMPAT) {
    json_t *ok = json_object_get(j, "is_compatible");
    if (!json_is_boolean(ok)) return "no is_compatible";
    subject_t *s = subject_get(c, op->subject, false);
    if (!json_is_true(ok)) return s && s->have_latest ? "incompatible" : "no latest";
    if (s && s->have_latest)
      cache_schema(&s->compat, op->text, op->tlen, s->latest_id, c->s.latest_cache_size);
    return NULL;
  }
  if (op->kind == OP_VERSION) {
    json_t *jv = json_object_get(j, "version");
    if (!json_is_integer(jv)) return "no version";
    subject_t *s = subject_get(c, op->subject, true);
    if (!s) return "out of memory";
    cache_schema(&s->versions, op->text, op->tlen, (int32_t)json_integer_value(jv),
                 c->s.max_per_subject);
    return NULL;
  }
  if (!json_is_integer(jid) && op->kind != OP_BY_ID) return "no id";
  if (op->kind == OP_BY_ID || op->kind == OP_LATEST) {
    if (!json_is_string(js)) return "no schema";
  }
  if (op->kind == OP_BY_ID) {
    cache_id(c, op->id, json_string_value(js), json_string_length(js));
    return NULL;
  }
  int32_t id = (int32_t)json_integer_value(jid);
  subject_t *s = subject_get(c, op->subject, true);
  if (!s) return "out of memory";
  if (op->kind == OP_LATEST) {
    char *t = dup_n(json_string_value(js), json_string_length(js));
    if (!t) return "out of memory";
    free(s->latest_text);
    s->latest_text = t;
    s->latest_len = json_string_length(js);
    s->latest_id = id;
    s->have_latest = true;
    s->latest_at = uv_now(c->loop);
    map_clear(&s->compat, NULL);
    cache_id(c, id, t, s->latest_len);
    return NULL;
  }
  cache_schema(&s->schemas, op->text, op->tlen, id, c->s.max_per_subject);
  cache_id(c, id, op->text, op->tlen);
  return NULL;
}

static void strip_query(const char *url, char *out, size_t n) {
  snprintf(out, n, "%s", url);
  char *q = strchr(out, '?');
  if (q) *q = '\0';
}

static bool transient_status(long st) {
  return st == 408 || st == 429 || st == 500 || st == 502 || st == 503 || st == 504;
}

static void on_response(kc_http_req_t *req, int status, void *arg) {
  op_t *op = arg;
  kc_sr_client_t *c = op->c;
  op->req = NULL;
  if (c->destroyed || !op->ent) {
    kc_http_req_destroy(req);
    op_maybe_free(op);
    return;
  }
  char where[512];
  strip_query(req->url, where, sizeof where); /* a base without user info: safe to print */
  long st = kc_http_req_status(req);
  const kc_buf_t *body = kc_http_req_response(req);
  if (status != 0 || transient_status(st)) {
    char why[600];
    if (status)
      snprintf(why, sizeof why, "%s", kc_http_req_error(req));
    else
      snprintf(why, sizeof why, "HTTP %ld: %.200s", st, body->data);
    kc_log_debug(LOGGER, "request to %s failed: %s", where, why);
    if (!c->failing)
      kc_log_warn(LOGGER, "request to schema registry %s failed: %s; retrying with back-off%s",
                  where, why, c->s.nurls > 1 ? ", failing over to the next URL" : "");
    c->failing = true;
    kc_http_req_destroy(req);
    op_retry_later(op);
    return;
  }
  if (c->failing) kc_log_info(LOGGER, "schema registry %s answers again", where);
  c->failing = false;
  json_error_t jerr;
  json_t *j = json_loadb(body->data, body->len, 0, &jerr);
  if (st == 200) {
    const char *bad = j ? op_store(op, j) : "not JSON";
    subject_t *s = bad ? subject_get(c, op->subject ? op->subject : "", false) : NULL;
    if (bad && !strcmp(bad, "incompatible"))
      op_fail(op, false,
              "Incompatible schema '%.300s' for schema '%.300s'. Set latest.compatibility.strict="
              "false to disable this check. (schema registry %s)",
              s->latest_text, op->text, where);
    else if (bad)
      op_fail(op, false, "Unexpected response from schema registry (%s): %s", where, bad);
  } else {
    json_t *code = json_object_get(j, "error_code"), *msg = json_object_get(j, "message");
    bool auth = st == 401 || st == 403;
    if (json_is_integer(code) && json_is_string(msg))
      op_fail(op, auth, "%.500s; error code: %lld (schema registry %s)", json_string_value(msg),
              (long long)json_integer_value(code), where);
    else if (auth)
      op_fail(op, true, "%s; error code: %ld (schema registry %s)",
              st == 401 ? "Unauthorized" : "Forbidden", st, where);
    else
      op_fail(op, false,
              "Unable to parse error message from schema registry: '(%.200s)'; error code: 50005 "
              "(schema registry %s, HTTP %ld)",
              body->data, where, st);
  }
  json_decref(j);
  kc_http_req_destroy(req);
  if (op->state != ST_FAILED) { /* answered: the caches have it */
    op_unlink(op);
    op_maybe_free(op);
  } /* else the error stays for one probe */
  op_notify(c);
}

static void on_timer(uv_timer_t *t) {
  op_t *op = t->data;
  kc_sr_client_t *c = op->c;
  if (!op->ent || c->destroyed) return;
  int rc = op_send(op);
  if (rc) {
    op_fail(op, false, "cannot send to schema registry %s: %s", c->s.urls[c->cur].base,
            kc_strerror(rc));
    op_notify(c);
  }
}

static void op_retry_later(op_t *op) {
  kc_sr_client_t *c = op->c;
  op->attempts++;
  c->st.retries++;
  /* As UrlList.fail(): only a failure of the current URL moves on (concurrent failures of one
   * dead URL must not skip the good one). */
  if (c->s.nurls > 1 && c->cur == op->url) {
    c->cur = (c->cur + 1) % c->s.nurls;
    c->st.failovers++;
  }
  /* The first pass over the URL list fails over at once, as RestService does; then back-off. */
  uint64_t delay = 0;
  if (op->attempts >= c->s.nurls) {
    delay = op->backoff_ms ? op->backoff_ms : (uint64_t)c->s.backoff_ms;
    op->backoff_ms = delay * 2 > (uint64_t)c->s.backoff_max_ms ? (uint64_t)c->s.backoff_max_ms
                                                                : delay * 2;
  }
  op->state = ST_WAIT;
  if (!op->timer_live) {
    uv_timer_init(c->loop, &op->timer);
    op->timer.data = op;
    op->timer_live = true;
  }
  uv_timer_start(&op->timer, on_timer, delay, 0);
}

/* ---- probes ---- */

/* The op of @p key: an answer pending (KC_AGAIN), its final error (KC_ECONVERT, handed out
 * once), or a new request started. */
static int probe_op(kc_sr_client_t *c, int kind, const char *subject, const char *text,
                    size_t tlen, int32_t id, char *errstr, size_t n) {
  kc_buf_t key;
  kc_buf_init(&key, 0);
  char k = (char)kind;
  int rc = kc_buf_append(&key, &k, 1);
  if (!rc && subject) rc = kc_buf_append(&key, subject, strlen(subject) + 1);
  if (!rc && text) rc = kc_buf_append(&key, text, tlen);
  if (!rc && !text) rc = kc_buf_append(&key, &id, sizeof id);
  if (rc) return errf(errstr, n, KC_ENOMEM, "out of memory");
  ent_t *e = map_get(&c->ops, key.data, key.len);
  if (e) {
    kc_buf_free(&key);
    op_t *op = e->p;
    if (op->state != ST_FAILED) return KC_AGAIN;
    errf(errstr, n, KC_ECONVERT, "%s", op->err);
    c->last_auth = op->auth;
    op_unlink(op);
    op_maybe_free(op);
    return KC_ECONVERT;
  }
  op_t *op = calloc(1, sizeof *op);
  if (!op || !(e = map_add(&c->ops, key.data, key.len))) {
    free(op);
    kc_buf_free(&key);
    return errf(errstr, n, KC_ENOMEM, "out of memory");
  }
  kc_buf_free(&key);
  e->p = op;
  op->ent = e;
  op->c = c;
  c->live++;
  op->kind = kind;
  op->id = id;
  op->tlen = tlen;
  if ((subject && !(op->subject = strdup(subject))) || (text && !(op->text = dup_n(text, tlen))))
    rc = KC_ENOMEM;
  else
    rc = op_send(op);
  if (rc) {
    op_unlink(op);
    op_maybe_free(op);
    if (rc == KC_EINVAL && text)
      return errf(errstr, n, KC_ECONVERT, "Schema for subject '%s' is not valid UTF-8", subject);
    return errf(errstr, n, rc == KC_ENOMEM ? KC_ENOMEM : KC_ECONVERT,
                "cannot send to schema registry: %s", kc_strerror(rc));
  }
  return KC_AGAIN;
}

int kc_sr_schema_by_id(kc_sr_client_t *c, int32_t id, const char **text, size_t *len,
                       char *errstr, size_t errstr_size) {
  if (!c || !c->http) return errf(errstr, errstr_size, KC_ESTATE, "schema registry client not attached");
  ent_t *e = map_get(&c->ids, &id, sizeof id);
  if (e) {
    c->st.cache_hits++;
    *text = e->text;
    if (len) *len = e->tlen;
    return 0;
  }
  return probe_op(c, OP_BY_ID, NULL, NULL, 0, id, errstr, errstr_size);
}

static bool latest_fresh(const kc_sr_client_t *c, const subject_t *s) {
  if (!s || !s->have_latest) return false;
  return c->s.latest_ttl_sec < 0 ||
         uv_now(c->loop) - s->latest_at < (uint64_t)c->s.latest_ttl_sec * 1000;
}

int kc_sr_id_for_schema(kc_sr_client_t *c, const char *subject, const char *schema_text,
                        size_t len, int32_t *id, const char **latest_text, size_t *latest_len,
                        char *errstr, size_t errstr_size) {
  if (!c || !c->http) return errf(errstr, errstr_size, KC_ESTATE, "schema registry client not attached");
  if (latest_text) *latest_text = NULL;
  if (latest_len) *latest_len = 0;
  subject_t *s = subject_get(c, subject, false);
  if (c->s.use_latest) {
    if (!latest_fresh(c, s)) {
      if (s && s->have_latest) { /* expired (latest.cache.ttl.sec) */
        s->have_latest = false;
        map_clear(&s->compat, NULL);
      }
      return probe_op(c, OP_LATEST, subject, NULL, 0, 0, errstr, errstr_size);
    }
    ent_t *ok = c->s.latest_strict ? map_get(&s->compat, schema_text, len) : NULL;
    if (c->s.latest_strict && !ok)
      return probe_op(c, OP_COMPAT, subject, schema_text, len, 0, errstr, errstr_size);
    if (ok) map_touch(&s->compat, ok);
    c->st.cache_hits++;
    *id = s->latest_id;
    if (latest_text) *latest_text = s->latest_text;
    if (latest_len) *latest_len = s->latest_len;
    return 0;
  }
  ent_t *e = s ? map_get(&s->schemas, schema_text, len) : NULL;
  if (e) {
    c->st.cache_hits++;
    map_touch(&s->schemas, e);
    *id = e->id;
    return 0;
  }
  return probe_op(c, c->s.auto_register ? OP_REGISTER : OP_LOOKUP, subject, schema_text, len, 0,
                  errstr, errstr_size);
}

int kc_sr_version_of(kc_sr_client_t *c, const char *subject, const char *schema_text, size_t len,
                     int32_t *version, char *errstr, size_t errstr_size) {
  if (!c || !c->http) return errf(errstr, errstr_size, KC_ESTATE, "schema registry client not attached");
  subject_t *s = subject_get(c, subject, false);
  ent_t *e = s ? map_get(&s->versions, schema_text, len) : NULL;
  if (e) {
    c->st.cache_hits++;
    map_touch(&s->versions, e);
    *version = e->id;
    return 0;
  }
  return probe_op(c, OP_VERSION, subject, schema_text, len, 0, errstr, errstr_size);
}
