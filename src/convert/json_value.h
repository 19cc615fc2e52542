/*
 * Schemaless JSON <-> kc_value_t, byte-compatible with Jackson as Connect uses
 * it (JsonConverter with schemas.enable=false): compact output, no spaces,
 * map keys in insertion order, strings escaped as Jackson does (", \, control
 * characters; other BMP characters written as raw UTF-8, supplementary ones as
 * an escaped surrogate pair "\uD83D\uDE00" as Jackson 2.16 does; '/' not escaped).
 * Used for offsets (section 5.2), status/config records and the REST layer's
 * conversions.
 */
#ifndef KC_CONVERT_JSON_VALUE_H
#define KC_CONVERT_JSON_VALUE_H

#include <stdint.h>
#include <string.h>
#include "util/arena.h"
#include "kconnect/connector.h"

/**
 * Parses JSON text (RFC 8259, strict: rejects every n_ file of JSONTestSuite)
 * into a value: object -> MAP with STRING keys (insertion order), array ->
 * ARRAY, integer -> INT64, other numbers -> FLOAT64, true/false -> BOOLEAN,
 * string -> STRING, null -> NULL pointer. Integers outside int64 become
 * FLOAT64 (nearest double), as do numbers whose exponent overflows (+-inf).
 * Duplicate keys: the last value wins, at the first key's position (Jackson).
 * A zero with a fraction or exponent reads as +0.0 (Jackson/Connect go through
 * BigDecimal, which has no negative zero).
 * A leading UTF-8 BOM is skipped; nesting is limited to KC_JSON_MAX_DEPTH.
 * @returns 0 or KC_EINVAL with errstr "line L column C: reason".
 */
int kc_json_decode(const char *text, size_t len, kc_value_t **out, char *errstr,
                   size_t errstr_size);

/**
 * Appends compact JSON for @p v (NULL -> "null"; BYTES -> base64 string; a MAP
 * with a non-STRING key -> array of [key, value] pairs as JsonConverter writes
 * it; STRUCT -> object of its fields). @returns 0 or a kc_buf error.
 */
int kc_json_encode(const kc_value_t *v, kc_buf_t *out);

/** Nesting limit of the parser: deeper documents are rejected, never recursed into. */
#define KC_JSON_MAX_DEPTH 1000

/*
 * Pull reader: the strict tokenizer under kc_json_decode(), exposed so the
 * JsonConverter can read a payload straight into typed values guided by a
 * schema (no intermediate tree, exact number text for decimals).
 *
 * Every read function skips leading whitespace, returns 0 on success and
 * KC_EINVAL on error; the first error is kept in errstr ("line L column C:
 * reason", positions counted from the start of the document given to init)
 * and every later call fails too.
 */
typedef enum {
  KC_JSON_NONE = 0, /* error or end of input */
  KC_JSON_OBJECT, KC_JSON_ARRAY, KC_JSON_STRING, KC_JSON_NUMBER,
  KC_JSON_TRUE, KC_JSON_FALSE, KC_JSON_NULL
} kc_json_kind_t;

typedef struct kc_json_reader_s {
  const char *base;  /* start of the document: positions in errors count from here */
  const char *p;     /* next byte to read */
  const char *end;   /* end of the region being read */
  int depth;         /* open objects/arrays */
  bool after_open;   /* the last token was '{' or '[' (no comma expected yet) */
  bool failed;
  char *errstr;
  size_t errstr_size;
  kc_buf_t scratch;  /* unescaped strings land here */
  kc_arena_t *arena; /* kc_json_read_value() allocates here when set (util/arena.h), else on the heap */
} kc_json_reader_t;

typedef struct kc_json_number_s {
  const char *text; /* the number as written (not NUL-terminated) */
  size_t len;
  bool integral;    /* no fraction and no exponent */
  bool fits_int64;  /* integral and within int64: i is exact */
  int64_t i;
  double d;         /* nearest double (+-inf when out of range) */
} kc_json_number_t;

/** Reads @p len bytes at @p text (a leading UTF-8 BOM is skipped). @p errstr may be NULL. */
void kc_json_reader_init(kc_json_reader_t *r, const char *text, size_t len, char *errstr,
                         size_t errstr_size);
