/*
 * kc_rest_start(): the server bound to the real herder. Kept apart from
 * server.c so that programs serving a test double (test_rest_http) link
 * without pulling in the herder.
 */
#include "rest/rest.h"

static int submit_to_herder(void *ctx, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  return kc_herder_submit(ctx, req, cb, arg);
}

kc_rest_t *kc_rest_start(uv_loop_t *loop, kc_herder_t *herder, const kc_rest_options_t *opts,
                         char *errstr, size_t errstr_size) {
  return kc_rest_start_with(loop, submit_to_herder, herder, opts, errstr, errstr_size);
}
