/*
 * JsonConverter schemas: Connect schema <-> its JSON form (JsonConverter
 * asJsonSchema / asConnectSchema), each direction behind an LRU cache of
 * schemas.cache.size entries, as the Java converter keeps.
 *
 * Writing caches by schema object (a reference is held, so the address cannot
 * be reused while cached): a connector that reuses its schema pays for the
 * JSON once. Reading caches by the exact text of the "schema" member: a topic
 * whose records repeat one schema skips rebuilding it.
 */
#include <stdlib.h>
#include <string.h>

#include "convert/converter_internal.h"

/* ---- LRU ------------------------------------------------------------------ */

typedef struct lru_ent_s {
  struct lru_ent_s *hnext;       /* hash chain */
  struct lru_ent_s *prev, *next; /* recency list, most recent first */
  uint64_t hash;
  const void *key; /* owned text (klen > 0) or a schema pointer (klen == 0) */
  size_t klen;
  void *val; /* kc_schema_t* (text key) or char* JSON (pointer key) */
  size_t vlen;
} lru_ent_t;

typedef struct {
  lru_ent_t **buckets;
  size_t nbuckets, count, cap;
  lru_ent_t head; /* sentinel */
} lru_t;

struct kc_json_schema_cache_s {
  lru_t to_connect;   /* schema JSON text -> kc_schema_t */
  lru_t from_connect; /* kc_schema_t pointer -> schema JSON text */
};

static uint64_t hash_bytes(const void *p, size_t n) {
  const unsigned char *s = p;
  uint64_t h = 0x9E3779B97F4A7C15ULL ^ n;
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDULL;
    h ^= h >> 32;
    s += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, s, n);
  h = (h ^ w) * 0xC4CEB9FE1A85EC53ULL;
  return h ^ (h >> 29);
}

static uint64_t hash_ptr(const void *p) {
  uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ULL;
  return h ^ (h >> 31);
}

static int lru_init(lru_t *l, int cap) {
  memset(l, 0, sizeof *l);
  l->head.prev = l->head.next = &l->head;
  l->cap = cap > 0 ? (size_t)cap : 0;
  if (!l->cap) return 0;
  size_t nb = 16;
  while (nb < l->cap && nb < (1u << 20)) nb <<= 1;
  l->buckets = calloc(nb, sizeof *l->buckets);
  if (!l->buckets) return KC_ENOMEM;
  l->nbuckets = nb;
  return 0;
}

static lru_ent_t *lru_find(lru_t *l, uint64_t hash, const void *key, size_t klen) {
  if (!l->nbuckets) return NULL;
  for (lru_ent_t *e = l->buckets[hash & (l->nbuckets - 1)]; e; e = e->hnext) {
    if (e->hash == hash && e->klen == klen && (klen ? !memcmp(e->key, key, klen) : e->key == key)) {
      /* move to front */
      e->prev->next = e->next;
      e->next->prev = e->prev;
      e->next = l->head.next;
      e->prev = &l->head;
      l->head.next->prev = e;
      l->head.next = e;
      return e;
    }
  }
  return NULL;
}

static void ent_free(lru_ent_t *e) {
  if (e->klen) {
    free((void *)e->key);
    kc_schema_decref(e->val);
  } else {
    kc_schema_decref((kc_schema_t *)e->key);
    free(e->val);
  }
  free(e);
}

static void lru_unlink(lru_t *l, lru_ent_t *e) {
  lru_ent_t **pp = &l->buckets[e->hash & (l->nbuckets - 1)];
  while (*pp != e) pp = &(*pp)->hnext;
  *pp = e->hnext;
  e->prev->next = e->next;
  e->next->prev = e->prev;
  l->count--;
}

/* Takes ownership of e's key and value (freed right away when caching is off). */
static void lru_insert(lru_t *l, lru_ent_t *e) {
  if (!l->cap) {
    ent_free(e);
    return;
  }
  if (l->count >= l->cap) {
    lru_ent_t *old = l->head.prev;
    lru_unlink(l, old);
    ent_free(old);
  }
  size_t b = e->hash & (l->nbuckets - 1);
  e->hnext = l->buckets[b];
  l->buckets[b] = e;
  e->next = l->head.next;
  e->prev = &l->head;
  l->head.next->prev = e;
  l->head.next = e;
  l->count++;
}

