/*
 * SimpleHeaderConverter's text forms (connect-api Values.parseString and
 * Values.convertToString), checked against Connect 3.9.1.
 *
 * Parsing infers booleans, the narrowest integer type (INT8..INT64), FLOAT32 /
 * FLOAT64 for fractions, Decimal beyond that, ISO dates/times/timestamps,
 * "[...]" arrays and "{...}" maps with a common element schema; anything else
 * is the original string. One deliberate difference: a number, date or
 * literal must be the whole (trimmed) text; Connect looks only at the first
 * token, so "12,5" is INT8 12 there and the string "12,5" here.
 */
#include <stdlib.h>
#include <string.h>

#include "convert/converter_internal.h"

#define MAX_NESTING 200

typedef struct {
  kc_schema_t *schema; /* reference; NULL with value NULL for a null literal */
  kc_value_t *value;
} sv_t;

static void sv_free(sv_t *sv) {
  kc_schema_decref(sv->schema);
  kc_value_destroy(sv->value);
  sv->schema = NULL;
  sv->value = NULL;
}

static bool is_ws(char c) { return (unsigned char)c <= ' '; } /* String.trim() */

static void trim(const char **s, const char **e) {
  while (*s < *e && is_ws(**s)) (*s)++;
  while (*e > *s && is_ws((*e)[-1])) (*e)--;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }

/* ---- temporal literals --------------------------------------------------- */

static int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static bool digits_at(const char *s, const char *pattern) {
  for (; *pattern; s++, pattern++) {
    if (*pattern == 'd' ? !is_digit(*s) : *s != *pattern) return false;
  }
  return true;
}

static int num_at(const char *s, int n) {
  int v = 0;
  while (n--) v = v * 10 + (*s++ - '0');
  return v;
}

/* SimpleDateFormat is lenient: month 13 rolls into the next year, day 45 into the next month. */
static int64_t lenient_days(int y, int m, int d) {
  int64_t yy = y + (m - 1 >= 0 ? (m - 1) / 12 : -((12 - m) / 12));
  int mm = ((m - 1) % 12 + 12) % 12 + 1;
  return days_from_civil(yy, mm, 1) + d - 1;
}

static int64_t time_ms(const char *s) {
  return ((int64_t)num_at(s, 2) * 3600 + num_at(s + 3, 2) * 60 + num_at(s + 6, 2)) * 1000 +
         num_at(s + 9, 3);
}

/* "yyyy-MM-dd", "HH:mm:ss.SSS'Z'" or "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'" (UTC). */
static bool parse_temporal(const char *s, size_t n, sv_t *out) {
  char buf[32];
  size_t k = 0;
  for (size_t i = 0; i < n && k < sizeof buf - 1; i++) { /* escaped colons count as colons */
    if (s[i] == '\\' && i + 1 < n && s[i + 1] == ':') continue;
    buf[k++] = s[i];
  }
  buf[k] = '\0';
  const char *name;
  int64_t v;
  kc_type_t t = KC_TYPE_INT32;
  if (k == 10 && digits_at(buf, "dddd-dd-dd")) {
    name = KC_LOGICAL_DATE;
    v = lenient_days(num_at(buf, 4), num_at(buf + 5, 2), num_at(buf + 8, 2));
  } else if (k == 13 && digits_at(buf, "dd:dd:dd.dddZ")) {
    name = KC_LOGICAL_TIME;
    v = time_ms(buf);
  } else if (k == 24 && digits_at(buf, "dddd-dd-ddTdd:dd:dd.dddZ")) {
    name = KC_LOGICAL_TIMESTAMP;
    t = KC_TYPE_INT64;
    v = lenient_days(num_at(buf, 4), num_at(buf + 5, 2), num_at(buf + 8, 2)) * 86400000 +
        time_ms(buf + 11);
  } else {
    return false;
  }
  out->schema = kc_schema_logical(name);
  out->value = kc_value_new_int(t, v);
  return out->value != NULL;
}

/* ---- numbers (new BigDecimal(token) and its narrowing) ---------------------- */

