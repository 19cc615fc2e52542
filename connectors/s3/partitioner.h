/*
 * Confluent's partitioners (kafka-connect-storage-common): the "encoded
 * partition" of a record and the directory it goes to, byte for byte.
 *
 *   DefaultPartitioner   partition=<kafka partition>
 *   FieldPartitioner     <field>=<value>[<delim><field>=<value>...] from a Struct
 *                        or a schemaless Map; nested names with '.'
 *   TimeBasedPartitioner path.format (Joda) of the timestamp floored to
 *                        partition.duration.ms in timezone; Daily and Hourly
 *                        fix the format and the duration
 *   generated path       <topic><directory.delim><encoded partition>
 *
 * Timestamps come from timestamp.extractor: Wallclock (the caller's "now"),
 * Record (the Kafka timestamp) or RecordField (timestamp.field of the value:
 * a number of ms, an ISO-8601 string, or a Connect Timestamp).
 *
 * Deterministic: the same record (and, for Wallclock, the same now) always
 * gives the same string, which exactly-once relies on.
 */
#ifndef KC_S3_PARTITIONER_H
#define KC_S3_PARTITIONER_H

#include <stdbool.h>
#include <stdint.h>

#include "kconnect/connector.h"
#include "s3_config.h"
#include "tz.h"

typedef struct kc_s3_partitioner_s kc_s3_partitioner_t;

/** What a partitioner reads of a SinkRecord (all borrowed). */
typedef struct kc_s3_record_view_s {
  const char *topic;
  int32_t partition;
  int64_t timestamp_ms;            /**< the Kafka timestamp, -1 when none */
  const kc_schema_t *value_schema; /**< NULL: schemaless */
  const kc_value_t *value;         /**< NULL: null value */
} kc_s3_record_view_t;

/**
 * Builds the partitioner of @p conf (loads the zone, compiles path.format).
 * @returns 0, KC_EINVAL ("key: reason" in @p err) or KC_ENOMEM.
 */
int kc_s3_partitioner_new(const kc_s3_conf_t *conf, kc_s3_partitioner_t **out, char *err,
                          size_t errlen);
void kc_s3_partitioner_free(kc_s3_partitioner_t *p);

/** True for TimeBased, Daily and Hourly (those whose files rotate.interval.ms applies to). */
bool kc_s3_partitioner_time_based(const kc_s3_partitioner_t *p);
/** The partitioner's zone (time-based ones), or NULL. */
const kc_tz_t *kc_s3_partitioner_tz(const kc_s3_partitioner_t *p);

/**
 * The record's timestamp by timestamp.extractor (TimestampExtractor.extract),
 * for time-based partitioning and rotate.interval.ms. @p now_ms is what
 * Wallclock returns.
 * @returns 0, KC_EINVAL with the reason in @p err (no Kafka timestamp, field
 * missing or of an unsupported type, unparsable date).
 */
int kc_s3_partitioner_timestamp(const kc_s3_partitioner_t *p, const kc_s3_record_view_t *r,
                                int64_t now_ms, int64_t *ts_ms, char *err, size_t errlen);

/**
 * Appends the record's encoded partition (Partitioner.encodePartition).
 * @returns 0, KC_EINVAL with the reason in @p err, or a kc_buf error.
 */
int kc_s3_partitioner_encode(kc_s3_partitioner_t *p, const kc_s3_record_view_t *r, int64_t now_ms,
                             kc_buf_t *out, char *err, size_t errlen);

/**
 * Time-based partitioners: appends the encoded partition of timestamp @p ts_ms.
 * @returns 0, KC_EINVAL for a timestamp beyond +-2^62 ms, or a kc_buf error.
 */
int kc_s3_partitioner_encode_time(kc_s3_partitioner_t *p, int64_t ts_ms, kc_buf_t *out);

/** Appends "<topic><directory.delim><encoded>" (Partitioner.generatePartitionedPath). */
int kc_s3_partitioner_path(const kc_s3_partitioner_t *p, const char *topic, const char *encoded,
                           kc_buf_t *out);

/**
 * TimeBasedPartitioner.getPartition: the start (UTC ms) of the bucket of
 * @p duration_ms holding @p ts_ms, buckets counted from the epoch in local time.
 */
int64_t kc_s3_time_bucket(const kc_tz_t *tz, int64_t duration_ms, int64_t ts_ms);

/**
 * When rotate.schedule.interval.ms next fires after @p now_ms: the next
 * multiple of @p interval_ms counted from local midnight in @p tz, never
 * beyond the next midnight (DateTimeUtils.getNextTimeAdjustedByDay).
 */
int64_t kc_s3_next_scheduled_rotation(const kc_tz_t *tz, int64_t now_ms, int64_t interval_ms);

#endif
