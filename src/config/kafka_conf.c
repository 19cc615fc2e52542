/*
 * Java Kafka client settings -> one librdkafka conf.
 *
 * Users bring worker files written for the Java clients (Confluent Cloud's
 * SASL_SSL + JAAS shape above all), so every Java key either maps to its
 * librdkafka equivalent, is translated (JAAS -> sasl.username/password, key
 * stores -> PEM/PKCS#12 locations), or is named in one warning per client as
 * having no equivalent. Keys under a client prefix that are not Java keys are
 * tried as native librdkafka keys, so "consumer.queued.max.messages.kbytes"
 * works too.
 *
 * Sources, lowest precedence first:
 *   1. Connect's per-client defaults (Worker.java: producer acks=all and
 *      max.in.flight=1; consumer auto.offset.reset=earliest) and kconnect's
 *      memory caps (a sidecar must not buffer hundreds of MiB by default);
 *   2. top-level worker keys, connection-level ones only (security, TLS,
 *      timeouts): a worker's group settings such as session.timeout.ms must
 *      not leak into connector consumers;
 *   3. "consumer." / "producer." / "admin." worker keys;
 *   4. the connector's overrides.
 * Values are validated by librdkafka; its messages are re-labelled with the
 * key as the user wrote it ("consumer.session.timeout.ms: ...").
 */
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>

#include "config/kafka_conf.h"
#include "kafka/fetch_wake.h"
#include "util/log.h"

#define KC_CONSUMER_BIT 1
#define KC_PRODUCER_BIT 2
#define KC_ADMIN_BIT 4
#define ANY (KC_CONSUMER_BIT | KC_PRODUCER_BIT | KC_ADMIN_BIT)
#define CON KC_CONSUMER_BIT
#define PRO KC_PRODUCER_BIT
#define TOP 8 /* also taken from top-level worker keys */

typedef struct build_s build_t;

typedef enum {
  MAP_RENAME,   /* set rd key to the value (rd may be the same name) */
  MAP_SPECIAL,  /* handler */
  MAP_DEFERRED, /* collected, handled after all keys (TLS stores) */
  MAP_SILENT,   /* accepted and ignored: the caller or kconnect manages it */
  MAP_NONE      /* Java-only: named in the warning */
} map_kind_t;

typedef struct {
  const char *java;
  map_kind_t how;
  const char *rd; /* MAP_RENAME target */
  int scope;      /* client bits, plus TOP */
  int (*handle)(build_t *b, const char *key, const char *value);
} client_key_t;

struct build_s {
  kc_kafka_client_kind_t kind;
  rd_kafka_conf_t *conf;
  kc_config_t *user_rd;   /* rd keys the user set (directly or through a Java key) */
  kc_config_t *deferred;  /* Java TLS keys -> value */
  kc_config_t *deferred_from; /* Java TLS keys -> key as written */
  kc_buf_t ignored;       /* keys named in the warning */
  /* A security setting we cannot apply: an error once the client's security.protocol shows the
   * layer it configures (TLS or SASL) is in use; no effect (as in Java) otherwise. */
  char refused_msg[512];
  int refused_layer; /* 0 none, LAYER_TLS, LAYER_SASL, or both */
  bool from_connector;    /* applying a connector's *.override.* keys */
  char *errstr;
  size_t errstr_size;
};

/*
 * librdkafka settings that run a command, load code or feed a shell, so a
 * connector config (REST or file) may never set them, whatever the override
 * policy: REST clients must not get code execution on the worker host. The
 * worker file (the operator's) may. Java keys that map onto these are blocked
 * the same way, since the check is on the librdkafka name being set.
 */
static const struct {
  const char *rd;
  const char *why;
} blocked_from_connector[] = {
    {"sasl.kerberos.kinit.cmd", "runs a shell command"},
    {"sasl.kerberos.keytab", "is interpolated into the kinit shell command"},
    {"sasl.kerberos.principal", "is interpolated into the kinit shell command"},
    {"plugin.library.paths", "loads shared libraries"},
    {"ssl.engine.location", "loads an OpenSSL engine library"},
    {"ssl.engine.id", "selects an OpenSSL engine to load"},
    {"ssl_engine_callback_data", "passes data to engine code"},
    {"ssl.providers", "loads OpenSSL provider modules"},
    {"ssl.crl.location", "reads an arbitrary file"},
    {"ssl.ca.certificate.stores", "opens system certificate stores"},
    {NULL, NULL},
};

const char *kc_kafka_conf_blocked_reason(const char *rd_key) {
  for (size_t i = 0; blocked_from_connector[i].rd; i++)
    if (blocked_from_connector[i].why && strcmp(blocked_from_connector[i].rd, rd_key) == 0)
      return blocked_from_connector[i].why;
  return NULL;
}

static int set_rd(build_t *b, const char *shown_key, const char *rd_key, const char *value) {
  char why[512] = "";
  const char *blocked = b->from_connector ? kc_kafka_conf_blocked_reason(rd_key) : NULL;
  if (blocked) {
    snprintf(b->errstr, b->errstr_size,
             "%s: may not be set in a connector configuration: the librdkafka setting %s %s",
             shown_key ? shown_key : rd_key, rd_key, blocked);
    return KC_EINVAL;
  }
  rd_kafka_conf_res_t res = rd_kafka_conf_set(b->conf, rd_key, value, why, sizeof why);
  if (res == RD_KAFKA_CONF_OK) {
    if (shown_key) kc_config_set(b->user_rd, rd_key, "1");
    return 0;
  }
  snprintf(b->errstr, b->errstr_size, "%s: %s", shown_key ? shown_key : rd_key, why);
  return res == RD_KAFKA_CONF_UNKNOWN ? KC_ENOENT : KC_EINVAL;
}

static void add_ignored(build_t *b, const char *key) {
  if (b->ignored.len) kc_buf_puts(&b->ignored, ", ");
  kc_buf_puts(&b->ignored, key);
}

/* ---- handlers ---- */

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}


static int h_bootstrap(build_t *b, const char *key, const char *value) {
  /* Java takes "a:9092, b:9092"; librdkafka wants no blanks. */
  char *v = strdup(value);
  if (!v) return KC_ENOMEM;
  char *w = v;
  for (const char *p = value; *p; p++)
    if (!isspace((unsigned char)*p)) *w++ = *p;
  *w = '\0';
  int rc = *v ? set_rd(b, key, "bootstrap.servers", v) : 0;
  free(v);
  return rc;
}

static int h_security_protocol(build_t *b, const char *key, const char *value) {
  static const char *const ok[] = {"PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL", NULL};
  for (int i = 0; ok[i]; i++)
    if (strcasecmp(value, ok[i]) == 0) return set_rd(b, key, "security.protocol", ok[i]);
  snprintf(b->errstr, b->errstr_size,
           "%s: Invalid value %s: must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL", key,
           value);
  return KC_EINVAL;
}

