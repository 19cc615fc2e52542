/*
 * IncrementalCooperativeAssignor (KIP-415) of connect-runtime 3.9, step for step: lost items wait
 * scheduled.rebalance.max.delay.ms for their workers to come back, over-loaded workers give up
 * items in one round and the freed items are placed in the next, successive revoking rounds back
 * off exponentially. Java's collection orders decide which worker gets the extra item, which
 * items a worker gives up first and who gets lost items, so they are reproduced exactly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "worker/assignor_internal.h"

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
  kc_cpa_strs_free(a->candidates, a->ncandidates);
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
static int diff_sorted(const names_t *t, const il_t *base, const il_t *s1, const il_t *s2, il_t *out) {
  memset(out, 0, sizeof(*out));
  for (int i = 0; i < base->n; i++)
    if (!kc_cpa_il_has(s1, base->v[i]) && (!s2 || !kc_cpa_il_has(s2, base->v[i])) && kc_cpa_il_push(out, base->v[i]))
      return KC_ENOMEM;
  kc_cpa_il_sort(t, out);
  return 0;
}

/* Items of new HashSet<>(l) that are in keep, in that HashSet's order, added to out. */
static int intersect_into(const names_t *t, const il_t *l, const il_t *keep, il_t *out) {
  il_t h;
  if (kc_cpa_il_hash_copy(t, l, &h)) return KC_ENOMEM;
  int rc = 0;
  for (int i = 0; i < h.n && !rc; i++)
    if (kc_cpa_il_has(keep, h.v[i])) rc = kc_cpa_il_add(out, h.v[i]);
  kc_cpa_il_free(&h);
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
      if (kc_cpa_il_push(&lb[i], lists[i]->v[r])) return KC_ENOMEM;
      any = 1;
    }
  }
  return any;
}

static const ctx_t *g_ctx; /* for qsort comparators (no qsort_r in C11) */

/* WorkerLoad's comparators: load, then member id by String.compareTo (ids are distinct) */
static int member_id_cmp(const void *a, const void *b) {
  int x = *(const int *)a, y = *(const int *)b;
  int r = kc_cp_java_compare(g_ctx->m[x].id, g_ctx->m[y].id);
  return r ? r : (x > y) - (x < y);
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
      rc = kc_cpa_il_add(tasks ? &c->m[s[i]].tasks : &c->m[s[i]].conns, items->v[k++]);
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
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) kc_cpa_il_free(all[i]);
  for (int i = 0; w->lb_c && i < n; i++) kc_cpa_il_free(&w->lb_c[i]);
  for (int i = 0; w->lb_t && i < n; i++) kc_cpa_il_free(&w->lb_t[i]);
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
        if (kc_cpa_il_has(tasks ? &c->m[j].tasks : &c->m[j].conns, l->v[k])) {
          if (kc_cpa_il_add(out, l->v[k])) return KC_ENOMEM;
          break;
        }
  }
  return 0;
}

#define TRY(x)          \
  do {                  \
    if ((rc = (x))) goto done; \
  } while (0)

