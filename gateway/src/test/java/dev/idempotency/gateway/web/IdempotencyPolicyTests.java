package dev.idempotency.gateway.web;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory.Config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * A route's policy is checked and frozen when it is built, and tells the rate limiter exactly
 * which requests the route's filter keys.
 */
class IdempotencyPolicyTests {

    private static Config route() {
        Config config = new Config();
        config.setRouteId("orders");
        return config;
    }

    @Test
    void aProtectedMethodCarryingTheKeyHeaderIsKeyed() {
        IdempotencyPolicy policy = IdempotencyPolicy.of(route());

        assertThat(policy.keys(MockServerHttpRequest.post("/orders").header("Idempotency-Key", "k").build())).isTrue();
        assertThat(policy.keys(MockServerHttpRequest.post("/orders").build())).isFalse();
        assertThat(policy.keys(MockServerHttpRequest.get("/orders").header("Idempotency-Key", "k").build())).isFalse();
        assertThat(policy.keys(MockServerHttpRequest.method(HttpMethod.valueOf("patch"), "/orders")
            .header("Idempotency-Key", "k").build())).isTrue();
    }

    @Test
    void theRouteSaysWhereItsKeyTravels() {
        IdempotencyPolicy header = IdempotencyPolicy.of(route().setHeaderName("X-Order-Key").setMethods(Set.of("PUT")));
        IdempotencyPolicy query = IdempotencyPolicy.of(route().setKeySource(List.of(KeyPart.valueOf("query"))));
        IdempotencyPolicy body = IdempotencyPolicy.of(route().setKeySource(List.of(KeyPart.valueOf("json-body:/order_id"))));

        assertThat(header.keys(MockServerHttpRequest.put("/orders").header("X-Order-Key", "k").build())).isTrue();
        assertThat(header.keys(MockServerHttpRequest.post("/orders").header("X-Order-Key", "k").build())).isFalse();
        assertThat(header.keys(MockServerHttpRequest.put("/orders").header("Idempotency-Key", "k").build())).isFalse();
        assertThat(query.keys(MockServerHttpRequest.post("/orders?idempotency_key=k").build())).isTrue();
        assertThat(query.keys(MockServerHttpRequest.post("/orders").header("Idempotency-Key", "k").build())).isFalse();
        // A key in the body is not looked for: the filter asks before forwarding whatever it finds.
        assertThat(body.keys(MockServerHttpRequest.post("/orders").build())).isTrue();
    }

    @Test
    void laterChangesToTheBoundArgumentsDoNotReachThePolicy() {
        Config config = route().setTtl(Duration.ofHours(1));
        IdempotencyPolicy policy = IdempotencyPolicy.of(config);

        config.setTtl(Duration.ofHours(2)).setMethods(Set.of("GET"));
        config.getReleaseStatuses().clear();

        assertThat(policy.ttl()).isEqualTo(Duration.ofHours(1));
        assertThat(policy.lease()).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.keys(MockServerHttpRequest.get("/orders").header("Idempotency-Key", "k").build())).isFalse();
        assertThat(policy.releaseStatuses()).containsExactlyInAnyOrder(408, 425, 429, 503);
    }

    @Test
    void invalidArgumentsFailWhenThePolicyIsBuilt() {
        assertThatIllegalArgumentException()
            .isThrownBy(() -> IdempotencyPolicy.of(route().setLockTimeout(Duration.ZERO)))
            .withMessageContaining("Route 'orders'")
            .withMessageContaining("lockTimeout");
    }
}