static void lru_free(lru_t *l) {
  for (lru_ent_t *e = l->head.next, *n; e != &l->head; e = n) {
    n = e->next;
    ent_free(e);
  }
  free(l->buckets);
}

kc_json_schema_cache_t *kc_json_schema_cache_new(int capacity) {
  kc_json_schema_cache_t *c = calloc(1, sizeof *c);
  if (!c) return NULL;
  if (lru_init(&c->to_connect, capacity) || lru_init(&c->from_connect, capacity)) {
    kc_json_schema_cache_destroy(c);
    return NULL;
  }
  return c;
}

void kc_json_schema_cache_destroy(kc_json_schema_cache_t *c) {
  if (!c) return;
  lru_free(&c->to_connect);
  lru_free(&c->from_connect);
  free(c);
}

/* ---- Connect schema -> JSON ---------------------------------------------- */

#define TRY(expr)        \
  do {                   \
    int rc_ = (expr);    \
    if (rc_) return rc_; \
  } while (0)

static int put_key(kc_buf_t *out, const char *k) { return kc_buf_puts(out, k); }

/* Field order is Connect's: type, nested parts, optional, name, version, doc,
 * parameters, default; a struct field's name comes last ("field"). */
static int write_schema(const kc_schema_t *s, const char *field_name, kc_json_value_writer_t wv,
                        void *wctx, kc_buf_t *out, char *errstr, size_t errstr_size) {
  if (!s) return kc_buf_append(out, "null", 4);
  TRY(kc_buf_printf(out, "{\"type\":\"%s\"", kc_type_name(s->type)));
  switch (s->type) {
    case KC_TYPE_ARRAY:
      TRY(put_key(out, ",\"items\":"));
      TRY(write_schema(s->value_schema, NULL, wv, wctx, out, errstr, errstr_size));
      break;
    case KC_TYPE_MAP:
      TRY(put_key(out, ",\"keys\":"));
      TRY(write_schema(s->key_schema, NULL, wv, wctx, out, errstr, errstr_size));
      TRY(put_key(out, ",\"values\":"));
      TRY(write_schema(s->value_schema, NULL, wv, wctx, out, errstr, errstr_size));
      break;
    case KC_TYPE_STRUCT:
      TRY(put_key(out, ",\"fields\":["));
      for (size_t i = 0; i < s->nfields; i++) {
        if (i) TRY(kc_buf_append(out, ",", 1));
        TRY(write_schema(s->fields[i].schema, s->fields[i].name, wv, wctx, out, errstr,
                         errstr_size));
      }
      TRY(kc_buf_append(out, "]", 1));
      break;
    default: break;
  }
  TRY(put_key(out, s->optional ? ",\"optional\":true" : ",\"optional\":false"));
  if (s->name) {
    TRY(put_key(out, ",\"name\":"));
    TRY(kc_json_encode_string(out, s->name, strlen(s->name)));
  }
  if (s->has_version) TRY(kc_buf_printf(out, ",\"version\":%d", (int)s->version));
  if (s->doc) {
    TRY(put_key(out, ",\"doc\":"));
    TRY(kc_json_encode_string(out, s->doc, strlen(s->doc)));
  }
  if (s->nparams) {
    TRY(put_key(out, ",\"parameters\":{"));
    for (size_t i = 0; i < s->nparams; i++) {
      if (i) TRY(kc_buf_append(out, ",", 1));
      TRY(kc_json_encode_string(out, s->param_keys[i], strlen(s->param_keys[i])));
      TRY(kc_buf_append(out, ":", 1));
      TRY(kc_json_encode_string(out, s->param_values[i], strlen(s->param_values[i])));
    }
    TRY(kc_buf_append(out, "}", 1));
  }
  if (s->default_value) {
    TRY(put_key(out, ",\"default\":"));
    TRY(wv(wctx, s, s->default_value, out, errstr, errstr_size));
  }
  if (field_name) {
    TRY(put_key(out, ",\"field\":"));
    TRY(kc_json_encode_string(out, field_name, strlen(field_name)));
  }
  return kc_buf_append(out, "}", 1);
}

