/*
 * DESIGN: LoggingResource (runtime/rest/resources/LoggingResource.java; connect-runtime.md
 * 1.7). The levels live in the process (util/loggers.c), as Java's in log4j2, so a worker-scope
 * change and both GETs never go through the herder; only scope=cluster does (the distributed
 * herder writes logger-cluster-<name> to the config topic, the standalone one applies it here,
 * as StandaloneHerder.setClusterLoggerLevel).
 */
#include "rest/loggers.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/log.h"
#include "util/loggers.h"

#define LOGGER "kc.rest.logging"

bool kc__rest_loggers(kc_rest_conn_t *hc, kc_herder_op_t op, const char *name, json_t *body, const char *scope) {
  if (op == KC_HERDER_LOGGERS) {
    json_t *all = kc_loggers_levels();
    if (all) kc__rest_reply(hc, 200, all, NULL, NULL);
    else kc__rest_reply_error(hc, 500, "Out of memory");
    return true;
  }
  if (op == KC_HERDER_LOGGER) {
    json_t *one = kc_loggers_level(name);
    if (one) kc__rest_reply(hc, 200, one, NULL, NULL);
    else kc__rest_reply_error(hc, 404, "Logger %s not found.", name);
    return true;
  }
  const char *level = json_string_value(json_object_get(body, "level"));
  if (!level) {
    kc__rest_reply_error(hc, 400, "Desired 'level' parameter was not specified in request.");
    return true;
  }
  if (!*level) { /* Level.getLevel("") throws; ConnectExceptionMapper answers 500 */
    kc__rest_reply_error(hc, 500, "Illegal null or empty Level name.");
    return true;
  }
  if (!kc_loggers_valid_level(level)) {
    kc__rest_reply_error(hc, 404, "invalid log level '%s'.", level);
    return true;
  }
  bool cluster = scope && !strcasecmp(scope, "cluster");
  if (scope && !cluster && strcasecmp(scope, "worker"))
    kc_log_warn(LOGGER, "Received invalid scope '%s' in request to adjust logging level; will default to worker", scope);
  if (cluster) return false;
  json_t *changed = kc_loggers_set_level(name, level);
  if (changed) kc__rest_reply(hc, 200, changed, NULL, NULL);
  else kc__rest_reply_error(hc, 500, "Out of memory");
  return true;
}
