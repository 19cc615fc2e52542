/*
 * org.apache.kafka.connect.storage.StringConverter and
 * org.apache.kafka.connect.converters.ByteArrayConverter (connect-runtime.md
 * 9.2, 9.3). UTF-8, ISO-8859-1 and US-ASCII are handled inline; other
 * converter.encoding values go through iconv descriptors opened once.
 */
#include <errno.h>
#include <iconv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/converter_internal.h"
#include "data/value_internal.h"

/* ---- UTF-8 ------------------------------------------------------------------ */

size_t kc_utf8_seq_len(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  if (c < 0x80) return 1;
  if (c < 0xC2) return 0;
  if (c < 0xE0) return end - p >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
  if (c < 0xF0) {
    if (end - p < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80) return 0;
    return (c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) ? 0 : 3;
  }
  if (c < 0xF5) {
    if (end - p < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 || (p[3] & 0xC0) != 0x80)
      return 0;
    return (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90) ? 0 : 4;
  }
  return 0;
}

bool kc_utf8_valid(const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  while (p < end) {
    while (end - p >= 8) { /* ASCII runs, a word at a time */
      uint64_t w;
      memcpy(&w, p, 8);
      if (w & 0x8080808080808080ULL) break;
      p += 8;
    }
    if (p == end) break;
    if (*p < 0x80) {
      p++;
      continue;
    }
    size_t n = kc_utf8_seq_len(p, end);
    if (!n) return false;
    p += n;
  }
  return true;
}

/*
 * Java's decoder replaces each maximal invalid subsequence with one U+FFFD:
 * a lead byte followed by some (not all) valid continuation bytes counts once.
 */
static size_t invalid_span(const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t need = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 1;
  if (need == 1 || c >= 0xF5) return 1;
  size_t i = 1;
  for (; i < need && p + i < end && (p[i] & 0xC0) == 0x80; i++) {
    /* the second byte's allowed range depends on the lead byte */
    if (i == 1 && ((c == 0xE0 && p[1] < 0xA0) || (c == 0xED && p[1] >= 0xA0) ||
                   (c == 0xF0 && p[1] < 0x90) || (c == 0xF4 && p[1] >= 0x90)))
      break;
  }
  return i;
}

int kc_utf8_sanitize(kc_buf_t *out, const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len, *run = p;
  int rc = 0;
  while (!rc && p < end) {
    if (*p < 0x80) {
      p++;
      continue;
    }
    size_t n = kc_utf8_seq_len(p, end);
    if (n) {
      p += n;
      continue;
    }
    rc = kc_buf_append(out, run, (size_t)(p - run));
    if (!rc) rc = kc_buf_append(out, "\xEF\xBF\xBD", 3);
    p += invalid_span(p, end);
    run = p;
  }
  return rc ? rc : kc_buf_append(out, run, (size_t)(p - run));
}

/* ---- StringConverter -------------------------------------------------------- */

typedef enum { ENC_UTF8, ENC_LATIN1, ENC_ASCII, ENC_ICONV } encoding_t;

typedef struct {
  kc_converter_t base;
  encoding_t enc;
  iconv_t to_utf8, from_utf8; /* ENC_ICONV only */
  char *encoding;
} string_conv_t;

static bool name_is(const char *v, const char *const *names) {
  for (; *names; names++)
    if (!strcasecmp(v, *names)) return true;
  return false;
}

static const char *const utf8_names[] = {"UTF-8", "UTF8", "unicode-1-1-utf-8", NULL};
static const char *const latin1_names[] = {"ISO-8859-1", "ISO8859_1", "ISO8859-1", "ISO_8859_1",
                                           "ISO_8859-1", "latin1", "l1", "8859_1", "cp819", NULL};
static const char *const ascii_names[] = {"US-ASCII", "ASCII", "ASCII7", "646", "iso-ir-6",
                                          "default", "us", "ISO646-US", NULL};

/* Bytes in a non-UTF-8 charset -> UTF-8 through iconv, invalid input as U+FFFD. */
static int iconv_decode(iconv_t cd, const char *in, size_t len, kc_buf_t *out) {
  char *ip = (char *)in;
  size_t il = len;
  iconv(cd, NULL, NULL, NULL, NULL);
  while (il) {
    int rc = kc_buf_reserve(out, il * 4 + 16);
    if (rc) return rc;
    char *op = out->data + out->len;
    size_t ol = out->cap - out->len - 1, before = ol;
    size_t r = iconv(cd, &ip, &il, &op, &ol);
    out->len += before - ol;
    out->data[out->len] = '\0';
    if (r == (size_t)-1 && errno != E2BIG) {
      if ((rc = kc_buf_append(out, "\xEF\xBF\xBD", 3))) return rc;
      ip++; /* skip one byte and resynchronise */
      il--;
    }
  }
  return 0;
}

