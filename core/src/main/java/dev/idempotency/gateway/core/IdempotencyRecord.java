package dev.idempotency.gateway.core;

import java.time.Instant;
import java.util.Objects;

/**
 * What a store holds for one {@link ScopedKey}: a request in flight, or its completed response.
 *
 * @param state whether the first request is still running
 * @param fencingToken identifies the owner of the in-flight lease; a store accepts the result
 * only from the owner holding the current token, so a stale owner never overwrites a newer one
 * @param fingerprint of the request that created the record
 * @param createdAt when the first request began
 * @param response the stored response; {@code null} while in flight
 */
public record IdempotencyRecord(State state, long fencingToken, RequestFingerprint fingerprint, Instant createdAt,
        StoredResponse response) {

    public IdempotencyRecord {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(createdAt, "createdAt");
        if ((state == State.COMPLETED) != (response != null)) {
            throw new IllegalArgumentException("A completed record has a response; an in-flight one has none");
        }
    }

    public static IdempotencyRecord inFlight(long fencingToken, RequestFingerprint fingerprint, Instant createdAt) {
        return new IdempotencyRecord(State.IN_FLIGHT, fencingToken, fingerprint, createdAt, null);
    }

    public IdempotencyRecord complete(StoredResponse response) {
        return new IdempotencyRecord(State.COMPLETED, this.fencingToken, this.fingerprint, this.createdAt, response);
    }

    public enum State {
        IN_FLIGHT, COMPLETED
    }
}
