package dev.weft.cni.protocol;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The GC argument: attachments that are still valid, from {@code cni.dev/valid-attachments} (spec
 * 1.1.0) and the older name {@code cni.dev/attachments} (libcni sends both; the union is taken).
 * A null list means "no attachment is valid". When neither key is present at all the config was not
 * made by a GC-aware runtime and GC refuses (code 7) rather than free every reservation.
 */
public final class GcArgs {
  public static final String VALID_ATTACHMENTS = "cni.dev/valid-attachments";
  public static final String ATTACHMENTS = "cni.dev/attachments";
  private static final JsonFields F = JsonFields.config();

  private GcArgs() {}

  public static Set<Attachment> validAttachments(NetworkConfig conf) throws CniError {
    Map<String, Object> raw = conf.raw();
    if (!raw.containsKey(VALID_ATTACHMENTS) && !raw.containsKey(ATTACHMENTS))
      throw new CniError(CniError.INVALID_CONFIG, "GC needs the " + VALID_ATTACHMENTS + " list (it may be empty)");
    Set<Attachment> r = new LinkedHashSet<>();
    read(raw, VALID_ATTACHMENTS, r);
    read(raw, ATTACHMENTS, r);
    return r;
  }

  private static void read(Map<String, Object> raw, String key, Set<Attachment> into) throws CniError {
    List<Object> l = F.list(raw, "", key);
    for (int i = 0; l != null && i < l.size(); i++) {
      String p = key + "[" + i + "]";
      Map<String, Object> a = F.asObject(l.get(i), p);
      into.add(new Attachment(F.requireString(a, p, "containerID"), F.requireString(a, p, "ifname")));
    }
  }
}
