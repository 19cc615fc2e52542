/*
 * The sink task runner (WorkerSinkTask, section 6.7) on one loop:
 * consumer queue -> eventfd -> drain with a budget -> convert -> put() ->
 * flush() -> commit exactly the offsets the connector made durable.
 *
 * Step function: sink_step(). Phases: RUNNING/WAIT_RETRY deliver; stopping
 * goes WAIT_DRAIN (final flush+commit) -> WAIT_PLUGIN_STOP -> WAIT_CLOSE
 * (rd_kafka_consumer_close_queue, never the blocking close) -> WAIT_DESTROY
 * (rd_kafka_destroy on the threadpool) -> DONE.
 */
#include <stdlib.h>
#include <string.h>

#include "config/kafka_conf.h"
#include "config/props.h"
#include "kafka/fetch_wake.h"
#include "util/log.h"
#include "worker/dlq.h"
#include "worker/pattern_sub.h"
#include "worker/worker.h"

#define DRAIN_BUDGET 20000  /* messages per loop callback (K8) */
#define BATCH_MAX 2000      /* messages per put() */
#define BATCH_ARENA_MAX (1024 * 1024) /* converted values per put(): the batch ends earlier */
#define RETRY_BACKOFF_MAX_MS 10000
#define LEAVE_WAIT_MS 3000  /* join finished, then LeaveGroup sent, or close anyway */
#define TEXT_KEEP_BYTES (4 * 1024 * 1024) /* free a batch's text buffer larger than this */

struct kc_sink_runner_s {
  kc_task_t *task;
  rd_kafka_t *rk;
  rd_kafka_queue_t *q, *commitq, *closeq;
  kc_kqueue_t kq, commit_kq;
  kc_fetch_wake_t fetch_wake; /* K6: results arrive on commitq */
  uv_timer_t commit_timer, keepalive, retry_timer;
  uv_work_t destroy_work;
  rd_kafka_message_t **pending; /* consumed, not yet accepted by put() */
  size_t npending, pending_off;
  kc_sink_record_t *recs;
  kc_sink_record_t **recp;
  kc_arena_t arena;    /* the values of the batch being put(); reset after each put() */
  kc_buf_t text;       /* the batch's values rendered as text (kc_sink_record_t.text); reset with arena */
  bool no_text;        /* the value converter cannot render text (kc_converter_value_text) */
  rd_kafka_topic_partition_list_t *current;  /* next offset per partition, after put() */
  rd_kafka_topic_partition_list_t *flushing; /* snapshot being flushed/committed */
  rd_kafka_topic_partition_list_t *revoking;
  bool dirty;          /* current advanced since the last flush snapshot */
  bool put_blocked;    /* put() returned KC_AGAIN */
  double commit_t0;    /* when the commit in progress began (offset-commit-*-time-ms) */
  bool conv_waiting;   /* a converter waits for the Schema Registry: the record stays pending */
  bool flush_inflight, commit_inflight, commit_again;
  bool final_commit_started;
  bool paused_parts;   /* consumer partitions paused (target PAUSED or retry) */
  int retry_ms;
  int pending_closes;
  kc_dlq_t *dlq;       /* errors.deadletterqueue.topic.name; NULL without one */
  kc_pattern_sub_t *psub; /* topics.regex; NULL with topics= */
  bool subscribed;     /* a subscription is in place (psub: an explicit list) */
  int64_t delivered;
  const rd_kafka_topic_t *tracked_rkt; /* topic tracking: the topic last reported in this batch */
  bool static_member;  /* the consumer has a group.instance.id (KIP-345) */
  bool leave_started, leaving, unsubscribed; /* LeaveGroup before closing (leave_check) */
  uint64_t leave_deadline;
};

static void sink_step(kc_sink_runner_t *r);
static void start_commit(kc_sink_runner_t *r);

/* WorkerSinkTask.onCommitCompleted: a commit (sequence number commit_seq) ended. */
static void commit_finished(kc_sink_runner_t *r, bool ok) {
  kc_task_metrics_t *m = &r->task->m;
  kc_mstat_record(&m->commit_result, ok ? 1.0 : 0.0);
  if (!ok) return;
  kc_mstat_record(&m->commit_time, kc_metrics_now_ms() - r->commit_t0);
  kc_mstat_record(&m->commit_done, 1);
}

/* ---- partitions and offsets ---- */

static void set_offset(rd_kafka_topic_partition_list_t *l, const char *topic, int32_t part,
                       int64_t off) {
  rd_kafka_topic_partition_t *tp = rd_kafka_topic_partition_list_find(l, topic, part);
  if (!tp) tp = rd_kafka_topic_partition_list_add(l, topic, part);
  tp->offset = off;
}

static void pause_all(kc_sink_runner_t *r, bool pause) {
  rd_kafka_topic_partition_list_t *parts = NULL;
  if (rd_kafka_assignment(r->rk, &parts) != RD_KAFKA_RESP_ERR_NO_ERROR || !parts) return;
  if (pause)
    rd_kafka_pause_partitions(r->rk, parts);
  else
    rd_kafka_resume_partitions(r->rk, parts);
  rd_kafka_topic_partition_list_destroy(parts);
  r->paused_parts = pause;
}

static void drop_pending_of(kc_sink_runner_t *r, const rd_kafka_topic_partition_list_t *parts) {
  size_t w = r->pending_off;
  for (size_t i = r->pending_off; i < r->npending; i++) {
    rd_kafka_message_t *m = r->pending[i];
    if (!parts || rd_kafka_topic_partition_list_find(parts, rd_kafka_topic_name(m->rkt), m->partition)) {
      rd_kafka_message_destroy(m);
      continue;
    }
    r->pending[w++] = m;
  }
  r->npending = w;
}

/* ---- rebalance (runs inside rd_kafka_consume_batch_queue, on the loop) ---- */

