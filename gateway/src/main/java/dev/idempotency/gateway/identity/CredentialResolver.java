package dev.idempotency.gateway.identity;

import java.util.Optional;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * A resolver that verifies a credential the client presents (API key, bearer token). A request it
 * cannot identify is not anonymous but unauthenticated: {@link #resolve} fails with a
 * {@link ClientAuthenticationException} that carries the {@code WWW-Authenticate} challenge, so no
 * filter can fall back to an identity the client chose itself.
 */
public abstract class CredentialResolver implements ClientIdentityResolver {

    /** The protection space named in challenges (RFC 9110 §11.5). */
    public static final String REALM = "idempotency-gateway";

    @Override
    public abstract Mono<ClientIdentity> identify(ServerWebExchange exchange);

    /** The {@code WWW-Authenticate} value for a request that was not identified. */
    protected abstract String challenge(ClientIdentity notIdentified);

    /** What the 401's {@code detail} tells the client, without echoing the credential. */
    protected abstract String detail(ClientIdentity notIdentified);

    @Override
    public final Mono<Optional<String>> resolve(ServerWebExchange exchange) {
        return identify(exchange).flatMap(identity -> identity instanceof ClientIdentity.Identified identified
                ? Mono.just(Optional.of(identified.clientId()))
                : Mono.error(new ClientAuthenticationException(challenge(identity), detail(identity), identity)));
    }

    /** Identities are compared as strings everywhere downstream; these bounds keep them sane. */
    static boolean usableClientId(String clientId) {
        return clientId != null && !clientId.isBlank() && clientId.length() <= HeaderClientIdentityResolver.MAX_LENGTH;
    }
}
