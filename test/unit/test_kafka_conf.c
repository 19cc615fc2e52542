/*
 * Java client settings -> librdkafka: the resulting rd_kafka_conf values are
 * read back with rd_kafka_conf_get, starting from a Confluent Cloud shaped
 * worker file parsed by the real properties parser.
 */
#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "config/kafka_conf.h"
#include "config/props.h"
#include "kc_test.h"

/* Value of an rd_kafka_conf property (static buffer; "" for unknown). */
static const char *get(rd_kafka_conf_t *conf, const char *key) {
  static char buf[8][8192];
  static int slot;
  char *v = buf[slot++ % 8];
  size_t n = 8192;
  if (rd_kafka_conf_get(conf, key, v, &n) != RD_KAFKA_CONF_OK) v[0] = '\0';
  return v;
}

static kc_config_t *props(const char *text) {
  char err[256];
  kc_config_t *c = kc_props_parse(text, strlen(text), err, sizeof err);
  if (!c) fprintf(stderr, "props: %s\n", err);
  return c;
}

/* The shape of a Confluent Cloud worker file (client settings repeated per client prefix). */
static const char ccloud_worker[] =
    "bootstrap.servers=pkc-abc12.us-east-1.aws.confluent.cloud:9092\n"
    "security.protocol=SASL_SSL\n"
    "sasl.mechanism=PLAIN\n"
    "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule   required "
    "username=\"KEY\"   password=\"SECRET\";\n"
    "ssl.endpoint.identification.algorithm=https\n"
    "client.dns.lookup=use_all_dns_ips\n"
    "request.timeout.ms=20000\n"
    "retry.backoff.ms=500\n"
    "session.timeout.ms=10000\n"
    "key.converter=org.apache.kafka.connect.storage.StringConverter\n"
    "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
    "offset.storage.file.filename=/tmp/connect.offsets\n"
    "\n"
    "consumer.security.protocol=SASL_SSL\n"
    "consumer.sasl.mechanism=PLAIN\n"
    "consumer.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n"
    "    username=\"CKEY\" \\\n"
    "    password=\"CSECRET\";\n"
    "consumer.ssl.endpoint.identification.algorithm=https\n"
    "consumer.max.poll.records=500\n"
    "consumer.key.deserializer=org.apache.kafka.common.serialization.ByteArrayDeserializer\n"
    "\n"
    "producer.security.protocol=SASL_SSL\n"
    "producer.sasl.mechanism=PLAIN\n"
    "producer.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required "
    "username=\"PKEY\" password=\"PSECRET\";\n"
    "producer.linger.ms=25\n"
    "producer.compression.type=zstd\n";

static void test_confluent_cloud_consumer(void) {
  kc_config_t *w = props(ccloud_worker);
  rd_kafka_conf_t *conf = NULL;
  char err[512] = "";
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_CONSUMER, NULL, &conf, err, sizeof err) == 0);
  if (!conf) {
    fprintf(stderr, "build: %s\n", err);
    kc_config_destroy(w);
    return;
  }
  CHECK_STR(get(conf, "bootstrap.servers"), "pkc-abc12.us-east-1.aws.confluent.cloud:9092");
  CHECK_STR(get(conf, "security.protocol"), "sasl_ssl");
  CHECK_STR(get(conf, "sasl.mechanisms"), "PLAIN");
  CHECK_STR(get(conf, "sasl.username"), "CKEY"); /* the consumer. key wins over the top level */
  CHECK_STR(get(conf, "sasl.password"), "CSECRET");
  CHECK_STR(get(conf, "ssl.endpoint.identification.algorithm"), "https");
  CHECK_STR(get(conf, "socket.timeout.ms"), "20000");
  /* a top-level group setting must not reach connector consumers */
  CHECK_STR(get(conf, "session.timeout.ms"), "45000");
  CHECK_STR(get(conf, "enable.auto.commit"), "false");
  CHECK_STR(get(conf, "enable.auto.offset.store"), "false");
  CHECK_STR(get(conf, "queued.max.messages.kbytes"), "4096");
  CHECK_STR(get(conf, "queued.min.messages"), "1000000");
  CHECK_STR(get(conf, "auto.offset.reset"), "smallest"); /* Connect's earliest */
  CHECK_STR(get(conf, "group.id"), "");
  rd_kafka_conf_destroy(conf);
  kc_config_destroy(w);
}

