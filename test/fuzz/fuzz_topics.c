/*
 * Fuzz target: what topics.regex meets from outside (issue 11).
 *  - first byte even: the rest is a Metadata response body, walked as version 4 + byte % 5;
 *  - first byte odd: the rest is "pattern\0topic", compiled and matched as the sink does.
 *
 * Invariants:
 *  - the Metadata walk never reads past the body, gives each topic a name inside it, and a
 *    body it accepts was read whole or left a tail (it never claims more than it read);
 *  - a pattern either compiles or says why in Java's "<desc> near index <i>\n<pattern>" form,
 *    also into a short buffer (cut, NUL-terminated); a compiled pattern matches the topic or
 *    not, and kc_pattern_sub_select agrees with kc_jregex_matches.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "kafka/wire/metadata.h"
#include "util/jregex.h"
#include "worker/pattern_sub.h"

typedef struct {
  const uint8_t *lo, *hi;
  size_t topics;
} range_t;

static void on_topic(void *arg, const char *name, size_t len, int16_t error, bool internal) {
  (void)error, (void)internal;
  range_t *r = arg;
  FUZZ_CHECK((const uint8_t *)name >= r->lo && (const uint8_t *)name + len <= r->hi,
             "topic name inside the body");
  r->topics++;
}

static void metadata(const uint8_t *p, size_t n, int16_t v) {
  kc_wire_reader_t r;
  kc_wire_reader_init(&r, p, n);
  range_t rg = {p, p + n, 0};
  bool ok = kc_wire_metadata_parse_topics(&r, v, on_topic, &rg);
  FUZZ_CHECK(r.pos <= n, "reader inside the body");
  FUZZ_CHECK(ok == !r.err, "result matches the reader's error flag");
}

static void pattern(const uint8_t *p, size_t n) {
  const uint8_t *nul = memchr(p, 0, n);
  if (!nul) return;
  const char *pat = (const char *)p;
  const char *topic = (const char *)nul + 1;
  size_t tlen = n - (size_t)(nul + 1 - p);
  char err[512], small[16];
  kc_jregex_t *re = kc_jregex_compile(pat, err, sizeof err);
  kc_jregex_t *re2 = kc_jregex_compile(pat, small, sizeof small);
  FUZZ_CHECK(!re == !re2, "the same verdict whatever the buffer");
  if (!re) {
    FUZZ_CHECK(strstr(err, " near index ") != NULL || strlen(err) >= sizeof err - 1 ||
                   strcmp(err, "out of memory") == 0,
               "Java's PatternSyntaxException form");
    FUZZ_CHECK(strlen(small) < sizeof small, "short buffer NUL-terminated");
    return;
  }
  kc_jregex_free(re2);
  char *t = malloc(tlen + 1);
  FUZZ_CHECK(t != NULL, "malloc");
  memcpy(t, topic, tlen);
  t[tlen] = '\0';
  bool m = kc_jregex_matches(re, t, strlen(t));
  const char *one[1] = {t};
  FUZZ_CHECK(kc_pattern_sub_select(re, one, 1) == (m ? 1u : 0u), "select agrees with matches");
  free(t);
  kc_jregex_free(re);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  if (data[0] % 2 == 0)
    metadata(data + 1, size - 1, (int16_t)(4 + data[0] % 5));
  else
    pattern(data + 1, size - 1);
  return 0;
}
