/*
 * DESIGN: GET /metrics, Prometheus text exposition format 0.0.4.
 *
 * Names and labels are the ones Strimzi's JMX exporter rules
 * (examples/metrics/kafka-connect-metrics.yaml, lowercaseOutputName and
 * lowercaseOutputLabelNames) derive from Connect's MBeans, so dashboards
 * written for Strimzi (strimzi-kafka-connect.json) work unchanged:
 *   kafka.connect:type=<group>-metrics,connector=C,task=T  <attr>
 *     -> kafka_connect_<group>_<attr>{connector="C",task="T"}
 *     (counter for *-total, else gauge; '-' becomes '_')
 *   string attributes (status, connector-class, ...)
 *     -> kafka_connect_<group>_<attr>{...,<attr>="value"} 1
 *   connect-worker-metrics -> kafka_connect_worker_<attr>[{connector="C"}]
 *   connect-worker-rebalance-metrics -> kafka_connect_worker_rebalance_<attr>
 * Samples of one family are contiguous, as the format requires.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics/metrics.h"
#include "worker/worker.h"

typedef struct {
  kc_buf_t *out;
  kc_worker_t *wk;
  int64_t now;
  int rc;
} ctx_t;

static void put(ctx_t *c, const char *s) {
  if (!c->rc) c->rc = kc_buf_puts(c->out, s);
}

/* Label values: backslash, double quote and line feed escaped (text format 0.0.4). */
static void put_label(ctx_t *c, const char *s) {
  for (const char *p = s; *p && !c->rc; p++) {
    if (*p == '\\') put(c, "\\\\");
    else if (*p == '"') put(c, "\\\"");
    else if (*p == '\n') put(c, "\\n");
    else c->rc = kc_buf_append(c->out, p, 1);
  }
}

static void put_value(ctx_t *c, double v) {
  char num[40];
  if (isnan(v)) snprintf(num, sizeof num, " NaN\n");
  else if (isinf(v)) snprintf(num, sizeof num, " %sInf\n", v > 0 ? "+" : "-");
  else snprintf(num, sizeof num, " %.15g\n", v);
  put(c, num);
}

static void family(ctx_t *c, const char *name, const char *type, const char *help) {
  put(c, "# HELP ");
  put(c, name);
  put(c, " ");
  put(c, help);
  put(c, "\n# TYPE ");
  put(c, name);
  put(c, " ");
  put(c, type);
  put(c, "\n");
}

/* name{connector="..",task="..",<extra>=".."} value; @p task < 0: no task label. */
static void sample(ctx_t *c, const char *name, const char *connector, int task, const char *xname,
                   const char *xval, double v) {
  put(c, name);
  bool any = connector || xname;
  if (any) put(c, "{");
  if (connector) {
    put(c, "connector=\"");
    put_label(c, connector);
    put(c, "\"");
    if (task >= 0) {
      char t[24];
      snprintf(t, sizeof t, ",task=\"%d\"", task);
      put(c, t);
    }
  }
  if (xname) {
    if (connector) put(c, ",");
    put(c, xname);
    put(c, "=\"");
    put_label(c, xval);
    put(c, "\"");
  }
  if (any) put(c, "}");
  put_value(c, v);
}

static void lower(char *dst, size_t n, const char *s) {
  size_t i = 0;
  for (; s[i] && i + 1 < n; i++) dst[i] = (char)tolower((unsigned char)s[i]);
  dst[i] = '\0';
}

/* ---- task groups ---- */

typedef enum { K_ANY, K_SINK, K_SOURCE } kind_t;

