/*
 * The group member state machine (group.h). Every decision about what to send
 * next is taken in step(), which runs from the `kick` timer: API calls and
 * response handlers only change flags and schedule it, so user callbacks never
 * run inside a kc_group_* call and a retry back-off is one deadline (retry_at).
 */
#include "kafka/wire/group.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kafka/wire/conn.h"
#include "kafka/wire/messages.h"
#include "kafka/wire/security.h"
#include "util/log.h"

#define LOGGER "kc.group"
/* Java's JOIN_GROUP_TIMEOUT_LAPSE: a JoinGroup may legitimately wait a whole rebalance. */
#define JOIN_TIMEOUT_LAPSE_MS 5000

typedef enum {
  ST_INIT,
  ST_WAIT_COORDINATOR,
  ST_WAIT_JOIN_PREPARE,
  ST_WAIT_JOIN,
  ST_WAIT_SYNC,
  ST_STABLE,
  ST_WAIT_LEAVE,
  ST_CLOSED,
  ST_FATAL,
} state_t;

static const char *const state_names[] = {
    "INIT", "WAIT_COORDINATOR", "WAIT_JOIN_PREPARE", "WAIT_JOIN", "WAIT_SYNC",
    "STABLE", "WAIT_LEAVE", "CLOSED", "FATAL",
};

typedef struct {
  char *host;
  int port;
} server_t;

typedef struct {
  char *name;
  kc_buf_t meta;
} proto_t;

struct kc_group_s {
  uv_loop_t *loop;
  kc_group_callbacks_t cbs;
  void *arg;
  char *group_id, *protocol_type, *client_id;
  int32_t session_ms, rebalance_ms, heartbeat_ms, request_ms;
  int64_t retry_ms, reconnect_ms, reconnect_max_ms;
  kc_wire_security_t sec;
  server_t *servers;
  int n_servers;

  state_t state;
  uv_timer_t kick, hb, rejoin;
  int open_handles; /* timers and connections not closed yet */
  uint64_t retry_at;

  /* coordinator discovery */
  kc_wire_conn_t *boot;
  int boot_idx, failed_rounds;
  uint64_t unreachable_since;
  kc_wire_conn_t *coord;
  char coord_name[300];
  char *coord_host;
  int coord_port;
  bool coord_ready;

  /* membership */
  int32_t generation;
  char *member_id, *leader_id, *protocol;
  bool started, need_rejoin, rejoin_after_sync, prepare_called, prepared;
  bool join_inflight, sync_inflight, hb_inflight, in_group, leaving, fatal, all_closed;
  int32_t sent_generation;
  uint64_t last_hb_ok;
  proto_t protos[KC_GROUP_MAX_PROTOCOLS];
  int n_protos;

  void (*done_cb)(void *arg);
  void *done_arg;
  kc_wire_conn_t *leave_conn;
};

static void step(kc_group_t *g);

/* ---- small helpers ----------------------------------------------------------------------- */

static void set_state(kc_group_t *g, state_t st) {
  if (g->state == st) return;
  kc_log_debug(LOGGER, "group %s member %s: %s -> %s", g->group_id, g->member_id,
               state_names[g->state], state_names[st]);
  g->state = st;
}

static void set_str(char **dst, const char *src) {
  char *d = strdup(src ? src : "");
  if (!d) return; /* keeps the old value: better than NULL under memory pressure */
  free(*dst);
  *dst = d;
}

static void on_kick(uv_timer_t *t) { step(t->data); }

/* Runs step() from the loop after @p delay_ms (0: the next loop iteration). */
static void schedule(kc_group_t *g, uint64_t delay_ms) {
  if (g->leaving || g->fatal) return;
  uv_timer_start(&g->kick, on_kick, delay_ms, 0);
}

static void backoff(kc_group_t *g, int64_t ms) {
  g->retry_at = uv_now(g->loop) + (uint64_t)(ms > 0 ? ms : 0);
  schedule(g, 0);
}

static bool quiet(const kc_group_t *g) { return g->leaving || g->fatal; }

