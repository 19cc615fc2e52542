/* Small helpers the built-in transforms share: the $Key/$Value operating part of a record. */
#ifndef KC_TRANSFORM_XF_UTIL_H
#define KC_TRANSFORM_XF_UTIL_H

#include <string.h>

#include "transform/transform.h"

static inline const kc_schema_t *kc_xf_op_schema(const kc_xrecord_t *r, kc_xf_variant_t v) {
  return v == KC_XF_KEY ? r->key_schema : r->value_schema;
}
static inline const kc_value_t *kc_xf_op_value(const kc_xrecord_t *r, kc_xf_variant_t v) {
  return v == KC_XF_KEY ? r->key : r->value;
}
/** newRecord with the operating part replaced. */
static inline int kc_xf_op_set(kc_xrecord_t *r, kc_xf_variant_t v, const kc_schema_t *s,
                               const kc_value_t *val) {
  return v == KC_XF_KEY ? kc_xrecord_set_key(r, s, val) : kc_xrecord_set_value(r, s, val);
}
/** The value of the STRING key @p key in a MAP, or NULL; *found says whether the key exists. */
static inline const kc_value_t *kc_xf_map_get(const kc_value_t *map, const char *key, bool *found) {
  size_t len = strlen(key);
  for (size_t i = 0; i < map->u.map.n; i++) {
    const kc_value_t *k = map->u.map.keys[i];
    if (k && k->type == KC_TYPE_STRING && k->u.str.len == len && !memcmp(k->u.str.ptr, key, len)) {
      if (found) *found = true;
      return map->u.map.vals[i];
    }
  }
  if (found) *found = false;
  return NULL;
}

/** NonEmptyListValidator: "Empty list" for a LIST value with no items. */
int kc_xf_validate_nonempty_list(const char *name, const char *value, char *err, size_t n);

#define KC_XF_DEFS_END {NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL}
#define KC_XF_RNWD_DOC                                                                          \
  "Whether to replace fields that have a default value and that are null to the default value. " \
  "When set to true, the default value is used, otherwise null is used."

#endif
