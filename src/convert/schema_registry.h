/*
 * Confluent Schema Registry client on the loop (CachedSchemaRegistryClient + RestService,
 * schema-registry 7.9; connect-runtime.md 9.5), over src/http (curl multi; never blocking).
 *
 * Shape: probe, else wait. Every lookup is a synchronous probe of the client's caches. A hit
 * answers at once; a miss starts (or joins) one HTTP request and returns KC_AGAIN; when the
 * answer arrives the client calls its notify callback, from the loop and never inside a probe,
 * and the caller probes again. A final error is handed to the next probe of that key once
 * (then forgotten, so a later probe asks again, as Java asks again for every record); transient
 * errors (transport failures, HTTP 5xx, 408, 429) are retried with exponential back-off
 * (100 ms doubling to 10 s) across the URL list while probes keep getting KC_AGAIN.
 *
 * Credentials never appear in logs, error texts or /status traces.
 */
#ifndef KC_CONVERT_SCHEMA_REGISTRY_H
#define KC_CONVERT_SCHEMA_REGISTRY_H

#include <stdbool.h>
#include <stdint.h>

#include "http/http.h"
#include "kconnect/connector.h"

typedef struct kc_sr_client_s kc_sr_client_t;

/**
 * Parses the client's settings from @p cfg (a converter's config, "value.converter." already
 * stripped): schema.registry.url (required; comma list, tried in turn, failing over on
 * transient errors), basic.auth.credentials.source (URL, USER_INFO, SASL_INHERIT) with
 * basic.auth.user.info / schema.registry.basic.auth.user.info, sasl.jaas.config for
 * SASL_INHERIT, bearer.auth.credentials.source=STATIC_TOKEN with bearer.auth.token,
 * schema.registry.ssl.* (PEM and PKCS12 stores; JKS refused), auto.register.schemas (true),
 * use.latest.version (false), latest.compatibility.strict (true), normalize.schemas (false),
 * max.schemas.per.subject (1000), request timeouts. Keys Confluent knows but kconnect does not
 * apply are refused here, naming the key.
 * @returns a client (not yet attached) or NULL with errstr naming the key and the reason
 * ("Invalid value X for configuration basic.auth.credentials.source: ...").
 */
kc_sr_client_t *kc_sr_client_new(const kc_config_t *cfg, char *errstr, size_t errstr_size);

/**
 * Attaches the client to @p http (the task's HTTP client; borrowed, must outlive this client)
 * and sets the callback run when a pending answer arrived. Probes before attaching return
 * KC_ESTATE.
 */
void kc_sr_client_attach(kc_sr_client_t *c, kc_http_t *http, void (*notify)(void *arg), void *arg);

/**
 * Destroys the client: pending requests are cancelled and back-off timers closed; memory is
 * released once their callbacks ran, so the loop must keep running (the notify callback is
 * never called after this). Safe from the notify callback. NULL-safe.
 */
void kc_sr_client_destroy(kc_sr_client_t *c);

/**
 * Deserializer look-up: the schema text of @p id (GET /schemas/ids/{id}).
 * The id cache is not bounded (Java bounds it to max.schemas.per.subject), so that the text
 * handed out stays valid: the registry's own schema count bounds it.
 * @returns 0 with *text and *len borrowed (valid while the client lives), KC_AGAIN (asked; wait for
 * notify), KC_ECONVERT with errstr as Java's RestClientException plus where ("Schema 7 not
 * found; error code: 40403 (schema registry http://host:port/schemas/ids/7)"; user info never
 * printed), KC_ESTATE (not attached), KC_ENOMEM.
 */
int kc_sr_schema_by_id(kc_sr_client_t *c, int32_t id, const char **text, size_t *len,
                       char *errstr, size_t errstr_size);

