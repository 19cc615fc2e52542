/*
 * Avro object container files (connectors/s3/avro_ocf.c), as the S3 sink's AvroFormat writes
 * them:
 *  - the header parsed back byte by byte: magic, the metadata map (avro.schema then
 *    avro.codec, Java's HashMap order), the sync marker; every block ends with that marker;
 *  - blocks close where DataFileWriter closes them: the first append that takes the
 *    uncompressed block to DEFAULT_SYNC_INTERVAL (64000 bytes), plus the rest at flush;
 *  - each codec (null, deflate, snappy) read back by Python's fastavro (an independent reader
 *    that checks snappy's CRC), records and block sizes equal to what was written; deflate
 *    blocks inflate as raw deflate and snappy blocks carry the big-endian CRC-32;
 *  - avro.codec values: bzip2/xz/zstandard refused as unsupported, others as Confluent's
 *    validator refuses them.
 *  - the connector-facing AvroData API (connector.h, avro_public.c) feeding the writer: a
 *    Struct with an optional field, a Timestamp and a Decimal, and a schemaless map, each in a
 *    container file fastavro reads back as the values written;
 *  - schema.compatibility (schema_compat.c, the rule the sink applies with every format):
 *    StorageSchemaCompatibility's decisions per mode and storage-common's SchemaProjector
 *    (defaults for added fields, numeric promotion, its refusals).
 * Without python3 + fastavro (+ cramjam for snappy) the read-back fails: pip install fastavro cramjam.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <snappy-c.h>
#include <zlib.h>

#include "../../connectors/s3/avro_ocf.h"
#include "../../connectors/s3/schema_compat.h"
#include "kc_test.h"

static const char SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"Line\",\"namespace\":\"loghub\",\"fields\":["
    "{\"name\":\"id\",\"type\":\"long\"},{\"name\":\"msg\",\"type\":\"string\"},"
    "{\"name\":\"level\",\"type\":[\"null\",\"string\"],\"default\":null}]}";

#define NREC 6000

/* Record i: id = i * 7919 - 3000000 (negative ids too), a message of varying length, and the
 * optional level null for every third record. */
static void record_text(int i, char *msg, size_t n) {
  snprintf(msg, n, "line %d: %.*s", i, (i * 37) % 61,
           "PacketResponder 1 for block blk_38865049064139660 terminating at 081109 203518");
}

static void encode(kc_buf_t *b, int i) {
  char msg[160];
  record_text(i, msg, sizeof msg);
  kc_buf_reset(b);
  kc_avro_ocf_put_long(b, (int64_t)i * 7919 - 3000000);
  kc_avro_ocf_put_long(b, (int64_t)strlen(msg));
  kc_buf_append(b, msg, strlen(msg));
  if (i % 3 == 0) {
    kc_avro_ocf_put_long(b, 0);
  } else {
    kc_avro_ocf_put_long(b, 1);
    kc_avro_ocf_put_long(b, 4);
    kc_buf_append(b, i % 2 ? "WARN" : "INFO", 4);
  }
}

