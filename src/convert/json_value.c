/*
 * Strict RFC 8259 JSON reader and Jackson-compatible writer.
 *
 * Our own parser rather than jansson because Connect semantics need object
 * insertion order, int64 vs double, exact number text (decimals), positions in
 * errors and a hard nesting limit. The reader is a pull parser: the DOM decoder
 * below and the JsonConverter's schema-guided reader share it.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter_internal.h"
#include "data/value_internal.h"
#include "convert/json_value.h"

/* ---- reader basics -------------------------------------------------------- */

void kc_json_reader_init(kc_json_reader_t *r, const char *text, size_t len, char *errstr,
                         size_t errstr_size) {
  memset(r, 0, sizeof *r);
  r->base = r->p = text;
  r->end = text + len;
  r->errstr = errstr;
  r->errstr_size = errstr_size;
  if (errstr && errstr_size) errstr[0] = '\0';
  kc_buf_init(&r->scratch, 0);
  /* Jackson skips a UTF-8 byte order mark on byte input; so do we. */
  if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) r->p += 3;
}

void kc_json_reader_free(kc_json_reader_t *r) { kc_buf_free(&r->scratch); }

void kc_json_reader_seek(kc_json_reader_t *r, size_t off, size_t len) {
  r->p = r->base + off;
  r->end = r->base + off + len;
  r->depth = 0;
  r->after_open = false;
}

size_t kc_json_reader_offset(const kc_json_reader_t *r) { return (size_t)(r->p - r->base); }

int kc_json_reader_fail(kc_json_reader_t *r, const char *fmt, ...) {
  if (r->failed) return KC_EINVAL;
  r->failed = true;
  if (!r->errstr || !r->errstr_size) return KC_EINVAL;
  /* Positions are computed only here, on the error path. Columns count characters. */
  unsigned long line = 1, col = 1;
  for (const char *q = r->base; q < r->p; q++) {
    if (*q == '\n') {
      line++;
      col = 1;
    } else if ((*q & 0xC0) != 0x80) {
      col++;
    }
  }
  int n = snprintf(r->errstr, r->errstr_size, "line %lu column %lu: ", line, col);
  if (n >= 0 && (size_t)n < r->errstr_size) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->errstr + n, r->errstr_size - (size_t)n, fmt, ap);
    va_end(ap);
  }
  return KC_EINVAL;
}

static inline void skip_ws(kc_json_reader_t *r) {
  const char *p = r->p, *end = r->end;
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  r->p = p;
}

/* Describes the character at the current position for an error message. */
static const char *describe(const kc_json_reader_t *r, char *buf, size_t n) {
  const unsigned char *p = (const unsigned char *)r->p;
  if (r->p >= r->end) return "end of input";
  if (*p >= 0x20 && *p < 0x7f) {
    snprintf(buf, n, "character '%c'", *p);
  } else if (*p < 0x80) {
    snprintf(buf, n, "control character U+%04X", *p);
  } else {
    size_t len = kc_utf8_seq_len(p, (const unsigned char *)r->end);
    unsigned cp = 0;
    if (len == 2) cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    if (len == 3) cp = ((p[0] & 0x0Fu) << 12) | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
    if (len == 4)
      cp = ((p[0] & 0x07u) << 18) | ((p[1] & 0x3Fu) << 12) | ((p[2] & 0x3Fu) << 6) | (p[3] & 0x3Fu);
    if (len)
      snprintf(buf, n, "character U+%04X", cp);
    else
      snprintf(buf, n, "invalid UTF-8 byte 0x%02X", *p);
  }
  return buf;
}

kc_json_kind_t kc_json_peek(kc_json_reader_t *r) {
  if (r->failed) return KC_JSON_NONE;
  skip_ws(r);
  if (r->p < r->end) {
    switch (*r->p) {
      case '{': return KC_JSON_OBJECT;
      case '[': return KC_JSON_ARRAY;
      case '"': return KC_JSON_STRING;
      case 't': return KC_JSON_TRUE;
      case 'f': return KC_JSON_FALSE;
      case 'n': return KC_JSON_NULL;
      case '-':
      case '0': case '1': case '2': case '3': case '4':
      case '5': case '6': case '7': case '8': case '9': return KC_JSON_NUMBER;
      default: break;
    }
  }
  char d[48];
  kc_json_reader_fail(r, "unexpected %s, expected a value", describe(r, d, sizeof d));
  return KC_JSON_NONE;
}

