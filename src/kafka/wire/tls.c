/* TLS for broker connections: not implemented yet; security.c refuses SSL and SASL_SSL. */
#include <stdio.h>

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

int kc_wire_tls_ctx_new(kc_wire_security_t *s, const kc_config_t *props, char *errstr,
                        size_t errstr_size) {
  snprintf(errstr, errstr_size,
           "security.protocol=%s: TLS is not supported yet by the distributed group member",
           kc_wire_protocol_name(s->protocol));
  return KC_ENOTSUP;
}

void kc_wire_tls_ctx_free(void *ctx) {}
