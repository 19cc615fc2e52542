/*
 * Tasks: creation, the task services of connector.h, the status state setter
 * and the stop/fail sequence shared by sink and source runners.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config_provider.h"
#include "config/configdef.h"
#include "config/props.h"
#include "http/http.h"
#include "util/log.h"
#include "worker/worker.h"

static const char *const state_names[] = {
#define XX(s) #s,
    KC_STATE_MAP(XX)
#undef XX
};
static const char *const phase_names[] = {
#define XX(p) #p,
    KC_PHASE_MAP(XX)
#undef XX
};

const char *kc_state_name(kc_state_t s) { return state_names[s]; }

void kc_task_set_state(kc_task_t *task, kc_state_t st, const char *trace) {
  if (task->state != st)
    kc_log_info("kc.worker", "[%s] task %s -> %s%s%s", task->label, state_names[task->state],
                state_names[st], trace ? ": " : "", trace ? trace : "");
  bool changed = task->state != st;
  task->state = st;
  kc_metrics_task_state(task, (int)st);
  free(task->trace);
  task->trace = trace ? strdup(trace) : NULL;
  kc_worker_t *wk = task->wk;
  if (wk && wk->status_cb && (changed || st == KC_STATE_FAILED))
    wk->status_cb(wk->status_arg, task->conn, task->id, st, trace);
}

void kc_task_set_phase(kc_task_t *task, kc_phase_t ph) {
  kc_log_debug("kc.worker", "[%s] runner %s -> %s", task->label, phase_names[task->phase],
               phase_names[ph]);
  task->phase = ph;
}

/* ---- creation ---- */

/* A converter from the connector config when it names one, else the worker's (section 4.1). */
static void *make_converter(kc_task_t *task, const char *key, bool header, bool is_key, char *err,
                            size_t n) {
  const kc_config_t *src = kc_task_conn_config(task);
  const char *cls = kc_config_get(src, key);
  if (!cls || !*cls) {
    src = task->wk->wc->props;
    cls = !strcmp(key, "key.converter")     ? task->wk->wc->key_converter
          : !strcmp(key, "value.converter") ? task->wk->wc->value_converter
                                            : task->wk->wc->header_converter;
  }
  char prefix[64];
  snprintf(prefix, sizeof prefix, "%s.", key);
  kc_config_t *sub = kc_config_with_prefix(src, prefix);
  if (!sub) {
    snprintf(err, n, "out of memory");
    return NULL;
  }
  char cerr[512] = "";
  void *conv = header ? (void *)kc_header_converter_create(cls, sub, cerr, sizeof cerr)
                      : (void *)kc_converter_create(cls, sub, is_key, cerr, sizeof cerr);
  kc_config_destroy(sub);
  if (!conv) snprintf(err, n, "%s: %s", key, cerr);
  return conv;
}

/* A converter's Schema Registry answer arrived (converter.h kc_converter_attach). */
static void on_converter_ready(void *arg) {
  kc_task_t *task = arg;
  if (!task->runner_active) return;
  if (task->sink) kc_sink_runner_conv_ready(task);
  if (task->source) kc_source_runner_conv_ready(task);
}

static void on_shutdown_timeout(uv_timer_t *t) {
  kc_task_t *task = t->data;
  kc_log_warn("kc.worker",
              "[%s] graceful stop took longer than task.shutdown.graceful.timeout.ms=%lld; "
              "not waiting for outstanding flushes",
              task->label, (long long)task->wk->wc->task_shutdown_graceful_timeout_ms);
  task->stop_forced = true;
  if (task->sink) kc_sink_runner_stop(task);
  if (task->source) kc_source_runner_stop(task);
}

/* ---- config providers: variables resolved off the loop before the task starts ---- */

const kc_config_t *kc_task_conn_config(const kc_task_t *t) {
  return t->conn_config_owned ? t->conn_config_owned : t->conn->config;
}

static void task_start(kc_task_t *task);
static void task_finish_stop(kc_task_t *task);

