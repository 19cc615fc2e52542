/* The transform chain and the built-in transformations, through JsonConverter (schemas.enable)
 * as Connect's own tests see records. Expected texts follow the Java classes of Kafka 3.9. */
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "kc_test.h"
#include "transform/chain.h"
#include "transform/java_date.h"
#include "transform/xf_config.h"
#include "util/jregex.h"

static char outbuf[32768];

static kc_config_t *props(const char *const *kv) {
  kc_config_t *c = kc_config_new();
  for (; kv[0]; kv += 2) kc_config_set(c, kv[0], kv[1]);
  return c;
}

/* Applies @p kv's chain to one sink record; returns "topic|key|value", "DROP" or "ERR class: msg". */
static const char *run(const char *const *kv, const char *topic, const char *key, const char *value,
                       int64_t ts) {
  kc_config_t *cfg = props(kv), *jc = kc_config_new();
  kc_config_set(jc, "schemas.enable", "true");
  char err[1024] = "";
  kc_xf_chain_t *chain = NULL;
  if (kc_xf_chain_create(cfg, &chain, err, sizeof err)) {
    snprintf(outbuf, sizeof outbuf, "CONFIG %s", err);
    kc_config_destroy(cfg);
    kc_config_destroy(jc);
    return outbuf;
  }
  kc_converter_t *kconv = kc_converter_create("JsonConverter", jc, true, err, sizeof err);
  kc_converter_t *vconv = kc_converter_create("JsonConverter", jc, false, err, sizeof err);
  kc_arena_t arena = KC_ARENA_INIT;
  kc_schema_t *ks = NULL, *vs = NULL;
  kc_value_t *k = NULL, *v = NULL;
  if (key) kc_converter_to_connect_arena(kconv, &arena, topic, key, strlen(key), &ks, &k, err, sizeof err);
  if (value) kc_converter_to_connect_arena(vconv, &arena, topic, value, strlen(value), &vs, &v, err, sizeof err);
  kc_xrecord_t r;
  kc_xrecord_init(&r, &arena, true, topic, 3, 42, ts, NULL, 0, NULL, NULL);
  kc_xrecord_set_key(&r, ks, k);
  kc_xrecord_set_value(&r, vs, v);
  kc_xf_failure_t f = {0};
  int rc = kc_xf_chain_apply(chain, &r, &f);
  if (rc == KC_XF_DROP) {
    snprintf(outbuf, sizeof outbuf, "DROP");
  } else if (rc) {
    snprintf(outbuf, sizeof outbuf, "ERR %s: %s", f.error.exception, f.error.message);
  } else {
    kc_buf_t kb, vb;
    kc_buf_init(&kb, 0);
    kc_buf_init(&vb, 0);
    bool kn, vn;
    kc_converter_from_connect(kconv, r.topic, r.key_schema, r.key, &kb, &kn, err, sizeof err);
    kc_converter_from_connect(vconv, r.topic, r.value_schema, r.value, &vb, &vn, err, sizeof err);
    int w = snprintf(outbuf, sizeof outbuf, "%s|%s|%s", r.topic, kn ? "null" : kb.data, vn ? "null" : vb.data);
    for (size_t i = 0; i < kc_xrecord_header_count(&r); i++) {
      const kc_schema_t *hs;
      const kc_value_t *hv;
      kc_xf_error_t he;
      kc_xrecord_header_value(&r, i, &hs, &hv, &he);
      kc_buf_reset(&vb);
      kc_converter_from_connect(vconv, r.topic, hs, hv, &vb, &vn, err, sizeof err);
      w += snprintf(outbuf + w, sizeof outbuf - (size_t)w, "|H %s=%s", kc_xrecord_header_at(&r, i)->key,
                    vn ? "null" : vb.data);
    }
    kc_buf_free(&kb);
    kc_buf_free(&vb);
  }
  kc_xrecord_finish(&r);
  kc_value_destroy(k); /* a converter's heap values (arena ones are left to the arena) */
  kc_value_destroy(v);
  kc_schema_decref(ks);
  kc_schema_decref(vs);
  kc_arena_free(&arena);
  kc_converter_destroy(kconv);
  kc_converter_destroy(vconv);
  kc_xf_chain_destroy(chain);
  kc_config_destroy(cfg);
  kc_config_destroy(jc);
  return outbuf;
}

