/*
 * The source task runner (WorkerSourceTask, section 6.8): poll() when the
 * producer has room -> convert -> produce -> delivery reports -> an offset
 * becomes committable once it and every earlier record of its source
 * partition were acknowledged (SubmittedRecords) -> staged into the offset
 * store by the worker's flush timer and at stop.
 *
 * Step function: source_step(). Stopping: WAIT_DRAIN (outstanding delivery
 * reports, then a final offset flush) -> WAIT_PLUGIN_STOP -> WAIT_DESTROY.
 */
#include <stdlib.h>
#include <string.h>

#include "config/kafka_conf.h"
#include "config/props.h"
#include "convert/json_value.h"
#include "util/log.h"
#include "worker/worker.h"

#define POLL_MAX 2000          /* records asked per poll() */
#define INFLIGHT_MAX 50000     /* produced, not yet acknowledged */
#define DR_BUDGET 50000        /* delivery reports per loop callback */
#define EMPTY_POLL_DELAY_MS 100

typedef struct src_partition_s src_partition_t;
/*
 * One entry per group: a run of consecutive records of one source partition of which only the
 * last one's offset counts (the others are superseded by it, or covered: added without their
 * own, kc_source_batch_add_covered). Every record of the group is the opaque of its message; the
 * group is acknowledged when it is closed (its last record was handled) and no message of it is
 * outstanding. Committing per group is what per-record tracking gave too: a superseded record
 * has no offset to commit, so the committable offset only moved at a group's last record.
 */
typedef struct src_entry_s {
  src_partition_t *part;       /* NULL: records without a source partition */
  kc_value_t *offset;          /* owned; NULL until the group closes (or none: superseded) */
  size_t pending;              /* produced, no delivery report yet */
  bool open;                   /* more records of the batch join this group */
  bool acked;
  struct src_entry_s *next;
} src_entry_t;

struct src_partition_s {
  char *key;                   /* ["connector",{partition}] as JSON (section 5.2) */
  size_t klen;
  src_entry_t *head, *tail;    /* submitted, in order */
  kc_value_t *committable;     /* newest offset with everything before it acked */
  bool dirty;
  src_partition_t *next;
};

typedef struct topic_handle_s {
  rd_kafka_topic_t *rkt;
  struct topic_handle_s *next;
} topic_handle_t;

struct kc_source_runner_s {
  kc_task_t *task;
  rd_kafka_t *rk;
  rd_kafka_queue_t *q;         /* main queue: DR, errors, logs */
  kc_kqueue_t kq;
  uv_idle_t cont;
  uv_timer_t delay;
  uv_work_t destroy_work;
  kc_source_batch_t batch;     /* polled, not yet produced (QUEUE_FULL leftovers) */
  size_t batch_off;
  src_partition_t *parts;
  kc_value_t *last_pmap;       /* the source partition of the last record, and its entry: */
  src_partition_t *last_part;  /* records come in runs of one partition, so skip the key */
  topic_handle_t *topics;
  kc_value_t *offset_cache;    /* kc_task_offset() result, freed on the next call */
  src_entry_t *group;          /* the open group the next record of the batch joins, or NULL */
  kc_buf_t kbuf, vbuf;
  kc_arena_t arena;            /* values the transforms make for the batch being produced */
  size_t inflight;
  bool poll_blocked;           /* poll() said KC_AGAIN; kc_task_wakeup() clears */
  bool queue_full;
  bool conv_waiting;           /* a converter waits for the Schema Registry: the record is held */
  bool flush_waiting, final_flush_done;
  int pending_closes;
  int64_t produced;
  double commit_t0;            /* the offset commit being flushed began (offset-commit-*-time-ms) */
  bool commit_pending;         /* staged offsets wait for the store's flush */
};

/* WorkerTask.recordCommitSuccess / recordCommitFailure. */
static void commit_finished(kc_source_runner_t *r, bool ok) {
  kc_task_metrics_t *m = &r->task->m;
  r->commit_pending = false;
  kc_mstat_record(&m->commit_result, ok ? 1.0 : 0.0);
  if (ok) kc_mstat_record(&m->commit_time, kc_metrics_now_ms() - r->commit_t0);
}

