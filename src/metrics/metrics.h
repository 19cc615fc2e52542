/*
 * Connect's metrics (ConnectMetricsRegistry) as plain counters the runners
 * bump, rendered by GET /metrics in the Prometheus text format under the
 * names Strimzi's JMX exporter rules give them (render.c).
 *
 * The hot path only adds to fields of a kc_mstat_t's current sample (no
 * lock, no allocation: the loop is single-threaded; the clock is read only
 * for put()/poll()/commit durations, once per batch). A one-second worker
 * timer (metrics.c) closes samples every metrics.sample.window.ms and keeps
 * metrics.num.samples of them, so rates, averages and maxima follow Kafka's
 * SampledStat (Rate, Avg, Max, Frequencies): samples whose last event is
 * older than num.samples x window are ignored, and a rate divides by the
 * time since the oldest kept sample began, at least (num.samples - 1)
 * windows. The tick runs every second, so sample boundaries and "last
 * event" times are known to the second, not to the millisecond.
 */
#ifndef KC_METRICS_METRICS_H
#define KC_METRICS_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

typedef struct kc_msample_s {
  double sum, max;
  uint64_t n;
  int64_t start_ms, last_ms;
} kc_msample_t;

/* One sensor: a CumulativeSum (total) plus a windowed sample ring. */
typedef struct kc_mstat_s {
  /* bumped by kc_mstat_record() */
  double sum, max, total;
  uint64_t n;
  /* the roller's */
  uint64_t n_tick;           /* n at the previous tick: did events come since? */
  int64_t start_ms, last_ms; /* of the current sample */
  kc_msample_t *ring;        /* metrics.num.samples closed samples (start_ms < 0: unused); NULL: none */
  int next;                  /* ring slot the next closed sample goes to */
} kc_mstat_t;

static inline void kc_mstat_record(kc_mstat_t *s, double v) {
  s->sum += v;
  s->total += v;
  s->n++;
  if (v > s->max) s->max = v;
}

/* Kafka's StateTracker: time spent per state, for running-ratio / pause-ratio. */
typedef struct kc_mstate_s {
  int state;                 /* kc_state_t; -1 before the first change */
  int64_t since_ms;
  int64_t total_ms[8];       /* per kc_state_t */
} kc_mstate_t;

/* One task's groups: connector-task-metrics, sink-task-metrics or source-task-metrics,
 * task-error-metrics. Embedded in kc_task_t. */
typedef struct kc_task_metrics_s {
  kc_mstate_t st;
  bool startup_recorded;     /* a startup success or failure was counted */
  kc_mstat_t commit_time;    /* offset-commit-{max,avg}-time-ms (successful commits) */
  kc_mstat_t commit_result;  /* offset-commit-{success,failure}-percentage: 1 ok, 0 failed */
  kc_mstat_t batch_size;     /* batch-size-{max,avg} */
  /* sink */
  kc_mstat_t read;           /* sink-record-read-{rate,total} */
  kc_mstat_t send;           /* sink-record-send-{rate,total} */
  kc_mstat_t put_time;       /* put-batch-{max,avg}-time-ms */
  kc_mstat_t commit_done;    /* offset-commit-completion-{rate,total} */
  int64_t partition_count;   /* partition-count */
  int64_t commit_seq;        /* offset-commit-seq-no */
  /* source */
  kc_mstat_t poll;           /* source-record-poll-{rate,total} */
  kc_mstat_t write;          /* source-record-write-{rate,total} */
  kc_mstat_t poll_time;      /* poll-batch-{max,avg}-time-ms */
  kc_mstat_t active;         /* source-record-active-count-{max,avg} */
  int64_t active_count;      /* source-record-active-count */
  /* task-error-metrics */
  uint64_t failures, errors, skipped, logged, dlq_requests, dlq_failures;
  int64_t last_error_ms;     /* last-error-timestamp; 0: none */
} kc_task_metrics_t;

