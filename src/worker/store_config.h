/*
 * KafkaConfigBackingStore (storage/KafkaConfigBackingStore.java; connect-runtime.md 5.1): the
 * connector configs, task configs, target states, restart requests and session key of a
 * distributed Connect cluster, kept in the compacted single-partition config topic in Java
 * Connect's exact record format, so Java and C workers can share one cluster.
 *
 * Records are applied in offset order as Java applies them (key prefixes in Java's order,
 * task configs deferred until their commit record, a commit with missing task records marks
 * the connector inconsistent). Malformed records are skipped with an error log naming the
 * topic, partition, offset and reason, and never stop the reader. Listener callbacks run
 * only after start completed, as Java's (records read during start only build the snapshot).
 *
 * Loop-thread only. Snapshot pointers (kc_cfgstore_at/connector/session_key and everything
 * they point to) stay valid until the store next consumes records, i.e. until control
 * returns to the loop; copy what must live longer.
 */
#ifndef KC_WORKER_STORE_CONFIG_H
#define KC_WORKER_STORE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "worker/kafka_log.h"
#include "worker/worker.h"

typedef struct kc_cfgstore_s kc_cfgstore_t;

typedef struct kc_cfg_connector_s {
  const char *name;
  const kc_config_t *config;     /* raw connector config as stored (JSON null values dropped) */
  kc_target_t target;            /* state.v2 preferred, else state; STARTED when no record */
  int ntasks;                    /* from the last applied (complete) commit; 0 when none */
  const kc_config_t *const *tasks; /* ntasks task configs */
  bool inconsistent;             /* a commit without all its task records */
} kc_cfg_connector_t;

typedef struct kc_cfgstore_listener_s {   /* each may be NULL; called on the loop while records are read */
  void (*connector_config)(void *arg, const char *name, bool removed);
  void (*task_configs)(void *arg, const char *name);     /* a commit record processed (Java's onTaskConfigUpdate) */
  void (*target_state)(void *arg, const char *name, kc_target_t target);
  void (*restart)(void *arg, const char *name, bool include_tasks, bool only_failed);
  void (*session_key)(void *arg);
} kc_cfgstore_listener_t;

/**
 * @param topic the config topic (role should be "config"; partitions are forced to 1), copied.
 * @param listener copied; may be NULL. @p arg is passed to every listener callback.
 * @returns the store, or NULL with @p errstr.
 */
kc_cfgstore_t *kc_cfgstore_create(uv_loop_t *loop, const kc_config_t *worker_props, const kc_klog_config_t *topic,
                                  const kc_cfgstore_listener_t *listener, void *arg, char *errstr, size_t n);
/** Starts the log and reads the whole topic; @p cb once (kc_klog_start's statuses). @returns 0 or KC_E*. */
int kc_cfgstore_start(kc_cfgstore_t *s, kc_store_done_cb cb, void *arg);
/** Reads to the end of the topic (Java's refresh()); @p cb once. @returns 0 or KC_ESTATE. */
int kc_cfgstore_read_to_end(kc_cfgstore_t *s, kc_store_done_cb cb, void *arg);
/** Last consumed offset + 1 (-1 before any record), as Java's ClusterConfigState.offset(). */
int64_t kc_cfgstore_offset(const kc_cfgstore_t *s);
/** Number of connectors with a config. */
size_t kc_cfgstore_count(const kc_cfgstore_t *s);
/** The @p i-th connector with a config, sorted by name (strcmp); NULL past the end. */
const kc_cfg_connector_t *kc_cfgstore_at(const kc_cfgstore_t *s, size_t i);
/** The connector @p name, or NULL when it has no config. */
const kc_cfg_connector_t *kc_cfgstore_connector(const kc_cfgstore_t *s, const char *name);
/** The task count of the connector's last commit record, applied or not (Java's taskCount()); -1 none. */
int kc_cfgstore_task_count(const kc_cfgstore_t *s, const char *name);
/** The last tasks-fencing-<name> record's task count (-1 none). */
int kc_cfgstore_task_count_record(const kc_cfgstore_t *s, const char *name);

