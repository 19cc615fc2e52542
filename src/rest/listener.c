/*
 * DESIGN: the REST listeners. Every entry of listeners and admin.listeners is
 * bound (as Connect's RestServer adds one Jetty connector per entry); https
 * entries share one TLS context per key prefix (listeners.https. for the main
 * listeners, admin.listeners.https. for the admin ones), built at start.
 *
 * Refused connections (the total and per-address caps) are logged at most
 * once per REFUSE_LOG_MS: the first refusal of a quiet period is logged at
 * once; later ones are counted and reported in one line when the interval
 * ends, so a flood cannot fill the log.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest/listener.h"
#include "util/log.h"

#define LOGGER "kc.rest"
#define READ_BUF_SIZE (64 * 1024)
#define PLAIN_BUF_SIZE (16 * 1024)
#define REFUSE_LOG_MS 10000

/* ---------------------------------------------------------------- refusals */

static void on_refuse_timer(uv_timer_t *t) {
  kc_rest_t *rest = t->data;
  unsigned long n = rest->refused_total, per_ip = rest->refused_per_ip;
  rest->refused_total = rest->refused_per_ip = 0;
  if (n == 0) {
    rest->refuse_window = false;
    return;
  }
  kc_log_warn(LOGGER,
              "refused %lu more REST connections in the last %d s (%lu at "
              "kconnect.rest.max.connections=%d, %lu at kconnect.rest.max.connections.per.ip=%d)",
              n, REFUSE_LOG_MS / 1000, n - per_ip, rest->limits.max_connections, per_ip,
              rest->limits.max_connections_per_ip);
  uv_timer_start(&rest->refuse_timer, on_refuse_timer, REFUSE_LOG_MS, 0);
}

void kc__rest_refused(kc_rest_t *rest, bool per_ip, const char *peer) {
  if (rest->refuse_window) {
    rest->refused_total++;
    if (per_ip) rest->refused_per_ip++;
    return;
  }
  if (per_ip) {
    kc_log_warn(LOGGER, "refusing a REST connection from %s: %d connections from that address are open "
                "(kconnect.rest.max.connections.per.ip); further refusals are summarised every %d s",
                peer, rest->limits.max_connections_per_ip, REFUSE_LOG_MS / 1000);
  } else {
    kc_log_warn(LOGGER, "refusing a REST connection from %s: %d connections are open "
                "(kconnect.rest.max.connections); further refusals are summarised every %d s",
                peer, rest->nconns, REFUSE_LOG_MS / 1000);
  }
  rest->refuse_window = true;
  uv_timer_start(&rest->refuse_timer, on_refuse_timer, REFUSE_LOG_MS, 0);
}

static void on_reject_closed(uv_handle_t *h) {
  kc_rest_t *rest = h->data;
  free(h);
  rest->pending_closes--;
  kc__rest_maybe_free(rest);
}

void kc__rest_refuse_accept(kc_rest_lsn_t *l) {
  kc_rest_t *rest = l->rest;
  uv_tcp_t *t = malloc(sizeof(*t));
  if (!t) return;
  uv_tcp_init(rest->loop, t);
  t->data = rest;
  rest->pending_closes++;
  if (uv_accept((uv_stream_t *)&l->tcp, (uv_stream_t *)t) == 0) {
    struct sockaddr_storage ss = {0};
    int plen = sizeof(ss);
    char peer[64];
    uv_tcp_getpeername(t, (struct sockaddr *)&ss, &plen);
    kc__rest_peer_name(&ss, peer, sizeof(peer));
    kc__rest_refused(rest, false, peer);
  }
  uv_close((uv_handle_t *)t, on_reject_closed);
}

/* ------------------------------------------------------------------ helpers */

void kc__rest_peer_name(const struct sockaddr_storage *ss, char *out, size_t size) {
  snprintf(out, size, "-");
  if (ss->ss_family == AF_INET6) uv_ip6_name((const struct sockaddr_in6 *)ss, out, size);
  else if (ss->ss_family == AF_INET) uv_ip4_name((const struct sockaddr_in *)ss, out, size);
}

