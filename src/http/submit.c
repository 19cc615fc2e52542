/*
 * kc_http_submit() for connectors: the request runs on the worker's client.
 * Kept apart from http.c so that programs linking the client without the
 * worker (unit tests) do not need kc__task_http().
 */
#include "http/http.h"

int kc_http_submit(kc_task_t *task, kc_http_req_t *req, kc_http_cb cb, void *arg) {
  if (!task || !req || !cb) return KC_EINVAL;
  kc_http_t *h = kc__task_http(task);
  if (!h) return KC_ESTATE;
  return kc__http_submit(h, req, cb, arg);
}

int kc_uri_encode(kc_buf_t *out, const char *s, size_t n, bool keep_slash) {
  return kc_sigv4_uri_encode(out, s, n, keep_slash);
}
