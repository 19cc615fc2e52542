/*
 * Schemaless JSON bytes -> String.valueOf(JsonConverter.toConnectData(...).value()) in one pass,
 * without building values: what FileStreamSink prints for JsonConverter with schemas.enable=false
 * ({k=v, k2=[1, 2]}, strings unescaped and unquoted, numbers as Long/Double.toString).
 *
 * The result must be byte-identical to kc_json_read_value() followed by
 * kc_value_to_java_string(), so this pass only takes documents it can render exactly that way:
 * anything that path treats specially or reports (a syntax error, a duplicate key, which keeps the
 * first position with the last value, deep nesting) makes it give up with KC_AGAIN, and the
 * caller converts the record the general way, which also words the error.
 * Numbers go through the shared reader (kc_json_read_number), so their typing is the same.
 *
 * Output room: every input byte becomes at most two output bytes (',' -> ", "; strings only
 * shrink when unescaped), except numbers ("1e5" -> "100000.0"). So room for 2 x (input left) +
 * SLACK is reserved at the start and again before each number; SLACK also covers the 16-byte
 * block stores of the string copy, which may write past the string's end.
 */
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "convert/converter_internal.h"
#include "convert/json_value.h"

#define SLACK 64
#define MAX_DEPTH 64  /* deeper documents take the general path (its limit is KC_JSON_MAX_DEPTH) */
#define MAX_KEYS 256  /* keys of the open objects, for the duplicate check */

typedef struct {
  const unsigned char *p, *end;
  char *o, *oend;   /* output cursor within out's allocation */
  kc_buf_t *out;
  kc_json_reader_t rd; /* numbers only */
  struct {
    uint32_t off, len; /* a key's bytes in the output, as an offset (the buffer may move) */
  } keys[MAX_KEYS];
  size_t nkeys;
} jt_t;

static int jt_room(jt_t *t, size_t n) {
  if ((size_t)(t->oend - t->o) >= n) return 0;
  kc_buf_t *b = t->out;
  b->len = (size_t)(t->o - b->data);
  int rc = kc_buf_reserve(b, n);
  if (rc) return rc;
  t->o = b->data + b->len;
  t->oend = b->data + b->cap - 1; /* the NUL */
  return 0;
}

static inline void skip_ws(jt_t *t) {
  const unsigned char *p = t->p;
  /* compact JSON has none: one test for the usual case */
  while (p < t->end && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  t->p = p;
}

static int hex4(const unsigned char *p, unsigned *out) {
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

static char *put_utf8(char *o, unsigned cp) {
  if (cp < 0x80) {
    *o++ = (char)cp;
  } else if (cp < 0x800) {
    *o++ = (char)(0xC0 | cp >> 6);
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    *o++ = (char)(0xE0 | cp >> 12);
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  } else {
    *o++ = (char)(0xF0 | cp >> 18);
    *o++ = (char)(0x80 | (cp >> 12 & 0x3F));
    *o++ = (char)(0x80 | (cp >> 6 & 0x3F));
    *o++ = (char)(0x80 | (cp & 0x3F));
  }
  return o;
}

/* The string at t->p (just after its opening quote), unescaped into the output: the rules of
 * json_value.c's scan_string (unpaired surrogates -> U+FFFD; raw bytes valid UTF-8). */
static inline __attribute__((always_inline)) int jt_string(jt_t *t) {
  const unsigned char *p = t->p, *end = t->end;
  char *o = t->o;
  for (;;) {
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
    for (;;) {
      if (end - p < 16) {
        const unsigned char *s = kc_json_plain_end(p, end);
        memcpy(o, p, (size_t)(s - p));
        o += s - p;
        p = s;
        break;
      }
      __m128i x = _mm_loadu_si128((const __m128i *)p);
      /* signed compare: < 0x20 also catches the bytes >= 0x80 */
      __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, q), _mm_cmpeq_epi8(x, bs)),
                               _mm_cmplt_epi8(x, sp));
      _mm_storeu_si128((__m128i *)o, x);
      unsigned bits = (unsigned)_mm_movemask_epi8(m);
      if (bits) {
        unsigned n = (unsigned)__builtin_ctz(bits);
        p += n;
        o += n;
        break;
      }
      p += 16;
      o += 16;
    }
#else
    const unsigned char *s = kc_json_plain_end(p, end);
    memcpy(o, p, (size_t)(s - p));
    o += s - p;
    p = s;
#endif
    if (p == end) return KC_AGAIN; /* unterminated */
    unsigned c = *p;
    if (c == '"') break;
    if (c >= 0x80) {
      size_t n = kc_utf8_seq_len(p, end);
      if (!n) return KC_AGAIN;
      memcpy(o, p, n);
      o += n;
      p += n;
      continue;
    }
    if (c < 0x20 || end - p < 2) return KC_AGAIN;
    unsigned cp;
    switch (p[1]) {
      case '"': *o++ = '"'; break;
      case '\\': *o++ = '\\'; break;
      case '/': *o++ = '/'; break;
      case 'b': *o++ = '\b'; break;
      case 'f': *o++ = '\f'; break;
      case 'n': *o++ = '\n'; break;
      case 'r': *o++ = '\r'; break;
      case 't': *o++ = '\t'; break;
      case 'u':
        if (end - p < 6 || hex4(p + 2, &cp)) return KC_AGAIN;
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo;
          if (end - p >= 8 && p[2] == '\\' && p[3] == 'u' && !hex4(p + 4, &lo) && lo >= 0xDC00 &&
              lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            p += 6;
          } else {
            cp = 0xFFFD;
          }
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
          cp = 0xFFFD;
        }
        o = put_utf8(o, cp);
        break;
      default: return KC_AGAIN;
    }
    p += 2;
  }
  t->p = p + 1;
  t->o = o;
  return 0;
}

