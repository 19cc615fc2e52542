/*
 * AvroData, Connect -> Avro, the schema side (Confluent schema-registry 7.9.9
 * AvroData.fromConnectSchema). It builds, in a per-call arena, a tree mirroring the
 * org.apache.avro.Schema objects Java builds (same props in the same addProp order, same
 * ConnectDefaultN numbering, same reuse of equal schemas), then prints it as Avro Java's
 * Schema.toString() does (named types printed once, then by name; namespaces relative to the
 * enclosing record). The value side (fromConnectData) and the cache are in avro_encode.c.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "convert/avro_from_internal.h"

static const char *const AT_NAME[] = {"null", "boolean", "int", "long", "float", "double",
                                      "bytes", "string", "record", "enum", "array", "map",
                                      "union", "fixed"};

static int fail(fc_t *c, const char *fmt, const char *arg) {
  if (!c->err) {
    c->err = KC_ECONVERT;
    kc_conv_errf(c->errstr, c->errsz, fmt, arg ? arg : "null");
  }
  return c->err;
}
/* Appends to a growing arena array (arrays stay small: fields, props, branches). */
static void *grow(fc_t *c, void *old, size_t n, size_t sz) {
  void *p = aa(c, (n + 1) * sz);
  if (p && n) memcpy(p, old, n * sz);
  return p;
}

static jn_t *jnew(fc_t *c, jk_t k) {
  jn_t *j = aa(c, sizeof *j);
  if (j) j->k = k;
  return j;
}
static jn_t *jtext(fc_t *c, const char *s) {
  jn_t *j = jnew(c, J_TEXT);
  if (j) j->s = s, j->len = strlen(s);
  return j;
}
static jn_t *jint(fc_t *c, int64_t v) {
  jn_t *j = jnew(c, J_INT);
  if (j) j->i = v;
  return j;
}
static void jadd(fc_t *c, jn_t *j, const char *key, jn_t *v) {
  if (!j || !v) return;
  jn_t **items = grow(c, j->items, j->n, sizeof *items);
  const char **keys = key ? grow(c, j->keys, j->n, sizeof *keys) : NULL;
  if (!items || (key && !keys)) return;
  items[j->n] = v;
  if (keys) keys[j->n] = key, j->keys = keys;
  j->items = items;
  j->n++;
}

/* Jackson's output of a node. as_double: a float as the double Avro's field default holds
 * (JacksonUtils.toObject widens FloatNode to Double). */
static int jwrite(kc_buf_t *b, const jn_t *j, bool as_double) {
  char num[40];
  int rc = 0;
  switch (j->k) {
    case J_NULL: return kc_buf_puts(b, "null");
    case J_BOOL: return kc_buf_puts(b, j->b ? "true" : "false");
    case J_INT:
    case J_LONG: return kc_buf_append_int(b, j->i);
    case J_FLOAT:
    case J_DOUBLE: {
      size_t n = (j->k == J_FLOAT && !as_double) ? kc_java_format_float((float)j->d, num)
                                                 : kc_java_format_double(j->d, num);
      if (isfinite(j->d)) return kc_buf_append(b, num, n);
      return kc_json_append_string(b, num, n); /* QUOTE_NON_NUMERIC_NUMBERS */
    }
    case J_TEXT: return kc_json_append_string(b, j->s, j->len);
    case J_ARRAY:
    case J_OBJECT:
      rc = kc_buf_puts(b, j->k == J_ARRAY ? "[" : "{");
      for (size_t i = 0; !rc && i < j->n; i++) {
        if (i) rc = kc_buf_puts(b, ",");
        if (!rc && j->k == J_OBJECT)
          rc = kc_json_append_string(b, j->keys[i], strlen(j->keys[i])) ?: kc_buf_puts(b, ":");
        if (!rc) rc = jwrite(b, j->items[i], as_double);
      }
      return rc ? rc : kc_buf_puts(b, j->k == J_ARRAY ? "]" : "}");
  }
  return 0;
}
static bool jequal(const jn_t *a, const jn_t *b) {
  if (a == b) return true;
  if (!a || !b) return false;
  kc_buf_t x, y;
  kc_buf_init(&x, 0);
  kc_buf_init(&y, 0);
  bool eq = !jwrite(&x, a, false) && !jwrite(&y, b, false) && x.len == y.len &&
            (!x.len || !memcmp(x.data, y.data, x.len));
  kc_buf_free(&x);
  kc_buf_free(&y);
  return eq;
}

