"""The request sequence of test_rest_parity.py, and the differences the README explains.

"{T}" in a path or body is the side's name token (test_rest_parity.Side.subst). A "wait" step is
not compared: it polls each worker until a state both must reach before the next request (a
connector RUNNING, the source's offsets committed), so that no compared answer depends on timing.
"""
import os


class Context:
    def __init__(self, data, shared):
        self.data = data
        self.shared = shared
        self.src_file = os.path.join(data, "loghub", "Apache", "Apache_2k.log")
        with open(self.src_file, "rb") as f:
            blob = f.read()
        self.src_position = blob.rfind(b"\n") + 1  # FileStreamSource's offset after the last whole line
        self.src_lines = blob[:self.src_position].count(b"\n")
        self.sink_file = os.path.join(shared, "sink-{T}.txt")
        self.sink2_file = os.path.join(shared, "sink2-{T}.txt")


class Step:
    def __init__(self, kind, method=None, path=None, body=None, raw=None, ctype="application/json", headers=None,
                 note=None, fn=None, what=None, timeout=90):
        self.kind, self.method, self.path, self.body, self.raw = kind, method, path, body, raw
        self.ctype, self.headers, self.note, self.fn, self.what, self.timeout = ctype, headers, note, fn, what, timeout


def R(method, path, body=None, **kw):
    return Step("req", method, path, body, **kw)


def W(what, fn, timeout=90):
    return Step("wait", fn=fn, what=what, timeout=timeout)


def running(name, tasks=1):
    def fn(side):
        code, st = side.json("GET", "/connectors/%s/status" % name)
        return code == 200 and st["connector"]["state"] == "RUNNING" and len(st["tasks"]) == tasks and \
            all(t["state"] == "RUNNING" for t in st["tasks"]) and all(t["id"] < tasks for t in st["tasks"])
    return W("%s RUNNING with %d tasks" % (name, tasks), fn)


def state_is(name, state, tasks=None):
    def fn(side):
        code, st = side.json("GET", "/connectors/%s/status" % name)
        if code != 200 or st["connector"]["state"] != state:
            return False
        return tasks is None or (len(st["tasks"]) == tasks and all(t["state"] == state for t in st["tasks"]))
    return W("%s %s" % (name, state), fn)


def gone(name):
    return W("%s deleted" % name, lambda side: side.json("GET", "/connectors/%s" % name)[0] == 404)


def source_committed(ctx, name):
    def fn(side):
        code, body = side.json("GET", "/connectors/%s/offsets" % name)
        if code != 200:
            return False
        offs = body.get("offsets") or []
        return any((o.get("offset") or {}).get("position") == ctx.src_position for o in offs)
    return W("%s committed position %d" % (name, ctx.src_position), fn, timeout=120)


def sink_lines(ctx, path, n):
    def fn(side):
        try:
            with open(side.subst(path), "rb") as f:
                return f.read().count(b"\n") >= n
        except OSError:
            return False
    return W("%s has %d lines" % (path, n), fn, timeout=120)


def sink_committed(name, topic, n):
    def fn(side):
        code, body = side.json("GET", "/connectors/%s/offsets" % name)
        if code != 200:
            return False
        return any((o.get("offset") or {}).get("kafka_offset") == n and
                   (o.get("partition") or {}).get("kafka_topic") == side.subst(topic)
                   for o in body.get("offsets") or [])
    return W("%s committed offset %d" % (name, n), fn, timeout=120)


SRC = "org.apache.kafka.connect.file.FileStreamSourceConnector"
SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector"
VALIDATE_SRC = "/connector-plugins/FileStreamSourceConnector/config/validate"
VALIDATE_SINK = "/connector-plugins/FileStreamSinkConnector/config/validate"


