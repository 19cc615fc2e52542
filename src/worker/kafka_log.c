/*
 * KafkaBasedLog on the loop (kafka_log.h). Three librdkafka handles, like Java's three clients:
 * a short-lived admin handle for topic creation and the cleanup.policy check, a consumer that
 * reads every partition from the beginning with the legacy per-partition API (librdkafka's
 * assign() needs a group, and this log must never touch one), and a producer.
 *
 * Read to end, as KafkaBasedLog.readToEnd(): wait until every send made before the request has
 * been acknowledged (Java's producer.flush()), query the end offsets (watermarks, on the
 * threadpool), then wait until the consumer position of every partition reached them. The
 * position is the offset after the last record passed on, or the fetch position a
 * PARTITION_EOF reports, so compacted-away or control records at the tail do not stall it.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/kafka_conf.h"
#include "kafka/kqueue.h"
#include "util/log.h"
#include "worker/kafka_log.h"
#include "worker/kafka_log_internal.h"

#define LOGGER "kc.kafkabasedlog"
#define CONSUME_BATCH 256
#define CONSUME_BUDGET 5000      /* records per loop callback (K8) */
#define DR_BUDGET 5000
#define END_OFFSETS_TIMEOUT_MS 30000
#define STOP_FLUSH_TIMEOUT_MS 10000

typedef struct send_s {
  struct send_s *prev, *next;
  uint64_t id;
  kc_store_done_cb cb;
  void *arg;
} send_t;

typedef enum { R_WAIT_FLUSH, R_WAIT_OFFSETS, R_IN_QUERY, R_WAIT_POSITION } rte_state_t;

typedef struct rte_s {
  struct rte_s *next;
  rte_state_t state;
  uint64_t last_send; /* sends with an id <= this one must be acknowledged first */
  int64_t *ends;
  kc_store_done_cb cb;
  void *arg;
} rte_t;

typedef struct stop_waiter_s {
  struct stop_waiter_s *next;
  void (*cb)(void *arg);
  void *arg;
} stop_waiter_t;

/* ---- small helpers ----------------------------------------------------------- */

const char *kc_klog_topic_key(const char *role) {
  if (role && strcmp(role, "offset") == 0) return "offset.storage.topic";
  if (role && strcmp(role, "status") == 0) return "status.storage.topic";
  return "config.storage.topic";
}

const char *kc__klog_purpose(const char *role) {
  if (role && strcmp(role, "offset") == 0) return "source connector offsets";
  if (role && strcmp(role, "status") == 0) return "connector and task statuses";
  return "connector configurations";
}

void kc__klog_log_event(const kc_klog_t *l, const char *client, rd_kafka_event_t *ev) {
  switch (rd_kafka_event_type(ev)) {
    case RD_KAFKA_EVENT_ERROR:
      kc_log(rd_kafka_event_error_is_fatal(ev) ? KC_LOG_ERROR : KC_LOG_WARN, LOGGER,
             "KafkaBasedLog %s for topic %s: %s", client, l->topic, rd_kafka_event_error_string(ev));
      break;
    case RD_KAFKA_EVENT_LOG: {
      const char *fac, *str;
      int level;
      rd_kafka_event_log(ev, &fac, &str, &level);
      kc_log(level <= 3 ? KC_LOG_ERROR : level <= 4 ? KC_LOG_WARN : KC_LOG_DEBUG, "librdkafka",
             "[%s %s] %s: %s", l->client_id, client, fac, str);
      break;
    }
    default:
      break;
  }
}

/* The consumer drains with consume_batch_queue, which hands logs and errors to these. */
static void consumer_log_cb(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  (void)rk;
  kc_log(level <= 3 ? KC_LOG_ERROR : level <= 4 ? KC_LOG_WARN : KC_LOG_DEBUG, "librdkafka",
         "[consumer] %s: %s", fac, buf);
}

static void consumer_error_cb(rd_kafka_t *rk, int err, const char *reason, void *opaque) {
  (void)rk;
  kc_klog_t *l = opaque;
  kc_log_warn(LOGGER, "KafkaBasedLog consumer for topic %s: %s (%s)", l->topic, reason,
              rd_kafka_err2name((rd_kafka_resp_err_t)err));
}

