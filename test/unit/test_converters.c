/*
 * Converters: JsonConverter (envelope, schemas, logical types, null rules,
 * caches, errors), StringConverter, ByteArrayConverter, class aliases and the
 * header converters. The JsonConverter and SimpleHeaderConverter tables were
 * produced by running the same inputs through Connect 3.9.1's own classes
 * (connect-json / connect-api jars); rows marked java_same = 0 are the few
 * deliberate differences, each explained. Every y_ file of JSONTestSuite also
 * goes through JsonConverter with schemas.enable=false.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "convert/converter.h"
#include "convert/json_value.h"
#include "kc_test.h"

/* "k=v,k2=v2" or "-" */
static kc_config_t *cfg_of(const char *spec) {
  kc_config_t *cfg = kc_config_new();
  if (!spec || !strcmp(spec, "-")) return cfg;
  char *copy = strdup(spec), *save = NULL;
  for (char *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    *eq = '\0';
    kc_config_set(cfg, kv, eq + 1);
  }
  free(copy);
  return cfg;
}

static kc_converter_t *make(const char *cls, const char *spec, char *err, size_t n) {
  kc_config_t *cfg = cfg_of(spec);
  kc_converter_t *c = kc_converter_create(cls, cfg, false, err, n);
  kc_config_destroy(cfg);
  return c;
}

/* toConnectData then fromConnectData, printed as the Java harness printed it:
 * "OK <bytes> | <String.valueOf(value)>" or "ERR <message>". */
static char *roundtrip(const char *spec, const char *input) {
  char err[512], *res = NULL;
  kc_converter_t *c = make("org.apache.kafka.connect.json.JsonConverter", spec, err, sizeof err);
  if (!c) {
    if (asprintf(&res, "ERR %s", err) < 0) res = NULL;
    return res;
  }
  bool tomb = !strcmp(input, "<NULL>");
  kc_schema_t *s = NULL;
  kc_value_t *v = NULL;
  if (kc_converter_to_connect(c, "t", tomb ? NULL : input, tomb ? 0 : strlen(input), &s, &v, err,
                              sizeof err)) {
    if (asprintf(&res, "ERR %s", err) < 0) res = NULL;
  } else {
    kc_buf_t b, j;
    bool is_null;
    kc_buf_init(&b, 0);
    kc_buf_init(&j, 0);
    if (kc_converter_from_connect(c, "t", s, v, &b, &is_null, err, sizeof err)) {
      if (asprintf(&res, "ERR(from) %s", err) < 0) res = NULL;
    } else {
      kc_value_to_java_string_schema(s, v, &j);
      kc_buf_t line;
      kc_buf_init(&line, 0);
      kc_buf_printf(&line, "OK %s | ", is_null ? "<NULL>" : b.data ? b.data : "");
      for (size_t i = 0; i < j.len; i++) /* the harness escaped newlines */
        j.data[i] == '\n' ? kc_buf_puts(&line, "\\n") : kc_buf_append(&line, &j.data[i], 1);
      res = strdup(line.data);
      kc_buf_free(&line);
    }
    kc_buf_free(&b);
    kc_buf_free(&j);
  }
  kc_schema_decref(s);
  kc_value_destroy(v);
  kc_converter_destroy(c);
  return res;
}

