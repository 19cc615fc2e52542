#!/usr/bin/env python3
"""An independent producer and reader of the Confluent Schema Registry wire format (magic 0x00,
4-byte big-endian schema id, Avro binary), for kconnect's AvroConverter tests.

It is built on PyPI's confluent-kafka (Confluent's own AvroSerializer / AvroDeserializer, fastavro
inside, and its SchemaRegistryClient), so what kconnect writes is checked against Confluent's
client rather than against our own reading of the format. The registry is any Confluent-compatible
one (tools/schema-registry-local's Apicurio: its `url`), optionally behind test/sr_auth_proxy.py
with basic auth.

Library:
    loghub_records(system, n)          -> (schema_str, [dict]) from the LogHub sample data
    loghub_evolved(system, n)          -> the same with one field added (with a default)
    produce(bootstrap, topic, registry_url, schema_str, records, key=None, auth=None) -> [schema id]
    consume(bootstrap, topic, registry_url, n, timeout, auth=None) -> [(key, value dict, schema id)]
    to_json(value) / from_json(schema_str, value): the JSON form the Java peer (test/apicurio_peer.py)
                                       reads and prints (epoch millis, decimal strings, hex bytes)
CLI (JSON lines on stdout, same form as to_json):
    avro_peer.py records SYSTEM N [--evolved]       print the schema line, then N records
    avro_peer.py produce --bootstrap B --registry URL --topic T --system S --count N [--key K] [--auth U:P]
    avro_peer.py consume --bootstrap B --registry URL --topic T --count N [--timeout S] [--auth U:P]
"""
import argparse
import binascii
import csv
import datetime
import decimal
import glob
import json
import os
import struct
import sys
import uuid

SHARED_DATA = os.environ.get("KC_SHARED_DATA", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                            "..", "..", "shared", "data"))
NAMESPACE = "io.kconnect.loghub"
UTC = datetime.timezone.utc
# LogHub's OpenSSH sample has syslog timestamps without a year; any fixed year gives stable values.
OPENSSH_YEAR = 2017

_OPT_STR = ["null", "string"]
_OPT_LONG = ["null", "long"]
_TS = {"type": "long", "logicalType": "timestamp-millis"}
_DEC = {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}


def _opt(name, typ=None, doc=None):
    f = {"name": name, "type": typ or _OPT_STR, "default": None}
    if doc:
        f["doc"] = doc
    return f


def _common_head():
    return [{"name": "line_id", "type": "long"},
            {"name": "timestamp", "type": _TS},
            {"name": "weight", "type": _DEC, "doc": "LineId / 100: a decimal(10,2) test value"}]


def _common_tail():
    return [{"name": "content", "type": "string"},
            _opt("event_id"),
            _opt("event_template")]


def _utc(dt):
    # The CSVs carry no zone; UTC keeps the epoch values independent of the machine's TZ.
    return dt.replace(tzinfo=UTC)


# Per system: extra optional fields, and a function from a CSV row to (timestamp, extras).
def _apache(row):
    ts = datetime.datetime.strptime(row["Time"], "%a %b %d %H:%M:%S %Y")
    return ts, {"level": row.get("Level") or None}


def _hdfs(row):
    ts = datetime.datetime.strptime(row["Date"] + row["Time"].zfill(6), "%y%m%d%H%M%S")
    pid = row.get("Pid")
    return ts, {"pid": int(pid) if pid else None, "level": row.get("Level") or None,
                "component": row.get("Component") or None}


def _openssh(row):
    ts = datetime.datetime.strptime("%d %s %s %s" % (OPENSSH_YEAR, row["Date"], row["Day"], row["Time"]),
                                    "%Y %b %d %H:%M:%S")
    pid = row.get("Pid")
    return ts, {"host": row.get("Component") or None, "pid": int(pid) if pid else None}