/* JsonProperties.addProp: an equal value again is a no-op, a different one an error. */
static void add_prop(fc_t *c, an_t *a, const char *key, jn_t *v) {
  if (!v) return;
  for (size_t i = 0; i < a->nprops; i++)
    if (!strcmp(a->pkeys[i], key)) {
      if (!jequal(a->pvals[i], v)) fail(c, "Can't overwrite property: %s", key);
      return;
    }
  const char **k = grow(c, a->pkeys, a->nprops, sizeof *k);
  jn_t **vals = grow(c, a->pvals, a->nprops, sizeof *vals);
  if (!k || !vals) return;
  k[a->nprops] = key;
  vals[a->nprops] = v;
  a->pkeys = k, a->pvals = vals, a->nprops++;
}

static an_t *anew(fc_t *c, at_t t) {
  an_t *a = aa(c, sizeof *a);
  if (a) a->t = t;
  return a;
}

/* ---- names: AvroData.doScrubName / splitName, Avro's Schema.validateName ---- */

static bool id_char(unsigned char ch) {
  return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}
static const char *scrub(fc_t *c, const char *name, size_t n) {
  if (!c->cfg->scrub_invalid_names || !n) return adup(c, name, n);
  bool ok = !(name[0] >= '0' && name[0] <= '9');
  for (size_t i = 0; ok && i < n; i++) ok = id_char((unsigned char)name[i]);
  if (ok) return adup(c, name, n);
  /* URLEncoder.encode (UTF-8) then every character but [A-Za-z0-9_] to '_': ".-*" stay one
   * character, ' ' becomes '+', other bytes "%XX"; so each becomes '_' or "_XX". */
  char *out = aa(c, 3 * n + 2), *o = out;
  if (!out) return NULL;
  if (name[0] >= '0' && name[0] <= '9') *o++ = 'x';
  for (size_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)name[i];
    if (id_char(ch)) {
      *o++ = (char)ch;
    } else if (ch == '.' || ch == '-' || ch == '*' || ch == ' ') {
      *o++ = '_';
    } else {
      static const char hex[] = "0123456789ABCDEF";
      *o++ = '_', *o++ = hex[ch >> 4], *o++ = hex[ch & 15];
    }
  }
  return out;
}
static void validate_name(fc_t *c, const char *name) {
  if (!name || !*name) {
    fail(c, "Empty name%s", "");
    return;
  }
  unsigned char f = (unsigned char)name[0];
  if (!(f >= 0x80 || (f >= 'A' && f <= 'Z') || (f >= 'a' && f <= 'z') || f == '_')) {
    fail(c, "Illegal initial character: %s", name);
    return;
  }
  for (const unsigned char *p = (const unsigned char *)name + 1; *p; p++)
    if (*p < 0x80 && !id_char(*p)) {
      fail(c, "Illegal character in: %s", name);
      return;
    }
}
/* getNameOrDefault: a Connect name split at its last dot (parts scrubbed), else ConnectDefaultN. */
static void name_of(fc_t *c, const char *full, const char **space, const char **name) {
  if (!full) {
    int i = ++c->name_index;
    char buf[48];
    snprintf(buf, sizeof buf, "ConnectDefault%.0d", i > 1 ? i : 0);
    *space = NS;
    *name = adup(c, buf, strlen(buf));
    return;
  }
  size_t len = strlen(full);
  while (len && full[len - 1] == '.') len--; /* String.split drops trailing empty parts */
  const char *dot = NULL;
  for (size_t i = 0; i < len; i++)
    if (full[i] == '.') dot = full + i;
  kc_buf_t ns;
  kc_buf_init(&ns, 0);
  const char *p = full, *end = full + len;
  while (dot && p < dot) {
    const char *q = memchr(p, '.', (size_t)(dot - p));
    if (!q) q = dot;
    const char *part = scrub(c, p, (size_t)(q - p));
    if (part && ((ns.len && kc_buf_puts(&ns, ".")) || kc_buf_puts(&ns, part))) c->err = KC_ENOMEM;
    p = q + 1;
  }
  *space = dot && ns.len ? adup(c, ns.data, ns.len) : NULL;
  kc_buf_free(&ns);
  *name = scrub(c, dot ? dot + 1 : full, (size_t)(end - (dot ? dot + 1 : full)));
  if (*name) validate_name(c, *name);
}

/* ---- defaults: AvroData.defaultValueFromConnect ---- */

static bool string_map(fc_t *c, const kc_schema_t *s) {
  return s->key_schema->type == KC_TYPE_STRING &&
         (!s->key_schema->optional || c->cfg->allow_optional_map_keys);
}

