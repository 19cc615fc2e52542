/*
 * KafkaBasedLog internals shared by kafka_log.c (reading, writing, stopping) and
 * kafka_log_start.c (topic creation and checks, partition discovery). Not for other modules.
 */
#ifndef KC_WORKER_KAFKA_LOG_INTERNAL_H
#define KC_WORKER_KAFKA_LOG_INTERNAL_H

#include "kafka/kqueue.h"
#include "worker/kafka_log.h"

typedef enum { KLOG_NEW, KLOG_STARTING, KLOG_RUNNING, KLOG_STOPPING, KLOG_STOPPED } klog_state_t;

struct send_s;
struct rte_s;
struct stop_waiter_s;
struct klog_admin_s;

struct kc_klog_s {
  uv_loop_t *loop;
  char *topic, *role, *client_id;
  bool is_config, is_status;
  int32_t want_partitions;
  int16_t replication_factor;
  kc_config_t *settings;
  rd_kafka_conf_t *pconf, *cconf, *aconf; /* built at create; taken by rd_kafka_new */
  kc_klog_record_cb record_cb;
  void *arg;
  klog_state_t state;

  kc_store_done_cb start_cb;
  void *start_arg;
  struct klog_admin_s *admin; /* while the topic is created or checked */

  rd_kafka_t *consumer;
  rd_kafka_topic_t *crkt;
  rd_kafka_queue_t *cq;
  kc_kqueue_t ckq;
  bool ckq_on;
  int32_t nparts;
  int64_t *pos; /* per partition: the next offset to read */

  rd_kafka_t *producer;
  rd_kafka_queue_t *pq;
  kc_kqueue_t pkq;
  bool pkq_on;
  struct send_s *send_head, *send_last; /* unacknowledged sends, oldest first */
  size_t nsends;
  uint64_t next_send_id;

  struct rte_s *rtes, **rte_tail; /* read-to-end requests, oldest first */
  bool ends_running;
  bool in_progress, progress_again;
  int jobs; /* threadpool jobs using the handles */

  uv_timer_t timer; /* stop's flush bound */
  bool timer_on;
  bool flush_timed_out;
  int stop_step, closing;
  struct stop_waiter_s *stop_waiters;
};

/* kafka_log.c */
const char *kc__klog_purpose(const char *role);
void kc__klog_log_event(const kc_klog_t *l, const char *client, rd_kafka_event_t *ev);
int kc__klog_read_to_end_any(kc_klog_t *l, kc_store_done_cb cb, void *arg);
int kc__klog_assign(kc_klog_t *l, char *errstr, size_t n);
int kc__klog_producer_start(kc_klog_t *l, char *errstr, size_t n);
void kc__klog_stop_continue(kc_klog_t *l);
bool kc__klog_retriable(rd_kafka_resp_err_t e);
/* kafka_log_start.c */
void kc__klog_start_finish(kc_klog_t *l, int status, const char *errmsg);
void kc__klog_admin_detach(kc_klog_t *l);

#endif