static void lost(kc_group_t *g, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void lost(kc_group_t *g, int err, const char *fmt, ...) {
  if (quiet(g)) return;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  kc_log_warn(LOGGER, "group %s member %s: %s", g->group_id, g->member_id, reason);
  g->cbs.lost(g->arg, err, false, reason);
}

static void on_conn_closed(void *arg);
static void close_conn(kc_group_t *g, kc_wire_conn_t **c) {
  if (!*c) return;
  kc_wire_conn_close(*c, on_conn_closed, g);
  *c = NULL;
}

static void fatal(kc_group_t *g, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fatal(kc_group_t *g, int err, const char *fmt, ...) {
  if (quiet(g)) return;
  char reason[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason, sizeof reason, fmt, ap);
  va_end(ap);
  kc_log_error(LOGGER, "group %s member %s stops: %s", g->group_id, g->member_id, reason);
  g->fatal = true;
  set_state(g, ST_FATAL);
  uv_timer_stop(&g->kick);
  uv_timer_stop(&g->hb);
  uv_timer_stop(&g->rejoin);
  close_conn(g, &g->boot);
  close_conn(g, &g->coord);
  g->coord_ready = false;
  g->cbs.lost(g->arg, err, true, reason);
}

/* Java's resetStateAndRejoin: generation (and member id when @p member_id_too) cleared. */
static void reset_generation(kc_group_t *g, bool member_id_too) {
  g->generation = -1;
  g->in_group = false;
  if (member_id_too) set_str(&g->member_id, "");
  g->need_rejoin = true;
  g->prepared = g->prepare_called = false;
}

/* Java's markCoordinatorUnknown: drop the connection (and whatever was in flight on it). */
static void coordinator_unknown(kc_group_t *g, const char *why) {
  if (g->coord || g->coord_ready)
    kc_log_info(LOGGER, "group %s: coordinator %s unknown: %s", g->group_id, g->coord_name, why);
  close_conn(g, &g->coord);
  g->coord_ready = false;
  g->hb_inflight = false;
  if (g->join_inflight || g->sync_inflight) g->need_rejoin = true;
  g->join_inflight = g->sync_inflight = false;
  backoff(g, g->retry_ms);
}

static int16_t ver(kc_group_t *g, kc_wire_conn_t *c, int16_t api) {
  return kc_wire_conn_api_version(c, api);
}

/* ---- heartbeats -------------------------------------------------------------------------- */

static void on_heartbeat(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_group_t *g = arg;
  g->hb_inflight = false;
  if (err || quiet(g)) return; /* a connection failure comes through on_coord_state */
  int16_t ec;
  if (!kc_wire_heartbeat_parse(r, &ec)) {
    coordinator_unknown(g, "malformed Heartbeat response");
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
      schedule(g, 0);
      break;
    case KC_KERR_ILLEGAL_GENERATION:
    case KC_KERR_UNKNOWN_MEMBER_ID:
    case KC_KERR_FENCED_INSTANCE_ID:
      reset_generation(g, ec != KC_KERR_ILLEGAL_GENERATION);
      lost(g, KC_ESTATE, "%s", name);
      schedule(g, 0);
      break;
    case KC_KERR_NOT_COORDINATOR:
    case KC_KERR_COORDINATOR_NOT_AVAILABLE:
      coordinator_unknown(g, name);
      break;
    case KC_KERR_COORDINATOR_LOAD_IN_PROGRESS:
      break; /* the next tick tries again */
    default:
      fatal(g, KC_EINVAL, "Heartbeat: %s", name);
  }
}

static void on_hb_tick(uv_timer_t *t) {
  kc_group_t *g = t->data;
  if (quiet(g) || !g->in_group) return;
  uint64_t now = uv_now(g->loop);
  if (now - g->last_hb_ok >= (uint64_t)g->session_ms) {
    reset_generation(g, false);
    lost(g, KC_ETIMEDOUT, "coordinator %s: no successful heartbeat for %d ms (session.timeout.ms)",
         g->coord_name[0] ? g->coord_name : "(unknown)", (int)g->session_ms);
    schedule(g, 0);
    return;
  }
  if (!g->coord_ready || g->hb_inflight) return;
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int rc = kc_wire_heartbeat_build(&body, g->group_id, g->generation, g->member_id);
  if (!rc)
    rc = kc_wire_conn_request(g->coord, KC_API_HEARTBEAT, ver(g, g->coord, KC_API_HEARTBEAT), &body,
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
  if (err || quiet(g)) return;
  g->sync_inflight = false;
  int16_t ec;
  const void *assignment;
  size_t len;
  if (!kc_wire_sync_group_parse(r, &ec, &assignment, &len)) {
    coordinator_unknown(g, "malformed SyncGroup response");
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
      set_state(g, ST_STABLE);
      uv_timer_start(&g->hb, on_hb_tick, (uint64_t)g->heartbeat_ms, (uint64_t)g->heartbeat_ms);
      kc_log_info(LOGGER, "group %s: joined generation %d as %s (leader %s, protocol %s)",
                  g->group_id, (int)g->generation, g->member_id, g->leader_id, g->protocol);
      g->cbs.joined(g->arg, g->generation, g->member_id, g->leader_id, g->protocol, assignment, len);
      if (g->need_rejoin) schedule(g, 0);
      break;
    }
    case KC_KERR_REBALANCE_IN_PROGRESS:
      g->need_rejoin = true;
      schedule(g, 0);
      break;
    case KC_KERR_UNKNOWN_MEMBER_ID:
    case KC_KERR_ILLEGAL_GENERATION:
    case KC_KERR_FENCED_INSTANCE_ID:
      g->generation = -1;
      if (ec != KC_KERR_ILLEGAL_GENERATION) set_str(&g->member_id, "");
      g->need_rejoin = true;
      schedule(g, 0);
      break;
    case KC_KERR_NOT_COORDINATOR:
    case KC_KERR_COORDINATOR_NOT_AVAILABLE:
      g->need_rejoin = true;
      coordinator_unknown(g, name);
      break;
    default:
      fatal(g, KC_EINVAL, "SyncGroup: %s", name);
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
  if (!quiet(g)) {
    kc_buf_t body;
    kc_buf_init(&body, 0);
    if (!rc) rc = kc_wire_sync_group_build(&body, g->group_id, g->generation, g->member_id, ids, as, n);
    if (!rc)
      rc = kc_wire_conn_request(g->coord, KC_API_SYNC_GROUP, ver(g, g->coord, KC_API_SYNC_GROUP),
                                &body, 0, on_sync, g);
    kc_buf_free(&body);
    if (!rc) {
      g->sync_inflight = true;
      set_state(g, ST_WAIT_SYNC);
    } else {
      g->need_rejoin = true;
      backoff(g, g->retry_ms);
    }
  }
  for (int i = 0; as && i < n; i++) kc_buf_free(&as[i]);
  free(as);
  free(ids);
}

/* ---- JoinGroup --------------------------------------------------------------------------- */

static void on_join(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_group_t *g = arg;
  if (err || quiet(g)) return;
  g->join_inflight = false;
  kc_wire_join_group_resp_t jr;
  if (!kc_wire_join_group_parse(r, ver(g, c, KC_API_JOIN_GROUP), &jr)) {
    kc_wire_join_group_resp_free(&jr);
    coordinator_unknown(g, "malformed JoinGroup response");
    return;
  }
  const char *name = kc_wire_error_name(jr.error);
  switch (jr.error) {
    case KC_KERR_NONE:
      g->generation = jr.generation;
      set_str(&g->member_id, jr.member_id);
      set_str(&g->leader_id, jr.leader);
      set_str(&g->protocol, jr.protocol);
      send_sync(g, &jr);
      break;
    case KC_KERR_MEMBER_ID_REQUIRED: /* KIP-394: join again at once with the given id */
      set_str(&g->member_id, jr.member_id);
      schedule(g, 0);
      break;
    case KC_KERR_UNKNOWN_MEMBER_ID:
    case KC_KERR_FENCED_INSTANCE_ID:
      set_str(&g->member_id, "");
      g->generation = -1;
      schedule(g, 0);
      break;
    case KC_KERR_ILLEGAL_GENERATION:
    case KC_KERR_REBALANCE_IN_PROGRESS:
      schedule(g, 0);
      break;
    case KC_KERR_COORDINATOR_LOAD_IN_PROGRESS:
      backoff(g, g->retry_ms);
      break;
    case KC_KERR_NOT_COORDINATOR:
    case KC_KERR_COORDINATOR_NOT_AVAILABLE:
      coordinator_unknown(g, name);
      break;
    case KC_KERR_UNSUPPORTED_VERSION:
      fatal(g, KC_ENOTSUP, "JoinGroup: %s", name);
      break;
    default: /* INCONSISTENT_GROUP_PROTOCOL, GROUP_AUTHORIZATION_FAILED, INVALID_* ... */
      fatal(g, KC_EINVAL, "JoinGroup: %s", name);
  }
  kc_wire_join_group_resp_free(&jr);
}

static void clear_protos(kc_group_t *g) {
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
  clear_protos(g);
  for (int i = 0; i < n; i++) {
    proto_t *p = &g->protos[i];
    p->name = strdup(ps[i].name ? ps[i].name : "");
    kc_buf_init(&p->meta, 0);
    g->n_protos = i + 1;
    if (!p->name || (ps[i].len && kc_buf_append(&p->meta, ps[i].metadata, ps[i].len))) return KC_ENOMEM;
  }
  return 0;
}

static void send_join(kc_group_t *g) {
  int rc = collect_protos(g);
  if (quiet(g)) return;
  if (rc) {
    kc_log_warn(LOGGER, "group %s: no metadata (%s): join postponed", g->group_id, kc_err_name(rc));
    backoff(g, g->retry_ms);
    return;
  }
  kc_group_protocol_t ps[KC_GROUP_MAX_PROTOCOLS];
  for (int i = 0; i < g->n_protos; i++)
    ps[i] = (kc_group_protocol_t){g->protos[i].name, g->protos[i].meta.data, g->protos[i].meta.len};
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int16_t v = ver(g, g->coord, KC_API_JOIN_GROUP);
  rc = kc_wire_join_group_build(&body, v, g->group_id, g->session_ms, g->rebalance_ms,
                                g->member_id, g->protocol_type, ps, g->n_protos);
  int32_t timeout = g->rebalance_ms + JOIN_TIMEOUT_LAPSE_MS;
  if (timeout < g->request_ms) timeout = g->request_ms;
  if (!rc) rc = kc_wire_conn_request(g->coord, KC_API_JOIN_GROUP, v, &body, timeout, on_join, g);
  kc_buf_free(&body);
  if (rc) {
    backoff(g, g->retry_ms);
    return;
  }
  /* Heartbeats stop while joining (Java disables the heartbeat thread): the broker would
   * hold them behind the JoinGroup on this connection anyway. */
  g->in_group = false;
  g->join_inflight = true;
  g->rejoin_after_sync = false;
  set_state(g, ST_WAIT_JOIN);
}

/* ---- coordinator discovery --------------------------------------------------------------- */

static void on_conn_closed(void *arg) {
  kc_group_t *g = arg;
  g->open_handles--;
  if (g->open_handles == 0 && g->all_closed) {
    set_state(g, ST_CLOSED);
    if (g->done_cb) g->done_cb(g->done_arg);
  }
}

static void on_coord_state(kc_wire_conn_t *c, void *arg, int err, const char *reason) {
  kc_group_t *g = arg;
  if (quiet(g) || c != g->coord) return;
  if (err) {
    if (err == KC_ENOTSUP || err == KC_EINVAL) {
      fatal(g, err, "%s", reason);
      return;
    }
    coordinator_unknown(g, reason);
    return;
  }
  g->coord_ready = true;
  schedule(g, 0);
}

static void boot_failed(kc_group_t *g, int err, const char *reason) {
  close_conn(g, &g->boot);
  uint64_t now = uv_now(g->loop);
  if (!g->unreachable_since) g->unreachable_since = now;
  g->boot_idx = (g->boot_idx + 1) % g->n_servers;
  if (g->boot_idx != 0) {
    schedule(g, 0);
    return;
  }
  /* A whole round failed: Java's exponential reconnect back-off, with its +-20% jitter. */
  g->failed_rounds++;
  int64_t delay = g->reconnect_ms;
  for (int i = 1; i < g->failed_rounds && delay < g->reconnect_max_ms; i++) delay *= 2;
  if (delay > g->reconnect_max_ms) delay = g->reconnect_max_ms;
  delay = delay * (80 + rand() % 41) / 100;
  lost(g, err, "coordinator unknown: bootstrap servers unreachable for %llu ms (%s)",
       (unsigned long long)(now - g->unreachable_since), reason);
  backoff(g, delay);
}

static void on_find(kc_wire_conn_t *c, void *arg, int err, kc_wire_reader_t *r) {
  kc_group_t *g = arg;
  if (err || quiet(g) || c != g->boot) return;
  kc_wire_find_coordinator_resp_t fr;
  bool ok = kc_wire_find_coordinator_parse(r, ver(g, c, KC_API_FIND_COORDINATOR), &fr);
  close_conn(g, &g->boot);
  if (!ok) {
    boot_failed(g, KC_EIO, "malformed FindCoordinator response");
    return;
  }
  const char *name = kc_wire_error_name(fr.error);
  switch (fr.error) {
    case KC_KERR_NONE:
      break;
    case KC_KERR_COORDINATOR_NOT_AVAILABLE:
    case KC_KERR_NOT_COORDINATOR:
    case KC_KERR_COORDINATOR_LOAD_IN_PROGRESS:
    case 7:  /* REQUEST_TIMED_OUT */
    case 13: /* NETWORK_EXCEPTION */
      kc_log_debug(LOGGER, "group %s: FindCoordinator: %s", g->group_id, name);
      backoff(g, g->retry_ms);
      return;
    default:
      fatal(g, KC_EINVAL, "FindCoordinator: %s%s%s", name, fr.message[0] ? ": " : "", fr.message);
      return;
  }
  g->failed_rounds = 0;
  g->unreachable_since = 0;
  set_str(&g->coord_host, fr.host);
  g->coord_port = fr.port;
  snprintf(g->coord_name, sizeof g->coord_name, "%s:%d", fr.host, (int)fr.port);
  kc_log_debug(LOGGER, "group %s: coordinator %s (node %d)", g->group_id, g->coord_name,
               (int)fr.node_id);
  kc_wire_conn_opts_t o = {g->client_id, g->request_ms, &g->sec};
  g->coord = kc_wire_conn_open(g->loop, fr.host, fr.port, &o, on_coord_state, g);
  if (!g->coord) {
    backoff(g, g->retry_ms);
    return;
  }
  g->open_handles++;
}

static void on_boot_state(kc_wire_conn_t *c, void *arg, int err, const char *reason) {
  kc_group_t *g = arg;
  if (quiet(g) || c != g->boot) return;
  if (err) {
    if (err == KC_ENOTSUP || err == KC_EINVAL) fatal(g, err, "%s", reason);
    else boot_failed(g, err, reason);
    return;
  }
  kc_buf_t body;
  kc_buf_init(&body, 0);
  int16_t v = ver(g, c, KC_API_FIND_COORDINATOR);
  int rc = kc_wire_find_coordinator_build(&body, v, g->group_id);
  if (!rc) rc = kc_wire_conn_request(c, KC_API_FIND_COORDINATOR, v, &body, 0, on_find, g);
  kc_buf_free(&body);
  if (rc) boot_failed(g, rc, "FindCoordinator request");
}

/* ---- the state machine ------------------------------------------------------------------- */

static void step(kc_group_t *g) {
  if (quiet(g) || !g->started) return;
  uint64_t now = uv_now(g->loop);
  if (now < g->retry_at) {
    uv_timer_start(&g->kick, on_kick, g->retry_at - now, 0);
    return;
  }
  if (!g->coord_ready) {
    set_state(g, ST_WAIT_COORDINATOR);
    if (g->coord || g->boot) return; /* a connection or a lookup is under way */
    server_t *s = &g->servers[g->boot_idx];
    kc_wire_conn_opts_t o = {g->client_id, g->request_ms, &g->sec};
    g->boot = kc_wire_conn_open(g->loop, s->host, s->port, &o, on_boot_state, g);
    if (!g->boot) backoff(g, g->retry_ms);
    else g->open_handles++;
    return;
  }
  if (g->join_inflight || g->sync_inflight) return;
  if (!g->need_rejoin) {
    if (g->in_group) set_state(g, ST_STABLE);
    return;
  }
  if (!g->prepared) {
    set_state(g, ST_WAIT_JOIN_PREPARE);
    if (!g->prepare_called) {
      g->prepare_called = true;
      g->cbs.join_prepare(g->arg, g->generation, g->member_id);
    }
    return;
  }
  send_join(g);
}

/* ---- API --------------------------------------------------------------------------------- */

static int parse_servers(kc_group_t *g, const char *list, char *errstr, size_t errstr_size) {
  const char *p = list ? list : "";
  while (*p) {
    while (*p == ' ' || *p == ',' || *p == '\t') p++;
    if (!*p) break;
    const char *end = p;
    while (*end && *end != ',' && *end != ' ' && *end != '\t') end++;
    char item[300];
    snprintf(item, sizeof item, "%.*s", (int)(end - p), p);
    char *host = item, *colon = strrchr(item, ':');
    if (item[0] == '[') {
      char *rb = strchr(item, ']');
      if (rb) {
        *rb = '\0';
        host = item + 1;
        colon = rb[1] == ':' ? rb + 1 : NULL;
      }
    }
    char *num_end = NULL;
    long port = colon ? strtol(colon + 1, &num_end, 10) : 0;
    if (!colon || colon == item || !num_end || *num_end || port <= 0 || port > 65535) {
      snprintf(errstr, errstr_size, "bootstrap.servers: invalid address '%s' (host:port)", item);
      return KC_EINVAL;
    }
    *colon = '\0';
    server_t *ns = realloc(g->servers, (size_t)(g->n_servers + 1) * sizeof *ns);
    if (!ns) return KC_ENOMEM;
    g->servers = ns;
    ns[g->n_servers].host = strdup(host);
    ns[g->n_servers].port = (int)port;
    if (!ns[g->n_servers].host) return KC_ENOMEM;
    g->n_servers++;
    p = end;
  }
  if (g->n_servers == 0) {
    snprintf(errstr, errstr_size, "bootstrap.servers: no address given");
    return KC_EINVAL;
  }
  return 0;
}

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
  set_str(&g->member_id, "");
  set_str(&g->leader_id, "");
  set_str(&g->protocol, "");
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
  if (!rc) rc = parse_servers(g, cfg->bootstrap_servers, errstr, errstr_size);
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
  if (g->started || quiet(g)) return KC_ESTATE;
  g->started = true;
  schedule(g, 0);
  return 0;
}

void kc_group_join_ready(kc_group_t *g) {
  if (quiet(g) || !g->prepare_called || g->prepared) return;
  g->prepared = true;
  schedule(g, 0);
}

void kc_group_request_rejoin(kc_group_t *g, const char *reason) {
  if (quiet(g)) return;
  kc_log_info(LOGGER, "group %s: rejoin requested: %s", g->group_id, reason ? reason : "");
  if (g->join_inflight || g->sync_inflight) g->rejoin_after_sync = true;
  g->need_rejoin = true;
  schedule(g, 0);
}

static void on_rejoin_timer(uv_timer_t *t) {
  kc_group_t *g = t->data;
  kc_group_request_rejoin(g, "scheduled rebalance delay expired");
}

void kc_group_rejoin_after(kc_group_t *g, uint64_t delay_ms, const char *reason) {
  if (quiet(g)) return;
  kc_log_info(LOGGER, "group %s: rejoin in %llu ms: %s", g->group_id, (unsigned long long)delay_ms,
              reason ? reason : "");
  uv_timer_start(&g->rejoin, on_rejoin_timer, delay_ms, 0);
}

int32_t kc_group_generation(const kc_group_t *g) { return g->generation; }
const char *kc_group_member_id(const kc_group_t *g) { return g->member_id; }
bool kc_group_stable(const kc_group_t *g) { return g->state == ST_STABLE && !g->need_rejoin; }
const char *kc_group_state_name(const kc_group_t *g) { return state_names[g->state]; }

static void on_timer_closed(uv_handle_t *h) { on_conn_closed(h->data); }

static void close_all(kc_group_t *g) {
  if (g->all_closed) return;
  g->all_closed = true;
  close_conn(g, &g->boot);
  close_conn(g, &g->coord);
  close_conn(g, &g->leave_conn);
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
  if (!rc) rc = kc_wire_conn_request(c, KC_API_LEAVE_GROUP, ver(g, c, KC_API_LEAVE_GROUP), &body, 0, on_left, g);
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
  set_state(g, ST_WAIT_LEAVE);
  uv_timer_stop(&g->kick);
  uv_timer_stop(&g->hb);
  uv_timer_stop(&g->rejoin);
  close_conn(g, &g->boot);
  if (!send_leave_group || was_fatal || !g->started || !g->member_id[0] || !g->coord_host) {
    close_all(g);
  } else if (g->coord_ready && !g->join_inflight && !g->sync_inflight) {
    send_leave(g, g->coord);
  } else {
    /* The broker answers one request at a time per connection: a LeaveGroup behind a
     * pending JoinGroup or SyncGroup would wait for the rebalance. Use a new connection. */
    close_conn(g, &g->coord);
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
  clear_protos(g);
  for (int i = 0; i < g->n_servers; i++) free(g->servers[i].host);
  free(g->servers);
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
