/*
 * Runs Apache Kafka's own single message transforms and predicates (connect-transforms,
 * connect-api, connect-json from Maven Central) over records, so that
 * test/e2e/test_transforms_java.py can compare kconnect's C chain (test/unit/xf_driver.c, the same
 * formats) with them byte for byte.
 *
 *   java -cp <jars> TransformHarness.java JOBS
 *
 * JOBS: one job per line, "CHAIN<TAB>RECORDS<TAB>OUT":
 *   CHAIN   a JSON object of the connector's transform keys (transforms, transforms.<a>.type, ...,
 *           predicates, predicates.<p>.type, ...), string values
 *   RECORDS JSON lines, one sink record each:
 *           {"topic":..,"partition":..,"offset":..,"timestamp":N|null,"schemas":true|false,
 *            "key":"<JsonConverter input>"|null,"value":..|null,"headers":[["k","v"|null],...]}
 *   OUT     written with one line per record: {"drop":true}, {"error":"<class>: <message>"} or
 *           {"topic":..,"partition":..,"timestamp":..,"key":"<bytes>"|null,"value":..,
 *            "headers":[["k","<SimpleHeaderConverter bytes>"|null,"<JsonConverter bytes>"|null],...]};
 *           or, when the chain cannot be built, a single {"config_error":"<message>"} line.
 * Strings are written byte by byte: printable ASCII as is ('"' and '\' escaped), every other byte
 * as \\u00XX, so both sides write the same text whatever the bytes are.
 *
 * The chain is built as Connect's ConnectorConfig does it: the transform keys are validated by the
 * transformation's own ConfigDef embedded under "transforms.<alias>." (ConnectorConfig.enrich),
 * each transformation is configured with its keys, prefix stripped, minus predicate/negate
 * (ConnectorConfig.transformationStages), and a stage runs when it has no predicate or
 * predicate.test(record) != negate (TransformationStage.apply). Keys and values go through
 * JsonConverter (schemas.enable as the record says), headers through SimpleHeaderConverter
 * (Connect's default header converter), as WorkerSinkTask converts a consumed record.
 */

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.apache.kafka.common.config.AbstractConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.header.ConnectHeaders;
import org.apache.kafka.connect.header.Header;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.storage.SimpleHeaderConverter;
import org.apache.kafka.connect.transforms.Transformation;
import org.apache.kafka.connect.transforms.predicates.Predicate;

