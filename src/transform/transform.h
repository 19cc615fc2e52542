/*
 * Single message transforms and predicates (Connect's Transformation and Predicate, KIP-66 and
 * KIP-585; connect-runtime.md section 8), run by the task runners: sinks after conversion and
 * before put(), sources after poll() and before conversion.
 *
 * A transform is a const struct of callbacks plus a config table (kc_transform_plugin_t), as a
 * connector is. It works on a kc_xrecord_t: the ConnectRecord of Connect (topic, partition,
 * key/value with schemas, timestamp, headers; the Kafka offset for sink records).
 *
 * Memory rules, which keep the chain free of per-record malloc:
 *  - Values a record points to are read-only and live at least until the record is finished
 *    (the runner resets the record's arena). A transform never changes a value it was given: it
 *    builds new values in rec->arena with the kc_xf_new_*() helpers below and may share
 *    unchanged sub-values (fields, elements) with its input by pointer.
 *  - Arena structs borrow their schema. Every schema handed to kc_xrecord_set_key/value() or to
 *    a header is retained (a reference) until the record is finished, so what an earlier stage
 *    produced stays valid for later stages even when a cache drops it.
 *  - A transform that builds schemas caches them per input schema (kc_xf_schema_cache_t, as
 *    Connect's SynchronizedCache(LRUCache(16))) instead of building one per record.
 *
 * Loop thread only; no I/O; bounded work per record.
 */
#ifndef KC_TRANSFORM_TRANSFORM_H
#define KC_TRANSFORM_TRANSFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kconnect/connector.h"

/* ---- errors ---- */

/** Java exception class names a transform reports (ProcessingContext.error().getClass()). */
#define KC_XF_DATA_EXCEPTION "org.apache.kafka.connect.errors.DataException"
#define KC_XF_ILLEGAL_ARGUMENT "java.lang.IllegalArgumentException"
#define KC_XF_CONFIG_EXCEPTION "org.apache.kafka.common.config.ConfigException"
#define KC_XF_CONNECT_EXCEPTION "org.apache.kafka.connect.errors.ConnectException"
#define KC_XF_SCHEMA_BUILDER_EXCEPTION "org.apache.kafka.connect.errors.SchemaBuilderException"

/** What failed: the Java exception class (static string) and its getMessage() text. */
typedef struct kc_xf_error_s {
  const char *exception; /**< one of KC_XF_* above; NULL until set */
  char message[16384];   /**< "" stands for a null message; longer texts are cut */
} kc_xf_error_t;

