/*
 * OffsetBackingStore: the in-memory map shared by all backends, flush
 * bookkeeping (coalescing, exactly-once callbacks, deferred close) and the
 * memory and file backends behind a small ops table, so a Kafka-topic backend
 * only has to supply "write the current map" and "destroy".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "worker/offset_store.h"

#define LOGGER "kc.offsets"

#include "worker/offset_store_internal.h"

/* ---- the map ---------------------------------------------------------------- */

static uint64_t hash_bytes(const void *p, size_t n) {
  const uint8_t *b = p;
  uint64_t h = 14695981039346656037ULL; /* FNV-1a */
  for (size_t i = 0; i < n; i++) {
    h ^= b[i];
    h *= 1099511628211ULL;
  }
  return h;
}

static entry_t **find_slot(kc_offset_store_t *st, const void *key, size_t klen, uint64_t h) {
  entry_t **pp = &st->buckets[h & (st->nbuckets - 1)];
  for (; *pp; pp = &(*pp)->next)
    if ((*pp)->hash == h && (*pp)->klen == klen && memcmp((*pp)->key, key, klen) == 0) break;
  return pp;
}

static int grow(kc_offset_store_t *st) {
  size_t n = st->nbuckets * 2;
  entry_t **b = calloc(n, sizeof *b);
  if (!b) return KC_ENOMEM;
  for (size_t i = 0; i < st->nbuckets; i++) {
    entry_t *e = st->buckets[i], *next;
    for (; e; e = next) {
      next = e->next;
      e->next = b[e->hash & (n - 1)];
      b[e->hash & (n - 1)] = e;
    }
  }
  free(st->buckets);
  st->buckets = b;
  st->nbuckets = n;
  return 0;
}

static void clear_map(kc_offset_store_t *st) {
  for (size_t i = 0; i < st->nbuckets; i++) {
    entry_t *e = st->buckets[i], *next;
    for (; e; e = next) {
      next = e->next;
      free(e->val);
      free(e);
    }
    st->buckets[i] = NULL;
  }
  st->count = 0;
}

int kc_offset_store_get(kc_offset_store_t *st, const void *key, size_t klen, const void **val,
                        size_t *vlen) {
  entry_t *e = *find_slot(st, key, klen, hash_bytes(key, klen));
  if (!e) return KC_ENOENT;
  *val = e->val;
  *vlen = e->vlen;
  return 0;
}

/* A staged tombstone of the Kafka backend: a removed key to send at the next flush. */
static void tombstone_forget(kc_offset_store_t *st, const void *key, size_t klen) {
  for (kc__offset_tomb_t **pp = &st->tombs; *pp; pp = &(*pp)->next)
    if ((*pp)->klen == klen && memcmp((*pp)->key, key, klen) == 0) {
      kc__offset_tomb_t *t = *pp;
      *pp = t->next;
      free(t);
      return;
    }
}

int kc__offset_store_tombstone_add(kc_offset_store_t *st, const void *key, size_t klen) {
  tombstone_forget(st, key, klen);
  kc__offset_tomb_t *t = malloc(sizeof *t + klen);
  if (!t) return KC_ENOMEM;
  memcpy(t->key, key, klen);
  t->klen = klen;
  t->next = st->tombs;
  st->tombs = t;
  return 0;
}

/* @p staged: a kc_offset_store_set() (the Kafka backend sends it at the next flush) rather
 * than a record read from the offset topic, which never replaces a staged, unflushed value. */
