/*
 * PATCH and DELETE /connectors/{c}/offsets (KIP-875; Worker.modifyConnectorOffsets), shared by
 * both herders. The herder checks that the connector exists (and, distributed, that this worker
 * leads) and says whether it is stopped; everything after that is here.
 *
 * Sink connectors: the connector's consumer group (consumer.override.group.id or
 * "connect-<name>") is altered, has partitions deleted, or is deleted as a whole (reset), through
 * librdkafka's admin API on the libuv threadpool (each call waits on its own queue there, never
 * on the loop). Source connectors: the worker's offset store (file, memory or the offsets topic)
 * gets the new values or tombstones under the same key bytes the source runner writes
 * (["<connector>",{partition}] as Jackson writes it), then one flush.
 */
#ifndef KC_WORKER_OFFSETS_MODIFY_H
#define KC_WORKER_OFFSETS_MODIFY_H

#include <jansson.h>
#include <stdbool.h>

#include "worker/herder.h"
#include "worker/worker.h"

/** Java's 400 for a connector that is not STOPPED (or still has tasks). */
#define KC_OFFSETS_NOT_STOPPED_FMT                                                                      \
  "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for " \
  "the specified connector by issuing a 'PUT' request to the '/connectors/%s/stop' endpoint"

/**
 * Alters (@p offsets non-NULL) or resets (@p offsets NULL) a connector's offsets.
 * @param wk       the worker (its offset store and worker properties); loop thread only.
 * @param name     the connector's name (copied).
 * @param config   the connector's raw config (borrowed for the call; what is needed is copied).
 * @param stopped  target state STOPPED and no task configs/tasks: otherwise a 400 is answered.
 * @param offsets  the request's "offsets" array, borrowed for the call: entries
 *                 {"partition":{..}|null,"offset":{..}|null}; a null offset deletes the partition.
 * @p cb runs exactly once (maybe before this returns) with 200 and {"message": ...}, or
 * BAD_REQUEST / INTERNAL with Connect's message.
 */
void kc_offsets_modify(kc_worker_t *wk, const char *name, const kc_config_t *config, bool stopped,
                       json_t *offsets, kc_herder_cb cb, void *arg);

#endif
