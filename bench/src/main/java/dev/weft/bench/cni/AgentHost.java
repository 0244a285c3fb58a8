package dev.weft.bench.cni;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * The weft-agent's CNI fast path and nothing else, for the "weft via agent" side: the same
 * {@code dev.weft.agent.fastpath.CniFastPath} the agent serves on its unix socket (the C weft-cni
 * forwards there when the config names an {@code agentSocket}), started in the driver's namespace,
 * which is the bench's host namespace. Looked up by reflection so the bench builds without the
 * agent module; runs with dist/lib on the class path. Prints "ready" once the socket listens and
 * stops when its stdin closes (the driver ended, however it ended).
 */
public final class AgentHost {
  private AgentHost() {}

  public static void main(String[] args) throws Exception {
    Path socket = Path.of(args[0]);
    Class<?> fastPath = Class.forName("dev.weft.agent.fastpath.CniFastPath");
    Constructor<?> ctor = fastPath.getConstructor(Path.class, Path.class, Consumer.class);
    Consumer<String> log = line -> System.err.println("[agent] " + line);
    AutoCloseable server = (AutoCloseable) ctor.newInstance(socket, null, log);
    fastPath.getMethod("start").invoke(server);
    System.out.println("ready");
    System.out.flush();
    try {
      while (System.in.read() >= 0) {
        // wait for the driver to go away
      }
    } catch (IOException ignored) {
      // same
    }
    System.out.println("served " + fastPath.getMethod("served").invoke(server));
    System.out.flush();
    server.close();
    Runtime.getRuntime().halt(0);
  }
}