static int h_sasl_mechanism(build_t *b, const char *key, const char *value) {
  static const char *const ok[] = {"GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512",
                                   "OAUTHBEARER", NULL};
  /* librdkafka before 2.6.1 repeats its nonce in the SCRAM client-final message
   * (confluentinc/librdkafka#4895); Kafka 4.x checks it as RFC 5802 says and refuses every
   * login, which then looks like a wrong password. Said once per process. */
  static bool scram_warned;
  if (strncmp(value, "SCRAM-", 6) == 0 && rd_kafka_version() < 0x020601ff && !scram_warned) {
    scram_warned = true;
    kc_log_warn("kc.config",
                "%s=%s: librdkafka %s predates 2.6.1, whose SCRAM Kafka 4.x brokers refuse as "
                "invalid credentials (librdkafka issue 4895); 3.x brokers accept it",
                key, value, rd_kafka_version_str());
  }
  for (int i = 0; ok[i]; i++)
    if (strcmp(value, ok[i]) == 0) return set_rd(b, key, "sasl.mechanisms", value);
  snprintf(b->errstr, b->errstr_size,
           "%s: Unsupported SASL mechanism %s (supported: GSSAPI, PLAIN, SCRAM-SHA-256, "
           "SCRAM-SHA-512, OAUTHBEARER)",
           key, value);
  return KC_EINVAL;
}

/* Java "-1" means the OS default, librdkafka "0". */
static int h_socket_buffer(build_t *b, const char *key, const char *value) {
  const char *rd = ends_with(key, "receive.buffer.bytes") ? "socket.receive.buffer.bytes"
                                                         : "socket.send.buffer.bytes";
  return set_rd(b, key, rd, strcmp(value, "-1") == 0 ? "0" : value);
}

static int h_request_timeout(build_t *b, const char *key, const char *value) {
  /* The producer's request.timeout.ms is librdkafka's; for other clients it is the network timeout. */
  return set_rd(b, key, b->kind == KC_KAFKA_PRODUCER ? "request.timeout.ms" : "socket.timeout.ms",
                value);
}

static int h_auto_offset_reset(build_t *b, const char *key, const char *value) {
  if (strcasecmp(value, "earliest") == 0 || strcasecmp(value, "latest") == 0)
    return set_rd(b, key, "auto.offset.reset", value);
  if (strcasecmp(value, "none") == 0) return set_rd(b, key, "auto.offset.reset", "error");
  snprintf(b->errstr, b->errstr_size,
           "%s: Invalid value %s: must be one of earliest, latest, none", key, value);
  return KC_EINVAL;
}

static int h_endpoint_id(build_t *b, const char *key, const char *value) {
  if (!*value || strcasecmp(value, "none") == 0)
    return set_rd(b, key, "ssl.endpoint.identification.algorithm", "none");
  if (strcasecmp(value, "https") == 0)
    return set_rd(b, key, "ssl.endpoint.identification.algorithm", "https");
  snprintf(b->errstr, b->errstr_size, "%s: Invalid value %s: must be https or empty", key, value);
  return KC_EINVAL;
}

static int h_dns_lookup(build_t *b, const char *key, const char *value) {
  /* librdkafka resolves and tries every address, which is use_all_dns_ips. */
  if (strcmp(value, "use_all_dns_ips") == 0 || strcmp(value, "default") == 0) return 0;
  add_ignored(b, key);
  return 0;
}

static int h_buffer_memory(build_t *b, const char *key, const char *value) {
  char *end;
  errno = 0;
  long long bytes = strtoll(value, &end, 10);
  if (errno || *end || end == value || bytes < 1) {
    snprintf(b->errstr, b->errstr_size, "%s: Invalid value %s: expected a positive number of bytes",
             key, value);
    return KC_EINVAL;
  }
  char kb[32];
  snprintf(kb, sizeof kb, "%lld", (bytes + 1023) / 1024);
  return set_rd(b, key, "queue.buffering.max.kbytes", kb);
}

static int h_assignment_strategy(build_t *b, const char *key, const char *value) {
  static const char *const map[][2] = {
      {"RangeAssignor", "range"},
      {"RoundRobinAssignor", "roundrobin"},
      {"CooperativeStickyAssignor", "cooperative-sticky"},
  };
  char out[256] = "";
  char *copy = strdup(value);
  if (!copy) return KC_ENOMEM;
  int rc = 0;
  for (char *save = NULL, *tok = strtok_r(copy, ", ", &save); tok && !rc;
       tok = strtok_r(NULL, ", ", &save)) {
    const char *simple = strrchr(tok, '.') ? strrchr(tok, '.') + 1 : tok;
    const char *rd = NULL;
    for (size_t i = 0; i < 3 && !rd; i++)
      if (strcmp(simple, map[i][0]) == 0 || strcmp(tok, map[i][1]) == 0) rd = map[i][1];
    if (!rd) {
      snprintf(b->errstr, b->errstr_size,
               "%s: assignor %s has no librdkafka equivalent (use RangeAssignor, "
               "RoundRobinAssignor or CooperativeStickyAssignor)",
               key, tok);
      rc = KC_EINVAL;
    } else {
      snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", *out ? "," : "", rd);
    }
  }
  free(copy);
  /* librdkafka cannot mix cooperative and eager assignors; Java's default list does. Prefer cooperative. */
  if (!rc && strstr(out, "cooperative-sticky") && strchr(out, ','))
    snprintf(out, sizeof out, "cooperative-sticky");
  return rc ? rc : set_rd(b, key, "partition.assignment.strategy", out);
}

static int h_enable_auto_commit(build_t *b, const char *key, const char *value) {
  /* Sink tasks commit the offsets their connector has flushed; auto-commit would lose data. */
  if (strcasecmp(value, "false") != 0)
    kc_log_warn("kc.config", "%s=%s ignored: kconnect commits sink offsets itself", key, value);
  return 0;
}

/*
 * Security settings fail closed: a Java class that would change how a client
 * authenticates or encrypts cannot be loaded here, and silently connecting
 * without it is not an option. An empty value is Java's "not set".
 */
#define LAYER_TLS 1
#define LAYER_SASL 2

static int refuse(build_t *b, int layer, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(build_t *b, int layer, const char *fmt, ...) {
  if (b->refused_layer) return 0; /* the first one is reported */
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->refused_msg, sizeof b->refused_msg, fmt, ap);
  va_end(ap);
  b->refused_layer = layer;
  return 0;
}

static int h_java_class(build_t *b, const char *key, const char *value) {
  if (!*value) return 0;
  /* key is as written, possibly prefixed ("consumer.sasl.login.class") */
  int layer = strstr(key, "security.providers") ? LAYER_TLS | LAYER_SASL
              : strstr(key, "sasl.")            ? LAYER_SASL
                                                : LAYER_TLS;
  return refuse(b, layer,
                "%s=%s: kconnect cannot load Java classes, and this setting changes how the "
                "client authenticates or encrypts, so it is refused rather than ignored; remove it",
                key, value);
}

