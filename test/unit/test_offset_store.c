/*
 * Offset store: the Java serialization codec (byte-exact against JDK 17 when
 * javac/java are available), the memory and file backends on a real uv loop,
 * flush coalescing, error reporting, and a fuzzed decoder.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uv.h>

#include "util/log.h"
#include "util/loggers.h"
#include "worker/offset_store.h"
#include "kc_test.h"

static const char connect_key[] = "[\"local-file-source\",{\"filename\":\"/tmp/test.txt\"}]";
static const char connect_val[] = "{\"position\":1234}";

static char tmp_root[64];

static char *tmp_path(const char *name) {
  static char buf[8][256];
  static int i;
  char *p = buf[i++ % 8];
  snprintf(p, 256, "%s/%s", tmp_root, name);
  return p;
}

static int read_all(const char *path, kc_buf_t *out) {
  size_t n;
  char *data = kc_test_read_file(path, &n);
  if (!data) return -1;
  kc_buf_append(out, data, n);
  free(data);
  return 0;
}

static uint32_t be32_at(const kc_buf_t *b, size_t off) {
  const uint8_t *p = (const uint8_t *)b->data + off;
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* ---- decoded entries ----------------------------------------------------------- */

typedef struct {
  size_t n;
  struct {
    int key_null, val_null;
    kc_buf_t key, val;
  } e[64];
} decoded_t;

static int collect(void *arg, const kc_offset_entry_t *e) {
  decoded_t *d = arg;
  if (d->n == 64) return KC_ENOSPC;
  size_t i = d->n++;
  kc_buf_init(&d->e[i].key, 0);
  kc_buf_init(&d->e[i].val, 0);
  d->e[i].key_null = e->key == NULL;
  d->e[i].val_null = e->val == NULL;
  if (e->key) kc_buf_append(&d->e[i].key, e->key, e->klen);
  if (e->val) kc_buf_append(&d->e[i].val, e->val, e->vlen);
  return 0;
}

static void decoded_free(decoded_t *d) {
  for (size_t i = 0; i < d->n; i++) {
    kc_buf_free(&d->e[i].key);
    kc_buf_free(&d->e[i].val);
  }
  d->n = 0;
}

static int entry_is(const decoded_t *d, size_t i, const void *k, size_t kl, const void *v,
                    size_t vl) {
  if (i >= d->n || d->e[i].key_null || d->e[i].key.len != kl) return 0;
  if (kl && memcmp(d->e[i].key.data, k, kl)) return 0;
  if (!v) return d->e[i].val_null;
  return !d->e[i].val_null && d->e[i].val.len == vl && (!vl || !memcmp(d->e[i].val.data, v, vl));
}

/* ---- codec ---------------------------------------------------------------------- */

static void test_codec_roundtrip(void) {
  uint8_t bin_key[] = {0x00, 0xFF, 0x71, 0x00, 0x7E, 0x00, 0x02, 0xAC, 0xED};
  uint8_t bin_val[256];
  for (int i = 0; i < 256; i++) bin_val[i] = (uint8_t)(255 - i);
  size_t big_len = 70000; /* more than 16 bits of length */
  uint8_t *big = malloc(big_len);
  for (size_t i = 0; i < big_len; i++) big[i] = (uint8_t)(i * 7);
  kc_offset_entry_t in[] = {
      {connect_key, strlen(connect_key), connect_val, strlen(connect_val)},
      {bin_key, sizeof bin_key, bin_val, sizeof bin_val},
      {"tombstoned", 10, NULL, 0},
      {"", 0, "", 0},
      {"big", 3, big, big_len},
  };
  kc_buf_t out;
  kc_buf_init(&out, 0);
  CHECK(kc_offset_codec_encode(in, 5, &out) == 0);
  CHECK(out.len > big_len);
  decoded_t d = {0};
  char err[256];
  int complete = 0;
  CHECK(kc_offset_codec_decode_ex(out.data, out.len, collect, &d, &complete, err, sizeof err) == 0);
  CHECK(complete == 1);
  CHECK(d.n == 5);
  for (size_t i = 0; i < 5; i++)
    CHECK(entry_is(&d, i, in[i].key, in[i].klen, in[i].val, in[i].vlen));
  decoded_free(&d);

  /* Appending keeps what the buffer already held. */
  kc_buf_t two;
  kc_buf_init(&two, 0);
  kc_buf_append(&two, "xy", 2);
  CHECK(kc_offset_codec_encode(in, 1, &two) == 0);
  CHECK(two.len > 2 && memcmp(two.data, "xy", 2) == 0 && (uint8_t)two.data[2] == 0xAC);
  /* A limit that is too small leaves the buffer as it was. */
  kc_buf_t small;
  kc_buf_init(&small, 40);
  CHECK(kc_offset_codec_encode(in, 1, &small) == KC_ENOSPC);
  CHECK(small.len == 0);
  kc_buf_free(&small);
  kc_buf_free(&two);
  kc_buf_free(&out);
  free(big);
}

