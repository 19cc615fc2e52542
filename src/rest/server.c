/*
 * DESIGN: the REST connections, one llhttp parser per connection (and one
 * OpenSSL session on memory BIOs for https listeners), all on the loop thread.
 * The listeners themselves are in listener.c.
 *
 * A connection serves one request at a time. The parser pauses itself
 * (HPE_PAUSED from on_message_complete) as soon as a request is complete;
 * whatever the client already sent after it (pipelining) is stashed and
 * reading stops. The router answers, possibly much later through a herder
 * callback; once that response is written the parser resumes on the stash and
 * reading restarts. Responses therefore leave in request order and a client
 * can never make us buffer more than one request plus one read.
 *
 * Connection states and what the per-connection timer means in each:
 *   HANDSHAKE TLS handshake in progress        header deadline -> close
 *   IDLE    nothing of the next request yet     idle_timeout -> close; before the first
 *                                               request the header deadline -> 408 + close
 *   READING part of a request received         idle_timeout since the last bytes, and until
 *                                               the headers are in the header deadline -> 408
 *   WAITING the router/herder has the request  request_timeout -> 500 "Request timed out"
 *   WRITING the response is being written      idle_timeout -> close (client not reading)
 *   LINGER  FIN sent, draining before close    linger -> close
 * Closing after a response goes through LINGER so that unread request bytes
 * (an oversized body we refused) do not turn our FIN into an RST that would
 * destroy the response before the client reads it.
 *
 * Slow clients (slowloris): the header deadline runs from accept for the first
 * request (TLS handshake included) and from the first byte of every later one,
 * and bytes arriving do not extend it. The connection caps (total, per peer
 * address) are checked at accept.
 *
 * TLS: ciphertext from uv_read goes into the session's read BIO; decrypted
 * bytes feed the parser exactly as plain reads do; everything the session
 * writes (handshake, records, close_notify) is drained from its write BIO into
 * one uv_write. While the parser is paused the session keeps what it already
 * holds, and the pump runs again once the response is out.
 *
 * Memory: url, header and body buffers belong to the current request and are
 * freed when its response has been written. A connection is freed from the
 * close callbacks of both its handles; a herder request still outstanding at
 * that point is detached and its late answer dropped (router.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/err.h>

#include "rest/forward.h"
#include "rest/listener.h"
#include "util/log.h"

#define LOGGER "kc.rest"
#define READ_BUF_SIZE (64 * 1024)
#define PLAIN_BUF_SIZE (16 * 1024)
#define LINGER_MS 2000
#define HEADER_NAME_MAX 40 /* x-connect-request-signature-algorithm is 37 */

typedef enum { CONN_HANDSHAKE, CONN_IDLE, CONN_READING, CONN_WAITING, CONN_WRITING, CONN_LINGER } conn_state_t;
typedef enum { HDR_OTHER, HDR_CONTENT_TYPE, HDR_EXPECT, HDR_USER_AGENT, HDR_POLICY /* auth: msg.cur_hdr */ } header_kind_t;

struct kc_rest_conn_s {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_shutdown_t shutdown_req;
  llhttp_t parser;
  kc_rest_t *rest;
  kc_rest_lsn_t *lsn;
  SSL *ssl;         /* https listeners only; owns rbio and wbio */
  BIO *rbio, *wbio;
  struct sockaddr_storage peer_addr; /* for the per-address cap */
  uint64_t header_deadline; /* loop time the current headers are due (0 = none) */
  bool headers_done;
  kc_rest_conn_t *prev, *next;
  conn_state_t state;
  int handles_open;
  bool closing, reading, eof;
  bool served_any;   /* at least one response written */
  bool keep_alive;   /* of the current request */
  bool close_after;  /* close once the current response is out */
  /* the request being parsed */
  kc_rest_msg_t msg;
  char hname[HEADER_NAME_MAX + 1];
  size_t hname_len;
  header_kind_t hkind;
  kc_buf_t expect;
  kc_buf_t user_agent; /* for the access log */
  uint64_t req_start;  /* loop time of the first byte */
  char peer[64];
  size_t header_bytes;
  bool url_too_long;
  int err_status; /* set by a parser callback that refused the request */
  char err_msg[160];
  /* bytes received after a complete request, parsed once it is answered */
  char *stash;
  size_t stash_len;
  kc_rest_call_t *call;
};

