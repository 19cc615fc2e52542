/*
 * Connect data: value constructors and containers, struct/schema rules,
 * copy/equality, and Java's text renderings (Double.toString/Float.toString
 * checked against JDK 25 output, String.valueOf of containers, BigDecimal and
 * java.util.Date).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "kconnect/connector.h"
#include "kc_test.h"

/* Java rendering of a value into a static buffer (for CHECK_STR). */
static const char *jstr_s(const kc_schema_t *s, const kc_value_t *v) {
  static char out[4][1024];
  static int i;
  char *o = out[i++ % 4];
  kc_buf_t b;
  kc_buf_init(&b, 0);
  if (kc_value_to_java_string_schema(s, v, &b)) {
    kc_buf_free(&b);
    return NULL;
  }
  snprintf(o, 1024, "%s", b.data ? b.data : "");
  kc_buf_free(&b);
  return o;
}
static const char *jstr(const kc_value_t *v) { return jstr_s(NULL, v); }

static kc_value_t *str(const char *s) { return kc_value_new_string(s, strlen(s)); }

/* ---- constructors ------------------------------------------------------- */

static void test_constructors(void) {
  kc_value_t *v = kc_value_new_int(KC_TYPE_INT8, 300);
  CHECK(v && v->type == KC_TYPE_INT8 && v->u.i == 44); /* (byte) 300 */
  kc_value_destroy(v);
  v = kc_value_new_int(KC_TYPE_INT16, -40000);
  CHECK(v && v->u.i == 25536);
  kc_value_destroy(v);
  v = kc_value_new_int(KC_TYPE_INT32, INT64_C(4294967297));
  CHECK(v && v->u.i == 1);
  kc_value_destroy(v);
  v = kc_value_new_int(KC_TYPE_INT64, INT64_MIN);
  CHECK(v && v->u.i == INT64_MIN);
  kc_value_destroy(v);
  CHECK(kc_value_new_int(KC_TYPE_STRING, 1) == NULL);
  CHECK(kc_value_new_float(KC_TYPE_INT32, 1.0) == NULL);

  v = kc_value_new_float(KC_TYPE_FLOAT32, 0.1);
  CHECK(v && v->u.f == (double)0.1f && v->u.f != 0.1);
  CHECK_STR(jstr(v), "0.1");
  kc_value_destroy(v);

  v = kc_value_new_string("a\0b", 3);
  CHECK(v && v->type == KC_TYPE_STRING && v->u.str.len == 3 && v->u.str.ptr[3] == '\0' &&
        v->u.str.ptr[1] == '\0');
  kc_value_destroy(v);
  v = kc_value_new_bytes(NULL, 0);
  CHECK(v && v->type == KC_TYPE_BYTES && v->u.str.len == 0 && v->u.str.ptr[0] == '\0');
  kc_value_destroy(v);
  v = kc_value_new_bool(true);
  CHECK(v && v->u.b);
  CHECK_STR(jstr(v), "true");
  kc_value_destroy(v);
}

static void test_array_and_map(void) {
  kc_value_t *a = kc_value_new_array();
  for (int i = 0; i < 100; i++) CHECK(kc_value_array_append(a, kc_value_new_int(KC_TYPE_INT32, i)) == 0);
  CHECK(kc_value_array_append(a, NULL) == 0);
  CHECK(a->u.arr.n == 101 && a->u.arr.items[57]->u.i == 57 && a->u.arr.items[100] == NULL);
  kc_value_t *notarr = kc_value_new_bool(false);
  CHECK(kc_value_array_append(notarr, str("x")) == KC_EINVAL); /* item freed: ASan checks */
  kc_value_destroy(notarr);
  kc_value_destroy(a);

  kc_value_t *m = kc_value_new_map();
  CHECK(kc_value_map_put_str(m, "b", kc_value_new_int(KC_TYPE_INT64, 1)) == 0);
  CHECK(kc_value_map_put_str(m, "a", kc_value_new_int(KC_TYPE_INT64, 2)) == 0);
  CHECK(kc_value_map_put(m, kc_value_new_int(KC_TYPE_INT32, 7), str("seven")) == 0);
  CHECK(kc_value_map_put(m, NULL, str("null key")) == 0);
  CHECK_STR(jstr(m), "{b=1, a=2, 7=seven, null=null key}");
  /* replacing keeps the first position (LinkedHashMap) */
  CHECK(kc_value_map_put_str(m, "b", str("again")) == 0);
  CHECK(m->u.map.n == 4);
  CHECK_STR(jstr(m), "{b=again, a=2, 7=seven, null=null key}");
  const kc_value_t *got = kc_value_map_get_str(m, "a");
  CHECK(got && got->type == KC_TYPE_INT64 && got->u.i == 2);
  CHECK(kc_value_map_get_str(m, "zz") == NULL);
  /* an INT32 7 key and an INT64 7 key are different keys, as Integer and Long are */
  CHECK(kc_value_map_put(m, kc_value_new_int(KC_TYPE_INT64, 7), str("long")) == 0);
  CHECK(m->u.map.n == 5);
  kc_value_destroy(m);
}

