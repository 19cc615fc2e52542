/*
 * KafkaStatusBackingStore on a KafkaBasedLog (store_status.h). The cache holds one entry per
 * connector, task and topic status; an entry is reference counted because a retried send
 * still asks whether its entry was removed (Java's CacheEntry.isDeleted) after the map
 * dropped it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/json_value.h"
#include "util/log.h"
#include "worker/store_status.h"

#define LOGGER "kc.statusstore"

enum { K_CONNECTOR, K_TASK, K_TOPIC };

typedef struct {
  int kind;
  char *name;  /* connector */
  int task;    /* K_TASK; the topic status's task for K_TOPIC */
  char *topic; /* K_TOPIC */
  bool has;    /* a status was read */
  kc_status_t st;
  char *trace, *worker, *version;
  int64_t ts;
  int sequence;
  bool deleted;
  int refs;
} entry_t;

struct kc_statusstore_s {
  uv_loop_t *loop;
  kc_klog_t *log;
  entry_t **e; /* sorted by kind, name, task (tasks), topic (topics) */
  size_t n, cap;
  int32_t generation; /* of the last write, as Java's field */
  kc_store_done_cb start_cb;
  void *start_arg;
  bool stopping;
  const char *(*version_of)(void *arg, const char *connector);
  void *version_arg;
};

void kc_statusstore_set_versions(kc_statusstore_t *s, const char *(*version_of)(void *arg, const char *connector),
                                 void *arg) {
  s->version_of = version_of;
  s->version_arg = arg;
}

static int cmp(int kind, const char *name, int task, const char *topic, const entry_t *e) {
  if (kind != e->kind) return kind < e->kind ? -1 : 1;
  int c = strcmp(name, e->name);
  if (c) return c;
  if (kind == K_TASK && task != e->task) return task < e->task ? -1 : 1;
  if (kind == K_TOPIC) return strcmp(topic, e->topic);
  return 0;
}

static size_t find(const kc_statusstore_t *s, int kind, const char *name, int task, const char *topic,
                   bool *found) {
  size_t lo = 0, hi = s->n;
  *found = false;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = cmp(kind, name, task, topic, s->e[mid]);
    if (c == 0) {
      *found = true;
      return mid;
    }
    if (c < 0) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

static entry_t *lookup(const kc_statusstore_t *s, int kind, const char *name, int task, const char *topic) {
  bool found;
  size_t i = find(s, kind, name, task, topic, &found);
  return found ? s->e[i] : NULL;
}

static void unref(entry_t *e) {
  if (--e->refs > 0) return;
  free(e->name);
  free(e->topic);
  free(e->trace);
  free(e->worker);
  free(e->version);
  free(e);
}

static entry_t *get_or_add(kc_statusstore_t *s, int kind, const char *name, int task, const char *topic) {
  bool found;
  size_t i = find(s, kind, name, task, topic, &found);
  if (found) return s->e[i];
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 32;
    entry_t **ne = realloc(s->e, cap * sizeof *ne);
    if (!ne) return NULL;
    s->e = ne;
    s->cap = cap;
  }
  entry_t *e = calloc(1, sizeof *e);
  if (!e || !(e->name = strdup(name)) || (topic && !(e->topic = strdup(topic)))) {
    if (e) {
      free(e->name);
      free(e);
    }
    return NULL;
  }
  e->kind = kind;
  e->task = task;
  e->refs = 1;
  memmove(&s->e[i + 1], &s->e[i], (s->n - i) * sizeof *s->e);
  s->e[i] = e;
  s->n++;
  return e;
}

static void remove_at(kc_statusstore_t *s, size_t i) {
  entry_t *e = s->e[i];
  e->deleted = true;
  memmove(&s->e[i], &s->e[i + 1], (s->n - i - 1) * sizeof *s->e);
  s->n--;
  unref(e);
}

/* ---- values ------------------------------------------------------------------ */

