/*
 * The distributed worker's own settings (connect-runtime.md 3.2,
 * DistributedConfig): the group, the three internal topics, the rebalance
 * timings and inter-worker request signing. Parsed once at start from the
 * worker properties that kc_worker_config_create() already validated.
 */
#ifndef KC_CONFIG_DISTRIBUTED_CONFIG_H
#define KC_CONFIG_DISTRIBUTED_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "config/worker_config.h"

typedef struct kc_internal_topic_s {
  const char *name;          /**< borrowed from the worker props */
  const char *key;           /**< "config.storage.topic" etc., for messages */
  int32_t partitions;        /**< -1 = broker default; always 1 for the config topic */
  int16_t replication_factor;/**< -1 = broker default */
  kc_config_t *settings;     /**< other "<prefix>.*" keys with the prefix stripped (owned) */
} kc_internal_topic_t;

typedef struct kc_distributed_config_s {
  const char *group_id;
  kc_internal_topic_t config_topic, offset_topic, status_topic;
  int32_t session_timeout_ms, heartbeat_interval_ms, rebalance_timeout_ms;
  int32_t worker_sync_timeout_ms, worker_unsync_backoff_ms, scheduled_rebalance_max_delay_ms;
  const char *connect_protocol;       /**< "eager", "compatible", "sessioned" */
  int64_t inter_worker_key_ttl_ms;    /**< 0 = no rotation */
  const char *key_generation_algorithm; /**< HmacSHA256 ... */
  int32_t key_size_bits;              /**< 0 = the algorithm's default */
  const char *signature_algorithm;
  char **verification_algorithms;     /**< NULL-terminated (owned) */
  int32_t request_timeout_ms;
  int64_t retry_backoff_ms, reconnect_backoff_ms, reconnect_backoff_max_ms;
  const char *client_id;              /**< "" = none */
  char advertised_url[320];           /**< "http://host:port/": this worker's URL in the group */
} kc_distributed_config_t;

/**
 * Fills @p out from @p wc->props (borrowed strings stay valid while @p wc lives).
 * @returns 0, or KC_EINVAL with Connect's message naming the key (a missing
 * required key, exactly.once.source.support other than "disabled", an unknown
 * connect.protocol or algorithm, heartbeat >= session timeout ...), KC_ENOMEM.
 */
int kc_distributed_config_parse(const kc_worker_config_t *wc, kc_distributed_config_t *out, char *errstr,
                                size_t n);
/** Frees what kc_distributed_config_parse() allocated. */
void kc_distributed_config_clear(kc_distributed_config_t *dc);

#endif