static kc_schema_t *person_schema(void) {
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_t *age = kc_schema_new(KC_TYPE_INT32);
  age->optional = true;
  age->default_value = kc_value_new_int(KC_TYPE_INT32, 18);
  CHECK(kc_schema_add_field(s, "name", kc_schema_incref(&kc_schema_string)) == 0);
  CHECK(kc_schema_add_field(s, "age", age) == 0);
  CHECK(kc_schema_add_field(s, "nick", &kc_schema_optional_string) == 0);
  return s;
}

static void test_struct(void) {
  kc_schema_t *s = person_schema();
  CHECK(s->nfields == 3 && s->fields[1].index == 1 && !strcmp(s->fields[2].name, "nick"));
  CHECK(kc_schema_add_field(s, "name", kc_schema_new(KC_TYPE_INT8)) == KC_EINVAL); /* duplicate */
  kc_schema_t *notstruct = kc_schema_new(KC_TYPE_INT8);
  CHECK(kc_schema_add_field(notstruct, "x", kc_schema_new(KC_TYPE_INT8)) == KC_EINVAL);
  kc_schema_decref(notstruct);
  CHECK(kc_schema_field(s, "age") == &s->fields[1]);
  CHECK(kc_schema_field(s, "missing") == NULL);

  kc_value_t *st = kc_value_new_struct(s);
  CHECK(st && s->refcnt == 2);
  CHECK(kc_value_new_struct(&kc_schema_string) == NULL);
  CHECK_STR(jstr(st), "Struct{}");
  CHECK(kc_value_struct_set(st, "name", str("ann")) == 0);
  CHECK(kc_value_struct_set(st, "nope", str("x")) == KC_ENOENT);
  CHECK(kc_value_struct_set(st, "age", str("old")) == KC_EINVAL); /* Struct.put type check */
  /* Struct.get falls back to the default; toString shows only what was set */
  const kc_value_t *age = kc_value_struct_get(st, "age");
  CHECK(age && age->u.i == 18);
  CHECK_STR(jstr(st), "Struct{name=ann}");
  CHECK(kc_value_struct_set(st, "age", kc_value_new_int(KC_TYPE_INT32, 42)) == 0);
  CHECK(kc_value_struct_set(st, "nick", str("a,b")) == 0);
  CHECK_STR(jstr(st), "Struct{name=ann,age=42,nick=a,b}");
  CHECK(kc_value_struct_set(st, "age", NULL) == 0);
  CHECK_STR(jstr(st), "Struct{name=ann,nick=a,b}");
  CHECK(kc_value_struct_get(st, "nope") == NULL);

  kc_value_t *copy = kc_value_copy(st);
  CHECK(copy && copy != st && kc_value_equal(copy, st) && s->refcnt == 3);
  CHECK(kc_value_struct_set(copy, "nick", str("other")) == 0);
  CHECK(!kc_value_equal(copy, st));
  kc_value_destroy(copy);
  kc_value_destroy(st);
  CHECK(s->refcnt == 1);
  kc_schema_decref(s);
}

