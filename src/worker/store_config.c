/*
 * KafkaConfigBackingStore on a KafkaBasedLog (store_config.h). Reading follows
 * KafkaConfigBackingStore.ConsumeCallback record by record; writing builds Java's exact value
 * bytes and runs the record/read-to-end sequences of its put*() methods (store_config_write.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/json_value.h"
#include "util/log.h"
#include "util/loggers.h"
#include "worker/store_config.h"
#include "worker/store_config_internal.h"

#define LOGGER "kc.configstore"

/* ---- the snapshot ------------------------------------------------------------ */

static int find(const kc_cfgstore_t *s, const char *name, bool *found) {
  size_t lo = 0, hi = s->nconns;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(s->conns[mid]->name, name);
    if (c == 0) {
      *found = true;
      return (int)mid;
    }
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  *found = false;
  return (int)lo;
}

static cfg_conn_t *get(const kc_cfgstore_t *s, const char *name) {
  bool found;
  int i = find(s, name, &found);
  return found ? s->conns[i] : NULL;
}

static cfg_conn_t *get_or_add(kc_cfgstore_t *s, const char *name) {
  bool found;
  int i = find(s, name, &found);
  if (found) return s->conns[i];
  if (s->nconns == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    cfg_conn_t **nc = realloc(s->conns, cap * sizeof *nc);
    if (!nc) return NULL;
    s->conns = nc;
    s->cap = cap;
  }
  cfg_conn_t *c = calloc(1, sizeof *c);
  if (!c || !(c->name = strdup(name))) {
    free(c);
    return NULL;
  }
  c->commit_count = -1;
  c->task_count_record = -1;
  memmove(&s->conns[i + 1], &s->conns[i], (s->nconns - (size_t)i) * sizeof *s->conns);
  s->conns[i] = c;
  s->nconns++;
  s->vis_dirty = true;
  return c;
}

static void clear_tasks(kc_config_t ***arr, int *cap) {
  for (int i = 0; i < *cap; i++) kc_config_destroy((*arr)[i]);
  free(*arr);
  *arr = NULL;
  *cap = 0;
}

static void refresh(kc_cfgstore_t *s, cfg_conn_t *c) {
  c->pub.name = c->name;
  c->pub.config = c->config;
  c->pub.target = c->has_target ? c->target : KC_TARGET_STARTED;
  c->pub.ntasks = c->applied_ntasks;
  c->pub.tasks = (const kc_config_t *const *)c->applied;
  c->pub.inconsistent = c->inconsistent;
  s->vis_dirty = true;
}

static void conn_free(cfg_conn_t *c) {
  kc_config_destroy(c->config);
  clear_tasks(&c->applied, &c->applied_cap);
  clear_tasks(&c->deferred, &c->deferred_cap);
  free(c->name);
  free(c);
}

static void rebuild_visible(kc_cfgstore_t *s) {
  if (!s->vis_dirty) return;
  free(s->vis);
  s->vis = calloc(s->nconns ? s->nconns : 1, sizeof *s->vis);
  s->nvis = 0;
  for (size_t i = 0; s->vis && i < s->nconns; i++)
    if (s->conns[i]->config) s->vis[s->nvis++] = &s->conns[i]->pub;
  s->vis_dirty = false;
}

size_t kc_cfgstore_count(const kc_cfgstore_t *s) {
  rebuild_visible((kc_cfgstore_t *)s); /* a cache, not a visible change */
  return s->nvis;
}

const kc_cfg_connector_t *kc_cfgstore_at(const kc_cfgstore_t *s, size_t i) {
  rebuild_visible((kc_cfgstore_t *)s);
  return i < s->nvis ? s->vis[i] : NULL;
}

const kc_cfg_connector_t *kc_cfgstore_connector(const kc_cfgstore_t *s, const char *name) {
  cfg_conn_t *c = get(s, name);
  return c && c->config ? &c->pub : NULL;
}

