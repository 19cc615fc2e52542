/*
 * Connect's group sub-protocols (connect-runtime.md 6.1-6.4): the JoinGroup member metadata and
 * the SyncGroup assignment bytes of ConnectProtocol (V0, "default"/eager) and
 * IncrementalCooperativeConnectProtocol (V1 "compatible", V2 "sessioned"), and the leader's
 * assignors (EagerAssignor, IncrementalCooperativeAssignor) behind WorkerCoordinator's
 * onLeaderElected. Pure functions and state: no loop, no I/O, so any thread may call them,
 * but one kc_cp_assignor_t is not safe for concurrent use.
 *
 * Byte layouts are the Kafka protocol Struct encodings (big-endian, Int16-length strings,
 * nullable arrays as count -1). The encoders reproduce Java's entry order too (Java groups a
 * member's connectors through a HashSet, so the order is HashMap bucket order), so a C worker's
 * bytes equal a Java worker's for the same state, and mixed clusters assign identically.
 */
#ifndef KC_WORKER_CONNECT_PROTOCOL_H
#define KC_WORKER_CONNECT_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#include "kconnect/connector.h"

#define KC_CP_CONNECTOR_TASK (-1) /* task id sentinel: the Connector instance itself */

#define KC_CP_V0 0 /* eager ("default") */
#define KC_CP_V1 1 /* compatible */
#define KC_CP_V2 2 /* sessioned (KIP-507 request signing) */
#define KC_CP_NO_ERROR 0
#define KC_CP_CONFIG_MISMATCH 1

/** One ConnectorAssignment: a connector name and task ids; -1 stands for the Connector itself. */
typedef struct { char *connector; int32_t *tasks; int ntasks; } kc_cp_entry_t;

/**
 * An Assignment (V0) or ExtendedAssignment (V1/V2). Decoded values own every string and array
 * (free with kc_cp_assignment_clear). Java reads the entries as two lists: the connectors are
 * the -1 items in entry order, the tasks the other items in entry order; a connector may have
 * several entries (kc_cp_assignment_apply builds such lists).
 */
typedef struct kc_cp_assignment_s {
  int16_t version;   /* 0 eager, 1 compatible, 2 sessioned */
  int16_t error;     /* 0 NO_ERROR, 1 CONFIG_MISMATCH */
  char *leader, *leader_url;
  int64_t config_offset;
  kc_cp_entry_t *assigned; int nassigned;   /* V0: the full assignment; V1/V2: newly assigned */
  kc_cp_entry_t *revoked;  int nrevoked;    /* V1/V2 only */
  int32_t delay_ms;                         /* V1/V2 only */
} kc_cp_assignment_t;

/** JoinGroup member metadata (WorkerState / ExtendedWorkerState). */
typedef struct kc_cp_metadata_s {
  int16_t version; char *url; int64_t config_offset;
  kc_cp_assignment_t *allocation;           /* V1/V2: the member's current assignment, or NULL */
} kc_cp_metadata_t;

/**
 * The sub-protocols a worker offers in JoinGroup for its connect.protocol setting ("eager",
 * "compatible", "sessioned", case-insensitive as ConnectProtocolCompatibility.compatibility),
 * in preference order: names[i] is "default", "compatible" or "sessioned" (static strings) with
 * metadata version versions[i] (0, 1, 2). *n gets 1..3. @returns 0 or KC_EINVAL (unknown name).
 */
int kc_cp_protocols(const char *connect_protocol, const char *names[3], int16_t versions[3], int *n);

/**
 * Protocol name ("default", "compatible", "sessioned", case-insensitive) -> metadata/assignment
 * version 0/1/2. @returns the version or KC_EINVAL.
 */
int kc_cp_protocol_version(const char *protocol);

