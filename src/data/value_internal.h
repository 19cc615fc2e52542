/* Internal helpers of the Connect data model shared by src/data and src/convert. */
#ifndef KC_DATA_VALUE_INTERNAL_H
#define KC_DATA_VALUE_INTERNAL_H

#include "kconnect/connector.h"
#include "util/arena.h"

/* kc_value_t.flags: the value and what it points to live in an arena. */
#define KC__VALUE_F_ARENA 0x1
/* kc_value_t.flags: an INT64 of ms standing for a java.util.Date (a schemaless Date, Time or
 * Timestamp made by TimestampConverter): Java's class name is java.util.Date, and JsonConverter
 * has no schema type for it. */
#define KC__VALUE_F_JDATE 0x2

/**
 * Appends key -> val to a MAP without looking for an equal key (the caller
 * knows there is none, or removes duplicates later). Takes ownership of both,
 * even on error. @returns 0 or KC_ENOMEM.
 */
int kc__value_map_append(kc_value_t *map, kc_value_t *key, kc_value_t *val);

/*
 * Constructors and appends that allocate from @p a (NULL: the heap, as the
 * public kc_value_new_*()). Arena values are freed by kc_arena_reset() only;
 * kc_value_destroy() ignores them and the public mutators refuse them.
 * A container and its elements come from the same arena.
 */
kc_value_t *kc__value_new_a(kc_arena_t *a, kc_type_t type);
kc_value_t *kc__value_new_blob_a(kc_arena_t *a, kc_type_t type, const void *p, size_t len);
int kc__value_array_append_a(kc_arena_t *a, kc_value_t *arr, kc_value_t *item);
int kc__value_map_append_a(kc_arena_t *a, kc_value_t *map, kc_value_t *key, kc_value_t *val);

#endif
