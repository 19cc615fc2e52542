/*
 * The JSON parser against JSONTestSuite ($KC_SHARED_DATA/json-test-suite):
 * every y_ file accepted, every n_ file rejected with "line L column C:
 * reason", i_ files either way without crashing. Accepted documents must
 * survive encode -> decode unchanged. Plus hand-written checks of error
 * positions, number typing, duplicate keys, depth limits and the encoder.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/json_value.h"
#include "kc_test.h"

static bool has_position(const char *err) {
  unsigned long l, c;
  char reason[8];
  return sscanf(err, "line %lu column %lu: %7s", &l, &c, reason) == 3 && l >= 1 && c >= 1;
}

static void test_suite(void) {
  kc_test_dir_t dir;
  if (!CHECK(kc_test_dir_open(&dir, kc_test_data("json-test-suite/test_parsing")))) return;
  int y_ok = 0, y_bad = 0, n_ok = 0, n_bad = 0, i_acc = 0, i_rej = 0, unstable = 0;
  while (kc_test_dir_next(&dir)) {
    const char *name = dir.name;
    if (!strstr(name, ".json")) continue;
    size_t len;
    char *text = kc_test_read_file(dir.path, &len);
    CHECK(text != NULL);
    if (!text) continue;
    kc_value_t *v = NULL;
    char err[256] = "";
    int rc = kc_json_decode(text, len, &v, err, sizeof err);
    CHECK(rc == 0 || rc == KC_EINVAL);
    if (rc) CHECK(v == NULL && has_position(err));
    if (name[0] == 'y') {
      if (rc) {
        y_bad++;
        fprintf(stderr, "  rejected %s: %s\n", name, err);
      } else {
        y_ok++;
      }
    } else if (name[0] == 'n') {
      if (rc) {
        n_ok++;
      } else {
        n_bad++;
        fprintf(stderr, "  accepted %s\n", name);
      }
    } else {
      rc ? i_rej++ : i_acc++;
    }
    if (!rc && name[0] == 'y') { /* what we write, we read back as the same value
                                  * (i_ overflows become "Infinity" strings, as in Jackson) */
      kc_buf_t b;
      kc_buf_init(&b, 0);
      kc_value_t *again = NULL;
      char err2[256];
      if (kc_json_encode(v, &b) || kc_json_decode(b.data, b.len, &again, err2, sizeof err2) ||
          !kc_value_equal(v, again)) {
        unstable++;
        fprintf(stderr, "  unstable round trip %s\n", name);
      }
      kc_value_destroy(again);
      kc_buf_free(&b);
    }
    kc_value_destroy(v);
    free(text);
  }
  kc_test_dir_close(&dir);
  printf("     y_: %d accepted, %d rejected; n_: %d rejected, %d accepted; i_: %d accepted, %d "
         "rejected\n",
         y_ok, y_bad, n_ok, n_bad, i_acc, i_rej);
  CHECK(y_ok >= 95 && n_ok >= 188); /* the suite's sizes: the walk really happened */
  CHECK(y_bad == 0 && n_bad == 0 && unstable == 0);
}

static void expect_error(const char *text, const char *want) {
  kc_value_t *v = (kc_value_t *)1;
  char err[256] = "";
  CHECK(kc_json_decode(text, strlen(text), &v, err, sizeof err) == KC_EINVAL);
  CHECK(v == NULL);
  CHECK_STR(err, want);
}

static void test_error_messages(void) {
  expect_error("{\"a\":1,\n \"b\":tru}", "line 2 column 6: invalid literal, expected 'true'");
  expect_error("[1,2,]", "line 1 column 6: unexpected character ']', expected a value");
  expect_error("{\"a\" 1}", "line 1 column 6: unexpected character '1', expected ':' after an object key");
  expect_error("\"caf\xc3\xa9\n\"", "line 1 column 6: control character U+000A must be escaped in a string");
  expect_error("01", "line 1 column 2: invalid number: leading zeros are not allowed");
  expect_error("[1] x", "line 1 column 5: unexpected character 'x' after the JSON value");
  expect_error("", "line 1 column 1: unexpected end of input, expected a value");
  expect_error("\"\\q\"", "line 1 column 2: invalid escape '\\q' in string");
  expect_error("[\"\xff\"]", "line 1 column 3: invalid UTF-8 byte 0xFF in string");
  expect_error("{\"a\":[1,{\"b\":2]}", "line 1 column 15: unexpected character ']', expected ',' or '}' after an object member");
}