int kc_json_schema_write(kc_json_schema_cache_t *c, const kc_schema_t *schema,
                         kc_json_value_writer_t wv, void *wctx, kc_buf_t *out, char *errstr,
                         size_t errstr_size) {
  if (!schema) return kc_buf_append(out, "null", 4);
  lru_t *l = &c->from_connect;
  uint64_t h = hash_ptr(schema);
  lru_ent_t *e = lru_find(l, h, schema, 0);
  if (e) return kc_buf_append(out, e->val, e->vlen);
  size_t start = out->len;
  int rc = write_schema(schema, NULL, wv, wctx, out, errstr, errstr_size);
  if (rc || !l->cap) return rc;
  /* Static schemas are not refcounted and live forever: caching them is safe too. */
  e = calloc(1, sizeof *e);
  char *json = malloc(out->len - start + 1);
  if (!e || !json) { /* caching is an optimisation: skip it */
    free(e);
    free(json);
    return 0;
  }
  memcpy(json, out->data + start, out->len - start);
  json[out->len - start] = '\0';
  e->hash = h;
  e->key = kc_schema_incref((kc_schema_t *)schema);
  e->val = json;
  e->vlen = out->len - start;
  lru_insert(l, e);
  return 0;
}

/* ---- JSON -> Connect schema ---------------------------------------------- */

typedef struct {
  size_t off, len;
  bool set;
} span_t;

enum { K_TYPE, K_ITEMS, K_KEYS, K_VALUES, K_FIELDS, K_OPTIONAL, K_NAME, K_VERSION, K_DOC,
       K_PARAMETERS, K_DEFAULT, K_FIELD, K_COUNT };
static const char *const schema_keys[K_COUNT] = {"type",     "items", "keys",    "values",
                                                 "fields",   "optional", "name", "version",
                                                 "doc",      "parameters", "default", "field"};

static const struct {
  const char *name;
  kc_type_t type;
} type_names[] = {
    {"boolean", KC_TYPE_BOOLEAN}, {"int8", KC_TYPE_INT8},     {"int16", KC_TYPE_INT16},
    {"int32", KC_TYPE_INT32},     {"int64", KC_TYPE_INT64},   {"float", KC_TYPE_FLOAT32},
    {"double", KC_TYPE_FLOAT64},  {"bytes", KC_TYPE_BYTES},   {"string", KC_TYPE_STRING},
    {"array", KC_TYPE_ARRAY},     {"map", KC_TYPE_MAP},       {"struct", KC_TYPE_STRUCT},
};

/* The kind of the (valid) JSON value at the start of a span. */
static kc_json_kind_t span_kind(kc_json_reader_t *r, const span_t *sp) {
  kc_json_reader_seek(r, sp->off, sp->len);
  return kc_json_peek(r);
}

/* Reads a string value held by a span (only when it is a string). */
static bool span_string(kc_json_reader_t *r, const span_t *sp, char **out) {
  const char *s;
  size_t n;
  if (!sp->set || span_kind(r, sp) != KC_JSON_STRING || kc_json_read_string(r, &s, &n)) return false;
  *out = strndup(s, n);
  return *out != NULL;
}

/* Records the spans of the members Connect looks at (the last duplicate wins, as in Jackson). */
static int collect(kc_json_reader_t *r, const span_t *sp, span_t spans[K_COUNT], bool *is_object) {
  memset(spans, 0, sizeof(span_t) * K_COUNT);
  *is_object = span_kind(r, sp) == KC_JSON_OBJECT;
  if (!*is_object) return 0;
  const char *k;
  size_t kl;
  int rc;
  if (kc_json_object_begin(r)) return KC_EINVAL;
  while ((rc = kc_json_object_next(r, &k, &kl)) == 1) {
    int which = -1;
    for (int i = 0; i < K_COUNT; i++)
      if (strlen(schema_keys[i]) == kl && !memcmp(schema_keys[i], k, kl)) which = i;
    kc_json_peek(r); /* skip whitespace so the span starts at the value */
    size_t off = kc_json_reader_offset(r);
    if (kc_json_skip(r)) return KC_EINVAL;
    if (which >= 0) {
      spans[which].off = off;
      spans[which].len = kc_json_reader_offset(r) - off;
      spans[which].set = true;
    }
  }
  return rc;
}

typedef struct {
  kc_json_value_reader_t rv;
  void *rctx;
  char *errstr;
  size_t errstr_size;
} build_ctx_t;

static int build(build_ctx_t *b, kc_json_reader_t *r, const span_t *sp, kc_schema_t **out);

static int build_child(build_ctx_t *b, kc_json_reader_t *r, const span_t *sp, kc_schema_t **out) {
  if (!sp->set) {
    *out = NULL;
    return 0;
  }
  return build(b, r, sp, out);
}

