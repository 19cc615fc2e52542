/*
 * AvroData, reading direction (Confluent schema-registry 7.9 AvroData.toConnectSchema and
 * toConnectData): an Avro schema JSON becomes a Connect schema plus a decode plan, and each
 * datum is read by Avro C into the schema's scratch generic value and walked with that plan.
 *
 * The schema mapping reads the JSON, not Avro C's schema, because Avro C drops the properties
 * AvroData reads (connect.*, logicalType, precision...). Both describe the same tree, so plan
 * node i of a record is Avro C field i, plan node b of a union is Avro C branch b.
 *
 * Not supported: recursive (self-referencing) records other than AvroData's own Anything
 * schema. Java represents them with a cyclic Connect schema (CyclicSchemaWrapper); a
 * reference-counted kc_schema_t cannot hold a cycle, so they are rejected with KC_ECONVERT.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "convert/avro_data.h"
#include "convert/converter.h"
#include "convert/converter_internal.h"
#include "data/value_internal.h"

#define NS "io.confluent.connect.avro"
#define UNION_NAME NS ".Union"
#define ENUM_PARAM NS ".Enum"
#define ANYTHING_NAME NS ".Anything"

/* ---- decode plan ---- */

enum {
  OP_BOOL, OP_INT, OP_LONG, OP_FLOAT, OP_DOUBLE, OP_STRING, OP_BYTES, OP_FIXED, OP_ENUM,
  OP_ARRAY, OP_MAP, OP_ENTRIES, OP_RECORD, OP_OPTIONAL, OP_UNION, OP_ANYTHING
};

typedef struct plan_s plan_t;
struct plan_s {
  int op;
  bool decimal;          /* BYTES/FIXED with a Decimal schema: BigInteger refuses 0 bytes */
  kc_schema_t *schema;   /* borrowed from the plan's Connect schema tree */
  size_t n;              /* kids (record fields, union branches, 1 for array/map/optional) */
  plan_t **kids;
  int null_branch;       /* OPTIONAL: the union's null branch, -1 for a flattened singleton */
  int key_pos, val_pos;  /* ENTRIES: positions of key and value in the entry record */
  const char **symbols;  /* ENUM: borrowed from the schema JSON */
  size_t nsym;
  /* UNION: per Avro branch, the Connect fields a value of that branch can land in, in
   * AvroData's order, as (field, required byte length or -1) pairs ended by field -1. Java
   * picks the first field whose type accepts the value's Java class, so a bytes value goes to
   * a fixed-size field only when its length matches. NULL for the null branch. */
  int **cands;
};

typedef struct plan_root_s {
  plan_t *root;
  void **allocs;         /* every block of the plan, freed together */
  size_t nallocs, cap;
  kc_schema_t *own;      /* the Connect schema the plan borrows from (a reference) */
  avro_reader_t reader;  /* memory reader reused by every decode */
} plan_root_t;

static void plan_root_free(void *p) {
  plan_root_t *r = p;
  if (!r) return;
  for (size_t i = 0; i < r->nallocs; i++) free(r->allocs[i]);
  free(r->allocs);
  kc_schema_decref(r->own);
  if (r->reader) avro_reader_free(r->reader);
  free(r);
}

static void *pr_calloc(plan_root_t *r, size_t n, size_t size) {
  if (!r) return NULL;
  if (r->nallocs == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    void **a = realloc(r->allocs, cap * sizeof *a);
    if (!a) return NULL;
    r->allocs = a;
    r->cap = cap;
  }
  void *p = calloc(n ? n : 1, size);
  if (p) r->allocs[r->nallocs++] = p;
  return p;
}

/* ---- schema mapping (toConnectSchema) ---- */

typedef struct named_s {
  char *full;
  const json_t *def;
  char *ns;              /* namespace the definition's own nested names resolve in */
  bool busy;             /* being mapped: a reference now is a cycle */
} named_t;

typedef struct ctx_s {
  const kc_avro_data_config_t *cfg;
  named_t *names;
  size_t nnames, cap;
  plan_root_t *pr;       /* NULL while mapping twins (schemas for struct defaults) */
  const json_t *top;     /* the whole schema: the registry version applies to it alone */
  int32_t version;       /* that version, -1 for none */
  bool twin_opt;         /* how the schema whose default is being read was asked for */
  const char *twin_doc;
  char *errstr;
  size_t errstr_size;
  int err;
} ctx_t;