static void source_step(kc_source_runner_t *r);

/* ---- offsets ---- */

static src_partition_t *partition_lookup(kc_source_runner_t *r, const kc_value_t *pmap) {
  kc_buf_t key;
  kc_buf_init(&key, 0);
  kc_value_t *arr = kc_value_new_array();
  if (!arr) return NULL;
  kc_value_array_append(arr, kc_value_new_string(r->task->conn->name, strlen(r->task->conn->name)));
  kc_value_array_append(arr, kc_value_copy(pmap));
  int rc = kc_json_encode(arr, &key);
  kc_value_destroy(arr);
  if (rc) {
    kc_buf_free(&key);
    return NULL;
  }
  for (src_partition_t *p = r->parts; p; p = p->next)
    if (p->klen == key.len && !memcmp(p->key, key.data, key.len)) {
      kc_buf_free(&key);
      return p;
    }
  src_partition_t *p = calloc(1, sizeof *p);
  if (!p) {
    kc_buf_free(&key);
    return NULL;
  }
  p->key = key.data;
  p->klen = key.len;
  p->next = r->parts;
  r->parts = p;
  return p;
}

static src_partition_t *partition_for(kc_source_runner_t *r, const kc_value_t *pmap) {
  if (r->last_part && kc_value_equal(r->last_pmap, pmap)) return r->last_part;
  src_partition_t *p = partition_lookup(r, pmap);
  kc_value_t *copy = p ? kc_value_copy(pmap) : NULL;
  if (copy) {
    kc_value_destroy(r->last_pmap);
    r->last_pmap = copy;
    r->last_part = p;
  }
  return p;
}

/* The group is closed and every message of it acknowledged: its offset becomes committable once
 * every earlier group of its partition is acknowledged too. */
static void group_done(kc_source_runner_t *r, src_entry_t *e) {
  (void)r;
  e->acked = true;
  src_partition_t *p = e->part;
  if (!p) {
    kc_value_destroy(e->offset);
    free(e);
    return;
  }
  while (p->head && p->head->acked) {
    src_entry_t *h = p->head;
    p->head = h->next;
    if (!p->head) p->tail = NULL;
    if (h->offset) { /* NULL: no offset of its own (superseded, or none given) */
      kc_value_destroy(p->committable);
      p->committable = h->offset;
      p->dirty = true;
    }
    free(h);
  }
}

/* The group the record at batch_off joins: the open one, else a new one of the record's source
 * partition (a covered record's is the one of the next record that is not covered). */
static src_entry_t *group_for(kc_source_runner_t *r, const kc_source_record_t *rec) {
  if (r->group) return r->group;
  const kc_value_t *pmap = rec->source_partition;
  if (rec->covered)
    for (size_t i = r->batch_off + 1; i < r->batch.n; i++)
      if (!r->batch.recs[i]->covered) {
        pmap = r->batch.recs[i]->source_partition;
        break;
      }
  src_entry_t *e = calloc(1, sizeof *e);
  if (!e) return NULL;
  if (pmap && !(e->part = partition_for(r, pmap))) {
    free(e);
    return NULL;
  }
  e->open = true;
  if (e->part) {
    if (e->part->tail)
      e->part->tail->next = e;
    else
      e->part->head = e;
    e->part->tail = e;
  }
  r->group = e;
  return e;
}

/* @p rec was handled: unless the next record joins its group, the group closes with rec's offset. */
static void group_close(kc_source_runner_t *r, kc_source_record_t *rec, bool superseded) {
  if (superseded) return;
  src_entry_t *e = r->group;
  r->group = NULL;
  e->offset = rec->source_offset;
  rec->source_offset = NULL;
  e->open = false;
  if (e->pending == 0) group_done(r, e);
}

