/*
 * Log line output (log.h). Text: Connect's default layout "[time] LEVEL message (logger)".
 * JSON (kc_log_set_json): one object per line for log shippers,
 *   {"timestamp":"2026-12-03T08:50:01.123Z","level":"INFO","logger":"...","message":"...",
 *    "context":"name-0"}
 * with "context" only when the line has one: the task of kc_task_log(), or the leading
 * "[name-0] " label kconnect's runtime puts on task and connector lines (Connect's MDC
 * connector.context). Strings are escaped per RFC 8259; bytes that are not UTF-8 become
 * U+FFFD so every line parses.
 */
#include "util/log.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG", "TRACE"};
static const char *const threshold_names[] = {"OFF", "FATAL", "ERROR", "WARN", "INFO", "DEBUG", "TRACE", "ALL"};
static atomic_bool json_mode;

const char *kc_log_level_name(kc_log_level_t level) {
  return level <= KC_LOG_TRACE ? level_names[level] : "?";
}

const char *kc_log_threshold_name(int t) {
  return t >= KC_LVL_OFF && t <= KC_LVL_ALL ? threshold_names[t] : "?";
}

int kc_log_level_parse(const char *s, kc_log_level_t *out) {
  for (int i = 0; i <= KC_LOG_TRACE; i++)
    if (strcasecmp(s, level_names[i]) == 0) {
      *out = (kc_log_level_t)i;
      return 0;
    }
  return KC_EINVAL;
}

int kc_log_threshold_parse(const char *s, int *out) {
  if (!s) return KC_EINVAL;
  while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
  size_t n = strlen(s);
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r')) n--;
  for (int i = KC_LVL_OFF; i <= KC_LVL_ALL; i++)
    if (strlen(threshold_names[i]) == n && strncasecmp(s, threshold_names[i], n) == 0) {
      *out = i;
      return 0;
    }
  return KC_EINVAL;
}

void kc_log_set_json(bool on) { atomic_store(&json_mode, on); }

/* ---- JSON escaping ----------------------------------------------------------- */

typedef struct {
  char *p;
  size_t n, cap; /* cap - 1 usable: one byte stays for the newline */
} out_t;

static void put(out_t *o, const char *s, size_t n) {
  if (o->n + n >= o->cap) n = o->n < o->cap ? o->cap - 1 - o->n : 0;
  memcpy(o->p + o->n, s, n);
  o->n += n;
}
static void puts_(out_t *o, const char *s) { put(o, s, strlen(s)); }

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlongs, no surrogates), or 0. */
static size_t utf8_len(const unsigned char *s, size_t avail) {
  unsigned c = s[0];
  size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (!n || n > avail) return 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;
  if (n == 3 && ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0))) return 0;
  if (n == 4 && ((c == 0xF0 && s[1] < 0x90) || c > 0xF4 || (c == 0xF4 && s[1] >= 0x90))) return 0;
  return n;
}

static void put_json_string(out_t *o, const char *s, size_t len) {
  put(o, "\"", 1);
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; i < len;) {
    unsigned c = u[i];
    char esc[8];
    if (c == '"' || c == '\\') {
      esc[0] = '\\';
      esc[1] = (char)c;
      put(o, esc, 2);
      i++;
    } else if (c < 0x20) {
      const char *short_esc = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : c == '\b' ? "\\b"
                              : c == '\f' ? "\\f" : NULL;
      if (short_esc) {
        puts_(o, short_esc);
      } else {
        snprintf(esc, sizeof esc, "\\u%04x", c);
        puts_(o, esc);
      }
      i++;
    } else if (c < 0x80) {
      put(o, (const char *)u + i, 1);
      i++;
    } else {
      size_t n = utf8_len(u + i, len - i);
      if (n) {
        put(o, (const char *)u + i, n);
        i += n;
      } else {
        puts_(o, "\\ufffd");
        i++;
      }
    }
  }
  put(o, "\"", 1);
}