static int h_login_callback(build_t *b, const char *key, const char *value) {
  /* The OIDC handler is what sasl.oauthbearer.method=oidc does natively. */
  if (!*value || strstr(value, "OAuthBearerLoginCallbackHandler")) return 0;
  return h_java_class(b, key, value);
}

/* Java's suite names (TLS_ECDHE_RSA_WITH_...) are not OpenSSL's: a restriction we cannot apply. */
static int h_cipher_suites(build_t *b, const char *key, const char *value) {
  if (!*value) return 0;
  return refuse(b, LAYER_TLS,
           "%s: Java cipher suite names cannot be applied to librdkafka's OpenSSL; remove it "
           "(OpenSSL's default suites apply) or set librdkafka's own ssl.cipher.suites (OpenSSL "
           "names) under consumer./producer./admin. in the worker file",
           key);
}

/*
 * librdkafka negotiates TLS 1.2 or 1.3 (OpenSSL's range); it has no setting to
 * narrow that. A list that keeps TLSv1.2 allows at least what we negotiate; one
 * without it (TLSv1.3 only) asks for a restriction we cannot enforce.
 */
static int h_enabled_protocols(build_t *b, const char *key, const char *value) {
  if (!*value) return 0;
  char *copy = strdup(value), *save = NULL;
  if (!copy) return KC_ENOMEM;
  bool has12 = false;
  for (char *t = strtok_r(copy, ", \t", &save); t; t = strtok_r(NULL, ", \t", &save))
    if (strcmp(t, "TLSv1.2") == 0) has12 = true;
  free(copy);
  if (has12) return 0;
  return refuse(b, LAYER_TLS,
           "%s=%s: librdkafka negotiates TLSv1.2 or TLSv1.3 and cannot be limited to this list; "
           "include TLSv1.2 or remove the setting",
           key, value);
}

static int h_oauth_endpoint(build_t *b, const char *key, const char *value) {
  int rc = set_rd(b, key, "sasl.oauthbearer.token.endpoint.url", value);
  return rc ? rc : set_rd(b, key, "sasl.oauthbearer.method", "oidc");
}

static int h_jaas(build_t *b, const char *key, const char *value);

/* ---- the Java client keys ---- */

