/*
 * S3 sink configuration (connectors/s3/s3_config.c): Confluent's keys and
 * defaults, the table working inside the runtime's ConfigDef machinery
 * (single-key messages as Connect words them), the multi-key rules of the
 * plugin's validate() ("key: reason", the key being one the table defines so
 * /config/validate can attach it), and the typed struct tasks get.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../connectors/s3/partitioner.h"
#include "../../connectors/s3/s3_config.h"
#include "config/configdef.h"
#include "kc_test.h"

/* A config from NULL-terminated key/value pairs. */
static kc_config_t *cfg_of(const char *k, ...) {
  kc_config_t *cfg = kc_config_new();
  va_list ap;
  va_start(ap, k);
  for (; k; k = va_arg(ap, const char *)) kc_config_set(cfg, k, va_arg(ap, const char *));
  va_end(ap);
  return cfg;
}

#define BASE "s3.bucket.name", "my-bucket", "format.class", \
             "io.confluent.connect.s3.format.json.JsonFormat", "flush.size", "1000"

static const kc_config_def_t *def(const char *name) {
  for (const kc_config_def_t *d = kc_s3_config_defs; d->name; d++)
    if (!strcmp(d->name, name)) return d;
  return NULL;
}

/* validate()'s message for @p cfg (consumed), "" when valid. */
static const char *validate_msg(kc_config_t *cfg) {
  static char err[1024];
  err[0] = '\0';
  int rc = kc_s3_config_validate(cfg, err, sizeof err);
  kc_config_destroy(cfg);
  if (rc == 0) return "";
  /* the message starts with a key of the table */
  char key[128];
  const char *colon = strchr(err, ':');
  snprintf(key, sizeof key, "%.*s", colon ? (int)(colon - err) : 0, err);
  CHECKF(def(key) != NULL, "message does not start with a defined key: %s", err);
  return err;
}

static void test_table(void) {
  static const char *const expected[] = {
      "s3.bucket.name", "s3.region", "store.url", "s3.path.style.access.enabled", "s3.proxy.url",
      "s3.proxy.user", "s3.proxy.password", "aws.access.key.id", "aws.secret.access.key",
      "s3.part.size", "s3.part.retries", "s3.retry.backoff.ms", "flush.size", "rotate.interval.ms",
      "rotate.schedule.interval.ms", "format.class", "format.bytearray.extension",
      "format.bytearray.separator", "s3.compression.type", "s3.compression.level",
      "partitioner.class", "partition.field.name", "path.format", "partition.duration.ms", "locale",
      "timezone", "timestamp.extractor", "timestamp.field", "topics.dir", "directory.delim",
      "file.delim", "filename.offset.zero.pad.width", "behavior.on.null.values",
      "store.kafka.keys", "store.kafka.headers", "s3.ssea.name", "s3.acl.canned", "s3.spool.dir",
      "s3.spool.max.bytes", "storage.class", "s3.credentials.provider.class",
      "s3.http.send.expect.continue", "schema.compatibility", NULL};
  for (size_t i = 0; expected[i]; i++) CHECKF(def(expected[i]), "missing key %s", expected[i]);
  size_t n = 0, ignored = 0;
  for (const kc_config_def_t *d = kc_s3_config_defs; d->name; d++, n++) {
    CHECKF(d->doc && *d->doc, "%s has no doc", d->name);
    for (const kc_config_def_t *e = d + 1; e->name; e++) CHECKF(strcmp(d->name, e->name), "%s twice", d->name);
    ignored += !strcmp(d->doc, KC_S3_IGNORED_DOC);
  }
  CHECKF(ignored >= 14 && n > 60, "%zu keys, %zu ignored", n, ignored);
  CHECK(!strcmp(def("storage.class")->doc, KC_S3_IGNORED_DOC));
  CHECK(!strcmp(def("s3.http.send.expect.continue")->doc, KC_S3_IGNORED_DOC));
  CHECK(def("aws.secret.access.key")->type == KC_CFG_PASSWORD);
  CHECK(def("s3.proxy.password")->type == KC_CFG_PASSWORD);
  CHECK(def("s3.bucket.name")->flags & KC_CFG_REQUIRED);
  CHECK(def("flush.size")->flags & KC_CFG_REQUIRED);
  CHECK(def("format.class")->flags & KC_CFG_REQUIRED);
  /* Confluent's defaults */
  static const struct {
    const char *k, *v;
  } defaults[] = {{"s3.region", "us-west-2"}, {"s3.part.size", "26214400"}, {"s3.part.retries", "3"},
                  {"s3.retry.backoff.ms", "200"}, {"rotate.interval.ms", "-1"},
                  {"rotate.schedule.interval.ms", "-1"}, {"format.bytearray.extension", ".bin"},
                  {"s3.compression.type", "none"}, {"s3.compression.level", "-1"},
                  {"topics.dir", "topics"}, {"directory.delim", "/"}, {"file.delim", "+"},
                  {"filename.offset.zero.pad.width", "10"}, {"behavior.on.null.values", "fail"},
                  {"timestamp.extractor", "Wallclock"}, {"timestamp.field", "timestamp"},
                  {"s3.path.style.access.enabled", "true"}, {"partition.duration.ms", "-1"},
                  {"partitioner.class", "io.confluent.connect.storage.partitioner.DefaultPartitioner"}};
  for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) {
    const kc_config_def_t *d = def(defaults[i].k);
    CHECKF(d && d->default_value && !strcmp(d->default_value, defaults[i].v), "default of %s", defaults[i].k);
  }
}

