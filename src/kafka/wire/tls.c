/*
 * TLS for broker connections: one OpenSSL client context per group (trust store
 * from the worker's ssl.truststore.* keys or the system default, client
 * certificate from ssl.keystore.* as PEM or PKCS12), and a session
 * per connection on memory BIOs, so the loop owns the socket and OpenSSL never
 * blocks. Handshake, certificate and hostname failures fail the connection with
 * KC_EINVAL (fatal for the group, as Java's SslAuthenticationException).
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kafka/wire/conn_internal.h"

#define MAX_STORE_BYTES (4 * 1024 * 1024)
#define TLS_CHUNK (16 * 1024)

struct kc_wire_tls_s {
  SSL *ssl;
  BIO *rbio, *wbio; /* owned by ssl */
  bool up;
  bool verify_hostname;
  char host[256];
};

/* ---- the context ------------------------------------------------------------------------- */

static const char *ossl_error(char *buf, size_t size) {
  unsigned long e = ERR_get_error();
  if (e) ERR_error_string_n(e, buf, size);
  else snprintf(buf, size, "unknown OpenSSL error");
  ERR_clear_error();
  return buf;
}

static int add_pem_certs(SSL_CTX *ctx, const char *data, size_t n, int *count) {
  BIO *b = BIO_new_mem_buf(data, (int)n);
  if (!b) return KC_ENOMEM;
  X509 *x;
  while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
    if (X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), x) == 1) (*count)++;
    X509_free(x);
  }
  BIO_free(b);
  ERR_clear_error(); /* the read that ended the loop */
  return 0;
}

static int read_store(const char *path, const char *key, char **out, size_t *len, char *errstr,
                      size_t errstr_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(errstr, errstr_size, "%s=%s: %s", key, path, strerror(errno));
    return KC_EINVAL;
  }
  char *buf = malloc(MAX_STORE_BYTES);
  size_t n = buf ? fread(buf, 1, MAX_STORE_BYTES, f) : 0;
  bool bad = !buf || ferror(f) || n == MAX_STORE_BYTES;
  fclose(f);
  if (bad) {
    free(buf);
    snprintf(errstr, errstr_size, "%s=%s: unreadable or larger than %d bytes", key, path,
             MAX_STORE_BYTES);
    return KC_EINVAL;
  }
  *out = buf;
  *len = n;
  return 0;
}

static int add_pkcs12_certs(SSL_CTX *ctx, const char *data, size_t n, const char *password,
                            const char *path, int *count, char *errstr, size_t errstr_size) {
  const unsigned char *p = (const unsigned char *)data;
  PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)n);
  if (!p12) {
    ERR_clear_error();
    snprintf(errstr, errstr_size, "ssl.truststore.location=%s: not a PKCS12 file (ssl.truststore.type=PKCS12)", path);
    return KC_EINVAL;
  }
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *ca = NULL;
  int rc = 0;
  if (!PKCS12_parse(p12, password, &key, &cert, &ca)) {
    char e[160];
    snprintf(errstr, errstr_size, "ssl.truststore.password: cannot read the PKCS12 trust store %s (%s)",
             path, ossl_error(e, sizeof e));
    rc = KC_EINVAL;
  } else {
    X509_STORE *st = SSL_CTX_get_cert_store(ctx);
    if (cert && X509_STORE_add_cert(st, cert) == 1) (*count)++;
    for (int i = 0; ca && i < sk_X509_num(ca); i++)
      if (X509_STORE_add_cert(st, sk_X509_value(ca, i)) == 1) (*count)++;
    ERR_clear_error();
  }
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  return rc;
}

