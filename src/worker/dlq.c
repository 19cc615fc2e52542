/* The sink dead letter queue (see dlq.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/kafka_conf.h"
#include "config/props.h"
#include "kafka/kqueue.h"
#include "util/log.h"
#include "worker/dlq.h"
#include "worker/worker.h"

typedef struct entry_s {
  char *topic;
  int32_t partition;
  int64_t offset;
  struct entry_s *prev, *next;
} entry_t;

struct kc_dlq_s {
  kc_task_t *task;
  rd_kafka_t *rk;
  rd_kafka_queue_t *q;
  kc_kqueue_t kq;
  uv_work_t destroy_work;
  char *topic;
  int rf;
  bool headers, ready, closing;
  entry_t *head;
  size_t inflight;
  void (*ready_cb)(void *), (*acked_cb)(void *), (*failed_cb)(void *, const char *);
  void *arg;
  void (*done)(void *);
  void *done_arg;
};

bool kc_dlq_ready(const kc_dlq_t *d) { return d->ready; }
size_t kc_dlq_inflight(const kc_dlq_t *d) { return d->inflight; }

int64_t kc_dlq_pending_min(const kc_dlq_t *d, const char *topic, int32_t partition) {
  int64_t m = -1;
  for (const entry_t *e = d->head; e; e = e->next)
    if (e->partition == partition && !strcmp(e->topic, topic) && (m < 0 || e->offset < m)) m = e->offset;
  return m;
}

static void on_created(kc_dlq_t *d, rd_kafka_event_t *ev) {
  const rd_kafka_CreateTopics_result_t *res = rd_kafka_event_CreateTopics_result(ev);
  size_t n = 0;
  const rd_kafka_topic_result_t **tr = res ? rd_kafka_CreateTopics_result_topics(res, &n) : NULL;
  rd_kafka_resp_err_t err = rd_kafka_event_error(ev);
  const char *why = rd_kafka_event_error_string(ev);
  if (!err && n > 0) {
    err = rd_kafka_topic_result_error(tr[0]);
    why = rd_kafka_topic_result_error_string(tr[0]);
  }
  if (err && err != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
    char msg[768];
    snprintf(msg, sizeof msg, "Could not create the dead letter queue topic %s: %s", d->topic,
             why ? why : rd_kafka_err2str(err));
    d->failed_cb(d->arg, msg);
    return;
  }
  if (!err) kc_log_info("kc.task", "[%s] created the dead letter queue topic %s", d->task->label, d->topic);
  d->ready = true;
  d->ready_cb(d->arg);
}

static void on_events(kc_kqueue_t *kq) {
  kc_dlq_t *d = kq->data;
  rd_kafka_event_t *ev;
  int budget = 10000;
  while (budget-- > 0 && d->q && (ev = rd_kafka_queue_poll(d->q, 0))) {
    switch (rd_kafka_event_type(ev)) {
      case RD_KAFKA_EVENT_CREATETOPICS_RESULT:
        on_created(d, ev);
        break;
      case RD_KAFKA_EVENT_DR: {
        const rd_kafka_message_t *m;
        bool acked = false;
        while ((m = rd_kafka_event_message_next(ev))) {
          entry_t *e = m->_private;
          d->inflight--;
          if (m->err) {
            d->task->m.dlq_failures++; /* deadletterqueue-produce-failures */
            char msg[768];
            snprintf(msg, sizeof msg, "Failed to write a record of %s-%d offset %lld to the dead letter queue topic %s: %s",
                     e->topic, (int)e->partition, (long long)e->offset, d->topic, rd_kafka_err2str(m->err));
            d->failed_cb(d->arg, msg);
          } else {
            acked = true;
          }
          /* a failed write keeps blocking its offset: the task is failing anyway */
          if (m->err) continue;
          if (e->prev) e->prev->next = e->next;
          else d->head = e->next;
          if (e->next) e->next->prev = e->prev;
          free(e->topic);
          free(e);
        }
        if (acked) d->acked_cb(d->arg);
        break;
      }
      case RD_KAFKA_EVENT_ERROR:
        if (rd_kafka_event_error_is_fatal(ev)) d->failed_cb(d->arg, rd_kafka_event_error_string(ev));
        else kc_log_warn("kc.task", "[%s] dead letter queue producer: %s", d->task->label, rd_kafka_event_error_string(ev));
        break;
      default:
        break;
    }
    rd_kafka_event_destroy(ev);
  }
  if (budget <= 0) kc_kqueue_continue(kq);
}

