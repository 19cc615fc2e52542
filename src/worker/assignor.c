/*
 * The leader's side of WorkerCoordinator (kc_cp_assign), EagerAssignor (round robin) and the
 * Java collection semantics both assignors run on (assignor_internal.h). The incremental
 * cooperative assignor is assignor_cooperative.c. Java's iteration orders (HashMap of member
 * ids, each member's metadata order) are reproduced so that a C leader assigns exactly as a
 * Java leader would for the same JoinGroup members.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/assignor_internal.h"

/* ---- Per-call tables: interned connector names and items ----------------------------------- */

static int names_grow(names_t *t) {
  int ncap = t->cap ? t->cap * 2 : 64;
  char **nn = realloc(t->names, sizeof(char *) * (size_t)ncap);
  if (nn) t->names = nn;
  int32_t *nh = realloc(t->hash, sizeof(int32_t) * (size_t)ncap);
  if (nh) t->hash = nh;
  int *ns = malloc(sizeof(int) * (size_t)ncap * 2);
  if (!nn || !nh || !ns) {
    free(ns);
    return KC_ENOMEM;
  }
  free(t->slots);
  t->slots = ns;
  t->nslots = ncap * 2;
  for (int i = 0; i < t->nslots; i++) t->slots[i] = -1;
  for (int i = 0; i < t->n; i++) {
    unsigned s = (unsigned)t->hash[i] % (unsigned)t->nslots;
    while (t->slots[s] >= 0) s = (s + 1) % (unsigned)t->nslots;
    t->slots[s] = i;
  }
  t->cap = ncap;
  return 0;
}

/* @returns the index of @p s (added if new), or -1 when out of memory (t->oom set). */
int kc_cpa_intern(names_t *t, const char *s) {
  int32_t h = kc_cp_java_hash(s);
  if (t->nslots) {
    unsigned sl = (unsigned)h % (unsigned)t->nslots;
    while (t->slots[sl] >= 0) {
      if (t->hash[t->slots[sl]] == h && !strcmp(t->names[t->slots[sl]], s)) return t->slots[sl];
      sl = (sl + 1) % (unsigned)t->nslots;
    }
  }
  if (t->n == t->cap && names_grow(t)) {
    t->oom = 1;
    return -1;
  }
  t->names[t->n] = (char *)s;
  t->hash[t->n] = h;
  unsigned sl = (unsigned)h % (unsigned)t->nslots;
  while (t->slots[sl] >= 0) sl = (sl + 1) % (unsigned)t->nslots;
  t->slots[sl] = t->n;
  return t->n++;
}

static const names_t *g_names; /* for qsort comparators (no qsort_r in C11) */

static int rank_cmp(const void *a, const void *b) {
  return kc_cp_java_compare(g_names->names[*(const int *)a], g_names->names[*(const int *)b]);
}

int kc_cpa_names_rank(names_t *t) {
  int *idx = malloc(sizeof(int) * ((size_t)t->n + 1));
  t->rank = malloc(sizeof(int) * ((size_t)t->n + 1));
  if (!idx || !t->rank) {
    free(idx);
    return KC_ENOMEM;
  }
  for (int i = 0; i < t->n; i++) idx[i] = i;
  g_names = t;
  qsort(idx, (size_t)t->n, sizeof(int), rank_cmp);
  for (int i = 0; i < t->n; i++) t->rank[idx[i]] = i;
  free(idx);
  return 0;
}

static void names_free(names_t *t) {
  free(t->names);
  free(t->hash);
  free(t->rank);
  free(t->slots);
}

static int32_t item_hash(const names_t *t, item_t x) {
  int32_t h = t->hash[ITEM_CONN(x)];
  if (ITEM_TASK(x) == KC_CP_CONNECTOR_TASK) return h; /* String.hashCode */
  return (int32_t)(31u * (uint32_t)h + (uint32_t)ITEM_TASK(x)); /* ConnectorTaskId.hashCode */
}

