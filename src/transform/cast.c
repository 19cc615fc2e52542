/*
 * Cast$Key / Cast$Value of connect/transforms (Kafka 4.x): the whole key/value or top-level
 * fields of a Struct or Map cast to int8..int64, float32, float64, boolean or string.
 *
 * Java works on Java objects; here a value's Java object is told by its schema: a BYTES value of
 * a Decimal schema is a BigDecimal, an integer of a Date/Time/Timestamp schema a java.util.Date
 * (converters/logical types in convert/converter.h). The number conversions are those of
 * Number.byteValue() ... doubleValue() and the parsers of Byte/Short/Integer/Long/Float/Double/
 * Boolean; strings print as String.valueOf, dates as Values.dateFormatFor (in UTC, the zone a
 * Connect worker runs in), bytes in Base64. Messages are Java's, including its quirks: a bad
 * type name reports the IllegalArgumentException as the "value" of a ConfigException, a mapping
 * with two colons is reported against "renames" (Cast borrows ReplaceField's message). A whole
 * value cast keeps the input schema's name and parameters (copySchemaBasics), also a logical
 * type's: Java's JsonConverter then refuses the result, and a default makes SchemaBuilder fail.
 *
 * Schemaless maps keep their insertion order (Java's HashMap has its own), but the spec's fields
 * are cast in Java's HashMap iteration order so that the first error is the one Java reports.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "convert/converter_internal.h"
#include "convert/json_value.h"
#include "data/value_internal.h"
#include "transform/xf_util.h"

#define PURPOSE "cast types"
#define MILLIS_PER_DAY 86400000LL

#define OUTPUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING]"
#define INPUT_TYPES "[INT8, INT16, INT32, INT64, FLOAT32, FLOAT64, BOOLEAN, STRING, BYTES]"

typedef struct {
  char *field;
  kc_type_t type;
} cast_spec_t;

typedef struct {
  kc_xf_variant_t variant;
  bool whole;            /* spec is a single type: the whole value is cast */
  kc_type_t whole_type;
  cast_spec_t *casts;    /* field casts, in Java's HashMap iteration order */
  size_t ncasts;
  bool rnwd;
  kc_xf_schema_cache_t *cache;
  kc_buf_t text;         /* scratch for string results */
} cast_t;

/* ---- the spec (parseFieldTypes) ---- */

static bool java_ws(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }

/* String.trim: chars <= U+0020 off both ends. */
static void trim(const char **s, size_t *n) {
  while (*n && (unsigned char)**s <= ' ') (*s)++, (*n)--;
  while (*n && (unsigned char)(*s)[*n - 1] <= ' ') (*n)--;
}

/* Next UTF-8 code point of s[0..n) at *i (a bad byte reads as itself). */
static uint32_t utf8_next(const char *s, size_t n, size_t *i) {
  const unsigned char *u = (const unsigned char *)s + *i;
  size_t left = n - *i;
  int len = u[0] < 0x80 ? 1 : (u[0] >> 5) == 6 ? 2 : (u[0] >> 4) == 14 ? 3 : (u[0] >> 3) == 30 ? 4 : 0;
  if (!len || (size_t)len > left) {
    (*i)++;
    return u[0];
  }
  uint32_t cp = len == 1 ? u[0] : u[0] & (0x7f >> len);
  for (int k = 1; k < len; k++) cp = (cp << 6) | (u[k] & 0x3f);
  *i += (size_t)len;
  return cp;
}

static int put_utf8(kc_buf_t *b, uint32_t cp) {
  char o[4];
  size_t n;
  if (cp < 0x80) o[0] = (char)cp, n = 1;
  else if (cp < 0x800) o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
  else if (cp < 0x10000)
    o[0] = (char)(0xe0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3f)), o[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
  else
    o[0] = (char)(0xf0 | cp >> 18), o[1] = (char)(0x80 | ((cp >> 12) & 0x3f)),
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), o[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
  return kc_buf_append(b, o, n);
}

/*
 * toUpperCase(Locale.ROOT) for type names: ASCII and Latin-1, plus the characters whose upper
 * case is ASCII (dotless i, long s, sharp s, the Latin ligatures), so "ınt32" and "ﬂoat64" name
 * types as in Java. Other scripts are kept as they are (only an error text can show them).
 */
