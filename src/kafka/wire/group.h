/*
 * A member of a classic Kafka group with a custom protocol type (Connect's
 * "connect"), on the loop: Java's AbstractCoordinator without threads.
 *
 * FindCoordinator (key type 0) against the bootstrap servers in turn ->
 * connection to the coordinator -> join_prepare callback -> JoinGroup (KIP-394
 * member-id handshake) -> leader: assign callback -> SyncGroup -> joined
 * callback -> Heartbeat every heartbeat_interval_ms until a rebalance, a
 * membership error, kc_group_request_rejoin() or kc_group_leave().
 *
 * Error handling follows AbstractCoordinator:
 *  - NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, a lost or timed-out
 *    connection: the coordinator is marked unknown and looked up again after
 *    retry_backoff_ms; a JoinGroup or SyncGroup that was in flight is sent again.
 *    A member keeps its membership meanwhile (heartbeats resume on the new
 *    connection) as long as its session lasts.
 *  - COORDINATOR_LOAD_IN_PROGRESS: the same request again after retry_backoff_ms.
 *  - REBALANCE_IN_PROGRESS (heartbeat): rejoin (join_prepare, JoinGroup).
 *  - UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID: generation
 *    reset (and member id, except for ILLEGAL_GENERATION), lost(), rejoin.
 *  - No successful heartbeat for session_timeout_ms: lost(KC_ETIMEDOUT), rejoin.
 *  - GROUP_AUTHORIZATION_FAILED, INCONSISTENT_GROUP_PROTOCOL, INVALID_SESSION_TIMEOUT,
 *    INVALID_GROUP_ID, GROUP_MAX_SIZE_REACHED, SASL and TLS failures, an API version
 *    the broker lacks, and any error AbstractCoordinator does not retry: lost() with
 *    fatal=true and the broker's error name; the group stops.
 *  - A round over all bootstrap servers that fails, or a coordinator that cannot
 *    be connected to: lost(err, false, reason), the next attempt after
 *    reconnect_backoff_ms, doubling up to reconnect_backoff_max_ms (+-20%).
 *  - A follower that rejoins with unchanged metadata gets its generation back
 *    from the coordinator without a rebalance (join_prepare and joined run again);
 *    only the leader's rejoin, or changed metadata, rebalances the group.
 *
 * Connections: a bootstrap one for FindCoordinator (closed once answered) and one
 * to the coordinator; LeaveGroup goes on a fresh one when the coordinator's is busy
 * with a JoinGroup/SyncGroup (the broker answers one request at a time). No
 * static membership (group.instance.id null), no KIP-368 re-authentication (a
 * broker closing an expired SASL session makes the member reconnect).
 *
 * Callbacks run from the loop, never from inside a kc_group_* call.
 * Error codes given to lost(): KC_EIO (unreachable), KC_ETIMEDOUT (session lost),
 * KC_ESTATE (membership lost: UNKNOWN_MEMBER_ID ...), KC_EINVAL (fatal broker error),
 * KC_ENOTSUP (fatal: API version or security feature missing).
 */
#ifndef KC_KAFKA_WIRE_GROUP_H
#define KC_KAFKA_WIRE_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kconnect/connector.h"

typedef struct kc_group_s kc_group_t;

/** Settings; a value <= 0 takes Connect's default (in brackets). Times in ms. */
typedef struct kc_group_config_s {
  const char *bootstrap_servers;  /* "host:port[,host:port]" ("[v6addr]:port" too) */
  const char *group_id;
  const char *protocol_type;      /* "connect" */
  const char *client_id;          /* request header client id; NULL = null */
  int32_t session_timeout_ms,     /* [10000] */
      rebalance_timeout_ms,       /* [60000] */
      heartbeat_interval_ms,      /* [3000] */
      request_timeout_ms;         /* [40000] */
  int64_t retry_backoff_ms,       /* [100] */
      reconnect_backoff_ms,       /* [50] */
      reconnect_backoff_max_ms;   /* [1000] */
  const kc_config_t *security;    /* worker props (Java keys), borrowed for the create call only; may be NULL = PLAINTEXT */
} kc_group_config_t;

typedef struct { const char *name; const void *metadata; size_t len; } kc_group_protocol_t;
typedef struct { const char *member_id; const void *metadata; size_t len; } kc_group_member_t;