int kc__offset_store_put(kc_offset_store_t *st, const void *key, size_t klen, const void *val,
                         size_t vlen, bool staged) {
  uint64_t h = hash_bytes(key, klen);
  entry_t **pp = find_slot(st, key, klen, h);
  if (!staged && *pp && (*pp)->dirty) return 0;
  if (staged && st->track_dirty) {
    if (!val) {
      int rc = kc__offset_store_tombstone_add(st, key, klen);
      if (rc) return rc;
    } else {
      tombstone_forget(st, key, klen);
    }
  }
  if (!val) { /* tombstone: MemoryOffsetBackingStore.set() removes the key */
    entry_t *e = *pp;
    if (e) {
      *pp = e->next;
      free(e->val);
      free(e);
      st->count--;
    }
    return 0;
  }
  uint8_t *copy = malloc(vlen ? vlen : 1);
  if (!copy) return KC_ENOMEM;
  memcpy(copy, val, vlen);
  if (*pp) {
    free((*pp)->val);
    (*pp)->val = copy;
    (*pp)->vlen = vlen;
    (*pp)->dirty = staged && st->track_dirty;
    return 0;
  }
  entry_t *e = malloc(sizeof *e + klen);
  if (!e) {
    free(copy);
    return KC_ENOMEM;
  }
  memcpy(e->key, key, klen);
  e->klen = klen;
  e->hash = h;
  e->val = copy;
  e->vlen = vlen;
  e->dirty = staged && st->track_dirty;
  e->next = NULL;
  *pp = e;
  st->count++;
  if (st->count > st->nbuckets) (void)grow(st); /* longer chains still work if this fails */
  return 0;
}

int kc_offset_store_set(kc_offset_store_t *st, const void *key, size_t klen, const void *val,
                        size_t vlen) {
  return kc__offset_store_put(st, key, klen, val, vlen, true);
}

entry_t *kc__offset_store_find(kc_offset_store_t *st, const void *key, size_t klen) {
  return *find_slot(st, key, klen, hash_bytes(key, klen));
}

void kc__offset_store_each_entry(kc_offset_store_t *st, void (*fn)(void *arg, entry_t *e), void *arg) {
  for (size_t i = 0; i < st->nbuckets; i++)
    for (entry_t *e = st->buckets[i]; e; e = e->next) fn(arg, e);
}

void kc_offset_store_foreach(kc_offset_store_t *st,
                             int (*fn)(void *arg, const void *key, size_t klen, const void *val,
                                       size_t vlen),
                             void *arg) {
  for (size_t i = 0; i < st->nbuckets; i++)
    for (entry_t *e = st->buckets[i]; e; e = e->next)
      if (fn(arg, e->key, e->klen, e->val, e->vlen)) return;
}

size_t kc_offset_store_count(const kc_offset_store_t *st) { return st->count; }

unsigned long kc_offset_store_write_count(const kc_offset_store_t *st) { return st->writes; }

const char *kc_offset_store_last_error(const kc_offset_store_t *st) { return st->last_error; }

kc_offset_store_t *kc__offset_store_new(uv_loop_t *loop, const backend_ops_t *ops) {
  kc_offset_store_t *st = calloc(1, sizeof *st);
  if (!st) return NULL;
  st->nbuckets = 16;
  st->buckets = calloc(st->nbuckets, sizeof *st->buckets);
  if (!st->buckets) {
    free(st);
    return NULL;
  }
  st->loop = loop;
  st->ops = ops;
  st->pending_tail = &st->pending;
  return st;
}

/* ---- flush bookkeeping -------------------------------------------------------- */

static void answer(kc_offset_store_t *st, flush_req_t *reqs, int status) {
  st->in_callbacks++;
  while (reqs) {
    flush_req_t *r = reqs;
    reqs = r->next;
    r->cb(r->arg, status);
    free(r);
  }
  st->in_callbacks--;
}

static void finish_close(kc_offset_store_t *st) {
  flush_req_t *reqs = st->pending;
  st->pending = NULL;
  st->pending_tail = &st->pending;
  answer(st, reqs, KC_ESTATE);
  if (st->ops->destroy) st->ops->destroy(st);
  clear_map(st);
  while (st->tombs) {
    kc__offset_tomb_t *t = st->tombs;
    st->tombs = t->next;
    free(t);
  }
  free(st->buckets);
  free(st);
}

