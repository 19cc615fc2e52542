/*
 * KafkaOffsetBackingStore (storage/KafkaOffsetBackingStore.java; connect-runtime.md 5.2): the
 * offset store's map backed by the offset topic. Every record read (ours and other workers')
 * updates the map; a flush sends one record per entry staged since the last flush, keys and
 * values exactly the bytes the runner built (Java's key JSON), so the key's murmur2 picks the
 * partition a Java worker picks and compaction keeps one record per source partition.
 * Also kc_offset_store_refresh() and kc_offset_store_stop() for every backend.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "worker/kafka_log.h"
#include "worker/offset_store_internal.h"

#define LOGGER "kc.offsets"

typedef struct {
  kc_offset_store_t *st; /* NULL once the store was closed: late callbacks only free */
  kc_klog_t *log;
  kc_offset_ready_cb ready_cb;
  void *ready_arg;
  bool start_called, stopping, stopped, free_when_stopped;
  void (*stop_cb)(void *arg);
  void *stop_arg;
  size_t inflight; /* records of the running flush */
  int status;
  char msg[512];
} kimpl_t;

typedef struct {
  kimpl_t *k;
  size_t klen;
  uint8_t key[];
} ksend_t;

static const backend_ops_t kafka_ops;

static void kafka_write_finished(kimpl_t *k) {
  kc_offset_store_t *st = k->st;
  if (k->status) snprintf(st->last_error, sizeof st->last_error, "%s", k->msg);
  int status = k->status;
  k->status = 0;
  kc__offset_store_write_done(st, status);
}

/* A record that did not make it: the key is owed again at the next flush, with whatever value
 * the map holds then. */
static void restage(kc_offset_store_t *st, const void *key, size_t klen) {
  entry_t *e = kc__offset_store_find(st, key, klen);
  if (e) e->dirty = true;
  else (void)kc__offset_store_tombstone_add(st, key, klen);
}

static void on_sent(void *arg, int status, const char *errmsg) {
  ksend_t *s = arg;
  kimpl_t *k = s->k;
  if (k->st) {
    if (status) {
      if (!k->status) {
        k->status = status;
        snprintf(k->msg, sizeof k->msg, "Failed to write offsets to topic %s: %s", kc_klog_topic(k->log),
                 errmsg ? errmsg : kc_strerror(status));
      }
      restage(k->st, s->key, s->klen);
    }
    if (--k->inflight == 0) kafka_write_finished(k);
  }
  free(s);
}

static int send_one(kimpl_t *k, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen) {
  ksend_t *s = malloc(sizeof *s + klen);
  if (!s) return KC_ENOMEM;
  s->k = k;
  s->klen = klen;
  memcpy(s->key, key, klen);
  int rc = kc_klog_send(k->log, key, klen, val, vlen, on_sent, s);
  if (rc) free(s);
  else k->inflight++;
  return rc;
}

typedef struct {
  kimpl_t *k;
  int rc;
  size_t n;
} collect_t;

static void send_dirty(void *arg, entry_t *e) {
  collect_t *c = arg;
  if (!e->dirty) return;
  e->dirty = false;
  int rc = send_one(c->k, e->key, e->klen, e->val, e->vlen);
  if (rc) {
    e->dirty = true;
    if (!c->rc) c->rc = rc;
  }
  c->n++;
}

static int kafka_write(kc_offset_store_t *st) {
  kimpl_t *k = st->impl;
  collect_t c = {k, 0, 0};
  k->status = 0;
  kc__offset_store_each_entry(st, send_dirty, &c);
  kc__offset_tomb_t *t = st->tombs, *keep = NULL;
  st->tombs = NULL;
  while (t) {
    kc__offset_tomb_t *next = t->next;
    c.n++;
    int rc = send_one(k, t->key, t->klen, NULL, 0);
    if (rc) {
      if (!c.rc) c.rc = rc;
      t->next = keep;
      keep = t;
    } else {
      free(t);
    }
    t = next;
  }
  st->tombs = keep;
  if (c.rc) {
    snprintf(st->last_error, sizeof st->last_error, "Failed to write offsets to topic %s: %s",
             kc_klog_topic(k->log), kc_strerror(c.rc));
    kc_log_error(LOGGER, "%s", st->last_error);
  }
  if (k->inflight == 0) {
    if (c.rc) return c.rc; /* nothing went out: flush() reports it */
    return kc__offset_store_mem_write(st); /* nothing staged: answered on the next loop turn */
  }
  if (c.rc) {
    k->status = c.rc;
    snprintf(k->msg, sizeof k->msg, "%s", st->last_error);
  }
  return 0;
}

static void free_impl(kimpl_t *k) {
  kc_klog_destroy(k->log);
  free(k);
}

static void on_stopped(void *arg) {
  kimpl_t *k = arg;
  k->stopped = true;
  void (*cb)(void *) = k->stop_cb;
  k->stop_cb = NULL;
  if (cb) cb(k->stop_arg);
  if (k->free_when_stopped) free_impl(k);
}