const char *kc_json_kind_name(kc_json_kind_t kind) {
  switch (kind) {
    case KC_JSON_OBJECT: return "OBJECT";
    case KC_JSON_ARRAY: return "ARRAY";
    case KC_JSON_STRING: return "STRING";
    case KC_JSON_NUMBER: return "NUMBER";
    case KC_JSON_TRUE:
    case KC_JSON_FALSE: return "BOOLEAN";
    case KC_JSON_NULL: return "NULL";
    default: return "MISSING";
  }
}

static int read_literal(kc_json_reader_t *r, const char *lit, size_t n) {
  if ((size_t)(r->end - r->p) >= n && !memcmp(r->p, lit, n)) {
    r->p += n;
    return 0;
  }
  return kc_json_reader_fail(r, "invalid literal, expected '%s'", lit);
}

int kc_json_read_bool(kc_json_reader_t *r, bool *out) {
  switch (kc_json_peek(r)) {
    case KC_JSON_TRUE: *out = true; return read_literal(r, "true", 4);
    case KC_JSON_FALSE: *out = false; return read_literal(r, "false", 5);
    case KC_JSON_NONE: return KC_EINVAL;
    default: return kc_json_reader_fail(r, "expected a boolean");
  }
}

int kc_json_read_null(kc_json_reader_t *r) {
  kc_json_kind_t k = kc_json_peek(r);
  if (k == KC_JSON_NULL) return read_literal(r, "null", 4);
  return k == KC_JSON_NONE ? KC_EINVAL : kc_json_reader_fail(r, "expected null");
}

/* ---- strings ------------------------------------------------------------- */

int kc_json_hex4(const unsigned char *p, unsigned *out) {
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    unsigned c = p[i], d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return -1;
    v = v << 4 | d;
  }
  *out = v;
  return 0;
}

static int hex4(const unsigned char *p, const unsigned char *end, unsigned *out) {
  return end - p < 4 ? -1 : kc_json_hex4(p, out);
}