def sequence(ctx):
    src = {"connector.class": SRC, "tasks.max": "1", "file": ctx.src_file, "topic": "{T}-lines"}
    sink = {"connector.class": SINK, "tasks.max": "1", "file": ctx.sink_file, "topics": "{T}-lines"}
    s = []
    a = s.append

    # ---- the server and its plugins ----
    a(R("GET", "/"))
    a(R("HEAD", "/"))
    a(R("POST", "/", {}))
    a(R("DELETE", "/"))
    a(R("GET", "/connectors"))
    a(R("GET", "/connectors/"))
    a(R("GET", "/connectors?expand=status"))
    a(R("GET", "/connectors?expand=info"))
    a(R("GET", "/nothing-here"))
    a(R("GET", "/connectors/a/b/c/d"))
    a(R("GET", "/connector-plugins"))
    a(R("GET", "/connector-plugins?connectorsOnly=false"))
    a(R("GET", "/connector-plugins?connectorsOnly=true"))
    a(R("GET", "/connector-plugins?connectorsOnly=nonsense"))
    for p in ("FileStreamSource", "FileStreamSourceConnector", SRC, "FileStreamSink", SINK,
              "org.apache.kafka.connect.storage.StringConverter",
              "org.apache.kafka.connect.json.JsonConverter",
              "org.apache.kafka.connect.converters.ByteArrayConverter",
              "org.apache.kafka.connect.storage.SimpleHeaderConverter",
              "org.apache.kafka.connect.transforms.InsertField$Value",
              "org.apache.kafka.connect.transforms.Cast$Value",
              "org.apache.kafka.connect.transforms.ReplaceField$Value",
              "org.apache.kafka.connect.transforms.MaskField$Value",
              "org.apache.kafka.connect.transforms.ValueToKey",
              "org.apache.kafka.connect.transforms.ExtractField$Key",
              "org.apache.kafka.connect.transforms.Flatten$Value",
              "org.apache.kafka.connect.transforms.HoistField$Value",
              "org.apache.kafka.connect.transforms.RegexRouter",
              "org.apache.kafka.connect.transforms.TimestampRouter",
              "org.apache.kafka.connect.transforms.TimestampConverter$Value",
              "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
              "org.apache.kafka.connect.transforms.DropHeaders",
              "org.apache.kafka.connect.transforms.InsertHeader",
              "org.apache.kafka.connect.transforms.HeaderFrom$Value",
              "org.apache.kafka.connect.transforms.Filter",
              "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
              "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
              "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
              "Filter", "NoSuchPlugin", "org.example.Nope"):
        a(R("GET", "/connector-plugins/%s/config" % p.replace("$", "%24")))
    a(R("POST", "/connector-plugins/FileStreamSource/config", {}))
    a(R("GET", "/connector-plugins/FileStreamSource/config/validate"))

    # ---- validation ----
    def v(cfg, path=VALIDATE_SRC, **kw):
        a(R("PUT", path, cfg, **kw))

    v(dict(src, name="v1"))
    v(dict(src, name="v1", **{"tasks.max": "0"}), note="tasks.max=0")
    v(dict(src, name="v1", **{"tasks.max": "-1"}))
    v(dict(src, name="v1", **{"tasks.max": "abc"}))
    v(dict(src, name="v1", **{"tasks.max": ""}))
    v(dict(src, name="v1", **{"tasks.max": "2"}))
    v({k: x for k, x in src.items() if k != "topic"})
    v(dict(src, name=""))
    v(dict(src, name="  spaced  "))
    v(dict(src, topic=""))
    v(dict(src, topic="a,b"))
    v(dict(src, **{"batch.size": "x"}))
    v(dict(src, **{"batch.size": "0"}))
    v({"connector.class": SRC})
    v({})
    v({"name": "v1"})
    v(dict(src, **{"connector.class": SINK}))
    v(dict(src, **{"connector.class": "org.example.Missing"}), path="/connector-plugins/org.example.Missing/config/validate")
    v(dict(src, **{"connector.class": "FileStreamSource"}))
    v(dict(src, **{"key.converter": "org.example.NoConverter"}))
    v(dict(src, **{"value.converter": "org.apache.kafka.connect.json.JsonConverter"}))
    v(dict(src, **{"header.converter": "org.example.NoHeaderConverter"}))
    v(dict(src, **{"errors.tolerance": "some"}))
    v(dict(src, **{"errors.retry.timeout": "soon"}))
    v(dict(src, **{"errors.log.enable": "yes"}))
    v(dict(src, **{"config.action.reload": "maybe"}))
    v(dict(src, transforms="a"))
    v(dict(src, transforms="a", **{"transforms.a.type": "org.example.NoTransform"}))
    v(dict(src, transforms="a", **{"transforms.a.type": "org.apache.kafka.connect.transforms.InsertField$Value"}))
    v(dict(src, transforms="a", **{"transforms.a.type": "org.apache.kafka.connect.transforms.InsertField$Value",
                                   "transforms.a.static.field": "f", "transforms.a.static.value": "v"}))
    v(dict(src, transforms="a", **{"transforms.a.type": "org.apache.kafka.connect.transforms.Cast$Value"}))
    v(dict(src, transforms="a", **{"transforms.a.type": "org.apache.kafka.connect.transforms.Filter",
                                   "transforms.a.predicate": "p"}))
    v(dict(src, transforms="a", predicates="p",
           **{"transforms.a.type": "org.apache.kafka.connect.transforms.Filter", "transforms.a.predicate": "p",
              "predicates.p.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
              "predicates.p.pattern": "x.*"}))
    v(dict(src, transforms="a", predicates="p",
           **{"transforms.a.type": "org.apache.kafka.connect.transforms.Filter", "transforms.a.predicate": "p",
              "predicates.p.type": "org.apache.kafka.connect.transforms.predicates.TopicNameMatches"}))
    v(dict(src, **{"exactly.once.support": "required"}))
    v(dict(src, **{"offsets.storage.topic": "x"}))
    v(dict(src, **{"topic.creation.groups": "g"}))
    v(dict(src, **{"producer.override.linger.ms": "5"}))
    v(dict(sink, name="v2"), path=VALIDATE_SINK)
    v(dict(sink, **{"topics.regex": "x.*"}), path=VALIDATE_SINK, note="topics+topics.regex")
    v({k: x for k, x in sink.items() if k != "topics"}, path=VALIDATE_SINK)
    v(dict({k: x for k, x in sink.items() if k != "topics"}, **{"topics.regex": "(unclosed"}), path=VALIDATE_SINK)
    v(dict({k: x for k, x in sink.items() if k != "topics"}, **{"topics.regex": "{T}-.*"}), path=VALIDATE_SINK)
    v(dict(sink, **{"errors.deadletterqueue.topic.name": "{T}-lines"}), path=VALIDATE_SINK)
    v(dict(sink, **{"errors.deadletterqueue.topic.name": "{T}-dlq",
                    "errors.deadletterqueue.context.headers.enable": "true"}), path=VALIDATE_SINK)
    v(dict(sink, **{"tasks.max": "0", "topics.regex": "x"}), path=VALIDATE_SINK)
    v(dict(sink, **{"consumer.override.auto.offset.reset": "earliest"}), path=VALIDATE_SINK)
    v(dict(sink, **{"file": ""}), path=VALIDATE_SINK)
    v(dict(src, **{"topic": None}), note="null value")
    v(dict(src, **{"tasks.max": 1}), note="number value")
    v(None, raw='{"connector.class": "%s", "tasks.max": {"a": 1}}' % SRC, note="object value")
    v(None, raw='{"connector.class": ', note="truncated JSON")
    v(None, raw='[1,2]', note="JSON array")
    v(None, raw='"text"', note="JSON string")
    v(None, raw='', note="empty body")
    v(dict(src), ctype="text/plain", note="text/plain")
    v(dict(src), ctype=None, note="no content type")
    v(dict(src), path="/connector-plugins/FileStreamSinkConnector/config/validate", note="class mismatch")

    # ---- a source connector's life ----
    a(R("GET", "/connectors/src-{T}"))
    a(R("POST", "/connectors", {"name": "src-{T}", "config": src}))
    a(running("src-{T}"))
    a(R("POST", "/connectors", {"name": "src-{T}", "config": src}, note="duplicate"))
    a(R("GET", "/connectors"))
    a(R("GET", "/connectors/src-{T}"))
    a(R("GET", "/connectors/src-{T}/"))
    a(R("HEAD", "/connectors/src-{T}"))
    a(R("GET", "/connectors/src-{T}/config"))
    a(R("GET", "/connectors/src-{T}/status"))
    a(R("GET", "/connectors/src-{T}/tasks"))
    a(R("GET", "/connectors/src-{T}/tasks/0/status"))
    a(R("GET", "/connectors/src-{T}/tasks/1/status"))
    a(R("GET", "/connectors/src-{T}/tasks/-1/status"))
    a(R("GET", "/connectors/src-{T}/tasks/abc/status"))
    a(R("GET", "/connectors/src-{T}/tasks/99999999999/status"))
    a(R("GET", "/connectors/src-{T}/tasks/0"))
    a(R("GET", "/connectors?expand=status"))
    a(R("GET", "/connectors?expand=info"))
    a(R("GET", "/connectors?expand=status&expand=info"))
    a(R("GET", "/connectors?expand=bogus"))
    a(source_committed(ctx, "src-{T}"))
    a(R("GET", "/connectors/src-{T}/offsets"))
    a(R("PATCH", "/connectors/src-{T}/offsets", {"offsets": [{"partition": {"filename": ctx.src_file},
                                                             "offset": {"position": 0}}]}, note="running"))
    a(R("DELETE", "/connectors/src-{T}/offsets", note="running"))
    a(R("PUT", "/connectors/src-{T}/pause"))
    a(state_is("src-{T}", "PAUSED", 1))
    a(R("GET", "/connectors/src-{T}/status"))
    a(R("PUT", "/connectors/src-{T}/pause"))
    a(R("PUT", "/connectors/src-{T}/resume"))
    a(running("src-{T}"))
    a(R("GET", "/connectors/src-{T}/status"))
    a(R("POST", "/connectors/src-{T}/restart"))
    a(running("src-{T}"))
    a(R("POST", "/connectors/src-{T}/restart?includeTasks=false&onlyFailed=true"))
    a(running("src-{T}"))
    a(R("POST", "/connectors/src-{T}/restart?includeTasks=true&onlyFailed=true"))
    a(running("src-{T}"))
    a(R("POST", "/connectors/src-{T}/tasks/0/restart"))
    a(running("src-{T}"))
    a(R("GET", "/connectors/src-{T}/tasks/99/status"))
    a(R("PUT", "/connectors/src-{T}/restart"))
    a(R("GET", "/connectors/src-{T}/pause"))
    a(R("PUT", "/connectors/src-{T}/config", dict(src, **{"batch.size": "500"})))
    a(running("src-{T}"))
    a(R("GET", "/connectors/src-{T}/config"))
    a(R("GET", "/connectors/src-{T}/tasks"))
    a(R("PUT", "/connectors/src-{T}/config", dict(src, name="other")))
    a(R("PUT", "/connectors/src-{T}/config", dict(src, **{"tasks.max": "0"})))
    a(R("PUT", "/connectors/src-{T}/config", None, raw="{bad json"))
    a(R("PUT", "/connectors/src-{T}/config", dict(src), ctype="text/plain"))
    a(R("PATCH", "/connectors/src-{T}/config", {"batch.size": "100"}))
    a(running("src-{T}"))
    a(R("GET", "/connectors/src-{T}/config"))
    a(R("PATCH", "/connectors/src-{T}/config", {"batch.size": None}))
    a(running("src-{T}"))
    a(R("GET", "/connectors/src-{T}/config"))
    a(R("PATCH", "/connectors/src-{T}/config", {"name": "renamed"}))
    a(R("PATCH", "/connectors/src-{T}/config", {"tasks.max": "0"}))
    a(R("PATCH", "/connectors/nope-{T}/config", {"batch.size": "1"}))
    a(R("PATCH", "/connectors/src-{T}/config", None, raw="[]"))
    a(running("src-{T}"))
    a(R("PUT", "/connectors/src-{T}/stop"))
    a(state_is("src-{T}", "STOPPED"))
    a(R("GET", "/connectors/src-{T}/status"))
    a(R("GET", "/connectors/src-{T}/tasks"))
    a(R("GET", "/connectors/src-{T}/tasks/0/status"))
    a(R("GET", "/connectors/src-{T}/offsets"))
    a(R("PATCH", "/connectors/src-{T}/offsets", {"offsets": [{"partition": {"filename": ctx.src_file},
                                                             "offset": {"position": 100}}]}))
    a(R("GET", "/connectors/src-{T}/offsets"))
    a(R("PATCH", "/connectors/src-{T}/offsets", {"offsets": []}))
    a(R("PATCH", "/connectors/src-{T}/offsets", {}))
    a(R("PATCH", "/connectors/src-{T}/offsets", None, raw="not json"))
    a(R("PATCH", "/connectors/src-{T}/offsets", {"offsets": [{"partition": {"filename": ctx.src_file},
                                                             "offset": {"position": "x"}}]}))
    a(R("PATCH", "/connectors/src-{T}/offsets", {"offsets": [{"partition": {"other": "key"},
                                                             "offset": {"position": 5}}]}))
    a(R("PATCH", "/connectors/src-{T}/offsets", {"offsets": [{"partition": {"filename": ctx.src_file},
                                                             "offset": None}]}))
    a(R("GET", "/connectors/src-{T}/offsets"))
    a(R("DELETE", "/connectors/src-{T}/offsets"))
    a(R("GET", "/connectors/src-{T}/offsets"))
    a(R("PUT", "/connectors/src-{T}/resume"))
    a(running("src-{T}"))
    a(source_committed(ctx, "src-{T}"))
    a(R("GET", "/connectors/src-{T}/offsets"))

    # ---- a sink connector reading what the source wrote ----
    a(R("PUT", "/connectors/sink-{T}/config", sink, note="create through PUT"))
    a(running("sink-{T}"))
    a(R("PUT", "/connectors/sink-{T}/config", sink, note="unchanged"))
    a(sink_lines(ctx, ctx.sink_file, ctx.src_lines))
    a(sink_committed("sink-{T}", "{T}-lines", ctx.src_lines * 2))
    a(R("GET", "/connectors/sink-{T}/offsets"))
    a(R("GET", "/connectors/sink-{T}/status"))
    a(R("GET", "/connectors/sink-{T}/tasks"))
    a(R("GET", "/connectors/sink-{T}/config"))
    a(R("GET", "/connectors"))
    a(R("PUT", "/connectors/sink-{T}/stop"))
    a(state_is("sink-{T}", "STOPPED"))
    a(R("GET", "/connectors/sink-{T}/offsets"))
    a(R("PATCH", "/connectors/sink-{T}/offsets", {"offsets": [{"partition": {"kafka_topic": "{T}-lines",
                                                                             "kafka_partition": 0},
                                                              "offset": {"kafka_offset": 10}}]}))
    a(R("GET", "/connectors/sink-{T}/offsets"))
    a(R("PATCH", "/connectors/sink-{T}/offsets", {"offsets": [{"partition": {"kafka_topic": "{T}-lines"},
                                                              "offset": {"kafka_offset": 10}}]}))
    a(R("PATCH", "/connectors/sink-{T}/offsets", {"offsets": [{"partition": {"kafka_topic": "{T}-lines",
                                                                             "kafka_partition": 0},
                                                              "offset": {"kafka_offset": "ten"}}]}))
    a(R("PATCH", "/connectors/sink-{T}/offsets", {"offsets": [{"partition": {"kafka_topic": "{T}-lines",
                                                                             "kafka_partition": 0},
                                                              "offset": None}]}))
    a(R("GET", "/connectors/sink-{T}/offsets"))
    a(R("DELETE", "/connectors/sink-{T}/offsets"))
    a(R("GET", "/connectors/sink-{T}/offsets"))
    a(R("DELETE", "/connectors/sink-{T}"))
    a(gone("sink-{T}"))
    a(R("GET", "/connectors/sink-{T}"))
    a(R("DELETE", "/connectors/sink-{T}"))
    a(R("GET", "/connectors/sink-{T}/status"))
    a(R("GET", "/connectors/sink-{T}/offsets"))

    # ---- creation errors and names ----
    a(R("POST", "/connectors", {"config": src}, note="no name"))
    a(R("POST", "/connectors", {"name": "", "config": src}))
    a(R("POST", "/connectors", {"name": "x-{T}"}, note="no config"))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": dict(src, name="y")}, note="name mismatch"))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": dict(src, **{"tasks.max": "0"})}))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": {"tasks.max": "1"}}))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": dict(src, **{"connector.class": "org.example.No"})}))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": {k: x for k, x in src.items() if k != "topic"}}))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": dict(sink, **{"topics.regex": "a"})}))
    a(R("POST", "/connectors", None, raw="{"))
    a(R("POST", "/connectors", None, raw="[]"))
    a(R("POST", "/connectors", None, raw=""))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": src}, ctype="text/plain"))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": src, "extra": 1}, note="unknown field"))
    a(R("POST", "/connectors", {"name": "x-{T}", "config": src, "initial_state": "BOGUS"}))
    a(R("POST", "/connectors", {"name": "sp {T}", "config": dict(src, topic="{T}-sp")}, note="space in name"))
    a(running("sp%20{T}"))
    a(R("GET", "/connectors/sp%20{T}"))
    a(R("GET", "/connectors/sp%20{T}/status"))
    a(R("DELETE", "/connectors/sp%20{T}"))
    a(gone("sp%20{T}"))
    a(R("POST", "/connectors", {"name": "sl/{T}", "config": dict(src, topic="{T}-sl")}, note="slash in name"))
    a(R("GET", "/connectors/sl%2F{T}"))
    a(R("POST", "/connectors", {"name": "{T}-\u00e9t\u00e9", "config": dict(src, topic="{T}-u")}))
    a(running("{T}-%C3%A9t%C3%A9"))
    a(R("GET", "/connectors/{T}-%C3%A9t%C3%A9/config"))
    a(R("DELETE", "/connectors/{T}-%C3%A9t%C3%A9"))
    a(gone("{T}-%C3%A9t%C3%A9"))
    a(R("POST", "/connectors", {"name": " trail-{T} ", "config": dict(src, topic="{T}-tr")}, note="spaces around"))
    a(R("GET", "/connectors/bad%zzname"))
    a(R("GET", "/connectors/%20"))

    # ---- unknown connectors ----
    for m, p in (("GET", ""), ("GET", "/config"), ("GET", "/status"), ("GET", "/tasks"),
                 ("GET", "/tasks/0/status"), ("PUT", "/pause"), ("PUT", "/resume"), ("PUT", "/stop"),
                 ("POST", "/restart"), ("POST", "/restart?includeTasks=true"), ("POST", "/tasks/0/restart"),
                 ("DELETE", ""), ("GET", "/offsets"), ("DELETE", "/offsets")):
        a(R(m, "/connectors/ghost-{T}" + p))
    a(R("PATCH", "/connectors/ghost-{T}/offsets", {"offsets": [{"partition": {"a": 1}, "offset": {"b": 2}}]}))

    # ---- methods, HEAD, OPTIONS ----
    a(R("DELETE", "/connectors"))
    a(R("PUT", "/connectors", {}))
    a(R("PATCH", "/connectors", {}))
    a(R("POST", "/connectors/src-{T}", {}))
    a(R("PUT", "/connectors/src-{T}", {}))
    a(R("POST", "/connectors/src-{T}/status", {}))
    a(R("DELETE", "/connectors/src-{T}/config"))
    a(R("POST", "/connectors/src-{T}/config", {}))
    a(R("DELETE", "/connectors/src-{T}/tasks"))
    a(R("PUT", "/connectors/src-{T}/tasks/0/restart"))
    a(R("DELETE", "/connector-plugins"))
    a(R("POST", "/connector-plugins/FileStreamSource/config/validate", {}))
    a(R("HEAD", "/connectors"))
    a(R("HEAD", "/connectors/ghost-{T}"))
    a(R("OPTIONS", "/connectors"))
    a(R("OPTIONS", "/connectors/src-{T}"))
    a(R("OPTIONS", "/connectors/src-{T}/config"))
    a(R("OPTIONS", "/connectors/src-{T}/offsets"))
    a(R("OPTIONS", "/connector-plugins"))
    a(R("GET", "/connectors?expand="))
    a(R("GET", "//connectors"))
    a(R("GET", "/connectors/src-{T}/status/"))
    a(R("GET", "/CONNECTORS"))

    # ---- loggers, topics, initial states ----
    a(R("GET", "/admin/loggers"))
    a(R("GET", "/admin/loggers/root"))
    a(R("GET", "/admin/loggers/org.apache.kafka.connect.runtime.WorkerSourceTask"))
    a(R("PUT", "/admin/loggers/org.example.parity", {"level": "DEBUG"}))
    a(R("GET", "/admin/loggers/org.example.parity"))
    a(R("PUT", "/admin/loggers/org.example.parity", {"level": "NOTALEVEL"}))
    a(R("PUT", "/admin/loggers/org.example.parity", {}))
    a(R("PUT", "/admin/loggers/org.example.parity?scope=worker", {"level": "INFO"}))
    a(R("GET", "/connectors/src-{T}/topics"))
    a(R("GET", "/connectors/ghost-{T}/topics"))
    a(R("PUT", "/connectors/src-{T}/topics/reset"))
    a(R("PUT", "/connectors/ghost-{T}/topics/reset"))
    a(R("POST", "/connectors", {"name": "paused-{T}", "config": dict(src, topic="{T}-p"), "initial_state": "PAUSED"}))
    a(R("POST", "/connectors", {"name": "stopped-{T}", "config": dict(src, topic="{T}-s"),
                                "initial_state": "STOPPED"}))
    a(R("GET", "/connectors/stopped-{T}/offsets"))
    a(R("DELETE", "/connectors/paused-{T}"))
    a(R("DELETE", "/connectors/stopped-{T}"))

    # ---- the end (Java starts a ghost task 99 here: README) ----
    a(R("POST", "/connectors/src-{T}/tasks/99/restart", note="unknown task"))
    a(W("the task-99 restart settled", lambda side: __import__("time").sleep(1) or True))
    a(R("GET", "/connectors/src-{T}/tasks/99/status", note="after restart"))
    a(R("GET", "/connectors/src-{T}/status", note="after task 99 restart"))
    a(R("DELETE", "/connectors/src-{T}"))
    a(gone("src-{T}"))
    a(R("DELETE", "/connectors/sl%2F{T}"))
    a(R("DELETE", "/connectors/%20trail-{T}%20"))
    a(R("GET", "/connectors"))
    return s


