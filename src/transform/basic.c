/*
 * Record-level transformations and the predicates of connect/transforms: Filter, RegexRouter,
 * TimestampRouter, InsertHeader, DropHeaders, SetSchemaMetadata; RecordIsTombstone,
 * HasHeaderKey, TopicNameMatches.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "convert/converter_internal.h"
#include "transform/java_date.h"
#include "transform/xf_util.h"
#include "util/jregex.h"

static int regex_validator(const char *name, const char *value, char *err, size_t n) {
  (void)name;
  char why[512];
  kc_jregex_t *re = kc_jregex_compile(value, why, sizeof why);
  if (re) {
    kc_jregex_free(re);
    return 0;
  }
  snprintf(err, n, "Invalid regex: %s", why);
  return KC_EINVAL;
}

/* ---- Filter ---- */

static int filter_create(const kc_config_t *cfg, kc_xf_variant_t v, void **state, char *e, size_t n) {
  (void)cfg, (void)v, (void)e, (void)n;
  *state = NULL;
  return 0;
}
static int filter_apply(void *s, kc_xrecord_t *r, kc_xf_error_t *err) {
  (void)s, (void)r, (void)err;
  return KC_XF_DROP;
}
static void nothing_destroy(void *s) { (void)s; }

static const kc_config_def_t no_defs[] = {KC_XF_DEFS_END};
const kc_transform_plugin_t kc_xf_filter = {"org.apache.kafka.connect.transforms.Filter", KC_XF_TRANSFORM,
                                            KC_XF_WHOLE, no_defs, filter_create, filter_apply, NULL,
                                            nothing_destroy};

/* ---- RegexRouter ---- */

typedef struct {
  kc_jregex_t *re;
  char *replacement;
  kc_buf_t buf;
  /* the last topic seen and its result: records come in runs of one topic, and the answer
   * depends on the topic alone */
  char *last_in;
  bool last_matched;
} router_t;

static const kc_config_def_t router_defs[] = {
    {"regex", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH, "Regular expression to use for matching.", NULL, NULL, 0, 0, regex_validator},
    {"replacement", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH, "Replacement string.", NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void router_destroy(void *p) {
  router_t *t = p;
  if (!t) return;
  kc_jregex_free(t->re);
  free(t->replacement);
  free(t->last_in);
  kc_buf_free(&t->buf);
  free(t);
}

static int router_create(const kc_config_t *cfg, kc_xf_variant_t v, void **state, char *err, size_t n) {
  (void)v;
  router_t *t = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  kc_buf_init(&t->buf, 0);
  char why[512];
  if (!(t->re = kc_jregex_compile(kc_config_get(cfg, "regex"), why, sizeof why))) {
    snprintf(err, n, "Invalid regex: %s", why);
    router_destroy(t);
    return KC_EINVAL;
  }
  if (!(t->replacement = strdup(kc_config_get(cfg, "replacement")))) {
    router_destroy(t);
    return KC_ENOMEM;
  }
  *state = t;
  return 0;
}

static int router_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  router_t *t = p;
  if (!t->last_in || strcmp(t->last_in, r->topic)) {
    free(t->last_in);
    t->last_in = NULL;
    t->last_matched = kc_jregex_matches(t->re, r->topic, strlen(r->topic));
    if (t->last_matched) {
      kc_buf_reset(&t->buf);
      const char *exc;
      char why[512];
      int rc = kc_jregex_replace_match(t->re, r->topic, t->replacement, &t->buf, &exc, why, sizeof why);
      if (rc == KC_EINVAL) return kc_xf_fail(err, exc, "%s", why);
      if (rc) return rc;
    }
    if (!(t->last_in = strdup(r->topic))) return KC_ENOMEM;
  }
  if (!t->last_matched) return 0;
  return kc_xrecord_set_topic(r, t->buf.data ? t->buf.data : "", t->buf.len);
}

const kc_transform_plugin_t kc_xf_regex_router = {"org.apache.kafka.connect.transforms.RegexRouter",
                                                  KC_XF_TRANSFORM, KC_XF_WHOLE, router_defs,
                                                  router_create, router_apply, NULL, router_destroy};

/* ---- TimestampRouter ---- */

typedef struct {
  char *topic_format;
  kc_java_date_t *fmt;
  kc_buf_t ts, out;
} tsr_t;

static int date_validator(const char *name, const char *value, char *err, size_t n) {
  (void)name;
  kc_java_date_t *f = kc_java_date_compile(value, err, n);
  if (!f) return KC_EINVAL;
  kc_java_date_free(f);
  return 0;
}

static const kc_config_def_t tsr_defs[] = {
    {"topic.format", KC_CFG_STRING, "${topic}-${timestamp}", 0, KC_CFG_HIGH,
     "Format string which can contain <code>${topic}</code> and <code>${timestamp}</code> as placeholders for "
     "the topic and timestamp, respectively.", NULL, NULL, 0, 0, NULL},
    {"timestamp.format", KC_CFG_STRING, "yyyyMMdd", 0, KC_CFG_HIGH,
     "Format string for the timestamp that is compatible with <code>java.text.SimpleDateFormat</code>.", NULL,
     NULL, 0, 0, date_validator},
    KC_XF_DEFS_END,
};

static void tsr_destroy(void *p) {
  tsr_t *t = p;
  if (!t) return;
  free(t->topic_format);
  kc_java_date_free(t->fmt);
  kc_buf_free(&t->ts);
  kc_buf_free(&t->out);
  free(t);
}

static int tsr_create(const kc_config_t *cfg, kc_xf_variant_t v, void **state, char *err, size_t n) {
  (void)v;
  tsr_t *t = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  kc_buf_init(&t->ts, 0);
  kc_buf_init(&t->out, 0);
  if (!(t->topic_format = strdup(kc_config_get(cfg, "topic.format")))) {
    tsr_destroy(t);
    return KC_ENOMEM;
  }
  if (!(t->fmt = kc_java_date_compile(kc_config_get(cfg, "timestamp.format"), err, n))) {
    tsr_destroy(t);
    return KC_EINVAL;
  }
  *state = t;
  return 0;
}

/* Pattern.LITERAL replaceAll of ${topic}, then of ${timestamp} in the result (Java's order). */
static int replace_all(const char *in, const char *what, const char *with, kc_buf_t *out) {
  size_t wl = strlen(what);
  int rc = 0;
  for (const char *p = in; *p && !rc;) {
    const char *hit = strstr(p, what);
    if (!hit) {
      rc = kc_buf_puts(out, p);
      break;
    }
    rc = kc_buf_append(out, p, (size_t)(hit - p));
    if (!rc) rc = kc_buf_puts(out, with);
    p = hit + wl;
  }
  return rc;
}

static int tsr_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  tsr_t *t = p;
  if (r->timestamp < 0)
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Timestamp missing on record: %s(topic=%s, partition=%d)",
                      r->sink ? "SinkRecord" : "SourceRecord", r->topic, (int)r->partition);
  kc_buf_reset(&t->ts);
  kc_buf_reset(&t->out);
  if (kc_java_date_format(t->fmt, r->timestamp, &t->ts)) return KC_ENOMEM;
  kc_buf_t mid;
  kc_buf_init(&mid, 0);
  int rc = replace_all(t->topic_format, "${topic}", r->topic, &mid);
  if (!rc) rc = replace_all(mid.data ? mid.data : "", "${timestamp}", t->ts.data ? t->ts.data : "", &t->out);
  kc_buf_free(&mid);
  if (rc) return KC_ENOMEM;
  return kc_xrecord_set_topic(r, t->out.data ? t->out.data : "", t->out.len);
}

