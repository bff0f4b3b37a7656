package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.identity.ClientIdentityResolvers;
import dev.idempotency.gateway.ratelimit.RateLimitGatewayFilterFactory.Config;
import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Invalid limit definitions fail when the route is built, naming the route and the argument; the
 * example route rule in {@code config/} is valid.
 */
class RateLimitArgumentsTests {

    private final RateLimitGatewayFilterFactory factory = new RateLimitGatewayFilterFactory(
            new RateLimiter(new LocalTokenBuckets(100)), ClientIdentityResolvers.of(exchange -> Mono.just(Optional.empty())),
            new SimpleMeterRegistry(), new Config());

    private static Config route(String id, Limit... clientLimits) {
        Config config = new Config().setClientLimits(List.of(clientLimits));
        config.setRouteId(id);
        return config;
    }

    private static Limit limit(long capacity, String period) {
        return new Limit().setCapacity(capacity).setRefillPeriod(period == null ? null : Duration.parse(period));
    }

    @Nested
    class Rejected {

        @Test
        void zeroCapacity() {
            assertThatIllegalArgumentException().isThrownBy(() -> factory.apply(route("orders", limit(0, "PT1M"))))
                .withMessage("Route 'orders': RateLimit argument 'clientLimits[0].capacity' must be at least 1 (was 0)");
        }

        @Test
        void missingRefillPeriod() {
            assertThatIllegalArgumentException().isThrownBy(() -> factory.apply(route("orders", limit(10, null))))
                .withMessage("Route 'orders': RateLimit argument 'clientLimits[0].refillPeriod' is required, such as 1m (was null)");
        }

        @Test
        void unknownRefillStyle() {
            assertThatIllegalArgumentException()
                .isThrownBy(() -> factory.apply(route("orders", limit(10, "PT1M").setRefillStyle("smooth"))))
                .withMessage("Route 'orders': RateLimit argument 'clientLimits[0].refillStyle' must be one of greedy, "
                        + "intervally (was smooth)");
        }

        @Test
        void intervalRefillLargerThanTheCapacity() {
            Limit limit = limit(10, "PT1M").setRefillTokens(20L).setRefillStyle("intervally");
            assertThatIllegalArgumentException().isThrownBy(() -> factory.apply(route("orders", limit(5, "PT1S"), limit)))
                .withMessage("Route 'orders': RateLimit argument 'clientLimits[1].refillTokens' must not exceed capacity "
                        + "(10) with intervally refill (was 20)");
        }

        @Test
        void zeroRefillTokens() {
            assertThatIllegalArgumentException()
                .isThrownBy(() -> factory.apply(route("orders", limit(10, "PT1M").setRefillTokens(0L))))
                .withMessage("Route 'orders': RateLimit argument 'clientLimits[0].refillTokens' must be at least 1 (was 0)");
        }

        @Test
        void noLimitAtAll() {
            assertThatIllegalArgumentException().isThrownBy(() -> factory.apply(route("orders")))
                .withMessage("Route 'orders': RateLimit argument 'clientLimits' or routeLimits must declare at least one "
                        + "limit (was no limits)");
        }

        @Test
        void twoLimitsWithOneName() {
            Config config = route("orders", limit(10, "PT1S").setName("burst"))
                .setRouteLimits(List.of(limit(100, "PT1M").setName("burst")));
            assertThatIllegalArgumentException().isThrownBy(() -> factory.apply(config))
                .withMessage("Route 'orders': RateLimit argument 'routeLimits[0].name' must be unique among the route's "
                        + "limits (was burst)");
        }

        @Test
        void aSharedBucketDeclaredWithOtherLimits() {
            factory.apply(route("a", limit(10, "PT1M")).setBucket("orders"));

            assertThatIllegalArgumentException()
                .isThrownBy(() -> factory.apply(route("b", limit(20, "PT1M")).setBucket("orders")))
                .withMessage("Route 'b': RateLimit argument 'bucket' names 'orders', which route 'a' declares with "
                        + "different limits; routes sharing a bucket must declare the same clientLimits and routeLimits");
        }
    }

    @Nested
    class Accepted {

        @Test
        void greedyRefillMayExceedTheCapacity() {
            // 600 per minute with bursts of 10: a rate above the burst size is a meaningful greedy limit.
            factory.apply(route("orders", limit(10, "PT1M").setRefillTokens(600L)));
        }

        @Test
        void aSharedBucketDeclaredAlikeAndARouteRedeclaringItsOwn() {
            factory.apply(route("a", limit(10, "PT1M")).setBucket("shared"));
            factory.apply(route("b", limit(10, "PT1M")).setBucket("shared"));
            factory.apply(route("b", limit(30, "PT1M")).setBucket("solo"));
            factory.apply(route("b", limit(40, "PT1M")).setBucket("solo"));
        }

