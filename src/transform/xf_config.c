/*
 * ConnectorConfig.enrich for transforms and predicates: `<kind>.<alias>.type` (a CLASS key,
 * required, with every class of that kind as recommended values), then the implicit
 * predicate/negate keys of a transform and the class's own keys, embedded under the alias's
 * prefix in the group "Transforms: <alias>" (ConfigDef.embed, in ConfigDef.sortedConfigs order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/configdef.h"
#include "transform/xf_config.h"

/* Keys and messages are bounded buffers; a cut message is acceptable, an overflow is not. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif

static const kc_config_def_t implicit_defs[] = {
    {"predicate", KC_CFG_STRING, NULL, 0, KC_CFG_MEDIUM,
     "The alias of a predicate used to determine whether to apply this transformation.", NULL,
     NULL, 0, 0, NULL},
    {"negate", KC_CFG_BOOLEAN, "false", 0, KC_CFG_MEDIUM,
     "Whether the configured predicate should be negated.", NULL, NULL, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const char *kind_name(kc_xf_kind_t kind) {
  return kind == KC_XF_TRANSFORM ? "Transformation" : "Predicate";
}

/* A $Key/$Value pair's outer class ("org.apache.kafka.connect.transforms.InsertField"):
 * Utils.ensureConcreteSubclass refuses it as abstract and names the nested classes. */
static bool abstract_outer(const char *name, kc_xf_kind_t kind, char *msg, size_t n) {
  size_t len = strlen(name), used = 0;
  bool found = false;
  for (const kc_transform_plugin_t *const *p = kc_transform_plugins; *p; p++) {
    const char *cls = (*p)->class_name;
    if ((*p)->kind != kind || strncmp(cls, name, len) || cls[len] != '$') continue;
    if (!found)
      used = (size_t)snprintf(msg, n, "This class is abstract and cannot be created. Did you mean ");
    else if (used < n)
      used += (size_t)snprintf(msg + used, n - used, ", ");
    if (used < n) used += (size_t)snprintf(msg + used, n - used, "%s", cls);
    found = true;
  }
  if (found && used < n) snprintf(msg + used, n - used, "?");
  return found;
}

/*
 * The type key's errors, as ConfigDef.parseType (CLASS) and the EnrichablePlugin validator give
 * them. @returns the plugin, or NULL with @p msg set.
 */
static const kc_transform_plugin_t *resolve_type(const char *key, const char *value,
                                                 kc_xf_kind_t kind, char *msg, size_t n) {
  if (!value) {
    snprintf(msg, n, "Missing required configuration \"%s\" which has no default value.", key);
    return NULL;
  }
  char t[512];
  const char *b = value;
  while (*b == ' ' || *b == '\t') b++;
  size_t l = strlen(b);
  while (l && (b[l - 1] == ' ' || b[l - 1] == '\t')) l--;
  snprintf(t, sizeof t, "%.*s", (int)l, b);
  const kc_transform_plugin_t *p = kc_transform_find(t, kind);
  if (p) return p;
  kc_xf_kind_t other = kind == KC_XF_TRANSFORM ? KC_XF_PREDICATE : KC_XF_TRANSFORM;
  const kc_transform_plugin_t *o = kc_transform_find(t, other);
  if (o) {
    snprintf(msg, n, "Class class %s does not implement the %s interface", o->class_name,
             kind_name(kind));
    return NULL;
  }
  if (abstract_outer(t, kind, msg, n)) return NULL;
  snprintf(msg, n, "Invalid value %s for configuration %s: Class %s could not be found.", t, key,
           t);
  return NULL;
}

/* A copy of @p d named @p prefix + d->name (the name lives in @p buf). */
static kc_config_def_t prefixed(const kc_config_def_t *d, const char *prefix, char *buf, size_t n,
                                const char *group) {
  kc_config_def_t c = *d;
  snprintf(buf, n, "%s%s", prefix, d->name);
  c.name = buf;
  c.group = group;
  return c;
}

