/*
 * org.apache.kafka.connect.json.JsonConverter (connect-runtime.md 9.1).
 *
 * Reading: one pass over the record validates the whole document (Jackson
 * parses everything before Connect converts anything, so syntax errors win),
 * resolves the envelope's schema through the text-keyed cache and, when the
 * schema came first, reads the payload straight into typed values. Writing
 * goes from kc_value_t to bytes with no intermediate tree.
 *
 * Deliberate differences from Java, all on input Java accepts oddly: trailing
 * bytes after the JSON value are rejected (Jackson ignores them), and a JSON
 * value of the wrong kind for its schema (a string for an int32, a number for
 * a boolean...) is a DataException instead of Jackson's silent 0/false/null.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "data/value_internal.h"
#include "convert/converter_internal.h"

#define SERDE_READ_ERR "Converting byte[] to Kafka Connect data failed due to serialization error: "
#define ENVELOPE_ERR                                                                         \
  "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not " \
  "contain additional fields. If you are trying to deserialize plain JSON data, set "        \
  "schemas.enable=false in your converter configuration."

typedef struct {
  kc_converter_t base;
  bool schemas_enable;
  bool decimal_numeric;
  bool replace_null;
  kc_json_schema_cache_t *cache;
} json_conv_t;

const char *kc_type_enum_name(kc_type_t t) {
  switch (t) {
#define XX(t, json) case KC_TYPE_##t: return #t;
    KC_TYPE_MAP(XX)
#undef XX
  }
  return "UNKNOWN";
}

static bool physical_logical(const kc_schema_t *s, const char *name, kc_type_t physical) {
  return s && s->name && s->type == physical && !strcmp(s->name, name);
}

/* ---- JSON -> Connect ------------------------------------------------------ */

static int read_typed(json_conv_t *c, kc_json_reader_t *r, const kc_schema_t *s, kc_value_t **out,
                      char *err, size_t errn);

/* A JSON null or an absent struct field (convertToConnect's null branch). */
static int null_value(json_conv_t *c, const kc_schema_t *s, kc_value_t **out, char *err,
                      size_t errn) {
  *out = NULL;
  if (s->default_value && c->replace_null) {
    if (!(*out = kc_value_copy(s->default_value))) return kc_conv_errf(err, errn, "out of memory");
    return 0;
  }
  if (s->optional) return 0;
  return kc_conv_errf(err, errn, "Invalid null value for required %s field",
                      kc_type_enum_name(s->type));
}

static int kind_error(const kc_schema_t *s, kc_json_kind_t k, const char *want, char *err,
                      size_t errn) {
  return kc_conv_errf(err, errn, "Invalid JSON for %s value: expected %s but found %s",
                      kc_type_enum_name(s->type), want, kc_json_kind_name(k));
}

static int read_number(kc_json_reader_t *r, const kc_schema_t *s, kc_json_kind_t k,
                       kc_json_number_t *num, char *err, size_t errn) {
  if (k != KC_JSON_NUMBER) return kind_error(s, k, "a number", err, errn);
  return kc_json_read_number(r, num);
}

/* JsonNode.intValue()/longValue(): integers keep their low bits, fractions truncate. */
static int64_t num_to_long(const kc_json_number_t *n) {
  if (n->fits_int64) return n->i;
  if (isnan(n->d)) return 0;
  if (n->d >= 9223372036854775807.0) return INT64_MAX;
  if (n->d <= -9223372036854775808.0) return INT64_MIN;
  return (int64_t)n->d;
}