static int conf_set(rd_kafka_conf_t *c, const char *k, const char *v, char *errstr, size_t n) {
  char es[256];
  if (rd_kafka_conf_set(c, k, v, es, sizeof es) == RD_KAFKA_CONF_OK) return 0;
  snprintf(errstr, n, "KafkaBasedLog: cannot set %s=%s: %s", k, v, es);
  return KC_EINVAL;
}

/* ---- create / destroy -------------------------------------------------------- */

kc_klog_t *kc_klog_create(uv_loop_t *loop, const kc_config_t *worker_props, const kc_klog_config_t *cfg,
                          kc_klog_record_cb record_cb, void *arg, char *errstr, size_t n) {
  if (!cfg || !cfg->topic || !*cfg->topic) {
    /* Each store's own ConfigException text */
    const char *role = cfg && cfg->role ? cfg->role : "config";
    snprintf(errstr, n, "%s", strcmp(role, "offset") == 0   ? "Offset storage topic must be specified"
                              : strcmp(role, "status") == 0 ? "Must specify topic for connector status."
                                                            : "Must specify topic for connector configuration.");
    return NULL;
  }
  kc_klog_t *l = calloc(1, sizeof *l);
  if (!l) {
    snprintf(errstr, n, "out of memory");
    return NULL;
  }
  l->loop = loop;
  l->record_cb = record_cb;
  l->arg = arg;
  l->nparts = -1;
  l->is_config = !cfg->role || strcmp(cfg->role, "config") == 0;
  l->is_status = cfg->role && strcmp(cfg->role, "status") == 0;
  l->topic = strdup(cfg->topic);
  l->role = strdup(cfg->role ? cfg->role : "config");
  l->client_id = strdup(cfg->client_id ? cfg->client_id : "connect-cluster-configs");
  l->want_partitions = l->is_config ? 1 : cfg->partitions;
  l->replication_factor = cfg->replication_factor;
  l->settings = cfg->topic_settings ? kc_config_copy(cfg->topic_settings) : kc_config_new();
  l->rte_tail = &l->rtes;
  if (!l->topic || !l->role || !l->client_id || !l->settings) {
    snprintf(errstr, n, "out of memory");
    kc_klog_destroy(l);
    return NULL;
  }
  int rc = kc_kafka_conf_build(worker_props, KC_KAFKA_PRODUCER, NULL, &l->pconf, errstr, n);
  if (!rc) rc = kc_kafka_conf_build(worker_props, KC_KAFKA_CONSUMER, NULL, &l->cconf, errstr, n);
  if (!rc) rc = kc_kafka_conf_build(worker_props, KC_KAFKA_ADMIN, NULL, &l->aconf, errstr, n);
  /* Java's settings for these logs, forced over the user's: acks=all and one request in flight
   * keep the write order (KafkaBasedLog.createProducer), idempotence off (every store); config
   * and offset writes never time out, status writes are not retried by the client (the status
   * store retries itself unless superseded). murmur2_random is Java's partitioner for keyed
   * records, so a key lands on the partition a Java worker picks. */
  if (!rc) rc = conf_set(l->pconf, "client.id", l->client_id, errstr, n);
  if (!rc) rc = conf_set(l->pconf, "acks", "all", errstr, n);
  if (!rc) rc = conf_set(l->pconf, "max.in.flight.requests.per.connection", "1", errstr, n);
  if (!rc) rc = conf_set(l->pconf, "enable.idempotence", "false", errstr, n);
  if (!rc) rc = conf_set(l->pconf, "partitioner", "murmur2_random", errstr, n);
  if (!rc && l->is_status) rc = conf_set(l->pconf, "retries", "0", errstr, n);
  if (!rc && !l->is_status) rc = conf_set(l->pconf, "message.timeout.ms", "0", errstr, n);
  if (!rc) rc = conf_set(l->pconf, "log.queue", "true", errstr, n);
  if (!rc) rc = conf_set(l->cconf, "client.id", l->client_id, errstr, n);
  if (!rc) rc = conf_set(l->cconf, "enable.partition.eof", "true", errstr, n);
  if (!rc) rc = conf_set(l->cconf, "auto.offset.reset", "earliest", errstr, n);
  if (!rc) rc = conf_set(l->cconf, "log.queue", "true", errstr, n);
  if (!rc) rc = conf_set(l->aconf, "client.id", l->client_id, errstr, n);
  if (!rc) rc = conf_set(l->aconf, "log.queue", "true", errstr, n);
  if (rc) {
    kc_klog_destroy(l);
    return NULL;
  }
  rd_kafka_conf_set_events(l->pconf, RD_KAFKA_EVENT_DR | RD_KAFKA_EVENT_ERROR | RD_KAFKA_EVENT_LOG);
  rd_kafka_conf_set_log_cb(l->cconf, consumer_log_cb);
  rd_kafka_conf_set_error_cb(l->cconf, consumer_error_cb);
  rd_kafka_conf_set_opaque(l->cconf, l);
  return l;
}

