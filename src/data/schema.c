/*
 * Connect schemas (connect-api ConnectSchema / SchemaBuilder).
 *
 * Strings held by a schema (name, doc, field names, parameters) are malloc'd and
 * owned by it; nested schemas are owned references. Static schemas carry
 * refcnt -1 so that incref/decref leave them alone.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "kconnect/connector.h"

const char *kc_type_name(kc_type_t t) {
  switch (t) {
#define XX(t, json) case KC_TYPE_##t: return json;
    KC_TYPE_MAP(XX)
#undef XX
  }
  return "unknown";
}

#define STATIC_SCHEMA(t, opt) {.refcnt = -1, .type = (t), .optional = (opt)}

kc_schema_t kc_schema_string = STATIC_SCHEMA(KC_TYPE_STRING, false);
kc_schema_t kc_schema_optional_string = STATIC_SCHEMA(KC_TYPE_STRING, true);
kc_schema_t kc_schema_bytes = STATIC_SCHEMA(KC_TYPE_BYTES, false);
kc_schema_t kc_schema_optional_bytes = STATIC_SCHEMA(KC_TYPE_BYTES, true);
kc_schema_t kc_schema_int64 = STATIC_SCHEMA(KC_TYPE_INT64, false);
kc_schema_t kc_schema_optional_int64 = STATIC_SCHEMA(KC_TYPE_INT64, true);

/* The remaining primitives; the exported ones above are reused so pointer
 * identity holds between kc_schema_static() and the public globals. */
static kc_schema_t s_int8 = STATIC_SCHEMA(KC_TYPE_INT8, false);
static kc_schema_t s_int16 = STATIC_SCHEMA(KC_TYPE_INT16, false);
static kc_schema_t s_int32 = STATIC_SCHEMA(KC_TYPE_INT32, false);
static kc_schema_t s_float32 = STATIC_SCHEMA(KC_TYPE_FLOAT32, false);
static kc_schema_t s_float64 = STATIC_SCHEMA(KC_TYPE_FLOAT64, false);
static kc_schema_t s_boolean = STATIC_SCHEMA(KC_TYPE_BOOLEAN, false);
static kc_schema_t s_opt_int8 = STATIC_SCHEMA(KC_TYPE_INT8, true);
static kc_schema_t s_opt_int16 = STATIC_SCHEMA(KC_TYPE_INT16, true);
static kc_schema_t s_opt_int32 = STATIC_SCHEMA(KC_TYPE_INT32, true);
static kc_schema_t s_opt_float32 = STATIC_SCHEMA(KC_TYPE_FLOAT32, true);
static kc_schema_t s_opt_float64 = STATIC_SCHEMA(KC_TYPE_FLOAT64, true);
static kc_schema_t s_opt_boolean = STATIC_SCHEMA(KC_TYPE_BOOLEAN, true);

#define LOGICAL_SCHEMA(t, nm) \
  {.refcnt = -1, .type = (t), .name = (char *)(nm), .has_version = true, .version = 1}
static kc_schema_t s_date = LOGICAL_SCHEMA(KC_TYPE_INT32, KC_LOGICAL_DATE);
static kc_schema_t s_time = LOGICAL_SCHEMA(KC_TYPE_INT32, KC_LOGICAL_TIME);
static kc_schema_t s_timestamp = LOGICAL_SCHEMA(KC_TYPE_INT64, KC_LOGICAL_TIMESTAMP);

kc_schema_t *kc_schema_static(kc_type_t type, bool optional) {
  switch (type) {
    case KC_TYPE_INT8: return optional ? &s_opt_int8 : &s_int8;
    case KC_TYPE_INT16: return optional ? &s_opt_int16 : &s_int16;
    case KC_TYPE_INT32: return optional ? &s_opt_int32 : &s_int32;
    case KC_TYPE_INT64: return optional ? &kc_schema_optional_int64 : &kc_schema_int64;
    case KC_TYPE_FLOAT32: return optional ? &s_opt_float32 : &s_float32;
    case KC_TYPE_FLOAT64: return optional ? &s_opt_float64 : &s_float64;
    case KC_TYPE_BOOLEAN: return optional ? &s_opt_boolean : &s_boolean;
    case KC_TYPE_STRING: return optional ? &kc_schema_optional_string : &kc_schema_string;
    case KC_TYPE_BYTES: return optional ? &kc_schema_optional_bytes : &kc_schema_bytes;
    default: return NULL;
  }
}

kc_schema_t *kc_schema_logical(const char *name) {
  if (!name) return NULL;
  if (!strcmp(name, KC_LOGICAL_DATE)) return &s_date;
  if (!strcmp(name, KC_LOGICAL_TIME)) return &s_time;
  if (!strcmp(name, KC_LOGICAL_TIMESTAMP)) return &s_timestamp;
  return NULL;
}

kc_schema_t *kc_schema_new(kc_type_t type) {
  kc_schema_t *s = calloc(1, sizeof *s);
  if (!s) return NULL;
  s->refcnt = 1;
  s->type = type;
  return s;
}

kc_schema_t *kc_schema_decimal(int32_t scale) {
  kc_schema_t *s = kc_schema_new(KC_TYPE_BYTES);
  char buf[16];
  snprintf(buf, sizeof buf, "%d", (int)scale);
  if (!s || kc_schema_set_name(s, KC_LOGICAL_DECIMAL) || kc_schema_set_param(s, "scale", buf)) {
    kc_schema_decref(s);
    return NULL;
  }
  s->has_version = true;
  s->version = 1;
  return s;
}

