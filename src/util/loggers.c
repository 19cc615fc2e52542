/*
 * DESIGN: the logger registry (loggers.h). One entry per logger name ever used or configured,
 * never freed; an entry with cfg >= 0 is a log4j2 LoggerConfig (an explicit level). A logger's
 * effective level is its nearest configured dot-ancestor's (itself, "a.b" for "a.b.c", ...,
 * root), recomputed for every entry on each change and cached in kc_logger_t.threshold, so
 * the level check on a log call never takes the lock.
 *
 * Names: kconnect's call sites keep short names ("kc.worker"); the table below gives each the
 * Java class name whose log lines it corresponds to, so a PUT of Java's names (a class or a
 * package such as org.apache.kafka.connect.runtime) acts on the same lines as on a Java worker
 * and log lines show Java's logger names. Names without a Java counterpart stay as they are.
 */
#include "util/loggers.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "util/log.h"

static const struct {
  const char *kc, *java;
} name_map[] = {
  {"kc.main", "org.apache.kafka.connect.cli.AbstractConnectCli"},
  {"kc.config", "org.apache.kafka.common.config.AbstractConfig"},
  {"kc.worker", "org.apache.kafka.connect.runtime.Worker"},
  {"kc.task", "org.apache.kafka.connect.runtime.WorkerTask"},
  {"kc.task.sink", "org.apache.kafka.connect.runtime.WorkerSinkTask"},
  {"kc.task.source", "org.apache.kafka.connect.runtime.AbstractWorkerSourceTask"},
  {"kc.errors", "org.apache.kafka.connect.runtime.errors.LogReporter"},
  {"kc.herder", "org.apache.kafka.connect.runtime.distributed.DistributedHerder"},
  {"kc.herder.standalone", "org.apache.kafka.connect.runtime.standalone.StandaloneHerder"},
  {"kc.group", "org.apache.kafka.connect.runtime.distributed.WorkerCoordinator"},
  {"kc.rest", "org.apache.kafka.connect.runtime.rest.RestServer"},
  {"kc.rest.access", "org.apache.kafka.connect.runtime.rest.RestServer"}, /* Connect's request log */
  {"kc.rest.auth", "org.apache.kafka.connect.rest.basic.auth.extension.JaasBasicAuthFilter"},
  {"kc.configstore", "org.apache.kafka.connect.storage.KafkaConfigBackingStore"},
  {"kc.offsets", "org.apache.kafka.connect.storage.KafkaOffsetBackingStore"},
  {"kc.statusstore", "org.apache.kafka.connect.storage.KafkaStatusBackingStore"},
  {"kc.kafkabasedlog", "org.apache.kafka.connect.util.KafkaBasedLog"},
  {"kc.convert", "org.apache.kafka.connect.json.JsonConverter"},
  {"kc.schema.registry", "io.confluent.kafka.schemaregistry.client.rest.RestService"},
  {"kc.wire", "org.apache.kafka.clients.NetworkClient"},
  {"kc.kafka", "org.apache.kafka.clients.admin.KafkaAdminClient"},
  {"librdkafka", "org.apache.kafka.clients"},
  {"kc.loggers", "org.apache.kafka.connect.runtime.Loggers"},
  {"kc.rest.logging", "org.apache.kafka.connect.runtime.rest.resources.LoggingResource"},
};

typedef struct entry_s {
  kc_logger_t lg;
  struct entry_s *hnext;   /* hash chain */
  struct entry_s *next;    /* every entry */
  int cfg;                 /* explicit level (KC_LVL_*), -1 none */
  long long last_modified; /* epoch ms of the last change through a PUT; 0: never (null) */
  char name[];
} entry_t;

#define NBUCKETS 512
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static entry_t *buckets[NBUCKETS];
static entry_t *all;
static size_t nall;
static entry_t *root;
atomic_int kc__log_max = KC_LVL_INFO;

static unsigned hash(const char *s) {
  unsigned h = 2166136261u;
  for (; *s; s++) h = (h ^ (unsigned char)*s) * 16777619u;
  return h % NBUCKETS;
}

static entry_t *find_n(const char *s, size_t n) {
  unsigned h = 2166136261u;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
  for (entry_t *e = buckets[h % NBUCKETS]; e; e = e->hnext)
    if (strlen(e->name) == n && !memcmp(e->name, s, n)) return e;
  return NULL;
}

static entry_t *find(const char *s) { return find_n(s, strlen(s)); }

