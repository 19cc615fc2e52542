/*
 * Schema Registry client settings (schema_registry.h): AbstractKafkaSchemaSerDeConfig and
 * SchemaRegistryClientConfig of schema-registry 7.9, the basic/bearer credential providers
 * and the client's TLS stores.
 *
 * Unknown keys are ignored, as Confluent's AbstractConfig ignores them (a converter config
 * carries the converter's own keys too). Keys Confluent defines whose behaviour kconnect does
 * not implement are refused, naming the key, unless they hold Confluent's default: silently
 * dropping them would serialize differently from a Java worker. The table (refused[]) says
 * which and why. Keys the converter itself applies (key/value.subject.name.strategy, the
 * avro.* AvroData keys) are the converter's business and not looked at here.
 *
 * Files (TLS stores) are read here, when the converter is configured, never on the loop's
 * request path; curl gets PEM blobs.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "convert/schema_registry.h"

/* Keys Confluent 7.9 defines that kconnect does not apply, with the value that is harmless
 * (Confluent's default; NULL: any non-empty value is refused). */
static const struct {
  const char *key, *dflt, *why;
} refused[] = {
    {"schema.registry.url.randomize", "false", "URLs are tried in the listed order"},
    {"url.randomize", "false", "URLs are tried in the listed order"},
    {"propagate.schema.tags", "false", "schema tags are not propagated"},
    {"use.schema.id", "-1", "a fixed schema id is not supported"},
    {"id.compatibility.strict", "true", "only meaningful with use.schema.id"},
    {"use.latest.with.metadata", NULL, "metadata-based versions are not supported"},
    {"schema.format", NULL, "schema formatting is not supported"},
    {"rule.executors", NULL, "data contract rules are not supported"},
    {"rule.actions", NULL, "data contract rules are not supported"},
    {"rule.service.loader.enable", "true", "data contract rules are not supported"},
    {"context.name.strategy", "io.confluent.kafka.serializers.context.NullContextNameStrategy",
     "schema contexts are not supported"},
    {"schema.reflection", "false", "reflection needs Java classes"},
    {"proxy.host", "", "no proxy support for the registry"},
    {"proxy.port", "-1", "no proxy support for the registry"},
    {"max.retries", "3", "transient failures are retried without limit, with back-off"},
    {"missing.cache.size", "10000", "not-found answers are not cached"},
    {"missing.id.cache.ttl.sec", "0", "not-found answers are not cached"},
    {"missing.version.cache.ttl.sec", "0", "not-found answers are not cached"},
    {"missing.schema.cache.ttl.sec", "0", "not-found answers are not cached"},
    /* OAuth bearer sources are refused, so are their settings */
    {"bearer.auth.issuer.endpoint.url", NULL, "OAuth bearer tokens are not supported"},
    {"bearer.auth.client.id", NULL, "OAuth bearer tokens are not supported"},
    {"bearer.auth.client.secret", NULL, "OAuth bearer tokens are not supported"},
    {"bearer.auth.scope", NULL, "OAuth bearer tokens are not supported"},
    {"bearer.auth.scope.claim.name", "scope", "OAuth bearer tokens are not supported"},
    {"bearer.auth.sub.claim.name", "sub", "OAuth bearer tokens are not supported"},
    {"bearer.auth.cache.expiry.buffer.seconds", "300", "OAuth bearer tokens are not supported"},
    {"bearer.auth.custom.provider.class", NULL, "custom token providers need Java classes"},
    /* header-based schema ids (Confluent 8): only the magic-byte prefix is written/read */
    {"key.schema.id.serializer", "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer",
     "only the prefix wire format is supported"},
    {"value.schema.id.serializer",
     "io.confluent.kafka.serializers.schema.id.PrefixSchemaIdSerializer",
     "only the prefix wire format is supported"},
    {"key.schema.id.deserializer",
     "io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer",
     "only the prefix wire format is supported"},
    {"value.schema.id.deserializer",
     "io.confluent.kafka.serializers.schema.id.DualSchemaIdDeserializer",
     "only the prefix wire format is supported"},
    /* JSSE knobs with no curl equivalent we apply */
    {"schema.registry.ssl.protocol", "TLSv1.3", "TLS versions are curl's defaults"},
    {"schema.registry.ssl.enabled.protocols", "TLSv1.2,TLSv1.3", "TLS versions are curl's defaults"},
    {"schema.registry.ssl.cipher.suites", NULL, "cipher suites are curl's defaults"},
    {"schema.registry.ssl.provider", NULL, "no JSSE providers"},
    {"schema.registry.ssl.keymanager.algorithm", "SunX509", "no JSSE key managers"},
    {"schema.registry.ssl.trustmanager.algorithm", "PKIX", "no JSSE trust managers"},
    {"schema.registry.ssl.secure.random.implementation", NULL, "no JSSE random sources"},
    {"schema.registry.ssl.engine.factory.class", NULL, "no JSSE engines"},
};

