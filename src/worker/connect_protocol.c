/*
 * Connect group sub-protocol codec (ConnectProtocol, IncrementalCooperativeConnectProtocol,
 * ExtendedAssignment) and the Java String/HashSet ordering the encoders and assignors share.
 */
#include "worker/connect_protocol.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- Java strings ------------------------------------------------------------------------- */

/* Decodes the next code point of UTF-8 @p s at *i as Java's UTF-8 decoder would (a malformed
 * sequence is one U+FFFD per bad byte, close enough for hashing and ordering names). */
static uint32_t next_cp(const unsigned char *s, size_t *i) {
  unsigned c = s[*i];
  int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 1) {
    (*i)++;
    return c;
  }
  if (len == 0) {
    (*i)++;
    return 0xFFFD;
  }
  uint32_t cp = c & (0x7F >> len);
  for (int k = 1; k < len; k++) {
    unsigned d = s[*i + k];
    if ((d & 0xC0) != 0x80) {
      (*i)++;
      return 0xFFFD;
    }
    cp = (cp << 6) | (d & 0x3F);
  }
  static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_cp[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    (*i)++;
    return 0xFFFD;
  }
  *i += (size_t)len;
  return cp;
}

/* UTF-16 units of a code point: returns 1 or 2. */
static int utf16(uint32_t cp, uint16_t u[2]) {
  if (cp < 0x10000) {
    u[0] = (uint16_t)cp;
    return 1;
  }
  cp -= 0x10000;
  u[0] = (uint16_t)(0xD800 + (cp >> 10));
  u[1] = (uint16_t)(0xDC00 + (cp & 0x3FF));
  return 2;
}

int32_t kc_cp_java_hash(const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  uint32_t h = 0;
  size_t i = 0;
  while (s[i]) {
    if (s[i] < 0x80) { /* the common case, without decoding */
      h = 31 * h + s[i++];
      continue;
    }
    uint16_t u[2];
    int k = utf16(next_cp(s, &i), u);
    for (int j = 0; j < k; j++) h = 31 * h + u[j];
  }
  return (int32_t)h;
}

int kc_cp_java_compare(const char *a, const char *b) {
  const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
  size_t i = 0, j = 0;
  uint16_t ux[2], uy[2];
  int nx = 0, ny = 0, px = 0, py = 0;
  for (;;) {
    if (px == nx) {
      if (!x[i]) nx = 0;
      else nx = utf16(next_cp(x, &i), ux);
      px = 0;
    }
    if (py == ny) {
      if (!y[j]) ny = 0;
      else ny = utf16(next_cp(y, &j), uy);
      py = 0;
    }
    if (nx == 0 || ny == 0) return (nx != 0) - (ny != 0);
    if (ux[px] != uy[py]) return (int)ux[px] - (int)uy[py];
    px++;
    py++;
  }
}

static int table_size_for(int c) {
  int n = 1;
  while (n < c) n <<= 1;
  return n;
}

int kc_cp_java_copy_capacity(int n) {
  int c = (int)((float)n / .75f) + 1;
  return table_size_for(c < 16 ? 16 : c);
}

int kc_cp_java_grown_capacity(int n) {
  int cap = 16;
  while ((double)n > cap * 0.75) cap <<= 1;
  return cap;
}

typedef struct { int bucket, pos, idx; } hord_t;

static int hord_cmp(const void *a, const void *b) {
  const hord_t *x = a, *y = b;
  if (x->bucket != y->bucket) return x->bucket < y->bucket ? -1 : 1;
  return x->pos < y->pos ? -1 : x->pos > y->pos;
}

void kc_cp_java_hash_order(int *idx, int n, const int32_t *hashes, int cap) {
  if (n < 2) return;
  hord_t stack[64], *h = n <= 64 ? stack : malloc(sizeof(*h) * (size_t)n);
  if (!h) return; /* out of memory: insertion order, still a valid (if not Java's) order */
  for (int i = 0; i < n; i++) {
    h[i].bucket = (int)((uint32_t)kc_cp_java_spread(hashes[idx[i]]) & (uint32_t)(cap - 1));
    h[i].pos = i;
    h[i].idx = idx[i];
  }
  qsort(h, (size_t)n, sizeof(*h), hord_cmp);
  for (int i = 0; i < n; i++) idx[i] = h[i].idx;
  if (h != stack) free(h);
}

