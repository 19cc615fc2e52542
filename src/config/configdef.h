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

/**
 * One ConfigInfo entry ({"definition":{...},"value":{...}}) of @p def validated against @p raw
 * (NULL = unset), as ConfigDef.validate reports it; @p order is its order_in_group. Adds the
 * number of errors to *error_count (may be NULL). @returns a new reference, NULL on ENOMEM.
 */
json_t *kc_configdef_entry_json(const kc_config_def_t *def, const char *raw, int order,
                                int *error_count);

/** GET /connector-plugins/{p}/config: a JSON array of ConfigKeyInfo objects. New reference. */
json_t *kc_configdef_describe_json(const kc_config_def_t *const *tables);

/**
 * Connect's SinkConnectorConfig.validate (section 4.2): exactly one of topics /
 * topics.regex non-blank, topics.regex a valid regex (java.util.regex on PCRE2,
 * util/jregex.h), and the DLQ topic neither listed in topics
 * nor fully matched by topics.regex.
 * @returns 0, or KC_EINVAL with errstr holding Connect's message for the first
 * broken rule, e.g. "Must configure one of topics or topics.regex".
 * kc_configdef_validate_json() applies these rules itself whenever
 * kc_connector_sink_defs is among its tables.
 */
int kc_configdef_check_sink_topics(const kc_config_t *cfg, char *errstr, size_t errstr_size);

/**
 * The 400 message Connect gives when creating or updating a connector whose
 * ConfigInfos (from kc_configdef_validate_json) has errors:
 * "Connector configuration is invalid and contains the following N error(s):\n<msg>\n...
 * You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`".
 * Appends it to @p out only when there are errors.
 * @returns the error count (0: nothing appended), or KC_ENOMEM.
 */
int kc_configdef_errors_message(const json_t *config_infos, kc_buf_t *out);

/*
 * validate_json details: values are Connect's convertToString of the parsed
 * value (defaults for unset keys, "[hidden]" for PASSWORD, null when missing or
 * unparsable); undefined keys of @p cfg are not listed, as in Connect. An
 * extra error whose key is not a defined key gets a "definition": null entry
 * listed first. With extra_error_key NULL, a message shaped "key: reason"
 * (plugin->validate's errstr) is attached to that key, anything else to
 * connector.class.
 *
 * Table order. Callers pass {plugin defs, common defs, sink or source defs, NULL}:
 * the first table defining a key owns it (a plugin may redefine a base key).
 * validate / validate_json list the built-in tables' keys first, then the
 * plugin-only keys (Connect's ConfigInfos order); describe_json lists keys in
 * table order (Connect's GET .../config: plugin keys first).
 */

/** ConfigKeyInfo fields Connect has and kc_config_def_t lacks. */
typedef struct kc_configdef_meta_s {
  const char *display_name;
  const char *width;     /**< NONE|SHORT|MEDIUM|LONG */
  int order;             /**< order in group */
  const char *type_name; /**< overrides the type's name (Connect's SHORT), or NULL */
} kc_configdef_meta_t;

/** Metadata of an entry of the built-in tables below, or NULL for any other def. */
const kc_configdef_meta_t *kc_configdef_builtin_meta(const kc_config_def_t *def);
/** True when @p defs is one of the built-in tables below. */
bool kc_configdef_is_builtin(const kc_config_def_t *defs);

/** Keys every connector accepts (section 4.1: name, connector.class, tasks.max, converters, errors.*, transforms ...). */
extern const kc_config_def_t kc_connector_common_defs[];
/** Sink-only keys (section 4.2: topics, topics.regex, errors.deadletterqueue.*). */
extern const kc_config_def_t kc_connector_sink_defs[];
/** Source-only keys (section 4.3: topic.creation.*, exactly.once.support, offsets.storage.topic ...). */
extern const kc_config_def_t kc_connector_source_defs[];

#endif
