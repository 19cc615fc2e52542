/*
 * Source offset storage (OffsetBackingStore): a map of serialized key bytes
 * -> serialized value bytes (connect-runtime.md 5.2), staged in memory and
 * flushed as a whole. Backends: memory, file (standalone, 5.4: Java
 * serialization of HashMap<byte[],byte[]>, so files are shared with Java
 * workers), Kafka topic later. All calls are loop-thread only.
 */
#ifndef KC_WORKER_OFFSET_STORE_H
#define KC_WORKER_OFFSET_STORE_H

#include <stddef.h>
#include <uv.h>

#include "kconnect/connector.h"

typedef struct kc_offset_store_s kc_offset_store_t;

/** Flush completion: status 0 or a KC_E* code. Called exactly once. */
typedef void (*kc_offset_flush_cb)(void *arg, int status);

/**
 * Opens a file store. The file is read synchronously (startup, before the
 * loop runs): missing, empty or truncated files are an empty store (as Java);
 * a file that is not a serialized HashMap<byte[],byte[]> fails with errstr
 * naming the path and the reason.
 */
kc_offset_store_t *kc_offset_store_file_open(uv_loop_t *loop, const char *path, char *errstr,
                                             size_t errstr_size);
/** A memory-only store (MemoryOffsetBackingStore); flush completes at once (via the loop). */
kc_offset_store_t *kc_offset_store_memory_open(uv_loop_t *loop);

/** Looks up @p key. *val borrowed until the next set. @returns 0, KC_ENOENT. */
int kc_offset_store_get(kc_offset_store_t *st, const void *key, size_t klen, const void **val,
                        size_t *vlen);
/** Stages key -> value (copied); @p val NULL is a tombstone (removes). @returns 0 or KC_ENOMEM. */
int kc_offset_store_set(kc_offset_store_t *st, const void *key, size_t klen, const void *val,
                        size_t vlen);
/**
 * Writes the whole map durably: temp file, write, fsync, rename, fsync of the
 * directory, all with uv_fs requests. A flush requested while one runs is
 * coalesced into one more flush after it. @returns 0 (cb will be called) or KC_E*.
 */
int kc_offset_store_flush(kc_offset_store_t *st, kc_offset_flush_cb cb, void *arg);
/** Iterates entries in unspecified order; @p fn returns non-zero to stop. */
void kc_offset_store_foreach(kc_offset_store_t *st,
                             int (*fn)(void *arg, const void *key, size_t klen, const void *val,
                                       size_t vlen),
                             void *arg);
/** Frees the store. No flush may be in flight (callers wait for its cb). */
void kc_offset_store_close(kc_offset_store_t *st);
/** Number of entries. */
size_t kc_offset_store_count(const kc_offset_store_t *st);
/** Number of backend writes completed (coalesced flushes count once), for tests and metrics. */
unsigned long kc_offset_store_write_count(const kc_offset_store_t *st);
/** The reason of the last failed flush ("" if none): names the path, the step and the OS reason. */
const char *kc_offset_store_last_error(const kc_offset_store_t *st);

/* Codec, exposed for tests: Java serialization of HashMap<byte[],byte[]>. */
typedef struct kc_offset_entry_s {
  const void *key; size_t klen;
  const void *val; size_t vlen; /* val NULL = Java null (a decoded key may be null too) */
} kc_offset_entry_t;
/** Appends the serialized map of @p n entries to @p out. @returns 0 or a kc_buf error. */
int kc_offset_codec_encode(const kc_offset_entry_t *entries, size_t n, kc_buf_t *out);
/**
 * Decodes a serialized map; @p fn is called per entry with pointers into @p data.
 * An empty or truncated input is an empty map (returns 0 after the complete entries).
 * @returns 0 or KC_EINVAL with errstr for a stream that is not such a map.
 */
int kc_offset_codec_decode(const void *data, size_t len,
                           int (*fn)(void *arg, const kc_offset_entry_t *e), void *arg,
                           char *errstr, size_t errstr_size);
/**
 * As kc_offset_codec_decode(); also sets *complete (if not NULL) to 1 when the
 * whole map was read and 0 when the input ended early (Java's EOFException:
 * FileOffsetBackingStore then starts with an empty store). A non-zero return
 * of @p fn stops the decoding and is returned.
 */
int kc_offset_codec_decode_ex(const void *data, size_t len,
                              int (*fn)(void *arg, const kc_offset_entry_t *e), void *arg,
                              int *complete, char *errstr, size_t errstr_size);

/* ---- Kafka topic backend (KafkaOffsetBackingStore, 5.2; offset_store_kafka.c) ---- */
struct kc_klog_config_s;
typedef void (*kc_offset_ready_cb)(void *arg, int status, const char *errmsg);

/**
 * Opens the Kafka backend: creates or checks the offset topic (kafka_log.h), then reads the
 * whole topic into the map; @p ready_cb (kc_store_done_cb) once that is done or failed. Until
 * then get() sees a partial map. A flush sends one record per entry staged by
 * kc_offset_store_set() since the last flush (a tombstone for a removed entry), keys and
 * values exactly the bytes given to set (partitioned by Java's murmur2 of the key), and
 * completes when all are acknowledged; entries read from the topic are never re-sent.
 * Records other workers write keep updating the map.
 * @param worker_props borrowed for the call. @param topic copied (role forced to "offset").
 * @returns the store, or NULL with @p errstr (then ready_cb is never called).
 */
kc_offset_store_t *kc_offset_store_kafka_open(uv_loop_t *loop, const kc_config_t *worker_props,
                                              const struct kc_klog_config_s *topic, kc_offset_ready_cb ready_cb,
                                              void *arg, char *errstr, size_t n);
/**
 * Reads the topic to its current end, then @p cb (status 0 or KC_E*) once; memory and file
 * stores: cb on the next loop turn. Used before a source task starts so it sees offsets
 * another worker flushed. @returns 0 or KC_ENOMEM / KC_ESTATE (cb not called).
 */
int kc_offset_store_refresh(kc_offset_store_t *st, kc_offset_ready_cb cb, void *arg);
/**
 * Kafka backend: stops the log (pending sends get up to 10 s), then @p cb once; the store must
 * then be freed with kc_offset_store_close(). Other backends: cb on the next loop turn.
 */
void kc_offset_store_stop(kc_offset_store_t *st, void (*cb)(void *arg), void *arg);

#endif
