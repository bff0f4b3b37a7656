package dev.idempotency.gateway.identity;

import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URI;
import java.net.URL;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;

import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKMatcher;
import com.nimbusds.jose.jwk.JWKSelector;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.CachingJWKSetSource;
import com.nimbusds.jose.jwk.source.JWKSetCacheRefreshEvaluator;
import com.nimbusds.jose.jwk.source.JWKSetSource;
import com.nimbusds.jose.jwk.source.OutageTolerantJWKSetSource;
import com.nimbusds.jose.jwk.source.URLBasedJWKSetSource;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jose.util.DefaultResourceRetriever;
import com.nimbusds.jwt.SignedJWT;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * An identity provider's JWK set, fetched over HTTP and cached with a lifetime: after
 * {@code ttl} the next token fetches it again, so a removed key is refused and an added one
 * accepted without a restart. A {@code kid} the cached set does not know refetches it at most once
 * per {@code refetchInterval} ({@link UnknownKeyRefetches}). When the provider is down as the
 * lifetime ends, the last fetched keys are used on while their fetch is less than
 * {@code ttl + outageGracePeriod} old, with a warning and {@link JwkSetObserver#servedDuringOutage}.
 *
 * <p>Built from Nimbus' own parts: {@link CachingJWKSetSource} (lifetime; concurrent callers
 * share one fetch), {@link OutageTolerantJWKSetSource} (the grace period) and
 * {@link URLBasedJWKSetSource}. Those block, so keys are looked up on the bounded-elastic
 * scheduler, never on the event loop.
 */
final class JwkSetCache {

    private static final Log logger = LogFactory.getLog(JwkSetCache.class);

    private static final int SIZE_LIMIT = 512 * 1024;

    private final String identitySource;

    private final CachingJWKSetSource<SecurityContext> cache;

    private final UnknownKeyRefetches unknownKeyRefetches;

    private final Set<String> algorithms;

    private final JwkSetObserver observer;

    private final Clock clock;

    /**
     * @param algorithms the accepted JWS algorithm names: a token with another never causes a fetch
     */
    JwkSetCache(String jwkSetUri, Settings settings, Set<String> algorithms, String identitySource,
            JwkSetObserver observer, Clock clock) {
        this.identitySource = identitySource;
        this.algorithms = Set.copyOf(algorithms);
        this.observer = observer;
        this.clock = clock;
        int timeout = (int) settings.fetchTimeout().toMillis();
        JWKSetSource<SecurityContext> remote = new ObservedFetches(
                new URLBasedJWKSetSource<>(url(jwkSetUri), new DefaultResourceRetriever(timeout, timeout, SIZE_LIMIT)));
        JWKSetSource<SecurityContext> tolerant = settings.outageGracePeriod().isZero() ? remote
                : new OutageTolerantJWKSetSource<>(remote,
                        settings.ttl().plus(settings.outageGracePeriod()).toMillis(), event -> {
                            if (event instanceof OutageTolerantJWKSetSource.OutageEvent<?> outage) {
                                servedDuringOutage(outage);
                            }
                        });
        // Waiters give up after a connect and a read timeout of the one fetching.
        Duration refreshTimeout = settings.fetchTimeout().multipliedBy(2).plusSeconds(1);
        this.cache = new CachingJWKSetSource<>(tolerant, settings.ttl().toMillis(), refreshTimeout.toMillis(), null);
        this.unknownKeyRefetches = new UnknownKeyRefetches(settings.refetchInterval(), refreshTimeout);
    }

    /** The keys that may have signed {@code jwt}, looked up off the event loop; empty when none. */
    Flux<JWK> keysFor(SignedJWT jwt) {
        return Mono.fromCallable(() -> keysFor(jwt.getHeader().getAlgorithm().getName(),
                    JWKMatcher.forJWSHeader(jwt.getHeader())))
            .subscribeOn(Schedulers.boundedElastic())
            .flatMapIterable(keys -> keys);
    }

