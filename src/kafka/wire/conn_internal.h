/*
 * What the TLS and SASL layers of a connection (tls.c, sasl.c) call in conn.c,
 * and what conn.c calls in them. Not for users of conn.h.
 */
#ifndef KC_KAFKA_WIRE_CONN_INTERNAL_H
#define KC_KAFKA_WIRE_CONN_INTERNAL_H

#include "kafka/wire/conn.h"

typedef struct kc_wire_tls_s kc_wire_tls_t;
typedef struct kc_wire_sasl_s kc_wire_sasl_t;

/** Fails the connection once (see conn.h); later calls do nothing. */
void kc_wire_conn_fail(kc_wire_conn_t *c, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/** Writes @p n bytes (copied) to the socket. @returns 0, KC_ESTATE, KC_ENOMEM, KC_EIO (then failed). */
int kc_wire_conn_write_raw(kc_wire_conn_t *c, const void *p, size_t n);
/** Plaintext stream bytes in (from the socket or TLS): parses complete frames. */
void kc_wire_conn_feed(kc_wire_conn_t *c, const void *p, size_t n);
/** The byte stream is up (TCP connected, TLS handshake done): starts ApiVersions. */
void kc_wire_conn_transport_up(kc_wire_conn_t *c);
/** Authentication done: the connection is ready. */
void kc_wire_conn_set_ready(kc_wire_conn_t *c);
/** A request before the connection is ready (ApiVersions, SASL). Errors as kc_wire_conn_request(). */
int kc_wire_conn_request_setup(kc_wire_conn_t *c, int16_t api_key, int16_t version,
                               const kc_buf_t *body, kc_wire_resp_cb cb, void *arg);

/** Starts a TLS client session for @p host (SNI, hostname check); @returns 0 or KC_E*. */
int kc_wire_tls_start(kc_wire_conn_t *c, const kc_wire_security_t *sec, const char *host,
                      kc_wire_tls_t **out);
/** Ciphertext from the socket. */
void kc_wire_tls_feed(kc_wire_tls_t *t, kc_wire_conn_t *c, const void *p, size_t n);
/** Plaintext to send. @returns 0 or KC_E*. */
int kc_wire_tls_write(kc_wire_tls_t *t, kc_wire_conn_t *c, const void *p, size_t n);
void kc_wire_tls_free(kc_wire_tls_t *t);

/** Starts SaslHandshake + SaslAuthenticate; kc_wire_conn_set_ready() when done. */
int kc_wire_sasl_start(kc_wire_conn_t *c, const kc_wire_security_t *sec, kc_wire_sasl_t **out);
void kc_wire_sasl_free(kc_wire_sasl_t *s);

#endif
