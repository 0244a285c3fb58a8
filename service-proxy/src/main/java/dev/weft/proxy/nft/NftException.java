package dev.weft.proxy.nft;

import java.util.List;

/** nft refused a transaction (nothing of it was applied) or could not be run. */
public final class NftException extends RuntimeException {
  public NftException(List<String> argv, String message) {
    super(String.join(" ", argv) + ": " + message);
  }
}
