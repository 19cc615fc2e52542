/*
 * Kafka protocol primitives, big-endian, for the non-flexible API versions only
 * (no tagged fields, no compact encodings). The writer appends to a kc_buf_t;
 * the reader walks a borrowed byte range. Both keep a sticky error flag so a
 * message is built or parsed with plain calls and checked once at the end: a
 * reader that runs past the end returns zeros/empty values from then on and
 * never reads out of bounds.
 */
#ifndef KC_KAFKA_WIRE_CODEC_H
#define KC_KAFKA_WIRE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kconnect/connector.h"

/** Appends to @p buf (borrowed). err is 0 or the first kc_buf error (KC_ENOMEM, KC_ENOSPC, KC_EINVAL). */
typedef struct {
  kc_buf_t *buf;
  int err;
} kc_wire_writer_t;

/** Starts writing at the end of @p buf (which must be initialised). */
void kc_wire_writer_init(kc_wire_writer_t *w, kc_buf_t *buf);
void kc_wire_put_i8(kc_wire_writer_t *w, int8_t v);
void kc_wire_put_i16(kc_wire_writer_t *w, int16_t v);
void kc_wire_put_i32(kc_wire_writer_t *w, int32_t v);
void kc_wire_put_i64(kc_wire_writer_t *w, int64_t v);
/** String: Int16 length + bytes. @p s NULL is written as "" (Kafka's String is not nullable);
 *  longer than 32767 bytes sets KC_EINVAL. */
void kc_wire_put_str(kc_wire_writer_t *w, const char *s);
/** The same with an explicit length @p n (bytes). */
void kc_wire_put_strn(kc_wire_writer_t *w, const char *s, size_t n);
/** NullableString: length -1 for @p s NULL. */
void kc_wire_put_nstr(kc_wire_writer_t *w, const char *s);
/** Bytes: Int32 length + @p n bytes; @p p NULL with n 0 is an empty value. */
void kc_wire_put_bytes(kc_wire_writer_t *w, const void *p, size_t n);
/** NullableBytes: length -1 for @p p NULL. */
void kc_wire_put_nbytes(kc_wire_writer_t *w, const void *p, size_t n);
/** Array header: the Int32 element count (-1 = null array); the elements follow. */
void kc_wire_put_array(kc_wire_writer_t *w, int32_t count);
/** Overwrites 4 bytes at offset @p at of the buffer with @p v (a size prefix written last). */
void kc_wire_patch_i32(kc_wire_writer_t *w, size_t at, int32_t v);

/** Reads @p len bytes at @p p (borrowed; must outlive the reader). err: true once a read
 *  went past the end or a length was invalid. */
typedef struct {
  const uint8_t *p;
  size_t len, pos;
  bool err;
} kc_wire_reader_t;

void kc_wire_reader_init(kc_wire_reader_t *r, const void *p, size_t len);
int8_t kc_wire_get_i8(kc_wire_reader_t *r);
int16_t kc_wire_get_i16(kc_wire_reader_t *r);
int32_t kc_wire_get_i32(kc_wire_reader_t *r);
int64_t kc_wire_get_i64(kc_wire_reader_t *r);
/** String: *s points into the input (NOT NUL-terminated), *n its length. A negative length sets
 *  err. @returns true when read. */
bool kc_wire_get_str(kc_wire_reader_t *r, const char **s, size_t *n);
/** NullableString: *s NULL (and *n 0) for length -1. */
bool kc_wire_get_nstr(kc_wire_reader_t *r, const char **s, size_t *n);
/** The string copied into @p dst (NUL-terminated, at most @p size - 1 bytes; a longer
 *  string sets err). Null reads as "". */
bool kc_wire_get_str_copy(kc_wire_reader_t *r, char *dst, size_t size);
/** The string malloc'ed and NUL-terminated into *out (caller frees); null gives "". */
bool kc_wire_get_str_dup(kc_wire_reader_t *r, char **out);
/** Bytes: *p into the input, *n its length. A negative length sets err. */
bool kc_wire_get_bytes(kc_wire_reader_t *r, const void **p, size_t *n);
/** NullableBytes: *p NULL for length -1. */
bool kc_wire_get_nbytes(kc_wire_reader_t *r, const void **p, size_t *n);
/**
 * Array count. -1 (null) reads as 0. A count that cannot fit in the remaining bytes with
 * @p min_elem_size bytes per element (use the smallest possible encoding, >= 1) sets err
 * and returns 0, so a loop over the count is always bounded by the input size.
 */
int32_t kc_wire_get_array(kc_wire_reader_t *r, size_t min_elem_size);
/** Bytes left to read. */
size_t kc_wire_remaining(const kc_wire_reader_t *r);

/** Kafka's error code name ("NOT_COORDINATOR") for @p code; "UNKNOWN_SERVER_ERROR" style
 *  fallback "KAFKA_ERROR_<n>" in a static buffer for codes not in the table (not
 *  thread-safe; loop thread only). */
const char *kc_wire_error_name(int16_t code);

/** Kafka error codes the group protocol reacts to (clients/.../protocol/Errors.java). */
enum {
  KC_KERR_NONE = 0,
  KC_KERR_CORRUPT_MESSAGE = 2,
  KC_KERR_COORDINATOR_LOAD_IN_PROGRESS = 14,
  KC_KERR_COORDINATOR_NOT_AVAILABLE = 15,
  KC_KERR_NOT_COORDINATOR = 16,
  KC_KERR_ILLEGAL_GENERATION = 22,
  KC_KERR_INCONSISTENT_GROUP_PROTOCOL = 23,
  KC_KERR_INVALID_GROUP_ID = 24,
  KC_KERR_UNKNOWN_MEMBER_ID = 25,
  KC_KERR_INVALID_SESSION_TIMEOUT = 26,
  KC_KERR_REBALANCE_IN_PROGRESS = 27,
  KC_KERR_GROUP_AUTHORIZATION_FAILED = 30,
  KC_KERR_UNSUPPORTED_SASL_MECHANISM = 33,
  KC_KERR_ILLEGAL_SASL_STATE = 34,
  KC_KERR_UNSUPPORTED_VERSION = 35,
  KC_KERR_SASL_AUTHENTICATION_FAILED = 58,
  KC_KERR_MEMBER_ID_REQUIRED = 79,
  KC_KERR_GROUP_MAX_SIZE_REACHED = 81,
  KC_KERR_FENCED_INSTANCE_ID = 82,
};

#endif
