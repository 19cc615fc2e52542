/*
 * Output formats: the bytes each record adds to its S3 object, as Confluent's
 * RecordWriterProviders write them.
 *
 *   JsonFormat       a Struct as JsonConverter (schemas.enable=false) prints
 *                    it, anything else as Jackson's ObjectMapper does, then
 *                    "\n"; maps in java.util.HashMap order (the Map type
 *                    JsonConverter gives Java sinks); extension ".json"
 *   ByteArrayFormat  the value's bytes (it must be BYTES, as with the
 *                    ByteArrayConverter), then format.bytearray.separator;
 *                    extension format.bytearray.extension
 *
 *   AvroFormat       an Avro object container file per S3 object (avro_ocf.h):
 *                    writer schema AvroData.fromConnectSchema of the file's first
 *                    record, codec avro.codec, each record's value as its datum;
 *                    extension ".avro"; s3.compression.type does not apply (Confluent's
 *                    AvroRecordWriterProvider never wraps its stream for compression)
 *
 * Keys files (store.kafka.keys) use keys.format.class the same way; headers
 * files (store.kafka.headers, JsonFormat) hold {"headers":[{"key":..,"value":..}]}
 * per record. gzip adds ".gz" to every extension; keys and headers files put
 * ".keys" / ".headers" before the format's extension.
 */
#ifndef KC_S3_FORMAT_H
#define KC_S3_FORMAT_H

#include <stdbool.h>

#include "kconnect/connector.h"
#include "s3_config.h"

/** Which file of a record: its value, key or headers (Confluent's RecordView). */
typedef enum { KC_S3_VIEW_VALUE, KC_S3_VIEW_KEYS, KC_S3_VIEW_HEADERS } kc_s3_view_t;

/** One Kafka header (kc_sink_record_header()'s output). */
typedef struct kc_s3_header_s {
  const char *key;
  const void *value; /**< NULL: null */
  size_t len;
} kc_s3_header_t;

/** Appends the object name extension of @p view (".json", ".keys.bin.gz", ...). */
int kc_s3_format_extension(const kc_s3_conf_t *c, kc_s3_view_t view, kc_buf_t *out);

/**
 * Appends one record's value (VIEW_VALUE) or key (VIEW_KEYS) in its format,
 * separator included. A null value is the caller's business (see
 * kc_s3_format_null_value); a null key prints "null" in JSON and is refused
 * by ByteArrayFormat.
 * @returns 0, KC_ECONVERT with the reason in @p err, or a kc_buf error.
 */
int kc_s3_format_write(const kc_s3_conf_t *c, kc_s3_view_t view, const kc_schema_t *schema,
                       const kc_value_t *value, kc_buf_t *out, char *err, size_t errlen);

/**
 * Appends one record's headers line (JsonFormat; values are the header bytes
 * as text). @returns 0 or a kc_buf error; nothing is appended on error.
 */
int kc_s3_format_write_headers(const kc_s3_conf_t *c, const kc_s3_header_t *headers, size_t n,
                               kc_buf_t *out);

/**
 * What behavior.on.null.values does with a null-valued record
 * (S3SinkTask.maybeSkipOnNullValue): *skip for ignore, *tombstone for write
 * (the record goes to tombstone.encoded.partition, keys file only).
 * @returns 0, or KC_EINVAL with Confluent's message for fail.
 */
int kc_s3_format_null_value(const kc_s3_conf_t *c, bool *skip, bool *tombstone, char *err,
                            size_t errlen);

/** One AvroFormat file being written: its container writer and writer schema. */
typedef struct kc_s3_avro_file_s {
  kc_avro_ocf_t ocf;
  kc_avrodata_schema_t *schema; /**< NULL until the first record */
} kc_s3_avro_file_t;

/**
 * Appends one record's value to an AvroFormat file, starting the file (header with the
 * writer schema of @p schema) on its first record. Finished container bytes go to @p out;
 * @p scratch is reused for the datum.
 * @returns 0, KC_ECONVERT (AvroData refused the schema or value; reason in @p err),
 * KC_ENOMEM / KC_ERR.
 */
int kc_s3_avro_file_write(kc_s3_avro_file_t *f, kc_avrodata_t *ad, kc_avro_codec_t codec,
                          const kc_schema_t *schema, const kc_value_t *value, kc_buf_t *scratch,
                          kc_buf_t *out, char *err, size_t errlen);

/** Appends the file's open block (at commit). @returns 0 or a kc_buf / compressor error. */
int kc_s3_avro_file_finish(kc_s3_avro_file_t *f, kc_buf_t *out);

/** Frees the file's state. NULL-safe, idempotent. */
void kc_s3_avro_file_free(kc_s3_avro_file_t *f);

#endif
