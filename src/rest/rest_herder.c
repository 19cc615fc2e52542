/*
 * kc_rest_start(): the server bound to the real herder, with the request
 * policy (basic auth, CORS, response headers: auth.h) built from the worker
 * properties. Kept apart from server.c so that programs serving a test double
 * (test_rest_http) link without pulling in the herder.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rest/rest_internal.h"

static int submit_to_herder(void *ctx, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  return kc_herder_submit(ctx, req, cb, arg);
}

kc_rest_t *kc_rest_start(uv_loop_t *loop, kc_herder_t *herder, const kc_rest_options_t *opts,
                         char *errstr, size_t errstr_size) {
  /* Fail closed: without the worker properties we cannot know whether authentication is required. */
  if (!opts || !opts->ssl_props) {
    snprintf(errstr, errstr_size, "internal error: the REST server was started without the worker properties");
    return NULL;
  }
  kc_rest_policy_t *policy = NULL;
  if (kc_rest_policy_create(opts->ssl_props, getenv("KAFKA_OPTS"), &policy, errstr, errstr_size)) return NULL;
  kc_rest_t *rest = kc_rest_start_with(loop, submit_to_herder, herder, opts, errstr, errstr_size);
  if (!rest) {
    kc_rest_policy_destroy(policy);
    return NULL;
  }
  kc__rest_set_policy(rest, policy);
  return rest;
}
