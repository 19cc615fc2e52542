/*
 * Connect values (java.lang boxes, byte[], List, Map, Struct) as one tagged
 * union. Containers own their elements; string and bytes data is malloc'd and
 * always NUL-terminated so that C callers can use it directly.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/value_internal.h"
#include "kconnect/connector.h"

static kc_value_t *value_alloc(kc_type_t type) {
  kc_value_t *v = calloc(1, sizeof *v);
  if (v) v->type = type;
  return v;
}

kc_value_t *kc__value_new_a(kc_arena_t *a, kc_type_t type) {
  if (!a) return value_alloc(type);
  kc_value_t *v = kc_arena_alloc(a, sizeof *v);
  if (!v) return NULL;
  memset(v, 0, sizeof *v);
  v->type = type;
  v->flags = KC__VALUE_F_ARENA;
  return v;
}

kc_value_t *kc_value_new_int(kc_type_t type, int64_t i) {
  kc_value_t *v;
  /* Narrow like a Java cast so that a value never holds more than its type can. */
  switch (type) {
    case KC_TYPE_INT8: i = (int8_t)i; break;
    case KC_TYPE_INT16: i = (int16_t)i; break;
    case KC_TYPE_INT32: i = (int32_t)i; break;
    case KC_TYPE_INT64: break;
    default: return NULL;
  }
  if ((v = value_alloc(type))) v->u.i = i;
  return v;
}

kc_value_t *kc_value_new_float(kc_type_t type, double f) {
  if (type != KC_TYPE_FLOAT32 && type != KC_TYPE_FLOAT64) return NULL;
  kc_value_t *v = value_alloc(type);
  if (v) v->u.f = type == KC_TYPE_FLOAT32 ? (double)(float)f : f;
  return v;
}

kc_value_t *kc_value_new_bool(bool b) {
  kc_value_t *v = value_alloc(KC_TYPE_BOOLEAN);
  if (v) v->u.b = b;
  return v;
}

static kc_value_t *new_blob(kc_type_t type, const void *p, size_t len) {
  kc_value_t *v = value_alloc(type);
  if (!v) return NULL;
  if (!(v->u.str.ptr = malloc(len + 1))) {
    free(v);
    return NULL;
  }
  if (len) memcpy(v->u.str.ptr, p, len);
  v->u.str.ptr[len] = '\0';
  v->u.str.len = len;
  return v;
}

kc_value_t *kc__value_new_blob_a(kc_arena_t *a, kc_type_t type, const void *p, size_t len) {
  if (!a) return new_blob(type, p, len);
  /* One bump for the value and its bytes. */
  kc_value_t *v = kc_arena_alloc(a, sizeof *v + len + 1);
  if (!v) return NULL;
  memset(v, 0, sizeof *v);
  v->type = type;
  v->flags = KC__VALUE_F_ARENA;
  v->u.str.ptr = (char *)(v + 1);
  if (len) memcpy(v->u.str.ptr, p, len);
  v->u.str.ptr[len] = '\0';
  v->u.str.len = len;
  return v;
}

kc_value_t *kc_value_new_string(const char *s, size_t len) { return new_blob(KC_TYPE_STRING, s, len); }
kc_value_t *kc_value_new_bytes(const void *p, size_t len) { return new_blob(KC_TYPE_BYTES, p, len); }
kc_value_t *kc_value_new_array(void) { return value_alloc(KC_TYPE_ARRAY); }
kc_value_t *kc_value_new_map(void) { return value_alloc(KC_TYPE_MAP); }

kc_value_t *kc_value_new_struct(kc_schema_t *schema) {
  if (!schema || schema->type != KC_TYPE_STRUCT) return NULL;
  kc_value_t *v = value_alloc(KC_TYPE_STRUCT);
  if (!v) return NULL;
  if (!(v->u.st.vals = calloc(schema->nfields ? schema->nfields : 1, sizeof(kc_value_t *)))) {
    free(v);
    return NULL;
  }
  v->u.st.schema = kc_schema_incref(schema);
  return v;
}

/* Grows an arena container's pointer array(s) to @p cap: a new block, the old one is left. */
static kc_value_t **arena_grow(kc_arena_t *a, kc_value_t **old, size_t n, size_t cap) {
  kc_value_t **p = kc_arena_alloc(a, cap * sizeof *p);
  if (p && n) memcpy(p, old, n * sizeof *p);
  return p;
}

int kc__value_array_append_a(kc_arena_t *a, kc_value_t *arr, kc_value_t *item) {
  bool in_arena = arr && (arr->flags & KC__VALUE_F_ARENA);
  if (!arr || arr->type != KC_TYPE_ARRAY || in_arena != (a != NULL)) {
    kc_value_destroy(item);
    return KC_EINVAL;
  }
  if (arr->u.arr.n == arr->u.arr.cap) {
    size_t cap = arr->u.arr.cap ? arr->u.arr.cap * 2 : 4;
    kc_value_t **items = a ? arena_grow(a, arr->u.arr.items, arr->u.arr.n, cap)
                           : realloc(arr->u.arr.items, cap * sizeof *items);
    if (!items) {
      kc_value_destroy(item);
      return KC_ENOMEM;
    }
    arr->u.arr.items = items;
    arr->u.arr.cap = cap;
  }
  arr->u.arr.items[arr->u.arr.n++] = item;
  return 0;
}

