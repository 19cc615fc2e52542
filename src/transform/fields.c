/*
 * Field-level transformations of connect/transforms: InsertField, ReplaceField, HoistField,
 * ExtractField (V1 and V2 paths), ValueToKey. Messages and output schemas follow the Java classes
 * (3.9/4.x); schemaless maps keep insertion order where Java's HashMap has its own (documented).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "transform/xf_util.h"

#define OPT_DOC "Suffix with <code>!</code> to make this a required field, or <code>?</code> to keep it optional (the default)."

static char **list_of(const kc_config_t *cfg, const char *key, int *n) {
  char **items = NULL;
  *n = kc_config_get_list(cfg, key, &items);
  if (*n < 0) *n = 0;
  return items;
}

static bool in_list(char *const *l, int n, const char *s) {
  for (int i = 0; i < n; i++)
    if (!strcmp(l[i], s)) return true;
  return false;
}

static bool cfg_bool(const kc_config_t *cfg, const char *key, bool dflt) {
  bool b = dflt;
  kc_config_get_bool(cfg, key, &b);
  return b;
}

/* Struct fields copied by pointer into a struct of @p to (same field order as @p from). */
static kc_value_t *copy_fields(kc_xrecord_t *r, const kc_value_t *from, const kc_schema_t *to,
                               bool rnwd) {
  kc_value_t *st = kc_xf_new_struct(r, to);
  if (!st) return NULL;
  const kc_schema_t *fs = from->u.st.schema;
  for (size_t i = 0; i < fs->nfields; i++) {
    const kc_field_t *f = kc_schema_field(to, fs->fields[i].name);
    if (f) st->u.st.vals[f->index] = (kc_value_t *)kc_xf_struct_get(from, &fs->fields[i], rnwd);
  }
  return st;
}

/* ---- InsertField ---- */

typedef struct {
  char *name;
  bool optional;
} spec_t;

typedef struct {
  kc_xf_variant_t variant;
  spec_t topic, partition, offset, timestamp, stat;
  char *static_value;
  bool rnwd;
  kc_xf_schema_cache_t *cache;
  kc_schema_t *opt_ts;
} insert_t;

static const kc_config_def_t insert_defs[] = {
    {"topic.field", KC_CFG_STRING, NULL, 0, KC_CFG_MEDIUM, "Field name for Kafka topic. " OPT_DOC, NULL, NULL, 0, 0, NULL},
    {"partition.field", KC_CFG_STRING, NULL, 0, KC_CFG_MEDIUM, "Field name for Kafka partition. " OPT_DOC, NULL, NULL, 0, 0, NULL},
    {"offset.field", KC_CFG_STRING, NULL, 0, KC_CFG_MEDIUM,
     "Field name for Kafka offset - only applicable to sink connectors.<br/>" OPT_DOC, NULL, NULL, 0, 0, NULL},
    {"timestamp.field", KC_CFG_STRING, NULL, 0, KC_CFG_MEDIUM, "Field name for record timestamp. " OPT_DOC, NULL, NULL, 0, 0, NULL},
    {"static.field", KC_CFG_STRING, NULL, 0, KC_CFG_MEDIUM, "Field name for static data field. " OPT_DOC, NULL, NULL, 0, 0, NULL},
    {"static.value", KC_CFG_STRING, NULL, 0, KC_CFG_MEDIUM, "Static field value, if field name configured.", NULL, NULL, 0, 0, NULL},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static int parse_spec(const kc_config_t *cfg, const char *key, spec_t *s) {
  const char *v = kc_config_get(cfg, key);
  if (!v) return 0;
  size_t n = strlen(v);
  s->optional = true;
  if (n && (v[n - 1] == '?' || v[n - 1] == '!')) {
    s->optional = v[n - 1] == '?';
    n--;
  }
  return (s->name = strndup(v, n)) ? 0 : KC_ENOMEM;
}

static void insert_destroy(void *p) {
  insert_t *t = p;
  if (!t) return;
  free(t->topic.name), free(t->partition.name), free(t->offset.name), free(t->timestamp.name);
  free(t->stat.name), free(t->static_value);
  kc_xf_schema_cache_destroy(t->cache);
  kc_schema_decref(t->opt_ts);
  free(t);
}

static int insert_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err,
                         size_t n) {
  insert_t *t = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  t->variant = variant;
  t->rnwd = cfg_bool(cfg, "replace.null.with.default", true);
  const char *sv = kc_config_get(cfg, "static.value");
  if (parse_spec(cfg, "topic.field", &t->topic) || parse_spec(cfg, "partition.field", &t->partition) ||
      parse_spec(cfg, "offset.field", &t->offset) || parse_spec(cfg, "timestamp.field", &t->timestamp) ||
      parse_spec(cfg, "static.field", &t->stat) || (sv && !(t->static_value = strdup(sv))) ||
      !(t->cache = kc_xf_schema_cache_new(16)) || !(t->opt_ts = kc_schema_new(KC_TYPE_INT64))) {
    insert_destroy(t);
    return KC_ENOMEM;
  }
  kc_schema_set_name(t->opt_ts, KC_LOGICAL_TIMESTAMP);
  t->opt_ts->has_version = true;
  t->opt_ts->version = 1;
  t->opt_ts->optional = true;
  if (!t->topic.name && !t->partition.name && !t->offset.name && !t->timestamp.name && !t->stat.name) {
    snprintf(err, n, "No field insertion configured");
    insert_destroy(t);
    return KC_EINVAL;
  }
  if (t->stat.name && !t->static_value) {
    snprintf(err, n, "Invalid value null for configuration static.value: No value specified for static field: %s",
             t->stat.name);
    insert_destroy(t);
    return KC_EINVAL;
  }
  *state = t;
  return 0;
}

