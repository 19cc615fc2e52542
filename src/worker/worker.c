/*
 * The worker: offset store, the offset flush timer for source tasks, and a
 * worker-level Kafka client used for the cluster id (GET /) and connectivity.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <libgen.h>

#include "config/kafka_conf.h"
#include "config/props.h"
#include "kafka/group_offsets.h"
#include "http/http.h"
#include "util/log.h"
#include "worker/worker.h"

int64_t kc_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- source offsets (6.8: one flush for all tasks every offset.flush.interval.ms) ---- */

static void on_offsets_flushed(void *arg, int status) {
  kc_worker_t *wk = arg;
  wk->offset_flush_inflight = false;
  if (status)
    kc_log_error("kc.worker", "offset flush to %s failed: %s; offsets kept for the next try",
                 wk->wc->offset_storage_file ? wk->wc->offset_storage_file : "memory",
                 kc_strerror(status));
  for (kc_task_t *t = wk->tasks; t; t = t->next)
    if (t->source && t->runner_active) kc_source_runner_offsets_flushed(t, status);
  if (wk->offset_flush_again) {
    wk->offset_flush_again = false;
    kc_worker_flush_offsets(wk);
  }
}

void kc_worker_topic_used(kc_task_t *task, const char *topic) {
  kc_worker_t *wk = task->wk;
  if (wk && wk->topic_cb) wk->topic_cb(wk->status_arg, task, topic);
}

void kc_worker_set_offset_store(kc_worker_t *wk, kc_offset_store_t *st) {
  if (wk->offsets) kc_offset_store_close(wk->offsets);
  wk->offsets = st;
}

void kc_worker_flush_offsets(kc_worker_t *wk) {
  if (wk->offset_flush_inflight) {
    wk->offset_flush_again = true;
    return;
  }
  int staged = 0;
  for (kc_task_t *t = wk->tasks; t; t = t->next)
    if (t->source && t->runner_active) staged += kc_source_runner_stage_offsets(t);
  if (!staged) return;
  if (kc_offset_store_flush(wk->offsets, on_offsets_flushed, wk) == 0) wk->offset_flush_inflight = true;
}

static void on_offset_timer(uv_timer_t *t) { kc_worker_flush_offsets(t->data); }

/* ---- worker-level client ---- */

/*
 * Sink connector offsets (GET /connectors/{c}/offsets). Concurrent requests for
 * one group share one threadpool read, so a burst of GETs costs one consumer
 * handle and one threadpool thread, not one each (the threadpool also carries
 * the sinks' file writes).
 */
typedef struct offsets_waiter_s {
  kc_group_offsets_cb cb;
  void *arg;
  struct offsets_waiter_s *next;
} offsets_waiter_t;

struct kc_offsets_read_s {
  kc_worker_t *wk;
  char *group;
  offsets_waiter_t *waiters;
  struct kc_offsets_read_s *next;
};

#define GROUP_OFFSETS_TIMEOUT_MS 10000

static void on_group_offsets(void *arg, const char *errmsg,
                             const rd_kafka_topic_partition_list_t *offs) {
  struct kc_offsets_read_s *rd = arg;
  struct kc_offsets_read_s **pp = &rd->wk->offset_reads;
  while (*pp != rd) pp = &(*pp)->next;
  *pp = rd->next;
  for (offsets_waiter_t *w = rd->waiters, *nx; w; w = nx) {
    nx = w->next;
    w->cb(w->arg, errmsg, offs);
    free(w);
  }
  free(rd->group);
  free(rd);
}

int kc_worker_group_offsets(kc_worker_t *wk, const kc_config_t *conn_config, const char *group,
                            kc_group_offsets_cb cb, void *arg, char *errstr, size_t n) {
  offsets_waiter_t *w = calloc(1, sizeof *w);
  if (!w) return KC_ENOMEM;
  w->cb = cb;
  w->arg = arg;
  for (struct kc_offsets_read_s *rd = wk->offset_reads; rd; rd = rd->next)
    if (strcmp(rd->group, group) == 0) {
      w->next = rd->waiters;
      rd->waiters = w;
      return 0;
    }
  struct kc_offsets_read_s *rd = calloc(1, sizeof *rd);
  char *g = strdup(group);
  kc_config_t *ovr = kc_config_with_prefix(conn_config, "consumer.override.");
  rd_kafka_conf_t *conf = NULL;
  int rc = (!rd || !g || !ovr) ? KC_ENOMEM
                               : kc_kafka_conf_build(wk->wc->props, KC_KAFKA_CONSUMER, ovr, &conf,
                                                     errstr, n);
  kc_config_destroy(ovr);
  if (!rc) {
    rd->wk = wk;
    rd->group = g;
    rd->waiters = w;
    char **topics = NULL;
    int nt = kc_config_get_list(conn_config, "topics", &topics);
    rc = nt == KC_ENOMEM ? KC_ENOMEM
                         : kc_group_offsets_read(wk->loop, conf, group, topics,
                                                 kc_config_get(conn_config, "topics.regex"),
                                                 GROUP_OFFSETS_TIMEOUT_MS, on_group_offsets, rd);
    if (nt == KC_ENOMEM) rd_kafka_conf_destroy(conf);
    if (rc) snprintf(errstr, n, "cannot read the consumer group's offsets (error %d)", rc);
  }
  if (rc) {
    free(g);
    free(rd);
    free(w);
    return rc;
  }
  rd->next = wk->offset_reads;
  wk->offset_reads = rd;
  return 0;
}