static void test_values(void) {
  kc_value_t *v;
  char err[256];
  const char *doc = "{\"i\":-9223372036854775808,\"big\":9223372036854775808,\"f\":1.5,\"e\":1E2,"
                    "\"z\":-0.0,\"s\":\"\\u00e9\\ud83d\\ude00\\u0000x\",\"b\":[true,false,null],"
                    "\"o\":{}}";
  CHECK(kc_json_decode(doc, strlen(doc), &v, err, sizeof err) == 0);
  if (!v) return;
  const kc_value_t *x = kc_value_map_get_str(v, "i");
  CHECK(x && x->type == KC_TYPE_INT64 && x->u.i == INT64_MIN);
  x = kc_value_map_get_str(v, "big"); /* beyond int64: nearest double */
  CHECK(x && x->type == KC_TYPE_FLOAT64 && x->u.f == 9223372036854775808.0);
  x = kc_value_map_get_str(v, "e");
  CHECK(x && x->type == KC_TYPE_FLOAT64 && x->u.f == 100.0);
  x = kc_value_map_get_str(v, "z");
  CHECK(x && x->type == KC_TYPE_FLOAT64 && x->u.f == 0 && !signbit(x->u.f));
  x = kc_value_map_get_str(v, "s");
  CHECK(x && x->u.str.len == 8 && !memcmp(x->u.str.ptr, "\xc3\xa9\xf0\x9f\x98\x80\0x", 8));
  x = kc_value_map_get_str(v, "b");
  CHECK(x && x->type == KC_TYPE_ARRAY && x->u.arr.n == 3 && x->u.arr.items[2] == NULL &&
        x->u.arr.items[0]->u.b);
  kc_buf_t b;
  kc_buf_init(&b, 0);
  CHECK(kc_json_encode(v, &b) == 0);
  /* Jackson's output: doubles as Double.toString, supplementary chars as escaped surrogates */
  CHECK_STR(b.data, "{\"i\":-9223372036854775808,\"big\":9.223372036854776E18,\"f\":1.5,\"e\":100.0,"
                    "\"z\":0.0,\"s\":\"\xc3\xa9\\uD83D\\uDE00\\u0000x\",\"b\":[true,false,null],\"o\":{}}");
  kc_buf_free(&b);
  kc_value_destroy(v);

  /* duplicate keys: last value, first position; small and large objects */
  CHECK(kc_json_decode("{\"a\":1,\"b\":2,\"a\":3}", 19, &v, err, sizeof err) == 0);
  kc_buf_init(&b, 0);
  kc_json_encode(v, &b);
  CHECK_STR(b.data, "{\"a\":3,\"b\":2}");
  kc_value_destroy(v);
  kc_buf_reset(&b);
  kc_buf_puts(&b, "{");
  for (int i = 0; i < 100; i++) kc_buf_printf(&b, "\"k%d\":%d,", i % 40, i);
  kc_buf_puts(&b, "\"end\":true}");
  CHECK(kc_json_decode(b.data, b.len, &v, err, sizeof err) == 0);
  CHECK(v && v->u.map.n == 41);
  if (v && v->u.map.n == 41) {
    CHECK(!strcmp(v->u.map.keys[0]->u.str.ptr, "k0") && v->u.map.vals[0]->u.i == 80);
    CHECK(!strcmp(v->u.map.keys[39]->u.str.ptr, "k39") && v->u.map.vals[39]->u.i == 79);
    CHECK(!strcmp(v->u.map.keys[40]->u.str.ptr, "end"));
  }
  kc_value_destroy(v);

  /* nesting: 1000 levels parse, 1001 do not */
  kc_buf_reset(&b);
  for (int i = 0; i < 1000; i++) kc_buf_puts(&b, "[");
  for (int i = 0; i < 1000; i++) kc_buf_puts(&b, "]");
  CHECK(kc_json_decode(b.data, b.len, &v, err, sizeof err) == 0);
  kc_value_destroy(v);
  kc_buf_reset(&b);
  for (int i = 0; i < 1001; i++) kc_buf_puts(&b, "{\"a\":");
  CHECK(kc_json_decode(b.data, b.len, &v, err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "nesting deeper than 1000 levels") != NULL);
  kc_buf_free(&b);

  /* BOM skipped; surrounding whitespace fine; input need not be NUL-terminated */
  CHECK(kc_json_decode("\xEF\xBB\xBF [1] \n", 9, &v, err, sizeof err) == 0);
  kc_value_destroy(v);
  char nonul[3] = {'1', '2', '3'};
  CHECK(kc_json_decode(nonul, 2, &v, err, sizeof err) == 0 && v && v->u.i == 12);
  kc_value_destroy(v);
}