int kc_source_runner_stage_offsets(kc_task_t *task) {
  kc_source_runner_t *r = task->source;
  if (!r) return 0;
  int staged = 0;
  kc_buf_t v;
  kc_buf_init(&v, 0);
  for (src_partition_t *p = r->parts; p; p = p->next) {
    if (!p->dirty) continue;
    kc_buf_reset(&v);
    if (kc_json_encode(p->committable, &v)) continue;
    if (kc_offset_store_set(task->wk->offsets, p->key, p->klen, p->committable ? v.data : NULL,
                            v.len) == 0) {
      p->dirty = false;
      staged++;
    }
  }
  kc_buf_free(&v);
  /* WorkerSourceTask.commitOffsets: nothing to flush is a successful commit at once */
  r->commit_t0 = kc_metrics_now_ms();
  if (staged) r->commit_pending = true;
  else commit_finished(r, true);
  return staged;
}

void kc_source_runner_offsets_flushed(kc_task_t *task, int status) {
  if (task->source && task->source->commit_pending) commit_finished(task->source, status == 0);
  if (status == 0 && task->plugin->commit && task->plugin_started) task->plugin->commit(task);
}

const kc_value_t *kc_source_runner_offset(kc_task_t *task, const kc_value_t *partition) {
  kc_source_runner_t *r = task->source;
  kc_value_destroy(r->offset_cache);
  r->offset_cache = NULL;
  src_partition_t *p = partition_for(r, partition);
  if (!p) return NULL;
  const void *val;
  size_t vlen;
  if (kc_offset_store_get(task->wk->offsets, p->key, p->klen, &val, &vlen)) return NULL;
  char err[256];
  if (kc_json_decode(val, vlen, &r->offset_cache, err, sizeof err)) {
    kc_log_warn("kc.task.source", "[%s] stored offset for %.*s is not valid JSON: %s", task->label,
                (int)p->klen, p->key, err);
    return NULL;
  }
  return r->offset_cache;
}

/* ---- producing ---- */

static rd_kafka_topic_t *topic_handle(kc_source_runner_t *r, const char *name) {
  for (topic_handle_t *t = r->topics; t; t = t->next)
    if (!strcmp(rd_kafka_topic_name(t->rkt), name)) return t->rkt;
  topic_handle_t *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->rkt = rd_kafka_topic_new(r->rk, name, NULL);
  if (!t->rkt) {
    free(t);
    return NULL;
  }
  t->next = r->topics;
  r->topics = t;
  return t->rkt;
}

/* produce_one's "a converter waits for the Schema Registry" result. */
#define KC_AGAIN_CONV 100

/* A record that will not be produced (dropped by a transform, or its failure tolerated): its
 * offset still commits in order, as WorkerSourceTask.recordDropped acks it at once.
 * @p superseded: the next record of the batch joins this record's group (see src_entry_t). */
static int dropped(kc_source_runner_t *r, kc_source_record_t *rec, bool superseded) {
  r->task->m.active_count--; /* SourceRecordWriteCounter.skipRecord */
  if (!r->group && !rec->covered && !rec->source_partition) return 0;
  if (!group_for(r, rec)) {
    kc__task_failed(r->task, "out of memory tracking the offset of a dropped record");
    return KC_ERR;
  }
  group_close(r, rec, superseded);
  return 0;
}

/*
 * A record failed in a stage before producing (ProcessingContext: Connect's Stage name, the
 * executing class, the exception). The error policy decides: drop it, or fail the task.
 * @returns 0 (dropped) or KC_ERR (task failed).
 */
static int stage_failed(kc_source_runner_t *r, kc_source_record_t *rec, bool superseded,
                        const char *stage, const char *executing_class, const char *exception,
                        const char *message) {
  kc_task_t *task = r->task;
  kc_metrics_record_failed(task, task->tolerate_errors, task->log_errors);
  if (task->log_errors) {
    char where[600] = "";
    if (task->log_messages) snprintf(where, sizeof where, ", where source record is = {topic='%s'}", rec->topic);
    kc_log_error("kc.errors", "Error encountered in task %s. Executing stage '%s' with class '%s'%s.\n%s: %s",
                 task->label, stage, executing_class ? executing_class : "null", where, exception, message);
  }
  if (!task->tolerate_errors) {
    kc__task_failed(task, "Tolerance exceeded in error handler: %s a record for topic %s: %s",
                    strcmp(stage, "TRANSFORMATION") ? "converting" : "transforming", rec->topic,
                    message);
    return KC_ERR;
  }
  return dropped(r, rec, superseded);
}

