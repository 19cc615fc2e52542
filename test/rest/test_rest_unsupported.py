"""Unknown transforms, predicates and converters (issue 8 finding 8) are validation errors at PUT .../config/validate and at creation (400), never silently accepted.
Real kconnect worker against the local broker.
"""
import atexit
import os

import kctest

_w = []


def worker():
    if not _w:
        w = kctest.Worker(kctest.tmpdir("kc-rest-unsup-")).start()
        atexit.register(w.stop)
        _w.append(w)
    _w[0].alive_or_raise()
    return _w[0]


CASES = [
    # An unknown class is one error on its type key (the class's own keys are unknown too).
    ({"transforms": "route", "transforms.route.type": "com.example.NoSuchTransform"},
     "transforms.route.type", "Class com.example.NoSuchTransform could not be found."),
    ({"predicates": "isFoo", "predicates.isFoo.type": "com.example.Nope"},
     "predicates.isFoo.type", "Class com.example.Nope could not be found."),
    ({"value.converter": "com.example.NoSuchConverter"},
     "value.converter", "Class com.example.NoSuchConverter could not be found."),
    ({"key.converter": "io.confluent.connect.protobuf.ProtobufConverter"},
     "key.converter", "Class io.confluent.connect.protobuf.ProtobufConverter could not be found."),
    ({"header.converter": "io.confluent.connect.avro.AvroConverter"}, "header.converter",
     "Class class io.confluent.connect.avro.AvroConverter does not implement the HeaderConverter interface"),
    ({"value.converter": "SimpleHeaderConverter"}, "value.converter",
     "Class class org.apache.kafka.connect.storage.SimpleHeaderConverter does not implement the Converter interface"),
    ({"header.converter": "com.example.NoSuchHeaderConverter"},
     "header.converter", "Class com.example.NoSuchHeaderConverter could not be found."),
]


def test_unsupported_settings_are_errors():
    w = worker()
    for extra, key, text in CASES:
        name = kctest.unique("unsup")
        cfg = kctest.file_sink(name, os.path.join(w.workdir, name + ".out"), kctest.unique("unsup-topic"))
        cfg.update(extra)
        code, v = w.request("PUT", "/connector-plugins/FileStreamSink/config/validate", cfg)
        assert code == 200, (code, v)
        assert v["error_count"] == 1, (key, v)
        errs = [c["value"]["errors"] for c in v["configs"] if c["value"]["name"] == key][0]
        assert len(errs) == 1 and text in errs[0], (key, errs)
        code, body = w.request("POST", "/connectors", {"name": name, "config": cfg})
        assert code == 400, (key, code, body)
        assert "contains the following 1 error(s)" in body["message"] and text in body["message"], body
        assert w.get("/connectors/%s" % name)[0] == 404


def test_source_topic_creation_is_an_error():
    """topic.creation.* would make Connect create the topic (worker topic.creation.enable=true,
    the default); kconnect cannot yet, so it refuses instead of leaving it to auto-creation."""
    w = worker()
    name = kctest.unique("unsup-src")
    cfg = kctest.file_source(name, os.path.join(w.workdir, name + ".in"), kctest.unique("unsup-topic"))
    cfg.update({"topic.creation.default.replication.factor": "1",
                "topic.creation.default.partitions": "6"})
    code, v = w.request("PUT", "/connector-plugins/FileStreamSource/config/validate", cfg)
    assert code == 200 and v["error_count"] == 2, (code, v)
    for key in ("topic.creation.default.replication.factor", "topic.creation.default.partitions"):
        errs = [c["value"]["errors"] for c in v["configs"] if c["value"]["name"] == key][0]
        assert errs and "does not create topics" in errs[0], (key, errs)
    code, body = w.request("POST", "/connectors", {"name": name, "config": cfg})
    assert code == 400 and "contains the following 2 error(s)" in body["message"], (code, body)
    # A sink has no topic creation: the same keys are not an error there.
    sink = kctest.unique("unsup-sink")
    scfg = kctest.file_sink(sink, os.path.join(w.workdir, sink + ".out"), kctest.unique("unsup-topic"))
    scfg["topic.creation.default.partitions"] = "6"
    code, v = w.request("PUT", "/connector-plugins/FileStreamSink/config/validate", scfg)
    assert code == 200 and v["error_count"] == 0, (code, v)


if __name__ == "__main__":
    kctest.main([test_unsupported_settings_are_errors, test_source_topic_creation_is_an_error])
