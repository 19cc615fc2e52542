/*
 * Runs connect-runtime's own Connect group protocol classes (EagerAssignor,
 * IncrementalCooperativeAssignor, IncrementalCooperativeConnectProtocol, ConnectProtocol) so that
 * test/e2e/test_assignor_java.py can compare kconnect's C assignors with them, and prints the
 * byte vectors that test/unit/test_connect_protocol.c holds.
 *
 *   java AssignorHarness vectors          hex of fixed encodings, one "name hex" per line
 *   java AssignorHarness scenario FILE... runs scenarios (format: test/e2e/test_assignor_java.py),
 *                                         printing "S FILE" before each one's lines
 *
 * It lives in Connect's package to reach the package-private API; the WorkerCoordinator is a
 * real one (no network client: the assignors only read its config snapshot and generations)
 * with those getters overridden, and time is a fixed clock the scenario sets.
 */
package org.apache.kafka.connect.runtime.distributed;

import org.apache.kafka.clients.GroupRebalanceConfig;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.metrics.Metrics;
import org.apache.kafka.common.utils.LogContext;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.storage.ClusterConfigState;
import org.apache.kafka.connect.util.ConnectorTaskId;

import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

public class AssignorHarness {
    static final class FixedTime implements Time {
        long now;
        public long milliseconds() { return now; }
        public long nanoseconds() { return now * 1_000_000L; }
        public void sleep(long ms) { now += ms; }
        public void waitObject(Object obj, Supplier<Boolean> condition, long deadlineMs) { }
    }

    static final class StubCoordinator extends WorkerCoordinator {
        ClusterConfigState snapshot;
        int generation = -1;
        int lastCompleted = -1;
        final String id;

        StubCoordinator(String id, Time time, int maxDelay) {
            super(new GroupRebalanceConfig(10000, 60000, 3000, "harness", Optional.empty(), 100L, 1000L, true),
                  new LogContext(), null, new Metrics(), "connect", time, "http://harness/", null, null,
                  ConnectProtocolCompatibility.SESSIONED, maxDelay);
            this.id = id;
        }
        @Override public ClusterConfigState configSnapshot() { return snapshot; }
        @Override public ClusterConfigState configFreshSnapshot() { return snapshot; }
        @Override public void configSnapshot(ClusterConfigState update) { snapshot = update; }
        @Override public int generationId() { return generation; }
        @Override public int lastCompletedGenerationId() { return lastCompleted; }
        @Override public String memberId() { return id; }
    }

    /** A simulated worker: WorkerCoordinator's assignmentSnapshot, lastCompletedGenerationId and its assignor. */
    static final class Worker {
        String id, url;
        long offset;
        ExtendedAssignment snapshot;
        StubCoordinator coordinator;
        IncrementalCooperativeAssignor cooperative;
        EagerAssignor eager;
    }

    static ClusterConfigState snapshot(long offset, Map<String, Integer> taskCounts) {
        Map<String, Map<String, String>> configs = new LinkedHashMap<>();
        for (String c : taskCounts.keySet()) configs.put(c, Collections.emptyMap());
        return new ClusterConfigState(offset, null, taskCounts, configs, Collections.emptyMap(),
                Collections.emptyMap(), Collections.emptyMap(), Collections.emptyMap(), Collections.emptyMap(),
                Collections.emptySet(), Collections.emptySet());
    }

    static String hex(ByteBuffer b) {
        if (b == null) return "null";
        StringBuilder sb = new StringBuilder();
        ByteBuffer d = b.duplicate();
        while (d.hasRemaining()) sb.append(String.format("%02x", d.get() & 0xff));
        return sb.toString();
    }

    static String items(java.util.Collection<String> conns, java.util.Collection<ConnectorTaskId> tasks) {
        StringBuilder sb = new StringBuilder();
        for (String c : conns) sb.append(sb.length() > 0 ? "," : "").append(c).append("/-1");
        for (ConnectorTaskId t : tasks) sb.append(sb.length() > 0 ? "," : "").append(t.connector()).append('/').append(t.task());
        return sb.toString();
    }

