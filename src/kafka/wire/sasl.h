/*
 * SASL client messages for broker connections: PLAIN (RFC 4616) and SCRAM-SHA-256 /
 * SCRAM-SHA-512 (RFC 5802, RFC 7677) with OpenSSL's PBKDF2 and HMAC, as Kafka's
 * ScramSaslClient speaks them (gs2 header "n,,", no channel binding, at least 4096
 * iterations). conn.c runs them over SaslHandshake v1 + SaslAuthenticate v1.
 */
#ifndef KC_KAFKA_WIRE_SASL_H
#define KC_KAFKA_WIRE_SASL_H

#include <stddef.h>

#include "kafka/wire/security.h"

/** PLAIN's single message "\0user\0password" appended to @p out. @returns 0 or a kc_buf error. */
int kc_wire_sasl_plain(kc_buf_t *out, const char *user, const char *password);

typedef struct {
  kc_wire_sasl_mech_t mech;
  char *user, *password;   /* owned */
  char nonce[64];          /* client nonce */
  kc_buf_t first_bare;     /* "n=user,r=nonce" */
  unsigned char server_sig[64];
  size_t hlen;             /* hash length: 32 or 64 bytes */
  int step;                /* 0 new, 1 client-first sent, 2 client-final sent */
} kc_wire_scram_t;

/**
 * @param mech KC_WIRE_SASL_SCRAM_SHA_256 or _512
 * @param nonce the client nonce (printable, no ','; copied, at most 63 bytes); NULL draws
 *        32 random bytes (base64). Tests pass RFC 7677's.
 * @returns 0, KC_EINVAL, KC_ENOMEM.
 */
int kc_wire_scram_init(kc_wire_scram_t *s, kc_wire_sasl_mech_t mech, const char *user,
                       const char *password, const char *nonce);
/** client-first-message ("n,,n=user,r=nonce") appended to @p out. */
int kc_wire_scram_client_first(kc_wire_scram_t *s, kc_buf_t *out);
/**
 * client-final-message for the server-first-message @p in (@p n bytes) appended to @p out.
 * @returns 0, or KC_EINVAL with @p why (nonce mismatch, too few iterations, server error,
 *          malformed message).
 */
int kc_wire_scram_client_final(kc_wire_scram_t *s, const char *in, size_t n, kc_buf_t *out,
                               char *why, size_t why_size);
/** Checks the server-final-message's signature. @returns 0 or KC_EINVAL with @p why. */
int kc_wire_scram_verify(kc_wire_scram_t *s, const char *in, size_t n, char *why, size_t why_size);
void kc_wire_scram_free(kc_wire_scram_t *s);

#endif
