/*
 * Fuzz target: the standalone offsets file reader (Java serialization of
 * HashMap<byte[],byte[]>), through the codec and through the file store that
 * the worker opens at start-up.
 *
 * Invariants:
 *  - a rejected stream says why;
 *  - a complete map re-encodes (as the worker writes it) and decodes to the
 *    same entries in the same order;
 *  - kc_offset_store_file_open() on the same bytes either fails with a reason
 *    or holds at most as many entries as were decoded (null keys and values
 *    are dropped, later duplicates replace earlier ones).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "fuzz_util.h"
#include "util/log.h"
#include "util/loggers.h"
#include "worker/offset_store.h"

typedef struct {
  kc_offset_entry_t *e;
  size_t n, cap;
} entries_t;

static int collect(void *arg, const kc_offset_entry_t *e) {
  entries_t *es = arg;
  if (es->n == es->cap) {
    size_t cap = es->cap ? es->cap * 2 : 16;
    kc_offset_entry_t *ne = realloc(es->e, cap * sizeof(*ne));
    FUZZ_CHECK(ne != NULL, "realloc");
    es->e = ne;
    es->cap = cap;
  }
  es->e[es->n++] = *e;
  return 0;
}

static bool same_bytes(const void *a, size_t al, const void *b, size_t bl) {
  if (!a || !b) return a == b;
  return al == bl && (al == 0 || !memcmp(a, b, al));
}

static char path[4096];
static uv_loop_t loop;

static void setup(void) {
  const char *dir = getenv("TMPDIR");
  snprintf(path, sizeof(path), "%s/kc-fuzz-offsets-XXXXXX", dir && *dir ? dir : "/tmp");
  int fd = mkstemp(path);
  FUZZ_CHECK(fd >= 0, "a temporary offsets file");
  close(fd);
  uv_loop_init(&loop);
  kc_loggers_set_root(KC_LVL_ERROR); /* one INFO line per input would drown the output */
}

static void cleanup(void) { unlink(path); }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!path[0]) {
    setup();
    atexit(cleanup);
  }
  char err[300] = "";
  entries_t es = {0};
  int complete = -1;
  int rc = kc_offset_codec_decode_ex(data, size, collect, &es, &complete, err, sizeof(err));
  if (rc != 0) {
    FUZZ_CHECK(err[0] != '\0', "a rejected stream names its reason");
  } else if (complete == 1) {
    kc_buf_t out;
    kc_buf_init(&out, 0);
    FUZZ_CHECK(kc_offset_codec_encode(es.e, es.n, &out) == 0, "a decoded map re-encodes");
    entries_t es2 = {0};
    int complete2 = -1;
    FUZZ_CHECK(kc_offset_codec_decode_ex(out.data, out.len, collect, &es2, &complete2, err,
                                         sizeof(err)) == 0 && complete2 == 1,
               "our own encoding decodes completely");
    FUZZ_CHECK(es2.n == es.n, "the same number of entries");
    for (size_t i = 0; i < es.n; i++) {
      FUZZ_CHECK(same_bytes(es.e[i].key, es.e[i].klen, es2.e[i].key, es2.e[i].klen) &&
                     same_bytes(es.e[i].val, es.e[i].vlen, es2.e[i].val, es2.e[i].vlen),
                 "each entry survives the round trip");
    }
    free(es2.e);
    kc_buf_free(&out);
  } else {
    FUZZ_CHECK(complete == 0, "decode says whether the map was complete");
  }

  /* The worker's start-up path on the same bytes. */
  FILE *f = fopen(path, "wb");
  FUZZ_CHECK(f != NULL, "rewrite the offsets file");
  if (size) FUZZ_CHECK(fwrite(data, 1, size, f) == size, "write the offsets file");
  fclose(f);
  char serr[512] = "";
  kc_offset_store_t *st = kc_offset_store_file_open(&loop, path, serr, sizeof(serr));
  if (rc != 0) {
    FUZZ_CHECK(st == NULL && serr[0], "the store refuses what the codec refuses, with a reason");
  } else {
    FUZZ_CHECK(st != NULL, "the store opens what the codec reads");
    FUZZ_CHECK(kc_offset_store_count(st) <= es.n, "no more entries than decoded");
    if (complete == 0) FUZZ_CHECK(kc_offset_store_count(st) == 0, "a truncated file is empty");
    kc_offset_store_close(st);
    uv_run(&loop, UV_RUN_NOWAIT);
  }
  free(es.e);
  return 0;
}
