/*
 * Joda-Time DateTimeFormat patterns, for path.format: the directories a
 * TimeBasedPartitioner writes ("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH").
 *
 * Printing only. Texts (month and day names, AM/PM, era) follow what Joda
 * gets from JDK 17's CLDR data for Confluent's `new Locale(locale)`: "en"
 * prints English names ("Tuesday", "March", "AD"); a tag that is no bare
 * language ("en-US", "en_US", "ko-KR": Java reads it as an unknown language)
 * falls back to the root locale ("Tue" for E and EEEE, "Mar" for MMM and
 * MMMM, "CE"/"BCE"); other languages' names are not available (an error when
 * the pattern prints text). Pattern letters as Joda defines them:
 * 'text' is literal ('' is a quote); other non-letters are literal.
 * 'z' (zone names) is refused: Joda takes them from the JDK's locale data.
 */
#ifndef KC_S3_PATHFORMAT_H
#define KC_S3_PATHFORMAT_H

#include <stdint.h>

#include "kconnect/connector.h"
#include "tz.h"

typedef struct kc_pathformat_s kc_pathformat_t;

/**
 * Compiles @p pattern for @p locale (NULL: "en"). @returns 0, KC_EINVAL with
 * Joda's message in @p err ("Illegal pattern component: q", "Invalid pattern
 * specification"), KC_ENOTSUP when the pattern prints names kconnect lacks
 * for the locale, KC_ENOMEM.
 */
int kc_pathformat_compile(const char *pattern, const char *locale, kc_pathformat_t **out, char *err,
                          size_t errlen);
/** Frees a compiled pattern. NULL-safe. */
void kc_pathformat_free(kc_pathformat_t *f);
/**
 * The largest |instant| (ms since the epoch, about 36 million years) that
 * kc_pathformat_print() and the zone rules compute without int64 overflow.
 * Joda throws ArithmeticException further out; kconnect refuses earlier.
 */
#define KC_PATHFORMAT_MAX_INSTANT (INT64_C(1) << 60)
/**
 * Appends the instant @p utc_ms printed in zone @p tz.
 * @returns 0, KC_EINVAL when |@p utc_ms| > KC_PATHFORMAT_MAX_INSTANT (nothing
 *          appended), or a kc_buf error.
 */
int kc_pathformat_print(const kc_pathformat_t *f, const kc_tz_t *tz, int64_t utc_ms, kc_buf_t *out);

/**
 * Joda's ISODateTimeFormat.dateTimeParser().parseMillis, what RecordField
 * timestamps in strings are parsed with: a date ("2024-03-01", "2024-03",
 * "2024", ordinal "2024-061", week "2024-W09-5"), then optionally "T" and a
 * time ("13", "13:45", "13:45:30.123", "13:45:30,5", "13.5") and an offset
 * ("Z", "+09", "+09:00", "-0500"); or "T" and a time alone (on 1970-01-01).
 * Without an offset the time is read as UTC (Joda would use the JVM's default
 * zone, which is UTC in Confluent's images).
 * @returns 0 or KC_EINVAL with Joda's message in @p err
 * ("Invalid format: \"x\" is malformed at \"x\"").
 */
int kc_pathformat_parse_iso(const char *s, size_t len, int64_t *ms, char *err, size_t errlen);

#endif
