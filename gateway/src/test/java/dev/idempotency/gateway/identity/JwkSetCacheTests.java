package dev.idempotency.gateway.identity;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.KeySourceException;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JWK set cache on its own, against a JWK set WireMock serves: concurrency, no grace, a hanging provider. */
class JwkSetCacheTests {

    static final Duration TTL = Duration.ofMillis(500);

    RSAKey key;

    WireMockServer identityProvider;

    @BeforeEach
    void start() throws JOSEException {
        this.key = new RSAKeyGenerator(2048).keyID("k1").generate();
        this.identityProvider = Upstream.start();
        serve(this.key);
    }

    /** Serves the keys' public halves, slowly: concurrent callers overlap the fetch. */
    void serve(RSAKey... keys) {
        List<JWK> publicKeys = java.util.Arrays.stream(keys).map(RSAKey::toPublicJWK).map(JWK.class::cast).toList();
        this.identityProvider.stubFor(get(urlEqualTo("/jwks.json")).willReturn(aResponse()
            .withHeader("Content-Type", "application/jwk-set+json")
            .withBody(new JWKSet(publicKeys).toString())
            .withFixedDelay(300)));
    }

    @AfterEach
    void stop() {
        this.identityProvider.stop();
    }

    JwkSetCache cache(Duration ttl, Duration outageGracePeriod) {
        return cache(this.identityProvider.baseUrl() + "/jwks.json", ttl, outageGracePeriod,
                BearerTokenDecoders.JWK_SET_FETCH_TIMEOUT);
    }

    static JwkSetCache cache(String uri, Duration ttl, Duration outageGracePeriod, Duration fetchTimeout) {
        return new JwkSetCache(uri, new JwkSetCache.Settings(ttl, Duration.ofHours(1), outageGracePeriod, fetchTimeout),
                Set.of("RS256"), "test", JwkSetObserver.NONE, Clock.systemUTC());
    }

    SignedJWT jwt(String keyId) throws Exception {
        return SignedJWT.parse(JwkSetCachingTests.token(this.key, keyId, JwkSetCachingTests.claims().build()));
    }

    int fetches() {
        return this.identityProvider.countRequestsMatching(getRequestedFor(urlEqualTo("/jwks.json")).build()).getCount();
    }

    static <T> List<T> concurrently(int callers, Callable<T> call) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(callers);
        try {
            List<Future<T>> results = threads.invokeAll(IntStream.range(0, callers).mapToObj(i -> call).toList());
            List<T> values = new java.util.ArrayList<>();
            for (Future<T> result : results) {
                values.add(result.get());
            }
            return values;
        }
        finally {
            threads.shutdownNow();
        }
    }

    @Test
    void concurrentLookupsShareOneFetch() throws Exception {
        JwkSetCache cache = cache(TTL, Duration.ZERO);
        SignedJWT known = jwt("k1");
        assertThat(concurrently(20, () -> cache.keysFor(known).collectList().block()))
            .allSatisfy(keys -> assertThat(keys).extracting(JWK::getKeyID).containsExactly("k1"));
        assertThat(fetches()).as("first fetch").isEqualTo(1);

        Thread.sleep(TTL.toMillis() + 100);
        assertThat(concurrently(20, () -> cache.keysFor(known).collectList().block()))
            .allSatisfy(keys -> assertThat(keys).hasSize(1));
        assertThat(fetches()).as("after the lifetime").isEqualTo(2);
    }

    @Test
    void concurrentLookupsOfANewKeyIdShareOneRefetchAndAllFindTheKey() throws Exception {
        JwkSetCache cache = cache(Duration.ofHours(1), Duration.ZERO);
        assertThat(cache.keysFor(jwt("k1")).collectList().block()).hasSize(1);
        RSAKey added = new RSAKeyGenerator(2048).keyID("k2").generate();
        serve(this.key, added);
        SignedJWT signedWithTheNewKey = SignedJWT.parse(JwkSetCachingTests.token(added,
                JwkSetCachingTests.claims().build()));
        assertThat(concurrently(20, () -> cache.keysFor(signedWithTheNewKey).collectList().block()))
            .allSatisfy(keys -> assertThat(keys).extracting(JWK::getKeyID).containsExactly("k2"));
        assertThat(fetches()).isEqualTo(2);
    }

    @Test
    void withoutAGracePeriodAnOutageFailsTheLookupOnceTheLifetimeHasPassed() throws Exception {
        JwkSetCache cache = cache(TTL, Duration.ZERO);
        assertThat(cache.keysFor(jwt("k1")).collectList().block()).hasSize(1);
        this.identityProvider.stubFor(get(urlEqualTo("/jwks.json")).willReturn(aResponse().withStatus(503)));
        Thread.sleep(TTL.toMillis() + 100);
        assertThatThrownBy(() -> cache.keysFor(jwt("k1")).collectList().block()).hasCauseInstanceOf(KeySourceException.class);
    }

    @Test
    void anIdentityProviderThatNeverAnswersFailsTheLookupAfterTheFetchTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                List<Socket> held = new java.util.ArrayList<>();
                try {
                    while (true) {
                        held.add(silent.accept());
                    }
                }
                catch (IOException ex) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            JwkSetCache cache = cache("http://127.0.0.1:" + silent.getLocalPort() + "/jwks.json", TTL, Duration.ZERO,
                    BearerTokenDecoders.JWK_SET_FETCH_TIMEOUT);
            long start = System.nanoTime();
            assertThatThrownBy(() -> cache.keysFor(jwt("k1")).collectList().block(Duration.ofSeconds(30)))
                .hasCauseInstanceOf(KeySourceException.class);
            Duration waited = Duration.ofNanos(System.nanoTime() - start);
            assertThat(waited).isBetween(BearerTokenDecoders.JWK_SET_FETCH_TIMEOUT,
                    BearerTokenDecoders.JWK_SET_FETCH_TIMEOUT.plusSeconds(3));
            acceptor.interrupt();
        }
    }
}
