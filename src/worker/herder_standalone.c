/*
 * StandaloneHerder: answers the REST API from in-memory connectors. Entity
 * shapes and messages follow connect-runtime.md 1.3-1.6 and 2. Operations that
 * must wait for tasks to stop (delete, reconfigure, stop, task restart) answer
 * from the stop callback; a second such operation on the same connector
 * meanwhile gets Connect's 409.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "config/override_policy.h"
#include "convert/json_value.h"
#include "util/log.h"
#include "worker/active_topics.h"
#include "util/loggers.h"
#include "worker/herder_common.h"
#include "worker/offsets_modify.h"
#include "worker/herder_standalone.h"

struct kc_herder_s {
  kc_herder_base_t base;   /* first: the herder.h dispatch */
  kc_worker_t *wk;
  int busy_count;          /* connectors with an operation waiting for tasks */
  void (*shutdown_cb)(void *);
  void *shutdown_arg;
  int shutdown_pending;
  kc_active_topics_t *topics; /* KIP-558, MemoryStatusBackingStore's part */
  bool topic_tracking;        /* topic.tracking.enable */
};

typedef struct pending_s {
  kc_herder_t *h;
  kc_herder_op_t op;
  kc_herder_cb cb;
  void *arg;
  kc_config_t *new_config; /* reconfigure */
  bool created;
  int task;
} pending_t;

static int standalone_submit(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg);
static void standalone_shutdown(kc_herder_t *h, void (*cb)(void *), void *arg);
static void standalone_destroy(kc_herder_t *h) {
  kc_active_topics_destroy(h->topics);
  free(h);
}

static const kc_herder_ops_t standalone_ops = {
    .name = "standalone",
    .submit = standalone_submit,
    .shutdown = standalone_shutdown,
    .destroy = standalone_destroy,
};

/* WorkerTask.recordActiveTopic: a task's first use of a topic since the last reset. */
static void on_topic(void *arg, kc_task_t *task, const char *topic) {
  kc_herder_t *h = arg;
  if (!h->topic_tracking || kc_active_topics_has(h->topics, task->conn->name, topic)) return;
  if (kc_active_topics_put(h->topics, task->conn->name, topic, task->id, kc_now_ms()))
    kc_log_error("kc.herder", "out of memory recording topic %s of connector %s", topic, task->conn->name);
}

kc_herder_t *kc_herder_standalone_create(kc_worker_t *wk) {
  kc_herder_t *h = calloc(1, sizeof *h);
  if (!h || !(h->topics = kc_active_topics_create())) {
    free(h);
    return NULL;
  }
  h->base.ops = &standalone_ops;
  h->wk = wk;
  h->topic_tracking = true;
  kc_config_get_bool(wk->wc->props, "topic.tracking.enable", &h->topic_tracking);
  wk->status_arg = h; /* status_cb stays NULL: statuses are the live objects' */
  wk->topic_cb = on_topic;
  return h;
}

/* ---- replies ---- */

/* ---- entities ---- */

static const char *type_name(const kc_connector_t *c) {
  return c->plugin->type == KC_CONNECTOR_SINK ? "sink" : "source";
}

static json_t *info_json(const kc_connector_t *c) {
  json_t *tasks = json_array();
  for (int i = 0; i < c->ntask_configs; i++)
    json_array_append_new(tasks, json_pack("{s:s,s:i}", "connector", c->name, "task", i));
  return json_pack("{s:s,s:o,s:o,s:s}", "name", c->name, "config", kc_herder_config_json(c->config), "tasks",
                   tasks, "type", type_name(c));
}

/* Connect 4.x (KIP-891) reports the plugin's version with each state. */
static json_t *state_json(kc_herder_t *h, const kc_connector_t *c, const char *state, const char *trace) {
  json_t *o = json_pack("{s:s,s:s}", "state", state, "worker_id", h->wk->worker_id);
  if (trace && *trace) json_object_set_new(o, "trace", json_string(trace));
  json_object_set_new(o, "version", json_string(kc_plugin_version(c->plugin)));
  return o;
}

