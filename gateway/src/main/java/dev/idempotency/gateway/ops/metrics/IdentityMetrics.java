package dev.idempotency.gateway.ops.metrics;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.gateway.identity.ClientAuthenticationException;
import dev.idempotency.gateway.identity.JwkSetObserver;
import dev.idempotency.gateway.identity.UnauthenticatedRequestListener;

/**
 * Counts refused credentials by reason ({@value #REJECTED}) and what the JWT sources' JWK set
 * caches do: fetches ({@value #JWK_SET_FETCHES}), refetches for unknown key ids
 * ({@value #JWK_SET_REFETCHES}), keys used on during an identity provider outage
 * ({@value #JWK_SET_OUTAGES}). Tags are route ids, identity source names and fixed words only:
 * never a credential, a key id or a client. Rare events: Micrometer's own lookup is cheap enough.
 */
public final class IdentityMetrics implements UnauthenticatedRequestListener, JwkSetObserver {

    /** Tags {@code route}, {@code reason} ({@code expired}, {@code unknown_key}, ... or {@code missing}). */
    public static final String REJECTED = "idempotency.identity.rejected";

    /** Tags {@code identity_source}, {@code result} ({@code success}, {@code failure}). */
    public static final String JWK_SET_FETCHES = "idempotency.identity.jwk.set.fetches";

    /** Tag {@code identity_source}. */
    public static final String JWK_SET_REFETCHES = "idempotency.identity.jwk.set.refetches";

    /** Tag {@code identity_source}. */
    public static final String JWK_SET_OUTAGES = "idempotency.identity.jwk.set.outages";

    private final MeterRegistry registry;

    public IdentityMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void onUnauthenticated(ServerWebExchange exchange, ClientAuthenticationException failure) {
        Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
        String reason = failure.reasonCode();
        Counter.builder(REJECTED)
            .description("Requests answered 401 for a missing or refused credential, by reason")
            .tag("route", route != null ? route.getId() : "none")
            .tag("reason", reason != null ? reason : "missing")
            .register(this.registry)
            .increment();
    }

    @Override
    public void fetched(String identitySource, boolean succeeded) {
        Counter.builder(JWK_SET_FETCHES)
            .description("JWK set fetches from the identity provider, by result")
            .tag("identity_source", identitySource)
            .tag("result", succeeded ? "success" : "failure")
            .register(this.registry)
            .increment();
    }

    @Override
    public void refetchedForUnknownKey(String identitySource) {
        Counter.builder(JWK_SET_REFETCHES)
            .description("JWK set refetches for a key id the cached set did not know (at most one per refetch interval)")
            .tag("identity_source", identitySource)
            .register(this.registry)
            .increment();
    }

    @Override
    public void servedDuringOutage(String identitySource, Duration remaining) {
        Counter.builder(JWK_SET_OUTAGES)
            .description("Times the JWK set could not be fetched and the keys last fetched were used on")
            .tag("identity_source", identitySource)
            .register(this.registry)
            .increment();
    }
}
