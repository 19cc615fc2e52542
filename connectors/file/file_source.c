/*
 * FileStreamSource: org.apache.kafka.connect.file.FileStreamSourceConnector
 * (connect-runtime.md section 7). One task tails one file, or stdin, and
 * emits each line as a STRING record.
 *
 * DESIGN
 * All work runs on the worker's loop thread. The file is read with uv_fs_read
 * at explicit positions (loop-integration.md G1) into one buffer; poll() cuts
 * complete lines out of it with kc_file_lines_next() and never blocks: when no
 * complete line is buffered it starts a read and returns KC_AGAIN, and the read
 * callback calls kc_task_wakeup(). Two fs requests may be in flight at once:
 * `read_req` (data) and `ctl_req` (open, fstat, stat, close). While a read is
 * in flight nothing moves the buffer's bytes at or after `end`; compaction and
 * growth happen only just before a read starts.
 *
 * At end of file the task waits for growth on an inotify watch (uv_fs_event)
 * plus a 1 s timer fallback that also stat()s the path. Two cases Connect does
 * not handle, decided here:
 *  - truncation (the file is now shorter than what was read, or than the
 *    stored offset at start): warn and read the file again from position 0;
 *  - rotation (the path names another inode): read the old file to its end,
 *    emit its complete lines, then open the new file at position 0.
 * An unterminated last line is never emitted, as in Connect.
 *
 * Positions are bytes, where Connect counts Java chars; they agree for ASCII.
 * Bytes are what a restart must seek over, and Connect itself skips bytes
 * (InputStream.skip) when it resumes, so byte offsets are the coherent choice.
 * Malformed UTF-8 is replaced by U+FFFD the way Java's decoder does.
 *
 * stdin (file unset or empty): a pipe, socket or tty is read as a uv stream on
 * a dup of fd 0; anything else (a redirected file, /dev/null) with sequential
 * uv_fs_read calls, polled every second at EOF. Offsets are {"position": null}.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* strdup, dup under -std=c11 */
#endif
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kconnect/connector.h"
#include "file_lines.h"

#define SRC_READ_CHUNK (256 * 1024)       /* bytes per uv_fs_read */
#define SRC_MAX_LINE (16 * 1024 * 1024)   /* longest line; Connect has no limit */
#define SRC_STREAM_HIGH (4 * 1024 * 1024) /* stop reading a stdin pipe above this */
#define SRC_RETRY_MS 1000                 /* Connect's wait for a missing file / new data */

typedef enum {
  SRC_WAIT_OPEN,   /* uv_fs_open, then uv_fs_fstat, in flight on ctl_req */
  SRC_WAIT_FILE,   /* the open failed: the timer retries it */
  SRC_WAIT_OFFSET, /* opened: the next poll() looks up the stored offset */
  SRC_RUNNING,     /* reading and emitting lines */
  SRC_WAIT_REOPEN, /* rotated: closing the old fd before opening the path again */
  SRC_FAILED,      /* error[] says why; poll() reports it */
} src_state_t;

typedef enum {
  SRC_IN_FILE,   /* a named file, read at explicit positions */
  SRC_IN_FD0,    /* stdin is a file or device: sequential uv_fs_read on fd 0 */
  SRC_IN_STREAM, /* stdin is a pipe, socket or tty: a uv_pipe_t on a dup of fd 0 */
} src_input_t;