typedef struct {
  uv_write_t req;
  kc_rest_conn_t *hc;
  bool final; /* the response to the current request (not a 100 Continue) */
  size_t len;
  char data[];
} conn_write_t;

static const llhttp_settings_t *parser_settings(void);
static void conn_close(kc_rest_conn_t *hc);
static void conn_feed(kc_rest_conn_t *hc, const char *data, size_t len);
static void conn_read_start(kc_rest_conn_t *hc);
static void on_timer(uv_timer_t *t);
static void tls_pump(kc_rest_conn_t *hc);

/* ------------------------------------------------------------------ helpers */

const char *kc__rest_reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

static void msg_free(kc_rest_msg_t *m) {
  kc_buf_free(&m->url);
  kc_buf_free(&m->content_type);
  kc_buf_free(&m->body);
  m->has_content_type = false;
  kc__rest_msg_policy_free(m); /* auth */
}

static void timer_arm(kc_rest_conn_t *hc, uint64_t ms) {
  if (!hc->closing) uv_timer_start(&hc->timer, on_timer, ms, 0);
}

/* The idle timeout, cut short by the header deadline while headers are due. */
static void timer_arm_reading(kc_rest_conn_t *hc) {
  uint64_t ms = hc->rest->limits.idle_timeout_ms;
  if (!hc->headers_done && hc->header_deadline) {
    uint64_t now = uv_now(hc->rest->loop);
    uint64_t left = hc->header_deadline > now ? hc->header_deadline - now : 0;
    if (left < ms) ms = left;
  }
  timer_arm(hc, ms);
}

static void conn_set_state(kc_rest_conn_t *hc, conn_state_t st) {
  const kc_rest_limits_t *lim = &hc->rest->limits;
  hc->state = st;
  switch (st) {
    case CONN_WAITING: timer_arm(hc, lim->request_timeout_ms); break;
    case CONN_LINGER: timer_arm(hc, lim->idle_timeout_ms < LINGER_MS ? lim->idle_timeout_ms : LINGER_MS); break;
    default: timer_arm_reading(hc); break;
  }
}

void kc__rest_conn_attach(kc_rest_conn_t *hc, kc_rest_call_t *call) { hc->call = call; }

kc_rest_msg_t *kc__rest_conn_msg(kc_rest_conn_t *hc) { return &hc->msg; }

bool kc__rest_conn_is_tls(const kc_rest_conn_t *hc) { return hc->ssl != NULL; }

void kc__rest_conn_local_authority(kc_rest_conn_t *hc, char *out, size_t n) {
  struct sockaddr_storage ss;
  int len = sizeof ss;
  char ip[64] = "127.0.0.1";
  int port = 0;
  if (uv_tcp_getsockname(&hc->tcp, (struct sockaddr *)&ss, &len) == 0) {
    if (ss.ss_family == AF_INET6) {
      uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof ip);
      port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
      snprintf(out, n, "[%s]:%d", ip, port);
      return;
    }
    uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof ip);
    port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
  }
  snprintf(out, n, "%s:%d", ip, port);
}

static void detach_call(kc_rest_conn_t *hc) {
  if (hc->call) {
    hc->call->hc = NULL;
    hc->call = NULL;
  }
}

/* ------------------------------------------------------------------- writes */

static void conn_start_linger(kc_rest_conn_t *hc);

/* The current request's response is out: free it, then close or go on. */
static void request_done(kc_rest_conn_t *hc) {
  msg_free(&hc->msg);
  kc_buf_free(&hc->expect);
  kc_buf_free(&hc->user_agent);
  hc->served_any = true;
  if (hc->close_after || !hc->keep_alive || hc->eof) {
    conn_start_linger(hc);
    return;
  }
  hc->header_deadline = 0;
  hc->headers_done = false;
  conn_set_state(hc, CONN_IDLE);
  llhttp_resume(&hc->parser);
  if (hc->stash) {
    /* Steal the stash: conn_feed may pause again and stash a suffix of it. */
    char *data = hc->stash;
    size_t len = hc->stash_len;
    hc->stash = NULL;
    hc->stash_len = 0;
    conn_feed(hc, data, len);
    free(data);
  }
  if (!hc->closing && (hc->state == CONN_IDLE || hc->state == CONN_READING)) {
    conn_read_start(hc);
    if (hc->ssl) tls_pump(hc); /* records the session already holds get no new read */
  }
}

