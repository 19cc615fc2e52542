/*
 * io.confluent.connect.avro.AvroConverter (schema-registry 7.9; connect-runtime.md 9.5):
 * Confluent's wire format (magic 0x00, 4-byte big-endian schema id, Avro binary) over AvroData
 * (avro_data.h) and the Schema Registry client (schema_registry.h).
 *
 * A schema not yet known makes the conversion return KC_AGAIN: the registry answer arrives
 * later on the loop and the runner, woken through the notify callback of
 * kc_converter_attach(), converts the same record again. Nothing here blocks.
 *
 * Differences from Java, on purpose: registry transport failures and 5xx answers are retried
 * with back-off while the task's records wait (Java throws a RetriableException that Connect's
 * default errors.retry.timeout=0 turns into a failed task).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/avro_data.h"
#include "convert/converter_internal.h"
#include "convert/schema_registry.h"

#define STRATEGY_PKG "io.confluent.kafka.serializers.subject."

typedef enum { SUBJ_TOPIC, SUBJ_RECORD, SUBJ_TOPIC_RECORD } subject_strategy_t;

/* Schemas read, by registry id: the compiled schema with the subject version applied. */
typedef struct id_entry_s {
  int32_t id;
  kc_avro_schema_t *schema;
  struct id_entry_s *next;
} id_entry_t;

/* Schemas written: AvroData's schema object (stable per Connect schema) + topic -> id. */
typedef struct out_entry_s {
  const kc_avro_schema_t *writer;
  char *topic;
  int32_t id;
  struct out_entry_s *next;
} out_entry_t;

#define ID_BUCKETS 64

typedef struct {
  kc_converter_t base;
  kc_avro_data_t *ad;
  kc_sr_client_t *sr;
  subject_strategy_t strategy;
  id_entry_t *ids[ID_BUCKETS];
  out_entry_t *outs;
  const out_entry_t *last_out; /* one-entry memo: most records share one schema */
} avro_conv_t;

/* ---- config ---- */

static int cfg_strategy(const kc_config_t *cfg, bool is_key, subject_strategy_t *out,
                        char *errstr, size_t errn) {
  const char *key = is_key ? "key.subject.name.strategy" : "value.subject.name.strategy";
  const char *v = cfg ? kc_config_get(cfg, key) : NULL;
  *out = SUBJ_TOPIC;
  if (!v) return 0;
  while (*v == ' ') v++;
  static const struct {
    const char *name;
    subject_strategy_t s;
  } known[] = {{STRATEGY_PKG "TopicNameStrategy", SUBJ_TOPIC},
               {STRATEGY_PKG "RecordNameStrategy", SUBJ_RECORD},
               {STRATEGY_PKG "TopicRecordNameStrategy", SUBJ_TOPIC_RECORD}};
  for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
    size_t n = strlen(known[i].name);
    if (!strncmp(v, known[i].name, n) && (v[n] == '\0' || v[n] == ' ')) {
      *out = known[i].s;
      return 0;
    }
  }
  return kc_conv_errf(errstr, errn,
                      "Invalid value %s for configuration %s: Class %s could not be found.", v, key,
                      v);
}

/* ---- subjects ---- */

/* AbstractKafkaSchemaSerDe.getSubjectName with the three built-in strategies. */
static int subject_for(const avro_conv_t *c, const char *topic, const kc_avro_schema_t *s,
                       kc_buf_t *out, char *errstr, size_t errn) {
  kc_buf_reset(out);
  bool key = c->base.is_key;
  switch (c->strategy) {
    case SUBJ_TOPIC:
      return kc_buf_printf(out, "%s-%s", topic ? topic : "", key ? "key" : "value");
    case SUBJ_RECORD:
    case SUBJ_TOPIC_RECORD:
      /* Java's RecordNameStrategy names the schema's full name; a primitive has none. */
      if (!s || !s->full_name)
        return kc_conv_errf(errstr, errn,
                            "In configuration %s.subject.name.strategy = %s, the message %s must "
                            "only be a record schema",
                            key ? "key" : "value",
                            c->strategy == SUBJ_RECORD ? STRATEGY_PKG "RecordNameStrategy"
                                                       : STRATEGY_PKG "TopicRecordNameStrategy",
                            key ? "key" : "value");
      if (c->strategy == SUBJ_RECORD) return kc_buf_puts(out, s->full_name);
      return kc_buf_printf(out, "%s-%s", topic ? topic : "", s->full_name);
  }
  return KC_EINVAL;
}

/* ---- toConnectData ---- */

static kc_avro_schema_t *id_get(avro_conv_t *c, int32_t id) {
  for (id_entry_t *e = c->ids[(uint32_t)id % ID_BUCKETS]; e; e = e->next)
    if (e->id == id) return e->schema;
  return NULL;
}

