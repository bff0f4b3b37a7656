package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.node.ObjectNode;

import dev.idempotency.gateway.testsupport.GatewayWithUpstream;
import dev.idempotency.gateway.testsupport.Routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keys made of several parts, fingerprints of part of a body and status ranges, over real HTTP in
 * front of a WireMock upstream. Each store runs the same suite through a subclass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RouteRulesContract {

    static final String PROBLEM_BASE = "https://idempotency-gateway.dev/problems/";

    static final long SEED = 20261206L;

    @RegisterExtension
    final GatewayWithUpstream fixture = new GatewayWithUpstream(this::gatewayProperties, this::stubUpstream);

    /** Properties that select and reach the store under test. */
    abstract List<String> storeProperties();

    List<String> gatewayProperties(String uri) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("account-orders", uri).path("/accounts/{accountId}/orders")
                .filter("Idempotency", Map.of("keySource", "path:accountId,json-body:/client_order_id"))
            .route("required-parts", uri).path("/required/**")
                .filter("Idempotency", Map.of("keySource", "header:X-Account-Id,query:order"))
            .route("optional-parts", uri).path("/optional/**")
                .filter("Idempotency", Map.of("keySource", "header:X-Account-Id,query:order", "required", false))
            .route("ignoring", uri).path("/ignoring/**").filter("Idempotency", Map.of("bodyComparison", "canonical-json",
                    "fingerprintIgnoreJsonPointers", String.join(",", PartialFingerprintTests.IGNORED)))
            .route("selecting", uri).path("/selecting/**").filter("Idempotency", Map.of("bodyComparison",
                    "canonical-json", "fingerprintJsonPointers", String.join(",", PartialFingerprintTests.SELECTED)))
            .route("ranges", uri).path("/ranges/**").filter("Idempotency", Map.of("releaseStatuses", "408,5xx"))
            .properties());
        properties.addAll(storeProperties());
        return properties;
    }

    void stubUpstream(WireMockServer upstream) {
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"42\"}")));
    }

    EntityExchangeResult<byte[]> send(String uri, String body, String... headers) {
        WebTestClient.RequestBodySpec request = this.fixture.client().post().uri(uri).contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", "client-a");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.bodyValue(body).exchange().expectBody().returnResult();
    }

    int executions(String pathRegex) {
        return this.fixture.upstream().findAll(postRequestedFor(urlPathMatching(pathRegex))).size();
    }

    static boolean replayed(EntityExchangeResult<byte[]> result) {
        return "true".equals(result.getResponseHeaders().getFirst("Idempotent-Replayed"));
    }

    static String body(EntityExchangeResult<byte[]> result) {
        byte[] body = result.getResponseBody();
        return body == null ? "" : new String(body, StandardCharsets.UTF_8);
    }

    static void assertProblem(EntityExchangeResult<byte[]> result, int status, String type, String detail) {
        assertThat(result.getStatus().value()).as(body(result)).isEqualTo(status);
        assertThat(result.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(body(result)).contains("\"type\":\"" + PROBLEM_BASE + type + "\"").contains(detail);
    }

    static String unique() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    @Nested
    class KeysOfSeveralParts {

        @Test
        void theSameAccountAndOrderIdIsReplayedAndAnotherAccountIsANewRequest() {
            String account = "acc-" + unique();
            String order = "{\"client_order_id\":\"c-42\",\"qty\":1}";

            EntityExchangeResult<byte[]> first = send("/accounts/" + account + "/orders", order);
            EntityExchangeResult<byte[]> retry = send("/accounts/" + account + "/orders", order);
            EntityExchangeResult<byte[]> otherAccount = send("/accounts/" + account + "-2/orders", order);

            assertThat(first.getStatus().value()).isEqualTo(201);
            assertThat(replayed(first)).isFalse();
            assertThat(replayed(retry)).isTrue();
            assertThat(replayed(otherAccount)).isFalse();
            assertThat(executions("/accounts/" + account + "/orders")).isEqualTo(1);
            assertThat(executions("/accounts/" + account + "-2/orders")).isEqualTo(1);
        }

        @Test
        void aKeyWithAPartMissingIsRejectedNamingThePartAndNeverForwarded() {
            String account = "acc-" + unique();

            EntityExchangeResult<byte[]> result = send("/accounts/" + account + "/orders", "{\"qty\":1}");

            assertProblem(result, 400, "idempotency-key-invalid", "The request has no JSON body field /client_order_id, "
                    + "which is part of this route's key");
            assertThat(executions("/accounts/" + account + "/orders")).isZero();
        }

        @Test
        void aPartlySentKeyIsRejectedEvenWhereKeysAreOptionalAndNoKeyIsForwarded() {
            String account = "acc-" + unique();

            EntityExchangeResult<byte[]> noKey = send("/optional/orders", "{}");
            EntityExchangeResult<byte[]> headerOnly = send("/optional/orders", "{}", "X-Account-Id", account);
            EntityExchangeResult<byte[]> queryOnly = send("/optional/orders?order=o-" + account, "{}");

            assertThat(noKey.getStatus().value()).isEqualTo(201);
            assertProblem(headerOnly, 400, "idempotency-key-invalid", "The request has no order query parameter, "
                    + "which is part of this route's key");
            assertProblem(queryOnly, 400, "idempotency-key-invalid", "The request has no X-Account-Id header, "
                    + "which is part of this route's key");
            assertThat(executions("/optional/orders")).isEqualTo(1);
        }

        @Test
        void aKeyWithEveryPartMissingFollowsRequired() {
            assertProblem(send("/required/orders", "{}"), 400, "idempotency-key-missing",
                    "The request has no X-Account-Id header + order query parameter");
            assertThat(send("/optional/orders", "{}").getStatus().value()).isEqualTo(201);
            assertThat(executions("/required/orders")).isZero();
        }

        @Test
        void aHeaderPartMayBeQuotedAsAKeyHeaderMay() {
            String uri = "/required/orders?order=o-" + unique();

            send(uri, "{}", "X-Account-Id", "\"acc-q\"");

            assertThat(replayed(send(uri, "{}", "X-Account-Id", "acc-q"))).isTrue();
            assertThat(executions("/required/orders")).isEqualTo(1);
        }

        @Test
        void everyPartIsCheckedAsAKeyIs() {
            String uri = "/optional/orders?order=o-" + unique();

            assertProblem(send(uri, "{}", "X-Account-Id", "has space"), 400, "idempotency-key-invalid",
                    "The X-Account-Id header must be 1 to 255 visible ASCII characters");
            assertProblem(send(uri, "{}", "X-Account-Id", "k".repeat(256)), 400, "idempotency-key-invalid",
                    "The X-Account-Id header is longer than 255 characters");
            assertProblem(send(uri + "&order=again", "{}", "X-Account-Id", "acc"), 400, "idempotency-key-invalid",
                    "The order query parameter was sent more than once");
            assertThat(executions("/optional/orders")).isZero();
        }

        @Test
        void allPartsAtTheLongestMakeOneKeyThatReplays() {
            String account = "a".repeat(247) + unique();
            String uri = "/optional/orders?order=" + "o".repeat(255);

            send(uri, "{}", "X-Account-Id", account);
            EntityExchangeResult<byte[]> retry = send(uri, "{}", "X-Account-Id", account);

            assertThat(replayed(retry)).isTrue();
            assertThat(executions("/optional/orders")).isEqualTo(1);
        }
    }

    @Nested
    class PartialFingerprints {

        /**
         * Seeded: a resend that differs only in ignored parts (values changed, fields dropped or
         * added, properties reordered, whitespace) replays; a change anywhere else is a 422.
         */
        @Test
        void aResendDifferingOnlyInIgnoredPartsReplaysAndAnyOtherDifferenceIs422() {
            RandomJsonBodies bodies = new RandomJsonBodies(SEED);
            for (int run = 0; run < 15; run++) {
                String uri = "/ignoring/" + unique();
                ObjectNode order = bodies.order();
                ObjectNode changed = bodies.changedOutside(order, PartialFingerprintTests.IGNORED);
                String key = "key-" + unique();

                EntityExchangeResult<byte[]> first = send(uri, bodies.write(order), "Idempotency-Key", key);
                String resend = bodies.write(bodies.changedOnlyAt(order, PartialFingerprintTests.IGNORED));
                EntityExchangeResult<byte[]> same = send(uri, resend, "Idempotency-Key", key);
                EntityExchangeResult<byte[]> other = send(uri, bodies.write(changed), "Idempotency-Key", key);

                assertThat(first.getStatus().value()).isEqualTo(201);
                assertThat(replayed(same)).as("seed %d run %d: %s then %s", SEED, run, order, resend).isTrue();
                assertProblem(other, 422, "idempotency-key-reused", "differ");
                assertThat(executions(uri)).isEqualTo(1);
            }
        }

        @Test
        void onlySelectedPartsCount() {
            String uri = "/selecting/" + unique();
            String key = "key-" + unique();

            send(uri, "{\"amount\":10.50,\"currency\":\"EUR\",\"items\":[\"a\"],\"note\":\"first\"}", "Idempotency-Key", key);
            EntityExchangeResult<byte[]> same = send(uri, "{\"note\":\"again\",\"items\":[\"a\",\"b\"],\"currency\":\"EUR\","
                    + "\"amount\":10.50}", "Idempotency-Key", key);
            EntityExchangeResult<byte[]> otherAmount = send(uri, "{\"amount\":10.5,\"currency\":\"EUR\",\"items\":[\"a\"]}",
                    "Idempotency-Key", key);

            assertThat(replayed(same)).isTrue();
            assertProblem(otherAmount, 422, "idempotency-key-reused",
                    "(its method, path, query, content type, body fields /amount, /currency, /items/0 differ)");
            assertThat(executions(uri)).isEqualTo(1);
        }

        @Test
        void aBodyThatIsNotJsonIsComparedByItsBytes() {
            String uri = "/ignoring/" + unique();
            String key = "key-" + unique();

            send(uri, "amount=1&sent_at=1", "Idempotency-Key", key);

            assertThat(replayed(send(uri, "amount=1&sent_at=1", "Idempotency-Key", key))).isTrue();
            assertProblem(send(uri, "amount=1&sent_at=2", "Idempotency-Key", key), 422, "idempotency-key-reused", "differ");
        }
    }

    @Nested
    class StatusRanges {

        @Test
        void aStatusInAReleasedClassFreesTheKeySoARetryExecutesAgain() {
            fixture.upstream().stubFor(post(urlPathEqualTo("/ranges/flaky")).willReturn(aResponse().withStatus(502)));
            String key = "key-" + unique();

            assertThat(send("/ranges/flaky", "{}", "Idempotency-Key", key).getStatus().value()).isEqualTo(502);
            assertThat(send("/ranges/flaky", "{}", "Idempotency-Key", key).getStatus().value()).isEqualTo(502);

            assertThat(executions("/ranges/flaky")).isEqualTo(2);
        }

        @Test
        void aStatusOutsideTheListedRangesIsStoredAndReplayed() {
            fixture.upstream().stubFor(post(urlPathEqualTo("/ranges/rejected")).willReturn(aResponse().withStatus(429)));
            String key = "key-" + unique();

            send("/ranges/rejected", "{}", "Idempotency-Key", key);
            EntityExchangeResult<byte[]> retry = send("/ranges/rejected", "{}", "Idempotency-Key", key);

            assertThat(retry.getStatus().value()).isEqualTo(429);
            assertThat(replayed(retry)).isTrue();
            assertThat(executions("/ranges/rejected")).isEqualTo(1);
        }
    }
}
