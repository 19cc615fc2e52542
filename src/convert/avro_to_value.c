/*
 * AvroData, reading direction, value half (Confluent schema-registry 7.9 AvroData
 * toConnectData and defaultValueFromAvro): Avro C reads each datum into the schema's scratch
 * generic value, which is walked with the plan avro_to_schema.c built; JSON defaults are read
 * here too because they make Connect values, though the schema mapping asks for them.
 * Also the public entry points: the to-Connect schema cache, kc_avro_schema_parse[_version]
 * and kc_avro_decode, and the Avro C allocator guard they install.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/avro_to_internal.h"
#include "data/value_internal.h"

/* ---- defaults (AvroData.defaultValueFromAvro) ---- */

/* Java's String.getBytes(ISO_8859_1) of Avro's JSON form of bytes: one byte per code point,
 * '?' for those above U+00FF. */
static kc_value_t *latin1_bytes(const char *t, size_t n) {
  unsigned char *b = malloc(n + 1);
  size_t w = 0;
  if (!b) return NULL;
  for (size_t i = 0; i < n;) {
    unsigned char ch = (unsigned char)t[i];
    uint32_t cp;
    size_t k = ch < 0x80 ? 1 : (ch >> 5) == 6 ? 2 : (ch >> 4) == 14 ? 3 : 4;
    if (i + k > n) k = n - i;
    cp = k == 1 ? ch : (uint32_t)(ch & (0x3f >> (k - 1)));
    for (size_t m = 1; m < k; m++) cp = (cp << 6) | ((unsigned char)t[i + m] & 0x3f);
    b[w++] = cp <= 0xff ? (unsigned char)cp : '?';
    i += k;
  }
  kc_value_t *v = kc_value_new_bytes(b, w);
  free(b);
  return v;
}

/* Descends through {"type": <schema>} wrappers and named references to the node a JSON
 * default is read against. */
static const json_t *default_node(ctx_t *c, const json_t *aj, const char **ns) {
  named_t *e;
  for (int i = 0; i < 8; i++) {
    aj = kc__avro_to_resolve(c, aj, ns, &e);
    const json_t *t = jget(aj, "type");
    const char *ts = json_string_value(t);
    if (!json_is_object(aj) || (ts && (kc__avro_to_is_primitive(ts) || !strcmp(ts, "record") ||
        !strcmp(ts, "error") || !strcmp(ts, "enum") || !strcmp(ts, "fixed") ||
        !strcmp(ts, "array") || !strcmp(ts, "map"))))
      break;
    aj = t;
  }
  return aj;
}

/* The Connect value of an Avro default @p dv for schema @p s (Avro node @p aj). *ok false:
 * AvroData would throw and then ignore the default. @p top: @p s is the schema receiving the
 * default, so a struct value needs a twin schema (see finish()). */