static void test_confluent_cloud_producer_and_admin(void) {
  kc_config_t *w = props(ccloud_worker);
  rd_kafka_conf_t *conf = NULL;
  char err[512] = "";
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_PRODUCER, NULL, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_STR(get(conf, "sasl.username"), "PKEY");
    CHECK_STR(get(conf, "sasl.password"), "PSECRET");
    CHECK_STR(get(conf, "request.timeout.ms"), "20000");
    CHECK_STR(get(conf, "retry.backoff.ms"), "500");
    CHECK_STR(get(conf, "linger.ms"), "25");
    CHECK_STR(get(conf, "compression.codec"), "zstd");
    CHECK_STR(get(conf, "acks"), "-1"); /* Connect's acks=all */
    CHECK_STR(get(conf, "max.in.flight.requests.per.connection"), "1");
    CHECK_STR(get(conf, "queue.buffering.max.kbytes"), "16384");
    CHECK_STR(get(conf, "queue.buffering.max.messages"), "100000");
    rd_kafka_conf_destroy(conf);
  }
  conf = NULL;
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_ADMIN, NULL, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_STR(get(conf, "sasl.username"), "KEY"); /* no admin.* keys: the top level applies */
    CHECK_STR(get(conf, "sasl.password"), "SECRET");
    CHECK_STR(get(conf, "security.protocol"), "sasl_ssl");
    rd_kafka_conf_destroy(conf);
  }
  kc_config_destroy(w);
}

static void test_scram_override(void) {
  /* Native librdkafka keys come from the worker file only. */
  kc_config_t *w = props("bootstrap.servers=b1:9092, b2:9092\nsecurity.protocol=SASL_PLAINTEXT\n"
                         "consumer.queued.max.messages.kbytes=1024\n");
  kc_config_t *o = kc_config_new();
  kc_config_set(o, "sasl.mechanism", "SCRAM-SHA-512");
  kc_config_set(o, "sasl.jaas.config",
                "org.apache.kafka.common.security.scram.ScramLoginModule required\n"
                "  // a comment\n"
                "  username=\"alice \\\"the admin\\\"\" /* inline */ password=\"p\\\\w=d;x\";");
  rd_kafka_conf_t *conf = NULL;
  char err[512] = "";
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_CONSUMER, o, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_STR(get(conf, "bootstrap.servers"), "b1:9092,b2:9092");
    CHECK_STR(get(conf, "sasl.mechanisms"), "SCRAM-SHA-512");
    CHECK_STR(get(conf, "sasl.username"), "alice \"the admin\"");
    CHECK_STR(get(conf, "sasl.password"), "p\\w=d;x");
    CHECK_STR(get(conf, "queued.max.messages.kbytes"), "1024"); /* user-set beats the cap */
    rd_kafka_conf_destroy(conf);
  }
  kc_config_destroy(o);
  kc_config_destroy(w);
}

static int build_err(const char *worker_text, kc_kafka_client_kind_t kind, const char *ovr_key,
                     const char *ovr_val, char *err, size_t n) {
  kc_config_t *w = props(worker_text);
  kc_config_t *o = NULL;
  if (ovr_key) {
    o = kc_config_new();
    kc_config_set(o, ovr_key, ovr_val);
  }
  rd_kafka_conf_t *conf = NULL;
  err[0] = '\0';
  int rc = kc_kafka_conf_build(w, kind, o, &conf, err, n);
  if (conf) rd_kafka_conf_destroy(conf);
  kc_config_destroy(w);
  kc_config_destroy(o);
  return rc;
}

