/*
 * The K6 broker wake-up policy (src/kafka/fetch_wake.h) on a real consumer
 * handle: when a wake-up goes out (queue estimated below half the caps, a
 * quarter cap consumed since the last one or the queue dry), that only one is
 * in flight, and that the real broker's ListConsumerGroups result clears it.
 * Needs the local broker ($KAFKA_BOOTSTRAP, tools/kafka-local).
 */
#include <stdlib.h>
#include <string.h>

#include "kafka/fetch_wake.h"
#include "kc_test.h"

static void test_policy(void) {
  const char *bs = getenv("KAFKA_BOOTSTRAP");
  char err[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  if (!CHECK(rd_kafka_conf_set(conf, "bootstrap.servers", bs ? bs : "127.0.0.1:9092", err, sizeof err) == RD_KAFKA_CONF_OK &&
             rd_kafka_conf_set(conf, "group.id", "kc-test-fetch-wake", err, sizeof err) == RD_KAFKA_CONF_OK &&
             rd_kafka_conf_set(conf, "queued.max.messages.kbytes", "1024", err, sizeof err) == RD_KAFKA_CONF_OK &&
             rd_kafka_conf_set(conf, "queued.min.messages", "100000", err, sizeof err) == RD_KAFKA_CONF_OK))
    return;
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!CHECKF(rk, "consumer: %s", err)) return;
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  kc_fetch_wake_t fw;
  kc_fetch_wake_init(&fw, rk, q);
  CHECK(fw.cap_bytes == 1024 * 1024 && fw.cap_msgs == 100000);
  if (fw.disabled) { /* librdkafka >= 2.2: fetch.queue.backoff.ms instead, never a request */
    kc_fetch_wake_consumed(&fw, 1000, 10 << 20, 0);
    CHECK(fw.sent == 0);
    goto out;
  }
  /* 1,000-byte messages: 2,000 queued is ~2 MB, above half the cap: the broker would not fetch */
  kc_fetch_wake_consumed(&fw, 100, 100000, 2000);
  CHECK(fw.sent == 0);
  /* below half the cap, but only 200 kB consumed since the last wake-up (< a quarter cap) */
  kc_fetch_wake_consumed(&fw, 100, 100000, 100);
  CHECK(fw.sent == 0);
  /* 300 kB since: one goes out */
  kc_fetch_wake_consumed(&fw, 100, 100000, 100);
  CHECK(fw.sent == 1 && fw.inflight && fw.bytes == 0);
  /* a dry queue with one in flight: nothing more */
  kc_fetch_wake_consumed(&fw, 1000, 1000000, 0);
  CHECK(fw.sent == 1);
  /* the broker answers; the result clears inflight, and the dry queue gets the next one */
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 20000);
  if (CHECKF(ev, "no ListConsumerGroups result from the broker in 20 s")) {
    CHECK(kc_fetch_wake_event(&fw, ev));
    /* it reached the broker: no per-broker errors */
    const rd_kafka_ListConsumerGroups_result_t *res = rd_kafka_event_ListConsumerGroups_result(ev);
    size_t nerr = 1;
    if (res) rd_kafka_ListConsumerGroups_result_errors(res, &nerr);
    CHECKF(!rd_kafka_event_error(ev) && res && nerr == 0, "ListConsumerGroups: %s, %zu broker error(s)",
           rd_kafka_event_error_string(ev), nerr);
    CHECK(!fw.inflight);
    rd_kafka_event_destroy(ev);
  }
  kc_fetch_wake_check(&fw, 0);
  CHECK(fw.sent == 2 && fw.inflight);
  ev = rd_kafka_queue_poll(q, 20000);
  if (ev) {
    kc_fetch_wake_event(&fw, ev);
    rd_kafka_event_destroy(ev);
  }
  /* nothing consumed since: no request however empty the queue */
  kc_fetch_wake_check(&fw, 0);
  CHECK(fw.sent == 2);
out:
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

int main(void) {
  kc_test_run("policy", test_policy);
  return kc_test_done();
}
