package dev.idempotency.gateway.identity;

import org.springframework.web.server.ServerWebExchange;

/**
 * Hears every request answered {@code 401} because its credential was missing or invalid, for the
 * audit log. Called on the request's thread before the answer is written: quick, never blocking.
 */
@FunctionalInterface
public interface UnauthenticatedRequestListener {

    void onUnauthenticated(ServerWebExchange exchange, ClientAuthenticationException failure);
}
