package dev.idempotency.gateway.web;

/** Whether a route acts on its decisions or only records them. */
public enum RolloutMode {

    /** Replays, rejects and conflicts are answered by the gateway. */
    ENFORCE,

    /**
     * Every request is forwarded unchanged; the first request with a key is still stored, and what
     * the gateway would have answered (replay, 409, 422, 400...) is logged and counted. For turning
     * a route on safely: observe, watch, then enforce.
     */
    OBSERVE
}
