/*
 * The group member's life cycle (group.h): create (settings copied and
 * checked, security fail-closed), start, leave (LeaveGroup, on a connection
 * of its own when the coordinator connection is busy with a rebalance),
 * close without leaving, destroy.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/group_internal.h"
#include "kafka/wire/messages.h"
#include "util/log.h"

#define LOGGER KC_GRP_LOGGER

kc_group_t *kc_group_create(uv_loop_t *loop, const kc_group_config_t *cfg, const kc_group_callbacks_t *cbs,
                            void *arg, char *errstr, size_t errstr_size) {
  if (errstr_size) errstr[0] = '\0';
  if (!cfg || !cbs || !cbs->metadata || !cbs->join_prepare || !cbs->assign || !cbs->joined || !cbs->lost) {
    snprintf(errstr, errstr_size, "group: every callback is required");
    return NULL;
  }
  if (!cfg->group_id || !cfg->group_id[0]) {
    snprintf(errstr, errstr_size, "group.id: must be set");
    return NULL;
  }
  if (!cfg->protocol_type || !cfg->protocol_type[0]) {
    snprintf(errstr, errstr_size, "group: protocol type must be set");
    return NULL;
  }
  kc_group_t *g = calloc(1, sizeof *g);
  if (!g) {
    snprintf(errstr, errstr_size, "group: out of memory");
    return NULL;
  }
  g->loop = loop;
  g->cbs = *cbs;
  g->arg = arg;
  g->session_ms = cfg->session_timeout_ms > 0 ? cfg->session_timeout_ms : 10000;
  g->rebalance_ms = cfg->rebalance_timeout_ms > 0 ? cfg->rebalance_timeout_ms : 60000;
  g->heartbeat_ms = cfg->heartbeat_interval_ms > 0 ? cfg->heartbeat_interval_ms : 3000;
  g->request_ms = cfg->request_timeout_ms > 0 ? cfg->request_timeout_ms : 40000;
  g->retry_ms = cfg->retry_backoff_ms > 0 ? cfg->retry_backoff_ms : 100;
  g->reconnect_ms = cfg->reconnect_backoff_ms > 0 ? cfg->reconnect_backoff_ms : 50;
  g->reconnect_max_ms = cfg->reconnect_backoff_max_ms > 0 ? cfg->reconnect_backoff_max_ms : 1000;
  if (g->reconnect_max_ms < g->reconnect_ms) g->reconnect_max_ms = g->reconnect_ms;
  g->generation = -1;
  g->need_rejoin = true;
  g->group_id = strdup(cfg->group_id);
  g->protocol_type = strdup(cfg->protocol_type);
  g->client_id = cfg->client_id ? strdup(cfg->client_id) : NULL;
  kc_grp_set_str(&g->member_id, "");
  kc_grp_set_str(&g->leader_id, "");
  kc_grp_set_str(&g->protocol, "");
  int rc = 0;
  if (!g->group_id || !g->protocol_type || (cfg->client_id && !g->client_id) || !g->member_id ||
      !g->leader_id || !g->protocol) {
    snprintf(errstr, errstr_size, "group: out of memory");
    rc = KC_ENOMEM;
  }
  if (!rc && g->heartbeat_ms >= g->session_ms) {
    snprintf(errstr, errstr_size,
             "heartbeat.interval.ms: %d must be lower than session.timeout.ms (%d)",
             (int)g->heartbeat_ms, (int)g->session_ms);
    rc = KC_EINVAL;
  }
  if (!rc)
    rc = kc_wire_servers_parse(cfg->bootstrap_servers, &g->servers, &g->n_servers, errstr,
                               errstr_size);
  if (!rc) rc = kc_wire_security_init(&g->sec, cfg->security, errstr, errstr_size);
  if (rc) {
    g->open_handles = -1; /* no handle was initialised */
    kc_group_destroy(g);
    return NULL;
  }
  uv_timer_init(loop, &g->kick);
  uv_timer_init(loop, &g->hb);
  uv_timer_init(loop, &g->rejoin);
  g->kick.data = g->hb.data = g->rejoin.data = g;
  g->open_handles = 3;
  return g;
}

