/*
 * DESIGN: HerderRequestHandler.completeOrForwardRequest() and the parts of
 * RestClient.httpRequest() it relies on (connect-runtime.md 6.6):
 *
 *   forward absent (a user request)  -> <target>/<path>?forward=true (one more hop allowed)
 *   forward=true (first hop)         -> <target>/<path>?forward=false
 *   forward=false (second hop)       -> 409 "conflicting operation"
 *   no target URL, forward not false -> 409 "no known leader URL"
 *
 * The forwarded request keeps the method, the body bytes as received, the
 * Authorization header and, for a restart with parameters, includeTasks and
 * onlyFailed; nothing else of the original request (Connect copies only
 * Authorization: the X-Connect-* signature headers are not forwarded either).
 *
 * The answer is read as RestClient reads it: 204 -> no body; >= 400 -> its
 * {"error_code","message"} re-raised with the same status and code; other 2xx
 * -> the JSON body, answered as the resource answers a local success (201 +
 * our Location for a create, ...); a body Jackson could not read (not JSON,
 * or an error body with other fields) -> 500 "IO Error trying to forward REST
 * request: ..."; any other status -> 500 "Unexpected status code ...";
 * transport failures -> 500 "IO Error trying to forward REST request: <curl's text>".
 *
 * Path: Connect builds it from the decoded connector name; we percent-encode
 * the name as one segment, so a name holding '/' or '?' reaches the target
 * intact (Connect's UriBuilder would send it raw and miss the route).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest/forward.h"
#include "rest/listener.h"
#include "util/log.h"

#define LOGGER "kc.rest"
#define IO_ERROR "IO Error trying to forward REST request: "

bool kc__rest_op_forwards(kc_herder_op_t op) {
  switch (op) {
    case KC_HERDER_CREATE:
    case KC_HERDER_PUT_CONFIG:
    case KC_HERDER_PATCH_CONFIG:
    case KC_HERDER_DELETE:
    case KC_HERDER_RESTART:
    case KC_HERDER_TASK_RESTART:
    case KC_HERDER_STOP:
    case KC_HERDER_TASK_CONFIGS_PUT:
    case KC_HERDER_FENCE:
    case KC_HERDER_ALTER_OFFSETS: /* completeOrForwardRequest: the leader modifies offsets */
    case KC_HERDER_RESET_OFFSETS:
      return true;
    default:
      /* pause and resume write the target state from any worker; GETs never forward */
      return false;
  }
}

int kc__rest_forward_url(const char *base, const kc_rest_call_t *call, bool recursive, kc_buf_t *out) {
  if (!kc__rest_op_forwards(call->op) || !base) return KC_EINVAL;
  const char *segs[] = {"connectors", call->connector ? call->connector : "", NULL};
  if (call->op == KC_HERDER_CREATE) segs[1] = NULL;
  int rc = kc_rest_client_url(out, base, segs);
  if (!rc) {
    switch (call->op) {
      case KC_HERDER_PUT_CONFIG:
      case KC_HERDER_PATCH_CONFIG: rc = kc_buf_puts(out, "/config"); break;
      case KC_HERDER_RESTART: rc = kc_buf_puts(out, "/restart"); break;
      case KC_HERDER_TASK_RESTART: rc = kc_buf_printf(out, "/tasks/%d/restart", call->task); break;
      case KC_HERDER_STOP: rc = kc_buf_puts(out, "/stop"); break;
      case KC_HERDER_TASK_CONFIGS_PUT: rc = kc_buf_puts(out, "/tasks"); break;
      case KC_HERDER_FENCE: rc = kc_buf_puts(out, "/fence"); break;
      case KC_HERDER_ALTER_OFFSETS:
      case KC_HERDER_RESET_OFFSETS: rc = kc_buf_puts(out, "/offsets"); break;
      default: break;
    }
  }
  if (!rc) rc = kc_buf_printf(out, "?forward=%s", recursive ? "true" : "false");
  /* ConnectorsResource passes the restart flags only when one of them is set. */
  if (!rc && call->op == KC_HERDER_RESTART && call->restart_with_params)
    rc = kc_buf_printf(out, "&includeTasks=%s&onlyFailed=%s", call->include_tasks ? "true" : "false",
                       call->only_failed ? "true" : "false");
  return rc;
}

/* ------------------------------------------------------------- completion */

