package dev.idempotency.gateway.problem;

import java.net.URI;

import org.springframework.http.HttpStatus;

/**
 * Every kind of error the gateway produces itself, each with a stable RFC 9457 {@code type} URI.
 * Clients may switch on the URI; its last segment never changes once released.
 */
public enum ProblemType {

    IDEMPOTENCY_KEY_MISSING("idempotency-key-missing", HttpStatus.BAD_REQUEST, "Idempotency key missing"),
    IDEMPOTENCY_KEY_INVALID("idempotency-key-invalid", HttpStatus.BAD_REQUEST, "Idempotency key invalid"),
    CLIENT_IDENTITY_MISSING("client-identity-missing", HttpStatus.BAD_REQUEST, "Client identity missing"),
    UNAUTHENTICATED("unauthenticated", HttpStatus.UNAUTHORIZED, "Client not authenticated"),
    REQUEST_BODY_TOO_LARGE("request-body-too-large", HttpStatus.CONTENT_TOO_LARGE, "Request body too large"),
    REQUEST_FRAMING_INVALID("request-framing-invalid", HttpStatus.BAD_REQUEST, "Request body length cannot be determined"),
    TRANSFER_CODING_UNSUPPORTED("transfer-coding-unsupported", HttpStatus.NOT_IMPLEMENTED, "Transfer coding not supported"),
    FINGERPRINT_MISMATCH("idempotency-key-reused", HttpStatus.UNPROCESSABLE_CONTENT,
            "Idempotency key reused with a different request"),
    REQUEST_IN_PROGRESS("request-in-progress", HttpStatus.CONFLICT, "Request with this key is in progress"),
    RESPONSE_NOT_REPLAYABLE("response-not-replayable", HttpStatus.CONFLICT,
            "Request was executed but its response cannot be replayed"),
    STORE_UNAVAILABLE("store-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Idempotency store unavailable"),
    RATE_LIMITED("rate-limited", HttpStatus.TOO_MANY_REQUESTS, "Rate limit exceeded"),
    TOO_MANY_KEYS_IN_FLIGHT("too-many-keys-in-flight", HttpStatus.TOO_MANY_REQUESTS,
            "Too many requests of this client in flight"),
    OVERLOADED("overloaded", HttpStatus.SERVICE_UNAVAILABLE, "Gateway overloaded"),
    RATE_LIMITER_UNAVAILABLE("rate-limiter-unavailable", HttpStatus.SERVICE_UNAVAILABLE, "Rate limiter unavailable"),
    UPSTREAM_UNAVAILABLE("upstream-unavailable", HttpStatus.BAD_GATEWAY, "Upstream unreachable"),
    UPSTREAM_OUTCOME_UNKNOWN("upstream-outcome-unknown", HttpStatus.GATEWAY_TIMEOUT,
            "Upstream outcome unknown"),
    UPSTREAM_TIMEOUT("upstream-timeout", HttpStatus.GATEWAY_TIMEOUT, "Upstream timed out"),
    GATEWAY_ERROR("gateway-error", HttpStatus.INTERNAL_SERVER_ERROR, "Gateway error");

    /** Where the types are documented; a type URI is this base plus the slug. */
    public static final String TYPE_BASE = "https://idempotency-gateway.dev/problems/";

    private final URI type;

    private final HttpStatus status;

    private final String title;

    ProblemType(String slug, HttpStatus status, String title) {
        this.type = URI.create(TYPE_BASE + slug);
        this.status = status;
        this.title = title;
    }

    public URI type() {
        return this.type;
    }

    public HttpStatus status() {
        return this.status;
    }

    public String title() {
        return this.title;
    }
}
