/*
 * schema.compatibility (storage-common's StorageSchemaCompatibility) and Connect's
 * SchemaProjector, as the S3 sink's TopicPartitionWriter uses them for every format: a
 * record whose value schema is incompatible with the schema of the files open for its
 * encoded partition commits those files first (a new file, a new writer schema); a compatible
 * but different one is projected to the current schema and written with it.
 *
 *   NONE      any schema not equal to the current one is incompatible; nothing is projected
 *   BACKWARD  incompatible on a different type (numeric promotion aside), name or parameters,
 *   FULL      or a record version above the current one; older records are projected
 *   FORWARD   as BACKWARD but a record version below the current one is incompatible; newer
 *             records are projected down
 * BACKWARD/FORWARD/FULL need versioned schemas ("Schema version required for ..."), as Confluent.
 */
#ifndef KC_S3_SCHEMA_COMPAT_H
#define KC_S3_SCHEMA_COMPAT_H

#include <stdbool.h>
#include <stddef.h>

#include "kconnect/connector.h"

typedef enum {
  KC_S3_COMPAT_NONE,
  KC_S3_COMPAT_BACKWARD,
  KC_S3_COMPAT_FORWARD,
  KC_S3_COMPAT_FULL,
} kc_s3_compat_t;

/** StorageSchemaCompatibility.getCompatibility: the exact enum name, anything else is NONE. */
kc_s3_compat_t kc_s3_compat_parse(const char *name);

/**
 * shouldChangeSchema(record, null, current) for two non-NULL value schemas: *incompatible
 * tells whether the record needs new files.
 * @returns 0, or KC_ECONVERT (Confluent's SchemaProjectorException: a version missing under
 * BACKWARD/FORWARD/FULL) with the message in @p err.
 */
int kc_s3_compat_check(kc_s3_compat_t mode, const kc_schema_t *record, const kc_schema_t *current,
                       bool *incompatible, char *err, size_t errlen);

/**
 * SchemaProjector.project(@p source, @p value, @p target): a new value (caller destroys; NULL
 * is Connect's null) following @p target. @p value is only read.
 * @returns 0, KC_ECONVERT with SchemaProjector's message ("Required field `x` is missing from
 * source schema", "Schema type mismatch...", ...), KC_ENOMEM.
 */
int kc_s3_project(const kc_schema_t *source, const kc_value_t *value, const kc_schema_t *target,
                  kc_value_t **out, char *err, size_t errlen);

#endif