static int sc_to_connect(kc_converter_t *conv, kc_arena_t *arena, const char *topic,
                         const void *data, size_t len, kc_schema_t **schema, kc_value_t **value,
                         char *errstr, size_t errn) {
  string_conv_t *c = (string_conv_t *)conv;
  *schema = &kc_schema_optional_string;
  *value = NULL;
  if (!data) return 0;
  const unsigned char *p = data;
  if (c->enc == ENC_UTF8 && kc_utf8_valid(data, len)) {
    if (!(*value = kc__value_new_blob_a(arena, KC_TYPE_STRING, data, len))) goto nomem;
    return 0;
  }
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = 0;
  switch (c->enc) {
    case ENC_UTF8: rc = kc_utf8_sanitize(&b, data, len); break;
    case ENC_LATIN1:
    case ENC_ASCII:
      rc = kc_buf_reserve(&b, len * 3);
      for (size_t i = 0; !rc && i < len; i++) {
        char u[3];
        size_t n = 1;
        if (p[i] < 0x80) u[0] = (char)p[i];
        else if (c->enc == ENC_ASCII) memcpy(u, "\xEF\xBF\xBD", n = 3);
        else {
          u[0] = (char)(0xC0 | p[i] >> 6);
          u[1] = (char)(0x80 | (p[i] & 0x3F));
          n = 2;
        }
        rc = kc_buf_append(&b, u, n);
      }
      break;
    case ENC_ICONV: rc = iconv_decode(c->to_utf8, data, len, &b); break;
  }
  if (!rc) *value = kc__value_new_blob_a(arena, KC_TYPE_STRING, b.data ? b.data : "", b.len);
  kc_buf_free(&b);
  if (!rc && *value) return 0;
nomem:
  *schema = NULL;
  return kc_conv_errf(errstr, errn, "out of memory");
}

/* UTF-8 text -> the target charset; unmappable characters become '?' as in String.getBytes. */
static int encode_text(string_conv_t *c, const char *s, size_t len, kc_buf_t *out) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  if (c->enc == ENC_ICONV) {
    char *ip = (char *)s;
    size_t il = len;
    iconv(c->from_utf8, NULL, NULL, NULL, NULL);
    while (il) {
      int rc = kc_buf_reserve(out, il * 4 + 16);
      if (rc) return rc;
      char *op = out->data + out->len;
      size_t ol = out->cap - out->len - 1, before = ol;
      size_t r = iconv(c->from_utf8, &ip, &il, &op, &ol);
      out->len += before - ol;
      out->data[out->len] = '\0';
      if (r == (size_t)-1 && errno != E2BIG) {
        if ((rc = kc_buf_append(out, "?", 1))) return rc;
        size_t n = kc_utf8_seq_len((const unsigned char *)ip, (const unsigned char *)ip + il);
        n = n ? n : 1;
        ip += n;
        il -= n;
      }
    }
    return 0;
  }
  int rc = kc_buf_reserve(out, len);
  while (!rc && p < end) {
    size_t n = kc_utf8_seq_len(p, end);
    unsigned cp = p[0];
    if (n == 2) cp = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
    char ch = (char)cp;
    if (!n || n > 2 || cp > (c->enc == ENC_ASCII ? 0x7Fu : 0xFFu)) ch = '?';
    rc = kc_buf_append(out, &ch, 1);
    p += n ? n : 1;
  }
  return rc;
}

static int sc_from_connect(kc_converter_t *conv, const char *topic, const kc_schema_t *schema,
                           const kc_value_t *value, kc_buf_t *out, bool *is_null, char *errstr,
                           size_t errn) {
  string_conv_t *c = (string_conv_t *)conv;
  *is_null = !value;
  if (!value) return 0;
  int rc;
  size_t start = out->len;
  if (c->enc == ENC_UTF8) {
    /* value.toString() written straight into the output */
    rc = value->type == KC_TYPE_STRING
             ? kc_buf_append(out, value->u.str.ptr, value->u.str.len)
             : kc_value_to_java_string_schema(schema, value, out);
  } else {
    kc_buf_t tmp;
    kc_buf_init(&tmp, 0);
    rc = kc_value_to_java_string_schema(schema, value, &tmp);
    if (!rc) rc = encode_text(c, tmp.data ? tmp.data : "", tmp.len, out);
    kc_buf_free(&tmp);
  }
  if (rc) {
    out->len = start;
    if (out->data) out->data[start] = '\0';
    kc_conv_errf(errstr, errn, "Converting Kafka Connect data to byte[] failed: %s", kc_strerror(rc));
  }
  return rc;
}