    private List<JWK> keysFor(String algorithm, JWKMatcher matcher) throws KeySourceException {
        if (matcher == null || !this.algorithms.contains(algorithm)) {
            // Refused for its algorithm: no reason to ask the identity provider.
            return List.of();
        }
        JWKSelector selector = new JWKSelector(matcher);
        long now = this.clock.millis();
        JWKSet cached = this.cache.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), now, null);
        List<JWK> keys = selector.select(cached);
        if (!keys.isEmpty()) {
            return keys;
        }
        JWKSet refetched = this.unknownKeyRefetches.refetch(now, () -> {
            this.observer.refetchedForUnknownKey(this.identitySource);
            // Fetches unless another caller replaced the set meanwhile (a lifetime refresh).
            return this.cache.getJWKSet(JWKSetCacheRefreshEvaluator.referenceComparison(cached), now, null);
        });
        // Refused a refetch: a refetch may have ended between the first look and now.
        return selector.select(refetched != null ? refetched
                : this.cache.getJWKSet(JWKSetCacheRefreshEvaluator.noRefresh(), now, null));
    }

    private void servedDuringOutage(OutageTolerantJWKSetSource.OutageEvent<?> outage) {
        Duration remaining = Duration.ofMillis(outage.getRemainingTime());
        logger.warn("The JWK set of identity source '" + this.identitySource + "' could not be fetched ("
                + outage.getException().getMessage() + "); using the keys last fetched for at most " + remaining
                + " more");
        this.observer.servedDuringOutage(this.identitySource, remaining);
    }

    private static URL url(String jwkSetUri) {
        try {
            return URI.create(jwkSetUri).toURL();
        }
        catch (IllegalArgumentException | MalformedURLException ex) {
            throw new IllegalArgumentException("idempotency.client-identity.jwt.jwk-set-uri: '" + jwkSetUri
                    + "' is not an http(s) URL", ex);
        }
    }

    /**
     * @param ttl how long a fetched set is used before the next token fetches it again
     * @param refetchInterval the least time between two refetches for unknown key ids
     * @param outageGracePeriod how long past its lifetime a set is used while the provider is down;
     * zero: not at all (tokens get 503 until it is back)
     * @param fetchTimeout connect and read timeout of one fetch
     */
    record Settings(Duration ttl, Duration refetchInterval, Duration outageGracePeriod, Duration fetchTimeout) {

        Settings {
            requirePositive("jwk-set-cache-ttl", ttl);
            requirePositive("jwk-set-refetch-interval", refetchInterval);
            requirePositive("jwk-set-fetch-timeout", fetchTimeout);
            if (outageGracePeriod == null || outageGracePeriod.isNegative()) {
                throw new IllegalArgumentException("idempotency.client-identity.jwt.jwk-set-outage-grace-period must"
                        + " be zero (no grace) or positive, was " + outageGracePeriod);
            }
        }

        private static void requirePositive(String name, Duration value) {
            if (value == null || value.toMillis() < 1) {
                throw new IllegalArgumentException("idempotency.client-identity.jwt." + name
                        + " must be at least 1ms, was " + value);
            }
        }
    }

    /** Tells the observer of every fetch from the identity provider, and whether it worked. */
    private final class ObservedFetches implements JWKSetSource<SecurityContext> {

        private final JWKSetSource<SecurityContext> remote;

        ObservedFetches(JWKSetSource<SecurityContext> remote) {
            this.remote = remote;
        }

        @Override
        public JWKSet getJWKSet(JWKSetCacheRefreshEvaluator refreshEvaluator, long currentTime, SecurityContext context)
                throws KeySourceException {
            boolean succeeded = false;
            try {
                JWKSet set = this.remote.getJWKSet(refreshEvaluator, currentTime, context);
                succeeded = true;
                return set;
            }
            finally {
                JwkSetCache.this.observer.fetched(JwkSetCache.this.identitySource, succeeded);
            }
        }

        @Override
        public void close() throws IOException {
            this.remote.close();
        }
    }
}
