/*
 * The distributed herder (Connect's DistributedHerder): workers with one
 * group.id form a cluster through Kafka's group coordinator (the "connect"
 * protocol, src/kafka/wire/group.h), keep connector configs, source offsets
 * and statuses in the three internal topics (store_config.h, offset_store.h,
 * store_status.h), and split connectors and tasks with Connect's assignors
 * (connect_protocol.h). It answers the REST API behind herder.h; requests only
 * the leader or an owner can run come back as KC_HERDER_R_FORWARD.
 */
#ifndef KC_WORKER_HERDER_DISTRIBUTED_H
#define KC_WORKER_HERDER_DISTRIBUTED_H

#include "config/distributed_config.h"
#include "worker/herder.h"
#include "worker/worker.h"

/** Called once when the worker cannot go on (an internal topic is unusable, the group refused us). */
typedef void (*kc_herder_fatal_cb)(void *arg, const char *message);

/**
 * Creates the herder for @p wk (borrowed; it must outlive the herder) with the
 * parsed distributed settings @p dc (taken: the herder clears it). Nothing
 * happens on the loop until kc_herder_distributed_start().
 * @returns the herder or NULL with @p errstr.
 */
kc_herder_t *kc_herder_distributed_create(kc_worker_t *wk, kc_distributed_config_t *dc,
                                          kc_herder_fatal_cb fatal_cb, void *fatal_arg, char *errstr,
                                          size_t n);
/**
 * Creates or checks the internal topics, reads them to the end and joins the
 * group (all asynchronous). A failure later goes to the fatal callback.
 * @returns 0 or KC_E* with @p errstr (then nothing was started).
 */
int kc_herder_distributed_start(kc_herder_t *h, char *errstr, size_t n);

#endif
