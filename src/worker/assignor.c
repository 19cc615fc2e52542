/*
 * The leader's assignors: EagerAssignor (round robin) and IncrementalCooperativeAssignor
 * (KIP-415), step for step as connect-runtime 3.9 runs them, Java's collection orders included:
 * which worker gets an extra item, which items a worker gives up first and who receives lost
 * items depend on HashMap iteration order of member ids and on the order of each member's
 * metadata, so those orders are reproduced (kc_cp_java_hash_order) and a C leader assigns
 * exactly as a Java leader would for the same JoinGroup members.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "worker/connect_protocol.h"

/* ---- Per-call tables: interned connector names and items ----------------------------------- */

/* An item is a connector (task -1) or a task: interned name index << 32 | task. */
typedef int64_t item_t;
#define ITEM(c, t) (((int64_t)(c) << 32) | (uint32_t)(int32_t)(t))
#define ITEM_CONN(x) ((int)((x) >> 32))
#define ITEM_TASK(x) ((int32_t)(uint32_t)(x))

typedef struct {
  char **names;     /* borrowed from inputs or the assignor's state (outlive the call) */
  int32_t *hash;
  int *rank;        /* position in String.compareTo order */
  int n, cap;
  int *slots;       /* open addressing over names, -1 = empty */
  int nslots;
  int oom;
} names_t;

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
static int intern(names_t *t, const char *s) {
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

static int names_rank(names_t *t) {
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

/* Membership over big lists goes through a hash index (built from IX_MIN items on), so a round
 * stays O(items) rather than O(items^2); the index only speeds up lookups, and without memory
 * for it lookups fall back to scanning. */
typedef struct {
  item_t *v;
  int n, cap;
  item_t *ix; /* open addressing, IX_EMPTY = free; NULL = no index */
  int ixcap;  /* power of 2 */
} il_t;

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

static int il_push(il_t *l, item_t x) {
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
static int il_has(const il_t *l, item_t x) {
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
static int il_add(il_t *l, item_t x) { /* LinkedHashSet.add */
  return il_has(l, x) ? 0 : il_push(l, x);
}
static int il_add_all(il_t *l, const il_t *o) {
  for (int i = 0; i < o->n; i++) {
    int rc = il_add(l, o->v[i]);
    if (rc) return rc;
  }
  return 0;
}
static void il_remove_all(il_t *l, const il_t *o) {
  int k = 0;
  for (int i = 0; i < l->n; i++)
    if (!il_has(o, l->v[i])) l->v[k++] = l->v[i];
  if (k == l->n) return;
  l->n = k;
  ix_rebuild(l);
}
static void il_clear(il_t *l) {
  l->n = 0;
  ix_rebuild(l);
}
static void il_free(il_t *l) {
  free(l->v);
  free(l->ix);
  memset(l, 0, sizeof(*l));
}
static void il_sort(il_t *l) { /* TreeSet: sorted and distinct */
  if (l->n < 2) return;
  qsort(l->v, (size_t)l->n, sizeof(item_t), item_cmp);
  int k = 0;
  for (int i = 0; i < l->n; i++)
    if (!k || l->v[k - 1] != l->v[i]) l->v[k++] = l->v[i];
  l->n = k; /* the same items: the index holds */
}
/* new HashSet<>(l) iterated: distinct items of l in Java HashSet order. */
static int il_hash_copy(const names_t *t, const il_t *l, il_t *out) {
  memset(out, 0, sizeof(*out));
  for (int i = 0; i < l->n; i++)
    if (il_add(out, l->v[i])) return KC_ENOMEM;
  if (out->n < 2) return 0;
  int *idx = malloc(sizeof(int) * ((size_t)out->n + 1));
  int32_t *h = malloc(sizeof(int32_t) * ((size_t)out->n + 1));
  item_t *v = malloc(sizeof(item_t) * ((size_t)out->n + 1));
  if (!idx || !h || !v) {
    free(idx);
    free(h);
    free(v);
    il_free(out);
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

typedef struct { char **conn; int32_t *task; int n; } saved_t;

struct kc_cp_assignor_s {
  int32_t max_delay;
  saved_t previous_assignment;   /* connectors and tasks together */
  saved_t previous_revocation;
  int revoked_in_previous;
  char **candidates; int ncandidates;   /* LinkedHashSet of member ids */
  int64_t scheduled_rebalance;
  int32_t delay;
  int32_t previous_generation;
  char **previous_members; int nprevious_members;
  long num_successive_revoking;
};

static void saved_free(saved_t *s) {
  for (int i = 0; i < s->n; i++) free(s->conn[i]);
  free(s->conn);
  free(s->task);
  memset(s, 0, sizeof(*s));
}
static void strs_free(char **v, int n) {
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
  saved_free(&a->previous_assignment);
  saved_free(&a->previous_revocation);
  strs_free(a->candidates, a->ncandidates);
  strs_free(a->previous_members, a->nprevious_members);
  free(a);
}

/* saved -> (connectors, tasks) lists of interned items */
static int saved_import(names_t *t, const saved_t *s, il_t *conns, il_t *tasks) {
  for (int i = 0; i < s->n; i++) {
    int c = intern(t, s->conn[i]);
    if (c < 0) return KC_ENOMEM;
    if (il_push(s->task[i] == KC_CP_CONNECTOR_TASK ? conns : tasks, ITEM(c, s->task[i])))
      return KC_ENOMEM;
  }
  return 0;
}

static int saved_export(const names_t *t, const il_t *conns, const il_t *tasks, saved_t *out) {
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
      saved_free(&s);
      return KC_ENOMEM;
    }
  }
  saved_free(out);
  *out = s;
  return 0;
}


/* ---- One round's members ------------------------------------------------------------------- */

typedef struct {
  const char *id;
  int32_t hash;
  kc_cp_metadata_t md;
  il_t conns, tasks;         /* memberAssignments, then the same sets as nextWorkerAssignment */
  il_t cur_conns, cur_tasks; /* currentWorkerAssignment: the member's items minus deleted */
  il_t rv_conns, rv_tasks;   /* toRevoke */
  il_t new_conns, new_tasks; /* newly assigned */
} mem_t;

typedef struct {
  names_t t;
  mem_t *m;
  int n;
  int *order; /* iteration order of a HashMap keyed by member id (memberConfigs and its copies) */
  int leader; /* index in m, or -1 */
  const char *leader_url;
} ctx_t;

static void ctx_free(ctx_t *c) {
  for (int i = 0; i < c->n; i++) {
    mem_t *m = &c->m[i];
    kc_cp_metadata_clear(&m->md);
    il_free(&m->conns);
    il_free(&m->tasks);
    il_free(&m->cur_conns);
    il_free(&m->cur_tasks);
    il_free(&m->rv_conns);
    il_free(&m->rv_tasks);
    il_free(&m->new_conns);
    il_free(&m->new_tasks);
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

static int emit(const ctx_t *c, kc_buf_t *out, int16_t version, int16_t error, const char *leader,
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
  for (int i = 0; i < nconfigured && !rc; i++) rc = il_add(&conns, ITEM(intern(&c->t, configured[i].name), -1));
  if (!rc && c->t.oom) rc = KC_ENOMEM;
  if (!rc) rc = names_rank(&c->t);
  if (!rc) {
    g_names = &c->t;
    il_sort(&conns);
  }
  long next = 0; /* one CircularIterator over the sorted members: connectors, then tasks */
  for (int i = 0; i < conns.n && !rc; i++) rc = il_push(&c->m[sorted[next++ % c->n]].conns, conns.v[i]);
  for (int i = 0; i < conns.n && !rc; i++) {
    const char *name = c->t.names[ITEM_CONN(conns.v[i])];
    int ntasks = 0;
    for (int k = 0; k < nconfigured; k++)
      if (!strcmp(configured[k].name, name)) ntasks = configured[k].ntasks;
    for (int32_t t = 0; t < ntasks && !rc; t++)
      rc = il_push(&c->m[sorted[next++ % c->n]].tasks, ITEM(ITEM_CONN(conns.v[i]), t));
  }
  il_t none = {0};
  for (int i = 0; i < c->n && !rc; i++)
    rc = emit(c, &out[i], KC_CP_V0, KC_CP_NO_ERROR, leader_id, offset, &c->m[i].conns,
              &c->m[i].tasks, &none, &none, 0);
  il_free(&conns);
  free(sorted);
  return rc;
}

/* ---- IncrementalCooperativeAssignor ------------------------------------------------------- */

/* ExponentialBackoff(maxDelay == 0 ? 0 : 1, 40, maxDelay, 0).backoff(attempts) */
int32_t kc_cp_revoking_backoff(int32_t max_delay, long attempts) {
  long initial = max_delay == 0 ? 0 : 1;
  if (initial > max_delay) initial = max_delay;
  double exp_max = max_delay > initial ? log(max_delay / (double)(initial > 1 ? initial : 1)) / log(40) : 0;
  if (exp_max == 0) return (int32_t)initial;
  double e = (double)attempts < exp_max ? (double)attempts : exp_max;
  long v = (long)(1.0 * ((double)initial * pow(40, e)));
  return (int32_t)(v < max_delay ? v : max_delay);
}

static void reset_delay(kc_cp_assignor_t *a) {
  strs_free(a->candidates, a->ncandidates);
  a->candidates = NULL;
  a->ncandidates = 0;
  a->scheduled_rebalance = 0;
  a->delay = 0;
}

static int find_member(const ctx_t *c, const char *id) {
  for (int i = 0; i < c->n; i++)
    if (!strcmp(c->m[i].id, id)) return i;
  return -1;
}

/* sorted(base - sub1 - sub2) */
static int diff_sorted(const il_t *base, const il_t *s1, const il_t *s2, il_t *out) {
  memset(out, 0, sizeof(*out));
  for (int i = 0; i < base->n; i++)
    if (!il_has(s1, base->v[i]) && (!s2 || !il_has(s2, base->v[i])) && il_push(out, base->v[i]))
      return KC_ENOMEM;
  il_sort(out);
  return 0;
}

/* Items of new HashSet<>(l) that are in keep, in that HashSet's order, added to out. */
static int intersect_into(const names_t *t, const il_t *l, const il_t *keep, il_t *out) {
  il_t h;
  if (il_hash_copy(t, l, &h)) return KC_ENOMEM;
  int rc = 0;
  for (int i = 0; i < h.n && !rc; i++)
    if (il_has(keep, h.v[i])) rc = il_add(out, h.v[i]);
  il_free(&h);
  return rc;
}

/* loadBalancingRevocations for one resource: lists[i] is member i's set; lb[i] gets the items
 * revoked from it. @returns 1 if anything was revoked, 0 if not, KC_ENOMEM. */
static int lb_resource(const ctx_t *c, il_t *const *lists, int total, il_t *lb) {
  int w = c->n, min = total / w, extra = total % w, at_min = 0, at_extra = 0, any = 0;
  for (int i = 0; i < w; i++) {
    at_min += lists[i]->n == min;
    at_extra += lists[i]->n == min + 1;
  }
  if (at_extra == extra && at_min + at_extra == w) return 0;
  int allocated_extras = 0;
  for (int k = 0; k < w; k++) {
    int i = c->order[k], size = lists[i]->n, max;
    if (size <= min) continue;
    if (allocated_extras < extra) {
      allocated_extras++;
      if (size == min + 1) continue;
      max = min + 1;
    } else {
      max = min;
    }
    for (int r = 0; size - r > max; r++) {
      if (il_push(&lb[i], lists[i]->v[r])) return KC_ENOMEM;
      any = 1;
    }
  }
  return any;
}

static int load_cmp_conns(const void *a, const void *b) {
  const mem_t *x = &g_ctx->m[*(const int *)a], *y = &g_ctx->m[*(const int *)b];
  if (x->conns.n != y->conns.n) return x->conns.n < y->conns.n ? -1 : 1;
  return member_id_cmp(a, b);
}
static int load_cmp_tasks(const void *a, const void *b) {
  const mem_t *x = &g_ctx->m[*(const int *)a], *y = &g_ctx->m[*(const int *)b];
  if (x->tasks.n != y->tasks.n) return x->tasks.n < y->tasks.n ? -1 : 1;
  return member_id_cmp(a, b);
}

/* assignConnectors / assignTasks: fill the least loaded workers first, round robin over the
 * workers sharing the lowest load; the first worker's load is the watermark. */
static int fill_least_loaded(ctx_t *c, const il_t *items, int tasks) {
  if (!items->n) return 0;
  int *s = malloc(sizeof(int) * (size_t)c->n);
  if (!s) return KC_ENOMEM;
  for (int i = 0; i < c->n; i++) s[i] = c->order[i];
  g_ctx = c;
  qsort(s, (size_t)c->n, sizeof(int), tasks ? load_cmp_tasks : load_cmp_conns);
#define LOAD(i) (tasks ? c->m[s[i]].tasks.n : c->m[s[i]].conns.n)
  int k = 0, rc = 0;
  while (k < items->n && !rc) {
    int first_load = LOAD(0), up_to = c->n;
    for (int i = 0; i < c->n; i++)
      if (LOAD(i) > first_load) {
        up_to = i;
        break;
      }
    for (int i = 0; i < up_to && k < items->n && !rc; i++)
      rc = il_add(tasks ? &c->m[s[i]].tasks : &c->m[s[i]].conns, items->v[k++]);
  }
#undef LOAD
  free(s);
  return rc;
}

typedef struct {
  il_t prev_c, prev_t, prevrev_c, prevrev_t, cfg_c, cfg_t, act_c, act_t;
  il_t del_c, del_t, dup_c, dup_t, lost_c, lost_t, cre_c, cre_t, re_c, re_t, asg_c, asg_t;
  il_t *lb_c, *lb_t;
  il_t **lists;
} coop_t;

static void coop_free(coop_t *w, int n) {
  il_t *all[] = {&w->prev_c, &w->prev_t, &w->prevrev_c, &w->prevrev_t, &w->cfg_c, &w->cfg_t,
                 &w->act_c, &w->act_t, &w->del_c, &w->del_t, &w->dup_c, &w->dup_t, &w->lost_c,
                 &w->lost_t, &w->cre_c, &w->cre_t, &w->re_c, &w->re_t, &w->asg_c, &w->asg_t};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) il_free(all[i]);
  for (int i = 0; w->lb_c && i < n; i++) il_free(&w->lb_c[i]);
  for (int i = 0; w->lb_t && i < n; i++) il_free(&w->lb_t[i]);
  free(w->lb_c);
  free(w->lb_t);
  free(w->lists);
}

/* Items held by more than one member. */
static int duplicated(const ctx_t *c, int tasks, il_t *out) {
  for (int i = 0; i < c->n; i++) {
    const il_t *l = tasks ? &c->m[i].tasks : &c->m[i].conns;
    for (int k = 0; k < l->n; k++)
      for (int j = i + 1; j < c->n; j++)
        if (il_has(tasks ? &c->m[j].tasks : &c->m[j].conns, l->v[k])) {
          if (il_add(out, l->v[k])) return KC_ENOMEM;
          break;
        }
  }
  return 0;
}

#define TRY(x)          \
  do {                  \
    if ((rc = (x))) goto done; \
  } while (0)

static int coop_assign(kc_cp_assignor_t *a, ctx_t *c, int16_t version, const char *leader_id,
                       int64_t offset, const kc_cp_connector_t *configured, int nconfigured,
                       int32_t generation, int32_t last_completed, int64_t now, kc_buf_t *out) {
  coop_t w;
  memset(&w, 0, sizeof(w));
  int rc = 0, n = c->n;
  w.lb_c = calloc((size_t)n, sizeof(il_t));
  w.lb_t = calloc((size_t)n, sizeof(il_t));
  w.lists = calloc((size_t)n, sizeof(il_t *));
  if (!w.lb_c || !w.lb_t || !w.lists) TRY(KC_ENOMEM);
  /* memberAssignments: each member's allocation as LinkedHashSets, in metadata order */
  for (int i = 0; i < n; i++) {
    const kc_cp_assignment_t *al = c->m[i].md.allocation;
    for (int e = 0; al && e < al->nassigned; e++) {
      int ci = intern(&c->t, al->assigned[e].connector);
      for (int k = 0; k < al->assigned[e].ntasks && ci >= 0; k++) {
        int32_t id = al->assigned[e].tasks[k];
        TRY(il_add(id == KC_CP_CONNECTOR_TASK ? &c->m[i].conns : &c->m[i].tasks, ITEM(ci, id)));
      }
    }
  }
  for (int i = 0; i < nconfigured; i++) {
    int ci = intern(&c->t, configured[i].name);
    if (ci < 0) break;
    TRY(il_add(&w.cfg_c, ITEM(ci, -1)));
    for (int32_t t = 0; t < configured[i].ntasks; t++) TRY(il_add(&w.cfg_t, ITEM(ci, t)));
  }
  /* A previous assignment from another generation than the last completed one is stale. */
  if (a->previous_generation != last_completed) saved_free(&a->previous_assignment);
  TRY(saved_import(&c->t, &a->previous_assignment, &w.prev_c, &w.prev_t));
  TRY(saved_import(&c->t, &a->previous_revocation, &w.prevrev_c, &w.prevrev_t));
  if (c->t.oom) TRY(KC_ENOMEM);
  TRY(names_rank(&c->t));
  g_names = &c->t;
  il_sort(&w.cfg_c);
  for (int k = 0; k < n; k++) {
    TRY(il_add_all(&w.act_c, &c->m[c->order[k]].conns));
    TRY(il_add_all(&w.act_t, &c->m[c->order[k]].tasks));
  }
  /* A revocation of the previous round that did not take effect: start from what runs. */
  if (w.prevrev_c.n || w.prevrev_t.n) {
    int again = 0;
    for (int i = 0; i < w.prevrev_c.n && !again; i++) again = il_has(&w.act_c, w.prevrev_c.v[i]);
    for (int i = 0; i < w.prevrev_t.n && !again; i++) again = il_has(&w.act_t, w.prevrev_t.v[i]);
    if (again) {
      il_clear(&w.prev_c);
      il_clear(&w.prev_t);
      TRY(il_add_all(&w.prev_c, &w.act_c));
      TRY(il_add_all(&w.prev_t, &w.act_t));
    }
    il_clear(&w.prevrev_c);
    il_clear(&w.prevrev_t);
  }
  TRY(diff_sorted(&w.prev_c, &w.cfg_c, NULL, &w.del_c));
  TRY(diff_sorted(&w.prev_t, &w.cfg_t, NULL, &w.del_t));
  TRY(duplicated(c, 0, &w.dup_c));
  TRY(duplicated(c, 1, &w.dup_t));
  TRY(diff_sorted(&w.prev_c, &w.act_c, &w.del_c, &w.lost_c));
  TRY(diff_sorted(&w.prev_t, &w.act_t, &w.del_t, &w.lost_t));
  TRY(diff_sorted(&w.cfg_c, &w.prev_c, &w.act_c, &w.cre_c));
  TRY(diff_sorted(&w.cfg_t, &w.prev_t, &w.act_t, &w.cre_t));
  for (int i = 0; i < n; i++) {
    mem_t *m = &c->m[i];
    for (int k = 0; k < m->conns.n; k++)
      if (!il_has(&w.del_c, m->conns.v[k])) TRY(il_push(&m->cur_conns, m->conns.v[k]));
    for (int k = 0; k < m->tasks.n; k++)
      if (!il_has(&w.del_t, m->tasks.v[k])) TRY(il_push(&m->cur_tasks, m->tasks.v[k]));
    /* toRevoke: deleted items, then duplicated ones, each in a HashSet copy's order */
    TRY(intersect_into(&c->t, &m->conns, &w.del_c, &m->rv_conns));
    TRY(intersect_into(&c->t, &m->tasks, &w.del_t, &m->rv_tasks));
    TRY(intersect_into(&c->t, &m->conns, &w.dup_c, &m->rv_conns));
    TRY(intersect_into(&c->t, &m->tasks, &w.dup_t, &m->rv_tasks));
  }
  for (int i = 0; i < n; i++) { /* nextWorkerAssignment */
    il_remove_all(&c->m[i].conns, &c->m[i].rv_conns);
    il_remove_all(&c->m[i].tasks, &c->m[i].rv_tasks);
  }

  /* handleLostAssignments */
  if (!w.lost_c.n && !w.lost_t.n && !a->revoked_in_previous) {
    reset_delay(a);
  } else {
    int all_present = 1;
    for (int i = 0; i < a->nprevious_members && all_present; i++)
      all_present = find_member(c, a->previous_members[i]) >= 0;
    if ((a->scheduled_rebalance <= 0 && all_present) || a->max_delay == 0) {
      TRY(il_add_all(&w.re_c, &w.lost_c));
      TRY(il_add_all(&w.re_t, &w.lost_t));
    } else if (a->scheduled_rebalance > 0 && now >= a->scheduled_rebalance) {
      int *cand = malloc(sizeof(int) * ((size_t)a->ncandidates + 1)), nc = 0;
      if (!cand) TRY(KC_ENOMEM);
      for (int i = 0; i < a->ncandidates; i++) {
        int mi = find_member(c, a->candidates[i]);
        if (mi >= 0) cand[nc++] = mi;
      }
      if (nc) { /* the workers that came back get the lost items, round robin */
        for (int i = 0; i < w.lost_c.n && !rc; i++) rc = il_add(&c->m[cand[i % nc]].conns, w.lost_c.v[i]);
        for (int i = 0; i < w.lost_t.n && !rc; i++) rc = il_add(&c->m[cand[i % nc]].tasks, w.lost_t.v[i]);
      } else {
        rc = il_add_all(&w.re_c, &w.lost_c);
        if (!rc) rc = il_add_all(&w.re_t, &w.lost_t);
      }
      free(cand);
      if (rc) goto done;
      reset_delay(a);
      a->revoked_in_previous = 0;
    } else {
      /* Remember the empty workers (a HashSet of ids, grown one add at a time). */
      int *e = malloc(sizeof(int) * (size_t)n), ne = 0;
      int32_t *h = malloc(sizeof(int32_t) * (size_t)n);
      if (!e || !h) {
        free(e);
        free(h);
        TRY(KC_ENOMEM);
      }
      for (int k = 0; k < n; k++) {
        mem_t *m = &c->m[c->order[k]];
        h[c->order[k]] = m->hash;
        if (!m->conns.n && !m->tasks.n) e[ne++] = c->order[k];
      }
      kc_cp_java_hash_order(e, ne, h, kc_cp_java_grown_capacity(ne));
      for (int k = 0; k < ne && !rc; k++) {
        int seen = 0;
        for (int i = 0; i < a->ncandidates && !seen; i++) seen = !strcmp(a->candidates[i], c->m[e[k]].id);
        if (seen) continue;
        char **nv = realloc(a->candidates, sizeof(char *) * ((size_t)a->ncandidates + 1));
        char *id = strdup(c->m[e[k]].id);
        if (nv) a->candidates = nv;
        if (!nv || !id) {
          free(id);
          rc = KC_ENOMEM;
          break;
        }
        a->candidates[a->ncandidates++] = id;
      }
      free(e);
      free(h);
      if (rc) goto done;
      if (now < a->scheduled_rebalance) {
        int64_t diff = a->scheduled_rebalance - now;
        a->delay = diff > 0 ? (int32_t)(diff < a->max_delay ? diff : a->max_delay) : 0;
      } else {
        a->delay = a->max_delay;
      }
      a->scheduled_rebalance = now + a->delay;
    }
  }

  /* Load-balancing revocations, never while a delayed rebalance is active. */
  if (a->delay == 0) {
    int any = 0, all_empty = 1;
    for (int i = 0; i < n; i++) all_empty &= !c->m[i].conns.n && !c->m[i].tasks.n;
    if (!all_empty && (w.cfg_c.n || w.cfg_t.n)) {
      for (int i = 0; i < n; i++) w.lists[i] = &c->m[i].conns;
      int r1 = lb_resource(c, w.lists, w.cfg_c.n, w.lb_c);
      for (int i = 0; i < n; i++) w.lists[i] = &c->m[i].tasks;
      int r2 = r1 < 0 ? 0 : lb_resource(c, w.lists, w.cfg_t.n, w.lb_t);
      if (r1 < 0 || r2 < 0) TRY(KC_ENOMEM);
      any = r1 || r2;
    }
    int apply = 0;
    if (a->revoked_in_previous && any) {
      a->num_successive_revoking++;
      a->delay = kc_cp_revoking_backoff(a->max_delay, a->num_successive_revoking);
      if (a->delay != 0) a->scheduled_rebalance = now + a->delay;
      else apply = 1;
    } else if (any) {
      apply = 1;
      a->revoked_in_previous = 1;
    } else if (a->revoked_in_previous) {
      a->revoked_in_previous = 0;
      a->num_successive_revoking = 0;
    }
    for (int i = 0; apply && i < n; i++) {
      TRY(il_add_all(&c->m[i].rv_conns, &w.lb_c[i]));
      TRY(il_add_all(&c->m[i].rv_tasks, &w.lb_t[i]));
      il_remove_all(&c->m[i].conns, &w.lb_c[i]);
      il_remove_all(&c->m[i].tasks, &w.lb_t[i]);
    }
  } else {
    a->revoked_in_previous = 0;
  }

  TRY(il_add_all(&w.asg_c, &w.cre_c));
  TRY(il_add_all(&w.asg_c, &w.re_c));
  TRY(il_add_all(&w.asg_t, &w.cre_t));
  TRY(il_add_all(&w.asg_t, &w.re_t));
  TRY(fill_least_loaded(c, &w.asg_c, 0));
  TRY(fill_least_loaded(c, &w.asg_t, 1));

  /* computePreviousAssignment: everything assigned now, minus revocations, plus the lost items
   * still waiting for their workers; the revocations are remembered. */
  il_clear(&w.prev_c);
  il_clear(&w.prev_t);
  for (int i = 0; i < n; i++) {
    mem_t *m = &c->m[i];
    for (int k = 0; k < m->conns.n; k++)
      if (!il_has(&m->cur_conns, m->conns.v[k])) TRY(il_push(&m->new_conns, m->conns.v[k]));
    for (int k = 0; k < m->tasks.n; k++)
      if (!il_has(&m->cur_tasks, m->tasks.v[k])) TRY(il_push(&m->new_tasks, m->tasks.v[k]));
    TRY(il_add_all(&w.prev_c, &m->conns));
    TRY(il_add_all(&w.prev_t, &m->tasks));
    TRY(il_add_all(&w.prevrev_c, &m->rv_conns));
    TRY(il_add_all(&w.prevrev_t, &m->rv_tasks));
  }
  il_remove_all(&w.prev_c, &w.prevrev_c);
  il_remove_all(&w.prev_t, &w.prevrev_t);
  TRY(il_add_all(&w.prev_c, &w.lost_c));
  TRY(il_add_all(&w.prev_t, &w.lost_t));
  TRY(saved_export(&c->t, &w.prev_c, &w.prev_t, &a->previous_assignment));
  TRY(saved_export(&c->t, &w.prevrev_c, &w.prevrev_t, &a->previous_revocation));
  a->previous_generation = generation;
  char **pm = calloc((size_t)n, sizeof(char *));
  if (!pm) TRY(KC_ENOMEM);
  for (int i = 0; i < n; i++)
    if (!(pm[i] = strdup(c->m[i].id))) {
      strs_free(pm, i);
      TRY(KC_ENOMEM);
    }
  strs_free(a->previous_members, a->nprevious_members);
  a->previous_members = pm;
  a->nprevious_members = n;

  for (int i = 0; i < n; i++)
    TRY(emit(c, &out[i], version, KC_CP_NO_ERROR, leader_id, offset, &c->m[i].new_conns,
             &c->m[i].new_tasks, &c->m[i].rv_conns, &c->m[i].rv_tasks, a->delay));
done:
  coop_free(&w, n);
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
      rc = emit(&c, &out[i], (int16_t)version, KC_CP_CONFIG_MISMATCH, leader_id, max_offset, &none,
                &none, &none, &none, 0);
  } else if (version == KC_CP_V0) {
    rc = eager_assign(&c, leader_id, max_offset, configured, nconfigured, out);
  } else {
    rc = coop_assign(a, &c, (int16_t)version, leader_id, max_offset, configured, nconfigured,
                     generation, last_completed_generation, now_ms, out);
  }
done:
  free(h);
  ctx_free(&c);
  return rc;
}
