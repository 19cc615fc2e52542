/*
 * DESIGN: one kc_http_t per request, closed as soon as the response (or the
 * failure) is in; the caller's callback runs from the client's close callback,
 * so that when it runs nothing of the request is left on the loop and the
 * caller may close its own handles (or the loop) at once.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "rest/client.h"

struct kc_rest_client_req_s {
  kc_http_t *http;
  kc_http_req_t *req;
  kc_rest_client_cb cb;
  void *arg;
  int transport;  /* kc_http_cb status: 0 = a response arrived */
  bool notify;    /* false: submit failed, the caller was told by the return code */
  bool finished;  /* the HTTP callback ran: cancel is a no-op */
};

static void on_client_closed(void *arg) {
  kc_rest_client_req_t *r = arg;
  if (r->notify) {
    const kc_buf_t *resp = kc_http_req_response(r->req);
    const char *body = resp && resp->data ? resp->data : "";
    size_t len = resp && resp->data ? resp->len : 0;
    int status = r->transport;
    const char *err = "";
    if (status == 0) {
      status = (int)kc_http_req_status(r->req);
      if (len > KC_REST_CLIENT_MAX_RESPONSE) {
        status = KC_ENOSPC;
        err = "response body too large";
        body = "";
        len = 0;
      }
    } else {
      err = kc_http_req_error(r->req);
      if (!err || !*err) err = kc_strerror(status);
      body = "";
      len = 0;
    }
    r->cb(r->arg, status, body, len, err);
  }
  kc_http_req_destroy(r->req);
  free(r);
}

static void on_http(kc_http_req_t *req, int status, void *arg) {
  kc_rest_client_req_t *r = arg;
  r->transport = status;
  r->finished = true;
  kc_http_close(r->http, on_client_closed, r);
}

static int add_header_line(kc_http_req_t *req, const char *line) {
  const char *colon = strchr(line, ':');
  if (!colon || colon == line) return KC_EINVAL;
  char *name = strndup(line, (size_t)(colon - line));
  if (!name) return KC_ENOMEM;
  const char *v = colon + 1;
  while (*v == ' ' || *v == '\t') v++;
  int rc = kc_http_req_add_header(req, name, v);
  free(name);
  return rc;
}

int kc_rest_client_request(uv_loop_t *loop, const char *method, const char *url, const void *body, size_t len,
                           const char *const *headers, uint64_t timeout_ms, kc_rest_client_cb cb, void *arg,
                           kc_rest_client_req_t **out) {
  if (out) *out = NULL;
  if (!loop || !method || !url || !cb) return KC_EINVAL;
  if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8)) return KC_EINVAL;
  kc_rest_client_req_t *r = calloc(1, sizeof(*r));
  if (!r) return KC_ENOMEM;
  r->cb = cb;
  r->arg = arg;
  r->req = kc_http_req_new(method, url);
  if (!r->req) {
    free(r);
    return KC_ENOMEM;
  }
  int rc = kc_http_req_add_header(r->req, "Accept", "application/json");
  for (size_t i = 0; !rc && headers && headers[i]; i++) rc = add_header_line(r->req, headers[i]);
  if (!rc && body) rc = kc_http_req_set_body(r->req, len ? body : "", len);
  if (rc) {
    kc_http_req_destroy(r->req);
    free(r);
    return rc;
  }
  kc_http_req_set_timeouts(r->req, timeout_ms, timeout_ms);
  /* one byte over the cap tells a truncated body from one that just fits */
  kc_http_req_set_response_limit(r->req, KC_REST_CLIENT_MAX_RESPONSE + 1);
  r->http = kc_http_create(loop);
  if (!r->http) {
    kc_http_req_destroy(r->req);
    free(r);
    return KC_ESTATE;
  }
  rc = kc__http_submit(r->http, r->req, on_http, r);
  if (rc) {
    r->finished = true; /* the client closes without the caller hearing of it again */
    kc_http_close(r->http, on_client_closed, r);
    return rc;
  }
  r->notify = true;
  if (out) *out = r;
  return 0;
}

int kc_rest_client_url(kc_buf_t *out, const char *base, const char *const *segments) {
  static const char keep[] = "-._~!$&'()*+,;=:@";
  size_t n = strlen(base);
  while (n > 0 && base[n - 1] == '/') n--;
  int rc = kc_buf_append(out, base, n);
  for (size_t i = 0; !rc && segments && segments[i]; i++) {
    rc = kc_buf_append(out, "/", 1);
    for (const unsigned char *p = (const unsigned char *)segments[i]; *p && !rc; p++) {
      if (isalnum(*p) || (*p < 0x80 && strchr(keep, *p))) rc = kc_buf_append(out, p, 1);
      else rc = kc_buf_printf(out, "%%%02X", *p);
    }
  }
  return rc;
}

void kc_rest_client_cancel(kc_rest_client_req_t *r) {
  if (!r || r->finished) return;
  r->finished = true;
  kc_http_req_cancel(r->req);
}