typedef enum {
  T_RUNNING_RATIO, T_PAUSE_RATIO, T_COMMIT_MAX, T_COMMIT_AVG, T_BATCH_MAX, T_BATCH_AVG, T_COMMIT_OK_PCT,
  T_COMMIT_FAIL_PCT,
  S_READ_RATE, S_READ_TOTAL, S_SEND_RATE, S_SEND_TOTAL, S_PARTITIONS, S_SEQ, S_DONE_RATE, S_DONE_TOTAL, S_PUT_MAX,
  S_PUT_AVG,
  R_POLL_RATE, R_POLL_TOTAL, R_WRITE_RATE, R_WRITE_TOTAL, R_POLL_MAX, R_POLL_AVG, R_ACTIVE, R_ACTIVE_MAX,
  R_ACTIVE_AVG,
  E_FAILURES, E_ERRORS, E_SKIPPED, E_LOGGED, E_DLQ_REQ, E_DLQ_FAIL, E_LAST_TS
} task_metric_t;

typedef struct {
  task_metric_t id;
  kind_t kind;
  const char *name, *type, *help;
} task_family_t;

static const task_family_t task_families[] = {
    {T_RUNNING_RATIO, K_ANY, "kafka_connect_connector_task_running_ratio", "gauge",
     "The fraction of time this task has spent in the running state."},
    {T_PAUSE_RATIO, K_ANY, "kafka_connect_connector_task_pause_ratio", "gauge",
     "The fraction of time this task has spent in the pause state."},
    {T_COMMIT_MAX, K_ANY, "kafka_connect_connector_task_offset_commit_max_time_ms", "gauge",
     "The maximum time in milliseconds taken by this task to commit offsets."},
    {T_COMMIT_AVG, K_ANY, "kafka_connect_connector_task_offset_commit_avg_time_ms", "gauge",
     "The average time in milliseconds taken by this task to commit offsets."},
    {T_BATCH_MAX, K_ANY, "kafka_connect_connector_task_batch_size_max", "gauge",
     "The number of records in the largest batch the task has processed so far."},
    {T_BATCH_AVG, K_ANY, "kafka_connect_connector_task_batch_size_avg", "gauge",
     "The average number of records in the batches the task has processed so far."},
    {T_COMMIT_OK_PCT, K_ANY, "kafka_connect_connector_task_offset_commit_success_percentage", "gauge",
     "The average share of this task's offset commit attempts that succeeded."},
    {T_COMMIT_FAIL_PCT, K_ANY, "kafka_connect_connector_task_offset_commit_failure_percentage", "gauge",
     "The average share of this task's offset commit attempts that failed."},
    {S_READ_RATE, K_SINK, "kafka_connect_sink_task_sink_record_read_rate", "gauge",
     "The average per-second number of records read from Kafka for this task."},
    {S_READ_TOTAL, K_SINK, "kafka_connect_sink_task_sink_record_read_total", "counter",
     "The total number of records read from Kafka by this task since it was last restarted."},
    {S_SEND_RATE, K_SINK, "kafka_connect_sink_task_sink_record_send_rate", "gauge",
     "The average per-second number of records put to the task after the transformations."},
    {S_SEND_TOTAL, K_SINK, "kafka_connect_sink_task_sink_record_send_total", "counter",
     "The total number of records put to the task after the transformations since it was last restarted."},
    {S_PARTITIONS, K_SINK, "kafka_connect_sink_task_partition_count", "gauge",
     "The number of topic partitions assigned to this task."},
    {S_SEQ, K_SINK, "kafka_connect_sink_task_offset_commit_seq_no", "gauge",
     "The current sequence number for offset commits."},
    {S_DONE_RATE, K_SINK, "kafka_connect_sink_task_offset_commit_completion_rate", "gauge",
     "The average per-second number of offset commits that completed successfully."},
    {S_DONE_TOTAL, K_SINK, "kafka_connect_sink_task_offset_commit_completion_total", "counter",
     "The total number of offset commits that completed successfully."},
    {S_PUT_MAX, K_SINK, "kafka_connect_sink_task_put_batch_max_time_ms", "gauge",
     "The maximum time in milliseconds taken by this task to put a batch of sink records."},
    {S_PUT_AVG, K_SINK, "kafka_connect_sink_task_put_batch_avg_time_ms", "gauge",
     "The average time in milliseconds taken by this task to put a batch of sink records."},
    {R_POLL_RATE, K_SOURCE, "kafka_connect_source_task_source_record_poll_rate", "gauge",
     "The average per-second number of records polled (before transformation) by this task."},
    {R_POLL_TOTAL, K_SOURCE, "kafka_connect_source_task_source_record_poll_total", "counter",
     "The total number of records polled (before transformation) by this task."},
    {R_WRITE_RATE, K_SOURCE, "kafka_connect_source_task_source_record_write_rate", "gauge",
     "The average per-second number of records written to Kafka by this task after the transformations."},
    {R_WRITE_TOTAL, K_SOURCE, "kafka_connect_source_task_source_record_write_total", "counter",
     "The number of records written to Kafka by this task since it was last restarted."},
    {R_POLL_MAX, K_SOURCE, "kafka_connect_source_task_poll_batch_max_time_ms", "gauge",
     "The maximum time in milliseconds taken by this task to poll for a batch of source records."},
    {R_POLL_AVG, K_SOURCE, "kafka_connect_source_task_poll_batch_avg_time_ms", "gauge",
     "The average time in milliseconds taken by this task to poll for a batch of source records."},
    {R_ACTIVE, K_SOURCE, "kafka_connect_source_task_source_record_active_count", "gauge",
     "The number of records polled by this task but not yet completely written to Kafka."},
    {R_ACTIVE_MAX, K_SOURCE, "kafka_connect_source_task_source_record_active_count_max", "gauge",
     "The maximum number of records polled by this task but not yet completely written to Kafka."},
    {R_ACTIVE_AVG, K_SOURCE, "kafka_connect_source_task_source_record_active_count_avg", "gauge",
     "The average number of records polled by this task but not yet completely written to Kafka."},
    {E_FAILURES, K_ANY, "kafka_connect_task_error_total_record_failures", "gauge",
     "The number of record processing failures in this task."},
    {E_ERRORS, K_ANY, "kafka_connect_task_error_total_record_errors", "gauge",
     "The number of record processing errors in this task."},
    {E_SKIPPED, K_ANY, "kafka_connect_task_error_total_records_skipped", "gauge",
     "The number of records skipped due to errors."},
    {E_LOGGED, K_ANY, "kafka_connect_task_error_total_errors_logged", "gauge",
     "The number of errors that were logged."},
    {E_DLQ_REQ, K_ANY, "kafka_connect_task_error_deadletterqueue_produce_requests", "gauge",
     "The number of attempted writes to the dead letter queue."},
    {E_DLQ_FAIL, K_ANY, "kafka_connect_task_error_deadletterqueue_produce_failures", "gauge",
     "The number of failed writes to the dead letter queue."},
    {E_LAST_TS, K_ANY, "kafka_connect_task_error_last_error_timestamp", "gauge",
     "The epoch timestamp when this task last encountered an error."},
};

