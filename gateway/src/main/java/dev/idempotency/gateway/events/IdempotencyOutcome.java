package dev.idempotency.gateway.events;

/** What the Idempotency filter did with one request: exactly one per request it saw. */
public enum IdempotencyOutcome {

    /** Not protected: a method the route does not protect, or no key on a route where keys are optional. */
    PASSED_THROUGH,

    /** The request owned its key and was forwarded. */
    EXECUTED,

    /** A stored response was replayed; the upstream was not called. */
    REPLAYED,

    /** The same request was still running: 409. */
    IN_FLIGHT_CONFLICT,

    /** The key was used for a different request: 422. */
    FINGERPRINT_MISMATCH,

    /** No key on a route that requires one: 400. */
    KEY_MISSING,

    /** A malformed, over-long or repeated key: 400. */
    KEY_INVALID,

    /** A keyed request without a client identity: 400. */
    CLIENT_IDENTITY_MISSING,

    /** The request body was over the route's limit: 413. */
    BODY_TOO_LARGE,

    /** The store was unreachable and the route fails closed: 503. */
    STORE_UNAVAILABLE,

    /** The store was unreachable and the route fails open: forwarded unprotected. */
    FAILED_OPEN,

    /** The client already held the route's maxInFlightPerClient keys in flight: 429, nothing claimed. */
    IN_FLIGHT_LIMITED,

    /** An earlier filter's {@code ExecutionAdmission} refused the request (e.g. rate-limited). */
    ADMISSION_REFUSED
}
