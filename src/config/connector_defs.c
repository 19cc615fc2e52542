/*
 * The base connector ConfigDefs: ConnectorConfig, SinkConnectorConfig and
 * SourceConnectorConfig of Connect 3.9 (connect-runtime.md 4.1-4.3), with
 * Connect's defaults, docs and groups, so GET /connector-plugins/{p}/config
 * and PUT .../config/validate answer what Connect answers.
 *
 * kc_config_def_t has no room for ConfigKey's display name, width and
 * order-in-group; the parallel *_meta arrays below carry them for these
 * built-in keys (index i of a meta array describes entry i of its table).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/configdef.h"
#include "util/jregex.h"
#include "convert/converter.h"

#define I64_MAX INT64_MAX
#define I32_MAX 2147483647

/* NonEmptyStringWithoutControlChars, the validator of "name". */
static int validate_connector_name(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  if (!*value) {
    snprintf(errstr, n, "String may not be empty");
    return KC_EINVAL;
  }
  /* Character.isISOControl: U+0000..U+001F and U+007F..U+009F (C1 is C2 80..C2 9F in UTF-8). */
  char list[512] = "";
  size_t len = 0;
  const unsigned char *s = (const unsigned char *)value;
  for (size_t i = 0; s[i]; i++) {
    unsigned cp = 0;
    if (s[i] < 0x20 || s[i] == 0x7F) cp = s[i];
    else if (s[i] == 0xC2 && s[i + 1] >= 0x80 && s[i + 1] <= 0x9F) cp = s[++i];
    else continue;
    int w = snprintf(list + len, sizeof list - len, "%s%u", len ? ", " : "", cp);
    if (w > 0 && (size_t)w < sizeof list - len) len += (size_t)w;
  }
  if (len) {
    snprintf(errstr, n,
             "String may not contain control sequences but had the following ASCII chars: %s",
             list);
    return KC_EINVAL;
  }
  return 0;
}

/* ConnectorConfig.aliasValidator: transforms/predicates aliases must be unique. */
static int validate_aliases(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  /* Java splits on \s*,\s* and keeps empty items, so "a,,a" and "a, a" both repeat "a". */
  char *copy = strdup(value);
  if (!copy) return KC_ENOMEM;
  char *items[256];
  size_t count = 0;
  int rc = 0;
  for (char *p = copy; count < 256;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    char *b = p, *e = p + strlen(p);
    while (b < e && (*b == ' ' || *b == '\t')) b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\t')) *--e = '\0';
    for (size_t i = 0; i < count && !rc; i++)
      if (strcmp(items[i], b) == 0) rc = KC_EINVAL;
    items[count++] = b;
    if (rc || !comma) break;
    p = comma + 1;
  }
  free(copy);
  if (rc) snprintf(errstr, n, "Duplicate alias provided.");
  return rc;
}

/* SinkConnectorConfig's RegexValidator: Pattern.compile(), here java.util.regex on PCRE2
 * (util/jregex.h), the same engine the subscription matches with. */
static int validate_regex(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  char why[512];
  kc_jregex_t *re = kc_jregex_compile(value, why, sizeof why);
  if (!re) {
    snprintf(errstr, n, "Invalid regex: %s", why);
    return KC_EINVAL;
  }
  kc_jregex_free(re);
  return 0;
}

/*
 * CaseInsensitiveValidString of exactly.once.support and transaction.boundary.
 * @p shown is the list as Connect prints it (upper-cased, in its HashSet order).
 */
static int one_of_ci(const char *value, const char *const *allowed, const char *shown,
                     char *errstr, size_t n) {
  for (size_t i = 0; allowed[i]; i++)
    if (strcasecmp(value, allowed[i]) == 0) return 0;
  snprintf(errstr, n, "String must be one of (case insensitive): %s", shown);
  return KC_EINVAL;
}

static const char *const eos_levels[] = {"requested", "required", NULL};
static const char *const tx_boundaries[] = {"poll", "interval", "connector", NULL};

static int validate_eos_support(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  return one_of_ci(value, eos_levels, "REQUIRED, REQUESTED", errstr, n);
}