/* The layout of connect-runtime.md 5.4, written out by hand for the quick-start offset. */
static void test_codec_connect_bytes(void) {
  static const uint8_t head[] = {
      0xAC, 0xED, 0x00, 0x05, 0x73, 0x72, 0x00, 0x11, 'j', 'a', 'v', 'a', '.', 'u', 't', 'i', 'l',
      '.', 'H', 'a', 's', 'h', 'M', 'a', 'p', 0x05, 0x07, 0xDA, 0xC1, 0xC3, 0x16, 0x60, 0xD1,
      0x03, 0x00, 0x02, 0x46, 0x00, 0x0A, 'l', 'o', 'a', 'd', 'F', 'a', 'c', 't', 'o', 'r', 0x49,
      0x00, 0x09, 't', 'h', 'r', 'e', 's', 'h', 'o', 'l', 'd', 0x78, 0x70, 0x3F, 0x40, 0x00, 0x00,
      0x00, 0x00, 0x00, 0x0C, 0x77, 0x08, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x01,
      /* first byte[]: full "[B" descriptor */
      0x75, 0x72, 0x00, 0x02, '[', 'B', 0xAC, 0xF3, 0x17, 0xF8, 0x06, 0x08, 0x54, 0xE0, 0x02,
      0x00, 0x00, 0x78, 0x70};
  size_t kl = strlen(connect_key), vl = strlen(connect_val);
  kc_buf_t want;
  kc_buf_init(&want, 0);
  kc_buf_append(&want, head, sizeof head);
  uint8_t len4[4] = {0, 0, 0, (uint8_t)kl};
  kc_buf_append(&want, len4, 4);
  kc_buf_append(&want, connect_key, kl);
  static const uint8_t ref[] = {0x75, 0x71, 0x00, 0x7E, 0x00, 0x02};
  kc_buf_append(&want, ref, sizeof ref);
  len4[3] = (uint8_t)vl;
  kc_buf_append(&want, len4, 4);
  kc_buf_append(&want, connect_val, vl);
  kc_buf_append(&want, "\x78", 1);

  kc_offset_entry_t e = {connect_key, kl, connect_val, vl};
  kc_buf_t out;
  kc_buf_init(&out, 0);
  CHECK(kc_offset_codec_encode(&e, 1, &out) == 0);
  CHECK(out.len == want.len && memcmp(out.data, want.data, want.len) == 0);
  CHECK(kl == 50 && vl == 17);
  kc_buf_free(&out);
  kc_buf_free(&want);
}

/* Threshold and bucket count as a HashMap filled with put() has them. */
static void test_codec_geometry(void) {
  static const struct { size_t n; uint32_t thr, cap; } cases[] = {
      {0, 0, 16}, {1, 12, 16}, {12, 12, 16}, {13, 24, 32}, {24, 24, 32}, {25, 48, 64}, {97, 192, 256}};
  kc_offset_entry_t e[100];
  char keys[100][16];
  for (int i = 0; i < 100; i++) {
    snprintf(keys[i], sizeof keys[i], "k%d", i);
    e[i] = (kc_offset_entry_t){keys[i], strlen(keys[i]), "v", 1};
  }
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
    kc_buf_t out;
    kc_buf_init(&out, 0);
    CHECK(kc_offset_codec_encode(e, cases[c].n, &out) == 0);
    /* threshold at 67, then 77 08 <capacity> <size> */
    CHECK(be32_at(&out, 67) == cases[c].thr);
    CHECK((uint8_t)out.data[71] == 0x77 && out.data[72] == 8);
    CHECK(be32_at(&out, 73) == cases[c].cap);
    CHECK(be32_at(&out, 77) == cases[c].n);
    CHECK(kc_offset_codec_decode(out.data, out.len, NULL, NULL, NULL, 0) == 0);
    kc_buf_free(&out);
  }
}

static int hex_to(const char *hex, kc_buf_t *out) {
  size_t n = strlen(hex);
  for (size_t i = 0; i + 1 < n; i += 2) {
    unsigned v;
    if (sscanf(hex + i, "%2x", &v) != 1) return -1;
    uint8_t b = (uint8_t)v;
    kc_buf_append(out, &b, 1);
  }
  return 0;
}

/* java.util.HashMap header up to and including the threshold field value 12. */
static const char hashmap_head[] =
    "aced0005737200116a6176612e7574696c2e486173684d61700507dac1c31660d1030002"
    "46000a6c6f6164466163746f724900097468726573686f6c6478703f4000000000000c";
static const char bytes_desc[] = "757200025b42acf317f8060854e00200007870";

static int decode_hex(const char *hex, decoded_t *d, int *complete, char *err, size_t errsz) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  hex_to(hex, &b);
  int rc = kc_offset_codec_decode_ex(b.data, b.len, collect, d, complete, err, errsz);
  kc_buf_free(&b);
  return rc;
}

