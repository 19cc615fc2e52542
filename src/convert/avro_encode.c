/*
 * AvroData, Connect -> Avro, the value side (Confluent schema-registry 7.9.9
 * AvroData.fromConnectData) and the fromConnectSchema cache. A schema is turned into Avro once
 * (avro_from_connect.c) and, beside the compiled schema, into a plan (union branch indices, enum
 * symbols, fixed sizes) so encoding a record is a walk beside the Connect schema filling Avro C's
 * generic value, without looking anything up; the bytes come from avro_value_write.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/avro_from_internal.h"

/* ANYTHING_SCHEMA.toString(): the schema of schemaless values (field order is the index). */
static const char ANYTHING_TEXT[] =
    "{\"type\":\"record\",\"name\":\"Anything\",\"namespace\":\"" NS "\",\"fields\":["
    "{\"name\":\"boolean\",\"type\":[\"null\",\"boolean\"],\"default\":null},"
    "{\"name\":\"bytes\",\"type\":[\"null\",\"bytes\"],\"default\":null},"
    "{\"name\":\"double\",\"type\":[\"null\",\"double\"],\"default\":null},"
    "{\"name\":\"float\",\"type\":[\"null\",\"float\"],\"default\":null},"
    "{\"name\":\"int\",\"type\":[\"null\",\"int\"],\"default\":null},"
    "{\"name\":\"long\",\"type\":[\"null\",\"long\"],\"default\":null},"
    "{\"name\":\"string\",\"type\":[\"null\",\"string\"],\"default\":null},"
    "{\"name\":\"array\",\"type\":[\"null\",{\"type\":\"array\",\"items\":\"Anything\"}],"
    "\"default\":null},"
    "{\"name\":\"map\",\"type\":[\"null\",{\"type\":\"array\",\"items\":{\"type\":\"record\","
    "\"name\":\"MapEntry\",\"fields\":[{\"name\":\"key\",\"type\":\"Anything\"},"
    "{\"name\":\"value\",\"type\":\"Anything\"}]}}],\"default\":null}]}";
enum { ANY_BOOLEAN, ANY_BYTES, ANY_DOUBLE, ANY_FLOAT, ANY_INT, ANY_LONG, ANY_STRING, ANY_ARRAY,
       ANY_MAP, ANY_NFIELDS };

/* ---- the encoding plan ---- */

typedef enum { P_ANY, P_BOOL, P_INT, P_LONG, P_FLOAT, P_DOUBLE, P_STRING, P_ENUM, P_BYTES,
               P_DECIMAL, P_FIXED, P_ARRAY, P_MAP, P_ENTRIES, P_RECORD, P_UNION } pk_t;
typedef struct pn_s {
  pk_t kind;
  int nullb, valb;     /* branches of an optional value's union, -1 when none */
  const char *logical; /* "Decimal", "Date"... for Java's logical-type messages */
  int32_t size;        /* FIXED */
  size_t n;
  struct pn_s **kids;  /* RECORD/UNION: per field; ARRAY: item; MAP: value; ENTRIES: key, value */
  int *branches;       /* UNION: the branch of each field */
  const char **symbols;
} pn_t;

typedef struct {
  kc_arena_t arena;
  pn_t *root;
  avro_writer_t writer;
  size_t last_size; /* of the previous datum: the room tried first */
} plan_t;

static void plan_free(void *p) {
  plan_t *pl = p;
  if (pl->writer) avro_writer_free(pl->writer);
  kc_arena_free(&pl->arena);
  free(pl);
}

static const char *logical_short(const kc_schema_t *s) {
  static const char *const names[][2] = {{KC_LOGICAL_DECIMAL, "Decimal"}, {KC_LOGICAL_DATE, "Date"},
                                         {KC_LOGICAL_TIME, "Time"}, {KC_LOGICAL_TIMESTAMP, "Timestamp"}};
  for (size_t i = 0; s->name && i < 4; i++)
    if (!strcmp(s->name, names[i][0])) return names[i][1];
  return NULL;
}

