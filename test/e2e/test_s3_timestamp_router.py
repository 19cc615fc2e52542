"""End to end: the S3 sink behind transforms that change a record's topic (issue 11), on the real
broker and the local S3 server (tools/s3-local, versitygw).

Confluent's S3 sink (kafka-connect-storage-cloud, S3SinkTask.put) looks its TopicPartitionWriter
up by the record's topic after the transforms: since CC-35613 (10.6.11, 11.0.8, 12.x) a topic
changing SMT fails the task ("No writer found for topic partition ..."), before that it was a
NullPointerException. kconnect runs them instead, naming objects exactly as a TopicPartitionWriter
created for the routed topic-partition would (TopicPartitionWriter.fileKeyToCommit and the
partitioner's generatePartitionedPath, both by the routed topic):
  topics/<routed topic>/partition=<p>/<routed topic>+<p>+<first offset, 10 digits>.json
while files, rotation (flush.size counts the Kafka partition's records, whatever their route),
committed offsets and the crash recovery stay with the partition the records came from.

Input: the loghub Linux log (2,000 lines over 44 days, not in time order), each line's time as
the record's timestamp (produced explicitly), lines dealt round-robin over 3 partitions. The
expected objects are computed from the records read back from Kafka: rotations of flush.size
records per Kafka partition, each rotation grouped by routed topic (and encoded partition).

Tests:
  timestamp_router  TimestampRouter ${topic}-${timestamp}, yyyyMMdd: exactly the expected keys,
                    every record once, committed offsets = the partitions' end offsets
  regex_router      RegexRouter renaming the topic; the same checks
  router_collision  RegexRouter merging two topics onto one name: the task FAILS naming both
                    partitions (their keys would overwrite each other); the bucket and the
                    committed offsets hold only the partition that wrote the name first
  restart           kill -9 with a partial rotation spooled, more records produced while down,
                    a stale multipart upload of a routed key planted: after the restart the
                    objects equal an uninterrupted run, nothing lost or doubled, the stale upload
                    of our route aborted, a foreign one left alone
"""
import collections
import datetime
import json
import os
import shutil
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import kctest  # noqa: E402
from kctest import unique  # noqa: E402
from test_s3_sink import (S3Server, StopWaiting, WORKER_PROPS, committed, confluent_line,  # noqa: E402
                          json_line, loghub_rows, s3_connector, start_worker, wait_until_strict,
                          exited_ok)

PARTITIONS = 3
FLUSH = 50
PER_PART = 600          # 12 rotations per partition: every record ends in a complete object
SYSTEM = "Linux"

def create_topic(name, partitions):
    """The records carry their 2005 log times: time retention (7 days by default) would delete
    them at the broker's next retention check, under the sink's committed offsets."""
    return kctest.create_topic(name, partitions, {"retention.ms": "-1"})


TIMESTAMP_ROUTER = {
    "transforms": "route",
    "transforms.route.type": "org.apache.kafka.connect.transforms.TimestampRouter",
    "transforms.route.topic.format": "${topic}-${timestamp}",
    "transforms.route.timestamp.format": "yyyyMMdd",
}


def day_route(topic, ts):
    """TimestampRouter: SimpleDateFormat(yyyyMMdd) in UTC of the record timestamp."""
    return "%s-%s" % (topic, datetime.datetime.fromtimestamp(ts / 1000, datetime.timezone.utc).strftime("%Y%m%d"))


def rows():
    rs = loghub_rows(SYSTEM)[:PER_PART * PARTITIONS]
    assert len({day_route("t", r["ts"]) for r in rs}) > 20, "the input should span many days"
    return rs


def produce_ts(topic, records):
    """records: [(partition, key, value bytes, timestamp ms)], produced with those timestamps."""
    from confluent_kafka import Producer
    errors = []
    p = Producer({"bootstrap.servers": kctest.BOOTSTRAP, "linger.ms": 20, "enable.idempotence": True})
    for part, key, value, ts in records:
        p.produce(topic, value=value, key=key, partition=part, timestamp=ts,
                  on_delivery=lambda err, _m: err and errors.append(err))
        p.poll(0)
    assert p.flush(120) == 0, "records not delivered"
    assert not errors, errors[:3]