static double state_ratio(const kc_mstate_t *s, int which, int64_t now) {
  /* StateTracker.durationRatio: time in @p which over all time since the first state */
  if (s->state < 0) return 0.0;
  int64_t cur = now - s->since_ms, total = cur, in = s->state == which ? cur : 0;
  for (int i = 0; i < 8; i++) total += s->total_ms[i];
  in += s->total_ms[which];
  return total == 0 ? 0.0 : (double)in / (double)total;
}

static double task_value(ctx_t *c, kc_task_t *t, task_metric_t id) {
  const kc_task_metrics_t *m = &t->m;
  const kc_worker_metrics_t *wm = &c->wk->metrics;
  int ns = wm->nsamples;
  int64_t w = wm->window_ms, now = c->now;
  switch (id) {
    case T_RUNNING_RATIO: return state_ratio(&m->st, KC_STATE_RUNNING, now);
    case T_PAUSE_RATIO: return state_ratio(&m->st, KC_STATE_PAUSED, now);
    case T_COMMIT_MAX: return kc_mstat_max(&m->commit_time, ns, w, now);
    case T_COMMIT_AVG: return kc_mstat_avg(&m->commit_time, ns, w, now);
    case T_BATCH_MAX: return kc_mstat_max(&m->batch_size, ns, w, now);
    case T_BATCH_AVG: return kc_mstat_avg(&m->batch_size, ns, w, now);
    case T_COMMIT_OK_PCT: return kc_mstat_share(&m->commit_result, ns, w, now, true);
    case T_COMMIT_FAIL_PCT: return kc_mstat_share(&m->commit_result, ns, w, now, false);
    case S_READ_RATE: return kc_mstat_rate(&m->read, ns, w, now);
    case S_READ_TOTAL: return m->read.total;
    case S_SEND_RATE: return kc_mstat_rate(&m->send, ns, w, now);
    case S_SEND_TOTAL: return m->send.total;
    case S_PARTITIONS: return (double)m->partition_count;
    case S_SEQ: return (double)m->commit_seq;
    case S_DONE_RATE: return kc_mstat_rate(&m->commit_done, ns, w, now);
    case S_DONE_TOTAL: return m->commit_done.total;
    case S_PUT_MAX: return kc_mstat_max(&m->put_time, ns, w, now);
    case S_PUT_AVG: return kc_mstat_avg(&m->put_time, ns, w, now);
    case R_POLL_RATE: return kc_mstat_rate(&m->poll, ns, w, now);
    case R_POLL_TOTAL: return m->poll.total;
    case R_WRITE_RATE: return kc_mstat_rate(&m->write, ns, w, now);
    case R_WRITE_TOTAL: return m->write.total;
    case R_POLL_MAX: return kc_mstat_max(&m->poll_time, ns, w, now);
    case R_POLL_AVG: return kc_mstat_avg(&m->poll_time, ns, w, now);
    case R_ACTIVE: return (double)m->active_count;
    case R_ACTIVE_MAX: return kc_mstat_max(&m->active, ns, w, now);
    case R_ACTIVE_AVG: return kc_mstat_avg(&m->active, ns, w, now);
    case E_FAILURES: return (double)m->failures;
    case E_ERRORS: return (double)m->errors;
    case E_SKIPPED: return (double)m->skipped;
    case E_LOGGED: return (double)m->logged;
    case E_DLQ_REQ: return (double)m->dlq_requests;
    case E_DLQ_FAIL: return (double)m->dlq_failures;
    case E_LAST_TS: return (double)m->last_error_ms;
  }
  return NAN;
}