static const struct {
  const char *config, *input, *expect;
  int java_same; /* 1: byte-for-byte what Connect 3.9.1 printed */
} json_cases[] = {
    {"-", "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"hello\"}",
     "OK {\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"hello\"} | hello", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}",
     "OK {\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null} | null", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\"},\"payload\":null}",
     "ERR Invalid null value for required STRING field", 1}, 
    {"-", "{\"schema\":null,\"payload\":\"x\"}",
     "OK {\"schema\":null,\"payload\":\"x\"} | x", 1}, 
    {"-", "{\"schema\":null,\"payload\":{\"a\":1}}",
     "OK {\"schema\":null,\"payload\":{\"a\":1}} | {a=1}", 1}, 
    {"-", "{\"payload\":\"x\",\"schema\":{\"type\":\"string\"}}",
     "OK {\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"x\"} | x", 1}, 
    {"-", "{\"schema\":{\"type\":\"int8\"},\"payload\":5}",
     "OK {\"schema\":{\"type\":\"int8\",\"optional\":false},\"payload\":5} | 5", 1}, 
    {"-", "{\"schema\":{\"type\":\"int8\"},\"payload\":300}",
     "OK {\"schema\":{\"type\":\"int8\",\"optional\":false},\"payload\":44} | 44", 1}, 
    {"-", "{\"schema\":{\"type\":\"int16\"},\"payload\":-3}",
     "OK {\"schema\":{\"type\":\"int16\",\"optional\":false},\"payload\":-3} | -3", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\"},\"payload\":2147483647}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":2147483647} | 2147483647", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\"},\"payload\":1.9}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":1} | 1", 1}, 
    {"-", "{\"schema\":{\"type\":\"int64\"},\"payload\":9223372036854775807}",
     "OK {\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":9223372036854775807} | 9223372036854775807", 1}, 
    {"-", "{\"schema\":{\"type\":\"int64\"},\"payload\":-9223372036854775808}",
     "OK {\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":-9223372036854775808} | -9223372036854775808", 1}, 
    {"-", "{\"schema\":{\"type\":\"float\"},\"payload\":1.1}",
     "OK {\"schema\":{\"type\":\"float\",\"optional\":false},\"payload\":1.1} | 1.1", 1}, 
    {"-", "{\"schema\":{\"type\":\"float\"},\"payload\":3}",
     "OK {\"schema\":{\"type\":\"float\",\"optional\":false},\"payload\":3.0} | 3.0", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":1.1}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":1.1} | 1.1", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":1e10}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":1.0E10} | 1.0E10", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":1.234e-5}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":1.234E-5} | 1.234E-5", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":100}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":100.0} | 100.0", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":0.001}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":0.001} | 0.001", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":12345678.5}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":1.23456785E7} | 1.23456785E7", 1}, 
    {"-", "{\"schema\":{\"type\":\"boolean\"},\"payload\":true}",
     "OK {\"schema\":{\"type\":\"boolean\",\"optional\":false},\"payload\":true} | true", 1}, 
    {"-", "{\"schema\":{\"type\":\"bytes\"},\"payload\":\"aGVsbG8=\"}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":\"aGVsbG8=\"} | hello", 1}, 
    {"-", "{\"schema\":{\"type\":\"bytes\"},\"payload\":\"!!\"}",
     "ERR Invalid bytes field", 1}, 
    {"-", "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\"}},\"payload\":[1,2,3]}",
     "OK {\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":false},\"optional\":false},\"payload\":[1,2,3]} | [1, 2, 3]", 1}, 
    {"-", "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":true}},\"payload\":[1,null,3]}",
     "OK {\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\",\"optional\":true},\"optional\":false},\"payload\":[1,null,3]} | [1, null, 3]", 1}, 
    {"-", "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int32\"}},\"payload\":[1,null,3]}",
     "ERR Invalid null value for required INT32 field", 1}, 
    {"-", "{\"schema\":{\"type\":\"array\"},\"payload\":[1]}",
     "ERR Array schema did not specify the element type", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},\"values\":{\"type\":\"int32\"}},\"payload\":{\"a\":1}}",
     "OK {\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{\"type\":\"int32\",\"optional\":false},\"optional\":false},\"payload\":{\"a\":1}} | {a=1}", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":\"string\"}},\"payload\":[[1,\"a\"],[2,\"b\"]]}",
     "OK {\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\",\"optional\":false},\"values\":{\"type\":\"string\",\"optional\":false},\"optional\":false},\"payload\":[[1,\"a\"],[2,\"b\"]]} | {1=a, 2=b}", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":\"string\"}},\"payload\":{\"a\":1}}",
     "ERR Maps with non-string fields should be encoded as JSON array of tuples, but found OBJECT", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},\"values\":{\"type\":\"string\"}},\"payload\":[1]}",
     "ERR Maps with string fields should be encoded as JSON objects, but found ARRAY", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":\"string\"}},\"payload\":[[1,\"a\",3]]}",
     "ERR Found invalid map entry, expected length 2 but found :3", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\"},\"values\":{\"type\":\"string\"}},\"payload\":[5]}",
     "ERR Found invalid map entry instead of array tuple: NUMBER", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"}},\"payload\":{}}",
     "ERR Map schema did not specify the value type", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}],\"optional\":false,\"name\":\"com.example.User\"},\"payload\":{\"id\":1,\"name\":\"alice\"}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}],\"optional\":false,\"name\":\"com.example.User\"},\"payload\":{\"id\":1,\"name\":\"alice\"}} | Struct{id=1,name=alice}", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}]},\"payload\":{\"id\":1}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}],\"optional\":false},\"payload\":{\"id\":1,\"name\":null}} | Struct{id=1}", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"name\"}]},\"payload\":{\"name\":\"x\"}}",
     "ERR Invalid null value for required INT32 field", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"field\":\"id\"}]},\"payload\":{\"id\":1,\"extra\":[1,2]}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}],\"optional\":false},\"payload\":{\"id\":1}} | Struct{id=1}", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"field\":\"id\"}]},\"payload\":[1]}",
     "ERR Structs should be encoded as JSON objects, but found ARRAY", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"field\":\"id\"},{\"type\":\"int32\",\"field\":\"id\"}]},\"payload\":{\"id\":1}}",
     "ERR Cannot create field because of field name duplication id", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\"}]},\"payload\":{\"id\":1}}",
     "ERR Struct schema's field name not specified properly", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":{}},\"payload\":{\"id\":1}}",
     "ERR Struct schema's \"fields\" argument is not an array.", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"double\",\"field\":\"x\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"field\":\"tags\"}],\"field\":\"inner\"},{\"type\":\"map\",\"keys\":{\"type\":\"string\"},\"values\":{\"type\":\"boolean\"},\"optional\":true,\"field\":\"flags\"}],\"name\":\"Outer\",\"version\":3,\"doc\":\"the doc\"},\"payload\":{\"inner\":{\"x\":1.5,\"tags\":[\"a\",\"b\"]},\"flags\":{\"k\":true}}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"double\",\"optional\":false,\"field\":\"x\"},{\"type\":\"array\",\"items\":{\"type\":\"string\",\"optional\":false},\"optional\":false,\"field\":\"tags\"}],\"optional\":false,\"field\":\"inner\"},{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{\"type\":\"boolean\",\"optional\":false},\"optional\":true,\"field\":\"flags\"}],\"optional\":false,\"name\":\"Outer\",\"version\":3,\"doc\":\"the doc\"},\"payload\":{\"inner\":{\"x\":1.5,\"tags\":[\"a\",\"b\"]},\"flags\":{\"k\":true}}} | Struct{inner=Struct{x=1.5,tags=[a, b]},flags={k=true}}", 1}, 
    {"-", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":\"MDk=\"}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":\"MDk=\"} | 123.45", 1}, 
    {"-", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":123.45}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":\"MDk=\"} | 123.45", 1}, 
    {"decimal.format=NUMERIC", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":123.45}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":123.45} | 123.45", 1}, 
    {"decimal.format=NUMERIC", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":\"MDk=\"}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"2\"}},\"payload\":123.45} | 123.45", 1}, 
    {"decimal.format=NUMERIC", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},\"payload\":\"/88=\"}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},\"payload\":-0.49} | -0.49", 1}, 
    {"-", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},\"payload\":\"/88=\"}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},\"payload\":\"zw==\"} | -0.49", 1}, 
    {"-", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"2\"}},\"payload\":true}",
     "ERR Invalid type for Decimal, underlying representation should be numeric or bytes but was BOOLEAN", 1}, 
    {"-", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\"},\"payload\":\"AA==\"}",
     "ERR Invalid bytes for Decimal field", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},\"payload\":19737}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},\"payload\":19737} | Mon Jan 15 00:00:00 UTC 2024", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},\"payload\":\"x\"}",
     "ERR Invalid type for Date, underlying representation should be integer but was STRING", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1},\"payload\":1.5}",
     "ERR Invalid type for Date, underlying representation should be integer but was NUMBER", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Time\",\"version\":1},\"payload\":45045123}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Time\",\"version\":1},\"payload\":45045123} | Thu Jan 01 12:30:45 UTC 1970", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Time\",\"version\":1},\"payload\":-1}",
     "ERR Time values must use number of milliseconds greater than 0 and less than 86400000", 1}, 
    {"-", "{\"schema\":{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},\"payload\":1705321845123}",
     "OK {\"schema\":{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},\"payload\":1705321845123} | Mon Jan 15 12:30:45 UTC 2024", 1}, 
    {"-", "{\"schema\":{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1},\"payload\":1.5}",
     "ERR Invalid type for Timestamp, underlying representation should be integral but was NUMBER", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"optional\":true,\"default\":42},\"payload\":null}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":true,\"default\":42},\"payload\":42} | 42", 1}, 
    {"replace.null.with.default=false", "{\"schema\":{\"type\":\"int32\",\"optional\":true,\"default\":42},\"payload\":null}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":true,\"default\":42},\"payload\":null} | null", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"default\":7,\"field\":\"a\"}]},\"payload\":{}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":false,\"default\":7,\"field\":\"a\"}],\"optional\":false},\"payload\":{\"a\":7}} | Struct{a=7}", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\",\"default\":null},\"payload\":\"x\"}",
     "ERR Invalid null value for required STRING field", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\",\"parameters\":{\"a\":1}},\"payload\":\"x\"}",
     "ERR Schema parameters must have string values.", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\",\"parameters\":{\"b\":\"2\",\"a\":\"1\"}},\"payload\":\"x\"}",
     "OK {\"schema\":{\"type\":\"string\",\"optional\":false,\"parameters\":{\"b\":\"2\",\"a\":\"1\"}},\"payload\":\"x\"} | x", 1}, 
    {"-", "{\"schema\":{\"type\":\"unknown\"},\"payload\":\"x\"}",
     "ERR Unknown schema type: unknown", 1}, 
    {"-", "{\"schema\":{},\"payload\":\"x\"}",
     "ERR Schema must contain 'type' field", 1}, 
    {"-", "{\"schema\":5,\"payload\":\"x\"}",
     "ERR Schema must contain 'type' field", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\"},\"payload\":\"x\",\"extra\":1}",
     "ERR JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\"}}",
     "ERR JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.", 1}, 
    {"-", "\"hello\"",
     "ERR JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\"},\"payload\":\"x\"",
     "ERR Converting byte[] to Kafka Connect data failed due to serialization error: line 1 column 42: unterminated object", 0}, /* Java leaves the parse detail in the exception cause */
    {"-", "",
     "ERR JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.", 1}, 
    {"-", "   ",
     "ERR JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.", 1}, 
    {"-", "<NULL>",
     "OK <NULL> | null", 1}, 
    {"schemas.enable=false", "\"hello\"",
     "OK \"hello\" | hello", 1}, 
    {"schemas.enable=false", "{\"a\":1,\"b\":[true,null,1.5,\"x\"]}",
     "OK {\"a\":1,\"b\":[true,null,1.5,\"x\"]} | {a=1, b=[true, null, 1.5, x]}", 1}, 
    {"schemas.enable=false", "[1,2.0,-0.0,1e400]",
     "OK [1,2.0,0.0,\"Infinity\"] | [1, 2.0, 0.0, Infinity]", 1}, 
    {"schemas.enable=false", "",
     "OK <NULL> | null", 1}, 
    {"schemas.enable=false", "123456789012345678901234567890",
     "OK 1.2345678901234568E29 | 1.2345678901234568E29", 0}, /* beyond int64: FLOAT64 here, Java wraps to the low 64 bits */
    {"schemas.enable=false", "{\"schema\":{\"type\":\"string\"},\"payload\":\"x\"}",
     "OK {\"schema\":{\"type\":\"string\"},\"payload\":\"x\"} | {schema={type=string}, payload=x}", 1}, 
    {"schemas.enable=false", "{\"a\":1",
     "ERR Converting byte[] to Kafka Connect data failed due to serialization error: line 1 column 7: unterminated object", 0}, /* Java leaves the parse detail in the exception cause */
    {"schemas.enable=false", "\"\\u00e9\\ud83d\\ude00\\n\\t\\u0001/\\\\\\\"\"",
     "OK \"\303\251\\uD83D\\uDE00\\n\\t\\u0001/\\\\\\\"\" | \303\251\360\237\230\200\\n\t\001/\\\"", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\"},\"payload\":\"x\",\"schema\":{\"type\":\"int32\"}}",
     "ERR Invalid JSON for INT32 value: expected a number but found STRING", 0}, /* a JSON value of the wrong kind is an error here; Jackson reads 0/null */
    {"-", "{\"schema\":{\"type\":\"string\"},\"payload\":\"x\",\"payload\":5}",
     "ERR Invalid JSON for STRING value: expected a string but found NUMBER", 0}, /* a JSON value of the wrong kind is an error here; Jackson reads 0/null */
    {"-", "{\"schema\":{\"type\":\"int32\"},\"payload\":\"x\",\"payload\":5}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":5} | 5", 1}, 
    {"-", "{\"payload\":5,\"schema\":{\"type\":\"int32\",\"optional\":true,\"version\":2,\"doc\":\"d\",\"name\":\"n\"}}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":true,\"name\":\"n\",\"version\":2,\"doc\":\"d\"},\"payload\":5} | 5", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":1e400}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":\"Infinity\"} | Infinity", 1}, 
    {"-", "{\"schema\":{\"type\":\"float\"},\"payload\":1e300}",
     "OK {\"schema\":{\"type\":\"float\",\"optional\":false},\"payload\":\"Infinity\"} | Infinity", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"version\":\"x\"},\"payload\":1}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":1} | 1", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"optional\":\"true\"},\"payload\":1}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":1} | 1", 1}, 
    {"schemas.cache.size=0", "{\"schema\":{\"type\":\"int32\"},\"payload\":1}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":1} | 1", 1}, 
    {"schemas.enable=maybe", "1",
     "ERR Invalid value maybe for configuration schemas.enable: Expected value to be either true or false", 1}, 
    {"schemas.cache.size=abc", "1",
     "ERR Invalid value abc for configuration schemas.cache.size: Not a number of type INT", 1}, 
    {"decimal.format=hex", "1",
     "ERR Invalid value hex for configuration decimal.format: String must be one of (case insensitive): NUMERIC, BASE64", 1}, 
    {"decimal.format=numeric", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"-2\"}},\"payload\":12300}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"-2\"}},\"payload\":1.23E+4} | 1.23E+4", 0}, /* decimals are rescaled to the schema scale here; Java keeps the JSON scale */
    {"-", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"-2\"}},\"payload\":12300}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"-2\"}},\"payload\":\"ew==\"} | 1.23E+4", 0}, /* decimals are rescaled to the schema scale here; Java keeps the JSON scale */
    {"-", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"20\"}},\"payload\":\"AA==\"}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"20\"}},\"payload\":\"AA==\"} | 0E-20", 1}, 
    {"decimal.format=NUMERIC", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"10\"}},\"payload\":1E-10}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"10\"}},\"payload\":1E-10} | 1E-10", 1}, 
    {"decimal.format=NUMERIC", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"3\"}},\"payload\":-12.345}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"3\"}},\"payload\":-12.345} | -12.345", 1}, 
    {"decimal.format=NUMERIC", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"3\"}},\"payload\":\"/89H\"}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"3\"}},\"payload\":-12.473} | -12.473", 1}, 
    {"-", "{\"schema\":{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"0\"}},\"payload\":\"AAAAAAAB\"}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"0\"}},\"payload\":\"AQ==\"} | 1", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":-0.0}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":0.0} | 0.0", 1}, 
    {"-", "{\"schema\":{\"type\":\"double\"},\"payload\":-1e-400}",
     "OK {\"schema\":{\"type\":\"double\",\"optional\":false},\"payload\":-0.0} | -0.0", 1}, 
    {"-", " { \"schema\" : { \"type\" : \"string\" , \"optional\" : true } ,\t\"payload\" : \"spaced\" } ",
     "OK {\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":\"spaced\"} | spaced", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\"},\"payload\":\"\\u00e9\\u4e2d\\ud83d\\ude00\\u0000\\u001f\\u007f\"}",
     "OK {\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"\303\251\344\270\255\\uD83D\\uDE00\\u0000\\u001F\177\"} | \303\251\344\270\255\360\237\230\200\000\037\177", 1}, 
    {"-", "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},\"values\":{\"type\":\"array\",\"items\":{\"type\":\"int64\"}}}},\"payload\":[{\"a\":[1,2]},{},{\"b\":[]}]}",
     "OK {\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{\"type\":\"array\",\"items\":{\"type\":\"int64\",\"optional\":false},\"optional\":false},\"optional\":false},\"optional\":false},\"payload\":[{\"a\":[1,2]},{},{\"b\":[]}]} | [{a=[1, 2]}, {}, {b=[]}]", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"optional\":true,\"fields\":[{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":\"ts\"}],\"field\":\"s\"}]},\"payload\":{\"s\":null}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":\"ts\"}],\"optional\":true,\"field\":\"s\"}],\"optional\":false},\"payload\":{\"s\":null}} | Struct{}", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"optional\":true,\"fields\":[{\"type\":\"int64\",\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":\"ts\"}],\"field\":\"s\"}]},\"payload\":{\"s\":{\"ts\":0}}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Timestamp\",\"version\":1,\"field\":\"ts\"}],\"optional\":true,\"field\":\"s\"}],\"optional\":false},\"payload\":{\"s\":{\"ts\":0}}} | Struct{s=Struct{ts=Thu Jan 01 00:00:00 UTC 1970}}", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"boolean\",\"optional\":true,\"default\":true,\"field\":\"flag\"},{\"type\":\"string\",\"default\":\"dflt\",\"field\":\"s\"}]},\"payload\":{\"flag\":null}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"boolean\",\"optional\":true,\"default\":true,\"field\":\"flag\"},{\"type\":\"string\",\"optional\":false,\"default\":\"dflt\",\"field\":\"s\"}],\"optional\":false},\"payload\":{\"flag\":true,\"s\":\"dflt\"}} | Struct{flag=true,s=dflt}", 1}, 
    {"replace.null.with.default=false", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"boolean\",\"optional\":true,\"default\":true,\"field\":\"flag\"}]},\"payload\":{\"flag\":null}}",
     "OK {\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"boolean\",\"optional\":true,\"default\":true,\"field\":\"flag\"}],\"optional\":false},\"payload\":{\"flag\":null}} | Struct{}", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int64\"},\"values\":{\"type\":\"boolean\"}},\"payload\":[[1,true],[1,false]]}",
     "OK {\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int64\",\"optional\":false},\"values\":{\"type\":\"boolean\",\"optional\":false},\"optional\":false},\"payload\":[[1,false]]} | {1=false}", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\"},\"values\":{\"type\":\"int8\"}},\"payload\":{\"a\":1,\"a\":2}}",
     "OK {\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"string\",\"optional\":false},\"values\":{\"type\":\"int8\",\"optional\":false},\"optional\":false},\"payload\":{\"a\":2}} | {a=2}", 1}, 
    {"-", "{\"schema\":{\"type\":\"int16\",\"default\":\"x\"},\"payload\":1}",
     "ERR Invalid JSON for INT16 value: expected a number but found STRING", 0}, /* a JSON value of the wrong kind is an error here; Jackson reads 0/null */
    {"-", "{\"schema\":{\"type\":\"bytes\",\"optional\":true,\"default\":\"AQI=\"},\"payload\":null}",
     "OK {\"schema\":{\"type\":\"bytes\",\"optional\":true,\"default\":\"AQI=\"},\"payload\":\"AQI=\"} | \001\002", 1}, 
    {"-", "{\"schema\":{\"type\":\"int32\",\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1,\"default\":1},\"payload\":null}",
     "OK {\"schema\":{\"type\":\"int32\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Date\",\"version\":1,\"default\":1},\"payload\":1} | Fri Jan 02 00:00:00 UTC 1970", 1}, 
    {"-", "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"field\":\"\"}]},\"payload\":{}}",
     "ERR fieldName cannot be null.", 1}, 
    {"-", "{\"schema\":{\"type\":\"map\",\"keys\":null,\"values\":{\"type\":\"string\"}},\"payload\":{}}",
     "ERR keySchema cannot be null.", 1}, 
    {"-", "{\"schema\":{\"type\":\"array\",\"items\":null},\"payload\":[]}",
     "ERR Array schema did not specify the element type", 1}, 
    {"-", "[1,2]",
     "ERR JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.", 1}, 
    {"-", "{\"schema\":{\"type\":\"string\"},\"payload\":\"x\"}x",
     "ERR Converting byte[] to Kafka Connect data failed due to serialization error: line 1 column 43: unexpected character 'x' after the JSON value", 0}, /* Java leaves the parse detail in the exception cause */
    {"schemas.enable=false", "{\"z\":{\"y\":{\"x\":[[[[null]]]]}}}",
     "OK {\"z\":{\"y\":{\"x\":[[[[null]]]]}}} | {z={y={x=[[[[null]]]]}}}", 1}, 
    {"schemas.enable=false", "-12.5e-3",
     "OK -0.0125 | -0.0125", 1}, 
    {"schemas.enable=false", "\"\\/\\b\"",
     "OK \"/\\b\" | /\010", 1}, 
    {"schemas.enable=false", "{\"a\":1,\"b\":2}",
     "OK {\"a\":1,\"b\":2} | {a=1, b=2}", 1}, 
};

