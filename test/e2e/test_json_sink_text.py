"""FileStreamSink on schemaless JSON (JsonConverter schemas.enable=false): a connector without
transforms has its values rendered as text in one pass from the JSON bytes (src/convert/json_text.c),
one with a transform goes through Connect values (kc_value_to_java_string). Both read the same topic
of loghub rows mixed with awkward documents (escapes, surrogates, numbers, nesting, duplicate keys,
blanks, a BOM, tombstones, invalid JSON under errors.tolerance=all); their files must be byte-equal,
and hold exactly the records that convert.
"""
import json
import os
import sys

import kctest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "bench"))
import benchlib  # noqa: E402
from kctest import unique  # noqa: E402

ODD = [
    b'{"a":[1,2,[],{}],"b":{"c":null,"d":true,"e":false},"f":""}',
    b'[1e5,-0,-0.0,0.0,1.0,12345678901234567890,-9223372036854775808,1.5e300,4.9e-324,0.1,100]',
    b'"\\u00e9\\ud83d\\ude00\\u0000x\\ud800 \\udc00\\t\\\\\\/\\"\\b\\f"',  # no \\n: a record stays one line
    b'\xef\xbb\xbf {"k" : "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" ,\n "n" : [ 1 , 2 ] } \n',
    b'{"a":1,"b":2,"a":3}',            # duplicate: first position, last value
    b'{"ab":1,"a\\u0062":2}',          # equal once unescaped
    b'   ',                            # blank: a null value
    b'',                               # a tombstone (kcat -Z)
    b'{"x":' * 70 + b'1' + b'}' * 70,  # deeper than the one pass goes
    b'{"bad":tru}',                    # invalid: skipped under errors.tolerance=all
    b'{"s":"\xff"}',                   # invalid UTF-8: skipped
    b'12 13',                          # trailing data: skipped
    b'007',                            # leading zeros: skipped
    b'{"big":[' + b','.join(b'%d.25e%d' % (i, i % 40) for i in range(200)) + b']}',
]
INVALID = ODD[9:13]
N_ROWS = 7000


def loghub_rows():
    """The loghub structured CSV rows as the benchmark's JSON records have them (tools/bench)."""
    rows = benchlib.loghub_structured_rows()
    assert rows, "no loghub structured CSVs under %s" % kctest.SHARED_DATA
    return rows


def build_records():
    rows = loghub_rows()
    recs = []
    for i in range(N_ROWS):
        rec = dict(rows[i % len(rows)])
        rec["seq"] = i
        recs.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode())
        if i % 97 == 0:
            recs.append(ODD[(i // 97) % len(ODD)])
    return recs


def test_one_pass_text_equals_connect_values():
    wd = kctest.tmpdir("kc-json-text-")
    topic = unique("json-text")
    kctest.create_topic(topic, 1)
    recs = build_records()
    # keyed, so that kcat -Z sends the empty value as a null (a tombstone)
    kctest.kcat("-P", "-t", topic, "-Z", "-K", "\x1f", "-D", "\x1e",
                input_bytes=b"".join(b"k\x1f" + r + b"\x1e" for r in recs))
    assert kctest.topic_end_offset(topic) == len(recs), "the topic holds every record"
    common = {"value.converter": "org.apache.kafka.connect.json.JsonConverter",
              "value.converter.schemas.enable": "false", "errors.tolerance": "all"}
    fast, slow = os.path.join(wd, "fast.txt"), os.path.join(wd, "slow.txt")
    a = kctest.file_sink(unique("text-fast"), fast, topic)
    b = kctest.file_sink(unique("text-values"), slow, topic)
    a.update(common)
    b.update(common)
    # A transform that changes nothing but makes the runtime build Connect values.
    b.update({"transforms": "keep", "transforms.keep.type": "org.apache.kafka.connect.transforms.RegexRouter",
              "transforms.keep.regex": "^$", "transforms.keep.replacement": "never"})
    w = kctest.Worker(wd, connectors=[a, b]).start()
    try:
        bad = sum(1 for r in recs if r in INVALID)
        want = len(recs) - bad
        assert bad >= len(INVALID), "every invalid document is in the topic"
        kctest.wait_for_lines(fast, want, timeout=180, worker=w)
        kctest.wait_for_lines(slow, want, timeout=180, worker=w)
        got_fast, got_slow = kctest.read_sink_lines(fast), kctest.read_sink_lines(slow)
    finally:
        w.stop()
    with open(fast, "rb") as f1, open(slow, "rb") as f2:
        da, db = f1.read(), f2.read()
    assert len(got_slow) == want, "%d lines through Connect values, want %d" % (len(got_slow), want)
    if da != db:
        for i, (x, y) in enumerate(zip(got_fast, got_slow)):
            assert x == y, "line %d: one pass %r, Connect values %r" % (i, x[:200], y[:200])
        raise AssertionError("files differ in length: %d vs %d bytes" % (len(da), len(db)))
    # spot checks of the rendering itself
    assert b"a=[1, 2, [], {}], b={c=null, d=true, e=false}, f=}" in da
    assert b"{a=3, b=2}" in da and b"{ab=2}" in da
    assert b"[100000.0, 0, 0.0, 0.0, 1.0, 1.2345678901234567E19, -9223372036854775808, 1.5E300, 4.9E-324, 0.1, 100]" in da
    assert got_fast[0].startswith(b"{system=") and b"seq=0}" in got_fast[0], got_fast[0][:200]
    print("    %d records, %d invalid skipped, %d bytes each way" % (len(recs), bad, len(da)))


if __name__ == "__main__":
    kctest.main([test_one_pass_text_equals_connect_values])