/* log4j2's LoggerConfig lookup: the name, then each shorter dot prefix, then root. */
static int effective(const char *name) {
  size_t n = strlen(name);
  while (n > 0) {
    entry_t *e = find_n(name, n);
    if (e && e->cfg >= 0) return e->cfg;
    while (n > 0 && name[n - 1] != '.') n--;
    if (n > 0) n--; /* drop the dot */
  }
  return root->cfg;
}

static void recompute(void) {
  int max = KC_LVL_OFF;
  for (entry_t *e = all; e; e = e->next) {
    int t = effective(e->name);
    atomic_store_explicit(&e->lg.threshold, t, memory_order_relaxed);
    if (t > max) max = t;
  }
  atomic_store_explicit(&kc__log_max, max, memory_order_relaxed);
}

static entry_t *add(const char *name) {
  size_t n = strlen(name);
  entry_t *e = calloc(1, sizeof *e + n + 1);
  if (!e) return NULL;
  memcpy(e->name, name, n + 1);
  e->lg.name = e->name;
  e->cfg = -1;
  unsigned h = hash(name);
  e->hnext = buckets[h];
  buckets[h] = e;
  e->next = all;
  all = e;
  nall++;
  return e;
}

/* Under mu. Root and the mapped Java names exist from the start: Java's loggers exist once
 * their classes load, so GET /admin/loggers/<class> answers before the first line is logged. */
static void init_locked(void) {
  if (root) return;
  root = add("");
  if (!root) abort(); /* no memory at start-up */
  root->cfg = KC_LVL_INFO;
  for (size_t i = 0; i < sizeof name_map / sizeof name_map[0]; i++)
    if (!find(name_map[i].java)) add(name_map[i].java);
  recompute();
}

static entry_t *get_locked(const char *name) {
  init_locked();
  entry_t *e = find(name);
  if (!e && (e = add(name))) {
    int t = effective(name);
    atomic_store_explicit(&e->lg.threshold, t, memory_order_relaxed);
    if (t > atomic_load_explicit(&kc__log_max, memory_order_relaxed))
      atomic_store_explicit(&kc__log_max, t, memory_order_relaxed);
  }
  return e;
}

/* A fallback that logs at INFO, for when no memory is left for a new logger's entry. */
static kc_logger_t fallback = {KC_LVL_INFO, "kc"};

kc_logger_t *kc_logger_get(const char *name) {
  for (size_t i = 0; i < sizeof name_map / sizeof name_map[0]; i++)
    if (!strcmp(name, name_map[i].kc)) {
      name = name_map[i].java;
      break;
    }
  pthread_mutex_lock(&mu);
  entry_t *e = get_locked(name);
  pthread_mutex_unlock(&mu);
  return e ? &e->lg : &fallback;
}

void kc_loggers_set_root(int threshold) {
  pthread_mutex_lock(&mu);
  init_locked();
  root->cfg = threshold;
  recompute();
  pthread_mutex_unlock(&mu);
}

static bool is_root(const char *ns) { return !*ns || !strcasecmp(ns, "root"); }
static const char *shown(const entry_t *e) { return e == root ? "root" : e->name; }

static long long now_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (long long)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

bool kc_loggers_valid_level(const char *level) {
  int t;
  return level && kc_log_threshold_parse(level, &t) == 0;
}

static int by_name(const void *a, const void *b) {
  return strcmp(shown(*(entry_t *const *)a), shown(*(entry_t *const *)b));
}