static void on_write(uv_write_t *req, int status) {
  conn_write_t *w = (conn_write_t *)req;
  kc_rest_conn_t *hc = w->hc;
  bool final = w->final;
  free(w);
  if (hc->closing) return;
  if (status < 0) {
    kc_log_debug(LOGGER, "write failed: %s", uv_strerror(status));
    conn_close(hc);
    return;
  }
  if (final) request_done(hc);
}

static conn_write_t *write_new(kc_rest_conn_t *hc, size_t len, bool final) {
  conn_write_t *w = malloc(sizeof(*w) + len);
  if (!w) return NULL;
  w->hc = hc;
  w->final = final;
  w->len = len;
  return w;
}

static int write_send(kc_rest_conn_t *hc, conn_write_t *w) {
  uv_buf_t b = uv_buf_init(w->data, (unsigned)w->len);
  int rc = uv_write(&w->req, (uv_stream_t *)&hc->tcp, &b, 1, on_write);
  if (rc < 0) free(w);
  return rc;
}

/* Sends whatever the TLS session wrote into its write BIO, as one uv_write. */
static int tls_flush(kc_rest_conn_t *hc, bool final) {
  size_t pending = BIO_ctrl_pending(hc->wbio);
  if (pending == 0) return final ? UV_EPROTO : 0;
  conn_write_t *w = write_new(hc, pending, final);
  if (!w) return UV_ENOMEM;
  if (BIO_read(hc->wbio, w->data, (int)pending) != (int)pending) {
    free(w);
    return UV_EPROTO;
  }
  return write_send(hc, w);
}

static int conn_write(kc_rest_conn_t *hc, const char *data, size_t len, bool final) {
  if (hc->ssl) {
    /* A memory BIO never fills up: SSL_write takes everything or fails. */
    if (SSL_write(hc->ssl, data, (int)len) != (int)len) {
      ERR_clear_error();
      return UV_EPROTO;
    }
    return tls_flush(hc, final);
  }
  conn_write_t *w = write_new(hc, len, final);
  if (!w) return UV_ENOMEM;
  memcpy(w->data, data, len);
  return write_send(hc, w);
}

/* One line per response in Jetty's NCSA shape, as Connect's RestServer logs them. */
static void access_log(const kc_rest_conn_t *hc, int status, size_t bytes) {
  if (!KC_LOG_ENABLED(KC_LOG_INFO)) return;
  char when[64];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
  const kc_rest_msg_t *m = &hc->msg;
  const char *ua = hc->user_agent.len ? hc->user_agent.data : "-";
  uint64_t ms = uv_now(hc->rest->loop) - hc->req_start;
  if (m->url.len && m->http_major) {
    kc_log_info(LOGGER ".access", "%s - - [%s] \"%s %s HTTP/%u.%u\" %d %zu \"-\" \"%s\" %llu", hc->peer, when,
                llhttp_method_name(m->method), m->url.data, m->http_major, m->http_minor, status, bytes, ua,
                (unsigned long long)ms);
  } else {
    kc_log_info(LOGGER ".access", "%s - - [%s] \"-\" %d %zu \"-\" \"%s\" %llu", hc->peer, when, status, bytes,
                ua, (unsigned long long)ms);
  }
}

static void reply_raw(kc_rest_conn_t *hc, int status, char *text, const char *ctype, const char *location,
                      const char *allow);

void kc__rest_reply(kc_rest_conn_t *hc, int status, json_t *body, const char *location,
                    const char *allow) {
  if (hc->closing || hc->state == CONN_WRITING || hc->state == CONN_LINGER) {
    /* A second answer for one request is a bug upstream; never send it. */
    json_decref(body);
    return;
  }
  char *text = NULL;
  if (body && status != 204 && status >= 200) {
    text = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
  }
  json_decref(body);
  reply_raw(hc, status, text, "application/json", location, allow);
}

/* auth: a bare string body (the basic auth filter's 401) */
void kc__rest_reply_text(kc_rest_conn_t *hc, int status, const char *ctype, const char *text) {
  if (hc->closing || hc->state == CONN_WRITING || hc->state == CONN_LINGER) return;
  reply_raw(hc, status, strdup(text), ctype, NULL, NULL);
}

void kc__rest_reply_options(kc_rest_conn_t *hc, const char *allow, const char *text) {
  if (hc->closing || hc->state == CONN_WRITING || hc->state == CONN_LINGER) return;
  reply_raw(hc, 200, strdup(text), "text/plain", NULL, allow);
}