static int java_upper(const char *s, size_t n, kc_buf_t *out) {
  static const char *const lig[] = {"FF", "FI", "FL", "FFI", "FFL", "ST", "ST"};
  int rc = 0;
  for (size_t i = 0; i < n && !rc;) {
    uint32_t c = utf8_next(s, n, &i);
    if (c >= 'a' && c <= 'z') c -= 32;
    else if ((c >= 0xe0 && c <= 0xfe && c != 0xf7)) c -= 32;
    else if (c == 0xff) c = 0x178;
    else if (c == 0xb5) c = 0x39c;
    else if (c == 0x131) c = 'I';
    else if (c == 0x17f) c = 'S';
    if (c == 0xdf) rc = kc_buf_puts(out, "SS");
    else if (c >= 0xfb00 && c <= 0xfb06) rc = kc_buf_puts(out, lig[c - 0xfb00]);
    else rc = put_utf8(out, c);
  }
  return rc;
}

/* Schema.Type.valueOf(name.trim().toUpperCase(ROOT)) and validCastType(OUTPUT). */
static int parse_type(const char *s, size_t n, kc_type_t *type, char *err, size_t errn) {
  trim(&s, &n);
  kc_buf_t up;
  kc_buf_init(&up, 0);
  if (java_upper(s, n, &up) || kc_buf_append(&up, "", 0)) {
    kc_buf_free(&up);
    return KC_ENOMEM;
  }
  int rc = KC_EINVAL;
  for (int t = KC_TYPE_INT8; t <= KC_TYPE_STRUCT; t++) {
    if (strcmp(up.data, kc_type_enum_name((kc_type_t)t))) continue;
    *type = (kc_type_t)t;
    rc = 0;
    if (t > KC_TYPE_STRING) {
      snprintf(err, errn, "Cast transformation does not support casting to %s; supported types are " OUTPUT_TYPES,
               kc_type_enum_name((kc_type_t)t));
      rc = KC_EINVAL;
    }
    break;
  }
  if (rc && !*err)
    snprintf(err, errn,
             "Invalid value java.lang.IllegalArgumentException: No enum constant "
             "org.apache.kafka.connect.data.Schema.Type.%s for configuration Invalid type found in casting spec: %.*s",
             up.data, (int)n, s);
  kc_buf_free(&up);
  return rc;
}

/* Java's String.hashCode of UTF-8 text (over UTF-16 units), spread as HashMap.hash. */
static uint32_t java_hash(const char *s) {
  uint32_t h = 0;
  size_t n = strlen(s);
  for (size_t i = 0; i < n;) {
    uint32_t cp = utf8_next(s, n, &i);
    if (cp >= 0x10000) {
      h = 31 * h + (0xd800 + ((cp - 0x10000) >> 10));
      cp = 0xdc00 + ((cp - 0x10000) & 0x3ff);
    }
    h = 31 * h + cp;
  }
  return h ^ (h >> 16);
}

/* Orders the casts as a HashMap of that many entries iterates them: by bucket, then by
 * insertion (a stable insertion sort). */
static void hashmap_order(cast_spec_t *c, size_t n) {
  uint32_t cap = 16;
  while (n > cap / 4 * 3) cap *= 2;
  for (size_t i = 1; i < n; i++) {
    cast_spec_t x = c[i];
    uint32_t bx = java_hash(x.field) & (cap - 1);
    size_t j = i;
    while (j > 0 && (java_hash(c[j - 1].field) & (cap - 1)) > bx) {
      c[j] = c[j - 1];
      j--;
    }
    c[j] = x;
  }
}

/*
 * parseFieldTypes over the LIST value @p value (ConfigDef: trimmed, split on \s*,\s*, empty items
 * kept). Fills @p t when given. @returns 0, KC_EINVAL (err: Java's ConfigException text), KC_ENOMEM.
 */