static void kafka_destroy(kc_offset_store_t *st) {
  kimpl_t *k = st->impl;
  if (!k) return;
  k->st = NULL;
  if (!k->start_called || k->stopped) {
    free_impl(k);
    return;
  }
  k->free_when_stopped = true;
  if (!k->stopping) {
    k->stopping = true;
    kc_klog_stop(k->log, on_stopped, k);
  }
}

static const backend_ops_t kafka_ops = {"kafka", kafka_write, kafka_destroy};

static void on_record(void *arg, const rd_kafka_message_t *m) {
  kimpl_t *k = arg;
  if (!k->st || !m->key) return; /* a null key is no source partition */
  /* Tombstones remove the partition; a staged local value is kept until it is flushed. */
  if (kc__offset_store_put(k->st, m->key, m->key_len, m->payload, m->len, false) != 0)
    kc_log_error(LOGGER, "Out of memory reading offsets (topic %s, partition %d, offset %lld)",
                 kc_klog_topic(k->log), (int)m->partition, (long long)m->offset);
}

static void on_started(void *arg, int status, const char *errmsg) {
  kimpl_t *k = arg;
  if (!k->st) return; /* closed meanwhile: nobody to tell */
  if (!status)
    kc_log_info(LOGGER, "Finished reading offsets topic and starting KafkaOffsetBackingStore (%zu offsets)",
                k->st->count);
  if (k->ready_cb) k->ready_cb(k->ready_arg, status, errmsg);
}

kc_offset_store_t *kc_offset_store_kafka_open(uv_loop_t *loop, const kc_config_t *worker_props,
                                              const struct kc_klog_config_s *topic, kc_offset_ready_cb ready_cb,
                                              void *arg, char *errstr, size_t n) {
  kc_offset_store_t *st = kc__offset_store_new(loop, &kafka_ops);
  kimpl_t *k = st ? calloc(1, sizeof *k) : NULL;
  if (!k) {
    snprintf(errstr, n, "out of memory");
    if (st) kc_offset_store_close(st);
    return NULL;
  }
  st->track_dirty = true;
  st->impl = k;
  k->st = st;
  k->ready_cb = ready_cb;
  k->ready_arg = arg;
  kc_klog_config_t cfg = *topic;
  cfg.role = "offset";
  k->log = kc_klog_create(loop, worker_props, &cfg, on_record, k, errstr, n);
  if (!k->log) {
    kc_offset_store_close(st);
    return NULL;
  }
  kc_log_info(LOGGER, "Starting KafkaOffsetBackingStore");
  int rc = kc_klog_start(k->log, on_started, k);
  k->start_called = true;
  if (rc) {
    snprintf(errstr, n, "Cannot start reading offset topic %s: %s", cfg.topic, kc_strerror(rc));
    k->start_called = true;
    kc_offset_store_close(st);
    return NULL;
  }
  return st;
}

/* ---- refresh and stop, for every backend ------------------------------------- */

typedef struct {
  uv_timer_t timer;
  kc_offset_ready_cb cb;
  void (*stop_cb)(void *arg);
  void *arg;
} later_t;

static void later_closed(uv_handle_t *h) { free(h->data); }

static void later_fire(uv_timer_t *t) {
  later_t *l = t->data;
  if (l->cb) l->cb(l->arg, 0, NULL);
  if (l->stop_cb) l->stop_cb(l->arg);
  uv_close((uv_handle_t *)&l->timer, later_closed);
}

static int later(uv_loop_t *loop, kc_offset_ready_cb cb, void (*stop_cb)(void *), void *arg) {
  later_t *l = calloc(1, sizeof *l);
  if (!l) return KC_ENOMEM;
  l->cb = cb;
  l->stop_cb = stop_cb;
  l->arg = arg;
  uv_timer_init(loop, &l->timer);
  l->timer.data = l;
  uv_timer_start(&l->timer, later_fire, 0, 0);
  return 0;
}

int kc_offset_store_refresh(kc_offset_store_t *st, kc_offset_ready_cb cb, void *arg) {
  if (st->ops != &kafka_ops) return later(st->loop, cb, NULL, arg);
  kimpl_t *k = st->impl;
  return kc_klog_read_to_end(k->log, cb, arg);
}

void kc_offset_store_stop(kc_offset_store_t *st, void (*cb)(void *arg), void *arg) {
  if (st->ops != &kafka_ops) {
    if (later(st->loop, NULL, cb, arg) != 0 && cb) cb(arg);
    return;
  }
  kimpl_t *k = st->impl;
  if (k->stopping || !k->start_called) {
    if (cb) later(st->loop, NULL, cb, arg);
    return;
  }
  k->stopping = true;
  k->stop_cb = cb;
  k->stop_arg = arg;
  kc_log_info(LOGGER, "Stopping KafkaOffsetBackingStore");
  kc_klog_stop(k->log, on_stopped, k);
}