static int read_logical(json_conv_t *c, kc_json_reader_t *r, const kc_schema_t *s,
                        kc_json_kind_t k, kc_value_t **out, char *err, size_t errn, bool *handled) {
  kc_json_number_t num;
  *handled = true;
  if (physical_logical(s, KC_LOGICAL_DECIMAL, KC_TYPE_BYTES)) {
    int32_t scale;
    unsigned char *bytes = NULL;
    size_t blen = 0;
    if (k == KC_JSON_NUMBER) {
      if (kc_json_read_number(r, &num)) return KC_EINVAL;
      if (kc_schema_decimal_scale(s, &scale, err, errn)) return KC_ECONVERT;
      int rc = kc_decimal_parse(num.text, num.len, scale, &bytes, &blen);
      if (rc == KC_ENOMEM) return kc_conv_errf(err, errn, "out of memory");
      if (rc)
        return kc_conv_errf(err, errn, "Invalid Decimal value %.*s for a schema with scale %d",
                            (int)num.len, num.text, (int)scale);
    } else if (k == KC_JSON_STRING) {
      const char *str;
      size_t len;
      if (kc_json_read_string(r, &str, &len)) return KC_EINVAL;
      if (kc_schema_decimal_scale(s, &scale, NULL, 0) || kc_base64_decode(str, len, &bytes, &blen) ||
          !blen) {
        free(bytes);
        return kc_conv_errf(err, errn, "Invalid bytes for Decimal field");
      }
    } else {
      return kc_conv_errf(err, errn,
                          "Invalid type for Decimal, underlying representation should be numeric "
                          "or bytes but was %s",
                          kc_json_kind_name(k));
    }
    *out = kc_value_new_bytes(bytes, blen);
    free(bytes);
    return *out ? 0 : kc_conv_errf(err, errn, "out of memory");
  }
  bool is_date = physical_logical(s, KC_LOGICAL_DATE, KC_TYPE_INT32);
  bool is_time = physical_logical(s, KC_LOGICAL_TIME, KC_TYPE_INT32);
  if (is_date || is_time) {
    /* JsonNode.isInt(): an integer that fits in an int */
    if (k != KC_JSON_NUMBER || kc_json_read_number(r, &num) || !num.fits_int64 ||
        num.i < INT32_MIN || num.i > INT32_MAX) {
      if (r->failed) return KC_EINVAL;
      return kc_conv_errf(err, errn,
                          "Invalid type for %s, underlying representation should be integer but "
                          "was %s",
                          is_date ? "Date" : "Time", kc_json_kind_name(k));
    }
    if (is_time && (num.i < 0 || num.i > 86400000))
      return kc_conv_errf(err, errn,
                          "Time values must use number of milliseconds greater than 0 and less "
                          "than 86400000");
    *out = kc_value_new_int(KC_TYPE_INT32, num.i);
    return *out ? 0 : kc_conv_errf(err, errn, "out of memory");
  }
  if (physical_logical(s, KC_LOGICAL_TIMESTAMP, KC_TYPE_INT64)) {
    if (k != KC_JSON_NUMBER || kc_json_read_number(r, &num) || !num.integral) {
      if (r->failed) return KC_EINVAL;
      return kc_conv_errf(err, errn,
                          "Invalid type for Timestamp, underlying representation should be "
                          "integral but was %s",
                          kc_json_kind_name(k));
    }
    *out = kc_value_new_int(KC_TYPE_INT64, num_to_long(&num));
    return *out ? 0 : kc_conv_errf(err, errn, "out of memory");
  }
  *handled = false;
  return 0;
}

static int read_map(json_conv_t *c, kc_json_reader_t *r, const kc_schema_t *s, kc_json_kind_t k,
                    kc_value_t *m, char *err, size_t errn) {
  int rc, more;
  if (s->key_schema && s->key_schema->type == KC_TYPE_STRING) {
    const char *key;
    size_t kl;
    if (k != KC_JSON_OBJECT)
      return kc_conv_errf(err, errn,
                          "Maps with string fields should be encoded as JSON objects, but found %s",
                          kc_json_kind_name(k));
    if (kc_json_object_begin(r)) return KC_EINVAL;
    while ((more = kc_json_object_next(r, &key, &kl)) == 1) {
      kc_value_t *kv = kc_value_new_string(key, kl), *vv;
      if (!kv) return kc_conv_errf(err, errn, "out of memory");
      if ((rc = read_typed(c, r, s->value_schema, &vv, err, errn))) {
        kc_value_destroy(kv);
        return rc;
      }
      if (kc_json_object_put(r, m, kv, vv)) return kc_conv_errf(err, errn, "out of memory");
    }
    if (more) return KC_EINVAL;
    return kc_json_object_done(m) ? kc_conv_errf(err, errn, "out of memory") : 0;
  }
  if (k != KC_JSON_ARRAY)
    return kc_conv_errf(err, errn,
                        "Maps with non-string fields should be encoded as JSON array of tuples, "
                        "but found %s",
                        kc_json_kind_name(k));
  if (kc_json_array_begin(r)) return KC_EINVAL;
  while ((more = kc_json_array_next(r)) == 1) {
    kc_json_kind_t ek = kc_json_peek(r);
    if (ek == KC_JSON_NONE) return KC_EINVAL;
    if (ek != KC_JSON_ARRAY)
      return kc_conv_errf(err, errn, "Found invalid map entry instead of array tuple: %s",
                          kc_json_kind_name(ek));
    kc_value_t *kv = NULL, *vv = NULL;
    int n = 0, inner;
    if (kc_json_array_begin(r)) return KC_EINVAL;
    while ((inner = kc_json_array_next(r)) == 1) {
      if (n == 0) rc = read_typed(c, r, s->key_schema, &kv, err, errn);
      else if (n == 1) rc = read_typed(c, r, s->value_schema, &vv, err, errn);
      else rc = kc_json_skip(r);
      n++;
      if (rc) {
        kc_value_destroy(kv);
        kc_value_destroy(vv);
        return rc;
      }
    }
    if (inner || n != 2) {
      kc_value_destroy(kv);
      kc_value_destroy(vv);
      if (inner) return KC_EINVAL;
      return kc_conv_errf(err, errn, "Found invalid map entry, expected length 2 but found :%d", n);
    }
    if (kc_value_map_put(m, kv, vv)) return kc_conv_errf(err, errn, "out of memory");
  }
  return more ? KC_EINVAL : 0;
}