void kc_klog_destroy(kc_klog_t *l) {
  if (!l) return;
  if (l->pconf) rd_kafka_conf_destroy(l->pconf);
  if (l->cconf) rd_kafka_conf_destroy(l->cconf);
  if (l->aconf) rd_kafka_conf_destroy(l->aconf);
  kc_config_destroy(l->settings);
  free(l->pos);
  free(l->topic);
  free(l->role);
  free(l->client_id);
  free(l);
}

int32_t kc_klog_partitions(const kc_klog_t *l) { return l->nparts; }
const char *kc_klog_topic(const kc_klog_t *l) { return l->topic; }

void kc_klog_skip(const kc_klog_t *l, const rd_kafka_message_t *m, const char *logger, const char *fmt, ...) {
  char why[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, sizeof why, fmt, ap);
  va_end(ap);
  kc_log(KC_LOG_ERROR, logger, "%s (topic %s, partition %d, offset %lld)", why, l->topic, (int)m->partition,
         (long long)m->offset);
}

/* ---- read to end ------------------------------------------------------------- */

static void rte_progress(kc_klog_t *l);

typedef struct {
  uv_work_t work;
  kc_klog_t *l;
  int32_t nparts;
  int64_t *ends;
  rd_kafka_resp_err_t err;
  int32_t err_part;
} ends_job_t;

static bool retriable(rd_kafka_resp_err_t e) {
  return e == RD_KAFKA_RESP_ERR__TIMED_OUT || e == RD_KAFKA_RESP_ERR__TRANSPORT ||
         e == RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE ||
         e == RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION ||
         e == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ||
         e == RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT || e == RD_KAFKA_RESP_ERR__WAIT_COORD ||
         e == RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION || e == RD_KAFKA_RESP_ERR__NODE_UPDATE;
}

/* Threadpool: rd_kafka_query_watermark_offsets blocks (K12). Retried as Java's work thread
 * retries timeouts and retriable errors, within one deadline. Asked through the producer's
 * connections: the consumer's connection to the leader usually carries a fetch the broker holds
 * for up to fetch.wait.max.ms, and the broker answers one request per connection in order
 * (KafkaBasedLog.readEndOffsets uses the admin client for the same reason). */
static void ends_work(uv_work_t *w) {
  ends_job_t *j = w->data;
  uint64_t deadline = uv_hrtime() + (uint64_t)END_OFFSETS_TIMEOUT_MS * 1000000ull;
  unsigned backoff = 100;
  for (int32_t p = 0; p < j->nparts; p++) {
    for (;;) {
      int64_t lo = 0, hi = 0;
      uint64_t now = uv_hrtime();
      int left = now >= deadline ? 0 : (int)((deadline - now) / 1000000ull);
      j->err = left <= 0 ? RD_KAFKA_RESP_ERR__TIMED_OUT
                         : rd_kafka_query_watermark_offsets(j->l->producer, j->l->topic, p, &lo, &hi,
                                                            left < 10000 ? left : 10000);
      if (!j->err) {
        j->ends[p] = hi;
        break;
      }
      if (!retriable(j->err) || uv_hrtime() >= deadline) {
        j->err_part = p;
        return;
      }
      uv_sleep(backoff); /* a threadpool thread, never the loop */
      if (backoff < 1000) backoff *= 2;
    }
  }
}