static bool parse_number(const char *s, size_t n, sv_t *out) {
  const char *p = s, *end = s + n;
  if (p < end && (*p == '+' || *p == '-')) p++;
  const char *ds = p;
  size_t nint = 0, nfrac = 0;
  while (p < end && is_digit(*p)) p++, nint++;
  if (p < end && *p == '.') {
    p++;
    while (p < end && is_digit(*p)) p++, nfrac++;
  }
  if (!nint && !nfrac) return false;
  long exp = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    bool eneg = false;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (p == end || !is_digit(*p)) return false;
    while (p < end && is_digit(*p)) {
      if (exp < 1000000000) exp = exp * 10 + (*p - '0');
      p++;
    }
    if (eneg) exp = -exp;
  }
  if (p != end) return false;
  bool neg = *s == '-';
  long scale = (long)nfrac - exp;
  /* value = digits * 10^-scale; the first `point` digits are the integer part */
  long total = (long)(nint + nfrac), point = total - scale, idx = 0;
  bool integral = true, fits = true;
  uint64_t mag = 0;
  for (const char *q = ds; idx < total; q++) {
    if (*q == '.') continue;
    uint64_t d = (uint64_t)(*q - '0');
    if (idx >= point) {
      if (d) integral = false;
    } else if (fits) {
      if (mag > (UINT64_MAX - d) / 10) fits = false;
      else mag = mag * 10 + d;
    }
    idx++;
  }
  for (long i = total; i < point && fits && mag; i++) { /* zeros from a positive exponent */
    if (mag > UINT64_MAX / 10) fits = false;
    else mag *= 10;
  }
  if (integral && fits && mag <= (uint64_t)INT64_MAX + neg) {
    int64_t v = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    kc_type_t t = v >= -128 && v <= 127         ? KC_TYPE_INT8
                  : v >= -32768 && v <= 32767   ? KC_TYPE_INT16
                  : v >= INT32_MIN && v <= INT32_MAX ? KC_TYPE_INT32
                                                     : KC_TYPE_INT64;
    out->schema = kc_schema_static(t, false);
    out->value = kc_value_new_int(t, v);
    return out->value != NULL;
  }
  char tmp[128];
  if (n < sizeof tmp && scale != 0) {
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    float f = strtof(tmp, NULL);
    if (f == f && f - f == 0) { /* finite */
      out->schema = kc_schema_static(KC_TYPE_FLOAT32, false);
      out->value = kc_value_new_float(KC_TYPE_FLOAT32, f);
      return out->value != NULL;
    }
    double d = strtod(tmp, NULL);
    if (d - d == 0) {
      out->schema = kc_schema_static(KC_TYPE_FLOAT64, false);
      out->value = kc_value_new_float(KC_TYPE_FLOAT64, d);
      return out->value != NULL;
    }
  }
  if (scale < INT32_MIN || scale > INT32_MAX) return false;
  unsigned char *bytes;
  size_t blen;
  if (kc_decimal_parse(s, n, (int32_t)scale, &bytes, &blen)) return false;
  out->schema = kc_schema_decimal((int32_t)scale);
  out->value = kc_value_new_bytes(bytes, blen);
  free(bytes);
  return out->schema && out->value;
}

/* ---- embedded values: arrays and maps ------------------------------------- */

typedef struct {
  const char *p, *end;
  int depth;
} vp_t;

static bool is_delim(char c) {
  return c == ':' || c == ',' || c == '{' || c == '}' || c == '[' || c == ']' || c == '"';
}

static void vp_ws(vp_t *v) {
  while (v->p < v->end && is_ws(*v->p)) v->p++;
}

/* A run of non-delimiters; a backslash escapes the next character (Values.Parser). */
static const char *token_end(const char *p, const char *end) {
  bool esc = false;
  for (; p < end; p++) {
    if (*p == '\\') esc = !esc;
    else if (is_delim(*p) && !esc) break;
    else esc = false;
  }
  return p;
}

static int parse_embedded(vp_t *v, sv_t *out);

/* commonSchemaFor: same types merge, numbers widen, anything else has no
 * common schema, for good (*conflict). */
