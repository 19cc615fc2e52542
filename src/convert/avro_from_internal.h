/*
 * Private to AvroData's Connect -> Avro files: avro_from_connect.c (fromConnectSchema: builds the
 * Avro schema tree and prints it) and avro_encode.c (the encoding plan, fromConnectData, the
 * schema cache). The tree is the interface between them: the encoder derives its plan (union
 * branch indices, enum symbols, fixed sizes) from the very nodes the printed schema came from, so
 * the bytes written always match the schema text that was compiled.
 */
#ifndef KC_CONVERT_AVRO_FROM_INTERNAL_H
#define KC_CONVERT_AVRO_FROM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "convert/avro_data.h"
#include "convert/converter_internal.h"

#define NS "io.confluent.connect.avro"
#define AVRO_UNION_NAME NS ".Union"
#define AVRO_ENUM_PARAM NS ".Enum"
#define CONNECT_UNION_PARAM "org.apache.kafka.connect.data.Union"
#define FIELD_DEFAULT_FLAG NS ".field.default"
#define FIXED_SIZE_PARAM "connect.fixed.size"
#define PRECISION_PARAM "connect.decimal.precision"

/* ---- JSON values (props and defaults), typed like Jackson's nodes ---- */

typedef enum { J_NULL, J_BOOL, J_INT, J_LONG, J_FLOAT, J_DOUBLE, J_TEXT, J_ARRAY, J_OBJECT } jk_t;
typedef struct jn_s {
  jk_t k;
  bool b;
  int64_t i;
  double d;
  const char *s; /* J_TEXT: UTF-8, len bytes */
  size_t len, n;
  struct jn_s **items;
  const char **keys; /* J_OBJECT */
} jn_t;

/* ---- Avro schema tree ---- */

typedef enum { A_NULL, A_BOOLEAN, A_INT, A_LONG, A_FLOAT, A_DOUBLE, A_BYTES, A_STRING, A_RECORD,
               A_ENUM, A_ARRAY, A_MAP, A_UNION, A_FIXED } at_t;
typedef struct an_s an_t;
typedef struct {
  const char *name, *doc;
  an_t *type;
  jn_t *def; /* NULL: no default */
} af_t;
struct an_s {
  at_t t;
  const char *name, *space, *doc; /* named types; name is the simple name */
  size_t nprops, nkids;
  const char **pkeys;
  jn_t **pvals;
  an_t **kids; /* ARRAY items / MAP values: kids[0]; UNION branches */
  af_t *fields;
  const char **symbols, *enum_default;
  int32_t size;
};

typedef struct {
  const kc_schema_t *connect;
  an_t *avro;
} memo_t;

typedef struct {
  kc_avro_data_t *ad;
  const kc_avro_data_config_t *cfg;
  kc_arena_t *ar;
  memo_t *memo; /* Java's FromConnectContext.schemaMap (required schemas only) */
  size_t nmemo, capmemo;
  int name_index;
  char *errstr;
  size_t errsz;
  int err;
} fc_t;

/* The build context's arena allocator: zeroed memory; a failure is remembered in c->err so the
 * recursive walks can keep going and report once. */
static inline void *aa(fc_t *c, size_t n) {
  void *p = kc_arena_alloc(c->ar, n ? n : 1);
  if (!p && !c->err) c->err = KC_ENOMEM;
  if (p) memset(p, 0, n);
  return p;
}
static inline char *adup(fc_t *c, const char *s, size_t n) {
  char *p = aa(c, n + 1);
  if (p) memcpy(p, s, n);
  return p;
}

/* A Connect struct AvroData treats as an Avro union (its name or the Connect Union parameter). */
static inline bool is_union_struct(const kc_schema_t *s) {
  return s->type == KC_TYPE_STRUCT &&
         ((s->name && !strcmp(s->name, AVRO_UNION_NAME)) || kc_schema_param(s, CONNECT_UNION_PARAM));
}
/* A struct field's value, its schema's default when unset (what Struct.get returns). */
static inline const kc_value_t *field_value(const kc_value_t *st, size_t i) {
  const kc_value_t *v = st->u.st.vals[i];
  return v ? v : st->u.st.schema->fields[i].schema->default_value;
}
/* Decimal.fromLogical gives BigInteger.toByteArray: the shortest two's complement, so redundant
 * sign bytes go (the empty array stands for zero). */
static inline size_t decimal_min(const unsigned char **d, size_t n) {
  static const unsigned char zero[1];
  if (!n) *d = zero, n = 1;
  while (n > 1 && (((*d)[0] == 0 && !((*d)[1] & 0x80)) || ((*d)[0] == 0xFF && ((*d)[1] & 0x80))))
    (*d)++, n--;
  return n;
}

/**
 * AvroData.fromConnectSchema's tree for a Connect schema (Confluent 7.9.9), built in c->ar with
 * the props, names and ConnectDefaultN numbering Java's org.apache.avro.Schema would carry.
 *
 * @param c  build context: config, arena (owns the returned tree), error text; c->err set on
 *           failure (KC_ECONVERT with the message Java throws, or KC_ENOMEM)
 * @param s  the Connect schema, not NULL (the schemaless case is the caller's ANYTHING schema)
 * @return the tree (an optional schema gives the null union around it), NULL on error
 */
an_t *kc__avro_from_tree(fc_t *c, const kc_schema_t *s);

/**
 * Appends the tree as Avro Java 1.11 Schema.toString() prints it: named types written once, then
 * by name, namespaces relative to the enclosing record.
 *
 * @param c    the context the tree was built in (its arena holds the printer's bookkeeping)
 * @param a    the tree from kc__avro_from_tree()
 * @param out  the buffer appended to
 * @return 0, KC_ENOMEM, or KC_ECONVERT ("Can't redefine: ...", message in c->errstr)
 */
int kc__avro_from_print(fc_t *c, const an_t *a, kc_buf_t *out);

#endif