/* The class's keys minus those the implicit ones mask, in ConfigDef.sortedConfigs order: no
 * default first, then importance, then name. */
typedef struct {
  const kc_config_def_t *d[128];
  size_t n;
} keys_t;

static int cmp_keys(const void *a, const void *b) {
  const kc_config_def_t *x = *(const kc_config_def_t *const *)a, *y = *(const kc_config_def_t *const *)b;
  bool xr = (x->flags & KC_CFG_REQUIRED) != 0, yr = (y->flags & KC_CFG_REQUIRED) != 0;
  if (xr != yr) return xr ? -1 : 1;
  if (x->importance != y->importance) return x->importance < y->importance ? -1 : 1;
  return strcmp(x->name, y->name);
}

/* ReplaceField's 3.9 "blacklist"/"whitelist" are gone from Connect 4.x's ConfigDef: kconnect still
 * honours them (3.9 configs keep working) but describes and validates the 4.x keys only. */
static bool removed_in_4x(const kc_transform_plugin_t *p, const kc_config_def_t *d) {
  return strstr(p->class_name, ".ReplaceField$") && (!strcmp(d->name, "blacklist") || !strcmp(d->name, "whitelist"));
}

static void class_keys(const kc_transform_plugin_t *p, bool implicit, keys_t *k) {
  k->n = 0;
  if (implicit)
    for (const kc_config_def_t *d = implicit_defs; d->name && k->n < 128; d++) k->d[k->n++] = d;
  for (const kc_config_def_t *d = p->config_def; d && d->name && k->n < 128; d++) {
    if (implicit && (!strcmp(d->name, "predicate") || !strcmp(d->name, "negate"))) continue;
    if (removed_in_4x(p, d)) continue;
    k->d[k->n++] = d;
  }
  qsort(k->d, k->n, sizeof k->d[0], cmp_keys);
}

int kc_xf_config_resolve(const kc_config_t *conn_cfg, const char *prefix, kc_xf_kind_t kind,
                         const kc_transform_plugin_t **plugin, kc_config_t **sub, char *errstr,
                         size_t errstr_size) {
  char key[600];
  snprintf(key, sizeof key, "%stype", prefix);
  const kc_transform_plugin_t *p =
      resolve_type(key, kc_config_get(conn_cfg, key), kind, errstr, errstr_size);
  if (!p) return KC_EINVAL;
  kc_config_t *c = kc_config_new();
  if (!c) return KC_ENOMEM;
  size_t plen = strlen(prefix);
  bool is_xf = kind == KC_XF_TRANSFORM;
  for (size_t i = 0; i < kc_config_count(conn_cfg); i++) {
    const char *k, *v;
    kc_config_at(conn_cfg, i, &k, &v);
    if (strncmp(k, prefix, plen)) continue;
    const char *own = k + plen;
    if (is_xf && (!strcmp(own, "predicate") || !strcmp(own, "negate"))) continue;
    if (kc_config_set(c, own, v)) {
      kc_config_destroy(c);
      return KC_ENOMEM;
    }
  }
  for (const kc_config_def_t *d = p->config_def; d && d->name; d++) {
    char buf[600];
    kc_config_def_t pd = prefixed(d, prefix, buf, sizeof buf, NULL);
    if (kc_configdef_check(&pd, kc_config_get(c, d->name), errstr, errstr_size)) {
      kc_config_destroy(c);
      return KC_EINVAL;
    }
  }
  if (kc_configdef_apply_defaults(p->config_def, c)) {
    kc_config_destroy(c);
    return KC_ENOMEM;
  }
  /* ConfigDef.parseType trims STRING and CLASS values (String.trim: chars <= ' ') */
  for (const kc_config_def_t *d = p->config_def; d && d->name; d++) {
    const char *v = d->type == KC_CFG_STRING || d->type == KC_CFG_CLASS ? kc_config_get(c, d->name) : NULL;
    if (!v) continue;
    size_t b = 0, e = strlen(v);
    while (b < e && (unsigned char)v[b] <= ' ') b++;
    while (e > b && (unsigned char)v[e - 1] <= ' ') e--;
    if (b == 0 && v[e] == '\0') continue;
    char *t = strndup(v + b, e - b);
    if (!t || kc_config_set(c, d->name, t)) {
      free(t);
      kc_config_destroy(c);
      return KC_ENOMEM;
    }
    free(t);
  }
  *plugin = p;
  *sub = c;
  return 0;
}

