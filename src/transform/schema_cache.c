/* Connect's SynchronizedCache(LRUCache(16)) of input schema -> output schema, per transform. */
#include <stdlib.h>

#include "transform/transform.h"

typedef struct {
  kc_schema_t *in, *out;
  uint64_t used; /* last hit, for LRU eviction */
} entry_t;

struct kc_xf_schema_cache_s {
  entry_t *e;
  size_t n, cap;
  uint64_t clock;
};

kc_xf_schema_cache_t *kc_xf_schema_cache_new(size_t capacity) {
  kc_xf_schema_cache_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  c->cap = capacity ? capacity : 16;
  if (!(c->e = calloc(c->cap, sizeof *c->e))) {
    free(c);
    return NULL;
  }
  return c;
}

kc_schema_t *kc_xf_schema_cache_get(kc_xf_schema_cache_t *c, const kc_schema_t *in) {
  /* Pointer first: converters hand out the same schema object record after record. */
  for (size_t i = 0; i < c->n; i++)
    if (c->e[i].in == in) {
      c->e[i].used = ++c->clock;
      return c->e[i].out;
    }
  for (size_t i = 0; i < c->n; i++)
    if (kc_schema_equal(c->e[i].in, in)) {
      c->e[i].used = ++c->clock;
      return c->e[i].out;
    }
  return NULL;
}

int kc_xf_schema_cache_put(kc_xf_schema_cache_t *c, const kc_schema_t *in, kc_schema_t *out) {
  size_t slot = c->n;
  if (c->n == c->cap) {
    slot = 0;
    for (size_t i = 1; i < c->n; i++)
      if (c->e[i].used < c->e[slot].used) slot = i;
    kc_schema_decref(c->e[slot].in);
    kc_schema_decref(c->e[slot].out);
  } else {
    c->n++;
  }
  c->e[slot].in = kc_schema_incref((kc_schema_t *)in);
  c->e[slot].out = kc_schema_incref(out);
  c->e[slot].used = ++c->clock;
  return 0;
}

void kc_xf_schema_cache_destroy(kc_xf_schema_cache_t *c) {
  if (!c) return;
  for (size_t i = 0; i < c->n; i++) {
    kc_schema_decref(c->e[i].in);
    kc_schema_decref(c->e[i].out);
  }
  free(c->e);
  free(c);
}