static int item_cmp(const void *a, const void *b) { /* TreeSet order: name, then task */
  item_t x = *(const item_t *)a, y = *(const item_t *)b;
  int rx = g_names->rank[ITEM_CONN(x)], ry = g_names->rank[ITEM_CONN(y)];
  if (rx != ry) return rx < ry ? -1 : 1;
  return ITEM_TASK(x) < ITEM_TASK(y) ? -1 : ITEM_TASK(x) > ITEM_TASK(y);
}

/* ---- Ordered item lists: ArrayList / LinkedHashSet / TreeSet ------------------------------- */

#define IX_MIN 16
#define IX_EMPTY INT64_MIN /* never an item: name indices are >= 0 */

static unsigned ix_slot(item_t x, int cap) {
  uint64_t h = (uint64_t)x * 0x9E3779B97F4A7C15ull;
  return (unsigned)(h >> 33) & (unsigned)(cap - 1);
}
static void ix_put(il_t *l, item_t x) {
  unsigned s = ix_slot(x, l->ixcap);
  while (l->ix[s] != IX_EMPTY && l->ix[s] != x) s = (s + 1) & (unsigned)(l->ixcap - 1);
  l->ix[s] = x;
}
/* (Re)builds the index for the current items, sized for twice the list's capacity. */
static void ix_rebuild(il_t *l) {
  free(l->ix);
  l->ix = NULL;
  l->ixcap = 0;
  if (l->n < IX_MIN) return;
  int cap = 64;
  while (cap < l->cap * 2) cap <<= 1;
  l->ix = malloc(sizeof(item_t) * (size_t)cap);
  if (!l->ix) return;
  l->ixcap = cap;
  for (int i = 0; i < cap; i++) l->ix[i] = IX_EMPTY;
  for (int i = 0; i < l->n; i++) ix_put(l, l->v[i]);
}

int kc_cpa_il_push(il_t *l, item_t x) {
  if (l->n == l->cap) {
    int nc = l->cap ? l->cap * 2 : 8;
    item_t *nv = realloc(l->v, sizeof(item_t) * (size_t)nc);
    if (!nv) return KC_ENOMEM;
    l->v = nv;
    l->cap = nc;
  }
  l->v[l->n++] = x;
  if (l->ix && l->ixcap >= l->cap * 2) ix_put(l, x);
  else if (l->n >= IX_MIN) ix_rebuild(l);
  return 0;
}
int kc_cpa_il_has(const il_t *l, item_t x) {
  if (l->ix) {
    unsigned s = ix_slot(x, l->ixcap);
    while (l->ix[s] != IX_EMPTY) {
      if (l->ix[s] == x) return 1;
      s = (s + 1) & (unsigned)(l->ixcap - 1);
    }
    return 0;
  }
  for (int i = 0; i < l->n; i++)
    if (l->v[i] == x) return 1;
  return 0;
}
int kc_cpa_il_add(il_t *l, item_t x) { /* LinkedHashSet.add */
  return kc_cpa_il_has(l, x) ? 0 : kc_cpa_il_push(l, x);
}
int kc_cpa_il_add_all(il_t *l, const il_t *o) {
  for (int i = 0; i < o->n; i++) {
    int rc = kc_cpa_il_add(l, o->v[i]);
    if (rc) return rc;
  }
  return 0;
}
void kc_cpa_il_remove_all(il_t *l, const il_t *o) {
  int k = 0;
  for (int i = 0; i < l->n; i++)
    if (!kc_cpa_il_has(o, l->v[i])) l->v[k++] = l->v[i];
  if (k == l->n) return;
  l->n = k;
  ix_rebuild(l);
}
void kc_cpa_il_clear(il_t *l) {
  l->n = 0;
  ix_rebuild(l);
}
void kc_cpa_il_free(il_t *l) {
  free(l->v);
  free(l->ix);
  memset(l, 0, sizeof(*l));
}
void kc_cpa_il_sort(const names_t *t, il_t *l) {
  if (l->n < 2) return;
  g_names = t;
  qsort(l->v, (size_t)l->n, sizeof(item_t), item_cmp);
  int k = 0;
  for (int i = 0; i < l->n; i++)
    if (!k || l->v[k - 1] != l->v[i]) l->v[k++] = l->v[i];
  l->n = k; /* the same items: the index holds */
}
/* new HashSet<>(l) iterated: distinct items of l in Java HashSet order. */
int kc_cpa_il_hash_copy(const names_t *t, const il_t *l, il_t *out) {
  memset(out, 0, sizeof(*out));
  for (int i = 0; i < l->n; i++)
    if (kc_cpa_il_add(out, l->v[i])) return KC_ENOMEM;
  if (out->n < 2) return 0;
  int *idx = malloc(sizeof(int) * ((size_t)out->n + 1));
  int32_t *h = malloc(sizeof(int32_t) * ((size_t)out->n + 1));
  item_t *v = malloc(sizeof(item_t) * ((size_t)out->n + 1));
  if (!idx || !h || !v) {
    free(idx);
    free(h);
    free(v);
    kc_cpa_il_free(out);
    return KC_ENOMEM;
  }
  for (int i = 0; i < out->n; i++) {
    idx[i] = i;
    h[i] = item_hash(t, out->v[i]);
  }
  kc_cp_java_hash_order(idx, out->n, h, kc_cp_java_copy_capacity(l->n));
  for (int i = 0; i < out->n; i++) v[i] = out->v[idx[i]];
  memcpy(out->v, v, sizeof(item_t) * (size_t)out->n);
  free(idx);
  free(h);
  free(v);
  return 0;
}

