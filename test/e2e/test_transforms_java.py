"""kconnect's single message transforms and predicates against Apache Kafka's own Java classes.

Generates records from the loghub structured CSVs ($KC_SHARED_DATA/loghub/*/*_structured.csv):
each row as a schemaless map (schemas.enable false, and true with a null schema), as a Struct
with a rich schema (nested struct, array, map, optional fields with defaults, nulls, int8..float64,
bytes, Decimal, Date/Time/Timestamp), as a Struct of the dataset's own columns, as a primitive;
with null keys, string/struct/map/int keys, tombstones, headers (repeated keys, empty, null) and
missing timestamps. Runs a table of chains (every built-in transformation and predicate, $Key and
$Value, chains of 3, error cases) through test/java/TransformHarness.java (connect-transforms
4.3.1 from Maven Central; 3.9.1 for ReplaceField's blacklist/whitelist, gone in 4.0) and through
the C driver `test_xf_driver` (kc_xf_chain_create/kc_xf_chain_apply), and compares every output
line byte for byte: the drop, the exception class and message, or the topic, partition,
timestamp, key and value bytes (JsonConverter) and headers (SimpleHeaderConverter and
JsonConverter bytes).

Schemaless input maps are written in the order Java's HashMap iterates them (JsonConverter reads
into a HashMap), so a pass-through is byte-equal on both sides. Differences the README documents
("Differences", see KNOWN below: the key order of maps a transform builds, TimestampRouter's
"Timestamp missing" text, MaskField on a Decimal) are counted apart and pass unless
KC_XF_JAVA_STRICT=1; every other difference fails. KC_XF_JAVA_KEEP=1 keeps the work directory
(chains, records, both outputs).

Cast and TimestampConverter may not be built yet: their chains then fail with "Class ... could
not be found."; KC_XF_JAVA_SKIP_MISSING=1 lists them as MISSING instead of failing.

Skips (exit 0, "SKIP") only when java or mvn are missing (CI has both).
"""
import csv
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.environ.get("KC_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "bench"))
sys.path.insert(0, os.path.join(ROOT, "test"))

HARNESS = os.path.join(ROOT, "test", "java", "TransformHarness.java")
ROWS_PER_DATASET = int(os.environ.get("KC_XF_JAVA_ROWS", "30"))
STRICT = os.environ.get("KC_XF_JAVA_STRICT") == "1"
SKIP_MISSING = os.environ.get("KC_XF_JAVA_SKIP_MISSING") == "1"
SHOW = 3  # mismatching records printed per chain

T = "org.apache.kafka.connect.transforms."
P = "org.apache.kafka.connect.transforms.predicates."


def c_program():
    exe = os.path.join(os.path.dirname(os.environ.get("KCONNECT_BIN", os.path.join(ROOT, "build", "kconnect"))),
                       "test_xf_driver")
    if not os.path.exists(exe):
        raise RuntimeError("%s not built (cmake --build <dir> --target test_xf_driver)" % exe)
    return exe


def java_classpath(version):
    import benchlib
    home = os.path.join(benchlib.cache_dir(), "xf-java-%s" % version)
    libs = benchlib.mvn_copy([("org.apache.kafka", "connect-transforms", version),
                              ("org.apache.kafka", "connect-json", version)],
                             os.path.join(home, "libs"), os.path.join(home, "pom"))
    return ":".join(sorted(os.path.join(libs, j) for j in os.listdir(libs) if j.endswith(".jar")))


# ---- records ----

def schema(type_, optional=False, **kw):
    s = {"type": type_, "optional": optional}
    s.update(kw)
    return s


def field(name, s):
    d = dict(s)
    d["field"] = name
    return d


TS_S = schema("int64", name="org.apache.kafka.connect.data.Timestamp", version=1)
DATE_S = schema("int32", name="org.apache.kafka.connect.data.Date", version=1)
TIME_S = schema("int32", name="org.apache.kafka.connect.data.Time", version=1)
DEC_S = schema("bytes", True, name="org.apache.kafka.connect.data.Decimal", version=1, parameters={"scale": "2"})
EVENT_S = schema("struct", True, name="loghub.Event", fields=[
    field("id", schema("string")), field("template", schema("string", True)),
    field("where", schema("struct", True, fields=[field("component", schema("string", True)),
                                                  field("pid", schema("int64", True))]))])
LINE_S = schema("struct", name="loghub.Line", version=3, doc="one log line", fields=[
    field("LineId", schema("int64")),
    field("Pid", schema("int32", True)),
    field("Level", schema("string", True, default="INFO")),
    field("Component", schema("string", True)),
    field("Content", schema("string")),
    field("EventId", schema("string")),
    field("score", schema("double")),
    field("ratio", schema("float", True)),
    field("ok", schema("boolean")),
    field("small", schema("int8")),
    field("mid", schema("int16", True, default=7)),
    field("raw", schema("bytes", True)),
    field("amount", DEC_S),
    field("event", EVENT_S),
    field("tags", schema("array", True, items=schema("string"))),
    field("attrs", schema("map", True, keys=schema("string"), values=schema("string", True))),
    field("ts", TS_S), field("day", DATE_S), field("tod", TIME_S),
    field("unix", schema("int64")), field("tstr", schema("string", True)),
    field("region", schema("string", True, default="eu")),
])
KEY_S = schema("struct", name="loghub.Key", fields=[field("ds", schema("string")), field("id", schema("int64")),
                                                    field("lvl", schema("string", True))])

BASE_MS = 1700000000000


def to_int(s):
    try:
        return int(s)
    except (TypeError, ValueError):
        return None


def fmt_ts(ms):
    import datetime
    d = datetime.datetime.fromtimestamp(ms / 1000.0, tz=datetime.timezone.utc)
    return d.strftime("%Y-%m-%d %H:%M:%S.") + "%03d" % (ms % 1000)


def line_payload(ds, row, n):
    lid = to_int(row.get("LineId")) or n
    pid = to_int(row.get("Pid") or row.get("PID"))
    if pid is not None and not -2 ** 31 <= pid < 2 ** 31:
        pid = None
    ms = BASE_MS + lid * 3607011 + n * 17
    level = row.get("Level")
    comp = row.get("Component")
    return {
        "LineId": lid, "Pid": pid, "Level": level if level else None, "Component": comp,
        "Content": row.get("Content", ""), "EventId": row.get("EventId", ""),
        "score": lid / 8.0, "ratio": (lid % 5) * 0.25 if n % 4 else None, "ok": lid % 3 == 0,
        "small": (lid * 37) % 256 - 128, "mid": None if n % 5 == 0 else lid * 11 - 3000,
        "raw": None if n % 3 else "aGVsbG8=",
        "amount": None if n % 4 == 1 else ["AA==", "MDk=", "/4A=", "AYag"][n % 4],
        "event": None if n % 9 == 4 else {
            "id": row.get("EventId", ""), "template": row.get("EventTemplate"),
            "where": None if n % 6 == 5 else {"component": comp, "pid": pid}},
        "tags": None if n % 7 == 3 else [ds, level or "none"] + ([] if n % 2 else [row.get("EventId", "")]),
        "attrs": None if n % 8 == 2 else {"ds": ds, "date": row.get("Date") or row.get("Time"), "n": None},
        "ts": ms, "day": ms // 86400000, "tod": ms % 86400000, "unix": ms, "tstr": fmt_ts(ms),
        "region": None if n % 2 else "ap",
    }


def java_hash(s):
    """String.hashCode (UTF-16 code units, 32-bit)."""
    h, b = 0, s.encode("utf-16-be")
    for u in range(0, len(b), 2):
        h = (31 * h + (b[u] << 8 | b[u + 1])) & 0xFFFFFFFF
    return h


def java_order(x):
    """x with every dict's keys in the order a java.util.HashMap filled with them iterates them
    (bucket index of spread(hashCode) in the final table, insertion order within a bucket; no
    treeified bins at these sizes). JsonConverter reads a schemaless object into a HashMap, so
    Java hands transforms maps in that order and kconnect's insertion-ordered maps then agree:
    only a transform's own reordering remains (README: documented difference)."""
    if isinstance(x, list):
        return [java_order(v) for v in x]
    if not isinstance(x, dict):
        return x
    cap = 16
    while len(x) > cap * 3 // 4:
        cap *= 2

    def bucket(k):
        h = java_hash(k)
        return (h ^ (h >> 16)) & (cap - 1)
    return {k: java_order(x[k]) for k in sorted(x, key=bucket)}


def schemaless_payload(p):
    d = dict(p)
    for k in ("raw", "amount", "ts", "day", "tod"):
        d.pop(k)
    return java_order(d)


def dataset_struct(ds, header, row):
    cols = [c for c in header if c]
    s = schema("struct", True, name="loghub." + ds, fields=[field(c, schema("string", True)) for c in cols])
    return s, {c: (row.get(c) or None) for c in cols}


def envelope(s, payload):
    # java_order: a Struct's JSON field order does not matter, its map fields' does
    return json.dumps({"schema": s, "payload": java_order(payload)}, ensure_ascii=False, separators=(",", ":"))


def raw(payload):
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def make_records():
    recs = []
    files = sorted(glob.glob(os.path.join(os.environ.get("KC_SHARED_DATA", ""), "loghub", "*", "*_structured.csv")))
    if not files:
        raise RuntimeError("no loghub structured CSVs under $KC_SHARED_DATA/loghub")
    n = 0
    for path in files:
        ds = os.path.basename(os.path.dirname(path))
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            rd = csv.DictReader(f)
            header = rd.fieldnames
            for i, row in enumerate(rd):
                if i >= ROWS_PER_DATASET:
                    break
                n += 1
                p = line_payload(ds, row, n)
                topic = ["loghub-" + ds.lower(), "loghub-" + ds.lower(), "logs.%s.raw" % ds, "other"][n % 4]
                variant = n % 9
                schemas = True
                if variant == 0:      # schemaless map, raw JSON
                    schemas, value = False, raw(schemaless_payload(p))
                elif variant == 1:    # schemaless map in an envelope
                    value = envelope(None, schemaless_payload(p))
                elif variant in (2, 3, 4):
                    value = envelope(LINE_S, p)
                elif variant == 5:    # the dataset's own columns
                    value = envelope(*dataset_struct(ds, header, row))
                elif variant == 6:    # a tombstone
                    value = None
                elif variant == 7:    # a primitive with a schema
                    value = envelope(schema("string"), p["Content"])
                else:                 # a primitive without one
                    schemas = n % 2 == 0
                    value = envelope(None, p["LineId"]) if schemas else raw(p["Content"])
                kv = n % 5
                if kv == 0:
                    key = None
                elif kv == 1:
                    key = envelope(schema("string"), p["EventId"]) if schemas else raw(p["EventId"])
                elif kv == 2:
                    kp = {"ds": ds, "id": p["LineId"], "lvl": p["Level"]}
                    key = envelope(KEY_S, kp) if schemas else raw(java_order(kp))
                elif kv == 3:
                    key = envelope(None, java_order({"ds": ds, "id": p["LineId"]})) if schemas else raw({"ds": ds})
                else:
                    key = envelope(schema("int64", True), p["LineId"]) if schemas else raw(p["LineId"])
                headers = []
                if n % 3 == 0:
                    headers = [["lvl", p["Level"] or ""], ["pid", str(p["Pid"]) if p["Pid"] is not None else None],
                               ["ds", ds], ["dup", "a"], ["dup", "[1,2]"], ["empty", ""]]
                elif n % 3 == 1:
                    headers = [["trace", "t-%d" % n], ["score", "%.3f" % p["score"]]]
                recs.append({"topic": topic, "partition": n % 7, "offset": 1000 + n,
                             "timestamp": None if n % 11 == 0 else p["ts"], "schemas": schemas,
                             "key": key, "value": value, "headers": headers})
    return recs


def make_header_records():
    """Every column of the loghub rows as a header value, as consumed (SimpleHeaderConverter parses
    each: Values.parseString on real-world text such as "17:41:44,747" or "[TERM, HUP, INT]")."""
    recs = []
    for path in sorted(glob.glob(os.path.join(os.environ.get("KC_SHARED_DATA", ""), "loghub", "*",
                                              "*_structured.csv"))):
        with open(path, encoding="utf-8", errors="replace", newline="") as f:
            for i, row in enumerate(csv.DictReader(f)):
                if i >= ROWS_PER_DATASET:
                    break
                recs.append({"topic": "hdr", "partition": 0, "offset": i, "timestamp": BASE_MS + i,
                             "schemas": True, "key": None, "value": None,
                             "headers": [[k, v] for k, v in row.items() if k]})
    return recs


# ---- chains ----

def xf(alias, cls, **cfg):
    d = {"transforms.%s.type" % alias: cls}
    for k, v in cfg.items():
        d["transforms.%s.%s" % (alias, k.replace("_", "."))] = v
    return alias, d


def chain(*stages, predicates=None):
    """stages: (alias, keys) pairs; predicates: {alias: {key: value}} with 'type'."""
    out = {"transforms": ",".join(a for a, _ in stages)}
    for _, d in stages:
        out.update(d)
    if predicates:
        out["predicates"] = ",".join(predicates)
        for a, d in predicates.items():
            for k, v in d.items():
                out["predicates.%s.%s" % (a, k)] = v
    return out


def both(name, cls, **cfg):
    """(name, chain) for the $Key and the $Value variant."""
    return [("%s$%s" % (name, kv), chain(xf("x", T + "%s$%s" % (cls, kv), **cfg))) for kv in ("Key", "Value")]


def opt(cfg, **extra):
    d = dict(cfg)
    d.update(extra)
    return d


def chains():
    """[(name, chain dict, java version)]"""
    c = []
    v4 = lambda name, ch, recs="main": c.append((name, ch, "4.3.1", recs))  # noqa: E731
    for name, ch in (
        both("InsertField.all", "InsertField", **{"topic.field": "topic", "partition.field": "part!",
                                                  "offset.field": "off?", "timestamp.field": "when",
                                                  "static.field": "origin", "static.value": "loghub"})
        + both("InsertField.static", "InsertField", **{"static.field": "Level", "static.value": "x"})
        + both("InsertField.offset", "InsertField", **{"offset.field": "kafka_offset!"})
        + both("ReplaceField.exclude", "ReplaceField", exclude="Content,event,nope,id")
        + both("ReplaceField.include", "ReplaceField", include="LineId,Level,EventId,ds,id,lvl,zz")
        + both("ReplaceField.renames", "ReplaceField", renames="LineId:line,Level:lvl2,id:ident,ds:dataset")
        + both("ReplaceField.all", "ReplaceField", include="LineId,Level,region,ds,id",
               exclude="Level,ds", renames="LineId:line,region:where,id:i")
        + both("ReplaceField.nodefault", "ReplaceField", include="Level,mid,region,lvl",
               **{"replace.null.with.default": "false"})
        + both("ReplaceField.renames.collide", "ReplaceField", renames="Level:Component,ds:id")
        + both("MaskField", "MaskField", fields="Content,LineId,ok,score,ratio,small,mid,tags,attrs,EventId,id,lvl")
        + both("MaskField.repl.num", "MaskField", fields="LineId,Pid,score,small,id", replacement="42")
        + both("MaskField.repl.str", "MaskField", fields="Content,EventId,Level,ds,lvl", replacement="***")
        + both("MaskField.repl.bool", "MaskField", fields="ok,tags,attrs,lvl", replacement="x")
        + both("MaskField.repl.bad", "MaskField", fields="LineId,id", replacement="abc")
        + both("MaskField.decimal", "MaskField", fields="amount")
        + both("MaskField.struct", "MaskField", fields="event")
        + both("HoistField", "HoistField", field="wrapped")
        + both("ExtractField", "ExtractField", field="EventId")
        + both("ExtractField.id", "ExtractField", field="id")
        + both("ExtractField.missing", "ExtractField", field="nope")
        + both("ExtractField.default", "ExtractField", field="region")
        + both("ExtractField.nodefault", "ExtractField", field="region", **{"replace.null.with.default": "false"})
        + both("ExtractField.v2", "ExtractField", field="event.where.component", **{"field.syntax.version": "V2"})
        + both("ExtractField.v2.struct", "ExtractField", field="event.where", **{"field.syntax.version": "V2"})
        + both("ExtractField.v2.missing", "ExtractField", field="event.nope.x", **{"field.syntax.version": "V2"})
        + both("ExtractField.v2.quoted", "ExtractField", field="`event`.`id`", **{"field.syntax.version": "V2"})
        + both("ExtractField.v1.dotted", "ExtractField", field="event.id")
        + both("Flatten", "Flatten")
        + both("Flatten.delim", "Flatten", delimiter="_")
        + both("SetSchemaMetadata", "SetSchemaMetadata", **{"schema.name": "loghub.Renamed", "schema.version": "9"})
        + both("SetSchemaMetadata.name", "SetSchemaMetadata", **{"schema.name": "only.name"})
        + both("HeaderFrom.missing", "HeaderFrom", fields="nope", headers="h", operation="move")
    ):
        v4(name, ch)
    # HeaderFrom: fields of the Line value schema / the Key schema (a missing one fails in Java too)
    for kv, fields, headers, op in (
            ("Value", "Level,EventId,event,tags", "h_lvl,h_ev,h_event,h_tags", "move"),
            ("Value", "LineId,Pid,tags,region,amount,ts,attrs", "h1,h2,h3,h4,h5,h6,h7", "copy"),
            ("Value", "Level,Level", "a,b", "copy"),
            ("Key", "ds,id", "h_ds,h_id", "move"),
            ("Key", "id,lvl,lvl", "h1,lvl,lvl2", "copy")):
        v4("HeaderFrom.%s.%s$%s" % (op, fields, kv), chain(xf("x", T + "HeaderFrom$" + kv, fields=fields,
                                                               headers=headers, operation=op)))
    v4("HeaderFrom.copy.nodefault$Value", chain(xf("x", T + "HeaderFrom$Value", fields="region,mid", headers="r,m",
                                                   operation="copy", **{"replace.null.with.default": "false"})))
    for name, fields in (("ValueToKey", "LineId,Level"), ("ValueToKey.nested", "event,tags,attrs,amount,ts"),
                         ("ValueToKey.missing", "LineId,nope"), ("ValueToKey.region", "region,mid")):
        v4(name, chain(xf("x", T + "ValueToKey", fields=fields)))
    v4("ValueToKey.nodefault", chain(xf("x", T + "ValueToKey", fields="region,mid",
                                        **{"replace.null.with.default": "false"})))
    # Filter with every predicate, plain and negated
    preds = {
        "tomb": {"type": P + "RecordIsTombstone"},
        "hdr": {"type": P + "HasHeaderKey", "name": "dup"},
        "hdr2": {"type": "HasHeaderKey", "name": "trace"},
        "topic": {"type": P + "TopicNameMatches", "pattern": "loghub-.*"},
        "topic2": {"type": "TopicNameMatches", "pattern": "logs\\.(hdfs|spark)\\..*|other"},
    }
    for p, d in preds.items():
        for neg in ("false", "true"):
            v4("Filter.%s.negate=%s" % (p, neg), chain(xf("f", "Filter", predicate=p, negate=neg),
                                                       predicates={p: d}))
    v4("Filter.always", chain(xf("f", T + "Filter")))
    v4("InsertHeader.unless.tomb", chain(xf("h", "InsertHeader", header="live", **{"value.literal": "yes"},
                                            predicate="tomb", negate="true"), predicates={"tomb": preds["tomb"]}))
    for name, cfg in (("RegexRouter", {"regex": "loghub-(.*)", "replacement": "lh_$1"}),
                      ("RegexRouter.groups", {"regex": "(\\w+)\\.(?<ds>\\w+)\\.raw", "replacement": "${ds}-$1"}),
                      ("RegexRouter.nomatch", {"regex": "zzz", "replacement": "y"}),
                      ("RegexRouter.badgroup", {"regex": "(lo)(.*)", "replacement": "$1$3"}),
                      ("RegexRouter.escapes", {"regex": "loghub-(a.*)", "replacement": "\\$1-\\\\-$1"}),
                      ("TimestampRouter", {}),
                      ("TimestampRouter.fmt", {"topic.format": "${topic}/${timestamp}/${topic}",
                                               "timestamp.format": "yyyy-MM-dd'T'HH:mm:ss.SSS EEE MMM a hh"}),
                      ("InsertHeader", {"header": "added", "value.literal": "42"}),
                      ("InsertHeader.map", {"header": "dup", "value.literal": "{\"a\":1,\"b\":[true,null]}"}),
                      ("InsertHeader.str", {"header": "s", "value.literal": "hello world"}),
                      ("DropHeaders", {"headers": "dup,empty,none"}),
                      ("DropHeaders.all", {"headers": "lvl,pid,ds,dup,empty,trace,score"})):
        cls = name.split(".")[0]
        v4(name, chain(xf("x", T + cls, **{k.replace(".", "_"): v for k, v in cfg.items()})))
    # InsertHeader's literal goes through Values.parseString: every kind of literal ("{}" is left out:
    # it parses to a map schema without key/value schemas, which Java's JsonConverter fails on with a
    # NullPointerException where kconnect's writes "keys":null)
    literals = ["3000000000", "-128", "32767", "1.5", "-1.5e3", "true", "FALSE", "null", "[\"a\",1]", "[1,2.5]",
                "{\"k\":\"v\",\"n\":[1]}", "[]", "2024-01-15", "12:30:45.123", "2024-01-15T12:30:45.123Z",
                " padded ", "caf\u00e9 \u65e5\u672c", "[1,", "{\"a\":1,\"b\":}", "1e400", "9223372036854775808",
                "\"quoted\"", "a,b", "0x1F", "NaN"]
    for i, lit in enumerate(literals):
        v4("InsertHeader.literal.%d %s" % (i, lit), chain(xf("x", T + "InsertHeader", header="lit",
                                                            **{"value.literal": lit})))
    # ConfigDef trims STRING values (and LIST items)
    v4("config.trim.static", chain(xf("x", T + "InsertField$Value", **{"static.field": " pad ", "static.value": " v "})))
    v4("config.trim.router", chain(xf("x", "RegexRouter", regex=" loghub-(.*) ", replacement=" $1 ")))
    v4("config.trim.list", chain(xf("x", T + "MaskField$Value", fields=" Content , EventId ,Level")))
    v4("config.bool.case", chain(xf("f", "Filter", predicate="t", negate="TRUE"),
                                 predicates={"t": {"type": "RecordIsTombstone"}}))
    v4("TimestampRouter.quotes", chain(xf("x", "TimestampRouter", **{
        "topic.format": "${topic}_${timestamp}", "timestamp.format": "'ts'yyyy''MM'x''y'D HH:mm:ss,SSS z Z X"})))
    v4("TopicNameMatches.partial", chain(xf("f", "Filter", predicate="p"),
                                         predicates={"p": {"type": "TopicNameMatches", "pattern": "loghub"}}))
    # headers as consumed, through SimpleHeaderConverter only / through HeaderFrom's neighbours
    v4("SimpleHeaderConverter.loghub", {"transforms": ""}, "headers")
    v4("HasHeaderKey.loghub", chain(xf("f", "Filter", predicate="p"),
                                    predicates={"p": {"type": "HasHeaderKey", "name": "Level"}}), "headers")
    v4("DropHeaders.loghub", chain(xf("d", "DropHeaders", headers="Content,EventTemplate")), "headers")
    # chains of 3
    v4("chain3.v2k-extract-route", chain(
        xf("a", T + "ValueToKey", fields="LineId,EventId"),
        xf("b", T + "ExtractField$Key", field="EventId"),
        xf("c", "RegexRouter", regex="(.*)", replacement="$1-keyed")))
    v4("chain3.flatten-replace-insert", chain(
        xf("a", T + "Flatten$Value", delimiter="."),
        xf("b", T + "ReplaceField$Value", exclude="event.where.pid,tags", renames="event.id:event_id"),
        xf("c", T + "InsertField$Value", **{"topic.field": "t", "timestamp.field": "ts_kafka"})))
    v4("chain3.headers", chain(
        xf("a", T + "HeaderFrom$Value", fields="Level", headers="lvl", operation="copy"),
        xf("b", "DropHeaders", headers="dup"),
        xf("c", "InsertHeader", header="stage", **{"value.literal": "3"})))
    v4("chain3.filter-hoist-meta", chain(
        xf("a", "Filter", predicate="hdr"),
        xf("b", T + "HoistField$Value", field="line"),
        xf("c", T + "SetSchemaMetadata$Value", **{"schema.name": "wrapped.Line", "schema.version": "2"}),
        predicates={"hdr": preds["hdr"]}))
    v4("chain3.mask-extract-hoist.pred", chain(
        xf("a", T + "MaskField$Value", fields="EventId", predicate="topic"),
        xf("b", T + "ExtractField$Value", field="EventId", predicate="tomb", negate="true"),
        xf("c", T + "HoistField$Key", field="k"),
        predicates={"topic": preds["topic"], "tomb": preds["tomb"]}))
    v4("Flatten.struct", chain(  # a Struct without the map field Flatten refuses
        xf("a", T + "ReplaceField$Value", exclude="attrs"),
        xf("b", T + "Flatten$Value", delimiter="__")))
    # config errors
    v4("config.unknown", chain(xf("x", "com.example.Nope")))
    # (an abstract class's "Did you mean ...?" comes from Connect's plugin scanning, which the
    # harness does not run: test/unit/test_transforms.c checks that text)
    v4("config.missing", chain(xf("x", "RegexRouter", regex="a")))
    v4("config.noinsert", chain(xf("x", T + "InsertField$Value")))
    v4("config.headerfrom", chain(xf("x", T + "HeaderFrom$Value", fields="a,b", headers="x", operation="copy")))
    # Cast: every target type, whole value and per field
    types = ["int8", "int16", "int32", "int64", "float32", "float64", "boolean", "string"]
    for t in types:
        v4("Cast.whole.%s$Value" % t, chain(xf("x", T + "Cast$Value", spec=t)))
        v4("Cast.whole.%s$Key" % t, chain(xf("x", T + "Cast$Key", spec=t)))
        v4("Cast.extracted.%s" % t, chain(xf("e", T + "ExtractField$Value", field="LineId"),
                                          xf("x", T + "Cast$Value", spec=t)))
        v4("Cast.fields.%s" % t, chain(xf("x", T + "Cast$Value", spec=",".join(
            "%s:%s" % (f, t) for f in ("LineId", "Pid", "score", "ratio", "ok", "small", "mid", "region")))))
    v4("Cast.key.fields", chain(xf("x", T + "Cast$Key", spec="id:string,ds:string,lvl:boolean")))
    v4("Cast.mixed", chain(xf("x", T + "Cast$Value", spec="LineId:string,score:int32,ok:int8,Level:string,amount:float64")))
    v4("Cast.content.bad", chain(xf("x", T + "Cast$Value", spec="Content:int32")))
    v4("Cast.nodefault", chain(xf("x", T + "Cast$Value", spec="mid:string,region:string",
                                  **{"replace.null.with.default": "false"})))
    v4("config.cast.struct", chain(xf("x", T + "Cast$Value", spec="event:string")))
    # TimestampConverter: every pair among unix/string/Date/Time/Timestamp
    fmt = "yyyy-MM-dd HH:mm:ss.SSS"
    for src in ("unix", "tstr", "ts", "day", "tod"):
        for tgt in ("unix", "string", "Date", "Time", "Timestamp"):
            v4("TimestampConverter.%s->%s" % (src, tgt), chain(xf("x", T + "TimestampConverter$Value", field=src,
                                                                   **{"target.type": tgt, "format": fmt})))
    for prec in ("seconds", "milliseconds", "microseconds", "nanoseconds"):
        v4("TimestampConverter.unix.%s->Timestamp" % prec, chain(xf("x", T + "TimestampConverter$Value", field="unix",
                                                                    **{"target.type": "Timestamp",
                                                                       "unix.precision": prec})))
        v4("TimestampConverter.ts->unix.%s" % prec, chain(xf("x", T + "TimestampConverter$Value", field="ts",
                                                             **{"target.type": "unix", "unix.precision": prec})))
    v4("TimestampConverter.whole", chain(xf("e", T + "ExtractField$Value", field="tstr"),
                                         xf("x", T + "TimestampConverter$Value",
                                            **{"target.type": "Timestamp", "format": fmt})))
    v4("TimestampConverter.fmt2", chain(xf("x", T + "TimestampConverter$Value", field="ts",
                                           **{"target.type": "string", "format": "EEE, d MMM yyyy HH:mm:ss Z"})))
    v4("TimestampConverter.key", chain(xf("x", T + "TimestampConverter$Key", field="id",
                                          **{"target.type": "string", "format": fmt})))
    v4("TimestampConverter.badstring", chain(xf("x", T + "TimestampConverter$Value", field="Content",
                                                **{"target.type": "unix", "format": fmt})))
    # ReplaceField's deprecated keys (removed in 4.0): against 3.9.1
    for name, ch in (both("ReplaceField.blacklist", "ReplaceField", blacklist="Content,event,id")
                     + both("ReplaceField.whitelist", "ReplaceField", whitelist="LineId,Level,ds,lvl")
                     + both("ReplaceField.both", "ReplaceField", whitelist="LineId,Level", include="EventId,id")):
        c.append((name + "@3.9", ch, "3.9.1", "main"))
    return c


# ---- comparison ----

def canon(line):
    """The line with the key order of every JSON object (including JSON inside strings) sorted."""
    def walk(x):
        if isinstance(x, dict):
            return {k: walk(v) for k, v in sorted(x.items())}
        if isinstance(x, list):
            return [walk(v) for v in x]
        if isinstance(x, str) and x[:1] in "{[":
            try:
                inner = json.loads(x.encode("latin-1").decode("utf-8"))
            except (ValueError, UnicodeError):
                return x
            return json.dumps(walk(inner), sort_keys=True)
        return x
    try:
        return json.dumps(walk(json.loads(line)), sort_keys=True)
    except ValueError:
        return line


# Differences the README documents ("Differences"): (name, test on the Java and the C line).
MISSING_TS = "Timestamp missing on record: "
KNOWN = [
    ("map key order (schemaless maps a transform builds keep insertion order; Java's HashMap has its own)",
     lambda name, a, b: canon(a) == canon(b)),
    ("TimestampRouter's message names the record as Java's SinkRecord.toString() does, kconnect shortly",
     lambda name, a, b: MISSING_TS in a and MISSING_TS in b and a.split(MISSING_TS)[0] == b.split(MISSING_TS)[0]),
    ("MaskField masks a Decimal of any scale to 0 (Java's BigDecimal.ZERO fails JsonConverter's scale check)",
     lambda name, a, b: name.startswith("MaskField.decimal") and a.startswith('{"convert_error"')
     and "Decimal value has mismatching scale" in a and b.startswith('{"topic"')),
]


def known(chain_name, a, b):
    for name, same in KNOWN:
        if same(chain_name, a, b):
            return name
    return None


def cut(s, n):
    return s if len(s) <= n else s[:n] + "...(%d bytes)" % len(s)


def missing_class(line):
    return "config_error" in line and "could not be found" in line and (
        "Cast$" in line or "TimestampConverter$" in line)


def run(java_cp, exe, work, jobs_by_version):
    outs = {}
    for version, jobs in jobs_by_version.items():
        jl = os.path.join(work, "jobs-java-%s.txt" % version)
        with open(jl, "w") as f:
            for name, path, records_path, idx in jobs:
                f.write("%s\t%s\t%s\n" % (path, records_path, os.path.join(work, "java-%d.out" % idx)))
        r = subprocess.run(["java", "-cp", java_cp[version], HARNESS, jl], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=600)
        if r.returncode != 0:
            raise AssertionError("Java harness (%s) failed: %s" % (version, r.stderr.decode("utf-8", "replace")[-3000:]))
    cl = os.path.join(work, "jobs-c.txt")
    with open(cl, "w") as f:
        for jobs in jobs_by_version.values():
            for name, path, records_path, idx in jobs:
                f.write("%s\t%s\t%s\n" % (path, records_path, os.path.join(work, "c-%d.out" % idx)))
    r = subprocess.run([exe, cl], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    if r.returncode != 0:
        raise AssertionError("C driver failed (rc %d): %s" % (r.returncode, r.stderr.decode("utf-8", "replace")[-3000:]))
    for jobs in jobs_by_version.values():
        for name, path, records_path, idx in jobs:
            with open(os.path.join(work, "java-%d.out" % idx), encoding="utf-8") as f:
                j = f.read().splitlines()
            with open(os.path.join(work, "c-%d.out" % idx), encoding="utf-8") as f:
                c = f.read().splitlines()
            outs[idx] = (j, c)
    return outs


def test_transforms_match_java():
    exe = c_program()
    java_cp = {v: java_classpath(v) for v in ("4.3.1", "3.9.1")}
    work = tempfile.mkdtemp(prefix="kc-xf-java-")
    try:
        record_sets = {"main": make_records(), "headers": make_header_records()}
        for set_name, recs in record_sets.items():
            with open(os.path.join(work, "records-%s.jsonl" % set_name), "w", encoding="utf-8") as f:
                for r in recs:
                    f.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        table = chains()
        jobs_by_version = {}
        for idx, (name, ch, version, set_name) in enumerate(table):
            path = os.path.join(work, "chain-%d.json" % idx)
            with open(path, "w", encoding="utf-8") as f:
                json.dump(ch, f)
            jobs_by_version.setdefault(version, []).append(
                (name, path, os.path.join(work, "records-%s.jsonl" % set_name), idx))
        outs = run(java_cp, exe, work, jobs_by_version)
        equal = order_only = compared = 0
        failed, missing, order_chains = [], [], []
        kinds, known_seen = {}, {}
        for idx, (name, ch, version, set_name) in enumerate(table):
            recs = record_sets[set_name]
            j, c = outs[idx]
            if len(c) == 1 and missing_class(c[0]) and not (len(j) == 1 and j[0] == c[0]):
                missing.append(name)
                continue
            bad, loose = [], 0
            if len(j) != len(c):
                bad.append((None, j[:1], c[:1]))
            else:
                for i, (a, b) in enumerate(zip(j, c)):
                    compared += 1
                    if a == b:
                        kinds[a[2:a.index('"', 2)]] = kinds.get(a[2:a.index('"', 2)], 0) + 1
                        continue
                    why = known(name, a, b)
                    if why:
                        loose += 1
                        known_seen[why] = known_seen.get(why, 0) + 1
                        continue
                    bad.append((i, a, b))
            if bad or (loose and STRICT):
                failed.append(name)
                print("DIFF %s: %d of %d records differ%s\n  chain %s" % (
                    name, len(bad), len(j), (", %d more only in documented ways" % loose) if loose else "",
                    json.dumps(ch)), flush=True)
                for i, a, b in bad[:SHOW]:
                    if i is None:
                        print("  Java %d lines, C %d: Java %s C %s" % (len(j), len(c), a, b))
                        continue
                    at = next((k for k in range(min(len(a), len(b))) if a[k] != b[k]), min(len(a), len(b)))
                    lo = max(0, at - 160)
                    print("  record %d %s\n  first difference at byte %d:\n  Java ...%s\n  C    ...%s"
                          % (i, cut(json.dumps(recs[i], ensure_ascii=False), 700), at, cut(a[lo:], 500),
                             cut(b[lo:], 500)))
            elif loose:
                order_only += 1
                order_chains.append("%s (%d)" % (name, loose))
            else:
                equal += 1
        if order_chains:
            print("equal but for documented differences (README): %s" % ", ".join(order_chains))
            for why, n in sorted(known_seen.items()):
                print("  %d records: %s" % (n, why))
        if missing:
            print("MISSING (class not in kconnect yet): %s" % ", ".join(missing))
        print("outcomes of equal records: %s" % ", ".join("%s %d" % kv for kv in sorted(kinds.items())))
        print("%d/%d chains equal, %d records compared (%d chains equal but for documented differences, %d missing, "
              "%d differ)" % (equal, len(table), compared, order_only, len(missing), len(failed)), flush=True)
        assert not failed, "%d chains differ from Java: %s" % (len(failed), ", ".join(failed))
        assert not missing or SKIP_MISSING, "%d chains use classes kconnect lacks: %s" % (len(missing),
                                                                                        ", ".join(missing))
        assert kinds.get("topic", 0) > 1000 and kinds.get("error", 0) > 100 and kinds.get("drop", 0) > 50, \
            "the records no longer cover results, errors and drops: %s" % kinds
    finally:
        if os.environ.get("KC_XF_JAVA_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("kept %s" % work)


if __name__ == "__main__":
    missing = [t for t in ("java", "mvn") if not shutil.which(t)]
    if missing:
        print("SKIP: %s not installed" % ", ".join(missing))
        sys.exit(0)
    import kctest
    kctest.main([test_transforms_match_java])
