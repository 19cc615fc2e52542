/*
 * Connector instances: validation, task-config generation and the task set
 * (Connect's WorkerConnector plus the herder's task bookkeeping).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "transform/xf_config.h"
#include "util/log.h"
#include "worker/connect_protocol.h"
#include "worker/worker.h"

int kc_connector_validate(const kc_config_t *cfg, const kc_connector_plugin_t **plugin, char *errstr,
                          size_t n) {
  *plugin = NULL;
  const char *cls = kc_config_get(cfg, "connector.class");
  if (!cls || !*cls) {
    snprintf(errstr, n, "Connector config contains no connector type");
    return KC_EINVAL;
  }
  *plugin = kc_plugins_find(cls);
  if (!*plugin) {
    snprintf(errstr, n,
             "Failed to find any class that implements Connector and which name matches %s, "
             "available connectors are: %s",
             cls, kc_plugins_describe());
    return KC_ENOENT;
  }
  const kc_config_def_t *tables[4];
  kc_plugins_tables(*plugin, tables);
  int rc = kc_configdef_validate(tables, cfg, errstr, n);
  if (!rc && (*plugin)->type == KC_CONNECTOR_SINK) rc = kc_configdef_check_sink_topics(cfg, errstr, n);
  if (!rc && (*plugin)->validate) rc = (*plugin)->validate(cfg, errstr, n);
  if (!rc) rc = kc_xf_config_validate(cfg, errstr, n);
  return rc ? KC_EINVAL : 0;
}

kc_connector_t *kc_worker_connector(kc_worker_t *wk, const char *name) {
  for (kc_connector_t *c = wk->connectors; c; c = c->next)
    if (!strcmp(c->name, name)) return c;
  return NULL;
}

void kc_connector_set_state(kc_connector_t *c, kc_state_t st, const char *trace) {
  bool changed = c->state != st;
  if (changed)
    kc_log_info("kc.worker", "[%s] connector %s -> %s", c->name, kc_state_name(c->state),
                kc_state_name(st));
  if (changed && c->instance) kc_metrics_connector_state(c->wk, (int)c->state, (int)st);
  c->state = st;
  free(c->trace);
  c->trace = trace ? strdup(trace) : NULL;
  if (c->instance && c->wk->status_cb && (changed || st == KC_STATE_FAILED))
    c->wk->status_cb(c->wk->status_arg, c, -1, st, trace);
}

#define set_state kc_connector_set_state

/*
 * Tasks are created a few per loop turn: each one builds a Kafka client and
 * converters, and thousands of them in one callback would keep REST and
 * signals waiting until all exist (issue 8, tasks.max=99999). The starter is
 * heap-allocated apart from the connector so that cancelling it (stop, free)
 * never waits for uv_close.
 */
enum { TASKS_PER_TURN = 4 };

struct kc_task_starter_s {
  uv_idle_t idle;
  kc_connector_t *conn; /* NULL once cancelled */
  int next;             /* first task id not created yet */
};

static void starter_closed(uv_handle_t *h) { free(h->data); }

static void cancel_starter(kc_connector_t *c) {
  struct kc_task_starter_s *s = c->starter;
  if (!s) return;
  c->starter = NULL;
  s->conn = NULL;
  uv_idle_stop(&s->idle);
  uv_close((uv_handle_t *)&s->idle, starter_closed);
}

static void create_task(kc_connector_t *c, int i) {
  c->tasks[i] = kc_task_create(c, i, c->task_configs[i]);
  if (c->tasks[i] && c->target == KC_TARGET_PAUSED) kc_task_pause(c->tasks[i]);
}

static void on_starter_idle(uv_idle_t *h) {
  struct kc_task_starter_s *s = h->data;
  kc_connector_t *c = s->conn;
  if (!c) return;
  for (int k = 0; k < TASKS_PER_TURN && s->next < c->ntask_configs; k++) create_task(c, s->next++);
  if (s->next >= c->ntask_configs) cancel_starter(c);
}

static int start_some_tasks(kc_connector_t *c) {
  int first = c->ntask_configs < TASKS_PER_TURN ? c->ntask_configs : TASKS_PER_TURN;
  for (int i = 0; i < first; i++) create_task(c, i);
  if (first == c->ntask_configs) return 0;
  struct kc_task_starter_s *s = calloc(1, sizeof *s);
  if (!s) {
    for (int i = first; i < c->ntask_configs; i++) create_task(c, i);
    return 0;
  }
  s->conn = c;
  s->next = first;
  uv_idle_init(c->wk->loop, &s->idle);
  s->idle.data = s;
  uv_idle_start(&s->idle, on_starter_idle);
  c->starter = s;
  return 0;
}

