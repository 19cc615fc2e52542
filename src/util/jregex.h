/*
 * java.util.regex on PCRE2 (Debian libpcre2-8): Pattern.compile, Matcher.matches() (the whole
 * input) and Matcher.replaceFirst's replacement syntax ($n, ${name}, backslash escapes), for
 * RegexRouter, TopicNameMatches and topics.regex.
 *
 * Known differences from java.util.regex: syntax errors read as Java's PatternSyntaxException
 * text ("Unclosed group near index 3\n(ab") for the common errors only, others keep PCRE2's
 * description, and a few patterns are accepted by one engine only (Java refuses "a{", PCRE2
 * refuses unbounded lookbehind "(?<=a+)"); Java-only classes (\p{javaLowerCase}, \p{IsLatin} spelled the
 * Java way, [a-z&&[^b]] intersections) are refused or read differently; \h \v \R and Unicode
 * property names follow PCRE2. Plain patterns, groups, named groups, lookaround, possessive and
 * lazy quantifiers, \d \w \s and flags (?i) behave alike.
 */
#ifndef KC_UTIL_JREGEX_H
#define KC_UTIL_JREGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "kconnect/connector.h"

typedef struct kc_jregex_s kc_jregex_t;

/** Compiles @p pattern (UTF-8). @returns the pattern, or NULL with PCRE2's reason and the offset
 * in @p err. */
kc_jregex_t *kc_jregex_compile(const char *pattern, char *err, size_t errlen);
void kc_jregex_free(kc_jregex_t *re);
/** Matcher.matches(): true when the whole of @p s (@p len bytes) matches. */
bool kc_jregex_matches(kc_jregex_t *re, const char *s, size_t len);
/**
 * After a true kc_jregex_matches(), Matcher.replaceFirst(@p replacement) of that whole match:
 * appends the expanded replacement to @p out. @returns 0, KC_EINVAL (@p err: Java's
 * IllegalArgumentException / IndexOutOfBoundsException text, *exception its class), KC_ENOMEM.
 */
int kc_jregex_replace_match(kc_jregex_t *re, const char *s, const char *replacement, kc_buf_t *out,
                            const char **exception, char *err, size_t errlen);

#endif