static int read_struct(json_conv_t *c, kc_json_reader_t *r, const kc_schema_t *s, kc_json_kind_t k,
                       kc_value_t *st, char *err, size_t errn) {
  const char *key;
  size_t kl, next = 0;
  int rc, more;
  if (k != KC_JSON_OBJECT)
    return kc_conv_errf(err, errn, "Structs should be encoded as JSON objects, but found %s",
                        kc_json_kind_name(k));
  if (kc_json_object_begin(r)) return KC_EINVAL;
  while ((more = kc_json_object_next(r, &key, &kl)) == 1) {
    /* Producers usually write fields in schema order: try the next one first. */
    size_t i, nf = s->nfields;
    for (i = 0; i < nf; i++) {
      size_t f = (next + i) % nf;
      const char *name = s->fields[f].name;
      if (!strncmp(name, key, kl) && name[kl] == '\0' && !memchr(key, '\0', kl)) {
        i = f;
        break;
      }
    }
    if (i == nf) { /* not in the schema: Connect ignores it */
      if (kc_json_skip(r)) return KC_EINVAL;
      continue;
    }
    next = i + 1;
    kc_value_t *v;
    if ((rc = read_typed(c, r, s->fields[i].schema, &v, err, errn))) return rc;
    kc_value_destroy(st->u.st.vals[i]);
    st->u.st.vals[i] = v;
  }
  if (more) return KC_EINVAL;
  for (size_t i = 0; i < s->nfields; i++) {
    if (st->u.st.vals[i]) continue;
    if ((rc = null_value(c, s->fields[i].schema, &st->u.st.vals[i], err, errn))) return rc;
  }
  return 0;
}