struct kc_task_resolve_s {
  const kc_config_providers_t *providers;
  kc_config_t *task_in, *conn_in;   /* copies taken on the loop */
  kc_config_t *task_out, *conn_out; /* made in the thread pool */
  int rc;
  char err[512];
};

static void resolve_work(uv_work_t *w) {
  struct kc_task_resolve_s *r = ((kc_task_t *)w->data)->resolve;
  r->rc = kc_config_providers_resolve(r->providers, r->task_in, &r->task_out, r->err, sizeof r->err);
  if (!r->rc) r->rc = kc_config_providers_resolve(r->providers, r->conn_in, &r->conn_out, r->err, sizeof r->err);
}

static void resolve_done(uv_work_t *w, int status) {
  kc_task_t *task = w->data;
  struct kc_task_resolve_s *r = task->resolve;
  task->resolve = NULL;
  task->resolving = false;
  kc_config_destroy(r->task_in);
  kc_config_destroy(r->conn_in);
  if (task->stopping) { /* stopped while the providers were read */
    kc_config_destroy(r->task_out);
    kc_config_destroy(r->conn_out);
    free(r);
    task_finish_stop(task);
    return;
  }
  if (status || r->rc) {
    kc_config_destroy(r->task_out);
    kc_config_destroy(r->conn_out);
    kc__task_failed(task, "%s", status ? "config provider lookup cancelled" : r->err);
    free(r);
    return;
  }
  kc_config_destroy(task->config);
  task->config = r->task_out;
  task->conn_config_owned = r->conn_out;
  free(r);
  task_start(task);
}

static void resolve_start(kc_task_t *task) {
  struct kc_task_resolve_s *r = calloc(1, sizeof *r);
  if (r) {
    r->providers = task->wk->wc->providers;
    r->task_in = kc_config_copy(task->config);
    r->conn_in = kc_config_copy(task->conn->config);
  }
  if (!r || !r->task_in || !r->conn_in) {
    if (r) {
      kc_config_destroy(r->task_in);
      kc_config_destroy(r->conn_in);
    }
    free(r);
    kc__task_failed(task, "out of memory");
    return;
  }
  task->resolve = r;
  task->resolving = true;
  task->resolve_work.data = task;
  uv_queue_work(task->wk->loop, &task->resolve_work, resolve_work, resolve_done);
}

kc_task_t *kc_task_create(kc_connector_t *conn, int id, const kc_config_t *config) {
  kc_task_t *task = calloc(1, sizeof *task);
  if (!task) return NULL;
  task->conn = conn;
  task->wk = conn->wk;
  task->plugin = conn->plugin;
  task->id = id;
  snprintf(task->label, sizeof task->label, "%s-%d", conn->name, id);
  task->config = kc_config_copy(config);
  task->state = KC_STATE_UNASSIGNED;
  task->phase = KC_PHASE_WAIT_START;
  kc_metrics_task_init(task); /* without memory: only the current samples are kept */
  uv_timer_init(task->wk->loop, &task->shutdown_timer);
  task->shutdown_timer.data = task;
  task->next = task->wk->tasks;
  task->wk->tasks = task;
  if (task->wk->wc->providers && task->config &&
      (kc_config_has_variables(task->config) || kc_config_has_variables(conn->config))) {
    resolve_start(task);
    return task;
  }
  task_start(task);
  return task;
}