static kc_schema_t *insert_schema(insert_t *t, const kc_schema_t *in, kc_xf_error_t *err, int *why) {
  kc_schema_t *s = kc_xf_schema_copy_basics(in, KC_TYPE_STRUCT);
  *why = KC_ENOMEM;
  if (!s) return NULL;
  int rc = 0;
  for (size_t i = 0; i < in->nfields && !rc; i++)
    rc = kc_xf_add_field(s, in->fields[i].name, kc_schema_incref(in->fields[i].schema), err);
#define ADD(spec, schema) \
  if (!rc && t->spec.name) rc = kc_xf_add_field(s, t->spec.name, kc_schema_incref(schema), err)
  ADD(topic, kc_schema_static(KC_TYPE_STRING, t->topic.optional));
  ADD(partition, kc_schema_static(KC_TYPE_INT32, t->partition.optional));
  ADD(offset, kc_schema_static(KC_TYPE_INT64, t->offset.optional));
  ADD(timestamp, t->timestamp.optional ? t->opt_ts : kc_schema_logical(KC_LOGICAL_TIMESTAMP));
  ADD(stat, kc_schema_static(KC_TYPE_STRING, t->stat.optional));
#undef ADD
  if (rc) {
    kc_schema_decref(s);
    *why = rc;
    return NULL;
  }
  return s;
}

static int insert_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  insert_t *t = p;
  const char *purpose = "field insertion";
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  if (!v) return 0;
  if (t->offset.name && kc_xf_require_sink(r, purpose, err)) return KC_ECONVERT;
  kc_value_t *topic = t->topic.name ? kc_xf_new_string(r, r->topic, strlen(r->topic)) : NULL;
  kc_value_t *part = t->partition.name && r->partition >= 0 ? kc_xf_new_int(r, KC_TYPE_INT32, r->partition) : NULL;
  kc_value_t *off = t->offset.name ? kc_xf_new_int(r, KC_TYPE_INT64, r->offset) : NULL;
  kc_value_t *ts = t->timestamp.name && r->timestamp >= 0 ? kc_xf_new_int(r, KC_TYPE_INT64, r->timestamp) : NULL;
  kc_value_t *sv = t->stat.name ? kc_xf_new_string(r, t->static_value, strlen(t->static_value)) : NULL;
  if (!schema) {
    if (kc_xf_require_map(v, purpose, err)) return KC_ECONVERT;
    kc_value_t *m = kc_xf_map_copy(r, v, 5);
    if (!m) return KC_ENOMEM;
#define PUT(spec, val)                                                                        \
  if (t->spec.name && (val)) {                                                                \
    kc_value_t *k = kc_xf_new_string(r, t->spec.name, strlen(t->spec.name));                  \
    if (!k || kc_xf_map_put(r, m, k, val)) return KC_ENOMEM;                                  \
  }
    PUT(topic, topic);
    PUT(partition, part);
    PUT(offset, off);
    PUT(timestamp, ts);
    PUT(stat, sv);
#undef PUT
    return kc_xf_op_set(r, t->variant, NULL, m);
  }
  if (kc_xf_require_struct(v, purpose, err)) return KC_ECONVERT;
  const kc_schema_t *in = v->u.st.schema;
  kc_schema_t *out = kc_xf_schema_cache_get(t->cache, in);
  if (!out) {
    int why;
    if (!(out = insert_schema(t, in, err, &why))) return why;
    kc_xf_schema_cache_put(t->cache, in, out);
    kc_schema_decref(out); /* the cache holds it */
  }
  if (kc_xrecord_retain(r, out)) return KC_ENOMEM;
  kc_value_t *st = copy_fields(r, v, out, t->rnwd);
  if (!st) return KC_ENOMEM;
