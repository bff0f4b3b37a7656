package dev.idempotency.gateway.core.store.memory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.store.SettlementSignals;

/**
 * A store for one gateway instance: the same semantics as the Redis store, held in a bounded
 * Caffeine cache. Each entry expires on its own lease or time to live. When {@code maxEntries} is
 * reached the cache evicts entries it expects to be least used, so size it above the number of
 * keys clients send within one time to live.
 */
public class InMemoryIdempotencyStore implements IdempotencyStore {

    private final Cache<String, Entry> entries;

    private final SettlementSignals settlements = new SettlementSignals();

    public InMemoryIdempotencyStore(long maxEntries) {
        this(maxEntries, Ticker.systemTicker());
    }

    InMemoryIdempotencyStore(long maxEntries, Ticker ticker) {
        this.entries = Caffeine.newBuilder()
            .maximumSize(maxEntries)
            .expireAfter(new EntryExpiry())
            .ticker(ticker)
            .build();
    }

    @Override
    public Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease) {
        return Mono.fromSupplier(() -> {
            AtomicReference<BeginResult> result = new AtomicReference<>();
            this.entries.asMap().compute(key.storageId(), (id, current) -> {
                if (current != null) {
                    result.set(new BeginResult.Existing(current.record()));
                    return current;
                }
                result.set(new BeginResult.Claimed(claim.fencingToken()));
                return new Entry(claim, lease);
            });
            return result.get();
        });
    }

    @Override
    public Mono<Boolean> complete(ScopedKey key, IdempotencyRecord completed, Duration ttl) {
        return Mono.fromSupplier(() -> {
            AtomicBoolean stored = new AtomicBoolean();
            this.entries.asMap().compute(key.storageId(), (id, current) -> {
                // current == null: the lease ran out and nobody claimed the key; the upstream did
                // execute, so its result is kept.
                if (current != null && !current.isInFlightFor(completed.fencingToken())) {
                    // Completed under the same token: a retried complete whose first attempt was applied.
                    stored.set(current.record().fencingToken() == completed.fencingToken());
                    return current;
                }
                stored.set(true);
                return new Entry(completed, ttl);
            });
            this.settlements.signal(key.storageId());
            return stored.get();
        });
    }

    @Override
    public Mono<Void> release(ScopedKey key, long fencingToken) {
        return Mono.fromRunnable(() -> {
            this.entries.asMap()
                .computeIfPresent(key.storageId(), (id, current) -> current.isInFlightFor(fencingToken) ? null : current);
            this.settlements.signal(key.storageId());
        });
    }

    @Override
    public Mono<Void> awaitSettlement(ScopedKey key, Duration maxWait) {
        return this.settlements.await(key.storageId(), maxWait);
    }

    @Override
    public Mono<Boolean> renew(ScopedKey key, long fencingToken, Duration lease) {
        return Mono.fromSupplier(() -> {
            AtomicBoolean renewed = new AtomicBoolean();
            this.entries.asMap().computeIfPresent(key.storageId(), (id, current) -> {
                if (!current.isInFlightFor(fencingToken)) {
                    return current;
                }
                renewed.set(true);
                return new Entry(current.record(), lease);
            });
            return renewed.get();
        });
    }

    @Override
    public Mono<InspectedRecord> inspect(ScopedKey key) {
        return Mono.fromSupplier(() -> {
            String id = key.storageId();
            Entry entry = this.entries.getIfPresent(id);
            if (entry == null) {
                return null;
            }
            Duration expiresIn = this.entries.policy().expireVariably()
                .flatMap(expiry -> expiry.getExpiresAfter(id))
                .orElse(entry.timeToLive());
            return new InspectedRecord(entry.record(), expiresIn);
        });
    }

    @Override
    public Mono<Boolean> purge(ScopedKey key) {
        return Mono.fromSupplier(() -> {
            boolean removed = this.entries.asMap().remove(key.storageId()) != null;
            this.settlements.signal(key.storageId());
            return removed;
        });
    }

    private record Entry(IdempotencyRecord record, Duration timeToLive) {

        boolean isInFlightFor(long fencingToken) {
            return this.record.state() == IdempotencyRecord.State.IN_FLIGHT && this.record.fencingToken() == fencingToken;
        }
    }

    private static final class EntryExpiry implements Expiry<String, Entry> {

        @Override
        public long expireAfterCreate(String key, Entry entry, long currentTime) {
            return entry.timeToLive().toNanos();
        }

        @Override
        public long expireAfterUpdate(String key, Entry entry, long currentTime, long currentDuration) {
            return entry.timeToLive().toNanos();
        }

        @Override
        public long expireAfterRead(String key, Entry entry, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }
}