SYSTEMS = {
    "Apache": ([_opt("level")], _apache),
    "HDFS": ([_opt("pid", _OPT_LONG), _opt("level"), _opt("component")], _hdfs),
    "OpenSSH": ([_opt("host"), _opt("pid", _OPT_LONG)], _openssh),
}
# The field loghub_evolved adds: not nullable, so a reader of the old data must use the default.
EVOLVED_FIELD = {"name": "source", "type": "string", "default": "loghub"}


def _schema(system, evolved=False):
    extra = SYSTEMS[system][0]
    fields = _common_head() + extra + _common_tail()
    if evolved:
        fields = fields + [dict(EVOLVED_FIELD)]
    return {"type": "record", "name": system, "namespace": NAMESPACE,
            "doc": "LogHub %s sample, structured CSV" % system, "fields": fields}


def _csv_path(system):
    paths = sorted(glob.glob(os.path.join(SHARED_DATA, "loghub", system, "*_structured.csv")))
    if not paths:
        raise FileNotFoundError("no %s/*_structured.csv under %s/loghub (KC_SHARED_DATA)" % (system, SHARED_DATA))
    return paths[0]


def loghub_records(system, n, evolved=False):
    """The first n rows of LogHub's <system>/*_structured.csv as Avro-ready dicts (datetime for
    timestamp-millis, Decimal for decimal), and the schema (a JSON string) they conform to."""
    if system not in SYSTEMS:
        raise ValueError("system %r: one of %s" % (system, ", ".join(sorted(SYSTEMS))))
    parse = SYSTEMS[system][1]
    out = []
    with open(_csv_path(system), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if len(out) >= n:
                break
            ts, extras = parse(row)
            line_id = int(row["LineId"])
            rec = {"line_id": line_id, "timestamp": _utc(ts),
                   "weight": decimal.Decimal(line_id).scaleb(-2)}
            rec.update(extras)
            rec.update({"content": row["Content"], "event_id": row.get("EventId") or None,
                        "event_template": row.get("EventTemplate") or None})
            if evolved:
                rec["source"] = "loghub-%s" % system.lower()
            out.append(rec)
    if len(out) < n:
        raise ValueError("%s has only %d rows, %d asked" % (system, len(out), n))
    return json.dumps(_schema(system, evolved)), out


def loghub_evolved(system="Apache", n=10):
    """The evolved schema of `system` (EVOLVED_FIELD added, with a default) and n records of it."""
    return loghub_records(system, n, evolved=True)


def to_json(v):
    """A JSON-friendly copy of a decoded Avro value: datetime -> epoch milliseconds, Decimal -> its
    plain string, bytes -> hex. Values from fastavro and from the Java peer compare equal in it."""
    if isinstance(v, dict):
        return {k: to_json(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json(x) for x in v]
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=UTC)
        return int((v - datetime.datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1000)
    if isinstance(v, decimal.Decimal):
        return format(v, "f")
    if isinstance(v, (bytes, bytearray)):
        return binascii.hexlify(v).decode()
    return v


def from_json(schema_str, value):
    """Inverse of to_json for a record of schema_str's top-level fields (what the Java peer prints)."""
    schema = json.loads(schema_str)
    out = dict(value)
    for f in schema["fields"]:
        t = f["type"]
        if isinstance(t, list):
            t = next((b for b in t if b != "null"), t[0])
        v = out.get(f["name"])
        if v is None or not isinstance(t, dict):
            continue
        lt = t.get("logicalType")
        if lt == "timestamp-millis":
            out[f["name"]] = datetime.datetime.fromtimestamp(v / 1000.0, tz=UTC)
        elif lt == "decimal":
            out[f["name"]] = decimal.Decimal(v)
    return out


def _sr_client(registry_url, auth):
    from confluent_kafka.schema_registry import SchemaRegistryClient
    conf = {"url": registry_url}
    if auth:
        conf["basic.auth.user.info"] = "%s:%s" % tuple(auth)
    return SchemaRegistryClient(conf)


def schema_id_of(framed):
    """The schema id of a Confluent-framed value; raises ValueError on other bytes."""
    if framed is None or len(framed) < 5 or framed[0] != 0:
        raise ValueError("not Confluent framing: %r" % (framed[:8] if framed else framed))
    return struct.unpack(">I", framed[1:5])[0]


def produce(bootstrap, topic, registry_url, schema_str, records, key=None, auth=None):
    """Writes records (dicts) to topic with Confluent's AvroSerializer (auto-registers schema_str
    under <topic>-value, TopicNameStrategy). key: a str written as the record key (UTF-8) or None.
    auth: (user, password) for basic auth, or None. Returns the schema id of each record written."""
    from confluent_kafka import Producer
    from confluent_kafka.schema_registry.avro import AvroSerializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    ser = AvroSerializer(_sr_client(registry_url, auth), schema_str)
    p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "linger.ms": 5})
    ids, errors = [], []

    def on_delivery(err, _msg):
        if err is not None:
            errors.append(err)

    ctx = SerializationContext(topic, MessageField.VALUE)
    for rec in records:
        data = ser(rec, ctx)
        ids.append(schema_id_of(data))
        p.produce(topic, value=data, key=key.encode() if key is not None else None, on_delivery=on_delivery)
        p.poll(0)
    left = p.flush(60)
    if left or errors:
        raise RuntimeError("produce to %s: %d undelivered, errors %s" % (topic, left, errors[:3]))
    return ids


