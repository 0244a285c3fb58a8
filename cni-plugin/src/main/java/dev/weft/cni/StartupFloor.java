package dev.weft.cni;

/**
 * An empty {@code main} in weft-cni's own jar and AOT cache: started with weft-cni's JVM command
 * line, it costs what every call pays before {@link CniMain#main} runs (JVM start, the cache's
 * classes, exit). The CNI benchmark's floor; the cache holds it because {@link AotTraining} loads it,
 * so the JVM finds it without opening a jar (an empty main from an extra jar cost ~5 ms more).
 */
public final class StartupFloor {
  private StartupFloor() {}

  public static void main(String[] args) {
    Runtime.getRuntime().halt(0);
  }
}