static kc_schema_t *common_schema(kc_schema_t *prev, const sv_t *latest, bool *conflict) {
  if (!latest->value || *conflict) return prev;
  if (!prev) return kc_schema_incref(latest->schema);
  kc_type_t a = prev->type, b = latest->schema->type;
  if (a == b) {
    kc_schema_decref(prev);
    return kc_schema_incref(latest->schema);
  }
  static const kc_type_t order[] = {KC_TYPE_INT8, KC_TYPE_INT16, KC_TYPE_INT32, KC_TYPE_INT64,
                                    KC_TYPE_FLOAT32, KC_TYPE_FLOAT64};
  int ra = -1, rb = -1;
  for (int i = 0; i < 6; i++) {
    if (order[i] == a) ra = i;
    if (order[i] == b) rb = i;
  }
  if (ra >= 0 && rb >= 0) {
    if (ra > rb) return prev;
    kc_schema_decref(prev);
    return kc_schema_incref(latest->schema);
  }
  kc_schema_decref(prev);
  *conflict = true;
  return NULL;
}

static bool is_named(const kc_schema_t *s, const char *name) {
  return s && s->name && !strcmp(s->name, name);
}

static bool is_temporal(const kc_schema_t *s) {
  return is_named(s, KC_LOGICAL_DATE) || is_named(s, KC_LOGICAL_TIME) ||
         is_named(s, KC_LOGICAL_TIMESTAMP);
}

static int64_t temporal_ms(const sv_t *sv) {
  return is_named(sv->schema, KC_LOGICAL_DATE) ? sv->value->u.i * 86400000 : sv->value->u.i;
}

/* Values.convertTo for the element alignment of arrays and maps; NULL when Connect throws. */
static kc_value_t *align(const kc_schema_t *to, const sv_t *sv) {
  const kc_value_t *v = sv->value;
  if (!v) return NULL; /* parsed schemas are never optional */
  bool from_int = v->type <= KC_TYPE_INT64 && !is_temporal(sv->schema);
  bool from_float = v->type == KC_TYPE_FLOAT32 || v->type == KC_TYPE_FLOAT64;
  if (is_temporal(to)) {
    int64_t ms;
    if (is_temporal(sv->schema)) ms = temporal_ms(sv);
    else if (from_int) ms = is_named(to, KC_LOGICAL_DATE) ? v->u.i * 86400000 : v->u.i;
    else return NULL;
    if (is_named(to, KC_LOGICAL_DATE)) return kc_value_new_int(KC_TYPE_INT32, ms / 86400000);
    if (is_named(to, KC_LOGICAL_TIME)) {
      if (!is_temporal(sv->schema) && (ms < 0 || ms > 86400000)) return NULL;
      return kc_value_new_int(KC_TYPE_INT32, ms);
    }
    return kc_value_new_int(KC_TYPE_INT64, ms);
  }
  if (to->name) /* Decimal and other logical targets: only the identical kind */
    return kc_schema_equal(to, sv->schema) ? kc_value_copy(v) : NULL;
  if (is_temporal(sv->schema) || sv->schema->name) return NULL;
  switch (to->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64:
      if (from_int) return kc_value_new_int(to->type, v->u.i);
      if (from_float) {
        double d = v->u.f;
        int64_t l = d != d ? 0 : d >= 9.2233720368547758e18 ? INT64_MAX
                               : d <= -9.2233720368547758e18 ? INT64_MIN : (int64_t)d;
        return kc_value_new_int(to->type, l);
      }
      return NULL;
    case KC_TYPE_FLOAT32:
    case KC_TYPE_FLOAT64:
      if (from_int) return kc_value_new_float(to->type, (double)v->u.i);
      if (from_float) return kc_value_new_float(to->type, v->u.f);
      return NULL;
    case KC_TYPE_STRING: {
      if (v->type == KC_TYPE_STRING) return kc_value_copy(v);
      kc_buf_t b;
      kc_buf_init(&b, 0);
      kc_value_t *s = kc_values_convert_to_string(sv->schema, v, &b)
                          ? NULL
                          : kc_value_new_string(b.data ? b.data : "", b.len);
      kc_buf_free(&b);
      return s;
    }
    case KC_TYPE_BOOLEAN:
      if (v->type == KC_TYPE_BOOLEAN) return kc_value_copy(v);
      if (from_int) return kc_value_new_bool(v->u.i != 0);
      if (from_float) return kc_value_new_bool((int64_t)v->u.f != 0);
      return NULL;
    default: return v->type == to->type ? kc_value_copy(v) : NULL;
  }
}

