package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/** Per-route options: where the key comes from, what the fingerprint covers, observe mode, events. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RouteOptionsTests {

    WireMockServer upstream;

    GatewayInstance gateway;

    WebTestClient client;

    RecordingListener listener;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        String uri = this.upstream.baseUrl();
        this.gateway = GatewayInstance.start(Routes.create()
            .route("query-key", uri).path("/q/**")
                .filter("Idempotency", Map.of("keySource", "query", "queryParameter", "request_id"))
            .route("exchange", uri).path("/exchange/**")
                .filter("Idempotency", Map.of("keySource", "json-body", "jsonPointer", "/order/client_order_id",
                        "bodyComparison", "canonical-json"))
            .route("canonical", uri).path("/canonical/**")
                .filter("Idempotency", Map.of("bodyComparison", "canonical-json"))
            .route("lenient", uri).path("/lenient/**")
                .filter("Idempotency", Map.of("fingerprintParts", "method,path", "fingerprintHeaders", "X-Account"))
            .route("observe", uri).path("/observe/**").filter("Idempotency", Map.of("mode", "observe"))
            .route("enforce", uri).path("/enforce/**").filter("Idempotency")
            .route("bounded", uri).path("/bounded/**").filter("Idempotency", Map.of("executionTimeout", "400ms"))
            .properties(), RecordingListener.Registration.class);
        this.client = this.gateway.client();
        this.listener = this.gateway.context().getBean(RecordingListener.class);
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
    }

    @BeforeEach
    void reset() {
        this.upstream.resetAll();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{\"orderId\":\"7\"}")));
        this.listener.clear();
    }

    EntityExchangeResult<byte[]> send(String uri, String key, String body, String... headers) {
        WebTestClient.RequestBodySpec request = this.client.post().uri(uri).contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", "client-a");
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.bodyValue(body).exchange().expectBody().returnResult();
    }

    int executions(String pathRegex) {
        return this.upstream.findAll(postRequestedFor(urlPathMatching(pathRegex))).size();
    }

    static boolean replayed(EntityExchangeResult<byte[]> result) {
        return "true".equals(result.getResponseHeaders().getFirst("Idempotent-Replayed"));
    }

    static String body(EntityExchangeResult<byte[]> result) {
        return new String(result.getResponseBody(), StandardCharsets.UTF_8);
    }

    @Nested
    class KeyFromQueryParameter {

        @Test
        void sameQueryKeyReplays() {
            String key = UUID.randomUUID().toString();
            assertThat(replayed(send("/q/orders?request_id=" + key, null, "{}"))).isFalse();
            assertThat(replayed(send("/q/orders?request_id=" + key, null, "{}"))).isTrue();
            assertThat(executions("/q/orders")).isEqualTo(1);
        }

        @Test
        void missingOrRepeatedQueryKeyIs400NamingTheParameter() {
            EntityExchangeResult<byte[]> missing = send("/q/orders", null, "{}");
            assertThat(missing.getStatus().value()).isEqualTo(400);
            assertThat(body(missing)).contains("request_id query parameter");
            assertThat(send("/q/orders?request_id=a&request_id=b", null, "{}").getStatus().value()).isEqualTo(400);
            assertThat(executions("/q/orders")).isZero();
        }
    }

    @Nested
    class KeyFromJsonBody {

        @Test
        void sameClientOrderIdReplaysEvenWithReorderedFields() {
            String id = UUID.randomUUID().toString();
            String first = "{\"order\":{\"client_order_id\":\"" + id + "\",\"qty\":1},\"side\":\"buy\"}";
            String reordered = "{ \"side\": \"buy\", \"order\": { \"qty\": 1, \"client_order_id\": \"" + id + "\" } }";
            assertThat(replayed(send("/exchange/orders", null, first))).isFalse();
            assertThat(replayed(send("/exchange/orders", null, reordered))).isTrue();
            assertThat(executions("/exchange/orders")).isEqualTo(1);
        }

        @Test
        void sameClientOrderIdWithOtherContentIs422() {
            String id = UUID.randomUUID().toString();
            send("/exchange/orders", null, "{\"order\":{\"client_order_id\":\"" + id + "\",\"qty\":1}}");
            EntityExchangeResult<byte[]> other = send("/exchange/orders", null,
                    "{\"order\":{\"client_order_id\":\"" + id + "\",\"qty\":2}}");
            assertThat(other.getStatus().value()).isEqualTo(422);
            assertThat(executions("/exchange/orders")).isEqualTo(1);
        }

        @Test
        void missingFieldOrNonJsonBodyIs400NamingThePointer() {
            EntityExchangeResult<byte[]> missing = send("/exchange/orders", null, "{\"order\":{}}");
            assertThat(missing.getStatus().value()).isEqualTo(400);
            assertThat(body(missing)).contains("JSON body field /order/client_order_id");
            assertThat(send("/exchange/orders", null, "not json").getStatus().value()).isEqualTo(400);
            assertThat(send("/exchange/orders", null, "{\"order\":{\"client_order_id\":{}}}").getStatus().value())
                .isEqualTo(400);
            assertThat(executions("/exchange/orders")).isZero();
        }
    }

    @Nested
    class CanonicalJson {

        @Test
        void keyOrderAndWhitespaceDoNotMatter() {
            String key = UUID.randomUUID().toString();
            send("/canonical/orders", key, "{\"a\":1,\"b\":2}");
            assertThat(replayed(send("/canonical/orders", key, "{ \"b\":2, \"a\":1 }"))).isTrue();
            assertThat(send("/canonical/orders", key, "{\"a\":1,\"b\":3}").getStatus().value()).isEqualTo(422);
            assertThat(executions("/canonical/orders")).isEqualTo(1);
        }

        @Test
        void bodiesThatDifferNeverShareACanonicalForm() {
            String duplicated = UUID.randomUUID().toString();
            send("/canonical/orders", duplicated, "{\"qty\":2}");
            assertThat(send("/canonical/orders", duplicated, "{\"qty\":1,\"qty\":2}").getStatus().value()).isEqualTo(422);
            String precise = UUID.randomUUID().toString();
            send("/canonical/orders", precise, "{\"amount\":0.1}");
            assertThat(send("/canonical/orders", precise, "{\"amount\":0.10000000000000000001}").getStatus().value())
                .isEqualTo(422);
        }

        @Test
        void byteComparisonIsTheDefault() {
            String key = UUID.randomUUID().toString();
            send("/enforce/orders", key, "{\"a\":1,\"b\":2}");
            assertThat(send("/enforce/orders", key, "{ \"b\":2, \"a\":1 }").getStatus().value()).isEqualTo(422);
        }
    }

    @Nested
    class FingerprintParts {

        @Test
        void onlyChosenPartsAndHeadersCount() {
            String key = UUID.randomUUID().toString();
            send("/lenient/orders", key, "{\"qty\":1}", "X-Account", "acc-1");
            assertThat(replayed(send("/lenient/orders", key, "{\"qty\":99}", "X-Account", "acc-1"))).isTrue();
            assertThat(send("/lenient/orders", key, "{\"qty\":1}", "X-Account", "acc-2").getStatus().value())
                .isEqualTo(422);
            assertThat(executions("/lenient/orders")).isEqualTo(1);
        }
    }

    @Nested
    class MethodCase {

        @Test
        void aLowerCaseSpellingOfAProtectedMethodIsProtectedToo() {
            String key = UUID.randomUUID().toString();
            for (int i = 0; i < 2; i++) {
                client.method(org.springframework.http.HttpMethod.valueOf("post")).uri("/enforce/orders")
                    .header("Idempotency-Key", key).header("X-Client-Id", "client-a")
                    .contentType(MediaType.APPLICATION_JSON).bodyValue("{}").exchange();
            }
            assertThat(upstream.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(urlPathMatching("/enforce/orders"))))
                .hasSize(1);
        }
    }

    @Nested
    class ObserveMode {

        @Test
        void forwardsEverythingAndRecordsWhatEnforcingWouldHaveDone() {
            String key = UUID.randomUUID().toString();
            EntityExchangeResult<byte[]> first = send("/observe/orders", key, "{\"qty\":1}");
            EntityExchangeResult<byte[]> retry = send("/observe/orders", key, "{\"qty\":1}");
            EntityExchangeResult<byte[]> reuse = send("/observe/orders", key, "{\"qty\":2}");
            EntityExchangeResult<byte[]> noKey = send("/observe/orders", null, "{}");

            for (EntityExchangeResult<byte[]> result : List.of(first, retry, reuse, noKey)) {
                assertThat(result.getStatus().value()).isEqualTo(201);
                assertThat(replayed(result)).isFalse();
            }
            assertThat(executions("/observe/orders")).isEqualTo(4);
            assertThat(listener.events()).containsExactly("observe:EXECUTED", "observe:settled:STORED",
                    "observe:observed:REPLAYED", "observe:observed:FINGERPRINT_MISMATCH", "observe:observed:KEY_MISSING");
        }
    }

    @Nested
    class Events {

        @Test
        void everyDecisionIsReportedOnce() {
            String key = UUID.randomUUID().toString();
            send("/enforce/orders", key, "{}");
            send("/enforce/orders", key, "{}");
            send("/enforce/orders", key, "{\"other\":true}");
            send("/enforce/orders", null, "{}");
            assertThat(listener.events()).containsExactly("enforce:EXECUTED", "enforce:settled:STORED",
                    "enforce:REPLAYED", "enforce:FINGERPRINT_MISMATCH", "enforce:KEY_MISSING");
        }
    }

    @Nested
    class ExecutionTimeout {

        @Test
        void anUpstreamSlowerThanExecutionTimeoutIsEndedAndItsUnknownOutcomeStored() {
            upstream.stubFor(post(urlPathMatching("/bounded/.*")).willReturn(aResponse().withStatus(201)
                .withFixedDelay(2000).withBody("{\"late\":true}")));
            String key = UUID.randomUUID().toString();
            long start = System.nanoTime();
            EntityExchangeResult<byte[]> ended = send("/bounded/orders", key, "{}");
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(ended.getStatus().value()).isEqualTo(504);
            assertThat(body(ended)).contains("upstream-outcome-unknown");
            assertThat(millis).as("answered at the route's executionTimeout, not the upstream's 2 s").isLessThan(1900);
            // The request went out and may have run: its retry gets the stored outcome, never a second execution.
            EntityExchangeResult<byte[]> retried = send("/bounded/orders", key, "{}");
            assertThat(retried.getStatus().value()).isEqualTo(504);
            assertThat(replayed(retried)).isTrue();
            assertThat(executions("/bounded/orders")).isEqualTo(1);
        }
    }
}
