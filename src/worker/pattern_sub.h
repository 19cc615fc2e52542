/*
 * A sink task's topics.regex subscription with java.util.regex semantics (issue 11).
 *
 * Java's consumer subscribes to a Pattern: every metadata.max.age.ms it lists the cluster's
 * topics and keeps those whose whole name the pattern matches (Pattern.matcher(t).matches()),
 * internal topics left out (exclude.internal.topics, default true); a changed set rejoins the
 * group. librdkafka's own regex subscription uses another engine and searches instead of
 * matching the whole name, so kconnect computes the set itself: a listing right away and
 * then every metadata.max.age.ms (kc_topic_lister, on the loop), a PCRE2 whole-name match
 * (util/jregex), and the changed callback, in which the sink rd_kafka_subscribe()s to the
 * explicit list. Nothing is subscribed before the first listing.
 */
#ifndef KC_WORKER_PATTERN_SUB_H
#define KC_WORKER_PATTERN_SUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "kconnect/connector.h"
#include "util/jregex.h"

typedef struct kc_pattern_sub_s kc_pattern_sub_t;

/** The matching topics changed (the first listing counts as a change when it matches any):
 *  @p topics sorted, borrowed for the call; @p n 0 when none matches any more. */
typedef void (*kc_pattern_sub_changed_cb)(void *arg, char *const *topics, size_t n);

/**
 * Starts the subscription: compiles @p regex, lists the topics at once and then every
 * metadata.max.age.ms. The consumer's settings are @p worker (worker properties) with its
 * "consumer." keys and then @p overrides (the connector's consumer.override.* keys, prefix
 * stripped; may be NULL) on top, as kc_kafka_conf_build() applies them; metadata.max.age.ms
 * (default 300000; at least 100 here) and exclude.internal.topics (default true) come, as in
 * Java, from @p overrides or the worker's consumer.* keys only.
 * @param bootstrap the worker's bootstrap.servers when the settings name none
 * @returns the subscription, or NULL with @p errstr ("Invalid regex: ..." or a connection
 *          setting the topic listing cannot apply).
 */
kc_pattern_sub_t *kc_pattern_sub_start(uv_loop_t *loop, const char *regex,
                                       const kc_config_t *worker, const kc_config_t *overrides,
                                       const char *bootstrap, const char *client_id,
                                       kc_pattern_sub_changed_cb cb, void *arg, char *errstr,
                                       size_t errstr_size);

/** The refresh period in effect, ms. */
int64_t kc_pattern_sub_period_ms(const kc_pattern_sub_t *s);

/** No callback after this call; @p closed (may be NULL) runs from the loop once freed. */
void kc_pattern_sub_close(kc_pattern_sub_t *s, void (*closed)(void *arg), void *arg);

/**
 * The subscription's matching rule: keeps in @p topics (sorted input, compacted in place) the
 * names @p re matches as a whole. @returns how many were kept.
 */
size_t kc_pattern_sub_select(kc_jregex_t *re, const char **topics, size_t n);

#endif