static void ends_done(uv_work_t *w, int status) {
  ends_job_t *j = w->data;
  kc_klog_t *l = j->l;
  l->jobs--;
  l->ends_running = false;
  if (status && !j->err) j->err = RD_KAFKA_RESP_ERR__FAIL;
  rte_t *done = NULL, **dtail = &done;
  char msg[512] = "";
  if (j->err)
    snprintf(msg, sizeof msg, "Failed to read the end offsets of topic '%s' partition %d: %s",
             l->topic, (int)j->err_part, rd_kafka_err2str(j->err));
  for (rte_t **pp = &l->rtes; *pp;) {
    rte_t *r = *pp;
    if (r->state != R_IN_QUERY) {
      pp = &r->next;
      continue;
    }
    if (!j->err) {
      memcpy(r->ends, j->ends, (size_t)j->nparts * sizeof *r->ends);
      r->state = R_WAIT_POSITION;
      pp = &r->next;
      continue;
    }
    *pp = r->next; /* failed: answered below */
    r->next = NULL;
    *dtail = r;
    dtail = &r->next;
  }
  l->rte_tail = &l->rtes;
  while (*l->rte_tail) l->rte_tail = &(*l->rte_tail)->next;
  rd_kafka_resp_err_t err = j->err;
  free(j->ends);
  free(j);
  if (err) kc_log_warn(LOGGER, "%s", msg);
  for (rte_t *r = done, *next; r; r = next) {
    next = r->next;
    r->cb(r->arg, err == RD_KAFKA_RESP_ERR__TIMED_OUT ? KC_ETIMEDOUT : KC_EIO, msg);
    free(r->ends);
    free(r);
  }
  if (l->state == KLOG_STOPPING) kc__klog_stop_continue(l);
  else rte_progress(l);
}

static bool reached(const kc_klog_t *l, const rte_t *r) {
  for (int32_t p = 0; p < l->nparts; p++)
    if (l->pos[p] < r->ends[p]) return false;
  return true;
}

/* Moves every request as far as it can go; answers the finished ones in request order. */
static void rte_progress(kc_klog_t *l) {
  if (l->in_progress) {
    l->progress_again = true;
    return;
  }
  l->in_progress = true;
  do {
    l->progress_again = false;
    uint64_t oldest = l->send_head ? l->send_head->id : UINT64_MAX;
    bool want_query = false;
    rte_t *done = NULL, **dtail = &done;
    for (rte_t **pp = &l->rtes; *pp;) {
      rte_t *r = *pp;
      if (r->state == R_WAIT_FLUSH && oldest > r->last_send) r->state = R_WAIT_OFFSETS;
      if (r->state == R_WAIT_OFFSETS) want_query = true;
      if (r->state == R_WAIT_POSITION && reached(l, r)) {
        *pp = r->next;
        r->next = NULL;
        *dtail = r;
        dtail = &r->next;
        continue;
      }
      pp = &r->next;
    }
    l->rte_tail = &l->rtes;
    while (*l->rte_tail) l->rte_tail = &(*l->rte_tail)->next;
    if (want_query && !l->ends_running && l->state != KLOG_STOPPING) {
      ends_job_t *j = calloc(1, sizeof *j);
      int64_t *ends = j ? calloc((size_t)l->nparts, sizeof *ends) : NULL;
      if (ends) {
        j->l = l;
        j->nparts = l->nparts;
        j->ends = ends;
        j->work.data = j;
        if (uv_queue_work(l->loop, &j->work, ends_work, ends_done) == 0) {
          l->ends_running = true;
          l->jobs++;
          for (rte_t *r = l->rtes; r; r = r->next)
            if (r->state == R_WAIT_OFFSETS) r->state = R_IN_QUERY;
        } else {
          free(ends);
          free(j);
        }
      } else {
        free(j);
      }
      /* On failure to queue, the requests stay waiting and the next event retries. */
    }
    for (rte_t *r = done, *next; r; r = next) {
      next = r->next;
      r->cb(r->arg, 0, NULL);
      free(r->ends);
      free(r);
    }
  } while (l->progress_again);
  l->in_progress = false;
}

int kc__klog_read_to_end_any(kc_klog_t *l, kc_store_done_cb cb, void *arg) {
  rte_t *r = calloc(1, sizeof *r);
  if (!r) return KC_ENOMEM;
  r->ends = calloc((size_t)(l->nparts > 0 ? l->nparts : 1), sizeof *r->ends);
  if (!r->ends) {
    free(r);
    return KC_ENOMEM;
  }
  r->state = R_WAIT_FLUSH;
  r->last_send = l->next_send_id;
  r->cb = cb;
  r->arg = arg;
  *l->rte_tail = r;
  l->rte_tail = &r->next;
  rte_progress(l);
  return 0;
}

