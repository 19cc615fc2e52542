/*
 * kconnect offsets import --worker WORKER.properties --file OFFSETS_FILE [--dry-run]
 *
 * A standalone worker keeps source offsets in a file (FileOffsetBackingStore: a Java-serialized
 * HashMap<byte[],byte[]> whose keys are the bytes ["<connector>",{partition}] and values the
 * bytes {offset}, both JsonConverter output with schemas off). A distributed worker keeps the
 * very same key and value bytes as records of offset.storage.topic (KafkaOffsetBackingStore),
 * each on the partition Kafka's default partitioner picks for the key (murmur2). So the import
 * is a copy: every entry becomes one record, bytes unchanged; a null value (an offset reset)
 * becomes a tombstone.
 *
 * This is a one-shot command, not the daemon: it runs synchronously with its own librdkafka
 * producer (acks=all, one request in flight, no idempotence, as Connect's KafkaBasedLog) and
 * flushes before it exits. Everything is checked before the first record is sent: the worker
 * file, the offsets file (complete, every key a Connect offset key, every value a JSON object or
 * null), and the topic (exists, reachable, cleanup.policy=compact as a worker requires).
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/offsets_import.h"
#include "config/distributed_config.h"
#include "config/kafka_conf.h"
#include "config/props.h"
#include "config/worker_config.h"
#include "worker/offset_store.h"

#define METADATA_TIMEOUT_MS 20000
#define READ_TIMEOUT_MS 60000
#define FLUSH_TIMEOUT_MS 60000

static void usage(FILE *f) {
  fprintf(f,
          "Usage: kconnect offsets import --worker WORKER.properties --file OFFSETS_FILE [--dry-run]\n\n"
          "Copies the source offsets of a standalone worker (its offset.storage.file.filename, written\n"
          "by kconnect or by Java's connect-standalone: the same format) into the offset.storage.topic\n"
          "of the distributed cluster that WORKER.properties (a distributed worker's file) names, as\n"
          "the records a distributed worker writes: key [\"<connector>\",{partition}], value {offset},\n"
          "bytes unchanged, on the key's murmur2 partition; a reset (null) offset becomes a tombstone.\n"
          "Each record is printed with what the topic held for its key: (new), (replaces {...}),\n"
          "(unchanged), (was reset).\n"
          "Run it while the connectors are not running in that cluster (before creating them, or with\n"
          "them STOPPED): a running source task does not re-read its offsets.\n"
          "Nothing is written if the file is not a complete offsets file or the topic cannot be\n"
          "reached, does not exist (start a distributed worker once: it creates the topic) or is not\n"
          "compacted. Records are sent with acks=all and flushed before the command exits.\n"
          "  --dry-run  check everything and print what would be written, write nothing\n"
          "Exit status: 0 imported (or dry run ok), 1 refused or failed, 2 usage.\n");
}

typedef enum { OLD_NONE, OLD_VALUE, OLD_TOMBSTONE } imp_old_t;

typedef struct {
  const void *key, *val;
  size_t klen, vlen;
  int32_t partition;
  imp_old_t old_state; /* what the topic holds for the key before the import */
  char *old;           /* OLD_VALUE: a copy of the value */
  size_t oldlen;
} imp_entry_t;

typedef struct {
  imp_entry_t *v;
  size_t n, cap;
  char err[512];
} imp_list_t;

typedef struct {
  size_t delivered, failed;
  char first_error[256];
} imp_delivery_t;

/* Keys are OffsetUtils' [namespace (the connector), partition map]: anything else was not written
 * by Connect, and importing it would give workers records they skip with an error. */
static int check_entry(const kc_offset_entry_t *e, size_t idx, char *err, size_t n) {
  if (!e->key) {
    snprintf(err, n, "entry %zu has a null key", idx);
    return KC_EINVAL;
  }
  json_error_t je;
  json_t *k = json_loadb(e->key, e->klen, JSON_DECODE_ANY, &je);
  bool ok = json_is_array(k) && json_array_size(k) == 2 && json_is_string(json_array_get(k, 0)) &&
            json_is_object(json_array_get(k, 1));
  json_decref(k);
  if (!ok) {
    snprintf(err, n, "entry %zu: key %.*s is not a Connect offset key [\"<connector>\",{partition}]", idx,
             (int)(e->klen > 200 ? 200 : e->klen), (const char *)e->key);
    return KC_EINVAL;
  }
  if (e->val) {
    json_t *v = json_loadb(e->val, e->vlen, JSON_DECODE_ANY, &je);
    ok = json_is_object(v);
    json_decref(v);
    if (!ok) {
      snprintf(err, n, "entry %zu: value %.*s of key %.*s is not a JSON object (a source offset)", idx,
               (int)(e->vlen > 200 ? 200 : e->vlen), (const char *)e->val, (int)(e->klen > 200 ? 200 : e->klen),
               (const char *)e->key);
      return KC_EINVAL;
    }
  }
  return 0;
}