static void finish_revoke(kc_sink_runner_t *r) {
  kc_task_t *task = r->task;
  rd_kafka_topic_partition_list_t *parts = r->revoking;
  r->revoking = NULL;
  if (task->plugin->close && parts && task->plugin_started) {
    kc_tp_offset_t *tps = calloc((size_t)parts->cnt + 1, sizeof *tps);
    for (int i = 0; tps && i < parts->cnt; i++)
      tps[i] = (kc_tp_offset_t){parts->elems[i].topic, parts->elems[i].partition, -1};
    if (tps) task->plugin->close(task, tps, (size_t)parts->cnt);
    free(tps);
  }
  if (parts) {
    for (int i = 0; i < parts->cnt; i++)
      rd_kafka_topic_partition_list_del(r->current, parts->elems[i].topic, parts->elems[i].partition);
    drop_pending_of(r, parts);
    rd_kafka_topic_partition_list_destroy(parts);
  }
  /* Deferred unassign (K10): librdkafka waited for it while we flushed and committed. */
  if (task->phase != KC_PHASE_WAIT_CLOSE) rd_kafka_assign(r->rk, NULL);
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t err,
                         rd_kafka_topic_partition_list_t *parts, void *opaque) {
  kc_sink_runner_t *r = opaque;
  kc_task_t *task = r->task;
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    kc_log_info("kc.task.sink", "[%s] assigned %d partition(s)", task->label, parts->cnt);
    task->m.partition_count = parts->cnt; /* eager: the whole assignment */
    /* Pause flags survive unassign/assign (K9): clear ours first. */
    rd_kafka_resume_partitions(rk, parts);
    rd_kafka_assign(rk, parts);
    if (r->paused_parts) rd_kafka_pause_partitions(rk, parts);
    if (task->plugin->open && task->plugin_started) {
      kc_tp_offset_t *tps = calloc((size_t)parts->cnt + 1, sizeof *tps);
      for (int i = 0; tps && i < parts->cnt; i++)
        tps[i] = (kc_tp_offset_t){parts->elems[i].topic, parts->elems[i].partition, -1};
      if (tps) task->plugin->open(task, tps, (size_t)parts->cnt);
      free(tps);
    }
  } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
    kc_log_info("kc.task.sink", "[%s] revoking %d partition(s)", task->label, parts->cnt);
    task->m.partition_count = 0;
    /* The op-version bump discards already-fetched messages of these partitions. */
    rd_kafka_pause_partitions(rk, parts);
    if (r->revoking) rd_kafka_topic_partition_list_destroy(r->revoking);
    r->revoking = rd_kafka_topic_partition_list_copy(parts);
    if (task->state != KC_STATE_FAILED) start_commit(r);
    if (!r->flush_inflight && !r->commit_inflight) finish_revoke(r);
  } else {
    kc_log_warn("kc.task.sink", "[%s] rebalance error: %s", task->label, rd_kafka_err2str(err));
    rd_kafka_assign(rk, NULL);
  }
}

/* ---- flush and commit ---- */

static void commit_snapshot(kc_sink_runner_t *r) {
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(r->flushing->cnt);
  for (int i = 0; i < r->flushing->cnt; i++)
    if (r->flushing->elems[i].offset >= 0)
      rd_kafka_topic_partition_list_add(l, r->flushing->elems[i].topic,
                                        r->flushing->elems[i].partition)->offset =
          r->flushing->elems[i].offset;
  if (l->cnt == 0) {
    rd_kafka_topic_partition_list_destroy(l);
    commit_finished(r, true); /* "no change since last commit" */
    return;
  }
  rd_kafka_resp_err_t err = rd_kafka_commit_queue(r->rk, l, r->commitq, NULL, r);
  rd_kafka_topic_partition_list_destroy(l);
  if (err) {
    kc_log_warn("kc.task.sink", "[%s] offset commit not sent: %s", r->task->label, rd_kafka_err2str(err));
    commit_finished(r, false);
    return;
  }
  r->commit_inflight = true;
}

void kc_sink_runner_flush_done(kc_task_t *task, int status) {
  kc_sink_runner_t *r = task->sink;
  if (!r || !r->flush_inflight) return;
  r->flush_inflight = false;
  if (status == KC_OK) {
    commit_snapshot(r);
  } else if (status == KC_RETRY) {
    kc_log_warn("kc.task.sink", "[%s] flush asked for a retry; offsets not committed this time", task->label);
    r->dirty = true;
    commit_finished(r, false);
  } else {
    r->dirty = true;
    commit_finished(r, false);
    kc__task_failed(task, "Offset commit failed: the task's flush failed");
  }
  sink_step(r);
}

static void start_commit(kc_sink_runner_t *r) {
  kc_task_t *task = r->task;
  if (r->flush_inflight || r->commit_inflight) {
    r->commit_again = true;
    return;
  }
  r->commit_again = false;
  if (r->current->cnt > 0) { /* Java's commitOffsets: every attempt with offsets has a sequence number */
    task->m.commit_seq++;
    r->commit_t0 = kc_metrics_now_ms();
  }
  if (!r->dirty || r->current->cnt == 0) {
    if (r->current->cnt > 0) commit_finished(r, true); /* nothing new: a completed no-op commit */
    return;
  }
  r->dirty = false;
  if (r->flushing) rd_kafka_topic_partition_list_destroy(r->flushing);
  r->flushing = rd_kafka_topic_partition_list_copy(r->current);
  /* Never past a record whose dead letter queue write is unacknowledged. */
  for (int i = 0; r->dlq && i < r->flushing->cnt; i++) {
    rd_kafka_topic_partition_t *tp = &r->flushing->elems[i];
    int64_t m = kc_dlq_pending_min(r->dlq, tp->topic, tp->partition);
    if (m >= 0 && m < tp->offset) {
      tp->offset = m;
      r->dirty = true; /* commit the rest once it is acknowledged */
    }
  }
  size_t n = (size_t)r->flushing->cnt;
  kc_tp_offset_t *tps = calloc(n + 1, sizeof *tps);
  if (!tps) {
    r->dirty = true;
    commit_finished(r, false);
    return;
  }
  for (size_t i = 0; i < n; i++)
    tps[i] = (kc_tp_offset_t){r->flushing->elems[i].topic, r->flushing->elems[i].partition,
                              r->flushing->elems[i].offset};
  r->flush_inflight = true;
  int rc = task->plugin->flush && task->plugin_started ? task->plugin->flush(task, tps, n) : KC_OK;
  /* preCommit may lower offsets; never raise them past what was put(). */
  for (size_t i = 0; i < n; i++)
    if (tps[i].offset < r->flushing->elems[i].offset) r->flushing->elems[i].offset = tps[i].offset;
  free(tps);
  if (rc != KC_AGAIN) kc_sink_runner_flush_done(task, rc);
}