/* The response to the current request; takes @p text (the body, NULL = none). */
static void reply_raw(kc_rest_conn_t *hc, int status, char *text, const char *ctype, const char *location,
                      const char *allow) {
  size_t body_len = text ? strlen(text) : 0;

  kc_buf_t out;
  kc_buf_init(&out, 0);
  char date[64];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  int rc = kc_buf_printf(&out, "HTTP/1.1 %d %s\r\n", status, kc__rest_reason(status));
  /* auth: a configured Date (response.http.headers.config) replaces ours, as in Jetty */
  if (!rc && !kc__rest_msg_has_date(&hc->msg)) rc = kc_buf_printf(&out, "Date: %s\r\n", date);
  if (!rc && text) rc = kc_buf_printf(&out, "Content-Type: %s\r\n", ctype);
  if (!rc && status != 204) rc = kc_buf_printf(&out, "Content-Length: %zu\r\n", body_len);
  if (!rc && location) rc = kc_buf_printf(&out, "Location: %s\r\n", location);
  if (!rc && allow) rc = kc_buf_printf(&out, "Allow: %s\r\n", allow);
  if (!rc) rc = kc__rest_msg_policy_emit(&hc->msg, text != NULL, location != NULL, allow != NULL, &out); /* auth */
  bool closing = hc->close_after || !hc->keep_alive || hc->eof;
  if (!rc) {
    if (closing) {
      rc = kc_buf_puts(&out, "Connection: close\r\n");
    } else if (hc->msg.http_major == 1 && hc->msg.http_minor == 0) {
      rc = kc_buf_puts(&out, "Connection: keep-alive\r\n");
    }
  }
  if (!rc) rc = kc_buf_puts(&out, "\r\n");
  if (!rc && text && hc->msg.method != HTTP_HEAD) rc = kc_buf_append(&out, text, body_len);
  free(text);
  if (rc) {
    kc_buf_free(&out);
    conn_close(hc);
    return;
  }
  access_log(hc, status, out.len);
  uv_timer_stop(&hc->timer);
  conn_set_state(hc, CONN_WRITING);
  if (conn_write(hc, out.data, out.len, true) < 0) conn_close(hc);
  kc_buf_free(&out);
}

void kc__rest_reply_error(kc_rest_conn_t *hc, int status, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  json_t *body = json_pack("{s:i,s:s}", "error_code", status, "message", msg);
  kc__rest_reply(hc, status, body, NULL, NULL);
}

/* ------------------------------------------------------------------ closing */

static void on_conn_handle_closed(uv_handle_t *h) {
  kc_rest_conn_t *hc = h->data;
  if (--hc->handles_open > 0) return;
  kc_rest_t *rest = hc->rest;
  msg_free(&hc->msg);
  kc_buf_free(&hc->expect);
  kc_buf_free(&hc->user_agent);
  free(hc->stash);
  SSL_free(hc->ssl);
  free(hc);
  rest->pending_closes--;
  kc__rest_maybe_free(rest);
}