static pn_t *plan(fc_t *c, const kc_schema_t *s, const an_t *a, bool forced_required) {
  pn_t *p = aa(c, sizeof *p);
  if (!p) return NULL;
  p->nullb = p->valb = -1;
  p->logical = logical_short(s);
  bool optional = s->optional && !forced_required;
  if (is_union_struct(s)) {
    p->kind = P_UNION;
    size_t off = optional ? 1 : 0;
    if (optional) p->nullb = 0;
    p->n = s->nfields;
    p->kids = aa(c, (s->nfields + 1) * sizeof *p->kids);
    p->branches = aa(c, (s->nfields + 1) * sizeof *p->branches);
    for (size_t i = 0; p->kids && p->branches && i < s->nfields; i++) {
      p->branches[i] = (int)(i + off);
      p->kids[i] = plan(c, s->fields[i].schema, a->kids[i + off], true);
    }
    return c->err ? NULL : p;
  }
  if (optional) {
    p->nullb = a->kids[0]->t == A_NULL ? 0 : 1;
    p->valb = 1 - p->nullb;
    a = a->kids[p->valb];
  }
  static const pk_t by_type[] = {
      [KC_TYPE_INT8] = P_INT, [KC_TYPE_INT16] = P_INT, [KC_TYPE_INT32] = P_INT,
      [KC_TYPE_INT64] = P_LONG, [KC_TYPE_FLOAT32] = P_FLOAT, [KC_TYPE_FLOAT64] = P_DOUBLE,
      [KC_TYPE_BOOLEAN] = P_BOOL, [KC_TYPE_STRING] = P_STRING, [KC_TYPE_BYTES] = P_BYTES,
      [KC_TYPE_ARRAY] = P_ARRAY, [KC_TYPE_MAP] = P_MAP, [KC_TYPE_STRUCT] = P_RECORD};
  p->kind = by_type[s->type];
  if (a->t == A_ENUM) { /* the tree's arena dies after the build: copy into the plan's */
    p->kind = P_ENUM, p->n = a->nkids;
    if ((p->symbols = aa(c, (a->nkids + 1) * sizeof *p->symbols)))
      for (size_t i = 0; i < a->nkids; i++)
        p->symbols[i] = adup(c, a->symbols[i], strlen(a->symbols[i]));
  }
  if (p->kind == P_BYTES && a->t == A_FIXED) p->kind = P_FIXED, p->size = a->size;
  if (p->kind == P_BYTES && p->logical && !strcmp(p->logical, "Decimal")) p->kind = P_DECIMAL;
  if (p->kind == P_MAP && a->t == A_ARRAY) p->kind = P_ENTRIES;
  switch (p->kind) {
    case P_ARRAY:
    case P_MAP:
      p->n = 1;
      if ((p->kids = aa(c, sizeof *p->kids))) p->kids[0] = plan(c, s->value_schema, a->kids[0], false);
      break;
    case P_ENTRIES:
      p->n = 2;
      if ((p->kids = aa(c, 2 * sizeof *p->kids))) {
        p->kids[0] = plan(c, s->key_schema, a->kids[0]->fields[0].type, false);
        p->kids[1] = plan(c, s->value_schema, a->kids[0]->fields[1].type, false);
      }
      break;
    case P_RECORD:
      p->n = s->nfields;
      p->kids = aa(c, (s->nfields + 1) * sizeof *p->kids);
      for (size_t i = 0; p->kids && i < s->nfields; i++)
        p->kids[i] = plan(c, s->fields[i].schema, a->fields[i].type, false);
      break;
    default: break;
  }
  return c->err ? NULL : p;
}

/* ---- fromConnectData + the Avro C value ---- */

typedef struct {
  char *errstr;
  size_t errsz;
} enc_t;

static int avro_err(enc_t *e) {
  return kc_conv_errf(e->errstr, e->errsz, "Avro encoding failed: %s", avro_strerror());
}
#define AV(call) \
  do {           \
    if (call) return avro_err(e); \
  } while (0)