static int fail(char *errstr, size_t n, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(char *errstr, size_t n, int rc, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  if (errstr && n) vsnprintf(errstr, n, fmt, ap);
  va_end(ap);
  return rc;
}

static const char *get(const kc_config_t *cfg, const char *key) {
  const char *v = kc_config_get(cfg, key);
  return v && *v ? v : NULL;
}

static int get_bool(const kc_config_t *cfg, const char *key, bool dflt, bool *out, char *errstr,
                    size_t n) {
  *out = dflt;
  if (!kc_config_get(cfg, key)) return 0;
  if (kc_config_get_bool(cfg, key, out))
    return fail(errstr, n, KC_EINVAL,
                "Invalid value %s for configuration %s: Expected value to be either true or false",
                kc_config_get(cfg, key), key);
  return 0;
}

static int get_long(const kc_config_t *cfg, const char *key, int64_t dflt, int64_t min,
                    int64_t *out, char *errstr, size_t n) {
  *out = dflt;
  if (!kc_config_get(cfg, key)) return 0;
  if (kc_config_get_int(cfg, key, out) || *out < min)
    return fail(errstr, n, KC_EINVAL,
                "Invalid value %s for configuration %s: Expected a whole number of at least %lld",
                kc_config_get(cfg, key), key, (long long)min);
  return 0;
}

static char *base64(const char *s) {
  size_t n = strlen(s);
  char *out = malloc(4 * ((n + 2) / 3) + 1);
  if (out) EVP_EncodeBlock((unsigned char *)out, (const unsigned char *)s, (int)n);
  return out;
}

static char *header_value(const char *scheme, const char *secret) {
  char *b = strcmp(scheme, "Basic") ? strdup(secret) : base64(secret);
  if (!b) return NULL;
  size_t n = strlen(scheme) + strlen(b) + 2;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%s %s", scheme, b);
  memset(b, 0, strlen(b));
  free(b);
  return out;
}

/* "http://user:pass@host:port/path/" -> base "http://host:port/path", userinfo "user:pass". */
static int parse_url(const char *raw, kc_sr_url_t *u, char *errstr, size_t n) {
  while (isspace((unsigned char)*raw)) raw++;
  size_t len = strlen(raw);
  while (len && isspace((unsigned char)raw[len - 1])) len--;
  const char *sep = strstr(raw, "://");
  if (!sep || (size_t)(sep - raw) >= len ||
      (strncasecmp(raw, "http://", 7) && strncasecmp(raw, "https://", 8)))
    return fail(errstr, n, KC_EINVAL,
                "Invalid value for configuration schema.registry.url: not an http(s) URL (entry %zu "
                "characters long)", len);
  const char *auth = sep + 3, *end = raw + len;
  const char *auth_end = auth;
  while (auth_end < end && !strchr("/?#", *auth_end)) auth_end++;
  const char *at = NULL;
  for (const char *p = auth; p < auth_end; p++)
    if (*p == '@') at = p;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = kc_buf_append(&b, raw, (size_t)(auth - raw));
  if (!rc) rc = kc_buf_append(&b, at ? at + 1 : auth, (size_t)(end - (at ? at + 1 : auth)));
  if (rc) return KC_ENOMEM;
  while (b.len && b.data[b.len - 1] == '/') b.data[--b.len] = '\0';
  u->base = b.data;
  if (at && !(u->userinfo = strndup(auth, (size_t)(at - auth)))) return KC_ENOMEM;
  if (auth_end == (at ? at + 1 : auth))
    return fail(errstr, n, KC_EINVAL,
                "Invalid value %s for configuration schema.registry.url: no host", u->base);
  return 0;
}

/* username="..." password="..." of a PlainLoginModule sasl.jaas.config (SASL_INHERIT). */
static int jaas_plain(const char *jaas, char **user, char **pass, char *errstr, size_t n) {
  const char *p = jaas;
  while (isspace((unsigned char)*p)) p++;
  const char *cls = p;
  while (*p && !isspace((unsigned char)*p)) p++;
  size_t clen = (size_t)(p - cls);
  const char *want = "PlainLoginModule";
  if (clen < strlen(want) || memcmp(cls + clen - strlen(want), want, strlen(want)))
    return fail(errstr, n, KC_EINVAL,
                "Invalid value for configuration sasl.jaas.config: basic.auth.credentials.source="
                "SASL_INHERIT supports only org.apache.kafka.common.security.plain."
                "PlainLoginModule");
  while (*p && *p != ';') {
    while (isspace((unsigned char)*p)) p++;
    const char *k = p;
    while (*p && *p != '=' && *p != ';' && !isspace((unsigned char)*p)) p++;
    size_t klen = (size_t)(p - k);
    if (*p != '=') continue; /* the control flag ("required") */
    p++;
    kc_buf_t v;
    kc_buf_init(&v, 0);
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) p++;
        if (kc_buf_append(&v, p, 1)) return KC_ENOMEM;
      }
      if (*p == '"') p++;
    } else {
      const char *s = p;
      while (*p && *p != ';' && !isspace((unsigned char)*p)) p++;
      if (kc_buf_append(&v, s, (size_t)(p - s))) return KC_ENOMEM;
    }
    if (kc_buf_append(&v, "", 0)) return KC_ENOMEM;
    char **dst = klen == 8 && !memcmp(k, "username", 8)   ? user
                 : klen == 8 && !memcmp(k, "password", 8) ? pass
                                                          : NULL;
    if (dst) {
      free(*dst);
      *dst = v.data;
    } else {
      kc_buf_free(&v);
    }
  }
  if (!*user || !*pass)
    return fail(errstr, n, KC_EINVAL,
                "Invalid value for configuration sasl.jaas.config: basic.auth.credentials.source="
                "SASL_INHERIT needs username and password options");
  return 0;
}

