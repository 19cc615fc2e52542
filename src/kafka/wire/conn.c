/* One Kafka broker connection on the loop (conn.h). */
#include "kafka/wire/conn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/conn_internal.h"
#include "util/log.h"

#define LOGGER "kc.wire"
/* A response larger than this is a protocol error (a JoinGroup of a big group is far below). */
#define MAX_FRAME (64 * 1024 * 1024)
#define READ_CHUNK (64 * 1024)

/* The APIs the wire clients use, with the non-flexible version range we speak. sasl_only: required
 * only with SASL; optional: never required at set-up (version -1 when the broker lacks it; the
 * client that needs it reports that). Metadata starts at v4: Kafka 4.0 removed v0-v3 (KIP-896). */
static const struct {
  int16_t key, min, max;
  const char *name;
  bool sasl_only, optional;
} apis[] = {
    {KC_API_FIND_COORDINATOR, 1, 2, "FindCoordinator", false, false},
    {KC_API_JOIN_GROUP, 4, 5, "JoinGroup", false, false},
    {KC_API_HEARTBEAT, 3, 3, "Heartbeat", false, false},
    {KC_API_LEAVE_GROUP, 3, 3, "LeaveGroup", false, false},
    {KC_API_SYNC_GROUP, 3, 3, "SyncGroup", false, false},
    {KC_API_SASL_HANDSHAKE, 1, 1, "SaslHandshake", true, false},
    {KC_API_SASL_AUTHENTICATE, 1, 1, "SaslAuthenticate", true, false},
    {KC_API_METADATA, 4, 8, "Metadata", false, true},
};
#define N_APIS (sizeof apis / sizeof apis[0])

typedef struct req_s {
  struct req_s *next;
  int32_t corr;
  int16_t api_key;
  uint64_t deadline;
  kc_wire_resp_cb cb;
  void *arg;
} req_t;

typedef struct {
  uv_write_t w;
  kc_wire_conn_t *c;
  size_t len;
  char data[];
} write_t;

struct kc_wire_conn_s {
  uv_loop_t *loop;
  char *host, *name, *client_id;
  int port;
  int32_t timeout_ms;
  const kc_wire_security_t *sec;
  kc_wire_conn_state_cb cb;
  void *arg;
  uv_tcp_t tcp;
  uv_timer_t timer;
  uv_getaddrinfo_t gai;
  uv_connect_t connect;
  int pending;        /* handles and requests whose libuv callbacks have not run yet */
  bool tcp_closing, released, ready, failed, gai_pending, resolve_failed;
  uint64_t setup_deadline;
  struct addrinfo *addrs, *next_addr; /* resolved addresses; the next one to try */
  int last_error;                     /* libuv error of the last failed resolve/connect */
  void (*closed)(void *arg);
  void *closed_arg;
  req_t *head, *tail;
  int32_t next_corr;
  int16_t versions[N_APIS];
  char *rd;           /* libuv read buffer */
  kc_buf_t in;        /* plaintext stream not yet parsed into frames */
  kc_wire_tls_t *tls; /* NULL without TLS */
  kc_wire_sasl_t *sasl;
};

static void rearm(kc_wire_conn_t *c);
static void on_api_versions(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *body);

const char *kc_wire_conn_name(const kc_wire_conn_t *c) { return c->name; }
bool kc_wire_conn_ready(const kc_wire_conn_t *c) { return c->ready && !c->failed; }

int16_t kc_wire_conn_api_version(const kc_wire_conn_t *c, int16_t api_key) {
  for (size_t i = 0; i < N_APIS; i++)
    if (apis[i].key == api_key) return c->versions[i];
  return -1;
}

static void maybe_free(kc_wire_conn_t *c) {
  if (!c->released || c->pending > 0) return;
  void (*closed)(void *) = c->closed;
  void *arg = c->closed_arg;
  req_t *r = c->head;
  while (r) {
    req_t *next = r->next;
    free(r);
    r = next;
  }
  uv_freeaddrinfo(c->addrs);
  kc_wire_tls_free(c->tls);
  kc_wire_sasl_free(c->sasl);
  kc_buf_free(&c->in);
  free(c->rd);
  free(c->host);
  free(c->name);
  free(c->client_id);
  free(c);
  if (closed) closed(arg);
}

