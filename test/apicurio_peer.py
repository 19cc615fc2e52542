#!/usr/bin/env python3
"""Runs test/java/ApicurioAvroPeer.java: Apicurio's Java Avro serde in its Confluent-compatible
mode, a second peer for kconnect's AvroConverter tests, independent of both kconnect and
test/avro_peer.py (Confluent's Python client).

The jars (apicurio-registry-serdes-avro-serde, kafka-clients, slf4j-simple) are fetched once with
Maven into tools/schema-registry-local's cache dir (KC_SR_CACHE), and the peer is compiled there
once per source version; both steps hold a file lock, so parallel tests fetch once.

Library:
    core_url(ccompat_url)       Apicurio's core API base for a ccompat base URL (the serde's API)
    produce(bootstrap, registry_url, topic, schema_str, records, key=None) -> [schema id]
    consume(bootstrap, registry_url, topic, n, timeout=60) -> [(key, value dict, schema id)]
registry_url may be the ccompat URL `tools/schema-registry-local url` prints; records and values
are in test/avro_peer.py's to_json form (epoch millis, decimal strings, hex bytes).
CLI: apicurio_peer.py produce|consume ARGS...   (ARGS as ApicurioAvroPeer.java documents)
"""
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.join(HERE, "java", "ApicurioAvroPeer.java")
SR_VERSION = os.environ.get("KC_SR_VERSION", "2.6.13.Final")
KAFKA_CLIENTS_VERSION = "3.9.1"
# The serde depends on slf4j-api 1.7; a binding of the same line keeps its logging on stderr.
SLF4J_VERSION = "1.7.36"
DEP_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1"


def cache_dir():
    """tools/schema-registry-local's cache (same default), where the peer keeps its jars and classes."""
    d = os.environ.get("KC_SR_CACHE")
    if not d:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = os.path.join(base, "kconnect", "apicurio-%s" % SR_VERSION)
    return d


_POM = """<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>kconnect.local</groupId>
  <artifactId>apicurio-avro-peer-libs</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>io.apicurio</groupId><artifactId>apicurio-registry-serdes-avro-serde</artifactId><version>{sr}</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-clients</artifactId><version>{kc}</version></dependency>
    <dependency><groupId>org.slf4j</groupId><artifactId>slf4j-simple</artifactId><version>{slf4j}</version></dependency>
  </dependencies>
</project>
"""


def _locked(path):
    f = open(path, "w")
    fcntl.flock(f, fcntl.LOCK_EX)
    return f


def _fetch_libs(cache):
    libs = os.path.join(cache, "serde-libs")
    if os.path.exists(os.path.join(libs, ".complete")):
        return libs
    os.makedirs(cache, exist_ok=True)
    with _locked(os.path.join(cache, ".serde-fetch.lock")):
        if os.path.exists(os.path.join(libs, ".complete")):
            return libs
        pom = os.path.join(cache, "serde-pom.xml")
        with open(pom, "w") as f:
            f.write(_POM.format(sr=SR_VERSION, kc=KAFKA_CLIENTS_VERSION, slf4j=SLF4J_VERSION))
        tmp = libs + ".tmp"
        subprocess.run(["rm", "-rf", tmp], check=True)
        r = subprocess.run(["mvn", "-q", "-B", "-Dstyle.color=never", "-f", pom, DEP_PLUGIN + ":copy-dependencies",
                            "-DoutputDirectory=" + tmp, "-DincludeScope=runtime"],
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900)
        if r.returncode != 0:
            raise RuntimeError("mvn could not fetch the Apicurio serde jars (Maven Central reachable? proxy "
                               "in ~/.m2/settings.xml):\n" + r.stdout.decode(errors="replace")[-3000:])
        open(os.path.join(tmp, ".complete"), "w").close()
        subprocess.run(["rm", "-rf", libs], check=True)
        os.rename(tmp, libs)
    return libs


def classpath():
    """Fetches and compiles on first use; returns the java -cp string."""
    cache = cache_dir()
    libs = _fetch_libs(cache)
    with open(SOURCE, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    classes = os.path.join(cache, "peer-classes-" + digest)
    if not os.path.exists(os.path.join(classes, ".complete")):
        with _locked(os.path.join(cache, ".peer-compile.lock")):
            if not os.path.exists(os.path.join(classes, ".complete")):
                tmp = tempfile.mkdtemp(prefix="peer-classes-", dir=cache)
                r = subprocess.run(["javac", "-nowarn", "-d", tmp, "-cp", os.path.join(libs, "*"), SOURCE],
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
                if r.returncode != 0:
                    raise RuntimeError("javac ApicurioAvroPeer.java failed:\n" + r.stdout.decode(errors="replace"))
                open(os.path.join(tmp, ".complete"), "w").close()
                os.rename(tmp, classes)
    return classes + os.pathsep + os.path.join(libs, "*")


def core_url(registry_url):
    """Apicurio's core v2 API base from a ccompat base URL (unchanged if it is not one)."""
    u = registry_url.rstrip("/")
    i = u.find("/apis/ccompat/")
    return u[:i] + "/apis/registry/v2" if i >= 0 else u


def run(args, timeout=180):
    """Runs the peer with args; returns stdout lines; raises with its stderr on failure."""
    cmd = ["java", "-Xmx256m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", classpath(),
           "ApicurioAvroPeer"] + list(args)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError("ApicurioAvroPeer %s failed (%d):\n%s" % (args[0], r.returncode,
                                                                   r.stderr.decode(errors="replace")[-4000:]))
    return [ln for ln in r.stdout.decode().splitlines() if ln.strip()]


def produce(bootstrap, registry_url, topic, schema_str, records, key=None, timeout=180):
    """Writes records (to_json-form dicts) with Apicurio's AvroKafkaSerializer (auto-registering
    schema_str as artifact <topic>-value); returns the schema id framed into each record."""
    with tempfile.TemporaryDirectory(prefix="apicurio-peer-") as d:
        sf, inp = os.path.join(d, "schema.avsc"), os.path.join(d, "records.jsonl")
        with open(sf, "w") as f:
            f.write(schema_str)
        with open(inp, "w") as f:
            for rec in records:
                f.write(json.dumps(rec) + "\n")
        args = ["produce", "--bootstrap", bootstrap, "--registry", core_url(registry_url), "--topic", topic,
                "--schema", sf, "--count", str(len(records)), "--input", inp]
        if key is not None:
            args += ["--key", key]
        return [int(x) for x in run(args, timeout=timeout)]


def consume(bootstrap, registry_url, topic, n, timeout=60):
    """Reads n records from the start of partition 0 with Apicurio's AvroKafkaDeserializer;
    returns [(key, value dict in to_json form, schema id)]."""
    lines = run(["consume", "--bootstrap", bootstrap, "--registry", core_url(registry_url), "--topic", topic,
                 "--count", str(n), "--timeout", str(timeout)], timeout=timeout + 120)
    out = []
    for ln in lines:
        o = json.loads(ln)
        out.append((o["key"], o["value"], o["schema_id"]))
    return out


if __name__ == "__main__":
    args = sys.argv[1:]
    if args and args[0] in ("produce", "consume") and "--registry" in args:
        i = args.index("--registry") + 1
        if i < len(args):
            args[i] = core_url(args[i])
    for line in run(args):
        print(line)