static void test_copy_equal(void) {
  kc_value_t *m1 = kc_value_new_map(), *m2 = kc_value_new_map();
  kc_value_map_put_str(m1, "x", kc_value_new_float(KC_TYPE_FLOAT64, NAN));
  kc_value_map_put_str(m1, "y", kc_value_new_bytes("\x00\x01", 2));
  kc_value_map_put_str(m2, "y", kc_value_new_bytes("\x00\x01", 2));
  kc_value_map_put_str(m2, "x", kc_value_new_float(KC_TYPE_FLOAT64, NAN));
  CHECK(kc_value_equal(m1, m2)); /* Map.equals ignores order; Double.equals(NaN, NaN) */
  kc_value_t *a = kc_value_new_array();
  kc_value_array_append(a, m1);
  kc_value_array_append(a, NULL);
  kc_value_array_append(a, kc_value_new_float(KC_TYPE_FLOAT64, 0.0));
  kc_value_t *b = kc_value_copy(a);
  CHECK(b && kc_value_equal(a, b) && b->u.arr.items[0] != m1);
  b->u.arr.items[2]->u.f = -0.0;
  CHECK(!kc_value_equal(a, b)); /* Double.equals(0.0, -0.0) is false */
  CHECK(!kc_value_equal(a, NULL) && kc_value_equal(NULL, NULL));
  kc_value_t *i32 = kc_value_new_int(KC_TYPE_INT32, 1), *i64 = kc_value_new_int(KC_TYPE_INT64, 1);
  CHECK(!kc_value_equal(i32, i64));
  kc_value_destroy(i32);
  kc_value_destroy(i64);
  kc_value_destroy(a);
  kc_value_destroy(b);
  kc_value_destroy(m2);
  CHECK(kc_value_copy(NULL) == NULL);
}

static void test_schema(void) {
  CHECK_STR(kc_type_name(KC_TYPE_FLOAT32), "float");
  CHECK_STR(kc_type_name(KC_TYPE_FLOAT64), "double");
  CHECK_STR(kc_type_name(KC_TYPE_STRUCT), "struct");
  /* static schemas ignore reference counting */
  kc_schema_incref(&kc_schema_string);
  kc_schema_decref(&kc_schema_string);
  kc_schema_decref(&kc_schema_string);
  CHECK(kc_schema_string.refcnt == -1 && kc_schema_static(KC_TYPE_STRING, true) == &kc_schema_optional_string);
  CHECK(kc_schema_static(KC_TYPE_STRUCT, false) == NULL);

  kc_schema_t *a = person_schema(), *b = person_schema();
  CHECK(kc_schema_equal(a, b));
  kc_schema_set_doc(b, "doc");
  CHECK(!kc_schema_equal(a, b));
  kc_schema_set_doc(b, NULL);
  CHECK(kc_schema_equal(a, b));
  b->fields[1].schema->default_value->u.i = 19;
  CHECK(!kc_schema_equal(a, b));
  kc_schema_decref(a);
  kc_schema_decref(b);

  kc_schema_t *d1 = kc_schema_decimal(2), *d2 = kc_schema_decimal(2), *d3 = kc_schema_decimal(3);
  CHECK(kc_schema_equal(d1, d2) && !kc_schema_equal(d1, d3));
  CHECK_STR(kc_schema_param(d3, "scale"), "3");
  CHECK(kc_schema_set_param(d1, "k", "v") == 0 && kc_schema_set_param(d2, "k", "v") == 0);
  CHECK(kc_schema_equal(d1, d2));
  int32_t scale = 0;
  char err[128];
  CHECK(kc_schema_decimal_scale(d3, &scale, err, sizeof err) == 0 && scale == 3);
  kc_schema_t *nod = kc_schema_new(KC_TYPE_BYTES);
  CHECK(kc_schema_decimal_scale(nod, &scale, err, sizeof err) == KC_EINVAL);
  CHECK_STR(err, "Invalid Decimal schema: scale parameter not found.");
  kc_schema_decref(nod);
  kc_schema_decref(d1);
  kc_schema_decref(d2);
  kc_schema_decref(d3);

  kc_schema_t *m = kc_schema_new(KC_TYPE_MAP), *m2 = kc_schema_new(KC_TYPE_MAP);
  m->key_schema = &kc_schema_string;
  m->value_schema = kc_schema_new(KC_TYPE_INT32);
  m2->key_schema = &kc_schema_string;
  m2->value_schema = kc_schema_new(KC_TYPE_INT64);
  CHECK(!kc_schema_equal(m, m2));
  m2->value_schema->type = KC_TYPE_INT32;
  CHECK(kc_schema_equal(m, m2));
  kc_schema_decref(m);
  kc_schema_decref(m2);
}

