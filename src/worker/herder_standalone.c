/*
 * StandaloneHerder: answers the REST API from in-memory connectors. Entity
 * shapes and messages follow connect-runtime.md 1.3-1.6 and 2. Operations that
 * must wait for tasks to stop (delete, reconfigure, stop, task restart) answer
 * from the stop callback; a second such operation on the same connector
 * meanwhile gets Connect's 409.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "config/override_policy.h"
#include "convert/json_value.h"
#include "util/log.h"
#include "worker/herder_standalone.h"

struct kc_herder_s {
  kc_worker_t *wk;
  int busy_count;          /* connectors with an operation waiting for tasks */
  void (*shutdown_cb)(void *);
  void *shutdown_arg;
  int shutdown_pending;
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

static const char *const op_names[] = {
#define XX(op) #op,
    KC_HERDER_OP_MAP(XX)
#undef XX
};
const char *kc_herder_op_name(kc_herder_op_t op) { return op_names[op]; }

kc_herder_t *kc_herder_standalone_create(kc_worker_t *wk) {
  kc_herder_t *h = calloc(1, sizeof *h);
  if (h) h->wk = wk;
  return h;
}

void kc_herder_destroy(kc_herder_t *h) { free(h); }

/* ---- replies ---- */

static void reply(kc_herder_cb cb, void *arg, kc_herder_rc_t rc, json_t *body, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void reply(kc_herder_cb cb, void *arg, kc_herder_rc_t rc, json_t *body, const char *fmt, ...) {
  char msg[4096] = "";
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
  }
  kc_herder_res_t res = {.rc = rc, .message = msg, .body = body};
  cb(arg, &res);
}

static void reply_ok(kc_herder_cb cb, void *arg, json_t *body, bool created) {
  kc_herder_res_t res = {.rc = KC_HERDER_R_OK, .message = "", .body = body, .created = created};
  cb(arg, &res);
}

/* ---- entities ---- */

static json_t *config_json(const kc_config_t *cfg) {
  json_t *o = json_object();
  const char *k, *v;
  for (size_t i = 0; kc_config_at(cfg, i, &k, &v) == 0; i++) json_object_set_new(o, k, json_string(v));
  return o;
}

static const char *type_name(const kc_connector_t *c) {
  return c->plugin->type == KC_CONNECTOR_SINK ? "sink" : "source";
}

static json_t *info_json(const kc_connector_t *c) {
  json_t *tasks = json_array();
  for (int i = 0; i < c->ntask_configs; i++)
    json_array_append_new(tasks, json_pack("{s:s,s:i}", "connector", c->name, "task", i));
  return json_pack("{s:s,s:o,s:o,s:s}", "name", c->name, "config", config_json(c->config), "tasks",
                   tasks, "type", type_name(c));
}

static json_t *state_json(kc_herder_t *h, const char *state, const char *trace) {
  json_t *o = json_pack("{s:s,s:s}", "state", state, "worker_id", h->wk->worker_id);
  if (trace && *trace) json_object_set_new(o, "trace", json_string(trace));
  return o;
}

static json_t *task_status_json(kc_herder_t *h, const kc_connector_t *c, int i) {
  const kc_task_t *t = c->tasks ? c->tasks[i] : NULL;
  json_t *o = t ? state_json(h, kc_state_name(t->state), t->state == KC_STATE_FAILED ? t->trace : NULL)
                : state_json(h, "UNASSIGNED", NULL);
  json_object_set_new(o, "id", json_integer(i));
  return o;
}

static json_t *status_json(kc_herder_t *h, const kc_connector_t *c) {
  json_t *tasks = json_array();
  for (int i = 0; i < c->ntask_configs; i++) json_array_append_new(tasks, task_status_json(h, c, i));
  return json_pack("{s:s,s:o,s:o,s:s}", "name", c->name, "connector",
                   state_json(h, kc_state_name(c->state), c->trace), "tasks", tasks, "type",
                   type_name(c));
}

/* ---- config bodies ---- */

/* Jackson binds Map<String,String> leniently: scalars become strings; null stays null (a
 * validation error later); objects and arrays are binding errors (500). */