int kc_cfgstore_task_count(const kc_cfgstore_t *s, const char *name) {
  cfg_conn_t *c = get(s, name);
  return c ? c->commit_count : -1;
}

int kc_cfgstore_task_count_record(const kc_cfgstore_t *s, const char *name) {
  cfg_conn_t *c = get(s, name);
  return c ? c->task_count_record : -1;
}

int64_t kc_cfgstore_offset(const kc_cfgstore_t *s) { return s->offset; }

const kc_session_key_t *kc_cfgstore_session_key(const kc_cfgstore_t *s) {
  return s->has_session_key ? &s->session_key : NULL;
}

/* ---- reading ----------------------------------------------------------------- */

typedef struct {
  kc_cfgstore_t *s;
  const rd_kafka_message_t *m;
  const char *key;
} rec_t;

#define skip(r, ...) kc_klog_skip((r)->s->log, (r)->m, LOGGER, __VA_ARGS__)

static const char *class_name(const kc_value_t *v) {
  if (!v) return "null";
  switch (v->type) {
    case KC_TYPE_MAP: return "java.util.HashMap";
    case KC_TYPE_ARRAY: return "java.util.ArrayList";
    case KC_TYPE_STRING: return "java.lang.String";
    case KC_TYPE_INT64: return "java.lang.Long";
    case KC_TYPE_FLOAT64: return "java.lang.Double";
    case KC_TYPE_BOOLEAN: return "java.lang.Boolean";
    default: return kc_type_name(v->type);
  }
}

static bool is_map(const kc_value_t *v) { return v && v->type == KC_TYPE_MAP; }

static const kc_value_t *field(const kc_value_t *map, const char *name) {
  return kc_value_map_get_str(map, name);
}

/* The "properties" map as a config; JSON nulls are dropped (a kc_config_t has no null). */
static kc_config_t *properties(const rec_t *r, const kc_value_t *v, const char *what) {
  const kc_value_t *p = field(v, "properties");
  if (!is_map(p)) {
    skip(r, "Invalid data for config %s: 'properties' field should be a Map but is %s", what,
         class_name(p));
    return NULL;
  }
  kc_config_t *cfg = kc_config_new();
  for (size_t i = 0; cfg && i < p->u.map.n; i++) {
    const kc_value_t *k = p->u.map.keys[i], *val = p->u.map.vals[i];
    if (!k || k->type != KC_TYPE_STRING || !val) continue;
    if (val->type != KC_TYPE_STRING) {
      skip(r, "Ignoring non-string value of '%s' in the config %s", k->u.str.ptr, what);
      continue;
    }
    if (kc_config_set(cfg, k->u.str.ptr, val->u.str.ptr) != 0) {
      kc_config_destroy(cfg);
      return NULL;
    }
  }
  return cfg;
}

static bool started(const kc_cfgstore_t *s) { return s->started; }

static void target_state_record(const rec_t *r, const char *name, const kc_value_t *v) {
  kc_cfgstore_t *s = r->s;
  cfg_conn_t *c = get_or_add(s, name);
  if (!c) return;
  if (!r->m->payload) {
    /* Written with the connector tombstone; a connector that still has a config keeps STARTED. */
    c->has_target = c->config != NULL;
    c->target = KC_TARGET_STARTED;
    refresh(s, c);
    return;
  }
  if (!is_map(v)) {
    skip(r, "Ignoring target state for connector '%s' because it is in the wrong format: %s", name,
         class_name(v));
    return;
  }
  const kc_value_t *st = field(v, "state.v2");
  if (st && st->type != KC_TYPE_STRING) {
    skip(r, "Invalid data for target state for connector '%s': 'state.v2' field should be a String "
            "but is %s", name, class_name(st));
    st = NULL;
  }
  if (!st) {
    st = field(v, "state");
    if (!st || st->type != KC_TYPE_STRING) {
      skip(r, "Invalid data for target state for connector '%s': 'state' field should be a String "
              "but is %s", name, class_name(st));
      return;
    }
  }
  kc_target_t t;
  if (strcmp(st->u.str.ptr, "STARTED") == 0) t = KC_TARGET_STARTED;
  else if (strcmp(st->u.str.ptr, "PAUSED") == 0) t = KC_TARGET_PAUSED;
  else if (strcmp(st->u.str.ptr, "STOPPED") == 0) t = KC_TARGET_STOPPED;
  else {
    skip(r, "Invalid target state for connector '%s': %s", name, st->u.str.ptr);
    return;
  }
  bool changed = !c->has_target || c->target != t;
  c->has_target = true;
  c->target = t;
  refresh(s, c);
  /* No call for a connector without a config yet (an initial state written before it). */
  if (started(s) && changed && c->config && s->listener.target_state)
    s->listener.target_state(s->arg, name, t);
}

