package dev.idempotency.gateway.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayWithUpstream;
import dev.idempotency.gateway.testsupport.Routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * docs/operations.md, "What a request costs, and what you can turn off": each of the four settings
 * that table names takes away what the table says and nothing else. Requests are still executed
 * once and replayed, and the gateway's own metrics and audit events stay. As shipped, the same
 * gateway has all of it.
 */
@ExtendWith(OutputCaptureExtension.class)
class PerRequestFeaturesTests {

    private static final String CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static final String CLIENT_TRACEPARENT = "00-" + CLIENT_TRACE_ID + "-00f067aa0ba902b7-01";

    private static List<String> gatewayProperties(String upstream, String... more) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream).path("/orders/**").filter("Idempotency")
            .route("plain", upstream).path("/plain/**")
            // only trafficThenScrape sends here, so that its counts are exact whatever ran before
            .route("counted", upstream).path("/counted/**").filter("Idempotency")
            .properties());
        properties.addAll(List.of(more));
        return properties;
    }

    private static void created(WireMockServer upstream) {
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"42\"}")));
    }

    private static EntityExchangeResult<String> send(GatewayWithUpstream fixture, String path, String key) {
        return fixture.client().post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", "c-1").header("Idempotency-Key", key).header("traceparent", CLIENT_TRACEPARENT)
            .bodyValue("{\"sku\":\"A-1\"}")
            .exchange().expectStatus().isCreated().expectBody(String.class).returnResult();
    }

    /** One keyed request sent twice (executed, then replayed) and one on the plain route; the scrape after them. */
    private static String trafficThenScrape(GatewayWithUpstream fixture) {
        String key = UUID.randomUUID().toString();
        assertThat(send(fixture, "/counted/orders", key).getResponseHeaders().containsHeader("Idempotent-Replayed"))
            .isFalse();
        EntityExchangeResult<String> replay = send(fixture, "/counted/orders", key);
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.getResponseBody()).isEqualTo("{\"orderId\":\"42\"}");
        assertThat(fixture.upstream().findAll(postRequestedFor(urlPathEqualTo("/counted/orders")))).hasSize(1);
        send(fixture, "/plain/orders", UUID.randomUUID().toString());
        return fixture.gateway().managementClient().get().uri("/actuator/prometheus").exchange()
            .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    private static String upstreamTraceparent(GatewayWithUpstream fixture, String path) {
        List<LoggedRequest> calls = fixture.upstream().findAll(postRequestedFor(urlPathEqualTo(path)));
        assertThat(calls).hasSize(1);
        return calls.get(0).getHeader("traceparent");
    }

    /**
     * The human-readable audit line of a request sent to /orders, written by the audit log's own
     * thread. Every request here carries the same traceparent, so a line a test before this one
     * logged late would read the same.
     */
    private static String auditLine(GatewayWithUpstream fixture, CapturedOutput output) {
        send(fixture, "/orders", UUID.randomUUID().toString());
        await().atMost(Duration.ofSeconds(10)).until(() -> !auditLines(output).isEmpty());
        return auditLines(output).get(0);
    }

    private static List<String> auditLines(CapturedOutput output) {
        return output.getOut().lines()
            .filter(line -> line.contains("idempotency.audit") && line.contains(": executed route=orders "))
            .toList();
    }

    private static void theGatewaysOwnMetricsCount(String scrape) {
        assertThat(Management.prometheusSample(scrape, "idempotency_requests_total{outcome=\"executed\",route=\"counted\"}"))
            .isEqualTo(1.0);
        assertThat(Management.prometheusSample(scrape, "idempotency_requests_total{outcome=\"replayed\",route=\"counted\"}"))
            .isEqualTo(1.0);
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class AsShipped {

        // The management port of its own is the chart's; the jar's default shares the traffic port.
        @RegisterExtension
        final GatewayWithUpstream fixture = new GatewayWithUpstream(
                upstream -> gatewayProperties(upstream, "management.server.port=0"), PerRequestFeaturesTests::created);

        @Test
        void theScrapeHasTheServerTimerTheGatewayTimerAndTheOverloadGauge() {
            String scrape = trafficThenScrape(this.fixture);

            assertThat(scrape).contains("\nhttp_server_requests_seconds_count{")
                .contains("\nspring_cloud_gateway_requests_seconds_count{")
                .contains("\nidempotency_overload_in_flight ");
            theGatewaysOwnMetricsCount(scrape);
        }

        @Test
        void theUpstreamsTraceparentHasTheGatewaysServerSpanAsItsParent() {
            send(this.fixture, "/plain/orders", UUID.randomUUID().toString());

            assertThat(upstreamTraceparent(this.fixture, "/plain/orders"))
                .startsWith("00-4bf92f3577b34da6a3ce929d0e0e4736-")
                .isNotEqualTo(CLIENT_TRACEPARENT);
        }

        @Test
        void theAuditLineNamesTheTrace(CapturedOutput output) {
            assertThat(auditLine(this.fixture, output)).contains(" trace_id=" + CLIENT_TRACE_ID);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class AllFourOff {

        @RegisterExtension
        final GatewayWithUpstream fixture = new GatewayWithUpstream(upstream -> gatewayProperties(upstream,
                "management.observations.enable.http.server.requests=false",
                "spring.cloud.gateway.server.webflux.metrics.enabled=false",
                "idempotency.overload.max-concurrent-requests=0",
                "management.server.port=0"), PerRequestFeaturesTests::created);

        @Test
        void theirMetersAreGoneAndTheGatewaysOwnStay() {
            String scrape = trafficThenScrape(this.fixture);

            assertThat(scrape).doesNotContain("http_server_requests_seconds")
                .doesNotContain("spring_cloud_gateway_requests_seconds")
                .doesNotContain("idempotency_overload_in_flight");
            theGatewaysOwnMetricsCount(scrape);
        }

        @Test
        void theUpstreamGetsTheClientsTraceparentAsSent() {
            send(this.fixture, "/plain/orders", UUID.randomUUID().toString());
            send(this.fixture, "/orders", UUID.randomUUID().toString());

            assertThat(upstreamTraceparent(this.fixture, "/plain/orders")).isEqualTo(CLIENT_TRACEPARENT);
            assertThat(upstreamTraceparent(this.fixture, "/orders")).isEqualTo(CLIENT_TRACEPARENT);
        }

        @Test
        void theAuditLineHasNoTraceButIsStillWritten(CapturedOutput output) {
            assertThat(auditLine(this.fixture, output)).contains("outcome=executed").doesNotContain("trace_id");
        }

        @Test
        void theActuatorIsNotOnTheTrafficPort() {
            this.fixture.client().get().uri("/actuator/health").exchange().expectStatus().isNotFound();
            this.fixture.gateway().managementClient().get().uri("/actuator/health").exchange().expectStatus().isOk();
        }
    }
}
