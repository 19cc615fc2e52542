/*
 * DistributedHerder, membership and work side: the internal topics are read,
 * the worker joins the group, the leader assigns with Connect's assignors, and
 * every worker applies its assignment (connect-runtime.md 6 and 12). The REST
 * operations are in herder_distributed_ops.c.
 *
 * Event-driven where Java's herder ticks: group callbacks, config-topic
 * records and task stops each do a bounded step, and the few things Java
 * polls for (session key expiry, task-config publication retries) run on one
 * timer.
 */
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest/client.h"
#include "rest/signature.h"
#include "util/log.h"
#include "worker/herder_distributed_internal.h"

#define LOGGER "kc.herder"
#define TIMER_MS 1000

static const char *const phase_names[] = {
#define XX(p) #p,
    KC_DH_PHASE_MAP(XX)
#undef XX
};

const char *kc_dh_phase_name(kc_dh_phase_t ph) { return phase_names[ph]; }

void kc_dh_set_phase(kc_herder_t *h, kc_dh_phase_t ph) {
  if (h->phase != ph) kc_log_debug(LOGGER, "herder %s -> %s", phase_names[h->phase], phase_names[ph]);
  h->phase = ph;
}

bool kc_dh_is_leader(const kc_herder_t *h) {
  return h->member_id && h->leader_id && !strcmp(h->member_id, h->leader_id);
}

bool kc_dh_owns(const kc_herder_t *h, const char *connector, int task) {
  if (!h->has_assignment) return false;
  for (int i = 0; i < h->assignment.nassigned; i++) {
    const kc_cp_entry_t *e = &h->assignment.assigned[i];
    if (strcmp(e->connector, connector)) continue;
    for (int k = 0; k < e->ntasks; k++)
      if (e->tasks[k] == task) return true;
  }
  return false;
}

const char *kc_dh_owner_url(const kc_herder_t *h, const char *connector, int task) {
  for (int i = 0; i < h->nowners; i++)
    if (h->owners[i].task == task && !strcmp(h->owners[i].connector, connector)) return h->owners[i].url;
  return NULL;
}

static void fatal(kc_herder_t *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fatal(kc_herder_t *h, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (h->phase == KC_DH_FAILED || h->phase == KC_DH_WAIT_SHUTDOWN) {
    kc_log_error(LOGGER, "%s", msg);
    return;
  }
  kc_dh_set_phase(h, KC_DH_FAILED);
  kc_log_error(LOGGER, "%s", msg);
  if (h->fatal_cb) h->fatal_cb(h->fatal_arg, msg);
}

/* ---- statuses: every state change of work running here goes to the status topic ---- */

static void on_status(void *arg, kc_connector_t *c, int task, kc_state_t st, const char *trace) {
  kc_herder_t *h = arg;
  kc_dh_conn_t *d = c->herder_data;
  if (!h->statuses) return;
  /* A stop for a rebalance must not overwrite the status the new owner wrote (putSafe). */
  bool safe = st == KC_STATE_UNASSIGNED;
  const char *tr = st == KC_STATE_FAILED ? trace : NULL;
  if (task < 0)
    kc_statusstore_put_connector(h->statuses, c->name, st, tr, h->wk->worker_id, h->generation, safe);
  else
    kc_statusstore_put_task(h->statuses, c->name, task, st, tr, h->wk->worker_id, h->generation, safe);
  /* A deleted connector's work, or a task past its connector's new task count: the stop's
   * UNASSIGNED, then the DESTROYED tombstone (as Java). */
  const kc_cfg_connector_t *cc = task >= 0 && h->configs ? kc_cfgstore_connector(h->configs, c->name) : NULL;
  bool unconfigured = task >= 0 && (!cc || task >= cc->ntasks);
  if (st == KC_STATE_UNASSIGNED && ((d && d->deleting) || unconfigured)) {
    /* onRevoked's resetActiveTopics, only with topic.tracking.enable (DistributedHerder) */
    if (task < 0 && h->topic_tracking) kc_statusstore_delete_topics(h->statuses, c->name);
    if (task < 0)
      kc_statusstore_put_connector(h->statuses, c->name, KC_STATE_DESTROYED, NULL, h->wk->worker_id, h->generation,
                                   false);
    else
      kc_statusstore_put_task(h->statuses, c->name, task, KC_STATE_DESTROYED, NULL, h->wk->worker_id, h->generation,
                              false);
  }
}

/* KIP-558: the first use of a topic by a connector is recorded once (topic.tracking.enable). */
static void on_topic(void *arg, kc_task_t *task, const char *topic) {
  kc_herder_t *h = arg;
  if (!h->statuses || !h->topic_tracking || kc_statusstore_topic(h->statuses, task->conn->name, topic, NULL)) return;
  kc_statusstore_put_topic(h->statuses, topic, task->conn->name, task->id, kc_now_ms());
}

/* ---- connector holders ---- */

static kc_connector_t *holder(kc_herder_t *h, const char *name, bool create, char *err, size_t n) {
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  if (c || !create) return c;
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, name);
  if (!cc) {
    snprintf(err, n, "connector %s is not in the config topic", name);
    return NULL;
  }
  kc_dh_conn_t *d = calloc(1, sizeof *d);
  if (!d) {
    snprintf(err, n, "out of memory");
    return NULL;
  }
  c = kc_connector_create_idle(h->wk, name, cc->config, cc->target, err, n);
  if (!c) {
    free(d);
    return NULL;
  }
  c->herder_data = d;
  return c;
}

static void maybe_release(kc_herder_t *h, kc_connector_t *c) {
  kc_dh_conn_t *d = c->herder_data;
  if (c->instance || c->stopping_tasks || kc_connector_running_tasks(c) || (d && (d->publish_inflight || d->syncing)))
    return;
  (void)h;
  free(d);
  c->herder_data = NULL;
  kc_connector_free(c);
}

static bool configs_equal(const kc_config_t *a, const kc_config_t *b) {
  if (kc_config_count(a) != kc_config_count(b)) return false;
  const char *k, *v;
  for (size_t i = 0; kc_config_at(a, i, &k, &v) == 0; i++) {
    const char *w = kc_config_get(b, k);
    if (!w || strcmp(v, w)) return false;
  }
  return true;
}

static bool task_sets_equal(const kc_config_t *const *a, int na, kc_config_t *const *b, int nb) {
  if (na != nb) return false;
  for (int i = 0; i < na; i++)
    if (!configs_equal(a[i], b[i])) return false;
  return true;
}

/* ---- stops, counted so revocations and eager joins continue when all are done ---- */

static void stops_done(kc_herder_t *h);

static void start_work(kc_herder_t *h);

static void on_revoked_task_stopped(kc_connector_t *c, void *arg) {
  kc_herder_t *h = arg;
  /* A lost membership stops everything and rejoins at once: the new assignment may hand back a
   * task whose stop was still in flight, which start_work then skipped as running. */
  bool again = false;
  if (h->has_assignment && h->phase == KC_DH_STABLE)
    for (int i = 0; i < c->ntask_configs && !again; i++)
      again = kc_dh_owns(h, c->name, i) && (!c->tasks || !c->tasks[i]);
  maybe_release(h, c);
  if (--h->stops_pending == 0) stops_done(h);
  if (again) start_work(h);
}