/* ---- lines ------------------------------------------------------------------- */

/* The "[label] " a runtime message starts with, as a context: @returns its length, 0 if none. */
static size_t leading_label(const char *msg, const char **label) {
  if (msg[0] != '[') return 0;
  const char *end = strchr(msg, ']');
  if (!end || end == msg + 1 || end[1] != ' ' || end - msg > 250 || memchr(msg, '\n', (size_t)(end - msg))) return 0;
  *label = msg + 1;
  return (size_t)(end - msg - 1);
}

void kc_logger_logv(kc_logger_t *l, kc_log_level_t level, const char *context, const char *fmt, va_list ap) {
  if (!kc_logger_enabled(l, level)) return;
  struct timeval tv;
  struct tm tm;
  char ts[40];
  gettimeofday(&tv, NULL);
  char msg[2048], line[4600];
  vsnprintf(msg, sizeof msg, fmt, ap);
  out_t o = {line, 0, sizeof line};
  if (atomic_load_explicit(&json_mode, memory_order_relaxed)) {
    gmtime_r(&tv.tv_sec, &tm);
    size_t tn = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + tn, sizeof ts - tn, ".%03dZ", (int)(tv.tv_usec / 1000));
    puts_(&o, "{\"timestamp\":\"");
    puts_(&o, ts);
    puts_(&o, "\",\"level\":\"");
    puts_(&o, level_names[level]);
    puts_(&o, "\",\"logger\":");
    put_json_string(&o, l->name[0] ? l->name : "root", strlen(l->name[0] ? l->name : "root"));
    puts_(&o, ",\"message\":");
    if (context) {
      put_json_string(&o, msg, strlen(msg));
      puts_(&o, ",\"context\":");
      put_json_string(&o, context, strlen(context));
    } else {
      put_json_string(&o, msg, strlen(msg));
      const char *label;
      size_t ln = leading_label(msg, &label);
      if (ln) {
        puts_(&o, ",\"context\":");
        put_json_string(&o, label, ln);
      }
    }
    if (o.n >= o.cap - 2) { /* cut: still one closed object */
      o.n = 0;
      puts_(&o, "{\"timestamp\":\"");
      puts_(&o, ts);
      puts_(&o, "\",\"level\":\"");
      puts_(&o, level_names[level]);
      puts_(&o, "\",\"logger\":");
      put_json_string(&o, l->name, strlen(l->name));
      puts_(&o, ",\"message\":");
      put_json_string(&o, msg, strlen(msg) > 600 ? 600 : strlen(msg));
    }
    puts_(&o, "}");
  } else {
    localtime_r(&tv.tv_sec, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
    char head[64];
    snprintf(head, sizeof head, "[%s,%03d] %s ", ts, (int)(tv.tv_usec / 1000), level_names[level]);
    puts_(&o, head);
    if (context) {
      puts_(&o, "[");
      puts_(&o, context);
      puts_(&o, "] ");
    }
    puts_(&o, msg);
    puts_(&o, " (");
    puts_(&o, l->name[0] ? l->name : "root");
    puts_(&o, ")");
  }
  line[o.n++] = '\n';
  /* One write(2) per line: unbuffered stdio would split it, and librdkafka's threads or a
   * threadpool job may log at the same moment. */
  ssize_t w = write(STDERR_FILENO, line, o.n);
  (void)w;
}

void kc_logger_log(kc_logger_t *l, kc_log_level_t level, const char *context, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kc_logger_logv(l, level, context, fmt, ap);
  va_end(ap);
}

void kc_logv(kc_log_level_t level, const char *logger, const char *fmt, va_list ap) {
  if (!KC_LOG_ENABLED(level)) return;
  kc_logger_logv(kc_logger_get(logger), level, NULL, fmt, ap);
}

void kc_log(kc_log_level_t level, const char *logger, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  kc_logv(level, logger, fmt, ap);
  va_end(ap);
}