static int collect(void *arg, const kc_offset_entry_t *e) {
  imp_list_t *l = arg;
  if (check_entry(e, l->n, l->err, sizeof l->err)) return KC_EINVAL;
  if (l->n == l->cap) {
    size_t cap = l->cap ? l->cap * 2 : 16;
    imp_entry_t *nv = realloc(l->v, cap * sizeof *nv);
    if (!nv) {
      snprintf(l->err, sizeof l->err, "out of memory");
      return KC_ENOMEM;
    }
    l->v = nv;
    l->cap = cap;
  }
  l->v[l->n++] = (imp_entry_t){.key = e->key, .klen = e->klen, .val = e->val, .vlen = e->vlen, .partition = -1};
  return 0;
}

static int read_whole(const char *path, char **data, size_t *len, char *err, size_t n) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    snprintf(err, n, "cannot open the offsets file %s: %s", path, strerror(errno));
    return KC_EIO;
  }
  size_t cap = 65536, used = 0;
  char *buf = malloc(cap);
  while (buf) {
    size_t r = fread(buf + used, 1, cap - used, f);
    used += r;
    if (used < cap) break;
    char *nb = realloc(buf, cap * 2);
    if (!nb) free(buf);
    buf = nb;
    cap *= 2;
  }
  int rerr = ferror(f) ? (errno ? errno : EIO) : 0;
  fclose(f);
  if (!buf || rerr) {
    snprintf(err, n, "cannot read the offsets file %s: %s", path, buf ? strerror(rerr) : "out of memory");
    free(buf);
    return KC_EIO;
  }
  *data = buf;
  *len = used;
  return 0;
}

/* Reads and checks the whole file before anything is contacted. */
static int load_offsets(const char *path, char **data, imp_list_t *l, char *err, size_t n) {
  size_t len;
  if (read_whole(path, data, &len, err, n)) return KC_EIO;
  if (len == 0) {
    snprintf(err, n, "%s is empty: it holds no offsets to import", path);
    return KC_EINVAL;
  }
  char why[300] = "";
  int complete = 0;
  int rc = kc_offset_codec_decode_ex(*data, len, collect, l, &complete, why, sizeof why);
  if (rc) {
    snprintf(err, n, "%s is not an offsets file (a Java-serialized map of byte arrays, as "
             "offset.storage.file.filename holds): %s", path, *l->err ? l->err : why);
    return KC_EINVAL;
  }
  if (!complete) {
    snprintf(err, n, "%s is truncated after %zu complete entr%s (%zu bytes); a worker would start from no "
             "offsets; refusing to import part of it", path, l->n, l->n == 1 ? "y" : "ies", len);
    return KC_EINVAL;
  }
  if (l->n == 0) {
    snprintf(err, n, "%s holds no offsets to import", path);
    return KC_EINVAL;
  }
  return 0;
}

static int conf_set(rd_kafka_conf_t *c, const char *k, const char *v, char *err, size_t n) {
  char es[256];
  if (rd_kafka_conf_set(c, k, v, es, sizeof es) == RD_KAFKA_CONF_OK) return 0;
  snprintf(err, n, "cannot set the producer setting %s=%s: %s", k, v, es);
  return KC_EINVAL;
}

/* Broker connection errors are the useful part when the cluster cannot be reached: kept, in the
 * command's own prefix; librdkafka's debug chatter is not. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  if (level <= 4) fprintf(stderr, "kconnect offsets import: librdkafka %s: %s\n", fac, buf);
}

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  imp_delivery_t *d = opaque;
  imp_entry_t *e = m->_private;
  if (m->err) {
    if (!d->failed++)
      snprintf(d->first_error, sizeof d->first_error, "%s", rd_kafka_err2str(m->err));
    return;
  }
  d->delivered++;
  if (e) e->partition = m->partition;
}

/* Partition count, or KC_E* with err: a topic must exist (metadata of all topics: asking for one
 * by name could make a broker with auto.create.topics.enable create it uncompacted). */