static int id_put(avro_conv_t *c, int32_t id, kc_avro_schema_t *s) {
  id_entry_t *e = calloc(1, sizeof *e);
  if (!e) return KC_ENOMEM;
  e->id = id;
  e->schema = s;
  e->next = c->ids[(uint32_t)id % ID_BUCKETS];
  c->ids[(uint32_t)id % ID_BUCKETS] = e;
  return 0;
}

/* The schema of @p id, fetched and compiled: 0, KC_AGAIN or KC_ECONVERT. */
static int reader_schema(avro_conv_t *c, const char *topic, int32_t id, kc_avro_schema_t **out,
                         char *errstr, size_t errn) {
  if ((*out = id_get(c, id))) return 0;
  const char *what = c->base.is_key ? "key" : "value";
  const char *text;
  size_t len;
  char err[768] = "";
  int rc = kc_sr_schema_by_id(c->sr, id, &text, &len, err, sizeof err);
  if (rc == KC_AGAIN) return KC_AGAIN;
  if (rc)
    return kc_conv_errf(errstr, errn,
                        "Failed to deserialize data for topic %s to Avro: Error retrieving Avro %s "
                        "schema for id %d: %s",
                        topic, what, (int)id, err);
  kc_avro_schema_t *plain, *s;
  if (kc_avro_schema_parse(c->ad, text, len, &plain, err, sizeof err))
    return kc_conv_errf(errstr, errn,
                        "Failed to deserialize data for topic %s to Avro: Error retrieving Avro %s "
                        "schema for id %d: %s",
                        topic, what, (int)id, err);
  /* The deserializer also asks the subject's version of this schema, and AvroData gives it to
   * the top-level Connect schema (AbstractKafkaAvroDeserializer.schemaVersion). */
  kc_buf_t subj;
  kc_buf_init(&subj, 0);
  int32_t version = -1;
  rc = subject_for(c, topic, plain, &subj, errstr, errn);
  if (!rc) rc = kc_sr_version_of(c->sr, subj.data, text, len, &version, err, sizeof err);
  if (rc == KC_ECONVERT && *err)
    kc_conv_errf(errstr, errn,
                 "Failed to deserialize data for topic %s to Avro: Error retrieving Avro %s schema "
                 "version for id %d: %s",
                 topic, what, (int)id, err);
  kc_buf_free(&subj);
  if (rc) {
    kc_avro_schema_decref(plain);
    return rc == KC_AGAIN || rc == KC_ECONVERT ? rc : KC_ENOMEM;
  }
  rc = kc_avro_schema_parse_version(c->ad, text, len, version, &s, err, sizeof err);
  kc_avro_schema_decref(plain);
  if (rc)
    return kc_conv_errf(errstr, errn,
                        "Failed to deserialize data for topic %s to Avro: Error retrieving Avro %s "
                        "schema for id %d: %s",
                        topic, what, (int)id, err);
  if (id_put(c, id, s)) {
    kc_avro_schema_decref(s);
    return KC_ENOMEM;
  }
  *out = s;
  return 0;
}

static int avro_to_connect(kc_converter_t *conv, kc_arena_t *arena, const char *topic,
                           const void *data, size_t len, kc_schema_t **schema, kc_value_t **value,
                           char *errstr, size_t errn) {
  avro_conv_t *c = (avro_conv_t *)conv;
  *schema = NULL;
  *value = NULL;
  if (!data) return 0; /* SchemaAndValue.NULL */
  const unsigned char *p = data;
  if (len < 1 || p[0] != 0)
    return kc_conv_errf(errstr, errn,
                        "Failed to deserialize data for topic %s to Avro: Unknown magic byte!", topic);
  if (len < 5)
    return kc_conv_errf(errstr, errn,
                        "Failed to deserialize data for topic %s to Avro: Error deserializing Avro "
                        "message for id -1: the record holds %zu bytes, fewer than the 5 of the "
                        "magic byte and schema id",
                        topic, len);
  int32_t id = (int32_t)((uint32_t)p[1] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 8 | p[4]);
  kc_avro_schema_t *s;
  int rc = reader_schema(c, topic, id, &s, errstr, errn);
  if (rc) return rc;
  char err[768];
  kc_value_t *v = NULL;
  if (is_avro_bytes(s->avro)) {
    /* Confluent writes a top-level bytes schema raw, without Avro's length prefix. */
    v = kc_value_new_bytes(p + 5, len - 5);
    if (!v) return KC_ENOMEM;
  } else if ((rc = kc_avro_decode(c->ad, s, arena, p + 5, len - 5, &v, err, sizeof err))) {
    if (rc == KC_ENOMEM) return rc;
    return kc_conv_errf(errstr, errn,
                        "Failed to deserialize data for topic %s to Avro: Error deserializing Avro "
                        "message for id %d: %s",
                        topic, (int)id, err);
  }
  *schema = kc_schema_incref(s->connect);
  *value = v;
  return 0;
}

