/*
 * Time zones (tz.h): TZif files (RFC 8536) and fixed offsets, computed the way
 * Joda-Time's DateTimeZone does, because Confluent's TimeBasedPartitioner
 * floors timestamps with Joda and object keys must come out identical.
 *
 * A zone is the list of its transitions (as Joda counts them: a change of
 * offset, of DST flag or of name; repeated identical types are dropped), the
 * offset before the first one, and for instants after the last one the POSIX
 * TZ rule of the v2+ footer. Everything is in milliseconds like Joda.
 *
 * Files are read synchronously: a zone is loaded once when a partitioner is
 * configured or a config validated, and a TZif file is a few KiB.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kconnect/connector.h"
#include "tz.h"

#define MS_PER_DAY 86400000LL
#define TZIF_MAX_BYTES (1 << 20)
/* Transition times past this (the "big bang" sentinel -2^59 s) would overflow in ms. */
#define TIME_LIMIT_S (INT64_MAX / 1000 - 1)

typedef struct {
  char kind;    /* 'J': 1..365 without Feb 29; 'n': 0..365; 'M': month.week.day */
  int m, w, d;  /* M rules */
  int day;      /* J and n rules */
  int32_t time; /* seconds after local midnight; may be negative or > 24h (RFC 8536) */
} rule_date_t;

typedef struct {
  int32_t std_off, dst_off; /* ms east of UTC */
  bool has_dst;
  rule_date_t start, end;
} posix_rule_t;

struct kc_tz_s {
  char *id;
  int32_t initial_off; /* ms; before the first transition, or the fixed offset */
  size_t n;
  int64_t *at;  /* transition instants, ms, ascending */
  int32_t *off; /* offset from at[i] on, ms */
  bool has_rule;
  posix_rule_t rule;
};

/* ---- calendar ---- */

int64_t kc_tz_floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && a < 0) ? q - 1 : q;
}

static bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int kc_tz_days_in_month(int64_t y, int m) {
  static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days counted in 400-year eras starting on March 1st, so that Feb 29 is the last day of a year. */
int64_t kc_tz_days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = kc_tz_floor_div(y, 400);
  int64_t yoe = y - era * 400;                               /* 0..399 */
  int64_t mp = (m + 9) % 12;                                 /* March = 0 */
  int64_t doy = (153 * mp + 2) / 5 + d - 1;                  /* 0..365 */
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;       /* 0..146096 */
  return era * 146097 + doe - 719468;                        /* 719468: 0000-03-01 .. 1970-01-01 */
}

void kc_tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d) {
  days += 719468;
  int64_t era = kc_tz_floor_div(days, 146097);
  int64_t doe = days - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = yoe + era * 400 + (*m <= 2);
}

/* ---- POSIX TZ rules (the TZif footer) ---- */

/* Local midnight (days since the epoch) of a rule date in year y. */
static int64_t rule_day(const rule_date_t *r, int64_t y) {
  int64_t jan1 = kc_tz_days_from_civil(y, 1, 1);
  if (r->kind == 'J') return jan1 + r->day - 1 + (is_leap(y) && r->day >= 60);
  if (r->kind == 'n') return jan1 + r->day;
  int64_t first = kc_tz_days_from_civil(y, r->m, 1);
  int wd_first = (int)(((first + 4) % 7 + 7) % 7); /* 1970-01-01 was a Thursday; 0 = Sunday */
  int64_t day = 1 + (r->d - wd_first + 7) % 7 + (int64_t)(r->w - 1) * 7;
  while (day > kc_tz_days_in_month(y, r->m)) day -= 7;
  return first + day - 1;
}

/* The UTC instant (ms) of a rule transition in year y; @p before is the offset in force before it. */
static int64_t rule_instant(const rule_date_t *r, int64_t y, int32_t before) {
  return rule_day(r, y) * MS_PER_DAY + (int64_t)r->time * 1000 - before;
}

static int64_t year_of(int64_t utc_ms) {
  int64_t y;
  int m, d;
  kc_tz_civil_from_days(kc_tz_floor_div(utc_ms, MS_PER_DAY), &y, &m, &d);
  return y;
}

