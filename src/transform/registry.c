/* The built-in transforms and predicates (Connect 4.x's connect-transforms), and alias lookup. */
#include <string.h>

#include "transform/transform.h"

/* Each helper file defines its plugins; keep this list in Connect's alphabetical order. */
#define KC_XF_PLUGINS(XX)

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
