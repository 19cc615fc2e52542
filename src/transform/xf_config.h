/*
 * The transforms/predicates part of a connector config (ConnectorConfig.enrich and
 * EnrichablePlugin): resolving `transforms.<alias>.type`, the keys each class defines, and what
 * PUT /connector-plugins/{p}/config/validate reports for them.
 */
#ifndef KC_TRANSFORM_XF_CONFIG_H
#define KC_TRANSFORM_XF_CONFIG_H

#include <jansson.h>

#include "transform/transform.h"

/**
 * Resolves `<prefix>type` of @p conn_cfg (@p prefix: "transforms.<alias>." or
 * "predicates.<alias>.") to a plugin of @p kind, and gives the class its config: the keys under
 * @p prefix with the prefix stripped (for transforms without predicate/negate), defaults of the
 * class's ConfigDef applied, every key checked by its definition.
 * @returns 0 (*plugin, *sub: a new config the caller destroys), KC_EINVAL (errstr: Connect's
 * message naming the prefixed key), KC_ENOMEM.
 */
int kc_xf_config_resolve(const kc_config_t *conn_cfg, const char *prefix, kc_xf_kind_t kind,
                         const kc_transform_plugin_t **plugin, kc_config_t **sub, char *errstr,
                         size_t errstr_size);

/**
 * Validation at connector creation: the first error of the transforms and predicates keys
 * (the same rules as kc_xf_validate_json). @returns 0 or KC_EINVAL with errstr.
 */
int kc_xf_config_validate(const kc_config_t *conn_cfg, char *errstr, size_t errstr_size);

/**
 * Adds the ConfigInfo entries of every transform and predicate alias of @p conn_cfg to the
 * ConfigInfos @p res (from kc_configdef_validate_json): after the connector-common entries,
 * groups "Transforms: <alias>" / "Predicates: <alias>" after the common groups, error_count
 * updated. @returns 0 or KC_ENOMEM.
 */
int kc_xf_validate_json(const kc_config_t *conn_cfg, json_t *res);

/** GET /connector-plugins/{p}/config for a transform or predicate class (KIP-769): its
 * ConfigKeyInfo array, or NULL when @p name is no transform/predicate. New reference. */
json_t *kc_xf_describe_json(const char *name);

#endif
