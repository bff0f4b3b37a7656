package dev.idempotency.gateway.identity;

/**
 * A request that needs a verified client identity has none: answered 401 by
 * {@link ClientAuthenticationExceptionHandler}. No stack trace: this is an expected outcome, and
 * every unauthenticated request would otherwise pay for one.
 */
public class ClientAuthenticationException extends RuntimeException {

    private final String challenge;

    private final ClientIdentity notIdentified;

    /** @param notIdentified what the resolver found: no credential, or one that does not hold */
    public ClientAuthenticationException(String challenge, String detail, ClientIdentity notIdentified) {
        super(detail, null, false, false);
        this.challenge = challenge;
        this.notIdentified = notIdentified;
    }

    /** Whether the request carried a credential at all (one that did not hold). */
    public boolean credentialPresented() {
        return this.notIdentified instanceof ClientIdentity.Invalid;
    }

    /** Why the credential was refused, safe to log: never the credential itself; empty when none was sent. */
    public String reason() {
        return this.notIdentified instanceof ClientIdentity.Invalid invalid ? invalid.reason() : "";
    }

    /**
     * The reason in one fixed word ({@code expired}, {@code unknown_key}, ...), for metrics and the
     * 401's {@code reason} member; {@code null} when no credential was sent.
     */
    public String reasonCode() {
        return this.notIdentified instanceof ClientIdentity.Invalid invalid ? invalid.code() : null;
    }

    /** The {@code WWW-Authenticate} header value. */
    public String challenge() {
        return this.challenge;
    }
}