typedef struct src_task_s {
  kc_task_t *task;
  uv_loop_t *loop;
  char *path;              /* the file to open; NULL for stdin */
  char *topic;
  size_t batch_size;
  kc_value_t *partition;   /* {"filename": <file as given>}, copied per record */
  src_input_t input;
  src_state_t state;
  uv_file fd;              /* -1 when closed */
  bool positioned;         /* the stored offset was applied; later opens start at 0 */
  bool rotate_pending;     /* the path names a new file: switch once the old one is drained */
  bool missing_logged;
  uint64_t ino, dev;       /* identity of the open file, to notice rotation */
  int64_t open_size;       /* size when opened, to notice a stale stored offset */

  uv_fs_t read_req, ctl_req;
  bool read_busy, ctl_busy;
  uv_timer_t timer;
  uv_fs_event_t watch;
  bool watch_init, watching;
  uv_pipe_t stream;
  bool stream_init, stream_reading, stream_eof;

  char *buf;               /* pending bytes are buf[start, end) */
  size_t cap, start, end;
  size_t scan;             /* pending bytes known to hold no terminator */
  int64_t pos;             /* file position of buf[start] */
  int64_t read_pos;        /* file position of buf[end] */
  bool at_eof;             /* the last read returned 0 bytes */
  bool waiting;            /* poll() returned KC_AGAIN: wake the runtime on news */
  char *fix;               /* scratch for repaired UTF-8 */
  size_t fix_cap;

  bool stopping;
  bool orphan;             /* task_start failed: free without kc_task_stop_done() */
  int closing;             /* handles whose close callback is pending */
  char error[512];
} src_task_t;

static void src_open(src_task_t *s);
static void src_start_read(src_task_t *s);
static void src_stat_path(src_task_t *s);
static void src_stop_step(src_task_t *s);

static const char *src_name(const src_task_t *s) { return s->path ? s->path : "stdin"; }

static void src_notify(src_task_t *s) {
  if (s->waiting) {
    s->waiting = false;
    kc_task_wakeup(s->task);
  }
}

