/*
 * DESIGN: TLS contexts for the REST listeners, as Connect's SSLUtils builds
 * Jetty's SslContextFactory.Server, on OpenSSL.
 *
 * Keys (Connect's names; the prefix is "listeners.https." or
 * "admin.listeners.https.", all-or-nothing as AbstractConfig.
 * valuesWithPrefixAllOrNothing: one prefixed key means every unprefixed one is
 * ignored, and unset ones take Kafka's defaults):
 *   applied    ssl.keystore.{type,location,password,key,certificate.chain},
 *              ssl.key.password, ssl.truststore.{type,location,password,certificates},
 *              ssl.client.auth, ssl.enabled.protocols, ssl.protocol, ssl.cipher.suites
 *   no effect  ssl.keymanager.algorithm, ssl.trustmanager.algorithm (OpenSSL's
 *              X.509 code does both jobs), ssl.secure.random.implementation
 *              (OpenSSL's DRBG), ssl.endpoint.identification.algorithm (a
 *              client-side check; Jetty's server ignores it too)
 *   rejected   ssl.provider, ssl.engine.factory.class (Java classes), and any
 *              other key under the prefix
 * Keystore formats: PKCS12 and PEM (a file holding the private key and the
 * chain, or inline ssl.keystore.key / ssl.keystore.certificate.chain).
 * ssl.keystore.type defaults to JKS as in Java; like Java's keystore.type.compat
 * a PKCS12 file is read whatever the type says, and a real JKS file (magic
 * FEEDFEED) is refused with the keytool command that converts it.
 */
#include "rest/tls.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"

#define LOGGER "kc.rest"
#define MAX_STORE_BYTES (4 * 1024 * 1024)

struct kc_rest_tls_s {
  SSL_CTX *ctx;
};

typedef struct {
  const kc_config_t *props;
  const char *prefix; /* NULL: the top-level keys */
  char shown[256];
  char *err;
  size_t errn;
} keys_t;

static const char *const applied_keys[] = {
    "ssl.keystore.type", "ssl.keystore.location", "ssl.keystore.password", "ssl.keystore.key",
    "ssl.keystore.certificate.chain", "ssl.key.password", "ssl.truststore.type",
    "ssl.truststore.location", "ssl.truststore.password", "ssl.truststore.certificates",
    "ssl.client.auth", "ssl.enabled.protocols", "ssl.protocol", "ssl.cipher.suites",
    "ssl.keymanager.algorithm", "ssl.trustmanager.algorithm", "ssl.secure.random.implementation",
    "ssl.endpoint.identification.algorithm", NULL};
static const char *const rejected_keys[] = {"ssl.provider", "ssl.engine.factory.class", NULL};

static const char *name(keys_t *k, const char *key) {
  snprintf(k->shown, sizeof(k->shown), "%s%s", k->prefix ? k->prefix : "", key);
  return k->shown;
}

static const char *get(keys_t *k, const char *key) {
  const char *v = kc_config_get(k->props, name(k, key));
  return v;
}

