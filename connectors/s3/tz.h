/*
 * Time zones for the time-based partitioners, as Joda-Time's DateTimeZone
 * answers them (TimeBasedPartitioner computes with Joda): IANA zones read from
 * the system's TZif files, fixed offsets, UTC. No setenv("TZ")/localtime: a
 * zone is a plain value, any number of them can coexist on the loop thread.
 */
#ifndef KC_S3_TZ_H
#define KC_S3_TZ_H

#include <stddef.h>
#include <stdint.h>

typedef struct kc_tz_s kc_tz_t;

/**
 * Loads the zone @p id as DateTimeZone.forID accepts it: "UTC", a fixed offset
 * ("+09:00", "-05", "+0530", "-03:30:15.500"), or an IANA name ("Asia/Seoul")
 * read from $TZDIR or /usr/share/zoneinfo (TZif v1..v4, with the v2+ footer
 * rule for instants after the last transition). "UTC", "Etc/UTC", "GMT" and
 * fixed offsets need no files.
 * @returns 0, KC_EINVAL with Joda's message ("The datetime zone id 'X' is not
 * recognised") or a parse error in @p err, KC_ENOMEM.
 */
int kc_tz_load(const char *id, kc_tz_t **out, char *err, size_t errlen);
/** Frees a zone. NULL-safe. */
void kc_tz_free(kc_tz_t *tz);
/** The zone's ID as Joda prints it ("Asia/Seoul", "UTC", "+09:00"). */
const char *kc_tz_id(const kc_tz_t *tz);

/** Offset from UTC in ms at @p utc_ms (DateTimeZone.getOffset). */
int32_t kc_tz_offset_ms(const kc_tz_t *tz, int64_t utc_ms);
/** First instant > @p utc_ms where the offset changes, or INT64_MAX (DateTimeZone.nextTransition). */
int64_t kc_tz_next_transition(const kc_tz_t *tz, int64_t utc_ms);
/** utc + offset (DateTimeZone.convertUTCToLocal). */
int64_t kc_tz_utc_to_local(const kc_tz_t *tz, int64_t utc_ms);
/**
 * The UTC instant of a local wall time (DateTimeZone.convertLocalToUTC with
 * strict=false): in an overlap the earlier offset is used; in a gap, east of
 * Greenwich the later offset, west of it the earlier one, as Joda does.
 */
int64_t kc_tz_local_to_utc(const kc_tz_t *tz, int64_t local_ms);

/** @name Proleptic Gregorian calendar helpers (ISOChronology) */
/**@{*/
/** Days since 1970-01-01 of @p y-@p m-@p d (m 1..12). */
int64_t kc_tz_days_from_civil(int64_t y, int m, int d);
/** The civil date of @p days since 1970-01-01. */
void kc_tz_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
/** Days in month @p m (1..12) of year @p y. */
int kc_tz_days_in_month(int64_t y, int m);
/** floor(a / b) for b > 0. */
int64_t kc_tz_floor_div(int64_t a, int64_t b);
/**@}*/

#endif