/* ---- Java number formatting -------------------------------------------- */

/* {hex double, Double.toString, Float.toString((float) d)} printed by JDK 25 */
static const char *const java_fp[][3] = {
    {"0x0.0p0", "0.0", "0.0"},
    {"-0x0.0p0", "-0.0", "-0.0"},
    {"0x1.0p0", "1.0", "1.0"},
    {"0x1.8p0", "1.5", "1.5"},
    {"0x1.9p6", "100.0", "100.0"},
    {"0x1.312dp23", "1.0E7", "1.0E7"},
    {"0x1.312cfep23", "9999999.0", "9999999.0"},
    {"0x1.0624dd2f1a9fcp-10", "0.001", "0.001"},
    {"0x1.05e1c15097c81p-10", "9.99E-4", "9.99E-4"},
    {"0x1.999999999999ap-4", "0.1", "0.1"},
    {"0x1.999999999999ap-3", "0.2", "0.2"},
    {"0x1.3333333333334p-2", "0.30000000000000004", "0.3"},
    {"0x1.2a05f2p33", "1.0E10", "1.0E10"},
    {"0x1.9e0fcaf9380fcp-17", "1.234E-5", "1.234E-5"},
    {"0x1.e240c9fbe76c9p16", "123456.789", "123456.79"},
    {"0x1.52d02c7e14af6p76", "1.0E23", "1.0E23"},
    {"0x1.52d02c7e14af6p77", "2.0E23", "2.0E23"},
    {"0x0.0000000000001p-1022", "4.9E-324", "0.0"},
    {"0x1.0p-1022", "2.2250738585072014E-308", "0.0"},
    {"0x1.fffffffffffffp1023", "1.7976931348623157E308", "Infinity"},
    {"0x1.921fb54442d18p1", "3.141592653589793", "3.1415927"},
    {"0x1.5bf0a8b145769p1", "2.718281828459045", "2.7182817"},
    {"0x1.b1ae4d6e2ef5p69", "1.0E21", "1.0E21"},
    {"0x1.0f0cf064dd592p73", "1.0E22", "1.0E22"},
    {"0x0.0000000000001p-1022", "4.9E-324", "0.0"},
    {"0x1.fffffffffffffp1023", "1.7976931348623157E308", "Infinity"},
    {"0x1.0624dd2f1a9fcp-10", "0.001", "0.001"},
    {"0x1.47ae147ae147bp-7", "0.01", "0.01"},
    {"0x1.78c29dccccccdp23", "1.23456789E7", "1.2345679E7"},
    {"0x1.1c37937e08p53", "1.0E16", "1.0E16"},
    {"0x1.c6bf52634p49", "1.0E15", "1.0E15"},
    {"0x1.6b082c2148b8ep-60", "1.23E-18", "1.23E-18"},
    {"0x1.0p53", "9.007199254740992E15", "9.007199E15"},
    {"0x1.0624dd2f1a9fcp-9", "0.002", "0.002"},
    {"0x1.4f8b588e368f1p-17", "1.0E-5", "1.0E-5"},
    {"0x1.c7e83209e90b2p72", "8.41E21", "8.41E21"},
    {"0x1.0c6f7a0b5ed8dp-21", "5.0E-7", "5.0E-7"},
    {"0x0.0000000000001p-1022", "4.9E-324", "0.0"},
    {"0x1.0p-142", "1.793662034335766E-43", "1.8E-43"},
    {"0x1.0p-143", "8.96831017167883E-44", "9.0E-44"},
    {"0x1.0p-144", "4.484155085839415E-44", "4.5E-44"},
    {"0x1.0p-145", "2.2420775429197073E-44", "2.2E-44"},
    {"0x1.0p-31", "4.656612873077393E-10", "4.656613E-10"},
    {"0x1.0p-44", "5.684341886080802E-14", "5.684342E-14"},
    {"0x1.0p-695", "6.083493012144512E-210", "0.0"},
    {"0x1.0p-77", "6.617444900424222E-24", "6.617445E-24"},
    {"0x1.0p481", "6.243497100631985E144", "Infinity"},
    {"0x1.0p963", "7.79625120912E289", "Infinity"},
    {"0x1.0p975", "3.193344495255552E293", "Infinity"},
    {"0x1.0p976", "6.386688990511104E293", "Infinity"},
    {"0x1.10b5f71ecfed4p-149", "1.4927704221008915E-45", "1.4E-45"},
    {"0x1.52d02c7e14af6p76", "1.0E23", "1.0E23"},
    {"0x1.52d02c7e14af6p77", "2.0E23", "2.0E23"},
    {"0x1.c7e83209e90b2p72", "8.41E21", "8.41E21"},
    {"0x1.d37f3b645a1cbp9", "934.994", "934.994"},
    {"0x1.ed299fecf1538p201", "6.191263580891321E60", "Infinity"},
    {"-0x1.c1d5be99654b9p-538", "-1.952879976050366E-162", "-0.0"},
    {"0x1.67fa34e4e41acp-4", "0.0878851", "0.0878851"},
    {"0x1.a3d21521c90b9p524", "9.006199101462074E157", "Infinity"},
    {"0x1.4752f1a9fbe77p9", "654.648", "654.648"},
    {"0x1.0p30", "1.073741824E9", "1.0737418E9"},
    {"0x1.59488f756cd78p33", "1.1585789674850327E10", "1.158579E10"},
    {"0x1.0p661", "9.568131466127622E198", "Infinity"},
    {"0x1.263136c2cba4cp-7", "0.008978034723978422", "0.008978034"},
    {"-0x1.e7ed1e7380d31p-1018", "-6.785449591422763E-307", "-0.0"},
    {"0x1.1055333333333p14", "17429.3", "17429.3"},
    {"0x1.6a198388e62d5p8", "362.09966331119114", "362.09967"},
    {"0x1.6ecb9422326ecp992", "5.9970740515718E298", "Infinity"},
    {"0x1.7852bd3c36113p4", "23.5202", "23.5202"},
    {"0x1.0p-951", "5.253807105661922E-287", "0.0"},
    {"-0x1.e474171c38827p323", "-3.2337073366672747E97", "-Infinity"},
    {"-0x1.f4e94936ec7cbp206", "-2.0123334551232118E62", "-Infinity"},
    {"0x1.7706d0c991094p-1", "0.7324738737156786", "0.73247385"},
    {"0x1.0p954", "1.52270531428125E287", "Infinity"},
};

