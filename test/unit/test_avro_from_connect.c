/*
 * AvroData Connect -> Avro (avro_from_connect.c): the schema text Confluent 7.9.9 would register
 * for Connect schemas built here, and the Avro binary of values. Expected texts follow
 * AvroData.fromConnectSchema's addProp order and Avro Java's Schema.toString(); the expected
 * bytes were decoded with Python fastavro against the same schema text while writing this test.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "convert/avro_data.h"
#include "convert/converter.h"
#include "kc_test.h"

static kc_avro_data_t *ad_default(void) { return kc_avro_data_new(NULL); }

static char errbuf[512];

/* The schema text of @p s (NULL on error, errbuf set). */
static const char *text_of(kc_avro_data_t *ad, const kc_schema_t *s) {
  static char out[4][8192];
  static int n;
  char *o = out[n++ % 4];
  kc_avro_schema_t *as;
  errbuf[0] = 0;
  if (kc_avro_schema_from_connect(ad, s, &as, errbuf, sizeof errbuf)) return NULL;
  snprintf(o, 8192, "%s", as->text);
  kc_avro_schema_decref(as);
  return o;
}

/* Hex of the datum of @p v, or "ERR:<message>". */
static const char *hex_of(kc_avro_data_t *ad, const kc_schema_t *s, const kc_value_t *v) {
  static char out[4][4096];
  static int n;
  char *o = out[n++ % 4];
  kc_avro_schema_t *as;
  kc_buf_t b;
  kc_buf_init(&b, 0);
  errbuf[0] = 0;
  int rc = kc_avro_schema_from_connect(ad, s, &as, errbuf, sizeof errbuf);
  if (!rc) {
    rc = kc_avro_encode(ad, as, s, v, &b, errbuf, sizeof errbuf);
    if (getenv("KC_AVRO_DUMP")) fprintf(stderr, "DUMP %s\n", as->text);
    kc_avro_schema_decref(as);
  }
  if (rc) {
    snprintf(o, 4096, "ERR:%s", errbuf);
  } else {
    for (size_t i = 0; i < b.len && 2 * i + 2 < 4096; i++)
      sprintf(o + 2 * i, "%02x", (unsigned char)b.data[i]);
    if (!b.len) o[0] = 0;
    if (getenv("KC_AVRO_DUMP")) fprintf(stderr, "HEX %s\n", o);
  }
  kc_buf_free(&b);
  return o;
}

static kc_value_t *str(const char *s) { return kc_value_new_string(s, strlen(s)); }
static kc_schema_t *opt(kc_schema_t *s) {
  s->optional = true;
  return s;
}
static kc_schema_t *prim(kc_type_t t) { return kc_schema_new(t); }
static kc_schema_t *logical(kc_type_t t, const char *name) {
  kc_schema_t *s = kc_schema_new(t);
  kc_schema_set_name(s, name);
  s->has_version = true;
  s->version = 1;
  return s;
}

static void test_primitives(void) {
  kc_avro_data_t *ad = ad_default();
  kc_schema_t *s = prim(KC_TYPE_INT32);
  CHECK_STR(text_of(ad, s), "\"int\"");
  kc_value_t *v = kc_value_new_int(KC_TYPE_INT32, -3);
  CHECK_STR(hex_of(ad, s, v), "05"); /* zigzag(-3) = 5 */
  kc_value_destroy(v);
  kc_schema_decref(s);
  CHECK_STR(text_of(ad, &kc_schema_optional_string), "[\"null\",\"string\"]");
  v = str("hi");
  CHECK_STR(hex_of(ad, &kc_schema_optional_string, v), "02046869");
  CHECK_STR(hex_of(ad, &kc_schema_optional_string, NULL), "00");
  CHECK_STR(hex_of(ad, &kc_schema_string, NULL), "ERR:Found null value for non-optional schema");
  kc_value_destroy(v);
  s = prim(KC_TYPE_INT8);
  CHECK_STR(text_of(ad, s), "{\"type\":\"int\",\"connect.type\":\"int8\"}");
  v = kc_value_new_int(KC_TYPE_INT8, -1);
  CHECK_STR(hex_of(ad, s, v), "01");
  kc_value_destroy(v);
  v = kc_value_new_int(KC_TYPE_INT32, 1);
  CHECK_STR(hex_of(ad, s, v), "ERR:Invalid type for INT8: class java.lang.Integer");
  kc_value_destroy(v);
  kc_schema_decref(s);
  s = prim(KC_TYPE_INT16);
  CHECK_STR(text_of(ad, s), "{\"type\":\"int\",\"connect.type\":\"int16\"}");
  kc_schema_decref(s);
  s = prim(KC_TYPE_FLOAT64);
  v = kc_value_new_float(KC_TYPE_FLOAT64, 1.5);
  CHECK_STR(text_of(ad, s), "\"double\"");
  CHECK_STR(hex_of(ad, s, v), "000000000000f83f");
  kc_value_destroy(v);
  kc_schema_decref(s);
  s = prim(KC_TYPE_BOOLEAN);
  s->doc = strdup("flag");
  CHECK_STR(text_of(ad, s), "{\"type\":\"boolean\",\"connect.doc\":\"flag\"}");
  kc_schema_decref(s);
  kc_avro_data_destroy(ad);
}