int kc_klog_read_to_end(kc_klog_t *l, kc_store_done_cb cb, void *arg) {
  if (l->state != KLOG_RUNNING) return KC_ESTATE;
  return kc__klog_read_to_end_any(l, cb, arg);
}

/* ---- consuming --------------------------------------------------------------- */

static void on_consumer(kc_kqueue_t *kq) {
  kc_klog_t *l = kq->data;
  rd_kafka_message_t *msgs[CONSUME_BATCH];
  size_t total = 0;
  for (;;) {
    ssize_t n = rd_kafka_consume_batch_queue(l->cq, 0, msgs, CONSUME_BATCH);
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; i++) {
      rd_kafka_message_t *m = msgs[i];
      int32_t p = m->partition;
      bool known = p >= 0 && p < l->nparts;
      if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        if (known && m->offset > l->pos[p]) l->pos[p] = m->offset;
      } else if (m->err) {
        kc_log_warn(LOGGER, "Error reading topic %s partition %d: %s", l->topic, (int)p,
                    rd_kafka_message_errstr(m));
      } else if (known && l->state != KLOG_STOPPING) {
        if (m->offset + 1 > l->pos[p]) l->pos[p] = m->offset + 1;
        l->record_cb(l->arg, m);
      }
      rd_kafka_message_destroy(m);
    }
    total += (size_t)n;
    if (total >= CONSUME_BUDGET) {
      kc_kqueue_continue(kq);
      break;
    }
    if ((size_t)n < CONSUME_BATCH && rd_kafka_queue_length(l->cq) == 0) break;
  }
  rte_progress(l);
}

/* Loop: after the metadata job. Starts fetching every partition from its beginning into one
 * queue the loop watches (rd_kafka_consume_start_queue does not wait for a reply). */
int kc__klog_assign(kc_klog_t *l, char *errstr, size_t n) {
  l->pos = calloc((size_t)l->nparts, sizeof *l->pos);
  if (!l->pos) {
    snprintf(errstr, n, "out of memory");
    return KC_ENOMEM;
  }
  for (int32_t p = 0; p < l->nparts; p++) {
    if (rd_kafka_consume_start_queue(l->crkt, p, RD_KAFKA_OFFSET_BEGINNING, l->cq) != 0) {
      snprintf(errstr, n, "Cannot read topic '%s' partition %d: %s", l->topic, (int)p,
               rd_kafka_err2str(rd_kafka_last_error()));
      return KC_EIO;
    }
  }
  if (kc_kqueue_init(l->loop, &l->ckq, l->cq, on_consumer, l) != 0) {
    snprintf(errstr, n, "cannot watch the consumer queue");
    return KC_EIO;
  }
  l->ckq_on = true;
  return 0;
}

/* ---- producing --------------------------------------------------------------- */

/* What Java's producer reports as a RetriableException (or its TimeoutException). */
bool kc__klog_retriable(rd_kafka_resp_err_t e) {
  switch (e) {
    case RD_KAFKA_RESP_ERR__MSG_TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TIMED_OUT:
    case RD_KAFKA_RESP_ERR__TRANSPORT:
    case RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN:
    case RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT:
    case RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE:
    case RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS:
    case RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
    case RD_KAFKA_RESP_ERR_NETWORK_EXCEPTION:
    case RD_KAFKA_RESP_ERR_KAFKA_STORAGE_ERROR:
      return true;
    default:
      return false;
  }
}

static void send_unlink(kc_klog_t *l, send_t *s) {
  if (s->prev) s->prev->next = s->next;
  else l->send_head = s->next;
  if (s->next) s->next->prev = s->prev;
  else l->send_last = s->prev;
  l->nsends--;
}