int kc_dlq_start(kc_task_t *task, void (*ready)(void *), void (*acked)(void *),
                 void (*failed)(void *, const char *), void *arg, kc_dlq_t **out, char *errstr,
                 size_t n) {
  *out = NULL;
  const kc_config_t *cc = kc_task_conn_config(task);
  const char *topic = kc_config_get(cc, "errors.deadletterqueue.topic.name");
  while (topic && (*topic == ' ' || *topic == '\t')) topic++;
  if (!topic || !*topic) return 0;
  kc_dlq_t *d = calloc(1, sizeof *d);
  if (!d || !(d->topic = strdup(topic))) {
    free(d);
    return KC_ENOMEM;
  }
  size_t tl = strlen(d->topic);
  while (tl && (d->topic[tl - 1] == ' ' || d->topic[tl - 1] == '\t')) d->topic[--tl] = 0;
  int64_t rf = 3;
  kc_config_get_int(cc, "errors.deadletterqueue.topic.replication.factor", &rf);
  d->rf = (int)rf;
  bool hdr = false;
  kc_config_get_bool(cc, "errors.deadletterqueue.context.headers.enable", &hdr);
  d->headers = hdr;
  d->task = task;
  d->ready_cb = ready, d->acked_cb = acked, d->failed_cb = failed, d->arg = arg;
  /* Connect's DLQ producer: the worker's producer settings plus producer.override.* */
  kc_config_t *ovr = kc_config_with_prefix(cc, "producer.override.");
  rd_kafka_conf_t *conf = NULL;
  int rc = kc_kafka_conf_build(task->wk->wc->props, KC_KAFKA_PRODUCER, ovr, &conf, errstr, n);
  kc_config_destroy(ovr);
  char es[512], cid[512];
  snprintf(cid, sizeof cid, "connector-dlq-producer-%s", task->label);
  if (!rc && (rd_kafka_conf_set(conf, "client.id", cid, es, sizeof es) ||
              rd_kafka_conf_set(conf, "enable.idempotence", "true", es, sizeof es) ||
              rd_kafka_conf_set(conf, "log.queue", "true", es, sizeof es))) {
    snprintf(errstr, n, "dead letter queue producer config: %s", es);
    rc = KC_EINVAL;
  }
  if (rc) {
    if (conf) rd_kafka_conf_destroy(conf);
    free(d->topic);
    free(d);
    return rc;
  }
  rd_kafka_conf_set_events(conf, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_CREATETOPICS_RESULT);
  if (!(d->rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, es, sizeof es))) {
    snprintf(errstr, n, "cannot create the dead letter queue producer: %s", es);
    rd_kafka_conf_destroy(conf);
    free(d->topic);
    free(d);
    return KC_EINVAL;
  }
  d->q = rd_kafka_queue_get_main(d->rk);
  kc_kqueue_init(task->wk->loop, &d->kq, d->q, on_events, d);
  /* DeadLetterQueueReporter.createAndSetup: one partition, the configured replication factor */
  rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(d->topic, 1, d->rf, es, sizeof es);
  rd_kafka_AdminOptions_t *opt = rd_kafka_AdminOptions_new(d->rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_CreateTopics(d->rk, &nt, 1, opt, d->q);
  rd_kafka_AdminOptions_destroy(opt);
  rd_kafka_NewTopic_destroy(nt);
  *out = d;
  return 0;
}

static void add_str(rd_kafka_headers_t *h, const char *k, const char *v) {
  rd_kafka_header_add(h, k, -1, v, v ? (ssize_t)strlen(v) : 0);
}