static const client_key_t client_keys[] = {
    {"bootstrap.servers", MAP_SPECIAL, NULL, ANY | TOP, h_bootstrap},
    {"client.id", MAP_RENAME, "client.id", ANY, NULL},
    {"security.protocol", MAP_SPECIAL, NULL, ANY | TOP, h_security_protocol},
    {"sasl.mechanism", MAP_SPECIAL, NULL, ANY | TOP, h_sasl_mechanism},
    {"sasl.jaas.config", MAP_SPECIAL, NULL, ANY | TOP, h_jaas},
    {"sasl.kerberos.service.name", MAP_RENAME, "sasl.kerberos.service.name", ANY | TOP, NULL},
    {"sasl.kerberos.kinit.cmd", MAP_RENAME, "sasl.kerberos.kinit.cmd", ANY | TOP, NULL},
    {"sasl.kerberos.min.time.before.relogin", MAP_RENAME, "sasl.kerberos.min.time.before.relogin",
     ANY | TOP, NULL},
    {"sasl.kerberos.ticket.renew.jitter", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.kerberos.ticket.renew.window.factor", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.login.callback.handler.class", MAP_SPECIAL, NULL, ANY | TOP, h_login_callback},
    {"sasl.client.callback.handler.class", MAP_SPECIAL, NULL, ANY | TOP, h_java_class},
    {"sasl.login.class", MAP_SPECIAL, NULL, ANY | TOP, h_java_class},
    {"sasl.login.refresh.buffer.seconds", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.login.refresh.min.period.seconds", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.login.refresh.window.factor", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.login.refresh.window.jitter", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.login.connect.timeout.ms", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.login.read.timeout.ms", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.login.retry.backoff.ms", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.login.retry.backoff.max.ms", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.oauthbearer.token.endpoint.url", MAP_SPECIAL, NULL, ANY | TOP, h_oauth_endpoint},
    {"sasl.oauthbearer.scope.claim.name", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.oauthbearer.sub.claim.name", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.oauthbearer.jwks.endpoint.url", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.oauthbearer.expected.audience", MAP_NONE, NULL, ANY | TOP, NULL},
    {"sasl.oauthbearer.expected.issuer", MAP_NONE, NULL, ANY | TOP, NULL},
    {"ssl.truststore.location", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.truststore.type", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.truststore.password", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.truststore.certificates", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.keystore.location", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.keystore.type", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.keystore.password", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.keystore.certificate.chain", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.keystore.key", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.key.password", MAP_DEFERRED, NULL, ANY | TOP, NULL},
    {"ssl.endpoint.identification.algorithm", MAP_SPECIAL, NULL, ANY | TOP, h_endpoint_id},
    /* Java cipher names (TLS_ECDHE_...) are not OpenSSL's; TLS versions are OpenSSL's choice. */
    {"ssl.cipher.suites", MAP_SPECIAL, NULL, ANY | TOP, h_cipher_suites},
    {"ssl.enabled.protocols", MAP_SPECIAL, NULL, ANY | TOP, h_enabled_protocols},
    {"ssl.protocol", MAP_NONE, NULL, ANY | TOP, NULL},
    {"ssl.keymanager.algorithm", MAP_NONE, NULL, ANY | TOP, NULL},
    {"ssl.trustmanager.algorithm", MAP_NONE, NULL, ANY | TOP, NULL},
    {"ssl.secure.random.implementation", MAP_NONE, NULL, ANY | TOP, NULL},
    {"ssl.provider", MAP_SPECIAL, NULL, ANY | TOP, h_java_class},
    {"ssl.engine.factory.class", MAP_SPECIAL, NULL, ANY | TOP, h_java_class},
    {"security.providers", MAP_SPECIAL, NULL, ANY | TOP, h_java_class},
    {"request.timeout.ms", MAP_SPECIAL, NULL, ANY | TOP, h_request_timeout},
    {"retry.backoff.ms", MAP_RENAME, "retry.backoff.ms", PRO | TOP, NULL},
    {"retry.backoff.max.ms", MAP_RENAME, "retry.backoff.max.ms", PRO | TOP, NULL},
    {"metadata.max.age.ms", MAP_RENAME, "topic.metadata.refresh.interval.ms", ANY | TOP, NULL},
    {"reconnect.backoff.ms", MAP_RENAME, "reconnect.backoff.ms", ANY | TOP, NULL},
    {"reconnect.backoff.max.ms", MAP_RENAME, "reconnect.backoff.max.ms", ANY | TOP, NULL},
    {"connections.max.idle.ms", MAP_RENAME, "connections.max.idle.ms", ANY | TOP, NULL},
    {"receive.buffer.bytes", MAP_SPECIAL, NULL, ANY | TOP, h_socket_buffer},
    {"send.buffer.bytes", MAP_SPECIAL, NULL, ANY | TOP, h_socket_buffer},
    {"socket.connection.setup.timeout.ms", MAP_RENAME, "socket.connection.setup.timeout.ms",
     ANY | TOP, NULL},
    {"socket.connection.setup.timeout.max.ms", MAP_NONE, NULL, ANY | TOP, NULL},
    {"client.dns.lookup", MAP_SPECIAL, NULL, ANY | TOP, h_dns_lookup},
    {"client.rack", MAP_RENAME, "client.rack", CON, NULL},
    {"metadata.recovery.strategy", MAP_NONE, NULL, ANY | TOP, NULL},
    {"default.api.timeout.ms", MAP_NONE, NULL, ANY, NULL},
    {"metric.reporters", MAP_NONE, NULL, ANY, NULL},
    {"metrics.num.samples", MAP_NONE, NULL, ANY, NULL},
    {"metrics.sample.window.ms", MAP_NONE, NULL, ANY, NULL},
    {"metrics.recording.level", MAP_NONE, NULL, ANY, NULL},
    {"auto.include.jmx.reporter", MAP_NONE, NULL, ANY, NULL},
    {"enable.metrics.push", MAP_NONE, NULL, ANY, NULL},
    /* consumer */
    {"group.id", MAP_SILENT, NULL, CON, NULL}, /* the caller sets it */
    {"group.instance.id", MAP_RENAME, "group.instance.id", CON, NULL},
    {"session.timeout.ms", MAP_RENAME, "session.timeout.ms", CON, NULL},
    {"heartbeat.interval.ms", MAP_RENAME, "heartbeat.interval.ms", CON, NULL},
    {"max.poll.interval.ms", MAP_RENAME, "max.poll.interval.ms", CON, NULL},
    {"auto.offset.reset", MAP_SPECIAL, NULL, CON, h_auto_offset_reset},
    {"fetch.min.bytes", MAP_RENAME, "fetch.min.bytes", CON, NULL},
    {"fetch.max.bytes", MAP_RENAME, "fetch.max.bytes", CON, NULL},
    {"max.partition.fetch.bytes", MAP_RENAME, "fetch.message.max.bytes", CON, NULL},
    {"fetch.max.wait.ms", MAP_RENAME, "fetch.wait.max.ms", CON, NULL},
    {"isolation.level", MAP_RENAME, "isolation.level", CON, NULL},
    {"check.crcs", MAP_RENAME, "check.crcs", CON, NULL},
    {"allow.auto.create.topics", MAP_RENAME, "allow.auto.create.topics", CON, NULL},
    {"partition.assignment.strategy", MAP_SPECIAL, NULL, CON, h_assignment_strategy},
    {"enable.auto.commit", MAP_SPECIAL, NULL, CON, h_enable_auto_commit},
    {"auto.commit.interval.ms", MAP_SILENT, NULL, CON, NULL},
    {"max.poll.records", MAP_NONE, NULL, CON, NULL},
    /* applied by the topics.regex subscription (worker/pattern_sub.c), not by librdkafka */
    {"exclude.internal.topics", MAP_SILENT, NULL, CON, NULL},
    {"key.deserializer", MAP_NONE, NULL, CON, NULL},
    {"value.deserializer", MAP_NONE, NULL, CON, NULL},
    {"interceptor.classes", MAP_NONE, NULL, CON | PRO, NULL},
    {"group.protocol", MAP_NONE, NULL, CON, NULL},
    {"group.remote.assignor", MAP_NONE, NULL, CON, NULL},
    /* producer */
    {"acks", MAP_RENAME, "acks", PRO, NULL},
    {"retries", MAP_RENAME, "retries", PRO, NULL},
    {"linger.ms", MAP_RENAME, "linger.ms", PRO, NULL},
    {"batch.size", MAP_RENAME, "batch.size", PRO, NULL},
    {"compression.type", MAP_RENAME, "compression.type", PRO, NULL},
    {"max.in.flight.requests.per.connection", MAP_RENAME, "max.in.flight.requests.per.connection",
     PRO, NULL},
    {"enable.idempotence", MAP_RENAME, "enable.idempotence", PRO, NULL},
    {"delivery.timeout.ms", MAP_RENAME, "delivery.timeout.ms", PRO, NULL},
    {"transactional.id", MAP_RENAME, "transactional.id", PRO, NULL},
    {"transaction.timeout.ms", MAP_RENAME, "transaction.timeout.ms", PRO, NULL},
    {"max.request.size", MAP_RENAME, "message.max.bytes", PRO, NULL},
    {"buffer.memory", MAP_SPECIAL, NULL, PRO, h_buffer_memory},
    {"max.block.ms", MAP_NONE, NULL, PRO, NULL},
    {"partitioner.class", MAP_NONE, NULL, PRO, NULL},
    {"partitioner.ignore.keys", MAP_NONE, NULL, PRO, NULL},
    {"partitioner.adaptive.partitioning.enable", MAP_NONE, NULL, PRO, NULL},
    {"partitioner.availability.timeout.ms", MAP_NONE, NULL, PRO, NULL},
    {"compression.gzip.level", MAP_NONE, NULL, PRO, NULL},
    {"compression.lz4.level", MAP_NONE, NULL, PRO, NULL},
    {"compression.zstd.level", MAP_NONE, NULL, PRO, NULL},
    {"key.serializer", MAP_NONE, NULL, PRO, NULL},
    {"value.serializer", MAP_NONE, NULL, PRO, NULL},
    {NULL, MAP_NONE, NULL, 0, NULL},
};

static const client_key_t *find_key(const char *java) {
  for (const client_key_t *k = client_keys; k->java; k++)
    if (strcmp(k->java, java) == 0) return k;
  return NULL;
}

bool kc_kafka_conf_is_client_key(const char *key) {
  return find_key(key) != NULL || strncmp(key, "ssl.", 4) == 0 || strncmp(key, "sasl.", 5) == 0;
}

int kc_kafka_conf_override_check(const char *key, char *errstr, size_t errstr_size) {
  const client_key_t *k = find_key(key);
  const char *why = kc_kafka_conf_blocked_reason(key);
  if (!why && k && k->how == MAP_RENAME) why = kc_kafka_conf_blocked_reason(k->rd);
  if (why) {
    snprintf(errstr, errstr_size,
             "kconnect does not allow '%s' in a connector configuration: the librdkafka setting %s",
             key, why);
    return KC_EINVAL;
  }
  if (!k) {
    snprintf(errstr, errstr_size,
             "'%s' is not a Java Kafka client setting; kconnect takes native librdkafka settings "
             "only from the worker configuration",
             key);
    return KC_EINVAL;
  }
  return 0;
}

static int kind_bit(kc_kafka_client_kind_t kind) {
  return kind == KC_KAFKA_CONSUMER ? CON : kind == KC_KAFKA_PRODUCER ? PRO : KC_ADMIN_BIT;
}

/*
 * Applies one user key. @p from_top: a top-level worker key, applied only if
 * it is a connection-level Java key and silently skipped otherwise.
 */
static int apply_key(build_t *b, const char *java, const char *shown, const char *value,
                     bool from_top) {
  const client_key_t *k = find_key(java);
  if (from_top && (!k || !(k->scope & TOP))) return 0;
  if (!k && b->from_connector) {
    /* Connectors may set only what Java clients know (as in Connect): a native librdkafka
     * key from a REST client could reach settings no Java client has. */
    snprintf(b->errstr, b->errstr_size,
             "%s: not a Java Kafka client setting; connector overrides may set only Java client "
             "settings (native librdkafka settings belong in the worker configuration)",
             shown);
    return KC_EINVAL;
  }
  if (!k) {
    /* Not a Java client key: maybe a native librdkafka one. */
    int rc = set_rd(b, shown, java, value);
    if (rc == KC_ENOENT) {
      add_ignored(b, shown);
      return 0;
    }
    return rc;
  }
  if (!(k->scope & kind_bit(b->kind))) {
    if (!from_top && k->how != MAP_SILENT) add_ignored(b, shown);
    return 0;
  }
  switch (k->how) {
    case MAP_RENAME: {
      int rc = set_rd(b, shown, k->rd, value);
      if (rc == KC_ENOENT) { /* not in this librdkafka version */
        add_ignored(b, shown);
        rc = 0;
      }
      return rc;
    }
    case MAP_SPECIAL: return k->handle(b, shown, value);
    case MAP_DEFERRED:
      if (kc_config_set(b->deferred, java, value) || kc_config_set(b->deferred_from, java, shown))
        return KC_ENOMEM;
      return 0;
    case MAP_SILENT: return 0;
    case MAP_NONE: add_ignored(b, shown); return 0;
  }
  return 0;
}


/* ---- sasl.jaas.config ---- */

/*
 * Kafka's JaasConfig grammar: one "<LoginModule class> <flag> [key=value]... ;"
 * entry; values are words or double-quoted strings with backslash escapes;
 * // and slash-star comments are allowed. Messages are Kafka's. They never
 * quote values: the entry carries the password.
 */
typedef enum { JT_EOF, JT_WORD, JT_QUOTED, JT_EQ, JT_SEMI, JT_OTHER } jaas_tok_t;

static bool jaas_word_char(unsigned char c) {
  return isalnum(c) || c == '.' || c == '-' || c == '_' || c == '$' || c >= 0x80;
}

static jaas_tok_t jaas_next(const char **pp, kc_buf_t *tok) {
  const char *p = *pp;
  kc_buf_reset(tok);
  for (;;) {
    while (isspace((unsigned char)*p)) p++;
    if (p[0] == '/' && p[1] == '/') {
      while (*p && *p != '\n') p++;
    } else if (p[0] == '/' && p[1] == '*') {
      const char *end = strstr(p + 2, "*/");
      p = end ? end + 2 : p + strlen(p);
    } else {
      break;
    }
  }
  jaas_tok_t t;
  if (!*p) {
    t = JT_EOF;
  } else if (*p == '=' || *p == ';') {
    t = *p++ == '=' ? JT_EQ : JT_SEMI;
  } else if (*p == '"') {
    /* java.io.StreamTokenizer quoting: ends at the quote, a newline or the end */
    for (p++; *p && *p != '"' && *p != '\n' && *p != '\r'; p++) {
      char c = *p;
      if (c == '\\' && p[1]) {
        c = *++p;
        c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c == 'b' ? '\b' : c == 'f' ? '\f'
          : c == 'a' ? '\a' : c == 'v' ? '\v' : c;
      }
      kc_buf_append(tok, &c, 1);
    }
    if (*p == '"') p++;
    t = JT_QUOTED;
  } else if (jaas_word_char((unsigned char)*p)) {
    const char *s = p;
    while (jaas_word_char((unsigned char)*p)) p++;
    kc_buf_append(tok, s, (size_t)(p - s));
    t = JT_WORD;
  } else {
    p++;
    t = JT_OTHER;
  }
  kc_buf_append(tok, "", 0);
  *pp = p;
  return t;
}

/* Parses @p text into module + options. @returns 0 or KC_EINVAL with Kafka's message in why. */
static int jaas_parse(const char *text, kc_buf_t *module, kc_config_t *opts, char *why,
                      size_t why_size) {
  kc_buf_t tok, key;
  kc_buf_init(&tok, 0);
  kc_buf_init(&key, 0);
  const char *p = text;
  int entries = 0, rc = 0;
  jaas_tok_t t;
  while (rc == 0 && (t = jaas_next(&p, &tok)) != JT_EOF) {
    if (t != JT_WORD && t != JT_QUOTED) {
      snprintf(why, why_size, "Unexpected token in JAAS config");
      rc = KC_EINVAL;
      break;
    }
    entries++;
    kc_buf_reset(module);
    kc_buf_puts(module, tok.data);
    t = jaas_next(&p, &tok);
    if (t == JT_EOF) {
      snprintf(why, why_size, "Login module control flag not specified in JAAS config");
      rc = KC_EINVAL;
      break;
    }
    static const char *const flags[] = {"required", "requisite", "sufficient", "optional", NULL};
    bool flag_ok = false;
    for (int i = 0; flags[i] && t == JT_WORD; i++) flag_ok |= strcasecmp(tok.data, flags[i]) == 0;
    if (!flag_ok) {
      snprintf(why, why_size, "Invalid login module control flag '%.64s' in JAAS config",
               t == JT_WORD ? tok.data : "");
      rc = KC_EINVAL;
      break;
    }
    while ((t = jaas_next(&p, &tok)) != JT_EOF && t != JT_SEMI) {
      kc_buf_reset(&key);
      kc_buf_puts(&key, tok.data);
      if (jaas_next(&p, &tok) != JT_EQ ||
          ((t = jaas_next(&p, &tok)) != JT_WORD && t != JT_QUOTED)) {
        snprintf(why, why_size, "Value not specified for key '%.128s' in JAAS config",
                 key.data ? key.data : "");
        rc = KC_EINVAL;
        break;
      }
      if (kc_config_set(opts, key.data, tok.data)) rc = KC_ENOMEM;
    }
    if (rc == 0 && t != JT_SEMI) {
      snprintf(why, why_size, "JAAS config entry not terminated by semi-colon");
      rc = KC_EINVAL;
    }
  }
  if (rc == 0 && entries != 1) {
    if (entries == 0) snprintf(why, why_size, "JAAS config property does not contain any login modules");
    else snprintf(why, why_size, "JAAS config property contains %d login modules, should be 1 module", entries);
    rc = KC_EINVAL;
  }
  kc_buf_free(&tok);
  kc_buf_free(&key);
  return rc;
}

static int h_jaas(build_t *b, const char *key, const char *value) {
  kc_buf_t module;
  kc_buf_init(&module, 0);
  kc_config_t *opts = kc_config_new();
  char why[256];
  int rc = opts ? jaas_parse(value, &module, opts, why, sizeof why) : KC_ENOMEM;
  if (rc == KC_EINVAL) snprintf(b->errstr, b->errstr_size, "%s: %s", key, why);
  const char *m = module.data ? module.data : "";
  const char *v;
  if (rc) {
    /* reported above */
  } else if (ends_with(m, ".PlainLoginModule") || ends_with(m, ".ScramLoginModule")) {
    if ((v = kc_config_get(opts, "username"))) rc = set_rd(b, key, "sasl.username", v);
    if (!rc && (v = kc_config_get(opts, "password"))) rc = set_rd(b, key, "sasl.password", v);
  } else if (ends_with(m, ".OAuthBearerLoginModule")) {
    kc_buf_t ext;
    kc_buf_init(&ext, 0);
    const char *k;
    for (size_t i = 0; !rc && kc_config_at(opts, i, &k, &v) == 0; i++) {
      if (strcmp(k, "clientId") == 0) rc = set_rd(b, key, "sasl.oauthbearer.client.id", v);
      else if (strcmp(k, "clientSecret") == 0) rc = set_rd(b, key, "sasl.oauthbearer.client.secret", v);
      else if (strcmp(k, "scope") == 0) rc = set_rd(b, key, "sasl.oauthbearer.scope", v);
      else if (strncmp(k, "extension_", 10) == 0)
        kc_buf_printf(&ext, "%s%s=%s", ext.len ? "," : "", k + 10, v);
      else if (strcmp(k, "unsecuredLoginStringClaim_sub") == 0) {
        char cfg[512];
        snprintf(cfg, sizeof cfg, "principal=%s", v);
        rc = set_rd(b, key, "enable.sasl.oauthbearer.unsecure.jwt", "true");
        if (!rc) rc = set_rd(b, key, "sasl.oauthbearer.config", cfg);
      }
    }
    if (!rc && ext.len) rc = set_rd(b, key, "sasl.oauthbearer.extensions", ext.data);
    kc_buf_free(&ext);
  } else if (ends_with(m, ".Krb5LoginModule")) {
    if ((v = kc_config_get(opts, "keyTab"))) rc = set_rd(b, key, "sasl.kerberos.keytab", v);
    if (!rc && (v = kc_config_get(opts, "principal")))
      rc = set_rd(b, key, "sasl.kerberos.principal", v);
  } else {
    snprintf(b->errstr, b->errstr_size,
             "%s: login module %.200s is not supported (use PlainLoginModule, ScramLoginModule, "
             "OAuthBearerLoginModule or Krb5LoginModule)",
             key, m);
    rc = KC_EINVAL;
  }
  kc_buf_free(&module);
  kc_config_destroy(opts);
  return rc;
}

/* ---- TLS key and trust stores ---- */

typedef enum { STORE_PEM, STORE_PKCS12, STORE_JKS, STORE_UNREADABLE } store_type_t;

/* Java's default store type is JKS; files given without a type are recognised by content. */
static store_type_t store_type(const char *type, const char *path) {
  if (type && *type) {
    if (strcasecmp(type, "PEM") == 0) return STORE_PEM;
    if (strcasecmp(type, "PKCS12") == 0) return STORE_PKCS12;
    return STORE_JKS;
  }
  FILE *f = fopen(path, "rb");
  if (!f) return STORE_UNREADABLE;
  unsigned char head[64];
  size_t n = fread(head, 1, sizeof head, f);
  fclose(f);
  if (n >= 4 && head[0] == 0xFE && head[1] == 0xED && head[2] == 0xFE && head[3] == 0xED)
    return STORE_JKS;
  size_t i = 0;
  while (i < n && isspace(head[i])) i++;
  if (n - i >= 10 && memcmp(head + i, "-----BEGIN", 10) == 0) return STORE_PEM;
  return STORE_PKCS12;
}

/* The certificates of a PKCS#12 trust store as PEM text (librdkafka has no PKCS#12 CA input). */
static int pkcs12_certs_pem(const char *path, const char *password, kc_buf_t *out, char *why,
                            size_t why_size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(why, why_size, "cannot open %s: %s", path, strerror(errno));
    return KC_EINVAL;
  }
  PKCS12 *p12 = d2i_PKCS12_fp(f, NULL);
  fclose(f);
  if (!p12) {
    snprintf(why, why_size, "%s is not a PKCS12 file", path);
    return KC_EINVAL;
  }
  EVP_PKEY *key = NULL;
  X509 *cert = NULL;
  STACK_OF(X509) *ca = NULL;
  int rc = KC_EINVAL;
  if (!PKCS12_parse(p12, password ? password : "", &key, &cert, &ca) &&
      !(password == NULL && PKCS12_parse(p12, NULL, &key, &cert, &ca))) {
    unsigned long e = ERR_get_error();
    snprintf(why, why_size, "cannot read PKCS12 trust store %s: %s", path,
             e ? ERR_reason_error_string(e) : "wrong password?");
    goto done;
  }
  BIO *mem = BIO_new(BIO_s_mem());
  if (!mem) goto done;
  int ncerts = 0;
  if (cert && PEM_write_bio_X509(mem, cert)) ncerts++;
  for (int i = 0; ca && i < sk_X509_num(ca); i++)
    if (PEM_write_bio_X509(mem, sk_X509_value(ca, i))) ncerts++;
  char *data;
  long len = BIO_get_mem_data(mem, &data);
  if (ncerts == 0) snprintf(why, why_size, "PKCS12 trust store %s holds no certificates", path);
  else rc = kc_buf_append(out, data, (size_t)len) ? KC_ENOMEM : 0;
  BIO_free(mem);
done:
  ERR_clear_error();
  EVP_PKEY_free(key);
  X509_free(cert);
  sk_X509_pop_free(ca, X509_free);
  PKCS12_free(p12);
  return rc;
}

static int apply_truststore(build_t *b) {
  const char *loc = kc_config_get(b->deferred, "ssl.truststore.location");
  const char *type = kc_config_get(b->deferred, "ssl.truststore.type");
  const char *certs = kc_config_get(b->deferred, "ssl.truststore.certificates");
  const char *loc_key = kc_config_get(b->deferred_from, "ssl.truststore.location");
  if (certs && *certs) return set_rd(b, kc_config_get(b->deferred_from, "ssl.truststore.certificates"), "ssl.ca.pem", certs);
  if (!loc || !*loc) return 0;
  switch (store_type(type, loc)) {
    case STORE_PEM: return set_rd(b, loc_key, "ssl.ca.location", loc);
    case STORE_PKCS12: {
      kc_buf_t pem;
      kc_buf_init(&pem, 0);
      char why[512];
      int rc = pkcs12_certs_pem(loc, kc_config_get(b->deferred, "ssl.truststore.password"), &pem,
                                why, sizeof why);
      if (rc == 0) rc = set_rd(b, loc_key, "ssl.ca.pem", pem.data);
      else snprintf(b->errstr, b->errstr_size, "%s: %s", loc_key, why);
      kc_buf_free(&pem);
      return rc;
    }
    case STORE_UNREADABLE:
      snprintf(b->errstr, b->errstr_size, "%s: cannot read %s: %s", loc_key, loc, strerror(errno));
      return KC_EINVAL;
    case STORE_JKS: break;
  }
  snprintf(b->errstr, b->errstr_size,
           "%s: JKS trust stores are not supported; use a PEM file (ssl.truststore.type=PEM) or "
           "PKCS12 (ssl.truststore.type=PKCS12)",
           loc_key);
  return KC_EINVAL;
}

static int apply_keystore(build_t *b) {
  const char *loc = kc_config_get(b->deferred, "ssl.keystore.location");
  const char *type = kc_config_get(b->deferred, "ssl.keystore.type");
  const char *pass = kc_config_get(b->deferred, "ssl.keystore.password");
  const char *key_pass = kc_config_get(b->deferred, "ssl.key.password");
  const char *chain = kc_config_get(b->deferred, "ssl.keystore.certificate.chain");
  const char *key = kc_config_get(b->deferred, "ssl.keystore.key");
  const char *loc_key = kc_config_get(b->deferred_from, "ssl.keystore.location");
  int rc = 0;
  if (chain && *chain)
    rc = set_rd(b, kc_config_get(b->deferred_from, "ssl.keystore.certificate.chain"),
                "ssl.certificate.pem", chain);
  if (!rc && key && *key)
    rc = set_rd(b, kc_config_get(b->deferred_from, "ssl.keystore.key"), "ssl.key.pem", key);
  if (!rc && key_pass && ((key && *key) || (loc && *loc)))
    rc = set_rd(b, kc_config_get(b->deferred_from, "ssl.key.password"), "ssl.key.password",
                key_pass);
  if (rc || !loc || !*loc) return rc;
  switch (store_type(type, loc)) {
    case STORE_PKCS12:
      rc = set_rd(b, loc_key, "ssl.keystore.location", loc);
      if (!rc && pass) rc = set_rd(b, loc_key, "ssl.keystore.password", pass);
      return rc;
    case STORE_PEM: /* Java's PEM key store holds the key and the certificate chain together */
      rc = set_rd(b, loc_key, "ssl.certificate.location", loc);
      return rc ? rc : set_rd(b, loc_key, "ssl.key.location", loc);
    case STORE_UNREADABLE:
      snprintf(b->errstr, b->errstr_size, "%s: cannot read %s: %s", loc_key, loc, strerror(errno));
      return KC_EINVAL;
    case STORE_JKS: break;
  }
  snprintf(b->errstr, b->errstr_size,
           "%s: JKS key stores are not supported; use PKCS12 (ssl.keystore.type=PKCS12) or PEM "
           "(ssl.keystore.type=PEM)",
           loc_key);
  return KC_EINVAL;
}

/* ---- build ---- */

static int set_default(build_t *b, const char *rd_key, const char *value) {
  if (kc_config_get(b->user_rd, rd_key)) return 0;
  return set_rd(b, NULL, rd_key, value);
}

static const char *kind_name(kc_kafka_client_kind_t kind) {
  return kind == KC_KAFKA_CONSUMER ? "consumer" : kind == KC_KAFKA_PRODUCER ? "producer" : "admin";
}

static int apply_all(build_t *b, const kc_config_t *worker, const kc_config_t *overrides) {
  char prefix[32], override_prefix[48];
  snprintf(prefix, sizeof prefix, "%s.", kind_name(b->kind));
  snprintf(override_prefix, sizeof override_prefix, "%s.override.", kind_name(b->kind));
  size_t plen = strlen(prefix);
  const char *k, *v;
  int rc = 0;

  /* Connect's per-client defaults (Worker.java), below every user setting. */
  if (b->kind == KC_KAFKA_PRODUCER) {
    rc = set_rd(b, NULL, "acks", "all");
    if (!rc) rc = set_rd(b, NULL, "max.in.flight.requests.per.connection", "1");
    if (!rc) rc = set_rd(b, NULL, "delivery.timeout.ms", "2147483647");
  } else if (b->kind == KC_KAFKA_CONSUMER) {
    rc = set_rd(b, NULL, "auto.offset.reset", "earliest");
  }

  for (size_t i = 0; !rc && kc_config_at(worker, i, &k, &v) == 0; i++)
    if (strncmp(k, "consumer.", 9) && strncmp(k, "producer.", 9) && strncmp(k, "admin.", 6))
      rc = apply_key(b, k, k, v, true);
  for (size_t i = 0; !rc && kc_config_at(worker, i, &k, &v) == 0; i++)
    if (strncmp(k, prefix, plen) == 0) rc = apply_key(b, k + plen, k, v, false);
  char shown[512];
  b->from_connector = true;
  for (size_t i = 0; !rc && kc_config_at(overrides, i, &k, &v) == 0; i++) {
    snprintf(shown, sizeof shown, "%s%s", override_prefix, k);
    rc = apply_key(b, k, shown, v, false);
  }
  /* TLS stores may come from a connector's Java ssl.* keys (Connect allows them under All). */
  b->from_connector = false;
  if (!rc) rc = apply_truststore(b);
  if (!rc) rc = apply_keystore(b);
  if (rc) return rc;

  /* Memory caps for a sidecar; librdkafka's own defaults buffer up to 1 GiB. */
  if (b->kind == KC_KAFKA_CONSUMER) {
    enum { PREFETCH_KB = 4096 }; /* small is enough with fetch wake-ups (kafka/fetch_wake.h) */
    /* fetch.max.bytes follows queued.max.messages.kbytes unless set (librdkafka adjusts it). */
    const char *fmb = NULL;
    char kb[32];
    size_t n = sizeof kb;
    if (kc_config_get(b->user_rd, "fetch.max.bytes") &&
        rd_kafka_conf_get(b->conf, "fetch.max.bytes", kb, &n) == RD_KAFKA_CONF_OK) {
      long long bytes = atoll(kb);
      if (bytes > PREFETCH_KB * 1024LL) {
        snprintf(kb, sizeof kb, "%lld", (bytes + 1023) / 1024);
        fmb = kb;
      }
    }
    char def[16];
    snprintf(def, sizeof def, "%d", PREFETCH_KB);
    rc = set_default(b, "queued.max.messages.kbytes", fmb ? fmb : def);
    /* librdkafka 2.0.2 compares queued.min.messages with the whole consumer queue and, once it
     * is exceeded, backs every partition off for about a second (loop-integration.md K6): a
     * count low enough to bite cuts throughput tenfold. The byte cap above bounds memory. */
    if (!rc) rc = set_default(b, "queued.min.messages", "1000000");
    /* librdkafka >= 2.2 bounds that pause itself; older ones get broker wake-ups from the sink
     * runner instead (kafka/fetch_wake.h). */
    if (!rc && rd_kafka_version() >= KC_RDKAFKA_FETCH_QUEUE_BACKOFF)
      rc = set_default(b, "fetch.queue.backoff.ms", "10");
    /* The sink task stores and commits offsets itself. */
    if (!rc) rc = set_rd(b, NULL, "enable.auto.commit", "false");
    if (!rc) rc = set_rd(b, NULL, "enable.auto.offset.store", "false");
  } else if (b->kind == KC_KAFKA_PRODUCER) {
    rc = set_default(b, "queue.buffering.max.kbytes", "16384");
    if (!rc) rc = set_default(b, "queue.buffering.max.messages", "100000");
  }
  return rc;
}

/* PLAIN and SCRAM fail late and vaguely in librdkafka without credentials: say so now. */
static int check_sasl(build_t *b) {
  char proto[32] = "", mech[32] = "", user[8] = "";
  size_t n = sizeof proto;
  rd_kafka_conf_get(b->conf, "security.protocol", proto, &n);
  n = sizeof mech;
  rd_kafka_conf_get(b->conf, "sasl.mechanisms", mech, &n);
  n = sizeof user;
  rd_kafka_conf_res_t has_user = rd_kafka_conf_get(b->conf, "sasl.username", user, &n);
  if (strncasecmp(proto, "sasl_", 5) != 0) return 0;
  if ((strcmp(mech, "PLAIN") == 0 || strncmp(mech, "SCRAM-", 6) == 0) &&
      (has_user != RD_KAFKA_CONF_OK || n <= 1)) {
    snprintf(b->errstr, b->errstr_size,
             "sasl.jaas.config: SASL mechanism %s needs a username and password, e.g. "
             "sasl.jaas.config=org.apache.kafka.common.security.%s required "
             "username=\"...\" password=\"...\";",
             mech, strcmp(mech, "PLAIN") == 0 ? "plain.PlainLoginModule" : "scram.ScramLoginModule");
    return KC_EINVAL;
  }
  return 0;
}

int kc_kafka_conf_build(const kc_config_t *worker, kc_kafka_client_kind_t kind,
                        const kc_config_t *overrides, rd_kafka_conf_t **out, char *errstr,
                        size_t errstr_size) {
  build_t b = {.kind = kind, .errstr = errstr, .errstr_size = errstr_size};
  *out = NULL;
  b.conf = rd_kafka_conf_new();
  b.user_rd = kc_config_new();
  b.deferred = kc_config_new();
  b.deferred_from = kc_config_new();
  kc_buf_init(&b.ignored, 4096);
  int rc = b.conf && b.user_rd && b.deferred && b.deferred_from ? 0 : KC_ENOMEM;
  if (!rc) rc = apply_all(&b, worker, overrides);
  if (!rc) rc = check_sasl(&b);
  if (!rc && b.refused_layer) {
    char proto[32] = "plaintext";
    size_t plen = sizeof proto;
    rd_kafka_conf_get(b.conf, "security.protocol", proto, &plen);
    bool tls = strcasestr(proto, "ssl") != NULL, sasl = strncasecmp(proto, "sasl", 4) == 0;
    if (((b.refused_layer & LAYER_TLS) && tls) || ((b.refused_layer & LAYER_SASL) && sasl)) {
      snprintf(errstr, errstr_size, "%s", b.refused_msg);
      rc = KC_EINVAL;
    }
  }
  if (rc == KC_ENOMEM) snprintf(errstr, errstr_size, "%s config: out of memory", kind_name(kind));
  if (!rc && b.ignored.len)
    kc_log_warn("kc.config",
                "%s client: these settings have no librdkafka equivalent and are ignored: %s",
                kind_name(kind), b.ignored.data);
  kc_config_destroy(b.user_rd);
  kc_config_destroy(b.deferred);
  kc_config_destroy(b.deferred_from);
  kc_buf_free(&b.ignored);
  if (rc) {
    if (b.conf) rd_kafka_conf_destroy(b.conf);
    return rc == KC_ENOENT ? KC_EINVAL : rc;
  }
  *out = b.conf;
  return 0;
}

/* ---- static membership (KIP-345) ---- */

/* Kafka's rule for group.instance.id (JoinGroupRequest.validateGroupInstanceId): at most 249
 * characters out of [a-zA-Z0-9._-]. */
#define INSTANCE_ID_MAX 249

static bool instance_id_char(unsigned char c, bool dash_ok) {
  return isalnum(c) || c == '.' || (dash_ok && c == '-');
}

/* '_' escapes everything else as _XX, so the mapping stays one-to-one; the worker part escapes
 * '-' too, which leaves the last '-' as the one separator a task id and a worker id cannot move. */
static void instance_id_escape(kc_buf_t *b, const char *s, bool dash_ok) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if (instance_id_char(*p, dash_ok)) {
      kc_buf_append(b, (const char *)p, 1);
    } else {
      char esc[4];
      snprintf(esc, sizeof esc, "_%02x", *p);
      kc_buf_puts(b, esc);
    }
  }
}

