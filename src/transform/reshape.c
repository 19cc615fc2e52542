/*
 * Flatten and MaskField of connect/transforms. Flatten joins nested Struct/Map field names with
 * the delimiter (optionality and defaults inherited from ancestors, as Java's
 * buildUpdatedSchema); MaskField replaces values with their type's zero or a replacement.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "transform/xf_util.h"

/* Class.toString of a value's Java class, schema-aware for logical types. */
static const char *java_class(const kc_schema_t *s, const kc_value_t *v) {
  if (s && s->name) {
    if (!strcmp(s->name, KC_LOGICAL_DECIMAL)) return "class java.math.BigDecimal";
    if (!strcmp(s->name, KC_LOGICAL_DATE) || !strcmp(s->name, KC_LOGICAL_TIME) ||
        !strcmp(s->name, KC_LOGICAL_TIMESTAMP))
      return "class java.util.Date";
  }
  static char buf[128];
  snprintf(buf, sizeof buf, "class %s", kc_value_java_class(v));
  return buf;
}

/* ---- Flatten ---- */

typedef struct {
  kc_xf_variant_t variant;
  char *delim;
  kc_xf_schema_cache_t *cache;
  kc_buf_t name;
} flatten_t;

static const kc_config_def_t flatten_defs[] = {
    {"delimiter", KC_CFG_STRING, ".", 0, KC_CFG_MEDIUM,
     "Delimiter to insert between field names from the input record when generating field names for the output record",
     NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void flatten_destroy(void *p) {
  flatten_t *t = p;
  if (!t) return;
  free(t->delim);
  kc_xf_schema_cache_destroy(t->cache);
  kc_buf_free(&t->name);
  free(t);
}

static int flatten_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *e, size_t n) {
  (void)e, (void)n;
  flatten_t *t = calloc(1, sizeof *t);
  if (!t || !(t->delim = strdup(kc_config_get(cfg, "delimiter"))) || !(t->cache = kc_xf_schema_cache_new(16))) {
    flatten_destroy(t);
    return KC_ENOMEM;
  }
  kc_buf_init(&t->name, 0);
  t->variant = variant;
  *state = t;
  return 0;
}

/* fieldName(prefix, name) into a new string */
static char *joined(const flatten_t *t, const char *prefix, const char *name, size_t nlen) {
  size_t pl = strlen(prefix), dl = *prefix ? strlen(t->delim) : 0;
  char *s = malloc(pl + dl + nlen + 1);
  if (!s) return NULL;
  memcpy(s, prefix, pl);
  memcpy(s + pl, t->delim, dl);
  memcpy(s + pl + dl, name, nlen);
  s[pl + dl + nlen] = 0;
  return s;
}

static int flat_schemaless(flatten_t *t, kc_xrecord_t *r, const kc_value_t *map, const char *prefix,
                           kc_value_t *out, kc_xf_error_t *err) {
  for (size_t i = 0; i < map->u.map.n; i++) {
    const kc_value_t *k = map->u.map.keys[i], *v = map->u.map.vals[i];
    if (!k || k->type != KC_TYPE_STRING) continue;
    char *name = joined(t, prefix, k->u.str.ptr, k->u.str.len);
    if (!name) return KC_ENOMEM;
    int rc = 0;
    if (v && v->type == KC_TYPE_MAP) {
      rc = flat_schemaless(t, r, v, name, out, err);
    } else if (v && v->type == KC_TYPE_STRUCT) {
      rc = kc_xf_fail(err, KC_XF_DATA_EXCEPTION,
                      "Flatten transformation does not support class org.apache.kafka.connect.data.Struct for "
                      "record without schemas (for field %s).", name);
    } else {
      kc_value_t *nk = kc_xf_new_string(r, name, strlen(name));
      rc = !nk || kc_xf_map_put(r, out, nk, v) ? KC_ENOMEM : 0;
    }
    free(name);
    if (rc) return rc;
  }
  return 0;
}

/* convertFieldSchema: copySchemaBasics, optional when an ancestor is, default from the field or the parent */
static kc_schema_t *flat_field_schema(const kc_schema_t *orig, bool optional, const kc_value_t *dflt) {
  kc_schema_t *s = kc_xf_schema_copy_basics(orig, orig->type);
  if (!s) return NULL;
  if (orig->type == KC_TYPE_ARRAY) s->value_schema = kc_schema_incref(orig->value_schema);
  s->optional = optional;
  if (dflt && !(s->default_value = kc_value_copy(dflt))) {
    kc_schema_decref(s);
    return NULL;
  }
  return s;
}

static int flat_schema(flatten_t *t, const kc_schema_t *s, const char *prefix, kc_schema_t *out,
                       bool optional, const kc_value_t *parent_default, kc_xf_error_t *err) {
  for (size_t i = 0; i < s->nfields; i++) {
    const kc_field_t *f = &s->fields[i];
    char *name = joined(t, prefix, f->name, strlen(f->name));
    if (!name) return KC_ENOMEM;
    bool opt = optional || f->schema->optional;
    const kc_value_t *dflt = f->schema->default_value;
    if (!dflt && parent_default && parent_default->type == KC_TYPE_STRUCT)
      dflt = parent_default->u.st.vals[i] ? parent_default->u.st.vals[i] : NULL;
    int rc = 0;
    if (f->schema->type == KC_TYPE_STRUCT) {
      rc = flat_schema(t, f->schema, name, out, opt, dflt, err);
    } else if (f->schema->type == KC_TYPE_MAP) {
      rc = kc_xf_fail(err, KC_XF_DATA_EXCEPTION,
                      "Flatten transformation does not support MAP for record with schemas (for field %s).", name);
    } else {
      kc_schema_t *fs = flat_field_schema(f->schema, opt, dflt);
      rc = fs ? kc_xf_add_field(out, name, fs, err) : KC_ENOMEM;
    }
    free(name);
    if (rc) return rc;
  }
  return 0;
}

/* Fills @p dst's fields in flattened order. @returns the next index. */
static size_t fill(const kc_value_t *st, kc_value_t *dst, size_t at) {
  const kc_schema_t *s = st->u.st.schema;
  for (size_t i = 0; i < s->nfields; i++) {
    const kc_field_t *f = &s->fields[i];
    const kc_value_t *v = st->u.st.vals[i];
    if (f->schema->type == KC_TYPE_STRUCT) {
      if (v) {
        at = fill(v, dst, at);
      } else {
        /* leaves of a null sub-struct stay null */
        size_t count = 0, todo = 0;
        const kc_schema_t *q[256];
        q[todo++] = f->schema;
        while (todo) {
          const kc_schema_t *c = q[--todo];
          for (size_t j = 0; j < c->nfields; j++)
            if (c->fields[j].schema->type == KC_TYPE_STRUCT && todo < 256) q[todo++] = c->fields[j].schema;
            else count++;
        }
        at += count;
      }
    } else {
      dst->u.st.vals[at++] = (kc_value_t *)v;
    }
  }
  return at;
}

static int flatten_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  flatten_t *t = p;
  const char *purpose = "flattening";
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  if (!v) return 0;
  if (!schema) {
    if (kc_xf_require_map(v, purpose, err)) return KC_ECONVERT;
    kc_value_t *m = kc_xf_new_map(r);
    if (!m) return KC_ENOMEM;
    int rc = flat_schemaless(t, r, v, "", m, err);
    return rc ? rc : kc_xf_op_set(r, t->variant, NULL, m);
  }
  if (kc_xf_require_struct(v, purpose, err)) return KC_ECONVERT;
  kc_schema_t *out = kc_xf_schema_cache_get(t->cache, schema);
  if (!out) {
    if (!(out = kc_xf_schema_copy_basics(schema, KC_TYPE_STRUCT))) return KC_ENOMEM;
    int rc = flat_schema(t, schema, "", out, schema->optional, schema->default_value, err);
    if (rc) {
      kc_schema_decref(out);
      return rc;
    }
    kc_xf_schema_cache_put(t->cache, schema, out);
    kc_schema_decref(out);
  }
  if (kc_xrecord_retain(r, out)) return KC_ENOMEM;
  kc_value_t *st = kc_xf_new_struct(r, out);
  if (!st) return KC_ENOMEM;
  fill(v, st, 0);
  return kc_xf_op_set(r, t->variant, out, st);
}

