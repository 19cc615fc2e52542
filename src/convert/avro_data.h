/*
 * AvroData (Confluent's io.confluent.connect.avro.AvroData, schema-registry 7.9): the mapping
 * between Connect schemas/values and Avro schemas/datums, used by the AvroConverter
 * (connect-runtime.md 9.5) and by the S3 sink's AvroFormat.
 *
 * Avro schemas are handled in two forms at once: the schema JSON (jansson), which carries what
 * AvroData reads and writes (connect.name, connect.version, connect.doc, connect.parameters,
 * connect.default, connect.type, logicalType, precision, scale, aliases, defaults), and Apache
 * Avro C's avro_schema_t, which does the binary encoding and decoding (Avro C 1.11 drops every
 * property it does not know, so it never sees the JSON's metadata).
 *
 * Loop thread only; nothing here does I/O.
 */
#ifndef KC_CONVERT_AVRO_DATA_H
#define KC_CONVERT_AVRO_DATA_H

#include <avro.h>
#include <jansson.h>
#include <stdbool.h>

#include "kconnect/connector.h"
#include "util/arena.h"

/** AvroDataConfig (the converter's keys, defaults as Confluent 7.9). */
typedef struct kc_avro_data_config_s {
  bool enhanced_avro_schema_support; /* enhanced.avro.schema.support, false */
  bool connect_meta_data;            /* connect.meta.data, true */
  bool scrub_invalid_names;          /* scrub.invalid.names, false */
  bool allow_optional_map_keys;      /* allow.optional.map.keys, false */
  bool flatten_singleton_unions;     /* flatten.singleton.unions, true */
  bool discard_type_doc_default;     /* discard.type.doc.default, false */
  int schemas_cache_size;            /* schemas.cache.config, 1000 */
} kc_avro_data_config_t;

/** Fills @p cfg with Confluent's defaults. */
void kc_avro_data_config_default(kc_avro_data_config_t *cfg);

/**
 * A compiled Avro schema: the JSON, Avro C's schema and value class, and the Connect schema it
 * maps to. Reference counted (kc_avro_schema_incref/decref); read-only once made, except for the
 * scratch value, which the single loop thread reuses between calls.
 */
typedef struct kc_avro_schema_s {
  int refcnt;
  char *text;                 /* Avro schema JSON, NUL-terminated: as read from the registry, or
                                 as AvroData.fromConnectSchema writes it (what gets registered) */
  size_t text_len;
  json_t *json;               /* parsed text (owned) */
  avro_schema_t avro;         /* Avro C's schema of the same text (owned reference) */
  avro_value_iface_t *iface;  /* generic value class of avro (owned) */
  avro_value_t scratch;       /* a generic value of iface, reused by decode/encode */
  kc_schema_t *connect;       /* the Connect schema (owned reference): toConnectSchema(json) for
                                 schemas read, the source schema for fromConnectSchema */
  char *full_name;            /* record/enum/fixed full name for Record*NameStrategy, or NULL */
  int32_t id;                 /* Schema Registry id, -1 when not known (set by the converter) */
  void *to_plan;              /* private to avro_to_schema.c/avro_to_value.c (NULL until used) */
  void (*to_plan_free)(void *plan);   /* set with to_plan; called by the last decref */
  void *from_plan;            /* private to avro_from_connect.c/avro_encode.c (NULL until used) */
  void (*from_plan_free)(void *plan);
} kc_avro_schema_t;

kc_avro_schema_t *kc_avro_schema_incref(kc_avro_schema_t *s);
/** NULL-safe; frees on the last reference (both plans, json, avro, iface, scratch, connect). */
void kc_avro_schema_decref(kc_avro_schema_t *s);

/** One AvroData: config plus its schema caches (schemas.cache.config entries each). */
typedef struct kc_avro_data_s kc_avro_data_t;

/** @returns a new AvroData (cfg copied), NULL on ENOMEM. */
kc_avro_data_t *kc_avro_data_new(const kc_avro_data_config_t *cfg);
void kc_avro_data_destroy(kc_avro_data_t *ad);
const kc_avro_data_config_t *kc_avro_data_config(const kc_avro_data_t *ad);

/* ---- reading: Avro -> Connect (avro_to_schema.c/avro_to_value.c) ---- */

/**
 * Compiles the Avro schema JSON @p text (@p len bytes, as the registry returns it) and maps it
 * to Connect (AvroData.toConnectSchema), caching by text (an equal text gives the same object
 * back with a new reference). *out: a new reference.
 * @returns 0, KC_ECONVERT with errstr (not JSON, not a valid Avro schema, or a schema AvroData
 * rejects, with AvroData's message), KC_ENOMEM.
 */