/** Fills @p err (printf-style message). @returns KC_ECONVERT, for `return kc_xf_fail(...)`. */
int kc_xf_fail(kc_xf_error_t *err, const char *exception, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** kc_transform_plugin_t.apply result: the record was dropped (Transformation returned null). */
#define KC_XF_DROP 1

/* ---- the record ---- */

/** One header (Connect's Header): key plus value with schema, or the raw bytes as consumed. */
typedef struct kc_xheader_s {
  const char *key;           /**< never NULL; arena or borrowed */
  bool has_value;            /**< schema/value are known (converted, or set by a transform) */
  const kc_schema_t *schema; /**< retained by the record; NULL = no schema */
  const kc_value_t *value;   /**< NULL = null */
  bool has_raw;              /**< raw/raw_len hold the serialized bytes (as consumed) */
  const void *raw;           /**< NULL = a null header value */
  size_t raw_len;
} kc_xheader_t;

typedef struct kc_xrecord_s kc_xrecord_t;

/** Converts a raw header's bytes to Connect data (the task's HeaderConverter.toConnectHeader).
 * Outputs are owned by the caller (heap). @returns 0 or KC_ECONVERT with the message. */
typedef int (*kc_xheader_convert_fn)(void *arg, const char *topic, const char *key,
                                     const void *data, size_t len, kc_schema_t **schema,
                                     kc_value_t **value, char *err, size_t errlen);

/**
 * ConnectRecord. Fields are read directly; change them only with the setters, which copy
 * strings into the arena and retain schemas.
 */
struct kc_xrecord_s {
  kc_arena_t *arena;       /**< where a transform's new values and strings go; owned by the runner */
  bool sink;               /**< SinkRecord (kafka offset known) or SourceRecord */
  const char *topic;       /**< never NULL */
  int32_t partition;       /**< Kafka partition; -1 = null (a source record without one) */
  int64_t offset;          /**< sink: the Kafka offset; source: -1 */
  int64_t timestamp;       /**< ms since the epoch; -1 = null */
  const kc_schema_t *key_schema, *value_schema; /**< NULL = schemaless */
  const kc_value_t *key, *value;                /**< NULL = null */

  /* private: headers and retained schemas */
  kc_xheader_t *hdrs;
  size_t nhdrs, hdrs_cap;
  bool hdrs_loaded;        /**< hdrs hold the record's headers (loaded on first use) */
  bool hdrs_changed;       /**< a transform added or removed headers */
  const kc_xheader_t *src_hdrs; size_t src_nhdrs; /**< the headers as consumed (raw) */
  kc_xheader_convert_fn hconv;
  void *hconv_arg;
  kc_schema_t **retained;
  size_t nretained, retained_cap;
};

/**
 * Starts a record view over the arena @p arena. Headers come from @p src_hdrs (raw bytes, borrowed
 * until the record is finished; may be NULL with 0), converted on demand by @p hconv.
 * Allocates nothing.
 */
void kc_xrecord_init(kc_xrecord_t *r, kc_arena_t *arena, bool sink, const char *topic,
                     int32_t partition, int64_t offset, int64_t timestamp,
                     const kc_xheader_t *src_hdrs, size_t src_nhdrs, kc_xheader_convert_fn hconv,
                     void *hconv_arg);
/** Releases every retained schema. The arena's memory is the caller's to reset. */
void kc_xrecord_finish(kc_xrecord_t *r);

/** Sets the key (ConnectRecord.newRecord): @p schema retained (NULL ok), @p value borrowed (it
 * must live in the arena or outlive the record). @returns 0 or KC_ENOMEM. */
int kc_xrecord_set_key(kc_xrecord_t *r, const kc_schema_t *schema, const kc_value_t *value);
/** Sets the value, as kc_xrecord_set_key(). */
int kc_xrecord_set_value(kc_xrecord_t *r, const kc_schema_t *schema, const kc_value_t *value);
/** Sets the topic (@p len bytes copied into the arena). @returns 0 or KC_ENOMEM. */
int kc_xrecord_set_topic(kc_xrecord_t *r, const char *topic, size_t len);
/** Retains @p s until the record is finished (for schemas a value borrows). @returns 0, KC_ENOMEM. */
int kc_xrecord_retain(kc_xrecord_t *r, const kc_schema_t *s);

/** Number of headers (loads them on first use). */
size_t kc_xrecord_header_count(kc_xrecord_t *r);
/** Header @p i (0-based, in order), borrowed until the next header change; NULL past the end. */
const kc_xheader_t *kc_xrecord_header_at(kc_xrecord_t *r, size_t i);
/**
 * Schema and value of header @p i, converting raw bytes with the header converter the first
 * time. @returns 0, KC_ENOENT (no such header), KC_ECONVERT (err filled: the header converter's
 * DataException).
 */
int kc_xrecord_header_value(kc_xrecord_t *r, size_t i, const kc_schema_t **schema,
                            const kc_value_t **value, kc_xf_error_t *err);
/** Headers.add(key, value, schema): appended last; @p key copied, @p schema retained, @p value
 * borrowed. @returns 0 or KC_ENOMEM. */
int kc_xrecord_header_add(kc_xrecord_t *r, const char *key, const kc_schema_t *schema,
                          const kc_value_t *value);
/** Headers.remove(key): drops every header named @p key. @returns how many were removed. */
size_t kc_xrecord_header_remove(kc_xrecord_t *r, const char *key);
/** Headers.lastWithName(key) != null. Never converts. */
bool kc_xrecord_header_has(kc_xrecord_t *r, const char *key);

/* ---- building values in the record's arena (all NULL on ENOMEM) ---- */

kc_value_t *kc_xf_new_int(kc_xrecord_t *r, kc_type_t type, int64_t v);   /**< INT8..INT64 */
kc_value_t *kc_xf_new_float(kc_xrecord_t *r, kc_type_t type, double v); /**< FLOAT32/64 */
kc_value_t *kc_xf_new_bool(kc_xrecord_t *r, bool v);
kc_value_t *kc_xf_new_string(kc_xrecord_t *r, const char *s, size_t len); /**< copied */
kc_value_t *kc_xf_new_bytes(kc_xrecord_t *r, const void *p, size_t len);  /**< copied */
kc_value_t *kc_xf_new_array(kc_xrecord_t *r);
kc_value_t *kc_xf_new_map(kc_xrecord_t *r);
/** An empty arena map with room for @p cap entries (appends beyond it grow as usual). */
kc_value_t *kc_xf_new_map_cap(kc_xrecord_t *r, size_t cap);
/** new HashMap<>(src): an arena map holding @p src's entries (keys and values shared by pointer)
 * with room for @p extra more. @p src must be a MAP. */
kc_value_t *kc_xf_map_copy(kc_xrecord_t *r, const kc_value_t *src, size_t extra);
/** A STRUCT of @p schema (borrowed: retain it on the record) with every field null; set fields
 * with v->u.st.vals[field->index] = value. */
kc_value_t *kc_xf_new_struct(kc_xrecord_t *r, const kc_schema_t *schema);
/** Appends to an arena array. @returns 0, KC_ENOMEM. */
int kc_xf_array_append(kc_xrecord_t *r, kc_value_t *arr, const kc_value_t *item);
/** Appends key -> val to an arena map (no duplicate check: Java's HashMap.put semantics are the
 * caller's; use kc_xf_map_put to replace an equal key). @returns 0, KC_ENOMEM. */
int kc_xf_map_append(kc_xrecord_t *r, kc_value_t *map, const kc_value_t *key, const kc_value_t *val);
/** Puts key -> val, replacing the value of an equal key in place (insertion order kept, as
 * LinkedHashMap / HashMap on re-put). @returns 0, KC_ENOMEM. */
int kc_xf_map_put(kc_xrecord_t *r, kc_value_t *map, const kc_value_t *key, const kc_value_t *val);
/** A deep copy of @p v in the arena (struct schemas retained on the record); NULL for NULL or
 * ENOMEM. For values from outside the record (a converter's heap value). */
kc_value_t *kc_xf_copy(kc_xrecord_t *r, const kc_value_t *v);
/** A string copied into the arena (NUL-terminated). */
char *kc_xf_strdup(kc_xrecord_t *r, const char *s, size_t len);

/**
 * Struct.get(field) (@p replace_null_with_default true: a null field gives its schema's
 * default) or Struct.getWithoutDefault (false). @p st must be a STRUCT.
 */
const kc_value_t *kc_xf_struct_get(const kc_value_t *st, const kc_field_t *field,
                                   bool replace_null_with_default);

/* ---- Requirements (org.apache.kafka.connect.transforms.util.Requirements) ---- */

/** requireStruct: "Only Struct objects supported for [purpose], found: <class>". @returns 0 or
 * KC_ECONVERT (DataException in err). */
int kc_xf_require_struct(const kc_value_t *v, const char *purpose, kc_xf_error_t *err);
/** requireMap: "Only Map objects supported in absence of schema for [purpose], found: <class>". */
int kc_xf_require_map(const kc_value_t *v, const char *purpose, kc_xf_error_t *err);
/** requireSchema: "Schema required for [purpose]". */
int kc_xf_require_schema(const kc_schema_t *s, const char *purpose, kc_xf_error_t *err);
/** requireSinkRecord: "Only SinkRecord supported for [purpose], found: <class>". */
int kc_xf_require_sink(const kc_xrecord_t *r, const char *purpose, kc_xf_error_t *err);

/* ---- schemas ---- */

/**
 * SchemaBuilder.field(name, schema) on the STRUCT @p s, taking the reference @p field_schema: a
 * second field of one name is Java's SchemaBuilderException "Cannot create field because of field
 * name duplication <name>". @returns 0, KC_ECONVERT (@p err filled), KC_ENOMEM.
 */
int kc_xf_add_field(kc_schema_t *s, const char *name, kc_schema_t *field_schema, kc_xf_error_t *err);

/**
 * SchemaUtil.copySchemaBasics(source, SchemaBuilder(type)): a new schema (one reference, the
 * caller's) of @p type carrying @p src's name, version, doc and parameters (not optional, no
 * default, no fields). @p src may be NULL (plain schema). NULL on ENOMEM.
 */
kc_schema_t *kc_xf_schema_copy_basics(const kc_schema_t *src, kc_type_t type);

/** A per-transform LRU of input schema -> output schema (Connect's LRUCache(16)). */
typedef struct kc_xf_schema_cache_s kc_xf_schema_cache_t;
/** @p capacity entries (16 as Connect). NULL on ENOMEM. */
kc_xf_schema_cache_t *kc_xf_schema_cache_new(size_t capacity);
/** The output cached for @p in (same pointer, else kc_schema_equal), borrowed; NULL if none. */
kc_schema_t *kc_xf_schema_cache_get(kc_xf_schema_cache_t *c, const kc_schema_t *in);
/** Caches @p in -> @p out, taking a reference of each (the caller keeps its own). Evicts the
 * least recently used entry when full. @returns 0 or KC_ENOMEM. */
int kc_xf_schema_cache_put(kc_xf_schema_cache_t *c, const kc_schema_t *in, kc_schema_t *out);
void kc_xf_schema_cache_destroy(kc_xf_schema_cache_t *c);

/* ---- plugins ---- */

typedef enum { KC_XF_TRANSFORM, KC_XF_PREDICATE } kc_xf_kind_t;

/** Which part of the record a $Key / $Value class works on (0 for classes without variants). */
typedef enum { KC_XF_WHOLE = 0, KC_XF_KEY = 1, KC_XF_VALUE = 2 } kc_xf_variant_t;

typedef struct kc_transform_plugin_s {
  const char *class_name;  /**< Java FQCN, "org.apache.kafka.connect.transforms.InsertField$Value" */
  kc_xf_kind_t kind;
  kc_xf_variant_t variant; /**< passed to create() so one implementation serves both variants */
  /** Connect's config() ConfigDef for this class (NULL-name-terminated; may be just the end). */
  const kc_config_def_t *config_def;
  /**
   * Transformation.configure / Predicate.configure. @p cfg holds the class's own keys with the
   * "transforms.<alias>." / "predicates.<alias>." prefix stripped and config_def's defaults
   * applied; every key already passed config_def's validators. Writes Connect's ConfigException
   * text to @p errstr (e.g. "Invalid value x for configuration spec: ..."). @returns 0 with
   * *state set, KC_EINVAL, KC_ENOMEM.
   */
  int (*create)(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *errstr,
                size_t errstr_size);
  /**
   * Transformation.apply (transforms only): changes @p rec in place with the setters.
   * @returns KC_OK, KC_XF_DROP (apply returned null), KC_ECONVERT (@p err filled: the
   * exception Connect throws for this record), KC_ENOMEM.
   */
  int (*apply)(void *state, kc_xrecord_t *rec, kc_xf_error_t *err);
  /** Predicate.test (predicates only). @returns 1 (true), 0 (false), KC_ECONVERT (err filled). */
  int (*test)(void *state, kc_xrecord_t *rec, kc_xf_error_t *err);
  void (*destroy)(void *state); /**< NULL-safe state */
} kc_transform_plugin_t;

/** Every built-in transform and predicate, NULL-terminated (src/transform/registry.c). */
extern const kc_transform_plugin_t *const kc_transform_plugins[];

/**
 * Finds a plugin by FQCN or by Connect's alias (the simple class name of a top-level class:
 * "RegexRouter", "RecordIsTombstone"; $Key/$Value classes have none, as in Connect, whose
 * computeAliases drops the colliding "Key"/"Value"). @p kind restricts the search. NULL when
 * unknown.
 */
const kc_transform_plugin_t *kc_transform_find(const char *name, kc_xf_kind_t kind);

#endif
