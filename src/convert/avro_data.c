/*
 * AvroData's shared pieces: config defaults, the compiled schema object and its lifetime. The
 * two directions live in avro_to_schema.c/avro_to_value.c and avro_from_connect.c/avro_encode.c.
 */
#include <stdlib.h>
#include <string.h>

#include "convert/avro_data.h"
#include "convert/converter_internal.h"

struct kc_avro_data_s {
  kc_avro_data_config_t cfg;
  kc_avro_cache_slot_t to_cache;   /* avro_to_schema.c/avro_to_value.c */
  kc_avro_cache_slot_t from_cache; /* avro_from_connect.c/avro_encode.c */
};

void kc_avro_data_config_default(kc_avro_data_config_t *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->connect_meta_data = true;
  cfg->flatten_singleton_unions = true;
  cfg->schemas_cache_size = 1000;
}

kc_avro_data_t *kc_avro_data_new(const kc_avro_data_config_t *cfg) {
  kc_avro_data_t *ad = calloc(1, sizeof *ad);
  if (!ad) return NULL;
  if (cfg)
    ad->cfg = *cfg;
  else
    kc_avro_data_config_default(&ad->cfg);
  return ad;
}

void kc_avro_data_destroy(kc_avro_data_t *ad) {
  if (!ad) return;
  if (ad->to_cache.cache && ad->to_cache.free_fn) ad->to_cache.free_fn(ad->to_cache.cache);
  if (ad->from_cache.cache && ad->from_cache.free_fn) ad->from_cache.free_fn(ad->from_cache.cache);
  free(ad);
}

const kc_avro_data_config_t *kc_avro_data_config(const kc_avro_data_t *ad) { return &ad->cfg; }
kc_avro_cache_slot_t *kc__avro_data_to_cache(kc_avro_data_t *ad) { return &ad->to_cache; }
kc_avro_cache_slot_t *kc__avro_data_from_cache(kc_avro_data_t *ad) { return &ad->from_cache; }

kc_avro_schema_t *kc_avro_schema_incref(kc_avro_schema_t *s) {
  if (s) s->refcnt++;
  return s;
}

void kc_avro_schema_decref(kc_avro_schema_t *s) {
  if (!s || --s->refcnt > 0) return;
  if (s->to_plan && s->to_plan_free) s->to_plan_free(s->to_plan);
  if (s->from_plan && s->from_plan_free) s->from_plan_free(s->from_plan);
  if (s->iface) {
    avro_value_decref(&s->scratch);
    avro_value_iface_decref(s->iface);
  }
  if (s->avro) avro_schema_decref(s->avro);
  json_decref(s->json);
  kc_schema_decref(s->connect);
  free(s->full_name);
  free(s->text);
  free(s);
}

/* The full name Record*NameStrategy uses: a named type's namespace.name, else NULL. */
static char *full_name_of(const json_t *j) {
  if (!json_is_object(j)) return NULL;
  const char *type = json_string_value(json_object_get(j, "type"));
  if (!type || (strcmp(type, "record") && strcmp(type, "enum") && strcmp(type, "fixed")))
    return NULL;
  const char *name = json_string_value(json_object_get(j, "name"));
  if (!name) return NULL;
  const char *ns = json_string_value(json_object_get(j, "namespace"));
  if (strchr(name, '.') || !ns || !*ns) return strdup(name);
  size_t n = strlen(ns) + strlen(name) + 2;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%s.%s", ns, name);
  return out;
}

int kc_avro_schema_compile(const char *text, size_t len, kc_avro_schema_t **out, char *errstr,
                           size_t errstr_size) {
  *out = NULL;
  kc_avro_schema_t *s = calloc(1, sizeof *s);
  if (!s) return KC_ENOMEM;
  s->refcnt = 1;
  s->id = -1;
  s->text = malloc(len + 1);
  if (!s->text) {
    free(s);
    return KC_ENOMEM;
  }
  memcpy(s->text, text, len);
  s->text[len] = '\0';
  s->text_len = len;
  json_error_t jerr;
  /* A bare primitive ("string") is valid Avro schema JSON: decode any value, not just objects. */
  s->json = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
  if (!s->json) {
    kc_avro_schema_decref(s);
    return kc_conv_errf(errstr, errstr_size, "Invalid Avro schema JSON: %s (line %d, column %d)",
                        jerr.text, jerr.line, jerr.column);
  }
  if (avro_schema_from_json_length(s->text, len, &s->avro)) {
    s->avro = NULL;
    kc_avro_schema_decref(s);
    return kc_conv_errf(errstr, errstr_size, "Invalid Avro schema: %s", avro_strerror());
  }
  s->iface = avro_generic_class_from_schema(s->avro);
  if (!s->iface) {
    kc_avro_schema_decref(s);
    return kc_conv_errf(errstr, errstr_size, "Invalid Avro schema: %s", avro_strerror());
  }
  if (avro_generic_value_new(s->iface, &s->scratch)) {
    avro_value_iface_decref(s->iface);
    s->iface = NULL;
    kc_avro_schema_decref(s);
    return KC_ENOMEM;
  }
  s->full_name = full_name_of(s->json);
  *out = s;
  return 0;
}
