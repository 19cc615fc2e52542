/*
 * DistributedConfig: the keys of connect-runtime.md 3.2 with Connect's
 * defaults and messages. worker_config.c's table already checked types and
 * ranges; this file adds what only a distributed worker needs: the required
 * keys, the protocol and algorithm choices, and the topic settings.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/distributed_config.h"
#include "util/log.h"

static int64_t long_or(const kc_config_t *p, const char *key, int64_t dflt) {
  int64_t v;
  return kc_config_get_int(p, key, &v) == 0 ? v : dflt;
}

static const char *str_or(const kc_config_t *p, const char *key, const char *dflt) {
  const char *v = kc_config_get(p, key);
  return v ? v : dflt;
}

static int required(const kc_config_t *p, const char *key, const char **out, char *errstr, size_t n) {
  const char *v = kc_config_get(p, key);
  if (!v || !*v) {
    snprintf(errstr, n, "Missing required configuration \"%s\" which has no default value.", key);
    return KC_EINVAL;
  }
  *out = v;
  return 0;
}

/* The Mac algorithms kconnect signs with (OpenSSL HMACs under their JCA names). */
static bool mac_supported(const char *alg) {
  static const char *const macs[] = {"HmacSHA1", "HmacSHA224", "HmacSHA256", "HmacSHA384", "HmacSHA512", NULL};
  for (int i = 0; macs[i]; i++)
    if (!strcmp(alg, macs[i])) return true;
  return false;
}

#define SUPPORTED_MACS "[HmacSHA1, HmacSHA224, HmacSHA256, HmacSHA384, HmacSHA512]"

/* DistributedConfig.topicSettings: "<prefix>.*" minus topic/replication.factor/partitions/cleanup.policy. */
static int topic_settings(const kc_config_t *p, const char *prefix, bool config_topic, kc_config_t **out) {
  kc_config_t *s = kc_config_new();
  if (!s) return KC_ENOMEM;
  size_t pl = strlen(prefix);
  const char *k, *v;
  for (size_t i = 0; kc_config_at(p, i, &k, &v) == 0; i++) {
    if (strncmp(k, prefix, pl)) continue;
    const char *sub = k + pl;
    if (!strcmp(sub, "topic") || !strcmp(sub, "replication.factor")) continue;
    if (!strcmp(sub, "partitions")) {
      if (config_topic)
        kc_log_warn("kc.config", "Ignoring '%spartitions=%s' setting, since config topic partitions is always 1",
                    prefix, v);
      continue;
    }
    if (!strcmp(sub, "cleanup.policy")) {
      kc_log_warn("kc.config", "Ignoring '%scleanup.policy=%s' setting, since compaction is always used", prefix, v);
      continue;
    }
    if (kc_config_set(s, sub, v)) {
      kc_config_destroy(s);
      return KC_ENOMEM;
    }
  }
  *out = s;
  return 0;
}

static int topic(const kc_config_t *p, kc_internal_topic_t *t, const char *prefix, const char *key,
                 int64_t dflt_partitions, bool config_topic, char *errstr, size_t n) {
  t->key = key;
  if (required(p, key, &t->name, errstr, n)) return KC_EINVAL;
  char k[64];
  snprintf(k, sizeof k, "%spartitions", prefix);
  int64_t parts = config_topic ? 1 : long_or(p, k, dflt_partitions);
  if (parts == 0 || parts < -1 || parts > INT32_MAX) {
    snprintf(errstr, n, "Invalid value %lld for configuration %s: Value must be -1 or at least 1", (long long)parts, k);
    return KC_EINVAL;
  }
  snprintf(k, sizeof k, "%sreplication.factor", prefix);
  int64_t rf = long_or(p, k, 3);
  if (rf == 0 || rf < -1 || rf > INT16_MAX) {
    snprintf(errstr, n, "Invalid value %lld for configuration %s: Value must be -1 or at least 1", (long long)rf, k);
    return KC_EINVAL;
  }
  t->partitions = (int32_t)parts;
  t->replication_factor = (int16_t)rf;
  if (topic_settings(p, prefix, config_topic, &t->settings)) {
    snprintf(errstr, n, "out of memory");
    return KC_ENOMEM;
  }
  return 0;
}