#define SET(spec, val)                                                         \
  if (t->spec.name && (val)) {                                                 \
    const kc_field_t *f = kc_schema_field(out, t->spec.name);                  \
    if (f) st->u.st.vals[f->index] = val;                                      \
  }
  SET(topic, topic);
  SET(partition, part);
  SET(offset, off);
  SET(timestamp, ts);
  SET(stat, sv);
#undef SET
  return kc_xf_op_set(r, t->variant, out, st);
}

#define XF(sym, cls, var, defs, pre)                                                          \
  const kc_transform_plugin_t sym = {cls, KC_XF_TRANSFORM, var, defs, pre##_create,           \
                                     pre##_apply, NULL, pre##_destroy}
XF(kc_xf_insert_field_key, "org.apache.kafka.connect.transforms.InsertField$Key", KC_XF_KEY, insert_defs, insert);
XF(kc_xf_insert_field_value, "org.apache.kafka.connect.transforms.InsertField$Value", KC_XF_VALUE, insert_defs, insert);

/* ---- ReplaceField ---- */

typedef struct {
  kc_xf_variant_t variant;
  char **exclude, **include, **rename_from, **rename_to;
  int nexclude, ninclude, nrenames;
  bool rnwd;
  kc_xf_schema_cache_t *cache;
} replace_t;

static int validate_renames(const char *name, const char *value, char *err, size_t n) {
  kc_config_t *c = kc_config_new();
  if (!c) return KC_ENOMEM;
  kc_config_set(c, "r", value);
  int cnt;
  char **items = list_of(c, "r", &cnt);
  int rc = 0;
  for (int i = 0; i < cnt && !rc; i++) {
    /* String.split(":") drops trailing empty parts: exactly two parts, the second non-empty */
    const char *colon = strchr(items[i], ':');
    if (!colon || strchr(colon + 1, ':') || !colon[1]) {
      snprintf(err, n, "Invalid rename mapping: %s", items[i]);
      rc = KC_EINVAL;
    }
  }
  kc_config_list_free(items);
  kc_config_destroy(c);
  return rc;
}

static const kc_config_def_t replace_defs[] = {
    {"exclude", KC_CFG_LIST, "", 0, KC_CFG_MEDIUM, "Fields to exclude. This takes precedence over the fields to include.", NULL, NULL, 0, 0, NULL},
    {"blacklist", KC_CFG_LIST, NULL, 0, KC_CFG_LOW, "Deprecated. Use exclude instead.", NULL, NULL, 0, 0, NULL},
    {"include", KC_CFG_LIST, "", 0, KC_CFG_MEDIUM, "Fields to include. If specified, only these fields will be used.", NULL, NULL, 0, 0, NULL},
    {"whitelist", KC_CFG_LIST, NULL, 0, KC_CFG_LOW, "Deprecated. Use include instead.", NULL, NULL, 0, 0, NULL},
    {"renames", KC_CFG_LIST, "", 0, KC_CFG_MEDIUM, "Field rename mappings.", NULL, NULL, 0, 0, validate_renames},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void replace_destroy(void *p) {
  replace_t *t = p;
  if (!t) return;
  kc_config_list_free(t->exclude);
  kc_config_list_free(t->include);
  for (int i = 0; i < t->nrenames; i++) free(t->rename_from[i]), free(t->rename_to[i]);
  free(t->rename_from);
  free(t->rename_to);
  kc_xf_schema_cache_destroy(t->cache);
  free(t);
}

static int replace_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err,
                          size_t n) {
  replace_t *t = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  t->variant = variant;
  t->rnwd = cfg_bool(cfg, "replace.null.with.default", true);
  /* ConfigUtils.translateDeprecatedConfigs: the new name wins when both are given. Defaults are
   * applied by now, so an empty exclude/include counts as not given. */
  const kc_config_t *c = cfg;
  const char *ex = kc_config_get(cfg, "exclude"), *in = kc_config_get(cfg, "include");
  t->exclude = list_of(c, kc_config_get(cfg, "blacklist") && (!ex || !*ex) ? "blacklist" : "exclude", &t->nexclude);
  t->include = list_of(c, kc_config_get(cfg, "whitelist") && (!in || !*in) ? "whitelist" : "include", &t->ninclude);
  int nr;
  char **r = list_of(cfg, "renames", &nr);
  t->rename_from = calloc((size_t)nr + 1, sizeof(char *));
  t->rename_to = calloc((size_t)nr + 1, sizeof(char *));
  t->cache = kc_xf_schema_cache_new(16);
  if (!t->rename_from || !t->rename_to || !t->cache) {
    kc_config_list_free(r);
    replace_destroy(t);
    return KC_ENOMEM;
  }
  for (int i = 0; i < nr; i++) {
    char *colon = strchr(r[i], ':');
    if (!colon) continue;
    /* HashMap.put: a repeated old name takes the last mapping */
    int j = 0;
    while (j < t->nrenames && strncmp(t->rename_from[j], r[i], (size_t)(colon - r[i]))) j++;
    if (j == t->nrenames) {
      t->rename_from[j] = strndup(r[i], (size_t)(colon - r[i]));
      t->nrenames++;
    } else {
      free(t->rename_to[j]);
    }
    t->rename_to[j] = strdup(colon + 1);
  }
  kc_config_list_free(r);
  (void)err, (void)n;
  *state = t;
  return 0;
}

static bool replace_keep(const replace_t *t, const char *f) {
  return !in_list(t->exclude, t->nexclude, f) && (t->ninclude == 0 || in_list(t->include, t->ninclude, f));
}

static const char *renamed(const replace_t *t, const char *f) {
  for (int i = 0; i < t->nrenames; i++)
    if (!strcmp(t->rename_from[i], f)) return t->rename_to[i];
  return f;
}

static int replace_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  replace_t *t = p;
  const char *purpose = "field replacement";
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  if (!v) return 0;
  if (!schema) {
    if (kc_xf_require_map(v, purpose, err)) return KC_ECONVERT;
    kc_value_t *m = kc_xf_new_map_cap(r, v->u.map.n);
    if (!m) return KC_ENOMEM;
    for (size_t i = 0; i < v->u.map.n; i++) {
      const kc_value_t *k = v->u.map.keys[i];
      const char *name = k && k->type == KC_TYPE_STRING ? k->u.str.ptr : NULL;
      if (!name || !replace_keep(t, name)) continue;
      const char *to = renamed(t, name);
      const kc_value_t *nk = to == name ? k : kc_xf_new_string(r, to, strlen(to));
      /* the input's keys are unique: only a rename can meet a key already put */
      if (!nk || (t->nrenames ? kc_xf_map_put(r, m, nk, v->u.map.vals[i])
                              : kc_xf_map_append(r, m, nk, v->u.map.vals[i])))
        return KC_ENOMEM;
    }
    return kc_xf_op_set(r, t->variant, NULL, m);
  }
  if (kc_xf_require_struct(v, purpose, err)) return KC_ECONVERT;
  const kc_schema_t *in = v->u.st.schema;
  kc_schema_t *out = kc_xf_schema_cache_get(t->cache, in);
  if (!out) {
    if (!(out = kc_xf_schema_copy_basics(in, KC_TYPE_STRUCT))) return KC_ENOMEM;
    for (size_t i = 0; i < in->nfields; i++) {
      int rc = replace_keep(t, in->fields[i].name)
                   ? kc_xf_add_field(out, renamed(t, in->fields[i].name), kc_schema_incref(in->fields[i].schema), err)
                   : 0;
      if (rc) {
        kc_schema_decref(out);
        return rc;
      }
    }
    kc_xf_schema_cache_put(t->cache, in, out);
    kc_schema_decref(out);
  }
  if (kc_xrecord_retain(r, out)) return KC_ENOMEM;
  kc_value_t *st = kc_xf_new_struct(r, out);
  if (!st) return KC_ENOMEM;
  /* Java fills each output field from value.get(reverseRenamed(name)): an output field named
   * like a rename target whose source the record lacks is "<source> is not a valid field name". */
  for (size_t i = 0; i < out->nfields; i++) {
    const char *src = out->fields[i].name;
    for (int k = t->nrenames - 1; k >= 0; k--)
      if (!strcmp(t->rename_to[k], src)) {
        src = t->rename_from[k];
        break;
      }
    const kc_field_t *f = kc_schema_field(in, src);
    if (!f) return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "%s is not a valid field name", src);
    st->u.st.vals[i] = (kc_value_t *)kc_xf_struct_get(v, f, t->rnwd);
  }
  return kc_xf_op_set(r, t->variant, out, st);
}

