"""tools/kafka-local's opt-in secure listeners (KC_KAFKA_SECURE=1), proved with a real client.

Starts a second broker on a free block of five ports (its own KAFKA_PORT and state dir, beside
the shared one on 9092, which it never touches) and, with kcat:
  * SASL_PLAINTEXT + PLAIN and SASL_SSL + SCRAM-SHA-512 and SSL each produce and consume a record,
    TLS with the instance's CA and ssl.endpoint.identification.algorithm=https (127.0.0.1 and localhost);
  * every SASL mechanism answers metadata on both SASL listeners;
  * a wrong password is refused with an authentication failure, TLS without the CA with a
    certificate verification failure;
  * KC_KAFKA_SECURE=1 start on a running plain broker refuses and leaves it running.
Stops only its own broker, by PID, through `tools/kafka-local stop` with its KAFKA_PORT.
kcat is the client: tools/kafka-local itself needs it (its readiness probe), so without kcat the
broker cannot start and the test skips.
"""
# kctest: run-serial  (starts a broker JVM)
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time

import kctest
from kctest import unique

ROOT = os.environ.get("KC_SOURCE_DIR") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
KAFKA_LOCAL = os.path.join(ROOT, "tools", "kafka-local")
USER, PASSWORD = "kconnect", "kconnect-secret"


def port_block(n=5):
    """A base port such that base..base+n-1 are free now, each reserved for this process (kctest)."""
    for _ in range(200):
        base = random.randrange(20000, 60000 - n)
        ok = True
        for p in range(base, base + n):
            s = socket.socket()
            try:
                s.bind(("127.0.0.1", p))
            except OSError:
                ok = False
            finally:
                s.close()
            if not ok:
                break
        if ok and all(kctest._reserve_port(p) for p in range(base, base + n)):
            return base
    raise AssertionError("no free block of %d ports" % n)


def kafka_local(port, *args, secure=True, timeout=150):
    env = dict(os.environ, KAFKA_PORT=str(port))
    env.pop("KC_KAFKA_DIR", None)
    if secure:
        env["KC_KAFKA_SECURE"] = "1"
    else:
        env.pop("KC_KAFKA_SECURE", None)
    return subprocess.run([KAFKA_LOCAL] + list(args), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)


def client_conf(protocol, mechanism=None, password=PASSWORD, ca=None, verify_host=True):
    conf = {"security.protocol": protocol}
    if mechanism:
        conf.update({"sasl.mechanisms": mechanism, "sasl.username": USER, "sasl.password": password})
    if ca:
        conf["ssl.ca.location"] = ca
    if protocol.endswith("SSL"):
        conf["ssl.endpoint.identification.algorithm"] = "https" if verify_host else "none"
    return conf