static json_t *task_status_json(kc_herder_t *h, const kc_connector_t *c, int i) {
  const kc_task_t *t = c->tasks ? c->tasks[i] : NULL;
  json_t *o = t ? state_json(h, c, kc_state_name(t->state), t->state == KC_STATE_FAILED ? t->trace : NULL)
                : state_json(h, c, "UNASSIGNED", NULL);
  json_object_set_new(o, "id", json_integer(i));
  return o;
}

static json_t *status_json(kc_herder_t *h, const kc_connector_t *c) {
  json_t *tasks = json_array();
  for (int i = 0; i < c->ntask_configs; i++) json_array_append_new(tasks, task_status_json(h, c, i));
  return json_pack("{s:s,s:o,s:o,s:s}", "name", c->name, "connector",
                   state_json(h, c, kc_state_name(c->state), c->trace), "tasks", tasks, "type",
                   type_name(c));
}

/* ---- operations that wait for tasks ---- */

static bool busy(const kc_connector_t *c) { return c->all_stopped_cb != NULL; }

static pending_t *pending_new(kc_herder_t *h, kc_herder_op_t op, kc_herder_cb cb, void *arg) {
  pending_t *p = calloc(1, sizeof *p);
  p->h = h;
  p->op = op;
  p->cb = cb;
  p->arg = arg;
  h->busy_count++;
  return p;
}

static void pending_done(pending_t *p) {
  p->h->busy_count--;
  kc_config_destroy(p->new_config);
  free(p);
}

static void after_stop(kc_connector_t *c, void *arg) {
  pending_t *p = arg;
  char err[2048] = "";
  switch (p->op) {
    case KC_HERDER_DELETE:
      kc_log_info("kc.herder.standalone", "[%s] connector deleted", c->name);
      kc_connector_free(c);
      kc_herder_reply_ok(p->cb, p->arg, NULL, false);
      break;
    case KC_HERDER_STOP:
      kc_connector_start_tasks(c, err, sizeof err); /* target STOPPED: no tasks */
      kc_herder_reply_ok(p->cb, p->arg, NULL, false);
      break;
    case KC_HERDER_RESTART: /* the connector instance was FAILED: start it over */
      kc_connector_start_tasks(c, err, sizeof err);
      if (p->cb) kc_herder_reply_ok(p->cb, p->arg, NULL, false);
      break;
    default: /* PUT_CONFIG / PATCH_CONFIG on an existing connector */
      kc_config_destroy(c->config);
      c->config = p->new_config;
      p->new_config = NULL;
      /* A reconfiguration may name another (validated) connector class. */
      c->plugin = kc_plugins_find(kc_config_get(c->config, "connector.class"));
      kc_connector_start_tasks(c, err, sizeof err);
      kc_herder_reply_ok(p->cb, p->arg, info_json(c), false);
      break;
  }
  pending_done(p);
}

typedef struct {
  kc_herder_t *h;
  kc_connector_t *c;
  kc_herder_cb cb;
  void *arg;
} task_restart_t;

static void after_task_stop(kc_task_t *task, void *arg) {
  task_restart_t *tr = arg;
  kc_connector_t *c = tr->c;
  int id = task->id;
  c->all_stopped_cb = NULL;
  if (c->tasks && id < c->ntask_configs) {
    c->tasks[id] = kc_task_create(c, id, c->task_configs[id]);
    if (c->tasks[id] && c->target == KC_TARGET_PAUSED) kc_task_pause(c->tasks[id]);
  }
  tr->h->busy_count--;
  if (tr->cb) kc_herder_reply_ok(tr->cb, tr->arg, NULL, false);
  free(tr);
}

/* The task slot is marked busy through all_stopped_cb so other operations get a 409. */
static void busy_marker(kc_connector_t *c, void *arg) {}