/* ---- validation ---- */

typedef int (*alias_fn)(void *arg, kc_xf_kind_t kind, const char *alias);

static int each_alias(const kc_config_t *cfg, alias_fn fn, void *arg) {
  static const struct {
    const char *key;
    kc_xf_kind_t kind;
  } lists[] = {{"transforms", KC_XF_TRANSFORM}, {"predicates", KC_XF_PREDICATE}};
  for (size_t l = 0; l < 2; l++) {
    char **aliases = NULL;
    int n = kc_config_get_list(cfg, lists[l].key, &aliases);
    int rc = 0;
    for (int i = 0; i < n && !rc; i++) {
      bool dup = false;
      for (int j = 0; j < i && !dup; j++) dup = !strcmp(aliases[i], aliases[j]);
      if (!dup) rc = fn(arg, lists[l].kind, aliases[i]);
    }
    kc_config_list_free(aliases);
    if (rc) return rc;
  }
  return 0;
}

/* EnrichablePlugin's type validator: validateProps (negate needs a predicate). */
static bool negate_error(const kc_config_t *cfg, const char *prefix, char *msg, size_t n) {
  char kn[600], kp[600];
  snprintf(kn, sizeof kn, "%snegate", prefix);
  snprintf(kp, sizeof kp, "%spredicate", prefix);
  if (!kc_config_get(cfg, kn) || kc_config_get(cfg, kp)) return false;
  snprintf(msg, n,
           "Config '%s' was provided but there is no config '%s' defining a predicate to be "
           "negated.",
           kn, kp);
  return true;
}

typedef struct {
  const kc_config_t *cfg;
  char *errstr;
  size_t n;
} first_t;

static int first_error(void *arg, kc_xf_kind_t kind, const char *alias) {
  first_t *f = arg;
  char prefix[512], key[600];
  snprintf(prefix, sizeof prefix, "%s.%s.", kind == KC_XF_TRANSFORM ? "transforms" : "predicates",
           alias);
  snprintf(key, sizeof key, "%stype", prefix);
  const kc_transform_plugin_t *p = resolve_type(key, kc_config_get(f->cfg, key), kind, f->errstr, f->n);
  if (!p) return KC_EINVAL;
  if (kind == KC_XF_TRANSFORM && negate_error(f->cfg, prefix, f->errstr, f->n)) return KC_EINVAL;
  keys_t k;
  class_keys(p, kind == KC_XF_TRANSFORM, &k);
  for (size_t i = 0; i < k.n; i++) {
    char buf[600];
    kc_config_def_t pd = prefixed(k.d[i], prefix, buf, sizeof buf, NULL);
    if (kc_configdef_check(&pd, kc_config_get(f->cfg, buf), f->errstr, f->n)) return KC_EINVAL;
  }
  return 0;
}

int kc_xf_config_validate(const kc_config_t *conn_cfg, char *errstr, size_t errstr_size) {
  first_t f = {conn_cfg, errstr, errstr_size};
  return each_alias(conn_cfg, first_error, &f);
}

typedef struct {
  const kc_config_t *cfg;
  json_t *entries, *groups;
  int errors;
} collect_t;

static json_t *class_names(kc_xf_kind_t kind) {
  const char *names[128];
  size_t n = 0;
  for (const kc_transform_plugin_t *const *p = kc_transform_plugins; *p && n < 128; p++)
    if ((*p)->kind == kind) names[n++] = (*p)->class_name;
  /* PluginDesc order: by class name */
  for (size_t i = 1; i < n; i++)
    for (size_t j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
      const char *t = names[j];
      names[j] = names[j - 1];
      names[j - 1] = t;
    }
  json_t *a = json_array();
  for (size_t i = 0; a && i < n; i++) json_array_append_new(a, json_string(names[i]));
  return a;
}