def deal(rs, start=0):
    """Row i goes to partition i % PARTITIONS, keyed by its LineId."""
    return [((start + i) % PARTITIONS, r["LineId"].encode(), json_line(r), r["ts"]) for i, r in enumerate(rs)]


def read_back_ts(topic, count):
    """{partition: [(offset, timestamp, value)]} as stored."""
    out = kctest.kcat("-C", "-t", topic, "-o", "beginning", "-c", str(count), "-e", "-q",
                      "-f", "%p %o %T %S\n%s", timeout=600)
    parts, i = collections.defaultdict(list), 0
    while i < len(out):
        nl = out.index(b"\n", i)
        p, o, ts, vlen = (int(x) for x in out[i:nl].split(b" "))
        parts[p].append((o, ts, out[nl + 1:nl + 1 + vlen]))
        i = nl + 1 + vlen
    assert sum(len(v) for v in parts.values()) == count
    for v in parts.values():
        v.sort()
    return dict(parts)


class Expected:
    """The objects for one topic: rotations of FLUSH records per Kafka partition, each grouped by
    (routed topic, encoded partition) in first-seen order, named by the routed topic."""

    def __init__(self, topic, parts, route):
        self.objects, self.commit, self.tail = {}, {}, []
        for p, recs in parts.items():
            complete = len(recs) // FLUSH * FLUSH
            self.commit[(topic, p)] = recs[complete][0] if complete < len(recs) else recs[-1][0] + 1
            self.tail.extend(confluent_line(v) for _, _, v in recs[complete:])
            for start in range(0, complete, FLUSH):
                files = {}
                for off, ts, v in recs[start:start + FLUSH]:
                    files.setdefault(route(topic, ts), (off, []))[1].append(confluent_line(v))
                for rt, (first, lines) in files.items():
                    key = "topics/%s/partition=%d/%s+%d+%010d.json" % (rt, p, rt, p, first)
                    assert key not in self.objects, key
                    self.objects[key] = lines

    def lines(self):
        return collections.Counter(l for ls in self.objects.values() for l in ls)


def wait_done(w, name, exp, bucket, timeout=180):
    def done():
        w.alive_or_raise()
        code, st = w.status(name)
        if code == 200 and any(t["state"] == "FAILED" for t in st.get("tasks", [])):
            raise StopWaiting("task FAILED: %s" % json.dumps(st)[:3000])
        got = committed(w, name)
        for tp, off in got.items():
            if tp not in exp.commit or off > exp.commit[tp]:
                raise StopWaiting("%s committed %s, expected at most %s" % (tp, off, exp.commit.get(tp)))
        return got == {tp: o for tp, o in exp.commit.items() if o > 0} and \
            len(kctest.s3_list_objects(bucket)) >= len(exp.objects)
    try:
        wait_until_strict(done, timeout, "%s to commit %s" % (name, exp.commit))
    except AssertionError as e:
        raise AssertionError("%s\nworker log:\n%s" % (e, w.tail(40)))


def check_bucket(bucket, exp):
    """Exactly the expected keys, each with its lines in offset order; every record once."""
    listed = dict(kctest.s3_list_objects(bucket))
    missing, extra = sorted(set(exp.objects) - set(listed)), sorted(set(listed) - set(exp.objects))
    assert not missing and not extra, "objects missing %s; unexpected %s" % (missing[:5], extra[:5])
    c = kctest.s3_client()
    seen = collections.Counter()
    for key, lines in exp.objects.items():
        got = kctest.s3_get(bucket, key, c)
        assert got.endswith(b"\n"), key
        got = got[:-1].split(b"\n")
        assert got == lines, "%s: %d lines, expected %d" % (key, len(got), len(lines))
        seen.update(got)
    assert seen == exp.lines() and max(seen.values()) == 1, "a record is missing or doubled"
    assert not set(exp.tail) & set(seen), "a record of an uncommitted rotation was uploaded"
    return len(listed), sum(seen.values())


