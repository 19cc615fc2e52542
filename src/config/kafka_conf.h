/*
 * Java Kafka client settings -> librdkafka settings. Worker keys apply to every
 * client; "consumer."/"producer."/"admin." prefixed worker keys override them
 * for that client; a connector's "consumer.override."/"producer.override."
 * keys override last (section 4.4).
 */
#ifndef KC_CONFIG_KAFKA_CONF_H
#define KC_CONFIG_KAFKA_CONF_H

#include <librdkafka/rdkafka.h>

#include "kconnect/connector.h"

typedef enum { KC_KAFKA_CONSUMER, KC_KAFKA_PRODUCER, KC_KAFKA_ADMIN } kc_kafka_client_kind_t;

/**
 * Builds a librdkafka conf for one client of @p kind.
 * Mapped: bootstrap.servers, client.id, security.protocol, sasl.mechanism,
 * sasl.jaas.config (PlainLoginModule / ScramLoginModule username+password ->
 * sasl.username/sasl.password), ssl.* librdkafka knows (truststore/keystore
 * locations as PEM/PKCS12 where possible), ssl.endpoint.identification.algorithm
 * (https -> enable.ssl.certificate.verification/endpoint id), request.timeout.ms,
 * retry.backoff.ms, auto.offset.reset, max.poll.records (ignored), fetch.* ...
 * Java-only settings without a librdkafka equivalent are named in one warning.
 * Buffers are capped to sidecar-sized defaults unless set explicitly
 * (queued.max.messages.kbytes, queue.buffering.max.kbytes ...).
 * @param worker    worker properties (all keys)
 * @param overrides connector's client overrides with the "consumer.override." (etc.) prefix already stripped; may be NULL
 * @param out       receives the new conf on success (caller owns)
 * @returns 0, or KC_EINVAL with errstr naming the key and reason.
 */
int kc_kafka_conf_build(const kc_config_t *worker, kc_kafka_client_kind_t kind,
                        const kc_config_t *overrides, rd_kafka_conf_t **out, char *errstr,
                        size_t errstr_size);

/*
 * kc_kafka_conf_build details:
 * - Top-level worker keys apply only when they are connection-level client
 *   keys (bootstrap.servers, security.protocol, sasl.*, ssl.*, timeouts,
 *   back-offs, buffers); group or producer settings (session.timeout.ms,
 *   acks ...) apply only from the "consumer."/"producer."/"admin." keys and the
 *   overrides, so a distributed worker's group settings never reach sink
 *   consumers. client.id and group.id are left to the caller.
 * - Connect's per-client defaults come first: producer acks=all,
 *   max.in.flight.requests.per.connection=1, delivery.timeout.ms=INT_MAX;
 *   consumer auto.offset.reset=earliest. Consumers always get
 *   enable.auto.commit=false and enable.auto.offset.store=false.
 * - Worker keys under a client prefix that are not Java keys are tried as
 *   native librdkafka keys ("consumer.queued.max.messages.kbytes=65536");
 *   connector overrides that are not Java keys are refused (KC_EINVAL).
 * - TLS stores: PEM and PKCS12 (a PKCS12 trust store becomes ssl.ca.pem);
 *   JKS is refused with a hint. Store files may be read here (start-up cost,
 *   local files only).
 */

/**
 * True for Java Kafka client keys (bootstrap.servers, security.protocol, any
 * ssl.* or sasl.* key, request.timeout.ms ...): worker_config accepts them as
 * known top-level worker keys.
 */
bool kc_kafka_conf_is_client_key(const char *key);

/**
 * Why a connector configuration may never set the librdkafka setting
 * @p rd_key (it runs a command, loads code or feeds the kinit shell line), or
 * NULL when it may. kc_kafka_conf_build() refuses such keys from @p overrides
 * with KC_EINVAL, and refuses any override key that is not a Java client key.
 * @returns a static string (not owned by the caller) or NULL.
 */
const char *kc_kafka_conf_blocked_reason(const char *rd_key);

/**
 * Checks one connector override @p key (prefix such as "consumer.override."
 * already stripped) the way kc_kafka_conf_build() will treat it: refused when
 * it is not a Java client key or when it maps onto a blocked librdkafka key.
 * @returns 0, or KC_EINVAL with @p errstr saying why (the key named, quoted).
 */
int kc_kafka_conf_override_check(const char *key, char *errstr, size_t errstr_size);

/**
 * The group.instance.id (KIP-345 static membership) of a sink task's consumer:
 * "connect-<connector>-<task>-<worker id>", stable across restarts of the same
 * worker and different on every other worker. Characters Kafka refuses in an
 * instance id (outside [a-zA-Z0-9._-]) are written as _XX (hex), and so is '-'
 * in the worker id (host:port -> host_3aport), so no two (connector, task,
 * worker) triples share an id. Past Kafka's 249 characters the connector part
 * is cut and a 64-bit hash of all three parts replaces the worker id.
 * @returns 0, KC_ENOMEM, or KC_EINVAL when @p out_size is too small.
 */
int kc_kafka_conf_instance_id(const char *connector, int task, const char *worker_id, char *out,
                              size_t out_size);

#endif
