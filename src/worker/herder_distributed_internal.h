/*
 * Internal to herder_distributed*.c: the herder's state and the helpers its
 * REST operations (herder_distributed_ops.c) share with the membership and
 * assignment side (herder_distributed.c).
 */
#ifndef KC_WORKER_HERDER_DISTRIBUTED_INTERNAL_H
#define KC_WORKER_HERDER_DISTRIBUTED_INTERNAL_H

#include "kafka/wire/group.h"
#include "worker/connect_protocol.h"
#include "worker/herder_common.h"
#include "worker/herder_distributed.h"
#include "worker/kafka_log.h"
#include "worker/store_config.h"
#include "worker/store_status.h"

/* The herder's own state machine (one setter: dh_set_phase). */
#define KC_DH_PHASE_MAP(XX)                                                         \
  XX(WAIT_STORES)     /* creating/reading the three internal topics */             \
  XX(WAIT_JOIN)       /* in the group protocol: no assignment applied yet */       \
  XX(WAIT_CATCH_UP)   /* reading the config topic to the assignment's offset */    \
  XX(WAIT_REVOKE)     /* stopping what the assignment revoked (or all, eager) */    \
  XX(STABLE)          /* assignment applied; rebalance resolved */                 \
  XX(WAIT_SHUTDOWN)   /* stopping work, leaving the group, closing stores */       \
  XX(FAILED)          /* fatal: the fatal callback ran */
typedef enum {
#define XX(p) KC_DH_##p,
  KC_DH_PHASE_MAP(XX)
#undef XX
} kc_dh_phase_t;

/* Who runs what, as the leader computed it (LeaderState), for forwarding. */
typedef struct kc_dh_owner_s {
  char *connector;
  int task;       /* KC_CP_CONNECTOR_TASK for the instance */
  char *url;      /* the owner's advertised URL */
} kc_dh_owner_t;

struct kc_herder_s {
  kc_herder_base_t base;
  kc_worker_t *wk;
  uv_loop_t *loop;
  kc_distributed_config_t dc;
  kc_herder_fatal_cb fatal_cb;
  void *fatal_arg;
  kc_dh_phase_t phase;

  kc_cfgstore_t *configs;
  kc_statusstore_t *statuses;
  kc_offset_store_t *offsets; /* handed to the worker once read */
  int stores_pending;

  kc_group_t *group;
  kc_cp_assignor_t *assignor;
  kc_buf_t meta[3];           /* JoinGroup metadata of the last join, per protocol */
  bool eager;                 /* the protocol in use is "default" */
  bool sessioned;             /* ... is "sessioned": internal requests are signed */
  int32_t generation;
  int32_t last_completed_generation;
  char *member_id, *leader_id, *leader_url;
  bool rebalance_resolved;    /* false from a join until its assignment is applied (409s) */
  bool started_once;          /* a first assignment was applied: /health is 200 */
  int unsync_retries;         /* cooperative catch-up failures in a row */

  kc_cp_assignment_t assignment; /* full current assignment (assigned = everything we own) */
  bool has_assignment;
  kc_dh_owner_t *owners;      /* leader only: the last full assignment of every member */
  int nowners;
  char **known;               /* connectors of the snapshot the last assignment was applied at */
  int nknown;

  int stops_pending;          /* revocations in flight */
  bool rejoin_after_stops;    /* cooperative revocation: rejoin when they are done */
  bool join_after_stops;      /* eager join_prepare: kc_group_join_ready when done */

  bool topic_tracking;        /* topic.tracking.enable (KIP-558) */
  uv_timer_t timer;           /* session key rotation, task config retries */
  int64_t key_checked_ms;

  void (*shutdown_cb)(void *);
  void *shutdown_arg;
  int shutdown_pending;
};

/* Per-connector bookkeeping, on kc_connector_t.herder_data. */
typedef struct kc_dh_conn_s {
  bool deleting;              /* removed from the config topic: stopped work writes DESTROYED */
  bool publish_inflight;      /* task configs sent to the leader, answer pending */
  bool publish_again;         /* configs changed again meanwhile */
  int64_t publish_retry_at;   /* ms: a failed publish retries then (0: none) */
  int64_t publish_backoff_ms;
  int syncing;                /* task stops in flight for a task-config change */
} kc_dh_conn_t;

/* herder_distributed.c */
void kc_dh_set_phase(kc_herder_t *h, kc_dh_phase_t ph);
bool kc_dh_is_leader(const kc_herder_t *h);
bool kc_dh_owns(const kc_herder_t *h, const char *connector, int task);
/** The owner's URL as the leader knows it (NULL when unknown or not the leader). */
const char *kc_dh_owner_url(const kc_herder_t *h, const char *connector, int task);
/** Regenerates and publishes the task configs of a connector whose instance runs here. */
void kc_dh_reconfigure(kc_herder_t *h, kc_connector_t *c);
/** Restarts the connector instance running here (task configs regenerated); @p request: a
 *  restart request (KIP-745), which publishes RESTARTING between the stop and the start. */
void kc_dh_restart_connector(kc_herder_t *h, kc_connector_t *c, bool request);
/** Restarts task @p id running here with its current config; @p request as above. */
void kc_dh_restart_task(kc_herder_t *h, kc_connector_t *c, int id, bool request);
const char *kc_dh_phase_name(kc_dh_phase_t ph);

/* herder_distributed_ops.c */
int kc_dh_submit(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg);
/** The connector's type ("sink"/"source"/"unknown") from its class. */
const char *kc_dh_type_name(const kc_config_t *config);

#endif