static void on_commit_events(kc_kqueue_t *kq) {
  kc_sink_runner_t *r = kq->data;
  rd_kafka_event_t *ev;
  while ((ev = rd_kafka_queue_poll(r->commitq, 0))) {
    if (kc_fetch_wake_event(&r->fetch_wake, ev)) {
      /* the request existed to wake the broker threads; see whether another is due */
      if (r->q) kc_fetch_wake_check(&r->fetch_wake, rd_kafka_queue_length(r->q));
    } else if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_OFFSET_COMMIT) {
      rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
      r->commit_inflight = false;
      if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET)
        kc_log_warn("kc.task.sink", "[%s] offset commit failed: %s (will retry with the next commit)",
                    r->task->label, rd_kafka_err2str(err));
      else
        kc_log_debug("kc.task.sink", "[%s] committed offsets", r->task->label);
      if (err && err != RD_KAFKA_RESP_ERR__NO_OFFSET) r->dirty = true;
      commit_finished(r, !err || err == RD_KAFKA_RESP_ERR__NO_OFFSET);
    }
    rd_kafka_event_destroy(ev);
  }
  sink_step(r);
}

static void on_commit_timer(uv_timer_t *t) {
  kc_sink_runner_t *r = t->data;
  if (r->task->phase == KC_PHASE_RUNNING || r->task->phase == KC_PHASE_WAIT_RETRY) start_commit(r);
}

void kc_sink_runner_request_commit(kc_task_t *task) {
  /* The task has more durable data than it reported (e.g. an upload finished): commit again even
   * if nothing new was put(). */
  task->sink->dirty = true;
  if (task->phase == KC_PHASE_RUNNING || task->phase == KC_PHASE_WAIT_RETRY) start_commit(task->sink);
}

/* ---- delivery ---- */

static bool can_deliver(kc_sink_runner_t *r) {
  kc_task_t *task = r->task;
  return task->phase == KC_PHASE_RUNNING && !task->paused && !r->put_blocked && !r->revoking &&
         !r->conv_waiting && task->state == KC_STATE_RUNNING && (!r->dlq || kc_dlq_ready(r->dlq));
}

static void on_retry_timer(uv_timer_t *t) {
  kc_sink_runner_t *r = t->data;
  if (r->task->phase != KC_PHASE_WAIT_RETRY) return;
  kc_task_set_phase(r->task, KC_PHASE_RUNNING);
  if (!r->task->paused) pause_all(r, false);
  sink_step(r);
}

typedef enum { PREP_OK, PREP_SKIP, PREP_WAIT, PREP_FAILED } prep_t;

/*
 * A record failed in a stage before put() (ProcessingContext: stage, executing class, the
 * exception). The error policy decides: skip it, or fail the task with its coordinates.
 * @p stage is Connect's Stage name ("KEY_CONVERTER", "VALUE_CONVERTER", "HEADER_CONVERTER",
 * "TRANSFORMATION"); @p exception the Java exception class; @p message its text.
 */
static prep_t stage_failed(kc_sink_runner_t *r, kc_sink_record_t *rec, const char *stage,
                           const char *executing_class, const char *exception,
                           const char *message) {
  kc_task_t *task = r->task;
  const rd_kafka_message_t *m = rec->msg;
  kc_metrics_record_failed(task, task->tolerate_errors, task->log_errors);
  if (task->log_errors) {
    /* LogReporter: ProcessingContext.toString(errors.log.include.messages) */
    char where[1024] = "";
    if (task->log_messages) {
      rd_kafka_timestamp_type_t tt;
      int64_t ts = rd_kafka_message_timestamp(m, &tt);
      int w = snprintf(where, sizeof where, ", where consumed record is {topic='%s', partition=%d, offset=%lld",
                       rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset);
      if (tt != RD_KAFKA_TIMESTAMP_NOT_AVAILABLE && w > 0 && (size_t)w < sizeof where)
        w += snprintf(where + w, sizeof where - (size_t)w, ", timestamp=%lld, timestampType=%s", (long long)ts,
                      tt == RD_KAFKA_TIMESTAMP_CREATE_TIME ? "CreateTime" : "LogAppendTime");
      if (w > 0 && (size_t)w < sizeof where) snprintf(where + w, sizeof where - (size_t)w, "}");
    }
    kc_log_error("kc.errors", "Error encountered in task %s. Executing stage '%s' with class '%s'%s.\n%s: %s",
                 task->label, stage, executing_class ? executing_class : "null", where, exception, message);
  }
  if (r->dlq) {
    int rc = kc_dlq_report(r->dlq, m, stage, executing_class, exception, message);
    if (rc) {
      kc__task_failed(task, "Could not write the record at %s-%d offset %lld to the dead letter queue: %s",
                      rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset, kc_strerror(rc));
      return PREP_FAILED;
    }
  }
  if (task->tolerate_errors) return PREP_SKIP;
  kc__task_failed(task, "Tolerance exceeded in error handler: %s of the record at %s-%d offset %lld failed: %s: %s",
                  strcmp(stage, "TRANSFORMATION") ? "converting" : "transforming",
                  rd_kafka_topic_name(m->rkt), (int)m->partition, (long long)m->offset, exception, message);
  return PREP_FAILED;
}

/* Keeps the text buffer's allocation across batches unless one huge value grew it. */
static void text_reset(kc_sink_runner_t *r) {
  if (r->text.cap > TEXT_KEEP_BYTES) {
    kc_buf_free(&r->text);
    kc_buf_init(&r->text, 0);
  } else {
    kc_buf_reset(&r->text);
  }
}

/* A connector that prints values (FileStreamSink) and no transforms: where the converter can
 * render the text straight from the bytes, no Connect value is built. A document that path
 * declines (it may not convert) goes the general way, which reports errors as before. */