static kc_value_t *default_value_at(ctx_t *c, const kc_schema_t *s, const json_t *aj,
                                    const char *ns, const json_t *dv, bool top, bool *ok) {
  aj = default_node(c, aj, &ns);
  if (!dv || json_is_null(dv)) {
    if (!s->optional && !(json_is_array(aj) && kc__avro_to_is_null_schema(json_array_get(aj, 0))))
      *ok = false;
    return NULL;
  }
  switch (s->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
      if (!json_is_integer(dv) || json_integer_value(dv) < INT32_MIN ||
          json_integer_value(dv) > INT32_MAX)
        break;
      return kc_value_new_int(s->type, json_integer_value(dv));
    case KC_TYPE_INT64:
      if (!json_is_integer(dv)) break;
      return kc_value_new_int(s->type, json_integer_value(dv));
    case KC_TYPE_FLOAT32:
    case KC_TYPE_FLOAT64:
      if (!json_is_number(dv)) break;
      return kc_value_new_float(s->type, json_number_value(dv));
    case KC_TYPE_BOOLEAN:
      if (!json_is_boolean(dv)) break;
      return kc_value_new_bool(json_is_true(dv));
    case KC_TYPE_STRING:
      if (!json_is_string(dv)) break;
      return kc_value_new_string(json_string_value(dv), json_string_length(dv));
    case KC_TYPE_BYTES:
      if (!json_is_string(dv)) break;
      return latin1_bytes(json_string_value(dv), json_string_length(dv));
    case KC_TYPE_ARRAY: {
      if (!json_is_array(dv)) break;
      kc_value_t *a = kc_value_new_array();
      const json_t *items = jget(aj, "items");
      for (size_t i = 0; a && i < json_array_size(dv); i++) {
        kc_value_t *e = default_value_at(c, s->value_schema, items, ns, json_array_get(dv, i),
                                         false, ok);
        if (!*ok || c->err || kc_value_array_append(a, e)) break;
      }
      if (a && *ok && !c->err) return a;
      kc_value_destroy(a);
      return NULL;
    }
    case KC_TYPE_MAP: {
      /* a MapEntry array's default is a JSON array, which AvroData cannot cast to a Map */
      if (!json_is_object(dv) || !json_is_object(aj) || !jstr(aj, "type") ||
          strcmp(jstr(aj, "type"), "map"))
        break;
      kc_value_t *m = kc_value_new_map();
      const char *k;
      json_t *jv;
      json_object_foreach((json_t *)dv, k, jv) {
        if (!m) break;
        kc_value_t *v = default_value_at(c, s->value_schema, jget(aj, "values"), ns, jv, false, ok);
        if (!*ok || c->err || kc_value_map_put_str(m, k, v)) break;
      }
      if (m && *ok && !c->err) return m;
      kc_value_destroy(m);
      return NULL;
    }
    case KC_TYPE_STRUCT: {
      kc_schema_t *ss = (kc_schema_t *)s;
      if (top) {
        plan_root_t *pr = c->pr;
        plan_t *ignored;
        c->pr = NULL;
        ss = kc__avro_to_build(c, aj, ns, c->twin_opt, NULL, c->twin_doc, &ignored);
        c->pr = pr;
        if (!ss) return NULL;
      } else {
        kc_schema_incref(ss);
      }
      kc_value_t *st = kc_value_new_struct(ss);
      kc_schema_decref(ss);
      if (!st) {
        NOMEM(c);
        return NULL;
      }
      if (json_is_array(aj)) { /* a union: the default belongs to its first branch */
        const json_t *m0 = json_array_get(aj, 0);
        char *fname = kc__avro_to_union_field_name(c, m0, ns);
        const kc_field_t *f = fname ? kc_schema_field(ss, fname) : NULL;
        free(fname);
        if (f) st->u.st.vals[f->index] = default_value_at(c, f->schema, m0, ns, dv, false, ok);
        if (!f || !st->u.st.vals[f->index]) *ok = false;
      } else if (json_is_object(dv)) {
        const json_t *fl = jget(aj, "fields");
        const char *rns = ns;
        char *full = kc__avro_to_full_name(jstr(aj, "name") ? jstr(aj, "name") : "",
                                           jstr(aj, "namespace"), ns);
        char *dot = full ? strrchr(full, '.') : NULL;
        if (dot) *dot = '\0';
        if (full) rns = dot ? full : "";
        for (size_t i = 0; i < ss->nfields && *ok && !c->err; i++) {
          const kc_field_t *f = &ss->fields[i];
          const json_t *fv = json_object_get(dv, f->name);
          if (!fv) {
            st->u.st.vals[i] = kc_value_copy(f->schema->default_value);
            if (!st->u.st.vals[i] && !f->schema->optional) *ok = false;
          } else {
            st->u.st.vals[i] = default_value_at(c, f->schema, jget(json_array_get(fl, i), "type"),
                                                rns, fv, false, ok);
          }
        }
        free(full);
      } else {
        *ok = false;
      }
      if (*ok && !c->err) return st;
      kc_value_destroy(st);
      return NULL;
    }
  }
  *ok = false;
  return NULL;
}

kc_value_t *kc__avro_to_default_value(ctx_t *c, const kc_schema_t *s, const json_t *aj,
                                 const char *ns, const json_t *dv, bool *ok) {
  return default_value_at(c, s, aj, ns, dv, true, ok);
}

