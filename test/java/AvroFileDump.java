/*
 * Reads Avro object container files with Apache Avro's Java DataFileReader (the reader every
 * consumer of Confluent's S3 AvroFormat objects uses) and prints, per file:
 *   codec <avro.codec>
 *   schema <writer schema JSON, one line>
 *   one line per record: its top-level fields, tab-separated, each as
 *     null | a decimal (bytes with logicalType decimal) as BigDecimal.toPlainString() |
 *     bytes as lowercase hex | anything else as String.valueOf
 *   end <record count>
 * Usage: java -cp <avro jars>:<dir> AvroFileDump file.avro...
 *        java -cp <avro jars>:<dir> AvroFileDump --rewrite in.avro out.avro <codec>
 * --rewrite writes the records of in.avro again with DataFileWriter (the writer Confluent's
 * AvroRecordWriterProvider uses), its schema and CodecFactory.fromString(codec), so a test can
 * compare the blocks Java writes with kconnect's.
 * Exit status 1 (with the exception) when a file cannot be read: a bad sync marker, codec,
 * block size or datum makes DataFileReader throw.
 */
import java.io.File;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.file.CodecFactory;
import org.apache.avro.file.DataFileReader;
import org.apache.avro.file.DataFileWriter;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;

public class AvroFileDump {
  private static String field(Schema s, Object v) {
    if (v == null) return "null";
    if (s.getType() == Schema.Type.UNION) {
      for (Schema b : s.getTypes()) {
        if (b.getType() != Schema.Type.NULL) return field(b, v);
      }
    }
    if (v instanceof ByteBuffer) {
      ByteBuffer b = ((ByteBuffer) v).duplicate();
      byte[] a = new byte[b.remaining()];
      b.get(a);
      LogicalType lt = s.getLogicalType();
      if (lt instanceof LogicalTypes.Decimal) {
        return new BigDecimal(new BigInteger(a), ((LogicalTypes.Decimal) lt).getScale()).toPlainString();
      }
      StringBuilder sb = new StringBuilder();
      for (byte x : a) sb.append(String.format("%02x", x));
      return sb.toString();
    }
    return String.valueOf(v);
  }

  public static void main(String[] args) throws Exception {
    if (args.length == 4 && args[0].equals("--rewrite")) {
      try (DataFileReader<GenericRecord> r =
              new DataFileReader<>(new File(args[1]), new GenericDatumReader<GenericRecord>());
          DataFileWriter<GenericRecord> w =
              new DataFileWriter<>(new GenericDatumWriter<GenericRecord>(r.getSchema()))) {
        w.setCodec(CodecFactory.fromString(args[3]));
        w.create(r.getSchema(), new File(args[2]));
        for (GenericRecord rec : r) w.append(rec);
      }
      return;
    }
    for (String path : args) {
      try (DataFileReader<GenericRecord> r =
          new DataFileReader<>(new File(path), new GenericDatumReader<GenericRecord>())) {
        System.out.println("codec " + r.getMetaString("avro.codec"));
        Schema schema = r.getSchema();
        System.out.println("schema " + schema.toString());
        long n = 0;
        for (GenericRecord rec : r) {
          StringBuilder sb = new StringBuilder();
          for (Schema.Field f : schema.getFields()) {
            if (sb.length() > 0) sb.append('\t');
            sb.append(field(f.schema(), rec.get(f.pos())));
          }
          System.out.println(sb);
          n++;
        }
        System.out.println("end " + n);
      }
    }
  }
}
