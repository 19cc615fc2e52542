/*
 * DESIGN: KIP-507 signatures as InternalRequestSignature and
 * DistributedHerder.requestNotSignedProperly() compute and check them. The
 * base64 decoder is our own because Connect's 400 for a malformed signature
 * carries java.util.Base64's exact exception text, which OpenSSL's decoder
 * cannot tell apart.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "rest/signature.h"

typedef struct {
  const char *name; /* the JDK's spelling */
  const EVP_MD *(*md)(void);
} alg_t;

static const alg_t algs[] = {
  {"HmacMD5", EVP_md5},           {"HmacSHA1", EVP_sha1},
  {"HmacSHA224", EVP_sha224},     {"HmacSHA256", EVP_sha256},
  {"HmacSHA384", EVP_sha384},     {"HmacSHA512", EVP_sha512},
  {"HmacSHA512/224", EVP_sha512_224}, {"HmacSHA512/256", EVP_sha512_256},
  {"HmacSHA3-224", EVP_sha3_224}, {"HmacSHA3-256", EVP_sha3_256},
  {"HmacSHA3-384", EVP_sha3_384}, {"HmacSHA3-512", EVP_sha3_512},
};

static const EVP_MD *alg_md(const char *algorithm) {
  if (!algorithm) return NULL;
  for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
    if (!strcasecmp(algs[i].name, algorithm)) return algs[i].md();
  }
  return NULL;
}

bool kc_rest_signature_algorithm_known(const char *algorithm) { return alg_md(algorithm) != NULL; }

/* The raw MAC into @p mac (EVP_MAX_MD_SIZE bytes). @returns its length, or a KC_E* code. */
static int hmac(const uint8_t *key, size_t klen, const char *algorithm, const void *body, size_t len,
                unsigned char *mac) {
  const EVP_MD *md = alg_md(algorithm);
  if (!md || !key || klen == 0 || klen > INT32_MAX) return KC_EINVAL;
  static const unsigned char empty[1];
  unsigned int mlen = 0;
  if (!HMAC(md, key, (int)klen, body && len ? body : empty, len, mac, &mlen)) return KC_ENOMEM;
  return (int)mlen;
}

int kc_rest_signature_sign(const uint8_t *key, size_t klen, const char *algorithm, const void *body, size_t len,
                           char *out_b64, size_t out_size) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  int mlen = hmac(key, klen, algorithm, body, len, mac);
  if (mlen < 0) return mlen;
  size_t need = 4 * (((size_t)mlen + 2) / 3) + 1;
  if (!out_b64 || out_size < need) return KC_ENOSPC;
  EVP_EncodeBlock((unsigned char *)out_b64, mac, mlen);
  return 0;
}

/* java.util.Base64's table: -1 not base64, -2 the pad. */
static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  if (c == '=') return -2;
  return -1;
}

/* Integer.toString(b, 16) of a Java (signed) byte. */
static void java_byte_hex(unsigned char c, char *out, size_t size) {
  int v = (signed char)c;
  if (v < 0) snprintf(out, size, "-%x", (unsigned)-v);
  else snprintf(out, size, "%x", (unsigned)v);
}

/* Follows Base64.Decoder.decodedOutLength() and decode0() (RFC 4648, not MIME). */
int kc_rest_base64_decode(const char *b64, uint8_t *out, size_t out_size, size_t *out_len, char *msg,
                          size_t msg_size) {
  const unsigned char *src = (const unsigned char *)b64;
  size_t sl = strlen(b64), sp = 0, dp = 0;
  *out_len = 0;
  if (sl == 0) return 0;
  if (sl < 2) {
    snprintf(msg, msg_size, "Input byte[] should at least have 2 bytes for base64 bytes");
    return KC_EINVAL;
  }
  if (out_size < 3 * ((sl + 3) / 4)) return KC_ENOSPC;
  unsigned bits = 0;
  int shiftto = 18;
  while (sp < sl) {
    int b = b64val(src[sp++]);
    if (b < 0) {
      if (b == -2) {
        /* "=" alone, "x=", "xx=" at the end, "xx=y": a bad final unit */
        if ((shiftto == 6 && (sp == sl || src[sp++] != '=')) || shiftto == 18) {
          snprintf(msg, msg_size, "Input byte array has wrong 4-byte ending unit");
          return KC_EINVAL;
        }
        break;
      }
      char hex[8];
      java_byte_hex(src[sp - 1], hex, sizeof(hex));
      snprintf(msg, msg_size, "Illegal base64 character %s", hex);
      return KC_EINVAL;
    }
    bits |= (unsigned)b << shiftto;
    shiftto -= 6;
    if (shiftto < 0) {
      out[dp++] = (uint8_t)(bits >> 16);
      out[dp++] = (uint8_t)(bits >> 8);
      out[dp++] = (uint8_t)bits;
      shiftto = 18;
      bits = 0;
    }
  }
  if (shiftto == 6) {
    out[dp++] = (uint8_t)(bits >> 16);
  } else if (shiftto == 0) {
    out[dp++] = (uint8_t)(bits >> 16);
    out[dp++] = (uint8_t)(bits >> 8);
  } else if (shiftto == 12) {
    snprintf(msg, msg_size, "Last unit does not have enough valid bits");
    return KC_EINVAL;
  }
  if (sp < sl) {
    snprintf(msg, msg_size, "Input byte array has incorrect ending byte at %zu", sp);
    return KC_EINVAL;
  }
  *out_len = dp;
  return 0;
}

