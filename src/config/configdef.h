/*
 * Config definition tables (kc_config_def_t) driving validation, defaults and
 * the REST plugin-config endpoints (connect-runtime.md 1.6, 4.1-4.3).
 */
#ifndef KC_CONFIG_CONFIGDEF_H
#define KC_CONFIG_CONFIGDEF_H

#include <jansson.h>

#include "kconnect/connector.h"

/** Finds @p name in a NULL-name-terminated table, or NULL. */
const kc_config_def_t *kc_configdef_find(const kc_config_def_t *defs, const char *name);

/**
 * Checks one key's value against its definition (type, NONEMPTY, valid_values,
 * min/max, validate callback). @p value NULL means unset.
 * @returns 0 or KC_EINVAL with errstr holding Connect's message, e.g.
 * "Invalid value abc for configuration tasks.max: Not a number of type INT".
 */
int kc_configdef_check(const kc_config_def_t *def, const char *value, char *errstr,
                       size_t errstr_size);

/**
 * Validates @p cfg against each table in @p tables (a NULL-terminated array,
 * e.g. {common connector defs, sink defs, plugin defs, NULL}); stops at the
 * first error. @returns 0 or KC_EINVAL with errstr naming the key and reason.
 */
int kc_configdef_validate(const kc_config_def_t *const *tables, const kc_config_t *cfg,
                          char *errstr, size_t errstr_size);

/** Sets every unset key that has a non-NULL default. @returns 0 or KC_ENOMEM. */
int kc_configdef_apply_defaults(const kc_config_def_t *defs, kc_config_t *cfg);

/**
 * Connect's ConfigInfos JSON for PUT /connector-plugins/{p}/config/validate:
 * {"name","error_count","groups":[...],"configs":[{"definition":{...},"value":{...}}]}.
 * @p extra_errors: optional (key -> message) pairs from plugin->validate, may be NULL.
 * @returns a new reference or NULL on ENOMEM.
 */
json_t *kc_configdef_validate_json(const char *plugin_class,
                                   const kc_config_def_t *const *tables,
                                   const kc_config_t *cfg, const char *extra_error_key,
                                   const char *extra_error_msg);

/** GET /connector-plugins/{p}/config: a JSON array of ConfigKeyInfo objects. New reference. */
json_t *kc_configdef_describe_json(const kc_config_def_t *const *tables);

/** Keys every connector accepts (section 4.1: name, connector.class, tasks.max, converters, errors.*, transforms ...). */
extern const kc_config_def_t kc_connector_common_defs[];
/** Sink-only keys (section 4.2: topics, topics.regex, errors.deadletterqueue.*). */
extern const kc_config_def_t kc_connector_sink_defs[];
/** Source-only keys (section 4.3: topic.creation.*, exactly.once.support, offsets.storage.topic ...). */
extern const kc_config_def_t kc_connector_source_defs[];

#endif
