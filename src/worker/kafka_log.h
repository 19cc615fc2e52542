/*
 * Connect's KafkaBasedLog (util/KafkaBasedLog.java) on the loop: one compacted
 * internal topic (config, offset or status, connect-runtime.md 5), read from
 * the beginning of every partition by an assign-only consumer (no group, no
 * commits) and written by a producer with Connect's settings for these logs.
 *
 * Start: the topic is created when missing (admin API: compacted, the given
 * partitions, replication factor and extra settings; cleanup.policy forced to
 * compact as TopicAdmin.defineTopic(..).compacted() does), or an existing one
 * is checked as Connect does (cleanup.policy must be exactly "compact"; the
 * config topic must have exactly one partition), then every partition is read
 * to its end. Blocking librdkafka calls (metadata, watermark queries,
 * rd_kafka_destroy) run on uv_queue_work; the loop only drains queues through
 * kafka/kqueue.h with a budget.
 *
 * All functions are loop-thread only. Callbacks are never called from inside
 * the function that was given them.
 */
#ifndef KC_WORKER_KAFKA_LOG_H
#define KC_WORKER_KAFKA_LOG_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "kconnect/connector.h"

typedef struct kc_klog_s kc_klog_t;

/** Completion: @p status 0 or a KC_E* code, @p errmsg (borrowed, NULL when status is 0) says
 *  why in Connect's words. Called exactly once. */
typedef void (*kc_store_done_cb)(void *arg, int status, const char *errmsg);

typedef struct kc_klog_config_s {
  const char *topic;
  const char *role;              /* "config" | "offset" | "status": names the worker key in messages */
  int32_t partitions;            /* when created; -1 = broker default; ignored for the config topic (always 1) */
  int16_t replication_factor;    /* when created; -1 = broker default */
  const kc_config_t *topic_settings; /* extra topic configs (the "config.storage."-style prefix stripped); may be NULL;
                                        cleanup.policy is forced to compact as Java does */
  const char *client_id;         /* e.g. "<group.id>-configs" (section 3.2 "Base client id") */
} kc_klog_config_t;

/** One consumed record, in offset order per partition (m->key / m->payload NULL for null);
 *  @p m is borrowed for the call. */
typedef void (*kc_klog_record_cb)(void *arg, const rd_kafka_message_t *m);

/**
 * Builds the log; nothing is contacted until kc_klog_start().
 * @param worker_props the worker's props (Java client keys, mapped by kc_kafka_conf_build for
 *        the producer, consumer and admin clients), borrowed for the call.
 * @param cfg copied (strings and settings), borrowed for the call.
 * @param record_cb called on the loop for every record read, from start on; it may call
 *        kc_klog_send() and kc_klog_read_to_end(), but not kc_klog_stop()/destroy().
 * @returns the log, or NULL with @p errstr (n bytes) naming the bad setting.
 */
kc_klog_t *kc_klog_create(uv_loop_t *loop, const kc_config_t *worker_props, const kc_klog_config_t *cfg,
                          kc_klog_record_cb record_cb, void *arg, char *errstr, size_t n);

/**
 * Creates or checks the topic, assigns all partitions from the beginning and reads to the end.
 * @p cb once: 0 when the whole topic has been passed to record_cb, else KC_EINVAL (topic refused:
 * Connect's message), KC_EIO (broker errors), KC_ETIMEDOUT, KC_ESTATE (stopped meanwhile).
 * @returns 0, or KC_ESTATE when already started (cb not called).
 */
int kc_klog_start(kc_klog_t *l, kc_store_done_cb cb, void *arg);

/**
 * @p cb once every record below the end offsets as of this call (after the sends made before
 * it are acknowledged, as Java flushes first) has been passed to record_cb. The end offsets
 * are queried on the threadpool (retried for up to 30 s; then KC_ETIMEDOUT).
 * @returns 0, or KC_ESTATE before start completed or after stop (cb not called).
 */
int kc_klog_read_to_end(kc_klog_t *l, kc_store_done_cb cb, void *arg);

/**
 * Produces key/value (both copied; @p val NULL = tombstone; @p key may be NULL). Partition: Java's
 * murmur2 of the key bytes (librdkafka "murmur2_random"). @p cb (may be NULL) once on delivery:
 * 0, KC_EBUSY for a retriable broker error (Java's RetriableException, a delivery timeout
 * included), KC_EIO for other errors, KC_ETIMEDOUT when stop gave up waiting. Records sent in one call order are delivered in that order
 * (idempotence off, max.in.flight 1, acks=all as Java's settings for these logs).
 * @returns 0, KC_ESTATE (not started, or stopping), KC_ENOSPC (producer queue full), KC_EIO.
 */
int kc_klog_send(kc_klog_t *l, const void *key, size_t klen, const void *val, size_t vlen, kc_store_done_cb cb, void *arg);

/** Number of partitions read (known once start succeeded; -1 before). */
int32_t kc_klog_partitions(const kc_klog_t *l);

/** The topic name (borrowed, valid until destroy). */
const char *kc_klog_topic(const kc_klog_t *l);
/**
 * Logs, at ERROR under @p logger, why record @p m of @p l is skipped, naming its topic, partition
 * and offset (KafkaBasedLog readers skip what they cannot parse and go on). printf-style @p fmt.
 */
void kc_klog_skip(const kc_klog_t *l, const rd_kafka_message_t *m, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/**
 * Stops: waits up to 10 s for pending sends (their cbs then get KC_ETIMEDOUT), fails pending
 * read-to-end requests (and a running start) with KC_ESTATE, closes the clients off the loop,
 * then @p cb (may be NULL) once. Calling it twice is allowed; on a log never started (or already
 * stopped) @p cb runs before it returns. Not from inside record_cb.
 */
void kc_klog_stop(kc_klog_t *l, void (*cb)(void *arg), void *arg);

/** Frees the log: after kc_klog_stop()'s cb, or when kc_klog_start() was never called. */
void kc_klog_destroy(kc_klog_t *l);

/** "config.storage.topic" / "offset.storage.topic" / "status.storage.topic" for a role. */
const char *kc_klog_topic_key(const char *role);

#endif
