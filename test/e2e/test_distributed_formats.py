#!/usr/bin/env python3
"""kconnect's records in the three internal topics against Java Connect 3.9.1's, for the same REST
script (test/e2e/java_connect_ref.py: create a FileStreamSource, offset flush, pause, resume, stop,
resume, restart?includeTasks, create a 2-task FileStreamSink, delete the source).

Both runs use fresh names; the comparison replaces each run's name suffix, work dir and worker id by
placeholders, so record values compare byte for byte. Partitions differ with the names, so each
record's partition is checked against Kafka's murmur2 partitioner on its own key bytes instead.
What may differ, and why, is asserted narrowly: the session key's bytes and time (random), the
generation numbers in statuses (rebalance counts), Java's repeated tombstones and topic-status
records (a race in Java's writer).
# kctest: run-serial  (a JVM worker)
"""
import base64
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import java_connect_ref  # noqa: E402
from test_java_connect_ref import kafka_partition  # noqa: E402


def normalizer(ref):
    sfx = ref["group_id"].split("-")[-1]
    wd = ref["source"]["file"].rsplit("/", 1)[0]
    wid = ref["worker_id"]

    def n(t):
        return None if t is None else t.replace(sfx, "SFX").replace(wd, "WD").replace(wid, "WID")
    return n


def check_partitions(ref, kind):
    parts = ref["partitions"][kind]
    for r in ref[kind]:
        key = base64.b64decode(r["key_b64"])
        assert r["partition"] == kafka_partition(key, parts), (kind, r)


def collapse(values):
    """Consecutive repeats removed (Java writes some tombstones and topic records twice or thrice)."""
    out = []
    for v in values:
        if not out or out[-1] != v:
            out.append(v)
    return out


def test_records_match_java():
    try:
        java = java_connect_ref.run_reference(impl="java", log=print)
    except java_connect_ref.JavaUnavailable as e:
        print("SKIP: %s" % e)
        return
    kc = java_connect_ref.run_reference(impl="kconnect", log=print)
    nj, nk = normalizer(java), normalizer(kc)

    # Config topic: the same records in the same order, byte for byte, but for the session key.
    cj = [(nj(r["key"]), nj(r["value"])) for r in java["config"] if r["key"] != "session-key"]
    ck = [(nk(r["key"]), nk(r["value"])) for r in kc["config"] if r["key"] != "session-key"]
    for a, b in zip(cj, ck):
        print("config %-40s %s" % (b[0], "same" if a == b else "DIFFERS"))
    assert ck == cj, "\n".join("java %s\nkc   %s" % (a, b) for a, b in zip(cj, ck) if a != b) or (len(cj), len(ck))
    for ref in (java, kc):
        keys = [json.loads(r["value"]) for r in ref["config"] if r["key"] == "session-key"]
        assert keys and all(sorted(k) == ["algorithm", "creation-timestamp", "key"] and k["algorithm"] == "HmacSHA256"
                            and len(base64.b64decode(k["key"])) == 32 for k in keys), keys
    print("config topic: %d records identical (plus the session key, random by design)" % len(ck))

    # Offsets topic: identical keys and values, on murmur2's partition of the key.
    oj = [(nj(r["key"]), nj(r["value"])) for r in java["offset"]]
    ok = [(nk(r["key"]), nk(r["value"])) for r in kc["offset"]]
    assert ok == oj, (oj, ok)
    check_partitions(java, "offset")
    check_partitions(kc, "offset")
    print("offsets topic: %s" % ok)

    # Status topic: per key, the same values in the same order (generations aside).
    def per_key(ref, n):
        d = {}
        for r in ref["status"]:
            v = n(r["value"])
            v = None if v is None else re.sub(r'"generation":\d+', '"generation":G', v)
            v = None if v is None else re.sub(r'"discoverTimestamp":\d+', '"discoverTimestamp":T', v)
            # kconnect writes Connect 4.x's statuses (KIP-891 plugin version last); the reference is 3.9.1.
            v = None if v is None else re.sub(r',"version":(?:null|"[^"]*")\}$', '}', v)
            # Which of the sink's 2 tasks the consumer group gave the one partition to varies.
            v = None if v is None else re.sub(r'("connector":"jref-sink-SFX","task":)[01]\b', r'\1N', v)
            d.setdefault(n(r["key"]), []).append(v)
        return {k: collapse(v) for k, v in d.items()}
    sj, sk = per_key(java, nj), per_key(kc, nk)
    assert sorted(sk) == sorted(sj), (sorted(sj), sorted(sk))
    for k in sorted(sj):
        print("status %-55s java %d, kconnect %d values%s" % (k, len(sj[k]), len(sk[k]), "" if sj[k] == sk[k] else " DIFFER"))
    assert sk == sj, {k: (sj[k], sk[k]) for k in sj if sj[k] != sk[k]}
    check_partitions(java, "status")
    check_partitions(kc, "status")


if __name__ == "__main__":
    import kctest
    kctest.main([test_records_match_java])