static int validate_tx_boundary(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  return one_of_ci(value, tx_boundaries, "INTERVAL, POLL, CONNECTOR", errstr, n);
}

/* topic.creation.groups: NonNullValidator plus unique aliases. */
static int validate_topic_groups(const char *name, const char *value, char *errstr, size_t n) {
  return validate_aliases(name, value, errstr, n);
}

/* ValidString.in: unlike kc_config_def_t.valid_values, Connect compares these case-sensitively. */
static int one_of_exact(const char *value, const char *a, const char *b, char *errstr, size_t n) {
  if (strcmp(value, a) == 0 || strcmp(value, b) == 0) return 0;
  snprintf(errstr, n, "String must be one of: %s, %s", a, b);
  return KC_EINVAL;
}

static int validate_tolerance(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  return one_of_exact(value, "none", "all", errstr, n);
}

static int validate_reload(const char *name, const char *value, char *errstr, size_t n) {
  (void)name;
  return one_of_exact(value, "none", "restart", errstr, n);
}

/* ConfigDef's CLASS parse of key/value/header.converter: only classes kconnect has exist. */
static int validate_converter(const char *name, const char *value, char *errstr, size_t n) {
  const char *fqcn = kc_converter_class_resolve(value);
  if (!fqcn) {
    snprintf(errstr, n, "Class %s could not be found.", value);
    return KC_EINVAL;
  }
  /* ConcreteSubClassValidator: AvroConverter is no HeaderConverter, SimpleHeaderConverter no
   * Converter (Utils.ensureConcreteSubclass's message, with Class.toString's "class "). */
  bool header = !strcmp(name, "header.converter");
  if (header && !strcmp(fqcn, "io.confluent.connect.avro.AvroConverter")) {
    snprintf(errstr, n, "Class class %s does not implement the HeaderConverter interface", fqcn);
    return KC_EINVAL;
  }
  if (!header && !strcmp(fqcn, "org.apache.kafka.connect.storage.SimpleHeaderConverter")) {
    snprintf(errstr, n, "Class class %s does not implement the Converter interface", fqcn);
    return KC_EINVAL;
  }
  return 0;
}

#define CONVERTER_DOC(what)                                                                    \
  "Converter class used to convert between Kafka Connect format and the serialized form that " \
  "is written to Kafka. This controls the format of the " what " in messages written to or "   \
  "read from Kafka, and since this is independent of connectors it allows any connector to "    \
  "work with any serialization format. Examples of common formats include JSON and Avro."

