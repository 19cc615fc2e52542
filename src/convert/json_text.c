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
  kc_buf_t *out;
  const char *doc;
  size_t doc_len;
  bool rd_ready;
  kc_json_reader_t rd; /* numbers other than short integers; set up on first use */
} jt_t;

/* Room for @p n more bytes at *o; the buffer may move (o follows it). */
static int jt_room(jt_t *t, char **o, size_t n) {
  kc_buf_t *b = t->out;
  if (b->cap - 1 - (size_t)(*o - b->data) >= n) return 0;
  b->len = (size_t)(*o - b->data);
  int rc = kc_buf_reserve(b, n);
  if (rc) return rc;
  *o = b->data + b->len;
  return 0;
}

static inline const unsigned char *skip_ws(const unsigned char *p, const unsigned char *end) {
  /* compact JSON has none: one test for the usual case */
  while (p < end && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
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

/* An escape at p ('\\'), unescaped to *o: the rules of json_value.c's scan_string (unpaired
 * surrogates -> U+FFFD). @returns the byte after it, NULL when invalid. */
static const unsigned char *unescape(const unsigned char *p, const unsigned char *end, char **o) {
  unsigned cp;
  if (end - p < 2) return NULL;
  switch (p[1]) {
    case '"': *(*o)++ = '"'; return p + 2;
    case '\\': *(*o)++ = '\\'; return p + 2;
    case '/': *(*o)++ = '/'; return p + 2;
    case 'b': *(*o)++ = '\b'; return p + 2;
    case 'f': *(*o)++ = '\f'; return p + 2;
    case 'n': *(*o)++ = '\n'; return p + 2;
    case 'r': *(*o)++ = '\r'; return p + 2;
    case 't': *(*o)++ = '\t'; return p + 2;
    case 'u': break;
    default: return NULL;
  }
  if (end - p < 6 || kc_json_hex4(p + 2, &cp)) return NULL;
  p += 6;
  if (cp >= 0xD800 && cp <= 0xDBFF) {
    unsigned lo;
    if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && !kc_json_hex4(p + 2, &lo) && lo >= 0xDC00 &&
        lo <= 0xDFFF) {
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
      p += 6;
    } else {
      cp = 0xFFFD;
    }
  } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
    cp = 0xFFFD;
  }
  *o = put_utf8(*o, cp);
  return p;
}

/* The string body at p (after the opening quote), unescaped to *o. @returns the byte after the
 * closing quote, NULL when the string is invalid. Raw bytes must be valid UTF-8. */
static inline __attribute__((always_inline)) const unsigned char *
copy_string(const unsigned char *p, const unsigned char *end, char **oo) {
  char *o = *oo;
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
    if (p == end) return NULL; /* unterminated */
    if (*p == '"') break;
    if (*p >= 0x80) {
      size_t n = kc_utf8_seq_len(p, end);
      if (!n) return NULL;
      memcpy(o, p, n);
      o += n;
      p += n;
      continue;
    }
    if (*p < 0x20 || !(p = unescape(p, end, &o))) return NULL;
  }
  *oo = o;
  return p + 1;
}

/* A number at p to *o. @returns the byte after it, NULL when invalid (or out of memory). */
static const unsigned char *copy_number(jt_t *t, const unsigned char *p, const unsigned char *end,
                                        char **o) {
  /* An integer of at most 18 digits without a leading zero is an INT64 whose Long.toString is
   * its own text: copied as it is (no room needed: it becomes itself). Everything else (0, -0,
   * fractions, exponents, 19+ digits, malformed numbers) goes through the reader. */
  const unsigned char *q = p + (p < end && *p == '-');
  if (q < end && *q >= '1' && *q <= '9') {
    const unsigned char *d = q;
    while (d < end && *d >= '0' && *d <= '9') d++;
    if (d - q <= 18 && (d == end || (*d != '.' && *d != 'e' && *d != 'E'))) {
      if (d - p <= 16 && end - p >= 16) memcpy(*o, p, 16); /* fixed size: fast, within SLACK */
      else memcpy(*o, p, (size_t)(d - p));
      *o += d - p;
      return d;
    }
  }
  if (jt_room(t, o, 2 * (size_t)(end - p) + SLACK)) return NULL;
  kc_json_number_t num;
  if (!t->rd_ready) {
    kc_json_reader_init(&t->rd, t->doc, t->doc_len, NULL, 0);
    t->rd_ready = true;
  }
  t->rd.p = (const char *)p;
  if (kc_json_read_number(&t->rd, &num)) return NULL;
  if (num.fits_int64) {
    char tmp[24], *s = tmp + sizeof tmp;
    uint64_t u = num.i < 0 ? 0 - (uint64_t)num.i : (uint64_t)num.i;
    do {
      *--s = (char)('0' + u % 10);
      u /= 10;
    } while (u);
    if (num.i < 0) *--s = '-';
    memcpy(*o, s, (size_t)(tmp + sizeof tmp - s));
    *o += tmp + sizeof tmp - s;
  } else {
    *o += kc_java_format_double(num.d, *o);
  }
  return (const unsigned char *)t->rd.p;
}