/* The rest of creation, with the configs final: converters, transforms, the runner. */
static void task_start(kc_task_t *task) {
  char err[1024] = "";
  const kc_config_def_t *tables[4];
  kc_plugins_tables(task->plugin, tables);
  for (int i = 0; tables[i]; i++) kc_configdef_apply_defaults(tables[i], task->config);
  const char *tol = kc_config_get(task->config, "errors.tolerance");
  task->tolerate_errors = tol && !strcmp(tol, "all");
  bool logerr = false;
  kc_config_get_bool(task->config, "errors.log.enable", &logerr);
  task->log_errors = logerr;
  bool logmsg = false;
  kc_config_get_bool(task->config, "errors.log.include.messages", &logmsg);
  task->log_messages = logmsg;

  if (!(task->key_conv = make_converter(task, "key.converter", false, true, err, sizeof err)) ||
      !(task->value_conv = make_converter(task, "value.converter", false, false, err, sizeof err)) ||
      !(task->header_conv = make_converter(task, "header.converter", true, false, err, sizeof err))) {
    kc__task_failed(task, "%s", err);
    return;
  }
  /* ConnectorConfig.transformationStages: a class or config the chain refuses fails the task. */
  if (kc_xf_chain_create(kc_task_conn_config(task), &task->chain, err, sizeof err)) {
    kc__task_failed(task, "%s", err);
    return;
  }
  if (kc_converter_kind(task->key_conv) == KC_CONVERTER_AVRO ||
      kc_converter_kind(task->value_conv) == KC_CONVERTER_AVRO) {
    kc_http_t *http = kc__task_http(task);
    if (!http) {
      kc__task_failed(task, "cannot start the HTTP client the Schema Registry needs");
      return;
    }
    kc_converter_attach(task->key_conv, http, on_converter_ready, task);
    kc_converter_attach(task->value_conv, http, on_converter_ready, task);
  }
  int rc = task->plugin->type == KC_CONNECTOR_SINK ? kc_sink_runner_start(task, err, sizeof err)
                                                   : kc_source_runner_start(task, err, sizeof err);
  if (rc) kc__task_failed(task, "%s", err);
}

/* ---- stop / fail ---- */

static void task_free_cb(uv_handle_t *h) {
  kc_task_t *task = h->data;
  kc_task_t **pp = &task->wk->tasks;
  while (*pp && *pp != task) pp = &(*pp)->next;
  if (*pp) *pp = task->next;
  kc_converter_destroy(task->key_conv);
  kc_converter_destroy(task->value_conv);
  kc_header_converter_destroy(task->header_conv);
  kc_xf_chain_destroy(task->chain);
  kc_config_destroy(task->config);
  kc_config_destroy(task->conn_config_owned);
  free(task->trace);
  kc_metrics_task_free(task);
  free(task);
}

static void task_finish_stop(kc_task_t *task) {
  kc_task_set_phase(task, KC_PHASE_DONE);
  uv_timer_stop(&task->shutdown_timer);
  if (!task->stopping) return; /* a failure teardown: the task stays for the status API */
  if (task->state != KC_STATE_FAILED) kc_task_set_state(task, KC_STATE_UNASSIGNED, NULL);
  kc_task_stopped_cb cb = task->stopped_cb;
  void *arg = task->stopped_arg;
  task->freed = true;
  uv_close((uv_handle_t *)&task->shutdown_timer, task_free_cb);
  if (cb) cb(task, arg);
}

void kc__task_runner_stopped(kc_task_t *task) {
  task->runner_active = false;
  if (task->sink) kc_sink_runner_free(task);
  if (task->source) kc_source_runner_free(task);
  task_finish_stop(task);
}

int kc__task_plugin_stop(kc_task_t *task) {
  if (!task->plugin_started) {
    task->plugin_stop_done = true;
    return KC_OK;
  }
  task->plugin_started = false;
  int rc = task->plugin->task_stop ? task->plugin->task_stop(task) : KC_OK;
  if (rc != KC_AGAIN) task->plugin_stop_done = true;
  return task->plugin_stop_done ? KC_OK : KC_AGAIN;
}

void kc_task_stop(kc_task_t *task, kc_task_stopped_cb cb, void *arg) {
  task->stopped_cb = cb;
  task->stopped_arg = arg;
  if (task->stopping) return;
  task->stopping = true;
  if (task->resolving) return; /* resolve_done() finishes the stop */
  if (!task->runner_active) { /* never started, or torn down after a failure */
    task_finish_stop(task);
    return;
  }
  uv_timer_start(&task->shutdown_timer, on_shutdown_timeout,
                 (uint64_t)task->wk->wc->task_shutdown_graceful_timeout_ms, 0);
  if (task->sink) kc_sink_runner_stop(task);
  if (task->source) kc_source_runner_stop(task);
}