/* ---- Sub-protocol names ------------------------------------------------------------------- */

int kc_cp_protocols(const char *mode, const char *names[3], int16_t versions[3], int *n) {
  static const char *all[3] = {"sessioned", "compatible", "default"};
  int first;
  if (!mode) return KC_EINVAL;
  if (!strcasecmp(mode, "sessioned")) first = 0;
  else if (!strcasecmp(mode, "compatible")) first = 1;
  else if (!strcasecmp(mode, "eager")) first = 2;
  else return KC_EINVAL;
  *n = 0;
  for (int i = first; i < 3; i++) {
    names[*n] = all[i];
    versions[*n] = (int16_t)(2 - i);
    (*n)++;
  }
  return 0;
}

int kc_cp_protocol_version(const char *protocol) {
  if (!protocol) return KC_EINVAL;
  if (!strcasecmp(protocol, "default")) return KC_CP_V0;
  if (!strcasecmp(protocol, "compatible")) return KC_CP_V1;
  if (!strcasecmp(protocol, "sessioned")) return KC_CP_V2;
  return KC_EINVAL;
}

/* ---- Writer ------------------------------------------------------------------------------- */

static int put16(kc_buf_t *b, int16_t v) {
  unsigned char x[2] = {(unsigned char)((uint16_t)v >> 8), (unsigned char)v};
  return kc_buf_append(b, x, 2);
}
static int put32(kc_buf_t *b, int32_t v) {
  uint32_t u = (uint32_t)v;
  unsigned char x[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16), (unsigned char)(u >> 8),
                        (unsigned char)u};
  return kc_buf_append(b, x, 4);
}
static int put64(kc_buf_t *b, int64_t v) {
  int rc = put32(b, (int32_t)((uint64_t)v >> 32));
  return rc ? rc : put32(b, (int32_t)(uint32_t)(uint64_t)v);
}
static int putstr(kc_buf_t *b, const char *s) {
  if (!s) return KC_EINVAL; /* Type.STRING is not nullable: Java throws too */
  size_t n = strlen(s);
  if (n > 32767) return KC_EINVAL;
  int rc = put16(b, (int16_t)n);
  return rc ? rc : kc_buf_append(b, s, n);
}

/* The two lists Java keeps (connectors, tasks) as indices into a's entries. */
typedef struct { int e, t; } ref_t; /* entry index, task index within it */

typedef struct {
  ref_t *conns; int nconns;
  ref_t *tasks; int ntasks;
} lists_t;

static int split_lists(const kc_cp_entry_t *es, int n, lists_t *l) {
  int total = 0;
  for (int i = 0; i < n; i++) total += es[i].ntasks;
  l->conns = malloc(sizeof(ref_t) * (size_t)(total + 1));
  l->tasks = malloc(sizeof(ref_t) * (size_t)(total + 1));
  if (!l->conns || !l->tasks) {
    free(l->conns);
    free(l->tasks);
    return KC_ENOMEM;
  }
  l->nconns = l->ntasks = 0;
  for (int i = 0; i < n; i++)
    for (int t = 0; t < es[i].ntasks; t++) {
      ref_t r = {i, t};
      if (es[i].tasks[t] == KC_CP_CONNECTOR_TASK) l->conns[l->nconns++] = r;
      else l->tasks[l->ntasks++] = r;
    }
  return 0;
}

/* A regrouped entry for the encoder: a connector name and its items (borrowed). */
typedef struct { const char *name; int32_t *items; int n; } group_t;

static int group_find(group_t *g, int ng, const char *name) {
  for (int i = 0; i < ng; i++)
    if (!strcmp(g[i].name, name)) return i;
  return -1;
}

/* Java's asMap (hash_conns: connectors through a HashSet) or revokedAsMap (distinct, in order),
 * written as an Array<ConnectorAssignment>. */