static void test_logical(void) {
  kc_avro_data_t *ad = ad_default();
  kc_schema_t *d = kc_schema_decimal(2);
  CHECK_STR(text_of(ad, d),
            "{\"type\":\"bytes\",\"scale\":2,\"precision\":64,\"connect.version\":1,"
            "\"connect.parameters\":{\"scale\":\"2\"},"
            "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}");
  /* 0x00 0x7b is not minimal: BigInteger.toByteArray gives 7b */
  kc_value_t *v = kc_value_new_bytes("\x00\x7b", 2);
  CHECK_STR(hex_of(ad, d, v), "027b");
  kc_value_destroy(v);
  v = str("1.23");
  CHECK_STR(hex_of(ad, d, v),
            "ERR:Invalid type for Decimal, expected BigDecimal but was class java.lang.String");
  kc_value_destroy(v);
  kc_schema_decref(d);
  /* an explicit precision: the same props (the legacy logicalType is an equal no-op) */
  d = kc_schema_decimal(3);
  kc_schema_set_param(d, "connect.decimal.precision", "10");
  CHECK_STR(text_of(ad, d),
            "{\"type\":\"bytes\",\"scale\":3,\"precision\":10,\"connect.version\":1,"
            "\"connect.parameters\":{\"scale\":\"3\",\"connect.decimal.precision\":\"10\"},"
            "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}");
  kc_schema_decref(d);
  /* scale > precision: legacy path, no precision/scale from addToSchema, only logicalType */
  d = kc_schema_decimal(5);
  kc_schema_set_param(d, "connect.decimal.precision", "3");
  CHECK_STR(text_of(ad, d),
            "{\"type\":\"bytes\",\"scale\":5,\"precision\":3,\"connect.version\":1,"
            "\"connect.parameters\":{\"scale\":\"5\",\"connect.decimal.precision\":\"3\"},"
            "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\",\"logicalType\":\"decimal\"}");
  kc_schema_decref(d);
  CHECK_STR(text_of(ad, kc_schema_logical(KC_LOGICAL_TIMESTAMP)),
            "{\"type\":\"long\",\"connect.version\":1,"
            "\"connect.name\":\"org.apache.kafka.connect.data.Timestamp\","
            "\"logicalType\":\"timestamp-millis\"}");
  CHECK_STR(text_of(ad, kc_schema_logical(KC_LOGICAL_DATE)),
            "{\"type\":\"int\",\"connect.version\":1,"
            "\"connect.name\":\"org.apache.kafka.connect.data.Date\",\"logicalType\":\"date\"}");
  CHECK_STR(text_of(ad, kc_schema_logical(KC_LOGICAL_TIME)),
            "{\"type\":\"int\",\"connect.version\":1,"
            "\"connect.name\":\"org.apache.kafka.connect.data.Time\",\"logicalType\":\"time-millis\"}");
  v = kc_value_new_int(KC_TYPE_INT32, 19000);
  CHECK_STR(hex_of(ad, kc_schema_logical(KC_LOGICAL_DATE), v), "f0a802");
  kc_value_destroy(v);
  v = str("x");
  CHECK_STR(hex_of(ad, kc_schema_logical(KC_LOGICAL_TIMESTAMP), v),
            "ERR:Invalid type for Timestamp, expected Date but was class java.lang.String");
  kc_value_destroy(v);
  kc_avro_data_destroy(ad);
  /* connect.meta.data=false keeps only what Avro itself needs */
  kc_avro_data_config_t cfg;
  kc_avro_data_config_default(&cfg);
  cfg.connect_meta_data = false;
  ad = kc_avro_data_new(&cfg);
  CHECK_STR(text_of(ad, kc_schema_logical(KC_LOGICAL_TIMESTAMP)),
            "{\"type\":\"long\",\"logicalType\":\"timestamp-millis\"}");
  kc_schema_t *i8 = prim(KC_TYPE_INT8);
  CHECK_STR(text_of(ad, i8), "\"int\"");
  kc_schema_decref(i8);
  kc_avro_data_destroy(ad);
}

