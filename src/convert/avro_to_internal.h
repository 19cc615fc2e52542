/*
 * Private to avro_to_schema.c and avro_to_value.c, the two halves of AvroData's reading
 * direction (Avro -> Connect); nothing else includes this.
 *
 * avro_to_schema.c maps an Avro schema JSON to a Connect schema (toConnectSchema) and, as it
 * goes, builds the decode plan below. avro_to_value.c makes Connect values: it walks a datum
 * with the plan (toConnectData), and it reads JSON defaults (defaultValueFromAvro), which the
 * schema mapping asks for while it runs, so the mapping context (ctx_t) and the few schema
 * helpers the default reader needs are shared here.
 */
#ifndef KC_CONVERT_AVRO_TO_INTERNAL_H
#define KC_CONVERT_AVRO_TO_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "convert/avro_data.h"
#include "convert/converter.h"
#include "convert/converter_internal.h"

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

/* A block of @p n * @p size zeroed bytes owned by @p r (freed with the plan). NULL: ENOMEM,
 * or @p r NULL (mapping a twin schema, which has no plan). */
void *kc__avro_to_pr_calloc(plan_root_t *r, size_t n, size_t size);
/* Frees a plan_root_t (the kc_avro_schema_t to_plan_free hook). */
void kc__avro_to_plan_free(void *plan_root);

/* ---- schema mapping context (toConnectSchema) ---- */

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

/* Records the first error (@p fmt with one %s, @p arg) in @p c. @returns NULL, for tail calls. */
kc_schema_t *kc__avro_to_fail(ctx_t *c, int err, const char *fmt, const char *arg);
#define NOMEM(c) kc__avro_to_fail((c), KC_ENOMEM, "", NULL)

static inline const char *jstr(const json_t *o, const char *k) {
  return json_is_object(o) ? json_string_value(json_object_get(o, k)) : NULL;
}
static inline const json_t *jget(const json_t *o, const char *k) {
  return json_is_object(o) ? json_object_get(o, k) : NULL;
}

bool kc__avro_to_is_primitive(const char *t);
/* Avro full name of @p name in namespace @p ns_attr, else @p ns; malloc'd, NULL: ENOMEM. */
char *kc__avro_to_full_name(const char *name, const char *ns_attr, const char *ns);
bool kc__avro_to_is_null_schema(const json_t *j);
/* Resolves a type reference: primitive names stay strings, named references give their
 * definition (*@p ns becomes the namespace it was defined in, *@p named its entry). */
const json_t *kc__avro_to_resolve(ctx_t *c, const json_t *j, const char **ns, named_t **named);
/* AvroData's Connect field name for union member @p m (malloc'd; NULL: ENOMEM;
 * c->err untouched). */
char *kc__avro_to_union_field_name(ctx_t *c, const json_t *m, const char *ns);
/* Maps Avro schema @p j (namespace @p ns) to a new Connect schema reference and, when c->pr is
 * set, its plan node *@p pp. @p force_opt: optional whatever the JSON says; @p fdef: the
 * field's JSON default; @p docdef: the field's doc. NULL with c->err set. */
kc_schema_t *kc__avro_to_build(ctx_t *c, const json_t *j, const char *ns, bool force_opt,
                               const json_t *fdef, const char *docdef, plan_t **pp);
/* The Connect value of Avro default @p dv for schema @p s being built from Avro node @p aj.
 * *@p ok false: AvroData would throw and then ignore the default (not an error of the
 * mapping); a real error sets c->err. (avro_to_value.c) */
kc_value_t *kc__avro_to_default_value(ctx_t *c, const kc_schema_t *s, const json_t *aj,
                                      const char *ns, const json_t *dv, bool *ok);

#endif