static int put_entries(kc_buf_t *b, const kc_cp_entry_t *es, int n, int hash_conns) {
  lists_t l;
  int rc = split_lists(es, n, &l);
  if (rc) return rc;
  int cap = l.nconns + l.ntasks + 1;
  group_t *g = calloc((size_t)cap, sizeof(*g));
  int32_t *items = malloc(sizeof(int32_t) * (size_t)cap);
  int *order = malloc(sizeof(int) * (size_t)cap);
  int32_t *hashes = malloc(sizeof(int32_t) * (size_t)cap);
  int ng = 0, nord = 0;
  if (!g || !items || !order || !hashes) {
    rc = KC_ENOMEM;
    goto done;
  }
  /* distinct connectors, first occurrence order */
  for (int i = 0; i < l.nconns; i++) {
    const char *name = es[l.conns[i].e].connector;
    int seen = 0;
    for (int k = 0; k < nord && !seen; k++) seen = !strcmp(es[l.conns[order[k]].e].connector, name);
    if (seen) continue;
    hashes[i] = kc_cp_java_hash(name);
    order[nord++] = i;
  }
  if (hash_conns) kc_cp_java_hash_order(order, nord, hashes, kc_cp_java_copy_capacity(l.nconns));
  /* Every group gets a slice of items sized for the worst case: count per name first. */
  int used = 0;
  for (int k = 0; k < nord; k++) {
    g[ng].name = es[l.conns[order[k]].e].connector;
    g[ng].n = 0;
    ng++;
  }
  for (int i = 0; i < l.ntasks; i++) {
    const char *name = es[l.tasks[i].e].connector;
    if (group_find(g, ng, name) < 0) {
      g[ng].name = name;
      g[ng].n = 0;
      ng++;
    }
  }
  /* sizes, then slices */
  int *sizes = calloc((size_t)ng + 1, sizeof(int));
  if (!sizes) {
    rc = KC_ENOMEM;
    goto done;
  }
  for (int k = 0; k < nord; k++) sizes[k] = 1;
  for (int i = 0; i < l.ntasks; i++) sizes[group_find(g, ng, es[l.tasks[i].e].connector)]++;
  for (int k = 0; k < ng; k++) {
    g[k].items = items + used;
    used += sizes[k];
  }
  free(sizes);
  for (int k = 0; k < nord; k++) g[k].items[g[k].n++] = KC_CP_CONNECTOR_TASK;
  for (int i = 0; i < l.ntasks; i++) {
    int k = group_find(g, ng, es[l.tasks[i].e].connector);
    g[k].items[g[k].n++] = es[l.tasks[i].e].tasks[l.tasks[i].t];
  }
  rc = put32(b, ng);
  for (int k = 0; k < ng && !rc; k++) {
    rc = putstr(b, g[k].name);
    if (!rc) rc = put32(b, g[k].n);
    for (int i = 0; i < g[k].n && !rc; i++) rc = put32(b, g[k].items[i]);
  }
done:
  free(g);
  free(items);
  free(order);
  free(hashes);
  free(l.conns);
  free(l.tasks);
  return rc;
}

int kc_cp_assignment_encode(const kc_cp_assignment_t *a, kc_buf_t *out) {
  if (!a || a->version < 0) return KC_EINVAL;
  int rc = put16(out, a->version == 0 ? 0 : a->version);
  if (!rc) rc = put16(out, a->error);
  if (!rc) rc = putstr(out, a->leader);
  if (!rc) rc = putstr(out, a->leader_url);
  if (!rc) rc = put64(out, a->config_offset);
  if (!rc) rc = put_entries(out, a->assigned, a->nassigned, 1);
  if (a->version == KC_CP_V0) return rc;
  if (!rc) rc = put_entries(out, a->revoked, a->nrevoked, 0);
  if (!rc) rc = put32(out, a->delay_ms);
  return rc;
}

