/*
 * In-memory active topics (see active_topics.h). A flat array: a worker's
 * connectors use a handful of topics each, and tasks ask once per batch, not per
 * record, so a linear scan costs nothing measurable.
 */
#include "worker/active_topics.h"

#include <stdlib.h>
#include <string.h>

#include "kconnect/connector.h"

typedef struct {
  char *connector;
  char *topic;
  int task;
  int64_t ts_ms; /* discoverTimestamp, as TopicStatus keeps it */
} topic_entry_t;

struct kc_active_topics_s {
  topic_entry_t *e;
  size_t n, cap;
};

kc_active_topics_t *kc_active_topics_create(void) { return calloc(1, sizeof(kc_active_topics_t)); }

static void entry_free(topic_entry_t *e) {
  free(e->connector);
  free(e->topic);
}

void kc_active_topics_destroy(kc_active_topics_t *s) {
  if (!s) return;
  for (size_t i = 0; i < s->n; i++) entry_free(&s->e[i]);
  free(s->e);
  free(s);
}

bool kc_active_topics_has(const kc_active_topics_t *s, const char *connector, const char *topic) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->e[i].topic, topic) && !strcmp(s->e[i].connector, connector)) return true;
  return false;
}

int kc_active_topics_put(kc_active_topics_t *s, const char *connector, const char *topic, int task, int64_t ts_ms) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->e[i].topic, topic) && !strcmp(s->e[i].connector, connector)) {
      /* MemoryStatusBackingStore.put replaces the status: the newest discovery wins */
      s->e[i].task = task;
      s->e[i].ts_ms = ts_ms;
      return 0;
    }
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 8;
    topic_entry_t *grown = realloc(s->e, cap * sizeof *grown);
    if (!grown) return KC_ENOMEM;
    s->e = grown;
    s->cap = cap;
  }
  topic_entry_t e = {strdup(connector), strdup(topic), task, ts_ms};
  if (!e.connector || !e.topic) {
    entry_free(&e);
    return KC_ENOMEM;
  }
  s->e[s->n++] = e;
  return 0;
}

json_t *kc_active_topics_json(const kc_active_topics_t *s, const char *connector) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < s->n; i++)
    if (!strcmp(s->e[i].connector, connector)) json_array_append_new(arr, json_string(s->e[i].topic));
  return arr;
}

void kc_active_topics_reset(kc_active_topics_t *s, const char *connector) {
  size_t out = 0;
  for (size_t i = 0; i < s->n; i++) {
    if (!strcmp(s->e[i].connector, connector)) entry_free(&s->e[i]);
    else s->e[out++] = s->e[i];
  }
  s->n = out;
}