/* ---- fromConnectData ---- */

/* The subject follows from the topic for a given writer schema (the strategy is fixed), so the
 * cache is keyed by (writer, topic): a hit builds no subject string. */
static const out_entry_t *out_find(avro_conv_t *c, const kc_avro_schema_t *ws, const char *topic) {
  const out_entry_t *memo = c->last_out;
  if (memo && memo->writer == ws && !strcmp(memo->topic, topic)) return memo;
  for (const out_entry_t *e = c->outs; e; e = e->next)
    if (e->writer == ws && !strcmp(e->topic, topic)) return c->last_out = e;
  return NULL;
}

/* use.latest.version frames records with the latest version's id. kconnect encodes with the
 * record's own writer schema only, so the latest must be that schema (Java would re-encode with
 * the latest instead): anything else is refused rather than mislabelled. */
static bool latest_is_writer(const kc_avro_schema_t *ws, const char *latest, size_t len) {
  if (!latest) return true;
  json_t *j = json_loadb(latest, len, JSON_DECODE_ANY, NULL);
  bool same = j && json_equal(j, ws->json);
  json_decref(j);
  return same;
}

static int writer_id(avro_conv_t *c, const char *topic, const kc_avro_schema_t *ws, int32_t *id,
                     char *errstr, size_t errn) {
  if (!topic) topic = "";
  const out_entry_t *hit = out_find(c, ws, topic);
  if (hit) {
    *id = hit->id;
    return 0;
  }
  kc_buf_t subj;
  kc_buf_init(&subj, 0);
  int rc = subject_for(c, topic, ws, &subj, errstr, errn);
  if (rc) {
    kc_buf_free(&subj);
    return rc == KC_ECONVERT ? rc : KC_ENOMEM;
  }
  char err[768];
  const char *latest = NULL;
  size_t latest_len = 0;
  rc = kc_sr_id_for_schema(c->sr, subj.data, ws->text, ws->text_len, id, &latest, &latest_len,
                           err, sizeof err);
  if (rc == KC_AGAIN) {
    kc_buf_free(&subj);
    return KC_AGAIN;
  }
  if (rc) {
    kc_conv_errf(errstr, errn, "Failed to serialize Avro data from topic %s: %s%s: %s", topic,
                 "Error registering Avro schema for subject ", subj.data, err);
    kc_buf_free(&subj);
    return KC_ECONVERT;
  }
  if (!latest_is_writer(ws, latest, latest_len)) {
    kc_conv_errf(errstr, errn,
                 "Failed to serialize Avro data from topic %s: use.latest.version: the latest "
                 "schema of subject %s (id %d) is not the record's schema; kconnect writes "
                 "records only with their own schema",
                 topic, subj.data, (int)*id);
    kc_buf_free(&subj);
    return KC_ECONVERT;
  }
  kc_buf_free(&subj);
  out_entry_t *e = calloc(1, sizeof *e);
  if (!e || !(e->topic = strdup(topic))) {
    free(e);
    return KC_ENOMEM;
  }
  e->writer = kc_avro_schema_incref((kc_avro_schema_t *)ws);
  e->id = *id;
  e->next = c->outs;
  c->outs = e;
  c->last_out = e;
  return 0;
}

static int avro_from_connect(kc_converter_t *conv, const char *topic, const kc_schema_t *schema,
                             const kc_value_t *value, kc_buf_t *out, bool *is_null, char *errstr,
                             size_t errn) {
  avro_conv_t *c = (avro_conv_t *)conv;
  *is_null = !value;
  if (!value) return 0; /* a Kafka null, no registration (AbstractKafkaAvroSerializer) */
  char err[768];
  kc_avro_schema_t *ws;
  int rc = kc_avro_schema_from_connect(c->ad, schema, &ws, err, sizeof err);
  if (rc) {
    if (rc == KC_ENOMEM) return rc;
    return kc_conv_errf(errstr, errn, "Failed to serialize Avro data from topic %s: %s", topic, err);
  }
  int32_t id;
  rc = writer_id(c, topic, ws, &id, errstr, errn);
  if (rc) {
    kc_avro_schema_decref(ws);
    *is_null = true;
    return rc;
  }
  size_t start = out->len;
  unsigned char hdr[5] = {0, (unsigned char)((uint32_t)id >> 24), (unsigned char)((uint32_t)id >> 16),
                          (unsigned char)((uint32_t)id >> 8), (unsigned char)id};
  rc = kc_buf_append(out, hdr, sizeof hdr);
  if (!rc && is_avro_bytes(ws->avro)) {
    /* written raw, as Confluent's serializer writes a top-level bytes schema */
    if (value->type != KC_TYPE_BYTES)
      rc = kc_conv_errf(errstr, errn,
                        "Failed to serialize Avro data from topic %s: Unrecognized bytes object of "
                        "type: %s",
                        topic, kc_value_java_class(value));
    else
      rc = kc_buf_append(out, value->u.str.ptr, value->u.str.len);
  } else if (!rc && (rc = kc_avro_encode(c->ad, ws, schema, value, out, err, sizeof err))) {
    if (rc == KC_ECONVERT)
      kc_conv_errf(errstr, errn, "Failed to serialize Avro data from topic %s: %s", topic, err);
  }
  kc_avro_schema_decref(ws);
  if (rc) {
    out->len = start;
    if (out->data) out->data[start] = '\0';
    *is_null = true;
  }
  return rc;
}

