/*
 * The group member's membership state machine (group.h). Every decision about
 * what to send next is taken in step(), which runs from the `kick` timer: API
 * calls and response handlers only change flags and schedule it, so user
 * callbacks never run inside a kc_group_* call and a retry back-off is one
 * deadline (retry_at). Discovery is in group_coord.c, the life cycle in
 * group_life.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/group_internal.h"
#include "kafka/wire/messages.h"
#include "util/log.h"

#define LOGGER KC_GRP_LOGGER
/* Java's JOIN_GROUP_TIMEOUT_LAPSE: a JoinGroup may legitimately wait a whole rebalance. */
#define JOIN_TIMEOUT_LAPSE_MS 5000

static const char *const state_names[] = {
    "INIT", "WAIT_COORDINATOR", "WAIT_JOIN_PREPARE", "WAIT_JOIN", "WAIT_SYNC",
    "STABLE", "WAIT_LEAVE", "CLOSED", "FATAL",
};

static void step(kc_group_t *g);

/* ---- small helpers ----------------------------------------------------------------------- */

void kc_grp_set_state(kc_group_t *g, kc_grp_state_t st) {
  if (g->state == st) return;
  kc_log_debug(LOGGER, "group %s member %s: %s -> %s", g->group_id, g->member_id,
               state_names[g->state], state_names[st]);
  g->state = st;
}

void kc_grp_set_str(char **dst, const char *src) {
  char *d = strdup(src ? src : "");
  if (!d) return; /* keeps the old value: better than NULL under memory pressure */
  free(*dst);
  *dst = d;
}

static void on_kick(uv_timer_t *t) { step(t->data); }

void kc_grp_schedule(kc_group_t *g, uint64_t delay_ms) {
  if (kc_grp_quiet(g)) return;
  uv_timer_start(&g->kick, on_kick, delay_ms, 0);
}

void kc_grp_backoff(kc_group_t *g, int64_t ms) {
  g->retry_at = uv_now(g->loop) + (uint64_t)(ms > 0 ? ms : 0);
  kc_grp_schedule(g, 0);
}

bool kc_grp_quiet(const kc_group_t *g) { return g->leaving || g->fatal; }

void kc_grp_lost(kc_group_t *g, int err, const char *fmt, ...) {
  if (kc_grp_quiet(g)) return;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  kc_log_warn(LOGGER, "group %s member %s: %s", g->group_id, g->member_id, reason);
  g->cbs.lost(g->arg, err, false, reason);
}

static void on_conn_closed(void *arg) { kc_grp_handle_closed(arg); }

void kc_grp_close_conn(kc_group_t *g, kc_wire_conn_t **c) {
  if (!*c) return;
  kc_wire_conn_close(*c, on_conn_closed, g);
  *c = NULL;
}

void kc_grp_fatal(kc_group_t *g, int err, const char *fmt, ...) {
  if (kc_grp_quiet(g)) return;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  kc_log_error(LOGGER, "group %s member %s stops: %s", g->group_id, g->member_id, reason);
  g->fatal = true;
  kc_grp_set_state(g, KC_GRP_FATAL);
  uv_timer_stop(&g->kick);
  uv_timer_stop(&g->hb);
  uv_timer_stop(&g->rejoin);
  kc_grp_close_conn(g, &g->boot);
  kc_grp_close_conn(g, &g->coord);
  g->coord_ready = false;
  g->cbs.lost(g->arg, err, true, reason);
}

/* Java's resetStateAndRejoin: generation (and member id when @p member_id_too) cleared. A
 * join_prepare already under way, or done, stays valid: the member released its work. */
static void reset_generation(kc_group_t *g, bool member_id_too) {
  g->generation = -1;
  g->in_group = false;
  if (member_id_too) kc_grp_set_str(&g->member_id, "");
  g->need_rejoin = true;
}

static int16_t ver(kc_wire_conn_t *c, int16_t api) { return kc_wire_conn_api_version(c, api); }

/* ---- heartbeats -------------------------------------------------------------------------- */

