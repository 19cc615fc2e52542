/*
 * The S3 sink task: Confluent's S3 sink semantics (object keys, rotation,
 * offsets committed only for complete objects) with records spooled to local
 * files instead of one s3.part.size buffer per open file.
 *
 * Data path: put() -> partitioner -> schema.compatibility (rotate or project)
 * -> writer (one per Kafka partition, route and encoded partition; a route is the
 * topic-partition after topic-changing transforms, which only the object key names)
 * -> format (+gzip; AvroFormat: container blocks) -> a small in-memory chunk
 * -> async spool file writes. Rotation closes every writer of a Kafka partition into a
 * "commit group"; each closed spool file is uploaded (s3_upload.c); when all
 * files of a group and of every group before it are complete, the partition's
 * committable offset advances, and flush() lowers the runtime's offsets to it.
 *
 * Memory: every byte held in chunks (and AvroFormat's open blocks, at most
 * one sync interval each) counts against one process-wide budget (all S3
 * tasks share it), whatever the number of writers; past it put() returns
 * KC_AGAIN until spool writes drain (open Avro blocks are ended early then). Disk: spooled bytes per task are
 * capped by s3.spool.max.bytes the same way.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "format.h"
#include "gzip_stream.h"
#include "object_key.h"
#include "partitioner.h"
#include "s3_config.h"
#include "s3_credentials.h"
#include "s3_upload.h"
#include "spool_dir.h"
#include "tz.h"

#define CHUNK_BYTES (256 * 1024)            /* a writer's chunk is written out past this */
#define MEMORY_BUDGET_DEFAULT (32LL << 20)  /* process-wide chunk bytes */
#define MAX_UPLOADS 8                       /* concurrent uploads per task */

typedef struct s3_task_s s3_task_t;
typedef struct tp_s tp_t;

/*
 * The topic-partition object keys name: the record's after the connector's transforms
 * (kc_sink_record_topic/partition), which a RegexRouter or TimestampRouter makes differ from the
 * Kafka partition the record came from. Files, rotation, commit groups and committed offsets stay
 * with that Kafka partition (tp_t); only the key <topic>/.../<topic>+<partition>+<offset> uses
 * the route. One Kafka partition may feed many routes (TimestampRouter: one per day); a route is
 * fed by one Kafka partition at a time, as two partitions writing the same keys would overwrite
 * each other's objects. Stale multipart uploads are swept per route (its keys are what a dead
 * run of the owner left open), before any upload of ours to it.
 */
typedef enum { SWEEP_WANTED, SWEEP_LISTING, SWEEP_DONE } sweep_t;
typedef struct route_s {
  char *topic;
  int32_t partition;
  tp_t *owner;         /* the Kafka partition whose records go here; NULL once revoked */
  int refs;            /* writers (open or closed) naming keys of this route */
  sweep_t sweep;
  struct route_s *next;
} route_t;

typedef struct group_s {
  int64_t target;      /* offset to commit once every file of this group is uploaded */
  int remaining;       /* files not yet uploaded */
  struct group_s *next;
} group_t;

typedef struct writer_s {
  s3_task_t *st;
  tp_t *tp;            /* NULL once closed (rotated) */
  group_t *group;      /* set when closed; NULL once its partition is revoked */
  tp_t *home;          /* the Kafka partition it belongs to, also after it closed */
  route_t *route;      /* the topic-partition its key names; a reference */
  char *encoded;
  char *key;
  int64_t start_offset;
  char path[1024];
  uv_file fd;
  bool opening, closing_fd, closed, write_busy;
  bool abandon;        /* revoked or stopping: delete, never upload */
  int64_t written;     /* bytes in the spool file */
  kc_buf_t chunk;      /* formatted bytes not yet written */
  kc_buf_t inflight;   /* bytes being written */
  int64_t mem;         /* buffer capacity counted in g_mem_used */
  kc_gzip_stream_t gz;
  bool gz_on;
  kc_s3_avro_file_t avro; /* AvroFormat's container file state */
  bool schema_set;        /* TopicPartitionWriter's currentSchemas has this encoded partition */
  kc_schema_t *schema;    /* ... with this value schema (NULL: schemaless); a reference */
  uv_fs_t req;
  kc_s3_upload_t *upload;
  struct writer_s *next;   /* tp's open writers, or the task's closed list */
} writer_t;

struct tp_s {
  char *topic;
  int32_t partition;
  writer_t *writers;
  int64_t count;         /* records written since the last rotation */
  int64_t base_ts;       /* first record timestamp of the current rotation window; -1 */
  int64_t last_offset;   /* last offset written, -1 */
  char *last_encoded;    /* encoded partition of the last record written, NULL before any */
  route_t *last_route;   /* ... and its route (a file is a route and an encoded partition) */
  int64_t committable;   /* offset safe to commit, -1 */
  group_t *groups, *groups_tail;
  bool owned;            /* assigned to this task (open() or records), until close() */
  tp_t *next;
};

struct s3_task_s {
  kc_tz_t *sched_tz;       /* rotate.schedule.interval.ms time zone when the partitioner has none */
  kc_s3_op_t *head;
  kc_task_t *task;
  kc_s3_conf_t conf;
  kc_s3_partitioner_t *part;
  kc_s3_client_t *client;
  char spool_dir[900];
  char ext[64];
  tp_t *tps;
  route_t *routes;
  writer_t *closed;       /* closed writers: writing out, waiting to upload, uploading */
  int uploads;
  int64_t spool_bytes;
  uint64_t seq;
  bool blocked;           /* put() returned KC_AGAIN */
  bool stopping, failed;
  int pending;            /* async operations that stop must wait for */
  uv_timer_t timer;       /* scheduled rotation / wallclock rotation checks */
  kc_s3_op_t *sweep;      /* the ListMultipartUploads in flight */
  kc_buf_t scratch;
  kc_buf_t datum;         /* AvroFormat: one record's datum */
  kc_avrodata_t *avro;    /* AvroFormat's AvroData (storage sinks' avroDataConfig) */
};

/* One budget for every S3 task in the process. */
static int64_t g_mem_used, g_mem_budget = MEMORY_BUDGET_DEFAULT;

static void writer_pump(writer_t *w);
static void writer_discard(writer_t *w);
static void maybe_stop_done(s3_task_t *st);
static void start_uploads(s3_task_t *st);
static void start_sweep(s3_task_t *st);

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void task_failed(s3_task_t *st, const char *msg) {
  if (st->failed) return;
  st->failed = true;
  kc_task_fail(st->task, msg);
}