static int fail(keys_t *k, const char *key, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(keys_t *k, const char *key, const char *fmt, ...) {
  int n = snprintf(k->err, k->errn, "%s: ", name(k, key));
  va_list ap;
  va_start(ap, fmt);
  if (n >= 0 && (size_t)n < k->errn) vsnprintf(k->err + n, k->errn - (size_t)n, fmt, ap);
  va_end(ap);
  return -1;
}

const char *kc_rest_tls_error(char *buf, size_t size) {
  unsigned long e = ERR_peek_last_error();
  if (!e) snprintf(buf, size, "unknown TLS error");
  else ERR_error_string_n(e, buf, size);
  ERR_clear_error();
  return buf;
}

/* Reads a whole (small) file; @returns its size or -1 with errstr. */
static long read_file(keys_t *k, const char *key, const char *path, char **out) {
  FILE *f = fopen(path, "rb");
  if (!f) return fail(k, key, "cannot open %s: %s", path, strerror(errno));
  char *buf = malloc(MAX_STORE_BYTES);
  size_t n = buf ? fread(buf, 1, MAX_STORE_BYTES, f) : 0;
  int bad = !buf || ferror(f) || n == MAX_STORE_BYTES;
  fclose(f);
  if (bad) {
    free(buf);
    return fail(k, key, "cannot read %s (unreadable or larger than %d bytes)", path, MAX_STORE_BYTES);
  }
  *out = buf;
  return (long)n;
}

typedef enum { FMT_DER, FMT_PEM, FMT_JKS } file_fmt_t;

static file_fmt_t sniff(const char *data, long n) {
  const unsigned char *u = (const unsigned char *)data;
  if (n >= 4 && ((u[0] == 0xFE && u[1] == 0xED && u[2] == 0xFE && u[3] == 0xED) ||
                 (u[0] == 0xCE && u[1] == 0xCE && u[2] == 0xCE && u[3] == 0xCE)))
    return FMT_JKS;
  if (memmem(data, (size_t)n, "-----BEGIN", 10)) return FMT_PEM;
  return FMT_DER;
}

static int jks_error(keys_t *k, const char *key, const char *path, const char *store) {
  return fail(k, key,
              "%s is a JKS keystore, which kconnect (OpenSSL) cannot read; convert it to PKCS12 "
              "(keytool -importkeystore -srckeystore %s -destkeystore %s.p12 -deststoretype PKCS12) "
              "and set %sssl.%s.type=PKCS12",
              path, path, path, k->prefix ? k->prefix : "", store);
}

static int pem_pass(char *buf, int size, int rwflag, void *u) {
  const char *p = u;
  if (!p) return 0;
  int n = (int)strlen(p);
  if (n > size) n = size;
  memcpy(buf, p, (size_t)n);
  return n;
}

/* --------------------------------------------------------------- keystore */

static int use_pem_key(keys_t *k, SSL_CTX *ctx, const char *data, long n, const char *what,
                       const char *key_key, const char *chain_data, long chain_n) {
  const char *pw = get(k, "ssl.key.password");
  if (!pw) pw = get(k, "ssl.keystore.password");
  BIO *b = BIO_new_mem_buf(data, (int)n);
  EVP_PKEY *pkey = b ? PEM_read_bio_PrivateKey(b, NULL, pem_pass, (void *)pw) : NULL;
  BIO_free(b);
  if (!pkey) {
    char e[160];
    kc_rest_tls_error(e, sizeof(e));
    return fail(k, pw ? "ssl.key.password" : key_key,
                "cannot read the private key of %s: %s (wrong ssl.key.password, or no PEM private key)",
                what, e);
  }
  int rc = SSL_CTX_use_PrivateKey(ctx, pkey);
  EVP_PKEY_free(pkey);
  b = BIO_new_mem_buf(chain_data, (int)chain_n);
  X509 *leaf = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
  if (rc == 1 && leaf) rc = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  X509 *extra;
  while (rc == 1 && b && (extra = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      rc = 0;
    }
  }
  BIO_free(b);
  ERR_clear_error(); /* the chain loop ends on "no start line" */
  if (rc != 1 || !leaf) return fail(k, key_key, "no certificate found in %s", what);
  if (SSL_CTX_check_private_key(ctx) != 1) {
    char e[160];
    return fail(k, key_key, "the private key of %s does not match its certificate: %s", what,
                kc_rest_tls_error(e, sizeof(e)));
  }
  return 0;
}

static int use_pkcs12_key(keys_t *k, SSL_CTX *ctx, const char *data, long n, const char *path) {
  const char *pw = get(k, "ssl.keystore.password");
  const char *kpw = get(k, "ssl.key.password");
  BIO *b = BIO_new_mem_buf(data, (int)n);
  PKCS12 *p12 = b ? d2i_PKCS12_bio(b, NULL) : NULL;
  BIO_free(b);
  if (!p12) {
    ERR_clear_error();
    return fail(k, "ssl.keystore.location", "%s is neither a PKCS12 nor a PEM keystore", path);
  }
  EVP_PKEY *pkey = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *ca = NULL;
  int ok = PKCS12_parse(p12, pw, &pkey, &cert, &ca);
  if (!ok && kpw && (!pw || strcmp(pw, kpw))) {
    ERR_clear_error();
    ok = PKCS12_parse(p12, kpw, &pkey, &cert, &ca);
  }
  PKCS12_free(p12);
  if (!ok) {
    char e[160];
    kc_rest_tls_error(e, sizeof(e));
    return fail(k, "ssl.keystore.password",
                "cannot read the PKCS12 keystore %s: wrong password or damaged file (%s)", path, e);
  }
  int rc = -1;
  if (!pkey || !cert) {
    fail(k, "ssl.keystore.location", "the PKCS12 keystore %s holds no private key with a certificate",
         path);
  } else if (SSL_CTX_use_certificate(ctx, cert) != 1 || SSL_CTX_use_PrivateKey(ctx, pkey) != 1 ||
             SSL_CTX_check_private_key(ctx) != 1) {
    char e[160];
    fail(k, "ssl.keystore.location", "cannot use the key of %s: %s", path, kc_rest_tls_error(e, sizeof(e)));
  } else {
    rc = 0;
    for (int i = 0; ca && i < sk_X509_num(ca) && rc == 0; i++) {
      if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(ca, i)) != 1) rc = -1;
    }
    if (rc) fail(k, "ssl.keystore.location", "cannot use the chain of %s", path);
  }
  EVP_PKEY_free(pkey);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  return rc;
}