int kc_cpa_cooperative(kc_cp_assignor_t *a, ctx_t *c, int16_t version, const char *leader_id,
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
      int ci = kc_cpa_intern(&c->t, al->assigned[e].connector);
      for (int k = 0; k < al->assigned[e].ntasks && ci >= 0; k++) {
        int32_t id = al->assigned[e].tasks[k];
        TRY(kc_cpa_il_add(id == KC_CP_CONNECTOR_TASK ? &c->m[i].conns : &c->m[i].tasks, ITEM(ci, id)));
      }
    }
  }
  for (int i = 0; i < nconfigured; i++) {
    int ci = kc_cpa_intern(&c->t, configured[i].name);
    if (ci < 0) break;
    TRY(kc_cpa_il_add(&w.cfg_c, ITEM(ci, -1)));
    for (int32_t t = 0; t < configured[i].ntasks; t++) TRY(kc_cpa_il_add(&w.cfg_t, ITEM(ci, t)));
  }
  /* A previous assignment from another generation than the last completed one is stale. */
  if (a->previous_generation != last_completed) kc_cpa_saved_free(&a->previous_assignment);
  TRY(kc_cpa_saved_import(&c->t, &a->previous_assignment, &w.prev_c, &w.prev_t));
  TRY(kc_cpa_saved_import(&c->t, &a->previous_revocation, &w.prevrev_c, &w.prevrev_t));
  if (c->t.oom) TRY(KC_ENOMEM);
  TRY(kc_cpa_names_rank(&c->t));
  kc_cpa_il_sort(&c->t, &w.cfg_c);
  for (int k = 0; k < n; k++) {
    TRY(kc_cpa_il_add_all(&w.act_c, &c->m[c->order[k]].conns));
    TRY(kc_cpa_il_add_all(&w.act_t, &c->m[c->order[k]].tasks));
  }
  /* A revocation of the previous round that did not take effect: start from what runs. */
  if (w.prevrev_c.n || w.prevrev_t.n) {
    int again = 0;
    for (int i = 0; i < w.prevrev_c.n && !again; i++) again = kc_cpa_il_has(&w.act_c, w.prevrev_c.v[i]);
    for (int i = 0; i < w.prevrev_t.n && !again; i++) again = kc_cpa_il_has(&w.act_t, w.prevrev_t.v[i]);
    if (again) {
      kc_cpa_il_clear(&w.prev_c);
      kc_cpa_il_clear(&w.prev_t);
      TRY(kc_cpa_il_add_all(&w.prev_c, &w.act_c));
      TRY(kc_cpa_il_add_all(&w.prev_t, &w.act_t));
    }
    kc_cpa_il_clear(&w.prevrev_c);
    kc_cpa_il_clear(&w.prevrev_t);
  }
  TRY(diff_sorted(&c->t, &w.prev_c, &w.cfg_c, NULL, &w.del_c));
  TRY(diff_sorted(&c->t, &w.prev_t, &w.cfg_t, NULL, &w.del_t));
  TRY(duplicated(c, 0, &w.dup_c));
  TRY(duplicated(c, 1, &w.dup_t));
  TRY(diff_sorted(&c->t, &w.prev_c, &w.act_c, &w.del_c, &w.lost_c));
  TRY(diff_sorted(&c->t, &w.prev_t, &w.act_t, &w.del_t, &w.lost_t));
  TRY(diff_sorted(&c->t, &w.cfg_c, &w.prev_c, &w.act_c, &w.cre_c));
  TRY(diff_sorted(&c->t, &w.cfg_t, &w.prev_t, &w.act_t, &w.cre_t));
  for (int i = 0; i < n; i++) {
    mem_t *m = &c->m[i];
    for (int k = 0; k < m->conns.n; k++)
      if (!kc_cpa_il_has(&w.del_c, m->conns.v[k])) TRY(kc_cpa_il_push(&m->cur_conns, m->conns.v[k]));
    for (int k = 0; k < m->tasks.n; k++)
      if (!kc_cpa_il_has(&w.del_t, m->tasks.v[k])) TRY(kc_cpa_il_push(&m->cur_tasks, m->tasks.v[k]));
    /* toRevoke: deleted items, then duplicated ones, each in a HashSet copy's order */
    TRY(intersect_into(&c->t, &m->conns, &w.del_c, &m->rv_conns));
    TRY(intersect_into(&c->t, &m->tasks, &w.del_t, &m->rv_tasks));
    TRY(intersect_into(&c->t, &m->conns, &w.dup_c, &m->rv_conns));
    TRY(intersect_into(&c->t, &m->tasks, &w.dup_t, &m->rv_tasks));
  }
  for (int i = 0; i < n; i++) { /* nextWorkerAssignment */
    kc_cpa_il_remove_all(&c->m[i].conns, &c->m[i].rv_conns);
    kc_cpa_il_remove_all(&c->m[i].tasks, &c->m[i].rv_tasks);
  }

  /* handleLostAssignments */
  if (!w.lost_c.n && !w.lost_t.n && !a->revoked_in_previous) {
    reset_delay(a);
  } else {
    int all_present = 1;
    for (int i = 0; i < a->nprevious_members && all_present; i++)
      all_present = find_member(c, a->previous_members[i]) >= 0;
    if ((a->scheduled_rebalance <= 0 && all_present) || a->max_delay == 0) {
      TRY(kc_cpa_il_add_all(&w.re_c, &w.lost_c));
      TRY(kc_cpa_il_add_all(&w.re_t, &w.lost_t));
    } else if (a->scheduled_rebalance > 0 && now >= a->scheduled_rebalance) {
      int *cand = malloc(sizeof(int) * ((size_t)a->ncandidates + 1)), nc = 0;
      if (!cand) TRY(KC_ENOMEM);
      for (int i = 0; i < a->ncandidates; i++) {
        int mi = find_member(c, a->candidates[i]);
        if (mi >= 0) cand[nc++] = mi;
      }
      if (nc) { /* the workers that came back get the lost items, round robin */
        for (int i = 0; i < w.lost_c.n && !rc; i++) rc = kc_cpa_il_add(&c->m[cand[i % nc]].conns, w.lost_c.v[i]);
        for (int i = 0; i < w.lost_t.n && !rc; i++) rc = kc_cpa_il_add(&c->m[cand[i % nc]].tasks, w.lost_t.v[i]);
      } else {
        rc = kc_cpa_il_add_all(&w.re_c, &w.lost_c);
        if (!rc) rc = kc_cpa_il_add_all(&w.re_t, &w.lost_t);
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
      TRY(kc_cpa_il_add_all(&c->m[i].rv_conns, &w.lb_c[i]));
      TRY(kc_cpa_il_add_all(&c->m[i].rv_tasks, &w.lb_t[i]));
      kc_cpa_il_remove_all(&c->m[i].conns, &w.lb_c[i]);
      kc_cpa_il_remove_all(&c->m[i].tasks, &w.lb_t[i]);
    }
  } else {
    a->revoked_in_previous = 0;
  }

  TRY(kc_cpa_il_add_all(&w.asg_c, &w.cre_c));
  TRY(kc_cpa_il_add_all(&w.asg_c, &w.re_c));
  TRY(kc_cpa_il_add_all(&w.asg_t, &w.cre_t));
  TRY(kc_cpa_il_add_all(&w.asg_t, &w.re_t));
  TRY(fill_least_loaded(c, &w.asg_c, 0));
  TRY(fill_least_loaded(c, &w.asg_t, 1));

  /* computePreviousAssignment: everything assigned now, minus revocations, plus the lost items
   * still waiting for their workers; the revocations are remembered. */
  kc_cpa_il_clear(&w.prev_c);
  kc_cpa_il_clear(&w.prev_t);
  for (int i = 0; i < n; i++) {
    mem_t *m = &c->m[i];
    for (int k = 0; k < m->conns.n; k++)
      if (!kc_cpa_il_has(&m->cur_conns, m->conns.v[k])) TRY(kc_cpa_il_push(&m->new_conns, m->conns.v[k]));
    for (int k = 0; k < m->tasks.n; k++)
      if (!kc_cpa_il_has(&m->cur_tasks, m->tasks.v[k])) TRY(kc_cpa_il_push(&m->new_tasks, m->tasks.v[k]));
    TRY(kc_cpa_il_add_all(&w.prev_c, &m->conns));
    TRY(kc_cpa_il_add_all(&w.prev_t, &m->tasks));
    TRY(kc_cpa_il_add_all(&w.prevrev_c, &m->rv_conns));
    TRY(kc_cpa_il_add_all(&w.prevrev_t, &m->rv_tasks));
  }
  kc_cpa_il_remove_all(&w.prev_c, &w.prevrev_c);
  kc_cpa_il_remove_all(&w.prev_t, &w.prevrev_t);
  TRY(kc_cpa_il_add_all(&w.prev_c, &w.lost_c));
  TRY(kc_cpa_il_add_all(&w.prev_t, &w.lost_t));
  TRY(kc_cpa_saved_export(&c->t, &w.prev_c, &w.prev_t, &a->previous_assignment));
  TRY(kc_cpa_saved_export(&c->t, &w.prevrev_c, &w.prevrev_t, &a->previous_revocation));
  a->previous_generation = generation;
  char **pm = calloc((size_t)n, sizeof(char *));
  if (!pm) TRY(KC_ENOMEM);
  for (int i = 0; i < n; i++)
    if (!(pm[i] = strdup(c->m[i].id))) {
      kc_cpa_strs_free(pm, i);
      TRY(KC_ENOMEM);
    }
  kc_cpa_strs_free(a->previous_members, a->nprevious_members);
  a->previous_members = pm;
  a->nprevious_members = n;

  for (int i = 0; i < n; i++)
    TRY(kc_cpa_emit(c, &out[i], version, KC_CP_NO_ERROR, leader_id, offset, &c->m[i].new_conns,
             &c->m[i].new_tasks, &c->m[i].rv_conns, &c->m[i].rv_tasks, a->delay));
done:
  coop_free(&w, n);
  return rc;
}
