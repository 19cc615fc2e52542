/*
 * Committed offsets of a consumer group through a throwaway consumer handle on
 * the threadpool (see group_offsets.h for why not the admin API).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/group_offsets.h"
#include "kconnect/connector.h"
#include "util/jregex.h"

typedef struct {
  uv_work_t work;
  rd_kafka_conf_t *conf;
  char **topics; /* explicit names, NULL-terminated (kc_config_list_free), or NULL */
  kc_jregex_t *regex; /* topics.regex (java.util.regex via PCRE2), or NULL */
  int timeout_ms;
  kc_group_offsets_read_cb cb;
  void *arg;
  /* results, written on the threadpool, read in after_work */
  rd_kafka_topic_partition_list_t *result;
  char errmsg[768];
} job_t;

static void job_free(job_t *j) {
  if (j->conf) rd_kafka_conf_destroy(j->conf);
  kc_config_list_free(j->topics);
  kc_jregex_free(j->regex);
  if (j->result) rd_kafka_topic_partition_list_destroy(j->result);
  free(j);
}

static bool wanted(const job_t *j, const char *topic) {
  for (char **t = j->topics; t && *t; t++)
    if (strcmp(*t, topic) == 0) return true;
  /* Pattern.matcher(topic).matches(), as the sink's subscription (worker/pattern_sub.h) */
  return j->regex && kc_jregex_matches(j->regex, topic, strlen(topic));
}

#define COORDINATOR_RETRIES 10
#define COORDINATOR_BACKOFF_MS 100

static bool coordinator_moving(rd_kafka_resp_err_t err) {
  return err == RD_KAFKA_RESP_ERR_NOT_COORDINATOR ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE ||
         err == RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS;
}

static int cmp_part(const void *a, const void *b) {
  const rd_kafka_topic_partition_t *x = a, *y = b;
  int c = strcmp(x->topic, y->topic);
  return c ? c : (x->partition > y->partition) - (x->partition < y->partition);
}

/* Threadpool: every call here may block for up to timeout_ms. */
static int remaining_ms(uint64_t deadline_ns) {
  uint64_t now = uv_hrtime();
  return now >= deadline_ns ? 0 : (int)((deadline_ns - now) / 1000000);
}

static void do_read(uv_work_t *w) {
  job_t *j = w->data;
  /* One budget for the whole read, so a moving coordinator cannot hold a threadpool thread for
   * COORDINATOR_RETRIES times the timeout. */
  uint64_t deadline = uv_hrtime() + (uint64_t)j->timeout_ms * 1000000;
  char es[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, j->conf, es, sizeof es);
  if (!rk) {
    snprintf(j->errmsg, sizeof j->errmsg, "cannot create a consumer: %s", es);
    return;
  }
  j->conf = NULL; /* rd_kafka_new took it */
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t err = rd_kafka_metadata(rk, 1, NULL, &md, j->timeout_ms);
  if (err) {
    snprintf(j->errmsg, sizeof j->errmsg, "cannot read the topic metadata: %s",
             rd_kafka_err2str(err));
    goto out;
  }
  rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(16);
  for (int t = 0; t < md->topic_cnt; t++) {
    const struct rd_kafka_metadata_topic *mt = &md->topics[t];
    if (mt->err || !wanted(j, mt->topic)) continue;
    for (int p = 0; p < mt->partition_cnt; p++)
      rd_kafka_topic_partition_list_add(parts, mt->topic, mt->partitions[p].id);
  }
  rd_kafka_metadata_destroy(md);
  /* A moving coordinator answers NOT_COORDINATOR (or is loading); rd_kafka_committed() reports
   * that instead of retrying, while its consumer group looks the new one up. Retry a few times. */
  for (int attempt = 0; parts->cnt && attempt < COORDINATOR_RETRIES; attempt++) {
    int left = remaining_ms(deadline);
    if (left <= 0) break; /* err still holds the last answer */
    err = rd_kafka_committed(rk, parts, left);
    for (int i = 0; !err && i < parts->cnt; i++) err = parts->elems[i].err;
    if (!coordinator_moving(err)) break;
    for (int i = 0; i < parts->cnt; i++) parts->elems[i].err = RD_KAFKA_RESP_ERR_NO_ERROR;
    uv_sleep(COORDINATOR_BACKOFF_MS); /* a threadpool thread, never the loop */
  }
  if (err) {
    snprintf(j->errmsg, sizeof j->errmsg, "%s", rd_kafka_err2str(err));
    rd_kafka_topic_partition_list_destroy(parts);
    goto out;
  }
  j->result = rd_kafka_topic_partition_list_new(parts->cnt ? parts->cnt : 1);
  for (int i = 0; i < parts->cnt; i++) {
    const rd_kafka_topic_partition_t *e = &parts->elems[i];
    if (e->err) {
      snprintf(j->errmsg, sizeof j->errmsg, "%s [%d]: %s", e->topic, (int)e->partition,
               rd_kafka_err2str(e->err));
      break;
    }
    if (e->offset >= 0)
      rd_kafka_topic_partition_list_add(j->result, e->topic, e->partition)->offset = e->offset;
  }
  rd_kafka_topic_partition_list_destroy(parts);
  if (j->result->cnt > 1)
    qsort(j->result->elems, (size_t)j->result->cnt, sizeof *j->result->elems, cmp_part);
out:
  /* Never subscribed: there is no membership to leave, so skip the consumer close. */
  rd_kafka_destroy_flags(rk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
}

static void after_read(uv_work_t *w, int status) {
  job_t *j = w->data;
  if (status && !j->errmsg[0]) snprintf(j->errmsg, sizeof j->errmsg, "%s", uv_strerror(status));
  if (j->errmsg[0])
    j->cb(j->arg, j->errmsg, NULL);
  else
    j->cb(j->arg, NULL, j->result);
  job_free(j);
}

int kc_group_offsets_read(uv_loop_t *loop, rd_kafka_conf_t *conf, const char *group,
                          char **topics, const char *topics_regex, int timeout_ms,
                          kc_group_offsets_read_cb cb, void *arg) {
  job_t *j = calloc(1, sizeof *j);
  if (!j) {
    rd_kafka_conf_destroy(conf);
    kc_config_list_free(topics);
    return KC_ENOMEM;
  }
  j->conf = conf;
  j->topics = topics;
  j->timeout_ms = timeout_ms;
  j->cb = cb;
  j->arg = arg;
  char es[256];
  int rc = (!group || !*group) ? KC_EINVAL : 0;
  if (!rc && rd_kafka_conf_set(conf, "group.id", group, es, sizeof es) != RD_KAFKA_CONF_OK)
    rc = KC_EINVAL;
  if (!rc && topics_regex && *topics_regex) {
    char why[512];
    if (!(j->regex = kc_jregex_compile(topics_regex, why, sizeof why))) rc = KC_EINVAL;
  }
  j->work.data = j;
  if (!rc && uv_queue_work(loop, &j->work, do_read, after_read) != 0) rc = KC_ENOMEM;
  if (rc) job_free(j);
  return rc;
}
