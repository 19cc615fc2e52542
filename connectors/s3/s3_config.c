/*
 * S3 sink configuration (s3_config.h).
 *
 * The table mirrors Confluent's ConfigDefs: same names, types, defaults and,
 * where Confluent has one, the same validator message ("Part size must be at
 * least: 5242880 bytes (5MB)"). Class-valued keys take the FQCN or the simple
 * name. Formats and partitioners kconnect lacks (Avro, Parquet, custom
 * classes) are refused by name instead of failing later. Keys Confluent
 * users commonly set that change nothing here are accepted and documented as
 * ignored, so an existing connector JSON validates unchanged.
 *
 * kc_s3_conf_parse re-checks everything itself (single keys and multi-key
 * rules), because plugin->validate sees the raw config, defaults unapplied,
 * possibly with values the table has already rejected.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "partitioner.h"
#include "pathformat.h"
#include "s3_config.h"
#include "tz.h"

#define FMT_PKG "io.confluent.connect.s3.format."
#define PART_PKG "io.confluent.connect.storage.partitioner."
#define EXTRACTOR_PREFIX PART_PKG "TimeBasedPartitioner$"
#define SIDE_FORMATS FMT_PKG "json.JsonFormat, " FMT_PKG "bytearray.ByteArrayFormat"
#define SUPPORTED_FORMATS SIDE_FORMATS ", " FMT_PKG "avro.AvroFormat"

/* ---- class names ---- */

typedef struct {
  const char *simple;
  int kind; /* kc_s3_format_t, or -1: known to Confluent, not supported here */
} format_name_t;

static const format_name_t format_names[] = {
    {"JsonFormat", KC_S3_FORMAT_JSON},  {"ByteArrayFormat", KC_S3_FORMAT_BYTEARRAY},
    {"AvroFormat", KC_S3_FORMAT_AVRO},  {"ParquetFormat", -1},
    {"SafeByteArrayFormat", -1},        {NULL, 0},
};
static const char *const format_pkgs[] = {"json.", "bytearray.", "avro.", "parquet.", "bytearray."};

/* Matches "JsonFormat" or "io.confluent.connect.s3.format.json.JsonFormat". NULL: unknown class. */
static const format_name_t *find_format(const char *v) {
  for (size_t i = 0; format_names[i].simple; i++) {
    char fq[128];
    snprintf(fq, sizeof fq, FMT_PKG "%s%s", format_pkgs[i], format_names[i].simple);
    if (!strcmp(v, format_names[i].simple) || !strcmp(v, fq)) return &format_names[i];
  }
  return NULL;
}

static const char *const partitioner_names[] = {"DefaultPartitioner", "FieldPartitioner",
                                                "TimeBasedPartitioner", "DailyPartitioner",
                                                "HourlyPartitioner", NULL};

static int find_partitioner(const char *v) {
  const char *simple = !strncmp(v, PART_PKG, strlen(PART_PKG)) ? v + strlen(PART_PKG) : v;
  for (int i = 0; partitioner_names[i]; i++)
    if (!strcmp(simple, partitioner_names[i])) return i; /* kc_s3_partitioner_class_t order */
  return -1;
}

static int find_extractor(const char *v) {
  static const char *const names[] = {"Wallclock", "Record", "RecordField"};
  for (int i = 0; i < 3; i++) {
    char fq[160];
    snprintf(fq, sizeof fq, EXTRACTOR_PREFIX "%sTimestampExtractor", names[i]);
    if (!strcmp(v, names[i]) || !strcmp(v, fq)) return i; /* kc_s3_ts_extractor_t order */
  }
  return -1;
}

/* ---- single-key validators ---- */

static int v_format_class(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  const format_name_t *f = find_format(v);
  if (!f) snprintf(err, n, "Class %s could not be found.", v);
  else if (f->kind < 0)
    snprintf(err, n, "%s is not supported by kconnect (supported: " SUPPORTED_FORMATS ")", f->simple);
  else return 0;
  return KC_EINVAL;
}

/* keys/headers formats: Avro is the default and only matters when keys/headers are stored. */
static int v_known_format_class(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  if (find_format(v)) return 0;
  snprintf(err, n, "Class %s could not be found.", v);
  return KC_EINVAL;
}

static int v_partitioner_class(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  if (find_partitioner(v) >= 0) return 0;
  snprintf(err, n, "partitioner %s is not supported by kconnect (supported: DefaultPartitioner, "
           "FieldPartitioner, TimeBasedPartitioner, DailyPartitioner, HourlyPartitioner of "
           "package " PART_PKG ")", v);
  return KC_EINVAL;
}

static int v_extractor(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  if (find_extractor(v) >= 0) return 0;
  snprintf(err, n, "Invalid timestamp extractor: %s (kconnect supports Wallclock, Record and "
           "RecordField)", v);
  return KC_EINVAL;
}

static int v_part_size(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  long long x = strtoll(v, NULL, 10);
  if (x >= 5 * 1024 * 1024) return 0;
  snprintf(err, n, "Part size must be at least: %d bytes (5MB)", 5 * 1024 * 1024);
  return KC_EINVAL;
}

