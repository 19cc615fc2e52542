/*
 * kconnect connector API: the ONLY header a connector includes.
 *
 * A connector is a const struct of callbacks plus a config table
 * (kc_connector_plugin_t), the way a Fluent Bit plugin is. The runtime owns
 * everything else: Kafka clients, converters, offsets, retries, statuses.
 *
 * Concepts follow Apache Kafka Connect (connect-api): Connector, Task,
 * SourceRecord, SinkRecord, Schema, Struct, ConfigDef. Section numbers refer to
 * shared/spec/connect-runtime.md.
 *
 * Threading: every function here is "loop thread only". kconnect runs one libuv
 * loop; callbacks are invoked from it and must not block it (no sleeps, no
 * synchronous network I/O, bounded work per call).
 *
 * Errors: functions return 0 on success and a negative KC_E* code on failure
 * (libuv style). Task callbacks return one of KC_OK, KC_AGAIN, KC_RETRY, KC_ERR.
 */
#ifndef KCONNECT_CONNECTOR_H
#define KCONNECT_CONNECTOR_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KC_EXTERN extern

/** @name Version */
/**@{*/
#define KC_CONNECTOR_API_VERSION 1
#define KC_VERSION_STRING "0.1.0"
/** Connect version this runtime is compatible with (reported by GET /). */
#define KC_CONNECT_COMPAT_VERSION "4.3.1"
/**@}*/

/** @name Errors */
/**@{*/
/** Task callback results (fluent-bit FLB_OK/FLB_RETRY/FLB_ERROR, nginx NGX_AGAIN). */
#define KC_OK 0      /**< done */
#define KC_AGAIN 1   /**< not finished: the task calls a *_done()/kc_task_wakeup() later */
#define KC_RETRY 2   /**< transient failure (Connect RetriableException): runtime retries */
#define KC_ERR (-1)  /**< fatal for the task: it goes FAILED */

/** Negative error codes returned by API functions. */
#define KC_ERRNO_MAP(XX)                                                    \
  XX(EINVAL, -22, "invalid argument")                                       \
  XX(ENOENT, -2, "not found")                                               \
  XX(ENOMEM, -12, "out of memory")                                          \
  XX(EEXIST, -17, "already exists")                                         \
  XX(EIO, -5, "i/o error")                                                  \
  XX(EBUSY, -16, "busy")                                                    \
  XX(ENOSPC, -28, "limit reached")                                          \
  XX(ETIMEDOUT, -110, "timed out")                                          \
  XX(ENOTSUP, -95, "not supported")                                         \
  XX(ESTATE, -1001, "illegal state")                                        \
  XX(ECONFLICT, -1002, "conflicting operation")                             \
  XX(ECONVERT, -1003, "conversion failed")

typedef enum {
#define XX(name, val, msg) KC_##name = val,
  KC_ERRNO_MAP(XX)
#undef XX
} kc_errno_t;

/** @returns a static description of a KC_* code (KC_OK, KC_E*); never NULL. */
KC_EXTERN const char *kc_strerror(int err);
/** @returns the symbolic name ("EINVAL") of a KC_E* code; never NULL. */
KC_EXTERN const char *kc_err_name(int err);
/**@}*/

/** @name Growable byte buffer with a hard limit (curl dynbuf) */
/**@{*/
typedef struct kc_buf_s {
  char *data;   /**< NUL-terminated after every append (the NUL is not in len) */
  size_t len;   /**< bytes used */
  size_t cap;   /**< bytes allocated */
  size_t limit; /**< maximum len; 0 = unlimited */
} kc_buf_t;