static int load_trust(SSL_CTX *ctx, const kc_config_t *props, char *errstr, size_t errstr_size) {
  const char *loc = kc_config_get(props, "ssl.truststore.location");
  const char *inline_certs = kc_config_get(props, "ssl.truststore.certificates");
  const char *type = kc_config_get(props, "ssl.truststore.type");
  if (loc && !*loc) loc = NULL;
  if (inline_certs && !*inline_certs) inline_certs = NULL;
  if (!loc && !inline_certs) {
    if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      snprintf(errstr, errstr_size, "ssl.truststore.location: unset and no system CA store");
      return KC_EINVAL;
    }
    return 0;
  }
  int count = 0, rc = 0;
  if (inline_certs) {
    if (loc) {
      snprintf(errstr, errstr_size, "ssl.truststore.certificates: cannot be set with ssl.truststore.location");
      return KC_EINVAL;
    }
    rc = add_pem_certs(ctx, inline_certs, strlen(inline_certs), &count);
  } else {
    char *data = NULL;
    size_t n = 0;
    rc = read_store(loc, "ssl.truststore.location", &data, &n, errstr, errstr_size);
    if (rc) return rc;
    const unsigned char *u = (const unsigned char *)data;
    bool jks = n >= 4 && ((u[0] == 0xFE && u[1] == 0xED && u[2] == 0xFE && u[3] == 0xED) ||
                          (u[0] == 0xCE && u[1] == 0xCE && u[2] == 0xCE && u[3] == 0xCE));
    bool pem = memmem(data, n, "-----BEGIN", 10) != NULL;
    if (jks) {
      snprintf(errstr, errstr_size,
               "ssl.truststore.location=%s: a JKS trust store, which OpenSSL cannot read; convert it "
               "to PKCS12 (keytool -importkeystore) or PEM and set ssl.truststore.type",
               loc);
      rc = KC_EINVAL;
    } else if (type && strcasecmp(type, "PEM") && strcasecmp(type, "PKCS12") && strcasecmp(type, "JKS")) {
      snprintf(errstr, errstr_size, "ssl.truststore.type=%s: not supported (PEM or PKCS12)", type);
      rc = KC_EINVAL;
    } else if (pem) {
      rc = add_pem_certs(ctx, data, n, &count);
    } else {
      rc = add_pkcs12_certs(ctx, data, n, kc_config_get(props, "ssl.truststore.password"), loc,
                            &count, errstr, errstr_size);
    }
    free(data);
  }
  if (!rc && count == 0) {
    snprintf(errstr, errstr_size, "%s: no usable certificate",
             inline_certs ? "ssl.truststore.certificates" : "ssl.truststore.location");
    rc = KC_EINVAL;
  }
  return rc;
}

/* ---- client certificate (ssl.keystore.*) ---------------------------------------------- */

static int pem_password(char *buf, int size, int rwflag, void *u) {
  const char *p = u;
  int n = p ? (int)strlen(p) : 0;
  if (n > size) n = size;
  if (n) memcpy(buf, p, (size_t)n);
  return n;
}

/* Leaf certificate, chain and private key from PEM text (Java's PEM key store: the key
 * encrypted with ssl.key.password, or not encrypted). */
