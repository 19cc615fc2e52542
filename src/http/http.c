/*
 * curl's multi-socket API on the libuv loop (loop-integration.md "curl
 * multi-socket on libuv"): a uv_poll per socket curl asks for, one uv_timer
 * for curl's timeout, never curl_easy_perform. Completions are delivered from
 * a uv_idle, so a request callback never runs inside curl, inside submit or
 * cancel, and may itself submit, cancel, destroy or close the client.
 *
 * Connections stay in the multi handle's cache between requests (keep-alive
 * reuse); each request gets its own easy handle.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http/curl_dl.h"
#include "http/http.h"
#include "util/log.h"

typedef struct sock_s {
  uv_poll_t poll;
  curl_socket_t fd;
  kc_http_t *h;
  struct sock_s *prev, *next;
} sock_t;

struct kc_http_s {
  uv_loop_t *loop;
  CURLM *multi;
  uv_timer_t timer;
  uv_idle_t idle;
  kc_http_req_t *active;              /* submitted, not finished */
  kc_http_req_t *q_head, *q_tail;     /* finished, callback pending */
  sock_t *socks;
  int open_handles;                   /* uv handles not closed yet */
  int readers;                        /* file body readers not freed yet (body.c) */
  bool delivering, closing, in_close, idle_closing, finished;
  void (*close_cb)(void *);
  void *close_arg;
};

static bool curl_ready;

static void check_multi_info(kc_http_t *h);
static void maybe_finish_close(kc_http_t *h);

/* ---- uv handles ---- */

static void on_handle_closed(uv_handle_t *handle) {
  kc_http_t *h = handle->data;
  h->open_handles--;
  maybe_finish_close(h);
}

static void on_sock_closed(uv_handle_t *handle) {
  sock_t *s = handle->data;
  kc_http_t *h = s->h;
  free(s);
  h->open_handles--;
  maybe_finish_close(h);
}

static void sock_close(kc_http_t *h, sock_t *s) {
  if (s->prev) s->prev->next = s->next;
  else h->socks = s->next;
  if (s->next) s->next->prev = s->prev;
  /* Stop now: curl closes the fd right after this returns, and the number can
   * be reused by another thread at once (C1). */
  uv_poll_stop(&s->poll);
  uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

static void on_poll(uv_poll_t *p, int status, int events) {
  sock_t *s = p->data;
  kc_http_t *h = s->h;
  int flags = 0;
  if (status < 0)
    flags = CURL_CSELECT_ERR;
  else {
    if (events & UV_READABLE) flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE) flags |= CURL_CSELECT_OUT;
  }
  int running;
  curl_multi_socket_action(h->multi, s->fd, flags, &running);
  check_multi_info(h);
}

static int on_curl_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
  kc_http_t *h = userp;
  sock_t *s = socketp;
  if (what == CURL_POLL_REMOVE) {
    if (s) {
      sock_close(h, s);
      curl_multi_assign(h->multi, fd, NULL);
    }
    return 0;
  }
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) return -1;
    int rc = uv_poll_init_socket(h->loop, &s->poll, fd);
    if (rc < 0) {
      kc_log_error("kc.http", "cannot watch socket %d: %s", (int)fd, uv_strerror(rc));
      free(s);
      return -1;
    }
    s->fd = fd;
    s->h = h;
    s->poll.data = s;
    s->next = h->socks;
    if (h->socks) h->socks->prev = s;
    h->socks = s;
    h->open_handles++;
    curl_multi_assign(h->multi, fd, s);
  }
  int events = 0;
  if (what & CURL_POLL_IN) events |= UV_READABLE;
  if (what & CURL_POLL_OUT) events |= UV_WRITABLE;
  uv_poll_start(&s->poll, events, on_poll);
  return 0;
}

static void on_timeout(uv_timer_t *t) {
  kc_http_t *h = t->data;
  if (!h->multi) return;
  int running;
  curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_multi_info(h);
}

/* Only (re)arms the timer: calling socket_action from here re-enters curl (C2). */
static int on_curl_timer(CURLM *multi, long ms, void *userp) {
  kc_http_t *h = userp;
  if (ms < 0)
    uv_timer_stop(&h->timer);
  else
    uv_timer_start(&h->timer, on_timeout, (uint64_t)ms, 0);
  return 0;
}

/* ---- completion ---- */

static void on_idle(uv_idle_t *idle) {
  kc_http_t *h = idle->data;
  h->delivering = true;
  kc_http_req_t *req;
  while ((req = h->q_head)) {
    h->q_head = req->qnext;
    if (!h->q_head) h->q_tail = NULL;
    req->qnext = NULL;
    req->state = KC_HTTP_DONE;
    req->h = NULL;
    req->cb(req, req->result, req->cb_arg); /* may destroy req */
  }
  h->delivering = false;
  uv_idle_stop(idle);
  maybe_finish_close(h);
}