static kc_schema_t *fail(ctx_t *c, int err, const char *fmt, const char *arg) {
  if (!c->err) {
    c->err = err;
    if (err == KC_ENOMEM)
      kc_conv_errf(c->errstr, c->errstr_size, "out of memory");
    else
      kc_conv_errf(c->errstr, c->errstr_size, fmt, arg ? arg : "");
  }
  return NULL;
}
#define NOMEM(c) fail((c), KC_ENOMEM, "", NULL)

static const char *jstr(const json_t *o, const char *k) {
  return json_is_object(o) ? json_string_value(json_object_get(o, k)) : NULL;
}
static const json_t *jget(const json_t *o, const char *k) {
  return json_is_object(o) ? json_object_get(o, k) : NULL;
}

/* Number.intValue of a JSON number (saturating where Java would wrap; never undefined). */
static int32_t jint(const json_t *v) {
  double d = json_is_integer(v) ? (double)json_integer_value(v) : json_real_value(v);
  if (json_is_integer(v) && json_integer_value(v) >= INT32_MIN && json_integer_value(v) <= INT32_MAX)
    return (int32_t)json_integer_value(v);
  return d != d ? 0 : d >= 2147483647.0 ? INT32_MAX : d <= -2147483648.0 ? INT32_MIN : (int32_t)d;
}

static bool is_primitive(const char *t) {
  static const char *const prims[] = {"null", "boolean", "int", "long", "float",
                                      "double", "bytes", "string", NULL};
  for (int i = 0; prims[i]; i++)
    if (!strcmp(t, prims[i])) return true;
  return false;
}

static char *full_name(const char *name, const char *ns_attr, const char *ns) {
  if (strchr(name, '.')) return strdup(name);
  const char *space = ns_attr ? ns_attr : ns;
  if (!space || !*space) return strdup(name);
  size_t n = strlen(space) + strlen(name) + 2;
  char *out = malloc(n);
  if (out) snprintf(out, n, "%s.%s", space, name);
  return out;
}

static named_t *name_find(ctx_t *c, const char *full) {
  for (size_t i = 0; i < c->nnames; i++)
    if (!strcmp(c->names[i].full, full)) return &c->names[i];
  return NULL;
}

/* Records a named type's definition; the namespace of its full name is the one its nested
 * definitions and references resolve in (Avro's rule). @returns the entry or NULL (ENOMEM). */
static named_t *name_define(ctx_t *c, char *full, const json_t *def) {
  named_t *e = name_find(c, full);
  if (e) {
    free(full);
    e->def = def;
    return e;
  }
  if (c->nnames == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 8;
    named_t *n = realloc(c->names, cap * sizeof *n);
    if (!n) {
      free(full);
      return NULL;
    }
    c->names = n;
    c->cap = cap;
  }
  e = &c->names[c->nnames];
  const char *dot = strrchr(full, '.');
  e->ns = dot ? strndup(full, (size_t)(dot - full)) : strdup("");
  if (!e->ns) {
    free(full);
    return NULL;
  }
  e->full = full;
  e->def = def;
  e->busy = false;
  c->nnames++;
  return e;
}

static const char *short_name(const char *full) {
  const char *dot = strrchr(full, '.');
  return dot ? dot + 1 : full;
}

static bool is_null_schema(const json_t *j) {
  const char *t = json_is_string(j) ? json_string_value(j) : jstr(j, "type");
  return t && !strcmp(t, "null");
}

static plan_t *new_plan(ctx_t *c, int op, kc_schema_t *s, size_t nkids) {
  if (!c->pr) return NULL;
  plan_t *p = pr_calloc(c->pr, 1, sizeof *p);
  if (!p) return NULL;
  p->op = op;
  p->schema = s;
  p->n = nkids;
  p->null_branch = -1;
  if (nkids && !(p->kids = pr_calloc(c->pr, nkids, sizeof *p->kids))) return NULL;
  return p;
}

static kc_schema_t *build(ctx_t *c, const json_t *j, const char *ns, bool force_opt,
                          const json_t *fdef, const char *docdef, plan_t **pp);
static kc_value_t *default_value(ctx_t *c, const kc_schema_t *s, const json_t *aj,
                                 const char *ns, const json_t *dv, bool *ok);

/* Java's String.valueOf of a JSON property for the "avro*" parameters: text as is. */
static char *prop_text(const json_t *v) {
  if (json_is_string(v)) return strdup(json_string_value(v));
  return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
}

/* Resolves a type reference: primitive names stay strings, named references give their
 * definition (with the namespace it was defined in). */
