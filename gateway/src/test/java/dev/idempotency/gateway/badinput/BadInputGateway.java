package dev.idempotency.gateway.badinput;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RawHttpClient;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One gateway (in-memory store: these tests are about parsing, not storage) in front of a WireMock
 * upstream, talked to over raw sockets. Every request carries a unique {@code X-Case-Id} first, so
 * the upstream's journal says exactly which cases were forwarded.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BadInputGateway {

    /** The {@code orders} route's {@code maxRequestBodySize}. */
    static final int BODY_LIMIT = 1024;

    private static final AtomicLong CASES = new AtomicLong();

    WireMockServer upstream;

    GatewayInstance gateway;

    @BeforeAll
    void startGateway() {
        this.upstream = Upstream.start();
        String uri = this.upstream.baseUrl();
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", uri).path("/orders/**")
                .filter("Idempotency", Map.of("maxRequestBodySize", BODY_LIMIT + "B"))
            .route("canonical", uri).path("/canonical/**").filter("Idempotency", Map.of("bodyComparison", "canonical-json"))
            .route("json-key", uri).path("/json-key/**")
                .filter("Idempotency", Map.of("keySource", "json-body", "jsonPointer", "/client_order_id"))
            .route("query-key", uri).path("/query-key/**").filter("Idempotency", Map.of("keySource", "query"))
            .properties());
        properties.add("idempotency.store=memory");
        this.gateway = GatewayInstance.start(properties);
        // Stubbed once, never reset: cases are told apart by X-Case-Id, and hundreds of resets cost more than the cases.
        this.upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"42\"}")));
    }

    @AfterAll
    void stopGateway() {
        if (this.gateway != null) {
            this.gateway.close();
        }
        if (this.upstream != null) {
            this.upstream.stop();
        }
    }

    static String newCaseId() {
        return "case-" + CASES.incrementAndGet() + "-" + System.nanoTime();
    }

    /** A keyed POST with the case id first; the caller adds the rest. */
    static RawHttpClient.RequestBuilder post(String target, String caseId) {
        return postAs("client-a", target, caseId);
    }

    /** The same, from another client: keys are scoped by client. */
    static RawHttpClient.RequestBuilder postAs(String client, String target, String caseId) {
        return RawHttpClient.request("POST", target).header("X-Case-Id", caseId).header("X-Client-Id", client)
            .header("Content-Type", "application/json");
    }

    RawHttpClient.Response send(byte[] request) {
        try {
            return RawHttpClient.exchange(this.gateway.port(), request, Duration.ofSeconds(10));
        }
        catch (IOException ex) {
            throw new AssertionError("No HTTP response at all: " + ex, ex);
        }
    }

    /** How many requests with this case id reached the upstream. */
    int forwarded(String caseId) {
        return this.upstream.findAll(anyRequestedFor(anyUrl()).withHeader("X-Case-Id", equalTo(caseId))).size();
    }

    /** Who answered a request, and how; what each case is checked against. */
    enum Verdict {

        /** The upstream's own response, forwarded and not a replay. */
        FORWARDED,
        /** A stored response replayed by the gateway. */
        REPLAYED,
        /** A 4xx {@code application/problem+json} from the gateway. */
        GATEWAY_PROBLEM,
        /** A 4xx without a problem body: Netty's HTTP decoder refused the request before the gateway saw it. */
        NETTY_REJECTED,
        /** Any 5xx: never acceptable for bad input. */
        SERVER_ERROR;

        static Verdict of(RawHttpClient.Response response) {
            int status = response.status();
            if (status >= 500) {
                return SERVER_ERROR;
            }
            if (status >= 400) {
                return response.isProblem() ? GATEWAY_PROBLEM : NETTY_REJECTED;
            }
            return response.replayed() ? REPLAYED : FORWARDED;
        }
    }

    /** A 4xx from the gateway, problem+json of the given type, and nothing forwarded for the case. */
    void assertRejected(RawHttpClient.Response response, String caseId, int status, String problemType) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.isProblem()).as(response.toString()).isTrue();
        assertThat(response.problemType()).as(response.toString()).isEqualTo(problemType);
        assertThat(response.text()).contains("\"title\":").contains("\"detail\":").contains("\"status\":" + status);
        assertThat(forwarded(caseId)).as("forwarded requests of " + caseId).isZero();
    }
}
