/*
 * test_xf_driver JOBS: kconnect's transform chain over records, in the formats of
 * test/java/TransformHarness.java (read its header comment), so that
 * test/e2e/test_transforms_java.py compares both outputs byte for byte.
 *
 * Each record is converted as the sink runner converts a consumed record: key and value through
 * JsonConverter (schemas.enable as the record says), headers kept as raw bytes and converted on
 * first use by SimpleHeaderConverter (src/worker/task_transform.c does the same); then
 * kc_xf_chain_apply. Output values are serialized with the same converters; every header of
 * the result is given as SimpleHeaderConverter bytes and as JsonConverter (schemas.enable) bytes.
 * Not a ctest test: the e2e test runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "convert/converter.h"
#include "transform/chain.h"

static kc_header_converter_t *g_hconv;

/* Bytes as a JSON string: printable ASCII kept ('"' and '\' escaped), other bytes \u00XX. */
static void put_str(kc_buf_t *o, const void *data, size_t len, bool is_null) {
  if (is_null) {
    kc_buf_append(o, "null", 4);
    return;
  }
  const unsigned char *p = data;
  kc_buf_append(o, "\"", 1);
  for (size_t i = 0; i < len; i++) {
    char esc[8];
    if (p[i] == '"' || p[i] == '\\') {
      esc[0] = '\\';
      esc[1] = (char)p[i];
      kc_buf_append(o, esc, 2);
    } else if (p[i] >= 0x20 && p[i] < 0x7f) {
      kc_buf_append(o, (const char *)p + i, 1);
    } else {
      snprintf(esc, sizeof esc, "\\u%04x", p[i]);
      kc_buf_append(o, esc, 6);
    }
  }
  kc_buf_append(o, "\"", 1);
}

static void put_cstr(kc_buf_t *o, const char *s) { put_str(o, s, s ? strlen(s) : 0, s == NULL); }

static void put_error(kc_buf_t *o, const char *what, const char *exception, const char *message) {
  kc_buf_t text;
  kc_buf_init(&text, 0);
  kc_buf_printf(&text, "%s: %s", exception ? exception : "?", message[0] ? message : "<null>");
  kc_buf_printf(o, "{\"%s\":", what);
  put_str(o, text.data, text.len, false);
  kc_buf_append(o, "}", 1);
  kc_buf_free(&text);
}

static int header_to_connect(void *arg, const char *topic, const char *key, const void *data,
                             size_t len, kc_schema_t **schema, kc_value_t **value, char *err,
                             size_t errlen) {
  (void)arg;
  return kc_header_converter_to_connect(g_hconv, topic, key, data, len, schema, value, err, errlen);
}

typedef struct {
  kc_converter_t *key[2], *value[2]; /* [schemas.enable] */
  kc_converter_t *header_json;
} convs_t;

static int to_connect(kc_converter_t *c, kc_arena_t *a, const char *topic, json_t *j, kc_schema_t **s,
                      kc_value_t **v, char *err, size_t errlen) {
  *s = NULL;
  *v = NULL;
  if (!json_is_string(j)) return kc_converter_to_connect_arena(c, a, topic, NULL, 0, s, v, err, errlen);
  return kc_converter_to_connect_arena(c, a, topic, json_string_value(j), json_string_length(j), s, v, err,
                                       errlen);
}

