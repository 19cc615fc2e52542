/*
 * ConfigDef checks, the REST JSON shapes and the worker config. Expected
 * messages and JSON were taken from Kafka Connect 3.9.1 (ConfigDef.validateAll,
 * AbstractHerder.generateResult / convertConfigKey) run on the same input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "config/configdef.h"
#include "config/props.h"
#include "config/worker_config.h"
#include "kc_test.h"

static const char *const formats[] = {"json", "csv", NULL};

static int must_be_absolute(const char *name, const char *value, char *errstr, size_t n) {
  if (value[0] == '/') return 0;
  snprintf(errstr, n, "must be an absolute path");
  return KC_EINVAL;
}

/* A connector's own table, as a plugin declares it. It redefines tasks.max. */
static const kc_config_def_t plugin_defs[] = {
    {"file", KC_CFG_STRING, NULL, KC_CFG_REQUIRED | KC_CFG_NONEMPTY, KC_CFG_HIGH,
     "Destination filename.", NULL, NULL, 0, 0, must_be_absolute},
    {"batch.size", KC_CFG_INT, "100", 0, KC_CFG_LOW, "Records per write.", "Writer", NULL, 1,
     10000, NULL},
    {"format", KC_CFG_STRING, "json", 0, KC_CFG_MEDIUM, "Output format.", "Writer", formats, 0, 0,
     NULL},
    {"secret", KC_CFG_PASSWORD, NULL, 0, KC_CFG_LOW, NULL, NULL, NULL, 0, 0, NULL},
    {"tasks.max", KC_CFG_INT, "1", 0, KC_CFG_HIGH, "At most four tasks.", "Common", NULL, 1, 4,
     NULL},
    {NULL, 0, NULL, 0, 0, NULL, NULL, NULL, 0, 0, NULL},
};

static const char *check1(const kc_config_def_t *defs, const char *key, const char *value) {
  static char err[1024];
  err[0] = '\0';
  const kc_config_def_t *d = kc_configdef_find(defs, key);
  if (!d) return "(no such def)";
  int rc = kc_configdef_check(d, value, err, sizeof err);
  if (rc == 0 && err[0]) return "(rc 0 with a message)";
  return rc == 0 ? "" : err;
}