static void removal(kc_cfgstore_t *s, cfg_conn_t *c) {
  kc_config_destroy(c->config);
  c->config = NULL;
  c->commit_count = -1;
  c->applied_ntasks = 0;
  clear_tasks(&c->applied, &c->applied_cap);
  clear_tasks(&c->deferred, &c->deferred_cap);
  c->has_deferred = false;
  refresh(s, c);
}

static void connector_record(const rec_t *r, const char *name, const kc_value_t *v) {
  kc_cfgstore_t *s = r->s;
  bool removed = !r->m->payload;
  if (!removed && !is_map(v)) {
    skip(r, "Ignoring configuration for connector '%s' because it is in the wrong format: %s", name,
         class_name(v));
    return;
  }
  kc_config_t *cfg = NULL;
  if (!removed) {
    char what[300];
    snprintf(what, sizeof what, "for connector '%s'", name);
    if (!(cfg = properties(r, v, what))) return;
  }
  cfg_conn_t *c = get_or_add(s, name);
  if (!c) {
    kc_config_destroy(cfg);
    return;
  }
  if (removed) {
    removal(s, c);
    kc_log_info(LOGGER, "Successfully processed removal of connector '%s'", name);
  } else {
    kc_config_destroy(c->config);
    c->config = cfg;
    if (!c->has_target) { /* connectors created by 0.9 Connect start STARTED */
      c->has_target = true;
      c->target = KC_TARGET_STARTED;
    }
    refresh(s, c);
  }
  if (started(s) && s->listener.connector_config) s->listener.connector_config(s->arg, name, removed);
}

static int put_slot(kc_config_t ***arr, int *cap, int id, kc_config_t *cfg) {
  if (id >= *cap) {
    int ncap = id + 1 > *cap * 2 ? id + 1 : *cap * 2;
    kc_config_t **na = realloc(*arr, (size_t)ncap * sizeof *na);
    if (!na) return KC_ENOMEM;
    memset(na + *cap, 0, (size_t)(ncap - *cap) * sizeof *na);
    *arr = na;
    *cap = ncap;
  }
  kc_config_destroy((*arr)[id]);
  (*arr)[id] = cfg;
  return 0;
}

/* "task-<connector>-<n>": the part after the last '-' is the task, names may hold '-'. */
static bool parse_task_key(const char *key, char *name, size_t n, int *task) {
  const char *rest = key + strlen("task-");
  const char *dash = strrchr(rest, '-');
  if (!dash || !dash[1]) return false;
  char *end;
  long t = strtol(dash + 1, &end, 10);
  if (*end || t < 0 || t > 1000000 || (size_t)(dash - rest) >= n) return false;
  memcpy(name, rest, (size_t)(dash - rest));
  name[dash - rest] = '\0';
  *task = (int)t;
  return true;
}