/* ---- decoding (toConnectData) ---- */

typedef struct dctx_s {
  kc_arena_t *a;
  char *errstr;
  size_t errstr_size;
} dctx_t;

/* Avro C's allocator hook, used for two guards while a datum is read:
 * - Avro C allocates what a datum's lengths and counts say before reading the bytes; no
 *   single block may exceed g_guard.limit, so a garbage length fails with ENOMEM instead of
 *   asking the system (and the sanitizers) for exabytes, and a huge count of zero-width array
 *   items stops instead of looping.
 * - Avro C 1.11 leaks the buffer of a string or bytes value whose read fails. Blocks
 *   allocated and not yet freed during the read are kept in a pointer set (reset in O(1) by a
 *   generation bump); after a failed read the scratch value is dropped, which frees what it
 *   owns, and what is left in the set is the leak, freed here. */
typedef struct { void *p; uint32_t gen; } slot_t;
static struct {
  size_t limit;          /* 0: none */
  bool tracking;
  slot_t *slots;
  size_t cap, used;      /* used: live + tombstones of this generation */
  uint32_t gen;
} g_guard;
#define TOMB ((void *)1)

static size_t slot_of(const void *p, size_t cap) {
  uintptr_t h = (uintptr_t)p;
  h ^= h >> 17;
  h *= 0x9E3779B97F4A7C15ULL;
  return (size_t)(h >> 7) & (cap - 1);
}

static void track_add(void *p);

static void track_grow(void) {
  slot_t *old = g_guard.slots;
  size_t ocap = g_guard.cap, cap = ocap ? ocap * 2 : 256;
  slot_t *n = calloc(cap, sizeof *n);
  if (!n) return; /* tracking is best effort; the read itself goes on */
  g_guard.slots = n;
  g_guard.cap = cap;
  g_guard.used = 0;
  for (size_t i = 0; i < ocap; i++)
    if (old[i].gen == g_guard.gen && old[i].p && old[i].p != TOMB) track_add(old[i].p);
  free(old);
}

static void track_add(void *p) {
  if ((g_guard.used + 1) * 2 > g_guard.cap) track_grow();
  if ((g_guard.used + 1) * 2 > g_guard.cap) return;
  size_t i = slot_of(p, g_guard.cap);
  while (g_guard.slots[i].gen == g_guard.gen && g_guard.slots[i].p)
    i = (i + 1) & (g_guard.cap - 1);
  g_guard.slots[i].p = p;
  g_guard.slots[i].gen = g_guard.gen;
  g_guard.used++;
}

static void track_del(void *p) {
  if (!g_guard.cap) return;
  size_t i = slot_of(p, g_guard.cap);
  while (g_guard.slots[i].gen == g_guard.gen && g_guard.slots[i].p) {
    if (g_guard.slots[i].p == p) {
      g_guard.slots[i].p = TOMB;
      return;
    }
    i = (i + 1) & (g_guard.cap - 1);
  }
}

static void track_reset(void) {
  if (++g_guard.gen == 0) { /* wrapped: stale slots could look current */
    memset(g_guard.slots, 0, g_guard.cap * sizeof *g_guard.slots);
    g_guard.gen = 1;
  }
  g_guard.used = 0;
}

/* ptr is read after realloc only when realloc failed and kept it; GCC 12's -Wuse-after-free
 * (reported at the function's end in the sanitizer builds) cannot tell, so it is off here. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuse-after-free"
#endif
static void *guarded_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
  (void)ud;
  if (g_guard.tracking && ptr) track_del(ptr);
  if (!nsize) {
    free(ptr);
    return NULL;
  }
  if (g_guard.limit && nsize > g_guard.limit && nsize > osize) {
    if (ptr && g_guard.tracking) track_add(ptr); /* a failed realloc keeps the old block */
    return NULL;
  }
  void *p = realloc(ptr, nsize);
  if (g_guard.tracking && (p || ptr)) track_add(p ? p : ptr);
  return p;
}