static void wake(s3_task_t *st) {
  if (st->blocked && !st->stopping) {
    st->blocked = false;
    kc_task_wakeup(st->task);
  }
}

/* ---- commit groups ---- */

static void group_file_done(s3_task_t *st, group_t *g) {
  g->remaining--;
  bool advanced = false;
  for (tp_t *tp = st->tps; tp; tp = tp->next) {
    /* Groups complete in order: a later rotation never commits past an earlier one's files. */
    while (tp->groups && tp->groups->remaining == 0) {
      group_t *h = tp->groups;
      tp->committable = h->target;
      tp->groups = h->next;
      if (!tp->groups) tp->groups_tail = NULL;
      free(h);
      advanced = true;
    }
  }
  if (advanced) kc_task_request_commit(st->task);
}

/* ---- spool writing ---- */

/* The budget counts what malloc holds (buffer capacity), not just unwritten bytes. */
static void account(writer_t *w) {
  /* The writer itself counts too: thousands of small files waiting to upload add up. */
  int64_t now = (int64_t)(w->chunk.cap + w->inflight.cap + sizeof *w +
                          (w->avro.schema ? kc_avro_ocf_mem(&w->avro.ocf) : 0));
  g_mem_used += now - w->mem;
  w->mem = now;
}

static void route_unref(s3_task_t *st, route_t *r);

static void writer_free(writer_t *w) {
  route_unref(w->st, w->route);
  g_mem_used -= w->mem;
  kc_buf_free(&w->chunk);
  kc_buf_free(&w->inflight);
  if (w->gz_on) kc_gzip_stream_end(&w->gz);
  kc_s3_avro_file_free(&w->avro);
  kc_schema_decref(w->schema);
  kc_s3_upload_free(w->upload);
  free(w->encoded);
  free(w->key);
  free(w);
}

static void unlink_done(uv_fs_t *req) {
  writer_t *w = req->data;
  s3_task_t *st = w->st;
  uv_fs_req_cleanup(req);
  st->pending--;
  st->spool_bytes -= w->written;
  writer_free(w);
  wake(st);
  maybe_stop_done(st);
}

static void remove_closed(s3_task_t *st, writer_t *w) {
  writer_t **pp = &st->closed;
  while (*pp && *pp != w) pp = &(*pp)->next;
  if (*pp) *pp = w->next;
}

static void on_upload(kc_s3_upload_t *u, int status, const char *error, void *arg) {
  writer_t *w = arg;
  s3_task_t *st = w->st;
  st->uploads--;
  st->pending--;
  if (status == 0 && w->group) {
    kc_task_log(st->task, KC_LOG_DEBUG, "uploaded s3://%s/%s (%lld bytes)", st->conf.bucket, w->key,
                (long long)w->written);
    group_file_done(st, w->group);
  } else if (status != 0 && !st->stopping && !w->abandon) {
    task_failed(st, error);
  }
  writer_discard(w);
  start_uploads(st);
}

static void start_uploads(s3_task_t *st) {
  if (st->stopping || st->failed) return;
  for (writer_t *w = st->closed; w && st->uploads < MAX_UPLOADS; w = w->next) {
    if (!w->closed || w->upload || w->abandon || w->route->sweep != SWEEP_DONE) continue;
    w->upload = kc_s3_upload_start(st->client, w->key, w->path, w->written, st->conf.part_size,
                                   on_upload, w);
    if (!w->upload) {
      task_failed(st, "out of memory starting an upload");
      return;
    }
    st->uploads++;
    st->pending++;
  }
}

static void writer_discard(writer_t *w) {
  s3_task_t *st = w->st;
  remove_closed(st, w);
  w->req.data = w;
  st->pending++;
  if (uv_fs_unlink(kc_task_loop(st->task), &w->req, w->path, unlink_done) != 0) unlink_done(&w->req);
}

static void on_fd_closed(uv_fs_t *req) {
  writer_t *w = req->data;
  s3_task_t *st = w->st;
  uv_fs_req_cleanup(req);
  st->pending--;
  w->closing_fd = false;
  w->closed = true;
  w->fd = -1;
  if (w->abandon) {
    writer_discard(w);
    return;
  }
  start_uploads(st);
  maybe_stop_done(st);
}

static void on_write(uv_fs_t *req) {
  writer_t *w = req->data;
  s3_task_t *st = w->st;
  ssize_t res = req->result;
  uv_fs_req_cleanup(req);
  st->pending--;
  w->write_busy = false;
  if (res < 0 || (size_t)res != w->inflight.len) {
    char msg[1200];
    snprintf(msg, sizeof msg, "cannot write spool file %s: %s", w->path,
             res < 0 ? uv_strerror((int)res) : "short write");
    kc_buf_free(&w->inflight);
    account(w);
    task_failed(st, msg);
    maybe_stop_done(st);
    return;
  }
  w->written += (int64_t)w->inflight.len;
  st->spool_bytes += (int64_t)w->inflight.len;
  /* Freed, not kept: thousands of idle writers must not each hold a chunk's worth. */
  kc_buf_free(&w->inflight);
  account(w);
  if (g_mem_used < g_mem_budget / 2) wake(st);
  writer_pump(w);
  maybe_stop_done(st);
}

static void on_open(uv_fs_t *req) {
  writer_t *w = req->data;
  s3_task_t *st = w->st;
  ssize_t res = req->result;
  uv_fs_req_cleanup(req);
  st->pending--;
  w->opening = false;
  if (res < 0) {
    char msg[1200];
    snprintf(msg, sizeof msg, "cannot create spool file %s: %s", w->path, uv_strerror((int)res));
    task_failed(st, msg);
    maybe_stop_done(st);
    return;
  }
  w->fd = (uv_file)res;
  writer_pump(w);
  maybe_stop_done(st);
}

