/*
 * JSON writer, byte-compatible with Jackson as Connect configures it: compact,
 * Double.toString numbers, NaN/Infinity quoted, strings escaped the way
 * Jackson 2.16's UTF8JsonGenerator does, byte arrays as padded base64.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter_internal.h"
#include "convert/json_value.h"

int kc_json_encode_string(kc_buf_t *out, const char *str, size_t len) {
  static const char hex[] = "0123456789ABCDEF";
  const unsigned char *s = (const unsigned char *)str, *end = s + len, *run = s;
  /* Most strings need no escape: one reserve and one copy. */
  const unsigned char *q = kc_json_plain_end(s, end);
  int rc = kc_buf_reserve(out, len + 2);
  if (!rc && q == end) {
    char *o = out->data + out->len;
    o[0] = '"';
    if (len) memcpy(o + 1, str, len);
    o[len + 1] = '"';
    o[len + 2] = '\0';
    out->len += len + 2;
    return 0;
  }
  if (!rc) rc = kc_buf_append(out, "\"", 1);
  s = q; /* [str, q) is plain: it goes out with the first run */
  while (!rc && s < end) {
    s = kc_json_plain_end(s, end);
    if (s == end) break;
    unsigned c = *s;
    size_t n = c >= 0x80 ? kc_utf8_seq_len(s, end) : 0;
    if (n && n < 4) {
      s += n;
      continue;
    }
    if (s > run) rc = kc_buf_append(out, run, (size_t)(s - run));
    char e[16] = {'\\', 0};
    size_t en = 2;
    if (n == 4) {
      /* Jackson 2.16's UTF8JsonGenerator escapes supplementary characters as a
       * surrogate pair (COMBINE_UNICODE_SURROGATES_IN_UTF8 came later, off by default) */
      unsigned cp = ((c & 0x07u) << 18) | ((s[1] & 0x3Fu) << 12) | ((s[2] & 0x3Fu) << 6) | (s[3] & 0x3Fu);
      unsigned hi = 0xD800 + ((cp - 0x10000) >> 10), lo = 0xDC00 + ((cp - 0x10000) & 0x3FF);
      snprintf(e, sizeof e, "\\u%04X\\u%04X", hi, lo);
      if (!rc) rc = kc_buf_append(out, e, 12);
      s += 4;
      run = s;
      continue;
    }
    switch (c) {
      case '"': e[1] = '"'; break;
      case '\\': e[1] = '\\'; break;
      case '\b': e[1] = 'b'; break;
      case '\t': e[1] = 't'; break;
      case '\f': e[1] = 'f'; break;
      case '\n': e[1] = 'n'; break;
      case '\r': e[1] = 'r'; break;
      default:
        if (c < 0x20) {
          memcpy(e, "\\u00", 4);
          e[4] = hex[c >> 4];
          e[5] = hex[c & 15];
          en = 6;
        } else { /* invalid UTF-8 byte: what a Java decoder would have made of it */
          memcpy(e, "\xEF\xBF\xBD", 3);
          en = 3;
        }
    }
    if (!rc) rc = kc_buf_append(out, e, en);
    run = ++s;
  }
  if (!rc && s > run) rc = kc_buf_append(out, run, (size_t)(s - run));
  return rc ? rc : kc_buf_append(out, "\"", 1);
}

int kc_json_encode_double(kc_buf_t *out, double v) {
  char buf[40];
  if (isnan(v) || isinf(v)) { /* JsonGenerator.Feature.QUOTE_NON_NUMERIC_NUMBERS */
    buf[0] = '"';
    size_t n = kc_java_format_double(v, buf + 1);
    buf[n + 1] = '"';
    return kc_buf_append(out, buf, n + 2);
  }
  return kc_buf_append(out, buf, kc_java_format_double(v, buf));
}

int kc_json_encode_float(kc_buf_t *out, float v) {
  char buf[40];
  if (isnan(v) || isinf(v)) return kc_json_encode_double(out, (double)v);
  return kc_buf_append(out, buf, kc_java_format_float(v, buf));
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int kc_base64_encode(kc_buf_t *out, const void *data, size_t len) {
  const unsigned char *p = data;
  size_t olen = (len + 2) / 3 * 4;
  int rc = kc_buf_reserve(out, olen);
  if (rc) return rc;
  char *o = out->data + out->len;
  size_t i = 0;
  for (; i + 2 < len; i += 3) {
    uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
    *o++ = b64chars[v >> 18];
    *o++ = b64chars[v >> 12 & 63];
    *o++ = b64chars[v >> 6 & 63];
    *o++ = b64chars[v & 63];
  }
  if (i < len) {
    uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);
    *o++ = b64chars[v >> 18];
    *o++ = b64chars[v >> 12 & 63];
    *o++ = i + 1 < len ? b64chars[v >> 6 & 63] : '=';
    *o++ = '=';
  }
  out->len += olen;
  out->data[out->len] = '\0';
  return 0;
}