/* Starts writes for the pending requests until one is under way or none are left. */
static void run_pending(kc_offset_store_t *st) {
  while (st->pending && !st->closing) {
    st->inflight = st->pending;
    st->pending = NULL;
    st->pending_tail = &st->pending;
    st->writing = 1;
    int rc = st->ops->write(st);
    if (!rc) return;
    st->writing = 0;
    flush_req_t *reqs = st->inflight;
    st->inflight = NULL;
    answer(st, reqs, rc);
  }
  if (st->closing) finish_close(st);
}

/* Called by backends when the write started by ops->write() has finished. */
void kc__offset_store_write_done(kc_offset_store_t *st, int status) {
  st->writing = 0;
  st->writes++;
  if (!status) st->last_error[0] = '\0';
  flush_req_t *reqs = st->inflight;
  st->inflight = NULL;
  answer(st, reqs, status);
  run_pending(st); /* also completes a close requested meanwhile */
}

int kc_offset_store_flush(kc_offset_store_t *st, kc_offset_flush_cb cb, void *arg) {
  if (st->closing) return KC_ESTATE;
  flush_req_t *r = calloc(1, sizeof *r);
  if (!r) return KC_ENOMEM;
  r->cb = cb;
  r->arg = arg;
  if (st->writing || st->in_callbacks) {
    /* Coalesced: every request made while a write runs is answered by one more write. */
    *st->pending_tail = r;
    st->pending_tail = &r->next;
    return 0;
  }
  st->inflight = r;
  st->writing = 1;
  int rc = st->ops->write(st);
  if (rc) {
    st->writing = 0;
    st->inflight = NULL;
    free(r);
  }
  return rc;
}

void kc_offset_store_close(kc_offset_store_t *st) {
  if (!st || st->closing) return;
  st->closing = 1;
  if (st->writing) {
    kc_log_warn(LOGGER, "Offset store closed while a flush is in flight; it is freed when the "
                        "flush completes");
    return;
  }
  if (st->in_callbacks) return; /* run_pending() finishes the close after the callbacks */
  finish_close(st);
}

/* ---- memory backend ------------------------------------------------------------ */

typedef struct {
  uv_timer_t timer;
  kc_offset_store_t *st;
} mem_write_t;

static void mem_timer_closed(uv_handle_t *h) { free(h->data); }

static void mem_timer_fired(uv_timer_t *t) {
  mem_write_t *w = t->data;
  kc_offset_store_t *st = w->st;
  /* The timer is the write's own allocation, so the store may be freed in the callbacks. */
  uv_close((uv_handle_t *)&w->timer, mem_timer_closed);
  kc__offset_store_write_done(st, 0);
}

/* Nothing to write, but the callbacks still run from the loop, never inside flush(). */
int kc__offset_store_mem_write(kc_offset_store_t *st) {
  mem_write_t *w = calloc(1, sizeof *w);
  if (!w) return KC_ENOMEM;
  w->st = st;
  int rc = uv_timer_init(st->loop, &w->timer);
  if (rc) {
    free(w);
    return KC_EIO;
  }
  w->timer.data = w;
  uv_timer_start(&w->timer, mem_timer_fired, 0, 0);
  return 0;
}

static const backend_ops_t memory_ops = {"memory", kc__offset_store_mem_write, NULL};

kc_offset_store_t *kc_offset_store_memory_open(uv_loop_t *loop) {
  return kc__offset_store_new(loop, &memory_ops);
}

/* ---- file backend -------------------------------------------------------------- */

typedef enum {
  S_OPEN, S_WRITE, S_FSYNC, S_CLOSE, S_RENAME, S_DIR_OPEN, S_DIR_FSYNC, S_DIR_CLOSE,
  S_ABORT_CLOSE, S_ABORT_UNLINK, S_DONE
} file_step_t;