def consume(bootstrap, topic, registry_url, n, timeout, auth=None):
    """Reads n records of partition 0 of topic from the beginning with Confluent's AvroDeserializer.
    Returns [(key str or None, value dict, schema id)]; raises TimeoutError after timeout seconds."""
    import time
    from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
    from confluent_kafka.schema_registry.avro import AvroDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    de = AvroDeserializer(_sr_client(registry_url, auth))
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "avro-peer-%s" % uuid.uuid4(),
                  "enable.auto.commit": False})
    out = []
    try:
        c.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
        ctx = SerializationContext(topic, MessageField.VALUE)
        deadline = time.monotonic() + timeout
        while len(out) < n:
            if time.monotonic() > deadline:
                raise TimeoutError("consumed %d of %d records of %s in %ss" % (len(out), n, topic, timeout))
            m = c.poll(0.2)
            if m is None:
                continue
            if m.error():
                # The topic may not exist yet (auto-created on first produce): keep polling.
                continue
            raw = m.value()
            k = m.key().decode() if m.key() is not None else None
            out.append((k, de(raw, ctx), schema_id_of(raw)))
    finally:
        c.close()
    return out


def _parse_auth(s):
    if not s:
        return None
    user, _, pw = s.partition(":")
    return (user, pw)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="verb", required=True)
    r = sub.add_parser("records")
    r.add_argument("system")
    r.add_argument("n", type=int)
    r.add_argument("--evolved", action="store_true")
    for name in ("produce", "consume"):
        s = sub.add_parser(name)
        s.add_argument("--bootstrap", default=os.environ.get("KAFKA_BOOTSTRAP", "127.0.0.1:9092"))
        s.add_argument("--registry", required=True)
        s.add_argument("--topic", required=True)
        s.add_argument("--count", type=int, required=True)
        s.add_argument("--auth", help="USER:PASSWORD for basic auth")
        if name == "produce":
            s.add_argument("--system", default="Apache")
            s.add_argument("--evolved", action="store_true")
            s.add_argument("--key")
        else:
            s.add_argument("--timeout", type=float, default=60.0)
    a = ap.parse_args(argv)
    if a.verb == "records":
        schema, recs = loghub_records(a.system, a.n, evolved=a.evolved)
        print(schema)
        for rec in recs:
            print(json.dumps(to_json(rec), sort_keys=True))
    elif a.verb == "produce":
        schema, recs = loghub_records(a.system, a.count, evolved=a.evolved)
        for i in produce(a.bootstrap, a.topic, a.registry, schema, recs, key=a.key, auth=_parse_auth(a.auth)):
            print(i)
    else:
        for k, v, sid in consume(a.bootstrap, a.topic, a.registry, a.count, a.timeout, auth=_parse_auth(a.auth)):
            print(json.dumps({"key": k, "schema_id": sid, "value": to_json(v)}, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