/* Connector overrides: Java keys only, and never a code-running librdkafka key. */
static void test_connector_overrides_restricted(void) {
  char err[512];
  static const char *const blocked[] = {"sasl.kerberos.kinit.cmd", "plugin.library.paths",
                                         "ssl.engine.location", "ssl.engine.id", "ssl.providers",
                                         "sasl.kerberos.keytab", "sasl.kerberos.principal",
                                         "queued.max.messages.kbytes", "debug", NULL};
  for (int i = 0; blocked[i]; i++) {
    CHECK(build_err("", KC_KAFKA_CONSUMER, blocked[i], "x", err, sizeof err) == KC_EINVAL);
    char want[128];
    snprintf(want, sizeof want, "consumer.override.%s: ", blocked[i]);
    CHECK_PREFIX(err, want);
    CHECK(kc_kafka_conf_override_check(blocked[i], err, sizeof err) == KC_EINVAL);
    CHECK(strstr(err, blocked[i]) != NULL);
  }
  /* A Krb5LoginModule principal from a connector would reach the kinit shell line. */
  CHECK(build_err("", KC_KAFKA_CONSUMER, "sasl.jaas.config",
                  "com.sun.security.auth.module.Krb5LoginModule required principal=\"a;touch b\";",
                  err, sizeof err) == KC_EINVAL);
  CHECK(strstr(err, "sasl.kerberos.principal") != NULL);
  /* The same keys stay the operator's choice in the worker file. */
  CHECK(build_err("consumer.sasl.kerberos.kinit.cmd=kinit -k\nconsumer.debug=broker\n",
                  KC_KAFKA_CONSUMER, "max.poll.records", "5", err, sizeof err) == 0);
  CHECK(kc_kafka_conf_override_check("ssl.truststore.location", err, sizeof err) == 0);
  CHECK(kc_kafka_conf_override_check("sasl.jaas.config", err, sizeof err) == 0);
}