/**
 * Serializer look-up: the id to write for @p schema_text under @p subject, as
 * AbstractKafkaAvroSerializer picks it: use.latest.version -> GET
 * /subjects/{s}/versions/latest (then, with latest.compatibility.strict, the latest must
 * be compatible: POST /compatibility/subjects/{s}/versions/latest), else auto.register.schemas
 * -> POST /subjects/{s}/versions, else POST /subjects/{s} (look-up);
 * "?normalize=true" with normalize.schemas. Cached per subject, at most max.schemas.per.subject
 * answers, the least recently used evicted (Confluent 7.9's BoundedConcurrentHashMap; older
 * clients threw "Too many schema objects created" instead).
 * @returns 0 with *id, KC_AGAIN, KC_ECONVERT with errstr naming the subject and the URL
 * (40401 subject not found, 40403 schema not found, 409 incompatible, 422 invalid,
 * 401/403 with "Unauthorized"/"Forbidden"), KC_ESTATE, KC_ENOMEM. With use.latest.version the
 * schema actually used is the latest's: *latest_text (may be NULL) gets it (borrowed, valid
 * until the latest version is fetched again: never with latest.cache.ttl.sec=-1, the default).
 * With latest.compatibility.strict the check is the registry's compatibility endpoint (Java
 * checks locally that the latest can read the schema).
 */
int kc_sr_id_for_schema(kc_sr_client_t *c, const char *subject, const char *schema_text,
                        size_t len, int32_t *id, const char **latest_text, size_t *latest_len,
                        char *errstr, size_t errstr_size);

/**
 * Deserializer's version look-up (AbstractKafkaAvroDeserializer.schemaVersion: the subject
 * version the AvroConverter gives toConnectData): POST /subjects/{subject} with the schema read
 * by id, cached per subject. @returns 0 with *version, KC_AGAIN, KC_ECONVERT with errstr (40403:
 * the schema is not registered under @p subject, as Java fails then), KC_ESTATE, KC_ENOMEM.
 */
int kc_sr_version_of(kc_sr_client_t *c, const char *subject, const char *schema_text, size_t len,
                     int32_t *version, char *errstr, size_t errstr_size);

/** True when the last error given to a probe was an authentication/authorization failure (401/403). */
bool kc_sr_last_error_is_auth(const kc_sr_client_t *c);

/** Counters for tests and metrics. */
typedef struct kc_sr_stats_s {
  uint64_t requests;   /* HTTP requests sent */
  uint64_t retries;    /* transient failures retried */
  uint64_t failovers;  /* switched to the next URL */
  uint64_t cache_hits; /* probes answered from the caches */
} kc_sr_stats_t;
void kc_sr_client_stats(const kc_sr_client_t *c, kc_sr_stats_t *out);

/* ---- internals shared by schema_registry.c and schema_registry_config.c ---- */

/** One base URL of schema.registry.url: what is requested and printed (user info removed). */
typedef struct kc_sr_url_s {
  char *base;     /**< "http://host:port[/path]" without user info and trailing '/' */
  char *userinfo; /**< "user:pass" from the URL (basic.auth.credentials.source=URL), or NULL */
} kc_sr_url_t;

/** The parsed settings (kc__sr_config_parse()). */
typedef struct kc_sr_settings_s {
  kc_sr_url_t *urls;
  size_t nurls;
  char *auth_header;   /**< "Basic ..." / "Bearer ..." for every URL, or NULL */
  bool url_auth;       /**< source URL: each URL's own user info, when it has one */
  char **headers;      /**< extra "Name" "value" pairs (request.header.*, bearer cluster ids) */
  size_t nheaders;     /**< pairs */
  kc_http_tls_t *tls;  /**< NULL: curl's defaults */
  bool auto_register, use_latest, latest_strict, normalize;
  int64_t max_per_subject;
  int64_t latest_ttl_sec; /**< -1: never expires */
  int64_t latest_cache_size;
  int64_t connect_ms, read_ms;
  int64_t backoff_ms, backoff_max_ms;
} kc_sr_settings_t;

/** Parses @p cfg into @p out (zeroed first). @returns 0 or KC_EINVAL/KC_ENOMEM with errstr. */
int kc__sr_config_parse(const kc_config_t *cfg, kc_sr_settings_t *out, char *errstr,
                        size_t errstr_size);
/** Frees what kc__sr_config_parse() allocated (secrets wiped). */
void kc__sr_config_free(kc_sr_settings_t *s);

#endif