static int produce_one(kc_source_runner_t *r, kc_source_record_t *rec, bool superseded) {
  kc_task_t *task = r->task;
  char err[1024];
  if (task->chain && !rec->xf_done) {
    kc_xf_failure_t f;
    kc_xf_failure_init(&f);
    rec->xf_done = true;
    int xrc = kc__source_transform(task, rec, &r->arena, &f);
    if (xrc == KC_XF_DROP) return dropped(r, rec, superseded);
    if (xrc == KC_ENOMEM) {
      kc__task_failed(task, "out of memory transforming a record");
      return KC_ERR;
    }
    if (xrc)
      return stage_failed(r, rec, superseded, f.alias ? "TRANSFORMATION" : "HEADER_CONVERTER",
                          f.class_name, f.error.exception ? f.error.exception : KC_XF_CONNECT_EXCEPTION,
                          f.error.message);
  }
  bool knull = true, vnull = true;
  kc_buf_reset(&r->kbuf);
  kc_buf_reset(&r->vbuf);
  int crc = kc_converter_from_connect(task->key_conv, rec->topic, rec->key_schema, rec->key,
                                      &r->kbuf, &knull, err, sizeof err);
  const char *stage = "KEY_CONVERTER", *cls = kc_converter_class_name(task->key_conv);
  if (!crc) {
    crc = kc_converter_from_connect(task->value_conv, rec->topic, rec->value_schema, rec->value,
                                    &r->vbuf, &vnull, err, sizeof err);
    stage = "VALUE_CONVERTER";
    cls = kc_converter_class_name(task->value_conv);
  }
  if (crc == KC_AGAIN) return KC_AGAIN_CONV;
  if (crc) {
    if (crc != KC_ECONVERT) snprintf(err, sizeof err, "%s", kc_strerror(crc));
    return stage_failed(r, rec, superseded, stage, cls, KC_XF_DATA_EXCEPTION, err);
  }
  rd_kafka_topic_t *rkt = topic_handle(r, rec->topic);
  src_entry_t *e = rkt ? group_for(r, rec) : NULL; /* stays open if the queue is full */
  if (!e) {
    kc__task_failed(task, "out of memory producing to %s", rec->topic);
    return KC_ERR;
  }
  /* A copy: on QUEUE_FULL the record is produced again later with its headers. */
  rd_kafka_headers_t *hdrs = rec->headers ? rd_kafka_headers_copy(rec->headers) : NULL;
  /* produceva: the same fields as producev without parsing a va_list per record. */
  rd_kafka_vu_t vu[8];
  size_t nvu = 0;
  vu[nvu].vtype = RD_KAFKA_VTYPE_RKT;
  vu[nvu++].u.rkt = rkt;
  vu[nvu].vtype = RD_KAFKA_VTYPE_PARTITION;
  vu[nvu++].u.i32 = rec->partition;
  vu[nvu].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  vu[nvu++].u.i = RD_KAFKA_MSG_F_COPY;
  vu[nvu].vtype = RD_KAFKA_VTYPE_KEY;
  vu[nvu].u.mem.ptr = knull ? NULL : r->kbuf.data;
  vu[nvu++].u.mem.size = knull ? 0 : r->kbuf.len;
  vu[nvu].vtype = RD_KAFKA_VTYPE_VALUE;
  vu[nvu].u.mem.ptr = vnull ? NULL : r->vbuf.data;
  vu[nvu++].u.mem.size = vnull ? 0 : r->vbuf.len;
  vu[nvu].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
  vu[nvu++].u.i64 = rec->timestamp_ms > 0 ? rec->timestamp_ms : 0;
  vu[nvu].vtype = RD_KAFKA_VTYPE_OPAQUE;
  vu[nvu++].u.ptr = e;
  if (hdrs) {
    vu[nvu].vtype = RD_KAFKA_VTYPE_HEADERS;
    vu[nvu++].u.headers = hdrs;
  }
  rd_kafka_error_t *perror = rd_kafka_produceva(r->rk, vu, nvu);
  rd_kafka_resp_err_t perr = perror ? rd_kafka_error_code(perror) : RD_KAFKA_RESP_ERR_NO_ERROR;
  if (perror) rd_kafka_error_destroy(perror);
  if (perr && hdrs) rd_kafka_headers_destroy(hdrs); /* produceva took them only on success */
  if (perr == RD_KAFKA_RESP_ERR__QUEUE_FULL) return KC_AGAIN;
  if (perr) {
    kc__task_failed(task, "producing to %s failed: %s", rec->topic, rd_kafka_err2str(perr));
    return KC_ERR;
  }
  e->pending++;
  group_close(r, rec, superseded);
  r->inflight++;
  r->produced++;
  return 0;
}