static void stop_instance(kc_herder_t *h, kc_connector_t *c) {
  if (!c->instance) return;
  kc_connector_set_state(c, KC_STATE_UNASSIGNED, NULL); /* published while still the instance */
  c->instance = false;
  (void)h;
}

/* Stops the instance and/or one task of @p name if they run here. */
static void revoke_item(kc_herder_t *h, const char *name, int task) {
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  if (!c) return;
  if (task == KC_CP_CONNECTOR_TASK) {
    stop_instance(h, c);
    maybe_release(h, c);
    return;
  }
  if (task < 0 || task >= c->ntask_configs || !c->tasks || !c->tasks[task]) return;
  h->stops_pending++;
  kc_connector_stop_task(c, task, on_revoked_task_stopped, h);
}

static void revoke_all(kc_herder_t *h) {
  h->stops_pending++; /* guard: stops may finish synchronously */
  kc_connector_t *c = h->wk->connectors;
  while (c) {
    kc_connector_t *next = c->next;
    stop_instance(h, c);
    int n = c->ntask_configs;
    for (int i = 0; i < n; i++)
      if (c->tasks && c->tasks[i]) {
        h->stops_pending++;
        kc_connector_stop_task(c, i, on_revoked_task_stopped, h);
      }
    maybe_release(h, c);
    c = next;
  }
  kc_cp_assignment_clear(&h->assignment);
  h->has_assignment = false;
  if (--h->stops_pending == 0) stops_done(h);
}

static void shutdown_continue(kc_herder_t *h);

static void stops_done(kc_herder_t *h) {
  if (h->phase == KC_DH_WAIT_SHUTDOWN) {
    shutdown_continue(h);
    return;
  }
  if (h->join_after_stops) {
    h->join_after_stops = false;
    kc_group_join_ready(h->group);
  }
  if (h->rejoin_after_stops) {
    h->rejoin_after_stops = false;
    if (h->phase == KC_DH_WAIT_REVOKE) kc_dh_set_phase(h, KC_DH_STABLE);
    kc_group_request_rejoin(h->group, "revoked connectors or tasks were stopped");
  }
}

/* ---- task configs: generated where the Connector instance runs, written by the leader ---- */

typedef struct {
  kc_herder_t *h;
  char *name;
} publish_t;

static void publish_finished(kc_herder_t *h, const char *name, int status, const char *err) {
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  kc_dh_conn_t *d = c ? c->herder_data : NULL;
  if (!d) return;
  d->publish_inflight = false;
  if (status) {
    d->publish_backoff_ms = d->publish_backoff_ms ? d->publish_backoff_ms * 2 : 250;
    if (d->publish_backoff_ms > 60000) d->publish_backoff_ms = 60000;
    d->publish_retry_at = kc_now_ms() + d->publish_backoff_ms;
    kc_log_error(LOGGER, "[%s] failed to reconfigure connector's tasks (%s), retrying after backoff (%lld ms)", name,
                 err ? err : kc_strerror(status), (long long)d->publish_backoff_ms);
  } else {
    d->publish_backoff_ms = 0;
    d->publish_retry_at = 0;
    if (d->publish_again) {
      d->publish_again = false;
      if (c->instance) kc_dh_reconfigure(h, c);
    }
  }
  maybe_release(h, c);
}

static void on_local_publish(void *arg, int status, const char *errmsg) {
  publish_t *p = arg;
  publish_finished(p->h, p->name, status, errmsg);
  free(p->name);
  free(p);
}

static void on_remote_publish(void *arg, int status, const char *body, size_t len, const char *errmsg) {
  publish_t *p = arg;
  char err[512] = "";
  int rc = 0;
  if (status < 0) {
    snprintf(err, sizeof err, "%s", errmsg && *errmsg ? errmsg : kc_strerror(status));
    rc = status;
  } else if (status < 200 || status >= 300) {
    snprintf(err, sizeof err, "the leader answered %d: %.*s", status, (int)(len > 300 ? 300 : len), body ? body : "");
    rc = KC_EIO;
  }
  publish_finished(p->h, p->name, rc, err);
  free(p->name);
  free(p);
}

/* Follower: POST <leader>connectors/<name>/tasks?forward=true, signed when sessioned (6.5). */
static int publish_remote(kc_herder_t *h, const char *name, const kc_task_configs_t *tc, publish_t *p, char *err,
                          size_t n) {
  const kc_session_key_t *key = kc_cfgstore_session_key(h->configs);
  if (h->sessioned && !key) {
    snprintf(err, n, "no session key has been read yet, so the request to the leader cannot be signed");
    return KC_ESTATE;
  }
  if (!h->leader_url) {
    snprintf(err, n, "no known leader");
    return KC_ESTATE;
  }
  json_t *arr = json_array();
  for (int i = 0; arr && i < tc->n; i++) json_array_append_new(arr, kc_herder_config_json(tc->cfgs[i]));
  char *body = arr ? json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(arr);
  kc_buf_t url;
  kc_buf_init(&url, 0);
  const char *segments[] = {"connectors", name, "tasks", NULL};
  if (kc_rest_client_url(&url, h->leader_url, segments) || kc_buf_puts(&url, "?forward=true")) kc_buf_free(&url);
  char sig[KC_REST_SIGNATURE_B64_MAX + 64], sighdr[sizeof sig + 64], alghdr[128];
  const char *headers[4] = {"Content-Type: application/json", NULL, NULL, NULL};
  int rc = body && url.data ? 0 : KC_ENOMEM;
  if (!rc && h->sessioned) {
    rc = kc_rest_signature_sign(key->key, key->len, h->dc.signature_algorithm, body, strlen(body), sig, sizeof sig);
    snprintf(sighdr, sizeof sighdr, "%s: %s", KC_REST_SIGNATURE_HEADER, sig);
    snprintf(alghdr, sizeof alghdr, "%s: %s", KC_REST_SIGNATURE_ALGORITHM_HEADER, h->dc.signature_algorithm);
    headers[1] = sighdr;
    headers[2] = alghdr;
  }
  if (!rc)
    rc = kc_rest_client_request(h->loop, "POST", url.data, body, strlen(body), headers,
                                (uint64_t)h->dc.request_timeout_ms, on_remote_publish, p, NULL);
  if (rc) snprintf(err, n, "cannot send the task configs to the leader: %s", kc_strerror(rc));
  free(body);
  kc_buf_free(&url);
  return rc;
}

