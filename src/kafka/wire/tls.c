/* TLS for broker connections: not implemented yet; security.c refuses SSL and SASL_SSL. */
#include "kafka/wire/conn_internal.h"

int kc_wire_tls_start(kc_wire_conn_t *c, const kc_wire_security_t *sec, const char *host,
                      kc_wire_tls_t **out) {
  *out = NULL;
  return KC_ENOTSUP;
}
void kc_wire_tls_feed(kc_wire_tls_t *t, kc_wire_conn_t *c, const void *p, size_t n) {}
int kc_wire_tls_write(kc_wire_tls_t *t, kc_wire_conn_t *c, const void *p, size_t n) {
  return KC_ENOTSUP;
}
void kc_wire_tls_free(kc_wire_tls_t *t) {}
