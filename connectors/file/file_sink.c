/*
 * FileStreamSink: org.apache.kafka.connect.file.FileStreamSinkConnector
 * (connect-runtime.md section 7). Each task appends String.valueOf(value)
 * plus "\n" per record to one file, or to stdout.
 *
 * DESIGN
 * All work runs on the worker's loop thread. put() renders records into the
 * `active` buffer of two (no allocation per record once the buffers have
 * grown); the other buffer is the one being written. Exactly one uv_fs_write
 * is in flight at a time: the file is opened O_APPEND, so that several tasks
 * (tasks.max copies share one file) each append whole buffers, and O_APPEND
 * ignores explicit positions, so concurrent writes would land in any order
 * (loop-integration.md G1/G2). The active buffer is submitted
 *  - at once when it reaches SINK_WRITE_BYTES,
 *  - otherwise from a uv_idle hook on the next loop iteration, so that
 *    records reach the file promptly (Connect's PrintStream writes every
 *    record through) while all put() calls of one iteration share a write
 *    (an idle handle, unlike uv_prepare, also keeps the loop from sleeping
 *    on the pending data whatever phase put() was called from),
 *  - and when the write in flight completes.
 * While a write is in flight and the active buffer is full, put() returns
 * KC_AGAIN and the write callback calls kc_task_wakeup() (G3). A buffer is
 * only swapped between put() calls, never in the middle of one (G4).
 *
 * flush() needs no offset lowering: it completes once every byte appended
 * before it has been written (byte counters `appended` >= `written`), so the
 * offsets it was given are exactly the durable ones. Like Connect's
 * PrintStream.flush(), it does not fsync.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup under -std=c11 */
#endif
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kconnect/connector.h"

#define SINK_WRITE_BYTES (1024 * 1024)       /* submit a write at this size */
#define SINK_BUF_LIMIT ((size_t)1 << 30)     /* hard cap of one buffer (one huge batch) */
#define SINK_KEEP_BYTES (16 * 1024 * 1024)   /* free a written buffer larger than this */
#define SINK_EAGAIN_RETRY_MS 10              /* a non-blocking stdout was full */

typedef enum {
  SINK_WAIT_OPEN, /* uv_fs_open in flight; put() buffers meanwhile */
  SINK_OPEN,      /* writing */
  SINK_FAILED,    /* error[] says why */
} sink_state_t;

typedef struct sink_task_s {
  kc_task_t *task;
  uv_loop_t *loop;
  char *path;               /* NULL: stdout */
  sink_state_t state;
  uv_file fd;
  kc_buf_t bufs[2];
  int active;               /* index of the buffer put() appends to */
  size_t write_off;         /* bytes of the written buffer done (short writes) */
  uint64_t appended;        /* bytes ever appended by put() */
  uint64_t written;         /* bytes ever written to the file */
  uint64_t flush_target;    /* flush completes when written reaches this */
  bool flush_pending;
  bool write_busy;          /* a uv_fs_write, or its EAGAIN retry timer, is pending */
  bool retry_armed;
  bool open_busy, close_busy;
  bool stalled;             /* put() returned KC_AGAIN */
  uv_fs_t open_req, write_req, close_req;
  uv_idle_t kick;           /* submits the active buffer on the next iteration */
  uv_timer_t retry;
  bool stopping;
  int closing;              /* handles whose close callback is pending */
  char error[512];
} sink_task_t;

static void sink_submit(sink_task_t *s);
static void sink_stop_step(sink_task_t *s);

static const char *sink_name(const sink_task_t *s) { return s->path ? s->path : "stdout"; }

/* Completes a pending flush (exactly once). */
static void sink_flush_check(sink_task_t *s) {
  if (!s->flush_pending) return;
  if (s->state == SINK_FAILED) {
    s->flush_pending = false;
    kc_task_flush_done(s->task, KC_ERR);
  } else if (s->written >= s->flush_target) {
    s->flush_pending = false;
    kc_task_flush_done(s->task, KC_OK);
  }
}