/* connect-worker-metrics and connect-worker-rebalance-metrics. Embedded in kc_worker_t. */
typedef struct kc_worker_metrics_s {
  int64_t window_ms;         /* metrics.sample.window.ms */
  int nsamples;              /* metrics.num.samples */
  uv_timer_t timer;          /* kc_metrics_tick, every second */
  bool timer_on;
  uint64_t conn_attempts, conn_ok, conn_failed, task_attempts, task_ok, task_failed;
  kc_mstat_t conn_result, task_result; /* startup {success,failure}-percentage */
  /* rebalance (distributed only) */
  bool distributed;
  char protocol[16];         /* connect-protocol as Connect names it: EAGER, COMPATIBLE, SESSIONED */
  char leader[512];          /* leader-name: the leader's URL */
  int64_t epoch;
  bool rebalancing;
  int64_t rebalance_started_ms, last_rebalance_ms; /* last: 0 none */
  uint64_t rebalances;
  kc_mstat_t rebalance_time;
  /* connect-coordinator-metrics (WorkerCoordinator), tagged with the group member's client id */
  char client_id[320];
  int64_t assigned_connectors, assigned_tasks;
} kc_worker_metrics_t;

struct kc_worker_s;
struct kc_task_s;
struct kc_cp_assignment_s;
struct kc_buf_s;

/** Starts the worker's metrics (window settings from its config, the roll timer). @returns 0 or KC_ENOMEM. */
int kc_metrics_worker_init(struct kc_worker_s *wk);
/** Closes the timer (with the worker's other handles); @p cb after it closed. */
void kc_metrics_worker_close(struct kc_worker_s *wk, uv_close_cb cb);
void kc_metrics_worker_free(struct kc_worker_s *wk);
/** Allocates a task's sample rings. @returns 0 or KC_ENOMEM. */
int kc_metrics_task_init(struct kc_task_s *t);
void kc_metrics_task_free(struct kc_task_s *t);
/** A task's state change (kc_state_t): StateTracker time, task startup attempts. */
void kc_metrics_task_state(struct kc_task_s *t, int st);
/** A connector instance's state change from @p old_st to @p st: connector startup attempts. */
void kc_metrics_connector_state(struct kc_worker_s *wk, int old_st, int st);
/** A record processing failure (RetryWithToleranceOperator): @p tolerated skips it. */
void kc_metrics_record_failed(struct kc_task_s *t, bool tolerated, bool logged);
/** Rebalance bookkeeping (DistributedHerder.HerderMetrics); @p connect_protocol as configured. */
void kc_metrics_distributed(struct kc_worker_s *wk, const char *connect_protocol);
/** The group member's client id (the coordinator metrics' client-id tag). */
void kc_metrics_coordinator(struct kc_worker_s *wk, const char *client_id);
/** The member's whole assignment once joined (assigned-connectors, assigned-tasks). */
void kc_metrics_assigned(struct kc_worker_s *wk, const struct kc_cp_assignment_s *a);
/** @p protocol: the group protocol chosen ("default", "compatible", "sessioned"). */
void kc_metrics_rebalance_started(struct kc_worker_s *wk, int32_t generation, const char *leader_url,
                                  const char *protocol);
void kc_metrics_rebalance_done(struct kc_worker_s *wk);
/** Monotonic milliseconds with sub-ms precision (durations of put()/poll()). */
double kc_metrics_now_ms(void);

/* stats (metrics.c), for render.c and the unit test */
void kc_mstat_init(kc_mstat_t *s, kc_msample_t *ring, int nsamples, int64_t now);
void kc_mstat_roll(kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now);
double kc_mstat_rate(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now);
double kc_mstat_avg(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now);
double kc_mstat_max(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now);
/** Frequencies.forBooleanValues: the share of records of 1.0 (@p ok) or 0.0 (!ok); 0 when none. */
double kc_mstat_share(const kc_mstat_t *s, int nsamples, int64_t window_ms, int64_t now, bool ok);

/** The exposition (text format 0.0.4) of @p wk's metrics into @p out. @returns 0 or KC_ENOMEM. */
int kc_metrics_render(struct kc_worker_s *wk, struct kc_buf_s *out);

#define KC_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

#endif