# Differences explained in README.md (REST parity with Connect 4.x), by the request's 1-based
# position among the compared requests -> reason. A validation whose only difference is the list of
# recommended converter classes is recognised by its content instead (CONVERTERS).
PLUGINS = "installed plugins: kconnect ships the S3 sink and AvroConverter, Java's install has neither"
CONVERTERS = ("installed converters: kconnect recommends its own (AvroConverter; no Boolean/Double/Float/"
              "Integer/Long/Short number converters)")
JACKSON = "JSON syntax error texts: jansson's parser words them, not Jackson's (status codes match)"
NPE = "Java answers with a NullPointerException text (500): kconnect says what is wrong"
JETTY = "Jetty 12 refuses %2F, bad escapes and empty segments (400 HTML): kconnect keeps 3.9's routing"
KNOWN = {
    11: PLUGINS, 12: PLUGINS, 13: PLUGINS, 14: PLUGINS,
    65: PLUGINS + " (the message lists Java's PluginDesc entries with their jar paths)",
    202: PLUGINS + " (the message lists Java's PluginDesc entries with their jar paths)",
    78: "Java runs Cast's spec validator on the missing value too (a second error); kconnect reports it missing once",
    81: "Java runs TopicNameMatches' validator on the missing pattern: an NPE text as second error",
    84: "kconnect does not create topics: topic.creation.groups is refused with a reason",
    85: "Java lists the producer override with ProducerConfig's full key definition; kconnect does not describe "
        "client configs",
    94: "Java lists the consumer override with ConsumerConfig's full key definition; kconnect does not describe "
        "client configs",
    99: JACKSON, 146: JACKSON, 165: JACKSON, 205: JACKSON,
    102: NPE, 198: NPE, 207: NPE, 230: NPE, 231: NPE, 233: NPE,
    104: "no Content-Type: Java 4.x answers 415, kconnect accepts the JSON body as 3.9 did (3.9 clients keep working)",
    152: "Java lets PATCH rename a connector's config (name no longer matches the connector): kconnect refuses, 400",
    204: "Java lists the topics/topics.regex error twice in the create message; kconnect once",
    216: JETTY, 221: JETTY, 258: JETTY,
    282: JETTY + " (Java cannot delete the connector named with a slash)",
    284: JETTY + " (so Java still lists the connector named with a slash)",
    261: "GET /admin/loggers: Java lists every logger its JVM has created (one per Java class that logged, "
         "Jetty's, the clients'); kconnect lists the loggers of its own code, under Java's names where one exists",
    263: "Java 4.x's source tasks log as WorkerSourceTask and AbstractWorkerSourceTask; kconnect's source task "
         "lines are all AbstractWorkerSourceTask's, so WorkerSourceTask is not a known logger",
    279: "Java starts a ghost task 99 on POST /tasks/99/restart (then reports it FAILED): kconnect answers 404 "
         "and keeps no ghost",
    280: "Java's status lists the ghost task 99 (see the previous one)",
}


def _only_converter_recommendations(j, k):
    if not (isinstance(j.get("body"), dict) and isinstance(k.get("body"), dict)) or j["status"] != k["status"]:
        return False
    jc, kc = j["body"].get("configs"), k["body"].get("configs")
    if not isinstance(jc, list) or not isinstance(kc, list) or len(jc) != len(kc):
        return False
    if {x: y for x, y in j["body"].items() if x != "configs"} != {x: y for x, y in k["body"].items() if x != "configs"}:
        return False
    for a, b in zip(jc, kc):
        if a == b:
            continue
        name = (a.get("value") or {}).get("name")
        if name not in ("key.converter", "value.converter", "header.converter"):
            return False
        a2 = dict(a, value=dict(a["value"], recommended_values=None))
        b2 = dict(b, value=dict(b["value"], recommended_values=None))
        if a2 != b2:
            return False
    return True


def known_reason(index, step, java, kconnect):
    if step.path.endswith("/config/validate") and _only_converter_recommendations(java, kconnect):
        return CONVERTERS
    return KNOWN.get(index)
