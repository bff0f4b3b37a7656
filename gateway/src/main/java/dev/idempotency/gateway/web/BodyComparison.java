package dev.idempotency.gateway.web;

/** How request bodies are compared when fingerprinting. */
public enum BodyComparison {

    /** Byte for byte: the strictest reading of "the same request". */
    BYTES,

    /**
     * A JSON body is compared by content: key order and insignificant whitespace do not matter. A
     * body that is not valid JSON is compared byte for byte.
     */
    CANONICAL_JSON
}
