package dev.idempotency.gateway.identity;

import java.time.Duration;

/**
 * Hears what a JWT identity source's JWK set cache does, for metrics and alerts. Called on the
 * fetching thread (never the event loop): quick, never blocking.
 */
public interface JwkSetObserver {

    JwkSetObserver NONE = new JwkSetObserver() {
    };

    /** The JWK set was fetched from the identity provider ({@code succeeded}) or the fetch failed. */
    default void fetched(String identitySource, boolean succeeded) {
    }

    /** A token's {@code kid} was not in the cached set, and the set is fetched again for it. */
    default void refetchedForUnknownKey(String identitySource) {
    }

    /**
     * The identity provider could not be reached when the cache expired; the keys last fetched are
     * used on, for at most {@code remaining} more.
     */
    default void servedDuringOutage(String identitySource, Duration remaining) {
    }
}