const kc_transform_plugin_t kc_xf_timestamp_router = {
    "org.apache.kafka.connect.transforms.TimestampRouter", KC_XF_TRANSFORM, KC_XF_WHOLE, tsr_defs,
    tsr_create, tsr_apply, NULL, tsr_destroy};

/* ---- InsertHeader ---- */

typedef struct {
  char *header;
  kc_schema_t *schema;
  kc_value_t *value; /* parsed once: outlives every record */
} ih_t;

static const kc_config_def_t ih_defs[] = {
    {"header", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH, "The name of the header.", NULL, NULL, 0, 0, NULL},
    {"value.literal", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
     "The literal value that is to be set as the header value on all records.", NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void ih_destroy(void *p) {
  ih_t *t = p;
  if (!t) return;
  free(t->header);
  kc_schema_decref(t->schema);
  kc_value_destroy(t->value);
  free(t);
}

static int ih_create(const kc_config_t *cfg, kc_xf_variant_t v, void **state, char *err, size_t n) {
  (void)v;
  ih_t *t = calloc(1, sizeof *t);
  if (!t || !(t->header = strdup(kc_config_get(cfg, "header")))) {
    ih_destroy(t);
    return KC_ENOMEM;
  }
  /* Values.parseString: the literal as SimpleHeaderConverter would read it */
  const char *lit = kc_config_get(cfg, "value.literal");
  if (kc_values_parse_string(lit, strlen(lit), &t->schema, &t->value, err, n)) {
    ih_destroy(t);
    return KC_EINVAL;
  }
  *state = t;
  return 0;
}

static int ih_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  (void)err;
  ih_t *t = p;
  return kc_xrecord_header_add(r, t->header, t->schema, t->value);
}

const kc_transform_plugin_t kc_xf_insert_header = {"org.apache.kafka.connect.transforms.InsertHeader",
                                                   KC_XF_TRANSFORM, KC_XF_WHOLE, ih_defs, ih_create,
                                                   ih_apply, NULL, ih_destroy};

/* ---- DropHeaders ---- */

static const kc_config_def_t dh_defs[] = {
    {"headers", KC_CFG_LIST, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH, "The name of the headers to be removed.", NULL, NULL, 0, 0, kc_xf_validate_nonempty_list},
    KC_XF_DEFS_END,
};

typedef struct {
  char **names;
  int n;
} dh_t;

static void dh_destroy(void *p) {
  dh_t *t = p;
  if (!t) return;
  kc_config_list_free(t->names);
  free(t);
}

static int dh_create(const kc_config_t *cfg, kc_xf_variant_t v, void **state, char *err, size_t n) {
  (void)v, (void)err, (void)n;
  dh_t *t = calloc(1, sizeof *t);
  if (!t) return KC_ENOMEM;
  t->n = kc_config_get_list(cfg, "headers", &t->names);
  if (t->n < 0) t->n = 0;
  *state = t;
  return 0;
}

static int dh_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  (void)err;
  dh_t *t = p;
  for (int i = 0; i < t->n; i++)
    if (kc_xrecord_header_has(r, t->names[i])) kc_xrecord_header_remove(r, t->names[i]);
  return 0;
}

