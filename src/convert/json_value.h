/*
 * Schemaless JSON <-> kc_value_t, byte-compatible with Jackson as Connect uses
 * it (JsonConverter with schemas.enable=false): compact output, no spaces,
 * map keys in insertion order, strings escaped as Jackson does (", \, control
 * characters; non-ASCII written as raw UTF-8; '/' not escaped).
 * Used for offsets (section 5.2), status/config records and the REST layer's
 * conversions.
 */
#ifndef KC_CONVERT_JSON_VALUE_H
#define KC_CONVERT_JSON_VALUE_H

#include "kconnect/connector.h"

/**
 * Parses JSON text (RFC 8259, strict: rejects every n_ file of JSONTestSuite)
 * into a value: object -> MAP with STRING keys (insertion order), array ->
 * ARRAY, integer -> INT64, other numbers -> FLOAT64, true/false -> BOOLEAN,
 * string -> STRING, null -> NULL pointer.
 * @returns 0 or KC_EINVAL with errstr "line L column C: reason".
 */
int kc_json_decode(const char *text, size_t len, kc_value_t **out, char *errstr,
                   size_t errstr_size);

/** Appends compact JSON for @p v (NULL -> "null"; BYTES -> base64 string). @returns 0 or a kc_buf error. */
int kc_json_encode(const kc_value_t *v, kc_buf_t *out);

#endif