static kc_config_t *config_from_json(json_t *obj, bool allow_null, char *err, size_t n) {
  if (!json_is_object(obj)) {
    snprintf(err, n, "Cannot deserialize value of type `java.util.LinkedHashMap<java.lang.String,java.lang.String>` from %s",
             json_is_array(obj) ? "Array value" : "non-object value");
    return NULL;
  }
  kc_config_t *cfg = kc_config_new();
  const char *k;
  json_t *v;
  json_object_foreach(obj, k, v) {
    char num[64];
    const char *s = NULL;
    if (json_is_string(v))
      s = json_string_value(v);
    else if (json_is_integer(v))
      snprintf(num, sizeof num, "%lld", (long long)json_integer_value(v)), s = num;
    else if (json_is_real(v))
      snprintf(num, sizeof num, "%.17g", json_real_value(v)), s = num;
    else if (json_is_boolean(v))
      s = json_is_true(v) ? "true" : "false";
    else if (json_is_null(v)) {
      if (allow_null) continue;
      snprintf(err, n, "Connector configuration is invalid and contains the following 1 error(s):\n"
                       "%s: Null value can not be supplied as the configuration value.\n"
                       "You can also find the above list of errors at the endpoint "
                       "`/connector-plugins/{connectorType}/config/validate`", k);
      kc_config_destroy(cfg);
      return NULL;
    } else {
      snprintf(err, n, "Cannot deserialize value of type `java.lang.String` from %s value (token "
                       "`JsonToken.START_%s`) for key \"%s\"",
               json_is_array(v) ? "Array" : "Object", json_is_array(v) ? "ARRAY" : "OBJECT", k);
      kc_config_destroy(cfg);
      return NULL;
    }
    kc_config_set(cfg, k, s);
  }
  return cfg;
}

static char *config_text(const kc_config_t *cfg) {
  json_t *o = config_json(cfg);
  char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
  json_decref(o);
  return s;
}

/* Kafka protocol strings are at most 32767 bytes; "connect-" and client-id decorations fit. */
#define KC_CONNECTOR_NAME_MAX 32000

/* kconnect.tasks.max.per.connector: @returns 0, or KC_EINVAL with the tasks.max error. */
static int check_tasks_cap(const kc_config_t *worker, const kc_config_t *cfg, char *msg, size_t n) {
  int64_t cap = 256, max = 1;
  kc_config_get_int(worker, "kconnect.tasks.max.per.connector", &cap);
  if (kc_config_get_int(cfg, "tasks.max", &max) || max <= cap) return 0;
  snprintf(msg, n,
           "Invalid value %lld for configuration tasks.max: kconnect runs at most %lld tasks per "
           "connector (kconnect.tasks.max.per.connector in the worker configuration)",
           (long long)max, (long long)cap);
  return KC_EINVAL;
}