static void conn_close(kc_rest_conn_t *hc) {
  if (hc->closing) return;
  hc->closing = true;
  detach_call(hc);
  kc_rest_t *rest = hc->rest;
  if (hc->prev) hc->prev->next = hc->next;
  else rest->conns = hc->next;
  if (hc->next) hc->next->prev = hc->prev;
  rest->nconns--;
  uv_close((uv_handle_t *)&hc->timer, on_conn_handle_closed);
  uv_close((uv_handle_t *)&hc->tcp, on_conn_handle_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status) {
  kc_rest_conn_t *hc = req->data;
  if (!hc->closing && status < 0) conn_close(hc);
}

static void conn_start_linger(kc_rest_conn_t *hc) {
  conn_set_state(hc, CONN_LINGER);
  if (hc->ssl && SSL_is_init_finished(hc->ssl)) {
    SSL_shutdown(hc->ssl); /* close_notify, so clients can tell a complete response */
    ERR_clear_error();
    if (tls_flush(hc, false) < 0) {
      conn_close(hc);
      return;
    }
  }
  hc->shutdown_req.data = hc;
  if (uv_shutdown(&hc->shutdown_req, (uv_stream_t *)&hc->tcp, on_shutdown) < 0 || hc->eof) {
    conn_close(hc);
    return;
  }
  conn_read_start(hc);
}

/* ------------------------------------------------------------------ parsing */

static void conn_refuse(kc_rest_conn_t *hc, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void conn_refuse(kc_rest_conn_t *hc, int status, const char *fmt, ...) {
  if (hc->err_status) return;
  hc->err_status = status;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(hc->err_msg, sizeof(hc->err_msg), fmt, ap);
  va_end(ap);
}

static int count_header_bytes(kc_rest_conn_t *hc, size_t n, bool in_url) {
  hc->header_bytes += n;
  if (hc->header_bytes <= hc->rest->limits.max_header_bytes) return 0;
  if (in_url) {
    conn_refuse(hc, 414, "Request URI longer than %zu bytes", hc->rest->limits.max_header_bytes);
  } else {
    conn_refuse(hc, 431, "Request line and headers longer than %zu bytes",
                hc->rest->limits.max_header_bytes);
  }
  return -1;
}

static int on_message_begin(llhttp_t *p) {
  kc_rest_conn_t *hc = p->data;
  msg_free(&hc->msg);
  kc_buf_free(&hc->expect);
  kc_buf_free(&hc->user_agent);
  size_t hmax = hc->rest->limits.max_header_bytes;
  kc_buf_init(&hc->msg.url, hmax);
  kc_buf_init(&hc->msg.content_type, hmax);
  kc_buf_init(&hc->msg.body, hc->rest->limits.max_body_bytes);
  kc_buf_init(&hc->expect, hmax);
  kc_buf_init(&hc->user_agent, hmax);
  hc->req_start = uv_now(hc->rest->loop);
  /* The first request's deadline runs from accept; later ones' from their first byte. */
  if (!hc->header_deadline) hc->header_deadline = hc->req_start + hc->rest->limits.header_timeout_ms;
  hc->headers_done = false;
  hc->header_bytes = 0;
  hc->hname_len = 0;
  hc->hkind = HDR_OTHER;
  hc->close_after = false;
  hc->keep_alive = false;
  if (hc->state == CONN_IDLE) conn_set_state(hc, CONN_READING);
  return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t len) {
  kc_rest_conn_t *hc = p->data;
  if (count_header_bytes(hc, len, true)) return -1;
  return kc_buf_append(&hc->msg.url, at, len) ? -1 : 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t len) {
  kc_rest_conn_t *hc = p->data;
  if (count_header_bytes(hc, len + 4, false)) return -1; /* 4: ": " and CRLF */
  size_t room = HEADER_NAME_MAX + 1 - hc->hname_len; /* one spare byte marks "too long to matter" */
  size_t n = len < room ? len : room;
  memcpy(hc->hname + hc->hname_len, at, n);
  hc->hname_len += n;
  return 0;
}

static int on_header_field_complete(llhttp_t *p) {
  kc_rest_conn_t *hc = p->data;
  hc->hkind = HDR_OTHER;
  if (hc->hname_len <= HEADER_NAME_MAX) {
    hc->hname[hc->hname_len] = '\0';
    if (!strcasecmp(hc->hname, "content-type")) hc->hkind = HDR_CONTENT_TYPE;
    else if (!strcasecmp(hc->hname, "expect")) hc->hkind = HDR_EXPECT;
    else if (!strcasecmp(hc->hname, "user-agent")) hc->hkind = HDR_USER_AGENT;
    else if (kc__rest_msg_header_begin(&hc->msg, hc->hname)) hc->hkind = HDR_POLICY; /* auth */
  }
  hc->hname_len = 0;
  if (hc->hkind == HDR_CONTENT_TYPE) {
    /* A repeated Content-Type replaces the earlier one (last wins). */
    kc_buf_reset(&hc->msg.content_type);
    hc->msg.has_content_type = true;
  } else if (hc->hkind == HDR_EXPECT) {
    kc_buf_reset(&hc->expect);
  } else if (hc->hkind == HDR_USER_AGENT) {
    kc_buf_reset(&hc->user_agent);
  }
  return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t len) {
  kc_rest_conn_t *hc = p->data;
  if (count_header_bytes(hc, len, false)) return -1;
  kc_buf_t *dst = hc->hkind == HDR_CONTENT_TYPE ? &hc->msg.content_type
                  : hc->hkind == HDR_EXPECT     ? &hc->expect
                  : hc->hkind == HDR_USER_AGENT ? &hc->user_agent
                  : hc->hkind == HDR_POLICY     ? hc->msg.cur_hdr /* auth */
                                                : NULL;
  if (dst && kc_buf_append(dst, at, len)) return -1;
  return 0;
}

static int on_header_value_complete(llhttp_t *p) {
  ((kc_rest_conn_t *)p->data)->hkind = HDR_OTHER;
  return 0;
}

static bool expects_body(const llhttp_t *p) {
  return (p->flags & F_CHUNKED) || ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0);
}

static int on_headers_complete(llhttp_t *p) {
  kc_rest_conn_t *hc = p->data;
  hc->headers_done = true;
  timer_arm_reading(hc); /* the body only has the idle timeout between bytes */
  hc->msg.method = (llhttp_method_t)llhttp_get_method(p);
  hc->msg.http_major = llhttp_get_http_major(p);
  hc->msg.http_minor = llhttp_get_http_minor(p);
  size_t max_body = hc->rest->limits.max_body_bytes;
  if ((p->flags & F_CONTENT_LENGTH) && p->content_length > max_body) {
    conn_refuse(hc, 413, "Request body of %llu bytes exceeds the limit of %zu bytes",
                (unsigned long long)p->content_length, max_body);
    return -1;
  }
  if (hc->expect.len > 0) {
    if (strcasecmp(hc->expect.data, "100-continue")) {
      conn_refuse(hc, 417, "Unsupported Expect header value: %s", hc->expect.data);
      return -1;
    }
    /* curl waits a full second for this before sending a body (pitfall H5). */
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (hc->msg.http_major == 1 && hc->msg.http_minor >= 1 && expects_body(p) &&
        conn_write(hc, cont, sizeof(cont) - 1, false) < 0) {
      return -1;
    }
  }
  return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t len) {
  kc_rest_conn_t *hc = p->data;
  int rc = kc_buf_append(&hc->msg.body, at, len);
  if (rc == KC_ENOSPC) {
    conn_refuse(hc, 413, "Request body exceeds the limit of %zu bytes", hc->rest->limits.max_body_bytes);
  }
  return rc ? -1 : 0;
}

/* Connect's admin.listeners: admin listeners serve /admin/... only, and the
 * main listeners serve it only while admin.listeners is unset. */
static bool admin_gate(kc_rest_conn_t *hc) {
  bool admin_path = kc__rest_is_admin_path(hc->msg.url.data ? hc->msg.url.data : "", hc->msg.url.len);
  if (hc->lsn->admin) return admin_path;
  return !admin_path || hc->rest->admin_mode == KC_REST_ADMIN_ON_MAIN;
}

static int on_message_complete(llhttp_t *p) {
  kc_rest_conn_t *hc = p->data;
  hc->keep_alive = llhttp_should_keep_alive(p);
  /* Upgrades (h2c, websocket) and CONNECT are not served: answer, then close. */
  if (llhttp_get_upgrade(p)) hc->close_after = true;
  conn_set_state(hc, CONN_WAITING);
  if (!admin_gate(hc)) kc__rest_reply_error(hc, 404, "HTTP 404 Not Found");
  else kc__rest_dispatch(hc->rest, hc, &hc->msg);
  return HPE_PAUSED;
}

static const llhttp_settings_t *parser_settings(void) {
  static llhttp_settings_t s;
  static bool ready;
  if (!ready) {
    llhttp_settings_init(&s);
    s.on_message_begin = on_message_begin;
    s.on_url = on_url;
    s.on_header_field = on_header_field;
    s.on_header_field_complete = on_header_field_complete;
    s.on_header_value = on_header_value;
    s.on_header_value_complete = on_header_value_complete;
    s.on_headers_complete = on_headers_complete;
    s.on_body = on_body;
    s.on_message_complete = on_message_complete;
    ready = true;
  }
  return &s;
}

static void conn_read_stop(kc_rest_conn_t *hc) {
  if (hc->reading) {
    uv_read_stop((uv_stream_t *)&hc->tcp);
    hc->reading = false;
  }
}

static void conn_feed(kc_rest_conn_t *hc, const char *data, size_t len) {
  llhttp_errno_t err = llhttp_execute(&hc->parser, data, len);
  if (hc->closing) return;
  if (err == HPE_OK) return;
  if (err == HPE_PAUSED) {
    /* Paused on a complete request: keep what follows for after the answer. */
    const char *pos = llhttp_get_error_pos(&hc->parser);
    size_t rest = pos && pos >= data && pos <= data + len ? (size_t)(data + len - pos) : 0;
    conn_read_stop(hc);
    if (rest > 0) {
      hc->stash = malloc(rest);
      if (!hc->stash) {
        conn_close(hc);
        return;
      }
      memcpy(hc->stash, pos, rest);
      hc->stash_len = rest;
    }
    return;
  }
  /* Every other parser error is sticky (H4): answer once and close. */
  conn_read_stop(hc);
  hc->close_after = true;
  if (hc->state == CONN_WRITING || hc->state == CONN_LINGER) return;
  if (hc->err_status) {
    kc__rest_reply_error(hc, hc->err_status, "%s", hc->err_msg);
  } else {
    kc_log_debug(LOGGER, "bad request: %s (%s)", llhttp_errno_name(err),
                 llhttp_get_error_reason(&hc->parser));
    kc__rest_reply_error(hc, 400, "Bad HTTP request: %s", llhttp_get_error_reason(&hc->parser));
  }
}

/* -------------------------------------------------------------------- reads */

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf) {
  kc_rest_conn_t *hc = h->data;
  buf->base = hc->rest->readbuf;
  buf->len = READ_BUF_SIZE;
}

