/* The object upload state machine (see s3_upload.h): one setter, one step function. */
#include "s3_upload.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UPLOAD_STATE_MAP(XX)                                            \
  XX(WAIT_PUT)      /* PutObject in flight */                           \
  XX(WAIT_CREATE)   /* CreateMultipartUpload in flight */               \
  XX(WAIT_PART)     /* UploadPart `part` in flight */                   \
  XX(WAIT_COMPLETE) /* CompleteMultipartUpload in flight */             \
  XX(WAIT_ABORT)    /* AbortMultipartUpload after a final error */      \
  XX(DONE)          /* callback ran */

typedef enum {
#define XX(s) UP_##s,
  UPLOAD_STATE_MAP(XX)
#undef XX
} up_state_t;

static const char *const up_state_names[] = {
#define XX(s) #s,
    UPLOAD_STATE_MAP(XX)
#undef XX
};

struct kc_s3_upload_s {
  kc_s3_client_t *c;
  char *key, *path;
  int64_t size, part_size;
  kc_s3_upload_cb cb;
  void *arg;
  up_state_t state;
  kc_s3_op_t *op;
  char upload_id[512];
  char **etags;
  int nparts, part;     /* parts in total; current part (1-based) */
  int status;
  char error[1200];
  bool cancelled;
};

static void set_state(kc_s3_upload_t *u, up_state_t st) {
  kc_task_log(u->c->task, KC_LOG_DEBUG, "upload %s: %s -> %s", u->key, up_state_names[u->state],
              up_state_names[st]);
  u->state = st;
}

static void on_op(void *arg, const kc_s3_result_t *res);

static void finish(kc_s3_upload_t *u, int status, const char *error) {
  set_state(u, UP_DONE);
  u->cb(u, status, error, u->arg);
}

static void fail(kc_s3_upload_t *u, const char *error) {
  u->status = KC_ERR;
  snprintf(u->error, sizeof u->error, "%s", error);
  if (u->upload_id[0] && !u->cancelled) {
    set_state(u, UP_WAIT_ABORT);
    u->op = kc_s3_abort_multipart(u->c, u->key, u->upload_id, on_op, u);
    if (u->op) return;
  }
  finish(u, KC_ERR, u->error);
}

static void send_part(kc_s3_upload_t *u) {
  int64_t off = (int64_t)(u->part - 1) * u->part_size;
  int64_t len = u->size - off < u->part_size ? u->size - off : u->part_size;
  u->op = kc_s3_upload_part(u->c, u->key, u->upload_id, u->part, u->path, off, len, on_op, u);
  if (!u->op) fail(u, "out of memory");
}

static void on_op(void *arg, const kc_s3_result_t *res) {
  kc_s3_upload_t *u = arg;
  u->op = NULL;
  if (u->state == UP_WAIT_ABORT) { /* abort result is informational */
    if (res->status)
      kc_task_log(u->c->task, KC_LOG_WARN, "abort of %s failed: %s", u->key, res->message);
    finish(u, KC_ERR, u->error);
    return;
  }
  if (res->status) {
    /* A CreateMultipartUpload refused after the fact (SSE not confirmed) still opened an upload. */
    if (u->state == UP_WAIT_CREATE && res->upload_id && *res->upload_id)
      snprintf(u->upload_id, sizeof u->upload_id, "%s", res->upload_id);
    fail(u, res->message);
    return;
  }
  if (u->cancelled) {
    finish(u, KC_ERR, "cancelled");
    return;
  }
  switch (u->state) {
    case UP_WAIT_PUT:
      finish(u, 0, NULL);
      return;
    case UP_WAIT_CREATE:
      if (!res->upload_id || !*res->upload_id) {
        fail(u, "CreateMultipartUpload answered without an UploadId");
        return;
      }
      snprintf(u->upload_id, sizeof u->upload_id, "%s", res->upload_id);
      u->part = 1;
      set_state(u, UP_WAIT_PART);
      send_part(u);
      return;
    case UP_WAIT_PART:
      u->etags[u->part - 1] = strdup(res->etag && *res->etag ? res->etag : "\"\"");
      if (u->part < u->nparts) {
        u->part++;
        send_part(u);
        return;
      }
      set_state(u, UP_WAIT_COMPLETE);
      u->op = kc_s3_complete_multipart(u->c, u->key, u->upload_id, u->etags, u->nparts, on_op, u);
      if (!u->op) fail(u, "out of memory");
      return;
    case UP_WAIT_COMPLETE:
      finish(u, 0, NULL);
      return;
    default:
      return;
  }
}

kc_s3_upload_t *kc_s3_upload_start(kc_s3_client_t *c, const char *key, const char *path, int64_t size,
                                   int64_t part_size, kc_s3_upload_cb cb, void *arg) {
  kc_s3_upload_t *u = calloc(1, sizeof *u);
  if (!u) return NULL;
  u->c = c;
  u->key = strdup(key);
  u->path = strdup(path);
  u->size = size;
  u->part_size = part_size > 0 ? part_size : 5 << 20;
  u->cb = cb;
  u->arg = arg;
  u->nparts = size <= u->part_size ? 1 : (int)((size + u->part_size - 1) / u->part_size);
  u->etags = calloc((size_t)u->nparts, sizeof *u->etags);
  if (!u->key || !u->path || !u->etags) {
    kc_s3_upload_free(u);
    return NULL;
  }
  if (u->nparts == 1) {
    u->state = UP_WAIT_PUT;
    u->op = kc_s3_put_object(c, key, path, 0, size, on_op, u);
  } else {
    u->state = UP_WAIT_CREATE;
    u->op = kc_s3_create_multipart(c, key, on_op, u);
  }
  if (!u->op) {
    kc_s3_upload_free(u);
    return NULL;
  }
  return u;
}

void kc_s3_upload_cancel(kc_s3_upload_t *u) {
  u->cancelled = true;
  if (u->op) kc_s3_op_cancel(u->op);
}

const char *kc_s3_upload_key(const kc_s3_upload_t *u) { return u->key; }

void kc_s3_upload_free(kc_s3_upload_t *u) {
  if (!u) return;
  for (int i = 0; u->etags && i < u->nparts; i++) free(u->etags[i]);
  free(u->etags);
  free(u->key);
  free(u->path);
  free(u);
}