static int load_keystore(keys_t *k, SSL_CTX *ctx) {
  const char *type = get(k, "ssl.keystore.type");
  if (!type || !*type) type = "JKS";
  const char *loc = get(k, "ssl.keystore.location");
  const char *inline_key = get(k, "ssl.keystore.key");
  const char *inline_chain = get(k, "ssl.keystore.certificate.chain");
  bool pem = !strcasecmp(type, "PEM");
  if (!pem && strcasecmp(type, "PKCS12") && strcasecmp(type, "JKS"))
    return fail(k, "ssl.keystore.type", "unsupported keystore type %s (PKCS12 or PEM)", type);
  if ((inline_key && *inline_key) || (inline_chain && *inline_chain)) {
    if (!pem)
      return fail(k, "ssl.keystore.key",
                  "inline keys (ssl.keystore.key, ssl.keystore.certificate.chain) need ssl.keystore.type=PEM");
    if (loc && *loc)
      return fail(k, "ssl.keystore.location", "cannot be set together with ssl.keystore.key");
    if (!inline_key || !*inline_key || !inline_chain || !*inline_chain)
      return fail(k, inline_key && *inline_key ? "ssl.keystore.certificate.chain" : "ssl.keystore.key",
                  "both ssl.keystore.key and ssl.keystore.certificate.chain are needed");
    return use_pem_key(k, ctx, inline_key, (long)strlen(inline_key), "ssl.keystore.key",
                       "ssl.keystore.key", inline_chain, (long)strlen(inline_chain));
  }
  if (!loc || !*loc) return fail(k, "ssl.keystore.location", "an https listener needs a keystore");
  char *data = NULL;
  long n = read_file(k, "ssl.keystore.location", loc, &data);
  if (n < 0) return -1;
  int rc;
  file_fmt_t fmt = sniff(data, n);
  if (fmt == FMT_JKS) rc = jks_error(k, "ssl.keystore.location", loc, "keystore");
  else if (fmt == FMT_PEM && !pem)
    rc = fail(k, "ssl.keystore.type", "%s is a PEM file: set ssl.keystore.type=PEM", loc);
  else if (fmt == FMT_DER && pem)
    rc = fail(k, "ssl.keystore.type", "%s is not a PEM file (ssl.keystore.type=PEM)", loc);
  else if (pem) rc = use_pem_key(k, ctx, data, n, loc, "ssl.keystore.location", data, n);
  else rc = use_pkcs12_key(k, ctx, data, n, loc);
  OPENSSL_cleanse(data, (size_t)n);
  free(data);
  return rc;
}

/* ------------------------------------------------------------- truststore */

static int trust_cert(SSL_CTX *ctx, X509 *c) {
  X509_STORE *st = SSL_CTX_get_cert_store(ctx);
  if (X509_STORE_add_cert(st, c) != 1) return -1;
  return SSL_CTX_add_client_CA(ctx, c) == 1 ? 0 : -1;
}