    public static void main(String[] args) throws Exception {
        PrintStream out = new PrintStream(System.out, true, "UTF-8");
        if (args.length == 1 && args[0].equals("vectors")) vectors(out);
        else if (args.length >= 2 && args[0].equals("scenario")) {
            for (int i = 1; i < args.length; i++) {
                out.println("S " + args[i]);
                scenario(args[i], out);
            }
        }
        else throw new IllegalArgumentException("usage: vectors | scenario FILE");
    }

    static void vectors(PrintStream out) {
        List<ConnectorTaskId> tasks = Arrays.asList(new ConnectorTaskId("sink-b", 0), new ConnectorTaskId("src-a", 1),
                new ConnectorTaskId("sink-b", 2), new ConnectorTaskId("caf\u00e9", 0));
        List<String> conns = Arrays.asList("src-a", "sink-b", "zeta", "caf\u00e9", "\ud83d\ude00");
        out.println("metadata_v0 " + hex(ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState("http://w1:8083/", 42))));
        out.println("metadata_v1_null " + hex(IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://w1:8083/", 7, null), false)));
        ExtendedAssignment a = new ExtendedAssignment((short) 1, (short) 0, "leader-1", "http://l:8083/", 9,
                new ArrayList<>(conns), new ArrayList<>(tasks), new ArrayList<>(Arrays.asList("old", "zeta")),
                new ArrayList<>(Collections.singletonList(new ConnectorTaskId("old", 3))), 1234);
        out.println("metadata_v2_alloc " + hex(IncrementalCooperativeConnectProtocol.serializeMetadata(
                new ExtendedWorkerState("http://w2:8083/", -1, a), true)));
        out.println("assignment_v1 " + hex(IncrementalCooperativeConnectProtocol.serializeAssignment(a, false)));
        out.println("assignment_v2 " + hex(IncrementalCooperativeConnectProtocol.serializeAssignment(a, true)));
        ExtendedAssignment e = new ExtendedAssignment((short) 2, (short) 1, "leader-1", "http://l:8083/", 5,
                Collections.emptyList(), Collections.emptyList(), Collections.emptyList(), Collections.emptyList(), 0);
        out.println("assignment_v2_mismatch " + hex(IncrementalCooperativeConnectProtocol.serializeAssignment(e, true)));
        ConnectProtocol.Assignment v0 = new ConnectProtocol.Assignment((short) 0, "leader-1", "http://l:8083/", 11,
                conns, tasks);
        out.println("assignment_v0 " + hex(ConnectProtocol.serializeAssignment(v0)));
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) many.add("connector-" + i);
        ConnectProtocol.Assignment big = new ConnectProtocol.Assignment((short) 0, "l", "u", 1, many, Collections.emptyList());
        out.println("assignment_v0_40 " + hex(ConnectProtocol.serializeAssignment(big)));
        for (int max : new int[] {0, 1, 39, 40, 1000, 300000, 2147483647}) {
            org.apache.kafka.common.utils.ExponentialBackoff b =
                    new org.apache.kafka.common.utils.ExponentialBackoff(max == 0 ? 0 : 1, 40, max, 0);
            StringBuilder sb = new StringBuilder();
            for (int n = 1; n <= 8; n++) sb.append(n > 1 ? "," : "").append((int) b.backoff(n));
            out.println("backoff_" + max + " " + sb);
        }
    }