#define STRUCT_AB                                                                               \
  "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"a\"}," \
  "{\"type\":\"int32\",\"optional\":true,\"field\":\"b\"}],\"optional\":false,\"name\":\"r\"},"   \
  "\"payload\":{\"a\":\"x\",\"b\":7}}"
#define MAP_AB "{\"schema\":null,\"payload\":{\"a\":\"x\",\"b\":7}}"

static void test_insert_replace_route(void) {
  const char *const chain[] = {
      "transforms", "ins,rep,route",
      "transforms.ins.type", "org.apache.kafka.connect.transforms.InsertField$Value",
      "transforms.ins.static.field", "src", "transforms.ins.static.value", "logs",
      "transforms.ins.topic.field", "t!",
      "transforms.rep.type", "org.apache.kafka.connect.transforms.ReplaceField$Value",
      "transforms.rep.exclude", "b", "transforms.rep.renames", "a:line",
      "transforms.route.type", "RegexRouter",
      "transforms.route.regex", "(\\w+)-(?<env>prod|dev)", "transforms.route.replacement", "$1_${env}_$2x",
      NULL};
  CHECK_STR(run(chain, "app-prod", NULL, STRUCT_AB, 5),
            "app_prod_prodx|null|{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
            "\"field\":\"line\"},{\"type\":\"string\",\"optional\":false,\"field\":\"t\"},{\"type\":\"string\","
            "\"optional\":true,\"field\":\"src\"}],\"optional\":false,\"name\":\"r\"},\"payload\":{\"line\":\"x\","
            "\"t\":\"app-prod\",\"src\":\"logs\"}}");
  /* schemaless: a map; the topic does not match the whole regex, so it stays */
  CHECK_STR(run(chain, "app-test", NULL, MAP_AB, 5),
            "app-test|null|{\"schema\":null,\"payload\":{\"line\":\"x\",\"t\":\"app-test\",\"src\":\"logs\"}}");
  /* a string value is neither Struct nor Map */
  CHECK_STR(run(chain, "t", NULL, "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"s\"}", 5),
            "ERR org.apache.kafka.connect.errors.DataException: Only Struct objects supported for [field insertion], "
            "found: java.lang.String");
  /* null values pass InsertField untouched; ReplaceField too */
  CHECK_STR(run(chain, "a-dev", NULL, NULL, 5), "a_dev_devx|null|null");
}

static void test_filter_predicates(void) {
  const char *const chain[] = {
      "transforms", "drop", "transforms.drop.type", "org.apache.kafka.connect.transforms.Filter",
      "transforms.drop.predicate", "tomb", "predicates", "tomb,other",
      "predicates.tomb.type", "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
      "predicates.other.type", "TopicNameMatches", "predicates.other.pattern", "x.*", NULL};
  CHECK_STR(run(chain, "t", NULL, NULL, 1), "DROP");
  CHECK_STR(run(chain, "t", NULL, MAP_AB, 1), "t|null|" MAP_AB);
  const char *const neg[] = {
      "transforms", "drop", "transforms.drop.type", "Filter", "transforms.drop.predicate", "m",
      "transforms.drop.negate", "true", "predicates", "m", "predicates.m.type", "TopicNameMatches",
      "predicates.m.pattern", "keep-.*", NULL};
  CHECK_STR(run(neg, "keep-1", NULL, MAP_AB, 1), "keep-1|null|" MAP_AB);
  CHECK_STR(run(neg, "other", NULL, MAP_AB, 1), "DROP");
}

