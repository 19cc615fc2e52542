/*
 * Partitioners (partitioner.h), after storage-common's DefaultPartitioner,
 * FieldPartitioner, TimeBasedPartitioner (+ Daily, Hourly) and its timestamp
 * extractors, including their quirks where they shape the output:
 *  - nested names: a Struct path splits on every '.', a Map path only on dots
 *    outside double quotes, and quotes are then dropped (DataUtils);
 *  - a Struct field renders by its schema type (null prints "null"), a Map
 *    value by its own type (numbers as Java prints them; null is an error);
 *  - time buckets floor the local time with Java's truncating division and go
 *    back to UTC with Joda's convertLocalToUTC(strict = false).
 * Time-based encoding caches the last bucket's string: consecutive records
 * mostly share a bucket, so printing the path costs one offset lookup.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "partitioner.h"
#include "pathformat.h"

#define MS_PER_HOUR 3600000LL
#define MS_PER_DAY 86400000LL
/* Timestamps beyond this (~146 million years) would overflow the zone arithmetic. */
#define TS_LIMIT KC_PATHFORMAT_MAX_INSTANT
#define TIMESTAMP_LOGICAL "org.apache.kafka.connect.data.Timestamp"

struct kc_s3_partitioner_s {
  kc_s3_partitioner_class_t cls;
  char *delim;
  char **fields; /* FieldPartitioner, without duplicates */
  size_t nfields;
  kc_s3_ts_extractor_t extractor;
  char *ts_field;
  kc_tz_t *tz;
  kc_pathformat_t *fmt;
  int64_t duration_ms;
  bool cache_valid;
  int64_t cache_floor; /* the local bucket start the cached string prints */
  kc_buf_t cache;
};

/* Schema.Type.getName() */
static const char *type_name(kc_type_t t) {
  static const char *const names[] = {"int8",    "int16",   "int32",  "int64",
                                      "float32", "float64", "boolean", "string",
                                      "bytes",   "array",   "map",    "struct"};
  return (unsigned)t < sizeof names / sizeof *names ? names[t] : "unknown";
}

static bool is_blank(const char *s) {
  for (; s && *s; s++)
    if ((unsigned char)*s > ' ') return false;
  return true;
}

void kc_s3_partitioner_free(kc_s3_partitioner_t *p) {
  if (!p) return;
  for (size_t i = 0; i < p->nfields; i++) free(p->fields[i]);
  free(p->fields);
  free(p->delim);
  free(p->ts_field);
  kc_tz_free(p->tz);
  kc_pathformat_free(p->fmt);
  kc_buf_free(&p->cache);
  free(p);
}

static int setup_time_based(kc_s3_partitioner_t *p, const kc_s3_conf_t *c, char *err, size_t errlen) {
  kc_buf_t fmt;
  kc_buf_init(&fmt, 0);
  int rc = 0;
  if (c->partitioner == KC_S3_PARTITIONER_DAILY || c->partitioner == KC_S3_PARTITIONER_HOURLY) {
    bool hourly = c->partitioner == KC_S3_PARTITIONER_HOURLY;
    p->duration_ms = hourly ? MS_PER_HOUR : MS_PER_DAY;
    rc = kc_buf_printf(&fmt, "'year'=YYYY%s'month'=MM%s'day'=dd%s%s", p->delim, p->delim,
                       hourly ? p->delim : "", hourly ? "'hour'=HH" : "");
  } else {
    p->duration_ms = c->partition_duration_ms;
    if (p->duration_ms <= 0) {
      snprintf(err, errlen, "partition.duration.ms: Partition duration needs to be a positive.");
      return KC_EINVAL;
    }
    const char *pf = c->path_format ? c->path_format : "";
    if (is_blank(pf) || strcmp(pf, p->delim) == 0) {
      snprintf(err, errlen, "path.format: Path format cannot be empty.");
      return KC_EINVAL;
    }
    size_t len = strlen(pf), dl = strlen(p->delim);
    /* a delimiter the user ended the format with is dropped */
    if (!is_blank(p->delim) && len >= dl && strcmp(pf + len - dl, p->delim) == 0) len -= dl;
    rc = kc_buf_append(&fmt, pf, len);
  }
  if (rc) goto done;
  if (is_blank(c->locale)) {
    snprintf(err, errlen, "locale: Locale cannot be empty.");
    rc = KC_EINVAL;
  } else if (is_blank(c->timezone)) {
    snprintf(err, errlen, "timezone: Timezone cannot be empty.");
    rc = KC_EINVAL;
  } else {
    char why[256];
    rc = kc_tz_load(c->timezone, &p->tz, why, sizeof why);
    if (rc == KC_EINVAL) snprintf(err, errlen, "timezone: %s", why);
    if (!rc) {
      rc = kc_pathformat_compile(fmt.data, c->locale, &p->fmt, why, sizeof why);
      if (rc == KC_EINVAL) snprintf(err, errlen, "path.format: %s", why);
      if (rc == KC_ENOTSUP) snprintf(err, errlen, "locale: %s", why), rc = KC_EINVAL;
    }
  }
done:
  kc_buf_free(&fmt);
  if (rc == KC_ENOMEM) snprintf(err, errlen, "out of memory");
  return rc;
}

