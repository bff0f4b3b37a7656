package dev.idempotency.gateway.ops.store;

import java.time.Duration;
import java.util.Optional;

import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.ScopedKey;

/**
 * The store as the gateway uses it, with a span and a timing per operation ({@link StoreObservation})
 * and the size of every stored response ({@link StoredResponseSizes}). Behaviour is the delegate's:
 * the same values, the same errors, the same laziness.
 *
 * <p>Outcomes: begin {@code claimed | found_in_flight | found_completed | in_flight_limited}; complete
 * {@code stored | refused}; release {@code released}; renew {@code renewed | lost};
 * await_settlement {@code waited}; inspect {@code found | absent}; purge {@code purged | absent};
 * any operation {@code unavailable | error | cancelled}.
 */
final class ObservedIdempotencyStore implements IdempotencyStore {

    private final IdempotencyStore delegate;

    private final StoreObservation observation;

    private final StoredResponseSizes sizes;

    ObservedIdempotencyStore(IdempotencyStore delegate, StoreObservation observation, StoredResponseSizes sizes) {
        this.delegate = delegate;
        this.observation = observation;
        this.sizes = sizes;
    }

    @Override
    public Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease) {
        return this.observation.observe("begin", key.routeId(), () -> this.delegate.begin(key, claim, lease),
                ObservedIdempotencyStore::beginOutcome, "none");
    }

    private static String beginOutcome(BeginResult result) {
        if (result instanceof BeginResult.OverInFlightLimit) {
            return "in_flight_limited";
        }
        if (result instanceof BeginResult.Existing existing) {
            return existing.record().state() == IdempotencyRecord.State.IN_FLIGHT ? "found_in_flight" : "found_completed";
        }
        return "claimed";
    }

    @Override
    public Mono<Boolean> complete(ScopedKey key, IdempotencyRecord completed, Duration ttl) {
        return this.observation.observe("complete", key.routeId(), () -> this.delegate.complete(key, completed, ttl)
            .doOnNext(stored -> {
                if (stored) {
                    this.sizes.record(key.routeId(), completed.response().bodyLength());
                }
            }), stored -> stored ? "stored" : "refused", "none");
    }

    @Override
    public Mono<Void> release(ScopedKey key, long fencingToken) {
        return this.observation.observe("release", key.routeId(), () -> this.delegate.release(key, fencingToken),
                unused -> "released", "released");
    }

    @Override
    public Mono<Boolean> renew(ScopedKey key, long fencingToken, Duration lease) {
        return this.observation.observe("renew", key.routeId(), () -> this.delegate.renew(key, fencingToken, lease),
                renewed -> renewed ? "renewed" : "lost", "none");
    }

    /** The time a duplicate spends waiting for the first request: the gateway's lock wait. */
    @Override
    public Mono<Void> awaitSettlement(ScopedKey key, Duration maxWait) {
        return this.observation.observe("await_settlement", key.routeId(),
                () -> this.delegate.awaitSettlement(key, maxWait), unused -> "waited", "waited");
    }

    @Override
    public Mono<InspectedRecord> inspect(ScopedKey key) {
        return this.observation.observe("inspect", key.routeId(), () -> this.delegate.inspect(key),
                unused -> "found", "absent");
    }

    @Override
    public Mono<Boolean> purge(ScopedKey key) {
        return this.observation.observe("purge", key.routeId(), () -> this.delegate.purge(key),
                purged -> purged ? "purged" : "absent", "none");
    }

    @Override
    public Optional<IdempotencyStore> countingInFlight(int maxInFlight) {
        return this.delegate.countingInFlight(maxInFlight)
            .map(counting -> new ObservedIdempotencyStore(counting, this.observation, this.sizes));
    }

    @Override
    public String toString() {
        return "Observed[" + this.delegate + "]";
    }
}