static bool kind_matches(const kc_task_t *t, kind_t k) {
  if (k == K_ANY) return true;
  return (t->plugin->type == KC_CONNECTOR_SINK) == (k == K_SINK);
}

static void render_tasks(ctx_t *c) {
  kc_worker_t *wk = c->wk;
  if (wk->tasks) family(c, "kafka_connect_connector_task_status", "gauge", "The status of the connector task.");
  for (kc_task_t *t = wk->tasks; t; t = t->next) {
    char st[16];
    lower(st, sizeof st, kc_state_name(t->state));
    sample(c, "kafka_connect_connector_task_status", t->conn->name, t->id, "status", st, 1);
  }
  for (size_t f = 0; f < sizeof task_families / sizeof task_families[0]; f++) {
    const task_family_t *tf = &task_families[f];
    bool header = false;
    for (kc_task_t *t = wk->tasks; t; t = t->next) {
      if (!kind_matches(t, tf->kind)) continue;
      if (!header) family(c, tf->name, tf->type, tf->help);
      header = true;
      sample(c, tf->name, t->conn->name, t->id, NULL, NULL, task_value(c, t, tf->id));
    }
  }
}

/* ---- connectors and the worker ---- */

static const struct {
  const char *name;
  int state; /* -1: all */
} per_connector[] = {
    {"kafka_connect_worker_connector_total_task_count", -1},
    {"kafka_connect_worker_connector_running_task_count", KC_STATE_RUNNING},
    {"kafka_connect_worker_connector_paused_task_count", KC_STATE_PAUSED},
    {"kafka_connect_worker_connector_failed_task_count", KC_STATE_FAILED},
    {"kafka_connect_worker_connector_unassigned_task_count", KC_STATE_UNASSIGNED},
    {"kafka_connect_worker_connector_destroyed_task_count", KC_STATE_DESTROYED},
    {"kafka_connect_worker_connector_restarting_task_count", KC_STATE_RESTARTING},
};

