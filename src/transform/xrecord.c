/*
 * The record transforms work on (ConnectRecord), its headers, and the arena value builders and
 * Requirements checks every transform shares.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter.h"
#include "data/value_internal.h"
#include "transform/transform.h"
#include "transform/xf_util.h"

int kc_xf_fail(kc_xf_error_t *err, const char *exception, const char *fmt, ...) {
  if (!err) return KC_ECONVERT;
  err->exception = exception;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(err->message, sizeof err->message, fmt, ap);
  va_end(ap);
  return KC_ECONVERT;
}

void kc_xrecord_init(kc_xrecord_t *r, kc_arena_t *arena, bool sink, const char *topic,
                     int32_t partition, int64_t offset, int64_t timestamp,
                     const kc_xheader_t *src_hdrs, size_t src_nhdrs, kc_xheader_convert_fn hconv,
                     void *hconv_arg) {
  memset(r, 0, sizeof *r);
  r->arena = arena;
  r->sink = sink;
  r->topic = topic ? topic : "";
  r->partition = partition;
  r->offset = offset;
  r->timestamp = timestamp;
  r->src_hdrs = src_hdrs;
  r->src_nhdrs = src_nhdrs;
  r->hconv = hconv;
  r->hconv_arg = hconv_arg;
}

void kc_xrecord_finish(kc_xrecord_t *r) {
  for (size_t i = 0; i < r->nretained; i++) kc_schema_decref(r->retained[i]);
  free(r->retained);
  r->retained = NULL;
  r->nretained = r->retained_cap = 0;
}

int kc_xrecord_retain(kc_xrecord_t *r, const kc_schema_t *s) {
  /* Static schemas are never freed; most records carry only those or none. */
  if (!s || s->refcnt < 0) return 0;
  if (r->nretained == r->retained_cap) {
    size_t cap = r->retained_cap ? r->retained_cap * 2 : 8;
    kc_schema_t **p = realloc(r->retained, cap * sizeof *p);
    if (!p) return KC_ENOMEM;
    r->retained = p;
    r->retained_cap = cap;
  }
  r->retained[r->nretained++] = kc_schema_incref((kc_schema_t *)s);
  return 0;
}

int kc_xrecord_set_key(kc_xrecord_t *r, const kc_schema_t *schema, const kc_value_t *value) {
  if (schema != r->key_schema && kc_xrecord_retain(r, schema)) return KC_ENOMEM;
  r->key_schema = schema;
  r->key = value;
  return 0;
}

int kc_xrecord_set_value(kc_xrecord_t *r, const kc_schema_t *schema, const kc_value_t *value) {
  if (schema != r->value_schema && kc_xrecord_retain(r, schema)) return KC_ENOMEM;
  r->value_schema = schema;
  r->value = value;
  return 0;
}

char *kc_xf_strdup(kc_xrecord_t *r, const char *s, size_t len) {
  char *p = kc_arena_alloc(r->arena, len + 1);
  if (!p) return NULL;
  if (len) memcpy(p, s, len);
  p[len] = 0;
  return p;
}

int kc_xrecord_set_topic(kc_xrecord_t *r, const char *topic, size_t len) {
  char *t = kc_xf_strdup(r, topic, len);
  if (!t) return KC_ENOMEM;
  r->topic = t;
  return 0;
}

kc_value_t *kc_xf_copy(kc_xrecord_t *r, const kc_value_t *v) {
  if (!v) return NULL;
  kc_value_t *c;
  switch (v->type) {
    case KC_TYPE_STRING:
    case KC_TYPE_BYTES:
      return kc__value_new_blob_a(r->arena, v->type, v->u.str.ptr, v->u.str.len);
    case KC_TYPE_ARRAY:
      if (!(c = kc__value_new_a(r->arena, KC_TYPE_ARRAY))) return NULL;
      for (size_t i = 0; i < v->u.arr.n; i++) {
        kc_value_t *e = kc_xf_copy(r, v->u.arr.items[i]);
        if ((v->u.arr.items[i] && !e) || kc__value_array_append_a(r->arena, c, e)) return NULL;
      }
      return c;
    case KC_TYPE_MAP:
      if (!(c = kc__value_new_a(r->arena, KC_TYPE_MAP))) return NULL;
      for (size_t i = 0; i < v->u.map.n; i++) {
        kc_value_t *k = kc_xf_copy(r, v->u.map.keys[i]), *e = kc_xf_copy(r, v->u.map.vals[i]);
        if ((v->u.map.keys[i] && !k) || (v->u.map.vals[i] && !e) ||
            kc__value_map_append_a(r->arena, c, k, e))
          return NULL;
      }
      return c;
    case KC_TYPE_STRUCT: {
      const kc_schema_t *s = v->u.st.schema;
      if (kc_xrecord_retain(r, s) || !(c = kc_xf_new_struct(r, s))) return NULL;
      for (size_t i = 0; i < s->nfields; i++)
        if (v->u.st.vals[i] && !(c->u.st.vals[i] = kc_xf_copy(r, v->u.st.vals[i]))) return NULL;
      return c;
    }
    default:
      if (!(c = kc__value_new_a(r->arena, v->type))) return NULL;
      c->u = v->u;
      return c;
  }
}