static int jt_value(jt_t *t, int depth);

/* A key just written at [off, off+len) of the output equals none before it in this object. */
static bool key_is_new(const jt_t *t, size_t first, uint64_t *mask, size_t off, size_t len) {
  const char *k = t->out->data + off;
  uint64_t h = len;
  if (len) h = h * 31 + (unsigned char)k[0], h = h * 31 + (unsigned char)k[len - 1];
  uint64_t bit = 1ull << ((h * 0x9E3779B97F4A7C15ull) >> 58);
  if (*mask & bit) {
    for (size_t i = first; i < t->nkeys; i++)
      if (t->keys[i].len == len && !memcmp(t->out->data + t->keys[i].off, k, len)) return false;
  }
  *mask |= bit;
  return true;
}

static int jt_object(jt_t *t, int depth) {
  size_t first = t->nkeys;
  uint64_t mask = 0;
  int rc;
  *t->o++ = '{';
  t->p++;
  skip_ws(t);
  if (t->p < t->end && *t->p == '}') goto close;
  for (;;) {
    if (t->p == t->end || *t->p != '"' || t->nkeys == MAX_KEYS) return KC_AGAIN;
    t->p++;
    /* the output buffer does not move inside a string (room was reserved) */
    size_t off = (size_t)(t->o - t->out->data);
    if ((rc = jt_string(t))) return rc;
    size_t len = (size_t)(t->o - t->out->data) - off;
    if (!key_is_new(t, first, &mask, off, len)) return KC_AGAIN;
    t->keys[t->nkeys].off = (uint32_t)off;
    t->keys[t->nkeys].len = (uint32_t)len;
    t->nkeys++;
    skip_ws(t);
    if (t->p == t->end || *t->p != ':') return KC_AGAIN;
    t->p++;
    *t->o++ = '=';
    if ((rc = jt_value(t, depth + 1))) return rc;
    skip_ws(t);
    if (t->p == t->end) return KC_AGAIN;
    if (*t->p == '}') break;
    if (*t->p != ',') return KC_AGAIN;
    t->p++;
    skip_ws(t);
    *t->o++ = ',';
    *t->o++ = ' ';
  }
close:
  t->p++;
  *t->o++ = '}';
  t->nkeys = first;
  return 0;
}