static void on_heartbeat(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_group_t *g = arg;
  g->hb_inflight = false;
  if (err || kc_grp_quiet(g)) return; /* a connection failure comes through on_coord_state */
  int16_t ec;
  if (!kc_wire_heartbeat_parse(r, &ec)) {
    kc_grp_coordinator_unknown(g, "malformed Heartbeat response");
    return;
  }
  if (!g->in_group || g->generation != g->sent_generation) return; /* answer to an old generation */
  const char *name = kc_wire_error_name(ec);
  switch (ec) {
    case KC_KERR_NONE:
      g->last_hb_ok = uv_now(g->loop);
      break;
    case KC_KERR_REBALANCE_IN_PROGRESS:
      g->last_hb_ok = uv_now(g->loop);
      if (!g->need_rejoin) kc_log_info(LOGGER, "group %s is rebalancing: rejoin", g->group_id);
      g->need_rejoin = true;
      kc_grp_schedule(g, 0);
      break;
    case KC_KERR_ILLEGAL_GENERATION:
    case KC_KERR_UNKNOWN_MEMBER_ID:
    case KC_KERR_FENCED_INSTANCE_ID:
      reset_generation(g, ec != KC_KERR_ILLEGAL_GENERATION);
      kc_grp_lost(g, KC_ESTATE, "%s", name);
      kc_grp_schedule(g, 0);
      break;
    case KC_KERR_NOT_COORDINATOR:
    case KC_KERR_COORDINATOR_NOT_AVAILABLE:
      kc_grp_coordinator_unknown(g, name);
      break;
    case KC_KERR_COORDINATOR_LOAD_IN_PROGRESS:
      break; /* the next tick tries again */
    default:
      kc_grp_fatal(g, KC_EINVAL, "Heartbeat: %s", name);
  }
}

static void on_hb_tick(uv_timer_t *t) {
  kc_group_t *g = t->data;
  if (kc_grp_quiet(g) || !g->in_group) return;
  uint64_t now = uv_now(g->loop);
  if (now - g->last_hb_ok >= (uint64_t)g->session_ms) {
    /* Java's heartbeat thread marks the coordinator unknown here; the broker has expelled
     * the member by now (or will), so it also rejoins. */
    reset_generation(g, false);
    kc_grp_lost(g, KC_ETIMEDOUT, "coordinator %s: no successful heartbeat for %d ms (session.timeout.ms)",
                g->coord_name[0] ? g->coord_name : "(unknown)", (int)g->session_ms);
    if (!kc_grp_quiet(g)) kc_grp_coordinator_unknown(g, "session timed out without a heartbeat response");
    return;
  }
  if (!g->coord_ready || g->hb_inflight) return;
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int rc = kc_wire_heartbeat_build(&body, g->group_id, g->generation, g->member_id);
  if (!rc)
    rc = kc_wire_conn_request(g->coord, KC_API_HEARTBEAT, ver(g->coord, KC_API_HEARTBEAT), &body,
                              0, on_heartbeat, g);
  kc_buf_free(&body);
  if (!rc) {
    g->hb_inflight = true;
    g->sent_generation = g->generation;
  }
}

/* ---- SyncGroup --------------------------------------------------------------------------- */

static void on_sync(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_group_t *g = arg;
  if (err || kc_grp_quiet(g)) return;
  g->sync_inflight = false;
  int16_t ec;
  const void *assignment;
  size_t len;
  if (!kc_wire_sync_group_parse(r, &ec, &assignment, &len)) {
    kc_grp_coordinator_unknown(g, "malformed SyncGroup response");
    return;
  }
  const char *name = kc_wire_error_name(ec);
  switch (ec) {
    case KC_KERR_NONE: {
      g->in_group = true;
      g->prepared = g->prepare_called = false;
      g->need_rejoin = g->rejoin_after_sync;
      g->rejoin_after_sync = false;
      g->last_hb_ok = uv_now(g->loop);
      g->retry_at = 0;
      kc_grp_set_state(g, KC_GRP_STABLE);
      uv_timer_start(&g->hb, on_hb_tick, (uint64_t)g->heartbeat_ms, (uint64_t)g->heartbeat_ms);
      kc_log_info(LOGGER, "group %s: joined generation %d as %s (leader %s, protocol %s)",
                  g->group_id, (int)g->generation, g->member_id, g->leader_id, g->protocol);
      g->cbs.joined(g->arg, g->generation, g->member_id, g->leader_id, g->protocol, assignment, len);
      if (g->need_rejoin) kc_grp_schedule(g, 0);
      break;
    }
    case KC_KERR_REBALANCE_IN_PROGRESS:
      g->need_rejoin = true;
      kc_grp_schedule(g, 0);
      break;
    case KC_KERR_UNKNOWN_MEMBER_ID:
    case KC_KERR_ILLEGAL_GENERATION:
    case KC_KERR_FENCED_INSTANCE_ID:
      g->generation = -1;
      if (ec != KC_KERR_ILLEGAL_GENERATION) kc_grp_set_str(&g->member_id, "");
      g->need_rejoin = true;
      kc_grp_schedule(g, 0);
      break;
    case KC_KERR_NOT_COORDINATOR:
    case KC_KERR_COORDINATOR_NOT_AVAILABLE:
      g->need_rejoin = true;
      kc_grp_coordinator_unknown(g, name);
      break;
    default:
      kc_grp_fatal(g, KC_EINVAL, "SyncGroup: %s", name);
  }
}