static int parse_array(vp_t *v, sv_t *out) {
  sv_t *els = NULL;
  size_t n = 0, cap = 0;
  kc_schema_t *common = NULL;
  bool conflict = false;
  int rc = -1;
  v->p++;
  for (;;) {
    vp_ws(v);
    if (v->p == v->end || *v->p == ',') goto done; /* unterminated, or an empty element */
    if (*v->p == ']') {
      v->p++;
      break;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      sv_t *p = realloc(els, cap * sizeof *p);
      if (!p) goto done;
      els = p;
    }
    memset(&els[n], 0, sizeof els[n]);
    if (parse_embedded(v, &els[n])) goto done;
    common = common_schema(common, &els[n++], &conflict);
    vp_ws(v);
    if (v->p < v->end && *v->p == ']') continue;
    if (v->p == v->end || *v->p != ',') goto done;
    v->p++;
  }
  kc_schema_t *s = kc_schema_new(KC_TYPE_ARRAY);
  kc_value_t *a = kc_value_new_array();
  if (!s || !a) {
    kc_schema_decref(s);
    kc_value_destroy(a);
    goto done;
  }
  s->value_schema = common;
  common = NULL;
  out->schema = s;
  out->value = a;
  for (size_t i = 0; i < n; i++) {
    kc_value_t *e = els[i].value;
    if (s->value_schema) {
      if (!(e = align(s->value_schema, &els[i]))) goto fail_out;
    } else {
      els[i].value = NULL; /* moved */
    }
    if (kc_value_array_append(a, e)) goto fail_out;
  }
  rc = 0;
  goto done;
fail_out:
  sv_free(out);
done:
  for (size_t i = 0; i < n; i++) sv_free(&els[i]);
  free(els);
  kc_schema_decref(common);
  return rc;
}

static int parse_map(vp_t *v, sv_t *out) {
  sv_t *ks = NULL, *vs = NULL;
  size_t n = 0, cap = 0;
  kc_schema_t *kcommon = NULL, *vcommon = NULL;
  bool kconflict = false, vconflict = false;
  int rc = -1;
  v->p++;
  for (;;) {
    vp_ws(v);
    if (v->p == v->end || *v->p == ',') goto done;
    if (*v->p == '}') {
      v->p++;
      break;
    }
    sv_t key = {0}, val = {0};
    if (parse_embedded(v, &key)) goto done;
    vp_ws(v);
    if (!key.value || v->p == v->end || *v->p != ':') {
      sv_free(&key);
      goto done;
    }
    v->p++;
    if (parse_embedded(v, &val)) {
      sv_free(&key);
      goto done;
    }
    kcommon = common_schema(kcommon, &key, &kconflict);
    vcommon = common_schema(vcommon, &val, &vconflict);
    size_t i = 0;
    while (i < n && !kc_value_equal(ks[i].value, key.value)) i++;
    if (i < n) { /* LinkedHashMap.put: the first position keeps the latest value */
      sv_free(&key);
      sv_free(&vs[i]);
      vs[i] = val;
    } else {
      if (n == cap) {
        cap = cap ? cap * 2 : 8;
        sv_t *a = realloc(ks, cap * sizeof *a), *b = a ? realloc(vs, cap * sizeof *b) : NULL;
        if (a) ks = a;
        if (b) vs = b;
        if (!a || !b) {
          sv_free(&key);
          sv_free(&val);
          goto done;
        }
      }
      ks[n] = key;
      vs[n++] = val;
    }
    vp_ws(v);
    if (v->p < v->end && *v->p == ',') v->p++; /* Connect does not insist on the comma */
  }
  kc_schema_t *s = kc_schema_new(KC_TYPE_MAP);
  kc_value_t *m = kc_value_new_map();
  if (!s || !m) {
    kc_schema_decref(s);
    kc_value_destroy(m);
    goto done;
  }
  s->key_schema = kcommon;
  s->value_schema = kcommon ? vcommon : NULL;
  if (!kcommon) kc_schema_decref(vcommon);
  kcommon = vcommon = NULL;
  out->schema = s;
  out->value = m;
  for (size_t i = 0; i < n; i++) {
    kc_value_t *k = ks[i].value, *e = vs[i].value;
    if (s->key_schema) {
      if (!(k = align(s->key_schema, &ks[i]))) goto fail_out;
    } else {
      ks[i].value = NULL;
    }
    if (s->value_schema) {
      if (!(e = align(s->value_schema, &vs[i]))) {
        kc_value_destroy(k);
        goto fail_out;
      }
    } else {
      vs[i].value = NULL;
    }
    if (kc_value_map_put(m, k, e)) goto fail_out;
  }
  rc = 0;
  goto done;
fail_out:
  sv_free(out);
done:
  for (size_t i = 0; i < n; i++) {
    sv_free(&ks[i]);
    sv_free(&vs[i]);
  }
  free(ks);
  free(vs);
  kc_schema_decref(kcommon);
  kc_schema_decref(vcommon);
  return rc;
}