static bool name_is(const kc_schema_t *s, const char *logical) {
  return s->name && !strcasecmp(s->name, logical);
}

static jn_t *def_from_connect(fc_t *c, const kc_schema_t *s, const kc_value_t *v) {
  if (!v) return jnew(c, J_NULL);
  bool ok = true;
  jn_t *j = NULL;
  switch (s->type) {
    case KC_TYPE_INT8: case KC_TYPE_INT16: case KC_TYPE_INT32: case KC_TYPE_INT64:
      ok = v->type == s->type;
      if (ok && (j = jint(c, v->u.i)) && s->type == KC_TYPE_INT64) j->k = J_LONG;
      break;
    case KC_TYPE_FLOAT32: case KC_TYPE_FLOAT64:
      ok = v->type == s->type;
      if (ok && (j = jnew(c, s->type == KC_TYPE_FLOAT32 ? J_FLOAT : J_DOUBLE))) j->d = v->u.f;
      break;
    case KC_TYPE_BOOLEAN:
      ok = v->type == s->type;
      if (ok && (j = jnew(c, J_BOOL))) j->b = v->u.b;
      break;
    case KC_TYPE_STRING:
      ok = v->type == s->type;
      if (ok && (j = jnew(c, J_TEXT))) j->s = v->u.str.ptr, j->len = v->u.str.len;
      break;
    case KC_TYPE_BYTES: { /* new String(bytes, ISO_8859_1): each byte one char, as UTF-8 */
      ok = v->type == s->type;
      const unsigned char *d = (const unsigned char *)v->u.str.ptr;
      size_t dn = v->u.str.len, n = 0;
      if (ok && name_is(s, KC_LOGICAL_DECIMAL)) dn = decimal_min(&d, dn);
      char *t = ok ? aa(c, 2 * dn + 1) : NULL;
      for (size_t i = 0; t && i < dn; i++) {
        unsigned char ch = d[i];
        if (ch < 0x80) {
          t[n++] = (char)ch;
        } else {
          t[n++] = (char)(0xC0 | (ch >> 6));
          t[n++] = (char)(0x80 | (ch & 0x3F));
        }
      }
      if (t && (j = jnew(c, J_TEXT))) j->s = t, j->len = n;
      break;
    }
    case KC_TYPE_ARRAY:
      ok = v->type == s->type;
      if (ok && (j = jnew(c, J_ARRAY)))
        for (size_t i = 0; i < v->u.arr.n; i++)
          jadd(c, j, NULL, def_from_connect(c, s->value_schema, v->u.arr.items[i]));
      break;
    case KC_TYPE_MAP:
      ok = v->type == s->type;
      if (!ok) break;
      j = jnew(c, string_map(c, s) ? J_OBJECT : J_ARRAY);
      for (size_t i = 0; j && i < v->u.map.n; i++) {
        jn_t *val = def_from_connect(c, s->value_schema, v->u.map.vals[i]);
        const kc_value_t *k = v->u.map.keys[i];
        if (j->k == J_OBJECT) {
          jadd(c, j, k && k->type == KC_TYPE_STRING ? k->u.str.ptr : "null", val);
        } else {
          jn_t *e = jnew(c, J_ARRAY);
          jadd(c, e, NULL, def_from_connect(c, s->key_schema, k));
          jadd(c, e, NULL, val);
          jadd(c, j, NULL, e);
        }
      }
      break;
    case KC_TYPE_STRUCT: {
      ok = v->type == s->type && v->u.st.schema->nfields == s->nfields;
      if (!ok) break;
      bool un = is_union_struct(s);
      j = jnew(c, J_OBJECT);
      for (size_t i = 0; j && i < s->nfields; i++) {
        jn_t *f = def_from_connect(c, s->fields[i].schema, field_value(v, i));
        if (un) return f; /* Java returns the first field's default, null or not */
        jadd(c, j, scrub(c, s->fields[i].name, strlen(s->fields[i].name)), f);
      }
      break;
    }
  }
  if (!ok) {
    kc_value_t *dv = s->default_value;
    fail(c, "Invalid type used for default value of %s", kc_type_name(s->type));
    if (c->err == KC_ECONVERT && c->errstr && c->errsz) {
      char t[64];
      snprintf(t, sizeof t, "%s", kc_type_name(s->type));
      for (char *p = t; *p; p++) *p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
      kc_conv_errf(c->errstr, c->errsz, "Invalid type used for default value of %s field: class %s",
                   t, kc_value_java_class(dv));
    }
  }
  return j;
}

