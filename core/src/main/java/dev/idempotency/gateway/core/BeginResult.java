package dev.idempotency.gateway.core;

/** The outcome of {@link IdempotencyStore#begin}. */
public sealed interface BeginResult {

    /** The key was free and now belongs to this request. */
    record Claimed(long fencingToken) implements BeginResult {
    }

    /** Another request got there first; this is what it left. */
    record Existing(IdempotencyRecord record) implements BeginResult {
    }

    /**
     * The key was free, but its client already holds as many keys in flight as the route allows
     * ({@link IdempotencyStore#countingInFlight}): nothing was claimed.
     */
    record OverInFlightLimit() implements BeginResult {
    }
}