static int64_t get_long(const unsigned char **p, const unsigned char *end) {
  uint64_t z = 0;
  int shift = 0;
  while (*p < end) {
    unsigned char c = *(*p)++;
    z |= (uint64_t)(c & 0x7F) << shift;
    shift += 7;
    if (!(c & 0x80)) break;
  }
  return (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
}

/* Writes the NREC records with @p codec; *sizes gets each datum's length. @p early > 0: also
 * flush after every @p early records (what the sink does when short of memory). */
static kc_buf_t write_file(kc_avro_codec_t codec, size_t *sizes, int early) {
  kc_buf_t out, d;
  kc_buf_init(&out, 0);
  kc_buf_init(&d, 0);
  kc_avro_ocf_t w;
  CHECK(kc_avro_ocf_begin(&w, codec, SCHEMA, strlen(SCHEMA), &out) == 0);
  for (int i = 0; i < NREC; i++) {
    encode(&d, i);
    sizes[i] = d.len;
    CHECK(kc_avro_ocf_append(&w, d.data, d.len, &out) == 0);
    CHECK(w.block.len < KC_AVRO_OCF_SYNC_INTERVAL); /* a full block never stays in memory */
    if (early && (i + 1) % early == 0) {
      CHECK(kc_avro_ocf_flush(&w, &out) == 0);
      CHECK(kc_avro_ocf_mem(&w) == 0);
    }
  }
  CHECK(kc_avro_ocf_flush(&w, &out) == 0);
  CHECK(kc_avro_ocf_flush(&w, &out) == 0); /* nothing open: no empty block */
  kc_avro_ocf_free(&w);
  kc_buf_free(&d);
  return out;
}

/* The block record counts DataFileWriter would produce for these datum sizes (flushed early
 * every @p early records when > 0). */
static int expected_blocks(const size_t *sizes, int64_t *counts, int early) {
  int nb = 0;
  size_t bytes = 0;
  int64_t c = 0;
  for (int i = 0; i < NREC; i++) {
    bytes += sizes[i];
    c++;
    if (bytes >= KC_AVRO_OCF_SYNC_INTERVAL || (early && (i + 1) % early == 0))
      counts[nb++] = c, bytes = 0, c = 0;
  }
  if (c) counts[nb++] = c;
  return nb;
}

/* Parses the header and walks the blocks; checks the structure, returns the block count. */
static int walk(const kc_buf_t *f, const char *codec, int64_t *counts, int max) {
  const unsigned char *p = (const unsigned char *)f->data, *end = p + f->len;
  CHECK(f->len > 4 && !memcmp(p, "Obj\x01", 4));
  p += 4;
  CHECK(get_long(&p, end) == 2);
  int64_t n = get_long(&p, end);
  CHECK(n == 11 && !memcmp(p, "avro.schema", 11));
  p += n;
  n = get_long(&p, end);
  CHECK(n == (int64_t)strlen(SCHEMA) && !memcmp(p, SCHEMA, strlen(SCHEMA)));
  p += n;
  n = get_long(&p, end);
  CHECK(n == 10 && !memcmp(p, "avro.codec", 10));
  p += n;
  n = get_long(&p, end);
  CHECK(n == (int64_t)strlen(codec) && !memcmp(p, codec, strlen(codec)));
  p += n;
  CHECK(get_long(&p, end) == 0);
  const unsigned char *sync = p;
  p += 16;
  int nb = 0;
  while (p < end && nb < max) {
    counts[nb] = get_long(&p, end);
    int64_t size = get_long(&p, end);
    if (!CHECK(size > 0 && size <= end - p - 16)) return nb;
    if (!strcmp(codec, "deflate")) { /* raw deflate, no zlib header */
      unsigned char *raw = malloc(KC_AVRO_OCF_SYNC_INTERVAL + 1024);
      z_stream zs;
      memset(&zs, 0, sizeof zs);
      inflateInit2(&zs, -MAX_WBITS);
      zs.next_in = (Bytef *)p, zs.avail_in = (uInt)size;
      zs.next_out = raw, zs.avail_out = KC_AVRO_OCF_SYNC_INTERVAL + 1024;
      CHECK(inflate(&zs, Z_FINISH) == Z_STREAM_END);
      inflateEnd(&zs);
      free(raw);
    } else if (!strcmp(codec, "snappy")) {
      size_t ulen = 0;
      CHECK(snappy_uncompressed_length((const char *)p, (size_t)size - 4, &ulen) == SNAPPY_OK);
      char *raw = malloc(ulen ? ulen : 1);
      CHECK(snappy_uncompress((const char *)p, (size_t)size - 4, raw, &ulen) == SNAPPY_OK);
      uint32_t crc = (uint32_t)crc32(0, (const Bytef *)raw, (uInt)ulen);
      const unsigned char *c = p + size - 4;
      CHECK(((uint32_t)c[0] << 24 | (uint32_t)c[1] << 16 | (uint32_t)c[2] << 8 | c[3]) == crc);
      free(raw);
    }
    p += size;
    CHECK(!memcmp(p, sync, 16));
    p += 16;
    nb++;
  }
  CHECK(p == end);
  return nb;
}

/* fastavro reads the file: every record equal to the model, block counts as listed. */
static const char PY[] =
    "import sys, fastavro\n"
    "from fastavro import block_reader\n"
    "path, codec, blocks = sys.argv[1], sys.argv[2], sys.argv[3]\n"
    "with open(path, 'rb') as f:\n"
    "    r = fastavro.reader(f)\n"
    "    assert r.codec == codec, r.codec\n"
    "    recs = list(r)\n"
    "with open(path, 'rb') as f:\n"
    "    got = ','.join(str(b.num_records) for b in block_reader(f))\n"
    "assert got == blocks, (got, blocks)\n"
    "text = 'PacketResponder 1 for block blk_38865049064139660 terminating at 081109 203518'\n"
    "assert len(recs) == 6000, len(recs)\n"
    "for i, r in enumerate(recs):\n"
    "    want = {'id': i * 7919 - 3000000, 'msg': 'line %d: %s' % (i, text[:(i * 37) % 61]),\n"
    "            'level': None if i % 3 == 0 else ('WARN' if i % 2 else 'INFO')}\n"
    "    assert r == want, (i, r, want)\n"
    "print('fastavro ok')\n";

static void check_codec(kc_avro_codec_t codec, int early) {
  static size_t sizes[NREC];
  static int64_t want[NREC], got[NREC];
  kc_buf_t f = write_file(codec, sizes, early);
  int nw = expected_blocks(sizes, want, early);
  int ng = walk(&f, kc_avro_codec_name(codec), got, NREC);
  CHECKF(nw == ng && nw >= 3, "%s: %d blocks, want %d", kc_avro_codec_name(codec), ng, nw);
  for (int i = 0; i < nw && i < ng; i++) CHECK(got[i] == want[i]);
  char path[256], blocks[4096] = "";
  CHECK(kc_test_temp_file(path, sizeof path, "avro_ocf", f.data, f.len) == 0);
  for (int i = 0; i < nw; i++)
    snprintf(blocks + strlen(blocks), sizeof blocks - strlen(blocks), "%s%lld", i ? "," : "",
             (long long)want[i]);
  pid_t pid = fork();
  if (pid == 0) {
    execlp("python3", "python3", "-c", PY, path, kc_avro_codec_name(codec), blocks, (char *)NULL);
    _exit(127);
  }
  int status = -1;
  waitpid(pid, &status, 0);
  CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fastavro read-back of %s failed (status %d)",
         kc_avro_codec_name(codec), status);
  unlink(path);
  kc_buf_free(&f);
}