XF(kc_xf_replace_field_key, "org.apache.kafka.connect.transforms.ReplaceField$Key", KC_XF_KEY, replace_defs, replace);
XF(kc_xf_replace_field_value, "org.apache.kafka.connect.transforms.ReplaceField$Value", KC_XF_VALUE, replace_defs, replace);

/* ---- HoistField ---- */

typedef struct {
  kc_xf_variant_t variant;
  char *field;
  kc_xf_schema_cache_t *cache;
} hoist_t;

static const kc_config_def_t hoist_defs[] = {
    {"field", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_MEDIUM,
     "Field name for the single field that will be created in the resulting Struct or Map.", NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void hoist_destroy(void *p) {
  hoist_t *t = p;
  if (!t) return;
  free(t->field);
  kc_xf_schema_cache_destroy(t->cache);
  free(t);
}

static int hoist_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err,
                        size_t n) {
  (void)err, (void)n;
  hoist_t *t = calloc(1, sizeof *t);
  if (!t || !(t->field = strdup(kc_config_get(cfg, "field"))) || !(t->cache = kc_xf_schema_cache_new(16))) {
    hoist_destroy(t);
    return KC_ENOMEM;
  }
  t->variant = variant;
  *state = t;
  return 0;
}

static int hoist_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  (void)err;
  hoist_t *t = p;
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  if (!schema) {
    kc_value_t *m = kc_xf_new_map(r), *k = kc_xf_new_string(r, t->field, strlen(t->field));
    if (!m || !k || kc_xf_map_append(r, m, k, v)) return KC_ENOMEM;
    return kc_xf_op_set(r, t->variant, NULL, m);
  }
  kc_schema_t *out = kc_xf_schema_cache_get(t->cache, schema);
  if (!out) {
    if (!(out = kc_schema_new(KC_TYPE_STRUCT)) ||
        kc_schema_add_field(out, t->field, kc_schema_incref((kc_schema_t *)schema))) {
      kc_schema_decref(out);
      return KC_ENOMEM;
    }
    kc_xf_schema_cache_put(t->cache, schema, out);
    kc_schema_decref(out);
  }
  if (kc_xrecord_retain(r, out)) return KC_ENOMEM;
  kc_value_t *st = kc_xf_new_struct(r, out);
  if (!st) return KC_ENOMEM;
  st->u.st.vals[0] = (kc_value_t *)v;
  return kc_xf_op_set(r, t->variant, out, st);
}