static int trust_pem(keys_t *k, SSL_CTX *ctx, const char *data, long n, const char *key, const char *what) {
  BIO *b = BIO_new_mem_buf(data, (int)n);
  int count = 0, rc = 0;
  X509 *c;
  while (b && rc == 0 && (c = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
    rc = trust_cert(ctx, c);
    X509_free(c);
    count++;
  }
  BIO_free(b);
  ERR_clear_error();
  if (rc || count == 0) return fail(k, key, "no usable certificate in %s", what);
  return 0;
}

static int load_truststore(keys_t *k, SSL_CTX *ctx, bool *loaded) {
  const char *type = get(k, "ssl.truststore.type");
  if (!type || !*type) type = "JKS";
  const char *loc = get(k, "ssl.truststore.location");
  const char *certs = get(k, "ssl.truststore.certificates");
  bool pem = !strcasecmp(type, "PEM");
  if (!pem && strcasecmp(type, "PKCS12") && strcasecmp(type, "JKS"))
    return fail(k, "ssl.truststore.type", "unsupported truststore type %s (PKCS12 or PEM)", type);
  *loaded = false;
  if (certs && *certs) {
    if (!pem) return fail(k, "ssl.truststore.certificates", "needs ssl.truststore.type=PEM");
    if (loc && *loc) return fail(k, "ssl.truststore.location", "cannot be set together with ssl.truststore.certificates");
    *loaded = true;
    return trust_pem(k, ctx, certs, (long)strlen(certs), "ssl.truststore.certificates",
                     "ssl.truststore.certificates");
  }
  if (!loc || !*loc) return 0;
  char *data = NULL;
  long n = read_file(k, "ssl.truststore.location", loc, &data);
  if (n < 0) return -1;
  int rc = 0;
  file_fmt_t fmt = sniff(data, n);
  if (fmt == FMT_JKS) {
    rc = jks_error(k, "ssl.truststore.location", loc, "truststore");
  } else if (fmt == FMT_PEM && !pem) {
    rc = fail(k, "ssl.truststore.type", "%s is a PEM file: set ssl.truststore.type=PEM", loc);
  } else if (fmt == FMT_DER && pem) {
    rc = fail(k, "ssl.truststore.type", "%s is not a PEM file (ssl.truststore.type=PEM)", loc);
  } else if (pem) {
    rc = trust_pem(k, ctx, data, n, "ssl.truststore.location", loc);
  } else {
    BIO *b = BIO_new_mem_buf(data, (int)n);
    PKCS12 *p12 = b ? d2i_PKCS12_bio(b, NULL) : NULL;
    BIO_free(b);
    EVP_PKEY *pkey = NULL;
    X509 *cert = NULL;
    STACK_OF(X509) *ca = NULL;
    if (!p12) {
      ERR_clear_error();
      rc = fail(k, "ssl.truststore.location", "%s is neither a PKCS12 nor a PEM truststore", loc);
    } else if (!PKCS12_parse(p12, get(k, "ssl.truststore.password"), &pkey, &cert, &ca)) {
      char e[160];
      rc = fail(k, "ssl.truststore.password",
                "cannot read the PKCS12 truststore %s: wrong password or damaged file (%s)", loc,
                kc_rest_tls_error(e, sizeof(e)));
    } else {
      int count = 0;
      if (cert && trust_cert(ctx, cert) == 0) count++;
      for (int i = 0; ca && i < sk_X509_num(ca); i++)
        if (trust_cert(ctx, sk_X509_value(ca, i)) == 0) count++;
      if (count == 0) rc = fail(k, "ssl.truststore.location", "no certificate in %s", loc);
    }
    PKCS12_free(p12);
    EVP_PKEY_free(pkey);
    X509_free(cert);
    sk_X509_pop_free(ca, X509_free);
  }
  free(data);
  *loaded = rc == 0;
  return rc;
}

/* -------------------------------------------------------------- algorithms */

/* Calls @p fn for each trimmed, non-empty item of a comma-separated list. */
static int each_item(const char *list, int (*fn)(void *arg, const char *item), void *arg) {
  char item[128];
  const char *p = list;
  while (p && *p) {
    const char *e = strchr(p, ',');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    while (n && isspace((unsigned char)*p)) p++, n--;
    while (n && isspace((unsigned char)p[n - 1])) n--;
    if (n >= sizeof(item)) n = sizeof(item) - 1;
    memcpy(item, p, n);
    item[n] = '\0';
    if (n) {
      int rc = fn(arg, item);
      if (rc) return rc;
    }
    p = e ? e + 1 : NULL;
  }
  return 0;
}

static int version_of(const char *v) {
  if (!strcmp(v, "TLSv1.3")) return TLS1_3_VERSION;
  if (!strcmp(v, "TLSv1.2")) return TLS1_2_VERSION;
  if (!strcmp(v, "TLSv1.1")) return TLS1_1_VERSION;
  if (!strcmp(v, "TLSv1")) return TLS1_VERSION;
  return 0;
}

typedef struct {
  keys_t *k;
  unsigned mask; /* bit (version - TLS1_VERSION) */
  kc_buf_t tls12, tls13;
} algs_t;

static int add_protocol(void *arg, const char *item) {
  algs_t *a = arg;
  int v = version_of(item);
  if (!v) return fail(a->k, "ssl.enabled.protocols", "unsupported protocol %s (TLSv1.2, TLSv1.3)", item);
  a->mask |= 1u << (v - TLS1_VERSION);
  return 0;
}

static int add_cipher(void *arg, const char *item) {
  algs_t *a = arg;
  static const char *const tls13[] = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384",
                                      "TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_CCM_SHA256",
                                      "TLS_AES_128_CCM_8_SHA256", NULL};
  for (int i = 0; tls13[i]; i++) {
    if (!strcmp(item, tls13[i])) {
      if (a->tls13.len) kc_buf_puts(&a->tls13, ":");
      return kc_buf_puts(&a->tls13, item) ? -1 : 0;
    }
  }
  const char *ossl = OPENSSL_cipher_name(item);
  if (!ossl || !strcmp(ossl, "(NONE)"))
    return fail(a->k, "ssl.cipher.suites", "unknown cipher suite %s (expected IANA names such as "
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 or TLS_AES_128_GCM_SHA256)", item);
  if (a->tls12.len) kc_buf_puts(&a->tls12, ":");
  return kc_buf_puts(&a->tls12, ossl) ? -1 : 0;
}