/* Schema.isValidDefault (Avro 1.11): a field whose default fails it gets none (AvroData logs). */
static bool valid_default(const an_t *a, const jn_t *j) {
  if (!j) return false;
  switch (a->t) {
    case A_STRING: case A_BYTES: case A_ENUM: case A_FIXED: return j->k == J_TEXT;
    case A_INT: return j->k == J_INT && j->i >= INT32_MIN && j->i <= INT32_MAX;
    case A_LONG: return j->k == J_INT || j->k == J_LONG;
    case A_FLOAT: case A_DOUBLE: return j->k >= J_INT && j->k <= J_DOUBLE;
    case A_BOOLEAN: return j->k == J_BOOL;
    case A_NULL: return j->k == J_NULL;
    case A_ARRAY: case A_MAP:
      if (j->k != (a->t == A_ARRAY ? J_ARRAY : J_OBJECT)) return false;
      for (size_t i = 0; i < j->n; i++)
        if (!valid_default(a->kids[0], j->items[i])) return false;
      return true;
    case A_UNION: return a->nkids && valid_default(a->kids[0], j);
    case A_RECORD:
      if (j->k != J_OBJECT) return false;
      for (size_t f = 0; f < a->nkids; f++) {
        const jn_t *fv = a->fields[f].def;
        for (size_t i = 0; i < j->n; i++)
          if (!strcmp(j->keys[i], a->fields[f].name)) fv = j->items[i];
        if (!valid_default(a->fields[f].type, fv)) return false;
      }
      return true;
  }
  return false;
}

/* ---- fromConnectSchema ---- */

static an_t *from_connect(fc_t *c, const kc_schema_t *s, bool ignore_optional);

/* AvroData.nonOptional: a shallow copy marked required (shares everything else). */
static const kc_schema_t *non_optional(fc_t *c, const kc_schema_t *s) {
  if (!s->optional) return s;
  kc_schema_t *r = aa(c, sizeof *r);
  if (!r) return s;
  *r = *s;
  r->refcnt = -1;
  r->optional = false;
  return r;
}
static an_t *union_of(fc_t *c, an_t *a, an_t *b) {
  an_t *u = anew(c, A_UNION);
  an_t **k = aa(c, 2 * sizeof *k);
  if (!u || !k || !a || !b) return NULL;
  k[0] = a, k[1] = b;
  u->kids = k, u->nkids = 2;
  return u;
}
/* maybeMakeOptional: ["null", T], or [T, "null"] when the schema has a default. */
static an_t *maybe_optional(fc_t *c, const kc_schema_t *s, an_t *base) {
  if (!s->optional) return base;
  return s->default_value ? union_of(c, base, anew(c, A_NULL)) : union_of(c, anew(c, A_NULL), base);
}
static void add_field(fc_t *c, an_t *rec, const char *name, const kc_schema_t *fs, const char *doc) {
  jn_t *def = fs->default_value ? def_from_connect(c, fs, fs->default_value)
              : fs->optional    ? jnew(c, J_NULL) : NULL;
  an_t *t = from_connect(c, fs, false);
  if (c->err) return;
  if (name) validate_name(c, name);
  for (size_t i = 0; i < rec->nkids; i++)
    if (!strcmp(rec->fields[i].name, name)) fail(c, "Duplicate field %s in record", name);
  af_t *f = grow(c, rec->fields, rec->nkids, sizeof *f);
  if (c->err || !f) return;
  f[rec->nkids] = (af_t){name, c->cfg->discard_type_doc_default ? fs->doc : doc, t,
                         def && valid_default(t, def) ? def : NULL};
  rec->fields = f, rec->nkids++;
}
static void check_union(fc_t *c, an_t *u) {
  for (size_t i = 0; i < u->nkids; i++)
    for (size_t j = 0; j < i; j++) {
      const an_t *a = u->kids[i], *b = u->kids[j];
      bool named = a->t == A_RECORD || a->t == A_ENUM || a->t == A_FIXED;
      if (a->t == A_UNION) fail(c, "Nested union: %s", "union");
      if (a->t == b->t &&
          (!named || (!strcmp(a->name, b->name) && !strcmp(a->space ? a->space : "",
                                                           b->space ? b->space : ""))))
        fail(c, "Duplicate in union:%s", named ? a->name : AT_NAME[a->t]);
    }
}
static jn_t *params_json(fc_t *c, const kc_schema_t *s) {
  jn_t *p = jnew(c, J_OBJECT);
  for (size_t i = 0; p && i < s->nparams; i++)
    if (c->cfg->discard_type_doc_default || strcmp(s->param_keys[i], FIELD_DEFAULT_FLAG))
      jadd(c, p, s->param_keys[i], jtext(c, s->param_values[i]));
  return p;
}
/* LogicalType.addToSchema's validate() (the messages Avro Java throws). */
static void add_logical(fc_t *c, an_t *a, const char *lt, at_t want, const char *what) {
  if (a->t != want) fail(c, "%s", what);
  add_prop(c, a, "logicalType", jtext(c, lt));
}