static void on_handle_closed(uv_handle_t *h) {
  kc_wire_conn_t *c = h->data;
  c->pending--;
  maybe_free(c);
}

static void close_socket(kc_wire_conn_t *c) {
  if (c->tcp_closing) return;
  c->tcp_closing = true;
  uv_close((uv_handle_t *)&c->tcp, on_handle_closed);
}

void kc_wire_conn_fail(kc_wire_conn_t *c, int err, const char *fmt, ...) {
  if (c->failed) return;
  c->failed = true;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  kc_log_debug(LOGGER, "connection to %s failed: %s", c->name, reason);
  close_socket(c);
  uv_timer_stop(&c->timer);
  if (c->released) return;
  /* Detach the queue first: a callback may close the connection or open another. */
  req_t *r = c->head;
  c->head = c->tail = NULL;
  while (r) {
    req_t *next = r->next;
    if (!c->released) r->cb(c, r->arg, err, NULL);
    free(r);
    r = next;
  }
  if (!c->released) c->cb(c, c->arg, err, reason);
}

void kc_wire_conn_close(kc_wire_conn_t *c, void (*closed)(void *arg), void *arg) {
  if (!c || c->released) return;
  c->released = true;
  c->closed = closed;
  c->closed_arg = arg;
  c->failed = true;
  close_socket(c);
  /* A pending getaddrinfo still holds c; uv_cancel makes it finish with UV_ECANCELED. */
  if (c->gai_pending) uv_cancel((uv_req_t *)&c->gai);
  uv_close((uv_handle_t *)&c->timer, on_handle_closed);
}

/* ---- writing ----------------------------------------------------------------------------- */

static void on_written(uv_write_t *w, int status) {
  write_t *wr = (write_t *)w;
  kc_wire_conn_t *c = wr->c;
  free(wr);
  c->pending--;
  if (status < 0 && status != UV_ECANCELED)
    kc_wire_conn_fail(c, KC_EIO, "write to %s: %s", c->name, uv_strerror(status));
  maybe_free(c);
}

int kc_wire_conn_write_raw(kc_wire_conn_t *c, const void *p, size_t n) {
  if (c->tcp_closing) return KC_ESTATE;
  write_t *wr = malloc(sizeof *wr + n);
  if (!wr) return KC_ENOMEM;
  wr->c = c;
  wr->len = n;
  memcpy(wr->data, p, n);
  uv_buf_t b = uv_buf_init(wr->data, (unsigned)n);
  int rc = uv_write(&wr->w, (uv_stream_t *)&c->tcp, &b, 1, on_written);
  if (rc < 0) {
    free(wr);
    kc_wire_conn_fail(c, KC_EIO, "write to %s: %s", c->name, uv_strerror(rc));
    return KC_EIO;
  }
  c->pending++;
  return 0;
}

/* Plaintext out: through TLS when there is a session. */
static int send_bytes(kc_wire_conn_t *c, const void *p, size_t n) {
  return c->tls ? kc_wire_tls_write(c->tls, c, p, n) : kc_wire_conn_write_raw(c, p, n);
}

static int send_request(kc_wire_conn_t *c, int16_t api_key, int16_t version, const kc_buf_t *body,
                        int32_t timeout_ms, kc_wire_resp_cb cb, void *arg) {
  req_t *r = calloc(1, sizeof *r);
  if (!r) return KC_ENOMEM;
  kc_buf_t frame;
  kc_buf_init(&frame, 0);
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, &frame);
  r->corr = c->next_corr++;
  if (c->next_corr < 0) c->next_corr = 0;
  kc_wire_put_i32(&w, 0); /* size, patched below */
  kc_wire_put_i16(&w, api_key);
  kc_wire_put_i16(&w, version);
  kc_wire_put_i32(&w, r->corr);
  kc_wire_put_nstr(&w, c->client_id);
  if (body && body->len && !w.err) w.err = kc_buf_append(&frame, body->data, body->len);
  if (!w.err && frame.len - 4 > INT32_MAX) w.err = KC_EINVAL;
  kc_wire_patch_i32(&w, 0, (int32_t)(frame.len - 4));
  int rc = w.err;
  if (!rc) rc = send_bytes(c, frame.data, frame.len);
  kc_buf_free(&frame);
  if (rc) {
    free(r);
    return rc;
  }
  r->api_key = api_key;
  r->cb = cb;
  r->arg = arg;
  r->deadline = uv_now(c->loop) + (uint64_t)(timeout_ms > 0 ? timeout_ms : c->timeout_ms);
  if (c->tail) c->tail->next = r;
  else c->head = r;
  c->tail = r;
  rearm(c);
  return 0;
}

