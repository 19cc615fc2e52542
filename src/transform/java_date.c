/* SimpleDateFormat.format and .parse in UTC (proleptic Gregorian from 1582 on, as
 * java.util.GregorianCalendar for the dates Kafka records carry). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "transform/java_date.h"

typedef struct {
  char letter; /* 0: literal text */
  int count;
  char *text;
} item_t;

struct kc_java_date_s {
  item_t *items;
  size_t n;
  char *pattern;          /* toPattern() */
  int64_t century_start;  /* ms: 80 years before the format was made (two-digit years) */
  int century_year;       /* the year of century_start */
};

static void civil(int64_t z, int64_t *y, int *m, int *d);
static int64_t days_from_civil(int64_t y, int m, int d);

void kc_java_date_free(kc_java_date_t *f) {
  if (!f) return;
  free(f->pattern);
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
  if (!f || !(f->pattern = strdup(pat))) {
    free(f);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  /* SimpleDateFormat.initializeDefaultCentury: now minus 80 years (the clock read once, at
   * configure time, as Java does in the constructor). */
  struct timeval tv;
  gettimeofday(&tv, NULL);
  int64_t now = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
  int64_t day = now / 86400000, y;
  int m, d;
  civil(day, &y, &m, &d);
  y -= 80;
  if (m == 2 && d == 29) d = 28; /* Calendar.add(YEAR, -80) pins Feb 29 to the 28th */
  f->century_start = days_from_civil(y, m, d) * 86400000 + now % 86400000;
  f->century_year = (int)y;
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

/* ---- parse: SimpleDateFormat.parse(String), lenient, into a CalendarBuilder ---- */

enum { C_ERA, C_YEAR, C_MONTH, C_DOM, C_DOY, C_DOW, C_HOD, C_HOUR, C_AMPM, C_MIN, C_SEC, C_MS, C_ZONE, C_N };

/* CalendarBuilder: a value per field and the order fields were set in (0 = unset), which is
 * what GregorianCalendar's field resolution looks at. */
typedef struct {
  int64_t val[C_N];
  int stamp[C_N];
  int next;
} calb_t;

static void cset(calb_t *c, int field, int64_t v) {
  c->val[field] = v;
  c->stamp[field] = ++c->next;
}

static const char *const month_names[] = {
    "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
    "November", "December", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const day_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
                                        "Saturday", "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char *const ampm_names[] = {"AM", "PM"};
static const char *const era_names[] = {"BC", "AD"};

/* matchString: the longest name matching case-insensitively at @p at; its index or -1. */
static int match_name(const char *t, size_t len, size_t at, const char *const *names, int n, size_t *end) {
  int best = -1;
  size_t best_len = 0;
  for (int i = 0; i < n; i++) {
    size_t l = strlen(names[i]);
    if (l > best_len && at + l <= len && !strncasecmp(t + at, names[i], l)) {
      best = i;
      best_len = l;
    }
  }
  if (best >= 0) *end = at + best_len;
  return best;
}

/* DecimalFormat.parse (integer only, no grouping) from *pos to at most @p end: an optional '-'
 * and at least one digit; the result as Number.intValue() gives it. */
static bool parse_int(const char *t, size_t end, size_t *pos, int64_t *out) {
  size_t i = *pos;
  bool neg = i < end && t[i] == '-';
  if (neg) i++;
  size_t digits = i;
  uint64_t v = 0;
  bool huge = false;
  for (; i < end && t[i] >= '0' && t[i] <= '9'; i++) {
    if (v > (UINT64_MAX - 9) / 10) huge = true;
    else v = v * 10 + (uint64_t)(t[i] - '0');
  }
  if (i == digits) return false;
  *pos = i;
  if (huge || v > (uint64_t)INT64_MAX) { /* a Double: intValue() saturates */
    *out = neg ? INT32_MIN : INT32_MAX;
    return true;
  }
  int64_t l = neg ? -(int64_t)v : (int64_t)v;
  *out = (int32_t)(uint32_t)(uint64_t)l; /* Long.intValue() keeps the low 32 bits */
  return true;
}

/* One UTF-8 code point at t[*i] (a stray byte counts as itself). */
static uint32_t next_cp(const char *t, size_t len, size_t *i) {
  const unsigned char *u = (const unsigned char *)t + *i;
  size_t left = len - *i, n = 1;
  uint32_t cp = u[0];
  if (u[0] >= 0xc0 && u[0] < 0xe0 && left >= 2) cp = u[0] & 0x1f, n = 2;
  else if (u[0] >= 0xe0 && u[0] < 0xf0 && left >= 3) cp = u[0] & 0x0f, n = 3;
  else if (u[0] >= 0xf0 && left >= 4) cp = u[0] & 0x07, n = 4;
  for (size_t k = 1; k < n; k++) cp = (cp << 6) | (u[k] & 0x3f);
  *i += n;
  return cp;
}

/* Character.getType(c) == SPACE_SEPARATOR (Unicode Zs). */
static bool space_sep(uint32_t c) {
  return c == 0x20 || c == 0xa0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200a) || c == 0x202f ||
         c == 0x205f || c == 0x3000;
}

/* subParseNumericZone: [h]h[[:]mm] after a sign; sets the zone offset. @returns the new
 * position or -1. */
static long numeric_zone(const char *t, size_t len, size_t i, int sign, int count, bool colon, calb_t *cb) {
#define NEXT() (i < len ? t[i++] : (char)0)
#define DIG(c) ((c) >= '0' && (c) <= '9')
  char c = NEXT();
  if (!DIG(c)) return -1;
  int hours = c - '0';
  c = NEXT();
  if (!c) return -1;
  if (DIG(c)) {
    hours = hours * 10 + (c - '0');
  } else {
    if (count > 0 || !colon) return -1;
    i--;
  }
  if (hours > 23) return -1;
  int minutes = 0;
  if (count != 1) {
    c = NEXT();
    if (colon) {
      if (c != ':') return -1;
      c = NEXT();
    }
    if (!DIG(c)) return -1;
    minutes = c - '0';
    c = NEXT();
    if (!DIG(c)) return -1;
    minutes = minutes * 10 + (c - '0');
    if (minutes > 59) return -1;
  }
#undef NEXT
#undef DIG
  cset(cb, C_ZONE, (int64_t)sign * (hours * 60 + minutes) * 60000);
  return (long)i;
}

static bool obeys_count(const item_t *next) {
  if (!next || !next->letter) return false;
  if (next->letter == 'M') return next->count <= 2;
  return strchr("ydkHmsSDhKu", next->letter) != NULL;
}

/* SimpleDateFormat.subParse for one pattern field. @returns the new position or -1. */
static long sub_parse(const kc_java_date_t *f, const item_t *it, bool obey, const char *t, size_t len,
                      size_t start, calb_t *cb, bool *ambiguous) {
  size_t pos = start, end;
  for (;;) {
    if (pos >= len) return -1;
    if (t[pos] != ' ' && t[pos] != '\t') break;
    pos++;
  }
  size_t actual = pos;
  int count = it->count;
  char L = it->letter;
  int64_t v = 0;
  if (L == 'k' || L == 'h' || (L == 'M' && count <= 2) || L == 'y') {
    if (obey && start + (size_t)count > len) return -1;
    if (!parse_int(t, obey ? start + (size_t)count : len, &pos, &v)) return -1;
  }
  int idx;
  switch (L) {
    case 'G':
      if ((idx = match_name(t, len, start, era_names, 2, &end)) < 0) return -1;
      cset(cb, C_ERA, idx);
      return (long)end;
    case 'y':
      if (count <= 2 && pos - actual == 2 && t[actual] >= '0' && t[actual] <= '9' &&
          t[actual + 1] >= '0' && t[actual + 1] <= '9') {
        int amb = f->century_year % 100;
        *ambiguous = v == amb;
        v += (f->century_year / 100) * 100 + (v < amb ? 100 : 0);
      }
      cset(cb, C_YEAR, v);
      return (long)pos;
    case 'M':
      if (count <= 2) {
        cset(cb, C_MONTH, v - 1);
        return (long)pos;
      }
      if ((idx = match_name(t, len, start, month_names, 24, &end)) < 0) return -1;
      cset(cb, C_MONTH, idx % 12);
      return (long)end;
    case 'k':
      cset(cb, C_HOD, v == 24 ? 0 : v);
      return (long)pos;
    case 'h':
      cset(cb, C_HOUR, v == 12 ? 0 : v);
      return (long)pos;
    case 'E':
      if ((idx = match_name(t, len, start, day_names, 14, &end)) < 0) return -1;
      cset(cb, C_DOW, idx % 7 + 1);
      return (long)end;
    case 'a':
      if ((idx = match_name(t, len, start, ampm_names, 2, &end)) < 0) return -1;
      cset(cb, C_AMPM, idx);
      return (long)end;
    case 'z':
    case 'Z': {
      char c = t[pos];
      if (c == '+' || c == '-') return numeric_zone(t, len, pos + 1, c == '+' ? 1 : -1, 0, false, cb);
      if ((c == 'G' || c == 'g') && len - start >= 3 && !strncasecmp(t + start, "GMT", 3)) {
        pos = start + 3;
        if (pos < len && (t[pos] == '+' || t[pos] == '-'))
          return numeric_zone(t, len, pos + 1, t[pos] == '+' ? 1 : -1, 0, true, cb);
        cset(cb, C_ZONE, 0);
        return (long)pos;
      }
      /* subParseZoneString: only the format's own zone (UTC) is known here */
      static const char *const utc_names[] = {"Coordinated Universal Time", "UTC"};
      if (match_name(t, len, pos, utc_names, 2, &end) < 0) return -1;
      cset(cb, C_ZONE, 0);
      return (long)end;
    }
    case 'X': {
      char c = t[pos];
      if (c == 'Z') {
        cset(cb, C_ZONE, 0);
        return (long)pos + 1;
      }
      if (c != '+' && c != '-') return -1;
      return numeric_zone(t, len, pos + 1, c == '+' ? 1 : -1, count, count == 3, cb);
    }
    default: {
      if (obey && start + (size_t)count > len) return -1;
      if (!parse_int(t, obey ? start + (size_t)count : len, &pos, &v)) return -1;
      int field = L == 'd' ? C_DOM : L == 'D' ? C_DOY : L == 'H' ? C_HOD : L == 'K' ? C_HOUR
                : L == 'm' ? C_MIN : L == 's' ? C_SEC : L == 'S' ? C_MS : C_DOW;
      if (L == 'u' && v >= 1 && v <= 7) v = v % 7 + 1; /* ISO day of week to Calendar's */
      cset(cb, field, v);
      return (long)pos;
    }
  }
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* GregorianCalendar.computeTime (lenient) over the builder's fields, in UTC. */
static int64_t establish(const calb_t *cb, int64_t year_add) {
  const int64_t *v = cb->val;
  const int *st = cb->stamp;
  int64_t year = (st[C_YEAR] ? v[C_YEAR] : 1970) + year_add;
  if (st[C_ERA] && v[C_ERA] == 0) year = 1 - year;
  int64_t month = st[C_MONTH] ? v[C_MONTH] : 0;
  year += floor_div(month, 12);
  month -= floor_div(month, 12) * 12;
  int64_t day;
  int best = st[C_DOM] > st[C_DOY] ? st[C_DOM] : st[C_DOY];
  if (best && best == st[C_DOY]) {
    day = days_from_civil(year, 1, 1) + v[C_DOY] - 1;
  } else {
    day = days_from_civil(year, (int)month + 1, 1);
    if (st[C_DOM]) {
      day += v[C_DOM] - 1;
    } else if (st[C_DOW]) { /* DAY_OF_WEEK_IN_MONTH 1: the first such weekday of the month */
      int64_t last = day + 6, want = v[C_DOW] - 1;
      int64_t wd = ((last % 7) + 11) % 7; /* 0 = Sunday */
      day = last - (((wd - want) % 7) + 7) % 7;
    }
  }
  int hod = st[C_HOD], hour = st[C_HOUR] && st[C_AMPM] ? (st[C_HOUR] > st[C_AMPM] ? st[C_HOUR] : st[C_AMPM]) : 0;
  int tbest = hour > hod ? hour : hod;
  if (!tbest) tbest = st[C_HOUR] > st[C_AMPM] ? st[C_HOUR] : st[C_AMPM];
  int64_t tod;
  if (tbest && tbest == hod) {
    tod = v[C_HOD];
  } else {
    tod = st[C_HOUR] ? v[C_HOUR] : 0;
    if (st[C_AMPM]) tod += 12 * v[C_AMPM];
  }
  tod = ((tod * 60 + v[C_MIN]) * 60 + v[C_SEC]) * 1000 + v[C_MS];
  return day * 86400000 + tod - (st[C_ZONE] ? v[C_ZONE] : 0);
}

int kc_java_date_parse(const kc_java_date_t *f, const char *text, size_t len, int64_t *ms) {
  calb_t cb;
  memset(&cb, 0, sizeof cb);
  bool ambiguous = false;
  size_t pos = 0;
  for (size_t i = 0; i < f->n; i++) {
    const item_t *it = &f->items[i];
    if (!it->letter) { /* literal text: equal chars, or two space separators (lenient) */
      size_t plen = strlen(it->text), j = 0;
      while (j < plen) {
        if (pos >= len) return KC_ECONVERT;
        uint32_t pc = next_cp(it->text, plen, &j), tc = next_cp(text, len, &pos);
        if (pc != tc && !(space_sep(pc) && space_sep(tc))) return KC_ECONVERT;
      }
      continue;
    }
    long next = sub_parse(f, it, obeys_count(i + 1 < f->n ? &f->items[i + 1] : NULL), text, len, pos, &cb,
                          &ambiguous);
    if (next < 0) return KC_ECONVERT;
    pos = (size_t)next;
  }
  if (pos == 0) return KC_ECONVERT; /* parse(String) throws when nothing was read */
  int64_t t = establish(&cb, 0);
  if (ambiguous && t < f->century_start) t = establish(&cb, 100);
  *ms = t;
  return 0;
}

const char *kc_java_date_pattern(const kc_java_date_t *f) { return f->pattern; }
