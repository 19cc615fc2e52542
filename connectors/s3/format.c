/* Record formats (format.h): JsonRecordWriterProvider and ByteArrayRecordWriterProvider. */
#include <stdio.h>
#include <string.h>

#include "format.h"

static kc_s3_format_t view_format(const kc_s3_conf_t *c, kc_s3_view_t view) {
  return view == KC_S3_VIEW_KEYS      ? c->keys_format
         : view == KC_S3_VIEW_HEADERS ? c->headers_format
                                      : c->format;
}

int kc_s3_format_extension(const kc_s3_conf_t *c, kc_s3_view_t view, kc_buf_t *out) {
  int rc = 0;
  if (view == KC_S3_VIEW_KEYS) rc = kc_buf_puts(out, ".keys");
  if (view == KC_S3_VIEW_HEADERS) rc = kc_buf_puts(out, ".headers");
  if (!rc)
    rc = kc_buf_puts(out, view_format(c, view) == KC_S3_FORMAT_BYTEARRAY ? c->bytearray_extension
                                                                          : ".json");
  if (!rc && c->compression == KC_S3_COMPRESSION_GZIP) rc = kc_buf_puts(out, ".gz");
  return rc;
}

int kc_s3_format_write(const kc_s3_conf_t *c, kc_s3_view_t view, const kc_schema_t *schema,
                       const kc_value_t *value, kc_buf_t *out, char *err, size_t errlen) {
  const char *what = view == KC_S3_VIEW_KEYS ? "key" : "value";
  size_t mark = out->len;
  int rc;
  if (view_format(c, view) == KC_S3_FORMAT_JSON) {
    rc = kc_value_to_json(schema, value, out);
    if (rc == KC_ECONVERT)
      snprintf(err, errlen, "JsonFormat cannot write the record's %s: it does not match its schema",
               what);
    if (!rc) rc = kc_buf_append(out, "\n", 1);
  } else {
    /* ByteArrayConverter.fromConnectData: a BYTES schema (or none) and a byte array */
    if (schema && schema->type != KC_TYPE_BYTES) {
      snprintf(err, errlen, "Invalid schema type for ByteArrayConverter: %s (the record's %s)",
               kc_type_name(schema->type), what);
      return KC_ECONVERT;
    }
    if (!value || value->type != KC_TYPE_BYTES) {
      snprintf(err, errlen, "ByteArrayFormat needs the record's %s as bytes, got %s", what,
               value ? kc_type_name(value->type) : "null");
      return KC_ECONVERT;
    }
    rc = kc_buf_append(out, value->u.str.ptr, value->u.str.len);
    if (!rc) rc = kc_buf_append(out, c->bytearray_separator, c->bytearray_separator_len);
  }
  if (rc) {
    if (rc != KC_ECONVERT) snprintf(err, errlen, "cannot buffer the record's %s: %s", what, kc_strerror(rc));
    out->len = mark; /* nothing half-written */
    if (out->data) out->data[mark] = '\0';
  }
  return rc;
}

/* A JSON string literal exactly as the runtime's JsonConverter writes one. */
static int json_string(kc_buf_t *out, const char *s, size_t n, kc_buf_t *tmp) {
  kc_buf_reset(tmp);
  int rc = kc_buf_append(tmp, s, n); /* values are NUL-terminated */
  if (rc) return rc;
  kc_value_t v = {.type = KC_TYPE_STRING};
  v.u.str.ptr = tmp->data;
  v.u.str.len = n;
  rc = kc_value_to_json(NULL, &v, out);
  return rc == KC_ECONVERT ? KC_EINVAL : rc;
}

int kc_s3_format_write_headers(const kc_s3_conf_t *c, const kc_s3_header_t *h, size_t n,
                               kc_buf_t *out) {
  (void)c;
  /* HeaderRecordView enveloped: Struct{headers: [Struct{key, value}]} through JsonConverter */
  size_t mark = out->len;
  kc_buf_t tmp;
  kc_buf_init(&tmp, 0);
  int rc = kc_buf_puts(out, "{\"headers\":[");
  for (size_t i = 0; i < n && !rc; i++) {
    rc = kc_buf_puts(out, i ? ",{\"key\":" : "{\"key\":");
    if (!rc) rc = json_string(out, h[i].key, strlen(h[i].key), &tmp);
    if (!rc) rc = kc_buf_puts(out, ",\"value\":");
    if (!rc) rc = h[i].value ? json_string(out, h[i].value, h[i].len, &tmp) : kc_buf_puts(out, "null");
    if (!rc) rc = kc_buf_puts(out, "}");
  }
  if (!rc) rc = kc_buf_puts(out, "]}\n");
  kc_buf_free(&tmp);
  if (rc) {
    out->len = mark;
    if (out->data) out->data[mark] = '\0';
  }
  return rc;
}

int kc_s3_format_null_value(const kc_s3_conf_t *c, bool *skip, bool *tombstone, char *err,
                            size_t errlen) {
  *skip = c->null_behavior == KC_S3_NULL_IGNORE;
  *tombstone = c->null_behavior == KC_S3_NULL_WRITE;
  if (c->null_behavior != KC_S3_NULL_FAIL) return 0;
  snprintf(err, errlen,
           "Null valued records are not writeable with current behavior.on.null.values 'settings.");
  return KC_EINVAL;
}
