/*
 * Keeps a librdkafka 2.0.2 consumer fetching while the application drains its
 * queue (loop-integration.md K6).
 *
 * Once the consumer queue holds queued.max.messages.kbytes (or
 * queued.min.messages), every partition becomes "not fetchable" and the broker
 * threads sleep until something wakes them, up to rd_kafka_max_block_ms (1 s).
 * Draining the queue does not wake them, so a consumer slower than its fetcher
 * alternates bursts with ~1 s pauses. Every op enqueued on a broker thread
 * wakes it, and it then re-decides fetchability; the only asynchronous public
 * call in 2.0.2 that enqueues on every broker without side effects is the
 * ListConsumerGroups admin request (ListGroups to each broker). So once the
 * queue was seen at half a cap or more (messages queued x the average message
 * size seen, before a batch is taken) and is then below half of it, with a
 * quarter of the cap consumed since the last wake-up or the queue drained,
 * one such request goes out; at most one is in flight, and its result
 * re-checks. A consumer that keeps its queue low sends none. librdkafka >= 2.2 bounds the
 * pause itself with fetch.queue.backoff.ms.
 */
#ifndef KC_KAFKA_FETCH_WAKE_H
#define KC_KAFKA_FETCH_WAKE_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <stdint.h>

/** First librdkafka version with fetch.queue.backoff.ms (which makes wake-ups unneeded). */
#define KC_RDKAFKA_FETCH_QUEUE_BACKOFF 0x020200ff

typedef struct kc_fetch_wake_s {
  rd_kafka_t *rk;         /* borrowed consumer */
  rd_kafka_queue_t *resq; /* borrowed; its poller hands results to kc_fetch_wake_event() */
  int64_t cap_bytes, cap_msgs;   /* queued.max.messages.kbytes (in bytes), queued.min.messages */
  int64_t bytes, msgs;           /* consumed since the last wake-up */
  int64_t bytes_total, msgs_total; /* consumed in all, for the average message size */
  bool inflight;
  bool was_high;                 /* the queue held >= half a cap since the last wake-up */
  bool disabled;                 /* librdkafka >= 2.2: fetch.queue.backoff.ms does it */
  uint64_t sent;                 /* wake-ups sent */
} kc_fetch_wake_t;

/** Reads the caps from @p rk's configuration. @p resq receives the admin results. */
void kc_fetch_wake_init(kc_fetch_wake_t *fw, rd_kafka_t *rk, rd_kafka_queue_t *resq);

/**
 * Accounts @p msgs messages of @p bytes (payload + key) just consumed from a
 * consumer queue that held @p before events and now holds @p after
 * (rd_kafka_queue_length); may send a wake-up.
 */
void kc_fetch_wake_consumed(kc_fetch_wake_t *fw, int64_t msgs, int64_t bytes, size_t before,
                            size_t after);

/** Sends a wake-up if one is due for @p queued events left in the queue. */
void kc_fetch_wake_check(kc_fetch_wake_t *fw, size_t queued);

/** @returns true if @p ev was a wake-up's result (the caller destroys it, then re-checks). */
bool kc_fetch_wake_event(kc_fetch_wake_t *fw, rd_kafka_event_t *ev);

#endif
