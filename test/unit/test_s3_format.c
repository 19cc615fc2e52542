/*
 * S3 sink output bytes: formats (connectors/s3/format.c), streaming gzip
 * (gzip_stream.c) and object keys (object_key.c).
 *
 *  - JsonFormat: the rows of all ten loghub CSVs, sent as JSON and read back
 *    by the runtime's JsonConverter, make one object; its bytes must equal
 *    what Confluent's JsonRecordWriterProvider writes for the same messages:
 *    Kafka 3.9.1's JsonConverter and Jackson run in Java from the jars
 *    tools/kafka-local caches (maps come out in java.util.HashMap order, not
 *    as sent). Without the jars the order is checked against a Python model
 *    of HashMap instead. Hand-made records cover colliding hashes, resizes,
 *    non-ASCII keys, nested maps, and with schemas a Struct's map field and
 *    maps keyed by numbers and booleans (Jackson writes those as objects).
 *  - ByteArrayFormat: the raw loghub .log lines as BYTES values with the
 *    separator "\r\n" rebuild the original files byte for byte.
 *  - gzip: those objects compressed in random chunks decompress (zlib and
 *    Python's gzip module, which checks CRC and size) to the same bytes, are
 *    identical whatever the chunking, and identical to what Java's
 *    GZIPOutputStream writes at the same level (Confluent's compressor), with
 *    the output buffer drained after every write staying small.
 *  - keys as section 1.3 of the spec spells them, and their URL encoding.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "../../connectors/s3/format.h"
#include "../../connectors/s3/gzip_stream.h"
#include "../../connectors/s3/object_key.h"
#include "../../connectors/s3/partitioner.h"
#include "../../connectors/s3/s3_config.h"
#include "convert/converter.h"
#include "kc_test.h"

static const char *const systems[] = {"Android", "Apache",   "HDFS",    "Hadoop", "HealthApp",
                                      "Linux",   "OpenSSH",  "OpenStack", "Spark", "Zookeeper"};
#define NSYS (sizeof systems / sizeof *systems)

/* A parsed config from pairs after the required keys; false (message in err) on error. */
static bool make_conf(kc_s3_conf_t *c, char *err, size_t errlen, ...) {
  kc_config_t *cfg = kc_config_new();
  kc_config_set(cfg, "s3.bucket.name", "bucket");
  kc_config_set(cfg, "format.class", "JsonFormat");
  kc_config_set(cfg, "flush.size", "1000");
  va_list ap;
  va_start(ap, errlen);
  for (const char *k; (k = va_arg(ap, const char *));) kc_config_set(cfg, k, va_arg(ap, const char *));
  va_end(ap);
  int rc = kc_s3_conf_parse(cfg, c, err, errlen);
  kc_config_destroy(cfg);
  return rc == 0;
}

static kc_value_t *str_v(const char *s) { return kc_value_new_string(s, strlen(s)); }

/* The rows of one loghub CSV as the JSON messages a producer would send (one per line). */
static int json_messages_of(const char *sys, kc_buf_t *msgs) {
  char rel[128];
  snprintf(rel, sizeof rel, "loghub/%s/%s_2k.log_structured.csv", sys, sys);
  char *csv = kc_test_read_file(kc_test_data(rel), NULL);
  if (!csv) return -1;
  kc_test_csv_row_t hdr = {0}, row = {0};
  char *p = kc_test_csv_next_row(csv, &hdr);
  while (p && (p = kc_test_csv_next_row(p, &row))) {
    kc_value_t *m = kc_value_new_map();
    for (size_t i = 0; i < hdr.n && i < row.n; i++) kc_value_map_put_str(m, hdr.cell[i], str_v(row.cell[i]));
    kc_value_to_json(NULL, m, msgs);
    kc_buf_append(msgs, "\n", 1);
    kc_value_destroy(m);
  }
  free(hdr.cell);
  free(row.cell);
  free(csv);
  return 0;
}

/* JsonFormat over JSON messages read by the runtime's JsonConverter (schemas.enable as given). */
static int json_object_from_messages(const kc_s3_conf_t *c, const kc_buf_t *msgs, bool schemas,
                                     kc_buf_t *obj, size_t *records) {
  kc_config_t *cc = kc_config_new();
  kc_config_set(cc, "schemas.enable", schemas ? "true" : "false");
  char err[512];
  kc_converter_t *conv = kc_converter_create("org.apache.kafka.connect.json.JsonConverter", cc, false, err, sizeof err);
  kc_config_destroy(cc);
  if (!conv) return -1;
  int rc = 0;
  for (const char *p = msgs->data, *end = msgs->data + msgs->len; p && p < end && rc == 0;) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
    kc_schema_t *schema = NULL;
    kc_value_t *v = NULL;
    rc = kc_converter_to_connect(conv, "t", p, n, &schema, &v, err, sizeof err);
    if (!rc) rc = kc_s3_format_write(c, KC_S3_VIEW_VALUE, schema, v, obj, err, sizeof err);
    if (rc) fprintf(stderr, "record %zu: %s\n", *records, err);
    kc_value_destroy(v);
    kc_schema_decref(schema);
    (*records)++;
    p = nl ? nl + 1 : NULL;
  }
  kc_converter_destroy(conv);
  return rc;
}

