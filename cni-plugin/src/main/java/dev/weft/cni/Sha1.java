package dev.weft.cni;

/**
 * SHA-1 (FIPS 180-4) of a short message, in plain Java: {@code MessageDigest.getInstance("SHA-1")}
 * first initialises the JDK's security providers, ~7 ms in a fresh JVM, which every ADD and DEL
 * would pay for the host veth's name. Tests check it against MessageDigest.
 */
final class Sha1 {
  private Sha1() {}

  static byte[] digest(byte[] msg) {
    int blocks = (msg.length + 8) / 64 + 1;
    byte[] p = new byte[blocks * 64];
    System.arraycopy(msg, 0, p, 0, msg.length);
    p[msg.length] = (byte) 0x80;
    long bits = (long) msg.length * 8;
    for (int k = 0; k < 8; k++) p[p.length - 1 - k] = (byte) (bits >>> (8 * k));
    int h0 = 0x67452301, h1 = 0xEFCDAB89, h2 = 0x98BADCFE, h3 = 0x10325476, h4 = 0xC3D2E1F0;
    int[] w = new int[80];
    for (int off = 0; off < p.length; off += 64) {
      for (int t = 0; t < 16; t++) {
        int j = off + 4 * t;
        w[t] = (p[j] & 0xff) << 24 | (p[j + 1] & 0xff) << 16 | (p[j + 2] & 0xff) << 8 | (p[j + 3] & 0xff);
      }
      for (int t = 16; t < 80; t++) w[t] = Integer.rotateLeft(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
      int a = h0, b = h1, c = h2, d = h3, e = h4;
      for (int t = 0; t < 80; t++) {
        int f, k;
        if (t < 20) {
          f = (b & c) | (~b & d);
          k = 0x5A827999;
        } else if (t < 40) {
          f = b ^ c ^ d;
          k = 0x6ED9EBA1;
        } else if (t < 60) {
          f = (b & c) | (b & d) | (c & d);
          k = 0x8F1BBCDC;
        } else {
          f = b ^ c ^ d;
          k = 0xCA62C1D6;
        }
        int temp = Integer.rotateLeft(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = Integer.rotateLeft(b, 30);
        b = a;
        a = temp;
      }
      h0 += a;
      h1 += b;
      h2 += c;
      h3 += d;
      h4 += e;
    }
    byte[] out = new byte[20];
    int[] h = {h0, h1, h2, h3, h4};
    for (int i = 0; i < 5; i++)
      for (int k = 0; k < 4; k++) out[4 * i + k] = (byte) (h[i] >>> (24 - 8 * k));
    return out;
  }
}
