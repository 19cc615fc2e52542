/*
 * Private to src/rest: the transport (server.c) hands each parsed request to
 * the router (router.c), which binds the body (body.c), submits it to the
 * herder and answers through kc__rest_reply*(). Everything runs on the loop
 * thread.
 */
#ifndef KC_REST_INTERNAL_H
#define KC_REST_INTERNAL_H

#include <jansson.h>
#include <llhttp.h>
#include <stdbool.h>

#include "rest/auth.h"
#include "rest/client.h"
#include "rest/rest.h"

typedef struct kc_rest_conn_s kc_rest_conn_t;
typedef struct kc_rest_call_s kc_rest_call_t;

struct kc_rest_s {
  uv_loop_t *loop;
  struct kc_rest_lsn_s *lsns; /* listeners (listener.h), in kc_rest_options_t order */
  size_t nlsns;
  kc_rest_admin_mode_t admin_mode;
  struct kc_rest_tls_s *tls_main, *tls_admin; /* https contexts (NULL if unused) */
  uv_timer_t refuse_timer;    /* ends a rate-limited logging interval of refusals */
  bool refuse_window;         /* inside an interval: refusals are counted, not logged */
  unsigned long refused_total, refused_per_ip;
  char *plainbuf;             /* shared: decrypted TLS records, consumed before the next */
  kc_rest_submit_fn submit;
  void *submit_ctx;
  kc_rest_limits_t limits;
  kc_rest_conn_t *conns; /* doubly linked through conn->next/prev */
  int nconns;
  int pending_closes;    /* handles (listener, conns, rejected accepts) not yet closed */
  bool closing;
  void (*close_cb)(void *arg);
  void *close_arg;
  char *readbuf;         /* shared: every read is consumed before the next alloc */
  kc_rest_policy_t *policy; /* auth, CORS, response headers (auth.h); owned; NULL = none */
  kc_rest_call_t *forwards; /* calls forwarded to another worker, in flight (forward.c) */
};

/** One parsed request; memory lives until its response has been written. */
typedef struct kc_rest_msg_s {
  llhttp_method_t method;
  unsigned http_major, http_minor;
  kc_buf_t url;          /* as sent: origin-form or absolute-form */
  kc_buf_t content_type; /* empty when the header is absent */
  bool has_content_type;
  kc_buf_t body;
  /* Request headers the router reads; has_hdr[i] false when absent. */
  kc_buf_t hdr[7];       /* indexed by kc_rest_hdr_idx_t */
  bool has_hdr[7];
  kc_buf_t *cur_hdr;     /* the one being received, between field and value */
  kc_rest_hdrlist_t resp_headers; /* policy headers for the response (filled at dispatch) */
} kc_rest_msg_t;

typedef enum {
  KC_REST_HDR_AUTHORIZATION,
  KC_REST_HDR_ORIGIN,
  KC_REST_HDR_ACR_METHOD,
  KC_REST_HDR_ACR_HEADERS,
  KC_REST_HDR_SIGNATURE,           /* X-Connect-Authorization (KIP-507) */
  KC_REST_HDR_SIGNATURE_ALGORITHM, /* X-Connect-Request-Signature-Algorithm */
  KC_REST_HDR_HOST,                /* for the absolute Location of a created connector */
  KC_REST_HDR_COUNT
} kc_rest_hdr_idx_t;

/**
 * A request in the herder's hands. The herder callback owns and frees it; the
 * connection only points at it so that closing or timing out can detach it
 * (hc = NULL), after which the late answer is dropped.
 */
struct kc_rest_call_s {
  kc_rest_conn_t *hc;
  kc_herder_op_t op;
  bool restart_with_params; /* restart: 202 + body instead of 204 */
  bool expand_any;          /* list: some expand parameter was given, known or not */
  char *location;           /* 201 Location for CREATE / PUT_CONFIG */
  /* forwarding (forward.c) */
  kc_rest_t *rest;
  int forward;              /* kc_rest_fwd_flag_t: the request's ?forward= */
  char *connector;          /* {c}, for the forwarded path */
  int task;                 /* {t} */
  bool include_tasks, only_failed; /* restart flags as parsed */
  kc_rest_client_req_t *fwd;       /* the outbound request in flight, else NULL */
  kc_rest_call_t *fwd_prev, *fwd_next; /* rest->forwards */
};