XF(kc_xf_hoist_field_key, "org.apache.kafka.connect.transforms.HoistField$Key", KC_XF_KEY, hoist_defs, hoist);
XF(kc_xf_hoist_field_value, "org.apache.kafka.connect.transforms.HoistField$Value", KC_XF_VALUE, hoist_defs, hoist);

/* ---- ExtractField ---- */

#define MAX_PATH 32

typedef struct {
  kc_xf_variant_t variant;
  char *original;
  char *steps[MAX_PATH];
  int nsteps;
  bool rnwd;
} extract_t;

static const char *const syntax_versions[] = {"V1", "V2", NULL};
static const kc_config_def_t extract_defs[] = {
    {"field", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_MEDIUM, "Field name to extract.", NULL, NULL, 0, 0, NULL},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    {"field.syntax.version", KC_CFG_STRING, "V1", 0, KC_CFG_HIGH,
     /* Connect 4.x's text: the 3.9 backticks became <code> tags */
     "Defines the version of the syntax to access fields. If set to <code>V1</code>, then the field paths are "
     "limited to access the elements at the root level of the struct or map. If set to <code>V2</code>, the "
     "syntax will support accessing nested elements. To access nested elements, dotted notation is used. If "
     "dots are already included in the field name, then backtick pairs can be used to wrap field names "
     "containing dots. E.g. to access the subfield <code>baz</code> from a field named \"foo.bar\" in a "
     "struct/map the following format can be used to access its elements: \"<code>foo.bar</code>.baz\".",
     NULL, syntax_versions, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void extract_destroy(void *p) {
  extract_t *t = p;
  if (!t) return;
  for (int i = 0; i < t->nsteps; i++) free(t->steps[i]);
  free(t->original);
  free(t);
}

/* KIP-821 V2 paths: '.' separates steps; a step wrapped in backticks may hold dots. */
static int split_path(extract_t *t, const char *path, char *err, size_t n) {
  const char *p = path;
  while (*p && t->nsteps < MAX_PATH) {
    const char *start = p, *end;
    if (*p == '`') {
      const char *close = p + 1;
      while (*close && !(close[0] == '`' && (close[1] == '.' || close[1] == 0))) close++;
      if (*close) {
        start = p + 1;
        end = close;
        p = close + 1;
      } else {
        end = p + strlen(p);
        p = end;
      }
    } else {
      end = strchr(p, '.');
      if (!end) end = p + strlen(p);
      p = end;
    }
    if (!(t->steps[t->nsteps++] = strndup(start, (size_t)(end - start)))) return KC_ENOMEM;
    if (*p == '.') p++;
  }
  if (*p) {
    snprintf(err, n, "Field path %s has more than %d steps", path, MAX_PATH);
    return KC_EINVAL;
  }
  return 0;
}

static int extract_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err,
                          size_t n) {
  extract_t *t = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  t->variant = variant;
  t->rnwd = cfg_bool(cfg, "replace.null.with.default", true);
  const char *f = kc_config_get(cfg, "field");
  const char *ver = kc_config_get(cfg, "field.syntax.version");
  int rc = (t->original = strdup(f)) ? 0 : KC_ENOMEM;
  if (!rc && ver && !strcasecmp(ver, "V2"))
    rc = split_path(t, f, err, n);
  else if (!rc)
    rc = (t->steps[t->nsteps++] = strdup(f)) ? 0 : KC_ENOMEM;
  if (rc) {
    extract_destroy(t);
    return rc;
  }
  *state = t;
  return 0;
}

static int extract_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  extract_t *t = p;
  const char *purpose = "field extraction";
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  if (!schema) {
    if (v && kc_xf_require_map(v, purpose, err)) return KC_ECONVERT;
    /* SingleFieldPath.valueFrom(Map): null when a step is missing or not a map */
    for (int i = 0; v && i < t->nsteps; i++)
      v = v->type == KC_TYPE_MAP ? kc_xf_map_get(v, t->steps[i], NULL) : NULL;
    return kc_xf_op_set(r, t->variant, NULL, v);
  }
  if (v && kc_xf_require_struct(v, purpose, err)) return KC_ECONVERT;
  const kc_schema_t *s = schema;
  const kc_field_t *f = NULL;
  for (int i = 0; i < t->nsteps; i++) {
    f = s && s->type == KC_TYPE_STRUCT ? kc_schema_field(s, t->steps[i]) : NULL;
    if (!f) break;
    s = f->schema;
  }
  if (!f) return kc_xf_fail(err, KC_XF_ILLEGAL_ARGUMENT, "Unknown field: %s", t->original);
  const kc_value_t *out = v;
  s = schema;
  for (int i = 0; out && i < t->nsteps; i++) {
    const kc_field_t *fi = kc_schema_field(s, t->steps[i]);
    out = out->type == KC_TYPE_STRUCT ? kc_xf_struct_get(out, fi, t->rnwd) : NULL;
    s = fi->schema;
  }
  return kc_xf_op_set(r, t->variant, f->schema, out);
}

