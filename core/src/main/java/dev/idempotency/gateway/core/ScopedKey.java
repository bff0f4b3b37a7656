package dev.idempotency.gateway.core;

import java.util.Objects;

/**
 * An idempotency key in its scope: the client that sent it and the route it was sent to. Two
 * clients, or two routes, never share a record even when they send the same key.
 *
 * @param routeId the gateway route
 * @param clientId the client identity resolved for the request
 * @param key the key the client sent
 */
public record ScopedKey(String routeId, String clientId, IdempotencyKey key) {

    public ScopedKey {
        Objects.requireNonNull(routeId, "routeId");
        Objects.requireNonNull(clientId, "clientId");
        Objects.requireNonNull(key, "key");
    }

    /**
     * A fixed-length, URL-safe digest of the scope. Stores name records by it: the parts are
     * length-prefixed, so {@code ("a:b", "c")} and {@code ("a", "b:c")} never collide, and a store
     * dump shows neither client ids nor keys. Stores shared across processes use a keyed
     * {@link StorageIds#hmacSha256} instead.
     */
    public String storageId() {
        return StorageIds.sha256().of(this);
    }

    @Override
    public String toString() {
        return "ScopedKey[route=" + this.routeId + ", id=" + storageId() + "]";
    }
}