static int parse_spec(const char *value, cast_t *t, char *err, size_t errn) {
  const char *v = value ? value : "";
  size_t vn = strlen(v);
  trim(&v, &vn);
  err[0] = '\0';
  if (!vn) {
    snprintf(err, errn, "Must specify at least one field to cast.");
    return KC_EINVAL;
  }
  /* the items, as List.toString would show them */
  size_t nitems = 1;
  for (size_t i = 0; i < vn; i++) nitems += v[i] == ',';
  struct { const char *p; size_t n; } *items = calloc(nitems, sizeof *items);
  if (!items) return KC_ENOMEM;
  for (size_t i = 0, k = 0, start = 0; i <= vn; i++) {
    if (i < vn && v[i] != ',') continue;
    const char *p = v + start;
    size_t n = i - start;
    while (n && java_ws((unsigned char)*p)) p++, n--;
    while (n && java_ws((unsigned char)p[n - 1])) n--;
    items[k].p = p;
    items[k++].n = n;
    start = i + 1;
  }
  int rc = 0;
  bool whole = false;
  size_t nfields = 0;
  for (size_t k = 0; k < nitems && !rc; k++) {
    const char *m = items[k].p;
    size_t mn = items[k].n;
    /* String.split(":"): trailing colons only give trailing empty parts, which are dropped; with
     * a colon but nothing else there is no part at all */
    size_t e = mn;
    bool colon = memchr(m, ':', mn) != NULL;
    while (e && m[e - 1] == ':') e--;
    size_t nparts = colon && !e ? 0 : 1, c1 = e, c2 = e; /* c1, c2: the first two colons */
    for (size_t i = 0; i < e; i++)
      if (m[i] == ':') {
        if (nparts == 1) c1 = i;
        else if (nparts == 2) c2 = i;
        nparts++;
      }
    if (nparts > 2) {
      kc_buf_t l;
      kc_buf_init(&l, 0);
      for (size_t j = 0; j < nitems; j++)
        kc_buf_printf(&l, "%s%.*s", j ? ", " : "[", (int)items[j].n, items[j].p);
      snprintf(err, errn, "Invalid value %s] for configuration renames: Invalid rename mapping: %.*s",
               l.data ? l.data : "[", (int)items[k].n, items[k].p);
      kc_buf_free(&l);
      rc = KC_EINVAL;
    } else if (nparts == 0) {
      snprintf(err, errn, "Index 1 out of bounds for length 0"); /* parts[1] of an empty split */
      rc = KC_EINVAL;
    } else if (nparts == 1) {
      kc_type_t type;
      rc = parse_type(m, c1, &type, err, errn);
      if (!rc && t) t->whole_type = type;
      whole = true;
    } else {
      kc_type_t type;
      rc = parse_type(m + c1 + 1, c2 - c1 - 1, &type, err, errn);
      if (!rc && t) {
        const char *f = m;
        size_t fn = c1;
        trim(&f, &fn);
        size_t j = 0; /* HashMap.put: a repeated field keeps its place, takes the new type */
        while (j < nfields && (strlen(t->casts[j].field) != fn || memcmp(t->casts[j].field, f, fn))) j++;
        if (j == nfields) {
          if (!(t->casts[j].field = strndup(f, fn))) rc = KC_ENOMEM;
          else nfields++;
        }
        if (!rc) t->casts[j].type = type;
      }
    }
  }
  if (!rc && whole && nitems > 1) {
    snprintf(err, errn, "Cast transformations that specify a type to cast the entire value to may only specify a "
                        "single cast in their spec");
    rc = KC_EINVAL;
  }
  if (t) {
    t->whole = whole;
    t->ncasts = nfields;
  }
  free(items);
  return rc;
}

static int validate_spec(const char *name, const char *value, char *err, size_t n) {
  (void)name;
  return parse_spec(value, NULL, err, n);
}

static const kc_config_def_t cast_defs[] = {
    {"spec", KC_CFG_LIST, NULL, KC_CFG_REQUIRED | KC_CFG_OWN_MESSAGE, KC_CFG_HIGH,
     "List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of "
     "Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, "
     "int64, float32, float64, boolean, and string. Note that binary fields can only be cast to string.",
     NULL, NULL, 0, 0, validate_spec},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void cast_destroy(void *p) {
  cast_t *t = p;
  if (!t) return;
  for (size_t i = 0; i < t->ncasts; i++) free(t->casts[i].field);
  free(t->casts);
  kc_xf_schema_cache_destroy(t->cache);
  kc_buf_free(&t->text);
  free(t);
}

static int cast_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err, size_t n) {
  cast_t *t = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  kc_buf_init(&t->text, 0);
  t->variant = variant;
  bool b = true;
  kc_config_get_bool(cfg, "replace.null.with.default", &b);
  t->rnwd = b;
  const char *spec = kc_config_get(cfg, "spec");
  size_t items = 1;
  for (const char *p = spec ? spec : ""; *p; p++) items += *p == ',';
  t->casts = calloc(items, sizeof *t->casts);
  t->cache = kc_xf_schema_cache_new(16);
  if (!t->casts || !t->cache) {
    cast_destroy(t);
    return KC_ENOMEM;
  }
  int rc = parse_spec(spec, t, err, n);
  if (rc) {
    cast_destroy(t);
    return rc;
  }
  hashmap_order(t->casts, t->ncasts);
  *state = t;
  return 0;
}