static void test_double_to_string(void) {
  char buf[64];
  size_t n = sizeof java_fp / sizeof java_fp[0];
  for (size_t i = 0; i < n; i++) {
    double d = strtod(java_fp[i][0], NULL);
    kc_java_format_double(d, buf);
    CHECK_STR(buf, java_fp[i][1]);
    kc_java_format_float((float)d, buf);
    CHECK_STR(buf, java_fp[i][2]);
  }
  kc_java_format_double(NAN, buf);
  CHECK_STR(buf, "NaN");
  kc_java_format_double(-INFINITY, buf);
  CHECK_STR(buf, "-Infinity");
  kc_java_format_float(INFINITY, buf);
  CHECK_STR(buf, "Infinity");
  printf("     %zu JDK renderings matched\n", n);
}

/* Properties on many random bit patterns: output parses back to the same
 * value, follows Java's notation switch at 1e-3 / 1e7, and is never longer
 * than 17 significant digits. */
static void test_double_roundtrip_random(void) {
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  int bad = 0;
  for (int i = 0; i < 200000; i++) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    double d;
    memcpy(&d, &x, sizeof d);
    if (isnan(d) || isinf(d)) continue;
    char buf[64];
    size_t len = kc_java_format_double(d, buf);
    double back = strtod(buf, NULL);
    bool sci = strchr(buf, 'E') != NULL;
    double ad = fabs(d);
    bool want_sci = ad != 0 && (ad < 1e-3 || ad >= 1e7);
    int digits = 0; /* significant digits: leading zeros do not count */
    for (const char *p = buf; *p && *p != 'E'; p++) digits += (*p >= '1' && *p <= '9') || (digits && *p == '0');
    if (back != d || sci != want_sci || len != strlen(buf) || !strchr(buf, '.') || digits > 17) {
      if (bad++ < 5) fprintf(stderr, "  bad rendering %a -> %s\n", d, buf);
    }
    float f = (float)d;
    if (!isinf(f)) {
      kc_java_format_float(f, buf);
      if (strtof(buf, NULL) != f && bad++ < 5) fprintf(stderr, "  bad float %a -> %s\n", (double)f, buf);
    }
  }
  CHECK(bad == 0);
}