static void test_check_messages(void) {
  const kc_config_def_t *common = kc_connector_common_defs;
  CHECK_STR(check1(common, "name", NULL),
            "Missing required configuration \"name\" which has no default value.");
  CHECK_STR(check1(common, "name", "ok"), "");
  CHECK_STR(check1(common, "name", ""),
            "Invalid value  for configuration name: String may not be empty");
  CHECK_STR(check1(common, "name", "a\tb\x7f"),
            "Invalid value a\tb\x7f for configuration name: String may not contain control "
            "sequences but had the following ASCII chars: 9, 127");
  CHECK_STR(check1(common, "tasks.max", NULL), ""); /* has a default */
  CHECK_STR(check1(common, "tasks.max", "abc"),
            "Invalid value abc for configuration tasks.max: Not a number of type INT");
  CHECK_STR(check1(common, "tasks.max", "3000000000"),
            "Invalid value 3000000000 for configuration tasks.max: Not a number of type INT");
  CHECK_STR(check1(common, "tasks.max", " 0 "),
            "Invalid value 0 for configuration tasks.max: Value must be at least 1");
  CHECK_STR(check1(common, "tasks.max", "+4"), "");
  CHECK_STR(check1(common, "errors.retry.timeout", "1.5"),
            "Invalid value 1.5 for configuration errors.retry.timeout: Not a number of type LONG");
  /* Applied now: accepted. */
  CHECK_STR(check1(common, "errors.retry.timeout", "-1"), "");
  CHECK_STR(check1(common, "errors.log.include.messages", "true"), "");
  CHECK_STR(check1(kc_connector_sink_defs, "errors.deadletterqueue.topic.name", "dlq"), "");
  CHECK_STR(check1(common, "errors.log.enable", "yes"),
            "Invalid value yes for configuration errors.log.enable: Expected value to be either "
            "true or false");
  CHECK_STR(check1(common, "errors.log.enable", "TRUE"), "");
  /* Connect's ValidString is case-sensitive here */
  CHECK_STR(check1(common, "errors.tolerance", "ALL"),
            "Invalid value ALL for configuration errors.tolerance: String must be one of: none, all");
  CHECK_STR(check1(common, "errors.tolerance", "all"), "");
  CHECK_STR(check1(common, "config.action.reload", "later"),
            "Invalid value later for configuration config.action.reload: String must be one of: "
            "none, restart");
  CHECK_STR(check1(common, "transforms", "a, b,a"),
            "Invalid value [a, b, a] for configuration transforms: Duplicate alias provided.");
  /* The aliases themselves only need to be unique; their classes are checked per alias. */
  CHECK_STR(check1(common, "transforms", "a,b"), "");
  CHECK_STR(check1(common, "transforms", ""), "");
  CHECK_STR(check1(common, "predicates", " isFoo "), "");
  CHECK_STR(check1(common, "value.converter", "com.example.NoSuchConverter"),
            "Invalid value com.example.NoSuchConverter for configuration value.converter: Class "
            "com.example.NoSuchConverter could not be found.");
  CHECK_STR(check1(common, "key.converter", "org.apache.kafka.connect.json.JsonConverter"), "");
  CHECK_STR(check1(common, "header.converter", "io.confluent.NoSuchHeaderConverter"),
            "Invalid value io.confluent.NoSuchHeaderConverter for configuration header.converter: "
            "Class io.confluent.NoSuchHeaderConverter could not be found.");
  CHECK_STR(check1(kc_connector_source_defs, "exactly.once.support", "REQUIRED"), "");
  CHECK_STR(check1(kc_connector_source_defs, "exactly.once.support", "maybe"),
            "Invalid value maybe for configuration exactly.once.support: String must be one of "
            "(case insensitive): REQUIRED, REQUESTED");
  CHECK_STR(check1(kc_connector_source_defs, "transaction.boundary.interval.ms", "-5"),
            "Invalid value -5 for configuration transaction.boundary.interval.ms: Value must be "
            "at least 0");
  CHECK_STR(check1(kc_connector_source_defs, "offsets.storage.topic", " "),
            "Invalid value  for configuration offsets.storage.topic: String must be non-empty");
  CHECK_STR(check1(kc_connector_sink_defs, "errors.deadletterqueue.topic.replication.factor",
                   "40000"),
            "Invalid value 40000 for configuration errors.deadletterqueue.topic.replication.factor: "
            "Not a number of type SHORT");
  CHECK_STR(check1(kc_connector_sink_defs, "topics.regex", "(ab"),
            "Invalid value (ab for configuration topics.regex: Invalid regex: Unclosed group near "
            "index 3\n(ab");
  /* plugin tables: valid_values are case-insensitive, NONEMPTY, ranges, callbacks */
  CHECK_STR(check1(plugin_defs, "format", "CSV"), "");
  CHECK_STR(check1(plugin_defs, "format", "xml"),
            "Invalid value xml for configuration format: String must be one of: json, csv");
  CHECK_STR(check1(plugin_defs, "file", "  "),
            "Invalid value  for configuration file: String must be non-empty");
  CHECK_STR(check1(plugin_defs, "file", "rel/path"),
            "Invalid value rel/path for configuration file: must be an absolute path");
  CHECK_STR(check1(plugin_defs, "batch.size", "10001"),
            "Invalid value 10001 for configuration batch.size: Value must be no more than 10000");
  CHECK_STR(check1(plugin_defs, "secret", "hunter2"), "");
}

static kc_config_t *cfg_of(const char *const *kv) {
  kc_config_t *c = kc_config_new();
  for (; kv[0]; kv += 2) kc_config_set(c, kv[0], kv[1]);
  return c;
}

