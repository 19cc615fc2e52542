/*
 * A bump allocator for data that dies together: the Connect values of one
 * put() batch. Thousands of small values per batch cost glibc malloc more
 * than the JSON parsing that makes them (tcache keeps 7 chunks per size, the
 * rest go through the bins); here they cost a pointer bump and one reset.
 */
#ifndef KC_UTIL_ARENA_H
#define KC_UTIL_ARENA_H

/* The allocator is public (connector.h, "Scratch memory"); this header names it for the runtime. */
#include "kconnect/connector.h"

#endif