/**
 * Appends the member metadata of @p version to @p out: V0 is Version, Url, ConfigOffset; V1/V2
 * add Allocation = @p allocation encoded as a full assignment with a Version header of
 * @p version (Java's serializeMetadata(state, sessioned)), or null bytes (-1) when
 * @p allocation is NULL (a worker that never had an assignment). @p url is not NULL.
 * @returns 0, KC_EINVAL (a string over 32767 bytes, version < 0), KC_ENOMEM/KC_ENOSPC from @p out.
 */
int kc_cp_metadata_encode(int16_t version, const char *url, int64_t config_offset,
                          const kc_cp_assignment_t *allocation, kc_buf_t *out);

/**
 * Parses member metadata of any version >= 0 with the V1 parser (IncrementalCooperative-
 * ConnectProtocol.deserializeMetadata): a missing allocation is NULL, trailing bytes are
 * ignored. @p out is overwritten (owned by the caller afterwards: kc_cp_metadata_clear).
 * @returns 0, KC_EINVAL (truncated, negative lengths, version < 0; errstr says which field),
 * KC_ENOMEM. On error @p out holds nothing.
 */
int kc_cp_metadata_decode(const void *p, size_t len, kc_cp_metadata_t *out, char *errstr, size_t n);
/** Frees what @p m owns and zeroes it. NULL-safe. */
void kc_cp_metadata_clear(kc_cp_metadata_t *m);

/**
 * Appends @p a encoded for its version: V0 as ConnectProtocol.serializeAssignment (no revoked,
 * no delay), V1/V2 as IncrementalCooperativeConnectProtocol.serializeAssignment. Entries are
 * regrouped as Java's Assignment.asMap does: one entry per connector, connectors first in Java
 * HashSet order, then tasks appended to their connector's entry in list order; revoked entries in
 * first-seen order. @returns 0, KC_EINVAL (NULL leader/leader_url, long strings), KC_ENOMEM.
 */
int kc_cp_assignment_encode(const kc_cp_assignment_t *a, kc_buf_t *out);

/**
 * Parses an assignment of any version >= 0 with the V1 parser (as every member does): a V0
 * assignment has no revoked list and delay 0; a null array is an empty one. @p out is
 * overwritten. @returns 0, KC_EINVAL (malformed; errstr says which field), KC_ENOMEM.
 */
int kc_cp_assignment_decode(const void *p, size_t len, kc_cp_assignment_t *out, char *errstr,
                            size_t n);
/** Frees what @p a owns and zeroes it. NULL-safe. */
void kc_cp_assignment_clear(kc_cp_assignment_t *a);

/**
 * The member side of WorkerCoordinator.onJoinComplete: the worker's new current assignment from
 * its previous one (@p current, NULL if none) and the one just received (@p received).
 * Cooperative (@p eager false): connectors = received's assigned ++ (current's - revoked),
 * tasks likewise, kept as two lists in that order (one entry per item, so a later encode groups
 * them as Java does); eager: a copy of @p received. @p out keeps received's header fields,
 * revoked lists and delay, as Java's snapshot does (they travel in the next metadata's
 * allocation; the leader reads only the assigned items). @p out is overwritten (caller owns it).
 * @returns 0 or KC_ENOMEM.
 */
int kc_cp_assignment_apply(const kc_cp_assignment_t *current, const kc_cp_assignment_t *received,
                           int eager, kc_cp_assignment_t *out);

/* ---- Leader side ---------------------------------------------------------------------------- */

/** The configured snapshot: connector names (any order, no duplicates) and their task counts. */
typedef struct { const char *name; int ntasks; } kc_cp_connector_t;
/** A JoinGroup member: its id and the metadata bytes of the chosen protocol (borrowed). */
typedef struct { const char *member_id; const void *metadata; size_t len; } kc_cp_member_t;
/**
 * IncrementalCooperativeAssignor's memory between rounds. Java keeps one per worker for the
 * worker's life (WorkerCoordinator builds it once), used whenever that worker is the leader: keep
 * one per kconnect worker process, not per generation.
 */
typedef struct kc_cp_assignor_s kc_cp_assignor_t;