/* Confluent's JsonRecordWriterProvider.write, given the messages a JsonConverter reads. */
static const char *const java_jsonformat =
    "import java.io.*;\n"
    "import java.nio.charset.StandardCharsets;\n"
    "import java.nio.file.*;\n"
    "import java.util.*;\n"
    "import com.fasterxml.jackson.core.JsonGenerator;\n"
    "import com.fasterxml.jackson.databind.ObjectMapper;\n"
    "import org.apache.kafka.connect.data.*;\n"
    "import org.apache.kafka.connect.json.JsonConverter;\n"
    "public class JsonFormatRef {\n"
    "  public static void main(String[] a) throws Exception {\n"
    "    JsonConverter in = new JsonConverter();\n"
    "    in.configure(Map.of(\"schemas.enable\", a[0]), false);\n"
    "    JsonConverter out = new JsonConverter();\n"
    "    out.configure(Map.of(\"schemas.enable\", \"false\"), false);\n"
    "    ByteArrayOutputStream bos = new ByteArrayOutputStream();\n"
    "    JsonGenerator writer = new ObjectMapper().getFactory().createGenerator(bos).setRootValueSeparator(null);\n"
    "    for (String line : Files.readAllLines(Path.of(a[1]), StandardCharsets.UTF_8)) {\n"
    "      SchemaAndValue sv = in.toConnectData(\"t\", line.getBytes(StandardCharsets.UTF_8));\n"
    "      if (sv.value() instanceof Struct) {\n"
    "        writer.flush();\n"
    "        bos.write(out.fromConnectData(\"t\", sv.schema(), sv.value()));\n"
    "        bos.write('\\n');\n"
    "      } else {\n"
    "        writer.writeObject(sv.value());\n"
    "        writer.writeRaw(\"\\n\");\n"
    "      }\n"
    "    }\n"
    "    writer.flush();\n"
    "    Files.write(Path.of(a[2]), bos.toByteArray());\n"
    "  }\n"
    "}\n";

/* The Kafka jars tools/kafka-local caches, as a classpath; NULL when absent. */
static char *kafka_classpath(void) {
  static char cp[8192];
  const char *cache = getenv("KC_KAFKA_CACHE");
  char dir[1024];
  if (cache && *cache)
    snprintf(dir, sizeof dir, "%s/libs", cache);
  else if (getenv("XDG_CACHE_HOME") && *getenv("XDG_CACHE_HOME"))
    snprintf(dir, sizeof dir, "%s/kconnect/kafka-3.9.1/libs", getenv("XDG_CACHE_HOME"));
  else
    snprintf(dir, sizeof dir, "%s/.cache/kconnect/kafka-3.9.1/libs", getenv("HOME") ? getenv("HOME") : "");
  kc_test_dir_t d;
  cp[0] = '\0';
  int found = 0;
  if (!kc_test_dir_open(&d, dir)) return NULL;
  while (kc_test_dir_next(&d)) {
    if (!strstr(d.name, ".jar")) continue;
    found += !strncmp(d.name, "connect-json-", 13) || !strncmp(d.name, "jackson-databind-", 17);
    snprintf(cp + strlen(cp), sizeof cp - strlen(cp), "%s%s", cp[0] ? ":" : "", d.path);
  }
  kc_test_dir_close(&d);
  return found == 2 ? cp : NULL;
}

/* Runs JsonFormatRef on @p msgs; the object it wrote in *out. -1 when Java or the jars are missing. */
static int java_jsonformat_of(const kc_buf_t *msgs, bool schemas, char **out, size_t *out_len) {
  const char *cp = kafka_classpath();
  if (!cp) return -1;
  char dir[128], src[256], in[256], res[256], cmd[10000];
  kc_test_temp_dir(dir, sizeof dir, "s3jf");
  snprintf(src, sizeof src, "%s/JsonFormatRef.java", dir);
  snprintf(in, sizeof in, "%s/in.jsonl", dir);
  snprintf(res, sizeof res, "%s/out.json", dir);
  kc_test_write_file(src, java_jsonformat, strlen(java_jsonformat));
  kc_test_write_file(in, msgs->data, msgs->len);
  snprintf(cmd, sizeof cmd, "java -cp '%s' %s %s %s %s 2>&1", cp, src, schemas ? "true" : "false", in, res);
  char *log = NULL;
  int rc = kc_test_sh(cmd, &log, NULL);
  if (rc) fprintf(stderr, "JsonFormatRef: %s\n", log ? log : "");
  free(log);
  *out = rc ? NULL : kc_test_read_file(res, out_len);
  kc_test_remove_tree(dir);
  return *out ? 0 : -2;
}

