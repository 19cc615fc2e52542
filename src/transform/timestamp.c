/*
 * TimestampConverter$Key / $Value (connect/transforms, 4.x): converts a whole key/value or one
 * field between unix (Long, with unix.precision), string (SimpleDateFormat, UTC) and Connect's
 * Date, Time and Timestamp, with and without schemas. Every conversion passes through
 * java.util.Date's milliseconds, as Java's translators do.
 *
 * Representations: with a schema, Date/Time/Timestamp values are Connect's logical types as the
 * rest of kconnect holds them (INT32 days, INT32 ms of the day, INT64 ms). Without a schema Java
 * puts a java.util.Date into the record; here that is an INT64 of ms carrying
 * KC__VALUE_F_JDATE, which later TimestampConverters infer as a Timestamp and JsonConverter
 * refuses as Java's does ("Java class class java.util.Date does not have corresponding schema
 * type.").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "convert/converter_internal.h"
#include "data/value_internal.h"
#include "transform/java_date.h"
#include "transform/xf_util.h"

#define PURPOSE "converting timestamp formats"
#define KC_XF_NPE "java.lang.NullPointerException"
#define DAY_MS INT64_C(86400000)

typedef enum { T_STRING, T_UNIX, T_DATE, T_TIME, T_TIMESTAMP } ts_type_t;
typedef enum { P_NANOS, P_MICROS, P_MILLIS, P_SECONDS } precision_t;

static const char *const type_names[] = {"string", "unix", "Date", "Time", "Timestamp", NULL};
static const char *const precision_names[] = {"nanoseconds", "microseconds", "milliseconds", "seconds", NULL};

typedef struct {
  kc_xf_variant_t variant;
  char *field;              /* "" = the whole key/value */
  ts_type_t target;
  precision_t precision;
  kc_java_date_t *format;   /* NULL when the format is blank */
  bool rnwd;
  kc_xf_schema_cache_t *cache;
  kc_buf_t text;            /* a formatted string target, reused record after record */
  kc_schema_t *logical[3][2]; /* Date, Time, Timestamp schemas: [type - T_DATE][optional] */
} tsc_t;

/* ConfigDef.ValidString.in: case-sensitive, unlike CaseInsensitiveValidString. */
static int valid_in(const char *const *names, const char *value, char *err, size_t n) {
  for (const char *const *p = names; *p; p++)
    if (!strcmp(*p, value)) return 0;
  size_t len = (size_t)snprintf(err, n, "String must be one of: ");
  for (const char *const *p = names; *p && len < n; p++)
    len += (size_t)snprintf(err + len, n - len, "%s%s", p == names ? "" : ", ", *p);
  return KC_EINVAL;
}
static int validate_type(const char *name, const char *value, char *err, size_t n) {
  (void)name;
  return valid_in(type_names, value, err, n);
}
static int validate_precision(const char *name, const char *value, char *err, size_t n) {
  (void)name;
  return valid_in(precision_names, value, err, n);
}