static const json_t *resolve(ctx_t *c, const json_t *j, const char **ns, named_t **named) {
  *named = NULL;
  const char *t = json_string_value(j);
  if (!t || is_primitive(t)) return j;
  char *full = full_name(t, NULL, *ns);
  named_t *e = full ? name_find(c, full) : NULL;
  if (!e) e = name_find(c, t);
  free(full);
  if (!e) return j;
  *named = e;
  *ns = e->ns;
  return e->def;
}

/* The part of build() shared by every type after its own mapping: docs, connect.version,
 * connect.parameters, "avro*" properties, defaults, connect.name, optional (the tail of
 * AvroData.toConnectSchema). */
static kc_schema_t *finish(ctx_t *c, kc_schema_t *s, const json_t *o, const char *type,
                           const json_t *aj, const char *ns, const char *full, bool force_opt,
                           const json_t *fdef, const char *docdef) {
  const kc_avro_data_config_t *cfg = c->cfg;
  bool named = full != NULL;
  const char *doc = named ? jstr(o, "doc") : NULL;
  if (cfg->discard_type_doc_default) {
    const char *d = docdef ? docdef : doc ? doc : jstr(o, "connect.doc");
    if (d && kc_schema_set_doc(s, d)) goto nomem;
    if (cfg->connect_meta_data && doc && kc_schema_set_param(s, "connect.record.doc", doc))
      goto nomem;
  } else {
    const char *d = jstr(o, "connect.doc");
    if (cfg->connect_meta_data && d && kc_schema_set_doc(s, d)) goto nomem;
  }
  const json_t *ver = jget(o, "connect.version");
  if (ver) {
    if (!json_is_number(ver)) {
      char *t = prop_text(ver);
      fail(c, KC_ECONVERT, "Invalid Connect version found: %s", t);
      free(t);
      goto err;
    }
  }
  {
    /* connect.version first, else the Schema Registry version, for the top-level node */
    int32_t v = !ver ? (aj == c->top ? c->version : -1)
                : jint(ver);
    if (v >= 0) {
      if (s->has_version && s->version != v) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "Mismatched versions: version already added to SchemaBuilder (%d) differs "
                 "from version in source schema (%d)", (int)s->version, (int)v);
        fail(c, KC_ECONVERT, "%s", msg);
        goto err;
      }
      s->has_version = true;
      s->version = v;
    }
  }
  const json_t *params = jget(o, "connect.parameters");
  if (cfg->connect_meta_data && params) {
    if (!json_is_object(params)) {
      char *t = prop_text(params);
      fail(c, KC_ECONVERT, "Expected JSON object for schema parameters but found: %s", t);
      free(t);
      goto err;
    }
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)params, k, v) {
      if (!json_is_string(v)) {
        char *t = prop_text(v);
        fail(c, KC_ECONVERT, "Expected schema parameter values to be strings but found: %s", t);
        free(t);
        goto err;
      }
      if (kc_schema_set_param(s, k, json_string_value(v))) goto nomem;
    }
  }
  if (json_is_object(o)) {
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)o, k, v) {
      if (strncmp(k, "avro", 4)) continue;
      char *t = prop_text(v);
      int rc = t ? kc_schema_set_param(s, k, t) : KC_ENOMEM;
      free(t);
      if (rc) goto nomem;
    }
  }
  const json_t *cdef = jget(o, "connect.default");
  const json_t *dv = fdef;
  if (!dv)
    dv = cdef;
  else if (!cfg->discard_type_doc_default && cfg->connect_meta_data && !cdef &&
           kc_schema_set_param(s, NS ".field.default", "true"))
    goto nomem;
  if (dv && !json_is_null(dv)) {
    /* A struct default holds a struct of this very schema; a twin mapped without the default
     * avoids a reference cycle (Java's Struct simply points at its builder). */
    bool ok = true;
    c->twin_opt = force_opt;
    c->twin_doc = docdef;
    kc_value_t *v = default_value(c, s, aj, ns, dv, &ok);
    if (c->err) goto err;
    if (ok && v) s->default_value = v; /* else AvroData logs "Ignoring invalid default" */
  }
  const json_t *cname = jget(o, "connect.name");
  char *name = NULL;
  if (cname) {
    if (!json_is_string(cname)) {
      char *t = prop_text(cname);
      fail(c, KC_ECONVERT, "Invalid schema name: %s", t);
      free(t);
      goto err;
    }
    name = strdup(json_string_value(cname));
    if (!name) goto nomem;
  } else if (full && (strcmp(type, "fixed") || !s->name || strcmp(s->name, KC_LOGICAL_DECIMAL))) {
    if (!(name = strdup(full))) goto nomem;
  }
  if (name && strncmp(name, NS ".ConnectDefault", strlen(NS ".ConnectDefault"))) {
    if (s->name && strcmp(s->name, name)) {
      char msg[512];
      snprintf(msg, sizeof msg,
               "Mismatched names: name already added to SchemaBuilder (%s) differs from name "
               "in source schema (%s)", s->name, name);
      free(name);
      fail(c, KC_ECONVERT, "%s", msg);
      goto err;
    }
    if (!s->name && kc_schema_set_name(s, name)) {
      free(name);
      goto nomem;
    }
  }
  free(name);
  if (force_opt) s->optional = true;
  return s;
