package dev.idempotency.gateway.ops;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;

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
 * What docs/operations.md promises of sampling, seen from the upstream's {@code traceparent} (its
 * flags say whether the gateway sampled the trace): as shipped, with no OTLP endpoint, the gateway
 * samples no trace of its own, yet still hands every request's trace context on and keeps a trace
 * the client sampled; with an endpoint, one request in ten is sampled.
 */
@ExtendWith(OutputCaptureExtension.class)
class TraceSamplingTests {

    // With one in ten sampled, 60 unsampled requests in a row happen once in ~550 runs; 300 never.
    private static final int FEW = 60;

    private static final int MANY = 300;

    private static List<String> gatewayProperties(String upstream, String... more) {
        List<String> properties = new ArrayList<>(Routes.create().route("plain", upstream).path("/plain/**")
            .route("audited", upstream).path("/audited/**").filter("Idempotency").properties());
        properties.add("logging.structured.format.console=ecs");
        properties.add(OperationsTests.SpanCollection.WITHOUT_SPAN_COLLECTION);
        properties.addAll(List.of(more));
        return properties;
    }

    private static void created(com.github.tomakehurst.wiremock.WireMockServer upstream) {
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{}")));
    }

    /** The trace flags of the upstream's traceparent for each of {@code count} requests without one. */
    private static List<String> upstreamTraceFlags(GatewayWithUpstream fixture, int count) {
        for (int i = 0; i < count; i++) {
            fixture.client().post().uri("/plain/orders").contentType(MediaType.APPLICATION_JSON).bodyValue("{}")
                .exchange().expectStatus().isCreated();
        }
        List<LoggedRequest> calls = fixture.upstream().findAll(postRequestedFor(urlPathEqualTo("/plain/orders")));
        assertThat(calls).hasSize(count);
        return calls.stream().map(call -> {
            String traceparent = call.getHeader("traceparent");
            assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
            return traceparent.substring(53);
        }).toList();
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithoutAnOtlpEndpoint {

        @RegisterExtension
        final GatewayWithUpstream fixture = new GatewayWithUpstream(upstream -> gatewayProperties(upstream),
                TraceSamplingTests::created);

        @Test
        void noRequestIsSampledAndEveryOneHandsItsTraceOn() {
            assertThat(this.fixture.gateway().context().getBeansOfType(SpanExporter.class)).isEmpty();
            assertThat(upstreamTraceFlags(this.fixture, FEW)).containsOnly("00");
        }

        @Test
        void aTraceTheClientSampledStaysSampled() {
            String traceId = UUID.randomUUID().toString().replace("-", "");
            this.fixture.client().post().uri("/plain/orders").contentType(MediaType.APPLICATION_JSON)
                .header("traceparent", "00-" + traceId + "-00f067aa0ba902b7-01").bodyValue("{}")
                .exchange().expectStatus().isCreated();

            assertThat(this.fixture.upstream().findAll(postRequestedFor(urlPathEqualTo("/plain/orders")))
                .get(0).getHeader("traceparent")).matches("00-" + traceId + "-[0-9a-f]{16}-01");
        }

        /** docs/operations.md: an audit line carries its request's trace, sampled or not. */
        @Test
        void anUnsampledRequestsAuditLineStillNamesItsTrace(CapturedOutput output) {
            String key = UUID.randomUUID().toString();
            this.fixture.client().post().uri("/audited/orders").contentType(MediaType.APPLICATION_JSON)
                .header("X-Client-Id", "c-1").header("Idempotency-Key", key).bodyValue("{}")
                .exchange().expectStatus().isCreated();
            String traceparent = this.fixture.upstream().findAll(postRequestedFor(urlPathEqualTo("/audited/orders")))
                .get(0).getHeader("traceparent");
            assertThat(traceparent).endsWith("-00");

            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(AuditLines.of(output.getOut(), "audited"))
                .filteredOn(line -> "executed".equals(line.path("audit_event").asString()))
                .extracting(line -> line.path("trace_id").asString(null))
                .contains(traceparent.substring(3, 35)));
        }

        @Test
        void theGatewaysSamplerReplacesSpringBoots() {
            assertThat(this.fixture.gateway().context().getBeansOfType(Sampler.class)).containsOnlyKeys("traceSampler");
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithAnOtlpEndpoint {

        @RegisterExtension
        final GatewayWithUpstream fixture = new GatewayWithUpstream(
                upstream -> gatewayProperties(upstream,
                        "management.opentelemetry.tracing.export.otlp.endpoint=http://127.0.0.1:" + closedPort() + "/v1/traces"),
                TraceSamplingTests::created);

        @Test
        void aboutOneRequestInTenIsSampled() {
            assertThat(this.fixture.gateway().context().getBeansOfType(SpanExporter.class)).isNotEmpty();
            List<String> flags = upstreamTraceFlags(this.fixture, MANY);
            assertThat(flags.stream().filter("01"::equals).count()).isBetween(5L, 75L);
        }
    }

    @Nested
    @TestInstance(TestInstance.Lifecycle.PER_CLASS)
    class WithAProbabilitySet {

        @RegisterExtension
        final GatewayWithUpstream fixture = new GatewayWithUpstream(
                upstream -> gatewayProperties(upstream, "management.tracing.sampling.probability=1.0"),
                TraceSamplingTests::created);

        @Test
        void itWinsEvenWithoutAnExporter() {
            assertThat(upstreamTraceFlags(this.fixture, FEW)).containsOnly("01");
        }
    }

    /** A local port nothing listens on: spans sent there are refused at once. */
    private static int closedPort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