static void test_json_table(void) {
  size_t n = sizeof json_cases / sizeof json_cases[0], same = 0;
  for (size_t i = 0; i < n; i++) {
    char *got = roundtrip(json_cases[i].config, json_cases[i].input);
    if (!got || strcmp(got, json_cases[i].expect)) fprintf(stderr, "  case %zu: %s\n", i, json_cases[i].input);
    CHECK_STR(got, json_cases[i].expect);
    free(got);
    same += json_cases[i].java_same;
  }
  printf("     %zu cases, %zu identical to Connect 3.9.1\n", n, same);
}

/* ---- fromConnectData of values built in C (expectations printed by Connect 3.9.1) ---- */

static char *from(const char *spec, const kc_schema_t *s, const kc_value_t *v) {
  char err[512], *res = NULL;
  kc_converter_t *c = make("JsonConverter", spec, err, sizeof err);
  if (!c) return strdup(err);
  kc_buf_t b;
  bool is_null;
  kc_buf_init(&b, 0);
  kc_buf_puts(&b, "prefix:"); /* appended after existing content, which stays intact */
  int rc = kc_converter_from_connect(c, "t", s, v, &b, &is_null, err, sizeof err);
  if (strncmp(b.data, "prefix:", 7)) res = strdup("prefix lost");
  else if (rc && b.len != 7) res = strdup("partial output left behind");
  else if (rc && asprintf(&res, "ERR %s", err) < 0) res = NULL;
  else if (!rc) res = strdup(is_null ? "<NULL>" : b.data + 7);
  kc_buf_free(&b);
  kc_converter_destroy(c);
  return res;
}

#define CHECK_FROM(spec, schema, value, want) \
  do {                                        \
    char *got_ = from(spec, schema, value);   \
    CHECK_STR(got_, want);                    \
    free(got_);                               \
  } while (0)

static kc_value_t *str(const char *s) { return kc_value_new_string(s, strlen(s)); }

static kc_value_t *dec(const char *text, int32_t scale) {
  unsigned char *b;
  size_t n;
  if (kc_decimal_parse(text, strlen(text), scale, &b, &n)) return NULL;
  kc_value_t *v = kc_value_new_bytes(b, n);
  free(b);
  return v;
}