static void test_bad_values_name_the_key(void) {
  char err[512];
  CHECK(build_err("consumer.session.timeout.ms=abc\n", KC_KAFKA_CONSUMER, NULL, NULL, err,
                  sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "consumer.session.timeout.ms: ");
  CHECK(build_err("", KC_KAFKA_CONSUMER, "fetch.min.bytes", "0", err, sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "consumer.override.fetch.min.bytes: ");
  CHECK(strstr(err, "outside allowed range") != NULL);
  CHECK(build_err("security.protocol=SASL_FOO\n", KC_KAFKA_PRODUCER, NULL, NULL, err,
                  sizeof err) == KC_EINVAL);
  CHECK_STR(err,
            "security.protocol: Invalid value SASL_FOO: must be one of PLAINTEXT, SSL, "
            "SASL_PLAINTEXT, SASL_SSL");
  CHECK(build_err("producer.sasl.mechanism=DIGEST-MD5\n", KC_KAFKA_PRODUCER, NULL, NULL, err,
                  sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "producer.sasl.mechanism: Unsupported SASL mechanism DIGEST-MD5");
  CHECK(build_err("producer.acks=most\n", KC_KAFKA_PRODUCER, NULL, NULL, err, sizeof err) ==
        KC_EINVAL);
  CHECK_PREFIX(err, "producer.acks: ");
  CHECK(build_err("auto.offset.reset=latest\nconsumer.auto.offset.reset=oldest\n",
                  KC_KAFKA_CONSUMER, NULL, NULL, err, sizeof err) == KC_EINVAL);
  CHECK_STR(err,
            "consumer.auto.offset.reset: Invalid value oldest: must be one of earliest, latest, "
            "none");
  CHECK(build_err("ssl.endpoint.identification.algorithm=ldap\n", KC_KAFKA_ADMIN, NULL, NULL,
                  err, sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "ssl.endpoint.identification.algorithm: ");
  /* A Java key under the wrong client prefix is not an error (Java only warns). */
  CHECK(build_err("producer.session.timeout.ms=abc\n", KC_KAFKA_PRODUCER, NULL, NULL, err,
                  sizeof err) == 0);
}

static void test_jaas_errors(void) {
  static const char *const cases[][2] = {
      {"org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" "
       "password=\"hunter2\"",
       "sasl.jaas.config: JAAS config entry not terminated by semi-colon"},
      {"org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\"; "
       "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"hunter2\";",
       "sasl.jaas.config: JAAS config property contains 2 login modules, should be 1 module"},
      {"org.apache.kafka.common.security.plain.PlainLoginModule mandatory password=\"hunter2\";",
       "sasl.jaas.config: Invalid login module control flag 'mandatory' in JAAS config"},
      {"org.apache.kafka.common.security.plain.PlainLoginModule required password;",
       "sasl.jaas.config: Value not specified for key 'password' in JAAS config"},
      {"  ", "sasl.jaas.config: JAAS config property does not contain any login modules"},
      {"com.example.MyLoginModule required password=\"hunter2\";",
       "sasl.jaas.config: login module com.example.MyLoginModule is not supported (use "
       "PlainLoginModule, ScramLoginModule, OAuthBearerLoginModule or Krb5LoginModule)"},
  };
  char err[512];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    kc_config_t *w = kc_config_new();
    kc_config_set(w, "sasl.jaas.config", cases[i][0]);
    rd_kafka_conf_t *conf = NULL;
    err[0] = '\0';
    CHECK(kc_kafka_conf_build(w, KC_KAFKA_CONSUMER, NULL, &conf, err, sizeof err) == KC_EINVAL);
    CHECK(conf == NULL);
    CHECK_STR(err, cases[i][1]);
    CHECK(strstr(err, "hunter2") == NULL); /* never echo the secret */
    kc_config_destroy(w);
  }
  /* SASL PLAIN with no credentials: say what is missing before librdkafka fails vaguely */
  CHECK(build_err("security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n", KC_KAFKA_CONSUMER, NULL,
                  NULL, err, sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "sasl.jaas.config: SASL mechanism PLAIN needs a username and password");
}

/* Runs a build with stderr captured; returns what was logged. */
static char *build_capturing_log(const char *worker_text, kc_kafka_client_kind_t kind) {
  kc_test_capture_t cap;
  CHECK(kc_test_capture_begin(&cap, "kafka_conf") == 0);
  kc_config_t *w = props(worker_text);
  rd_kafka_conf_t *conf = NULL;
  char err[512];
  int rc = kc_kafka_conf_build(w, kind, NULL, &conf, err, sizeof err);
  static char log[8192];
  kc_test_capture_end(&cap, log, sizeof log);
  CHECK(rc == 0);
  if (conf) rd_kafka_conf_destroy(conf);
  kc_config_destroy(w);
  return log;
}

static int count(const char *hay, const char *needle) {
  int n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p++) n++;
  return n;
}

static void test_java_only_keys_one_warning(void) {
  char *log = build_capturing_log(ccloud_worker, KC_KAFKA_CONSUMER);
  CHECK(count(log, "no librdkafka equivalent") == 1);
  CHECK(count(log, "\n") == 1);
  CHECK(strstr(log, "consumer client:") != NULL);
  CHECK(strstr(log, "consumer.max.poll.records, consumer.key.deserializer") != NULL);
  /* The producer has its own keys: none are Java-only here, so nothing is logged. */
  log = build_capturing_log(ccloud_worker, KC_KAFKA_PRODUCER);
  CHECK_STR(log, "");
  log = build_capturing_log(
      "ssl.enabled.protocols=TLSv1.2,TLSv1.3\nclient.dns.lookup=resolve_canonical_bootstrap_"
      "servers_only\nproducer.max.block.ms=1000\nproducer.interceptor.classes=x.Y\n"
      "producer.no.such.setting=1\n",
      KC_KAFKA_PRODUCER);
  CHECK(count(log, "no librdkafka equivalent") == 1);
  /* ssl.enabled.protocols with TLSv1.2 allows what librdkafka negotiates: no warning. */
  CHECK(strstr(log, "ssl.enabled.protocols") == NULL);
  CHECK(strstr(log, "client.dns.lookup, producer.max.block.ms, "
                    "producer.interceptor.classes, producer.no.such.setting") != NULL);
}

/* Security settings we cannot apply fail closed once the layer they configure is in use. */
static void test_unappliable_security_keys_refused(void) {
  static const struct {
    const char *worker, *key;
    bool refused;
  } cases[] = {
      {"security.protocol=SSL\nssl.enabled.protocols=TLSv1.3\n", "ssl.enabled.protocols", true},
      {"security.protocol=SSL\nssl.enabled.protocols=TLSv1.2,TLSv1.3\n", NULL, false},
      {"ssl.enabled.protocols=TLSv1.3\n", NULL, false}, /* PLAINTEXT: no effect, as in Java */
      {"security.protocol=SASL_SSL\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka."
       "common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";\n"
       "ssl.cipher.suites=TLS_AES_256_GCM_SHA384\n",
       "ssl.cipher.suites", true},
      {"security.protocol=SSL\nconsumer.ssl.provider=SunJSSE\n", "consumer.ssl.provider", true},
      {"security.protocol=SSL\nsecurity.providers=a.B\n", "security.providers", true},
      {"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka."
       "common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";\n"
       "sasl.login.class=x.MyLogin\n",
       "sasl.login.class", true},
      {"security.protocol=SSL\nsasl.login.class=x.MyLogin\n", NULL, false}, /* no SASL */
      {"security.protocol=SASL_PLAINTEXT\nsasl.mechanism=PLAIN\nsasl.jaas.config=org.apache.kafka."
       "common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";\n"
       "sasl.login.callback.handler.class=x.Handler\n",
       "sasl.login.callback.handler.class", true},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char err[512];
    int rc = build_err(cases[i].worker, KC_KAFKA_CONSUMER, NULL, NULL, err, sizeof err);
    if (cases[i].refused) {
      CHECKF(rc == KC_EINVAL && strstr(err, cases[i].key) == err, "case %zu: rc %d, %s", i, rc, err);
    } else {
      CHECKF(rc == 0, "case %zu: rc %d, %s", i, rc, err);
    }
  }
}

static void test_client_specific_mappings(void) {
  kc_config_t *w = props(
      "request.timeout.ms=15000\n"
      "receive.buffer.bytes=-1\n"
      "send.buffer.bytes=131072\n"
      "metadata.max.age.ms=60000\n"
      "reconnect.backoff.max.ms=2000\n"
      "ssl.endpoint.identification.algorithm=\n"
      "consumer.max.partition.fetch.bytes=2097152\n"
      "consumer.fetch.max.wait.ms=250\n"
      "consumer.fetch.max.bytes=52428800\n"
      "consumer.isolation.level=read_committed\n"
      "consumer.auto.offset.reset=none\n"
      "consumer.partition.assignment.strategy=org.apache.kafka.clients.consumer.RangeAssignor,"
      "org.apache.kafka.clients.consumer.CooperativeStickyAssignor\n"
      "consumer.group.instance.id=static-1\n"
      "producer.buffer.memory=33554432\n"
      "producer.max.request.size=2000000\n"
      "producer.acks=1\n");
  rd_kafka_conf_t *conf = NULL;
  char err[512] = "";
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_CONSUMER, NULL, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_STR(get(conf, "socket.timeout.ms"), "15000");
    CHECK_STR(get(conf, "socket.receive.buffer.bytes"), "0");
    CHECK_STR(get(conf, "socket.send.buffer.bytes"), "131072");
    CHECK_STR(get(conf, "topic.metadata.refresh.interval.ms"), "60000");
    CHECK_STR(get(conf, "reconnect.backoff.max.ms"), "2000");
    CHECK_STR(get(conf, "ssl.endpoint.identification.algorithm"), "none");
    CHECK_STR(get(conf, "fetch.message.max.bytes"), "2097152");
    CHECK_STR(get(conf, "fetch.wait.max.ms"), "250");
    CHECK_STR(get(conf, "fetch.max.bytes"), "52428800");
    /* the queue cap grows to hold one full fetch */
    CHECK_STR(get(conf, "queued.max.messages.kbytes"), "51200");
    CHECK_STR(get(conf, "isolation.level"), "read_committed");
    CHECK_STR(get(conf, "auto.offset.reset"), "error");
    CHECK_STR(get(conf, "partition.assignment.strategy"), "cooperative-sticky");
    CHECK_STR(get(conf, "group.instance.id"), "static-1");
    /* librdkafka accepts the finished consumer conf */
    char es[512];
    rd_kafka_conf_set(conf, "group.id", "test-group", es, sizeof es);
    rd_kafka_conf_set(conf, "log_level", "0", es, sizeof es);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, es, sizeof es);
    CHECK(rk != NULL);
    if (rk) rd_kafka_destroy(rk);
    else rd_kafka_conf_destroy(conf);
  }
  conf = NULL;
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_PRODUCER, NULL, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_STR(get(conf, "request.timeout.ms"), "15000");
    CHECK_STR(get(conf, "queue.buffering.max.kbytes"), "32768");
    CHECK_STR(get(conf, "message.max.bytes"), "2000000");
    CHECK_STR(get(conf, "acks"), "1");
    CHECK_STR(get(conf, "group.instance.id"), "");
    char es[512];
    rd_kafka_conf_set(conf, "log_level", "0", es, sizeof es);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, es, sizeof es);
    CHECK(rk != NULL);
    if (rk) rd_kafka_destroy(rk);
    else rd_kafka_conf_destroy(conf);
  }
  kc_config_destroy(w);
}

