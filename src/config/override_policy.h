/*
 * connector.client.config.override.policy, enforced as Connect's
 * ConnectorClientConfigOverridePolicy implementations are (connect-runtime.md
 * 4.4): None, Principal, All (the 3.x default, kept), and Kafka 4.x's
 * Allowlist with connector.client.config.override.allowlist.
 */
#ifndef KC_CONFIG_OVERRIDE_POLICY_H
#define KC_CONFIG_OVERRIDE_POLICY_H

#include <jansson.h>

#include "kconnect/connector.h"

typedef enum {
  KC_OVERRIDE_ALL,
  KC_OVERRIDE_NONE,
  KC_OVERRIDE_PRINCIPAL,
  KC_OVERRIDE_ALLOWLIST
} kc_override_policy_t;

/**
 * Parses a policy alias ("All", "None", "Principal", "Allowlist") or Connect's
 * class names for them (...connector.policy.AllConnectorClientConfigOverridePolicy),
 * case-sensitively as Connect's plugin lookup is.
 * @returns 0 and *out, or KC_EINVAL with errstr naming the value.
 */
int kc_override_policy_parse(const char *value, kc_override_policy_t *out, char *errstr,
                             size_t errstr_size);

/**
 * Validates the client overrides of connector config @p cfg of a sink
 * (@p sink true) or source connector against the worker's policy, plus
 * kconnect's own rule that overrides may only be Java client keys and never
 * code-running librdkafka ones (kc_kafka_conf_override_check).
 * Clients checked as Connect checks them: the consumer for sinks, the producer
 * for sources, the admin client when the connector uses one (a sink with a
 * dead letter queue topic, a source with topic.creation.* keys).
 * Each offending key becomes one ConfigInfo entry ({"definition":null,
 * "value":{"name":<prefixed key>,...,"errors":[msg]}}) appended to the
 * "configs" array of @p config_infos, and error_count is raised by one per key.
 * @param worker worker properties (policy and allowlist read from them)
 * @returns number of errors added (>= 0), or KC_ENOMEM.
 */
int kc_override_policy_validate(const kc_config_t *worker, const kc_config_t *cfg, bool sink,
                                json_t *config_infos);

/**
 * Adds a ConfigInfo error (same shape as kc_override_policy_validate) for each
 * connector setting kconnect accepts in Connect's schema but cannot apply yet:
 * a source connector's topic.creation.* keys while the worker's
 * topic.creation.enable is true (its default). @returns the number of errors
 * added (>= 0) or KC_ENOMEM.
 */
int kc_connector_unapplied_validate(const kc_config_t *worker, const kc_config_t *cfg, bool sink,
                                    json_t *config_infos);

#endif
