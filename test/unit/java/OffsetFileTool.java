/*
 * Interop helper for test_offset_store.c: writes and reads standalone offset
 * files exactly as Kafka Connect's FileOffsetBackingStore does (save(): a new
 * HashMap<byte[],byte[]> filled with put() and written with one
 * ObjectOutputStream.writeObject(); load(): one readObject(), where EOF means
 * an empty store).
 *
 *   java OffsetFileTool write <file> [<hexkey>=<hexvalue>|null|same ...]
 *       "null" stores a null value; "same" stores the key array itself as the
 *       value, so the stream carries a TC_REFERENCE to an earlier byte[].
 *   java OffsetFileTool read <file>
 *       prints "size <n>" then one "<hexkey>=<hexvalue>|null" line per entry
 *       (key "null" for a null key); exit 2 with "ERROR ..." on a bad stream.
 */
import java.io.EOFException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.util.HashMap;
import java.util.Map;

public class OffsetFileTool {
  private static byte[] unhex(String s) {
    if (s.length() % 2 != 0) throw new IllegalArgumentException("odd hex length: " + s);
    byte[] b = new byte[s.length() / 2];
    for (int i = 0; i < b.length; i++)
      b[i] = (byte) Integer.parseInt(s.substring(2 * i, 2 * i + 2), 16);
    return b;
  }

  private static String hex(byte[] b) {
    if (b == null) return "null";
    StringBuilder sb = new StringBuilder();
    for (byte x : b) sb.append(String.format("%02x", x & 0xff));
    return sb.toString();
  }

  private static void write(String file, String[] specs, int from) throws Exception {
    Map<byte[], byte[]> raw = new HashMap<>();
    for (int i = from; i < specs.length; i++) {
      int eq = specs[i].indexOf('=');
      byte[] key = unhex(specs[i].substring(0, eq));
      String v = specs[i].substring(eq + 1);
      byte[] value = v.equals("null") ? null : v.equals("same") ? key : unhex(v);
      raw.put(key, value);
    }
    try (OutputStream out = Files.newOutputStream(Paths.get(file));
         ObjectOutputStream os = new ObjectOutputStream(out)) {
      os.writeObject(raw);
    }
  }

  @SuppressWarnings("unchecked")
  private static int read(String file) throws Exception {
    Map<byte[], byte[]> raw = new HashMap<>();
    try (ObjectInputStream is = new ObjectInputStream(Files.newInputStream(Paths.get(file)))) {
      Object obj = is.readObject();
      if (!(obj instanceof HashMap)) {
        System.out.println("ERROR Expected HashMap but found " + (obj == null ? "null" : obj.getClass()));
        return 2;
      }
      raw = (Map<byte[], byte[]>) obj;
    } catch (NoSuchFileException | EOFException e) {
      // As FileOffsetBackingStore.load(): a missing or truncated file is an empty store.
    }
    System.out.println("size " + raw.size());
    for (Map.Entry<byte[], byte[]> e : raw.entrySet())
      System.out.println(hex(e.getKey()) + "=" + hex(e.getValue()));
    return 0;
  }

  public static void main(String[] args) {
    try {
      if (args.length >= 2 && args[0].equals("write")) {
        write(args[1], args, 2);
        System.exit(0);
      }
      if (args.length == 2 && args[0].equals("read")) System.exit(read(args[1]));
      System.out.println("ERROR usage: write <file> [k=v ...] | read <file>");
      System.exit(1);
    } catch (Exception e) {
      System.out.println("ERROR " + e);
      System.exit(2);
    }
  }
}