int kc_avro_schema_parse(kc_avro_data_t *ad, const char *text, size_t len, kc_avro_schema_t **out,
                         char *errstr, size_t errstr_size);

/**
 * kc_avro_schema_parse() for a schema whose Schema Registry version is known: AvroData's
 * toConnectData(avroSchema, value, version), as the AvroConverter calls it with the subject
 * version its deserializer looked up. The top-level Connect schema gets @p version unless the
 * schema has connect.version. -1: none. Cached by (text, version). Errors as
 * kc_avro_schema_parse().
 */
int kc_avro_schema_parse_version(kc_avro_data_t *ad, const char *text, size_t len,
                                 int32_t version, kc_avro_schema_t **out, char *errstr,
                                 size_t errstr_size);

/**
 * Decodes one Avro binary datum (no container, no Confluent header) written with @p s and maps
 * it to Connect (AvroData.toConnectData with s->connect). The value is allocated in @p arena
 * when it is not NULL (read-only arena values, see connector.h), else on the heap (caller
 * destroys). A null Avro datum (top-level "null" schema or a null union branch) gives *out NULL.
 * @returns 0, KC_ECONVERT with errstr (truncated or malformed bytes, trailing bytes are ignored
 * as Confluent ignores them; a value AvroData cannot map), KC_ENOMEM.
 */
int kc_avro_decode(kc_avro_data_t *ad, kc_avro_schema_t *s, kc_arena_t *arena, const void *data,
                   size_t len, kc_value_t **out, char *errstr, size_t errstr_size);

/* ---- writing: Connect -> Avro (avro_from_connect.c/avro_encode.c) ---- */

/**
 * AvroData.fromConnectSchema of @p schema (NULL: a schemaless value, AvroData's
 * ANYTHING schema), compiled; cached by schema pointer and then by kc_schema_equal, so the
 * same Connect schema gives the same object. s->text is the JSON Confluent would register,
 * member for member and in the same order (connect.* properties, logical types, unions with
 * null first and "default": null for optional fields, MapEntry arrays...). *out: a new reference.
 * @returns 0, KC_ECONVERT with AvroData's message (e.g. a MAP key schema it cannot write),
 * KC_ENOMEM.
 */
int kc_avro_schema_from_connect(kc_avro_data_t *ad, const kc_schema_t *schema,
                                kc_avro_schema_t **out, char *errstr, size_t errstr_size);

/**
 * AvroData.fromConnectData then Avro binary encoding: appends the datum of @p value (which
 * follows @p schema, or is schemaless when @p schema is NULL) written with @p s (from
 * kc_avro_schema_from_connect of that schema) to @p out. A null value with an optional schema
 * encodes the union's null branch.
 * @returns 0, KC_ECONVERT with Connect's/AvroData's DataException text (value does not match the
 * schema, e.g. "Found null value for non-optional schema"),
 * KC_ENOMEM / KC_ENOSPC from the buffer.
 */
int kc_avro_encode(kc_avro_data_t *ad, kc_avro_schema_t *s, const kc_schema_t *schema,
                   const kc_value_t *value, kc_buf_t *out, char *errstr, size_t errstr_size);

/* ---- shared by avro_to_schema.c/avro_to_value.c and avro_from_connect.c/avro_encode.c (avro_data.c) ---- */

/**
 * Makes a kc_avro_schema_t from Avro schema JSON text (copied): parses it with jansson and with
 * Avro C, builds the generic value class and scratch value, sets full_name; connect stays NULL
 * and id -1. @returns 0, KC_ECONVERT with errstr (JSON error or Avro C's avro_strerror()),
 * KC_ENOMEM.
 */
int kc_avro_schema_compile(const char *text, size_t len, kc_avro_schema_t **out, char *errstr,
                           size_t errstr_size);

/* Per-direction caches inside kc_avro_data_t: each direction's file keeps its own cache
 * there and registers the destructor kc_avro_data_destroy() calls (no link-time coupling
 * between the two files). */
typedef struct kc_avro_cache_slot_s {
  void *cache;
  void (*free_fn)(void *cache);
} kc_avro_cache_slot_t;
kc_avro_cache_slot_t *kc__avro_data_to_cache(kc_avro_data_t *ad);
kc_avro_cache_slot_t *kc__avro_data_from_cache(kc_avro_data_t *ad);

#endif