int kc_s3_partitioner_new(const kc_s3_conf_t *c, kc_s3_partitioner_t **out, char *err,
                          size_t errlen) {
  *out = NULL;
  kc_s3_partitioner_t *p = calloc(1, sizeof *p);
  if (!p) goto nomem;
  kc_buf_init(&p->cache, 0);
  p->cls = c->partitioner;
  p->extractor = c->ts_extractor;
  p->delim = strdup(c->directory_delim ? c->directory_delim : "/");
  p->ts_field = strdup(c->timestamp_field ? c->timestamp_field : "timestamp");
  if (!p->delim || !p->ts_field) goto nomem;
  int rc = 0;
  if (p->cls == KC_S3_PARTITIONER_FIELD) {
    if (!c->npartition_fields) {
      snprintf(err, errlen,
               "partition.field.name: Partition field name cannot be null or empty when using "
               "FieldPartitioner.");
      rc = KC_EINVAL;
      goto fail;
    }
    p->fields = calloc(c->npartition_fields, sizeof *p->fields);
    if (!p->fields) goto nomem;
    for (size_t i = 0; i < c->npartition_fields; i++) {
      bool dup = false; /* LinkedHashMap.put of the same field keeps one entry */
      for (size_t j = 0; j < p->nfields && !dup; j++) dup = !strcmp(p->fields[j], c->partition_fields[i]);
      if (dup) continue;
      if (!(p->fields[p->nfields] = strdup(c->partition_fields[i]))) goto nomem;
      p->nfields++;
    }
  } else if (p->cls != KC_S3_PARTITIONER_DEFAULT) {
    rc = setup_time_based(p, c, err, errlen);
    if (rc) goto fail;
  }
  *out = p;
  return 0;
nomem:
  rc = KC_ENOMEM;
  snprintf(err, errlen, "out of memory");
fail:
  kc_s3_partitioner_free(p);
  return rc;
}

bool kc_s3_partitioner_time_based(const kc_s3_partitioner_t *p) {
  return p->cls != KC_S3_PARTITIONER_DEFAULT && p->cls != KC_S3_PARTITIONER_FIELD;
}

const kc_tz_t *kc_s3_partitioner_tz(const kc_s3_partitioner_t *p) { return p->tz; }

/* ---- nested fields (DataUtils) ---- */

typedef struct {
  char **tok;
  size_t n;
} path_t;

static void path_free(path_t *pa) {
  for (size_t i = 0; i < pa->n; i++) free(pa->tok[i]);
  free(pa->tok);
}

/*
 * String.split on "\." (Struct) or on dots followed by an even number of
 * quotes (Map), trailing empty pieces dropped as Java does; quotes removed
 * from each piece only when @p strip.
 */
