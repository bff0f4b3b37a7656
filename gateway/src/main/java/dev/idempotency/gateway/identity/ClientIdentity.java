package dev.idempotency.gateway.identity;

import java.util.Optional;

/**
 * What a resolver found out about a request's sender: who it is, that it presented nothing, or
 * that it presented a credential that does not hold. "Absent" and "invalid" differ on the wire: an
 * invalid bearer token gets {@code error="invalid_token"} in its challenge (RFC 6750 §3.1).
 */
public sealed interface ClientIdentity {

    /** The request proved it comes from {@code clientId}. */
    record Identified(String clientId) implements ClientIdentity {
    }

    /** The request carries no credential (or, for the trusted header, none the gateway may believe). */
    record Absent() implements ClientIdentity {
    }

    /**
     * The request carries a credential that is not valid; {@code reason} is safe to show the
     * client, {@code code} is the same in one fixed word for metrics ({@code expired},
     * {@code unknown_key}, ...).
     */
    record Invalid(String reason, String code) implements ClientIdentity {
    }

    static ClientIdentity of(Optional<String> clientId) {
        return clientId.<ClientIdentity>map(Identified::new).orElseGet(Absent::new);
    }

    default Optional<String> asOptional() {
        return this instanceof Identified identified ? Optional.of(identified.clientId()) : Optional.empty();
    }
}
