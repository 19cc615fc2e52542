/*
 * KafkaBasedLog start-up (kafka_log.h): KafkaTopicBasedBackingStore.topicInitializer (create
 * the topic, or check the cleanup.policy of an existing one), then the partition lookup of
 * KafkaBasedLog.start() with its 30 s wait for a topic that was just created, then the first
 * read to the end. The admin handle lives only for the first step and tears itself down.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "worker/kafka_log_internal.h"

#define LOGGER "kc.kafkabasedlog"
#define ADMIN_TIMEOUT_MS 60000        /* default.api.timeout.ms */
#define CREATE_TOPIC_TIMEOUT_MS 30000 /* KafkaBasedLog.CREATE_TOPIC_TIMEOUT_NS */
#define MAX_SLEEP_MS 1000

typedef struct klog_admin_s {
  kc_klog_t *l; /* NULL once detached */
  rd_kafka_t *rk;
  rd_kafka_queue_t *q;
  kc_kqueue_t kq;
  bool closing;
} klog_admin_t;

static void metadata_step(kc_klog_t *l);

void kc__klog_start_finish(kc_klog_t *l, int status, const char *errmsg) {
  kc_store_done_cb cb = l->start_cb;
  if (!cb) return;
  l->start_cb = NULL;
  if (!status) {
    l->state = KLOG_RUNNING;
    kc_log_info(LOGGER, "Finished reading KafkaBasedLog for topic %s", l->topic);
    kc_log_info(LOGGER, "Started KafkaBasedLog for topic %s", l->topic);
  } else if (status != KC_ESTATE) {
    kc_log_error(LOGGER, "%s", errmsg ? errmsg : kc_strerror(status));
  }
  cb(l->start_arg, status, status ? errmsg : NULL);
}

/* ---- the admin handle -------------------------------------------------------- */

static void admin_destroy_work(uv_work_t *w) {
  klog_admin_t *a = w->data;
  rd_kafka_destroy(a->rk); /* joins threads (K12); aborts a request still in flight */
}

static void admin_destroy_done(uv_work_t *w, int status) {
  (void)status;
  free(w->data);
  free(w);
}

static void admin_closed(kc_kqueue_t *kq) {
  klog_admin_t *a = kq->data;
  rd_kafka_queue_destroy(a->q);
  uv_work_t *w = calloc(1, sizeof *w);
  if (w) {
    w->data = a;
    if (uv_queue_work(kq->poll.loop, w, admin_destroy_work, admin_destroy_done) == 0) return;
    free(w);
  }
  rd_kafka_destroy(a->rk);
  free(a);
}

/* The admin handle is done (or the log stops): it closes and frees itself. */
void kc__klog_admin_detach(kc_klog_t *l) {
  klog_admin_t *a = l->admin;
  if (!a) return;
  l->admin = NULL;
  a->l = NULL;
  a->closing = true;
  kc_kqueue_close(&a->kq, admin_closed);
}

