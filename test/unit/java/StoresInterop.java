/*
 * Java Connect's own Kafka-backed stores (connect-runtime 3.9.1) for the C store tests
 * (test_store_config, test_store_status, test_offset_store_kafka): writes the same records the
 * C tests write, or reads a topic the C stores wrote and prints what Java sees, one fact a line.
 *
 *   java -cp <classes>:<connect libs> StoresInterop <bootstrap> write-config <topic>
 *   java ... StoresInterop <bootstrap> read-config <topic>
 *   java ... StoresInterop <bootstrap> write-status <topic>
 *   java ... StoresInterop <bootstrap> read-status <topic>
 *   java ... StoresInterop <bootstrap> write-offsets <topic> <partitions> <key> <value> [<key> <value>...]
 *   java ... StoresInterop <bootstrap> read-offsets <topic> <partitions> <key>...
 */
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;

import org.apache.kafka.common.utils.Time;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.runtime.*;
import org.apache.kafka.connect.runtime.distributed.DistributedConfig;
import org.apache.kafka.connect.storage.*;
import org.apache.kafka.connect.util.ConnectorTaskId;
import org.apache.kafka.connect.util.TopicAdmin;

public class StoresInterop {
    static Map<String, String> workerProps(String bootstrap, String cfgTopic, String offTopic, String stTopic,
                                           int partitions) {
        Map<String, String> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "kc-test-java-" + System.nanoTime());
        p.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        p.put("config.storage.topic", cfgTopic);
        p.put("offset.storage.topic", offTopic);
        p.put("status.storage.topic", stTopic);
        p.put("config.storage.replication.factor", "1");
        p.put("offset.storage.replication.factor", "1");
        p.put("status.storage.replication.factor", "1");
        p.put("offset.storage.partitions", Integer.toString(partitions));
        p.put("status.storage.partitions", Integer.toString(partitions));
        return p;
    }

    /* One line per fact: control characters and the backslash written as escapes. */
    static String esc(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            if (c == '\\') b.append("\\\\");
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.toString();
    }

    static JsonConverter converter(boolean isKey) {
        JsonConverter c = new JsonConverter();
        c.configure(Collections.singletonMap("schemas.enable", false), isKey);
        return c;
    }

    static Map<String, String> quickstart() {
        Map<String, String> m = new LinkedHashMap<>(); /* the order the C test uses */
        m.put("connector.class", "FileStreamSource");
        m.put("file", "test.txt");
        m.put("tasks.max", "1");
        m.put("name", "local-file-source");
        m.put("topic", "connect-test");
        return m;
    }

    static final ConfigBackingStore.UpdateListener QUIET = new ConfigBackingStore.UpdateListener() {
        public void onConnectorConfigRemove(String c) {}
        public void onConnectorConfigUpdate(String c) {}
        public void onTaskConfigUpdate(Collection<ConnectorTaskId> t) {}
        public void onConnectorTargetStateChange(String c) {}
        public void onSessionKeyUpdate(SessionKey k) {}
        public void onRestartRequest(RestartRequest r) {}
        public void onLoggingLevelUpdate(String ns, String level) {}
    };

    static KafkaConfigBackingStore configStore(String bootstrap, String topic) {
        Map<String, String> wp = workerProps(bootstrap, topic, topic + "-o", topic + "-s", 1);
        DistributedConfig dc = new DistributedConfig(wp);
        Map<String, Object> admin = new HashMap<>();
        admin.put("bootstrap.servers", bootstrap);
        KafkaConfigBackingStore s = new KafkaConfigBackingStore(converter(false), dc, null,
                () -> new TopicAdmin(admin), "kc-test-java-");
        s.setUpdateListener(QUIET);
        s.start();
        return s;
    }

    static void writeConfig(String bootstrap, String topic) {
        KafkaConfigBackingStore s = configStore(bootstrap, topic);
        String name = "local-file-source";
        s.putConnectorConfig(name, quickstart(), null);
        s.putTaskConfigs(name, Collections.singletonList(quickstart()));
        s.putTargetState(name, TargetState.STOPPED);
        s.putRestartRequest(new RestartRequest(name, false, true));
        byte[] key = {0x00, 0x01, (byte) 0xfe, (byte) 0xff, 0x10, 0x20, 0x30};
        s.putSessionKey(new SessionKey(new SecretKeySpec(key, "HmacSHA256"), 1700000000000L));
        Map<String, String> esc = new LinkedHashMap<>();
        esc.put("name", "esc");
        esc.put("x", "\u00e9/\"\\\n\u0001");
        s.putConnectorConfig("esc", esc, TargetState.PAUSED);
        s.stop();
    }

    static void readConfig(String bootstrap, String topic) {
        KafkaConfigBackingStore s = configStore(bootstrap, topic);
        ClusterConfigState st = s.snapshot();
        System.out.println("offset " + st.offset());
        for (String c : new TreeSet<>(st.connectors())) {
            System.out.println("connector " + c + " target " + st.targetState(c) + " tasks " + st.taskCount(c)
                    + " inconsistent " + st.inconsistentConnectors().contains(c));
            for (Map.Entry<String, String> e : new TreeMap<>(st.rawConnectorConfig(c)).entrySet())
                System.out.println("  config " + e.getKey() + "=" + esc(e.getValue()));
            for (ConnectorTaskId t : st.tasks(c))
                for (Map.Entry<String, String> e : new TreeMap<>(st.rawTaskConfig(t)).entrySet())
                    System.out.println("  task " + t.task() + " " + e.getKey() + "=" + esc(e.getValue()));
        }
        SessionKey k = st.sessionKey();
        if (k != null)
            System.out.println("session-key " + Base64.getEncoder().encodeToString(k.key().getEncoded()) + " "
                    + k.key().getAlgorithm() + " " + k.creationTimestamp());
        s.stop();
    }

    static KafkaStatusBackingStore statusStore(String bootstrap, String topic) {
        Map<String, String> wp = workerProps(bootstrap, topic + "-c", topic + "-o", topic, 5);
        DistributedConfig dc = new DistributedConfig(wp);
        Map<String, Object> admin = new HashMap<>();
        admin.put("bootstrap.servers", bootstrap);
        KafkaStatusBackingStore s = new KafkaStatusBackingStore(Time.SYSTEM, converter(false),
                () -> new TopicAdmin(admin), "kc-test-java-");
        s.configure(dc);
        s.start();
        return s;
    }

    static final String TRACE = "org.apache.kafka.connect.errors.ConnectException: boom \"x\"\n\tat Foo.bar(Foo.java:1)";

    static void writeStatus(String bootstrap, String topic) {
        KafkaStatusBackingStore s = statusStore(bootstrap, topic);
        s.put(new ConnectorStatus("local-file-source", AbstractStatus.State.RUNNING, "host:8083", 12));
        s.put(new TaskStatus(new ConnectorTaskId("local-file-source", 0), AbstractStatus.State.FAILED, "host:8083",
                12, TRACE));
        s.put(new TopicStatus("connect-test", "local-file-source", 0, 1700000000123L));
        s.put(new ConnectorStatus("gone", AbstractStatus.State.DESTROYED, "host:8083", 12));
        s.flush();
        s.stop();
    }

    static void readStatus(String bootstrap, String topic) {
        KafkaStatusBackingStore s = statusStore(bootstrap, topic);
        for (String c : new TreeSet<>(s.connectors())) {
            ConnectorStatus cs = s.get(c);
            if (cs != null)
                System.out.println("connector " + c + " " + cs.state() + " " + cs.workerId() + " " + cs.generation()
                        + " trace=" + esc(cs.trace()));
            List<TaskStatus> ts = new ArrayList<>(s.getAll(c));
            ts.sort(Comparator.comparingInt(t -> t.id().task()));
            for (TaskStatus t : ts)
                System.out.println("task " + c + "-" + t.id().task() + " " + t.state() + " " + t.workerId() + " "
                        + t.generation() + " trace=" + esc(t.trace()));
            for (TopicStatus t : s.getAllTopics(c))
                System.out.println("topic " + c + " " + t.topic() + " " + t.task() + " " + t.discoverTimestamp());
        }
        s.stop();
    }

    static KafkaOffsetBackingStore offsetStore(String bootstrap, String topic, int partitions) {
        Map<String, String> wp = workerProps(bootstrap, topic + "-c", topic, topic + "-s", partitions);
        DistributedConfig dc = new DistributedConfig(wp);
        Map<String, Object> admin = new HashMap<>();
        admin.put("bootstrap.servers", bootstrap);
        KafkaOffsetBackingStore s = new KafkaOffsetBackingStore(() -> new TopicAdmin(admin),
                () -> "kc-test-java-", converter(true));
        s.configure(dc);
        s.start();
        return s;
    }

    static ByteBuffer bb(String s) {
        return ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    }

    public static void main(String[] a) throws Exception {
        String bootstrap = a[0], mode = a[1], topic = a[2];
        switch (mode) {
            case "write-config": writeConfig(bootstrap, topic); break;
            case "read-config": readConfig(bootstrap, topic); break;
            case "write-status": writeStatus(bootstrap, topic); break;
            case "read-status": readStatus(bootstrap, topic); break;
            case "write-offsets": {
                KafkaOffsetBackingStore s = offsetStore(bootstrap, topic, Integer.parseInt(a[3]));
                Map<ByteBuffer, ByteBuffer> m = new LinkedHashMap<>();
                for (int i = 4; i + 1 < a.length; i += 2) m.put(bb(a[i]), a[i + 1].equals("null") ? null : bb(a[i + 1]));
                s.set(m, (err, ignored) -> { if (err != null) err.printStackTrace(); }).get(30, TimeUnit.SECONDS);
                s.stop();
                break;
            }
            case "read-offsets": {
                KafkaOffsetBackingStore s = offsetStore(bootstrap, topic, Integer.parseInt(a[3]));
                List<ByteBuffer> keys = new ArrayList<>();
                for (int i = 4; i < a.length; i++) keys.add(bb(a[i]));
                Map<ByteBuffer, ByteBuffer> got = s.get(keys).get(30, TimeUnit.SECONDS);
                for (int i = 4; i < a.length; i++) {
                    ByteBuffer v = got.get(bb(a[i]));
                    System.out.println("offset " + a[i] + " " + (v == null ? "null" : StandardCharsets.UTF_8.decode(v)));
                }
                s.stop();
                break;
            }
            default: throw new IllegalArgumentException(mode);
        }
        System.exit(0); /* the stores' daemon threads */
    }
}