static void task_record(const rec_t *r, const kc_value_t *v) {
  char name[1024];
  int task;
  if (!parse_task_key(r->key, name, sizeof name, &task)) {
    skip(r, "Ignoring task configuration because %s couldn't be parsed as a task config key", r->key);
    return;
  }
  if (!r->m->payload) {
    skip(r, "Ignoring task configuration for task %s-%d because it is unexpectedly null", name, task);
    return;
  }
  if (!is_map(v)) {
    skip(r, "Ignoring task configuration for task %s-%d because the value is not a Map but is %s",
         name, task, class_name(v));
    return;
  }
  char what[1100];
  snprintf(what, sizeof what, "of task %s-%d", name, task);
  kc_config_t *cfg = properties(r, v, what);
  if (!cfg) return;
  cfg_conn_t *c = get_or_add(r->s, name);
  if (!c || put_slot(&c->deferred, &c->deferred_cap, task, cfg) != 0) {
    kc_config_destroy(cfg);
    return;
  }
  c->has_deferred = true;
}

/* Integer or Long in Java; JSON integers read as INT64 here. */
static bool int_value(const kc_value_t *v, int *out) {
  if (!v || v->type != KC_TYPE_INT64) return false;
  *out = (int)(int32_t)v->u.i; /* (int) (long) value, as Java truncates */
  return true;
}

static void commit_record(const rec_t *r, const char *name, const kc_value_t *v) {
  kc_cfgstore_t *s = r->s;
  cfg_conn_t *c = get(s, name);
  if (!c || !c->config) {
    /* Deleted before these task configs, and compaction removed every trace of it. */
    if (c) removal(s, c);
    kc_log_debug(LOGGER, "Ignoring task configs for connector %s; it appears that the connector was "
                         "deleted previously", name);
    return;
  }
  if (!is_map(v)) {
    skip(r, "Ignoring connector tasks configuration commit for connector '%s' because it is in the "
            "wrong format: %s", name, class_name(v));
    return;
  }
  int n;
  if (!int_value(field(v, "tasks"), &n)) {
    skip(r, "Ignoring commit for connector '%s': Expected integer value to be either Integer or Long",
         name);
    return;
  }
  bool complete = n >= 0;
  for (int i = 0; complete && i < n; i++) complete = i < c->deferred_cap && c->deferred[i];
  if (!complete) {
    kc_log_debug(LOGGER, "We have an incomplete set of task configs for connector '%s' probably due "
                         "to compaction. So we are not doing anything with the new configuration.",
                 name);
    c->inconsistent = true;
    clear_tasks(&c->deferred, &c->deferred_cap);
  } else {
    for (int i = 0; i < c->deferred_cap; i++) {
      if (!c->deferred[i]) continue;
      if (put_slot(&c->applied, &c->applied_cap, i, c->deferred[i]) != 0) {
        kc_config_destroy(c->deferred[i]);
      }
      c->deferred[i] = NULL;
    }
    if (c->has_deferred) c->generation++;
    clear_tasks(&c->deferred, &c->deferred_cap);
    c->inconsistent = false;
    /* the applied slots 0..n-1 are all set: put_slot() above or an earlier commit */
    c->applied_ntasks = n;
    if (c->applied_cap < n) c->applied_ntasks = c->applied_cap;
  }
  c->has_deferred = false;
  c->commit_count = n;
  refresh(s, c);
  if (started(s) && s->listener.task_configs) s->listener.task_configs(s->arg, name);
}

static void restart_record(const rec_t *r, const char *name, const kc_value_t *v) {
  kc_cfgstore_t *s = r->s;
  if (!is_map(v)) {
    skip(r, "Ignoring restart request because the value is not a Map but is %s", class_name(v));
    return;
  }
  const kc_value_t *f = field(v, "only-failed"), *t = field(v, "include-tasks");
  bool only_failed = false, include_tasks = false;
  if (f && f->type == KC_TYPE_BOOLEAN) only_failed = f->u.b;
  else kc_log_warn(LOGGER, "Invalid data for restart request 'only-failed' field should be a Boolean "
                           "but is %s, defaulting to false", class_name(f));
  if (t && t->type == KC_TYPE_BOOLEAN) include_tasks = t->u.b;
  else kc_log_warn(LOGGER, "Invalid data for restart request 'include-tasks' field should be a "
                           "Boolean but is %s, defaulting to false", class_name(t));
  if (started(s) && s->listener.restart) s->listener.restart(s->arg, name, include_tasks, only_failed);
}