static uint64_t fnv1a(uint64_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
  return h;
}

int kc_kafka_conf_instance_id(const char *connector, int task, const char *worker_id, char *out,
                              size_t out_size) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  char tid[16];
  snprintf(tid, sizeof tid, "%d", task);
  kc_buf_puts(&b, "connect-");
  instance_id_escape(&b, connector, true);
  kc_buf_puts(&b, "-");
  kc_buf_puts(&b, tid);
  kc_buf_puts(&b, "-");
  instance_id_escape(&b, worker_id, false);
  if (!b.data) {
    kc_buf_free(&b);
    return KC_ENOMEM;
  }
  if (b.len > INSTANCE_ID_MAX) {
    /* Too long for the broker: the connector part is cut and a hash of all three parts
     * (NUL-separated, so the cut cannot make two ids meet) takes the worker's place. */
    uint64_t h = 14695981039346656037ULL;
    h = fnv1a(h, connector, strlen(connector) + 1);
    h = fnv1a(h, tid, strlen(tid) + 1);
    h = fnv1a(h, worker_id, strlen(worker_id) + 1);
    char tail[48];
    int tl = snprintf(tail, sizeof tail, "-%s-h%016llx", tid, (unsigned long long)h);
    size_t keep = INSTANCE_ID_MAX - (size_t)tl;
    /* never end the cut inside an _XX escape ('_' only ever starts one) */
    if (b.data[keep - 1] == '_')
      keep -= 1;
    else if (b.data[keep - 2] == '_')
      keep -= 2;
    b.len = keep;
    kc_buf_puts(&b, tail);
  }
  int rc = b.data && b.len < out_size ? 0 : KC_EINVAL;
  if (!rc) snprintf(out, out_size, "%s", b.data);
  kc_buf_free(&b);
  return rc;
}
