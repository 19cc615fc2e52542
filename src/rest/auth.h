/*
 * REST request policy: Connect's BasicAuthSecurityRestExtension (JAAS
 * PropertyFileLoginModule) plus the CORS and response-header rules of cors.h,
 * built once at start-up from the worker properties.
 */
#ifndef KC_REST_AUTH_H
#define KC_REST_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "kconnect/connector.h"
#include "rest/cors.h"

#define KC_REST_BASIC_AUTH_CLASS "org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension"
#define KC_REST_PROPERTY_FILE_MODULE "org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule"
/** Worker key naming the JAAS file; wins over KAFKA_OPTS' -Djava.security.auth.login.config. */
#define KC_REST_JAAS_KEY "kconnect.rest.jaas.config.file"

typedef struct kc_rest_auth_s kc_rest_auth_t;

/**
 * Parses JAAS login configuration text (Java's ConfigFile syntax: entries
 * `Name { Class Flag key=value ...; ...; };`, // and slash-star comments,
 * quoted strings) and builds the authenticator from its "KafkaConnect" entry.
 * Every module there must be PropertyFileLoginModule with a `file` option; each
 * credentials file (a .properties file user=password, read as ISO-8859-1 like
 * Properties.load(InputStream)) is read now and never again. @p origin names
 * the text in messages (the JAAS file path).
 * @returns the authenticator (free with kc_rest_auth_destroy) or NULL with
 * @p errstr saying what is wrong and where.
 */
kc_rest_auth_t *kc_rest_auth_from_jaas(const char *text, size_t len, const char *origin, char *errstr,
                                       size_t errstr_size);

/**
 * The JAAS file path a JVM started with @p kafka_opts (the KAFKA_OPTS value,
 * NULL = unset) would use: the last -Djava.security.auth.login.config=...
 * word, split on blanks with '...' and "..." quoting, "==" and file: URLs
 * accepted. @returns a new string, NULL when none (errstr ""), or NULL with
 * errstr for a value that is not a local file.
 */
char *kc_rest_auth_jaas_path_from_opts(const char *kafka_opts, char *errstr, size_t errstr_size);

/**
 * Checks one request's Authorization header value (@p header NULL = absent;
 * several headers joined with ',' as JAX-RS getHeaderString does), as
 * JaasBasicAuthFilter + PropertyFileLoginModule do.
 * @returns 0 (authenticated), 401, or 500 with @p msg set to the message
 * Connect gives (Java's Base64 decoder error for a malformed value).
 */
int kc_rest_auth_check(const kc_rest_auth_t *auth, const char *header, char *msg, size_t msg_size);

void kc_rest_auth_destroy(kc_rest_auth_t *auth);

/**
 * Java's Base64.getDecoder().decode(String) for ASCII input. @returns the
 * decoded length (out must hold len*3/4+3 bytes) or -1 with @p msg set to the
 * IllegalArgumentException message Java gives.
 */
long kc_rest_base64_java_decode(const char *in, size_t len, unsigned char *out, char *msg, size_t msg_size);

/** Everything the REST server applies to requests and responses. */
typedef struct kc_rest_policy_s {
  kc_rest_auth_t *auth;    /* NULL: no REST extension */
  kc_rest_cors_t *cors;    /* NULL: access.control.allow.origin blank */
  kc_rest_hdrcfg_t *hdrs;  /* NULL: response.http.headers.config blank */
} kc_rest_policy_t;

/**
 * Builds the policy from the worker properties: rest.extension.classes (only
 * the basic auth extension; any other class fails), the JAAS file from
 * kconnect.rest.jaas.config.file or @p kafka_opts, access.control.allow.origin
 * and .methods, response.http.headers.config. Reads files: start-up only.
 * @returns 0 with *out set (never NULL on success), or KC_EINVAL/KC_ENOMEM with
 * @p errstr naming the key and the reason.
 */
int kc_rest_policy_create(const kc_config_t *props, const char *kafka_opts, kc_rest_policy_t **out,
                          char *errstr, size_t errstr_size);
void kc_rest_policy_destroy(kc_rest_policy_t *p);

#endif