/* Moves the writer forward: open, write the chunk, and when closed, close the fd. */
static void writer_pump(writer_t *w) {
  s3_task_t *st = w->st;
  uv_loop_t *loop = kc_task_loop(st->task);
  if (w->opening || w->write_busy || w->closing_fd || w->closed) return;
  if (w->abandon || st->failed) {
    /* Nothing more is written: close what is open, then delete the file. */
    if (w->fd >= 0) {
      w->closing_fd = true;
      w->req.data = w;
      st->pending++;
      if (uv_fs_close(loop, &w->req, w->fd, on_fd_closed)) {
        st->pending--;
        w->closing_fd = false;
      }
    } else if (w->abandon) {
      w->closed = true;
      writer_discard(w);
    }
    return;
  }
  if (w->fd < 0) {
    w->opening = true;
    w->req.data = w;
    st->pending++;
    if (uv_fs_open(loop, &w->req, w->path, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0600, on_open)) {
      st->pending--;
      w->opening = false;
      task_failed(st, "cannot open a spool file");
    }
    return;
  }
  bool final = w->tp == NULL;
  if (w->chunk.len > 0 && (final || w->chunk.len >= CHUNK_BYTES || st->blocked || st->stopping)) {
    kc_buf_t t = w->inflight;
    w->inflight = w->chunk;
    w->chunk = t;
    kc_buf_reset(&w->chunk);
    uv_buf_t b = uv_buf_init(w->inflight.data, (unsigned)w->inflight.len);
    w->write_busy = true;
    w->req.data = w;
    st->pending++;
    if (uv_fs_write(loop, &w->req, w->fd, &b, 1, w->written, on_write)) {
      st->pending--;
      w->write_busy = false;
      task_failed(st, "cannot write a spool file");
    }
    return;
  }
  if (final && w->chunk.len == 0) {
    w->closing_fd = true;
    w->req.data = w;
    st->pending++;
    if (uv_fs_close(loop, &w->req, w->fd, on_fd_closed)) {
      st->pending--;
      w->closing_fd = false;
    }
  }
}

static int writer_append(writer_t *w, const char *data, size_t len) {
  int rc = w->gz_on ? kc_gzip_stream_write(&w->gz, data, len, &w->chunk)
                    : kc_buf_append(&w->chunk, data, len);
  account(w);
  return rc;
}

/* ---- writers and rotation ---- */

static writer_t *writer_for(s3_task_t *st, tp_t *tp, route_t *route, const char *encoded,
                           int64_t offset) {
  for (writer_t *w = tp->writers; w; w = w->next)
    if (w->route == route && !strcmp(w->encoded, encoded)) return w;
  writer_t *w = calloc(1, sizeof *w);
  if (!w) return NULL;
  w->st = st;
  w->tp = tp;
  w->home = tp;
  w->route = route;
  route->refs++;
  w->fd = -1;
  w->start_offset = offset;
  w->encoded = strdup(encoded);
  kc_buf_init(&w->chunk, 0);
  kc_buf_init(&w->inflight, 0);
  kc_buf_reset(&st->scratch);
  kc_buf_t dir;
  kc_buf_init(&dir, 0);
  int rc =
      w->encoded ? kc_s3_partitioner_path(st->part, route->topic, w->encoded, &dir) : KC_ENOMEM;
  if (!rc)
    rc = kc_s3_object_key(&st->conf, dir.data, route->topic, route->partition, offset, st->ext,
                          &st->scratch);
  kc_buf_free(&dir);
  if (rc || !w->encoded) {
    writer_free(w);
    return NULL;
  }
  w->key = strdup(st->scratch.data);
  snprintf(w->path, sizeof w->path, "%s/%llu.spool", st->spool_dir, (unsigned long long)++st->seq);
  if (st->conf.compression == KC_S3_COMPRESSION_GZIP && st->conf.format != KC_S3_FORMAT_AVRO) {
    if (kc_gzip_stream_init(&w->gz, st->conf.compression_level)) {
      writer_free(w);
      return NULL;
    }
    w->gz_on = true;
  }
  account(w);
  w->next = tp->writers;
  tp->writers = w;
  return w;
}

/* Closes every open file of @p tp into one commit group (Confluent: a rotation commits them all). */
static void rotate(s3_task_t *st, tp_t *tp, const char *why) {
  if (!tp->writers) return;
  group_t *g = calloc(1, sizeof *g);
  if (!g) {
    task_failed(st, "out of memory");
    return;
  }
  g->target = tp->last_offset + 1;
  int n = 0;
  for (writer_t *w = tp->writers, *nx; w; w = nx) {
    nx = w->next;
    if (w->gz_on) {
      kc_gzip_stream_finish(&w->gz, &w->chunk);
      kc_gzip_stream_end(&w->gz); /* zlib's state is large; the file is complete */
      w->gz_on = false;
      account(w);
    }
    if (w->avro.schema) { /* DataFileWriter.flush at commit: the last block */
      if (kc_s3_avro_file_finish(&w->avro, &w->chunk)) task_failed(st, "out of memory closing an Avro file");
      kc_s3_avro_file_free(&w->avro);
      account(w);
    }
    w->tp = NULL;
    w->group = g;
    w->next = st->closed;
    st->closed = w;
    n++;
    writer_pump(w);
  }
  g->remaining = n;
  if (tp->groups_tail)
    tp->groups_tail->next = g;
  else
    tp->groups = g;
  tp->groups_tail = g;
  kc_task_log(st->task, KC_LOG_DEBUG, "%s-%d: rotating %d file(s) up to offset %lld (%s)", tp->topic,
              (int)tp->partition, n, (long long)g->target - 1, why);
  tp->writers = NULL;
  tp->count = 0;
  tp->base_ts = -1;
}

/* Drops @p tp's open files without uploading them (revocation, stop). */
static void abandon_writers(s3_task_t *st, tp_t *tp) {
  for (writer_t *w = tp->writers, *nx; w; w = nx) {
    nx = w->next;
    kc_buf_free(&w->chunk);
    account(w);
    w->tp = NULL;
    w->abandon = true;
    w->next = st->closed;
    st->closed = w;
    writer_pump(w);
  }
  tp->writers = NULL;
  tp->count = 0;
  tp->base_ts = -1;
}

static tp_t *tp_find(s3_task_t *st, const char *topic, int32_t partition, bool create) {
  for (tp_t *tp = st->tps; tp; tp = tp->next)
    if (tp->partition == partition && !strcmp(tp->topic, topic)) return tp;
  if (!create) return NULL;
  tp_t *tp = calloc(1, sizeof *tp);
  if (!tp) return NULL;
  tp->topic = strdup(topic);
  tp->partition = partition;
  tp->base_ts = tp->last_offset = tp->committable = -1;
  tp->next = st->tps;
  st->tps = tp;
  return tp;
}

static void route_free(s3_task_t *st, route_t *r) {
  route_t **pp = &st->routes;
  while (*pp && *pp != r) pp = &(*pp)->next;
  if (*pp) *pp = r->next;
  free(r->topic);
  free(r);
}

