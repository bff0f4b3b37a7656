package dev.idempotency.gateway.identity;

import org.springframework.security.oauth2.jwt.BadJwtException;

/** A bearer token the decoder refused, and why. */
public class BearerTokenRejectedException extends BadJwtException {

    private final BearerTokenRejection reason;

    public BearerTokenRejectedException(BearerTokenRejection reason, Throwable cause) {
        super(reason.description(), cause);
        this.reason = reason;
    }

    public BearerTokenRejection reason() {
        return this.reason;
    }
}