static int use_pem_identity(SSL_CTX *ctx, const char *certs, size_t certs_len, const char *key,
                            size_t key_len, const char *key_password, const char *what,
                            char *errstr, size_t errstr_size) {
  BIO *b = BIO_new_mem_buf(certs, (int)certs_len);
  X509 *leaf = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
  int rc = 0;
  char e[160];
  if (!leaf || SSL_CTX_use_certificate(ctx, leaf) != 1) {
    snprintf(errstr, errstr_size, "%s: no usable certificate (%s)", what, ossl_error(e, sizeof e));
    rc = KC_EINVAL;
  }
  X509 *x;
  while (!rc && (x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL)
    if (SSL_CTX_add0_chain_cert(ctx, x) != 1) X509_free(x);
  ERR_clear_error();
  X509_free(leaf);
  BIO_free(b);
  if (rc) return rc;
  b = BIO_new_mem_buf(key, (int)key_len);
  EVP_PKEY *pk = b ? PEM_read_bio_PrivateKey(b, NULL, pem_password, (void *)key_password) : NULL;
  BIO_free(b);
  if (!pk || SSL_CTX_use_PrivateKey(ctx, pk) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    snprintf(errstr, errstr_size,
             "%s: no usable private key (wrong ssl.key.password, or no key matching the certificate: %s)",
             what, ossl_error(e, sizeof e));
    rc = KC_EINVAL;
  }
  EVP_PKEY_free(pk);
  return rc;
}

static int use_pkcs12_identity(SSL_CTX *ctx, const char *data, size_t n, const char *password,
                               const char *path, char *errstr, size_t errstr_size) {
  const unsigned char *p = (const unsigned char *)data;
  PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)n);
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *ca = NULL;
  char e[160];
  int rc = 0;
  if (!p12) {
    snprintf(errstr, errstr_size, "ssl.keystore.location=%s: neither a PKCS12 nor a PEM key store", path);
    rc = KC_EINVAL;
  } else if (!PKCS12_parse(p12, password, &key, &cert, &ca)) {
    snprintf(errstr, errstr_size, "ssl.keystore.password: cannot read the PKCS12 key store %s (%s)", path,
             ossl_error(e, sizeof e));
    rc = KC_EINVAL;
  } else if (!key || !cert || SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 ||
             SSL_CTX_check_private_key(ctx) != 1) {
    snprintf(errstr, errstr_size, "ssl.keystore.location=%s: no certificate with its private key", path);
    rc = KC_EINVAL;
  }
  for (int i = 0; !rc && ca && i < sk_X509_num(ca); i++)
    if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(ca, i)) != 1) ERR_clear_error();
  ERR_clear_error();
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  return rc;
}

static int load_identity(SSL_CTX *ctx, const kc_config_t *props, char *errstr, size_t errstr_size) {
  const char *loc = kc_config_get(props, "ssl.keystore.location");
  const char *chain = kc_config_get(props, "ssl.keystore.certificate.chain");
  const char *key = kc_config_get(props, "ssl.keystore.key");
  const char *type = kc_config_get(props, "ssl.keystore.type");
  const char *store_pw = kc_config_get(props, "ssl.keystore.password");
  const char *key_pw = kc_config_get(props, "ssl.key.password");
  if (loc && !*loc) loc = NULL;
  if ((chain && *chain) || (key && *key)) {
    if (loc || !chain || !*chain || !key || !*key) {
      snprintf(errstr, errstr_size,
               "ssl.keystore.key: needs ssl.keystore.certificate.chain, and not ssl.keystore.location");
      return KC_EINVAL;
    }
    return use_pem_identity(ctx, chain, strlen(chain), key, strlen(key), key_pw, "ssl.keystore.key",
                            errstr, errstr_size);
  }
  if (!loc) {
    if (key_pw && *key_pw) {
      snprintf(errstr, errstr_size, "ssl.key.password: set without a key store (ssl.keystore.location)");
      return KC_EINVAL;
    }
    return 0;
  }
  if (type && strcasecmp(type, "PEM") && strcasecmp(type, "PKCS12") && strcasecmp(type, "JKS")) {
    snprintf(errstr, errstr_size, "ssl.keystore.type=%s: not supported (PEM or PKCS12)", type);
    return KC_EINVAL;
  }
  char *data = NULL;
  size_t n = 0;
  int rc = read_store(loc, "ssl.keystore.location", &data, &n, errstr, errstr_size);
  if (rc) return rc;
  const unsigned char *u = (const unsigned char *)data;
  if (n >= 4 && ((u[0] == 0xFE && u[1] == 0xED && u[2] == 0xFE && u[3] == 0xED) ||
                 (u[0] == 0xCE && u[1] == 0xCE && u[2] == 0xCE && u[3] == 0xCE))) {
    snprintf(errstr, errstr_size,
             "ssl.keystore.location=%s: a JKS key store, which OpenSSL cannot read; convert it to "
             "PKCS12 (keytool -importkeystore) and set ssl.keystore.type=PKCS12", loc);
    rc = KC_EINVAL;
  } else if (memmem(data, n, "-----BEGIN", 10)) {
    rc = use_pem_identity(ctx, data, n, data, n, key_pw, "ssl.keystore.location", errstr, errstr_size);
  } else if (key_pw && *key_pw && (!store_pw || strcmp(key_pw, store_pw) != 0)) {
    /* OpenSSL reads a PKCS12 store with one password */
    snprintf(errstr, errstr_size,
             "ssl.key.password: must equal ssl.keystore.password for a PKCS12 key store");
    rc = KC_EINVAL;
  } else {
    rc = use_pkcs12_identity(ctx, data, n, store_pw, loc, errstr, errstr_size);
  }
  OPENSSL_cleanse(data, n);
  free(data);
  return rc;
}