int kc_group_start(kc_group_t *g) {
  if (g->started || kc_grp_quiet(g)) return KC_ESTATE;
  g->started = true;
  kc_grp_schedule(g, 0);
  return 0;
}

void kc_grp_handle_closed(kc_group_t *g) {
  g->open_handles--;
  if (g->open_handles == 0 && g->all_closed) {
    kc_grp_set_state(g, KC_GRP_CLOSED);
    if (g->done_cb) g->done_cb(g->done_arg);
  }
}

static void on_timer_closed(uv_handle_t *h) { kc_grp_handle_closed(h->data); }

static void close_all(kc_group_t *g) {
  if (g->all_closed) return;
  g->all_closed = true;
  kc_grp_close_conn(g, &g->boot);
  kc_grp_close_conn(g, &g->coord);
  kc_grp_close_conn(g, &g->leave_conn);
  g->coord_ready = false;
  uv_close((uv_handle_t *)&g->kick, on_timer_closed);
  uv_close((uv_handle_t *)&g->hb, on_timer_closed);
  uv_close((uv_handle_t *)&g->rejoin, on_timer_closed);
}

static void on_left(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_group_t *g = arg;
  int16_t ec = 0;
  if (!err && !kc_wire_leave_group_parse(r, &ec)) ec = KC_KERR_CORRUPT_MESSAGE;
  kc_log_info(LOGGER, "group %s: member %s left (%s)", g->group_id, g->member_id,
              err ? kc_strerror(err) : kc_wire_error_name(ec));
  close_all(g);
}

static void send_leave(kc_group_t *g, kc_wire_conn_t *c) {
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int rc = kc_wire_leave_group_build(&body, g->group_id, g->member_id);
  if (!rc)
    rc = kc_wire_conn_request(c, KC_API_LEAVE_GROUP, kc_wire_conn_api_version(c, KC_API_LEAVE_GROUP),
                              &body, 0, on_left, g);
  kc_buf_free(&body);
  if (rc) close_all(g);
}

static void on_leave_conn(kc_wire_conn_t *c, void *arg, int err, const char *reason) {
  kc_group_t *g = arg;
  if (err) {
    kc_log_info(LOGGER, "group %s: LeaveGroup not sent: %s", g->group_id, reason);
    close_all(g);
    return;
  }
  send_leave(g, c);
}

static void finish(kc_group_t *g, bool send_leave_group, void (*cb)(void *), void *arg) {
  if (g->leaving) return;
  bool was_fatal = g->fatal;
  g->leaving = true;
  g->done_cb = cb;
  g->done_arg = arg;
  kc_grp_set_state(g, KC_GRP_WAIT_LEAVE);
  uv_timer_stop(&g->kick);
  uv_timer_stop(&g->hb);
  uv_timer_stop(&g->rejoin);
  kc_grp_close_conn(g, &g->boot);
  if (!send_leave_group || was_fatal || !g->started || !g->member_id[0] || !g->coord_host) {
    close_all(g);
  } else if (g->coord_ready && !g->join_inflight && !g->sync_inflight) {
    send_leave(g, g->coord);
  } else {
    /* The broker answers one request at a time per connection: a LeaveGroup behind a
     * pending JoinGroup or SyncGroup would wait for the rebalance. Use a new connection. */
    kc_grp_close_conn(g, &g->coord);
    kc_wire_conn_opts_t o = {g->client_id, g->request_ms, &g->sec};
    g->leave_conn = kc_wire_conn_open(g->loop, g->coord_host, g->coord_port, &o, on_leave_conn, g);
    if (g->leave_conn) g->open_handles++;
    else close_all(g);
  }
}

void kc_group_leave(kc_group_t *g, void (*cb)(void *arg), void *arg) { finish(g, true, cb, arg); }
void kc_group_close(kc_group_t *g, void (*cb)(void *arg), void *arg) { finish(g, false, cb, arg); }

void kc_group_destroy(kc_group_t *g) {
  if (!g) return;
  kc_grp_clear_protos(g);
  kc_wire_servers_free(g->servers, g->n_servers);
  kc_wire_security_free(&g->sec);
  free(g->group_id);
  free(g->protocol_type);
  free(g->client_id);
  free(g->member_id);
  free(g->leader_id);
  free(g->protocol);
  free(g->coord_host);
  free(g);
}
