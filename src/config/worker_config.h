/* Worker configuration (connect-runtime.md 3.1), with Connect's defaults. */
#ifndef KC_CONFIG_WORKER_CONFIG_H
#define KC_CONFIG_WORKER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kconnect/connector.h"

/** One entry of listeners or admin.listeners, parsed. */
typedef struct kc_worker_listener_s {
  const char *url;  /**< as configured (owned by the worker config) */
  const char *host; /**< "" = all interfaces (owned) */
  int port;
  bool https;
  bool admin;       /**< an admin.listeners entry */
} kc_worker_listener_t;

typedef struct kc_worker_config_s {
  kc_config_t *props;            /**< all keys as given, ${provider:...} variables resolved (owned) */
  /** config.providers, for connector configs (resolved when tasks start); NULL when none. */
  struct kc_config_providers_s *providers;
  const char *bootstrap_servers; /**< borrowed from props or a default */
  const char *key_converter;     /**< class name */
  const char *value_converter;
  const char *header_converter;  /**< default org.apache.kafka.connect.storage.SimpleHeaderConverter */
  const char *offset_storage_file; /**< offset.storage.file.filename (standalone; NULL if unset) */
  int64_t offset_flush_interval_ms;  /**< default 60000 */
  int64_t offset_flush_timeout_ms;   /**< default 5000 */
  int64_t task_shutdown_graceful_timeout_ms; /**< default 5000 */
  const char *listeners;         /**< default "http://:8083" */
  const char *rest_host;         /**< parsed from the first listener; "" = all interfaces */
  int rest_port;                 /**< parsed from the first listener */
  const kc_worker_listener_t *rest_listeners; /**< every listener, then every admin listener */
  size_t rest_listener_count;
  int admin_listeners_mode;      /**< 0 admin.listeners unset, 1 set but empty, 2 a list */
  int64_t rest_max_connections;  /**< kconnect.rest.max.connections (256) */
  int64_t rest_max_connections_per_ip; /**< kconnect.rest.max.connections.per.ip (64) */
  int64_t rest_header_timeout_ms; /**< kconnect.rest.header.timeout.ms (10000) */
  const char *advertised_host;   /**< rest.advertised.host.name or the hostname */
  int advertised_port;
  bool advertised_https;         /**< the advertised listener's scheme (rest.advertised.listener) */
  const char *plugin_path;       /**< accepted, unused */
  const char *client_id_prefix;
  /** kconnect.sink.static.membership (true): sink consumers get a group.instance.id */
  bool sink_static_membership;
} kc_worker_config_t;

/**
 * Builds the worker config from parsed properties (takes ownership of @p props,
 * even on error). Unknown keys are logged as warnings, not fatal. Invalid
 * values (bad number, bad listener URL) fail with errstr naming the key.
 * @returns a new config or NULL.
 */
kc_worker_config_t *kc_worker_config_create(kc_config_t *props, char *errstr, size_t errstr_size);
void kc_worker_config_destroy(kc_worker_config_t *wc);

#endif