int kc_value_array_append(kc_value_t *arr, kc_value_t *item) {
  return kc__value_array_append_a(NULL, arr, item);
}

int kc__value_map_append_a(kc_arena_t *a, kc_value_t *map, kc_value_t *key, kc_value_t *val) {
  if (((map->flags & KC__VALUE_F_ARENA) != 0) != (a != NULL)) {
    kc_value_destroy(key);
    kc_value_destroy(val);
    return KC_EINVAL;
  }
  if (map->u.map.n == map->u.map.cap) {
    size_t cap = map->u.map.cap ? map->u.map.cap * 2 : 4;
    kc_value_t **keys, **vals;
    if (a) {
      keys = arena_grow(a, map->u.map.keys, map->u.map.n, cap);
      vals = keys ? arena_grow(a, map->u.map.vals, map->u.map.n, cap) : NULL;
    } else {
      keys = realloc(map->u.map.keys, cap * sizeof *keys);
      if (keys) map->u.map.keys = keys;
      vals = keys ? realloc(map->u.map.vals, cap * sizeof *vals) : NULL;
    }
    if (!vals) {
      kc_value_destroy(key);
      kc_value_destroy(val);
      return KC_ENOMEM;
    }
    map->u.map.keys = keys;
    map->u.map.vals = vals;
    map->u.map.cap = cap;
  }
  map->u.map.keys[map->u.map.n] = key;
  map->u.map.vals[map->u.map.n++] = val;
  return 0;
}

int kc__value_map_append(kc_value_t *map, kc_value_t *key, kc_value_t *val) {
  return kc__value_map_append_a(NULL, map, key, val);
}

int kc_value_map_put(kc_value_t *map, kc_value_t *key, kc_value_t *val) {
  if (!map || map->type != KC_TYPE_MAP || (map->flags & KC__VALUE_F_ARENA)) {
    kc_value_destroy(key);
    kc_value_destroy(val);
    return KC_EINVAL;
  }
  /* LinkedHashMap.put: an existing key keeps its position and gets the new value. */
  for (size_t i = 0; i < map->u.map.n; i++) {
    if (kc_value_equal(map->u.map.keys[i], key)) {
      kc_value_destroy(map->u.map.vals[i]);
      map->u.map.vals[i] = val;
      kc_value_destroy(key);
      return 0;
    }
  }
  return kc__value_map_append(map, key, val);
  return 0;
}

int kc_value_map_put_str(kc_value_t *map, const char *key, kc_value_t *val) {
  kc_value_t *k = key ? kc_value_new_string(key, strlen(key)) : NULL;
  if (key && !k) {
    kc_value_destroy(val);
    return KC_ENOMEM;
  }
  return kc_value_map_put(map, k, val);
}

const kc_value_t *kc_value_map_get_str(const kc_value_t *map, const char *key) {
  if (!map || map->type != KC_TYPE_MAP || !key) return NULL;
  size_t len = strlen(key);
  for (size_t i = 0; i < map->u.map.n; i++) {
    const kc_value_t *k = map->u.map.keys[i];
    if (k && k->type == KC_TYPE_STRING && k->u.str.len == len && !memcmp(k->u.str.ptr, key, len))
      return map->u.map.vals[i];
  }
  return NULL;
}

int kc_value_struct_set(kc_value_t *st, const char *field, kc_value_t *v) {
  const kc_field_t *f =
      st && st->type == KC_TYPE_STRUCT ? kc_schema_field(st->u.st.schema, field) : NULL;
  if (!f || (st->flags & KC__VALUE_F_ARENA)) {
    kc_value_destroy(v);
    return f ? KC_EINVAL : KC_ENOENT;
  }
  /* Struct.put validates the Java type; a mismatch would only fail later, in a converter. */
  if (v && v->type != f->schema->type) {
    kc_value_destroy(v);
    return KC_EINVAL;
  }
  kc_value_destroy(st->u.st.vals[f->index]);
  st->u.st.vals[f->index] = v;
  return 0;
}

const kc_value_t *kc_value_struct_get(const kc_value_t *st, const char *field) {
  const kc_field_t *f =
      st && st->type == KC_TYPE_STRUCT ? kc_schema_field(st->u.st.schema, field) : NULL;
  if (!f) return NULL;
  /* Struct.get falls back to the field's default. */
  const kc_value_t *v = st->u.st.vals[f->index];
  return v ? v : f->schema->default_value;
}