/* Connector-level string attributes (connector-metrics): value 1, the string as a label. */
static void render_connectors(ctx_t *c) {
  kc_worker_t *wk = c->wk;
  static const char *const attrs[] = {"connector_class", "connector_type", "connector_version", "status"};
  for (int a = 0; a < 4; a++) {
    char name[64];
    snprintf(name, sizeof name, "kafka_connect_connector_%s", attrs[a]);
    bool header = false;
    for (kc_connector_t *cn = wk->connectors; cn; cn = cn->next) {
      if (!cn->instance) continue;
      if (!header) family(c, name, "gauge", "Kafka Connect connector-metrics attribute, as a label.");
      header = true;
      char st[16];
      const char *v = a == 0   ? cn->plugin->class_name
                      : a == 1 ? (cn->plugin->type == KC_CONNECTOR_SINK ? "sink" : "source")
                      : a == 2 ? (cn->plugin->version ? cn->plugin->version : "null")
                               : (lower(st, sizeof st, kc_state_name(cn->state)), st);
      sample(c, name, cn->name, -1, attrs[a], v, 1);
    }
  }
  /* Worker.ConnectorStatusMetricsGroup: only for connectors with a task on this worker. */
  for (size_t f = 0; f < sizeof per_connector / sizeof per_connector[0]; f++) {
    bool header = false;
    for (kc_connector_t *cn = wk->connectors; cn; cn = cn->next) {
      int total = 0, in = 0;
      for (int i = 0; i < cn->ntask_configs; i++) {
        kc_task_t *t = cn->tasks ? cn->tasks[i] : NULL;
        if (!t) continue;
        total++;
        if (per_connector[f].state < 0 || (int)t->state == per_connector[f].state) in++;
      }
      if (!total) continue;
      if (!header) family(c, per_connector[f].name, "gauge", "The number of tasks of the connector on the worker, by status.");
      header = true;
      sample(c, per_connector[f].name, cn->name, -1, NULL, NULL, in);
    }
  }
}

static void worker_metric(ctx_t *c, const char *name, const char *type, const char *help, double v) {
  family(c, name, type, help);
  sample(c, name, NULL, -1, NULL, NULL, v);
}