/* HashMap's iteration order modelled in Python: String.hashCode, spread, table growth. */
static const char *const py_hashmap =
    "import json, sys\n"
    "def jhash(s):\n"
    "    h = 0\n"
    "    for u in s.encode('utf-16-be').hex(' ', 2).split():\n"
    "        h = (31 * h + int(u, 16)) & 0xffffffff\n"
    "    return h ^ (h >> 16)\n"
    "def order(keys):\n"
    "    cap, thr, hs = 16, 12, [jhash(k) for k in keys]\n"
    "    for i in range(len(keys)):\n"
    "        if sum(1 for j in range(i) if hs[j] & (cap - 1) == hs[i] & (cap - 1)) >= 8 and cap < 64:\n"
    "            cap, thr = cap * 2, thr * 2\n"
    "        if i + 1 > thr:\n"
    "            cap, thr = cap * 2, thr * 2\n"
    "    return sorted(keys, key=lambda k: hs[keys.index(k)] & (cap - 1))\n"
    "def fix(v):\n"
    "    if isinstance(v, dict):\n"
    "        return {k: fix(v[k]) for k in order(list(v))}\n"
    "    if isinstance(v, list):\n"
    "        return [fix(x) for x in v]\n"
    "    return v\n"
    "def jackson(t):\n"
    "    return ''.join(c if ord(c) < 0x10000 else '\\\\u%04X\\\\u%04X' % (0xD800 + ((ord(c) - 0x10000) >> 10),\n"
    "                   0xDC00 + ((ord(c) - 0x10000) & 0x3FF)) for c in t)\n"
    "for line in open(sys.argv[1], encoding='utf-8'):\n"
    "    sys.stdout.write(jackson(json.dumps(fix(json.loads(line)), ensure_ascii=False, separators=(',', ':'))) + '\\n')\n";

static void compare_objects(const char *what, const kc_buf_t *obj, const char *want, size_t want_len) {
  CHECKF(obj->len == want_len && memcmp(obj->data, want, want_len) == 0, "%s: %zu bytes vs %zu", what, obj->len,
         want_len);
  for (size_t i = 0; i < obj->len && i < want_len; i++)
    if (obj->data[i] != want[i]) {
      CHECKF(false, "%s: first difference at byte %zu: ...%.70s vs ...%.70s", what, i,
             obj->data + (i > 30 ? i - 30 : 0), want + (i > 30 ? i - 30 : 0));
      break;
    }
}

/* Confluent's bytes for @p msgs: Java when it can run, else the Python HashMap model (schemaless only). */
static void check_against_confluent(const char *what, const kc_s3_conf_t *c, const kc_buf_t *msgs, bool schemas,
                                    size_t want_records, const char *captured) {
  kc_buf_t obj;
  kc_buf_init(&obj, 0);
  size_t records = 0;
  CHECKF(json_object_from_messages(c, msgs, schemas, &obj, &records) == 0, "%s: conversion failed", what);
  CHECKF(records == want_records, "%s: %zu records", what, records);
  if (captured) compare_objects(what, &obj, captured, strlen(captured));
  char *want = NULL;
  size_t want_len = 0;
  int jrc = java_jsonformat_of(msgs, schemas, &want, &want_len);
  if (jrc == -1 && captured) { /* no jars: the output Java gave when this test was written stands in */
    kc_buf_free(&obj);
    return;
  }
  if (jrc == -1 && !schemas) {
    printf("     (%s: no Kafka jars in the tools/kafka-local cache: checking against a Python model of HashMap)\n",
           what);
    char path[128];
    kc_test_temp_file(path, sizeof path, "s3msgs", msgs->data, msgs->len);
    jrc = kc_test_python(py_hashmap, path, &want, &want_len);
    unlink(path);
  }
  if (CHECKF(jrc == 0 && want, "%s: no reference output (java %d)", what, jrc)) compare_objects(what, &obj, want, want_len);
  free(want);
  kc_buf_free(&obj);
}

