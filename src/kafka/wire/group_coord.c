/*
 * Coordinator discovery of the group member (AbstractCoordinator's
 * ensureCoordinatorReady / lookupCoordinator / markCoordinatorUnknown):
 * FindCoordinator (key type 0) on a bootstrap connection, the servers tried in
 * turn, then a connection of its own to the coordinator. Unreachable brokers
 * back off exponentially (reconnect.backoff.ms doubling up to
 * reconnect.backoff.max.ms) and are reported through lost().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/group_internal.h"
#include "kafka/wire/messages.h"
#include "util/log.h"

void kc_grp_coordinator_unknown(kc_group_t *g, const char *why) {
  if (g->coord)
    kc_log_info(KC_GRP_LOGGER, "group %s: coordinator %s unknown: %s", g->group_id, g->coord_name, why);
  kc_grp_close_conn(g, &g->coord);
  g->coord_ready = false;
  g->hb_inflight = false;
  /* a JoinGroup or SyncGroup lost with the connection is sent again */
  if (g->join_inflight || g->sync_inflight) g->need_rejoin = true;
  g->join_inflight = g->sync_inflight = false;
  kc_grp_backoff(g, g->retry_ms);
}

int64_t kc_grp_reconnect_delay(kc_group_t *g) {
  int64_t delay = g->reconnect_ms;
  for (int i = 1; i < g->failed_attempts && delay < g->reconnect_max_ms; i++) delay *= 2;
  if (delay > g->reconnect_max_ms) delay = g->reconnect_max_ms;
  return delay * (80 + rand() % 41) / 100;
}

/* One more failed attempt in the current unreachable streak; @returns its length in ms. */
static uint64_t failed_attempt(kc_group_t *g) {
  uint64_t now = uv_now(g->loop);
  if (!g->unreachable_since) g->unreachable_since = now;
  g->failed_attempts++;
  return now - g->unreachable_since;
}

static bool fatal_conn_error(int err) { return err == KC_ENOTSUP || err == KC_EINVAL; }

static void on_coord_state(kc_wire_conn_t *c, void *arg, int err, const char *reason) {
  kc_group_t *g = arg;
  if (kc_grp_quiet(g) || c != g->coord) return;
  if (!err) {
    g->coord_ready = true;
    g->failed_attempts = 0;
    g->unreachable_since = 0;
    kc_grp_schedule(g, 0);
    return;
  }
  if (fatal_conn_error(err)) {
    kc_grp_fatal(g, err, "%s", reason);
    return;
  }
  if (g->coord_ready) { /* an established connection broke: look the coordinator up again */
    kc_grp_coordinator_unknown(g, reason);
    return;
  }
  uint64_t for_ms = failed_attempt(g);
  kc_grp_close_conn(g, &g->coord);
  kc_grp_lost(g, err, "coordinator %s unreachable for %llu ms (%s)", g->coord_name,
              (unsigned long long)for_ms, reason);
  kc_grp_backoff(g, kc_grp_reconnect_delay(g));
}

static void boot_failed(kc_group_t *g, int err, const char *reason) {
  kc_grp_close_conn(g, &g->boot);
  g->find_inflight = false;
  g->boot_idx = (g->boot_idx + 1) % g->n_servers;
  if (g->boot_idx != 0) { /* the next server at once */
    if (!g->unreachable_since) g->unreachable_since = uv_now(g->loop);
    kc_grp_schedule(g, 0);
    return;
  }
  uint64_t for_ms = failed_attempt(g);
  kc_grp_lost(g, err, "coordinator unknown: bootstrap servers unreachable for %llu ms (%s)",
              (unsigned long long)for_ms, reason);
  kc_grp_backoff(g, kc_grp_reconnect_delay(g));
}

static void on_find(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_group_t *g = arg;
  if (err || kc_grp_quiet(g) || c != g->boot) return;
  g->find_inflight = false;
  kc_wire_find_coordinator_resp_t fr;
  if (!kc_wire_find_coordinator_parse(r, kc_wire_conn_api_version(c, KC_API_FIND_COORDINATOR), &fr)) {
    boot_failed(g, KC_EIO, "malformed FindCoordinator response");
    return;
  }
  const char *name = kc_wire_error_name(fr.error);
  switch (fr.error) {
    case KC_KERR_NONE:
      break;
    case KC_KERR_COORDINATOR_NOT_AVAILABLE: /* retriable: ask again on the same connection */
    case KC_KERR_NOT_COORDINATOR:
    case KC_KERR_COORDINATOR_LOAD_IN_PROGRESS:
    case 7:  /* REQUEST_TIMED_OUT */
    case 13: /* NETWORK_EXCEPTION */
      kc_log_debug(KC_GRP_LOGGER, "group %s: FindCoordinator: %s", g->group_id, name);
      kc_grp_backoff(g, g->retry_ms);
      return;
    default: /* GROUP_AUTHORIZATION_FAILED, INVALID_REQUEST ...: not retriable in Java */
      kc_grp_fatal(g, KC_EINVAL, "FindCoordinator: %s%s%s", name, fr.message[0] ? ": " : "", fr.message);
      return;
  }
  kc_grp_close_conn(g, &g->boot);
  kc_grp_set_str(&g->coord_host, fr.host);
  g->coord_port = fr.port;
  snprintf(g->coord_name, sizeof g->coord_name, "%s:%d", fr.host, (int)fr.port);
  kc_log_debug(KC_GRP_LOGGER, "group %s: coordinator %s (node %d)", g->group_id, g->coord_name,
               (int)fr.node_id);
  kc_wire_conn_opts_t o = {g->client_id, g->request_ms, &g->sec};
  g->coord = kc_wire_conn_open(g->loop, fr.host, fr.port, &o, on_coord_state, g);
  if (g->coord) g->open_handles++;
  else kc_grp_backoff(g, g->retry_ms);
}

static void send_find(kc_group_t *g) {
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int16_t v = kc_wire_conn_api_version(g->boot, KC_API_FIND_COORDINATOR);
  int rc = kc_wire_find_coordinator_build(&body, v, g->group_id);
  if (!rc) rc = kc_wire_conn_request(g->boot, KC_API_FIND_COORDINATOR, v, &body, 0, on_find, g);
  kc_buf_free(&body);
  if (rc) boot_failed(g, rc, "FindCoordinator request not sent");
  else g->find_inflight = true;
}

static void on_boot_state(kc_wire_conn_t *c, void *arg, int err, const char *reason) {
  kc_group_t *g = arg;
  if (kc_grp_quiet(g) || c != g->boot) return;
  if (!err) send_find(g);
  else if (fatal_conn_error(err)) kc_grp_fatal(g, err, "%s", reason);
  else boot_failed(g, err, reason);
}

bool kc_grp_step_coordinator(kc_group_t *g) {
  if (g->coord_ready) return true;
  kc_grp_set_state(g, KC_GRP_WAIT_COORDINATOR);
  if (g->coord) return false; /* connecting to it */
  if (g->boot) {
    if (kc_wire_conn_ready(g->boot) && !g->find_inflight) send_find(g); /* a retry */
    return false;
  }
  kc_wire_server_t *s = &g->servers[g->boot_idx];
  kc_wire_conn_opts_t o = {g->client_id, g->request_ms, &g->sec};
  g->boot = kc_wire_conn_open(g->loop, s->host, s->port, &o, on_boot_state, g);
  if (g->boot) g->open_handles++;
  else kc_grp_backoff(g, g->retry_ms);
  return false;
}