/* The loghub-like record: optional strings, a Timestamp, an optional Decimal(2). */
static kc_schema_t *loghub_schema(void) {
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_set_name(s, "com.example.LogLine");
  kc_schema_add_field(s, "host", opt(prim(KC_TYPE_STRING)));
  kc_schema_add_field(s, "component", opt(prim(KC_TYPE_STRING)));
  kc_schema_add_field(s, "message", opt(prim(KC_TYPE_STRING)));
  kc_schema_add_field(s, "ts", logical(KC_TYPE_INT64, KC_LOGICAL_TIMESTAMP));
  kc_schema_add_field(s, "amount", opt(kc_schema_decimal(2)));
  kc_schema_add_field(s, "line", prim(KC_TYPE_INT64));
  return s;
}
static kc_value_t *loghub_value(kc_schema_t *s, int64_t line) {
  kc_value_t *v = kc_value_new_struct(s);
  kc_value_struct_set(v, "host", str("node-17"));
  kc_value_struct_set(v, "message", str("PacketResponder 1 for block blk_38865049064139660 terminating"));
  kc_value_struct_set(v, "ts", kc_value_new_int(KC_TYPE_INT64, INT64_C(1700000000123)));
  kc_value_struct_set(v, "amount", kc_value_new_bytes("\x30\x39", 2)); /* 123.45 */
  kc_value_struct_set(v, "line", kc_value_new_int(KC_TYPE_INT64, line));
  return v;
}

