package dev.idempotency.gateway.web;

/** What a duplicate gets while the first request with its key is still running. */
public enum ConcurrentRequests {

    /** 409 request-in-progress with Retry-After, at once (the IETF draft's answer). */
    REJECT,

    /**
     * Held, cheaply, until the first request settles (then replayed, or executed if the first was
     * released) or until the route's waitTimeout passes (then 409).
     */
    WAIT
}
