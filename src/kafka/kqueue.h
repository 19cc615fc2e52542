/*
 * A librdkafka queue wired into the uv loop (loop-integration.md K1-K4, K8):
 * the queue writes an eventfd when it goes from empty to non-empty; we watch
 * the fd, reset it BEFORE draining, and the owner drains with a budget. When
 * the budget runs out the owner calls kc_kqueue_continue(), because no new fd
 * event will come for a queue that never became empty.
 */
#ifndef KC_KAFKA_KQUEUE_H
#define KC_KAFKA_KQUEUE_H

#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <uv.h>

typedef struct kc_kqueue_s kc_kqueue_t;
typedef void (*kc_kqueue_ready_cb)(kc_kqueue_t *kq);
typedef void (*kc_kqueue_close_cb)(kc_kqueue_t *kq);

struct kc_kqueue_s {
  rd_kafka_queue_t *q;     /* borrowed; the owner destroys it after close */
  int efd;
  uv_poll_t poll;
  uv_idle_t cont;          /* continuation after a budget-limited drain */
  kc_kqueue_ready_cb ready;
  kc_kqueue_close_cb close_cb;
  void *data;              /* owner */
  int pending_closes;
  bool held;               /* owner asked for no drains (back-pressure) */
};

/** Starts watching @p q; @p ready runs on the loop whenever the queue may hold events. @returns 0 or KC_E*. */
int kc_kqueue_init(uv_loop_t *loop, kc_kqueue_t *kq, rd_kafka_queue_t *q, kc_kqueue_ready_cb ready,
                   void *data);
/** Re-point the bridge at another queue (consumer close queue). */
int kc_kqueue_retarget(kc_kqueue_t *kq, rd_kafka_queue_t *q);
/** Schedules another ready() soon (budget exhausted, or back-pressure lifted). */
void kc_kqueue_continue(kc_kqueue_t *kq);
/** Suppresses ready() calls until kc_kqueue_release() (fd events still reset the fd). */
void kc_kqueue_hold(kc_kqueue_t *kq);
void kc_kqueue_release(kc_kqueue_t *kq);
/** Disables io events and closes the handles; @p cb runs once both are closed. */
void kc_kqueue_close(kc_kqueue_t *kq, kc_kqueue_close_cb cb);

#endif
