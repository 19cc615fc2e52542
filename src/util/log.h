/*
 * Process-wide logging in Connect's shape: "[time] LEVEL message (logger)", or one JSON
 * object per line (kc_log_set_json). Loggers are named and hierarchical as log4j2's
 * (util/loggers.c): a level set on "a.b" applies to "a.b.c" unless that has its own.
 *
 * A call site names its logger with a string literal ("kc.worker"); the macros below resolve
 * it once per call site to a kc_logger_t and afterwards only compare the logger's cached
 * level, so a disabled line costs two loads and a compare. Thread-safe (librdkafka's threads
 * and threadpool jobs log too).
 */
#ifndef KC_UTIL_LOG_H
#define KC_UTIL_LOG_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "kconnect/connector.h"

/*
 * log4j2's levels as thresholds: a logger at threshold T emits a kc_log_level_t L when
 * KC_LVL_OF(L) <= T. OFF emits nothing; FATAL emits nothing of kconnect's (it has no fatal
 * lines) but is a level of its own, as in log4j2.
 */
enum { KC_LVL_OFF, KC_LVL_FATAL, KC_LVL_ERROR, KC_LVL_WARN, KC_LVL_INFO, KC_LVL_DEBUG, KC_LVL_TRACE, KC_LVL_ALL };
#define KC_LVL_OF(level) ((int)(level) + KC_LVL_ERROR)

/** A named logger; registered once, never freed. */
typedef struct kc_logger_s {
  atomic_int threshold; /* the effective level (KC_LVL_*), recomputed on every level change */
  const char *name;     /* the public name (Java's class name where kconnect maps one; "" is root) */
} kc_logger_t;

/** The highest threshold of any logger: a cheap "could anything log at @p lvl" guard. */
extern atomic_int kc__log_max;
#define KC_LOG_ENABLED(lvl) (KC_LVL_OF(lvl) <= atomic_load_explicit(&kc__log_max, memory_order_relaxed))

static inline bool kc_logger_enabled(const kc_logger_t *l, kc_log_level_t level) {
  return KC_LVL_OF(level) <= atomic_load_explicit(&l->threshold, memory_order_relaxed);
}

/** The logger named @p name (a kconnect name such as "kc.worker" is mapped, see loggers.c). */
kc_logger_t *kc_logger_get(const char *name);
/** Writes one line if @p l is enabled at @p level. @p context names the connector/task ("name-0") or NULL. */
void kc_logger_log(kc_logger_t *l, kc_log_level_t level, const char *context, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void kc_logger_logv(kc_logger_t *l, kc_log_level_t level, const char *context, const char *fmt, va_list ap);

/** Logs under a logger named at run time (looked up on each call: for rare or dynamic names). */
void kc_log(kc_log_level_t level, const char *logger, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kc_logv(kc_log_level_t level, const char *logger, const char *fmt, va_list ap);

/** Parses "ERROR".."TRACE" (case-insensitive). @returns 0 or KC_EINVAL. */
int kc_log_level_parse(const char *s, kc_log_level_t *out);
const char *kc_log_level_name(kc_log_level_t level);
/** Parses a log4j2 level name (OFF, FATAL, ERROR, WARN, INFO, DEBUG, TRACE, ALL; any case, trimmed
 *  as Level.getLevel) into KC_LVL_*. @returns 0 or KC_EINVAL. */
int kc_log_threshold_parse(const char *s, int *out);
/** "OFF".."ALL" for a KC_LVL_* value. */
const char *kc_log_threshold_name(int threshold);

/** One JSON object per line instead of the text layout. */
void kc_log_set_json(bool on);

/*
 * The macros: @p lg must be a string literal (a compile error otherwise: the per-site cache
 * assumes the name never changes); use kc_log() for a name held in a variable.
 */
#define KC_LOG_AT(lvl, lg, ...)                                                               \
  do {                                                                                        \
    static kc_logger_t *_Atomic kc__site_;                                                    \
    kc_logger_t *kc__lg_ = atomic_load_explicit(&kc__site_, memory_order_acquire);             \
    if (!kc__lg_) {                                                                           \
      kc__lg_ = kc_logger_get("" lg "");                                                      \
      atomic_store_explicit(&kc__site_, kc__lg_, memory_order_release);                       \
    }                                                                                         \
    if (kc_logger_enabled(kc__lg_, lvl)) kc_logger_log(kc__lg_, lvl, NULL, __VA_ARGS__);      \
  } while (0)
#define kc_log_error(lg, ...) KC_LOG_AT(KC_LOG_ERROR, lg, __VA_ARGS__)
#define kc_log_warn(lg, ...) KC_LOG_AT(KC_LOG_WARN, lg, __VA_ARGS__)
#define kc_log_info(lg, ...) KC_LOG_AT(KC_LOG_INFO, lg, __VA_ARGS__)
#define kc_log_debug(lg, ...) KC_LOG_AT(KC_LOG_DEBUG, lg, __VA_ARGS__)
#define kc_log_trace(lg, ...) KC_LOG_AT(KC_LOG_TRACE, lg, __VA_ARGS__)

#endif
