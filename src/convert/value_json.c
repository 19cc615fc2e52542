/* kc_value_to_json (connector.h): JsonConverter with schemas.enable=false, for connectors. */
#include <stdio.h>

#include "convert/converter.h"
#include "convert/json_value.h"
#include "util/log.h"

int kc_json_append_string(kc_buf_t *out, const char *s, size_t len) {
  return kc_json_encode_string(out, s ? s : "", s ? len : 0);
}

int kc_value_to_json(const kc_schema_t *schema, const kc_value_t *v, kc_buf_t *out) {
  /* One converter for the process: the loop is single-threaded and the converter holds only
   * settings and a schema cache. */
  static kc_converter_t *conv;
  char err[512];
  if (!conv) {
    kc_config_t *cfg = kc_config_new();
    if (!cfg || kc_config_set(cfg, "schemas.enable", "false")) {
      kc_config_destroy(cfg);
      return KC_ENOMEM;
    }
    conv = kc_converter_create("org.apache.kafka.connect.json.JsonConverter", cfg, false, err, sizeof err);
    kc_config_destroy(cfg);
    if (!conv) return KC_ENOMEM;
  }
  bool is_null = false;
  int rc = kc_converter_from_connect(conv, "", schema, v, out, &is_null, err, sizeof err);
  if (rc) {
    kc_log_debug("kc.convert", "value to JSON: %s", err);
    return KC_ECONVERT;
  }
  if (is_null) return kc_buf_append(out, "null", 4);
  return 0;
}