/* ssl.enabled.protocols -> the OpenSSL version range. */
static int apply_protocols(SSL_CTX *ctx, const kc_config_t *props, char *errstr, size_t errstr_size) {
  const char *list = kc_config_get(props, "ssl.enabled.protocols");
  int lo = TLS1_2_VERSION, hi = TLS1_3_VERSION;
  if (list && *list) {
    lo = hi = 0;
    char *copy = strdup(list), *save = NULL;
    if (!copy) return KC_ENOMEM;
    for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save)) {
      int v = strcmp(t, "TLSv1.2") == 0 ? TLS1_2_VERSION : strcmp(t, "TLSv1.3") == 0 ? TLS1_3_VERSION : 0;
      if (!v) {
        snprintf(errstr, errstr_size, "ssl.enabled.protocols=%s: %s not supported (TLSv1.2, TLSv1.3)", list, t);
        free(copy);
        return KC_EINVAL;
      }
      if (!lo || v < lo) lo = v;
      if (v > hi) hi = v;
    }
    free(copy);
    if (!lo) {
      snprintf(errstr, errstr_size, "ssl.enabled.protocols: empty");
      return KC_EINVAL;
    }
  }
  SSL_CTX_set_min_proto_version(ctx, lo);
  SSL_CTX_set_max_proto_version(ctx, hi);
  return 0;
}

int kc_wire_tls_ctx_new(kc_wire_security_t *s, const kc_config_t *props, char *errstr,
                        size_t errstr_size) {
  /* What this client cannot apply is refused rather than ignored. */
  static const char *const unsupported[] = {
      "ssl.cipher.suites", "ssl.provider", "ssl.engine.factory.class",
  };
  for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
    const char *v = kc_config_get(props, unsupported[i]);
    if (v && *v) {
      snprintf(errstr, errstr_size,
               "%s: not supported by the distributed group member (OpenSSL's default ciphers, "
               "no Java providers)",
               unsupported[i]);
      return KC_ENOTSUP;
    }
  }
  const char *eia = kc_config_get(props, "ssl.endpoint.identification.algorithm");
  if (!eia || strcasecmp(eia, "https") == 0) {
    s->verify_hostname = true;
  } else if (*eia) {
    snprintf(errstr, errstr_size, "ssl.endpoint.identification.algorithm=%s: https or empty", eia);
    return KC_EINVAL;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    snprintf(errstr, errstr_size, "security.protocol: cannot create a TLS context");
    return KC_ENOMEM;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
  int rc = apply_protocols(ctx, props, errstr, errstr_size);
  if (!rc) rc = load_trust(ctx, props, errstr, errstr_size);
  if (!rc) rc = load_identity(ctx, props, errstr, errstr_size);
  if (rc) {
    SSL_CTX_free(ctx);
    return rc;
  }
  s->ssl_ctx = ctx;
  return 0;
}

void kc_wire_tls_ctx_free(void *ctx) { SSL_CTX_free(ctx); }

/* ---- sessions ---------------------------------------------------------------------------- */

void kc_wire_tls_free(kc_wire_tls_t *t) {
  if (!t) return;
  SSL_free(t->ssl);
  free(t);
}

/* Sends what OpenSSL produced. */
static int flush(kc_wire_tls_t *t, kc_wire_conn_t *c) {
  char buf[TLS_CHUNK];
  int n;
  while ((n = BIO_read(t->wbio, buf, sizeof buf)) > 0) {
    int rc = kc_wire_conn_write_raw(c, buf, (size_t)n);
    if (rc) return rc;
  }
  return 0;
}