static int32_t rule_offset(const posix_rule_t *r, int64_t t) {
  if (!r->has_dst) return r->std_off;
  int64_t y = year_of(t);
  int64_t s = rule_instant(&r->start, y, r->std_off);
  int64_t e = rule_instant(&r->end, y, r->dst_off);
  bool dst = s < e ? (t >= s && t < e) : !(t >= e && t < s); /* southern zones span new year */
  return dst ? r->dst_off : r->std_off;
}

static int64_t rule_next(const posix_rule_t *r, int64_t t) {
  if (!r->has_dst) return INT64_MAX;
  int64_t best = INT64_MAX, y = year_of(t);
  for (int64_t k = y - 1; k <= y + 1; k++) {
    int64_t c[2] = {rule_instant(&r->start, k, r->std_off), rule_instant(&r->end, k, r->dst_off)};
    for (int i = 0; i < 2; i++)
      if (c[i] > t && c[i] < best) best = c[i];
  }
  return best;
}

/* [+-]hh[:mm[:ss]] as seconds; POSIX offsets are positive west, the caller negates. */
static bool parse_hms(const char **pp, int max_hours, int32_t *out) {
  const char *p = *pp;
  int sign = 1;
  if (*p == '+' || *p == '-') sign = *p++ == '-' ? -1 : 1;
  if (!isdigit((unsigned char)*p)) return false;
  int h = 0, mi = 0, s = 0;
  while (isdigit((unsigned char)*p) && h <= max_hours) h = h * 10 + (*p++ - '0');
  if (h > max_hours) return false;
  if (*p == ':') {
    p++;
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) return false;
    mi = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    if (*p == ':') {
      p++;
      if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) return false;
      s = (p[0] - '0') * 10 + (p[1] - '0');
      p += 2;
    }
  }
  if (mi > 59 || s > 59) return false;
  *out = sign * (h * 3600 + mi * 60 + s);
  *pp = p;
  return true;
}

static bool parse_tz_name(const char **pp) {
  const char *p = *pp;
  if (*p == '<') {
    const char *q = strchr(p, '>');
    if (!q || q - p < 4) return false;
    *pp = q + 1;
    return true;
  }
  while (isalpha((unsigned char)*p)) p++;
  if (p - *pp < 3) return false;
  *pp = p;
  return true;
}

static bool parse_rule_date(const char **pp, rule_date_t *r) {
  const char *p = *pp;
  char *end;
  if (*p == 'J' || isdigit((unsigned char)*p)) {
    r->kind = *p == 'J' ? 'J' : 'n';
    if (*p == 'J') p++;
    long v = strtol(p, &end, 10);
    if (end == p || v < (r->kind == 'J') || v > 365) return false;
    r->day = (int)v;
    p = end;
  } else if (*p == 'M') {
    r->kind = 'M';
    p++;
    long v[3];
    for (int i = 0; i < 3; i++) {
      if (i && *p++ != '.') return false;
      v[i] = strtol(p, &end, 10);
      if (end == p) return false;
      p = end;
    }
    if (v[0] < 1 || v[0] > 12 || v[1] < 1 || v[1] > 5 || v[2] < 0 || v[2] > 6) return false;
    r->m = (int)v[0], r->w = (int)v[1], r->d = (int)v[2];
  } else {
    return false;
  }
  r->time = 7200; /* 02:00 by default */
  if (*p == '/' && (p++, !parse_hms(&p, 167, &r->time))) return false;
  *pp = p;
  return true;
}