static int topic_partitions(rd_kafka_t *rk, const char *topic, const char *bootstrap, int32_t *parts, char *err,
                            size_t n) {
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t me = rd_kafka_metadata(rk, 1, NULL, &md, METADATA_TIMEOUT_MS);
  if (me) {
    snprintf(err, n, "cannot reach the Kafka cluster at %s to find offset.storage.topic %s: %s", bootstrap, topic,
             rd_kafka_err2str(me));
    return KC_EIO;
  }
  int rc = KC_ENOENT;
  for (int i = 0; i < md->topic_cnt; i++) {
    if (strcmp(md->topics[i].topic, topic)) continue;
    if (md->topics[i].err) {
      snprintf(err, n, "offset.storage.topic %s: %s", topic, rd_kafka_err2str(md->topics[i].err));
      rc = KC_EIO;
    } else {
      *parts = md->topics[i].partition_cnt;
      rc = 0;
    }
  }
  rd_kafka_metadata_destroy(md);
  if (rc == KC_ENOENT)
    snprintf(err, n, "offset.storage.topic %s does not exist in the Kafka cluster at %s: start a distributed "
             "worker with this worker file once (it creates the topic), then import", topic, bootstrap);
  return rc;
}

/* cleanup.policy must be compact, as KafkaOffsetBackingStore checks at start: a worker would
 * refuse the topic, so the import does too. */
static int check_compacted(rd_kafka_t *rk, const char *topic, char *err, size_t n) {
  rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
  rd_kafka_ConfigResource_t *res = rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic);
  rd_kafka_AdminOptions_t *o = rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  char es[256];
  rd_kafka_AdminOptions_set_request_timeout(o, METADATA_TIMEOUT_MS, es, sizeof es);
  rd_kafka_DescribeConfigs(rk, &res, 1, o, q);
  rd_kafka_event_t *ev = rd_kafka_queue_poll(q, METADATA_TIMEOUT_MS + 5000);
  int rc = 0;
  const char *policy = NULL;
  if (!ev || rd_kafka_event_error(ev)) {
    snprintf(err, n, "cannot describe offset.storage.topic %s: %s", topic,
             ev ? rd_kafka_event_error_string(ev) : "timed out");
    rc = KC_EIO;
  } else {
    const rd_kafka_DescribeConfigs_result_t *r = rd_kafka_event_DescribeConfigs_result(ev);
    size_t cnt = 0, ne = 0;
    const rd_kafka_ConfigResource_t **rs = r ? rd_kafka_DescribeConfigs_result_resources(r, &cnt) : NULL;
    if (cnt == 1 && rd_kafka_ConfigResource_error(rs[0])) {
      snprintf(err, n, "cannot describe offset.storage.topic %s: %s", topic,
               rd_kafka_ConfigResource_error_string(rs[0]));
      rc = KC_EIO;
    } else if (cnt == 1) {
      const rd_kafka_ConfigEntry_t **es2 = rd_kafka_ConfigResource_configs(rs[0], &ne);
      for (size_t i = 0; i < ne; i++)
        if (!strcmp(rd_kafka_ConfigEntry_name(es2[i]), "cleanup.policy")) policy = rd_kafka_ConfigEntry_value(es2[i]);
      if (!policy || strcmp(policy, "compact")) {
        snprintf(err, n, "Topic '%s' supplied via the 'offset.storage.topic' property is required to have "
                 "'cleanup.policy=compact' to guarantee consistency and durability of source connector "
                 "offsets, but found the topic currently has 'cleanup.policy=%s'.", topic, policy ? policy : "");
        rc = KC_EINVAL;
      }
    }
  }
  if (ev) rd_kafka_event_destroy(ev);
  rd_kafka_AdminOptions_destroy(o);
  rd_kafka_ConfigResource_destroy(res);
  rd_kafka_queue_destroy(q);
  return rc;
}

/* ---- what the topic holds now, so each line says what it replaces ---- */

static uint64_t key_hash(const void *p, size_t n) {
  const unsigned char *b = p;
  uint64_t h = 1469598103934665603ull; /* FNV-1a */
  for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 1099511628211ull;
  return h;
}

typedef struct {
  imp_entry_t **slots;
  size_t mask;
} key_index_t;

static int index_build(key_index_t *ix, imp_list_t *l) {
  size_t cap = 16;
  while (cap < l->n * 2) cap *= 2;
  ix->slots = calloc(cap, sizeof *ix->slots);
  if (!ix->slots) return KC_ENOMEM;
  ix->mask = cap - 1;
  for (size_t i = 0; i < l->n; i++) {
    size_t h = key_hash(l->v[i].key, l->v[i].klen) & ix->mask;
    while (ix->slots[h]) h = (h + 1) & ix->mask;
    ix->slots[h] = &l->v[i];
  }
  return 0;
}

