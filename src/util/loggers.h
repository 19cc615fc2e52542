/*
 * The logger registry and its levels, as Connect 4.x's Loggers over log4j2
 * (runtime/Loggers.java, connect-runtime.md 1.7): named loggers in a dot hierarchy, a set of
 * explicitly configured levels ("logger configs", root always among them), and the views
 * GET/PUT /admin/loggers serve. Thread-safe; the level check itself never locks (log.h).
 */
#ifndef KC_UTIL_LOGGERS_H
#define KC_UTIL_LOGGERS_H

#include <jansson.h>
#include <stdbool.h>

/** Sets the root level (KC_LVL_*) without the REST bookkeeping (start-up settings). */
void kc_loggers_set_root(int threshold);
/**
 * Applies "a.b=DEBUG,c=WARN" (CONNECT_LOG4J_LOGGERS, kconnect.log.levels) as log4j config
 * entries: each name gets its own level (children keep theirs). "root=..." sets the root level. @returns 0, or KC_EINVAL with @p err naming
 * the first bad entry (the good ones are applied).
 */
int kc_loggers_apply_spec(const char *spec, char *err, size_t n);
/**
 * AbstractHerder.setWorkerLoggerLevel: @p level upper-cased and checked (an invalid one
 * changes nothing and gives []), then Loggers.setLevel: @p ns ("root" or "" for root) and
 * every configured logger whose name starts with it take the level. @returns the sorted JSON
 * array of the loggers whose effective level changed, or NULL when out of memory.
 */
json_t *kc_loggers_set_level(const char *ns, const char *level);
/** Loggers.allLevels: {"name": {"level","last_modified"}} of every known logger not at OFF. */
json_t *kc_loggers_levels(void);
/** Loggers.level: {"level","last_modified"} of a known logger (root: "root" or ""), or NULL. */
json_t *kc_loggers_level(const char *name);
/** Loggers.isValidLevel after Level.getLevel's trim/upper-case: true for a log4j2 level name. */
bool kc_loggers_valid_level(const char *level);

#endif
