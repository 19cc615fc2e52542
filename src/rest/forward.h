/*
 * Private to src/rest: HerderRequestHandler.completeOrForwardRequest()
 * (connect-runtime.md 6.6). When the herder answers KC_HERDER_R_FORWARD the
 * router hands the call here: it is sent on to the leader or owner (through
 * client.h), or answered 409, and the other worker's answer becomes ours.
 */
#ifndef KC_REST_FORWARD_H
#define KC_REST_FORWARD_H

#include "rest/rest_internal.h"

/** The request's ?forward= (Jersey's Boolean: absent or blank = absent, "true" in any case = true). */
typedef enum { KC_REST_FWD_ABSENT = 0, KC_REST_FWD_TRUE, KC_REST_FWD_FALSE } kc_rest_fwd_flag_t;

/** True for the ops whose Connect resource forwards (calls completeOrForwardRequest). */
bool kc__rest_op_forwards(kc_herder_op_t op);

/**
 * Builds the forwarded request's URL into @p out (initialised by the caller):
 * @p base ("http://10.0.0.5:8083/", with or without its trailing slash), the
 * op's path as Connect's resource names it ("connectors/<c>/config", the
 * connector name percent-encoded as one path segment), then "?forward=<@p
 * recursive>" and, for a restart with parameters, the includeTasks and
 * onlyFailed flags. @returns 0, KC_EINVAL (op not forwarded) or a kc_buf error.
 */
int kc__rest_forward_url(const char *base, const kc_rest_call_t *call, bool recursive, kc_buf_t *out);

/**
 * Finishes @p call (attached to @p hc, its request still in hc's msg) whose
 * herder answered FORWARD with @p forward_url (NULL = no known leader) and
 * @p message (NotLeaderException's text; may be NULL):
 * 409 (no URL, or already forwarded twice), or an outbound request whose
 * answer is replied later. The call is freed here or when the forward ends;
 * exactly one reply goes out unless the connection left meanwhile.
 */
void kc__rest_forward(kc_rest_conn_t *hc, kc_rest_call_t *call, const char *forward_url, const char *message);

/**
 * An answer to a request another worker forwarded (?forward= present): drops
 * the plugin "version" of each state in a restart's ConnectorStateInfo. Connect
 * 3.x followers bind that answer strictly (FAIL_ON_UNKNOWN_PROPERTIES) and fail
 * the client's restart on the 4.x field; 4.x followers read it as absent.
 */
void kc__rest_forwarded_answer_compat(const kc_rest_call_t *call, json_t *body);

/** Server shutdown: cancels every forward in flight (each still ends through its callback). */
void kc__rest_forwards_cancel_all(kc_rest_t *rest);

#endif