static void restart_task(kc_herder_t *h, kc_connector_t *c, int id, kc_herder_cb cb, void *arg) {
  task_restart_t *tr = calloc(1, sizeof *tr);
  tr->h = h;
  tr->c = c;
  tr->cb = cb;
  tr->arg = arg;
  h->busy_count++;
  c->all_stopped_cb = busy_marker;
  kc_task_set_state(c->tasks[id], KC_STATE_RESTARTING, NULL);
  kc_task_stop(c->tasks[id], after_task_stop, tr);
}

/* ---- dispatch ---- */

static void op_create(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  char err[4096] = "", *s = NULL;
  int initial = -1;
  kc_config_t *cfg = kc_herder_create_request(req->body, &s, &initial, cb, arg);
  if (!cfg) return;
  kc_target_t target = initial < 0 ? KC_TARGET_STARTED : (kc_target_t)initial;
  if (kc_worker_connector(h->wk, s)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_CONFLICT, NULL, "Connector %s already exists", s);
    kc_config_destroy(cfg);
    free(s);
    return;
  }
  kc_herder_rc_t rc = kc_herder_validate(h->wk->wc->props, cfg, err, sizeof err);
  if (rc != KC_HERDER_R_OK) {
    kc_herder_reply(cb, arg, rc, NULL, "%s", err);
    kc_config_destroy(cfg);
    free(s);
    return;
  }
  kc_connector_t *c = kc_connector_create(h->wk, s, cfg, target, err, sizeof err);
  kc_config_destroy(cfg);
  free(s);
  if (!c) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
    return;
  }
  kc_herder_reply_ok(cb, arg, info_json(c), true);
}