nomem:
  NOMEM(c);
err:
  kc_schema_decref(s);
  return NULL;
}

static kc_schema_t *new_logical(kc_type_t t, const char *name) {
  kc_schema_t *s = kc_schema_new(t);
  if (s && kc_schema_set_name(s, name)) {
    kc_schema_decref(s);
    return NULL;
  }
  if (s) {
    s->has_version = true;
    s->version = 1;
  }
  return s;
}

static char *union_field_name(ctx_t *c, const json_t *m, const char *ns) {
  named_t *e;
  const json_t *d = resolve(c, m, &ns, &e);
  const char *t = json_is_string(d) ? json_string_value(d) : jstr(d, "type");
  if (json_is_array(d)) t = "union";
  if (!t) t = "";
  if (!strcmp(t, "record") || !strcmp(t, "enum") || !strcmp(t, "fixed")) {
    const char *n = jstr(d, "name");
    char *full = full_name(n ? n : "", jstr(d, "namespace"), ns);
    if (!full || c->cfg->enhanced_avro_schema_support) return full;
    char *s = strdup(short_name(full));
    free(full);
    return s;
  }
  return strdup(t);
}

static kc_schema_t *build_union(ctx_t *c, const json_t *j, const char *ns, bool force_opt,
                                const json_t *fdef, const char *docdef, plan_t **pp) {
  size_t n = json_array_size(j);
  plan_t *p = NULL;
  kc_schema_t *s;
  if (n == 1 && c->cfg->flatten_singleton_unions) {
    plan_t *kid = NULL;
    if (!(s = build(c, json_array_get(j, 0), ns, false, NULL, docdef, &kid))) return NULL;
    if (c->pr && (!(p = new_plan(c, OP_OPTIONAL, s, 1)) || !(p->kids[0] = kid))) goto nomem;
    *pp = p;
    return s;
  }
  if (n == 2 && (is_null_schema(json_array_get(j, 0)) || is_null_schema(json_array_get(j, 1)))) {
    int nb = is_null_schema(json_array_get(j, 0)) ? 0 : 1;
    plan_t *kid = NULL;
    if (!(s = build(c, json_array_get(j, 1 - nb), ns, true, NULL, docdef, &kid))) return NULL;
    if (c->pr) {
      if (!(p = new_plan(c, OP_OPTIONAL, s, 1)) || !(p->kids[0] = kid)) goto nomem;
      p->null_branch = nb;
    }
    *pp = p;
    return s;
  }
  if (!(s = kc_schema_new(KC_TYPE_STRUCT)) || kc_schema_set_name(s, UNION_NAME)) goto nomem;
  if (c->pr) {
    if (!(p = new_plan(c, OP_UNION, s, n))) goto nomem;
    if (!(p->cands = pr_calloc(c->pr, n, sizeof *p->cands))) goto nomem;
  }
  for (size_t i = 0; i < n; i++) {
    const json_t *m = json_array_get(j, i);
    if (is_null_schema(m)) {
      s->optional = true;
      continue;
    }
    char *fname = union_field_name(c, m, ns);
    if (!fname) goto nomem;
    if (kc_schema_field(s, fname)) {
      free(fname);
      fail(c, KC_ECONVERT, "Multiple union schemas map to the Connect union field name", NULL);
      goto err;
    }
    plan_t *kid = NULL;
    kc_schema_t *fs = build(c, m, ns, true, NULL, NULL, &kid);
    if (!fs) {
      free(fname);
      goto err;
    }
    int rc = kc_schema_add_field(s, fname, fs);
    free(fname);
    if (rc) goto nomem;
    if (p) p->kids[i] = kid;
  }
  if (p) {
    /* Which field each branch's value lands in, as toConnectData's instanceof scan decides. */
    for (size_t i = 0; i < n; i++) {
      plan_t *kid = p->kids[i];
      if (!kid) continue;
      int *cand = pr_calloc(c->pr, 2 * s->nfields + 1, sizeof *cand);
      if (!cand) goto nomem;
      size_t w = 0;
      for (size_t f = 0; f < s->nfields; f++) {
        const kc_schema_t *fs = s->fields[f].schema;
        const char *en = kc_schema_param(fs, ENUM_PARAM);
        int size = -1;
        bool match = false;
        if (fs->type == KC_TYPE_STRING && en) {
          match = kid->op == OP_ENUM && kid->schema == fs;
        } else if (fs->type == KC_TYPE_BYTES) {
          const char *fx = kc_schema_param(fs, "connect.fixed.size");
          if (kid->op == OP_BYTES) {
            match = true;
            if (fx && fs->name) size = atoi(fx);
          } else if (kid->op == OP_FIXED) {
            /* a GenericFixed matches a fixed field of the same union member name */
            match = !(fx && fs->name) || kid->schema == fs ||
                    (kid->schema->name && !strcmp(short_name(kid->schema->name),
                                                  short_name(fs->name)));
          }
        } else {
          switch (fs->type) {
            case KC_TYPE_INT32: match = kid->op == OP_INT && kid->schema->type == KC_TYPE_INT32; break;
            case KC_TYPE_INT64: match = kid->op == OP_LONG; break;
            case KC_TYPE_FLOAT32: match = kid->op == OP_FLOAT; break;
            case KC_TYPE_FLOAT64: match = kid->op == OP_DOUBLE; break;
            case KC_TYPE_BOOLEAN: match = kid->op == OP_BOOL; break;
            case KC_TYPE_STRING: match = kid->op == OP_STRING; break;
            case KC_TYPE_ARRAY: match = kid->op == OP_ARRAY || kid->op == OP_ENTRIES; break;
            case KC_TYPE_MAP: match = kid->op == OP_MAP; break;
            case KC_TYPE_STRUCT: match = kid->op == OP_RECORD && kc_schema_equal(kid->schema, fs); break;
            default: break; /* INT8/INT16 have no Avro class in AvroData's table */
          }
        }
        if (match) {
          cand[w++] = (int)f;
          cand[w++] = size;
          if (size < 0) break;
        }
      }
      cand[w] = -1;
      p->cands[i] = cand;
    }
  }
  *pp = p;
  return finish(c, s, NULL, "union", j, ns, NULL, force_opt, fdef, docdef);
nomem:
  NOMEM(c);
err:
  kc_schema_decref(s);
  return NULL;
}