static bool render_text(kc_sink_runner_t *r, kc_sink_record_t *rec) {
  size_t off = r->text.len;
  int rc = kc_converter_value_text(r->task->value_conv, rec->msg->payload, rec->msg->len, &r->text);
  if (rc == KC_ENOTSUP) r->no_text = true; /* this converter never can: stop asking */
  if (rc) return false;
  rec->text = &r->text;
  rec->text_off = off;
  rec->text_len = r->text.len - off;
  return true;
}

/* Converts what must be converted before put() (converters that can fail or wait; everything
 * when there are transforms, which need the Connect record), then runs the transforms. */
static prep_t prepare(kc_sink_runner_t *r, kc_sink_record_t *rec) {
  kc_task_t *task = r->task;
  bool all = task->chain != NULL;
  int rc = 0;
  if (all || kc_converter_is_eager(task->key_conv)) {
    rc = kc_sink_record_key(rec, NULL, NULL);
    if (rc == KC_AGAIN) return PREP_WAIT;
    if (rc)
      return stage_failed(r, rec, "KEY_CONVERTER", kc_converter_class_name(task->key_conv),
                          KC_XF_DATA_EXCEPTION, task->conv_err);
  }
  if (!all && task->sink_value_text && !r->no_text && render_text(r, rec)) {
    /* rendered: the value converts (the one pass takes only documents that do) */
  } else if (all || kc_converter_is_eager(task->value_conv)) {
    rc = kc_sink_record_value(rec, NULL, NULL);
    if (rc == KC_AGAIN) return PREP_WAIT;
    if (rc)
      return stage_failed(r, rec, "VALUE_CONVERTER", kc_converter_class_name(task->value_conv),
                          KC_XF_DATA_EXCEPTION, task->conv_err);
  }
  /* WorkerSinkTask records the topic once its record is converted, before the transforms; asked
   * once per run of one topic in a batch, so a reset is seen again by the next batch. */
  if (rec->msg->rkt != r->tracked_rkt) {
    r->tracked_rkt = rec->msg->rkt;
    kc_worker_topic_used(task, rd_kafka_topic_name(rec->msg->rkt));
  }
  if (!all) return PREP_OK;
  kc_xf_failure_t f;
  kc_xf_failure_init(&f);
  rc = kc__sink_transform(task, rec, &f);
  if (rc == KC_XF_DROP) return PREP_SKIP;
  if (rc == KC_ENOMEM) {
    kc__task_failed(task, "out of memory transforming a record");
    return PREP_FAILED;
  }
  if (rc)
    return stage_failed(r, rec, f.alias ? "TRANSFORMATION" : "HEADER_CONVERTER", f.class_name,
                        f.error.exception ? f.error.exception : KC_XF_CONNECT_EXCEPTION,
                        f.error.message);
  return PREP_OK;
}

/* Delivers pending[pending_off..] in put() batches. */
static void deliver(kc_sink_runner_t *r) {
  kc_task_t *task = r->task;
  while (r->pending_off < r->npending && can_deliver(r)) {
    size_t n = r->npending - r->pending_off;
    if (n > BATCH_MAX) n = BATCH_MAX;
    size_t nrec = 0, i;
    r->tracked_rkt = NULL;
    for (i = 0; i < n && r->arena.used + r->text.len < BATCH_ARENA_MAX; i++) {
      kc_sink_record_t *rec = &r->recs[nrec];
      kc_sink_record_init(rec, task, r->pending[r->pending_off + i], &r->arena);
      prep_t pr = prepare(r, rec);
      if (pr == PREP_FAILED) {
        for (size_t j = 0; j <= nrec; j++) kc_sink_record_clear(&r->recs[j]);
        kc_arena_reset(&r->arena);
        text_reset(r);
        return;
      }
      if (pr == PREP_WAIT) {
        /* Held until the registry answers (kc_sink_runner_conv_ready); the records before it
         * still go to put() now, so offsets stay in order. */
        kc_sink_record_clear(rec);
        r->conv_waiting = true;
        break;
      }
      if (pr == PREP_SKIP) {
        kc_sink_record_clear(rec);
        continue;
      }
      r->recp[nrec] = rec;
      nrec++;
    }
    n = i;
    if (n == 0) {
      kc_arena_reset(&r->arena);
      text_reset(r);
      break;
    }
    char err[1024] = "";
    double t0 = nrec ? kc_metrics_now_ms() : 0;
    int rc = nrec ? task->plugin->put(task, r->recp, nrec, err, sizeof err) : KC_OK;
    if (nrec && rc != KC_RETRY && rc != KC_ERR) { /* WorkerSinkTask.deliverMessages after put() */
      kc_mstat_record(&task->m.put_time, kc_metrics_now_ms() - t0);
      kc_mstat_record(&task->m.batch_size, (double)nrec);
      kc_mstat_record(&task->m.send, (double)nrec);
    }
    for (size_t j = 0; j < nrec; j++) kc_sink_record_clear(&r->recs[j]);
    kc_arena_reset(&r->arena);
    text_reset(r);
    if (rc == KC_RETRY) {
      /* RetriableException: pause, keep the batch, redeliver after back-off (6.7). */
      r->retry_ms = r->retry_ms ? r->retry_ms * 2 : 100;
      if (r->retry_ms > RETRY_BACKOFF_MAX_MS) r->retry_ms = RETRY_BACKOFF_MAX_MS;
      kc_log_warn("kc.task.sink", "[%s] put() asked for a retry; redelivering in %d ms%s%s", task->label,
                  r->retry_ms, *err ? ": " : "", err);
      pause_all(r, true);
      kc_task_set_phase(task, KC_PHASE_WAIT_RETRY);
      uv_timer_start(&r->retry_timer, on_retry_timer, (uint64_t)r->retry_ms, 0);
      return;
    }
    if (rc == KC_ERR) {
      kc__task_failed(task, "%s", *err ? err : "put() failed");
      return;
    }
    r->retry_ms = 0;
    for (size_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = r->pending[r->pending_off + i];
      rd_kafka_message_t *next = i + 1 < n ? r->pending[r->pending_off + i + 1] : NULL;
      /* Batches come in per-partition runs: one partition-list search per run, not per record. */
      if (!next || next->rkt != m->rkt || next->partition != m->partition)
        set_offset(r->current, rd_kafka_topic_name(m->rkt), m->partition, m->offset + 1);
      rd_kafka_message_destroy(m);
    }
    r->pending_off += n;
    r->delivered += (int64_t)n;
    r->dirty = true;
    if (rc == KC_AGAIN) r->put_blocked = true;
  }
  if (r->pending_off == r->npending) r->pending_off = r->npending = 0;
}