static void test_from_connect(void) {
  const char *off = "schemas.enable=false", *num = "decimal.format=NUMERIC";
  kc_value_t *m = kc_value_new_map();
  kc_value_map_put(m, kc_value_new_int(KC_TYPE_INT32, 1), str("a"));
  kc_value_map_put(m, kc_value_new_int(KC_TYPE_INT32, 2), str("b"));
  CHECK_FROM(off, NULL, m, "[[1,\"a\"],[2,\"b\"]]");
  kc_schema_t *ms = kc_schema_new(KC_TYPE_MAP);
  ms->key_schema = kc_schema_static(KC_TYPE_INT32, false);
  ms->value_schema = &kc_schema_string;
  CHECK_FROM("-", ms, m,
             "{\"schema\":{\"type\":\"map\",\"keys\":{\"type\":\"int32\",\"optional\":false},"
             "\"values\":{\"type\":\"string\",\"optional\":false},\"optional\":false},"
             "\"payload\":[[1,\"a\"],[2,\"b\"]]}");
  kc_schema_decref(ms);
  kc_value_destroy(m);

  m = kc_value_new_map();
  kc_value_map_put_str(m, "k", NULL);
  CHECK_FROM(off, NULL, m, "{\"k\":null}");
  kc_value_destroy(m);

  /* Struct with a defaulted optional field left null */
  kc_schema_t *st = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_t *a = kc_schema_new(KC_TYPE_INT32);
  a->optional = true;
  a->default_value = kc_value_new_int(KC_TYPE_INT32, 5);
  kc_schema_add_field(st, "a", a);
  kc_schema_add_field(st, "b", &kc_schema_optional_string);
  kc_schema_set_name(st, "S");
  kc_value_t *sv = kc_value_new_struct(st);
  CHECK_FROM("-", st, sv,
             "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,"
             "\"default\":5,\"field\":\"a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"b\"}],"
             "\"optional\":false,\"name\":\"S\"},\"payload\":{\"a\":5,\"b\":null}}");
  CHECK_FROM("replace.null.with.default=false", st, sv,
             "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,"
             "\"default\":5,\"field\":\"a\"},{\"type\":\"string\",\"optional\":true,\"field\":\"b\"}],"
             "\"optional\":false,\"name\":\"S\"},\"payload\":{\"a\":null,\"b\":null}}");
  CHECK_FROM(off, NULL, sv, "ERR Mismatching schema.");
  kc_schema_t *other = kc_schema_new(KC_TYPE_STRUCT);
  CHECK_FROM(off, other, sv, "ERR Mismatching schema.");
  kc_schema_decref(other);
  kc_value_destroy(sv);
  kc_schema_decref(st);

  /* Decimal: minimal two's complement in base64, or the number */
  kc_schema_t *d0 = kc_schema_decimal(0), *d3 = kc_schema_decimal(3), *d10 = kc_schema_decimal(10);
  const char *dec0 = "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka."
                     "connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"0\"}},\"payload\":";
  char want[512];
  kc_value_t *v = dec("-1", 0);
  snprintf(want, sizeof want, "%s\"/w==\"}", dec0);
  CHECK_FROM("-", d0, v, want);
  kc_value_destroy(v);
  v = kc_value_new_bytes("\x00\x00\x80", 3); /* non-minimal input, Java's toByteArray() form out */
  snprintf(want, sizeof want, "%s\"AIA=\"}", dec0);
  CHECK_FROM("-", d0, v, want);
  kc_value_destroy(v);
  v = dec("-12.345", 3);
  CHECK_FROM(num, d3, v,
             "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect."
             "data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"3\"}},\"payload\":-12.345}");
  kc_value_destroy(v);
  v = dec("1e-10", 10);
  CHECK_FROM(num, d10, v,
             "{\"schema\":{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect."
             "data.Decimal\",\"version\":1,\"parameters\":{\"scale\":\"10\"}},\"payload\":1E-10}");
  CHECK_FROM(off, d10, NULL,
             "ERR Conversion error: null value for field that is required and has no default value");
  kc_value_destroy(v);
  v = str("12.5");
  CHECK_FROM(off, d3, v, "ERR Invalid type for Decimal, expected BigDecimal but was class java.lang.String");
  kc_value_destroy(v);
  kc_schema_decref(d0);
  kc_schema_decref(d3);
  kc_schema_decref(d10);

  /* temporal types are numbers */
  v = kc_value_new_int(KC_TYPE_INT64, 1705321845123);
  CHECK_FROM("-", kc_schema_logical(KC_LOGICAL_TIMESTAMP), v,
             "{\"schema\":{\"type\":\"int64\",\"optional\":false,\"name\":\"org.apache.kafka."
             "connect.data.Timestamp\",\"version\":1},\"payload\":1705321845123}");
  kc_value_destroy(v);
  v = kc_value_new_int(KC_TYPE_INT32, 19737);
  CHECK_FROM(off, kc_schema_logical(KC_LOGICAL_DATE), v, "19737");
  kc_value_destroy(v);
  v = kc_value_new_int(KC_TYPE_INT64, 19737);
  CHECK_FROM(off, kc_schema_logical(KC_LOGICAL_DATE), v,
             "ERR Invalid type for Date, expected Date but was class java.lang.Long");
  kc_value_destroy(v);

  /* floats */
  v = kc_value_new_float(KC_TYPE_FLOAT64, NAN);
  CHECK_FROM(off, kc_schema_static(KC_TYPE_FLOAT64, false), v, "\"NaN\"");
  kc_value_destroy(v);
  v = kc_value_new_float(KC_TYPE_FLOAT32, -INFINITY);
  CHECK_FROM(off, kc_schema_static(KC_TYPE_FLOAT32, false), v, "\"-Infinity\"");
  kc_value_destroy(v);
  v = kc_value_new_float(KC_TYPE_FLOAT32, 1.1);
  CHECK_FROM(off, kc_schema_static(KC_TYPE_FLOAT32, false), v, "1.1");
  kc_value_destroy(v);

  /* type and null rules */
  v = kc_value_new_int(KC_TYPE_INT32, 5);
  CHECK_FROM(off, &kc_schema_string, v, "ERR Invalid type for STRING: class java.lang.Integer");
  kc_value_destroy(v);
  CHECK_FROM(off, &kc_schema_string, NULL,
             "ERR Conversion error: null value for field that is required and has no default value");
  CHECK_FROM(off, &kc_schema_optional_string, NULL, "null"); /* a JSON null, not a Kafka null */
  CHECK_FROM(off, NULL, NULL, "<NULL>");
  CHECK_FROM("-", NULL, NULL, "<NULL>");
  CHECK_FROM("-", &kc_schema_optional_string, NULL,
             "{\"schema\":{\"type\":\"string\",\"optional\":true},\"payload\":null}");
  kc_value_t *l = kc_value_new_array();
  kc_value_array_append(l, kc_value_new_int(KC_TYPE_INT64, 1));
  kc_value_array_append(l, str("x"));
  kc_value_array_append(l, NULL);
  kc_value_array_append(l, kc_value_new_bool(true));
  CHECK_FROM("-", NULL, l, "{\"schema\":null,\"payload\":[1,\"x\",null,true]}");
  kc_value_destroy(l);

  v = kc_value_new_bytes("\x00\x01\x02\xff", 4);
  CHECK_FROM("-", &kc_schema_bytes, v, "{\"schema\":{\"type\":\"bytes\",\"optional\":false},\"payload\":\"AAEC/w==\"}");
  kc_value_destroy(v);
  v = kc_value_new_bytes("hi", 2);
  CHECK_FROM(off, NULL, v, "\"aGk=\"");
  kc_value_destroy(v);
  v = kc_value_new_int(KC_TYPE_INT16, -7);
  CHECK_FROM(off, NULL, v, "-7");
  kc_value_destroy(v);
  v = kc_value_new_string("a\0b\x1f" "c\x7f" "d\xe2\x80\xa8" "e/f", 13);
  CHECK_FROM(off, NULL, v, "\"a\\u0000b\\u001Fc\x7f" "d\xe2\x80\xa8" "e/f\"");
  kc_value_destroy(v);

  /* optional array with doc; string with parameters (insertion order) and a default */
  kc_schema_t *arr = kc_schema_new(KC_TYPE_ARRAY);
  arr->value_schema = &kc_schema_optional_int64;
  arr->optional = true;
  kc_schema_set_doc(arr, "d");
  l = kc_value_new_array();
  kc_value_array_append(l, kc_value_new_int(KC_TYPE_INT64, 1));
  kc_value_array_append(l, NULL);
  CHECK_FROM("-", arr, l,
             "{\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int64\",\"optional\":true},"
             "\"optional\":true,\"doc\":\"d\"},\"payload\":[1,null]}");
  kc_value_destroy(l);
  kc_schema_decref(arr);
  kc_schema_t *ps = kc_schema_new(KC_TYPE_STRING);
  kc_schema_set_param(ps, "x", "1");
  kc_schema_set_param(ps, "a", "2");
  ps->default_value = str("dflt");
  v = str("v");
  CHECK_FROM("-", ps, v,
             "{\"schema\":{\"type\":\"string\",\"optional\":false,\"parameters\":{\"x\":\"1\","
             "\"a\":\"2\"},\"default\":\"dflt\"},\"payload\":\"v\"}");
  kc_value_destroy(v);
  kc_schema_decref(ps);

  /* nested: struct { m: map<string, array<double>>, d: optional decimal(2) } */
  kc_schema_t *ns = kc_schema_new(KC_TYPE_STRUCT), *mm = kc_schema_new(KC_TYPE_MAP);
  kc_schema_t *da = kc_schema_new(KC_TYPE_ARRAY), *dd = kc_schema_decimal(2);
  da->value_schema = kc_schema_static(KC_TYPE_FLOAT64, false);
  mm->key_schema = &kc_schema_string;
  mm->value_schema = da;
  dd->optional = true;
  kc_schema_add_field(ns, "m", mm);
  kc_schema_add_field(ns, "d", dd);
  kc_value_t *nv = kc_value_new_struct(ns), *inner = kc_value_new_map(), *xs = kc_value_new_array();
  kc_value_array_append(xs, kc_value_new_float(KC_TYPE_FLOAT64, 1.0));
  kc_value_array_append(xs, kc_value_new_float(KC_TYPE_FLOAT64, 2.5));
  kc_value_map_put_str(inner, "x", xs);
  kc_value_struct_set(nv, "m", inner);
  kc_value_struct_set(nv, "d", dec("3.14", 2));
  const char *nschema =
      "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"map\",\"keys\":{\"type\":\"string\","
      "\"optional\":false},\"values\":{\"type\":\"array\",\"items\":{\"type\":\"double\",\"optional\":"
      "false},\"optional\":false},\"optional\":false,\"field\":\"m\"},{\"type\":\"bytes\",\"optional\":"
      "true,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,\"parameters\":{\"scale\":"
      "\"2\"},\"field\":\"d\"}],\"optional\":false},\"payload\":";
  snprintf(want, sizeof want, "%s{\"m\":{\"x\":[1.0,2.5]},\"d\":\"ATo=\"}}", nschema);
  CHECK_FROM("-", ns, nv, want);
  snprintf(want, sizeof want, "%s{\"m\":{\"x\":[1.0,2.5]},\"d\":3.14}}", nschema);
  CHECK_FROM(num, ns, nv, want);
  kc_buf_t b;
  kc_buf_init(&b, 0);
  kc_value_to_java_string_schema(ns, nv, &b);
  CHECK_STR(b.data, "Struct{m={x=[1.0, 2.5]},d=3.14}");
  kc_buf_free(&b);
  kc_value_destroy(nv);
  kc_schema_decref(ns);
}

/* ---- nulls, caches, errors ---------------------------------------------------- */

static void test_json_nulls_and_cache(void) {
  char err[512];
  kc_converter_t *c = make("JsonConverter", "-", err, sizeof err);
  kc_schema_t *s1 = (kc_schema_t *)1, *s2 = NULL;
  kc_value_t *v1 = (kc_value_t *)1, *v2 = NULL;
  CHECK(kc_converter_kind(c) == KC_CONVERTER_JSON);
  CHECK(kc_converter_to_connect(c, "t", NULL, 0, &s1, &v1, err, sizeof err) == 0 && !s1 && !v1);
  const char *doc = "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"field\":\"n\"}]},"
                    "\"payload\":{\"n\":1}}";
  CHECK(kc_converter_to_connect(c, "t", doc, strlen(doc), &s1, &v1, err, sizeof err) == 0);
  CHECK(kc_converter_to_connect(c, "t", doc, strlen(doc), &s2, &v2, err, sizeof err) == 0);
  CHECK(s1 && s1 == s2); /* the schema text was cached */
  CHECK(kc_value_equal(v1, v2));
  kc_value_destroy(v1);
  kc_value_destroy(v2);
  kc_schema_decref(s1);
  kc_schema_decref(s2);
  kc_converter_destroy(c);

  /* schemas.cache.size=0: rebuilt each time, equal but not shared */
  c = make("JsonConverter", "schemas.cache.size=0", err, sizeof err);
  CHECK(kc_converter_to_connect(c, "t", doc, strlen(doc), &s1, &v1, err, sizeof err) == 0);
  CHECK(kc_converter_to_connect(c, "t", doc, strlen(doc), &s2, &v2, err, sizeof err) == 0);
  CHECK(s1 && s2 && s1 != s2 && kc_schema_equal(s1, s2));
  kc_value_destroy(v1);
  kc_value_destroy(v2);
  kc_schema_decref(s1);
  kc_schema_decref(s2);
  kc_converter_destroy(c);

  /* LRU of two: A B C evicts A; C stays */
  c = make("JsonConverter", "schemas.cache.size=2", err, sizeof err);
  const char *docs[3] = {"{\"schema\":{\"type\":\"int8\"},\"payload\":1}",
                         "{\"schema\":{\"type\":\"int16\"},\"payload\":1}",
                         "{\"schema\":{\"type\":\"int32\"},\"payload\":1}"};
  kc_schema_t *first[3];
  for (int i = 0; i < 3; i++) {
    CHECK(kc_converter_to_connect(c, "t", docs[i], strlen(docs[i]), &first[i], &v1, err, sizeof err) == 0);
    kc_value_destroy(v1);
  }
  CHECK(kc_converter_to_connect(c, "t", docs[2], strlen(docs[2]), &s1, &v1, err, sizeof err) == 0);
  CHECK(s1 == first[2]);
  kc_schema_decref(s1);
  kc_value_destroy(v1);
  CHECK(kc_converter_to_connect(c, "t", docs[0], strlen(docs[0]), &s1, &v1, err, sizeof err) == 0);
  CHECK(s1 != first[0] && kc_schema_equal(s1, first[0]));
  kc_schema_decref(s1);
  kc_value_destroy(v1);
  for (int i = 0; i < 3; i++) kc_schema_decref(first[i]);

  /* the write cache holds its own reference: the caller may drop the schema */
  kc_schema_t *ws = kc_schema_new(KC_TYPE_INT32);
  kc_value_t *wv = kc_value_new_int(KC_TYPE_INT32, 3);
  kc_buf_t b;
  bool is_null;
  kc_buf_init(&b, 0);
  CHECK(kc_converter_from_connect(c, "t", ws, wv, &b, &is_null, err, sizeof err) == 0);
  kc_schema_decref(ws);
  kc_buf_reset(&b);
  for (int i = 0; i < 3; i++) { /* churn the cache so that it evicts and frees */
    kc_schema_t *t = kc_schema_new(i == 1 ? KC_TYPE_INT64 : KC_TYPE_INT32);
    kc_value_t *tv = kc_value_new_int(t->type, i);
    CHECK(kc_converter_from_connect(c, "t", t, tv, &b, &is_null, err, sizeof err) == 0);
    kc_schema_decref(t);
    kc_value_destroy(tv);
  }
  CHECK_STR(b.data, "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":0}"
                    "{\"schema\":{\"type\":\"int64\",\"optional\":false},\"payload\":1}"
                    "{\"schema\":{\"type\":\"int32\",\"optional\":false},\"payload\":2}");
  kc_value_destroy(wv);
  kc_buf_free(&b);
  kc_converter_destroy(c);

  /* a value that would not fit is reported, and the buffer left as it was */
  c = make("JsonConverter", "schemas.enable=false", err, sizeof err);
  kc_buf_t lim;
  kc_buf_init(&lim, 16);
  kc_buf_puts(&lim, "keep");
  kc_value_t *big = str("a string too long for the sixteen byte limit");
  CHECK(kc_converter_from_connect(c, "t", NULL, big, &lim, &is_null, err, sizeof err) == KC_ENOSPC);
  CHECK(lim.len == 4 && !strcmp(lim.data, "keep") && strstr(err, "failed") != NULL);
  kc_value_destroy(big);
  kc_buf_free(&lim);
  kc_converter_destroy(c);
}