static bool literal(const char *s, const char *e, const char *lit) {
  size_t n = strlen(lit);
  return (size_t)(e - s) == n && !memcmp(s, lit, n);
}

/* Values.parse(parser, embedded=true): a literal, quoted string, array, map, date or number. */
static int parse_embedded(vp_t *v, sv_t *out) {
  out->schema = NULL;
  out->value = NULL;
  vp_ws(v);
  if (v->p == v->end) return 0; /* nothing left: null */
  char c = *v->p;
  if (c == '"') {
    const char *cs = ++v->p;
    bool esc = false;
    while (v->p < v->end && (*v->p != '"' || esc)) {
      esc = *v->p == '\\' ? !esc : false;
      v->p++;
    }
    const char *ce = v->p;
    if (v->p < v->end) v->p++;
    const char *ts = cs, *te = ce;
    trim(&ts, &te);
    if (te > ts && is_digit(*ts) && parse_temporal(ts, (size_t)(te - ts), out)) return 0;
    out->schema = &kc_schema_string;
    return (out->value = kc_value_new_string(cs, (size_t)(ce - cs))) ? 0 : -1;
  }
  if (c == '[' || c == '{') {
    if (v->depth >= MAX_NESTING) return -1;
    v->depth++;
    int rc = c == '[' ? parse_array(v, out) : parse_map(v, out);
    v->depth--;
    return rc;
  }
  if (is_delim(c)) return -1; /* "Failed to parse embedded value" */
  const char *ts = v->p, *te = token_end(v->p, v->end);
  const char *after = te;
  trim(&ts, &te);
  if (literal(ts, te, "null")) {
    v->p = after;
    return 0;
  }
  if (literal(ts, te, "true") || literal(ts, te, "false")) {
    v->p = after;
    out->schema = kc_schema_static(KC_TYPE_BOOLEAN, false);
    return (out->value = kc_value_new_bool(*ts == 't')) ? 0 : -1;
  }
  if (is_digit(*ts)) {
    /* times contain ':' delimiters: try the token with the next four tokens */
    const char *q = after;
    int k = 0;
    for (; k < 4 && q < v->end; k++) q = is_delim(*q) ? q + 1 : token_end(q, v->end);
    if (k == 4 && parse_temporal(ts, (size_t)(q - ts), out)) {
      v->p = q;
      return 0;
    }
    if (parse_temporal(ts, (size_t)(te - ts), out)) {
      v->p = after;
      return 0;
    }
  }
  if ((is_digit(*ts) || *ts == '+' || *ts == '-') && parse_number(ts, (size_t)(te - ts), out)) {
    v->p = after;
    return 0;
  }
  sv_free(out);
  return -1;
}