static int path_split(const char *name, bool quote_aware, bool strip, path_t *pa) {
  size_t len = strlen(name);
  pa->n = 0;
  pa->tok = calloc(len + 1, sizeof *pa->tok);
  if (!pa->tok) return KC_ENOMEM;
  size_t start = 0;
  for (size_t i = 0; i <= len; i++) {
    bool cut = i == len;
    if (!cut && name[i] == '.') {
      cut = true;
      if (quote_aware) {
        size_t quotes = 0;
        for (size_t j = i + 1; j < len; j++) quotes += name[j] == '"';
        cut = quotes % 2 == 0;
      }
    }
    if (!cut) continue;
    char *t = malloc(i - start + 1);
    if (!t) return KC_ENOMEM;
    size_t k = 0;
    for (size_t j = start; j < i; j++)
      if (!strip || name[j] != '"') t[k++] = name[j];
    t[k] = '\0';
    pa->tok[pa->n++] = t;
    start = i + 1;
  }
  while (pa->n && !pa->tok[pa->n - 1][0] && !(pa->n == 1 && len == 0)) free(pa->tok[--pa->n]);
  return 0;
}

/*
 * DataUtils.getNestedFieldValue, and for a Struct root the field's schema as
 * getNestedField finds it (NULL for a Map root). *out NULL: a null Struct field.
 */
static int nested_get(const kc_schema_t *schema, const kc_value_t *root, const char *name,
                      const kc_value_t **out, const kc_schema_t **fschema, char *err, size_t errlen) {
  bool is_struct = root && root->type == KC_TYPE_STRUCT;
  if (*name && !strpbrk(name, ".\"")) { /* the common case: a plain top-level name, no allocation */
    const kc_field_t *f = is_struct ? kc_schema_field(root->u.st.schema, name) : NULL;
    const kc_value_t *v = is_struct ? (f ? kc_value_struct_get(root, name) : NULL)
                          : root && root->type == KC_TYPE_MAP ? kc_value_map_get_str(root, name)
                                                              : NULL;
    if (is_struct ? !f : !v) {
      snprintf(err, errlen, "The nested field named '%s' does not exist.", name);
      return KC_EINVAL;
    }
    const kc_field_t *sf = is_struct && schema && schema->type == KC_TYPE_STRUCT ? kc_schema_field(schema, name) : f;
    *fschema = is_struct ? (sf ? sf->schema : f->schema) : NULL;
    *out = v;
    return 0;
  }
  path_t pa;
  int rc = path_split(name, !is_struct, true, &pa);
  const kc_value_t *cur = root;
  for (size_t i = 0; rc == 0 && i < pa.n; i++) {
    if (cur && cur->type == KC_TYPE_STRUCT) {
      if (!kc_schema_field(cur->u.st.schema, pa.tok[i])) rc = KC_EINVAL;
      else cur = kc_value_struct_get(cur, pa.tok[i]);
    } else if (cur && cur->type == KC_TYPE_MAP) {
      cur = kc_value_map_get_str(cur, pa.tok[i]);
      if (!cur) rc = KC_EINVAL; /* absent or null: Map.get gives null either way */
    } else {
      rc = KC_EINVAL;
    }
  }
  path_free(&pa);
  if (rc == 0 && is_struct) {
    /* getNestedField splits on every dot and keeps quotes */
    rc = path_split(name, false, false, &pa);
    const kc_schema_t *s = schema ? schema : root->u.st.schema;
    for (size_t i = 0; rc == 0 && i < pa.n; i++) {
      const kc_field_t *f = s && s->type == KC_TYPE_STRUCT ? kc_schema_field(s, pa.tok[i]) : NULL;
      if (!f) rc = KC_EINVAL;
      else s = f->schema;
    }
    path_free(&pa);
    *fschema = s;
  } else {
    *fschema = NULL;
  }
  if (rc == KC_EINVAL) snprintf(err, errlen, "The nested field named '%s' does not exist.", name);
  else if (rc) snprintf(err, errlen, "out of memory");
  *out = cur;
  return rc;
}

/* ---- FieldPartitioner ---- */