void kc_dh_reconfigure(kc_herder_t *h, kc_connector_t *c) {
  kc_dh_conn_t *d = c->herder_data;
  if (!d || !c->instance || c->target != KC_TARGET_STARTED || h->phase == KC_DH_WAIT_SHUTDOWN) return;
  if (d->publish_inflight) {
    d->publish_again = true;
    return;
  }
  char err[1024] = "";
  kc_task_configs_t tc;
  int rc = kc_connector_generate_task_configs(c, &tc, err, sizeof err);
  if (rc) {
    kc_connector_set_state(c, KC_STATE_FAILED, err);
    return;
  }
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, c->name);
  bool same = cc && !cc->inconsistent && task_sets_equal(cc->tasks, cc->ntasks, tc.cfgs, tc.n);
  if (!same) {
    publish_t *p = calloc(1, sizeof *p);
    if (p && (p->name = strdup(c->name))) {
      p->h = h;
      d->publish_inflight = true;
      if (kc_dh_is_leader(h)) {
        rc = kc_cfgstore_put_task_configs(h->configs, c->name, (const kc_config_t *const *)tc.cfgs, tc.n,
                                          on_local_publish, p);
        if (rc) snprintf(err, sizeof err, "cannot write the task configs: %s", kc_strerror(rc));
      } else {
        rc = publish_remote(h, c->name, &tc, p, err, sizeof err);
      }
      if (rc) {
        free(p->name);
        free(p);
        publish_finished(h, c->name, rc, err);
      } else {
        kc_log_info(LOGGER, "[%s] publishing %d task configs%s", c->name, tc.n,
                    kc_dh_is_leader(h) ? "" : " to the leader");
      }
    } else {
      free(p);
      d->publish_retry_at = kc_now_ms() + 1000;
    }
  }
  for (int i = 0; i < tc.n; i++) kc_config_destroy(tc.cfgs[i]);
  free(tc.cfgs);
}

/* ---- starting work ---- */

/*
 * The trace a Java worker records when it cannot start work it was assigned
 * (its Throwable's stack trace): in a mixed group that is mostly a plugin only
 * the other side has. A connector fails in Plugins.newConnector; a task already
 * in DistributedHerder.startTask, whose connectorType() of a class it cannot
 * load is UNKNOWN.
 */
static void start_failure_trace(kc_herder_t *h, const char *name, int task, const char *err, char *out, size_t n) {
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, name);
  const char *cls = cc ? kc_config_get(cc->config, "connector.class") : NULL;
  if (task >= 0 && cls && !kc_plugins_find(cls))
    snprintf(out, n,
             "org.apache.kafka.connect.errors.ConnectException: Failed to start task %s-%d since it is not a "
             "recognizable type (source or sink)",
             name, task);
  else if (!strncmp(err, "Invalid value ", 14))
    snprintf(out, n, "org.apache.kafka.common.config.ConfigException: %s", err);
  else
    snprintf(out, n, "org.apache.kafka.connect.errors.ConnectException: %s", err);
}

static void start_instance(kc_herder_t *h, const char *name) {
  char err[1024] = "", trace[1200];
  kc_connector_t *c = holder(h, name, true, err, sizeof err);
  if (!c) {
    kc_log_error(LOGGER, "[%s] cannot start the connector: %s", name, err);
    start_failure_trace(h, name, -1, err, trace, sizeof trace);
    kc_statusstore_put_connector(h->statuses, name, KC_STATE_FAILED, trace, h->wk->worker_id, h->generation, false);
    return;
  }
  if (c->instance) return;
  c->instance = true;
  kc_log_info(LOGGER, "[%s] starting the connector (target %s)", name,
              c->target == KC_TARGET_STOPPED ? "STOPPED" : c->target == KC_TARGET_PAUSED ? "PAUSED" : "STARTED");
  kc_connector_set_state(c, c->target == KC_TARGET_STOPPED  ? KC_STATE_STOPPED
                            : c->target == KC_TARGET_PAUSED ? KC_STATE_PAUSED
                                                            : KC_STATE_RUNNING,
                         NULL);
  kc_dh_reconfigure(h, c);
}

/* Loads the snapshot's task configs into the holder when no task of it runs. */
static bool sync_holder_configs(kc_herder_t *h, kc_connector_t *c) {
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, c->name);
  if (!cc) return false;
  if (task_sets_equal(cc->tasks, cc->ntasks, c->task_configs, c->ntask_configs)) return true;
  if (kc_connector_running_tasks(c) || c->stopping_tasks) return false;
  return kc_connector_set_task_configs(c, cc->tasks, cc->ntasks) == 0;
}

static void start_task(kc_herder_t *h, const char *name, int id) {
  char err[1024] = "", trace[1200];
  kc_connector_t *c = holder(h, name, true, err, sizeof err);
  if (!c) {
    start_failure_trace(h, name, id, err, trace, sizeof trace);
    kc_log_error(LOGGER, "[%s-%d] cannot start the task: %s", name, id, trace);
    kc_statusstore_put_task(h->statuses, name, id, KC_STATE_FAILED, trace, h->wk->worker_id, h->generation, false);
    return;
  }
  kc_dh_conn_t *d = c->herder_data;
  if (d && d->syncing) { /* the task-config change restarts it when its stops are done */
    kc_log_debug(LOGGER, "[%s-%d] start deferred: task configs changing", name, id);
    return;
  }
  if (!sync_holder_configs(h, c) || id >= c->ntask_configs || (c->tasks && c->tasks[id])) {
    kc_log_debug(LOGGER, "[%s-%d] not started: %s", name, id,
                 id >= c->ntask_configs ? "no such task config" : c->tasks && c->tasks[id] ? "already running"
                                                                 : "task configs not loaded");
    maybe_release(h, c);
    return;
  }
  kc_log_info(LOGGER, "[%s-%d] starting the task", name, id);
  kc_connector_start_task(c, id);
}

typedef struct {
  kc_herder_t *h;
  int32_t generation;
} start_work_t;

/* Starts everything assigned here that is not running, once source offsets are read to the end. */
static void on_offsets_fresh(void *arg, int status, const char *errmsg) {
  start_work_t *sw = arg;
  kc_herder_t *h = sw->h;
  bool stale = sw->generation != h->generation;
  kc_log_debug(LOGGER, "offsets topic read (generation %d, now %d)", sw->generation, h->generation);
  free(sw);
  if (status) kc_log_warn(LOGGER, "reading the offsets topic to the end failed: %s", errmsg ? errmsg : "");
  if (stale || !h->has_assignment || h->phase == KC_DH_WAIT_SHUTDOWN || h->phase == KC_DH_FAILED) return;
  for (int i = 0; i < h->assignment.nassigned; i++) {
    const kc_cp_entry_t *e = &h->assignment.assigned[i];
    for (int k = 0; k < e->ntasks; k++) {
      if (e->tasks[k] == KC_CP_CONNECTOR_TASK)
        start_instance(h, e->connector);
      else
        start_task(h, e->connector, e->tasks[k]);
    }
  }
}

/* A source task assigned here that does not run yet: it must see offsets other workers flushed. */
static bool source_task_pending(kc_herder_t *h) {
  for (int i = 0; i < h->assignment.nassigned; i++) {
    const kc_cp_entry_t *e = &h->assignment.assigned[i];
    const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, e->connector);
    if (!cc || strcmp(kc_dh_type_name(cc->config), "source")) continue;
    kc_connector_t *c = kc_worker_connector(h->wk, e->connector);
    for (int k = 0; k < e->ntasks; k++)
      if (e->tasks[k] >= 0 && !(c && c->tasks && e->tasks[k] < c->ntask_configs && c->tasks[e->tasks[k]]))
        return true;
  }
  return false;
}

