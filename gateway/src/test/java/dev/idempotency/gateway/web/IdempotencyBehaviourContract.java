package dev.idempotency.gateway.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;

import dev.idempotency.gateway.core.ClientScope;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.ops.metrics.IdempotencyMetrics;
import dev.idempotency.gateway.testsupport.FreePorts;
import dev.idempotency.gateway.testsupport.GatewayWithUpstream;
import dev.idempotency.gateway.testsupport.RawHttpClient;
import dev.idempotency.gateway.testsupport.Routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway's idempotency behaviour over real HTTP, in front of a WireMock upstream. Each store
 * runs the same suite through a subclass, so memory and Redis are proven to behave alike.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class IdempotencyBehaviourContract {

    static final String PROBLEM_BASE = "https://idempotency-gateway.dev/problems/";

    @RegisterExtension
    final GatewayWithUpstream fixture = new GatewayWithUpstream(this::gatewayProperties, this::stubUpstream);

    /** Properties that select and reach the store under test. */
    abstract List<String> storeProperties();

    List<String> gatewayProperties(String uri) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", uri).path("/orders/**").filter("Idempotency")
            .route("other", uri).path("/other/**").filter("Idempotency")
            .route("optional", uri).path("/optional/**").filter("Idempotency", Map.of("required", false))
            .route("short-ttl", uri).path("/short/**").filter("Idempotency", Map.of("ttl", "1s"))
            .route("small", uri).path("/small/**")
                .filter("Idempotency", Map.of("maxRequestBodySize", "64B", "maxResponseBodySize", "64B"))
            .route("slow", uri).path("/slow/**").metadata("response-timeout", 500).filter("Idempotency")
            .route("slow-release", uri).path("/slow-release/**").metadata("response-timeout", 500)
                .filter("Idempotency", Map.of("ambiguousOutcome", "release"))
            .route("dead", "http://127.0.0.1:" + FreePorts.next()).path("/dead/**").filter("Idempotency")
            .route("all-methods", uri).path("/any/**").filter("Idempotency", Map.of("methods", "POST,PUT,DELETE"))
            .route("wait", uri).path("/wait/**").filter("Idempotency", Map.of("concurrent", "wait", "waitTimeout", "5s"))
            .route("wait-short", uri).path("/wait-short/**")
                .filter("Idempotency", Map.of("concurrent", "wait", "waitTimeout", "300ms"))
            // A lease shorter than the slow requests: places in flight must be renewed with it.
            .route("capped", uri).path("/capped/**")
                .filter("Idempotency", Map.of("maxInFlightPerClient", 3, "lockTimeout", "900ms"))
            .route("capped-observed", uri).path("/capped-observed/**")
                .filter("Idempotency", Map.of("maxInFlightPerClient", 1, "mode", "observe"))
            .properties());
        properties.addAll(storeProperties());
        return properties;
    }

    void stubUpstream(WireMockServer upstream) {
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json")
            .withHeader("Location", "/orders/42")
            .withHeader("Set-Cookie", "session=abc")
            .withBody("{\"orderId\":\"42\"}")));
    }

    static String newKey() {
        return "key-" + UUID.randomUUID();
    }

    EntityExchangeResult<byte[]> send(String path, String key, String clientId, String body) {
        WebTestClient.RequestBodySpec request = this.fixture.client().post().uri(path).contentType(MediaType.APPLICATION_JSON);
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        if (clientId != null) {
            request.header("X-Client-Id", clientId);
        }
        return request.bodyValue(body).exchange().expectBody().returnResult();
    }

    EntityExchangeResult<byte[]> send(String path, String key) {
        return send(path, key, "client-a", "{\"item\":\"book\"}");
    }

    RawHttpClient.Response sendRaw(String path, String key) throws IOException {
        return RawHttpClient.exchange(this.fixture.gateway().port(), RawHttpClient.request("POST", path)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .header("X-Client-Id", "client-a")
            .body("{\"item\":\"book\"}")
            .build(), Duration.ofSeconds(20));
    }

    /** The values of every line of one header field, in wire order. */
    static List<String> lines(RawHttpClient.Response response, String name) {
        return response.headers().stream().filter(header -> header.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
            .toList();
    }

    int executions(String path) {
        return this.fixture.upstream().countRequestsMatching(postRequestedFor(urlPathMatching(path)).build()).getCount();
    }

    int executionsWithKey(String key) {
        return this.fixture.upstream().findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key))).size();
    }

    static String body(EntityExchangeResult<byte[]> result) {
        byte[] body = result.getResponseBody();
        return body == null ? "" : new String(body, StandardCharsets.UTF_8);
    }

    static void assertProblem(EntityExchangeResult<byte[]> result, int status, String type) {
        assertThat(result.getStatus().value()).as(body(result)).isEqualTo(status);
        assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        // docs/http.md: a problem is never cached on the way.
        assertThat(result.getResponseHeaders().getCacheControl()).isEqualTo("no-store");
        assertThat(body(result)).contains("\"type\":\"" + PROBLEM_BASE + type + "\"")
            .contains("\"status\":" + status)
            .contains("\"title\":")
            .contains("\"detail\":")
            .contains("\"instance\":");
    }

    /** {@code idempotency_settlements_total} of one route and settlement, any upstream status. */
    double settlements(String route, String settlement) {
        return this.fixture.gateway().context().getBean(MeterRegistry.class).find(IdempotencyMetrics.SETTLEMENTS)
            .tags("route", route, "settlement", settlement).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Nested
    class FirstRequestAndReplay {

        @Test
        void firstRequestIsForwardedAndNotMarkedReplayed() {
            String key = newKey();
            EntityExchangeResult<byte[]> first = send("/orders", key);
            assertThat(first.getStatus().value()).isEqualTo(201);
            assertThat(first.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(body(first)).isEqualTo("{\"orderId\":\"42\"}");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void retryReplaysStoredResponseWithoutCallingUpstream() {
            String key = newKey();
            EntityExchangeResult<byte[]> first = send("/orders", key);
            EntityExchangeResult<byte[]> second = send("/orders", key);
            EntityExchangeResult<byte[]> third = send("/orders", key);

            assertThat(executionsWithKey(key)).isEqualTo(1);
            for (EntityExchangeResult<byte[]> replay : List.of(second, third)) {
                assertThat(replay.getStatus().value()).isEqualTo(201);
                assertThat(replay.getResponseBody()).isEqualTo(first.getResponseBody());
                HttpHeaders headers = replay.getResponseHeaders();
                assertThat(headers.getFirst("Idempotent-Replayed")).isEqualTo("true");
                assertThat(headers.getFirst("Location")).isEqualTo("/orders/42");
                assertThat(headers.getContentType()).isEqualTo(MediaType.APPLICATION_JSON);
                assertThat(headers.getContentLength()).isEqualTo(first.getResponseBody().length);
                assertThat(headers.containsHeader("Transfer-Encoding")).isFalse();
            }
        }

        @Test
        void replayDropsSetCookieAndDateButKeepsOtherHeaders() {
            String key = newKey();
            EntityExchangeResult<byte[]> first = send("/orders", key);
            assertThat(first.getResponseHeaders().getFirst("Set-Cookie")).isEqualTo("session=abc");
            EntityExchangeResult<byte[]> replay = send("/orders", key);
            assertThat(replay.getResponseHeaders().containsHeader("Set-Cookie")).isFalse();
            assertThat(replay.getResponseHeaders().getFirst("Location")).isEqualTo("/orders/42");
        }

        @Test
        void replayKeepsEveryValueOfRepeatedHeadersInOrderAndDropsDenyListedOnes() throws IOException {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/headers")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json")
                .withHeader("ETag", "\"v7\"")
                .withHeader("Cache-Control", "private, max-age=60")
                .withHeader("Link", "</orders/41>; rel=\"prev\"", "</orders/43>; rel=\"next\"")
                .withHeader("X-Order-Step", "reserved", "charged", "shipped")
                .withHeader("Set-Cookie", "session=abc", "tracking=xyz")
                .withHeader("X-RateLimit-Remaining", "4")
                .withHeader("Retry-After", "5")
                .withBody("{\"orderId\":\"42\"}")));
            String key = newKey();
            // Raw HTTP: each header line as it was on the wire, in order (a client library might merge them).
            RawHttpClient.Response fresh = sendRaw("/orders/headers", key);
            RawHttpClient.Response replay = sendRaw("/orders/headers", key);

            assertThat(replay.replayed()).isTrue();
            assertThat(replay.body()).isEqualTo(fresh.body());
            assertThat(lines(replay, "Link")).containsExactly("</orders/41>; rel=\"prev\"", "</orders/43>; rel=\"next\"");
            assertThat(lines(replay, "X-Order-Step")).containsExactly("reserved", "charged", "shipped");
            assertThat(lines(replay, "ETag")).containsExactly("\"v7\"");
            assertThat(lines(replay, "Cache-Control")).containsExactly("private, max-age=60");
            for (String name : List.of("Link", "X-Order-Step", "ETag", "Cache-Control", "Content-Type")) {
                assertThat(lines(replay, name)).as(name + " as first sent").isEqualTo(lines(fresh, name));
            }
            assertThat(lines(fresh, "Set-Cookie")).as("the first response passes them on").hasSize(2);
            assertThat(lines(replay, "Set-Cookie")).isEmpty();
            assertThat(lines(replay, "X-RateLimit-Remaining")).isEmpty();
            assertThat(lines(replay, "Retry-After")).isEmpty();
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void binaryBodyIsReplayedByteForByte() {
            byte[] bytes = new byte[4096];
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = (byte) (i * 31);
            }
            fixture.upstream().stubFor(post(urlPathMatching("/orders/binary")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/octet-stream").withBody(bytes)));
            String key = newKey();
            EntityExchangeResult<byte[]> first = send("/orders/binary", key);
            EntityExchangeResult<byte[]> replay = send("/orders/binary", key);
            assertThat(first.getResponseBody()).isEqualTo(bytes);
            assertThat(replay.getResponseBody()).isEqualTo(bytes);
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        }

        @Test
        void freshResponseNeverCarriesReplayedTrueEvenIfUpstreamSendsIt() {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/liar")).willReturn(aResponse().withStatus(201)
                .withHeader("Idempotent-Replayed", "true").withBody("{}")));
            fixture.upstream().stubFor(get(urlPathMatching("/orders/liar")).willReturn(aResponse().withStatus(200)
                .withHeader("Idempotent-Replayed", "true").withBody("{}")));
            EntityExchangeResult<byte[]> fresh = send("/orders/liar", newKey());
            assertThat(fresh.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            fixture.client().get().uri("/orders/liar").exchange().expectHeader().doesNotExist("Idempotent-Replayed");
        }

        @Test
        void quotedAndBareFormsAreTheSameKey() {
            String key = newKey();
            send("/orders", key);
            EntityExchangeResult<byte[]> replay = send("/orders", "\"" + key + "\"");
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(executions("/orders")).isEqualTo(1);
        }

        @Test
        void serverErrorsAreStoredAndReplayedLikeAnyFinalResponse() {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/broken")).willReturn(aResponse().withStatus(500).withBody("boom")));
            String key = newKey();
            assertThat(send("/orders/broken", key).getStatus().value()).isEqualTo(500);
            EntityExchangeResult<byte[]> replay = send("/orders/broken", key);
            assertThat(replay.getStatus().value()).isEqualTo(500);
            assertThat(body(replay)).isEqualTo("boom");
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void emptyResponseBodyIsReplayed() {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/empty")).willReturn(aResponse().withStatus(204)));
            String key = newKey();
            assertThat(send("/orders/empty", key).getStatus().value()).isEqualTo(204);
            EntityExchangeResult<byte[]> replay = send("/orders/empty", key);
            assertThat(replay.getStatus().value()).isEqualTo(204);
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }
    }

    @Nested
    class Methods {

        @Test
        void getPassesStraightThroughWithoutKey() {
            fixture.upstream().stubFor(get(urlPathMatching("/orders/7")).willReturn(aResponse().withStatus(200).withBody("{}")));
            fixture.client().get().uri("/orders/7").exchange().expectStatus().isOk();
            fixture.client().get().uri("/orders/7").exchange().expectStatus().isOk();
            assertThat(fixture.upstream().findAll(getRequestedFor(urlPathMatching("/orders/7")))).hasSize(2);
        }

        @Test
        void patchIsProtectedByDefault() {
            fixture.upstream().stubFor(com.github.tomakehurst.wiremock.client.WireMock.patch(urlPathMatching("/orders/9"))
                .willReturn(aResponse().withStatus(200).withBody("{\"patched\":true}")));
            String key = newKey();
            for (int i = 0; i < 2; i++) {
                fixture.client().patch().uri("/orders/9").header("Idempotency-Key", key).header("X-Client-Id", "c")
                    .contentType(MediaType.APPLICATION_JSON).bodyValue("{}").exchange().expectStatus().isOk();
            }
            assertThat(fixture.upstream().findAll(com.github.tomakehurst.wiremock.client.WireMock.patchRequestedFor(urlPathMatching("/orders/9")))
                .size()).isEqualTo(1);
            fixture.client().patch().uri("/orders/9").header("X-Client-Id", "c").bodyValue("{}").exchange()
                .expectStatus().isBadRequest();
        }

        @Test
        void configuredMethodsAreProtected() {
            fixture.upstream().stubFor(com.github.tomakehurst.wiremock.client.WireMock.delete(urlPathMatching("/any/1"))
                .willReturn(aResponse().withStatus(200).withBody("deleted")));
            String key = newKey();
            for (int i = 0; i < 2; i++) {
                fixture.client().method(HttpMethod.DELETE).uri("/any/1").header("Idempotency-Key", key).header("X-Client-Id", "c")
                    .exchange().expectStatus().isOk();
            }
            assertThat(fixture.upstream().findAll(com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor(urlPathMatching("/any/1")))
                .size()).isEqualTo(1);
        }
    }

    @Nested
    class KeyValidation {

        @Test
        void missingKeyOnRequiredRouteIs400AndNotForwarded() {
            assertProblem(send("/orders", null), 400, "idempotency-key-missing");
            assertThat(executions("/orders")).isZero();
        }

        @Test
        void missingKeyOnOptionalRouteIsForwardedUnprotected() {
            send("/optional", null);
            send("/optional", null);
            assertThat(executions("/optional")).isEqualTo(2);
        }

        @ParameterizedTest
        @ValueSource(strings = { "", "\"\"", "has space", "\"has space\"", "\"unterminated", "\"a\"b",
                "\"bad\\escape\"", "tab\tinside", "quote\"inside" })
        void malformedKeysAre400(String key) {
            assertProblem(send("/orders", key), 400, "idempotency-key-invalid");
            assertThat(executions("/orders")).isZero();
        }

        @Test
        void keyOfMaximumLengthIsAcceptedAndOneLongerIsNot() {
            String longest = "k".repeat(255);
            assertThat(send("/orders", longest).getStatus().value()).isEqualTo(201);
            assertProblem(send("/orders", "k".repeat(256)), 400, "idempotency-key-invalid");
            assertThat(executions("/orders")).isEqualTo(1);
        }

        @Test
        void nonAsciiKeyIs400() {
            EntityExchangeResult<byte[]> result = fixture.client().post().uri("/orders")
                .header("Idempotency-Key", new String("clé".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))
                .header("X-Client-Id", "c").bodyValue("{}").exchange().expectBody().returnResult();
            assertProblem(result, 400, "idempotency-key-invalid");
        }

        @Test
        void keySentTwiceIs400() {
            EntityExchangeResult<byte[]> twoLines = fixture.client().post().uri("/orders").header("Idempotency-Key", "a", "b")
                .header("X-Client-Id", "c").bodyValue("{}").exchange().expectBody().returnResult();
            assertProblem(twoLines, 400, "idempotency-key-invalid");
            assertProblem(send("/orders", "a, b"), 400, "idempotency-key-invalid");
            assertProblem(send("/orders", "\"a\", \"b\""), 400, "idempotency-key-invalid");
            assertThat(executions("/orders")).isZero();
        }

        @Test
        void missingClientIdentityIs400() {
            assertProblem(send("/orders", newKey(), null, "{}"), 400, "client-identity-missing");
            assertThat(executions("/orders")).isZero();
        }
    }

    @Nested
    class Scoping {

        @Test
        void twoClientsNeverShareAKey() {
            String key = newKey();
            send("/orders", key, "client-a", "{}");
            EntityExchangeResult<byte[]> other = send("/orders", key, "client-b", "{}");
            assertThat(other.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(executionsWithKey(key)).isEqualTo(2);
        }

        @Test
        void twoClientsSendingDifferentBodiesWithOneKeyBothExecute() {
            String key = newKey();
            send("/orders", key, "client-a", "{\"a\":1}");
            EntityExchangeResult<byte[]> other = send("/orders", key, "client-b", "{\"b\":2}");
            assertThat(other.getStatus().value()).isEqualTo(201);
            assertThat(executionsWithKey(key)).isEqualTo(2);
        }

        @Test
        void twoRoutesNeverShareAKey() {
            String key = newKey();
            send("/orders", key);
            EntityExchangeResult<byte[]> other = send("/other", key);
            assertThat(other.getStatus().value()).isEqualTo(201);
            assertThat(other.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(executionsWithKey(key)).isEqualTo(2);
        }
    }

    @Nested
    class FingerprintMismatch {

        @Test
        void sameKeyDifferentBodyIs422AndNotForwarded() {
            String key = newKey();
            send("/orders", key, "client-a", "{\"qty\":1}");
            assertProblem(send("/orders", key, "client-a", "{\"qty\":2}"), 422, "idempotency-key-reused");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void sameKeyDifferentPathQueryOrContentTypeIs422() {
            String key = newKey();
            send("/orders/1", key);
            assertProblem(send("/orders/2", key), 422, "idempotency-key-reused");
            assertProblem(send("/orders/1?x=1", key), 422, "idempotency-key-reused");
            EntityExchangeResult<byte[]> otherType = fixture.client().post().uri("/orders/1").header("Idempotency-Key", key)
                .header("X-Client-Id", "client-a").contentType(MediaType.TEXT_PLAIN).bodyValue("{\"item\":\"book\"}")
                .exchange().expectBody().returnResult();
            assertProblem(otherType, 422, "idempotency-key-reused");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }
    }

    @Nested
    class InFlight {

        @Test
        void duplicateWhileFirstRunsIs409WithRetryAfter() throws Exception {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/slowly")).willReturn(aResponse().withStatus(201)
                .withFixedDelay(1500).withBody("{\"slow\":true}")));
            String key = newKey();
            CompletableFuture<EntityExchangeResult<byte[]>> first = CompletableFuture.supplyAsync(() -> send("/orders/slowly", key));
            Thread.sleep(500);
            EntityExchangeResult<byte[]> duplicate = send("/orders/slowly", key);
            assertProblem(duplicate, 409, "request-in-progress");
            assertThat(duplicate.getResponseHeaders().getFirst("Retry-After")).isEqualTo("1");
            assertThat(first.get().getStatus().value()).isEqualTo(201);
            assertThat(send("/orders/slowly", key).getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void manyParallelRequestsWithOneKeyExecuteExactlyOnce() throws Exception {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/race")).willReturn(aResponse().withStatus(201)
                .withFixedDelay(300).withBody("{\"raced\":true}")));
            String key = newKey();
            int parallel = 24;
            ExecutorService pool = Executors.newFixedThreadPool(parallel);
            try {
                List<CompletableFuture<EntityExchangeResult<byte[]>>> results = new ArrayList<>();
                for (int i = 0; i < parallel; i++) {
                    results.add(CompletableFuture.supplyAsync(() -> send("/orders/race", key), pool));
                }
                int created = 0;
                for (CompletableFuture<EntityExchangeResult<byte[]>> result : results) {
                    EntityExchangeResult<byte[]> answer = result.get();
                    int status = answer.getStatus().value();
                    assertThat(status).as(body(answer)).isIn(201, 409);
                    if (status == 201) {
                        assertThat(body(answer)).isEqualTo("{\"raced\":true}");
                        created++;
                    }
                }
                assertThat(created).isGreaterThanOrEqualTo(1);
                assertThat(executionsWithKey(key)).isEqualTo(1);
            }
            finally {
                pool.shutdownNow();
            }
        }
    }

    @Nested
    class KeysInFlightPerClient {

        ExecutorService pool;

        @BeforeEach
        void stubSlowUpstream() {
            this.pool = Executors.newFixedThreadPool(8);
            fixture.upstream().stubFor(post(urlPathMatching("/capped/slow")).willReturn(aResponse().withStatus(201)
                .withFixedDelay(2000).withBody("{\"slow\":true}")));
            fixture.upstream().stubFor(post(urlPathMatching("/capped/busy")).willReturn(aResponse().withStatus(503)
                .withBody("busy")));
        }

        @AfterEach
        void stopPool() {
            this.pool.shutdownNow();
        }

        CompletableFuture<EntityExchangeResult<byte[]>> sendAsync(String path, String key, String clientId) {
            return CompletableFuture.supplyAsync(() -> send(path, key, clientId, "{\"item\":\"book\"}"), this.pool);
        }

        EntityExchangeResult<byte[]> sendAs(String path, String key, String clientId) {
            return send(path, key, clientId, "{\"item\":\"book\"}");
        }

        @Test
        void oneMoreThanTheLimitIs429WithNothingClaimedOrForwardedAndOtherClientsUnaffected() throws Exception {
            String client = "capped-" + UUID.randomUUID();
            String done = newKey();
            assertThat(sendAs("/capped/fast", done, client).getStatus().value()).isEqualTo(201);
            List<String> keys = List.of(newKey(), newKey(), newKey());
            List<CompletableFuture<EntityExchangeResult<byte[]>>> slow = new ArrayList<>();
            keys.forEach(key -> slow.add(sendAsync("/capped/slow", key, client)));
            // Longer than the 900ms lease: the places are held because they are renewed.
            Thread.sleep(1200);

            String refusedKey = newKey();
            EntityExchangeResult<byte[]> refused = sendAs("/capped/slow", refusedKey, client);
            assertProblem(refused, 429, "too-many-keys-in-flight");
            assertThat(refused.getResponseHeaders().getFirst("Retry-After")).isEqualTo("1");
            assertThat(body(refused)).contains("\"maxInFlight\":3");
            assertThat(executionsWithKey(refusedKey)).isZero();
            // Answers that claim nothing are not counted, and not refused.
            EntityExchangeResult<byte[]> replay = sendAs("/capped/fast", done, client);
            assertThat(replay.getStatus().value()).isEqualTo(201);
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertProblem(sendAs("/capped/slow", keys.get(0), client), 409, "request-in-progress");
            assertProblem(send("/capped/fast", done, client, "{\"item\":\"pen\"}"), 422, "idempotency-key-reused");
            // Another client, and the same client on another route, have room.
            CompletableFuture<EntityExchangeResult<byte[]>> otherClient = sendAsync("/capped/slow", newKey(), client + "-b");
            assertThat(sendAs("/orders/elsewhere", newKey(), client).getStatus().value()).isEqualTo(201);

            for (CompletableFuture<EntityExchangeResult<byte[]>> answer : slow) {
                assertThat(answer.get().getStatus().value()).isEqualTo(201);
            }
            assertThat(otherClient.get().getStatus().value()).isEqualTo(201);
            // The refused key was never claimed: it executes now, it is not a replay of anything.
            EntityExchangeResult<byte[]> retried = sendAs("/capped/fast", refusedKey, client);
            assertThat(retried.getStatus().value()).isEqualTo(201);
            assertThat(retried.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(executionsWithKey(refusedKey)).isEqualTo(1);
        }

        @Test
        void inObserveModeTheRequestOverTheLimitIsForwardedAndStored() throws Exception {
            fixture.upstream().stubFor(post(urlPathMatching("/capped-observed/slow")).willReturn(aResponse().withStatus(201)
                .withFixedDelay(1500).withBody("{\"slow\":true}")));
            String client = "capped-" + UUID.randomUUID();
            CompletableFuture<EntityExchangeResult<byte[]>> first = sendAsync("/capped-observed/slow", newKey(), client);
            Thread.sleep(500);
            String key = newKey();
            assertThat(sendAs("/capped-observed/slow", key, client).getStatus().value()).isEqualTo(201);
            assertThat(first.get().getStatus().value()).isEqualTo(201);
            assertThat(executionsWithKey(key)).isEqualTo(1);
            // Stored as in enforce mode (observe forwards retries too, so ask the store).
            IdempotencyStore.InspectedRecord stored = fixture.gateway().context().getBean(IdempotencyStore.class)
                .inspect(new ScopedKey("capped-observed", client, IdempotencyKey.of(key))).block();
            assertThat(stored).isNotNull();
            assertThat(stored.record().state()).isEqualTo(IdempotencyRecord.State.COMPLETED);
        }

        @Test
        void releasedKeysGiveTheirPlaceBack() throws Exception {
            String client = "capped-" + UUID.randomUUID();
            CompletableFuture<EntityExchangeResult<byte[]>> first = sendAsync("/capped/slow", newKey(), client);
            CompletableFuture<EntityExchangeResult<byte[]>> second = sendAsync("/capped/slow", newKey(), client);
            Thread.sleep(500);
            for (int i = 0; i < 4; i++) {
                assertThat(sendAs("/capped/busy", newKey(), client).getStatus().value()).isEqualTo(503);
            }
            assertThat(first.get().getStatus().value()).isEqualTo(201);
            assertThat(second.get().getStatus().value()).isEqualTo(201);
        }

        @Test
        void placesAGatewayThatDiedLeftFreeThemselvesWithTheirLease() {
            // A holder that never renews nor frees is what a dead replica leaves in the shared store.
            String client = "capped-" + UUID.randomUUID();
            InFlightKeys inFlightKeys = fixture.gateway().context()
                .getBean(InFlightKeys.class);
            ClientScope scope = new ClientScope("capped", client);
            for (long token = 1; token <= 3; token++) {
                assertThat(inFlightKeys.hold(scope, token, 3, Duration.ofMillis(1500)).block()).isTrue();
            }
            assertProblem(sendAs("/capped/fast", newKey(), client), 429, "too-many-keys-in-flight");
            String key = newKey();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(200))
                .until(() -> sendAs("/capped/fast", key, client).getStatus().value() == 201);
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }
    }

    @Nested
    class WaitingDuplicates {

        @Test
        void duplicateWaitsAndGetsTheFirstResultAsSoonAsItIsStored() throws Exception {
            fixture.upstream().stubFor(post(urlPathMatching("/wait/orders")).willReturn(aResponse().withStatus(201)
                .withFixedDelay(1000).withBody("{\"waited\":true}")));
            String key = newKey();
            CompletableFuture<EntityExchangeResult<byte[]>> first = CompletableFuture.supplyAsync(() -> send("/wait/orders", key));
            Thread.sleep(300);
            EntityExchangeResult<byte[]> duplicate = send("/wait/orders", key);
            assertThat(duplicate.getStatus().value()).isEqualTo(201);
            assertThat(duplicate.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(duplicate.getResponseBody()).isEqualTo(first.get().getResponseBody());
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void duplicateGets409WhenTheWaitBoundPasses() throws Exception {
            fixture.upstream().stubFor(post(urlPathMatching("/wait-short/orders")).willReturn(aResponse().withStatus(201)
                .withFixedDelay(1500).withBody("{}")));
            String key = newKey();
            CompletableFuture<EntityExchangeResult<byte[]>> first = CompletableFuture.supplyAsync(() -> send("/wait-short/orders", key));
            Thread.sleep(300);
            assertProblem(send("/wait-short/orders", key), 409, "request-in-progress");
            assertThat(first.get().getStatus().value()).isEqualTo(201);
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void duplicateExecutesItselfWhenTheFirstIsReleased() throws Exception {
            String path = "/wait/released";
            fixture.upstream().stubFor(post(urlPathMatching(path)).inScenario(path).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(503).withFixedDelay(800).withBody("busy"))
                .willSetStateTo("recovered"));
            fixture.upstream().stubFor(post(urlPathMatching(path)).inScenario(path).whenScenarioStateIs("recovered")
                .willReturn(aResponse().withStatus(201).withBody("{\"second\":true}")));
            String key = newKey();
            CompletableFuture<EntityExchangeResult<byte[]>> first = CompletableFuture.supplyAsync(() -> send(path, key));
            Thread.sleep(300);
            EntityExchangeResult<byte[]> duplicate = send(path, key);
            assertThat(first.get().getStatus().value()).isEqualTo(503);
            assertThat(duplicate.getStatus().value()).isEqualTo(201);
            assertThat(duplicate.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(executionsWithKey(key)).isEqualTo(2);
        }
    }

    @Nested
    class BackgroundCompletion {

        @Test
        void clientThatGivesUpStillGetsTheRealResultOnItsRetry() throws Exception {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/impatient")).willReturn(aResponse().withStatus(201)
                .withFixedDelay(1500).withBody("{\"orderId\":\"late\"}")));
            String key = newKey();
            RawHttpClient.sendAndHangUp(fixture.gateway().port(), RawHttpClient.request("POST", "/orders/impatient")
                .header("Idempotency-Key", key).header("X-Client-Id", "client-a")
                .header("Content-Type", "application/json").body("{\"item\":\"book\"}").build(), Duration.ofMillis(300));

            assertProblem(send("/orders/impatient", key), 409, "request-in-progress");
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> send("/orders/impatient", key).getStatus().value() == 201);
            EntityExchangeResult<byte[]> replay = send("/orders/impatient", key);
            assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(body(replay)).isEqualTo("{\"orderId\":\"late\"}");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }
    }

    @Nested
    class ReleasedOutcomes {

        @ParameterizedTest
        @ValueSource(ints = { 429, 503 })
        void notProcessedStatusesReleaseTheKey(int status) {
            String path = "/orders/retry-" + status;
            fixture.upstream().stubFor(post(urlPathMatching(path)).inScenario(path).whenScenarioStateIs(Scenario.STARTED)
                .willReturn(aResponse().withStatus(status).withHeader("Retry-After", "1").withBody("busy"))
                .willSetStateTo("recovered"));
            fixture.upstream().stubFor(post(urlPathMatching(path)).inScenario(path).whenScenarioStateIs("recovered")
                .willReturn(aResponse().withStatus(201).withBody("{\"ok\":true}")));
            String key = newKey();
            EntityExchangeResult<byte[]> first = send(path, key);
            assertThat(first.getStatus().value()).isEqualTo(status);
            assertThat(first.getResponseHeaders().getFirst("Retry-After")).isEqualTo("1");
            EntityExchangeResult<byte[]> retry = send(path, key);
            assertThat(retry.getStatus().value()).isEqualTo(201);
            assertThat(retry.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(send(path, key).getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(executionsWithKey(key)).isEqualTo(2);
        }

        @Test
        void unreachableUpstreamReleasesTheKeyWith502Problem() {
            String key = newKey();
            assertProblem(send("/dead", key), 502, "upstream-unavailable");
            assertProblem(send("/dead", key), 502, "upstream-unavailable");
        }

        @Test
        void timeoutStoresOutcomeUnknownSoTheRequestIsNeverRepeated() {
            fixture.upstream().stubFor(post(urlPathMatching("/slow")).willReturn(aResponse().withStatus(201).withFixedDelay(1500)));
            String key = newKey();
            double unknownBefore = settlements("slow", "outcome_unknown");
            EntityExchangeResult<byte[]> first = send("/slow", key);
            assertProblem(first, 504, "upstream-outcome-unknown");
            // The chart's IdempotencyOutcomeUnknownRate alert reads this count.
            await().atMost(Duration.ofSeconds(5)).until(() -> settlements("slow", "outcome_unknown") == unknownBefore + 1);
            EntityExchangeResult<byte[]> retry = send("/slow", key);
            assertProblem(retry, 504, "upstream-outcome-unknown");
            assertThat(retry.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(retry.getResponseBody()).isEqualTo(first.getResponseBody());
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void connectionResetAfterSendingStoresOutcomeUnknown() {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/reset")).willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
            String key = newKey();
            assertProblem(send("/orders/reset", key), 502, "upstream-outcome-unknown");
            EntityExchangeResult<byte[]> retry = send("/orders/reset", key);
            assertProblem(retry, 502, "upstream-outcome-unknown");
            assertThat(retry.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void connectionResetAfterSendingOnReleasingRouteIs502UnavailableAndTheRetryExecutes() {
            fixture.upstream().stubFor(post(urlPathMatching("/slow-release/reset"))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
            String key = newKey();
            assertProblem(send("/slow-release/reset", key), 502, "upstream-unavailable");
            EntityExchangeResult<byte[]> retry = send("/slow-release/reset", key);
            assertProblem(retry, 502, "upstream-unavailable");
            assertThat(retry.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(executionsWithKey(key)).isEqualTo(2);
        }

        @Test
        void timeoutOnReleasingRouteLetsTheRetryExecute() {
            fixture.upstream().stubFor(post(urlPathMatching("/slow-release")).willReturn(aResponse().withStatus(201).withFixedDelay(1500)));
            String key = newKey();
            assertProblem(send("/slow-release", key), 504, "upstream-timeout");
            assertProblem(send("/slow-release", key), 504, "upstream-timeout");
            assertThat(executionsWithKey(key)).isEqualTo(2);
        }
    }

    @Nested
    class Limits {

        @Test
        void requestBodyOverLimitIs413AndNotForwarded() {
            assertProblem(send("/small", newKey(), "c", "x".repeat(65)), 413, "request-body-too-large");
            assertThat(send("/small", newKey(), "c", "x".repeat(64)).getStatus().value()).isEqualTo(201);
            assertThat(executions("/small")).isEqualTo(1);
        }

        @Test
        void chunkedRequestBodyOverLimitIs413() {
            Flux<org.springframework.core.io.buffer.DataBuffer> chunks = Flux.range(0, 10)
                .map(i -> org.springframework.core.io.buffer.DefaultDataBufferFactory.sharedInstance
                    .wrap("0123456789".getBytes(StandardCharsets.US_ASCII)));
            EntityExchangeResult<byte[]> result = fixture.client().post().uri("/small").header("Idempotency-Key", newKey())
                .header("X-Client-Id", "c").body(chunks, org.springframework.core.io.buffer.DataBuffer.class)
                .exchange().expectBody().returnResult();
            assertProblem(result, 413, "request-body-too-large");
            assertThat(executions("/small")).isZero();
        }

        @Test
        void responseOverLimitIsDeliveredOnceAndNeverExecutedAgain() {
            String large = "y".repeat(5000);
            fixture.upstream().stubFor(post(urlPathMatching("/small/large")).willReturn(aResponse().withStatus(201).withBody(large)));
            String key = newKey();
            EntityExchangeResult<byte[]> first = send("/small/large", key, "c", "{}");
            assertThat(first.getStatus().value()).isEqualTo(201);
            assertThat(body(first)).isEqualTo(large);
            EntityExchangeResult<byte[]> retry = send("/small/large", key, "c", "{}");
            assertProblem(retry, 409, "response-not-replayable");
            assertThat(body(retry)).contains("\"originalStatus\":201");
            assertThat(retry.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void streamedResponseIsDeliveredAndNeverExecutedAgain() {
            fixture.upstream().stubFor(post(urlPathMatching("/orders/events")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "text/event-stream").withBody("data: one\n\ndata: two\n\n")));
            String key = newKey();
            EntityExchangeResult<byte[]> first = send("/orders/events", key);
            assertThat(body(first)).isEqualTo("data: one\n\ndata: two\n\n");
            assertProblem(send("/orders/events", key), 409, "response-not-replayable");
            assertThat(executionsWithKey(key)).isEqualTo(1);
        }

        @Test
        void resultExpiresAfterTtl() throws InterruptedException {
            String key = newKey();
            send("/short", key);
            assertThat(send("/short", key).getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
            Thread.sleep(1600);
            EntityExchangeResult<byte[]> afterTtl = send("/short", key);
            assertThat(afterTtl.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(executionsWithKey(key)).isEqualTo(2);
        }
    }

    @Nested
    class GatewayErrors {

        @Test
        void unknownPathIsProblemJson() {
            EntityExchangeResult<byte[]> result = fixture.client().get().uri("/no-such-route").exchange().expectBody().returnResult();
            assertThat(result.getStatus().value()).isEqualTo(404);
            assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        }
    }

    static Duration seconds(long seconds) {
        return Duration.ofSeconds(seconds);
    }
}
