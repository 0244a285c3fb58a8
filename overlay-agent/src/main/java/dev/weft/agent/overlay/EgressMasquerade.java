package dev.weft.agent.overlay;

import dev.weft.nat.NetnsCommand;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Applies {@link EgressScript}'s table in one {@code nft -f -} transaction and keeps it so:
 * {@link #reconcile} lists the table and re-applies it only when the listing differs from the
 * expected text (table deleted or flushed, a rule removed or added by hand, the config changed).
 * Should this nft print the table differently from {@link EgressScript#table} (another version),
 * the listing seen right after weft's own apply becomes the reference, so a resync still makes no
 * write when nothing changed.
 */
public final class EgressMasquerade {
  private static final System.Logger LOG = System.getLogger(EgressMasquerade.class.getName());

  private final NetnsCommand nft;
  private final OverlayConfig config;
  private String reference;

  /** For the namespace {@code netns} (null = the calling thread's). */
  public EgressMasquerade(Path netns, OverlayConfig config) {
    this.nft = new NetnsCommand(netns);
    this.config = Objects.requireNonNull(config, "config");
    this.reference = EgressScript.normalise(EgressScript.table(config));
  }

  /** Re-applies the table when it differs from the expected one; true when it wrote. NatException when nft fails. */
  public synchronized boolean reconcile() {
    String current = listing();
    if (reference.equals(current)) return false;
    nft.run(EgressScript.apply(config), "nft", "-f", "-");
    LOG.log(Level.INFO, "egress masquerade: applied table {0} {1} ({2})", EgressScript.FAMILY, EgressScript.TABLE,
        current == null ? "was missing" : "was different");
    String after = listing();
    if (after != null && !after.equals(reference)) {
      LOG.log(Level.WARNING, "egress masquerade: nft lists the table differently from weft's text; using its listing as the reference");
      reference = after;
    }
    return true;
  }

  /** Deletes the table; nothing when it is absent. */
  public synchronized void remove() {
    if (listing() != null) nft.run(EgressScript.remove(), "nft", "-f", "-");
  }

  /** The normalised listing, null when the table does not exist. */
  String listing() {
    NetnsCommand.Result r = nft.exec(null, "nft", "list", "table", EgressScript.FAMILY, EgressScript.TABLE);
    if (r.exit() != 0) {
      if (r.err().contains("No such file or directory")) return null;
      throw new dev.weft.nat.NatException(java.util.List.of("nft", "list", "table", EgressScript.FAMILY, EgressScript.TABLE), r.err());
    }
    return EgressScript.normalise(r.out());
  }
}