int kc_distributed_config_parse(const kc_worker_config_t *wc, kc_distributed_config_t *dc, char *errstr,
                                size_t n) {
  const kc_config_t *p = wc->props;
  memset(dc, 0, sizeof *dc);
  if (required(p, "group.id", &dc->group_id, errstr, n) ||
      topic(p, &dc->config_topic, "config.storage.", "config.storage.topic", 1, true, errstr, n) ||
      topic(p, &dc->offset_topic, "offset.storage.", "offset.storage.topic", 25, false, errstr, n) ||
      topic(p, &dc->status_topic, "status.storage.", "status.storage.topic", 5, false, errstr, n))
    goto fail;
  dc->session_timeout_ms = (int32_t)long_or(p, "session.timeout.ms", 10000);
  dc->heartbeat_interval_ms = (int32_t)long_or(p, "heartbeat.interval.ms", 3000);
  dc->rebalance_timeout_ms = (int32_t)long_or(p, "rebalance.timeout.ms", 60000);
  dc->worker_sync_timeout_ms = (int32_t)long_or(p, "worker.sync.timeout.ms", 3000);
  dc->worker_unsync_backoff_ms = (int32_t)long_or(p, "worker.unsync.backoff.ms", 300000);
  dc->scheduled_rebalance_max_delay_ms = (int32_t)long_or(p, "scheduled.rebalance.max.delay.ms", 300000);
  if (dc->session_timeout_ms <= 0 || dc->heartbeat_interval_ms <= 0 || dc->rebalance_timeout_ms <= 0) {
    snprintf(errstr, n, "session.timeout.ms, heartbeat.interval.ms and rebalance.timeout.ms must be positive");
    goto fail;
  }
  /* The group coordinator refuses heartbeat >= session timeout; say so before joining. */
  if (dc->heartbeat_interval_ms >= dc->session_timeout_ms) {
    snprintf(errstr, n,
             "Invalid value %d for configuration heartbeat.interval.ms: must be lower than session.timeout.ms (%d)",
             dc->heartbeat_interval_ms, dc->session_timeout_ms);
    goto fail;
  }
  dc->connect_protocol = str_or(p, "connect.protocol", "sessioned");
  if (strcasecmp(dc->connect_protocol, "eager") && strcasecmp(dc->connect_protocol, "compatible") &&
      strcasecmp(dc->connect_protocol, "sessioned")) {
    snprintf(errstr, n, "Invalid value %s for configuration connect.protocol: Invalid Connect protocol compatibility",
             dc->connect_protocol);
    goto fail;
  }
  const char *eos = str_or(p, "exactly.once.source.support", "disabled");
  if (strcasecmp(eos, "disabled")) {
    if (!strcasecmp(eos, "preparing") || !strcasecmp(eos, "enabled"))
      snprintf(errstr, n,
               "exactly.once.source.support=%s: kconnect does not support exactly-once source connectors yet "
               "(transactional source producers and zombie fencing); only \"disabled\" is accepted",
               eos);
    else
      snprintf(errstr, n,
               "Invalid value %s for configuration exactly.once.source.support: String must be one of: disabled, "
               "preparing, enabled",
               eos);
    goto fail;
  }
  dc->inter_worker_key_ttl_ms = long_or(p, "inter.worker.key.ttl.ms", 3600000);
  if (dc->inter_worker_key_ttl_ms < 0) {
    snprintf(errstr, n, "Invalid value %lld for configuration inter.worker.key.ttl.ms: Value must be at least 0",
             (long long)dc->inter_worker_key_ttl_ms);
    goto fail;
  }
  dc->key_generation_algorithm = str_or(p, "inter.worker.key.generation.algorithm", "HmacSHA256");
  if (!mac_supported(dc->key_generation_algorithm)) {
    snprintf(errstr, n,
             "Invalid value %s for configuration inter.worker.key.generation.algorithm: the algorithm is not "
             "supported by this JVM; the supported algorithms are: " SUPPORTED_MACS,
             dc->key_generation_algorithm);
    goto fail;
  }
  int64_t ks = long_or(p, "inter.worker.key.size", 0);
  if (ks < 0 || ks > 4096 || ks % 8) {
    snprintf(errstr, n,
             "Unable to create key generator with algorithm %s and key size %lld: the key size must be a "
             "multiple of 8 bits up to 4096",
             dc->key_generation_algorithm, (long long)ks);
    goto fail;
  }
  dc->key_size_bits = (int32_t)ks;
  dc->signature_algorithm = str_or(p, "inter.worker.signature.algorithm", "HmacSHA256");
  if (!mac_supported(dc->signature_algorithm)) {
    snprintf(errstr, n,
             "Invalid value %s for configuration inter.worker.signature.algorithm: the algorithm is not supported "
             "by this JVM; the supported algorithms are: " SUPPORTED_MACS,
             dc->signature_algorithm);
    goto fail;
  }
  int nv = kc_config_get(p, "inter.worker.verification.algorithms")
               ? kc_config_get_list(p, "inter.worker.verification.algorithms", &dc->verification_algorithms)
               : 0;
  if (nv < 0) {
    snprintf(errstr, n, "out of memory");
    goto fail;
  }
  if (!kc_config_get(p, "inter.worker.verification.algorithms")) {
    dc->verification_algorithms = calloc(2, sizeof(char *));
    if (!dc->verification_algorithms || !(dc->verification_algorithms[0] = strdup("HmacSHA256"))) {
      snprintf(errstr, n, "out of memory");
      goto fail;
    }
    nv = 1;
  }
  if (nv == 0) {
    snprintf(errstr, n,
             "Invalid value [] for configuration inter.worker.verification.algorithms: At least one signature "
             "verification algorithm must be provided");
    goto fail;
  }
  bool has_sig = false;
  for (int i = 0; i < nv; i++) {
    if (!mac_supported(dc->verification_algorithms[i])) {
      snprintf(errstr, n,
               "Invalid value %s for configuration inter.worker.verification.algorithms: the algorithm is not "
               "supported by this JVM; the supported algorithms are: " SUPPORTED_MACS,
               dc->verification_algorithms[i]);
      goto fail;
    }
    if (!strcmp(dc->verification_algorithms[i], dc->signature_algorithm)) has_sig = true;
  }
  if (!has_sig) {
    snprintf(errstr, n,
             "Invalid value %s for configuration inter.worker.signature.algorithm: Signature algorithm must be "
             "present in inter.worker.verification.algorithms list",
             dc->signature_algorithm);
    goto fail;
  }
  dc->request_timeout_ms = (int32_t)long_or(p, "request.timeout.ms", 40000);
  dc->retry_backoff_ms = long_or(p, "retry.backoff.ms", 100);
  dc->reconnect_backoff_ms = long_or(p, "reconnect.backoff.ms", 50);
  dc->reconnect_backoff_max_ms = long_or(p, "reconnect.backoff.max.ms", 1000);
  dc->client_id = str_or(p, "client.id", "");
  const char *h = wc->advertised_host;
  bool v6 = strchr(h, ':') != NULL;
  snprintf(dc->advertised_url, sizeof dc->advertised_url, "%s://%s%s%s:%d/", wc->advertised_https ? "https" : "http",
           v6 ? "[" : "", h, v6 ? "]" : "", wc->advertised_port);
  return 0;
fail:
  kc_distributed_config_clear(dc);
  return KC_EINVAL;
}

void kc_distributed_config_clear(kc_distributed_config_t *dc) {
  kc_config_destroy(dc->config_topic.settings);
  kc_config_destroy(dc->offset_topic.settings);
  kc_config_destroy(dc->status_topic.settings);
  kc_config_list_free(dc->verification_algorithms);
  memset(dc, 0, sizeof *dc);
}
