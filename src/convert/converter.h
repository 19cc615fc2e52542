/*
 * Converters (connect-runtime.md 9): bytes <-> Connect data. Knows nothing of
 * tasks, consumers or connectors.
 */
#ifndef KC_CONVERT_CONVERTER_H
#define KC_CONVERT_CONVERTER_H

#include <jansson.h>
#include <stdbool.h>

#include "http/http.h"
#include "kconnect/connector.h"
#include "util/arena.h"

typedef struct kc_converter_s kc_converter_t;

typedef enum {
  KC_CONVERTER_STRING,    /* org.apache.kafka.connect.storage.StringConverter */
  KC_CONVERTER_BYTEARRAY, /* org.apache.kafka.connect.converters.ByteArrayConverter */
  KC_CONVERTER_JSON,      /* org.apache.kafka.connect.json.JsonConverter */
  KC_CONVERTER_AVRO,      /* io.confluent.connect.avro.AvroConverter */
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
/** The converter's Java class name (what error reports name as the executing class). */
const char *kc_converter_class_name(const kc_converter_t *conv);
/** True for converters whose to_connect can fail or wait (JSON, Avro): the sink runner converts
 * their records before put(), String/ByteArray bytes pass through lazily. */
bool kc_converter_is_eager(const kc_converter_t *conv);

/**
 * Gives a converter that needs a service (AvroConverter: the Schema Registry) the task's HTTP
 * client (@p http, borrowed; outlives the converter) and the callback to run, from the loop,
 * when an answer it waited for has arrived: the caller then converts the waiting record again.
 * A no-op for other converters. Until attached, such a converter's conversions fail with
 * KC_ESTATE.
 */
void kc_converter_attach(kc_converter_t *conv, kc_http_t *http, void (*notify)(void *arg),
                         void *arg);

/**
 * Converter.toConnectData. A Kafka null (@p data NULL) gives a NULL value; the
 * schema is NULL for JsonConverter and OPTIONAL_STRING / OPTIONAL_BYTES for
 * StringConverter / ByteArrayConverter, as in Connect.
 * Outputs are new: caller owns *value and one reference of *schema (may be NULL).
 * @returns 0, KC_ECONVERT with errstr (Connect's DataException text, e.g.
 * "Converting byte[] to Kafka Connect data failed due to serialization error: ..."), or
 * KC_AGAIN (AvroConverter: the schema is being fetched; nothing was produced; convert the same
 * bytes again after the attach notify callback ran).
 */
int kc_converter_to_connect(kc_converter_t *conv, const char *topic, const void *data, size_t len,
                            kc_schema_t **schema, kc_value_t **value, char *errstr,
                            size_t errstr_size);

/**
 * kc_converter_to_connect() with the value allocated in @p arena (util/arena.h)
 * where the converter can: such values are read-only, freed by the arena's
 * reset, and ignored by kc_value_destroy() (connector.h, kc_value_s). A
 * top-level value may still come from the heap; the caller destroys *value
 * either way. Used by the sink runner, one arena per put() batch.
 */
int kc_converter_to_connect_arena(kc_converter_t *conv, kc_arena_t *arena, const char *topic,
                                  const void *data, size_t len, kc_schema_t **schema,
                                  kc_value_t **value, char *errstr, size_t errstr_size);

/**
 * Appends String.valueOf of the value toConnectData() would give for @p data, rendered straight
 * from the bytes where the converter can (JsonConverter with schemas.enable=false): what
 * kc_converter_to_connect() then kc_value_to_java_string_schema() append, byte for byte.
 * @returns 0; KC_ENOTSUP when this converter has no such path; KC_AGAIN when these bytes need
 * the general path (they may not convert: it reports why); or a kc_buf error. On an error
 * nothing is appended.
 */
int kc_converter_value_text(kc_converter_t *conv, const void *data, size_t len, kc_buf_t *out);

/**
 * Converter.fromConnectData: appends the serialized bytes to @p out. *is_null
 * is set when the result is a Kafka null (then nothing is appended).
 * @returns 0, KC_ECONVERT with errstr, or KC_AGAIN (AvroConverter: the schema id is being
 * registered or looked up; nothing was appended; call again after the notify callback).
 */
int kc_converter_from_connect(kc_converter_t *conv, const char *topic, const kc_schema_t *schema,
                              const kc_value_t *value, kc_buf_t *out, bool *is_null, char *errstr,
                              size_t errstr_size);

/**
 * Resolves a converter class alias to its FQCN, or NULL when unknown.
 * Used for validation messages and GET /connector-plugins?connectorsOnly=false.
 */
const char *kc_converter_class_resolve(const char *class_name);

/* converter_defs.c: Connect 4.x's converter ConfigDefs over REST. */
/** GET /connector-plugins/{converter}/config: the ConfigKeyInfos, or NULL for no converter kconnect describes. */
json_t *kc_converter_defs_json(const char *class_name);
/** Appends the validation of the converters the connector config sets (prefixed keys) to ConfigInfos @p res. */
int kc_converter_validate_json(const kc_config_t *cfg, json_t *res);

/*
 * Header converter (SimpleHeaderConverter / StringConverter as header converter).
 * Headers are converted value by value.
 */
typedef struct kc_header_converter_s kc_header_converter_t;
kc_header_converter_t *kc_header_converter_create(const char *class_name, const kc_config_t *cfg,
                                                  char *errstr, size_t errstr_size);
void kc_header_converter_destroy(kc_header_converter_t *hc);
/** The header converter's Java class name. */
const char *kc_header_converter_class_name(const kc_header_converter_t *hc);
/** Bytes of one header -> Connect data (SimpleHeaderConverter.toConnectHeader). Outputs owned by caller. */
int kc_header_converter_to_connect(kc_header_converter_t *hc, const char *topic, const char *key,
                                   const void *data, size_t len, kc_schema_t **schema,
                                   kc_value_t **value, char *errstr, size_t errstr_size);
/** Connect data -> header bytes (SimpleHeaderConverter.fromConnectHeader). */
int kc_header_converter_from_connect(kc_header_converter_t *hc, const char *topic, const char *key,
                                     const kc_schema_t *schema, const kc_value_t *value,
                                     kc_buf_t *out, bool *is_null, char *errstr,
                                     size_t errstr_size);

/*
 * Helpers shared by the converters and the runtime (implemented in src/data).
 *
 * Logical types keep their physical representation in kc_value_t: Decimal is
 * BYTES holding the big-endian two's-complement unscaled value (the schema
 * parameter "scale" gives the scale), Date is INT32 days since the epoch, Time
 * INT32 milliseconds of the day, Timestamp INT64 epoch milliseconds.
 */
#define KC_LOGICAL_DECIMAL "org.apache.kafka.connect.data.Decimal"
#define KC_LOGICAL_DATE "org.apache.kafka.connect.data.Date"
#define KC_LOGICAL_TIME "org.apache.kafka.connect.data.Time"
#define KC_LOGICAL_TIMESTAMP "org.apache.kafka.connect.data.Timestamp"

/** Shared static schema of a primitive type (Schema.INT8_SCHEMA, OPTIONAL_...); never freed. */
kc_schema_t *kc_schema_static(kc_type_t type, bool optional);
/** Static Date/Time/Timestamp schemas (required, version 1), or NULL for another name. */
kc_schema_t *kc_schema_logical(const char *name);
/** New Decimal schema with @p scale (Decimal.schema(scale)); NULL on ENOMEM. */
kc_schema_t *kc_schema_decimal(int32_t scale);
/** Reads a Decimal schema's "scale" parameter. @returns 0 or KC_EINVAL with Connect's message in errstr. */
int kc_schema_decimal_scale(const kc_schema_t *s, int32_t *scale, char *errstr, size_t errstr_size);
/** Sets @p s->name / doc (copied). @returns 0 or KC_ENOMEM. */
int kc_schema_set_name(kc_schema_t *s, const char *name);
int kc_schema_set_doc(kc_schema_t *s, const char *doc);
/** Adds or replaces a parameter (copied, insertion order kept). @returns 0 or KC_ENOMEM. */
int kc_schema_set_param(kc_schema_t *s, const char *key, const char *value);
/** @returns a parameter's value or NULL. */
const char *kc_schema_param(const kc_schema_t *s, const char *key);

/**
 * kc_value_to_java_string() knowing the schema: logical values print as Java
 * does (BigDecimal.toString for Decimal, java.util.Date.toString in UTC for
 * Date/Time/Timestamp), also inside structs, arrays and maps.
 */
int kc_value_to_java_string_schema(const kc_schema_t *schema, const kc_value_t *v, kc_buf_t *out);
/** Java's Double.toString / Float.toString (shortest round-trip digits). @p buf holds >= 32 bytes. @returns the length. */
size_t kc_java_format_double(double v, char *buf);
size_t kc_java_format_float(float v, char *buf);
/** Java class name of a value for error texts ("java.lang.String", "java.util.ArrayList"...). */
const char *kc_value_java_class(const kc_value_t *v);
/**
 * Appends the decimal text of a two's-complement big-endian integer scaled by
 * @p scale: BigDecimal.toString (@p plain false) or toPlainString (true).
 */
int kc_decimal_format(const unsigned char *unscaled, size_t len, int32_t scale, bool plain,
                      kc_buf_t *out);
/**
 * Parses a decimal number (JSON or BigDecimal syntax) and rescales it to
 * @p scale exactly, giving the minimal two's-complement unscaled bytes in a new
 * buffer. @returns 0, KC_EINVAL (syntax, or digits lost by the rescale) or KC_ENOMEM.
 */
int kc_decimal_parse(const char *text, size_t len, int32_t scale, unsigned char **out,
                     size_t *out_len);

#endif