/* ---- String.valueOf --------------------------------------------------------- */

static void test_java_strings(void) {
  CHECK_STR(jstr(NULL), "null");
  kc_value_t *v = kc_value_new_int(KC_TYPE_INT64, INT64_MIN);
  CHECK_STR(jstr(v), "-9223372036854775808");
  kc_value_destroy(v);
  v = kc_value_new_float(KC_TYPE_FLOAT64, 1e10);
  CHECK_STR(jstr(v), "1.0E10");
  kc_value_destroy(v);
  v = kc_value_new_bytes("raw\xff", 4);
  CHECK_STR(jstr(v), "raw\xff");
  kc_value_destroy(v);

  kc_value_t *list = kc_value_new_array();
  kc_value_array_append(list, str("a"));
  kc_value_array_append(list, NULL);
  kc_value_array_append(list, kc_value_new_float(KC_TYPE_FLOAT32, 1.5));
  kc_value_t *inner = kc_value_new_array();
  kc_value_array_append(inner, kc_value_new_bool(false));
  kc_value_array_append(list, inner);
  kc_value_t *map = kc_value_new_map();
  kc_value_map_put_str(map, "k", list);
  kc_value_map_put_str(map, "e", kc_value_new_map());
  CHECK_STR(jstr(map), "{k=[a, null, 1.5, [false]], e={}}");
  kc_value_destroy(map);

  /* Struct inside containers and containers inside Struct */
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_t *ls = kc_schema_new(KC_TYPE_ARRAY);
  ls->value_schema = &kc_schema_int64;
  kc_schema_add_field(s, "a", kc_schema_new(KC_TYPE_INT32));
  kc_schema_add_field(s, "b", &kc_schema_string);
  kc_schema_add_field(s, "l", ls);
  kc_value_t *st = kc_value_new_struct(s);
  kc_value_struct_set(st, "a", kc_value_new_int(KC_TYPE_INT32, 1));
  kc_value_struct_set(st, "b", str("x"));
  kc_value_t *l = kc_value_new_array();
  kc_value_array_append(l, kc_value_new_int(KC_TYPE_INT64, 2));
  kc_value_array_append(l, kc_value_new_int(KC_TYPE_INT64, 3));
  kc_value_struct_set(st, "l", l);
  CHECK_STR(jstr(st), "Struct{a=1,b=x,l=[2, 3]}");
  kc_value_t *wrap = kc_value_new_array();
  kc_value_array_append(wrap, st);
  CHECK_STR(jstr(wrap), "[Struct{a=1,b=x,l=[2, 3]}]");
  kc_value_destroy(wrap);
  kc_schema_decref(s);

  /* appends, never overwrites */
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_buf_puts(&b, ">");
  v = kc_value_new_int(KC_TYPE_INT8, -3);
  CHECK(kc_value_to_java_string(v, &b) == 0);
  CHECK_STR(b.data, ">-3");
  kc_value_destroy(v);
  /* a full buffer reports the error */
  kc_buf_t small;
  kc_buf_init(&small, 4);
  v = str("too long for it");
  CHECK(kc_value_to_java_string(v, &small) == KC_ENOSPC);
  kc_value_destroy(v);
  kc_buf_free(&small);
  kc_buf_free(&b);
}

/* ---- logical types ---------------------------------------------------------- */

static kc_value_t *dec_value(const char *text, int32_t scale) {
  unsigned char *bytes;
  size_t n;
  if (kc_decimal_parse(text, strlen(text), scale, &bytes, &n)) return NULL;
  kc_value_t *v = kc_value_new_bytes(bytes, n);
  free(bytes);
  return v;
}