/* Produces the polled batch; @returns false when it must wait (queue full) or the task failed. */
static bool produce_batch(kc_source_runner_t *r) {
  while (r->batch_off < r->batch.n) {
    kc_source_record_t *rec = r->batch.recs[r->batch_off];
    kc_source_record_t *next = r->batch_off + 1 < r->batch.n ? r->batch.recs[r->batch_off + 1] : NULL;
    /* A covered record's offset is the next record's; a batch's last record closes its group. */
    bool superseded = rec->covered ? next != NULL
                      : next && !next->covered && rec->source_partition && rec->source_offset &&
                            next->source_offset &&
                            (rec->source_partition == next->source_partition ||
                             kc_value_equal(rec->source_partition, next->source_partition));
    int rc = produce_one(r, rec, superseded);
    if (rc == KC_AGAIN) {
      r->queue_full = true;
      return false;
    }
    if (rc == KC_AGAIN_CONV) {
      r->conv_waiting = true;
      return false;
    }
    if (rc == KC_ERR) return false;
    kc_source_record_destroy(r->batch.recs[r->batch_off]);
    r->batch.recs[r->batch_off++] = NULL;
  }
  r->batch.n = r->batch_off = 0;
  kc_arena_reset(&r->arena); /* every record of the batch is produced or gone */
  return true;
}

static void on_cont(uv_idle_t *h) {
  uv_idle_stop(h);
  source_step(h->data);
}
static void on_delay(uv_timer_t *t) { source_step(t->data); }

static void poll_loop(kc_source_runner_t *r) {
  kc_task_t *task = r->task;
  size_t produced_now = 0;
  while (task->phase == KC_PHASE_RUNNING && !task->paused && task->state == KC_STATE_RUNNING) {
    if (!produce_batch(r)) return; /* a delivery report resumes us */
    if (r->poll_blocked || r->inflight >= INFLIGHT_MAX) return;
    if (produced_now >= POLL_MAX * 4) {
      uv_idle_start(&r->cont, on_cont); /* bound the work per callback */
      return;
    }
    char err[1024] = "";
    size_t max = INFLIGHT_MAX - r->inflight;
    if (max > POLL_MAX) max = POLL_MAX;
    double t0 = kc_metrics_now_ms();
    int rc = task->plugin->poll(task, &r->batch, max, err, sizeof err);
    size_t got = r->batch.n;
    if (got > 0 && rc != KC_ERR) { /* recordPollReturned and recordBatch (a non-null poll()) */
      kc_task_metrics_t *m = &task->m;
      kc_mstat_record(&m->poll_time, kc_metrics_now_ms() - t0);
      kc_mstat_record(&m->poll, (double)got);
      kc_mstat_record(&m->batch_size, (double)got);
      m->active_count += (int64_t)got;
      kc_mstat_record(&m->active, (double)m->active_count);
    }
    if (rc == KC_ERR) {
      kc__task_failed(task, "%s", *err ? err : "poll() failed");
      return;
    }
    if (rc == KC_AGAIN) r->poll_blocked = true;
    if (rc == KC_RETRY) {
      uv_timer_start(&r->delay, on_delay, 1000, 0);
      produce_batch(r);
      return;
    }
    if (got == 0 && rc == KC_OK) {
      uv_timer_start(&r->delay, on_delay, EMPTY_POLL_DELAY_MS, 0);
      return;
    }
    produced_now += got;
  }
}