static void sc_destroy(kc_converter_t *conv) {
  string_conv_t *c = (string_conv_t *)conv;
  if (c->enc == ENC_ICONV) {
    iconv_close(c->to_utf8);
    iconv_close(c->from_utf8);
  }
  free(c->encoding);
  free(c);
}

static const kc_converter_ops_t string_ops = {sc_to_connect, sc_from_connect, sc_destroy, NULL, NULL};

kc_converter_t *kc_string_converter_new(const kc_config_t *cfg, bool is_key, char *errstr,
                                        size_t errn) {
  const char *enc = cfg ? kc_config_get(cfg, "converter.encoding") : NULL;
  if (!enc || !*enc) enc = "UTF-8";
  string_conv_t *c = calloc(1, sizeof *c);
  if (!c || !(c->encoding = strdup(enc))) {
    free(c);
    kc_conv_errf(errstr, errn, "out of memory");
    return NULL;
  }
  c->base.ops = &string_ops;
  c->base.kind = KC_CONVERTER_STRING;
  c->base.is_key = is_key;
  if (name_is(enc, utf8_names)) {
    c->enc = ENC_UTF8;
  } else if (name_is(enc, latin1_names)) {
    c->enc = ENC_LATIN1;
  } else if (name_is(enc, ascii_names)) {
    c->enc = ENC_ASCII;
  } else {
    c->enc = ENC_ICONV;
    c->to_utf8 = iconv_open("UTF-8", enc);
    c->from_utf8 = c->to_utf8 == (iconv_t)-1 ? (iconv_t)-1 : iconv_open(enc, "UTF-8");
    if (c->from_utf8 == (iconv_t)-1) {
      if (c->to_utf8 != (iconv_t)-1) iconv_close(c->to_utf8);
      kc_conv_errf(errstr, errn,
                   "Invalid value %s for configuration converter.encoding: unsupported encoding",
                   enc);
      free(c->encoding);
      free(c);
      return NULL;
    }
  }
  return &c->base;
}

/* ---- ByteArrayConverter ------------------------------------------------------ */

static int bc_to_connect(kc_converter_t *conv, kc_arena_t *arena, const char *topic,
                         const void *data, size_t len, kc_schema_t **schema, kc_value_t **value,
                         char *errstr, size_t errn) {
  *schema = &kc_schema_optional_bytes;
  *value = NULL;
  if (data && !(*value = kc__value_new_blob_a(arena, KC_TYPE_BYTES, data, len))) {
    *schema = NULL;
    return kc_conv_errf(errstr, errn, "out of memory");
  }
  return 0;
}

static int bc_from_connect(kc_converter_t *conv, const char *topic, const kc_schema_t *schema,
                           const kc_value_t *value, kc_buf_t *out, bool *is_null, char *errstr,
                           size_t errn) {
  *is_null = false;
  if (schema && schema->type != KC_TYPE_BYTES)
    return kc_conv_errf(errstr, errn, "Invalid schema type for ByteArrayConverter: %s",
                        kc_type_enum_name(schema->type));
  if (value && value->type != KC_TYPE_BYTES)
    return kc_conv_errf(errstr, errn, "ByteArrayConverter is not compatible with objects of type class %s",
                        kc_value_java_class(value));
  *is_null = !value;
  if (!value) return 0;
  int rc = kc_buf_append(out, value->u.str.ptr, value->u.str.len);
  if (rc) kc_conv_errf(errstr, errn, "Converting Kafka Connect data to byte[] failed: %s", kc_strerror(rc));
  return rc;
}

static void bc_destroy(kc_converter_t *conv) { free(conv); }

static const kc_converter_ops_t bytearray_ops = {bc_to_connect, bc_from_connect, bc_destroy, NULL, NULL};

kc_converter_t *kc_bytearray_converter_new(const kc_config_t *cfg, bool is_key, char *errstr,
                                           size_t errn) {
  kc_converter_t *c = calloc(1, sizeof *c);
  if (!c) {
    kc_conv_errf(errstr, errn, "out of memory");
    return NULL;
  }
  c->ops = &bytearray_ops;
  c->kind = KC_CONVERTER_BYTEARRAY;
  c->is_key = is_key;
  return c;
}
