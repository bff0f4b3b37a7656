package dev.idempotency.gateway.core;

/**
 * What the gateway does with a request that carries a key, decided from what the store returned.
 * The web layer turns each decision into a forward, a replay or a problem response.
 */
public sealed interface Decision {

    /** The request owns the key: forward it and store the result under {@code fencingToken}. */
    record Execute(long fencingToken) implements Decision {
    }

    /** The same request completed before: answer with its stored response. */
    record Replay(StoredResponse response) implements Decision {
    }

    /** The same request is still running elsewhere (RFC draft section 2.7: 409). */
    record InFlight() implements Decision {
    }

    /** The key was used for a different request (RFC draft section 2.7: 422). */
    record FingerprintMismatch() implements Decision {
    }

    /** The key is free, but its client holds as many keys in flight as the route allows: 429, nothing claimed. */
    record InFlightLimited() implements Decision {
    }

    public static Decision decide(BeginResult result, RequestFingerprint fingerprint) {
        if (result instanceof BeginResult.Claimed claimed) {
            return new Execute(claimed.fencingToken());
        }
        if (result instanceof BeginResult.OverInFlightLimit) {
            return new InFlightLimited();
        }
        IdempotencyRecord existing = ((BeginResult.Existing) result).record();
        // Mismatch wins over in-flight: a different payload is wrong whenever it arrives.
        if (!existing.fingerprint().equals(fingerprint)) {
            return new FingerprintMismatch();
        }
        if (existing.state() == IdempotencyRecord.State.IN_FLIGHT) {
            return new InFlight();
        }
        return new Replay(existing.response());
    }
}