int kc_rest_signature_verify(const uint8_t *key, size_t klen, const char *algorithm, const char *b64_signature,
                             const void *body, size_t len) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  int mlen = hmac(key, klen, algorithm, body, len, mac);
  if (mlen < 0) return mlen;
  if (!b64_signature) return KC_REST_SIGNATURE_BAD;
  size_t n = strlen(b64_signature);
  size_t cap = 3 * ((n + 3) / 4) + 3;
  uint8_t *sig = malloc(cap);
  if (!sig) return KC_ENOMEM;
  size_t slen = 0;
  char why[128];
  int rc = kc_rest_base64_decode(b64_signature, sig, cap, &slen, why, sizeof(why));
  /* MessageDigest.isEqual: a length mismatch is unequal; equal lengths compare in constant time. */
  if (rc == 0) rc = slen == (size_t)mlen && CRYPTO_memcmp(sig, mac, slen) == 0 ? 0 : KC_REST_SIGNATURE_BAD;
  else rc = KC_REST_SIGNATURE_BAD;
  OPENSSL_cleanse(mac, sizeof(mac));
  free(sig);
  return rc;
}

int kc_rest_signature_headers_check(const char *signature, const char *algorithm, char *msg, size_t msg_size) {
  if (!signature || !algorithm) return 0;
  if (!kc_rest_signature_algorithm_known(algorithm)) {
    /* NoSuchAlgorithmException's text from Mac.getInstance() */
    snprintf(msg, msg_size, "Algorithm %s not available", algorithm);
    return 400;
  }
  size_t n = strlen(signature);
  size_t cap = 3 * ((n + 3) / 4) + 3, len;
  uint8_t *buf = malloc(cap);
  if (!buf) {
    snprintf(msg, msg_size, "Out of memory");
    return 500;
  }
  int rc = kc_rest_base64_decode(signature, buf, cap, &len, msg, msg_size);
  free(buf);
  return rc ? 400 : 0;
}

kc_herder_rc_t kc_rest_signature_check(const uint8_t *key, size_t klen, const char *const *allowed, size_t nallowed,
                                       const kc_herder_req_t *req, char *msg, size_t msg_size) {
  if (!req->signature || !req->signature_algorithm) {
    snprintf(msg, msg_size, "Internal request missing required signature");
    return KC_HERDER_R_BAD_REQUEST;
  }
  bool ok = false;
  for (size_t i = 0; i < nallowed && !ok; i++) ok = allowed[i] && !strcmp(allowed[i], req->signature_algorithm);
  /* Connect cannot even get here with an unknown Mac (fromHeaders refused it); answer the same 400 text. */
  if (ok && !kc_rest_signature_algorithm_known(req->signature_algorithm)) ok = false;
  if (!ok) {
    /* List.toString(): "[HmacSHA256, HmacSHA1]" */
    size_t off = (size_t)snprintf(msg, msg_size,
                                  "This worker does not support the '%s' key signing algorithm used by other workers. "
                                  "This worker is currently configured to use: [",
                                  req->signature_algorithm);
    for (size_t i = 0; i < nallowed && off < msg_size; i++)
      off += (size_t)snprintf(msg + off, msg_size - off, "%s%s", i ? ", " : "", allowed[i] ? allowed[i] : "null");
    if (off < msg_size)
      snprintf(msg + off, msg_size - off,
               "]. Check that all workers' configuration files permit the same set of signature algorithms, "
               "and correct any misconfigured worker and restart it.");
    return KC_HERDER_R_BAD_REQUEST;
  }
  if (!key) {
    snprintf(msg, msg_size,
             "This worker is still starting up and has not been able to read a session key from the config topic yet");
    return KC_HERDER_R_UNAVAILABLE;
  }
  int rc = kc_rest_signature_verify(key, klen, req->signature_algorithm, req->signature, req->raw_body,
                                    req->raw_body_len);
  if (rc == 0) return KC_HERDER_R_OK;
  if (rc == KC_ENOMEM) {
    snprintf(msg, msg_size, "Out of memory");
    return KC_HERDER_R_INTERNAL;
  }
  /* an empty key is InvalidKeyException in Java, a ConnectException: 500 */
  if (rc == KC_EINVAL) {
    snprintf(msg, msg_size, "java.security.InvalidKeyException: the session key is empty");
    return KC_HERDER_R_INTERNAL;
  }
  snprintf(msg, msg_size, "Internal request contained invalid signature.");
  return KC_HERDER_R_FORBIDDEN;
}
