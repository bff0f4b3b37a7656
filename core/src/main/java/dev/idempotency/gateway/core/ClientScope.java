package dev.idempotency.gateway.core;

import java.util.Objects;

/**
 * One client on one route: the scope in which {@link InFlightKeys} counts the keys a client holds.
 *
 * @param routeId the gateway route
 * @param clientId the client identity resolved for the request
 */
public record ClientScope(String routeId, String clientId) {

    public ClientScope {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(clientId, "clientId");
    }

    // Never the client id itself: scopes end up in log lines.
    @Override
    public String toString() {
        return "ClientScope[route=" + this.routeId + "]";
    }
}