/* ---- Assignor state (strings, so that it outlives one call's name table) ------------------- */

void kc_cpa_saved_free(saved_t *s) {
  for (int i = 0; i < s->n; i++) free(s->conn[i]);
  free(s->conn);
  free(s->task);
  memset(s, 0, sizeof(*s));
}
void kc_cpa_strs_free(char **v, int n) {
  for (int i = 0; i < n; i++) free(v[i]);
  free(v);
}

kc_cp_assignor_t *kc_cp_assignor_create(int32_t max_delay_ms) {
  kc_cp_assignor_t *a = calloc(1, sizeof(*a));
  if (!a) return NULL;
  a->max_delay = max_delay_ms < 0 ? 0 : max_delay_ms;
  a->previous_generation = -1;
  return a;
}

void kc_cp_assignor_destroy(kc_cp_assignor_t *a) {
  if (!a) return;
  kc_cpa_saved_free(&a->previous_assignment);
  kc_cpa_saved_free(&a->previous_revocation);
  kc_cpa_strs_free(a->candidates, a->ncandidates);
  kc_cpa_strs_free(a->previous_members, a->nprevious_members);
  free(a);
}

/* saved -> (connectors, tasks) lists of interned items */
int kc_cpa_saved_import(names_t *t, const saved_t *s, il_t *conns, il_t *tasks) {
  for (int i = 0; i < s->n; i++) {
    int c = kc_cpa_intern(t, s->conn[i]);
    if (c < 0) return KC_ENOMEM;
    if (kc_cpa_il_push(s->task[i] == KC_CP_CONNECTOR_TASK ? conns : tasks, ITEM(c, s->task[i])))
      return KC_ENOMEM;
  }
  return 0;
}

int kc_cpa_saved_export(const names_t *t, const il_t *conns, const il_t *tasks, saved_t *out) {
  saved_t s = {0};
  int n = conns->n + tasks->n;
  s.conn = calloc((size_t)n + 1, sizeof(char *));
  s.task = malloc(sizeof(int32_t) * ((size_t)n + 1));
  if (!s.conn || !s.task) {
    free(s.conn);
    free(s.task);
    return KC_ENOMEM;
  }
  for (int k = 0; k < n; k++) {
    item_t x = k < conns->n ? conns->v[k] : tasks->v[k - conns->n];
    s.conn[k] = strdup(t->names[ITEM_CONN(x)]);
    s.task[k] = ITEM_TASK(x);
    s.n = k + 1;
    if (!s.conn[k]) {
      kc_cpa_saved_free(&s);
      return KC_ENOMEM;
    }
  }
  kc_cpa_saved_free(out);
  *out = s;
  return 0;
}