static void test_parse_defaults(void) {
  char err[512];
  kc_s3_conf_t c;
  kc_config_t *cfg = cfg_of(BASE, NULL);
  if (!CHECKF(kc_s3_conf_parse(cfg, &c, err, sizeof err) == 0, "%s", err)) return;
  CHECK_STR(c.bucket, "my-bucket");
  CHECK_STR(c.region, "us-west-2");
  CHECK(c.store_url == NULL && c.proxy_url == NULL && c.access_key_id == NULL && c.secret_access_key == NULL);
  CHECK(c.path_style && c.part_size == 26214400 && c.part_retries == 3 && c.retry_backoff_ms == 200);
  CHECK(c.flush_size == 1000 && c.rotate_interval_ms == -1 && c.rotate_schedule_interval_ms == -1);
  CHECK(c.rotate_on_partition_change && c.connect_retry_backoff_ms == 5000);
  CHECK(c.format == KC_S3_FORMAT_JSON && c.compression == KC_S3_COMPRESSION_NONE && c.compression_level == -1);
  CHECK_STR(c.bytearray_extension, ".bin");
  CHECK(c.bytearray_separator_len == 1 && c.bytearray_separator[0] == '\n');
  CHECK(c.partitioner == KC_S3_PARTITIONER_DEFAULT && c.ts_extractor == KC_S3_TS_WALLCLOCK);
  CHECK_STR(c.timestamp_field, "timestamp");
  CHECK(c.npartition_fields == 0 && c.partition_duration_ms == -1);
  CHECK_STR(c.topics_dir, "topics");
  CHECK_STR(c.directory_delim, "/");
  CHECK_STR(c.file_delim, "+");
  CHECK(c.zero_pad_width == 10 && c.null_behavior == KC_S3_NULL_FAIL);
  CHECK_STR(c.tombstone_partition, "tombstone");
  CHECK(!c.store_keys && !c.store_headers && c.spool_dir == NULL && c.spool_max_bytes == 1073741824);
  CHECK_STR(c.ssea, "");
  CHECK(c.acl_canned == NULL && c.sse_customer_key == NULL);
  kc_s3_conf_free(&c);
  kc_s3_conf_free(&c); /* idempotent */
  /* the same with the runtime's defaults applied first */
  CHECK(kc_configdef_apply_defaults(kc_s3_config_defs, cfg) == 0);
  CHECK(kc_s3_conf_parse(cfg, &c, err, sizeof err) == 0 && c.part_size == 26214400 && c.bytearray_separator_len == 1);
  kc_s3_conf_free(&c);
  kc_config_destroy(cfg);
}

