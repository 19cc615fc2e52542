/*
 * Outbound REST requests to other workers (Connect's RestClient): request
 * forwarding to the leader or owner (forward.c) and the distributed herder's
 * own calls (a follower POSTs task configs to the leader, PUT .../fence).
 * Non-blocking, on the curl multi client of src/http; runs on the loop thread.
 *
 * Like RestClient, each request gets its own HTTP client (no connection reuse
 * between requests: forwarding is rare and a worker's peers change with every
 * rebalance). HTTPS targets are verified against the system's CA store; the
 * worker's listeners.https.ssl.truststore.* is not applied (src/http has no
 * per-request CA setting yet). Redirects are not followed (setFollowRedirects(false)).
 */
#ifndef KC_REST_CLIENT_H
#define KC_REST_CLIENT_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kconnect/connector.h"

/** Bytes of a response body kept; a longer one fails the request with KC_ENOSPC. */
#define KC_REST_CLIENT_MAX_RESPONSE (8u * 1024 * 1024)

typedef struct kc_rest_client_req_s kc_rest_client_req_t;

/**
 * Completion, exactly once, never inside kc_rest_client_request(), and only
 * after everything the request held on the loop is closed (so a loop may be
 * closed from it).
 * @param status the HTTP status (> 0) of any response, or a negative KC_E*
 *        transport error: KC_EIO (connect, TLS, DNS, reset), KC_ETIMEDOUT
 *        (@p timeout_ms passed, or kc_rest_client_cancel(): @p errmsg
 *        "cancelled"), KC_ENOSPC (response over KC_REST_CLIENT_MAX_RESPONSE)
 * @param body the response body, NUL-terminated, @p len bytes ("" and 0 when
 *        none); borrowed for the call
 * @param errmsg the transport error text (curl's, e.g. "Failed to connect to
 *        127.0.0.1 port 1 after 0 ms: Couldn't connect to server"), "" when
 *        a response arrived; borrowed
 */
typedef void (*kc_rest_client_cb)(void *arg, int status, const char *body, size_t len, const char *errmsg);

/**
 * Sends @p method ("GET", "POST", "PUT", "PATCH", "DELETE") to the absolute
 * http(s) @p url with @p len bytes of @p body (copied; NULL = no body, but
 * POST and PUT always send a Content-Length) and the extra @p headers
 * ("Name: value" lines, copied; a NULL-terminated array, or NULL). Always sent:
 * "Accept: application/json". @p timeout_ms bounds the whole exchange (0 =
 * none). @p out (may be NULL) receives a handle for kc_rest_client_cancel(),
 * valid until @p cb has run.
 * @returns 0 (@p cb will run) or KC_EINVAL (bad URL, method or header line),
 * KC_ENOMEM, KC_ESTATE (the HTTP client could not start: libcurl missing);
 * then @p cb never runs.
 */
int kc_rest_client_request(uv_loop_t *loop, const char *method, const char *url, const void *body, size_t len,
                           const char *const *headers, uint64_t timeout_ms, kc_rest_client_cb cb, void *arg,
                           kc_rest_client_req_t **out);

/**
 * Appends to @p out (initialised by the caller) the URL of a worker endpoint:
 * @p base (a worker URL as advertised, "http://10.0.0.5:8083/", with or
 * without its trailing slash) then each of the NULL-terminated @p segments as
 * one percent-encoded path segment (RFC 3986 pchar kept, '/' and everything
 * else %XX), e.g. {"connectors", "a/b", "tasks", NULL} gives
 * "http://10.0.0.5:8083/connectors/a%2Fb/tasks". No query.
 * @returns 0 or a kc_buf error (KC_ENOMEM, KC_ENOSPC).
 */
int kc_rest_client_url(kc_buf_t *out, const char *base, const char *const *segments);

/**
 * Aborts a request whose callback has not run yet: it still runs once, soon,
 * with KC_ETIMEDOUT and "cancelled" (or with the response, if that already
 * arrived). Calling it again before the callback is harmless.
 */
void kc_rest_client_cancel(kc_rest_client_req_t *r);

#endif