static int v_region(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  bool ok = *v != '\0';
  for (const char *p = v; *p && ok; p++) ok = isalnum((unsigned char)*p) || *p == '-' || *p == '_';
  if (ok) return 0;
  snprintf(err, n, "Value must be a region name such as us-west-2");
  return KC_EINVAL;
}

static int v_timezone(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  if (!*v) return 0;
  kc_tz_t *tz;
  int rc = kc_tz_load(v, &tz, err, n);
  kc_tz_free(tz);
  return rc ? KC_EINVAL : 0;
}

static int v_path_format(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  if (!*v) return 0;
  kc_pathformat_t *f;
  int rc = kc_pathformat_compile(v, NULL, &f, err, n);
  kc_pathformat_free(f);
  return rc ? KC_EINVAL : 0;
}

static int v_decimal_format(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  if (!strcasecmp(v, "BASE64")) return 0;
  snprintf(err, n, "%s is not supported by kconnect (decimals are written as BASE64)", v);
  return KC_EINVAL;
}

static int v_affix(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  if (!strcmp(v, "NONE")) return 0;
  snprintf(err, n, "%s is not supported by kconnect (only NONE)", v);
  return KC_EINVAL;
}

static int v_avro_codec(const char *name, const char *v, char *err, size_t n) {
  (void)name;
  kc_avro_codec_t c;
  char why[256];
  if (!kc_avro_codec_parse(v, &c, why, sizeof why)) return 0;
  snprintf(err, n, "%s", why + strlen("avro.codec: ")); /* the caller names the key */
  return KC_EINVAL;
}

/* ---- the table ---- */

static const char *const compression_types[] = {"none", "gzip", NULL};
static const char *const null_behaviors[] = {"ignore", "fail", "write", NULL};
static const char *const ssea_values[] = {"", "AES256", "aws:kms", "aws:kms:dsse", NULL};
static const char *const canned_acls[] = {
    "private", "public-read", "public-read-write", "authenticated-read", "log-delivery-write",
    "bucket-owner-read", "bucket-owner-full-control", "aws-exec-read", NULL};
static const char *const affix_types[] = {"SUFFIX", "PREFIX", "NONE", NULL};

#define I32MAX 2147483647LL
#define I64MAX 9223372036854775807LL
#define DEF(n, t, d, f, imp, doc, grp, vv, lo, hi, fn) {n, t, d, f, imp, doc, grp, vv, lo, hi, fn}
#define IGN(n, t, d) {n, t, d, 0, KC_CFG_LOW, KC_S3_IGNORED_DOC, "Ignored", NULL, 0, 0, NULL}
/* Confluent keys whose non-default values would change what is written or how: only the default
 * (which is what kconnect does) is accepted, so a setting is never silently dropped. */
#define FIXED(n, t, d) {n, t, d, 0, KC_CFG_LOW, KC_S3_IGNORED_DOC, "Ignored", NULL, 0, 0, default_only}

extern const kc_config_def_t kc_s3_config_defs[];

static int default_only(const char *name, const char *value, char *errstr, size_t n) {
  for (const kc_config_def_t *d = kc_s3_config_defs; d->name; d++) {
    if (strcmp(d->name, name) != 0) continue;
    if (d->default_value && strcasecmp(value, d->default_value) == 0) return 0;
    snprintf(errstr, n, "kconnect supports only the default value (%s) of this setting",
             d->default_value && *d->default_value ? d->default_value : "empty");
    return KC_EINVAL;
  }
  return 0;
}