static int read_typed(json_conv_t *c, kc_json_reader_t *r, const kc_schema_t *s, kc_value_t **out,
                      char *err, size_t errn) {
  kc_json_number_t num;
  const char *str;
  size_t len;
  int rc;
  *out = NULL;
  if (!s) return kc_json_read_value(r, out); /* schemaless: the JSON types decide */
  kc_json_kind_t k = kc_json_peek(r);
  if (k == KC_JSON_NONE) return KC_EINVAL;
  if (k == KC_JSON_NULL) {
    if (kc_json_read_null(r)) return KC_EINVAL;
    return null_value(c, s, out, err, errn);
  }
  if (s->name) {
    bool handled;
    rc = read_logical(c, r, s, k, out, err, errn, &handled);
    if (handled) return rc;
  }
  switch (s->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64:
      if ((rc = read_number(r, s, k, &num, err, errn))) return rc;
      /* (byte)/(short) value.intValue(), value.intValue(), value.longValue() */
      *out = kc_value_new_int(s->type, s->type == KC_TYPE_INT64 ? num_to_long(&num)
                                                                 : (int64_t)(int32_t)(uint32_t)(uint64_t)num_to_long(&num));
      break;
    case KC_TYPE_FLOAT32:
      if ((rc = read_number(r, s, k, &num, err, errn))) return rc;
      if (num.len < 64) { /* BigDecimal.floatValue(): rounded once, from the text */
        char tmp[64];
        memcpy(tmp, num.text, num.len);
        tmp[num.len] = '\0';
        num.d = strtof(tmp, NULL);
      }
      *out = kc_value_new_float(KC_TYPE_FLOAT32, num.d);
      break;
    case KC_TYPE_FLOAT64:
      if ((rc = read_number(r, s, k, &num, err, errn))) return rc;
      *out = kc_value_new_float(KC_TYPE_FLOAT64, num.d);
      break;
    case KC_TYPE_BOOLEAN: {
      bool b;
      if (k != KC_JSON_TRUE && k != KC_JSON_FALSE) return kind_error(s, k, "a boolean", err, errn);
      if (kc_json_read_bool(r, &b)) return KC_EINVAL;
      *out = kc_value_new_bool(b);
      break;
    }
    case KC_TYPE_STRING:
      if (k != KC_JSON_STRING) return kind_error(s, k, "a string", err, errn);
      if (kc_json_read_string(r, &str, &len)) return KC_EINVAL;
      *out = kc_value_new_string(str, len);
      break;
    case KC_TYPE_BYTES: {
      unsigned char *bytes;
      if (k != KC_JSON_STRING) return kind_error(s, k, "a base64 string", err, errn);
      if (kc_json_read_string(r, &str, &len)) return KC_EINVAL;
      if (kc_base64_decode(str, len, &bytes, &len)) return kc_conv_errf(err, errn, "Invalid bytes field");
      *out = kc_value_new_bytes(bytes, len);
      free(bytes);
      break;
    }
    case KC_TYPE_ARRAY: {
      int more;
      if (k != KC_JSON_ARRAY) return kind_error(s, k, "an array", err, errn);
      kc_value_t *a = kc_value_new_array();
      if (!a) break;
      if (kc_json_array_begin(r)) {
        kc_value_destroy(a);
        return KC_EINVAL;
      }
      while ((more = kc_json_array_next(r)) == 1) {
        kc_value_t *e;
        if ((rc = read_typed(c, r, s->value_schema, &e, err, errn)) ||
            (rc = kc_value_array_append(a, e) ? kc_conv_errf(err, errn, "out of memory") : 0)) {
          kc_value_destroy(a);
          return rc;
        }
      }
      if (more) {
        kc_value_destroy(a);
        return KC_EINVAL;
      }
      *out = a;
      return 0;
    }
    case KC_TYPE_MAP: {
      kc_value_t *m = kc_value_new_map();
      if (!m) break;
      if ((rc = read_map(c, r, s, k, m, err, errn))) {
        kc_value_destroy(m);
        return rc;
      }
      *out = m;
      return 0;
    }
    case KC_TYPE_STRUCT: {
      kc_value_t *st = kc_value_new_struct((kc_schema_t *)s);
      if (!st) break;
      if ((rc = read_struct(c, r, s, k, st, err, errn))) {
        kc_value_destroy(st);
        return rc;
      }
      *out = st;
      return 0;
    }
  }
  return *out ? 0 : kc_conv_errf(err, errn, "out of memory");
}

/* Callback for schema defaults (json_schema.c). */
static int read_default(void *ctx, kc_json_reader_t *r, const kc_schema_t *s, kc_value_t **out,
                        char *err, size_t errn) {
  int rc = read_typed(ctx, r, s, out, err, errn);
  if (rc == KC_EINVAL) rc = kc_conv_errf(err, errn, "invalid default value");
  return rc;
}

static bool only_whitespace(const char *p, size_t len) {
  size_t i = len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3) ? 3 : 0;
  for (; i < len; i++)
    if (p[i] != ' ' && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') return false;
  return true;
}

static int serde_error(kc_json_reader_t *r, char *errstr, size_t errn) {
  return kc_conv_errf(errstr, errn, SERDE_READ_ERR "%s", r->errstr);
}

enum { PENDING, DONE, FAILED };

