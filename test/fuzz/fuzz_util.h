/*
 * Shared by the fuzz targets: an invariant check that aborts (so libFuzzer and
 * test/fuzz/driver.c both record the input as a crash) with a message saying
 * which invariant broke.
 */
#ifndef KC_FUZZ_UTIL_H
#define KC_FUZZ_UTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_CHECK(cond, what)                                                         \
  do {                                                                                 \
    if (!(cond)) {                                                                     \
      fprintf(stderr, "%s:%d: invariant broken: %s (%s)\n", __FILE__, __LINE__, what, \
              #cond);                                                                  \
      abort();                                                                         \
    }                                                                                  \
  } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
