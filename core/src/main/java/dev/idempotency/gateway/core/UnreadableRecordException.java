package dev.idempotency.gateway.core;

/**
 * A stored record that cannot be read back: truncated, altered, sealed for another record name or
 * with a key this gateway no longer has. The record is refused, never replayed; the store
 * metrics count it under its class name.
 */
public class UnreadableRecordException extends IllegalArgumentException {

    public UnreadableRecordException(String message) {
        super(message);
    }

    public UnreadableRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