#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12
#pragma GCC diagnostic pop
#endif

static void install_allocator(void) {
  static bool done;
  if (!done) {
    avro_set_allocator(guarded_alloc, NULL);
    g_guard.gen = 1;
  }
  done = true;
}

/* After a failed read: a fresh scratch value, and the blocks Avro C lost freed. */
static int recover_scratch(kc_avro_schema_t *s) {
  avro_value_t fresh;
  g_guard.limit = 0;
  g_guard.tracking = false;
  int rc = avro_generic_value_new(s->iface, &fresh);
  if (rc) { /* cannot tell the lost blocks from the old value's: leave both */
    avro_value_reset(&s->scratch);
    track_reset();
    return KC_ENOMEM;
  }
  g_guard.tracking = true;
  avro_value_decref(&s->scratch); /* frees what it owns, which leaves the set */
  g_guard.tracking = false;
  s->scratch = fresh;
  for (size_t i = 0; i < g_guard.cap; i++) {
    slot_t *sl = &g_guard.slots[i];
    if (sl->gen == g_guard.gen && sl->p && sl->p != TOMB) free(sl->p);
  }
  track_reset();
  return 0;
}

static int derr(dctx_t *d, const char *fmt, const char *arg) {
  return kc_conv_errf(d->errstr, d->errstr_size, fmt, arg ? arg : "");
}

static kc_value_t *new_struct(dctx_t *d, kc_schema_t *s) {
  if (!d->a) return kc_value_new_struct(s);
  kc_value_t *v = kc__value_new_a(d->a, KC_TYPE_STRUCT);
  kc_value_t **vals = kc_arena_alloc(d->a, (s->nfields ? s->nfields : 1) * sizeof *vals);
  if (!v || !vals) return NULL;
  memset(vals, 0, (s->nfields ? s->nfields : 1) * sizeof *vals);
  v->u.st.schema = s; /* arena values borrow their schema; it outlives the arena's batch */
  v->u.st.vals = vals;
  return v;
}

/* A container with room for @p n items (and keys for MAP) allocated up front. */
static kc_value_t *new_container(dctx_t *d, kc_type_t t, size_t n) {
  kc_value_t *v = kc__value_new_a(d->a, t);
  if (!v || !n) return v;
  size_t bytes = n * sizeof(kc_value_t *);
  kc_value_t **p = d->a ? kc_arena_alloc(d->a, bytes) : calloc(n, sizeof *p);
  kc_value_t **q = t != KC_TYPE_MAP ? NULL : d->a ? kc_arena_alloc(d->a, bytes) : calloc(n, sizeof *q);
  if (!p || (t == KC_TYPE_MAP && !q)) {
    if (!d->a) {
      free(p);
      free(q);
      free(v);
    }
    return NULL;
  }
  if (t == KC_TYPE_MAP) {
    v->u.map.keys = p;
    v->u.map.vals = q;
    v->u.map.cap = n;
  } else {
    v->u.arr.items = p;
    v->u.arr.cap = n;
  }
  return v;
}

#define AV(call) \
  do { \
    if (call) return derr(d, "Error deserializing Avro message: %s", avro_strerror()); \
  } while (0)

static int conv(dctx_t *d, const plan_t *p, avro_value_t *av, kc_value_t **out);

static int conv_union(dctx_t *d, const plan_t *p, avro_value_t *av, kc_value_t **out) {
  int disc;
  avro_value_t br;
  AV(avro_value_get_discriminant(av, &disc));
  size_t nbranches = p->op == OP_UNION ? p->n : p->null_branch < 0 ? 1 : 2;
  if (disc < 0 || (size_t)disc >= nbranches) return derr(d, "Invalid union branch%s", "");
  if (disc == p->null_branch || (p->op == OP_UNION && !p->kids[disc])) return 0;
  AV(avro_value_get_current_branch(av, &br));
  if (p->op == OP_OPTIONAL) return conv(d, p->kids[0], &br, out);
  kc_value_t *v = NULL;
  int rc = conv(d, p->kids[disc], &br, &v);
  if (rc) return rc;
  const int *cand = p->cands[disc];
  int field = -1;
  for (size_t i = 0; cand[i] >= 0; i += 2) {
    if (cand[i + 1] < 0 || (v && (size_t)cand[i + 1] == v->u.str.len)) {
      field = cand[i];
      break;
    }
  }
  kc_value_t *st = field >= 0 ? new_struct(d, p->schema) : NULL;
  if (!st) {
    kc_value_destroy(v);
    return field < 0 ? derr(d, "Did not find matching union field for data%s", "")
                     : derr(d, "out of memory%s", "");
  }
  st->u.st.vals[field] = v;
  *out = st;
  return 0;
}