/* ---- headers ---- */

static int hdrs_reserve(kc_xrecord_t *r, size_t n) {
  if (n <= r->hdrs_cap) return 0;
  size_t cap = r->hdrs_cap ? r->hdrs_cap * 2 : 8;
  while (cap < n) cap *= 2;
  kc_xheader_t *p = kc_arena_alloc(r->arena, cap * sizeof *p);
  if (!p) return KC_ENOMEM;
  if (r->nhdrs) memcpy(p, r->hdrs, r->nhdrs * sizeof *p);
  r->hdrs = p;
  r->hdrs_cap = cap;
  return 0;
}

static int hdrs_load(kc_xrecord_t *r) {
  if (r->hdrs_loaded) return 0;
  if (r->src_nhdrs) {
    if (hdrs_reserve(r, r->src_nhdrs)) return KC_ENOMEM;
    memcpy(r->hdrs, r->src_hdrs, r->src_nhdrs * sizeof *r->hdrs);
    r->nhdrs = r->src_nhdrs;
  }
  r->hdrs_loaded = true;
  return 0;
}

size_t kc_xrecord_header_count(kc_xrecord_t *r) {
  if (!r->hdrs_loaded) return r->src_nhdrs;
  return r->nhdrs;
}

const kc_xheader_t *kc_xrecord_header_at(kc_xrecord_t *r, size_t i) {
  if (!r->hdrs_loaded) return i < r->src_nhdrs ? &r->src_hdrs[i] : NULL;
  return i < r->nhdrs ? &r->hdrs[i] : NULL;
}

int kc_xrecord_header_value(kc_xrecord_t *r, size_t i, const kc_schema_t **schema,
                            const kc_value_t **value, kc_xf_error_t *err) {
  if (i >= kc_xrecord_header_count(r)) return KC_ENOENT;
  if (hdrs_load(r)) return KC_ENOMEM;
  kc_xheader_t *h = &r->hdrs[i];
  if (!h->has_value) {
    kc_schema_t *s = NULL;
    kc_value_t *v = NULL;
    char msg[768] = "";
    int rc = r->hconv ? r->hconv(r->hconv_arg, r->topic, h->key, h->raw, h->raw_len, &s, &v, msg,
                                 sizeof msg)
                      : 0;
    if (rc) return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "%s", msg);
    /* The converter's heap value moves into the arena so the record owns nothing to free. */
    const kc_value_t *av = v ? kc_xf_copy(r, v) : NULL;
    kc_value_destroy(v);
    rc = (v && !av) ? KC_ENOMEM : kc_xrecord_retain(r, s);
    kc_schema_decref(s);
    if (rc) return KC_ENOMEM;
    h->schema = s;
    h->value = av;
    h->has_value = true;
  }
  if (schema) *schema = h->schema;
  if (value) *value = h->value;
  return 0;
}

int kc_xrecord_header_add(kc_xrecord_t *r, const char *key, const kc_schema_t *schema,
                          const kc_value_t *value) {
  if (hdrs_load(r) || hdrs_reserve(r, r->nhdrs + 1) || kc_xrecord_retain(r, schema))
    return KC_ENOMEM;
  char *k = kc_xf_strdup(r, key, strlen(key));
  if (!k) return KC_ENOMEM;
  r->hdrs[r->nhdrs++] = (kc_xheader_t){.key = k, .has_value = true, .schema = schema, .value = value};
  r->hdrs_changed = true;
  return 0;
}

size_t kc_xrecord_header_remove(kc_xrecord_t *r, const char *key) {
  if (hdrs_load(r)) return 0;
  size_t w = 0, removed = 0;
  for (size_t i = 0; i < r->nhdrs; i++) {
    if (!strcmp(r->hdrs[i].key, key)) {
      removed++;
      continue;
    }
    r->hdrs[w++] = r->hdrs[i];
  }
  r->nhdrs = w;
  if (removed) r->hdrs_changed = true;
  return removed;
}