static void op_put_config(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  char err[4096] = "";
  const char *name = req->connector;
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  if (req->op == KC_HERDER_PATCH_CONFIG && !c) {
    kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Connector %s not found", name);
    return;
  }
  kc_config_t *cfg = kc_herder_config_request(req, c ? c->config : NULL, cb, arg);
  if (!cfg) return;
  kc_herder_rc_t rc = kc_herder_validate(h->wk->wc->props, cfg, err, sizeof err);
  if (rc != KC_HERDER_R_OK) {
    kc_herder_reply(cb, arg, rc, NULL, "%s", err);
    kc_config_destroy(cfg);
    return;
  }
  if (!c) {
    c = kc_connector_create(h->wk, name, cfg, KC_TARGET_STARTED, err, sizeof err);
    kc_config_destroy(cfg);
    if (!c)
      kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
    else
      kc_herder_reply_ok(cb, arg, info_json(c), true);
    return;
  }
  if (busy(c)) {
    kc_config_destroy(cfg);
    kc_herder_reply(cb, arg, KC_HERDER_R_CONFLICT, NULL,
          "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
    return;
  }
  pending_t *p = pending_new(h, req->op, cb, arg);
  p->new_config = cfg;
  kc_connector_stop_tasks(c, after_stop, p);
}

static void op_restart(kc_herder_t *h, kc_connector_t *c, const kc_herder_req_t *req, kc_herder_cb cb,
                       void *arg) {
  if (!req->include_tasks && !req->only_failed) {
    if (c->state == KC_STATE_FAILED) {
      pending_t *p = pending_new(h, KC_HERDER_RESTART, cb, arg);
      kc_connector_stop_tasks(c, after_stop, p);
      return;
    }
    kc_herder_reply_ok(cb, arg, NULL, false);
    return;
  }
  /* KIP-745: answer 202 with the instances chosen shown as RESTARTING, then restart them. */
  bool restart_conn = !req->only_failed || c->state == KC_STATE_FAILED;
  int *chosen = calloc((size_t)c->ntask_configs + 1, sizeof *chosen), nchosen = 0;
  if (!chosen) {
    kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
    return;
  }
  for (int i = 0; i < c->ntask_configs; i++) {
    kc_task_t *t = c->tasks ? c->tasks[i] : NULL;
    if (t && req->include_tasks && (!req->only_failed || t->state == KC_STATE_FAILED)) chosen[nchosen++] = i;
  }
  json_t *st = status_json(h, c);
  if (restart_conn) json_object_set_new(json_object_get(st, "connector"), "state", json_string("RESTARTING"));
  json_t *tasks = json_object_get(st, "tasks");
  for (int k = 0; k < nchosen; k++) {
    json_t *t = json_array_get(tasks, (size_t)chosen[k]);
    json_object_set_new(t, "state", json_string("RESTARTING"));
    json_object_del(t, "trace");
  }
  kc_herder_reply_ok(cb, arg, st, false);
  if (nchosen == c->ntask_configs && nchosen > 0) {
    pending_t *p = pending_new(h, KC_HERDER_RESTART, NULL, NULL);
    for (int k = 0; k < nchosen; k++) kc_task_set_state(c->tasks[chosen[k]], KC_STATE_RESTARTING, NULL);
    free(chosen);
    kc_connector_stop_tasks(c, after_stop, p);
    return;
  }
  for (int k = 0; k < nchosen; k++)
    if (!busy(c)) restart_task(h, c, chosen[k], NULL, NULL);
  free(chosen);
}


static int standalone_submit(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  kc_worker_t *wk = h->wk;
  if (req->op == KC_HERDER_LOGGER_LEVEL) { /* setClusterLoggerLevel: this worker is the whole cluster */
    json_decref(kc_loggers_set_level(req->plugin ? req->plugin : "", json_string_value(json_object_get(req->body, "level"))));
    kc_herder_reply_ok(cb, arg, NULL, false);
    return 0;
  }
  if ((unsigned)req->op >= KC_HERDER_OP_COUNT) return KC_EINVAL;
  kc_connector_t *c = req->connector ? kc_worker_connector(wk, req->connector) : NULL;
  const char *name = req->connector ? req->connector : "";

  switch (req->op) {
    case KC_HERDER_SERVER_INFO: {
      return kc_herder_server_info(wk, cb, arg);
    }
    case KC_HERDER_METRICS:
      kc_herder_op_metrics(wk, cb, arg);
      return 0;
    case KC_HERDER_HEALTH:
      if (wk->cluster_id)
        kc_herder_reply_ok(cb, arg, json_pack("{s:s,s:s}", "status", "healthy", "message",
                                    "Worker has completed startup and is ready to handle requests."), false);
      else
        kc_herder_reply(cb, arg, KC_HERDER_R_UNAVAILABLE,
              json_pack("{s:s,s:s}", "status", "starting", "message",
                        "Worker is still starting up. The worker is currently connecting to the Kafka cluster."),
              "Worker is still starting up.");
      return 0;
    case KC_HERDER_LIST: {
      if (!req->expand_status && !req->expand_info) {
        json_t *arr = json_array();
        for (kc_connector_t *x = wk->connectors; x; x = x->next) json_array_append_new(arr, json_string(x->name));
        kc_herder_reply_ok(cb, arg, arr, false);
        return 0;
      }
      json_t *o = json_object();
      for (kc_connector_t *x = wk->connectors; x; x = x->next) {
        json_t *e = json_object();
        if (req->expand_status) json_object_set_new(e, "status", status_json(h, x));
        if (req->expand_info) json_object_set_new(e, "info", info_json(x));
        json_object_set_new(o, x->name, e);
      }
      kc_herder_reply_ok(cb, arg, o, false);
      return 0;
    }
    case KC_HERDER_CREATE:
      op_create(h, req, cb, arg);
      return 0;
    case KC_HERDER_PUT_CONFIG:
    case KC_HERDER_PATCH_CONFIG:
      op_put_config(h, req, cb, arg);
      return 0;
    case KC_HERDER_PLUGINS:
      kc_herder_op_plugins(req, cb, arg);
      return 0;
    case KC_HERDER_PLUGIN_CONFIG:
      kc_herder_op_plugin_config(req, cb, arg);
      return 0;
    case KC_HERDER_VALIDATE:
      kc_herder_op_validate(wk, req, cb, arg);
      return 0;
    /* StandaloneHerder throws UnsupportedOperationException for both: Connect answers 500. */
    case KC_HERDER_TASK_CONFIGS_PUT:
      kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
                      "Kafka Connect in standalone mode does not support externally setting task configurations.");
      return 0;
    case KC_HERDER_FENCE:
      kc_herder_reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
                      "Kafka Connect in standalone mode does not support exactly-once source connectors.");
      return 0;
    case KC_HERDER_TOPICS: /* no connector check, as AbstractHerder.connectorActiveTopics */
      if (!kc_herder_topics_refused(wk->wc->props, req->op, cb, arg))
        kc_herder_reply_topics(cb, arg, name, kc_active_topics_json(h->topics, name));
      return 0;
    case KC_HERDER_TOPICS_RESET:
      if (!kc_herder_topics_refused(wk->wc->props, req->op, cb, arg)) {
        kc_active_topics_reset(h->topics, name);
        kc_herder_reply_ok(cb, arg, NULL, false);
      }
      return 0;
    default:
      break;
  }

  /* Everything below names an existing connector. */
  if (!c) {
    switch (req->op) {
      case KC_HERDER_STATUS:
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for connector %s", name);
        break;
      case KC_HERDER_TASK_STATUS:
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for task %s-%d", name, req->task);
        break;
      case KC_HERDER_PAUSE:
      case KC_HERDER_RESUME:
      case KC_HERDER_STOP:
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown connector %s", name);
        break;
      case KC_HERDER_RESTART:
      case KC_HERDER_TASK_RESTART:
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown connector: %s", name);
        break;
      default:
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Connector %s not found", name);
    }
    return 0;
  }
  bool needs_idle = req->op == KC_HERDER_DELETE || req->op == KC_HERDER_STOP ||
                    req->op == KC_HERDER_RESTART || req->op == KC_HERDER_TASK_RESTART;
  if (needs_idle && busy(c)) {
    kc_herder_reply(cb, arg, KC_HERDER_R_CONFLICT, NULL,
          "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
    return 0;
  }
  switch (req->op) {
    case KC_HERDER_INFO:
      kc_herder_reply_ok(cb, arg, info_json(c), false);
      break;
    case KC_HERDER_GET_CONFIG:
      kc_herder_reply_ok(cb, arg, kc_herder_config_json(c->config), false);
      break;
    case KC_HERDER_STATUS:
      kc_herder_reply_ok(cb, arg, status_json(h, c), false);
      break;
    case KC_HERDER_TASKS: {
      json_t *arr = json_array();
      for (int i = 0; i < c->ntask_configs; i++)
        json_array_append_new(arr, json_pack("{s:{s:s,s:i},s:o}", "id", "connector", c->name, "task", i,
                                             "config", kc_herder_config_json(c->task_configs[i])));
      kc_herder_reply_ok(cb, arg, arr, false);
      break;
    }
    case KC_HERDER_TASK_STATUS:
      if (req->task < 0 || req->task >= c->ntask_configs)
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for task %s-%d", name, req->task);
      else
        kc_herder_reply_ok(cb, arg, task_status_json(h, c, req->task), false);
      break;
    case KC_HERDER_DELETE: {
      pending_t *p = pending_new(h, KC_HERDER_DELETE, cb, arg);
      kc_connector_stop_tasks(c, after_stop, p);
      break;
    }
    case KC_HERDER_PAUSE:
      kc_connector_set_target(c, KC_TARGET_PAUSED);
      kc_herder_reply_ok(cb, arg, NULL, false);
      break;
    case KC_HERDER_RESUME:
      /* From STOPPED, or PAUSED since creation (no task configs yet): onConnectorTargetStateChange's
       * updateConnectorTasks generates the tasks now. */
      if (c->target == KC_TARGET_STOPPED || (c->target == KC_TARGET_PAUSED && !c->tasks && !busy(c))) {
        char err[512];
        c->target = KC_TARGET_STARTED;
        kc_connector_start_tasks(c, err, sizeof err);
      } else {
        kc_connector_set_target(c, KC_TARGET_STARTED);
      }
      kc_herder_reply_ok(cb, arg, NULL, false);
      break;
    case KC_HERDER_STOP: {
      c->target = KC_TARGET_STOPPED;
      pending_t *p = pending_new(h, KC_HERDER_STOP, cb, arg);
      kc_connector_stop_tasks(c, after_stop, p);
      break;
    }
    case KC_HERDER_RESTART:
      op_restart(h, c, req, cb, arg);
      break;
    case KC_HERDER_TASK_RESTART:
      if (req->task < 0 || req->task >= c->ntask_configs || !c->tasks || !c->tasks[req->task])
        kc_herder_reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Task %s-%d not found", name, req->task);
      else
        restart_task(h, c, req->task, cb, arg);
      break;
    case KC_HERDER_OFFSETS:
      if (c->plugin->type == KC_CONNECTOR_SINK)
        kc_herder_sink_offsets(wk, c->name, c->config, cb, arg);
      else
        kc_herder_reply_ok(cb, arg, kc_herder_source_offsets_json(wk, c->name), false);
      break;
    case KC_HERDER_ALTER_OFFSETS:
    case KC_HERDER_RESET_OFFSETS: {
      /* Java: target STOPPED and no tasks; here also no stop still in flight. */
      bool stopped = c->target == KC_TARGET_STOPPED && !busy(c);
      for (int i = 0; stopped && c->tasks && i < c->ntask_configs; i++) stopped = c->tasks[i] == NULL;
      kc_offsets_modify(wk, c->name, c->config, stopped,
                        req->op == KC_HERDER_ALTER_OFFSETS ? json_object_get(req->body, "offsets") : NULL, cb, arg);
      break;
    }
    default:
      return KC_EINVAL;
  }
  return 0;
}

