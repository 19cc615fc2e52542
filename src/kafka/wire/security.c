/* Security settings of the group member's connections (security.h). */
#include "kafka/wire/security.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>
#include <openssl/crypto.h>
#include <strings.h>

const char *kc_wire_protocol_name(kc_wire_protocol_t p) {
  switch (p) {
    case KC_WIRE_PLAINTEXT: return "PLAINTEXT";
    case KC_WIRE_SASL_PLAINTEXT: return "SASL_PLAINTEXT";
    case KC_WIRE_SSL: return "SSL";
    case KC_WIRE_SASL_SSL: return "SASL_SSL";
  }
  return "?";
}

const char *kc_wire_sasl_mech_name(kc_wire_sasl_mech_t m) {
  switch (m) {
    case KC_WIRE_SASL_NONE: return "";
    case KC_WIRE_SASL_PLAIN: return "PLAIN";
    case KC_WIRE_SASL_SCRAM_SHA_256: return "SCRAM-SHA-256";
    case KC_WIRE_SASL_SCRAM_SHA_512: return "SCRAM-SHA-512";
  }
  return "?";
}

void kc_wire_security_free(kc_wire_security_t *s) {
  if (s->password) OPENSSL_cleanse(s->password, strlen(s->password));
  free(s->username);
  free(s->password);
  kc_wire_tls_ctx_free(s->ssl_ctx);
  memset(s, 0, sizeof *s);
}

/*
 * sasl.jaas.config, minimally: "<LoginModule class> <flag> key=value ... ;" with
 * double-quoted or bare values (JaasConfig's grammar, comments aside). Only the
 * module class and the username/password options matter here. kafka_conf.c has the
 * full parser but does not export it.
 */
static const char *jaas_skip(const char *p) {
  while (isspace((unsigned char)*p)) p++;
  return p;
}

static bool jaas_word_char(unsigned char c) {
  return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '$' || c >= 0x80;
}

/* One word or quoted string at *pp into @p out (reset first). @returns false if neither. */
static bool jaas_value(const char **pp, kc_buf_t *out) {
  const char *p = jaas_skip(*pp);
  kc_buf_reset(out);
  if (*p == '"') {
    for (p++; *p && *p != '"'; p++) {
      if (*p == '\\' && p[1]) p++;
      if (kc_buf_append(out, p, 1)) return false;
    }
    if (*p != '"') return false;
    p++;
  } else if (jaas_word_char((unsigned char)*p)) {
    const char *s = p;
    while (jaas_word_char((unsigned char)*p)) p++;
    if (kc_buf_append(out, s, (size_t)(p - s))) return false;
  } else {
    return false;
  }
  kc_buf_append(out, "", 0);
  *pp = p;
  return true;
}

static int jaas_parse(const char *text, kc_buf_t *module, char **user, char **pass, char *errstr,
                      size_t errstr_size) {
  const char *p = text;
  kc_buf_t tok, key;
  kc_buf_init(&tok, 0);
  kc_buf_init(&key, 0);
  int rc = KC_EINVAL;
  if (!jaas_value(&p, module) || !jaas_value(&p, &tok)) {
    snprintf(errstr, errstr_size, "sasl.jaas.config: expected '<LoginModule> required key=\"value\" ...;'");
    goto out;
  }
  for (;;) {
    p = jaas_skip(p);
    if (*p == ';') break;
    if (!jaas_value(&p, &key) || *(p = jaas_skip(p)) != '=') {
      snprintf(errstr, errstr_size, "sasl.jaas.config: expected key=value or ';'");
      goto out;
    }
    p++;
    if (!jaas_value(&p, &tok)) {
      snprintf(errstr, errstr_size, "sasl.jaas.config: value not specified for key '%.64s'", key.data);
      goto out;
    }
    char **dst = strcmp(key.data, "username") == 0 ? user : strcmp(key.data, "password") == 0 ? pass : NULL;
    if (dst) {
      free(*dst);
      *dst = strdup(tok.data);
      if (!*dst) {
        rc = KC_ENOMEM;
        goto out;
      }
    }
  }
  if (*jaas_skip(p + 1)) {
    snprintf(errstr, errstr_size, "sasl.jaas.config: one login module expected");
    goto out;
  }
  rc = 0;
out:
  if (tok.data) OPENSSL_cleanse(tok.data, tok.len);
  kc_buf_free(&tok);
  kc_buf_free(&key);
  return rc;
}