/* The peer ended the stream (FIN, or close_notify over TLS). */
static void conn_eof(kc_rest_conn_t *hc) {
  hc->eof = true;
  conn_read_stop(hc);
  /* A half-closed client cannot finish a partial request; an idle one is done. */
  if (hc->state == CONN_HANDSHAKE || hc->state == CONN_IDLE || hc->state == CONN_READING) {
    llhttp_finish(&hc->parser);
    conn_close(hc);
  }
}

/* Runs the TLS session on what its read BIO holds: handshake, then records to the parser. */
static void tls_pump(kc_rest_conn_t *hc) {
  char e[160];
  if (hc->state == CONN_HANDSHAKE) {
    int r = SSL_do_handshake(hc->ssl);
    if (tls_flush(hc, false) < 0) { /* alerts included */
      conn_close(hc);
      return;
    }
    if (r != 1) {
      if (SSL_get_error(hc->ssl, r) == SSL_ERROR_WANT_READ) return;
      kc_log_debug(LOGGER, "TLS handshake with %s on %s failed: %s", hc->peer, hc->lsn->name,
                   kc_rest_tls_error(e, sizeof(e)));
      conn_close(hc);
      return;
    }
    conn_set_state(hc, CONN_IDLE); /* the first request's header deadline still runs */
  }
  while (!hc->closing && (hc->state == CONN_IDLE || hc->state == CONN_READING)) {
    int n = SSL_read(hc->ssl, hc->rest->plainbuf, PLAIN_BUF_SIZE);
    if (n > 0) {
      timer_arm_reading(hc); /* progress */
      conn_feed(hc, hc->rest->plainbuf, (size_t)n);
      continue;
    }
    int err = SSL_get_error(hc->ssl, n);
    if (err == SSL_ERROR_WANT_READ) break;
    if (err == SSL_ERROR_ZERO_RETURN) {
      conn_eof(hc);
      return;
    }
    kc_log_debug(LOGGER, "TLS error from %s: %s", hc->peer, kc_rest_tls_error(e, sizeof(e)));
    conn_close(hc);
    return;
  }
  /* Session tickets and key updates the reads produced. */
  if (!hc->closing && tls_flush(hc, false) < 0) conn_close(hc);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  kc_rest_conn_t *hc = s->data;
  if (hc->closing || nread == 0) return;
  if (hc->state == CONN_LINGER) {
    if (nread < 0) conn_close(hc); /* else: discard what a refused client still sends */
    return;
  }
  if (nread < 0) {
    if (nread != UV_EOF) conn_close(hc);
    else conn_eof(hc);
    return;
  }
  if (hc->ssl) {
    if (BIO_write(hc->rbio, buf->base, (int)nread) != (int)nread) {
      conn_close(hc);
      return;
    }
    tls_pump(hc);
    return;
  }
  timer_arm_reading(hc); /* progress, within the header deadline */
  conn_feed(hc, buf->base, (size_t)nread);
}