bool kc__rest_same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b) {
  if (a->ss_family != b->ss_family) return false;
  if (a->ss_family == AF_INET)
    return ((const struct sockaddr_in *)a)->sin_addr.s_addr == ((const struct sockaddr_in *)b)->sin_addr.s_addr;
  if (a->ss_family == AF_INET6)
    return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &((const struct sockaddr_in6 *)b)->sin6_addr,
                   16);
  return false;
}

bool kc__rest_is_admin_path(const char *url, size_t len) {
  const char *p = url, *end = url + len;
  const char *colon = memchr(p, ':', len);
  if (len && *p != '/' && colon && colon + 2 < end && colon[1] == '/' && colon[2] == '/') {
    p = colon + 3; /* absolute-form */
    while (p < end && *p != '/' && *p != '?') p++;
  }
  if (p < end && *p == '/') p++;
  char seg[8];
  size_t n = 0;
  while (p < end && *p != '/' && *p != '?' && *p != '#') {
    char c = *p++;
    if (c == '%' && end - p >= 2) {
      char hex[3] = {p[0], p[1], 0};
      char *e;
      long v = strtol(hex, &e, 16);
      if (*e) return false;
      c = (char)v;
      p += 2;
    }
    if (n == sizeof(seg) - 1) return false;
    seg[n++] = c;
  }
  seg[n] = '\0';
  return !strcmp(seg, "admin");
}

/* ------------------------------------------------------------------- server */

void kc__rest_maybe_free(kc_rest_t *rest) {
  if (!rest->closing || rest->pending_closes > 0) return;
  void (*cb)(void *) = rest->close_cb;
  void *arg = rest->close_arg;
  kc_rest_tls_destroy(rest->tls_main);
  kc_rest_tls_destroy(rest->tls_admin);
  free(rest->lsns);
  free(rest->readbuf);
  free(rest->plainbuf);
  kc_rest_policy_destroy(rest->policy); /* auth */
  free(rest);
  if (cb) cb(arg);
}

static void on_handle_closed(uv_handle_t *h) {
  kc_rest_t *rest = h->data;
  rest->pending_closes--;
  kc__rest_maybe_free(rest);
}

static void on_connection(uv_stream_t *server, int status) {
  kc_rest_lsn_t *l = server->data;
  if (status < 0 || l->rest->closing) return;
  kc__rest_conn_accept(l);
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

/* Every handle initialised so far is closed; rest is freed from the last close. */
static kc_rest_t *start_failed(kc_rest_t *rest, size_t nbound) {
  rest->closing = true;
  rest->pending_closes = (int)nbound + 1;
  for (size_t i = 0; i < nbound; i++) {
    rest->lsns[i].tcp.data = rest;
    uv_close((uv_handle_t *)&rest->lsns[i].tcp, on_handle_closed);
  }
  uv_close((uv_handle_t *)&rest->refuse_timer, on_handle_closed);
  return NULL;
}

static int bind_one(kc_rest_t *rest, kc_rest_lsn_t *l, const kc_worker_listener_t *cfg, char *errstr,
                    size_t errstr_size) {
  const char *key = cfg->admin ? "admin.listeners" : "listeners";
  const char *shown = cfg->host && *cfg->host ? cfg->host : "0.0.0.0";
  struct sockaddr_storage ss;
  if (cfg->port < 0 || cfg->port > 65535 || resolve(cfg->host, cfg->port, &ss) != 0) {
    snprintf(errstr, errstr_size, "%s: cannot bind %s:%d: not a numeric IP address and port", key, shown,
             cfg->port);
    return -1;
  }
  int rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, 0);
  if (rc == 0) rc = uv_listen((uv_stream_t *)&l->tcp, 128, on_connection);
  if (rc == 0) {
    struct sockaddr_storage bound;
    int len = sizeof(bound);
    rc = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &len);
    if (rc == 0) {
      l->port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                            : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    }
  }
  if (rc != 0) {
    snprintf(errstr, errstr_size, "%s: cannot bind %s:%d: %s", key, shown, cfg->port, uv_strerror(rc));
    return -1;
  }
  kc_log_info(LOGGER, "REST %slistener %s on %s:%d", cfg->admin ? "admin " : "", l->name, shown, l->port);
  return 0;
}

