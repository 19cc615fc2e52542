/*
 * The worker: runs connector instances and their tasks on the loop
 * (Connect's Worker + WorkerSinkTask + WorkerSourceTask). Internal to src/.
 *
 * Ownership: the worker owns connectors; a connector owns its tasks. A task
 * is freed only after its plugin stop, its Kafka client teardown and all its
 * uv handle closes have completed (pending counter), never from inside one
 * of its own callbacks' stack frames that still touch it.
 */
#ifndef KC_WORKER_WORKER_H
#define KC_WORKER_WORKER_H

#include <jansson.h>
#include <librdkafka/rdkafka.h>
#include <stdbool.h>
#include <uv.h>

#include "config/worker_config.h"
#include "convert/converter.h"
#include "kafka/kqueue.h"
#include "transform/chain.h"
#include "kconnect/connector.h"
#include "metrics/metrics.h"
#include "worker/offset_store.h"

/* Connect's AbstractStatus.State (section 2). */
#define KC_STATE_MAP(XX) \
  XX(UNASSIGNED) XX(RUNNING) XX(PAUSED) XX(FAILED) XX(DESTROYED) XX(RESTARTING) XX(STOPPED)
typedef enum {
#define XX(s) KC_STATE_##s,
  KC_STATE_MAP(XX)
#undef XX
} kc_state_t;
const char *kc_state_name(kc_state_t s);

/* Connect's TargetState: user intent. */
typedef enum { KC_TARGET_STARTED, KC_TARGET_PAUSED, KC_TARGET_STOPPED } kc_target_t;

/*
 * The task runner's own state machine (one setter: task_set_phase, one step
 * function per task kind). Named after what the task waits for.
 */
#define KC_PHASE_MAP(XX)                                                           \
  XX(WAIT_START)      /* created; the plugin's task_start not called yet */       \
  XX(RUNNING)         /* delivering (sink) or polling (source) */                 \
  XX(WAIT_RETRY)      /* back-off timer after KC_RETRY */                         \
  XX(WAIT_DRAIN)      /* stopping: waiting for in-flight flush/commit/DRs */      \
  XX(WAIT_CLOSE)      /* stopping: Kafka consumer closing asynchronously */       \
  XX(WAIT_PLUGIN_STOP)/* stopping: plugin task_stop returned KC_AGAIN */          \
  XX(WAIT_DESTROY)    /* stopping: rd_kafka_destroy on the threadpool, handles closing */ \
  XX(DONE)            /* freed next */
typedef enum {
#define XX(p) KC_PHASE_##p,
  KC_PHASE_MAP(XX)
#undef XX
} kc_phase_t;

typedef struct kc_worker_s kc_worker_t;
typedef struct kc_connector_s kc_connector_t;
typedef struct kc_sink_runner_s kc_sink_runner_t;
typedef struct kc_source_runner_s kc_source_runner_t;

typedef void (*kc_task_stopped_cb)(kc_task_t *task, void *arg);

struct kc_task_s {
  kc_connector_t *conn;
  kc_worker_t *wk;
  const kc_connector_plugin_t *plugin;
  int id;
  char label[256];           /* "name-0" for logs */
  kc_config_t *config;       /* task config, defaults applied (owned); variables resolved */
  /* The connector config with the config providers' variables resolved, when it had any
   * (kc_task_conn_config() gives the one to use). Never shown by REST. */
  kc_config_t *conn_config_owned;
  bool resolving;            /* config providers are being read (off the loop) */
  uv_work_t resolve_work;
  struct kc_task_resolve_s *resolve;
  void *ctx;                 /* plugin context */

  kc_state_t state;          /* what the status API shows */
  char *trace;               /* FAILED reason */
  kc_phase_t phase;
  bool paused;               /* target PAUSED */
  bool stopping;
  bool plugin_started;       /* task_start succeeded: task_stop is owed */
  bool plugin_stop_done;     /* task_stop finished (KC_OK, or kc_task_stop_done()) */
  bool runner_active;        /* Kafka client and handles exist */
  bool stop_forced;          /* graceful timeout passed: skip waiting for flushes */
  bool freed;

  kc_converter_t *key_conv, *value_conv;
  kc_header_converter_t *header_conv;
  kc_xf_chain_t *chain;        /* the connector's transforms; NULL when it has none */
  bool tolerate_errors;      /* errors.tolerance=all */
  bool log_errors;           /* errors.log.enable */
  bool log_messages;         /* errors.log.include.messages */
  char conv_err[768];        /* the last conversion error, for the FAILED trace */
  bool sink_value_text;      /* the connector asked for values as text: render them in one pass */

  kc_sink_runner_t *sink;
  kc_source_runner_t *source;