static void task_count_record(const rec_t *r, const char *name, const kc_value_t *v) {
  int n;
  if (!is_map(v)) {
    skip(r, "Ignoring task count record for connector '%s' because it is in the wrong format: %s",
         name, class_name(v));
    return;
  }
  if (!int_value(field(v, "task-count"), &n)) {
    skip(r, "Ignoring task count record for connector '%s': Expected integer value to be either "
            "Integer or Long", name);
    return;
  }
  cfg_conn_t *c = get_or_add(r->s, name);
  if (c) c->task_count_record = n;
}

/* processLoggerLevelRecord: applied as a worker-scope level (DistributedHerder.onLoggingLevelUpdate)
 * only once the store started, so a worker never replays older cluster-wide levels. */
static void logger_record(const rec_t *r, const char *ns, const kc_value_t *v) {
  if (!r->m->payload) {
    skip(r, "Ignoring logging level for namespace %s because it is unexpectedly null", ns);
    return;
  }
  if (!is_map(v)) {
    skip(r, "Ignoring logging level for namespace %s because the value is not a Map but is %s", ns, class_name(v));
    return;
  }
  const kc_value_t *level = field(v, "level");
  if (!level || level->type != KC_TYPE_STRING) {
    skip(r, "Invalid data for logging level key 'level' field with namespace %s; should be a String but it is %s",
         ns, class_name(level));
    return;
  }
  char *lv = strndup(level->u.str.ptr, level->u.str.len);
  if (!lv) return;
  if (started(r->s)) {
    json_decref(kc_loggers_set_level(ns, lv));
  } else {
    kc_log_trace(LOGGER, "Ignoring old logging level %s for namespace %s that was written to the config topic "
                 "before this worker completed startup", lv, ns);
  }
  free(lv);
}

static void session_key_record(const rec_t *r, const kc_value_t *v) {
  kc_cfgstore_t *s = r->s;
  if (!r->m->payload) {
    skip(r, "Ignoring session key because it is unexpectedly null");
    return;
  }
  if (!is_map(v)) {
    skip(r, "Ignoring session key because the value is not a Map but is %s", class_name(v));
    return;
  }
  const kc_value_t *k = field(v, "key"), *a = field(v, "algorithm"), *t = field(v, "creation-timestamp");
  if (!k || k->type != KC_TYPE_STRING) {
    skip(r, "Invalid data for session key 'key' field should be a String but is %s", class_name(k));
    return;
  }
  unsigned char *bytes = NULL;
  size_t blen = 0;
  if (kc_base64_decode(k->u.str.ptr, k->u.str.len, &bytes, &blen) != 0) {
    skip(r, "Invalid data for session key 'key' field: not base64");
    return;
  }
  if (!a || a->type != KC_TYPE_STRING) {
    free(bytes);
    skip(r, "Invalid data for session key 'algorithm' field should be a String but it is %s",
         class_name(a));
    return;
  }
  if (!t || t->type != KC_TYPE_INT64) {
    free(bytes);
    skip(r, "Invalid data for session key 'creation-timestamp' field should be a long but it is %s",
         class_name(t));
    return;
  }
  char *alg = strdup(a->u.str.ptr);
  if (!alg) {
    free(bytes);
    return;
  }
  free(s->sk_bytes);
  free(s->sk_alg);
  s->sk_bytes = bytes;
  s->sk_alg = alg;
  s->session_key = (kc_session_key_t){bytes, blen, alg, t->u.i};
  s->has_session_key = true;
  if (started(s) && s->listener.session_key) s->listener.session_key(s->arg);
}

static bool prefixed(const char *key, const char *prefix, const char **rest) {
  size_t n = strlen(prefix);
  if (strncmp(key, prefix, n) != 0) return false;
  *rest = key + n;
  return true;
}