static void route_unref(s3_task_t *st, route_t *r) {
  if (r && --r->refs == 0 && !r->owner) route_free(st, r);
}

/* Routes live while their Kafka partition is ours (a TimestampRouter adds one a day, say);
 * revoked, they are released to whichever partition routes there next, which sweeps again. */
static void release_routes(s3_task_t *st, tp_t *tp) {
  for (route_t *r = st->routes, *nx; r; r = nx) {
    nx = r->next;
    if (r->owner != tp) continue;
    r->owner = NULL;
    r->sweep = SWEEP_WANTED;
    if (r->refs == 0) route_free(st, r);
  }
  tp->last_route = NULL;
}

/* The route of @p tp's records bound for @p topic / @p partition after the transforms; NULL with
 * @p err set when another Kafka partition of this task already writes those keys (a RegexRouter
 * merging topics): one of the two would overwrite the other's objects, records lost. */
static route_t *route_for(s3_task_t *st, tp_t *tp, const char *topic, int32_t partition, char *err,
                          size_t errlen) {
  route_t *r = st->routes;
  while (r && (r->partition != partition || strcmp(r->topic, topic))) r = r->next;
  if (r && r->owner == tp) return r;
  if (r && r->owner) {
    snprintf(err, errlen,
             "records of %s-%d and of %s-%d are both routed to %s-%d by the transforms: their S3 "
             "object keys (%s%s%d%s<offset>) would collide and overwrite each other",
             r->owner->topic, (int)r->owner->partition, tp->topic, (int)tp->partition, topic,
             (int)partition, topic, st->conf.file_delim, (int)partition, st->conf.file_delim);
    return NULL;
  }
  if (!r) {
    if (!(r = calloc(1, sizeof *r)) || !(r->topic = strdup(topic))) {
      free(r);
      snprintf(err, errlen, "out of memory");
      return NULL;
    }
    r->partition = partition;
    r->next = st->routes;
    st->routes = r;
  }
  r->owner = tp;
  r->sweep = SWEEP_WANTED;
  start_sweep(st);
  return r;
}

/* ---- put / flush ---- */

/*
 * TopicPartitionWriter's schema steps for one record bound for @p encoded, for every format:
 * a switch between schema and no schema, or a schema.compatibility-incompatible schema, commits
 * the partition's open files first; a compatible different schema is projected to the current
 * one (BACKWARD/FORWARD/FULL). *wschema / *wvalue: what to write; *projected: to destroy after.
 */
static int schema_step(s3_task_t *st, tp_t *tp, const route_t *route, const char *encoded,
                       const kc_schema_t *schema,
                       const kc_value_t *value, const kc_schema_t **wschema,
                       const kc_value_t **wvalue, kc_value_t **projected, char *err, size_t errlen) {
  writer_t *cur = NULL;
  for (writer_t *w = tp->writers; w && !cur; w = w->next)
    if (w->schema_set && w->route == route && !strcmp(w->encoded, encoded)) cur = w;
  if (!cur) return 0;
  char why[512] = "";
  bool rot = (cur->schema == NULL) != (schema == NULL), incompatible = false;
  if (!rot && schema) {
    if (kc_s3_compat_check(st->conf.compatibility, schema, cur->schema, &incompatible, why, sizeof why)) {
      snprintf(err, errlen, "%s-%d: %s", tp->topic, (int)tp->partition, why);
      return KC_ERR;
    }
    rot = incompatible && tp->count > 0;
  }
  if (rot) {
    rotate(st, tp, "schema change");
    return 0;
  }
  if (!schema || schema == cur->schema || kc_schema_equal(schema, cur->schema)) return 0;
  if (st->conf.compatibility == KC_S3_COMPAT_NONE) return 0; /* NONE.project: the record as is */
  if (kc_s3_project(schema, value, cur->schema, projected, why, sizeof why)) {
    snprintf(err, errlen, "%s-%d: cannot project a record to the current schema: %s", tp->topic,
             (int)tp->partition, why);
    return KC_ERR;
  }
  *wschema = cur->schema;
  *wvalue = *projected;
  return 0;
}

/* The record's bytes into its writer: a line of JSON/ByteArray, or an Avro datum. */
static int write_value(s3_task_t *st, writer_t *w, const kc_schema_t *schema,
                       const kc_value_t *value, char *err, size_t errlen) {
  tp_t *tp = w->tp;
  if (st->conf.format == KC_S3_FORMAT_AVRO) {
    int rc = kc_s3_avro_file_write(&w->avro, st->avro, st->conf.avro_codec, schema, value,
                                   &st->datum, &w->chunk, err, errlen);
    account(w);
    return rc;
  }
  kc_buf_reset(&st->scratch);
  if (kc_s3_format_write(&st->conf, KC_S3_VIEW_VALUE, schema, value, &st->scratch, err, errlen))
    return KC_ERR;
  if (writer_append(w, st->scratch.data, st->scratch.len)) {
    snprintf(err, errlen, "cannot buffer a record of %s-%d", tp->topic, (int)tp->partition);
    return KC_ERR;
  }
  return 0;
}

