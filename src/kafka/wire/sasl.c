/*
 * SASL on broker connections (sasl.h, conn_internal.h): SaslHandshake v1 names
 * the mechanism, then SaslAuthenticate v1 carries PLAIN's one message or
 * SCRAM's two rounds. Authentication failures fail the connection with
 * KC_EINVAL (the group treats them as fatal, like Java's
 * SaslAuthenticationException); a mechanism the broker does not enable with
 * KC_ENOTSUP.
 */
#include "kafka/wire/sasl.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/conn_internal.h"

#define SCRAM_MIN_ITERATIONS 4096 /* Kafka's ScramMechanism.minIterations */

int kc_wire_sasl_plain(kc_buf_t *out, const char *user, const char *password) {
  int rc = kc_buf_append(out, "", 1);
  if (!rc) rc = kc_buf_puts(out, user);
  if (!rc) rc = kc_buf_append(out, "", 1);
  if (!rc) rc = kc_buf_puts(out, password);
  return rc;
}

/* ---- SCRAM ------------------------------------------------------------------------------- */

static const EVP_MD *md_of(const kc_wire_scram_t *s) {
  return s->mech == KC_WIRE_SASL_SCRAM_SHA_512 ? EVP_sha512() : EVP_sha256();
}

static int b64_append(kc_buf_t *out, const unsigned char *p, size_t n) {
  size_t need = 4 * ((n + 2) / 3);
  int rc = kc_buf_reserve(out, need);
  if (rc) return rc;
  int len = EVP_EncodeBlock((unsigned char *)out->data + out->len, p, (int)n);
  out->len += (size_t)len;
  out->data[out->len] = '\0';
  return 0;
}

/* Decodes @p n base64 chars into @p dst (room for 3n/4). @returns the byte count or -1. */
static int b64_decode(unsigned char *dst, const char *src, size_t n) {
  if (n % 4) return -1;
  int len = EVP_DecodeBlock(dst, (const unsigned char *)src, (int)n);
  if (len < 0) return -1;
  if (n && src[n - 1] == '=') len--;
  if (n > 1 && src[n - 2] == '=') len--;
  return len;
}

int kc_wire_scram_init(kc_wire_scram_t *s, kc_wire_sasl_mech_t mech, const char *user,
                       const char *password, const char *nonce) {
  memset(s, 0, sizeof *s);
  kc_buf_init(&s->first_bare, 0);
  if (mech != KC_WIRE_SASL_SCRAM_SHA_256 && mech != KC_WIRE_SASL_SCRAM_SHA_512) return KC_EINVAL;
  s->mech = mech;
  s->hlen = mech == KC_WIRE_SASL_SCRAM_SHA_512 ? 64 : 32;
  if (nonce) {
    if (strlen(nonce) >= sizeof s->nonce || strchr(nonce, ',')) return KC_EINVAL;
    snprintf(s->nonce, sizeof s->nonce, "%s", nonce);
  } else {
    unsigned char raw[32];
    if (RAND_bytes(raw, sizeof raw) != 1) return KC_EIO;
    EVP_EncodeBlock((unsigned char *)s->nonce, raw, 30); /* 40 chars, no '=' padding */
  }
  s->user = strdup(user ? user : "");
  s->password = strdup(password ? password : "");
  if (!s->user || !s->password) return KC_ENOMEM;
  /* saslname: ',' and '=' escaped (RFC 5802 5.1) */
  int rc = kc_buf_puts(&s->first_bare, "n=");
  for (const char *p = s->user; !rc && *p; p++)
    rc = *p == ',' ? kc_buf_puts(&s->first_bare, "=2C")
       : *p == '=' ? kc_buf_puts(&s->first_bare, "=3D")
                   : kc_buf_append(&s->first_bare, p, 1);
  if (!rc) rc = kc_buf_printf(&s->first_bare, ",r=%s", s->nonce);
  return rc;
}

