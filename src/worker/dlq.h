/*
 * The dead letter queue of a sink task (DeadLetterQueueReporter, connect-runtime errors/):
 * records that failed before put() are written, as consumed (key, value, headers, timestamp),
 * to errors.deadletterqueue.topic.name, with Connect's __connect.errors.* context headers when
 * errors.deadletterqueue.context.headers.enable=true. The topic is created with one partition
 * and errors.deadletterqueue.topic.replication.factor when missing. One producer per task,
 * driven by the loop (delivery reports on a watched queue); nothing blocks.
 *
 * Durability: the sink never commits an offset past a record whose DLQ write is not yet
 * acknowledged (kc_dlq_pending_min), so a crash re-reads and re-reports it. A DLQ write that
 * fails fails the task (Connect logs it and loses the record).
 */
#ifndef KC_WORKER_DLQ_H
#define KC_WORKER_DLQ_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>

typedef struct kc_task_s kc_task_t;
typedef struct kc_dlq_s kc_dlq_t;

/**
 * Starts the DLQ of @p task when its connector sets errors.deadletterqueue.topic.name (*out
 * NULL otherwise). @p ready runs once the topic exists (created or found); @p acked whenever a
 * DLQ write is acknowledged (offsets may move on); @p failed with a message when a write or the
 * topic creation fails. @returns 0 or KC_E* with @p errstr.
 */
int kc_dlq_start(kc_task_t *task, void (*ready)(void *), void (*acked)(void *),
                 void (*failed)(void *, const char *), void *arg, kc_dlq_t **out, char *errstr,
                 size_t errstr_size);
/** True once the topic exists: reports may be sent. */
bool kc_dlq_ready(const kc_dlq_t *d);
/**
 * Writes @p orig (the consumed message) to the DLQ with the error context: Connect's stage name,
 * the executing class, the exception class and message. @returns 0 or KC_E* (not sent).
 */
int kc_dlq_report(kc_dlq_t *d, const rd_kafka_message_t *orig, const char *stage,
                  const char *executing_class, const char *exception, const char *message);
/** The lowest original offset of @p topic/@p partition whose DLQ write is unacknowledged; -1 if none. */
int64_t kc_dlq_pending_min(const kc_dlq_t *d, const char *topic, int32_t partition);
/** Writes not yet acknowledged. */
size_t kc_dlq_inflight(const kc_dlq_t *d);
/** Closes the DLQ (its producer is destroyed off the loop); @p done runs once, later. */
void kc_dlq_close(kc_dlq_t *d, void (*done)(void *), void *arg);

#endif