bool kc_xrecord_header_has(kc_xrecord_t *r, const char *key) {
  size_t n = kc_xrecord_header_count(r);
  for (size_t i = 0; i < n; i++)
    if (!strcmp(kc_xrecord_header_at(r, i)->key, key)) return true;
  return false;
}

/* ---- arena values ---- */

kc_value_t *kc_xf_new_int(kc_xrecord_t *r, kc_type_t type, int64_t v) {
  kc_value_t *x = kc__value_new_a(r->arena, type);
  if (x) x->u.i = v;
  return x;
}

kc_value_t *kc_xf_new_float(kc_xrecord_t *r, kc_type_t type, double v) {
  kc_value_t *x = kc__value_new_a(r->arena, type);
  if (x) x->u.f = type == KC_TYPE_FLOAT32 ? (double)(float)v : v;
  return x;
}

kc_value_t *kc_xf_new_bool(kc_xrecord_t *r, bool v) {
  kc_value_t *x = kc__value_new_a(r->arena, KC_TYPE_BOOLEAN);
  if (x) x->u.b = v;
  return x;
}

kc_value_t *kc_xf_new_string(kc_xrecord_t *r, const char *s, size_t len) {
  return kc__value_new_blob_a(r->arena, KC_TYPE_STRING, s, len);
}

kc_value_t *kc_xf_new_bytes(kc_xrecord_t *r, const void *p, size_t len) {
  return kc__value_new_blob_a(r->arena, KC_TYPE_BYTES, p, len);
}

kc_value_t *kc_xf_new_array(kc_xrecord_t *r) { return kc__value_new_a(r->arena, KC_TYPE_ARRAY); }
kc_value_t *kc_xf_new_map(kc_xrecord_t *r) { return kc__value_new_a(r->arena, KC_TYPE_MAP); }

kc_value_t *kc_xf_new_map_cap(kc_xrecord_t *r, size_t cap) {
  kc_value_t *m = kc__value_new_a(r->arena, KC_TYPE_MAP);
  if (!m || !cap) return m;
  m->u.map.keys = kc_arena_alloc(r->arena, cap * sizeof *m->u.map.keys);
  m->u.map.vals = kc_arena_alloc(r->arena, cap * sizeof *m->u.map.vals);
  if (!m->u.map.keys || !m->u.map.vals) return NULL;
  m->u.map.cap = cap;
  return m;
}

kc_value_t *kc_xf_map_copy(kc_xrecord_t *r, const kc_value_t *src, size_t extra) {
  size_t n = src->u.map.n;
  kc_value_t *m = kc_xf_new_map_cap(r, n + extra);
  if (!m) return NULL;
  if (n) {
    memcpy(m->u.map.keys, src->u.map.keys, n * sizeof *m->u.map.keys);
    memcpy(m->u.map.vals, src->u.map.vals, n * sizeof *m->u.map.vals);
  }
  m->u.map.n = n;
  return m;
}

kc_value_t *kc_xf_new_struct(kc_xrecord_t *r, const kc_schema_t *schema) {
  if (!schema || schema->type != KC_TYPE_STRUCT) return NULL;
  kc_value_t *v = kc__value_new_a(r->arena, KC_TYPE_STRUCT);
  if (!v) return NULL;
  size_t n = schema->nfields ? schema->nfields : 1;
  v->u.st.vals = kc_arena_alloc(r->arena, n * sizeof *v->u.st.vals);
  if (!v->u.st.vals) return NULL;
  memset(v->u.st.vals, 0, n * sizeof *v->u.st.vals);
  v->u.st.schema = (kc_schema_t *)schema; /* borrowed, as every arena struct's */
  return v;
}

/* Appends without ever destroying @p item: it may be a borrowed value of the input record. */
static int grow(kc_xrecord_t *r, kc_value_t ***p1, kc_value_t ***p2, size_t n, size_t *cap) {
  if (n < *cap) return 0;
  size_t nc = *cap ? *cap * 2 : 4;
  kc_value_t **a = kc_arena_alloc(r->arena, nc * sizeof *a);
  kc_value_t **b = p2 ? kc_arena_alloc(r->arena, nc * sizeof *b) : NULL;
  if (!a || (p2 && !b)) return KC_ENOMEM;
  if (n) memcpy(a, *p1, n * sizeof *a);
  if (n && p2) memcpy(b, *p2, n * sizeof *b);
  *p1 = a;
  if (p2) *p2 = b;
  *cap = nc;
  return 0;
}