static void test_null(void) { check_codec(KC_AVRO_CODEC_NULL, 0); }
static void test_deflate(void) { check_codec(KC_AVRO_CODEC_DEFLATE, 0); }
static void test_snappy(void) { check_codec(KC_AVRO_CODEC_SNAPPY, 0); }
static void test_early_flush(void) { check_codec(KC_AVRO_CODEC_SNAPPY, 997); }

static void test_sync_markers_differ(void) {
  kc_buf_t a, b;
  kc_buf_init(&a, 0);
  kc_buf_init(&b, 0);
  kc_avro_ocf_t w1, w2;
  CHECK(kc_avro_ocf_begin(&w1, KC_AVRO_CODEC_NULL, "\"long\"", 6, &a) == 0);
  CHECK(kc_avro_ocf_begin(&w2, KC_AVRO_CODEC_NULL, "\"long\"", 6, &b) == 0);
  CHECK(a.len == b.len && memcmp(a.data + a.len - 16, b.data + b.len - 16, 16) != 0);
  /* one datum, flushed: count 1, size 1, the datum (long 5 = 0x0a), the sync */
  CHECK(kc_avro_ocf_append(&w1, "\x0a", 1, &a) == 0);
  size_t hdr = a.len;
  CHECK(kc_avro_ocf_flush(&w1, &a) == 0);
  CHECK(a.len == hdr + 3 + 16 && !memcmp(a.data + hdr, "\x02\x02\x0a", 3));
  CHECK(!memcmp(a.data + a.len - 16, a.data + hdr - 16, 16));
  kc_avro_ocf_free(&w1);
  kc_avro_ocf_free(&w2);
  kc_buf_free(&a);
  kc_buf_free(&b);
}

