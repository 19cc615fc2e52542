/*
 * Connect's REST API (connect-runtime.md 1) on uv_tcp + llhttp. Parses and
 * routes; every answer comes from the herder.
 */
#ifndef KC_REST_REST_H
#define KC_REST_REST_H

#include <uv.h>

#include "worker/herder.h"

typedef struct kc_rest_s kc_rest_t;

typedef struct kc_rest_limits_s {
  size_t max_header_bytes;  /* request line + headers; 431 past it (default 16 KiB) */
  size_t max_body_bytes;    /* 413 past it (default 4 MiB) */
  uint64_t idle_timeout_ms; /* keep-alive idle and slow-request timeout; 408 + close (default 30000) */
  int max_connections;      /* further accepts are closed at once (default 256) */
  uint64_t request_timeout_ms; /* herder answer deadline; 500 "Request timed out" (default 90000) */
} kc_rest_limits_t;

/* A zero field in kc_rest_limits_t means "the default". */

/**
 * The herder entry point, shaped like kc_herder_submit() with the herder as an
 * opaque @p ctx, so that the HTTP layer can run against a test double.
 */
typedef int (*kc_rest_submit_fn)(void *ctx, const kc_herder_req_t *req, kc_herder_cb cb, void *arg);

/**
 * Binds and listens on @p host:@p port ("" or NULL host = 0.0.0.0; port 0 =
 * ephemeral) and serves requests through @p herder (borrowed; must outlive the
 * server). @p limits may be NULL for the defaults.
 * @returns the server or NULL with errstr ("listeners: cannot bind 127.0.0.1:8083: address in use").
 */
kc_rest_t *kc_rest_start(uv_loop_t *loop, kc_herder_t *herder, const char *host, int port,
                         const kc_rest_limits_t *limits, char *errstr, size_t errstr_size);
/**
 * kc_rest_start() with an injected dispatch function: every routed request goes
 * to @p submit(@p ctx, ...) instead of kc_herder_submit(). Same errors.
 */
kc_rest_t *kc_rest_start_with(uv_loop_t *loop, kc_rest_submit_fn submit, void *ctx, const char *host,
                              int port, const kc_rest_limits_t *limits, char *errstr,
                              size_t errstr_size);
/** The bound port (useful with port 0). */
int kc_rest_port(const kc_rest_t *rest);
/**
 * Stops accepting, closes every connection (in-flight herder callbacks are
 * still honoured and dropped), frees the server, then calls @p cb exactly once.
 */
void kc_rest_close(kc_rest_t *rest, void (*cb)(void *arg), void *arg);

#endif