static void on_producer_events(kc_kqueue_t *kq) {
  kc_source_runner_t *r = kq->data;
  kc_task_t *task = r->task;
  rd_kafka_event_t *ev;
  size_t budget = DR_BUDGET;
  while (budget > 0 && (ev = rd_kafka_queue_poll(r->q, 0))) {
    switch (rd_kafka_event_type(ev)) {
      case RD_KAFKA_EVENT_DR: {
        const rd_kafka_message_t *m;
        size_t nack = 0, ndone = 0;
        const rd_kafka_topic_t *tracked = NULL;
        while ((m = rd_kafka_event_message_next(ev))) {
          src_entry_t *e = m->_private;
          r->inflight--;
          budget--;
          ndone++;
          if (m->err) {
            /* Not acked: its group's offset (and every later one) is never committed. */
            kc__task_failed(task, "Failed to send a record to topic %s: %s",
                            rd_kafka_topic_name(m->rkt), rd_kafka_err2str(m->err));
            if (--e->pending == 0 && !e->open && !e->part) {
              kc_value_destroy(e->offset);
              free(e);
            }
            continue;
          }
          if (--e->pending == 0 && !e->open) group_done(r, e);
          nack++;
          /* AbstractWorkerSourceTask records the topic when its send is acknowledged; asked once
           * per run of one topic in a report, so a reset is seen again by the next report. */
          if (m->rkt != tracked) {
            tracked = m->rkt;
            kc_worker_topic_used(task, rd_kafka_topic_name(m->rkt));
          }
        }
        if (ndone) { /* source-record-write counts what Kafka acknowledged */
          kc_task_metrics_t *tm = &task->m;
          if (nack) kc_mstat_record(&tm->write, (double)nack);
          tm->active_count -= (int64_t)ndone;
          if (tm->active_count < 0) tm->active_count = 0;
          kc_mstat_record(&tm->active, (double)tm->active_count);
        }
        break;
      }
      case RD_KAFKA_EVENT_ERROR:
        if (rd_kafka_event_error_is_fatal(ev))
          kc__task_failed(task, "Kafka producer fatal error: %s", rd_kafka_event_error_string(ev));
        else
          kc_log_warn("kc.task.source", "[%s] producer: %s", task->label, rd_kafka_event_error_string(ev));
        break;
      case RD_KAFKA_EVENT_LOG: {
        const char *fac, *str;
        int level;
        rd_kafka_event_log(ev, &fac, &str, &level);
        kc_log(level <= 3 ? KC_LOG_ERROR : level <= 4 ? KC_LOG_WARN : KC_LOG_DEBUG, "librdkafka",
               "[%s] %s: %s", task->label, fac, str);
        break;
      }
      default:
        break;
    }
    rd_kafka_event_destroy(ev);
  }
  if (budget == 0) kc_kqueue_continue(kq);
  r->queue_full = false;
  source_step(r);
}

void kc_source_runner_wakeup(kc_task_t *task) {
  kc_source_runner_t *r = task->source;
  if (!r) return;
  r->poll_blocked = false;
  if (task->phase == KC_PHASE_RUNNING) uv_idle_start(&r->cont, on_cont);
}

void kc_source_runner_conv_ready(kc_task_t *task) {
  kc_source_runner_t *r = task->source;
  if (!r || !r->conv_waiting) return;
  r->conv_waiting = false;
  if (task->phase == KC_PHASE_RUNNING) uv_idle_start(&r->cont, on_cont);
}

void kc_source_runner_pause(kc_task_t *task, bool pause) {
  kc_source_runner_t *r = task->source;
  if (!pause && task->phase == KC_PHASE_RUNNING) uv_idle_start(&r->cont, on_cont);
}

/* ---- stop ---- */