static const kc_config_def_t tsc_defs[] = {
    {"field", KC_CFG_STRING, "", 0, KC_CFG_HIGH,
     "The field containing the timestamp, or empty if the entire value is a timestamp", NULL, NULL, 0, 0, NULL},
    {"target.type", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
     "The desired timestamp representation: string, unix, Date, Time, or Timestamp", NULL, NULL, 0, 0,
     validate_type},
    {"format", KC_CFG_STRING, "", 0, KC_CFG_MEDIUM,
     "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string "
     "or used to parse the input if the input is a string.",
     NULL, NULL, 0, 0, NULL},
    {"unix.precision", KC_CFG_STRING, "milliseconds", 0, KC_CFG_LOW,
     "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds. "
     "Used to generate the output when type=unix or used to parse the input if the input is a Long."
     "Note: This SMT will cause precision loss during conversions from, and to, values with sub-millisecond "
     "components.",
     NULL, NULL, 0, 0, validate_precision},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void tsc_destroy(void *p) {
  tsc_t *t = p;
  if (!t) return;
  free(t->field);
  kc_java_date_free(t->format);
  kc_buf_free(&t->text);
  kc_xf_schema_cache_destroy(t->cache);
  for (int i = 0; i < 3; i++)
    for (int o = 0; o < 2; o++) kc_schema_decref(t->logical[i][o]);
  free(t);
}

static int index_of(const char *const *names, const char *v) {
  for (int i = 0; names[i]; i++)
    if (!strcmp(names[i], v)) return i;
  return -1;
}

/* Utils.isBlank: null, or nothing but chars <= ' ' (String.trim). */
static bool blank(const char *s) {
  for (; s && *s; s++)
    if ((unsigned char)*s > ' ') return false;
  return true;
}

static int tsc_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err, size_t n) {
  tsc_t *t = calloc(1, sizeof *t);
  const char *field = kc_config_get(cfg, "field");
  if (!t || !(t->field = strdup(field ? field : "")) || !(t->cache = kc_xf_schema_cache_new(16))) {
    tsc_destroy(t);
    return KC_ENOMEM;
  }
  t->variant = variant;
  kc_buf_init(&t->text, 0);
  t->target = (ts_type_t)index_of(type_names, kc_config_get(cfg, "target.type"));
  int p = index_of(precision_names, kc_config_get(cfg, "unix.precision"));
  t->precision = p < 0 ? P_MILLIS : (precision_t)p;
  t->rnwd = true;
  kc_config_get_bool(cfg, "replace.null.with.default", &t->rnwd);
  const char *pattern = kc_config_get(cfg, "format");
  if (t->target == T_STRING && blank(pattern)) {
    snprintf(err, n, "TimestampConverter requires format option to be specified when using string timestamps");
    tsc_destroy(t);
    return KC_EINVAL;
  }
  if (!blank(pattern)) {
    char why[256];
    if (!(t->format = kc_java_date_compile(pattern, why, sizeof why))) {
      /* new ConfigException(message, e) is ConfigException(name, value): Java prints it so */
      if (!strncmp(why, "kconnect", 8)) snprintf(err, n, "%s", why);
      else
        snprintf(err, n,
                 "Invalid value java.lang.IllegalArgumentException: %s for configuration TimestampConverter "
                 "requires a SimpleDateFormat-compatible pattern for string timestamps: %s",
                 why, pattern);
      tsc_destroy(t);
      return KC_EINVAL;
    }
  }
  static const char *const logical_names[] = {KC_LOGICAL_DATE, KC_LOGICAL_TIME, KC_LOGICAL_TIMESTAMP};
  for (int i = 0; i < 3; i++)
    for (int o = 0; o < 2; o++) {
      kc_schema_t *s = kc_schema_new(i == 2 ? KC_TYPE_INT64 : KC_TYPE_INT32);
      t->logical[i][o] = s;
      if (!s || !(s->name = strdup(logical_names[i]))) {
        tsc_destroy(t);
        return KC_ENOMEM;
      }
      s->optional = o;
      s->has_version = true; /* Date/Time/Timestamp.builder() set version 1 */
      s->version = 1;
    }
  *state = t;
  return 0;
}

/* TimestampTranslator.typeSchema */
static kc_schema_t *type_schema(tsc_t *t, bool optional) {
  switch (t->target) {
    case T_STRING: return optional ? &kc_schema_optional_string : &kc_schema_string;
    case T_UNIX: return optional ? &kc_schema_optional_int64 : &kc_schema_int64;
    default: return t->logical[t->target - T_DATE][optional];
  }
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* TimeUnit conversions saturate at Long.MIN/MAX_VALUE instead of overflowing. */
static int64_t sat_mul(int64_t v, int64_t m) {
  if (v > INT64_MAX / m) return INT64_MAX;
  if (v < INT64_MIN / m) return INT64_MIN;
  return v * m;
}

/* TimestampTranslator.toRaw: the value as java.util.Date's ms. */
static int to_raw(tsc_t *t, ts_type_t from, const kc_value_t *v, int64_t *ms, kc_xf_error_t *err) {
  switch (from) {
    case T_STRING:
      if (v->type != KC_TYPE_STRING)
        return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Expected string timestamp to be a String, but found class %s",
                          kc_value_java_class(v));
      if (!t->format)
        return kc_xf_fail(err, KC_XF_NPE,
                          "Cannot invoke \"java.text.SimpleDateFormat.parse(String)\" because \"config.format\" is null");
      if (kc_java_date_parse(t->format, v->u.str.ptr, v->u.str.len, ms))
        return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Could not parse timestamp: value (%.*s) does not match pattern (%s)",
                          (int)v->u.str.len, v->u.str.ptr, kc_java_date_pattern(t->format));
      return 0;
    case T_UNIX:
      if (v->type != KC_TYPE_INT64 || (v->flags & KC__VALUE_F_JDATE))
        return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Expected Unix timestamp to be a Long, but found class %s",
                          kc_value_java_class(v));
      switch (t->precision) {
        case P_SECONDS: *ms = sat_mul(v->u.i, 1000); break;
        case P_MICROS: *ms = v->u.i / 1000; break;
        case P_NANOS: *ms = v->u.i / 1000000; break;
        default: *ms = v->u.i;
      }
      return 0;
    default: {
      static const char *const what[] = {"Date", "Time", "Timestamp"};
      /* a schema decided the type: the logical value as kconnect holds it */
      kc_type_t want = from == T_TIMESTAMP ? KC_TYPE_INT64 : KC_TYPE_INT32;
      if (v->type != want && !(v->flags & KC__VALUE_F_JDATE))
        return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Expected %s to be a java.util.Date, but found class %s",
                          what[from - T_DATE], kc_value_java_class(v));
      *ms = (v->flags & KC__VALUE_F_JDATE) || from != T_DATE ? v->u.i : v->u.i * DAY_MS;
      return 0;
    }
  }
}