/* Validates like AbstractHerder.validateConnectorConfig; @returns rc and the message. */
static kc_herder_rc_t validate(const kc_config_t *worker, const kc_config_t *cfg, char *msg,
                               size_t n) {
  const char *cls = kc_config_get(cfg, "connector.class");
  if (!cls || !*cls) {
    char *t = config_text(cfg);
    snprintf(msg, n, "Connector config %s contains no connector type", t ? t : "{}");
    free(t);
    return KC_HERDER_R_BAD_REQUEST;
  }
  const kc_connector_plugin_t *p;
  char err[2048] = "";
  int rc = kc_connector_validate(cfg, &p, err, sizeof err);
  if (rc == KC_ENOENT) {
    snprintf(msg, n, "%s", err);
    return KC_HERDER_R_INTERNAL;
  }
  if (rc) {
    snprintf(msg, n, "Connector configuration is invalid and contains the following 1 error(s):\n%s\n"
                     "You can also find the above list of errors at the endpoint "
                     "`/connector-plugins/{connectorType}/config/validate`", err);
    return KC_HERDER_R_BAD_REQUEST;
  }
  if (check_tasks_cap(worker, cfg, err, sizeof err)) {
    snprintf(msg, n, "Connector configuration is invalid and contains the following 1 error(s):\n%s\n"
                     "You can also find the above list of errors at the endpoint "
                     "`/connector-plugins/{connectorType}/config/validate`", err);
    return KC_HERDER_R_BAD_REQUEST;
  }
  const char *cname = kc_config_get(cfg, "name");
  if (cname && strlen(cname) > KC_CONNECTOR_NAME_MAX) {
    snprintf(msg, n,
             "Connector name is too long (%zu bytes): kconnect accepts at most %d bytes, since "
             "Kafka's protocol limits the sink consumer group id connect-<name> and client ids "
             "to 32767 bytes",
             strlen(cname), KC_CONNECTOR_NAME_MAX);
    return KC_HERDER_R_BAD_REQUEST;
  }
  /* Client overrides: every offending key counts, as in Connect's error-count message. */
  json_t *infos = json_pack("{s:i, s:[]}", "error_count", 0, "configs");
  int bad = infos ? kc_override_policy_validate(worker, cfg, p->type == KC_CONNECTOR_SINK, infos)
                  : KC_ENOMEM;
  int bad2 = bad >= 0 ? kc_connector_unapplied_validate(worker, cfg, p->type == KC_CONNECTOR_SINK,
                                                        infos)
                      : 0;
  bad = bad < 0 ? bad : bad2 < 0 ? bad2 : bad + bad2;
  kc_herder_rc_t out = KC_HERDER_R_OK;
  if (bad != 0) {
    kc_buf_t text;
    kc_buf_init(&text, 0);
    if (bad < 0 || kc_configdef_errors_message(infos, &text) < 0 || !text.data) {
      snprintf(msg, n, "out of memory validating client overrides");
      out = KC_HERDER_R_INTERNAL;
    } else {
      snprintf(msg, n, "%s", text.data);
      out = KC_HERDER_R_BAD_REQUEST;
    }
    kc_buf_free(&text);
  }
  json_decref(infos);
  return out;
}

static kc_target_t parse_initial_state(json_t *v, bool *ok) {
  *ok = true;
  if (!v || json_is_null(v)) return KC_TARGET_STARTED;
  const char *s = json_string_value(v);
  if (s && !strcasecmp(s, "RUNNING")) return KC_TARGET_STARTED;
  if (s && !strcasecmp(s, "PAUSED")) return KC_TARGET_PAUSED;
  if (s && !strcasecmp(s, "STOPPED")) return KC_TARGET_STOPPED;
  *ok = false;
  return KC_TARGET_STARTED;
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
      kc_log_info("kc.herder", "[%s] connector deleted", c->name);
      kc_connector_free(c);
      reply_ok(p->cb, p->arg, NULL, false);
      break;
    case KC_HERDER_STOP:
      kc_connector_start_tasks(c, err, sizeof err); /* target STOPPED: no tasks */
      reply_ok(p->cb, p->arg, NULL, false);
      break;
    case KC_HERDER_RESTART: /* the connector instance was FAILED: start it over */
      kc_connector_start_tasks(c, err, sizeof err);
      if (p->cb) reply_ok(p->cb, p->arg, NULL, false);
      break;
    default: /* PUT_CONFIG / PATCH_CONFIG on an existing connector */
      kc_config_destroy(c->config);
      c->config = p->new_config;
      p->new_config = NULL;
      /* A reconfiguration may name another (validated) connector class. */
      c->plugin = kc_plugins_find(kc_config_get(c->config, "connector.class"));
      kc_connector_start_tasks(c, err, sizeof err);
      reply_ok(p->cb, p->arg, info_json(c), false);
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
  if (tr->cb) reply_ok(tr->cb, tr->arg, NULL, false);
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

static void op_create_named(kc_herder_t *h, json_t *b, const char *s, kc_herder_cb cb,
                            void *arg);

static void op_create(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  json_t *b = req->body;
  if (!json_is_object(b)) {
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
          "Cannot deserialize value of type `CreateConnectorRequest` from %s",
          b ? "a non-object value" : "an empty body");
    return;
  }
  json_t *jn = json_object_get(b, "name");
  if (jn && !json_is_string(jn) && !json_is_null(jn)) {
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "Cannot deserialize value of type `java.lang.String` for field \"name\"");
    return;
  }
  /* Never cut: validate() rejects names over KC_CONNECTOR_NAME_MAX with a clear message. */
  char *name = strdup(jn && json_is_string(jn) ? json_string_value(jn) : "");
  if (!name) {
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
    return;
  }
  char *s = name, *e = name + strlen(name);
  while (*s && isspace((unsigned char)*s)) s++;
  while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
  op_create_named(h, b, s, cb, arg);
  free(name);
}