import java.io.BufferedReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class TransformHarness {
    static final ObjectMapper MAPPER = new ObjectMapper();

    /** One TransformationStage. */
    static final class Stage {
        Transformation<SinkRecord> transformation;
        Predicate<SinkRecord> predicate;
        boolean negate;
    }

    /** Connect's plugin aliases: the simple name of a built-in top-level class. */
    static Class<?> resolve(String name) throws ClassNotFoundException {
        if (!name.contains(".")) {
            for (String pkg : new String[] {"org.apache.kafka.connect.transforms.",
                                            "org.apache.kafka.connect.transforms.predicates."}) {
                try {
                    return Class.forName(pkg + name);
                } catch (ClassNotFoundException e) {
                    // try the next package
                }
            }
        }
        return Class.forName(name);
    }

    static Object instantiate(Map<String, String> props, String key, Class<?> iface) {
        String name = props.get(key);
        if (name == null)
            throw new ConfigException("Missing required configuration \"" + key + "\" which has no default value.");
        Class<?> cls;
        try {
            cls = resolve(name.trim());
        } catch (ClassNotFoundException e) {
            throw new ConfigException(key, name, "Class " + name + " could not be found.");
        }
        if (!iface.isAssignableFrom(cls))
            throw new ConfigException("Class " + cls + " does not implement the " + iface.getSimpleName() + " interface");
        try {
            return cls.getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            throw new ConfigException(key, name, "cannot be created: " + e);
        }
    }

    @SuppressWarnings("unchecked")
    static List<Stage> buildChain(Map<String, String> props) {
        List<Stage> stages = new ArrayList<>();
        String list = props.getOrDefault("transforms", "").trim();
        if (list.isEmpty()) return stages;
        List<String> aliases = new ArrayList<>();
        for (String a : list.split("\\s*,\\s*", -1)) aliases.add(a);
        // ConnectorConfig.enrich: each transformation's (and referenced predicate's) ConfigDef,
        // embedded under its prefix, validates the connector config.
        ConfigDef def = new ConfigDef();
        List<Object> plugins = new ArrayList<>();
        for (String alias : aliases) {
            String prefix = "transforms." + alias + ".";
            Transformation<SinkRecord> t = (Transformation<SinkRecord>) instantiate(props, prefix + "type", Transformation.class);
            plugins.add(t);
            ConfigDef own = new ConfigDef()
                .define("type", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "")
                .define("predicate", ConfigDef.Type.STRING, null, ConfigDef.Importance.MEDIUM, "")
                .define("negate", ConfigDef.Type.BOOLEAN, false, ConfigDef.Importance.MEDIUM, "");
            def.embed(prefix, "Transforms: " + alias, 0, own);
            def.embed(prefix, "Transforms: " + alias, 3, t.config());
        }
        new AbstractConfig(def, props, false);
        for (int i = 0; i < aliases.size(); i++) {
            String prefix = "transforms." + aliases.get(i) + ".";
            Stage s = new Stage();
            s.transformation = (Transformation<SinkRecord>) plugins.get(i);
            Map<String, Object> cfg = withPrefix(props, prefix);
            Object pred = cfg.remove("predicate");
            Object negate = cfg.remove("negate");
            s.transformation.configure(cfg);
            if (pred != null) {
                String pprefix = "predicates." + pred + ".";
                s.predicate = (Predicate<SinkRecord>) instantiate(props, pprefix + "type", Predicate.class);
                ConfigDef pdef = new ConfigDef();
                pdef.embed(pprefix, "Predicates: " + pred, 0, s.predicate.config());
                new AbstractConfig(pdef, withPrefixKept(props, pprefix), false);
                s.predicate.configure(withPrefix(props, pprefix));
                s.negate = negate != null && Boolean.parseBoolean(negate.toString());
            }
            stages.add(s);
        }
        return stages;
    }

    static Map<String, Object> withPrefix(Map<String, String> props, String prefix) {
        Map<String, Object> out = new HashMap<>();
        for (Map.Entry<String, String> e : props.entrySet())
            if (e.getKey().startsWith(prefix)) out.put(e.getKey().substring(prefix.length()), e.getValue());
        return out;
    }

    static Map<String, Object> withPrefixKept(Map<String, String> props, String prefix) {
        Map<String, Object> out = new HashMap<>();
        for (Map.Entry<String, String> e : props.entrySet())
            if (e.getKey().startsWith(prefix) && !e.getKey().equals(prefix + "type")) out.put(e.getKey(), e.getValue());
        return out;
    }

    /** Bytes as a JSON string: printable ASCII kept, the rest \\u00XX per byte. */
    static void str(StringBuilder sb, byte[] b) {
        if (b == null) {
            sb.append("null");
            return;
        }
        sb.append('"');
        for (byte x : b) {
            int c = x & 0xff;
            if (c == '"' || c == '\\') sb.append('\\').append((char) c);
            else if (c >= 0x20 && c < 0x7f) sb.append((char) c);
            else sb.append(String.format("\\u%04x", c));
        }
        sb.append('"');
    }

    static void str(StringBuilder sb, String s) {
        str(sb, s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] bytes(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText().getBytes(StandardCharsets.UTF_8);
    }

    static String error(Throwable e) {
        return e.getClass().getName() + ": " + (e.getMessage() == null ? "<null>" : e.getMessage());
    }

    static JsonConverter converter(boolean schemas, boolean isKey) {
        JsonConverter c = new JsonConverter();
        Map<String, Object> cfg = new HashMap<>();
        cfg.put("schemas.enable", Boolean.toString(schemas));
        c.configure(cfg, isKey);
        return c;
    }

    public static void main(String[] args) throws Exception {
        JsonConverter[] keyConv = {converter(false, true), converter(true, true)};
        JsonConverter[] valConv = {converter(false, false), converter(true, false)};
        JsonConverter headerJson = converter(true, false);
        SimpleHeaderConverter shc = new SimpleHeaderConverter();
        shc.configure(new HashMap<>());
        for (String job : Files.readAllLines(Paths.get(args[0]), StandardCharsets.UTF_8)) {
            if (job.isEmpty()) continue;
            String[] f = job.split("\t");
            Map<String, String> props = new LinkedHashMap<>();
            JsonNode chainNode = MAPPER.readTree(Files.readAllBytes(Paths.get(f[0])));
            for (Iterator<Map.Entry<String, JsonNode>> it = chainNode.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                props.put(e.getKey(), e.getValue().asText());
            }
            try (PrintStream out = new PrintStream(Files.newOutputStream(Paths.get(f[2])), false, "UTF-8")) {
                List<Stage> chain;
                try {
                    chain = buildChain(props);
                } catch (Exception e) {
                    Throwable c = e;
                    StringBuilder sb = new StringBuilder("{\"config_error\":");
                    str(sb, c.getMessage());
                    out.println(sb.append('}'));
                    continue;
                }
                try (BufferedReader in = Files.newBufferedReader(Paths.get(f[1]), StandardCharsets.UTF_8)) {
                    String line;
                    while ((line = in.readLine()) != null) {
                        if (line.isEmpty()) continue;
                        out.println(runRecord(MAPPER.readTree(line), chain, keyConv, valConv, headerJson, shc));
                    }
                }
            }
        }
    }

    static String runRecord(JsonNode r, List<Stage> chain, JsonConverter[] keyConv, JsonConverter[] valConv,
                            JsonConverter headerJson, SimpleHeaderConverter shc) {
        String topic = r.get("topic").asText();
        int sch = r.path("schemas").asBoolean(true) ? 1 : 0;
        StringBuilder sb = new StringBuilder();
        SchemaAndValue k, v;
        try {
            k = keyConv[sch].toConnectData(topic, bytes(r.get("key")));
            v = valConv[sch].toConnectData(topic, bytes(r.get("value")));
        } catch (Exception e) {
            sb.append("{\"input_error\":");
            str(sb, error(e));
            return sb.append('}').toString();
        }
        ConnectHeaders headers = new ConnectHeaders();
        for (JsonNode h : r.path("headers")) {
            String hk = h.get(0).asText();
            headers.add(hk, shc.toConnectHeader(topic, hk, bytes(h.get(1))));
        }
        JsonNode ts = r.get("timestamp");
        boolean hasTs = ts != null && !ts.isNull();
        SinkRecord rec = new SinkRecord(topic, r.get("partition").asInt(), k.schema(), k.value(), v.schema(), v.value(),
                                        r.get("offset").asLong(), hasTs ? ts.asLong() : null,
                                        hasTs ? TimestampType.CREATE_TIME : TimestampType.NO_TIMESTAMP_TYPE, headers);
        try {
            for (Stage s : chain) {
                if (s.predicate == null || s.negate ^ s.predicate.test(rec)) rec = s.transformation.apply(rec);
                if (rec == null) return "{\"drop\":true}";
            }
        } catch (Exception e) {
            sb.append("{\"error\":");
            str(sb, error(e));
            return sb.append('}').toString();
        }
        byte[] kb, vb;
        try {
            kb = keyConv[sch].fromConnectData(rec.topic(), rec.keySchema(), rec.key());
            vb = valConv[sch].fromConnectData(rec.topic(), rec.valueSchema(), rec.value());
        } catch (Exception e) {
            sb.append("{\"convert_error\":");
            str(sb, error(e));
            return sb.append('}').toString();
        }
        sb.append("{\"topic\":");
        str(sb, rec.topic());
        sb.append(",\"partition\":").append(rec.kafkaPartition());
        sb.append(",\"timestamp\":").append(rec.timestamp());
        sb.append(",\"key\":");
        str(sb, kb);
        sb.append(",\"value\":");
        str(sb, vb);
        sb.append(",\"headers\":[");
        boolean first = true;
        for (Header h : rec.headers()) {
            if (!first) sb.append(',');
            first = false;
            sb.append('[');
            str(sb, h.key());
            sb.append(',');
            try {
                str(sb, shc.fromConnectHeader(rec.topic(), h.key(), h.schema(), h.value()));
            } catch (Exception e) {
                str(sb, "!" + error(e));
            }
            sb.append(',');
            try {
                str(sb, headerJson.fromConnectData(rec.topic(), h.schema(), h.value()));
            } catch (Exception e) {
                str(sb, "!" + error(e));
            }
            sb.append(']');
        }
        return sb.append("]}").toString();
    }
}
