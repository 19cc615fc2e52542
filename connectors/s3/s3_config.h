/*
 * S3 sink configuration: Confluent's S3SinkConnectorConfig keys (with
 * storage-common's StorageSinkConnectorConfig, StorageCommonConfig and
 * PartitionerConfig), their defaults and checks, plus kconnect's own spool
 * keys. Reference: shared/spec/s3-sinks-and-peers.md section 1.2.
 *
 * kc_s3_config_defs drives single-key validation and defaults (the runtime's
 * ConfigDef machinery); kc_s3_config_validate adds the multi-key rules;
 * kc_s3_conf_parse turns a task config into a typed struct. Messages name the
 * key first ("key: reason") so /config/validate attaches them to that key.
 */
#ifndef KC_S3_CONFIG_H
#define KC_S3_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "avro_ocf.h"
#include "kconnect/connector.h"
#include "schema_compat.h"

typedef enum { KC_S3_FORMAT_JSON, KC_S3_FORMAT_BYTEARRAY, KC_S3_FORMAT_AVRO } kc_s3_format_t;
typedef enum { KC_S3_COMPRESSION_NONE, KC_S3_COMPRESSION_GZIP } kc_s3_compression_t;
typedef enum {
  KC_S3_PARTITIONER_DEFAULT,
  KC_S3_PARTITIONER_FIELD,
  KC_S3_PARTITIONER_TIME_BASED,
  KC_S3_PARTITIONER_DAILY,
  KC_S3_PARTITIONER_HOURLY,
} kc_s3_partitioner_class_t;
typedef enum { KC_S3_TS_WALLCLOCK, KC_S3_TS_RECORD, KC_S3_TS_RECORD_FIELD } kc_s3_ts_extractor_t;
typedef enum { KC_S3_NULL_FAIL, KC_S3_NULL_IGNORE, KC_S3_NULL_WRITE } kc_s3_null_behavior_t;