static imp_entry_t *index_find(const key_index_t *ix, const void *key, size_t klen) {
  for (size_t h = key_hash(key, klen) & ix->mask; ix->slots[h]; h = (h + 1) & ix->mask)
    if (ix->slots[h]->klen == klen && !memcmp(ix->slots[h]->key, key, klen)) return ix->slots[h];
  return NULL;
}

static int remember_old(imp_entry_t *e, const rd_kafka_message_t *m) {
  free(e->old);
  e->old = NULL;
  e->old_state = m->payload ? OLD_VALUE : OLD_TOMBSTONE;
  if (!m->payload) return 0;
  e->old = malloc(m->len ? m->len : 1);
  if (!e->old) return KC_ENOMEM;
  memcpy(e->old, m->payload, m->len);
  e->oldlen = m->len;
  return 0;
}

/* The import's own client id (and its reader's group id): never the cluster's group. */
static void import_client_id(const kc_config_t *props, char *out, size_t n) {
  const char *group = kc_config_get(props, "group.id");
  snprintf(out, n, "%s-offsets-import", group ? group : "connect-cluster");
}

/* Reads every partition from the beginning to its current end (as a worker does at start: no
 * group, nothing committed) and keeps, per imported key, the last value found. */
static int read_existing(const kc_config_t *props, const char *topic, int32_t parts, imp_list_t *l, char *err,
                         size_t n) {
  rd_kafka_conf_t *conf = NULL;
  if (kc_kafka_conf_build(props, KC_KAFKA_CONSUMER, NULL, &conf, err, n)) return KC_EINVAL;
  /* librdkafka's assign() wants a group.id even when nothing joins or commits (auto commit is
   * off): one of the import's own, never the cluster's. */
  char gid[300];
  import_client_id(props, gid, sizeof gid);
  int rc = conf_set(conf, "enable.partition.eof", "true", err, n);
  if (!rc) rc = conf_set(conf, "group.id", gid, err, n);
  if (!rc) rc = conf_set(conf, "client.id", gid, err, n);
  if (rc) {
    rd_kafka_conf_destroy(conf);
    return rc;
  }
  rd_kafka_conf_set_log_cb(conf, on_log);
  char es[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, es, sizeof es);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    snprintf(err, n, "cannot create the Kafka consumer: %s", es);
    return KC_EINVAL;
  }
  key_index_t ix = {0};
  int64_t *end = calloc((size_t)parts, sizeof *end);
  rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(parts);
  int open = 0;
  rc = !end || !tp || index_build(&ix, l) ? KC_ENOMEM : 0;
  for (int32_t p = 0; !rc && p < parts; p++) {
    int64_t lo = 0, hi = 0;
    rd_kafka_resp_err_t we = rd_kafka_query_watermark_offsets(rk, topic, p, &lo, &hi, METADATA_TIMEOUT_MS);
    if (we) {
      snprintf(err, n, "cannot read the end offset of %s partition %d: %s", topic, (int)p, rd_kafka_err2str(we));
      rc = KC_EIO;
    } else if (hi > lo) {
      end[p] = hi;
      rd_kafka_topic_partition_list_add(tp, topic, p)->offset = RD_KAFKA_OFFSET_BEGINNING;
      open++;
    }
  }
  rd_kafka_resp_err_t ae = RD_KAFKA_RESP_ERR_NO_ERROR;
  if (!rc && open && (ae = rd_kafka_assign(rk, tp))) {
    snprintf(err, n, "cannot read %s: %s", topic, rd_kafka_err2str(ae));
    rc = KC_EIO;
  }
  rd_kafka_message_t *m;
  for (int waited = 0; !rc && open > 0 && waited < READ_TIMEOUT_MS;) {
    if (!(m = rd_kafka_consumer_poll(rk, 500))) {
      waited += 500;
      continue;
    }
    int32_t p = m->partition;
    bool mine = m->rkt && !strcmp(rd_kafka_topic_name(m->rkt), topic) && p >= 0 && p < parts && end[p];
    if (m->err && m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      snprintf(err, n, "cannot read %s: %s", topic, rd_kafka_message_errstr(m));
      rc = KC_EIO;
    } else if (mine) {
      imp_entry_t *e = m->err || !m->key ? NULL : index_find(&ix, m->key, m->key_len);
      if (e) rc = remember_old(e, m);
      if (m->err || m->offset + 1 >= end[p]) {
        end[p] = 0;
        open--;
      }
    }
    rd_kafka_message_destroy(m);
  }
  if (!rc && open > 0) {
    snprintf(err, n, "could not read %s to its end within %d s", topic, READ_TIMEOUT_MS / 1000);
    rc = KC_ETIMEDOUT;
  }
  if (tp) rd_kafka_topic_partition_list_destroy(tp);
  free(end);
  free(ix.slots);
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  return rc;
}