static void test_codec_decode_variants(void) {
  char hex[1024], err[256];
  decoded_t d = {0};
  int complete;

  /* What Java writes when a value is the key array itself (TC_REFERENCE to that byte[]) and a
   * value is null; bytes taken from JDK 17. */
  snprintf(hex, sizeof hex, "%s77080000001000000002%s000000026162" "7100" "7e0003"
                            "7571007e00020000000101" "70" "78",
           hashmap_head, bytes_desc);
  CHECK(decode_hex(hex, &d, &complete, err, sizeof err) == 0);
  CHECK(complete && d.n == 2);
  CHECK(entry_is(&d, 0, "ab", 2, "ab", 2));
  CHECK(entry_is(&d, 1, "\x01", 1, NULL, 0));
  decoded_free(&d);

  /* The two ints split over TC_BLOCKDATA and TC_BLOCKDATALONG, a null key, and trailing bytes
   * after the object (Java reads one object and stops). */
  snprintf(hex, sizeof hex, "%s7703000000" "7a0000000510000000" "01" "70" "%s0000000178" "78" "ffff",
           hashmap_head, bytes_desc);
  CHECK(decode_hex(hex, &d, &complete, err, sizeof err) == 0);
  CHECK(complete && d.n == 1 && d.e[0].key_null && d.e[0].val.len == 1 &&
        d.e[0].val.data[0] == 'x');
  decoded_free(&d);

  /* Errors name the offset of the offending byte. */
  static const struct { const char *fmt; const char *needle; } bad[] = {
      {"aced000574000361626" "3", "TC_STRING (0x74) where a java.util.HashMap object was expected at offset 4"},
      {"aced0004", "stream version 4"},
      {"cafebabe", "bad stream magic 0xcafe"},
      {"aced0005737200116a6176612e7574696c2e547265654d6170", "class \"java.util.TreeMap\" where java.util.HashMap was expected at offset 6"},
      /* A value that is some other object (TC_OBJECT) at offset 81+19+4+2 = 106. */
      {"%s77080000001000000001%s0000000261627372", "TC_OBJECT (0x73) where a byte[] or null was expected at offset 106"},
      /* A key that refers to the HashMap itself. */
      {"%s770800000010000000017100" "7e0001", "TC_REFERENCE to an object that is not a byte[] at offset 81"},
      {"%s770800000010000000017100" "7e0009", "unknown handle 0x7e0009 at offset 81"},
      {"%s7708000000100000000175" "7100" "7e0000", "not the byte[] class at offset 82"},
      {"%s7708000000100000000175720002" "5b49", "class \"[I\" where [B was expected"},
      {"%s7708000000100000000175720002" "5b42" "0000000000000001", "serialVersionUID 1 of [B"},
      {"%s77080000001000000001%sffffffff", "negative array length -1 at offset 100"},
      {"%s77080000001000000001%s00000000" "70" "70", "TC_NULL (0x70) after the 1 entries"},
      {"%s770a00000010000000000000", "block data of 10 bytes, expected 8 at offset 71"},
      {"%s7708000000108000000070", "illegal mappings count"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    snprintf(hex, sizeof hex, bad[i].fmt, hashmap_head, bytes_desc);
    err[0] = 0;
    int rc = decode_hex(hex, &d, &complete, err, sizeof err);
    CHECK(rc == KC_EINVAL);
    CHECK(!complete);
    CHECKF(strstr(err, bad[i].needle), "case %zu: error \"%s\" lacks \"%s\"", i, err,
           bad[i].needle);
    decoded_free(&d);
  }
  /* A load factor of 0 (or NaN) fails HashMap.readObject(). */
  char lf0[sizeof hashmap_head];
  strcpy(lf0, hashmap_head);
  memcpy(strstr(lf0, "3f400000"), "00000000", 8);
  snprintf(hex, sizeof hex, "%s770800000010000000007" "8", lf0);
  CHECK(decode_hex(hex, &d, &complete, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "illegal load factor") != NULL);
  /* The callback's non-zero result stops the decoding and is returned. */
  d.n = 64;
  snprintf(hex, sizeof hex, "%s77080000001000000001%s000000016170" "78", hashmap_head, bytes_desc);
  CHECK(decode_hex(hex, &d, &complete, err, sizeof err) == KC_ENOSPC);
  CHECK(!complete);
  d.n = 0;
  /* Empty input is an empty, incomplete map. */
  CHECK(kc_offset_codec_decode_ex("", 0, collect, &d, &complete, err, sizeof err) == 0);
  CHECK(!complete && d.n == 0);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static uint32_t rnd(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (uint32_t)(rng_state >> 16);
}

static void test_codec_fuzz(void) {
  kc_offset_entry_t in[] = {
      {connect_key, strlen(connect_key), connect_val, strlen(connect_val)},
      {"k2", 2, NULL, 0},
      {"[\"c\",{\"p\":1}]", 13, "{\"o\":\"x\"}", 9},
      {"\x00\x71\x7e", 3, "\x75\x72", 2},
  };
  kc_buf_t valid;
  kc_buf_init(&valid, 0);
  CHECK(kc_offset_codec_encode(in, 4, &valid) == 0);
  char err[256];
  decoded_t d = {0};
  int complete;
  /* Every strict prefix is a truncated stream: no error, not complete. */
  int prefix_ok = 1;
  for (size_t n = 0; n < valid.len; n++) {
    uint8_t *copy = malloc(n ? n : 1); /* exact size so ASan sees any overread */
    memcpy(copy, valid.data, n);
    int rc = kc_offset_codec_decode_ex(copy, n, collect, &d, &complete, err, sizeof err);
    if (rc != 0 || complete) prefix_ok = 0;
    decoded_free(&d);
    free(copy);
  }
  CHECK(prefix_ok);
  CHECK(kc_offset_codec_decode_ex(valid.data, valid.len, collect, &d, &complete, err, sizeof err) == 0);
  CHECK(complete && d.n == 4);
  decoded_free(&d);

  /* Bit flips, byte overwrites and truncations together: 0 or KC_EINVAL with a message that
   * names an offset, never anything else. */
  int outcome_ok = 1, msg_ok = 1, einval = 0, zero = 0;
  for (int iter = 0; iter < 20000; iter++) {
    size_t n = valid.len;
    uint8_t *copy = malloc(n);
    memcpy(copy, valid.data, n);
    int flips = 1 + (int)(rnd() % 3);
    for (int f = 0; f < flips; f++) {
      size_t at = rnd() % n;
      if (rnd() % 2)
        copy[at] ^= (uint8_t)(1u << (rnd() % 8));
      else
        copy[at] = (uint8_t)rnd();
    }
    if (rnd() % 4 == 0) n = rnd() % n;
    err[0] = 0;
    int rc = kc_offset_codec_decode_ex(copy, n, collect, &d, &complete, err, sizeof err);
    if (rc != 0 && rc != KC_EINVAL) outcome_ok = 0;
    if (rc == KC_EINVAL && !strstr(err, " at offset ")) msg_ok = 0;
    einval += rc == KC_EINVAL;
    zero += rc == 0;
    decoded_free(&d);
    free(copy);
  }
  CHECK(outcome_ok);
  CHECK(msg_ok);
  CHECK(einval > 1000 && zero > 1000); /* both outcomes are exercised */

  /* Pure garbage after a valid header. */
  for (int iter = 0; iter < 5000; iter++) {
    size_t n = 81 + rnd() % 64;
    uint8_t *copy = malloc(n);
    memcpy(copy, valid.data, 81);
    for (size_t i = 81; i < n; i++) copy[i] = (uint8_t)(0x70 + rnd() % 16);
    int rc = kc_offset_codec_decode_ex(copy, n, collect, &d, &complete, err, sizeof err);
    if (rc != 0 && rc != KC_EINVAL) outcome_ok = 0;
    decoded_free(&d);
    free(copy);
  }
  CHECK(outcome_ok);
  kc_buf_free(&valid);
}

/* ---- stores --------------------------------------------------------------------- */

typedef struct {
  int calls;
  int status;
  int order; /* value of flush_seq when called */
} flush_rec_t;

static int flush_seq;

static void on_flush(void *arg, int status) {
  flush_rec_t *r = arg;
  r->calls++;
  r->status = status;
  r->order = ++flush_seq;
}

static int get_str(kc_offset_store_t *st, const char *k, const char *want) {
  const void *v;
  size_t vl;
  if (kc_offset_store_get(st, k, strlen(k), &v, &vl) != 0) return 0;
  return vl == strlen(want) && memcmp(v, want, vl) == 0;
}

static int count_entry(void *arg, const void *k, size_t kl, const void *v, size_t vl) {
  (*(int *)arg)++;
  return 0;
}

static void test_store_memory(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  kc_offset_store_t *st = kc_offset_store_memory_open(&loop);
  CHECK(st != NULL);
  const void *v;
  size_t vl;
  CHECK(kc_offset_store_get(st, "a", 1, &v, &vl) == KC_ENOENT);
  CHECK(kc_offset_store_set(st, "a", 1, "1", 1) == 0);
  CHECK(kc_offset_store_set(st, "a", 1, "22", 2) == 0);
  CHECK(get_str(st, "a", "22"));
  CHECK(kc_offset_store_set(st, "", 0, "", 0) == 0); /* empty key and value are real bytes */
  CHECK(kc_offset_store_get(st, "", 0, &v, &vl) == 0 && vl == 0);
  char key[32];
  for (int i = 0; i < 500; i++) { /* forces the table to grow */
    snprintf(key, sizeof key, "key-%d", i);
    CHECK(kc_offset_store_set(st, key, strlen(key), key, strlen(key)) == 0);
  }
  CHECK(kc_offset_store_count(st) == 502);
  CHECK(get_str(st, "key-377", "key-377"));
  CHECK(kc_offset_store_set(st, "key-377", 7, NULL, 0) == 0); /* tombstone */
  CHECK(kc_offset_store_get(st, "key-377", 7, &v, &vl) == KC_ENOENT);
  CHECK(kc_offset_store_set(st, "missing", 7, NULL, 0) == 0);
  int n = 0;
  kc_offset_store_foreach(st, count_entry, &n);
  CHECK(n == 501 && kc_offset_store_count(st) == 501);

  flush_rec_t r = {0};
  CHECK(kc_offset_store_flush(st, on_flush, &r) == 0);
  CHECK(r.calls == 0); /* never inside the call */
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(r.calls == 1 && r.status == 0);
  CHECK(kc_offset_store_write_count(st) == 1);
  kc_offset_store_close(st);
  CHECK(uv_loop_close(&loop) == 0);
}

static void test_store_file_roundtrip(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  const char *path = tmp_path("offsets.dat");
  char err[512] = "";
  kc_offset_store_t *st = kc_offset_store_file_open(&loop, path, err, sizeof err);
  CHECK(st != NULL); /* missing file: empty store */
  CHECK(st && kc_offset_store_count(st) == 0);
  if (!st) return;
  uint8_t bin[] = {0, 1, 2, 0xFF, 0x78, 0x70};
  CHECK(kc_offset_store_set(st, connect_key, strlen(connect_key), connect_val,
                            strlen(connect_val)) == 0);
  CHECK(kc_offset_store_set(st, bin, sizeof bin, bin, sizeof bin) == 0);
  CHECK(kc_offset_store_set(st, "gone", 4, "x", 1) == 0);
  CHECK(kc_offset_store_set(st, "gone", 4, NULL, 0) == 0);
  flush_rec_t r = {0};
  CHECK(kc_offset_store_flush(st, on_flush, &r) == 0);
  CHECK(r.calls == 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(r.calls == 1 && r.status == 0);
  CHECK(access(tmp_path("offsets.dat.tmp"), F_OK) != 0); /* renamed away */
  kc_offset_store_close(st);

  /* The file is the codec's encoding of exactly those two entries. */
  kc_buf_t file;
  kc_buf_init(&file, 0);
  CHECK(read_all(path, &file) == 0);
  decoded_t d = {0};
  int complete = 0;
  CHECK(kc_offset_codec_decode_ex(file.data, file.len, collect, &d, &complete, err, sizeof err) == 0);
  CHECK(complete && d.n == 2);
  CHECK(be32_at(&file, 73) == 16 && be32_at(&file, 77) == 2);
  decoded_free(&d);
  kc_buf_free(&file);

  st = kc_offset_store_file_open(&loop, path, err, sizeof err);
  CHECK(st != NULL);
  if (st) {
    CHECK(kc_offset_store_count(st) == 2);
    CHECK(get_str(st, connect_key, connect_val));
    const void *v;
    size_t vl;
    CHECK(kc_offset_store_get(st, bin, sizeof bin, &v, &vl) == 0 && vl == sizeof bin &&
          memcmp(v, bin, vl) == 0);
    CHECK(kc_offset_store_get(st, "gone", 4, &v, &vl) == KC_ENOENT);
    kc_offset_store_close(st);
  }
  CHECK(uv_loop_close(&loop) == 0);
}

typedef struct {
  kc_offset_store_t *st;
  flush_rec_t *again; /* flush requested from inside the callback */
  flush_rec_t self;
} reflush_t;

static void on_flush_reflush(void *arg, int status) {
  reflush_t *rf = arg;
  on_flush(&rf->self, status);
  CHECK(kc_offset_store_flush(rf->st, on_flush, rf->again) == 0);
  CHECK(rf->again->calls == 0);
}

static void test_store_coalesce(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  const char *path = tmp_path("coalesce.dat");
  char err[512] = "";
  kc_offset_store_t *st = kc_offset_store_file_open(&loop, path, err, sizeof err);
  CHECK(st != NULL);
  if (!st) return;
  flush_seq = 0;
  flush_rec_t a = {0}, b = {0}, c = {0};
  CHECK(kc_offset_store_set(st, "k", 1, "1", 1) == 0);
  CHECK(kc_offset_store_flush(st, on_flush, &a) == 0);
  /* Staged after the first write took its snapshot: only the coalesced write carries it. */
  CHECK(kc_offset_store_set(st, "k", 1, "2", 1) == 0);
  CHECK(kc_offset_store_set(st, "k2", 2, "x", 1) == 0);
  CHECK(kc_offset_store_flush(st, on_flush, &b) == 0);
  CHECK(kc_offset_store_flush(st, on_flush, &c) == 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(a.calls == 1 && b.calls == 1 && c.calls == 1);
  CHECK(a.status == 0 && b.status == 0 && c.status == 0);
  CHECK(a.order == 1 && b.order == 2 && c.order == 3);
  CHECK(kc_offset_store_write_count(st) == 2);

  /* A flush requested inside a flush callback runs as one more write. */
  flush_rec_t again = {0};
  reflush_t rf = {st, &again, {0}};
  CHECK(kc_offset_store_flush(st, on_flush_reflush, &rf) == 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(rf.self.calls == 1 && again.calls == 1 && again.status == 0);
  CHECK(kc_offset_store_write_count(st) == 4);
  kc_offset_store_close(st);

  st = kc_offset_store_file_open(&loop, path, err, sizeof err);
  CHECK(st && get_str(st, "k", "2") && get_str(st, "k2", "x"));
  if (st) kc_offset_store_close(st);
  CHECK(uv_loop_close(&loop) == 0);
}

static void test_store_flush_error(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  const char *path = tmp_path("no-such-dir/offsets.dat");
  char err[512] = "";
  kc_offset_store_t *st = kc_offset_store_file_open(&loop, path, err, sizeof err);
  CHECK(st != NULL);
  if (!st) return;
  CHECK(kc_offset_store_set(st, "k", 1, "v", 1) == 0);
  flush_rec_t a = {0}, b = {0};
  CHECK(kc_offset_store_flush(st, on_flush, &a) == 0);
  CHECK(kc_offset_store_flush(st, on_flush, &b) == 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(a.calls == 1 && a.status == KC_EIO);
  CHECK(b.calls == 1 && b.status == KC_EIO);
  const char *le = kc_offset_store_last_error(st);
  CHECK(strstr(le, path) != NULL);
  CHECK(strstr(le, "no such file or directory") != NULL);
  CHECK(strstr(le, "open of") != NULL);
  kc_offset_store_close(st);

  /* A directory where the file should be: open fails naming the path. */
  const char *dirpath = tmp_path("is-a-dir");
  mkdir(dirpath, 0755);
  st = kc_offset_store_file_open(&loop, dirpath, err, sizeof err);
  CHECK(st == NULL);
  CHECK(strstr(err, dirpath) != NULL && strstr(err, "Is a directory") != NULL);

  /* The path becomes a non-empty directory after open: the rename fails, the temp file is
   * removed, and the error names the step. */
  const char *later = tmp_path("later.dat");
  st = kc_offset_store_file_open(&loop, later, err, sizeof err);
  CHECK(st != NULL);
  if (!st) return;
  mkdir(later, 0755);
  char sub[300];
  snprintf(sub, sizeof sub, "%s/x", later);
  kc_test_write_file(sub, "x", 1);
  CHECK(kc_offset_store_set(st, "k", 1, "v", 1) == 0);
  flush_rec_t c = {0};
  CHECK(kc_offset_store_flush(st, on_flush, &c) == 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(c.calls == 1 && c.status == KC_EIO);
  le = kc_offset_store_last_error(st);
  CHECK(strstr(le, later) != NULL && strstr(le, "rename of") != NULL);
  CHECK(access(tmp_path("later.dat.tmp"), F_OK) != 0);
  /* Fixed on disk: the next flush succeeds and clears the error. */
  unlink(sub);
  rmdir(later);
  CHECK(kc_offset_store_flush(st, on_flush, &c) == 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(c.calls == 2 && c.status == 0 && kc_offset_store_last_error(st)[0] == 0);
  kc_offset_store_close(st);
  CHECK(uv_loop_close(&loop) == 0);
}

static void test_store_bad_files(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  char err[512];
  const char *garbage = tmp_path("garbage.dat");
  CHECK(kc_test_write_file(garbage, "this is not java serialization\n", 31) == 0);
  err[0] = 0;
  CHECK(kc_offset_store_file_open(&loop, garbage, err, sizeof err) == NULL);
  CHECK(strstr(err, garbage) != NULL);
  CHECK(strstr(err, "bad stream magic") != NULL && strstr(err, "at offset 0") != NULL);

  /* A serialized String where the map should be. */
  const char *str = tmp_path("string.dat");
  CHECK(kc_test_write_file(str, "\xac\xed\x00\x05\x74\x00\x02hi", 9) == 0);
  CHECK(kc_offset_store_file_open(&loop, str, err, sizeof err) == NULL);
  CHECK(strstr(err, str) != NULL && strstr(err, "TC_STRING") && strstr(err, "offset 4"));

  const char *empty = tmp_path("empty.dat");
  CHECK(kc_test_write_file(empty, "", 0) == 0);
  kc_offset_store_t *st = kc_offset_store_file_open(&loop, empty, err, sizeof err);
  CHECK(st && kc_offset_store_count(st) == 0);
  if (st) kc_offset_store_close(st);

  /* Truncated after two complete entries: still an empty store, as in Java. */
  kc_offset_entry_t in[] = {{"a", 1, "1", 1}, {"b", 1, "2", 1}, {"c", 1, "3", 1}};
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_offset_codec_encode(in, 3, &b);
  const char *trunc = tmp_path("trunc.dat");
  CHECK(kc_test_write_file(trunc, b.data, b.len - 5) == 0);
  st = kc_offset_store_file_open(&loop, trunc, err, sizeof err);
  CHECK(st && kc_offset_store_count(st) == 0);
  if (st) kc_offset_store_close(st);
  /* The complete file loads all three. */
  CHECK(kc_test_write_file(trunc, b.data, b.len) == 0);
  st = kc_offset_store_file_open(&loop, trunc, err, sizeof err);
  CHECK(st && kc_offset_store_count(st) == 3 && get_str(st, "c", "3"));
  if (st) kc_offset_store_close(st);
  kc_buf_free(&b);

  /* Fuzzed files through the store: opens or fails with the path, never crashes. */
  kc_buf_init(&b, 0);
  kc_offset_codec_encode(in, 3, &b);
  const char *fz = tmp_path("fuzz.dat");
  int ok = 1;
  kc_loggers_set_root(KC_LVL_ERROR); /* hundreds of "truncated" warnings otherwise */
  for (int i = 0; i < 300; i++) {
    char *copy = malloc(b.len);
    memcpy(copy, b.data, b.len);
    copy[rnd() % b.len] ^= (char)(1u << (rnd() % 8));
    kc_test_write_file(fz, copy, rnd() % 3 ? b.len : rnd() % b.len);
    free(copy);
    err[0] = 0;
    st = kc_offset_store_file_open(&loop, fz, err, sizeof err);
    if (st)
      kc_offset_store_close(st);
    else if (!strstr(err, fz))
      ok = 0;
  }
  kc_loggers_set_root(KC_LVL_INFO);
  CHECK(ok);
  kc_buf_free(&b);
  CHECK(uv_loop_close(&loop) == 0);
}

typedef struct {
  kc_offset_store_t *st;
  int calls;
} closer_t;

static void on_flush_close(void *arg, int status) {
  closer_t *c = arg;
  c->calls++;
  kc_offset_store_close(c->st);
}

static void test_store_close_in_callback(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  char err[512];
  closer_t c1 = {kc_offset_store_memory_open(&loop), 0};
  CHECK(kc_offset_store_flush(c1.st, on_flush_close, &c1) == 0);
  closer_t c2 = {kc_offset_store_file_open(&loop, tmp_path("close.dat"), err, sizeof err), 0};
  CHECK(c2.st != NULL);
  if (c2.st) CHECK(kc_offset_store_flush(c2.st, on_flush_close, &c2) == 0);
  /* A second request is coalesced; the close in the first callback answers it KC_ESTATE. */
  flush_rec_t r = {0};
  if (c2.st) CHECK(kc_offset_store_flush(c2.st, on_flush, &r) == 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(c1.calls == 1 && c2.calls == 1);
  CHECK(r.calls == 1 && r.status == KC_ESTATE);
  CHECK(uv_loop_close(&loop) == 0);
}

/* ---- Java interop ------------------------------------------------------------- */

static char java_classes[300];

static int run_cmd(const char *cmd, kc_buf_t *out) {
  char *text;
  size_t n;
  int rc = kc_test_sh(cmd, out ? &text : NULL, &n);
  if (out && text) kc_buf_append(out, text, n);
  if (out) free(text);
  return rc;
}

static void hex_of(const void *p, size_t n, kc_buf_t *out) {
  for (size_t i = 0; i < n; i++) kc_buf_printf(out, "%02x", ((const uint8_t *)p)[i]);
}

static int java_write(const char *file, const kc_offset_entry_t *e, size_t n) {
  kc_buf_t cmd;
  kc_buf_init(&cmd, 0);
  kc_buf_printf(&cmd, "java -cp %s OffsetFileTool write %s", java_classes, file);
  for (size_t i = 0; i < n; i++) {
    kc_buf_puts(&cmd, " ");
    hex_of(e[i].key, e[i].klen, &cmd);
    kc_buf_puts(&cmd, "=");
    if (e[i].val)
      hex_of(e[i].val, e[i].vlen, &cmd);
    else
      kc_buf_puts(&cmd, "null");
  }
  int rc = run_cmd(cmd.data, NULL);
  kc_buf_free(&cmd);
  return rc;
}

/* Java's reading of @p file as "size n" plus sorted "key=value" hex lines. */
static int java_read(const char *file, kc_buf_t *out) {
  char cmd[700];
  snprintf(cmd, sizeof cmd, "java -cp %s OffsetFileTool read %s | sort", java_classes, file);
  return run_cmd(cmd, out);
}

static void expected_listing(const kc_offset_entry_t *e, size_t n, kc_buf_t *out) {
  /* Same shape as java_read(): sort's order for lines that are all lowercase hex/"size". */
  kc_buf_t lines[64];
  for (size_t i = 0; i < n; i++) {
    kc_buf_init(&lines[i], 0);
    hex_of(e[i].key, e[i].klen, &lines[i]);
    kc_buf_puts(&lines[i], "=");
    if (e[i].val)
      hex_of(e[i].val, e[i].vlen, &lines[i]);
    else
      kc_buf_puts(&lines[i], "null");
  }
  for (size_t i = 0; i < n; i++) /* insertion sort by bytes; hex sorts like sort(1) in C locale */
    for (size_t j = i; j > 0 && strcmp(lines[j - 1].data, lines[j].data) > 0; j--) {
      kc_buf_t t = lines[j];
      lines[j] = lines[j - 1];
      lines[j - 1] = t;
    }
  kc_buf_t all;
  kc_buf_init(&all, 0);
  for (size_t i = 0; i < n; i++) {
    kc_buf_printf(&all, "%s\n", lines[i].data);
    kc_buf_free(&lines[i]);
  }
  /* "size" sorts after hex digits and "null" */
  kc_buf_printf(out, "%ssize %zu\n", all.len ? all.data : "", n);
  kc_buf_free(&all);
}

static int same_bytes_as_file(const char *file, const kc_buf_t *ours) {
  kc_buf_t theirs;
  kc_buf_init(&theirs, 0);
  int ok = read_all(file, &theirs) == 0 && theirs.len == ours->len &&
           memcmp(theirs.data, ours->data, ours->len) == 0;
  kc_buf_free(&theirs);
  return ok;
}

static void test_java_interop(void) {
  const char *src = getenv("KC_SOURCE_DIR");
  if (system("command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1") != 0 || !src) {
    printf("SKIP java interop: %s\n", src ? "javac/java not on PATH" : "KC_SOURCE_DIR not set");
    return;
  }
  snprintf(java_classes, sizeof java_classes, "%s/java", tmp_root);
  mkdir(java_classes, 0755);
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "LC_ALL=C javac -d %s '%s/test/unit/java/OffsetFileTool.java' 2>&1",
           java_classes, src);
  CHECK(run_cmd(cmd, NULL) == 0);
  setenv("LC_ALL", "C", 1); /* sort(1) order in java_read() */

  /* One entry: byte-identical. */
  kc_offset_entry_t one = {connect_key, strlen(connect_key), connect_val, strlen(connect_val)};
  const char *jf = tmp_path("java-one.dat");
  CHECK(java_write(jf, &one, 1) == 0);
  kc_buf_t ours;
  kc_buf_init(&ours, 0);
  CHECK(kc_offset_codec_encode(&one, 1, &ours) == 0);
  CHECK(same_bytes_as_file(jf, &ours));

  /* Empty map, and a one-entry map with a null value: byte-identical. */
  kc_buf_reset(&ours);
  CHECK(java_write(jf, NULL, 0) == 0);
  CHECK(kc_offset_codec_encode(NULL, 0, &ours) == 0);
  CHECK(same_bytes_as_file(jf, &ours));
  kc_offset_entry_t nullval = {"k", 1, NULL, 0};
  kc_buf_reset(&ours);
  CHECK(java_write(jf, &nullval, 1) == 0);
  CHECK(kc_offset_codec_encode(&nullval, 1, &ours) == 0);
  CHECK(same_bytes_as_file(jf, &ours));

  /* Thirteen entries (table resized to 32): Java's iteration order is identity-hash order, so
   * compare the header byte-exactly, the length, and the content as a set. */
  kc_offset_entry_t many[13];
  char keys[13][64], vals[13][32];
  for (int i = 0; i < 13; i++) {
    snprintf(keys[i], sizeof keys[i], "[\"conn-%d\",{\"filename\":\"/data/f%d.log\"}]", i, i);
    snprintf(vals[i], sizeof vals[i], "{\"position\":%d}", i * 1000 + 7);
    many[i] = (kc_offset_entry_t){keys[i], strlen(keys[i]), vals[i], strlen(vals[i])};
  }
  many[5].val = NULL;
  many[6].key = "\x00\xff\x01";
  many[6].klen = 3;
  const char *jm = tmp_path("java-many.dat");
  CHECK(java_write(jm, many, 13) == 0);
  kc_buf_reset(&ours);
  CHECK(kc_offset_codec_encode(many, 13, &ours) == 0);
  kc_buf_t theirs;
  kc_buf_init(&theirs, 0);
  CHECK(read_all(jm, &theirs) == 0);
  CHECK(theirs.len == ours.len && theirs.len > 81 && memcmp(theirs.data, ours.data, 81) == 0);
  CHECK(be32_at(&theirs, 67) == 24 && be32_at(&theirs, 73) == 32);
  decoded_t d = {0};
  int complete = 0;
  char err[256];
  CHECK(kc_offset_codec_decode_ex(theirs.data, theirs.len, collect, &d, &complete, err,
                                  sizeof err) == 0);
  CHECK(complete && d.n == 13);
  int found_all = 1;
  for (int i = 0; i < 13; i++) {
    int found = 0;
    for (size_t j = 0; j < d.n; j++)
      found |= entry_is(&d, j, many[i].key, many[i].klen, many[i].val, many[i].vlen);
    found_all &= found;
  }
  CHECK(found_all);
  decoded_free(&d);
  kc_buf_free(&theirs);
  /* The store loads Java's file; the null value is a tombstone, not an offset. */
  uv_loop_t l2;
  uv_loop_init(&l2);
  kc_offset_store_t *js = kc_offset_store_file_open(&l2, jm, err, sizeof err);
  CHECK(js && kc_offset_store_count(js) == 12 && get_str(js, keys[12], vals[12]));
  if (js) {
    const void *v;
    size_t vl;
    CHECK(kc_offset_store_get(js, keys[5], strlen(keys[5]), &v, &vl) == KC_ENOENT);
    CHECK(kc_offset_store_get(js, "\x00\xff\x01", 3, &v, &vl) == 0 && vl == strlen(vals[6]));
    kc_offset_store_close(js);
  }
  CHECK(uv_loop_close(&l2) == 0);

  /* Java reads ours: the codec's file and one written by the file store. */
  const char *of = tmp_path("ours-many.dat");
  CHECK(kc_test_write_file(of, ours.data, ours.len) == 0);
  kc_buf_t got, want;
  kc_buf_init(&got, 0);
  kc_buf_init(&want, 0);
  CHECK(java_read(of, &got) == 0);
  expected_listing(many, 13, &want);
  CHECK(got.len == want.len && strcmp(got.data, want.data) == 0);
  if (got.len != want.len || strcmp(got.data, want.data)) fprintf(stderr, "java read:\n%s\nwanted:\n%s", got.data, want.data);

  uv_loop_t loop;
  uv_loop_init(&loop);
  const char *sf = tmp_path("store.dat");
  kc_offset_store_t *st = kc_offset_store_file_open(&loop, sf, err, sizeof err);
  CHECK(st != NULL);
  if (st) {
    for (int i = 0; i < 13; i++)
      if (many[i].val) kc_offset_store_set(st, many[i].key, many[i].klen, many[i].val, many[i].vlen);
    flush_rec_t r = {0};
    CHECK(kc_offset_store_flush(st, on_flush, &r) == 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECK(r.calls == 1 && r.status == 0);
    kc_offset_store_close(st);
    kc_offset_entry_t live[13];
    size_t nlive = 0;
    for (int i = 0; i < 13; i++)
      if (many[i].val) live[nlive++] = many[i];
    kc_buf_reset(&got);
    kc_buf_reset(&want);
    CHECK(java_read(sf, &got) == 0);
    expected_listing(live, nlive, &want);
    CHECK(strcmp(got.data, want.data) == 0);
  }
  CHECK(uv_loop_close(&loop) == 0);

  /* Java also sees a truncated file of ours as an empty map, as our store does. */
  CHECK(kc_test_write_file(of, ours.data, ours.len - 1) == 0);
  kc_buf_reset(&got);
  CHECK(java_read(of, &got) == 0);
  CHECK(strcmp(got.data, "size 0\n") == 0);

  /* A value that is the key array itself: TC_REFERENCE to an earlier byte[]. */
  snprintf(cmd, sizeof cmd, "java -cp %s OffsetFileTool write %s 6162=same", java_classes, jf);
  CHECK(run_cmd(cmd, NULL) == 0);
  kc_buf_reset(&theirs);
  CHECK(read_all(jf, &theirs) == 0);
  CHECK(kc_offset_codec_decode_ex(theirs.data, theirs.len, collect, &d, &complete, err,
                                  sizeof err) == 0);
  CHECK(complete && d.n == 1 && entry_is(&d, 0, "ab", 2, "ab", 2));
  decoded_free(&d);
  kc_buf_free(&theirs);
  kc_buf_free(&got);
  kc_buf_free(&want);
  kc_buf_free(&ours);
}

int main(void) {
  if (kc_test_temp_dir(tmp_root, sizeof tmp_root, "offsets") != 0) {
    perror("mkdtemp");
    return 1;
  }
  kc_test_run("codec_roundtrip", test_codec_roundtrip);
  kc_test_run("codec_connect_bytes", test_codec_connect_bytes);
  kc_test_run("codec_geometry", test_codec_geometry);
  kc_test_run("codec_decode_variants", test_codec_decode_variants);
  kc_test_run("codec_fuzz", test_codec_fuzz);
  kc_test_run("store_memory", test_store_memory);
  kc_test_run("store_file_roundtrip", test_store_file_roundtrip);
  kc_test_run("store_coalesce", test_store_coalesce);
  kc_test_run("store_flush_error", test_store_flush_error);
  kc_test_run("store_bad_files", test_store_bad_files);
  kc_test_run("store_close_in_callback", test_store_close_in_callback);
  kc_test_run("java_interop", test_java_interop);
  if (kc_test_remove_tree(tmp_root) != 0) fprintf(stderr, "could not remove %s\n", tmp_root);
  return kc_test_done();
}