/* Connect 4.x's StatusBackingStore schema has "version" last; 3.x's ends at "generation". */
static int encode_value(kc_buf_t *out, kc_state_t st, const char *trace, const char *worker_id, int32_t generation,
                        bool with_version, const char *version) {
  int rc = kc_buf_puts(out, "{\"state\":");
  const char *name = kc_state_name(st);
  if (!rc) rc = kc_json_encode_string(out, name, strlen(name));
  if (!rc) rc = kc_buf_puts(out, ",\"trace\":");
  if (!rc) rc = trace ? kc_json_encode_string(out, trace, strlen(trace)) : kc_buf_puts(out, "null");
  if (!rc) rc = kc_buf_puts(out, ",\"worker_id\":");
  if (!rc) rc = worker_id ? kc_json_encode_string(out, worker_id, strlen(worker_id)) : kc_buf_puts(out, "null");
  if (!rc) rc = kc_buf_printf(out, ",\"generation\":%d", (int)generation);
  if (!rc && with_version) {
    rc = kc_buf_puts(out, ",\"version\":");
    if (!rc) rc = version ? kc_json_encode_string(out, version, strlen(version)) : kc_buf_puts(out, "null");
  }
  if (!rc) rc = kc_buf_puts(out, "}");
  return rc;
}

int kc_statusstore_encode(kc_buf_t *out, kc_state_t st, const char *trace, const char *worker_id,
                          int32_t generation) {
  return encode_value(out, st, trace, worker_id, generation, false, NULL);
}

/* ---- writes ------------------------------------------------------------------ */

typedef struct {
  kc_statusstore_t *s;
  entry_t *entry; /* NULL for topic statuses */
  char *key;
  char *val;
  size_t vlen;
  char *worker;
  int32_t generation;
  bool safe;
  int sequence;
} send_t;

static void send_free(send_t *c) {
  if (c->entry) unref(c->entry);
  free(c->key);
  free(c->val);
  free(c->worker);
  free(c);
}

static bool can_write_safely(const entry_t *e, const char *worker, int32_t generation) {
  return !e->has || (e->worker && worker && strcmp(e->worker, worker) == 0) || e->st.generation <= generation;
}

static void on_sent(void *arg, int status, const char *errmsg);

static void resend(send_t *c) {
  if (c->s->stopping || kc_klog_send(c->s->log, c->key, strlen(c->key), c->val, c->vlen, on_sent, c) != 0) {
    kc_log_error(LOGGER, "Failed to write status update %s", c->key);
    send_free(c);
  }
}

static void on_sent(void *arg, int status, const char *errmsg) {
  send_t *c = arg;
  if (!status) {
    send_free(c);
    return;
  }
  if (status != KC_EBUSY) {
    kc_log_error(LOGGER, "Failed to write status update %s: %s", c->key, errmsg ? errmsg : kc_strerror(status));
    send_free(c);
    return;
  }
  entry_t *e = c->entry;
  if (e && (e->deleted || c->generation != c->s->generation ||
            (c->safe && !(can_write_safely(e, c->worker, c->generation) && e->sequence == c->sequence)))) {
    send_free(c); /* superseded: a newer status will be written instead */
    return;
  }
  resend(c);
}

static int put(kc_statusstore_t *s, int kind, const char *name, int task, kc_state_t st, const char *trace,
               const char *worker_id, int32_t generation, bool safe) {
  if (!name || !worker_id) return KC_EINVAL;
  if (s->stopping || kc_klog_partitions(s->log) < 0) return KC_ESTATE;
  entry_t *e = get_or_add(s, kind, name, task, NULL);
  if (!e) return KC_ENOMEM;
  s->generation = generation;
  if (safe && !can_write_safely(e, worker_id, generation)) return 0;
  send_t *c = calloc(1, sizeof *c);
  if (!c) return KC_ENOMEM;
  c->s = s;
  c->entry = e;
  e->refs++;
  c->generation = generation;
  c->safe = safe;
  c->sequence = ++e->sequence;
  kc_buf_t k, v;
  kc_buf_init(&k, 0);
  kc_buf_init(&v, 0);
  int rc = kind == K_CONNECTOR ? kc_buf_printf(&k, "status-connector-%s", name)
                               : kc_buf_printf(&k, "status-task-%s-%d", name, task);
  if (!rc && st != KC_STATE_DESTROYED)
    rc = encode_value(&v, st, trace, worker_id, generation, s->version_of != NULL,
                      s->version_of ? s->version_of(s->version_arg, name) : NULL);
  c->key = k.data;
  c->val = v.data; /* NULL for DESTROYED: the tombstone */
  c->vlen = v.len;
  c->worker = strdup(worker_id);
  if (rc || !c->key || !c->worker) {
    send_free(c);
    return KC_ENOMEM;
  }
  rc = kc_klog_send(s->log, c->key, strlen(c->key), c->val, c->vlen, on_sent, c);
  if (rc) send_free(c);
  return rc;
}

