package dev.idempotency.gateway.web;

/** Where a route's requests carry their idempotency key. */
public enum KeySource {

    /** A request header, {@code Idempotency-Key} unless the route names another. */
    HEADER,

    /** A query parameter, for clients that cannot set headers. */
    QUERY,

    /**
     * A field of a JSON request body addressed by a JSON Pointer (RFC 6901), the way exchange APIs
     * carry a client order id.
     */
    JSON_BODY;

    boolean needsBody() {
        return this == JSON_BODY;
    }
}