static int conv_entries(dctx_t *d, const plan_t *p, avro_value_t *av, kc_value_t *m, size_t n) {
  for (size_t i = 0; i < n; i++) {
    avro_value_t e, kf, vf;
    kc_value_t *k = NULL, *v = NULL;
    AV(avro_value_get_by_index(av, i, &e, NULL));
    AV(avro_value_get_by_index(&e, (size_t)p->key_pos, &kf, NULL));
    AV(avro_value_get_by_index(&e, (size_t)p->val_pos, &vf, NULL));
    int rc = conv(d, p->kids[0], &kf, &k);
    if (!rc) rc = conv(d, p->kids[1], &vf, &v);
    if (rc) {
      kc_value_destroy(k);
      kc_value_destroy(v);
      return rc;
    }
    size_t j = 0; /* HashMap.put: a repeated key replaces the earlier value */
    while (j < m->u.map.n && !kc_value_equal(m->u.map.keys[j], k)) j++;
    if (j < m->u.map.n) {
      kc_value_destroy(k);
      kc_value_destroy(m->u.map.vals[j]);
      m->u.map.vals[j] = v;
    } else {
      m->u.map.keys[m->u.map.n] = k;
      m->u.map.vals[m->u.map.n++] = v;
    }
  }
  return 0;
}

