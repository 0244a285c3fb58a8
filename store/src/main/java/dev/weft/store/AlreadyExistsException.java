package dev.weft.store;

/** create() found an object with that name already there (HTTP 409 AlreadyExists). */
public class AlreadyExistsException extends StoreException {
    public AlreadyExistsException(String message) { super(message); }
}