/* "EST5EDT,M3.2.0,M11.1.0", "<+0330>-3:30", "KST-9". */
static bool parse_posix_rule(const char *s, posix_rule_t *r) {
  const char *p = s;
  int32_t secs;
  memset(r, 0, sizeof *r);
  if (!parse_tz_name(&p) || !parse_hms(&p, 24, &secs)) return false;
  r->std_off = -secs * 1000;
  if (!*p) return true;
  if (!parse_tz_name(&p)) return false;
  r->has_dst = true;
  r->dst_off = r->std_off + 3600000;
  if (*p && *p != ',') {
    if (!parse_hms(&p, 24, &secs)) return false;
    r->dst_off = -secs * 1000;
  }
  if (!*p) { /* no rule: the POSIX default (US rules) */
    r->start = (rule_date_t){'M', 3, 2, 0, 0, 7200};
    r->end = (rule_date_t){'M', 11, 1, 0, 0, 7200};
    return true;
  }
  if (*p++ != ',' || !parse_rule_date(&p, &r->start) || *p++ != ',' ||
      !parse_rule_date(&p, &r->end))
    return false;
  return *p == '\0';
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) {
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

typedef struct {
  uint32_t isut, isstd, leap, time, type, chr;
} tzif_counts_t;

static bool read_counts(const unsigned char *p, size_t len, tzif_counts_t *c) {
  if (len < 44 || memcmp(p, "TZif", 4) != 0) return false;
  c->isut = be32(p + 20), c->isstd = be32(p + 24), c->leap = be32(p + 28);
  c->time = be32(p + 32), c->type = be32(p + 36), c->chr = be32(p + 40);
  return c->type >= 1 && c->type <= 256 && c->time <= 100000 && c->leap <= 100000 &&
         c->chr <= 100000 && (c->isut == 0 || c->isut == c->type) &&
         (c->isstd == 0 || c->isstd == c->type);
}

static size_t block_size(const tzif_counts_t *c, size_t tsize) {
  return c->time * tsize + c->time + c->type * 6 + c->chr + c->leap * (tsize + 4) + c->isstd +
         c->isut;
}

static int parse_tzif(kc_tz_t *tz, const unsigned char *buf, size_t len, char *err, size_t errlen) {
  tzif_counts_t c;
  if (!read_counts(buf, len, &c)) goto bad;
  size_t tsize = 4;
  const unsigned char *p = buf + 44;
  size_t left = len - 44;
  if (buf[4] >= '2') { /* skip the 32-bit block, use the 64-bit one */
    size_t skip = block_size(&c, 4);
    if (skip > left || !read_counts(p + skip, left - skip, &c)) goto bad;
    p += skip + 44;
    left -= skip + 44;
    tsize = 8;
  }
  size_t need = block_size(&c, tsize);
  if (need > left) goto bad;
  const unsigned char *times = p, *idx = p + c.time * tsize, *types = idx + c.time;
  for (uint32_t i = 0; i < c.time; i++)
    if (idx[i] >= c.type) goto bad;
  for (uint32_t i = 0; i < c.type; i++) { /* RFC 8536: -25:59:59 .. +25:59:59 at most */
    int32_t utoff = (int32_t)be32(types + i * 6);
    if (utoff < -93599 || utoff > 93599) goto bad;
  }
  tz->initial_off = (int32_t)be32(types) * 1000;
  if (c.time) {
    tz->at = malloc(c.time * sizeof *tz->at);
    tz->off = malloc(c.time * sizeof *tz->off);
    if (!tz->at || !tz->off) return KC_ENOMEM;
  }
  /* Joda also counts a change of name or of standard time at an unchanged offset as a
   * transition (London's 1968-71 British Standard Time): compare the whole type. */
  const unsigned char *chars = types + c.type * 6;
  unsigned prev = 0;
  for (uint32_t i = 0; i < c.time; i++) {
    int64_t s = tsize == 8 ? be64(times + i * 8) : (int32_t)be32(times + i * 4);
    unsigned ty = idx[i];
    const unsigned char *a = types + prev * 6, *b = types + ty * 6;
    bool same = be32(a) == be32(b) && a[4] == b[4] && a[5] < c.chr && b[5] < c.chr &&
                strncmp((const char *)chars + a[5], (const char *)chars + b[5], c.chr - (a[5] > b[5] ? a[5] : b[5])) == 0;
    if (s < -TIME_LIMIT_S) { /* a "big bang" sentinel: its type is the first one */
      tz->initial_off = (int32_t)be32(b) * 1000;
      prev = ty;
      continue;
    }
    if (same || s > TIME_LIMIT_S) continue;
    if (tz->n && s * 1000 <= tz->at[tz->n - 1]) goto bad;
    tz->at[tz->n] = s * 1000;
    tz->off[tz->n++] = (int32_t)be32(b) * 1000;
    prev = ty;
  }
  if (tsize == 8) { /* footer: "\n<POSIX TZ>\n" */
    const unsigned char *f = p + need;
    size_t flen = left - need;
    if (flen >= 2 && f[0] == '\n') {
      const unsigned char *nl = memchr(f + 1, '\n', flen - 1);
      if (nl && nl > f + 1) {
        char rule[128];
        size_t rl = (size_t)(nl - f - 1);
        if (rl >= sizeof rule) goto bad;
        memcpy(rule, f + 1, rl);
        rule[rl] = '\0';
        if (!parse_posix_rule(rule, &tz->rule)) goto bad;
        tz->has_rule = true;
      }
    }
  }
  return 0;
bad:
  snprintf(err, errlen, "The datetime zone id '%s' has an unreadable TZif file", tz->id);
  return KC_EINVAL;
}

/* ---- IDs ---- */

/* Joda's fixed-offset IDs: [+-]hh[[:]mm[[:]ss[.SSS]]], printed back as +hh:mm[:ss[.SSS]]. */
static bool parse_fixed(const char *s, int32_t *ms) {
  int sign = s[0] == '-' ? -1 : 1;
  if (s[0] != '+' && s[0] != '-') return false;
  const char *p = s + 1;
  int v[3] = {0, 0, 0}, frac = 0, groups = 0;
  for (int i = 0; i < 3; i++) {
    if (i && !*p) break;
    if (i && *p == ':') p++;
    if (!isdigit((unsigned char)p[0]) || !isdigit((unsigned char)p[1])) return false;
    v[i] = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    groups++;
  }
  if (*p == '.' && groups == 3) {
    p++;
    int digits = 0;
    while (isdigit((unsigned char)*p) && digits < 3) frac = frac * 10 + (*p++ - '0'), digits++;
    if (!digits) return false;
    while (digits++ < 3) frac *= 10;
  }
  if (*p || v[0] > 23 || v[1] > 59 || v[2] > 59) return false;
  *ms = sign * ((v[0] * 3600 + v[1] * 60 + v[2]) * 1000 + frac);
  return true;
}

static void print_fixed(int32_t ms, char *out, size_t n) {
  char sign = ms < 0 ? '-' : '+';
  int64_t a = ms < 0 ? -(int64_t)ms : ms;
  int h = (int)(a / 3600000), mi = (int)(a / 60000 % 60), s = (int)(a / 1000 % 60),
      f = (int)(a % 1000);
  if (f)
    snprintf(out, n, "%c%02d:%02d:%02d.%03d", sign, h, mi, s, f);
  else if (s)
    snprintf(out, n, "%c%02d:%02d:%02d", sign, h, mi, s);
  else
    snprintf(out, n, "%c%02d:%02d", sign, h, mi);
}

/* A zone name safe to join to the zoneinfo directory. */
static bool safe_name(const char *s) {
  if (!*s || *s == '/' || *s == '.' || strlen(s) > 200 || strstr(s, "..")) return false;
  for (const char *p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("/_+-.", *p)) return false;
  return true;
}

static int read_file(const char *path, unsigned char **buf, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return errno == ENOMEM ? KC_ENOMEM : KC_ENOENT;
  struct stat st;
  if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > TZIF_MAX_BYTES) {
    fclose(f);
    return KC_ENOENT; /* a directory ("America") or something that is no zone file */
  }
  unsigned char *b = malloc((size_t)st.st_size + 1);
  size_t n = b ? fread(b, 1, (size_t)st.st_size, f) : 0;
  fclose(f);
  if (!b) return KC_ENOMEM;
  *buf = b;
  *len = n;
  return 0;
}