  uv_timer_t shutdown_timer; /* task.shutdown.graceful.timeout.ms */
  int pending_closes;
  kc_task_stopped_cb stopped_cb;
  void *stopped_arg;
  kc_task_t *next;           /* worker-wide list (offset flush) */
  kc_task_metrics_t m;       /* what the runners count for GET /metrics (src/metrics) */
};
/** The connector config as task @p t sees it: variables resolved (config providers). */
const kc_config_t *kc_task_conn_config(const kc_task_t *t);


struct kc_connector_s {
  kc_worker_t *wk;
  char *name;
  kc_config_t *config;       /* the raw config as submitted (shown by REST) */
  const kc_connector_plugin_t *plugin;
  kc_target_t target;
  kc_state_t state;
  char *trace;
  kc_config_t **task_configs;
  int ntask_configs;
  kc_task_t **tasks;         /* ntask_configs slots; NULL while a slot is stopped */
  int stopping_tasks;        /* tasks with a stop in flight */
  void (*all_stopped_cb)(kc_connector_t *c, void *arg);
  void *all_stopped_arg;
  struct kc_task_starter_s *starter; /* creates tasks a few per loop turn; NULL when done */
  bool instance;             /* distributed: this worker runs the Connector instance itself
                                (standalone: always); only then its state is published */
  void *herder_data;         /* distributed herder's per-connector bookkeeping */
  kc_connector_t *next;
};

/*
 * Status listener (distributed: the status store, connect-runtime.md 5.3):
 * called after every state change of a connector instance (task -1) or a
 * task. @p trace is borrowed for the call.
 */
typedef void (*kc_worker_status_cb)(void *arg, kc_connector_t *c, int task, kc_state_t st,
                                    const char *trace);

struct kc_worker_s {
  uv_loop_t *loop;
  kc_worker_config_t *wc;
  kc_offset_store_t *offsets;
  char worker_id[300];
  char *state_dir;           /* kconnect.state.dir, or the offsets file's directory */
  struct kc_http_s *http;    /* curl multi on the loop, created on first use (S3) */
  kc_connector_t *connectors;
  struct kc_offsets_read_s *offset_reads; /* sink offset reads in flight (worker.c) */
  kc_task_t *tasks;          /* all live tasks */
  uv_timer_t offset_timer;
  bool offset_flush_inflight;
  bool offset_flush_again;
  rd_kafka_t *admin_rk;      /* worker-level client: cluster id, connectivity */
  kc_kqueue_t admin_kq;
  char *cluster_id;
  uv_timer_t cluster_timer;
  struct kc_cluster_waiter_s *cluster_waiters; /* GET / requests waiting for the id */
  bool shutting_down;
  bool exiting;              /* the process is stopping (SIGTERM): set before the tasks stop */
  int64_t started_ms;
  kc_worker_status_cb status_cb; /* NULL in standalone */
  void *status_arg;
  /* Topic tracking (KIP-558): a task had a record of @p topic acknowledged (source) or converted (sink). */
  void (*topic_cb)(void *arg, kc_task_t *task, const char *topic);
  kc_worker_metrics_t metrics; /* connect-worker(-rebalance)-metrics and the sample timer */
};

/* ---- plugins (plugins.c) ---- */
/** Resolves a connector class by FQCN or alias (section 10). NULL when unknown. */
const kc_connector_plugin_t *kc_plugins_find(const char *class_name);
/** The version a plugin reports (PluginDesc.version): its own, else the Connect version followed. */
const char *kc_plugin_version(const kc_connector_plugin_t *p);
/** NULL-terminated list of built-in plugins. */
const kc_connector_plugin_t *const *kc_plugins_all(void);
/** "FileStreamSink, FileStreamSource, ..." style list for error messages. Static buffer. */
const char *kc_plugins_describe(void);
/** Config tables for a plugin: {common, sink|source, plugin, NULL}. */
void kc_plugins_tables(const kc_connector_plugin_t *p, const kc_config_def_t *tables[4]);

/* ---- worker (worker.c) ---- */
kc_worker_t *kc_worker_create(uv_loop_t *loop, kc_worker_config_t *wc, char *errstr, size_t n);
/** Stops the timers and the admin client; call after all connectors are gone. */
void kc_worker_shutdown(kc_worker_t *wk, void (*cb)(void *arg), void *arg);
void kc_worker_destroy(kc_worker_t *wk);
/**
 * Replaces the worker's offset store (distributed: the offsets topic, opened
 * after the worker). Only before any task runs; the old store is closed.
 */
void kc_worker_set_offset_store(kc_worker_t *wk, kc_offset_store_t *st);
/** A task used @p topic (a produce acknowledged, a record converted): tells the topic listener, if any. */
void kc_worker_topic_used(kc_task_t *task, const char *topic);
/** Requests a source offset flush now (coalesced). @p cb may be NULL. */
void kc_worker_flush_offsets(kc_worker_t *wk);
int64_t kc_now_ms(void);
/**
 * Calls @p cb once the Kafka cluster id is known (at once if it is), or with
 * NULL after @p timeout_ms or at shutdown. Connect answers GET / only after
 * it looked the id up; this keeps that without blocking the loop.
 */
