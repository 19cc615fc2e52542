/* SimpleDateFormat.format in UTC (proleptic Gregorian from 1582 on, as java.util.GregorianCalendar
 * for the dates Kafka records carry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "transform/java_date.h"

typedef struct {
  char letter; /* 0: literal text */
  int count;
  char *text;
} item_t;

struct kc_java_date_s {
  item_t *items;
  size_t n;
};

void kc_java_date_free(kc_java_date_t *f) {
  if (!f) return;
  for (size_t i = 0; i < f->n; i++) free(f->items[i].text);
  free(f->items);
  free(f);
}

static int push(kc_java_date_t *f, char letter, int count, const char *text, size_t len) {
  item_t *p = realloc(f->items, (f->n + 1) * sizeof *p);
  if (!p) return KC_ENOMEM;
  f->items = p;
  item_t *it = &f->items[f->n++];
  it->letter = letter;
  it->count = count;
  it->text = text ? strndup(text, len) : NULL;
  return text && !it->text ? KC_ENOMEM : 0;
}

kc_java_date_t *kc_java_date_compile(const char *pat, char *err, size_t errlen) {
  kc_java_date_t *f = calloc(1, sizeof *f);
  if (!f) return NULL;
  const char *p = pat;
  while (*p) {
    char c = *p;
    if (c == '\'') {
      if (p[1] == '\'') { /* '' is one quote */
        if (push(f, 0, 0, "'", 1)) goto oom;
        p += 2;
        continue;
      }
      kc_buf_t lit;
      kc_buf_init(&lit, 0);
      p++;
      for (;;) {
        if (!*p) {
          kc_buf_free(&lit);
          snprintf(err, errlen, "Unterminated quote");
          kc_java_date_free(f);
          return NULL;
        }
        if (*p == '\'' && p[1] == '\'') {
          kc_buf_append(&lit, "'", 1);
          p += 2;
        } else if (*p == '\'') {
          p++;
          break;
        } else {
          kc_buf_append(&lit, p++, 1);
        }
      }
      int rc = push(f, 0, 0, lit.data ? lit.data : "", lit.len);
      kc_buf_free(&lit);
      if (rc) goto oom;
      continue;
    }
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      if (!strchr("GyMdHhkKmsSEDuazZXYLwWF", c)) {
        snprintf(err, errlen, "Illegal pattern character '%c'", c);
        kc_java_date_free(f);
        return NULL;
      }
      if (strchr("YLwWF", c)) {
        snprintf(err, errlen, "kconnect does not support the SimpleDateFormat letter '%c' (week-based fields)", c);
        kc_java_date_free(f);
        return NULL;
      }
      int count = 0;
      while (*p == c) count++, p++;
      if (push(f, c, count, NULL, 0)) goto oom;
      continue;
    }
    if (push(f, 0, 0, p, 1)) goto oom;
    p++;
  }
  return f;
oom:
  snprintf(err, errlen, "out of memory");
  kc_java_date_free(f);
  return NULL;
}

/* Howard Hinnant's civil_from_days: days since 1970-01-01 to y/m/d. */
static void civil(int64_t z, int64_t *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

/* A number padded with zeros to the letter count, as SimpleDateFormat's zeroPaddingNumber. */
static int num(kc_buf_t *out, int64_t v, int width) {
  return kc_buf_printf(out, "%0*lld", width, (long long)v);
}

int kc_java_date_format(const kc_java_date_t *f, int64_t ms, kc_buf_t *out) {
  static const char *const months[] = {"January", "February", "March", "April", "May", "June", "July",
                                       "August", "September", "October", "November", "December"};
  static const char *const days[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};
  int64_t day = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
  int64_t rem = ms - day * 86400000;
  int64_t y;
  int mo, d;
  civil(day, &y, &mo, &d);
  int hour = (int)(rem / 3600000), minute = (int)(rem / 60000 % 60), sec = (int)(rem / 1000 % 60),
      milli = (int)(rem % 1000);
  int wday = (int)(((day % 7) + 11) % 7); /* 1970-01-01 was a Thursday (4) */
  int64_t jan1 = days_from_civil(y, 1, 1);
  int rc = 0;
  for (size_t i = 0; i < f->n && !rc; i++) {
    const item_t *it = &f->items[i];
    int c = it->count;
    switch (it->letter) {
      case 0: rc = kc_buf_puts(out, it->text); break;
      case 'G': rc = kc_buf_puts(out, y > 0 ? "AD" : "BC"); break;
      case 'y': {
        int64_t yv = y > 0 ? y : 1 - y;
        rc = c == 2 ? num(out, yv % 100, 2) : num(out, yv, c);
        break;
      }
      case 'M':
        if (c >= 4) rc = kc_buf_puts(out, months[mo - 1]);
        else if (c == 3) rc = kc_buf_append(out, months[mo - 1], 3);
        else rc = num(out, mo, c);
        break;
      case 'd': rc = num(out, d, c); break;
      case 'H': rc = num(out, hour, c); break;
      case 'k': rc = num(out, hour == 0 ? 24 : hour, c); break;
      case 'K': rc = num(out, hour % 12, c); break;
      case 'h': rc = num(out, hour % 12 == 0 ? 12 : hour % 12, c); break;
      case 'm': rc = num(out, minute, c); break;
      case 's': rc = num(out, sec, c); break;
      case 'S': rc = num(out, milli, c); break;
      case 'E': rc = c >= 4 ? kc_buf_puts(out, days[wday]) : kc_buf_append(out, days[wday], 3); break;
      case 'u': rc = num(out, wday == 0 ? 7 : wday, c); break;
      case 'D': rc = num(out, day - jan1 + 1, c); break;
      case 'a': rc = kc_buf_puts(out, hour < 12 ? "AM" : "PM"); break;
      case 'z': rc = kc_buf_puts(out, c >= 4 ? "Coordinated Universal Time" : "UTC"); break;
      case 'Z': rc = kc_buf_puts(out, "+0000"); break;
      case 'X': rc = kc_buf_puts(out, "Z"); break;
      default: break;
    }
  }
  return rc;
}
