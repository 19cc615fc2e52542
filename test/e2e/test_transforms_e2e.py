"""Transforms end to end on the real broker: a FileStreamSource whose records go through
HoistField$Value + InsertField$Value + RegexRouter into the routed topic, and FileStreamSinks whose
Filter runs under a RecordIsTombstone predicate and a negated TopicNameMatches. Filtered records
still advance the committed offsets (GET /connectors/{c}/offsets equals the high watermark).
"""
import json
import os

import kctest
from kctest import unique


def offsets_of(w, name):
    code, body = w.request("GET", "/connectors/%s/offsets" % name)
    assert code == 200, (code, body)
    return {(e["partition"]["kafka_topic"], e["partition"]["kafka_partition"]): e["offset"]["kafka_offset"]
            for e in body["offsets"]}


def test_source_chain_routes_and_reshapes():
    wd = kctest.tmpdir("kc-xf-src-")
    src = kctest.loghub_files()[0]
    lines = kctest.loghub_lines(src)[:3000]
    path = os.path.join(wd, "in.log")
    with open(path, "wb") as f:
        f.write(b"".join(l + b"\n" for l in lines))
    base = unique("xf-src")
    raw, routed = base + "-raw", base + "-routed"
    w = kctest.Worker(wd).start()
    try:
        cfg = kctest.file_source(base, path, raw)
        cfg.update({
            "value.converter": "org.apache.kafka.connect.json.JsonConverter",
            "value.converter.schemas.enable": "false",
            "transforms": "hoist,insert,route",
            "transforms.hoist.type": "org.apache.kafka.connect.transforms.HoistField$Value",
            "transforms.hoist.field": "line",
            "transforms.insert.type": "org.apache.kafka.connect.transforms.InsertField$Value",
            "transforms.insert.topic.field": "origin",
            "transforms.insert.static.field": "source",
            "transforms.insert.static.value": "loghub",
            "transforms.route.type": "RegexRouter",
            "transforms.route.regex": "(.*)-raw",
            "transforms.route.replacement": "$1-routed",
        })
        code, body = w.request("POST", "/connectors", {"name": base, "config": cfg})
        assert code == 201, (code, body)
        w.wait_running(base)
        def filled():
            try:
                return kctest.topic_end_offset(routed, 0) >= len(lines)
            except AssertionError:  # not created yet
                return False
        kctest.wait_until(filled, 120, 0.3, "the routed topic filled")
        vals = kctest.consume_all(routed, len(lines), timeout=120)
        assert len(vals) == len(lines), (len(vals), len(lines))
        for i, (v, line) in enumerate(zip(vals, lines)):
            rec = json.loads(v)
            want = {"line": line.decode("utf-8", "replace"), "origin": raw, "source": "loghub"}
            assert rec == want, (i, rec, want)
            # InsertField appends topic, then the static field, after the hoisted line
            assert list(rec) == ["line", "origin", "source"], list(rec)
    finally:
        w.stop()


def test_source_chain_config_errors():
    wd = kctest.tmpdir("kc-xf-bad-")
    w = kctest.Worker(wd).start()
    try:
        name = unique("xf-bad")
        cfg = kctest.file_source(name, os.path.join(wd, "in"), unique("t"))
        cfg.update({"transforms": "r", "transforms.r.type": "RegexRouter", "transforms.r.regex": "(",
                    "transforms.r.replacement": "x"})
        code, v = w.request("PUT", "/connector-plugins/FileStreamSource/config/validate", cfg)
        assert code == 200 and v["error_count"] == 1, v
        assert "Transforms: r" in v["groups"], v["groups"]
        errs = [c["value"]["errors"] for c in v["configs"] if c["value"]["name"] == "transforms.r.regex"][0]
        assert errs and errs[0].startswith("Invalid value ( for configuration transforms.r.regex: Invalid regex"), errs
        code, body = w.request("POST", "/connectors", {"name": name, "config": cfg})
        assert code == 400, (code, body)
        code, plugins = w.request("GET", "/connector-plugins?connectorsOnly=false")
        kinds = {(p["class"], p["type"]) for p in plugins}
        assert ("org.apache.kafka.connect.transforms.RegexRouter", "transformation") in kinds, kinds
        assert ("org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", "predicate") in kinds
        code, keys = w.request("GET", "/connector-plugins/org.apache.kafka.connect.transforms.RegexRouter/config")
        assert code == 200 and [k["name"] for k in keys] == ["regex", "replacement"], (code, keys)
    finally:
        w.stop()


def test_sink_filter_with_predicates():
    wd = kctest.tmpdir("kc-xf-sink-")
    t1, t2 = unique("xf-keep"), unique("xf-other")
    kctest.create_topic(t1, 1)
    kctest.create_topic(t2, 1)
    lines = kctest.numbered_loghub_lines(4000)
    # every 7th record is a tombstone (kcat -Z sends an empty value after the key as null)
    payload = b"".join(b"k\x1f" + (b"" if i % 7 == 3 else l) + b"\n" for i, l in enumerate(lines))
    kctest.kcat("-P", "-Z", "-K", "\x1f", "-t", t1, input_bytes=payload, timeout=120)
    kctest.kcat("-P", "-t", t2, input_bytes=b"".join(l + b"\n" for l in lines[:500]), timeout=120)
    # the last records of t1 are tombstones: committed offsets must pass filtered records too
    kctest.kcat("-P", "-Z", "-K", "\x1f", "-t", t1, input_bytes=b"k\x1f\n" * 3, timeout=60)
    total1 = len(lines) + 3
    assert kctest.topic_end_offset(t1, 0) == total1
    recs = kctest.consume_records(t1, total1)
    assert sum(1 for _, v in recs if v is None) == 3 + sum(1 for i in range(len(lines)) if i % 7 == 3), \
        "tombstones were not produced"
    out = os.path.join(wd, "out.txt")
    name = unique("xf-sink")
    w = kctest.Worker(wd).start()
    try:
        cfg = kctest.file_sink(name, out, t1 + "," + t2)
        cfg.update({
            "transforms": "dropTombstones,onlyKeep",
            "transforms.dropTombstones.type": "org.apache.kafka.connect.transforms.Filter",
            "transforms.dropTombstones.predicate": "isTombstone",
            "transforms.onlyKeep.type": "Filter",
            "transforms.onlyKeep.predicate": "isKeep",
            "transforms.onlyKeep.negate": "true",
            "predicates": "isTombstone,isKeep",
            "predicates.isTombstone.type": "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
            "predicates.isKeep.type": "TopicNameMatches",
            "predicates.isKeep.pattern": "xf-keep.*",
        })
        code, body = w.request("POST", "/connectors", {"name": name, "config": cfg})
        assert code == 201, (code, body)
        want = [l for i, l in enumerate(lines) if i % 7 != 3]
        kctest.wait_for_lines(out, len(want), worker=w)
        expect = {(t1, 0): total1, (t2, 0): 500}
        last = {}

        def committed():
            last["v"] = offsets_of(w, name)
            return last["v"] == expect
        try:
            kctest.wait_until(committed, 60, 0.3, "committed past filtered records")
        except AssertionError:
            raise AssertionError("committed %r, want %r" % (last.get("v"), expect))
        got = kctest.read_sink_lines(out)
        assert got == want, "sink lines differ: %d vs %d" % (len(got), len(want))
        assert b"null" not in got
    finally:
        w.stop()


if __name__ == "__main__":
    kctest.main([test_source_chain_routes_and_reshapes, test_source_chain_config_errors,
                 test_sink_filter_with_predicates])