    /* Scenario file: see test/e2e/test_assignor_java.py. */
    static void scenario(String path, PrintStream out) throws Exception {
        List<String> lines = Files.readAllLines(Paths.get(path), StandardCharsets.UTF_8);
        String protocol = "sessioned";
        int maxDelay = 0;
        FixedTime time = new FixedTime();
        Map<String, Worker> workers = new HashMap<>();
        int round = 0;
        long leaderOffset = 0;
        String leader = null;
        Map<String, Integer> conns = new LinkedHashMap<>();
        List<String> joined = new ArrayList<>();
        List<String> dropped = new ArrayList<>();
        for (String line : lines) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "protocol": protocol = f[1]; break;
                case "maxdelay": maxDelay = Integer.parseInt(f[1]); break;
                case "round":
                    round++;
                    time.now = Long.parseLong(f[1]);
                    leaderOffset = Long.parseLong(f[2]);
                    conns = new LinkedHashMap<>();
                    joined = new ArrayList<>();
                    dropped = new ArrayList<>();
                    break;
                case "conn": conns.put(f[1], Integer.parseInt(f[2])); break;
                case "member": {
                    Worker w = workers.get(f[1]);
                    if (w == null || f[4].equals("1")) {
                        w = new Worker();
                        w.id = f[1];
                        w.coordinator = new StubCoordinator(f[1], time, maxDelay);
                        w.cooperative = new IncrementalCooperativeAssignor(new LogContext(), time, maxDelay);
                        w.eager = new EagerAssignor(new LogContext());
                        workers.put(f[1], w);
                    }
                    w.url = f[2];
                    w.offset = Long.parseLong(f[3]);
                    joined.add(f[1]);
                    break;
                }
                case "leader": leader = f[1]; break;
                case "drop": dropped.add(f[1]); break;
                case "end": runRound(out, round, protocol, time, workers, joined, dropped, leader, leaderOffset, conns); break;
                default: if (!f[0].isEmpty()) throw new IllegalArgumentException("bad line: " + line);
            }
        }
    }

    static void runRound(PrintStream out, int round, String protocol, FixedTime time, Map<String, Worker> workers,
                         List<String> joined, List<String> dropped, String leader, long leaderOffset,
                         Map<String, Integer> conns) {
        // Members that did not rejoin are out of this generation but keep their state: one that
        // comes back with FRESH 0 still runs its old assignment (a worker kicked out for a late
        // JoinGroup), which is how duplicated assignments happen.
        boolean eager = protocol.equals("default");
        boolean sessioned = protocol.equals("sessioned");
        List<JoinGroupResponseMember> members = new ArrayList<>();
        for (String id : joined) {
            Worker w = workers.get(id);
            ByteBuffer md = eager
                    ? ConnectProtocol.serializeMetadata(new ConnectProtocol.WorkerState(w.url, w.offset))
                    : IncrementalCooperativeConnectProtocol.serializeMetadata(
                            new ExtendedWorkerState(w.url, w.offset, w.snapshot), sessioned);
            members.add(new JoinGroupResponseMember().setMemberId(id).setMetadata(Arrays.copyOf(md.array(), md.limit())));
            out.println("M " + round + " " + id + " " + hex(md));
        }
        Worker l = workers.get(leader);
        l.coordinator.snapshot = snapshot(leaderOffset, conns);
        l.coordinator.generation = round;
        Map<String, ByteBuffer> result = eager
                ? l.eager.performAssignment(leader, protocol, members, l.coordinator)
                : l.cooperative.performAssignment(leader, protocol, members, l.coordinator);
        for (String id : joined) {
            ByteBuffer bytes = result.get(id);
            ExtendedAssignment a = IncrementalCooperativeConnectProtocol.deserializeAssignment(bytes.duplicate());
            out.println("R " + round + " " + id + " err=" + a.error() + " off=" + a.offset() + " delay=" + a.delay()
                    + " A=" + items(a.connectors(), a.tasks()) + " V=" + items(a.revokedConnectors(), a.revokedTasks())
                    + " HEX=" + hex(bytes));
            if (dropped.contains(id)) continue; // this member never got its SyncGroup answer
            Worker w = workers.get(id);
            // WorkerCoordinator.onJoinComplete
            if (!eager && w.snapshot != null) {
                w.snapshot.connectors().removeAll(a.revokedConnectors());
                w.snapshot.tasks().removeAll(a.revokedTasks());
                a.connectors().addAll(w.snapshot.connectors());
                a.tasks().addAll(w.snapshot.tasks());
            }
            w.snapshot = a;
            w.coordinator.lastCompleted = round;
        }
    }
}
