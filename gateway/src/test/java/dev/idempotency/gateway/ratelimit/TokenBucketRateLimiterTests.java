package dev.idempotency.gateway.ratelimit;

import java.util.Map;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Spring Cloud Gateway's own {@code RequestRateLimiter} switched to this gateway's buckets by naming
 * the {@code tokenBucketRateLimiter} bean, with {@code RedisRateLimiter}'s numbers (one request a
 * minute: replenishRate 1, burstCapacity 60, requestedTokens 60) and its headers, keyed by the
 * gateway's client identity ({@code clientIdKeyResolver}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenBucketRateLimiterTests {

    WireMockServer upstream;

    GatewayInstance gateway;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{}")));
        this.gateway = GatewayInstance.start(Routes.create().route("orders", this.upstream.baseUrl()).path("/orders/**")
            .filter("RequestRateLimiter", Map.of("rate-limiter", "#{@tokenBucketRateLimiter}",
                    "key-resolver", "#{@clientIdKeyResolver}", "token-bucket-rate-limiter.replenishRate", 1,
                    "token-bucket-rate-limiter.burstCapacity", 60, "token-bucket-rate-limiter.requestedTokens", 60))
            .properties());
    }

    @AfterAll
    void stop() {
        this.gateway.close();
        this.upstream.stop();
    }

    @Test
    void oneRequestAMinutePerKeyWithRedisRateLimitersHeaders() {
        order("shop-1").expectStatus().isCreated()
            .expectHeader().valueEquals("X-RateLimit-Remaining", "0")
            .expectHeader().valueEquals("X-RateLimit-Burst-Capacity", "60")
            .expectHeader().valueEquals("X-RateLimit-Replenish-Rate", "1")
            .expectHeader().valueEquals("X-RateLimit-Requested-Tokens", "60");
        order("shop-1").expectStatus().isEqualTo(429)
            .expectHeader().doesNotExist("Retry-After")
            .expectBody().isEmpty();
        order("shop-2").expectStatus().isCreated();
    }

    @Test
    void aBurstBelowOneRequestOrARateBelowOneFailsTheRoute() {
        assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucketRateLimiter.Config().setReplenishRate(1)
            .setBurstCapacity(10).setRequestedTokens(60).definition("orders"))
            .withMessage("Route 'orders': token-bucket-rate-limiter.burstCapacity must be at least requestedTokens (60) (was 10)");
        assertThatIllegalArgumentException().isThrownBy(() -> new TokenBucketRateLimiter.Config().setReplenishRate(0)
            .setBurstCapacity(10).definition("orders"))
            .withMessageContaining("replenishRate and requestedTokens must be at least 1");
    }

    private WebTestClient.ResponseSpec order(String client) {
        return this.gateway.client().post().uri("/orders").header("X-Client-Id", client).bodyValue("{}").exchange();
    }
}
