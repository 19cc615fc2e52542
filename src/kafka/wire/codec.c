/* Kafka protocol primitives (codec.h). */
#include "kafka/wire/codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kc_wire_writer_init(kc_wire_writer_t *w, kc_buf_t *buf) {
  w->buf = buf;
  w->err = 0;
}

static void put_raw(kc_wire_writer_t *w, const void *p, size_t n) {
  if (w->err || n == 0) return;
  w->err = kc_buf_append(w->buf, p, n);
}

static void put_be(kc_wire_writer_t *w, uint64_t v, int bytes) {
  uint8_t b[8];
  for (int i = 0; i < bytes; i++) b[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
  put_raw(w, b, (size_t)bytes);
}

void kc_wire_put_i8(kc_wire_writer_t *w, int8_t v) { put_be(w, (uint8_t)v, 1); }
void kc_wire_put_i16(kc_wire_writer_t *w, int16_t v) { put_be(w, (uint16_t)v, 2); }
void kc_wire_put_i32(kc_wire_writer_t *w, int32_t v) { put_be(w, (uint32_t)v, 4); }
void kc_wire_put_i64(kc_wire_writer_t *w, int64_t v) { put_be(w, (uint64_t)v, 8); }

void kc_wire_put_strn(kc_wire_writer_t *w, const char *s, size_t n) {
  if (n > INT16_MAX) {
    if (!w->err) w->err = KC_EINVAL;
    return;
  }
  kc_wire_put_i16(w, (int16_t)n);
  put_raw(w, s, n);
}

void kc_wire_put_str(kc_wire_writer_t *w, const char *s) {
  kc_wire_put_strn(w, s ? s : "", s ? strlen(s) : 0);
}

void kc_wire_put_nstr(kc_wire_writer_t *w, const char *s) {
  if (s) kc_wire_put_str(w, s);
  else kc_wire_put_i16(w, -1);
}

void kc_wire_put_bytes(kc_wire_writer_t *w, const void *p, size_t n) {
  if (n > INT32_MAX) {
    if (!w->err) w->err = KC_EINVAL;
    return;
  }
  kc_wire_put_i32(w, (int32_t)n);
  put_raw(w, p, n);
}

void kc_wire_put_nbytes(kc_wire_writer_t *w, const void *p, size_t n) {
  if (p) kc_wire_put_bytes(w, p, n);
  else kc_wire_put_i32(w, -1);
}

void kc_wire_put_array(kc_wire_writer_t *w, int32_t count) { kc_wire_put_i32(w, count); }

void kc_wire_patch_i32(kc_wire_writer_t *w, size_t at, int32_t v) {
  if (w->err) return;
  if (at + 4 > w->buf->len) {
    w->err = KC_EINVAL;
    return;
  }
  uint32_t u = (uint32_t)v;
  for (int i = 0; i < 4; i++) w->buf->data[at + (size_t)i] = (char)(uint8_t)(u >> (8 * (3 - i)));
}

void kc_wire_reader_init(kc_wire_reader_t *r, const void *p, size_t len) {
  r->p = p;
  r->len = p ? len : 0;
  r->pos = 0;
  r->err = false;
}

size_t kc_wire_remaining(const kc_wire_reader_t *r) { return r->err ? 0 : r->len - r->pos; }

/* The next @p n bytes, or NULL (err set) when fewer remain. */
static const uint8_t *take(kc_wire_reader_t *r, size_t n) {
  if (r->err || r->len - r->pos < n) {
    r->err = true;
    return NULL;
  }
  const uint8_t *p = r->p + r->pos;
  r->pos += n;
  return p;
}

static uint64_t get_be(kc_wire_reader_t *r, int bytes) {
  const uint8_t *p = take(r, (size_t)bytes);
  uint64_t v = 0;
  for (int i = 0; p && i < bytes; i++) v = v << 8 | p[i];
  return v;
}

int8_t kc_wire_get_i8(kc_wire_reader_t *r) { return (int8_t)(uint8_t)get_be(r, 1); }
int16_t kc_wire_get_i16(kc_wire_reader_t *r) { return (int16_t)(uint16_t)get_be(r, 2); }
int32_t kc_wire_get_i32(kc_wire_reader_t *r) { return (int32_t)(uint32_t)get_be(r, 4); }
int64_t kc_wire_get_i64(kc_wire_reader_t *r) { return (int64_t)get_be(r, 8); }

static bool get_sized(kc_wire_reader_t *r, int64_t n, bool nullable, const void **p,
                      size_t *len) {
  *p = NULL;
  *len = 0;
  if (r->err) return false;
  if (n == -1 && nullable) return true;
  if (n < 0) {
    r->err = true;
    return false;
  }
  const uint8_t *q = take(r, (size_t)n);
  if (!q) return false;
  *p = q;
  *len = (size_t)n;
  return true;
}

bool kc_wire_get_str(kc_wire_reader_t *r, const char **s, size_t *n) {
  const void *p;
  bool ok = get_sized(r, kc_wire_get_i16(r), false, &p, n);
  *s = ok ? p : "";
  return ok;
}

bool kc_wire_get_nstr(kc_wire_reader_t *r, const char **s, size_t *n) {
  const void *p;
  bool ok = get_sized(r, kc_wire_get_i16(r), true, &p, n);
  *s = p;
  return ok;
}

bool kc_wire_get_str_copy(kc_wire_reader_t *r, char *dst, size_t size) {
  const char *s;
  size_t n;
  if (size) dst[0] = '\0';
  if (!kc_wire_get_nstr(r, &s, &n)) return false;
  if (n >= size) {
    r->err = true;
    return false;
  }
  if (n) memcpy(dst, s, n);
  dst[n] = '\0';
  return true;
}

bool kc_wire_get_str_dup(kc_wire_reader_t *r, char **out) {
  const char *s;
  size_t n;
  *out = NULL;
  if (!kc_wire_get_nstr(r, &s, &n)) return false;
  char *d = malloc(n + 1);
  if (!d) {
    r->err = true;
    return false;
  }
  if (n) memcpy(d, s, n);
  d[n] = '\0';
  *out = d;
  return true;
}

bool kc_wire_get_bytes(kc_wire_reader_t *r, const void **p, size_t *n) {
  return get_sized(r, kc_wire_get_i32(r), false, p, n);
}

bool kc_wire_get_nbytes(kc_wire_reader_t *r, const void **p, size_t *n) {
  return get_sized(r, kc_wire_get_i32(r), true, p, n);
}

int32_t kc_wire_get_array(kc_wire_reader_t *r, size_t min_elem_size) {
  int32_t n = kc_wire_get_i32(r);
  if (r->err) return 0;
  if (n == -1) return 0;
  if (min_elem_size == 0) min_elem_size = 1;
  if (n < 0 || (size_t)n > (r->len - r->pos) / min_elem_size) {
    r->err = true;
    return 0;
  }
  return n;
}

static const char *const kerr_names[] = {
    "NONE", "OFFSET_OUT_OF_RANGE", "CORRUPT_MESSAGE", "UNKNOWN_TOPIC_OR_PARTITION",
    "INVALID_FETCH_SIZE", "LEADER_NOT_AVAILABLE", "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT",
    "BROKER_NOT_AVAILABLE", "REPLICA_NOT_AVAILABLE", "MESSAGE_TOO_LARGE", "STALE_CONTROLLER_EPOCH",
    "OFFSET_METADATA_TOO_LARGE", "NETWORK_EXCEPTION", "COORDINATOR_LOAD_IN_PROGRESS",
    "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR", "INVALID_TOPIC_EXCEPTION",
    "RECORD_LIST_TOO_LARGE", "NOT_ENOUGH_REPLICAS", "NOT_ENOUGH_REPLICAS_AFTER_APPEND",
    "INVALID_REQUIRED_ACKS", "ILLEGAL_GENERATION", "INCONSISTENT_GROUP_PROTOCOL",
    "INVALID_GROUP_ID", "UNKNOWN_MEMBER_ID", "INVALID_SESSION_TIMEOUT", "REBALANCE_IN_PROGRESS",
    "INVALID_COMMIT_OFFSET_SIZE", "TOPIC_AUTHORIZATION_FAILED", "GROUP_AUTHORIZATION_FAILED",
    "CLUSTER_AUTHORIZATION_FAILED", "INVALID_TIMESTAMP", "UNSUPPORTED_SASL_MECHANISM",
    "ILLEGAL_SASL_STATE", "UNSUPPORTED_VERSION", "TOPIC_ALREADY_EXISTS", "INVALID_PARTITIONS",
    "INVALID_REPLICATION_FACTOR", "INVALID_REPLICA_ASSIGNMENT", "INVALID_CONFIG",
    "NOT_CONTROLLER", "INVALID_REQUEST", "UNSUPPORTED_FOR_MESSAGE_FORMAT", "POLICY_VIOLATION",
    "OUT_OF_ORDER_SEQUENCE_NUMBER", "DUPLICATE_SEQUENCE_NUMBER", "INVALID_PRODUCER_EPOCH",
    "INVALID_TXN_STATE", "INVALID_PRODUCER_ID_MAPPING", "INVALID_TRANSACTION_TIMEOUT",
    "CONCURRENT_TRANSACTIONS", "TRANSACTION_COORDINATOR_FENCED",
    "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "SECURITY_DISABLED", "OPERATION_NOT_ATTEMPTED",
    "KAFKA_STORAGE_ERROR", "LOG_DIR_NOT_FOUND", "SASL_AUTHENTICATION_FAILED",
    "UNKNOWN_PRODUCER_ID", "REASSIGNMENT_IN_PROGRESS", "DELEGATION_TOKEN_AUTH_DISABLED",
    "DELEGATION_TOKEN_NOT_FOUND", "DELEGATION_TOKEN_OWNER_MISMATCH",
    "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", "DELEGATION_TOKEN_AUTHORIZATION_FAILED",
    "DELEGATION_TOKEN_EXPIRED", "INVALID_PRINCIPAL_TYPE", "NON_EMPTY_GROUP", "GROUP_ID_NOT_FOUND",
    "FETCH_SESSION_ID_NOT_FOUND", "INVALID_FETCH_SESSION_EPOCH", "LISTENER_NOT_FOUND",
    "TOPIC_DELETION_DISABLED", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH",
    "UNSUPPORTED_COMPRESSION_TYPE", "STALE_BROKER_EPOCH", "OFFSET_NOT_AVAILABLE",
    "MEMBER_ID_REQUIRED", "PREFERRED_LEADER_NOT_AVAILABLE", "GROUP_MAX_SIZE_REACHED",
    "FENCED_INSTANCE_ID",
};

const char *kc_wire_error_name(int16_t code) {
  if (code == -1) return "UNKNOWN_SERVER_ERROR";
  if (code >= 0 && (size_t)code < sizeof kerr_names / sizeof kerr_names[0]) return kerr_names[code];
  static char other[32];
  snprintf(other, sizeof other, "KAFKA_ERROR_%d", code);
  return other;
}