static kc_schema_t *build_record(ctx_t *c, const json_t *o, const char *rns, plan_t **pp) {
  const kc_avro_data_config_t *cfg = c->cfg;
  const json_t *fields = jget(o, "fields");
  size_t n = json_array_size(fields);
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  plan_t *p = NULL;
  if (!s) goto nomem;
  if (c->pr && !(p = new_plan(c, OP_RECORD, s, n))) goto nomem;
  const char *doc = jstr(o, "doc");
  if (!cfg->discard_type_doc_default && cfg->connect_meta_data && doc &&
      kc_schema_set_param(s, NS ".record.doc", doc))
    goto nomem;
  for (size_t i = 0; i < n; i++) {
    const json_t *f = json_array_get(fields, i);
    const char *fname = jstr(f, "name"), *fdoc = jstr(f, "doc");
    if (!fname) fname = "";
    if (!cfg->discard_type_doc_default && cfg->connect_meta_data && fdoc) {
      size_t kl = strlen(NS ".field.doc.") + strlen(fname) + 1;
      char *k = malloc(kl);
      if (!k) goto nomem;
      snprintf(k, kl, NS ".field.doc.%s", fname);
      int rc = kc_schema_set_param(s, k, fdoc);
      free(k);
      if (rc) goto nomem;
    }
    plan_t *kid = NULL;
    kc_schema_t *fs = build(c, jget(f, "type"), rns, false, jget(f, "default"), fdoc, &kid);
    if (!fs) goto err;
    if (kc_schema_add_field(s, fname, fs)) goto nomem;
    if (p) p->kids[i] = kid;
  }
  *pp = p;
  return s;
nomem:
  NOMEM(c);
err:
  kc_schema_decref(s);
  return NULL;
}