static size_t utf8_put(char *o, unsigned cp) {
  if (cp < 0x80) { o[0] = (char)cp; return 1; }
  if (cp < 0x800) {
    o[0] = (char)(0xC0 | cp >> 6);
    o[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xE0 | cp >> 12);
    o[1] = (char)(0x80 | (cp >> 6 & 0x3F));
    o[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  o[0] = (char)(0xF0 | cp >> 18);
  o[1] = (char)(0x80 | (cp >> 12 & 0x3F));
  o[2] = (char)(0x80 | (cp >> 6 & 0x3F));
  o[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/*
 * Reads a string at r->p (which is '"'). With @p store false it only
 * validates (kc_json_skip). Strings without escapes are returned in place.
 */
static int scan_string(kc_json_reader_t *r, bool store, const char **s, size_t *len) {
  const unsigned char *start = (const unsigned char *)r->p + 1, *p = start;
  const unsigned char *end = (const unsigned char *)r->end;
  kc_buf_t *b = &r->scratch;
  bool escaped = false;
  for (;;) {
    const unsigned char *run = p;
    p = kc_json_plain_end(p, end);
    if (p < end && *p >= 0x80) {
      size_t n = kc_utf8_seq_len(p, end);
      if (!n) {
        r->p = (const char *)p;
        return kc_json_reader_fail(r, "invalid UTF-8 byte 0x%02X in string", *p);
      }
      p += n;
      if (escaped && store && kc_buf_append(b, run, (size_t)(p - run))) goto nomem;
      continue;
    }
    if (escaped && store && kc_buf_append(b, run, (size_t)(p - run))) goto nomem;
    if (p == end) {
      r->p = (const char *)start - 1;
      return kc_json_reader_fail(r, "unterminated string");
    }
    if (*p == '"') break;
    if (*p < 0x20) {
      r->p = (const char *)p;
      return kc_json_reader_fail(r, "control character U+%04X must be escaped in a string", *p);
    }
    /* a backslash: switch to the scratch buffer */
    if (!escaped) {
      escaped = true;
      kc_buf_reset(b);
      if (store && kc_buf_append(b, start, (size_t)(p - start))) goto nomem;
    }
    const unsigned char *esc = p++;
    char out[8];
    size_t on = 1;
    unsigned cp;
    if (p == end) {
      r->p = (const char *)start - 1;
      return kc_json_reader_fail(r, "unterminated string");
    }
    switch (*p) {
      case '"': out[0] = '"'; break;
      case '\\': out[0] = '\\'; break;
      case '/': out[0] = '/'; break;
      case 'b': out[0] = '\b'; break;
      case 'f': out[0] = '\f'; break;
      case 'n': out[0] = '\n'; break;
      case 'r': out[0] = '\r'; break;
      case 't': out[0] = '\t'; break;
      case 'u':
        if (hex4(p + 1, end, &cp)) {
          r->p = (const char *)esc;
          return kc_json_reader_fail(r, "invalid \\u escape: expected 4 hex digits");
        }
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo;
          if (end - p >= 7 && p[1] == '\\' && p[2] == 'u' && !hex4(p + 3, end, &lo) &&
              lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          } else {
            cp = 0xFFFD; /* an unpaired surrogate cannot be UTF-8 */
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        on = utf8_put(out, cp);
        break;
      default:
        r->p = (const char *)esc;
        if (*p >= 0x20 && *p < 0x7f)
          return kc_json_reader_fail(r, "invalid escape '\\%c' in string", *p);
        return kc_json_reader_fail(r, "invalid escape in string (byte 0x%02X)", *p);
    }
    p++;
    if (store && kc_buf_append(b, out, on)) goto nomem;
  }
  r->p = (const char *)p + 1;
  if (store) {
    if (escaped) {
      *s = b->data ? b->data : "";
      *len = b->len;
    } else {
      *s = (const char *)start;
      *len = (size_t)(p - start);
    }
  }
  return 0;
nomem:
  return kc_json_reader_fail(r, "out of memory");
}

int kc_json_read_string(kc_json_reader_t *r, const char **s, size_t *len) {
  kc_json_kind_t k = kc_json_peek(r);
  if (k != KC_JSON_STRING) return k == KC_JSON_NONE ? KC_EINVAL : kc_json_reader_fail(r, "expected a string");
  return scan_string(r, true, s, len);
}

/* ---- numbers ------------------------------------------------------------- */

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

static int scan_number(kc_json_reader_t *r, kc_json_number_t *n) {
  const char *s = r->p, *p = s, *end = r->end;
  bool neg = false;
  if (*p == '-') {
    neg = true;
    p++;
  }
  uint64_t mant = 0;
  int nsig = 0, frac = 0;
  bool truncated = false, integral = true;
#define DIGIT(q) ((q) < end && *(q) >= '0' && *(q) <= '9')
#define ACC(d)                                   \
  do {                                           \
    if (mant || (d)) {                           \
      if (nsig < 19) {                           \
        mant = mant * 10 + (uint64_t)(d);        \
        nsig++;                                  \
      } else {                                   \
        truncated = true;                        \
      }                                          \
    }                                            \
  } while (0)
  if (!DIGIT(p)) {
    r->p = p;
    return kc_json_reader_fail(r, "invalid number: expected a digit after '-'");
  }
  if (*p == '0') {
    p++;
    if (DIGIT(p)) {
      r->p = p;
      return kc_json_reader_fail(r, "invalid number: leading zeros are not allowed");
    }
  } else {
    while (DIGIT(p)) {
      ACC(*p - '0');
      p++;
    }
  }
  if (p < end && *p == '.') {
    p++;
    integral = false;
    if (!DIGIT(p)) {
      r->p = p;
      return kc_json_reader_fail(r, "invalid number: expected a digit after the decimal point");
    }
    while (DIGIT(p)) {
      ACC(*p - '0');
      if (!truncated) frac++;
      p++;
    }
  }
  long exp = 0;
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    integral = false;
    bool eneg = false;
    if (p < end && (*p == '+' || *p == '-')) eneg = *p++ == '-';
    if (!DIGIT(p)) {
      r->p = p;
      return kc_json_reader_fail(r, "invalid number: expected a digit in the exponent");
    }
    while (DIGIT(p)) {
      if (exp < 100000) exp = exp * 10 + (*p - '0');
      p++;
    }
    if (eneg) exp = -exp;
  }
#undef DIGIT
#undef ACC
  r->p = p;
  if (!n) return 0;
  n->text = s;
  n->len = (size_t)(p - s);
  n->integral = integral;
  n->fits_int64 = false;
  if (integral && !truncated &&
      (neg ? mant <= (uint64_t)INT64_MAX + 1 : mant <= (uint64_t)INT64_MAX)) {
    n->fits_int64 = true;
    n->i = neg ? (int64_t)(0 - mant) : (int64_t)mant;
    n->d = (double)n->i;
    return 0;
  }
  if (!mant && !truncated) { /* Jackson reads floats as BigDecimal, which has no -0 */
    n->d = 0.0;
    return 0;
  }
  long e10 = exp - frac;
  if (!truncated && mant <= (1ULL << 53) && e10 >= -22 && e10 <= 22) {
    /* Clinger's fast path: both operands exact, one correctly rounded operation. */
    double d = (double)mant;
    d = e10 < 0 ? d / pow10_exact[-e10] : d * pow10_exact[e10];
    n->d = neg ? -d : d;
    return 0;
  }
  char stackbuf[128], *tmp = n->len < sizeof stackbuf ? stackbuf : malloc(n->len + 1);
  if (!tmp) return kc_json_reader_fail(r, "out of memory");
  memcpy(tmp, s, n->len);
  tmp[n->len] = '\0';
  n->d = strtod(tmp, NULL);
  if (tmp != stackbuf) free(tmp);
  return 0;
}

int kc_json_read_number(kc_json_reader_t *r, kc_json_number_t *out) {
  kc_json_kind_t k = kc_json_peek(r);
  if (k != KC_JSON_NUMBER) return k == KC_JSON_NONE ? KC_EINVAL : kc_json_reader_fail(r, "expected a number");
  return scan_number(r, out);
}

/* ---- containers ---------------------------------------------------------- */

static int open_container(kc_json_reader_t *r, kc_json_kind_t want) {
  kc_json_kind_t k = kc_json_peek(r);
  if (k != want) {
    if (k == KC_JSON_NONE) return KC_EINVAL;
    return kc_json_reader_fail(r, "expected %s", want == KC_JSON_OBJECT ? "an object" : "an array");
  }
  if (r->depth >= KC_JSON_MAX_DEPTH)
    return kc_json_reader_fail(r, "nesting deeper than %d levels", KC_JSON_MAX_DEPTH);
  r->depth++;
  r->p++;
  r->after_open = true;
  return 0;
}

int kc_json_object_begin(kc_json_reader_t *r) { return open_container(r, KC_JSON_OBJECT); }
int kc_json_array_begin(kc_json_reader_t *r) { return open_container(r, KC_JSON_ARRAY); }

int kc_json_object_next(kc_json_reader_t *r, const char **key, size_t *klen) {
  char d[48];
  if (r->failed) return KC_EINVAL;
  skip_ws(r);
  if (r->p == r->end) return kc_json_reader_fail(r, "unterminated object");
  if (r->after_open) {
    r->after_open = false;
    if (*r->p == '}') goto close;
  } else if (*r->p == ',') {
    r->p++;
    skip_ws(r);
  } else if (*r->p == '}') {
    goto close;
  } else {
    return kc_json_reader_fail(r, "unexpected %s, expected ',' or '}' after an object member",
                               describe(r, d, sizeof d));
  }
  if (r->p == r->end || *r->p != '"')
    return kc_json_reader_fail(r, "unexpected %s, expected a string key", describe(r, d, sizeof d));
  if (scan_string(r, true, key, klen)) return KC_EINVAL;
  skip_ws(r);
  if (r->p == r->end || *r->p != ':')
    return kc_json_reader_fail(r, "unexpected %s, expected ':' after an object key",
                               describe(r, d, sizeof d));
  r->p++;
  return 1;
close:
  r->p++;
  r->depth--;
  return 0;
}

int kc_json_array_next(kc_json_reader_t *r) {
  char d[48];
  if (r->failed) return KC_EINVAL;
  skip_ws(r);
  if (r->p == r->end) return kc_json_reader_fail(r, "unterminated array");
  if (r->after_open) {
    r->after_open = false;
    if (*r->p != ']') return 1;
  } else if (*r->p == ',') {
    r->p++;
    return 1;
  } else if (*r->p != ']') {
    return kc_json_reader_fail(r, "unexpected %s, expected ',' or ']' after an array element",
                               describe(r, d, sizeof d));
  }
  r->p++;
  r->depth--;
  return 0;
}

int kc_json_skip(kc_json_reader_t *r) {
  int rc;
  const char *k;
  size_t kl;
  switch (kc_json_peek(r)) {
    case KC_JSON_OBJECT:
      if (kc_json_object_begin(r)) return KC_EINVAL;
      while ((rc = kc_json_object_next(r, &k, &kl)) == 1)
        if (kc_json_skip(r)) return KC_EINVAL;
      return rc;
    case KC_JSON_ARRAY:
      if (kc_json_array_begin(r)) return KC_EINVAL;
      while ((rc = kc_json_array_next(r)) == 1)
        if (kc_json_skip(r)) return KC_EINVAL;
      return rc;
    case KC_JSON_STRING: return scan_string(r, false, NULL, NULL);
    case KC_JSON_NUMBER: return scan_number(r, NULL);
    case KC_JSON_TRUE: return read_literal(r, "true", 4);
    case KC_JSON_FALSE: return read_literal(r, "false", 5);
    case KC_JSON_NULL: return read_literal(r, "null", 4);
    default: return KC_EINVAL;
  }
}

int kc_json_reader_finish(kc_json_reader_t *r) {
  char d[48];
  if (r->failed) return KC_EINVAL;
  skip_ws(r);
  if (r->p != r->end)
    return kc_json_reader_fail(r, "unexpected %s after the JSON value", describe(r, d, sizeof d));
  return 0;
}

/* ---- DOM ----------------------------------------------------------------- */

static bool key_eq(const kc_value_t *a, const kc_value_t *b) {
  return a->u.str.len == b->u.str.len && !memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len);
}

static int cmp_key_index(const void *x, const void *y, void *arg) {
  const kc_value_t *const *keys = arg;
  size_t i = *(const size_t *)x, j = *(const size_t *)y;
  const kc_value_t *a = keys[i], *b = keys[j];
  size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
  int c = memcmp(a->u.str.ptr, b->u.str.ptr, n);
  if (!c) c = a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
  return c ? c : (i < j ? -1 : i > j);
}

/*
 * Large objects are appended without the per-key scan, then deduplicated once
 * by sorting indices: the first position keeps the last value (Jackson's
 * ObjectNode / LinkedHashMap.put).
 */
static int dedupe_large(kc_value_t *m) {
  size_t n = m->u.map.n, *idx = malloc(n * sizeof *idx);
  if (!idx) return KC_ENOMEM;
  for (size_t i = 0; i < n; i++) idx[i] = i;
  qsort_r(idx, n, sizeof *idx, cmp_key_index, m->u.map.keys);
  bool any = false;
  for (size_t g = 0; g < n;) {
    size_t h = g + 1;
    while (h < n && key_eq(m->u.map.keys[idx[g]], m->u.map.keys[idx[h]])) h++;
    if (h - g > 1) {
      any = true;
      size_t first = idx[g], last = idx[h - 1];
      kc_value_destroy(m->u.map.vals[first]);
      m->u.map.vals[first] = m->u.map.vals[last];
      m->u.map.vals[last] = NULL;
      for (size_t k = g + 1; k < h; k++) {
        kc_value_destroy(m->u.map.keys[idx[k]]);
        kc_value_destroy(m->u.map.vals[idx[k]]);
        m->u.map.keys[idx[k]] = NULL; /* marks the slot for removal */
      }
    }
    g = h;
  }
  free(idx);
  if (any) {
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
      if (!m->u.map.keys[i]) continue;
      m->u.map.keys[w] = m->u.map.keys[i];
      m->u.map.vals[w++] = m->u.map.vals[i];
    }
    m->u.map.n = w;
  }
  return 0;
}

#define SMALL_OBJECT 16

int kc_json_object_put(kc_json_reader_t *r, kc_value_t *m, kc_value_t *key, kc_value_t *val) {
  size_t i = m->u.map.n;
  if (i < SMALL_OBJECT) {
    for (i = 0; i < m->u.map.n; i++)
      if (key_eq(m->u.map.keys[i], key)) break;
  }
  if (i < m->u.map.n) {
    kc_value_destroy(m->u.map.vals[i]);
    m->u.map.vals[i] = val;
    kc_value_destroy(key);
    return 0;
  }
  return kc__value_map_append_a(r->arena, m, key, val);
}

int kc_json_object_done(kc_value_t *m) {
  return m->u.map.n > SMALL_OBJECT ? dedupe_large(m) : 0;
}

static int read_object(kc_json_reader_t *r, kc_value_t **out) {
  kc_value_t *m = kc__value_new_a(r->arena, KC_TYPE_MAP);
  const char *k;
  size_t kl;
  int rc;
  if (!m) return kc_json_reader_fail(r, "out of memory");
  if (kc_json_object_begin(r)) goto fail;
  while ((rc = kc_json_object_next(r, &k, &kl)) == 1) {
    kc_value_t *key = kc__value_new_blob_a(r->arena, KC_TYPE_STRING, k, kl), *val = NULL;
    if (!key) {
      kc_json_reader_fail(r, "out of memory");
      goto fail;
    }
    if (kc_json_read_value(r, &val)) {
      kc_value_destroy(key);
      goto fail;
    }
    if (kc_json_object_put(r, m, key, val)) {
      kc_json_reader_fail(r, "out of memory");
      goto fail;
    }
  }
  if (rc) goto fail;
  if (kc_json_object_done(m)) {
    kc_json_reader_fail(r, "out of memory");
    goto fail;
  }
  *out = m;
  return 0;
fail:
  kc_value_destroy(m);
  return KC_EINVAL;
}

int kc_json_read_value(kc_json_reader_t *r, kc_value_t **out) {
  kc_json_number_t num;
  const char *s;
  size_t len;
  bool b;
  int rc;
  *out = NULL;
  switch (kc_json_peek(r)) {
    case KC_JSON_OBJECT: return read_object(r, out);
    case KC_JSON_ARRAY: {
      kc_value_t *a = kc__value_new_a(r->arena, KC_TYPE_ARRAY);
      if (!a) return kc_json_reader_fail(r, "out of memory");
      if (kc_json_array_begin(r)) goto arr_fail;
      while ((rc = kc_json_array_next(r)) == 1) {
        kc_value_t *e;
        if (kc_json_read_value(r, &e)) goto arr_fail;
        if (kc__value_array_append_a(r->arena, a, e)) {
          kc_json_reader_fail(r, "out of memory");
          goto arr_fail;
        }
      }
      if (rc) goto arr_fail;
      *out = a;
      return 0;
    arr_fail:
      kc_value_destroy(a);
      return KC_EINVAL;
    }
    case KC_JSON_STRING:
      if (scan_string(r, true, &s, &len)) return KC_EINVAL;
      if (!(*out = kc__value_new_blob_a(r->arena, KC_TYPE_STRING, s, len)))
        return kc_json_reader_fail(r, "out of memory");
      return 0;
    case KC_JSON_NUMBER:
      if (scan_number(r, &num)) return KC_EINVAL;
      if ((*out = kc__value_new_a(r->arena, num.fits_int64 ? KC_TYPE_INT64 : KC_TYPE_FLOAT64))) {
        if (num.fits_int64) (*out)->u.i = num.i;
        else (*out)->u.f = num.d;
      }
      return *out ? 0 : kc_json_reader_fail(r, "out of memory");
    case KC_JSON_TRUE:
    case KC_JSON_FALSE:
      if (kc_json_read_bool(r, &b)) return KC_EINVAL;
      if (!(*out = kc__value_new_a(r->arena, KC_TYPE_BOOLEAN))) return kc_json_reader_fail(r, "out of memory");
      (*out)->u.b = b;
      return 0;
    case KC_JSON_NULL: return read_literal(r, "null", 4);
    default: return KC_EINVAL;
  }
}

int kc_json_decode(const char *text, size_t len, kc_value_t **out, char *errstr,
                   size_t errstr_size) {
  kc_json_reader_t r;
  kc_value_t *v = NULL;
  kc_json_reader_init(&r, text ? text : "", text ? len : 0, errstr, errstr_size);
  int rc = kc_json_read_value(&r, &v);
  if (!rc) rc = kc_json_reader_finish(&r);
  kc_json_reader_free(&r);
  if (rc) {
    kc_value_destroy(v);
    v = NULL;
  }
  *out = v;
  return rc ? KC_EINVAL : 0;
}