const kc_config_def_t kc_s3_config_defs[] = {
    /* Connector (StorageSinkConnectorConfig) */
    DEF("format.class", KC_CFG_CLASS, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
        "The format class to use when writing data to the store: "
        "io.confluent.connect.s3.format.json.JsonFormat, "
        "io.confluent.connect.s3.format.bytearray.ByteArrayFormat or "
        "io.confluent.connect.s3.format.avro.AvroFormat.",
        "Connector", NULL, 0, 0, v_format_class),
    DEF("flush.size", KC_CFG_INT, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
        "Number of records written to store before invoking file commits.", "Connector", NULL, 1,
        I32MAX, NULL),
    DEF("rotate.interval.ms", KC_CFG_LONG, "-1", 0, KC_CFG_HIGH,
        "The time interval in milliseconds to invoke file commits, measured with the "
        "partitioner's timestamp extractor. -1 disables it.",
        "Connector", NULL, 0, 0, NULL),
    DEF("rotate.schedule.interval.ms", KC_CFG_LONG, "-1", 0, KC_CFG_MEDIUM,
        "The wall-clock interval in milliseconds to commit files, aligned to 00:00 of timezone. "
        "-1 disables it.",
        "Connector", NULL, 0, 0, NULL),
    DEF("rotate.file.on.partition.change", KC_CFG_BOOLEAN, "true", 0, KC_CFG_LOW,
        "With rotate.interval.ms, rotate when the encoded partition changes between records.",
        "Connector", NULL, 0, 0, NULL),
    DEF("retry.backoff.ms", KC_CFG_LONG, "5000", 0, KC_CFG_LOW,
        "The retry backoff in milliseconds after a transient failure.", "Connector", NULL, 0, 0,
        NULL),
    DEF("filename.offset.zero.pad.width", KC_CFG_INT, "10", 0, KC_CFG_LOW,
        "Width to zero pad offsets in object names.", "Connector", NULL, 0, I32MAX, NULL),
    /* Storage (StorageCommonConfig) */
    DEF("topics.dir", KC_CFG_STRING, "topics", 0, KC_CFG_HIGH,
        "Top level directory to store the data ingested from Kafka; blank for none.", "Storage",
        NULL, 0, 0, NULL),
    DEF("store.url", KC_CFG_STRING, NULL, 0, KC_CFG_HIGH,
        "Store's connection URL (an S3-compatible endpoint); https:// is assumed without a scheme.",
        "Storage", NULL, 0, 0, NULL),
    DEF("directory.delim", KC_CFG_STRING, "/", 0, KC_CFG_MEDIUM, "Directory delimiter pattern.",
        "Storage", NULL, 0, 0, NULL),
    DEF("file.delim", KC_CFG_STRING, "+", 0, KC_CFG_MEDIUM, "File delimiter pattern.", "Storage",
        NULL, 0, 0, NULL),
    /* Partitioner (PartitionerConfig) */
    DEF("partitioner.class", KC_CFG_CLASS, PART_PKG "DefaultPartitioner", 0, KC_CFG_HIGH,
        "The partitioner: DefaultPartitioner, FieldPartitioner, TimeBasedPartitioner, "
        "DailyPartitioner or HourlyPartitioner (io.confluent.connect.storage.partitioner).",
        "Partitioner", NULL, 0, 0, v_partitioner_class),
    DEF("partition.field.name", KC_CFG_LIST, "", 0, KC_CFG_MEDIUM,
        "The name of the partitioning field(s) when FieldPartitioner is used.", "Partitioner", NULL,
        0, 0, NULL),
    DEF("partition.duration.ms", KC_CFG_LONG, "-1", 0, KC_CFG_MEDIUM,
        "The duration of a partition in milliseconds used by TimeBasedPartitioner.",
        "Partitioner", NULL, 0, 0, NULL),
    DEF("path.format", KC_CFG_STRING, "", 0, KC_CFG_MEDIUM,
        "Joda pattern of the directories of TimeBasedPartitioner, e.g. "
        "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH.",
        "Partitioner", NULL, 0, 0, v_path_format),
    DEF("locale", KC_CFG_STRING, "", 0, KC_CFG_MEDIUM,
        "The locale of the time-based partitioners (required): en prints English names, a tag "
        "such as en-US the JDK's root-locale names, as Confluent on Java 17 does.",
        "Partitioner", NULL, 0, 0, NULL),
    DEF("timezone", KC_CFG_STRING, "", 0, KC_CFG_MEDIUM,
        "The timezone of the time-based partitioners and scheduled rotation: an IANA name, UTC "
        "or a fixed offset [+-]hh:mm.",
        "Partitioner", NULL, 0, 0, v_timezone),
    DEF("timestamp.extractor", KC_CFG_STRING, "Wallclock", 0, KC_CFG_MEDIUM,
        "The record timestamp of the time-based partitioners: Wallclock, Record or RecordField.",
        "Partitioner", NULL, 0, 0, v_extractor),
    DEF("timestamp.field", KC_CFG_STRING, "timestamp", 0, KC_CFG_MEDIUM,
        "The record field (nested with '.') holding the timestamp for RecordField.",
        "Partitioner", NULL, 0, 0, NULL),
    /* S3 (S3SinkConnectorConfig) */
    DEF("s3.bucket.name", KC_CFG_STRING, NULL, KC_CFG_REQUIRED | KC_CFG_NONEMPTY, KC_CFG_HIGH,
        "The S3 Bucket.", "S3", NULL, 0, 0, NULL),
    DEF("s3.region", KC_CFG_STRING, "us-west-2", 0, KC_CFG_MEDIUM,
        "The AWS region to be used the connector.", "S3", NULL, 0, 0, v_region),
    DEF("s3.part.size", KC_CFG_INT, "26214400", 0, KC_CFG_HIGH,
        "The Part Size in S3 Multi-part Uploads.", "S3", NULL, 0, 0, v_part_size),
    DEF("aws.access.key.id", KC_CFG_STRING, "", 0, KC_CFG_HIGH,
        "The AWS access key ID; blank: the AWS default credentials chain.", "S3", NULL, 0, 0, NULL),
    DEF("aws.secret.access.key", KC_CFG_PASSWORD, NULL, 0, KC_CFG_HIGH,
        "The secret access key.", "S3", NULL, 0, 0, NULL),
    DEF("s3.ssea.name", KC_CFG_STRING, "", 0, KC_CFG_LOW,
        "The S3 Server Side Encryption Algorithm.", "S3", ssea_values, 0, 0, NULL),
    DEF("s3.sse.customer.key", KC_CFG_PASSWORD, NULL, 0, KC_CFG_LOW,
        "The S3 Server Side Encryption Customer-Provided Key (SSE-C).", "S3", NULL, 0, 0, NULL),
    DEF("s3.sse.kms.key.id", KC_CFG_STRING, "", 0, KC_CFG_LOW,
        "The AWS KMS key for aws:kms server side encryption.", "S3", NULL, 0, 0, NULL),
    DEF("s3.acl.canned", KC_CFG_STRING, NULL, 0, KC_CFG_LOW,
        "An S3 canned ACL header value to apply when writing objects.", "S3", canned_acls, 0, 0,
        NULL),
    DEF("s3.compression.type", KC_CFG_STRING, "none", 0, KC_CFG_LOW,
        "Compression type for files written to S3: none, gzip (JsonFormat and ByteArrayFormat; "
        "AvroFormat ignores it, as in Confluent: see avro.codec).", "S3", compression_types, 0, 0,
        NULL),
    DEF("s3.compression.level", KC_CFG_INT, "-1", 0, KC_CFG_LOW,
        "Compression level: -1 for the default, or 0 (none) .. 9 (best).", "S3", NULL, -1, 9, NULL),
    DEF("json.decimal.format", KC_CFG_STRING, "BASE64", 0, KC_CFG_MEDIUM,
        "How JsonFormat writes decimals (kconnect: BASE64).", "S3", NULL, 0, 0, v_decimal_format),
    DEF("s3.part.retries", KC_CFG_INT, "3", 0, KC_CFG_MEDIUM,
        "Maximum number of retry attempts for failed requests. Zero means no retries.", "S3", NULL,
        0, I32MAX, NULL),
    DEF("s3.retry.backoff.ms", KC_CFG_LONG, "200", 0, KC_CFG_LOW,
        "How long to wait before the first retry of a failed S3 request; doubled per retry.", "S3",
        NULL, 0, I64MAX, NULL),
    DEF("format.bytearray.extension", KC_CFG_STRING, ".bin", 0, KC_CFG_LOW,
        "Output file extension for ByteArrayFormat.", "S3", NULL, 0, 0, NULL),
    DEF("format.bytearray.separator", KC_CFG_STRING, NULL, 0, KC_CFG_LOW,
        "String inserted between records for ByteArrayFormat (default: a newline).", "S3", NULL, 0,
        0, NULL),
    DEF("s3.proxy.url", KC_CFG_STRING, "", 0, KC_CFG_LOW, "S3 Proxy settings encoded in URL syntax.",
        "S3", NULL, 0, 0, NULL),
    DEF("s3.proxy.user", KC_CFG_STRING, NULL, 0, KC_CFG_LOW, "S3 Proxy User.", "S3", NULL, 0, 0,
        NULL),
    DEF("s3.proxy.password", KC_CFG_PASSWORD, NULL, 0, KC_CFG_LOW, "S3 Proxy Password.", "S3", NULL,
        0, 0, NULL),
    DEF("behavior.on.null.values", KC_CFG_STRING, "fail", 0, KC_CFG_LOW,
        "How to handle records with a null value: ignore, fail or write (tombstones go to "
        "tombstone.encoded.partition; needs store.kafka.keys).",
        "S3", null_behaviors, 0, 0, NULL),
    DEF("tombstone.encoded.partition", KC_CFG_STRING, "tombstone", 0, KC_CFG_LOW,
        "Output folder of tombstone records.", "S3", NULL, 0, 0, NULL),
    DEF("s3.schema.partition.affix.type", KC_CFG_STRING, "NONE", 0, KC_CFG_LOW,
        "Schema name in the path (kconnect: NONE).", "S3", affix_types, 0, 0, v_affix),
    DEF("s3.path.style.access.enabled", KC_CFG_BOOLEAN, "true", 0, KC_CFG_LOW,
        "Path style access to the bucket (else virtual-hosted style).", "S3", NULL, 0, 0, NULL),
    /* Keys and Headers */
    DEF("store.kafka.keys", KC_CFG_BOOLEAN, "false", 0, KC_CFG_LOW,
        "Write keys to a sibling .keys file.", "Keys and Headers", NULL, 0, 0, NULL),
    DEF("store.kafka.headers", KC_CFG_BOOLEAN, "false", 0, KC_CFG_LOW,
        "Write headers to a sibling .headers file.", "Keys and Headers", NULL, 0, 0, NULL),
    DEF("keys.format.class", KC_CFG_CLASS, FMT_PKG "avro.AvroFormat", 0, KC_CFG_LOW,
        "The format class of keys (kconnect: JsonFormat or ByteArrayFormat).", "Keys and Headers",
        NULL, 0, 0, v_known_format_class),
    DEF("headers.format.class", KC_CFG_CLASS, FMT_PKG "avro.AvroFormat", 0, KC_CFG_LOW,
        "The format class of headers (kconnect: JsonFormat).", "Keys and Headers", NULL, 0, 0,
        v_known_format_class),
    /* kconnect */
    DEF("s3.spool.dir", KC_CFG_STRING, "", 0, KC_CFG_MEDIUM,
        "Local directory the sink spools open files to; blank: <worker state dir>/s3-spool.",
        "kconnect", NULL, 0, 0, NULL),
    DEF("s3.spool.max.bytes", KC_CFG_LONG, "1073741824", 0, KC_CFG_MEDIUM,
        "Disk the spool may use; at the cap the task pauses its partitions until uploads free it.",
        "kconnect", NULL, 1048576, I64MAX, NULL),
    /* Accepted for compatibility, no effect */
    FIXED("storage.class", KC_CFG_CLASS, "io.confluent.connect.s3.storage.S3Storage"),
    FIXED("s3.credentials.provider.class", KC_CFG_CLASS,
        "com.amazonaws.auth.DefaultAWSCredentialsProviderChain"),
    IGN("s3.http.send.expect.continue", KC_CFG_BOOLEAN, "true"),
    FIXED("s3.send.digest", KC_CFG_BOOLEAN, "false"),
    FIXED("s3.wan.mode", KC_CFG_BOOLEAN, "false"),
    FIXED("s3.object.tagging", KC_CFG_BOOLEAN, "false"),
    FIXED("s3.object.tagging.key.value.pairs", KC_CFG_LIST, ""),
    IGN("s3.object.behavior.on.tagging.error", KC_CFG_STRING, "ignore"),
    IGN("s3.elastic.buffer.enable", KC_CFG_BOOLEAN, "false"),
    IGN("s3.elastic.buffer.init.capacity", KC_CFG_INT, "131072"),
    DEF("schema.compatibility", KC_CFG_STRING, "NONE", 0, KC_CFG_HIGH,
        "The schema compatibility rule to use when the connector is observing schema changes: "
        "NONE, BACKWARD, FORWARD or FULL (StorageSchemaCompatibility; any other value acts as NONE, "
        "as in Confluent).", "Schema", NULL, 0, 0, NULL),
    IGN("schema.cache.size", KC_CFG_INT, "1000"),
    DEF("schemas.cache.config", KC_CFG_INT, "1000", 0, KC_CFG_LOW,
        "The size of the schema cache used in the Avro converter (AvroFormat's AvroData).", "Connector",
        NULL, 0, 0, NULL),
    DEF("enhanced.avro.schema.support", KC_CFG_BOOLEAN, "true", 0, KC_CFG_LOW,
        "Enable enhanced avro schema support in AvroConverter: Enum symbol preservation and Package "
        "Name awareness (AvroFormat).", "Connector", NULL, 0, 0, NULL),
    DEF("connect.meta.data", KC_CFG_BOOLEAN, "true", 0, KC_CFG_LOW,
        "Allow connect converter to add its metadata to the output schema (AvroFormat).",
        "Connector", NULL, 0, 0, NULL),
    DEF("avro.codec", KC_CFG_STRING, "null", 0, KC_CFG_LOW,
        "The Avro compression codec to be used for output files: null, deflate or snappy "
        "(Confluent's bzip2 is not supported by kconnect).", "Connector", NULL, 0, 0, v_avro_codec),
    IGN("parquet.codec", KC_CFG_STRING, "snappy"),
    IGN("shutdown.timeout.ms", KC_CFG_LONG, "3000"),
    IGN("append.late.data", KC_CFG_BOOLEAN, "false"),
    DEF("allow.optional.map.keys", KC_CFG_BOOLEAN, "false", 0, KC_CFG_LOW,
        "Allow optional string map key when converting from Connect Schema to Avro Schema.",
        "Connector", NULL, 0, 0, NULL),
    IGN("report.null.values.to.dlq", KC_CFG_BOOLEAN, "true"),
    FIXED("max.write.duration.ms", KC_CFG_LONG, "9223372036854775807"),
    IGN("enable.conditional.writes", KC_CFG_BOOLEAN, "true"),
    IGN("max.files.scan.limit", KC_CFG_INT, "100"),
    IGN("partitioner.max.open.files", KC_CFG_INT, "-1"),
    {NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

/* ---- parsing ---- */

typedef struct {
  const kc_config_t *cfg;
  char *err;
  size_t errlen;
  int rc; /* first error; later getters do nothing */
  int keys_format, headers_format; /* format_of(): -1 when kconnect lacks the format */
} parse_t;

static const kc_config_def_t *def_of(const char *key) {
  for (const kc_config_def_t *d = kc_s3_config_defs; d->name; d++)
    if (!strcmp(d->name, key)) return d;
  return NULL;
}

static char *trim_dup(const char *s) {
  while (*s && (unsigned char)*s <= ' ') s++;
  size_t n = strlen(s);
  while (n && (unsigned char)s[n - 1] <= ' ') n--;
  return strndup(s, n);
}

static void fail(parse_t *p, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fail(parse_t *p, int rc, const char *fmt, ...) {
  if (p->rc) return;
  p->rc = rc;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(p->err, p->errlen, fmt, ap);
  va_end(ap);
}

/*
 * The trimmed value of @p key (configured or default) after the table's
 * checks, or NULL when it is null (or on error: p->rc set).
 */
static char *checked(parse_t *p, const char *key) {
  if (p->rc) return NULL;
  const kc_config_def_t *d = def_of(key);
  const char *raw = kc_config_get(p->cfg, key);
  if (!raw && (d->flags & KC_CFG_REQUIRED)) {
    fail(p, KC_EINVAL, "%s: Missing required configuration \"%s\" which has no default value.",
         key, key);
    return NULL;
  }
  if (!raw) raw = d->default_value;
  if (!raw) return NULL;
  char *v = trim_dup(raw);
  if (!v) {
    fail(p, KC_ENOMEM, "%s: out of memory", key);
    return NULL;
  }
  char why[512] = "";
  if ((d->flags & KC_CFG_NONEMPTY) && !*v) {
    snprintf(why, sizeof why, "String must be non-empty");
  } else if (d->valid_values) {
    bool ok = false;
    for (const char *const *vv = d->valid_values; *vv && !ok; vv++) ok = !strcasecmp(*vv, v);
    if (!ok) {
      size_t len = (size_t)snprintf(why, sizeof why, "String must be one of: ");
      for (const char *const *vv = d->valid_values; *vv && len < sizeof why; vv++)
        len += (size_t)snprintf(why + len, sizeof why - len, "%s%s", vv == d->valid_values ? "" : ", ", *vv);
    }
  }
  if (!why[0] && (d->type == KC_CFG_INT || d->type == KC_CFG_LONG)) {
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    bool num = *v && *end == '\0' && errno != ERANGE && !isspace((unsigned char)*v) &&
               (d->type == KC_CFG_LONG || (x >= -I32MAX - 1 && x <= I32MAX));
    if (!num)
      snprintf(why, sizeof why, "Not a number of type %s", d->type == KC_CFG_INT ? "INT" : "LONG");
    else if (d->min < d->max && (x < d->min || x > d->max))
      snprintf(why, sizeof why, "Value must be %s %lld", x < d->min ? "at least" : "no more than",
               (long long)(x < d->min ? d->min : d->max));
  } else if (!why[0] && d->type == KC_CFG_BOOLEAN && strcasecmp(v, "true") && strcasecmp(v, "false")) {
    snprintf(why, sizeof why, "Expected value to be either true or false");
  }
  if (!why[0] && d->validate && d->validate(key, v, why, sizeof why) && !why[0])
    snprintf(why, sizeof why, "invalid value");
  if (why[0]) {
    fail(p, KC_EINVAL, "%s: Invalid value %s: %s", key, d->type == KC_CFG_PASSWORD ? "[hidden]" : v,
         why);
    free(v);
    return NULL;
  }
  return v;
}

static void get_str(parse_t *p, const char *key, char **out) { *out = checked(p, key); }

/* A string that must not be null (its default is not null). */
static void get_str_nn(parse_t *p, const char *key, char **out) {
  *out = checked(p, key);
  if (!*out && !p->rc && !(*out = strdup(""))) fail(p, KC_ENOMEM, "%s: out of memory", key);
}

static int64_t get_long(parse_t *p, const char *key) {
  char *v = checked(p, key);
  int64_t x = v ? strtoll(v, NULL, 10) : 0;
  free(v);
  return x;
}

static bool get_bool(parse_t *p, const char *key) {
  char *v = checked(p, key);
  bool b = v && !strcasecmp(v, "true");
  free(v);
  return b;
}

/* NULL for blank values. */
static void blank_to_null(char **s) {
  if (*s && !**s) {
    free(*s);
    *s = NULL;
  }
}

static int format_of(parse_t *p, const char *key) {
  char *v = checked(p, key);
  const format_name_t *f = v ? find_format(v) : NULL;
  free(v);
  return f ? f->kind : -1;
}

static void unsupported_side_format(parse_t *p, const char *key, int f, bool headers) {
  if (p->rc || (f >= 0 && f != KC_S3_FORMAT_AVRO && !(headers && f == KC_S3_FORMAT_BYTEARRAY))) return;
  char *v = checked(p, key);
  fail(p, KC_EINVAL, "%s: %s is not supported by kconnect for %s (supported: %s)", key,
       v ? v : "null", headers ? "headers" : "keys",
       headers ? FMT_PKG "json.JsonFormat" : SIDE_FORMATS);
  free(v);
}

static void parse_all(parse_t *p, kc_s3_conf_t *c) {
  /* S3 */
  get_str(p, "s3.bucket.name", &c->bucket);
  get_str_nn(p, "s3.region", &c->region);
  get_str(p, "store.url", &c->store_url);
  blank_to_null(&c->store_url);
  if (c->store_url && !strstr(c->store_url, "://")) {
    char *u = malloc(strlen(c->store_url) + 9);
    if (!u) {
      fail(p, KC_ENOMEM, "store.url: out of memory");
      return;
    }
    sprintf(u, "https://%s", c->store_url);
    free(c->store_url);
    c->store_url = u;
  }
  c->path_style = get_bool(p, "s3.path.style.access.enabled");
  get_str(p, "s3.proxy.url", &c->proxy_url);
  blank_to_null(&c->proxy_url);
  get_str(p, "s3.proxy.user", &c->proxy_user);
  get_str(p, "s3.proxy.password", &c->proxy_password);
  get_str(p, "aws.access.key.id", &c->access_key_id);
  blank_to_null(&c->access_key_id);
  get_str(p, "aws.secret.access.key", &c->secret_access_key);
  blank_to_null(&c->secret_access_key);
  c->part_size = get_long(p, "s3.part.size");
  c->part_retries = (int)get_long(p, "s3.part.retries");
  c->retry_backoff_ms = get_long(p, "s3.retry.backoff.ms");
  get_str_nn(p, "s3.ssea.name", &c->ssea);
  get_str_nn(p, "s3.sse.kms.key.id", &c->sse_kms_key_id);
  get_str(p, "s3.sse.customer.key", &c->sse_customer_key);
  get_str(p, "s3.acl.canned", &c->acl_canned);
  /* connector */
  c->format = (kc_s3_format_t)format_of(p, "format.class"); /* the validator refused the others */
  c->flush_size = get_long(p, "flush.size");
  c->rotate_interval_ms = get_long(p, "rotate.interval.ms");
  c->rotate_schedule_interval_ms = get_long(p, "rotate.schedule.interval.ms");
  c->rotate_on_partition_change = get_bool(p, "rotate.file.on.partition.change");
  c->connect_retry_backoff_ms = get_long(p, "retry.backoff.ms");
  c->zero_pad_width = (int)get_long(p, "filename.offset.zero.pad.width");
  get_str_nn(p, "format.bytearray.extension", &c->bytearray_extension);
  /* whitespace matters in a separator: the configured string as is */
  const char *sep = kc_config_get(p->cfg, "format.bytearray.separator");
  if (!p->rc && !(c->bytearray_separator = strdup(sep ? sep : "\n"))) {
    fail(p, KC_ENOMEM, "format.bytearray.separator: out of memory");
    return;
  }
  c->bytearray_separator_len = c->bytearray_separator ? strlen(c->bytearray_separator) : 0;
  char *s = checked(p, "s3.compression.type");
  c->compression = s && !strcasecmp(s, "gzip") ? KC_S3_COMPRESSION_GZIP : KC_S3_COMPRESSION_NONE;
  free(s);
  c->compression_level = (int)get_long(p, "s3.compression.level");
  s = checked(p, "behavior.on.null.values");
  c->null_behavior = !s ? KC_S3_NULL_FAIL : !strcasecmp(s, "ignore") ? KC_S3_NULL_IGNORE
                     : !strcasecmp(s, "write")                     ? KC_S3_NULL_WRITE
                                                                   : KC_S3_NULL_FAIL;
  free(s);
  get_str_nn(p, "tombstone.encoded.partition", &c->tombstone_partition);
  c->store_keys = get_bool(p, "store.kafka.keys");
  c->store_headers = get_bool(p, "store.kafka.headers");
  p->keys_format = format_of(p, "keys.format.class");
  p->headers_format = format_of(p, "headers.format.class");
  c->keys_format = p->keys_format == KC_S3_FORMAT_BYTEARRAY ? KC_S3_FORMAT_BYTEARRAY : KC_S3_FORMAT_JSON;
  c->headers_format = KC_S3_FORMAT_JSON;
  free(checked(p, "json.decimal.format"));
  s = checked(p, "schema.compatibility");
  c->compatibility = kc_s3_compat_parse(s);
  free(s);
  s = checked(p, "avro.codec");
  if (s && !p->rc) {
    char why[256];
    if (kc_avro_codec_parse(s, &c->avro_codec, why, sizeof why)) fail(p, KC_EINVAL, "%s", why);
  }
  free(s);
  c->enhanced_avro = get_bool(p, "enhanced.avro.schema.support");
  c->connect_meta_data = get_bool(p, "connect.meta.data");
  c->allow_optional_map_keys = get_bool(p, "allow.optional.map.keys");
  c->schemas_cache_size = (int)get_long(p, "schemas.cache.config");
  free(checked(p, "s3.schema.partition.affix.type"));
  /* storage */
  get_str_nn(p, "topics.dir", &c->topics_dir);
  get_str_nn(p, "directory.delim", &c->directory_delim);
  get_str_nn(p, "file.delim", &c->file_delim);
  /* partitioner */
  s = checked(p, "partitioner.class");
  c->partitioner = s ? (kc_s3_partitioner_class_t)find_partitioner(s) : KC_S3_PARTITIONER_DEFAULT;
  free(s);
  if (!p->rc && kc_config_get(p->cfg, "partition.field.name")) {
    int n = kc_config_get_list(p->cfg, "partition.field.name", &c->partition_fields);
    if (n < 0) {
      fail(p, KC_ENOMEM, "partition.field.name: out of memory");
      return;
    }
    c->npartition_fields = (size_t)n;
  }
  get_str_nn(p, "path.format", &c->path_format);
  c->partition_duration_ms = get_long(p, "partition.duration.ms");
  get_str_nn(p, "locale", &c->locale);
  get_str_nn(p, "timezone", &c->timezone);
  s = checked(p, "timestamp.extractor");
  c->ts_extractor = s ? (kc_s3_ts_extractor_t)find_extractor(s) : KC_S3_TS_WALLCLOCK;
  free(s);
  get_str_nn(p, "timestamp.field", &c->timestamp_field);
  /* kconnect */
  get_str(p, "s3.spool.dir", &c->spool_dir);
  blank_to_null(&c->spool_dir);
  c->spool_max_bytes = get_long(p, "s3.spool.max.bytes");
  /* every other key of the table still has to pass its own checks */
  for (const kc_config_def_t *d = kc_s3_config_defs; d->name && !p->rc; d++)
    if (!strcmp(d->doc, KC_S3_IGNORED_DOC))
      free(checked(p, d->name));
}

static int b64_value(int ch) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const char *p = ch ? strchr(alphabet, ch) : NULL;
  return p ? (int)(p - alphabet) : -1;
}

int kc_s3_base64_decode(const char *in, unsigned char *out, size_t cap) {
  size_t len = strlen(in), n = 0;
  if (len % 4) return -1;
  for (size_t i = 0; i < len; i += 4) {
    int v[4], pad = 0;
    for (int j = 0; j < 4; j++) {
      if (in[i + j] == '=' && i + 4 == len && j >= 2) {
        v[j] = 0;
        pad++;
        continue;
      }
      if (pad || (v[j] = b64_value((unsigned char)in[i + j])) < 0) return -1;
    }
    unsigned bits = (unsigned)v[0] << 18 | (unsigned)v[1] << 12 | (unsigned)v[2] << 6 | (unsigned)v[3];
    unsigned char b[3] = {(unsigned char)(bits >> 16), (unsigned char)(bits >> 8), (unsigned char)bits};
    for (int j = 0; j < 3 - pad; j++) {
      if (n >= cap) return -1;
      out[n++] = b[j];
    }
  }
  return (int)n;
}

/*
 * Encryption keys Confluent would silently not send are refused: a key set
 * but ignored is a security setting failing open. The messages never echo
 * the customer key.
 */
static void sse_checks(parse_t *p, kc_s3_conf_t *c) {
  const char *key = c->sse_customer_key;
  if (key && *key) {
    unsigned char raw[64];
    if (strcmp(c->ssea, "AES256")) {
      fail(p, KC_EINVAL, "s3.sse.customer.key: a customer-provided key (SSE-C) needs "
           "s3.ssea.name=AES256 (it is '%s')", c->ssea);
      return;
    }
    if (kc_s3_base64_decode(key, raw, sizeof raw) != 32) {
      fail(p, KC_EINVAL, "s3.sse.customer.key: must be the base64 encoding of a 32-byte "
           "(AES-256) key");
      return;
    }
  }
  if (*c->sse_kms_key_id && strcmp(c->ssea, "aws:kms"))
    fail(p, KC_EINVAL, "s3.sse.kms.key.id: a KMS key id needs s3.ssea.name=aws:kms (it is '%s')",
         c->ssea);
}

/* The rules that span keys, in the order Confluent's configure() would trip on them. */
static void cross_checks(parse_t *p, kc_s3_conf_t *c) {
  if (p->rc) return;
  sse_checks(p, c);
  if (p->rc) return;
  if (c->store_keys) unsupported_side_format(p, "keys.format.class", p->keys_format, false);
  if (c->store_headers) unsupported_side_format(p, "headers.format.class", p->headers_format, true);
  if (c->null_behavior == KC_S3_NULL_WRITE && !c->store_keys)
    fail(p, KC_EINVAL, "store.kafka.keys: Writing Kafka record keys to storage is mandatory "
         "when tombstone writing is enabled.");
  if (c->rotate_schedule_interval_ms > 0 && !*c->timezone)
    fail(p, KC_EINVAL, "timezone: timezone configuration must be set when using "
         "rotate.schedule.interval.ms");
  if (c->ts_extractor == KC_S3_TS_RECORD_FIELD && kc_s3_conf_time_based(c) && !*c->timestamp_field)
    fail(p, KC_EINVAL, "timestamp.field: Timestamp field cannot be empty when using the "
         "RecordField timestamp extractor.");
  if (p->rc) return;
  /* what the partitioner's configure() checks: build one */
  kc_s3_partitioner_t *part;
  int rc = kc_s3_partitioner_new(c, &part, p->err, p->errlen);
  kc_s3_partitioner_free(part);
  if (rc) p->rc = rc;
}

int kc_s3_conf_parse(const kc_config_t *cfg, kc_s3_conf_t *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  parse_t p = {cfg, err, errlen, 0, -1, -1};
  parse_all(&p, out);
  cross_checks(&p, out);
  if (p.rc) kc_s3_conf_free(out);
  return p.rc;
}

int kc_s3_config_validate(const kc_config_t *cfg, char *err, size_t errlen) {
  kc_s3_conf_t c;
  int rc = kc_s3_conf_parse(cfg, &c, err, errlen);
  kc_s3_conf_free(&c);
  return rc;
}

bool kc_s3_conf_time_based(const kc_s3_conf_t *c) {
  return c->partitioner == KC_S3_PARTITIONER_TIME_BASED || c->partitioner == KC_S3_PARTITIONER_DAILY ||
         c->partitioner == KC_S3_PARTITIONER_HOURLY;
}

void kc_s3_conf_free(kc_s3_conf_t *c) {
  if (!c) return;
  char **strs[] = {&c->bucket, &c->region, &c->store_url, &c->proxy_url, &c->proxy_user,
                   &c->proxy_password, &c->access_key_id, &c->secret_access_key, &c->ssea,
                   &c->sse_kms_key_id, &c->sse_customer_key, &c->acl_canned,
                   &c->bytearray_extension, &c->bytearray_separator, &c->tombstone_partition,
                   &c->topics_dir, &c->directory_delim, &c->file_delim, &c->path_format,
                   &c->locale, &c->timezone, &c->timestamp_field, &c->spool_dir};
  for (size_t i = 0; i < sizeof strs / sizeof *strs; i++) {
    free(*strs[i]);
    *strs[i] = NULL;
  }
  if (c->partition_fields) kc_config_list_free(c->partition_fields);
  c->partition_fields = NULL;
  c->npartition_fields = 0;
}
