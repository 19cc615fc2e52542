/*
 * DESIGN: the sampled stats behind Connect's metrics (see metrics.h) and the
 * bookkeeping hooks the worker, the tasks and the distributed herder call.
 *
 * Kafka's SampledStat advances to a new sample when a record arrives after
 * the current one is a window old; here the worker's one-second tick closes
 * it instead, so the runners never read a clock for a counter. Everything
 * else follows Kafka: up to metrics.num.samples closed samples plus the
 * current one are kept, a sample whose last event is num.samples windows old
 * counts as empty (purgeObsoleteSamples), Avg and Max are NaN without events,
 * and Rate divides the windowed sum by Rate.windowSize().
 */
#include <ctype.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config/props.h"
#include "metrics/metrics.h"
#include "worker/connect_protocol.h"
#include "worker/worker.h"

#define TICK_MS 1000

/* ---- sampled stats ---- */

void kc_mstat_init(kc_mstat_t *s, kc_msample_t *ring, int nsamples, int64_t now) {
  memset(s, 0, sizeof *s);
  s->max = -INFINITY;
  s->start_ms = s->last_ms = now;
  s->ring = ring;
  for (int i = 0; ring && i < nsamples; i++) ring[i].start_ms = -1; /* unused */
}

void kc_mstat_roll(kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now) {
  if (s->n != s->n_tick) {
    s->last_ms = now; /* events came during the last tick */
    s->n_tick = s->n;
  }
  if (now - s->start_ms < window_ms) return;
  if (s->ring && nsamples > 0) {
    s->ring[s->next] = (kc_msample_t){s->sum, s->max, s->n, s->start_ms, s->last_ms};
    s->next = (s->next + 1) % nsamples;
  }
  s->sum = 0;
  s->max = -INFINITY;
  s->n = s->n_tick = 0;
  s->start_ms = s->last_ms = now;
}

/* The samples Kafka would combine at @p now: obsolete ones read as reset at @p now. */
typedef struct {
  double sum, max;
  uint64_t n;
  int64_t oldest_start;
} combined_t;

static void add_sample(combined_t *c, const kc_msample_t *x, int64_t expire, int64_t now) {
  if (now - x->last_ms >= expire) {
    if (now < c->oldest_start) c->oldest_start = now;
    return;
  }
  c->sum += x->sum;
  c->n += x->n;
  if (x->max > c->max) c->max = x->max;
  if (x->start_ms < c->oldest_start) c->oldest_start = x->start_ms;
}

static combined_t combine(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now) {
  combined_t c = {0, -INFINITY, 0, INT64_MAX};
  int64_t expire = (int64_t)nsamples * window_ms;
  kc_msample_t cur = {s->sum, s->max, s->n, s->start_ms, s->n != s->n_tick ? now : s->last_ms};
  add_sample(&c, &cur, expire, now);
  for (int i = 0; s->ring && i < nsamples; i++)
    if (s->ring[i].start_ms >= 0) add_sample(&c, &s->ring[i], expire, now);
  return c;
}

double kc_mstat_rate(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now) {
  combined_t c = combine(s, nsamples, window_ms, now);
  int64_t elapsed = now - c.oldest_start;
  int64_t full = window_ms > 0 ? elapsed / window_ms : 0; /* Java divides by zero (0 ms windows) */
  if (window_ms > 0 && full < nsamples - 1) elapsed += (nsamples - 1 - full) * window_ms;
  if (elapsed < 1) elapsed = 1;
  return c.sum / ((double)elapsed / 1000.0);
}

double kc_mstat_avg(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now) {
  combined_t c = combine(s, nsamples, window_ms, now);
  return c.n ? c.sum / (double)c.n : NAN;
}

double kc_mstat_max(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now) {
  combined_t c = combine(s, nsamples, window_ms, now);
  return c.n ? c.max : NAN;
}

double kc_mstat_share(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now, bool ok) {
  combined_t c = combine(s, nsamples, window_ms, now);
  return c.n ? (ok ? c.sum : (double)c.n - c.sum) / (double)c.n : 0.0;
}

double kc_metrics_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---- tasks ---- */