static void test_decimal(void) {
  static const struct {
    const char *in;
    int32_t scale;
    const char *hex, *str, *plain;
  } cases[] = {
      /* BigDecimal.toString / toPlainString and unscaledValue().toByteArray() as Java gives them */
      {"123.45", 2, "3039", "123.45", "123.45"},
      {"-0.49", 2, "cf", "-0.49", "-0.49"},
      {"128", 0, "0080", "128", "128"},
      {"-128", 0, "80", "-128", "-128"},
      {"-1", 0, "ff", "-1", "-1"},
      {"0", 20, "00", "0E-20", "0.00000000000000000000"},
      {"1e-10", 10, "01", "1E-10", "0.0000000001"},
      {"0.000001", 6, "01", "0.000001", "0.000001"},
      {"12300", -2, "7b", "1.23E+4", "12300"},
      {"1.5", 3, "05dc", "1.500", "1.500"},
      {"99999999999999999999", 0, "056bc75e2d630fffff", "99999999999999999999", "99999999999999999999"},
      {"-18446744073709551616", 0, "ff0000000000000000", "-18446744073709551616", "-18446744073709551616"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    kc_value_t *v = dec_value(cases[i].in, cases[i].scale);
    CHECK(v != NULL);
    if (!v) continue;
    char hex[64] = "";
    for (size_t k = 0; k < v->u.str.len && k < 30; k++)
      sprintf(hex + 2 * k, "%02x", (unsigned char)v->u.str.ptr[k]);
    CHECK_STR(hex, cases[i].hex);
    kc_buf_t b;
    kc_buf_init(&b, 0);
    kc_decimal_format((unsigned char *)v->u.str.ptr, v->u.str.len, cases[i].scale, false, &b);
    CHECK_STR(b.data, cases[i].str);
    kc_buf_reset(&b);
    kc_decimal_format((unsigned char *)v->u.str.ptr, v->u.str.len, cases[i].scale, true, &b);
    CHECK_STR(b.data, cases[i].plain);
    kc_buf_free(&b);
    kc_schema_t *ds = kc_schema_decimal(cases[i].scale);
    CHECK_STR(jstr_s(ds, v), cases[i].str);
    kc_schema_decref(ds);
    kc_value_destroy(v);
  }
  unsigned char *bytes = NULL;
  size_t n;
  CHECK(kc_decimal_parse("1.234", 5, 2, &bytes, &n) == KC_EINVAL); /* digits would be lost */
  CHECK(kc_decimal_parse("1.230", 5, 2, &bytes, &n) == 0 && n == 1 && bytes[0] == 123);
  free(bytes);
  CHECK(kc_decimal_parse("abc", 3, 0, &bytes, &n) == KC_EINVAL);
  CHECK(kc_decimal_parse("1e", 2, 0, &bytes, &n) == KC_EINVAL);
}

static void test_temporal(void) {
  kc_value_t *d = kc_value_new_int(KC_TYPE_INT32, 19737);
  kc_value_t *t = kc_value_new_int(KC_TYPE_INT32, 45045123);
  kc_value_t *ts = kc_value_new_int(KC_TYPE_INT64, 1705321845123);
  kc_value_t *old = kc_value_new_int(KC_TYPE_INT64, -86400001);
  /* java.util.Date.toString in UTC, as printed by a Connect 3.9.1 worker */
  CHECK_STR(jstr_s(kc_schema_logical(KC_LOGICAL_DATE), d), "Mon Jan 15 00:00:00 UTC 2024");
  CHECK_STR(jstr_s(kc_schema_logical(KC_LOGICAL_TIME), t), "Thu Jan 01 12:30:45 UTC 1970");
  CHECK_STR(jstr_s(kc_schema_logical(KC_LOGICAL_TIMESTAMP), ts), "Mon Jan 15 12:30:45 UTC 2024");
  CHECK_STR(jstr_s(kc_schema_logical(KC_LOGICAL_TIMESTAMP), old), "Tue Dec 30 23:59:59 UTC 1969");
  CHECK_STR(jstr(ts), "1705321845123"); /* no schema: the number */
  CHECK(kc_schema_logical("x.y") == NULL);
  kc_value_destroy(d);
  kc_value_destroy(t);
  kc_value_destroy(ts);
  kc_value_destroy(old);
}

int main(void) {
  kc_test_run("constructors", test_constructors);
  kc_test_run("array_and_map", test_array_and_map);
  kc_test_run("struct", test_struct);
  kc_test_run("copy_equal", test_copy_equal);
  kc_test_run("schema", test_schema);
  kc_test_run("double_to_string", test_double_to_string);
  kc_test_run("double_roundtrip_random", test_double_roundtrip_random);
  kc_test_run("java_strings", test_java_strings);
  kc_test_run("decimal", test_decimal);
  kc_test_run("temporal", test_temporal);
  return kc_test_done();
}