static void tls_fail(kc_wire_tls_t *t, kc_wire_conn_t *c, const char *what) {
  long vr = SSL_get_verify_result(t->ssl);
  char e[200];
  if (vr != X509_V_OK)
    kc_wire_conn_fail(c, KC_EINVAL, "%s: TLS %s: certificate verification failed: %s%s%s",
                      kc_wire_conn_name(c), what, X509_verify_cert_error_string(vr),
                      vr == X509_V_ERR_HOSTNAME_MISMATCH ? " for " : "",
                      vr == X509_V_ERR_HOSTNAME_MISMATCH ? t->host : "");
  else
    kc_wire_conn_fail(c, KC_EINVAL, "%s: TLS %s failed: %s", kc_wire_conn_name(c), what,
                      ossl_error(e, sizeof e));
}

static void handshake(kc_wire_tls_t *t, kc_wire_conn_t *c) {
  int r = SSL_do_handshake(t->ssl);
  if (flush(t, c)) return;
  if (r == 1) {
    t->up = true;
    kc_wire_conn_transport_up(c);
    return;
  }
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return;
  tls_fail(t, c, "handshake");
}

int kc_wire_tls_start(kc_wire_conn_t *c, const kc_wire_security_t *sec, const char *host,
                      kc_wire_tls_t **out) {
  kc_wire_tls_t *t = calloc(1, sizeof *t);
  *out = t;
  if (!t) return KC_ENOMEM;
  snprintf(t->host, sizeof t->host, "%s", host);
  t->ssl = SSL_new(sec->ssl_ctx);
  t->rbio = BIO_new(BIO_s_mem());
  t->wbio = BIO_new(BIO_s_mem());
  if (!t->ssl || !t->rbio || !t->wbio) {
    BIO_free(t->rbio);
    BIO_free(t->wbio);
    return KC_ENOMEM;
  }
  SSL_set_bio(t->ssl, t->rbio, t->wbio);
  SSL_set_connect_state(t->ssl);
  ASN1_OCTET_STRING *ip = a2i_IPADDRESS(host);
  if (!ip) SSL_set_tlsext_host_name(t->ssl, host); /* SNI takes host names only */
  if (sec->verify_hostname) {
    X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
    int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) : X509_VERIFY_PARAM_set1_host(vp, host, 0);
    if (ok != 1) {
      ASN1_OCTET_STRING_free(ip);
      return KC_ENOMEM;
    }
  }
  ASN1_OCTET_STRING_free(ip);
  ERR_clear_error();
  handshake(t, c);
  return 0;
}

void kc_wire_tls_feed(kc_wire_tls_t *t, kc_wire_conn_t *c, const void *p, size_t n) {
  if (BIO_write(t->rbio, p, (int)n) != (int)n) {
    kc_wire_conn_fail(c, KC_ENOMEM, "%s: TLS buffer", kc_wire_conn_name(c));
    return;
  }
  if (!t->up) {
    handshake(t, c);
    if (!t->up) return;
  }
  /* Everything decryptable from what arrived: bounded by this read. */
  char buf[TLS_CHUNK];
  for (;;) {
    int r = SSL_read(t->ssl, buf, sizeof buf);
    if (r > 0) {
      kc_wire_conn_feed(c, buf, (size_t)r);
      continue;
    }
    int e = SSL_get_error(t->ssl, r);
    if (flush(t, c)) return; /* TLS 1.3 key updates and the like */
    if (e == SSL_ERROR_WANT_READ) return;
    if (e == SSL_ERROR_ZERO_RETURN)
      kc_wire_conn_fail(c, KC_EIO, "%s: TLS connection closed by the broker", kc_wire_conn_name(c));
    else
      tls_fail(t, c, "read");
    return;
  }
}

int kc_wire_tls_write(kc_wire_tls_t *t, kc_wire_conn_t *c, const void *p, size_t n) {
  if (!t->up) return KC_ESTATE;
  if (n && SSL_write(t->ssl, p, (int)n) != (int)n) {
    tls_fail(t, c, "write");
    return KC_EIO;
  }
  return flush(t, c);
}
