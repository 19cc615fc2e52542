/*
 * Internal to the assignors (assignor.c, assignor_cooperative.c): one round's tables and the
 * Java collection semantics they run on. Not an API: src/worker/connect_protocol.h is.
 *
 * Items are connectors (task -1) and tasks, interned per call; lists keep Java's iteration order
 * explicitly (ArrayList and LinkedHashSet: insertion order; TreeSet: kc_cpa_il_sort; HashSet:
 * kc_cpa_il_hash_copy) because IncrementalCooperativeAssignor's choices depend on it.
 */
#ifndef KC_WORKER_ASSIGNOR_INTERNAL_H
#define KC_WORKER_ASSIGNOR_INTERNAL_H

#include <stdint.h>

#include "worker/connect_protocol.h"

/* An item is a connector (task -1) or a task: interned name index << 32 | task. */
typedef int64_t item_t;
#define ITEM(c, t) (((int64_t)(c) << 32) | (uint32_t)(int32_t)(t))
#define ITEM_CONN(x) ((int)((x) >> 32))
#define ITEM_TASK(x) ((int32_t)(uint32_t)(x))

/* Interned connector names with their Java hashes and String.compareTo ranks. */
typedef struct {
  char **names;     /* borrowed from inputs or the assignor's state (outlive the call) */
  int32_t *hash;
  int *rank;        /* position in String.compareTo order */
  int n, cap;
  int *slots;       /* open addressing over names, -1 = empty */
  int nslots;
  int oom;
} names_t;

/* Membership over big lists goes through a hash index (built from IX_MIN items on), so a round
 * stays O(items) rather than O(items^2); the index only speeds up lookups, and without memory
 * for it lookups fall back to scanning. */
typedef struct {
  item_t *v;
  int n, cap;
  item_t *ix; /* open addressing, IX_EMPTY = free; NULL = no index */
  int ixcap;  /* power of 2 */
} il_t;

/* The assignor's memory between rounds: strings, as one call's name table dies with the call. */
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

/* One JoinGroup member of this round. */
typedef struct {
  const char *id;
  int32_t hash;
  kc_cp_metadata_t md;
  il_t conns, tasks;         /* memberAssignments, then the same sets as nextWorkerAssignment */
  il_t cur_conns, cur_tasks; /* currentWorkerAssignment: the member's items minus deleted */
  il_t rv_conns, rv_tasks;   /* toRevoke */
  il_t new_conns, new_tasks; /* newly assigned */
} mem_t;

/* One round: the members and the name table. */
typedef struct {
  names_t t;
  mem_t *m;
  int n;
  int *order; /* iteration order of a HashMap keyed by member id (memberConfigs and its copies) */
  int leader; /* index in m, or -1 */
  const char *leader_url;
} ctx_t;

/** Interns @p s (borrowed: it must outlive the table). @returns its index, -1 out of memory (t->oom set). */
int kc_cpa_intern(names_t *t, const char *s);
/** Fills t->rank (String.compareTo order) once every name is interned. @returns 0 or KC_ENOMEM. */
int kc_cpa_names_rank(names_t *t);

/** ArrayList.add. @returns 0 or KC_ENOMEM. */
int kc_cpa_il_push(il_t *l, item_t x);
/** contains. */
int kc_cpa_il_has(const il_t *l, item_t x);
/** LinkedHashSet.add (no duplicate). @returns 0 or KC_ENOMEM. */
int kc_cpa_il_add(il_t *l, item_t x);
/** LinkedHashSet.addAll. @returns 0 or KC_ENOMEM. */
int kc_cpa_il_add_all(il_t *l, const il_t *o);
/** removeAll, keeping the order of the rest. */
void kc_cpa_il_remove_all(il_t *l, const il_t *o);
/** Empties @p l (keeps its allocation). */
void kc_cpa_il_clear(il_t *l);
/** Frees @p l and zeroes it. */
void kc_cpa_il_free(il_t *l);
/** Into a TreeSet's order (name by String.compareTo, then task), distinct; needs t->rank. */
void kc_cpa_il_sort(const names_t *t, il_t *l);
/** @p out = new HashSet<>(l) iterated (distinct, bucket order). @returns 0 or KC_ENOMEM. */
int kc_cpa_il_hash_copy(const names_t *t, const il_t *l, il_t *out);

/** Frees a saved item list and zeroes it. */
void kc_cpa_saved_free(saved_t *s);
/** Frees @p n strings and the array. */
void kc_cpa_strs_free(char **v, int n);
/** Saved items -> connectors and tasks lists of @p t's items. @returns 0 or KC_ENOMEM. */
int kc_cpa_saved_import(names_t *t, const saved_t *s, il_t *conns, il_t *tasks);
/** Lists -> saved items (copied strings), replacing *out. @returns 0 or KC_ENOMEM. */
int kc_cpa_saved_export(const names_t *t, const il_t *conns, const il_t *tasks, saved_t *out);

/** Appends one member's encoded assignment to @p out. @returns 0, KC_EINVAL, KC_ENOMEM. */
int kc_cpa_emit(const ctx_t *c, kc_buf_t *out, int16_t version, int16_t error, const char *leader,
                int64_t offset, const il_t *ac, const il_t *at, const il_t *rc, const il_t *rt,
                int32_t delay);

/**
 * IncrementalCooperativeAssignor.performTaskAssignment on @p c's members (decoded, in c->order
 * HashMap order) with state @p a; writes out[i] for member i. @returns 0 or KC_ENOMEM (the
 * state may then be partly updated).
 */
int kc_cpa_cooperative(kc_cp_assignor_t *a, ctx_t *c, int16_t version, const char *leader_id,
                       int64_t offset, const kc_cp_connector_t *configured, int nconfigured,
                       int32_t generation, int32_t last_completed, int64_t now, kc_buf_t *out);

#endif