static void test_validate_and_defaults(void) {
  const kc_config_def_t *tables[] = {plugin_defs, kc_connector_common_defs,
                                     kc_connector_sink_defs, NULL};
  char err[1024];
  kc_config_t *c = kc_config_new();
  CHECK(kc_configdef_validate(tables, c, err, sizeof err) == KC_EINVAL);
  CHECK_STR(err, "Missing required configuration \"name\" which has no default value.");
  kc_config_destroy(c);

  static const char *const ok[] = {"name", "sink", "connector.class", "FileStreamSink",
                                   "file", "/tmp/out", "topics", "t", NULL};
  c = cfg_of(ok);
  CHECK(kc_configdef_validate(tables, c, err, sizeof err) == 0);
  /* the plugin owns tasks.max: its range 1..4 applies */
  kc_config_set(c, "tasks.max", "5");
  CHECK(kc_configdef_validate(tables, c, err, sizeof err) == KC_EINVAL);
  CHECK_STR(err, "Invalid value 5 for configuration tasks.max: Value must be no more than 4");
  kc_config_unset(c, "tasks.max");

  for (int i = 0; tables[i]; i++) CHECK(kc_configdef_apply_defaults(tables[i], c) == 0);
  CHECK_STR(kc_config_get(c, "batch.size"), "100");
  CHECK_STR(kc_config_get(c, "tasks.max"), "1");
  CHECK_STR(kc_config_get(c, "errors.tolerance"), "none");
  CHECK_STR(kc_config_get(c, "topics.regex"), "");
  CHECK_STR(kc_config_get(c, "file"), "/tmp/out"); /* user value untouched */
  CHECK(kc_config_get(c, "key.converter") == NULL); /* null default stays unset */
  CHECK(kc_config_get(c, "secret") == NULL);
  kc_config_destroy(c);
}

