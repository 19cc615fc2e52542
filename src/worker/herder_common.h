/*
 * Internal to the herders (standalone and distributed): the parts of Connect's
 * AbstractHerder both share. Not for REST or connectors.
 */
#ifndef KC_WORKER_HERDER_COMMON_H
#define KC_WORKER_HERDER_COMMON_H

#include "worker/herder.h"
#include "worker/worker.h"

/* Kafka protocol strings are at most 32767 bytes; "connect-" and client-id decorations fit. */
#define KC_CONNECTOR_NAME_MAX 32000

/** Answers @p cb with @p rc, @p body (taken) and a printf-style message (Connect's text). */
void kc_herder_reply(kc_herder_cb cb, void *arg, kc_herder_rc_t rc, json_t *body, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/** Answers @p cb with success and @p body (taken); @p created gives 201 + Location. */
void kc_herder_reply_ok(kc_herder_cb cb, void *arg, json_t *body, bool created);
/** GET /metrics: the worker's metrics as res->text (src/metrics), served in every herder phase. */
void kc_herder_op_metrics(kc_worker_t *wk, kc_herder_cb cb, void *arg);
/** A config as a JSON object of strings, in the config's order (new reference). */
json_t *kc_herder_config_json(const kc_config_t *cfg);
/**
 * Binds a JSON object as Jackson binds Map<String,String> (scalars become strings).
 * @p allow_null: JSON nulls are skipped (PATCH, validate) instead of refused.
 * @returns a new config, or NULL with Connect's message in @p err.
 */
kc_config_t *kc_herder_config_from_json(json_t *obj, bool allow_null, char *err, size_t n);
/** Compact JSON text of a config (malloc'ed; NULL on ENOMEM). */
char *kc_herder_config_text(const kc_config_t *cfg);
/** kconnect.tasks.max.per.connector: 0, or KC_EINVAL with the tasks.max error in @p msg. */
int kc_herder_check_tasks_cap(const kc_config_t *worker, const kc_config_t *cfg, char *msg, size_t n);
/** AbstractHerder.validateConnectorConfig: KC_HERDER_R_OK or the rc and message to answer with. */
kc_herder_rc_t kc_herder_validate(const kc_config_t *worker, const kc_config_t *cfg, char *msg, size_t n);
/** CreateConnectorRequest.initial_state (RUNNING, PAUSED, STOPPED; null = RUNNING); *ok false if unknown. */
kc_target_t kc_herder_parse_initial_state(json_t *v, bool *ok);
/**
 * POST /connectors body (CreateConnectorRequest): the config with "name" set, the trimmed name in
 * *@p name (malloc'ed, caller frees) and *@p initial_target (a kc_target_t, or -1 when absent).
 * NULL after answering @p cb with Connect's error (bad body, name mismatch or empty, no config).
 */
kc_config_t *kc_herder_create_request(json_t *body, char **name, int *initial_target, kc_herder_cb cb, void *arg);
/**
 * PUT (a whole config) or PATCH (@p existing with the body's keys set, JSON nulls removed) of
 * /connectors/{c}/config: the new config with "name" checked against the URL and set. NULL after
 * answering @p cb. For PATCH the caller answers 404 first when there is no @p existing.
 */
kc_config_t *kc_herder_config_request(const kc_herder_req_t *req, const kc_config_t *existing, kc_herder_cb cb,
                                      void *arg);
/**
 * KIP-558's gate in ConnectorsResource: for TOPICS and TOPICS_RESET, answers 403 "Topic tracking is
 * disabled." (topic.tracking.enable=false) or, for a reset, "Topic tracking reset is disabled."
 * (topic.tracking.allow.reset=false) and returns true. Java checks nothing else: an unknown
 * connector has no topics (200, empty list) and resetting it is accepted (202).
 */
bool kc_herder_topics_refused(const kc_config_t *worker, kc_herder_op_t op, kc_herder_cb cb, void *arg);
/** Answers GET /connectors/{c}/topics with {"<c>":{"topics":@p topics}} (@p topics taken). */
void kc_herder_reply_topics(kc_herder_cb cb, void *arg, const char *connector, json_t *topics);
/** GET /connector-plugins[?connectorsOnly]. */
void kc_herder_op_plugins(const kc_herder_req_t *req, kc_herder_cb cb, void *arg);
/** GET /connector-plugins/{p}/config. */
void kc_herder_op_plugin_config(const kc_herder_req_t *req, kc_herder_cb cb, void *arg);
/** PUT /connector-plugins/{p}/config/validate. */
void kc_herder_op_validate(kc_worker_t *wk, const kc_herder_req_t *req, kc_herder_cb cb, void *arg);
/** GET /: answers once the Kafka cluster id is known (or null after 10 s). @returns 0 or KC_ENOMEM (no callback). */
int kc_herder_server_info(kc_worker_t *wk, kc_herder_cb cb, void *arg);
/** GET /connectors/{c}/offsets of a sink connector: its consumer group's committed offsets (off the loop). */
void kc_herder_sink_offsets(kc_worker_t *wk, const char *name, const kc_config_t *config, kc_herder_cb cb,
                            void *arg);
/** {"offsets":[...]} of a source connector from the worker's offset store (new reference). */
json_t *kc_herder_source_offsets_json(kc_worker_t *wk, const char *name);

#endif