int kc_wire_conn_request(kc_wire_conn_t *c, int16_t api_key, int16_t version, const kc_buf_t *body,
                         int32_t timeout_ms, kc_wire_resp_cb cb, void *arg) {
  if (!c->ready || c->failed) return KC_ESTATE;
  return send_request(c, api_key, version, body, timeout_ms, cb, arg);
}

int kc_wire_conn_request_setup(kc_wire_conn_t *c, int16_t api_key, int16_t version,
                               const kc_buf_t *body, kc_wire_resp_cb cb, void *arg) {
  if (c->failed) return KC_ESTATE;
  return send_request(c, api_key, version, body, 0, cb, arg);
}

/* ---- timers ------------------------------------------------------------------------------ */

static void on_timer(uv_timer_t *t) {
  kc_wire_conn_t *c = t->data;
  uint64_t now = uv_now(c->loop);
  if (!c->ready && now >= c->setup_deadline) {
    if (c->resolve_failed)
      kc_wire_conn_fail(c, KC_EIO, "resolve %s: %s", c->name, uv_strerror(c->last_error));
    else
      kc_wire_conn_fail(c, KC_ETIMEDOUT, "%s: connection set-up timed out after %d ms", c->name,
                        (int)c->timeout_ms);
    return;
  }
  for (req_t *r = c->head; r; r = r->next) {
    if (now >= r->deadline) {
      kc_wire_conn_fail(c, KC_ETIMEDOUT, "%s: request (api key %d, correlation id %d) timed out",
                        c->name, r->api_key, (int)r->corr);
      return;
    }
  }
  rearm(c);
}

static void rearm(kc_wire_conn_t *c) {
  if (c->failed) return;
  uint64_t next = UINT64_MAX;
  if (!c->ready) next = c->setup_deadline;
  for (req_t *r = c->head; r; r = r->next)
    if (r->deadline < next) next = r->deadline;
  if (next == UINT64_MAX) {
    uv_timer_stop(&c->timer);
    return;
  }
  uint64_t now = uv_now(c->loop);
  uv_timer_start(&c->timer, on_timer, next > now ? next - now : 0, 0);
}

/* ---- reading ----------------------------------------------------------------------------- */

/* One response frame: header v0 (correlation id), then the body for the head request. */
static void handle_frame(kc_wire_conn_t *c, const char *p, size_t n) {
  kc_wire_reader_t r;
  kc_wire_reader_init(&r, p, n);
  int32_t corr = kc_wire_get_i32(&r);
  req_t *q = c->head;
  if (r.err || !q || q->corr != corr) {
    kc_wire_conn_fail(c, KC_EIO, "%s: response with correlation id %d, expected %d", c->name,
                      (int)corr, q ? (int)q->corr : -1);
    return;
  }
  c->head = q->next;
  if (!c->head) c->tail = NULL;
  rearm(c);
  q->cb(c, q->arg, 0, &r);
  free(q);
}

void kc_wire_conn_feed(kc_wire_conn_t *c, const void *p, size_t n) {
  if (c->failed) return;
  if (n && kc_buf_append(&c->in, p, n)) {
    kc_wire_conn_fail(c, KC_ENOMEM, "%s: out of memory", c->name);
    return;
  }
  size_t off = 0;
  /* Every complete frame that arrived: bounded by what this read brought. */
  while (!c->failed && c->in.len - off >= 4) {
    const uint8_t *s = (const uint8_t *)c->in.data + off;
    uint32_t size = (uint32_t)s[0] << 24 | (uint32_t)s[1] << 16 | (uint32_t)s[2] << 8 | s[3];
    if (size < 4 || size > MAX_FRAME) {
      kc_wire_conn_fail(c, KC_EIO, "%s: bad response size %u", c->name, (unsigned)size);
      return;
    }
    if (c->in.len - off - 4 < size) break;
    handle_frame(c, c->in.data + off + 4, size);
    off += 4 + (size_t)size;
  }
  if (c->failed) return;
  if (off) {
    memmove(c->in.data, c->in.data + off, c->in.len - off);
    c->in.len -= off;
  }
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  kc_wire_conn_t *c = h->data;
  *b = uv_buf_init(c->rd, READ_CHUNK);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *b) {
  kc_wire_conn_t *c = s->data;
  if (nread < 0) {
    kc_wire_conn_fail(c, KC_EIO, "%s: %s", c->name,
                      nread == UV_EOF ? "connection closed by the broker" : uv_strerror((int)nread));
    return;
  }
  if (nread == 0) return;
  if (c->tls) kc_wire_tls_feed(c->tls, c, b->base, (size_t)nread);
  else kc_wire_conn_feed(c, b->base, (size_t)nread);
}