static void test_hoist_extract_v2k(void) {
  const char *const hoist[] = {"transforms", "h", "transforms.h.type",
                               "org.apache.kafka.connect.transforms.HoistField$Value", "transforms.h.field", "line", NULL};
  CHECK_STR(run(hoist, "t", NULL, "{\"schema\":{\"type\":\"string\",\"optional\":false},\"payload\":\"hi\"}", 1),
            "t|null|{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"line\"}],"
            "\"optional\":false},\"payload\":{\"line\":\"hi\"}}");
  const char *const ext[] = {"transforms", "e", "transforms.e.type",
                             "org.apache.kafka.connect.transforms.ExtractField$Value", "transforms.e.field", "b", NULL};
  CHECK_STR(run(ext, "t", NULL, STRUCT_AB, 1), "t|null|{\"schema\":{\"type\":\"int32\",\"optional\":true},\"payload\":7}");
  CHECK_STR(run(ext, "t", NULL, MAP_AB, 1), "t|null|{\"schema\":null,\"payload\":7}");
  const char *const ext2[] = {"transforms", "e", "transforms.e.type",
                              "org.apache.kafka.connect.transforms.ExtractField$Value", "transforms.e.field", "zz", NULL};
  CHECK_STR(run(ext2, "t", NULL, STRUCT_AB, 1), "ERR java.lang.IllegalArgumentException: Unknown field: zz");
  const char *const v2k[] = {"transforms", "k", "transforms.k.type", "ValueToKey", "transforms.k.fields", "b", NULL};
  CHECK_STR(run(v2k, "t", NULL, STRUCT_AB, 1),
            "t|{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,\"field\":\"b\"}],"
            "\"optional\":false},\"payload\":{\"b\":7}}|" STRUCT_AB);
  const char *const v2k_bad[] = {"transforms", "k", "transforms.k.type", "ValueToKey", "transforms.k.fields", "nope", NULL};
  CHECK_STR(run(v2k_bad, "t", NULL, STRUCT_AB, 1), "ERR org.apache.kafka.connect.errors.DataException: Field does not exist: nope");
}

static void test_timestamp_router(void) {
  const char *const tsr[] = {"transforms", "r", "transforms.r.type", "TimestampRouter", NULL};
  /* 2024-01-15T12:30:45.123Z */
  CHECK_STR(run(tsr, "logs", NULL, NULL, 1705321845123), "logs-20240115|null|null");
  const char *const tsr2[] = {"transforms", "r", "transforms.r.type", "TimestampRouter",
                              "transforms.r.topic.format", "${timestamp}.${topic}.${topic}",
                              "transforms.r.timestamp.format", "yy-MMM-dd'T'HH:mm:ss.SSS EEE a", NULL};
  CHECK_STR(run(tsr2, "t", NULL, NULL, 1705321845123), "24-Jan-15T12:30:45.123 Mon PM.t.t|null|null");
  CHECK_PREFIX(run(tsr, "t", NULL, NULL, -1),
               "ERR org.apache.kafka.connect.errors.DataException: Timestamp missing on record: ");
  char err[256];
  CHECK(kc_java_date_compile("yyyyq", err, sizeof err) == NULL);
  CHECK_STR(err, "Illegal pattern character 'q'");
}

#define NESTED                                                                                   \
  "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"a\"},"   \
  "{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"x\"}],"               \
  "\"optional\":true,\"field\":\"in\"}],\"optional\":false},\"payload\":{\"a\":\"s\",\"in\":{\"x\":5}}}"

static void test_flatten_mask(void) {
  const char *const fl[] = {"transforms", "f", "transforms.f.type", "org.apache.kafka.connect.transforms.Flatten$Value",
                            "transforms.f.delimiter", "_", NULL};
  /* the nested field becomes optional: its parent was */
  CHECK_STR(run(fl, "t", NULL, NESTED, 1),
            "t|null|{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
            "\"field\":\"a\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"in_x\"}],\"optional\":false},"
            "\"payload\":{\"a\":\"s\",\"in_x\":5}}");
  CHECK_STR(run(fl, "t", NULL, "{\"schema\":null,\"payload\":{\"a\":{\"b\":{\"c\":1}},\"d\":[1,2]}}", 1),
            "t|null|{\"schema\":null,\"payload\":{\"a_b_c\":1,\"d\":[1,2]}}");
  const char *const mk[] = {"transforms", "m", "transforms.m.type", "org.apache.kafka.connect.transforms.MaskField$Value",
                            "transforms.m.fields", "a,b", NULL};
  CHECK_STR(run(mk, "t", NULL, STRUCT_AB, 1),
            "t|null|{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
            "\"field\":\"a\"},{\"type\":\"int32\",\"optional\":true,\"field\":\"b\"}],\"optional\":false,"
            "\"name\":\"r\"},\"payload\":{\"a\":\"\",\"b\":0}}");
  const char *const mk2[] = {"transforms", "m", "transforms.m.type", "org.apache.kafka.connect.transforms.MaskField$Value",
                             "transforms.m.fields", "b,zz", "transforms.m.replacement", "99", NULL};
  CHECK_STR(run(mk2, "t", NULL, MAP_AB, 1), "t|null|{\"schema\":null,\"payload\":{\"a\":\"x\",\"b\":99,\"zz\":null}}");
  const char *const mk3[] = {"transforms", "m", "transforms.m.type", "org.apache.kafka.connect.transforms.MaskField$Value",
                             "transforms.m.fields", "b", "transforms.m.replacement", "abc", NULL};
  CHECK_STR(run(mk3, "t", NULL, MAP_AB, 1),
            "ERR org.apache.kafka.connect.errors.DataException: Unable to convert abc (class java.lang.String) to a number");
}

