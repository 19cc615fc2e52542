/* java.util.regex semantics on PCRE2; see jregex.h for what differs. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/jregex.h"

struct kc_jregex_s {
  pcre2_code *code;
  pcre2_match_data *md; /* reused: no allocation per match */
  uint32_t groups;
};

/*
 * PatternSyntaxException.getMessage(): "<desc> near index <i>\n<pattern>" plus a caret line
 * under index i when i is inside the pattern. The descriptions and indexes of the common errors
 * are Java's (checked against JDK 17); other errors keep PCRE2's description.
 */

/* PCRE2 error code -> Java's description; shift: Java's index is PCRE2's offset minus this. */
static const struct {
  int code, shift;
  const char *desc; /* NULL: "Dangling meta character '<c>'" */
} java_errors[] = {
    {PCRE2_ERROR_MISSING_CLOSING_PARENTHESIS, 0, "Unclosed group"},
    {PCRE2_ERROR_UNMATCHED_CLOSING_PARENTHESIS, 1, "Unmatched closing ')'"},
    {PCRE2_ERROR_QUANTIFIER_INVALID, 0, NULL},
    {PCRE2_ERROR_MISSING_SQUARE_BRACKET, 1, "Unclosed character class"},
    {PCRE2_ERROR_CLASS_RANGE_ORDER, 0, "Illegal character range"},
    {PCRE2_ERROR_END_BACKSLASH, 0, "Unexpected internal error"},
    {PCRE2_ERROR_QUANTIFIER_OUT_OF_ORDER, 0, "Illegal repetition range"},
    {PCRE2_ERROR_INVALID_AFTER_PARENS_QUERY, 0, "Unknown inline modifier"},
};

static void java_syntax_error(const char *pattern, int ec, size_t off, char *err, size_t errlen) {
  char desc[256];
  size_t len = strlen(pattern), idx = off;
  size_t i = 0, n = sizeof java_errors / sizeof *java_errors;
  while (i < n && java_errors[i].code != ec) i++;
  if (i == n) {
    PCRE2_UCHAR msg[200];
    pcre2_get_error_message(ec, msg, sizeof msg);
    snprintf(desc, sizeof desc, "%s", (const char *)msg);
  } else {
    idx = off >= (size_t)java_errors[i].shift ? off - (size_t)java_errors[i].shift : 0;
    if (java_errors[i].desc)
      snprintf(desc, sizeof desc, "%s", java_errors[i].desc);
    else
      snprintf(desc, sizeof desc, "Dangling meta character '%c'", off < len ? pattern[off] : '?');
  }
  int w = snprintf(err, errlen, "%s near index %zu\n%s", desc, idx, pattern);
  if (w < 0 || (size_t)w >= errlen || idx >= len) return;
  size_t pos = (size_t)w;
  if (pos + idx + 3 > errlen) return; /* no room for the caret line: Java's text without it */
  err[pos++] = '\n';
  for (size_t k = 0; k < idx; k++) err[pos++] = ' ';
  err[pos++] = '^';
  err[pos] = '\0';
}

kc_jregex_t *kc_jregex_compile(const char *pattern, char *err, size_t errlen) {
  int ec;
  PCRE2_SIZE off;
  pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &off, NULL);
  if (!code) {
    java_syntax_error(pattern, ec, (size_t)off, err, errlen);
    return NULL;
  }
  kc_jregex_t *re = calloc(1, sizeof *re);
  if (!re || !(re->md = pcre2_match_data_create_from_pattern(code, NULL))) {
    free(re);
    pcre2_code_free(code);
    snprintf(err, errlen, "out of memory");
    return NULL;
  }
  re->code = code;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &re->groups);
  return re;
}

void kc_jregex_free(kc_jregex_t *re) {
  if (!re) return;
  pcre2_match_data_free(re->md);
  pcre2_code_free(re->code);
  free(re);
}

bool kc_jregex_matches(kc_jregex_t *re, const char *s, size_t len) {
  return pcre2_match(re->code, (PCRE2_SPTR)s, len, 0, PCRE2_ANCHORED | PCRE2_ENDANCHORED, re->md,
                     NULL) >= 0;
}

static int append_group(kc_jregex_t *re, const char *s, uint32_t g, kc_buf_t *out) {
  PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
  if (ov[2 * g] == PCRE2_UNSET) return 0; /* an unmatched group adds nothing */
  return kc_buf_append(out, s + ov[2 * g], ov[2 * g + 1] - ov[2 * g]);
}

/* Matcher.appendExpandedReplacement */
int kc_jregex_replace_match(kc_jregex_t *re, const char *s, const char *rep, kc_buf_t *out,
                            const char **exception, char *err, size_t errlen) {
  *exception = "java.lang.IllegalArgumentException";
  for (const char *p = rep; *p;) {
    if (*p == '\\') {
      if (!p[1]) {
        snprintf(err, errlen, "character to be escaped is missing");
        return KC_EINVAL;
      }
      if (kc_buf_append(out, p + 1, 1)) return KC_ENOMEM;
      p += 2;
      continue;
    }
    if (*p != '$') {
      if (kc_buf_append(out, p++, 1)) return KC_ENOMEM;
      continue;
    }
    p++;
    if (!*p) {
      snprintf(err, errlen, "Illegal group reference: group index is missing");
      return KC_EINVAL;
    }
    if (*p == '{') {
      const char *end = strchr(p, '}');
      if (!end) {
        snprintf(err, errlen, "named capturing group is missing trailing '}'");
        return KC_EINVAL;
      }
      char name[256];
      snprintf(name, sizeof name, "%.*s", (int)(end - p - 1), p + 1);
      if (!*name) {
        snprintf(err, errlen, "named capturing group has 0 length name");
        return KC_EINVAL;
      }
      int g = pcre2_substring_number_from_name(re->code, (PCRE2_SPTR)name);
      if (g < 0) {
        snprintf(err, errlen, "No group with name {%s}", name);
        return KC_EINVAL;
      }
      if (append_group(re, s, (uint32_t)g, out)) return KC_ENOMEM;
      p = end + 1;
      continue;
    }
    if (*p < '0' || *p > '9') {
      snprintf(err, errlen, "Illegal group reference");
      return KC_EINVAL;
    }
    /* The first digit always counts; more digits only while the number stays a group. */
    uint32_t g = (uint32_t)(*p++ - '0');
    while (*p >= '0' && *p <= '9') {
      uint32_t next = g * 10 + (uint32_t)(*p - '0');
      if (next > re->groups) break;
      g = next;
      p++;
    }
    if (g > re->groups) {
      *exception = "java.lang.IndexOutOfBoundsException";
      snprintf(err, errlen, "No group %u", g);
      return KC_EINVAL;
    }
    if (append_group(re, s, g, out)) return KC_ENOMEM;
  }
  return 0;
}
