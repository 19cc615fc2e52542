/*
 * Java's text renderings of Connect values: Double/Float.toString,
 * String.valueOf of List/Map/Struct, BigDecimal.toString, java.util.Date.
 * FileStreamSink, StringConverter and the JSON encoder all have to print
 * exactly what a Java worker prints, so the rules here follow the JDK's.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/value_internal.h"
#include "convert/converter.h"
#include "kconnect/connector.h"

/* ---- Double.toString / Float.toString ---------------------------------- */

/*
 * Java (JDK 19+, Double.toString's current spec) prints the shortest decimal
 * that rounds back to the same binary value, the closest such one when there
 * are several. C has no shortest mode, but correct rounding ("%.*e") plus a
 * round-trip test gets there cheaply:
 *  - for normal numbers at most one decimal of DBL_DIG (15) / FLT_DIG (6)
 *    digits lies in the rounding interval, so if one is found at that length,
 *    stripping its trailing zeros gives the shortest; otherwise 16 then 17
 *    (float: 7, 8, 9) digits are tried;
 *  - the correctly rounded candidate can miss the interval when it is
 *    lopsided (powers of two), so the neighbour on the other side is tried too;
 *  - subnormals have fewer bits, so their search starts at one digit, and a
 *    one-digit result is replaced by the closest two-digit one (4.9E-324).
 * JDK 17 and older used a different algorithm that sometimes printed one more
 * digit (9.999999999999999E22 for 1e23); we follow the current spec.
 */
static bool round_trips(double v, bool is_float, const char *s) {
  return is_float ? strtof(s, NULL) == (float)v : strtod(s, NULL) == v;
}

static bool candidate_ok(double v, bool is_float, uint64_t d, int p, int e) {
  char s[48];
  snprintf(s, sizeof s, "%llue%d", (unsigned long long)d, e - p + 1);
  return round_trips(v, is_float, s);
}

/* The p-digit decimal d * 10^(e-p+1) in the rounding interval of v, closest first. */
static bool try_precision(double v, bool is_float, int p, uint64_t *dout, int *eout) {
  char tmp[48];
  snprintf(tmp, sizeof tmp, "%.*e", p - 1, v);
  uint64_t d = 0, lo = 1;
  const char *s = tmp;
  for (; *s && *s != 'e'; s++)
    if (*s >= '0' && *s <= '9') d = d * 10 + (uint64_t)(*s - '0');
  int e = atoi(s + 1);
  for (int i = 1; i < p; i++) lo *= 10;
  if (round_trips(v, is_float, tmp)) {
    *dout = d;
    *eout = e;
    return true;
  }
  uint64_t up = d + 1, dn = d - 1;
  int eu = e, ed = e;
  if (up == lo * 10) {
    up = lo;
    eu++;
  }
  if (dn < lo) {
    dn = lo * 10 - 1;
    ed--;
  }
  if (candidate_ok(v, is_float, up, p, eu)) {
    *dout = up;
    *eout = eu;
    return true;
  }
  if (candidate_ok(v, is_float, dn, p, ed)) {
    *dout = dn;
    *eout = ed;
    return true;
  }
  return false;
}