static const char *type_upper(kc_type_t t) {
  static const char *const n[] = {"INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64",
                                  "BOOLEAN", "STRING", "BYTES", "ARRAY", "MAP", "STRUCT"};
  return n[t];
}

/* A schemaless value inside AvroData's Anything record. */
static int enc_any(enc_t *e, const kc_value_t *v, avro_value_t *rec) {
  int idx = -1;
  if (v) switch (v->type) {
      case KC_TYPE_INT8: case KC_TYPE_INT16: case KC_TYPE_INT32: idx = ANY_INT; break;
      case KC_TYPE_INT64: idx = ANY_LONG; break;
      case KC_TYPE_FLOAT32: idx = ANY_FLOAT; break;
      case KC_TYPE_FLOAT64: idx = ANY_DOUBLE; break;
      case KC_TYPE_BOOLEAN: idx = ANY_BOOLEAN; break;
      case KC_TYPE_STRING: idx = ANY_STRING; break;
      case KC_TYPE_ARRAY: idx = ANY_ARRAY; break;
      case KC_TYPE_MAP: idx = ANY_MAP; break;
      default: /* byte[] and Struct are not among schemaTypeForSchemalessJavaType's types */
        return kc_conv_errf(e->errstr, e->errsz, "Unknown Java type for schemaless data: class %s",
                            kc_value_java_class(v));
    }
  avro_value_t u, b, x, y;
  for (int f = 0; f < ANY_NFIELDS; f++) {
    AV(avro_value_get_by_index(rec, (size_t)f, &u, NULL));
    AV(avro_value_set_branch(&u, f == idx, &b));
    if (f != idx) {
      AV(avro_value_set_null(&b));
      continue;
    }
    switch (f) {
      case ANY_INT: AV(avro_value_set_int(&b, (int32_t)v->u.i)); break;
      case ANY_LONG: AV(avro_value_set_long(&b, v->u.i)); break;
      case ANY_FLOAT: AV(avro_value_set_float(&b, (float)v->u.f)); break;
      case ANY_DOUBLE: AV(avro_value_set_double(&b, v->u.f)); break;
      case ANY_BOOLEAN: AV(avro_value_set_boolean(&b, v->u.b)); break;
      case ANY_STRING: AV(avro_value_set_string_len(&b, v->u.str.ptr, v->u.str.len + 1)); break;
      case ANY_ARRAY:
        for (size_t i = 0; i < v->u.arr.n; i++) {
          AV(avro_value_append(&b, &x, NULL));
          int rc = enc_any(e, v->u.arr.items[i], &x);
          if (rc) return rc;
        }
        break;
      case ANY_MAP:
        for (size_t i = 0; i < v->u.map.n; i++) {
          AV(avro_value_append(&b, &x, NULL));
          AV(avro_value_get_by_index(&x, 0, &y, NULL));
          int rc = enc_any(e, v->u.map.keys[i], &y);
          if (rc) return rc;
          AV(avro_value_get_by_index(&x, 1, &y, NULL));
          if ((rc = enc_any(e, v->u.map.vals[i], &y))) return rc;
        }
        break;
    }
  }
  return 0;
}