static int auth_settings(const kc_config_t *cfg, kc_sr_settings_t *s, char *errstr, size_t n) {
  const char *basic = get(cfg, "basic.auth.credentials.source");
  const char *bearer = get(cfg, "bearer.auth.credentials.source");
  if (basic && bearer)
    return fail(errstr, n, KC_EINVAL,
                "Only one of 'basic.auth.credentials.source' and 'bearer.auth.credentials.source' "
                "may be specified");
  if (bearer || get(cfg, "bearer.auth.token")) {
    if (bearer && strcmp(bearer, "STATIC_TOKEN"))
      return fail(errstr, n, KC_EINVAL,
                  "Invalid value %s for configuration bearer.auth.credentials.source: kconnect "
                  "supports only STATIC_TOKEN",
                  bearer);
    if (!bearer) return 0; /* a token alone is not used, as in Java (the source selects it) */
    const char *tok = get(cfg, "bearer.auth.token");
    if (!tok)
      return fail(errstr, n, KC_EINVAL,
                  "Missing configuration bearer.auth.token (bearer.auth.credentials.source="
                  "STATIC_TOKEN)");
    if (strpbrk(tok, "\r\n"))
      return fail(errstr, n, KC_EINVAL, "Invalid value for configuration bearer.auth.token");
    if (!(s->auth_header = header_value("Bearer", tok))) return KC_ENOMEM;
    return 0;
  }
  if (!basic || !strcmp(basic, "URL")) {
    s->url_auth = true;
    return 0;
  }
  char *secret = NULL;
  if (!strcmp(basic, "USER_INFO")) {
    const char *ui = get(cfg, "basic.auth.user.info");
    if (!ui) ui = get(cfg, "schema.registry.basic.auth.user.info");
    if (!ui)
      return fail(errstr, n, KC_EINVAL,
                  "Missing configuration basic.auth.user.info (basic.auth.credentials.source="
                  "USER_INFO)");
    if (!(secret = strdup(ui))) return KC_ENOMEM;
  } else if (!strcmp(basic, "SASL_INHERIT")) {
    const char *jaas = get(cfg, "sasl.jaas.config");
    if (!jaas)
      return fail(errstr, n, KC_EINVAL,
                  "Missing configuration sasl.jaas.config (basic.auth.credentials.source="
                  "SASL_INHERIT)");
    char *user = NULL, *pass = NULL;
    int rc = jaas_plain(jaas, &user, &pass, errstr, n);
    if (!rc) {
      size_t len = strlen(user) + strlen(pass) + 2;
      if ((secret = malloc(len))) snprintf(secret, len, "%s:%s", user, pass);
      else rc = KC_ENOMEM;
    }
    free(user);
    if (pass) memset(pass, 0, strlen(pass));
    free(pass);
    if (rc) return rc;
  } else {
    return fail(errstr, n, KC_EINVAL,
                "Invalid value %s for configuration basic.auth.credentials.source: kconnect "
                "supports URL, USER_INFO and SASL_INHERIT",
                basic);
  }
  s->auth_header = header_value("Basic", secret);
  memset(secret, 0, strlen(secret));
  free(secret);
  return s->auth_header ? 0 : KC_ENOMEM;
}