static int collect(void *arg, kc_xf_kind_t kind, const char *alias) {
  collect_t *c = arg;
  bool xf = kind == KC_XF_TRANSFORM;
  char prefix[512], key[600], group[600], display[600], doc[600], msg[1024];
  snprintf(prefix, sizeof prefix, "%s.%s.", xf ? "transforms" : "predicates", alias);
  snprintf(key, sizeof key, "%stype", prefix);
  snprintf(group, sizeof group, "%s: %s", xf ? "Transforms" : "Predicates", alias);
  snprintf(display, sizeof display, "%s type for %s", kind_name(kind), alias);
  snprintf(doc, sizeof doc, "Class for the '%s' %s.", alias, xf ? "transformation" : "predicate");
  if (json_array_append_new(c->groups, json_string(group))) return KC_ENOMEM;

  const char *raw = kc_config_get(c->cfg, key);
  const kc_transform_plugin_t *p = resolve_type(key, raw, kind, msg, sizeof msg);
  bool type_err = !p || (xf && negate_error(c->cfg, prefix, msg, sizeof msg));
  json_t *errs = json_array();
  if (type_err) json_array_append_new(errs, json_string(msg));
  c->errors += type_err;
  /* CLASS values print as Class.getName(): an alias shows the class it names. */
  json_t *value = p ? json_string(p->class_name) : raw && strstr(msg, "could not be found") == NULL
                                                        ? json_string(raw)
                                                        : json_null();
  json_t *def = json_pack("{s:s, s:s, s:b, s:n, s:s, s:s, s:s, s:i, s:s, s:s, s:[]}", "name", key,
                          "type", "CLASS", "required", 1, "default_value", "importance", "HIGH",
                          "documentation", doc, "group", group, "order_in_group", 0, "width", "LONG",
                          "display_name", display, "dependents");
  json_t *val = json_pack("{s:s, s:o, s:o, s:o, s:b}", "name", key, "value", value,
                          "recommended_values", class_names(kind), "errors", errs, "visible", 1);
  if (!def || !val || json_array_append_new(c->entries, json_pack("{s:o, s:o}", "definition", def,
                                                                  "value", val)))
    return KC_ENOMEM;
  {
    /* Connect 4.x (KIP-891): "<prefix>plugin.version", after the type; defaults to the loaded
     * class's version, none when the class does not load. */
    char vkey[600], vdisplay[600], vdoc[600];
    snprintf(vkey, sizeof vkey, "%splugin.version", prefix);
    snprintf(vdisplay, sizeof vdisplay, "%s version for %s", kind_name(kind), alias);
    snprintf(vdoc, sizeof vdoc, "Version of the '%s' %s.", alias, xf ? "transformation" : "predicate");
    const char *given = kc_config_get(c->cfg, vkey);
    const char *ver = p ? KC_CONNECT_COMPAT_VERSION : NULL;
    json_t *vdef = json_pack("{s:s, s:s, s:b, s:o, s:s, s:s, s:s, s:i, s:s, s:s, s:[]}", "name", vkey, "type",
                             "STRING", "required", 0, "default_value", ver ? json_string(ver) : json_null(),
                             "importance", "HIGH", "documentation", vdoc, "group", group, "order_in_group", 1,
                             "width", "LONG", "display_name", vdisplay, "dependents");
    json_t *vval = json_pack("{s:s, s:o, s:o, s:[], s:b}", "name", vkey, "value",
                             given ? json_string(given) : ver ? json_string(ver) : json_null(), "recommended_values",
                             ver ? json_pack("[s]", ver) : json_array(), "errors", "visible", 1);
    if (!vdef || !vval || json_array_append_new(c->entries, json_pack("{s:o, s:o}", "definition", vdef,
                                                                      "value", vval)))
      return KC_ENOMEM;
  }
  if (!p) return 0; /* populateConfigDef gives up: no embedded keys */
  keys_t k;
  class_keys(p, xf, &k);
  for (size_t i = 0; i < k.n; i++) {
    char buf[600];
    kc_config_def_t pd = prefixed(k.d[i], prefix, buf, sizeof buf, group);
    json_t *e = kc_configdef_entry_json(&pd, kc_config_get(c->cfg, buf), (int)i + 2, &c->errors);
    if (!e) return KC_ENOMEM;
    /* ConfigDef.embed keeps the child's display name and width */
    json_t *d = json_object_get(e, "definition");
    json_object_set_new(d, "display_name", json_string(k.d[i]->name));
    json_object_set_new(d, "width", json_string("NONE"));
    if (json_array_append_new(c->entries, e)) return KC_ENOMEM;
  }
  return 0;
}