/* ---- castValueToType ---- */

static bool named(const kc_schema_t *s, const char *name) { return s && s->name && !strcmp(s->name, name); }

/* Java's (int) and (long) of a double: NaN is 0, out of range saturates. */
static int64_t d2l(double d) {
  if (isnan(d)) return 0;
  if (d >= 9223372036854775807.0) return INT64_MAX;
  if (d <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)d;
}
static int64_t d2i(double d) {
  if (isnan(d)) return 0;
  if (d >= 2147483647.0) return INT32_MAX;
  if (d <= -2147483648.0) return INT32_MIN;
  return (int64_t)d;
}
/* (byte) / (short) / (int) of a long: the low bits, two's complement. */
static int64_t wrap(int64_t v, kc_type_t to) {
  uint64_t u = (uint64_t)v;
  switch (to) {
    case KC_TYPE_INT8: return (int64_t)(u & 0xff) - ((u & 0x80) ? 0x100 : 0);
    case KC_TYPE_INT16: return (int64_t)(u & 0xffff) - ((u & 0x8000) ? 0x10000 : 0);
    case KC_TYPE_INT32: return (int64_t)(u & 0xffffffffu) - ((u & 0x80000000u) ? 0x100000000LL : 0);
    default: return v;
  }
}

/* BigDecimal as text "[-]digits" (the unscaled value) into t->text. */
static int unscaled_text(cast_t *t, const kc_value_t *v) {
  kc_buf_reset(&t->text);
  return kc_decimal_format((const unsigned char *)v->u.str.ptr, v->u.str.len, 0, false, &t->text);
}

/* BigDecimal.longValue(): the integer part (truncated), its low 64 bits. */
static int decimal_long(cast_t *t, const kc_value_t *v, int32_t scale, int64_t *out) {
  int rc = unscaled_text(t, v);
  if (rc) return rc;
  const char *d = t->text.data;
  bool neg = *d == '-';
  d += neg;
  long n = (long)strlen(d), keep = scale > 0 ? n - scale : n;
  uint64_t u = 0;
  for (long i = 0; i < keep; i++) u = u * 10 + (uint64_t)(d[i] - '0');
  for (int32_t i = 0; scale < 0 && i < -scale && i < 64; i++) u *= 10; /* 10^64 is 0 mod 2^64 */
  *out = (int64_t)(neg ? 0 - u : u);
  return 0;
}

/* BigDecimal.doubleValue()/floatValue(): correctly rounded, as strtod/strtof are. */
static int decimal_float(cast_t *t, const kc_value_t *v, int32_t scale, bool f32, double *out) {
  int rc = unscaled_text(t, v);
  if (!rc) rc = kc_buf_printf(&t->text, "e%lld", -(long long)scale);
  if (rc) return rc;
  *out = f32 ? (double)strtof(t->text.data, NULL) : strtod(t->text.data, NULL);
  return 0;
}

/* Character.digit(c, 10) over the BMP (JDK 17, Unicode 13): the zeros of the Nd runs. */
static int java_digit(uint32_t c) {
  static const uint16_t zeros[] = {0x0030, 0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6,
                                   0x0C66, 0x0CE6, 0x0D66, 0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0,
                                   0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90, 0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620,
                                   0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10};
  for (size_t i = 0; i < sizeof zeros / sizeof *zeros; i++)
    if (c >= zeros[i] && c < zeros[i] + 10u) return (int)(c - zeros[i]);
  return -1;
}

