/*
 * The expected outputs of test/unit/test_xf_cast.c, from the real Cast transformation of
 * connect-transforms 4.3.1 and JsonConverter (schemas.enable=true) of connect-json 4.3.1.
 * Reads cases, one a line, tab separated:
 *
 *   K|V  spec  replace.null.with.default|-  converter replace.null.with.default  key|-  value|-
 *
 * and prints one C initializer a line, the case and what Java gave: "topic|key|value" (the key
 * and value serialized again by JsonConverter), "ERR <class>: <message>" (apply threw),
 * "CONFIG <message>" (configure threw), "SERR <class>: <message>" (JsonConverter could not
 * serialize what Cast produced; then " RAW <type> <name> <class> <value>": the operating schema
 * and value Cast gave), "IERR ..." (JsonConverter refused the input). Run with -Duser.timezone=UTC (Values.dateFormatFor formats
 * in the JVM's zone). Not run by the tests: the outputs are pasted into test_xf_cast.c.
 *
 *   javac -cp <connect-transforms/json/api 4.3.1, kafka-clients, jackson, slf4j> CastCases.java
 *   java -Duser.timezone=UTC -cp ... CastCases < cases.tsv
 */
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.transforms.Cast;

public class CastCases {
    static String c(String s) {
        if (s == null) return "NULL";
        StringBuilder b = new StringBuilder("\"");
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        for (byte x : bytes) {
            int ch = x & 0xff;
            if (ch == '"' || ch == '\\') b.append('\\').append((char) ch);
            else if (ch < 0x20 || ch == 0x7f) b.append(String.format("\\%03o", ch));
            else b.append((char) ch);
        }
        // non-ASCII bytes were appended as Latin-1 chars: re-encode them as the original UTF-8
        return new String(b.append('"').toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    static JsonConverter conv(boolean key, String rnwd) {
        JsonConverter jc = new JsonConverter();
        Map<String, String> p = new HashMap<>();
        p.put("schemas.enable", "true");
        p.put("replace.null.with.default", rnwd);
        jc.configure(p, key);
        return jc;
    }

    static String run(String variant, String spec, String rnwd, String convRnwd, String key, String value) {
        Cast<SinkRecord> xf = variant.equals("K") ? new Cast.Key<>() : new Cast.Value<>();
        Map<String, String> props = new HashMap<>();
        props.put("spec", spec);
        if (rnwd != null) props.put("replace.null.with.default", rnwd);
        try {
            xf.configure(props);
        } catch (Exception e) {
            return "CONFIG " + e.getMessage();
        }
        JsonConverter kc = conv(true, convRnwd), vc = conv(false, convRnwd);
        SchemaAndValue k, v;
        try {
            k = key == null ? SchemaAndValue.NULL : kc.toConnectData("t", key.getBytes(StandardCharsets.UTF_8));
            v = value == null ? SchemaAndValue.NULL : vc.toConnectData("t", value.getBytes(StandardCharsets.UTF_8));
        } catch (Exception e) {
            return "IERR " + e.getClass().getName() + ": " + e.getMessage();
        }
        SinkRecord r = new SinkRecord("t", 3, k.schema(), k.value(), v.schema(), v.value(), 42, 5L,
                TimestampType.CREATE_TIME);
        SinkRecord out;
        try {
            out = xf.apply(r);
        } catch (Exception e) {
            return "ERR " + e.getClass().getName() + ": " + e.getMessage();
        }
        try {
            byte[] kb = kc.fromConnectData("t", out.keySchema(), out.key());
            byte[] vb = vc.fromConnectData("t", out.valueSchema(), out.value());
            return out.topic() + "|" + (kb == null ? "null" : new String(kb, StandardCharsets.UTF_8)) + "|"
                    + (vb == null ? "null" : new String(vb, StandardCharsets.UTF_8));
        } catch (Exception e) {
            // What Cast produced, for the C test to check without the converter.
            boolean isKey = variant.equals("K");
            org.apache.kafka.connect.data.Schema s = isKey ? out.keySchema() : out.valueSchema();
            Object o = isKey ? out.key() : out.value();
            return "SERR " + e.getClass().getName() + ": " + e.getMessage() + " RAW " + s.type() + " " + s.name()
                    + " " + (o == null ? "null" : o.getClass().getName() + " " + o);
        }
    }

    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty() || line.startsWith("#")) {
                if (line.startsWith("#")) System.out.println("    /* " + line.substring(1).trim() + " */");
                continue;
            }
            String[] f = line.split("\t", -1);
            String rnwd = f[2].equals("-") ? null : f[2];
            String key = f[4].equals("-") ? null : f[4];
            String value = f[5].equals("-") ? null : f[5];
            String res = run(f[0], f[1], rnwd, f[3], key, value);
            System.out.println("    {" + c(f[0]) + ", " + c(f[1]) + ", " + c(rnwd) + ", " + f[3].equals("true") + ", "
                    + c(key) + ", " + c(value) + ",\n     " + c(res) + "},");
        }
    }
}
