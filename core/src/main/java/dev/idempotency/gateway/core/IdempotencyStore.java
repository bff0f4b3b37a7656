package dev.idempotency.gateway.core;

import java.time.Duration;
import java.util.Optional;

import reactor.core.publisher.Mono;

/**
 * Keeps one {@link IdempotencyRecord} per {@link ScopedKey}. Every operation is atomic for its key,
 * across every gateway instance that shares the store.
 *
 * <p>Operations fail with {@link StoreUnavailableException} when the store cannot be reached; they
 * never hang longer than the store's configured timeout.
 */
public interface IdempotencyStore {

    /**
     * Claims the key for a new request, or returns what is already there.
     * @param key the scoped key
     * @param claim the in-flight record to store if the key is free
     * @param lease how long the claim holds without {@link #renew renewal}; separate from the
     * result's time to live, so a crashed owner blocks a key only briefly
     * @return {@link BeginResult.Claimed} if the key was free, else {@link BeginResult.Existing}
     */
    Mono<BeginResult> begin(ScopedKey key, IdempotencyRecord claim, Duration lease);

    /**
     * Stores the completed record of the request that holds its fencing token. Refused when another
     * owner has taken the key since (the lease ran out and someone else claimed it) or another
     * owner's result is stored; accepted when the lease ran out and nobody claimed the key, because
     * the upstream did execute and its result is the truth. Completing again with the same token
     * answers {@code true} and changes nothing, so a retry after a lost acknowledgement is safe.
     * @return whether the key now holds this owner's result
     */
    Mono<Boolean> complete(ScopedKey key, IdempotencyRecord completed, Duration ttl);

    /** Frees the key if {@code fencingToken} still holds it in flight, so the client may retry. */
    Mono<Void> release(ScopedKey key, long fencingToken);

    /**
     * Extends the in-flight lease of the current owner.
     * @return {@code false} if the token no longer holds the key
     */
    Mono<Boolean> renew(ScopedKey key, long fencingToken, Duration lease);

    /**
     * Completes when the key's in-flight request may have settled (its result stored, or the key
     * released or purged), or after at most {@code maxWait}, whichever comes first. Callers look
     * at the key again after it completes: a notification can be missed (a store outage, a lease
     * that ran out), so the bound is also the fallback.
     */
    Mono<Void> awaitSettlement(ScopedKey key, Duration maxWait);

    /**
     * This store with every claim also counted among its client's keys in flight on the route, in
     * the same atomic step, where the store can do that: {@link #begin} answers
     * {@link BeginResult.OverInFlightLimit} instead of claiming a free key when the client already
     * holds {@code maxInFlight}; {@link #complete} and {@link #release} free the place; {@link #renew}
     * renews it with the lease. A key that is taken is answered as always, whatever the count.
     * The places are the ones {@link InFlightKeys} counts (the same entries, named by fencing
     * token), so gateways of either kind share a client's count.
     * @return empty when the store cannot count in the same step (Redis Cluster keeps the count in
     * another slot than the record): the caller then counts through {@link InFlightKeys}
     */
    default Optional<IdempotencyStore> countingInFlight(int maxInFlight) {
        return Optional.empty();
    }

    /** Reads a record without changing it, for operators' tools; empty when the key is free. */
    Mono<InspectedRecord> inspect(ScopedKey key);

    /**
     * Deletes a record whatever its state, for operators: a purged key executes again on its next
     * use. @return whether there was a record
     */
    Mono<Boolean> purge(ScopedKey key);

    /** A record and how long it will still be kept. */
    record InspectedRecord(IdempotencyRecord record, Duration expiresIn) {
    }
}