static void op_create_named(kc_herder_t *h, json_t *b, const char *s, kc_herder_cb cb,
                            void *arg) {
  char err[4096] = "";
  bool ok;
  kc_target_t target = parse_initial_state(json_object_get(b, "initial_state"), &ok);
  if (!ok) {
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
          "Cannot deserialize value of type `InitialState` from String \"%s\": not one of the values accepted: [RUNNING, PAUSED, STOPPED]",
          json_string_value(json_object_get(b, "initial_state")) ? json_string_value(json_object_get(b, "initial_state")) : "?");
    return;
  }
  json_t *jc = json_object_get(b, "config");
  if (!jc || json_is_null(jc)) {
    reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL, "Connector config is missing");
    return;
  }
  kc_config_t *cfg = config_from_json(jc, false, err, sizeof err);
  if (!cfg) {
    reply(cb, arg, strncmp(err, "Connector configuration", 23) ? KC_HERDER_R_INTERNAL : KC_HERDER_R_BAD_REQUEST,
          NULL, "%s", err);
    return;
  }
  const char *cn = kc_config_get(cfg, "name");
  if (cn && strcmp(cn, s)) {
    reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL,
          "Connector name configuration (%s) doesn't match connector name in the URL (%s)", cn, s);
    kc_config_destroy(cfg);
    return;
  }
  if (!*s) {
    reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL, "Connector name cannot be empty");
    kc_config_destroy(cfg);
    return;
  }
  if (!cn) kc_config_set(cfg, "name", s);
  if (kc_worker_connector(h->wk, s)) {
    reply(cb, arg, KC_HERDER_R_CONFLICT, NULL, "Connector %s already exists", s);
    kc_config_destroy(cfg);
    return;
  }
  kc_herder_rc_t rc = validate(h->wk->wc->props, cfg, err, sizeof err);
  if (rc != KC_HERDER_R_OK) {
    reply(cb, arg, rc, NULL, "%s", err);
    kc_config_destroy(cfg);
    return;
  }
  kc_connector_t *c = kc_connector_create(h->wk, s, cfg, target, err, sizeof err);
  kc_config_destroy(cfg);
  if (!c) {
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
    return;
  }
  reply_ok(cb, arg, info_json(c), true);
}