int kc_schema_decimal_scale(const kc_schema_t *s, int32_t *scale, char *errstr, size_t errstr_size) {
  const char *v = kc_schema_param(s, "scale");
  if (!v) {
    if (errstr) snprintf(errstr, errstr_size, "Invalid Decimal schema: scale parameter not found.");
    return KC_EINVAL;
  }
  char *end;
  errno = 0;
  long n = strtol(v, &end, 10);
  if (errno || end == v || *end || n < INT32_MIN || n > INT32_MAX) {
    if (errstr) snprintf(errstr, errstr_size, "For input string: \"%s\"", v);
    return KC_EINVAL;
  }
  *scale = (int32_t)n;
  return 0;
}

static int replace_str(char **dst, const char *src) {
  char *c = NULL;
  if (src && !(c = strdup(src))) return KC_ENOMEM;
  free(*dst);
  *dst = c;
  return 0;
}

int kc_schema_set_name(kc_schema_t *s, const char *name) { return replace_str(&s->name, name); }
int kc_schema_set_doc(kc_schema_t *s, const char *doc) { return replace_str(&s->doc, doc); }

const char *kc_schema_param(const kc_schema_t *s, const char *key) {
  for (size_t i = 0; s && i < s->nparams; i++)
    if (!strcmp(s->param_keys[i], key)) return s->param_values[i];
  return NULL;
}

int kc_schema_set_param(kc_schema_t *s, const char *key, const char *value) {
  for (size_t i = 0; i < s->nparams; i++)
    if (!strcmp(s->param_keys[i], key)) return replace_str(&s->param_values[i], value);
  char **k = realloc(s->param_keys, (s->nparams + 1) * sizeof *k);
  if (!k) return KC_ENOMEM;
  s->param_keys = k;
  char **v = realloc(s->param_values, (s->nparams + 1) * sizeof *v);
  if (!v) return KC_ENOMEM;
  s->param_values = v;
  char *kc = strdup(key), *vc = strdup(value ? value : "");
  if (!kc || !vc) {
    free(kc);
    free(vc);
    return KC_ENOMEM;
  }
  k[s->nparams] = kc;
  v[s->nparams] = vc;
  s->nparams++;
  return 0;
}

int kc_schema_add_field(kc_schema_t *s, const char *name, kc_schema_t *field_schema) {
  if (!s || s->type != KC_TYPE_STRUCT || !name || !field_schema || kc_schema_field(s, name)) {
    kc_schema_decref(field_schema);
    return KC_EINVAL;
  }
  kc_field_t *f = realloc(s->fields, (s->nfields + 1) * sizeof *f);
  char *n = strdup(name);
  if (f) s->fields = f;
  if (!f || !n) {
    free(n);
    kc_schema_decref(field_schema);
    return KC_ENOMEM;
  }
  f[s->nfields].name = n;
  f[s->nfields].index = (int)s->nfields;
  f[s->nfields].schema = field_schema;
  s->nfields++;
  return 0;
}

const kc_field_t *kc_schema_field(const kc_schema_t *s, const char *name) {
  if (!s || !name) return NULL;
  for (size_t i = 0; i < s->nfields; i++)
    if (!strcmp(s->fields[i].name, name)) return &s->fields[i];
  return NULL;
}

kc_schema_t *kc_schema_incref(kc_schema_t *s) {
  if (s && s->refcnt > 0) s->refcnt++;
  return s;
}

void kc_schema_decref(kc_schema_t *s) {
  if (!s || s->refcnt < 0) return;
  if (--s->refcnt > 0) return;
  free(s->name);
  free(s->doc);
  kc_value_destroy(s->default_value);
  for (size_t i = 0; i < s->nparams; i++) {
    free(s->param_keys[i]);
    free(s->param_values[i]);
  }
  free(s->param_keys);
  free(s->param_values);
  for (size_t i = 0; i < s->nfields; i++) {
    free(s->fields[i].name);
    kc_schema_decref(s->fields[i].schema);
  }
  free(s->fields);
  kc_schema_decref(s->key_schema);
  kc_schema_decref(s->value_schema);
  free(s);
}

static bool str_eq(const char *a, const char *b) {
  return a == b || (a && b && !strcmp(a, b));
}

/* Parameters compare as a Map: order does not matter. */
static bool params_equal(const kc_schema_t *a, const kc_schema_t *b) {
  if (a->nparams != b->nparams) return false;
  for (size_t i = 0; i < a->nparams; i++)
    if (!str_eq(a->param_values[i], kc_schema_param(b, a->param_keys[i]))) return false;
  return true;
}

bool kc_schema_equal(const kc_schema_t *a, const kc_schema_t *b) {
  if (a == b) return true;
  if (!a || !b) return false;
  if (a->type != b->type || a->optional != b->optional || a->has_version != b->has_version ||
      (a->has_version && a->version != b->version) || !str_eq(a->name, b->name) ||
      !str_eq(a->doc, b->doc) || a->nfields != b->nfields || !params_equal(a, b))
    return false;
  for (size_t i = 0; i < a->nfields; i++)
    if (!str_eq(a->fields[i].name, b->fields[i].name) ||
        !kc_schema_equal(a->fields[i].schema, b->fields[i].schema))
      return false;
  return kc_schema_equal(a->key_schema, b->key_schema) &&
         kc_schema_equal(a->value_schema, b->value_schema) &&
         kc_value_equal(a->default_value, b->default_value);
}