/* One record through the chain; appends its output line (no newline) to @p o. */
static void run_record(kc_xf_chain_t *chain, const convs_t *cv, json_t *r, kc_buf_t *o) {
  const char *topic = json_string_value(json_object_get(r, "topic"));
  json_t *sj = json_object_get(r, "schemas");
  int sch = sj ? json_is_true(sj) : 1;
  json_t *tsj = json_object_get(r, "timestamp");
  int64_t ts = json_is_integer(tsj) ? (int64_t)json_integer_value(tsj) : -1;
  char err[1024] = "";
  kc_arena_t arena = KC_ARENA_INIT;
  kc_schema_t *ks = NULL, *vs = NULL;
  kc_value_t *k = NULL, *v = NULL;
  if (to_connect(cv->key[sch], &arena, topic, json_object_get(r, "key"), &ks, &k, err, sizeof err) ||
      to_connect(cv->value[sch], &arena, topic, json_object_get(r, "value"), &vs, &v, err, sizeof err)) {
    put_error(o, "input_error", KC_XF_DATA_EXCEPTION, err);
    goto out;
  }
  json_t *hs = json_object_get(r, "headers");
  size_t nh = json_array_size(hs);
  kc_xheader_t *src = nh ? kc_arena_alloc(&arena, nh * sizeof *src) : NULL;
  for (size_t i = 0; i < nh; i++) {
    json_t *h = json_array_get(hs, i), *hv = json_array_get(h, 1);
    src[i] = (kc_xheader_t){.key = json_string_value(json_array_get(h, 0)), .has_raw = true,
                            .raw = json_is_string(hv) ? json_string_value(hv) : NULL,
                            .raw_len = json_is_string(hv) ? json_string_length(hv) : 0};
  }
  kc_xrecord_t xr;
  kc_xrecord_init(&xr, &arena, true, topic, (int32_t)json_integer_value(json_object_get(r, "partition")),
                  (int64_t)json_integer_value(json_object_get(r, "offset")), ts, src, nh, header_to_connect,
                  NULL);
  kc_xrecord_set_key(&xr, ks, k);
  kc_xrecord_set_value(&xr, vs, v);
  kc_xf_failure_t f = {0};
  int rc = chain ? kc_xf_chain_apply(chain, &xr, &f) : 0; /* no transforms: passes as converted */
  kc_buf_t kb, vb, hb;
  kc_buf_init(&kb, 0);
  kc_buf_init(&vb, 0);
  kc_buf_init(&hb, 0);
  bool kn = true, vn = true;
  if (rc == KC_XF_DROP) {
    kc_buf_append(o, "{\"drop\":true}", 13);
  } else if (rc) {
    if (rc == KC_ECONVERT) {
      put_error(o, "error", f.error.exception, f.error.message);
    } else {
      char m[96];  /* not an exception Connect would throw: an internal code leaked out */
      snprintf(m, sizeof m, "kconnect error KC_%s (not a transform exception)", kc_err_name(rc));
      put_error(o, "error", f.class_name, m);
    }
  } else if (kc_converter_from_connect(cv->key[sch], xr.topic, xr.key_schema, xr.key, &kb, &kn, err, sizeof err) ||
             kc_converter_from_connect(cv->value[sch], xr.topic, xr.value_schema, xr.value, &vb, &vn, err,
                                       sizeof err)) {
    put_error(o, "convert_error", KC_XF_DATA_EXCEPTION, err);
  } else {
    kc_buf_append(o, "{\"topic\":", 9);
    put_cstr(o, xr.topic);
    kc_buf_printf(o, ",\"partition\":%d,\"timestamp\":", (int)xr.partition);
    if (xr.timestamp < 0) kc_buf_append(o, "null", 4);
    else kc_buf_printf(o, "%lld", (long long)xr.timestamp);
    kc_buf_append(o, ",\"key\":", 7);
    put_str(o, kb.data, kb.len, kn);
    kc_buf_append(o, ",\"value\":", 9);
    put_str(o, vb.data, vb.len, vn);
    kc_buf_append(o, ",\"headers\":[", 12);
    size_t n = kc_xrecord_header_count(&xr);
    for (size_t i = 0; i < n; i++) {
      const kc_schema_t *s;
      const kc_value_t *hv;
      kc_xf_error_t he = {0};
      const char *key = kc_xrecord_header_at(&xr, i)->key;
      kc_buf_append(o, i ? ",[" : "[", i ? 2 : 1);
      put_cstr(o, key);
      kc_buf_append(o, ",", 1);
      if (kc_xrecord_header_value(&xr, i, &s, &hv, &he)) {
        put_cstr(o, "!header conversion failed");
        kc_buf_append(o, ",", 1);
        put_cstr(o, he.message);
        kc_buf_append(o, "]", 1);
        continue;
      }
      bool hn = true;
      kc_buf_reset(&hb);
      if (kc_header_converter_from_connect(g_hconv, xr.topic, key, s, hv, &hb, &hn, err, sizeof err)) {
        char text[1200];
        snprintf(text, sizeof text, "!%s: %s", KC_XF_DATA_EXCEPTION, err);
        put_cstr(o, text);
      } else {
        put_str(o, hb.data, hb.len, hn);
      }
      kc_buf_append(o, ",", 1);
      kc_buf_reset(&hb);
      if (kc_converter_from_connect(cv->header_json, xr.topic, s, hv, &hb, &hn, err, sizeof err)) {
        char text[1200];
        snprintf(text, sizeof text, "!%s: %s", KC_XF_DATA_EXCEPTION, err);
        put_cstr(o, text);
      } else {
        put_str(o, hb.data, hb.len, hn);
      }
      kc_buf_append(o, "]", 1);
    }
    kc_buf_append(o, "]}", 2);
  }
  kc_buf_free(&kb);
  kc_buf_free(&vb);
  kc_buf_free(&hb);
  kc_xrecord_finish(&xr);
out:
  kc_value_destroy(k); /* a converter's heap top-level values (arena ones belong to the arena) */
  kc_value_destroy(v);
  kc_schema_decref(ks);
  kc_schema_decref(vs);
  kc_arena_free(&arena);
}