/* The seed example, and a typical Confluent quickstart config, unchanged. */
static void test_seed_and_confluent_examples(void) {
  char err[512];
  kc_s3_conf_t c;
  kc_config_t *cfg = cfg_of(
      "name", "logs-to-s3", "connector.class", "io.confluent.connect.s3.S3SinkConnector", "tasks.max", "1",
      "topics", "logs",
      "s3.bucket.name", "logs-archive", "s3.region", "ap-northeast-2", "flush.size", "1000",
      "storage.class", "io.confluent.connect.s3.storage.S3Storage", "format.class",
      "io.confluent.connect.s3.format.json.JsonFormat", "partitioner.class",
      "io.confluent.connect.storage.partitioner.TimeBasedPartitioner", "path.format",
      "'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH", "partition.duration.ms", "3600000", "locale", "ko-KR",
      "timezone", "Asia/Seoul", "timestamp.extractor", "RecordField", "timestamp.field", "ts",
      "s3.compression.type", "gzip", "s3.compression.level", "9", "store.url", "127.0.0.1:7070",
      "aws.access.key.id", "AKIDEXAMPLE", "aws.secret.access.key", "secret", NULL);
  if (CHECKF(kc_s3_conf_parse(cfg, &c, err, sizeof err) == 0, "%s", err)) {
    CHECK(c.partitioner == KC_S3_PARTITIONER_TIME_BASED && c.ts_extractor == KC_S3_TS_RECORD_FIELD);
    CHECK(c.partition_duration_ms == 3600000 && c.compression == KC_S3_COMPRESSION_GZIP && c.compression_level == 9);
    CHECK_STR(c.store_url, "https://127.0.0.1:7070");
    CHECK_STR(c.timezone, "Asia/Seoul");
    CHECK_STR(c.access_key_id, "AKIDEXAMPLE");
    CHECK(kc_s3_conf_time_based(&c));
    kc_s3_partitioner_t *p;
    CHECK(kc_s3_partitioner_new(&c, &p, err, sizeof err) == 0);
    kc_s3_partitioner_free(p);
    kc_s3_conf_free(&c);
  }
  /* the whole connector config through the runtime's tables */
  const kc_config_def_t *tables[] = {kc_s3_config_defs, kc_connector_common_defs, kc_connector_sink_defs, NULL};
  CHECKF(kc_configdef_validate(tables, cfg, err, sizeof err) == 0, "%s", err);
  kc_config_destroy(cfg);
  cfg = cfg_of("name", "s3-sink", "connector.class", "io.confluent.connect.s3.S3SinkConnector",
               "tasks.max", "1", "topics", "s3_topic", "s3.region", "us-west-2", "s3.bucket.name",
               "confluent-kafka-connect-s3-testing", "s3.part.size", "5242880", "flush.size", "3",
               "storage.class", "io.confluent.connect.s3.storage.S3Storage", "format.class",
               "io.confluent.connect.s3.format.bytearray.ByteArrayFormat", "schema.generator.class",
               "io.confluent.connect.storage.hive.schema.DefaultSchemaGenerator", "partitioner.class",
               "io.confluent.connect.storage.partitioner.FieldPartitioner", "partition.field.name",
               "region, level", "schema.compatibility", "NONE", "s3.credentials.provider.class",
               "com.amazonaws.auth.DefaultAWSCredentialsProviderChain", "s3.http.send.expect.continue",
               "false", "s3.proxy.url", "http://proxy:3128", "s3.proxy.user", "u", "s3.proxy.password",
               "p", "s3.acl.canned", "bucket-owner-full-control", "s3.ssea.name", "AES256",
               "behavior.on.null.values", "ignore", "topics.dir", "", "rotate.schedule.interval.ms",
               "3600000", "timezone", "UTC", "format.bytearray.separator", "  \t", NULL);
  CHECKF(kc_configdef_validate(tables, cfg, err, sizeof err) == 0, "%s", err);
  if (CHECKF(kc_s3_conf_parse(cfg, &c, err, sizeof err) == 0, "%s", err)) {
    CHECK(c.format == KC_S3_FORMAT_BYTEARRAY && c.partitioner == KC_S3_PARTITIONER_FIELD);
    CHECK(c.npartition_fields == 2 && !strcmp(c.partition_fields[0], "region") &&
          !strcmp(c.partition_fields[1], "level"));
    CHECK(c.part_size == 5242880 && c.null_behavior == KC_S3_NULL_IGNORE);
    CHECK_STR(c.topics_dir, "");
    CHECK_STR(c.proxy_url, "http://proxy:3128");
    CHECK_STR(c.proxy_password, "p");
    CHECK_STR(c.acl_canned, "bucket-owner-full-control");
    CHECK_STR(c.bytearray_separator, "  \t"); /* untrimmed */
    kc_s3_conf_free(&c);
  }
  /* the REST shapes build from the table */
  json_t *j = kc_configdef_validate_json(KC_S3_CONNECTOR_CLASS, tables, cfg, NULL, NULL);
  CHECK(j && json_integer_value(json_object_get(j, "error_count")) == 0);
  json_decref(j);
  j = kc_configdef_describe_json(tables);
  CHECK(j && json_array_size(j) > 60);
  json_decref(j);
  kc_config_destroy(cfg);
}