/** Frees the scratch buffer. */
void kc_json_reader_free(kc_json_reader_t *r);
/** Restricts reading to [off, off+len) of the document (a span found earlier). */
void kc_json_reader_seek(kc_json_reader_t *r, size_t off, size_t len);
/** Offset of the next unread byte from the document start. */
size_t kc_json_reader_offset(const kc_json_reader_t *r);
/** Records an error at the current position; @returns KC_EINVAL. */
int kc_json_reader_fail(kc_json_reader_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Kind of the next value; KC_JSON_NONE (with the error set) when none can start here. */
kc_json_kind_t kc_json_peek(kc_json_reader_t *r);
/** Consumes true/false/null. */
int kc_json_read_bool(kc_json_reader_t *r, bool *out);
int kc_json_read_null(kc_json_reader_t *r);
/**
 * Reads a string. *s points into the document when it has no escapes, else into
 * the reader's scratch buffer (valid until the next string read). Unpaired
 * surrogate escapes become U+FFFD; raw bytes must be valid UTF-8.
 */
int kc_json_read_string(kc_json_reader_t *r, const char **s, size_t *len);
int kc_json_read_number(kc_json_reader_t *r, kc_json_number_t *out);
/** Consumes '{' / '['. Fails beyond KC_JSON_MAX_DEPTH. */
int kc_json_object_begin(kc_json_reader_t *r);
int kc_json_array_begin(kc_json_reader_t *r);
/**
 * Next object member: @returns 1 with the key read and the ':' consumed (the
 * value comes next), 0 when '}' was consumed, KC_EINVAL on error. The key may
 * live in the scratch buffer: use it before reading a string value.
 */
int kc_json_object_next(kc_json_reader_t *r, const char **key, size_t *klen);
/** Next array element: 1 (a value follows), 0 (']' consumed) or KC_EINVAL. */
int kc_json_array_next(kc_json_reader_t *r);
/** Skips (and validates) one value. */
int kc_json_skip(kc_json_reader_t *r);
/** Reads one value as kc_json_decode() does. */
int kc_json_read_value(kc_json_reader_t *r, kc_value_t **out);
/**
 * Building a MAP from a JSON object without the O(n^2) key scan of
 * kc_value_map_put(): put() appends a STRING key (replacing an equal key while
 * the map is small), done() then collapses any remaining duplicates (last
 * value wins, first position kept). Both take ownership; @returns 0 or KC_ENOMEM.
 */
int kc_json_object_put(kc_json_reader_t *r, kc_value_t *map, kc_value_t *key, kc_value_t *val);
int kc_json_object_done(kc_value_t *map);
/** Succeeds when only whitespace is left. */
int kc_json_reader_finish(kc_json_reader_t *r);
/** Jackson's JsonNodeType name of a kind: "OBJECT", "ARRAY", "STRING", "NUMBER", "BOOLEAN", "NULL". */
const char *kc_json_kind_name(kc_json_kind_t kind);

/*
 * True when none of the 8 bytes at @p p ends or escapes a string or needs
 * UTF-8 checks: no control character, '"', '\\' or byte >= 0x80. Word-wide
 * zero-byte tests (exact about existence, which is all that is asked).
 */
static inline bool kc_json_plain8(const unsigned char *p) {
  const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
  uint64_t x, q, bs;
  memcpy(&x, p, 8);
  q = x ^ (ones * '"');
  bs = x ^ (ones * '\\');
  uint64_t hit = ((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((bs - ones) & ~bs) | x;
  return !(hit & high);
}

/* The first byte at or after @p p that ends or escapes a string or starts a non-ASCII sequence
 * (@p end when none): the run before it can be copied as it is. */
static inline const unsigned char *kc_json_plain_end(const unsigned char *p,
                                                     const unsigned char *end) {
  while (end - p >= 8 && kc_json_plain8(p)) p += 8;
  while (p < end && *p >= 0x20 && *p != '"' && *p != '\\' && *p < 0x80) p++;
  return p;
}

/**
 * Appends what kc_json_decode() then kc_value_to_java_string() would append for the document
 * (NULL @p text: "null"; blank: "null"), in one pass without building values (json_text.c).
 * @returns 0, KC_AGAIN when the document needs that general path (invalid, a duplicate key,
 * nested deeper than 64) or a kc_buf error; on an error nothing is appended.
 */
int kc_json_to_java_text(const char *text, size_t len, kc_buf_t *out);

/** Appends @p s as a JSON string (quotes included), escaped as Jackson does. Invalid UTF-8 becomes U+FFFD. */
int kc_json_encode_string(kc_buf_t *out, const char *s, size_t len);

/** The 4 hex digits of a \u escape at @p p (at least 4 bytes readable) into @p out; -1 on a non-hex digit. */
int kc_json_hex4(const unsigned char *p, unsigned *out);

/** Appends a double as Jackson writes it: Java's Double.toString, NaN/Infinity quoted. */
int kc_json_encode_double(kc_buf_t *out, double v);
/** Appends a float as Jackson writes it: Java's Float.toString, NaN/Infinity quoted. */
int kc_json_encode_float(kc_buf_t *out, float v);

/** Standard base64 with padding (java.util.Base64 / Jackson MIME_NO_LINEFEEDS). */
int kc_base64_encode(kc_buf_t *out, const void *data, size_t len);
/**
 * Decodes standard base64 (padding required, no whitespace) into a new buffer
 * *out (NUL-terminated, caller frees). @returns 0, KC_EINVAL or KC_ENOMEM.
 */
int kc_base64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len);

#endif