static void op_put_config(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  char err[4096] = "";
  const char *name = req->connector;
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  kc_config_t *cfg;
  if (req->op == KC_HERDER_PATCH_CONFIG) {
    if (!c) {
      reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Connector %s not found", name);
      return;
    }
    kc_config_t *patch = config_from_json(req->body, true, err, sizeof err);
    if (!patch) {
      reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
      return;
    }
    cfg = kc_config_copy(c->config);
    const char *k, *v;
    for (size_t i = 0; kc_config_at(patch, i, &k, &v) == 0; i++) kc_config_set(cfg, k, v);
    json_t *jv;
    json_object_foreach(req->body, k, jv) if (json_is_null(jv)) kc_config_unset(cfg, k);
    kc_config_destroy(patch);
  } else {
    cfg = config_from_json(req->body, false, err, sizeof err);
    if (!cfg) {
      reply(cb, arg, strncmp(err, "Connector configuration", 23) ? KC_HERDER_R_INTERNAL : KC_HERDER_R_BAD_REQUEST,
            NULL, "%s", err);
      return;
    }
  }
  const char *cn = kc_config_get(cfg, "name");
  if (cn && strcmp(cn, name)) {
    reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL,
          "Connector name configuration (%s) doesn't match connector name in the URL (%s)", cn, name);
    kc_config_destroy(cfg);
    return;
  }
  if (!cn) kc_config_set(cfg, "name", name);
  kc_herder_rc_t rc = validate(h->wk->wc->props, cfg, err, sizeof err);
  if (rc != KC_HERDER_R_OK) {
    reply(cb, arg, rc, NULL, "%s", err);
    kc_config_destroy(cfg);
    return;
  }
  if (!c) {
    c = kc_connector_create(h->wk, name, cfg, KC_TARGET_STARTED, err, sizeof err);
    kc_config_destroy(cfg);
    if (!c)
      reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
    else
      reply_ok(cb, arg, info_json(c), true);
    return;
  }
  if (busy(c)) {
    kc_config_destroy(cfg);
    reply(cb, arg, KC_HERDER_R_CONFLICT, NULL,
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
    reply_ok(cb, arg, NULL, false);
    return;
  }
  /* KIP-745: answer 202 with the instances chosen shown as RESTARTING, then restart them. */
  bool restart_conn = !req->only_failed || c->state == KC_STATE_FAILED;
  int *chosen = calloc((size_t)c->ntask_configs + 1, sizeof *chosen), nchosen = 0;
  if (!chosen) {
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "out of memory");
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
  reply_ok(cb, arg, st, false);
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

static json_t *offsets_json(kc_herder_t *h, kc_connector_t *c);
static void sink_offsets(kc_herder_t *h, kc_connector_t *c, kc_herder_cb cb, void *arg);

static void op_plugins(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  json_t *arr = json_array();
  const kc_connector_plugin_t *const *all = kc_plugins_all();
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; all[i]; i++)
      if ((pass == 0) == (all[i]->type == KC_CONNECTOR_SINK))
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "class", all[i]->class_name, "type",
                                             all[i]->type == KC_CONNECTOR_SINK ? "sink" : "source",
                                             "version", all[i]->version ? all[i]->version : KC_CONNECT_COMPAT_VERSION));
  if (!req->connectors_only) {
    static const char *const conv[] = {"org.apache.kafka.connect.converters.ByteArrayConverter",
                                       "org.apache.kafka.connect.json.JsonConverter",
                                       "org.apache.kafka.connect.storage.StringConverter", NULL};
    for (int i = 0; conv[i]; i++)
      json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "class", conv[i], "type", "converter",
                                           "version", KC_CONNECT_COMPAT_VERSION));
    static const char *const hconv[] = {"org.apache.kafka.connect.storage.SimpleHeaderConverter",
                                        "org.apache.kafka.connect.storage.StringConverter", NULL};
    for (int i = 0; hconv[i]; i++)
      json_array_append_new(arr, json_pack("{s:s,s:s,s:s}", "class", hconv[i], "type",
                                           "header_converter", "version", KC_CONNECT_COMPAT_VERSION));
  }
  reply_ok(cb, arg, arr, false);
}

static void op_validate(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  char err[4096] = "";
  kc_config_t *cfg = config_from_json(req->body, true, err, sizeof err);
  if (!cfg) {
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "%s", err);
    return;
  }
  /* A JSON null is reported on its key in the ConfigInfos, not as a failed request. */
  const char *null_key = NULL, *jk;
  json_t *jv;
  json_object_foreach(req->body, jk, jv) if (json_is_null(jv) && !null_key) null_key = jk;
  const char *cls = kc_config_get(cfg, "connector.class");
  if (!cls || !*cls) {
    char *t = config_text(cfg);
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
          "org.apache.kafka.connect.runtime.rest.errors.BadRequestException: Connector config %s contains no connector type",
          t ? t : "{}");
    free(t);
    kc_config_destroy(cfg);
    return;
  }
  /* Compare with the path's plugin after stripping a trailing "Connector" (1.6). */
  char a[512], b[512];
  snprintf(a, sizeof a, "%s", cls);
  snprintf(b, sizeof b, "%s", req->plugin ? req->plugin : "");
  size_t al = strlen(a), bl = strlen(b);
  if (al > 9 && !strcmp(a + al - 9, "Connector")) a[al -= 9] = '\0';
  if (bl > 9 && !strcmp(b + bl - 9, "Connector")) b[bl -= 9] = '\0';
  if (bl > al || strcmp(a + al - bl, b)) {
    reply(cb, arg, KC_HERDER_R_BAD_REQUEST, NULL, "Included connector type %s does not match request type %s",
          cls, req->plugin ? req->plugin : "");
    kc_config_destroy(cfg);
    return;
  }
  const kc_connector_plugin_t *p = kc_plugins_find(cls);
  if (!p) {
    reply(cb, arg, KC_HERDER_R_INTERNAL, NULL,
          "Failed to find any class that implements Connector and which name matches %s, available connectors are: %s",
          cls, kc_plugins_describe());
    kc_config_destroy(cfg);
    return;
  }
  const kc_config_def_t *tables[4];
  kc_plugins_tables(p, tables);
  char xerr[1024] = "";
  const char *xkey = NULL;
  if (p->type == KC_CONNECTOR_SINK && kc_configdef_check_sink_topics(cfg, xerr, sizeof xerr))
    xkey = kc_config_get(cfg, "topics.regex") && !kc_config_get(cfg, "topics") ? "topics.regex" : "topics";
  else if (p->validate && p->validate(cfg, xerr, sizeof xerr)) {
    /* plugin messages start with "key: " */
    char *colon = strchr(xerr, ':');
    static char keybuf[256];
    snprintf(keybuf, sizeof keybuf, "%.*s", colon ? (int)(colon - xerr) : 0, xerr);
    xkey = keybuf;
  }
  /* ConfigInfos.name is the connector.class value as sent (AbstractHerder). */
  if (!xkey && check_tasks_cap(h->wk->wc->props, cfg, xerr, sizeof xerr)) xkey = "tasks.max";
  if (!xkey && null_key) {
    xkey = null_key;
    snprintf(xerr, sizeof xerr, "Null value can not be supplied as the configuration value.");
  }
  json_t *res = kc_configdef_validate_json(cls, tables, cfg, xkey, xkey ? xerr : NULL);
  if (res && (kc_override_policy_validate(h->wk->wc->props, cfg, p->type == KC_CONNECTOR_SINK,
                                          res) < 0 ||
              kc_connector_unapplied_validate(h->wk->wc->props, cfg,
                                              p->type == KC_CONNECTOR_SINK, res) < 0)) {
    json_decref(res);
    res = NULL;
  }
  kc_config_destroy(cfg);
  reply_ok(cb, arg, res, false);
}