static int apply_algorithms(keys_t *k, SSL_CTX *ctx) {
  algs_t a = {.k = k};
  kc_buf_init(&a.tls12, 0);
  kc_buf_init(&a.tls13, 0);
  const char *protos = get(k, "ssl.enabled.protocols");
  if (!protos) protos = "TLSv1.2,TLSv1.3";
  const char *proto = get(k, "ssl.protocol");
  if (!proto || !*proto) proto = "TLSv1.3";
  int rc = each_item(protos, add_protocol, &a);
  int cap = !strcmp(proto, "TLS") || !strcmp(proto, "SSL") ? TLS1_3_VERSION : version_of(proto);
  if (!rc && !cap) rc = fail(k, "ssl.protocol", "unsupported protocol %s (TLSv1.3, TLSv1.2, TLS)", proto);
  if (!rc) {
    a.mask &= (2u << (cap - TLS1_VERSION)) - 1; /* SSLContext.getInstance(proto) enables up to proto */
    const char *ciphers = get(k, "ssl.cipher.suites");
    if (ciphers) rc = each_item(ciphers, add_cipher, &a);
    if (!rc && ciphers && (a.tls12.len || a.tls13.len)) {
      if (!a.tls13.len) a.mask &= ~(1u << (TLS1_3_VERSION - TLS1_VERSION));
      if (!a.tls12.len) a.mask &= 1u << (TLS1_3_VERSION - TLS1_VERSION);
      if (SSL_CTX_set_ciphersuites(ctx, a.tls13.len ? a.tls13.data : "") != 1 ||
          (a.tls12.len && SSL_CTX_set_cipher_list(ctx, a.tls12.data) != 1)) {
        char e[160];
        rc = fail(k, "ssl.cipher.suites", "cannot use %s: %s", ciphers, kc_rest_tls_error(e, sizeof(e)));
      }
    }
  }
  if (!rc) {
    int lo = 0, hi = 0;
    for (int v = TLS1_VERSION; v <= TLS1_3_VERSION; v++) {
      if (!(a.mask & (1u << (v - TLS1_VERSION)))) continue;
      if (hi && hi != v - 1) {
        rc = fail(k, "ssl.enabled.protocols", "%s: protocol versions must be contiguous", protos);
        break;
      }
      if (!lo) lo = v;
      hi = v;
    }
    if (!rc && !lo)
      rc = fail(k, "ssl.enabled.protocols", "no protocol left from %s with ssl.protocol=%s%s", protos, proto,
                get(k, "ssl.cipher.suites") ? " and ssl.cipher.suites" : "");
    if (!rc && (SSL_CTX_set_min_proto_version(ctx, lo) != 1 || SSL_CTX_set_max_proto_version(ctx, hi) != 1))
      rc = fail(k, "ssl.enabled.protocols", "cannot enable %s", protos);
  }
  kc_buf_free(&a.tls12);
  kc_buf_free(&a.tls13);
  return rc;
}

/* ------------------------------------------------------------------ public */

static bool prefixed_keys(const kc_config_t *props, const char *prefix) {
  const char *key, *v;
  size_t plen = strlen(prefix);
  for (size_t i = 0; kc_config_at(props, i, &key, &v) == 0; i++)
    if (!strncmp(key, prefix, plen)) return true;
  return false;
}