static void start_fail(kc_klog_t *l, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void start_fail(kc_klog_t *l, int status, const char *fmt, ...) {
  char msg[1536];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  kc__klog_admin_detach(l);
  kc__klog_start_finish(l, status, msg);
}

/* Java's String.hashCode over ASCII, spread and masked as HashMap does for 16 buckets: the
 * iteration order of the small HashSet whose String.join Connect puts in its message. */
static unsigned bucket16(const char *s) {
  int32_t h = 0;
  for (; *s; s++) h = (int32_t)((uint32_t)h * 31u + (unsigned char)*s);
  uint32_t u = (uint32_t)h;
  return (u ^ (u >> 16)) & 15u;
}

/* TopicAdmin.verifyTopicCleanupPolicyOnlyCompact on the described value. */
static void check_cleanup_policy(kc_klog_t *l, const char *value) {
  char *copy = strdup(value ? value : "");
  char *items[32];
  int n = 0;
  for (char *tok = copy ? strtok(copy, ",") : NULL; tok && n < 32; tok = strtok(NULL, ",")) {
    while (isspace((unsigned char)*tok)) tok++;
    char *end = tok + strlen(tok);
    while (end > tok && isspace((unsigned char)end[-1])) *--end = '\0';
    if (!*tok) continue;
    for (char *c = tok; *c; c++) *c = (char)tolower((unsigned char)*c);
    bool dup = false;
    for (int i = 0; i < n; i++) dup = dup || strcmp(items[i], tok) == 0;
    if (!dup) items[n++] = tok;
  }
  if (n == 0) {
    kc_log_info(LOGGER,
                "Unable to use admin client to verify the cleanup policy of '%s' topic is 'compact', "
                "either because the broker is an older version or because the Kafka principal used "
                "for Connect internal topics does not have the required permission to describe "
                "topic configurations.",
                l->topic);
  } else if (n != 1 || strcmp(items[0], "compact") != 0) {
    /* insertion sort by bucket: stable, so equal buckets keep their insertion order */
    for (int i = 1; i < n; i++)
      for (int j = i; j > 0 && bucket16(items[j - 1]) > bucket16(items[j]); j--) {
        char *t = items[j];
        items[j] = items[j - 1];
        items[j - 1] = t;
      }
    char found[512] = "";
    size_t off = 0;
    for (int i = 0; i < n && off < sizeof found; i++)
      off += (size_t)snprintf(found + off, sizeof found - off, "%s%s", i ? "," : "", items[i]);
    const char *key = kc_klog_topic_key(l->role), *purpose = kc__klog_purpose(l->role);
    start_fail(l, KC_EINVAL,
               "Topic '%s' supplied via the '%s' property is required to have 'cleanup.policy=compact' "
               "to guarantee consistency and durability of %s, but found the topic currently has "
               "'cleanup.policy=%s'. Continuing would likely result in eventually losing %s and "
               "problems restarting this Connect cluster in the future. Change the '%s' property in "
               "the Connect worker configurations to use a topic with 'cleanup.policy=compact'.",
               l->topic, key, purpose, found, purpose, key);
    free(copy);
    return;
  }
  free(copy);
  kc__klog_admin_detach(l);
  metadata_step(l);
}

static void describe_topic(kc_klog_t *l, klog_admin_t *a) {
  rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, l->topic);
  rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(a->rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  char es[256];
  rd_kafka_AdminOptions_set_request_timeout(o, ADMIN_TIMEOUT_MS, es, sizeof es);
  rd_kafka_DescribeConfigs(a->rk, &res, 1, o, a->q);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_ConfigResource_destroy(res);
}

static void on_created(kc_klog_t *l, klog_admin_t *a, rd_kafka_event_t *ev) {
  rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
  const char *why = rd_kafka_event_error_string(ev);
  const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
  size_t cnt = 0;
  const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &cnt) : NULL;
  if (!err && cnt > 0) {
    err = rd_kafka_topic_result_error(tr[0]);
    why = rd_kafka_topic_result_error_string(tr[0]);
  }
  if (!why) why = rd_kafka_err2str(err);
  switch (err) {
    case RD_KAFKA_RESP_ERR_NO_ERROR:
      kc_log_info(LOGGER, "Created topic (name=%s, numPartitions=%d, replicationFactor=%d, "
                          "configs={cleanup.policy=compact}) for %s",
                  l->topic, (int)l->want_partitions, (int)l->replication_factor,
                  kc__klog_purpose(l->role));
      kc__klog_admin_detach(l);
      metadata_step(l);
      return;
    case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS:
    case RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_UNSUPPORTED_VERSION:
      /* It exists (or we may not create it): check the cleanup policy as Connect does. */
      kc_log_debug(LOGGER, "Found existing topic '%s' (%s)", l->topic, rd_kafka_err2name(err));
      describe_topic(l, a);
      return;
    case RD_KAFKA_RESP_ERR_INVALID_CONFIG:
      start_fail(l, KC_EINVAL, "Unable to create topic(s) '%s': %s", l->topic, why);
      return;
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
      start_fail(l, KC_ETIMEDOUT,
                 "Timed out while checking for or creating topic(s) '%s'. This could indicate a "
                 "connectivity issue, unavailable topic partitions, or if this is your first use of "
                 "the topic it may have taken too long to create.",
                 l->topic);
      return;
    default:
      start_fail(l, KC_EIO, "Error while attempting to create/find topic(s) '%s': %s", l->topic, why);
      return;
  }
}