/* ---- CLI connectors and shutdown ---- */

int kc_herder_add_connector(kc_herder_t *h, const kc_config_t *props, int initial_target, char *errstr, size_t n) {
  const char *name = kc_config_get(props, "name");
  if (!name || !*name) {
    snprintf(errstr, n, "name: Missing required configuration \"name\" which has no default value.");
    return KC_EINVAL;
  }
  if (kc_worker_connector(h->wk, name)) {
    snprintf(errstr, n, "Connector %s already exists", name);
    return KC_EEXIST;
  }
  if (kc_herder_validate(h->wk->wc->props, props, errstr, n) != KC_HERDER_R_OK) return KC_EINVAL;
  kc_target_t target = initial_target < 0 ? KC_TARGET_STARTED : (kc_target_t)initial_target;
  return kc_connector_create(h->wk, name, props, target, errstr, n) ? 0 : KC_EINVAL;
}

static void shutdown_one(kc_connector_t *c, void *arg) {
  kc_herder_t *h = arg;
  kc_connector_free(c);
  if (--h->shutdown_pending == 0) h->shutdown_cb(h->shutdown_arg);
}

static void standalone_shutdown(kc_herder_t *h, void (*cb)(void *), void *arg) {
  h->shutdown_cb = cb;
  h->shutdown_arg = arg;
  h->shutdown_pending = 1;
  kc_connector_t *c = h->wk->connectors;
  while (c) {
    kc_connector_t *next = c->next;
    if (!busy(c)) {
      h->shutdown_pending++;
      kc_connector_stop_tasks(c, shutdown_one, h);
    }
    c = next;
  }
  if (--h->shutdown_pending == 0) cb(arg);
}