static void runner_closed(kc_source_runner_t *r) {
  if (--r->pending_closes == 0) kc__task_runner_stopped(r->task);
}
static void on_handle_closed(uv_handle_t *h) { runner_closed(h->data); }
static void on_kq_closed(kc_kqueue_t *kq) { runner_closed(kq->data); }
static void destroy_work(uv_work_t *w) { rd_kafka_destroy(((kc_source_runner_t *)w->data)->rk); }
static void destroy_after(uv_work_t *w, int status) { runner_closed(w->data); }

static void begin_destroy(kc_source_runner_t *r) {
  kc_task_set_phase(r->task, KC_PHASE_WAIT_DESTROY);
  r->pending_closes = 4;
  kc_kqueue_close(&r->kq, on_kq_closed);
  uv_close((uv_handle_t *)&r->cont, on_handle_closed);
  uv_close((uv_handle_t *)&r->delay, on_handle_closed);
  for (topic_handle_t *t = r->topics, *nx; t; t = nx) {
    nx = t->next;
    rd_kafka_topic_destroy(t->rkt);
    free(t);
  }
  r->topics = NULL;
  rd_kafka_queue_destroy(r->q);
  r->q = NULL;
  r->destroy_work.data = r;
  uv_queue_work(r->task->wk->loop, &r->destroy_work, destroy_work, destroy_after);
}

static void on_final_flush(void *arg, int status) {
  kc_task_t *task = arg;
  kc_source_runner_t *r = task->source;
  r->flush_waiting = false;
  r->final_flush_done = true;
  if (status)
    kc_log_error("kc.task.source", "[%s] final offset flush failed: %s", task->label, kc_strerror(status));
  else
    kc_source_runner_offsets_flushed(task, 0);
  source_step(r);
}

static void source_step(kc_source_runner_t *r) {
  kc_task_t *task = r->task;
  switch (task->phase) {
    case KC_PHASE_RUNNING:
      poll_loop(r);
      return;
    case KC_PHASE_WAIT_DRAIN:
      if (r->flush_waiting) return;
      if (!r->final_flush_done) {
        /* Offsets only for acknowledged records: wait for the outstanding reports. */
        if (r->inflight > 0 && !task->stop_forced) return;
        if (kc_source_runner_stage_offsets(task) > 0 &&
            kc_offset_store_flush(task->wk->offsets, on_final_flush, task) == 0) {
          r->flush_waiting = true;
          return;
        }
        r->final_flush_done = true;
      }
      if (kc__task_plugin_stop(task) == KC_AGAIN) {
        kc_task_set_phase(task, KC_PHASE_WAIT_PLUGIN_STOP);
        return;
      }
      begin_destroy(r);
      return;
    case KC_PHASE_WAIT_PLUGIN_STOP:
      if (!task->plugin_stop_done) return; /* kc_task_stop_done() has not come */
      begin_destroy(r);
      return;
    default:
      return;
  }
}

void kc_source_runner_stop(kc_task_t *task) {
  kc_source_runner_t *r = task->source;
  if (!r) return;
  switch (task->phase) {
    case KC_PHASE_WAIT_START:
    case KC_PHASE_RUNNING:
    case KC_PHASE_WAIT_RETRY:
      uv_idle_stop(&r->cont);
      uv_timer_stop(&r->delay);
      kc_task_set_phase(task, KC_PHASE_WAIT_DRAIN);
      source_step(r);
      return;
    case KC_PHASE_WAIT_DRAIN:
      source_step(r);
      return;
    case KC_PHASE_WAIT_PLUGIN_STOP:
      if (task->plugin_stop_done) source_step(r); /* kc_task_stop_done() came */
      return;
    default:
      return;
  }
}

