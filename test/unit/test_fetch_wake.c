/*
 * The K6 broker wake-up policy (src/kafka/fetch_wake.h) on a real consumer
 * handle: when a wake-up goes out (the queue held half a cap or more, is then
 * below half, and a quarter cap was consumed since the last one or the queue
 * is dry), that a queue that never filled sends none, that only one is in
 * flight, and that the real broker's ListConsumerGroups result clears it.
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
    kc_fetch_wake_consumed(&fw, 1000, 10 << 20, 5000, 0);
    CHECK(fw.sent == 0);
    goto out;
  }
  /* 1,000-byte messages. A queue that never held half the cap (512 kB): the fetcher never
   * stopped, so no request however often it is drained. */
  for (int i = 0; i < 10; i++) kc_fetch_wake_consumed(&fw, 400, 400000, 400, (size_t)(i % 2 ? 0 : 100));
  CHECK(fw.sent == 0 && !fw.was_high);
  /* 2,000 queued (~2 MB, over the cap: the broker stops fetching), 1,500 left after the batch */
  fw.bytes = fw.msgs = 0; /* count from here */
  kc_fetch_wake_consumed(&fw, 100, 100000, 2000, 1500);
  CHECK(fw.sent == 0 && fw.was_high);
  /* below half the cap, but only 200 kB consumed since the last wake-up (< a quarter cap) */
  kc_fetch_wake_consumed(&fw, 100, 100000, 1500, 100);
  CHECK(fw.sent == 0);
  /* 300 kB since: one goes out */
  kc_fetch_wake_consumed(&fw, 100, 100000, 200, 100);
  CHECK(fw.sent == 1 && fw.inflight && fw.bytes == 0 && !fw.was_high);
  /* the queue fills up again; drained dry with one in flight: nothing more */
  kc_fetch_wake_consumed(&fw, 100, 100000, 2000, 1900);
  kc_fetch_wake_consumed(&fw, 1900, 1900000, 1900, 0);
  CHECK(fw.sent == 1 && fw.was_high);
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
  /* nothing consumed since, and the queue was not full again: no request however empty it is */
  kc_fetch_wake_check(&fw, 0);
  kc_fetch_wake_consumed(&fw, 10, 10000, 10, 0);
  CHECK(fw.sent == 2);
out:
  rd_kafka_queue_destroy(q);
  rd_kafka_destroy(rk);
}

int main(void) {
  kc_test_run("policy", test_policy);
  return kc_test_done();
}