/* Byte/Short/Integer/Long.parseXxx: optional sign, Unicode decimal digits, in range. */
static bool parse_java_int(const char *s, size_t n, kc_type_t type, int64_t *out) {
  int64_t lo = type == KC_TYPE_INT8 ? INT8_MIN : type == KC_TYPE_INT16 ? INT16_MIN : type == KC_TYPE_INT32 ? INT32_MIN : INT64_MIN;
  int64_t hi = type == KC_TYPE_INT8 ? INT8_MAX : type == KC_TYPE_INT16 ? INT16_MAX : type == KC_TYPE_INT32 ? INT32_MAX : INT64_MAX;
  size_t i = 0;
  bool neg = false;
  if (n && (s[0] == '-' || s[0] == '+')) neg = s[i++] == '-';
  if (i == n) return false;
  uint64_t limit = neg ? (uint64_t)0 - (uint64_t)lo : (uint64_t)hi, acc = 0;
  while (i < n) {
    int d = java_digit(utf8_next(s, n, &i));
    if (d < 0 || acc > (limit - (uint64_t)d) / 10) return false;
    acc = acc * 10 + (uint64_t)d;
  }
  *out = neg ? (int64_t)(0 - acc) : (int64_t)acc;
  return true;
}

/* Float/Double.parseXxx (FloatingDecimal.readJavaFormatString): trimmed; NaN, Infinity, decimal
 * or hexadecimal (p exponent required) with an optional f/F/d/D suffix. */
static bool parse_java_float(cast_t *t, const char *s, size_t n, bool f32, double *out) {
  trim(&s, &n);
  size_t i = 0;
  bool neg = false;
  if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  if (i == n) return false;
  if (n - i == 3 && !memcmp(s + i, "NaN", 3)) return *out = NAN, true;
  if (n - i == 8 && !memcmp(s + i, "Infinity", 8)) return *out = neg ? -INFINITY : INFINITY, true;
  size_t end = n;
  if (n - i > 1 && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
    size_t j = i + 2, digits = 0;
    bool dot = false;
    for (; j < n && (strchr("0123456789abcdefABCDEF", s[j]) || (s[j] == '.' && !dot)); j++) {
      if (s[j] == '.') dot = true;
      else digits++;
    }
    if (!digits || j == n || (s[j] != 'p' && s[j] != 'P')) return false;
    j++;
    if (j < n && (s[j] == '-' || s[j] == '+')) j++;
    size_t e = j;
    while (j < n && s[j] >= '0' && s[j] <= '9') j++;
    if (j == e) return false;
    if (j < n && j == n - 1 && strchr("fFdD", s[j])) end = j;
    else if (j != n) return false;
  } else {
    size_t j = i, digits = 0;
    bool dot = false;
    for (; j < n && ((s[j] >= '0' && s[j] <= '9') || s[j] == '.'); j++) {
      if (s[j] == '.') {
        if (dot) return false; /* "multiple points" */
        dot = true;
      } else {
        digits++;
      }
    }
    if (!digits) return false;
    if (j < n && (s[j] == 'e' || s[j] == 'E')) {
      j++;
      if (j < n && (s[j] == '-' || s[j] == '+')) j++;
      size_t e = j;
      while (j < n && s[j] >= '0' && s[j] <= '9') j++;
      if (j == e) return false;
    }
    if (j < n && j == n - 1 && strchr("fFdD", s[j])) end = j;
    else if (j != n) return false;
  }
  kc_buf_reset(&t->text); /* strtod/strtof round as Java does; the syntax was checked above */
  if (kc_buf_append(&t->text, s, end) || kc_buf_append(&t->text, "", 0)) return false;
  *out = f32 ? (double)strtof(t->text.data, NULL) : strtod(t->text.data, NULL);
  return true;
}

typedef struct {
  enum { J_INT, J_FLOAT, J_BOOL, J_STRING, J_BYTES, J_DECIMAL, J_DATE } kind;
  int64_t i;  /* J_INT, J_DATE (epoch ms) */
  double f;   /* J_FLOAT */
  int32_t scale;
} jobj_t;

static int fail_range(kc_xf_error_t *err, const kc_value_t *v) {
  return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Value (%.*s) was out of range for requested data type",
                    (int)v->u.str.len, v->u.str.ptr);
}

/*
 * castValueToType(schema, value, targetType): *out is a new arena value (or @p v itself for a
 * string cast to string); NULL for null. @returns 0, KC_ECONVERT (err), KC_ENOMEM.
 */