static void on_admin_events(kc_kqueue_t *kq) {
  kc_worker_t *wk = kq->data;
  rd_kafka_event_t *ev;
  int budget = 1000;
  while (budget-- > 0 && (ev = rd_kafka_queue_poll(kq->q, 0))) {
    if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_ERROR)
      kc_log_warn("kc.worker", "kafka: %s", rd_kafka_event_error_string(ev));
    else if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_LOG) {
      const char *fac, *str;
      int level;
      rd_kafka_event_log(ev, &fac, &str, &level);
      kc_log(level <= 3 ? KC_LOG_ERROR : level <= 4 ? KC_LOG_WARN : KC_LOG_DEBUG, "librdkafka",
             "%s: %s", fac, str);
    }
    rd_kafka_event_destroy(ev);
  }
  if (budget <= 0) kc_kqueue_continue(kq);
  (void)wk;
}

typedef struct kc_cluster_waiter_s {
  void (*cb)(void *arg, const char *cluster_id);
  void *arg;
  int64_t deadline_ms;
  struct kc_cluster_waiter_s *next;
} cluster_waiter_t;

/* Answers waiters whose id arrived or whose deadline passed (all of them when @p all). */
static void answer_waiters(kc_worker_t *wk, bool all) {
  int64_t now = kc_now_ms();
  cluster_waiter_t **pp = &wk->cluster_waiters;
  while (*pp) {
    cluster_waiter_t *w = *pp;
    if (wk->cluster_id || all || now >= w->deadline_ms) {
      *pp = w->next;
      w->cb(w->arg, wk->cluster_id);
      free(w);
    } else {
      pp = &w->next;
    }
  }
}

void kc_worker_when_cluster_id(kc_worker_t *wk, uint64_t timeout_ms,
                               void (*cb)(void *arg, const char *cluster_id), void *arg) {
  cluster_waiter_t *w = wk->cluster_id || wk->shutting_down ? NULL : calloc(1, sizeof *w);
  if (!w) {
    cb(arg, wk->cluster_id);
    return;
  }
  w->cb = cb;
  w->arg = arg;
  w->deadline_ms = kc_now_ms() + (int64_t)timeout_ms;
  w->next = wk->cluster_waiters;
  wk->cluster_waiters = w;
}

/* librdkafka signals no event when its first Metadata response (which carries the cluster id)
 * arrives, so the id is polled: every millisecond while a local broker would answer (GET / waits
 * for the id, and start-up is measured until GET / answers), then at a slower pace. */
#define CLUSTER_POLL_FAST_MS 1
#define CLUSTER_POLL_FAST_FOR_MS 500
#define CLUSTER_POLL_SLOW_MS 50

static void on_cluster_timer(uv_timer_t *t) {
  kc_worker_t *wk = t->data;
  /* timeout 0: the cached id, never a blocking metadata request (K12). */
  char *id = rd_kafka_clusterid(wk->admin_rk, 0);
  if (id) {
    wk->cluster_id = strdup(id);
    rd_kafka_mem_free(wk->admin_rk, id);
    kc_log_info("kc.worker", "Kafka cluster ID: %s", wk->cluster_id);
    uv_timer_stop(t);
  } else if (uv_timer_get_repeat(t) == CLUSTER_POLL_FAST_MS &&
             kc_now_ms() - wk->started_ms > CLUSTER_POLL_FAST_FOR_MS) {
    uv_timer_set_repeat(t, CLUSTER_POLL_SLOW_MS);
  }
  answer_waiters(wk, false);
}