/* Single-key errors as the runtime's ConfigDef reports them. */
static void test_runtime_messages(void) {
  const kc_config_def_t *tables[] = {kc_s3_config_defs, NULL};
  static const struct {
    const char *k, *v, *msg;
  } cases[] = {
      {"s3.part.size", "1000",
       "Invalid value 1000 for configuration s3.part.size: Part size must be at least: 5242880 bytes (5MB)"},
      {"s3.part.size", "3000000000", "Invalid value 3000000000 for configuration s3.part.size: Not a number of type INT"},
      {"flush.size", "abc", "Invalid value abc for configuration flush.size: Not a number of type INT"},
      {"flush.size", "0", "Invalid value 0 for configuration flush.size: Value must be at least 1"},
      {"s3.compression.type", "zstd",
       "Invalid value zstd for configuration s3.compression.type: String must be one of: none, gzip"},
      {"s3.compression.level", "10", "Invalid value 10 for configuration s3.compression.level: Value must be no more than 9"},
      {"format.class", "io.confluent.connect.s3.format.parquet.ParquetFormat",
       "Invalid value io.confluent.connect.s3.format.parquet.ParquetFormat for configuration format.class: "
       "ParquetFormat is not supported by kconnect (supported: io.confluent.connect.s3.format.json.JsonFormat, "
       "io.confluent.connect.s3.format.bytearray.ByteArrayFormat, io.confluent.connect.s3.format.avro.AvroFormat)"},
      {"avro.codec", "bzip2",
       "Invalid value bzip2 for configuration avro.codec: bzip2 is not supported by kconnect (use null, deflate or "
       "snappy)"},
      {"avro.codec", "lz4",
       "Invalid value lz4 for configuration avro.codec: String must be one of: null, deflate, snappy, bzip2"},
      {"format.class", "com.acme.CsvFormat",
       "Invalid value com.acme.CsvFormat for configuration format.class: Class com.acme.CsvFormat could not be found."},
      {"timezone", "Mars/Olympus",
       "Invalid value Mars/Olympus for configuration timezone: The datetime zone id 'Mars/Olympus' is not recognised"},
      {"path.format", "'year'=YYYY/'q'=q",
       "Invalid value 'year'=YYYY/'q'=q for configuration path.format: Illegal pattern component: q"},
      {"behavior.on.null.values", "drop",
       "Invalid value drop for configuration behavior.on.null.values: String must be one of: ignore, fail, write"},
      {"s3.ssea.name", "DES", "Invalid value DES for configuration s3.ssea.name: String must be one of: , AES256, aws:kms, aws:kms:dsse"},
      {"json.decimal.format", "NUMERIC",
       "Invalid value NUMERIC for configuration json.decimal.format: NUMERIC is not supported by kconnect "
       "(decimals are written as BASE64)"},
      {"timestamp.extractor", "com.acme.MyExtractor",
       "Invalid value com.acme.MyExtractor for configuration timestamp.extractor: Invalid timestamp extractor: "
       "com.acme.MyExtractor (kconnect supports Wallclock, Record and RecordField)"},
      {"partitioner.class", "com.acme.RegionPartitioner",
       "Invalid value com.acme.RegionPartitioner for configuration partitioner.class: partitioner "
       "com.acme.RegionPartitioner is not supported by kconnect (supported: DefaultPartitioner, FieldPartitioner, "
       "TimeBasedPartitioner, DailyPartitioner, HourlyPartitioner of package io.confluent.connect.storage.partitioner.)"},
      {"s3.region", "us west", "Invalid value us west for configuration s3.region: Value must be a region name such as us-west-2"},
      {"s3.path.style.access.enabled", "yes",
       "Invalid value yes for configuration s3.path.style.access.enabled: Expected value to be either true or false"},
      /* Confluent settings kconnect does not apply: only their defaults are accepted */
      {"s3.object.tagging", "true",
       "Invalid value true for configuration s3.object.tagging: kconnect supports only the default value (false) of "
       "this setting"},
      {"s3.object.tagging.key.value.pairs", "team:logs",
       "Invalid value [team:logs] for configuration s3.object.tagging.key.value.pairs: kconnect supports only the "
       "default value (empty) of this setting"},
      {"s3.credentials.provider.class", "io.confluent.connect.s3.auth.AwsAssumeRoleCredentialsProvider",
       "Invalid value io.confluent.connect.s3.auth.AwsAssumeRoleCredentialsProvider for configuration "
       "s3.credentials.provider.class: kconnect supports only the default value "
       "(com.amazonaws.auth.DefaultAWSCredentialsProviderChain) of this setting"},
      {"s3.wan.mode", "true",
       "Invalid value true for configuration s3.wan.mode: kconnect supports only the default value (false) of this "
       "setting"},
      {"s3.send.digest", "true",
       "Invalid value true for configuration s3.send.digest: kconnect supports only the default value (false) of "
       "this setting"},

  };
  char err[1024];
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    kc_config_t *cfg = cfg_of(BASE, cases[i].k, cases[i].v, NULL);
    err[0] = '\0';
    CHECKF(kc_configdef_validate(tables, cfg, err, sizeof err) == KC_EINVAL, "%s=%s accepted", cases[i].k, cases[i].v);
    CHECK_STR(err, cases[i].msg);
    /* the plugin's own parse refuses it too, naming the key */
    const char *m = validate_msg(cfg);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s: Invalid value", cases[i].k);
    CHECK_PREFIX(m, prefix);
  }
  /* the defaults themselves, written out, are fine */
  kc_config_t *cfg = cfg_of(BASE, "s3.object.tagging", "false", NULL);
  CHECK(kc_configdef_validate(tables, cfg, err, sizeof err) == 0);
  CHECK_STR(validate_msg(cfg), "");
  cfg = cfg_of(BASE, "storage.class", "io.confluent.connect.s3.storage.S3Storage", NULL);
  CHECK(kc_configdef_validate(tables, cfg, err, sizeof err) == 0);
  CHECK_STR(validate_msg(cfg), "");
  cfg = cfg_of("format.class", "JsonFormat", "flush.size", "1", NULL);
  CHECK(kc_configdef_validate(tables, cfg, err, sizeof err) == KC_EINVAL);
  CHECK_STR(err, "Missing required configuration \"s3.bucket.name\" which has no default value.");
  CHECK_STR(validate_msg(cfg), "s3.bucket.name: Missing required configuration \"s3.bucket.name\" which has no "
                               "default value.");
}

