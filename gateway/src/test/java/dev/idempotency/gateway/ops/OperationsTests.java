package dev.idempotency.gateway.ops;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.events.IdempotencyOutcome;
import dev.idempotency.gateway.ops.metrics.TagValues;
import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Metrics, traces, audit events, the admin API and the probes of one real gateway (memory store)
 * with a management port of its own, JSON console logs and spans collected in memory. Each nested
 * group uses routes of its own, so that its counts are exact whatever ran before.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class OperationsTests {

    static final String ADMIN_TOKEN = "test-admin-token-" + UUID.randomUUID();

    static final String HASH_SECRET = "test-hash-secret";

    static final String CLIENT = "shop-7";

    WireMockServer upstream;

    GatewayInstance gateway;

    WebTestClient client;

    WebTestClient management;

    MeterRegistry meters;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withBody("{\"orderId\":\"42\"}")));
        this.upstream.stubFor(post(urlPathMatching("/(metered|admin)/slow.*")).willReturn(aResponse().withStatus(201)
            .withFixedDelay(1500).withBody("{\"orderId\":\"43\"}")));
        this.upstream.stubFor(post(urlPathMatching("/traced-slow[^/]*/.*")).willReturn(aResponse().withStatus(201)
            .withFixedDelay(1000).withBody("{\"orderId\":\"44\"}")));
        String uri = this.upstream.baseUrl();
        Routes routes = Routes.create();
        routes.route("metered", uri).path("/metered/**").filter("Idempotency")
            .route("traced", uri).path("/traced/**").filter("Idempotency")
            // a lease renewed every 200 ms, by an upstream that answers after a second
            .route("traced-slow", uri).path("/traced-slow/**").filter("Idempotency", Map.of("lockTimeout", "600ms"))
            .route("traced-slow-unsampled", uri).path("/traced-slow-unsampled/**")
                .filter("Idempotency", Map.of("lockTimeout", "600ms"))
            .route("baggage", uri).path("/baggage/**")
            .route("audited", uri).path("/audited/**").filter("Idempotency")
            .route("audited-body-key", uri).path("/audited-body-key/**")
                .filter("Idempotency", Map.of("keySource", "json-body", "jsonPointer", "/order_id"))
            .route("admin", uri).path("/admin/**").filter("Idempotency")
            .route("untouched", uri).path("/untouched/**").filter("Idempotency")
            .route("observed", uri).path("/observed/**").filter("Idempotency", Map.of("mode", "observe"))
            .route("dashboard", uri).path("/dashboard/**").filter("Idempotency", Map.of("mode", "observe"))
            // The RateLimit filter is part of the gateway: a renamed factory fails the start, never skips a test.
            .route("limited", uri).path("/limited/**")
                .filter("RateLimit", Map.of("clientLimits[0].capacity", 1, "clientLimits[0].refillPeriod", "1h"))
                .filter("Idempotency")
            .route("limited-free", uri).path("/limited-free/**")
                .filter("RateLimit", Map.of("clientLimits[0].capacity", 1, "clientLimits[0].refillPeriod", "1h",
                        "replaysConsumeTokens", false))
                .filter("Idempotency");
        List<String> properties = new ArrayList<>(routes.properties());
        properties.addAll(List.of("management.server.port=0", "idempotency.admin.token=" + ADMIN_TOKEN,
                "idempotency.audit.hash-secret=" + HASH_SECRET, "logging.structured.format.console=ecs",
                "logging.level.idempotency.audit=INFO", "logging.level.dev.idempotency=DEBUG",
                "management.opentelemetry.tracing.export.schedule-delay=50ms",
                "management.tracing.sampling.probability=1.0",
                "management.endpoint.health.group.readiness.show-components=always"));
        this.gateway = GatewayInstance.start(properties, SpanCollection.class);
        this.client = this.gateway.client();
        this.management = this.gateway.managementClient();
        this.meters = this.gateway.context().getBean(MeterRegistry.class);
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
        // Spring Boot hands logging.structured.* to Logback as a system property and never clears it:
        // without this, every later gateway in this JVM would log JSON.
        System.clearProperty("CONSOLE_LOG_STRUCTURED_FORMAT");
    }

    EntityExchangeResult<byte[]> send(String path, String key, String body) {
        WebTestClient.RequestBodySpec request = this.client.post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", CLIENT);
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return request.bodyValue(body).exchange().expectBody().returnResult();
    }

    static String newKey() {
        return "key-" + UUID.randomUUID();
    }

    double requests(String route, String outcome) {
        Counter counter = this.meters.find("idempotency.requests").tags("route", route, "outcome", outcome).counter();
        return counter == null ? 0 : counter.count();
    }

    long storeOperations(String operation, String outcome) {
        Timer timer = this.meters.find("idempotency.store").tags("operation", operation, "outcome", outcome).timer();
        return timer == null ? 0 : timer.count();
    }

    String scrape() {
        return this.management.get().uri("/actuator/prometheus").exchange()
            .expectStatus().isOk().expectBody(String.class).returnResult().getResponseBody();
    }

    @Nested
    class Metrics {

        @Test
        void countEveryDecisionOnceByRouteAndOutcome() {
            long claimed = storeOperations("begin", "claimed");
            long foundCompleted = storeOperations("begin", "found_completed");
            long foundInFlight = storeOperations("begin", "found_in_flight");
            long stored = storeOperations("complete", "stored");

            String key = newKey();
            assertThat(send("/metered/orders", key, "{\"n\":1}").getStatus().value()).isEqualTo(201);
            assertThat(send("/metered/orders", key, "{\"n\":1}").getResponseHeaders().getFirst("Idempotent-Replayed"))
                .isEqualTo("true");
            assertThat(send("/metered/orders", key, "{\"n\":2}").getStatus().value()).isEqualTo(422);
            String slowKey = newKey();
            CompletableFuture<EntityExchangeResult<byte[]>> first = CompletableFuture
                .supplyAsync(() -> send("/metered/slow", slowKey, "{}"));
            awaitInFlight("metered", slowKey);
            assertThat(send("/metered/slow", slowKey, "{}").getStatus().value()).isEqualTo(409);
            assertThat(first.join().getStatus().value()).isEqualTo(201);
            assertThat(send("/metered/orders", null, "{}").getStatus().value()).isEqualTo(400);

            assertThat(requests("metered", "executed")).isEqualTo(2);
            assertThat(requests("metered", "replayed")).isEqualTo(1);
            assertThat(requests("metered", "fingerprint_mismatch")).isEqualTo(1);
            assertThat(requests("metered", "in_flight_conflict")).isEqualTo(1);
            assertThat(requests("metered", "key_missing")).isEqualTo(1);
            assertThat(requests("metered", "store_unavailable")).isZero();
            assertThat(OperationsTests.this.meters.find("idempotency.settlements")
                .tags("route", "metered", "settlement", "stored", "upstream_status", "2xx").counter().count()).isEqualTo(2);
            DistributionSummary sizes = OperationsTests.this.meters.find("idempotency.stored.response.size").tag("route", "metered")
                .summary();
            assertThat(sizes.count()).isEqualTo(2);
            assertThat(sizes.totalAmount()).isEqualTo(2 * "{\"orderId\":\"42\"}".length());

            // The store's view: one begin per keyed request that reached it (the 400 did not).
            assertThat(storeOperations("begin", "claimed") - claimed).isEqualTo(2);
            assertThat(storeOperations("begin", "found_completed") - foundCompleted).isEqualTo(2);
            assertThat(storeOperations("begin", "found_in_flight") - foundInFlight).isEqualTo(1);
            assertThat(storeOperations("complete", "stored") - stored).isEqualTo(2);

            String scrape = scrape();
            assertThat(Management.prometheusSample(scrape,
                    "idempotency_requests_total{outcome=\"replayed\",route=\"metered\"}")).isEqualTo(1.0);
            assertThat(Management.prometheusSample(scrape,
                    "idempotency_requests_total{outcome=\"in_flight_conflict\",route=\"metered\"}")).isEqualTo(1.0);
            assertThat(scrape).contains("idempotency_store_seconds_bucket{error=\"none\",operation=\"begin\",outcome=\"claimed\",le=\"0.001\"}")
                .contains("idempotency_stored_response_size_bytes_bucket{")
                .doesNotContain(CLIENT).doesNotContain(key).doesNotContain(slowKey);
        }

        /** docs/operations.md: every outcome of every route with the filter starts at 0. */
        @Test
        void routesWithTheFilterAreCountedFromZeroBeforeTheirFirstRequest() {
            String scrape = scrape();
            for (IdempotencyOutcome outcome : IdempotencyOutcome.values()) {
                assertThat(Management.prometheusSample(scrape, "idempotency_requests_total{outcome=\"" + TagValues.of(outcome)
                        + "\",route=\"untouched\"}")).as(outcome.toString()).isEqualTo(0.0);
            }
        }

        /** docs/operations.md: the gauges an operator watches are in the scrape from the start. */
        @Test
        void theGaugesAreScraped() {
            String scrape = scrape();
            assertThat(Management.prometheusSample(scrape, "idempotency_pending_stores")).isEqualTo(0.0);
            assertThat(Management.prometheusSample(scrape, "idempotency_overload_in_flight")).isNotNull();
        }

        @Test
        void observeModeCountsWhatEnforcingWouldHaveDone(CapturedOutput output) {
            String key = newKey();
            assertThat(send("/observed/orders", key, "{}").getStatus().value()).isEqualTo(201);
            assertThat(send("/observed/orders", key, "{}").getResponseHeaders().containsHeader("Idempotent-Replayed"))
                .isFalse();

            assertThat(requests("observed", "executed")).isEqualTo(1);
            assertThat(requests("observed", "observed_only")).isEqualTo(1);
            assertThat(requests("observed", "replayed")).isZero();
            assertThat(OperationsTests.this.meters.find("idempotency.observed")
                .tags("route", "observed", "would_be", "replayed").counter().count()).isEqualTo(1);
            // docs/operations.md: the audit log says what enforcing would have answered.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(AuditLines.of(output.getOut(), "observed"))
                .filteredOn(line -> hmac(key).equals(line.path("key_hash").asString()))
                .extracting(line -> line.path("audit_event").asString(), line -> line.path("outcome").asString(null),
                        line -> line.path("would_be").asString(null))
                .contains(tuple("executed", "executed", null), tuple("observed", "observed_only", "replayed")));
        }

        @Test
        void upstreamCallsAreTimedByRouteWithoutSpringCloudGatewaysClientObservation() {
            send("/traced/orders", newKey(), "{}");

            String scrape = scrape();
            assertThat(scrape.lines()).anyMatch(sample -> sample.startsWith("spring_cloud_gateway_requests_seconds_count{")
                    && sample.contains("routeId=\"traced\""));
            assertThat(scrape).doesNotContain("http_client_requests");
        }

        @Test
        void auditEventsDroppedByAFullAuditQueueAreCounted() {
            // Counted since the JVM started (AsyncAuditAppenderTests may have dropped one in this JVM).
            assertThat(Management.prometheusSample(scrape(), "idempotency_audit_dropped_total")).isNotNull();
        }

        @Test
        void theDashboardQueriesOnlyMetricsTheGatewayExposes() throws IOException {
            observeModeTrafficExists();
            String dashboard = Files.readString(Path.of("../ops/grafana/idempotency-gateway.json"));
            Set<String> queried = new TreeSet<>();
            Matcher names = Pattern
                .compile("\\b((?:idempotency|gateway_ratelimit)_[a-z_]+)\\b").matcher(dashboard);
            while (names.find()) {
                queried.add(names.group(1));
            }
            String scrape = scrape();
            assertThat(queried).isNotEmpty().allSatisfy(
                    name -> assertThat(scrape).as("metric %s in /actuator/prometheus", name).contains("\n" + name));
        }

        private void observeModeTrafficExists() {
            String key = newKey();
            send("/dashboard/orders", key, "{}");
            send("/dashboard/orders", key, "{}");
        }

        @Test
        void rateLimitedRequestsAreCountedByTheLimiterAndNeverReachTheStore() {
            assertThat(send("/limited/orders", newKey(), "{}").getStatus().value()).isEqualTo(201);
            assertThat(send("/limited/orders", newKey(), "{}").getStatus().value()).isEqualTo(429);

            assertThat(rateLimit("limited", "allowed")).isEqualTo(1);
            assertThat(rateLimit("limited", "limited")).isEqualTo(1);
            assertThat(requests("limited", "executed")).isEqualTo(1);
            assertThat(OperationsTests.this.meters.find("idempotency.requests").tag("route", "limited").counters())
                .allSatisfy(counter -> assertThat(counter.count())
                    .isEqualTo("executed".equals(counter.getId().getTag("outcome")) ? 1.0 : 0.0));
        }

        @Test
        void onAFreeReplayRouteTheLimitersRefusalIsAnOutcomeToo() {
            String key = newKey();
            assertThat(send("/limited-free/orders", key, "{}").getStatus().value()).isEqualTo(201);
            assertThat(send("/limited-free/orders", key, "{}").getStatus().value()).isEqualTo(201);
            assertThat(send("/limited-free/orders", newKey(), "{}").getStatus().value()).isEqualTo(429);

            assertThat(requests("limited-free", "executed")).isEqualTo(1);
            assertThat(requests("limited-free", "replayed")).isEqualTo(1);
            assertThat(requests("limited-free", "admission_refused")).isEqualTo(1);
            assertThat(rateLimit("limited-free", "limited")).isEqualTo(1);
        }

        private double rateLimit(String route, String outcome) {
            Counter counter = OperationsTests.this.meters.find("gateway.ratelimit.requests")
                .tags("route", route, "outcome", outcome).counter();
            return counter == null ? 0 : counter.count();
        }

        private void awaitInFlight(String route, String key) {
            IdempotencyStore store = OperationsTests.this.gateway.context().getBean(IdempotencyStore.class);
            ScopedKey scoped = new ScopedKey(route, CLIENT, IdempotencyKey.of(key));
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
                IdempotencyStore.InspectedRecord inspected = store.inspect(scoped).block();
                return inspected != null && inspected.record().state() == IdempotencyRecord.State.IN_FLIGHT;
            });
        }
    }

    @Nested
    class Traces {

        @Test
        void eachStoreOperationIsASpanInTheRequestsTraceWhichReachesTheUpstream() {
            InMemorySpanExporter spans = OperationsTests.this.gateway.context().getBean(InMemorySpanExporter.class);
            String key = newKey();
            assertThat(send("/traced/orders", key, "{}").getStatus().value()).isEqualTo(201);
            assertThat(send("/traced/orders", key, "{}").getStatus().value()).isEqualTo(201);

            await().atMost(Duration.ofSeconds(10)).until(() -> storeSpans(spans).size() == 3);
            List<SpanData> store = storeSpans(spans);
            assertThat(store).extracting(SpanData::getName, span -> attribute(span, "outcome"))
                .containsExactlyInAnyOrder(
                        tuple("idempotency.store begin", "claimed"),
                        tuple("idempotency.store complete", "stored"),
                        tuple("idempotency.store begin", "found_completed"));
            assertThat(store).allSatisfy(span -> assertThat(attribute(span, "operation")).isIn("begin", "complete"));

            List<LoggedRequest> upstreamCalls = OperationsTests.this.upstream
                .findAll(postRequestedFor(urlPathEqualTo("/traced/orders")));
            assertThat(upstreamCalls).hasSize(1);
            String traceparent = upstreamCalls.get(0).getHeader("traceparent");
            assertThat(traceparent).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
            String traceId = traceparent.split("-")[1];
            SpanData claim = store.stream().filter(span -> "claimed".equals(attribute(span, "outcome"))).findFirst()
                .orElseThrow();
            assertThat(claim.getTraceId()).isEqualTo(traceId);
            assertThat(claim.getParentSpanId()).isNotEqualTo("0000000000000000");
        }

        /** Renewals run on the lease's clock, not in the request's subscription, and are still in its trace. */
        @Test
        void theLeasesRenewalsAreSpansInTheRequestsTrace() {
            InMemorySpanExporter spans = OperationsTests.this.gateway.context().getBean(InMemorySpanExporter.class);
            assertThat(send("/traced-slow/orders", newKey(), "{}").getStatus().value()).isEqualTo(201);

            await().atMost(Duration.ofSeconds(10)).until(() -> storeSpans(spans, "traced-slow").stream()
                .anyMatch(span -> span.getName().equals("idempotency.store complete")));
            List<SpanData> renewals = storeSpans(spans, "traced-slow").stream()
                .filter(span -> span.getName().equals("idempotency.store renew"))
                .toList();
            assertThat(renewals).isNotEmpty()
                .allSatisfy(renewal -> assertThat(attribute(renewal, "outcome")).isEqualTo("renewed"));
            String traceId = OperationsTests.this.upstream.findAll(postRequestedFor(urlPathEqualTo("/traced-slow/orders")))
                .get(0).getHeader("traceparent").split("-")[1];
            assertThat(renewals).extracting(SpanData::getTraceId).containsOnly(traceId);
        }

        /**
         * ... and in a trace the client did not sample they start no trace of their own, as each did
         * when renewals ran without the request's context (a root span, sampled here at 1.0).
         */
        @Test
        void theLeasesRenewalsInAnUnsampledTraceStartNoTracesOfTheirOwn() {
            InMemorySpanExporter spans = OperationsTests.this.gateway.context().getBean(InMemorySpanExporter.class);
            Timer renewed = OperationsTests.this.meters.timer("idempotency.store", "error", "none", "operation", "renew",
                    "outcome", "renewed");
            long renewedBefore = renewed.count();

            OperationsTests.this.client.post().uri("/traced-slow-unsampled/orders").contentType(MediaType.APPLICATION_JSON)
                .header("X-Client-Id", CLIENT).header("Idempotency-Key", newKey())
                .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
                .bodyValue("{}").exchange().expectStatus().isCreated();

            assertThat(renewed.count()).isGreaterThan(renewedBefore);
            // Spans are exported every 50 ms here: wait for a few exports before looking.
            await().pollDelay(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(() -> true);
            assertThat(storeSpans(spans, "traced-slow-unsampled")).isEmpty();
        }

        @Test
        void baggageIsNotParsedButAClientsBaggageHeaderReachesTheUpstreamUnchanged() {
            List<TextMapPropagator> propagators = OperationsTests.this.gateway.context()
                .getBeanProvider(TextMapPropagator.class).orderedStream().toList();
            assertThat(propagators).isNotEmpty()
                .allSatisfy(propagator -> assertThat(propagator.fields()).doesNotContain("baggage"))
                .anySatisfy(propagator -> assertThat(propagator.fields()).contains("traceparent"));

            OperationsTests.this.client.post().uri("/baggage/orders").contentType(MediaType.APPLICATION_JSON)
                .header("X-Client-Id", CLIENT).header("Idempotency-Key", newKey()).header("baggage", "tenant=acme,region=eu")
                .bodyValue("{}").exchange().expectStatus().isCreated();

            List<LoggedRequest> upstreamCalls = OperationsTests.this.upstream
                .findAll(postRequestedFor(urlPathEqualTo("/baggage/orders")).withHeader("baggage", equalTo("tenant=acme,region=eu")));
            assertThat(upstreamCalls).hasSize(1);
            assertThat(upstreamCalls.get(0).getHeader("traceparent")).matches("00-[0-9a-f]{32}-[0-9a-f]{16}-01");
        }

        private List<SpanData> storeSpans(InMemorySpanExporter spans) {
            return storeSpans(spans, "traced");
        }

        private List<SpanData> storeSpans(InMemorySpanExporter spans, String route) {
            return spans.getFinishedSpanItems().stream()
                .filter(span -> span.getName().startsWith("idempotency.store "))
                .filter(span -> route.equals(attribute(span, "route")))
                .toList();
        }

        private String attribute(SpanData span, String name) {
            return span.getAttributes().get(AttributeKey.stringKey(name));
        }
    }

    @Nested
    class AuditLog {

        @Test
        void oneJsonLinePerDecisionWithPseudonymsInsteadOfClientAndKey(CapturedOutput output) {
            String key = newKey();
            send("/audited/orders", key, "{\"n\":1}");
            send("/audited/orders", key, "{\"n\":1}");
            send("/audited/orders", key, "{\"n\":2}");
            send("/audited/orders", null, "{}");

            await().atMost(Duration.ofSeconds(10)).until(() -> AuditLines.of(output.getOut(), "audited").size() == 5);
            List<JsonNode> lines = AuditLines.of(output.getOut(), "audited");
            assertThat(lines).extracting(line -> line.path("audit_event").asString(),
                    line -> line.path("outcome").asString(null), line -> line.path("status").asInt(0))
                .containsExactly(
                        tuple("executed", "executed", 0),
                        tuple("settled", null, 201),
                        tuple("replayed", "replayed", 201),
                        tuple("rejected", "fingerprint_mismatch", 422),
                        tuple("rejected", "key_missing", 400));
            JsonNode executed = lines.get(0);
            assertThat(executed.path("client_hash").asString()).isEqualTo(hmac(CLIENT));
            assertThat(executed.path("key_hash").asString()).isEqualTo(hmac(key));
            assertThat(executed.path("trace_id").asString()).matches("[0-9a-f]{32}");
            assertThat(lines.get(1).path("settlement").asString()).isEqualTo("stored");
            assertThat(lines.get(4).has("key_hash")).isFalse();
            assertThat(output.getOut()).doesNotContain(key).doesNotContain(CLIENT);
        }

        // docs/operations.md: key_hash is the key the route read, wherever it reads it.
        @Test
        void aRouteThatReadsItsKeyFromTheBodyLogsThatKeysPseudonymNeverAnIgnoredHeaders(CapturedOutput output) {
            String key = newKey();
            String body = "{\"order_id\":\"" + key + "\"}";
            // An Idempotency-Key header the route does not read is not its key either.
            String ignoredHeader = newKey();
            send("/audited-body-key/orders", ignoredHeader, body);
            send("/audited-body-key/orders", ignoredHeader, body);

            await().atMost(Duration.ofSeconds(10))
                .until(() -> AuditLines.of(output.getOut(), "audited-body-key").size() == 3);
            List<JsonNode> lines = AuditLines.of(output.getOut(), "audited-body-key");
            assertThat(lines).extracting(line -> line.path("audit_event").asString())
                .containsExactly("executed", "settled", "replayed");
            assertThat(lines).extracting(line -> line.path("key_hash").asString(null))
                .containsExactly(hmac(key), null, hmac(key));
            assertThat(lines.get(0).path("client_hash").asString()).isEqualTo(hmac(CLIENT));
            assertThat(output.getOut()).doesNotContain(key).doesNotContain(ignoredHeader);
        }
    }

    @Nested
    class AdminApi {

        @Test
        void refusesRequestsWithoutTheToken() {
            for (String authorization : new String[] { null, "Bearer wrong-token-of-some-length", "Basic " + ADMIN_TOKEN }) {
                WebTestClient.RequestHeadersSpec<?> request = OperationsTests.this.management.get()
                    .uri("/actuator/idempotency?route=admin&client=c&key=k");
                if (authorization != null) {
                    request.header("Authorization", authorization);
                }
                request.exchange()
                    .expectStatus().isUnauthorized()
                    .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                    .expectHeader().valueEquals("WWW-Authenticate", "Bearer realm=\"idempotency-admin\"")
                    .expectBody().jsonPath("$.type").isEqualTo("https://idempotency-gateway.dev/problems/admin-unauthorized");
            }
            OperationsTests.this.management.delete().uri("/actuator/idempotency?route=admin&client=c&key=k").exchange()
                .expectStatus().isUnauthorized();
            // A spelling the filter does not recognise still reaches an endpoint that checks for itself.
            OperationsTests.this.management.get()
                .uri(URI.create("http://localhost:" + OperationsTests.this.gateway.managementPort()
                        + "/actuator/%69dempotency?route=admin&client=c&key=k"))
                .exchange()
                .expectStatus().isUnauthorized();
        }

        @Test
        void isNotOnTheTrafficPort() {
            OperationsTests.this.client.get().uri("/actuator/idempotency?route=admin&client=c&key=k")
                .header("Authorization", "Bearer " + ADMIN_TOKEN)
                .exchange()
                .expectStatus().isNotFound();
        }

        @Test
        void inspectsAKeyAndShowsTheBodyOnlyWhenAsked(CapturedOutput output) {
            String key = newKey();
            send("/admin/orders", key, "{\"n\":1}");

            admin().get().uri(inspect(key)).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.route").isEqualTo("admin")
                .jsonPath("$.state").isEqualTo("completed")
                .jsonPath("$.fingerprint").value(String.class, hex -> assertThat(hex).matches("[0-9a-f]{64}"))
                .jsonPath("$.status").isEqualTo(201)
                .jsonPath("$.createdAt").exists()
                .jsonPath("$.expiresAt").exists()
                .jsonPath("$.expiresInSeconds").value(Integer.class, seconds -> assertThat(seconds).isBetween(86_000, 86_400))
                .jsonPath("$.body").doesNotExist()
                .jsonPath("$.headers").doesNotExist();
            admin().get().uri(inspect(key) + "&includeBody=true").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.body").isEqualTo("{\"orderId\":\"42\"}")
                .jsonPath("$.bodyLength").isEqualTo(16);
            String free = newKey();
            admin().get().uri(inspect(free)).exchange().expectStatus().isNotFound();
            admin().get().uri("/actuator/idempotency?route=admin&client=" + CLIENT + "&key=has space").exchange()
                .expectStatus().isBadRequest()
                .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
                .expectBody().jsonPath("$.type").isEqualTo("https://idempotency-gateway.dev/problems/admin-key-invalid");

            // docs/operations.md: both operations are audited; an inspection says what it found and showed.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<JsonNode> inspections = AuditLines.of(output.getOut(), "admin").stream()
                    .filter(line -> "admin_inspect".equals(line.path("audit_event").asString()))
                    .filter(line -> hmac(key).equals(line.path("key_hash").asString()) || hmac(free).equals(line.path("key_hash").asString()))
                    .toList();
                assertThat(inspections).extracting(line -> line.path("found").asBoolean(), line -> line.path("include_body").asBoolean())
                    .containsExactly(tuple(true, false), tuple(true, true), tuple(false, false));
                assertThat(inspections.get(0).path("client_hash").asString()).isEqualTo(hmac(CLIENT));
            });
        }

        @Test
        void aKeyWhoseRequestIsStillRunningIsInFlight() throws Exception {
            String key = newKey();
            CompletableFuture<EntityExchangeResult<byte[]>> running = CompletableFuture
                .supplyAsync(() -> send("/admin/slow", key, "{}"));
            await().atMost(Duration.ofSeconds(10)).until(() -> !OperationsTests.this.upstream
                .findAll(postRequestedFor(urlPathEqualTo("/admin/slow")).withHeader("Idempotency-Key", equalTo(key))).isEmpty());

            admin().get().uri(inspect(key)).exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.state").isEqualTo("in_flight")
                .jsonPath("$.status").doesNotExist();
            assertThat(running.get().getStatus().value()).isEqualTo(201);
            admin().get().uri(inspect(key)).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.state").isEqualTo("completed");
        }

        @Test
        void purgesAKeySoThatItExecutesAgainAndAuditsThePurge(CapturedOutput output) {
            String key = newKey();
            send("/admin/orders", key, "{}");

            admin().delete().uri(inspect(key)).exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.purged").isEqualTo(true);
            admin().get().uri(inspect(key)).exchange().expectStatus().isNotFound();
            admin().delete().uri(inspect(key)).exchange().expectStatus().isNotFound();
            assertThat(send("/admin/orders", key, "{}").getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
            assertThat(OperationsTests.this.upstream.findAll(postRequestedFor(urlPathEqualTo("/admin/orders"))
                .withHeader("Idempotency-Key", equalTo(key)))).hasSize(2);

            // The audit log is written by a thread of its own: its lines follow the answers shortly.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                List<JsonNode> purges = AuditLines.of(output.getOut(), "admin").stream()
                    .filter(line -> "admin_purge".equals(line.path("audit_event").asString()))
                    .filter(line -> hmac(key).equals(line.path("key_hash").asString()))
                    .toList();
                assertThat(purges).extracting(line -> line.path("purged").asBoolean()).containsExactly(true, false);
                assertThat(purges.get(0).path("client_hash").asString()).isEqualTo(hmac(CLIENT));
            });
            assertThat(output.toString()).doesNotContain(ADMIN_TOKEN);
        }

        private WebTestClient admin() {
            return OperationsTests.this.management.mutate()
                .defaultHeader("Authorization", "Bearer " + ADMIN_TOKEN)
                .build();
        }

        private String inspect(String key) {
            return "/actuator/idempotency?route=admin&client=" + CLIENT + "&key=" + key;
        }
    }

    @Nested
    class Probes {

        @Test
        void livenessAndReadinessAnswerOnTheManagementPort() {
            OperationsTests.this.management.get().uri("/actuator/health/liveness").exchange()
                .expectStatus().isOk()
                .expectBody().jsonPath("$.status").isEqualTo("UP");
            OperationsTests.this.management.get().uri("/actuator/health/readiness").exchange()
                .expectStatus().isOk()
                .expectBody()
                .jsonPath("$.status").isEqualTo("UP")
                .jsonPath("$.components.idempotencyStore.status").isEqualTo("UP");
        }

        @Test
        void prometheusIsScrapedOnTheManagementPortOnly() {
            assertThat(scrape()).contains("idempotency_requests_total");
            OperationsTests.this.client.get().uri("/actuator/prometheus").exchange().expectStatus().isNotFound();
        }
    }

    static String hmac(String value) {
        return hmac(HASH_SECRET, value);
    }

    /** The audit log's pseudonym of {@code value} under {@code secret}. */
    static String hmac(String secret, String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)), 0, 16);
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }

    /**
     * Collects finished spans in memory instead of exporting them. Component scanning puts it in
     * every test gateway; {@value #WITHOUT_SPAN_COLLECTION} leaves it out, for a gateway with no span
     * exporter at all, as shipped.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnProperty(name = "test.span-collection.enabled", havingValue = "true", matchIfMissing = true)
    static class SpanCollection {

        static final String WITHOUT_SPAN_COLLECTION = "test.span-collection.enabled=false";

        @Bean
        InMemorySpanExporter inMemorySpanExporter() {
            return InMemorySpanExporter.create();
        }
    }
}