/*
 * Java writes a task config in java.util.HashMap order: the connector config read from the topic
 * (a HashMap grown by puts), copied by the config transformer, copied again by
 * Worker.connectorTaskConfigs with task.class put last, and once more by reverseTransform. Every
 * step orders keys stably by bucket (spread(hashCode) & (capacity - 1)), so replaying the chain
 * gives Java's bytes in the config topic.
 */
static int hm_copy_capacity(int n) { /* new HashMap<>(map of n) */
  int t = (int)((float)n / 0.75f + 1.0f), c = 1;
  while (c < t) c <<= 1;
  return c;
}

static int hm_grown_capacity(int n) { /* new HashMap<>() then n puts */
  int c = 16;
  while (n > c * 3 / 4) c <<= 1;
  return c;
}

static void hm_order(int *order, int n, const int32_t *hash, int cap) {
  for (int i = 1; i < n; i++) { /* stable insertion sort by bucket */
    int v = order[i], b = kc_cp_java_spread(hash[v]) & (cap - 1), j = i;
    while (j > 0 && (kc_cp_java_spread(hash[order[j - 1]]) & (cap - 1)) > b) {
      order[j] = order[j - 1];
      j--;
    }
    order[j] = v;
  }
}

/* Rebuilds @p cfg (its last key is task.class) in Java's HashMap order. */
static kc_config_t *java_task_order(const kc_config_t *cfg) {
  int n = (int)kc_config_count(cfg);
  int32_t *hash = calloc((size_t)n + 1, sizeof *hash);
  int *order = calloc((size_t)n + 1, sizeof *order);
  kc_config_t *out = hash && order ? kc_config_new() : NULL;
  const char *k, *v;
  for (int i = 0; out && i < n; i++) {
    kc_config_at(cfg, (size_t)i, &k, &v);
    hash[i] = kc_cp_java_hash(k);
    order[i] = i;
  }
  if (out && n > 0) {
    int m = n - 1; /* the connector's own keys; task.class is put after the copies */
    hm_order(order, m, hash, hm_grown_capacity(m));
    hm_order(order, m, hash, hm_copy_capacity(m));
    int cap = hm_copy_capacity(m);
    while (n > cap * 3 / 4) cap <<= 1;
    hm_order(order, n, hash, cap);
    hm_order(order, n, hash, hm_copy_capacity(n));
    for (int i = 0; i < n; i++) {
      kc_config_at(cfg, (size_t)order[i], &k, &v);
      if (kc_config_set(out, k, v)) {
        kc_config_destroy(out);
        out = NULL;
        break;
      }
    }
  }
  free(hash);
  free(order);
  return out;
}

/* Worker.connectorTaskConfigs names the task class in every task config; Java workers need it. */
static int add_task_class(const kc_connector_t *c, kc_task_configs_t *out) {
  char cls[512];
  snprintf(cls, sizeof cls, "%s", c->plugin->class_name);
  size_t len = strlen(cls);
  if (len > 9 && !strcmp(cls + len - 9, "Connector")) cls[len - 9] = '\0';
  if (strlen(cls) + 5 > sizeof cls) return KC_EINVAL;
  strcat(cls, "Task");
  for (int i = 0; i < out->n; i++) {
    if (kc_config_get(out->cfgs[i], "task.class")) continue;
    if (kc_config_set(out->cfgs[i], "task.class", cls)) return KC_ENOMEM;
    kc_config_t *ordered = java_task_order(out->cfgs[i]);
    if (!ordered) return KC_ENOMEM;
    kc_config_destroy(out->cfgs[i]);
    out->cfgs[i] = ordered;
  }
  return 0;
}

int kc_connector_generate_task_configs(kc_connector_t *c, kc_task_configs_t *out, char *errstr,
                                       size_t n) {
  /* As Java: the Connector sees its config as submitted; tasks apply defaults when they start. */
  kc_config_t *cfg = kc_config_copy(c->config);
  if (!cfg) return KC_ENOMEM;
  int64_t max_tasks = 1;
  kc_config_get_int(cfg, "tasks.max", &max_tasks);
  memset(out, 0, sizeof *out);
  int rc = c->plugin->task_configs(cfg, (int)max_tasks, out);
  if (!rc) rc = add_task_class(c, out);
  kc_config_destroy(cfg);
  if (rc) {
    for (int i = 0; i < out->n; i++) kc_config_destroy(out->cfgs[i]);
    free(out->cfgs);
    memset(out, 0, sizeof *out);
    snprintf(errstr, n, "taskConfigs failed: %s", kc_strerror(rc));
    return rc;
  }
  if (out->n > max_tasks)
    kc_log_warn("kc.worker", "[%s] connector produced %d task configs, more than tasks.max=%lld",
                c->name, out->n, (long long)max_tasks);
  return 0;
}