static void conn_read_start(kc_rest_conn_t *hc) {
  if (hc->reading || hc->closing || hc->eof) return;
  if (uv_read_start((uv_stream_t *)&hc->tcp, on_alloc, on_read) < 0) {
    conn_close(hc);
    return;
  }
  hc->reading = true;
}

static void on_timer(uv_timer_t *t) {
  kc_rest_conn_t *hc = t->data;
  if (hc->closing) return;
  bool header_late = !hc->headers_done && hc->header_deadline && uv_now(hc->rest->loop) >= hc->header_deadline;
  switch (hc->state) {
    case CONN_HANDSHAKE:
      kc_log_debug(LOGGER, "TLS handshake with %s not done within %llu ms", hc->peer,
                   (unsigned long long)hc->rest->limits.header_timeout_ms);
      conn_close(hc);
      break;
    case CONN_IDLE:
      if (hc->served_any) {
        conn_close(hc); /* a quiet keep-alive connection: no unsolicited response */
        break;
      }
      /* fall through */
    case CONN_READING:
      conn_read_stop(hc);
      hc->close_after = true;
      if (header_late) {
        kc__rest_reply_error(hc, 408, "Request headers not received within %llu ms",
                             (unsigned long long)hc->rest->limits.header_timeout_ms);
      } else {
        kc__rest_reply_error(hc, 408, "Request not received within %llu ms",
                             (unsigned long long)hc->rest->limits.idle_timeout_ms);
      }
      break;
    case CONN_WAITING:
      detach_call(hc);
      kc__rest_reply_error(hc, 500, "Request timed out");
      break;
    case CONN_WRITING:
    case CONN_LINGER:
      conn_close(hc);
      break;
  }
}

