package dev.idempotency.gateway.web;

import java.util.Locale;

/** Where a route's requests carry their idempotency key, or one part of it. */
public enum KeySource {

    /** A request header, {@code Idempotency-Key} unless the route names another. */
    HEADER,

    /** A query parameter, for clients that cannot set headers. */
    QUERY,

    /**
     * A field of a JSON request body addressed by a JSON Pointer (RFC 6901), the way exchange APIs
     * carry a client order id.
     */
    JSON_BODY,

    /** A segment of the path, named by a {@code {variable}} of the route's {@code Path} predicate. */
    PATH;

    /** As rules write it: {@code json-body}. */
    String written() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static KeySource fromWritten(String written) {
        for (KeySource source : values()) {
            if (source.written().equals(written.strip().toLowerCase(Locale.ROOT))) {
                return source;
            }
        }
        return null;
    }
}
