/* The built-in transforms and predicates (Connect 4.x's connect-transforms), and alias lookup. */
#include <string.h>

#include "transform/transform.h"

/* Each helper file defines its plugins; keep this list in Connect's alphabetical order. */
#define KC_XF_PLUGINS(XX) \
  XX(kc_xf_cast_key) \
  XX(kc_xf_cast_value) \
  XX(kc_xf_drop_headers) \
  XX(kc_xf_extract_field_key) \
  XX(kc_xf_extract_field_value) \
  XX(kc_xf_filter) \
  XX(kc_xf_flatten_key) \
  XX(kc_xf_flatten_value) \
  XX(kc_xf_header_from_key) \
  XX(kc_xf_header_from_value) \
  XX(kc_xf_hoist_field_key) \
  XX(kc_xf_hoist_field_value) \
  XX(kc_xf_insert_field_key) \
  XX(kc_xf_insert_field_value) \
  XX(kc_xf_insert_header) \
  XX(kc_xf_mask_field_key) \
  XX(kc_xf_mask_field_value) \
  XX(kc_xf_regex_router) \
  XX(kc_xf_replace_field_key) \
  XX(kc_xf_replace_field_value) \
  XX(kc_xf_set_schema_metadata_key) \
  XX(kc_xf_set_schema_metadata_value) \
  XX(kc_xf_timestamp_converter_key) \
  XX(kc_xf_timestamp_converter_value) \
  XX(kc_xf_timestamp_router) \
  XX(kc_xf_value_to_key) \
  XX(kc_xf_has_header_key) \
  XX(kc_xf_record_is_tombstone) \
  XX(kc_xf_topic_name_matches)

#define XX(sym) extern const kc_transform_plugin_t sym;
KC_XF_PLUGINS(XX)
#undef XX

const kc_transform_plugin_t *const kc_transform_plugins[] = {
#define XX(sym) &sym,
    KC_XF_PLUGINS(XX)
#undef XX
    NULL,
};

/* PluginUtils.simpleName (Class.getSimpleName): "RegexRouter"; nested classes give "Key" and
 * "Value", which collide, so computeAliases gives $Key/$Value classes no alias. */
static const char *simple_name(const char *fqcn) {
  const char *dot = strrchr(fqcn, '.');
  return dot ? dot + 1 : fqcn;
}

const kc_transform_plugin_t *kc_transform_find(const char *name, kc_xf_kind_t kind) {
  if (!name) return NULL;
  for (const kc_transform_plugin_t *const *p = kc_transform_plugins; *p; p++)
    if ((*p)->kind == kind && !strcmp((*p)->class_name, name)) return *p;
  if (strchr(name, '.') || strchr(name, '$')) return NULL;
  for (const kc_transform_plugin_t *const *p = kc_transform_plugins; *p; p++)
    if ((*p)->kind == kind && !strchr((*p)->class_name, '$') &&
        !strcmp(simple_name((*p)->class_name), name))
      return *p;
  return NULL;
}
