/*
 * kconnect: Apache Kafka Connect as one libuv reactor.
 *
 *   kconnect standalone WORKER.properties [CONNECTOR.properties ...]
 *   kconnect distributed WORKER.properties
 *   kconnect offsets import --worker WORKER.properties --file OFFSETS_FILE [--dry-run]
 *
 * Invoked as "connect-standalone" or "connect-distributed" (symlinks) it
 * behaves the same.
 */
#include <libgen.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "cli/offsets_import.h"
#include "config/env_config.h"
#include "config/props.h"
#include "config/worker_config.h"
#include "rest/rest.h"
#include "util/log.h"
#include "util/loggers.h"
#include "config/distributed_config.h"
#include "worker/herder_distributed.h"
#include "worker/herder_standalone.h"

typedef struct {
  uv_loop_t *loop;
  kc_worker_t *wk;
  kc_herder_t *herder;
  kc_rest_t *rest;
  uv_signal_t sigterm, sigint, sighup;
  uv_timer_t deadline;
  int stopping;
  int exit_code;
} kc_main_t;

static void usage(FILE *f) {
  fprintf(f,
          "Usage: kconnect standalone WORKER.properties|- [CONNECTOR.properties|.json ...]\n"
          "       kconnect distributed [WORKER.properties]\n"
          "       connect-standalone WORKER.properties|- [CONNECTOR.properties|.json ...]\n"
          "       connect-distributed [WORKER.properties]\n"
          "       kconnect offsets import --worker WORKER.properties --file OFFSETS_FILE [--dry-run]\n"
          "       kconnect --version | --help\n\n"
          "Without a worker file (or with -) the worker config comes from CONNECT_* variables, as in\n"
          "Confluent's image: CONNECT_GROUP_ID -> group.id (_ -> ., __ -> _, ___ -> -).\n"
          "Connector files: JSON ({\"name\": ..., \"config\": {...}} or a flat object) or .properties.\n"
          "standalone: the connectors given as files start at once; more are managed through the\n"
          "REST API (listeners, default http://:8083); source offsets go to offset.storage.file.filename.\n"
          "distributed: workers with the same group.id form one cluster through Kafka's group\n"
          "coordinator; connectors are managed through the REST API of any worker and kept in the\n"
          "config.storage.topic, offset.storage.topic and status.storage.topic topics.\n"
          "offsets import: copies a standalone offsets file (kconnect's or Java's) into a distributed\n"
          "cluster's offset.storage.topic, then exits (kconnect offsets import --help).\n"
          "Signals: SIGTERM/SIGINT stop tasks gracefully, commit offsets and exit.\n");
}

static void on_closed_signal(uv_handle_t *h) {}

static void on_worker_down(void *arg) {
  kc_main_t *m = arg;
  uv_close((uv_handle_t *)&m->deadline, on_closed_signal);
  uv_close((uv_handle_t *)&m->sigterm, on_closed_signal);
  uv_close((uv_handle_t *)&m->sigint, on_closed_signal);
  uv_close((uv_handle_t *)&m->sighup, on_closed_signal);
  kc_log_info("kc.main", "kconnect stopped");
}

static void on_herder_down(void *arg) {
  kc_main_t *m = arg;
  kc_worker_shutdown(m->wk, on_worker_down, m);
}

static void on_rest_down(void *arg) {
  kc_main_t *m = arg;
  m->rest = NULL;
  kc_herder_shutdown(m->herder, on_herder_down, m);
}

/* librdkafka can hang in rd_kafka_destroy (e.g. a subscribed topic was deleted): the threadpool job
 * never returns and the loop waits for it. Past the graceful timeout plus a margin, give up. */
static void on_deadline(uv_timer_t *t) {
  kc_log_error("kc.main", "shutdown did not finish within task.shutdown.graceful.timeout.ms + 10 s "
               "(a Kafka client did not close); exiting");
  _exit(1);
}

static void begin_stop(kc_main_t *m) {
  m->wk->exiting = true;
  uv_timer_start(&m->deadline, on_deadline,
                 (uint64_t)m->wk->wc->task_shutdown_graceful_timeout_ms + 10000, 0);
  if (m->rest)
    kc_rest_close(m->rest, on_rest_down, m);
  else
    on_rest_down(m);
}