static int jc_to_connect(kc_converter_t *conv, kc_arena_t *arena, const char *topic,
                         const void *data, size_t len, kc_schema_t **schema_out,
                         kc_value_t **value_out, char *errstr, size_t errn) {
  json_conv_t *c = (json_conv_t *)conv;
  *schema_out = NULL;
  *value_out = NULL;
  if (!data) return 0; /* tombstone */
  /* Jackson reads empty input as a missing node: null without schemas, no envelope with them */
  if (only_whitespace(data, len))
    return c->schemas_enable ? kc_conv_errf(errstr, errn, ENVELOPE_ERR) : 0;

  char perr[320];
  kc_json_reader_t r;
  kc_json_reader_init(&r, data, len, perr, sizeof perr);
  int rc = 0;
  if (!c->schemas_enable) {
    kc_value_t *v = NULL;
    r.arena = arena; /* the typed path below stays on the heap: schema defaults are cached */
    if (kc_json_read_value(&r, &v) || kc_json_reader_finish(&r)) {
      kc_value_destroy(v);
      rc = serde_error(&r, errstr, errn);
    } else {
      *value_out = v;
    }
    kc_json_reader_free(&r);
    return rc;
  }

  /* The envelope. Spans are kept so that parts can be (re)read out of order. */
  char serr[320] = "", verr[320] = "";
  kc_json_reader_t r2; /* second cursor over the same bytes, for the spans */
  kc_json_reader_init(&r2, data, len, NULL, 0);
  bool has_schema = false, has_payload = false, extra = false;
  size_t poff = 0, plen = 0;
  kc_schema_t *schema = NULL;
  kc_value_t *payload = NULL;
  int sstate = PENDING, pstate = PENDING;
  if (kc_json_peek(&r) != KC_JSON_OBJECT) {
    extra = true;
    if (!kc_json_skip(&r)) kc_json_reader_finish(&r);
  } else if (!kc_json_object_begin(&r)) {
    const char *k;
    size_t kl;
    int more;
    while ((more = kc_json_object_next(&r, &k, &kl)) == 1) {
      bool is_schema = kl == 6 && !memcmp(k, "schema", 6);
      bool is_payload = kl == 7 && !memcmp(k, "payload", 7);
      if (kc_json_peek(&r) == KC_JSON_NONE) break;
      size_t off = kc_json_reader_offset(&r);
      if (is_schema) {
        if (kc_json_skip(&r)) break;
        has_schema = true;
        kc_schema_decref(schema);
        schema = NULL;
        serr[0] = '\0';
        sstate = kc_json_schema_read(c->cache, &r2, off, kc_json_reader_offset(&r) - off,
                                     read_default, c, &schema, serr, sizeof serr)
                     ? FAILED
                     : DONE;
        if (pstate != PENDING) { /* read against an older schema: redo later */
          kc_value_destroy(payload);
          payload = NULL;
          pstate = PENDING;
        }
      } else if (is_payload) {
        has_payload = true;
        kc_value_destroy(payload);
        payload = NULL;
        verr[0] = '\0';
        pstate = PENDING;
        if (sstate == DONE) {
          rc = read_typed(c, &r, schema, &payload, verr, sizeof verr);
          if (r.failed) break;
          if (rc) { /* a conversion error: finish validating the document first */
            kc_value_destroy(payload);
            payload = NULL;
            kc_json_reader_seek(&r, off, len - off);
            r.depth = 1;
            if (kc_json_skip(&r)) break;
            pstate = FAILED;
          } else {
            pstate = DONE;
          }
        } else if (kc_json_skip(&r)) {
          break;
        }
        poff = off;
        plen = kc_json_reader_offset(&r) - off;
      } else {
        extra = true;
        if (kc_json_skip(&r)) break;
      }
    }
    if (!more) kc_json_reader_finish(&r);
  }

  if (r.failed) {
    rc = serde_error(&r, errstr, errn);
  } else if (extra || !has_schema || !has_payload) {
    rc = kc_conv_errf(errstr, errn, ENVELOPE_ERR);
  } else if (sstate == FAILED) {
    rc = kc_conv_errf(errstr, errn, "%s", serr);
  } else {
    if (pstate == PENDING) {
      kc_json_reader_seek(&r2, poff, plen);
      rc = read_typed(c, &r2, schema, &payload, verr, sizeof verr);
      pstate = rc ? FAILED : DONE;
    }
    if (pstate == FAILED) rc = kc_conv_errf(errstr, errn, "%s", verr[0] ? verr : "invalid payload");
  }
  if (rc) {
    kc_schema_decref(schema);
    kc_value_destroy(payload);
  } else {
    *schema_out = schema;
    *value_out = payload;
  }
  kc_json_reader_free(&r);
  kc_json_reader_free(&r2);
  return rc;
}