def run_router(tag, transforms, route, checks_key):
    with S3Server():
        wd = kctest.tmpdir("kc-s3route-")
        os.makedirs(os.path.join(wd, "w"))
        topic = create_topic(unique("s3route-" + tag), PARTITIONS)
        rs = rows()
        produce_ts(topic, deal(rs))
        parts = read_back_ts(topic, len(rs))
        exp = Expected(topic, parts, route)
        assert all(off == PER_PART for off in exp.commit.values()), exp.commit
        # Every record's routed topic really differs from its Kafka topic.
        assert all(not k.startswith("topics/%s/" % topic) for k in exp.objects)
        checks_key(topic, exp)
        bucket = kctest.s3_create_bucket(unique("kc-s3route"))
        conn = s3_connector(unique("s3route-" + tag), [topic], bucket, os.path.join(wd, "spool"), FLUSH,
                            **transforms)
        w = start_worker(os.path.join(wd, "w"), [conn])
        try:
            wait_done(w, conn["name"], exp, bucket)
            n, recs = check_bucket(bucket, exp)
            assert committed(w, conn["name"]) == {(topic, p): kctest.topic_end_offset(topic, p)
                                                  for p in range(PARTITIONS)}
        finally:
            w.stop()
        exited_ok(w)
        routes = {k.split("/")[1] for k in exp.objects}
        print("  %s: %d objects under %d routed topics, %d records once each, committed %s" % (
            tag, n, len(routes), recs, sorted(exp.commit.values())), flush=True)
        kctest.s3_delete_bucket(bucket)
        shutil.rmtree(wd, ignore_errors=True)


def test_timestamp_router():
    def check(topic, exp):
        # Rotations holding records of several days give several files each.
        assert len(exp.objects) > PARTITIONS * PER_PART // FLUSH, "no rotation spans two days"
        assert all(k.startswith("topics/%s-2005" % topic) for k in exp.objects), next(iter(exp.objects))
    run_router("ts", TIMESTAMP_ROUTER, day_route, check)


def test_regex_router():
    xf = {"transforms": "rename", "transforms.rename.type": "org.apache.kafka.connect.transforms.RegexRouter",
          "transforms.rename.regex": "s3route-(.*)", "transforms.rename.replacement": "renamed-$1"}

    def route(topic, _ts):
        return "renamed-" + topic[len("s3route-"):]

    def check(topic, exp):
        assert len(exp.objects) == PARTITIONS * PER_PART // FLUSH
    run_router("rx", xf, route, check)


def test_router_collision():
    """Two topics renamed onto one name would write the same keys (X+0+<offset>) and overwrite each
    other's objects. The first partition to write a route keeps it; the other's first record bound
    there fails the task. Whatever the first one made durable before may stay committed: only its
    records are in the bucket, and nothing of the other topic is committed."""
    with S3Server():
        wd = kctest.tmpdir("kc-s3route-")
        os.makedirs(os.path.join(wd, "w"))
        run = unique("s3merge")
        a, b = create_topic(run + "-a", 1), create_topic(run + "-b", 1)
        rs = rows()[:20]
        for t in (a, b):
            produce_ts(t, [(0, k, json_line(dict(r, src=t)), r["ts"]) for r, (_, k, _, _) in zip(rs, deal(rs))])
        bucket = kctest.s3_create_bucket(unique("kc-s3route"))
        xf = {"transforms": "merge", "transforms.merge.type": "org.apache.kafka.connect.transforms.RegexRouter",
              "transforms.merge.regex": "(.*)-[ab]", "transforms.merge.replacement": "$1-merged"}
        conn = s3_connector(unique("s3merge"), [a, b], bucket, os.path.join(wd, "spool"), 5, **xf)
        w = kctest.Worker(os.path.join(wd, "w"), WORKER_PROPS, [conn]).start()
        try:
            def failed():
                w.alive_or_raise()
                code, st = w.status(conn["name"])
                return code == 200 and [t for t in st.get("tasks", []) if t["state"] == "FAILED"]
            trace = kctest.wait_until(failed, 60, 0.2, "the task to fail")[0].get("trace", "")
            assert "%s-0" % a in trace and "%s-0" % b in trace and "collide" in trace, trace[:2000]
            got = committed(w, conn["name"])
        finally:
            w.stop()
        c = kctest.s3_client()
        keys = [k for k, _ in kctest.s3_list_objects(bucket)]
        srcs = collections.Counter(json.loads(line)["src"] for k in keys
                                   for line in kctest.s3_get(bucket, k, c).splitlines())
        assert len(srcs) <= 1, "objects hold records of both topics: %s" % srcs
        assert set(t for t, _ in got) <= set(srcs), "committed %s, objects hold %s" % (got, srcs)
        assert all(off <= srcs[t] for (t, _), off in got.items()), (got, srcs)
        assert all(k.startswith("topics/%s-merged/partition=0/%s-merged+0+" % (run, run)) for k in keys), keys
        print("  merge of %s and %s: task FAILED (%s); %d objects, all of %s; committed %s" % (
            a, b, trace.splitlines()[0][:160], len(keys), sorted(srcs) or "none", got), flush=True)
        kctest.s3_delete_bucket(bucket)
        shutil.rmtree(wd, ignore_errors=True)