static void test_codec_names(void) {
  kc_avro_codec_t c;
  char err[256];
  CHECK(kc_avro_codec_parse("null", &c, err, sizeof err) == 0 && c == KC_AVRO_CODEC_NULL);
  CHECK(kc_avro_codec_parse("deflate", &c, err, sizeof err) == 0 && c == KC_AVRO_CODEC_DEFLATE);
  CHECK(kc_avro_codec_parse("snappy", &c, err, sizeof err) == 0 && c == KC_AVRO_CODEC_SNAPPY);
  CHECK(kc_avro_codec_parse("bzip2", &c, err, sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "avro.codec: bzip2 is not supported by kconnect");
  CHECK(kc_avro_codec_parse("zstandard", &c, err, sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "avro.codec: zstandard is not supported");
  CHECK(kc_avro_codec_parse("lz4", &c, err, sizeof err) == KC_EINVAL);
  CHECK_STR(err, "avro.codec: String must be one of: null, deflate, snappy, bzip2");
  kc_buf_t b;
  kc_buf_init(&b, 0);
  CHECK(kc_avro_ocf_put_long(&b, -1) == 0 && kc_avro_ocf_put_long(&b, 64) == 0 &&
        kc_avro_ocf_put_long(&b, INT64_MIN) == 0);
  CHECK(b.len == 1 + 2 + 10 && (unsigned char)b.data[0] == 0x01 &&
        (unsigned char)b.data[1] == 0x80 && b.data[2] == 0x01);
  kc_buf_free(&b);
}

/* loghub.Line version @p v: id int32 (int64 from version 3), msg, and from version 2 host with
 * a default. */
static kc_schema_t *line_schema(int v) {
  kc_schema_t *s = kc_schema_new(KC_TYPE_STRUCT);
  s->name = strdup("loghub.Line");
  s->has_version = true;
  s->version = v;
  kc_schema_add_field(s, "id", kc_schema_new(v >= 3 ? KC_TYPE_INT64 : KC_TYPE_INT32));
  kc_schema_add_field(s, "msg", kc_schema_new(KC_TYPE_STRING));
  if (v >= 2) {
    kc_schema_t *h = kc_schema_new(KC_TYPE_STRING);
    h->default_value = kc_value_new_string("node-0", 6);
    kc_schema_add_field(s, "host", h);
  }
  return s;
}

static void test_compatibility(void) {
  kc_schema_t *v1 = line_schema(1), *v2 = line_schema(2), *v3 = line_schema(3), *v1b = line_schema(1);
  char err[512] = "";
  bool inc = true;
  /* NONE: equality only */
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_NONE, v1b, v1, &inc, err, sizeof err) == 0 && !inc);
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_NONE, v1, v2, &inc, err, sizeof err) == 0 && inc);
  /* BACKWARD/FULL: a newer record starts new files, an older one is projected */
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_BACKWARD, v2, v1, &inc, err, sizeof err) == 0 && inc);
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_BACKWARD, v1, v2, &inc, err, sizeof err) == 0 && !inc);
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_FULL, v2, v1, &inc, err, sizeof err) == 0 && inc);
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_FULL, v1, v2, &inc, err, sizeof err) == 0 && !inc);
  /* FORWARD: the other way round */
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_FORWARD, v2, v1, &inc, err, sizeof err) == 0 && !inc);
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_FORWARD, v1, v2, &inc, err, sizeof err) == 0 && inc);
  /* a different name is incompatible whatever the versions */
  free(v1b->name);
  v1b->name = strdup("loghub.Other");
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_BACKWARD, v1b, v2, &inc, err, sizeof err) == 0 && inc);
  /* versions are required outside NONE */
  v1b->has_version = false;
  CHECK(kc_s3_compat_check(KC_S3_COMPAT_FORWARD, v1b, v2, &inc, err, sizeof err) == KC_ECONVERT);
  CHECK_STR(err, "Schema version required for FORWARD compatibility");
  CHECK(kc_s3_compat_parse("BACKWARD") == KC_S3_COMPAT_BACKWARD && kc_s3_compat_parse("full") == KC_S3_COMPAT_NONE);

  /* projection v1 -> v3: host gets its default, id is promoted from int32 to int64 */
  kc_value_t *r1 = kc_value_new_struct(v1);
  kc_value_struct_set(r1, "id", kc_value_new_int(KC_TYPE_INT32, -42));
  kc_value_struct_set(r1, "msg", kc_value_new_string("hello", 5));
  kc_value_t *p = NULL;
  CHECK(kc_s3_project(v1, r1, v3, &p, err, sizeof err) == 0 && p);
  if (p) {
    const kc_value_t *id = kc_value_struct_get(p, "id"), *host = kc_value_struct_get(p, "host");
    CHECK(p->u.st.schema == v3 && id && id->type == KC_TYPE_INT64 && id->u.i == -42);
    CHECK(host && !strcmp(host->u.str.ptr, "node-0"));
    CHECK_STR(kc_value_struct_get(p, "msg")->u.str.ptr, "hello");
  }
  kc_value_destroy(p);
  /* v3 -> v1: int64 does not narrow to int32 */
  kc_value_t *r3 = kc_value_new_struct(v3);
  kc_value_struct_set(r3, "id", kc_value_new_int(KC_TYPE_INT64, 7));
  kc_value_struct_set(r3, "msg", kc_value_new_string("x", 1));
  p = NULL;
  CHECK(kc_s3_project(v3, r3, v1, &p, err, sizeof err) == KC_ECONVERT && !p);
  CHECK_STR(err, "Error projecting id: Schema type mismatch. source type: INT64 and target type: INT32");
  /* a required field without default that the source lacks */
  kc_schema_t *need = line_schema(1);
  kc_schema_add_field(need, "pid", kc_schema_new(KC_TYPE_INT32));
  CHECK(kc_s3_project(v1, r1, need, &p, err, sizeof err) == KC_ECONVERT);
  CHECK_STR(err, "Required field `pid` is missing from source schema");
  kc_value_destroy(r1);
  kc_value_destroy(r3);
  kc_schema_decref(need);
  kc_schema_decref(v1);
  kc_schema_decref(v2);
  kc_schema_decref(v3);
  kc_schema_decref(v1b);
}