static void test_encoder(void) {
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_value_t *m = kc_value_new_map();
  kc_value_map_put_str(m, "ctl", kc_value_new_string("a\x01\b\t\n\f\r\"\\/\x7f", 11));
  kc_value_map_put_str(m, "bytes", kc_value_new_bytes("hi\xff", 3));
  kc_value_map_put_str(m, "f", kc_value_new_float(KC_TYPE_FLOAT32, 1.1));
  kc_value_map_put_str(m, "nan", kc_value_new_float(KC_TYPE_FLOAT64, NAN));
  kc_value_map_put_str(m, "bad", kc_value_new_string("x\xc3(", 3));
  CHECK(kc_json_encode(m, &b) == 0);
  CHECK_STR(b.data, "{\"ctl\":\"a\\u0001\\b\\t\\n\\f\\r\\\"\\\\/\x7f\",\"bytes\":\"aGn/\",\"f\":1.1,"
                    "\"nan\":\"NaN\",\"bad\":\"x\xef\xbf\xbd(\"}");
  kc_value_destroy(m);
  /* non-string keys: an array of pairs, as JsonConverter writes them */
  kc_buf_reset(&b);
  m = kc_value_new_map();
  kc_value_map_put(m, kc_value_new_int(KC_TYPE_INT32, 1), kc_value_new_string("a", 1));
  kc_value_map_put(m, kc_value_new_int(KC_TYPE_INT32, 2), NULL);
  CHECK(kc_json_encode(m, &b) == 0);
  CHECK_STR(b.data, "[[1,\"a\"],[2,null]]");
  kc_value_destroy(m);
  /* limits are reported, not overrun */
  kc_buf_t small;
  kc_buf_init(&small, 8);
  kc_value_t *s = kc_value_new_string("0123456789", 10);
  CHECK(kc_json_encode(s, &small) == KC_ENOSPC);
  kc_value_destroy(s);
  kc_buf_free(&small);
  /* base64 */
  unsigned char *raw;
  size_t n;
  CHECK(kc_base64_decode("aGVsbG8=", 8, &raw, &n) == 0 && n == 5 && !memcmp(raw, "hello", 5));
  free(raw);
  CHECK(kc_base64_decode("aGVsbG8", 7, &raw, &n) == KC_EINVAL);
  CHECK(kc_base64_decode("aG=sbG8=", 8, &raw, &n) == KC_EINVAL);
  CHECK(kc_base64_decode("", 0, &raw, &n) == 0 && n == 0);
  free(raw);
  kc_buf_free(&b);
}

