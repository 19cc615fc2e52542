/*
 * DESIGN: the REST transport, one uv_tcp listener and one llhttp parser per
 * connection, all on the loop thread.
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
 *   IDLE    nothing of the next request yet     idle_timeout -> close (408 if nothing was ever served)
 *   READING part of a request received         idle_timeout since the last bytes -> 408 + close
 *   WAITING the router/herder has the request  request_timeout -> 500 "Request timed out"
 *   WRITING the response is being written      idle_timeout -> close (client not reading)
 *   LINGER  FIN sent, draining before close    linger -> close
 * Closing after a response goes through LINGER so that unread request bytes
 * (an oversized body we refused) do not turn our FIN into an RST that would
 * destroy the response before the client reads it.
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

#include "rest/rest_internal.h"
#include "util/log.h"

#define LOGGER "kc.rest"
#define READ_BUF_SIZE (64 * 1024)
#define LINGER_MS 2000
#define HEADER_NAME_MAX 32

typedef enum { CONN_IDLE, CONN_READING, CONN_WAITING, CONN_WRITING, CONN_LINGER } conn_state_t;
typedef enum { HDR_OTHER, HDR_CONTENT_TYPE, HDR_EXPECT, HDR_USER_AGENT } header_kind_t;

struct kc_rest_conn_s {
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_shutdown_t shutdown_req;
  llhttp_t parser;
  kc_rest_t *rest;
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
}

static void timer_arm(kc_rest_conn_t *hc, uint64_t ms) {
  if (!hc->closing) uv_timer_start(&hc->timer, on_timer, ms, 0);
}

static void conn_set_state(kc_rest_conn_t *hc, conn_state_t st) {
  const kc_rest_limits_t *lim = &hc->rest->limits;
  hc->state = st;
  switch (st) {
    case CONN_WAITING: timer_arm(hc, lim->request_timeout_ms); break;
    case CONN_LINGER: timer_arm(hc, lim->idle_timeout_ms < LINGER_MS ? lim->idle_timeout_ms : LINGER_MS); break;
    default: timer_arm(hc, lim->idle_timeout_ms); break;
  }
}

void kc__rest_conn_attach(kc_rest_conn_t *hc, kc_rest_call_t *call) { hc->call = call; }

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
  if (!hc->closing && (hc->state == CONN_IDLE || hc->state == CONN_READING)) conn_read_start(hc);
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

static int conn_write(kc_rest_conn_t *hc, const char *data, size_t len, bool final) {
  conn_write_t *w = malloc(sizeof(*w) + len);
  if (!w) return UV_ENOMEM;
  w->hc = hc;
  w->final = final;
  w->len = len;
  memcpy(w->data, data, len);
  uv_buf_t b = uv_buf_init(w->data, (unsigned)len);
  int rc = uv_write(&w->req, (uv_stream_t *)&hc->tcp, &b, 1, on_write);
  if (rc < 0) free(w);
  return rc;
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
  size_t body_len = text ? strlen(text) : 0;

  kc_buf_t out;
  kc_buf_init(&out, 0);
  char date[64];
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  int rc = kc_buf_printf(&out, "HTTP/1.1 %d %s\r\nDate: %s\r\n", status, kc__rest_reason(status), date);
  if (!rc && text) rc = kc_buf_puts(&out, "Content-Type: application/json\r\n");
  if (!rc && status != 204) rc = kc_buf_printf(&out, "Content-Length: %zu\r\n", body_len);
  if (!rc && location) rc = kc_buf_printf(&out, "Location: %s\r\n", location);
  if (!rc && allow) rc = kc_buf_printf(&out, "Allow: %s\r\n", allow);
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

static void maybe_free_server(kc_rest_t *rest) {
  if (!rest->closing || rest->pending_closes > 0) return;
  void (*cb)(void *) = rest->close_cb;
  void *arg = rest->close_arg;
  free(rest->readbuf);
  free(rest);
  if (cb) cb(arg);
}

static void on_conn_handle_closed(uv_handle_t *h) {
  kc_rest_conn_t *hc = h->data;
  if (--hc->handles_open > 0) return;
  kc_rest_t *rest = hc->rest;
  msg_free(&hc->msg);
  kc_buf_free(&hc->expect);
  kc_buf_free(&hc->user_agent);
  free(hc->stash);
  free(hc);
  rest->pending_closes--;
  maybe_free_server(rest);
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

static int on_message_complete(llhttp_t *p) {
  kc_rest_conn_t *hc = p->data;
  hc->keep_alive = llhttp_should_keep_alive(p);
  /* Upgrades (h2c, websocket) and CONNECT are not served: answer, then close. */
  if (llhttp_get_upgrade(p)) hc->close_after = true;
  conn_set_state(hc, CONN_WAITING);
  kc__rest_dispatch(hc->rest, hc, &hc->msg);
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

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf) {
  kc_rest_conn_t *hc = s->data;
  if (hc->closing || nread == 0) return;
  if (hc->state == CONN_LINGER) {
    if (nread < 0) conn_close(hc); /* else: discard what a refused client still sends */
    return;
  }
  if (nread < 0) {
    if (nread != UV_EOF) {
      conn_close(hc);
      return;
    }
    hc->eof = true;
    conn_read_stop(hc);
    /* A half-closed client cannot finish a partial request; an idle one is done. */
    if (hc->state == CONN_IDLE || hc->state == CONN_READING) {
      llhttp_finish(&hc->parser);
      conn_close(hc);
    }
    return;
  }
  timer_arm(hc, hc->rest->limits.idle_timeout_ms); /* progress */
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
  switch (hc->state) {
    case CONN_IDLE:
      if (hc->served_any) {
        conn_close(hc); /* a quiet keep-alive connection: no unsolicited response */
        break;
      }
      /* fall through */
    case CONN_READING:
      conn_read_stop(hc);
      hc->close_after = true;
      kc__rest_reply_error(hc, 408, "Request not received within %llu ms",
                           (unsigned long long)hc->rest->limits.idle_timeout_ms);
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

static void on_reject_closed(uv_handle_t *h) {
  kc_rest_t *rest = h->data;
  free(h);
  rest->pending_closes--;
  maybe_free_server(rest);
}

static void on_connection(uv_stream_t *server, int status) {
  kc_rest_t *rest = server->data;
  if (status < 0 || rest->closing) return;
  if (rest->nconns >= rest->limits.max_connections) {
    uv_tcp_t *t = malloc(sizeof(*t));
    if (!t) return;
    uv_tcp_init(rest->loop, t);
    t->data = rest;
    rest->pending_closes++;
    if (uv_accept(server, (uv_stream_t *)t) == 0) {
      kc_log_warn(LOGGER, "refusing a REST connection: %d connections open", rest->nconns);
    }
    uv_close((uv_handle_t *)t, on_reject_closed);
    return;
  }
  kc_rest_conn_t *hc = calloc(1, sizeof(*hc));
  if (!hc) return;
  hc->rest = rest;
  uv_tcp_init(rest->loop, &hc->tcp);
  uv_timer_init(rest->loop, &hc->timer);
  hc->tcp.data = hc->timer.data = hc;
  hc->handles_open = 2;
  hc->timer.data = hc;
  uv_timer_start(&hc->timer, on_timer, rest->limits.idle_timeout_ms, 0);
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
  struct sockaddr_storage peer;
  int plen = sizeof(peer);
  snprintf(hc->peer, sizeof(hc->peer), "-");
  if (uv_tcp_getpeername(&hc->tcp, (struct sockaddr *)&peer, &plen) == 0) {
    if (peer.ss_family == AF_INET6) uv_ip6_name((struct sockaddr_in6 *)&peer, hc->peer, sizeof(hc->peer));
    else uv_ip4_name((struct sockaddr_in *)&peer, hc->peer, sizeof(hc->peer));
  }
  hc->req_start = uv_now(rest->loop);
  conn_read_start(hc);
}

/* ------------------------------------------------------------------- server */

static void on_listener_closed(uv_handle_t *h) {
  kc_rest_t *rest = h->data;
  rest->pending_closes--;
  maybe_free_server(rest);
}

static int resolve(const char *host, int port, struct sockaddr_storage *ss) {
  if (!host || !*host) host = "0.0.0.0";
  if (!strcmp(host, "localhost")) host = "127.0.0.1";
  char h6[64];
  size_t n = strlen(host);
  if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(h6)) {
    memcpy(h6, host + 1, n - 2);
    h6[n - 2] = '\0';
    host = h6;
  }
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)ss) == 0) return 0;
  return uv_ip6_addr(host, port, (struct sockaddr_in6 *)ss);
}