/* ------------------------------------------------------------------ accepts */

/* Open connections from @p hc's address, @p hc excluded. A scan: bounded by
 * kconnect.rest.max.connections, and cheaper than a table at sidecar sizes. */
static int peer_connections(const kc_rest_conn_t *hc) {
  int n = 0;
  for (const kc_rest_conn_t *c = hc->rest->conns; c; c = c->next)
    if (c != hc && kc__rest_same_address(&c->peer_addr, &hc->peer_addr)) n++;
  return n;
}

void kc__rest_conn_accept(kc_rest_lsn_t *l) {
  kc_rest_t *rest = l->rest;
  uv_stream_t *server = (uv_stream_t *)&l->tcp;
  if (rest->nconns >= rest->limits.max_connections) {
    kc__rest_refuse_accept(l);
    return;
  }
  kc_rest_conn_t *hc = calloc(1, sizeof(*hc));
  if (!hc) return;
  hc->rest = rest;
  hc->lsn = l;
  uv_tcp_init(rest->loop, &hc->tcp);
  uv_timer_init(rest->loop, &hc->timer);
  hc->tcp.data = hc->timer.data = hc;
  hc->handles_open = 2;
  rest->pending_closes++;
  rest->nconns++;
  hc->next = rest->conns;
  if (rest->conns) rest->conns->prev = hc;
  rest->conns = hc;
  llhttp_init(&hc->parser, HTTP_REQUEST, parser_settings());
  hc->parser.data = hc;
  hc->state = CONN_IDLE;
  if (uv_accept(server, (uv_stream_t *)&hc->tcp) < 0) {
    conn_close(hc);
    return;
  }
  uv_tcp_nodelay(&hc->tcp, 1);
  int plen = sizeof(hc->peer_addr);
  uv_tcp_getpeername(&hc->tcp, (struct sockaddr *)&hc->peer_addr, &plen);
  kc__rest_peer_name(&hc->peer_addr, hc->peer, sizeof(hc->peer));
  if (peer_connections(hc) >= rest->limits.max_connections_per_ip) {
    kc__rest_refused(rest, true, hc->peer);
    conn_close(hc);
    return;
  }
  hc->req_start = uv_now(rest->loop);
  hc->header_deadline = hc->req_start + rest->limits.header_timeout_ms;
  if (l->tls) {
    hc->ssl = kc_rest_tls_session(l->tls, &hc->rbio, &hc->wbio);
    if (!hc->ssl) {
      conn_close(hc);
      return;
    }
    conn_set_state(hc, CONN_HANDSHAKE);
  } else {
    conn_set_state(hc, CONN_IDLE);
  }
  conn_read_start(hc);
}

void kc__rest_conns_close_all(kc_rest_t *rest) {
  while (rest->conns) conn_close(rest->conns);
  kc__rest_forwards_cancel_all(rest); /* their calls are detached now: each ends dropping its answer */
}
