/*
 * DESIGN: the ConfigDefs of the converters as Connect 4.x describes them over REST
 * (GET /connector-plugins/{converter}/config, KIP-769) and validates them in
 * PUT /connector-plugins/{c}/config/validate (AbstractHerder.validateAllConverterConfigs: a
 * converter set in the connector config has its keys validated under the converter's prefix,
 * "converter.type" taking the role). The texts are Connect's own, for parity; only the
 * converters kconnect loads are described (AvroConverter's settings are Confluent's, not shown).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/configdef.h"
#include "convert/converter.h"
#include "worker/connect_protocol.h"

typedef struct {
  kc_config_def_t def;
  const char *display, *width;
  int order;
} conv_key_t;

#define CONV_TYPE                                                                                \
  {{"converter.type", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_LOW, "How this converter will be used.", NULL, \
    NULL, 0, 0, NULL},                                                                           \
   "converter.type", "NONE", -1}
#define CONV_END {{NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL}, NULL, NULL, 0}

static const conv_key_t string_keys[] = {
    CONV_TYPE,
    {{"converter.encoding", KC_CFG_STRING, "UTF-8", 0, KC_CFG_HIGH,
      "The name of the Java character set to use for encoding strings as byte arrays.", NULL, NULL, 0, 0, NULL},
     "Encoding", "MEDIUM", -1},
    CONV_END,
};

static const conv_key_t bytes_keys[] = {CONV_TYPE, CONV_END};

static const char *const decimal_formats[] = {"BASE64", "NUMERIC", NULL};

static const conv_key_t json_keys[] = {
    CONV_TYPE,
    {{"schemas.enable", KC_CFG_BOOLEAN, "true", 0, KC_CFG_HIGH,
      "Include schemas within each of the serialized values and keys.", "Schemas", NULL, 0, 0, NULL},
     "Enable Schemas", "MEDIUM", 0},
    {{"schemas.cache.size", KC_CFG_INT, "1000", 0, KC_CFG_HIGH,
      "The maximum number of schemas that can be cached in this converter instance.", "Schemas", NULL, 0, 0, NULL},
     "Schema Cache Size", "MEDIUM", 1},
    {{"schema.content", KC_CFG_STRING, NULL, 0, KC_CFG_HIGH,
      "When set, this is used as the schema for all messages, and the schemas within each of the message will be "
      "ignored.Otherwise, the schema will be included in the content of each message. This configuration applies "
      "only 'schemas.enable' is true, and it exclusively affects the sink connector.",
      "Schemas", NULL, 0, 0, NULL},
     "Schema Content", "MEDIUM", 2},
    {{"decimal.format", KC_CFG_STRING, "BASE64", 0, KC_CFG_LOW,
      "Controls which format this converter will serialize decimals in. This value is case insensitive and can be "
      "either 'BASE64' (default) or 'NUMERIC'",
      "Serialization", decimal_formats, 0, 0, NULL},
     "Decimal Format", "MEDIUM", 0},
    {{"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_LOW,
      "Whether to replace fields that have a default value and that are null to the default value. When set to "
      "true, the default value is used, otherwise null is used.",
      "Serialization", NULL, 0, 0, NULL},
     "Replace null with default", "MEDIUM", 1},
    CONV_END,
};

static const conv_key_t header_keys[] = {CONV_END};

static const conv_key_t *keys_of(const char *class_name) {
  const char *c = kc_converter_class_resolve(class_name);
  if (!c) return NULL;
  if (!strcmp(c, "org.apache.kafka.connect.storage.StringConverter")) return string_keys;
  if (!strcmp(c, "org.apache.kafka.connect.converters.ByteArrayConverter")) return bytes_keys;
  if (!strcmp(c, "org.apache.kafka.connect.json.JsonConverter")) return json_keys;
  if (!strcmp(c, "org.apache.kafka.connect.storage.SimpleHeaderConverter")) return header_keys;
  return NULL;
}

static void set_meta(json_t *def, const conv_key_t *k, const char *prefix) {
  if (prefix) {
    char name[256];
    snprintf(name, sizeof name, "%s%s", prefix, k->def.name);
    json_object_set_new(def, "name", json_string(name));
  }
  json_object_set_new(def, "display_name", json_string(k->display));
  json_object_set_new(def, "width", json_string(k->width));
  json_object_set_new(def, "order_in_group", json_integer(k->order));
}

json_t *kc_converter_defs_json(const char *class_name) {
  const conv_key_t *keys = keys_of(class_name);
  if (!keys) return NULL;
  json_t *arr = json_array();
  for (const conv_key_t *k = keys; arr && k->def.name; k++) {
    json_t *e = kc_configdef_entry_json(&k->def, NULL, k->order, NULL);
    json_t *def = json_incref(json_object_get(e, "definition"));
    json_decref(e);
    if (!def) continue;
    set_meta(def, k, NULL);
    json_array_append_new(arr, def);
  }
  return arr;
}

int kc_converter_validate_json(const kc_config_t *cfg, json_t *res) {
  static const char *const roles[][2] = {{"key.converter", "key"}, {"value.converter", "value"},
                                          {"header.converter", "header"}};
  json_t *configs = json_object_get(res, "configs"), *groups = json_object_get(res, "groups");
  int errors = 0;
  for (size_t r = 0; r < 3; r++) {
    const conv_key_t *keys = keys_of(kc_config_get(cfg, roles[r][0]) ? kc_config_get(cfg, roles[r][0]) : "");
    if (!keys) continue; /* unset, or a class that failed validation already */
    char prefix[64];
    snprintf(prefix, sizeof prefix, "%s.", roles[r][0]);
    /* Config.configValues() of ConfigDef.validate: a HashMap's values, in its iteration order. */
    int n = 0;
    while (keys[n].def.name) n++;
    int idx[16];
    int32_t hashes[16];
    for (int i = 0; i < n && i < 16; i++) {
      idx[i] = i;
      hashes[i] = kc_cp_java_hash(keys[i].def.name);
    }
    kc_cp_java_hash_order(idx, n, hashes, 16);
    for (int j = 0; j < n; j++) {
      const conv_key_t *k = &keys[idx[j]];
      char full[256];
      snprintf(full, sizeof full, "%s%s", prefix, k->def.name);
      const char *raw = !strcmp(k->def.name, "converter.type") ? roles[r][1] : kc_config_get(cfg, full);
      json_t *e = kc_configdef_entry_json(&k->def, raw, k->order, &errors);
      if (!e) return KC_ENOMEM;
      set_meta(json_object_get(e, "definition"), k, prefix);
      json_object_set_new(json_object_get(e, "value"), "name", json_string(full));
      if (json_array_append_new(configs, e)) return KC_ENOMEM;
      const char *g = k->def.group;
      bool seen = !g;
      for (size_t i = 0; !seen && i < json_array_size(groups); i++)
        seen = !strcmp(json_string_value(json_array_get(groups, i)), g);
      if (!seen) json_array_append_new(groups, json_string(g));
    }
  }
  json_object_set_new(res, "error_count", json_integer(json_integer_value(json_object_get(res, "error_count")) + errors));
  return 0;
}