static void send_sync(kc_group_t *g, const kc_wire_join_group_resp_t *jr) {
  bool leader = strcmp(jr->leader, jr->member_id) == 0;
  int n = leader ? jr->n : 0;
  kc_buf_t *as = n ? calloc((size_t)n, sizeof *as) : NULL;
  const char **ids = n ? calloc((size_t)n, sizeof *ids) : NULL;
  int rc = n && (!as || !ids) ? KC_ENOMEM : 0;
  for (int i = 0; !rc && i < n; i++) {
    kc_buf_init(&as[i], 0);
    ids[i] = jr->members[i].member_id;
  }
  if (!rc && leader) {
    rc = g->cbs.assign(g->arg, jr->leader, jr->protocol, jr->members, jr->n, as);
    if (rc) kc_log_warn(LOGGER, "group %s: assignment failed (%s): rejoin", g->group_id, kc_err_name(rc));
  }
  if (!kc_grp_quiet(g)) {
    kc_buf_t body;
    kc_buf_init(&body, 0);
    if (!rc) rc = kc_wire_sync_group_build(&body, g->group_id, g->generation, g->member_id, ids, as, n);
    if (!rc)
      rc = kc_wire_conn_request(g->coord, KC_API_SYNC_GROUP, ver(g->coord, KC_API_SYNC_GROUP),
                                &body, 0, on_sync, g);
    kc_buf_free(&body);
    if (!rc) {
      g->sync_inflight = true;
      kc_grp_set_state(g, KC_GRP_WAIT_SYNC);
    } else {
      g->need_rejoin = true;
      kc_grp_backoff(g, g->retry_ms);
    }
  }
  for (int i = 0; as && i < n; i++) kc_buf_free(&as[i]);
  free(as);
  free(ids);
}

/* ---- JoinGroup --------------------------------------------------------------------------- */

static void on_join(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_group_t *g = arg;
  if (err || kc_grp_quiet(g)) return;
  g->join_inflight = false;
  kc_wire_join_group_resp_t jr;
  if (!kc_wire_join_group_parse(r, ver(c, KC_API_JOIN_GROUP), &jr)) {
    kc_wire_join_group_resp_free(&jr);
    kc_grp_coordinator_unknown(g, "malformed JoinGroup response");
    return;
  }
  const char *name = kc_wire_error_name(jr.error);
  switch (jr.error) {
    case KC_KERR_NONE:
      g->generation = jr.generation;
      kc_grp_set_str(&g->member_id, jr.member_id);
      kc_grp_set_str(&g->leader_id, jr.leader);
      kc_grp_set_str(&g->protocol, jr.protocol);
      send_sync(g, &jr);
      break;
    case KC_KERR_MEMBER_ID_REQUIRED: /* KIP-394: join again at once with the given id */
      kc_grp_set_str(&g->member_id, jr.member_id);
      kc_grp_schedule(g, 0);
      break;
    case KC_KERR_UNKNOWN_MEMBER_ID:
    case KC_KERR_FENCED_INSTANCE_ID:
      kc_grp_set_str(&g->member_id, "");
      g->generation = -1;
      kc_grp_schedule(g, 0);
      break;
    case KC_KERR_ILLEGAL_GENERATION:
    case KC_KERR_REBALANCE_IN_PROGRESS:
      kc_grp_schedule(g, 0);
      break;
    case KC_KERR_COORDINATOR_LOAD_IN_PROGRESS:
      kc_grp_backoff(g, g->retry_ms);
      break;
    case KC_KERR_NOT_COORDINATOR:
    case KC_KERR_COORDINATOR_NOT_AVAILABLE:
      kc_grp_coordinator_unknown(g, name);
      break;
    case KC_KERR_UNSUPPORTED_VERSION:
      kc_grp_fatal(g, KC_ENOTSUP, "JoinGroup: %s", name);
      break;
    default: /* INCONSISTENT_GROUP_PROTOCOL, GROUP_AUTHORIZATION_FAILED, INVALID_* ... */
      kc_grp_fatal(g, KC_EINVAL, "JoinGroup: %s", name);
  }
  kc_wire_join_group_resp_free(&jr);
}

void kc_grp_clear_protos(kc_group_t *g) {
  for (int i = 0; i < g->n_protos; i++) {
    free(g->protos[i].name);
    kc_buf_free(&g->protos[i].meta);
  }
  g->n_protos = 0;
}

/* Asks the member for its protocols and copies them. @returns 0 or KC_E*. */
static int collect_protos(kc_group_t *g) {
  kc_group_protocol_t ps[KC_GROUP_MAX_PROTOCOLS];
  memset(ps, 0, sizeof ps);
  int n = KC_GROUP_MAX_PROTOCOLS;
  int rc = g->cbs.metadata(g->arg, ps, &n);
  if (rc) return rc;
  if (n < 1 || n > KC_GROUP_MAX_PROTOCOLS) return KC_EINVAL;
  kc_grp_clear_protos(g);
  for (int i = 0; i < n; i++) {
    kc_grp_proto_t *p = &g->protos[i];
    p->name = strdup(ps[i].name ? ps[i].name : "");
    kc_buf_init(&p->meta, 0);
    g->n_protos = i + 1;
    if (!p->name || (ps[i].len && kc_buf_append(&p->meta, ps[i].metadata, ps[i].len))) return KC_ENOMEM;
  }
  return 0;
}