static int enc(enc_t *e, const pn_t *p, const kc_schema_t *cs, const kc_value_t *v,
               avro_value_t *av) {
  if (p->kind == P_ANY) return enc_any(e, v, av);
  avro_value_t inner, x, y;
  if (!v && p->kind != P_UNION) {
    if (p->nullb < 0)
      return kc_conv_errf(e->errstr, e->errsz, "Found null value for non-optional schema");
    AV(avro_value_set_branch(av, p->nullb, &inner));
    AV(avro_value_set_null(&inner));
    return 0;
  }
  if (p->valb >= 0) {
    AV(avro_value_set_branch(av, p->valb, &inner));
    av = &inner;
  }
  if (v && p->logical && v->type != cs->type)
    return kc_conv_errf(e->errstr, e->errsz, "Invalid type for %s, expected %s but was class %s",
                        p->logical, !strcmp(p->logical, "Decimal") ? "BigDecimal" : "Date",
                        kc_value_java_class(v));
  if (v && v->type != cs->type)
    return kc_conv_errf(e->errstr, e->errsz, "Invalid type for %s: class %s", type_upper(cs->type),
                        kc_value_java_class(v));
  switch (p->kind) {
    case P_BOOL: AV(avro_value_set_boolean(av, v->u.b)); return 0;
    case P_INT: AV(avro_value_set_int(av, (int32_t)v->u.i)); return 0;
    case P_LONG: AV(avro_value_set_long(av, v->u.i)); return 0;
    case P_FLOAT: AV(avro_value_set_float(av, (float)v->u.f)); return 0;
    case P_DOUBLE: AV(avro_value_set_double(av, v->u.f)); return 0;
    case P_STRING: AV(avro_value_set_string_len(av, v->u.str.ptr, v->u.str.len + 1)); return 0;
    case P_BYTES: AV(avro_value_set_bytes(av, v->u.str.ptr, v->u.str.len)); return 0;
    case P_DECIMAL: { /* BigInteger.toByteArray: the shortest two's complement */
      const unsigned char *d = (const unsigned char *)v->u.str.ptr;
      size_t n = decimal_min(&d, v->u.str.len);
      AV(avro_value_set_bytes(av, (void *)d, n));
      return 0;
    }
    case P_FIXED: /* GenericDatumWriter writes the fixed size from the array */
      if (v->u.str.len < (size_t)p->size)
        return kc_conv_errf(e->errstr, e->errsz, "Fixed size %d larger than the value's %zu bytes",
                            (int)p->size, v->u.str.len);
      AV(avro_value_set_fixed(av, v->u.str.ptr, (size_t)p->size));
      return 0;
    case P_ENUM:
      for (size_t i = 0; i < p->n; i++)
        if (strlen(p->symbols[i]) == v->u.str.len && !memcmp(p->symbols[i], v->u.str.ptr, v->u.str.len)) {
          AV(avro_value_set_enum(av, (int)i));
          return 0;
        }
      return kc_conv_errf(e->errstr, e->errsz, "enum value '%s' is not in the enum symbol set",
                          v->u.str.ptr);
    case P_ARRAY:
      for (size_t i = 0; i < v->u.arr.n; i++) {
        AV(avro_value_append(av, &x, NULL));
        int rc = enc(e, p->kids[0], cs->value_schema, v->u.arr.items[i], &x);
        if (rc) return rc;
      }
      return 0;
    case P_MAP:
      for (size_t i = 0; i < v->u.map.n; i++) {
        const kc_value_t *k = v->u.map.keys[i];
        if (!k || k->type != KC_TYPE_STRING)
          return kc_conv_errf(e->errstr, e->errsz, "Invalid type for MAP: class %s",
                              kc_value_java_class(k));
        AV(avro_value_add(av, k->u.str.ptr, &x, NULL, NULL));
        int rc = enc(e, p->kids[0], cs->value_schema, v->u.map.vals[i], &x);
        if (rc) return rc;
      }
      return 0;
    case P_ENTRIES:
      for (size_t i = 0; i < v->u.map.n; i++) {
        AV(avro_value_append(av, &x, NULL));
        AV(avro_value_get_by_index(&x, 0, &y, NULL));
        int rc = enc(e, p->kids[0], cs->key_schema, v->u.map.keys[i], &y);
        if (rc) return rc;
        AV(avro_value_get_by_index(&x, 1, &y, NULL));
        if ((rc = enc(e, p->kids[1], cs->value_schema, v->u.map.vals[i], &y))) return rc;
      }
      return 0;
    case P_RECORD:
    case P_UNION:
      if (v && v->u.st.schema != cs && !kc_schema_equal(v->u.st.schema, cs))
        return kc_conv_errf(e->errstr, e->errsz, "Mismatching struct schema");
      if (p->kind == P_UNION) { /* the first non-null field picks the branch */
        for (size_t i = 0; v && i < p->n; i++) {
          const kc_value_t *fv = field_value(v, i);
          if (!fv) continue;
          AV(avro_value_set_branch(av, p->branches[i], &x));
          return enc(e, p->kids[i], cs->fields[i].schema, fv, &x);
        }
        if (p->nullb < 0)
          return kc_conv_errf(e->errstr, e->errsz, "Found null value for non-optional schema");
        AV(avro_value_set_branch(av, p->nullb, &x));
        AV(avro_value_set_null(&x));
        return 0;
      }
      for (size_t i = 0; i < p->n; i++) {
        AV(avro_value_get_by_index(av, i, &x, NULL));
        int rc = enc(e, p->kids[i], cs->fields[i].schema, field_value(v, i), &x);
        if (rc) return rc;
      }
      return 0;
    default: return 0;
  }
}