static void src_fail(src_task_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void src_fail(src_task_t *s, const char *fmt, ...) {
  if (s->state == SRC_FAILED) return; /* keep the first cause */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(s->error, sizeof(s->error), fmt, ap);
  va_end(ap);
  s->state = SRC_FAILED;
  kc_task_log(s->task, KC_LOG_ERROR, "%s", s->error);
  src_notify(s);
}

static void src_timer_cb(uv_timer_t *t) {
  src_task_t *s = t->data;
  if (s->stopping) return;
  if (s->state == SRC_WAIT_FILE) {
    src_open(s);
    return;
  }
  if (s->state != SRC_RUNNING || !s->at_eof || s->read_busy) return;
  if (s->input == SRC_IN_FD0) {
    s->at_eof = false;
    src_start_read(s);
  } else if (s->input == SRC_IN_FILE && !s->ctl_busy) {
    src_stat_path(s);
  }
}

static void src_arm_timer(src_task_t *s) {
  if (!s->stopping) uv_timer_start(&s->timer, src_timer_cb, SRC_RETRY_MS, 0);
}

/* ---- reading ---- */

static void src_read_cb(uv_fs_t *req) {
  src_task_t *s = req->data;
  ssize_t r = req->result;
  uv_fs_req_cleanup(req);
  s->read_busy = false;
  if (s->stopping) {
    src_stop_step(s);
    return;
  }
  if (s->state != SRC_RUNNING) return;
  if (r < 0) {
    src_fail(s, "Error reading %s in FileStreamSourceTask: %s (%s)", src_name(s),
             uv_strerror((int)r), uv_err_name((int)r));
    return;
  }
  if (r == 0) {
    s->at_eof = true;
    src_arm_timer(s);
  } else {
    s->end += (size_t)r;
    s->read_pos += r;
    s->at_eof = false;
  }
  src_notify(s);
}

/* Makes room for one more read: drops consumed bytes, grows the buffer. */
static int src_make_room(src_task_t *s, size_t room) {
  size_t pending = s->end - s->start;
  if (s->start > 0) {
    memmove(s->buf, s->buf + s->start, pending);
    s->start = 0;
    s->end = pending;
  }
  if (s->cap - s->end >= room) return 0;
  size_t cap = s->cap ? s->cap : 2 * SRC_READ_CHUNK;
  while (cap - s->end < room) cap *= 2;
  char *p = realloc(s->buf, cap);
  if (!p) return KC_ENOMEM;
  s->buf = p;
  s->cap = cap;
  return 0;
}

static void src_start_read(src_task_t *s) {
  if (s->read_busy || s->stopping || s->state != SRC_RUNNING || s->input == SRC_IN_STREAM) return;
  /* poll() fails the task past the limit; do not buffer beyond it meanwhile. */
  if (s->end - s->start >= SRC_MAX_LINE) return;
  if (src_make_room(s, SRC_READ_CHUNK)) {
    src_fail(s, "Out of memory buffering %s in FileStreamSourceTask", src_name(s));
    return;
  }
  uv_buf_t b = uv_buf_init(s->buf + s->end, SRC_READ_CHUNK);
  int64_t off = s->input == SRC_IN_FILE ? s->read_pos : -1;
  s->read_req.data = s;
  int rc = uv_fs_read(s->loop, &s->read_req, s->fd, &b, 1, off, src_read_cb);
  if (rc < 0) {
    src_fail(s, "Error reading %s in FileStreamSourceTask: %s (%s)", src_name(s), uv_strerror(rc),
             uv_err_name(rc));
    return;
  }
  s->read_busy = true;
}

/* ---- end of file: growth, truncation, rotation ---- */

static void src_watch_cb(uv_fs_event_t *h, const char *filename, int events, int status) {
  src_task_t *s = h->data;
  (void)filename;
  (void)events;
  if (status < 0 || s->stopping || s->state != SRC_RUNNING) return;
  if (s->at_eof && !s->read_busy) {
    s->at_eof = false;
    src_start_read(s);
  }
}

static void src_stat_cb(uv_fs_t *req) {
  src_task_t *s = req->data;
  ssize_t r = req->result;
  uv_stat_t st = req->statbuf;
  uv_fs_req_cleanup(req);
  s->ctl_busy = false;
  if (s->stopping) {
    src_stop_step(s);
    return;
  }
  /* A read started meanwhile reports EOF again and re-arms the timer. */
  if (s->state != SRC_RUNNING || s->read_busy) return;
  if (r < 0) {
    /* The path is gone, maybe mid-rotation: keep the old file, look again later. */
    src_arm_timer(s);
    return;
  }
  if (st.st_ino != s->ino || st.st_dev != s->dev) {
    if (!s->rotate_pending)
      kc_task_log(s->task, KC_LOG_INFO,
                  "%s now names another file: reading the old one to its end, then the new one "
                  "from the start", s->path);
    s->rotate_pending = true;
    s->at_eof = false;
    src_start_read(s); /* its EOF lets poll() switch files once the old lines are out */
    return;
  }
  if ((int64_t)st.st_size < s->read_pos) {
    kc_task_log(s->task, KC_LOG_WARN,
                "%s shrank to %" PRIu64 " bytes, below the read position %" PRId64
                ": it was truncated, reading it again from the start",
                s->path, st.st_size, s->read_pos);
    s->start = s->end = s->scan = 0;
    s->pos = s->read_pos = 0;
    s->at_eof = false;
    src_start_read(s);
    return;
  }
  if ((int64_t)st.st_size > s->read_pos) {
    s->at_eof = false;
    src_start_read(s);
    return;
  }
  src_arm_timer(s);
}

static void src_stat_path(src_task_t *s) {
  s->ctl_req.data = s;
  if (uv_fs_stat(s->loop, &s->ctl_req, s->path, src_stat_cb) < 0) {
    src_arm_timer(s);
    return;
  }
  s->ctl_busy = true;
}

/* ---- opening ---- */

static void src_close_cb(uv_fs_t *req) {
  src_task_t *s = req->data;
  uv_fs_req_cleanup(req);
  s->ctl_busy = false;
  if (s->stopping) {
    src_stop_step(s);
    return;
  }
  if (s->state == SRC_WAIT_REOPEN) src_open(s);
}

/* Switches to the file that now has the path (rotation). */
static void src_reopen(src_task_t *s) {
  if (s->end > s->start)
    kc_task_log(s->task, KC_LOG_WARN,
                "dropping %zu bytes of an unterminated last line of the old %s", s->end - s->start,
                s->path);
  s->start = s->end = s->scan = 0;
  s->rotate_pending = false;
  s->at_eof = false;
  s->state = SRC_WAIT_REOPEN;
  if (s->watching) {
    uv_fs_event_stop(&s->watch);
    s->watching = false;
  }
  s->ctl_req.data = s;
  uv_file fd = s->fd;
  s->fd = -1;
  if (uv_fs_close(s->loop, &s->ctl_req, fd, src_close_cb) < 0) {
    src_open(s);
    return;
  }
  s->ctl_busy = true;
}

static void src_open_failed(src_task_t *s, int err) {
  /* Connect waits for any file it cannot open (FileNotFoundException covers
   * missing files, directories and permissions alike). */
  kc_task_log(s->task, s->missing_logged ? KC_LOG_DEBUG : KC_LOG_WARN,
              "Couldn't find file %s for FileStreamSourceTask, sleeping to wait for it to be "
              "created (%s)", s->path, uv_strerror(err));
  s->missing_logged = true;
  s->state = SRC_WAIT_FILE;
  src_arm_timer(s);
}

static void src_fstat_cb(uv_fs_t *req) {
  src_task_t *s = req->data;
  ssize_t r = req->result;
  uv_stat_t st = req->statbuf;
  uv_fs_req_cleanup(req);
  s->ctl_busy = false;
  if (s->stopping) {
    src_stop_step(s);
    return;
  }
  if (r < 0) {
    src_fail(s, "Error opening %s in FileStreamSourceTask: fstat: %s", s->path,
             uv_strerror((int)r));
    return;
  }
  s->ino = st.st_ino;
  s->dev = st.st_dev;
  s->open_size = (int64_t)st.st_size;
  if (s->missing_logged) kc_task_log(s->task, KC_LOG_INFO, "Found %s, reading it", s->path);
  s->missing_logged = false;
  if (s->watch_init && !s->watching) {
    int rc = uv_fs_event_start(&s->watch, src_watch_cb, s->path, 0);
    if (rc == 0)
      s->watching = true;
    else /* the 1 s timer still notices growth */
      kc_task_log(s->task, KC_LOG_DEBUG, "no change notifications for %s: %s", s->path,
                  uv_strerror(rc));
  }
  if (s->positioned) {
    s->pos = s->read_pos = 0;
    s->state = SRC_RUNNING;
    src_start_read(s);
  } else {
    s->state = SRC_WAIT_OFFSET;
  }
  src_notify(s);
}

static void src_open_cb(uv_fs_t *req) {
  src_task_t *s = req->data;
  ssize_t r = req->result;
  uv_fs_req_cleanup(req);
  s->ctl_busy = false;
  if (s->stopping) {
    if (r >= 0) s->fd = (uv_file)r;
    src_stop_step(s);
    return;
  }
  if (r < 0) {
    src_open_failed(s, (int)r);
    return;
  }
  s->fd = (uv_file)r;
  s->ctl_req.data = s;
  int rc = uv_fs_fstat(s->loop, &s->ctl_req, s->fd, src_fstat_cb);
  if (rc < 0) {
    src_fail(s, "Error opening %s in FileStreamSourceTask: fstat: %s", s->path, uv_strerror(rc));
    return;
  }
  s->ctl_busy = true;
}

static void src_open(src_task_t *s) {
  s->state = SRC_WAIT_OPEN;
  s->ctl_req.data = s;
  int rc = uv_fs_open(s->loop, &s->ctl_req, s->path, O_RDONLY, 0, src_open_cb);
  if (rc < 0) {
    src_open_failed(s, rc);
    return;
  }
  s->ctl_busy = true;
}

/* Applies the stored offset (FileStreamSourceTask.poll on first open). */
static int src_seek_stored(src_task_t *s, char *errstr, size_t errstr_size) {
  kc_value_t *part = kc_value_copy(s->partition);
  if (!part) {
    snprintf(errstr, errstr_size, "Out of memory looking up the offset of %s", s->path);
    return KC_ERR;
  }
  const kc_value_t *off = kc_task_offset(s->task, part);
  kc_value_destroy(part);
  int64_t pos = 0;
  const kc_value_t *p = off && off->type == KC_TYPE_MAP ? kc_value_map_get_str(off, "position") : NULL;
  if (p && p->type != KC_TYPE_INT64) {
    snprintf(errstr, errstr_size, "Offset position is the incorrect type");
    return KC_ERR;
  }
  if (p) pos = p->u.i;
  if (pos < 0) {
    kc_task_log(s->task, KC_LOG_WARN, "stored position %" PRId64 " of %s is negative: reading from the start",
                pos, s->path);
    pos = 0;
  } else if (pos > s->open_size) {
    kc_task_log(s->task, KC_LOG_WARN,
                "stored position %" PRId64 " is past the end of %s (%" PRId64
                " bytes): it was truncated or replaced, reading it from the start",
                pos, s->path, s->open_size);
    pos = 0;
  } else if (p) {
    kc_task_log(s->task, KC_LOG_DEBUG, "Skipped to offset %" PRId64 " of %s", pos, s->path);
  }
  s->pos = s->read_pos = pos;
  s->positioned = true;
  s->state = SRC_RUNNING;
  return KC_OK;
}

/* ---- stdin as a stream ---- */

static void src_alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *b) {
  src_task_t *s = h->data;
  (void)suggested;
  if (src_make_room(s, SRC_READ_CHUNK)) {
    *b = uv_buf_init(NULL, 0); /* read_cb gets UV_ENOBUFS */
    return;
  }
  *b = uv_buf_init(s->buf + s->end, SRC_READ_CHUNK);
}