static const char *const step_names[] = {"open", "write", "fsync", "close", "rename",
                                         "open", "fsync", "close"};

typedef struct {
  kc_offset_store_t *st;
  char *path, *tmp_path, *dir_path;
  uv_fs_t req;
  file_step_t step;
  uv_file fd;
  int tmp_exists; /* the temp file was created and not yet renamed */
  kc_buf_t data;  /* the snapshot being written */
  size_t written;
  int status; /* KC_E* once a step failed */
} file_impl_t;

static void file_next(file_impl_t *f, file_step_t step);

static void file_fail(file_impl_t *f, int uverr) {
  kc_offset_store_t *st = f->st;
  if (!f->status) { /* the first failure is the one to report; cleanup errors are not */
    const char *what = f->step <= S_RENAME ? f->tmp_path : f->dir_path;
    snprintf(st->last_error, sizeof st->last_error,
             "Failed to write offsets file %s: %s of %s failed: %s", f->path,
             f->step < S_ABORT_CLOSE ? step_names[f->step] : "cleanup", what, uv_strerror(uverr));
    kc_log_error(LOGGER, "%s", st->last_error);
    f->status = uverr == UV_ENOMEM ? KC_ENOMEM : KC_EIO;
  }
  /* Leave no open descriptor and no stray temp file; the previous file stays intact. */
  if (f->fd >= 0)
    file_next(f, S_ABORT_CLOSE);
  else if (f->tmp_exists)
    file_next(f, S_ABORT_UNLINK);
  else
    file_next(f, S_DONE);
}

static void file_fs_done(uv_fs_t *req) {
  file_impl_t *f = req->data;
  ssize_t res = req->result;
  uv_fs_req_cleanup(req);
  if (f->step == S_ABORT_CLOSE || f->step == S_ABORT_UNLINK) {
    file_fail(f, (int)res); /* continues the cleanup; the first error is kept */
    return;
  }
  if (f->step == S_DIR_FSYNC && (res == UV_EINVAL || res == UV_ENOTSUP))
    res = 0; /* some file systems cannot fsync a directory; the rename is done either way */
  if (f->step == S_CLOSE || f->step == S_DIR_CLOSE) f->fd = -1; /* closed even on error */
  if (res < 0) {
    file_fail(f, (int)res);
    return;
  }
  switch (f->step) {
    case S_OPEN:
      f->tmp_exists = 1;
      f->fd = (uv_file)res;
      file_next(f, S_WRITE);
      break;
    case S_DIR_OPEN:
      f->fd = (uv_file)res;
      file_next(f, S_DIR_FSYNC);
      break;
    case S_WRITE:
      f->written += (size_t)res;
      file_next(f, f->written < f->data.len ? S_WRITE : S_FSYNC);
      break;
    case S_RENAME:
      f->tmp_exists = 0;
      file_next(f, S_DIR_OPEN);
      break;
    case S_FSYNC:
      file_next(f, S_CLOSE);
      break;
    case S_CLOSE:
      file_next(f, S_RENAME);
      break;
    case S_DIR_FSYNC:
      file_next(f, S_DIR_CLOSE);
      break;
    default: /* S_DIR_CLOSE */
      file_next(f, S_DONE);
      break;
  }
}

