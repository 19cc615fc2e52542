/*
 * One Kafka broker connection on the loop: asynchronous resolve and connect,
 * optional TLS and SASL, ApiVersions negotiation, then framed requests matched
 * to their responses by correlation id.
 *
 * Set-up: uv_getaddrinfo -> uv_tcp_connect -> [TLS handshake] -> ApiVersions v2
 * (every API the group needs must be offered in a non-flexible version) ->
 * [SaslHandshake v1 + SaslAuthenticate v1 rounds] -> state callback with err 0.
 * Requests use header v1 (api_key, api_version, correlation_id, client_id);
 * responses header v0 (correlation_id). Kafka answers in request order on one
 * connection, so the in-flight table is a FIFO and a response for anything but
 * its head is a protocol error.
 *
 * Errors: a failed set-up, a socket error, a protocol error or a request that
 * passes its timeout fails the connection: every in-flight request callback runs
 * once with the error, then the state callback once with it; the socket is
 * closed and the connection only waits for kc_wire_conn_close(). Java's
 * NetworkClient also drops the connection on a request timeout.
 * Error codes: KC_EIO (resolve, connect, socket, malformed data), KC_ETIMEDOUT,
 * KC_ENOTSUP (an API version or SASL mechanism the broker lacks) and KC_EINVAL
 * (authentication failed: SASL, TLS handshake or certificate), the last two not
 * worth retrying.
 *
 * The process must ignore SIGPIPE (src/main.c does): libuv writes to sockets
 * with write(2), and a broker that closed its end would otherwise kill it.
 */
#ifndef KC_KAFKA_WIRE_CONN_H
#define KC_KAFKA_WIRE_CONN_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "kafka/wire/codec.h"
#include "kafka/wire/security.h"

/** Kafka API keys spoken here. */
enum {
  KC_API_METADATA = 3,
  KC_API_FIND_COORDINATOR = 10,
  KC_API_JOIN_GROUP = 11,
  KC_API_HEARTBEAT = 12,
  KC_API_LEAVE_GROUP = 13,
  KC_API_SYNC_GROUP = 14,
  KC_API_SASL_HANDSHAKE = 17,
  KC_API_API_VERSIONS = 18,
  KC_API_SASL_AUTHENTICATE = 36,
};

typedef struct kc_wire_conn_s kc_wire_conn_t;

typedef struct {
  const char *client_id;      /**< request header client id (copied); NULL = null */
  int32_t request_timeout_ms; /**< bound for the whole set-up and default per-request timeout, ms */
  const kc_wire_security_t *security; /**< borrowed for the connection's life; NULL = PLAINTEXT */
} kc_wire_conn_opts_t;

/**
 * The connection is usable (@p err 0), or it failed (@p err a KC_E* code, @p reason
 * "connect 127.0.0.1:9092: connection refused" style, valid for the call). Runs at most
 * twice: once with 0 when ready, once with an error when it fails (a set-up failure
 * gives only the error call). Never after kc_wire_conn_close().
 */
typedef void (*kc_wire_conn_state_cb)(kc_wire_conn_t *c, void *arg, int err, const char *reason);

/**
 * A response (@p err 0, @p body the bytes after the response header, borrowed for the
 * call) or the request's failure (@p err KC_ETIMEDOUT, KC_EIO ..., @p body NULL). Runs
 * exactly once per accepted request, unless kc_wire_conn_close() is called first.
 */
typedef void (*kc_wire_resp_cb)(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *body);

/**
 * Starts connecting to @p host:@p port (copied). @returns the connection, or NULL on
 * ENOMEM. Failures, even immediate ones, arrive later through @p cb.
 */
kc_wire_conn_t *kc_wire_conn_open(uv_loop_t *loop, const char *host, int port,
                                  const kc_wire_conn_opts_t *opts, kc_wire_conn_state_cb cb,
                                  void *arg);

/**
 * Sends one request. @p body (copied) is the request body without header.
 * @param version API version; use kc_wire_conn_api_version() for negotiated ones
 * @param timeout_ms ms before the request (and the connection) fails; <= 0 = the
 *        connection's request timeout
 * @returns 0 (then @p cb runs once), KC_ESTATE (not ready or failed), KC_ENOMEM.
 */
int kc_wire_conn_request(kc_wire_conn_t *c, int16_t api_key, int16_t version, const kc_buf_t *body,
                         int32_t timeout_ms, kc_wire_resp_cb cb, void *arg);

/** The version negotiated for @p api_key (an API of the enum above), or -1 before the connection
 * is ready or when the broker does not offer a version spoken here (Metadata is optional). */
int16_t kc_wire_conn_api_version(const kc_wire_conn_t *c, int16_t api_key);

/** True between the ready callback and a failure. */
bool kc_wire_conn_ready(const kc_wire_conn_t *c);

/** "host:port" as given to kc_wire_conn_open() (owned by the connection). */
const char *kc_wire_conn_name(const kc_wire_conn_t *c);

/**
 * Releases the connection: no callback runs after this call (in-flight requests are
 * dropped unanswered), the socket is closed, and @p closed (may be NULL) runs once,
 * from the loop, when every handle is closed and the memory freed.
 */
void kc_wire_conn_close(kc_wire_conn_t *c, void (*closed)(void *arg), void *arg);

#endif