json_t *kc_loggers_set_level(const char *ns, const char *level) {
  int lvl;
  json_t *out = json_array();
  if (!out) return NULL;
  if (kc_log_threshold_parse(level, &lvl)) {
    kc_log_warn("kc.herder", "Ignoring request to set invalid level '%s' for namespace %s", level, ns);
    return out;
  }
  const char *internal = is_root(ns) ? "" : ns;
  kc_log_info("kc.loggers", "Setting level of namespace %s and children to %s", internal,
              kc_log_threshold_name(lvl));
  size_t nslen = strlen(internal);
  pthread_mutex_lock(&mu);
  init_locked();
  entry_t *target = get_locked(internal); /* Java creates the namespace's logger first */
  entry_t **hit = calloc(nall ? nall : 1, sizeof *hit);
  int *old = calloc(nall ? nall : 1, sizeof *old);
  size_t nhit = 0;
  if (!target || !hit || !old) {
    pthread_mutex_unlock(&mu);
    free(hit);
    free(old);
    json_decref(out);
    return NULL;
  }
  /* The loggers under the namespace (a plain prefix, as Loggers.loggers), with their levels
   * before; one at OFF counts as changed, since Java's allLevels() leaves OFF loggers out. */
  for (entry_t *e = all; e; e = e->next)
    if (!strncmp(e->name, internal, nslen)) {
      int t = atomic_load_explicit(&e->lg.threshold, memory_order_relaxed);
      old[nhit] = t == KC_LVL_OFF ? -1 : t;
      hit[nhit++] = e;
    }
  /* Configurator.setAllLevels: the namespace's config and every config whose name starts with it. */
  target->cfg = lvl;
  for (entry_t *e = all; e; e = e->next)
    if (e->cfg >= 0 && !strncmp(e->name, internal, nslen)) e->cfg = lvl;
  recompute();
  long long now = now_ms();
  size_t nchanged = 0;
  for (size_t i = 0; i < nhit; i++)
    if (atomic_load_explicit(&hit[i]->lg.threshold, memory_order_relaxed) != old[i]) {
      hit[i]->last_modified = now;
      hit[nchanged++] = hit[i];
    }
  qsort(hit, nchanged, sizeof *hit, by_name);
  for (size_t i = 0; i < nchanged; i++) json_array_append_new(out, json_string(shown(hit[i])));
  pthread_mutex_unlock(&mu);
  free(hit);
  free(old);
  return out;
}

static json_t *level_json(const entry_t *e) {
  int t = atomic_load_explicit(&e->lg.threshold, memory_order_relaxed);
  return json_pack("{s:s,s:o}", "level", kc_log_threshold_name(t), "last_modified",
                   e->last_modified ? json_integer(e->last_modified) : json_null());
}

json_t *kc_loggers_levels(void) {
  json_t *out = json_object();
  if (!out) return NULL;
  pthread_mutex_lock(&mu);
  init_locked();
  entry_t **v = malloc(nall * sizeof *v);
  size_t n = 0;
  if (v) {
    for (entry_t *e = all; e; e = e->next)
      if (atomic_load_explicit(&e->lg.threshold, memory_order_relaxed) != KC_LVL_OFF) v[n++] = e;
    qsort(v, n, sizeof *v, by_name); /* Java's TreeMap order; jansson keeps insertion order */
    for (size_t i = 0; i < n; i++) json_object_set_new(out, shown(v[i]), level_json(v[i]));
  }
  pthread_mutex_unlock(&mu);
  if (!v) {
    json_decref(out);
    return NULL;
  }
  free(v);
  return out;
}

json_t *kc_loggers_level(const char *name) {
  pthread_mutex_lock(&mu);
  init_locked();
  entry_t *e = is_root(name) ? root : find(name);
  json_t *out = e ? level_json(e) : NULL;
  pthread_mutex_unlock(&mu);
  if (!e) kc_log_warn("kc.loggers", "Unable to find level for logger %s", name);
  return out;
}

static void trim(char **s, char **end) {
  while (*s < *end && isspace((unsigned char)**s)) (*s)++;
  while (*end > *s && isspace((unsigned char)(*end)[-1])) (*end)--;
}

int kc_loggers_apply_spec(const char *spec, char *err, size_t n) {
  int rc = 0;
  char *copy = strdup(spec ? spec : "");
  if (!copy) return KC_ENOMEM;
  char *save = NULL;
  for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
    char *end = item + strlen(item);
    trim(&item, &end);
    if (item == end) continue;
    *end = '\0';
    char *eq = strchr(item, '=');
    char *name = item, *nend = eq ? eq : end, *lvl = eq ? eq + 1 : end, *lend = end;
    trim(&name, &nend);
    trim(&lvl, &lend);
    *nend = '\0';
    *lend = '\0';
    if (!eq || !*name || !kc_loggers_valid_level(lvl)) {
      if (!rc) snprintf(err, n, "'%s' is not logger=LEVEL (levels: OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL)", item);
      rc = KC_EINVAL;
      continue;
    }
    /* A log4j config file's logger entry: that name's level only, children keep theirs, no
     * last_modified (entries in any order, unlike a sequence of PUTs). */
    int t;
    kc_log_threshold_parse(lvl, &t);
    pthread_mutex_lock(&mu);
    init_locked();
    entry_t *e = is_root(name) ? root : get_locked(name);
    if (e) {
      e->cfg = t;
      recompute();
    }
    pthread_mutex_unlock(&mu);
  }
  free(copy);
  return rc;
}