def test_restart():
    with S3Server():
        wd = kctest.tmpdir("kc-s3route-")
        os.makedirs(os.path.join(wd, "w"))
        topic = create_topic(unique("s3route-kill"), PARTITIONS)
        rs = rows()
        half = (PER_PART // 2 + FLUSH // 2) * PARTITIONS   # 6.5 rotations per partition
        produce_ts(topic, deal(rs[:half]))
        exp1 = Expected(topic, read_back_ts(topic, half), day_route)
        assert exp1.tail, "phase 1 must leave a partial rotation in the spool"
        bucket = kctest.s3_create_bucket(unique("kc-s3route-kill"))
        spool = os.path.join(wd, "spool")
        conn = s3_connector(unique("s3route-kill"), [topic], bucket, spool, FLUSH, **TIMESTAMP_ROUTER)
        wdir = os.path.join(wd, "w")
        w = start_worker(wdir, [conn])
        try:
            wait_done(w, conn["name"], exp1, bucket)
            # Committed exactly up to the last complete rotation; the partial one is held (in the
            # spool or its chunk), neither uploaded nor committed: kill -9 now.
            check_bucket(bucket, exp1)
        except BaseException:
            w.stop()
            raise
        w.signal(signal.SIGKILL)
        w.proc.wait()
        w.log.close()
        # While it is down: the rest of the records, and two planted multipart uploads: one of a
        # routed key the restarted task will write (a dead run's, to abort), one of a partition
        # this connector does not have (someone else's, to leave alone).
        produce_ts(topic, deal(rs[half:], start=half))
        parts = read_back_ts(topic, len(rs))
        exp = Expected(topic, parts, day_route)
        assert all(off == PER_PART for off in exp.commit.values())
        c = kctest.s3_client()
        p0 = parts[0]
        first_uncommitted = next(i for i, (o, _, _) in enumerate(p0) if o == exp1.commit[(topic, 0)])
        o, ts, _ = p0[first_uncommitted]
        rt = day_route(topic, ts)
        stale_key = "topics/%s/partition=0/%s+0+%010d.json" % (rt, rt, o)
        assert stale_key in exp.objects, stale_key
        foreign_key = "topics/%s/partition=7/%s+7+%010d.json" % (rt, rt, o)
        stale = c.create_multipart_upload(Bucket=bucket, Key=stale_key)["UploadId"]
        foreign = c.create_multipart_upload(Bucket=bucket, Key=foreign_key)["UploadId"]
        w = start_worker(wdir, [conn])
        try:
            wait_done(w, conn["name"], exp, bucket)
            committed_after = committed(w, conn["name"])
            kctest.wait_until(lambda: [u for _, u in kctest.s3_list_multipart_uploads(bucket)] == [foreign],
                              60, 0.2, "only the foreign upload left (have %s)" % kctest.s3_list_multipart_uploads(bucket))
        finally:
            w.stop()
        exited_ok(w)
        log = w.tail(1000000)
        assert stale in log and "aborting multipart upload" in log, w.tail(40)
        assert foreign not in log
        n, recs = check_bucket(bucket, exp)
        assert committed_after == {(topic, p): PER_PART for p in range(PARTITIONS)}, committed_after
        print("  kill -9 with %d records of partial rotations held and %s committed; after restart: "
              "%d objects, %d records once each, committed %s; stale routed upload aborted, foreign "
              "one kept" % (len(exp1.tail), sorted(exp1.commit.values()), n, recs,
                            sorted(committed_after.values())),
              flush=True)
        c.abort_multipart_upload(Bucket=bucket, Key=foreign_key, UploadId=foreign)
        kctest.s3_delete_bucket(bucket)
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    kctest.main([test_timestamp_router, test_regex_router, test_router_collision, test_restart])