static void test_headers(void) {
  const char *const hf[] = {"transforms", "h,ins,drop", "transforms.h.type", "org.apache.kafka.connect.transforms.HeaderFrom$Value",
                            "transforms.h.fields", "b", "transforms.h.headers", "hb", "transforms.h.operation", "move",
                            "transforms.ins.type", "InsertHeader", "transforms.ins.header", "lit",
                            "transforms.ins.value.literal", "[1,2]", "transforms.drop.type", "DropHeaders",
                            "transforms.drop.headers", "nothing", NULL};
  CHECK_STR(run(hf, "t", NULL, STRUCT_AB, 1),
            "t|null|{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
            "\"field\":\"a\"}],\"optional\":false,\"name\":\"r\"},\"payload\":{\"a\":\"x\"}}"
            "|H hb={\"schema\":{\"type\":\"int32\",\"optional\":true},\"payload\":7}"
            "|H lit={\"schema\":{\"type\":\"array\",\"items\":{\"type\":\"int8\",\"optional\":false},"
            "\"optional\":false},\"payload\":[1,2]}");
  const char *const dh[] = {"transforms", "ins,drop", "transforms.ins.type", "InsertHeader", "transforms.ins.header", "lit",
                            "transforms.ins.value.literal", "x", "transforms.drop.type", "DropHeaders",
                            "transforms.drop.headers", "lit", "predicates", "", NULL};
  CHECK_STR(run(dh, "t", NULL, NULL, 1), "t|null|null");
  const char *const bad[] = {"transforms", "h", "transforms.h.type", "org.apache.kafka.connect.transforms.HeaderFrom$Value",
                             "transforms.h.fields", "a,b", "transforms.h.headers", "x", "transforms.h.operation", "copy", NULL};
  CHECK_STR(run(bad, "t", NULL, NULL, 1), "CONFIG 'fields' config must have the same number of elements as 'headers' config.");
}

static void test_config_errors(void) {
  const char *const unknown[] = {"transforms", "x", "transforms.x.type", "com.example.Nope", NULL};
  CHECK_STR(run(unknown, "t", NULL, NULL, 1),
            "CONFIG Invalid value com.example.Nope for configuration transforms.x.type: Class com.example.Nope could not be found.");
  const char *const abstract[] = {"transforms", "x", "transforms.x.type", "org.apache.kafka.connect.transforms.HoistField", NULL};
  CHECK_STR(run(abstract, "t", NULL, NULL, 1),
            "CONFIG This class is abstract and cannot be created. Did you mean "
            "org.apache.kafka.connect.transforms.HoistField$Key, org.apache.kafka.connect.transforms.HoistField$Value?");
  const char *const noins[] = {"transforms", "x", "transforms.x.type", "org.apache.kafka.connect.transforms.InsertField$Key", NULL};
  CHECK_STR(run(noins, "t", NULL, NULL, 1), "CONFIG No field insertion configured");
  const char *const missing[] = {"transforms", "x", "transforms.x.type", "RegexRouter", "transforms.x.regex", "a", NULL};
  CHECK_STR(run(missing, "t", NULL, NULL, 1),
            "CONFIG Missing required configuration \"transforms.x.replacement\" which has no default value.");
  const char *const negate[] = {"transforms", "x", "transforms.x.type", "Filter", "transforms.x.negate", "true", NULL};
  CHECK_STR(run(negate, "t", NULL, NULL, 1),
            "CONFIG Config 'transforms.x.negate' was provided but there is no config 'transforms.x.predicate' "
            "defining a predicate to be negated.");
  const char *const pred_as_xf[] = {"transforms", "x", "transforms.x.type", "RecordIsTombstone", NULL};
  CHECK_STR(run(pred_as_xf, "t", NULL, NULL, 1),
            "CONFIG Class class org.apache.kafka.connect.transforms.predicates.RecordIsTombstone does not implement "
            "the Transformation interface");
  const char *const renames[] = {"transforms", "x", "transforms.x.type", "org.apache.kafka.connect.transforms.ReplaceField$Value",
                                 "transforms.x.renames", "a:b,c", NULL};
  CHECK_STR(run(renames, "t", NULL, NULL, 1),
            "CONFIG Invalid value [a:b, c] for configuration transforms.x.renames: Invalid rename mapping: c");
}

