package dev.weft.agent.fastpath;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The agent's answer: {@code "WCNI"}, exit code, length + stdout, length + stderr (u32 big-endian). */
public record FastPathResponse(int exit, byte[] stdout, byte[] stderr) {
  public byte[] encode() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 + stdout.length + stderr.length);
    DataOutputStream d = new DataOutputStream(out);
    try {
      d.writeBytes("WCNI");
      d.writeInt(exit);
      d.writeInt(stdout.length);
      d.write(stdout);
      d.writeInt(stderr.length);
      d.write(stderr);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static FastPathResponse read(InputStream raw) throws IOException {
    DataInputStream in = new DataInputStream(raw);
    byte[] magic = in.readNBytes(4);
    if (magic.length != 4 || magic[0] != 'W') throw new IOException("not a weft-agent answer");
    int exit = in.readInt();
    byte[] out = in.readNBytes(in.readInt());
    byte[] err = in.readNBytes(in.readInt());
    return new FastPathResponse(exit, out, err);
  }
}