/** A parsed S3 sink config. Strings are owned, trimmed like ConfigDef trims them, never NULL unless noted. */
typedef struct kc_s3_conf_s {
  /* S3 */
  char *bucket;             /**< s3.bucket.name */
  char *region;             /**< s3.region (us-west-2) */
  char *store_url;          /**< store.url with "https://" prepended when it has no scheme; NULL: AWS */
  bool path_style;          /**< s3.path.style.access.enabled (true) */
  char *proxy_url;          /**< s3.proxy.url; NULL when blank */
  char *proxy_user;         /**< s3.proxy.user; NULL when unset */
  char *proxy_password;     /**< s3.proxy.password; NULL when unset */
  char *access_key_id;      /**< aws.access.key.id; NULL when blank (use the default chain) */
  char *secret_access_key;  /**< aws.secret.access.key; NULL when blank */
  int64_t part_size;        /**< s3.part.size (26214400) */
  int part_retries;         /**< s3.part.retries (3) */
  int64_t retry_backoff_ms; /**< s3.retry.backoff.ms (200) */
  char *ssea;               /**< s3.ssea.name: "", "AES256", "aws:kms", "aws:kms:dsse" */
  char *sse_kms_key_id;     /**< s3.sse.kms.key.id ("") */
  char *sse_customer_key;   /**< s3.sse.customer.key; NULL when unset */
  char *acl_canned;         /**< s3.acl.canned; NULL when unset */
  /* connector */
  int64_t flush_size;                  /**< flush.size */
  int64_t rotate_interval_ms;          /**< rotate.interval.ms (-1) */
  int64_t rotate_schedule_interval_ms; /**< rotate.schedule.interval.ms (-1) */
  bool rotate_on_partition_change;     /**< rotate.file.on.partition.change (true) */
  int64_t connect_retry_backoff_ms;    /**< retry.backoff.ms (5000): back-off after a retriable failure */
  kc_s3_format_t format;               /**< format.class */
  char *bytearray_extension;           /**< format.bytearray.extension (".bin") */
  char *bytearray_separator;           /**< format.bytearray.separator, untrimmed ("\n") */
  size_t bytearray_separator_len;
  kc_s3_compression_t compression;     /**< s3.compression.type */
  int compression_level;               /**< s3.compression.level (-1..9) */
  kc_s3_null_behavior_t null_behavior; /**< behavior.on.null.values (fail) */
  char *tombstone_partition;           /**< tombstone.encoded.partition ("tombstone") */
  bool store_keys, store_headers;      /**< store.kafka.keys / store.kafka.headers */
  kc_s3_format_t keys_format, headers_format; /**< keys.format.class / headers.format.class */
  /* schema and Avro (StorageSinkConnectorConfig; avroDataConfig() passes the last four to AvroData) */
  kc_s3_compat_t compatibility;        /**< schema.compatibility (NONE) */
  kc_avro_codec_t avro_codec;          /**< avro.codec (null) */
  bool enhanced_avro;                  /**< enhanced.avro.schema.support (true: the S3 default) */
  bool connect_meta_data;              /**< connect.meta.data (true) */
  bool allow_optional_map_keys;        /**< allow.optional.map.keys (false) */
  int schemas_cache_size;              /**< schemas.cache.config (1000) */
  /* storage */
  char *topics_dir;      /**< topics.dir ("topics"); "" when blank: no prefix */
  char *directory_delim; /**< directory.delim ("/") */
  char *file_delim;      /**< file.delim ("+") */
  int zero_pad_width;    /**< filename.offset.zero.pad.width (10) */
  /* partitioner */
  kc_s3_partitioner_class_t partitioner; /**< partitioner.class */
  char **partition_fields;               /**< partition.field.name, NULL-terminated */
  size_t npartition_fields;
  char *path_format;              /**< path.format as configured ("") */
  int64_t partition_duration_ms;  /**< partition.duration.ms (-1) */
  char *locale;                   /**< locale ("") */
  char *timezone;                 /**< timezone ("") */
  kc_s3_ts_extractor_t ts_extractor; /**< timestamp.extractor (Wallclock) */
  char *timestamp_field;          /**< timestamp.field ("timestamp") */
  /* kconnect */
  char *spool_dir;                /**< s3.spool.dir; NULL: "<state dir>/s3-spool" */
  int64_t spool_max_bytes;        /**< s3.spool.max.bytes */
} kc_s3_conf_t;

/** The connector class names (Connect aliases: simple name, name without "Connector"). */
#define KC_S3_CONNECTOR_CLASS "io.confluent.connect.s3.S3SinkConnector"

/** The config table (ConfigDef), NULL-name-terminated: Confluent's keys, the accepted-but-ignored ones, kconnect's. */
extern const kc_config_def_t kc_s3_config_defs[];

/** Doc string of the keys kconnect accepts for compatibility but does not act on. */
#define KC_S3_IGNORED_DOC "accepted, ignored by kconnect"

/**
 * Multi-key rules (plugin->validate): partitioner requirements, extractor
 * requirements, compression and format pairs, scheduled rotation needing a
 * timezone, tombstones needing keys. @p cfg may lack defaults and may hold
 * values the table already rejected. Writes "key: reason" to @p err.
 * @returns 0 or KC_EINVAL (KC_ENOMEM on allocation failure).
 */
int kc_s3_config_validate(const kc_config_t *cfg, char *err, size_t errlen);

/**
 * Parses @p cfg (defaults applied or not) into @p out, applying every rule of
 * kc_s3_config_validate. On error @p out is left empty (nothing to free).
 * @returns 0, KC_EINVAL ("key: reason" in @p err) or KC_ENOMEM.
 */
int kc_s3_conf_parse(const kc_config_t *cfg, kc_s3_conf_t *out, char *err, size_t errlen);
/** Frees what kc_s3_conf_parse allocated. NULL-safe; idempotent. */
void kc_s3_conf_free(kc_s3_conf_t *c);

/** Decodes strict padded base64 @p in into @p out (at most @p cap bytes). @returns the length or -1. */
int kc_s3_base64_decode(const char *in, unsigned char *out, size_t cap);

/** True for the time-based partitioners (TimeBased, Daily, Hourly). */
bool kc_s3_conf_time_based(const kc_s3_conf_t *c);

#endif