int kc_values_parse_string(const char *s, size_t len, kc_schema_t **schema, kc_value_t **value,
                           char *errstr, size_t errstr_size) {
  sv_t out = {0};
  const char *end = s + len, *ts = s, *te = end;
  trim(&ts, &te);
  *schema = NULL;
  *value = NULL;
  /* ValueParser.parse(false) reads the first token (up to a delimiter : , [ ] { } ") and, if that
   * is a temporal or a number, returns it and ignores the rest: "12:30:45.123" is the
   * int8 12 and "3888:Listener" the int16 3888, in 3.9 and 4.x alike. */
  const char *t0 = ts < end && is_delim(*ts) ? ts + 1 : token_end(ts, end), *a = ts, *b = t0;
  trim(&a, &b);
  /* canParseSingleTokenLiteral: a literal only when nothing follows it ("true}" is a string) */
  if (literal(ts, te, "null")) return 0;
  if (len && (literal(ts, te, "true") || literal(ts, te, "false"))) {
    *schema = kc_schema_static(KC_TYPE_BOOLEAN, false);
    *value = kc_value_new_bool(*ts == 't');
    goto check;
  }
  if (te > ts && (*ts == '[' || *ts == '{')) {
    /* Connect returns the array/map as soon as it closes, ignoring what follows */
    vp_t v = {ts, end, 0};
    if (!(*ts == '[' ? parse_array(&v, &out) : parse_map(&v, &out))) {
      *schema = out.schema;
      *value = out.value;
      return 0;
    }
  } else if (b > a && is_digit(*a)) {
    /* parseMultipleTokensAsTemporal: the token with the next four (a time holds ':'), then alone */
    const char *q = t0;
    int k = 0;
    for (; k < 4 && q < end; k++) q = is_delim(*q) ? q + 1 : token_end(q, end);
    const char *qe = q;
    trim(&a, &qe);
    if ((k == 4 && parse_temporal(a, (size_t)(qe - a), &out)) || parse_temporal(a, (size_t)(b - a), &out)) {
      *schema = out.schema;
      *value = out.value;
      return 0;
    }
  }
  if (b > a && (is_digit(*a) || *a == '+' || *a == '-') && parse_number(a, (size_t)(b - a), &out)) {
    *schema = out.schema;
    *value = out.value;
    return 0;
  }
  *schema = &kc_schema_string;
  *value = kc_value_new_string(s, len);
check:
  if (*value) return 0;
  *schema = NULL;
  return kc_conv_errf(errstr, errstr_size, "out of memory");
}

/* ---- Values.convertToString ---------------------------------------------- */

#define TRY(expr)        \
  do {                   \
    int rc_ = (expr);    \
    if (rc_) return rc_; \
  } while (0)

/* Values.dateFormatFor: the pattern depends on the instant, not on the schema. */
int kc_values_date_format(int64_t ms, kc_buf_t *out) {
  int64_t days = ms / 86400000, rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    days--;
  }
  int h = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), se = (int)(rem / 1000 % 60),
      mil = (int)(rem % 1000);
  if (ms < 86400000) return kc_buf_printf(out, "%02d:%02d:%02d.%03dZ", h, mi, se, mil);
  /* civil date of `days` */
  int64_t z = days + 719468, era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
  int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
  long long y = (long long)(yoe + era * 400 + (m <= 2));
  if (ms % 86400000 == 0) return kc_buf_printf(out, "%04lld-%02d-%02d", y, m, d);
  return kc_buf_printf(out, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, h, mi, se, mil);
}

