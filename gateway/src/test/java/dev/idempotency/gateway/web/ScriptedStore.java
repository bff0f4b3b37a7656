package dev.idempotency.gateway.web;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.core.store.memory.InMemoryIdempotencyStore;

/**
 * The in-memory store, with the failures a unit test of the request path needs: {@code complete},
 * {@code release} and {@code renew} can be made to fail as an outage does, or otherwise, and
 * {@code complete} can be held until the test lets it through. Counts the calls.
 */
final class ScriptedStore implements IdempotencyStore {

    static final ScopedKey KEY = new ScopedKey("orders", "client-1", IdempotencyKey.of("k-1"));

    private final InMemoryIdempotencyStore delegate = new InMemoryIdempotencyStore(100);

    final AtomicInteger completes = new AtomicInteger();

    final AtomicInteger releases = new AtomicInteger();

    final AtomicInteger renewals = new AtomicInteger();

    /** The next this many calls of complete fail with StoreUnavailableException. */
    final AtomicInteger completeOutages = new AtomicInteger();

    /** The next this many calls of release fail with StoreUnavailableException. */
    final AtomicInteger releaseOutages = new AtomicInteger();

    volatile RuntimeException completeError;

    volatile Mono<Boolean> renewAnswer;

    private volatile Sinks.Empty<Void> completeGate;

    /** Claims {@link #KEY} with fencing token 7, as the filter does before forwarding. */
    IdempotencyRecord claim(Duration lease) {
        IdempotencyRecord claim = IdempotencyRecord.inFlight(7, RequestFingerprint.builder().part("method", "POST").build(),
                Instant.parse("2026-12-06T06:00:00Z"));
        BeginResult begun = this.delegate.begin(KEY, claim, lease).block();
        if (!(begun instanceof BeginResult.Claimed)) {
            throw new IllegalStateException("not claimed: " + begun);
        }
        return claim;
    }

    /** Another request takes the key, as after this one's lease ran out: purged, then claimed with {@code token}. */
    void takeOver(long token) {
        this.delegate.purge(KEY).block();
        this.delegate.begin(KEY, IdempotencyRecord.inFlight(token, RequestFingerprint.builder().part("method", "PUT").build(),
                Instant.parse("2026-12-06T06:01:00Z")), Duration.ofMinutes(1)).block();
    }

    /** What the key holds now; null when it is free. */
    IdempotencyRecord record() {
        InspectedRecord inspected = this.delegate.inspect(KEY).block();
        return inspected == null ? null : inspected.record();
    }

    /** Holds every complete until the returned sink completes. */
    Sinks.Empty<Void> holdCompletes() {
        this.completeGate = Sinks.empty();
        return this.completeGate;
    }

    private static StoreUnavailableException outage() {
        return new StoreUnavailableException("scripted outage", null);
    }

    @Override
    public Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease) {
        return this.delegate.begin(key, claim, lease);
    }

    @Override
    public Mono<Boolean> complete(ScopedKey key, IdempotencyRecord completed, Duration ttl) {
        return Mono.defer(() -> {
            this.completes.incrementAndGet();
            if (this.completeError != null) {
                return Mono.error(this.completeError);
            }
            if (this.completeOutages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return Mono.error(outage());
            }
            Sinks.Empty<Void> gate = this.completeGate;
            Mono<Boolean> complete = this.delegate.complete(key, completed, ttl);
            return gate == null ? complete : gate.asMono().then(complete);
        });
    }

    @Override
    public Mono<Void> release(ScopedKey key, long fencingToken) {
        return Mono.defer(() -> {
            this.releases.incrementAndGet();
            if (this.releaseOutages.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                return Mono.error(outage());
            }
            return this.delegate.release(key, fencingToken);
        });
    }

    @Override
    public Mono<Boolean> renew(ScopedKey key, long fencingToken, Duration lease) {
        return Mono.defer(() -> {
            this.renewals.incrementAndGet();
            Mono<Boolean> answer = this.renewAnswer;
            return answer != null ? answer : this.delegate.renew(key, fencingToken, lease);
        });
    }

    /** Renewals fail as in an outage from now on. */
    void failRenewals() {
        this.renewAnswer = Mono.error(outage());
    }

    @Override
    public Mono<Void> awaitSettlement(ScopedKey key, Duration maxWait) {
        return this.delegate.awaitSettlement(key, maxWait);
    }

    @Override
    public Mono<InspectedRecord> inspect(ScopedKey key) {
        return this.delegate.inspect(key);
    }

    @Override
    public Mono<Boolean> purge(ScopedKey key) {
        return this.delegate.purge(key);
    }
}