static kc_schema_t *build(ctx_t *c, const json_t *j, const char *ns, bool force_opt,
                          const json_t *fdef, const char *docdef, plan_t **pp) {
  const kc_avro_data_config_t *cfg = c->cfg;
  *pp = NULL;
  if (c->err) return NULL;
  named_t *ref;
  j = resolve(c, j, &ns, &ref);
  if (ref && ref->busy)
    return fail(c, KC_ECONVERT,
                "Recursive Avro schemas are not supported (record %s refers to itself)",
                ref->full);
  if (json_is_array(j)) return build_union(c, j, ns, force_opt, fdef, docdef, pp);
  const json_t *o = json_is_object(j) ? j : NULL;
  const char *type = o ? jstr(o, "type") : json_string_value(j);
  if (o && !type) {
    const json_t *inner = jget(o, "type");
    if (json_is_object(inner) || json_is_array(inner))
      return build(c, inner, ns, force_opt, fdef, docdef, pp);
    return fail(c, KC_ECONVERT, "Invalid Avro schema: no type in %s", "object");
  }
  if (!type) return fail(c, KC_ECONVERT, "Invalid Avro schema: %s", "not a type");
  if (o && !is_primitive(type) && strcmp(type, "record") && strcmp(type, "error") &&
      strcmp(type, "enum") && strcmp(type, "fixed") && strcmp(type, "array") &&
      strcmp(type, "map")) /* {"type": "com.example.Named"} */
    return build(c, jget(o, "type"), ns, force_opt, fdef, docdef, pp);
  if (!strcmp(type, "error")) type = "record";
  const char *logical = jstr(o, "logicalType"), *ctype = jstr(o, "connect.type");
  char *full = NULL;
  named_t *def = NULL;
  if (!strcmp(type, "record") || !strcmp(type, "enum") || !strcmp(type, "fixed")) {
    const char *n = jstr(o, "name");
    if (!(full = full_name(n ? n : "", jstr(o, "namespace"), ns))) return NOMEM(c);
    char *copy = strdup(full);
    if (!copy || !(def = name_define(c, copy, o))) {
      free(full);
      return NOMEM(c);
    }
  }
  kc_schema_t *s = NULL;
  plan_t *p = NULL;
  int op = -1;
  if (!strcmp(type, "boolean")) {
    s = kc_schema_new(KC_TYPE_BOOLEAN);
    op = OP_BOOL;
  } else if (!strcmp(type, "bytes") || !strcmp(type, "fixed")) {
    if (logical && !strcasecmp(logical, "decimal")) {
      const json_t *sc = jget(o, "scale"), *pr = jget(o, "precision");
      int32_t scale = json_is_number(sc) ? jint(sc) : 0;
      if (!(s = kc_schema_decimal(scale))) goto nomem;
      if (pr) {
        if (!json_is_number(pr)) {
          kc_schema_decref(s);
          free(full);
          return fail(c, KC_ECONVERT, "precision property must be a JSON Integer. "
                      "https://avro.apache.org/docs/1.9.1/spec.html#Decimal%s", "");
        }
        int prec = jint(pr);
        char buf[16];
        snprintf(buf, sizeof buf, "%d", prec);
        if (prec != 64 && kc_schema_set_param(s, "connect.decimal.precision", buf)) goto nomem;
      }
    } else {
      s = kc_schema_new(KC_TYPE_BYTES);
    }
    if (s && !strcmp(type, "fixed")) {
      char buf[24];
      snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(jget(o, "size")));
      if (kc_schema_set_param(s, "connect.fixed.size", buf)) goto nomem;
    }
    op = strcmp(type, "fixed") ? OP_BYTES : OP_FIXED;
  } else if (!strcmp(type, "double")) {
    s = kc_schema_new(KC_TYPE_FLOAT64);
    op = OP_DOUBLE;
  } else if (!strcmp(type, "float")) {
    s = kc_schema_new(KC_TYPE_FLOAT32);
    op = OP_FLOAT;
  } else if (!strcmp(type, "int")) {
    op = OP_INT;
    if (logical && !strcasecmp(logical, "date"))
      s = new_logical(KC_TYPE_INT32, KC_LOGICAL_DATE);
    else if (logical && !strcasecmp(logical, "time-millis"))
      s = new_logical(KC_TYPE_INT32, KC_LOGICAL_TIME);
    else if (logical || !ctype)
      s = kc_schema_new(KC_TYPE_INT32);
    else if (!strcmp(ctype, "int8"))
      s = kc_schema_new(KC_TYPE_INT8);
    else if (!strcmp(ctype, "int16"))
      s = kc_schema_new(KC_TYPE_INT16);
    else
      return fail(c, KC_ECONVERT, "Connect type annotation for Avro int field is null%s", "");
  } else if (!strcmp(type, "long")) {
    op = OP_LONG;
    s = logical && !strcasecmp(logical, "timestamp-millis")
            ? new_logical(KC_TYPE_INT64, KC_LOGICAL_TIMESTAMP) : kc_schema_new(KC_TYPE_INT64);
  } else if (!strcmp(type, "string")) {
    s = kc_schema_new(KC_TYPE_STRING);
    op = OP_STRING;
  } else if (!strcmp(type, "array")) {
    const char *ens = ns;
    named_t *eref;
    const json_t *items = jget(o, "items");
    const json_t *e = resolve(c, items, &ens, &eref);
    const char *et = jstr(e, "type");
    bool entry = false;
    char *efull = NULL;
    if (et && (!strcmp(et, "record") || !strcmp(et, "error"))) {
      const char *en = jstr(e, "name");
      if (!(efull = full_name(en ? en : "", jstr(e, "namespace"), ens))) goto nomem;
      const char *it = jstr(e, "connect.internal.type");
      entry = !strcmp(efull, NS ".MapEntry") || (it && !strcmp(it, "MapEntry"));
    }
    if (entry) {
      const json_t *fl = jget(e, "fields");
      int kp = -1, vp = -1;
      for (size_t i = 0; i < json_array_size(fl); i++) {
        const char *fname = jstr(json_array_get(fl, i), "name");
        if (fname && !strcmp(fname, "key")) kp = (int)i;
        if (fname && !strcmp(fname, "value")) vp = (int)i;
      }
      if (json_array_size(fl) != 2 || kp < 0 || vp < 0) {
        free(efull);
        free(full);
        return fail(c, KC_ECONVERT, "Found map encoded as array of key-value pairs, but array "
                    "elements do not match the expected format.%s", "");
      }
      char *copy = efull;
      const char *dot = strrchr(efull, '.');
      char *rns = dot ? strndup(efull, (size_t)(dot - efull)) : strdup("");
      named_t *d = name_define(c, copy, e);
      if (!d || !rns) {
        free(rns);
        goto nomem;
      }
      /* AvroData maps key and value with the public toConnectSchema: required, no defaults */
      plan_t *kp_plan = NULL, *vp_plan = NULL;
      d->busy = true;
      kc_schema_t *ks = build(c, jget(json_array_get(fl, (size_t)kp), "type"), rns, false, NULL,
                              NULL, &kp_plan);
      kc_schema_t *vs = ks ? build(c, jget(json_array_get(fl, (size_t)vp), "type"), rns, false,
                                   NULL, NULL, &vp_plan) : NULL;
      d->busy = false;
      free(rns);
      if (!vs) {
        kc_schema_decref(ks);
        free(full);
        return NULL;
      }
      if (!(s = kc_schema_new(KC_TYPE_MAP))) {
        kc_schema_decref(ks);
        kc_schema_decref(vs);
        goto nomem;
      }
      s->key_schema = ks;
      s->value_schema = vs;
      if (c->pr) {
        if (!(p = new_plan(c, OP_ENTRIES, s, 2))) goto nomem;
        p->kids[0] = kp_plan;
        p->kids[1] = vp_plan;
        p->key_pos = kp;
        p->val_pos = vp;
      }
    } else {
      free(efull);
      plan_t *kid = NULL;
      kc_schema_t *es = build(c, items, ns, false, NULL, NULL, &kid);
      if (!es) {
        free(full);
        return NULL;
      }
      if (!(s = kc_schema_new(KC_TYPE_ARRAY))) {
        kc_schema_decref(es);
        goto nomem;
      }
      s->value_schema = es;
      if (c->pr) {
        if (!(p = new_plan(c, OP_ARRAY, s, 1))) goto nomem;
        p->kids[0] = kid;
      }
    }
  } else if (!strcmp(type, "map")) {
    plan_t *kid = NULL;
    kc_schema_t *vs = build(c, jget(o, "values"), ns, false, NULL, NULL, &kid);
    if (!vs) {
      free(full);
      return NULL;
    }
    if (!(s = kc_schema_new(KC_TYPE_MAP))) {
      kc_schema_decref(vs);
      goto nomem;
    }
    s->key_schema = &kc_schema_string;
    s->value_schema = vs;
    if (c->pr) {
      if (!(p = new_plan(c, OP_MAP, s, 1))) goto nomem;
      p->kids[0] = kid;
    }
  } else if (!strcmp(type, "record")) {
    def->busy = true;
    s = build_record(c, o, def->ns, &p);
    def->busy = false;
    if (!s) {
      free(full);
      return NULL;
    }
  } else if (!strcmp(type, "enum")) {
    op = OP_ENUM;
    if (!(s = kc_schema_new(KC_TYPE_STRING))) goto nomem;
    const char *sn = short_name(full), *doc = jstr(o, "doc"), *edef = jstr(o, "default");
    char key[512];
    if (cfg->connect_meta_data) {
      if (doc) {
        if (cfg->discard_type_doc_default)
          snprintf(key, sizeof key, "connect.enum.doc");
        else
          snprintf(key, sizeof key, NS ".enum.doc.%s", sn);
        if (kc_schema_set_param(s, key, doc)) goto nomem;
      }
      if (!cfg->discard_type_doc_default && edef) {
        snprintf(key, sizeof key, NS ".enum.default.%s", sn);
        if (kc_schema_set_param(s, key, edef)) goto nomem;
      }
    }
    if (kc_schema_set_param(s, ENUM_PARAM, full)) goto nomem;
    const json_t *syms = jget(o, "symbols");
    for (size_t i = 0; i < json_array_size(syms); i++) {
      const char *sym = json_string_value(json_array_get(syms, i));
      snprintf(key, sizeof key, ENUM_PARAM ".%s", sym ? sym : "");
      if (kc_schema_set_param(s, key, sym ? sym : "")) goto nomem;
    }
  } else if (!strcmp(type, "null")) {
    free(full);
    return fail(c, KC_ECONVERT, "Standalone null schemas are not supported by this converter%s", "");
  } else {
    free(full);
    return fail(c, KC_ECONVERT, "Couldn't translate unsupported schema type %s.", type);
  }
  if (!s) goto nomem;
  if (op >= 0 && c->pr) {
    if (!(p = new_plan(c, op, s, 0))) goto nomem;
    p->decimal = s->name && !strcmp(s->name, KC_LOGICAL_DECIMAL);
    if (op == OP_ENUM) {
      const json_t *syms = jget(o, "symbols");
      p->nsym = json_array_size(syms);
      if (!(p->symbols = pr_calloc(c->pr, p->nsym, sizeof *p->symbols))) goto nomem;
      for (size_t i = 0; i < p->nsym; i++) {
        const char *sym = json_string_value(json_array_get(syms, i));
        p->symbols[i] = sym ? sym : "";
      }
    }
  }
  s = finish(c, s, o, type, j, ns, full, force_opt, fdef, docdef);
  free(full);
  *pp = s ? p : NULL;
  return s;