void kc_source_runner_free(kc_task_t *task) {
  kc_source_runner_t *r = task->source;
  if (!r) return;
  for (size_t i = r->batch_off; i < r->batch.n; i++) kc_source_record_destroy(r->batch.recs[i]);
  free(r->batch.recs);
  for (src_partition_t *p = r->parts, *nx; p; p = nx) {
    nx = p->next;
    for (src_entry_t *e = p->head, *en; e; e = en) {
      en = e->next;
      kc_value_destroy(e->offset);
      free(e);
    }
    kc_value_destroy(p->committable);
    free(p->key);
    free(p);
  }
  if (r->group && !r->group->part) { /* else freed with its partition's list */
    kc_value_destroy(r->group->offset);
    free(r->group);
  }
  kc_value_destroy(r->offset_cache);
  kc_value_destroy(r->last_pmap);
  kc_buf_free(&r->kbuf);
  kc_buf_free(&r->vbuf);
  kc_arena_free(&r->arena);
  free(r);
  task->source = NULL;
}

/* ---- start ---- */

static int set(rd_kafka_conf_t *conf, const kc_config_t *ovr, const char *k, const char *v,
               char *es, size_t n) {
  if (kc_config_get(ovr, k)) return 0; /* the user's producer.override wins */
  return rd_kafka_conf_set(conf, k, v, es, n) == RD_KAFKA_CONF_OK ? 0 : -1;
}

int kc_source_runner_start(kc_task_t *task, char *errstr, size_t n) {
  kc_worker_t *wk = task->wk;
  kc_source_runner_t *r = calloc(1, sizeof *r);
  if (!r) return KC_ENOMEM;
  r->task = task;
  r->batch.arena = &r->arena;
  kc_buf_init(&r->kbuf, 0);
  kc_buf_init(&r->vbuf, 0);
  task->source = r;
  kc_config_t *ovr = kc_config_with_prefix(kc_task_conn_config(task), "producer.override.");
  rd_kafka_conf_t *conf = NULL;
  int rc = kc_kafka_conf_build(wk->wc->props, KC_KAFKA_PRODUCER, ovr, &conf, errstr, n);
  if (rc) {
    kc_config_destroy(ovr);
    kc_source_runner_free(task);
    return rc;
  }
  char client_id[512], es[512] = "";
  snprintf(client_id, sizeof client_id, "connector-producer-%s", task->label);
  /* Connect's source producer: acks=all, never give up on a record (delivery.timeout.ms=MAX);
   * idempotence keeps order and avoids duplicates on retries. */
  if (set(conf, ovr, "client.id", client_id, es, sizeof es) ||
      set(conf, ovr, "acks", "all", es, sizeof es) ||
      set(conf, ovr, "enable.idempotence", "true", es, sizeof es) ||
      set(conf, ovr, "message.timeout.ms", "0", es, sizeof es) ||
      rd_kafka_conf_set(conf, "log.queue", "true", es, sizeof es)) {
    snprintf(errstr, n, "producer config: %s", es);
    kc_config_destroy(ovr);
    rd_kafka_conf_destroy(conf);
    kc_source_runner_free(task);
    return KC_EINVAL;
  }
  kc_config_destroy(ovr);
  rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG);
  r->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, es, sizeof es);
  if (!r->rk) {
    snprintf(errstr, n, "cannot create the producer: %s", es);
    rd_kafka_conf_destroy(conf);
    kc_source_runner_free(task);
    return KC_EINVAL;
  }
  rd_kafka_set_log_queue(r->rk, NULL);
  r->q = rd_kafka_queue_get_main(r->rk);
  uv_idle_init(wk->loop, &r->cont);
  uv_timer_init(wk->loop, &r->delay);
  r->cont.data = r->delay.data = r;
  kc_kqueue_init(wk->loop, &r->kq, r->q, on_producer_events, r);
  task->runner_active = true;
  kc_task_set_phase(task, KC_PHASE_RUNNING);

  char serr[1024] = "";
  if (task->plugin->task_start(task, serr, sizeof serr) != KC_OK) {
    snprintf(errstr, n, "%s", *serr ? serr : "task start failed");
    return KC_EINVAL;
  }
  task->plugin_started = true;
  kc_task_set_state(task, KC_STATE_RUNNING, NULL);
  if (task->paused) kc_task_pause(task);
  uv_idle_start(&r->cont, on_cont);
  return 0;
}
