/*
 * DistributedHerder, REST side: each operation as DistributedHerder runs it
 * (connect-runtime.md 1, 6.5, 6.6). Reads come from the config snapshot and
 * the status topic on any worker; writes of connector configs, task configs,
 * the STOPPED state and restart requests are the leader's; restarting a
 * connector or a task is its owner's. A request this worker cannot run is
 * answered KC_HERDER_R_FORWARD with the URL to send it to (or NULL: 409).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest/signature.h"
#include "util/log.h"
#include "worker/herder_distributed_internal.h"
#include "worker/offsets_modify.h"

#define STALE_CONFIG \
  "Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change)"

static void forward(kc_herder_cb cb, void *arg, const char *url, const char *message) {
  kc_herder_res_t res = {.rc = KC_HERDER_R_FORWARD, .message = message, .forward_url = url};
  cb(arg, &res);
}

/* NotLeaderException: the leader runs it. */
static void to_leader(kc_herder_t *h, kc_herder_cb cb, void *arg, const char *message) {
  forward(cb, arg, h->leader_url, message);
}

const char *kc_dh_type_name(const kc_config_t *config) {
  const kc_connector_plugin_t *p = kc_plugins_find(kc_config_get(config, "connector.class"));
  return !p ? "unknown" : p->type == KC_CONNECTOR_SINK ? "sink" : "source";
}

static json_t *info_json(const kc_cfg_connector_t *cc, const kc_config_t *config) {
  json_t *tasks = json_array();
  for (int i = 0; cc && i < cc->ntasks; i++)
    json_array_append_new(tasks, json_pack("{s:s,s:i}", "connector", cc->name, "task", i));
  return json_pack("{s:s,s:o,s:o,s:s}", "name", kc_config_get(config, "name") ? kc_config_get(config, "name") : "",
                   "config", kc_herder_config_json(config), "tasks", tasks, "type", kc_dh_type_name(config));
}

/* Connect 4.x (KIP-891) reports the version the status record carries: null when the worker
 * that wrote it did not record one (Connect 3.x) or lacks the plugin. */
static json_t *state_json(const kc_status_t *st, const kc_config_t *config) {
  (void)config;
  json_t *o = json_pack("{s:s,s:s}", "state", kc_state_name(st->state), "worker_id", st->worker_id ? st->worker_id : "");
  if (st->state == KC_STATE_FAILED && st->trace && *st->trace) json_object_set_new(o, "trace", json_string(st->trace));
  json_object_set_new(o, "version", st->version ? json_string(st->version) : json_null());
  return o;
}

/* AbstractHerder.connectorStatus: NULL when the status topic has no record for the connector. */
static json_t *status_json(kc_herder_t *h, const kc_cfg_connector_t *cc) {
  const kc_status_t *cs = kc_statusstore_connector(h->statuses, cc->name);
  if (!cs) return NULL;
  json_t *tasks = json_array();
  for (int i = 0; i < cc->ntasks; i++) {
    const kc_status_t *ts = kc_statusstore_task(h->statuses, cc->name, i);
    if (!ts) continue;
    json_t *t = state_json(ts, cc->config);
    json_object_set_new(t, "id", json_integer(i));
    json_array_append_new(tasks, t);
  }
  return json_pack("{s:s,s:o,s:o,s:s}", "name", cc->name, "connector", state_json(cs, cc->config), "tasks", tasks, "type",
                   kc_dh_type_name(cc->config));
}

/* ---- writes that answer when the config topic has them ---- */

typedef struct {
  kc_herder_t *h;
  kc_herder_op_t op;
  kc_herder_cb cb;
  void *arg;
  char *name;
  kc_config_t *config; /* CREATE / PUT: what was written */
  bool created;
  int step;            /* STOP: 0 task configs written, 1 target state written */
} write_t;

static write_t *write_new(kc_herder_t *h, kc_herder_op_t op, const char *name, kc_herder_cb cb, void *arg) {
  write_t *w = calloc(1, sizeof *w);
  if (!w || !(w->name = strdup(name))) {
    free(w);
    return NULL;
  }
  w->h = h;
  w->op = op;
  w->cb = cb;
  w->arg = arg;
  return w;
}

