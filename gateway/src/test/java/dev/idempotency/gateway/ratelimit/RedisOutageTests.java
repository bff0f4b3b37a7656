package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Redis goes away under a running gateway: a route failing open (the default) lets requests
 * through and counts them; a route failing closed answers 503. Then Redis comes back.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedisOutageTests {

    private RedisServer redis;

    private WireMockServer upstream;

    private GatewayInstance gateway;

    @BeforeAll
    void start() {
        this.redis = RedisServer.launch();
        this.upstream = Upstream.start();
        this.upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
        String uri = this.upstream.baseUrl();
        List<String> properties = new ArrayList<>(Routes.create()
            .route("open", uri).path("/open/**").filter("RateLimit", RateLimitArgs.limits().client(null, 1, "1h").build())
            .route("closed", uri).path("/closed/**").filter("RateLimit", RateLimitArgs.limits().client(null, 1, "1h")
                .arg("failOpen", false).build())
            .properties());
        properties.addAll(List.of(this.redis.storeProperties()));
        this.gateway = GatewayInstance.start(properties);
    }

    @AfterAll
    void stop() {
        if (this.gateway != null) {
            this.gateway.close();
        }
        if (this.upstream != null) {
            this.upstream.stop();
        }
        if (this.redis != null) {
            this.redis.close();
        }
    }

    EntityExchangeResult<byte[]> get(String path, String client) {
        return this.gateway.client().get().uri(path).header("X-Client-Id", client).exchange().expectBody().returnResult();
    }

    double counted(String route, String outcome) {
        return this.gateway.context().getBean(MeterRegistry.class)
            .counter(RateLimitMetrics.REQUESTS, "route", route, "outcome", outcome).count();
    }

    int upstreamCalls(String pathRegex) {
        return this.upstream.countRequestsMatching(anyRequestedFor(urlPathMatching(pathRegex)).build()).getCount();
    }

    @Test
    @Order(1)
    void withRedisUpBothRoutesLimit() {
        assertThat(get("/open/a", "alice").getStatus().value()).isEqualTo(200);
        assertThat(get("/open/a", "alice").getStatus().value()).isEqualTo(429);
        assertThat(get("/closed/a", "alice").getStatus().value()).isEqualTo(200);
        assertThat(get("/closed/a", "alice").getStatus().value()).isEqualTo(429);
    }

    @Test
    @Order(2)
    void withRedisDownAFailOpenRouteLetsRequestsThroughAndCountsThem() {
        this.redis.stop();
        int before = upstreamCalls("/open/.*");

        EntityExchangeResult<byte[]> passed = get("/open/a", "alice");
        EntityExchangeResult<byte[]> passedAgain = get("/open/a", "alice");

        assertThat(passed.getStatus().value()).isEqualTo(200);
        assertThat(passedAgain.getStatus().value()).isEqualTo(200);
        assertThat(passed.getResponseHeaders().containsHeader("RateLimit")).isFalse();
        assertThat(upstreamCalls("/open/.*")).isEqualTo(before + 2);
        assertThat(counted("open", "fail_open")).isEqualTo(2.0);
    }

    @Test
    @Order(3)
    void withRedisDownAFailClosedRouteAnswers503() {
        int before = upstreamCalls("/closed/.*");

        EntityExchangeResult<byte[]> refused = get("/closed/a", "bob");

        assertThat(refused.getStatus().value()).isEqualTo(503);
        assertThat(refused.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(refused.getResponseHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isEqualTo("1");
        assertThat(new String(refused.getResponseBody())).isEqualTo("{\"type\":"
                + "\"https://idempotency-gateway.dev/problems/rate-limiter-unavailable\",\"title\":\"Rate limiter unavailable\","
                + "\"status\":503,\"detail\":\"The rate limiter is unreachable, so the request was not forwarded. "
                + "Retry later.\",\"instance\":\"/closed/a\"}");
        assertThat(upstreamCalls("/closed/.*")).isEqualTo(before);
        assertThat(counted("closed", "fail_closed")).isEqualTo(1.0);
    }

    @Test
    @Order(4)
    void whenRedisIsBackTheLimitsApplyAgain() {
        this.redis.start();

        // Lettuce reconnects in the background; the restarted Redis is empty, so buckets start full.
        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
            .until(() -> get("/closed/a", "carol").getStatus().value() == 200);
        assertThat(get("/closed/a", "carol").getStatus().value()).isEqualTo(429);
    }
}
