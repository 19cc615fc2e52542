"""kconnect's group assignors against Java's own (connect-runtime 3.9.1 from Maven Central).

Generates a few hundred seeded random multi-round group histories (and 3 big ones: 30-60
workers, thousands of tasks), runs each through
test/java/AssignorHarness.java (the real EagerAssignor, IncrementalCooperativeAssignor and
protocol serializers) and through the C test program `test_assignor --scenario`, and asserts the
same answer for every member in every round: error, config offset, delay, the assigned and the
revoked connectors and tasks (as sets), and the assignment bytes themselves; and the same
JoinGroup metadata bytes from every member (the C members build theirs with kc_cp_metadata_encode
from kc_cp_assignment_apply's state, the Java ones with IncrementalCooperativeConnectProtocol).

Both sides simulate the members the same way: a member's metadata is built from the assignment
it applied in the previous round (WorkerCoordinator.onJoinComplete: (previous - revoked) +
assigned), every member keeps its own assignor state, a member that misses rounds and comes
back unrestarted still runs its old assignment (duplicates), a restarted worker comes back empty.

Scenario file (one command per line, names have no spaces):
    protocol default|compatible|sessioned
    maxdelay MS                              scheduled.rebalance.max.delay.ms
    round NOW_MS LEADER_CONFIG_OFFSET        starts a round (generation = round number)
    conn NAME NTASKS                         the configured snapshot
    member ID URL CONFIG_OFFSET FRESH        JoinGroup members in order; FRESH 1 = restarted worker
    leader ID
    drop ID                                  this member never receives its SyncGroup answer
    end                                      runs the round

Skips (exit 0, "SKIP") only when java or mvn are missing (CI has both); a JDK without javac fails.
"""
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile

ROOT = os.environ.get("KC_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tools", "bench"))
sys.path.insert(0, os.path.join(ROOT, "test"))

SCENARIOS = int(os.environ.get("KC_ASSIGNOR_SCENARIOS", "300"))
HARNESS = os.path.join(ROOT, "test", "java", "AssignorHarness.java")
MAIN_CLASS = "org.apache.kafka.connect.runtime.distributed.AssignorHarness"

NAME_STEMS = ["conn", "sink-s3", "src", "caf\u00e9", "\u65e5\u672c", "x\U0001F600", "Aa", "BB", "jdbc"]


def c_program():
    exe = os.path.join(os.path.dirname(os.environ.get("KCONNECT_BIN", os.path.join(ROOT, "build", "kconnect"))),
                       "test_assignor")
    if not os.path.exists(exe):
        raise RuntimeError("%s not built (cmake --build <dir> --target test_assignor)" % exe)
    return exe


def java_classpath():
    import benchlib
    libs, _ = benchlib.java_connect_home()
    jars = sorted(os.path.join(libs, j) for j in os.listdir(libs) if j.endswith(".jar"))
    with open(HARNESS, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:16]
    out = os.path.join(benchlib.cache_dir(), "assignor-harness-" + digest)
    if not os.path.isdir(out):
        if not shutil.which("javac"):
            raise RuntimeError("javac not found: install a JDK (tools/install-deps installs Java 17)")
        tmp = out + ".part%d" % os.getpid()
        os.makedirs(tmp, exist_ok=True)
        subprocess.run(["javac", "-nowarn", "-encoding", "UTF-8", "-cp", ":".join(jars), "-d", tmp, HARNESS],
                       check=True)
        try:
            os.rename(tmp, out)
        except OSError:  # another run got there first
            shutil.rmtree(tmp, ignore_errors=True)
    return ":".join([out] + jars)