static void on_signal(uv_signal_t *s, int signum) {
  kc_main_t *m = s->data;
  if (m->stopping++) {
    kc_log_warn("kc.main", "second signal %d: exiting without a graceful stop", signum);
    _exit(1);
  }
  kc_log_info("kc.main", "Kafka Connect stopping (signal %d)", signum);
  begin_stop(m);
}

/* The distributed herder cannot go on (an unusable internal topic, a refused group): stop. */
static void on_herder_fatal(void *arg, const char *message) {
  kc_main_t *m = arg;
  m->exit_code = 1;
  if (m->stopping++) return;
  kc_log_error("kc.main", "Stopping due to an error: %s", message);
  begin_stop(m);
}

/* The JVM runs its shutdown hooks on SIGHUP (a graceful stop). A daemon whose terminal or
 * supervisor session goes away must keep moving data, and kconnect logs to stderr only, so
 * there is no log file to reopen: SIGHUP is logged and otherwise has no effect. */
static void on_sighup(uv_signal_t *s, int signum) {
  kc_log_info("kc.main", "SIGHUP received: ignored (kconnect keeps running; it logs to stderr, "
              "so there is no log file to reopen; use SIGTERM to stop)");
}

/* The worker config: the file argv[0], or, when there is none (or it is "-"), the CONNECT_*
 * variables as Confluent's image maps them. */
static kc_config_t *load_worker(int argc, char **argv, const char **source, char *err, size_t n) {
  if (argc > 0 && strcmp(argv[0], "-")) {
    *source = argv[0];
    kc_config_t *props = kc_props_load_file(argv[0], err, n);
    if (!props) kc_log_error("kc.main", "cannot load the worker config: %s", err);
    return props;
  }
  *source = "from CONNECT_* variables";
  const char *root = NULL;
  kc_config_t *props = kc_env_worker_config(environ, &root);
  if (!props) {
    kc_log_error("kc.main", "out of memory");
    return NULL;
  }
  if (kc_config_count(props) == 0) {
    kc_log_error("kc.main", "no worker config: give WORKER.properties, or set CONNECT_* variables "
                            "(CONNECT_BOOTSTRAP_SERVERS=... becomes bootstrap.servers=...)");
    kc_config_destroy(props);
    return NULL;
  }
  int t;
  if (root && !getenv("KC_LOG_LEVEL")) {
    if (kc_log_threshold_parse(root, &t) == 0) kc_loggers_set_root(t);
    else kc_log_warn("kc.main", "CONNECT_LOG4J_ROOT_LOGLEVEL=%s is not a level (OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL)", root);
  }
  /* The Connect images' "a.b=DEBUG,c=WARN" (their log4j loggers), as worker-scope levels. */
  const char *loggers = getenv("CONNECT_LOG4J_LOGGERS");
  if (loggers && kc_loggers_apply_spec(loggers, err, n))
    kc_log_warn("kc.main", "CONNECT_LOG4J_LOGGERS: %s; that entry is ignored", err);
  kc_log_info("kc.main", "worker config from %zu CONNECT_* variable(s)", kc_config_count(props));
  return props;
}

/* kconnect.log.format and kconnect.log.levels (README "Logging"): applied before anything else
 * of the worker config, so its own warnings come out in the chosen format and levels. */
static int apply_log_settings(const kc_config_t *props, char *err, size_t n) {
  const char *fmt = kc_config_get(props, "kconnect.log.format");
  if (fmt && *fmt) {
    if (strcasecmp(fmt, "json") && strcasecmp(fmt, "text")) {
      snprintf(err, n, "Invalid value %s for configuration kconnect.log.format: must be text or json", fmt);
      return KC_EINVAL;
    }
    kc_log_set_json(!strcasecmp(fmt, "json"));
  }
  const char *levels = kc_config_get(props, "kconnect.log.levels");
  char why[512];
  if (levels && kc_loggers_apply_spec(levels, why, sizeof why)) {
    snprintf(err, n, "Invalid value for configuration kconnect.log.levels: %s", why);
    return KC_EINVAL;
  }
  return 0;
}

