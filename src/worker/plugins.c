/*
 * Built-in connector plugins and Connect's alias rules (section 10): a class
 * is found by its FQCN, its simple name, or its simple name without the
 * "Connector" suffix.
 */
#include <stdio.h>
#include <string.h>

#include "config/configdef.h"
#include "worker/worker.h"

extern const kc_connector_plugin_t *const kc_builtin_plugins[];

const kc_connector_plugin_t *const *kc_plugins_all(void) { return kc_builtin_plugins; }

static const char *simple_name(const char *fqcn) {
  const char *dot = strrchr(fqcn, '.');
  return dot ? dot + 1 : fqcn;
}

const kc_connector_plugin_t *kc_plugins_find(const char *name) {
  if (!name) return NULL;
  for (int i = 0; kc_builtin_plugins[i]; i++) {
    const kc_connector_plugin_t *p = kc_builtin_plugins[i];
    const char *s = simple_name(p->class_name);
    size_t sl = strlen(s);
    if (!strcmp(name, p->class_name) || !strcmp(name, s)) return p;
    if (sl > 9 && !strcmp(s + sl - 9, "Connector") && strlen(name) == sl - 9 &&
        !strncmp(name, s, sl - 9))
      return p;
  }
  return NULL;
}

const char *kc_plugin_version(const kc_connector_plugin_t *p) {
  return p && p->version ? p->version : KC_CONNECT_COMPAT_VERSION;
}

const char *kc_plugins_describe(void) {
  static char buf[2048];
  size_t off = 0;
  buf[0] = '\0';
  for (int i = 0; kc_builtin_plugins[i]; i++) {
    const char *s = simple_name(kc_builtin_plugins[i]->class_name);
    size_t sl = strlen(s);
    int n = snprintf(buf + off, sizeof buf - off, "%s%s, %s, %.*s", i ? ", " : "",
                     kc_builtin_plugins[i]->class_name, s,
                     (int)(sl > 9 ? sl - 9 : sl), s);
    if (n < 0 || (size_t)n >= sizeof buf - off) break;
    off += (size_t)n;
  }
  return buf;
}

void kc_plugins_tables(const kc_connector_plugin_t *p, const kc_config_def_t *tables[4]) {
  tables[0] = p ? p->config_def : NULL;
  tables[1] = kc_connector_common_defs;
  tables[2] = p && p->type == KC_CONNECTOR_SINK ? kc_connector_sink_defs : kc_connector_source_defs;
  tables[3] = NULL;
  if (!tables[0]) {
    tables[0] = tables[1];
    tables[1] = tables[2];
    tables[2] = NULL;
  }
}