static void on_record(void *arg, const rd_kafka_message_t *m) {
  kc_cfgstore_t *s = arg;
  rec_t r = {s, m, NULL};
  if (!m->key) {
    skip(&r, "Discarding config update record with a null key");
    return;
  }
  char *key = malloc(m->key_len + 1);
  if (!key) return;
  memcpy(key, m->key, m->key_len);
  key[m->key_len] = '\0';
  r.key = key;
  kc_value_t *v = NULL;
  char es[256];
  if (m->payload && kc_json_decode(m->payload, m->len, &v, es, sizeof es) != 0) {
    skip(&r, "Failed to convert config data to Kafka Connect format: %s", es);
    free(key);
    return;
  }
  /* The offset of the next record, as the consumer's position (only converted records count). */
  s->offset = m->offset + 1;
  const char *rest;
  if (prefixed(key, "target-state-", &rest)) target_state_record(&r, rest, v);
  else if (prefixed(key, "connector-", &rest)) connector_record(&r, rest, v);
  else if (prefixed(key, "task-", &rest)) task_record(&r, v);
  else if (prefixed(key, "commit-", &rest)) commit_record(&r, rest, v);
  else if (prefixed(key, "restart-connector-", &rest)) restart_record(&r, rest, v);
  else if (prefixed(key, "tasks-fencing-", &rest)) task_count_record(&r, rest, v);
  else if (strcmp(key, "session-key") == 0) session_key_record(&r, v);
  else if (prefixed(key, "logger-cluster-", &rest)) logger_record(&r, rest, v);
  else skip(&r, "Discarding config update record with invalid key: %s", key);
  kc_value_destroy(v);
  free(key);
}

/* ---- life cycle -------------------------------------------------------------- */

kc_cfgstore_t *kc_cfgstore_create(uv_loop_t *loop, const kc_config_t *worker_props, const kc_klog_config_t *topic,
                                  const kc_cfgstore_listener_t *listener, void *arg, char *errstr, size_t n) {
  kc_cfgstore_t *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(errstr, n, "out of memory");
    return NULL;
  }
  s->loop = loop;
  s->offset = -1;
  if (listener) s->listener = *listener;
  s->arg = arg;
  kc_klog_config_t cfg = *topic;
  cfg.role = "config";
  cfg.partitions = 1;
  s->log = kc_klog_create(loop, worker_props, &cfg, on_record, s, errstr, n);
  if (!s->log) {
    free(s);
    return NULL;
  }
  return s;
}

static void start_done(void *arg, int status, const char *errmsg) {
  kc_cfgstore_t *s = arg;
  if (!status) {
    s->started = true;
    kc_log_info(LOGGER, "Started KafkaConfigBackingStore");
  }
  s->start_cb(s->start_arg, status, errmsg);
}

int kc_cfgstore_start(kc_cfgstore_t *s, kc_store_done_cb cb, void *arg) {
  kc_log_info(LOGGER, "Starting KafkaConfigBackingStore");
  s->start_cb = cb;
  s->start_arg = arg;
  return kc_klog_start(s->log, start_done, s);
}

int kc_cfgstore_read_to_end(kc_cfgstore_t *s, kc_store_done_cb cb, void *arg) {
  return kc_klog_read_to_end(s->log, cb, arg);
}

void kc_cfgstore_stop(kc_cfgstore_t *s, void (*cb)(void *arg), void *arg) {
  kc_log_info(LOGGER, "Closing KafkaConfigBackingStore");
  s->stopping = true;
  kc_klog_stop(s->log, cb, arg);
}

void kc_cfgstore_destroy(kc_cfgstore_t *s) {
  if (!s) return;
  kc_klog_destroy(s->log);
  for (size_t i = 0; i < s->nconns; i++) conn_free(s->conns[i]);
  free(s->conns);
  free(s->vis);
  free(s->sk_bytes);
  free(s->sk_alg);
  free(s);
}