int kc_cp_metadata_encode(int16_t version, const char *url, int64_t config_offset,
                          const kc_cp_assignment_t *allocation, kc_buf_t *out) {
  if (version < 0) return KC_EINVAL;
  int rc = put16(out, version);
  if (!rc) rc = putstr(out, url);
  if (!rc) rc = put64(out, config_offset);
  if (rc || version == KC_CP_V0) return rc;
  if (!allocation) return put32(out, -1);
  /* The embedded assignment is written with the metadata's version header, whatever version
   * it was received with (serializeAssignment(assignment, sessioned)). */
  kc_cp_assignment_t copy = *allocation;
  copy.version = version;
  kc_buf_t inner;
  kc_buf_init(&inner, 0);
  rc = kc_cp_assignment_encode(&copy, &inner);
  if (!rc) rc = put32(out, (int32_t)inner.len);
  if (!rc) rc = kc_buf_append(out, inner.data, inner.len);
  kc_buf_free(&inner);
  return rc;
}

/* ---- Reader ------------------------------------------------------------------------------- */

typedef struct {
  const unsigned char *p;
  size_t len, pos;
  char *err;
  size_t n;
} rd_t;

static int rd_fail(rd_t *r, const char *fmt, ...) {
  if (r->err && r->n) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, r->n, fmt, ap);
    va_end(ap);
  }
  return KC_EINVAL;
}

static int get_n(rd_t *r, size_t k, uint64_t *v, const char *field) {
  if (r->len - r->pos < k)
    return rd_fail(r, "Error reading field '%s': truncated at byte %zu", field, r->pos);
  uint64_t x = 0;
  for (size_t i = 0; i < k; i++) x = (x << 8) | r->p[r->pos + i];
  r->pos += k;
  *v = x;
  return 0;
}
static int get16(rd_t *r, int16_t *v, const char *f) {
  uint64_t x = 0;
  int rc = get_n(r, 2, &x, f);
  if (!rc) *v = (int16_t)(uint16_t)x;
  return rc;
}
static int get32(rd_t *r, int32_t *v, const char *f) {
  uint64_t x = 0;
  int rc = get_n(r, 4, &x, f);
  if (!rc) *v = (int32_t)(uint32_t)x;
  return rc;
}
static int get64(rd_t *r, int64_t *v, const char *f) {
  uint64_t x = 0;
  int rc = get_n(r, 8, &x, f);
  if (!rc) *v = (int64_t)x;
  return rc;
}
static int getstr(rd_t *r, char **s, const char *f) {
  int16_t n;
  int rc = get16(r, &n, f);
  if (rc) return rc;
  if (n < 0) return rd_fail(r, "Error reading field '%s': String length %d cannot be negative", f, n);
  if ((size_t)n > r->len - r->pos)
    return rd_fail(r, "Error reading field '%s': Error reading string of length %d, only %zu bytes available",
                   f, n, r->len - r->pos);
  *s = malloc((size_t)n + 1);
  if (!*s) return KC_ENOMEM;
  memcpy(*s, r->p + r->pos, (size_t)n);
  (*s)[n] = 0;
  r->pos += (size_t)n;
  return 0;
}

static void entries_free(kc_cp_entry_t *es, int n) {
  for (int i = 0; i < n; i++) {
    free(es[i].connector);
    free(es[i].tasks);
  }
  free(es);
}

