/* Internal helpers of the Connect data model shared by src/data and src/convert. */
#ifndef KC_DATA_VALUE_INTERNAL_H
#define KC_DATA_VALUE_INTERNAL_H

#include "kconnect/connector.h"

/**
 * Appends key -> val to a MAP without looking for an equal key (the caller
 * knows there is none, or removes duplicates later). Takes ownership of both,
 * even on error. @returns 0 or KC_ENOMEM.
 */
int kc__value_map_append(kc_value_t *map, kc_value_t *key, kc_value_t *val);

#endif
