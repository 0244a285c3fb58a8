package dev.weft.bench.cni;

/** The floor: a JVM started with weft-cni's launcher and flags that does nothing, and stops the way CniMain does. */
public final class EmptyMain {
  private EmptyMain() {}

  public static void main(String[] args) {
    System.out.flush();
    Runtime.getRuntime().halt(0);
  }
}