static void send_join(kc_group_t *g) {
  int rc = collect_protos(g);
  if (kc_grp_quiet(g)) return;
  if (rc) {
    kc_log_warn(LOGGER, "group %s: no metadata (%s): join postponed", g->group_id, kc_err_name(rc));
    kc_grp_backoff(g, g->retry_ms);
    return;
  }
  kc_group_protocol_t ps[KC_GROUP_MAX_PROTOCOLS];
  for (int i = 0; i < g->n_protos; i++)
    ps[i] = (kc_group_protocol_t){g->protos[i].name, g->protos[i].meta.data, g->protos[i].meta.len};
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int16_t v = ver(g->coord, KC_API_JOIN_GROUP);
  rc = kc_wire_join_group_build(&body, v, g->group_id, g->session_ms, g->rebalance_ms,
                                g->member_id, g->protocol_type, ps, g->n_protos);
  int32_t timeout = g->rebalance_ms + JOIN_TIMEOUT_LAPSE_MS;
  if (timeout < g->request_ms) timeout = g->request_ms;
  if (!rc) rc = kc_wire_conn_request(g->coord, KC_API_JOIN_GROUP, v, &body, timeout, on_join, g);
  kc_buf_free(&body);
  if (rc) {
    kc_grp_backoff(g, g->retry_ms);
    return;
  }
  /* Heartbeats stop while joining (Java disables the heartbeat thread): the broker would
   * hold them behind the JoinGroup on this connection anyway. */
  g->in_group = false;
  g->join_inflight = true;
  g->rejoin_after_sync = false;
  kc_grp_set_state(g, KC_GRP_WAIT_JOIN);
}

/* ---- the state machine ------------------------------------------------------------------- */

static void step(kc_group_t *g) {
  if (kc_grp_quiet(g) || !g->started) return;
  uint64_t now = uv_now(g->loop);
  if (now < g->retry_at) {
    uv_timer_start(&g->kick, on_kick, g->retry_at - now, 0);
    return;
  }
  if (!kc_grp_step_coordinator(g)) return;
  if (g->join_inflight || g->sync_inflight) return;
  if (!g->need_rejoin) {
    if (g->in_group) kc_grp_set_state(g, KC_GRP_STABLE);
    return;
  }
  if (!g->prepared) {
    kc_grp_set_state(g, KC_GRP_WAIT_JOIN_PREPARE);
    if (!g->prepare_called) {
      g->prepare_called = true;
      g->cbs.join_prepare(g->arg, g->generation, g->member_id);
    }
    return;
  }
  send_join(g);
}

/* ---- API --------------------------------------------------------------------------------- */

void kc_group_join_ready(kc_group_t *g) {
  if (kc_grp_quiet(g) || !g->prepare_called || g->prepared) return;
  g->prepared = true;
  kc_grp_schedule(g, 0);
}

void kc_group_request_rejoin(kc_group_t *g, const char *reason) {
  if (kc_grp_quiet(g)) return;
  kc_log_info(LOGGER, "group %s: rejoin requested: %s", g->group_id, reason ? reason : "");
  if (g->join_inflight || g->sync_inflight) g->rejoin_after_sync = true;
  g->need_rejoin = true;
  kc_grp_schedule(g, 0);
}

static void on_rejoin_timer(uv_timer_t *t) {
  kc_group_t *g = t->data;
  kc_group_request_rejoin(g, "scheduled rebalance delay expired");
}

void kc_group_rejoin_after(kc_group_t *g, uint64_t delay_ms, const char *reason) {
  if (kc_grp_quiet(g)) return;
  kc_log_info(LOGGER, "group %s: rejoin in %llu ms: %s", g->group_id, (unsigned long long)delay_ms,
              reason ? reason : "");
  uv_timer_start(&g->rejoin, on_rejoin_timer, delay_ms, 0);
}

void kc_group_rejoin_cancel(kc_group_t *g) {
  if (!kc_grp_quiet(g)) uv_timer_stop(&g->rejoin);
}

int32_t kc_group_generation(const kc_group_t *g) { return g->generation; }
const char *kc_group_member_id(const kc_group_t *g) { return g->member_id; }
bool kc_group_stable(const kc_group_t *g) { return g->state == KC_GRP_STABLE && !g->need_rejoin; }
const char *kc_group_state_name(const kc_group_t *g) { return state_names[g->state]; }