static void fwd_unlink(kc_rest_call_t *call) {
  kc_rest_t *rest = call->rest;
  if (call->fwd_prev) call->fwd_prev->fwd_next = call->fwd_next;
  else rest->forwards = call->fwd_next;
  if (call->fwd_next) call->fwd_next->fwd_prev = call->fwd_prev;
  call->fwd_prev = call->fwd_next = NULL;
  call->fwd = NULL;
}

/* ConnectRestException(status, errorCode, message) through ConnectExceptionMapper. */
static void reply_error_code(kc_rest_call_t *call, int status, int error_code, const char *message) {
  kc_rest_conn_t *hc = call->hc;
  kc__rest_conn_attach(hc, NULL);
  json_t *body = json_object();
  json_object_set_new(body, "error_code", json_integer(error_code));
  json_object_set_new(body, "message", message ? json_string(message) : json_null());
  kc__rest_reply(hc, status, body, NULL, NULL);
  kc__rest_call_free(call);
}

static void reply_io_error(kc_rest_call_t *call, const char *fmt, const char *detail) {
  char msg[1024];
  snprintf(msg, sizeof(msg), fmt, detail);
  kc_log_error(LOGGER, "Error forwarding REST request: %s", msg);
  reply_error_code(call, 500, 500, msg);
}

/* RestClient reading an error response into ErrorMessage. */
static void on_error_response(kc_rest_call_t *call, int status, const char *body, size_t len) {
  json_error_t jerr;
  json_t *v = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
  if (!v) {
    reply_io_error(call, IO_ERROR "%s", len ? jerr.text : "No content to map due to end-of-input");
    return;
  }
  if (!json_is_object(v)) {
    json_decref(v);
    reply_io_error(call, IO_ERROR "Cannot deserialize value of type `ErrorMessage` from %s", "a non-object value");
    return;
  }
  const char *key;
  json_t *val;
  json_object_foreach(v, key, val) {
    if (strcmp(key, "error_code") && strcmp(key, "message")) {
      char what[256];
      snprintf(what, sizeof(what), "Unrecognized field \"%.200s\" (class ErrorMessage)", key);
      json_decref(v);
      reply_io_error(call, IO_ERROR "%s", what);
      return;
    }
  }
  json_t *code = json_object_get(v, "error_code"), *message = json_object_get(v, "message");
  if ((code && !json_is_integer(code) && !json_is_null(code)) ||
      (message && !json_is_string(message) && !json_is_null(message))) {
    json_decref(v);
    reply_io_error(call, IO_ERROR "Cannot deserialize %s", "the error response of the forwarded request");
    return;
  }
  /* A missing error_code binds to 0 (a Java int), a missing message to null. */
  int error_code = code && json_is_integer(code) ? (int)json_integer_value(code) : 0;
  kc_log_debug(LOGGER, "Forwarded request answered %d: %s", status, json_string_value(message));
  reply_error_code(call, status, error_code, json_string_value(message));
  json_decref(v);
}

static void on_forwarded(void *arg, int status, const char *body, size_t len, const char *errmsg) {
  kc_rest_call_t *call = arg;
  kc_rest_t *rest = call->rest;
  fwd_unlink(call);
  if (!call->hc) { /* the client left, the request timed out, or the server is closing */
    kc__rest_call_free(call);
  } else if (status < 0) {
    reply_io_error(call, IO_ERROR "%s", errmsg && *errmsg ? errmsg : kc_strerror(status));
  } else if (status == 204) {
    kc__rest_call_done(call, &(kc_herder_res_t){.rc = KC_HERDER_R_OK});
  } else if (status >= 400) {
    on_error_response(call, status, body, len);
  } else if (status >= 200 && status < 300) {
    json_error_t jerr;
    json_t *v = json_loadb(body, len, JSON_DECODE_ANY, &jerr);
    if (!v) {
      reply_io_error(call, IO_ERROR "%s", len ? jerr.text : "No content to map due to end-of-input");
    } else {
      /* CreatedConnectorInfoTranslator: created iff the target answered 201. */
      kc_herder_res_t res = {.rc = KC_HERDER_R_OK, .body = json_is_null(v) ? NULL : v, .created = status == 201};
      if (!res.body) json_decref(v);
      kc__rest_call_done(call, &res);
    }
  } else {
    char msg[96];
    snprintf(msg, sizeof(msg), "Unexpected status code when handling forwarded request: %d", status);
    reply_error_code(call, 500, 500, msg);
  }
  rest->pending_closes--;
  kc__rest_maybe_free(rest);
}

