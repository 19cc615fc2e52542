/* Security settings of the group member's connections (security.h). */
#include "kafka/wire/security.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *kc_wire_protocol_name(kc_wire_protocol_t p) {
  switch (p) {
    case KC_WIRE_PLAINTEXT: return "PLAINTEXT";
    case KC_WIRE_SASL_PLAINTEXT: return "SASL_PLAINTEXT";
    case KC_WIRE_SSL: return "SSL";
    case KC_WIRE_SASL_SSL: return "SASL_SSL";
  }
  return "?";
}

const char *kc_wire_sasl_mech_name(kc_wire_sasl_mech_t m) {
  switch (m) {
    case KC_WIRE_SASL_NONE: return "";
    case KC_WIRE_SASL_PLAIN: return "PLAIN";
    case KC_WIRE_SASL_SCRAM_SHA_256: return "SCRAM-SHA-256";
    case KC_WIRE_SASL_SCRAM_SHA_512: return "SCRAM-SHA-512";
  }
  return "?";
}

void kc_wire_security_free(kc_wire_security_t *s) {
  free(s->username);
  free(s->password);
  memset(s, 0, sizeof *s);
}

int kc_wire_security_init(kc_wire_security_t *s, const kc_config_t *props, char *errstr,
                          size_t errstr_size) {
  memset(s, 0, sizeof *s);
  const char *proto = props ? kc_config_get(props, "security.protocol") : NULL;
  if (!proto || strcasecmp(proto, "PLAINTEXT") == 0) return 0;
  if (strcasecmp(proto, "SASL_PLAINTEXT") && strcasecmp(proto, "SSL") &&
      strcasecmp(proto, "SASL_SSL")) {
    snprintf(errstr, errstr_size,
             "security.protocol=%s: unknown (PLAINTEXT, SASL_PLAINTEXT, SSL or SASL_SSL)", proto);
    return KC_EINVAL;
  }
  snprintf(errstr, errstr_size,
           "security.protocol=%s: not supported yet by the distributed group member "
           "(only PLAINTEXT)",
           proto);
  return KC_ENOTSUP;
}
