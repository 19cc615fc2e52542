/* topics.regex as Java's pattern subscription (pattern_sub.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/props.h"
#include "kafka/topic_lister.h"
#include "util/log.h"
#include "worker/pattern_sub.h"

#define DEFAULT_MAX_AGE_MS 300000
/* After a failed listing: Java's consumer retries its metadata after retry.backoff.ms, growing
 * to retry.backoff.max.ms (1000 by default); one fixed step is enough here. */
#define RETRY_MS 1000
#define MIN_PERIOD_MS 100 /* the consumer's retry.backoff.ms default */

struct kc_pattern_sub_s {
  kc_jregex_t *re;
  char *regex;
  kc_topic_lister_t *lister;
  uv_timer_t timer;
  int64_t period_ms;
  kc_pattern_sub_changed_cb cb;
  void *arg;
  char **current; /* the matching topics last reported */
  size_t ncurrent;
  uint64_t list_started; /* uv_hrtime() of the listing under way */
  bool listed, failing, closing;
  int open; /* lister and timer not closed yet */
  void (*closed)(void *);
  void *closed_arg;
};

size_t kc_pattern_sub_select(kc_jregex_t *re, const char **topics, size_t n) {
  size_t w = 0;
  for (size_t i = 0; i < n; i++)
    if (kc_jregex_matches(re, topics[i], strlen(topics[i]))) topics[w++] = topics[i];
  return w;
}

static void free_current(kc_pattern_sub_t *s) {
  for (size_t i = 0; i < s->ncurrent; i++) free(s->current[i]);
  free(s->current);
  s->current = NULL;
  s->ncurrent = 0;
}

static bool same_as_current(const kc_pattern_sub_t *s, const char **t, size_t n) {
  if (n != s->ncurrent) return false;
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i], s->current[i]) != 0) return false;
  return true;
}

static void on_timer(uv_timer_t *t) {
  kc_pattern_sub_t *s = t->data;
  if (s->closing) return;
  s->list_started = uv_hrtime();
  kc_topic_lister_list(s->lister);
}

static void on_listed(void *arg, int err, const char *reason, char *const *topics, size_t n) {
  kc_pattern_sub_t *s = arg;
  if (s->closing) return;
  if (err) {
    /* The subscription stays as it was, as Java's does while its metadata is stale. */
    if (!s->failing)
      kc_log_warn("kc.task", "topics.regex '%s': cannot list the topics (retrying): %s", s->regex,
                  reason ? reason : kc_strerror(err));
    s->failing = true;
    uint64_t again = (uint64_t)(s->period_ms < RETRY_MS ? s->period_ms : RETRY_MS);
    uv_timer_start(&s->timer, on_timer, again, 0);
    return;
  }
  kc_log_debug("kc.task", "topics.regex '%s': %zu topic(s) listed in %.2f ms", s->regex, n,
               (double)(uv_hrtime() - s->list_started) / 1e6);
  if (s->failing) kc_log_info("kc.task", "topics.regex '%s': topic listing works again", s->regex);
  s->failing = false;
  uv_timer_start(&s->timer, on_timer, (uint64_t)s->period_ms, 0);
  const char **sel = n ? malloc(n * sizeof *sel) : NULL;
  if (n && !sel) return; /* the next listing tries again */
  for (size_t i = 0; i < n; i++) sel[i] = topics[i];
  size_t m = kc_pattern_sub_select(s->re, sel, n);
  if (same_as_current(s, sel, m) && (s->listed || m == 0)) {
    s->listed = true;
    free(sel);
    return;
  }
  char **copy = m ? calloc(m, sizeof *copy) : NULL;
  bool ok = !m || copy;
  for (size_t i = 0; ok && i < m; i++) ok = (copy[i] = strdup(sel[i])) != NULL;
  free(sel);
  if (!ok) {
    for (size_t i = 0; copy && i < m; i++) free(copy[i]);
    free(copy);
    return;
  }
  free_current(s);
  s->current = copy;
  s->ncurrent = m;
  s->listed = true;
  kc_log_info("kc.task", "topics.regex '%s' matches %zu topic(s)", s->regex, m);
  s->cb(s->arg, s->current, s->ncurrent);
}

static void maybe_free(kc_pattern_sub_t *s) {
  if (--s->open > 0) return;
  void (*closed)(void *) = s->closed;
  void *arg = s->closed_arg;
  free_current(s);
  kc_jregex_free(s->re);
  free(s->regex);
  free(s);
  if (closed) closed(arg);
}
static void on_lister_closed(void *arg) { maybe_free(arg); }
static void on_timer_closed(uv_handle_t *h) { maybe_free(h->data); }

void kc_pattern_sub_close(kc_pattern_sub_t *s, void (*closed)(void *), void *arg) {
  if (!s) {
    if (closed) closed(arg);
    return;
  }
  s->closing = true;
  s->closed = closed;
  s->closed_arg = arg;
  kc_topic_lister_close(s->lister, on_lister_closed, s);
  uv_close((uv_handle_t *)&s->timer, on_timer_closed);
}

