package dev.weft.lab.services;

/** A Service that cannot be stored as given: invalid, or asking for an address or port that is taken, or a range is full. */
public final class ServiceRejectedException extends RuntimeException {
  public ServiceRejectedException(String message) {
    super(message);
  }
}