static void write_free(write_t *w) {
  kc_config_destroy(w->config);
  free(w->name);
  free(w);
}

static void on_written(void *arg, int status, const char *errmsg) {
  write_t *w = arg;
  kc_herder_t *h = w->h;
  if (status) {
    kc_herder_reply(w->cb, w->arg, KC_HERDER_R_INTERNAL, NULL,
                    "Failed to write to config topic; this may be due to a transient error and the request can be "
                    "safely retried: %s",
                    errmsg ? errmsg : kc_strerror(status));
    write_free(w);
    return;
  }
  if (w->op == KC_HERDER_STOP && w->step == 0) {
    w->step = 1;
    int rc = kc_cfgstore_put_target_state(h->configs, w->name, KC_TARGET_STOPPED, on_written, w);
    if (rc) on_written(w, rc, "cannot write the STOPPED target state");
    return;
  }
  if (w->op == KC_HERDER_CREATE || w->op == KC_HERDER_PUT_CONFIG || w->op == KC_HERDER_PATCH_CONFIG) {
    const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, w->name);
    kc_herder_reply_ok(w->cb, w->arg, info_json(cc, w->config), w->created);
  } else {
    kc_herder_reply_ok(w->cb, w->arg, NULL, false);
  }
  write_free(w);
}

/* ---- create / put / patch: validated here, written by the leader ---- */

static void put_config(kc_herder_t *h, kc_herder_op_t op, const char *name, kc_config_t *cfg, int initial_target,
                       bool allow_replace, kc_herder_cb cb, void *arg) {
  char err[4096] = "";
  kc_herder_rc_t rc = kc_herder_validate(h->wk->wc->props, cfg, err, sizeof err);
  const char *ost = kc_config_get(cfg, "offsets.storage.topic");
  if (rc == KC_HERDER_R_OK && ost && *ost && !strcmp(kc_dh_type_name(cfg), "source")) {
    /* KIP-618's per-connector offsets topic: Connect would write there; refuse rather than ignore. */
    snprintf(err, sizeof err,
             "Connector configuration is invalid and contains the following 1 error(s):\n"
             "offsets.storage.topic: kconnect does not support a per-connector offsets topic yet; source offsets "
             "go to the worker's offset.storage.topic (remove the setting)\n"
             "You can also find the above list of errors at the endpoint "
             "`/connector-plugins/{connectorType}/config/validate`");
    rc = KC_HERDER_R_BAD_REQUEST;
  }
  if (rc != KC_HERDER_R_OK) {
    kc_herder_reply(cb, arg, rc, NULL, "%s", err);
    kc_config_destroy(cfg);
    return;
  }
  if (!kc_dh_is_leader(h)) {
    kc_config_destroy(cfg);
    to_leader(h, cb, arg, "Only the leader can set connector configs.");
    return;
  }
  bool exists = kc_cfgstore_connector(h->configs, name) != NULL;
  if (!allow_replace && exists) {
    kc_herder_reply(cb, arg, KC_HERDER_R_CONFLICT, NULL, "Connector %s already exists", name);
    kc_config_destroy(cfg);
    return;
  }
  write_t *w = write_new(h, op, name, cb, arg);
  if (!w) {
    kc_config_destroy(cfg);
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
    return;
  }
  w->config = cfg;
  w->created = !exists;
  int wrc = kc_cfgstore_put_connector(h->configs, name, cfg, initial_target, on_written, w);
  if (wrc) on_written(w, wrc, "cannot write the connector config");
}

static void op_create(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  char *name = NULL;
  int initial = -1;
  kc_config_t *cfg = kc_herder_create_request(req->body, &name, &initial, cb, arg);
  if (!cfg) return;
  put_config(h, KC_HERDER_CREATE, name, cfg, initial, false, cb, arg);
  free(name);
}

static void op_put_config(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, req->connector);
  if (req->op == KC_HERDER_PATCH_CONFIG) {
    if (!kc_dh_is_leader(h)) {
      to_leader(h, cb, arg, "Only the leader can set connector configs.");
      return;
    }
    if (!cc) {
      kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Connector %s not found", req->connector);
      return;
    }
  }
  kc_config_t *cfg = kc_herder_config_request(req, cc ? cc->config : NULL, cb, arg);
  if (cfg) put_config(h, req->op, req->connector, cfg, -1, true, cb, arg);
}