static void test_json_loghub(void) {
  char err[256];
  kc_s3_conf_t c;
  if (!CHECKF(make_conf(&c, err, sizeof err, NULL), "%s", err)) return;
  kc_buf_t msgs;
  kc_buf_init(&msgs, 0);
  for (size_t i = 0; i < NSYS; i++) CHECKF(json_messages_of(systems[i], &msgs) == 0, "%s", systems[i]);
  check_against_confluent("loghub", &c, &msgs, false, 20000, NULL);
  kc_buf_free(&msgs);
  /* maps that exercise HashMap: colliding hashes ("Aa" and "BB"), a bin of 9 forcing growth,
   * 13+ keys resizing the table, non-ASCII keys, nesting, arrays of maps */
  kc_buf_init(&msgs, 0);
  kc_buf_puts(&msgs, "{\"BB\":1,\"Aa\":2,\"C#\":3,\"z\":{\"AaBB\":true,\"BBAa\":false,\"AaAa\":null,\"BBBB\":[{\"y\":1,\"x\":2}]}}\n");
  kc_buf_puts(&msgs, "{");
  /* 10 strings with one hash (mixes of Aa/BB): the 9th and 10th grow the table (16 -> 32 -> 64)
   * instead of making a tree bin; an 11th would be a tree bin, whose order kconnect does not model */
  for (int i = 0; i < 10; i++) {
    char k[16] = "";
    for (int b = 3; b >= 0; b--) strcat(k, (i >> b) & 1 ? "BB" : "Aa");
    kc_buf_printf(&msgs, "%s\"%s\":%d", i ? "," : "", k, i);
  }
  kc_buf_puts(&msgs, ",\"k1\":1,\"k2\":2}\n");
  for (int n = 12; n <= 14; n++) { /* the first resize happens at the 13th key */
    kc_buf_puts(&msgs, "{");
    for (int i = 0; i < n; i++) kc_buf_printf(&msgs, "%s\"key%02d\":%d", i ? "," : "", 99 - i * 3, i);
    kc_buf_puts(&msgs, "}\n");
  }
  kc_buf_puts(&msgs, "{");
  for (int i = 0; i < 25; i++) kc_buf_printf(&msgs, "%s\"f%d\":%d", i ? "," : "", i * 37, i); /* the second, at 25 */
  kc_buf_puts(&msgs, "}\n{");
  for (int i = 0; i < 100; i++) kc_buf_printf(&msgs, "%s\"field_%d\":%d", i ? "," : "", i * 7919 % 1000, i);
  kc_buf_puts(&msgs, "}\n{\"caf\\u00e9\":1,\"\\ud83d\\ude00\":2,\"na\\u00efve\":3,\"\\u65e5\\u672c\":4,\"a\":5}\n");
  kc_buf_puts(&msgs, "[{\"b\":1,\"a\":2},{\"d\":[{\"f\":1,\"e\":2}],\"c\":3}]\n\"plain\"\n42\nnull\n");
  check_against_confluent("hand-made maps", &c, &msgs, false, 12, NULL);
  kc_buf_free(&msgs);
  /* with schemas: a Struct keeps its field order, its map field and an int-keyed map do not */
  kc_buf_init(&msgs, 0);
  kc_buf_puts(&msgs, "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"zz\",\"type\":\"string\"},"
                     "{\"field\":\"tags\",\"type\":\"map\",\"keys\":{\"type\":\"string\"},\"values\":{\"type\":\"int32\"}}]},"
                     "\"payload\":{\"zz\":\"first\",\"tags\":{\"BB\":1,\"Aa\":2,\"b\":3,\"a\":4}}}\n");
  kc_buf_puts(&msgs, "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int64\"},\"values\":{\"type\":\"string\"}},"
                     "\"payload\":[[99,\"x\"],[3,\"c\"],[17,\"q\"],[-1,\"m\"],[4294967296,\"big\"]]}\n");
  kc_buf_puts(&msgs, "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"boolean\"},\"values\":{\"type\":\"int8\"}},"
                     "\"payload\":[[true,1],[false,0]]}\n");
  /* what Kafka 3.9.1's JsonConverter + Jackson 2.16.2 gave for these three (JsonFormatRef) */
  check_against_confluent("with schemas", &c, &msgs, true, 3,
                          "{\"zz\":\"first\",\"tags\":{\"BB\":1,\"Aa\":2,\"a\":4,\"b\":3}}\n"
                          "{\"-1\":\"m\",\"17\":\"q\",\"4294967296\":\"big\",\"99\":\"x\",\"3\":\"c\"}\n"
                          "{\"false\":0,\"true\":1}\n");
  kc_buf_free(&msgs);
  kc_s3_conf_free(&c);
}

static void test_json_struct_and_keys(void) {
  char err[256];
  kc_s3_conf_t c;
  if (!CHECKF(make_conf(&c, err, sizeof err, "store.kafka.keys", "true", "keys.format.class",
                        "io.confluent.connect.s3.format.json.JsonFormat", NULL), "%s", err))
    return;
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_add_field(s, "region", kc_schema_incref(&kc_schema_string));
  kc_schema_add_field(s, "n", kc_schema_new(KC_TYPE_INT32));
  kc_value_t *v = kc_value_new_struct(s);
  kc_value_struct_set(v, "region", str_v("eu \"west\""));
  kc_value_struct_set(v, "n", kc_value_new_int(KC_TYPE_INT32, -12));
  kc_buf_t b;
  kc_buf_init(&b, 0);
  CHECK(kc_s3_format_write(&c, KC_S3_VIEW_VALUE, s, v, &b, err, sizeof err) == 0);
  CHECK_STR(b.data, "{\"region\":\"eu \\\"west\\\"\",\"n\":-12}\n");
  kc_buf_reset(&b);
  /* keys: a string key, a null key */
  kc_value_t *k = str_v("user-1");
  CHECK(kc_s3_format_write(&c, KC_S3_VIEW_KEYS, &kc_schema_string, k, &b, err, sizeof err) == 0);
  CHECK(kc_s3_format_write(&c, KC_S3_VIEW_KEYS, NULL, NULL, &b, err, sizeof err) == 0);
  CHECK_STR(b.data, "\"user-1\"\nnull\n");
  /* a value that does not match its schema: an error, nothing appended */
  kc_buf_reset(&b);
  kc_buf_puts(&b, "kept");
  CHECK(kc_s3_format_write(&c, KC_S3_VIEW_VALUE, s, k, &b, err, sizeof err) == KC_ECONVERT);
  CHECK_STR(b.data, "kept");
  CHECK_PREFIX(err, "JsonFormat cannot write the record's value");
  /* headers */
  kc_buf_reset(&b);
  kc_s3_header_t h[] = {{"trace", "ab\"c\n", 5}, {"empty", NULL, 0}};
  CHECK(kc_s3_format_write_headers(&c, h, 2, &b) == 0);
  CHECK(kc_s3_format_write_headers(&c, h, 0, &b) == 0);
  CHECK_STR(b.data, "{\"headers\":[{\"key\":\"trace\",\"value\":\"ab\\\"c\\n\"},{\"key\":\"empty\",\"value\":null}]}\n"
                    "{\"headers\":[]}\n");
  kc_buf_free(&b);
  kc_value_destroy(k);
  kc_value_destroy(v);
  kc_schema_decref(s);
  kc_s3_conf_free(&c);
}

/* ---- ByteArrayFormat ---- */