static int build_fields(build_ctx_t *b, kc_json_reader_t *r, const span_t *fsp, kc_schema_t *s) {
  /* The member spans are collected first: building a field re-seeks the reader. */
  size_t n = 0, cap = 0;
  span_t *items = NULL;
  int rc;
  span_kind(r, fsp);
  if (kc_json_array_begin(r)) return KC_ECONVERT;
  while ((rc = kc_json_array_next(r)) == 1) {
    if (n == cap) {
      cap = cap ? cap * 2 : 8;
      span_t *p = realloc(items, cap * sizeof *p);
      if (!p) {
        free(items);
        return kc_conv_errf(b->errstr, b->errstr_size, "out of memory");
      }
      items = p;
    }
    kc_json_peek(r);
    items[n].off = kc_json_reader_offset(r);
    if (kc_json_skip(r)) break;
    items[n].len = kc_json_reader_offset(r) - items[n].off;
    items[n++].set = true;
  }
  rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    span_t fs[K_COUNT];
    bool is_obj;
    char *fname = NULL;
    if (collect(r, &items[i], fs, &is_obj) || !span_string(r, &fs[K_FIELD], &fname)) {
      rc = kc_conv_errf(b->errstr, b->errstr_size,
                        "Struct schema's field name not specified properly");
      break;
    }
    kc_schema_t *f = NULL;
    if (!*fname) {
      rc = kc_conv_errf(b->errstr, b->errstr_size, "fieldName cannot be null.");
    } else if (kc_schema_field(s, fname)) {
      rc = kc_conv_errf(b->errstr, b->errstr_size,
                        "Cannot create field because of field name duplication %s", fname);
    } else if (!(rc = build(b, r, &items[i], &f))) {
      if (!f) {
        rc = kc_conv_errf(b->errstr, b->errstr_size, "fieldSchema for field %s cannot be null.",
                          fname);
      } else if (kc_schema_add_field(s, fname, f)) {
        rc = kc_conv_errf(b->errstr, b->errstr_size, "out of memory");
      }
    }
    free(fname);
  }
  free(items);
  return rc;
}