static int run(bool distributed, int argc, char **argv) {
  char err[2048] = "";
  const char *source;
  kc_config_t *props = load_worker(argc, argv, &source, err, sizeof err);
  if (!props) return 1;
  if (apply_log_settings(props, err, sizeof err)) {
    kc_log_error("kc.main", "invalid worker config %s: %s", source, err);
    kc_config_destroy(props);
    return 1;
  }
  kc_worker_config_t *wc = kc_worker_config_create(props, err, sizeof err);
  if (!wc) {
    kc_log_error("kc.main", "invalid worker config %s: %s", source, err);
    return 1;
  }
  kc_distributed_config_t dc;
  if (distributed) {
    if (kc_distributed_config_parse(wc, &dc, err, sizeof err)) {
      kc_log_error("kc.main", "invalid worker config %s: %s", source, err);
      kc_worker_config_destroy(wc);
      return 1;
    }
    /* ConnectDistributed has no offsets file: source offsets live in offset.storage.topic. */
    if (wc->offset_storage_file)
      kc_log_warn("kc.config", "The configuration 'offset.storage.file.filename' was supplied but isn't a known "
                  "config (distributed workers keep source offsets in %s).", dc.offset_topic.name);
    wc->offset_storage_file = NULL;
    if (argc > 1)
      kc_log_warn("kc.main", "distributed mode takes only the worker config; %d more argument(s) ignored "
                  "(create connectors through the REST API)", argc - 1);
  } else if (!wc->offset_storage_file || !*wc->offset_storage_file) {
    kc_log_error("kc.main", "invalid worker config %s: Missing required configuration "
                 "\"offset.storage.file.filename\" which has no default value.", source);
    kc_worker_config_destroy(wc);
    return 1;
  }
  kc_main_t m = {.loop = uv_default_loop()};
  uv_timer_init(m.loop, &m.deadline);
  uv_unref((uv_handle_t *)&m.deadline); /* it must not keep a finished loop alive */
  /* librdkafka and our fds: a peer closing a socket must not kill the process. */
  signal(SIGPIPE, SIG_IGN);
  /* Until the loop's handler is installed below, a hangup must not kill the worker either. */
  signal(SIGHUP, SIG_IGN);
  uv_signal_init(m.loop, &m.sighup);
  m.wk = kc_worker_create(m.loop, wc, err, sizeof err);
  if (!m.wk) {
    kc_log_error("kc.main", "cannot start the worker: %s", err);
    kc_worker_config_destroy(wc);
    return 1;
  }
  if (distributed) {
    m.herder = kc_herder_distributed_create(m.wk, &dc, on_herder_fatal, &m, err, sizeof err);
    if (!m.herder || kc_herder_distributed_start(m.herder, err, sizeof err)) {
      kc_log_error("kc.main", "cannot start the distributed herder: %s", err);
      if (!m.herder) kc_distributed_config_clear(&dc);
      m.exit_code = 1;
      m.stopping = 1;
      /* The herder (if any) shuts down its half-started stores, then the worker stops. */
      if (m.herder)
        kc_herder_shutdown(m.herder, on_herder_down, &m);
      else
        kc_worker_shutdown(m.wk, on_worker_down, &m);
      uv_signal_init(m.loop, &m.sigterm);
      uv_signal_init(m.loop, &m.sigint);
      uv_run(m.loop, UV_RUN_DEFAULT);
      kc_herder_destroy(m.herder);
      kc_worker_destroy(m.wk);
      kc_worker_config_destroy(wc);
      uv_loop_close(m.loop);
      return 1;
    }
  } else {
    m.herder = kc_herder_standalone_create(m.wk);
  }
  kc_rest_options_t ro = {
      .listeners = wc->rest_listeners,
      .nlisteners = wc->rest_listener_count,
      .admin_mode = wc->admin_listeners_mode == 0   ? KC_REST_ADMIN_ON_MAIN
                    : wc->admin_listeners_mode == 1 ? KC_REST_ADMIN_DISABLED
                                                    : KC_REST_ADMIN_SEPARATE,
      .ssl_props = wc->props,
      .limits = {.max_connections = (int)wc->rest_max_connections,
                 .max_connections_per_ip = (int)wc->rest_max_connections_per_ip,
                 .header_timeout_ms = (uint64_t)wc->rest_header_timeout_ms},
  };
  m.rest = kc_rest_start(m.loop, m.herder, &ro, err, sizeof err);
  if (!m.rest) {
    kc_log_error("kc.main", "cannot start the REST server: %s", err);
    m.exit_code = 1;
    m.stopping = 1;
    on_rest_down(&m);
    uv_signal_init(m.loop, &m.sigterm);
    uv_signal_init(m.loop, &m.sigint);
  } else {
    kc_log_info("kc.main", "REST server listening on %s:%d, worker id %s",
                *wc->rest_host ? wc->rest_host : "0.0.0.0", kc_rest_port(m.rest), m.wk->worker_id);
    uv_signal_init(m.loop, &m.sigterm);
    uv_signal_init(m.loop, &m.sigint);
    m.sigterm.data = m.sigint.data = &m;
    uv_signal_start(&m.sigterm, on_signal, SIGTERM);
    uv_signal_start(&m.sigint, on_signal, SIGINT);
    uv_signal_start(&m.sighup, on_sighup, SIGHUP);
    uv_unref((uv_handle_t *)&m.sighup); /* it must not keep a finished loop alive */
    for (int i = 1; !distributed && i < argc; i++) {
      int initial = -1;
      kc_config_t *cp = kc_connector_file_load(argv[i], &initial, err, sizeof err);
      if (!cp) {
        kc_log_error("kc.main", "cannot load connector config: %s", err);
        continue;
      }
      if (kc_herder_add_connector(m.herder, cp, initial, err, sizeof err))
        kc_log_error("kc.main", "connector from %s not created: %s", argv[i], err);
      kc_config_destroy(cp);
    }
  }
  uv_run(m.loop, UV_RUN_DEFAULT);
  kc_herder_destroy(m.herder);
  kc_worker_destroy(m.wk);
  kc_worker_config_destroy(wc);
  int rc = uv_loop_close(m.loop);
  if (rc) kc_log_warn("kc.main", "loop closed with handles open: %s", uv_strerror(rc));
  return m.exit_code;
}