int kc_statusstore_put_connector(kc_statusstore_t *s, const char *name, kc_state_t st, const char *trace,
                                 const char *worker_id, int32_t generation, bool safe) {
  return put(s, K_CONNECTOR, name, -1, st, trace, worker_id, generation, safe);
}

int kc_statusstore_put_task(kc_statusstore_t *s, const char *name, int task, kc_state_t st, const char *trace,
                            const char *worker_id, int32_t generation, bool safe) {
  return put(s, K_TASK, name, task, st, trace, worker_id, generation, safe);
}

static int put_topic(kc_statusstore_t *s, const char *topic, const char *connector, int task, int64_t ts_ms,
                     bool tombstone) {
  if (!topic || !connector) return KC_EINVAL;
  if (s->stopping || kc_klog_partitions(s->log) < 0) return KC_ESTATE;
  send_t *c = calloc(1, sizeof *c);
  if (!c) return KC_ENOMEM;
  c->s = s;
  kc_buf_t k, v;
  kc_buf_init(&k, 0);
  kc_buf_init(&v, 0);
  int rc = kc_buf_printf(&k, "status-topic-%s:connector-%s", topic, connector);
  if (!tombstone) {
    if (!rc) rc = kc_buf_puts(&v, "{\"topic\":{\"name\":");
    if (!rc) rc = kc_json_encode_string(&v, topic, strlen(topic));
    if (!rc) rc = kc_buf_puts(&v, ",\"connector\":");
    if (!rc) rc = kc_json_encode_string(&v, connector, strlen(connector));
    if (!rc) rc = kc_buf_printf(&v, ",\"task\":%d,\"discoverTimestamp\":%lld}}", task, (long long)ts_ms);
  }
  c->key = k.data;
  c->val = v.data;
  c->vlen = v.len;
  if (rc || !c->key) {
    send_free(c);
    return KC_ENOMEM;
  }
  rc = kc_klog_send(s->log, c->key, strlen(c->key), c->val, c->vlen, on_sent, c);
  if (rc) send_free(c);
  return rc;
}

int kc_statusstore_put_topic(kc_statusstore_t *s, const char *topic, const char *connector, int task, int64_t ts_ms) {
  return put_topic(s, topic, connector, task, ts_ms, false);
}

int kc_statusstore_delete_topic(kc_statusstore_t *s, const char *topic, const char *connector) {
  return put_topic(s, topic, connector, 0, 0, true);
}

int kc_statusstore_delete_topics(kc_statusstore_t *s, const char *connector) {
  char **topics = NULL;
  size_t n = 0;
  for (size_t i = 0; i < s->n; i++) {
    entry_t *e = s->e[i];
    if (e->kind != K_TOPIC || !e->has || strcmp(e->name, connector)) continue;
    char **grown = realloc(topics, (n + 1) * sizeof *grown);
    if (!grown || !(grown[n] = strdup(e->topic))) {
      topics = grown ? grown : topics;
      break;
    }
    topics = grown;
    n++;
  }
  int rc = 0;
  for (size_t i = 0; i < n; i++) { /* the copies: a write may reorder the table */
    int r = kc_statusstore_delete_topic(s, topics[i], connector);
    if (r && !rc) rc = r;
    free(topics[i]);
  }
  free(topics);
  return rc;
}

/* ---- reads ------------------------------------------------------------------- */

typedef struct {
  kc_statusstore_t *s;
  const rd_kafka_message_t *m;
} rec_t;

#define bad(r, ...) kc_klog_skip((r)->s->log, (r)->m, LOGGER, __VA_ARGS__)

