package dev.weft.store;

/** The object (or lease) does not exist (HTTP 404 in Kubernetes terms). */
public class NotFoundException extends StoreException {
    public NotFoundException(String message) { super(message); }
}
