/*
 * java.text.SimpleDateFormat printing and parsing in UTC with the English texts, for
 * TimestampRouter and TimestampConverter. Pattern letters G y M d H h k K m s S E D u a z Z X and
 * '' quoting; Y L w W F (week-based fields) are refused by name at compile time. Dates before the
 * Gregorian cutover (1582-10-15) are proleptic Gregorian, where Java's GregorianCalendar is Julian.
 */
#ifndef KC_TRANSFORM_JAVA_DATE_H
#define KC_TRANSFORM_JAVA_DATE_H

#include <stdint.h>

#include "kconnect/connector.h"

typedef struct kc_java_date_s kc_java_date_t;

/** Compiles @p pattern. NULL with Java's "Illegal pattern character 'q'" (or the refusal) in @p err. */
kc_java_date_t *kc_java_date_compile(const char *pattern, char *err, size_t errlen);
/** SimpleDateFormat.format(new Date(@p ms)) in UTC, appended to @p out. @returns 0 or a kc_buf error. */
int kc_java_date_format(const kc_java_date_t *f, int64_t ms, kc_buf_t *out);
/**
 * SimpleDateFormat.parse(String) in UTC, lenient as Java's default: leading spaces before numbers
 * skipped, out-of-range fields roll over, text after the pattern ignored, two-digit years
 * ('yy') in the 100 years from 80 years before the format was compiled. Zone names: offsets
 * (+hhmm, GMT+h:mm, X forms) and UTC's own names only. @p text is UTF-8, @p len bytes.
 * @returns 0 with *@p ms (ms since the epoch), or KC_ECONVERT (Java's ParseException).
 */
int kc_java_date_parse(const kc_java_date_t *f, const char *text, size_t len, int64_t *ms);
/** SimpleDateFormat.toPattern(): the pattern as compiled. Borrowed. */
const char *kc_java_date_pattern(const kc_java_date_t *f);
void kc_java_date_free(kc_java_date_t *f);

#endif