static int append_value(const kc_schema_t *s, const kc_value_t *v, bool embedded, kc_buf_t *out) {
  char num[40];
  if (!v) return kc_buf_append(out, "null", 4);
  if (s && s->name) {
    if (v->type == KC_TYPE_INT32 && is_named(s, KC_LOGICAL_DATE))
      return kc_values_date_format(v->u.i * 86400000, out);
    if ((v->type == KC_TYPE_INT32 && is_named(s, KC_LOGICAL_TIME)) ||
        (v->type == KC_TYPE_INT64 && is_named(s, KC_LOGICAL_TIMESTAMP)))
      return kc_values_date_format(v->u.i, out);
    int32_t scale;
    if (v->type == KC_TYPE_BYTES && is_named(s, KC_LOGICAL_DECIMAL) && v->u.str.len &&
        !kc_schema_decimal_scale(s, &scale, NULL, 0))
      return kc_decimal_format((const unsigned char *)v->u.str.ptr, v->u.str.len, scale, false, out);
  }
  switch (v->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64: return kc_buf_append_int(out, v->u.i);
    case KC_TYPE_FLOAT32: return kc_buf_append(out, num, kc_java_format_float((float)v->u.f, num));
    case KC_TYPE_FLOAT64: return kc_buf_append(out, num, kc_java_format_double(v->u.f, num));
    case KC_TYPE_BOOLEAN: return kc_buf_puts(out, v->u.b ? "true" : "false");
    case KC_TYPE_STRING:
      if (!embedded) return kc_buf_append(out, v->u.str.ptr, v->u.str.len);
      /* Values.escape: backslashes doubled, quotes backslashed */
      TRY(kc_buf_append(out, "\"", 1));
      for (size_t i = 0, run = 0; i <= v->u.str.len; i++) {
        char ch = i < v->u.str.len ? v->u.str.ptr[i] : 0;
        if (i < v->u.str.len && ch != '\\' && ch != '"') continue;
        TRY(kc_buf_append(out, v->u.str.ptr + run, i - run));
        if (i < v->u.str.len) TRY(kc_buf_append(out, ch == '"' ? "\\\"" : "\\\\", 2));
        run = i + 1;
      }
      return kc_buf_append(out, "\"", 1);
    case KC_TYPE_BYTES:
      if (embedded) TRY(kc_buf_append(out, "\"", 1));
      TRY(kc_base64_encode(out, v->u.str.ptr, v->u.str.len));
      return embedded ? kc_buf_append(out, "\"", 1) : 0;
    case KC_TYPE_ARRAY: {
      const kc_schema_t *es = s && s->type == KC_TYPE_ARRAY ? s->value_schema : NULL;
      TRY(kc_buf_append(out, "[", 1));
      for (size_t i = 0; i < v->u.arr.n; i++) {
        if (i) TRY(kc_buf_append(out, ",", 1));
        TRY(append_value(es, v->u.arr.items[i], true, out));
      }
      return kc_buf_append(out, "]", 1);
    }
    case KC_TYPE_MAP: {
      bool ok = s && s->type == KC_TYPE_MAP;
      TRY(kc_buf_append(out, "{", 1));
      for (size_t i = 0; i < v->u.map.n; i++) {
        if (i) TRY(kc_buf_append(out, ",", 1));
        TRY(append_value(ok ? s->key_schema : NULL, v->u.map.keys[i], true, out));
        TRY(kc_buf_append(out, ":", 1));
        TRY(append_value(ok ? s->value_schema : NULL, v->u.map.vals[i], true, out));
      }
      return kc_buf_append(out, "}", 1);
    }
    case KC_TYPE_STRUCT: {
      const kc_schema_t *ss = v->u.st.schema;
      TRY(kc_buf_append(out, "{", 1));
      for (size_t i = 0; i < ss->nfields; i++) {
        kc_value_t name = {.type = KC_TYPE_STRING};
        name.u.str.ptr = ss->fields[i].name;
        name.u.str.len = strlen(ss->fields[i].name);
        if (i) TRY(kc_buf_append(out, ",", 1));
        TRY(append_value(NULL, &name, true, out));
        TRY(kc_buf_append(out, ":", 1));
        TRY(append_value(ss->fields[i].schema, kc_value_struct_get(v, ss->fields[i].name), true, out));
      }
      return kc_buf_append(out, "}", 1);
    }
  }
  return KC_EINVAL;
}

int kc_values_convert_to_string(const kc_schema_t *schema, const kc_value_t *v, kc_buf_t *out) {
  return append_value(schema, v, false, out);
}