static void unlink_active(kc_http_t *h, kc_http_req_t *req) {
  if (req->prev) req->prev->next = req->next;
  else if (h->active == req) h->active = req->next;
  if (req->next) req->next->prev = req->prev;
  req->prev = req->next = NULL;
}

/* Releases what the transfer held; the request keeps its results. */
static void release_transfer(kc_http_t *h, kc_http_req_t *req) {
  if (req->easy) {
    if (h->multi && req->state == KC_HTTP_ACTIVE) curl_multi_remove_handle(h->multi, req->easy);
    curl_easy_cleanup(req->easy);
    req->easy = NULL;
  }
  curl_slist_free_all(req->slist);
  req->slist = NULL;
  kc__http_body_release(req);
}

static void finish(kc_http_t *h, kc_http_req_t *req, int result, const char *msg) {
  if (msg) kc__http_req_set_error(req, msg);
  unlink_active(h, req);
  release_transfer(h, req);
  req->result = result;
  req->state = KC_HTTP_DELIVER;
  if (h->q_tail) h->q_tail->qnext = req;
  else h->q_head = req;
  h->q_tail = req;
  uv_idle_start(&h->idle, on_idle);
}

static void check_multi_info(kc_http_t *h) {
  CURLMsg *msg;
  int pending;
  while (h->multi && (msg = curl_multi_info_read(h->multi, &pending))) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL *easy = msg->easy_handle;
    CURLcode cc = msg->data.result; /* msg is invalid after remove_handle (C5) */
    char *priv = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, &priv);
    kc_http_req_t *req = (kc_http_req_t *)priv;
    if (!req) continue;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &req->status);
    int result = 0;
    const char *msgtext = NULL;
    if (cc == CURLE_OPERATION_TIMEDOUT) {
      result = KC_ETIMEDOUT;
    } else if (cc != CURLE_OK) {
      result = KC_EIO;
      msgtext = kc__http_body_error(req); /* a failed file read aborted the upload */
    }
    if (cc != CURLE_OK && !msgtext && !req->errbuf[0])
      snprintf(req->errbuf, sizeof req->errbuf, "%s", curl_easy_strerror(cc));
    finish(h, req, result, msgtext);
  }
}

/* ---- client ---- */

kc_http_t *kc_http_create(uv_loop_t *loop) {
  if (kc_curl_load()) {
    kc_log_error("kc.http", "%s", kc_curl_load_error());
    return NULL;
  }
  if (!curl_ready) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) return NULL;
    curl_ready = true;
  }
  kc_http_t *h = calloc(1, sizeof *h);
  if (!h) return NULL;
  h->loop = loop;
  h->multi = curl_multi_init();
  if (!h->multi) {
    free(h);
    return NULL;
  }
  curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
  curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
  curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
  curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
  uv_timer_init(loop, &h->timer);
  uv_idle_init(loop, &h->idle);
  h->timer.data = h->idle.data = h;
  h->open_handles = 2;
  return h;
}

static void maybe_finish_close(kc_http_t *h) {
  if (!h->closing || h->in_close || h->finished || h->delivering || h->q_head) return;
  if (!h->idle_closing) {
    h->idle_closing = true;
    uv_close((uv_handle_t *)&h->idle, on_handle_closed);
    return;
  }
  if (h->open_handles > 0 || h->readers > 0) return;
  h->finished = true;
  void (*cb)(void *) = h->close_cb;
  void *arg = h->close_arg;
  free(h);
  if (cb) cb(arg);
}

void kc_http_close(kc_http_t *h, void (*cb)(void *arg), void *arg) {
  if (!h || h->closing) return;
  h->closing = true;
  h->in_close = true; /* a reader freed on the way must not finish the close early */
  h->close_cb = cb;
  h->close_arg = arg;
  while (h->active) finish(h, h->active, KC_ETIMEDOUT, "cancelled");
  /* While the loop and the polls are alive: curl's REMOVE callbacks stop them (C4). */
  curl_multi_cleanup(h->multi);
  h->multi = NULL;
  while (h->socks) sock_close(h, h->socks);
  uv_timer_stop(&h->timer);
  uv_close((uv_handle_t *)&h->timer, on_handle_closed);
  h->in_close = false;
  maybe_finish_close(h);
}

/* ---- submit ---- */

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata) {
  kc_http_req_t *req = userdata;
  size_t n = size * nmemb;
  size_t room = req->response.len < req->response_limit ? req->response_limit - req->response.len : 0;
  size_t keep = n < room ? n : room;
  if (keep && kc_buf_append(&req->response, data, keep) == KC_ENOMEM) return 0;
  return n; /* past the limit: discarded, the transfer goes on */
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata) {
  kc__http_req_header_line(userdata, data, size * nmemb);
  return size * nmemb;
}

