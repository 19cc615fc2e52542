/*
 * StorageSchemaCompatibility and storage-common's SchemaProjector (schema_compat.h). Schema
 * parameters: kconnect has no null-vs-empty distinction, so no parameters counts as Java's null.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "schema_compat.h"

kc_s3_compat_t kc_s3_compat_parse(const char *name) {
  if (!name) return KC_S3_COMPAT_NONE;
  if (!strcmp(name, "BACKWARD")) return KC_S3_COMPAT_BACKWARD;
  if (!strcmp(name, "FORWARD")) return KC_S3_COMPAT_FORWARD;
  if (!strcmp(name, "FULL")) return KC_S3_COMPAT_FULL;
  return KC_S3_COMPAT_NONE;
}

static bool numeric(kc_type_t t) {
  return t == KC_TYPE_INT8 || t == KC_TYPE_INT16 || t == KC_TYPE_INT32 || t == KC_TYPE_INT64 ||
         t == KC_TYPE_FLOAT32 || t == KC_TYPE_FLOAT64;
}

/* PROMOTABLES: INT8 < INT16 < INT32 < INT64 < FLOAT32 < FLOAT64, each to itself or wider. */
static bool promotable(kc_type_t from, kc_type_t to) {
  static const kc_type_t order[] = {KC_TYPE_INT8, KC_TYPE_INT16, KC_TYPE_INT32,
                                    KC_TYPE_INT64, KC_TYPE_FLOAT32, KC_TYPE_FLOAT64};
  int a = -1, b = -1;
  for (int i = 0; i < 6; i++) {
    if (order[i] == from) a = i;
    if (order[i] == to) b = i;
  }
  return a >= 0 && b >= 0 && a <= b;
}

static const char *param(const kc_schema_t *s, const char *key) {
  for (size_t i = 0; i < s->nparams; i++)
    if (!strcmp(s->param_keys[i], key)) return s->param_values[i];
  return NULL;
}

/* Every parameter of @p sub is in @p super with the same value. */
static bool params_subset(const kc_schema_t *sub, const kc_schema_t *super) {
  for (size_t i = 0; i < sub->nparams; i++) {
    const char *v = param(super, sub->param_keys[i]);
    if (!v || strcmp(v, sub->param_values[i])) return false;
  }
  return true;
}

static bool params_equal(const kc_schema_t *a, const kc_schema_t *b) {
  return a->nparams == b->nparams && params_subset(a, b);
}

static bool names_equal(const kc_schema_t *a, const kc_schema_t *b) {
  return a->name == b->name || (a->name && b->name && !strcmp(a->name, b->name));
}

/* SchemaProjector.isEnumSchema: AvroData's and ProtobufData's enum markers. */
static bool enum_schema(const kc_schema_t *s) {
  return param(s, "org.apache.kafka.connect.data.Enum") || param(s, "io.confluent.connect.avro.Enum") ||
         param(s, "io.confluent.connect.protobuf.Enum");
}

static const char *mode_name(kc_s3_compat_t m) {
  return m == KC_S3_COMPAT_BACKWARD ? "BACKWARD" : m == KC_S3_COMPAT_FORWARD ? "FORWARD"
         : m == KC_S3_COMPAT_FULL   ? "FULL"
                                    : "NONE";
}

int kc_s3_compat_check(kc_s3_compat_t mode, const kc_schema_t *rec, const kc_schema_t *cur,
                       bool *incompatible, char *err, size_t errlen) {
  *incompatible = false;
  if (rec == cur) return 0;
  if (mode == KC_S3_COMPAT_NONE) {
    *incompatible = !kc_schema_equal(rec, cur);
    return 0;
  }
  if (!rec->has_version || !cur->has_version) {
    snprintf(err, errlen, "Schema version required for %s compatibility", mode_name(mode));
    return KC_ECONVERT;
  }
  if (rec->type != cur->type && !promotable(rec->type, cur->type)) *incompatible = true;
  else if (!names_equal(rec, cur)) *incompatible = true;
  else if (enum_schema(rec) && enum_schema(cur) ? !params_subset(rec, cur) : !params_equal(rec, cur))
    *incompatible = true;
  else if (mode == KC_S3_COMPAT_FORWARD) *incompatible = rec->version < cur->version;
  else *incompatible = rec->version > cur->version;
  return 0;
}

/* Schema.Type's name: "INT32". */
static const char *type_upper(kc_type_t t, char *buf, size_t n) {
  snprintf(buf, n, "%s", kc_type_name(t));
  for (char *p = buf; *p; p++) *p = (char)toupper((unsigned char)*p);
  return buf;
}

static int project(const kc_schema_t *src, const kc_value_t *v, const kc_schema_t *dst,
                   kc_value_t **out, char *err, size_t errlen);