int kc_tz_load(const char *id, kc_tz_t **out, char *err, size_t errlen) {
  *out = NULL;
  kc_tz_t *tz = calloc(1, sizeof *tz);
  if (!tz) return KC_ENOMEM;
  int rc = 0;
  int32_t fixed;
  char name[32];
  if (!id || !*id) {
    snprintf(err, errlen, "The datetime zone id '%s' is not recognised", id ? id : "null");
    rc = KC_EINVAL;
  } else if (parse_fixed(id, &fixed)) {
    tz->initial_off = fixed;
    print_fixed(fixed, name, sizeof name);
    tz->id = strdup(fixed ? name : "UTC"); /* Joda: a zero offset is UTC */
  } else if (!safe_name(id)) {
    snprintf(err, errlen, "The datetime zone id '%s' is not recognised", id);
    rc = KC_EINVAL;
  } else {
    tz->id = strdup(id);
    if (!tz->id) {
      rc = KC_ENOMEM;
      goto done;
    }
    const char *dir = getenv("TZDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", id);
    unsigned char *buf = NULL;
    size_t len = 0;
    rc = read_file(path, &buf, &len);
    if (rc == KC_ENOENT && (!strcmp(id, "UTC") || !strcmp(id, "Etc/UTC") || !strcmp(id, "GMT") ||
                            !strcmp(id, "Etc/GMT"))) {
      rc = 0; /* UTC needs no file */
    } else if (rc == KC_ENOENT) {
      snprintf(err, errlen, "The datetime zone id '%s' is not recognised", id);
      rc = KC_EINVAL;
    } else if (rc == 0) {
      rc = parse_tzif(tz, buf, len, err, errlen);
    }
    free(buf);
  }
  if (!rc && !tz->id) rc = KC_ENOMEM;
done:
  if (rc) {
    if (rc == KC_ENOMEM) snprintf(err, errlen, "out of memory loading time zone");
    kc_tz_free(tz);
    return rc;
  }
  *out = tz;
  return 0;
}