const kc_config_def_t kc_connector_common_defs[] = {
    {"name", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
     "Globally unique name to use for this connector.", "Common", NULL, 0, 0,
     validate_connector_name},
    {"connector.class", KC_CFG_STRING, NULL, KC_CFG_REQUIRED, KC_CFG_HIGH,
     "Name or alias of the class for this connector. Must be a subclass of "
     "org.apache.kafka.connect.connector.Connector. If the connector is "
     "org.apache.kafka.connect.file.FileStreamSinkConnector, you can either specify this full "
     "name,  or use \"FileStreamSink\" or \"FileStreamSinkConnector\" to make the configuration a "
     "bit shorter",
     "Common", NULL, 0, 0, NULL},
    /* KIP-891 (Connect 4.x): the plugin versions; their defaults are the loaded plugins' own
     * versions, filled in per plugin and worker by kc_connector_defs_fill (not static). */
    {"connector.plugin.version", KC_CFG_STRING, NULL, 0, KC_CFG_MEDIUM, "Version of the connector.", "Common",
     NULL, 0, 0, NULL},
    {"tasks.max", KC_CFG_INT, "1", 0, KC_CFG_HIGH,
     "Maximum number of tasks to use for this connector.", "Common", NULL, 1, I32_MAX, NULL},
    {"tasks.max.enforce", KC_CFG_BOOLEAN, "true", 0, KC_CFG_LOW,
     "(Deprecated) Whether to enforce that the tasks.max property is respected by the connector. "
     "By default, connectors that generate too many tasks will fail, and existing sets of tasks "
     "that exceed the tasks.max property will also be failed. If this property is set to false, "
     "then connectors will be allowed to generate more than the maximum number of tasks, and "
     "existing sets of tasks that exceed the tasks.max property will be allowed to run. This "
     "property is deprecated and will be removed in an upcoming major release.",
     "Common", NULL, 0, 0, NULL},
    {"key.converter", KC_CFG_CLASS, NULL, 0, KC_CFG_LOW, CONVERTER_DOC("keys"), "Common", NULL, 0,
     0, validate_converter},
    {"key.converter.plugin.version", KC_CFG_STRING, NULL, 0, KC_CFG_LOW, "Version of the key converter.",
     "Common", NULL, 0, 0, NULL},
    {"value.converter", KC_CFG_CLASS, NULL, 0, KC_CFG_LOW, CONVERTER_DOC("values"), "Common", NULL,
     0, 0, validate_converter},
    {"value.converter.plugin.version", KC_CFG_STRING, NULL, 0, KC_CFG_LOW, "Version of the value converter.",
     "Common", NULL, 0, 0, NULL},
    {"header.converter", KC_CFG_CLASS, NULL, 0, KC_CFG_LOW,
     "HeaderConverter class used to convert between Kafka Connect format and the serialized form "
     "that is written to Kafka. This controls the format of the header values in messages "
     "written to or read from Kafka, and since this is independent of connectors it allows any "
     "connector to work with any serialization format. Examples of common formats include JSON "
     "and Avro. By default, the SimpleHeaderConverter is used to serialize header values to "
     "strings and deserialize them by inferring the schemas.",
     "Common", NULL, 0, 0, validate_converter},
    {"header.converter.plugin.version", KC_CFG_STRING, NULL, 0, KC_CFG_LOW, "Version of the header converter.",
     "Common", NULL, 0, 0, NULL},
    {"transforms", KC_CFG_LIST, "", 0, KC_CFG_LOW,
     "Aliases for the transformations to be applied to records.", "Transforms", NULL, 0, 0,
     validate_aliases},
    {"predicates", KC_CFG_LIST, "", 0, KC_CFG_LOW,
     "Aliases for the predicates used by transformations.", "Predicates", NULL, 0, 0,
     validate_aliases},
    {"config.action.reload", KC_CFG_STRING, "restart", 0, KC_CFG_LOW,
     "The action that Connect should take on the connector when changes in external "
     "configuration providers result in a change in the connector's configuration properties. A "
     "value of 'none' indicates that Connect will do nothing. A value of 'restart' indicates that "
     "Connect should restart/reload the connector with the updated configuration properties.The "
     "restart may actually be scheduled in the future if the external configuration provider "
     "indicates that a configuration value will expire in the future.",
     "Common", NULL, 0, 0, validate_reload},
    {"errors.retry.timeout", KC_CFG_LONG, "0", 0, KC_CFG_MEDIUM,
     "The maximum duration in milliseconds that a failed operation will be reattempted. The "
     "default is 0, which means no retries will be attempted. Use -1 for infinite retries.",
     "Error Handling", NULL, 0, 0, NULL},
    {"errors.retry.delay.max.ms", KC_CFG_LONG, "60000", 0, KC_CFG_MEDIUM,
     "The maximum duration in milliseconds between consecutive retry attempts. Jitter will be "
     "added to the delay once this limit is reached to prevent thundering herd issues.",
     "Error Handling", NULL, 0, 0, NULL},
    {"errors.tolerance", KC_CFG_STRING, "none", 0, KC_CFG_MEDIUM,
     "Behavior for tolerating errors during connector operation. 'none' is the default value and "
     "signals that any error will result in an immediate connector task failure; 'all' changes "
     "the behavior to skip over problematic records.",
     "Error Handling", NULL, 0, 0, validate_tolerance},
    {"errors.log.enable", KC_CFG_BOOLEAN, "false", 0, KC_CFG_MEDIUM,
     "If true, write each error and the details of the failed operation and problematic record "
     "to the Connect application log. This is 'false' by default, so that only errors that are "
     "not tolerated are reported.",
     "Error Handling", NULL, 0, 0, NULL},
    {"errors.log.include.messages", KC_CFG_BOOLEAN, "false", 0, KC_CFG_MEDIUM,
     "Whether to include in the log the Connect record that resulted in a failure. For sink "
     "records, the topic, partition, offset, and timestamp will be logged. For source records, "
     "the key and value (and their schemas), all headers, and the timestamp, Kafka topic, Kafka "
     "partition, source partition, and source offset will be logged. This is 'false' by default, "
     "which will prevent record keys, values, and headers from being written to log files.",
     "Error Handling", NULL, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const kc_configdef_meta_t common_meta[] = {
    /* Connect 4.x's orderInGroup (the version keys come after their plugins' keys) */
    {"Connector name", "MEDIUM", 1, NULL},
    {"Connector class", "LONG", 2, NULL},
    {"Connector version", "MEDIUM", 3, NULL},
    {"Tasks max", "SHORT", 4, NULL},
    {"Enforce tasks max", "SHORT", 5, NULL},
    {"Key converter class", "SHORT", 6, NULL},
    {"Key converter version", "SHORT", 7, NULL},
    {"Value converter class", "SHORT", 8, NULL},
    {"Value converter version", "SHORT", 9, NULL},
    {"Header converter class", "SHORT", 10, NULL},
    {"Header converter version", "SHORT", 11, NULL},
    {"Transforms", "LONG", 12, NULL},
    {"Predicates", "LONG", 13, NULL},
    {"Reload Action", "MEDIUM", 14, NULL},
    {"Retry Timeout for Errors", "MEDIUM", 1, NULL},
    {"Maximum Delay Between Retries for Errors", "MEDIUM", 2, NULL},
    {"Error Tolerance", "SHORT", 3, NULL},
    {"Log Errors", "SHORT", 4, NULL},
    {"Log Error Details", "SHORT", 5, NULL},
};

const kc_config_def_t kc_connector_sink_defs[] = {
    {"topics", KC_CFG_LIST, "", 0, KC_CFG_HIGH, "List of topics to consume, separated by commas",
     "Common", NULL, 0, 0, NULL},
    {"topics.regex", KC_CFG_STRING, "", 0, KC_CFG_HIGH,
     "Regular expression giving topics to consume. Under the hood, the regex is compiled to a "
     "<code>java.util.regex.Pattern</code>. Only one of topics or topics.regex should be "
     "specified.",
     "Common", NULL, 0, 0, validate_regex},
    {"errors.deadletterqueue.topic.name", KC_CFG_STRING, "", 0, KC_CFG_MEDIUM,
     "The name of the topic to be used as the dead letter queue (DLQ) for messages that result "
     "in an error when processed by this sink connector, or its transformations or converters. "
     "The topic name is blank by default, which means that no messages are to be recorded in the "
     "DLQ.",
     "Error Handling", NULL, 0, 0, NULL},
    /* A SHORT in Connect: kc_cfg_type_t has none, so its meta entry says "SHORT" (see configdef.c). */
    {"errors.deadletterqueue.topic.replication.factor", KC_CFG_INT, "3", 0, KC_CFG_MEDIUM,
     "Replication factor used to create the dead letter queue topic when it doesn't already "
     "exist.",
     "Error Handling", NULL, 0, 0, NULL},
    {"errors.deadletterqueue.context.headers.enable", KC_CFG_BOOLEAN, "false", 0, KC_CFG_MEDIUM,
     "If true, add headers containing error context to the messages written to the dead letter "
     "queue. To avoid clashing with headers from the original record, all error context header "
     "keys, all error context header keys will start with <code>__connect.errors.</code>",
     "Error Handling", NULL, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const kc_configdef_meta_t sink_meta[] = {
    {"Topics", "LONG", 4, NULL},
    {"Topics regex", "LONG", 4, NULL},
    {"Dead Letter Queue Topic Name", "MEDIUM", 6, NULL},
    {"Dead Letter Queue Topic Replication Factor", "MEDIUM", 7, "SHORT"},
    {"Enable Error Context Headers", "MEDIUM", 8, NULL},
};

const kc_config_def_t kc_connector_source_defs[] = {
    {"topic.creation.groups", KC_CFG_LIST, "", 0, KC_CFG_LOW,
     "Groups of configurations for topics created by source connectors", "Topic Creation", NULL,
     0, 0, validate_topic_groups},
    {"exactly.once.support", KC_CFG_STRING, "requested", 0, KC_CFG_MEDIUM,
     "Permitted values are requested, required. If set to \"required\", forces a preflight check "
     "for the connector to ensure that it can provide exactly-once semantics with the given "
     "configuration. Some connectors may be capable of providing exactly-once semantics but not "
     "signal to Connect that they support this; in that case, documentation for the connector "
     "should be consulted carefully before creating it, and the value for this property should "
     "be set to \"requested\". Additionally, if the value is set to \"required\" but the worker "
     "that performs preflight validation does not have exactly-once support enabled for source "
     "connectors, requests to create or validate the connector will fail.",
     "Exactly Once Support", NULL, 0, 0, validate_eos_support},
    {"transaction.boundary", KC_CFG_STRING, "poll", 0, KC_CFG_MEDIUM,
     "Permitted values are: poll, interval, connector. If set to 'poll', a new producer "
     "transaction will be started and committed for every batch of records that each task from "
     "this connector provides to Connect. If set to 'connector', relies on connector-defined "
     "transaction boundaries; note that not all connectors are capable of defining their own "
     "transaction boundaries, and in that case, attempts to instantiate a connector with this "
     "value will fail. Finally, if set to 'interval', commits transactions only after a "
     "user-defined time interval has passed.",
     "Exactly Once Support", NULL, 0, 0, validate_tx_boundary},
    {"transaction.boundary.interval.ms", KC_CFG_LONG, NULL, 0, KC_CFG_LOW,
     "If 'transaction.boundary' is set to 'interval', determines the interval for producer "
     "transaction commits by connector tasks. If unset, defaults to the value of the "
     "worker-level 'offset.flush.interval.ms' property. It has no effect if a different "
     "transaction.boundary is specified.",
     "Exactly Once Support", NULL, 0, I64_MAX, NULL},
    {"offsets.storage.topic", KC_CFG_STRING, NULL, KC_CFG_NONEMPTY, KC_CFG_LOW,
     "The name of a separate offsets topic to use for this connector. If empty or not specified, "
     "the worker\xE2\x80\x99s global offsets topic name will be used. If specified, the offsets "
     "topic will be created if it does not already exist on the Kafka cluster targeted by this "
     "connector (which may be different from the one used for the worker's global offsets topic "
     "if the bootstrap.servers property of the connector's producer has been overridden from the "
     "worker's). Only applicable in distributed mode; in standalone mode, setting this property "
     "will have no effect.",
     "offsets.topic", NULL, 0, 0, NULL},
    {NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const kc_configdef_meta_t source_meta[] = {
    {"Topic Creation Groups", "LONG", 1, NULL},
    {"Exactly once support", "SHORT", 2, NULL},
    {"Transaction Boundary", "SHORT", 3, NULL},
    {"Transaction boundary interval", "SHORT", 4, NULL},
    {"Offsets topic", "LONG", 1, NULL},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const kc_configdef_meta_t *kc_configdef_builtin_meta(const kc_config_def_t *def) {
  static const struct {
    const kc_config_def_t *defs;
    const kc_configdef_meta_t *meta;
    size_t n;
  } tables[] = {
      {kc_connector_common_defs, common_meta, COUNT(common_meta)},
      {kc_connector_sink_defs, sink_meta, COUNT(sink_meta)},
      {kc_connector_source_defs, source_meta, COUNT(source_meta)},
  };
  for (size_t t = 0; t < COUNT(tables); t++)
    for (size_t i = 0; i < tables[t].n; i++)
      if (def == &tables[t].defs[i]) return &tables[t].meta[i];
  return NULL;
}

bool kc_configdef_is_builtin(const kc_config_def_t *defs) {
  return defs == kc_connector_common_defs || defs == kc_connector_sink_defs ||
         defs == kc_connector_source_defs;
}