const kc_transform_plugin_t kc_xf_flatten_key = {"org.apache.kafka.connect.transforms.Flatten$Key",
                                                 KC_XF_TRANSFORM, KC_XF_KEY, flatten_defs, flatten_create,
                                                 flatten_apply, NULL, flatten_destroy};
const kc_transform_plugin_t kc_xf_flatten_value = {"org.apache.kafka.connect.transforms.Flatten$Value",
                                                   KC_XF_TRANSFORM, KC_XF_VALUE, flatten_defs, flatten_create,
                                                   flatten_apply, NULL, flatten_destroy};

/* ---- MaskField ---- */

typedef struct {
  kc_xf_variant_t variant;
  char **fields;
  int nfields;
  char *replacement;
  bool rnwd;
} mask_t;

static const kc_config_def_t mask_defs[] = {
    {"fields", KC_CFG_LIST, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH, "Names of fields to mask.", NULL, NULL, 0, 0, kc_xf_validate_nonempty_list},
    {"replacement", KC_CFG_STRING, NULL, KC_CFG_NONEMPTY, KC_CFG_LOW,
     "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only).",
     NULL, NULL, 0, 0, NULL},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void mask_destroy(void *p) {
  mask_t *t = p;
  if (!t) return;
  kc_config_list_free(t->fields);
  free(t->replacement);
  free(t);
}

static int mask_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *e, size_t n) {
  (void)e, (void)n;
  mask_t *t = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  t->variant = variant;
  t->nfields = kc_config_get_list(cfg, "fields", &t->fields);
  if (t->nfields < 0) t->nfields = 0;
  const char *rep = kc_config_get(cfg, "replacement");
  bool b = true;
  kc_config_get_bool(cfg, "replace.null.with.default", &b);
  t->rnwd = b;
  if (rep && !(t->replacement = strdup(rep))) {
    mask_destroy(t);
    return KC_ENOMEM;
  }
  *state = t;
  return 0;
}

