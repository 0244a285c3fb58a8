package dev.weft.store;

/** The lease is gone (expired or revoked): the objects attached to it have been deleted. */
public class LeaseExpiredException extends NotFoundException {
    public LeaseExpiredException(String message) { super(message); }
}