static int field_value(const kc_s3_record_view_t *r, const char *field, kc_buf_t *out, char *err,
                       size_t errlen) {
  const kc_value_t *v = r->value;
  if (!v || (v->type != KC_TYPE_STRUCT && v->type != KC_TYPE_MAP)) {
    snprintf(err, errlen, "Error encoding partition: the value is %s, not a Struct or a Map "
             "(FieldPartitioner on '%s')", v ? type_name(v->type) : "null", field);
    return KC_EINVAL;
  }
  const kc_value_t *fv;
  const kc_schema_t *fs;
  char why[256];
  int rc = nested_get(r->value_schema, v, field, &fv, &fs, why, sizeof why);
  if (rc) {
    snprintf(err, errlen, "Error encoding partition: %s", why);
    return rc;
  }
  /* a Struct field goes by its schema's type, a Map value by its own */
  kc_type_t t = fs ? fs->type : fv->type;
  switch (t) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32:
    case KC_TYPE_INT64:
      return fv ? kc_buf_append_int(out, fv->u.i) : kc_buf_puts(out, "null");
    case KC_TYPE_STRING:
      return fv ? kc_buf_append(out, fv->u.str.ptr, fv->u.str.len) : kc_buf_puts(out, "null");
    case KC_TYPE_BOOLEAN:
      return kc_buf_puts(out, !fv ? "null" : fv->u.b ? "true" : "false");
    case KC_TYPE_FLOAT32:
    case KC_TYPE_FLOAT64:
      if (!fs) return kc_value_to_java_string(fv, out); /* String.valueOf(Number) */
      break; /* a Struct's float field is refused */
    default:
      break;
  }
  snprintf(err, errlen, "Error encoding partition: type %s of field '%s' is not supported as "
           "a partition key", type_name(t), field);
  return KC_EINVAL;
}

/* ---- timestamp extractors ---- */

static const char *extractor_name(kc_s3_ts_extractor_t e) {
  return e == KC_S3_TS_RECORD ? "Record" : e == KC_S3_TS_RECORD_FIELD ? "RecordField" : "Wallclock";
}

static int record_field_ts(const kc_s3_partitioner_t *p, const kc_s3_record_view_t *r, int64_t *ts,
                           char *err, size_t errlen) {
  const kc_value_t *v = r->value;
  const char *f = p->ts_field;
  if (!v || (v->type != KC_TYPE_STRUCT && v->type != KC_TYPE_MAP)) {
    snprintf(err, errlen, "Error encoding partition: the value is %s, not a Struct or a Map "
             "(timestamp.extractor RecordField, timestamp.field '%s')", v ? type_name(v->type) : "null", f);
    return KC_EINVAL;
  }
  const kc_value_t *fv;
  const kc_schema_t *fs;
  char why[256];
  int rc = nested_get(r->value_schema, v, f, &fv, &fs, why, sizeof why);
  if (rc) {
    snprintf(err, errlen, "Error extracting timestamp from record field: %s: %s", f, why);
    return rc;
  }
  if (!fv) {
    snprintf(err, errlen, "Error extracting timestamp from record field: %s: the field is null", f);
    return KC_EINVAL;
  }
  kc_type_t t = fs ? fs->type : fv->type;
  if (fs && fs->name && !strcmp(fs->name, TIMESTAMP_LOGICAL)) t = KC_TYPE_INT64;
  switch (t) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
      if (fs) break; /* a Struct takes INT32, INT64 and Timestamp only */
      /* fall through */
    case KC_TYPE_INT32:
    case KC_TYPE_INT64:
      *ts = fv->u.i;
      return 0;
    case KC_TYPE_FLOAT32:
    case KC_TYPE_FLOAT64:
      if (fs) break;
      /* Number.longValue(): truncation, NaN to 0, saturated */
      *ts = fv->u.f != fv->u.f ? 0 : fv->u.f >= 9.2233720368547758e18 ? INT64_MAX
            : fv->u.f <= -9.2233720368547758e18 ? INT64_MIN : (int64_t)fv->u.f;
      return 0;
    case KC_TYPE_STRING:
      rc = kc_pathformat_parse_iso(fv->u.str.ptr, fv->u.str.len, ts, why, sizeof why);
      if (rc) snprintf(err, errlen, "Error extracting timestamp from record field: %s: %s", f, why);
      return rc;
    default:
      break;
  }
  snprintf(err, errlen, "Error extracting timestamp from record field: %s: unsupported type '%s'", f,
           type_name(t));
  return KC_EINVAL;
}