static int s3_put(kc_task_t *task, kc_sink_record_t *const *recs, size_t n, char *err, size_t errlen) {
  s3_task_t *st = kc_task_ctx(task);
  if (st->failed) {
    snprintf(err, errlen, "the S3 sink failed earlier");
    return KC_ERR;
  }
  int64_t now = now_ms();
  for (size_t i = 0; i < n; i++) {
    kc_sink_record_t *r = recs[i];
    const kc_schema_t *schema;
    const kc_value_t *value;
    if (kc_sink_record_value(r, &schema, &value)) {
      snprintf(err, errlen, "the value of %s-%d@%lld cannot be converted", kc_sink_record_topic(r),
               (int)kc_sink_record_partition(r), (long long)kc_sink_record_offset(r));
      return KC_ERR;
    }
    /* Writers, rotation and offsets by the partition the record came from; keys by its route. */
    tp_t *tp = tp_find(st, kc_sink_record_original_topic(r), kc_sink_record_original_partition(r),
                       true);
    if (!tp) return KC_ERR;
    tp->owned = true; /* records without open(): the partition is ours all the same */
    int64_t offset = kc_sink_record_original_offset(r);
    if (!value) {
      bool skip = false, tomb = false;
      if (kc_s3_format_null_value(&st->conf, &skip, &tomb, err, errlen)) return KC_ERR;
      if (skip || tomb) { /* tombstones go to the keys file, which kconnect does not write yet */
        tp->last_offset = offset;
        continue;
      }
    }
    route_t *route =
        route_for(st, tp, kc_sink_record_topic(r), kc_sink_record_partition(r), err, errlen);
    if (!route) return KC_ERR;
    kc_s3_record_view_t view = {route->topic, route->partition, kc_sink_record_timestamp(r), schema,
                                value};
    int64_t ts = -1;
    if (kc_s3_partitioner_time_based(st->part) || st->conf.rotate_interval_ms > 0) {
      if (kc_s3_partitioner_timestamp(st->part, &view, now, &ts, err, errlen)) return KC_ERR;
    }
    int64_t elapsed;
    if (st->conf.rotate_interval_ms > 0 && tp->base_ts >= 0 &&
        !__builtin_sub_overflow(ts, tp->base_ts, &elapsed) && elapsed >= st->conf.rotate_interval_ms)
      rotate(st, tp, "rotate.interval.ms");
    kc_buf_reset(&st->scratch);
    if (kc_s3_partitioner_encode(st->part, &view, now, &st->scratch, err, errlen)) return KC_ERR;
    /* Confluent's rotateOnTime: with rotate.interval.ms (so a time-based partitioner), a record
     * whose encoded partition differs from the last written one commits every open file first.
     * last_encoded survives rotations, as Confluent's currentEncodedPartition does. A new route
     * (a TimestampRouter's next day) is a new file too, as a new encoded partition is. */
    if (st->conf.rotate_interval_ms > 0 && st->conf.rotate_on_partition_change && tp->count > 0 &&
        tp->last_encoded && (strcmp(tp->last_encoded, st->scratch.data) || tp->last_route != route))
      rotate(st, tp, "rotate.file.on.partition.change");
    const kc_schema_t *wschema = schema;
    const kc_value_t *wvalue = value;
    kc_value_t *projected = NULL;
    if (schema_step(st, tp, route, st->scratch.data, schema, value, &wschema, &wvalue, &projected,
                    err, errlen))
      return KC_ERR;
    writer_t *w = writer_for(st, tp, route, st->scratch.data, offset);
    if (!w) {
      kc_value_destroy(projected);
      snprintf(err, errlen, "out of memory opening a writer for %s-%d", tp->topic, (int)tp->partition);
      return KC_ERR;
    }
    if (!w->schema_set) { /* currentSchemas.put(encodedPartition, valueSchema) */
      w->schema_set = true;
      w->schema = kc_schema_incref((kc_schema_t *)schema);
    }
    int wrc = write_value(st, w, wschema, wvalue, err, errlen);
    kc_value_destroy(projected);
    if (wrc) return KC_ERR;
    if (tp->base_ts < 0) tp->base_ts = ts;
    if (!tp->last_encoded || strcmp(tp->last_encoded, w->encoded)) {
      char *enc = strdup(w->encoded);
      if (!enc) {
        snprintf(err, errlen, "out of memory writing %s-%d", tp->topic, (int)tp->partition);
        return KC_ERR;
      }
      free(tp->last_encoded);
      tp->last_encoded = enc;
    }
    tp->last_route = route;
    tp->last_offset = offset;
    tp->count++;
    if (w->chunk.len >= CHUNK_BYTES) writer_pump(w);
    if (tp->count >= st->conf.flush_size) rotate(st, tp, "flush.size");
  }
  start_uploads(st);
  if (g_mem_used > g_mem_budget || st->spool_bytes > st->conf.spool_max_bytes) {
    st->blocked = true;
    for (tp_t *tp = st->tps; tp; tp = tp->next)
      for (writer_t *w = tp->writers; w; w = w->next) {
        /* Open Avro blocks are memory only spooling can free: end them early (still valid
         * files; block boundaries then depend on timing, as with an early rotation). */
        if (w->avro.schema && kc_s3_avro_file_finish(&w->avro, &w->chunk) == 0) account(w);
        writer_pump(w);
      }
    if (st->spool_bytes > st->conf.spool_max_bytes && st->uploads == 0 && !st->closed) {
      /* Nothing is on its way out: rotate the biggest partition rather than wait forever. */
      tp_t *big = NULL;
      int64_t most = -1;
      for (tp_t *tp = st->tps; tp; tp = tp->next) {
        int64_t b = 0;
        for (writer_t *w = tp->writers; w; w = w->next) b += w->written;
        if (b > most) most = b, big = tp;
      }
      if (big) {
        kc_task_log(task, KC_LOG_WARN,
                    "s3.spool.max.bytes=%lld reached with no file ready to upload: rotating %s-%d "
                    "early (file boundaries now depend on timing)",
                    (long long)st->conf.spool_max_bytes, big->topic, (int)big->partition);
        rotate(st, big, "spool full");
        start_uploads(st);
      }
    }
    return KC_AGAIN;
  }
  return KC_OK;
}

static int s3_flush(kc_task_t *task, kc_tp_offset_t *offsets, size_t n) {
  s3_task_t *st = kc_task_ctx(task);
  /* preCommit: only offsets whose records are in complete objects (section 1.5). */
  for (size_t i = 0; i < n; i++) {
    tp_t *tp = tp_find(st, offsets[i].topic, offsets[i].partition, false);
    int64_t c = tp ? tp->committable : -1;
    if (c < offsets[i].offset) offsets[i].offset = c;
  }
  return KC_OK;
}

/* ---- timers: scheduled and wall-clock rotation ---- */

static void arm_timer(s3_task_t *st);

static void on_timer(uv_timer_t *t) {
  s3_task_t *st = t->data;
  int64_t now = now_ms();
  if (st->conf.rotate_schedule_interval_ms > 0) {
    for (tp_t *tp = st->tps; tp; tp = tp->next) rotate(st, tp, "rotate.schedule.interval.ms");
  }
  if (st->conf.rotate_interval_ms > 0 && st->conf.ts_extractor == KC_S3_TS_WALLCLOCK) {
    for (tp_t *tp = st->tps; tp; tp = tp->next)
      if (tp->base_ts >= 0 && now - tp->base_ts >= st->conf.rotate_interval_ms)
        rotate(st, tp, "rotate.interval.ms (wall clock)");
  }
  start_uploads(st);
  arm_timer(st);
}