static void src_stream_read_cb(uv_stream_t *st, ssize_t nread, const uv_buf_t *b) {
  src_task_t *s = st->data;
  (void)b;
  if (nread > 0) {
    s->end += (size_t)nread;
    s->read_pos += nread;
    if (s->end - s->start >= SRC_STREAM_HIGH) { /* poll() restarts reading */
      uv_read_stop(st);
      s->stream_reading = false;
    }
  } else if (nread == UV_EOF) {
    uv_read_stop(st);
    s->stream_reading = false;
    s->stream_eof = true;
    kc_task_log(s->task, KC_LOG_INFO, "stdin was closed: no more lines");
  } else if (nread < 0) {
    uv_read_stop(st);
    s->stream_reading = false;
    src_fail(s, "Error reading stdin in FileStreamSourceTask: %s (%s)", uv_strerror((int)nread),
             uv_err_name((int)nread));
    return;
  } else {
    return;
  }
  src_notify(s);
}

static void src_stream_want(src_task_t *s) {
  if (s->stream_reading || s->stream_eof) return;
  int rc = uv_read_start((uv_stream_t *)&s->stream, src_alloc_cb, src_stream_read_cb);
  if (rc < 0) {
    src_fail(s, "Error reading stdin in FileStreamSourceTask: %s", uv_strerror(rc));
    return;
  }
  s->stream_reading = true;
}