static int build(build_ctx_t *b, kc_json_reader_t *r, const span_t *sp, kc_schema_t **out) {
  span_t k[K_COUNT];
  bool is_obj;
  char *tname = NULL;
  *out = NULL;
  if (span_kind(r, sp) == KC_JSON_NULL) return 0;
  if (collect(r, sp, k, &is_obj)) return kc_conv_errf(b->errstr, b->errstr_size, "invalid schema JSON");
  if (!is_obj || !span_string(r, &k[K_TYPE], &tname))
    return kc_conv_errf(b->errstr, b->errstr_size, "Schema must contain 'type' field");
  int t = -1;
  for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
    if (!strcmp(type_names[i].name, tname)) t = (int)type_names[i].type;
  if (t < 0) {
    int rc = kc_conv_errf(b->errstr, b->errstr_size, "Unknown schema type: %s", tname);
    free(tname);
    return rc;
  }
  free(tname);
  kc_schema_t *s = kc_schema_new((kc_type_t)t);
  if (!s) return kc_conv_errf(b->errstr, b->errstr_size, "out of memory");
  int rc = 0;
  if (t == KC_TYPE_ARRAY) {
    if (!k[K_ITEMS].set || span_kind(r, &k[K_ITEMS]) == KC_JSON_NULL)
      rc = kc_conv_errf(b->errstr, b->errstr_size, "Array schema did not specify the element type");
    else
      rc = build_child(b, r, &k[K_ITEMS], &s->value_schema);
  } else if (t == KC_TYPE_MAP) {
    if (!k[K_KEYS].set)
      rc = kc_conv_errf(b->errstr, b->errstr_size, "Map schema did not specify the key type");
    else if (!k[K_VALUES].set)
      rc = kc_conv_errf(b->errstr, b->errstr_size, "Map schema did not specify the value type");
    else if (!(rc = build_child(b, r, &k[K_KEYS], &s->key_schema)) &&
             !(rc = build_child(b, r, &k[K_VALUES], &s->value_schema))) {
      if (!s->key_schema)
        rc = kc_conv_errf(b->errstr, b->errstr_size, "keySchema cannot be null.");
      else if (!s->value_schema)
        rc = kc_conv_errf(b->errstr, b->errstr_size, "valueSchema cannot be null.");
    }
  } else if (t == KC_TYPE_STRUCT) {
    if (!k[K_FIELDS].set || span_kind(r, &k[K_FIELDS]) != KC_JSON_ARRAY)
      rc = kc_conv_errf(b->errstr, b->errstr_size,
                        "Struct schema's \"fields\" argument is not an array.");
    else
      rc = build_fields(b, r, &k[K_FIELDS], s);
  }
  if (rc) goto fail;

  bool bv;
  if (k[K_OPTIONAL].set && span_kind(r, &k[K_OPTIONAL]) != KC_JSON_NULL &&
      span_kind(r, &k[K_OPTIONAL]) != KC_JSON_NUMBER &&
      span_kind(r, &k[K_OPTIONAL]) >= KC_JSON_TRUE && !kc_json_read_bool(r, &bv))
    s->optional = bv;
  if (k[K_NAME].set && span_kind(r, &k[K_NAME]) == KC_JSON_STRING && !span_string(r, &k[K_NAME], &s->name))
    goto nomem;
  if (k[K_VERSION].set && span_kind(r, &k[K_VERSION]) == KC_JSON_NUMBER) {
    kc_json_number_t num;
    if (!kc_json_read_number(r, &num) && num.integral) {
      s->has_version = true;
      /* JsonNode.intValue() of a wider integer keeps the low 32 bits */
      s->version = num.fits_int64 ? (int32_t)(uint32_t)(uint64_t)num.i : (int32_t)num.d;
    }
  }
  if (k[K_DOC].set && span_kind(r, &k[K_DOC]) == KC_JSON_STRING && !span_string(r, &k[K_DOC], &s->doc))
    goto nomem;
  if (k[K_PARAMETERS].set && span_kind(r, &k[K_PARAMETERS]) == KC_JSON_OBJECT) {
    const char *pk;
    size_t pkl;
    int more;
    kc_json_object_begin(r);
    while ((more = kc_json_object_next(r, &pk, &pkl)) == 1) {
      char *key = strndup(pk, pkl);
      const char *pv;
      size_t pvl;
      if (!key) goto nomem;
      if (kc_json_peek(r) != KC_JSON_STRING || kc_json_read_string(r, &pv, &pvl)) {
        free(key);
        rc = kc_conv_errf(b->errstr, b->errstr_size, "Schema parameters must have string values.");
        goto fail;
      }
      char *val = strndup(pv, pvl);
      int prc = val ? kc_schema_set_param(s, key, val) : KC_ENOMEM;
      free(key);
      free(val);
      if (prc) goto nomem;
    }
  }
  if (k[K_DEFAULT].set) {
    kc_value_t *dv = NULL;
    kc_json_reader_seek(r, k[K_DEFAULT].off, k[K_DEFAULT].len);
    if ((rc = b->rv(b->rctx, r, s, &dv, b->errstr, b->errstr_size))) goto fail;
    s->default_value = dv;
  }
  *out = s;
  return 0;
nomem:
  rc = kc_conv_errf(b->errstr, b->errstr_size, "out of memory");
fail:
  kc_schema_decref(s);
  return rc ? rc : KC_ECONVERT;
}

int kc_json_schema_read(kc_json_schema_cache_t *c, kc_json_reader_t *r, size_t off, size_t len,
                        kc_json_value_reader_t rv, void *rctx, kc_schema_t **out, char *errstr,
                        size_t errstr_size) {
  lru_t *l = &c->to_connect;
  const char *text = r->base + off;
  uint64_t h = hash_bytes(text, len);
  lru_ent_t *e = len ? lru_find(l, h, text, len) : NULL;
  if (e) {
    *out = kc_schema_incref(e->val);
    return 0;
  }
  build_ctx_t b = {rv, rctx, errstr, errstr_size};
  span_t sp = {off, len, true};
  int rc = build(&b, r, &sp, out);
  if (rc || !*out || !l->cap) return rc;
  e = calloc(1, sizeof *e);
  char *key = malloc(len);
  if (!e || !key) {
    free(e);
    free(key);
    return 0;
  }
  memcpy(key, text, len);
  e->hash = h;
  e->key = key;
  e->klen = len;
  e->val = kc_schema_incref(*out);
  lru_insert(l, e);
  return 0;
}