static void start_work(kc_herder_t *h) {
  start_work_t *sw = calloc(1, sizeof *sw);
  if (!sw) return;
  sw->h = h;
  sw->generation = h->generation;
  if (!source_task_pending(h)) {
    on_offsets_fresh(sw, 0, NULL);
    return;
  }
  kc_log_debug(LOGGER, "reading the offsets topic to its end before starting source tasks");
  if (kc_offset_store_refresh(h->offsets, on_offsets_fresh, sw)) on_offsets_fresh(sw, 0, NULL);
}

/* Java's order: the stop publishes UNASSIGNED, a restart request then RESTARTING, the start RUNNING. */
void kc_dh_restart_connector(kc_herder_t *h, kc_connector_t *c, bool request) {
  if (!c->instance) return;
  kc_connector_set_state(c, KC_STATE_UNASSIGNED, NULL);
  if (request)
    kc_statusstore_put_connector(h->statuses, c->name, KC_STATE_RESTARTING, NULL, h->wk->worker_id, h->generation,
                                 false);
  c->instance = false;
  start_instance(h, c->name);
}

typedef struct {
  kc_herder_t *h;
  int id;
  bool request;
} task_restart_t;

static void on_restart_stopped(kc_connector_t *c, void *arg) {
  task_restart_t *tr = arg;
  kc_herder_t *h = tr->h;
  int id = tr->id;
  bool request = tr->request;
  free(tr);
  if (kc_dh_owns(h, c->name, id) && h->phase != KC_DH_WAIT_SHUTDOWN) {
    if (request)
      kc_statusstore_put_task(h->statuses, c->name, id, KC_STATE_RESTARTING, NULL, h->wk->worker_id, h->generation,
                              false);
    sync_holder_configs(h, c);
    kc_connector_start_task(c, id);
  }
  maybe_release(h, c);
}

void kc_dh_restart_task(kc_herder_t *h, kc_connector_t *c, int id, bool request) {
  task_restart_t *tr = calloc(1, sizeof *tr);
  if (!tr || id < 0 || id >= c->ntask_configs || !c->tasks || !c->tasks[id]) {
    free(tr);
    return;
  }
  tr->h = h;
  tr->id = id;
  tr->request = request;
  kc_connector_stop_task(c, id, on_restart_stopped, tr);
}

/* ---- config topic updates (ConfigBackingStore.UpdateListener) ---- */

/* The connectors of the config snapshot at the last applied assignment (sorted as the store). */
static bool known_connector(const kc_herder_t *h, const char *name) {
  for (int i = 0; i < h->nknown; i++)
    if (!strcmp(h->known[i], name)) return true;
  return false;
}

static void remember_known(kc_herder_t *h) {
  for (int i = 0; i < h->nknown; i++) free(h->known[i]);
  free(h->known);
  h->nknown = 0;
  size_t n = kc_cfgstore_count(h->configs);
  h->known = calloc(n + 1, sizeof *h->known);
  for (size_t i = 0; h->known && i < n; i++)
    if ((h->known[h->nknown] = strdup(kc_cfgstore_at(h->configs, i)->name))) h->nknown++;
}

static void on_connector_config(void *arg, const char *name, bool removed) {
  kc_herder_t *h = arg;
  if (h->phase == KC_DH_WAIT_STORES || h->phase == KC_DH_WAIT_SHUTDOWN) return;
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  if (removed) {
    kc_log_info(LOGGER, "[%s] connector deleted", name);
    if (c) {
      kc_dh_conn_t *d = c->herder_data;
      if (d) d->deleting = true;
      for (int i = 0; i < c->ntask_configs; i++) revoke_item(h, name, i);
      revoke_item(h, name, KC_CP_CONNECTOR_TASK);
    }
  } else if (c) {
    const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, name);
    if (cc && !configs_equal(cc->config, c->config)) {
      kc_config_t *copy = kc_config_copy(cc->config);
      const kc_connector_plugin_t *p = kc_plugins_find(kc_config_get(cc->config, "connector.class"));
      if (copy && p) {
        kc_config_destroy(c->config);
        c->config = copy;
        c->plugin = p;
        if (c->instance) kc_dh_restart_connector(h, c, false);
      } else {
        kc_config_destroy(copy);
      }
    }
  }
  /* New and deleted connectors need an assignment change: every worker rejoins, as Java's
   * needsReconfigRebalance, so no one waits for a heartbeat to learn of the rebalance (6.5). */
  if (removed || !known_connector(h, name)) {
    h->rebalance_resolved = false;
    kc_group_request_rejoin(h->group, removed ? "connector deleted" : "connector created");
  }
}

static void on_synced_stopped(kc_connector_t *c, void *arg) {
  kc_herder_t *h = arg;
  kc_dh_conn_t *d = c->herder_data;
  if (d && --d->syncing > 0) return;
  if (h->phase != KC_DH_WAIT_SHUTDOWN && sync_holder_configs(h, c))
    for (int i = 0; i < c->ntask_configs; i++)
      if (kc_dh_owns(h, c->name, i) && (!c->tasks || !c->tasks[i])) kc_connector_start_task(c, i);
  maybe_release(h, c);
}

static void on_task_configs(void *arg, const char *name) {
  kc_herder_t *h = arg;
  if (h->phase == KC_DH_WAIT_STORES || h->phase == KC_DH_WAIT_SHUTDOWN) return;
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  if (c) {
    /* Tasks running on old configs restart with the new ones; ids past the new count stop. */
    const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, name);
    kc_dh_conn_t *d = c->herder_data;
    if (cc && d && !task_sets_equal(cc->tasks, cc->ntasks, c->task_configs, c->ntask_configs)) {
      d->syncing++; /* guard */
      for (int i = 0; i < c->ntask_configs; i++)
        if (c->tasks && c->tasks[i]) {
          d->syncing++;
          kc_connector_stop_task(c, i, on_synced_stopped, h);
        }
      on_synced_stopped(c, h);
    }
  }
  h->rebalance_resolved = false;
  kc_group_request_rejoin(h->group, "task configs changed");
}

static void on_target_state(void *arg, const char *name, kc_target_t t) {
  kc_herder_t *h = arg;
  if (h->phase == KC_DH_WAIT_STORES || h->phase == KC_DH_WAIT_SHUTDOWN) return;
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  if (!c || c->target == t) return;
  kc_target_t was = c->target;
  kc_log_info(LOGGER, "[%s] target state %s", name,
              t == KC_TARGET_STOPPED ? "STOPPED" : t == KC_TARGET_PAUSED ? "PAUSED" : "STARTED");
  if (t == KC_TARGET_STOPPED) {
    c->target = t;
    if (c->instance) kc_connector_set_state(c, KC_STATE_STOPPED, NULL);
    return; /* the leader wrote empty task configs first: tasks go through on_task_configs */
  }
  if (was == KC_TARGET_STOPPED) {
    c->target = t;
    if (c->instance) {
      kc_connector_set_state(c, t == KC_TARGET_PAUSED ? KC_STATE_PAUSED : KC_STATE_RUNNING, NULL);
      kc_dh_reconfigure(h, c);
    }
    return;
  }
  bool was_instance = c->instance;
  if (!c->instance) c->state = KC_STATE_UNASSIGNED; /* a holder's own state is never shown */
  kc_connector_set_target(c, t);
  if (was_instance && t == KC_TARGET_STARTED) kc_dh_reconfigure(h, c);
}