static void drain(kc_sink_runner_t *r) {
  kc_task_t *task = r->task;
  size_t budget = DRAIN_BUDGET;
  for (;;) {
    deliver(r);
    if (r->npending || task->phase != KC_PHASE_RUNNING || r->revoking || task->state == KC_STATE_FAILED)
      return; /* resumed by wakeup, retry timer, resume or revoke completion */
    size_t queued_before = rd_kafka_queue_length(r->q);
    ssize_t n = rd_kafka_consume_batch_queue(r->q, 0, r->pending, BATCH_MAX);
    if (n < 0) {
      kc__task_failed(task, "consume failed: %s", rd_kafka_err2str(rd_kafka_last_error()));
      return;
    }
    size_t w = 0;
    int64_t bytes = 0;
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = r->pending[i];
      bytes += (int64_t)(m->len + m->key_len);
      if (m->err) {
        if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
          kc_log_warn("kc.task.sink", "[%s] consumer: %s", task->label, rd_kafka_message_errstr(m));
        if (m->err == RD_KAFKA_RESP_ERR__FATAL) {
          char es[512];
          rd_kafka_fatal_error(r->rk, es, sizeof es);
          r->npending = w;
          rd_kafka_message_destroy(m);
          for (ssize_t j = i + 1; j < n; j++) rd_kafka_message_destroy(r->pending[j]);
          kc__task_failed(task, "Kafka consumer fatal error: %s", es);
          return;
        }
        rd_kafka_message_destroy(m);
        continue;
      }
      r->pending[w++] = m;
    }
    r->npending = w;
    r->pending_off = 0;
    if (w) kc_mstat_record(&task->m.read, (double)w); /* sink-record-read */
    size_t queued = rd_kafka_queue_length(r->q);
    if (n > 0) kc_fetch_wake_consumed(&r->fetch_wake, (int64_t)n, bytes, queued_before, queued);
    if (n == 0 && queued == 0) return; /* empty: the fd wakes us */
    if ((size_t)n >= budget) {
      deliver(r);
      kc_kqueue_continue(&r->kq); /* yield to the loop; no fd event will come (K1) */
      return;
    }
    budget -= (size_t)n;
  }
}

static void on_consumer_ready(kc_kqueue_t *kq) { sink_step(kq->data); }

static void on_keepalive(uv_timer_t *t) {
  /* max.poll.interval.ms needs polls even when idle (K7). */
  kc_sink_runner_t *r = t->data;
  if (r->task->phase == KC_PHASE_RUNNING) sink_step(r);
}

void kc_sink_runner_wakeup(kc_task_t *task) {
  kc_sink_runner_t *r = task->sink;
  if (!r) return;
  r->put_blocked = false;
  if (task->phase == KC_PHASE_RUNNING) kc_kqueue_continue(&r->kq);
  else sink_step(r);
}

void kc_sink_runner_conv_ready(kc_task_t *task) {
  kc_sink_runner_t *r = task->sink;
  if (!r || !r->conv_waiting) return;
  r->conv_waiting = false;
  if (task->phase == KC_PHASE_RUNNING) kc_kqueue_continue(&r->kq);
  else sink_step(r);
}

void kc_sink_runner_pause(kc_task_t *task, bool pause) {
  kc_sink_runner_t *r = task->sink;
  if (task->phase != KC_PHASE_RUNNING && task->phase != KC_PHASE_WAIT_RETRY) return;
  pause_all(r, pause);
  if (!pause) kc_kqueue_continue(&r->kq);
}

/* ---- stop sequence ---- */

static void runner_closed(kc_sink_runner_t *r) {
  if (--r->pending_closes == 0) kc__task_runner_stopped(r->task);
}
static void on_handle_closed(uv_handle_t *h) { runner_closed(h->data); }
static void on_kq_closed(kc_kqueue_t *kq) { runner_closed(kq->data); }

static void destroy_work(uv_work_t *w) { rd_kafka_destroy(((kc_sink_runner_t *)w->data)->rk); }
static void on_dlq_closed(void *arg) { runner_closed(arg); } /* also the pattern_sub */
static void destroy_after(uv_work_t *w, int status) { runner_closed(w->data); }

static void begin_destroy(kc_sink_runner_t *r) {
  kc_task_set_phase(r->task, KC_PHASE_WAIT_DESTROY);
  kc_log_debug("kc.task.sink", "[%s] %llu fetch wake-up(s) sent (K6)", r->task->label,
               (unsigned long long)r->fetch_wake.sent);
  drop_pending_of(r, NULL);
  r->pending_closes = 6;
  kc_kqueue_close(&r->kq, on_kq_closed);
  kc_kqueue_close(&r->commit_kq, on_kq_closed);
  uv_close((uv_handle_t *)&r->commit_timer, on_handle_closed);
  uv_close((uv_handle_t *)&r->keepalive, on_handle_closed);
  uv_close((uv_handle_t *)&r->retry_timer, on_handle_closed);
  if (r->dlq) {
    r->pending_closes++;
    kc_dlq_close(r->dlq, on_dlq_closed, r);
    r->dlq = NULL;
  }
  if (r->psub) {
    r->pending_closes++;
    kc_pattern_sub_close(r->psub, on_dlq_closed, r);
    r->psub = NULL;
  }
  if (r->closeq) rd_kafka_queue_destroy(r->closeq);
  rd_kafka_queue_destroy(r->q);
  rd_kafka_queue_destroy(r->commitq);
  r->closeq = r->q = r->commitq = NULL;
  /* rd_kafka_destroy joins librdkafka's threads: off the loop (K12). */
  r->destroy_work.data = r;
  uv_queue_work(r->task->wk->loop, &r->destroy_work, destroy_work, destroy_after);
}

static void begin_close(kc_sink_runner_t *r);