static void on_producer(kc_kqueue_t *kq) {
  kc_klog_t *l = kq->data;
  rd_kafka_event_t *ev;
  size_t budget = DR_BUDGET;
  while (budget > 0 && (ev = rd_kafka_queue_poll(l->pq, 0))) {
    if (rd_kafka_event_type(ev) == RD_KAFKA_EVENT_DR) {
      const rd_kafka_message_t *m;
      while ((m = rd_kafka_event_message_next(ev))) {
        send_t *s = m->_private;
        budget--;
        /* After stop gave up waiting every send was answered and freed: late reports are dropped. */
        if (!s || l->flush_timed_out) continue;
        send_unlink(l, s);
        char msg[512] = "";
        if (m->err) {
          snprintf(msg, sizeof msg, "Failed to write a record to topic '%s': %s", l->topic,
                   rd_kafka_err2str(m->err));
          kc_log_error(LOGGER, "%s", msg);
        }
        if (s->cb) s->cb(s->arg, m->err ? (kc__klog_retriable(m->err) ? KC_EBUSY : KC_EIO) : 0, m->err ? msg : NULL);
        free(s);
      }
    } else {
      kc__klog_log_event(l, "producer", ev);
    }
    rd_kafka_event_destroy(ev);
  }
  if (budget == 0) kc_kqueue_continue(kq);
  if (l->state == KLOG_STOPPING && !l->send_head) kc__klog_stop_continue(l);
  else rte_progress(l);
}

int kc__klog_producer_start(kc_klog_t *l, char *errstr, size_t n) {
  char es[512];
  l->producer = rd_kafka_new(RD_KAFKA_PRODUCER, l->pconf, es, sizeof es);
  if (!l->producer) {
    snprintf(errstr, n, "cannot create the producer for topic '%s': %s", l->topic, es);
    return KC_EINVAL;
  }
  l->pconf = NULL; /* taken by rd_kafka_new */
  rd_kafka_set_log_queue(l->producer, NULL);
  l->pq = rd_kafka_queue_get_main(l->producer);
  if (kc_kqueue_init(l->loop, &l->pkq, l->pq, on_producer, l) != 0) {
    snprintf(errstr, n, "cannot watch the producer queue");
    return KC_EIO;
  }
  l->pkq_on = true;
  return 0;
}

