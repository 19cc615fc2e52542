/*
 * Request bodies for curl's READFUNCTION/SEEKFUNCTION: a memory copy, or a
 * file range streamed with uv_fs reads on the threadpool (pitfall C3). The
 * file reader keeps two KC_HTTP_CHUNK buffers: curl drains one while the next
 * is read; when both are empty the READFUNCTION pauses the transfer and the
 * read's callback resumes it from the loop. The whole range is never in memory.
 *
 * The reader outlives its request while an fs operation is in flight (a
 * cancel or timeout can finish the request mid-read): it then closes its fd and
 * frees itself from that operation's callback.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

typedef struct {
  char *data;
  size_t len, pos;
  bool ready;
} chunk_t;

struct kc_http_file_s {
  uv_fs_t fs;            /* one operation at a time: open, read or close */
  uv_loop_t *loop;
  kc_http_req_t *req;    /* NULL once released */
  kc_http_opened_cb opened;
  void (*freed)(void *);
  void *freed_arg;
  uv_file fd;
  bool busy;             /* fs in flight */
  bool paused;           /* the READFUNCTION returned CURL_READFUNC_PAUSE */
  unsigned gen;          /* bumped by a seek: a read started before it is stale */
  unsigned busy_gen;
  int64_t next_off;      /* file offset of the next read */
  int64_t to_read;       /* bytes of the range not read yet */
  int64_t to_send;       /* bytes of the range not handed to curl yet */
  chunk_t chunk[2];
  int cur;               /* chunk curl drains */
  int fill;              /* chunk the next read fills */
  char *error;
};