        @Test
        void policiesAdvertiseQuotaAndWindow() {
            Config config = route("orders", limit(10, "PT1S"), limit(1000, "PT1H").setRefillTokens(500L))
                .setRouteLimits(List.of(limit(3, "PT1M").setRefillTokens(2L).setRefillStyle("intervally").setName("ceiling")));

            RateLimitPolicy policy = RateLimitPolicy.of(config);

            // Window: how long an empty bandwidth takes to fill (1000 at 500/h is 2 h; 3 by 2/min intervally, 2 min).
            assertThat(policy.policyHeader())
                .isEqualTo("\"client\";q=10;w=1, \"client-2\";q=1000;w=7200, \"ceiling\";q=3;w=120");
        }
    }

    @Test
    void anInvalidRouteStopsTheGatewayFromStarting() {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("bad-orders", "http://localhost:9").path("/orders/**")
            .filter("RateLimit", RateLimitArgs.limits().client(null, 0, "1m").build())
            .properties());
        properties.add("idempotency.store=memory");

        assertThatThrownBy(() -> GatewayInstance.start(properties).close())
            .hasStackTraceContaining("Route 'bad-orders': RateLimit argument 'clientLimits[0].capacity' must be at "
                    + "least 1 (was 0)");
    }

    /**
     * docs/rate-limits.md: {@code idempotency.rate-limit.defaults.*} apply to every route, whose
     * args override them one by one; a list argument replaces the default list as a whole.
     */
    @Test
    void defaultsApplyAndARoutesListReplacesTheDefaultList() {
        WireMockServer upstream = Upstream.start();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{}")));
        List<String> properties = new ArrayList<>(Routes.create()
            .route("defaults", upstream.baseUrl()).path("/defaults/**").filter("RateLimit")
            .route("own-list", upstream.baseUrl()).path("/own-list/**")
                .filter("RateLimit", RateLimitArgs.limits().client("own", 3, "1h").build())
            .properties());
        properties.addAll(List.of("idempotency.store=memory",
                "idempotency.rate-limit.defaults.client-limits[0].name=default-quota",
                "idempotency.rate-limit.defaults.client-limits[0].capacity=1",
                "idempotency.rate-limit.defaults.client-limits[0].refill-period=1h",
                "idempotency.rate-limit.defaults.legacy-headers=false"));
        try (GatewayInstance gateway = GatewayInstance.start(properties)) {
            List<Integer> defaults = statuses(gateway, "/defaults/orders", 2);
            assertThat(defaults).containsExactly(201, 429);
            // Three of the route's own quota, not one: the default list is not added to the route's.
            List<Integer> ownList = statuses(gateway, "/own-list/orders", 4);
            assertThat(ownList).containsExactly(201, 201, 201, 429);
            EntityExchangeResult<byte[]> own = gateway.client().post().uri("/own-list/orders").header("X-Client-Id", "bob")
                .bodyValue("{}").exchange().expectBody().returnResult();
            assertThat(own.getResponseHeaders().getFirst("RateLimit-Policy")).isEqualTo("\"own\";q=3;w=3600");
            // A scalar default still applies where the route does not set it.
            assertThat(own.getResponseHeaders().getFirst("X-RateLimit-Remaining")).isNull();
        }
        finally {
            upstream.stop();
        }
    }

    private static List<Integer> statuses(GatewayInstance gateway, String path, int requests) {
        List<Integer> statuses = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            statuses.add(gateway.client().post().uri(path).header("X-Client-Id", "alice").bodyValue("{}")
                .exchange().expectBody().returnResult().getStatus().value());
        }
        return statuses;
    }

    @Test
    void theExampleRouteRuleInConfigStartsAndLimits() {
        WireMockServer upstream = Upstream.start();
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{}")));
        try (GatewayInstance gateway = GatewayInstance.start(List.of(
                "spring.config.additional-location=file:../config/rate-limits.yml", "ORDERS_URI=" + upstream.baseUrl()))) {
            EntityExchangeResult<byte[]> result = gateway.client().post().uri("/orders")
                .header("X-Client-Id", "alice").header("Idempotency-Key", "key-1")
                .bodyValue("{}").exchange().expectBody().returnResult();

            assertThat(result.getStatus().value()).isEqualTo(201);
            assertThat(result.getResponseHeaders().getFirst("RateLimit-Policy")).isEqualTo(
                    "\"per-client-burst\";q=20;w=2, \"per-client\";q=300;w=60, \"backend-ceiling\";q=1000;w=60");
            assertThat(result.getResponseHeaders().getFirst("RateLimit")).startsWith("\"per-client-burst\";r=19;t=");
        }
        finally {
            upstream.stop();
        }
    }
}