/* ---- set-up ------------------------------------------------------------------------------ */

void kc_wire_conn_set_ready(kc_wire_conn_t *c) {
  if (c->failed) return;
  c->ready = true;
  rearm(c);
  kc_log_debug(LOGGER, "connection to %s ready", c->name);
  c->cb(c, c->arg, 0, NULL);
}

/* After the transport (TCP, or TLS once its handshake is done): negotiate versions. */
void kc_wire_conn_transport_up(kc_wire_conn_t *c) {
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int rc = kc_wire_conn_request_setup(c, KC_API_API_VERSIONS, 2, &body, on_api_versions, NULL);
  kc_buf_free(&body);
  if (rc) kc_wire_conn_fail(c, rc, "%s: ApiVersions request: %s", c->name, kc_strerror(rc));
}

static void on_api_versions(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  if (err) return; /* the connection failure reports it */
  int16_t ec = kc_wire_get_i16(r);
  if (ec) {
    kc_wire_conn_fail(c, KC_ENOTSUP, "%s: ApiVersions v2 answered %s", c->name,
                      kc_wire_error_name(ec));
    return;
  }
  int16_t bmin[N_APIS], bmax[N_APIS];
  for (size_t i = 0; i < N_APIS; i++) bmin[i] = bmax[i] = -1;
  int32_t n = kc_wire_get_array(r, 6);
  for (int32_t k = 0; k < n && !r->err; k++) {
    int16_t key = kc_wire_get_i16(r), mn = kc_wire_get_i16(r), mx = kc_wire_get_i16(r);
    for (size_t i = 0; i < N_APIS; i++)
      if (apis[i].key == key) {
        bmin[i] = mn;
        bmax[i] = mx;
      }
  }
  if (r->err) {
    kc_wire_conn_fail(c, KC_EIO, "%s: malformed ApiVersions response", c->name);
    return;
  }
  bool sasl = c->sec && c->sec->mechanism != KC_WIRE_SASL_NONE;
  for (size_t i = 0; i < N_APIS; i++) {
    int16_t hi = apis[i].max < bmax[i] ? apis[i].max : bmax[i];
    int16_t lo = apis[i].min > bmin[i] ? apis[i].min : bmin[i];
    c->versions[i] = bmax[i] >= 0 && hi >= lo ? hi : -1;
    if (c->versions[i] < 0 && !apis[i].optional && (sasl || !apis[i].sasl_only)) {
      kc_wire_conn_fail(c, KC_ENOTSUP,
                        "%s: the broker does not support %s v%d..v%d (it offers %s v%d..v%d)",
                        c->name, apis[i].name, apis[i].min, apis[i].max, apis[i].name, bmin[i],
                        bmax[i]);
      return;
    }
  }
  if (sasl) {
    int rc = kc_wire_sasl_start(c, c->sec, &c->sasl);
    if (rc) kc_wire_conn_fail(c, rc, "%s: SASL start: %s", c->name, kc_strerror(rc));
    return;
  }
  kc_wire_conn_set_ready(c);
}

static void try_connect(kc_wire_conn_t *c, int last_error);

/* The socket of a failed attempt is closed; a new one tries the next address. */
static void on_tcp_recycled(uv_handle_t *h) {
  kc_wire_conn_t *c = h->data;
  if (c->failed) { /* released or timed out meanwhile: the handle is gone for good */
    c->pending--;
    maybe_free(c);
    return;
  }
  uv_tcp_init(c->loop, &c->tcp);
  c->tcp.data = c;
  c->tcp_closing = false;
  try_connect(c, c->last_error);
}

