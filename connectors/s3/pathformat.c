/*
 * Joda DateTimeFormat patterns (pathformat.h), printing only.
 *
 * Tokenising follows DateTimeFormat.parseToken: a run of one letter is a
 * field; anything else up to the next letter outside quotes is literal text,
 * where 'quoted' text may hold letters and '' stands for one quote. Field
 * widths print as Joda's builders do (appendDecimal pads to the token length
 * and never truncates; two-letter years print the last two digits; S prints
 * the first N digits of the fraction of second).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pathformat.h"

#define MS_PER_DAY 86400000LL

typedef struct {
  char letter; /* 0: literal */
  int count;
  char *lit;
  size_t lit_len;
} pf_token_t;

typedef enum { TEXT_EN, TEXT_ROOT } text_mode_t;

struct kc_pathformat_s {
  pf_token_t *tok;
  size_t n;
  text_mode_t text;
};

static const char *const month_full[] = {"January", "February", "March",     "April",
                                         "May",     "June",     "July",      "August",
                                         "September", "October", "November", "December"};
static const char *const month_short[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
static const char *const dow_full[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
static const char *const dow_short[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

static bool is_letter(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

void kc_pathformat_free(kc_pathformat_t *f) {
  if (!f) return;
  for (size_t i = 0; i < f->n; i++) free(f->tok[i].lit);
  free(f->tok);
  free(f);
}

/* Java's new Locale(s): the whole string, lower-cased, is the language. */
static int locale_mode(const char *locale, text_mode_t *mode) {
  if (!locale || !strcasecmp(locale, "en")) {
    *mode = TEXT_EN;
    return 0;
  }
  for (const char *p = locale; *p; p++)
    if (!is_letter(*p)) {
      *mode = TEXT_ROOT; /* "en-US": no such language, the JDK falls back to the root locale */
      return 0;
    }
  return *locale ? KC_ENOTSUP : (*mode = TEXT_ROOT, 0);
}

static bool prints_text(const pf_token_t *t) {
  return t->letter == 'G' || t->letter == 'E' || t->letter == 'a' || (t->letter == 'M' && t->count >= 3);
}

int kc_pathformat_compile(const char *pattern, const char *locale, kc_pathformat_t **out, char *err,
                          size_t errlen) {
  *out = NULL;
  if (!pattern || !*pattern) {
    snprintf(err, errlen, "Invalid pattern specification");
    return KC_EINVAL;
  }
  size_t len = strlen(pattern);
  kc_pathformat_t *f = calloc(1, sizeof *f);
  if (f) f->tok = calloc(len, sizeof *f->tok); /* at most one token per character */
  if (!f || !f->tok) goto nomem;
  for (size_t i = 0; i < len;) {
    pf_token_t *t = &f->tok[f->n];
    char c = pattern[i];
    if (is_letter(c)) {
      size_t j = i;
      while (j < len && pattern[j] == c) j++;
      t->letter = c;
      t->count = (int)(j - i);
      i = j;
      if (c == 'z') {
        snprintf(err, errlen,
                 "Pattern component %.*s (time zone name) is not supported by kconnect; use Z, ZZ or ZZZ",
                 t->count, pattern + j - t->count);
        kc_pathformat_free(f);
        return KC_EINVAL;
      }
      if (!strchr("GCYyxweEDMdaKhHkmsSZ", c)) {
        snprintf(err, errlen, "Illegal pattern component: %.*s", t->count, pattern + j - t->count);
        kc_pathformat_free(f);
        return KC_EINVAL;
      }
    } else {
      t->lit = malloc(len - i + 1);
      if (!t->lit) goto nomem;
      bool quoted = false;
      for (; i < len; i++) {
        c = pattern[i];
        if (c == '\'') {
          if (i + 1 < len && pattern[i + 1] == '\'') {
            t->lit[t->lit_len++] = '\'';
            i++;
          } else {
            quoted = !quoted;
          }
        } else if (!quoted && is_letter(c)) {
          break;
        } else {
          t->lit[t->lit_len++] = c;
        }
      }
    }
    f->n++;
  }
  if (locale_mode(locale, &f->text)) {
    for (size_t i = 0; i < f->n; i++)
      if (prints_text(&f->tok[i])) {
        snprintf(err, errlen, "month, day, AM/PM and era names are not available for locale '%s' in "
                 "kconnect (use numeric fields, locale en, or a tag such as en-US)", locale);
        kc_pathformat_free(f);
        return KC_ENOTSUP;
      }
    f->text = TEXT_EN; /* nothing is printed as text */
  }
  *out = f;
  return 0;
nomem:
  kc_pathformat_free(f);
  snprintf(err, errlen, "out of memory");
  return KC_ENOMEM;
}

/* FormatUtils.appendPaddedInteger: '-' then at least @p digits digits. */
static int put_num(kc_buf_t *out, int64_t v, int digits) {
  if (digits > 32) digits = 32;
  return v < 0 ? kc_buf_printf(out, "-%0*lld", digits, -(long long)v)
               : kc_buf_printf(out, "%0*lld", digits, (long long)v);
}

/* The fields of an instant in a zone (ISOChronology). */
typedef struct {
  int64_t year, weekyear;
  int month, day, doy, dow, week; /* dow 1 = Monday */
  int64_t ms_of_day;
  int32_t offset;
} fields_t;

static void compute_fields(const kc_tz_t *tz, int64_t utc_ms, fields_t *f) {
  f->offset = kc_tz_offset_ms(tz, utc_ms);
  int64_t local = utc_ms + f->offset;
  int64_t days = kc_tz_floor_div(local, MS_PER_DAY);
  f->ms_of_day = local - days * MS_PER_DAY;
  kc_tz_civil_from_days(days, &f->year, &f->month, &f->day);
  f->doy = (int)(days - kc_tz_days_from_civil(f->year, 1, 1) + 1);
  f->dow = (int)(((days + 3) % 7 + 7) % 7) + 1; /* 1970-01-01 was a Thursday */
  /* ISO weeks: the week belongs to the year holding its Thursday */
  int64_t thursday = days - (f->dow - 1) + 3, wd;
  int wm;
  kc_tz_civil_from_days(thursday, &f->weekyear, &wm, &wm);
  wd = kc_tz_days_from_civil(f->weekyear, 1, 1);
  f->week = (int)((thursday - wd) / 7 + 1);
}

static int print_offset(kc_buf_t *out, int32_t off, bool sep) {
  char sign = off < 0 ? '-' : '+';
  int64_t a = off < 0 ? -(int64_t)off : off;
  return kc_buf_printf(out, "%c%02d%s%02d", sign, (int)(a / 3600000), sep ? ":" : "",
                       (int)(a / 60000 % 60));
}

static int print_token(const pf_token_t *t, const fields_t *f, const kc_tz_t *tz, text_mode_t text,
                       kc_buf_t *out) {
  int n = t->count;
  bool full = text == TEXT_EN; /* the root locale has only the short names */
  int64_t hour = f->ms_of_day / 3600000;
  int64_t yoe = f->year > 0 ? f->year : 1 - f->year;
  switch (t->letter) {
    case 'G': return kc_buf_puts(out, full ? (f->year > 0 ? "AD" : "BC") : (f->year > 0 ? "CE" : "BCE"));
    case 'C': return put_num(out, yoe / 100, n);
    case 'Y':
    case 'y':
    case 'x': {
      int64_t v = t->letter == 'x' ? f->weekyear : f->year;
      if (n == 2) return put_num(out, (v < 0 ? -v : v) % 100, 2);
      return put_num(out, t->letter == 'Y' ? yoe : v, n);
    }
    case 'w': return put_num(out, f->week, n);
    case 'e': return put_num(out, f->dow, n);
    case 'E': return kc_buf_puts(out, n >= 4 && full ? dow_full[f->dow - 1] : dow_short[f->dow - 1]);
    case 'D': return put_num(out, f->doy, n);
    case 'M':
      if (n >= 3) return kc_buf_puts(out, n >= 4 && full ? month_full[f->month - 1] : month_short[f->month - 1]);
      return put_num(out, f->month, n);
    case 'd': return put_num(out, f->day, n);
    case 'a': return kc_buf_puts(out, hour < 12 ? "AM" : "PM");
    case 'K': return put_num(out, hour % 12, n);
    case 'h': return put_num(out, hour % 12 ? hour % 12 : 12, n);
    case 'H': return put_num(out, hour, n);
    case 'k': return put_num(out, hour ? hour : 24, n);
    case 'm': return put_num(out, f->ms_of_day / 60000 % 60, n);
    case 's': return put_num(out, f->ms_of_day / 1000 % 60, n);
    case 'S': {
      /* Fraction.printTo: ms * 10^n / 1000 in n digits, where n drops to 15 when 1000 * 10^n
       * overflows a long (16-18 S) and past 18 S the scale is 1 (all zeros) */
      int64_t ms = f->ms_of_day % 1000, v = ms;
      int digits = n >= 16 && n <= 18 ? 15 : n;
      if (ms == 0 || n > 18) return put_num(out, 0, n);
      for (int i = 3; i < digits; i++) v *= 10;
      for (int i = digits; i < 3; i++) v /= 10;
      return put_num(out, v, digits);
    }
    case 'Z':
      if (n >= 3) return kc_buf_puts(out, kc_tz_id(tz));
      return print_offset(out, f->offset, n == 2);
  }
  return 0;
}

int kc_pathformat_print(const kc_pathformat_t *f, const kc_tz_t *tz, int64_t utc_ms, kc_buf_t *out) {
  /* Offsets, day arithmetic and the zones' yearly rules overflow int64 near its ends. */
  if (utc_ms > KC_PATHFORMAT_MAX_INSTANT || utc_ms < -KC_PATHFORMAT_MAX_INSTANT) return KC_EINVAL;
  fields_t fl;
  compute_fields(tz, utc_ms, &fl);
  for (size_t i = 0; i < f->n; i++) {
    const pf_token_t *t = &f->tok[i];
    int rc = t->letter ? print_token(t, &fl, tz, f->text, out) : kc_buf_append(out, t->lit, t->lit_len);
    if (rc) return rc;
  }
  return 0;
}

/* ---- ISODateTimeFormat.dateTimeParser ---- */

typedef struct {
  const char *s;
  size_t len, pos;
  size_t fail; /* furthest position a failing alternative reached (Joda's error position) */
} cur_t;

static int peek(const cur_t *c) { return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1; }

static bool lit(cur_t *c, char ch) {
  if (peek(c) != ch) {
    if (c->pos > c->fail) c->fail = c->pos;
    return false;
  }
  c->pos++;
  return true;
}

/* 1..maxd digits (Joda parses numeric fields up to their maximum width). */
static bool num(cur_t *c, int maxd, bool sign, int64_t *v) {
  size_t p = c->pos;
  bool neg = false;
  if (sign && p < c->len && (c->s[p] == '-' || c->s[p] == '+')) neg = c->s[p++] == '-';
  int n = 0;
  int64_t x = 0;
  while (p < c->len && n < maxd && c->s[p] >= '0' && c->s[p] <= '9') x = x * 10 + (c->s[p++] - '0'), n++;
  if (!n) {
    if (c->pos > c->fail) c->fail = c->pos;
    return false;
  }
  c->pos = p;
  *v = neg ? -x : x;
  return true;
}

/* 1..9 fraction digits as a share of @p unit_ms. */
static bool fraction(cur_t *c, int64_t unit_ms, int64_t *ms) {
  if (peek(c) != '.' && peek(c) != ',') return false;
  cur_t t = *c;
  t.pos++;
  int64_t v, scale = 1;
  size_t start = t.pos;
  if (!num(&t, 9, false, &v)) {
    c->fail = t.fail > c->fail ? t.fail : c->fail;
    return false;
  }
  for (size_t i = start; i < t.pos; i++) scale *= 10;
  *ms = v * unit_ms / scale;
  *c = t;
  return true;
}

typedef struct {
  int64_t days;
  int64_t ms;     /* of day */
  bool has_off;
  int64_t off_ms;
  char range_err[160]; /* the first field out of range, reported only if the whole text parsed */
} iso_t;

/* Joda checks field ranges when it computes the instant, largest field first: record the first. */
static void range(iso_t *r, const char *field, int64_t v, int64_t lo, int64_t hi) {
  if (r->range_err[0] || (v >= lo && v <= hi)) return;
  snprintf(r->range_err, sizeof r->range_err, "Value %lld for %s must be in the range [%lld,%lld]",
           (long long)v, field, (long long)lo, (long long)hi);
}

#define YEAR_MIN -292275055LL /* ISOChronology's year range */
#define YEAR_MAX 292278994LL

/*
 * yyyy ['-' MM ['-' dd]] | xxxx '-W' ww ['-' e] | yyyy '-' DDD: the longest
 * match wins, ties to the first.
 */
static bool date_element(cur_t *c, iso_t *r) {
  cur_t best = *c;
  int best_alt = -1;
  int64_t by = 0, ba = 1, bb = 1;
  for (int alt = 0; alt < 3; alt++) {
    cur_t t = *c;
    int64_t y, a = 1, b = 1;
    bool ok = num(&t, 9, true, &y);
    if (ok && alt == 0) {
      cur_t o = t;
      if (lit(&o, '-') && num(&o, 2, false, &a)) {
        t = o;
        if (lit(&o, '-') && num(&o, 2, false, &b)) t = o;
      }
      t.fail = o.fail > t.fail ? o.fail : t.fail;
    } else if (ok && alt == 1) {
      ok = lit(&t, '-') && lit(&t, 'W') && num(&t, 2, false, &a);
      cur_t o = t;
      if (ok && lit(&o, '-') && num(&o, 1, false, &b)) t = o;
    } else if (ok) {
      ok = lit(&t, '-') && num(&t, 3, false, &a);
    }
    if (t.fail > c->fail) c->fail = t.fail;
    if (ok && (best_alt < 0 || t.pos > best.pos)) {
      best = t;
      best_alt = alt;
      by = y, ba = a, bb = b;
    }
  }
  if (best_alt < 0) return false;
  best.fail = c->fail > best.fail ? c->fail : best.fail;
  *c = best;
  range(r, best_alt == 1 ? "weekyear" : "year", by, YEAR_MIN, YEAR_MAX);
  if (r->range_err[0]) return true;
  if (best_alt == 0) {
    range(r, "monthOfYear", ba, 1, 12);
    if (!r->range_err[0]) range(r, "dayOfMonth", bb, 1, kc_tz_days_in_month(by, (int)ba));
    if (!r->range_err[0]) r->days = kc_tz_days_from_civil(by, (int)ba, (int)bb);
  } else if (best_alt == 1) {
    int64_t w1 = kc_tz_days_from_civil(by, 1, 4), w2 = kc_tz_days_from_civil(by + 1, 1, 4);
    w1 -= ((w1 + 3) % 7 + 7) % 7; /* the Monday of the week holding Jan 4 */
    w2 -= ((w2 + 3) % 7 + 7) % 7;
    range(r, "weekOfWeekyear", ba, 1, (w2 - w1) / 7);
    range(r, "dayOfWeek", bb, 1, 7);
    r->days = w1 + (ba - 1) * 7 + (bb - 1);
  } else {
    int64_t jan1 = kc_tz_days_from_civil(by, 1, 1);
    range(r, "dayOfYear", ba, 1, kc_tz_days_from_civil(by + 1, 1, 1) - jan1);
    r->days = jan1 + ba - 1;
  }
  return true;
}

/* HH [':' mm [':' ss [fraction] | fraction] | fraction] */
static bool time_element(cur_t *c, iso_t *r) {
  int64_t h, m = 0, s = 0, frac = 0;
  if (!num(c, 2, false, &h)) return false;
  cur_t o = *c;
  if (lit(&o, ':') && num(&o, 2, false, &m)) {
    *c = o;
    if (lit(&o, ':') && num(&o, 2, false, &s)) {
      *c = o;
      fraction(c, 1000, &frac);
    } else {
      fraction(c, 60000, &frac);
    }
  } else {
    fraction(c, 3600000, &frac);
  }
  c->fail = o.fail > c->fail ? o.fail : c->fail;
  range(r, "hourOfDay", h, 0, 23);
  range(r, "minuteOfHour", m, 0, 59);
  range(r, "secondOfMinute", s, 0, 59);
  r->ms = h * 3600000 + m * 60000 + s * 1000 + frac;
  return true;
}

static size_t digits_at(const cur_t *c, size_t pos, size_t max) {
  size_t n = 0;
  while (n < max && pos + n < c->len && c->s[pos + n] >= '0' && c->s[pos + n] <= '9') n++;
  return n;
}

static int two(const cur_t *c, size_t pos) { return (c->s[pos] - '0') * 10 + (c->s[pos + 1] - '0'); }

/*
 * DateTimeFormatterBuilder.TimeZoneOffset.parseInto with "Z", separators
 * optional, up to 4 fields: 'Z' | ('+'|'-') hh [[':'] mm [[':'] ss [('.'|',') SSS]]].
 * A ':' after the hours means every later field needs its separator; a field
 * started but cut short fails the whole offset. Returns false when absent or failed.
 */
static bool offset_element(cur_t *c, iso_t *r) {
  int ch = peek(c);
  if (ch == 'Z') {
    c->pos++;
    r->has_off = true;
    r->off_ms = 0;
    return true;
  }
  if (ch != '+' && ch != '-') return false;
  size_t p = c->pos + 1;
  if (digits_at(c, p, 2) < 2 || two(c, p) > 23) return false;
  int64_t off = two(c, p) * 3600000LL;
  p += 2;
  bool sep = false;
  for (int field = 1; field <= 3 && p < c->len; field++) {
    char x = c->s[p];
    if (field == 1) {
      if (x == ':') sep = true, p++;
      else if (x < '0' || x > '9') break;
    } else if (sep) {
      if (x != (field == 3 ? '.' : ':') && !(field == 3 && x == ',')) break;
      p++;
    }
    size_t want = field == 3 ? 3 : 2, got = digits_at(c, p, want);
    if (got == 0 && !sep) break;
    if (field < 3 && got < 2) return false;
    if (field == 3 && got < 1) return false;
    int v = 0;
    for (size_t i = 0; i < got; i++) v = v * 10 + (c->s[p + i] - '0');
    if (field < 3 && v > 59) return false;
    if (field == 3) for (size_t i = got; i < 3; i++) v *= 10;
    off += field == 1 ? v * 60000LL : field == 2 ? v * 1000LL : v;
    p += got;
  }
  r->has_off = true;
  r->off_ms = ch == '-' ? -off : off;
  c->pos = p;
  return true;
}

int kc_pathformat_parse_iso(const char *s, size_t len, int64_t *ms, char *err, size_t errlen) {
  cur_t c = {s, len, 0, 0};
  iso_t r;
  memset(&r, 0, sizeof r);
  bool ok;
  if (peek(&c) == 'T') {
    c.pos++;
    ok = time_element(&c, &r);
    if (ok) offset_element(&c, &r);
  } else {
    ok = date_element(&c, &r);
    if (ok && peek(&c) == 'T') {
      c.pos++;
      cur_t t = c;
      if (time_element(&t, &r))
        c = t;
      else
        c.fail = t.fail > c.fail ? t.fail : c.fail;
      offset_element(&c, &r);
    }
  }
  if (!ok || c.pos != len) {
    /* FormatUtils.createErrorMessage */
    size_t at = ok ? c.pos : c.fail;
    size_t sample = at + 32;
    bool cut = len > sample + 3;
    size_t shown = cut ? sample : len;
    const char *dots = cut ? "..." : "";
    if (at == 0)
      snprintf(err, errlen, "Invalid format: \"%.*s%s\"", (int)shown, s, dots);
    else if (at >= len)
      snprintf(err, errlen, "Invalid format: \"%.*s%s\" is too short", (int)shown, s, dots);
    else
      snprintf(err, errlen, "Invalid format: \"%.*s%s\" is malformed at \"%.*s%s\"", (int)shown, s,
               dots, (int)(shown - at), s + at, dots);
    return KC_EINVAL;
  }
  int64_t day_ms, t;
  if (r.range_err[0] || __builtin_mul_overflow(r.days, MS_PER_DAY, &day_ms) ||
      __builtin_add_overflow(day_ms, r.ms, &t) || __builtin_sub_overflow(t, r.has_off ? r.off_ms : 0, &t)) {
    snprintf(err, errlen, "Cannot parse \"%.*s\": %s", (int)(len > 200 ? 200 : len), s,
             r.range_err[0] ? r.range_err : "the instant is out of range");
    return KC_EINVAL;
  }
  *ms = t;
  return 0;
}