/* The pull reader keeps strings in place when it can and reports spans. */
static void test_reader(void) {
  const char *doc = "{\"plain\":\"abc\",\"esc\":\"a\\nb\",\"n\":[1.25,-3]}";
  char err[128];
  kc_json_reader_t r;
  kc_json_reader_init(&r, doc, strlen(doc), err, sizeof err);
  const char *k, *s;
  size_t kl, sl;
  CHECK(kc_json_object_begin(&r) == 0);
  CHECK(kc_json_object_next(&r, &k, &kl) == 1 && kl == 5);
  CHECK(kc_json_read_string(&r, &s, &sl) == 0 && sl == 3 && s >= doc && s < doc + strlen(doc));
  CHECK(kc_json_object_next(&r, &k, &kl) == 1);
  CHECK(kc_json_read_string(&r, &s, &sl) == 0 && sl == 3 && !memcmp(s, "a\nb", 3));
  CHECK(kc_json_object_next(&r, &k, &kl) == 1);
  size_t off = kc_json_reader_offset(&r);
  CHECK(kc_json_skip(&r) == 0);
  size_t end = kc_json_reader_offset(&r);
  CHECK(end - off == 9 && !memcmp(doc + off, "[1.25,-3]", 9)); /* the value's exact span */
  CHECK(kc_json_object_next(&r, &k, &kl) == 0);
  CHECK(kc_json_reader_finish(&r) == 0);
  /* re-read the span */
  kc_json_reader_seek(&r, off, end - off);
  kc_json_number_t num;
  CHECK(kc_json_array_begin(&r) == 0 && kc_json_array_next(&r) == 1);
  CHECK(kc_json_read_number(&r, &num) == 0 && !num.integral && num.d == 1.25 && num.len == 4);
  CHECK(kc_json_array_next(&r) == 1);
  CHECK(kc_json_read_number(&r, &num) == 0 && num.fits_int64 && num.i == -3);
  CHECK(kc_json_array_next(&r) == 0);
  kc_json_reader_free(&r);
}

/* The general path the one-pass text rendering must equal: JsonConverter's schemaless read
 * (blank input is a null value) then String.valueOf. @returns 0 or KC_EINVAL. */
static int general_text(const char *text, size_t len, kc_buf_t *out) {
  size_t i = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
  while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) i++;
  if (i == len) return kc_buf_append(out, "null", 4);
  kc_value_t *v = NULL;
  char err[256];
  int rc = kc_json_decode(text, len, &v, err, sizeof err);
  if (!rc) rc = kc_value_to_java_string(v, out);
  kc_value_destroy(v);
  return rc;
}

static int text_mismatches;

/* One document both ways: the same bytes, or the fast path declines (always when the general
 * path rejects the document). Also with the output appended after existing bytes. */
static void check_text(const char *text, size_t len, const char *name) {
  kc_buf_t a, b;
  kc_buf_init(&a, 0);
  kc_buf_init(&b, 0);
  kc_buf_append(&b, "prefix|", 7);
  int ra = general_text(text, len, &a);
  int rb = kc_json_to_java_text(text, len, &b);
  bool ok = rb == KC_AGAIN ? b.len == 7 && !strcmp(b.data, "prefix|")
                           : rb == 0 && ra == 0 && b.len == a.len + 7 && !memcmp(b.data + 7, a.data, a.len);
  if (!ok) {
    text_mismatches++;
    fprintf(stderr, "  text mismatch %s: general %d '%.*s', one pass %d '%.*s'\n", name, ra,
            (int)a.len, a.data ? a.data : "", rb, (int)b.len, b.data ? b.data : "");
  }
  kc_buf_free(&a);
  kc_buf_free(&b);
}

static void check_text_str(const char *text, bool want_fast) {
  check_text(text, strlen(text), text);
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = kc_json_to_java_text(text, strlen(text), &b);
  if ((rc == 0) != want_fast) {
    text_mismatches++;
    fprintf(stderr, "  %s: one pass returned %d\n", text, rc);
  }
  kc_buf_free(&b);
}