static int cast_value(cast_t *t, kc_xrecord_t *r, const kc_schema_t *s, const kc_value_t *v, kc_type_t target,
                      const kc_value_t **out, kc_xf_error_t *err) {
  *out = NULL;
  if (!v) return 0;
  /* ConnectSchema.schemaType(value.getClass()): a schemaless java.util.Date (TimestampConverter's)
   * has no Connect type */
  if (!s && (v->flags & KC__VALUE_F_JDATE))
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION,
                      "Cast transformation was passed a value of type class java.util.Date which is not supported "
                      "by Connect's data API");
  kc_type_t inferred = s ? s->type : v->type;
  if (inferred > KC_TYPE_BYTES)
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION,
                      "Cast transformation does not support casting from %s; supported types are " INPUT_TYPES,
                      kc_type_enum_name(inferred));
  /* the Java object */
  jobj_t j = {0};
  bool integral = v->type <= KC_TYPE_INT64;
  if (integral && (named(s, KC_LOGICAL_DATE) || named(s, KC_LOGICAL_TIME) || named(s, KC_LOGICAL_TIMESTAMP))) {
    j.kind = J_DATE;
    j.i = named(s, KC_LOGICAL_DATE) ? v->u.i * MILLIS_PER_DAY : v->u.i;
  } else if (v->type == KC_TYPE_BYTES && named(s, KC_LOGICAL_DECIMAL)) {
    char why[256];
    if (kc_schema_decimal_scale(s, &j.scale, why, sizeof why))
      return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "%s", why);
    j.kind = J_DECIMAL;
  } else if (integral) {
    j.kind = J_INT;
    j.i = v->u.i;
  } else if (v->type == KC_TYPE_FLOAT32 || v->type == KC_TYPE_FLOAT64) {
    j.kind = J_FLOAT;
    j.f = v->u.f;
  } else {
    j.kind = v->type == KC_TYPE_BOOLEAN ? J_BOOL : v->type == KC_TYPE_STRING ? J_STRING : J_BYTES;
  }
  /* encodeLogicalType: Date -> days, Time -> millis of the day, Timestamp -> epoch millis */
  if (j.kind == J_DATE && target != KC_TYPE_STRING) {
    if (named(s, KC_LOGICAL_DATE)) {
      j.i = v->u.i;
    } else if (named(s, KC_LOGICAL_TIME) && (j.i < 0 || j.i > MILLIS_PER_DAY)) {
      return kc_xf_fail(err, KC_XF_DATA_EXCEPTION,
                        "Kafka Connect Time type should not have any date fields set to non-zero values.");
    }
    j.kind = J_INT;
  }
  if (j.kind == J_BYTES && target != KC_TYPE_STRING)
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Unexpected type in Cast transformation: class [B");
  int rc = 0;
  int64_t l = 0;
  double d = 0;
  switch (target) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64:
      /* Number.xxxValue(): a double goes through (int) for byte/short/int, (long) for long */
      if (j.kind == J_INT) l = wrap(j.i, target);
      else if (j.kind == J_FLOAT) l = wrap(target == KC_TYPE_INT64 ? d2l(j.f) : d2i(j.f), target);
      else if (j.kind == J_DECIMAL) rc = decimal_long(t, v, j.scale, &l), l = wrap(l, target);
      else if (j.kind == J_BOOL) l = v->u.b;
      else if (!parse_java_int(v->u.str.ptr, v->u.str.len, target, &l)) return fail_range(err, v);
      if (rc) return rc;
      return (*out = kc_xf_new_int(r, target, l)) ? 0 : KC_ENOMEM;
    case KC_TYPE_FLOAT32:
    case KC_TYPE_FLOAT64: {
      bool f32 = target == KC_TYPE_FLOAT32;
      if (j.kind == J_INT) d = f32 ? (double)(float)j.i : (double)j.i;
      else if (j.kind == J_FLOAT) d = j.f;
      else if (j.kind == J_DECIMAL) rc = decimal_float(t, v, j.scale, f32, &d);
      else if (j.kind == J_BOOL) d = v->u.b ? 1 : 0;
      else if (!parse_java_float(t, v->u.str.ptr, v->u.str.len, f32, &d)) return fail_range(err, v);
      if (rc) return rc;
      return (*out = kc_xf_new_float(r, target, d)) ? 0 : KC_ENOMEM;
    }
    case KC_TYPE_BOOLEAN: {
      bool b;
      /* Number: longValue() != 0; String: Boolean.parseBoolean */
      if (j.kind == J_INT) b = j.i != 0;
      else if (j.kind == J_FLOAT) b = d2l(j.f) != 0;
      else if (j.kind == J_DECIMAL) rc = decimal_long(t, v, j.scale, &l), b = l != 0;
      else if (j.kind == J_BOOL) b = v->u.b;
      else b = v->u.str.len == 4 && !strncasecmp(v->u.str.ptr, "true", 4);
      if (rc) return rc;
      return (*out = kc_xf_new_bool(r, b)) ? 0 : KC_ENOMEM;
    }
    case KC_TYPE_STRING: {
      if (j.kind == J_STRING) return *out = v, 0;
      char num[40];
      kc_buf_reset(&t->text);
      if (j.kind == J_DATE) /* Values.dateFormatFor */
        rc = kc_values_date_format(j.i, &t->text);
      else if (j.kind == J_DECIMAL)
        rc = kc_decimal_format((const unsigned char *)v->u.str.ptr, v->u.str.len, j.scale, false, &t->text);
      else if (j.kind == J_BYTES) rc = kc_base64_encode(&t->text, v->u.str.ptr, v->u.str.len);
      else if (j.kind == J_BOOL) rc = kc_buf_puts(&t->text, v->u.b ? "true" : "false");
      else if (j.kind == J_INT) rc = kc_buf_append_int(&t->text, j.i);
      else if (v->type == KC_TYPE_FLOAT32) rc = kc_buf_append(&t->text, num, kc_java_format_float((float)j.f, num));
      else rc = kc_buf_append(&t->text, num, kc_java_format_double(j.f, num));
      if (rc) return KC_ENOMEM;
      return (*out = kc_xf_new_string(r, t->text.data ? t->text.data : "", t->text.len)) ? 0 : KC_ENOMEM;
    }
    default:
      return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "%s is not supported in the Cast transformation.",
                        kc_type_enum_name(target));
  }
}