void kc_wire_scram_free(kc_wire_scram_t *s) {
  if (s->password) OPENSSL_cleanse(s->password, strlen(s->password));
  free(s->user);
  free(s->password);
  kc_buf_free(&s->first_bare);
  OPENSSL_cleanse(s->server_sig, sizeof s->server_sig);
  s->user = s->password = NULL;
}

int kc_wire_scram_client_first(kc_wire_scram_t *s, kc_buf_t *out) {
  int rc = kc_buf_puts(out, "n,,");
  if (!rc) rc = kc_buf_append(out, s->first_bare.data, s->first_bare.len);
  if (!rc) s->step = 1;
  return rc;
}

/* The value of attribute @p key ("r", "s", "i") in a "k=v,k=v" message, NUL-terminated in
 * @p dst. @returns false when absent or too long. */
static bool attr(const char *in, size_t n, char key, char *dst, size_t size) {
  const char *p = in, *end = in + n;
  while (p < end) {
    const char *comma = memchr(p, ',', (size_t)(end - p));
    const char *stop = comma ? comma : end;
    if (stop - p >= 2 && p[0] == key && p[1] == '=') {
      size_t len = (size_t)(stop - p - 2);
      if (len >= size) return false;
      memcpy(dst, p + 2, len);
      dst[len] = '\0';
      return true;
    }
    p = stop + 1;
  }
  return false;
}

static bool hmac(const kc_wire_scram_t *s, const unsigned char *key, size_t klen, const void *msg,
                 size_t mlen, unsigned char *out) {
  unsigned int olen = 0;
  return HMAC(md_of(s), key, (int)klen, msg, mlen, out, &olen) != NULL && olen == s->hlen;
}

int kc_wire_scram_client_final(kc_wire_scram_t *s, const char *in, size_t n, kc_buf_t *out,
                               char *why, size_t why_size) {
  char nonce[256], salt64[256], iters[16], err[128];
  if (s->step != 1) {
    snprintf(why, why_size, "SCRAM: unexpected server-first message");
    return KC_EINVAL;
  }
  if (attr(in, n, 'e', err, sizeof err)) {
    snprintf(why, why_size, "SCRAM: server error %s", err);
    return KC_EINVAL;
  }
  if (!attr(in, n, 'r', nonce, sizeof nonce) || !attr(in, n, 's', salt64, sizeof salt64) ||
      !attr(in, n, 'i', iters, sizeof iters)) {
    snprintf(why, why_size, "SCRAM: malformed server-first message");
    return KC_EINVAL;
  }
  if (strncmp(nonce, s->nonce, strlen(s->nonce)) != 0 || strlen(nonce) == strlen(s->nonce)) {
    snprintf(why, why_size, "SCRAM: server nonce does not extend the client nonce");
    return KC_EINVAL;
  }
  char *iend;
  long it = strtol(iters, &iend, 10);
  if (*iend || it < SCRAM_MIN_ITERATIONS || it > 10000000) {
    snprintf(why, why_size, "SCRAM: %s iterations (at least %d required)", iters,
             SCRAM_MIN_ITERATIONS);
    return KC_EINVAL;
  }
  unsigned char salt[192];
  int slen = b64_decode(salt, salt64, strlen(salt64));
  if (slen <= 0) {
    snprintf(why, why_size, "SCRAM: bad salt");
    return KC_EINVAL;
  }
  unsigned char salted[64], ckey[64], stored[64], csig[64], proof[64], skey[64];
  unsigned int hl = 0;
  bool ok = PKCS5_PBKDF2_HMAC(s->password, (int)strlen(s->password), salt, slen, (int)it,
                              md_of(s), (int)s->hlen, salted) == 1;
  ok = ok && hmac(s, salted, s->hlen, "Client Key", 10, ckey);
  ok = ok && EVP_Digest(ckey, s->hlen, stored, &hl, md_of(s), NULL) == 1 && hl == s->hlen;
  kc_buf_t final_wo_proof, auth;
  kc_buf_init(&final_wo_proof, 0);
  kc_buf_init(&auth, 0);
  int rc = kc_buf_printf(&final_wo_proof, "c=biws,r=%s", nonce); /* biws = base64("n,,") */
  if (!rc) rc = kc_buf_printf(&auth, "%s,%.*s,%s", s->first_bare.data, (int)n, in, final_wo_proof.data);
  ok = ok && !rc && hmac(s, stored, s->hlen, auth.data, auth.len, csig);
  for (size_t i = 0; ok && i < s->hlen; i++) proof[i] = ckey[i] ^ csig[i];
  ok = ok && hmac(s, salted, s->hlen, "Server Key", 10, skey);
  ok = ok && hmac(s, skey, s->hlen, auth.data, auth.len, s->server_sig);
  if (ok && !rc) rc = kc_buf_append(out, final_wo_proof.data, final_wo_proof.len);
  if (ok && !rc) rc = kc_buf_puts(out, ",p=");
  if (ok && !rc) rc = b64_append(out, proof, s->hlen);
  kc_buf_free(&final_wo_proof);
  kc_buf_free(&auth);
  OPENSSL_cleanse(salted, sizeof salted);
  OPENSSL_cleanse(ckey, sizeof ckey);
  OPENSSL_cleanse(skey, sizeof skey);
  if (!ok && !rc) {
    snprintf(why, why_size, "SCRAM: OpenSSL key derivation failed");
    rc = KC_EIO;
  }
  if (!rc) s->step = 2;
  return rc;
}

