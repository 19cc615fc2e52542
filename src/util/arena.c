#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>

#define CHUNK_MIN (64 * 1024)
#define KEEP_MAX (2 * 1024 * 1024) /* the biggest chunk up to this is kept across resets */

struct kc_arena_chunk_s {
  kc_arena_chunk_t *next;
  size_t size, off;
  alignas(max_align_t) unsigned char data[];
};

void *kc_arena_alloc(kc_arena_t *a, size_t size) {
  const size_t al = alignof(max_align_t);
  size = (size + al - 1) & ~(al - 1);
  if (!size) size = al;
  kc_arena_chunk_t *c = a->head;
  if (!c || c->size - c->off < size) {
    /* Grow geometrically with what the batch used, so big batches need few chunks. */
    size_t want = c ? c->size * 2 : CHUNK_MIN;
    if (want < size) want = size;
    if (want > SIZE_MAX - sizeof *c) return NULL;
    if (!(c = malloc(sizeof *c + want))) return NULL;
    c->size = want;
    c->off = 0;
    c->next = a->head;
    a->head = c;
  }
  void *p = c->data + c->off;
  c->off += size;
  a->used += size;
  return p;
}

void kc_arena_reset(kc_arena_t *a) {
  kc_arena_chunk_t *keep = NULL;
  for (kc_arena_chunk_t *c = a->head; c; c = c->next)
    if (c->size <= KEEP_MAX && (!keep || c->size > keep->size)) keep = c;
  for (kc_arena_chunk_t *c = a->head, *n; c; c = n) {
    n = c->next;
    if (c != keep) free(c);
  }
  if (keep) {
    keep->next = NULL;
    keep->off = 0;
  }
  a->head = keep;
  a->used = 0;
}

void kc_arena_free(kc_arena_t *a) {
  for (kc_arena_chunk_t *c = a->head, *n; c; c = n) {
    n = c->next;
    free(c);
  }
  a->head = NULL;
  a->used = 0;
}