/* Issues the request of @p step; a request that fails to start counts as that step failing. */
static void file_next(file_impl_t *f, file_step_t step) {
  uv_loop_t *loop = f->st->loop;
  uv_file fd = f->fd;
  int rc = 0;
  f->step = step;
  f->req.data = f;
  switch (step) {
    case S_OPEN:
      rc = uv_fs_open(loop, &f->req, f->tmp_path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644,
                      file_fs_done);
      break;
    case S_WRITE: {
      size_t left = f->data.len - f->written; /* uv_buf_t lengths are unsigned int */
      uv_buf_t b = uv_buf_init(f->data.data + f->written, (unsigned)(left < 1u << 30 ? left : 1u << 30));
      rc = uv_fs_write(loop, &f->req, fd, &b, 1, (int64_t)f->written, file_fs_done);
      break;
    }
    case S_FSYNC:
    case S_DIR_FSYNC:
      rc = uv_fs_fsync(loop, &f->req, fd, file_fs_done);
      break;
    case S_CLOSE:
    case S_DIR_CLOSE:
      rc = uv_fs_close(loop, &f->req, fd, file_fs_done);
      break;
    case S_RENAME:
      rc = uv_fs_rename(loop, &f->req, f->tmp_path, f->path, file_fs_done);
      break;
    case S_DIR_OPEN:
      rc = uv_fs_open(loop, &f->req, f->dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0,
                      file_fs_done);
      break;
    case S_ABORT_CLOSE:
      f->fd = -1; /* cleared first so a failing cleanup cannot loop */
      rc = uv_fs_close(loop, &f->req, fd, file_fs_done);
      break;
    case S_ABORT_UNLINK:
      f->tmp_exists = 0;
      rc = uv_fs_unlink(loop, &f->req, f->tmp_path, file_fs_done);
      break;
    case S_DONE:
      kc_buf_reset(&f->data);
      kc__offset_store_write_done(f->st, f->status);
      return;
  }
  if (rc < 0) {
    uv_fs_req_cleanup(&f->req);
    file_fail(f, rc);
  }
}

static int collect_entry(void *arg, const void *key, size_t klen, const void *val, size_t vlen) {
  kc_offset_entry_t **p = arg;
  **p = (kc_offset_entry_t){key, klen, val, vlen};
  (*p)++;
  return 0;
}

static int file_write(kc_offset_store_t *st) {
  file_impl_t *f = st->impl;
  kc_offset_entry_t *entries = malloc((st->count ? st->count : 1) * sizeof *entries);
  if (!entries) return KC_ENOMEM;
  kc_offset_entry_t *p = entries;
  kc_offset_store_foreach(st, collect_entry, &p);
  kc_buf_reset(&f->data);
  int rc = kc_offset_codec_encode(entries, st->count, &f->data);
  free(entries);
  if (rc) {
    snprintf(st->last_error, sizeof st->last_error, "Failed to encode offsets for %s: %s", f->path,
             kc_strerror(rc));
    kc_log_error(LOGGER, "%s", st->last_error);
    return rc;
  }
  f->written = 0;
  f->status = 0;
  f->fd = -1;
  f->tmp_exists = 0;
  /* Started here rather than through file_next() so a request that cannot even start is
   * returned by flush() instead of being answered from inside it. */
  f->step = S_OPEN;
  f->req.data = f;
  rc = uv_fs_open(st->loop, &f->req, f->tmp_path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0644,
                  file_fs_done);
  if (rc < 0) {
    uv_fs_req_cleanup(&f->req);
    snprintf(st->last_error, sizeof st->last_error,
             "Failed to write offsets file %s: open of %s failed: %s", f->path, f->tmp_path,
             uv_strerror(rc));
    kc_log_error(LOGGER, "%s", st->last_error);
    return rc == UV_ENOMEM ? KC_ENOMEM : KC_EIO;
  }
  return 0;
}

static void file_destroy(kc_offset_store_t *st) {
  file_impl_t *f = st->impl;
  if (!f) return;
  kc_buf_free(&f->data);
  free(f->path);
  free(f->tmp_path);
  free(f->dir_path);
  free(f);
}

static const backend_ops_t file_ops = {"file", file_write, file_destroy};

static char *str_printf(const char *fmt, const char *a) {
  int n = snprintf(NULL, 0, fmt, a);
  char *s = n < 0 ? NULL : malloc((size_t)n + 1);
  if (s) snprintf(s, (size_t)n + 1, fmt, a);
  return s;
}

