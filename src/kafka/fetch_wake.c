/* Broker-thread wake-ups for a consumer drained on the loop (fetch_wake.h, K6). */
#include "kafka/fetch_wake.h"

#include <stdlib.h>

static int64_t conf_int(rd_kafka_t *rk, const char *key, int64_t def) {
  char buf[64];
  size_t n = sizeof buf;
  if (rd_kafka_conf_get(rd_kafka_conf(rk), key, buf, &n) != RD_KAFKA_CONF_OK) return def;
  long long v = atoll(buf);
  return v > 0 ? v : def;
}

void kc_fetch_wake_init(kc_fetch_wake_t *fw, rd_kafka_t *rk, rd_kafka_queue_t *resq) {
  *fw = (kc_fetch_wake_t){.rk = rk, .resq = resq};
  fw->cap_bytes = conf_int(rk, "queued.max.messages.kbytes", 65536) * 1024;
  fw->cap_msgs = conf_int(rk, "queued.min.messages", 100000);
  fw->disabled = rd_kafka_version() >= KC_RDKAFKA_FETCH_QUEUE_BACKOFF;
}

/* Whether @p queued events are at least half a cap (messages x the average message size seen). */
static bool half_full(const kc_fetch_wake_t *fw, size_t queued) {
  int64_t avg = fw->msgs_total ? fw->bytes_total / fw->msgs_total : 0;
  return (int64_t)queued * (avg > 0 ? avg : 1) >= fw->cap_bytes / 2 ||
         (int64_t)queued >= fw->cap_msgs / 2;
}

void kc_fetch_wake_check(kc_fetch_wake_t *fw, size_t queued) {
  if (fw->disabled || fw->inflight || fw->bytes == 0 || fw->msgs_total == 0) return;
  /* Only a queue that came near a cap can have stopped the fetcher (one that never did needs
   * nothing, however often the application drains it), and the broker fetches again only
   * below the caps. */
  if (!fw->was_high || half_full(fw, queued)) return;
  /* Rate limit: a quarter of the cap consumed since the last one, unless the queue ran dry. */
  if (queued > 0 && fw->bytes < fw->cap_bytes / 4 && fw->msgs < fw->cap_msgs / 4) return;
  fw->bytes = fw->msgs = 0;
  fw->was_high = false;
  fw->inflight = true;
  fw->sent++;
  /* A short timeout: the result only clears inflight, and an unreachable broker must not keep a
   * wake-up (and the next ones) pending for the default minute. */
  rd_kafka_AdminOptions_t *opts = rd_kafka_AdminOptions_new(fw->rk, RD_KAFKA_ADMIN_OP_LISTCONSUMERGROUPS);
  if (opts) rd_kafka_AdminOptions_set_request_timeout(opts, 5000, NULL, 0);
  rd_kafka_ListConsumerGroups(fw->rk, opts, fw->resq);
  if (opts) rd_kafka_AdminOptions_destroy(opts);
}

void kc_fetch_wake_consumed(kc_fetch_wake_t *fw, int64_t msgs, int64_t bytes, size_t before,
                            size_t after) {
  fw->msgs += msgs;
  fw->bytes += bytes;
  fw->msgs_total += msgs;
  fw->bytes_total += bytes;
  if (half_full(fw, before)) fw->was_high = true;
  kc_fetch_wake_check(fw, after);
}

bool kc_fetch_wake_event(kc_fetch_wake_t *fw, rd_kafka_event_t *ev) {
  if (rd_kafka_event_type(ev) != RD_KAFKA_EVENT_LISTCONSUMERGROUPS_RESULT) return false;
  fw->inflight = false;
  return true;
}
