/*
 * The worker config (connect-runtime.md 3.1, plus the distributed keys of 3.2
 * so a distributed worker file is accepted without noise). Values are checked
 * with the ConfigDef machinery, so messages are Connect's. Unknown keys only
 * warn, like Connect's AbstractConfig.logUnused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config/configdef.h"
#include "config/kafka_conf.h"
#include "config/override_policy.h"
#include "config/config_provider.h"
#include "config/worker_config.h"
#include "util/log.h"

#define I32_MAX 2147483647

/* The public struct first, so a kc_worker_config_t * is also a worker_config_t *. */
typedef struct {
  kc_worker_config_t pub;
  char *rest_host;
  char *advertised_host;
  kc_worker_listener_t *listeners; /* url and host strings owned */
  size_t nlisteners;
} worker_config_t;

/* Refused at start, like Connect's plugin lookup of the policy class: no policy fails open. */
static int validate_override_policy(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  kc_override_policy_t p;
  return kc_override_policy_parse(value, &p, errstr, n);
}

static int validate_plugin_discovery(const char *name, const char *value, char *errstr,
                                     size_t n) {
  (void)name;
  static const char *const modes[] = {"only_scan", "service_load", "hybrid_warn", "hybrid_fail",
                                      NULL};
  for (int i = 0; modes[i]; i++)
    if (strcasecmp(value, modes[i]) == 0) return 0;
  snprintf(errstr, n,
           "String must be one of (case insensitive): ONLY_SCAN, SERVICE_LOAD, HYBRID_WARN, "
           "HYBRID_FAIL");
  return KC_EINVAL;
}

/* WorkerConfig: in(INFO, DEBUG), case-sensitive. Every Connect metric is INFO, so DEBUG only adds
 * client metrics, which GET /metrics does not serve: both give the same /metrics. */
static int validate_recording_level(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  if (!strcmp(value, "INFO") || !strcmp(value, "DEBUG")) return 0;
  snprintf(errstr, n, "String must be one of: INFO, DEBUG");
  return KC_EINVAL;
}

/*
 * MetricsReporter classes are Java plugins kconnect cannot load, so any is refused, except Connect's
 * default JmxReporter, which worker files often spell out: kconnect has no JMX, and serves the
 * same metrics at GET /metrics instead (a warning says so).
 */
static int validate_metric_reporters(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  static const char jmx[] = "org.apache.kafka.common.metrics.JmxReporter";
  bool any = false;
  for (const char *p = value; *p;) {
    while (*p == ' ' || *p == ',') p++;
    size_t len = strcspn(p, ",");
    while (len && p[len - 1] == ' ') len--;
    if (!len) break;
    if (len != sizeof jmx - 1 || strncmp(p, jmx, len)) {
      snprintf(errstr, n, "Class %.*s cannot be loaded: kconnect runs no Java metrics reporters; its metrics "
                          "are served as Prometheus text at GET /metrics on the REST listeners", (int)(len > 200 ? 200 : len), p);
      return KC_EINVAL;
    }
    any = true;
    p += strcspn(p, ",");
  }
  if (any)
    kc_log_warn("kc.config", "metric.reporters: kconnect has no JMX; Connect's metrics are served as "
                             "Prometheus text at GET /metrics on the REST listeners");
  return 0;
}

#define DEF(name, type, dflt) \
  {name, type, dflt, 0, KC_CFG_LOW, NULL, NULL, NULL, 0, 0, NULL}
#define REQ(name, type) \
  {name, type, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH, NULL, NULL, NULL, 0, 0, NULL}
#define RANGE(name, type, dflt, lo, hi) \
  {name, type, dflt, 0, KC_CFG_LOW, NULL, NULL, NULL, lo, hi, NULL}

