/*
 * Converter class resolution and dispatch. Connect accepts a plugin's fully
 * qualified class name, its simple name and the simple name without the
 * plugin-type suffix ("Json" for JsonConverter, "Simple" for
 * SimpleHeaderConverter), the aliases PluginUtils registers.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter_internal.h"

#define FQCN_JSON "org.apache.kafka.connect.json.JsonConverter"
#define FQCN_STRING "org.apache.kafka.connect.storage.StringConverter"
#define FQCN_BYTEARRAY "org.apache.kafka.connect.converters.ByteArrayConverter"
#define FQCN_SIMPLE "org.apache.kafka.connect.storage.SimpleHeaderConverter"
#define FQCN_AVRO "io.confluent.connect.avro.AvroConverter"

typedef enum { CLS_JSON, CLS_STRING, CLS_BYTEARRAY, CLS_SIMPLE, CLS_AVRO } cls_t;

static const struct {
  const char *fqcn, *simple, *pruned;
  cls_t cls;
} classes[] = {
    {FQCN_JSON, "JsonConverter", "Json", CLS_JSON},
    {FQCN_STRING, "StringConverter", "String", CLS_STRING},
    {FQCN_BYTEARRAY, "ByteArrayConverter", "ByteArray", CLS_BYTEARRAY},
    {FQCN_SIMPLE, "SimpleHeaderConverter", "Simple", CLS_SIMPLE},
    {FQCN_AVRO, "AvroConverter", "Avro", CLS_AVRO},
};

/* ConfigDef CLASS values are trimmed before Class.forName. */
static int lookup(const char *name, size_t *idx) {
  if (!name) return -1;
  while (isspace((unsigned char)*name)) name++;
  size_t n = strlen(name);
  while (n && isspace((unsigned char)name[n - 1])) n--;
  for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
    const char *cands[3] = {classes[i].fqcn, classes[i].simple, classes[i].pruned};
    for (int k = 0; k < 3; k++) {
      if (strlen(cands[k]) == n && !strncmp(cands[k], name, n)) {
        *idx = i;
        return 0;
      }
    }
  }
  return -1;
}

const char *kc_converter_class_resolve(const char *class_name) {
  size_t i;
  return lookup(class_name, &i) ? NULL : classes[i].fqcn;
}

kc_converter_t *kc_converter_create(const char *class_name, const kc_config_t *cfg, bool is_key,
                                    char *errstr, size_t errstr_size) {
  size_t i;
  if (lookup(class_name, &i)) {
    kc_conv_errf(errstr, errstr_size, "Class %s could not be found.", class_name ? class_name : "null");
    return NULL;
  }
  switch (classes[i].cls) {
    case CLS_JSON: return kc_json_converter_new(cfg, is_key, errstr, errstr_size);
    case CLS_STRING: return kc_string_converter_new(cfg, is_key, errstr, errstr_size);
    case CLS_BYTEARRAY: return kc_bytearray_converter_new(cfg, is_key, errstr, errstr_size);
    case CLS_AVRO: return kc_avro_converter_new(cfg, is_key, errstr, errstr_size);
    case CLS_SIMPLE: break;
  }
  kc_conv_errf(errstr, errstr_size,
               "%s is not an instance of org.apache.kafka.connect.storage.Converter",
               classes[i].fqcn);
  return NULL;
}

void kc_converter_destroy(kc_converter_t *conv) {
  if (conv) conv->ops->destroy(conv);
}

kc_converter_kind_t kc_converter_kind(const kc_converter_t *conv) { return conv->kind; }

const char *kc_converter_class_name(const kc_converter_t *conv) {
  switch (conv->kind) {
    case KC_CONVERTER_STRING: return "org.apache.kafka.connect.storage.StringConverter";
    case KC_CONVERTER_BYTEARRAY: return "org.apache.kafka.connect.converters.ByteArrayConverter";
    case KC_CONVERTER_JSON: return "org.apache.kafka.connect.json.JsonConverter";
    case KC_CONVERTER_AVRO: return "io.confluent.connect.avro.AvroConverter";
  }
  return "null";
}

bool kc_converter_is_eager(const kc_converter_t *conv) {
  return conv->kind == KC_CONVERTER_JSON || conv->kind == KC_CONVERTER_AVRO;
}

void kc_converter_attach(kc_converter_t *conv, kc_http_t *http, void (*notify)(void *arg),
                         void *arg) {
  if (conv && conv->ops->attach) conv->ops->attach(conv, http, notify, arg);
}

int kc_converter_to_connect(kc_converter_t *conv, const char *topic, const void *data, size_t len,
                            kc_schema_t **schema, kc_value_t **value, char *errstr,
                            size_t errstr_size) {
  return conv->ops->to_connect(conv, NULL, topic, data, len, schema, value, errstr, errstr_size);
}

