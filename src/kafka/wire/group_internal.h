/*
 * The group member's state (group.c, group_coord.c, group_life.c). Not for
 * users of group.h.
 */
#ifndef KC_KAFKA_WIRE_GROUP_INTERNAL_H
#define KC_KAFKA_WIRE_GROUP_INTERNAL_H

#include "kafka/wire/conn.h"
#include "kafka/wire/group.h"
#include "kafka/wire/security.h"
#include "kafka/wire/servers.h"

#define KC_GRP_LOGGER "kc.group"

typedef enum {
  KC_GRP_INIT,
  KC_GRP_WAIT_COORDINATOR,
  KC_GRP_WAIT_JOIN_PREPARE,
  KC_GRP_WAIT_JOIN,
  KC_GRP_WAIT_SYNC,
  KC_GRP_STABLE,
  KC_GRP_WAIT_LEAVE,
  KC_GRP_CLOSED,
  KC_GRP_FATAL,
} kc_grp_state_t;

typedef struct {
  char *name;
  kc_buf_t meta;
} kc_grp_proto_t;

struct kc_group_s {
  uv_loop_t *loop;
  kc_group_callbacks_t cbs;
  void *arg;
  char *group_id, *protocol_type, *client_id;
  int32_t session_ms, rebalance_ms, heartbeat_ms, request_ms;
  int64_t retry_ms, reconnect_ms, reconnect_max_ms;
  kc_wire_security_t sec;
  kc_wire_server_t *servers;
  int n_servers;

  kc_grp_state_t state;
  uv_timer_t kick, hb, rejoin;
  int open_handles; /* timers and connections not closed yet */
  uint64_t retry_at; /* step() does nothing before this loop time (ms) */

  /* coordinator discovery (group_coord.c) */
  kc_wire_conn_t *boot;      /* bootstrap connection for FindCoordinator */
  int boot_idx;              /* the bootstrap server tried now */
  int failed_attempts;       /* consecutive failed rounds / coordinator connections */
  uint64_t unreachable_since;
  bool find_inflight;
  kc_wire_conn_t *coord;
  char coord_name[300];      /* "host:port" of the last known coordinator */
  char *coord_host;
  int coord_port;
  bool coord_ready;

  /* membership (group.c) */
  int32_t generation;
  char *member_id, *leader_id, *protocol;
  bool started, need_rejoin, rejoin_after_sync, prepare_called, prepared;
  bool join_inflight, sync_inflight, hb_inflight, in_group;
  int32_t sent_generation;   /* generation of the heartbeat in flight */
  uint64_t last_hb_ok;
  kc_grp_proto_t protos[KC_GROUP_MAX_PROTOCOLS];
  int n_protos;

  /* leaving (group_life.c) */
  bool leaving, fatal, all_closed;
  void (*done_cb)(void *arg);
  void *done_arg;
  kc_wire_conn_t *leave_conn;
};

/** The only state setter (logs transitions). */
void kc_grp_set_state(kc_group_t *g, kc_grp_state_t st);
/** Replaces *@p dst by a copy of @p src (NULL = ""); keeps the old value on ENOMEM. */
void kc_grp_set_str(char **dst, const char *src);
/** step() from the loop after @p delay_ms. */
void kc_grp_schedule(kc_group_t *g, uint64_t delay_ms);
/** No action before @p ms from now, then step(). */
void kc_grp_backoff(kc_group_t *g, int64_t ms);
/** Java's exponential reconnect back-off for the current failed_attempts, with +-20% jitter. */
int64_t kc_grp_reconnect_delay(kc_group_t *g);
/** True once leaving or stopped: no callback may run. */
bool kc_grp_quiet(const kc_group_t *g);
/** The lost callback (non-fatal) with a formatted reason, also logged. */
void kc_grp_lost(kc_group_t *g, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Stops the group: connections closed, lost(fatal=true). */
void kc_grp_fatal(kc_group_t *g, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/** Closes *@p c (if any) and clears it; open_handles drops when it is gone. */
void kc_grp_close_conn(kc_group_t *g, kc_wire_conn_t **c);
/** A connection or timer finished closing. */
void kc_grp_handle_closed(kc_group_t *g);
/** Java's markCoordinatorUnknown: drop the coordinator connection and what was in flight. */
void kc_grp_coordinator_unknown(kc_group_t *g, const char *why);
/** Discovery's part of step(): @returns true when the coordinator connection is ready. */
bool kc_grp_step_coordinator(kc_group_t *g);
/** Frees the copied protocols. */
void kc_grp_clear_protos(kc_group_t *g);

#endif