/* ------------------------------------------------------------------ start */

static void reply_now(kc_rest_conn_t *hc, kc_rest_call_t *call, int status, const char *msg) {
  kc__rest_conn_attach(hc, NULL);
  kc__rest_reply_error(hc, status, "%s", msg);
  kc__rest_call_free(call);
}

void kc__rest_forward(kc_rest_conn_t *hc, kc_rest_call_t *call, const char *forward_url, const char *message) {
  kc_rest_t *rest = call->rest;
  kc_rest_msg_t *msg = kc__rest_conn_msg(hc);
  const char *method = llhttp_method_name(msg->method);
  if (!kc__rest_op_forwards(call->op)) {
    /* completeRequest() does not catch RequestTargetException: a plain ConnectException, 500 with its message. */
    reply_now(hc, call, 500,
              message ? message : "The request must run on another worker, and this endpoint is not forwarded");
    return;
  }
  if (call->forward == KC_REST_FWD_FALSE) {
    const char *url = msg->url.data ? msg->url.data : "";
    kc_log_error(LOGGER,
                 "Request '%s %.*s' failed because it couldn't find the target Connect worker within two hops "
                 "(between workers).",
                 method, (int)strcspn(url, "?"), url);
    reply_now(hc, call, 409, "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
    return;
  }
  if (!forward_url) {
    reply_now(hc, call, 409,
              "Cannot complete request momentarily due to no known leader URL, likely because a rebalance was "
              "underway.");
    return;
  }
  kc_buf_t url;
  kc_buf_init(&url, 0);
  int rc = kc__rest_forward_url(forward_url, call, call->forward == KC_REST_FWD_ABSENT, &url);
  if (rc) {
    kc_buf_free(&url);
    reply_now(hc, call, 500, "Out of memory");
    return;
  }
  /* RestClient: Authorization copied; a body goes as application/json. */
  const char *auth = kc__rest_msg_hdr(msg, KC_REST_HDR_AUTHORIZATION);
  bool with_body = msg->body.len > 0 || call->op == KC_HERDER_CREATE || call->op == KC_HERDER_PUT_CONFIG ||
                   call->op == KC_HERDER_PATCH_CONFIG || call->op == KC_HERDER_TASK_CONFIGS_PUT ||
                   call->op == KC_HERDER_ALTER_OFFSETS;
  kc_buf_t auth_line;
  kc_buf_init(&auth_line, 0);
  const char *headers[3];
  size_t nh = 0;
  if (with_body) headers[nh++] = "Content-Type: application/json";
  if (auth && !kc_buf_printf(&auth_line, "Authorization: %s", auth)) headers[nh++] = auth_line.data;
  headers[nh] = NULL;
  kc_log_debug(LOGGER, "Forwarding request %s %s", url.data, method);
  rc = kc_rest_client_request(rest->loop, method, url.data, with_body ? (msg->body.data ? msg->body.data : "") : NULL,
                              with_body ? msg->body.len : 0, headers, rest->limits.request_timeout_ms, on_forwarded,
                              call, &call->fwd);
  kc_buf_free(&url);
  kc_buf_free(&auth_line);
  if (rc) {
    char why[160];
    snprintf(why, sizeof(why), IO_ERROR "%s", kc_strerror(rc));
    reply_now(hc, call, 500, why);
    return;
  }
  call->fwd_next = rest->forwards;
  if (rest->forwards) rest->forwards->fwd_prev = call;
  rest->forwards = call;
  rest->pending_closes++; /* the server is freed only after this forward's callback */
}

void kc__rest_forwards_cancel_all(kc_rest_t *rest) {
  for (kc_rest_call_t *c = rest->forwards; c; c = c->fwd_next) kc_rest_client_cancel(c->fwd);
}

static void drop_version(json_t *state) {
  if (json_is_object(state)) json_object_del(state, "version");
}

void kc__rest_forwarded_answer_compat(const kc_rest_call_t *call, json_t *body) {
  if (call->forward == KC_REST_FWD_ABSENT || call->op != KC_HERDER_RESTART || !json_is_object(body)) return;
  drop_version(json_object_get(body, "connector"));
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(body, "tasks"), i, t) drop_version(t);
}