/* ---- StringConverter / ByteArrayConverter --------------------------------------- */

static char *to_text(kc_converter_t *c, const kc_schema_t *s, const kc_value_t *v) {
  char err[256];
  kc_buf_t b;
  bool is_null;
  kc_buf_init(&b, 0);
  char *res;
  if (kc_converter_from_connect(c, "t", s, v, &b, &is_null, err, sizeof err)) {
    if (asprintf(&res, "ERR %s", err) < 0) res = NULL;
  } else {
    res = strdup(is_null ? "<NULL>" : b.data ? b.data : "");
  }
  kc_buf_free(&b);
  return res;
}

#define CHECK_TEXT(c, s, v, want)    \
  do {                               \
    char *got_ = to_text(c, s, v);   \
    CHECK_STR(got_, want);           \
    free(got_);                      \
  } while (0)

static void test_string_converter(void) {
  char err[256];
  kc_converter_t *c = make("StringConverter", "-", err, sizeof err);
  CHECK(c && kc_converter_kind(c) == KC_CONVERTER_STRING);
  kc_schema_t *s;
  kc_value_t *v;
  CHECK(kc_converter_to_connect(c, "t", "h\xc3\xa9llo", 6, &s, &v, err, sizeof err) == 0);
  CHECK(s == &kc_schema_optional_string && v && v->type == KC_TYPE_STRING && v->u.str.len == 6);
  kc_value_destroy(v);
  /* malformed UTF-8 becomes U+FFFD per bad sequence, as new String(bytes, UTF_8) does */
  CHECK(kc_converter_to_connect(c, "t", "a\xff" "b\xe2\x82" "c\xf0\x9f", 8, &s, &v, err, sizeof err) == 0);
  CHECK(v && !strcmp(v->u.str.ptr, "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd"));
  kc_value_destroy(v);
  CHECK(kc_converter_to_connect(c, "t", NULL, 0, &s, &v, err, sizeof err) == 0);
  CHECK(s == &kc_schema_optional_string && v == NULL);

  /* value.toString() for whatever the connector produced */
  v = str("plain");
  CHECK_TEXT(c, NULL, v, "plain");
  kc_value_destroy(v);
  v = kc_value_new_float(KC_TYPE_FLOAT64, 1e-5);
  CHECK_TEXT(c, NULL, v, "1.0E-5");
  kc_value_destroy(v);
  v = kc_value_new_array();
  kc_value_array_append(v, kc_value_new_int(KC_TYPE_INT32, 1));
  kc_value_array_append(v, str("b"));
  CHECK_TEXT(c, NULL, v, "[1, b]");
  kc_value_destroy(v);
  v = dec("123.45", 2);
  kc_schema_t *ds = kc_schema_decimal(2);
  CHECK_TEXT(c, ds, v, "123.45");
  kc_schema_decref(ds);
  kc_value_destroy(v);
  v = kc_value_new_int(KC_TYPE_INT32, 19737);
  CHECK_TEXT(c, kc_schema_logical(KC_LOGICAL_DATE), v, "Mon Jan 15 00:00:00 UTC 2024");
  kc_value_destroy(v);
  CHECK_TEXT(c, &kc_schema_string, NULL, "<NULL>");
  kc_converter_destroy(c);

  /* converter.encoding */
  c = make("StringConverter", "converter.encoding=ISO-8859-1", err, sizeof err);
  CHECK(c != NULL);
  CHECK(kc_converter_to_connect(c, "t", "caf\xe9", 4, &s, &v, err, sizeof err) == 0);
  CHECK(v && !strcmp(v->u.str.ptr, "caf\xc3\xa9"));
  CHECK_TEXT(c, NULL, v, "caf\xe9");
  kc_value_destroy(v);
  v = str("\xe2\x82\xac 5");
  CHECK_TEXT(c, NULL, v, "? 5"); /* unmappable, as String.getBytes replaces it */
  kc_value_destroy(v);
  kc_converter_destroy(c);
  c = make("StringConverter", "converter.encoding=UTF-16BE", err, sizeof err);
  CHECK(c != NULL);
  if (c) {
    CHECK(kc_converter_to_connect(c, "t", "\0h\0i\x20\xac", 6, &s, &v, err, sizeof err) == 0);
    CHECK(v && !strcmp(v->u.str.ptr, "hi\xe2\x82\xac"));
    kc_buf_t b;
    bool is_null;
    kc_buf_init(&b, 0);
    CHECK(kc_converter_from_connect(c, "t", NULL, v, &b, &is_null, err, sizeof err) == 0);
    CHECK(b.len == 6 && !memcmp(b.data, "\0h\0i\x20\xac", 6));
    kc_buf_free(&b);
    kc_value_destroy(v);
    kc_converter_destroy(c);
  }
  CHECK(make("StringConverter", "converter.encoding=NO-SUCH-CHARSET", err, sizeof err) == NULL);
  CHECK_STR(err, "Invalid value NO-SUCH-CHARSET for configuration converter.encoding: unsupported encoding");
}

static void test_bytearray_converter(void) {
  char err[256];
  kc_converter_t *c = make("ByteArray", "-", err, sizeof err);
  CHECK(c && kc_converter_kind(c) == KC_CONVERTER_BYTEARRAY);
  kc_schema_t *s;
  kc_value_t *v;
  CHECK(kc_converter_to_connect(c, "t", "\0\1\2", 3, &s, &v, err, sizeof err) == 0);
  CHECK(s == &kc_schema_optional_bytes && v && v->type == KC_TYPE_BYTES && v->u.str.len == 3);
  CHECK_TEXT(c, &kc_schema_bytes, v, "");
  char *raw = to_text(c, NULL, v);
  CHECK(raw && raw[0] == '\0'); /* three bytes starting with NUL */
  free(raw);
  kc_value_destroy(v);
  CHECK(kc_converter_to_connect(c, "t", NULL, 0, &s, &v, err, sizeof err) == 0 && !v &&
        s == &kc_schema_optional_bytes);
  v = str("text");
  CHECK_TEXT(c, NULL, v, "ERR ByteArrayConverter is not compatible with objects of type class java.lang.String");
  CHECK_TEXT(c, &kc_schema_string, v, "ERR Invalid schema type for ByteArrayConverter: STRING");
  kc_value_destroy(v);
  CHECK_TEXT(c, NULL, NULL, "<NULL>");
  kc_converter_destroy(c);
}

static void test_class_names(void) {
  char err[256];
  static const struct {
    const char *name;
    kc_converter_kind_t kind;
  } ok[] = {
      {"org.apache.kafka.connect.json.JsonConverter", KC_CONVERTER_JSON},
      {"JsonConverter", KC_CONVERTER_JSON},
      {"Json", KC_CONVERTER_JSON},
      {" org.apache.kafka.connect.storage.StringConverter ", KC_CONVERTER_STRING},
      {"StringConverter", KC_CONVERTER_STRING},
      {"org.apache.kafka.connect.converters.ByteArrayConverter", KC_CONVERTER_BYTEARRAY},
      {"ByteArrayConverter", KC_CONVERTER_BYTEARRAY},
  };
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
    kc_converter_t *c = kc_converter_create(ok[i].name, NULL, true, err, sizeof err);
    CHECK(c && kc_converter_kind(c) == ok[i].kind);
    kc_converter_destroy(c);
  }
  CHECK(kc_converter_create("com.example.Nope", NULL, false, err, sizeof err) == NULL);
  CHECK_STR(err, "Class com.example.Nope could not be found.");
  CHECK(kc_converter_create("org.apache.kafka.connect.storage.SimpleHeaderConverter", NULL, false, err, sizeof err) == NULL);
  CHECK_STR(err, "org.apache.kafka.connect.storage.SimpleHeaderConverter is not an instance of org.apache.kafka.connect.storage.Converter");
  CHECK_STR(kc_converter_class_resolve("StringConverter"), "org.apache.kafka.connect.storage.StringConverter");
  CHECK_STR(kc_converter_class_resolve("SimpleHeaderConverter"), "org.apache.kafka.connect.storage.SimpleHeaderConverter");
  CHECK(kc_converter_class_resolve("jsonconverter") == NULL); /* class names are case-sensitive */
  CHECK(kc_converter_class_resolve(NULL) == NULL);
  kc_header_converter_t *h = kc_header_converter_create("Nope", NULL, err, sizeof err);
  CHECK(h == NULL);
  CHECK_STR(err, "Class Nope could not be found.");
}

/* ---- header converters --------------------------------------------------------- */

static void desc(const kc_schema_t *s, kc_buf_t *b) {
  static const char *names[] = {"INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64",
                                "BOOLEAN", "STRING", "BYTES", "ARRAY", "MAP", "STRUCT"};
  if (!s) {
    kc_buf_puts(b, "null");
    return;
  }
  kc_buf_puts(b, names[s->type]);
  if (s->name) kc_buf_printf(b, "/%s", s->name);
  if (s->nparams) {
    kc_buf_puts(b, "{");
    for (size_t i = 0; i < s->nparams; i++)
      kc_buf_printf(b, "%s%s=%s", i ? ", " : "", s->param_keys[i], s->param_values[i]);
    kc_buf_puts(b, "}");
  }
  if (s->type == KC_TYPE_ARRAY) {
    kc_buf_puts(b, "<");
    desc(s->value_schema, b);
    kc_buf_puts(b, ">");
  }
  if (s->type == KC_TYPE_MAP) {
    kc_buf_puts(b, "{");
    desc(s->key_schema, b);
    kc_buf_puts(b, ",");
    desc(s->value_schema, b);
    kc_buf_puts(b, "}");
  }
  if (s->optional) kc_buf_puts(b, "?");
}

static const char *java_class(const kc_schema_t *s, const kc_value_t *v) {
  if (s && s->name) return strstr(s->name, "Decimal") ? "BigDecimal" : "Date";
  static const char *names[] = {"Byte", "Short", "Integer", "Long", "Float", "Double",
                                "Boolean", "String", "byte[]", "ArrayList", "LinkedHashMap", "Struct"};
  return names[v->type];
}

/* Values.parseString through SimpleHeaderConverter, printed as for Connect 3.9.1:
 * "<schema> <Java class> <toString> | back=<fromConnectHeader>" */