/* A key just written at [off, off+len) of the output equals none of this object's before it. */
static bool key_is_new(const char *base, const uint32_t (*keys)[2], size_t first, size_t nkeys,
                       uint64_t *mask, size_t off, size_t len) {
  const char *k = base + off;
  uint64_t h = len;
  if (len) h = (h * 31 + (unsigned char)k[0]) * 31 + (unsigned char)k[len - 1];
  uint64_t bit = 1ull << ((h * 0x9E3779B97F4A7C15ull) >> 58);
  if (*mask & bit) {
    for (size_t i = first; i < nkeys; i++)
      if (keys[i][1] == len && !memcmp(base + keys[i][0], k, len)) return false;
  }
  *mask |= bit;
  return true;
}

#define AT(c) (p < end && *p == (c))
#define WS() (p = skip_ws(p, end))

/* Iterative, with the cursors in locals (stores through the output pointer would otherwise
 * make the compiler reload cursors kept in memory after every byte written). */
static int render(jt_t *t, const unsigned char *p, const unsigned char *end) {
  char *o = t->out->data + t->out->len;
  bool is_obj[MAX_DEPTH];
  uint64_t mask[MAX_DEPTH];
  uint32_t kfirst[MAX_DEPTH];
  uint32_t keys[MAX_KEYS][2]; /* offset and length in the output of the open objects' keys */
  size_t nkeys = 0;
  int depth = 0;
value:
  WS();
  if (p == end) return KC_AGAIN;
  switch (*p) {
    case '{':
      *o++ = '{';
      p++;
      WS();
      if (AT('}')) {
        p++;
        *o++ = '}';
        goto after;
      }
      if (depth == MAX_DEPTH) return KC_AGAIN;
      is_obj[depth] = true;
      mask[depth] = 0;
      kfirst[depth] = (uint32_t)nkeys;
      depth++;
      goto key;
    case '[':
      *o++ = '[';
      p++;
      WS();
      if (AT(']')) {
        p++;
        *o++ = ']';
        goto after;
      }
      if (depth == MAX_DEPTH) return KC_AGAIN;
      is_obj[depth++] = false;
      goto value;
    case '"':
      if (!(p = copy_string(p + 1, end, &o))) return KC_AGAIN;
      goto after;
    case 't':
      if (end - p < 4 || memcmp(p, "true", 4)) return KC_AGAIN;
      memcpy(o, "true", 4);
      o += 4;
      p += 4;
      goto after;
    case 'f':
      if (end - p < 5 || memcmp(p, "false", 5)) return KC_AGAIN;
      memcpy(o, "false", 5);
      o += 5;
      p += 5;
      goto after;
    case 'n':
      if (end - p < 4 || memcmp(p, "null", 4)) return KC_AGAIN;
      memcpy(o, "null", 4);
      o += 4;
      p += 4;
      goto after;
    default:
      if (!(p = copy_number(t, p, end, &o))) return KC_AGAIN;
      goto after;
  }
key: {
  /* p is at the first byte of a member (blanks skipped) */
  if (!AT('"') || nkeys == MAX_KEYS) return KC_AGAIN;
  char *base = t->out->data; /* does not move inside a string: room was reserved */
  size_t off = (size_t)(o - base);
  if (!(p = copy_string(p + 1, end, &o))) return KC_AGAIN;
  size_t len = (size_t)(o - base) - off;
  if (!key_is_new(base, (const uint32_t (*)[2])keys, kfirst[depth - 1], nkeys, &mask[depth - 1], off, len))
    return KC_AGAIN;
  keys[nkeys][0] = (uint32_t)off;
  keys[nkeys][1] = (uint32_t)len;
  nkeys++;
  if (!AT(':')) {
    WS();
    if (!AT(':')) return KC_AGAIN;
  }
  p++;
  *o++ = '=';
  goto value;
}
after:
  if (depth == 0) {
    t->out->len = (size_t)(o - t->out->data);
    WS();
    return p == end ? 0 : KC_AGAIN;
  }
  if (p == end || (*p != ',' && *p != '}' && *p != ']')) {
    WS();
    if (p == end) return KC_AGAIN;
  }
  if (*p == ',') {
    p++;
    *o++ = ',';
    *o++ = ' ';
    if (!is_obj[depth - 1]) goto value;
    if (!AT('"')) WS();
    goto key;
  }
  if (*p != (is_obj[depth - 1] ? '}' : ']')) return KC_AGAIN;
  *o++ = (char)*p++;
  depth--;
  if (is_obj[depth]) nkeys = kfirst[depth];
  goto after;
}

int kc_json_to_java_text(const char *data, size_t len, kc_buf_t *out) {
  size_t start = out->len;
  if (!data) return kc_buf_append(out, "null", 4); /* a tombstone: a null value */
  int rc = kc_buf_reserve(out, 2 * len + SLACK);
  if (rc) return rc;
  const unsigned char *p = (const unsigned char *)data, *end = p + len;
  if (len >= 3 && !memcmp(data, "\xEF\xBB\xBF", 3)) p += 3;
  p = skip_ws(p, end);
  if (p == end) { /* Jackson reads blank input as a missing node: a null value */
    memcpy(out->data + out->len, "null", 4);
    out->len += 4;
    out->data[out->len] = '\0';
    return 0;
  }
  jt_t t;
  t.out = out;
  t.doc = data;
  t.doc_len = len;
  t.rd_ready = false;
  rc = render(&t, p, end);
  if (t.rd_ready) kc_json_reader_free(&t.rd);
  if (rc) out->len = start;
  out->data[out->len] = '\0';
  return rc;
}