/*
 * librdkafka (2.0.2 as later ones) never sends LeaveGroup when a static member closes: the
 * partitions would stay with the closed task until session.timeout.ms. That is the point after a
 * crash, and for a worker that is only restarting, but not when the task is gone for good.
 * Unsubscribing first does leave (librdkafka skips the leave only while terminating), once the
 * revocation is acknowledged; the close waits for that LeaveGroup's answer.
 */
static bool leave_on_close(kc_sink_runner_t *r) {
  if (!r->static_member) return false;
  kc_worker_t *wk = r->task->wk;
  /* deleted, reconfigured, restarted, failed, moved by a rebalance */
  if (!r->subscribed) return false; /* never asked to join (a failed start) */
  if (!wk->exiting) return true;
  /* Standalone: no other worker can take the partitions over; this worker's restart gets them
   * back at once. Distributed: the cooperative assignor gives a departed worker's tasks out only
   * after scheduled.rebalance.max.delay.ms (5 min by default, longer than the session), so staying
   * would gain the restart nothing and would keep the partitions from the connector's tasks on
   * the other workers until the session expires; so leave, as a dynamic member does. */
  return wk->status_cb != NULL;
}

static bool member_id_set(kc_sink_runner_t *r) {
  char *mid = rd_kafka_memberid(r->rk);
  bool set = mid && *mid;
  if (mid) rd_kafka_mem_free(r->rk, mid);
  return set;
}

/*
 * Two steps, polled: while the first JoinGroup is in flight there is no member id to leave with,
 * yet the coordinator already counts a static member, so the task waits for the join to finish
 * (its assignment is handed straight back); then it unsubscribes. librdkafka clears the member id
 * when it sends LeaveGroup (rd_kafka_cgrp_leave), on its main thread, before it can serve our
 * close: once the id is empty again, the close waits for that LeaveGroup's answer.
 */
static void leave_check(kc_sink_runner_t *r) {
  bool joined = member_id_set(r);
  bool late = uv_now(r->task->wk->loop) >= r->leave_deadline;
  if (!r->unsubscribed && joined) {
    r->unsubscribed = true;
    /* a call into librdkafka's main thread, as subscribe is (K12); no network wait */
    rd_kafka_resp_err_t err = rd_kafka_unsubscribe(r->rk);
    if (err) {
      kc_log_warn("kc.task.sink", "[%s] unsubscribe before close: %s", r->task->label,
                  rd_kafka_err2str(err));
      late = true;
    } else {
      joined = member_id_set(r);
    }
  }
  if (r->unsubscribed ? joined && !late : !late) return;
  if (late)
    kc_log_warn("kc.task.sink", "[%s] static member: %s within %d ms; closing without LeaveGroup "
                "(its partitions wait for session.timeout.ms)", r->task->label,
                r->unsubscribed ? "LeaveGroup not sent" : "group not joined", LEAVE_WAIT_MS);
  r->leaving = false;
  uv_timer_stop(&r->retry_timer);
  begin_close(r);
}

static void on_leave_tick(uv_timer_t *t) {
  kc_sink_runner_t *r = t->data;
  if (r->leaving) leave_check(r);
}

static void drain_close_queue(kc_sink_runner_t *r) {
  rd_kafka_event_t *ev;
  int budget = 10000;
  rd_kafka_queue_t *q = r->leaving ? r->q : r->closeq;
  while (budget-- > 0 && (ev = rd_kafka_queue_poll(q, 0))) {
    if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_REBALANCE) {
      /* Offsets were committed before closing; just give the partitions up. */
      if (rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS ||
          rd_kafka_event_error(ev) == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS)
        rd_kafka_assign(r->rk, NULL);
    }
    /* FETCH events: prefetched messages, dropped (K11); nothing was committed for them. */
    rd_kafka_event_destroy(ev);
  }
  if (budget <= 0) kc_kqueue_continue(&r->kq);
  if (r->leaving) {
    leave_check(r);
    return;
  }
  if (rd_kafka_consumer_closed(r->rk)) begin_destroy(r);
}