int kc_s3_partitioner_timestamp(const kc_s3_partitioner_t *p, const kc_s3_record_view_t *r,
                                int64_t now_ms, int64_t *ts_ms, char *err, size_t errlen) {
  switch (p->extractor) {
    case KC_S3_TS_WALLCLOCK:
      *ts_ms = now_ms;
      return 0;
    case KC_S3_TS_RECORD:
      if (r->timestamp_ms < 0) {
        snprintf(err, errlen,
                 "Unable to determine timestamp using timestamp.extractor %s for record of topic %s "
                 "partition %d: it has no timestamp",
                 extractor_name(p->extractor), r->topic ? r->topic : "?", (int)r->partition);
        return KC_EINVAL;
      }
      *ts_ms = r->timestamp_ms;
      return 0;
    case KC_S3_TS_RECORD_FIELD:
      return record_field_ts(p, r, ts_ms, err, errlen);
  }
  return KC_EINVAL;
}

/* ---- time buckets ---- */

int64_t kc_s3_time_bucket(const kc_tz_t *tz, int64_t duration_ms, int64_t ts_ms) {
  int64_t local = kc_tz_utc_to_local(tz, ts_ms);
  return kc_tz_local_to_utc(tz, local / duration_ms * duration_ms); /* Java's truncating division */
}

int64_t kc_s3_next_scheduled_rotation(const kc_tz_t *tz, int64_t now_ms, int64_t interval_ms) {
  int64_t start = kc_tz_local_to_utc(tz, kc_tz_utc_to_local(tz, now_ms) / MS_PER_DAY * MS_PER_DAY);
  int64_t next = ((now_ms - start) / interval_ms + 1) * interval_ms;
  return start + (next < MS_PER_DAY ? next : MS_PER_DAY);
}

int kc_s3_partitioner_encode_time(kc_s3_partitioner_t *p, int64_t ts_ms, kc_buf_t *out) {
  if (ts_ms > TS_LIMIT || ts_ms < -TS_LIMIT) return KC_EINVAL;
  int64_t floor = kc_tz_utc_to_local(p->tz, ts_ms) / p->duration_ms * p->duration_ms;
  if (!p->cache_valid || floor != p->cache_floor) {
    p->cache_valid = false;
    kc_buf_reset(&p->cache);
    int rc = kc_pathformat_print(p->fmt, p->tz, kc_tz_local_to_utc(p->tz, floor), &p->cache);
    if (rc) return rc;
    p->cache_floor = floor;
    p->cache_valid = true;
  }
  return kc_buf_append(out, p->cache.data, p->cache.len);
}

int kc_s3_partitioner_encode(kc_s3_partitioner_t *p, const kc_s3_record_view_t *r, int64_t now_ms,
                             kc_buf_t *out, char *err, size_t errlen) {
  int rc = 0;
  switch (p->cls) {
    case KC_S3_PARTITIONER_DEFAULT:
      rc = kc_buf_printf(out, "partition=%d", (int)r->partition);
      break;
    case KC_S3_PARTITIONER_FIELD:
      for (size_t i = 0; i < p->nfields && rc == 0; i++) {
        if (i) rc = kc_buf_puts(out, p->delim);
        if (!rc) rc = kc_buf_printf(out, "%s=", p->fields[i]);
        if (!rc) rc = field_value(r, p->fields[i], out, err, errlen);
      }
      return rc == KC_EINVAL ? rc : rc ? (snprintf(err, errlen, "out of memory"), rc) : 0;
    default: {
      int64_t ts;
      rc = kc_s3_partitioner_timestamp(p, r, now_ms, &ts, err, errlen);
      if (rc) return rc;
      rc = kc_s3_partitioner_encode_time(p, ts, out);
      if (rc == KC_EINVAL) {
        snprintf(err, errlen, "Error encoding partition: timestamp %lld (timestamp.extractor %s) "
                 "is out of range", (long long)ts, extractor_name(p->extractor));
        return rc;
      }
    }
  }
  if (rc) snprintf(err, errlen, "out of memory");
  return rc;
}

int kc_s3_partitioner_path(const kc_s3_partitioner_t *p, const char *topic, const char *encoded,
                           kc_buf_t *out) {
  int rc = kc_buf_puts(out, topic);
  if (!rc) rc = kc_buf_puts(out, p->delim);
  if (!rc) rc = kc_buf_puts(out, encoded);
  return rc;
}
