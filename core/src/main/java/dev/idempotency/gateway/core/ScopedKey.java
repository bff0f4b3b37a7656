package dev.idempotency.gateway.core;

import java.util.Objects;

/**
 * An idempotency key in its scope: the client that sent it and the route it was sent to. Two
 * clients, or two routes, never share a record even when they send the same key. Immutable; equal
 * when route, client and key are.
 */
public final class ScopedKey {

    private final String routeId;

    private final String clientId;

    private final IdempotencyKey key;

    // The storage id last computed and the scheme that computed it: one request names its record
    // for begin, then again for complete, and each is a digest.
    private volatile NamedBy storageName;

    /**
     * @param routeId the gateway route
     * @param clientId the client identity resolved for the request
     * @param key the key the client sent
     */
    public ScopedKey(String routeId, String clientId, IdempotencyKey key) {
        this.routeId = Objects.requireNonNull(routeId, "routeId");
        this.clientId = Objects.requireNonNull(clientId, "clientId");
        this.key = Objects.requireNonNull(key, "key");
    }

    /** The gateway route. */
    public String routeId() {
        return this.routeId;
    }

    /** The client identity resolved for the request. */
    public String clientId() {
        return this.clientId;
    }

    /** The key the client sent. */
    public IdempotencyKey key() {
        return this.key;
    }

    /** The client on the route: what {@link InFlightKeys} counts this key under. */
    public ClientScope clientScope() {
        return new ClientScope(this.routeId, this.clientId);
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

    String storageIdBy(StorageIds ids) {
        NamedBy named = this.storageName;
        if (named != null && named.ids() == ids) {
            return named.id();
        }
        String id = ids.compute(this);
        this.storageName = new NamedBy(ids, id);
        return id;
    }

    @Override
    public boolean equals(Object other) {
        return this == other || (other instanceof ScopedKey scoped && this.routeId.equals(scoped.routeId)
                && this.clientId.equals(scoped.clientId) && this.key.equals(scoped.key));
    }

    @Override
    public int hashCode() {
        return Objects.hash(this.routeId, this.clientId, this.key);
    }

    @Override
    public String toString() {
        return "ScopedKey[route=" + this.routeId + ", id=" + storageId() + "]";
    }

    private record NamedBy(StorageIds ids, String id) {
    }
}