static an_t *from_connect(fc_t *c, const kc_schema_t *s, bool ignore_optional) {
  if (c->err) return NULL;
  bool un = is_union_struct(s);
  if (!un && !s->optional)
    for (size_t i = 0; i < c->nmemo; i++)
      if (c->memo[i].connect == s || kc_schema_equal(c->memo[i].connect, s))
        return c->memo[i].avro;
  const kc_avro_data_config_t *cfg = c->cfg;
  const char *connect_type = NULL;
  an_t *a = NULL;
  switch (s->type) {
    case KC_TYPE_INT8: connect_type = "int8"; a = anew(c, A_INT); break;
    case KC_TYPE_INT16: connect_type = "int16"; a = anew(c, A_INT); break;
    case KC_TYPE_INT32: a = anew(c, A_INT); break;
    case KC_TYPE_INT64: a = anew(c, A_LONG); break;
    case KC_TYPE_FLOAT32: a = anew(c, A_FLOAT); break;
    case KC_TYPE_FLOAT64: a = anew(c, A_DOUBLE); break;
    case KC_TYPE_BOOLEAN: a = anew(c, A_BOOLEAN); break;
    case KC_TYPE_STRING:
      if (cfg->enhanced_avro_schema_support && kc_schema_param(s, AVRO_ENUM_PARAM)) {
        const char *space, *name;
        name_of(c, s->name, &space, &name);
        if (!(a = anew(c, A_ENUM)) || !name) break;
        const char *ename = kc_schema_param(s, AVRO_ENUM_PARAM);
        const char *dot = strrchr(ename, '.');
        a->name = dot ? dot + 1 : ename;
        a->space = dot && dot > ename ? adup(c, ename, (size_t)(dot - ename)) : NULL;
        validate_name(c, a->name);
        char key[512];
        if (cfg->discard_type_doc_default) {
          a->doc = kc_schema_param(s, "connect.enum.doc");
        } else {
          snprintf(key, sizeof key, NS ".enum.doc.%s", name);
          a->doc = kc_schema_param(s, key);
          snprintf(key, sizeof key, NS ".enum.default.%s", name);
          a->enum_default = kc_schema_param(s, key);
        }
        size_t plen = strlen(AVRO_ENUM_PARAM ".");
        for (size_t i = 0; i < s->nparams; i++)
          if (!strncmp(s->param_keys[i], AVRO_ENUM_PARAM ".", plen)) {
            const char **sy = grow(c, a->symbols, a->nkids, sizeof *sy);
            if (!sy) break;
            sy[a->nkids] = s->param_keys[i] + plen;
            a->symbols = sy, a->nkids++;
          }
      } else {
        a = anew(c, A_STRING);
      }
      break;
    case KC_TYPE_BYTES: {
      const char *fixed = s->name ? kc_schema_param(s, FIXED_SIZE_PARAM) : NULL;
      if (fixed) {
        if (!(a = anew(c, A_FIXED))) break;
        name_of(c, s->name, &a->space, &a->name);
        a->size = (int32_t)strtol(fixed, NULL, 10);
      } else {
        a = anew(c, A_BYTES);
      }
      if (a && name_is(s, KC_LOGICAL_DECIMAL)) {
        const char *sc = kc_schema_param(s, "scale"), *pr = kc_schema_param(s, PRECISION_PARAM);
        add_prop(c, a, "scale", jint(c, sc ? strtol(sc, NULL, 10) : 0));
        add_prop(c, a, "precision", jint(c, pr ? strtol(pr, NULL, 10) : 64));
      }
      break;
    }
    case KC_TYPE_ARRAY:
      if ((a = anew(c, A_ARRAY)) && (a->kids = aa(c, sizeof *a->kids)))
        a->kids[0] = from_connect(c, s->value_schema, false), a->nkids = 1;
      break;
    case KC_TYPE_MAP:
      if (string_map(c, s)) {
        if ((a = anew(c, A_MAP)) && (a->kids = aa(c, sizeof *a->kids)))
          a->kids[0] = from_connect(c, s->value_schema, false), a->nkids = 1;
      } else { /* array of MapEntry records, the only way Avro keys a map by non-strings */
        an_t *rec = anew(c, A_RECORD);
        if (!rec) break;
        if (!s->name) {
          rec->name = "MapEntry", rec->space = NS;
        } else {
          name_of(c, s->name, &rec->space, &rec->name);
          add_prop(c, rec, "connect.internal.type", jtext(c, "MapEntry"));
        }
        add_field(c, rec, "key", s->key_schema, NULL);
        add_field(c, rec, "value", s->value_schema, NULL);
        if ((a = anew(c, A_ARRAY)) && (a->kids = aa(c, sizeof *a->kids)))
          a->kids[0] = rec, a->nkids = 1;
      }
      break;
    case KC_TYPE_STRUCT:
      if (un || s->optional) {
        a = anew(c, A_UNION);
        size_t n = un ? s->nfields + s->optional : 2;
        if (!a || !(a->kids = aa(c, n * sizeof *a->kids))) break;
        if (s->optional) a->kids[a->nkids++] = anew(c, A_NULL);
        if (un) {
          for (size_t i = 0; i < s->nfields; i++)
            a->kids[a->nkids++] = from_connect(c, non_optional(c, s->fields[i].schema), true);
          check_union(c, a);
        } else {
          a->kids[a->nkids++] = from_connect(c, non_optional(c, s), false);
        }
      } else {
        if (!(a = anew(c, A_RECORD))) break;
        name_of(c, s->name, &a->space, &a->name);
        a->doc = kc_schema_param(s, cfg->discard_type_doc_default ? "connect.record.doc"
                                                                  : NS ".record.doc");
        for (size_t i = 0; i < s->nfields && !c->err; i++) {
          const char *fname = s->fields[i].name;
          const char *doc = NULL;
          char key[512];
          if (!cfg->discard_type_doc_default && s->nparams) {
            snprintf(key, sizeof key, NS ".field.doc.%s", fname);
            doc = kc_schema_param(s, key);
          }
          add_field(c, a, scrub(c, fname, strlen(fname)), s->fields[i].schema, doc);
        }
      }
      break;
  }
  if (c->err || !a) return NULL;

  an_t *final = a;
  if (a->t != A_UNION) {
    if (cfg->connect_meta_data) {
      if (s->doc) add_prop(c, a, "connect.doc", jtext(c, s->doc));
      if (s->has_version) add_prop(c, a, "connect.version", jint(c, s->version));
      if (s->nparams) {
        jn_t *p = params_json(c, s);
        if (p && p->n) add_prop(c, a, "connect.parameters", p);
      }
      if (s->default_value &&
          (cfg->discard_type_doc_default || !kc_schema_param(s, FIELD_DEFAULT_FLAG)))
        add_prop(c, a, "connect.default", def_from_connect(c, s, s->default_value));
      if (s->name) add_prop(c, a, "connect.name", jtext(c, s->name));
      if (connect_type) add_prop(c, a, "connect.type", jtext(c, connect_type));
    }
    bool legacy_decimal = false;
    if (name_is(s, KC_LOGICAL_DECIMAL)) {
      const char *pr = kc_schema_param(s, PRECISION_PARAM), *sc = kc_schema_param(s, "scale");
      long precision = pr ? strtol(pr, NULL, 10) : 64, scale = sc ? strtol(sc, NULL, 10) : 0;
      if (scale < 0 || scale > precision) {
        legacy_decimal = true; /* not a valid Avro decimal: only the legacy logicalType prop */
      } else {
        if (a->t != A_BYTES && a->t != A_FIXED)
          fail(c, "%s", "Logical type decimal must be backed by fixed or bytes");
        if (precision <= 0) fail(c, "Invalid decimal precision: %s (must be positive)", pr);
        if (a->t == A_FIXED &&
            precision > (long)floor(log10(pow(2, 8.0 * a->size - 1) - 1)))
          fail(c, "fixed cannot store %s digits", pr);
        add_prop(c, a, "logicalType", jtext(c, "decimal"));
        add_prop(c, a, "precision", jint(c, precision));
        add_prop(c, a, "scale", jint(c, scale));
      }
      if (pr || legacy_decimal) add_prop(c, a, "logicalType", jtext(c, "decimal"));
    } else if (name_is(s, KC_LOGICAL_TIME)) {
      add_logical(c, a, "time-millis", A_INT, "Time (millis) can only be used with an underlying int type");
    } else if (name_is(s, KC_LOGICAL_TIMESTAMP)) {
      add_logical(c, a, "timestamp-millis", A_LONG,
                  "Timestamp (millis) can only be used with an underlying long type");
    } else if (name_is(s, KC_LOGICAL_DATE)) {
      add_logical(c, a, "date", A_INT, "Date can only be used with an underlying int type");
    }
    for (size_t i = 0; i < s->nparams; i++)
      if (!strncmp(s->param_keys[i], "avro", 4))
        add_prop(c, a, s->param_keys[i], jtext(c, s->param_values[i]));
    if (!ignore_optional) final = maybe_optional(c, s, a);
  }
  if (!s->optional && !c->err) {
    if (c->nmemo == c->capmemo) {
      memo_t *m = aa(c, (2 * c->capmemo + 16) * sizeof *m);
      if (!m) return NULL;
      if (c->nmemo) memcpy(m, c->memo, c->nmemo * sizeof *m);
      c->memo = m, c->capmemo = 2 * c->capmemo + 16;
    }
    c->memo[c->nmemo++] = (memo_t){s, final};
  }
  return c->err ? NULL : final;
}