static int check_keys(keys_t *k) {
  for (int i = 0; rejected_keys[i]; i++)
    if (get(k, rejected_keys[i]))
      return fail(k, rejected_keys[i], "Java security providers and engine factories cannot be used by "
                  "kconnect's HTTPS listener (OpenSSL); remove it");
  if (!k->prefix) return 0;
  const char *key, *v;
  size_t plen = strlen(k->prefix);
  for (size_t i = 0; kc_config_at(k->props, i, &key, &v) == 0; i++) {
    if (strncmp(key, k->prefix, plen)) continue;
    bool known = false;
    for (int j = 0; applied_keys[j] && !known; j++) known = !strcmp(key + plen, applied_keys[j]);
    if (!known) {
      snprintf(k->err, k->errn, "%s: not a setting of the HTTPS listener (known: ssl.keystore.*, "
               "ssl.key.password, ssl.truststore.*, ssl.client.auth, ssl.enabled.protocols, "
               "ssl.protocol, ssl.cipher.suites)", key);
      return -1;
    }
  }
  return 0;
}

kc_rest_tls_t *kc_rest_tls_create(const kc_config_t *props, const char *prefix, char *errstr,
                                  size_t errstr_size) {
  keys_t k = {.props = props, .err = errstr, .errn = errstr_size};
  k.prefix = props && prefixed_keys(props, prefix) ? prefix : NULL;
  if (!props) {
    snprintf(errstr, errstr_size, "listeners: https needs the ssl.* settings");
    return NULL;
  }
  if (check_keys(&k)) return NULL;
  const char *auth = get(&k, "ssl.client.auth");
  if (!auth) auth = "none";
  int verify;
  if (!strcmp(auth, "none")) verify = SSL_VERIFY_NONE;
  else if (!strcmp(auth, "requested")) verify = SSL_VERIFY_PEER;
  else if (!strcmp(auth, "required")) verify = SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
  else {
    snprintf(errstr, errstr_size, "Invalid value %s for configuration %s: String must be one of: "
             "required, requested, none", auth, name(&k, "ssl.client.auth"));
    return NULL;
  }
  kc_rest_tls_t *tls = calloc(1, sizeof(*tls));
  SSL_CTX *ctx = tls ? SSL_CTX_new(TLS_server_method()) : NULL;
  if (!ctx) {
    free(tls);
    ERR_clear_error();
    snprintf(errstr, errstr_size, "listeners: out of memory");
    return NULL;
  }
  tls->ctx = ctx;
  /* Client renegotiation costs the server a handshake per request: a cheap DoS. */
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  /* Idle keep-alive connections then hold no 34 KiB record buffers. */
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  static const unsigned char sid[] = "kconnect-rest";
  SSL_CTX_set_session_id_context(ctx, sid, sizeof(sid) - 1);
  bool trusted = false;
  if (load_keystore(&k, ctx) || load_truststore(&k, ctx, &trusted) || apply_algorithms(&k, ctx)) {
    kc_rest_tls_destroy(tls);
    return NULL;
  }
  if (verify != SSL_VERIFY_NONE && !trusted) {
    /* Java would fall back to the JDK's public CAs: any publicly issued certificate
     * would authenticate. Fail closed instead. */
    fail(&k, "ssl.truststore.location", "ssl.client.auth=%s needs a truststore holding the CAs of the "
         "client certificates", auth);
    kc_rest_tls_destroy(tls);
    return NULL;
  }
  SSL_CTX_set_verify(ctx, verify, NULL);
  ERR_clear_error();
  kc_log_info(LOGGER, "HTTPS settings from %s (ssl.client.auth=%s)",
              k.prefix ? k.prefix : "the top-level ssl.* keys", auth);
  return tls;
}

void kc_rest_tls_destroy(kc_rest_tls_t *tls) {
  if (!tls) return;
  SSL_CTX_free(tls->ctx);
  free(tls);
}

SSL *kc_rest_tls_session(kc_rest_tls_t *tls, BIO **rbio, BIO **wbio) {
  SSL *ssl = SSL_new(tls->ctx);
  BIO *r = BIO_new(BIO_s_mem()), *w = BIO_new(BIO_s_mem());
  if (!ssl || !r || !w) {
    SSL_free(ssl);
    BIO_free(r);
    BIO_free(w);
    ERR_clear_error();
    return NULL;
  }
  /* An empty memory BIO means "wait for more", not end of file. */
  BIO_set_mem_eof_return(r, -1);
  BIO_set_mem_eof_return(w, -1);
  SSL_set_bio(ssl, r, w);
  SSL_set_accept_state(ssl);
  *rbio = r;
  *wbio = w;
  return ssl;
}