typedef struct {
  kc_herder_cb cb;
  void *arg;
} server_info_t;

static void on_cluster_id(void *arg, const char *cluster_id) {
  server_info_t *si = arg;
  json_t *o = json_pack("{s:s,s:s}", "version", KC_CONNECT_COMPAT_VERSION, "commit",
                        "kconnect-" KC_VERSION_STRING);
  json_object_set_new(o, "kafka_cluster_id", cluster_id ? json_string(cluster_id) : json_null());
  reply_ok(si->cb, si->arg, o, false);
  free(si);
}

int kc_herder_submit(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  kc_worker_t *wk = h->wk;
  if ((unsigned)req->op > KC_HERDER_VALIDATE) return KC_EINVAL;
  kc_connector_t *c = req->connector ? kc_worker_connector(wk, req->connector) : NULL;
  const char *name = req->connector ? req->connector : "";

  switch (req->op) {
    case KC_HERDER_SERVER_INFO: {
      server_info_t *si = calloc(1, sizeof *si);
      if (!si) return KC_ENOMEM;
      si->cb = cb;
      si->arg = arg;
      kc_worker_when_cluster_id(wk, 10000, on_cluster_id, si);
      return 0;
    }
    case KC_HERDER_HEALTH:
      if (wk->cluster_id)
        reply_ok(cb, arg, json_pack("{s:s,s:s}", "status", "healthy", "message",
                                    "Worker has completed startup and is ready to handle requests."), false);
      else
        reply(cb, arg, KC_HERDER_R_UNAVAILABLE,
              json_pack("{s:s,s:s}", "status", "starting", "message",
                        "Worker is still starting up. The worker is currently connecting to the Kafka cluster."),
              "Worker is still starting up.");
      return 0;
    case KC_HERDER_LIST: {
      if (!req->expand_status && !req->expand_info) {
        json_t *arr = json_array();
        for (kc_connector_t *x = wk->connectors; x; x = x->next) json_array_append_new(arr, json_string(x->name));
        reply_ok(cb, arg, arr, false);
        return 0;
      }
      json_t *o = json_object();
      for (kc_connector_t *x = wk->connectors; x; x = x->next) {
        json_t *e = json_object();
        if (req->expand_status) json_object_set_new(e, "status", status_json(h, x));
        if (req->expand_info) json_object_set_new(e, "info", info_json(x));
        json_object_set_new(o, x->name, e);
      }
      reply_ok(cb, arg, o, false);
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
      op_plugins(h, req, cb, arg);
      return 0;
    case KC_HERDER_PLUGIN_CONFIG: {
      const kc_connector_plugin_t *p = kc_plugins_find(req->plugin);
      if (!p) {
        reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown plugin %s.", req->plugin ? req->plugin : "");
        return 0;
      }
      const kc_config_def_t *tables[4];
      kc_plugins_tables(p, tables);
      reply_ok(cb, arg, kc_configdef_describe_json(tables), false);
      return 0;
    }
    case KC_HERDER_VALIDATE:
      op_validate(h, req, cb, arg);
      return 0;
    default:
      break;
  }

  /* Everything below names an existing connector. */
  if (!c) {
    switch (req->op) {
      case KC_HERDER_STATUS:
        reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for connector %s", name);
        break;
      case KC_HERDER_TASK_STATUS:
        reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for task %s-%d", name, req->task);
        break;
      case KC_HERDER_PAUSE:
      case KC_HERDER_RESUME:
      case KC_HERDER_STOP:
        reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown connector %s", name);
        break;
      case KC_HERDER_RESTART:
      case KC_HERDER_TASK_RESTART:
        reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown connector: %s", name);
        break;
      default:
        reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Connector %s not found", name);
    }
    return 0;
  }
  bool needs_idle = req->op == KC_HERDER_DELETE || req->op == KC_HERDER_STOP ||
                    req->op == KC_HERDER_RESTART || req->op == KC_HERDER_TASK_RESTART;
  if (needs_idle && busy(c)) {
    reply(cb, arg, KC_HERDER_R_CONFLICT, NULL,
          "Cannot complete request because of a conflicting operation (e.g. worker rebalance)");
    return 0;
  }
  switch (req->op) {
    case KC_HERDER_INFO:
      reply_ok(cb, arg, info_json(c), false);
      break;
    case KC_HERDER_GET_CONFIG:
      reply_ok(cb, arg, config_json(c->config), false);
      break;
    case KC_HERDER_STATUS:
      reply_ok(cb, arg, status_json(h, c), false);
      break;
    case KC_HERDER_TASKS: {
      json_t *arr = json_array();
      for (int i = 0; i < c->ntask_configs; i++)
        json_array_append_new(arr, json_pack("{s:{s:s,s:i},s:o}", "id", "connector", c->name, "task", i,
                                             "config", config_json(c->task_configs[i])));
      reply_ok(cb, arg, arr, false);
      break;
    }
    case KC_HERDER_TASK_STATUS:
      if (req->task < 0 || req->task >= c->ntask_configs)
        reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "No status found for task %s-%d", name, req->task);
      else
        reply_ok(cb, arg, task_status_json(h, c, req->task), false);
      break;
    case KC_HERDER_DELETE: {
      pending_t *p = pending_new(h, KC_HERDER_DELETE, cb, arg);
      kc_connector_stop_tasks(c, after_stop, p);
      break;
    }
    case KC_HERDER_PAUSE:
      kc_connector_set_target(c, KC_TARGET_PAUSED);
      reply_ok(cb, arg, NULL, false);
      break;
    case KC_HERDER_RESUME:
      if (c->target == KC_TARGET_STOPPED) {
        char err[512];
        c->target = KC_TARGET_STARTED;
        kc_connector_start_tasks(c, err, sizeof err);
      } else {
        kc_connector_set_target(c, KC_TARGET_STARTED);
      }
      reply_ok(cb, arg, NULL, false);
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
        reply(cb, arg, KC_HERDER_R_NOT_FOUND, NULL, "Unknown task: %s-%d", name, req->task);
      else
        restart_task(h, c, req->task, cb, arg);
      break;
    case KC_HERDER_OFFSETS:
      if (c->plugin->type == KC_CONNECTOR_SINK)
        sink_offsets(h, c, cb, arg);
      else
        reply_ok(cb, arg, offsets_json(h, c), false);
      break;
    default:
      return KC_EINVAL;
  }
  return 0;
}

