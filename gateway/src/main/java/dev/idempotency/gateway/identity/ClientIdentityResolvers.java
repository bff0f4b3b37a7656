package dev.idempotency.gateway.identity;

import java.util.Map;

/**
 * The gateway's identity sources: the default one ({@code idempotency.client-identity}) and the
 * named ones ({@code idempotency.client-identities.<name>}) a route picks with its
 * {@code clientIdentity} argument, so partners with API keys and users with JWTs can sit behind
 * one gateway.
 */
public final class ClientIdentityResolvers implements AutoCloseable {

    private final ClientIdentityResolver defaultResolver;

    private final Map<String, ClientIdentityResolver> named;

    public ClientIdentityResolvers(ClientIdentityResolver defaultResolver, Map<String, ClientIdentityResolver> named) {
        this.defaultResolver = defaultResolver;
        this.named = Map.copyOf(named);
    }

    /** Only the default source: for tests and single-source setups. */
    public static ClientIdentityResolvers of(ClientIdentityResolver defaultResolver) {
        return new ClientIdentityResolvers(defaultResolver, Map.of());
    }

    /**
     * The source a route's filter names.
     * @param routeId the route, for the message when the name is wrong
     * @param filter the filter's name ({@code Idempotency}, {@code RateLimit}), for the same message
     * @param name the filter's {@code clientIdentity} argument; {@code null} or blank for the default
     * @throws IllegalArgumentException naming the route and the configured sources when {@code name}
     * is not one
     */
    public ClientIdentityResolver forRoute(String routeId, String filter, String name) {
        try {
            return resolver(name);
        }
        catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("Route '" + routeId + "': " + filter + " argument " + ex.getMessage(), ex);
        }
    }

    /**
     * @param name a {@code clientIdentity} argument; {@code null} or blank for the default
     * @throws IllegalArgumentException naming the configured sources when {@code name} is not one
     */
    public ClientIdentityResolver resolver(String name) {
        if (name == null || name.isBlank()) {
            return this.defaultResolver;
        }
        ClientIdentityResolver resolver = this.named.get(name);
        if (resolver == null) {
            throw new IllegalArgumentException("clientIdentity '" + name + "' is not configured: define it under "
                    + "idempotency.client-identities." + name + " (configured: "
                    + (this.named.isEmpty() ? "none" : String.join(", ", this.named.keySet().stream().sorted().toList()))
                    + "), or leave the argument out for idempotency.client-identity");
        }
        return resolver;
    }

    /**
     * Closes the named sources (an API-key source re-reads its file on a thread of its own); the
     * default one is a bean of its own and closed with it.
     */
    @Override
    public void close() throws Exception {
        for (ClientIdentityResolver resolver : this.named.values()) {
            if (resolver instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }
}
