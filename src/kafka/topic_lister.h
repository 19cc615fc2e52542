/*
 * The cluster's topic names, listed on the loop without blocking it: a Metadata
 * request for all topics (the one Java's consumer sends for a pattern
 * subscription) over kconnect's own non-blocking connection (src/kafka/wire/).
 * librdkafka 2.0.2 has no asynchronous way to list topics: rd_kafka_metadata()
 * blocks, and its admin API gained DescribeTopics only in 2.3.
 *
 * The connection to one bootstrap server is kept between listings; when it fails
 * the next server is tried, and a listing fails once every server failed in turn.
 * Security (TLS, SASL PLAIN/SCRAM) comes from the Java client keys, as for the
 * Connect group member (wire/security.h); what it cannot apply is refused at create.
 */
#ifndef KC_KAFKA_TOPIC_LISTER_H
#define KC_KAFKA_TOPIC_LISTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kconnect/connector.h"

typedef struct kc_topic_lister_s kc_topic_lister_t;

/**
 * One listing's result, from the loop: @p topics (sorted, distinct, borrowed for the call)
 * with @p err 0, or @p err (KC_EIO, KC_ETIMEDOUT, KC_ENOTSUP, KC_EINVAL for a refused
 * authentication) and @p reason. Topics the broker answers with an error other than
 * LEADER_NOT_AVAILABLE (one being created) are left out, and so are internal topics
 * (__consumer_offsets, __transaction_state ...: the broker's is_internal flag) when the
 * lister was created with exclude_internal, as Java's exclude.internal.topics does.
 */
typedef void (*kc_topic_lister_cb)(void *arg, int err, const char *reason, char *const *topics,
                                   size_t n);

typedef struct {
  const char *bootstrap_servers;
  const char *client_id;      /* request header client id; NULL = null */
  int32_t request_timeout_ms; /* connection set-up and the request; <= 0: 30000 */
  bool exclude_internal;
  const kc_config_t *security; /* Java client keys, borrowed for the call; NULL = PLAINTEXT */
} kc_topic_lister_config_t;

/**
 * @returns the lister, or NULL with @p errstr (bad bootstrap.servers, security settings the
 *          wire client cannot apply, out of memory). Reads trust store files if any.
 */
kc_topic_lister_t *kc_topic_lister_create(uv_loop_t *loop, const kc_topic_lister_config_t *cfg,
                                          kc_topic_lister_cb cb, void *arg, char *errstr,
                                          size_t errstr_size);

/** Starts a listing; @p cb runs once for it, later, from the loop (never inside this call).
 *  A call while one is under way does nothing. */
void kc_topic_lister_list(kc_topic_lister_t *l);

/** True while a listing is under way. */
bool kc_topic_lister_busy(const kc_topic_lister_t *l);

/** No callback after this call; @p closed (may be NULL) runs from the loop once everything is
 *  closed and freed. */
void kc_topic_lister_close(kc_topic_lister_t *l, void (*closed)(void *arg), void *arg);

#endif
