package dev.idempotency.gateway.core;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReplayHeaderPolicyTests {

    private final ReplayHeaderPolicy policy = ReplayHeaderPolicy.defaults();

    @ParameterizedTest
    @ValueSource(strings = { "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "TE", "Trailer",
            "Proxy-Authenticate", "Proxy-Authorization", "Proxy-Connection", "proxy-foo", "Proxy-Foo", "Set-Cookie", "set-cookie", "Date", "Content-Length", "RateLimit", "RateLimit-Policy",
            "X-RateLimit-Remaining", "x-ratelimit-limit", "Retry-After", "Idempotent-Replayed" })
    void neverReplayed(String name) {
        assertThat(this.policy.isReplayable(name, Set.of())).as(name).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = { "Content-Type", "Location", "ETag", "Cache-Control", "X-Order-Id", "Content-Encoding",
            "Proxy-Status", "proxy-status", "X-Proxy-Foo", "Proxy" })
    void replayed(String name) {
        assertThat(this.policy.isReplayable(name, Set.of())).as(name).isTrue();
    }

    @Test
    void fieldsNamedByConnectionAreHopByHop() {
        assertThat(this.policy.isReplayable("X-Hop", Set.of("x-hop"))).isFalse();
    }

    @Test
    void routesAddTheirOwn() {
        ReplayHeaderPolicy route = ReplayHeaderPolicy.excluding(List.of("X-Request-Id"));
        assertThat(route.isReplayable("x-request-id", Set.of())).isFalse();
        assertThat(route.isReplayable("Set-Cookie", Set.of())).isFalse();
        assertThat(route.isReplayable("Location", Set.of())).isTrue();
    }
}