/* The multi-key rules, as the plugin's validate() reports them. */
static void test_cross_key_rules(void) {
  const char *tb = "io.confluent.connect.storage.partitioner.TimeBasedPartitioner";
  CHECK_STR(validate_msg(cfg_of(BASE, NULL)), "");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", "FieldPartitioner", NULL)),
            "partition.field.name: Partition field name cannot be null or empty when using FieldPartitioner.");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", "FieldPartitioner", "partition.field.name", " , ", NULL)),
            "partition.field.name: Partition field name cannot be null or empty when using FieldPartitioner.");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", tb, NULL)),
            "partition.duration.ms: Partition duration needs to be a positive.");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", tb, "partition.duration.ms", "0", NULL)),
            "partition.duration.ms: Partition duration needs to be a positive.");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", tb, "partition.duration.ms", "3600000", NULL)),
            "path.format: Path format cannot be empty.");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", tb, "partition.duration.ms", "3600000", "path.format", "/",
                                NULL)),
            "path.format: Path format cannot be empty.");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", tb, "partition.duration.ms", "3600000", "path.format",
                                "'y'=YYYY", NULL)),
            "locale: Locale cannot be empty.");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", "HourlyPartitioner", "locale", "en-US", NULL)),
            "timezone: Timezone cannot be empty.");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", "DailyPartitioner", "locale", "en-US", "timezone",
                                "Europe/Paris", NULL)),
            "");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", tb, "partition.duration.ms", "86400000", "path.format",
                                "'month'=MMM", "locale", "ko", "timezone", "Asia/Seoul", NULL)),
            "locale: month, day, AM/PM and era names are not available for locale 'ko' in kconnect (use numeric "
            "fields, locale en, or a tag such as en-US)");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", "HourlyPartitioner", "locale", "ko", "timezone",
                                "Asia/Seoul", NULL)),
            "");
  CHECK_STR(validate_msg(cfg_of(BASE, "partitioner.class", tb, "partition.duration.ms", "3600000", "path.format",
                                "'y'=YYYY", "locale", "en", "timezone", "UTC", "timestamp.extractor", "RecordField",
                                "timestamp.field", " ", NULL)),
            "timestamp.field: Timestamp field cannot be empty when using the RecordField timestamp extractor.");
  CHECK_STR(validate_msg(cfg_of(BASE, "rotate.schedule.interval.ms", "600000", NULL)),
            "timezone: timezone configuration must be set when using rotate.schedule.interval.ms");
  CHECK_STR(validate_msg(cfg_of(BASE, "rotate.schedule.interval.ms", "600000", "timezone", "Asia/Seoul", NULL)), "");
  CHECK_STR(validate_msg(cfg_of(BASE, "behavior.on.null.values", "write", NULL)),
            "store.kafka.keys: Writing Kafka record keys to storage is mandatory when tombstone writing is enabled.");
  CHECK_STR(validate_msg(cfg_of(BASE, "behavior.on.null.values", "write", "store.kafka.keys", "true", NULL)),
            "keys.format.class: io.confluent.connect.s3.format.avro.AvroFormat is not supported by kconnect for "
            "keys (supported: io.confluent.connect.s3.format.json.JsonFormat, "
            "io.confluent.connect.s3.format.bytearray.ByteArrayFormat)");
  CHECK_STR(validate_msg(cfg_of(BASE, "behavior.on.null.values", "write", "store.kafka.keys", "true",
                                "keys.format.class", "ByteArrayFormat", NULL)),
            "");
  CHECK_STR(validate_msg(cfg_of(BASE, "store.kafka.headers", "true", "headers.format.class",
                                "io.confluent.connect.s3.format.bytearray.ByteArrayFormat", NULL)),
            "headers.format.class: io.confluent.connect.s3.format.bytearray.ByteArrayFormat is not supported by "
            "kconnect for headers (supported: io.confluent.connect.s3.format.json.JsonFormat)");
  CHECK_STR(validate_msg(cfg_of(BASE, "store.kafka.headers", "true", "headers.format.class", "JsonFormat", NULL)), "");
  /* Avro keys are fine while keys are not stored (it is the default) */
  CHECK_STR(validate_msg(cfg_of(BASE, "keys.format.class", "AvroFormat", NULL)), "");
  CHECK_STR(validate_msg(cfg_of(BASE, "s3.schema.partition.affix.type", "PREFIX", NULL)),
            "s3.schema.partition.affix.type: Invalid value PREFIX: PREFIX is not supported by kconnect (only NONE)");
  /* what the table already refuses comes back from validate() as well, never a crash */
  CHECK_STR(validate_msg(cfg_of("s3.bucket.name", "b", "format.class", "JsonFormat", "flush.size", "x", NULL)),
            "flush.size: Invalid value x: Not a number of type INT");
  CHECK_STR(validate_msg(cfg_of("s3.bucket.name", "b", "flush.size", "1", NULL)),
            "format.class: Missing required configuration \"format.class\" which has no default value.");
  CHECK_STR(validate_msg(cfg_of(NULL, NULL)),
            "s3.bucket.name: Missing required configuration \"s3.bucket.name\" which has no default value.");
  CHECK_STR(validate_msg(cfg_of(BASE, "aws.secret.access.key", "", "s3.proxy.password", "", NULL)), "");
  /* a password never shows in a message */
  CHECK_STR(validate_msg(cfg_of(BASE, "s3.sse.customer.key", "hunter2", "s3.part.retries", "-1", NULL)),
            "s3.part.retries: Invalid value -1: Value must be at least 0");
}