static void test_sink_topic_rules(void) {
  char err[512];
  struct {
    const char *kv[8];
    const char *want;
  } cases[] = {
      {{"topics", "a,b", NULL}, ""},
      {{"topics.regex", "logs-.*", NULL}, ""},
      {{"topics", " ", "topics.regex", "", NULL}, "Must configure one of topics or topics.regex"},
      {{NULL}, "Must configure one of topics or topics.regex"},
      {{"topics", "a", "topics.regex", "b.*", NULL},
       "topics and topics.regex are mutually exclusive options, but both are set."},
      {{"topics.regex", "(unclosed", NULL},
       "Invalid value (unclosed for configuration topics.regex: Invalid regex: Unclosed group "
       "near index 9\n(unclosed"},
      {{"topics", "a, dlq ,a,b", "errors.deadletterqueue.topic.name", " dlq ", NULL},
       "The DLQ topic 'dlq' may not be included in the list of topics ('topics=[a, dlq, b]') "
       "consumed by the connector"},
      {{"topics", "a", "errors.deadletterqueue.topic.name", "dlq", NULL}, ""},
      {{"topics.regex", "dl.", "errors.deadletterqueue.topic.name", "dlq", NULL},
       "The DLQ topic 'dlq' may not be matched by the regex for the topics "
       "('topics.regex=dl.') consumed by the connector"},
      /* a whole-string match is needed, as with Pattern.matches() */
      {{"topics.regex", "dl", "errors.deadletterqueue.topic.name", "dlq", NULL}, ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    kc_config_t *c = cfg_of(cases[i].kv);
    err[0] = '\0';
    int rc = kc_configdef_check_sink_topics(c, err, sizeof err);
    CHECK(rc == (cases[i].want[0] ? KC_EINVAL : 0));
    CHECK_STR(rc ? err : "", cases[i].want);
    kc_config_destroy(c);
  }
}

/* The validate response, serialised and parsed back the way a client sees it. */
static json_t *validate_roundtrip(const kc_config_def_t *const *tables, kc_config_t *c,
                                  const char *xkey, const char *xmsg) {
  json_t *j = kc_configdef_validate_json("org.example.FileSink", tables, c, xkey, xmsg);
  CHECK(j != NULL);
  char *text = json_dumps(j, 0);
  json_decref(j);
  json_error_t e;
  json_t *back = json_loads(text, 0, &e);
  free(text);
  CHECK(back != NULL);
  return back;
}

static json_t *entry_named(json_t *configs, const char *name, size_t *index) {
  size_t i;
  json_t *e;
  json_array_foreach(configs, i, e) {
    json_t *v = json_object_get(e, "value");
    if (strcmp(json_string_value(json_object_get(v, "name")), name) == 0) {
      if (index) *index = i;
      return e;
    }
  }
  return NULL;
}

static void test_validate_json(void) {
  const kc_config_def_t *tables[] = {plugin_defs, kc_connector_common_defs,
                                     kc_connector_sink_defs, NULL};
  static const char *const kv[] = {"name", "s1", "connector.class", "FileSink", "tasks.max",
                                   "abc", "topics", "a, b", "topics.regex", "x.*", "secret",
                                   "hunter2", "format", "CSV", "unknown.key", "1", NULL};
  kc_config_t *c = cfg_of(kv);
  json_t *r = validate_roundtrip(tables, c, "foo.bar", "foo.bar: not allowed here");
  CHECK_STR(json_string_value(json_object_get(r, "name")), "org.example.FileSink");
  json_t *want_groups = json_loads(
      "[\"Common\",\"Transforms\",\"Predicates\",\"Error Handling\",\"Writer\"]", 0, NULL);
  CHECK(json_equal(json_object_get(r, "groups"), want_groups));
  json_decref(want_groups);
  json_t *configs = json_object_get(r, "configs");
  /* 1 undefined + 24 built-in keys (4.x's four plugin.version keys) + 4 plugin-only keys (tasks.max is
   * redefined, not added) */
  CHECK(json_array_size(configs) == 29);
  /* errors: file missing; tasks.max bad (+ Connect's "must be non-null" from the range); topics
   * and topics.regex both set (reported on each); foo.bar */
  CHECK(json_integer_value(json_object_get(r, "error_count")) == 6);

  json_t *first = json_array_get(configs, 0);
  CHECK(json_is_null(json_object_get(first, "definition")));
  json_t *want_first = json_loads(
      "{\"name\":\"foo.bar\",\"value\":null,\"recommended_values\":[],"
      "\"errors\":[\"foo.bar: not allowed here\"],\"visible\":true}",
      0, NULL);
  CHECK(json_equal(json_object_get(first, "value"), want_first));
  json_decref(want_first);

  size_t idx = 0;
  json_t *tm = entry_named(configs, "tasks.max", &idx);
  CHECK(tm && idx == 4); /* keeps the built-in position (after connector.plugin.version) */
  json_t *want_tm_value = json_loads(
      "{\"name\":\"tasks.max\",\"value\":null,\"recommended_values\":[],\"errors\":["
      "\"Invalid value abc for configuration tasks.max: Not a number of type INT\","
      "\"Invalid value null for configuration tasks.max: Value must be non-null\"],"
      "\"visible\":true}",
      0, NULL);
  CHECK(json_equal(json_object_get(tm, "value"), want_tm_value));
  json_decref(want_tm_value);
  /* ... with the plugin's definition */
  CHECK_STR(json_string_value(json_object_get(json_object_get(tm, "definition"), "documentation")),
            "At most four tasks.");

  json_t *topics = entry_named(configs, "topics", NULL);
  CHECK_STR(json_string_value(json_object_get(json_object_get(topics, "value"), "value")), "a,b");
  json_t *terrs = json_object_get(json_object_get(topics, "value"), "errors");
  CHECK(json_array_size(terrs) == 1);
  CHECK_STR(json_string_value(json_array_get(terrs, 0)),
            "topics and topics.regex are mutually exclusive options, but both are set.");

  json_t *secret = entry_named(configs, "secret", &idx);
  CHECK(idx == 28);
  CHECK_STR(json_string_value(json_object_get(json_object_get(secret, "value"), "value")),
            "[hidden]");
  json_t *file = entry_named(configs, "file", &idx);
  CHECK(idx == 25); /* plugin-only keys follow the built-in ones */
  CHECK_STR(json_string_value(json_array_get(
                json_object_get(json_object_get(file, "value"), "errors"), 0)),
            "Missing required configuration \"file\" which has no default value.");
  json_t *fmt = entry_named(configs, "format", NULL);
  CHECK(json_array_size(json_object_get(json_object_get(fmt, "value"), "errors")) == 0);
  /* unset keys report their default; null defaults report null */
  json_t *tol = entry_named(configs, "errors.tolerance", NULL);
  CHECK_STR(json_string_value(json_object_get(json_object_get(tol, "value"), "value")), "none");
  json_t *kconv = entry_named(configs, "key.converter", NULL);
  CHECK(json_is_null(json_object_get(json_object_get(kconv, "value"), "value")));
  CHECK(entry_named(configs, "unknown.key", NULL) == NULL);

  kc_buf_t msg;
  kc_buf_init(&msg, 0);
  CHECK(kc_configdef_errors_message(r, &msg) == 6);
  CHECK_STR(msg.data,
            "Connector configuration is invalid and contains the following 6 error(s):\n"
            "foo.bar: not allowed here\n"
            "Invalid value abc for configuration tasks.max: Not a number of type INT\n"
            "Invalid value null for configuration tasks.max: Value must be non-null\n"
            "topics and topics.regex are mutually exclusive options, but both are set.\n"
            "topics and topics.regex are mutually exclusive options, but both are set.\n"
            "Missing required configuration \"file\" which has no default value.\n"
            "You can also find the above list of errors at the endpoint "
            "`/connector-plugins/{connectorType}/config/validate`");
  kc_buf_free(&msg);
  json_decref(r);

  /* A plugin validate() message "key: reason" attaches to that key when no key is given. */
  kc_config_set(c, "tasks.max", "1");
  kc_config_unset(c, "topics.regex");
  kc_config_set(c, "file", "/tmp/x");
  r = validate_roundtrip(tables, c, NULL, "format: csv needs a header");
  CHECK(json_integer_value(json_object_get(r, "error_count")) == 1);
  configs = json_object_get(r, "configs");
  CHECK(json_array_size(configs) == 28); /* + 4.x plugin.version keys */
  fmt = entry_named(configs, "format", NULL);
  CHECK_STR(json_string_value(json_array_get(
                json_object_get(json_object_get(fmt, "value"), "errors"), 0)),
            "csv needs a header");
  kc_buf_init(&msg, 0);
  CHECK(kc_configdef_errors_message(r, &msg) == 1);
  kc_buf_free(&msg);
  json_decref(r);

  /* no errors: nothing appended */
  r = validate_roundtrip(tables, c, NULL, NULL);
  CHECK(json_integer_value(json_object_get(r, "error_count")) == 0);
  kc_buf_init(&msg, 0);
  CHECK(kc_configdef_errors_message(r, &msg) == 0 && msg.len == 0);
  json_decref(r);
  kc_config_destroy(c);
}

static void test_describe_json(void) {
  const kc_config_def_t *tables[] = {plugin_defs, kc_connector_common_defs,
                                     kc_connector_sink_defs, NULL};
  json_t *j = kc_configdef_describe_json(tables);
  char *text = json_dumps(j, 0);
  json_decref(j);
  json_t *arr = json_loads(text, 0, NULL);
  free(text);
  CHECK(json_is_array(arr));
  CHECK(json_array_size(arr) == 28);
  /* the plugin's keys first, in its order, then the base keys it does not redefine */
  static const char *const first[] = {"file", "batch.size", "format", "secret", "tasks.max",
                                      "name", "connector.class", "connector.plugin.version"};
  for (size_t i = 0; i < 8; i++)
    CHECK_STR(json_string_value(json_object_get(json_array_get(arr, i), "name")), first[i]);
  json_t *want_file = json_loads(
      "{\"name\":\"file\",\"type\":\"STRING\",\"required\":true,\"default_value\":null,"
      "\"importance\":\"HIGH\",\"documentation\":\"Destination filename.\",\"group\":null,"
      "\"order_in_group\":-1,\"width\":\"NONE\",\"display_name\":\"file\",\"dependents\":[]}",
      0, NULL);
  CHECK(json_equal(json_array_get(arr, 0), want_file));
  json_decref(want_file);
  CHECK(json_integer_value(json_object_get(json_array_get(arr, 2), "order_in_group")) == 2);
  json_decref(arr);

  /* Built-in keys exactly as Connect 4.3.1 describes them */
  const kc_config_def_t *sink[] = {kc_connector_common_defs, kc_connector_sink_defs, NULL};
  arr = kc_configdef_describe_json(sink);
  CHECK(json_array_size(arr) == 24);
  json_t *want_topics = json_loads(
      "{\"name\":\"topics\",\"type\":\"LIST\",\"required\":false,\"default_value\":\"\","
      "\"importance\":\"HIGH\",\"documentation\":\"List of topics to consume, separated by "
      "commas\",\"group\":\"Common\",\"width\":\"LONG\",\"display_name\":\"Topics\","
      "\"dependents\":[],\"order_in_group\":4}",
      0, NULL);
  json_t *want_tasks = json_loads(
      "{\"name\":\"tasks.max\",\"type\":\"INT\",\"required\":false,\"default_value\":\"1\","
      "\"importance\":\"HIGH\",\"documentation\":\"Maximum number of tasks to use for this "
      "connector.\",\"group\":\"Common\",\"width\":\"SHORT\",\"display_name\":\"Tasks max\","
      "\"dependents\":[],\"order_in_group\":4}",
      0, NULL);
  json_t *want_rf = json_loads(
      "{\"name\":\"errors.deadletterqueue.topic.replication.factor\",\"type\":\"SHORT\","
      "\"required\":false,\"default_value\":\"3\",\"importance\":\"MEDIUM\",\"documentation\":"
      "\"Replication factor used to create the dead letter queue topic when it doesn't already "
      "exist.\",\"group\":\"Error Handling\",\"width\":\"MEDIUM\",\"display_name\":\"Dead Letter "
      "Queue Topic Replication Factor\",\"dependents\":[],\"order_in_group\":7}",
      0, NULL);
  size_t i;
  json_t *e;
  int found = 0;
  json_array_foreach(arr, i, e) {
    const char *n = json_string_value(json_object_get(e, "name"));
    if (strcmp(n, "topics") == 0) found += json_equal(e, want_topics);
    if (strcmp(n, "tasks.max") == 0) found += json_equal(e, want_tasks);
    if (strcmp(n, "errors.deadletterqueue.topic.replication.factor") == 0)
      found += json_equal(e, want_rf);
  }
  CHECK(found == 3);
  json_decref(want_topics);
  json_decref(want_tasks);
  json_decref(want_rf);
  json_decref(arr);
}

static kc_worker_config_t *worker(const char *text, char *err, size_t n) {
  kc_config_t *p = kc_props_parse(text, strlen(text), err, n);
  return p ? kc_worker_config_create(p, err, n) : NULL;
}

static void test_worker_config(void) {
  char err[512] = "";
  kc_worker_config_t *wc = worker(
      "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
      "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
      "value.converter.schemas.enable=false\n"
      "offset.storage.file.filename=/tmp/connect.offsets\n"
      "security.protocol=SASL_SSL\n"
      "consumer.max.poll.records=10\n",
      err, sizeof err);
  CHECK(wc != NULL);
  if (wc) {
    CHECK_STR(wc->bootstrap_servers, "localhost:9092");
    CHECK_STR(wc->header_converter, "org.apache.kafka.connect.storage.SimpleHeaderConverter");
    CHECK_STR(wc->offset_storage_file, "/tmp/connect.offsets");
    CHECK(wc->offset_flush_interval_ms == 60000);
    CHECK(wc->offset_flush_timeout_ms == 5000);
    CHECK(wc->task_shutdown_graceful_timeout_ms == 5000);
    CHECK_STR(wc->listeners, "http://:8083");
    CHECK_STR(wc->rest_host, "");
    CHECK(wc->rest_port == 8083);
    CHECK(wc->advertised_port == 8083);
    CHECK(wc->advertised_host && wc->advertised_host[0]);
    CHECK(wc->plugin_path == NULL);
    kc_worker_config_destroy(wc);
  }

  wc = worker(
      "key.converter=a\nvalue.converter=b\nlisteners=http://127.0.0.1:18083/, http://[::1]:9\n"
      "rest.advertised.host.name=connect-1.internal\nrest.advertised.port=443\n"
      "offset.flush.interval.ms=10000\nbootstrap.servers=k1:9092,k2:9092\n",
      err, sizeof err);
  CHECK(wc != NULL);
  if (wc) {
    CHECK_STR(wc->rest_host, "127.0.0.1");
    CHECK(wc->rest_port == 18083);
    CHECK_STR(wc->advertised_host, "connect-1.internal");
    CHECK(wc->advertised_port == 443);
    CHECK(wc->offset_flush_interval_ms == 10000);
    CHECK_STR(wc->bootstrap_servers, "k1:9092,k2:9092");
    kc_worker_config_destroy(wc);
  }

  struct {
    const char *text, *want;
  } bad[] = {
      {"value.converter=b\n", "Missing required configuration \"key.converter\" which has no default value."},
      {"key.converter=a\nvalue.converter=b\noffset.flush.interval.ms=1x\n",
       "Invalid value 1x for configuration offset.flush.interval.ms: Not a number of type LONG"},
      {"key.converter=a\nvalue.converter=b\nlisteners=ftp://:8443\n",
       "listeners: Invalid listener 'ftp://:8443': Listener protocol must be either \"http\" or \"https\"."},
      {"key.converter=a\nvalue.converter=b\nlisteners=http://:8083,https://:8443\nadmin.listeners=http://x:1:2\n",
       "admin.listeners: Invalid listener 'http://x:1:2': expected http://host:port or https://host:port (an "
       "empty host listens on all interfaces)"},
      {"key.converter=a\nvalue.converter=b\nconfig.providers=file\n"
       "config.providers.file.class=com.example.NoSuchConfigProvider\n",
       "Invalid value com.example.NoSuchConfigProvider for configuration config.providers.file.class: "
       "Class com.example.NoSuchConfigProvider could not be found."},
      {"key.converter=a\nvalue.converter=b\nkconnect.rest.max.connections=0\n",
       "Invalid value 0 for configuration kconnect.rest.max.connections: Value must be at least 1"},
      {"key.converter=a\nvalue.converter=b\nlisteners=\n",
       "Invalid value for listeners, at least one URL is expected, ex: "
       "http://localhost:8080,https://localhost:8443."},
      {"key.converter=a\nvalue.converter=b\nlisteners=localhost:8083\n",
       "listeners: Invalid listener 'localhost:8083': expected http://host:port or https://host:port (an "
       "empty host listens on all interfaces)"},
      {"key.converter=a\nvalue.converter=b\nlisteners=http://h:70000\n",
       "listeners: Invalid listener 'http://h:70000': expected http://host:port or https://host:port (an "
       "empty host listens on all interfaces)"},
      {"key.converter=a\nvalue.converter=b\nplugin.discovery=magic\n",
       "Invalid value magic for configuration plugin.discovery: String must be one of (case "
       "insensitive): ONLY_SCAN, SERVICE_LOAD, HYBRID_WARN, HYBRID_FAIL"},
      {"key.converter=a\nvalue.converter=b\nrest.advertised.port=x\n",
       "Invalid value x for configuration rest.advertised.port: Not a number of type INT"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    err[0] = '\0';
    wc = worker(bad[i].text, err, sizeof err);
    CHECK(wc == NULL);
    CHECK_STR(err, bad[i].want);
    kc_worker_config_destroy(wc);
  }
}

static void test_worker_unknown_keys_warn(void) {
  kc_test_capture_t cap;
  CHECK(kc_test_capture_begin(&cap, "configdef") == 0);
  char err[256];
  kc_worker_config_t *wc = worker(
      "key.converter=a\nvalue.converter=b\nbootstrap.servrs=typo:9092\nfoo=1\n"
      "sasl.jaas.config=x\nssl.truststore.location=/x\nproducer.linger.ms=5\n"
      "value.converter.schemas.enable=false\nplugin.path=/opt/connectors\n"
      "internal.key.converter=org.apache.kafka.connect.json.JsonConverter\n"
      "rest.port=8083\nconfig.storage.topic=c\n",
      err, sizeof err);
  char log[4096];
  kc_test_capture_end(&cap, log, sizeof log);
  CHECK(wc != NULL);
  kc_worker_config_destroy(wc);
  CHECK(strstr(log, "WARN The configuration 'bootstrap.servrs' was supplied but isn't a known config.") != NULL);
  CHECK(strstr(log, "WARN The configuration 'foo' was supplied but isn't a known config.") != NULL);
  CHECK(strstr(log, "internal.key.converter, an internal converter property") != NULL);
  CHECK(strstr(log, "INFO plugin.path is not used") != NULL);
  int warnings = 0;
  for (const char *p = log; (p = strstr(p, "WARN")); p++) warnings++;
  CHECK(warnings == 3);
}

int main(void) {
  kc_test_run("check_messages", test_check_messages);
  kc_test_run("validate_and_defaults", test_validate_and_defaults);
  kc_test_run("sink_topic_rules", test_sink_topic_rules);
  kc_test_run("validate_json", test_validate_json);
  kc_test_run("describe_json", test_describe_json);
  kc_test_run("worker_config", test_worker_config);
  kc_test_run("worker_unknown_keys_warn", test_worker_unknown_keys_warn);
  return kc_test_done();
}