static void test_bytearray_loghub(void) {
  char err[256];
  kc_s3_conf_t crlf, dflt;
  if (!CHECKF(make_conf(&crlf, err, sizeof err, "format.class",
                        "io.confluent.connect.s3.format.bytearray.ByteArrayFormat",
                        "format.bytearray.separator", "\r\n", NULL), "%s", err))
    return;
  if (!CHECKF(make_conf(&dflt, err, sizeof err, "format.class", "ByteArrayFormat", NULL), "%s", err)) return;
  size_t files = 0, lines = 0;
  for (size_t i = 0; i < NSYS; i++) {
    char rel[128];
    snprintf(rel, sizeof rel, "loghub/%s/%s_2k.log", systems[i], systems[i]);
    size_t len = 0;
    char *log = kc_test_read_file(kc_test_data(rel), &len);
    if (!CHECKF(log, "cannot read %s", rel)) continue;
    kc_buf_t a, b, want_b;
    kc_buf_init(&a, 0);
    kc_buf_init(&b, 0);
    kc_buf_init(&want_b, 0);
    for (size_t off = 0; off < len;) {
      char *crlf_at = memmem(log + off, len - off, "\r\n", 2);
      size_t n = crlf_at ? (size_t)(crlf_at - log - off) : len - off;
      kc_value_t *v = kc_value_new_bytes(log + off, n);
      CHECK(kc_s3_format_write(&crlf, KC_S3_VIEW_VALUE, &kc_schema_bytes, v, &a, err, sizeof err) == 0);
      CHECK(kc_s3_format_write(&dflt, KC_S3_VIEW_VALUE, NULL, v, &b, err, sizeof err) == 0);
      kc_buf_append(&want_b, log + off, n);
      kc_buf_append(&want_b, "\n", 1);
      kc_value_destroy(v);
      off += n + (crlf_at ? 2 : 0);
      lines++;
    }
    /* the files end without a terminator: the object adds one */
    bool terminated = len >= 2 && !memcmp(log + len - 2, "\r\n", 2);
    CHECKF(a.len == len + (terminated ? 0 : 2) && !memcmp(a.data, log, len), "%s: rebuilt differs", rel);
    CHECKF(b.len == want_b.len && !memcmp(b.data, want_b.data, b.len), "%s: \\n-separated differs", rel);
    files++;
    kc_buf_free(&a);
    kc_buf_free(&b);
    kc_buf_free(&want_b);
    free(log);
  }
  CHECKF(files == NSYS && lines >= 19990, "%zu files, %zu lines", files, lines);
  /* what ByteArrayConverter refuses */
  kc_buf_t o;
  kc_buf_init(&o, 0);
  kc_value_t *sv = str_v("text");
  CHECK(kc_s3_format_write(&dflt, KC_S3_VIEW_VALUE, &kc_schema_string, sv, &o, err, sizeof err) == KC_ECONVERT);
  CHECK_STR(err, "Invalid schema type for ByteArrayConverter: string (the record's value)");
  CHECK(kc_s3_format_write(&dflt, KC_S3_VIEW_VALUE, NULL, sv, &o, err, sizeof err) == KC_ECONVERT);
  CHECK_STR(err, "ByteArrayFormat needs the record's value as bytes, got string");
  CHECK(kc_s3_format_write(&dflt, KC_S3_VIEW_VALUE, NULL, NULL, &o, err, sizeof err) == KC_ECONVERT);
  CHECK(o.len == 0);
  kc_value_destroy(sv);
  kc_buf_free(&o);
  /* an empty separator, and one with blanks (kept untrimmed) */
  kc_s3_conf_t none, spaced;
  make_conf(&none, err, sizeof err, "format.class", "ByteArrayFormat", "format.bytearray.separator", "", NULL);
  make_conf(&spaced, err, sizeof err, "format.class", "ByteArrayFormat", "format.bytearray.separator", " | ", NULL);
  kc_value_t *x = kc_value_new_bytes("ab", 2);
  kc_buf_init(&o, 0);
  kc_s3_format_write(&none, KC_S3_VIEW_VALUE, NULL, x, &o, err, sizeof err);
  kc_s3_format_write(&spaced, KC_S3_VIEW_VALUE, NULL, x, &o, err, sizeof err);
  CHECK_STR(o.data, "abab | ");
  kc_buf_free(&o);
  kc_value_destroy(x);
  kc_s3_conf_free(&none);
  kc_s3_conf_free(&spaced);
  kc_s3_conf_free(&crlf);
  kc_s3_conf_free(&dflt);
}