static void print_entry(const char *verb, const char *topic, const imp_entry_t *e) {
  printf("%s %s partition %d: key %.*s value ", verb, topic, (int)e->partition, (int)e->klen, (const char *)e->key);
  if (e->val)
    printf("%.*s", (int)e->vlen, (const char *)e->val);
  else
    printf("null (tombstone)");
  bool same = e->old_state == OLD_VALUE && e->val && e->oldlen == e->vlen && !memcmp(e->old, e->val, e->vlen);
  if (same || (e->old_state == OLD_TOMBSTONE && !e->val))
    printf(" (unchanged)\n");
  else if (e->old_state == OLD_VALUE)
    printf(" (replaces %.*s)\n", (int)e->oldlen, e->old);
  else if (e->old_state == OLD_TOMBSTONE)
    printf(" (was reset)\n");
  else
    printf(e->val ? " (new)\n" : " (no offset to reset)\n");
}

static int do_import(const kc_config_t *props, const char *topic, imp_list_t *l, bool dry_run, char *err,
                     size_t n) {
  rd_kafka_conf_t *conf = NULL;
  if (kc_kafka_conf_build(props, KC_KAFKA_PRODUCER, NULL, &conf, err, n)) return KC_EINVAL;
  char cid[300];
  import_client_id(props, cid, sizeof cid);
  imp_delivery_t d = {0};
  int rc = conf_set(conf, "client.id", cid, err, n);
  /* KafkaBasedLog's producer settings, so the records are those a worker sends; a bounded
   * delivery timeout instead of a worker's infinite one: a command must end. */
  if (!rc) rc = conf_set(conf, "acks", "all", err, n);
  if (!rc) rc = conf_set(conf, "max.in.flight.requests.per.connection", "1", err, n);
  if (!rc) rc = conf_set(conf, "enable.idempotence", "false", err, n);
  if (!rc) rc = conf_set(conf, "partitioner", "murmur2_random", err, n);
  if (!rc) rc = conf_set(conf, "message.timeout.ms", "30000", err, n);
  if (rc) {
    rd_kafka_conf_destroy(conf);
    return rc;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, on_delivery);
  rd_kafka_conf_set_log_cb(conf, on_log);
  rd_kafka_conf_set_opaque(conf, &d);
  char es[512];
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, es, sizeof es);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    snprintf(err, n, "cannot create the Kafka producer: %s", es);
    return KC_EINVAL;
  }
  const char *bootstrap = kc_config_get(props, "bootstrap.servers");
  int32_t parts = 0;
  rc = topic_partitions(rk, topic, bootstrap ? bootstrap : "localhost:9092", &parts, err, n);
  if (!rc) rc = check_compacted(rk, topic, err, n);
  rd_kafka_topic_t *rkt = rc ? NULL : rd_kafka_topic_new(rk, topic, NULL);
  if (!rc && !rkt) {
    snprintf(err, n, "cannot open topic %s: %s", topic, rd_kafka_err2str(rd_kafka_last_error()));
    rc = KC_EIO;
  }
  /* The partition Java's default partitioner picks; librdkafka's murmur2 partitioner is the same
   * function, and the delivery report confirms it for every record sent. */
  for (size_t i = 0; !rc && i < l->n; i++)
    l->v[i].partition = rd_kafka_msg_partitioner_murmur2(rkt, l->v[i].key, l->v[i].klen, parts, NULL, NULL);
  if (!rc) rc = read_existing(props, topic, parts, l, err, n);
  if (!rc && dry_run) {
    for (size_t i = 0; i < l->n; i++) print_entry("would write to", topic, &l->v[i]);
    printf("dry run: %zu record(s) would be written to %s (%d partitions); nothing written\n", l->n, topic,
           (int)parts);
  }
  size_t sent = 0;
  int32_t *expect = NULL;
  if (!rc && !dry_run && !(expect = malloc(l->n * sizeof *expect))) {
    snprintf(err, n, "out of memory");
    rc = KC_ENOMEM;
  }
  for (size_t i = 0; !rc && !dry_run && i < l->n; i++) {
    expect[i] = l->v[i].partition;
    l->v[i].partition = -1;
    int prc;
    /* A large file can outrun the producer's queue (capped small for a sidecar): wait for room. */
    while ((prc = rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY, (void *)l->v[i].val,
                                   l->v[i].val ? l->v[i].vlen : 0, l->v[i].key, l->v[i].klen, &l->v[i])) == -1 &&
           rd_kafka_last_error() == RD_KAFKA_RESP_ERR__QUEUE_FULL)
      rd_kafka_poll(rk, 100);
    if (prc == -1) {
      snprintf(err, n, "cannot send record %zu to %s: %s (%zu of %zu sent before)", i, topic,
               rd_kafka_err2str(rd_kafka_last_error()), sent, l->n);
      rc = KC_EIO;
    } else {
      sent++;
    }
  }
  if (sent) {
    rd_kafka_resp_err_t fe = rd_kafka_flush(rk, FLUSH_TIMEOUT_MS);
    if (!rc && (fe || d.failed || d.delivered != sent)) {
      snprintf(err, n, "only %zu of %zu offset record(s) were acknowledged by %s: %s; run the import again "
               "(records are idempotent: the same key and value)", d.delivered, sent, topic,
               d.failed ? d.first_error : rd_kafka_err2str(fe));
      rc = KC_EIO;
    }
    for (size_t i = 0; !rc && i < l->n; i++) {
      print_entry("wrote to", topic, &l->v[i]);
      if (l->v[i].partition != expect[i])
        fprintf(stderr, "kconnect offsets import: WARNING record %zu landed on partition %d, not %d\n", i,
                (int)l->v[i].partition, (int)expect[i]);
    }
    if (!rc) printf("imported %zu offset record(s) into %s (%d partitions)\n", l->n, topic, (int)parts);
  }
  free(expect);
  if (rkt) rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
  return rc;
}