static void set_error(kc_http_file_t *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_error(kc_http_file_t *f, const char *fmt, ...) {
  if (f->error) return;
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  f->error = strdup(msg);
  if (!f->error) f->error = strdup("out of memory");
}

static void file_free(kc_http_file_t *f) {
  void (*freed)(void *) = f->freed;
  void *arg = f->freed_arg;
  free(f->chunk[0].data);
  free(f->error);
  free(f);
  if (freed) freed(arg);
}

static void on_closed(uv_fs_t *fs) {
  uv_fs_req_cleanup(fs);
  file_free(fs->data);
}

/* The request is gone: close the fd (if any) and free. */
static void file_dispose(kc_http_file_t *f) {
  if (f->fd >= 0) {
    uv_file fd = f->fd;
    f->fd = -1;
    f->busy = true;
    if (uv_fs_close(f->loop, &f->fs, fd, on_closed) == 0) return;
  }
  file_free(f);
}

static void on_read(uv_fs_t *fs);

static void file_fill(kc_http_file_t *f) {
  if (f->busy || f->error || f->fd < 0 || f->to_read == 0) return;
  chunk_t *c = &f->chunk[f->fill];
  if (c->ready) return;
  size_t n = f->to_read < KC_HTTP_CHUNK ? (size_t)f->to_read : KC_HTTP_CHUNK;
  uv_buf_t b = uv_buf_init(c->data, (unsigned)n);
  f->busy = true;
  f->busy_gen = f->gen;
  int rc = uv_fs_read(f->loop, &f->fs, f->fd, &b, 1, f->next_off, on_read);
  if (rc < 0) {
    f->busy = false;
    set_error(f, "cannot read %s: %s", f->req->file_path, uv_strerror(rc));
  }
}

static void on_read(uv_fs_t *fs) {
  kc_http_file_t *f = fs->data;
  ssize_t r = fs->result;
  uv_fs_req_cleanup(fs);
  f->busy = false;
  if (!f->req) {
    file_dispose(f);
    return;
  }
  if (f->busy_gen != f->gen) { /* curl rewound meanwhile: read again from the new place */
    file_fill(f);
    return;
  }
  if (r < 0) {
    set_error(f, "cannot read %s: %s", f->req->file_path, uv_strerror((int)r));
  } else if (r == 0) {
    set_error(f, "%s ended at byte %lld, before the end of the body range %lld+%lld",
              f->req->file_path, (long long)f->next_off, (long long)f->req->file_off,
              (long long)f->req->file_len);
  } else {
    chunk_t *c = &f->chunk[f->fill];
    c->len = (size_t)r;
    c->pos = 0;
    c->ready = true;
    f->next_off += r;
    f->to_read -= r;
    f->fill ^= 1;
    file_fill(f);
  }
  if (f->paused && f->req->easy) {
    /* From the loop, not from a curl callback; an error aborts on the next read. */
    f->paused = false;
    curl_easy_pause(f->req->easy, CURLPAUSE_CONT);
  }
}

static void on_open(uv_fs_t *fs) {
  kc_http_file_t *f = fs->data;
  ssize_t r = fs->result;
  uv_fs_req_cleanup(fs);
  f->busy = false;
  if (r >= 0) f->fd = (uv_file)r;
  if (!f->req) {
    file_dispose(f);
    return;
  }
  if (r < 0) {
    set_error(f, "cannot open %s: %s", f->req->file_path, uv_strerror((int)r));
    f->opened(f->req, KC_EIO, f->error);
    return;
  }
  file_fill(f);
  f->opened(f->req, 0, NULL);
}

static void file_rewind(kc_http_file_t *f, int64_t offset) {
  f->gen++;
  f->chunk[0].ready = f->chunk[1].ready = false;
  f->cur = f->fill = 0;
  f->next_off = f->req->file_off + offset;
  f->to_read = f->to_send = f->req->file_len - offset;
}

int kc__http_body_open(uv_loop_t *loop, kc_http_req_t *req, kc_http_opened_cb cb,
                       void (*freed)(void *), void *freed_arg) {
  kc_http_file_t *f = calloc(1, sizeof *f);
  if (!f) return KC_ENOMEM;
  f->chunk[0].data = malloc(2 * (size_t)KC_HTTP_CHUNK);
  if (!f->chunk[0].data) {
    free(f);
    return KC_ENOMEM;
  }
  f->chunk[1].data = f->chunk[0].data + KC_HTTP_CHUNK;
  f->loop = loop;
  f->req = req;
  f->opened = cb;
  f->fd = -1;
  f->fs.data = f;
  file_rewind(f, 0);
  f->busy = true;
  int rc = uv_fs_open(loop, &f->fs, req->file_path, O_RDONLY | O_CLOEXEC, 0, on_open);
  if (rc < 0) {
    file_free(f);
    return KC_EIO;
  }
  f->freed = freed;
  f->freed_arg = freed_arg;
  req->file = f;
  return 0;
}

size_t kc__http_body_read(char *buf, size_t size, size_t nitems, void *userdata) {
  kc_http_req_t *req = userdata;
  size_t max = size * nitems;
  if (!req->file_path) {
    size_t n = req->body_len - req->body_pos;
    if (n > max) n = max;
    if (n) memcpy(buf, req->body + req->body_pos, n);
    req->body_pos += n;
    return n;
  }
  kc_http_file_t *f = req->file;
  if (!f || f->error) return CURL_READFUNC_ABORT;
  if (f->to_send == 0) return 0;
  chunk_t *c = &f->chunk[f->cur];
  if (!c->ready) {
    file_fill(f);
    if (f->error) return CURL_READFUNC_ABORT;
    f->paused = true;
    return CURL_READFUNC_PAUSE;
  }
  size_t n = c->len - c->pos;
  if (n > max) n = max;
  memcpy(buf, c->data + c->pos, n);
  c->pos += n;
  f->to_send -= (int64_t)n;
  if (c->pos == c->len) {
    c->ready = false;
    f->cur ^= 1;
    file_fill(f);
  }
  return n;
}

/* curl rewinds when it resends a body: a reused connection that the server had
 * closed, or an auth/redirect round trip. */
int kc__http_body_seek(void *userdata, curl_off_t offset, int origin) {
  kc_http_req_t *req = userdata;
  if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  if (!req->file_path) {
    if ((size_t)offset > req->body_len) return CURL_SEEKFUNC_FAIL;
    req->body_pos = (size_t)offset;
    return CURL_SEEKFUNC_OK;
  }
  kc_http_file_t *f = req->file;
  if (!f || offset > req->file_len) return CURL_SEEKFUNC_FAIL;
  file_rewind(f, offset);
  file_fill(f);
  return CURL_SEEKFUNC_OK;
}

const char *kc__http_body_error(const kc_http_req_t *req) {
  return req->file ? req->file->error : NULL;
}

void kc__http_body_release(kc_http_req_t *req) {
  kc_http_file_t *f = req->file;
  if (!f) return;
  req->file = NULL;
  f->req = NULL;
  if (!f->busy) file_dispose(f);
}