int kc_wire_scram_verify(kc_wire_scram_t *s, const char *in, size_t n, char *why, size_t why_size) {
  char v[128], err[128];
  if (s->step != 2) {
    snprintf(why, why_size, "SCRAM: unexpected server-final message");
    return KC_EINVAL;
  }
  if (attr(in, n, 'e', err, sizeof err)) {
    snprintf(why, why_size, "SCRAM: server error %s", err);
    return KC_EINVAL;
  }
  unsigned char sig[96];
  int len = attr(in, n, 'v', v, sizeof v) ? b64_decode(sig, v, strlen(v)) : -1;
  if (len != (int)s->hlen || CRYPTO_memcmp(sig, s->server_sig, s->hlen) != 0) {
    snprintf(why, why_size, "SCRAM: invalid server signature");
    return KC_EINVAL;
  }
  return 0;
}

/* ---- over the connection ----------------------------------------------------------------- */

struct kc_wire_sasl_s {
  const kc_wire_security_t *sec;
  kc_wire_scram_t scram;
  int round;
};

void kc_wire_sasl_free(kc_wire_sasl_t *s) {
  if (!s) return;
  kc_wire_scram_free(&s->scram);
  free(s);
}

static void on_authenticate(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r);

static int send_auth(kc_wire_conn_t *c, kc_wire_sasl_t *s, const kc_buf_t *bytes) {
  kc_buf_t body;
  kc_buf_init(&body, 0);
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, &body);
  kc_wire_put_bytes(&w, bytes->data, bytes->len);
  int rc = w.err;
  if (!rc) rc = kc_wire_conn_request_setup(c, KC_API_SASL_AUTHENTICATE, 1, &body, on_authenticate, s);
  if (body.data) OPENSSL_cleanse(body.data, body.len);
  kc_buf_free(&body);
  return rc;
}