/* Array<ConnectorAssignment>; nullable: count -1 is an empty list. */
static int get_entries(rd_t *r, kc_cp_entry_t **out, int *nout, int nullable, const char *f) {
  int32_t n;
  int rc = get32(r, &n, f);
  *out = NULL;
  *nout = 0;
  if (rc) return rc;
  if (n < 0) {
    if (nullable) return 0;
    return rd_fail(r, "Error reading field '%s': Array size %d cannot be negative", f, n);
  }
  if ((size_t)n > r->len - r->pos)
    return rd_fail(r, "Error reading field '%s': Error reading array of size %d, only %zu bytes available",
                   f, n, r->len - r->pos);
  kc_cp_entry_t *es = calloc((size_t)n + 1, sizeof(*es));
  if (!es) return KC_ENOMEM;
  int i;
  for (i = 0; i < n; i++) {
    rc = getstr(r, &es[i].connector, f);
    int32_t nt = 0;
    if (!rc) rc = get32(r, &nt, f);
    if (!rc && nt < 0) rc = rd_fail(r, "Error reading field '%s': Array size %d cannot be negative", f, nt);
    if (!rc && (size_t)nt > r->len - r->pos)
      rc = rd_fail(r, "Error reading field '%s': Error reading array of size %d, only %zu bytes available",
                   f, nt, r->len - r->pos);
    if (!rc) {
      es[i].tasks = malloc(sizeof(int32_t) * ((size_t)nt + 1));
      if (!es[i].tasks) rc = KC_ENOMEM;
    }
    for (int32_t t = 0; !rc && t < nt; t++) rc = get32(r, &es[i].tasks[t], f);
    if (rc) break;
    es[i].ntasks = nt;
  }
  if (rc) {
    entries_free(es, i + 1);
    return rc;
  }
  *out = es;
  *nout = n;
  return 0;
}

void kc_cp_assignment_clear(kc_cp_assignment_t *a) {
  if (!a) return;
  free(a->leader);
  free(a->leader_url);
  entries_free(a->assigned, a->nassigned);
  entries_free(a->revoked, a->nrevoked);
  memset(a, 0, sizeof(*a));
}

static int read_assignment(rd_t *r, kc_cp_assignment_t *a) {
  memset(a, 0, sizeof(*a));
  int rc = get16(r, &a->version, "version");
  if (!rc && a->version < 0) rc = rd_fail(r, "Unsupported subscription version: %d", a->version);
  if (!rc) rc = get16(r, &a->error, "error");
  if (!rc) rc = getstr(r, &a->leader, "leader");
  if (!rc) rc = getstr(r, &a->leader_url, "leader-url");
  if (!rc) rc = get64(r, &a->config_offset, "config-offset");
  /* ASSIGNMENT_V1 tolerates missing trailing fields: defaults null, null, 0. */
  if (!rc && r->pos < r->len) rc = get_entries(r, &a->assigned, &a->nassigned, 1, "assignment");
  if (!rc && r->pos < r->len) rc = get_entries(r, &a->revoked, &a->nrevoked, 1, "revoked");
  if (!rc && r->pos < r->len) rc = get32(r, &a->delay_ms, "delay");
  if (rc) kc_cp_assignment_clear(a);
  return rc;
}

int kc_cp_assignment_decode(const void *p, size_t len, kc_cp_assignment_t *out, char *errstr,
                            size_t n) {
  rd_t r = {p, len, 0, errstr, n};
  return read_assignment(&r, out);
}

void kc_cp_metadata_clear(kc_cp_metadata_t *m) {
  if (!m) return;
  free(m->url);
  if (m->allocation) {
    kc_cp_assignment_clear(m->allocation);
    free(m->allocation);
  }
  memset(m, 0, sizeof(*m));
}

int kc_cp_metadata_decode(const void *p, size_t len, kc_cp_metadata_t *out, char *errstr, size_t n) {
  rd_t r = {p, len, 0, errstr, n};
  memset(out, 0, sizeof(*out));
  int rc = get16(&r, &out->version, "version");
  if (!rc && out->version < 0) rc = rd_fail(&r, "Unsupported subscription version: %d", out->version);
  if (!rc) rc = getstr(&r, &out->url, "url");
  if (!rc) rc = get64(&r, &out->config_offset, "config-offset");
  if (!rc && r.pos < r.len) {
    int32_t blen;
    rc = get32(&r, &blen, "allocation");
    if (!rc && blen >= 0) {
      if ((size_t)blen > r.len - r.pos) {
        rc = rd_fail(&r, "Error reading field 'allocation': Error reading bytes of size %d, only %zu bytes available",
                     blen, r.len - r.pos);
      } else {
        out->allocation = calloc(1, sizeof(*out->allocation));
        if (!out->allocation) rc = KC_ENOMEM;
        else {
          rd_t inner = {r.p + r.pos, (size_t)blen, 0, errstr, n};
          rc = read_assignment(&inner, out->allocation);
        }
      }
    }
  }
  if (rc) kc_cp_metadata_clear(out);
  return rc;
}

