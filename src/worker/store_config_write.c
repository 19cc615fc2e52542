/*
 * KafkaConfigBackingStore writes (store_config.h): Java's value bytes (JsonConverter with
 * schemas.enable=false: compact, struct fields in schema order, Jackson's string escaping)
 * and the record / read-to-end sequences of its put*() methods. A write is a list of steps
 * run in order: a send step is issued and the next step follows at once (the log keeps the
 * order); a read-to-end step waits, and the log's read to end first waits for every earlier
 * send to be acknowledged, so a send failure is known when the step completes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/json_value.h"
#include "util/log.h"
#include "worker/store_config.h"
#include "worker/store_config_internal.h"

/* ---- value bytes ------------------------------------------------------------- */

static int key_value(kc_buf_t *out, const char *k, const char *v, bool first) {
  int rc = first ? 0 : kc_buf_append(out, ",", 1);
  if (!rc) rc = kc_json_encode_string(out, k, strlen(k));
  if (!rc) rc = kc_buf_append(out, ":", 1);
  if (!rc) rc = v ? kc_json_encode_string(out, v, strlen(v)) : kc_buf_puts(out, "null");
  return rc;
}

int kc_cfgstore_encode_properties(kc_buf_t *out, const kc_config_t *props) {
  int rc = kc_buf_puts(out, "{\"properties\":{");
  for (size_t i = 0; !rc && i < kc_config_count(props); i++) {
    const char *k, *v;
    kc_config_at(props, i, &k, &v);
    rc = key_value(out, k, v, i == 0);
  }
  if (!rc) rc = kc_buf_puts(out, "}}");
  return rc;
}

static const char *target_name(kc_target_t t) {
  return t == KC_TARGET_PAUSED ? "PAUSED" : t == KC_TARGET_STOPPED ? "STOPPED" : "STARTED";
}

int kc_cfgstore_encode_target_state(kc_buf_t *out, kc_target_t t) {
  /* Workers older than STOPPED read "state" only: they see PAUSED. */
  int rc = kc_buf_puts(out, "{");
  if (!rc) rc = key_value(out, "state", t == KC_TARGET_STOPPED ? "PAUSED" : target_name(t), true);
  if (!rc) rc = key_value(out, "state.v2", target_name(t), false);
  if (!rc) rc = kc_buf_puts(out, "}");
  return rc;
}

/* ---- write operations --------------------------------------------------------- */

typedef struct {
  char *key;
  char *val; /* NULL: tombstone */
  size_t vlen;
  bool rte;  /* a read-to-end step instead of a record */
} step_t;

#define READ_WRITE_TOTAL_TIMEOUT_MS 30000 /* KafkaConfigBackingStore.READ_WRITE_TOTAL_TIMEOUT_MS */

typedef struct cfg_op_s {
  uv_timer_t timer; /* the whole write's bound, as Java's Timer */
  bool timer_open;
  kc_cfgstore_t *s;
  step_t *steps;
  int nsteps, cur;
  int refs; /* klog callbacks still to come */
  bool done;
  int status;
  char msg[600];
  const char *what; /* "connector configuration" ... for Java's messages */
  kc_store_done_cb cb;
  void *arg;
} cfg_op_t;

static void op_free(cfg_op_t *op) {
  for (int i = 0; i < op->nsteps; i++) {
    free(op->steps[i].key);
    free(op->steps[i].val);
  }
  free(op->steps);
  free(op);
}

static void op_release(cfg_op_t *op) {
  if (op->done && op->refs == 0 && !op->timer_open) op_free(op);
}

static void op_timer_closed(uv_handle_t *h) {
  cfg_op_t *op = h->data;
  op->timer_open = false;
  op_release(op);
}

static void op_finish(cfg_op_t *op, int status, const char *why) {
  if (op->done) return;
  op->done = true;
  if (op->timer_open) uv_close((uv_handle_t *)&op->timer, op_timer_closed);
  char msg[900];
  if (status) {
    snprintf(msg, sizeof msg, "Error writing %s to Kafka: %s", op->what, why ? why : kc_strerror(status));
    kc_log_error("kc.configstore", "Failed to write %s to Kafka: %s", op->what, why ? why : kc_strerror(status));
  }
  op->refs++; /* the callback may stop the store: keep the op until it returns */
  op->cb(op->arg, status, status ? msg : NULL);
  op->refs--;
  op_release(op);
}

static void op_run(cfg_op_t *op);

static void op_timeout(uv_timer_t *t) {
  cfg_op_t *op = t->data;
  char why[200];
  snprintf(why, sizeof why, "no answer within %d ms", READ_WRITE_TOTAL_TIMEOUT_MS);
  op_finish(op, KC_ETIMEDOUT, why); /* the steps still running only release the op */
}