static bool masked_field(const mask_t *t, const char *name) {
  for (int i = 0; i < t->nfields; i++)
    if (!strcmp(t->fields[i], name)) return true;
  return false;
}

/* Values.convertToLong/Double of a String, as far as MaskField's replacements need. */
static int parse_number(const char *s, bool integral, int64_t *i, double *d) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (!*end && end != s && !errno) {
    *i = v;
    *d = (double)v;
    return 0;
  }
  double f = strtod(s, &end);
  if (*end || end == s) return KC_EINVAL;
  *d = f;
  *i = (int64_t)f;
  (void)integral;
  return 0;
}

static int masked(const mask_t *t, kc_xrecord_t *r, const kc_schema_t *s, const kc_value_t *v,
                  const kc_value_t **out, kc_xf_error_t *err) {
  *out = NULL;
  if (!v) return 0;
  bool decimal = s && s->name && !strcmp(s->name, KC_LOGICAL_DECIMAL);
  bool temporal = s && s->name && !decimal && (!strcmp(s->name, KC_LOGICAL_DATE) ||
                                              !strcmp(s->name, KC_LOGICAL_TIME) ||
                                              !strcmp(s->name, KC_LOGICAL_TIMESTAMP));
  if (t->replacement) {
    bool number = v->type <= KC_TYPE_FLOAT64;
    if (decimal || (number && !temporal)) {
      int64_t i;
      double d;
      if (parse_number(t->replacement, v->type <= KC_TYPE_INT64, &i, &d) ||
          (decimal && strpbrk(t->replacement, "eE"))) {
        /* Values.convertTo<Number> says "to a number"; a Decimal's new BigDecimal() fails with a
         * NumberFormatException that MaskField words "to number" */
        return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Unable to convert %s (class java.lang.String) to %s",
                          t->replacement, decimal ? "number" : "a number");
      }
      if (decimal) {
        int32_t scale = 0;
        char why[256];
        kc_schema_decimal_scale(s, &scale, why, sizeof why);
        unsigned char *bytes = NULL;
        size_t len = 0;
        if (kc_decimal_parse(t->replacement, strlen(t->replacement), scale, &bytes, &len))
          return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "BigDecimal has mismatching scale value for given Decimal schema");
        *out = kc_xf_new_bytes(r, bytes, len);
        free(bytes);
      } else if (v->type == KC_TYPE_FLOAT32 || v->type == KC_TYPE_FLOAT64) {
        *out = kc_xf_new_float(r, v->type, d);
      } else {
        *out = kc_xf_new_int(r, v->type, i);
      }
      return *out ? 0 : KC_ENOMEM;
    }
    if (v->type == KC_TYPE_STRING) return (*out = kc_xf_new_string(r, t->replacement, strlen(t->replacement))) ? 0 : KC_ENOMEM;
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Cannot mask value of type %s with custom replacement.",
                      java_class(s, v));
  }
  switch (v->type) {
    case KC_TYPE_BOOLEAN: *out = kc_xf_new_bool(r, false); break;
    case KC_TYPE_INT8: case KC_TYPE_INT16: case KC_TYPE_INT32: case KC_TYPE_INT64:
      *out = kc_xf_new_int(r, v->type, 0);
      break;
    case KC_TYPE_FLOAT32: case KC_TYPE_FLOAT64: *out = kc_xf_new_float(r, v->type, 0); break;
    case KC_TYPE_STRING: *out = kc_xf_new_string(r, "", 0); break;
    case KC_TYPE_ARRAY: *out = kc_xf_new_array(r); break;
    case KC_TYPE_MAP: *out = kc_xf_new_map(r); break;
    case KC_TYPE_BYTES:
      if (decimal) { /* BigDecimal.ZERO: one zero byte of unscaled value */
        *out = kc_xf_new_bytes(r, "\0", 1);
        break;
      }
      /* fall through */
    default:
      return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Cannot mask value of type: %s", java_class(s, v));
  }
  return *out ? 0 : KC_ENOMEM;
}