static void on_connected(uv_connect_t *req, int status) {
  kc_wire_conn_t *c = req->data;
  c->pending--;
  if (status == UV_ECANCELED || c->failed) {
    maybe_free(c);
    return;
  }
  if (status < 0) {
    /* Java's client.dns.lookup=use_all_dns_ips: every resolved address in turn. */
    if (c->next_addr && !c->tcp_closing) {
      c->last_error = status;
      c->tcp_closing = true;
      uv_close((uv_handle_t *)&c->tcp, on_tcp_recycled);
      return;
    }
    kc_wire_conn_fail(c, KC_EIO, "connect %s: %s", c->name, uv_strerror(status));
    return;
  }
  uv_freeaddrinfo(c->addrs);
  c->addrs = c->next_addr = NULL;
  uv_tcp_nodelay(&c->tcp, 1);
  int rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
  if (rc < 0) {
    kc_wire_conn_fail(c, KC_EIO, "read %s: %s", c->name, uv_strerror(rc));
    return;
  }
  if (c->sec && c->sec->ssl_ctx) {
    rc = kc_wire_tls_start(c, c->sec, c->host, &c->tls);
    if (rc) kc_wire_conn_fail(c, rc, "%s: TLS set-up: %s", c->name, kc_strerror(rc));
    return;
  }
  kc_wire_conn_transport_up(c);
}

static void try_connect(kc_wire_conn_t *c, int last_error) {
  while (c->next_addr) {
    struct addrinfo *ai = c->next_addr;
    c->next_addr = ai->ai_next;
    c->connect.data = c;
    int rc = uv_tcp_connect(&c->connect, &c->tcp, ai->ai_addr, on_connected);
    if (rc == 0) {
      c->pending++;
      return;
    }
    last_error = rc;
  }
  kc_wire_conn_fail(c, KC_EIO, "connect %s: %s", c->name, uv_strerror(last_error));
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res) {
  kc_wire_conn_t *c = req->data;
  c->pending--;
  c->gai_pending = false;
  if (status < 0 || c->failed) {
    if (status < 0 && status != UV_ECANCELED)
      kc_wire_conn_fail(c, KC_EIO, "resolve %s: %s", c->name, uv_strerror(status));
    uv_freeaddrinfo(res);
    maybe_free(c);
    return;
  }
  c->addrs = c->next_addr = res;
  try_connect(c, UV_EAI_NONAME);
}

kc_wire_conn_t *kc_wire_conn_open(uv_loop_t *loop, const char *host, int port,
                                  const kc_wire_conn_opts_t *opts, kc_wire_conn_state_cb cb,
                                  void *arg) {
  kc_wire_conn_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->loop = loop;
  c->host = strdup(host);
  size_t nl = strlen(host) + 16;
  c->name = malloc(nl);
  c->client_id = opts->client_id ? strdup(opts->client_id) : NULL;
  c->rd = malloc(READ_CHUNK);
  if (!c->host || !c->name || !c->rd || (opts->client_id && !c->client_id)) {
    free(c->host);
    free(c->name);
    free(c->client_id);
    free(c->rd);
    free(c);
    return NULL;
  }
  snprintf(c->name, nl, "%s:%d", host, port);
  c->port = port;
  c->timeout_ms = opts->request_timeout_ms > 0 ? opts->request_timeout_ms : 30000;
  c->sec = opts->security;
  c->cb = cb;
  c->arg = arg;
  kc_buf_init(&c->in, 0);
  for (size_t i = 0; i < N_APIS; i++) c->versions[i] = -1;
  uv_tcp_init(loop, &c->tcp);
  uv_timer_init(loop, &c->timer);
  c->tcp.data = c->timer.data = c;
  c->pending = 2; /* the two handles */
  c->setup_deadline = uv_now(loop) + (uint64_t)c->timeout_ms;
  rearm(c);
  c->gai.data = c;
  char service[16];
  snprintf(service, sizeof service, "%d", port);
  struct addrinfo hints;
  memset(&hints, 0, sizeof hints);
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  int rc = uv_getaddrinfo(loop, &c->gai, on_resolved, host, service, &hints);
  if (rc < 0) {
    /* Reported from the loop, as promised: the timer fires at once. */
    c->setup_deadline = uv_now(loop);
    c->last_error = rc;
    c->resolve_failed = true;
    rearm(c);
  } else {
    c->pending++;
    c->gai_pending = true;
  }
  return c;
}