static void test_java_text(void) {
  text_mismatches = 0;
  kc_test_dir_t dir;
  int n = 0;
  if (CHECK(kc_test_dir_open(&dir, kc_test_data("json-test-suite/test_parsing")))) {
    while (kc_test_dir_next(&dir)) {
      if (!strstr(dir.name, ".json")) continue;
      size_t len;
      char *text = kc_test_read_file(dir.path, &len);
      if (!text) continue;
      check_text(text, len, dir.name);
      /* every prefix too: truncated documents must be declined, never half-rendered */
      for (size_t k = 0; k < len && k < 64; k++) check_text(text, k, dir.name);
      free(text);
      n++;
    }
    kc_test_dir_close(&dir);
  }
  CHECK(n >= 300);
  check_text_str("{\"system\":\"Android\",\"LineId\":1,\"Content\":\"a=b, c\",\"seq\":7,\"ts\":1709994600070}", true);
  check_text_str("{\"a\":[1,2,[],{}],\"b\":{\"c\":null,\"d\":true,\"e\":false},\"f\":\"\"}", true);
  check_text_str("[1e5,-0,-0.0,0.0,1.0,12345678901234567890,-9223372036854775808,9223372036854775807,"
                 "1.5e300,4.9e-324,1e400,-1e400,0.1,100,3.14159]", true);
  check_text_str("\"\\u00e9\\ud83d\\ude00\\u0000x\\ud800 \\udc00\\n\\t\\\\\\/\\\"\\b\\f\\r\"", true);
  check_text_str("  \xEF\xBB\xBF {\"k\":1}", false); /* a BOM after blanks is no BOM */
  check_text_str("\xEF\xBB\xBF {\"k\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"} \n", true);
  check_text_str("", true);
  check_text_str(" \t\r\n", true);
  check_text_str("\xEF\xBB\xBF", true);
  check_text_str("{\"a\":1,\"a\":2}", false);                     /* duplicate: first place, last value */
  check_text_str("{\"a\":{\"x\":1},\"b\":{\"x\":2}}", true);      /* same key in sibling objects */
  check_text_str("{\"a\":{\"a\":1}}", true);                      /* and in a nested one */
  check_text_str("{\"ab\":1,\"a\\u0062\":2}", false);             /* equal once unescaped */
  check_text_str("{\"a\":1,}", false);
  check_text_str("{\"a\":\"x\xff\"}", false);
  check_text_str("[1,2] x", false);
  check_text_str("01", false);
  /* many keys: the duplicate check's filter collides, the scan decides */
  kc_buf_t doc;
  kc_buf_init(&doc, 0);
  kc_buf_append(&doc, "{", 1);
  for (int i = 0; i < 200; i++) kc_buf_printf(&doc, "%s\"k%d\":%d", i ? "," : "", i, i);
  kc_buf_append(&doc, "}", 1);
  check_text_str(doc.data, true);
  doc.len--;
  kc_buf_printf(&doc, ",\"k150\":0}");
  check_text_str(doc.data, false);
  kc_buf_reset(&doc);
  for (int i = 0; i < 80; i++) kc_buf_append(&doc, "[", 1);
  for (int i = 0; i < 80; i++) kc_buf_append(&doc, "]", 1);
  check_text_str(doc.data, false); /* deeper than the one pass goes */
  kc_buf_reset(&doc);
  for (int i = 0; i < 40; i++) kc_buf_append(&doc, "[", 1);
  for (int i = 0; i < 40; i++) kc_buf_append(&doc, "]", 1);
  check_text_str(doc.data, true);
  /* numbers whose text is much shorter than their rendering, many of them */
  kc_buf_reset(&doc);
  kc_buf_append(&doc, "[", 1);
  for (int i = 0; i < 500; i++) kc_buf_append(&doc, i ? ",1e9,2e-7" : "1e9,2e-7", i ? 9 : 8);
  kc_buf_append(&doc, "]", 1);
  check_text_str(doc.data, true);
  kc_buf_free(&doc);
  CHECK(kc_json_to_java_text(NULL, 0, &doc) == 0 && !strcmp(doc.data, "null"));
  kc_buf_free(&doc);
  CHECK(text_mismatches == 0);
}

int main(void) {
  kc_test_run("json_test_suite", test_suite);
  kc_test_run("error_messages", test_error_messages);
  kc_test_run("values", test_values);
  kc_test_run("encoder", test_encoder);
  kc_test_run("reader", test_reader);
  kc_test_run("java_text", test_java_text);
  return kc_test_done();
}