/**
 * A new assignor; @p scheduled_rebalance_max_delay_ms is scheduled.rebalance.max.delay.ms (>= 0).
 * @returns NULL when out of memory.
 */
kc_cp_assignor_t *kc_cp_assignor_create(int32_t scheduled_rebalance_max_delay_ms);
/** Frees @p a (NULL-safe). */
void kc_cp_assignor_destroy(kc_cp_assignor_t *a);

/**
 * WorkerCoordinator.onLeaderElected + the chosen assignor: "default" -> EagerAssignor,
 * "compatible"/"sessioned" -> IncrementalCooperativeAssignor (state in @p a, updated).
 * @p leader_config_offset is the leader's freshest config snapshot offset: if it is behind the
 * members' max ConfigOffset every member gets error CONFIG_MISMATCH; otherwise assignments carry
 * the max offset. The leader URL sent is the one in the leader's own metadata (as Java);
 * @p leader_url is used only if @p leader_id is not among @p members. @p generation is the
 * current generation, @p last_completed_generation WorkerCoordinator.lastCompletedGenerationId()
 * (-1 initially), @p now_ms the wall clock (ms) for scheduled delays. out[i] (initialised by the
 * caller) gets the encoded assignment of members[i] appended. The same JoinGroup members and
 * config give the bytes a Java leader (connect-runtime 3.9) would send, member by member. Cost:
 * about linear in items x members (9300 tasks on 50 workers: ~25 ms a round); the herder may run
 * it on the loop for groups of that size, or in uv_queue_work beyond.
 * @returns 0, KC_EINVAL (unknown protocol, no members or leader, NULL @p a for a cooperative
 * protocol, undecodable member metadata: errstr names the member), KC_ENOMEM. After KC_EINVAL
 * @p a is unchanged; after KC_ENOMEM it may be partly updated (destroy it and start afresh).
 */
int kc_cp_assign(kc_cp_assignor_t *a, const char *protocol, const char *leader_id,
                 const char *leader_url, int64_t leader_config_offset,
                 const kc_cp_connector_t *configured, int nconfigured, const kc_cp_member_t *members,
                 int nmembers, int32_t generation, int32_t last_completed_generation,
                 int64_t now_ms, kc_buf_t *out, char *errstr, size_t n);

/**
 * The delay (ms) IncrementalCooperativeAssignor waits before the @p attempts-th successive
 * revoking rebalance: ExponentialBackoff(max == 0 ? 0 : 1, 40, max, no jitter), in Java's
 * floating point (so 999, not 1000, for a 1000 ms maximum). Exposed for tests.
 */
int32_t kc_cp_revoking_backoff(int32_t scheduled_rebalance_max_delay_ms, long attempts);

/* ---- Java ordering, shared by the codec and the assignors ------------------------------------- */

/** java.lang.String.hashCode of the UTF-8 string @p s (over its UTF-16 units; bad bytes as U+FFFD). */
int32_t kc_cp_java_hash(const char *s);
/** java.lang.String.compareTo of two UTF-8 strings (UTF-16 unit order): <0, 0, >0. */
int kc_cp_java_compare(const char *a, const char *b);
/** HashMap's bucket spread: h ^ (h >>> 16). */
static inline int32_t kc_cp_java_spread(int32_t h) {
  return (int32_t)((uint32_t)h ^ ((uint32_t)h >> 16));
}
/** Table size of new HashSet<>(collection of @p n elements). */
int kc_cp_java_copy_capacity(int n);
/** Table size of a HashMap/HashSet grown by @p n single puts from the default 16. */
int kc_cp_java_grown_capacity(int n);
/**
 * Reorders @p idx (n indices, in insertion order) into the iteration order of a Java HashSet
 * with table size @p cap whose element idx[i] has hash hashes[idx[i]]: bucket order, insertion
 * order within a bucket (bins are never treeified here: that needs 9 colliding keys).
 */
void kc_cp_java_hash_order(int *idx, int n, const int32_t *hashes, int cap);

#endif