/* ---- the fromConnectSchema cache ---- */

typedef struct {
  kc_schema_t *key; /* a reference: a freed key's address cannot come back as a false hit */
  kc_avro_schema_t *s;
  uint64_t used;
} ce_t;
typedef struct {
  ce_t *e;
  size_t n;
  uint64_t tick;
  kc_avro_schema_t *anything; /* the null schema's */
} fcache_t;

static void fcache_free(void *p) {
  fcache_t *fc = p;
  for (size_t i = 0; i < fc->n; i++) {
    kc_schema_decref(fc->e[i].key);
    kc_avro_schema_decref(fc->e[i].s);
  }
  kc_avro_schema_decref(fc->anything);
  free(fc->e);
  free(fc);
}

static fcache_t *fcache(kc_avro_data_t *ad) {
  kc_avro_cache_slot_t *slot = kc__avro_data_from_cache(ad);
  if (!slot->cache) {
    fcache_t *fc = calloc(1, sizeof *fc);
    int cap = kc_avro_data_config(ad)->schemas_cache_size;
    if (!fc || (cap > 0 && !(fc->e = calloc((size_t)cap, sizeof *fc->e)))) {
      free(fc);
      return NULL;
    }
    slot->cache = fc;
    slot->free_fn = fcache_free;
  }
  return slot->cache;
}

/* Adds key -> s, evicting the least recently used entry when full (BoundedConcurrentHashMap). */
static void fcache_put(kc_avro_data_t *ad, fcache_t *fc, const kc_schema_t *key,
                       kc_avro_schema_t *s) {
  size_t cap = (size_t)kc_avro_data_config(ad)->schemas_cache_size, at = fc->n;
  if (!cap) return;
  if (fc->n == cap) {
    at = 0;
    for (size_t i = 1; i < fc->n; i++)
      if (fc->e[i].used < fc->e[at].used) at = i;
    kc_schema_decref(fc->e[at].key);
    kc_avro_schema_decref(fc->e[at].s);
  } else {
    fc->n++;
  }
  fc->e[at] = (ce_t){kc_schema_incref((kc_schema_t *)key), kc_avro_schema_incref(s), ++fc->tick};
}

static int build(kc_avro_data_t *ad, const kc_schema_t *schema, kc_avro_schema_t **out,
                 char *errstr, size_t errstr_size) {
  plan_t *pl = calloc(1, sizeof *pl);
  kc_arena_t tmp = KC_ARENA_INIT;
  kc_buf_t text;
  kc_buf_init(&text, 0);
  if (!pl) return KC_ENOMEM;
  fc_t c = {.ad = ad, .cfg = kc_avro_data_config(ad), .ar = &tmp, .errstr = errstr,
            .errsz = errstr_size};
  an_t *a = schema ? kc__avro_from_tree(&c, schema) : NULL;
  int rc = c.err;
  if (!rc) rc = a ? kc__avro_from_print(&c, a, &text) : kc_buf_puts(&text, ANYTHING_TEXT);
  if (!rc) rc = c.err;
  kc_avro_schema_t *s = NULL;
  if (!rc) rc = kc_avro_schema_compile(text.data, text.len, &s, errstr, errstr_size);
  if (!rc) {
    fc_t pc = {.ad = ad, .cfg = c.cfg, .ar = &pl->arena};
    pl->root = a ? plan(&pc, schema, a, false) : aa(&pc, sizeof *pl->root); /* P_ANY is 0 */
    pl->writer = avro_writer_memory(NULL, 0);
    rc = pc.err ? pc.err : (!pl->root || !pl->writer) ? KC_ENOMEM : 0;
  }
  kc_arena_free(&tmp);
  kc_buf_free(&text);
  if (rc) {
    plan_free(pl);
    kc_avro_schema_decref(s);
    return rc;
  }
  s->from_plan = pl;
  s->from_plan_free = plan_free;
  s->connect = kc_schema_incref((kc_schema_t *)schema);
  *out = s;
  return 0;
}