void kc_worker_when_cluster_id(kc_worker_t *wk, uint64_t timeout_ms,
                               void (*cb)(void *arg, const char *cluster_id), void *arg);
/**
 * Reads a sink connector's consumer group's committed offsets off the loop
 * (kafka/group_offsets.h: a consumer handle on the threadpool, never the admin
 * API, whose ListConsumerGroupOffsets crashes on NOT_COORDINATOR) for the
 * partitions of the connector's topics / topics.regex, with its
 * consumer.override.* connection settings. Requests for a group already being
 * read join that read. @p cb runs once on the loop with the partitions
 * (borrowed, sorted) or an error message.
 * @returns 0, or KC_ENOMEM / KC_EINVAL with @p errstr (then @p cb is never called).
 */
typedef void (*kc_group_offsets_cb)(void *arg, const char *errmsg,
                                    const rd_kafka_topic_partition_list_t *offsets);
int kc_worker_group_offsets(kc_worker_t *wk, const kc_config_t *conn_config, const char *group,
                            kc_group_offsets_cb cb, void *arg, char *errstr, size_t n);

/* ---- tasks (task.c) ---- */
/**
 * Creates and starts a task of @p conn with @p config (copied). Failures to
 * start leave the task FAILED with a trace (the task still exists, as in Connect).
 */
