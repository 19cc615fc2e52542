/*
 * The broker connection security of the group member, from the worker's Java
 * client keys (the same keys the worker's librdkafka clients get):
 * security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.*,
 * ssl.endpoint.identification.algorithm. What cannot be applied is refused
 * (fail closed) with an error naming the key and value.
 */
#ifndef KC_KAFKA_WIRE_SECURITY_H
#define KC_KAFKA_WIRE_SECURITY_H

#include <stdbool.h>
#include <stddef.h>

#include "kconnect/connector.h"

typedef enum {
  KC_WIRE_PLAINTEXT,
  KC_WIRE_SASL_PLAINTEXT,
  KC_WIRE_SSL,
  KC_WIRE_SASL_SSL,
} kc_wire_protocol_t;

typedef enum {
  KC_WIRE_SASL_NONE,
  KC_WIRE_SASL_PLAIN,
  KC_WIRE_SASL_SCRAM_SHA_256,
  KC_WIRE_SASL_SCRAM_SHA_512,
} kc_wire_sasl_mech_t;

typedef struct kc_wire_security_s {
  kc_wire_protocol_t protocol;
  kc_wire_sasl_mech_t mechanism; /**< KC_WIRE_SASL_NONE unless protocol is SASL_* */
  char *username, *password;     /**< SASL credentials (owned), NULL without SASL */
  void *ssl_ctx;                 /**< SSL_CTX * (owned) for SSL / SASL_SSL, else NULL */
  bool verify_hostname;          /**< ssl.endpoint.identification.algorithm=https */
} kc_wire_security_t;

/**
 * Reads the settings from @p props (worker properties, Java keys; NULL = PLAINTEXT).
 * Reads trust store files now (blocking: call at start-up or from kc_group_create).
 * @returns 0, or KC_EINVAL / KC_ENOTSUP with @p errstr naming the key and value; @p s
 *          then holds nothing to free.
 */
int kc_wire_security_init(kc_wire_security_t *s, const kc_config_t *props, char *errstr,
                          size_t errstr_size);
/** Frees what kc_wire_security_init() allocated (safe on a zeroed struct). */
void kc_wire_security_free(kc_wire_security_t *s);
/**
 * The TLS client context for SSL / SASL_SSL (tls.c): trust store (ssl.truststore.location
 * PEM or PKCS12, ssl.truststore.certificates, or the system CAs), client certificate
 * (ssl.keystore.location PEM or PKCS12, or ssl.keystore.certificate.chain + ssl.keystore.key;
 * ssl.key.password), ssl.enabled.protocols, the hostname check, and the refusal of ssl.*
 * settings it cannot apply (JKS stores, ssl.cipher.suites, ssl.provider, ssl.engine.factory.class). @returns 0 or KC_EINVAL / KC_ENOTSUP with
 * @p errstr naming the key.
 */
int kc_wire_tls_ctx_new(kc_wire_security_t *s, const kc_config_t *props, char *errstr,
                        size_t errstr_size);
/** Frees an SSL_CTX * from kc_wire_tls_ctx_new() (NULL is a no-op). */
void kc_wire_tls_ctx_free(void *ctx);
/** "SASL_SSL" etc. */
const char *kc_wire_protocol_name(kc_wire_protocol_t p);
/** "SCRAM-SHA-256" etc.; "" for none. */
const char *kc_wire_sasl_mech_name(kc_wire_sasl_mech_t m);

#endif
