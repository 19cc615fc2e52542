/*
 * A consumer group's committed offsets, read off the loop without the admin
 * API (issue 8, finding 7).
 *
 * librdkafka's ListConsumerGroupOffsets crashes when OffsetFetch answers
 * NOT_COORDINATOR: the response handler asks the handle's consumer group to
 * re-query its coordinator, and an admin handle has none (rkcg == NULL;
 * librdkafka#5040, still open). A consumer handle with the group's group.id
 * does have one, so the same request through rd_kafka_committed() survives a
 * moving coordinator. The handle never subscribes or assigns, so it never
 * joins the group nor disturbs its members. rd_kafka_new, rd_kafka_metadata,
 * rd_kafka_committed and rd_kafka_destroy all block, so they run on the libuv
 * threadpool; the loop only sees the result.
 */
#ifndef KC_KAFKA_GROUP_OFFSETS_H
#define KC_KAFKA_GROUP_OFFSETS_H

#include <librdkafka/rdkafka.h>
#include <uv.h>

/**
 * Runs once on the loop. @p offsets (borrowed, valid during the call) lists
 * the group's committed offsets (offset >= 0 only) of the partitions of the
 * selected topics, sorted by topic and partition; NULL with @p errmsg on error.
 */
typedef void (*kc_group_offsets_read_cb)(void *arg, const char *errmsg,
                                         const rd_kafka_topic_partition_list_t *offsets);

/**
 * Reads @p group's committed offsets for every partition of the topics named in
 * @p topics (a NULL-terminated list as kc_config_get_list() makes it, taken:
 * freed with kc_config_list_free() in every case; may be NULL) and of every topic
 * whose whole name matches @p topics_regex (java.util.regex semantics through
 * PCRE2, Pattern.matches() like Connect's topics.regex; may be NULL).
 * @param conf consumer config with the connection settings (taken: destroyed
 *        in every case); group.id is set here.
 * @param timeout_ms bound, in ms, for the metadata request and, separately, for
 *        all committed-offset attempts together (retried while the coordinator
 *        moves) on the threadpool.
 * @returns 0 (then @p cb runs exactly once, later), or KC_ENOMEM / KC_EINVAL
 *          (bad regex, or @p group empty) with @p cb never called.
 */
int kc_group_offsets_read(uv_loop_t *loop, rd_kafka_conf_t *conf, const char *group,
                          char **topics, const char *topics_regex, int timeout_ms,
                          kc_group_offsets_read_cb cb, void *arg);

#endif
