/*
 * KIP-507 request signatures (Connect's InternalRequestSignature): the
 * worker-to-worker endpoints (connect-runtime.md 1.9) carry
 *   X-Connect-Authorization: base64(HMAC(session key, exact body bytes))
 *   X-Connect-Request-Signature-Algorithm: a javax.crypto.Mac name ("HmacSHA256")
 * Pure functions over OpenSSL; no state, callable from any thread.
 *
 * Algorithm names are looked up case-insensitively, as Mac.getInstance() does:
 * HmacMD5, HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512,
 * HmacSHA512/224, HmacSHA512/256, HmacSHA3-224, HmacSHA3-256, HmacSHA3-384,
 * HmacSHA3-512 (every HMAC the JDK 17 SunJCE provider offers). Whether an
 * algorithm is *allowed* (inter.worker.verification.algorithms) is a separate,
 * case-sensitive check, as in DistributedHerder.
 */
#ifndef KC_REST_SIGNATURE_H
#define KC_REST_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "worker/herder.h"

/** The signature does not match (MessageDigest.isEqual false). No KC_EPERM exists in connector.h. */
#define KC_REST_SIGNATURE_BAD (-13)

/** Header names, as Connect spells them (matched case-insensitively on receipt). */
#define KC_REST_SIGNATURE_HEADER "X-Connect-Authorization"
#define KC_REST_SIGNATURE_ALGORITHM_HEADER "X-Connect-Request-Signature-Algorithm"

/** Base64 text of the longest MAC (64 bytes) plus the NUL: a big enough out_b64. */
#define KC_REST_SIGNATURE_B64_MAX 89

/** True when @p algorithm (NUL-terminated) names an HMAC Mac.getInstance() would give. */
bool kc_rest_signature_algorithm_known(const char *algorithm);

/**
 * Signs @p len bytes at @p body (NULL allowed when @p len is 0) with @p klen
 * bytes of @p key: base64 (standard alphabet, padded, java.util.Base64's
 * encoder) of the HMAC, NUL-terminated into @p out_b64 (@p out_size bytes;
 * KC_REST_SIGNATURE_B64_MAX always suffices).
 * @returns 0, KC_EINVAL (unknown algorithm, or an empty key, which Java's
 * SecretKeySpec refuses), KC_ENOSPC (@p out_size too small) or KC_ENOMEM.
 */
int kc_rest_signature_sign(const uint8_t *key, size_t klen, const char *algorithm, const void *body, size_t len,
                           char *out_b64, size_t out_size);

/**
 * Checks @p b64_signature against the HMAC of @p body under @p key, in
 * constant time over the MAC bytes. A signature that is not valid base64 or
 * has the wrong length is simply bad (the REST layer refuses undecodable ones
 * with 400 earlier: kc_rest_signature_headers_check()).
 * @returns 0 when it matches, KC_REST_SIGNATURE_BAD when not, KC_EINVAL for an
 * unknown algorithm or an empty key, KC_ENOMEM.
 */
int kc_rest_signature_verify(const uint8_t *key, size_t klen, const char *algorithm, const char *b64_signature,
                             const void *body, size_t len);

/**
 * InternalRequestSignature.fromHeaders(), which Connect's resource runs before
 * the herder on every worker: when both headers are present (non-NULL), the
 * algorithm must be known ("Algorithm <a> not available") and the signature
 * must decode as java.util.Base64 does (its exception text, e.g. "Illegal
 * base64 character 2d"). @p msg gets the message (@p msg_size bytes).
 * @returns 0 (fine, or a header missing: the herder then reports it) or 400.
 */
int kc_rest_signature_headers_check(const char *signature, const char *algorithm, char *msg, size_t msg_size);

/**
 * DistributedHerder.requestNotSignedProperly(), for a herder whose group
 * protocol is sessioned (the only case Connect checks): the one call the
 * distributed herder makes for TASK_CONFIGS_PUT and FENCE, with the session
 * key it holds (NULL when none was read yet), the allowed algorithms
 * (inter.worker.verification.algorithms, @p nallowed names, compared
 * case-sensitively), and the request (req->signature, ->signature_algorithm,
 * ->raw_body, ->raw_body_len). In Connect's order:
 *   no signature or no algorithm header   KC_HERDER_R_BAD_REQUEST  "Internal request missing required signature"
 *   algorithm not allowed (or unknown)    KC_HERDER_R_BAD_REQUEST  "This worker does not support the '<a>' key ..."
 *   @p key NULL                           KC_HERDER_R_UNAVAILABLE  "This worker is still starting up and has not ..."
 *   HMAC mismatch                         KC_HERDER_R_FORBIDDEN    "Internal request contained invalid signature."
 * @returns KC_HERDER_R_OK when the request may run, else the outcome with
 * Connect's message in @p msg (@p msg_size bytes; 1024 holds every one), to be
 * answered as kc_herder_res_t{rc, message}. Out of memory answers
 * KC_HERDER_R_INTERNAL.
 */
kc_herder_rc_t kc_rest_signature_check(const uint8_t *key, size_t klen, const char *const *allowed, size_t nallowed,
                                       const kc_herder_req_t *req, char *msg, size_t msg_size);

/**
 * java.util.Base64.getDecoder().decode(): decodes NUL-terminated @p b64 into
 * @p out (@p out_size bytes; 3 * strlen / 4 + 3 suffice) and sets *@p out_len.
 * @returns 0, or KC_EINVAL with Java's IllegalArgumentException text in @p msg,
 * or KC_ENOSPC.
 */
int kc_rest_base64_decode(const char *b64, uint8_t *out, size_t out_size, size_t *out_len, char *msg,
                          size_t msg_size);

#endif