class Gen:
    """A random group history: workers come, go and come back; connectors are created, deleted
    and resized; time jumps across scheduled delays; offsets sometimes disagree."""

    def __init__(self, seed):
        self.r = random.Random(seed)
        self.next_worker = 0
        self.next_conn = 0

    def worker_id(self):
        self.next_worker += 1
        tail = "%08x" % self.r.getrandbits(32)
        if self.r.random() < 0.1:
            return "w\u00fcrker-%d-%s" % (self.next_worker, tail)
        return "connect-%d-%s" % (self.next_worker, tail)

    def conn_name(self):
        self.next_conn += 1
        return "%s-%d" % (self.r.choice(NAME_STEMS), self.next_conn)

    def scenario(self, big=False):
        r = self.r
        protocol = r.choice(["sessioned", "sessioned", "compatible", "compatible", "default"])
        maxdelay = r.choice([0, 1000, 5000, 300000, r.randint(1, 20000)])
        lines = ["protocol " + protocol, "maxdelay %d" % maxdelay]
        if big:  # thousands of tasks, tables of 64+ buckets everywhere
            conns = {self.conn_name(): r.randint(0, 30) for _ in range(r.randint(100, 300))}
            live = [self.worker_id() for _ in range(r.randint(30, 60))]
        else:
            conns = {self.conn_name(): r.randint(0, 6) for _ in range(r.randint(0, 6))}
            # some big groups: past 12 members a HashMap of member ids has 32 buckets
            live = [self.worker_id() for _ in range(r.randint(1, 5) if r.random() < 0.85 else r.randint(10, 20))]
        gone = []
        leader = live[0]
        now = r.randint(0, 10 ** 6)
        offset = r.randint(0, 100)
        rounds = r.randint(3, 14)
        # A bounce (KIP-415's case): workers leave, restart empty before the delay ends, and get
        # their lost items back from the leader once it has; planned as (event, time step) rounds.
        plan = []
        if protocol != "default" and maxdelay > 10 and r.random() < 0.5:
            at = r.randint(1, max(1, rounds - 4))
            plan = [None] * at + [("bounce-leave", 100), (None, maxdelay // 4), ("bounce-back", maxdelay // 4),
                                  (None, maxdelay)]
            rounds = max(rounds, len(plan))
        bounced = []
        for rnd in range(rounds):
            step_plan = plan[rnd] if rnd < len(plan) else None
            ev = r.random() if step_plan is None else 2.0
            fresh = set()
            if step_plan and step_plan[0] == "bounce-leave" and len(live) > 1:
                bounced = r.sample(live, r.randint(1, len(live) - 1) if len(live) < 4 else r.randint(2, len(live) - 1))
                for w in bounced:
                    live.remove(w)
            elif step_plan and step_plan[0] == "bounce-back":
                live.extend(bounced)
                fresh.update(bounced)
            elif ev < 0.08 and len(live) > 1:                      # a worker leaves
                w = r.choice(live)
                live.remove(w)
                gone.append(w)
            elif ev < 0.15 and len(live) > 2:                    # several leave at once
                for w in r.sample(live, r.randint(2, len(live) - 1)):
                    live.remove(w)
                    gone.append(w)
            elif ev < 0.30:                                      # a new worker joins
                live.append(self.worker_id())
            elif ev < 0.40 and gone:                             # one comes back
                w = gone.pop(r.randrange(len(gone)))
                live.append(w)
                if r.random() < 0.7:
                    fresh.add(w)                                 # restarted: empty, same id
            elif ev < 0.45 and gone:                             # or comes back under a new id
                gone.pop(r.randrange(len(gone)))
                live.append(self.worker_id())
            elif ev < 0.52 and gone:                             # all the departed ones restart
                live.extend(gone)
                fresh.update(gone)
                gone = []
            skip = set()
            if step_plan is None and len(live) > 1 and r.random() < 0.08:
                skip.add(r.choice(live))                         # too slow for this round only
            if step_plan is None and r.random() < 0.35:          # config changes
                offset += r.randint(1, 3)
                kind = r.random()
                if kind < 0.4 or not conns:
                    conns[self.conn_name()] = r.randint(0, 8)
                elif kind < 0.7:
                    del conns[r.choice(sorted(conns))]
                else:
                    conns[r.choice(sorted(conns))] = r.randint(0, 8)
            step = r.choice([0, 50, 500, maxdelay // 3, maxdelay // 2, maxdelay + 1, r.randint(0, 40000)])
            if step_plan:
                step = step_plan[1]
            now += step
            order = [w for w in live if w not in skip]
            if leader not in order or r.random() < 0.1:
                leader = r.choice(order)
            r.shuffle(order)
            lines.append("round %d %d" % (now, offset - (1 if r.random() < 0.02 else 0)))
            for c in r.sample(sorted(conns), len(conns)):
                lines.append("conn %s %d" % (c, conns[c]))
            for w in order:
                ahead = 1 if r.random() < 0.005 else 0
                lines.append("member %s http://%s:8083/ %d %d" % (w, w[:12], offset + ahead, 1 if w in fresh else 0))
            lines.append("leader " + leader)
            for w in order:
                if r.random() < 0.04:
                    lines.append("drop " + w)
            lines.append("end")
        return "\n".join(lines) + "\n"


def parse(text):
    """{scenario: [(round, member, err, off, delay, assigned set, revoked set, hex)]} and
    {scenario: [(round, member, JoinGroup metadata hex)]}"""
    out, cur, meta, mcur = {}, None, {}, None
    for line in text.splitlines():
        if line.startswith("S "):
            cur = out.setdefault(line[2:], [])
            mcur = meta.setdefault(line[2:], [])
            continue
        if line.startswith("M "):
            mcur.append(tuple(line.split(" ")[1:4]))
            continue
        if not line.startswith("R "):
            continue
        f = line.split(" ")
        kv = dict(x.split("=", 1) for x in f[3:])
        items = lambda s: frozenset(s.split(",")) if s else frozenset()  # noqa: E731
        cur.append((int(f[1]), f[2], int(kv["err"]), int(kv["off"]), int(kv["delay"]), items(kv["A"]),
                    items(kv["V"]), kv["HEX"]))
    return out, meta


def test_assignors_match_java():
    exe = c_program()
    cp = java_classpath()
    work = tempfile.mkdtemp(prefix="kc-assignor-")
    try:
        files = []
        for seed in range(SCENARIOS + 3):
            p = os.path.join(work, "s%03d.txt" % seed)
            with open(p, "w", encoding="utf-8") as f:
                f.write(Gen(seed).scenario(big=seed >= SCENARIOS))
            files.append(p)
        java = subprocess.run(["java", "-Dlog4j.configuration=none", "-cp", cp, MAIN_CLASS, "scenario"] + files,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        if java.returncode != 0:
            raise AssertionError("Java harness failed: %s" % java.stderr.decode("utf-8", "replace")[-2000:])
        jres, jmeta = parse(java.stdout.decode("utf-8"))
        rounds = members = same_bytes = delayed = revoking = mismatched = metadata = 0
        protocols = {}
        for p in files:
            c = subprocess.run([exe, "--scenario", p], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
            if c.returncode != 0:
                raise AssertionError("%s: C side failed: %s" % (p, c.stderr.decode("utf-8", "replace")[-2000:]))
            cres, cmeta = parse("S %s\n" % p + c.stdout.decode("utf-8"))
            cres, cmeta = cres[p], cmeta[p]
            jm = jmeta.get(p, [])
            if cmeta != jm:
                n = max(len(jm), len(cmeta))
                bad = next((a, b) for a, b in zip(jm + [None] * n, cmeta + [None] * n) if a != b)
                raise AssertionError("%s: JoinGroup metadata differs (%d lines Java, %d C):\n Java %s\n C    %s"
                                     % (p, len(jm), len(cmeta), bad[0], bad[1]))
            metadata += len(cmeta)
            j = jres.get(p)
            if j is None or len(j) != len(cres):
                raise AssertionError("%s: Java %s lines, C %d" % (p, None if j is None else len(j), len(cres)))
            for jl, cl in zip(j, cres):
                if jl[:7] != cl[:7]:
                    raise AssertionError("%s round %d member %s differs:\n Java %r\n C    %r\nscenario:\n%s" % (
                        p, jl[0], jl[1], jl[:7], cl[:7], open(p, encoding="utf-8").read()))
                if jl[7] != cl[7]:
                    raise AssertionError("%s round %d member %s: same assignment, different bytes:\n Java %s\n C    %s"
                                         % (p, jl[0], jl[1], jl[7], cl[7]))
                same_bytes += 1
                members += 1
            rounds += len({x[0] for x in j})
            delayed += len({x[0] for x in j if x[4] > 0})
            revoking += len({x[0] for x in j if x[6]})
            mismatched += len({x[0] for x in j if x[2]})
            proto = open(p, encoding="utf-8").readline().split()[1]
            protocols[proto] = protocols.get(proto, 0) + 1
        print("compared %d scenarios (%s), %d rounds (%d with a scheduled delay, %d revoking, %d CONFIG_MISMATCH), "
              "%d member assignments with Java: all equal, %d byte-identical; %d member metadata byte-identical"
              % (len(files), ", ".join("%s %d" % kv for kv in sorted(protocols.items())), rounds, delayed, revoking,
                 mismatched, members, same_bytes, metadata), flush=True)
        assert delayed and revoking and mismatched, "the scenarios no longer cover delays, revocations and mismatches"
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    missing = [t for t in ("java", "mvn") if not shutil.which(t)]
    if missing:
        print("SKIP: %s not installed" % ", ".join(missing))
        sys.exit(0)
    import kctest
    kctest.main([test_assignors_match_java])
