/*
 * Fuzz target: the strict JSON reader (kc_json_decode, the pull reader under
 * it) and JsonConverter both ways, with schemas.enable true and false, with
 * the heap and the arena allocation paths, and decimal.format NUMERIC.
 *
 * Invariants:
 *  - a failed decode always says why;
 *  - encode(decode(x)) is a fixed point: it decodes again, and encoding that
 *    gives the same bytes;
 *  - for each converter, when fromConnectData(toConnectData(x)) succeeds, its
 *    output converts back, and converting that back gives the same bytes;
 *  - the arena path reads the same data as the heap path;
 *  - the one-pass text rendering (kc_converter_value_text, schemas.enable=false) appends exactly
 *    String.valueOf(toConnectData(x)), or declines (always when toConnectData fails).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/props.h"
#include "convert/converter.h"
#include "convert/json_value.h"
#include "fuzz_util.h"
#include "util/arena.h"

#define NCONV 3
static kc_converter_t *convs[NCONV];
static kc_arena_t arena_mem = KC_ARENA_INIT, *arena = NULL;

static void setup(void) {
  static const char *const settings[NCONV][2] = {
      {"schemas.enable", "false"}, {"schemas.enable", "true"}, {"decimal.format", "NUMERIC"}};
  for (int i = 0; i < NCONV; i++) {
    kc_config_t *cfg = kc_config_new();
    kc_config_set(cfg, settings[i][0], settings[i][1]);
    char err[256];
    convs[i] = kc_converter_create("org.apache.kafka.connect.json.JsonConverter", cfg, false, err,
                                   sizeof(err));
    FUZZ_CHECK(convs[i] != NULL, "JsonConverter is created");
    kc_config_destroy(cfg);
  }
  arena = &arena_mem;
}

static bool same(const kc_buf_t *a, const kc_buf_t *b) {
  return a->len == b->len && (a->len == 0 || !memcmp(a->data, b->data, a->len));
}

static void check_decode(const uint8_t *data, size_t size) {
  char err[256] = "";
  kc_value_t *v = NULL;
  if (kc_json_decode((const char *)data, size, &v, err, sizeof(err)) != 0) {
    FUZZ_CHECK(err[0] != '\0', "a failed decode names its reason");
    return;
  }
  /* One round may still normalise: a number that underflows to -0.0 prints "-0.0", which reads
   * back as +0.0 (Connect goes through BigDecimal, which has no negative zero). From then on
   * the bytes are a fixed point. */
  kc_buf_t e1, e2, e3;
  kc_buf_init(&e1, 0);
  kc_buf_init(&e2, 0);
  kc_buf_init(&e3, 0);
  FUZZ_CHECK(kc_json_encode(v, &e1) == 0, "a decoded value encodes");
  kc_value_t *v2 = NULL, *v3 = NULL;
  FUZZ_CHECK(kc_json_decode(e1.data, e1.len, &v2, err, sizeof(err)) == 0,
             "our own JSON output decodes");
  FUZZ_CHECK(kc_json_encode(v2, &e2) == 0, "re-encode");
  FUZZ_CHECK(kc_json_decode(e2.data, e2.len, &v3, err, sizeof(err)) == 0,
             "our own JSON output decodes again");
  FUZZ_CHECK(kc_json_encode(v3, &e3) == 0, "re-encode again");
  FUZZ_CHECK(same(&e2, &e3), "encode(decode(x)) reaches a fixed point after one round");
  kc_value_destroy(v);
  kc_value_destroy(v2);
  kc_value_destroy(v3);
  kc_buf_free(&e1);
  kc_buf_free(&e2);
  kc_buf_free(&e3);
}