XF(kc_xf_extract_field_key, "org.apache.kafka.connect.transforms.ExtractField$Key", KC_XF_KEY, extract_defs, extract);
XF(kc_xf_extract_field_value, "org.apache.kafka.connect.transforms.ExtractField$Value", KC_XF_VALUE, extract_defs, extract);

/* ---- ValueToKey ---- */

typedef struct {
  char **fields;
  int nfields;
  bool rnwd;
  kc_xf_schema_cache_t *cache;
} v2k_t;

static const kc_config_def_t v2k_defs[] = {
    {"fields", KC_CFG_LIST, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
     "Field names on the record value to extract as the record key.", NULL, NULL, 0, 0, kc_xf_validate_nonempty_list},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void v2k_destroy(void *p) {
  v2k_t *t = p;
  if (!t) return;
  kc_config_list_free(t->fields);
  kc_xf_schema_cache_destroy(t->cache);
  free(t);
}

static int v2k_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err,
                      size_t n) {
  (void)variant, (void)err, (void)n;
  v2k_t *t = calloc(1, sizeof *t);
  if (!t || !(t->cache = kc_xf_schema_cache_new(16))) {
    free(t);
    return KC_ENOMEM;
  }
  t->fields = list_of(cfg, "fields", &t->nfields);
  t->rnwd = cfg_bool(cfg, "replace.null.with.default", true);
  *state = t;
  return 0;
}