/* ---- Connect -> JSON ------------------------------------------------------ */

#define TRY(expr)        \
  do {                   \
    int rc_ = (expr);    \
    if (rc_) return rc_; \
  } while (0)

static int write_value(void *ctx, const kc_schema_t *s, const kc_value_t *v, kc_buf_t *out,
                       char *err, size_t errn);

static int write_int(kc_buf_t *out, int64_t v) { return kc_buf_append_int(out, v); }

static int write_logical(json_conv_t *c, const kc_schema_t *s, const kc_value_t *v, kc_buf_t *out,
                         char *err, size_t errn, bool *handled) {
  *handled = true;
  if (physical_logical(s, KC_LOGICAL_DECIMAL, KC_TYPE_BYTES)) {
    int32_t scale;
    if (v->type != KC_TYPE_BYTES)
      return kc_conv_errf(err, errn, "Invalid type for Decimal, expected BigDecimal but was class %s",
                          kc_value_java_class(v));
    if (kc_schema_decimal_scale(s, &scale, err, errn)) return KC_ECONVERT;
    const unsigned char *b = (const unsigned char *)v->u.str.ptr;
    size_t n = v->u.str.len;
    /* Jackson writes a DecimalNode with BigDecimal.toString(): 1E-10, not 0.0000000001 */
    if (c->decimal_numeric) return kc_decimal_format(b, n, scale, false, out);
    /* BigInteger.toByteArray() is minimal: drop redundant sign bytes */
    while (n > 1 && ((b[0] == 0 && !(b[1] & 0x80)) || (b[0] == 0xff && (b[1] & 0x80)))) {
      b++;
      n--;
    }
    static const unsigned char zero = 0;
    if (!n) {
      b = &zero;
      n = 1;
    }
    TRY(kc_buf_append(out, "\"", 1));
    TRY(kc_base64_encode(out, b, n));
    return kc_buf_append(out, "\"", 1);
  }
  static const struct {
    const char *name, *java;
    kc_type_t type;
  } temporal[] = {{KC_LOGICAL_DATE, "Date", KC_TYPE_INT32},
                  {KC_LOGICAL_TIME, "Time", KC_TYPE_INT32},
                  {KC_LOGICAL_TIMESTAMP, "Timestamp", KC_TYPE_INT64}};
  for (size_t i = 0; i < 3; i++) {
    if (!physical_logical(s, temporal[i].name, temporal[i].type)) continue;
    if (v->type != temporal[i].type)
      return kc_conv_errf(err, errn, "Invalid type for %s, expected Date but was class %s",
                          temporal[i].java, kc_value_java_class(v));
    return write_int(out, v->u.i);
  }
  *handled = false;
  return 0;
}

static int write_map(json_conv_t *c, const kc_schema_t *s, const kc_value_t *v, kc_buf_t *out,
                     char *err, size_t errn) {
  const kc_schema_t *ks = s ? s->key_schema : NULL, *vs = s ? s->value_schema : NULL;
  bool object = true;
  if (s) {
    object = ks && ks->type == KC_TYPE_STRING;
  } else {
    for (size_t i = 0; object && i < v->u.map.n; i++)
      object = v->u.map.keys[i] && v->u.map.keys[i]->type == KC_TYPE_STRING;
  }
  TRY(kc_buf_append(out, object ? "{" : "[", 1));
  for (size_t i = 0; i < v->u.map.n; i++) {
    const kc_value_t *key = v->u.map.keys[i];
    if (i) TRY(kc_buf_append(out, ",", 1));
    if (object) {
      /* mapKey.asText(): the key converted under its schema, as text */
      if (key && key->type != KC_TYPE_STRING)
        return kc_conv_errf(err, errn, "Invalid type for STRING: class %s", kc_value_java_class(key));
      if (!key && ks) {
        if (ks->default_value && c->replace_null) key = ks->default_value;
        else if (!ks->optional)
          return kc_conv_errf(err, errn,
                              "Conversion error: null value for field that is required and has "
                              "no default value");
      }
      if (key && key->type == KC_TYPE_STRING)
        TRY(kc_json_encode_string(out, key->u.str.ptr, key->u.str.len));
      else
        TRY(kc_buf_append(out, "\"null\"", 6));
      TRY(kc_buf_append(out, ":", 1));
      TRY(write_value(c, vs, v->u.map.vals[i], out, err, errn));
    } else {
      TRY(kc_buf_append(out, "[", 1));
      TRY(write_value(c, ks, key, out, err, errn));
      TRY(kc_buf_append(out, ",", 1));
      TRY(write_value(c, vs, v->u.map.vals[i], out, err, errn));
      TRY(kc_buf_append(out, "]", 1));
    }
  }
  return kc_buf_append(out, object ? "}" : "]", 1);
}