static int conv(dctx_t *d, const plan_t *p, avro_value_t *av, kc_value_t **out) {
  kc_value_t *v = NULL;
  const char *str;
  const void *buf;
  size_t size, n;
  *out = NULL;
  switch (p->op) {
    case OP_BOOL: {
      int b;
      AV(avro_value_get_boolean(av, &b));
      if ((v = kc__value_new_a(d->a, KC_TYPE_BOOLEAN))) v->u.b = b != 0;
      break;
    }
    case OP_INT: {
      int32_t i;
      AV(avro_value_get_int(av, &i));
      if ((v = kc__value_new_a(d->a, p->schema->type)))
        v->u.i = p->schema->type == KC_TYPE_INT8 ? (int8_t)i
                 : p->schema->type == KC_TYPE_INT16 ? (int16_t)i : i;
      break;
    }
    case OP_LONG: {
      int64_t l;
      AV(avro_value_get_long(av, &l));
      if ((v = kc__value_new_a(d->a, KC_TYPE_INT64))) v->u.i = l;
      break;
    }
    case OP_FLOAT: {
      float f;
      AV(avro_value_get_float(av, &f));
      if ((v = kc__value_new_a(d->a, KC_TYPE_FLOAT32))) v->u.f = f;
      break;
    }
    case OP_DOUBLE: {
      double f;
      AV(avro_value_get_double(av, &f));
      if ((v = kc__value_new_a(d->a, KC_TYPE_FLOAT64))) v->u.f = f;
      break;
    }
    case OP_STRING: /* Avro C's size counts the terminating NUL */
      AV(avro_value_get_string(av, &str, &size));
      v = kc__value_new_blob_a(d->a, KC_TYPE_STRING, str, size ? size - 1 : 0);
      break;
    case OP_BYTES:
    case OP_FIXED:
      if (p->op == OP_BYTES)
        AV(avro_value_get_bytes(av, &buf, &size));
      else
        AV(avro_value_get_fixed(av, &buf, &size));
      if (p->decimal && !size) return derr(d, "Zero length BigInteger%s", "");
      v = kc__value_new_blob_a(d->a, KC_TYPE_BYTES, buf, size);
      break;
    case OP_ENUM: {
      int sym;
      AV(avro_value_get_enum(av, &sym));
      if (sym < 0 || (size_t)sym >= p->nsym) return derr(d, "Invalid enum symbol index%s", "");
      v = kc__value_new_blob_a(d->a, KC_TYPE_STRING, p->symbols[sym], strlen(p->symbols[sym]));
      break;
    }
    case OP_ARRAY:
    case OP_MAP:
    case OP_ENTRIES: {
      if (p->op == OP_ENTRIES && p->schema->key_schema->type == KC_TYPE_STRING &&
          !p->schema->key_schema->optional) /* AvroData casts the array to a Map */
        return derr(d, "Invalid type for MAP: class org.apache.avro.generic.GenericData$Array%s", "");
      AV(avro_value_get_size(av, &n));
      if (!(v = new_container(d, p->op == OP_ARRAY ? KC_TYPE_ARRAY : KC_TYPE_MAP, n))) break;
      int rc = 0;
      if (p->op == OP_ENTRIES) {
        rc = conv_entries(d, p, av, v, n);
      } else {
        for (size_t i = 0; i < n && !rc; i++) {
          avro_value_t e;
          const char *key = NULL;
          if (avro_value_get_by_index(av, i, &e, &key)) {
            rc = derr(d, "Error deserializing Avro message: %s", avro_strerror());
            break;
          }
          kc_value_t *ev = NULL;
          if (p->op == OP_MAP) {
            kc_value_t *kv = kc__value_new_blob_a(d->a, KC_TYPE_STRING, key, strlen(key));
            if (!kv) {
              rc = derr(d, "out of memory%s", "");
              break;
            }
            v->u.map.keys[v->u.map.n] = kv;
            rc = conv(d, p->kids[0], &e, &ev);
            v->u.map.vals[v->u.map.n++] = ev;
          } else {
            rc = conv(d, p->kids[0], &e, &ev);
            v->u.arr.items[v->u.arr.n++] = ev;
          }
        }
      }
      if (rc) {
        kc_value_destroy(v);
        return rc;
      }
      break;
    }
    case OP_RECORD: {
      if (!(v = new_struct(d, p->schema))) break;
      for (size_t i = 0; i < p->n; i++) {
        avro_value_t f;
        int rc = avro_value_get_by_index(av, i, &f, NULL)
                     ? derr(d, "Error deserializing Avro message: %s", avro_strerror())
                     : conv(d, p->kids[i], &f, &v->u.st.vals[i]);
        if (rc) {
          kc_value_destroy(v);
          return rc;
        }
      }
      break;
    }
    case OP_OPTIONAL:
    case OP_UNION: return conv_union(d, p, av, out);
    case OP_ANYTHING: {
      /* AvroData's schemaless record: the first non-null of its fields, in declaration order */
      for (size_t i = 0; i < 9; i++) {
        avro_value_t f, br;
        int disc;
        AV(avro_value_get_by_index(av, i, &f, NULL));
        AV(avro_value_get_discriminant(&f, &disc));
        if (disc == 0) continue;
        AV(avro_value_get_current_branch(&f, &br));
        static const int ops[] = {OP_BOOL, OP_BYTES, OP_DOUBLE, OP_FLOAT, OP_INT, OP_LONG, OP_STRING};
        static kc_schema_t int32 = {-1, KC_TYPE_INT32, false, NULL, false, 0, NULL, NULL, 0, NULL, NULL, 0, NULL, NULL, NULL};
        if (i < 7) {
          plan_t prim = {.op = ops[i], .schema = &int32};
          return conv(d, &prim, &br, out);
        }
        AV(avro_value_get_size(&br, &n));
        if (!(v = new_container(d, i == 7 ? KC_TYPE_ARRAY : KC_TYPE_MAP, n))) break;
        int rc = 0;
        for (size_t k = 0; k < n && !rc; k++) {
          avro_value_t e, kf, vf;
          kc_value_t *ev = NULL, *kv = NULL;
          if (avro_value_get_by_index(&br, k, &e, NULL)) {
            rc = derr(d, "Error deserializing Avro message: %s", avro_strerror());
          } else if (i == 7) {
            rc = conv(d, p, &e, &ev);
            v->u.arr.items[v->u.arr.n++] = ev;
          } else if (avro_value_get_by_index(&e, 0, &kf, NULL) ||
                     avro_value_get_by_index(&e, 1, &vf, NULL)) {
            rc = derr(d, "Error deserializing Avro message: %s", avro_strerror());
          } else {
            rc = conv(d, p, &kf, &kv);
            if (!rc) rc = conv(d, p, &vf, &ev);
            v->u.map.keys[v->u.map.n] = kv;
            v->u.map.vals[v->u.map.n++] = ev;
          }
        }
        if (rc) {
          kc_value_destroy(v);
          return rc;
        }
        *out = v;
        return 0;
      }
      return 0;
    }
    default: return derr(d, "Unknown Avro plan node%s", "");
  }
  if (!v) return derr(d, "out of memory%s", "");
  *out = v;
  return 0;
}