static int b64val(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

int kc_base64_decode(const char *s, size_t len, unsigned char **out, size_t *out_len) {
  const unsigned char *p = (const unsigned char *)s;
  if (len % 4) return KC_EINVAL;
  unsigned char *o = malloc(len / 4 * 3 + 1);
  if (!o) return KC_ENOMEM;
  size_t n = 0;
  for (size_t i = 0; i < len; i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; k++) {
      if (p[i + k] == '=' && i + 4 == len && k >= 2) {
        pad++;
        v[k] = 0;
        continue;
      }
      if (pad || (v[k] = b64val(p[i + k])) < 0) {
        free(o);
        return KC_EINVAL;
      }
    }
    uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
    o[n++] = (unsigned char)(w >> 16);
    if (pad < 2) o[n++] = (unsigned char)(w >> 8);
    if (pad < 1) o[n++] = (unsigned char)w;
  }
  o[n] = 0;
  *out = o;
  *out_len = n;
  return 0;
}

static int encode_int(kc_buf_t *out, int64_t v) {
  char buf[24], *e = buf + sizeof buf, *p = e;
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  return kc_buf_append(out, p, (size_t)(e - p));
}

int kc_json_encode(const kc_value_t *v, kc_buf_t *out) {
  int rc = 0;
  if (!v) return kc_buf_append(out, "null", 4);
  switch (v->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64: return encode_int(out, v->u.i);
    case KC_TYPE_FLOAT32: return kc_json_encode_float(out, (float)v->u.f);
    case KC_TYPE_FLOAT64: return kc_json_encode_double(out, v->u.f);
    case KC_TYPE_BOOLEAN: return v->u.b ? kc_buf_append(out, "true", 4) : kc_buf_append(out, "false", 5);
    case KC_TYPE_STRING: return kc_json_encode_string(out, v->u.str.ptr, v->u.str.len);
    case KC_TYPE_BYTES:
      if ((rc = kc_buf_append(out, "\"", 1)) || (rc = kc_base64_encode(out, v->u.str.ptr, v->u.str.len)))
        return rc;
      return kc_buf_append(out, "\"", 1);
    case KC_TYPE_ARRAY:
      rc = kc_buf_append(out, "[", 1);
      for (size_t i = 0; !rc && i < v->u.arr.n; i++) {
        if (i) rc = kc_buf_append(out, ",", 1);
        if (!rc) rc = kc_json_encode(v->u.arr.items[i], out);
      }
      return rc ? rc : kc_buf_append(out, "]", 1);
    case KC_TYPE_MAP: {
      /* JsonConverter: string keys make an object, anything else an array of [key, value] pairs */
      bool object = true;
      for (size_t i = 0; object && i < v->u.map.n; i++)
        object = v->u.map.keys[i] && v->u.map.keys[i]->type == KC_TYPE_STRING;
      rc = kc_buf_append(out, object ? "{" : "[", 1);
      for (size_t i = 0; !rc && i < v->u.map.n; i++) {
        if (i) rc = kc_buf_append(out, ",", 1);
        if (!rc && !object) rc = kc_buf_append(out, "[", 1);
        if (!rc) rc = kc_json_encode(v->u.map.keys[i], out);
        if (!rc) rc = kc_buf_append(out, object ? ":" : ",", 1);
        if (!rc) rc = kc_json_encode(v->u.map.vals[i], out);
        if (!rc && !object) rc = kc_buf_append(out, "]", 1);
      }
      return rc ? rc : kc_buf_append(out, object ? "}" : "]", 1);
    }
    case KC_TYPE_STRUCT: {
      const kc_schema_t *s = v->u.st.schema;
      rc = kc_buf_append(out, "{", 1);
      for (size_t i = 0; !rc && i < s->nfields; i++) {
        if (i) rc = kc_buf_append(out, ",", 1);
        if (!rc) rc = kc_json_encode_string(out, s->fields[i].name, strlen(s->fields[i].name));
        if (!rc) rc = kc_buf_append(out, ":", 1);
        if (!rc) rc = kc_json_encode(v->u.st.vals[i], out);
      }
      return rc ? rc : kc_buf_append(out, "}", 1);
    }
  }
  return KC_EINVAL;
}