static char *write_temp(const void *data, size_t n) {
  static char paths[4][64];
  static int slot;
  char *path = paths[slot++ % 4];
  CHECK(kc_test_temp_file(path, 64, "store", data, n) == 0);
  return path;
}

/* A PKCS#12 trust store holding one self-signed certificate, made with OpenSSL. */
static char *make_pkcs12_truststore(const char *password) {
  EVP_PKEY *key = EVP_RSA_gen(2048);
  X509 *x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, key);
  X509_NAME *name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"kc-test-ca", -1,
                             -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  STACK_OF(X509) *certs = sk_X509_new_null();
  sk_X509_push(certs, x);
  PKCS12 *p12 = PKCS12_create(password, NULL, NULL, NULL, certs, 0, 0, 0, 0, 0);
  unsigned char *der = NULL;
  int len = p12 ? i2d_PKCS12(p12, &der) : 0;
  char *path = write_temp(der, len > 0 ? (size_t)len : 0);
  OPENSSL_free(der);
  PKCS12_free(p12);
  sk_X509_free(certs);
  X509_free(x);
  EVP_PKEY_free(key);
  return path;
}

static void test_ssl_stores(void) {
  const char pem[] = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  char *pem_path = write_temp(pem, sizeof pem - 1);
  char text[1024];
  char err[512];
  rd_kafka_conf_t *conf = NULL;

  /* PEM trust store, type given */
  snprintf(text, sizeof text,
           "security.protocol=SSL\nssl.truststore.type=PEM\nssl.truststore.location=%s\n",
           pem_path);
  kc_config_t *w = props(text);
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_CONSUMER, NULL, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_STR(get(conf, "ssl.ca.location"), pem_path);
    rd_kafka_conf_destroy(conf);
  }
  kc_config_destroy(w);

  /* PEM trust store recognised without a type; PEM key store -> certificate + key */
  snprintf(text, sizeof text,
           "ssl.truststore.location=%s\nproducer.ssl.keystore.type=PEM\n"
           "producer.ssl.keystore.location=%s\nproducer.ssl.key.password=kp\n",
           pem_path, pem_path);
  w = props(text);
  conf = NULL;
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_PRODUCER, NULL, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_STR(get(conf, "ssl.ca.location"), pem_path);
    CHECK_STR(get(conf, "ssl.certificate.location"), pem_path);
    CHECK_STR(get(conf, "ssl.key.location"), pem_path);
    CHECK_STR(get(conf, "ssl.key.password"), "kp");
    rd_kafka_conf_destroy(conf);
  }
  kc_config_destroy(w);

  /* PKCS12 key store passes through */
  snprintf(text, sizeof text,
           "ssl.keystore.type=PKCS12\nssl.keystore.location=/etc/kafka/client.p12\n"
           "ssl.keystore.password=ksp\n");
  w = props(text);
  conf = NULL;
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_ADMIN, NULL, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_STR(get(conf, "ssl.keystore.location"), "/etc/kafka/client.p12");
    CHECK_STR(get(conf, "ssl.keystore.password"), "ksp");
    rd_kafka_conf_destroy(conf);
  }
  kc_config_destroy(w);

  /* PKCS12 trust store -> its certificates as ssl.ca.pem */
  char *p12 = make_pkcs12_truststore("trustpw");
  snprintf(text, sizeof text,
           "ssl.truststore.type=PKCS12\nssl.truststore.location=%s\nssl.truststore.password=trustpw\n",
           p12);
  w = props(text);
  conf = NULL;
  CHECK(kc_kafka_conf_build(w, KC_KAFKA_CONSUMER, NULL, &conf, err, sizeof err) == 0);
  if (conf) {
    CHECK_PREFIX(get(conf, "ssl.ca.pem"), "-----BEGIN CERTIFICATE-----");
    rd_kafka_conf_destroy(conf);
  } else {
    fprintf(stderr, "pkcs12: %s\n", err);
  }
  kc_config_destroy(w);
  /* ... and a wrong password is reported on the location key */
  snprintf(text, sizeof text,
           "ssl.truststore.type=PKCS12\nconsumer.ssl.truststore.location=%s\n"
           "ssl.truststore.password=wrong\n",
           p12);
  CHECK(build_err(text, KC_KAFKA_CONSUMER, NULL, NULL, err, sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "consumer.ssl.truststore.location: cannot read PKCS12 trust store");
  unlink(p12);

  /* JKS (by type, and by its magic number) is refused with a way out */
  const unsigned char jks[] = {0xFE, 0xED, 0xFE, 0xED, 0, 0, 0, 2};
  char *jks_path = write_temp(jks, sizeof jks);
  snprintf(text, sizeof text, "ssl.truststore.location=%s\n", jks_path);
  CHECK(build_err(text, KC_KAFKA_CONSUMER, NULL, NULL, err, sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "ssl.truststore.location: JKS trust stores are not supported");
  CHECK(build_err("ssl.keystore.type=JKS\nssl.keystore.location=/x.jks\n", KC_KAFKA_PRODUCER,
                  NULL, NULL, err, sizeof err) == KC_EINVAL);
  CHECK_PREFIX(err, "ssl.keystore.location: JKS key stores are not supported");
  CHECK(build_err("ssl.truststore.location=/nonexistent/ca.pem\n", KC_KAFKA_PRODUCER, NULL, NULL,
                  err, sizeof err) == KC_EINVAL);
  CHECK_STR(err, "ssl.truststore.location: cannot read /nonexistent/ca.pem: No such file or directory");
  unlink(jks_path);
  unlink(pem_path);
}

/* KIP-345 ids: Kafka's characters only, one-to-one, at most 249 characters. */
static void test_static_instance_id(void) {
  char id[512];
  CHECK(kc_kafka_conf_instance_id("file-sink", 3, "127.0.0.1:8083", id, sizeof id) == 0);
  CHECK_STR(id, "connect-file-sink-3-127.0.0.1_3a8083");
  /* '-' in the worker id is escaped, so the task id cannot slide into it */
  CHECK(kc_kafka_conf_instance_id("a", 1, "2-h:80", id, sizeof id) == 0);
  CHECK_STR(id, "connect-a-1-2_2dh_3a80");
  char other[512];
  CHECK(kc_kafka_conf_instance_id("a-1", 2, "h:80", other, sizeof other) == 0);
  CHECK_STR(other, "connect-a-1-2-h_3a80");
  CHECK(strcmp(id, other) != 0);
  /* '_' itself is escaped: "x_2f" and "x/" differ */
  CHECK(kc_kafka_conf_instance_id("x_2f", 0, "w:1", id, sizeof id) == 0);
  CHECK_STR(id, "connect-x_5f2f-0-w_3a1");
  CHECK(kc_kafka_conf_instance_id("x/", 0, "w:1", id, sizeof id) == 0);
  CHECK_STR(id, "connect-x_2f-0-w_3a1");
  CHECK(kc_kafka_conf_instance_id("s p\xc3\xa9", 0, "[::1]:8083", id, sizeof id) == 0);
  CHECK_STR(id, "connect-s_20p_c3_a9-0-_5b_3a_3a1_5d_3a8083");
  /* too long: cut, with a hash of the whole triple; two long names differing at the end differ */
  char lng[400];
  memset(lng, 'n', sizeof lng - 1);
  lng[sizeof lng - 1] = '\0';
  CHECK(kc_kafka_conf_instance_id(lng, 7, "w:1", id, sizeof id) == 0);
  CHECK(strlen(id) <= 249);
  CHECK_PREFIX(id, "connect-nnnn");
  CHECK(strstr(id, "-7-h") != NULL);
  lng[sizeof lng - 2] = 'm';
  CHECK(kc_kafka_conf_instance_id(lng, 7, "w:1", other, sizeof other) == 0);
  CHECK(strcmp(id, other) != 0);
  CHECK(kc_kafka_conf_instance_id(lng, 7, "w:2", other, sizeof other) == 0);
  CHECK(strcmp(id, other) != 0);
  /* the cut never splits an _XX escape */
  memset(lng, '/', sizeof lng - 1);
  CHECK(kc_kafka_conf_instance_id(lng, 7, "w:1", id, sizeof id) == 0);
  CHECK(strlen(id) <= 249);
  const char *h = strstr(id, "-7-h");
  CHECK(h && (h - id - (long)strlen("connect-")) % 3 == 0);
  for (const char *p = id; *p; p++)
    CHECKF(isalnum((unsigned char)*p) || *p == '.' || *p == '-' || *p == '_', "bad char in %s", id);
  CHECK(kc_kafka_conf_instance_id("c", 0, "w:1", id, 8) == KC_EINVAL);
}

int main(void) {
  kc_test_run("static_instance_id", test_static_instance_id);
  kc_test_run("confluent_cloud_consumer", test_confluent_cloud_consumer);
  kc_test_run("confluent_cloud_producer_and_admin", test_confluent_cloud_producer_and_admin);
  kc_test_run("scram_override", test_scram_override);
  kc_test_run("connector_overrides_restricted", test_connector_overrides_restricted);
  kc_test_run("bad_values_name_the_key", test_bad_values_name_the_key);
  kc_test_run("jaas_errors", test_jaas_errors);
  kc_test_run("java_only_keys_one_warning", test_java_only_keys_one_warning);
  kc_test_run("unappliable_security_keys_refused", test_unappliable_security_keys_refused);
  kc_test_run("client_specific_mappings", test_client_specific_mappings);
  kc_test_run("ssl_stores", test_ssl_stores);
  return kc_test_done();
}
