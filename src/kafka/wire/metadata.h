/*
 * Metadata v4-v8 (the non-flexible versions; clients/src/main/resources/common/message/
 * MetadataRequest.json and MetadataResponse.json in Kafka), reduced to what listing the
 * cluster's topics needs: every topic's name, error and is_internal flag.
 */
#ifndef KC_KAFKA_WIRE_METADATA_H
#define KC_KAFKA_WIRE_METADATA_H

#include <stdbool.h>
#include <stdint.h>

#include "kafka/wire/codec.h"

/** A request for all topics (null topic array), without auto-creation or ACL operations. */
int kc_wire_metadata_all_build(kc_buf_t *out, int16_t version);

/** One topic of a response: @p name (not NUL-terminated, @p len bytes) points into the body. */
typedef void (*kc_wire_metadata_topic_cb)(void *arg, const char *name, size_t len, int16_t error,
                                          bool is_internal);

/**
 * Walks a Metadata response body: @p each runs once per topic, in the broker's order.
 * @returns false when the body is malformed (topics seen before that were given to @p each).
 */
bool kc_wire_metadata_parse_topics(kc_wire_reader_t *r, int16_t version,
                                   kc_wire_metadata_topic_cb each, void *arg);

#endif