static void test_validate_json(void) {
  const char *const kv[] = {"transforms", "h,bad", "transforms.h.type", "org.apache.kafka.connect.transforms.HoistField$Value",
                            "transforms.bad.type", "com.example.Nope", NULL};
  kc_config_t *cfg = props(kv);
  json_t *res = json_pack("{s:s,s:i,s:[s],s:[]}", "name", "x", "error_count", 0, "groups", "Common", "configs");
  CHECK(kc_xf_validate_json(cfg, res) == 0);
  /* one error for the unknown class, one for the missing hoist field */
  CHECK(json_integer_value(json_object_get(res, "error_count")) == 2);
  json_t *groups = json_object_get(res, "groups");
  CHECK_STR(json_string_value(json_array_get(groups, 1)), "Transforms: h");
  CHECK_STR(json_string_value(json_array_get(groups, 2)), "Transforms: bad");
  json_t *configs = json_object_get(res, "configs");
  /* h: type, plugin.version (Connect 4.x, KIP-891), field (no default first), negate, predicate;
   * bad: type and plugin.version only, as populateConfigDef gives up on a class that does not load */
  CHECK(json_array_size(configs) == 7);
  const char *names[] = {"transforms.h.type", "transforms.h.plugin.version", "transforms.h.field",
                         "transforms.h.negate", "transforms.h.predicate", "transforms.bad.type",
                         "transforms.bad.plugin.version"};
  for (size_t i = 0; i < 7 && i < json_array_size(configs); i++)
    CHECK_STR(json_string_value(json_object_get(json_object_get(json_array_get(configs, i), "definition"), "name")),
              names[i]);
  json_decref(res);
  kc_config_destroy(cfg);
}

static void test_jregex(void) {
  char err[256];
  kc_jregex_t *re = kc_jregex_compile("a(b)?c", err, sizeof err);
  CHECK(re && kc_jregex_matches(re, "abc", 3) && kc_jregex_matches(re, "ac", 2) && !kc_jregex_matches(re, "abcd", 4));
  kc_buf_t b;
  kc_buf_init(&b, 0);
  const char *exc;
  CHECK(kc_jregex_matches(re, "ac", 2));
  CHECK(kc_jregex_replace_match(re, "ac", "[$1]\\$", &b, &exc, err, sizeof err) == 0);
  CHECK_STR(b.data, "[]$");
  kc_buf_reset(&b);
  CHECK(kc_jregex_replace_match(re, "ac", "$2", &b, &exc, err, sizeof err) == KC_EINVAL);
  CHECK_STR(err, "No group 2");
  kc_buf_reset(&b);
  CHECK(kc_jregex_replace_match(re, "ac", "$12", &b, &exc, err, sizeof err) == 0);
  CHECK_STR(b.data, "2"); /* $1 then a literal 2: there is no group 12 */
  kc_buf_free(&b);
  kc_jregex_free(re);
  CHECK(kc_jregex_compile("a(", err, sizeof err) == NULL);
}

int main(void) {
  kc_test_run("insert_replace_route", test_insert_replace_route);
  kc_test_run("filter_predicates", test_filter_predicates);
  kc_test_run("hoist_extract_v2k", test_hoist_extract_v2k);
  kc_test_run("timestamp_router", test_timestamp_router);
  kc_test_run("flatten_mask", test_flatten_mask);
  kc_test_run("headers", test_headers);
  kc_test_run("config_errors", test_config_errors);
  kc_test_run("validate_json", test_validate_json);
  kc_test_run("jregex", test_jregex);
  return kc_test_done();
}