static void arm_timer(s3_task_t *st) {
  int64_t now = now_ms(), next = -1;
  if (st->conf.rotate_schedule_interval_ms > 0)
    next = kc_s3_next_scheduled_rotation(st->sched_tz ? st->sched_tz : kc_s3_partitioner_tz(st->part), now,
                                         st->conf.rotate_schedule_interval_ms);
  if (st->conf.rotate_interval_ms > 0 && st->conf.ts_extractor == KC_S3_TS_WALLCLOCK) {
    int64_t soon = now + (st->conf.rotate_interval_ms < 1000 ? st->conf.rotate_interval_ms : 1000);
    if (next < 0 || soon < next) next = soon;
  }
  if (next >= 0) uv_timer_start(&st->timer, on_timer, (uint64_t)(next > now ? next - now : 0), 0);
}

/* ---- stale multipart uploads: aborted when a route is first written ----
 *
 * A crash (or a stop mid-upload) leaves multipart uploads open. Only the owner of a Kafka
 * partition writes the keys of its routes (<topic><file.delim><p><file.delim><offset><ext>, the
 * topic and partition after the transforms), so once a route is ours, any open upload of its keys
 * is dead: we abort it before starting uploads of our own to that route (they wait for the
 * listing, so it never sees ours). A route is swept when the first record bound for it arrives:
 * after a restart that is a replayed record (uncommitted files are replayed from the committed
 * offset), so every route a dead run left an upload open for is swept again. Deciding by time
 * instead would abort a live peer task's uploads after a task restart, and miss a crash's uploads
 * when the restart is quick. */

static void on_abort_done(void *arg, const kc_s3_result_t *res) {
  s3_task_t *st = arg;
  st->pending--;
  if (res->status) kc_task_log(st->task, KC_LOG_WARN, "%s", res->message);
  maybe_stop_done(st);
}