static bool is_common_key(const char *name) {
  const kc_config_def_t *t[] = {kc_connector_common_defs, kc_connector_sink_defs,
                                kc_connector_source_defs};
  for (size_t i = 0; i < 3; i++)
    if (kc_configdef_find(t[i], name)) return true;
  return false;
}

static bool is_common_group(const char *g) {
  const kc_config_def_t *t[] = {kc_connector_common_defs, kc_connector_sink_defs,
                                kc_connector_source_defs};
  for (size_t i = 0; i < 3; i++)
    for (const kc_config_def_t *d = t[i]; d->name; d++)
      if (d->group && !strcmp(d->group, g)) return true;
  return false;
}

int kc_xf_validate_json(const kc_config_t *conn_cfg, json_t *res) {
  collect_t c = {conn_cfg, json_array(), json_array(), 0};
  int rc = c.entries && c.groups ? each_alias(conn_cfg, collect, &c) : KC_ENOMEM;
  json_t *configs = json_object_get(res, "configs"), *groups = json_object_get(res, "groups");
  if (!rc && (!configs || !groups)) rc = KC_EINVAL;
  if (!rc) {
    /* After the last connector-common entry (Connect: the enriched ConfigDef, then the plugin's). */
    size_t at = 0;
    for (size_t i = 0; i < json_array_size(configs); i++) {
      json_t *d = json_object_get(json_array_get(configs, i), "definition");
      const char *name = json_string_value(json_object_get(d, "name"));
      if (!d || json_is_null(d) || (name && is_common_key(name))) at = i + 1;
    }
    for (size_t i = 0; i < json_array_size(c.entries); i++)
      json_array_insert(configs, at + i, json_array_get(c.entries, i));
    size_t gat = 0;
    for (size_t i = 0; i < json_array_size(groups); i++)
      if (is_common_group(json_string_value(json_array_get(groups, i)))) gat = i + 1;
    for (size_t i = 0; i < json_array_size(c.groups); i++)
      json_array_insert(groups, gat + i, json_array_get(c.groups, i));
    json_t *ec = json_object_get(res, "error_count");
    json_object_set_new(res, "error_count", json_integer(json_integer_value(ec) + c.errors));
  }
  json_decref(c.entries);
  json_decref(c.groups);
  return rc;
}

json_t *kc_xf_describe_json(const char *name) {
  const kc_transform_plugin_t *p = kc_transform_find(name, KC_XF_TRANSFORM);
  if (!p) p = kc_transform_find(name, KC_XF_PREDICATE);
  if (!p) return NULL;
  static const kc_config_def_t empty[] = {{NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL}};
  kc_config_def_t kept[64];
  size_t n = 0;
  for (const kc_config_def_t *d = p->config_def; d && d->name && n < 63; d++)
    if (!removed_in_4x(p, d)) kept[n++] = *d;
  kept[n] = empty[0];
  const kc_config_def_t *tables[] = {p->config_def ? kept : empty, NULL};
  return kc_configdef_describe_json(tables);
}