/* Every kc_mstat_t of a task, for init and the tick. */
static const size_t task_stats[] = {
    offsetof(kc_task_metrics_t, commit_time), offsetof(kc_task_metrics_t, commit_result),
    offsetof(kc_task_metrics_t, batch_size),  offsetof(kc_task_metrics_t, read),
    offsetof(kc_task_metrics_t, send),        offsetof(kc_task_metrics_t, put_time),
    offsetof(kc_task_metrics_t, commit_done), offsetof(kc_task_metrics_t, poll),
    offsetof(kc_task_metrics_t, write),       offsetof(kc_task_metrics_t, poll_time),
    offsetof(kc_task_metrics_t, active)};
#define NTASK_STATS (sizeof task_stats / sizeof task_stats[0])

static kc_mstat_t *task_stat(kc_task_metrics_t *m, size_t i) { return (kc_mstat_t *)((char *)m + task_stats[i]); }

int kc_metrics_task_init(kc_task_t *t) {
  kc_worker_metrics_t *wm = &t->wk->metrics;
  kc_msample_t *rings = calloc(NTASK_STATS * (size_t)wm->nsamples, sizeof *rings);
  int64_t now = kc_now_ms();
  memset(&t->m, 0, sizeof t->m);
  t->m.st.state = -1;
  for (size_t i = 0; i < NTASK_STATS; i++)
    kc_mstat_init(task_stat(&t->m, i), rings ? rings + i * (size_t)wm->nsamples : NULL, wm->nsamples, now);
  return rings ? 0 : KC_ENOMEM;
}

void kc_metrics_task_free(kc_task_t *t) {
  free(t->m.commit_time.ring); /* the first stat's ring is the block */
  t->m.commit_time.ring = NULL;
}

static void record_startup(kc_worker_metrics_t *wm, bool task, bool ok) {
  if (task) {
    wm->task_attempts++;
    if (ok) wm->task_ok++;
    else wm->task_failed++;
    kc_mstat_record(&wm->task_result, ok ? 1.0 : 0.0);
  } else {
    wm->conn_attempts++;
    if (ok) wm->conn_ok++;
    else wm->conn_failed++;
    kc_mstat_record(&wm->conn_result, ok ? 1.0 : 0.0);
  }
}

void kc_metrics_task_state(kc_task_t *t, int st) {
  kc_mstate_t *s = &t->m.st;
  if (s->state == st) return;
  int64_t now = kc_now_ms();
  if (s->state >= 0) s->total_ms[s->state] += now - s->since_ms;
  s->state = st;
  s->since_ms = now;
  /* WorkerMetricsGroup.TaskStatusListener: onStartup is a success; a failure before it, a failed start. */
  if (!t->m.startup_recorded && (st == KC_STATE_RUNNING || st == KC_STATE_PAUSED || st == KC_STATE_FAILED)) {
    t->m.startup_recorded = true;
    record_startup(&t->wk->metrics, true, st != KC_STATE_FAILED);
  }
}

void kc_metrics_connector_state(kc_worker_t *wk, int old_st, int st) {
  /* WorkerConnector.start(): onStartup from INIT only (a resume is onResume); a failure before it. */
  if (old_st != KC_STATE_UNASSIGNED && old_st != KC_STATE_RESTARTING) return;
  if (st == KC_STATE_RUNNING) record_startup(&wk->metrics, false, true);
  else if (st == KC_STATE_FAILED) record_startup(&wk->metrics, false, false);
}

void kc_metrics_record_failed(kc_task_t *t, bool tolerated, bool logged) {
  /* RetryWithToleranceOperator.execute: recordFailure, markAsFailed (the timestamp), then
   * recordSkipped when tolerated, and in its finally recordError; LogReporter recordErrorLogged. */
  t->m.failures++;
  t->m.errors++;
  if (tolerated) t->m.skipped++;
  if (logged) t->m.logged++;
  t->m.last_error_ms = kc_now_ms();
}

/* ---- worker ---- */

static void on_tick(uv_timer_t *h) {
  kc_worker_t *wk = h->data;
  kc_worker_metrics_t *wm = &wk->metrics;
  int64_t now = kc_now_ms();
  kc_mstat_roll(&wm->conn_result, wm->nsamples, wm->window_ms, now);
  kc_mstat_roll(&wm->task_result, wm->nsamples, wm->window_ms, now);
  kc_mstat_roll(&wm->rebalance_time, wm->nsamples, wm->window_ms, now);
  for (kc_task_t *t = wk->tasks; t; t = t->next)
    for (size_t i = 0; i < NTASK_STATS; i++) kc_mstat_roll(task_stat(&t->m, i), wm->nsamples, wm->window_ms, now);
}

