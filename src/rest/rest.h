/*
 * Connect's REST API (connect-runtime.md 1) on uv_tcp + llhttp, plain HTTP or
 * HTTPS (OpenSSL on memory BIOs). Parses and routes; every answer comes from
 * the herder.
 */
#ifndef KC_REST_REST_H
#define KC_REST_REST_H

#include <stdbool.h>
#include <uv.h>

#include "config/worker_config.h"
#include "worker/herder.h"

typedef struct kc_rest_s kc_rest_t;

typedef struct kc_rest_limits_s {
  size_t max_header_bytes;  /* request line + headers; 431 past it (default 16 KiB) */
  size_t max_body_bytes;    /* 413 past it (default 4 MiB) */
  uint64_t idle_timeout_ms; /* keep-alive idle and gap between request bytes; 408 + close (default 30000) */
  /* From accept (TLS handshake included) to the end of the first request's
   * headers, and from the first byte of every later request to the end of its
   * headers, however steadily bytes trickle in; 408 + close (default 10000). */
  uint64_t header_timeout_ms;
  int max_connections;        /* over all listeners; further accepts are closed at once (default 256) */
  int max_connections_per_ip; /* per peer address (default 64) */
  uint64_t request_timeout_ms; /* herder answer deadline; 500 "Request timed out" (default 90000) */
} kc_rest_limits_t;

/* A zero field in kc_rest_limits_t means "the default". */

/** Where Connect's admin endpoints (/admin/...) are served (admin.listeners). */
typedef enum {
  KC_REST_ADMIN_ON_MAIN = 0, /* admin.listeners unset: on the main listeners */
  KC_REST_ADMIN_DISABLED,    /* admin.listeners empty: nowhere (404) */
  KC_REST_ADMIN_SEPARATE,    /* a list: only on the admin listeners, which serve nothing else */
} kc_rest_admin_mode_t;

typedef struct kc_rest_options_s {
  /* listeners then admin listeners (kc_worker_listener_t.admin); borrowed during kc_rest_start only */
  const kc_worker_listener_t *listeners;
  size_t nlisteners;
  kc_rest_admin_mode_t admin_mode;
  /* The worker properties holding ssl.*, listeners.https.* and
   * admin.listeners.https.* (borrowed during kc_rest_start only). Needed when
   * a listener is https; NULL then fails the start. */
  const kc_config_t *ssl_props;
  kc_rest_limits_t limits;
} kc_rest_options_t;

/**
 * The herder entry point, shaped like kc_herder_submit() with the herder as an
 * opaque @p ctx, so that the HTTP layer can run against a test double.
 */
typedef int (*kc_rest_submit_fn)(void *ctx, const kc_herder_req_t *req, kc_herder_cb cb, void *arg);

/**
 * Binds and listens on every listener of @p opts (host "" = 0.0.0.0; port 0 =
 * ephemeral) and serves requests through @p herder (borrowed; must outlive the
 * server). Keys and certificates of https listeners are read here, before the
 * loop runs (blocking file reads, start-up only).
 * @returns the server or NULL with errstr naming the key or listener, e.g.
 * "listeners: cannot bind 127.0.0.1:8083: address already in use" or
 * "listeners.https.ssl.keystore.password: cannot read the PKCS12 keystore ...".
 */
kc_rest_t *kc_rest_start(uv_loop_t *loop, kc_herder_t *herder, const kc_rest_options_t *opts,
                         char *errstr, size_t errstr_size);
/**
 * kc_rest_start() with an injected dispatch function: every routed request goes
 * to @p submit(@p ctx, ...) instead of kc_herder_submit(). Same errors.
 */
kc_rest_t *kc_rest_start_with(uv_loop_t *loop, kc_rest_submit_fn submit, void *ctx,
                              const kc_rest_options_t *opts, char *errstr, size_t errstr_size);
/** The bound port of the first listener (useful with port 0). */
int kc_rest_port(const kc_rest_t *rest);
/** The bound port of listener @p i (in kc_rest_options_t order), or -1 past the end. */
int kc_rest_listener_port(const kc_rest_t *rest, size_t i);
/**
 * Stops accepting, closes every connection (in-flight herder callbacks are
 * still honoured and dropped), frees the server, then calls @p cb exactly once.
 */
void kc_rest_close(kc_rest_t *rest, void (*cb)(void *arg), void *arg);

#endif