/* ---- TLS stores ---- */

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  kc_buf_t b;
  kc_buf_init(&b, 64 * 1024 * 1024);
  char chunk[8192];
  size_t r;
  int rc = kc_buf_append(&b, "", 0);
  while (!rc && (r = fread(chunk, 1, sizeof chunk, f)) > 0) rc = kc_buf_append(&b, chunk, r);
  fclose(f);
  if (rc) {
    kc_buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return b.data;
}

static int bio_to_str(BIO *bio, char **out, size_t *len) {
  char *p;
  long n = BIO_get_mem_data(bio, &p);
  if (n <= 0 || !(*out = malloc((size_t)n + 1))) return KC_ENOMEM;
  memcpy(*out, p, (size_t)n);
  (*out)[n] = '\0';
  *len = (size_t)n;
  return 0;
}

/* A store file as PEM: @p certs gets the certificates (all of a trust store; the chain of a
 * key store), @p key the private key when @p key is not NULL. */
static int load_store(const char *what, const char *path, const char *type, const char *password,
                      char **certs, size_t *certs_len, char **key, size_t *key_len, char *errstr,
                      size_t n) {
  size_t len = 0;
  char *data = read_all(path, &len);
  if (!data)
    return fail(errstr, n, KC_EINVAL, "Invalid value %s for configuration %s.location: cannot read it",
                path, what);
  bool jks = len >= 4 && (unsigned char)data[0] == 0xFE && (unsigned char)data[1] == 0xED &&
             (unsigned char)data[2] == 0xFE && (unsigned char)data[3] == 0xED;
  if ((type && !strcasecmp(type, "JKS")) || jks) {
    free(data);
    return fail(errstr, n, KC_EINVAL,
                "Invalid value %s for configuration %s.type: JKS stores are not supported; convert "
                "it to PKCS12 (keytool -importkeystore -deststoretype PKCS12) or PEM",
                type ? type : "JKS", what);
  }
  int rc = 0;
  if (strstr(data, "-----BEGIN") && (!type || !strcasecmp(type, "PEM"))) {
    /* PEM as is: curl parses certificates and keys itself (key passwords via KEYPASSWD). */
    if (key) {
      *key = strdup(data);
      *key_len = len;
      if (!*key) rc = KC_ENOMEM;
    }
    *certs = data;
    *certs_len = len;
    return rc;
  }
  const unsigned char *p = (const unsigned char *)data;
  PKCS12 *p12 = d2i_PKCS12(NULL, &p, (long)len);
  EVP_PKEY *pk = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *ca = NULL;
  BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
  if (!p12 || !PKCS12_parse(p12, password ? password : "", &pk, &cert, &ca)) {
    rc = fail(errstr, n, KC_EINVAL,
              "Invalid value %s for configuration %s.location: not a readable PKCS12 or PEM "
              "store (wrong %s.password?)",
              path, what, what);
  } else {
    if (cert) PEM_write_bio_X509(cb, cert);
    for (int i = 0; ca && i < sk_X509_num(ca); i++) PEM_write_bio_X509(cb, sk_X509_value(ca, i));
    rc = bio_to_str(cb, certs, certs_len);
    if (!rc && key) {
      if (!pk || !PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL))
        rc = fail(errstr, n, KC_EINVAL, "Invalid value %s for configuration %s.location: no private key",
                  path, what);
      else
        rc = bio_to_str(kb, key, key_len);
    }
  }
  ERR_clear_error();
  BIO_free(cb);
  BIO_free(kb);
  EVP_PKEY_free(pk);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  memset(data, 0, len);
  free(data);
  return rc;
}