const kc_transform_plugin_t kc_xf_drop_headers = {"org.apache.kafka.connect.transforms.DropHeaders",
                                                  KC_XF_TRANSFORM, KC_XF_WHOLE, dh_defs, dh_create,
                                                  dh_apply, NULL, dh_destroy};

/* ---- SetSchemaMetadata ---- */

typedef struct {
  kc_xf_variant_t variant;
  char *name;
  bool has_version;
  int32_t version;
  bool rnwd;
  kc_xf_schema_cache_t *cache;
} ssm_t;

static const kc_config_def_t ssm_defs[] = {
    {"schema.name", KC_CFG_STRING, NULL, 0, KC_CFG_HIGH, "Schema name to set.", NULL, NULL, 0, 0, NULL},
    {"schema.version", KC_CFG_INT, NULL, 0, KC_CFG_HIGH, "Schema version to set.", NULL, NULL, 0, 0, NULL},
    {"replace.null.with.default", KC_CFG_BOOLEAN, "true", 0, KC_CFG_MEDIUM, KC_XF_RNWD_DOC, NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};

static void ssm_destroy(void *p) {
  ssm_t *t = p;
  if (!t) return;
  free(t->name);
  kc_xf_schema_cache_destroy(t->cache);
  free(t);
}

static int ssm_create(const kc_config_t *cfg, kc_xf_variant_t variant, void **state, char *err, size_t n) {
  ssm_t *t = calloc(1, sizeof *t);
  if (!t || !(t->cache = kc_xf_schema_cache_new(16))) {
    free(t);
    return KC_ENOMEM;
  }
  t->variant = variant;
  const char *name = kc_config_get(cfg, "schema.name");
  int64_t ver;
  t->has_version = kc_config_get_int(cfg, "schema.version", &ver) == 0;
  t->version = (int32_t)ver;
  bool b = true;
  kc_config_get_bool(cfg, "replace.null.with.default", &b);
  t->rnwd = b;
  if (name && !(t->name = strdup(name))) {
    ssm_destroy(t);
    return KC_ENOMEM;
  }
  if (!t->name && !t->has_version) {
    snprintf(err, n, "Neither schema name nor version configured");
    ssm_destroy(t);
    return KC_EINVAL;
  }
  *state = t;
  return 0;
}

/* new ConnectSchema(type, optional, default, name', version', doc, params, fields, key, value) */
static kc_schema_t *ssm_schema(ssm_t *t, const kc_schema_t *in) {
  kc_schema_t *s = kc_xf_schema_copy_basics(in, in->type);
  if (!s) return NULL;
  if (t->name && kc_schema_set_name(s, t->name)) goto fail;
  if (t->has_version) {
    s->has_version = true;
    s->version = t->version;
  }
  s->optional = in->optional;
  s->default_value = in->default_value ? kc_value_copy(in->default_value) : NULL;
  if (in->default_value && !s->default_value) goto fail;
  for (size_t i = 0; i < in->nfields; i++)
    if (kc_schema_add_field(s, in->fields[i].name, kc_schema_incref(in->fields[i].schema))) goto fail;
  s->key_schema = kc_schema_incref(in->key_schema);
  s->value_schema = kc_schema_incref(in->value_schema);
  return s;
fail:
  kc_schema_decref(s);
  return NULL;
}

static int ssm_apply(void *p, kc_xrecord_t *r, kc_xf_error_t *err) {
  ssm_t *t = p;
  const kc_value_t *v = kc_xf_op_value(r, t->variant);
  const kc_schema_t *schema = kc_xf_op_schema(r, t->variant);
  if (!v && !schema) return 0;
  if (kc_xf_require_schema(schema, "updating schema metadata", err)) return KC_ECONVERT;
  /* Java builds the new ConnectSchema with schema.fields(), which throws for anything but a
   * struct: SetSchemaMetadata fails on every other schema in 3.9 and 4.x alike. */
  if (schema->type != KC_TYPE_STRUCT)
    return kc_xf_fail(err, KC_XF_DATA_EXCEPTION, "Cannot list fields on non-struct type");
  kc_schema_t *out = kc_xf_schema_cache_get(t->cache, schema);
  if (!out) {
    if (!(out = ssm_schema(t, schema))) return KC_ENOMEM;
    kc_xf_schema_cache_put(t->cache, schema, out);
    kc_schema_decref(out);
  }
  if (kc_xrecord_retain(r, out)) return KC_ENOMEM;
  /* updateSchemaIn: a Struct is rebuilt against the new schema, anything else kept */
  if (v && v->type == KC_TYPE_STRUCT) {
    kc_value_t *st = kc_xf_new_struct(r, out);
    if (!st) return KC_ENOMEM;
    for (size_t i = 0; i < out->nfields && i < v->u.st.schema->nfields; i++)
      st->u.st.vals[i] = (kc_value_t *)kc_xf_struct_get(v, &v->u.st.schema->fields[i], t->rnwd);
    v = st;
  }
  return kc_xf_op_set(r, t->variant, out, v);
}

const kc_transform_plugin_t kc_xf_set_schema_metadata_key = {
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key", KC_XF_TRANSFORM, KC_XF_KEY, ssm_defs,
    ssm_create, ssm_apply, NULL, ssm_destroy};
const kc_transform_plugin_t kc_xf_set_schema_metadata_value = {
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value", KC_XF_TRANSFORM, KC_XF_VALUE, ssm_defs,
    ssm_create, ssm_apply, NULL, ssm_destroy};

/* ---- predicates ---- */

static int tomb_test(void *s, kc_xrecord_t *r, kc_xf_error_t *err) {
  (void)s, (void)err;
  return r->value == NULL;
}
const kc_transform_plugin_t kc_xf_record_is_tombstone = {
    "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", KC_XF_PREDICATE, KC_XF_WHOLE,
    no_defs, filter_create, NULL, tomb_test, nothing_destroy};

static const kc_config_def_t hhk_defs[] = {
    {"name", KC_CFG_STRING, NULL, KC_CFG_REQUIRED | KC_CFG_NONEMPTY, KC_CFG_MEDIUM, "The header name.", NULL, NULL, 0, 0, NULL},
    KC_XF_DEFS_END,
};
static int hhk_create(const kc_config_t *cfg, kc_xf_variant_t v, void **state, char *e, size_t n) {
  (void)v, (void)e, (void)n;
  return (*state = strdup(kc_config_get(cfg, "name"))) ? 0 : KC_ENOMEM;
}
static int hhk_test(void *s, kc_xrecord_t *r, kc_xf_error_t *err) {
  (void)err;
  return kc_xrecord_header_has(r, s);
}
const kc_transform_plugin_t kc_xf_has_header_key = {
    "org.apache.kafka.connect.transforms.predicates.HasHeaderKey", KC_XF_PREDICATE, KC_XF_WHOLE, hhk_defs,
    hhk_create, NULL, hhk_test, free};

static int tnm_validator(const char *name, const char *value, char *err, size_t n) {
  if (!*value) {
    snprintf(err, n, "String must be non-empty");
    return KC_EINVAL;
  }
  return regex_validator(name, value, err, n);
}
static const kc_config_def_t tnm_defs[] = {
    {"pattern", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_MEDIUM,
     "A Java regular expression for matching against the name of a record's topic.", NULL, NULL, 0, 0, tnm_validator},
    KC_XF_DEFS_END,
};
static int tnm_create(const kc_config_t *cfg, kc_xf_variant_t v, void **state, char *err, size_t n) {
  (void)v;
  char why[512];
  const char *pat = kc_config_get(cfg, "pattern");
  if (!(*state = kc_jregex_compile(pat, why, sizeof why))) {
    snprintf(err, n, "Invalid value %s for configuration pattern: entry must be a Java-compatible regular expression: %s",
             pat, why);
    return KC_EINVAL;
  }
  return 0;
}
static int tnm_test(void *s, kc_xrecord_t *r, kc_xf_error_t *err) {
  (void)err;
  return kc_jregex_matches(s, r->topic, strlen(r->topic));
}
static void tnm_destroy(void *s) { kc_jregex_free(s); }
const kc_transform_plugin_t kc_xf_topic_name_matches = {
    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches", KC_XF_PREDICATE, KC_XF_WHOLE,
    tnm_defs, tnm_create, NULL, tnm_test, tnm_destroy};
