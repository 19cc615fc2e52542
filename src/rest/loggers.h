/* Private to src/rest: the /admin/loggers resource (loggers.c). */
#ifndef KC_REST_LOGGERS_H
#define KC_REST_LOGGERS_H

#include "rest/rest_internal.h"

/**
 * LoggingResource: answers GET /admin/loggers, GET /admin/loggers/{name} and a worker-scope
 * PUT at once and @returns true; @returns false for a PUT with scope=cluster, which the router
 * then submits to the herder as KC_HERDER_LOGGER_LEVEL (after the same checks). @p body is the
 * bound Map<String,String> of a PUT, @p scope the decoded
 * first scope query parameter, or NULL when there is none (Java's default "worker").
 */
bool kc__rest_loggers(kc_rest_conn_t *hc, kc_herder_op_t op, const char *name, json_t *body, const char *scope);

#endif
