/*
 * The herder interface (Connect's Herder): what the REST layer asks for.
 * Standalone now (herder_standalone.c), distributed later, behind the same
 * request/callback shape. The herder owns connector and task lifecycles and
 * the config/status/offset stores; REST never touches Kafka or connectors.
 *
 * Every request completes through exactly one callback, possibly before
 * kc_herder_submit() returns (standalone answers at once) or later (a restart
 * waits for a stop; distributed will forward to the leader).
 */
#ifndef KC_WORKER_HERDER_H
#define KC_WORKER_HERDER_H

#include <jansson.h>
#include <stdbool.h>

#include "kconnect/connector.h"

typedef struct kc_herder_s kc_herder_t;

#define KC_HERDER_OP_MAP(XX)                                                                   \
  XX(SERVER_INFO)      /* GET /                      -> {"version","commit","kafka_cluster_id"} */ \
  XX(HEALTH)           /* GET /health                -> {"status","message"}; error INTERNAL/UNAVAILABLE */ \
  XX(LIST)             /* GET /connectors[?expand]   -> ["a","b"] or {"a":{"status":..,"info":..}} */ \
  XX(CREATE)           /* POST /connectors           body {"name","config",["initial_state"]} -> ConnectorInfo, created=1 */ \
  XX(INFO)             /* GET /connectors/{c}        -> ConnectorInfo */                    \
  XX(DELETE)           /* DELETE /connectors/{c}     -> no body */                          \
  XX(GET_CONFIG)       /* GET /connectors/{c}/config -> {k:v} */                            \
  XX(PUT_CONFIG)       /* PUT /connectors/{c}/config body {k:v} -> ConnectorInfo, created=0|1 */ \
  XX(PATCH_CONFIG)     /* PATCH /connectors/{c}/config body {k:v|null} -> ConnectorInfo */  \
  XX(STATUS)           /* GET /connectors/{c}/status -> ConnectorStateInfo */               \
  XX(PAUSE)            /* PUT /connectors/{c}/pause  -> no body */                          \
  XX(RESUME)           /* PUT /connectors/{c}/resume -> no body */                          \
  XX(STOP)             /* PUT /connectors/{c}/stop   -> no body */                          \
  XX(RESTART)          /* POST /connectors/{c}/restart[?includeTasks&onlyFailed] -> NULL or ConnectorStateInfo */ \
  XX(TASKS)            /* GET /connectors/{c}/tasks  -> [{"id":{"connector","task"},"config":{}}] */ \
  XX(TASK_STATUS)      /* GET /connectors/{c}/tasks/{t}/status -> {"id","state","worker_id"[,"trace"]} */ \
  XX(TASK_RESTART)     /* POST /connectors/{c}/tasks/{t}/restart -> no body */              \
  XX(OFFSETS)          /* GET /connectors/{c}/offsets -> {"offsets":[...]} */               \
  XX(PLUGINS)          /* GET /connector-plugins[?connectorsOnly] -> [{"class","type","version"}] */ \
  XX(PLUGIN_CONFIG)    /* GET /connector-plugins/{p}/config -> [ConfigKeyInfo] */          \
  XX(VALIDATE)         /* PUT /connector-plugins/{p}/config/validate body {k:v} -> ConfigInfos */ \
  XX(TASK_CONFIGS_PUT) /* POST /connectors/{c}/tasks (internal, 1.9) body [{k:v}] -> no body */ \
  XX(FENCE)            /* PUT /connectors/{c}/fence (internal, 1.9) -> no body */            \
  XX(ALTER_OFFSETS)    /* PATCH /connectors/{c}/offsets body {"offsets":[...]} -> {"message"} */ \
  XX(RESET_OFFSETS)    /* DELETE /connectors/{c}/offsets -> {"message"} */ \
  XX(METRICS)          /* GET /metrics               -> res->text (Prometheus text format) */ \
  XX(TOPICS)           /* GET /connectors/{c}/topics -> {"<c>":{"topics":[...]}} (KIP-558) */ \
  XX(TOPICS_RESET)     /* PUT /connectors/{c}/topics/reset -> no body, 202 */ \
  XX(LOGGERS)          /* GET /admin/loggers (answered by rest/loggers.c, never submitted) */ \
  XX(LOGGER)           /* GET /admin/loggers/{p} (rest/loggers.c) */                        \
  XX(LOGGER_LEVEL)     /* PUT /admin/loggers/{p}?scope=cluster body {"level"} -> no body (worker scope: rest/loggers.c) */

