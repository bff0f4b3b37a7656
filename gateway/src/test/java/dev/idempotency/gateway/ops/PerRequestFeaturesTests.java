package dev.idempotency.gateway.ops;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
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
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * docs/operations.md, "What a request costs, and what you can turn off": each of the four settings
 * in that table, alone and all together, takes away what its row says and nothing else. One gateway
 * per case, as shipped but for the case's settings; what it serves is compared with what the
 * shipped gateway serves for the same requests: the metrics in its scrape, the upstream's
 * {@code traceparent}, the audit line's {@code trace_id}, where the actuator answers. Requests are
 * executed once and replayed throughout.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class PerRequestFeaturesTests {

    private static final String CLIENT_TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static final String CLIENT_TRACEPARENT = "00-" + CLIENT_TRACE_ID + "-00f067aa0ba902b7-01";

    private static final String SERVER_OBSERVATION_OFF = "management.observations.enable.http.server.requests=false";

    private static final String GATEWAY_TIMER_OFF = "spring.cloud.gateway.server.webflux.metrics.enabled=false";

    private static final String OVERLOAD_LIMIT_OFF = "idempotency.overload.max-concurrent-requests=0";

    private static final String ACTUATOR_OFF_THE_TRAFFIC_PORT = "management.server.port=0";

    /** One row of the table, or all of them: its settings and the metrics they take away. */
    record Case(String name, List<String> settings, Set<String> metricsLost) {

        boolean serverObservationOff() {
            return this.settings.contains(SERVER_OBSERVATION_OFF);
        }

        boolean actuatorOffTheTrafficPort() {
            return this.settings.contains(ACTUATOR_OFF_THE_TRAFFIC_PORT);
        }

        @Override
        public String toString() {
            return this.name;
        }
    }

    static Stream<Case> cases() {
        Set<String> serverMetrics = Set.of("http_server_requests_seconds", "http_server_requests_active_seconds");
        Set<String> gatewayTimer = Set.of("spring_cloud_gateway_requests_seconds", "spring_cloud_gateway_routes_count");
        Set<String> overloadGauge = Set.of("idempotency_overload_in_flight");
        Set<String> all = Stream.of(serverMetrics, gatewayTimer, overloadGauge).flatMap(Set::stream)
            .collect(Collectors.toSet());
        return Stream.of(
                new Case("server observation off", List.of(SERVER_OBSERVATION_OFF), serverMetrics),
                new Case("gateway request timer off", List.of(GATEWAY_TIMER_OFF), gatewayTimer),
                new Case("overload limit off", List.of(OVERLOAD_LIMIT_OFF), overloadGauge),
                new Case("actuator off the traffic port", List.of(ACTUATOR_OFF_THE_TRAFFIC_PORT), Set.of()),
                new Case("all four off",
                        List.of(SERVER_OBSERVATION_OFF, GATEWAY_TIMER_OFF, OVERLOAD_LIMIT_OFF, ACTUATOR_OFF_THE_TRAFFIC_PORT),
                        all));
    }

    WireMockServer upstream;

    /** The metric names the shipped gateway serves after {@link #traffic}. */
    Set<String> shippedMetrics;

    @BeforeAll
    void startUpstreamAndReadTheShippedGateway(CapturedOutput output) {
        this.upstream = Upstream.start();
        stubUpstream();
        try (GatewayInstance shipped = start(List.of(), "audited-shipped")) {
            traffic(shipped);
            this.shippedMetrics = metricNames(scrape(shipped.client()));
            assertThat(this.shippedMetrics).contains("http_server_requests_seconds", "http_server_requests_active_seconds",
                    "spring_cloud_gateway_requests_seconds", "idempotency_overload_in_flight", "idempotency_requests_total");
            theServerSpanIsThere(output, "audited-shipped");
            shipped.client().get().uri("/actuator/health").exchange().expectStatus().isOk();
        }
    }

    @AfterAll
    void stopUpstream() {
        this.upstream.stop();
    }

    @BeforeEach
    void resetUpstream() {
        this.upstream.resetAll();
        stubUpstream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void takesAwayWhatItsRowSaysAndNothingElse(Case turnedOff, CapturedOutput output) {
        String audited = "audited-" + turnedOff.name().replace(' ', '-');
        try (GatewayInstance gateway = start(turnedOff.settings(), audited)) {
            traffic(gateway);
            WebTestClient management = turnedOff.actuatorOffTheTrafficPort() ? gateway.managementClient() : gateway.client();
            Set<String> metrics = metricNames(scrape(management));

            Set<String> lost = new TreeSet<>(this.shippedMetrics);
            lost.removeAll(metrics);
            assertThat(lost).as("metrics the shipped gateway serves and this one does not")
                .isEqualTo(new TreeSet<>(turnedOff.metricsLost()));
            assertThat(metrics).as("metrics this gateway serves and the shipped one does not")
                .isSubsetOf(this.shippedMetrics);

            if (turnedOff.serverObservationOff()) {
                assertThat(upstreamTraceparent("/plain/with-trace")).isEqualTo(CLIENT_TRACEPARENT);
                assertThat(this.upstream.findAll(postRequestedFor(urlPathEqualTo("/plain/without-trace"))).get(0)
                    .containsHeader("traceparent")).isFalse();
                assertThat(auditLine(output, audited)).contains("outcome=executed").doesNotContain("trace_id");
            }
            else {
                theServerSpanIsThere(output, audited);
            }

            if (turnedOff.actuatorOffTheTrafficPort()) {
                gateway.client().get().uri("/actuator/health").exchange().expectStatus().isNotFound();
            }
            management.get().uri("/actuator/health").exchange().expectStatus().isOk();
        }
    }

    /**
     * What the server span gives, as shipped: the upstream's traceparent continues the client's trace
     * (or starts one) under the gateway's span, and the audit line names the trace.
     */
    private void theServerSpanIsThere(CapturedOutput output, String auditedRoute) {
        assertThat(upstreamTraceparent("/plain/with-trace")).startsWith("00-" + CLIENT_TRACE_ID + "-")
            .isNotEqualTo(CLIENT_TRACEPARENT);
        assertThat(upstreamTraceparent("/plain/without-trace")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
        assertThat(auditLine(output, auditedRoute)).contains(" trace_id=" + CLIENT_TRACE_ID);
    }

    /** A gateway as shipped but for {@code settings}; {@code auditedRoute}, a route id of its own, finds its audit line. */
    private GatewayInstance start(List<String> settings, String auditedRoute) {
        String uri = this.upstream.baseUrl();
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", uri).path("/orders/**").filter("Idempotency")
            .route(auditedRoute, uri).path("/audited/**").filter("Idempotency")
            .route("plain", uri).path("/plain/**")
            .properties());
        properties.addAll(settings);
        return GatewayInstance.start(properties);
    }

    private void stubUpstream() {
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"42\"}")));
    }

    /**
     * A keyed request sent twice (executed once, then replayed), one to the audited route, and two on
     * the plain route, with and without the client's trace context.
     */
    private void traffic(GatewayInstance gateway) {
        String key = UUID.randomUUID().toString();
        assertThat(send(gateway, "/orders", key, CLIENT_TRACEPARENT).getResponseHeaders()
            .containsHeader("Idempotent-Replayed")).isFalse();
        EntityExchangeResult<String> replay = send(gateway, "/orders", key, CLIENT_TRACEPARENT);
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(replay.getResponseBody()).isEqualTo("{\"orderId\":\"42\"}");
        assertThat(this.upstream.findAll(postRequestedFor(urlPathEqualTo("/orders")))).hasSize(1);
        send(gateway, "/audited", UUID.randomUUID().toString(), CLIENT_TRACEPARENT);
        send(gateway, "/plain/with-trace", UUID.randomUUID().toString(), CLIENT_TRACEPARENT);
        send(gateway, "/plain/without-trace", UUID.randomUUID().toString(), null);
    }

    private static EntityExchangeResult<String> send(GatewayInstance gateway, String path, String key, String traceparent) {
        WebTestClient.RequestBodySpec request = gateway.client().post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", "c-1").header("Idempotency-Key", key);
        if (traceparent != null) {
            request.header("traceparent", traceparent);
        }
        return request.bodyValue("{\"sku\":\"A-1\"}")
            .exchange().expectStatus().isCreated().expectBody(String.class).returnResult();
    }

    private static String scrape(WebTestClient management) {
        return management.get().uri("/actuator/prometheus").exchange()
            .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    /**
     * The metrics of a Prometheus scrape (its {@code # TYPE} lines, a timer's {@code _max} gauge
     * under the timer's name), but the JVM's: whether {@code jvm_gc_pause_seconds} is there yet
     * depends on whether a collection has run.
     */
    private static Set<String> metricNames(String scrape) {
        return scrape.lines()
            .filter(line -> line.startsWith("# TYPE "))
            .map(line -> line.split(" ")[2])
            .map(name -> name.endsWith("_max") ? name.substring(0, name.length() - "_max".length()) : name)
            .filter(name -> !name.startsWith("jvm_"))
            .collect(Collectors.toCollection(TreeSet::new));
    }

    /** The one traceparent of the one upstream call to {@code path}. */
    private String upstreamTraceparent(String path) {
        List<LoggedRequest> calls = this.upstream.findAll(postRequestedFor(urlPathEqualTo(path)));
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).getHeaders().getHeader("traceparent").values()).hasSize(1);
        return calls.get(0).getHeader("traceparent");
    }

    /**
     * The audit line, written by the audit log's own thread, of the one request sent to
     * {@code auditedRoute}. Human-readable or JSON: a test class before this one in the same JVM may
     * have left Spring Boot's structured-logging system property set. Either way the message is
     * the same text.
     */
    private static String auditLine(CapturedOutput output, String auditedRoute) {
        await().atMost(Duration.ofSeconds(10)).until(() -> auditLines(output, auditedRoute).size() == 1);
        return auditLines(output, auditedRoute).get(0);
    }

    private static List<String> auditLines(CapturedOutput output, String auditedRoute) {
        return output.getOut().lines()
            .filter(line -> line.contains("idempotency.audit") && line.contains("executed route=" + auditedRoute + " "))
            .toList();
    }
}