static void test_extensions_and_nulls(void) {
  char err[256];
  static const struct {
    const char *k1, *v1, *k2, *v2;
    const char *value, *keys, *headers;
  } cases[] = {
      {"s3.compression.type", "none", NULL, NULL, ".json", ".keys.json", ".headers.json"},
      {"s3.compression.type", "gzip", NULL, NULL, ".json.gz", ".keys.json.gz", ".headers.json.gz"},
      {"format.class", "ByteArrayFormat", NULL, NULL, ".bin", ".keys.json", ".headers.json"},
      {"format.class", "ByteArrayFormat", "format.bytearray.extension", ".txt", ".txt", ".keys.json", ".headers.json"},
      {"format.class", "ByteArrayFormat", "s3.compression.type", "gzip", ".bin.gz", ".keys.json.gz", ".headers.json.gz"},
      {"keys.format.class", "ByteArrayFormat", "store.kafka.keys", "true", ".json", ".keys.bin", ".headers.json"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    kc_s3_conf_t c;
    if (!CHECKF(make_conf(&c, err, sizeof err, cases[i].k1, cases[i].v1, cases[i].k2, cases[i].v2, NULL),
                "%s", err))
      continue;
    const char *want[] = {cases[i].value, cases[i].keys, cases[i].headers};
    for (int v = 0; v < 3; v++) {
      kc_buf_t b;
      kc_buf_init(&b, 0);
      kc_s3_format_extension(&c, (kc_s3_view_t)v, &b);
      CHECK_STR(b.data, want[v]);
      kc_buf_free(&b);
    }
    kc_s3_conf_free(&c);
  }
  static const struct {
    const char *behavior;
    int rc;
    bool skip, tomb;
  } nulls[] = {{"fail", KC_EINVAL, false, false}, {"ignore", 0, true, false}, {"write", 0, false, true}};
  for (size_t i = 0; i < 3; i++) {
    kc_s3_conf_t c;
    if (!CHECKF(make_conf(&c, err, sizeof err, "behavior.on.null.values", nulls[i].behavior,
                          "store.kafka.keys", "true", "keys.format.class", "JsonFormat", NULL), "%s", err))
      continue;
    bool skip = !nulls[i].skip, tomb = !nulls[i].tomb;
    err[0] = '\0';
    CHECK(kc_s3_format_null_value(&c, &skip, &tomb, err, sizeof err) == nulls[i].rc);
    CHECK(skip == nulls[i].skip && tomb == nulls[i].tomb);
    if (nulls[i].rc)
      CHECK_STR(err, "Null valued records are not writeable with current behavior.on.null.values 'settings.");
    kc_s3_conf_free(&c);
  }
}

/* ---- gzip ---- */

typedef struct {
  kc_buf_t z;       /* the whole compressed stream, drained from out */
  size_t max_out;   /* largest out->len seen after a write */
  size_t max_chunk;
} gz_run_t;

/* Compresses @p data in pseudo-random chunks of 1..max_chunk bytes, draining the output after each write. */
static int gz_compress(const char *data, size_t len, int level, uint64_t seed, size_t max_chunk, gz_run_t *r) {
  kc_gzip_stream_t g;
  kc_buf_t out;
  kc_buf_init(&out, 0);
  kc_buf_init(&r->z, 0);
  r->max_out = 0;
  r->max_chunk = 0;
  int rc = kc_gzip_stream_init(&g, level);
  for (size_t off = 0; !rc && off < len;) {
    seed ^= seed << 13, seed ^= seed >> 7, seed ^= seed << 17;
    size_t n = 1 + seed % max_chunk;
    if (n > len - off) n = len - off;
    if (n > r->max_chunk) r->max_chunk = n;
    rc = kc_gzip_stream_write(&g, data + off, n, &out);
    if (out.len > r->max_out) r->max_out = out.len;
    kc_buf_append(&r->z, out.data, out.len);
    kc_buf_reset(&out);
    off += n;
  }
  if (!rc) rc = kc_gzip_stream_finish(&g, &out);
  kc_buf_append(&r->z, out.data, out.len);
  if (!rc && g.out_bytes != r->z.len) rc = -1;
  kc_gzip_stream_end(&g);
  kc_buf_free(&out);
  return rc;
}

/* zlib's gunzip (header, CRC-32 and ISIZE checked). */
static bool gunzip_equals(const kc_buf_t *z, const char *want, size_t want_len) {
  z_stream s;
  memset(&s, 0, sizeof s);
  if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) return false;
  char *buf = malloc(want_len + 1024);
  s.next_in = (Bytef *)z->data;
  s.avail_in = (uInt)z->len;
  s.next_out = (Bytef *)buf;
  s.avail_out = (uInt)(want_len + 1024);
  int zrc = inflate(&s, Z_FINISH);
  bool ok = zrc == Z_STREAM_END && s.total_out == want_len && s.avail_in == 0 &&
            (want_len == 0 || memcmp(buf, want, want_len) == 0);
  inflateEnd(&s);
  free(buf);
  return ok;
}

static const char *const java_gzip =
    "import java.io.*;\n"
    "import java.nio.file.*;\n"
    "import java.util.zip.*;\n"
    "public class GzipRef {\n"
    "  public static void main(String[] a) throws Exception {\n"
    "    byte[] in = Files.readAllBytes(Path.of(a[1]));\n"
    "    for (String lv : a[0].split(\",\")) {\n"
    "      final int level = Integer.parseInt(lv);\n"
    "      try (OutputStream o = new FileOutputStream(a[2] + \".\" + lv);\n"
    "           GZIPOutputStream g = new GZIPOutputStream(o, 8192) {{ def.setLevel(level); }}) {\n"
    "        g.write(in);\n"
    "      }\n"
    "    }\n"
    "  }\n"
    "}\n";

static const char *const py_gunzip =
    "import gzip, sys, zlib\n"
    "d = gzip.open(sys.argv[1]).read()\n"
    "print(len(d), zlib.crc32(d))\n";