static const struct {
  const char *in, *expect;
} header_cases[] = {
    {"true", "BOOLEAN Boolean true | back=true"},
    {"false", "BOOLEAN Boolean false | back=false"},
    {"TRUE", "STRING String TRUE | back=TRUE"},
    {"null", "NULLSV"},
    {"5", "INT8 Byte 5 | back=5"},
    {"-5", "INT8 Byte -5 | back=-5"},
    {"+5", "INT8 Byte 5 | back=5"},
    {"300", "INT16 Short 300 | back=300"},
    {"70000", "INT32 Integer 70000 | back=70000"},
    {"5000000000", "INT64 Long 5000000000 | back=5000000000"},
    {"99999999999999999999", "BYTES/org.apache.kafka.connect.data.Decimal{scale=0} BigDecimal 99999999999999999999 | back=99999999999999999999"},
    {"1.0", "INT8 Byte 1 | back=1"},
    {"3.14159265", "FLOAT32 Float 3.1415927 | back=3.1415927"},
    {"1e3", "INT16 Short 1000 | back=1000"},
    {"1.5e3", "INT16 Short 1500 | back=1500"},
    {"1e400", "BYTES/org.apache.kafka.connect.data.Decimal{scale=-400} BigDecimal 1E+400 | back=1E+400"},
    {".5", "STRING String .5 | back=.5"},
    {"5.", "INT8 Byte 5 | back=5"},
    {"hello", "STRING String hello | back=hello"},
    {"hello, world", "STRING String hello, world | back=hello, world"},
    {"[1,2,3]", "ARRAY<INT8> ArrayList [1, 2, 3] | back=[1,2,3]"},
    {"[1, 300]", "ARRAY<INT16> ArrayList [1, 300] | back=[1,300]"},
    {"[1,2.5]", "ARRAY<FLOAT32> ArrayList [1.0, 2.5] | back=[1.0,2.5]"},
    {"[\"a\",\"b\"]", "ARRAY<STRING> ArrayList [a, b] | back=[\"a\",\"b\"]"},
    {"[a,b]", "STRING String [a,b] | back=[a,b]"},
    {"[]", "ARRAY<null> ArrayList [] | back=[]"},
    {"[null]", "ARRAY<null> ArrayList [null] | back=[null]"},
    {"{\"a\":1}", "MAP{STRING,INT8} LinkedHashMap {a=1} | back={\"a\":1}"},
    {"{\"a\":1,\"b\":\"x\"}", "MAP{STRING,null} LinkedHashMap {a=1, b=x} | back={\"a\":1,\"b\":\"x\"}"},
    {"{a:1}", "STRING String {a:1} | back={a:1}"},
    {"{}", "MAP{null,null} LinkedHashMap {} | back={}"},
    {"2024-01-15", "INT32/org.apache.kafka.connect.data.Date Date Mon Jan 15 00:00:00 UTC 2024 | back=2024-01-15"},
    {"12:30:45.123Z", "INT32/org.apache.kafka.connect.data.Time Date Thu Jan 01 12:30:45 UTC 1970 | back=12:30:45.123Z"},
    {"2024-01-15T12:30:45.123Z", "INT64/org.apache.kafka.connect.data.Timestamp Date Mon Jan 15 12:30:45 UTC 2024 | back=2024-01-15T12:30:45.123Z"},
    {" 42 ", "INT8 Byte 42 | back=42"},
    {"true}", "STRING String true} | back=true}"},
    {"[1,2", "STRING String [1,2 | back=[1,2"},
    {"abc\"def", "STRING String abc\"def | back=abc\"def"},
    {"\"quoted\"", "STRING String \"quoted\" | back=\"quoted\""},
    {"[true,false]", "ARRAY<BOOLEAN> ArrayList [true, false] | back=[true,false]"},
    {"[1,\"a\"]", "ARRAY<null> ArrayList [1, a] | back=[1,\"a\"]"},
    {"{\"a\":[1,2]}", "MAP{STRING,ARRAY<INT8>} LinkedHashMap {a=[1, 2]} | back={\"a\":[1,2]}"},
    {"0x10", "STRING String 0x10 | back=0x10"},
    {"-", "STRING String - | back=-"},
    {"1-2", "STRING String 1-2 | back=1-2"},
    {"NaN", "STRING String NaN | back=NaN"},
    {"2024-13-45", "INT32/org.apache.kafka.connect.data.Date Date Fri Feb 14 00:00:00 UTC 2025 | back=2025-02-14"},
    {"[[1],[2]]", "ARRAY<ARRAY<INT8>> ArrayList [[1], [2]] | back=[[1],[2]]"},
    {"{\"k\":null}", "MAP{STRING,null} LinkedHashMap {k=null} | back={\"k\":null}"},
    {"[\"x\",null]", "STRING String [\"x\",null] | back=[\"x\",null]"},
    {"1.00", "INT8 Byte 1 | back=1"},
    {"[1.5, 2.5]", "ARRAY<FLOAT32> ArrayList [1.5, 2.5] | back=[1.5,2.5]"},
    {"123456789012", "INT64 Long 123456789012 | back=123456789012"},
    {"  ", "STRING String    | back=  "},
    {"a:b", "STRING String a:b | back=a:b"},
    {"x\\:y", "STRING String x\\:y | back=x\\:y"},
    {"1.5E3", "INT16 Short 1500 | back=1500"},
    {"-0", "INT8 Byte 0 | back=0"},
    {"00012", "INT8 Byte 12 | back=12"},
    {"[\"a\\\"b\"]", "ARRAY<STRING> ArrayList [a\\\"b] | back=[\"a\\\\\\\"b\"]"},
    {"{\"a\":1,}", "MAP{STRING,INT8} LinkedHashMap {a=1} | back={\"a\":1}"},
    {"[1,,2]", "STRING String [1,,2] | back=[1,,2]"},
    {"[\"2024-01-15\"]", "ARRAY<INT32/org.apache.kafka.connect.data.Date> ArrayList [Mon Jan 15 00:00:00 UTC 2024] | back=[2024-01-15]"},
    {"1e-400", "FLOAT32 Float 0.0 | back=0.0"},
    {" true", "BOOLEAN Boolean true | back=true"},
    {"true ", "BOOLEAN Boolean true | back=true"},
    {"[ 1 , 2 ]", "ARRAY<INT8> ArrayList [1, 2] | back=[1,2]"},
    {"{\"a\":\"b\":\"c\"}", "STRING String {\"a\":\"b\":\"c\"} | back={\"a\":\"b\":\"c\"}"},
    {"[1 2]", "STRING String [1 2] | back=[1 2]"},
    {"[1,\"a\",2]", "ARRAY<null> ArrayList [1, a, 2] | back=[1,\"a\",2]"},
    {"[\"a\",1,\"b\"]", "ARRAY<null> ArrayList [a, 1, b] | back=[\"a\",1,\"b\"]"},
    {"{\"a\":1,\"k\":null}", "STRING String {\"a\":1,\"k\":null} | back={\"a\":1,\"k\":null}"},
    {"[1e30]", "ARRAY<FLOAT32> ArrayList [1.0E30] | back=[1.0E30]"},
    {"1e30", "FLOAT32 Float 1.0E30 | back=1.0E30"},
    {"1e39", "FLOAT64 Double 1.0E39 | back=1.0E39"},
    {"[[1],[300]]", "ARRAY<ARRAY<INT16>> ArrayList [[1], [300]] | back=[[1],[300]]"},
    {"{1:2}", "MAP{INT8,INT8} LinkedHashMap {1=2} | back={1:2}"},
    {"{\"a\" \"b\"}", "STRING String {\"a\" \"b\"} | back={\"a\" \"b\"}"},
    {"[1,2] xyz", "ARRAY<INT8> ArrayList [1, 2] | back=[1,2]"},
    {"{\"a\":1 \"b\":2}", "MAP{STRING,INT8} LinkedHashMap {a=1, b=2} | back={\"a\":1,\"b\":2}"},
    {"[1,]", "ARRAY<INT8> ArrayList [1] | back=[1]"},
    {"[1.0,2]", "ARRAY<INT8> ArrayList [1, 2] | back=[1,2]"},
    {"[\"2024-01-15\",5]", "ARRAY<INT32/org.apache.kafka.connect.data.Date> ArrayList [Mon Jan 15 00:00:00 UTC 2024, Tue Jan 06 00:00:00 UTC 1970] | back=[2024-01-15,1970-01-06]"},
    {"[true,1]", "ARRAY<null> ArrayList [true, 1] | back=[true,1]"},
    {"{\"a\":true,\"b\":false}", "MAP{STRING,BOOLEAN} LinkedHashMap {a=true, b=false} | back={\"a\":true,\"b\":false}"},
    {"{\"x\":1.5,\"y\":2}", "MAP{STRING,FLOAT32} LinkedHashMap {x=1.5, y=2.0} | back={\"x\":1.5,\"y\":2.0}"},
    {"-1.5", "FLOAT32 Float -1.5 | back=-1.5"},
    {"1E+2", "INT8 Byte 100 | back=100"},
    {"[-1,1e2]", "ARRAY<INT8> ArrayList [-1, 100] | back=[-1,100]"},
    {"[2024-01-15T12:30:45.123Z]", "ARRAY<INT64/org.apache.kafka.connect.data.Timestamp> ArrayList [Mon Jan 15 12:30:45 UTC 2024] | back=[2024-01-15T12:30:45.123Z]"},
};

