#include "util/log.h"

#include <stdio.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

kc_log_level_t kc_log_level = KC_LOG_INFO;

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};

const char *kc_log_level_name(kc_log_level_t level) {
  return level <= KC_LOG_TRACE ? level_names[level] : "?";
}

int kc_log_level_parse(const char *s, kc_log_level_t *out) {
  for (int i = 0; i <= KC_LOG_TRACE; i++)
    if (strcasecmp(s, level_names[i]) == 0) {
      *out = (kc_log_level_t)i;
      return 0;
    }
  return KC_EINVAL;
}

void kc_logv(kc_log_level_t level, const char *logger, const char *fmt, va_list ap) {
  if (!KC_LOG_ENABLED(level)) return;
  struct timeval tv;
  struct tm tm;
  char ts[32];
  gettimeofday(&tv, NULL);
  localtime_r(&tv.tv_sec, &tm);
  strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
  /* One write(2) per line: unbuffered stdio would split it, and librdkafka's threads or a
   * threadpool job may log at the same moment. */
  char msg[2048], line[2400];
  vsnprintf(msg, sizeof msg, fmt, ap);
  int n = snprintf(line, sizeof line, "[%s,%03d] %s %s (%s)\n", ts, (int)(tv.tv_usec / 1000),
                   level_names[level], msg, logger);
  if (n < 0) return;
  if ((size_t)n >= sizeof line) {
    n = sizeof line - 1;
    line[n - 1] = '\n';
  }
  ssize_t w = write(STDERR_FILENO, line, (size_t)n);
  (void)w;
}

void kc_log(kc_log_level_t level, const char *logger, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kc_logv(level, logger, fmt, ap);
  va_end(ap);
}
