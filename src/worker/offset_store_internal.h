/*
 * The OffsetBackingStore core shared by the backends: offset_store.c (map, flush bookkeeping,
 * memory and file backends) and offset_store_kafka.c (the offset topic). Not for other modules.
 */
#ifndef KC_WORKER_OFFSET_STORE_INTERNAL_H
#define KC_WORKER_OFFSET_STORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "worker/offset_store.h"

typedef struct entry_s {
  struct entry_s *next;
  uint64_t hash;
  uint8_t *val;
  size_t vlen, klen;
  bool dirty; /* Kafka backend: staged by set() since the last flush */
  uint8_t key[];
} entry_t;

/* Kafka backend: a key removed by set(key, NULL) since the last flush (its tombstone is owed). */
typedef struct kc__offset_tomb_s {
  struct kc__offset_tomb_s *next;
  size_t klen;
  uint8_t key[];
} kc__offset_tomb_t;

typedef struct flush_req_s {
  struct flush_req_s *next;
  kc_offset_flush_cb cb;
  void *arg;
} flush_req_t;

/*
 * A backend writes the store's current map (a snapshot taken when write() is
 * called) and reports through kc__offset_store_write_done(), never from inside
 * write(). write() returns 0 or a KC_E* for a failure that happened before any I/O.
 */
typedef struct {
  const char *name;
  int (*write)(kc_offset_store_t *st);
  void (*destroy)(kc_offset_store_t *st);
} backend_ops_t;

struct kc_offset_store_s {
  uv_loop_t *loop;
  const backend_ops_t *ops;
  void *impl; /* backend state */

  entry_t **buckets;
  size_t nbuckets, count;
  bool track_dirty;          /* the Kafka backend: set() marks entries dirty, records tombstones */
  kc__offset_tomb_t *tombs;  /* staged removals (track_dirty only) */

  flush_req_t *inflight;                /* answered by the running write */
  flush_req_t *pending, **pending_tail; /* requested during it: one more write */
  int writing;
  int in_callbacks; /* flush callbacks are running: close and flush are deferred */
  int closing;
  unsigned long writes;
  char last_error[512];
};

kc_offset_store_t *kc__offset_store_new(uv_loop_t *loop, const backend_ops_t *ops);
void kc__offset_store_write_done(kc_offset_store_t *st, int status);
/** A write with nothing to send: completes on the next loop turn. */
int kc__offset_store_mem_write(kc_offset_store_t *st);
/** set() (@p staged) or a record read from the topic (never replaces a staged entry). */
int kc__offset_store_put(kc_offset_store_t *st, const void *key, size_t klen, const void *val,
                         size_t vlen, bool staged);
int kc__offset_store_tombstone_add(kc_offset_store_t *st, const void *key, size_t klen);
entry_t *kc__offset_store_find(kc_offset_store_t *st, const void *key, size_t klen);
void kc__offset_store_each_entry(kc_offset_store_t *st, void (*fn)(void *arg, entry_t *e), void *arg);

#endif
