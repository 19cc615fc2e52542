/*
 * The connector-facing AvroData API (connector.h, "Avro data (Confluent AvroData) for
 * formats"): thin wrappers over avro_data.h, so connectors never see Avro C or src/.
 * kc_avrodata_schema_t is kc_avro_schema_t seen from outside.
 */

#include "convert/avro_data.h"

void kc_avrodata_options_default(kc_avrodata_options_t *o) {
  kc_avro_data_config_t c;
  kc_avro_data_config_default(&c);
  o->enhanced_avro_schema_support = c.enhanced_avro_schema_support;
  o->connect_meta_data = c.connect_meta_data;
  o->scrub_invalid_names = c.scrub_invalid_names;
  o->allow_optional_map_keys = c.allow_optional_map_keys;
  o->schemas_cache_size = c.schemas_cache_size;
}

kc_avrodata_t *kc_avrodata_new(const kc_avrodata_options_t *o) {
  kc_avro_data_config_t c;
  kc_avro_data_config_default(&c); /* the keys storage formats do not expose keep their defaults */
  c.enhanced_avro_schema_support = o->enhanced_avro_schema_support;
  c.connect_meta_data = o->connect_meta_data;
  c.scrub_invalid_names = o->scrub_invalid_names;
  c.allow_optional_map_keys = o->allow_optional_map_keys;
  c.schemas_cache_size = o->schemas_cache_size;
  return (kc_avrodata_t *)kc_avro_data_new(&c);
}

void kc_avrodata_destroy(kc_avrodata_t *ad) {
  if (ad) kc_avro_data_destroy((kc_avro_data_t *)ad);
}

int kc_avrodata_schema(kc_avrodata_t *ad, const kc_schema_t *schema, kc_avrodata_schema_t **out,
                       char *err, size_t errlen) {
  *out = NULL;
  kc_avro_schema_t *s = NULL;
  int rc = kc_avro_schema_from_connect((kc_avro_data_t *)ad, schema, &s, err, errlen);
  if (!rc) *out = (kc_avrodata_schema_t *)s;
  return rc;
}

const char *kc_avrodata_schema_text(const kc_avrodata_schema_t *s, size_t *len) {
  const kc_avro_schema_t *a = (const kc_avro_schema_t *)s;
  if (len) *len = a->text_len;
  return a->text;
}

void kc_avrodata_schema_release(kc_avrodata_schema_t *s) {
  kc_avro_schema_decref((kc_avro_schema_t *)s);
}

int kc_avrodata_encode(kc_avrodata_t *ad, kc_avrodata_schema_t *s, const kc_schema_t *schema,
                       const kc_value_t *value, kc_buf_t *out, char *err, size_t errlen) {
  size_t mark = out->len;
  int rc = kc_avro_encode((kc_avro_data_t *)ad, (kc_avro_schema_t *)s, schema, value, out, err,
                          errlen);
  if (rc) { /* the contract says nothing about partial output: make sure there is none */
    out->len = mark;
    if (out->data) out->data[mark] = '\0';
  }
  return rc;
}