static void render_worker(ctx_t *c) {
  kc_worker_t *wk = c->wk;
  kc_worker_metrics_t *wm = &wk->metrics;
  int ncon = 0, ntask = 0;
  for (kc_connector_t *cn = wk->connectors; cn; cn = cn->next) ncon += cn->instance;
  for (kc_task_t *t = wk->tasks; t; t = t->next) ntask++;
  int ns = wm->nsamples;
  int64_t w = wm->window_ms, now = c->now;
  worker_metric(c, "kafka_connect_worker_connector_count", "gauge", "The number of connectors run in this worker.", ncon);
  worker_metric(c, "kafka_connect_worker_task_count", "gauge", "The number of tasks run in this worker.", ntask);
  worker_metric(c, "kafka_connect_worker_connector_startup_attempts_total", "counter",
                "The total number of connector startups that this worker has attempted.", (double)wm->conn_attempts);
  worker_metric(c, "kafka_connect_worker_connector_startup_success_total", "counter",
                "The total number of connector starts that succeeded.", (double)wm->conn_ok);
  worker_metric(c, "kafka_connect_worker_connector_startup_failure_total", "counter",
                "The total number of connector starts that failed.", (double)wm->conn_failed);
  worker_metric(c, "kafka_connect_worker_connector_startup_success_percentage", "gauge",
                "The average share of this worker's connector starts that succeeded.",
                kc_mstat_share(&wm->conn_result, ns, w, now, true));
  worker_metric(c, "kafka_connect_worker_connector_startup_failure_percentage", "gauge",
                "The average share of this worker's connector starts that failed.",
                kc_mstat_share(&wm->conn_result, ns, w, now, false));
  worker_metric(c, "kafka_connect_worker_task_startup_attempts_total", "counter",
                "The total number of task startups that this worker has attempted.", (double)wm->task_attempts);
  worker_metric(c, "kafka_connect_worker_task_startup_success_total", "counter",
                "The total number of task starts that succeeded.", (double)wm->task_ok);
  worker_metric(c, "kafka_connect_worker_task_startup_failure_total", "counter",
                "The total number of task starts that failed.", (double)wm->task_failed);
  worker_metric(c, "kafka_connect_worker_task_startup_success_percentage", "gauge",
                "The average share of this worker's task starts that succeeded.",
                kc_mstat_share(&wm->task_result, ns, w, now, true));
  worker_metric(c, "kafka_connect_worker_task_startup_failure_percentage", "gauge",
                "The average share of this worker's task starts that failed.",
                kc_mstat_share(&wm->task_result, ns, w, now, false));
  if (!wm->distributed) return;
  family(c, "kafka_connect_worker_rebalance_connect_protocol", "untyped", "The Connect protocol used by this cluster");
  sample(c, "kafka_connect_worker_rebalance_connect_protocol", NULL, -1, "connect_protocol", wm->protocol, 1);
  if (wm->leader[0]) { /* leaderUrl() is null before an assignment: the exporter shows nothing */
    family(c, "kafka_connect_worker_rebalance_leader_name", "untyped", "The name of the group leader.");
    sample(c, "kafka_connect_worker_rebalance_leader_name", NULL, -1, "leader_name", wm->leader, 1);
  }
  worker_metric(c, "kafka_connect_worker_rebalance_epoch", "gauge", "The epoch or generation number of this worker.",
                (double)wm->epoch);
  worker_metric(c, "kafka_connect_worker_rebalance_completed_rebalances_total", "counter",
                "The total number of rebalances completed by this worker.", (double)wm->rebalances);
  worker_metric(c, "kafka_connect_worker_rebalance_rebalancing", "gauge", "Whether this worker is currently rebalancing.",
                wm->rebalancing ? 1 : 0);
  worker_metric(c, "kafka_connect_worker_rebalance_rebalance_max_time_ms", "gauge",
                "The maximum time in milliseconds spent by this worker to rebalance.",
                kc_mstat_max(&wm->rebalance_time, ns, w, now));
  worker_metric(c, "kafka_connect_worker_rebalance_rebalance_avg_time_ms", "gauge",
                "The average time in milliseconds spent by this worker to rebalance.",
                kc_mstat_avg(&wm->rebalance_time, ns, w, now));
  worker_metric(c, "kafka_connect_worker_rebalance_time_since_last_rebalance_ms", "gauge",
                "The time in milliseconds since this worker completed the most recent rebalance.",
                wm->last_rebalance_ms ? (double)(now - wm->last_rebalance_ms) : INFINITY);
  /* Strimzi's generic client-id rule: kafka_connect_coordinator_<attr>{clientid=".."} */
  family(c, "kafka_connect_coordinator_assigned_connectors", "gauge",
         "The number of connector instances currently assigned to this worker");
  sample(c, "kafka_connect_coordinator_assigned_connectors", NULL, -1, "clientid", wm->client_id,
         (double)wm->assigned_connectors);
  family(c, "kafka_connect_coordinator_assigned_tasks", "gauge", "The number of tasks currently assigned to this worker");
  sample(c, "kafka_connect_coordinator_assigned_tasks", NULL, -1, "clientid", wm->client_id,
         (double)wm->assigned_tasks);
}

int kc_metrics_render(kc_worker_t *wk, kc_buf_t *out) {
  ctx_t c = {out, wk, kc_now_ms(), 0};
  render_worker(&c);
  render_connectors(&c);
  render_tasks(&c);
  return c.rc;
}