static const double pow10_table[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/*
 * Fast path for doubles that are short decimals (0.75, 12.5, 100.0): if
 * I = v * 10^k is an integer below 10^15 and I / 10^k (exact operands, one
 * correctly rounded division) gives v back, the decimal I * 10^-k rounds to v,
 * and since at most one decimal of <= 15 digits does, it is the answer.
 */
static bool short_decimal(double v, uint64_t *d, int *p, int *e) {
  for (int k = 0; k <= 22; k++) {
    double i = v * pow10_table[k];
    if (i >= 1e15) return false;
    if (i != (double)(uint64_t)i || i / pow10_table[k] != v) continue;
    uint64_t n = (uint64_t)i;
    int nd = 1;
    for (uint64_t t = n; t >= 10; t /= 10) nd++;
    *d = n;
    *p = nd;
    *e = nd - 1 - k;
    return n != 0;
  }
  return false;
}

static int shortest_digits(double v, bool is_float, char *digits, int *exp10) {
  bool subnormal = is_float ? v < 0x1p-126 : v < 0x1p-1022;
  int p = subnormal ? 1 : is_float ? 6 : 15, hi = is_float ? 9 : 17;
  uint64_t d = 0;
  int e = 0;
  if (!is_float && !subnormal && short_decimal(v, &d, &p, &e)) {
    int n = snprintf(digits, 24, "%llu", (unsigned long long)d);
    while (n > 1 && digits[n - 1] == '0') n--;
    digits[n] = '\0';
    *exp10 = e;
    return n;
  }
  for (; p < hi; p++)
    if (try_precision(v, is_float, p, &d, &e)) break;
  if (p == hi) try_precision(v, is_float, p, &d, &e); /* always round-trips */
  if (p == 1) try_precision(v, is_float, 2, &d, &e);  /* lengths 1 and 2 compete */
  int n = snprintf(digits, 24, "%llu", (unsigned long long)d);
  while (n > 1 && digits[n - 1] == '0') n--;
  digits[n] = '\0';
  *exp10 = e;
  return n;
}

static size_t format_java_fp(double v, bool is_float, char *buf) {
  if (isnan(v)) return (size_t)sprintf(buf, "NaN");
  if (isinf(v)) return (size_t)sprintf(buf, v < 0 ? "-Infinity" : "Infinity");
  char *o = buf;
  if (signbit(v)) {
    *o++ = '-';
    v = -v;
  }
  if (v == 0) {
    memcpy(o, "0.0", 4);
    return (size_t)(o + 3 - buf);
  }
  char d[24];
  int e, n = shortest_digits(v, is_float, d, &e);
  if (e >= -3 && e < 7) {
    /* Plain notation between 10^-3 and 10^7, always with a fraction digit. */
    if (e < 0) {
      *o++ = '0';
      *o++ = '.';
      for (int i = -1; i > e; i--) *o++ = '0';
      memcpy(o, d, (size_t)n);
      o += n;
    } else {
      for (int i = 0; i <= e; i++) *o++ = i < n ? d[i] : '0';
      *o++ = '.';
      if (n > e + 1) {
        memcpy(o, d + e + 1, (size_t)(n - e - 1));
        o += n - e - 1;
      } else {
        *o++ = '0';
      }
    }
  } else {
    /* Computerized scientific notation: d.dddE[-]n */
    *o++ = d[0];
    *o++ = '.';
    if (n > 1) {
      memcpy(o, d + 1, (size_t)(n - 1));
      o += n - 1;
    } else {
      *o++ = '0';
    }
    o += sprintf(o, "E%d", e);
  }
  *o = '\0';
  return (size_t)(o - buf);
}

size_t kc_java_format_double(double v, char *buf) { return format_java_fp(v, false, buf); }
size_t kc_java_format_float(float v, char *buf) { return format_java_fp((double)v, true, buf); }

/* ---- Big integers: two's complement bytes <-> decimal text ------------- */

/* Magnitude of a big-endian two's-complement number as base-2^32 words,
 * most significant first. @returns the word count (0 for zero) or -1 on ENOMEM. */
static long to_magnitude(const unsigned char *b, size_t len, bool *neg, uint32_t **words) {
  *neg = len && (b[0] & 0x80);
  size_t nw = (len + 3) / 4;
  uint32_t *w = calloc(nw ? nw : 1, sizeof *w);
  if (!w) return -1;
  for (size_t i = 0; i < len; i++) {
    size_t bit = (len - 1 - i) * 8; /* position of this byte from the least significant end */
    uint32_t byte = *neg ? (uint32_t)(uint8_t)~b[i] : b[i];
    w[nw - 1 - bit / 32] |= byte << (bit % 32);
  }
  if (*neg) { /* ~x + 1 */
    for (size_t i = nw; i-- > 0;)
      if (++w[i] != 0) break;
  }
  size_t skip = 0;
  while (skip < nw && !w[skip]) skip++;
  memmove(w, w + skip, (nw - skip) * sizeof *w);
  *words = w;
  return (long)(nw - skip);
}

/* Decimal digits of the magnitude, into a new NUL-terminated string. */
static char *magnitude_to_dec(uint32_t *w, size_t nw) {
  size_t cap = nw * 10 + 2, n = 0;
  char *rev = malloc(cap);
  if (!rev) return NULL;
  size_t start = 0;
  while (start < nw) {
    uint64_t rem = 0;
    for (size_t i = start; i < nw; i++) {
      uint64_t cur = (rem << 32) | w[i];
      w[i] = (uint32_t)(cur / 1000000000u);
      rem = cur % 1000000000u;
    }
    while (start < nw && !w[start]) start++;
    for (int k = 0; k < 9; k++) {
      rev[n++] = (char)('0' + rem % 10);
      rem /= 10;
      if (start == nw && !rem) break;
    }
  }
  if (!n) rev[n++] = '0';
  for (size_t i = 0; i < n / 2; i++) {
    char t = rev[i];
    rev[i] = rev[n - 1 - i];
    rev[n - 1 - i] = t;
  }
  rev[n] = '\0';
  return rev;
}

int kc_decimal_format(const unsigned char *unscaled, size_t len, int32_t scale, bool plain,
                      kc_buf_t *out) {
  bool neg;
  uint32_t *w;
  long nw = to_magnitude(unscaled, len, &neg, &w);
  if (nw < 0) return KC_ENOMEM;
  char *c = magnitude_to_dec(w, (size_t)nw);
  free(w);
  if (!c) return KC_ENOMEM;
  long n = (long)strlen(c);
  bool zero = c[0] == '0';
  long adjusted = -(long)scale + (n - 1);
  kc_buf_t *b = out;
  size_t start = b->len;
  int rc = neg ? kc_buf_append(b, "-", 1) : 0;
  if (rc) {
  } else if (plain || (scale >= 0 && adjusted >= -6)) {
    if (scale <= 0) {
      rc = kc_buf_append(b, c, (size_t)n);
      /* toPlainString pads with zeros; toString never gets here with scale < 0 */
      for (long i = 0; !rc && !zero && i < -(long)scale; i++) rc = kc_buf_append(b, "0", 1);
    } else if (n > scale) {
      rc = kc_buf_printf(b, "%.*s.%s", (int)(n - scale), c, c + n - scale);
    } else {
      rc = kc_buf_append(b, "0.", 2);
      for (long i = n; !rc && i < scale; i++) rc = kc_buf_append(b, "0", 1);
      if (!rc) rc = kc_buf_append(b, c, (size_t)n);
    }
  } else {
    rc = kc_buf_printf(b, "%c%s%s", c[0], n > 1 ? "." : "", c + 1);
    if (!rc) rc = kc_buf_printf(b, "E%s%ld", adjusted >= 0 ? "+" : "", adjusted);
  }
  free(c);
  if (rc) {
    b->len = start;
    if (b->data) b->data[start] = '\0';
  }
  return rc;
}

/* Multiplies the little-endian base-2^32 number w[0..*nw) by @p mul and adds @p add. */
static int mul_add(uint32_t **w, size_t *nw, size_t *cap, uint32_t mul, uint32_t add) {
  uint64_t carry = add;
  for (size_t i = 0; i < *nw; i++) {
    uint64_t cur = (uint64_t)(*w)[i] * mul + carry;
    (*w)[i] = (uint32_t)cur;
    carry = cur >> 32;
  }
  if (carry) {
    if (*nw == *cap) {
      size_t nc = *cap ? *cap * 2 : 4;
      uint32_t *p = realloc(*w, nc * sizeof *p);
      if (!p) return KC_ENOMEM;
      *w = p;
      *cap = nc;
    }
    (*w)[(*nw)++] = (uint32_t)carry;
  }
  return 0;
}

int kc_decimal_parse(const char *text, size_t len, int32_t scale, unsigned char **out,
                     size_t *out_len) {
  const char *p = text, *end = text + len;
  bool neg = false;
  if (p < end && (*p == '-' || *p == '+')) neg = *p++ == '-';
  const char *int_s = p;
  while (p < end && *p >= '0' && *p <= '9') p++;
  const char *int_e = p, *frac_s = p, *frac_e = p;
  if (p < end && *p == '.') {
    frac_s = ++p;
    while (p < end && *p >= '0' && *p <= '9') p++;
    frac_e = p;
  }
  if (int_e == int_s && frac_e == frac_s) return KC_EINVAL;
  long exp = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    bool eneg = false;
    if (p < end && (*p == '-' || *p == '+')) eneg = *p++ == '-';
    if (p == end) return KC_EINVAL;
    while (p < end && *p >= '0' && *p <= '9') {
      if (exp < 100000000) exp = exp * 10 + (*p - '0');
      p++;
    }
    if (eneg) exp = -exp;
  }
  if (p != end) return KC_EINVAL;
  /* value = digits * 10^-(nfrac - exp); rescaling to @p scale multiplies by 10^shift */
  long shift = (long)scale - ((long)(frac_e - frac_s) - exp);
  uint32_t *w = NULL;
  size_t nw = 0, cap = 0;
  long ndigits = (long)(int_e - int_s) + (long)(frac_e - frac_s);
  /* Dropping digits is only exact when they are zeros. */
  long keep = shift < 0 ? ndigits + shift : ndigits;
  if (shift > 100000) return KC_EINVAL;
  for (long i = 0; i < ndigits; i++) {
    char ch = i < int_e - int_s ? int_s[i] : frac_s[i - (int_e - int_s)];
    if (i >= keep) {
      if (ch != '0') {
        free(w);
        return KC_EINVAL;
      }
      continue;
    }
    if (mul_add(&w, &nw, &cap, 10, (uint32_t)(ch - '0'))) goto nomem;
  }
  for (long i = 0; i < shift; i++)
    if (mul_add(&w, &nw, &cap, 10, 0)) goto nomem;
  /* Minimal two's complement, big-endian (BigInteger.toByteArray). */
  size_t nb = nw * 4 + 1;
  unsigned char *b = malloc(nb + 1);
  if (!b) goto nomem;
  for (size_t i = 0; i < nb; i++) {
    size_t wi = i / 4;
    b[nb - 1 - i] = wi < nw ? (unsigned char)(w[wi] >> (8 * (i % 4))) : 0;
  }
  free(w);
  if (neg) {
    for (size_t i = 0; i < nb; i++) b[i] = (unsigned char)~b[i];
    for (size_t i = nb; i-- > 0;)
      if (++b[i] != 0) break;
  }
  size_t skip = 0;
  while (skip + 1 < nb && ((b[skip] == 0 && !(b[skip + 1] & 0x80)) ||
                           (b[skip] == 0xff && (b[skip + 1] & 0x80))))
    skip++;
  memmove(b, b + skip, nb - skip);
  b[nb - skip] = 0;
  *out = b;
  *out_len = nb - skip;
  return 0;
nomem:
  free(w);
  return KC_ENOMEM;
}