static void on_restart_request(void *arg, const char *name, bool include_tasks, bool only_failed) {
  kc_herder_t *h = arg;
  if (!h->started_once || h->phase == KC_DH_WAIT_SHUTDOWN) return;
  kc_connector_t *c = kc_worker_connector(h->wk, name);
  if (!c) return;
  if (c->instance && (!only_failed || c->state == KC_STATE_FAILED)) kc_dh_restart_connector(h, c, true);
  if (!include_tasks) return;
  for (int i = 0; i < c->ntask_configs; i++) {
    kc_task_t *t = c->tasks ? c->tasks[i] : NULL;
    if (t && !t->stopping && (!only_failed || t->state == KC_STATE_FAILED)) kc_dh_restart_task(h, c, i, true);
  }
}

static const kc_cfgstore_listener_t config_listener = {
    .connector_config = on_connector_config,
    .task_configs = on_task_configs,
    .target_state = on_target_state,
    .restart = on_restart_request,
};

/* ---- the group (WorkerCoordinator) ---- */

static int on_group_metadata(void *arg, kc_group_protocol_t *protocols, int *n) {
  kc_herder_t *h = arg;
  const char *names[3];
  int16_t versions[3];
  int k = 0;
  if (kc_cp_protocols(h->dc.connect_protocol, names, versions, &k)) return KC_EINVAL;
  if (k > *n) k = *n;
  int64_t offset = kc_cfgstore_offset(h->configs);
  for (int i = 0; i < k; i++) {
    kc_buf_reset(&h->meta[i]);
    /* The encoder writes the allocation with the metadata's own version. */
    const kc_cp_assignment_t *alloc = h->has_assignment && versions[i] > 0 ? &h->assignment : NULL;
    int rc = kc_cp_metadata_encode(versions[i], h->dc.advertised_url, offset, alloc, &h->meta[i]);
    if (rc) return rc;
    protocols[i].name = names[i];
    protocols[i].metadata = h->meta[i].data;
    protocols[i].len = h->meta[i].len;
  }
  *n = k;
  return 0;
}

static void on_join_prepare(void *arg, int32_t generation, const char *member_id) {
  kc_herder_t *h = arg;
  (void)generation;
  (void)member_id;
  h->rebalance_resolved = false;
  for (int i = 0; i < h->nowners; i++) {
    free(h->owners[i].connector);
    free(h->owners[i].url);
  }
  free(h->owners);
  h->owners = NULL;
  h->nowners = 0;
  if (h->phase != KC_DH_WAIT_SHUTDOWN) kc_dh_set_phase(h, KC_DH_WAIT_JOIN);
  if (h->eager && h->has_assignment) {
    kc_log_info(LOGGER, "Rebalance started: eager protocol, stopping every connector and task first");
    h->join_after_stops = true;
    revoke_all(h);
    return;
  }
  kc_log_info(LOGGER, "Rebalance started");
  kc_group_join_ready(h->group);
}

/* Leader: the full assignment of every member after this round, for forwarding (LeaderState). */
static void remember_owners(kc_herder_t *h, const kc_group_member_t *members, int n, kc_buf_t *out, bool eager) {
  for (int i = 0; i < n; i++) {
    kc_cp_metadata_t md = {0};
    kc_cp_assignment_t got = {0}, full = {0};
    char err[256];
    if (kc_cp_metadata_decode(members[i].metadata, members[i].len, &md, err, sizeof err) ||
        kc_cp_assignment_decode(out[i].data, out[i].len, &got, err, sizeof err) ||
        kc_cp_assignment_apply(eager ? NULL : md.allocation, &got, eager, &full)) {
      kc_cp_metadata_clear(&md);
      kc_cp_assignment_clear(&got);
      continue;
    }
    for (int e = 0; e < full.nassigned; e++)
      for (int k = 0; k < full.assigned[e].ntasks; k++) {
        kc_dh_owner_t *grown = realloc(h->owners, (size_t)(h->nowners + 1) * sizeof *grown);
        if (!grown) break;
        h->owners = grown;
        kc_dh_owner_t *o = &h->owners[h->nowners];
        o->connector = strdup(full.assigned[e].connector);
        o->url = strdup(md.url);
        o->task = full.assigned[e].tasks[k];
        if (o->connector && o->url)
          h->nowners++;
        else {
          free(o->connector);
          free(o->url);
        }
      }
    kc_cp_metadata_clear(&md);
    kc_cp_assignment_clear(&got);
    kc_cp_assignment_clear(&full);
  }
}

static int on_group_assign(void *arg, const char *leader_id, const char *protocol, const kc_group_member_t *members,
                           int n, kc_buf_t *out) {
  kc_herder_t *h = arg;
  size_t nc = kc_cfgstore_count(h->configs);
  kc_cp_connector_t *conf = calloc(nc + 1, sizeof *conf);
  kc_cp_member_t *ms = calloc((size_t)n + 1, sizeof *ms);
  if (!conf || !ms) {
    free(conf);
    free(ms);
    return KC_ENOMEM;
  }
  for (size_t i = 0; i < nc; i++) {
    const kc_cfg_connector_t *cc = kc_cfgstore_at(h->configs, i);
    conf[i].name = cc->name;
    conf[i].ntasks = cc->inconsistent ? 0 : cc->ntasks;
  }
  for (int i = 0; i < n; i++) {
    ms[i].member_id = members[i].member_id;
    ms[i].metadata = members[i].metadata;
    ms[i].len = members[i].len;
  }
  char err[512] = "";
  int rc = kc_cp_assign(h->assignor, protocol, leader_id, h->dc.advertised_url, kc_cfgstore_offset(h->configs), conf,
                        (int)nc, ms, n, kc_group_generation(h->group), h->last_completed_generation, kc_now_ms(), out,
                        err, sizeof err);
  free(conf);
  free(ms);
  if (rc) {
    kc_log_error(LOGGER, "assignment failed: %s", err);
    return rc;
  }
  remember_owners(h, members, n, out, !strcmp(protocol, "default"));
  kc_log_info(LOGGER, "Leader assigned %zu connectors over %d workers (protocol %s, config offset %lld)", nc, n,
              protocol, (long long)kc_cfgstore_offset(h->configs));
  return 0;
}