static void test_gzip_loghub(void) {
  char err[256];
  kc_s3_conf_t c;
  if (!CHECKF(make_conf(&c, err, sizeof err, NULL), "%s", err)) return;
  kc_buf_t obj, msgs;
  kc_buf_init(&obj, 0);
  kc_buf_init(&msgs, 0);
  size_t records = 0;
  for (size_t i = 0; i < NSYS; i++) json_messages_of(systems[i], &msgs);
  json_object_from_messages(&c, &msgs, false, &obj, &records);
  kc_buf_free(&msgs);
  kc_s3_conf_free(&c);
  if (!CHECK(obj.len > 1000000)) return;
  gz_run_t a, b;
  CHECK(gz_compress(obj.data, obj.len, -1, 1, 65536, &a) == 0);
  CHECK(gz_compress(obj.data, obj.len, -1, 99, 7, &b) == 0);
  CHECKF(gunzip_equals(&a.z, obj.data, obj.len), "gunzip differs");
  CHECKF(a.z.len == b.z.len && !memcmp(a.z.data, b.z.data, a.z.len), "chunking changed the bytes");
  CHECK(a.z.len < obj.len / 5); /* logs compress well */
  static const unsigned char java_header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
  CHECK(a.z.len > 18 && !memcmp(a.z.data, java_header, 10));
  /* bounded: what one write leaves in the output buffer is about the chunk, not the file */
  CHECKF(a.max_out <= a.max_chunk + 65536, "a write left %zu bytes (chunks up to %zu)", a.max_out, a.max_chunk);
  CHECKF(b.max_out <= 65536, "a 7-byte write left %zu bytes", b.max_out);
  /* Python's gzip reads it too */
  char zpath[128], *py = NULL;
  kc_test_temp_file(zpath, sizeof zpath, "s3gz", a.z.data, a.z.len);
  CHECK(kc_test_python(py_gunzip, zpath, &py, NULL) == 0 && py);
  if (py) {
    char want[64];
    snprintf(want, sizeof want, "%zu %lu\n", obj.len, crc32(0, (const Bytef *)obj.data, (uInt)obj.len));
    CHECK_STR(py, want);
  }
  free(py);
  unlink(zpath);
  /* Java's GZIPOutputStream (what Confluent writes) at several levels: the same bytes */
  char dir[128], src[300], inpath[300], outbase[300], cmd[1200], *jout = NULL;
  kc_test_temp_dir(dir, sizeof dir, "s3java");
  snprintf(src, sizeof src, "%s/GzipRef.java", dir);
  snprintf(inpath, sizeof inpath, "%s/in.json", dir);
  snprintf(outbase, sizeof outbase, "%s/out", dir);
  kc_test_write_file(src, java_gzip, strlen(java_gzip));
  kc_test_write_file(inpath, obj.data, obj.len);
  snprintf(cmd, sizeof cmd, "java %s -1,0,1,6,9 %s %s 2>&1", src, inpath, outbase);
  int jrc = kc_test_sh(cmd, &jout, NULL);
  CHECKF(jrc == 0, "java GzipRef failed (%d): %s", jrc, jout ? jout : "");
  free(jout);
  const int levels[] = {-1, 0, 1, 6, 9};
  size_t sizes[5] = {0};
  for (int i = 0; i < 5; i++) {
    gz_run_t r;
    CHECK(gz_compress(obj.data, obj.len, levels[i], (uint64_t)i + 5, 100000, &r) == 0);
    CHECKF(gunzip_equals(&r.z, obj.data, obj.len), "level %d gunzip differs", levels[i]);
    sizes[i] = r.z.len;
    char jpath[320];
    snprintf(jpath, sizeof jpath, "%s.%d", outbase, levels[i]);
    size_t jlen = 0;
    char *jz = kc_test_read_file(jpath, &jlen);
    /* level 0's stored blocks are cut where the writer's buffers end: only levels 1-9 compare */
    if (levels[i] != 0)
      CHECKF(jz && jlen == r.z.len && !memcmp(jz, r.z.data, jlen),
             "level %d: %zu bytes, Java's GZIPOutputStream %zu", levels[i], r.z.len, jlen);
    free(jz);
    kc_buf_free(&r.z);
  }
  CHECK(sizes[1] > obj.len && sizes[4] <= sizes[2] && sizes[0] == sizes[3]);
  kc_test_remove_tree(dir);
  kc_buf_free(&a.z);
  kc_buf_free(&b.z);
  kc_buf_free(&obj);
}

static void test_gzip_edges(void) {
  kc_gzip_stream_t g;
  kc_buf_t out;
  kc_buf_init(&out, 0);
  /* an empty file is a valid gzip of nothing */
  CHECK(kc_gzip_stream_init(&g, 6) == 0);
  CHECK(kc_gzip_stream_finish(&g, &out) == 0);
  kc_gzip_stream_end(&g);
  CHECK(out.len == 20 && gunzip_equals(&out, "", 0));
  CHECK(kc_gzip_stream_write(&g, "x", 1, &out) == KC_EIO); /* finished */
  kc_buf_free(&out);
  CHECK(kc_gzip_stream_init(&g, 10) == KC_EINVAL);
  CHECK(kc_gzip_stream_init(&g, -2) == KC_EINVAL);
  /* the output buffer's limit reached: an error, and the stream refuses to go on */
  kc_buf_init(&out, 16);
  CHECK(kc_gzip_stream_init(&g, 0) == 0);
  static char blob[200000];
  for (size_t i = 0; i < sizeof blob; i++) blob[i] = (char)(i * 7);
  CHECK(kc_gzip_stream_write(&g, blob, sizeof blob, &out) == KC_ENOSPC);
  CHECK(kc_gzip_stream_write(&g, blob, 1, &out) == KC_EIO);
  CHECK(kc_gzip_stream_finish(&g, &out) == KC_EIO);
  kc_gzip_stream_end(&g);
  kc_gzip_stream_end(&g); /* idempotent */
  kc_buf_free(&out);
}

