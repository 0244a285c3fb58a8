package dev.weft.proxy.model;

/**
 * The identity of one port of one Service (kube-proxy's ServicePortName): the unit that gets
 * rules. {@code portName} is "" for an unnamed single port.
 */
public record ServicePortName(String namespace, String name, String portName, Protocol protocol)
    implements Comparable<ServicePortName> {
  @Override
  public int compareTo(ServicePortName o) {
    return toString().compareTo(o.toString());
  }

  /** "default/web:http/tcp". */
  @Override
  public String toString() {
    return namespace + "/" + name + ":" + portName + "/" + protocol.lower();
  }
}
