/*
 * KafkaStatusBackingStore (storage/KafkaStatusBackingStore.java; connect-runtime.md 5.3): the
 * connector, task and topic statuses of a distributed Connect cluster in the compacted status
 * topic, in Java Connect's exact record format.
 *
 * Writes are fire-and-forget as Java's put()/putSafe(): a write that fails with a retriable
 * error is sent again unless a newer status (another generation, a later write of the same
 * entry under putSafe, or a removal) superseded it. Reads update a cache; a task's UNASSIGNED
 * of an older or the same generation never replaces its RUNNING (Java's stale-status rule).
 * Malformed records are skipped with an error log naming the topic, partition and offset.
 *
 * Loop-thread only. Returned kc_status_t pointers stay valid until the store next consumes
 * records (control returns to the loop) or is written to.
 */
#ifndef KC_WORKER_STORE_STATUS_H
#define KC_WORKER_STORE_STATUS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "worker/kafka_log.h"
#include "worker/worker.h"

typedef struct kc_statusstore_s kc_statusstore_t;
typedef struct {
  kc_state_t state;
  const char *trace;
  const char *worker_id;
  int32_t generation;
  const char *version; /* the plugin version Connect 4.x (KIP-891) records; NULL when absent (3.x) */
} kc_status_t;

/** @param topic the status topic (role forced to "status"), copied. @returns NULL with @p errstr. */
kc_statusstore_t *kc_statusstore_create(uv_loop_t *loop, const kc_config_t *worker_props, const kc_klog_config_t *topic,
                                        char *errstr, size_t n);
/**
 * Connect 4.x status values carry the plugin's "version" after "generation"; once set, every
 * connector and task status written has it, from @p version_of(@p arg, connector name) (NULL
 * writes null: the class is not installed here). Unset, values are Connect 3.x's.
 */
void kc_statusstore_set_versions(kc_statusstore_t *s, const char *(*version_of)(void *arg, const char *connector),
                                 void *arg);
/** Starts the log and reads the whole topic; @p cb once. @returns 0 or KC_E*. */
int kc_statusstore_start(kc_statusstore_t *s, kc_store_done_cb cb, void *arg);
/** Reads to the current end; @p cb once. @returns 0 or KC_ESTATE. */
int kc_statusstore_read_to_end(kc_statusstore_t *s, kc_store_done_cb cb, void *arg);
/**
 * status-connector-<name> {"state":..,"trace":..,"worker_id":..,"generation":..}; DESTROYED writes
 * a tombstone. @p trace (may be NULL) and @p worker_id are copied. @p safe: Java's putSafe (skipped
 * when the cached status is from another worker with a newer generation).
 * @returns 0, KC_ESTATE (not running), KC_ENOMEM.
 */
int kc_statusstore_put_connector(kc_statusstore_t *s, const char *name, kc_state_t st, const char *trace,
                                 const char *worker_id, int32_t generation, bool safe);
/** status-task-<name>-<task>, as kc_statusstore_put_connector(). */
int kc_statusstore_put_task(kc_statusstore_t *s, const char *name, int task, kc_state_t st, const char *trace,
                            const char *worker_id, int32_t generation, bool safe);
/** status-topic-<topic>:connector-<connector> {"topic":{"name":..,"connector":..,"task":..,"discoverTimestamp":ms}}. */
int kc_statusstore_put_topic(kc_statusstore_t *s, const char *topic, const char *connector, int task, int64_t ts_ms);
/** Tombstone for status-topic-<topic>:connector-<connector> (Java's deleteTopic). */
int kc_statusstore_delete_topic(kc_statusstore_t *s, const char *topic, const char *connector);
/** Tombstones every topic-status record of @p connector read so far (its deletion, KIP-558).
 *  @returns 0 or the first write's KC_E*. */
int kc_statusstore_delete_topics(kc_statusstore_t *s, const char *connector);
/** The cached statuses; NULL when unknown (or removed). */
const kc_status_t *kc_statusstore_connector(const kc_statusstore_t *s, const char *name);
const kc_status_t *kc_statusstore_task(const kc_statusstore_t *s, const char *name, int task);
/** The topics of @p connector read from the status topic so far, as a JSON array of names (new reference). */
json_t *kc_statusstore_topics_json(const kc_statusstore_t *s, const char *connector);
/** Whether the topic status @p topic of @p connector is known; @p ts_ms (may be NULL) gets its discoverTimestamp. */
bool kc_statusstore_topic(const kc_statusstore_t *s, const char *connector, const char *topic, int64_t *ts_ms);
/** Stops the log; @p cb (may be NULL) once. */
void kc_statusstore_stop(kc_statusstore_t *s, void (*cb)(void *arg), void *arg);
/** Frees the store: after kc_statusstore_stop()'s cb, or when never started. */
void kc_statusstore_destroy(kc_statusstore_t *s);

/** Appends Java's status value bytes (field order state, trace, worker_id, generation); 3.x's
 *  form without "version": the store adds it when versions are set. @returns 0 or a kc_buf error. */
int kc_statusstore_encode(kc_buf_t *out, kc_state_t st, const char *trace, const char *worker_id, int32_t generation);

#endif