typedef enum {
#define XX(op) KC_HERDER_##op,
  KC_HERDER_OP_MAP(XX)
#undef XX
  KC_HERDER_OP_COUNT /* not an op: the number of ops */
} kc_herder_op_t;

/** Outcome kinds; the REST layer maps them onto Connect's status codes. */
typedef enum {
  KC_HERDER_R_OK,             /* 200/201/202/204 by endpoint */
  KC_HERDER_R_BAD_REQUEST,    /* 400 (BadRequestException) */
  KC_HERDER_R_NOT_FOUND,      /* 404 (NotFoundException) */
  KC_HERDER_R_CONFLICT,       /* 409 (AlreadyExists, rebalance) */
  KC_HERDER_R_UNAVAILABLE,    /* 503 (health: starting) */
  KC_HERDER_R_INTERNAL,       /* 500 (anything else, as Connect maps it) */
  KC_HERDER_R_FORBIDDEN,      /* 403 (an internal request with a bad signature) */
  KC_HERDER_R_FORWARD,        /* the leader or the owner must run it (NotLeaderException /
                                 NotAssignedException): REST forwards to res->forward_url, or
                                 answers 409 (connect-runtime.md 6.6) */
} kc_herder_rc_t;

typedef struct kc_herder_req_s {
  kc_herder_op_t op;
  const char *connector;  /* {c}; NULL when the path has none */
  int task;               /* {t} */
  const char *plugin;     /* {p} */
  json_t *body;           /* parsed request body, borrowed; NULL when none */
  bool include_tasks;     /* restart */
  bool only_failed;       /* restart */
  bool expand_status;     /* list */
  bool expand_info;       /* list */
  bool connectors_only;   /* plugins; default true */
  /* Internal requests (1.9) are signed over the exact body bytes (KIP-507). */
  const char *raw_body;   /* the request body as received; NULL when none */
  size_t raw_body_len;    /* bytes */
  const char *signature;  /* X-Connect-Authorization, or NULL */
  const char *signature_algorithm; /* X-Connect-Request-Signature-Algorithm, or NULL */
} kc_herder_req_t;

typedef struct kc_herder_res_s {
  kc_herder_rc_t rc;
  const char *message;    /* error message (Connect's text); valid during the callback */
  json_t *body;           /* success body or NULL; the callback takes ownership */
  bool created;           /* CREATE / PUT_CONFIG created a connector: 201 + Location */
  const char *forward_url; /* FORWARD: the target's base URL with its trailing slash
                              ("http://10.0.0.5:8083/"), or NULL when no leader is known (409);
                              valid during the callback */
  const char *text;       /* METRICS: the exposition, valid during the callback */
} kc_herder_res_t;

/** Called exactly once per submitted request. @p res is valid only during the call. */
typedef void (*kc_herder_cb)(void *arg, kc_herder_res_t *res);

/**
 * Submits a REST request to the herder. @p req and everything it points to are
 * borrowed only for the duration of this call (the herder copies what it keeps).
 * @returns 0 (the callback will run, maybe already has) or KC_EINVAL for an
 * unknown op (no callback).
 */
int kc_herder_submit(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg);

/** Name of an op, for logs ("CREATE"). */
const char *kc_herder_op_name(kc_herder_op_t op);

/** Stops every connector and task this herder runs gracefully, then calls @p cb once. */
void kc_herder_shutdown(kc_herder_t *h, void (*cb)(void *arg), void *arg);
/** Frees the herder; only after kc_herder_shutdown()'s callback. */
void kc_herder_destroy(kc_herder_t *h);

/*
 * Implementations (herder_standalone.c, herder_distributed.c): every herder
 * struct starts with a kc_herder_base_t, and herder.c dispatches through it.
 */
typedef struct kc_herder_ops_s {
  const char *name; /* "standalone", "distributed" */
  int (*submit)(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg);
  void (*shutdown)(kc_herder_t *h, void (*cb)(void *arg), void *arg);
  void (*destroy)(kc_herder_t *h);
} kc_herder_ops_t;
typedef struct kc_herder_base_s {
  const kc_herder_ops_t *ops;
} kc_herder_base_t;

#endif