/* toConnectData then fromConnectData; @returns 0 with the bytes in @p out, or -1. */
static int convert_pair(kc_converter_t *c, const void *data, size_t len, bool use_arena,
                        kc_buf_t *out, bool *is_null) {
  char err[512] = "";
  kc_schema_t *s = NULL;
  kc_value_t *v = NULL;
  int rc = use_arena
               ? kc_converter_to_connect_arena(c, arena, "fuzz", data, len, &s, &v, err, sizeof(err))
               : kc_converter_to_connect(c, "fuzz", data, len, &s, &v, err, sizeof(err));
  if (rc != 0) {
    FUZZ_CHECK(err[0] != '\0', "a failed toConnectData names its reason");
    FUZZ_CHECK(s == NULL && v == NULL, "a failed toConnectData returns nothing");
    return -1;
  }
  *is_null = false;
  rc = kc_converter_from_connect(c, "fuzz", s, v, out, is_null, err, sizeof(err));
  if (s) kc_schema_decref(s);
  kc_value_destroy(v);
  if (use_arena) kc_arena_reset(arena);
  return rc == 0 ? 0 : -1;
}

static void check_converter(kc_converter_t *c, const uint8_t *data, size_t size) {
  kc_buf_t b1, b2, b3;
  kc_buf_init(&b1, 0);
  kc_buf_init(&b2, 0);
  kc_buf_init(&b3, 0);
  bool n1, n2, n3;
  int r1 = convert_pair(c, data, size, false, &b1, &n1);
  int r3 = convert_pair(c, data, size, true, &b3, &n3);
  FUZZ_CHECK(r1 == r3, "the arena path accepts what the heap path accepts");
  if (r1 == 0) {
    FUZZ_CHECK(n1 == n3 && same(&b1, &b3),
               "the arena path reads the same data as the heap path");
    if (!n1) {
      /* As in check_decode(): a fixed point from the second round on. */
      kc_buf_t b4;
      kc_buf_init(&b4, 0);
      bool n4;
      FUZZ_CHECK(convert_pair(c, b1.data ? b1.data : "", b1.len, false, &b2, &n2) == 0 && !n2,
                 "fromConnectData output converts back");
      FUZZ_CHECK(convert_pair(c, b2.data ? b2.data : "", b2.len, false, &b4, &n4) == 0 && !n4,
                 "fromConnectData output converts back again");
      FUZZ_CHECK(same(&b2, &b4), "fromConnectData(toConnectData(x)) reaches a fixed point");
      kc_buf_free(&b4);
    }
  }
  kc_buf_free(&b1);
  kc_buf_free(&b2);
  kc_buf_free(&b3);
}

static void check_text(const uint8_t *data, size_t size) {
  kc_buf_t fast, slow;
  kc_buf_init(&fast, 0);
  kc_buf_init(&slow, 0);
  kc_buf_append(&fast, "x", 1); /* appends after what is there */
  int rc = kc_converter_value_text(convs[0], data, size, &fast);
  kc_schema_t *s = NULL;
  kc_value_t *v = NULL;
  char err[512];
  int crc = kc_converter_to_connect(convs[0], "t", data, size, &s, &v, err, sizeof err);
  if (rc == 0) {
    FUZZ_CHECK(crc == 0, "a rendered document converts");
    FUZZ_CHECK(kc_value_to_java_string_schema(s, v, &slow) == 0, "the value prints");
    FUZZ_CHECK(fast.len == slow.len + 1 && !memcmp(fast.data + 1, slow.data, slow.len),
               "one-pass text equals String.valueOf(toConnectData)");
  } else {
    FUZZ_CHECK(rc == KC_AGAIN, "the one pass declines, never fails");
    FUZZ_CHECK(fast.len == 1, "a declined document appends nothing");
  }
  kc_value_destroy(v);
  kc_schema_decref(s);
  kc_buf_free(&fast);
  kc_buf_free(&slow);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!arena) setup();
  check_decode(data, size);
  check_text(data, size);
  for (int i = 0; i < NCONV; i++) check_converter(convs[i], data, size);
  return 0;
}