/* ---- Schema.toString() (Avro Java 1.11 toJson) ---- */

static bool is_named(const an_t *a) { return a->t == A_RECORD || a->t == A_ENUM || a->t == A_FIXED; }
static bool str_eq(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }
static bool props_equal(const an_t *a, const an_t *b) { /* a map compare: order does not count */
  if (a->nprops != b->nprops) return false;
  for (size_t i = 0; i < a->nprops; i++) {
    size_t j = 0;
    while (j < b->nprops && strcmp(a->pkeys[i], b->pkeys[j])) j++;
    if (j == b->nprops || !jequal(a->pvals[i], b->pvals[j])) return false;
  }
  return true;
}
/* Schema.equals: names, structure, props and field defaults; docs do not count. */
static bool an_equal(const an_t *a, const an_t *b) {
  if (a == b) return true;
  if (a->t != b->t || !props_equal(a, b) || a->nkids != b->nkids) return false;
  if (is_named(a) && (!str_eq(a->name, b->name) || !str_eq(a->space, b->space))) return false;
  if (a->t == A_FIXED) return a->size == b->size;
  for (size_t i = 0; i < a->nkids; i++) {
    if (a->t == A_ENUM) {
      if (strcmp(a->symbols[i], b->symbols[i])) return false;
    } else if (a->t == A_RECORD) {
      const af_t *x = &a->fields[i], *y = &b->fields[i];
      if (strcmp(x->name, y->name) || !an_equal(x->type, y->type) || !jequal(x->def, y->def))
        return false;
    } else if (!an_equal(a->kids[i], b->kids[i])) {
      return false;
    }
  }
  return true;
}