/** Initialises @p b empty with @p limit bytes maximum (0 = none). Allocates nothing. */
KC_EXTERN void kc_buf_init(kc_buf_t *b, size_t limit);
/** Appends @p n bytes. @returns 0, KC_ENOSPC past the limit (nothing appended), KC_ENOMEM. */
KC_EXTERN int kc_buf_append(kc_buf_t *b, const void *p, size_t n);
/** Appends a NUL-terminated string. Same errors as kc_buf_append(). */
KC_EXTERN int kc_buf_puts(kc_buf_t *b, const char *s);
/** printf-style append. Same errors as kc_buf_append(). */
KC_EXTERN int kc_buf_printf(kc_buf_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/** Appends @p v in decimal (Long.toString), without printf's cost. Same errors as kc_buf_append(). */
KC_EXTERN int kc_buf_append_int(kc_buf_t *b, int64_t v);
/** Ensures room for @p n more bytes without changing len. Same errors. */
KC_EXTERN int kc_buf_reserve(kc_buf_t *b, size_t n);
/** Empties the buffer, keeping its allocation. */
KC_EXTERN void kc_buf_reset(kc_buf_t *b);
/** Frees the allocation; @p b may be reused after kc_buf_init(). */
KC_EXTERN void kc_buf_free(kc_buf_t *b);
/**@}*/

/** @name Scratch memory: a bump allocator for data that dies together (one batch, one record) */
/**@{*/
typedef struct kc_arena_chunk_s kc_arena_chunk_t;
/** Zero-initialise (or KC_ARENA_INIT); allocates nothing until the first kc_arena_alloc(). */
typedef struct kc_arena_s {
  kc_arena_chunk_t *head; /**< newest chunk first */
  size_t used;            /**< bytes handed out since the last reset */
} kc_arena_t;
#define KC_ARENA_INIT {NULL, 0}
/**
 * @returns @p size bytes (uninitialised) aligned for any scalar, owned by @p a and valid until
 * kc_arena_reset()/kc_arena_free(); NULL when out of memory. Never freed one by one.
 */
KC_EXTERN void *kc_arena_alloc(kc_arena_t *a, size_t size);
/** Frees everything handed out; keeps the biggest chunk of at most 2 MiB for the next round. */
KC_EXTERN void kc_arena_reset(kc_arena_t *a);
/** Frees all memory; @p a may be reused (it is empty). */
KC_EXTERN void kc_arena_free(kc_arena_t *a);
/**@}*/

/** @name Connect data: schemas and values (connect-api org.apache.kafka.connect.data) */
/**@{*/
#define KC_TYPE_MAP(XX)                                                      \
  XX(INT8, "int8") XX(INT16, "int16") XX(INT32, "int32") XX(INT64, "int64") \
  XX(FLOAT32, "float") XX(FLOAT64, "double") XX(BOOLEAN, "boolean")         \
  XX(STRING, "string") XX(BYTES, "bytes") XX(ARRAY, "array")               \
  XX(MAP, "map") XX(STRUCT, "struct")

/** Schema.Type. The second column is the JsonConverter schema type name. */
typedef enum {
#define XX(t, json) KC_TYPE_##t,
  KC_TYPE_MAP(XX)
#undef XX
} kc_type_t;

/** @returns the JsonConverter name of @p t ("int32", "struct"...). */
KC_EXTERN const char *kc_type_name(kc_type_t t);

typedef struct kc_schema_s kc_schema_t;
typedef struct kc_value_s kc_value_t;

/** A Struct field (connect-api Field). */
typedef struct kc_field_s {
  char *name;
  int index;
  kc_schema_t *schema; /**< owned reference */
} kc_field_t;

/**
 * A Connect Schema. Reference counted: kc_schema_incref()/kc_schema_decref().
 * Treat as read-only once shared. Static schemas (kc_schema_string...) have
 * refcnt -1 and are never freed.
 */
struct kc_schema_s {
  int refcnt;
  kc_type_t type;
  bool optional;
  char *name;               /**< logical name, e.g. "org.apache.kafka.connect.data.Decimal"; NULL */
  bool has_version;
  int32_t version;
  char *doc;                /**< NULL if none */
  kc_value_t *default_value;/**< NULL = no default */
  size_t nparams;
  char **param_keys, **param_values; /**< schema parameters, nparams each */
  size_t nfields;
  kc_field_t *fields;       /**< STRUCT: fields in order */
  kc_schema_t *key_schema;  /**< MAP: key schema */
  kc_schema_t *value_schema;/**< MAP: value schema; ARRAY: element schema */
};

/** Static primitive schemas (Schema.STRING_SCHEMA, Schema.OPTIONAL_STRING_SCHEMA ...). */
KC_EXTERN kc_schema_t kc_schema_string, kc_schema_optional_string, kc_schema_bytes,
    kc_schema_optional_bytes, kc_schema_int64, kc_schema_optional_int64;

/** Creates a new schema of @p type (required, no name). Caller owns one reference. NULL on ENOMEM. */
KC_EXTERN kc_schema_t *kc_schema_new(kc_type_t type);
/** Adds a field to a STRUCT schema; takes ownership of the reference @p field_schema. @returns 0, KC_EINVAL, KC_ENOMEM. */
KC_EXTERN int kc_schema_add_field(kc_schema_t *s, const char *name, kc_schema_t *field_schema);
/** @returns the field named @p name of a STRUCT schema, or NULL. */
KC_EXTERN const kc_field_t *kc_schema_field(const kc_schema_t *s, const char *name);
/** Takes a reference. @returns @p s. NULL-safe. */
KC_EXTERN kc_schema_t *kc_schema_incref(kc_schema_t *s);
/** Drops a reference, freeing on the last. NULL-safe; static schemas are ignored. */
KC_EXTERN void kc_schema_decref(kc_schema_t *s);
/** Deep structural equality (Schema.equals). */
KC_EXTERN bool kc_schema_equal(const kc_schema_t *a, const kc_schema_t *b);

/**
 * A Connect value. A NULL kc_value_t pointer is Connect's null. A value has one
 * owner; containers own their elements. Integers of every width live in i,
 * floats in f; STRING and BYTES in str (string data is UTF-8 and also
 * NUL-terminated for convenience). MAP keys may be of any type.
 *
 * Values a sink record hands out (kc_sink_record_key/value) may live in the
 * runtime's per-batch arena: they are read-only, valid until put() returns,
 * and kc_value_destroy() ignores them; kc_value_copy() makes an owned copy.
 */
struct kc_value_s {
  kc_type_t type;
  unsigned char flags; /**< runtime-internal (KC__VALUE_F_*); 0 in values made by kc_value_new_*() */
  union {
    bool b;
    int64_t i;
    double f;
    struct { char *ptr; size_t len; } str;
    struct { kc_value_t **items; size_t n, cap; } arr;
    struct { kc_value_t **keys, **vals; size_t n, cap; } map;
    struct { kc_schema_t *schema; kc_value_t **vals; } st; /**< vals[schema->nfields] */
  } u;
};

/** Constructors. Each returns a new value owned by the caller, or NULL on ENOMEM. */
KC_EXTERN kc_value_t *kc_value_new_int(kc_type_t type, int64_t v); /**< INT8..INT64 */
KC_EXTERN kc_value_t *kc_value_new_float(kc_type_t type, double v); /**< FLOAT32/64 */
KC_EXTERN kc_value_t *kc_value_new_bool(bool v);
/** Copies @p len bytes of UTF-8 text. */
KC_EXTERN kc_value_t *kc_value_new_string(const char *s, size_t len);
/** Copies @p len bytes. */
KC_EXTERN kc_value_t *kc_value_new_bytes(const void *p, size_t len);
KC_EXTERN kc_value_t *kc_value_new_array(void);
KC_EXTERN kc_value_t *kc_value_new_map(void);
/** A STRUCT of @p schema (a reference is taken) with all fields null. */
KC_EXTERN kc_value_t *kc_value_new_struct(kc_schema_t *schema);

/** Appends @p item (ownership taken, even on error). @returns 0, KC_EINVAL (not an ARRAY, or a record's read-only value), KC_ENOMEM. */
KC_EXTERN int kc_value_array_append(kc_value_t *arr, kc_value_t *item);
/** Puts key -> val, replacing an equal key; takes ownership of both, even on error. @returns 0, KC_EINVAL (not a MAP, or a record's read-only value), KC_ENOMEM. */
KC_EXTERN int kc_value_map_put(kc_value_t *map, kc_value_t *key, kc_value_t *val);
/** kc_value_map_put() with a string key copied from @p key. */
KC_EXTERN int kc_value_map_put_str(kc_value_t *map, const char *key, kc_value_t *val);
/** @returns the value of the STRING key @p key in @p map (borrowed), or NULL. */
KC_EXTERN const kc_value_t *kc_value_map_get_str(const kc_value_t *map, const char *key);
/** Sets a struct field; takes ownership of @p v. @returns 0, KC_ENOENT (no such field), KC_EINVAL (type mismatch with the field schema, or a record's read-only value). */
KC_EXTERN int kc_value_struct_set(kc_value_t *st, const char *field, kc_value_t *v);
/** @returns a struct field's value, or the field's default when unset, like Struct.get (borrowed; NULL = null or no such field). */
KC_EXTERN const kc_value_t *kc_value_struct_get(const kc_value_t *st, const char *field);
/** Deep copy, owned by the caller (also of a record's read-only value); NULL for NULL or ENOMEM. */
KC_EXTERN kc_value_t *kc_value_copy(const kc_value_t *v);
/** Deep equality (Objects.deepEquals). */
KC_EXTERN bool kc_value_equal(const kc_value_t *a, const kc_value_t *b);
/** Frees @p v and everything it owns. NULL-safe; a record's read-only value is left alone. */
KC_EXTERN void kc_value_destroy(kc_value_t *v);
/**
 * Appends Java's String.valueOf(value) rendering (what FileStreamSink writes):
 * strings as-is, null as "null", numbers and booleans as Java prints them,
 * Struct as Struct.toString ("Struct{a=1,b=x}"), List as "[a, b]", Map as
 * "{k=v, k2=v2}" in insertion order, bytes as the raw bytes.
 * @returns 0 or a kc_buf_append() error.
 */
KC_EXTERN int kc_value_to_java_string(const kc_value_t *v, kc_buf_t *out);
/**
 * Appends @p v as JsonConverter with schemas.enable=false writes it (compact
 * JSON, logical types by @p schema, bytes as base64): what Confluent's
 * JsonFormat puts on each line. @p schema may be NULL (schemaless).
 * @returns 0, KC_ECONVERT (value does not match schema), or a kc_buf error.
 */
KC_EXTERN int kc_value_to_json(const kc_schema_t *schema, const kc_value_t *v, kc_buf_t *out);
/**
 * Appends the UTF-8 text @p s (@p len bytes, need not be NUL-terminated) as a
 * quoted JSON string, escaped byte for byte as kc_value_to_json() (Jackson)
 * escapes strings. @returns 0 or a kc_buf error.
 */
KC_EXTERN int kc_json_append_string(kc_buf_t *out, const char *s, size_t len);
/**@}*/

/** @name Configuration (java.util.Properties / Map<String,String>; ConfigDef) */
/**@{*/
/** An ordered string map: a worker or connector config. */
typedef struct kc_config_s kc_config_t;

KC_EXTERN kc_config_t *kc_config_new(void);
/** Deep copy. NULL on ENOMEM. */
KC_EXTERN kc_config_t *kc_config_copy(const kc_config_t *cfg);
KC_EXTERN void kc_config_destroy(kc_config_t *cfg);
/** Sets (copies) @p key = @p value, replacing an existing key in place. @returns 0 or KC_ENOMEM. */
KC_EXTERN int kc_config_set(kc_config_t *cfg, const char *key, const char *value);
/** Removes @p key. @returns 0 or KC_ENOENT. */
KC_EXTERN int kc_config_unset(kc_config_t *cfg, const char *key);
/** @returns the value (borrowed, valid until the key is changed) or NULL when unset. */
KC_EXTERN const char *kc_config_get(const kc_config_t *cfg, const char *key);
/** Parses an INT/LONG value. @returns 0, KC_ENOENT (unset or empty), KC_EINVAL (not a number). */
KC_EXTERN int kc_config_get_int(const kc_config_t *cfg, const char *key, int64_t *out);
/** Parses a DOUBLE value. Errors as kc_config_get_int(). */
KC_EXTERN int kc_config_get_double(const kc_config_t *cfg, const char *key, double *out);
/** Parses a BOOLEAN ("true"/"false", case-insensitive). Errors as kc_config_get_int(). */
KC_EXTERN int kc_config_get_bool(const kc_config_t *cfg, const char *key, bool *out);
/**
 * Splits a LIST value on commas, trimming blanks and dropping empty items (ConfigDef.Type.LIST).
 * @p items is a NULL-terminated array the caller frees with kc_config_list_free().
 * @returns the number of items (>= 0), KC_ENOENT when unset, KC_ENOMEM.
 */
KC_EXTERN int kc_config_get_list(const kc_config_t *cfg, const char *key, char ***items);
KC_EXTERN void kc_config_list_free(char **items);
/** Number of keys; keys are in insertion order. */
KC_EXTERN size_t kc_config_count(const kc_config_t *cfg);
/** The @p i-th entry (0 <= i < count); both borrowed. @returns 0 or KC_ENOENT. */
KC_EXTERN int kc_config_at(const kc_config_t *cfg, size_t i, const char **key, const char **value);

/** ConfigDef.Type */
typedef enum {
  KC_CFG_STRING, KC_CFG_INT, KC_CFG_LONG, KC_CFG_DOUBLE, KC_CFG_BOOLEAN,
  KC_CFG_LIST, KC_CFG_CLASS, KC_CFG_PASSWORD
} kc_cfg_type_t;

/** ConfigDef.Importance */
typedef enum { KC_CFG_HIGH, KC_CFG_MEDIUM, KC_CFG_LOW } kc_cfg_importance_t;

/** kc_config_def_t.flags */
#define KC_CFG_REQUIRED 0x1 /**< no default: must be set (ConfigDef.NO_DEFAULT_VALUE) */
#define KC_CFG_NONEMPTY 0x2 /**< if set, must not be empty (NonEmptyString) */
/** validate's text is the whole ConfigException message (a Validator that throws
 * ConfigException(message) itself), not the reason of "Invalid value V for configuration K: ..." */
#define KC_CFG_OWN_MESSAGE 0x4

/**
 * One config key (ConfigDef.ConfigKey). A table ends with an entry whose name
 * is NULL. The table drives validation at creation, the defaults tasks see,
 * GET /connector-plugins/{p}/config and PUT .../config/validate (section 1.6).
 */
typedef struct kc_config_def_s {
  const char *name;
  kc_cfg_type_t type;
  const char *default_value; /**< NULL: default null (unless KC_CFG_REQUIRED) */
  int flags;                 /**< KC_CFG_* */
  kc_cfg_importance_t importance;
  const char *doc;
  const char *group;         /**< NULL: none */
  const char *const *valid_values; /**< NULL-terminated allowed values (case-insensitive), or NULL */
  int64_t min, max;          /**< INT/LONG range when min < max */
  /** Extra check of a set value. Writes a reason to errstr. @returns 0 or KC_EINVAL. */
  int (*validate)(const char *name, const char *value, char *errstr, size_t errstr_size);
} kc_config_def_t;
/**@}*/

/** @name Records */
/**@{*/
/** A topic partition and an offset (TopicPartition + OffsetAndMetadata). */
typedef struct kc_tp_offset_s {
  const char *topic; /**< borrowed from the runtime */
  int32_t partition;
  int64_t offset;    /**< next offset to consume, Kafka commit semantics */
} kc_tp_offset_t;

/**
 * A record consumed for a sink task (SinkRecord). Borrowed: valid only during
 * the put() call that received it; copy what you keep.
 */
typedef struct kc_sink_record_s kc_sink_record_t;

KC_EXTERN const char *kc_sink_record_topic(const kc_sink_record_t *r);
KC_EXTERN int32_t kc_sink_record_partition(const kc_sink_record_t *r);
KC_EXTERN int64_t kc_sink_record_offset(const kc_sink_record_t *r);
/** Record timestamp in ms since the epoch, or -1 when none. */
KC_EXTERN int64_t kc_sink_record_timestamp(const kc_sink_record_t *r);
/**
 * The topic, partition and offset the record was consumed from (SinkRecord.originalTopic(),
 * originalKafkaPartition(), originalKafkaOffset(): KIP-793). kc_sink_record_topic() and
 * kc_sink_record_partition() give the record after the connector's transforms (a RegexRouter or
 * TimestampRouter changes the topic); offsets passed to flush() are always by the original
 * partition, so a sink that names files by the record's topic reports durability by these.
 */
KC_EXTERN const char *kc_sink_record_original_topic(const kc_sink_record_t *r);
KC_EXTERN int32_t kc_sink_record_original_partition(const kc_sink_record_t *r);
KC_EXTERN int64_t kc_sink_record_original_offset(const kc_sink_record_t *r);
/**
 * The key converted by the key converter (lazily, cached). @p schema and
 * @p value are borrowed for the record's lifetime; *value NULL means null.
 * @returns 0, or KC_ECONVERT when the converter rejects the bytes (the runtime
 * has already reported it under errors.tolerance).
 */
KC_EXTERN int kc_sink_record_key(kc_sink_record_t *r, const kc_schema_t **schema,
                                 const kc_value_t **value);
/** The value, as kc_sink_record_key(). */
KC_EXTERN int kc_sink_record_value(kc_sink_record_t *r, const kc_schema_t **schema,
                                   const kc_value_t **value);
/** The serialized value bytes as consumed (NULL for a null value); borrowed. */
KC_EXTERN const void *kc_sink_record_value_bytes(const kc_sink_record_t *r, size_t *len);
/** The serialized key bytes as consumed (NULL for a null key); borrowed. */
KC_EXTERN const void *kc_sink_record_key_bytes(const kc_sink_record_t *r, size_t *len);
/**
 * Appends String.valueOf(value) to @p out (FileStreamSink's line), bypassing
 * conversion when the value converter is a StringConverter.
 * @returns 0, KC_ECONVERT, or a kc_buf_append() error.
 */
KC_EXTERN int kc_sink_record_value_text(kc_sink_record_t *r, kc_buf_t *out);
/** Number of headers. */
KC_EXTERN size_t kc_sink_record_header_count(const kc_sink_record_t *r);
/** Header @p i: key and raw value bytes (all borrowed; value NULL for null). @returns 0 or KC_ENOENT. */
KC_EXTERN int kc_sink_record_header(const kc_sink_record_t *r, size_t i, const char **key,
                                    const void **value, size_t *len);

/** A record a source task emits (SourceRecord). */
typedef struct kc_source_record_s kc_source_record_t;

/**
 * Creates a source record. Takes ownership of every value and of one reference
 * of each schema (NULL schema = schemaless), even on error.
 * @param source_partition Map identifying the source (e.g. {"filename": ...}).
 * @param source_offset    Map with the position after this record ({"position": n}).
 *                         Both maps hold primitive values only (section 5.2).
 * @param partition        Kafka partition, or -1 to let the producer choose.
 * @param timestamp_ms     ms since the epoch, or -1 for none.
 * @returns the record, or NULL on ENOMEM.
 */
KC_EXTERN kc_source_record_t *kc_source_record_new(
    const char *topic, int32_t partition, kc_value_t *source_partition,
    kc_value_t *source_offset, kc_schema_t *key_schema, kc_value_t *key,
    kc_schema_t *value_schema, kc_value_t *value, int64_t timestamp_ms);
/** Frees a record not handed to kc_source_batch_add(). NULL-safe. */
KC_EXTERN void kc_source_record_destroy(kc_source_record_t *r);

/** The batch a source task fills in poll(). Owned by the runtime. */
typedef struct kc_source_batch_s kc_source_batch_t;
/** Hands @p r to the runtime (ownership taken, even on error). @returns 0 or KC_ENOMEM. */
KC_EXTERN int kc_source_batch_add(kc_source_batch_t *b, kc_source_record_t *r);
/**
 * Hands @p r, made without a source partition and offset, to the runtime as covered by the next
 * record added to @p b: that record's partition and offset stand for both, as if r carried the
 * same partition and an offset that the next one's supersedes. A task that emits many records of
 * one source per poll() builds those maps once per batch instead of once per record. The last
 * record of a batch must not be covered (else r commits no offset of its own).
 * @returns 0, KC_EINVAL (r carries a partition or offset) or KC_ENOMEM; ownership taken even on error.
 */
KC_EXTERN int kc_source_batch_add_covered(kc_source_batch_t *b, kc_source_record_t *r);
/**
 * A STRING value (a copy of @p len bytes at @p s) that the batch owns: one allocation from the
 * batch's arena instead of two from the heap. Pass it to kc_source_record_new() as a record's
 * value or key like any other value (destroying it is a no-op); it lives until the batch's
 * records were produced, so keep no pointer to it after poll() returns. NULL on ENOMEM.
 */
KC_EXTERN kc_value_t *kc_source_batch_new_string(kc_source_batch_t *b, const char *s, size_t len);
/** Records in the batch so far. */
KC_EXTERN size_t kc_source_batch_count(const kc_source_batch_t *b);
/**@}*/

/** @name Tasks and their services */
/**@{*/
/** A running task instance (WorkerTask). Owned by the runtime. */
typedef struct kc_task_s kc_task_t;

typedef enum { KC_LOG_ERROR, KC_LOG_WARN, KC_LOG_INFO, KC_LOG_DEBUG, KC_LOG_TRACE } kc_log_level_t;

/** Connector name ("local-file-sink"). Borrowed for the task's lifetime. */
KC_EXTERN const char *kc_task_connector_name(const kc_task_t *task);
/** Task id within its connector (0-based). */
KC_EXTERN int kc_task_id(const kc_task_t *task);
/** The task's config, defaults from the plugin's config_def applied. Borrowed. */
KC_EXTERN const kc_config_t *kc_task_config(const kc_task_t *task);
/** The worker's libuv loop, for the task's own timers and uv_fs requests. */
KC_EXTERN uv_loop_t *kc_task_loop(const kc_task_t *task);
/** Per-task connector context pointer. */
KC_EXTERN void *kc_task_ctx(const kc_task_t *task);
KC_EXTERN void kc_task_set_ctx(kc_task_t *task, void *ctx);
/** Logs with a "[connector-id]" prefix. */
KC_EXTERN void kc_task_log(const kc_task_t *task, kc_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/**
 * Source tasks: ask the runtime to call poll() again soon (after poll()
 * returned KC_AGAIN). Sink tasks: ask the runtime to resume calling put()
 * (after put() returned KC_AGAIN). Cheap and idempotent; safe from any loop callback.
 */
KC_EXTERN void kc_task_wakeup(kc_task_t *task);
/**
 * Completes a flush() that returned KC_AGAIN, exactly once.
 * @param status KC_OK (the offsets given to flush(), as possibly lowered, are
 *               durable), KC_RETRY (nothing committed now; try later) or KC_ERR.
 */
KC_EXTERN void kc_task_flush_done(kc_task_t *task, int status);
/** Completes a task_stop() that returned KC_AGAIN, exactly once; the runtime then frees the task. */
KC_EXTERN void kc_task_stop_done(kc_task_t *task);
/**
 * Fails the task from an asynchronous callback: status FAILED with @p trace
 * (copied) shown as "trace" by the status API (section 2). Other tasks go on.
 */
KC_EXTERN void kc_task_fail(kc_task_t *task, const char *trace);
/**
 * Source tasks: the last committed offset map for @p source_partition of this
 * connector (OffsetStorageReader.offset), or NULL. Borrowed until the next poll.
 */
KC_EXTERN const kc_value_t *kc_task_offset(kc_task_t *task, const kc_value_t *source_partition);
/** Sink tasks: ask for an offset commit soon (SinkTaskContext.requestCommit). */
KC_EXTERN void kc_task_request_commit(kc_task_t *task);
/**@}*/

/** @name HTTP client service (libcurl multi-socket on the loop; used by the S3 sink) */
/**@{*/
/**
 * One HTTP request, submitted with kc_http_submit() and completed by exactly
 * one callback. Create, configure, submit; read the response in the callback;
 * destroy after it (or reuse nothing: one request per object).
 */
typedef struct kc_http_req_s kc_http_req_t;

/**
 * Completion. @p status is 0 when an HTTP response arrived (any code: see
 * kc_http_req_status()), or a KC_E* transport error (KC_ETIMEDOUT, KC_EIO for
 * connection/TLS/DNS failures; kc_http_req_error() says which).
 */
typedef void (*kc_http_cb)(kc_http_req_t *req, int status, void *arg);

/** New request; @p method "GET"/"PUT"/"POST"/"DELETE"/"HEAD", @p url absolute (copied). NULL on ENOMEM. */
KC_EXTERN kc_http_req_t *kc_http_req_new(const char *method, const char *url);
/** Adds a request header "Name: value" (copied). @returns 0, KC_ENOMEM, KC_EINVAL (CR/LF or a
 * bad name), KC_ESTATE (after submit). */
KC_EXTERN int kc_http_req_add_header(kc_http_req_t *req, const char *name, const char *value);
/** Body from memory: @p len bytes copied. @returns 0 or KC_ENOMEM. */
KC_EXTERN int kc_http_req_set_body(kc_http_req_t *req, const void *data, size_t len);
/**
 * Body streamed from a file range (uv_fs reads on the threadpool; never the
 * whole range in memory). @p path copied; @p offset and @p len in bytes.
 * @returns 0, KC_ENOMEM, KC_EINVAL (negative offset or length).
 */
KC_EXTERN int kc_http_req_set_body_file(kc_http_req_t *req, const char *path, int64_t offset,
                                        int64_t len);
/**
 * Signs with AWS Signature Version 4 at submit time (our own signer: libcurl
 * 7.88's is unusable for S3). @p payload_sha256_hex: the body's hex SHA-256, or
 * NULL to send UNSIGNED-PAYLOAD. @p session_token may be NULL. All copied.
 * @returns 0, KC_ENOMEM, KC_EINVAL (hash not 64 lowercase hex characters).
 */
KC_EXTERN int kc_http_req_set_sigv4(kc_http_req_t *req, const char *region, const char *service,
                                    const char *access_key, const char *secret_key,
                                    const char *session_token, const char *payload_sha256_hex);
/** HTTP proxy (Confluent's s3.proxy.url/user/password); @p user/@p password may be NULL. */
KC_EXTERN int kc_http_req_set_proxy(kc_http_req_t *req, const char *url, const char *user,
                                    const char *password);
/** Total timeout in ms (0 = none) and connect timeout in ms. */
KC_EXTERN void kc_http_req_set_timeouts(kc_http_req_t *req, uint64_t total_ms, uint64_t connect_ms);
/** Caps the response body kept in memory (bytes; default 1 MiB); the rest is discarded. */
KC_EXTERN void kc_http_req_set_response_limit(kc_http_req_t *req, size_t limit);
/**
 * Starts the request on the task's loop. Ownership of @p req stays with the
 * caller, who must not touch it until @p cb ran, then destroys it.
 * @returns 0 (cb will run exactly once, never inside this call) or KC_E*.
 */
KC_EXTERN int kc_http_submit(kc_task_t *task, kc_http_req_t *req, kc_http_cb cb, void *arg);
/** Aborts a submitted request: its callback still runs once, soon, on the loop, with
 * status KC_ETIMEDOUT and error "cancelled". Safe to call once after submit. */
KC_EXTERN void kc_http_req_cancel(kc_http_req_t *req);
/** HTTP status code of the response (0 when none). */
KC_EXTERN long kc_http_req_status(const kc_http_req_t *req);
/** Response body (borrowed; data NUL-terminated). */
KC_EXTERN const kc_buf_t *kc_http_req_response(const kc_http_req_t *req);
/** A response header's value (case-insensitive name; borrowed) or NULL. */
KC_EXTERN const char *kc_http_req_response_header(const kc_http_req_t *req, const char *name);
/** Transport error text (curl's), "" when none. */
KC_EXTERN const char *kc_http_req_error(const kc_http_req_t *req);
/** Frees the request. Not while it is in flight. NULL-safe. */
KC_EXTERN void kc_http_req_destroy(kc_http_req_t *req);
/**
 * Appends @p n bytes of @p s URI-encoded as SigV4 and S3 keys want it:
 * A-Za-z0-9-._~ kept, '/' kept when @p keep_slash, everything else %XX.
 * @returns 0 or a kc_buf error.
 */
KC_EXTERN int kc_uri_encode(kc_buf_t *out, const char *s, size_t n, bool keep_slash);
/**@}*/

/** @name Worker services */
/**@{*/
/**
 * The worker's state directory (bytes on disk the worker owns: spools), the
 * directory of offset.storage.file.filename unless the worker sets
 * "kconnect.state.dir". Borrowed; never NULL.
 */
KC_EXTERN const char *kc_task_state_dir(const kc_task_t *task);
/**@}*/

/** @name The connector plugin */
/**@{*/
typedef enum { KC_CONNECTOR_SOURCE, KC_CONNECTOR_SINK } kc_connector_type_t;

/** Collects the task configs a connector produces (Connector.taskConfigs). */
typedef struct kc_task_configs_s kc_task_configs_t;
/** Adds one task config; takes ownership of @p cfg, even on error. @returns 0 or KC_ENOMEM. */
KC_EXTERN int kc_task_configs_add(kc_task_configs_t *out, kc_config_t *cfg);

/**
 * A connector plugin: a const struct in the connector's folder, registered in
 * the build (connectors/CMakeLists.txt). Aliases follow Connect: the simple
 * class name, and the simple name without a "Connector" suffix.
 */
typedef struct kc_connector_plugin_s {
  int api_version;            /**< KC_CONNECTOR_API_VERSION */
  const char *class_name;     /**< Java FQCN, e.g. "org.apache.kafka.connect.file.FileStreamSinkConnector" */
  const char *version;        /**< reported by GET /connector-plugins */
  kc_connector_type_t type;
  const kc_config_def_t *config_def; /**< NULL-name-terminated table */

  /**
   * Connector-level checks beyond the table (multi-key rules). Optional.
   * Writes "key: reason" to errstr. @returns 0 or KC_EINVAL.
   */
  int (*validate)(const kc_config_t *cfg, char *errstr, size_t errstr_size);
  /**
   * Splits the connector into at most @p max_tasks task configs (Connector.taskConfigs).
   * @p cfg has defaults applied. @returns 0 or KC_E*.
   */
  int (*task_configs)(const kc_config_t *cfg, int max_tasks, kc_task_configs_t *out);

  /** Starts a task; set a ctx with kc_task_set_ctx(). @returns KC_OK or KC_ERR (errstr filled). */
  int (*task_start)(kc_task_t *task, char *errstr, size_t errstr_size);
  /**
   * Stops a task and releases its resources. Sinks were flushed before.
   * @returns KC_OK when done, KC_AGAIN when handles are still closing
   * (then call kc_task_stop_done() exactly once).
   */
  int (*task_stop)(kc_task_t *task);

  /* ---- source tasks ---- */
  /**
   * Adds up to @p max records to @p batch (SourceTask.poll). Called when the
   * producer has room. @returns KC_OK (records added, possibly none; polled
   * again soon), KC_AGAIN (nothing now: call kc_task_wakeup() when there may
   * be data), KC_RETRY, KC_ERR (errstr filled).
   */
  int (*poll)(kc_task_t *task, kc_source_batch_t *batch, size_t max, char *errstr,
              size_t errstr_size);
  /** Offsets were flushed (SourceTask.commit). Optional. */
  void (*commit)(kc_task_t *task);

  /* ---- sink tasks ---- */
  /**
   * Delivers records (SinkTask.put); records are borrowed for the call.
   * @returns KC_OK (accepted), KC_AGAIN (accepted, but deliver no more until
   * kc_task_wakeup()), KC_RETRY (not accepted: redelivered after back-off),
   * KC_ERR (errstr filled).
   */
  int (*put)(kc_task_t *task, kc_sink_record_t *const *records, size_t n, char *errstr,
             size_t errstr_size);
  /**
   * Makes everything put() so far durable (SinkTask.preCommit/flush). @p offsets
   * holds the next offset per partition; the task may lower entries (or set
   * them to -1 to skip) to commit only what is durable.
   * @returns KC_OK (durable now), KC_AGAIN (kc_task_flush_done() later),
   * KC_RETRY or KC_ERR. Optional: absent means everything put() is durable.
   */
  int (*flush)(kc_task_t *task, kc_tp_offset_t *offsets, size_t n);
  /** Partitions assigned (SinkTask.open). Optional. */
  int (*open)(kc_task_t *task, const kc_tp_offset_t *parts, size_t n);
  /** Partitions revoked, after a flush (SinkTask.close). Optional. */
  int (*close)(kc_task_t *task, const kc_tp_offset_t *parts, size_t n);
} kc_connector_plugin_t;
/**@}*/

/** @name Avro data (Confluent AvroData) for formats
 * Connect schemas and values to Avro, as Confluent's io.confluent.connect.avro.AvroData
 * (schema-registry 7.9) maps them for the converters and for storage formats such as the S3
 * sink's AvroFormat: fromConnectSchema gives the writer schema JSON (what a container file's
 * avro.schema holds), fromConnectData plus Avro's binary encoding gives each datum (a top-level
 * primitive is written bare, as AvroRecordWriterProvider unwraps NonRecordContainer). Loop
 * thread only; no I/O.
 */
/**@{*/
/** One AvroData instance with its schema caches. */
typedef struct kc_avrodata_s kc_avrodata_t;
/** A compiled Avro writer schema (opaque, reference counted). */
typedef struct kc_avrodata_schema_s kc_avrodata_schema_t;

/** AvroDataConfig keys (the converter's defaults; storage sinks pass their own, see each field). */
typedef struct kc_avrodata_options_s {
  bool enhanced_avro_schema_support; /**< enhanced.avro.schema.support: AvroData false, storage sinks true */
  bool connect_meta_data;            /**< connect.meta.data: true */
  bool scrub_invalid_names;          /**< scrub.invalid.names: false (storage sinks never set it) */
  bool allow_optional_map_keys;      /**< allow.optional.map.keys: false */
  int schemas_cache_size;            /**< schemas.cache.config: 1000 entries */
} kc_avrodata_options_t;

/** Fills @p o with AvroDataConfig's defaults (enhanced support off). */
KC_EXTERN void kc_avrodata_options_default(kc_avrodata_options_t *o);
/** @returns a new AvroData configured by @p o (copied), NULL on ENOMEM. */
KC_EXTERN kc_avrodata_t *kc_avrodata_new(const kc_avrodata_options_t *o);
/** Frees @p ad and its caches. Schemas obtained from it stay valid until released. NULL-safe. */
KC_EXTERN void kc_avrodata_destroy(kc_avrodata_t *ad);

/**
 * AvroData.fromConnectSchema(@p schema) (NULL: a schemaless value), compiled and cached (the
 * same or an equal Connect schema gives the same Avro schema). *out: a new reference the caller
 * drops with kc_avrodata_schema_release().
 * @returns 0, KC_ECONVERT with AvroData's message in @p err (a schema it cannot map),
 * KC_ENOMEM.
 */
KC_EXTERN int kc_avrodata_schema(kc_avrodata_t *ad, const kc_schema_t *schema,
                                 kc_avrodata_schema_t **out, char *err, size_t errlen);
/** The schema's JSON (Avro Schema.toString()), NUL-terminated, valid while @p s is held; *len its length. */
KC_EXTERN const char *kc_avrodata_schema_text(const kc_avrodata_schema_t *s, size_t *len);
/** Drops a reference taken by kc_avrodata_schema(). NULL-safe. */
KC_EXTERN void kc_avrodata_schema_release(kc_avrodata_schema_t *s);
/**
 * Appends the Avro binary datum of @p value (following @p schema, the Connect schema @p s was
 * made from) to @p out: AvroData.fromConnectData then GenericDatumWriter. Nothing is appended
 * on error.
 * @returns 0, KC_ECONVERT with Connect's DataException text in @p err (the value does not
 * match the schema), KC_ENOMEM / KC_ENOSPC from the buffer.
 */
KC_EXTERN int kc_avrodata_encode(kc_avrodata_t *ad, kc_avrodata_schema_t *s,
                                 const kc_schema_t *schema, const kc_value_t *value,
                                 kc_buf_t *out, char *err, size_t errlen);
/**@}*/

#ifdef __cplusplus
}
#endif
#endif /* KCONNECT_CONNECTOR_H */
