/*
 * Worker configuration from the environment, as Confluent's cp-kafka-connect image builds its
 * worker file (its `env_to_props('CONNECT_', '')`), and connector files in the three forms
 * Connect's standalone CLI reads (ConnectStandalone.parseConnectorConfigurationFile).
 */
#ifndef KC_CONFIG_ENV_CONFIG_H
#define KC_CONFIG_ENV_CONFIG_H

#include <stddef.h>

#include "kconnect/connector.h"

/**
 * The worker key for the environment variable @p name (without its "CONNECT_" prefix): lower
 * case, then '_' -> '.', then "..." -> '-', then ".." -> '_' (so `___` is '-' and `__` is '_').
 * Writes at most @p n bytes (NUL-terminated) to @p out. @returns 0, or KC_EINVAL when it does
 * not fit.
 */
int kc_env_key_to_prop(const char *name, char *out, size_t n);

/**
 * Worker properties from every CONNECT_<NAME>=value in @p envp (NULL-terminated, as environ),
 * keys mapped by kc_env_key_to_prop(). CONNECT_LOG4J_* and CONNECT_JMX_* are the image's logging
 * and JVM settings, not worker keys: they are left out, and @p root_level (may be NULL) gets
 * CONNECT_LOG4J_ROOT_LOGLEVEL's value or NULL (borrowed from @p envp).
 * @returns a new config (the caller owns it; empty when no variable is set) or NULL on ENOMEM.
 */
kc_config_t *kc_env_worker_config(char *const *envp, const char **root_level);

/**
 * Reads a connector config file (start-up only: synchronous) as Connect's standalone CLI does:
 * a JSON object of string keys to scalar values (numbers and booleans as their text), else a JSON
 * CreateConnectorRequest {"name": ..., "config": {...}} (config's "name" must equal "name", or is
 * set from it; "initial_state" RUNNING, PAUSED or STOPPED in any case goes to *@p initial_target
 * as 0, 1 or 2, kc_target_t's order, else -1; another initial_state fails Jackson's binding, so the
 * file is read as .properties, as ConnectStandalone does), else .properties. The result must name
 * the connector: "Connector configuration at 'F' is missing the mandatory 'name' configuration".
 * @returns a new config (caller owns) or NULL with the reason in @p err.
 */
kc_config_t *kc_connector_file_load(const char *path, int *initial_target, char *err, size_t n);

#endif