static int write_value(void *ctx, const kc_schema_t *s, const kc_value_t *v, kc_buf_t *out,
                       char *err, size_t errn) {
  json_conv_t *c = ctx;
  if (!v) {
    if (!s) return kc_buf_append(out, "null", 4);
    if (s->default_value && c->replace_null) return write_value(c, s, s->default_value, out, err, errn);
    if (s->optional) return kc_buf_append(out, "null", 4);
    return kc_conv_errf(err, errn,
                        "Conversion error: null value for field that is required and has no "
                        "default value");
  }
  if (!s && (v->flags & KC__VALUE_F_JDATE))
    return kc_conv_errf(err, errn, "Java class class java.util.Date does not have corresponding schema type.");
  if (s && s->name) {
    bool handled;
    int rc = write_logical(c, s, v, out, err, errn, &handled);
    if (handled) return rc;
  }
  if (s && s->type != v->type)
    return kc_conv_errf(err, errn, "Invalid type for %s: class %s", kc_type_enum_name(s->type),
                        kc_value_java_class(v));
  switch (v->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64: return write_int(out, v->u.i);
    case KC_TYPE_FLOAT32: return kc_json_encode_float(out, (float)v->u.f);
    case KC_TYPE_FLOAT64: return kc_json_encode_double(out, v->u.f);
    case KC_TYPE_BOOLEAN: return v->u.b ? kc_buf_append(out, "true", 4) : kc_buf_append(out, "false", 5);
    case KC_TYPE_STRING: return kc_json_encode_string(out, v->u.str.ptr, v->u.str.len);
    case KC_TYPE_BYTES:
      TRY(kc_buf_append(out, "\"", 1));
      TRY(kc_base64_encode(out, v->u.str.ptr, v->u.str.len));
      return kc_buf_append(out, "\"", 1);
    case KC_TYPE_ARRAY:
      TRY(kc_buf_append(out, "[", 1));
      for (size_t i = 0; i < v->u.arr.n; i++) {
        if (i) TRY(kc_buf_append(out, ",", 1));
        TRY(write_value(c, s ? s->value_schema : NULL, v->u.arr.items[i], out, err, errn));
      }
      return kc_buf_append(out, "]", 1);
    case KC_TYPE_MAP: return write_map(c, s, v, out, err, errn);
    case KC_TYPE_STRUCT:
      if (!s || !kc_schema_equal(v->u.st.schema, s)) return kc_conv_errf(err, errn, "Mismatching schema.");
      TRY(kc_buf_append(out, "{", 1));
      for (size_t i = 0; i < s->nfields; i++) {
        if (i) TRY(kc_buf_append(out, ",", 1));
        TRY(kc_json_encode_string(out, s->fields[i].name, strlen(s->fields[i].name)));
        TRY(kc_buf_append(out, ":", 1));
        TRY(write_value(c, s->fields[i].schema, v->u.st.vals[i], out, err, errn));
      }
      return kc_buf_append(out, "}", 1);
  }
  return kc_conv_errf(err, errn, "Couldn't convert value to JSON.");
}

