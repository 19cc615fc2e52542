// An independent writer and reader of the Confluent Schema Registry wire format (magic 0x00,
// 4-byte big-endian schema id, Avro binary) built on Apicurio's Kafka serde, for kconnect's Avro
// tests: a record kconnect writes must be readable by this peer and the other way round, and the
// peer shares no code with kconnect or with the Python peer (test/avro_peer.py).
//
// Run through test/apicurio_peer.py, which fetches the jars, compiles this file and passes:
//   produce --bootstrap B --registry URL --topic T --schema FILE --count N [--input FILE] [--key K]
//       writes N GenericRecords of the schema in FILE; values come from the JSON lines of --input
//       (the form test/avro_peer.py's to_json gives: timestamp-millis as epoch milliseconds, decimals
//       as decimal strings, bytes as hex); without --input, records are synthesised. Prints each
//       written record's schema id, one per line.
//   consume --bootstrap B --registry URL --topic T --count N [--timeout SECONDS]
//       reads N records from the beginning of T and prints each as one JSON line
//       {"key": ..., "schema_id": ID, "value": {...}} in the same form.
// URL is Apicurio's core API base (http://HOST:PORT/apis/registry/v2): the serde speaks that API,
// not ccompat. In the Confluent-compatible mode below the 4 bytes it writes are contentIds, which
// are the ids ccompat's GET /schemas/ids/{id} resolves (unless the registry runs with
// registry.ccompat.legacy-id-mode.enabled=true, where ccompat shows globalIds).
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import java.io.BufferedReader;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class ApicurioAvroPeer {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] argv) throws Exception {
        if (argv.length < 1) {
            usage();
        }
        Map<String, String> a = new HashMap<>();
        for (int i = 1; i + 1 < argv.length; i += 2) {
            if (!argv[i].startsWith("--")) {
                usage();
            }
            a.put(argv[i].substring(2), argv[i + 1]);
        }
        for (String k : new String[] {"bootstrap", "registry", "topic", "count"}) {
            if (!a.containsKey(k)) {
                usage();
            }
        }
        switch (argv[0]) {
            case "produce" -> produce(a);
            case "consume" -> consume(a);
            default -> usage();
        }
    }

    private static void usage() {
        System.err.println("usage: ApicurioAvroPeer produce|consume --bootstrap B --registry URL --topic T --count N"
                + " [--schema FILE] [--input FILE] [--key K] [--timeout S]");
        System.exit(2);
    }

    /** Apicurio serde settings that make it write and read Confluent's framing. */
    private static Map<String, Object> serdeConfig(String registry) {
        Map<String, Object> c = new HashMap<>();
        c.put(SerdeConfig.REGISTRY_URL, registry);
        c.put(SerdeConfig.ENABLE_CONFLUENT_ID_HANDLER, "true");
        // as-confluent alone already implies these; spelled out so the mode does not hang on a default.
        c.put(SerdeConfig.ID_HANDLER, "io.apicurio.registry.serde.Legacy4ByteIdHandler");
        c.put(SerdeConfig.USE_ID, "contentId");
        c.put(SerdeConfig.ENABLE_HEADERS, "false");
        c.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, "true");
        return c;
    }

    private static void produce(Map<String, String> a) throws Exception {
        Schema schema = new Schema.Parser().parse(Files.readString(Paths.get(a.get("schema"))));
        int count = Integer.parseInt(a.get("count"));
        List<GenericRecord> records = new ArrayList<>();
        if (a.containsKey("input")) {
            try (BufferedReader r = Files.newBufferedReader(Paths.get(a.get("input")), StandardCharsets.UTF_8)) {
                String line;
                while (records.size() < count && (line = r.readLine()) != null) {
                    if (!line.isBlank()) {
                        records.add((GenericRecord) fromJson(schema, JSON.readTree(line)));
                    }
                }
            }
            if (records.size() < count) {
                throw new IllegalArgumentException("--input has " + records.size() + " records, --count " + count);
            }
        } else {
            for (int i = 0; i < count; i++) {
                records.add(synthesise(schema, i));
            }
        }
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("bootstrap"));
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        AvroKafkaSerializer<GenericRecord> ser = new AvroKafkaSerializer<>();
        ser.configure(serdeConfig(a.get("registry")), false);
        String key = a.get("key");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            for (GenericRecord rec : records) {
                byte[] bytes = ser.serialize(a.get("topic"), rec);
                producer.send(new ProducerRecord<>(a.get("topic"), key, bytes)).get();
                System.out.println(schemaId(bytes));
            }
        }
        ser.close();
    }

    private static void consume(Map<String, String> a) throws Exception {
        int count = Integer.parseInt(a.get("count"));
        long deadline = System.nanoTime() + (long) (Double.parseDouble(a.getOrDefault("timeout", "60")) * 1e9);
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, a.get("bootstrap"));
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "apicurio-avro-peer-" + UUID.randomUUID());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        AvroKafkaDeserializer<Object> de = new AvroKafkaDeserializer<>();
        de.configure(serdeConfig(a.get("registry")), false);
        int seen = 0;
        try (KafkaConsumer<String, byte[]> consumer =
                new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            // Assign partition 0 and read from the start: no group rebalance to wait for.
            TopicPartition tp = new TopicPartition(a.get("topic"), 0);
            consumer.assign(Collections.singletonList(tp));
            consumer.seekToBeginning(Collections.singletonList(tp));
            while (seen < count) {
                if (System.nanoTime() > deadline) {
                    System.err.println("timed out after " + seen + " of " + count + " records");
                    System.exit(1);
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (seen >= count) {
                        break;
                    }
                    Object value = de.deserialize(r.topic(), r.value());
                    ObjectNode out = JSON.createObjectNode();
                    out.put("key", r.key());
                    out.put("schema_id", schemaId(r.value()));
                    if (value instanceof GenericRecord) {
                        out.set("value", toJson(((GenericRecord) value).getSchema(), value));
                    } else if (value == null) {
                        out.putNull("value");
                    } else {
                        // a primitive schema ("string" from a FileStreamSource): Utf8, Long, ...
                        out.put("value", value.toString());
                    }
                    System.out.println(JSON.writeValueAsString(out));
                    seen++;
                }
            }
        }
        de.close();
    }

    private static long schemaId(byte[] framed) {
        if (framed == null || framed.length < 5 || framed[0] != 0) {
            throw new IllegalStateException("not Confluent framing (magic 0x00 + 4-byte id)");
        }
        return ByteBuffer.wrap(framed, 1, 4).getInt() & 0xffffffffL;
    }

    private static Schema nonNull(Schema s) {
        if (s.getType() != Schema.Type.UNION) {
            return s;
        }
        for (Schema b : s.getTypes()) {
            if (b.getType() != Schema.Type.NULL) {
                return b;
            }
        }
        return s;
    }

    private static Object fromJson(Schema s, JsonNode n) {
        if (n == null || n.isNull()) {
            return null;
        }
        s = nonNull(s);
        switch (s.getType()) {
            case RECORD: {
                GenericData.Record r = new GenericData.Record(s);
                for (Schema.Field f : s.getFields()) {
                    JsonNode v = n.get(f.name());
                    r.put(f.name(), v == null && f.hasDefaultValue()
                            ? GenericData.get().getDefaultValue(f) : fromJson(f.schema(), v));
                }
                return r;
            }
            case STRING:
                return n.asText();
            case INT:
                return n.asInt();
            case LONG:
                return n.asLong();
            case BOOLEAN:
                return n.asBoolean();
            case DOUBLE:
                return n.asDouble();
            case FLOAT:
                return (float) n.asDouble();
            case BYTES:
                if (s.getLogicalType() instanceof LogicalTypes.Decimal d) {
                    BigDecimal v = new BigDecimal(n.asText()).setScale(d.getScale());
                    return ByteBuffer.wrap(v.unscaledValue().toByteArray());
                }
                return ByteBuffer.wrap(HexFormat.of().parseHex(n.asText()));
            default:
                throw new IllegalArgumentException("type not handled by the peer: " + s);
        }
    }

    private static JsonNode toJson(Schema s, Object v) {
        if (v == null) {
            return JSON.nullNode();
        }
        if (s.getType() == Schema.Type.UNION) {
            s = s.getTypes().get(GenericData.get().resolveUnion(s, v));
        }
        switch (s.getType()) {
            case RECORD: {
                ObjectNode o = JSON.createObjectNode();
                GenericRecord r = (GenericRecord) v;
                for (Schema.Field f : s.getFields()) {
                    o.set(f.name(), toJson(f.schema(), r.get(f.name())));
                }
                return o;
            }
            case STRING:
                return JSON.getNodeFactory().textNode(v.toString());
            case INT:
                return JSON.getNodeFactory().numberNode((Integer) v);
            case LONG:
                return JSON.getNodeFactory().numberNode((Long) v);
            case BOOLEAN:
                return JSON.getNodeFactory().booleanNode((Boolean) v);
            case DOUBLE:
                return JSON.getNodeFactory().numberNode((Double) v);
            case FLOAT:
                return JSON.getNodeFactory().numberNode((Float) v);
            case BYTES: {
                ByteBuffer b = ((ByteBuffer) v).duplicate();
                byte[] raw = new byte[b.remaining()];
                b.get(raw);
                if (s.getLogicalType() instanceof LogicalTypes.Decimal d) {
                    return JSON.getNodeFactory().textNode(
                            new BigDecimal(new BigInteger(raw), d.getScale()).toPlainString());
                }
                return JSON.getNodeFactory().textNode(HexFormat.of().formatHex(raw));
            }
            default:
                throw new IllegalArgumentException("type not handled by the peer: " + s);
        }
    }

    /** A record with every field set from its index, for produce without --input. */
    private static GenericRecord synthesise(Schema schema, int i) {
        ObjectNode o = JSON.createObjectNode();
        for (Schema.Field f : schema.getFields()) {
            Schema t = nonNull(f.schema());
            switch (t.getType()) {
                case STRING -> o.put(f.name(), f.name() + "-" + i);
                case INT -> o.put(f.name(), i);
                case LONG -> o.put(f.name(), 1700000000000L + i);
                case BOOLEAN -> o.put(f.name(), i % 2 == 0);
                case DOUBLE, FLOAT -> o.put(f.name(), i / 4.0);
                case BYTES -> o.put(f.name(), t.getLogicalType() instanceof LogicalTypes.Decimal
                        ? BigDecimal.valueOf(i, 2).toPlainString() : "00");
                default -> { }
            }
        }
        return (GenericRecord) fromJson(schema, o);
    }
}
