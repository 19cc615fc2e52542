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

#include "pathformat.h"

#define MS_PER_DAY 86400000LL

typedef struct {
  char letter; /* 0: literal */
  int count;
  char *lit;
  size_t lit_len;
} pf_token_t;

struct kc_pathformat_s {
  pf_token_t *tok;
  size_t n;
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

int kc_pathformat_compile(const char *pattern, kc_pathformat_t **out, char *err, size_t errlen) {
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

static int print_token(const pf_token_t *t, const fields_t *f, const kc_tz_t *tz, kc_buf_t *out) {
  int n = t->count;
  int64_t hour = f->ms_of_day / 3600000;
  int64_t yoe = f->year > 0 ? f->year : 1 - f->year;
  switch (t->letter) {
    case 'G': return kc_buf_puts(out, f->year > 0 ? "AD" : "BC");
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
    case 'E': return kc_buf_puts(out, n >= 4 ? dow_full[f->dow - 1] : dow_short[f->dow - 1]);
    case 'D': return put_num(out, f->doy, n);
    case 'M':
      if (n >= 3) return kc_buf_puts(out, n >= 4 ? month_full[f->month - 1] : month_short[f->month - 1]);
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
      int64_t ms = f->ms_of_day % 1000;
      int shown = n > 18 ? 18 : n;
      int64_t v = ms;
      for (int i = 3; i < shown; i++) v *= 10;
      for (int i = shown; i < 3; i++) v /= 10;
      return put_num(out, v, shown);
    }
    case 'Z':
      if (n >= 3) return kc_buf_puts(out, kc_tz_id(tz));
      return print_offset(out, f->offset, n == 2);
  }
  return 0;
}

int kc_pathformat_print(const kc_pathformat_t *f, const kc_tz_t *tz, int64_t utc_ms, kc_buf_t *out) {
  fields_t fl;
  compute_fields(tz, utc_ms, &fl);
  for (size_t i = 0; i < f->n; i++) {
    const pf_token_t *t = &f->tok[i];
    int rc = t->letter ? print_token(t, &fl, tz, out) : kc_buf_append(out, t->lit, t->lit_len);
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
  char range_err[160];
} iso_t;

static bool range(iso_t *r, const char *field, int64_t v, int64_t lo, int64_t hi) {
  if (v >= lo && v <= hi) return true;
  if (!r->range_err[0])
    snprintf(r->range_err, sizeof r->range_err, "Value %lld for %s must be in the range [%lld,%lld]",
             (long long)v, field, (long long)lo, (long long)hi);
  return false;
}

/*
 * yyyy ['-' MM ['-' dd]] | xxxx '-W' ww ['-' e] | yyyy '-' DDD: the longest
 * match wins, ties to the first; ranges are checked on the winner only, as
 * Joda checks fields when it computes the instant.
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
  if (best_alt == 0) {
    if (!range(r, "monthOfYear", ba, 1, 12) ||
        !range(r, "dayOfMonth", bb, 1, kc_tz_days_in_month(by, (int)ba)))
      return false;
    r->days = kc_tz_days_from_civil(by, (int)ba, (int)bb);
  } else if (best_alt == 1) {
    int64_t w1 = kc_tz_days_from_civil(by, 1, 4), w2 = kc_tz_days_from_civil(by + 1, 1, 4);
    w1 -= ((w1 + 3) % 7 + 7) % 7; /* the Monday of the week holding Jan 4 */
    w2 -= ((w2 + 3) % 7 + 7) % 7;
    if (!range(r, "weekOfWeekyear", ba, 1, (w2 - w1) / 7) || !range(r, "dayOfWeek", bb, 1, 7))
      return false;
    r->days = w1 + (ba - 1) * 7 + (bb - 1);
  } else {
    int64_t jan1 = kc_tz_days_from_civil(by, 1, 1);
    if (!range(r, "dayOfYear", ba, 1, kc_tz_days_from_civil(by + 1, 1, 1) - jan1)) return false;
    r->days = jan1 + ba - 1;
  }
  return true;
}

/* HH [':' mm [':' ss [fraction] | fraction] | fraction] */
static bool time_element(cur_t *c, iso_t *r) {
  int64_t h, m = 0, s = 0, frac = 0;
  if (!num(c, 2, false, &h) || !range(r, "hourOfDay", h, 0, 23)) return false;
  cur_t o = *c;
  if (lit(&o, ':')) {
    if (!num(&o, 2, false, &m) || !range(r, "minuteOfHour", m, 0, 59)) {
      c->fail = o.fail;
      return !r->range_err[0];
    }
    *c = o;
    if (lit(&o, ':')) {
      if (num(&o, 2, false, &s)) {
        if (!range(r, "secondOfMinute", s, 0, 59)) return false;
        *c = o;
        fraction(c, 1000, &frac);
      }
    } else {
      fraction(c, 60000, &frac);
    }
  } else {
    fraction(c, 3600000, &frac);
  }
  c->fail = o.fail > c->fail ? o.fail : c->fail;
  r->ms = h * 3600000 + m * 60000 + s * 1000 + frac;
  return true;
}

/* 'Z' | ('+'|'-') hh [[':'] mm [[':'] ss [('.'|',') SSS]]] */
static bool offset_element(cur_t *c, iso_t *r) {
  int ch = peek(c);
  if (ch == 'Z') {
    c->pos++;
    r->has_off = true;
    r->off_ms = 0;
    return true;
  }
  if (ch != '+' && ch != '-') return false;
  cur_t t = *c;
  t.pos++;
  int64_t h, m = 0, s = 0, f = 0;
  if (t.len - t.pos < 2 || !num(&t, 2, false, &h) || t.pos - c->pos != 3 || h > 23) return false;
  bool sep = peek(&t) == ':';
  cur_t o = t;
  if ((!sep || lit(&o, ':')) && o.len - o.pos >= 2 && num(&o, 2, false, &m) && m <= 59) {
    t = o;
    if ((!sep || lit(&o, ':')) && num(&o, 2, false, &s) && s <= 59) {
      t = o;
      if ((peek(&o) == '.' || peek(&o) == ',') && (o.pos++, num(&o, 3, false, &f))) t = o;
    }
  }
  r->has_off = true;
  r->off_ms = (ch == '-' ? -1 : 1) * (h * 3600000 + m * 60000 + s * 1000 + f);
  *c = t;
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
      else if (r.range_err[0])
        ok = false;
      else
        c.fail = t.fail > c.fail ? t.fail : c.fail;
      if (ok) offset_element(&c, &r);
    }
  }
  if (r.range_err[0]) {
    snprintf(err, errlen, "Cannot parse \"%.*s\": %s", (int)(len > 200 ? 200 : len), s, r.range_err);
    return KC_EINVAL;
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
  *ms = r.days * MS_PER_DAY + r.ms - (r.has_off ? r.off_ms : 0);
  return 0;
}