kc_rest_t *kc_rest_start_with(uv_loop_t *loop, kc_rest_submit_fn submit, void *ctx, const char *host,
                              int port, const kc_rest_limits_t *limits, char *errstr,
                              size_t errstr_size) {
  const char *shown = host && *host ? host : "0.0.0.0";
  struct sockaddr_storage ss;
  if (port < 0 || port > 65535 || resolve(host, port, &ss) != 0) {
    snprintf(errstr, errstr_size, "listeners: cannot bind %s:%d: not a numeric IP address and port", shown, port);
    return NULL;
  }
  kc_rest_t *rest = calloc(1, sizeof(*rest));
  char *rb = malloc(READ_BUF_SIZE);
  if (!rest || !rb) {
    free(rest);
    free(rb);
    snprintf(errstr, errstr_size, "listeners: out of memory");
    return NULL;
  }
  rest->readbuf = rb;
  rest->loop = loop;
  rest->submit = submit;
  rest->submit_ctx = ctx;
  if (limits) rest->limits = *limits;
  if (!rest->limits.max_header_bytes) rest->limits.max_header_bytes = 16 * 1024;
  if (!rest->limits.max_body_bytes) rest->limits.max_body_bytes = 4 * 1024 * 1024;
  if (!rest->limits.idle_timeout_ms) rest->limits.idle_timeout_ms = 30000;
  if (rest->limits.max_connections <= 0) rest->limits.max_connections = 256;
  if (!rest->limits.request_timeout_ms) rest->limits.request_timeout_ms = 90000;

  uv_tcp_init(loop, &rest->listener);
  rest->listener.data = rest;
  int rc = uv_tcp_bind(&rest->listener, (const struct sockaddr *)&ss, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&rest->listener, 128, on_connection);
  if (rc == 0) {
    struct sockaddr_storage bound;
    int len = sizeof(bound);
    rc = uv_tcp_getsockname(&rest->listener, (struct sockaddr *)&bound, &len);
    if (rc == 0) {
      rest->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                               : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    }
  }
  if (rc != 0) {
    snprintf(errstr, errstr_size, "listeners: cannot bind %s:%d: %s", shown, port, uv_strerror(rc));
    /* The listener must close before its memory goes; nothing else is open yet. */
    rest->closing = true;
    rest->pending_closes = 1;
    uv_close((uv_handle_t *)&rest->listener, on_listener_closed);
    return NULL;
  }
  rest->pending_closes = 1;
  kc_log_info(LOGGER, "REST server listening on %s:%d", shown, rest->port);
  return rest;
}

int kc_rest_port(const kc_rest_t *rest) { return rest->port; }

void kc_rest_close(kc_rest_t *rest, void (*cb)(void *arg), void *arg) {
  if (rest->closing) return;
  rest->closing = true;
  rest->close_cb = cb;
  rest->close_arg = arg;
  while (rest->conns) conn_close(rest->conns);
  uv_close((uv_handle_t *)&rest->listener, on_listener_closed);
}