/* ---- poll ---- */

static int64_t src_now_ms(void) {
  uv_timeval64_t tv;
  if (uv_gettimeofday(&tv) != 0) return -1;
  return tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

/* The line's value, its malformed UTF-8 replaced. */
static kc_value_t *src_line_value(src_task_t *s, kc_source_batch_t *batch, const char *line,
                                  size_t len) {
  if (!kc_file_utf8_valid(line, len)) {
    if (s->fix_cap < 3 * len) {
      char *p = realloc(s->fix, 3 * len);
      if (!p) return NULL;
      s->fix = p;
      s->fix_cap = 3 * len;
    }
    len = kc_file_utf8_repair(line, len, s->fix);
    line = s->fix;
  }
  return kc_source_batch_new_string(batch, line, len);
}

/*
 * Adds the SourceRecord of a line. Only the batch's last line carries the partition and its
 * offset {"position": end}: the earlier ones are covered by it (kc_source_batch_add_covered), so
 * the maps are built once per poll(). The runtime commits an offset only once every record
 * before it was acknowledged, which is what one offset per record gave.
 * @p end: the file position after the line's terminator; @p last: the batch's last line.
 */
static int src_emit(src_task_t *s, kc_source_batch_t *batch, kc_value_t *value, int64_t end,
                    bool last, int64_t ts) {
  if (!value) return KC_ENOMEM;
  if (!last) {
    kc_source_record_t *rec = kc_source_record_new(s->topic, -1, NULL, NULL, NULL, NULL,
                                                   &kc_schema_string, value, ts);
    if (!rec) return KC_ENOMEM;
    return kc_source_batch_add_covered(batch, rec);
  }
  kc_value_t *part = kc_value_copy(s->partition);
  kc_value_t *off = kc_value_new_map();
  kc_value_t *pos = NULL;
  bool ok = part && off;
  if (ok && s->input == SRC_IN_FILE) {
    pos = kc_value_new_int(KC_TYPE_INT64, end);
    ok = pos != NULL;
  }
  if (ok) {
    ok = kc_value_map_put_str(off, "position", pos) == 0; /* takes pos, even on error */
    pos = NULL;
  }
  if (!ok) {
    kc_value_destroy(part);
    kc_value_destroy(off);
    kc_value_destroy(value);
    kc_value_destroy(pos);
    return KC_ENOMEM;
  }
  kc_source_record_t *rec = kc_source_record_new(s->topic, -1, part, off, NULL, NULL,
                                                 &kc_schema_string, value, ts);
  if (!rec) return KC_ENOMEM;
  return kc_source_batch_add(batch, rec);
}

static int src_poll(kc_task_t *task, kc_source_batch_t *batch, size_t max, char *errstr,
                    size_t errstr_size) {
  src_task_t *s = kc_task_ctx(task);
  s->waiting = false;
  if (s->state == SRC_WAIT_OFFSET && src_seek_stored(s, errstr, errstr_size) != KC_OK) {
    snprintf(s->error, sizeof(s->error), "%s", errstr);
    s->state = SRC_FAILED;
    return KC_ERR;
  }
  if (s->state == SRC_FAILED) {
    snprintf(errstr, errstr_size, "%s", s->error);
    return KC_ERR;
  }
  if (s->state != SRC_RUNNING) {
    s->waiting = true;
    return KC_AGAIN;
  }

  size_t limit = max < s->batch_size ? max : s->batch_size;
  int64_t ts = src_now_ms();
  size_t n = 0;
  bool no_line = false;
  kc_value_t *held = NULL; /* the previous line's value: added once we know if it is the last */
  int rc = 0;
  while (n < limit) {
    size_t len, next;
    if (!kc_file_lines_next(s->buf + s->start, s->end - s->start, s->scan, &len, &next)) {
      s->scan = next;
      no_line = true;
      break;
    }
    if (held && (rc = src_emit(s, batch, held, s->pos, false, ts)) != 0) {
      held = NULL;
      break;
    }
    if (!(held = src_line_value(s, batch, s->buf + s->start, len))) {
      rc = KC_ENOMEM;
      break;
    }
    s->start += next;
    s->pos += (int64_t)next;
    s->scan = 0;
    n++;
  }
  if (!rc && held) rc = src_emit(s, batch, held, s->pos, true, ts);
  if (rc != 0) {
    /* The batch is cleared with the failed task: positions past it do not matter any more. */
    snprintf(errstr, errstr_size, "Out of memory building a record from %s", src_name(s));
    return KC_ERR;
  }

  size_t pending = s->end - s->start;
  if (no_line && pending >= SRC_MAX_LINE) {
    src_fail(s, "The line at position %" PRId64 " of %s is longer than %d bytes, the longest "
             "line FileStreamSourceTask accepts", s->pos, src_name(s), SRC_MAX_LINE);
    if (n > 0) return KC_OK; /* reported on the next poll */
    snprintf(errstr, errstr_size, "%s", s->error);
    return KC_ERR;
  }
  if (pending == 0 && !s->read_busy) s->start = s->end = 0;

  if (s->input == SRC_IN_STREAM) {
    if (no_line || pending < SRC_STREAM_HIGH) src_stream_want(s);
  } else if (n > 0) {
    if (!s->read_busy && !s->at_eof && pending < SRC_READ_CHUNK) src_start_read(s); /* read ahead */
  } else if (!s->read_busy) {
    if (!s->at_eof)
      src_start_read(s);
    else if (s->rotate_pending && !s->ctl_busy)
      src_reopen(s); /* the old file is drained: only a partial line can be left */
  }
  if (n > 0) return KC_OK;
  if (s->state == SRC_FAILED) {
    snprintf(errstr, errstr_size, "%s", s->error);
    return KC_ERR;
  }
  s->waiting = true;
  return KC_AGAIN;
}

/* ---- start and stop ---- */

static void src_free(src_task_t *s) {
  kc_value_destroy(s->partition);
  free(s->path);
  free(s->topic);
  free(s->buf);
  free(s->fix);
  free(s);
}

static void src_handle_closed(uv_handle_t *h) {
  src_task_t *s = h->data;
  s->closing--;
  src_stop_step(s);
}

/* Finishes a stop once no request or handle can call back any more. */
static void src_stop_step(src_task_t *s) {
  if (s->closing > 0 || s->read_busy || s->ctl_busy) return;
  if (s->fd >= 0 && s->input == SRC_IN_FILE) {
    uv_file fd = s->fd;
    s->fd = -1;
    s->ctl_req.data = s;
    if (uv_fs_close(s->loop, &s->ctl_req, fd, src_close_cb) == 0) {
      s->ctl_busy = true;
      return;
    }
  }
  kc_task_t *task = s->task;
  bool orphan = s->orphan;
  src_free(s);
  if (orphan) return;
  kc_task_set_ctx(task, NULL);
  kc_task_stop_done(task);
}

static int src_task_stop(kc_task_t *task) {
  src_task_t *s = kc_task_ctx(task);
  if (!s) return KC_OK;
  s->stopping = true;
  uv_close((uv_handle_t *)&s->timer, src_handle_closed);
  s->closing++;
  if (s->watch_init) {
    uv_close((uv_handle_t *)&s->watch, src_handle_closed);
    s->closing++;
  }
  if (s->stream_init) {
    uv_close((uv_handle_t *)&s->stream, src_handle_closed); /* closes the dup of fd 0 */
    s->closing++;
  }
  if (s->read_busy) uv_cancel((uv_req_t *)&s->read_req);
  if (s->ctl_busy && s->ctl_req.fs_type != UV_FS_CLOSE) uv_cancel((uv_req_t *)&s->ctl_req);
  /* The timer's close callback always comes later, so completion is async. */
  return KC_AGAIN;
}

static int src_setup_stdin(src_task_t *s, char *errstr, size_t errstr_size) {
  uv_handle_type t = uv_guess_handle(0);
  if (t == UV_NAMED_PIPE || t == UV_TCP || t == UV_TTY) {
    /* A dup, so that closing the handle leaves fd 0 alone. */
    int fd = dup(0);
    if (fd < 0) {
      snprintf(errstr, errstr_size, "FileStreamSourceTask cannot read stdin: dup failed");
      return KC_ERR;
    }
    int rc = uv_pipe_init(s->loop, &s->stream, 0);
    if (rc == 0) {
      s->stream_init = true;
      s->stream.data = s;
      rc = uv_pipe_open(&s->stream, fd);
    }
    if (rc < 0) {
      if (!s->stream_init) close(fd);
      snprintf(errstr, errstr_size, "FileStreamSourceTask cannot read stdin: %s", uv_strerror(rc));
      return KC_ERR;
    }
    s->input = SRC_IN_STREAM;
  } else if (t == UV_FILE) {
    s->input = SRC_IN_FD0;
    s->fd = 0;
  } else {
    snprintf(errstr, errstr_size, "FileStreamSourceTask cannot read stdin: fd 0 is not open");
    return KC_ERR;
  }
  s->positioned = true; /* no offsets for stdin */
  s->state = SRC_RUNNING;
  return KC_OK;
}

static int src_task_start(kc_task_t *task, char *errstr, size_t errstr_size) {
  const kc_config_t *cfg = kc_task_config(task);
  const char *file = kc_config_get(cfg, "file");
  const char *topic = kc_config_get(cfg, "topic");
  if (!topic || !*topic) {
    snprintf(errstr, errstr_size, "FileStreamSourceTask config missing topic setting");
    return KC_ERR;
  }
  int64_t batch = 2000;
  int rc = kc_config_get_int(cfg, "batch.size", &batch);
  if (rc == KC_EINVAL || batch < 1 || batch > INT32_MAX) {
    snprintf(errstr, errstr_size, "Invalid value %s for configuration batch.size: must be an "
             "integer of at least 1", kc_config_get(cfg, "batch.size"));
    return KC_ERR;
  }

  src_task_t *s = calloc(1, sizeof(*s));
  if (!s) goto oom;
  s->task = task;
  s->loop = kc_task_loop(task);
  s->fd = -1;
  s->batch_size = (size_t)batch;
  s->topic = strdup(topic);
  if (file && *file) s->path = strdup(file);
  /* The partition names the file as configured: "" and unset stay distinct, as in Connect. */
  s->partition = kc_value_new_map();
  kc_value_t *fname = file ? kc_value_new_string(file, strlen(file)) : NULL;
  if (!s->topic || (file && *file && !s->path) || !s->partition || (file && !fname)) {
    kc_value_destroy(fname);
    goto oom;
  }
  if (kc_value_map_put_str(s->partition, "filename", fname) != 0) goto oom;

  uv_timer_init(s->loop, &s->timer);
  s->timer.data = s;
  if (s->path) {
    s->input = SRC_IN_FILE;
    if (uv_fs_event_init(s->loop, &s->watch) == 0) {
      s->watch_init = true;
      s->watch.data = s;
    }
    kc_task_set_ctx(task, s);
    src_open(s);
    return KC_OK;
  }
  kc_task_set_ctx(task, s);
  if (src_setup_stdin(s, errstr, errstr_size) != KC_OK) {
    /* The handles must close before s goes; the runtime forgets the task now. */
    s->orphan = true;
    src_task_stop(task);
    kc_task_set_ctx(task, NULL);
    return KC_ERR;
  }
  return KC_OK;

oom:
  if (s) src_free(s);
  snprintf(errstr, errstr_size, "Out of memory starting FileStreamSourceTask");
  return KC_ERR;
}

/* ---- the connector ---- */

static int src_task_configs(const kc_config_t *cfg, int max_tasks, kc_task_configs_t *out) {
  (void)max_tasks; /* only one input stream makes sense */
  kc_config_t *copy = kc_config_copy(cfg);
  if (!copy) return KC_ENOMEM;
  return kc_task_configs_add(out, copy);
}

static const kc_config_def_t src_config_def[] = {
    {.name = "file", .type = KC_CFG_STRING, .importance = KC_CFG_HIGH,
     .doc = "Source filename. If not specified, the standard input will be used"},
    {.name = "topic", .type = KC_CFG_STRING, .flags = KC_CFG_REQUIRED | KC_CFG_NONEMPTY,
     .importance = KC_CFG_HIGH, .doc = "The topic to publish data to"},
    {.name = "batch.size", .type = KC_CFG_INT, .default_value = "2000", .importance = KC_CFG_LOW,
     .doc = "The maximum number of records the source task can read from the file each time it is polled",
    },
    {0},
};

const kc_connector_plugin_t kc_file_source_plugin = {
    .api_version = KC_CONNECTOR_API_VERSION,
    .class_name = "org.apache.kafka.connect.file.FileStreamSourceConnector",
    .version = KC_CONNECT_COMPAT_VERSION,
    .type = KC_CONNECTOR_SOURCE,
    .config_def = src_config_def,
    .task_configs = src_task_configs,
    .task_start = src_task_start,
    .task_stop = src_task_stop,
    .poll = src_poll,
};