/* ---- offsets of a source connector (GET /connectors/{c}/offsets) ---- */

typedef struct {
  const char *name;
  json_t *arr;
} offsets_ctx_t;

static json_t *value_to_jansson(const char *text, size_t len) {
  return json_loadb(text, len, JSON_DECODE_ANY, NULL);
}

static int offsets_one(void *arg, const void *key, size_t klen, const void *val, size_t vlen) {
  offsets_ctx_t *ctx = arg;
  json_t *k = value_to_jansson(key, klen);
  if (json_is_array(k) && json_array_size(k) == 2 &&
      json_is_string(json_array_get(k, 0)) && !strcmp(json_string_value(json_array_get(k, 0)), ctx->name) && val) {
    json_t *v = value_to_jansson(val, vlen);
    json_array_append_new(ctx->arr, json_pack("{s:O,s:o}", "partition", json_array_get(k, 1), "offset",
                                              v ? v : json_null()));
  }
  json_decref(k);
  return 0;
}

typedef struct {
  kc_herder_cb cb;
  void *arg;
} sink_offsets_t;

static void on_sink_offsets(void *arg, const char *errmsg,
                            const rd_kafka_topic_partition_list_t *offs) {
  sink_offsets_t *so = arg;
  if (errmsg) {
    reply(so->cb, so->arg, KC_HERDER_R_INTERNAL, NULL, "Failed to retrieve consumer group offsets: %s",
          errmsg);
  } else {
    /* Sink offsets are the connector group's committed offsets (KIP-875 shape). */
    json_t *arr = json_array();
    for (int i = 0; offs && i < offs->cnt; i++)
      if (offs->elems[i].offset >= 0)
        json_array_append_new(
            arr, json_pack("{s:{s:s,s:i},s:{s:I}}", "partition", "kafka_topic", offs->elems[i].topic,
                           "kafka_partition", (int)offs->elems[i].partition, "offset",
                           "kafka_offset", (json_int_t)offs->elems[i].offset));
    reply_ok(so->cb, so->arg, json_pack("{s:o}", "offsets", arr), false);
  }
  free(so);
}

