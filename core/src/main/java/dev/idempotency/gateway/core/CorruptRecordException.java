package dev.idempotency.gateway.core;

/**
 * Stored bytes that are not a record {@link RecordCodec} wrote: truncated, extended, of an unknown
 * version or tampered with. An {@link IllegalArgumentException}, so callers that already treat a
 * bad record as bad input keep doing so.
 */
public class CorruptRecordException extends IllegalArgumentException {

    public CorruptRecordException(String message) {
        super(message);
    }

    public CorruptRecordException(String message, Throwable cause) {
        super(message, cause);
    }
}