int main(int argc, char **argv) {
  /* A fixed mmap threshold: glibc otherwise raises it after large frees, and the spool and fetch
   * buffers that come and go then stay in the heap instead of returning to the system. */
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  /* No fastbins: librdkafka frees delivered messages in runs, and each run that coalesces past
   * 64 KiB made glibc walk every fastbin (malloc_consolidate was ~10% of a source task's CPU).
   * Small chunks still come from the per-thread tcache. */
  mallopt(M_MXFAST, 0);
  const char *prog = basename(argv[0]);
  const char *lvl = getenv("KC_LOG_LEVEL");
  int lt;
  if (lvl && kc_log_threshold_parse(lvl, &lt) == 0) kc_loggers_set_root(lt);
  const char *lfmt = getenv("KC_LOG_FORMAT");
  if (lfmt && !strcasecmp(lfmt, "json")) kc_log_set_json(true);
  int first = 1;
  bool distributed = !strcmp(prog, "connect-distributed") || !strcmp(prog, "connect-distributed.sh");
  bool alias = distributed || !strcmp(prog, "connect-standalone") || !strcmp(prog, "connect-standalone.sh");
  if (!alias) {
    if (argc < 2) {
      usage(stderr);
      return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
      usage(stdout);
      return 0;
    }
    if (!strcmp(argv[1], "--version")) {
      printf("kconnect %s (Kafka Connect %s compatible; librdkafka %s, libuv %s)\n", KC_VERSION_STRING,
             KC_CONNECT_COMPAT_VERSION, rd_kafka_version_str(), uv_version_string());
      return 0;
    }
    if (!strcmp(argv[1], "offsets")) return kc_cli_offsets_main(argc - 1, argv + 1);
    distributed = !strcmp(argv[1], "distributed");
    if (strcmp(argv[1], "standalone") && !distributed) {
      fprintf(stderr, "kconnect: unknown mode '%s' (standalone or distributed)\n\n", argv[1]);
      usage(stderr);
      return 2;
    }
    first = 2;
  } else if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(stdout);
    return 0;
  }
  return run(distributed, argc - first, argv + first);
}
