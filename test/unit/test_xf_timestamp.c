/* TimestampConverter and SimpleDateFormat parsing, against what Apache Kafka 4.3.1's classes give
 * for the same configs and records (xf_timestamp_cases.h). */
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "kc_test.h"
#include "transform/chain.h"
#include "transform/java_date.h"
#include "xf_timestamp_cases.h"

static char outbuf[32768];

/* Applies a TimestampConverter$Value configured by @p kv to a record whose value is the
 * JsonConverter text @p value; returns the value as JsonConverter writes it, "ERR class: msg"
 * (the transform's or the converter's DataException) or "CONFIG msg". */
static const char *run(const char *const *kv, const char *value) {
  kc_config_t *cfg = kc_config_new(), *jc = kc_config_new();
  kc_config_set(cfg, "transforms", "tc");
  kc_config_set(cfg, "transforms.tc.type", "org.apache.kafka.connect.transforms.TimestampConverter$Value");
  for (; kv[0]; kv += 2) {
    char key[128];
    snprintf(key, sizeof key, "transforms.tc.%s", kv[0]);
    kc_config_set(cfg, key, kv[1]);
  }
  kc_config_set(jc, "schemas.enable", "true");
  char err[1024] = "";
  kc_xf_chain_t *chain = NULL;
  if (kc_xf_chain_create(cfg, &chain, err, sizeof err)) {
    snprintf(outbuf, sizeof outbuf, "CONFIG %s", err);
    kc_config_destroy(cfg);
    kc_config_destroy(jc);
    return outbuf;
  }
  kc_converter_t *conv = kc_converter_create("JsonConverter", jc, false, err, sizeof err);
  kc_arena_t arena = KC_ARENA_INIT;
  kc_schema_t *vs = NULL;
  kc_value_t *v = NULL;
  kc_converter_to_connect_arena(conv, &arena, "t", value, strlen(value), &vs, &v, err, sizeof err);
  kc_xrecord_t r;
  kc_xrecord_init(&r, &arena, true, "t", 0, 42, 5, NULL, 0, NULL, NULL);
  kc_xrecord_set_value(&r, vs, v);
  kc_xf_failure_t f = {0};
  int rc = kc_xf_chain_apply(chain, &r, &f);
  if (rc) {
    snprintf(outbuf, sizeof outbuf, "ERR %s: %s", f.error.exception, f.error.message);
  } else {
    kc_buf_t b;
    kc_buf_init(&b, 0);
    bool is_null;
    if (kc_converter_from_connect(conv, "t", r.value_schema, r.value, &b, &is_null, err, sizeof err))
      snprintf(outbuf, sizeof outbuf, "ERR org.apache.kafka.connect.errors.DataException: %s", err);
    else
      snprintf(outbuf, sizeof outbuf, "%s", is_null ? "null" : b.data);
    kc_buf_free(&b);
  }
  kc_xrecord_finish(&r);
  kc_value_destroy(v);
  kc_schema_decref(vs);
  kc_arena_free(&arena);
  kc_converter_destroy(conv);
  kc_xf_chain_destroy(chain);
  kc_config_destroy(cfg);
  kc_config_destroy(jc);
  return outbuf;
}

/* Java's ConfigException names the transform's own key; kconnect's names the connector key
 * (transforms.tc.target.type) and may add context: the Java text must appear in it, with the key
 * prefixed. */
static bool config_matches(const char *got, const char *want) {
  if (strncmp(got, "CONFIG ", 7)) return false;
  char w[1024];
  const char *m = want + 7, *at = strstr(m, "for configuration ");
  if (at && !strstr(m, "requires a SimpleDateFormat"))
    snprintf(w, sizeof w, "%.*sfor configuration transforms.tc.%s", (int)(at - m), m, at + 18);
  else
    snprintf(w, sizeof w, "%s", m);
  if (!strncmp(m, "Missing required configuration \"", 32))
    snprintf(w, sizeof w, "Missing required configuration \"transforms.tc.%s", m + 32);
  return strstr(got, w) != NULL;
}

static void test_java_cases(void) {
  size_t n = sizeof tsc_cases / sizeof tsc_cases[0], same = 0;
  for (size_t i = 0; i < n; i++) {
    const char *got = run(tsc_cases[i].kv, tsc_cases[i].value), *want = tsc_cases[i].want;
    bool ok = !strncmp(want, "CONFIG ", 7) ? config_matches(got, want) : !strcmp(got, want);
    if (ok) same++;
    else {
      fprintf(stderr, "case %zu:", i);
      for (const char *const *kv = tsc_cases[i].kv; kv[0]; kv += 2) fprintf(stderr, " %s=%s", kv[0], kv[1]);
      fprintf(stderr, "\n  value %s\n  java  %s\n  got   %s\n", tsc_cases[i].value, want, got);
    }
  }
  CHECKF(same == n, "%zu/%zu cases as Java", same, n);
  printf("TimestampConverter: %zu/%zu cases as Java 4.3.1\n", same, n);
}

static void test_parse_direct(void) {
  char err[256];
  kc_java_date_t *f = kc_java_date_compile("yyyy-MM-dd HH:mm:ss.SSS", err, sizeof err);
  if (!CHECK(f)) return;
  int64_t ms = 0;
  CHECK(kc_java_date_parse(f, "1970-01-01 00:00:00.000", 23, &ms) == 0 && ms == 0);
  CHECK(kc_java_date_parse(f, "2024-02-29 23:59:59.999", 23, &ms) == 0 && ms == INT64_C(1709251199999));
  CHECK(kc_java_date_parse(f, "", 0, &ms) == KC_ECONVERT);
  CHECK(kc_java_date_parse(f, "2024-02", 7, &ms) == KC_ECONVERT);
  CHECK_STR(kc_java_date_pattern(f), "yyyy-MM-dd HH:mm:ss.SSS");
  kc_java_date_free(f);
  /* a text of exactly the pattern length where the numbers abut */
  f = kc_java_date_compile("yyyyMMdd", err, sizeof err);
  CHECK(kc_java_date_parse(f, "19700102", 8, &ms) == 0 && ms == 86400000);
  kc_java_date_free(f);
  CHECK(kc_java_date_compile("YYYY", err, sizeof err) == NULL && strstr(err, "week-based"));
}

int main(void) {
  kc_test_run("java_cases", test_java_cases);
  kc_test_run("parse_direct", test_parse_direct);
  return kc_test_done();
}
