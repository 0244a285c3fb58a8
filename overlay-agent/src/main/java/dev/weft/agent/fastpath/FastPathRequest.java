package dev.weft.agent.fastpath;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One CNI invocation as the C forwarder ({@code weft-cni}) sends it: {@code "WCNI"}, version 1,
 * the count of CNI_* variables, each as length + {@code KEY=VALUE}, then length + stdin. Integers
 * are u32 big-endian. Anything else is a {@link MalformedRequestException}; sizes are bounded so a
 * bad peer cannot make the agent allocate without limit.
 */
public record FastPathRequest(Map<String, String> env, byte[] stdin) {
  static final int MAX_VARS = 64;
  static final int MAX_VAR_BYTES = 64 << 10;
  static final int MAX_STDIN = 4 << 20;

  public static FastPathRequest read(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    try {
      byte[] magic = in.readNBytes(4);
      if (magic.length != 4 || magic[0] != 'W' || magic[1] != 'C' || magic[2] != 'N' || magic[3] != 'I')
        throw new MalformedRequestException("not a weft-cni request (bad magic)");
      int version = in.readInt();
      if (version != 1) throw new MalformedRequestException("unsupported request version " + Integer.toUnsignedString(version));
      int count = bounded(in.readInt(), MAX_VARS, "variable count");
      Map<String, String> env = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String kv = new String(readBlock(in, MAX_VAR_BYTES, "variable"), StandardCharsets.UTF_8);
        int eq = kv.indexOf('=');
        if (eq <= 0 || !kv.startsWith("CNI_")) throw new MalformedRequestException("bad variable \"" + abbreviate(kv) + "\"");
        env.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
      return new FastPathRequest(env, readBlock(in, MAX_STDIN, "stdin"));
    } catch (EOFException e) {
      throw new MalformedRequestException("request ended early");
    }
  }

  private static byte[] readBlock(DataInputStream in, int max, String what) throws IOException {
    int len = bounded(in.readInt(), max, what + " length");
    byte[] b = in.readNBytes(len);
    if (b.length != len) throw new MalformedRequestException(what + " ended early");
    return b;
  }

  private static int bounded(int v, int max, String what) throws MalformedRequestException {
    if (v < 0 || v > max) throw new MalformedRequestException(what + " " + Integer.toUnsignedString(v) + " exceeds " + max);
    return v;
  }

  private static String abbreviate(String s) {
    return s.length() > 40 ? s.substring(0, 40) + "…" : s;
  }

  /** The bytes the C forwarder would send (tests, and a Java client). */
  public byte[] encode() {
    var out = new java.io.ByteArrayOutputStream();
    var d = new java.io.DataOutputStream(out);
    try {
      d.writeBytes("WCNI");
      d.writeInt(1);
      d.writeInt(env.size());
      for (var e : env.entrySet()) {
        byte[] kv = (e.getKey() + "=" + e.getValue()).getBytes(StandardCharsets.UTF_8);
        d.writeInt(kv.length);
        d.write(kv);
      }
      d.writeInt(stdin.length);
      d.write(stdin);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static final class MalformedRequestException extends IOException {
    public MalformedRequestException(String msg) {
      super(msg);
    }
  }
}