static bool has_header(const kc_http_req_t *req, const char *name) {
  size_t n = strlen(name);
  for (size_t i = 0; i < req->nheaders; i++)
    if (!strncasecmp(req->headers[i], name, n) &&
        (req->headers[i][n] == ':' || req->headers[i][n] == ';'))
      return true;
  return false;
}

static int add_line(struct curl_slist **l, const char *fmt, const char *v) {
  char line[8192];
  int n = snprintf(line, sizeof line, fmt, v);
  if (n < 0 || (size_t)n >= sizeof line) return KC_EINVAL;
  struct curl_slist *nl = curl_slist_append(*l, line);
  if (!nl) return KC_ENOMEM;
  *l = nl;
  return 0;
}

/* Signs (when asked) and builds the header list and the URL to send. */
static int prepare(kc_http_req_t *req, kc_buf_t *url) {
  int rc = 0;
  for (size_t i = 0; i < req->nheaders && !rc; i++) rc = add_line(&req->slist, "%s", req->headers[i]);
  if (!rc && !has_header(req, "Expect")) rc = add_line(&req->slist, "%s", "Expect:");
  if (rc) {
    kc__http_req_set_error(req, rc == KC_ENOMEM ? "out of memory" : "header line too long");
    return rc;
  }
  if (!req->sign) return kc_buf_puts(url, req->url);

  char date[17];
  kc_sigv4_amz_date(time(NULL), date);
  kc_sigv4_input_t in = {
      .method = req->method, .url = req->url,
      .headers = (const char *const *)req->headers, .nheaders = req->nheaders,
      .region = req->region, .service = req->service, .access_key = req->access_key,
      .secret_key = req->secret_key, .session_token = req->session_token,
      .payload_hash = req->payload_hash, .amz_date = date};
  kc_sigv4_out_t out;
  kc_sigv4_out_init(&out);
  char err[512];
  rc = kc_sigv4_sign(&in, &out, err, sizeof err);
  if (rc) {
    kc__http_req_set_error(req, err);
    kc_sigv4_out_free(&out);
    return rc;
  }
  if (KC_LOG_ENABLED(KC_LOG_DEBUG)) {
    /* What S3 echoes in SignatureDoesNotMatch, minus the session token (a credential). */
    char *tok = strstr(out.canonical_request.data, "\nx-amz-security-token:");
    if (tok)
      for (tok += 22; *tok && *tok != '\n'; tok++) *tok = '*';
    kc_log_debug("kc.http", "SigV4 canonical request for %s %s:\n%s", req->method, out.url.data,
                 out.canonical_request.data);
  }
  rc = kc_buf_puts(url, out.url.data);
  if (!rc && !has_header(req, "Host")) rc = add_line(&req->slist, "Host: %s", out.host.data);
  if (!rc) rc = add_line(&req->slist, "x-amz-date: %s", date);
  if (!rc && !strcmp(req->service, "s3"))
    rc = add_line(&req->slist, "x-amz-content-sha256: %s",
                  req->payload_hash ? req->payload_hash : "UNSIGNED-PAYLOAD");
  if (!rc && req->session_token)
    rc = add_line(&req->slist, "x-amz-security-token: %s", req->session_token);
  if (!rc) rc = add_line(&req->slist, "Authorization: %s", out.authorization.data);
  if (rc) kc__http_req_set_error(req, "cannot build the signed headers");
  kc_sigv4_out_free(&out);
  return rc;
}