int kc_dlq_report(kc_dlq_t *d, const rd_kafka_message_t *m, const char *stage,
                  const char *executing_class, const char *exception, const char *message) {
  rd_kafka_headers_t *orig = NULL, *h;
  d->task->m.dlq_requests++; /* deadletterqueue-produce-requests; a refused write also a failure */
  h = rd_kafka_message_headers((rd_kafka_message_t *)m, &orig) == RD_KAFKA_RESP_ERR_NO_ERROR
          ? rd_kafka_headers_copy(orig)
          : rd_kafka_headers_new(10);
  if (d->headers) {
    char num[32];
    add_str(h, "__connect.errors.topic", rd_kafka_topic_name(m->rkt));
    snprintf(num, sizeof num, "%d", (int)m->partition);
    add_str(h, "__connect.errors.partition", num);
    snprintf(num, sizeof num, "%lld", (long long)m->offset);
    add_str(h, "__connect.errors.offset", num);
    add_str(h, "__connect.errors.connector.name", d->task->conn->name);
    snprintf(num, sizeof num, "%d", d->task->id);
    add_str(h, "__connect.errors.task.id", num);
    add_str(h, "__connect.errors.stage", stage);
    add_str(h, "__connect.errors.class.name", executing_class);
    add_str(h, "__connect.errors.exception.class.name", exception);
    add_str(h, "__connect.errors.exception.message", message && *message ? message : NULL);
    /* Java's stack trace cannot be reproduced: its first line */
    char trace[1200];
    snprintf(trace, sizeof trace, "%s: %s", exception, message ? message : "");
    add_str(h, "__connect.errors.exception.stacktrace", trace);
  }
  entry_t *e = calloc(1, sizeof *e);
  if (!e || !(e->topic = strdup(rd_kafka_topic_name(m->rkt)))) {
    free(e);
    rd_kafka_headers_destroy(h);
    d->task->m.dlq_failures++;
    return KC_ENOMEM;
  }
  e->partition = m->partition;
  e->offset = m->offset;
  rd_kafka_timestamp_type_t tt;
  int64_t ts = rd_kafka_message_timestamp(m, &tt);
  rd_kafka_resp_err_t err = rd_kafka_producev(
      d->rk, RD_KAFKA_V_TOPIC(d->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(m->key, m->key_len), RD_KAFKA_V_VALUE(m->payload, m->len),
      RD_KAFKA_V_TIMESTAMP(tt == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? 0 : ts), RD_KAFKA_V_HEADERS(h),
      RD_KAFKA_V_OPAQUE(e), RD_KAFKA_V_END);
  if (err) {
    rd_kafka_headers_destroy(h);
    free(e->topic);
    free(e);
    d->task->m.dlq_failures++;
    return err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? KC_EBUSY : KC_EIO;
  }
  e->next = d->head;
  if (d->head) d->head->prev = e;
  d->head = e;
  d->inflight++;
  return 0;
}

static void destroy_work(uv_work_t *w) { rd_kafka_destroy(((kc_dlq_t *)w->data)->rk); }

static void destroy_after(uv_work_t *w, int status) {
  (void)status;
  kc_dlq_t *d = w->data;
  for (entry_t *e = d->head, *nx; e; e = nx) {
    nx = e->next;
    free(e->topic);
    free(e);
  }
  void (*done)(void *) = d->done;
  void *arg = d->done_arg;
  free(d->topic);
  free(d);
  done(arg);
}

static void on_kq_closed(kc_kqueue_t *kq) {
  kc_dlq_t *d = kq->data;
  rd_kafka_queue_destroy(d->q);
  d->q = NULL;
  d->destroy_work.data = d;
  uv_queue_work(d->task->wk->loop, &d->destroy_work, destroy_work, destroy_after);
}

void kc_dlq_close(kc_dlq_t *d, void (*done)(void *), void *arg) {
  d->done = done;
  d->done_arg = arg;
  d->closing = true;
  kc_kqueue_close(&d->kq, on_kq_closed);
}
