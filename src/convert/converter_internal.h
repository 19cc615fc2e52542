/*
 * Private to src/convert: the converter vtable and the pieces the converter
 * files share. Nothing outside src/convert includes this.
 */
#ifndef KC_CONVERT_CONVERTER_INTERNAL_H
#define KC_CONVERT_CONVERTER_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>

#include "convert/converter.h"
#include "convert/json_value.h"

typedef struct kc_converter_ops_s {
  /* arena: where the value is allocated (NULL: the heap); see kc_converter_to_connect_arena(). */
  int (*to_connect)(kc_converter_t *conv, kc_arena_t *arena, const char *topic, const void *data,
                    size_t len, kc_schema_t **schema, kc_value_t **value, char *errstr,
                    size_t errstr_size);
  int (*from_connect)(kc_converter_t *conv, const char *topic, const kc_schema_t *schema,
                      const kc_value_t *value, kc_buf_t *out, bool *is_null, char *errstr,
                      size_t errstr_size);
  void (*destroy)(kc_converter_t *conv);
  /* Optional: converters that talk to a service (the Schema Registry) get the HTTP client. */
  void (*attach)(kc_converter_t *conv, kc_http_t *http, void (*notify)(void *arg), void *arg);
  /* Optional: kc_converter_value_text(). */
  int (*to_text)(kc_converter_t *conv, const void *data, size_t len, kc_buf_t *out);
} kc_converter_ops_t;

/* Every converter starts with this header. */
struct kc_converter_s {
  const kc_converter_ops_t *ops;
  kc_converter_kind_t kind;
  bool is_key;
};

/* Constructors of the concrete converters; cfg may be NULL (all defaults). */
kc_converter_t *kc_json_converter_new(const kc_config_t *cfg, bool is_key, char *errstr,
                                      size_t errstr_size);
kc_converter_t *kc_string_converter_new(const kc_config_t *cfg, bool is_key, char *errstr,
                                        size_t errstr_size);
kc_converter_t *kc_avro_converter_new(const kc_config_t *cfg, bool is_key, char *errstr,
                                      size_t errstr_size);
kc_converter_t *kc_bytearray_converter_new(const kc_config_t *cfg, bool is_key, char *errstr,
                                           size_t errstr_size);

/* JsonConverter schema <-> JSON (json_schema.c). */
typedef struct kc_json_schema_cache_s kc_json_schema_cache_t;

/**
 * Caches for both directions, each holding at most @p capacity entries
 * (schemas.cache.size; 0 disables caching).
 */
kc_json_schema_cache_t *kc_json_schema_cache_new(int capacity);
void kc_json_schema_cache_destroy(kc_json_schema_cache_t *c);

/** Writes a value as JSON following @p schema (the converter's value encoder). */
typedef int (*kc_json_value_writer_t)(void *ctx, const kc_schema_t *schema, const kc_value_t *v,
                                      kc_buf_t *out, char *errstr, size_t errstr_size);

/**
 * Appends the JSON of @p schema (JsonConverter.asJsonSchema), from the cache
 * when this schema object was written before. Defaults are written by @p wv.
 * @returns 0, KC_ECONVERT (errstr set) or a kc_buf error.
 */
int kc_json_schema_write(kc_json_schema_cache_t *c, const kc_schema_t *schema,
                         kc_json_value_writer_t wv, void *wctx, kc_buf_t *out, char *errstr,
                         size_t errstr_size);

/** Reads a default value for @p schema from the reader (the converter's typed reader). */
typedef int (*kc_json_value_reader_t)(void *ctx, kc_json_reader_t *r, const kc_schema_t *schema,
                                      kc_value_t **out, char *errstr, size_t errstr_size);

/**
 * Builds the schema whose JSON is the span [off, off+len) of the reader's
 * document (JsonConverter.asConnectSchema), from the cache when the same text
 * was seen before. The span must hold syntactically valid JSON (already
 * skipped). *out is a new reference, NULL for a JSON null schema.
 * @returns 0 or KC_ECONVERT with Connect's DataException text.
 */
int kc_json_schema_read(kc_json_schema_cache_t *c, kc_json_reader_t *r, size_t off, size_t len,
                        kc_json_value_reader_t rv, void *rctx, kc_schema_t **out, char *errstr,
                        size_t errstr_size);

/* errstr helper: snprintf that tolerates a NULL/empty buffer. @returns KC_ECONVERT. */
static inline int kc_conv_errf(char *errstr, size_t errstr_size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int kc_conv_errf(char *errstr, size_t errstr_size, const char *fmt, ...) {
  if (errstr && errstr_size) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, errstr_size, fmt, ap);
    va_end(ap);
  }
  return KC_ECONVERT;
}

/**
 * A converter's BOOLEAN setting (ConfigDef.Type.BOOLEAN: "true"/"false", any case, blanks
 * trimmed); *out = @p def when unset. @returns 0 or KC_ECONVERT with ConfigDef's message.
 */
int kc_conv_cfg_bool(const kc_config_t *cfg, const char *key, bool def, bool *out, char *errstr,
                     size_t errn);

/* Connect's enum names for messages ("INT32", "STRUCT"). */
const char *kc_type_enum_name(kc_type_t t);

/* Charset handling of StringConverter (string_converter.c), reused by the header converter. */
/** Appends @p len bytes as valid UTF-8, replacing malformed sequences by U+FFFD (Java's decoder). */
int kc_utf8_sanitize(kc_buf_t *out, const char *s, size_t len);
/**
 * Length of the valid UTF-8 sequence at @p p (strict: no overlongs, surrogates
 * or code points above U+10FFFF), or 0 when the bytes there are not one.
 */
size_t kc_utf8_seq_len(const unsigned char *p, const unsigned char *end);
/** True when @p s is entirely valid UTF-8. */
bool kc_utf8_valid(const char *s, size_t len);

/* Header converter parsing (header_converter.c) */
/** Values.parseString: infers a schema and value from text. */
int kc_values_parse_string(const char *s, size_t len, kc_schema_t **schema, kc_value_t **value,
                           char *errstr, size_t errstr_size);
/** Values.dateFormatFor(ms).format in UTC: "HH:mm:ss.SSS'Z'" below one day, "yyyy-MM-dd" at a
 * midnight, else "yyyy-MM-dd'T'HH:mm:ss.SSS'Z'"; appended to @p out. @returns 0 or a kc_buf error. */
int kc_values_date_format(int64_t ms, kc_buf_t *out);
/** Values.convertToString: renders a value the way SimpleHeaderConverter writes it. */
int kc_values_convert_to_string(const kc_schema_t *schema, const kc_value_t *v, kc_buf_t *out);

#endif
