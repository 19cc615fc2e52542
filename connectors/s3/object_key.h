/*
 * Object keys as Confluent's TopicPartitionWriter names them (section 1.3):
 *
 *   [<topics.dir><directory.delim>]<partitioned path><directory.delim>
 *     <topic><file.delim><kafka partition><file.delim><start offset %0Nd><extension>
 *
 * where the partitioned path is the partitioner's "<topic><delim><encoded
 * partition>" and the topics.dir prefix is left out when topics.dir is blank.
 * e.g. topics/orders/partition=3/orders+3+0000004200.json
 */
#ifndef KC_S3_OBJECT_KEY_H
#define KC_S3_OBJECT_KEY_H

#include <stdint.h>

#include "kconnect/connector.h"
#include "s3_config.h"

/**
 * Appends the key of the file starting at @p start_offset.
 * @p dir_prefix: kc_s3_partitioner_path()'s output; @p extension:
 * kc_s3_format_extension()'s. @returns 0 or a kc_buf error.
 */
int kc_s3_object_key(const kc_s3_conf_t *c, const char *dir_prefix, const char *topic,
                     int32_t partition, int64_t start_offset, const char *extension, kc_buf_t *out);

/**
 * Appends @p key encoded for the path of an S3 URL (SigV4's canonical URI):
 * every byte but the unreserved A-Z a-z 0-9 - . _ ~ and the '/' separators
 * becomes %XX (upper-case hex); kc_uri_encode(out, key, len, true).
 * @returns 0 or a kc_buf error.
 */
int kc_s3_object_key_uri_encode(const char *key, size_t len, kc_buf_t *out);

#endif