int kc_metrics_worker_init(kc_worker_t *wk) {
  kc_worker_metrics_t *wm = &wk->metrics;
  int64_t v = 30000;
  kc_config_get_int(wk->wc->props, "metrics.sample.window.ms", &v);
  wm->window_ms = v;
  v = 2;
  kc_config_get_int(wk->wc->props, "metrics.num.samples", &v);
  wm->nsamples = (int)v;
  kc_msample_t *rings = calloc(3 * (size_t)wm->nsamples, sizeof *rings);
  int64_t now = kc_now_ms();
  kc_mstat_init(&wm->conn_result, rings, wm->nsamples, now);
  kc_mstat_init(&wm->task_result, rings ? rings + wm->nsamples : NULL, wm->nsamples, now);
  kc_mstat_init(&wm->rebalance_time, rings ? rings + 2 * wm->nsamples : NULL, wm->nsamples, now);
  /* the windows close even without rings (then only the current sample counts) */
  uv_timer_init(wk->loop, &wm->timer);
  wm->timer.data = wk;
  uv_timer_start(&wm->timer, on_tick, TICK_MS, TICK_MS);
  uv_unref((uv_handle_t *)&wm->timer);
  wm->timer_on = true;
  return rings ? 0 : KC_ENOMEM;
}

void kc_metrics_worker_close(kc_worker_t *wk, uv_close_cb cb) {
  kc_worker_metrics_t *wm = &wk->metrics;
  if (!wm->timer_on) return;
  wm->timer_on = false;
  uv_timer_stop(&wm->timer);
  uv_close((uv_handle_t *)&wm->timer, cb);
}

void kc_metrics_worker_free(kc_worker_t *wk) {
  free(wk->metrics.conn_result.ring); /* the block of all three */
  wk->metrics.conn_result.ring = NULL;
}

void kc_metrics_distributed(kc_worker_t *wk, const char *connect_protocol) {
  kc_worker_metrics_t *wm = &wk->metrics;
  wm->distributed = true;
  wm->epoch = 0; /* DistributedHerder.generation before the first assignment */
  size_t i = 0;
  for (; connect_protocol[i] && i + 1 < sizeof wm->protocol; i++)
    wm->protocol[i] = (char)toupper((unsigned char)connect_protocol[i]);
  wm->protocol[i] = '\0';
}

void kc_metrics_coordinator(kc_worker_t *wk, const char *client_id) {
  snprintf(wk->metrics.client_id, sizeof wk->metrics.client_id, "%s", client_id);
}

void kc_metrics_assigned(kc_worker_t *wk, const kc_cp_assignment_t *a) {
  int64_t nconn = 0, ntask = 0;
  for (int i = 0; i < a->nassigned; i++)
    for (int k = 0; k < a->assigned[i].ntasks; k++) {
      if (a->assigned[i].tasks[k] < 0) nconn++; /* -1: the Connector itself */
      else ntask++;
    }
  wk->metrics.assigned_connectors = nconn;
  wk->metrics.assigned_tasks = ntask;
}

void kc_metrics_rebalance_started(kc_worker_t *wk, int32_t generation, const char *leader_url, const char *protocol) {
  kc_worker_metrics_t *wm = &wk->metrics;
  wm->distributed = true;
  wm->epoch = generation;
  snprintf(wm->leader, sizeof wm->leader, "%s", leader_url ? leader_url : "");
  /* ConnectProtocolCompatibility names */
  const char *p = !strcmp(protocol, "default") ? "EAGER" : !strcmp(protocol, "compatible") ? "COMPATIBLE" : "SESSIONED";
  snprintf(wm->protocol, sizeof wm->protocol, "%s", p);
  wm->rebalancing = true;
  wm->rebalance_started_ms = kc_now_ms();
}

void kc_metrics_rebalance_done(kc_worker_t *wk) {
  kc_worker_metrics_t *wm = &wk->metrics;
  int64_t now = kc_now_ms();
  int64_t d = now - wm->rebalance_started_ms;
  wm->rebalancing = false;
  wm->rebalances++;
  kc_mstat_record(&wm->rebalance_time, (double)(d > 0 ? d : 0));
  wm->last_rebalance_ms = now;
}