/* The XML text of a key back to the key (ListMultipartUploads escapes & < > " '). */
static void xml_unescape(char *s) {
  static const struct { const char *ent; char ch; } ents[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  char *w = s;
  for (const char *r = s; *r;) {
    size_t i = 0;
    while (i < sizeof ents / sizeof ents[0] && strncmp(r, ents[i].ent, strlen(ents[i].ent))) i++;
    if (i < sizeof ents / sizeof ents[0]) {
      *w++ = ents[i].ch;
      r += strlen(ents[i].ent);
    } else {
      *w++ = *r++;
    }
  }
  *w = '\0';
}

/* Whether @p key is an object key this sink writes for @p r: some directory, then
 * <topic><file.delim><partition><file.delim><digits><extension> to the end. */
static bool key_of_route(const s3_task_t *st, const route_t *r, const char *key) {
  char name[600];
  snprintf(name, sizeof name, "%s%s%s%d%s", st->conf.directory_delim, r->topic, st->conf.file_delim,
           (int)r->partition, st->conf.file_delim);
  for (const char *p = strstr(key, name); p; p = strstr(p + 1, name)) {
    const char *d = p + strlen(name), *e = d;
    while (*e >= '0' && *e <= '9') e++;
    if (e > d && !strcmp(e, st->ext)) return true;
  }
  return false;
}

static void on_sweep(void *arg, const kc_s3_result_t *res) {
  s3_task_t *st = arg;
  st->sweep = NULL;
  st->pending--;
  if (res->status) {
    if (!st->stopping) task_failed(st, res->message);
    maybe_stop_done(st);
    return;
  }
  const char *pos = res->body;
  char upload[4096], key[1024], id[512];
  while (!st->stopping && kc_s3_xml_next(res->body, &pos, "Upload", upload, sizeof upload) == 0) {
    if (kc_s3_xml_next(upload, NULL, "Key", key, sizeof key) ||
        kc_s3_xml_next(upload, NULL, "UploadId", id, sizeof id))
      continue;
    xml_unescape(key);
    xml_unescape(id);
    bool stale = false;
    for (route_t *r = st->routes; r && !stale; r = r->next)
      stale = r->owner && r->owner->owned && r->sweep == SWEEP_LISTING && key_of_route(st, r, key);
    if (!stale) continue; /* another partition's: its owner decides */
    kc_task_log(st->task, KC_LOG_INFO, "aborting multipart upload %s of s3://%s/%s left by an earlier run",
                id, st->conf.bucket, key);
    st->pending++;
    if (!kc_s3_abort_multipart(st->client, key, id, on_abort_done, st)) st->pending--;
  }
  char truncated[16] = "";
  kc_s3_xml_next(res->body, NULL, "IsTruncated", truncated, sizeof truncated);
  if (!strcmp(truncated, "true"))
    kc_task_log(st->task, KC_LOG_WARN,
                "more than one page of open multipart uploads in s3://%s: only the first page was "
                "checked for uploads left by an earlier run", st->conf.bucket);
  for (route_t *r = st->routes; r; r = r->next)
    if (r->sweep == SWEEP_LISTING) r->sweep = SWEEP_DONE;
  start_uploads(st);
  start_sweep(st); /* routes first written while this listing ran */
  maybe_stop_done(st);
}

/* Lists the open multipart uploads of every owned route not checked yet (one listing at a time). */
static void start_sweep(s3_task_t *st) {
  if (st->sweep || st->stopping || st->failed) return;
  int n = 0;
  const char *topic = NULL; /* the one topic of every route listed, else NULL */
  for (route_t *r = st->routes; r; r = r->next)
    if (r->owner && r->owner->owned && r->sweep != SWEEP_DONE) {
      r->sweep = SWEEP_LISTING;
      topic = n++ == 0 || (topic && !strcmp(topic, r->topic)) ? r->topic : NULL;
    }
  if (!n) return;
  /* Every partitioner's path starts with the topic (generatePartitionedPath), so one topic
   * narrows the listing to its directory. */
  char prefix[1024];
  const char *dir = st->conf.topics_dir;
  int pl = snprintf(prefix, sizeof prefix, "%s%s", dir, *dir ? st->conf.directory_delim : "");
  if (topic && pl >= 0 && (size_t)pl < sizeof prefix)
    snprintf(prefix + pl, sizeof prefix - (size_t)pl, "%s%s", topic, st->conf.directory_delim);
  st->pending++;
  st->sweep = kc_s3_list_multipart(st->client, prefix, on_sweep, st);
  if (!st->sweep) {
    st->pending--;
    task_failed(st, "out of memory listing multipart uploads");
  }
}

/* ---- lifecycle ---- */

/* <base>/<the connector name encoded as one component>-<task>: a name never picks the directory. */
static int prepare_spool(kc_task_t *task, s3_task_t *st, char *err, size_t errlen) {
  char base[700];
  int bl = st->conf.spool_dir && *st->conf.spool_dir
               ? snprintf(base, sizeof base, "%s", st->conf.spool_dir)
               : snprintf(base, sizeof base, "%s/s3-spool", kc_task_state_dir(task));
  kc_buf_t comp;
  kc_buf_init(&comp, 0);
  int rc = kc_s3_spool_component(kc_task_connector_name(task), kc_task_id(task), &comp);
  if (rc) {
    snprintf(err, errlen, "out of memory");
  } else if (bl < 0 || (size_t)bl >= sizeof base ||
             (size_t)snprintf(st->spool_dir, sizeof st->spool_dir, "%s/%s", base, comp.data) >=
                 sizeof st->spool_dir) {
    snprintf(err, errlen, "s3.spool.dir: the spool directory path is longer than %zu bytes",
             sizeof st->spool_dir - 1);
    rc = KC_EINVAL;
  } else {
    rc = kc_s3_spool_prepare(task, base, comp.data, err, errlen);
  }
  if (!rc) {
    char old[300];
    if ((size_t)snprintf(old, sizeof old, "%s-%d", kc_task_connector_name(task), kc_task_id(task)) <
        sizeof old)
      kc_s3_spool_remove_legacy(task, base, old, comp.data);
  }
  kc_buf_free(&comp);
  return rc;
}

static kc_s3_client_t *make_client(s3_task_t *st, char *err, size_t errlen) {
  kc_s3_credentials_t cr;
  if (kc_s3_credentials_resolve(st->conf.access_key_id, st->conf.secret_access_key, &cr, err, errlen))
    return NULL;
  kc_task_log(st->task, KC_LOG_INFO, "AWS credentials from %s", cr.source);
  kc_s3_client_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  char endpoint[512];
  if (st->conf.store_url && *st->conf.store_url)
    snprintf(endpoint, sizeof endpoint, "%s", st->conf.store_url);
  else
    snprintf(endpoint, sizeof endpoint, "https://s3.%s.amazonaws.com", st->conf.region);
  size_t el = strlen(endpoint);
  while (el > 0 && endpoint[el - 1] == '/') endpoint[--el] = '\0';
  c->task = st->task;
  c->endpoint = strdup(endpoint);
  c->bucket = strdup(st->conf.bucket);
  c->region = strdup(st->conf.region);
  c->path_style = st->conf.path_style;
  c->access_key = strdup(cr.access_key);
  c->secret_key = strdup(cr.secret_key);
  c->session_token = cr.session_token[0] ? strdup(cr.session_token) : NULL;
  c->proxy_url = st->conf.proxy_url ? strdup(st->conf.proxy_url) : NULL;
  c->proxy_user = st->conf.proxy_user ? strdup(st->conf.proxy_user) : NULL;
  c->proxy_password = st->conf.proxy_password ? strdup(st->conf.proxy_password) : NULL;
  c->acl = st->conf.acl_canned && *st->conf.acl_canned ? strdup(st->conf.acl_canned) : NULL;
  if (kc_s3_client_set_sse(c, st->conf.ssea, st->conf.sse_kms_key_id, st->conf.sse_customer_key)) {
    snprintf(err, errlen, "s3.sse.customer.key: cannot be used (not base64 of 32 bytes, or out of memory)");
    kc_s3_client_free(c);
    return NULL;
  }
  c->part_retries = st->conf.part_retries;
  c->backoff_ms = st->conf.retry_backoff_ms;
  c->backoff_max_ms = 30000;
  c->timeout_ms = 300000;
  return c;
}

static void task_free(s3_task_t *st) {
  for (tp_t *tp = st->tps, *nx; tp; tp = nx) {
    nx = tp->next;
    for (writer_t *w = tp->writers, *wn; w; w = wn) {
      wn = w->next;
      writer_free(w);
    }
    for (group_t *g = tp->groups, *gn; g; g = gn) {
      gn = g->next;
      free(g);
    }
    free(tp->topic);
    free(tp->last_encoded);
    free(tp);
  }
  for (writer_t *w = st->closed, *wn; w; w = wn) {
    wn = w->next;
    writer_free(w);
  }
  while (st->routes) route_free(st, st->routes);
  kc_s3_partitioner_free(st->part);
  kc_tz_free(st->sched_tz);
  kc_s3_client_free(st->client);
  kc_s3_conf_free(&st->conf);
  kc_buf_free(&st->scratch);
  kc_buf_free(&st->datum);
  kc_avrodata_destroy(st->avro);
  free(st);
}

static void on_head_bucket(void *arg, const kc_s3_result_t *res) {
  s3_task_t *st = arg;
  st->head = NULL;
  st->pending--;
  if (res->status && !st->stopping) task_failed(st, res->message);
  maybe_stop_done(st);
}

static int start_fail(kc_task_t *task, s3_task_t *st) {
  kc_task_set_ctx(task, NULL);
  task_free(st);
  return KC_ERR;
}

static int s3_task_start(kc_task_t *task, char *err, size_t errlen) {
  s3_task_t *st = calloc(1, sizeof *st);
  if (!st) return KC_ERR;
  st->task = task;
  kc_buf_init(&st->scratch, 0);
  kc_task_set_ctx(task, st);
  if (kc_s3_conf_parse(kc_task_config(task), &st->conf, err, errlen) ||
      kc_s3_partitioner_new(&st->conf, &st->part, err, errlen))
    return start_fail(task, st);
  if (st->conf.store_keys || st->conf.store_headers) {
    snprintf(err, errlen, "store.kafka.keys/store.kafka.headers: writing key and header files is not "
                          "supported by kconnect yet");
    return start_fail(task, st);
  }
  if (st->conf.rotate_interval_ms > 0 && !kc_s3_partitioner_time_based(st->part)) {
    /* As Confluent: without a time-based partitioner there is no timestamp extractor. */
    kc_task_log(task, KC_LOG_WARN, "rotate.interval.ms=%lld is ignored: the partitioner is not time-based",
                (long long)st->conf.rotate_interval_ms);
    st->conf.rotate_interval_ms = -1;
  }
  if (st->conf.rotate_schedule_interval_ms > 0 && !kc_s3_partitioner_tz(st->part) &&
      kc_tz_load(st->conf.timezone && *st->conf.timezone ? st->conf.timezone : "UTC", &st->sched_tz,
                 err, errlen))
    return start_fail(task, st);
  kc_buf_init(&st->datum, 0);
  if (st->conf.format == KC_S3_FORMAT_AVRO) {
    /* StorageSinkConnectorConfig.avroDataConfig(): these four keys, AvroData's defaults else */
    kc_avrodata_options_t o;
    kc_avrodata_options_default(&o);
    o.enhanced_avro_schema_support = st->conf.enhanced_avro;
    o.connect_meta_data = st->conf.connect_meta_data;
    o.allow_optional_map_keys = st->conf.allow_optional_map_keys;
    o.schemas_cache_size = st->conf.schemas_cache_size;
    if (!(st->avro = kc_avrodata_new(&o))) {
      snprintf(err, errlen, "out of memory");
      return start_fail(task, st);
    }
    if (st->conf.compression != KC_S3_COMPRESSION_NONE)
      kc_task_log(task, KC_LOG_WARN, "s3.compression.type does not apply to AvroFormat (as in "
                                     "Confluent); avro.codec=%s compresses its blocks",
                  kc_avro_codec_name(st->conf.avro_codec));
  }
  kc_buf_t ext;
  kc_buf_init(&ext, 0);
  kc_s3_format_extension(&st->conf, KC_S3_VIEW_VALUE, &ext);
  snprintf(st->ext, sizeof st->ext, "%s", ext.data ? ext.data : "");
  kc_buf_free(&ext);
  if (prepare_spool(task, st, err, errlen)) return start_fail(task, st);
  if (!(st->client = make_client(st, err, errlen))) return start_fail(task, st);
  uv_timer_init(kc_task_loop(task), &st->timer);
  st->timer.data = st;
  arm_timer(st);
  st->pending++;
  if (!(st->head = kc_s3_head_bucket(st->client, on_head_bucket, st))) st->pending--;
  kc_task_log(task, KC_LOG_INFO, "writing to s3://%s/%s via %s, spooling in %s", st->conf.bucket,
              st->conf.topics_dir, st->client->endpoint, st->spool_dir);
  return KC_OK;
}

static void on_timer_closed(uv_handle_t *h) {
  s3_task_t *st = h->data;
  kc_task_t *task = st->task;
  task_free(st);
  kc_task_set_ctx(task, NULL);
  kc_task_stop_done(task);
}

static void maybe_stop_done(s3_task_t *st) {
  if (!st->stopping || st->pending > 0 || uv_is_closing((uv_handle_t *)&st->timer)) return;
  uv_close((uv_handle_t *)&st->timer, on_timer_closed);
}

static int s3_task_stop(kc_task_t *task) {
  s3_task_t *st = kc_task_ctx(task);
  if (!st) return KC_OK;
  st->stopping = true;
  uv_timer_stop(&st->timer);
  /* Open files and uploads in flight are abandoned: their offsets were never committed, so Kafka
   * replays them, and the start-up sweep aborts any multipart upload left open. */
  for (writer_t *w = st->closed; w; w = w->next) {
    w->abandon = true;
    if (w->upload) kc_s3_upload_cancel(w->upload);
  }
  for (tp_t *tp = st->tps; tp; tp = tp->next) abandon_writers(st, tp);
  for (writer_t *w = st->closed, *nx; w; w = nx) {
    nx = w->next; /* writer_pump may free w */
    if (!w->upload) writer_pump(w);
  }
  if (st->sweep) kc_s3_op_cancel(st->sweep);
  if (st->head) kc_s3_op_cancel(st->head);
  maybe_stop_done(st);
  return KC_AGAIN;
}

static int s3_open(kc_task_t *task, const kc_tp_offset_t *parts, size_t n) {
  s3_task_t *st = kc_task_ctx(task);
  for (size_t i = 0; st && i < n; i++) {
    tp_t *tp = tp_find(st, parts[i].topic, parts[i].partition, true);
    if (!tp) {
      task_failed(st, "out of memory");
      return KC_ERR;
    }
    tp->owned = true; /* its routes are swept when their first records arrive */
  }
  return KC_OK;
}

/* Drops everything not committed of a revoked partition: open files, closed files waiting or
 * uploading, and its commit groups. The next owner replays from the committed offset and writes
 * the same objects; an upload cancelled here is left open for that owner's sweep. */
static void revoke_partition(s3_task_t *st, tp_t *tp) {
  abandon_writers(st, tp);
  for (writer_t *w = st->closed, *nx; w; w = nx) {
    nx = w->next; /* writer_discard may free w */
    if (w->home != tp || w->abandon) continue;
    w->abandon = true;
    w->group = NULL;
    if (w->upload)
      kc_s3_upload_cancel(w->upload);
    else if (w->closed)
      writer_discard(w); /* waiting for an upload slot */
    /* else still being written: on_write / on_fd_closed see abandon and discard it */
  }
  for (group_t *g = tp->groups, *gn; g; g = gn) {
    gn = g->next;
    free(g);
  }
  tp->groups = tp->groups_tail = NULL;
  tp->committable = -1;
  tp->owned = false;
  release_routes(st, tp);
}

static int s3_close(kc_task_t *task, const kc_tp_offset_t *parts, size_t n) {
  s3_task_t *st = kc_task_ctx(task);
  for (size_t i = 0; st && i < n; i++) {
    tp_t *tp = tp_find(st, parts[i].topic, parts[i].partition, false);
    if (tp) revoke_partition(st, tp);
  }
  return KC_OK;
}

static int s3_task_configs(const kc_config_t *cfg, int max_tasks, kc_task_configs_t *out) {
  for (int i = 0; i < max_tasks; i++) {
    int rc = kc_task_configs_add(out, kc_config_copy(cfg));
    if (rc) return rc;
  }
  return 0;
}

const kc_connector_plugin_t kc_s3_sink_plugin = {
    .api_version = KC_CONNECTOR_API_VERSION,
    .class_name = KC_S3_CONNECTOR_CLASS,
    .version = "10.5.0-kconnect",
    .type = KC_CONNECTOR_SINK,
    .config_def = kc_s3_config_defs,
    .validate = kc_s3_config_validate,
    .task_configs = s3_task_configs,
    .task_start = s3_task_start,
    .task_stop = s3_task_stop,
    .put = s3_put,
    .flush = s3_flush,
    .open = s3_open,
    .close = s3_close,
};