kc_value_t *kc_value_copy(const kc_value_t *v) {
  if (!v) return NULL;
  kc_value_t *c;
  switch (v->type) {
    case KC_TYPE_STRING:
    case KC_TYPE_BYTES:
      return new_blob(v->type, v->u.str.ptr, v->u.str.len);
    case KC_TYPE_ARRAY:
      if (!(c = kc_value_new_array())) return NULL;
      for (size_t i = 0; i < v->u.arr.n; i++) {
        kc_value_t *e = kc_value_copy(v->u.arr.items[i]);
        if ((v->u.arr.items[i] && !e) || kc_value_array_append(c, e)) goto fail;
      }
      return c;
    case KC_TYPE_MAP:
      if (!(c = kc_value_new_map())) return NULL;
      if (v->u.map.n) {
        c->u.map.keys = calloc(v->u.map.n, sizeof(kc_value_t *));
        c->u.map.vals = calloc(v->u.map.n, sizeof(kc_value_t *));
        if (!c->u.map.keys || !c->u.map.vals) goto fail;
        c->u.map.cap = v->u.map.n;
      }
      /* Keys are already distinct: copy without the put() scan. */
      for (size_t i = 0; i < v->u.map.n; i++) {
        c->u.map.keys[i] = kc_value_copy(v->u.map.keys[i]);
        c->u.map.vals[i] = kc_value_copy(v->u.map.vals[i]);
        c->u.map.n = i + 1;
        if ((v->u.map.keys[i] && !c->u.map.keys[i]) || (v->u.map.vals[i] && !c->u.map.vals[i]))
          goto fail;
      }
      return c;
    case KC_TYPE_STRUCT:
      if (!(c = kc_value_new_struct(v->u.st.schema))) return NULL;
      for (size_t i = 0; i < v->u.st.schema->nfields; i++) {
        if (v->u.st.vals[i] && !(c->u.st.vals[i] = kc_value_copy(v->u.st.vals[i]))) goto fail;
      }
      return c;
    default:
      if ((c = value_alloc(v->type))) c->u = v->u; /* scalars: flags stay 0 */
      return c;
  }
fail:
  kc_value_destroy(c);
  return NULL;
}

/* Java's Map.equals: same size and every entry of a found in b. */
static bool map_equal(const kc_value_t *a, const kc_value_t *b) {
  if (a->u.map.n != b->u.map.n) return false;
  for (size_t i = 0; i < a->u.map.n; i++) {
    size_t j = i; /* same order is the common case: try the same slot first */
    if (j >= b->u.map.n || !kc_value_equal(a->u.map.keys[i], b->u.map.keys[j])) {
      for (j = 0; j < b->u.map.n; j++)
        if (kc_value_equal(a->u.map.keys[i], b->u.map.keys[j])) break;
      if (j == b->u.map.n) return false;
    }
    if (!kc_value_equal(a->u.map.vals[i], b->u.map.vals[j])) return false;
  }
  return true;
}

/* Double.equals compares bit patterns: NaN equals NaN, 0.0 differs from -0.0. */
static bool float_equal(double a, double b) {
  if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
  return a == b && signbit(a) == signbit(b);
}

bool kc_value_equal(const kc_value_t *a, const kc_value_t *b) {
  if (a == b) return true;
  if (!a || !b || a->type != b->type) return false;
  switch (a->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64: return a->u.i == b->u.i;
    case KC_TYPE_FLOAT32:
    case KC_TYPE_FLOAT64: return float_equal(a->u.f, b->u.f);
    case KC_TYPE_BOOLEAN: return a->u.b == b->u.b;
    case KC_TYPE_STRING:
    case KC_TYPE_BYTES:
      return a->u.str.len == b->u.str.len && !memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len);
    case KC_TYPE_ARRAY:
      if (a->u.arr.n != b->u.arr.n) return false;
      for (size_t i = 0; i < a->u.arr.n; i++)
        if (!kc_value_equal(a->u.arr.items[i], b->u.arr.items[i])) return false;
      return true;
    case KC_TYPE_MAP: return map_equal(a, b);
    case KC_TYPE_STRUCT:
      if (!kc_schema_equal(a->u.st.schema, b->u.st.schema)) return false;
      for (size_t i = 0; i < a->u.st.schema->nfields; i++)
        if (!kc_value_equal(a->u.st.vals[i], b->u.st.vals[i])) return false;
      return true;
  }
  return false;
}

void kc_value_destroy(kc_value_t *v) {
  if (!v || (v->flags & KC__VALUE_F_ARENA)) return;
  switch (v->type) {
    case KC_TYPE_STRING:
    case KC_TYPE_BYTES: free(v->u.str.ptr); break;
    case KC_TYPE_ARRAY:
      for (size_t i = 0; i < v->u.arr.n; i++) kc_value_destroy(v->u.arr.items[i]);
      free(v->u.arr.items);
      break;
    case KC_TYPE_MAP:
      for (size_t i = 0; i < v->u.map.n; i++) {
        kc_value_destroy(v->u.map.keys[i]);
        kc_value_destroy(v->u.map.vals[i]);
      }
      free(v->u.map.keys);
      free(v->u.map.vals);
      break;
    case KC_TYPE_STRUCT:
      if (v->u.st.schema) {
        for (size_t i = 0; i < v->u.st.schema->nfields; i++) kc_value_destroy(v->u.st.vals[i]);
      }
      free(v->u.st.vals);
      kc_schema_decref(v->u.st.schema);
      break;
    default: break;
  }
  free(v);
}