/* Records the first failure: @p fmt describes it, the OS reason for @p err follows. */
static void sink_fail(sink_task_t *s, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void sink_fail(sink_task_t *s, int err, const char *fmt, ...) {
  if (s->state == SINK_FAILED) return;
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(s->error, sizeof(s->error), fmt, ap);
  va_end(ap);
  if (n >= 0 && (size_t)n < sizeof(s->error))
    snprintf(s->error + n, sizeof(s->error) - (size_t)n, ": %s (%s)", uv_strerror(err),
             uv_err_name(err));
  s->state = SINK_FAILED;
  if (s->stopping) {
    kc_task_log(s->task, KC_LOG_ERROR, "%s", s->error);
    return;
  }
  kc_task_fail(s->task, s->error);
}

static void sink_write_cb(uv_fs_t *req);

static void sink_write_more(sink_task_t *s) {
  kc_buf_t *b = &s->bufs[!s->active];
  uv_buf_t ub = uv_buf_init(b->data + s->write_off, (unsigned int)(b->len - s->write_off));
  s->write_req.data = s;
  /* -1: the O_APPEND end of the file (or stdout's position); one write at a time. */
  int rc = uv_fs_write(s->loop, &s->write_req, s->fd, &ub, 1, -1, sink_write_cb);
  if (rc < 0) {
    s->write_busy = false;
    sink_fail(s, rc, "Error writing to %s in FileStreamSinkTask", sink_name(s));
    return;
  }
  s->write_busy = true;
}

static void sink_retry_cb(uv_timer_t *t) {
  sink_task_t *s = t->data;
  s->retry_armed = false;
  sink_write_more(s);
  if (s->state == SINK_FAILED) sink_flush_check(s);
}

static void sink_write_cb(uv_fs_t *req) {
  sink_task_t *s = req->data;
  ssize_t r = req->result;
  uv_fs_req_cleanup(req);
  kc_buf_t *b = &s->bufs[!s->active];
  if (r == UV_EAGAIN && !s->stopping) {
    /* stdout set non-blocking by someone and full: no fd event will come, poll it. */
    s->retry_armed = true;
    uv_timer_start(&s->retry, sink_retry_cb, SINK_EAGAIN_RETRY_MS, 0);
    return;
  }
  if (r >= 0 && s->write_off + (size_t)r < b->len) {
    s->write_off += (size_t)r; /* short write: send the rest */
    sink_write_more(s);
    if (s->state != SINK_FAILED) return;
  }
  s->write_busy = false;
  if (r < 0) {
    sink_fail(s, (int)r, "Error writing to %s in FileStreamSinkTask", sink_name(s));
  } else if (s->state != SINK_FAILED) {
    s->written += b->len;
    if (b->cap > SINK_KEEP_BYTES) {
      kc_buf_free(b);
      kc_buf_init(b, SINK_BUF_LIMIT);
    } else {
      kc_buf_reset(b);
    }
    /* The active buffer filled meanwhile; a pending flush also needs it out. */
    sink_submit(s);
  }
  sink_flush_check(s);
  if (s->stopping) {
    sink_stop_step(s);
    return;
  }
  if (s->stalled && (s->state == SINK_FAILED || s->bufs[s->active].len < SINK_WRITE_BYTES)) {
    s->stalled = false;
    kc_task_wakeup(s->task);
  }
}

/* Hands the active buffer to the writer when it may write. */
static void sink_submit(sink_task_t *s) {
  if (s->write_busy || s->state != SINK_OPEN || s->bufs[s->active].len == 0) return;
  s->active = !s->active;
  s->write_off = 0;
  sink_write_more(s);
}

static void sink_kick_cb(uv_idle_t *h) {
  sink_task_t *s = h->data;
  uv_idle_stop(h);
  sink_submit(s);
  if (s->state == SINK_FAILED) sink_flush_check(s);
}

static void sink_open_cb(uv_fs_t *req) {
  sink_task_t *s = req->data;
  ssize_t r = req->result;
  uv_fs_req_cleanup(req);
  s->open_busy = false;
  if (r < 0) {
    sink_fail(s, (int)r, "Couldn't find or create file '%s' for FileStreamSinkTask", s->path);
    sink_flush_check(s);
  } else {
    s->fd = (uv_file)r;
    s->state = SINK_OPEN;
    sink_submit(s);
  }
  if (s->stopping) {
    sink_stop_step(s);
    return;
  }
  if (s->stalled) {
    s->stalled = false;
    kc_task_wakeup(s->task);
  }
}

static int sink_put(kc_task_t *task, kc_sink_record_t *const *records, size_t n, char *errstr,
                    size_t errstr_size) {
  sink_task_t *s = kc_task_ctx(task);
  if (s->state == SINK_FAILED) {
    snprintf(errstr, errstr_size, "%s", s->error);
    return KC_ERR;
  }
  kc_buf_t *b = &s->bufs[s->active];
  size_t before = b->len;
  for (size_t i = 0; i < n; i++) {
    size_t mark = b->len;
    int rc = kc_sink_record_value_text(records[i], b);
    if (rc == 0) rc = kc_buf_append(b, "\n", 1);
    if (rc == 0) continue;
    b->len = mark; /* drop a half-rendered line */
    if (b->data) b->data[mark] = '\0';
    if (rc == KC_ECONVERT) continue; /* the runtime reported it under errors.tolerance */
    s->appended += b->len - before;
    snprintf(errstr, errstr_size, "FileStreamSinkTask could not buffer the record at %s-%" PRId32
             " offset %" PRId64 ": %s", kc_sink_record_topic(records[i]),
             kc_sink_record_partition(records[i]), kc_sink_record_offset(records[i]),
             kc_strerror(rc));
    return KC_ERR;
  }
  s->appended += b->len - before;
  if (b->len >= SINK_WRITE_BYTES) sink_submit(s);
  if (s->bufs[s->active].len >= SINK_WRITE_BYTES) {
    s->stalled = true; /* a write (or the open) is in flight: wait for it */
    return KC_AGAIN;
  }
  if (s->bufs[s->active].len > 0 && s->state == SINK_OPEN && !s->write_busy)
    uv_idle_start(&s->kick, sink_kick_cb);
  return KC_OK;
}

static int sink_flush(kc_task_t *task, kc_tp_offset_t *offsets, size_t n) {
  sink_task_t *s = kc_task_ctx(task);
  (void)offsets;
  (void)n;
  if (s->state == SINK_FAILED) return KC_ERR;
  if (s->flush_pending) return KC_RETRY; /* the previous flush still runs */
  if (s->written == s->appended) return KC_OK;
  s->flush_target = s->appended;
  s->flush_pending = true;
  sink_submit(s);
  if (s->state == SINK_FAILED) {
    s->flush_pending = false;
    return KC_ERR;
  }
  return KC_AGAIN;
}

/* ---- start and stop ---- */

static void sink_free(sink_task_t *s) {
  kc_buf_free(&s->bufs[0]);
  kc_buf_free(&s->bufs[1]);
  free(s->path);
  free(s);
}

static void sink_close_cb(uv_fs_t *req) {
  sink_task_t *s = req->data;
  if (req->result < 0)
    kc_task_log(s->task, KC_LOG_WARN, "Error closing %s: %s", s->path, uv_strerror((int)req->result));
  uv_fs_req_cleanup(req);
  s->close_busy = false;
  sink_stop_step(s);
}

static void sink_handle_closed(uv_handle_t *h) {
  sink_task_t *s = h->data;
  s->closing--;
  sink_stop_step(s);
}

/*
 * Finishes a stop: writes what put() buffered since the last flush (closing
 * Connect's stream writes it too), closes the file, then reports completion.
 */
static void sink_stop_step(sink_task_t *s) {
  if (s->open_busy || s->write_busy || s->close_busy) return;
  if (s->state == SINK_OPEN && s->bufs[s->active].len > 0) {
    sink_submit(s);
    if (s->write_busy) return;
  }
  if (s->path && s->fd >= 0) {
    uv_file fd = s->fd;
    s->fd = -1;
    s->close_req.data = s;
    if (uv_fs_close(s->loop, &s->close_req, fd, sink_close_cb) == 0) {
      s->close_busy = true;
      return;
    }
  }
  if (s->closing > 0) return;
  kc_task_t *task = s->task;
  sink_free(s);
  kc_task_set_ctx(task, NULL);
  kc_task_stop_done(task);
}

static int sink_task_stop(kc_task_t *task) {
  sink_task_t *s = kc_task_ctx(task);
  if (!s) return KC_OK;
  s->stopping = true;
  if (s->retry_armed) {
    /* Try the waiting write once more now; EAGAIN then counts as an error. */
    uv_timer_stop(&s->retry);
    s->retry_armed = false;
    sink_write_more(s);
    if (s->state == SINK_FAILED) sink_flush_check(s);
  }
  uv_close((uv_handle_t *)&s->kick, sink_handle_closed);
  uv_close((uv_handle_t *)&s->retry, sink_handle_closed);
  s->closing = 2;
  /* The close callbacks always come later, so completion is async. */
  return KC_AGAIN;
}

static int sink_task_start(kc_task_t *task, char *errstr, size_t errstr_size) {
  const char *file = kc_config_get(kc_task_config(task), "file");
  sink_task_t *s = calloc(1, sizeof(*s));
  if (!s || (file && *file && !(s->path = strdup(file)))) {
    free(s);
    snprintf(errstr, errstr_size, "Out of memory starting FileStreamSinkTask");
    return KC_ERR;
  }
  s->task = task;
  s->loop = kc_task_loop(task);
  s->fd = -1;
  kc_buf_init(&s->bufs[0], SINK_BUF_LIMIT);
  kc_buf_init(&s->bufs[1], SINK_BUF_LIMIT);
  if (!s->path) {
    s->fd = 1;
    s->state = SINK_OPEN;
  } else {
    /* O_APPEND | O_CREAT as Connect's StandardOpenOption.CREATE, APPEND; the
     * umask applies to 0666 as it does to Java's default permissions. */
    s->state = SINK_WAIT_OPEN;
    s->open_req.data = s;
    int rc = uv_fs_open(s->loop, &s->open_req, s->path, O_WRONLY | O_CREAT | O_APPEND, 0666,
                        sink_open_cb);
    if (rc < 0) {
      snprintf(errstr, errstr_size, "Couldn't find or create file '%s' for FileStreamSinkTask: %s (%s)",
               s->path, uv_strerror(rc), uv_err_name(rc));
      sink_free(s);
      return KC_ERR;
    }
    s->open_busy = true;
  }
  uv_idle_init(s->loop, &s->kick);
  s->kick.data = s;
  uv_timer_init(s->loop, &s->retry);
  s->retry.data = s;
  kc_task_set_ctx(task, s);
  return KC_OK;
}

/* ---- the connector ---- */

static int sink_task_configs(const kc_config_t *cfg, int max_tasks, kc_task_configs_t *out) {
  for (int i = 0; i < max_tasks; i++) {
    kc_config_t *copy = kc_config_copy(cfg);
    if (!copy) return KC_ENOMEM;
    int rc = kc_task_configs_add(out, copy);
    if (rc) return rc;
  }
  return 0;
}

static const kc_config_def_t sink_config_def[] = {
    {.name = "file", .type = KC_CFG_STRING, .importance = KC_CFG_HIGH,
     .doc = "Destination filename. If not specified, the standard output will be used"},
    {0},
};

const kc_connector_plugin_t kc_file_sink_plugin = {
    .api_version = KC_CONNECTOR_API_VERSION,
    .class_name = "org.apache.kafka.connect.file.FileStreamSinkConnector",
    .version = KC_CONNECT_COMPAT_VERSION,
    .type = KC_CONNECTOR_SINK,
    .config_def = sink_config_def,
    .task_configs = sink_task_configs,
    .task_start = sink_task_start,
    .task_stop = sink_task_stop,
    .put = sink_put,
    .flush = sink_flush,
};