typedef struct kc_group_callbacks_s {
  /* Before every JoinGroup: fill up to *n protocols in preference order and set *n. The group copies the bytes
     before returning to the loop. Return 0, or KC_E* to postpone the join by retry_backoff_ms. */
  int (*metadata)(void *arg, kc_group_protocol_t *protocols, int *n);
  /* Before every (re)join: the member releases what it must (Connect eager stops everything) and then calls
     kc_group_join_ready(), possibly later from another callback. generation -1 and member_id "" on the first join. */
  void (*join_prepare)(void *arg, int32_t generation, const char *member_id);
  /* Leader only, after JoinGroup: fill assignments[i] (kc_buf_t already initialised by the group, freed by it) for
     members[i] (all members, leader included; metadata bytes borrowed for the call). Return 0, or KC_E* to rejoin. */
  int (*assign)(void *arg, const char *leader_id, const char *protocol, const kc_group_member_t *members, int n,
                kc_buf_t *assignments);
  /* SyncGroup succeeded: the member's assignment bytes (borrowed for the call). */
  void (*joined)(void *arg, int32_t generation, const char *member_id, const char *leader_id, const char *protocol,
                 const void *assignment, size_t len);
  /* The member lost its membership or cannot reach the coordinator (err is a KC_E* code, reason names the
     broker error, e.g. "UNKNOWN_MEMBER_ID" or "coordinator 127.0.0.1:9092 unreachable for 3000 ms"). The group goes on
     trying to rejoin by itself. fatal=true: it stopped trying (auth failure, bad protocol); the reason says why. */
  void (*lost)(void *arg, int err, bool fatal, const char *reason);
} kc_group_callbacks_t;

/** Most protocols the metadata callback may offer (*n is set to this before the call). */
#define KC_GROUP_MAX_PROTOCOLS 8

/**
 * Copies cfg; validates security settings (fail closed, errstr names the key). NULL on error.
 * @p cbs is copied; every callback is required. Reads TLS trust store files (blocking:
 * call at start-up). The handles live on @p loop until kc_group_leave()'s callback.
 */
kc_group_t *kc_group_create(uv_loop_t *loop, const kc_group_config_t *cfg, const kc_group_callbacks_t *cbs, void *arg,
                            char *errstr, size_t errstr_size);
/** Find the coordinator and join. @returns 0, or KC_ESTATE when started before or leaving. */
int kc_group_start(kc_group_t *g);
/** After join_prepare: the member is ready for JoinGroup. Ignored at other times. */
void kc_group_join_ready(kc_group_t *g);
/** Rejoin at once (Java requestRejoin); @p reason (copied into the log) may be NULL. A request during
 *  a join gives one more rebalance after it. */
void kc_group_request_rejoin(kc_group_t *g, const char *reason);
/** Scheduled rejoin after @p delay_ms (KIP-415 delay); a later call replaces an earlier one. */
void kc_group_rejoin_after(kc_group_t *g, uint64_t delay_ms, const char *reason);
/** Cancels a kc_group_rejoin_after() timer that has not fired (Connect clears its scheduled
 *  rebalance when a new assignment carries no delay). */
void kc_group_rejoin_cancel(kc_group_t *g);
/** The current generation; -1 before the first join and after a reset. */
int32_t kc_group_generation(const kc_group_t *g);
/** The member id ("" before the coordinator gave one); owned by the group, valid until the next callback. */
const char *kc_group_member_id(const kc_group_t *g);
/** Joined and no rejoin pending (a kc_group_rejoin_after() timer does not count until it fires). */
bool kc_group_stable(const kc_group_t *g);
/** "WAIT_SYNC" etc. for logs (static string). */
const char *kc_group_state_name(const kc_group_t *g);
/**
 * LeaveGroup (if a member) then close every connection; cb exactly once when all handles are closed. After cb,
 * kc_group_destroy. No other callback runs after kc_group_leave is called. The LeaveGroup waits at most
 * request_timeout_ms. A second call is ignored.
 */
void kc_group_leave(kc_group_t *g, void (*cb)(void *arg), void *arg);
/** Like kc_group_leave() but without LeaveGroup: the broker expels the member after its session
 *  timeout (tests; a worker that must not trigger a rebalance on its way out). */
void kc_group_close(kc_group_t *g, void (*cb)(void *arg), void *arg);
/** Frees the group; only after kc_group_leave()'s or kc_group_close()'s callback (NULL is a no-op). */
void kc_group_destroy(kc_group_t *g);

#endif
