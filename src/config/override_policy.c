/*
 * Client override policy. Connect's AbstractConnectorClientConfigOverridePolicy
 * checks every key under the client's override prefix and reports
 * "The '<policy>' policy does not allow '<key>' to be overridden in the
 * connector configuration." on the key without its prefix; AbstractHerder then
 * reports the entry under the prefixed name. kconnect adds one rule Connect
 * does not need: librdkafka would take keys no Java client has (some of which
 * run commands), so non-Java and blocked keys are errors under every policy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/kafka_conf.h"
#include "config/override_policy.h"

#define POLICY_PKG "org.apache.kafka.connect.connector.policy."

static const struct {
  const char *alias;
  const char *cls;
  kc_override_policy_t policy;
} policies[] = {
    {"All", POLICY_PKG "AllConnectorClientConfigOverridePolicy", KC_OVERRIDE_ALL},
    {"None", POLICY_PKG "NoneConnectorClientConfigOverridePolicy", KC_OVERRIDE_NONE},
    {"Principal", POLICY_PKG "PrincipalConnectorClientConfigOverridePolicy", KC_OVERRIDE_PRINCIPAL},
    {"Allowlist", POLICY_PKG "AllowlistConnectorClientConfigOverridePolicy", KC_OVERRIDE_ALLOWLIST},
};
#define NPOLICIES (sizeof policies / sizeof policies[0])

int kc_override_policy_parse(const char *value, kc_override_policy_t *out, char *errstr,
                             size_t errstr_size) {
  const char *v = value ? value : "All";
  for (size_t i = 0; i < NPOLICIES; i++)
    if (strcmp(v, policies[i].alias) == 0 || strcmp(v, policies[i].cls) == 0) {
      *out = policies[i].policy;
      return 0;
    }
  snprintf(errstr, errstr_size,
           "Invalid value %s for configuration connector.client.config.override.policy: must be "
           "one of All, None, Principal, Allowlist (or their ConnectorClientConfigOverridePolicy "
           "class names)",
           v);
  return KC_EINVAL;
}

static const char *policy_name(kc_override_policy_t p) {
  for (size_t i = 0; i < NPOLICIES; i++)
    if (policies[i].policy == p) return policies[i].alias;
  return "All";
}

static bool listed(const kc_config_t *worker, const char *key) {
  char **items = NULL;
  int n = kc_config_get_list(worker, "connector.client.config.override.allowlist", &items);
  bool found = false;
  for (int i = 0; i < n && !found; i++) found = strcmp(items[i], key) == 0;
  kc_config_list_free(items);
  return found;
}

static bool allowed(kc_override_policy_t p, const kc_config_t *worker, const char *key) {
  switch (p) {
    case KC_OVERRIDE_ALL: return true;
    case KC_OVERRIDE_NONE: return false;
    case KC_OVERRIDE_PRINCIPAL:
      return strcmp(key, "sasl.jaas.config") == 0 || strcmp(key, "sasl.mechanism") == 0 ||
             strcmp(key, "security.protocol") == 0;
    case KC_OVERRIDE_ALLOWLIST: return listed(worker, key);
  }
  return false;
}

static int add_entry(json_t *configs, const char *name, const char *value, const char *msg) {
  json_t *vi = json_pack("{s:s, s:s, s:[], s:[s], s:b}", "name", name, "value", value,
                         "recommended_values", "errors", msg, "visible", 1);
  if (!vi) return KC_ENOMEM;
  return json_array_append_new(configs, json_pack("{s:n, s:o}", "definition", "value", vi))
             ? KC_ENOMEM
             : 0;
}

static bool uses_admin(const kc_config_t *cfg, bool sink) {
  if (sink) {
    const char *dlq = kc_config_get(cfg, "errors.deadletterqueue.topic.name");
    return dlq && strspn(dlq, " \t") < strlen(dlq);
  }
  const char *k, *v;
  for (size_t i = 0; kc_config_at(cfg, i, &k, &v) == 0; i++)
    if (strncmp(k, "topic.creation.", 15) == 0) return true;
  return false;
}

/* Adds @p added to ConfigInfos.error_count. @returns @p added or KC_ENOMEM. */
static int count_errors(json_t *config_infos, int added) {
  if (!added) return 0;
  json_int_t n = json_integer_value(json_object_get(config_infos, "error_count"));
  return json_object_set_new(config_infos, "error_count", json_integer(n + added)) ? KC_ENOMEM
                                                                                    : added;
}

int kc_override_policy_validate(const kc_config_t *worker, const kc_config_t *cfg, bool sink,
                                json_t *config_infos) {
  kc_override_policy_t policy = KC_OVERRIDE_ALL;
  char why[512];
  /* The worker refused an unknown policy at start; fail closed if one slips through. */
  if (kc_override_policy_parse(kc_config_get(worker, "connector.client.config.override.policy"),
                               &policy, why, sizeof why))
    policy = KC_OVERRIDE_NONE;
  const char *prefixes[2] = {sink ? "consumer.override." : "producer.override.",
                             uses_admin(cfg, sink) ? "admin.override." : NULL};
  json_t *configs = json_object_get(config_infos, "configs");
  if (!json_is_array(configs)) return KC_ENOMEM;
  int added = 0;
  const char *k, *v;
  for (int p = 0; p < 2; p++) {
    if (!prefixes[p]) continue;
    size_t plen = strlen(prefixes[p]);
    for (size_t i = 0; kc_config_at(cfg, i, &k, &v) == 0; i++) {
      if (strncmp(k, prefixes[p], plen) != 0) continue;
      const char *key = k + plen;
      char msg[768];
      if (!allowed(policy, worker, key))
        snprintf(msg, sizeof msg,
                 "The '%s' policy does not allow '%s' to be overridden in the connector "
                 "configuration.",
                 policy_name(policy), key);
      else if (kc_kafka_conf_override_check(key, why, sizeof why))
        snprintf(msg, sizeof msg, "%s", why);
      else
        continue;
      if (add_entry(configs, k, v, msg)) return KC_ENOMEM;
      added++;
    }
  }
  return count_errors(config_infos, added);
}

int kc_connector_unapplied_validate(const kc_config_t *worker, const kc_config_t *cfg, bool sink,
                                    json_t *config_infos) {
  json_t *configs = json_object_get(config_infos, "configs");
  if (!json_is_array(configs)) return KC_ENOMEM;
  /* Connect ignores a source connector's topic.creation.* keys when the worker disables topic
   * creation; with it enabled (the default) they would create the topic, which kconnect does not
   * do yet, so they are refused rather than silently left to the broker's auto-creation. */
  const char *en = kc_config_get(worker, "topic.creation.enable");
  if (sink || (en && strcasecmp(en, "false") == 0)) return 0;
  int added = 0;
  const char *k, *v;
  for (size_t i = 0; kc_config_at(cfg, i, &k, &v) == 0; i++) {
    if (strncmp(k, "topic.creation.", 15) != 0 || (strcmp(k, "topic.creation.groups") == 0 && !*v))
      continue;
    if (add_entry(configs, k, v,
                  "kconnect does not create topics for source connectors yet: create the topic "
                  "beforehand and remove the topic.creation.* settings (or set "
                  "topic.creation.enable=false in the worker, which makes Connect ignore them)"))
      return KC_ENOMEM;
    added++;
  }
  return count_errors(config_infos, added);
}