/* ---- plan and cache ---- */

static bool is_anything(const kc_avro_schema_t *s) {
  static const char *const names[] = {"boolean", "bytes", "double", "float", "int",
                                      "long", "string", "array", "map"};
  const json_t *fl = jget(s->json, "fields");
  if (!s->full_name || strcmp(s->full_name, ANYTHING_NAME) || json_array_size(fl) != 9) return false;
  for (size_t i = 0; i < 9; i++) {
    const char *n = jstr(json_array_get(fl, i), "name");
    if (!n || strcmp(n, names[i])) return false;
  }
  return true;
}

/* Maps s->json to Connect and builds the decode plan (s->to_plan). */
static int make_plan(const kc_avro_data_t *ad, kc_avro_schema_t *s, int32_t version,
                     char *errstr, size_t errstr_size) {
  plan_root_t *pr = calloc(1, sizeof *pr);
  if (!pr) return KC_ENOMEM;
  ctx_t c = {.cfg = kc_avro_data_config(ad), .pr = pr, .top = s->json, .version = version,
             .errstr = errstr, .errstr_size = errstr_size};
  if (!(pr->reader = avro_reader_memory("", 0))) {
    kc__avro_to_plan_free(pr);
    return KC_ENOMEM;
  }
  if (is_anything(s)) {
    if (!(pr->root = kc__avro_to_pr_calloc(pr, 1, sizeof *pr->root))) c.err = KC_ENOMEM;
    else pr->root->op = OP_ANYTHING;
  } else if (!kc__avro_to_is_null_schema(s->json)) {
    /* "null": every datum is null, no Connect schema */
    pr->own = kc__avro_to_build(&c, s->json, "", false, NULL, NULL, &pr->root);
    if (!c.err && !pr->own) c.err = KC_ENOMEM;
  }
  for (size_t i = 0; i < c.nnames; i++) {
    free(c.names[i].full);
    free(c.names[i].ns);
  }
  free(c.names);
  if (c.err) {
    kc__avro_to_plan_free(pr);
    return c.err == KC_ENOMEM ? kc_conv_errf(errstr, errstr_size, "out of memory"), KC_ENOMEM
                              : c.err;
  }
  if (!s->connect) s->connect = kc_schema_incref(pr->own);
  s->to_plan = pr;
  s->to_plan_free = kc__avro_to_plan_free;
  return 0;
}

/* The to-Connect cache: FIFO of compiled schemas by text, schemas.cache.config entries. */
typedef struct to_cache_s {
  size_t cap, n, head;
  struct { uint64_t hash; int32_t version; kc_avro_schema_t *s; } *e;
} to_cache_t;

static void to_cache_free(void *p) {
  to_cache_t *tc = p;
  for (size_t i = 0; i < tc->n; i++) kc_avro_schema_decref(tc->e[(tc->head + i) % tc->cap].s);
  free(tc->e);
  free(tc);
}