static bool parse_state(const char *s, kc_state_t *out) {
#define XX(n)                      \
  if (strcmp(s, #n) == 0) {        \
    *out = KC_STATE_##n;           \
    return true;                   \
  }
  KC_STATE_MAP(XX)
#undef XX
  return false;
}

/* ConnectorStatus/TaskStatus from the value; false (logged) when Java's parse throws. */
static bool parse_status(const rec_t *r, const char *key, kc_state_t *st, const char **trace,
                         const char **worker, int32_t *gen, const char **version) {
  kc_value_t *v = NULL;
  char es[256];
  if (kc_json_decode(r->m->payload, r->m->len, &v, es, sizeof es) != 0) {
    bad(r, "Failed to deserialize status %s: %s", key, es);
    return false;
  }
  bool ok = false;
  const char *why = "not a map";
  if (v && v->type == KC_TYPE_MAP) {
    const kc_value_t *s = kc_value_map_get_str(v, "state"), *t = kc_value_map_get_str(v, "trace"),
                     *w = kc_value_map_get_str(v, "worker_id"), *g = kc_value_map_get_str(v, "generation"),
                     *ver = kc_value_map_get_str(v, "version");
    if (!s || s->type != KC_TYPE_STRING || !parse_state(s->u.str.ptr, st)) why = "bad 'state'";
    else if (t && t->type != KC_TYPE_STRING) why = "bad 'trace'";
    else if (w && w->type != KC_TYPE_STRING) why = "bad 'worker_id'";
    else if (!g || g->type != KC_TYPE_INT64) why = "bad 'generation'";
    else {
      *trace = t ? strdup(t->u.str.ptr) : NULL;
      *worker = w ? strdup(w->u.str.ptr) : NULL;
      /* Connect 4.x reads an optional string; anything else counts as absent. */
      *version = ver && ver->type == KC_TYPE_STRING ? strdup(ver->u.str.ptr) : NULL;
      *gen = (int32_t)g->u.i;
      ok = true;
    }
  }
  if (!ok) bad(r, "Failed to deserialize status %s: %s", key, why);
  kc_value_destroy(v);
  return ok;
}

static void read_status(const rec_t *r, int kind, const char *name, int task, const char *key) {
  kc_statusstore_t *s = r->s;
  if (!r->m->payload) {
    bool found;
    size_t i = find(s, kind, name, task, NULL, &found);
    if (found) remove_at(s, i);
    if (kind == K_CONNECTOR) { /* the connector's tasks go with it */
      i = find(s, K_TASK, name, -1, NULL, &found);
      while (i < s->n && s->e[i]->kind == K_TASK && strcmp(s->e[i]->name, name) == 0) remove_at(s, i);
    }
    return;
  }
  kc_state_t st;
  const char *trace = NULL, *worker = NULL, *version = NULL;
  int32_t gen = 0;
  if (!parse_status(r, key, &st, &trace, &worker, &gen, &version)) return;
  entry_t *e = get_or_add(s, kind, name, task, NULL);
  if (e && kind == K_TASK && st == KC_STATE_UNASSIGNED && e->has && e->st.state == KC_STATE_RUNNING &&
      e->st.generation >= gen) {
    e = NULL; /* stale UNASSIGNED from a worker that missed the newer RUNNING */
  }
  if (!e) {
    free((char *)trace);
    free((char *)worker);
    free((char *)version);
    return;
  }
  free(e->trace);
  free(e->worker);
  free(e->version);
  e->trace = (char *)trace;
  e->worker = (char *)worker;
  e->version = (char *)version;
  e->has = true;
  e->st = (kc_status_t){st, e->trace, e->worker, gen, e->version};
}

static void read_topic(const rec_t *r, const char *key) {
  const char *rest = key + strlen("status-topic-"), *colon = strchr(key, ':');
  if (!colon || colon < rest) {
    bad(r, "Discarding record with invalid topic status key %s", key);
    return;
  }
  size_t tl = (size_t)(colon - rest);
  if (tl == 0) {
    bad(r, "Discarding record with invalid topic status key containing empty topic %s", key);
    return;
  }
  size_t sep = strlen(":connector-");
  if (strlen(colon) < sep) {
    bad(r, "Discarding record with invalid topic status key %s", key);
    return;
  }
  const char *connector = colon + sep;
  if (!*connector) {
    bad(r, "Discarding record with invalid topic status key containing empty connector %s", key);
    return;
  }
  char *topic = strndup(rest, tl);
  if (!topic) return;
  kc_statusstore_t *s = r->s;
  if (!r->m->payload) {
    bool found;
    size_t i = find(s, K_TOPIC, connector, 0, topic, &found);
    if (found) remove_at(s, i);
    free(topic);
    return;
  }
  kc_value_t *v = NULL;
  char es[256];
  const kc_value_t *in = NULL, *task = NULL, *ts = NULL;
  if (kc_json_decode(r->m->payload, r->m->len, &v, es, sizeof es) == 0 && v && v->type == KC_TYPE_MAP)
    in = kc_value_map_get_str(v, "topic");
  if (in && in->type == KC_TYPE_MAP) {
    task = kc_value_map_get_str(in, "task");
    ts = kc_value_map_get_str(in, "discoverTimestamp");
  }
  if (!task || task->type != KC_TYPE_INT64 || !ts || ts->type != KC_TYPE_INT64) {
    bad(r, "Failed to parse topic status with key %s", key);
  } else {
    entry_t *e = get_or_add(s, K_TOPIC, connector, 0, topic);
    if (e) {
      e->has = true;
      e->task = (int)task->u.i;
      e->ts = ts->u.i;
    }
  }
  kc_value_destroy(v);
  free(topic);
}

static void on_record(void *arg, const rd_kafka_message_t *m) {
  kc_statusstore_t *s = arg;
  rec_t r = {s, m};
  if (!m->key) {
    bad(&r, "Discarding record with a null key");
    return;
  }
  char *key = strndup(m->key, m->key_len);
  if (!key) return;
  if (strncmp(key, "status-connector-", 17) == 0) {
    if (!key[17]) bad(&r, "Discarding record with invalid connector status key %s", key);
    else read_status(&r, K_CONNECTOR, key + 17, -1, key);
  } else if (strncmp(key, "status-task-", 12) == 0) {
    /* status-task-<connector>-<n>: the last '-' separates the task, names may hold '-' */
    char *dash = strrchr(key + 12, '-'), *end = NULL;
    long t = dash && dash[1] ? strtol(dash + 1, &end, 10) : -1;
    if (!dash || dash == key + 12 || !end || *end || t < 0 || t > 1000000) {
      bad(&r, "Discarding record with invalid task status key %s", key);
    } else {
      *dash = '\0';
      read_status(&r, K_TASK, key + 12, (int)t, key);
      *dash = '-';
    }
  } else if (strncmp(key, "status-topic-", 13) == 0) {
    read_topic(&r, key);
  } else {
    bad(&r, "Discarding record with invalid key %s", key);
  }
  free(key);
}

/* ---- lookups and life cycle -------------------------------------------------- */

const kc_status_t *kc_statusstore_connector(const kc_statusstore_t *s, const char *name) {
  entry_t *e = lookup(s, K_CONNECTOR, name, -1, NULL);
  return e && e->has ? &e->st : NULL;
}

const kc_status_t *kc_statusstore_task(const kc_statusstore_t *s, const char *name, int task) {
  entry_t *e = lookup(s, K_TASK, name, task, NULL);
  return e && e->has ? &e->st : NULL;
}

bool kc_statusstore_topic(const kc_statusstore_t *s, const char *connector, const char *topic, int64_t *ts_ms) {
  entry_t *e = lookup(s, K_TOPIC, connector, 0, topic);
  if (e && e->has && ts_ms) *ts_ms = e->ts;
  return e && e->has;
}

json_t *kc_statusstore_topics_json(const kc_statusstore_t *s, const char *connector) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < s->n; i++) {
    const entry_t *e = s->e[i];
    if (e->kind == K_TOPIC && e->has && !strcmp(e->name, connector)) json_array_append_new(arr, json_string(e->topic));
  }
  return arr;
}

