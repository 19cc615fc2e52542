"""End to end: rotate.file.on.partition.change of the S3 sink (issue 8, finding 9a) against the
local S3 server (tools/s3-local) and the local Kafka broker, on the loghub data.

Confluent's TopicPartitionWriter (10.6.3+, default true): with rotate.interval.ms > 0 and a
time-based partitioner, before a record is written, if the Kafka partition's current files hold
records and the record's encoded partition differs from the one of the last record written,
every open file of that Kafka partition is committed first. The time-interval rule (record time
minus the first record time of the files >= rotate.interval.ms) is checked at the same point;
flush.size is checked after the write. The committed offset is the last written offset + 1.

The test runs two connectors on the same topics (HDFS, Linux and Zookeeper logs: their rows span
many hours, Zookeeper's go back and forth) with TimeBasedPartitioner hourly in Asia/Seoul on the
rows' own time, rotate.interval.ms of 6 hours and flush.size 500: one with the key left at its
default (true), one with it false. The expected objects (keys, lines in offset order) and
committed offsets of each are computed here from the records as stored in Kafka by simulating
the rule, independently of the sink; the two expectations must differ, and each bucket must hold
exactly its own. The S3 server is started through test_s3_sink.S3Server (kctest.s3_server_start),
so CMake gives this test the s3-local lock.
"""
import json
import os
import shutil

import kctest
from kctest import unique
import test_s3_sink as s3e

SYSTEMS = ["HDFS", "Linux", "Zookeeper"]
FLUSH = 500
INTERVAL_MS = 6 * 3600 * 1000


def simulate(topic, parts, on_change):
    """The objects, commits and never-uploaded tail the sink must produce for one topic."""
    exp = s3e.Expected(".json")
    for p, recs in parts.items():
        files, count, base_ts, last_enc, last_off, committed = {}, 0, None, None, -1, 0

        def rotate():
            nonlocal files, count, base_ts, committed
            for enc, (first, lines) in files.items():
                key = "topics/%s/%s/%s+%d+%010d.json" % (topic, enc, topic, p, first)
                assert key not in exp.objects, key
                exp.objects[key] = lines
            committed = last_off + 1
            files, count, base_ts = {}, 0, None

        for off, v in recs:
            value = json.loads(v)
            ts, enc = value["ts"], s3e.seoul_hour_encoder(p, value)
            if count > 0 and base_ts is not None and ts - base_ts >= INTERVAL_MS:
                rotate()
            elif count > 0 and on_change and enc != last_enc:
                rotate()
            files.setdefault(enc, (off, []))[1].append(s3e.confluent_line(v))
            if base_ts is None:
                base_ts = ts
            last_enc, last_off = enc, off
            count += 1
            if count >= FLUSH:
                rotate()
        exp.commit[(topic, p)] = committed
        exp.tail.extend(l for _, lines in files.values() for l in lines)
    return exp


def merge(a, b):
    a.objects.update(b.objects)
    a.commit.update(b.commit)
    a.tail.extend(b.tail)
    return a


def test_rotate_on_partition_change():
    with s3e.S3Server():
        run = unique("s3rot")
        topics = {}
        for system in SYSTEMS:
            rows = s3e.loghub_rows(system)
            topic = kctest.create_topic("%s-%s" % (run, system.lower()), s3e.PARTITIONS)
            s3e.produce(topic, [(("%s-%s" % (system, r["LineId"])).encode(), s3e.json_line(r)) for r in rows])
            topics[topic] = s3e.read_back(topic, len(rows))
        exp_on, exp_off = s3e.Expected(".json"), s3e.Expected(".json")
        for topic, parts in topics.items():
            merge(exp_on, simulate(topic, parts, True))
            merge(exp_off, simulate(topic, parts, False))
        # The rule must matter on this data: other file boundaries, other names, other commits.
        differ = set(exp_on.objects) ^ set(exp_off.objects)
        assert len(differ) > 30, len(differ)
        assert exp_on.commit != exp_off.commit
        print("  expected: %d objects with the rule, %d without, %d keys differ" % (
            len(exp_on.objects), len(exp_off.objects), len(differ)), flush=True)
        wd = kctest.tmpdir("kc-s3rot-")
        b_on = kctest.s3_create_bucket(unique("kc-s3rot-on"))
        b_off = kctest.s3_create_bucket(unique("kc-s3rot-off"))
        spool = os.path.join(wd, "spool")
        extra = dict(s3e.TIME_BASED, **{"rotate.interval.ms": str(INTERVAL_MS)})
        c_on = s3e.s3_connector(unique("s3rot-on"), list(topics), b_on, spool, FLUSH, **extra)
        c_off = s3e.s3_connector(unique("s3rot-off"), list(topics), b_off, spool, FLUSH,
                                 **dict(extra, **{"rotate.file.on.partition.change": "false"}))
        w = s3e.start_worker(wd, [c_on, c_off])
        try:
            s3e.wait_done(w, c_off["name"], exp_off, b_off, timeout=60)
            # Both read the same records at once: the first is done, so the second has little left.
            s3e.wait_done(w, c_on["name"], exp_on, b_on, timeout=30)
            for label, b, exp in (("true", b_on, exp_on), ("false", b_off, exp_off)):
                n_obj, n_rec = s3e.check_bucket(b, exp)
                print("  rotate.file.on.partition.change=%-5s %4d objects, %5d records (%d uncommitted)" % (
                    label, n_obj, n_rec, len(exp.tail)), flush=True)
        finally:
            w.stop()
        s3e.exited_ok(w)
        kctest.s3_delete_bucket(b_on)
        kctest.s3_delete_bucket(b_off)
        shutil.rmtree(wd, ignore_errors=True)


if __name__ == "__main__":
    kctest.main([test_rotate_on_partition_change])