kc_worker_t *kc_worker_create(uv_loop_t *loop, kc_worker_config_t *wc, char *errstr, size_t n) {
  kc_worker_t *wk = calloc(1, sizeof *wk);
  if (!wk) return NULL;
  wk->loop = loop;
  wk->wc = wc;
  wk->started_ms = kc_now_ms();
  snprintf(wk->worker_id, sizeof wk->worker_id, "%s:%d", wc->advertised_host, wc->advertised_port);
  const char *sd = kc_config_get(wc->props, "kconnect.state.dir");
  if (sd && *sd) {
    wk->state_dir = strdup(sd);
  } else if (wc->offset_storage_file) {
    char *copy = strdup(wc->offset_storage_file);
    wk->state_dir = strdup(dirname(copy));
    free(copy);
  } else {
    wk->state_dir = strdup(".");
  }
  wk->offsets = wc->offset_storage_file
                    ? kc_offset_store_file_open(loop, wc->offset_storage_file, errstr, n)
                    : kc_offset_store_memory_open(loop);
  if (!wk->offsets) {
    free(wk);
    return NULL;
  }
  rd_kafka_conf_t *conf = NULL;
  if (kc_kafka_conf_build(wc->props, KC_KAFKA_ADMIN, NULL, &conf, errstr, n)) {
    kc_offset_store_close(wk->offsets);
    free(wk);
    return NULL;
  }
  char es[512];
  rd_kafka_conf_set(conf, "log.queue", "true", es, sizeof es);
  rd_kafka_conf_set(conf, "client.id", "connect-worker", es, sizeof es);
  rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG);
  wk->admin_rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, es, sizeof es);
  if (!wk->admin_rk) {
    snprintf(errstr, n, "cannot create a Kafka client: %s", es);
    rd_kafka_conf_destroy(conf);
    kc_offset_store_close(wk->offsets);
    free(wk);
    return NULL;
  }
  rd_kafka_set_log_queue(wk->admin_rk, NULL);
  kc_kqueue_init(loop, &wk->admin_kq, rd_kafka_queue_get_main(wk->admin_rk), on_admin_events, wk);
  /* Ask for metadata once so the cluster id gets cached; non-blocking. */
  uv_timer_init(loop, &wk->cluster_timer);
  wk->cluster_timer.data = wk;
  uv_timer_start(&wk->cluster_timer, on_cluster_timer, 0, CLUSTER_POLL_FAST_MS);
  uv_timer_init(loop, &wk->offset_timer);
  wk->offset_timer.data = wk;
  uint64_t every = (uint64_t)wc->offset_flush_interval_ms;
  uv_timer_start(&wk->offset_timer, on_offset_timer, every, every);
  if (kc_metrics_worker_init(wk)) kc_log_warn("kc.worker", "no memory for the metrics' sample windows");
  return wk;
}

/* ---- shutdown ---- */

typedef struct {
  kc_worker_t *wk;
  void (*cb)(void *);
  void *arg;
  int pending;
  uv_work_t work;
} shutdown_t;

static void shutdown_step(shutdown_t *s) {
  if (--s->pending > 0) return;
  void (*cb)(void *) = s->cb;
  void *arg = s->arg;
  free(s);
  cb(arg);
}
static void on_closed(uv_handle_t *h) { shutdown_step(h->data); }
static void on_http_closed(void *arg) { shutdown_step(arg); }
static void on_kq_closed(kc_kqueue_t *kq) { shutdown_step(kq->data); }
static void destroy_work(uv_work_t *w) { rd_kafka_destroy(((shutdown_t *)w->data)->wk->admin_rk); }
static void destroy_after(uv_work_t *w, int status) { shutdown_step(w->data); }

static void on_store_stopped(void *arg) { shutdown_step(arg); }

/* The Kafka offset store's log (distributed) closes its clients after the last flush. */
static void on_last_flush(void *arg, int status) {
  shutdown_t *s = arg;
  if (status) kc_log_error("kc.worker", "final offset flush failed: %s", kc_strerror(status));
  kc_offset_store_stop(s->wk->offsets, on_store_stopped, s);
}

void kc_worker_shutdown(kc_worker_t *wk, void (*cb)(void *), void *arg) {
  shutdown_t *s = calloc(1, sizeof *s);
  s->wk = wk;
  s->cb = cb;
  s->arg = arg;
  s->pending = 5;
  wk->shutting_down = true;
  if (wk->http) {
    /* Tasks are gone; close curl's multi handle while the loop still runs (C4). */
    s->pending++;
    kc_http_close(wk->http, on_http_closed, s);
    wk->http = NULL;
  }
  answer_waiters(wk, true);
  if (wk->metrics.timer_on) {
    s->pending++;
    wk->metrics.timer.data = s;
    kc_metrics_worker_close(wk, on_closed);
  }
  uv_timer_stop(&wk->offset_timer);
  wk->offset_timer.data = s;
  wk->cluster_timer.data = s;
  uv_close((uv_handle_t *)&wk->offset_timer, on_closed);
  uv_close((uv_handle_t *)&wk->cluster_timer, on_closed);
  rd_kafka_queue_t *q = wk->admin_kq.q;
  wk->admin_kq.data = s;
  kc_kqueue_close(&wk->admin_kq, on_kq_closed);
  rd_kafka_queue_destroy(q);
  s->work.data = s;
  uv_queue_work(wk->loop, &s->work, destroy_work, destroy_after);
  /* Tasks flushed their own offsets at stop; one last flush covers anything staged since. */
  if (kc_offset_store_flush(wk->offsets, on_last_flush, s) != 0) on_last_flush(s, 0);
}

void kc_worker_destroy(kc_worker_t *wk) {
  kc_offset_store_close(wk->offsets);
  free(wk->cluster_id);
  free(wk->state_dir);
  kc_metrics_worker_free(wk);
  free(wk);
}