typedef struct {
  fc_t *c;
  const an_t **defs; /* named types written so far (Schema.Names) */
  size_t n;
  const char *space; /* the enclosing record's namespace */
} names_t;

static int full_name(const an_t *a, kc_buf_t *b) {
  if (a->space) {
    int rc = kc_buf_puts(b, a->space);
    if (rc || (rc = kc_buf_puts(b, "."))) return rc;
  }
  return kc_buf_puts(b, a->name);
}
static bool full_eq(const an_t *a, const an_t *b) {
  return !strcmp(a->name, b->name) && str_eq(a->space, b->space);
}
static int key(kc_buf_t *b, const char *k) {
  int rc = kc_json_append_string(b, k, strlen(k));
  return rc ? rc : kc_buf_puts(b, ":");
}
static int kv(kc_buf_t *b, const char *k, const char *v) {
  int rc = kc_buf_puts(b, ",");
  if (!rc) rc = key(b, k);
  return rc ? rc : kc_json_append_string(b, v, strlen(v));
}

static int emit(names_t *nm, const an_t *a, kc_buf_t *b);

/* writeNameRef + writeName: a type already written is printed by name (qualified unless in the
 * enclosing namespace); a different type under a taken name is Avro's "Can't redefine". */
static int emit_named_head(names_t *nm, const an_t *a, kc_buf_t *b, bool *done) {
  *done = false;
  for (size_t i = 0; i < nm->n; i++) {
    if (!full_eq(nm->defs[i], a)) continue;
    kc_buf_t fn;
    kc_buf_init(&fn, 0);
    int rc = full_name(a, &fn);
    if (!rc && !an_equal(nm->defs[i], a)) rc = fail(nm->c, "Can't redefine: %s", fn.data);
    *done = true;
    bool short_ok = a->space && str_eq(a->space, nm->space);
    for (int t = 0; short_ok && t <= A_FIXED; t++)
      if (!strcmp(AT_NAME[t], a->name)) short_ok = false;
    if (!rc) rc = kc_json_append_string(b, short_ok ? a->name : fn.data, short_ok ? strlen(a->name) : fn.len);
    kc_buf_free(&fn);
    return rc;
  }
  const an_t **d = grow(nm->c, nm->defs, nm->n, sizeof *d);
  if (!d) return KC_ENOMEM;
  d[nm->n] = a;
  nm->defs = d, nm->n++;
  int rc = kc_buf_puts(b, "{\"type\":");
  if (!rc) rc = kc_json_append_string(b, AT_NAME[a->t], strlen(AT_NAME[a->t]));
  if (!rc) rc = kv(b, "name", a->name);
  if (!rc && a->space && !str_eq(a->space, nm->space)) rc = kv(b, "namespace", a->space);
  if (!rc && !a->space && nm->space) rc = kv(b, "namespace", "");
  if (!rc && a->doc) rc = kv(b, "doc", a->doc);
  return rc;
}
static int emit_props(const an_t *a, kc_buf_t *b) {
  int rc = 0;
  for (size_t i = 0; !rc && i < a->nprops; i++) {
    rc = kc_buf_puts(b, ",");
    if (!rc) rc = key(b, a->pkeys[i]);
    if (!rc) rc = jwrite(b, a->pvals[i], false);
  }
  return rc;
}
static int emit(names_t *nm, const an_t *a, kc_buf_t *b) {
  int rc = 0;
  bool done;
  switch (a->t) {
    case A_UNION:
      rc = kc_buf_puts(b, "[");
      for (size_t i = 0; !rc && i < a->nkids; i++) {
        if (i) rc = kc_buf_puts(b, ",");
        if (!rc) rc = emit(nm, a->kids[i], b);
      }
      return rc ? rc : kc_buf_puts(b, "]");
    case A_ARRAY:
    case A_MAP:
      rc = kc_buf_puts(b, a->t == A_ARRAY ? "{\"type\":\"array\",\"items\":"
                                          : "{\"type\":\"map\",\"values\":");
      if (!rc) rc = emit(nm, a->kids[0], b);
      break;
    case A_RECORD: {
      if ((rc = emit_named_head(nm, a, b, &done)) || done) return rc;
      const char *saved = nm->space;
      nm->space = a->space;
      rc = kc_buf_puts(b, ",\"fields\":[");
      for (size_t i = 0; !rc && i < a->nkids; i++) {
        const af_t *f = &a->fields[i];
        rc = kc_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        if (!rc) rc = kc_json_append_string(b, f->name, strlen(f->name));
        if (!rc) rc = kc_buf_puts(b, ",\"type\":");
        if (!rc) rc = emit(nm, f->type, b);
        if (!rc && f->doc) rc = kv(b, "doc", f->doc);
        if (!rc && f->def) rc = kc_buf_puts(b, ",\"default\":");
        if (!rc && f->def) rc = jwrite(b, f->def, true);
        if (!rc) rc = kc_buf_puts(b, "}");
      }
      if (!rc) rc = kc_buf_puts(b, "]");
      nm->space = saved;
      break;
    }
    case A_ENUM:
      if ((rc = emit_named_head(nm, a, b, &done)) || done) return rc;
      rc = kc_buf_puts(b, ",\"symbols\":[");
      for (size_t i = 0; !rc && i < a->nkids; i++) {
        if (i) rc = kc_buf_puts(b, ",");
        if (!rc) rc = kc_json_append_string(b, a->symbols[i], strlen(a->symbols[i]));
      }
      if (!rc) rc = kc_buf_puts(b, "]");
      if (!rc && a->enum_default) rc = kv(b, "default", a->enum_default);
      break;
    case A_FIXED:
      if ((rc = emit_named_head(nm, a, b, &done)) || done) return rc;
      rc = kc_buf_puts(b, ",\"size\":");
      if (!rc) rc = kc_buf_append_int(b, a->size);
      break;
    default:
      if (!a->nprops) return kc_json_append_string(b, AT_NAME[a->t], strlen(AT_NAME[a->t]));
      rc = kc_buf_puts(b, "{\"type\":");
      if (!rc) rc = kc_json_append_string(b, AT_NAME[a->t], strlen(AT_NAME[a->t]));
      break;
  }
  if (!rc) rc = emit_props(a, b);
  return rc ? rc : kc_buf_puts(b, "}");
}

an_t *kc__avro_from_tree(fc_t *c, const kc_schema_t *s) { return from_connect(c, s, false); }

int kc__avro_from_print(fc_t *c, const an_t *a, kc_buf_t *out) {
  names_t nm = {.c = c};
  return emit(&nm, a, out);
}