static int mask_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  mask_t *t = p;
  const char *purpose = "mask fields";
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  const kc_value_t *m;
  if (!schema) {
    if (kc_xf_require_map(v, purpose, err)) return KC_ECONVERT;
    kc_value_t *out = kc_xf_map_copy(r, v, 4);
    if (!out) return KC_ENOMEM;
    /* every masked name is put, even one the map lacks (as null) */
    for (int i = 0; i < t->nfields; i++) {
      int rc = masked(t, r, NULL, kc_xf_map_get(v, t->fields[i], NULL), &m, err);
      if (rc) return rc;
      kc_value_t *k = kc_xf_new_string(r, t->fields[i], strlen(t->fields[i]));
      if (!k || kc_xf_map_put(r, out, k, m)) return KC_ENOMEM;
    }
    return kc_xf_op_set(r, t->variant, NULL, out);
  }
  if (kc_xf_require_struct(v, purpose, err)) return KC_ECONVERT;
  const kc_schema_t *s = v->u.st.schema;
  kc_value_t *st = kc_xf_new_struct(r, s);
  if (!st) return KC_ENOMEM;
  for (size_t i = 0; i < s->nfields; i++) {
    const kc_value_t *fv = kc_xf_struct_get(v, &s->fields[i], t->rnwd);
    if (masked_field(t, s->fields[i].name)) {
      int rc = masked(t, r, s->fields[i].schema, fv, &m, err);
      if (rc) return rc;
      fv = m;
    }
    st->u.st.vals[i] = (kc_value_t *)fv;
  }
  return kc_xf_op_set(r, t->variant, schema, st);
}

const kc_transform_plugin_t kc_xf_mask_field_key = {"org.apache.kafka.connect.transforms.MaskField$Key",
                                                    KC_XF_TRANSFORM, KC_XF_KEY, mask_defs, mask_create,
                                                    mask_apply, NULL, mask_destroy};
const kc_transform_plugin_t kc_xf_mask_field_value = {"org.apache.kafka.connect.transforms.MaskField$Value",
                                                      KC_XF_TRANSFORM, KC_XF_VALUE, mask_defs, mask_create,
                                                      mask_apply, NULL, mask_destroy};

/* ---- HeaderFrom ---- */

typedef struct {
  kc_xf_variant_t variant;
  char **fields, **headers;
  int n;
  bool move, rnwd;
  kc_xf_schema_cache_t *cache;
} hf_t;

static const char *const hf_ops[] = {"move", "copy", NULL};
static int hf_op_exact(const char *name, const char *value, char *err, size_t n) {
  (void)name;
  if (!strcmp(value, "move") || !strcmp(value, "copy")) return 0;
  snprintf(err, n, "String must be one of: move, copy");
  return KC_EINVAL;
}

static const kc_config_def_t hf_defs[] = {
    {"fields", KC_CFG_LIST, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
     "Field names in the record whose values are to be copied or moved to headers.", NULL, NULL, 0, 0, kc_xf_validate_nonempty_list},
    {"headers", KC_CFG_LIST, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
     "Header names, in the same order as the field names listed in the fields configuration property.", NULL, NULL,
     0, 0, kc_xf_validate_nonempty_list},
    {"operation", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
     "Either <code>move</code> if the fields are to be moved to the headers (removed from the key/value), or "
     "<code>copy</code> if the fields are to be copied to the headers (retained in the key/value).",
     NULL, NULL, 0, 0, hf_op_exact},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void hf_destroy(void *p) {
  hf_t *t = p;
  if (!t) return;
  kc_config_list_free(t->fields);
  kc_config_list_free(t->headers);
  kc_xf_schema_cache_destroy(t->cache);
  free(t);
}

static int hf_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err, size_t n) {
  hf_t *t = calloc(1, sizeof *t);
  if (!t || !(t->cache = kc_xf_schema_cache_new(16))) {
    free(t);
    return KC_ENOMEM;
  }
  (void)hf_ops;
  t->variant = variant;
  int nf = kc_config_get_list(cfg, "fields", &t->fields);
  int nh = kc_config_get_list(cfg, "headers", &t->headers);
  if (nf != nh) {
    snprintf(err, n, "'fields' config must have the same number of elements as 'headers' config.");
    hf_destroy(t);
    return KC_EINVAL;
  }
  t->n = nf < 0 ? 0 : nf;
  t->move = !strcmp(kc_config_get(cfg, "operation"), "move");
  bool b = true;
  kc_config_get_bool(cfg, "replace.null.with.default", &b);
  t->rnwd = b;
  *state = t;
  return 0;
}