static void test_simple_header_converter(void) {
  char err[256];
  kc_header_converter_t *h = kc_header_converter_create("SimpleHeaderConverter", NULL, err, sizeof err);
  CHECK(h != NULL);
  if (!h) return;
  size_t n = sizeof header_cases / sizeof header_cases[0];
  for (size_t i = 0; i < n; i++) {
    const char *in = header_cases[i].in;
    kc_schema_t *s;
    kc_value_t *v;
    char *got = NULL;
    if (kc_header_converter_to_connect(h, "t", "k", in, strlen(in), &s, &v, err, sizeof err)) {
      got = strdup(err);
    } else if (!s && !v) {
      got = strdup("NULLSV");
    } else {
      kc_buf_t line, back;
      bool is_null;
      kc_buf_init(&line, 0);
      kc_buf_init(&back, 0);
      desc(s, &line);
      kc_buf_printf(&line, " %s ", java_class(s, v));
      kc_value_to_java_string_schema(s, v, &line);
      CHECK(kc_header_converter_from_connect(h, "t", "k", s, v, &back, &is_null, err, sizeof err) == 0);
      kc_buf_printf(&line, " | back=%s", is_null ? "NULL" : back.data ? back.data : "");
      got = strdup(line.data);
      kc_buf_free(&line);
      kc_buf_free(&back);
    }
    if (strcmp(got, header_cases[i].expect)) fprintf(stderr, "  header input: %s\n", in);
    CHECK_STR(got, header_cases[i].expect);
    free(got);
    kc_schema_decref(s);
    kc_value_destroy(v);
  }
  printf("     %zu header values parsed as Connect 3.9.1 does\n", n);

  /* null bytes, empty string, invalid UTF-8 */
  kc_schema_t *s = (kc_schema_t *)1;
  kc_value_t *v = (kc_value_t *)1;
  CHECK(kc_header_converter_to_connect(h, "t", "k", NULL, 0, &s, &v, err, sizeof err) == 0 && !s && !v);
  CHECK(kc_header_converter_to_connect(h, "t", "k", "", 0, &s, &v, err, sizeof err) == 0);
  CHECK(s == &kc_schema_string && v && v->u.str.len == 0);
  kc_value_destroy(v);
  CHECK(kc_header_converter_to_connect(h, "t", "k", "x\xff", 2, &s, &v, err, sizeof err) == 0);
  CHECK(s == &kc_schema_string && v && !strcmp(v->u.str.ptr, "x\xef\xbf\xbd"));
  kc_value_destroy(v);
  /* writing: Values.convertToString */
  kc_buf_t b;
  bool is_null;
  kc_buf_init(&b, 0);
  kc_schema_t *st = kc_schema_new(KC_TYPE_STRUCT);
  kc_schema_add_field(st, "id", kc_schema_new(KC_TYPE_INT32));
  kc_schema_add_field(st, "q", &kc_schema_optional_string);
  kc_value_t *sv = kc_value_new_struct(st);
  kc_value_struct_set(sv, "id", kc_value_new_int(KC_TYPE_INT32, 7));
  kc_value_struct_set(sv, "q", str("say \"hi\" \\o/"));
  CHECK(kc_header_converter_from_connect(h, "t", "k", st, sv, &b, &is_null, err, sizeof err) == 0);
  CHECK_STR(b.data, "{\"id\":7,\"q\":\"say \\\"hi\\\" \\\\o/\"}");
  kc_buf_reset(&b);
  v = kc_value_new_bytes("hi", 2);
  CHECK(kc_header_converter_from_connect(h, "t", "k", NULL, v, &b, &is_null, err, sizeof err) == 0);
  CHECK_STR(b.data, "aGk=");
  kc_value_destroy(v);
  kc_buf_reset(&b);
  v = kc_value_new_int(KC_TYPE_INT64, 1705321845123);
  CHECK(kc_header_converter_from_connect(h, "t", "k", kc_schema_logical(KC_LOGICAL_TIMESTAMP), v, &b, &is_null, err, sizeof err) == 0);
  CHECK_STR(b.data, "2024-01-15T12:30:45.123Z");
  kc_value_destroy(v);
  CHECK(kc_header_converter_from_connect(h, "t", "k", NULL, NULL, &b, &is_null, err, sizeof err) == 0 && is_null);
  kc_value_destroy(sv);
  kc_schema_decref(st);
  kc_buf_free(&b);
  kc_header_converter_destroy(h);

  /* StringConverter and JsonConverter also serve as header converters */
  h = kc_header_converter_create("org.apache.kafka.connect.storage.StringConverter", NULL, err, sizeof err);
  CHECK(h != NULL);
  CHECK(kc_header_converter_to_connect(h, "t", "k", "42", 2, &s, &v, err, sizeof err) == 0);
  CHECK(s == &kc_schema_optional_string && v && !strcmp(v->u.str.ptr, "42"));
  kc_buf_init(&b, 0);
  kc_value_t *lv = kc_value_new_array();
  kc_value_array_append(lv, kc_value_new_int(KC_TYPE_INT32, 1));
  CHECK(kc_header_converter_from_connect(h, "t", "k", NULL, lv, &b, &is_null, err, sizeof err) == 0);
  CHECK_STR(b.data, "[1]");
  kc_value_destroy(lv);
  kc_value_destroy(v);
  kc_header_converter_destroy(h);
  kc_config_t *cfg = cfg_of("schemas.enable=false");
  h = kc_header_converter_create("JsonConverter", cfg, err, sizeof err);
  kc_config_destroy(cfg);
  CHECK(h != NULL);
  CHECK(kc_header_converter_to_connect(h, "t", "k", "[1,\"x\"]", 7, &s, &v, err, sizeof err) == 0);
  CHECK(!s && v && v->type == KC_TYPE_ARRAY && v->u.arr.n == 2);
  kc_buf_reset(&b);
  CHECK(kc_header_converter_from_connect(h, "t", "k", NULL, v, &b, &is_null, err, sizeof err) == 0);
  CHECK_STR(b.data, "[1,\"x\"]");
  kc_value_destroy(v);
  kc_buf_free(&b);
  kc_header_converter_destroy(h);
}

/* ---- JSONTestSuite through the converter ------------------------------------------ */

static int kc_conv_test_fail(char *err, size_t n) {
  snprintf(err, n, "tombstone on one side only");
  return -1;
}

static void test_suite_through_converter(void) {
  char err[512];
  kc_test_dir_t dir;
  if (!CHECK(kc_test_dir_open(&dir, kc_test_data("json-test-suite/test_parsing")))) return;
  kc_converter_t *c = make("JsonConverter", "schemas.enable=false", err, sizeof err);
  kc_converter_t *env = make("JsonConverter", "-", err, sizeof err);
  int files = 0, ok = 0;
  while (kc_test_dir_next(&dir)) {
    if (dir.name[0] != 'y') continue;
    size_t len;
    char *text = kc_test_read_file(dir.path, &len);
    if (!text) continue;
    files++;
    kc_schema_t *s = NULL, *s2 = NULL;
    kc_value_t *v = NULL, *orig = NULL, *back = NULL, *v2 = NULL;
    kc_buf_t b, wrapped;
    bool is_null;
    kc_buf_init(&b, 0);
    kc_buf_init(&wrapped, 0);
    int rc = kc_converter_to_connect(c, "t", text, len, &s, &v, err, sizeof err);
    if (!rc) rc = kc_converter_from_connect(c, "t", s, v, &b, &is_null, err, sizeof err);
    /* what came out parses to the same value; a schemaless envelope carries it too.
     * A top-level null is a Kafka null (tombstone) both ways, as in Connect. */
    bool tomb = !rc && is_null;
    if (!rc) rc = kc_json_decode(text, len, &orig, err, sizeof err);
    if (!rc && !tomb) rc = kc_json_decode(b.data, b.len, &back, err, sizeof err);
    if (!rc) rc = kc_converter_from_connect(env, "t", NULL, v, &wrapped, &is_null, err, sizeof err);
    if (!rc && tomb != is_null) rc = kc_conv_test_fail(err, sizeof err);
    if (!rc && !tomb) rc = kc_converter_to_connect(env, "t", wrapped.data, wrapped.len, &s2, &v2, err, sizeof err);
    if (!rc && s == NULL && (tomb ? v == NULL && orig == NULL : kc_value_equal(orig, back)) &&
        kc_value_equal(v, orig) && s2 == NULL && kc_value_equal(v2, v))
      ok++;
    else
      fprintf(stderr, "  %s: %s\n", dir.name, rc ? err : "values differ");
    kc_value_destroy(v);
    kc_value_destroy(orig);
    kc_value_destroy(back);
    kc_value_destroy(v2);
    kc_buf_free(&b);
    kc_buf_free(&wrapped);
    free(text);
  }
  kc_test_dir_close(&dir);
  kc_converter_destroy(c);
  kc_converter_destroy(env);
  printf("     %d of %d y_ files converted and written back\n", ok, files);
  CHECK(files >= 95 && ok == files);
}

/*
 * Mutated inputs (flipped, dropped, duplicated and inserted bytes, truncation)
 * through every converter: each call either succeeds, and then the value can
 * be written back, or fails with a message. Under ASan this is the crash test.
 */
static void test_mutations(void) {
  char err[512];
  const char *cfgs[] = {"-", "schemas.enable=false", "decimal.format=NUMERIC,schemas.cache.size=3"};
  kc_converter_t *convs[4];
  for (int i = 0; i < 3; i++) convs[i] = make("JsonConverter", cfgs[i], err, sizeof err);
  convs[3] = make("StringConverter", "-", err, sizeof err);
  kc_header_converter_t *h = kc_header_converter_create("SimpleHeaderConverter", NULL, err, sizeof err);
  uint64_t x = 0x2545F4914F6CDD1DULL;
  static const char inserts[] = "{}[]\",:0-eE.\\u\xff\x00 tnf";
  int ok = 0, rejected = 0, bad = 0;
  size_t ncases = sizeof json_cases / sizeof json_cases[0];
  for (size_t ci = 0; ci < ncases + sizeof header_cases / sizeof header_cases[0]; ci++) {
    const char *base = ci < ncases ? json_cases[ci].input : header_cases[ci - ncases].in;
    size_t blen = strlen(base);
    for (int round = 0; round < 40; round++) {
      char buf[2048];
      size_t n = blen < sizeof buf - 8 ? blen : sizeof buf - 8;
      memcpy(buf, base, n);
      for (int k = 0; k < 1 + round % 4; k++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        size_t pos = n ? (size_t)(x >> 8) % n : 0;
        switch (x % 5) {
          case 0: if (n) buf[pos] ^= (char)(1u << (x >> 40) % 8); break;
          case 1: if (n) { memmove(buf + pos, buf + pos + 1, n - pos - 1); n--; } break;
          case 2: if (n < sizeof buf - 8) { memmove(buf + pos + 1, buf + pos, n - pos); buf[pos] = inserts[(x >> 20) % (sizeof inserts - 1)]; n++; } break;
          case 3: n = pos; break;
          case 4: if (n && n < sizeof buf - 8) { memmove(buf + pos + 1, buf + pos, n - pos); n++; } break;
        }
      }
      for (int ci2 = 0; ci2 < 4; ci2++) {
        kc_schema_t *sc = NULL;
        kc_value_t *v = NULL;
        err[0] = '\0';
        int rc = kc_converter_to_connect(convs[ci2], "t", buf, n, &sc, &v, err, sizeof err);
        if (rc == 0) {
          kc_buf_t out;
          bool is_null;
          kc_buf_init(&out, 0);
          if (kc_converter_from_connect(convs[ci2], "t", sc, v, &out, &is_null, err, sizeof err)) bad++;
          kc_buf_free(&out);
          ok++;
        } else if (rc == KC_ECONVERT && err[0] && !sc && !v) {
          rejected++;
        } else {
          bad++;
          fprintf(stderr, "  rc=%d err=\"%s\" for %.*s\n", rc, err, (int)n, buf);
        }
        kc_schema_decref(sc);
        kc_value_destroy(v);
      }
      kc_schema_t *sc;
      kc_value_t *v;
      if (kc_header_converter_to_connect(h, "t", "k", buf, n, &sc, &v, err, sizeof err)) {
        bad++;
      } else {
        kc_buf_t out;
        bool is_null;
        kc_buf_init(&out, 0);
        if (kc_header_converter_from_connect(h, "t", "k", sc, v, &out, &is_null, err, sizeof err)) bad++;
        kc_buf_free(&out);
      }
      kc_schema_decref(sc);
      kc_value_destroy(v);
    }
  }
  printf("     %d mutated inputs converted, %d rejected with a message\n", ok, rejected);
  CHECK(bad == 0 && ok > 1000 && rejected > 1000);
  for (int i = 0; i < 4; i++) kc_converter_destroy(convs[i]);
  kc_header_converter_destroy(h);
}