/* TimestampTranslator.toType, into the record's arena. */
static int to_type(tsc_t *t, kc_xrecord_t *r, int64_t ms, bool schemaless, const kc_value_t **out) {
  kc_value_t *v = NULL;
  int64_t day = floor_div(ms, DAY_MS);
  switch (t->target) {
    case T_STRING:
      kc_buf_reset(&t->text);
      if (kc_java_date_format(t->format, ms, &t->text) == 0)
        v = kc_xf_new_string(r, t->text.data ? t->text.data : "", t->text.len);
      break;
    case T_UNIX: {
      int64_t u = t->precision == P_SECONDS ? ms / 1000
                : t->precision == P_MICROS  ? sat_mul(ms, 1000)
                : t->precision == P_NANOS   ? sat_mul(ms, 1000000)
                                            : ms;
      v = kc_xf_new_int(r, KC_TYPE_INT64, u);
      break;
    }
    case T_DATE:
      v = schemaless ? kc_xf_new_int(r, KC_TYPE_INT64, day * DAY_MS) : kc_xf_new_int(r, KC_TYPE_INT32, day);
      break;
    case T_TIME:
      v = kc_xf_new_int(r, schemaless ? KC_TYPE_INT64 : KC_TYPE_INT32, ms - day * DAY_MS);
      break;
    case T_TIMESTAMP: v = kc_xf_new_int(r, KC_TYPE_INT64, ms); break;
  }
  if (!v) return KC_ENOMEM;
  if (schemaless && t->target >= T_DATE) v->flags |= KC__VALUE_F_JDATE;
  *out = v;
  return 0;
}

/* timestampTypeFromSchema */
static int type_from_schema(const kc_schema_t *s, ts_type_t *out, kc_xf_error_t *err) {
  if (s->name && !strcmp(s->name, KC_LOGICAL_TIMESTAMP)) *out = T_TIMESTAMP;
  else if (s->name && !strcmp(s->name, KC_LOGICAL_DATE)) *out = T_DATE;
  else if (s->name && !strcmp(s->name, KC_LOGICAL_TIME)) *out = T_TIME;
  else if (s->type == KC_TYPE_STRING) *out = T_STRING;
  else if (s->type == KC_TYPE_INT64) *out = T_UNIX;
  else if (s->name)
    return kc_xf_fail(err, KC_XF_CONNECT_EXCEPTION, "Schema Schema{%s:%s} does not correspond to a known timestamp type format",
                      s->name, kc_type_enum_name(s->type));
  else
    return kc_xf_fail(err, KC_XF_CONNECT_EXCEPTION, "Schema Schema{%s} does not correspond to a known timestamp type format",
                      kc_type_enum_name(s->type));
  return 0;
}

/* inferTimestampType */
static int infer_type(const kc_value_t *v, ts_type_t *out, kc_xf_error_t *err) {
  if (v->flags & KC__VALUE_F_JDATE) *out = T_TIMESTAMP;
  else if (v->type == KC_TYPE_INT64) *out = T_UNIX;
  else if (v->type == KC_TYPE_STRING) *out = T_STRING;
  else
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "TimestampConverter does not support class %s objects as timestamps",
                      kc_value_java_class(v));
  return 0;
}

/* convertTimestamp: @p from NULL = infer from the value (schemaless). */
static int convert(tsc_t *t, kc_xrecord_t *r, const kc_value_t *v, const ts_type_t *from, const kc_value_t **out,
                   kc_xf_error_t *err) {
  *out = NULL;
  if (!v) return 0;
  ts_type_t src = from ? *from : T_STRING;
  int rc = from ? 0 : infer_type(v, &src, err);
  int64_t ms;
  if (!rc) rc = to_raw(t, src, v, &ms, err);
  return rc ? rc : to_type(t, r, ms, from == NULL, out);
}

