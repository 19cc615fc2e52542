"""What Apache Kafka Connect 3.9.1 (distributed) writes to its internal topics, checked record by record.

Runs java_connect_ref (the real Java worker on the local broker, one FileStreamSource driven through
create / pause / resume / stop / resume / restart, a FileStreamSink with tasks.max=2, delete of the
source, SIGTERM) and asserts the structure connect-runtime.md section 5 describes: which keys each
operation writes and in which order, the exact value shapes and their byte form (compact JSON, key
order), tombstones, and the partition every status and offset record lands in (murmur2 of the key
bytes). Where Java and the spec differ, this test follows Java (the Java worker is the reference).
Prints every record. KC_JAVA_REF_OUT=<file> keeps the JSON.
"""
# kctest: run-serial  (starts a Java Connect JVM)
import base64
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import java_connect_ref  # noqa: E402
import kctest  # noqa: E402

S_STATUS_FIELDS = ["state", "trace", "worker_id", "generation"]


def murmur2(data):
    """Kafka's Utils.murmur2 (the default partitioner's hash of the key bytes), as an unsigned 32-bit int."""
    m, r = 0x5BD1E995, 24
    n = len(data)
    h = (0x9747B28C ^ n) & 0xFFFFFFFF
    for i in range(n // 4):
        k = int.from_bytes(data[4 * i:4 * i + 4], "little")
        k = (k * m) & 0xFFFFFFFF
        k ^= k >> r
        k = (k * m) & 0xFFFFFFFF
        h = ((h * m) & 0xFFFFFFFF) ^ k
    tail, rem = n & ~3, n % 4
    if rem == 3:
        h ^= data[tail + 2] << 16
    if rem >= 2:
        h ^= data[tail + 1] << 8
    if rem >= 1:
        h ^= data[tail]
        h = (h * m) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * m) & 0xFFFFFFFF
    h ^= h >> 15
    return h


def kafka_partition(key_bytes, partitions):
    return (murmur2(key_bytes) & 0x7FFFFFFF) % partitions


def java_hashmap_order(keys, buckets=16):
    """Iteration order of a java.util.HashMap<String,?> with this many buckets, keys inserted in the
    given order (String.hashCode, spread h ^ h>>>16; a bucket keeps insertion order)."""
    table = {}
    for k in keys:
        h = 0
        for unit in k.encode("utf-16-be").decode("utf-16-be"):
            h = (31 * h + ord(unit)) & 0xFFFFFFFF
        h ^= h >> 16
        table.setdefault(h & (buckets - 1), []).append(k)
    return [k for b in sorted(table) for k in table[b]]