def kcat_scram_broken():
    """librdkafka before 2.6.1 appends its client nonce twice in the SCRAM client-final message
    (confluentinc/librdkafka#4895); Kafka 4.x checks the nonce strictly (RFC 5802) and refuses it.
    Debian 12's kcat links librdkafka 2.0.2, so its SCRAM cannot prove a 4.x broker right or wrong."""
    out = subprocess.run(["kcat", "-V"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT).stdout.decode()
    v = [int(x) for x in re.search(r"librdkafka ([0-9]+)\.([0-9]+)\.([0-9]+)", out).groups()]
    return v < [2, 6, 1]


def pyclient(bootstrap, conf, *args, input_bytes=None, timeout=30):
    """What kcat() does for -P, -C (one record from the start) and -L, through confluent-kafka's own,
    newer librdkafka (tools/install-deps installs it); the same (rc, stdout, stderr) shape."""
    import confluent_kafka as ck
    import logging
    errors = []

    class Collect(logging.Handler):  # librdkafka's log lines (an authentication failure is one)
        def emit(self, rec):
            errors.append(rec.getMessage())
    log = logging.getLogger(unique("kl-sasl-log"))
    log.propagate = False
    log.addHandler(Collect())
    base = dict(conf, **{"bootstrap.servers": bootstrap, "error_cb": lambda e: errors.append(str(e)), "logger": log})
    try:
        if args[0] == "-P":
            p = ck.Producer(base)
            p.produce(args[args.index("-t") + 1], input_bytes.rstrip(b"\n"))
            left = p.flush(timeout)
            return (1 if left or errors else 0), b"", "\n".join(errors)
        if args[0] == "-C":
            c = ck.Consumer(dict(base, **{"group.id": unique("kl-sasl-g"), "auto.offset.reset": "earliest"}))
            c.subscribe([args[args.index("-t") + 1]])
            deadline = time.time() + timeout
            try:
                while time.time() < deadline:
                    m = c.poll(1)
                    if m is not None and not m.error():
                        return 0, m.value() + b"\n", ""
                    if m is not None:
                        errors.append(str(m.error()))
            finally:
                c.close()
            return 1, b"", "\n".join(errors) or "no record"
        p = ck.Producer(base)
        try:
            md = p.list_topics(timeout=float(args[args.index("-m") + 1]))
        except ck.KafkaException:
            p.poll(0.5)  # serves the error and log callbacks queued meanwhile
            raise
        return 0, b"%d brokers:" % len(md.brokers), ""
    except ck.KafkaException as e:
        return 1, b"", "\n".join(errors + [str(e)])


def kcat(bootstrap, conf, *args, input_bytes=None, timeout=30):
    if conf.get("sasl.mechanisms", "").startswith("SCRAM") and KCAT_SCRAM_BROKEN:
        return pyclient(bootstrap, conf, *args, input_bytes=input_bytes, timeout=timeout)
    cmd = ["kcat", "-b", bootstrap]
    for k, v in conf.items():
        cmd += ["-X", "%s=%s" % (k, v)]
    r = subprocess.run(cmd + list(args), input=input_bytes, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=timeout)
    return r.returncode, r.stdout, r.stderr.decode("utf-8", "replace")


def roundtrip(bootstrap, conf, what):
    """Produces one unique record through this listener and consumes it back through the same one."""
    topic = unique("kl-sasl")
    value = ("%s %s" % (what, unique("v"))).encode()
    rc, _, err = kcat(bootstrap, conf, "-P", "-t", topic, input_bytes=value + b"\n")
    assert rc == 0, "%s: produce failed: %s" % (what, err)
    rc, out, err = kcat(bootstrap, conf, "-C", "-t", topic, "-o", "beginning", "-c", "1", "-e", "-q")
    assert rc == 0, "%s: consume failed: %s" % (what, err)
    assert out.rstrip(b"\n") == value, "%s: consumed %r, produced %r" % (what, out, value)
    print("  %-48s produced and consumed %r" % (what, value.decode()), flush=True)


def metadata_ok(bootstrap, conf, what):
    rc, out, err = kcat(bootstrap, conf, "-L", "-m", "10")
    assert rc == 0, "%s: metadata failed: %s" % (what, err)
    assert b"1 brokers:" in out, "%s: unexpected metadata %r" % (what, out[:300])
    print("  %-48s metadata ok" % what, flush=True)


def refused(bootstrap, conf, what, needle):
    rc, _, err = kcat(bootstrap, conf, "-L", "-m", "5", timeout=30)
    assert rc != 0, "%s: metadata succeeded but must be refused" % what
    assert needle in err, "%s: refused, but without %r in: %s" % (what, needle, err[-600:])
    print("  %-48s refused (%s)" % (what, needle), flush=True)


def parse_start(out):
    lines = out.decode().split()
    assert lines, "start printed nothing"
    info = {"bootstrap": lines[0]}
    for ln in lines[1:]:
        k, _, v = ln.partition("=")
        info[k] = v
    return info


def check_instance(base, info):
    want = {"bootstrap": "127.0.0.1:%d" % base, "SASL_PLAINTEXT": "127.0.0.1:%d" % (base + 2),
            "SSL": "127.0.0.1:%d" % (base + 3), "SASL_SSL": "127.0.0.1:%d" % (base + 4)}
    for k, v in want.items():
        assert info.get(k) == v, "start printed %r for %s, want %r (%r)" % (info.get(k), k, v, info)
    ca = info.get("CA")
    assert ca and os.path.isfile(ca), "CA path %r missing" % ca
    r = kafka_local(base, "ca", secure=False)
    assert r.returncode == 0 and r.stdout.decode().strip() == ca, "`ca` printed %r" % r.stdout
    r = kafka_local(base, "status", secure=False)
    assert r.returncode == 0 and b"SASL_SSL :%d" % (base + 4) in r.stdout, r.stdout
    # The broker certificate names both spellings of the loopback host and chains to the CA.
    cert = os.path.join(os.path.dirname(ca), "broker.crt")
    san = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", cert],
                         stdout=subprocess.PIPE, check=True).stdout.decode()
    assert "IP Address:127.0.0.1" in san and "DNS:localhost" in san, san
    v = subprocess.run(["openssl", "verify", "-CAfile", ca, cert], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert v.returncode == 0, v.stdout
    return ca


def check_listeners(base, ca):
    plain = "127.0.0.1:%d" % base
    sasl_plain = "127.0.0.1:%d" % (base + 2)
    ssl = "127.0.0.1:%d" % (base + 3)
    sasl_ssl = "127.0.0.1:%d" % (base + 4)
    roundtrip(plain, {}, "PLAINTEXT (unchanged)")
    roundtrip(sasl_plain, client_conf("SASL_PLAINTEXT", "PLAIN"), "SASL_PLAINTEXT / PLAIN")
    roundtrip(sasl_ssl, client_conf("SASL_SSL", "SCRAM-SHA-512", ca=ca), "SASL_SSL / SCRAM-SHA-512, CA, https check")
    roundtrip(ssl, client_conf("SSL", ca=ca), "SSL, CA, https check on 127.0.0.1")
    metadata_ok("localhost:%d" % (base + 3), client_conf("SSL", ca=ca), "SSL, CA, https check on localhost")
    for listener, proto, ca_ in ((sasl_plain, "SASL_PLAINTEXT", None), (sasl_ssl, "SASL_SSL", ca)):
        for mech in ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"):
            metadata_ok(listener, client_conf(proto, mech, ca=ca_), "%s / %s" % (proto, mech))
    needle = "Authentication failed"
    refused(sasl_plain, client_conf("SASL_PLAINTEXT", "PLAIN", password="wrong"), "SASL_PLAINTEXT / PLAIN, wrong password",
            needle)
    refused(sasl_ssl, client_conf("SASL_SSL", "SCRAM-SHA-512", password="wrong", ca=ca),
            "SASL_SSL / SCRAM-SHA-512, wrong password", needle)
    refused(sasl_plain, client_conf("SASL_PLAINTEXT", "SCRAM-SHA-256", password="wrong"),
            "SASL_PLAINTEXT / SCRAM-SHA-256, wrong password", needle)
    refused(ssl, client_conf("SSL"), "SSL without the CA", "certificate verify failed")


def check_shared_broker_untouched():
    """KC_KAFKA_SECURE=1 start against the running plain default broker must refuse and leave it be."""
    default = int(os.environ.get("KAFKA_PORT", "9092"))
    st = kafka_local(default, "status", secure=False)
    if st.returncode != 0 or b"SASL_SSL" in st.stdout:
        print("  (no plain kafka-local broker on %d: refusal check not applicable)" % default)
        return
    r = kafka_local(default, "start", secure=True)
    err = r.stderr.decode()
    assert r.returncode != 0, "secure start on the plain shared broker succeeded: %s" % r.stdout
    assert "without the SASL/SSL listeners" in err and "KAFKA_PORT=" in err, err
    after = kafka_local(default, "status", secure=False)
    assert after.returncode == 0 and after.stdout == st.stdout, "shared broker changed: %r -> %r" % (st.stdout,
                                                                                                     after.stdout)
    print("  secure start on the shared broker :%d refused, broker untouched" % default, flush=True)


def listening(port):
    s = socket.socket()
    s.settimeout(1)
    try:
        return s.connect_ex(("127.0.0.1", port)) == 0
    finally:
        s.close()


def test_secure_listeners():
    base = port_block()
    t0 = time.time()
    state = None  # the state dir (its name carries the Kafka version): the CA's grandparent
    try:
        r = kafka_local(base, "start")
        assert r.returncode == 0, "secure start failed: %s" % r.stderr.decode()[-3000:]
        print("secure broker on %d..%d started in %.1fs" % (base, base + 4, time.time() - t0), flush=True)
        info = parse_start(r.stdout)
        state = os.path.dirname(os.path.dirname(info.get("CA", "")))
        ca = check_instance(base, info)
        # A second secure start finds it running and prints the same addresses.
        again = kafka_local(base, "start")
        assert again.returncode == 0 and parse_start(again.stdout) == info, again.stdout
        check_listeners(base, ca)
        check_shared_broker_untouched()
    finally:
        s = kafka_local(base, "stop", secure=False, timeout=60)
        print("stop: %s" % s.stderr.decode().strip())
    assert not any(listening(p) for p in (base, base + 2, base + 3, base + 4)), "ports still open after stop"
    assert state and not os.path.exists(state), "state dir %s left after stop" % state


if __name__ == "__main__":
    missing = [t for t in ("java", "mvn", "kcat", "openssl") if not shutil.which(t)]
    if missing:
        print("SKIP: %s not installed (tools/install-deps installs them)" % ", ".join(missing))
        sys.exit(0)
    KCAT_SCRAM_BROKEN = kcat_scram_broken()
    if KCAT_SCRAM_BROKEN:
        print("(kcat's librdkafka < 2.6.1: SCRAM checks go through confluent-kafka's librdkafka)")
    kctest.main([test_secure_listeners])