kc_rest_t *kc_rest_start_with(uv_loop_t *loop, kc_rest_submit_fn submit, void *ctx,
                              const kc_rest_options_t *opts, char *errstr, size_t errstr_size) {
  if (!opts || opts->nlisteners == 0) {
    snprintf(errstr, errstr_size, "listeners: at least one listener is needed");
    return NULL;
  }
  kc_rest_t *rest = calloc(1, sizeof(*rest));
  if (rest) {
    rest->readbuf = malloc(READ_BUF_SIZE);
    rest->plainbuf = malloc(PLAIN_BUF_SIZE);
    rest->lsns = calloc(opts->nlisteners, sizeof(*rest->lsns));
  }
  if (!rest || !rest->readbuf || !rest->plainbuf || !rest->lsns) {
    if (rest) {
      free(rest->readbuf);
      free(rest->plainbuf);
      free(rest->lsns);
    }
    free(rest);
    snprintf(errstr, errstr_size, "listeners: out of memory");
    return NULL;
  }
  rest->loop = loop;
  rest->submit = submit;
  rest->submit_ctx = ctx;
  rest->admin_mode = opts->admin_mode;
  rest->limits = opts->limits;
  kc_rest_limits_t *lim = &rest->limits;
  if (!lim->max_header_bytes) lim->max_header_bytes = 16 * 1024;
  if (!lim->max_body_bytes) lim->max_body_bytes = 4 * 1024 * 1024;
  if (!lim->idle_timeout_ms) lim->idle_timeout_ms = 30000;
  if (!lim->header_timeout_ms) lim->header_timeout_ms = 10000;
  if (lim->max_connections <= 0) lim->max_connections = 256;
  if (lim->max_connections_per_ip <= 0) lim->max_connections_per_ip = 64;
  if (!lim->request_timeout_ms) lim->request_timeout_ms = 90000;
  uv_timer_init(loop, &rest->refuse_timer);
  rest->refuse_timer.data = rest;

  /* TLS contexts first: a key error must not leave sockets bound. */
  for (size_t i = 0; i < opts->nlisteners; i++) {
    const kc_worker_listener_t *cfg = &opts->listeners[i];
    if (!cfg->https) continue;
    kc_rest_tls_t **slot = cfg->admin ? &rest->tls_admin : &rest->tls_main;
    if (*slot) continue;
    *slot = kc_rest_tls_create(opts->ssl_props, cfg->admin ? "admin.listeners.https." : "listeners.https.",
                               errstr, errstr_size);
    if (!*slot) return start_failed(rest, 0);
  }
  for (size_t i = 0; i < opts->nlisteners; i++) {
    const kc_worker_listener_t *cfg = &opts->listeners[i];
    kc_rest_lsn_t *l = &rest->lsns[i];
    l->rest = rest;
    l->admin = cfg->admin;
    l->tls = cfg->https ? (cfg->admin ? rest->tls_admin : rest->tls_main) : NULL;
    snprintf(l->name, sizeof(l->name), "%s", cfg->url ? cfg->url : cfg->https ? "https" : "http");
    uv_tcp_init(loop, &l->tcp);
    l->tcp.data = l;
    rest->nlsns = i + 1;
    if (bind_one(rest, l, cfg, errstr, errstr_size)) return start_failed(rest, i + 1);
  }
  rest->pending_closes = (int)rest->nlsns + 1; /* the listeners and the refusal timer */
  return rest;
}

int kc_rest_port(const kc_rest_t *rest) { return rest->lsns[0].port; }

int kc_rest_listener_port(const kc_rest_t *rest, size_t i) {
  return i < rest->nlsns ? rest->lsns[i].port : -1;
}

void kc_rest_close(kc_rest_t *rest, void (*cb)(void *arg), void *arg) {
  if (rest->closing) return;
  rest->closing = true;
  rest->close_cb = cb;
  rest->close_arg = arg;
  kc__rest_conns_close_all(rest);
  for (size_t i = 0; i < rest->nlsns; i++) {
    rest->lsns[i].tcp.data = rest;
    uv_close((uv_handle_t *)&rest->lsns[i].tcp, on_handle_closed);
  }
  uv_close((uv_handle_t *)&rest->refuse_timer, on_handle_closed);
}