/*
 * Writes, in the record order of 5.1. Each @p cb runs once, after the records are
 * acknowledged AND read back (the snapshot then shows them), as Java's readToEnd; status
 * KC_EIO/KC_EBUSY (broker errors), KC_ETIMEDOUT (no answer within 30 s, Java's
 * READ_WRITE_TOTAL_TIMEOUT_MS; the records may still be written), KC_ESTATE (stopped), with
 * "Error writing <what> to Kafka: <why>". Each @returns 0, KC_ESTATE before
 * start or after stop, KC_EINVAL for bad arguments, KC_ENOMEM (cb not called then).
 */
/** [target-state-<name> when @p initial_target >= 0] then connector-<name> {"properties":{..}} in
 *  @p config's order. @p initial_target a kc_target_t or -1. */
int kc_cfgstore_put_connector(kc_cfgstore_t *s, const char *name, const kc_config_t *config, int initial_target /* -1 */,
                              kc_store_done_cb cb, void *arg);
/** connector-<name> tombstone, then target-state-<name> tombstone. */
int kc_cfgstore_remove_connector(kc_cfgstore_t *s, const char *name, kc_store_done_cb cb, void *arg);
/** Read to end; task-<name>-0..n-1; read to end (n > 0); commit-<name> {"tasks":n}; read to end. */
int kc_cfgstore_put_task_configs(kc_cfgstore_t *s, const char *name, const kc_config_t *const *tasks, int n,
                                 kc_store_done_cb cb, void *arg);
/** target-state-<name> {"state":..,"state.v2":..} (state PAUSED for STOPPED, for older workers). */
int kc_cfgstore_put_target_state(kc_cfgstore_t *s, const char *name, kc_target_t t, kc_store_done_cb cb, void *arg);
/** restart-connector-<name> {"include-tasks":..,"only-failed":..}. */
int kc_cfgstore_put_restart(kc_cfgstore_t *s, const char *name, bool include_tasks, bool only_failed,
                            kc_store_done_cb cb, void *arg);
/** tasks-fencing-<name> {"task-count":n} (exactly-once zombie fencing). */
int kc_cfgstore_put_task_count_record(kc_cfgstore_t *s, const char *name, int task_count, kc_store_done_cb cb,
                                      void *arg);

typedef struct { const uint8_t *key; size_t len; const char *algorithm; int64_t creation_ms; } kc_session_key_t;
/** session-key {"key":"<base64>","algorithm":..,"creation-timestamp":ms}. */
/** logger-cluster-<ns> {"level":@p level} (a cluster-scope PUT /admin/loggers/<ns>). */
int kc_cfgstore_put_logger_level(kc_cfgstore_t *s, const char *ns, const char *level, kc_store_done_cb cb,
                                 void *arg);
int kc_cfgstore_put_session_key(kc_cfgstore_t *s, const kc_session_key_t *k, kc_store_done_cb cb, void *arg);
/** The last session key read (NULL when none); see the snapshot lifetime above. */
const kc_session_key_t *kc_cfgstore_session_key(const kc_cfgstore_t *s);

/** Stops the log (kc_klog_stop); @p cb (may be NULL) once. Pending writes fail with KC_ESTATE. */
void kc_cfgstore_stop(kc_cfgstore_t *s, void (*cb)(void *arg), void *arg);
/** Frees the store: after kc_cfgstore_stop()'s cb, or when never started. */
void kc_cfgstore_destroy(kc_cfgstore_t *s);

/* Value encoders, exposed for tests and for the herder's own checks: append the exact JSON
 * bytes Java's JsonConverter (schemas.enable=false) writes. @returns 0 or a kc_buf error. */
int kc_cfgstore_encode_properties(kc_buf_t *out, const kc_config_t *props);
int kc_cfgstore_encode_target_state(kc_buf_t *out, kc_target_t t);

#endif