static void begin_close(kc_sink_runner_t *r) {
  kc_task_set_phase(r->task, KC_PHASE_WAIT_CLOSE);
  if (r->revoking) finish_revoke(r);
  if (!r->leave_started && leave_on_close(r)) {
    r->leave_started = r->leaving = true;
    r->leave_deadline = uv_now(r->task->wk->loop) + LEAVE_WAIT_MS;
    uv_timer_start(&r->retry_timer, on_leave_tick, 20, 20);
    drain_close_queue(r); /* assignments and the revocation come on the consumer queue */
    return;
  }
  r->closeq = rd_kafka_queue_new(r->rk);
  kc_kqueue_retarget(&r->kq, r->closeq);
  rd_kafka_error_t *e = rd_kafka_consumer_close_queue(r->rk, r->closeq);
  if (e) {
    kc_log_warn("kc.task.sink", "[%s] consumer close: %s", r->task->label, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
    begin_destroy(r);
    return;
  }
  drain_close_queue(r);
}

static void sink_step(kc_sink_runner_t *r) {
  kc_task_t *task = r->task;
  switch (task->phase) {
    case KC_PHASE_RUNNING:
      if (r->commit_again) start_commit(r);
      if (r->revoking && !r->flush_inflight && !r->commit_inflight) finish_revoke(r);
      drain(r);
      return;
    case KC_PHASE_WAIT_RETRY:
      if (r->commit_again) start_commit(r);
      return;
    case KC_PHASE_WAIT_DRAIN:
      if (!task->stop_forced) {
        /* the final commit may pass DLQ'd records only once their writes are acknowledged */
        if (r->dlq && kc_dlq_inflight(r->dlq) > 0 && task->state != KC_STATE_FAILED) return;
        if (!r->final_commit_started && task->state != KC_STATE_FAILED) {
          r->final_commit_started = true;
          r->commit_again = false;
          start_commit(r); /* flush + commit what was put() (6.7: commitSync on stop) */
        } else if (r->commit_again && !r->flush_inflight && !r->commit_inflight &&
                   task->state != KC_STATE_FAILED) {
          /* the stop came while a periodic commit was in flight: that one covered less, so the
           * final commit runs now that it is done (else a restart replays the difference) */
          start_commit(r);
        }
        if (r->flush_inflight || r->commit_inflight) return;
      }
      if (kc__task_plugin_stop(task) == KC_AGAIN) {
        kc_task_set_phase(task, KC_PHASE_WAIT_PLUGIN_STOP);
        return;
      }
      begin_close(r);
      return;
    case KC_PHASE_WAIT_PLUGIN_STOP:
      if (!task->plugin_stop_done) return; /* kc_task_stop_done() has not come */
      begin_close(r);
      return;
    case KC_PHASE_WAIT_CLOSE:
      drain_close_queue(r);
      return;
    default:
      return;
  }
}

void kc_sink_runner_stop(kc_task_t *task) {
  kc_sink_runner_t *r = task->sink;
  if (!r) return;
  switch (task->phase) {
    case KC_PHASE_WAIT_START:
    case KC_PHASE_RUNNING:
    case KC_PHASE_WAIT_RETRY:
      uv_timer_stop(&r->commit_timer);
      uv_timer_stop(&r->retry_timer);
      kc_task_set_phase(task, KC_PHASE_WAIT_DRAIN);
      sink_step(r);
      return;
    case KC_PHASE_WAIT_DRAIN:
      sink_step(r); /* forced: stop waiting */
      return;
    case KC_PHASE_WAIT_PLUGIN_STOP:
      if (task->plugin_stop_done) sink_step(r); /* kc_task_stop_done() came */
      return;
    default:
      return;
  }
}

void kc_sink_runner_free(kc_task_t *task) {
  kc_sink_runner_t *r = task->sink;
  if (!r) return;
  if (r->current) rd_kafka_topic_partition_list_destroy(r->current);
  if (r->flushing) rd_kafka_topic_partition_list_destroy(r->flushing);
  if (r->revoking) rd_kafka_topic_partition_list_destroy(r->revoking);
  free(r->pending);
  free(r->recs);
  free(r->recp);
  kc_arena_free(&r->arena);
  kc_buf_free(&r->text);
  free(r);
  task->sink = NULL;
}

/* ---- start ---- */

static void on_dlq_ready(void *arg) {
  kc_sink_runner_t *r = arg;
  if (r->task->phase == KC_PHASE_RUNNING) kc_kqueue_continue(&r->kq);
}

static void on_dlq_acked(void *arg) {
  kc_sink_runner_t *r = arg;
  r->dirty = true;
  if (r->task->phase == KC_PHASE_WAIT_DRAIN) sink_step(r);
}

static void on_dlq_failed(void *arg, const char *msg) { kc__task_failed(((kc_sink_runner_t *)arg)->task, "%s", msg); }

/* topics.regex: the matching topics changed; subscribe to exactly them (a rebalance, as in Java). */
static void on_pattern_changed(void *arg, char *const *topics, size_t cnt) {
  kc_sink_runner_t *r = arg;
  kc_task_t *task = r->task;
  if (task->phase != KC_PHASE_RUNNING && task->phase != KC_PHASE_WAIT_RETRY) return; /* stopping */
  rd_kafka_resp_err_t err;
  uint64_t t0 = uv_hrtime(); /* subscribe waits for librdkafka's main thread (K12): logged */
  if (cnt == 0) {
    err = r->subscribed ? rd_kafka_unsubscribe(r->rk) : RD_KAFKA_RESP_ERR_NO_ERROR;
    r->subscribed = false;
  } else {
    rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new((int)cnt);
    for (size_t i = 0; i < cnt; i++)
      rd_kafka_topic_partition_list_add(subs, topics[i], RD_KAFKA_PARTITION_UA);
    err = rd_kafka_subscribe(r->rk, subs);
    rd_kafka_topic_partition_list_destroy(subs);
    r->subscribed = !err;
  }
  kc_log_debug("kc.task.sink", "[%s] subscribed to %zu topic(s) in %.2f ms", task->label, cnt,
               (double)(uv_hrtime() - t0) / 1e6);
  if (err)
    kc__task_failed(task, "subscribe to the topics matching topics.regex failed: %s",
                    rd_kafka_err2str(err));
}

static int subscribe(kc_sink_runner_t *r, char *errstr, size_t n) {
  const kc_config_t *cfg = r->task->config;
  const char *re = kc_config_get(cfg, "topics.regex");
  if (re && *re) {
    /* Not librdkafka's regex subscription: its engine is not java.util.regex and it searches
     * instead of matching the whole name (pattern_sub.h). */
    kc_worker_t *wk = r->task->wk;
    kc_config_t *ovr = kc_config_with_prefix(kc_task_conn_config(r->task), "consumer.override.");
    const char *cid = kc_config_get(ovr, "client.id");
    char client_id[512];
    snprintf(client_id, sizeof client_id, "connector-consumer-%s", r->task->label);
    r->psub = kc_pattern_sub_start(wk->loop, re, wk->wc->props, ovr, wk->wc->bootstrap_servers,
                                   cid ? cid : client_id, on_pattern_changed, r, errstr, n);
    kc_config_destroy(ovr);
    return r->psub ? 0 : KC_EINVAL;
  }
  rd_kafka_topic_partition_list_t *subs = rd_kafka_topic_partition_list_new(4);
  char **topics = NULL;
  int cnt = kc_config_get_list(cfg, "topics", &topics);
  for (int i = 0; i < cnt; i++)
    rd_kafka_topic_partition_list_add(subs, topics[i], RD_KAFKA_PARTITION_UA);
  kc_config_list_free(topics);
  if (subs->cnt == 0) {
    rd_kafka_topic_partition_list_destroy(subs);
    snprintf(errstr, n, "Must configure one of topics or topics.regex");
    return KC_EINVAL;
  }
  rd_kafka_resp_err_t err = rd_kafka_subscribe(r->rk, subs);
  rd_kafka_topic_partition_list_destroy(subs);
  if (err) {
    snprintf(errstr, n, "subscribe failed: %s", rd_kafka_err2str(err));
    return KC_EINVAL;
  }
  r->subscribed = true;
  return 0;
}

/*
 * KIP-345 static membership: after a kill -9 the restarted task joins with the same
 * group.instance.id and the coordinator hands it the dead member's partitions at once, instead of
 * waiting session.timeout.ms for that member to expire. The id names the worker, so a task that
 * moves to another worker joins as another member. A group.instance.id the user set
 * (consumer.group.instance.id, consumer.override.group.instance.id) is kept as it is.
 */
static int static_membership(kc_sink_runner_t *r, rd_kafka_conf_t *conf, char *errstr, size_t n) {
  kc_task_t *task = r->task;
  kc_worker_t *wk = task->wk;
  char v[512] = "", es[512];
  size_t vn = sizeof v;
  if (rd_kafka_conf_get(conf, "group.instance.id", v, &vn) != RD_KAFKA_CONF_OK) *v = '\0';
  if (!*v && wk->wc->sink_static_membership) {
    int rc = kc_kafka_conf_instance_id(task->conn->name, task->id, wk->worker_id, v, sizeof v);
    if (rc) {
      snprintf(errstr, n, "consumer config: group.instance.id: %s", kc_strerror(rc));
      return rc;
    }
    if (rd_kafka_conf_set(conf, "group.instance.id", v, es, sizeof es)) {
      snprintf(errstr, n, "consumer config: group.instance.id: %s", es);
      return KC_EINVAL;
    }
  }
  r->static_member = *v != '\0';
  if (r->static_member)
    kc_log_debug("kc.task.sink", "[%s] group.instance.id %s", task->label, v);
  return 0;
}

int kc_sink_runner_start(kc_task_t *task, char *errstr, size_t n) {
  kc_worker_t *wk = task->wk;
  kc_sink_runner_t *r = calloc(1, sizeof *r);
  if (!r) return KC_ENOMEM;
  r->task = task;
  r->pending = calloc(BATCH_MAX, sizeof *r->pending);
  r->recs = calloc(BATCH_MAX, sizeof *r->recs);
  r->recp = calloc(BATCH_MAX, sizeof *r->recp);
  r->current = rd_kafka_topic_partition_list_new(8);
  task->sink = r;
  if (!r->pending || !r->recs || !r->recp) return KC_ENOMEM;

  kc_config_t *ovr = kc_config_with_prefix(kc_task_conn_config(task), "consumer.override.");
  rd_kafka_conf_t *conf = NULL;
  int rc = kc_kafka_conf_build(wk->wc->props, KC_KAFKA_CONSUMER, ovr, &conf, errstr, n);
  if (rc) {
    kc_config_destroy(ovr);
    kc_sink_runner_free(task);
    return rc;
  }
  char client_id[512], es[512];
  const char *og = kc_config_get(ovr, "group.id");
  /* Never cut: a cut group id would let two long names share one group. */
  size_t glen = strlen(task->conn->name) + sizeof "connect-";
  char *group = malloc(glen);
  if (!group) {
    rd_kafka_conf_destroy(conf);
    kc_config_destroy(ovr);
    kc_sink_runner_free(task);
    return KC_ENOMEM;
  }
  snprintf(group, glen, "connect-%s", task->conn->name);
  snprintf(client_id, sizeof client_id, "connector-consumer-%s", task->label);
  if (rd_kafka_conf_set(conf, "group.id", og ? og : group, es, sizeof es) ||
      (!kc_config_get(ovr, "client.id") &&
       rd_kafka_conf_set(conf, "client.id", client_id, es, sizeof es)) ||
      rd_kafka_conf_set(conf, "log.queue", "true", es, sizeof es)) {
    free(group);
    snprintf(errstr, n, "consumer config: %s", es);
    rd_kafka_conf_destroy(conf);
    kc_config_destroy(ovr);
    kc_sink_runner_free(task);
    return KC_EINVAL;
  }
  free(group);
  kc_config_destroy(ovr);
  if ((rc = static_membership(r, conf, errstr, n))) {
    rd_kafka_conf_destroy(conf);
    kc_sink_runner_free(task);
    return rc;
  }
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  rd_kafka_conf_set_opaque(conf, r);
  r->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, es, sizeof es);
  if (!r->rk) {
    snprintf(errstr, n, "cannot create the consumer: %s", es);
    rd_kafka_conf_destroy(conf);
    kc_sink_runner_free(task);
    return KC_EINVAL;
  }
  /* Everything (errors, logs, rebalances) onto the one watched queue (K4). */
  rd_kafka_poll_set_consumer(r->rk);
  rd_kafka_set_log_queue(r->rk, NULL);
  r->q = rd_kafka_queue_get_consumer(r->rk);
  r->commitq = rd_kafka_queue_new(r->rk);
  kc_fetch_wake_init(&r->fetch_wake, r->rk, r->commitq);
  uv_timer_init(wk->loop, &r->commit_timer);
  uv_timer_init(wk->loop, &r->keepalive);
  uv_timer_init(wk->loop, &r->retry_timer);
  r->commit_timer.data = r->keepalive.data = r->retry_timer.data = r;
  kc_kqueue_init(wk->loop, &r->kq, r->q, on_consumer_ready, r);
  kc_kqueue_init(wk->loop, &r->commit_kq, r->commitq, on_commit_events, r);
  task->runner_active = true;
  if ((rc = kc_dlq_start(task, on_dlq_ready, on_dlq_acked, on_dlq_failed, r, &r->dlq, errstr, n))) {
    kc_task_set_phase(task, KC_PHASE_RUNNING);
    return rc;
  }

  char serr[1024] = "";
  if (task->plugin->task_start(task, serr, sizeof serr) != KC_OK) {
    snprintf(errstr, n, "%s", *serr ? serr : "task start failed");
    kc_task_set_phase(task, KC_PHASE_RUNNING);
    return KC_EINVAL; /* the caller fails the task, which tears this runner down */
  }
  task->plugin_started = true;
  if (subscribe(r, errstr, n)) {
    kc_task_set_phase(task, KC_PHASE_RUNNING);
    return KC_EINVAL;
  }
  uint64_t every = (uint64_t)wk->wc->offset_flush_interval_ms;
  uv_timer_start(&r->commit_timer, on_commit_timer, every, every);
  uv_timer_start(&r->keepalive, on_keepalive, 1000, 1000);
  kc_task_set_phase(task, KC_PHASE_RUNNING);
  kc_task_set_state(task, KC_STATE_RUNNING, NULL);
  if (task->paused) kc_task_pause(task);
  return 0;
}
