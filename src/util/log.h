/* Process-wide logging in Connect's shape: "[time] LEVEL message (logger)". */
#ifndef KC_UTIL_LOG_H
#define KC_UTIL_LOG_H

#include "kconnect/connector.h"

extern kc_log_level_t kc_log_level;

/** Logs when @p level is enabled. @p logger names the module ("kc.worker"). */
void kc_log(kc_log_level_t level, const char *logger, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void kc_logv(kc_log_level_t level, const char *logger, const char *fmt, va_list ap);
/** Parses "ERROR".."TRACE" (case-insensitive). @returns 0 or KC_EINVAL. */
int kc_log_level_parse(const char *s, kc_log_level_t *out);
const char *kc_log_level_name(kc_log_level_t level);

#define KC_LOG_ENABLED(lvl) ((lvl) <= kc_log_level)
#define kc_log_error(lg, ...) kc_log(KC_LOG_ERROR, lg, __VA_ARGS__)
#define kc_log_warn(lg, ...) kc_log(KC_LOG_WARN, lg, __VA_ARGS__)
#define kc_log_info(lg, ...) kc_log(KC_LOG_INFO, lg, __VA_ARGS__)
#define kc_log_debug(lg, ...) \
  do { if (KC_LOG_ENABLED(KC_LOG_DEBUG)) kc_log(KC_LOG_DEBUG, lg, __VA_ARGS__); } while (0)

#endif
