package dev.idempotency.gateway.ops;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RawHttpClient;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okForContentType;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the gateway writes to its logs never carries what clients send: bodies, idempotency keys,
 * API keys, bearer tokens or client ids. A realistic run through every kind of answer (fresh,
 * replay, 409, 422, 400, 401, 413, upstream failures) under each credential source, with the
 * gateway's own loggers at DEBUG, then a scan of everything written to the console.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class LogHygieneTests {

    /** In every request and response body: it must never reach a log line. */
    static final String MARKER = "S3CRET-MARKER-" + UUID.randomUUID();

    static final String API_KEY = "ak_live_" + UUID.randomUUID().toString().replace("-", "");

    static final String API_CLIENT = "shop-client-" + UUID.randomUUID();

    static final String JWT_CLIENT = "jwt-subject-" + UUID.randomUUID();

    static final String ISSUER = "https://idp.example.test/";

    static final String HASH_SECRET = "log-hygiene-hash-secret";

    @TempDir
    static Path dir;

    WireMockServer upstream;

    WireMockServer identityProvider;

    RedisServer redis;

    GatewayInstance apiKeyGateway;

    GatewayInstance jwtGateway;

    RSAKey signingKey;

    /** Every raw value the run sends; none may appear in the output. */
    final List<String> secrets = new ArrayList<>(List.of(MARKER, API_KEY, API_CLIENT, JWT_CLIENT));

    @BeforeAll
    void start() throws IOException, JOSEException {
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"" + MARKER + "\"}")));
        this.upstream.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(200)));
        this.upstream.stubFor(post(urlPathMatching("/orders/slow")).willReturn(aResponse().withStatus(201)
            .withFixedDelay(3500).withBody("{\"slow\":\"" + MARKER + "\"}")));
        this.upstream.stubFor(post(urlPathMatching("/orders/broken")).willReturn(aResponse().withStatus(500)
            .withBody("java.lang.IllegalStateException: " + MARKER)));
        this.upstream.stubFor(post(urlPathMatching("/orders/reset"))
            .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        this.upstream.stubFor(post(urlPathMatching("/orders/busy")).willReturn(aResponse().withStatus(503)
            .withBody("busy " + MARKER)));

        this.signingKey = new RSAKeyGenerator(2048).keyID("k1").generate();
        this.identityProvider = Upstream.start();
        this.identityProvider.stubFor(get(urlEqualTo("/jwks.json")).willReturn(
                okForContentType("application/jwk-set+json", new JWKSet(this.signingKey.toPublicJWK()).toString())));

        Path keys = Files.writeString(dir.resolve("api-keys"),
                API_CLIENT + ":" + sha256Hex(API_KEY) + "\n");
        this.redis = RedisServer.launch();
        List<String> apiKey = new ArrayList<>(common("identity-api-key.yml"));
        apiKey.addAll(List.of("API_KEYS_FILE=" + keys));
        apiKey.addAll(List.of(this.redis.storeProperties()));
        this.apiKeyGateway = GatewayInstance.start(apiKey);

        List<String> jwt = new ArrayList<>(common("identity-jwt.yml"));
        jwt.addAll(List.of("JWT_ISSUER=" + ISSUER, "JWT_AUDIENCES=orders-gateway",
                "JWT_JWK_SET_URI=" + this.identityProvider.baseUrl() + "/jwks.json"));
        this.jwtGateway = GatewayInstance.start(jwt);
    }

    private List<String> common(String identityExample) {
        return List.of("spring.config.additional-location=file:../config/identity/" + identityExample,
                "ORDERS_URI=" + this.upstream.baseUrl(),
                "spring.cloud.gateway.server.webflux.httpclient.response-timeout=2000ms",
                "idempotency.defaults.max-request-body-size=256B",
                "idempotency.audit.hash-secret=" + HASH_SECRET, "logging.structured.format.console=ecs",
                "logging.level.org=INFO", "logging.level.io=INFO", "logging.level.reactor=INFO",
                "logging.level.dev.idempotency=DEBUG", "logging.level.idempotency.audit=INFO");
    }

    @AfterAll
    void stop() {
        for (AutoCloseable closeable : new AutoCloseable[] { this.apiKeyGateway, this.jwtGateway, this.redis }) {
            try {
                if (closeable != null) {
                    closeable.close();
                }
            }
            catch (Exception ignored) {
                // best effort
            }
        }
        this.upstream.stop();
        this.identityProvider.stop();
    }

    @Test
    void noBodyKeyCredentialOrClientIdReachesTheLogs(CapturedOutput output) throws Exception {
        String token = token(JWT_CLIENT, Instant.now().plus(Duration.ofMinutes(5)));
        String expired = token(JWT_CLIENT, Instant.now().minus(Duration.ofMinutes(5)));
        this.secrets.addAll(List.of(token, expired));
        scenario(this.apiKeyGateway, "X-Api-Key", API_KEY, "ak_live_wrong_" + MARKER);
        scenario(this.jwtGateway, "Authorization", "Bearer " + token, "Bearer " + expired);

        // Settlements of the slow and reset requests are logged after their answers.
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
            .until(() -> output.getOut().contains("\"audit_event\":\"settled\""));
        String all = output.getAll();
        assertThat(all).contains("\"audit_event\":\"executed\"", "\"audit_event\":\"unauthenticated\"",
                "\"audit_event\":\"replayed\"");
        for (String secret : this.secrets) {
            assertThat(all).as("the logs contain a value a client sent").doesNotContain(secret);
        }
        // docs/security.md: a credential is never written, not even hashed (the key file's digest, or
        // the audit log's pseudonym of it, would let anyone holding the logs check guesses offline).
        for (String credential : List.of(API_KEY, "ak_live_wrong_" + MARKER, token, "Bearer " + token)) {
            assertThat(all).as("the logs contain a digest of a credential")
                .doesNotContain(sha256Hex(credential))
                .doesNotContain(OperationsTests.hmac(HASH_SECRET, credential));
        }
    }

    @Test
    void aRequestRefused401IsAuditedWithoutItsCredential(CapturedOutput output) {
        String missingKey = "k-" + UUID.randomUUID();
        String invalidKey = "k-" + UUID.randomUUID();
        this.secrets.addAll(List.of(missingKey, invalidKey));
        send(this.apiKeyGateway, "/orders", missingKey, null, null, body()).expectStatus().isUnauthorized();
        send(this.apiKeyGateway, "/orders", invalidKey, "X-Api-Key", "ak_live_guess_" + MARKER, body())
            .expectStatus().isUnauthorized();

        await().atMost(Duration.ofSeconds(10)).until(() -> unauthenticated(output, missingKey).size() == 1
                && unauthenticated(output, invalidKey).size() == 1);
        JsonNode missing = unauthenticated(output, missingKey).get(0);
        assertThat(missing.path("outcome").asString()).isEqualTo("missing_credential");
        assertThat(missing.path("status").asInt()).isEqualTo(401);
        assertThat(missing.path("peer").asString()).isIn("127.0.0.1", "0:0:0:0:0:0:0:1");
        assertThat(missing.has("reason")).isFalse();
        assertThat(missing.has("client_hash")).isFalse();
        JsonNode invalid = unauthenticated(output, invalidKey).get(0);
        assertThat(invalid.path("outcome").asString()).isEqualTo("invalid_credential");
        assertThat(invalid.path("reason").asString()).isEqualTo("unknown API key");
        assertThat(output.getAll()).doesNotContain(missingKey).doesNotContain(invalidKey).doesNotContain(MARKER);
    }

    private static List<JsonNode> unauthenticated(CapturedOutput output, String key) {
        return AuditLines.of(output.getOut(), "orders").stream()
            .filter(line -> "unauthenticated".equals(line.path("audit_event").asString()))
            .filter(line -> OperationsTests.hmac(HASH_SECRET, key).equals(line.path("key_hash").asString(null)))
            .toList();
    }

    /** Every kind of answer the gateway gives, with the marker in every body. */
    private void scenario(GatewayInstance gateway, String credentialHeader, String credential, String badCredential)
            throws Exception {
        // A cold upstream connection can take longer than the short response timeout used here.
        gateway.client().get().uri("/orders/warm-up").exchange().expectStatus().isOk();
        String key = newKey();
        send(gateway, "/orders", key, credentialHeader, credential, body()).expectStatus().isCreated();
        send(gateway, "/orders", key, credentialHeader, credential, body()).expectStatus().isCreated()
            .expectHeader().valueEquals("Idempotent-Replayed", "true");
        send(gateway, "/orders", key, credentialHeader, credential, "{\"other\":\"" + MARKER + "\"}")
            .expectStatus().isEqualTo(422);
        String slowKey = newKey();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            CompletableFuture<?> slow = CompletableFuture.runAsync(() -> send(gateway, "/orders/slow", slowKey,
                    credentialHeader, credential, body()).expectStatus().isEqualTo(504), pool);
            Thread.sleep(300);
            send(gateway, "/orders/slow", slowKey, credentialHeader, credential, body()).expectStatus().isEqualTo(409);
            slow.get();
        }
        finally {
            pool.shutdownNow();
        }
        send(gateway, "/orders", newKey(), null, null, body()).expectStatus().isUnauthorized();
        send(gateway, "/orders", newKey(), credentialHeader, badCredential, body()).expectStatus().isUnauthorized();
        send(gateway, "/orders", null, credentialHeader, credential, body()).expectStatus().isBadRequest();
        String invalidKey = "\"unterminated-" + MARKER;
        this.secrets.add(invalidKey);
        send(gateway, "/orders", invalidKey, credentialHeader, credential, body()).expectStatus().isBadRequest();
        send(gateway, "/orders", newKey(), credentialHeader, credential, "{\"big\":\"" + MARKER + "x".repeat(300) + "\"}")
            .expectStatus().isEqualTo(413);
        send(gateway, "/orders/broken", newKey(), credentialHeader, credential, body()).expectStatus().isEqualTo(500);
        send(gateway, "/orders/busy", newKey(), credentialHeader, credential, body()).expectStatus().isEqualTo(503);
        send(gateway, "/orders/reset", newKey(), credentialHeader, credential, body()).expectStatus().is5xxServerError();
        // A client that hangs up mid-request: the gateway finishes the exchange in the background.
        String hangUpKey = newKey();
        RawHttpClient.sendAndHangUp(gateway.port(), RawHttpClient.request("POST", "/orders/slow")
            .header("Idempotency-Key", hangUpKey).header(credentialHeader, credential)
            .header("Content-Type", "application/json").body(body()).build(), Duration.ofMillis(200));
        // The X-Client-Id header is ignored under these sources, and never logged either.
        send(gateway, "/orders", newKey(), credentialHeader, credential, body(), "X-Client-Id", "forged-" + MARKER)
            .expectStatus().isCreated();
        // A route that does not exist.
        send(gateway, "/nowhere", newKey(), credentialHeader, credential, body()).expectStatus().isNotFound();
    }

    private String newKey() {
        String key = "key-" + UUID.randomUUID();
        this.secrets.add(key);
        return key;
    }

    private static String sha256Hex(String value) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    private static String body() {
        return "{\"item\":\"book\",\"card\":\"" + MARKER + "\"}";
    }

    private static WebTestClient.ResponseSpec send(GatewayInstance gateway, String path, String key,
            String credentialHeader, String credential, String body, String... extraHeader) {
        WebTestClient.RequestBodySpec request = gateway.client().post().uri(path).contentType(MediaType.APPLICATION_JSON);
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        if (credentialHeader != null) {
            request.header(credentialHeader, credential);
        }
        if (extraHeader.length == 2) {
            request.header(extraHeader[0], extraHeader[1]);
        }
        return request.bodyValue(body).exchange();
    }

    private String token(String subject, Instant expiry) throws JOSEException {
        JWTClaimsSet claims = new JWTClaimsSet.Builder().subject(subject).issuer(ISSUER).audience("orders-gateway")
            .issueTime(Date.from(expiry.minus(Duration.ofMinutes(10)))).expirationTime(Date.from(expiry)).build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), claims);
        jwt.sign(new RSASSASigner(this.signingKey));
        return jwt.serialize();
    }
}