/* ---- lifetime ---- */

static void avro_destroy(kc_converter_t *conv) {
  avro_conv_t *c = (avro_conv_t *)conv;
  kc_sr_client_destroy(c->sr);
  for (int i = 0; i < ID_BUCKETS; i++) {
    for (id_entry_t *e = c->ids[i], *n; e; e = n) {
      n = e->next;
      kc_avro_schema_decref(e->schema);
      free(e);
    }
  }
  for (out_entry_t *e = c->outs, *n; e; e = n) {
    n = e->next;
    kc_avro_schema_decref((kc_avro_schema_t *)e->writer);
    free(e->topic);
    free(e);
  }
  kc_avro_data_destroy(c->ad);
  free(c);
}

static void avro_attach(kc_converter_t *conv, kc_http_t *http, void (*notify)(void *), void *arg) {
  kc_sr_client_attach(((avro_conv_t *)conv)->sr, http, notify, arg);
}

static const kc_converter_ops_t avro_ops = {
    .to_connect = avro_to_connect,
    .from_connect = avro_from_connect,
    .destroy = avro_destroy,
    .attach = avro_attach,
};

/* AvroDataConfig's keys as this converter reads them (the registry client reads its own). */
static int data_config(const kc_config_t *cfg, kc_avro_data_config_t *dc, char *errstr,
                       size_t errn) {
  kc_avro_data_config_default(dc);
  if (kc_conv_cfg_bool(cfg, "enhanced.avro.schema.support", false, &dc->enhanced_avro_schema_support,
               errstr, errn) ||
      kc_conv_cfg_bool(cfg, "connect.meta.data", true, &dc->connect_meta_data, errstr, errn) ||
      kc_conv_cfg_bool(cfg, "scrub.invalid.names", false, &dc->scrub_invalid_names, errstr, errn) ||
      kc_conv_cfg_bool(cfg, "allow.optional.map.keys", false, &dc->allow_optional_map_keys, errstr, errn) ||
      kc_conv_cfg_bool(cfg, "flatten.singleton.unions", true, &dc->flatten_singleton_unions, errstr,
               errn) ||
      kc_conv_cfg_bool(cfg, "discard.type.doc.default", false, &dc->discard_type_doc_default, errstr,
               errn))
    return KC_ECONVERT;
  const char *v = cfg ? kc_config_get(cfg, "schemas.cache.config") : NULL;
  if (v) {
    char *end;
    long n = strtol(v, &end, 10);
    while (*end == ' ') end++;
    if (end == v || *end || n < 0 || n > INT32_MAX)
      return kc_conv_errf(errstr, errn,
                          "Invalid value %s for configuration schemas.cache.config: Not a number "
                          "of type INT",
                          v);
    dc->schemas_cache_size = (int)n;
  }
  return 0;
}

kc_converter_t *kc_avro_converter_new(const kc_config_t *cfg, bool is_key, char *errstr,
                                      size_t errn) {
  kc_avro_data_config_t dc;
  subject_strategy_t strategy;
  if (data_config(cfg, &dc, errstr, errn) || cfg_strategy(cfg, is_key, &strategy, errstr, errn))
    return NULL;
  avro_conv_t *c = calloc(1, sizeof *c);
  if (!c || !(c->ad = kc_avro_data_new(&dc))) {
    free(c);
    kc_conv_errf(errstr, errn, "out of memory");
    return NULL;
  }
  if (!(c->sr = kc_sr_client_new(cfg, errstr, errn))) {
    kc_avro_data_destroy(c->ad);
    free(c);
    return NULL;
  }
  c->base.ops = &avro_ops;
  c->base.kind = KC_CONVERTER_AVRO;
  c->base.is_key = is_key;
  c->strategy = strategy;
  return &c->base;
}