static int project_struct(const kc_schema_t *src, const kc_value_t *v, const kc_schema_t *dst,
                          kc_value_t **out, char *err, size_t errlen) {
  kc_value_t *st = kc_value_new_struct((kc_schema_t *)dst);
  if (!st) return KC_ENOMEM;
  for (size_t i = 0; i < dst->nfields; i++) {
    const kc_field_t *tf = &dst->fields[i];
    const kc_field_t *sf = kc_schema_field(src, tf->name);
    kc_value_t *fv = NULL;
    int rc = 0;
    if (sf) {
      char why[400] = "";
      rc = project(sf->schema, kc_value_struct_get(v, sf->name), tf->schema, &fv, why, sizeof why);
      if (rc == KC_ECONVERT) snprintf(err, errlen, "Error projecting %s: %s", sf->name, why);
    } else if (tf->schema->optional) {
      continue; /* left unset: Struct.get gives the field's default */
    } else if (tf->schema->default_value) {
      if (!(fv = kc_value_copy(tf->schema->default_value))) rc = KC_ENOMEM;
    } else {
      snprintf(err, errlen, "Required field `%s` is missing from source schema", tf->name);
      rc = KC_ECONVERT;
    }
    /* the field index, not kc_value_struct_set: the projected value is ours and already typed */
    if (!rc) {
      st->u.st.vals[i] = fv;
      continue;
    }
    kc_value_destroy(st);
    return rc;
  }
  *out = st;
  return 0;
}

static int project_required(const kc_schema_t *src, const kc_value_t *v, const kc_schema_t *dst,
                            kc_value_t **out, char *err, size_t errlen) {
  int rc = 0;
  switch (dst->type) {
    case KC_TYPE_STRUCT:
      if (v->type != KC_TYPE_STRUCT) break;
      return project_struct(src, v, dst, out, err, errlen);
    case KC_TYPE_ARRAY: {
      if (v->type != KC_TYPE_ARRAY) break;
      kc_value_t *a = kc_value_new_array();
      if (!a) return KC_ENOMEM;
      for (size_t i = 0; i < v->u.arr.n && !rc; i++) {
        kc_value_t *e = NULL;
        rc = project(src->value_schema, v->u.arr.items[i], dst->value_schema, &e, err, errlen);
        if (!rc) rc = kc_value_array_append(a, e);
      }
      if (rc) kc_value_destroy(a);
      else *out = a;
      return rc;
    }
    case KC_TYPE_MAP: {
      if (v->type != KC_TYPE_MAP) break;
      kc_value_t *m = kc_value_new_map();
      if (!m) return KC_ENOMEM;
      for (size_t i = 0; i < v->u.map.n && !rc; i++) {
        kc_value_t *k = NULL, *e = NULL;
        rc = project(src->key_schema, v->u.map.keys[i], dst->key_schema, &k, err, errlen);
        if (!rc) rc = project(src->value_schema, v->u.map.vals[i], dst->value_schema, &e, err, errlen);
        if (!rc) rc = kc_value_map_put(m, k, e);
        else kc_value_destroy(k);
      }
      if (rc) kc_value_destroy(m);
      else *out = m;
      return rc;
    }
    default:
      if (numeric(src->type) && numeric(dst->type) && src->type != dst->type) {
        /* Number.byteValue()...doubleValue(): Java's narrowing/widening of the boxed value */
        bool from_float = v->type == KC_TYPE_FLOAT32 || v->type == KC_TYPE_FLOAT64;
        if (dst->type == KC_TYPE_FLOAT32 || dst->type == KC_TYPE_FLOAT64) {
          double d = from_float ? v->u.f : (double)v->u.i;
          if (dst->type == KC_TYPE_FLOAT32) d = (float)d;
          *out = kc_value_new_float(dst->type, d);
        } else {
          *out = kc_value_new_int(dst->type, v->u.i); /* only widening reaches here */
        }
        return *out ? 0 : KC_ENOMEM;
      }
      *out = kc_value_copy(v);
      return *out ? 0 : KC_ENOMEM;
  }
  snprintf(err, errlen, "value of type %s does not match its schema", kc_type_name(v->type));
  return KC_ECONVERT;
}

static int project(const kc_schema_t *src, const kc_value_t *v, const kc_schema_t *dst,
                   kc_value_t **out, char *err, size_t errlen) {
  char a[16], b[16];
  *out = NULL;
  if (src->type != dst->type && !promotable(src->type, dst->type)) {
    snprintf(err, errlen, "Schema type mismatch. source type: %s and target type: %s",
             type_upper(src->type, a, sizeof a), type_upper(dst->type, b, sizeof b));
    return KC_ECONVERT;
  }
  if (!names_equal(src, dst)) {
    snprintf(err, errlen, "Schema name mismatch. source name: %s and target name: %s",
             src->name ? src->name : "null", dst->name ? dst->name : "null");
    return KC_ECONVERT;
  }
  if (src->nparams && dst->nparams) {
    if (enum_schema(src) && enum_schema(dst) ? !params_subset(src, dst) : !params_equal(src, dst)) {
      snprintf(err, errlen, "Schema parameters not equal (source %s, target %s)",
               src->name ? src->name : kc_type_name(src->type), dst->name ? dst->name : kc_type_name(dst->type));
      return KC_ECONVERT;
    }
  }
  if (src->optional && !dst->optional) {
    if (!dst->default_value) {
      snprintf(err, errlen,
               "Writer schema is optional, however, target schema does not provide a default value.");
      return KC_ECONVERT;
    }
    if (!v) {
      *out = kc_value_copy(dst->default_value);
      return *out ? 0 : KC_ENOMEM;
    }
  }
  if (!v) return 0;
  return project_required(src, v, dst, out, err, errlen);
}

int kc_s3_project(const kc_schema_t *source, const kc_value_t *value, const kc_schema_t *target,
                  kc_value_t **out, char *err, size_t errlen) {
  return project(source, value, target, out, err, errlen);
}