static int jc_from_connect(kc_converter_t *conv, const char *topic, const kc_schema_t *schema,
                           const kc_value_t *value, kc_buf_t *out, bool *is_null, char *errstr,
                           size_t errn) {
  json_conv_t *c = (json_conv_t *)conv;
  *is_null = false;
  if (!schema && !value) {
    *is_null = true;
    return 0;
  }
  if (errstr && errn) errstr[0] = '\0';
  size_t start = out->len;
  int rc;
  if (c->schemas_enable) {
    rc = kc_buf_append(out, "{\"schema\":", 10);
    if (!rc) rc = kc_json_schema_write(c->cache, schema, write_value, c, out, errstr, errn);
    if (!rc) rc = kc_buf_append(out, ",\"payload\":", 11);
    if (!rc) rc = write_value(c, schema, value, out, errstr, errn);
    if (!rc) rc = kc_buf_append(out, "}", 1);
  } else {
    rc = write_value(c, schema, value, out, errstr, errn);
  }
  if (rc) {
    if (rc != KC_ECONVERT) kc_conv_errf(errstr, errn, "Converting Kafka Connect data to byte[] failed: %s", kc_strerror(rc));
    out->len = start;
    if (out->data) out->data[start] = '\0';
  }
  return rc;
}

/* ---- configuration -------------------------------------------------------- */

static void jc_destroy(kc_converter_t *conv) {
  json_conv_t *c = (json_conv_t *)conv;
  kc_json_schema_cache_destroy(c->cache);
  free(c);
}

static int jc_to_text(kc_converter_t *conv, const void *data, size_t len, kc_buf_t *out) {
  /* With schemas the envelope and its schema decide the value: the general path. */
  if (((json_conv_t *)conv)->schemas_enable) return KC_ENOTSUP;
  return kc_json_to_java_text(data, len, out);
}

static const kc_converter_ops_t json_ops = {jc_to_connect, jc_from_connect, jc_destroy, NULL,
                                            jc_to_text};

/* ConfigDef BOOLEAN parsing: trimmed, case-insensitive. */
int kc_conv_cfg_bool(const kc_config_t *cfg, const char *key, bool def, bool *out, char *errstr,
                     size_t errn) {
  const char *v = cfg ? kc_config_get(cfg, key) : NULL;
  *out = def;
  if (!v) return 0;
  const char *s = v, *e = v + strlen(v);
  while (s < e && (unsigned char)*s <= ' ') s++;
  while (e > s && (unsigned char)e[-1] <= ' ') e--;
  if (e - s == 4 && !strncasecmp(s, "true", 4)) *out = true;
  else if (e - s == 5 && !strncasecmp(s, "false", 5)) *out = false;
  else
    return kc_conv_errf(errstr, errn,
                        "Invalid value %s for configuration %s: Expected value to be either true "
                        "or false",
                        v, key);
  return 0;
}

kc_converter_t *kc_json_converter_new(const kc_config_t *cfg, bool is_key, char *errstr,
                                      size_t errn) {
  bool schemas, replace;
  long cache_size = 1000;
  bool numeric = false;
  if (kc_conv_cfg_bool(cfg, "schemas.enable", true, &schemas, errstr, errn) ||
      kc_conv_cfg_bool(cfg, "replace.null.with.default", true, &replace, errstr, errn))
    return NULL;
  const char *v = cfg ? kc_config_get(cfg, "schemas.cache.size") : NULL;
  if (v) {
    char *end;
    while (*v == ' ' || *v == '\t') v++;
    cache_size = strtol(v, &end, 10);
    while (*end == ' ' || *end == '\t') end++;
    if (end == v || *end || cache_size < INT32_MIN || cache_size > INT32_MAX) {
      kc_conv_errf(errstr, errn,
                   "Invalid value %s for configuration schemas.cache.size: Not a number of type INT",
                   kc_config_get(cfg, "schemas.cache.size"));
      return NULL;
    }
  }
  v = cfg ? kc_config_get(cfg, "decimal.format") : NULL;
  if (v) {
    if (!strcasecmp(v, "NUMERIC")) {
      numeric = true;
    } else if (strcasecmp(v, "BASE64")) {
      kc_conv_errf(errstr, errn,
                   "Invalid value %s for configuration decimal.format: String must be one of (case "
                   "insensitive): NUMERIC, BASE64",
                   v);
      return NULL;
    }
  }
  json_conv_t *c = calloc(1, sizeof *c);
  if (!c || !(c->cache = kc_json_schema_cache_new((int)cache_size))) {
    free(c);
    kc_conv_errf(errstr, errn, "out of memory");
    return NULL;
  }
  c->base.ops = &json_ops;
  c->base.kind = KC_CONVERTER_JSON;
  c->base.is_key = is_key;
  c->schemas_enable = schemas;
  c->replace_null = replace;
  c->decimal_numeric = numeric;
  return &c->base;
}