/* server.c */
/** Marks @p call as the connection's outstanding herder request. */
void kc__rest_conn_attach(kc_rest_conn_t *hc, kc_rest_call_t *call);
/** The request being answered on @p hc (valid until its response has been written). */
/** Whether the connection came through an https listener. */
bool kc__rest_conn_is_tls(const kc_rest_conn_t *hc);
/** "host:port" of the connection's local end (the Location fallback without a Host header). */
void kc__rest_conn_local_authority(kc_rest_conn_t *hc, char *out, size_t n);
kc_rest_msg_t *kc__rest_conn_msg(kc_rest_conn_t *hc);
/**
 * Queues the response for the current request. Takes @p body (NULL = none);
 * @p location and @p allow are copied (NULL = header not sent). 204 and 1xx
 * never carry a body; HEAD gets the headers only.
 */
void kc__rest_reply(kc_rest_conn_t *hc, int status, json_t *body, const char *location,
                    const char *allow);
/** {"error_code":status,"message":...} with Content-Type application/json. */
void kc__rest_reply_error(kc_rest_conn_t *hc, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *kc__rest_reason(int status);
/** @p text (copied) as the body with Content-Type @p ctype, as Jersey writes a String entity. */
void kc__rest_reply_text(kc_rest_conn_t *hc, int status, const char *ctype, const char *text);
/** Jersey's generated OPTIONS answer: 200, Allow @p allow, the same methods as text/plain @p text. */
void kc__rest_reply_options(kc_rest_conn_t *hc, const char *allow, const char *text);

/* router.c */
/**
 * Called by the transport when header @p name (NUL-terminated) begins. @returns
 * true when the policy wants it; its value bytes then go to msg->cur_hdr. A
 * repeated header is joined with ',' (JAX-RS getHeaderString) for
 * Authorization; for the others the first one counts (getHeader).
 */
bool kc__rest_msg_header_begin(kc_rest_msg_t *msg, const char *name);
/** Frees what the policy keeps in @p msg (from the transport's msg_free). */
void kc__rest_msg_policy_free(kc_rest_msg_t *msg);
/**
 * Writes the policy headers of the current request into a response being
 * built: every one except those the server writes itself this time
 * (Content-Type when @p has_type, Location, Allow when set). @returns 0 or a
 * kc_buf error. kc__rest_msg_has_date() says whether to omit the server's Date.
 */
int kc__rest_msg_policy_emit(const kc_rest_msg_t *msg, bool has_type, bool has_location, bool has_allow,
                             kc_buf_t *out);
bool kc__rest_msg_has_date(const kc_rest_msg_t *msg);
/** Routes the request now complete on @p hc; always ends in exactly one reply. */
void kc__rest_dispatch(kc_rest_t *rest, kc_rest_conn_t *hc, kc_rest_msg_t *msg);
/**
 * Answers @p call's request from a herder outcome (any rc but FORWARD, which
 * the router hands to forward.c) on its connection, or drops it when the
 * connection left; then frees @p call. Takes res->body.
 */
void kc__rest_call_done(kc_rest_call_t *call, kc_herder_res_t *res);
/** Frees @p call (not attached to a connection any more). */
void kc__rest_call_free(kc_rest_call_t *call);
/** A request header the router keeps, trimmed as Jetty hands it over; NULL when absent. */
const char *kc__rest_msg_hdr(kc_rest_msg_t *msg, kc_rest_hdr_idx_t i);
/** Installs @p policy on @p rest (owned from now on; freed with the server). */
void kc__rest_set_policy(kc_rest_t *rest, kc_rest_policy_t *policy);

/* body.c: Jackson-style binding of request bodies (connect-runtime.md 1.1) */
typedef enum {
  KC_REST_BODY_NONE,   /* body ignored */
  KC_REST_BODY_CREATE, /* CreateConnectorRequest {"name","config","initial_state"} */
  KC_REST_BODY_CONFIG, /* Map<String,String>; null values kept for validation */
  KC_REST_BODY_PATCH,  /* Map<String,String>; null values mean "remove" */
  KC_REST_BODY_TASK_CONFIGS, /* List<Map<String,String>> (POST /connectors/{c}/tasks); any Content-Type */
  KC_REST_BODY_RAW,    /* byte[]: not parsed, any Content-Type (PUT /connectors/{c}/fence) */
} kc_rest_body_kind_t;

/**
 * Parses and binds @p msg's body. @returns the bound value (config values
 * coerced to strings as Jackson does), or NULL with *status and errmsg set.
 */
json_t *kc__rest_body_bind(kc_rest_body_kind_t kind, const char *body, size_t len, int *status,
                           char *errmsg, size_t errmsg_size);
/**
 * Connect's checkAndPutConnectorConfigName(): a "name" in @p config must equal
 * @p name (else 400 and errmsg); an absent one is filled in. @returns 0 or 400.
 */
int kc__rest_body_check_name(json_t *config, const char *name, char *errmsg, size_t errmsg_size);

#endif
