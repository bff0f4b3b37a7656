package dev.idempotency.gateway.web;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.ClientScope;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.ScopedKey;

/**
 * The place one executing request takes in its client's count of keys in flight (the route's
 * {@code maxInFlightPerClient}). Taken after the key is claimed, renewed with the key's lease and
 * freed when the key is settled; so a gateway that dies leaves places that expire with its leases.
 */
final class InFlightSlot {

    private static final Log logger = LogFactory.getLog(InFlightSlot.class);

    private final InFlightKeys inFlightKeys;

    private final ClientScope client;

    private final long fencingToken;

    private final int max;

    private final Duration lease;

    // Set before the place is freed, so a lease renewal still running cannot hold it again.
    private volatile boolean freed;

    InFlightSlot(InFlightKeys inFlightKeys, ScopedKey key, long fencingToken, IdempotencyPolicy policy) {
        this.inFlightKeys = inFlightKeys;
        this.client = key.clientScope();
        this.fencingToken = fencingToken;
        this.max = policy.maxInFlightPerClient();
        this.lease = policy.lease();
    }

    /** @return whether the client had room; fails with StoreUnavailableException when the store is down */
    Mono<Boolean> take() {
        return this.inFlightKeys.hold(this.client, this.fencingToken, this.max, this.lease);
    }

    /** Extends the place with the key's lease; a failure only shortens it to the lease, so it is logged, not raised. */
    Mono<Void> renew() {
        if (this.freed) {
            return Mono.empty();
        }
        return take().then().onErrorResume(ex -> {
            logger.debug("Place in flight on " + this.client + " not renewed: " + ex.getMessage());
            return Mono.empty();
        });
    }

    /** Frees the place; one that cannot be freed expires with the lease. */
    Mono<Void> free() {
        this.freed = true;
        return this.inFlightKeys.free(this.client, this.fencingToken).onErrorResume(ex -> {
            logger.warn("Place in flight on " + this.client + " not freed; it expires with the lease: " + ex.getMessage());
            return Mono.empty();
        });
    }
}