static bool ends_with(const char *s, const char *suffix) {
  size_t a = strlen(s), b = strlen(suffix);
  return a >= b && strcmp(s + a - b, suffix) == 0;
}

static int sasl_init(kc_wire_security_t *s, const kc_config_t *props, char *errstr,
                     size_t errstr_size) {
  const char *mech = kc_config_get(props, "sasl.mechanism");
  if (!mech) mech = "GSSAPI"; /* Java's default */
  if (strcmp(mech, "PLAIN") == 0) s->mechanism = KC_WIRE_SASL_PLAIN;
  else if (strcmp(mech, "SCRAM-SHA-256") == 0) s->mechanism = KC_WIRE_SASL_SCRAM_SHA_256;
  else if (strcmp(mech, "SCRAM-SHA-512") == 0) s->mechanism = KC_WIRE_SASL_SCRAM_SHA_512;
  else {
    snprintf(errstr, errstr_size,
             "sasl.mechanism=%s: not supported by the distributed group member (PLAIN, "
             "SCRAM-SHA-256 or SCRAM-SHA-512)",
             mech);
    return KC_ENOTSUP;
  }
  /* Java classes that would supply the credentials some other way cannot run here */
  static const char *const classes[] = {"sasl.client.callback.handler.class", "sasl.login.class",
                                        "sasl.login.callback.handler.class"};
  for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
    const char *v = kc_config_get(props, classes[i]);
    if (v && *v) {
      snprintf(errstr, errstr_size, "%s=%.200s: Java classes are not supported by the distributed group member",
               classes[i], v);
      return KC_ENOTSUP;
    }
  }
  const char *jaas = kc_config_get(props, "sasl.jaas.config");
  if (!jaas) {
    snprintf(errstr, errstr_size, "sasl.jaas.config: must be set for sasl.mechanism=%s", mech);
    return KC_EINVAL;
  }
  kc_buf_t module;
  kc_buf_init(&module, 0);
  int rc = jaas_parse(jaas, &module, &s->username, &s->password, errstr, errstr_size);
  const char *m = module.data ? module.data : "";
  if (!rc && !ends_with(m, ".PlainLoginModule") && !ends_with(m, ".ScramLoginModule")) {
    snprintf(errstr, errstr_size,
             "sasl.jaas.config: login module %.200s is not supported by the distributed group "
             "member (PlainLoginModule or ScramLoginModule)", m);
    rc = KC_ENOTSUP;
  }
  if (!rc && (!s->username || !s->password)) {
    snprintf(errstr, errstr_size, "sasl.jaas.config: username and password must be set for sasl.mechanism=%s", mech);
    rc = KC_EINVAL;
  }
  kc_buf_free(&module);
  return rc;
}

int kc_wire_security_init(kc_wire_security_t *s, const kc_config_t *props, char *errstr,
                          size_t errstr_size) {
  memset(s, 0, sizeof *s);
  const char *proto = props ? kc_config_get(props, "security.protocol") : NULL;
  if (!proto) proto = "PLAINTEXT";
  if (strcasecmp(proto, "PLAINTEXT") == 0) s->protocol = KC_WIRE_PLAINTEXT;
  else if (strcasecmp(proto, "SASL_PLAINTEXT") == 0) s->protocol = KC_WIRE_SASL_PLAINTEXT;
  else if (strcasecmp(proto, "SSL") == 0) s->protocol = KC_WIRE_SSL;
  else if (strcasecmp(proto, "SASL_SSL") == 0) s->protocol = KC_WIRE_SASL_SSL;
  else {
    snprintf(errstr, errstr_size,
             "security.protocol=%s: unknown (PLAINTEXT, SASL_PLAINTEXT, SSL or SASL_SSL)", proto);
    return KC_EINVAL;
  }
  int rc = 0;
  if (s->protocol == KC_WIRE_SASL_PLAINTEXT || s->protocol == KC_WIRE_SASL_SSL)
    rc = sasl_init(s, props, errstr, errstr_size);
  if (!rc && (s->protocol == KC_WIRE_SSL || s->protocol == KC_WIRE_SASL_SSL))
    rc = kc_wire_tls_ctx_new(s, props, errstr, errstr_size);
  if (rc) kc_wire_security_free(s);
  return rc;
}