static void log_assignment(kc_herder_t *h, const kc_cp_assignment_t *a) {
  kc_buf_t b;
  kc_buf_init(&b, 4096);
  for (int i = 0; i < a->nassigned; i++)
    for (int k = 0; k < a->assigned[i].ntasks; k++)
      kc_buf_printf(&b, "%s%s%s%d", b.len ? ", " : "", a->assigned[i].connector,
                    a->assigned[i].tasks[k] < 0 ? "" : "-", a->assigned[i].tasks[k] < 0 ? 0 : a->assigned[i].tasks[k]);
  kc_buf_t r;
  kc_buf_init(&r, 4096);
  for (int i = 0; i < a->nrevoked; i++)
    for (int k = 0; k < a->revoked[i].ntasks; k++)
      kc_buf_printf(&r, "%s%s-%d", r.len ? ", " : "", a->revoked[i].connector, a->revoked[i].tasks[k]);
  kc_log_info(LOGGER,
              "Joined group at generation %d with protocol %s as %s (leader %s, %s): assigned [%s], revoked [%s], "
              "delay %d ms, config offset %lld",
              h->generation, h->eager ? "default" : h->sessioned ? "sessioned" : "compatible", h->member_id,
              a->leader_url ? a->leader_url : "?", kc_dh_is_leader(h) ? "this worker" : "another worker",
              b.data ? b.data : "", r.data ? r.data : "", a->delay_ms, (long long)a->config_offset);
  kc_buf_free(&b);
  kc_buf_free(&r);
}

/*
 * WorkerCoordinator.onJoinComplete, on every SyncGroup answer (also a failed or out-of-date one):
 * revoked work stops now, and the new current assignment and generation are what the next
 * JoinGroup reports. Starting work waits until the config topic is at the assignment's offset.
 */
static int record_assignment(kc_herder_t *h, const kc_cp_assignment_t *a) {
  if (!h->eager)
    for (int i = 0; i < a->nrevoked; i++)
      for (int k = 0; k < a->revoked[i].ntasks; k++) revoke_item(h, a->revoked[i].connector, a->revoked[i].tasks[k]);
  kc_cp_assignment_t full = {0};
  if (kc_cp_assignment_apply(h->has_assignment ? &h->assignment : NULL, a, h->eager, &full)) return KC_ENOMEM;
  kc_cp_assignment_clear(&h->assignment);
  h->assignment = full;
  h->has_assignment = true;
  h->last_completed_generation = h->generation;
  return 0;
}

static void maybe_rotate_key(kc_herder_t *h);

/* Leader, after a rebalance: tasks past a connector's task count get DESTROYED tombstones (12.5). */
static void remove_stale_statuses(kc_herder_t *h) {
  for (size_t i = 0; i < kc_cfgstore_count(h->configs); i++) {
    const kc_cfg_connector_t *cc = kc_cfgstore_at(h->configs, i);
    for (int t = cc->ntasks; t < cc->ntasks + 10000; t++) {
      const kc_status_t *st = kc_statusstore_task(h->statuses, cc->name, t);
      if (!st) break;
      /* A task still stopping publishes UNASSIGNED and its tombstone itself (on_status). */
      if (st->state != KC_STATE_UNASSIGNED && st->state != KC_STATE_FAILED) continue;
      kc_statusstore_put_task(h->statuses, cc->name, t, KC_STATE_DESTROYED, NULL, h->wk->worker_id, h->generation,
                              false);
    }
  }
}

static void apply_assignment(kc_herder_t *h, kc_cp_assignment_t *a) {
  remember_known(h);
  h->rebalance_resolved = true;
  h->started_once = true;
  h->unsync_retries = 0;
  if (!h->eager && a->nrevoked > 0) {
    if (h->stops_pending > 0) {
      h->rejoin_after_stops = true;
      kc_dh_set_phase(h, KC_DH_WAIT_REVOKE);
    } else {
      kc_group_request_rejoin(h->group, "revoked connectors or tasks were stopped");
      kc_dh_set_phase(h, KC_DH_STABLE);
    }
  } else {
    kc_dh_set_phase(h, KC_DH_STABLE);
  }
  if (a->delay_ms > 0) kc_group_rejoin_after(h->group, (uint64_t)a->delay_ms, "scheduled rebalance delay");
  if (kc_dh_is_leader(h)) {
    remove_stale_statuses(h);
    maybe_rotate_key(h); /* as Java's tick after a rebalance: before any request is served */
  }
  start_work(h);
  kc_metrics_rebalance_done(h->wk); /* handleRebalanceCompleted: after startWork */
}

typedef struct {
  kc_herder_t *h;
  int32_t generation;
  int64_t started_ms;
  kc_cp_assignment_t a;
} catch_up_t;

static void on_caught_up(void *arg, int status, const char *errmsg) {
  catch_up_t *cu = arg;
  kc_herder_t *h = cu->h;
  /* worker.sync.timeout.ms: a catch-up slower than that failed (Java's readConfigToEnd(timeout)),
   * so the back-off below applies; the read itself is not cut short. */
  if (!status && kc_now_ms() - cu->started_ms > h->dc.worker_sync_timeout_ms) {
    status = KC_ETIMEDOUT;
    errmsg = "reading the config topic took longer than worker.sync.timeout.ms";
  }
  if (cu->generation == h->generation && h->phase == KC_DH_WAIT_CATCH_UP) {
    int64_t now_at = kc_cfgstore_offset(h->configs);
    if (!status && !cu->a.error && now_at == cu->a.config_offset) {
      apply_assignment(h, &cu->a);
    } else {
      kc_log_info(LOGGER,
                  "Current config state offset %lld does not match group assignment %lld%s%s. Forcing rebalance.",
                  (long long)now_at, (long long)cu->a.config_offset, status ? ": " : "", status ? errmsg : "");
      if (status && !h->eager) {
        /* Cooperative: back off scheduled.rebalance.max.delay.ms / 10 / remaining retries (6.4). */
        int remaining = 5 - h->unsync_retries;
        if (remaining <= 0) {
          revoke_all(h);
          h->unsync_retries = 0;
          remaining = 5;
        }
        h->unsync_retries++;
        kc_group_rejoin_after(h->group, (uint64_t)(h->dc.scheduled_rebalance_max_delay_ms / 10 / remaining),
                              "config topic catch-up failed");
      } else if (status) {
        kc_group_rejoin_after(h->group, (uint64_t)h->dc.worker_unsync_backoff_ms, "config topic catch-up failed");
      } else {
        kc_group_request_rejoin(h->group, "config offset mismatch");
      }
    }
  }
  kc_cp_assignment_clear(&cu->a);
  free(cu);
}