static bool hf_listed(const hf_t *t, const char *f) {
  for (int i = 0; i < t->n; i++)
    if (!strcmp(t->fields[i], f)) return true;
  return false;
}

static int hf_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  hf_t *t = p;
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  char purpose[32];
  snprintf(purpose, sizeof purpose, "header %s", t->move ? "move" : "copy");
  if (!schema) {
    if (kc_xf_require_map(v, purpose, err)) return KC_ECONVERT;
    kc_value_t *out = kc_xf_new_map(r);
    if (!out) return KC_ENOMEM;
    for (size_t i = 0; i < v->u.map.n; i++) {
      const kc_value_t *k = v->u.map.keys[i];
      if (t->move && k && k->type == KC_TYPE_STRING && hf_listed(t, k->u.str.ptr)) continue;
      if (kc_xf_map_append(r, out, k, v->u.map.vals[i])) return KC_ENOMEM;
    }
    for (int i = 0; i < t->n; i++)
      if (kc_xrecord_header_add(r, t->headers[i], NULL, kc_xf_map_get(v, t->fields[i], NULL))) return KC_ENOMEM;
    return kc_xf_op_set(r, t->variant, NULL, out);
  }
  if (kc_xf_require_struct(v, purpose, err)) return KC_ECONVERT;
  const kc_schema_t *in = v->u.st.schema;
  for (int i = 0; i < t->n; i++)
    if (!kc_schema_field(schema, t->fields[i]))
      return kc_xf_fail(err, "java.lang.NullPointerException",
                        "Cannot invoke \"org.apache.kafka.connect.data.Field.schema()\" because the return value of "
                        "\"org.apache.kafka.connect.data.Schema.field(String)\" is null");
  const kc_schema_t *out_schema = schema;
  const kc_value_t *out = v;
  if (t->move) {
    kc_schema_t *ms = kc_xf_schema_cache_get(t->cache, schema);
    if (!ms) {
      if (!(ms = kc_xf_schema_copy_basics(schema, KC_TYPE_STRUCT))) return KC_ENOMEM;
      for (size_t i = 0; i < schema->nfields; i++)
        if (!hf_listed(t, schema->fields[i].name) &&
            kc_schema_add_field(ms, schema->fields[i].name, kc_schema_incref(schema->fields[i].schema))) {
          kc_schema_decref(ms);
          return KC_ENOMEM;
        }
      kc_xf_schema_cache_put(t->cache, schema, ms);
      kc_schema_decref(ms);
    }
    if (kc_xrecord_retain(r, ms)) return KC_ENOMEM;
    kc_value_t *st = kc_xf_new_struct(r, ms);
    if (!st) return KC_ENOMEM;
    for (size_t i = 0; i < ms->nfields; i++) {
      const kc_field_t *f = kc_schema_field(in, ms->fields[i].name);
      if (f) st->u.st.vals[i] = (kc_value_t *)kc_xf_struct_get(v, f, t->rnwd);
    }
    out_schema = ms;
    out = st;
  }
  for (int i = 0; i < t->n; i++) {
    const kc_field_t *f = kc_schema_field(in, t->fields[i]);
    const kc_field_t *sf = kc_schema_field(schema, t->fields[i]);
    if (kc_xrecord_header_add(r, t->headers[i], sf->schema, f ? kc_xf_struct_get(v, f, t->rnwd) : NULL))
      return KC_ENOMEM;
  }
  return kc_xf_op_set(r, t->variant, out_schema, out);
}

const kc_transform_plugin_t kc_xf_header_from_key = {"org.apache.kafka.connect.transforms.HeaderFrom$Key",
                                                     KC_XF_TRANSFORM, KC_XF_KEY, hf_defs, hf_create, hf_apply,
                                                     NULL, hf_destroy};
const kc_transform_plugin_t kc_xf_header_from_value = {"org.apache.kafka.connect.transforms.HeaderFrom$Value",
                                                       KC_XF_TRANSFORM, KC_XF_VALUE, hf_defs, hf_create, hf_apply,
                                                       NULL, hf_destroy};
