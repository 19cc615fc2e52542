/*
 * AvroData, reading direction, schema half (Confluent schema-registry 7.9
 * AvroData.toConnectSchema): an Avro schema JSON becomes a Connect schema plus the decode plan
 * avro_to_value.c walks each datum with.
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

#include "convert/avro_to_internal.h"
#include "data/value_internal.h"

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
    kc_value_t *v = kc__avro_to_default_value(c, s, aj, ns, dv, &ok);
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

/* ---- entry points for avro_to_value.c (see avro_to_internal.h) ----
 * The mapping code above keeps its short static names; these are the external names. */

void *kc__avro_to_pr_calloc(plan_root_t *r, size_t n, size_t size) {
  return pr_calloc(r, n, size);
}
void kc__avro_to_plan_free(void *plan_root) {
  plan_root_free(plan_root);
}
kc_schema_t *kc__avro_to_fail(ctx_t *c, int err, const char *fmt, const char *arg) {
  return fail(c, err, fmt, arg);
}
bool kc__avro_to_is_primitive(const char *t) {
  return is_primitive(t);
}
char *kc__avro_to_full_name(const char *name, const char *ns_attr, const char *ns) {
  return full_name(name, ns_attr, ns);
}
bool kc__avro_to_is_null_schema(const json_t *j) {
  return is_null_schema(j);
}
const json_t *kc__avro_to_resolve(ctx_t *c, const json_t *j, const char **ns, named_t **named) {
  return resolve(c, j, ns, named);
}
char *kc__avro_to_union_field_name(ctx_t *c, const json_t *m, const char *ns) {
  return union_field_name(c, m, ns);
}
kc_schema_t *kc__avro_to_build(ctx_t *c, const json_t *j, const char *ns, bool force_opt,
                               const json_t *fdef, const char *docdef, plan_t **pp) {
  return build(c, j, ns, force_opt, fdef, docdef, pp);
}
