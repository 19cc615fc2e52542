#include "kafka/kqueue.h"

#include <errno.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kconnect/connector.h"

/* librdkafka write()s exactly this many bytes: an eventfd needs 8 (K3). */
static const uint64_t one = 1;

static void fire(kc_kqueue_t *kq) {
  if (!kq->held && kq->ready) kq->ready(kq);
}

static void on_fd(uv_poll_t *h, int status, int events) {
  kc_kqueue_t *kq = h->data;
  uint64_t v;
  /* Reset first: a wake-up written while we drain must not be swallowed (K1b). */
  while (read(kq->efd, &v, sizeof v) == (ssize_t)sizeof v) {
  }
  fire(kq);
}

static void on_cont(uv_idle_t *h) {
  kc_kqueue_t *kq = h->data;
  uv_idle_stop(h);
  fire(kq);
}

int kc_kqueue_init(uv_loop_t *loop, kc_kqueue_t *kq, rd_kafka_queue_t *q, kc_kqueue_ready_cb ready,
                   void *data) {
  kq->q = q;
  kq->ready = ready;
  kq->data = data;
  kq->held = false;
  kq->pending_closes = 0;
  kq->close_cb = NULL;
  kq->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (kq->efd < 0) return KC_EIO;
  uv_poll_init(loop, &kq->poll, kq->efd);
  kq->poll.data = kq;
  uv_idle_init(loop, &kq->cont);
  kq->cont.data = kq;
  rd_kafka_queue_io_event_enable(q, kq->efd, &one, sizeof one);
  uv_poll_start(&kq->poll, UV_READABLE, on_fd);
  /* Events queued before enabling never signal (K2): drain once. */
  uv_idle_start(&kq->cont, on_cont);
  return 0;
}

int kc_kqueue_retarget(kc_kqueue_t *kq, rd_kafka_queue_t *q) {
  rd_kafka_queue_io_event_enable(kq->q, -1, NULL, 0);
  kq->q = q;
  rd_kafka_queue_io_event_enable(q, kq->efd, &one, sizeof one);
  uv_idle_start(&kq->cont, on_cont);
  return 0;
}

void kc_kqueue_continue(kc_kqueue_t *kq) {
  if (!uv_is_closing((uv_handle_t *)&kq->cont)) uv_idle_start(&kq->cont, on_cont);
}

void kc_kqueue_hold(kc_kqueue_t *kq) {
  kq->held = true;
  uv_idle_stop(&kq->cont);
}

void kc_kqueue_release(kc_kqueue_t *kq) {
  kq->held = false;
  kc_kqueue_continue(kq);
}

static void on_closed(uv_handle_t *h) {
  kc_kqueue_t *kq = h->data;
  if (--kq->pending_closes == 0) {
    close(kq->efd);
    kq->efd = -1;
    if (kq->close_cb) kq->close_cb(kq);
  }
}

void kc_kqueue_close(kc_kqueue_t *kq, kc_kqueue_close_cb cb) {
  if (kq->q) rd_kafka_queue_io_event_enable(kq->q, -1, NULL, 0);
  kq->close_cb = cb;
  kq->ready = NULL;
  kq->pending_closes = 2;
  uv_poll_stop(&kq->poll);
  uv_close((uv_handle_t *)&kq->poll, on_closed);
  uv_idle_stop(&kq->cont);
  uv_close((uv_handle_t *)&kq->cont, on_closed);
}
