/* CONNECT_* variables as worker keys (Confluent's image rules) and connector files in the three
 * forms Connect's standalone CLI reads. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/env_config.h"
#include "kc_test.h"

static const char *prop(const char *name) {
  static char out[256];
  if (kc_env_key_to_prop(name, out, sizeof out)) return "(too long)";
  return out;
}

static void test_key_mapping(void) {
  CHECK_STR(prop("BOOTSTRAP_SERVERS"), "bootstrap.servers");
  CHECK_STR(prop("GROUP_ID"), "group.id");
  CHECK_STR(prop("CONFIG_STORAGE_REPLICATION_FACTOR"), "config.storage.replication.factor");
  CHECK_STR(prop("PRODUCER_SASL_JAAS_CONFIG"), "producer.sasl.jaas.config");
  CHECK_STR(prop("CONFIG_PROVIDERS_FILE_CLASS"), "config.providers.file.class");
  CHECK_STR(prop("SOME__UNDERSCORE"), "some_underscore");
  CHECK_STR(prop("SOME___DASH"), "some-dash");
  /* Python's split/join order: four underscores are "...." -> "-." */
  CHECK_STR(prop("A____B"), "a-.b");
  CHECK_STR(prop("LISTENERS_HTTPS_SSL_KEY__PASSWORD"), "listeners.https.ssl.key_password");
  char small[4];
  CHECK(kc_env_key_to_prop("GROUP_ID", small, sizeof small) == KC_EINVAL);
}

static void test_env_worker(void) {
  char *env[] = {"PATH=/usr/bin", "CONNECT_BOOTSTRAP_SERVERS=127.0.0.1:9092", "CONNECT_GROUP_ID=g1",
                 "CONNECT_LOG4J_ROOT_LOGLEVEL=WARN", "CONNECT_LOG4J_LOGGERS=org.reflections=ERROR",
                 "CONNECT_JMX_PORT=9999", "CONNECT_=x", "CONNECT_REST_PORT=8083", "KAFKA_HEAP_OPTS=-Xmx1g",
                 "CONNECT_VALUE_CONVERTER_SCHEMAS_ENABLE=false", NULL};
  const char *root = NULL;
  kc_config_t *c = kc_env_worker_config(env, &root);
  if (!CHECK(c)) return;
  CHECK(kc_config_count(c) == 4);
  CHECK_STR(kc_config_get(c, "bootstrap.servers"), "127.0.0.1:9092");
  CHECK_STR(kc_config_get(c, "group.id"), "g1");
  CHECK_STR(kc_config_get(c, "rest.port"), "8083");
  CHECK_STR(kc_config_get(c, "value.converter.schemas.enable"), "false");
  CHECK(!kc_config_get(c, "jmx.port") && !kc_config_get(c, "log4j.loggers"));
  CHECK_STR(root, "WARN");
  kc_config_destroy(c);
  char *none[] = {"HOME=/", NULL};
  c = kc_env_worker_config(none, NULL);
  CHECK(c && kc_config_count(c) == 0);
  kc_config_destroy(c);
}

static char dir[512];
static int last_state; /* the last load's initial_target */

static kc_config_t *load(const char *name, const char *text, char *err, size_t n) {
  char path[700];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  kc_test_write_file(path, text, strlen(text));
  last_state = -3;
  return kc_connector_file_load(path, &last_state, err, n);
}

static void test_connector_files(void) {
  if (!CHECK(kc_test_temp_dir(dir, sizeof dir, "envcfg") == 0)) return;
  char err[1024];
  kc_config_t *c = load("flat.json", "{\"name\":\"s\",\"connector.class\":\"FileStreamSink\",\"tasks.max\":2,"
                                     "\"x.ok\":true,\"x.d\":0.1}", err, sizeof err);
  if (CHECK(c)) {
    CHECK_STR(kc_config_get(c, "name"), "s");
    CHECK_STR(kc_config_get(c, "tasks.max"), "2");
    CHECK_STR(kc_config_get(c, "x.ok"), "true");
    CHECK_STR(kc_config_get(c, "x.d"), "0.1");
  }
  kc_config_destroy(c);
  c = load("req.json", "{\"name\":\"r\",\"config\":{\"connector.class\":\"FileStreamSource\",\"topic\":\"t\"},\"x\":1}",
           err, sizeof err);
  if (CHECK(c)) {
    CHECK_STR(kc_config_get(c, "name"), "r");
    CHECK_STR(kc_config_get(c, "topic"), "t");
  }
  kc_config_destroy(c);
  c = load("mismatch.json", "{\"name\":\"r\",\"config\":{\"name\":\"q\"}}", err, sizeof err);
  CHECK(!c && strstr(err, "Connector name configuration in 'config' doesn't match the one specified in 'name'"));
  c = load("state.json", "{\"name\":\"r\",\"config\":{},\"initial_state\":\"PAUSED\"}", err, sizeof err);
  if (CHECK(c)) CHECK_STR(kc_config_get(c, "name"), "r");
  CHECK(last_state == 1);
  kc_config_destroy(c);
  c = load("stopped.json", "{\"name\":\"r\",\"config\":{},\"initial_state\":\"stopped\"}", err, sizeof err);
  CHECK(c && last_state == 2);
  kc_config_destroy(c);
  c = load("running.json", "{\"name\":\"r\",\"config\":{},\"initial_state\":\"Running\"}", err, sizeof err);
  CHECK(c && last_state == 0);
  kc_config_destroy(c);
  c = load("nostate.json", "{\"name\":\"r\",\"config\":{},\"initial_state\":null}", err, sizeof err);
  CHECK(c && last_state == -1);
  kc_config_destroy(c);
  /* Jackson cannot bind "nap": ConnectStandalone reads the file as .properties, which has no name. */
  c = load("badstate.json", "{\"name\":\"r\",\"config\":{},\"initial_state\":\"nap\"}", err, sizeof err);
  CHECK(!c && strstr(err, "is missing the mandatory 'name' configuration"));
  c = load("noname.json", "{\"connector.class\":\"FileStreamSink\"}", err, sizeof err);
  CHECK(!c && strstr(err, "is missing the mandatory 'name' configuration"));
  c = load("null.json", "{\"name\":\"n\",\"topics\":null}", err, sizeof err);
  CHECK(!c && strstr(err, "null value for 'topics'"));
  c = load("p.properties", "name=p\nconnector.class=FileStreamSink\n# {\"json\": no}\n", err, sizeof err);
  if (CHECK(c)) CHECK_STR(kc_config_get(c, "connector.class"), "FileStreamSink");
  kc_config_destroy(c);
  c = load("noname.properties", "connector.class=FileStreamSink\n", err, sizeof err);
  CHECK(!c && strstr(err, "missing the mandatory 'name'"));
  c = kc_connector_file_load("/nonexistent/kconnect-file", &last_state, err, sizeof err);
  CHECK(!c && strstr(err, "/nonexistent/kconnect-file"));
  kc_test_remove_tree(dir);
}

int main(void) {
  kc_test_run("key_mapping", test_key_mapping);
  kc_test_run("env_worker", test_env_worker);
  kc_test_run("connector_files", test_connector_files);
  return kc_test_done();
}
