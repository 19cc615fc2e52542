/* The herder interface's dispatch: one REST layer in front of either herder. */
#include "worker/herder.h"

static const char *const op_names[] = {
#define XX(op) #op,
    KC_HERDER_OP_MAP(XX)
#undef XX
};

const char *kc_herder_op_name(kc_herder_op_t op) {
  return (unsigned)op < sizeof op_names / sizeof op_names[0] ? op_names[op] : "UNKNOWN";
}

static const kc_herder_ops_t *ops_of(kc_herder_t *h) { return ((kc_herder_base_t *)h)->ops; }

int kc_herder_submit(kc_herder_t *h, const kc_herder_req_t *req, kc_herder_cb cb, void *arg) {
  return ops_of(h)->submit(h, req, cb, arg);
}

void kc_herder_shutdown(kc_herder_t *h, void (*cb)(void *arg), void *arg) { ops_of(h)->shutdown(h, cb, arg); }

void kc_herder_destroy(kc_herder_t *h) {
  if (h) ops_of(h)->destroy(h);
}
