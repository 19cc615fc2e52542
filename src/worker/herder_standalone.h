/* The standalone herder (StandaloneHerder): connectors live in memory; configs from files or REST. */
#ifndef KC_WORKER_HERDER_STANDALONE_H
#define KC_WORKER_HERDER_STANDALONE_H

#include "worker/herder.h"
#include "worker/worker.h"

kc_herder_t *kc_herder_standalone_create(kc_worker_t *wk);
/**
 * Creates a connector from a connector file's keys (the CLI arguments of
 * connect-standalone) in @p initial_target (a kc_target_t; -1 for STARTED, the
 * file's initial_state). @returns 0 or KC_E* with errstr naming the key and the reason.
 */
int kc_herder_add_connector(kc_herder_t *h, const kc_config_t *props, int initial_target, char *errstr, size_t n);

#endif
