package dev.idempotency.gateway.web;

/**
 * What to do with a key when the upstream may or may not have executed the request: the request
 * was sent but no complete response came back (response timeout, connection reset mid-way).
 */
public enum AmbiguousOutcome {

    /**
     * Store a 504 {@code upstream-outcome-unknown} problem as the key's result: every retry with
     * the key replays it, so the request is never executed twice. The client checks the order's
     * state and, if needed, sends a new key. The safe default for orders and payments.
     */
    STORE,

    /**
     * Free the key so a retry executes again: the client is never stuck, but if the upstream did
     * process the first attempt, the order is executed twice.
     */
    RELEASE
}