static void on_described(kc_klog_t *l, rd_kafka_event_t *ev) {
  const rd_kafka_DescribeConfigs_result_t *res = rd_kafka_event_DescribeConfigs_result(ev);
  size_t cnt = 0;
  const rd_kafka_ConfigResource_t **rs = res ? rd_kafka_DescribeConfigs_result_resources(res, &cnt) : NULL;
  const char *policy = NULL;
  if (!rd_kafka_event_error(ev) && cnt > 0 && !rd_kafka_ConfigResource_error(rs[0])) {
    size_t ne = 0;
    const rd_kafka_ConfigEntry_t **es = rd_kafka_ConfigResource_configs(rs[0], &ne);
    for (size_t i = 0; i < ne; i++)
      if (strcmp(rd_kafka_ConfigEntry_name(es[i]), "cleanup.policy") == 0)
        policy = rd_kafka_ConfigEntry_value(es[i]);
  }
  check_cleanup_policy(l, policy); /* no value: logged, and Connect goes on */
}

static void on_admin(kc_kqueue_t *kq) {
  klog_admin_t *a = kq->data;
  rd_kafka_event_t *ev;
  while (!a->closing && (ev = rd_kafka_queue_poll(a->q, 0))) {
    kc_klog_t *l = a->l;
    switch (rd_kafka_event_type(ev)) {
      case RD_KAFKA_EVENT_CREATETOPICS_RESULT:
        on_created(l, a, ev);
        break;
      case RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT:
        on_described(l, ev);
        break;
      default:
        kc__klog_log_event(l, "admin", ev);
        break;
    }
    rd_kafka_event_destroy(ev);
  }
}