kc_task_t *kc_task_create(kc_connector_t *conn, int id, const kc_config_t *config);
/** Gracefully stops: flush, commit, close clients, plugin stop; @p cb once when freed-to-be. */
void kc_task_stop(kc_task_t *task, kc_task_stopped_cb cb, void *arg);
void kc_task_pause(kc_task_t *task);
void kc_task_resume(kc_task_t *task);
/** The single state setter for the status API: logs and records the trace (copied). */
void kc_task_set_state(kc_task_t *task, kc_state_t st, const char *trace);
/** The single setter for the runner phase (logged at debug). */
void kc_task_set_phase(kc_task_t *task, kc_phase_t ph);
/** Fails the task: FAILED + trace, stops its runner (the task object stays for status). */
void kc__task_failed(kc_task_t *task, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Called by runners when their stop sequence is done; the task then calls the plugin stop and frees. */
void kc__task_runner_stopped(kc_task_t *task);
/** Called by a runner when the plugin's own stop must run now (before client teardown). */
int kc__task_plugin_stop(kc_task_t *task);

/* ---- runners (sink_task.c, source_task.c) ---- */
int kc_sink_runner_start(kc_task_t *task, char *errstr, size_t n);
void kc_sink_runner_pause(kc_task_t *task, bool pause);
void kc_sink_runner_stop(kc_task_t *task);
void kc_sink_runner_wakeup(kc_task_t *task);
/** A converter's pending Schema Registry answer arrived: convert the held record again. */
void kc_sink_runner_conv_ready(kc_task_t *task);
void kc_sink_runner_flush_done(kc_task_t *task, int status);
void kc_sink_runner_request_commit(kc_task_t *task);
void kc_sink_runner_free(kc_task_t *task);

int kc_source_runner_start(kc_task_t *task, char *errstr, size_t n);
void kc_source_runner_pause(kc_task_t *task, bool pause);
void kc_source_runner_stop(kc_task_t *task);
void kc_source_runner_wakeup(kc_task_t *task);
/** A converter's pending Schema Registry answer arrived: produce the held record again. */
void kc_source_runner_conv_ready(kc_task_t *task);
/** Stages committable offsets into the store. @returns number staged. */
int kc_source_runner_stage_offsets(kc_task_t *task);
void kc_source_runner_offsets_flushed(kc_task_t *task, int status);
void kc_source_runner_free(kc_task_t *task);
const kc_value_t *kc_source_runner_offset(kc_task_t *task, const kc_value_t *partition);

/* ---- records (records.c) ---- */
struct kc_sink_record_s {
  kc_task_t *task;
  rd_kafka_message_t *msg;   /* borrowed from the runner */
  kc_arena_t *arena;         /* the runner's per-batch arena: converted values live there */
  kc_schema_t *key_schema, *value_schema;
  kc_value_t *key, *value;
  bool key_done, value_done;
  int key_rc, value_rc;
  bool has_xr;               /* transformed: xr is the record the connector sees */
  kc_xrecord_t xr;
  /* The value as text, rendered by the runner straight from the bytes (value_done stays false:
   * kc_sink_record_value() still converts on demand). text NULL: not rendered. */
  const kc_buf_t *text;
  size_t text_off, text_len;
};
void kc_sink_record_init(kc_sink_record_t *r, kc_task_t *task, rd_kafka_message_t *msg,
                         kc_arena_t *arena);
void kc_sink_record_clear(kc_sink_record_t *r);

struct kc_source_record_s {
  char *topic;
  int32_t partition;
  kc_value_t *source_partition, *source_offset;
  bool covered; /* kc_source_batch_add_covered: the next record's partition and offset stand for it */
  kc_schema_t *key_schema, *value_schema;
  kc_value_t *key, *value;
  int64_t timestamp_ms;
  /* After the transforms: key/value point into xr (the arena) or into the originals kept here. */
  bool xf_done;
  kc_xrecord_t *xr;
  kc_value_t *orig_key, *orig_value;
  rd_kafka_headers_t *headers; /* serialized by the header converter; NULL: none */
};

/*
 * The transform chain on a record (task_transform.c). Sink: after conversion, fills rec->xr (what
 * the connector then sees). Source: before conversion, rewrites @p rec from the chain's result;
 * values live in @p arena until the record is produced.
 * @returns KC_OK, KC_XF_DROP, KC_ECONVERT (@p fail filled), KC_ENOMEM.
 */
int kc__sink_transform(kc_task_t *task, kc_sink_record_t *rec, kc_xf_failure_t *fail);
int kc__source_transform(kc_task_t *task, kc_source_record_t *rec, kc_arena_t *arena,
                         kc_xf_failure_t *fail);

/* Replaces the record's topic with @p t (malloc'd, taken): the first one shares the record's block. */
void kc__source_record_set_topic(kc_source_record_t *r, char *t);

struct kc_source_batch_s {
  kc_source_record_t **recs;
  size_t n, cap;
  kc_arena_t *arena; /* the runner's: reset once every record of the batch was produced */
};
void kc_source_batch_clear(kc_source_batch_t *b);

struct kc_task_configs_s {
  kc_config_t **cfgs;
  int n, cap;
};

/* ---- connectors (connector.c) ---- */
/**
 * Creates a connector instance from a validated config (copied) and starts it
 * with @p target. @returns the connector or NULL with errstr.
 */
kc_connector_t *kc_connector_create(kc_worker_t *wk, const char *name, const kc_config_t *config,
                                    kc_target_t target, char *errstr, size_t n);
/** Stops all tasks; @p cb when all are gone (maybe at once, synchronously). */
void kc_connector_stop_tasks(kc_connector_t *c, void (*cb)(kc_connector_t *, void *), void *arg);
/*
 * Distributed mode: the herder decides which tasks run here (assignment) and
 * where task configs come from (the config topic), so a connector may exist
 * here only to hold some of its tasks.
 */
/** Creates a connector holder without generating task configs or starting tasks (state UNASSIGNED). */
kc_connector_t *kc_connector_create_idle(kc_worker_t *wk, const char *name, const kc_config_t *config,
                                         kc_target_t target, char *errstr, size_t n);
/**
 * Runs the Connector's taskConfigs(tasks.max) on its config with defaults
 * applied. @p out receives the configs (caller frees each and out->cfgs).
 * @returns 0 or the plugin's KC_E* with @p errstr.
 */
int kc_connector_generate_task_configs(kc_connector_t *c, kc_task_configs_t *out, char *errstr,
                                       size_t n);
/** Replaces the holder's task configs (copied). Only while none of its tasks runs. @returns 0 or KC_ENOMEM. */
int kc_connector_set_task_configs(kc_connector_t *c, const kc_config_t *const *cfgs, int n);
/** Starts task @p id with its current config (target PAUSED pauses it). @returns the task or NULL (bad id / already running). */
kc_task_t *kc_connector_start_task(kc_connector_t *c, int id);
/** Stops task @p id; @p cb once it is gone (at once when it is not running). */
void kc_connector_stop_task(kc_connector_t *c, int id, void (*cb)(kc_connector_t *, void *), void *arg);
/** The single state setter of the connector instance (logs; calls the worker's status listener). */
void kc_connector_set_state(kc_connector_t *c, kc_state_t st, const char *trace);
/** Number of tasks of @p c that run (or are stopping) on this worker. */
int kc_connector_running_tasks(const kc_connector_t *c);
/** (Re)computes task configs and starts tasks for the target state. */
int kc_connector_start_tasks(kc_connector_t *c, char *errstr, size_t n);
void kc_connector_set_target(kc_connector_t *c, kc_target_t target);
void kc_connector_free(kc_connector_t *c);
kc_connector_t *kc_worker_connector(kc_worker_t *wk, const char *name);
/** Validates a connector config against plugin tables; NULL plugin out on unknown class. */
int kc_connector_validate(const kc_config_t *cfg, const kc_connector_plugin_t **plugin, char *errstr,
                          size_t n);

#endif
