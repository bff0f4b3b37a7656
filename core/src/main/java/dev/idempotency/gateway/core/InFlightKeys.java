package dev.idempotency.gateway.core;

import java.time.Duration;

import reactor.core.publisher.Mono;

/**
 * Counts the keys one client holds in flight on one route, so that a client with a valid identity
 * cannot tie up an unbounded number of keys, and the upstream capacity behind them, at once.
 *
 * <p>Each held key is an entry named by its claim's fencing token that expires with the claim's
 * lease unless {@link #hold held} again: a gateway that dies stops renewing, and its entries free
 * themselves when its keys do. Shared stores count across every gateway instance.
 */
public interface InFlightKeys {

    /**
     * Holds an entry for {@code fencingToken} if the client holds fewer than {@code max}, or renews
     * it (whatever the count) if it is already held.
     * @return whether the entry is held now; {@code false} when the client already holds {@code max}
     * @throws StoreUnavailableException (as the error signal) when the store cannot be reached
     */
    Mono<Boolean> hold(ClientScope client, long fencingToken, int max, Duration lease);

    /** Frees the entry; nothing happens when it is not held (any more). */
    Mono<Void> free(ClientScope client, long fencingToken);
}