void kc_tz_free(kc_tz_t *tz) {
  if (!tz) return;
  free(tz->id);
  free(tz->at);
  free(tz->off);
  free(tz);
}

const char *kc_tz_id(const kc_tz_t *tz) { return tz->id; }

/* ---- offsets (DateTimeZone) ---- */

int32_t kc_tz_offset_ms(const kc_tz_t *tz, int64_t t) {
  if (tz->n == 0) return tz->has_rule ? rule_offset(&tz->rule, t) : tz->initial_off;
  if (t < tz->at[0]) return tz->initial_off;
  if (t >= tz->at[tz->n - 1]) return tz->has_rule ? rule_offset(&tz->rule, t) : tz->off[tz->n - 1];
  size_t lo = 0, hi = tz->n - 1; /* at[lo] <= t < at[hi] */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (tz->at[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  return tz->off[lo];
}

int64_t kc_tz_next_transition(const kc_tz_t *tz, int64_t t) {
  if (tz->n && t < tz->at[tz->n - 1]) {
    size_t lo = 0, hi = tz->n - 1; /* first at[i] > t */
    if (tz->at[0] > t) return tz->at[0];
    while (hi - lo > 1) {
      size_t mid = lo + (hi - lo) / 2;
      if (tz->at[mid] > t)
        hi = mid;
      else
        lo = mid;
    }
    return tz->at[hi];
  }
  if (!tz->has_rule) return INT64_MAX;
  int64_t next = rule_next(&tz->rule, t);
  /* the rule may restate the last table transition's offset: report real changes only */
  for (int i = 0; i < 8 && next != INT64_MAX; i++) {
    if (rule_offset(&tz->rule, next) != kc_tz_offset_ms(tz, next - 1)) return next;
    next = rule_next(&tz->rule, next);
  }
  return INT64_MAX;
}

int64_t kc_tz_utc_to_local(const kc_tz_t *tz, int64_t utc_ms) {
  return utc_ms + kc_tz_offset_ms(tz, utc_ms);
}

int64_t kc_tz_local_to_utc(const kc_tz_t *tz, int64_t local) {
  int32_t off_local = kc_tz_offset_ms(tz, local);
  int32_t off = kc_tz_offset_ms(tz, local - off_local);
  if (off_local != off && off_local < 0) {
    /* In a gap west of Greenwich the second estimate lands before the cutover: keep the first. */
    int64_t next_local = kc_tz_next_transition(tz, local - off_local);
    int64_t next_adjusted = kc_tz_next_transition(tz, local - off);
    if (next_local != next_adjusted) off = off_local;
  }
  return local - off;
}