/* ---- One round's members ------------------------------------------------------------------- */

static void ctx_free(ctx_t *c) {
  for (int i = 0; i < c->n; i++) {
    mem_t *m = &c->m[i];
    kc_cp_metadata_clear(&m->md);
    kc_cpa_il_free(&m->conns);
    kc_cpa_il_free(&m->tasks);
    kc_cpa_il_free(&m->cur_conns);
    kc_cpa_il_free(&m->cur_tasks);
    kc_cpa_il_free(&m->rv_conns);
    kc_cpa_il_free(&m->rv_tasks);
    kc_cpa_il_free(&m->new_conns);
    kc_cpa_il_free(&m->new_tasks);
  }
  free(c->m);
  free(c->order);
  names_free(&c->t);
}

/* Appends one flat entry per item: the encoder regroups them as Java's asMap does. */
static int flat_entries(const names_t *t, const il_t *a, const il_t *b, kc_cp_entry_t **out, int *n,
                        int32_t *ids) {
  int total = a->n + b->n;
  kc_cp_entry_t *es = calloc((size_t)total + 1, sizeof(*es));
  if (!es) return KC_ENOMEM;
  for (int k = 0; k < total; k++) {
    item_t x = k < a->n ? a->v[k] : b->v[k - a->n];
    ids[k] = ITEM_TASK(x);
    es[k].connector = t->names[ITEM_CONN(x)];
    es[k].tasks = &ids[k];
    es[k].ntasks = 1;
  }
  *out = es;
  *n = total;
  return 0;
}

int kc_cpa_emit(const ctx_t *c, kc_buf_t *out, int16_t version, int16_t error, const char *leader,
                int64_t offset, const il_t *ac, const il_t *at, const il_t *rc, const il_t *rt,
                int32_t delay) {
  kc_cp_assignment_t a = {0};
  a.version = version;
  a.error = error;
  a.leader = (char *)leader;
  a.leader_url = (char *)c->leader_url;
  a.config_offset = offset;
  a.delay_ms = delay;
  int32_t *ids = malloc(sizeof(int32_t) * ((size_t)(ac->n + at->n + rc->n + rt->n) + 1));
  if (!ids) return KC_ENOMEM;
  int r = flat_entries(&c->t, ac, at, &a.assigned, &a.nassigned, ids);
  if (!r) r = flat_entries(&c->t, rc, rt, &a.revoked, &a.nrevoked, ids + ac->n + at->n);
  if (!r) r = kc_cp_assignment_encode(&a, out);
  free(a.assigned);
  free(a.revoked);
  free(ids);
  return r;
}

static const ctx_t *g_ctx;
static int member_id_cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  int r = kc_cp_java_compare(g_ctx->m[x].id, g_ctx->m[y].id);
  return r ? r : (x > y) - (x < y);
}

/* ---- EagerAssignor ------------------------------------------------------------------------ */

static int eager_assign(ctx_t *c, const char *leader_id, int64_t offset,
                        const kc_cp_connector_t *configured, int nconfigured, kc_buf_t *out) {
  int *sorted = malloc(sizeof(int) * (size_t)c->n);
  il_t conns = {0};
  int rc = 0;
  if (!sorted) return KC_ENOMEM;
  for (int i = 0; i < c->n; i++) sorted[i] = i;
  g_ctx = c;
  qsort(sorted, (size_t)c->n, sizeof(int), member_id_cmp);
  for (int i = 0; i < nconfigured && !rc; i++) rc = kc_cpa_il_add(&conns, ITEM(kc_cpa_intern(&c->t, configured[i].name), -1));
  if (!rc && c->t.oom) rc = KC_ENOMEM;
  if (!rc) rc = kc_cpa_names_rank(&c->t);
  if (!rc) {
    kc_cpa_il_sort(&c->t, &conns);
  }
  long next = 0; /* one CircularIterator over the sorted members: connectors, then tasks */
  for (int i = 0; i < conns.n && !rc; i++) rc = kc_cpa_il_push(&c->m[sorted[next++ % c->n]].conns, conns.v[i]);
  for (int i = 0; i < conns.n && !rc; i++) {
    const char *name = c->t.names[ITEM_CONN(conns.v[i])];
    int ntasks = 0;
    for (int k = 0; k < nconfigured; k++)
      if (!strcmp(configured[k].name, name)) ntasks = configured[k].ntasks;
    for (int32_t t = 0; t < ntasks && !rc; t++)
      rc = kc_cpa_il_push(&c->m[sorted[next++ % c->n]].tasks, ITEM(ITEM_CONN(conns.v[i]), t));
  }
  il_t none = {0};
  for (int i = 0; i < c->n && !rc; i++)
    rc = kc_cpa_emit(c, &out[i], KC_CP_V0, KC_CP_NO_ERROR, leader_id, offset, &c->m[i].conns,
              &c->m[i].tasks, &none, &none, 0);
  kc_cpa_il_free(&conns);
  free(sorted);
  return rc;
}