static int apply_schemaless(tsc_t *t, kc_xrecord_t *r, const kc_value_t *v, kc_xf_error_t *err) {
  const kc_value_t *nv;
  if (!v || !*t->field) {
    int rc = convert(t, r, v, NULL, &nv, err);
    return rc ? rc : kc_xf_op_set(r, t->variant, NULL, nv);
  }
  if (kc_xf_require_map(v, PURPOSE, err)) return KC_ECONVERT;
  kc_value_t *m = kc_xf_map_copy(r, v, 1), *key = kc_xf_new_string(r, t->field, strlen(t->field));
  if (!m || !key) return KC_ENOMEM;
  /* HashMap.put(field, ...): a missing field is added with the (null) result */
  int rc = convert(t, r, kc_xf_map_get(v, t->field, NULL), NULL, &nv, err);
  if (rc) return rc;
  if (kc_xf_map_put(r, m, key, nv)) return KC_ENOMEM;
  return kc_xf_op_set(r, t->variant, NULL, m);
}

static kc_schema_t *updated_schema(tsc_t *t, const kc_schema_t *s) {
  kc_schema_t *out = kc_xf_schema_copy_basics(s, KC_TYPE_STRUCT);
  if (!out) return NULL;
  for (size_t i = 0; i < s->nfields; i++) {
    const kc_field_t *f = &s->fields[i];
    kc_schema_t *fs = strcmp(f->name, t->field) ? f->schema : type_schema(t, f->schema->optional);
    if (kc_schema_add_field(out, f->name, kc_schema_incref(fs))) {
      kc_schema_decref(out);
      return NULL;
    }
  }
  out->optional = s->optional;
  return out;
}

static int apply_with_schema(tsc_t *t, kc_xrecord_t *r, const kc_schema_t *s, const kc_value_t *v,
                             kc_xf_error_t *err) {
  const kc_value_t *nv;
  ts_type_t from;
  if (!*t->field) {
    int rc = type_from_schema(s, &from, err);
    if (!rc) rc = convert(t, r, v, &from, &nv, err);
    return rc ? rc : kc_xf_op_set(r, t->variant, type_schema(t, s->optional), nv);
  }
  if (v && kc_xf_require_struct(v, PURPOSE, err)) return KC_ECONVERT;
  if (s->type != KC_TYPE_STRUCT) /* Java fails on schema.fields() of a non-struct schema */
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Cannot list fields on non-struct type");
  if (s->default_value)
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION,
                      "kconnect's TimestampConverter does not convert a Struct schema's default value");
  kc_schema_t *out = kc_xf_schema_cache_get(t->cache, s);
  if (!out) {
    if (!(out = updated_schema(t, s)) || kc_xf_schema_cache_put(t->cache, s, out)) {
      kc_schema_decref(out);
      return KC_ENOMEM;
    }
    kc_schema_decref(out);
  }
  if (kc_xrecord_retain(r, out)) return KC_ENOMEM;
  if (!v) return kc_xf_op_set(r, t->variant, out, NULL);
  kc_value_t *st = kc_xf_new_struct(r, out);
  if (!st) return KC_ENOMEM;
  for (size_t i = 0; i < s->nfields; i++) {
    const kc_field_t *f = &s->fields[i];
    const kc_value_t *fv = kc_xf_struct_get(v, f, t->rnwd);
    if (!strcmp(f->name, t->field)) {
      int rc = type_from_schema(f->schema, &from, err);
      if (!rc) rc = convert(t, r, fv, &from, &fv, err);
      if (rc) return rc;
      if (!fv && !out->fields[i].schema->optional) /* Struct.put's validation */
        return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Invalid value: null used for required field: \"%s\", schema type: %s",
                          f->name, kc_type_enum_name(out->fields[i].schema->type));
    }
    st->u.st.vals[i] = (kc_value_t *)fv;
  }
  return kc_xf_op_set(r, t->variant, out, st);
}

static int tsc_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  tsc_t *t = p;
  const kc_schema_t *s = kc_xf_op_schema(r, t->variant);
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  return s ? apply_with_schema(t, r, s, v, err) : apply_schemaless(t, r, v, err);
}

const kc_transform_plugin_t kc_xf_timestamp_converter_key = {
    "org.apache.kafka.connect.transforms.TimestampConverter$Key", KC_XF_TRANSFORM, KC_XF_KEY, tsc_defs,
    tsc_create, tsc_apply, NULL, tsc_destroy};
const kc_transform_plugin_t kc_xf_timestamp_converter_value = {
    "org.apache.kafka.connect.transforms.TimestampConverter$Value", KC_XF_TRANSFORM, KC_XF_VALUE, tsc_defs,
    tsc_create, tsc_apply, NULL, tsc_destroy};