kc_statusstore_t *kc_statusstore_create(uv_loop_t *loop, const kc_config_t *worker_props, const kc_klog_config_t *topic,
                                        char *errstr, size_t n) {
  kc_statusstore_t *s = calloc(1, sizeof *s);
  if (!s) {
    snprintf(errstr, n, "out of memory");
    return NULL;
  }
  s->loop = loop;
  kc_klog_config_t cfg = *topic;
  cfg.role = "status";
  s->log = kc_klog_create(loop, worker_props, &cfg, on_record, s, errstr, n);
  if (!s->log) {
    free(s);
    return NULL;
  }
  return s;
}

static void started(void *arg, int status, const char *errmsg) {
  kc_statusstore_t *s = arg;
  s->start_cb(s->start_arg, status, errmsg);
}

int kc_statusstore_start(kc_statusstore_t *s, kc_store_done_cb cb, void *arg) {
  s->start_cb = cb;
  s->start_arg = arg;
  return kc_klog_start(s->log, started, s);
}

int kc_statusstore_read_to_end(kc_statusstore_t *s, kc_store_done_cb cb, void *arg) {
  return kc_klog_read_to_end(s->log, cb, arg);
}

void kc_statusstore_stop(kc_statusstore_t *s, void (*cb)(void *arg), void *arg) {
  s->stopping = true; /* no retries from here on */
  kc_klog_stop(s->log, cb, arg);
}

void kc_statusstore_destroy(kc_statusstore_t *s) {
  if (!s) return;
  kc_klog_destroy(s->log);
  for (size_t i = 0; i < s->n; i++) unref(s->e[i]);
  free(s->e);
  free(s);
}
