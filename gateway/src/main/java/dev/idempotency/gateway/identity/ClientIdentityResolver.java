package dev.idempotency.gateway.identity;

import java.util.Optional;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/**
 * Finds who sent a request. The identity scopes every idempotency key and rate-limit bucket, so it
 * must come from something the client cannot choose freely (a header an authenticating proxy
 * sets, a verified credential).
 * <p>
 * Resolvers that verify credentials ({@link CredentialResolver}) answer {@link #resolve} with a
 * {@link ClientAuthenticationException} when the credential is missing or invalid: every filter
 * that asks for the identity (the Idempotency filter for a keyed request, the rate limiter) then
 * ends the exchange with a 401 before anything is claimed or forwarded.
 */
@FunctionalInterface
public interface ClientIdentityResolver {

    /** The exchange attribute under which the resolved identity is cached for later filters. */
    String IDENTITY_ATTRIBUTE = ClientIdentityResolver.class.getName() + ".identity";

    /** @return the client's identity, or empty when the request carries none */
    Mono<Optional<String>> resolve(ServerWebExchange exchange);

    /** Tells "no credential" from "a bad credential"; resolvers that cannot tell see only the former. */
    default Mono<ClientIdentity> identify(ServerWebExchange exchange) {
        return resolve(exchange).map(ClientIdentity::of);
    }

    /** The exchange attribute naming the resolver whose answer {@link #IDENTITY_ATTRIBUTE} holds. */
    String RESOLVER_ATTRIBUTE = ClientIdentityResolver.class.getName() + ".resolver";

    /**
     * Resolves once per exchange: the rate limiter and the idempotency filter ask the same question.
     * The answer is reused only by the same resolver, in case a route's filters name different sources.
     */
    default Mono<Optional<String>> resolveCached(ServerWebExchange exchange) {
        Optional<String> cached = exchange.getAttribute(IDENTITY_ATTRIBUTE);
        if (cached != null && exchange.getAttribute(RESOLVER_ATTRIBUTE) == this) {
            return Mono.just(cached);
        }
        return resolve(exchange).doOnNext(identity -> {
            exchange.getAttributes().put(IDENTITY_ATTRIBUTE, identity);
            exchange.getAttributes().put(RESOLVER_ATTRIBUTE, this);
        });
    }
}