/* ---- the updated schema (getOrBuildSchema) ---- */

/* A default cast for a schema: a heap copy the schema owns. */
static int cast_default(cast_t *t, kc_xrecord_t *r, const kc_schema_t *from, kc_schema_t *to, kc_xf_error_t *err) {
  const kc_value_t *d;
  int rc = cast_value(t, r, from, from->default_value, to->type, &d, err);
  if (rc) return rc;
  /* SchemaBuilder.defaultValue validates by the builder's logical name first: a cast value is
   * never the BigDecimal or java.util.Date a logical schema (kept by copySchemaBasics) expects */
  if (named(to, KC_LOGICAL_DECIMAL) || named(to, KC_LOGICAL_DATE) || named(to, KC_LOGICAL_TIME) ||
      named(to, KC_LOGICAL_TIMESTAMP))
    return kc_xf_fail(err, KC_XF_SCHEMA_BUILDER_EXCEPTION, "Invalid default value");
  return (to->default_value = kc_value_copy(d)) ? 0 : KC_ENOMEM;
}

static const cast_spec_t *cast_for(const cast_t *t, const char *field) {
  for (size_t i = 0; i < t->ncasts; i++)
    if (!strcmp(t->casts[i].field, field)) return &t->casts[i];
  return NULL;
}

