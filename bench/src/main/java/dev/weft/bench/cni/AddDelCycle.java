package dev.weft.bench.cni;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One ADD+DEL cycle of one plugin: a fresh pod namespace is made (not timed), ADD is timed, DEL is
 * timed with the ADD result as prevResult, the pod namespace is deleted (not timed). DEL runs even
 * when ADD failed, so a failing plugin still cleans up after itself.
 */
final class AddDelCycle {
  /** Pod namespaces alive right now, for the shutdown hook. */
  static final Set<String> LIVE_PODS = ConcurrentHashMap.newKeySet();

  record Result(PluginSide side, int cycle, int position, CniInvocation.Outcome add, CniInvocation.Outcome del) {
    boolean ok() {
      return add.ok() && del.ok();
    }
  }

  private final PluginSide side;
  private final Path work;
  private final String podPrefix;
  private final Path addConf;
  private int seq;

  AddDelCycle(PluginSide side, Path work, String podPrefix) throws IOException {
    this.side = side;
    this.work = work;
    this.podPrefix = podPrefix;
    this.addConf = work.resolve("add.json");
    Files.writeString(addConf, side.networkConfig(), StandardCharsets.UTF_8);
  }

  PluginSide side() {
    return side;
  }

  Result run(int cycle, int position, String containerIdTag) throws IOException, InterruptedException {
    String pod = podPrefix + (seq++);
    String netnsPath = Netns.RUN_NETNS.resolve(pod).toString();
    String cid = "wftbench-" + side.config() + "-" + side.impl().label + "-" + containerIdTag;
    Netns.add(pod);
    LIVE_PODS.add(pod);
    try {
      List<String> cmd = List.of(side.binary().toString());
      CniInvocation.Outcome add = new CniInvocation(cmd, side.env("ADD", cid, netnsPath), addConf,
          work.resolve("add.out"), work.resolve("add.err")).run();
      Path delConf = work.resolve("del.json");
      Files.writeString(delConf, side.delConfig(add.ok() ? add.stdout() : null), StandardCharsets.UTF_8);
      CniInvocation.Outcome del = new CniInvocation(cmd, side.env("DEL", cid, netnsPath), delConf,
          work.resolve("del.out"), work.resolve("del.err")).run();
      return new Result(side, cycle, position, add, del);
    } finally {
      Netns.delete(pod);
      LIVE_PODS.remove(pod);
    }
  }
}
