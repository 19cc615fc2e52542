/*
 * java.text.SimpleDateFormat printing in UTC with the ROOT/English texts, for TimestampRouter.
 * Pattern letters G y M d H h k K m s S E D u a z Z X and '' quoting; Y L w W F (week-based
 * fields) are refused by name at compile time.
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
void kc_java_date_free(kc_java_date_t *f);

#endif