/* ---- the others ---- */

static void on_restart_written(void *arg, int status, const char *errmsg) {
  (void)arg;
  if (status) kc_log_error("kc.herder", "writing a restart request failed: %s", errmsg ? errmsg : kc_strerror(status));
}

static void op_restart(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  const char *name = req->connector;
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  if (!req->include_tasks && !req->only_failed) {
    if (kc_dh_owns(h, name, KC_CP_CONNECTOR_TASK) && c && c->instance) {
      kc_dh_restart_connector(h, c, false);
      kc_herder_reply_ok(cb, arg, NULL, false);
    } else if (kc_dh_is_leader(h)) {
      forward(cb, arg, kc_dh_owner_url(h, name, KC_CP_CONNECTOR_TASK),
              "Cannot restart connector since it is not assigned to this member");
    } else {
      to_leader(h, cb, arg, "Only the leader can process restart requests.");
    }
    return;
  }
  if (!kc_dh_is_leader(h)) {
    to_leader(h, cb, arg, "Only the leader can process restart requests.");
    return;
  }
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, name);
  json_t *st = status_json(h, cc);
  if (!st) {
    kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Status for connector %s not found", name);
    return;
  }
  /* RestartPlan: what the request will restart is shown as RESTARTING. */
  json_t *conn = json_object_get(st, "connector");
  if (!req->only_failed || !strcmp(json_string_value(json_object_get(conn, "state")), "FAILED"))
    json_object_set_new(conn, "state", json_string("RESTARTING"));
  size_t i;
  json_t *t;
  json_array_foreach(json_object_get(st, "tasks"), i, t) {
    if (req->include_tasks &&
        (!req->only_failed || !strcmp(json_string_value(json_object_get(t, "state")), "FAILED"))) {
      json_object_set_new(t, "state", json_string("RESTARTING"));
      json_object_del(t, "trace");
    }
  }
  int rc = kc_cfgstore_put_restart(h->configs, name, req->include_tasks, req->only_failed, on_restart_written, NULL);
  if (rc) {
    json_decref(st);
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "Failed to write the restart request: %s", kc_strerror(rc));
    return;
  }
  kc_herder_reply_ok(cb, arg, st, false);
}

static void op_task_restart(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, req->connector);
  if (req->task < 0 || req->task >= cc->ntasks) {
    kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Task %s-%d not found", req->connector, req->task);
    return;
  }
  kc_connector_t *c = kc_worker_connector(h->wk, req->connector);
  if (kc_dh_owns(h, req->connector, req->task) && c && c->tasks && req->task < c->ntask_configs &&
      c->tasks[req->task]) {
    kc_dh_restart_task(h, c, req->task, false);
    kc_herder_reply_ok(cb, arg, NULL, false);
  } else if (kc_dh_is_leader(h)) {
    forward(cb, arg, kc_dh_owner_url(h, req->connector, req->task),
            "Cannot restart task since it is not assigned to this member");
  } else {
    to_leader(h, cb, arg, "Cannot restart task since it is not assigned to this member");
  }
}

static size_t count_list(char **items) {
  size_t n = 0;
  while (items && items[n]) n++;
  return n;
}