int kc_cp_assign(kc_cp_assignor_t *a, const char *protocol, const char *leader_id,
                 const char *leader_url, int64_t leader_config_offset,
                 const kc_cp_connector_t *configured, int nconfigured, const kc_cp_member_t *members,
                 int nmembers, int32_t generation, int32_t last_completed_generation,
                 int64_t now_ms, kc_buf_t *out, char *errstr, size_t n) {
  int version = kc_cp_protocol_version(protocol);
  if (version < 0) {
    if (errstr && n) snprintf(errstr, n, "Unknown Connect protocol: %s", protocol ? protocol : "(null)");
    return KC_EINVAL;
  }
  if (nmembers < 1 || !leader_id || (version != KC_CP_V0 && !a)) {
    if (errstr && n) snprintf(errstr, n, "no members, leader or assignor");
    return KC_EINVAL;
  }
  ctx_t c;
  memset(&c, 0, sizeof(c));
  c.m = calloc((size_t)nmembers, sizeof(mem_t));
  c.order = malloc(sizeof(int) * (size_t)nmembers);
  int32_t *h = malloc(sizeof(int32_t) * (size_t)nmembers);
  int rc = 0;
  if (!c.m || !c.order || !h) {
    free(c.m);
    free(c.order);
    free(h);
    return KC_ENOMEM;
  }
  c.n = nmembers;
  c.leader = -1;
  int64_t max_offset = 0;
  for (int i = 0; i < nmembers; i++) {
    char why[200] = "";
    c.m[i].id = members[i].member_id;
    c.m[i].hash = h[i] = kc_cp_java_hash(members[i].member_id);
    c.order[i] = i;
    rc = kc_cp_metadata_decode(members[i].metadata, members[i].len, &c.m[i].md, why, sizeof(why));
    if (rc) {
      if (errstr && n) snprintf(errstr, n, "member %s: %s", members[i].member_id, why);
      goto done;
    }
    if (i == 0 || c.m[i].md.config_offset > max_offset) max_offset = c.m[i].md.config_offset;
    if (c.leader < 0 && !strcmp(members[i].member_id, leader_id)) c.leader = i;
  }
  kc_cp_java_hash_order(c.order, nmembers, h, kc_cp_java_grown_capacity(nmembers));
  c.leader_url = c.leader >= 0 ? c.m[c.leader].md.url : leader_url;
  if (!c.leader_url) c.leader_url = "";
  if (leader_config_offset < max_offset) { /* ensureLeaderConfig failed: everyone re-syncs */
    il_t none = {0};
    for (int i = 0; i < nmembers && !rc; i++)
      rc = kc_cpa_emit(&c, &out[i], (int16_t)version, KC_CP_CONFIG_MISMATCH, leader_id, max_offset, &none,
                &none, &none, &none, 0);
  } else if (version == KC_CP_V0) {
    rc = eager_assign(&c, leader_id, max_offset, configured, nconfigured, out);
  } else {
    rc = kc_cpa_cooperative(a, &c, (int16_t)version, leader_id, max_offset, configured, nconfigured,
                     generation, last_completed_generation, now_ms, out);
  }
done:
  free(h);
  ctx_free(&c);
  return rc;
}