static const kc_config_def_t worker_defs[] = {
    DEF("bootstrap.servers", KC_CFG_LIST, "localhost:9092"),
    REQ("key.converter", KC_CFG_CLASS),
    REQ("value.converter", KC_CFG_CLASS),
    DEF("header.converter", KC_CFG_CLASS, "org.apache.kafka.connect.storage.SimpleHeaderConverter"),
    DEF("task.shutdown.graceful.timeout.ms", KC_CFG_LONG, "5000"),
    DEF("offset.flush.interval.ms", KC_CFG_LONG, "60000"),
    DEF("offset.flush.timeout.ms", KC_CFG_LONG, "5000"),
    DEF("offset.storage.file.filename", KC_CFG_STRING, NULL),
    DEF("plugin.path", KC_CFG_LIST, NULL),
    {"plugin.discovery", KC_CFG_STRING, "hybrid_warn", 0, KC_CFG_LOW, NULL, NULL, NULL, 0, 0,
     validate_plugin_discovery},
    DEF("config.providers", KC_CFG_LIST, ""),
    {"connector.client.config.override.policy", KC_CFG_STRING, "All", 0, KC_CFG_MEDIUM, NULL,
     NULL, NULL, 0, 0, validate_override_policy},
    DEF("connector.client.config.override.allowlist", KC_CFG_LIST, ""),
    /* Each task owns a Kafka client (threads, buffers): a cap keeps one REST call from
     * exhausting the host. tasks.max above it is a validation error. */
    RANGE("kconnect.tasks.max.per.connector", KC_CFG_INT, "256", 1, 100000),
    DEF("topic.creation.enable", KC_CFG_BOOLEAN, "true"),
    DEF("topic.tracking.enable", KC_CFG_BOOLEAN, "true"),
    DEF("topic.tracking.allow.reset", KC_CFG_BOOLEAN, "true"),
    /* GET /metrics' sample windows (src/metrics); Connect's atLeast(0) and atLeast(1) */
    RANGE("metrics.sample.window.ms", KC_CFG_LONG, "30000", 0, 9223372036854775807LL),
    RANGE("metrics.num.samples", KC_CFG_INT, "2", 1, I32_MAX),
    {"metrics.recording.level", KC_CFG_STRING, "INFO", 0, KC_CFG_LOW, NULL, NULL, NULL, 0, 0,
     validate_recording_level},
    {"metric.reporters", KC_CFG_LIST, "", 0, KC_CFG_LOW, NULL, NULL, NULL, 0, 0, validate_metric_reporters},
    DEF("auto.include.jmx.reporter", KC_CFG_BOOLEAN, "true"),
    DEF("kconnect.state.dir", KC_CFG_STRING, NULL),
    /* sink consumers join with a group.instance.id (KIP-345) so a restarted worker takes its
     * partitions back at once (README "Sink recovery after a crash") */
    DEF("kconnect.sink.static.membership", KC_CFG_BOOLEAN, "true"),
    /* applied by main.c before the rest (README "Logging") */
    DEF("kconnect.log.format", KC_CFG_STRING, "text"),
    DEF("kconnect.log.levels", KC_CFG_STRING, ""),
    DEF("listeners", KC_CFG_LIST, "http://:8083"),
    DEF("rest.advertised.host.name", KC_CFG_STRING, NULL),
    RANGE("rest.advertised.port", KC_CFG_INT, NULL, 0, 65535),
    DEF("rest.advertised.listener", KC_CFG_STRING, NULL),
    DEF("admin.listeners", KC_CFG_LIST, NULL),
    DEF("rest.extension.classes", KC_CFG_LIST, ""), /* applied by the REST server (rest/auth.c) */
    DEF("kconnect.rest.jaas.config.file", KC_CFG_STRING, NULL), /* the JAAS file of the basic auth extension */
    DEF("access.control.allow.origin", KC_CFG_STRING, ""),
    DEF("access.control.allow.methods", KC_CFG_STRING, ""),
    DEF("response.http.headers.config", KC_CFG_STRING, ""),
    /* kconnect's own REST transport limits (Connect has none; Jetty's are not configurable) */
    RANGE("kconnect.rest.max.connections", KC_CFG_INT, "256", 1, 1000000),
    RANGE("kconnect.rest.max.connections.per.ip", KC_CFG_INT, "64", 1, 1000000),
    RANGE("kconnect.rest.header.timeout.ms", KC_CFG_LONG, "10000", 1, 86400000),
    /* distributed (section 3.2): accepted so one worker file serves both modes */
    DEF("group.id", KC_CFG_STRING, NULL),
    DEF("config.storage.topic", KC_CFG_STRING, NULL),
    DEF("offset.storage.topic", KC_CFG_STRING, NULL),
    DEF("status.storage.topic", KC_CFG_STRING, NULL),
    DEF("session.timeout.ms", KC_CFG_INT, "10000"),
    DEF("heartbeat.interval.ms", KC_CFG_INT, "3000"),
    DEF("rebalance.timeout.ms", KC_CFG_INT, "60000"),
    DEF("worker.sync.timeout.ms", KC_CFG_INT, "3000"),
    DEF("worker.unsync.backoff.ms", KC_CFG_INT, "300000"),
    DEF("connect.protocol", KC_CFG_STRING, "sessioned"),
    RANGE("scheduled.rebalance.max.delay.ms", KC_CFG_INT, "300000", 0, I32_MAX),
    DEF("inter.worker.key.ttl.ms", KC_CFG_INT, "3600000"),
    DEF("inter.worker.key.generation.algorithm", KC_CFG_STRING, "HmacSHA256"),
    DEF("inter.worker.key.size", KC_CFG_INT, NULL),
    DEF("inter.worker.signature.algorithm", KC_CFG_STRING, "HmacSHA256"),
    DEF("inter.worker.verification.algorithms", KC_CFG_LIST, "HmacSHA256"),
    DEF("exactly.once.source.support", KC_CFG_STRING, "disabled"),
    DEF("metadata.max.age.ms", KC_CFG_LONG, "300000"),
    DEF("client.id", KC_CFG_STRING, ""),
    DEF("request.timeout.ms", KC_CFG_INT, "40000"),
    DEF("metadata.recovery.strategy", KC_CFG_STRING, "none"),
    {NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

/* Prefixes whose keys are passed on to clients, converters, the REST server or the topics. */
static const char *const known_prefixes[] = {
    "consumer.", "producer.", "admin.", "key.converter.", "value.converter.",
    "header.converter.", "listeners.https.", "admin.listeners.https.", "rest.",
    "config.providers.", "config.storage.", "offset.storage.", "status.storage.",
    "metrics.context.", NULL};

static bool is_known_key(const char *key) {
  if (kc_configdef_find(worker_defs, key) || kc_kafka_conf_is_client_key(key)) return true;
  for (int i = 0; known_prefixes[i]; i++)
    if (strncmp(key, known_prefixes[i], strlen(known_prefixes[i])) == 0) return true;
  return false;
}

static void log_unused(const kc_config_t *props) {
  const char *k, *v;
  for (size_t i = 0; kc_config_at(props, i, &k, &v) == 0; i++) {
    if (strcmp(k, "internal.key.converter") == 0 || strcmp(k, "internal.value.converter") == 0) {
      kc_log_warn("kc.config",
                  "The worker has been configured with %s, an internal converter property that "
                  "was removed in Kafka 3.0; it has no effect (internal topics and the offsets "
                  "file always use JsonConverter with schemas.enable=false)",
                  k);
      continue;
    }
    if (strncmp(k, "internal.key.converter.", 23) == 0 ||
        strncmp(k, "internal.value.converter.", 25) == 0)
      continue;
    if (!is_known_key(k))
      kc_log_warn("kc.config", "The configuration '%s' was supplied but isn't a known config.", k);
  }
  if ((v = kc_config_get(props, "plugin.path")) && *v)
    kc_log_info("kc.config", "plugin.path is not used: kconnect's connectors are built in");
}

/*
 * Connect's listener syntax (RestServer.LISTENER_PATTERN): "http://host:port",
 * "https://host:port", "http://:port" (all interfaces), "http://[::1]:port";
 * the scheme is case-insensitive. @p key names the setting in errors.
 */
static int parse_listener(const char *key, const char *l, kc_worker_listener_t *out, char *errstr,
                          size_t n) {
  const char *sep = strstr(l, "://");
  bool https = false;
  if (sep && (size_t)(sep - l) == 5 && strncasecmp(l, "https", 5) == 0) https = true;
  else if (!sep || (size_t)(sep - l) != 4 || strncasecmp(l, "http", 4) != 0) {
    if (sep) {
      snprintf(errstr, n, "%s: Invalid listener '%s': Listener protocol must be either \"http\" or \"https\".",
               key, l);
      return KC_EINVAL;
    }
    goto bad;
  }
  const char *h = sep + 3, *colon;
  size_t hlen;
  if (*h == '[') {
    const char *close = strchr(h, ']');
    if (!close || close[1] != ':') goto bad;
    h++;
    hlen = (size_t)(close - h);
    colon = close + 1;
  } else {
    colon = strrchr(h, ':');
    if (!colon) goto bad;
    hlen = (size_t)(colon - h);
    if (memchr(h, ':', hlen) || memchr(h, '/', hlen)) goto bad;
  }
  const char *p = colon + 1;
  size_t plen = strlen(p);
  if (plen && p[plen - 1] == '/') plen--;
  if (plen == 0 || plen > 5 || strspn(p, "0123456789") < plen) goto bad;
  int v = atoi(p);
  if (v > 65535) goto bad;
  char *host = strndup(h, hlen), *url = strdup(l);
  if (!host || !url) {
    free(host);
    free(url);
    return KC_ENOMEM;
  }
  out->host = host;
  out->url = url;
  out->port = v;
  out->https = https;
  return 0;
bad:
  snprintf(errstr, n,
           "%s: Invalid listener '%s': expected http://host:port or https://host:port (an empty "
           "host listens on all interfaces)",
           key, l);
  return KC_EINVAL;
}

/* Appends every entry of the list @p value of @p key to wc->listeners. */
static int add_listeners(worker_config_t *wc, const char *key, const char *value, bool admin,
                         char *errstr, size_t errstr_size) {
  char **items = NULL;
  kc_config_t *tmp = kc_config_new();
  int n = tmp && kc_config_set(tmp, key, value) == 0 ? kc_config_get_list(tmp, key, &items) : KC_ENOMEM;
  kc_config_destroy(tmp);
  int rc = 0;
  if (n < 0) {
    snprintf(errstr, errstr_size, "out of memory");
    return KC_ENOMEM;
  }
  if (n == 0 && !admin) {
    snprintf(errstr, errstr_size,
             "Invalid value for listeners, at least one URL is expected, ex: "
             "http://localhost:8080,https://localhost:8443.");
    rc = KC_EINVAL;
  }
  kc_worker_listener_t *grown =
      rc ? NULL : realloc(wc->listeners, (wc->nlisteners + (size_t)n + 1) * sizeof(*grown));
  if (!rc && !grown) {
    snprintf(errstr, errstr_size, "out of memory");
    rc = KC_ENOMEM;
  }
  if (grown) wc->listeners = grown;
  for (int i = 0; i < n && rc == 0; i++) {
    if (!*items[i]) {
      snprintf(errstr, errstr_size, "Empty URL found when parsing %s list.", key);
      rc = KC_EINVAL;
      break;
    }
    kc_worker_listener_t *l = &wc->listeners[wc->nlisteners];
    memset(l, 0, sizeof(*l));
    rc = parse_listener(key, items[i], l, errstr, errstr_size);
    if (rc == KC_ENOMEM) snprintf(errstr, errstr_size, "out of memory");
    if (rc == 0) {
      l->admin = admin;
      wc->nlisteners++;
    }
  }
  kc_config_list_free(items);
  return rc;
}

static int64_t long_or(const kc_config_t *props, const char *key, int64_t dflt) {
  int64_t v;
  return kc_config_get_int(props, key, &v) == 0 ? v : dflt;
}

void kc_worker_config_destroy(kc_worker_config_t *pub) {
  if (!pub) return;
  worker_config_t *wc = (worker_config_t *)pub;
  kc_config_destroy(pub->props);
  kc_config_providers_destroy(pub->providers);
  free(wc->rest_host);
  free(wc->advertised_host);
  for (size_t i = 0; i < wc->nlisteners; i++) {
    free((char *)wc->listeners[i].url);
    free((char *)wc->listeners[i].host);
  }
  free(wc->listeners);
  free(wc);
}

kc_worker_config_t *kc_worker_config_create(kc_config_t *props, char *errstr, size_t errstr_size) {
  worker_config_t *wc = calloc(1, sizeof *wc);
  if (!wc) {
    kc_config_destroy(props);
    snprintf(errstr, errstr_size, "out of memory");
    return NULL;
  }
  kc_worker_config_t *pub = &wc->pub;
  pub->props = props;
  /* AbstractConfig: the worker's own variables are resolved with its providers at start-up */
  if (props && kc_config_providers_create(props, &pub->providers, errstr, errstr_size)) {
    kc_worker_config_destroy(pub);
    return NULL;
  }
  if (pub->providers) {
    kc_config_t *resolved;
    if (kc_config_providers_resolve(pub->providers, props, &resolved, errstr, errstr_size)) {
      kc_worker_config_destroy(pub);
      return NULL;
    }
    kc_config_destroy(props);
    pub->props = props = resolved;
  }
  const kc_config_def_t *tables[] = {worker_defs, NULL};
  if (!props || kc_configdef_validate(tables, props, errstr, errstr_size) != 0) {
    if (!props) snprintf(errstr, errstr_size, "out of memory");
    kc_worker_config_destroy(pub);
    return NULL;
  }

  const char *v;
  pub->bootstrap_servers = (v = kc_config_get(props, "bootstrap.servers")) ? v : "localhost:9092";
  pub->key_converter = kc_config_get(props, "key.converter");
  pub->value_converter = kc_config_get(props, "value.converter");
  pub->header_converter = (v = kc_config_get(props, "header.converter"))
                              ? v
                              : "org.apache.kafka.connect.storage.SimpleHeaderConverter";
  pub->offset_storage_file = kc_config_get(props, "offset.storage.file.filename");
  pub->offset_flush_interval_ms = long_or(props, "offset.flush.interval.ms", 60000);
  pub->offset_flush_timeout_ms = long_or(props, "offset.flush.timeout.ms", 5000);
  pub->task_shutdown_graceful_timeout_ms = long_or(props, "task.shutdown.graceful.timeout.ms", 5000);
  pub->plugin_path = kc_config_get(props, "plugin.path");
  pub->client_id_prefix = (v = kc_config_get(props, "client.id")) ? v : "";
  bool on = true;
  pub->sink_static_membership =
      kc_config_get_bool(props, "kconnect.sink.static.membership", &on) == 0 ? on : true;

  pub->listeners = (v = kc_config_get(props, "listeners")) ? v : "http://:8083";
  int rc = add_listeners(wc, "listeners", pub->listeners, false, errstr, errstr_size);
  size_t nmain = wc->nlisteners;
  /* admin.listeners: unset = admin endpoints on the main listeners, blank = disabled. */
  const char *admin = kc_config_get(props, "admin.listeners");
  if (rc == 0 && admin) {
    pub->admin_listeners_mode = 1;
    rc = add_listeners(wc, "admin.listeners", admin, true, errstr, errstr_size);
    if (rc == 0 && wc->nlisteners > nmain) pub->admin_listeners_mode = 2;
  }
  if (rc) {
    kc_worker_config_destroy(pub);
    return NULL;
  }
  pub->rest_listeners = wc->listeners;
  pub->rest_listener_count = wc->nlisteners;
  pub->rest_max_connections = long_or(props, "kconnect.rest.max.connections", 256);
  pub->rest_max_connections_per_ip = long_or(props, "kconnect.rest.max.connections.per.ip", 64);
  pub->rest_header_timeout_ms = long_or(props, "kconnect.rest.header.timeout.ms", 10000);

  /* Connect's advertised listener: rest.advertised.listener, else http if any
   * listener is http, else https; its first listener gives host and port. */
  const char *adv_proto = kc_config_get(props, "rest.advertised.listener");
  if (adv_proto && *adv_proto && strcasecmp(adv_proto, "http") && strcasecmp(adv_proto, "https")) {
    snprintf(errstr, errstr_size,
             "Invalid value %s for configuration rest.advertised.listener: must be http or https",
             adv_proto);
    kc_worker_config_destroy(pub);
    return NULL;
  }
  bool adv_https = false;
  if (adv_proto && *adv_proto) {
    adv_https = strcasecmp(adv_proto, "https") == 0;
  } else {
    adv_https = true;
    for (size_t i = 0; i < nmain; i++)
      if (!wc->listeners[i].https) adv_https = false;
  }
  const kc_worker_listener_t *adv_l = &wc->listeners[0];
  for (size_t i = 0; i < nmain; i++) {
    if (wc->listeners[i].https == adv_https) {
      adv_l = &wc->listeners[i];
      break;
    }
  }
  wc->rest_host = strdup(wc->listeners[0].host);
  if (!wc->rest_host) {
    snprintf(errstr, errstr_size, "out of memory");
    kc_worker_config_destroy(pub);
    return NULL;
  }
  pub->rest_host = wc->rest_host;
  pub->rest_port = wc->listeners[0].port;

  /* Connect advertises rest.advertised.host.name, else the listener host, else the machine's name. */
  const char *adv = kc_config_get(props, "rest.advertised.host.name");
  char hostname[256] = "localhost";
  if (!adv || !*adv) adv = *adv_l->host ? adv_l->host : NULL;
  if (!adv) {
    if (gethostname(hostname, sizeof hostname) != 0) snprintf(hostname, sizeof hostname, "localhost");
    hostname[sizeof hostname - 1] = '\0';
    adv = hostname;
  }
  wc->advertised_host = strdup(adv);
  if (!wc->advertised_host) {
    snprintf(errstr, errstr_size, "out of memory");
    kc_worker_config_destroy(pub);
    return NULL;
  }
  pub->advertised_host = wc->advertised_host;
  pub->advertised_port = (int)long_or(props, "rest.advertised.port", adv_l->port);
  pub->advertised_https = adv_https;

  log_unused(props);
  return pub;
}