static uint64_t text_hash(const char *t, size_t n) {
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)t[i]) * 1099511628211ULL;
  return h;
}

int kc_avro_schema_parse(kc_avro_data_t *ad, const char *text, size_t len, kc_avro_schema_t **out,
                         char *errstr, size_t errstr_size) {
  return kc_avro_schema_parse_version(ad, text, len, -1, out, errstr, errstr_size);
}

/**
 * kc_avro_schema_parse() for a schema whose Schema Registry version is known: AvroData's
 * toConnectData(avroSchema, value, version), as the AvroConverter calls it with the version
 * its deserializer looked up. The top-level Connect schema gets @p version unless the schema
 * has connect.version (a logical-type top level with another version is rejected, as Java
 * does). -1: none. Cached by (text, version). Returns as kc_avro_schema_parse().
 */
int kc_avro_schema_parse_version(kc_avro_data_t *ad, const char *text, size_t len,
                                 int32_t version, kc_avro_schema_t **out, char *errstr,
                                 size_t errstr_size) {
  *out = NULL;
  install_allocator();
  kc_avro_cache_slot_t *slot = kc__avro_data_to_cache(ad);
  to_cache_t *tc = slot->cache;
  int cap = kc_avro_data_config(ad)->schemas_cache_size;
  if (!tc && cap > 0) {
    if (!(tc = calloc(1, sizeof *tc)) || !(tc->e = calloc((size_t)cap, sizeof *tc->e))) {
      free(tc);
      return KC_ENOMEM;
    }
    tc->cap = (size_t)cap;
    slot->cache = tc;
    slot->free_fn = to_cache_free;
  }
  uint64_t h = text_hash(text, len);
  for (size_t i = 0; tc && i < tc->n; i++) {
    kc_avro_schema_t *s = tc->e[(tc->head + i) % tc->cap].s;
    if (tc->e[(tc->head + i) % tc->cap].hash == h &&
        tc->e[(tc->head + i) % tc->cap].version == version && s->text_len == len &&
        !memcmp(s->text, text, len)) {
      *out = kc_avro_schema_incref(s);
      return 0;
    }
  }
  kc_avro_schema_t *s;
  int rc = kc_avro_schema_compile(text, len, &s, errstr, errstr_size);
  if (rc) return rc;
  if ((rc = make_plan(ad, s, version, errstr, errstr_size))) {
    kc_avro_schema_decref(s);
    return rc;
  }
  if (tc) {
    if (tc->n == tc->cap) { /* evict the oldest */
      kc_avro_schema_decref(tc->e[tc->head].s);
      tc->head = (tc->head + 1) % tc->cap;
      tc->n--;
    }
    size_t at = (tc->head + tc->n++) % tc->cap;
    tc->e[at].hash = h;
    tc->e[at].version = version;
    tc->e[at].s = kc_avro_schema_incref(s);
  }
  *out = s;
  return 0;
}

int kc_avro_decode(kc_avro_data_t *ad, kc_avro_schema_t *s, kc_arena_t *arena, const void *data,
                   size_t len, kc_value_t **out, char *errstr, size_t errstr_size) {
  *out = NULL;
  install_allocator();
  if (!s->to_plan) {
    int rc = make_plan(ad, s, -1, errstr, errstr_size);
    if (rc) return rc;
  }
  plan_root_t *pr = s->to_plan;
  if (!pr->root) return 0; /* the "null" schema */
  avro_reader_memory_set_source(pr->reader, data ? data : "", (int64_t)len);
  g_guard.limit = 64 * len + 65536;
  g_guard.tracking = true;
  int rc = avro_value_read(pr->reader, &s->scratch);
  if (rc) {
    kc_conv_errf(errstr, errstr_size, "Error deserializing Avro message: %s", avro_strerror());
    return recover_scratch(s) ? KC_ENOMEM : KC_ECONVERT;
  }
  g_guard.limit = 0;
  g_guard.tracking = false;
  track_reset();
  dctx_t d = {arena, errstr, errstr_size};
  return conv(&d, pr->root, &s->scratch, out);
}