static void on_group_joined(void *arg, int32_t generation, const char *member_id, const char *leader_id,
                            const char *protocol, const void *assignment, size_t len) {
  kc_herder_t *h = arg;
  if (h->phase == KC_DH_WAIT_SHUTDOWN || h->phase == KC_DH_FAILED) return;
  catch_up_t *cu = calloc(1, sizeof *cu);
  char err[512] = "";
  if (!cu || kc_cp_assignment_decode(assignment, len, &cu->a, err, sizeof err)) {
    kc_log_error(LOGGER, "cannot decode the assignment from the leader: %s; rejoining", cu ? err : "out of memory");
    free(cu);
    kc_group_request_rejoin(h->group, "undecodable assignment");
    return;
  }
  h->generation = generation;
  free(h->member_id);
  free(h->leader_id);
  free(h->leader_url);
  h->member_id = strdup(member_id);
  h->leader_id = strdup(leader_id);
  h->leader_url = cu->a.leader_url ? strdup(cu->a.leader_url) : NULL;
  h->eager = !strcmp(protocol, "default");
  h->sessioned = !strcmp(protocol, "sessioned");
  kc_metrics_rebalance_started(h->wk, generation, h->leader_url, protocol); /* Java's onAssigned */
  log_assignment(h, &cu->a);
  if (record_assignment(h, &cu->a)) {
    kc_cp_assignment_clear(&cu->a);
    free(cu);
    fatal(h, "out of memory applying the assignment");
    return;
  }
  kc_metrics_assigned(h->wk, &h->assignment); /* WorkerCoordinator's assignmentSnapshot */
  cu->h = h;
  cu->generation = generation;
  cu->started_ms = kc_now_ms();
  if (!cu->a.error && cu->a.config_offset == kc_cfgstore_offset(h->configs)) {
    apply_assignment(h, &cu->a);
    kc_cp_assignment_clear(&cu->a);
    free(cu);
    return;
  }
  if (cu->a.error) kc_log_warn(LOGGER, "Join group completed, but assignment failed (config mismatch). Reading to end of config and retrying.");
  else kc_log_info(LOGGER, "Catching up to assignment's config offset %lld.", (long long)cu->a.config_offset);
  kc_dh_set_phase(h, KC_DH_WAIT_CATCH_UP);
  if (kc_cfgstore_read_to_end(h->configs, on_caught_up, cu)) on_caught_up(cu, KC_EIO, "cannot read the config topic");
}

static void on_group_lost(void *arg, int err, bool is_fatal, const char *reason) {
  kc_herder_t *h = arg;
  (void)err;
  if (h->phase == KC_DH_WAIT_SHUTDOWN) return;
  if (is_fatal) {
    fatal(h, "the Connect group %s cannot be joined: %s", h->dc.group_id, reason);
    return;
  }
  /* Another member may run our work already (we were expelled or cut off): stop it all. */
  kc_log_warn(LOGGER, "lost the group membership (%s): stopping every connector and task until the next assignment",
              reason);
  h->rebalance_resolved = false;
  if (h->has_assignment || h->wk->connectors) revoke_all(h);
  if (h->phase != KC_DH_WAIT_STORES) kc_dh_set_phase(h, KC_DH_WAIT_JOIN);
}

static const kc_group_callbacks_t group_callbacks = {
    .metadata = on_group_metadata,
    .join_prepare = on_join_prepare,
    .assign = on_group_assign,
    .joined = on_group_joined,
    .lost = on_group_lost,
};

/*
 * Connect 4.x records the plugin version with each status (KIP-891) and answers
 * it from there, so a Java 4.x worker in the group shows ours too.
 */
static const char *status_version(void *arg, const char *connector) {
  kc_herder_t *h = arg;
  const kc_connector_t *c = kc_worker_connector(h->wk, connector);
  if (c && c->plugin) return kc_plugin_version(c->plugin);
  const kc_cfg_connector_t *cc = kc_cfgstore_connector(h->configs, connector);
  const kc_connector_plugin_t *p = cc ? kc_plugins_find(kc_config_get(cc->config, "connector.class")) : NULL;
  return p ? kc_plugin_version(p) : NULL;
}

/* ---- session keys (KIP-507) and retries: one timer ---- */

static int key_bytes(const char *alg, int32_t bits) {
  if (bits > 0) return bits / 8;
  return strstr(alg, "384") || strstr(alg, "512") || !strcmp(alg, "HmacSHA1") ? 64 : 32;
}

static void on_key_written(void *arg, int status, const char *errmsg) {
  (void)arg;
  if (status) kc_log_error(LOGGER, "writing a new session key failed: %s", errmsg ? errmsg : kc_strerror(status));
  else kc_log_info(LOGGER, "wrote a new session key to the config topic");
}

static void maybe_rotate_key(kc_herder_t *h) {
  if (!h->sessioned || !kc_dh_is_leader(h) || !h->rebalance_resolved) return;
  const kc_session_key_t *k = kc_cfgstore_session_key(h->configs);
  int64_t now = kc_now_ms();
  if (k && (h->dc.inter_worker_key_ttl_ms == 0 || k->creation_ms + h->dc.inter_worker_key_ttl_ms > now)) return;
  if (now - h->key_checked_ms < 5000) return; /* one write in flight at a time, roughly */
  h->key_checked_ms = now;
  uint8_t key[128];
  int len = key_bytes(h->dc.key_generation_algorithm, h->dc.key_size_bits);
  if (len <= 0 || len > (int)sizeof key || RAND_bytes(key, len) != 1) {
    kc_log_error(LOGGER, "cannot generate a session key");
    return;
  }
  kc_session_key_t nk = {.key = key, .len = (size_t)len, .algorithm = h->dc.key_generation_algorithm,
                         .creation_ms = now};
  kc_cfgstore_put_session_key(h->configs, &nk, on_key_written, h);
}

static void on_timer(uv_timer_t *t) {
  kc_herder_t *h = t->data;
  if (h->phase != KC_DH_STABLE && h->phase != KC_DH_WAIT_REVOKE) return;
  maybe_rotate_key(h);
  int64_t now = kc_now_ms();
  for (kc_connector_t *c = h->wk->connectors; c; c = c->next) {
    kc_dh_conn_t *d = c->herder_data;
    if (d && d->publish_retry_at && d->publish_retry_at <= now && !d->publish_inflight) {
      d->publish_retry_at = 0;
      kc_dh_reconfigure(h, c);
    }
  }
}

/* ---- start: stores, then the group ---- */

static void on_store_ready(void *arg, int status, const char *errmsg) {
  kc_herder_t *h = arg;
  if (status) {
    fatal(h, "%s", errmsg ? errmsg : kc_strerror(status));
    return;
  }
  if (--h->stores_pending > 0 || h->phase != KC_DH_WAIT_STORES) return;
  kc_worker_set_offset_store(h->wk, h->offsets);
  kc_log_info(LOGGER, "internal topics read: %zu connectors in %s (offset %lld); joining group %s", kc_cfgstore_count(h->configs),
              h->dc.config_topic.name, (long long)kc_cfgstore_offset(h->configs), h->dc.group_id);
  kc_dh_set_phase(h, KC_DH_WAIT_JOIN);
  if (kc_group_start(h->group)) fatal(h, "cannot start the group membership of %s", h->dc.group_id);
}

static void topic_cfg(const kc_herder_t *h, const kc_internal_topic_t *t, const char *role, const char *suffix,
                      char *client_id, size_t n, kc_klog_config_t *out) {
  snprintf(client_id, n, "%s%s%s-%s", h->dc.group_id, *h->dc.client_id ? "-" : "", h->dc.client_id, suffix);
  *out = (kc_klog_config_t){.topic = t->name, .role = role, .partitions = t->partitions,
                            .replication_factor = t->replication_factor, .topic_settings = t->settings,
                            .client_id = client_id};
}