static kc_converter_t *json_conv(bool schemas, bool is_key) {
  kc_config_t *c = kc_config_new();
  kc_config_set(c, "schemas.enable", schemas ? "true" : "false");
  char err[256];
  kc_converter_t *conv = kc_converter_create("JsonConverter", c, is_key, err, sizeof err);
  kc_config_destroy(c);
  if (!conv) {
    fprintf(stderr, "JsonConverter: %s\n", err);
    exit(2);
  }
  return conv;
}

static int run_job(const convs_t *cv, const char *chain_path, const char *records_path, const char *out_path) {
  json_error_t je;
  json_t *chain_json = json_load_file(chain_path, 0, &je);
  if (!json_is_object(chain_json)) {
    fprintf(stderr, "%s: %s\n", chain_path, je.text);
    return 2;
  }
  kc_config_t *cfg = kc_config_new();
  const char *key;
  json_t *val;
  json_object_foreach(chain_json, key, val) kc_config_set(cfg, key, json_string_value(val));
  json_decref(chain_json);
  FILE *out = fopen(out_path, "w"), *in = fopen(records_path, "r");
  if (!out || !in) {
    fprintf(stderr, "cannot open %s or %s\n", records_path, out_path);
    return 2;
  }
  kc_buf_t o;
  kc_buf_init(&o, 0);
  char errstr[1024] = "";
  kc_xf_chain_t *chain = NULL;
  if (kc_xf_chain_create(cfg, &chain, errstr, sizeof errstr)) {
    kc_buf_append(&o, "{\"config_error\":", 16);
    put_cstr(&o, errstr);
    kc_buf_append(&o, "}\n", 2);
    fwrite(o.data, 1, o.len, out);
  } else {
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, in)) > 0) {
      if (line[0] == '\n') continue;
      json_t *r = json_loadb(line, (size_t)n, 0, &je);
      if (!r) {
        fprintf(stderr, "%s: %s\n", records_path, je.text);
        return 2;
      }
      kc_buf_reset(&o);
      run_record(chain, cv, r, &o);
      kc_buf_append(&o, "\n", 1);
      fwrite(o.data, 1, o.len, out);
      json_decref(r);
    }
    free(line);
  }
  kc_buf_free(&o);
  kc_xf_chain_destroy(chain);
  kc_config_destroy(cfg);
  fclose(in);
  fclose(out);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s JOBS (lines CHAIN<TAB>RECORDS<TAB>OUT)\n", argv[0]);
    return 2;
  }
  char err[256];
  if (!(g_hconv = kc_header_converter_create("SimpleHeaderConverter", NULL, err, sizeof err))) {
    fprintf(stderr, "SimpleHeaderConverter: %s\n", err);
    return 2;
  }
  convs_t cv = {{json_conv(false, true), json_conv(true, true)},
                {json_conv(false, false), json_conv(true, false)},
                json_conv(true, false)};
  FILE *jobs = fopen(argv[1], "r");
  if (!jobs) {
    perror(argv[1]);
    return 2;
  }
  char *line = NULL;
  size_t cap = 0;
  int rc = 0;
  while (!rc && getline(&line, &cap, jobs) > 0) {
    line[strcspn(line, "\n")] = '\0';
    char *chain = strtok(line, "\t"), *records = strtok(NULL, "\t"), *out = strtok(NULL, "\t");
    if (!chain || !records || !out) continue;
    rc = run_job(&cv, chain, records, out);
  }
  free(line);
  fclose(jobs);
  for (int i = 0; i < 2; i++) {
    kc_converter_destroy(cv.key[i]);
    kc_converter_destroy(cv.value[i]);
  }
  kc_converter_destroy(cv.header_json);
  kc_header_converter_destroy(g_hconv);
  return rc;
}