static void op_task_configs_put(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  char msg[512] = "";
  if (h->sessioned) {
    const kc_session_key_t *k = kc_cfgstore_session_key(h->configs);
    kc_herder_rc_t rc = kc_rest_signature_check(k ? k->key : NULL, k ? k->len : 0,
                                                (const char *const *)h->dc.verification_algorithms,
                                                count_list(h->dc.verification_algorithms), req, msg,
                                                sizeof msg);
    if (rc != KC_HERDER_R_OK) {
      kc_herder_reply(cb, arg, rc, NULL, "%s", msg);
      return;
    }
  }
  if (!json_is_array(req->body)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
                    "Cannot deserialize value of type `java.util.ArrayList<java.util.Map<java.lang.String,java.lang.String>>` from non-array value");
    return;
  }
  if (!kc_dh_is_leader(h)) {
    to_leader(h, cb, arg, "Only the leader may write task configurations.");
    return;
  }
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, req->connector);
  if (!cc) {
    kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Connector %s not found", req->connector);
    return;
  }
  size_t n = json_array_size(req->body);
  if (cc->target == KC_TARGET_STOPPED && n > 0) {
    kc_herder_reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL,
                    "Cannot submit non-empty set of task configs for stopped connector %s", req->connector);
    return;
  }
  kc_config_t **cfgs = calloc(n + 1, sizeof *cfgs);
  char err[1024] = "";
  bool ok = cfgs != NULL;
  for (size_t i = 0; ok && i < n; i++)
    ok = (cfgs[i] = kc_herder_config_from_json(json_array_get(req->body, i), true, err, sizeof err)) != NULL;
  write_t *w = ok ? write_new(h, KC_HERDER_TASK_CONFIGS_PUT, req->connector, cb, arg) : NULL;
  int rc = w ? kc_cfgstore_put_task_configs(h->configs, req->connector, (const kc_config_t *const *)cfgs, (int)n,
                                            on_written, w)
             : KC_EINVAL;
  for (size_t i = 0; cfgs && i < n; i++) kc_config_destroy(cfgs[i]);
  free(cfgs);
  if (!w)
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", *err ? err : "out of memory");
  else if (rc)
    on_written(w, rc, "cannot write the task configs");
}

static void write_target(kc_herder_t *h, const char *name, kc_target_t t, kc_herder_op_t op, kc_herder_cb cb,
                         void *arg) {
  write_t *w = write_new(h, op, name, cb, arg);
  if (!w) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
    return;
  }
  int rc = op == KC_HERDER_STOP ? kc_cfgstore_put_task_configs(h->configs, name, NULL, 0, on_written, w)
                                : kc_cfgstore_put_target_state(h->configs, name, t, on_written, w);
  if (rc) on_written(w, rc, "cannot write to the config topic");
}

static void op_health(kc_herder_t *h, kc_herder_cb cb, void *arg) {
  if (h->started_once && h->phase != KC_DH_FAILED && h->phase != KC_DH_WAIT_SHUTDOWN)
    kc_herder_reply_ok(cb, arg, json_pack("{s:s,s:s}", "status", "healthy", "message",
                                          "Worker has completed startup and is ready to handle requests."),
                       false);
  else
    kc_herder_reply(cb, arg, KC_HERDER_R_UNAVAILABLE,
                    json_pack("{s:s,s:s}", "status", "starting", "message",
                              h->phase == KC_DH_WAIT_STORES ? "Worker is still starting up. The worker is currently reading to the end of the config topic."
                                                            : "Worker is still starting up. The worker is currently joining the group."),
                    "Worker is still starting up.");
}

static void op_list(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  size_t n = kc_cfgstore_count(h->configs);
  if (!req->expand_status && !req->expand_info) {
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) json_array_append_new(arr, json_string(kc_cfgstore_at(h->configs, i)->name));
    kc_herder_reply_ok(cb, arg, arr, false);
    return;
  }
  json_t *o = json_object();
  for (size_t i = 0; i < n; i++) {
    const kc_cfg_connector_t *cc = kc_cfgstore_at(h->configs, i);
    json_t *e = json_object();
    if (req->expand_status) {
      json_t *st = status_json(h, cc);
      if (st) json_object_set_new(e, "status", st);
    }
    if (req->expand_info) json_object_set_new(e, "info", info_json(cc, cc->config));
    json_object_set_new(o, cc->name, e);
  }
  kc_herder_reply_ok(cb, arg, o, false);
}

typedef struct {
  kc_herder_cb cb;
  void *arg;
} logger_write_t;

static void on_logger_written(void *arg, int status, const char *errmsg) {
  logger_write_t *w = arg;
  if (status) kc_herder_reply(w->cb, w->arg, KC_HERDER_R_INTERNAL, NULL, "%s", errmsg ? errmsg : kc_strerror(status));
  else kc_herder_reply_ok(w->cb, w->arg, NULL, false);
  free(w);
}

/* setClusterLoggerLevel: any worker writes the record (no forwarding); every worker applies it
 * when it reads it (store_config.c). The level goes as given, as Java's. */
