/*
 * kc_group_offsets_read (kafka/group_offsets.h) while the group coordinator moves.
 *
 * librdkafka's ListConsumerGroupOffsets dereferences a NULL consumer group when OffsetFetch
 * answers NOT_COORDINATOR (librdkafka#5040), which took the worker down from a REST GET. A real
 * one-node broker never moves its coordinator, so this uses librdkafka's mock cluster for the
 * fault (test/e2e/test_sink_offsets.py checks the same path against the real broker): three
 * brokers, offsets committed for group "g", then NOT_COORDINATOR pushed for OffsetFetch and the
 * coordinator moved between reads. Every read must end on the loop, exactly once, with the
 * committed offsets or an error, and the process must survive.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

#include "kafka/group_offsets.h"
#include "kconnect/connector.h"
#include "kc_test.h"

#define OFFSET_FETCH 9 /* Kafka API key */

typedef struct {
  int calls;
  int errors;
  int good;
  long long seen[3];
  char last_error[256];
} result_t;

static void on_read(void *arg, const char *errmsg, const rd_kafka_topic_partition_list_t *offs) {
  result_t *r = arg;
  r->calls++;
  if (errmsg) {
    r->errors++;
    snprintf(r->last_error, sizeof r->last_error, "%s", errmsg);
    return;
  }
  CHECKF(offs && offs->cnt == 3, "%d partitions", offs ? offs->cnt : -1);
  bool ok = offs && offs->cnt == 3;
  for (int i = 0; ok && i < 3; i++) {
    CHECK_STR(offs->elems[i].topic, "t");
    CHECK(offs->elems[i].partition == i); /* sorted */
    r->seen[i] = offs->elems[i].offset;
    ok = offs->elems[i].offset == 100 + i * 10;
  }
  CHECKF(ok, "offsets %lld %lld %lld", r->seen[0], r->seen[1], r->seen[2]);
  if (ok) r->good++;
}

static rd_kafka_conf_t *conf_for(const char *bootstraps) {
  rd_kafka_conf_t *c = rd_kafka_conf_new();
  char es[256];
  rd_kafka_conf_set(c, "bootstrap.servers", bootstraps, es, sizeof es);
  rd_kafka_conf_set(c, "log_level", "2", es, sizeof es);
  return c;
}

/* A topics list as the worker passes it: the connector's "topics" through kc_config_get_list. */
static char **topics_of(const char *csv) {
  kc_config_t *c = kc_config_new();
  char **items = NULL;
  kc_config_set(c, "topics", csv);
  CHECK(kc_config_get_list(c, "topics", &items) >= 0);
  kc_config_destroy(c);
  return items;
}

static void test_coordinator_moves(void) {
  char es[512];
  rd_kafka_conf_t *mc = rd_kafka_conf_new();
  rd_kafka_conf_set(mc, "test.mock.num.brokers", "3", es, sizeof es);
  rd_kafka_conf_set(mc, "log_level", "2", es, sizeof es);
  rd_kafka_t *mrk = rd_kafka_new(RD_KAFKA_PRODUCER, mc, es, sizeof es);
  CHECKF(mrk != NULL, "mock cluster: %s", es);
  if (!mrk) return;
  rd_kafka_mock_cluster_t *mcl = rd_kafka_handle_mock_cluster(mrk);
  const char *bs = rd_kafka_mock_cluster_bootstraps(mcl);
  CHECK(rd_kafka_mock_topic_create(mcl, "t", 3, 1) == 0);
  rd_kafka_mock_coordinator_set(mcl, "group", "g", 1);

  /* Commit 100, 110, 120 for group g (a test may block; the product never does). */
  rd_kafka_conf_t *cc = conf_for(bs);
  rd_kafka_conf_set(cc, "group.id", "g", es, sizeof es);
  rd_kafka_t *crk = rd_kafka_new(RD_KAFKA_CONSUMER, cc, es, sizeof es);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(3);
  for (int p = 0; p < 3; p++) rd_kafka_topic_partition_list_add(l, "t", p)->offset = 100 + p * 10;
  rd_kafka_resp_err_t err = rd_kafka_commit(crk, l, 0);
  CHECKF(!err, "commit: %s", rd_kafka_err2str(err));
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_destroy_flags(crk, RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);

  uv_loop_t loop;
  uv_loop_init(&loop);
  result_t r = {0};
  const int rounds = 6;
  for (int i = 0; i < rounds; i++) {
    /* The coordinator moves and the first OffsetFetch answers say so. */
    rd_kafka_mock_coordinator_set(mcl, "group", "g", 1 + (i % 3));
    rd_kafka_mock_push_request_errors(mcl, OFFSET_FETCH, 2, RD_KAFKA_RESP_ERR_NOT_COORDINATOR,
                                      RD_KAFKA_RESP_ERR_NOT_COORDINATOR);
    CHECK(kc_group_offsets_read(&loop, conf_for(bs), "g", topics_of(" t , absent "), NULL, 10000, on_read,
                                &r) == 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    CHECKF(r.calls == i + 1, "round %d: %d callbacks", i, r.calls);
  }
  /* librdkafka's consumer group re-queries the coordinator and retries: every read answers. */
  CHECKF(r.good == rounds, "%d of %d reads gave the committed offsets (%d errors, last: %s)",
         r.good, rounds, r.errors, r.last_error);

  /* topics.regex is anchored on the whole name: "t" matches, "x|tt" does not. */
  result_t rx = {0};
  CHECK(kc_group_offsets_read(&loop, conf_for(bs), "g", NULL, "t", 10000, on_read, &rx) == 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(rx.good == 1);
  /* Bad arguments are refused at once and never call back. */
  result_t bad = {0};
  CHECK(kc_group_offsets_read(&loop, conf_for(bs), "g", NULL, "(", 1000, on_read, &bad) < 0);
  CHECK(kc_group_offsets_read(&loop, conf_for(bs), "", topics_of("t"), NULL, 1000, on_read, &bad) < 0);
  uv_run(&loop, UV_RUN_DEFAULT);
  CHECK(bad.calls == 0);
  uv_loop_close(&loop);
  rd_kafka_destroy(mrk);
}

int main(void) {
  kc_test_run("coordinator_moves", test_coordinator_moves);
  return kc_test_done();
}