static int create_topic(kc_klog_t *l, klog_admin_t *a, char *errstr, size_t n) {
  char es[512];
  rd_kafka_NewTopic_t *nt =
      rd_kafka_NewTopic_new(l->topic, l->want_partitions, l->replication_factor, es, sizeof es);
  if (!nt) {
    snprintf(errstr, n, "Cannot define topic '%s': %s", l->topic, es);
    return KC_EINVAL;
  }
  /* The user's settings first, then compaction over them (TopicAdmin.defineTopic order). */
  for (size_t i = 0; i < kc_config_count(l->settings); i++) {
    const char *k, *v;
    kc_config_at(l->settings, i, &k, &v);
    if (strcmp(k, "cleanup.policy") == 0) continue;
    rd_kafka_NewTopic_set_config(nt, k, v);
  }
  rd_kafka_NewTopic_set_config(nt, "cleanup.policy", "compact");
  rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(a->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(o, ADMIN_TIMEOUT_MS, es, sizeof es);
  rd_kafka_AdminOptions_set_operation_timeout(o, ADMIN_TIMEOUT_MS, es, sizeof es);
  rd_kafka_CreateTopics(a->rk, &nt, 1, o, a->q);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_NewTopic_destroy(nt);
  return 0;
}

int kc_klog_start(kc_klog_t *l, kc_store_done_cb cb, void *arg) {
  if (l->state != KLOG_NEW || !l->aconf) return KC_ESTATE;
  kc_log_info(LOGGER, "Starting KafkaBasedLog with topic %s", l->topic);
  char es[512], errstr[768];
  if (uv_timer_init(l->loop, &l->timer) != 0) return KC_EIO;
  l->timer.data = l;
  l->timer_on = true;
  l->state = KLOG_STARTING;
  l->start_cb = cb;
  l->start_arg = arg;
  klog_admin_t *a = calloc(1, sizeof *a);
  if (!a) return KC_ENOMEM; /* cb never called; kc_klog_stop() cleans up */
  rd_kafka_conf_set_events(l->aconf, RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG |
                                         RD_KAFKA_EVENT_CREATETOPICS_RESULT |
                                         RD_KAFKA_EVENT_DESCRIBECONFIGS_RESULT);
  a->rk = rd_kafka_new(RD_KAFKA_PRODUCER, l->aconf, es, sizeof es);
  if (!a->rk) {
    l->start_cb = NULL;
    free(a);
    kc_log_error(LOGGER, "cannot create the admin client for topic '%s': %s", l->topic, es);
    return KC_EINVAL;
  }
  l->aconf = NULL;
  rd_kafka_set_log_queue(a->rk, NULL);
  a->q = rd_kafka_queue_get_main(a->rk);
  a->l = l;
  l->admin = a;
  if (kc_kqueue_init(l->loop, &a->kq, a->q, on_admin, a) != 0) {
    rd_kafka_queue_destroy(a->q);
    rd_kafka_destroy(a->rk);
    free(a);
    l->admin = NULL;
    l->start_cb = NULL;
    return KC_EIO;
  }
  int rc = create_topic(l, a, errstr, sizeof errstr);
  if (rc) {
    l->start_cb = NULL;
    kc_log_error(LOGGER, "%s", errstr);
    kc__klog_admin_detach(l);
    return rc;
  }
  return 0;
}

/* ---- partitions, then the first read --------------------------------------- */

typedef struct {
  uv_work_t work;
  kc_klog_t *l;
  int32_t partitions;
  rd_kafka_resp_err_t err;
} md_job_t;

/* Threadpool: KafkaBasedLog.start()'s partitionsFor loop, sleeping between tries. */
static void md_work(uv_work_t *w) {
  md_job_t *j = w->data;
  uint64_t deadline = uv_hrtime() + (uint64_t)CREATE_TOPIC_TIMEOUT_MS * 1000000ull;
  unsigned sleep_ms = 100;
  for (;;) {
    const struct rd_kafka_metadata *md = NULL;
    uint64_t now = uv_hrtime();
    int left = now >= deadline ? 1 : (int)((deadline - now) / 1000000ull);
    j->err = rd_kafka_metadata(j->l->consumer, 0, j->l->crkt, &md, left < 10000 ? left : 10000);
    if (!j->err && md) {
      if (md->topic_cnt > 0 && !md->topics[0].err) j->partitions = md->topics[0].partition_cnt;
      else if (md->topic_cnt > 0) j->err = md->topics[0].err;
    }
    if (md) rd_kafka_metadata_destroy(md);
    if (j->partitions > 0 || uv_hrtime() >= deadline) return;
    uv_sleep(sleep_ms); /* a threadpool thread, never the loop */
    sleep_ms = sleep_ms * 2 < MAX_SLEEP_MS ? sleep_ms * 2 : MAX_SLEEP_MS;
  }
}

static void first_read_done(void *arg, int status, const char *errmsg) {
  kc__klog_start_finish(arg, status, errmsg);
}

static void md_done(uv_work_t *w, int status) {
  md_job_t *j = w->data;
  kc_klog_t *l = j->l;
  int32_t parts = status ? 0 : j->partitions;
  free(j);
  l->jobs--;
  if (l->state != KLOG_STARTING) {
    kc__klog_stop_continue(l);
    return;
  }
  if (parts <= 0) {
    start_fail(l, KC_ETIMEDOUT,
               "Could not look up partition metadata for topic '%s' in the allotted period. This "
               "could indicate a connectivity issue, unavailable topic partitions, or if this is "
               "your first use of the topic it may have taken too long to create.",
               l->topic);
    return;
  }
  l->nparts = parts;
  if (l->is_config && parts > 1) {
    start_fail(l, KC_EINVAL,
               "Topic '%s' supplied via the '%s' property is required to have a single partition in "
               "order to guarantee consistency of connector configurations, but found %d partitions.",
               l->topic, kc_klog_topic_key(l->role), (int)parts);
    return;
  }
  char errstr[768];
  int rc = kc__klog_producer_start(l, errstr, sizeof errstr);
  if (!rc) rc = kc__klog_assign(l, errstr, sizeof errstr);
  if (!rc) rc = kc__klog_read_to_end_any(l, first_read_done, l);
  if (rc) start_fail(l, rc, "%s", errstr);
}

static void metadata_step(kc_klog_t *l) {
  char es[512];
  l->consumer = rd_kafka_new(RD_KAFKA_CONSUMER, l->cconf, es, sizeof es);
  if (!l->consumer) {
    start_fail(l, KC_EINVAL, "cannot create the consumer for topic '%s': %s", l->topic, es);
    return;
  }
  l->cconf = NULL;
  /* Logs and errors join the fetch queue, so one watched queue serves everything (K4). */
  rd_kafka_set_log_queue(l->consumer, NULL);
  l->cq = rd_kafka_queue_new(l->consumer);
  rd_kafka_queue_t *mainq = rd_kafka_queue_get_main(l->consumer);
  rd_kafka_queue_forward(mainq, l->cq);
  rd_kafka_queue_destroy(mainq);
  l->crkt = rd_kafka_topic_new(l->consumer, l->topic, NULL);
  md_job_t *j = calloc(1, sizeof *j);
  if (!l->crkt || !j) {
    free(j);
    start_fail(l, KC_ENOMEM, "cannot read topic '%s': out of memory", l->topic);
    return;
  }
  j->l = l;
  j->work.data = j;
  if (uv_queue_work(l->loop, &j->work, md_work, md_done) != 0) {
    free(j);
    start_fail(l, KC_EIO, "cannot queue the metadata lookup for topic '%s'", l->topic);
    return;
  }
  l->jobs++;
}