static int setup_easy(kc_http_req_t *req, const char *url) {
  CURL *e = req->easy = curl_easy_init();
  if (!e) return KC_ENOMEM;
  curl_easy_setopt(e, CURLOPT_PRIVATE, req);
  curl_easy_setopt(e, CURLOPT_URL, url);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, req->errbuf);
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L); /* send the path that was signed */
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
  /* Cancelling during a DNS lookup must not join the resolver thread on the loop. */
  curl_easy_setopt(e, CURLOPT_QUICK_EXIT, 1L);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "kconnect/" KC_VERSION_STRING);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, req->slist);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, req);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, req);
  /* "" turns off the *_proxy environment variables: only s3.proxy.url counts. */
  curl_easy_setopt(e, CURLOPT_PROXY, req->proxy ? req->proxy : "");
  if (req->proxy_user) curl_easy_setopt(e, CURLOPT_PROXYUSERNAME, req->proxy_user);
  if (req->proxy_password) curl_easy_setopt(e, CURLOPT_PROXYPASSWORD, req->proxy_password);
  if (req->tls) {
    /* Blobs, not paths: PKCS12 stores arrive converted to PEM, and nothing is read on the loop. */
    const kc_http_tls_t *t = req->tls;
    if (t->ca_pem) {
      struct curl_blob b = {t->ca_pem, t->ca_len, CURL_BLOB_COPY};
      curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
    }
    if (t->cert_pem) {
      struct curl_blob b = {t->cert_pem, t->cert_len, CURL_BLOB_COPY};
      curl_easy_setopt(e, CURLOPT_SSLCERT_BLOB, &b);
      curl_easy_setopt(e, CURLOPT_SSLCERTTYPE, "PEM");
    }
    if (t->key_pem) {
      struct curl_blob b = {t->key_pem, t->key_len, CURL_BLOB_COPY};
      curl_easy_setopt(e, CURLOPT_SSLKEY_BLOB, &b);
      curl_easy_setopt(e, CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (t->key_password) curl_easy_setopt(e, CURLOPT_KEYPASSWD, t->key_password);
    if (t->no_verify_host) curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (req->total_ms) curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)req->total_ms);
  if (req->connect_ms) curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)req->connect_ms);

  bool upload = req->has_body || !strcmp(req->method, "PUT") || !strcmp(req->method, "POST");
  if (upload) {
    curl_off_t len = req->file_path ? (curl_off_t)req->file_len : (curl_off_t)req->body_len;
    curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, len);
    curl_easy_setopt(e, CURLOPT_READFUNCTION, kc__http_body_read);
    curl_easy_setopt(e, CURLOPT_READDATA, req);
    curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, kc__http_body_seek);
    curl_easy_setopt(e, CURLOPT_SEEKDATA, req);
    curl_easy_setopt(e, CURLOPT_UPLOAD_BUFFERSIZE, (long)KC_HTTP_CHUNK);
    if (strcmp(req->method, "PUT")) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
  } else if (!strcmp(req->method, "HEAD")) {
    curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  } else if (strcmp(req->method, "GET")) {
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method);
  }
  return 0;
}

static int start_transfer(kc_http_t *h, kc_http_req_t *req) {
  CURLMcode mc = curl_multi_add_handle(h->multi, req->easy);
  if (mc != CURLM_OK) {
    kc__http_req_set_error(req, curl_multi_strerror(mc));
    return mc == CURLM_OUT_OF_MEMORY ? KC_ENOMEM : KC_EIO;
  }
  req->state = KC_HTTP_ACTIVE;
  return 0;
}

static void on_reader_freed(void *arg) {
  kc_http_t *h = arg;
  h->readers--;
  maybe_finish_close(h);
}

static void on_body_opened(kc_http_req_t *req, int status, const char *msg) {
  kc_http_t *h = req->h;
  if (status == 0) status = start_transfer(h, req);
  if (status) finish(h, req, status, msg);
}

int kc__http_submit(kc_http_t *h, kc_http_req_t *req, kc_http_cb cb, void *arg) {
  if (!h || !req || !cb) return KC_EINVAL;
  if (req->state != KC_HTTP_NEW || h->closing) return KC_ESTATE;
  kc_buf_t url;
  kc_buf_init(&url, 0);
  int rc = prepare(req, &url);
  if (!rc) rc = setup_easy(req, url.data);
  kc_buf_free(&url);
  if (!rc && req->file_path) {
    rc = kc__http_body_open(h->loop, req, on_body_opened, on_reader_freed, h);
    if (!rc) h->readers++;
  }
  if (!rc) {
    req->h = h;
    req->cb = cb;
    req->cb_arg = arg;
    if (req->file_path)
      req->state = KC_HTTP_OPENING;
    else
      rc = start_transfer(h, req);
  }
  if (rc) {
    release_transfer(h, req);
    req->state = KC_HTTP_NEW;
    req->h = NULL;
    return rc;
  }
  req->next = h->active;
  if (h->active) h->active->prev = req;
  h->active = req;
  return 0;
}

void kc_http_req_cancel(kc_http_req_t *req) {
  if (!req || (req->state != KC_HTTP_OPENING && req->state != KC_HTTP_ACTIVE)) return;
  finish(req->h, req, KC_ETIMEDOUT, "cancelled");
}

uv_loop_t *kc__http_loop(const kc_http_t *h) { return h ? h->loop : NULL; }

void kc__http_detach(kc_http_req_t *req) {
  kc_http_t *h = req->h;
  if (!h) return;
  if (req->state == KC_HTTP_DELIVER) {
    kc_http_req_t **pp = &h->q_head, *last = NULL;
    while (*pp && *pp != req) last = *pp, pp = &(*pp)->qnext;
    if (*pp) {
      *pp = req->qnext;
      if (h->q_tail == req) h->q_tail = last;
    }
  } else {
    unlink_active(h, req);
    release_transfer(h, req);
  }
  req->state = KC_HTTP_DONE;
  req->h = NULL;
  maybe_finish_close(h);
}