int kc_connector_start_tasks(kc_connector_t *c, char *errstr, size_t n) {
  if (c->target == KC_TARGET_STOPPED) {
    set_state(c, KC_STATE_STOPPED, NULL);
    return 0;
  }
  /* The task configs Java's Worker.connectorTaskConfigs makes (the connector's own output plus
   * task.class), as distributed mode has them: GET /connectors/{c}/tasks shows them as they are. */
  kc_task_configs_t out = {0};
  int rc = kc_connector_generate_task_configs(c, &out, errstr, n);
  if (rc) {
    set_state(c, KC_STATE_FAILED, errstr);
    return rc;
  }
  c->task_configs = out.cfgs;
  c->ntask_configs = out.n;
  c->tasks = calloc((size_t)out.n + 1, sizeof *c->tasks);
  set_state(c, c->target == KC_TARGET_PAUSED ? KC_STATE_PAUSED : KC_STATE_RUNNING, NULL);
  return start_some_tasks(c);
}

kc_connector_t *kc_connector_create_idle(kc_worker_t *wk, const char *name, const kc_config_t *config,
                                         kc_target_t target, char *errstr, size_t n) {
  const kc_connector_plugin_t *plugin;
  if (kc_connector_validate(config, &plugin, errstr, n)) return NULL;
  kc_connector_t *c = calloc(1, sizeof *c);
  if (!c || !(c->name = strdup(name)) || !(c->config = kc_config_copy(config))) {
    if (c) free(c->name);
    free(c);
    snprintf(errstr, n, "out of memory");
    return NULL;
  }
  c->wk = wk;
  c->plugin = plugin;
  c->target = target;
  c->state = KC_STATE_UNASSIGNED;
  c->next = wk->connectors;
  wk->connectors = c;
  return c;
}

int kc_connector_set_task_configs(kc_connector_t *c, const kc_config_t *const *cfgs, int n) {
  kc_config_t **copy = calloc((size_t)n + 1, sizeof *copy);
  kc_task_t **tasks = calloc((size_t)n + 1, sizeof *tasks);
  bool ok = copy && tasks;
  for (int i = 0; ok && i < n; i++) ok = (copy[i] = kc_config_copy(cfgs[i])) != NULL;
  if (!ok) {
    for (int i = 0; copy && i < n; i++) kc_config_destroy(copy[i]);
    free(copy);
    free(tasks);
    return KC_ENOMEM;
  }
  for (int i = 0; i < c->ntask_configs; i++) kc_config_destroy(c->task_configs[i]);
  free(c->task_configs);
  free(c->tasks);
  c->task_configs = copy;
  c->tasks = tasks;
  c->ntask_configs = n;
  return 0;
}

kc_task_t *kc_connector_start_task(kc_connector_t *c, int id) {
  if (id < 0 || id >= c->ntask_configs || !c->tasks || c->tasks[id]) return NULL;
  create_task(c, id);
  return c->tasks[id];
}

/* A task being stopped may be asked to stop again (a revocation during a task-config change):
 * every caller's callback runs once when it is gone, so the waiters are chained. */
typedef struct one_stop_s {
  kc_connector_t *c;
  void (*cb)(kc_connector_t *, void *);
  void *arg;
  struct one_stop_s *next;
} one_stop_t;

static void on_one_task_stopped(kc_task_t *task, void *arg) {
  one_stop_t *os = arg;
  kc_connector_t *c = os->c;
  if (c->tasks && task->id < c->ntask_configs && c->tasks[task->id] == task) c->tasks[task->id] = NULL;
  /* Each waiter holds one count, so a callback that frees the connector can only be the last. */
  while (os) {
    one_stop_t *next = os->next;
    c->stopping_tasks--;
    os->cb(c, os->arg);
    free(os);
    os = next;
  }
}