/* The directory whose entry the rename changes, made durable by an fsync of it. */
static char *dir_of(const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return str_printf("%s", ".");
  if (slash == path) return str_printf("%s", "/");
  char *d = malloc((size_t)(slash - path) + 1);
  if (d) {
    memcpy(d, path, (size_t)(slash - path));
    d[slash - path] = '\0';
  }
  return d;
}

/* Reads the whole file; *len 0 and *data NULL for a missing file. @returns 0 or an errno. */
static int read_file(const char *path, uint8_t **data, size_t *len) {
  *data = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == ENOENT ? 0 : errno;
  struct stat sb;
  int err = fstat(fd, &sb) != 0 ? errno : S_ISDIR(sb.st_mode) ? EISDIR : 0;
  if (err) {
    close(fd);
    return err;
  }
  size_t cap = sb.st_size > 0 ? (size_t)sb.st_size + 1 : 4096, n = 0;
  uint8_t *buf = malloc(cap);
  if (!buf) {
    close(fd);
    return ENOMEM;
  }
  for (;;) {
    if (n == cap) {
      uint8_t *nb = realloc(buf, cap * 2);
      if (!nb) {
        free(buf);
        close(fd);
        return ENOMEM;
      }
      buf = nb;
      cap *= 2;
    }
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      int err = errno;
      free(buf);
      close(fd);
      return err;
    }
    if (r == 0) break;
    n += (size_t)r;
  }
  close(fd);
  *data = buf;
  *len = n;
  return 0;
}

static int load_entry(void *arg, const kc_offset_entry_t *e) {
  kc_offset_store_t *st = arg;
  /* A null key cannot come from Connect (keys are [connector, partition] JSON) and a null
   * value is a tombstone: neither is an offset, so neither is kept. */
  if (!e->key || !e->val) return 0;
  return kc_offset_store_set(st, e->key, e->klen, e->val, e->vlen);
}

kc_offset_store_t *kc_offset_store_file_open(uv_loop_t *loop, const char *path, char *errstr,
                                             size_t errstr_size) {
  if (!path || !*path) {
    snprintf(errstr, errstr_size, "offset.storage.file.filename is empty");
    return NULL;
  }
  kc_offset_store_t *st = kc__offset_store_new(loop, &file_ops);
  file_impl_t *f = st ? calloc(1, sizeof *f) : NULL;
  if (f) {
    st->impl = f;
    f->st = st;
    f->fd = -1;
    kc_buf_init(&f->data, 0);
    f->path = str_printf("%s", path);
    f->tmp_path = str_printf("%s.tmp", path);
    f->dir_path = dir_of(path);
  }
  if (!f || !f->path || !f->tmp_path || !f->dir_path) {
    snprintf(errstr, errstr_size, "Failed to open offsets file %s: out of memory", path);
    if (st) finish_close(st);
    return NULL;
  }

  uint8_t *data;
  size_t len;
  int err = read_file(path, &data, &len);
  if (err) {
    snprintf(errstr, errstr_size, "Failed to read offsets file %s: %s", path, strerror(err));
    finish_close(st);
    return NULL;
  }
  char why[300];
  int complete = 0;
  int rc = kc_offset_codec_decode_ex(data, len, load_entry, st, &complete, why, sizeof why);
  free(data);
  if (rc) {
    snprintf(errstr, errstr_size, "Failed to read offsets file %s: %s", path,
             rc == KC_EINVAL ? why : kc_strerror(rc));
    finish_close(st);
    return NULL;
  }
  if (!complete) {
    /* FileOffsetBackingStore.load() treats EOF as "no offsets", whatever came before it. */
    if (len) kc_log_warn(LOGGER, "Offsets file %s is truncated (%zu bytes); starting with no "
                                 "offsets, as Java workers do", path, len);
    clear_map(st);
  }
  kc_log_info(LOGGER, "Loaded %zu source offsets from %s", st->count, path);
  return st;
}