static int v2k_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  v2k_t *t = p;
  const char *purpose = "copying fields from value to key";
  const kc_value_t *v = r->value;
  if (!r->value_schema) {
    if (kc_xf_require_map(v, purpose, err)) return KC_ECONVERT;
    kc_value_t *m = kc_xf_new_map(r);
    if (!m) return KC_ENOMEM;
    for (int i = 0; i < t->nfields; i++) {
      kc_value_t *k = kc_xf_new_string(r, t->fields[i], strlen(t->fields[i]));
      if (!k || kc_xf_map_put(r, m, k, kc_xf_map_get(v, t->fields[i], NULL))) return KC_ENOMEM;
    }
    return kc_xrecord_set_key(r, NULL, m);
  }
  if (kc_xf_require_struct(v, purpose, err)) return KC_ECONVERT;
  const kc_schema_t *in = v->u.st.schema;
  kc_schema_t *out = kc_xf_schema_cache_get(t->cache, in);
  if (!out) {
    if (!(out = kc_schema_new(KC_TYPE_STRUCT))) return KC_ENOMEM;
    for (int i = 0; i < t->nfields; i++) {
      const kc_field_t *f = kc_schema_field(in, t->fields[i]);
      if (!f) {
        kc_schema_decref(out);
        return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Field does not exist: %s", t->fields[i]);
      }
      int rc = kc_xf_add_field(out, t->fields[i], kc_schema_incref(f->schema), err);
      if (rc) {
        kc_schema_decref(out);
        return rc;
      }
    }
    kc_xf_schema_cache_put(t->cache, in, out);
    kc_schema_decref(out);
  }
  if (kc_xrecord_retain(r, out)) return KC_ENOMEM;
  kc_value_t *st = kc_xf_new_struct(r, out);
  if (!st) return KC_ENOMEM;
  for (int i = 0; i < t->nfields; i++) {
    const kc_field_t *f = kc_schema_field(in, t->fields[i]), *o = kc_schema_field(out, t->fields[i]);
    st->u.st.vals[o->index] = (kc_value_t *)kc_xf_struct_get(v, f, t->rnwd);
  }
  return kc_xrecord_set_key(r, out, st);
}

XF(kc_xf_value_to_key, "org.apache.kafka.connect.transforms.ValueToKey", KC_XF_WHOLE, v2k_defs, v2k);
