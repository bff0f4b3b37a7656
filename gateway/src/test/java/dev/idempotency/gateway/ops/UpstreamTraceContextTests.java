package dev.idempotency.gateway.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.cloud.gateway.filter.headers.observation.ObservedRequestHttpHeadersFilter;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

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
 * What docs/operations.md promises of the trace context the upstream gets: a {@code traceparent}
 * that continues the client's trace, with the gateway's server span as its parent, on routes with
 * and without the Idempotency filter, sampled or not. As shipped, Spring Cloud Gateway's client
 * observation is off and the gateway's own filter writes it; with the observation turned back on,
 * the observation writes it instead, and only one of them does.
 */
class UpstreamTraceContextTests {

    private static final String CLIENT_SPAN_ID = "00f067aa0ba902b7";

    /** A trace of its own for each request, so that no test finds another's spans. */
    private static String newTraceId() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static List<String> gatewayProperties(String upstream, String... more) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream).path("/orders/**").filter("Idempotency")
            .route("plain", upstream).path("/plain/**")
            .properties());
        properties.add("management.tracing.sampling.probability=1.0");
        properties.addAll(List.of(more));
        return properties;
    }

    private static void created(com.github.tomakehurst.wiremock.WireMockServer upstream) {
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{}")));
    }

    private static void send(WebTestClient client, String path, String traceparent) {
        WebTestClient.RequestBodySpec request = client.post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", "c-1").header("Idempotency-Key", UUID.randomUUID().toString());
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        request.bodyValue("{}").exchange().expectStatus().isCreated();
    }

    /** The one upstream call to that path, and its only traceparent. */
    private static String upstreamTraceparent(GatewayWithUpstream fixture, String path) {
        List<LoggedRequest> calls = fixture.upstream().findAll(postRequestedFor(urlPathEqualTo(path)));
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).getHeaders().getHeader("traceparent").values()).hasSize(1);
        return calls.get(0).getHeader("traceparent");
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class AsShipped {

        @RegisterExtension
        final GatewayWithUpstream fixture = new GatewayWithUpstream(upstream -> gatewayProperties(upstream),
                UpstreamTraceContextTests::created, OperationsTests.SpanCollection.class);

        @ParameterizedTest
        @ValueSource(strings = { "/orders", "/plain/orders" })
        void theUpstreamContinuesTheClientsTraceAsAChildOfTheGatewaysServerSpan(String path) {
            String traceId = newTraceId();
            send(this.fixture.client(), path, "00-" + traceId + "-" + CLIENT_SPAN_ID + "-01");

            String[] traceparent = upstreamTraceparent(this.fixture, path).split("-");
            assertThat(traceparent[1]).isEqualTo(traceId);
            assertThat(traceparent[3]).isEqualTo("01");
            SpanData server = serverSpan(traceId);
            assertThat(server.getParentSpanId()).isEqualTo(CLIENT_SPAN_ID);
            assertThat(traceparent[2]).isEqualTo(server.getSpanId());
        }

        @Test
        void aTraceTheClientDidNotSampleStillReachesTheUpstreamUnsampled() {
            String traceId = newTraceId();
            send(this.fixture.client(), "/orders", "00-" + traceId + "-" + CLIENT_SPAN_ID + "-00");

            assertThat(upstreamTraceparent(this.fixture, "/orders"))
                .matches("00-" + traceId + "-[0-9a-f]{16}-00")
                .doesNotContain(CLIENT_SPAN_ID);
        }

        @Test
        void aRequestWithoutTraceContextStartsTheTraceTheUpstreamJoins() {
            send(this.fixture.client(), "/orders", null);

            String[] traceparent = upstreamTraceparent(this.fixture, "/orders").split("-");
            assertThat(traceparent[3]).isEqualTo("01");
            assertThat(serverSpan(traceparent[1]).getSpanId()).isEqualTo(traceparent[2]);
        }

        @Test
        void springCloudGatewaysClientObservationIsOff() {
            assertThat(this.fixture.gateway().context().getBeansOfType(ObservedRequestHttpHeadersFilter.class)).isEmpty();
            assertThat(this.fixture.gateway().context().containsBean("upstreamTraceContextFilter")).isTrue();
        }

        private SpanData serverSpan(String traceId) {
            InMemorySpanExporter spans = this.fixture.gateway().context().getBean(InMemorySpanExporter.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> findServerSpan(spans, traceId).isPresent());
            return findServerSpan(spans, traceId).orElseThrow();
        }

        private Optional<SpanData> findServerSpan(InMemorySpanExporter spans, String traceId) {
            return spans.getFinishedSpanItems().stream()
                .filter(span -> span.getKind() == SpanKind.SERVER && span.getTraceId().equals(traceId))
                .findFirst();
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithTheClientObservationBackOn {

        @RegisterExtension
        final GatewayWithUpstream fixture = new GatewayWithUpstream(
                upstream -> gatewayProperties(upstream, "spring.cloud.gateway.server.webflux.observability.enabled=true",
                        "management.server.port=0"),
                UpstreamTraceContextTests::created);

        @Test
        void theObservationWritesTheTraceparentAndTheGatewaysFilterIsGone() {
            String traceId = newTraceId();
            send(this.fixture.client(), "/orders", "00-" + traceId + "-" + CLIENT_SPAN_ID + "-01");

            assertThat(upstreamTraceparent(this.fixture, "/orders")).matches("00-" + traceId + "-[0-9a-f]{16}-01");
            assertThat(this.fixture.gateway().context().getBeansOfType(ObservedRequestHttpHeadersFilter.class)).hasSize(1);
            assertThat(this.fixture.gateway().context().containsBean("upstreamTraceContextFilter")).isFalse();
        }

        @Test
        void itsMetricsComeBackWithIt() {
            send(this.fixture.client(), "/orders", null);

            assertThat(this.fixture.gateway().managementClient().get().uri("/actuator/prometheus").exchange()
                .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody())
                .contains("\nhttp_client_requests_seconds_count{");
        }
    }
}