static void on_authenticate(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_wire_sasl_t *s = arg;
  if (err) return;
  int16_t ec = kc_wire_get_i16(r);
  char msg[256];
  kc_wire_get_str_copy(r, msg, sizeof msg);
  const void *bytes;
  size_t n;
  kc_wire_get_bytes(r, &bytes, &n);
  kc_wire_get_i64(r); /* SessionLifetimeMs (v1): expiry closes the connection; we reconnect */
  const char *mech = kc_wire_sasl_mech_name(s->sec->mechanism);
  if (r->err) {
    kc_wire_conn_fail(c, KC_EIO, "%s: malformed SaslAuthenticate response", kc_wire_conn_name(c));
    return;
  }
  if (ec) {
    kc_wire_conn_fail(c, KC_EINVAL, "%s: SASL %s authentication failed: %s%s%s",
                      kc_wire_conn_name(c), mech, kc_wire_error_name(ec), msg[0] ? ": " : "", msg);
    return;
  }
  char why[256] = "";
  int rc = 0;
  if (s->sec->mechanism == KC_WIRE_SASL_PLAIN || s->round == 2) {
    if (s->round == 2) rc = kc_wire_scram_verify(&s->scram, bytes, n, why, sizeof why);
    if (!rc) {
      kc_wire_conn_set_ready(c);
      return;
    }
  } else {
    kc_buf_t out;
    kc_buf_init(&out, 0);
    rc = kc_wire_scram_client_final(&s->scram, bytes, n, &out, why, sizeof why);
    s->round = 2;
    if (!rc) rc = send_auth(c, s, &out);
    kc_buf_free(&out);
    if (!rc) return;
  }
  kc_wire_conn_fail(c, KC_EINVAL, "%s: SASL %s authentication failed: %s", kc_wire_conn_name(c),
                    mech, why[0] ? why : kc_strerror(rc));
}

static void on_handshake(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_wire_sasl_t *s = arg;
  if (err) return;
  int16_t ec = kc_wire_get_i16(r);
  char enabled[256] = "";
  int32_t n = kc_wire_get_array(r, 2);
  for (int32_t i = 0; i < n && !r->err; i++) {
    const char *m;
    size_t ml;
    kc_wire_get_str(r, &m, &ml);
    size_t used = strlen(enabled);
    snprintf(enabled + used, sizeof enabled - used, "%s%.*s", i ? ", " : "", (int)ml, m);
  }
  const char *mech = kc_wire_sasl_mech_name(s->sec->mechanism);
  if (ec) {
    kc_wire_conn_fail(c, ec == KC_KERR_UNSUPPORTED_SASL_MECHANISM ? KC_ENOTSUP : KC_EINVAL,
                      "%s: sasl.mechanism=%s: SaslHandshake answered %s (the broker enables: %s)",
                      kc_wire_conn_name(c), mech, kc_wire_error_name(ec), enabled);
    return;
  }
  kc_buf_t first;
  kc_buf_init(&first, 0);
  int rc;
  if (s->sec->mechanism == KC_WIRE_SASL_PLAIN) {
    rc = kc_wire_sasl_plain(&first, s->sec->username, s->sec->password);
  } else {
    rc = kc_wire_scram_init(&s->scram, s->sec->mechanism, s->sec->username, s->sec->password, NULL);
    if (!rc) rc = kc_wire_scram_client_first(&s->scram, &first);
    s->round = 1;
  }
  if (!rc) rc = send_auth(c, s, &first);
  if (first.data) OPENSSL_cleanse(first.data, first.len);
  kc_buf_free(&first);
  if (rc) kc_wire_conn_fail(c, rc, "%s: SASL %s: %s", kc_wire_conn_name(c), mech, kc_strerror(rc));
}

int kc_wire_sasl_start(kc_wire_conn_t *c, const kc_wire_security_t *sec, kc_wire_sasl_t **out) {
  kc_wire_sasl_t *s = calloc(1, sizeof *s);
  *out = s;
  if (!s) return KC_ENOMEM;
  s->sec = sec;
  kc_buf_init(&s->scram.first_bare, 0);
  kc_buf_t body;
  kc_buf_init(&body, 0);
  kc_wire_writer_t w;
  kc_wire_writer_init(&w, &body);
  kc_wire_put_str(&w, kc_wire_sasl_mech_name(sec->mechanism));
  int rc = w.err;
  if (!rc) rc = kc_wire_conn_request_setup(c, KC_API_SASL_HANDSHAKE, 1, &body, on_handshake, s);
  kc_buf_free(&body);
  return rc;
}