static void op_sent(void *arg, int status, const char *errmsg) {
  cfg_op_t *op = arg;
  op->refs--;
  if (status && !op->status) {
    op->status = status;
    snprintf(op->msg, sizeof op->msg, "%s", errmsg ? errmsg : kc_strerror(status));
  }
  op_release(op);
}

static void op_read(void *arg, int status, const char *errmsg) {
  cfg_op_t *op = arg;
  op->refs--;
  if (op->done) {
    op_release(op);
    return;
  }
  if (status) op_finish(op, status, errmsg);
  else if (op->status) op_finish(op, op->status, op->msg);
  else op_run(op);
}

/* Issues steps up to the next read to end. A send that cannot even be queued skips to the last
 * step (always a read to end), so the failure is reported from a callback, never inline. */
static void op_run(cfg_op_t *op) {
  while (op->cur < op->nsteps) {
    step_t *st = &op->steps[op->cur++];
    if (st->rte) {
      op->refs++;
      int rc = kc_klog_read_to_end(op->s->log, op_read, op);
      if (rc) {
        op->refs--;
        op_finish(op, rc, "the config topic is not being read");
      }
      return;
    }
    if (op->status) continue;
    op->refs++;
    int rc = kc_klog_send(op->s->log, st->key, strlen(st->key), st->val, st->vlen, op_sent, op);
    if (rc) {
      op->refs--;
      op->status = rc;
      snprintf(op->msg, sizeof op->msg, "cannot send record %s: %s", st->key, kc_strerror(rc));
      op->cur = op->nsteps - 1;
    }
  }
  op_finish(op, op->status, op->msg);
}

static cfg_op_t *op_new(kc_cfgstore_t *s, const char *what, int max_steps, kc_store_done_cb cb, void *arg) {
  cfg_op_t *op = calloc(1, sizeof *op);
  if (!op) return NULL;
  op->steps = calloc((size_t)max_steps, sizeof *op->steps);
  if (!op->steps) {
    free(op);
    return NULL;
  }
  op->s = s;
  op->what = what;
  op->cb = cb;
  op->arg = arg;
  return op;
}

static int add_send(cfg_op_t *op, const char *prefix, const char *name, const char *suffix, kc_buf_t *val) {
  step_t *st = &op->steps[op->nsteps];
  size_t n = strlen(prefix) + strlen(name) + strlen(suffix) + 1;
  st->key = malloc(n);
  if (!st->key) return KC_ENOMEM;
  snprintf(st->key, n, "%s%s%s", prefix, name, suffix);
  if (val) {
    st->val = val->data; /* taken */
    st->vlen = val->len;
    kc_buf_init(val, 0);
  }
  op->nsteps++;
  return 0;
}

static void add_rte(cfg_op_t *op) { op->steps[op->nsteps++].rte = true; }

static int op_start(kc_cfgstore_t *s, cfg_op_t *op, int rc) {
  if (!rc && (!s->started || s->stopping)) rc = KC_ESTATE;
  if (!rc && uv_timer_init(s->loop, &op->timer) != 0) rc = KC_EIO;
  if (rc) {
    op_free(op);
    return rc;
  }
  op->timer.data = op;
  op->timer_open = true;
  uv_timer_start(&op->timer, op_timeout, READ_WRITE_TOTAL_TIMEOUT_MS, 0);
  op_run(op);
  return 0;
}

int kc_cfgstore_put_connector(kc_cfgstore_t *s, const char *name, const kc_config_t *config, int initial_target,
                              kc_store_done_cb cb, void *arg) {
  if (!name || !config || !cb) return KC_EINVAL;
  cfg_op_t *op = op_new(s, "connector configuration", 3, cb, arg);
  if (!op) return KC_ENOMEM;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = 0;
  if (initial_target >= 0) {
    rc = kc_cfgstore_encode_target_state(&b, (kc_target_t)initial_target);
    if (!rc) rc = add_send(op, "target-state-", name, "", &b);
  }
  if (!rc) rc = kc_cfgstore_encode_properties(&b, config);
  if (!rc) rc = add_send(op, "connector-", name, "", &b);
  kc_buf_free(&b);
  add_rte(op);
  return op_start(s, op, rc);
}

int kc_cfgstore_remove_connector(kc_cfgstore_t *s, const char *name, kc_store_done_cb cb, void *arg) {
  if (!name || !cb) return KC_EINVAL;
  cfg_op_t *op = op_new(s, "connector configuration removal", 3, cb, arg);
  if (!op) return KC_ENOMEM;
  int rc = add_send(op, "connector-", name, "", NULL);
  if (!rc) rc = add_send(op, "target-state-", name, "", NULL);
  add_rte(op);
  return op_start(s, op, rc);
}