static int build_schema(cast_t *t, kc_xrecord_t *r, const kc_schema_t *in, kc_schema_t **out, kc_xf_error_t *err) {
  if (!t->whole && in->type != KC_TYPE_STRUCT)
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Cannot list fields on non-struct type");
  kc_schema_t *s = kc_xf_schema_copy_basics(in, t->whole ? t->whole_type : KC_TYPE_STRUCT);
  if (!s) return KC_ENOMEM;
  int rc = 0;
  for (size_t i = 0; !t->whole && i < in->nfields && !rc; i++) {
    const kc_field_t *f = &in->fields[i];
    const cast_spec_t *c = cast_for(t, f->name);
    if (!c) {
      rc = kc_schema_add_field(s, f->name, kc_schema_incref(f->schema));
      continue;
    }
    /* a plain schema of the target type: the field's name and parameters are not kept */
    kc_schema_t *fs = kc_schema_new(c->type);
    if (!fs) {
      rc = KC_ENOMEM;
      break;
    }
    fs->optional = f->schema->optional;
    if (f->schema->default_value) rc = cast_default(t, r, f->schema, fs, err);
    if (rc) kc_schema_decref(fs);
    else rc = kc_schema_add_field(s, f->name, fs);
  }
  if (!rc && in->optional) s->optional = true;
  if (!rc && in->default_value) rc = cast_default(t, r, in, s, err);
  if (!rc) rc = kc_xf_schema_cache_put(t->cache, in, s);
  if (rc) {
    kc_schema_decref(s);
    return rc;
  }
  kc_schema_decref(s); /* the cache holds it */
  *out = s;
  return 0;
}

/* ---- apply ---- */

static int apply_schemaless(cast_t *t, kc_xrecord_t *r, const kc_value_t *v, kc_xf_error_t *err) {
  const kc_value_t *c;
  int rc;
  if (t->whole) {
    if ((rc = cast_value(t, r, NULL, v, t->whole_type, &c, err))) return rc;
    return kc_xf_op_set(r, t->variant, NULL, c);
  }
  if (kc_xf_require_map(v, PURPOSE, err)) return KC_ECONVERT;
  kc_value_t *m = kc_xf_map_copy(r, v, 4);
  if (!m) return KC_ENOMEM;
  /* every spec field is put, a missing one as null */
  for (size_t i = 0; i < t->ncasts; i++) {
    if ((rc = cast_value(t, r, NULL, kc_xf_map_get(v, t->casts[i].field, NULL), t->casts[i].type, &c, err)))
      return rc;
    kc_value_t *k = kc_xf_new_string(r, t->casts[i].field, strlen(t->casts[i].field));
    if (!k || kc_xf_map_put(r, m, k, c)) return KC_ENOMEM;
  }
  return kc_xf_op_set(r, t->variant, NULL, m);
}

static int apply_with_schema(cast_t *t, kc_xrecord_t *r, const kc_schema_t *schema, const kc_value_t *v,
                             kc_xf_error_t *err) {
  kc_schema_t *out = kc_xf_schema_cache_get(t->cache, schema);
  int rc;
  if (!out && (rc = build_schema(t, r, schema, &out, err))) return rc;
  const kc_value_t *c;
  if (t->whole) {
    if ((rc = cast_value(t, r, schema, v, t->whole_type, &c, err))) return rc;
    return kc_xf_op_set(r, t->variant, out, c);
  }
  if (kc_xf_require_struct(v, PURPOSE, err)) return KC_ECONVERT;
  if (kc_xrecord_retain(r, out)) return KC_ENOMEM;
  kc_value_t *st = kc_xf_new_struct(r, out);
  if (!st) return KC_ENOMEM;
  const kc_schema_t *vs = v->u.st.schema;
  for (size_t i = 0; i < vs->nfields; i++) {
    const kc_field_t *f = &vs->fields[i];
    const kc_value_t *fv = kc_xf_struct_get(v, f, t->rnwd);
    const cast_spec_t *cs = cast_for(t, f->name);
    if (cs && (rc = cast_value(t, r, f->schema, fv, cs->type, &fv, err))) return rc;
    const kc_field_t *of = kc_schema_field(out, f->name);
    if (!of) return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "field cannot be null.");
    st->u.st.vals[of->index] = (kc_value_t *)fv;
  }
  return kc_xf_op_set(r, t->variant, out, st);
}

static int cast_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  cast_t *t = p;
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  if (!v) return 0;
  return schema ? apply_with_schema(t, r, schema, v, err) : apply_schemaless(t, r, v, err);
}

const kc_transform_plugin_t kc_xf_cast_key = {"org.apache.kafka.connect.transforms.Cast$Key", KC_XF_TRANSFORM,
                                              KC_XF_KEY, cast_defs, cast_create, cast_apply, NULL, cast_destroy};
const kc_transform_plugin_t kc_xf_cast_value = {"org.apache.kafka.connect.transforms.Cast$Value", KC_XF_TRANSFORM,
                                                KC_XF_VALUE, cast_defs, cast_create, cast_apply, NULL, cast_destroy};