static int jt_array(jt_t *t, int depth) {
  int rc;
  *t->o++ = '[';
  t->p++;
  skip_ws(t);
  if (t->p < t->end && *t->p == ']') goto close;
  for (;;) {
    if ((rc = jt_value(t, depth + 1))) return rc;
    skip_ws(t);
    if (t->p == t->end) return KC_AGAIN;
    if (*t->p == ']') break;
    if (*t->p != ',') return KC_AGAIN;
    t->p++;
    *t->o++ = ',';
    *t->o++ = ' ';
  }
close:
  t->p++;
  *t->o++ = ']';
  return 0;
}

static int jt_literal(jt_t *t, const char *lit, size_t n) {
  if ((size_t)(t->end - t->p) < n || memcmp(t->p, lit, n)) return KC_AGAIN;
  memcpy(t->o, lit, n);
  t->o += n;
  t->p += n;
  return 0;
}

static int jt_number(jt_t *t) {
  /* An integer of at most 18 digits without a leading zero is an INT64 whose Long.toString is
   * its own text: copied as it is. Everything else (0, -0, fractions, exponents, 19+ digits,
   * malformed numbers) goes through the reader. */
  const unsigned char *s = t->p, *q = s + (s < t->end && *s == '-');
  if (q < t->end && *q >= '1' && *q <= '9') {
    const unsigned char *d = q;
    while (d < t->end && *d >= '0' && *d <= '9') d++;
    if (d - q <= 18 && (d == t->end || (*d != '.' && *d != 'e' && *d != 'E'))) {
      /* no more room needed: the text becomes itself */
      if (d - s <= 16 && t->end - s >= 16) memcpy(t->o, s, 16); /* fixed size: fast, within SLACK */
      else memcpy(t->o, s, (size_t)(d - s));
      t->o += d - s;
      t->p = d;
      return 0;
    }
  }
  int rc = jt_room(t, 2 * (size_t)(t->end - t->p) + SLACK);
  if (rc) return rc;
  kc_json_number_t num;
  t->rd.p = (const char *)t->p;
  if (kc_json_read_number(&t->rd, &num)) return KC_AGAIN;
  t->p = (const unsigned char *)t->rd.p;
  if (num.fits_int64) {
    char tmp[24], *q = tmp + sizeof tmp;
    uint64_t u = num.i < 0 ? 0 - (uint64_t)num.i : (uint64_t)num.i;
    do {
      *--q = (char)('0' + u % 10);
      u /= 10;
    } while (u);
    if (num.i < 0) *--q = '-';
    memcpy(t->o, q, (size_t)(tmp + sizeof tmp - q));
    t->o += tmp + sizeof tmp - q;
  } else {
    t->o += kc_java_format_double(num.d, t->o);
  }
  return 0;
}

static int jt_value(jt_t *t, int depth) {
  if (depth > MAX_DEPTH) return KC_AGAIN;
  skip_ws(t);
  if (t->p == t->end) return KC_AGAIN;
  switch (*t->p) {
    case '{': return jt_object(t, depth);
    case '[': return jt_array(t, depth);
    case '"': t->p++; return jt_string(t);
    case 't': return jt_literal(t, "true", 4);
    case 'f': return jt_literal(t, "false", 5);
    case 'n': return jt_literal(t, "null", 4);
    default: return jt_number(t);
  }
}

int kc_json_to_java_text(const char *data, size_t len, kc_buf_t *out) {
  size_t start = out->len;
  if (!data) return kc_buf_append(out, "null", 4); /* a tombstone: a null value */
  int rc = kc_buf_reserve(out, 2 * len + SLACK);
  if (rc) return rc;
  jt_t t;
  t.p = (const unsigned char *)data;
  t.end = t.p + len;
  t.out = out;
  t.nkeys = 0;
  t.o = out->data + out->len;
  t.oend = out->data + out->cap - 1;
  kc_json_reader_init(&t.rd, data, len, NULL, 0);
  if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) t.p += 3;
  skip_ws(&t);
  if (t.p == t.end) {
    /* Jackson reads blank input as a missing node: a null value */
    memcpy(t.o, "null", 4);
    t.o += 4;
  } else if (!(rc = jt_value(&t, 0))) {
    skip_ws(&t);
    if (t.p != t.end) rc = KC_AGAIN;
  }
  kc_json_reader_free(&t.rd);
  out->len = rc ? start : (size_t)(t.o - out->data);
  out->data[out->len] = '\0';
  return rc;
}