nomem:
  kc_schema_decref(s);
  free(full);
  return NOMEM(c);
}


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
    aj = resolve(c, aj, ns, &e);
    const json_t *t = jget(aj, "type");
    const char *ts = json_string_value(t);
    if (!json_is_object(aj) || (ts && (is_primitive(ts) || !strcmp(ts, "record") ||
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
    if (!s->optional && !(json_is_array(aj) && is_null_schema(json_array_get(aj, 0))))
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
        ss = build(c, aj, ns, c->twin_opt, NULL, c->twin_doc, &ignored);
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
        char *fname = union_field_name(c, m0, ns);
        const kc_field_t *f = fname ? kc_schema_field(ss, fname) : NULL;
        free(fname);
        if (f) st->u.st.vals[f->index] = default_value_at(c, f->schema, m0, ns, dv, false, ok);
        if (!f || !st->u.st.vals[f->index]) *ok = false;
      } else if (json_is_object(dv)) {
        const json_t *fl = jget(aj, "fields");
        const char *rns = ns;
        char *full = full_name(jstr(aj, "name") ? jstr(aj, "name") : "", jstr(aj, "namespace"), ns);
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

static kc_value_t *default_value(ctx_t *c, const kc_schema_t *s, const json_t *aj,
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
    plan_root_free(pr);
    return KC_ENOMEM;
  }
  if (is_anything(s)) {
    if (!(pr->root = pr_calloc(pr, 1, sizeof *pr->root))) c.err = KC_ENOMEM;
    else pr->root->op = OP_ANYTHING;
  } else if (!is_null_schema(s->json)) { /* "null": every datum is null, no Connect schema */
    pr->own = build(&c, s->json, "", false, NULL, NULL, &pr->root);
    if (!c.err && !pr->own) c.err = KC_ENOMEM;
  }
  for (size_t i = 0; i < c.nnames; i++) {
    free(c.names[i].full);
    free(c.names[i].ns);
  }
  free(c.names);
  if (c.err) {
    plan_root_free(pr);
    return c.err == KC_ENOMEM ? kc_conv_errf(errstr, errstr_size, "out of memory"), KC_ENOMEM
                              : c.err;
  }
  if (!s->connect) s->connect = kc_schema_incref(pr->own);
  s->to_plan = pr;
  s->to_plan_free = plan_root_free;
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