static void test_loghub(void) {
  kc_avro_data_t *ad = ad_default();
  kc_schema_t *s = loghub_schema();
  CHECK_STR(text_of(ad, s),
            "{\"type\":\"record\",\"name\":\"LogLine\",\"namespace\":\"com.example\",\"fields\":["
            "{\"name\":\"host\",\"type\":[\"null\",\"string\"],\"default\":null},"
            "{\"name\":\"component\",\"type\":[\"null\",\"string\"],\"default\":null},"
            "{\"name\":\"message\",\"type\":[\"null\",\"string\"],\"default\":null},"
            "{\"name\":\"ts\",\"type\":{\"type\":\"long\",\"connect.version\":1,"
            "\"connect.name\":\"org.apache.kafka.connect.data.Timestamp\","
            "\"logicalType\":\"timestamp-millis\"}},"
            "{\"name\":\"amount\",\"type\":[\"null\",{\"type\":\"bytes\",\"scale\":2,"
            "\"precision\":64,\"connect.version\":1,\"connect.parameters\":{\"scale\":\"2\"},"
            "\"connect.name\":\"org.apache.kafka.connect.data.Decimal\","
            "\"logicalType\":\"decimal\"}],\"default\":null},"
            "{\"name\":\"line\",\"type\":\"long\"}],"
            "\"connect.name\":\"com.example.LogLine\"}");
  kc_value_t *v = loghub_value(s, 42);
  CHECK_STR(hex_of(ad, s, v), /* host "node-17", component null, message, ts, amount 123.45, line 42 */
            "020e6e6f64652d313700027a5061636b6574526573706f6e646572203120666f7220626c6f636b"
            "20626c6b5f3338383635303439303634313339363630207465726d696e6174696e67f6a1abfef962"
            "0204303954");
  kc_value_destroy(v);

  /* ns/record: the same schema object and the same scratch value, reused */
  kc_avro_schema_t *as;
  CHECK(kc_avro_schema_from_connect(ad, s, &as, errbuf, sizeof errbuf) == 0);
  kc_buf_t b;
  kc_buf_init(&b, 0);
  enum { N = 200000 };
  kc_value_t *vals[16];
  for (int i = 0; i < 16; i++) vals[i] = loghub_value(s, i);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int bad = 0;
  for (int i = 0; i < N; i++) {
    kc_buf_reset(&b);
    bad |= kc_avro_encode(ad, as, s, vals[i & 15], &b, errbuf, sizeof errbuf);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  CHECK(bad == 0 && b.len > 80);
  double ns = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / N;
  printf("loghub-like record: %.0f ns/record (%zu bytes)\n", ns, b.len);
  for (int i = 0; i < 16; i++) kc_value_destroy(vals[i]);
  kc_buf_free(&b);
  kc_avro_schema_decref(as);

  /* a datum larger than the buffer's spare room (the sized second write), and a buffer limit */
  v = loghub_value(s, 7);
  char big[6000];
  memset(big, 'z', sizeof big - 1);
  big[sizeof big - 1] = 0;
  kc_value_struct_set(v, "component", str(big));
  CHECK(kc_avro_schema_from_connect(ad, s, &as, errbuf, sizeof errbuf) == 0);
  kc_buf_init(&b, 0);
  kc_buf_append(&b, "\x00\x00\x00\x00\x01", 5); /* appended after what is there */
  CHECK(kc_avro_encode(ad, as, s, v, &b, errbuf, sizeof errbuf) == 0);
  CHECK(b.len == 5 + 84 + 5999 + 2 && b.data[0] == 0 && b.data[4] == 1 &&
        (unsigned char)b.data[5] == 0x02 && b.data[b.len - 1] == 0x0e);
  kc_buf_free(&b);
  kc_buf_init(&b, 50);
  CHECK(kc_avro_encode(ad, as, s, v, &b, errbuf, sizeof errbuf) == KC_ENOSPC);
  kc_buf_free(&b);
  kc_avro_schema_decref(as);
  kc_value_destroy(v);

  /* errors: a required field left null, a field of the wrong type */
  v = kc_value_new_struct(s);
  CHECK_STR(hex_of(ad, s, v), "ERR:Found null value for non-optional schema");
  kc_value_struct_set(v, "ts", kc_value_new_int(KC_TYPE_INT64, 1));
  CHECK_STR(hex_of(ad, s, v), "ERR:Found null value for non-optional schema");
  kc_value_struct_set(v, "line", kc_value_new_int(KC_TYPE_INT64, 1));
  CHECK_STR(hex_of(ad, s, v), "000000020002");
  kc_value_destroy(v);
  kc_schema_t *other = loghub_schema();
  kc_schema_set_doc(other, "other");
  v = loghub_value(other, 1);
  CHECK_STR(hex_of(ad, s, v), "ERR:Mismatching struct schema");
  kc_value_destroy(v);
  kc_schema_decref(other);
  kc_schema_decref(s);
  kc_avro_data_destroy(ad);
}

/* Unnamed structs: ConnectDefault, then ConnectDefault2... depth first; an equal schema reuses
 * the Avro record (FromConnectContext.schemaMap) and Avro prints it by name the second time. */
static kc_schema_t *inner_xy(bool optional) {
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_add_field(s, "x", prim(KC_TYPE_INT32));
  s->optional = optional;
  return s;
}
static void test_names(void) {
  kc_avro_data_t *ad = ad_default();
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_add_field(s, "a", inner_xy(false));
  kc_schema_add_field(s, "b", inner_xy(true));
  kc_schema_t *c = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_add_field(c, "y", prim(KC_TYPE_STRING));
  kc_schema_set_name(c, "Plain"); /* no namespace inside a namespaced record: "namespace":"" */
  kc_schema_add_field(s, "c", c);
  kc_schema_t *d = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_add_field(d, "z", opt(prim(KC_TYPE_BOOLEAN)));
  kc_schema_add_field(s, "d", d);
  CHECK_STR(text_of(ad, s),
            "{\"type\":\"record\",\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent.connect.avro\","
            "\"fields\":[{\"name\":\"a\",\"type\":{\"type\":\"record\",\"name\":\"ConnectDefault2\","
            "\"fields\":[{\"name\":\"x\",\"type\":\"int\"}]}},"
            "{\"name\":\"b\",\"type\":[\"null\",\"ConnectDefault2\"],\"default\":null},"
            "{\"name\":\"c\",\"type\":{\"type\":\"record\",\"name\":\"Plain\",\"namespace\":\"\","
            "\"fields\":[{\"name\":\"y\",\"type\":\"string\"}],\"connect.name\":\"Plain\"}},"
            "{\"name\":\"d\",\"type\":{\"type\":\"record\",\"name\":\"ConnectDefault3\","
            "\"fields\":[{\"name\":\"z\",\"type\":[\"null\",\"boolean\"],\"default\":null}]}}]}");
  kc_schema_decref(s);

  /* invalid names: Avro rejects them; scrub.invalid.names rewrites them */
  s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_set_name(s, "my-ns.my-rec");
  kc_schema_add_field(s, "a-b", prim(KC_TYPE_INT32));
  kc_schema_add_field(s, "1x", prim(KC_TYPE_INT32));
  CHECK(text_of(ad, s) == NULL);
  CHECK_STR(errbuf, "Illegal character in: my-rec");
  kc_avro_data_destroy(ad);
  kc_avro_data_config_t cfg;
  kc_avro_data_config_default(&cfg);
  cfg.scrub_invalid_names = true;
  ad = kc_avro_data_new(&cfg);
  CHECK_STR(text_of(ad, s),
            "{\"type\":\"record\",\"name\":\"my_rec\",\"namespace\":\"my_ns\",\"fields\":["
            "{\"name\":\"a_b\",\"type\":\"int\"},{\"name\":\"x1x\",\"type\":\"int\"}],"
            "\"connect.name\":\"my-ns.my-rec\"}");
  kc_schema_decref(s);
  kc_avro_data_destroy(ad);
}

static void test_defaults(void) {
  kc_avro_data_t *ad = ad_default();
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_set_name(s, "D");
  kc_schema_t *lvl = opt(prim(KC_TYPE_STRING));
  lvl->default_value = str("INFO");
  kc_schema_add_field(s, "level", lvl);
  kc_schema_t *n = prim(KC_TYPE_INT64);
  n->default_value = kc_value_new_int(KC_TYPE_INT64, 5);
  kc_schema_add_field(s, "n", n);
  kc_schema_t *f = prim(KC_TYPE_FLOAT32);
  f->default_value = kc_value_new_float(KC_TYPE_FLOAT32, 0.1);
  kc_schema_add_field(s, "f", f);
  kc_schema_t *by = prim(KC_TYPE_BYTES);
  by->default_value = kc_value_new_bytes("\x01\xff", 2);
  kc_schema_add_field(s, "by", by);
  kc_schema_t *m = kc_schema_new(KC_TYPE_MAP); /* a MapEntry default is not a valid Avro default */
  m->key_schema = prim(KC_TYPE_INT32);
  m->value_schema = prim(KC_TYPE_INT32);
  m->default_value = kc_value_new_map();
  kc_value_map_put(m->default_value, kc_value_new_int(KC_TYPE_INT32, 1),
                   kc_value_new_int(KC_TYPE_INT32, 2));
  kc_schema_add_field(s, "m", m);
  /* the float default: connect.default keeps the FloatNode, the field default went through
   * JacksonUtils.toObject and is the widened double */
  CHECK_STR(text_of(ad, s),
            "{\"type\":\"record\",\"name\":\"D\",\"fields\":["
            "{\"name\":\"level\",\"type\":[{\"type\":\"string\",\"connect.default\":\"INFO\"},"
            "\"null\"],\"default\":\"INFO\"},"
            "{\"name\":\"n\",\"type\":{\"type\":\"long\",\"connect.default\":5},\"default\":5},"
            "{\"name\":\"f\",\"type\":{\"type\":\"float\",\"connect.default\":0.1},"
            "\"default\":0.10000000149011612},"
            "{\"name\":\"by\",\"type\":{\"type\":\"bytes\",\"connect.default\":\"\\u0001\xc3\xbf\"},"
            "\"default\":\"\\u0001\xc3\xbf\"},"
            "{\"name\":\"m\",\"type\":{\"type\":\"array\",\"items\":{\"type\":\"record\","
            "\"name\":\"MapEntry\",\"namespace\":\"io.confluent.connect.avro\",\"fields\":["
            "{\"name\":\"key\",\"type\":\"int\"},{\"name\":\"value\",\"type\":\"int\"}]},"
            "\"connect.default\":[[1,2]]}}],\"connect.name\":\"D\"}");
  /* unset fields take the defaults (Struct.get): level "INFO" is branch 0 here */
  kc_value_t *v = kc_value_new_struct(s);
  CHECK_STR(hex_of(ad, s, v), "0008494e464f0acdcccc3d0401ff02020400");
  kc_value_destroy(v);
  kc_schema_decref(s);
  /* An optional struct with a default: the union is always null first (the STRUCT case builds it,
   * not maybeMakeOptional), so the object default does not fit its first branch and the field gets
   * none; the record itself (nonOptional keeps the default) carries connect.default. */
  s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_set_name(s, "O");
  kc_schema_t *in = inner_xy(true), *twin = inner_xy(true); /* twin: no refcount cycle */
  in->default_value = kc_value_new_struct(twin);
  kc_schema_decref(twin);
  kc_value_struct_set(in->default_value, "x", kc_value_new_int(KC_TYPE_INT32, 1));
  kc_schema_add_field(s, "s", in);
  CHECK_STR(text_of(ad, s),
            "{\"type\":\"record\",\"name\":\"O\",\"fields\":[{\"name\":\"s\",\"type\":[\"null\","
            "{\"type\":\"record\",\"name\":\"ConnectDefault\",\"namespace\":\"io.confluent.connect.avro\","
            "\"fields\":[{\"name\":\"x\",\"type\":\"int\"}],\"connect.default\":{\"x\":1}}]}],"
            "\"connect.name\":\"O\"}");
  /* unset, Struct.get gives the default, whose schema (the twin, without a default) is not the
   * field's: AvroData's equals check refuses it as Java's would */
  v = kc_value_new_struct(s);
  CHECK_STR(hex_of(ad, s, v), "ERR:Mismatching struct schema");
  kc_value_t *iv = kc_value_new_struct(in);
  kc_value_struct_set(iv, "x", kc_value_new_int(KC_TYPE_INT32, 1));
  kc_value_struct_set(v, "s", iv);
  CHECK_STR(hex_of(ad, s, v), "0202"); /* branch 1, x = 1 */
  kc_value_destroy(v);
  kc_schema_decref(s);
  kc_avro_data_destroy(ad);
}

static void test_maps_arrays(void) {
  kc_avro_data_t *ad = ad_default();
  kc_schema_t *sm = kc_schema_new(KC_TYPE_MAP);
  sm->key_schema = prim(KC_TYPE_STRING);
  sm->value_schema = prim(KC_TYPE_INT32);
  CHECK_STR(text_of(ad, sm), "{\"type\":\"map\",\"values\":\"int\"}");
  kc_value_t *v = kc_value_new_map();
  kc_value_map_put_str(v, "a", kc_value_new_int(KC_TYPE_INT32, 1));
  CHECK_STR(hex_of(ad, sm, v), "0202610200");
  kc_value_destroy(v);
  kc_schema_t *em = kc_schema_new(KC_TYPE_MAP);
  em->key_schema = opt(prim(KC_TYPE_INT32));
  em->value_schema = prim(KC_TYPE_STRING);
  kc_schema_set_name(em, "com.x.M");
  CHECK_STR(text_of(ad, em),
            "{\"type\":\"array\",\"items\":{\"type\":\"record\",\"name\":\"M\",\"namespace\":\"com.x\","
            "\"fields\":[{\"name\":\"key\",\"type\":[\"null\",\"int\"],\"default\":null},"
            "{\"name\":\"value\",\"type\":\"string\"}],\"connect.internal.type\":\"MapEntry\"},"
            "\"connect.name\":\"com.x.M\"}");
  v = kc_value_new_map();
  kc_value_map_put(v, kc_value_new_int(KC_TYPE_INT32, 7), str("q"));
  kc_value_map_put(v, NULL, str("n"));
  CHECK_STR(hex_of(ad, em, v), "04020e027100026e00");
  kc_value_destroy(v);
  /* two different unnamed MapEntry records in one schema: Avro's toString refuses */
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_t *m1 = kc_schema_new(KC_TYPE_MAP), *m2 = kc_schema_new(KC_TYPE_MAP);
  m1->key_schema = prim(KC_TYPE_INT32), m1->value_schema = prim(KC_TYPE_INT32);
  m2->key_schema = prim(KC_TYPE_INT64), m2->value_schema = prim(KC_TYPE_INT32);
  kc_schema_add_field(s, "m1", m1);
  kc_schema_add_field(s, "m2", m2);
  CHECK(text_of(ad, s) == NULL);
  CHECK_STR(errbuf, "Can't redefine: io.confluent.connect.avro.MapEntry");
  kc_schema_decref(s);
  kc_schema_t *arr = kc_schema_new(KC_TYPE_ARRAY);
  arr->value_schema = opt(prim(KC_TYPE_STRING));
  CHECK_STR(text_of(ad, arr), "{\"type\":\"array\",\"items\":[\"null\",\"string\"]}");
  v = kc_value_new_array();
  kc_value_array_append(v, str("a"));
  kc_value_array_append(v, NULL);
  CHECK_STR(hex_of(ad, arr, v), "0402026100" "00");
  kc_value_destroy(v);
  kc_schema_decref(arr);
  kc_schema_decref(sm);
  kc_schema_decref(em);
  kc_avro_data_destroy(ad);
}

static void test_union_enum_fixed(void) {
  kc_avro_data_config_t cfg;
  kc_avro_data_config_default(&cfg);
  cfg.enhanced_avro_schema_support = true;
  kc_avro_data_t *ad = kc_avro_data_new(&cfg);
  kc_schema_t *u = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_set_name(u, "io.confluent.connect.avro.Union");
  kc_schema_add_field(u, "int", opt(prim(KC_TYPE_INT32)));
  kc_schema_add_field(u, "string", opt(prim(KC_TYPE_STRING)));
  CHECK_STR(text_of(ad, u), "[\"int\",\"string\"]");
  kc_value_t *v = kc_value_new_struct(u);
  kc_value_struct_set(v, "string", str("s"));
  CHECK_STR(hex_of(ad, u, v), "020273");
  kc_value_destroy(v);
  v = kc_value_new_struct(u);
  CHECK_STR(hex_of(ad, u, v), "ERR:Found null value for non-optional schema");
  kc_value_destroy(v);
  kc_schema_t *e = prim(KC_TYPE_STRING);
  kc_schema_set_name(e, "com.x.Color");
  kc_schema_set_param(e, "io.confluent.connect.avro.Enum", "com.x.Color");
  kc_schema_set_param(e, "io.confluent.connect.avro.Enum.RED", "0");
  kc_schema_set_param(e, "io.confluent.connect.avro.Enum.GREEN", "1");
  CHECK_STR(text_of(ad, e),
            "{\"type\":\"enum\",\"name\":\"Color\",\"namespace\":\"com.x\",\"symbols\":[\"RED\",\"GREEN\"],"
            "\"connect.parameters\":{\"io.confluent.connect.avro.Enum\":\"com.x.Color\","
            "\"io.confluent.connect.avro.Enum.RED\":\"0\",\"io.confluent.connect.avro.Enum.GREEN\":\"1\"},"
            "\"connect.name\":\"com.x.Color\"}");
  v = str("GREEN");
  CHECK_STR(hex_of(ad, e, v), "02");
  kc_value_destroy(v);
  v = str("BLUE");
  CHECK_PREFIX(hex_of(ad, e, v), "ERR:enum value 'BLUE' is not in the enum symbol set");
  kc_value_destroy(v);
  kc_schema_t *fx = prim(KC_TYPE_BYTES);
  kc_schema_set_name(fx, "com.x.F");
  kc_schema_set_param(fx, "connect.fixed.size", "2");
  CHECK_STR(text_of(ad, fx),
            "{\"type\":\"fixed\",\"name\":\"F\",\"namespace\":\"com.x\",\"size\":2,"
            "\"connect.parameters\":{\"connect.fixed.size\":\"2\"},\"connect.name\":\"com.x.F\"}");
  v = kc_value_new_bytes("ab", 2);
  CHECK_STR(hex_of(ad, fx, v), "6162");
  kc_value_destroy(v);
  kc_avro_data_destroy(ad);
  ad = ad_default(); /* without enhanced support an enum stays a string */
  CHECK_STR(text_of(ad, e),
            "{\"type\":\"string\",\"connect.parameters\":{\"io.confluent.connect.avro.Enum\":"
            "\"com.x.Color\",\"io.confluent.connect.avro.Enum.RED\":\"0\","
            "\"io.confluent.connect.avro.Enum.GREEN\":\"1\"},\"connect.name\":\"com.x.Color\"}");
  kc_schema_decref(e);
  kc_schema_decref(fx);
  kc_schema_decref(u);
  kc_avro_data_destroy(ad);
}

/* Docs, versions and parameters: record doc and field docs from the io.confluent.connect.avro.*
 * parameters, connect.doc/version/parameters/name on the type, "avro*" parameters copied as props
 * last; an optional Union struct field is one union with null first; a Decimal default is the
 * minimal unscaled bytes as ISO-8859-1 text. */
static void test_docs_params(void) {
  kc_avro_data_t *ad = ad_default();
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_set_name(s, "R");
  kc_schema_set_doc(s, "d");
  s->has_version = true;
  s->version = 3;
  kc_schema_set_param(s, "io.confluent.connect.avro.record.doc", "rec doc");
  kc_schema_set_param(s, "io.confluent.connect.avro.field.doc.a", "field a doc");
  kc_schema_set_param(s, "avro.java.string", "String");
  kc_schema_add_field(s, "a", prim(KC_TYPE_INT32));
  kc_schema_t *u = opt(kc_schema_new(KC_TYPE_STRUCT));
  kc_schema_set_name(u, "io.confluent.connect.avro.Union");
  kc_schema_add_field(u, "int", opt(prim(KC_TYPE_INT32)));
  kc_schema_add_field(u, "string", opt(prim(KC_TYPE_STRING)));
  kc_schema_add_field(s, "u", u);
  kc_schema_t *dec = kc_schema_decimal(1);
  dec->default_value = kc_value_new_bytes("\xff\xff\x85", 3); /* -12.3 */
  kc_schema_add_field(s, "dec", dec);
  CHECK_STR(text_of(ad, s),
            "{\"type\":\"record\",\"name\":\"R\",\"doc\":\"rec doc\",\"fields\":["
            "{\"name\":\"a\",\"type\":\"int\",\"doc\":\"field a doc\"},"
            "{\"name\":\"u\",\"type\":[\"null\",\"int\",\"string\"],\"default\":null},"
            "{\"name\":\"dec\",\"type\":{\"type\":\"bytes\",\"scale\":1,\"precision\":64,"
            "\"connect.version\":1,\"connect.parameters\":{\"scale\":\"1\"},"
            "\"connect.default\":\"\xc2\x85\",\"connect.name\":\"org.apache.kafka.connect.data.Decimal\","
            "\"logicalType\":\"decimal\"},\"default\":\"\xc2\x85\"}],"
            "\"connect.doc\":\"d\",\"connect.version\":3,\"connect.parameters\":{"
            "\"io.confluent.connect.avro.record.doc\":\"rec doc\","
            "\"io.confluent.connect.avro.field.doc.a\":\"field a doc\",\"avro.java.string\":\"String\"},"
            "\"connect.name\":\"R\",\"avro.java.string\":\"String\"}");
  kc_value_t *v = kc_value_new_struct(s);
  kc_value_struct_set(v, "a", kc_value_new_int(KC_TYPE_INT32, 1));
  kc_value_t *uv = kc_value_new_struct(u);
  kc_value_struct_set(uv, "int", kc_value_new_int(KC_TYPE_INT32, 2));
  kc_value_struct_set(v, "u", uv);
  /* a=1, u: branch 1 (int) 2, dec: the default's minimal bytes 85 */
  CHECK_STR(hex_of(ad, s, v), "0202040285");
  kc_value_struct_set(v, "u", NULL);
  CHECK_STR(hex_of(ad, s, v), "02000285");
  kc_value_destroy(v);
  kc_schema_decref(s);
  kc_avro_data_destroy(ad);
  /* discard.type.doc.default: the Connect doc is the field doc, record doc from connect.record.doc */
  kc_avro_data_config_t cfg;
  kc_avro_data_config_default(&cfg);
  cfg.discard_type_doc_default = true;
  ad = kc_avro_data_new(&cfg);
  s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_set_name(s, "R");
  kc_schema_set_param(s, "connect.record.doc", "rd");
  kc_schema_t *f = prim(KC_TYPE_STRING);
  kc_schema_set_doc(f, "fd");
  kc_schema_add_field(s, "f", f);
  CHECK_STR(text_of(ad, s),
            "{\"type\":\"record\",\"name\":\"R\",\"doc\":\"rd\",\"fields\":[{\"name\":\"f\","
            "\"type\":{\"type\":\"string\",\"connect.doc\":\"fd\"},\"doc\":\"fd\"}],"
            "\"connect.parameters\":{\"connect.record.doc\":\"rd\"},\"connect.name\":\"R\"}");
  kc_schema_decref(s);
  kc_avro_data_destroy(ad);
}

static void test_schemaless_and_cache(void) {
  kc_avro_data_t *ad = ad_default();
  const char *t = text_of(ad, NULL);
  CHECK_PREFIX(t, "{\"type\":\"record\",\"name\":\"Anything\",\"namespace\":\"io.confluent.connect.avro\"");
  kc_value_t *v = str("hi");
  CHECK_STR(hex_of(ad, NULL, v), "000000000000020468690000");
  kc_value_destroy(v);
  v = kc_value_new_map(); /* {"k": [1]} as Anything{map=[MapEntry{key={string}, value={array}}]} */
  kc_value_t *a = kc_value_new_array();
  kc_value_array_append(a, kc_value_new_int(KC_TYPE_INT64, 1));
  kc_value_map_put_str(v, "k", a);
  CHECK_STR(hex_of(ad, NULL, v), /* map = [ {key = {string "k"}, value = {array = [ {long 1} ]}} ] */
            "0000000000000000020200000000000002026b000000000000000000020200000000000202000000"
            "000000");
  kc_value_destroy(v);
  v = kc_value_new_bytes("x", 1);
  CHECK_STR(hex_of(ad, NULL, v), "ERR:Unknown Java type for schemaless data: class [B");
  kc_value_destroy(v);
  /* the cache: same pointer, then an equal schema, give the same object */
  kc_schema_t *s1 = loghub_schema(), *s2 = loghub_schema();
  kc_avro_schema_t *x, *y, *z;
  CHECK(kc_avro_schema_from_connect(ad, s1, &x, errbuf, sizeof errbuf) == 0);
  CHECK(kc_avro_schema_from_connect(ad, s1, &y, errbuf, sizeof errbuf) == 0);
  CHECK(kc_avro_schema_from_connect(ad, s2, &z, errbuf, sizeof errbuf) == 0);
  CHECK(x == y && y == z && x->connect == s1 && x->full_name &&
        !strcmp(x->full_name, "com.example.LogLine"));
  kc_avro_schema_decref(x);
  kc_avro_schema_decref(y);
  kc_avro_schema_decref(z);
  kc_schema_decref(s1);
  kc_schema_decref(s2);
  kc_avro_data_destroy(ad);
}

int main(void) {
  kc_test_run("primitives", test_primitives);
  kc_test_run("logical", test_logical);
  kc_test_run("loghub", test_loghub);
  kc_test_run("names", test_names);
  kc_test_run("defaults", test_defaults);
  kc_test_run("maps_arrays", test_maps_arrays);
  kc_test_run("union_enum_fixed", test_union_enum_fixed);
  kc_test_run("docs_params", test_docs_params);
  kc_test_run("schemaless_and_cache", test_schemaless_and_cache);
  return kc_test_done();
}