def compact(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def value_of(rec):
    return None if rec["value"] is None else json.loads(rec["value"])


def raw(rec, what="value"):
    b = rec[what + "_b64"]
    return None if b is None else base64.b64decode(b)


def by_step(ref, kind):
    """{op: [records]} using the step end offsets (exact for the config topic, which REST-visible
    effects always follow)."""
    out = {s["op"]: [] for s in ref["steps"]}
    for rec in ref[kind]:
        out[java_connect_ref.step_of(ref, kind, rec)].append(rec)
    return out


def per_key(records):
    seq = {}
    for rec in records:  # offset order within a partition, and one key always lands in one partition
        seq.setdefault(rec["key"], []).append(rec)
    return seq


def check_config_topic(ref):
    src, sink = ref["source"], ref["sink"]
    S, K = src["name"], sink["name"]
    recs = ref["config"]
    assert all(r["partition"] == 0 for r in recs), "config topic must have one partition"
    steps = by_step(ref, "config")
    keys = {op: [r["key"] for r in rs] for op, rs in steps.items()}
    want = {
        "worker-start": ["session-key"],
        "create-source": ["connector-" + S, "task-%s-0" % S, "commit-" + S],
        "offset-flush": [],
        "pause": ["target-state-" + S],
        "resume": ["target-state-" + S],
        # KIP-875: an empty task-config set (a commit with 0 tasks, no task records) before the target state.
        "stop": ["commit-" + S, "target-state-" + S],
        # Resume from STOPPED: the target state, then the connector's new task configs.
        "resume-stopped": ["target-state-" + S, "task-%s-0" % S, "commit-" + S],
        "restart": ["restart-connector-" + S],
        "create-sink": ["connector-" + K, "task-%s-0" % K, "task-%s-1" % K, "commit-" + K],
        # Delete: connector tombstone, then target-state tombstone; task configs and commit stay.
        "delete-source": ["connector-" + S, "target-state-" + S],
        "worker-stop": [],
    }
    assert keys == want, "config keys per step:\n got  %s\n want %s" % (json.dumps(keys, indent=1),
                                                                        json.dumps(want, indent=1))
    for rec in recs:
        v = value_of(rec)
        assert raw(rec, "key") == rec["key"].encode(), "config key is not plain UTF-8: %r" % rec
        if v is not None:
            # Jackson: compact, no spaces, key order as written.
            assert raw(rec) == compact(v).encode(), "not compact JSON: %r" % rec["value"]

    sk = value_of(steps["worker-start"][0])
    assert list(sk) == ["key", "algorithm", "creation-timestamp"], sk
    assert sk["algorithm"] == "HmacSHA256" and isinstance(sk["creation-timestamp"], int), sk
    assert len(base64.b64decode(sk["key"])) == 32, "HmacSHA256 session key is 256 bits: %r" % sk

    # connector-<name>: the REST request's config in request order (Jackson's LinkedHashMap), then
    # "name", which the REST layer appends when the body's config lacks it.
    src_cfg = {"connector.class": "FileStreamSource", "tasks.max": "1", "file": src["file"], "topic": src["topic"]}
    c = value_of(steps["create-source"][0])
    assert list(c) == ["properties"], c
    assert list(c["properties"].items()) == list(src_cfg.items()) + [("name", S)], c
    sink_cfg = {"connector.class": "FileStreamSink", "tasks.max": "2", "file": sink["file"],
                "topics": sink["topics"]}
    c = value_of(steps["create-sink"][0])
    assert list(c["properties"].items()) == list(sink_cfg.items()) + [("name", K)], c

    # task-<name>-<n>: the connector config plus task.class, in java.util.HashMap iteration order (16 buckets).
    def check_task(rec, cfg, name, task_class):
        t = value_of(rec)
        assert list(t) == ["properties"], t
        want_props = dict(cfg, name=name)
        want_props["task.class"] = task_class
        assert t["properties"] == want_props, "task config %s: %r" % (rec["key"], t)
        order = java_hashmap_order(list(want_props))
        assert list(t["properties"]) == order, "task config key order %s, HashMap order %s" % (
            list(t["properties"]), order)
    for op in ("create-source", "resume-stopped"):
        check_task(steps[op][1], src_cfg, S, "org.apache.kafka.connect.file.FileStreamSourceTask")
    for rec in steps["create-sink"][1:3]:
        check_task(rec, sink_cfg, K, "org.apache.kafka.connect.file.FileStreamSinkTask")

    assert value_of(steps["create-source"][2]) == {"tasks": 1}
    assert value_of(steps["resume-stopped"][2]) == {"tasks": 1}
    assert value_of(steps["create-sink"][3]) == {"tasks": 2}
    assert value_of(steps["stop"][0]) == {"tasks": 0}
    target = [(op, rec["value"]) for op in ("pause", "resume", "stop", "resume-stopped")
              for rec in steps[op] if rec["key"].startswith("target-state-")]
    assert target == [("pause", '{"state":"PAUSED","state.v2":"PAUSED"}'),
                      ("resume", '{"state":"STARTED","state.v2":"STARTED"}'),
                      ("stop", '{"state":"PAUSED","state.v2":"STOPPED"}'),
                      ("resume-stopped", '{"state":"STARTED","state.v2":"STARTED"}')], target
    assert steps["restart"][0]["value"] == '{"include-tasks":true,"only-failed":false}', steps["restart"]
    assert [r["value"] for r in steps["delete-source"]] == [None, None], "delete must write two tombstones"


def check_offset_topic(ref):
    src = ref["source"]
    recs = ref["offset"]
    assert recs, "no source offset was committed"
    key = compact([src["name"], {"filename": src["file"]}]).encode()
    for rec in recs:
        assert raw(rec, "key") == key, "offset key %r, want %r" % (raw(rec, "key"), key)
        assert rec["partition"] == kafka_partition(key, ref["partitions"]["offset"]), \
            "offset record in partition %d, murmur2 says %d" % (rec["partition"],
                                                                kafka_partition(key, ref["partitions"]["offset"]))
        v = value_of(rec)
        assert v is not None, "Java does not tombstone source offsets on connector delete"
        assert raw(rec) == compact(v).encode() and list(v) == ["position"], rec["value"]
    assert value_of(recs[-1]) == {"position": src["file_bytes"]}, recs[-1]
    positions = [value_of(r)["position"] for r in recs]
    assert positions == sorted(positions), "offsets went backwards: %s" % positions


def states_of(recs):
    return [None if r["value"] is None else value_of(r)["state"] for r in recs]


def check_status_topic(ref):
    S, K = ref["source"]["name"], ref["sink"]["name"]
    topic = ref["source"]["topic"]
    wid = ref["worker_id"]
    n = ref["partitions"]["status"]
    assert wid == ref["rest_url"].split("//", 1)[1], "worker_id %r is the advertised host:port" % wid
    for rec in ref["status"]:
        kb = raw(rec, "key")
        assert rec["partition"] == kafka_partition(kb, n), "%s in partition %d, murmur2 says %d" % (
            rec["key"], rec["partition"], kafka_partition(kb, n))
        v = value_of(rec)
        if v is None:
            continue
        assert raw(rec) == compact(v).encode(), "not compact JSON: %r" % rec["value"]
        if rec["key"].startswith("status-topic-"):
            assert list(v) == ["topic"] and list(v["topic"]) == ["name", "connector", "task", "discoverTimestamp"], v
        else:
            assert list(v) == S_STATUS_FIELDS, "status fields %s" % list(v)
            assert v["trace"] is None and v["worker_id"] == wid and isinstance(v["generation"], int), v
    seq = per_key(ref["status"])
    ck, tk = "status-connector-" + S, "status-task-%s-0" % S
    for k in (ck, tk):
        gens = [value_of(r)["generation"] for r in seq[k] if r["value"] is not None]
        assert gens == sorted(gens), "%s generations go back: %s" % (k, gens)

    # Java's status writer sometimes repeats a tombstone (a rebalance clean-up racing the stop):
    # repeated tombstones are one event.
    def once(states):
        return [x for i, x in enumerate(states) if not (x is None and i > 0 and states[i - 1] is None)]
    c, t = once(states_of(seq[ck])), once(states_of(seq[tk]))
    print("status sequence %s: %s\nstatus sequence %s: %s" % (ck, c, tk, t))
    # RUNNING, pause, resume, stop, resume; then the restart: the instance is stopped (UNASSIGNED)
    # and marked RESTARTING before it runs again.
    assert c[:5] == ["RUNNING", "PAUSED", "RUNNING", "STOPPED", "RUNNING"], c
    rest = c[5:]
    assert rest[:3] == ["UNASSIGNED", "RESTARTING", "RUNNING"], c
    # Delete: UNASSIGNED when the instance stops, then DESTROYED = tombstone (the leader's clean-up
    # after the rebalance may write it more than once), and nothing after it.
    assert rest[3] == "UNASSIGNED" and rest[4:] and all(s is None for s in rest[4:]), c
    # The task: stop leaves it UNASSIGNED and then deletes its status (tombstone, 0 tasks) before
    # the resumed connector's new task 0 runs.
    assert t[:5] == ["RUNNING", "PAUSED", "RUNNING", "UNASSIGNED", None], t
    rest = t[5:]
    assert rest[:4] == ["RUNNING", "UNASSIGNED", "RESTARTING", "RUNNING"], t
    assert rest[4] == "UNASSIGNED" and rest[5:] and all(s is None for s in rest[5:]), t

    # Topic tracking: status-topic-<topic>:connector-<name>, written when a task first produces
    # (possibly more than once while the first write is in flight), tombstoned on delete.
    tk_src = "status-topic-%s:connector-%s" % (topic, S)
    vals = [value_of(r) for r in seq[tk_src]]
    live = [v for v in vals if v is not None]
    assert live and all(v["topic"]["name"] == topic and v["topic"]["connector"] == S and v["topic"]["task"] == 0
                        and isinstance(v["topic"]["discoverTimestamp"], int) for v in live), vals
    assert vals[-1] is None and vals.index(None) == len(live), "tracking records then tombstones: %s" % vals
    tk_sink = "status-topic-%s:connector-%s" % (topic, K)
    live = [value_of(r) for r in seq.get(tk_sink, []) if r["value"] is not None]
    assert live and all(v["topic"]["connector"] == K and v["topic"]["task"] in (0, 1) for v in live), live

    # The sink, still deployed at SIGTERM: RUNNING, then UNASSIGNED when the worker shuts down.
    for k in ("status-connector-" + K, "status-task-%s-0" % K, "status-task-%s-1" % K):
        s = states_of(seq.get(k, []))
        assert s == ["RUNNING", "UNASSIGNED"], "%s: %s" % (k, s)
    last = by_step(ref, "status")["worker-stop"]
    assert last and all(value_of(r)["state"] == "UNASSIGNED" for r in last), last


def test_java_distributed_records():
    try:
        ref = java_connect_ref.run_reference(log=lambda m: print(m, flush=True))
    except java_connect_ref.JavaUnavailable as e:
        print("SKIP: %s" % e)
        return
    out = os.environ.get("KC_JAVA_REF_OUT")
    if out:
        with open(out, "w") as f:
            json.dump(ref, f, indent=1)
        print("reference records written to %s" % out)
    print(java_connect_ref.format_records(ref), flush=True)
    check_config_topic(ref)
    check_offset_topic(ref)
    check_status_topic(ref)


if __name__ == "__main__":
    if not (shutil.which("java") and shutil.which("mvn")):
        print("SKIP: java or mvn not installed (tools/install-deps installs them)")
        sys.exit(0)
    kctest.main([test_java_distributed_records])