static int tls_settings(const kc_config_t *cfg, kc_sr_settings_t *s, char *errstr, size_t n) {
#define P "schema.registry.ssl."
  const char *ts = get(cfg, P "truststore.location"), *ks = get(cfg, P "keystore.location");
  const char *ts_pem = get(cfg, P "truststore.certificates");
  const char *ks_chain = get(cfg, P "keystore.certificate.chain"), *ks_key = get(cfg, P "keystore.key");
  const char *eia = kc_config_get(cfg, P "endpoint.identification.algorithm");
  bool no_verify = eia && !*eia;
  if (eia && *eia && strcasecmp(eia, "https"))
    return fail(errstr, n, KC_EINVAL,
                "Invalid value %s for configuration " P "endpoint.identification.algorithm: only "
                "https or empty",
                eia);
  if (!ts && !ks && !ts_pem && !ks_chain && !ks_key && !no_verify) return 0;
  kc_http_tls_t *t = s->tls = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  t->no_verify_host = no_verify;
  int rc = 0;
  if (ts && ts_pem)
    return fail(errstr, n, KC_EINVAL,
                "Only one of " P "truststore.location and " P "truststore.certificates may be set");
  if (ts)
    rc = load_store(P "truststore", ts, get(cfg, P "truststore.type"),
                    get(cfg, P "truststore.password"), &t->ca_pem, &t->ca_len, NULL, NULL, errstr, n);
  else if (ts_pem && !(t->ca_pem = strdup(ts_pem)))
    rc = KC_ENOMEM;
  else if (ts_pem)
    t->ca_len = strlen(ts_pem);
  if (rc) return rc;
  const char *kpw = get(cfg, P "key.password");
  if (ks) {
    if (ks_chain || ks_key)
      return fail(errstr, n, KC_EINVAL,
                  "Only one of " P "keystore.location and " P "keystore.certificate.chain/key may "
                  "be set");
    const char *type = get(cfg, P "keystore.type");
    rc = load_store(P "keystore", ks, type, get(cfg, P "keystore.password"), &t->cert_pem,
                    &t->cert_len, &t->key_pem, &t->key_len, errstr, n);
    /* PKCS12 keys come out decrypted; a PEM key file keeps its own encryption. */
    if (!rc && kpw && strstr(t->key_pem, "ENCRYPTED") && !(t->key_password = strdup(kpw)))
      rc = KC_ENOMEM;
  } else if (ks_chain || ks_key) {
    if (!ks_chain || !ks_key)
      return fail(errstr, n, KC_EINVAL,
                  P "keystore.certificate.chain and " P "keystore.key must be set together");
    if (!(t->cert_pem = strdup(ks_chain)) || !(t->key_pem = strdup(ks_key)) ||
        (kpw && !(t->key_password = strdup(kpw))))
      return KC_ENOMEM;
    t->cert_len = strlen(ks_chain);
    t->key_len = strlen(ks_key);
  }
  return rc;
#undef P
}

/* ---- the whole ---- */

static int add_header(kc_sr_settings_t *s, const char *name, const char *value) {
  char **nh = realloc(s->headers, (2 * s->nheaders + 2) * sizeof *nh);
  if (!nh) return KC_ENOMEM;
  s->headers = nh;
  nh[2 * s->nheaders] = strdup(name);
  nh[2 * s->nheaders + 1] = strdup(value);
  s->nheaders++;
  return nh[2 * s->nheaders - 2] && nh[2 * s->nheaders - 1] ? 0 : KC_ENOMEM;
}

