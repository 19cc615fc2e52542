/* Listing the cluster's topics with Metadata over a wire connection (topic_lister.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/topic_lister.h"
#include "kafka/wire/conn.h"
#include "kafka/wire/metadata.h"
#include "kafka/wire/security.h"
#include "kafka/wire/servers.h"
#include "util/log.h"

#define KC_KERR_LEADER_NOT_AVAILABLE 5

struct kc_topic_lister_s {
  uv_loop_t *loop;
  kc_topic_lister_cb cb;
  void *arg;
  char *client_id;
  int32_t request_ms;
  bool exclude_internal;
  kc_wire_security_t sec;
  kc_wire_server_t *servers;
  int n_servers;
  int idx;           /* the server the connection goes (or went) to */
  int tried;         /* servers failed in the current listing */
  kc_wire_conn_t *conn;
  uv_timer_t kick;   /* defers the work of kc_topic_lister_list() to the loop */
  bool busy, inflight, closing;
  int open_handles;  /* the timer and connections not closed yet */
  void (*closed)(void *);
  void *closed_arg;
  /* names of the response being read */
  char **names;
  size_t n, cap;
  bool oom;
};

static void maybe_free(kc_topic_lister_t *l) {
  if (!l->closing || l->open_handles > 0) return;
  void (*closed)(void *) = l->closed;
  void *arg = l->closed_arg;
  kc_wire_security_free(&l->sec);
  kc_wire_servers_free(l->servers, l->n_servers);
  free(l->client_id);
  free(l);
  if (closed) closed(arg);
}

static void on_conn_closed(void *arg) {
  kc_topic_lister_t *l = arg;
  l->open_handles--;
  maybe_free(l);
}

static void drop_conn(kc_topic_lister_t *l) {
  if (!l->conn) return;
  kc_wire_conn_close(l->conn, on_conn_closed, l);
  l->conn = NULL;
  l->inflight = false;
}

static void clear_names(kc_topic_lister_t *l) {
  for (size_t i = 0; i < l->n; i++) free(l->names[i]);
  free(l->names);
  l->names = NULL;
  l->n = l->cap = 0;
  l->oom = false;
}

static void finish(kc_topic_lister_t *l, int err, const char *reason) {
  l->busy = false;
  l->tried = 0;
  l->cb(l->arg, err, reason, err ? NULL : l->names, err ? 0 : l->n);
  clear_names(l);
}

static void open_conn(kc_topic_lister_t *l);

/* The connection failed (or could not be used): the next server, or the listing fails. */
static void conn_failed(kc_topic_lister_t *l, int err, const char *reason) {
  drop_conn(l);
  l->idx = (l->idx + 1) % l->n_servers;
  if (!l->busy) return; /* an idle connection broke: the next listing reconnects */
  /* Authentication and version refusals are not the server's fault alone, but another
   * server may still answer; a whole round of failures ends the listing. */
  if (++l->tried >= l->n_servers) {
    finish(l, err, reason);
    return;
  }
  open_conn(l);
}

static void on_topic(void *arg, const char *name, size_t len, int16_t error, bool internal) {
  kc_topic_lister_t *l = arg;
  if (l->oom || (error != 0 && error != KC_KERR_LEADER_NOT_AVAILABLE) ||
      (internal && l->exclude_internal) || len == 0)
    return;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 64;
    char **nn = realloc(l->names, cap * sizeof *nn);
    if (!nn) {
      l->oom = true;
      return;
    }
    l->names = nn;
    l->cap = cap;
  }
  char *s = malloc(len + 1);
  if (!s) {
    l->oom = true;
    return;
  }
  memcpy(s, name, len);
  s[len] = '\0';
  l->names[l->n++] = s;
}