int kc_avro_schema_from_connect(kc_avro_data_t *ad, const kc_schema_t *schema,
                                kc_avro_schema_t **out, char *errstr, size_t errstr_size) {
  *out = NULL;
  fcache_t *fc = fcache(ad);
  if (!fc) return KC_ENOMEM;
  if (!schema && fc->anything) {
    *out = kc_avro_schema_incref(fc->anything);
    return 0;
  }
  for (size_t i = 0; schema && i < fc->n; i++)
    if (fc->e[i].key == schema) {
      fc->e[i].used = ++fc->tick;
      *out = kc_avro_schema_incref(fc->e[i].s);
      return 0;
    }
  for (size_t i = 0; schema && i < fc->n; i++)
    if (kc_schema_equal(fc->e[i].key, schema)) {
      kc_avro_schema_t *s = kc_avro_schema_incref(fc->e[i].s);
      fc->e[i].used = ++fc->tick;
      fcache_put(ad, fc, schema, s); /* next time this pointer hits without a deep compare */
      *out = s;
      return 0;
    }
  kc_avro_schema_t *s;
  int rc = build(ad, schema, &s, errstr, errstr_size);
  if (rc) return rc;
  if (!schema)
    fc->anything = kc_avro_schema_incref(s);
  else
    fcache_put(ad, fc, schema, s);
  *out = s;
  return 0;
}

int kc_avro_encode(kc_avro_data_t *ad, kc_avro_schema_t *s, const kc_schema_t *schema,
                   const kc_value_t *value, kc_buf_t *out, char *errstr, size_t errstr_size) {
  (void)ad;
  plan_t *pl = s->from_plan;
  if (!pl || s->from_plan_free != plan_free)
    return kc_conv_errf(errstr, errstr_size, "Avro schema was not made by fromConnectSchema");
  if (!schema && pl->root->kind != P_ANY)
    return kc_conv_errf(errstr, errstr_size, "Found null value for non-optional schema");
  enc_t e = {errstr, errstr_size};
  avro_value_reset(&s->scratch);
  int rc = enc(&e, pl->root, schema, value, &s->scratch);
  if (rc) return rc;
  /* Write straight into the buffer's spare room (sized by the last datum); only a datum that
   * does not fit pays for avro_value_sizeof's extra walk and a second write. */
  size_t size;
  if ((rc = kc_buf_reserve(out, pl->last_size + 16))) return rc;
  size_t room = out->cap - out->len - 1;
  if (out->limit && room > out->limit - out->len) room = out->limit - out->len;
  avro_writer_memory_set_dest(pl->writer, out->data + out->len, (int64_t)room);
  if (!avro_value_write(pl->writer, &s->scratch)) {
    size = (size_t)avro_writer_tell(pl->writer);
  } else {
    if (avro_value_sizeof(&s->scratch, &size)) return avro_err(&e);
    if ((rc = kc_buf_reserve(out, size))) return rc;
    avro_writer_memory_set_dest(pl->writer, out->data + out->len, (int64_t)size);
    if (avro_value_write(pl->writer, &s->scratch)) return avro_err(&e);
  }
  pl->last_size = size;
  out->len += size;
  out->data[out->len] = '\0';
  return 0;
}
