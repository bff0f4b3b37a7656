package dev.idempotency.gateway.ratelimit;

import java.util.ArrayList;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A gateway that starts before its Redis: readiness stays DOWN (naming {@code rateLimiter}) until
 * the rate limiter's connection is open, and once Redis answers, the very next request on a
 * fail-open route is limited, not let through unchecked on the strength of an earlier failed
 * connection attempt.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RateLimiterStartupTests {

    private RedisServer redis;

    private WireMockServer upstream;

    private GatewayInstance gateway;

    private WebTestClient management;

    @BeforeAll
    void startWithRedisDown() {
        this.redis = RedisServer.launch();
        this.redis.stop();
        this.upstream = Upstream.start();
        this.upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("ok")));
        List<String> properties = new ArrayList<>(Routes.create()
            .route("open", this.upstream.baseUrl()).path("/open/**")
                .filter("RateLimit", RateLimitArgs.limits().client(null, 1, "1h").build())
            .properties());
        properties.addAll(List.of(this.redis.storeProperties()));
        properties.addAll(List.of("management.server.port=0",
                "management.endpoint.health.group.readiness.show-components=always"));
        this.gateway = GatewayInstance.start(properties);
        this.management = this.gateway.managementClient();
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

    @Test
    void readinessWaitsForTheRateLimiterAndNoRequestPassesUncheckedOnceRedisIsUp() {
        this.management.get().uri("/actuator/health/readiness").exchange()
            .expectStatus().isEqualTo(503)
            .expectBody().jsonPath("$.components.rateLimiter.status").isEqualTo("DOWN");

        // Redis really down: the fail-open route lets the request through (documented), and the
        // rate limiter's connection attempt has just failed.
        EntityExchangeResult<byte[]> duringOutage = get("alice");
        assertThat(duringOutage.getStatus().value()).isEqualTo(200);
        assertThat(duringOutage.getResponseHeaders().containsHeader("RateLimit")).isFalse();

        this.redis.start();
        EntityExchangeResult<byte[]> first = get("bob");
        assertThat(first.getStatus().value()).isEqualTo(200);
        assertThat(first.getResponseHeaders().containsHeader("RateLimit"))
            .as("the first request after Redis is up is checked, not passed on an old connection failure").isTrue();
        assertThat(get("bob").getStatus().value()).as("and its limit holds").isEqualTo(429);

        this.management.get().uri("/actuator/health/readiness").exchange()
            .expectStatus().isEqualTo(200)
            .expectBody().jsonPath("$.components.rateLimiter.status").isEqualTo("UP");
    }

    private EntityExchangeResult<byte[]> get(String client) {
        return this.gateway.client().get().uri("/open/a").header("X-Client-Id", client).exchange().expectBody().returnResult();
    }
}