int kc_klog_send(kc_klog_t *l, const void *key, size_t klen, const void *val, size_t vlen, kc_store_done_cb cb,
                 void *arg) {
  if (l->state != KLOG_RUNNING || !l->producer) return KC_ESTATE;
  send_t *s = calloc(1, sizeof *s);
  if (!s) return KC_ENOMEM;
  s->cb = cb;
  s->arg = arg;
  s->id = ++l->next_send_id;
  rd_kafka_resp_err_t err = rd_kafka_producev(
      l->producer, RD_KAFKA_V_TOPIC(l->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_KEY(key, key ? klen : 0), RD_KAFKA_V_VALUE((void *)val, val ? vlen : 0),
      RD_KAFKA_V_OPAQUE(s), RD_KAFKA_V_END);
  if (err) {
    free(s);
    kc_log_error(LOGGER, "Failed to send a record to topic '%s': %s", l->topic, rd_kafka_err2str(err));
    return err == RD_KAFKA_RESP_ERR__QUEUE_FULL ? KC_ENOSPC : KC_EIO;
  }
  s->prev = l->send_last;
  if (l->send_last) l->send_last->next = s;
  else l->send_head = s;
  l->send_last = s;
  l->nsends++;
  return 0;
}

/* ---- stop -------------------------------------------------------------------- */

static void destroy_work(uv_work_t *w) {
  kc_klog_t *l = w->data;
  if (l->crkt) rd_kafka_topic_destroy(l->crkt);
  if (l->consumer) rd_kafka_destroy(l->consumer); /* joins threads: off the loop (K12) */
  if (l->producer) {
    /* Sends stop gave up on: dropped rather than retried for ever (message.timeout.ms=0). */
    rd_kafka_purge(l->producer, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
    rd_kafka_destroy(l->producer);
  }
}

static void destroy_done(uv_work_t *w, int status) {
  (void)status;
  kc_klog_t *l = w->data;
  free(w);
  l->crkt = NULL;
  l->consumer = l->producer = NULL;
  l->state = KLOG_STOPPED;
  stop_waiter_t *ws = l->stop_waiters;
  l->stop_waiters = NULL;
  kc_log_info(LOGGER, "Stopped KafkaBasedLog for topic %s", l->topic);
  while (ws) {
    stop_waiter_t *next = ws->next;
    if (ws->cb) ws->cb(ws->arg);
    free(ws);
    ws = next;
  }
}

static void handle_closed(kc_kqueue_t *kq) {
  kc_klog_t *l = kq->data;
  l->closing--;
  kc__klog_stop_continue(l);
}

static void timer_closed(uv_handle_t *h) {
  kc_klog_t *l = h->data;
  l->closing--;
  kc__klog_stop_continue(l);
}

static void on_stop_timeout(uv_timer_t *t) {
  kc_klog_t *l = t->data;
  l->flush_timed_out = true;
  kc__klog_stop_continue(l);
}

/* Advances the stop as far as it can; called again by every event it waits for. */
void kc__klog_stop_continue(kc_klog_t *l) {
  if (l->state != KLOG_STOPPING || l->stop_step == 3) return;
  if (l->stop_step == 0) {
    if (l->send_head && !l->flush_timed_out) return; /* DRs or the timer call again */
    /* Pending sends past the bound: answered now; their late DRs are never read. */
    while (l->send_head) {
      send_t *s = l->send_head;
      send_unlink(l, s);
      char msg[256];
      snprintf(msg, sizeof msg, "KafkaBasedLog for topic '%s' stopped before the record was acknowledged",
               l->topic);
      if (s->cb) s->cb(s->arg, KC_ETIMEDOUT, msg);
      free(s);
    }
    if (l->jobs > 0) return; /* a threadpool job still uses the handles */
    l->stop_step = 1;
    if (l->ckq_on) {
      l->closing++;
      kc_kqueue_close(&l->ckq, handle_closed);
    }
    if (l->pkq_on) {
      l->closing++;
      kc_kqueue_close(&l->pkq, handle_closed);
    }
    if (l->timer_on) {
      l->closing++;
      uv_close((uv_handle_t *)&l->timer, timer_closed);
    }
    l->ckq_on = l->pkq_on = l->timer_on = false;
  }
  if (l->stop_step == 1) {
    if (l->closing > 0 || l->jobs > 0) return;
    l->stop_step = 2;
    if (l->cq) rd_kafka_queue_destroy(l->cq);
    if (l->pq) rd_kafka_queue_destroy(l->pq);
    l->cq = l->pq = NULL;
    uv_work_t *w = calloc(1, sizeof *w);
    if (w) {
      w->data = l;
      if (uv_queue_work(l->loop, w, destroy_work, destroy_done) == 0) {
        l->stop_step = 3;
        return;
      }
      free(w);
    }
    /* Cannot leave the loop: destroy here (blocks briefly) rather than leak threads. */
    uv_work_t tmp = {.data = l};
    destroy_work(&tmp);
    l->stop_step = 3;
    uv_work_t *w2 = malloc(sizeof *w2);
    if (w2) {
      w2->data = l;
      destroy_done(w2, 0);
    }
  }
}

void kc_klog_stop(kc_klog_t *l, void (*cb)(void *arg), void *arg) {
  if (l->state == KLOG_NEW || l->state == KLOG_STOPPED) {
    l->state = KLOG_STOPPED;
    if (cb) cb(arg);
    return;
  }
  stop_waiter_t *w = calloc(1, sizeof *w);
  if (w) {
    w->cb = cb;
    w->arg = arg;
    w->next = l->stop_waiters;
    l->stop_waiters = w;
  }
  if (l->state == KLOG_STOPPING) return;
  kc_log_info(LOGGER, "Stopping KafkaBasedLog for topic %s", l->topic);
  bool was_starting = l->state == KLOG_STARTING;
  l->state = KLOG_STOPPING;
  kc__klog_admin_detach(l);
  /* Pending read-to-end requests can no longer complete. */
  rte_t *r = l->rtes;
  l->rtes = NULL;
  l->rte_tail = &l->rtes;
  char msg[256];
  snprintf(msg, sizeof msg, "KafkaBasedLog for topic '%s' stopped", l->topic);
  if (was_starting) kc__klog_start_finish(l, KC_ESTATE, msg);
  while (r) {
    rte_t *next = r->next;
    if (r->cb) r->cb(r->arg, KC_ESTATE, msg);
    free(r->ends);
    free(r);
    r = next;
  }
  if (l->send_head && l->timer_on) uv_timer_start(&l->timer, on_stop_timeout, STOP_FLUSH_TIMEOUT_MS, 0);
  kc__klog_stop_continue(l);
}
