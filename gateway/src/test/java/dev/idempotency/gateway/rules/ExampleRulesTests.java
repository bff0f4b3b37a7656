package dev.idempotency.gateway.rules;

import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole {@code config/} directory, loaded the way a deployment loads it
 * ({@code idempotency.rules.location=../config}), routes as its comments say. Upstream URIs come
 * from the files' {@code ${ORDERS_URI:...}} placeholders, pointed at WireMock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExampleRulesTests {

    WireMockServer upstream;

    GatewayInstance gateway;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        String uri = this.upstream.baseUrl();
        this.gateway = GatewayInstance.start(List.of("idempotency.rules.location=../config",
                "ORDERS_URI=" + uri, "PAYMENTS_URI=" + uri, "EXCHANGE_URI=" + uri, "ACCOUNTS_URI=" + uri));
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
    }

    @BeforeEach
    void reset() {
        this.upstream.resetAll();
        this.upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{\"id\":\"7\"}")));
    }

    EntityExchangeResult<byte[]> send(HttpMethod method, String uri, String key, String body, String... headers) {
        var request = this.gateway.client().method(method).uri(uri).contentType(MediaType.APPLICATION_JSON)
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
        return this.upstream.findAll(anyRequestedFor(urlPathMatching(pathRegex))).size();
    }

    static boolean replayed(EntityExchangeResult<byte[]> result) {
        return "true".equals(result.getResponseHeaders().getFirst("Idempotent-Replayed"));
    }

    static String key() {
        return UUID.randomUUID().toString();
    }

    @Test
    void everyFileOfTheDirectoryIsLoadedWithItsRouteIdsAndTheDefaultFilters() {
        List<String> ids = this.gateway.context().getBean(RouteLocator.class).getRoutes().map(Route::getId)
            .collectList().block();
        assertThat(ids).containsExactlyInAnyOrder("account-orders", "exchange-new-order", "exchange-cancel-order", "orders-create",
                "orders-update", "payments-charge", "payments-refunds", "payments-capture", "orders");
        // defaults.yml: a default filter on every route.
        assertThat(send(HttpMethod.GET, "/orders/7", null, "").getResponseHeaders().getFirst("X-Served-By"))
            .isEqualTo("idempotency-gateway");
    }

    @Nested
    class Orders {

        @Test
        void aPostNeedsAKeyAndARetryIsReplayed() {
            assertThat(send(HttpMethod.POST, "/orders", null, "{}").getStatus().value()).isEqualTo(400);
            String key = key();
            assertThat(replayed(send(HttpMethod.POST, "/orders", key, "{\"qty\":1}"))).isFalse();
            assertThat(replayed(send(HttpMethod.POST, "/orders", key, "{\"qty\":1}"))).isTrue();
            assertThat(executions("/orders")).isEqualTo(1);
        }

        @Test
        void aPatchWithoutAKeyIsForwardedAndWithAKeyIsReplayedWhateverItsQuery() {
            assertThat(send(HttpMethod.PATCH, "/orders/7", null, "{}").getStatus().value()).isEqualTo(201);
            String key = key();
            send(HttpMethod.PATCH, "/orders/7?source=app", key, "{\"qty\":2}");
            assertThat(replayed(send(HttpMethod.PATCH, "/orders/7?source=retry", key, "{\"qty\":2}"))).isTrue();
            assertThat(executions("/orders/7")).isEqualTo(2);
        }
    }

    @Nested
    class Payments {

        @Test
        void theSameKeyForAnotherAccountIsNotAReplay() {
            String key = key();
            send(HttpMethod.POST, "/payments", key, "{\"amount\":5}", "X-Account-Id", "acc-1");
            assertThat(replayed(send(HttpMethod.POST, "/payments", key, "{\"amount\":5}", "X-Account-Id", "acc-1")))
                .isTrue();
            assertThat(send(HttpMethod.POST, "/payments", key, "{\"amount\":5}", "X-Account-Id", "acc-2").getStatus()
                .value()).isEqualTo(422);
            assertThat(executions("/payments")).isEqualTo(1);
        }

        @Test
        void refundsAreObservedOnlyAndCaptureUsesTheOneLineForm() {
            String key = key();
            send(HttpMethod.POST, "/payments/p1/refunds", key, "{\"amount\":1}");
            assertThat(send(HttpMethod.POST, "/payments/p1/refunds", key, "{\"amount\":2}").getStatus().value())
                .isEqualTo(201);
            assertThat(send(HttpMethod.POST, "/payments/p1/refunds", null, "{}").getStatus().value()).isEqualTo(201);
            assertThat(executions("/payments/p1/refunds")).isEqualTo(3);

            assertThat(send(HttpMethod.POST, "/payments/p1/capture", null, "{}").getStatus().value()).isEqualTo(400);
        }
    }

    @Nested
    class Exchange {

        @Test
        void theClientOrderIdInTheBodyIsTheKeyAndJsonIsComparedCanonically() {
            String id = key();
            String order = "{\"client_order_id\":\"" + id + "\",\"symbol\":\"BTC-EUR\",\"qty\":1}";
            String reordered = "{ \"qty\": 1, \"symbol\": \"BTC-EUR\", \"client_order_id\": \"" + id + "\" }";
            String other = "{\"client_order_id\":\"" + id + "\",\"symbol\":\"BTC-EUR\",\"qty\":2}";
            assertThat(replayed(send(HttpMethod.POST, "/exchange/orders", null, order))).isFalse();
            assertThat(replayed(send(HttpMethod.POST, "/exchange/orders", null, reordered))).isTrue();
            assertThat(send(HttpMethod.POST, "/exchange/orders", null, other).getStatus().value()).isEqualTo(422);
            assertThat(send(HttpMethod.POST, "/exchange/orders", null, "{\"symbol\":\"BTC-EUR\"}").getStatus().value())
                .isEqualTo(400);
            assertThat(executions("/exchange/orders")).isEqualTo(1);
        }

        @Test
        void aCancelIsKeyedByTheClientOrderIdQueryParameter() {
            String id = key();
            send(HttpMethod.DELETE, "/exchange/orders?client_order_id=" + id, null, "");
            assertThat(replayed(send(HttpMethod.DELETE, "/exchange/orders?client_order_id=" + id, null, ""))).isTrue();
            assertThat(send(HttpMethod.DELETE, "/exchange/orders", null, "").getStatus().value()).isEqualTo(400);
            assertThat(upstream.findAll(anyRequestedFor(urlPathEqualTo("/exchange/orders")))).hasSize(1);
        }
    }

    @Nested
    class Accounts {

        @Test
        void theAccountAndTheClientOrderIdAreOneKeyAndARestampedResendIsReplayed() {
            String account = "/accounts/acc-" + key() + "/orders";
            String order = "{\"client_order_id\":\"c-42\",\"qty\":5,\"sent_at\":\"10:00:00\",\"trace_id\":\"t1\"}";
            String restamped = "{\"trace_id\":\"t2\",\"sent_at\":\"10:00:05\",\"qty\":5,\"client_order_id\":\"c-42\"}";
            String otherQty = "{\"client_order_id\":\"c-42\",\"qty\":6,\"sent_at\":\"10:00:09\"}";

            assertThat(replayed(send(HttpMethod.POST, account, null, order))).isFalse();
            assertThat(replayed(send(HttpMethod.POST, account, null, restamped))).isTrue();
            assertThat(send(HttpMethod.POST, account, null, otherQty).getStatus().value()).isEqualTo(422);
            assertThat(replayed(send(HttpMethod.POST, account.replace("/orders", "-2/orders"), null, order))).isFalse();
            assertThat(send(HttpMethod.POST, account, null, "{\"qty\":5}").getStatus().value()).isEqualTo(400);
            assertThat(executions(account)).isEqualTo(1);
        }

        @Test
        void aBadGatewayFreesTheKeyAndAClientErrorIsStored() {
            String account = "/accounts/acc-" + key() + "/orders";
            upstream.stubFor(any(urlPathEqualTo(account)).willReturn(aResponse().withStatus(503)));
            send(HttpMethod.POST, account, null, "{\"client_order_id\":\"c-1\"}");
            assertThat(send(HttpMethod.POST, account, null, "{\"client_order_id\":\"c-1\"}").getStatus().value())
                .isEqualTo(503);
            assertThat(executions(account)).isEqualTo(2);

            upstream.stubFor(any(urlPathEqualTo(account)).willReturn(aResponse().withStatus(500)));
            send(HttpMethod.POST, account, null, "{\"client_order_id\":\"c-2\"}");
            assertThat(replayed(send(HttpMethod.POST, account, null, "{\"client_order_id\":\"c-2\"}"))).isTrue();
            assertThat(executions(account)).isEqualTo(3);
        }
    }
}