static int cmp_name(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void on_metadata(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_topic_lister_t *l = arg;
  if (c != l->conn) return;
  l->inflight = false;
  if (err) return; /* the connection fails with it: conn_failed() follows from on_state */
  clear_names(l);
  int16_t v = kc_wire_conn_api_version(c, KC_API_METADATA);
  if (!kc_wire_metadata_parse_topics(r, v, on_topic, l)) {
    char reason[320];
    snprintf(reason, sizeof reason, "%s: malformed Metadata response", kc_wire_conn_name(c));
    clear_names(l);
    conn_failed(l, KC_EIO, reason);
    return;
  }
  if (l->oom) {
    clear_names(l);
    finish(l, KC_ENOMEM, "out of memory");
    return;
  }
  if (l->n > 1) qsort(l->names, l->n, sizeof *l->names, cmp_name);
  size_t w = 0;
  for (size_t i = 0; i < l->n; i++) {
    if (w && strcmp(l->names[w - 1], l->names[i]) == 0) {
      free(l->names[i]);
      continue;
    }
    l->names[w++] = l->names[i];
  }
  l->n = w;
  finish(l, 0, NULL);
}

static void send_request(kc_topic_lister_t *l) {
  int16_t v = kc_wire_conn_api_version(l->conn, KC_API_METADATA);
  char reason[320];
  if (v < 0) {
    snprintf(reason, sizeof reason, "%s: the broker does not support Metadata v4..v8",
             kc_wire_conn_name(l->conn));
    conn_failed(l, KC_ENOTSUP, reason);
    return;
  }
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int rc = kc_wire_metadata_all_build(&body, v);
  if (!rc) rc = kc_wire_conn_request(l->conn, KC_API_METADATA, v, &body, 0, on_metadata, l);
  kc_buf_free(&body);
  if (rc) {
    snprintf(reason, sizeof reason, "%s: Metadata request not sent: %s", kc_wire_conn_name(l->conn),
             kc_strerror(rc));
    conn_failed(l, rc, reason);
    return;
  }
  l->inflight = true;
}

static void on_state(kc_wire_conn_t *c, void *arg, int err, const char *reason) {
  kc_topic_lister_t *l = arg;
  if (c != l->conn) return;
  if (err) {
    kc_log_debug("kc.kafka", "topic listing: %s", reason);
    conn_failed(l, err, reason);
    return;
  }
  if (l->busy && !l->inflight) send_request(l);
}

static void open_conn(kc_topic_lister_t *l) {
  kc_wire_server_t *s = &l->servers[l->idx];
  kc_wire_conn_opts_t o = {l->client_id, l->request_ms, &l->sec};
  l->conn = kc_wire_conn_open(l->loop, s->host, s->port, &o, on_state, l);
  if (!l->conn) {
    finish(l, KC_ENOMEM, "out of memory");
    return;
  }
  l->open_handles++;
}

static void on_kick(uv_timer_t *t) {
  kc_topic_lister_t *l = t->data;
  if (l->closing || !l->busy || l->inflight) return;
  if (!l->conn) open_conn(l);
  else if (kc_wire_conn_ready(l->conn)) send_request(l);
  /* else: connecting; on_state sends */
}

void kc_topic_lister_list(kc_topic_lister_t *l) {
  if (l->closing || l->busy) return;
  l->busy = true;
  l->tried = 0;
  uv_timer_start(&l->kick, on_kick, 0, 0);
}

bool kc_topic_lister_busy(const kc_topic_lister_t *l) { return l->busy; }

static void on_timer_closed(uv_handle_t *h) {
  kc_topic_lister_t *l = h->data;
  l->open_handles--;
  maybe_free(l);
}

void kc_topic_lister_close(kc_topic_lister_t *l, void (*closed)(void *), void *arg) {
  if (!l) {
    if (closed) closed(arg);
    return;
  }
  l->closing = true;
  l->closed = closed;
  l->closed_arg = arg;
  clear_names(l);
  drop_conn(l);
  uv_close((uv_handle_t *)&l->kick, on_timer_closed);
}

kc_topic_lister_t *kc_topic_lister_create(uv_loop_t *loop, const kc_topic_lister_config_t *cfg,
                                          kc_topic_lister_cb cb, void *arg, char *errstr,
                                          size_t errstr_size) {
  kc_topic_lister_t *l = calloc(1, sizeof *l);
  if (!l) {
    snprintf(errstr, errstr_size, "out of memory");
    return NULL;
  }
  l->loop = loop;
  l->cb = cb;
  l->arg = arg;
  l->request_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 30000;
  l->exclude_internal = cfg->exclude_internal;
  int rc = 0;
  if (cfg->client_id && !(l->client_id = strdup(cfg->client_id))) {
    snprintf(errstr, errstr_size, "out of memory");
    rc = KC_ENOMEM;
  }
  if (!rc)
    rc = kc_wire_servers_parse(cfg->bootstrap_servers, &l->servers, &l->n_servers, errstr,
                               errstr_size);
  if (!rc) rc = kc_wire_security_init(&l->sec, cfg->security, errstr, errstr_size);
  if (rc) {
    kc_wire_servers_free(l->servers, l->n_servers);
    free(l->client_id);
    free(l);
    return NULL;
  }
  uv_timer_init(loop, &l->kick);
  l->kick.data = l;
  l->open_handles = 1;
  return l;
}
