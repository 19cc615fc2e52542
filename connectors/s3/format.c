/*
 * Record formats (format.h): JsonRecordWriterProvider and ByteArrayRecordWriterProvider.
 *
 * Map order. In Java every Map a sink record holds was built by
 * JsonConverter.toConnectData as a java.util.HashMap, and JsonFormat prints it
 * (Jackson, or JsonConverter for a Struct's map fields) in HashMap iteration
 * order: by bucket (hash & (capacity - 1)), then by insertion within a bucket.
 * kconnect's maps keep insertion order, so JSON output goes through a view of
 * the value whose maps are reordered as a HashMap filled in that insertion
 * order would iterate. The reordering is idempotent: a map already in
 * HashMap order stays as it is.
 *
 * Writers. JsonFormat hands a Struct to JsonConverter (kc_value_to_json) and
 * anything else to Jackson's ObjectMapper, which differs for maps whose keys
 * are not strings (an object keyed by key.toString(), not JsonConverter's
 * array of pairs) and for Date/Time/Timestamp values (epoch milliseconds);
 * jackson_write covers those and delegates the rest.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

/* ---- java.util.HashMap iteration order ---- */

/* String.hashCode over the UTF-16 units of UTF-8 text (a bad byte counts as U+FFFD). */
static uint32_t java_string_hash(const unsigned char *s, size_t n) {
  uint32_t h = 0;
  for (size_t i = 0; i < n;) {
    uint32_t cp = 0xFFFD;
    size_t len = 1;
    unsigned char c = s[i];
    size_t need = c < 0x80 ? 0 : (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 9;
    if (need == 0) {
      cp = c;
    } else if (need <= 3 && i + need < n) {
      uint32_t v = c & (0x3F >> need);
      size_t k = 1;
      for (; k <= need && (s[i + k] & 0xC0) == 0x80; k++) v = v << 6 | (s[i + k] & 0x3F);
      static const uint32_t min[] = {0, 0x80, 0x800, 0x10000};
      if (k > need && v >= min[need] && v <= 0x10FFFF && (v < 0xD800 || v > 0xDFFF)) cp = v, len = need + 1;
    }
    if (cp >= 0x10000) {
      h = 31 * h + (0xD800 + ((cp - 0x10000) >> 10));
      h = 31 * h + (0xDC00 + ((cp - 0x10000) & 0x3FF));
    } else {
      h = 31 * h + cp;
    }
    i += len;
  }
  return h;
}

/* The key's Object.hashCode as its boxed Java type has it; false when Java's is an identity hash. */
static bool java_hash(const kc_value_t *k, uint32_t *h) {
  if (!k) return *h = 0, true; /* the null key */
  switch (k->type) {
    case KC_TYPE_INT8:
    case KC_TYPE_INT16:
    case KC_TYPE_INT32: *h = (uint32_t)(int32_t)k->u.i; return true;
    case KC_TYPE_INT64: *h = (uint32_t)((uint64_t)k->u.i ^ ((uint64_t)k->u.i >> 32)); return true;
    case KC_TYPE_BOOLEAN: *h = k->u.b ? 1231 : 1237; return true;
    case KC_TYPE_FLOAT32: {
      float f = (float)k->u.f;
      uint32_t bits;
      if (f != f) f = __builtin_nanf(""); /* floatToIntBits: one NaN */
      memcpy(&bits, &f, sizeof bits);
      *h = bits;
      return true;
    }
    case KC_TYPE_FLOAT64: {
      double d = k->u.f;
      uint64_t bits;
      if (d != d) d = __builtin_nan("");
      memcpy(&bits, &d, sizeof bits);
      *h = (uint32_t)(bits ^ (bits >> 32));
      return true;
    }
    case KC_TYPE_STRING: *h = java_string_hash((const unsigned char *)k->u.str.ptr, k->u.str.len); return true;
    default: return false; /* byte[], List, Map, Struct keys: no stable order to reproduce */
  }
}

/*
 * Scratch memory for one record's reordered view: the runtime's bump allocator, reset (not
 * freed) after each record, so a record costs no malloc once warm. The loop is single-threaded.
 */
typedef struct {
  kc_arena_t *mem;
  bool failed;
} arena_t;

static kc_arena_t g_scratch = KC_ARENA_INIT;

static void *arena_alloc(arena_t *a, size_t size) {
  void *m = a->failed ? NULL : kc_arena_alloc(a->mem, size ? size : 1);
  if (!m) return a->failed = true, NULL;
  return memset(m, 0, size ? size : 1);
}

/* HashMap.resize: doubles the table; recounts the bins of the first @p last + 1 keys. */
static bool grow(arena_t *a, size_t *cap, size_t *threshold, size_t **count, const uint32_t *h,
                 size_t last) {
  *cap *= 2;
  *threshold *= 2;
  *count = arena_alloc(a, *cap * sizeof **count);
  if (!*count) return false;
  for (size_t j = 0; j <= last; j++) (*count)[h[j] & (*cap - 1)]++;
  return true;
}

/*
 * The iteration order of a HashMap filled with @p n keys in index order, as
 * indices in @p order. Replays the table's growth: capacity 16 doubling past
 * 3/4 full, and doubling (below 64) when a bin already holds 8 entries.
 * Returns false (order untouched) on ENOMEM or an unhashable key.
 */
static bool hashmap_order(arena_t *a, kc_value_t *const *keys, size_t n, size_t *order) {
  uint32_t *h = arena_alloc(a, (n ? n : 1) * sizeof *h);
  size_t cap = 16, *count = NULL;
  bool ok = h != NULL;
  for (size_t i = 0; ok && i < n; i++) {
    ok = java_hash(keys[i], &h[i]);
    h[i] ^= h[i] >> 16; /* HashMap.hash */
  }
  size_t threshold = 12;
  count = ok ? arena_alloc(a, cap * sizeof *count) : NULL;
  ok = ok && count;
  for (size_t i = 0; ok && i < n; i++) {
    bool treeify = count[h[i] & (cap - 1)]++ >= 8; /* the bin already held 8 entries */
    /* putVal: treeifyBin resizes a table below 64; then ++size > threshold resizes */
    if (treeify && cap < 64) ok = grow(a, &cap, &threshold, &count, h, i);
    if (ok && i + 1 > threshold) ok = grow(a, &cap, &threshold, &count, h, i);
  }
  if (ok) { /* stable counting sort by bucket */
    count = arena_alloc(a, (cap + 1) * sizeof *count);
    ok = count != NULL;
    for (size_t i = 0; ok && i < n; i++) count[(h[i] & (cap - 1)) + 1]++;
    for (size_t b = 0; ok && b < cap; b++) count[b + 1] += count[b];
    for (size_t i = 0; ok && i < n; i++) order[count[h[i] & (cap - 1)]++] = i;
  }
  return ok;
}

/* @p v with every map in HashMap order: @p v itself when nothing moves (nothing is copied deeply). */
static const kc_value_t *hashmap_view(const kc_value_t *v, arena_t *a) {
  if (!v || a->failed) return v;
  size_t n;
  kc_value_t *const *kids;
  switch (v->type) {
    case KC_TYPE_ARRAY: n = v->u.arr.n, kids = v->u.arr.items; break;
    case KC_TYPE_MAP: n = v->u.map.n, kids = v->u.map.vals; break;
    case KC_TYPE_STRUCT: n = v->u.st.schema->nfields, kids = v->u.st.vals; break;
    default: return v;
  }
  size_t *order = arena_alloc(a, n * sizeof *order);
  const kc_value_t **sub = arena_alloc(a, n * sizeof *sub);
  if (!order || !sub) return v;
  for (size_t i = 0; i < n; i++) order[i] = i;
  if (v->type == KC_TYPE_MAP) hashmap_order(a, v->u.map.keys, n, order);
  bool changed = false;
  for (size_t i = 0; i < n; i++) {
    sub[i] = hashmap_view(kids[order[i]], a);
    changed |= sub[i] != kids[i];
  }
  if (!changed || a->failed) return v;
  kc_value_t *copy = arena_alloc(a, sizeof *copy);
  if (!copy) return v;
  *copy = *v;
  if (v->type == KC_TYPE_MAP) {
    kc_value_t **keys = arena_alloc(a, n * sizeof *keys);
    if (!keys) return v;
    for (size_t i = 0; i < n; i++) keys[i] = v->u.map.keys[order[i]];
    copy->u.map.keys = keys;
    copy->u.map.vals = (kc_value_t **)sub;
    copy->u.map.cap = n;
  } else if (v->type == KC_TYPE_ARRAY) {
    copy->u.arr.items = (kc_value_t **)sub;
    copy->u.arr.cap = n;
  } else {
    copy->u.st.vals = (kc_value_t **)sub;
  }
  return copy;
}

static kc_s3_format_t view_format(const kc_s3_conf_t *c, kc_s3_view_t view) {
  return view == KC_S3_VIEW_KEYS      ? c->keys_format
         : view == KC_S3_VIEW_HEADERS ? c->headers_format
                                      : c->format;
}

#define LOGICAL_PREFIX "org.apache.kafka.connect.data."

/* ObjectMapper.writeObject of the Java object a Connect value is. */
static int jackson_write(const kc_schema_t *s, const kc_value_t *v, kc_buf_t *out) {
  if (!v) return kc_buf_puts(out, "null");
  if (s && s->name && !strncmp(s->name, LOGICAL_PREFIX, strlen(LOGICAL_PREFIX))) {
    const char *l = s->name + strlen(LOGICAL_PREFIX);
    /* java.util.Date is written as epoch milliseconds */
    if (!strcmp(l, "Date")) return kc_buf_append_int(out, v->u.i * 86400000LL);
    if (!strcmp(l, "Time") || !strcmp(l, "Timestamp")) return kc_buf_append_int(out, v->u.i);
  }
  int rc = 0;
  if (v->type == KC_TYPE_MAP) {
    rc = kc_buf_append(out, "{", 1);
    for (size_t i = 0; i < v->u.map.n && !rc; i++) {
      const kc_value_t *k = v->u.map.keys[i];
      if (i) rc = kc_buf_append(out, ",", 1);
      if (!rc && k && k->type == KC_TYPE_STRING) {
        rc = kc_json_append_string(out, k->u.str.ptr, k->u.str.len);
      } else if (!rc) { /* Jackson's default key serializer: toString() */
        kc_buf_t ks;
        kc_buf_init(&ks, 0);
        rc = kc_value_to_java_string(k, &ks);
        if (!rc) rc = kc_json_append_string(out, ks.data, ks.len);
        kc_buf_free(&ks);
      }
      if (!rc) rc = kc_buf_append(out, ":", 1);
      if (!rc) rc = jackson_write(s ? s->value_schema : NULL, v->u.map.vals[i], out);
    }
    return rc ? rc : kc_buf_append(out, "}", 1);
  }
  if (v->type == KC_TYPE_ARRAY) {
    rc = kc_buf_append(out, "[", 1);
    for (size_t i = 0; i < v->u.arr.n && !rc; i++) {
      if (i) rc = kc_buf_append(out, ",", 1);
      if (!rc) rc = jackson_write(s ? s->value_schema : NULL, v->u.arr.items[i], out);
    }
    return rc ? rc : kc_buf_append(out, "]", 1);
  }
  if (v->type == KC_TYPE_STRING && (!s || s->type == KC_TYPE_STRING)) /* else the schema check below */
    return kc_json_append_string(out, v->u.str.ptr, v->u.str.len);
  return kc_value_to_json(s, v, out); /* scalars print alike; a nested Struct as JsonConverter does */
}

int kc_s3_format_extension(const kc_s3_conf_t *c, kc_s3_view_t view, kc_buf_t *out) {
  int rc = 0;
  if (view == KC_S3_VIEW_KEYS) rc = kc_buf_puts(out, ".keys");
  if (view == KC_S3_VIEW_HEADERS) rc = kc_buf_puts(out, ".headers");
  kc_s3_format_t f = view_format(c, view);
  if (!rc)
    rc = kc_buf_puts(out, f == KC_S3_FORMAT_BYTEARRAY ? c->bytearray_extension
                          : f == KC_S3_FORMAT_AVRO    ? ".avro"
                                                      : ".json");
  if (!rc && c->compression == KC_S3_COMPRESSION_GZIP && f != KC_S3_FORMAT_AVRO)
    rc = kc_buf_puts(out, ".gz");
  return rc;
}

int kc_s3_format_write(const kc_s3_conf_t *c, kc_s3_view_t view, const kc_schema_t *schema,
                       const kc_value_t *value, kc_buf_t *out, char *err, size_t errlen) {
  const char *what = view == KC_S3_VIEW_KEYS ? "key" : "value";
  size_t mark = out->len;
  int rc;
  if (view_format(c, view) == KC_S3_FORMAT_JSON) {
    arena_t scratch = {&g_scratch, false}, *a = &scratch;
    const kc_value_t *ordered = hashmap_view(value, a);
    if (a->failed) {
      rc = KC_ENOMEM;
    } else if (ordered && ordered->type == KC_TYPE_STRUCT) {
      rc = kc_value_to_json(schema, ordered, out); /* JsonConverter.fromConnectData */
    } else {
      rc = jackson_write(schema, ordered, out); /* writer.writeObject(value) */
    }
    kc_arena_reset(&g_scratch);
    if (rc == KC_ECONVERT)
      snprintf(err, errlen, "JsonFormat cannot write the record's %s: it does not match its schema",
               what);
    if (!rc) rc = kc_buf_append(out, "\n", 1);
  } else if (view_format(c, view) == KC_S3_FORMAT_AVRO) {
    snprintf(err, errlen, "AvroFormat writes through kc_s3_avro_file_write, not line by line");
    return KC_EINVAL;
  } else {
    /* ByteArrayConverter.fromConnectData: a BYTES schema (or none) and a byte array */
    if (schema && schema->type != KC_TYPE_BYTES) {
      snprintf(err, errlen, "Invalid schema type for ByteArrayConverter: %s (the record's %s)",
               kc_type_name(schema->type), what);
      return KC_ECONVERT;
    }
    if (!value || value->type != KC_TYPE_BYTES) {
      snprintf(err, errlen, "ByteArrayFormat needs the record's %s as bytes, got %s", what,
               value ? kc_type_name(value->type) : "null");
      return KC_ECONVERT;
    }
    rc = kc_buf_append(out, value->u.str.ptr, value->u.str.len);
    if (!rc) rc = kc_buf_append(out, c->bytearray_separator, c->bytearray_separator_len);
  }
  if (rc) {
    if (rc != KC_ECONVERT) snprintf(err, errlen, "cannot buffer the record's %s: %s", what, kc_strerror(rc));
    out->len = mark; /* nothing half-written */
    if (out->data) out->data[mark] = '\0';
  }
  return rc;
}

int kc_s3_format_write_headers(const kc_s3_conf_t *c, const kc_s3_header_t *h, size_t n,
                               kc_buf_t *out) {
  (void)c;
  /* HeaderRecordView enveloped: Struct{headers: [Struct{key, value}]} through JsonConverter */
  size_t mark = out->len;
  int rc = kc_buf_puts(out, "{\"headers\":[");
  for (size_t i = 0; i < n && !rc; i++) {
    rc = kc_buf_puts(out, i ? ",{\"key\":" : "{\"key\":");
    if (!rc) rc = kc_json_append_string(out, h[i].key, strlen(h[i].key));
    if (!rc) rc = kc_buf_puts(out, ",\"value\":");
    if (!rc) rc = h[i].value ? kc_json_append_string(out, h[i].value, h[i].len) : kc_buf_puts(out, "null");
    if (!rc) rc = kc_buf_append(out, "}", 1);
  }
  if (!rc) rc = kc_buf_puts(out, "]}\n");
  if (rc) {
    out->len = mark;
    if (out->data) out->data[mark] = '\0';
  }
  return rc;
}

int kc_s3_format_null_value(const kc_s3_conf_t *c, bool *skip, bool *tombstone, char *err,
                            size_t errlen) {
  *skip = c->null_behavior == KC_S3_NULL_IGNORE;
  *tombstone = c->null_behavior == KC_S3_NULL_WRITE;
  if (c->null_behavior != KC_S3_NULL_FAIL) return 0;
  snprintf(err, errlen,
           "Null valued records are not writeable with current behavior.on.null.values 'settings.");
  return KC_EINVAL;
}

/* ---- AvroFormat (AvroRecordWriterProvider) ---- */

int kc_s3_avro_file_write(kc_s3_avro_file_t *f, kc_avrodata_t *ad, kc_avro_codec_t codec,
                          const kc_schema_t *schema, const kc_value_t *value, kc_buf_t *scratch,
                          kc_buf_t *out, char *err, size_t errlen) {
  int rc;
  if (!f->schema) { /* the writer opens on the first record: its schema is the file's */
    if ((rc = kc_avrodata_schema(ad, schema, &f->schema, err, errlen))) return rc;
    size_t len;
    const char *text = kc_avrodata_schema_text(f->schema, &len);
    if ((rc = kc_avro_ocf_begin(&f->ocf, codec, text, len, out))) {
      kc_avrodata_schema_release(f->schema);
      f->schema = NULL;
      snprintf(err, errlen, "cannot start an Avro container file: %s", kc_strerror(rc));
      return rc;
    }
  }
  kc_buf_reset(scratch);
  if ((rc = kc_avrodata_encode(ad, f->schema, schema, value, scratch, err, errlen))) return rc;
  if ((rc = kc_avro_ocf_append(&f->ocf, scratch->data, scratch->len, out)))
    snprintf(err, errlen, "cannot buffer an Avro block: %s", kc_strerror(rc));
  return rc;
}

int kc_s3_avro_file_finish(kc_s3_avro_file_t *f, kc_buf_t *out) {
  return f->schema ? kc_avro_ocf_flush(&f->ocf, out) : 0;
}

void kc_s3_avro_file_free(kc_s3_avro_file_t *f) {
  if (!f) return;
  if (f->schema) kc_avro_ocf_free(&f->ocf);
  kc_avrodata_schema_release(f->schema);
  f->schema = NULL;
}