static int parse(const kc_config_t *cfg, kc_sr_settings_t *s, char *errstr, size_t n) {
  for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
    const char *v = kc_config_get(cfg, refused[i].key);
    if (!v || (refused[i].dflt ? !strcmp(v, refused[i].dflt) : !*v)) continue;
    return fail(errstr, n, KC_EINVAL,
                "Invalid value %s for configuration %s: not supported by kconnect (%s)",
                strstr(refused[i].key, "secret") ? "[hidden]" : v, refused[i].key, refused[i].why);
  }
  const char *urls = get(cfg, "schema.registry.url");
  if (!urls)
    return fail(errstr, n, KC_EINVAL,
                "Missing required configuration \"schema.registry.url\" which has no default value.");
  char **items = NULL;
  int rc = kc_config_get_list(cfg, "schema.registry.url", &items);
  if (rc < 0) return fail(errstr, n, rc, "Invalid value for configuration schema.registry.url");
  rc = 0;
  size_t cnt = 0;
  while (items[cnt]) cnt++;
  s->urls = calloc(cnt ? cnt : 1, sizeof *s->urls);
  for (size_t i = 0; !rc && s->urls && i < cnt; i++) {
    if (!*items[i]) continue;
    rc = parse_url(items[i], &s->urls[s->nurls], errstr, n);
    s->nurls++;
  }
  kc_config_list_free(items);
  if (!s->urls) return KC_ENOMEM;
  if (rc) return rc;
  if (!s->nurls)
    return fail(errstr, n, KC_EINVAL, "Invalid value for configuration schema.registry.url: empty");
  if ((rc = auth_settings(cfg, s, errstr, n)) || (rc = tls_settings(cfg, s, errstr, n))) return rc;
  if ((rc = get_bool(cfg, "auto.register.schemas", true, &s->auto_register, errstr, n)) ||
      (rc = get_bool(cfg, "use.latest.version", false, &s->use_latest, errstr, n)) ||
      (rc = get_bool(cfg, "latest.compatibility.strict", true, &s->latest_strict, errstr, n)) ||
      (rc = get_bool(cfg, "normalize.schemas", false, &s->normalize, errstr, n)) ||
      (rc = get_long(cfg, "max.schemas.per.subject", 1000, 1, &s->max_per_subject, errstr, n)) ||
      (rc = get_long(cfg, "latest.cache.ttl.sec", -1, -1, &s->latest_ttl_sec, errstr, n)) ||
      (rc = get_long(cfg, "latest.cache.size", 1000, 1, &s->latest_cache_size, errstr, n)) ||
      (rc = get_long(cfg, "http.connect.timeout.ms", 60000, 1, &s->connect_ms, errstr, n)) ||
      (rc = get_long(cfg, "http.read.timeout.ms", 60000, 1, &s->read_ms, errstr, n)) ||
      /* Java's RetryExecutor waits 1 s doubling to 20 s, 3 times; kconnect retries without limit
       * and starts faster, 100 ms doubling to 10 s, unless these are set. */
      (rc = get_long(cfg, "retries.wait.ms", 100, 1, &s->backoff_ms, errstr, n)) ||
      (rc = get_long(cfg, "retries.max.wait.ms", 10000, 1, &s->backoff_max_ms, errstr, n)))
    return rc;
  if (s->backoff_max_ms < s->backoff_ms) s->backoff_max_ms = s->backoff_ms;
  const char *v;
  if ((v = get(cfg, "bearer.auth.logical.cluster")) && (rc = add_header(s, "target-sr-cluster", v)))
    return rc;
  if ((v = get(cfg, "bearer.auth.identity.pool.id")) &&
      (rc = add_header(s, "Confluent-Identity-Pool-Id", v)))
    return rc;
  for (size_t i = 0, cntk = kc_config_count(cfg); i < cntk; i++) {
    const char *k, *val;
    if (kc_config_at(cfg, i, &k, &val) || strncmp(k, "request.header.", 15)) continue;
    if (!k[15] || strpbrk(k + 15, ":; \t\r\n") || strpbrk(val, "\r\n"))
      return fail(errstr, n, KC_EINVAL, "Invalid value for configuration %s: not an HTTP header", k);
    if ((rc = add_header(s, k + 15, val))) return rc;
  }
  return 0;
}

int kc__sr_config_parse(const kc_config_t *cfg, kc_sr_settings_t *out, char *errstr,
                        size_t errstr_size) {
  memset(out, 0, sizeof *out);
  if (!cfg) return fail(errstr, errstr_size, KC_EINVAL, "no configuration");
  int rc = parse(cfg, out, errstr, errstr_size);
  if (rc == KC_ENOMEM) fail(errstr, errstr_size, rc, "out of memory");
  if (rc) kc__sr_config_free(out);
  return rc;
}

static void wipe_free(char *p) {
  if (p) memset(p, 0, strlen(p));
  free(p);
}

void kc__sr_config_free(kc_sr_settings_t *s) {
  if (!s) return;
  for (size_t i = 0; i < s->nurls; i++) {
    free(s->urls[i].base);
    wipe_free(s->urls[i].userinfo);
  }
  free(s->urls);
  wipe_free(s->auth_header);
  for (size_t i = 0; i < 2 * s->nheaders; i++) free(s->headers[i]);
  free(s->headers);
  kc__http_tls_clear(s->tls);
  free(s->tls);
  memset(s, 0, sizeof *s);
}