/* ---- object keys ---- */

static char *key_of(const kc_s3_conf_t *c, const char *dir, const char *topic, int32_t part,
                    int64_t off, const char *ext) {
  static char out[512];
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_s3_object_key(c, dir, topic, part, off, ext, &b);
  snprintf(out, sizeof out, "%s", b.data ? b.data : "");
  kc_buf_free(&b);
  return out;
}

static void test_object_keys(void) {
  char err[256];
  kc_s3_conf_t c;
  if (!CHECKF(make_conf(&c, err, sizeof err, NULL), "%s", err)) return;
  CHECK_STR(key_of(&c, "orders/partition=3", "orders", 3, 4200, ".json"),
            "topics/orders/partition=3/orders+3+0000004200.json");
  CHECK_STR(key_of(&c, "orders/region=eu", "orders", 3, 4200, ".avro"),
            "topics/orders/region=eu/orders+3+0000004200.avro");
  CHECK_STR(key_of(&c, "orders/year=2026/month=07/day=28/hour=13", "orders", 3, 4200, ".json.gz"),
            "topics/orders/year=2026/month=07/day=28/hour=13/orders+3+0000004200.json.gz");
  CHECK_STR(key_of(&c, "t/partition=0", "t", 0, 12345678901LL, ".json"),
            "topics/t/partition=0/t+0+12345678901.json"); /* wider than the pad: not cut */
  kc_s3_conf_free(&c);
  make_conf(&c, err, sizeof err, "topics.dir", "  ", "filename.offset.zero.pad.width", "0", NULL);
  CHECK_STR(key_of(&c, "t/partition=0", "t", 0, 42, ".json"), "t/partition=0/t+0+42.json");
  kc_s3_conf_free(&c);
  make_conf(&c, err, sizeof err, "topics.dir", "backup/raw", "directory.delim", "_", "file.delim", "-",
            "filename.offset.zero.pad.width", "20", NULL);
  CHECK_STR(key_of(&c, "t_partition=1", "t", 1, 7, ".bin"),
            "backup/raw_t_partition=1_t-1-00000000000000000007.bin");
  kc_s3_conf_free(&c);
  /* the whole chain on a loghub-like record: Field partitioner, path, extension, key */
  make_conf(&c, err, sizeof err, "partitioner.class", "FieldPartitioner", "partition.field.name", "Level",
            "s3.compression.type", "gzip", NULL);
  kc_s3_partitioner_t *p;
  if (CHECK(kc_s3_partitioner_new(&c, &p, err, sizeof err) == 0)) {
    kc_value_t *m = kc_value_new_map();
    kc_value_map_put_str(m, "Level", str_v("WARN"));
    kc_s3_record_view_t r = {"hdfs-logs", 2, -1, NULL, m};
    kc_buf_t enc, dir, ext;
    kc_buf_init(&enc, 0);
    kc_buf_init(&dir, 0);
    kc_buf_init(&ext, 0);
    CHECK(kc_s3_partitioner_encode(p, &r, 0, &enc, err, sizeof err) == 0);
    kc_s3_partitioner_path(p, "hdfs-logs", enc.data, &dir);
    kc_s3_format_extension(&c, KC_S3_VIEW_VALUE, &ext);
    CHECK_STR(key_of(&c, dir.data, "hdfs-logs", 2, 1999, ext.data),
              "topics/hdfs-logs/Level=WARN/hdfs-logs+2+0000001999.json.gz");
    kc_buf_free(&enc);
    kc_buf_free(&dir);
    kc_buf_free(&ext);
    kc_value_destroy(m);
    kc_s3_partitioner_free(p);
  }
  kc_s3_conf_free(&c);
}

static void test_uri_encode(void) {
  static const struct {
    const char *in, *out;
  } cases[] = {
      {"topics/orders/partition=3/orders+3+0000004200.json",
       "topics/orders/partition%3D3/orders%2B3%2B0000004200.json"},
      {"a b/c~d_e-f.g", "a%20b/c~d_e-f.g"},
      {"year=2024/caf\xc3\xa9/100%", "year%3D2024/caf%C3%A9/100%25"},
      {"q?x#y&z", "q%3Fx%23y%26z"},
      {"", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    kc_buf_t b;
    kc_buf_init(&b, 0);
    CHECK(kc_s3_object_key_uri_encode(cases[i].in, strlen(cases[i].in), &b) == 0);
    CHECK_STR(b.data ? b.data : "", cases[i].out);
    kc_buf_free(&b);
  }
}

int main(void) {
  kc_test_set_report_limit(10);
  kc_test_run("json_loghub", test_json_loghub);
  kc_test_run("json_struct_and_keys", test_json_struct_and_keys);
  kc_test_run("bytearray_loghub", test_bytearray_loghub);
  kc_test_run("extensions_and_nulls", test_extensions_and_nulls);
  kc_test_run("gzip_loghub", test_gzip_loghub);
  kc_test_run("gzip_edges", test_gzip_edges);
  kc_test_run("object_keys", test_object_keys);
  kc_test_run("uri_encode", test_uri_encode);
  return kc_test_done();
}
