package dev.idempotency.gateway.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Mono;
import reactor.util.retry.Retry;

import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.core.StoredResponse;
import dev.idempotency.gateway.events.IdempotencyListeners;
import dev.idempotency.gateway.events.KeySettlement;

/**
 * The claim one request holds on its key while it runs upstream: renewed while the request is
 * alive, then either completed with the result or released. Store failures here never fail the
 * client's request (the upstream has already been called). A result that cannot be stored at once
 * is handed to the client anyway and stored in the background, retried until the store is back
 * (for at most the result's time to live), with the lease still renewed: forgetting it would let a
 * retry execute the request a second time.
 */
final class KeyLease {

    private static final Log logger = LogFactory.getLog(KeyLease.class);

    /** What the client's response waits for: a blip of the store, not an outage. */
    private static final Retry STORE_RETRY = Retry.backoff(2, Duration.ofMillis(50))
        .filter(StoreUnavailableException.class::isInstance)
        .onRetryExhaustedThrow((spec, signal) -> signal.failure());

    /**
     * After that, in the background, until the store is back. Often: the first request to reach
     * a restarted Redis may be a retry of this very key, and the stored result should beat it.
     */
    private static final Retry BACKGROUND_STORE_RETRY = Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(100))
        .maxBackoff(Duration.ofMillis(250))
        .filter(StoreUnavailableException.class::isInstance);

    private final IdempotencyStore store;

    private final ScopedKey key;

    private final IdempotencyRecord claim;

    private final IdempotencyPolicy policy;

    private final IdempotencyListeners listeners;

    /** Renews the lease while the request runs; set when it starts. */
    private volatile ExecutionClock clock;

    private volatile boolean storingInBackground;

    /**
     * The client's place in flight, when the route caps them and the store does not count them in
     * its own scripts; {@code null} otherwise.
     */
    private final InFlightSlot slot;

    /** Where a background store waits for a graceful stop. */
    private final PendingStores pendingStores;

    KeyLease(IdempotencyStore store, ScopedKey key, IdempotencyRecord claim, IdempotencyPolicy policy,
            IdempotencyListeners listeners, InFlightSlot slot, PendingStores pendingStores) {
        this.slot = slot;
        this.pendingStores = pendingStores;
        this.store = store;
        this.key = key;
        this.claim = claim;
        this.policy = policy;
        this.listeners = listeners;
    }

    /**
     * Runs {@code work} while {@code clock} renews the lease every third of its length; stops the
     * clock when work ends, or, if work left its result to be stored in the background, when that ends.
     */
    Mono<Void> renewWhile(Mono<Void> work, ExecutionClock clock) {
        return Mono.deferContextual(request -> {
            this.clock = clock;
            // The clock subscribes each renewal itself, outside the request's subscription: the
            // request's context goes with it, so that a renewal is observed in the request's trace.
            // The context (and the request observation in it) lives as long as the renewals, which
            // is past the response only while its result is stored in the background.
            clock.start(() -> renewOnce().contextWrite(request), this.policy.renewalInterval());
            return work.doFinally(signal -> {
                if (!this.storingInBackground) {
                    clock.stop();
                }
            });
        });
    }

    // A failed renewal is retried on the next tick; a refused one means the lease is gone.
    private Mono<Boolean> renewOnce() {
        return this.store.renew(this.key, this.claim.fencingToken(), this.policy.lease())
            .onErrorReturn(StoreUnavailableException.class, true)
            .flatMap(renewed -> renewed ? renewSlot().thenReturn(true) : Mono.just(false));
    }

    private void stopRenewal() {
        ExecutionClock clock = this.clock;
        if (clock != null) {
            clock.stop();
        }
    }

    /** Stores the key's result; {@code settlement} says what kind of result it is. */
    Mono<Void> complete(StoredResponse response, KeySettlement settlement, int upstreamStatus) {
        return Mono.when(storeResult(response, settlement, upstreamStatus), freeSlot());
    }

    private Mono<Void> storeResult(StoredResponse response, KeySettlement settlement, int upstreamStatus) {
        IdempotencyRecord completed = this.claim.complete(response);
        return retriedAfterFailure(this.store.complete(this.key, completed, this.policy.ttl()), STORE_RETRY)
            .doOnNext(stored -> completed(stored, settlement, upstreamStatus))
            .onErrorResume(StoreUnavailableException.class, ex -> {
                storeInBackground(completed, settlement, upstreamStatus, ex);
                return Mono.empty();
            })
            .onErrorResume(ex -> {
                logger.error("Result of " + this.key + " could not be stored; the key stays in flight until its lease ends", ex);
                settled(KeySettlement.STORE_FAILED, upstreamStatus);
                return Mono.empty();
            })
            .then();
    }

    private void storeInBackground(IdempotencyRecord completed, KeySettlement settlement, int upstreamStatus,
            Throwable cause) {
        logger.warn("Result of " + this.key + " not stored yet (" + cause.getMessage()
                + "); the client gets it now and the gateway keeps storing it until the store is back");
        this.storingInBackground = true;
        Mono<Boolean> background = this.store.complete(this.key, completed, this.policy.ttl())
            .retryWhen(BACKGROUND_STORE_RETRY)
            .timeout(this.policy.ttl())
            .doFinally(signal -> stopRenewal());
        this.pendingStores.track(this.key, background, stored -> {
                if (stored) {
                    logger.info("Result of " + this.key + " stored after the store came back");
                }
                completed(stored, settlement, upstreamStatus);
            }, ex -> {
                logger.error("Result of " + this.key + " could not be stored within its ttl; a retry may execute again", ex);
                settled(KeySettlement.STORE_FAILED, upstreamStatus);
            });
    }

    private void completed(boolean stored, KeySettlement settlement, int upstreamStatus) {
        if (stored) {
            settled(settlement, upstreamStatus);
        }
        else {
            logger.warn("Result of " + this.key + " not stored: another request took the key after this one's lease ran out");
            settled(KeySettlement.LEASE_LOST, upstreamStatus);
        }
    }

    /** Frees the key after the upstream was called, so that the client may retry. */
    Mono<Void> release(KeySettlement settlement, int upstreamStatus) {
        return releaseQuietly().doOnSuccess(done -> settled(settlement, upstreamStatus));
    }

    /** Frees a key whose request never reached the upstream. */
    Mono<Void> releaseUnused() {
        return releaseQuietly();
    }

    private Mono<Void> releaseQuietly() {
        Mono<Void> release = retriedAfterFailure(this.store.release(this.key, this.claim.fencingToken()), STORE_RETRY)
            .onErrorResume(ex -> {
                logger.error("Key " + this.key + " could not be released; it frees itself when its lease ends", ex);
                return Mono.empty();
            });
        return Mono.when(release, freeSlot());
    }

    /**
     * {@code call.retryWhen(retry)}, set up only once {@code call} has failed: {@code retryWhen}
     * builds its companion (a sink, a deferred flux, a context) on every subscription, failure or
     * not, about 1.5 KB for each first request (bench/README.md). The first failure is handed to
     * {@code retry} as its own, so the attempts and their backoff are the same.
     */
    private static <T> Mono<T> retriedAfterFailure(Mono<T> call, Retry retry) {
        return call.onErrorResume(failure -> {
            AtomicBoolean replayed = new AtomicBoolean();
            return Mono.defer(() -> replayed.getAndSet(true) ? call : Mono.<T>error(failure)).retryWhen(retry);
        });
    }

    // A store that cannot count in its scripts (Redis Cluster: the count lives in another slot) leaves
    // the place to be freed side by side with the key; one that can frees it with the key itself.
    private Mono<Void> freeSlot() {
        return this.slot == null ? Mono.empty() : this.slot.free();
    }

    private Mono<Void> renewSlot() {
        return this.slot == null ? Mono.empty() : this.slot.renew();
    }

    private void settled(KeySettlement settlement, int upstreamStatus) {
        this.listeners.settlement(this.key.routeId(), settlement, upstreamStatus);
    }
}
