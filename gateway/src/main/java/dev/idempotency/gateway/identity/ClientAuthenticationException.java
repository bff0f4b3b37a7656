package dev.idempotency.gateway.identity;

/**
 * A request that needs a verified client identity has none: answered 401 by
 * {@link ClientAuthenticationExceptionHandler}. No stack trace: this is an expected outcome, and
 * every unauthenticated request would otherwise pay for one.
 */
public class ClientAuthenticationException extends RuntimeException {

    private final String challenge;

    public ClientAuthenticationException(String challenge, String detail) {
        super(detail, null, false, false);
        this.challenge = challenge;
    }

    /** The {@code WWW-Authenticate} header value. */
    public String challenge() {
        return this.challenge;
    }
}