int kc_xf_array_append(kc_xrecord_t *r, kc_value_t *arr, const kc_value_t *item) {
  if (grow(r, &arr->u.arr.items, NULL, arr->u.arr.n, &arr->u.arr.cap)) return KC_ENOMEM;
  arr->u.arr.items[arr->u.arr.n++] = (kc_value_t *)item;
  return 0;
}

int kc_xf_map_append(kc_xrecord_t *r, kc_value_t *map, const kc_value_t *key, const kc_value_t *val) {
  if (grow(r, &map->u.map.keys, &map->u.map.vals, map->u.map.n, &map->u.map.cap)) return KC_ENOMEM;
  map->u.map.keys[map->u.map.n] = (kc_value_t *)key;
  map->u.map.vals[map->u.map.n++] = (kc_value_t *)val;
  return 0;
}

int kc_xf_map_put(kc_xrecord_t *r, kc_value_t *map, const kc_value_t *key, const kc_value_t *val) {
  if (key && key->type == KC_TYPE_STRING) { /* the common case: compare bytes, not values */
    for (size_t i = 0; i < map->u.map.n; i++) {
      const kc_value_t *k = map->u.map.keys[i];
      if (k && k->type == KC_TYPE_STRING && k->u.str.len == key->u.str.len &&
          !memcmp(k->u.str.ptr, key->u.str.ptr, key->u.str.len)) {
        map->u.map.vals[i] = (kc_value_t *)val;
        return 0;
      }
    }
    return kc_xf_map_append(r, map, key, val);
  }
  for (size_t i = 0; i < map->u.map.n; i++)
    if (kc_value_equal(map->u.map.keys[i], key)) {
      map->u.map.vals[i] = (kc_value_t *)val;
      return 0;
    }
  return kc_xf_map_append(r, map, key, val);
}

const kc_value_t *kc_xf_struct_get(const kc_value_t *st, const kc_field_t *field,
                                   bool replace_null_with_default) {
  const kc_value_t *v = st->u.st.vals[field->index];
  if (!v && replace_null_with_default) v = field->schema->default_value;
  return v;
}

/* ---- Requirements ---- */

int kc_xf_require_struct(const kc_value_t *v, const char *purpose, kc_xf_error_t *err) {
  if (v && v->type == KC_TYPE_STRUCT) return 0;
  return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Only Struct objects supported for [%s], found: %s",
                    purpose, kc_value_java_class(v));
}

int kc_xf_require_map(const kc_value_t *v, const char *purpose, kc_xf_error_t *err) {
  if (v && v->type == KC_TYPE_MAP) return 0;
  return kc_xf_fail(err, KC_XF_DATA_EXCEPTION,
                    "Only Map objects supported in absence of schema for [%s], found: %s", purpose,
                    kc_value_java_class(v));
}

int kc_xf_require_schema(const kc_schema_t *s, const char *purpose, kc_xf_error_t *err) {
  if (s) return 0;
  return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Schema required for [%s]", purpose);
}

int kc_xf_require_sink(const kc_xrecord_t *r, const char *purpose, kc_xf_error_t *err) {
  if (r->sink) return 0;
  return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Only SinkRecord supported for [%s], found: %s",
                    purpose, "org.apache.kafka.connect.source.SourceRecord");
}

/* ---- schemas ---- */

int kc_xf_add_field(kc_schema_t *s, const char *name, kc_schema_t *field_schema, kc_xf_error_t *err) {
  if (kc_schema_field(s, name)) {
    kc_schema_decref(field_schema);
    return kc_xf_fail(err, KC_XF_SCHEMA_BUILDER_EXCEPTION, "Cannot create field because of field name duplication %s",
                      name);
  }
  return kc_schema_add_field(s, name, field_schema) ? KC_ENOMEM : 0;
}

kc_schema_t *kc_xf_schema_copy_basics(const kc_schema_t *src, kc_type_t type) {
  kc_schema_t *s = kc_schema_new(type);
  if (!s || !src) return s;
  if ((src->name && kc_schema_set_name(s, src->name)) || (src->doc && kc_schema_set_doc(s, src->doc))) {
    kc_schema_decref(s);
    return NULL;
  }
  s->has_version = src->has_version;
  s->version = src->version;
  for (size_t i = 0; i < src->nparams; i++)
    if (kc_schema_set_param(s, src->param_keys[i], src->param_values[i])) {
      kc_schema_decref(s);
      return NULL;
    }
  return s;
}

int kc_xf_validate_nonempty_list(const char *name, const char *value, char *err, size_t n) {
  (void)name;
  for (const char *p = value; *p; p++)
    if (*p != ',' && *p != ' ' && *p != '\t') return 0;
  snprintf(err, n, "Empty list");
  return KC_EINVAL;
}