int kc_cfgstore_put_task_configs(kc_cfgstore_t *s, const char *name, const kc_config_t *const *tasks, int n,
                                 kc_store_done_cb cb, void *arg) {
  if (!name || n < 0 || (n > 0 && !tasks) || !cb) return KC_EINVAL;
  cfg_op_t *op = op_new(s, "task configurations", n + 4, cb, arg);
  if (!op) return KC_ENOMEM;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = 0;
  add_rte(op);
  for (int i = 0; !rc && i < n; i++) {
    char suffix[16];
    snprintf(suffix, sizeof suffix, "-%d", i);
    rc = kc_cfgstore_encode_properties(&b, tasks[i]);
    if (!rc) rc = add_send(op, "task-", name, suffix, &b);
  }
  if (n > 0) add_rte(op);
  if (!rc) rc = kc_buf_printf(&b, "{\"tasks\":%d}", n);
  if (!rc) rc = add_send(op, "commit-", name, "", &b);
  kc_buf_free(&b);
  add_rte(op);
  return op_start(s, op, rc);
}

int kc_cfgstore_put_target_state(kc_cfgstore_t *s, const char *name, kc_target_t t, kc_store_done_cb cb, void *arg) {
  if (!name || !cb) return KC_EINVAL;
  cfg_op_t *op = op_new(s, "target state", 2, cb, arg);
  if (!op) return KC_ENOMEM;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = kc_cfgstore_encode_target_state(&b, t);
  if (!rc) rc = add_send(op, "target-state-", name, "", &b);
  kc_buf_free(&b);
  add_rte(op);
  return op_start(s, op, rc);
}

int kc_cfgstore_put_restart(kc_cfgstore_t *s, const char *name, bool include_tasks, bool only_failed,
                            kc_store_done_cb cb, void *arg) {
  if (!name || !cb) return KC_EINVAL;
  cfg_op_t *op = op_new(s, "restart request", 2, cb, arg);
  if (!op) return KC_ENOMEM;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = kc_buf_printf(&b, "{\"include-tasks\":%s,\"only-failed\":%s}", include_tasks ? "true" : "false",
                         only_failed ? "true" : "false");
  if (!rc) rc = add_send(op, "restart-connector-", name, "", &b);
  kc_buf_free(&b);
  add_rte(op);
  return op_start(s, op, rc);
}

int kc_cfgstore_put_task_count_record(kc_cfgstore_t *s, const char *name, int task_count, kc_store_done_cb cb,
                                      void *arg) {
  if (!name || !cb) return KC_EINVAL;
  cfg_op_t *op = op_new(s, "task count record", 2, cb, arg);
  if (!op) return KC_ENOMEM;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = kc_buf_printf(&b, "{\"task-count\":%d}", task_count);
  if (!rc) rc = add_send(op, "tasks-fencing-", name, "", &b);
  kc_buf_free(&b);
  add_rte(op);
  return op_start(s, op, rc);
}

int kc_cfgstore_put_session_key(kc_cfgstore_t *s, const kc_session_key_t *k, kc_store_done_cb cb, void *arg) {
  if (!k || !k->key || !k->algorithm || !cb) return KC_EINVAL;
  cfg_op_t *op = op_new(s, "session key", 2, cb, arg);
  if (!op) return KC_ENOMEM;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = kc_buf_puts(&b, "{\"key\":\"");
  if (!rc) rc = kc_base64_encode(&b, k->key, k->len);
  if (!rc) rc = kc_buf_puts(&b, "\",\"algorithm\":");
  if (!rc) rc = kc_json_encode_string(&b, k->algorithm, strlen(k->algorithm));
  if (!rc) rc = kc_buf_printf(&b, ",\"creation-timestamp\":%lld}", (long long)k->creation_ms);
  if (!rc) rc = add_send(op, "session-key", "", "", &b);
  kc_buf_free(&b);
  add_rte(op);
  return op_start(s, op, rc);
}

/* putLoggerLevel: logger-cluster-<namespace> {"level":...} (LOGGER_LEVEL_V0). Java waits for the
 * send only; the read to end here also lets this worker apply the level before the 204. */
int kc_cfgstore_put_logger_level(kc_cfgstore_t *s, const char *ns, const char *level, kc_store_done_cb cb,
                                 void *arg) {
  if (!ns || !level || !cb) return KC_EINVAL;
  kc_log_debug("kc.configstore", "Writing level %s for logging namespace %s to Kafka", level, ns);
  cfg_op_t *op = op_new(s, "logger level", 2, cb, arg);
  if (!op) return KC_ENOMEM;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = kc_buf_puts(&b, "{");
  if (!rc) rc = key_value(&b, "level", level, true);
  if (!rc) rc = kc_buf_puts(&b, "}");
  if (!rc) rc = add_send(op, "logger-cluster-", ns, "", &b);
  kc_buf_free(&b);
  add_rte(op);
  return op_start(s, op, rc);
}