void kc__task_failed(kc_task_t *task, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (task->state == KC_STATE_FAILED) return;
  kc_log_error("kc.worker", "[%s] Task threw an uncaught and unrecoverable exception: %s",
               task->label, msg);
  char trace[2300];
  snprintf(trace, sizeof trace, "org.apache.kafka.connect.errors.ConnectException: %s", msg);
  kc_task_set_state(task, KC_STATE_FAILED, trace);
  /* Tear the runner down now; the task object stays so that status shows the trace. */
  if (task->runner_active && !task->stopping) {
    if (task->sink) kc_sink_runner_stop(task);
    if (task->source) kc_source_runner_stop(task);
  }
}

void kc_task_pause(kc_task_t *task) {
  task->paused = true;
  if (task->state == KC_STATE_RUNNING) kc_task_set_state(task, KC_STATE_PAUSED, NULL);
  if (task->runner_active) {
    if (task->sink) kc_sink_runner_pause(task, true);
    if (task->source) kc_source_runner_pause(task, true);
  }
}

void kc_task_resume(kc_task_t *task) {
  task->paused = false;
  if (task->state == KC_STATE_PAUSED) kc_task_set_state(task, KC_STATE_RUNNING, NULL);
  if (task->runner_active) {
    if (task->sink) kc_sink_runner_pause(task, false);
    if (task->source) kc_source_runner_pause(task, false);
  }
}

/* ---- task services (connector.h) ---- */

const char *kc_task_connector_name(const kc_task_t *task) { return task->conn->name; }
int kc_task_id(const kc_task_t *task) { return task->id; }
const kc_config_t *kc_task_config(const kc_task_t *task) { return task->config; }
uv_loop_t *kc_task_loop(const kc_task_t *task) { return task->wk->loop; }
void *kc_task_ctx(const kc_task_t *task) { return task->ctx; }
const char *kc_task_state_dir(const kc_task_t *task) { return task->wk->state_dir; }

kc_http_t *kc__task_http(kc_task_t *task) {
  if (!task->wk->http) task->wk->http = kc_http_create(task->wk->loop);
  return task->wk->http;
}
void kc_task_set_ctx(kc_task_t *task, void *ctx) { task->ctx = ctx; }

void kc_task_log(const kc_task_t *task, kc_log_level_t level, const char *fmt, ...) {
  if (!KC_LOG_ENABLED(level)) return;
  /* The connector class's logger (Java's connectors log under their own classes), the task as context. */
  kc_logger_t *l = kc_logger_get(task->plugin->class_name);
  va_list ap;
  va_start(ap, fmt);
  kc_logger_logv(l, level, task->label, fmt, ap);
  va_end(ap);
}

void kc_task_wakeup(kc_task_t *task) {
  if (!task->runner_active) return;
  if (task->sink) kc_sink_runner_wakeup(task);
  if (task->source) kc_source_runner_wakeup(task);
}

void kc_task_flush_done(kc_task_t *task, int status) {
  if (task->sink) kc_sink_runner_flush_done(task, status);
}

void kc_task_stop_done(kc_task_t *task) {
  if (task->plugin_stop_done || task->plugin_started) {
    kc_log_warn("kc.worker", "[%s] kc_task_stop_done() without a pending task_stop; ignored",
                task->label);
    return;
  }
  task->plugin_stop_done = true;
  if (task->phase != KC_PHASE_WAIT_PLUGIN_STOP) {
    return; /* called from inside task_stop(): kc__task_plugin_stop() sees the flag */
  }
  if (task->sink) kc_sink_runner_stop(task);
  if (task->source) kc_source_runner_stop(task);
}

void kc_task_fail(kc_task_t *task, const char *trace) { kc__task_failed(task, "%s", trace); }

const kc_value_t *kc_task_offset(kc_task_t *task, const kc_value_t *partition) {
  return task->source ? kc_source_runner_offset(task, partition) : NULL;
}

void kc_task_request_commit(kc_task_t *task) {
  if (task->sink && task->runner_active) kc_sink_runner_request_commit(task);
}
