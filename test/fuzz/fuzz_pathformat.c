/*
 * Fuzz target: path.format (Joda DateTimeFormat patterns) and the ISO
 * timestamp parser the RecordField extractor uses.
 *
 * Input layout: byte 0 picks the locale, byte 1 the time zone, then the
 * pattern up to the first '\n', then up to 8 bytes of a big-endian instant in
 * ms (any int64: record timestamps come from producers). Without a '\n' the
 * whole rest is the pattern and the instant is a fixed one.
 *
 * Invariants: a refused pattern says why; printing is deterministic (the same
 * instant twice gives the same bytes) and never fails for a compiled pattern
 * at any instant; the ISO parser either answers or says why.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "pathformat.h"
#include "tz.h"

#define KC_FUZZ_MAX_INSTANT KC_PATHFORMAT_MAX_INSTANT

static const char *const locales[] = {NULL, "en", "en-US", "en_US", "ko", "ko-KR", "fr", ""};
static const char *const zones[] = {"UTC", "Asia/Seoul", "America/New_York", "Europe/London",
                                    "+09:00", "-03:30", "Australia/Lord_Howe", "Asia/Kathmandu"};
#define NZONES (sizeof(zones) / sizeof(zones[0]))
static kc_tz_t *tzs[NZONES];
static int loaded;

static void setup(void) {
  for (size_t i = 0; i < NZONES; i++) {
    char err[256];
    /* A machine without tzdata still fuzzes with the zones that need no files. */
    if (kc_tz_load(zones[i], &tzs[i], err, sizeof(err)) != 0) tzs[i] = NULL;
  }
  FUZZ_CHECK(tzs[0] != NULL, "UTC always loads");
  loaded = 1;
}

static void print_twice(const kc_pathformat_t *f, const kc_tz_t *tz, int64_t ms) {
  kc_buf_t a, b;
  kc_buf_init(&a, 0);
  kc_buf_init(&b, 0);
  if (ms > KC_FUZZ_MAX_INSTANT || ms < -KC_FUZZ_MAX_INSTANT) {
    /* Out of range (Joda would throw): refused, nothing printed. */
    FUZZ_CHECK(kc_pathformat_print(f, tz, ms, &a) == KC_EINVAL && a.len == 0,
               "an instant out of range is refused");
    kc_buf_free(&a);
    return;
  }
  FUZZ_CHECK(kc_pathformat_print(f, tz, ms, &a) == 0, "a compiled pattern prints");
  FUZZ_CHECK(kc_pathformat_print(f, tz, ms, &b) == 0, "a compiled pattern prints again");
  FUZZ_CHECK(a.len == b.len && (a.len == 0 || !memcmp(a.data, b.data, a.len)),
             "printing is deterministic");
  kc_buf_free(&a);
  kc_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!loaded) setup();
  if (size < 2) return 0;
  const char *locale = locales[data[0] % (sizeof(locales) / sizeof(locales[0]))];
  const kc_tz_t *tz = tzs[data[1] % NZONES];
  if (!tz) tz = tzs[0];
  data += 2;
  size -= 2;
  const uint8_t *nl = memchr(data, '\n', size);
  size_t plen = nl ? (size_t)(nl - data) : size;
  int64_t ms = 1709294730123; /* 2024-03-01T12:05:30.123Z */
  if (nl) {
    uint64_t u = 0;
    const uint8_t *p = nl + 1, *end = data + size;
    for (int i = 0; i < 8 && p < end; i++, p++) u = (u << 8) | *p;
    memcpy(&ms, &u, sizeof(ms));
  }
  char *pattern = malloc(plen + 1);
  memcpy(pattern, data, plen);
  pattern[plen] = '\0';

  char err[512] = "";
  kc_pathformat_t *f = NULL;
  int rc = kc_pathformat_compile(pattern, locale, &f, err, sizeof(err));
  if (rc != 0) {
    FUZZ_CHECK(f == NULL && err[0] != '\0', "a refused pattern names its reason");
  } else {
    FUZZ_CHECK(f != NULL, "a compiled pattern");
    print_twice(f, tz, ms);
    /* Around the instant and at the ends of the range, where calendar arithmetic overflows. */
    print_twice(f, tz, ms == INT64_MIN ? INT64_MAX : -ms);
    print_twice(f, tz, KC_FUZZ_MAX_INSTANT - 1);
    print_twice(f, tz, -KC_FUZZ_MAX_INSTANT + 1);
    print_twice(f, tz, 0);
    print_twice(f, tz, INT64_MAX);
    print_twice(f, tz, INT64_MIN);
    print_twice(f, tz, -1);
    kc_pathformat_free(f);
  }

  int64_t parsed = 0;
  err[0] = '\0';
  if (kc_pathformat_parse_iso(pattern, plen, &parsed, err, sizeof(err)) != 0)
    FUZZ_CHECK(err[0] != '\0', "a refused ISO timestamp names its reason");
  free(pattern);
  return 0;
}
