/* KafkaConfigBackingStore internals shared by store_config.c (reading) and store_config_write.c. */
#ifndef KC_WORKER_STORE_CONFIG_INTERNAL_H
#define KC_WORKER_STORE_CONFIG_INTERNAL_H

#include "worker/store_config.h"

typedef struct cfg_conn_s {
  kc_cfg_connector_t pub; /* what the snapshot functions hand out */
  char *name;
  kc_config_t *config;    /* NULL: no config (never seen, or removed) */
  bool has_target;
  kc_target_t target;
  kc_config_t **applied;  /* task configs by id, from applied commits (Java's taskConfigs) */
  int applied_cap, applied_ntasks;
  kc_config_t **deferred; /* task configs by id waiting for a commit */
  int deferred_cap;
  bool has_deferred;
  bool inconsistent;
  int commit_count;       /* the last commit's task count, -1 none */
  int task_count_record;  /* the last tasks-fencing record, -1 none */
  int generation;         /* task config generation */
} cfg_conn_t;

struct cfg_op_s;

struct kc_cfgstore_s {
  uv_loop_t *loop;
  kc_klog_t *log;
  kc_cfgstore_listener_t listener;
  void *arg;
  bool started;
  bool stopping;
  int64_t offset;
  cfg_conn_t **conns; /* sorted by name */
  size_t nconns, cap;
  const kc_cfg_connector_t **vis; /* those with a config, rebuilt when dirty */
  size_t nvis;
  bool vis_dirty;
  bool has_session_key;
  kc_session_key_t session_key;
  uint8_t *sk_bytes;
  char *sk_alg;
  kc_store_done_cb start_cb;
  void *start_arg;
};

#endif
