/*
 * Private to src/rest: the listeners (listener.c) and the connections they
 * accept (server.c). Everything runs on the loop thread.
 */
#ifndef KC_REST_LISTENER_H
#define KC_REST_LISTENER_H

#include "rest/rest_internal.h"
#include "rest/tls.h"

/** One bound socket of listeners or admin.listeners. */
typedef struct kc_rest_lsn_s {
  uv_tcp_t tcp;
  kc_rest_t *rest;
  bool admin;          /* an admin.listeners entry: serves /admin/... only */
  kc_rest_tls_t *tls;  /* NULL for http; owned by rest (tls_main / tls_admin) */
  int port;            /* bound */
  char name[160];      /* the configured URL, for logs */
} kc_rest_lsn_t;

/* server.c */
/** Accepts one pending connection on @p l, or refuses it at a connection cap. */
void kc__rest_conn_accept(kc_rest_lsn_t *l);
/** Closes every connection of @p rest (server shutdown). */
void kc__rest_conns_close_all(kc_rest_t *rest);

/* listener.c */
/** Frees @p rest once it is closing and its last handle has closed. */
void kc__rest_maybe_free(kc_rest_t *rest);
/**
 * Logs a refused connection, at most one line per interval: the first refusal
 * at once, later ones as a count when the interval ends. @p per_ip tells which
 * cap refused it.
 */
void kc__rest_refused(kc_rest_t *rest, bool per_ip, const char *peer);
/** Accepts the pending connection on @p l and closes it at once (total cap reached). */
void kc__rest_refuse_accept(kc_rest_lsn_t *l);
/** "127.0.0.1", "::1", or "-". */
void kc__rest_peer_name(const struct sockaddr_storage *ss, char *out, size_t size);
/** Same IP address (ports ignored). */
bool kc__rest_same_address(const struct sockaddr_storage *a, const struct sockaddr_storage *b);
/**
 * True when the request target's first path segment, percent-decoded as the
 * router decodes it, is "admin" (origin- or absolute-form).
 */
bool kc__rest_is_admin_path(const char *url, size_t len);

#endif
