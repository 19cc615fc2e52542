/*
 * Converters (connect-runtime.md 9): bytes <-> Connect data. Knows nothing of
 * tasks, consumers or connectors.
 */
#ifndef KC_CONVERT_CONVERTER_H
#define KC_CONVERT_CONVERTER_H

#include <stdbool.h>

#include "kconnect/connector.h"

typedef struct kc_converter_s kc_converter_t;

typedef enum {
  KC_CONVERTER_STRING,    /* org.apache.kafka.connect.storage.StringConverter */
  KC_CONVERTER_BYTEARRAY, /* org.apache.kafka.connect.converters.ByteArrayConverter */
  KC_CONVERTER_JSON,      /* org.apache.kafka.connect.json.JsonConverter */
} kc_converter_kind_t;

/**
 * Creates a converter. @p class_name is a FQCN or simple name ("JsonConverter").
 * @p cfg holds the converter's own settings with the "key.converter." /
 * "value.converter." prefix stripped (schemas.enable, converter.encoding,
 * schemas.cache.size, decimal.format, replace.null.with.default ...).
 * @returns a new converter or NULL with errstr ("Class X could not be found" /
 * "Invalid value ... for configuration schemas.enable ...").
 */
kc_converter_t *kc_converter_create(const char *class_name, const kc_config_t *cfg, bool is_key,
                                    char *errstr, size_t errstr_size);
void kc_converter_destroy(kc_converter_t *conv);
kc_converter_kind_t kc_converter_kind(const kc_converter_t *conv);

/**
 * Converter.toConnectData: @p data NULL (a Kafka null) gives schema/value NULL
 * (JsonConverter with schemas: the envelope's schema and null payload).
 * Outputs are new: caller owns *value and one reference of *schema (may be NULL).
 * @returns 0 or KC_ECONVERT with errstr (Connect's DataException text, e.g.
 * "Converting byte[] to Kafka Connect data failed due to serialization error: ...").
 */
int kc_converter_to_connect(kc_converter_t *conv, const char *topic, const void *data, size_t len,
                            kc_schema_t **schema, kc_value_t **value, char *errstr,
                            size_t errstr_size);

/**
 * Converter.fromConnectData: appends the serialized bytes to @p out. *is_null
 * is set when the result is a Kafka null (then nothing is appended).
 * @returns 0 or KC_ECONVERT with errstr.
 */
int kc_converter_from_connect(kc_converter_t *conv, const char *topic, const kc_schema_t *schema,
                              const kc_value_t *value, kc_buf_t *out, bool *is_null, char *errstr,
                              size_t errstr_size);

/**
 * Resolves a converter class alias to its FQCN, or NULL when unknown.
 * Used for validation messages and GET /connector-plugins?connectorsOnly=false.
 */
const char *kc_converter_class_resolve(const char *class_name);

/*
 * Header converter (SimpleHeaderConverter / StringConverter as header converter).
 * Headers are converted value by value.
 */
typedef struct kc_header_converter_s kc_header_converter_t;
kc_header_converter_t *kc_header_converter_create(const char *class_name, const kc_config_t *cfg,
                                                  char *errstr, size_t errstr_size);
void kc_header_converter_destroy(kc_header_converter_t *hc);
/** Bytes of one header -> Connect data (SimpleHeaderConverter.toConnectHeader). Outputs owned by caller. */
int kc_header_converter_to_connect(kc_header_converter_t *hc, const char *topic, const char *key,
                                   const void *data, size_t len, kc_schema_t **schema,
                                   kc_value_t **value, char *errstr, size_t errstr_size);
/** Connect data -> header bytes (SimpleHeaderConverter.fromConnectHeader). */
int kc_header_converter_from_connect(kc_header_converter_t *hc, const char *topic, const char *key,
                                     const kc_schema_t *schema, const kc_value_t *value,
                                     kc_buf_t *out, bool *is_null, char *errstr,
                                     size_t errstr_size);

#endif