/* Runs fastavro on @p f and compares its records, printed with repr(), to @p want. */
static void fastavro_equals(const kc_buf_t *f, const char *prog, const char *want) {
  char path[256];
  CHECK(kc_test_temp_file(path, sizeof path, "avro_pub", f->data, f->len) == 0);
  char cmd[4096];
  snprintf(cmd, sizeof cmd, "python3 -c \"%s\" %s", prog, path);
  FILE *p = popen(cmd, "r");
  char got[2048] = "";
  size_t n = p ? fread(got, 1, sizeof got - 1, p) : 0;
  got[n] = '\0';
  CHECK(p && pclose(p) == 0);
  CHECK_STR(got, want);
  unlink(path);
}

static void test_avrodata_public(void) {
  kc_avrodata_options_t o;
  kc_avrodata_options_default(&o);
  CHECK(!o.enhanced_avro_schema_support && o.connect_meta_data && o.schemas_cache_size == 1000);
  o.enhanced_avro_schema_support = true; /* the storage sinks' default */
  kc_avrodata_t *ad = kc_avrodata_new(&o);
  CHECK(ad != NULL);
  /* Struct{id int64, level optional string, ts Timestamp, amount Decimal(scale 2)} */
  kc_schema_t *st = kc_schema_new(KC_TYPE_STRUCT);
  st->name = strdup("loghub.Line");
  kc_schema_add_field(st, "id", kc_schema_new(KC_TYPE_INT64));
  kc_schema_t *opt = kc_schema_new(KC_TYPE_STRING);
  opt->optional = true;
  kc_schema_add_field(st, "level", opt);
  kc_schema_t *ts = kc_schema_new(KC_TYPE_INT64);
  ts->name = strdup("org.apache.kafka.connect.data.Timestamp");
  ts->has_version = true, ts->version = 1;
  kc_schema_add_field(st, "ts", ts);
  kc_schema_t *dec = kc_schema_new(KC_TYPE_BYTES);
  dec->name = strdup("org.apache.kafka.connect.data.Decimal");
  dec->has_version = true, dec->version = 1;
  dec->nparams = 1;
  dec->param_keys = calloc(1, sizeof(char *));
  dec->param_values = calloc(1, sizeof(char *));
  dec->param_keys[0] = strdup("scale");
  dec->param_values[0] = strdup("2");
  kc_schema_add_field(st, "amount", dec);
  kc_avrodata_schema_t *as = NULL;
  char err[512] = "";
  CHECKF(kc_avrodata_schema(ad, st, &as, err, sizeof err) == 0, "schema: %s", err);
  kc_buf_t f, d;
  kc_buf_init(&f, 0);
  kc_buf_init(&d, 0);
  kc_avro_ocf_t w;
  if (as) {
    size_t len;
    const char *text = kc_avrodata_schema_text(as, &len);
    CHECK(text && len == strlen(text) && strstr(text, "\"timestamp-millis\"") && strstr(text, "\"decimal\""));
    CHECK(kc_avro_ocf_begin(&w, KC_AVRO_CODEC_DEFLATE, text, len, &f) == 0);
    for (int i = 0; i < 2; i++) {
      kc_value_t *v = kc_value_new_struct(st);
      kc_value_struct_set(v, "id", kc_value_new_int(KC_TYPE_INT64, 7 + i));
      if (i) kc_value_struct_set(v, "level", kc_value_new_string("WARN", 4));
      kc_value_struct_set(v, "ts", kc_value_new_int(KC_TYPE_INT64, 1226259375000LL));
      kc_value_struct_set(v, "amount", kc_value_new_bytes(i ? "\xfe\x0c" : "\x30\x39", 2)); /* -500, 12345 */
      kc_buf_reset(&d);
      CHECKF(kc_avrodata_encode(ad, as, st, v, &d, err, sizeof err) == 0, "encode: %s", err);
      CHECK(kc_avro_ocf_append(&w, d.data, d.len, &f) == 0);
      kc_value_destroy(v);
    }
    /* a value that does not match: refused, nothing appended */
    kc_value_t *bad = kc_value_new_struct(st);
    size_t before = d.len;
    CHECK(kc_avrodata_encode(ad, as, st, bad, &d, err, sizeof err) == KC_ECONVERT && d.len == before);
    kc_value_destroy(bad);
    CHECK(kc_avro_ocf_flush(&w, &f) == 0);
    kc_avro_ocf_free(&w);
    fastavro_equals(&f, "import sys, fastavro; [print(r) for r in fastavro.reader(open(sys.argv[1], 'rb'))]",
                    "{'id': 7, 'level': None, 'ts': datetime.datetime(2008, 11, 9, 19, 36, 15, "
                    "tzinfo=datetime.timezone.utc), 'amount': Decimal('123.45')}\n"
                    "{'id': 8, 'level': 'WARN', 'ts': datetime.datetime(2008, 11, 9, 19, 36, 15, "
                    "tzinfo=datetime.timezone.utc), 'amount': Decimal('-5.00')}\n");
  }
  kc_avrodata_schema_release(as);
  /* schemaless: AvroData's ANYTHING schema */
  as = NULL;
  kc_buf_reset(&f);
  CHECKF(kc_avrodata_schema(ad, NULL, &as, err, sizeof err) == 0, "schemaless: %s", err);
  if (as) {
    size_t len;
    const char *text = kc_avrodata_schema_text(as, &len);
    CHECK(kc_avro_ocf_begin(&w, KC_AVRO_CODEC_NULL, text, len, &f) == 0);
    kc_value_t *m = kc_value_new_map();
    kc_value_map_put_str(m, "a", kc_value_new_int(KC_TYPE_INT64, 5));
    kc_buf_reset(&d);
    CHECKF(kc_avrodata_encode(ad, as, NULL, m, &d, err, sizeof err) == 0, "schemaless encode: %s", err);
    CHECK(kc_avro_ocf_append(&w, d.data, d.len, &f) == 0 && kc_avro_ocf_flush(&w, &f) == 0);
    kc_avro_ocf_free(&w);
    kc_value_destroy(m);
    fastavro_equals(&f, "import sys, fastavro; print(sum(1 for r in fastavro.reader(open(sys.argv[1], 'rb'))))",
                    "1\n");
  }
  kc_avrodata_schema_release(as);
  kc_buf_free(&f);
  kc_buf_free(&d);
  kc_schema_decref(st);
  kc_avrodata_destroy(ad);
}

int main(void) {
  kc_test_run("null_codec", test_null);
  kc_test_run("deflate_codec", test_deflate);
  kc_test_run("snappy_codec", test_snappy);
  kc_test_run("early_flush", test_early_flush);
  kc_test_run("sync_markers", test_sync_markers_differ);
  kc_test_run("codec_names", test_codec_names);
  kc_test_run("compatibility", test_compatibility);
  kc_test_run("avrodata_public", test_avrodata_public);
  return kc_test_done();
}