static int offsets_import(int argc, char **argv) {
  const char *worker = NULL, *file = NULL;
  bool dry_run = false;
  for (int i = 0; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--dry-run")) {
      dry_run = true;
    } else if ((!strcmp(argv[i], "--worker") || !strcmp(argv[i], "--file")) && i + 1 < argc) {
      *(argv[i][2] == 'w' ? &worker : &file) = argv[i + 1];
      i++;
    } else {
      fprintf(stderr, "kconnect offsets import: unexpected argument '%s'\n\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  if (!worker || !file) {
    fprintf(stderr, "kconnect offsets import: --worker and --file are required\n\n");
    usage(stderr);
    return 2;
  }
  char err[2048] = "";
  kc_config_t *props = kc_props_load_file(worker, err, sizeof err);
  if (!props) {
    fprintf(stderr, "kconnect offsets import: cannot load the worker config: %s\n", err);
    return 1;
  }
  kc_worker_config_t *wc = kc_worker_config_create(props, err, sizeof err);
  if (!wc) {
    fprintf(stderr, "kconnect offsets import: invalid worker config %s: %s\n", worker, err);
    return 1;
  }
  kc_distributed_config_t dc;
  if (kc_distributed_config_parse(wc, &dc, err, sizeof err)) {
    fprintf(stderr, "kconnect offsets import: %s is not a distributed worker config: %s\n", worker, err);
    kc_worker_config_destroy(wc);
    return 1;
  }
  imp_list_t l = {0};
  char *data = NULL;
  int rc = load_offsets(file, &data, &l, err, sizeof err);
  if (!rc) rc = do_import(wc->props, dc.offset_topic.name, &l, dry_run, err, sizeof err);
  if (rc) fprintf(stderr, "kconnect offsets import: %s\n", err);
  for (size_t i = 0; i < l.n; i++) free(l.v[i].old);
  free(l.v);
  free(data);
  kc_distributed_config_clear(&dc);
  kc_worker_config_destroy(wc);
  return rc ? 1 : 0;
}

int kc_cli_offsets_main(int argc, char **argv) {
  if (argc >= 2 && !strcmp(argv[1], "import")) return offsets_import(argc - 2, argv + 2);
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(stdout);
    return 0;
  }
  fprintf(stderr, "kconnect offsets: unknown or missing command%s%s (import)\n\n", argc >= 2 ? " " : "",
          argc >= 2 ? argv[1] : "");
  usage(stderr);
  return 2;
}