int kc_converter_to_connect_arena(kc_converter_t *conv, kc_arena_t *arena, const char *topic,
                                  const void *data, size_t len, kc_schema_t **schema,
                                  kc_value_t **value, char *errstr, size_t errstr_size) {
  return conv->ops->to_connect(conv, arena, topic, data, len, schema, value, errstr, errstr_size);
}

int kc_converter_value_text(kc_converter_t *conv, const void *data, size_t len, kc_buf_t *out) {
  return conv->ops->to_text ? conv->ops->to_text(conv, data, len, out) : KC_ENOTSUP;
}

int kc_converter_from_connect(kc_converter_t *conv, const char *topic, const kc_schema_t *schema,
                              const kc_value_t *value, kc_buf_t *out, bool *is_null, char *errstr,
                              size_t errstr_size) {
  return conv->ops->from_connect(conv, topic, schema, value, out, is_null, errstr, errstr_size);
}

/* ---- header converters ---------------------------------------------------- */

/* SimpleHeaderConverter, or one of the converters that double as header converters. */
struct kc_header_converter_s {
  kc_converter_t *conv; /* NULL for SimpleHeaderConverter */
};

const char *kc_header_converter_class_name(const kc_header_converter_t *hc) {
  return hc->conv ? kc_converter_class_name(hc->conv)
                  : "org.apache.kafka.connect.storage.SimpleHeaderConverter";
}

kc_header_converter_t *kc_header_converter_create(const char *class_name, const kc_config_t *cfg,
                                                  char *errstr, size_t errstr_size) {
  size_t i;
  if (lookup(class_name, &i)) {
    kc_conv_errf(errstr, errstr_size, "Class %s could not be found.", class_name ? class_name : "null");
    return NULL;
  }
  if (classes[i].cls == CLS_AVRO) {
    /* Confluent's AvroConverter is not a HeaderConverter. */
    kc_conv_errf(errstr, errstr_size,
                 "%s is not an instance of org.apache.kafka.connect.storage.HeaderConverter",
                 classes[i].fqcn);
    return NULL;
  }
  kc_header_converter_t *hc = calloc(1, sizeof *hc);
  if (!hc) {
    kc_conv_errf(errstr, errstr_size, "out of memory");
    return NULL;
  }
  if (classes[i].cls != CLS_SIMPLE && !(hc->conv = kc_converter_create(classes[i].fqcn, cfg, false,
                                                                       errstr, errstr_size))) {
    free(hc);
    return NULL;
  }
  return hc;
}

void kc_header_converter_destroy(kc_header_converter_t *hc) {
  if (!hc) return;
  kc_converter_destroy(hc->conv);
  free(hc);
}

int kc_header_converter_to_connect(kc_header_converter_t *hc, const char *topic, const char *key,
                                   const void *data, size_t len, kc_schema_t **schema,
                                   kc_value_t **value, char *errstr, size_t errstr_size) {
  if (hc->conv) return kc_converter_to_connect(hc->conv, topic, data, len, schema, value, errstr, errstr_size);
  *schema = NULL;
  *value = NULL;
  if (!data) return 0;
  if (kc_utf8_valid(data, len)) return kc_values_parse_string(data, len, schema, value, errstr, errstr_size);
  /* new String(bytes, UTF_8) replaces malformed input before parsing */
  kc_buf_t b;
  kc_buf_init(&b, 0);
  int rc = kc_utf8_sanitize(&b, data, len);
  if (!rc) rc = kc_values_parse_string(b.data, b.len, schema, value, errstr, errstr_size);
  else kc_conv_errf(errstr, errstr_size, "out of memory");
  kc_buf_free(&b);
  return rc;
}

int kc_header_converter_from_connect(kc_header_converter_t *hc, const char *topic, const char *key,
                                     const kc_schema_t *schema, const kc_value_t *value,
                                     kc_buf_t *out, bool *is_null, char *errstr,
                                     size_t errstr_size) {
  if (hc->conv)
    return kc_converter_from_connect(hc->conv, topic, schema, value, out, is_null, errstr, errstr_size);
  *is_null = !value;
  if (!value) return 0;
  size_t start = out->len;
  int rc = kc_values_convert_to_string(schema, value, out);
  if (rc) {
    out->len = start;
    if (out->data) out->data[start] = '\0';
    kc_conv_errf(errstr, errstr_size, "Failed to serialize value for header '%s' on topic '%s': %s",
                 key ? key : "", topic ? topic : "", kc_strerror(rc));
  }
  return rc;
}
