/* kc_buf_t and the error tables of connector.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kconnect/connector.h"

const char *kc_strerror(int err) {
  switch (err) {
    case KC_OK: return "success";
    case KC_AGAIN: return "not finished yet";
    case KC_RETRY: return "retriable failure";
    case KC_ERR: return "failure";
#define XX(name, val, msg) case KC_##name: return msg;
    KC_ERRNO_MAP(XX)
#undef XX
  }
  return "unknown error";
}

const char *kc_err_name(int err) {
  switch (err) {
#define XX(name, val, msg) case KC_##name: return #name;
    KC_ERRNO_MAP(XX)
#undef XX
  }
  return "UNKNOWN";
}

void kc_buf_init(kc_buf_t *b, size_t limit) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->limit = limit;
}

int kc_buf_reserve(kc_buf_t *b, size_t n) {
  if (b->limit && b->len + n > b->limit) return KC_ENOSPC;
  size_t need = b->len + n + 1;
  if (need <= b->cap) return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < need) cap *= 2;
  char *p = realloc(b->data, cap);
  if (!p) return KC_ENOMEM;
  b->data = p;
  b->cap = cap;
  return 0;
}

int kc_buf_append(kc_buf_t *b, const void *p, size_t n) {
  int rc = kc_buf_reserve(b, n);
  if (rc) return rc;
  if (n) memcpy(b->data + b->len, p, n);
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int kc_buf_puts(kc_buf_t *b, const char *s) { return kc_buf_append(b, s, strlen(s)); }

int kc_buf_printf(kc_buf_t *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0) return KC_EINVAL;
  int rc = kc_buf_reserve(b, (size_t)n);
  if (rc) return rc;
  va_start(ap, fmt);
  vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

int kc_buf_append_int(kc_buf_t *b, int64_t v) {
  char tmp[24], *p = tmp + sizeof tmp;
  /* Negate in unsigned arithmetic: INT64_MIN has no positive int64. */
  uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
  do {
    *--p = (char)('0' + u % 10);
    u /= 10;
  } while (u);
  if (v < 0) *--p = '-';
  return kc_buf_append(b, p, (size_t)(tmp + sizeof tmp - p));
}

void kc_buf_reset(kc_buf_t *b) {
  b->len = 0;
  if (b->data) b->data[0] = '\0';
}

void kc_buf_free(kc_buf_t *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}