int64_t kc_pattern_sub_period_ms(const kc_pattern_sub_t *s) { return s->period_ms; }

/* @p key from the overrides, else the worker's "consumer."-prefixed key, else NULL. */
static const char *consumer_key(const kc_config_t *worker, const kc_config_t *ovr,
                                const char *key) {
  const char *v = ovr ? kc_config_get(ovr, key) : NULL;
  if (v) return v;
  char k[128];
  snprintf(k, sizeof k, "consumer.%s", key);
  return worker ? kc_config_get(worker, k) : NULL;
}

/* The consumer's connection keys: worker keys, its "consumer." keys, then the overrides. */
static kc_config_t *merged_settings(const kc_config_t *worker, const kc_config_t *ovr) {
  kc_config_t *m = worker ? kc_config_copy(worker) : kc_config_new();
  kc_config_t *pre = worker ? kc_config_with_prefix(worker, "consumer.") : NULL;
  if (!m || (worker && !pre)) {
    kc_config_destroy(m);
    kc_config_destroy(pre);
    return NULL;
  }
  const kc_config_t *layers[2] = {pre, ovr};
  for (int l = 0; l < 2; l++)
    for (size_t i = 0; layers[l] && i < kc_config_count(layers[l]); i++) {
      const char *k, *v;
      if (kc_config_at(layers[l], i, &k, &v) == 0 && kc_config_set(m, k, v) != 0) {
        kc_config_destroy(m);
        kc_config_destroy(pre);
        return NULL;
      }
    }
  kc_config_destroy(pre);
  return m;
}

static bool parse_long(const char *v, int64_t *out) {
  if (!v) return false;
  char *end = NULL;
  long long x = strtoll(v, &end, 10);
  while (end && (*end == ' ' || *end == '\t')) end++;
  if (!end || end == v || *end) return false;
  *out = x;
  return true;
}

kc_pattern_sub_t *kc_pattern_sub_start(uv_loop_t *loop, const char *regex,
                                       const kc_config_t *worker, const kc_config_t *ovr,
                                       const char *bootstrap, const char *client_id,
                                       kc_pattern_sub_changed_cb cb, void *arg, char *errstr,
                                       size_t errstr_size) {
  kc_pattern_sub_t *s = calloc(1, sizeof *s);
  if (!s || !(s->regex = strdup(regex))) {
    free(s);
    snprintf(errstr, errstr_size, "out of memory");
    return NULL;
  }
  s->cb = cb;
  s->arg = arg;
  char why[512];
  if (!(s->re = kc_jregex_compile(regex, why, sizeof why))) {
    snprintf(errstr, errstr_size, "Invalid regex: %s", why);
    free(s->regex);
    free(s);
    return NULL;
  }
  s->period_ms = DEFAULT_MAX_AGE_MS;
  const char *age = consumer_key(worker, ovr, "metadata.max.age.ms");
  int64_t v;
  if (age && (!parse_long(age, &v) || v < 0)) {
    snprintf(errstr, errstr_size, "metadata.max.age.ms: invalid value '%s'", age);
    goto fail;
  }
  /* 0 is valid in Java (refresh on every poll); here it would re-list back to back. */
  if (age) s->period_ms = v < MIN_PERIOD_MS ? MIN_PERIOD_MS : v;
  const char *excl = consumer_key(worker, ovr, "exclude.internal.topics");
  bool exclude = !excl || strcasecmp(excl, "false") != 0;
  kc_config_t *m = merged_settings(worker, ovr);
  if (!m) {
    snprintf(errstr, errstr_size, "out of memory");
    goto fail;
  }
  int64_t req = 30000; /* the Java consumer's request.timeout.ms default */
  const char *rt = kc_config_get(m, "request.timeout.ms");
  if (rt && (!parse_long(rt, &req) || req <= 0 || req > INT32_MAX)) req = 30000;
  const char *bs = kc_config_get(m, "bootstrap.servers");
  kc_topic_lister_config_t lc = {bs && *bs ? bs : bootstrap, client_id, (int32_t)req, exclude, m};
  char lerr[512] = "";
  s->lister = kc_topic_lister_create(loop, &lc, on_listed, s, lerr, sizeof lerr);
  kc_config_destroy(m);
  if (!s->lister) {
    snprintf(errstr, errstr_size, "topics.regex needs a topic listing, which cannot connect: %s",
             lerr);
    goto fail;
  }
  uv_timer_init(loop, &s->timer);
  s->timer.data = s;
  s->open = 2;
  /* The first listing now: nothing is subscribed until it answers. */
  on_timer(&s->timer);
  return s;
fail:
  kc_jregex_free(s->re);
  free(s->regex);
  free(s);
  return NULL;
}