/* Many records of one schema: conversions stay correct through the caches (timing printed). */
static void test_throughput(void) {
  char err[512];
  kc_converter_t *c = make("JsonConverter", "-", err, sizeof err);
  const char *doc =
      "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"field\":\"id\"},"
      "{\"type\":\"string\",\"field\":\"name\"},{\"type\":\"double\",\"optional\":true,\"field\":"
      "\"score\"},{\"type\":\"array\",\"items\":{\"type\":\"string\"},\"field\":\"tags\"}],"
      "\"optional\":false,\"name\":\"rec\"},\"payload\":{\"id\":12345,\"name\":\"a reasonably long "
      "name\",\"score\":0.75,\"tags\":[\"x\",\"y\",\"z\"]}}";
  /* what Connect writes back: "optional" spelled out */
  const char *canon =
      "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,"
      "\"field\":\"id\"},{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},{\"type\":"
      "\"double\",\"optional\":true,\"field\":\"score\"},{\"type\":\"array\",\"items\":{\"type\":"
      "\"string\",\"optional\":false},\"optional\":false,\"field\":\"tags\"}],\"optional\":false,"
      "\"name\":\"rec\"},\"payload\":{\"id\":12345,\"name\":\"a reasonably long name\",\"score\":"
      "0.75,\"tags\":[\"x\",\"y\",\"z\"]}}";
  size_t len = strlen(doc);
  int n = 100000, good = 0;
  kc_buf_t out;
  kc_buf_init(&out, 0);
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  for (int i = 0; i < n; i++) {
    kc_schema_t *s;
    kc_value_t *v;
    bool is_null;
    kc_buf_reset(&out);
    if (kc_converter_to_connect(c, "t", doc, len, &s, &v, err, sizeof err) == 0 &&
        kc_converter_from_connect(c, "t", s, v, &out, &is_null, err, sizeof err) == 0 &&
        !strcmp(out.data, canon))
      good++;
    kc_schema_decref(s);
    kc_value_destroy(v);
  }
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  printf("     %d struct records read and written in %.3f s (%.0f records/s)\n", n, secs, n / secs);
  CHECK(good == n);
  kc_buf_free(&out);
  kc_converter_destroy(c);
}

/*
 * The sink runner's arena path: every y_ file of the suite and every loghub
 * structured row (as a JSON object of its columns) converts to the same value
 * and the same Java text as the heap path; arena values refuse mutation, are
 * left alone by kc_value_destroy() (ASan would catch a free), and copy out to
 * owned values that outlive the reset.
 */
static int arena_same(kc_converter_t *c, kc_arena_t *arena, const char *text, size_t len,
                      kc_value_t **copy_out) {
  char err[512], err2[512];
  kc_schema_t *s = NULL, *s2 = NULL;
  kc_value_t *heap = NULL, *av = NULL;
  int rc1 = kc_converter_to_connect(c, "t", text, len, &s, &heap, err, sizeof err);
  int rc2 = kc_converter_to_connect_arena(c, arena, "t", text, len, &s2, &av, err2, sizeof err2);
  int same = rc1 == rc2 && (rc1 ? !strcmp(err, err2) : kc_value_equal(heap, av));
  if (same && !rc1 && heap) {
    kc_buf_t a, b;
    kc_buf_init(&a, 0);
    kc_buf_init(&b, 0);
    same = !kc_value_to_java_string(heap, &a) && !kc_value_to_java_string(av, &b) &&
           a.len == b.len && !memcmp(a.data, b.data, a.len);
    kc_buf_free(&a);
    kc_buf_free(&b);
    same = same && (av->flags & 1) == 1;
  }
  if (same && av && copy_out && !*copy_out) *copy_out = kc_value_copy(av);
  kc_value_destroy(heap);
  kc_value_destroy(av); /* a no-op for arena values */
  kc_schema_decref(s);
  kc_schema_decref(s2);
  return same;
}

static void test_arena_values(void) {
  char err[512];
  kc_converter_t *c = make("JsonConverter", "schemas.enable=false", err, sizeof err);
  kc_arena_t arena = KC_ARENA_INIT;
  kc_value_t *kept = NULL;
  int files = 0, same = 0;
  kc_test_dir_t dir;
  if (!CHECK(c) || !CHECK(kc_test_dir_open(&dir, kc_test_data("json-test-suite/test_parsing")))) return;
  while (kc_test_dir_next(&dir)) {
    if (dir.name[0] != 'y' && dir.name[0] != 'n') continue;
    size_t len;
    char *text = kc_test_read_file(dir.path, &len);
    if (!text) continue;
    files++;
    if (arena_same(c, &arena, text, len, dir.name[0] == 'y' ? &kept : NULL)) same++;
    else fprintf(stderr, "  %s: arena and heap conversions differ\n", dir.name);
    free(text);
    if (files % 50 == 0) kc_arena_reset(&arena);
  }
  kc_test_dir_close(&dir);
  CHECKF(same == files, "%d of %d suite files the same", same, files);

  /* loghub rows as JSON objects: long strings, duplicate-free keys, numbers */
  size_t len;
  char *csv = kc_test_read_file(kc_test_data("loghub/Apache/Apache_2k.log_structured.csv"), &len);
  if (CHECK(csv)) {
    kc_test_csv_row_t hdr = {0}, row = {0};
    char *p = kc_test_csv_next_row(csv, &hdr);
    int rows = 0, rsame = 0;
    while (p && (p = kc_test_csv_next_row(p, &row))) {
      kc_buf_t j;
      kc_buf_init(&j, 0);
      kc_buf_puts(&j, "{");
      for (size_t i = 0; i < row.n && i < hdr.n; i++) {
        kc_buf_printf(&j, "%s\"%s\":", i ? "," : "", hdr.cell[i]);
        char *end;
        long long num = strtoll(row.cell[i], &end, 10);
        if (*row.cell[i] && !*end) kc_buf_printf(&j, "%lld", num);
        else {
          kc_buf_puts(&j, "\"");
          for (const char *q = row.cell[i]; *q; q++) {
            if (*q == '"' || *q == '\\') kc_buf_printf(&j, "\\%c", *q);
            else if ((unsigned char)*q < 0x20) kc_buf_printf(&j, "\\u%04x", (unsigned char)*q);
            else kc_buf_append(&j, q, 1);
          }
          kc_buf_puts(&j, "\"");
        }
      }
      kc_buf_puts(&j, "}");
      rows++;
      if (arena_same(c, &arena, j.data, j.len, NULL)) rsame++;
      kc_buf_free(&j);
    }
    CHECKF(rows > 1000 && rsame == rows, "%d of %d loghub rows the same", rsame, rows);
    free(hdr.cell);
    free(row.cell);
    free(csv);
  }

  /* read-only: the public mutators refuse arena containers */
  kc_schema_t *s = NULL;
  kc_value_t *m = NULL;
  const char *doc = "{\"a\":[1,2,3,4,5,6,7,8,9],\"b\":{\"c\":\"x\"}}";
  CHECK(!kc_converter_to_connect_arena(c, &arena, "t", doc, strlen(doc), &s, &m, err, sizeof err));
  if (CHECK(m && m->type == KC_TYPE_MAP)) {
    CHECK(kc_value_map_put(m, kc_value_new_string("k", 1), NULL) == KC_EINVAL);
    CHECK(kc_value_array_append(m->u.map.vals[0], kc_value_new_bool(true)) == KC_EINVAL);
    CHECK(m->u.map.vals[0]->u.arr.n == 9);
  }
  /* copies outlive the arena */
  CHECK(kept != NULL);
  kc_arena_reset(&arena);
  kc_arena_free(&arena);
  if (kept) {
    kc_buf_t b;
    kc_buf_init(&b, 0);
    CHECK(kept->flags == 0 && !kc_value_to_java_string(kept, &b));
    kc_buf_free(&b);
    kc_value_destroy(kept);
  }
  kc_converter_destroy(c);
}

/* The string scanner's 8-byte fast path: every special byte at every offset of a long string. */
static void test_json_string_offsets(void) {
  static const struct { const char *ins; int ok; const char *want; } cases[] = {
      {"\\\"", 1, "\""}, {"\\\\", 1, "\\"}, {"\\n", 1, "\n"}, {"\\u00e9", 1, "\xC3\xA9"},
      {"\xC3\xA9", 1, "\xC3\xA9"}, {"\x01", 0, NULL}, {"\x1f", 0, NULL}, {"\xFF", 0, NULL},
      {"\x7f", 1, "\x7f"}, {" ", 1, " "},
  };
  int bad = 0;
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    for (int off = 0; off < 24; off++) {
      char doc[128], want[128];
      memset(want, 'a', sizeof want);
      int n = snprintf(doc, sizeof doc, "\"%.*s%s%.*s\"", off, "aaaaaaaaaaaaaaaaaaaaaaaa",
                       cases[k].ins, 17, "bbbbbbbbbbbbbbbbb");
      kc_value_t *v = NULL;
      char err[256];
      int rc = kc_json_decode(doc, (size_t)n, &v, err, sizeof err);
      if (cases[k].ok) {
        int wn = snprintf(want, sizeof want, "%.*s%s%.*s", off, "aaaaaaaaaaaaaaaaaaaaaaaa",
                          cases[k].want, 17, "bbbbbbbbbbbbbbbbb");
        if (rc || !v || v->u.str.len != (size_t)wn || memcmp(v->u.str.ptr, want, (size_t)wn)) bad++;
        /* and the writer's fast path gives it back */
        kc_buf_t enc;
        kc_buf_init(&enc, 0);
        kc_value_t *back = NULL;
        if (kc_json_encode_string(&enc, want, (size_t)wn) ||
            kc_json_decode(enc.data, enc.len, &back, err, sizeof err) || !back ||
            back->u.str.len != (size_t)wn || memcmp(back->u.str.ptr, want, (size_t)wn))
          bad++;
        kc_value_destroy(back);
        kc_buf_free(&enc);
      } else if (!rc) {
        bad++;
      }
      kc_value_destroy(v);
    }
  }
  CHECKF(bad == 0, "%d string cases decoded wrongly", bad);
}

static void test_buf_append_int(void) {
  const int64_t vals[] = {0, 1, -1, 9, 10, -10, 123456789, INT64_MAX, INT64_MIN, INT64_MIN + 1};
  for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
    char want[32];
    snprintf(want, sizeof want, "%lld", (long long)vals[i]);
    kc_buf_t b;
    kc_buf_init(&b, 0);
    CHECK(!kc_buf_append_int(&b, vals[i]));
    CHECK_STR(b.data, want);
    kc_buf_free(&b);
  }
}

int main(void) {
  kc_test_run("json_converter_table", test_json_table);
  kc_test_run("json_from_connect", test_from_connect);
  kc_test_run("json_nulls_cache_limits", test_json_nulls_and_cache);
  kc_test_run("string_converter", test_string_converter);
  kc_test_run("bytearray_converter", test_bytearray_converter);
  kc_test_run("class_names", test_class_names);
  kc_test_run("simple_header_converter", test_simple_header_converter);
  kc_test_run("json_suite_through_converter", test_suite_through_converter);
  kc_test_run("mutations", test_mutations);
  kc_test_run("throughput", test_throughput);
  kc_test_run("arena_values", test_arena_values);
  kc_test_run("json_string_offsets", test_json_string_offsets);
  kc_test_run("buf_append_int", test_buf_append_int);
  return kc_test_done();
}