int kc_herder_distributed_start(kc_herder_t *h, char *errstr, size_t n) {
  const kc_config_t *props = h->wk->wc->props;
  char cid[3][512];
  kc_klog_config_t tc[3];
  topic_cfg(h, &h->dc.config_topic, "config", "configs", cid[0], sizeof cid[0], &tc[0]);
  topic_cfg(h, &h->dc.offset_topic, "offset", "offsets", cid[1], sizeof cid[1], &tc[1]);
  topic_cfg(h, &h->dc.status_topic, "status", "statuses", cid[2], sizeof cid[2], &tc[2]);
  h->configs = kc_cfgstore_create(h->loop, props, &tc[0], &config_listener, h, errstr, n);
  if (!h->configs) return KC_EINVAL;
  h->statuses = kc_statusstore_create(h->loop, props, &tc[2], errstr, n);
  if (!h->statuses) return KC_EINVAL;
  kc_statusstore_set_versions(h->statuses, status_version, h);
  h->stores_pending = 3;
  h->offsets = kc_offset_store_kafka_open(h->loop, props, &tc[1], on_store_ready, h, errstr, n);
  if (!h->offsets) return KC_EINVAL;
  char client_id[512];
  snprintf(client_id, sizeof client_id, "%s", *h->dc.client_id ? h->dc.client_id : "connect-");
  if (!*h->dc.client_id) snprintf(client_id, sizeof client_id, "connect-%s", h->wk->worker_id);
  kc_metrics_coordinator(h->wk, client_id);
  kc_group_config_t gc = {
      .bootstrap_servers = h->wk->wc->bootstrap_servers,
      .group_id = h->dc.group_id,
      .protocol_type = "connect",
      .client_id = client_id,
      .session_timeout_ms = h->dc.session_timeout_ms,
      .rebalance_timeout_ms = h->dc.rebalance_timeout_ms,
      .heartbeat_interval_ms = h->dc.heartbeat_interval_ms,
      .request_timeout_ms = h->dc.request_timeout_ms,
      .retry_backoff_ms = h->dc.retry_backoff_ms,
      .reconnect_backoff_ms = h->dc.reconnect_backoff_ms,
      .reconnect_backoff_max_ms = h->dc.reconnect_backoff_max_ms,
      .security = props,
  };
  h->group = kc_group_create(h->loop, &gc, &group_callbacks, h, errstr, n);
  if (!h->group) return KC_EINVAL;
  if (kc_cfgstore_start(h->configs, on_store_ready, h) || kc_statusstore_start(h->statuses, on_store_ready, h)) {
    snprintf(errstr, n, "cannot start reading the internal topics");
    return KC_EINVAL;
  }
  uv_timer_start(&h->timer, on_timer, TIMER_MS, TIMER_MS);
  return 0;
}

/* ---- shutdown: stop work, leave the group, close the stores ---- */

static void on_store_stopped(void *arg) {
  kc_herder_t *h = arg;
  if (--h->shutdown_pending == 0 && h->shutdown_cb) {
    void (*cb)(void *) = h->shutdown_cb;
    h->shutdown_cb = NULL;
    cb(h->shutdown_arg);
  }
}

static void on_left(void *arg) {
  kc_herder_t *h = arg;
  h->shutdown_pending = 3; /* config, status, timer */
  kc_cfgstore_stop(h->configs, on_store_stopped, h);
  kc_statusstore_stop(h->statuses, on_store_stopped, h);
  /* Once handed over, the offset store is the worker's: kc_worker_shutdown flushes and stops it. */
  if (h->offsets && h->offsets != h->wk->offsets) {
    h->shutdown_pending++;
    kc_offset_store_stop(h->offsets, on_store_stopped, h);
  }
  uv_close((uv_handle_t *)&h->timer, NULL);
  on_store_stopped(h);
}

static void shutdown_continue(kc_herder_t *h) {
  /* LeaveGroup after the work stopped: sink commits are done, so others start at our offsets. */
  if (h->group)
    kc_group_leave(h->group, on_left, h);
  else
    on_left(h);
}

static void distributed_shutdown(kc_herder_t *h, void (*cb)(void *), void *arg) {
  h->shutdown_cb = cb;
  h->shutdown_arg = arg;
  kc_dh_set_phase(h, KC_DH_WAIT_SHUTDOWN);
  uv_timer_stop(&h->timer);
  revoke_all(h); /* ends in stops_done -> shutdown_continue */
}

static void distributed_destroy(kc_herder_t *h) {
  if (h->offsets && h->offsets != h->wk->offsets) kc_offset_store_close(h->offsets); /* never handed over */
  kc_group_destroy(h->group);
  kc_cfgstore_destroy(h->configs);
  kc_statusstore_destroy(h->statuses);
  kc_cp_assignor_destroy(h->assignor);
  kc_cp_assignment_clear(&h->assignment);
  for (int i = 0; i < 3; i++) kc_buf_free(&h->meta[i]);
  for (int i = 0; i < h->nowners; i++) {
    free(h->owners[i].connector);
    free(h->owners[i].url);
  }
  free(h->owners);
  for (int i = 0; i < h->nknown; i++) free(h->known[i]);
  free(h->known);
  free(h->member_id);
  free(h->leader_id);
  free(h->leader_url);
  kc_distributed_config_clear(&h->dc);
  free(h);
}

static const kc_herder_ops_t distributed_ops = {
    .name = "distributed",
    .submit = kc_dh_submit,
    .shutdown = distributed_shutdown,
    .destroy = distributed_destroy,
};

kc_herder_t *kc_herder_distributed_create(kc_worker_t *wk, kc_distributed_config_t *dc, kc_herder_fatal_cb fatal_cb,
                                          void *fatal_arg, char *errstr, size_t n) {
  kc_herder_t *h = calloc(1, sizeof *h);
  if (!h || !(h->assignor = kc_cp_assignor_create(dc->scheduled_rebalance_max_delay_ms))) {
    free(h);
    snprintf(errstr, n, "out of memory");
    return NULL;
  }
  h->base.ops = &distributed_ops;
  h->wk = wk;
  h->loop = wk->loop;
  h->dc = *dc;
  memset(dc, 0, sizeof *dc);
  h->fatal_cb = fatal_cb;
  h->fatal_arg = fatal_arg;
  h->generation = -1;
  h->last_completed_generation = -1;
  h->eager = !strcasecmp(h->dc.connect_protocol, "eager");
  kc_metrics_distributed(wk, h->dc.connect_protocol);
  for (int i = 0; i < 3; i++) kc_buf_init(&h->meta[i], 0);
  uv_timer_init(wk->loop, &h->timer);
  h->timer.data = h;
  wk->status_cb = on_status;
  wk->status_arg = h;
  wk->topic_cb = on_topic;
  bool tracking = true;
  kc_config_get_bool(wk->wc->props, "topic.tracking.enable", &tracking);
  h->topic_tracking = tracking;
  kc_dh_set_phase(h, KC_DH_WAIT_STORES);
  return h;
}