void kc_connector_stop_task(kc_connector_t *c, int id, void (*cb)(kc_connector_t *, void *), void *arg) {
  kc_task_t *t = id >= 0 && id < c->ntask_configs && c->tasks ? c->tasks[id] : NULL;
  one_stop_t *os = t ? calloc(1, sizeof *os) : NULL;
  if (!os) {
    if (t) kc_log_error("kc.worker", "[%s] out of memory stopping task %d", c->name, id);
    cb(c, arg);
    return;
  }
  os->c = c;
  os->cb = cb;
  os->arg = arg;
  if (t->stopping && t->stopped_cb == on_one_task_stopped && t->stopped_arg) {
    one_stop_t *first = t->stopped_arg;
    os->next = first->next;
    first->next = os;
    c->stopping_tasks++;
    return;
  }
  c->stopping_tasks++;
  kc_task_stop(t, on_one_task_stopped, os);
}

int kc_connector_running_tasks(const kc_connector_t *c) {
  int k = 0;
  for (int i = 0; i < c->ntask_configs; i++)
    if (c->tasks && c->tasks[i]) k++;
  return k;
}

kc_connector_t *kc_connector_create(kc_worker_t *wk, const char *name, const kc_config_t *config,
                                    kc_target_t target, char *errstr, size_t n) {
  const kc_connector_plugin_t *plugin;
  if (kc_connector_validate(config, &plugin, errstr, n)) return NULL;
  kc_connector_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->wk = wk;
  c->name = strdup(name);
  c->config = kc_config_copy(config);
  c->plugin = plugin;
  c->target = target;
  c->state = KC_STATE_UNASSIGNED;
  c->instance = true;
  c->next = wk->connectors;
  wk->connectors = c;
  kc_log_info("kc.worker", "[%s] creating connector of type %s", name, plugin->class_name);
  /* StandaloneHerder.updateConnectorTasks skips a connector whose target is not STARTED: created
   * PAUSED (KIP-980 initial_state), it has no task until resumed. */
  if (target == KC_TARGET_PAUSED)
    set_state(c, KC_STATE_PAUSED, NULL);
  else
    kc_connector_start_tasks(c, errstr, n);
  return c;
}

static void drop_task_configs(kc_connector_t *c) {
  for (int i = 0; i < c->ntask_configs; i++) kc_config_destroy(c->task_configs[i]);
  free(c->task_configs);
  free(c->tasks);
  c->task_configs = NULL;
  c->tasks = NULL;
  c->ntask_configs = 0;
}

static void maybe_all_stopped(kc_connector_t *c) {
  if (--c->stopping_tasks > 0) return;
  drop_task_configs(c);
  void (*cb)(kc_connector_t *, void *) = c->all_stopped_cb;
  c->all_stopped_cb = NULL;
  if (cb) cb(c, c->all_stopped_arg);
}

static void on_task_stopped(kc_task_t *task, void *arg) {
  kc_connector_t *c = arg;
  if (c->tasks && task->id < c->ntask_configs) c->tasks[task->id] = NULL;
  maybe_all_stopped(c);
}

void kc_connector_stop_tasks(kc_connector_t *c, void (*cb)(kc_connector_t *, void *), void *arg) {
  cancel_starter(c); /* tasks not created yet are never started */
  c->all_stopped_cb = cb;
  c->all_stopped_arg = arg;
  c->stopping_tasks = 1; /* guard: tasks may stop synchronously */
  for (int i = 0; i < c->ntask_configs; i++)
    if (c->tasks && c->tasks[i]) c->stopping_tasks++;
  for (int i = 0; i < c->ntask_configs; i++)
    if (c->tasks && c->tasks[i]) kc_task_stop(c->tasks[i], on_task_stopped, c);
  maybe_all_stopped(c);
}

void kc_connector_set_target(kc_connector_t *c, kc_target_t target) {
  c->target = target;
  if (c->state == KC_STATE_FAILED || c->state == KC_STATE_STOPPED) return;
  set_state(c, target == KC_TARGET_PAUSED ? KC_STATE_PAUSED : KC_STATE_RUNNING, NULL);
  for (int i = 0; i < c->ntask_configs; i++) {
    kc_task_t *t = c->tasks ? c->tasks[i] : NULL;
    if (!t || t->stopping) continue;
    if (target == KC_TARGET_PAUSED)
      kc_task_pause(t);
    else
      kc_task_resume(t);
  }
}

void kc_connector_free(kc_connector_t *c) {
  kc_connector_t **pp = &c->wk->connectors;
  while (*pp && *pp != c) pp = &(*pp)->next;
  if (*pp) *pp = c->next;
  cancel_starter(c);
  drop_task_configs(c);
  kc_config_destroy(c->config);
  free(c->trace);
  free(c->name);
  free(c);
}