static void sink_offsets(kc_herder_t *h, kc_connector_t *c, kc_herder_cb cb, void *arg) {
  const char *og = kc_config_get(c->config, "consumer.override.group.id");
  size_t glen = strlen(c->name) + sizeof "connect-";
  char *group = malloc(glen);
  sink_offsets_t *so = calloc(1, sizeof *so);
  char err[512] = "out of memory";
  if (group && so) {
    snprintf(group, glen, "connect-%s", c->name);
    so->cb = cb;
    so->arg = arg;
    if (kc_worker_group_offsets(h->wk, c->config, og ? og : group, on_sink_offsets, so, err,
                                sizeof err) == 0) {
      free(group);
      return;
    }
  }
  free(group);
  free(so);
  reply(cb, arg, KC_HERDER_R_INTERNAL, NULL, "Failed to retrieve consumer group offsets: %s", err);
}

static json_t *offsets_json(kc_herder_t *h, kc_connector_t *c) {
  offsets_ctx_t ctx = {c->name, json_array()};
  kc_offset_store_foreach(h->wk->offsets, offsets_one, &ctx);
  return json_pack("{s:o}", "offsets", ctx.arr);
}

/* ---- CLI connectors and shutdown ---- */

int kc_herder_add_connector(kc_herder_t *h, const kc_config_t *props, char *errstr, size_t n) {
  const char *name = kc_config_get(props, "name");
  if (!name || !*name) {
    snprintf(errstr, n, "name: Missing required configuration \"name\" which has no default value.");
    return KC_EINVAL;
  }
  if (kc_worker_connector(h->wk, name)) {
    snprintf(errstr, n, "Connector %s already exists", name);
    return KC_EEXIST;
  }
  if (validate(h->wk->wc->props, props, errstr, n) != KC_HERDER_R_OK) return KC_EINVAL;
  return kc_connector_create(h->wk, name, props, KC_TARGET_STARTED, errstr, n) ? 0 : KC_EINVAL;
}

static void shutdown_one(kc_connector_t *c, void *arg) {
  kc_herder_t *h = arg;
  kc_connector_free(c);
  if (--h->shutdown_pending == 0) h->shutdown_cb(h->shutdown_arg);
}

void kc_herder_shutdown(kc_herder_t *h, void (*cb)(void *), void *arg) {
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