static void test_class_aliases(void) {
  char err[512];
  static const struct {
    const char *k, *v;
    int kind;
  } cases[] = {
      {"format.class", "JsonFormat", KC_S3_FORMAT_JSON},
      {"format.class", "ByteArrayFormat", KC_S3_FORMAT_BYTEARRAY},
      {"format.class", "io.confluent.connect.s3.format.bytearray.ByteArrayFormat", KC_S3_FORMAT_BYTEARRAY},
      {"partitioner.class", "DefaultPartitioner", KC_S3_PARTITIONER_DEFAULT},
      {"partitioner.class", "io.confluent.connect.storage.partitioner.HourlyPartitioner", KC_S3_PARTITIONER_HOURLY},
      {"timestamp.extractor", "Record", KC_S3_TS_RECORD},
      {"timestamp.extractor", "io.confluent.connect.storage.partitioner.TimeBasedPartitioner$WallclockTimestampExtractor",
       KC_S3_TS_WALLCLOCK},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    kc_config_t *cfg = cfg_of(BASE, cases[i].k, cases[i].v, "locale", "en", "timezone", "UTC", NULL);
    kc_s3_conf_t c;
    if (CHECKF(kc_s3_conf_parse(cfg, &c, err, sizeof err) == 0, "%s=%s: %s", cases[i].k, cases[i].v, err)) {
      int got = !strcmp(cases[i].k, "format.class")        ? (int)c.format
                : !strcmp(cases[i].k, "partitioner.class") ? (int)c.partitioner
                                                           : (int)c.ts_extractor;
      CHECKF(got == cases[i].kind, "%s=%s parsed as %d", cases[i].k, cases[i].v, got);
      kc_s3_conf_free(&c);
    }
    kc_config_destroy(cfg);
  }
}

int main(void) {
  kc_test_run("table", test_table);
  kc_test_run("parse_defaults", test_parse_defaults);
  kc_test_run("seed_and_confluent_examples", test_seed_and_confluent_examples);
  kc_test_run("runtime_messages", test_runtime_messages);
  kc_test_run("cross_key_rules", test_cross_key_rules);
  kc_test_run("class_aliases", test_class_aliases);
  return kc_test_done();
}
