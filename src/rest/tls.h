/*
 * TLS for the REST listeners: one OpenSSL server context per key prefix,
 * built from Connect's SSL keys (SSLUtils.createServerSideSslContextFactory),
 * and per-connection sessions on memory BIOs so that the loop, not OpenSSL,
 * owns the socket.
 */
#ifndef KC_REST_TLS_H
#define KC_REST_TLS_H

#include <openssl/ssl.h>
#include <stddef.h>

#include "kconnect/connector.h"

typedef struct kc_rest_tls_s kc_rest_tls_t;

/**
 * Builds a server context from @p props with Connect's all-or-nothing rule:
 * when any key starts with @p prefix ("listeners.https." or
 * "admin.listeners.https."), only the prefixed keys are read; otherwise the
 * top-level ssl.* keys are. Reads the keystore and truststore files now
 * (blocking: call at start-up, before the loop runs).
 * @returns the context or NULL with errstr naming the key as configured and
 * the reason (JKS keystores, wrong passwords, unknown protocols or cipher
 * suites, keys that cannot be applied).
 */
kc_rest_tls_t *kc_rest_tls_create(const kc_config_t *props, const char *prefix, char *errstr,
                                  size_t errstr_size);
void kc_rest_tls_destroy(kc_rest_tls_t *tls);

/**
 * A server session reading ciphertext from *@p rbio and writing it to
 * *@p wbio (memory BIOs owned by the returned SSL). @returns NULL on ENOMEM.
 */
SSL *kc_rest_tls_session(kc_rest_tls_t *tls, BIO **rbio, BIO **wbio);

/** The first queued OpenSSL error as text (then clears the queue), for logs. */
const char *kc_rest_tls_error(char *buf, size_t size);

#endif
