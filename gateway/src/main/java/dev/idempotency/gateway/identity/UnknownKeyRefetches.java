package dev.idempotency.gateway.identity;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWKSet;

/**
 * At most one JWK set refetch per interval for tokens whose {@code kid} the cached set does not
 * know, so that tokens with made-up key ids cannot make the gateway call the identity provider
 * once per request. Callers that come while the refetch runs wait for it and share its result;
 * callers after it, within the interval, are told no.
 *
 * <p>Not Nimbus' {@code RateLimitedJWKSetSource}: it allows two calls per interval (one spare for
 * background refreshes) and counts the cache's expiry refreshes against the same budget.
 */
final class UnknownKeyRefetches {

    /** Fetches the set again; throws when the identity provider cannot be reached. */
    @FunctionalInterface
    interface Refetch {

        JWKSet fetch() throws KeySourceException;
    }

    private final long intervalMillis;

    private final long waitMillis;

    // Guarded by this.
    private long nextAllowedAt = Long.MIN_VALUE;

    private CompletableFuture<JWKSet> running;

    /**
     * @param interval the least time between two refetches' starts
     * @param wait how long a caller waits for a running refetch before giving up
     */
    UnknownKeyRefetches(Duration interval, Duration wait) {
        this.intervalMillis = interval.toMillis();
        this.waitMillis = wait.toMillis();
    }

    /**
     * @param now the caller's clock, in milliseconds
     * @return the refetched set (this caller's refetch or the one running), or {@code null} when a
     * refetch already ran within the interval
     */
    JWKSet refetch(long now, Refetch refetch) throws KeySourceException {
        CompletableFuture<JWKSet> shared;
        CompletableFuture<JWKSet> mine = null;
        synchronized (this) {
            shared = this.running;
            if (shared == null) {
                if (now < this.nextAllowedAt) {
                    return null;
                }
                this.nextAllowedAt = now + this.intervalMillis;
                mine = new CompletableFuture<>();
                this.running = mine;
            }
        }
        // Waited on outside the lock: run() takes it again to clear the running refetch.
        return mine != null ? run(refetch, mine) : await(shared);
    }

    private JWKSet run(Refetch refetch, CompletableFuture<JWKSet> result) throws KeySourceException {
        try {
            JWKSet set = refetch.fetch();
            result.complete(set);
            return set;
        }
        catch (KeySourceException | RuntimeException ex) {
            result.completeExceptionally(ex);
            throw ex;
        }
        finally {
            synchronized (this) {
                this.running = null;
            }
        }
    }

    private JWKSet await(CompletableFuture<JWKSet> shared) throws KeySourceException {
        try {
            return shared.get(this.waitMillis, TimeUnit.MILLISECONDS);
        }
        catch (ExecutionException ex) {
            throw ex.getCause() instanceof KeySourceException keys ? keys
                    : new KeySourceException("The JWK set refetch failed", ex.getCause());
        }
        catch (TimeoutException ex) {
            throw new KeySourceException("Timed out waiting for the JWK set refetch", ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new KeySourceException("Interrupted waiting for the JWK set refetch", ex);
        }
    }
}