/* ---- java.util.Date.toString ------------------------------------------- */

/* Days since 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* "EEE MMM dd HH:mm:ss zzz yyyy" in UTC, the zone a Connect worker container runs in. */
static int format_java_date(int64_t ms, kc_buf_t *out) {
  static const char *const dow[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int64_t days = ms / 86400000, rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    days--;
  }
  int64_t y;
  int m, d;
  civil_from_days(days, &y, &m, &d);
  int wd = (int)(((days % 7) + 7 + 4) % 7);
  int secs = (int)(rem / 1000);
  return kc_buf_printf(out, "%s %s %02d %02d:%02d:%02d UTC %lld", dow[wd], mon[m - 1], d,
                       secs / 3600, secs / 60 % 60, secs % 60, (long long)y);
}

/* ---- String.valueOf ------------------------------------------------------ */

static bool named(const kc_schema_t *s, const char *name) {
  return s && s->name && !strcmp(s->name, name);
}

#define TRY(expr)            \
  do {                       \
    int rc_ = (expr);        \
    if (rc_) return rc_;     \
  } while (0)

int kc_value_to_java_string_schema(const kc_schema_t *schema, const kc_value_t *v, kc_buf_t *out) {
  char num[40];
  if (!v) return kc_buf_append(out, "null", 4);
  switch (v->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64:
      if (named(schema, KC_LOGICAL_DATE) && v->type == KC_TYPE_INT32)
        return format_java_date(v->u.i * 86400000, out);
      if ((named(schema, KC_LOGICAL_TIME) && v->type == KC_TYPE_INT32) ||
          (named(schema, KC_LOGICAL_TIMESTAMP) && v->type == KC_TYPE_INT64))
        return format_java_date(v->u.i, out);
      return kc_buf_append_int(out, v->u.i);
    case KC_TYPE_FLOAT32: return kc_buf_append(out, num, kc_java_format_float((float)v->u.f, num));
    case KC_TYPE_FLOAT64: return kc_buf_append(out, num, kc_java_format_double(v->u.f, num));
    case KC_TYPE_BOOLEAN: return kc_buf_puts(out, v->u.b ? "true" : "false");
    case KC_TYPE_BYTES: {
      int32_t scale;
      if (named(schema, KC_LOGICAL_DECIMAL) && v->u.str.len &&
          !kc_schema_decimal_scale(schema, &scale, NULL, 0))
        return kc_decimal_format((const unsigned char *)v->u.str.ptr, v->u.str.len, scale, false,
                                 out);
      return kc_buf_append(out, v->u.str.ptr, v->u.str.len);
    }
    case KC_TYPE_STRING: return kc_buf_append(out, v->u.str.ptr, v->u.str.len);
    case KC_TYPE_ARRAY: {
      const kc_schema_t *es = schema && schema->type == KC_TYPE_ARRAY ? schema->value_schema : NULL;
      TRY(kc_buf_append(out, "[", 1));
      for (size_t i = 0; i < v->u.arr.n; i++) {
        if (i) TRY(kc_buf_append(out, ", ", 2));
        TRY(kc_value_to_java_string_schema(es, v->u.arr.items[i], out));
      }
      return kc_buf_append(out, "]", 1);
    }
    case KC_TYPE_MAP: {
      bool ok = schema && schema->type == KC_TYPE_MAP;
      TRY(kc_buf_append(out, "{", 1));
      for (size_t i = 0; i < v->u.map.n; i++) {
        if (i) TRY(kc_buf_append(out, ", ", 2));
        TRY(kc_value_to_java_string_schema(ok ? schema->key_schema : NULL, v->u.map.keys[i], out));
        TRY(kc_buf_append(out, "=", 1));
        TRY(kc_value_to_java_string_schema(ok ? schema->value_schema : NULL, v->u.map.vals[i], out));
      }
      return kc_buf_append(out, "}", 1);
    }
    case KC_TYPE_STRUCT: {
      /* Struct.toString: only the non-null fields, "," without a space */
      const kc_schema_t *s = v->u.st.schema;
      bool first = true;
      TRY(kc_buf_append(out, "Struct{", 7));
      for (size_t i = 0; i < s->nfields; i++) {
        if (!v->u.st.vals[i]) continue;
        if (!first) TRY(kc_buf_append(out, ",", 1));
        first = false;
        TRY(kc_buf_puts(out, s->fields[i].name));
        TRY(kc_buf_append(out, "=", 1));
        TRY(kc_value_to_java_string_schema(s->fields[i].schema, v->u.st.vals[i], out));
      }
      return kc_buf_append(out, "}", 1);
    }
  }
  return KC_EINVAL;
}

int kc_value_to_java_string(const kc_value_t *v, kc_buf_t *out) {
  return kc_value_to_java_string_schema(NULL, v, out);
}

const char *kc_value_java_class(const kc_value_t *v) {
  if (!v) return "null";
  if (v->flags & KC__VALUE_F_JDATE) return "java.util.Date";
  switch (v->type) {
    case KC_TYPE_INT8: return "java.lang.Byte";
    case KC_TYPE_INT16: return "java.lang.Short";
    case KC_TYPE_INT32: return "java.lang.Integer";
    case KC_TYPE_INT64: return "java.lang.Long";
    case KC_TYPE_FLOAT32: return "java.lang.Float";
    case KC_TYPE_FLOAT64: return "java.lang.Double";
    case KC_TYPE_BOOLEAN: return "java.lang.Boolean";
    case KC_TYPE_STRING: return "java.lang.String";
    case KC_TYPE_BYTES: return "[B";
    case KC_TYPE_ARRAY: return "java.util.ArrayList";
    case KC_TYPE_MAP: return "java.util.HashMap";
    case KC_TYPE_STRUCT: return "org.apache.kafka.connect.data.Struct";
  }
  return "java.lang.Object";
}
