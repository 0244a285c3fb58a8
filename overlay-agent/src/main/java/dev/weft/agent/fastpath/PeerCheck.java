package dev.weft.agent.fastpath;

import java.io.IOException;
import java.nio.channels.SocketChannel;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/** Only root may drive CNI through the agent: the peer's uid comes from SO_PEERCRED. */
final class PeerCheck {
  private PeerCheck() {}

  static boolean isRoot(SocketChannel ch) throws IOException {
    UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
    return p != null && "root".equals(p.user().getName());
  }
}
