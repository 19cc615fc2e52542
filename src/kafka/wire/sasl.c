/* SASL for broker connections: not implemented yet; security.c refuses SASL_*. */
#include "kafka/wire/conn_internal.h"

int kc_wire_sasl_start(kc_wire_conn_t *c, const kc_wire_security_t *sec, kc_wire_sasl_t **out) {
  *out = NULL;
  return KC_ENOTSUP;
}
void kc_wire_sasl_free(kc_wire_sasl_t *s) {}