/* ---- Member side -------------------------------------------------------------------------- */

static char *dupstr(const char *s) {
  return s ? strdup(s) : NULL;
}

static int in_entries(const kc_cp_entry_t *es, int n, const char *conn, int32_t task) {
  for (int i = 0; i < n; i++)
    if (!strcmp(es[i].connector, conn))
      for (int t = 0; t < es[i].ntasks; t++)
        if (es[i].tasks[t] == task) return 1;
  return 0;
}

static int push_item(kc_cp_assignment_t *o, int *cap, const char *conn, int32_t task) {
  if (o->nassigned == *cap) {
    int nc = *cap ? *cap * 2 : 8;
    kc_cp_entry_t *ne = realloc(o->assigned, sizeof(*ne) * (size_t)nc);
    if (!ne) return KC_ENOMEM;
    o->assigned = ne;
    *cap = nc;
  }
  kc_cp_entry_t *e = &o->assigned[o->nassigned];
  e->connector = strdup(conn);
  e->tasks = malloc(sizeof(int32_t));
  if (!e->connector || !e->tasks) {
    free(e->connector);
    free(e->tasks);
    return KC_ENOMEM;
  }
  e->tasks[0] = task;
  e->ntasks = 1;
  o->nassigned++;
  return 0;
}

/* Appends the connector (want_conn) or task items of es, skipping those in skip. */
static int push_items(kc_cp_assignment_t *o, int *cap, const kc_cp_entry_t *es, int n, int want_conn,
                      const kc_cp_entry_t *skip, int nskip) {
  for (int i = 0; i < n; i++)
    for (int t = 0; t < es[i].ntasks; t++) {
      int32_t id = es[i].tasks[t];
      if ((id == KC_CP_CONNECTOR_TASK) != want_conn) continue;
      if (skip && in_entries(skip, nskip, es[i].connector, id)) continue;
      int rc = push_item(o, cap, es[i].connector, id);
      if (rc) return rc;
    }
  return 0;
}

int kc_cp_assignment_apply(const kc_cp_assignment_t *current, const kc_cp_assignment_t *received,
                           int eager, kc_cp_assignment_t *out) {
  memset(out, 0, sizeof(*out));
  out->version = received->version;
  out->error = received->error;
  out->config_offset = received->config_offset;
  out->leader = dupstr(received->leader);
  out->leader_url = dupstr(received->leader_url);
  int cap = 0, rc = 0;
  if ((received->leader && !out->leader) || (received->leader_url && !out->leader_url)) rc = KC_ENOMEM;
  for (int pass = 1; pass >= 0 && !rc; pass--) { /* connectors first, then tasks */
    rc = push_items(out, &cap, received->assigned, received->nassigned, pass, NULL, 0);
    if (!rc && current && !eager)
      rc = push_items(out, &cap, current->assigned, current->nassigned, pass, received->revoked,
                      received->nrevoked);
  }
  /* Java's snapshot is the received object itself, so its revoked lists and delay stay and go
   * into the next JoinGroup metadata (the leader ignores them there, but the bytes match). */
  out->delay_ms = received->delay_ms;
  if (!rc && received->nrevoked) {
    out->revoked = calloc((size_t)received->nrevoked, sizeof(kc_cp_entry_t));
    if (!out->revoked) rc = KC_ENOMEM;
    for (int i = 0; !rc && i < received->nrevoked; i++) {
      const kc_cp_entry_t *e = &received->revoked[i];
      kc_cp_entry_t *d = &out->revoked[i];
      d->connector = strdup(e->connector);
      d->tasks = malloc(sizeof(int32_t) * ((size_t)e->ntasks + 1));
      out->nrevoked = i + 1;
      if (!d->connector || !d->tasks) {
        rc = KC_ENOMEM;
        break;
      }
      memcpy(d->tasks, e->tasks, sizeof(int32_t) * (size_t)e->ntasks);
      d->ntasks = e->ntasks;
    }
  }
  if (rc) kc_cp_assignment_clear(out);
  return rc;
}