static void op_logger_level(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  logger_write_t *w = calloc(1, sizeof *w);
  if (!w) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
    return;
  }
  w->cb = cb;
  w->arg = arg;
  int rc = kc_cfgstore_put_logger_level(h->configs, req->plugin ? req->plugin : "",
                                        json_string_value(json_object_get(req->body, "level")), on_logger_written, w);
  if (rc) on_logger_written(w, rc, "Error writing logger level to Kafka");
}

int kc_dh_submit(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  if (req->op == KC_HERDER_LOGGER_LEVEL) {
    op_logger_level(h, req, cb, arg);
    return 0;
  }
  if ((unsigned)req->op >= KC_HERDER_OP_COUNT) return KC_EINVAL;
  const char *name = req->connector ? req->connector : "";
  switch (req->op) {
    case KC_HERDER_SERVER_INFO: return kc_herder_server_info(h->wk, cb, arg);
    case KC_HERDER_HEALTH: op_health(h, cb, arg); return 0;
    case KC_HERDER_METRICS: kc_herder_op_metrics(h->wk, cb, arg); return 0;
    case KC_HERDER_PLUGINS: kc_herder_op_plugins(req, cb, arg); return 0;
    case KC_HERDER_PLUGIN_CONFIG: kc_herder_op_plugin_config(req, cb, arg); return 0;
    case KC_HERDER_VALIDATE: kc_herder_op_validate(h->wk, req, cb, arg); return 0;
    default: break;
  }
  if (h->phase == KC_DH_WAIT_STORES || h->phase == KC_DH_FAILED) {
    kc_herder_reply(cb, arg, KC_HERDER_R_UNAVAILABLE, NULL,
                    "Request cannot be completed because the worker is still starting up (reading the internal topics)");
    return 0;
  }
  switch (req->op) {
    case KC_HERDER_LIST: op_list(h, req, cb, arg); return 0;
    case KC_HERDER_CREATE: op_create(h, req, cb, arg); return 0;
    case KC_HERDER_PUT_CONFIG:
    case KC_HERDER_PATCH_CONFIG: op_put_config(h, req, cb, arg); return 0;
    case KC_HERDER_FENCE:
      if (!kc_dh_is_leader(h))
        to_leader(h, cb, arg, "Only the leader may perform zombie fencing.");
      else
        kc_herder_reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL,
                        "Zombie fencing is only needed with exactly.once.source.support=enabled, which kconnect "
                        "does not support");
      return 0;
    case KC_HERDER_TASK_CONFIGS_PUT: op_task_configs_put(h, req, cb, arg); return 0;
    /* Served from this worker's view of the status topic, never forwarded (ConnectorsResource);
     * no connector check, as AbstractHerder. A reset's tombstones reach the view when read back. */
    case KC_HERDER_TOPICS:
      if (!kc_herder_topics_refused(h->wk->wc->props, req->op, cb, arg))
        kc_herder_reply_topics(cb, arg, name, kc_statusstore_topics_json(h->statuses, name));
      return 0;
    case KC_HERDER_TOPICS_RESET:
      if (!kc_herder_topics_refused(h->wk->wc->props, req->op, cb, arg)) {
        kc_statusstore_delete_topics(h->statuses, name);
        kc_herder_reply_ok(cb, arg, NULL, false);
      }
      return 0;
    case KC_HERDER_ALTER_OFFSETS:
    case KC_HERDER_RESET_OFFSETS:
      if (!h->rebalance_resolved) {
        kc_herder_reply(cb, arg, KC_HERDER_R_CONFLICT, NULL, STALE_CONFIG);
        return 0;
      }
      if (!kc_dh_is_leader(h)) {
        to_leader(h, cb, arg, "Only the leader can process external offsets modification requests");
        return 0;
      }
      break;
    default: break;
  }
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, name);
  /* checkRebalanceNeeded: answers from a stale assignment would mislead (6.5). */
  bool needs_fresh = req->op == KC_HERDER_INFO || req->op == KC_HERDER_GET_CONFIG || req->op == KC_HERDER_TASKS ||
                     req->op == KC_HERDER_RESTART || req->op == KC_HERDER_TASK_RESTART;
  if (needs_fresh && !h->rebalance_resolved) {
    kc_herder_reply(cb, arg, KC_HERDER_R_CONFLICT, NULL, STALE_CONFIG);
    return 0;
  }
  if (!cc) {
    switch (req->op) {
      case KC_HERDER_STATUS: kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for connector %s", name); break;
      case KC_HERDER_TASK_STATUS:
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for task %s-%d", name, req->task);
        break;
      case KC_HERDER_PAUSE:
      case KC_HERDER_RESUME:
      case KC_HERDER_STOP: kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown connector %s", name); break;
      case KC_HERDER_RESTART:
      case KC_HERDER_TASK_RESTART: kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown connector: %s", name); break;
      case KC_HERDER_DELETE:
        if (!kc_dh_is_leader(h)) {
          to_leader(h, cb, arg, "Only the leader can delete connector configs.");
          break;
        }
        /* fall through */
      default: kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Connector %s not found", name);
    }
    return 0;
  }
  switch (req->op) {
    case KC_HERDER_INFO: kc_herder_reply_ok(cb, arg, info_json(cc, cc->config), false); break;
    case KC_HERDER_GET_CONFIG: kc_herder_reply_ok(cb, arg, kc_herder_config_json(cc->config), false); break;
    case KC_HERDER_TASKS: {
      json_t *arr = json_array();
      for (int i = 0; i < cc->ntasks; i++)
        json_array_append_new(arr, json_pack("{s:{s:s,s:i},s:o}", "id", "connector", name, "task", i, "config",
                                             kc_herder_config_json(cc->tasks[i])));
      kc_herder_reply_ok(cb, arg, arr, false);
      break;
    }
    case KC_HERDER_STATUS: {
      json_t *st = status_json(h, cc);
      if (st)
        kc_herder_reply_ok(cb, arg, st, false);
      else
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for connector %s", name);
      break;
    }
    case KC_HERDER_TASK_STATUS: {
      const kc_status_t *ts = kc_statusstore_task(h->statuses, name, req->task);
      if (!ts) {
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for task %s-%d", name, req->task);
        break;
      }
      json_t *o = state_json(ts, cc->config);
      json_object_set_new(o, "id", json_integer(req->task));
      kc_herder_reply_ok(cb, arg, o, false);
      break;
    }
    case KC_HERDER_DELETE: {
      if (!kc_dh_is_leader(h)) {
        to_leader(h, cb, arg, "Only the leader can delete connector configs.");
        break;
      }
      write_t *w = write_new(h, KC_HERDER_DELETE, name, cb, arg);
      int rc = w ? kc_cfgstore_remove_connector(h->configs, name, on_written, w) : KC_ENOMEM;
      if (!w)
        kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
      else if (rc)
        on_written(w, rc, "cannot write the deletion");
      break;
    }
    case KC_HERDER_PAUSE: write_target(h, name, KC_TARGET_PAUSED, req->op, cb, arg); break;
    case KC_HERDER_RESUME: write_target(h, name, KC_TARGET_STARTED, req->op, cb, arg); break;
    case KC_HERDER_STOP:
      if (!kc_dh_is_leader(h))
        to_leader(h, cb, arg, "Only the leader can transition connectors to the STOPPED state.");
      else
        write_target(h, name, KC_TARGET_STOPPED, req->op, cb, arg);
      break;
    case KC_HERDER_RESTART: op_restart(h, req, cb, arg); break;
    case KC_HERDER_TASK_RESTART: op_task_restart(h, req, cb, arg); break;
    case KC_HERDER_OFFSETS:
      if (!strcmp(kc_dh_type_name(cc->config), "sink"))
        kc_herder_sink_offsets(h->wk, name, cc->config, cb, arg);
      else
        kc_herder_reply_ok(cb, arg, kc_herder_source_offsets_json(h->wk, name), false);
      break;
    case KC_HERDER_ALTER_OFFSETS:
    case KC_HERDER_RESET_OFFSETS:
      kc_offsets_modify(h->wk, name, cc->config, cc->target == KC_TARGET_STOPPED && cc->ntasks == 0,
                        req->op == KC_HERDER_ALTER_OFFSETS ? json_object_get(req->body, "offsets") : NULL, cb, arg);
      break;
    default: return KC_EINVAL;
  }
  return 0;
}
