package dev.idempotency.gateway.identity;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.client.WebClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.JsonNode;

import dev.idempotency.gateway.ops.AuditLines;
import dev.idempotency.gateway.ops.metrics.IdentityMetrics;
import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The JWK set over real HTTP (WireMock as the identity provider, keys made here), the real gateway
 * over real HTTP: how long keys are trusted, how often unknown key ids may make the gateway fetch
 * the set, what happens while the provider is down, and that every refused token says why.
 * One gateway, one identity source per concern, each with its own JWK set:
 * <ul>
 * <li>{@code /orders} (the default source): lifetime {@value #TTL_MILLIS} ms, refetch interval one
 * hour (only the lifetime can bring changes), clock skew 5 min, RS256 and ES256;</li>
 * <li>{@code /throttled}: lifetime 10 min, refetch interval {@value #REFETCH_INTERVAL_MILLIS} ms;</li>
 * <li>{@code /outage}: lifetime {@value #TTL_MILLIS} ms, grace period one hour;</li>
 * <li>{@code /brief}: lifetime {@value #TTL_MILLIS} ms, grace period {@value #TTL_MILLIS} ms.</li>
 * </ul>
 */
@ExtendWith(OutputCaptureExtension.class)
class JwkSetCachingTests {

    static final long TTL_MILLIS = 1000;

    static final long REFETCH_INTERVAL_MILLIS = 8000;

    static final String ISSUER = JwtIdentityTests.ISSUER;

    static final String AUDIENCE = JwtIdentityTests.AUDIENCE;

    static RSAKey steadyKey;

    static ECKey ecKey;

    static RSAKey leavingKey;

    static RSAKey arrivingKey;

    static RSAKey strangerKey;

    static WireMockServer identityProvider;

    static WireMockServer upstream;

    static GatewayInstance gateway;

    @BeforeAll
    static void start() throws JOSEException {
        steadyKey = new RSAKeyGenerator(2048).keyID("steady").generate();
        ecKey = new ECKeyGenerator(Curve.P_256).keyID("ec").generate();
        leavingKey = new RSAKeyGenerator(2048).keyID("leaving").generate();
        arrivingKey = new RSAKeyGenerator(2048).keyID("arriving").generate();
        strangerKey = new RSAKeyGenerator(2048).keyID("stranger").generate();
        identityProvider = Upstream.start();
        serveKeys("orders", steadyKey, ecKey, leavingKey);
        serveKeys("throttled", steadyKey);
        serveKeys("outage", steadyKey);
        serveKeys("brief", steadyKey);
        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"order\":\"ok\"}")));
        List<String> properties = new ArrayList<>(List.of("logging.structured.format.console=ecs",
                "logging.level.idempotency.audit=INFO", "logging.level.dev.idempotency.gateway.identity=WARN"));
        properties.addAll(jwtSource("idempotency.client-identity", "orders", Map.of("jwk-set-cache-ttl",
                TTL_MILLIS + "ms", "jwk-set-refetch-interval", "1h", "clock-skew", "5m", "algorithms", "RS256,ES256")));
        properties.addAll(jwtSource("idempotency.client-identities.throttled", "throttled",
                Map.of("jwk-set-cache-ttl", "10m", "jwk-set-refetch-interval", REFETCH_INTERVAL_MILLIS + "ms")));
        properties.addAll(jwtSource("idempotency.client-identities.outage", "outage",
                Map.of("jwk-set-cache-ttl", TTL_MILLIS + "ms", "jwk-set-outage-grace-period", "1h")));
        properties.addAll(jwtSource("idempotency.client-identities.brief", "brief",
                Map.of("jwk-set-cache-ttl", TTL_MILLIS + "ms", "jwk-set-outage-grace-period", TTL_MILLIS + "ms")));
        properties.addAll(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**").filter("Idempotency")
            .route("throttled", upstream.baseUrl()).path("/throttled/**")
            .filter("Idempotency", Map.of("clientIdentity", "throttled"))
            .route("outage", upstream.baseUrl()).path("/outage/**")
            .filter("Idempotency", Map.of("clientIdentity", "outage"))
            .route("brief", upstream.baseUrl()).path("/brief/**")
            .filter("Idempotency", Map.of("clientIdentity", "brief"))
            .properties());
        gateway = GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
        identityProvider.stop();
    }

    static List<String> jwtSource(String prefix, String name, Map<String, String> settings) {
        Map<String, String> all = new LinkedHashMap<>(Map.of("issuer", ISSUER, "audiences", AUDIENCE, "jwk-set-uri",
                identityProvider.baseUrl() + jwkSetPath(name)));
        all.putAll(settings);
        List<String> properties = new ArrayList<>(List.of(prefix + ".source=jwt"));
        all.forEach((setting, value) -> properties.add(prefix + ".jwt." + setting + "=" + value));
        return properties;
    }

    static String jwkSetPath(String name) {
        return "/" + name + "/jwks.json";
    }

    /** Replaces what the identity provider serves at the source's JWK set URI. */
    static void serveKeys(String name, JWK... keys) {
        List<JWK> publicKeys = new ArrayList<>();
        for (JWK key : keys) {
            publicKeys.add(key.toPublicJWK());
        }
        identityProvider.stubFor(get(urlEqualTo(jwkSetPath(name))).willReturn(
                okForContentType("application/jwk-set+json", new JWKSet(publicKeys).toString())));
    }

    static void identityProviderDown(String name) {
        identityProvider.stubFor(get(urlEqualTo(jwkSetPath(name))).willReturn(aResponse().withStatus(503)));
    }

    static int jwkSetFetches(String name) {
        return identityProvider.countRequestsMatching(getRequestedFor(urlEqualTo(jwkSetPath(name))).build()).getCount();
    }

    static JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().subject("shop-1").issuer(ISSUER).audience(AUDIENCE)
            .issueTime(Date.from(now)).expirationTime(Date.from(now.plus(Duration.ofMinutes(5))));
    }

    static String token(JWK key, JWTClaimsSet claims) {
        return token(key, key.getKeyID(), claims);
    }

    static String token(JWK key, String keyId, JWTClaimsSet claims) {
        try {
            JWSAlgorithm algorithm = key instanceof ECKey ? JWSAlgorithm.ES256 : JWSAlgorithm.RS256;
            JWSSigner signer = key instanceof ECKey ec ? new ECDSASigner(ec) : new RSASSASigner((RSAKey) key);
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(algorithm).keyID(keyId).build(), claims);
            jwt.sign(signer);
            return jwt.serialize();
        }
        catch (JOSEException ex) {
            throw new IllegalStateException(ex);
        }
    }

    static String validToken(JWK key) {
        return token(key, claims().build());
    }

    /** POSTs a keyed request to {@code /route} with the token; the status and body the gateway answered. */
    static Answer send(String route, String token) {
        return answer(route, token).block(Duration.ofSeconds(20));
    }

    // Not blocking: the gateway in this JVM looks keys up on the same bounded-elastic threads.
    static Mono<Answer> answer(String route, String token) {
        return WebClient.create(gateway.baseUrl()).post().uri("/" + route)
            .contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + token)
            .bodyValue("{\"item\":1}")
            .exchangeToMono(response -> response.bodyToMono(String.class).defaultIfEmpty("")
                .map(body -> new Answer(response.statusCode().value(), body)));
    }

    record Answer(int status, String body) {

        /** The problem's {@code reason} member. */
        String reason() {
            JsonNode problem = tools.jackson.databind.json.JsonMapper.builder().build().readTree(this.body);
            return problem.path("reason").asString(null);
        }
    }

    static double counter(String name, String... tags) {
        Counter counter = gateway.context().getBean(MeterRegistry.class).find(name).tags(tags).counter();
        return counter != null ? counter.count() : 0;
    }

    /** Serves these keys for the default source and waits until its cache has them. */
    static void servedAndCached(JWK... keys) throws InterruptedException {
        serveKeys("orders", keys);
        Thread.sleep(TTL_MILLIS + 250);
        send("orders", validToken(steadyKey));
    }

    @Test
    void aRemovedKeyIsRefusedOnceTheLifetimeHasPassed() throws InterruptedException {
        servedAndCached(steadyKey, ecKey, leavingKey);
        assertThat(send("orders", validToken(leavingKey)).status()).isEqualTo(201);
        serveKeys("orders", steadyKey, ecKey);
        // The set in the cache was fetched before the removal, so it expires within one lifetime.
        Thread.sleep(TTL_MILLIS + 250);
        Answer answer = send("orders", validToken(leavingKey));
        assertThat(answer.status()).isEqualTo(401);
        assertThat(answer.reason()).isEqualTo("unknown_key");
        assertThat(send("orders", validToken(steadyKey)).status()).isEqualTo(201);
    }

    @Test
    void anAddedKeyIsAcceptedOnceTheLifetimeHasPassed() throws JOSEException, InterruptedException {
        // Uses up this source's one refetch for unknown key ids (interval: one hour), if not used yet:
        // from here on only the lifetime brings new keys.
        servedAndCached(steadyKey, ecKey, leavingKey);
        send("orders", token(new RSAKeyGenerator(2048).keyID("nobody").generate(), claims().build()));
        assertThat(send("orders", validToken(arrivingKey)).status()).isEqualTo(401);
        serveKeys("orders", steadyKey, ecKey, leavingKey, arrivingKey);
        Thread.sleep(TTL_MILLIS + 250);
        assertThat(send("orders", validToken(arrivingKey)).status()).isEqualTo(201);
    }

    @Test
    void unknownKeyIdsFetchTheSetAtMostOncePerInterval() throws InterruptedException {
        assertThat(send("throttled", validToken(steadyKey)).status()).isEqualTo(201);
        int before = jwkSetFetches("throttled");
        double refetchesBefore = counter(IdentityMetrics.JWK_SET_REFETCHES, "identity_source", "throttled");
        long start = System.nanoTime();
        List<Answer> answers = Flux.range(0, 100)
            .flatMap(i -> answer("throttled", token(strangerKey, "random-" + UUID.randomUUID(), claims().build())), 16)
            .collectList()
            .block(Duration.ofMinutes(2));
        long elapsedMillis = Duration.ofNanos(System.nanoTime() - start).toMillis();
        assertThat(answers).hasSize(100).allSatisfy(answer -> {
            assertThat(answer.status()).isEqualTo(401);
            assertThat(answer.reason()).isEqualTo("unknown_key");
        });
        int fetches = jwkSetFetches("throttled") - before;
        assertThat(fetches).as("JWK set fetches for 100 unknown key ids in %d ms", elapsedMillis)
            .isBetween(1, 1 + (int) (elapsedMillis / REFETCH_INTERVAL_MILLIS));
        assertThat(counter(IdentityMetrics.JWK_SET_REFETCHES, "identity_source", "throttled") - refetchesBefore)
            .isEqualTo(fetches);

        // A key added now waits for the next interval: no fetch before it, then one.
        serveKeys("throttled", steadyKey, arrivingKey);
        int afterBurst = jwkSetFetches("throttled");
        Answer tooEarly = send("throttled", validToken(arrivingKey));
        if (Duration.ofNanos(System.nanoTime() - start).toMillis() < REFETCH_INTERVAL_MILLIS) {
            assertThat(tooEarly.status()).isEqualTo(401);
            assertThat(jwkSetFetches("throttled")).isEqualTo(afterBurst);
        }
        // The interval began with the burst's first request, a little after start.
        Thread.sleep(Math.max(0, REFETCH_INTERVAL_MILLIS + 500 - Duration.ofNanos(System.nanoTime() - start).toMillis()));
        assertThat(send("throttled", validToken(arrivingKey)).status()).isEqualTo(201);
        assertThat(jwkSetFetches("throttled")).isEqualTo(afterBurst + 1);
    }

    @Test
    void everyRefusedTokenSaysWhyInTheAnswerTheAuditAndTheMetric(CapturedOutput output) throws JOSEException {
        Instant now = Instant.now();
        RSAKey impostor = new RSAKeyGenerator(2048).keyID(steadyKey.getKeyID()).generate();
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("expired", token(steadyKey, claims().issueTime(Date.from(now.minus(Duration.ofHours(1))))
            .expirationTime(Date.from(now.minus(Duration.ofMinutes(10)))).build()));
        tokens.put("not_yet_valid", token(steadyKey, claims().notBeforeTime(Date.from(now.plus(Duration.ofMinutes(10))))
            .build()));
        tokens.put("wrong_issuer", token(steadyKey, claims().issuer("https://evil.example.test/").build()));
        tokens.put("wrong_audience", token(steadyKey, claims().audience("payments-api").build()));
        tokens.put("bad_signature", token(impostor, claims().build()));
        tokens.put("unknown_key", token(strangerKey, claims().build()));
        tokens.put("disallowed_algorithm", new PlainJWT(claims().build()).serialize());
        tokens.put("malformed", "not-a-jwt");
        Map<String, String> moreTokens = Map.of("disallowed_algorithm", hs256(claims().build()), "malformed", "a b");

        for (Map.Entry<String, String> token : tokens.entrySet()) {
            Answer answer = send("orders", token.getValue());
            assertThat(answer.status()).as(token.getKey()).isEqualTo(401);
            assertThat(answer.reason()).as(token.getKey()).isEqualTo(token.getKey());
            assertThat(answer.body()).as(token.getKey()).contains(BearerTokenRejection.valueOf(
                    token.getKey().toUpperCase()).description());
        }
        moreTokens.forEach((reason, token) -> assertThat(send("orders", token).reason()).as(reason).isEqualTo(reason));

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(AuditLines.of(output.getOut(), "orders")
            .stream().filter(line -> "unauthenticated".equals(line.path("audit_event").asString(null)))
            .map(line -> line.path("reason").asString(null)).toList())
            .containsAll(tokens.keySet().stream().map(code -> BearerTokenRejection.valueOf(code.toUpperCase())
                .description()).toList()));
        assertThat(tokens.keySet()).allSatisfy(reason -> assertThat(counter(IdentityMetrics.REJECTED,
                "route", "orders", "reason", reason)).as(reason).isGreaterThanOrEqualTo(1));
        assertThat(output.getOut()).doesNotContain(tokens.get("expired")).doesNotContain(tokens.get("bad_signature"));
    }

    @Test
    void aTokenWithoutTheClientClaimAndTwoAuthorizationHeadersSayWhyToo() {
        assertThat(send("orders", token(steadyKey, claims().subject(null).build())).reason()).isEqualTo("no_client_claim");
        String token = validToken(steadyKey);
        Answer twoHeaders = WebClient.create(gateway.baseUrl()).post().uri("/orders")
            .contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", UUID.randomUUID().toString())
            .header(HttpHeaders.AUTHORIZATION, "Bearer " + token, "Bearer " + token)
            .bodyValue("{\"item\":1}")
            .exchangeToMono(response -> response.bodyToMono(String.class)
                .map(body -> new Answer(response.statusCode().value(), body)))
            .block(Duration.ofSeconds(20));
        assertThat(twoHeaders.status()).isEqualTo(401);
        assertThat(twoHeaders.reason()).isEqualTo("ambiguous");
    }

    @Test
    void theClockSkewIsASetting() {
        Instant now = Instant.now();
        String expiredTwoMinutesAgo = token(steadyKey, claims().issueTime(Date.from(now.minus(Duration.ofMinutes(10))))
            .expirationTime(Date.from(now.minus(Duration.ofMinutes(2)))).build());
        assertThat(send("orders", expiredTwoMinutesAgo).status()).as("clock-skew 5m").isEqualTo(201);
        Answer answer = send("throttled", expiredTwoMinutesAgo);
        assertThat(answer.status()).as("the default clock-skew, 60 s").isEqualTo(401);
        assertThat(answer.reason()).isEqualTo("expired");
    }

    @Test
    void theMetricsAreScrapedUnderTheNamesDocsOperationsGives() {
        send("throttled", "not-a-jwt");
        assertThat(gateway.context().getBean(PrometheusMeterRegistry.class).scrape())
            .contains("idempotency_identity_rejected_total{reason=\"malformed\",route=\"throttled\"}")
            .contains("idempotency_identity_jwk_set_fetches_total{identity_source=\"default\",result=\"success\"}");
    }

    @Test
    void anES256TokenFromTheSetIsAccepted() {
        assertThat(send("orders", validToken(ecKey)).status()).isEqualTo(201);
    }

    @Test
    void anOutageInsideTheGracePeriodRefusesNoValidToken(CapturedOutput output) throws InterruptedException {
        assertThat(send("outage", validToken(steadyKey)).status()).isEqualTo(201);
        double outagesBefore = counter(IdentityMetrics.JWK_SET_OUTAGES, "identity_source", "outage");
        identityProviderDown("outage");
        try {
            int fetchesBefore = jwkSetFetches("outage");
            // Across three lifetimes: each expiry tries the provider, fails, and keeps the keys.
            long end = System.nanoTime() + Duration.ofMillis(3 * TTL_MILLIS + 300).toNanos();
            while (System.nanoTime() < end) {
                assertThat(send("outage", validToken(steadyKey)).status()).isEqualTo(201);
                Thread.sleep(100);
            }
            assertThat(jwkSetFetches("outage")).as("the provider was asked while down").isGreaterThan(fetchesBefore);
            assertThat(counter(IdentityMetrics.JWK_SET_OUTAGES, "identity_source", "outage")).isGreaterThan(outagesBefore);
            assertThat(output.getOut()).contains("The JWK set of identity source 'outage' could not be fetched");
        }
        finally {
            serveKeys("outage", steadyKey);
        }
    }

    @Test
    void pastTheGracePeriodTokensGet503NeverA401() {
        assertThat(send("brief", validToken(steadyKey)).status()).isEqualTo(201);
        identityProviderDown("brief");
        try {
            List<Integer> statuses = new ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                int status = send("brief", validToken(steadyKey)).status();
                statuses.add(status);
                return status == HttpStatus.SERVICE_UNAVAILABLE.value();
            });
            assertThat(statuses).containsOnly(201, 503);
        }
        finally {
            serveKeys("brief", steadyKey);
        }
    }

    // Key confusion: HS256 with the RSA public key as the shared secret.
    static String hs256(JWTClaimsSet claims) throws JOSEException {
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID(steadyKey.getKeyID()).build(),
                claims);
        jwt.sign(new MACSigner(steadyKey.toPublicJWK().toRSAKey().toRSAPublicKey().getEncoded()));
        return jwt.serialize();
    }
}
