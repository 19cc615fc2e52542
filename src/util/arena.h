/*
 * A bump allocator for data that dies together: the Connect values of one
 * put() batch. Thousands of small values per batch cost glibc malloc more
 * than the JSON parsing that makes them (tcache keeps 7 chunks per size, the
 * rest go through the bins); here they cost a pointer bump and one reset.
 */
#ifndef KC_UTIL_ARENA_H
#define KC_UTIL_ARENA_H

#include <stddef.h>

typedef struct kc_arena_chunk_s kc_arena_chunk_t;

typedef struct kc_arena_s {
  kc_arena_chunk_t *head; /* newest chunk first */
  size_t used;            /* bytes handed out since the last reset */
} kc_arena_t;

/** An empty arena; allocates nothing until the first kc_arena_alloc(). */
#define KC_ARENA_INIT {NULL, 0}

/** @returns @p size bytes aligned for any scalar, valid until reset/free; NULL when out of memory. */
void *kc_arena_alloc(kc_arena_t *a, size_t size);
/** Frees everything handed out; keeps the biggest chunk of at most 2 MiB for the next batch. */
void kc_arena_reset(kc_arena_t *a);
/** Frees all memory. */
void kc_arena_free(kc_arena_t *a);

#endif
