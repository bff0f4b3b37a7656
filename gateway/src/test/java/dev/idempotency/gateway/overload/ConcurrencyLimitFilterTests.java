package dev.idempotency.gateway.overload;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** The limit's own rules, without a gateway: 0 is no limit, and the settings refuse nonsense. */
class ConcurrencyLimitFilterTests {

    /** A chain whose requests never finish, counting how many reached it. */
    private static GatewayFilterChain hanging(AtomicInteger reached) {
        return exchange -> {
            reached.incrementAndGet();
            return Mono.never();
        };
    }

    private static MockServerWebExchange exchange() {
        return MockServerWebExchange.from(MockServerHttpRequest.post("/orders"));
    }

    @Test
    void zeroMeansNoLimit() {
        ConcurrencyLimitFilter filter = new ConcurrencyLimitFilter(0, Duration.ofSeconds(1), null);
        AtomicInteger reached = new AtomicInteger();
        for (int i = 0; i < 1000; i++) {
            filter.filter(exchange(), hanging(reached)).subscribe();
        }
        assertThat(reached).hasValue(1000);
    }

    @Test
    void refusesTheRequestPastTheLimitAndAdmitsAgainWhenOneEnds() {
        ConcurrencyLimitFilter filter = new ConcurrencyLimitFilter(1, Duration.ofSeconds(3), null);
        AtomicInteger reached = new AtomicInteger();
        var first = filter.filter(exchange(), hanging(reached)).subscribe();
        MockServerWebExchange refused = exchange();
        filter.filter(refused, hanging(reached)).block(Duration.ofSeconds(5));
        assertThat(refused.getResponse().getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(refused.getResponse().getHeaders().getFirst("Retry-After")).isEqualTo("3");
        assertThat(reached).hasValue(1);

        first.dispose();
        assertThat(filter.inFlight()).isZero();
        filter.filter(exchange(), hanging(reached)).subscribe();
        assertThat(reached).hasValue(2);
    }

    @Test
    void settingsRefuseANegativeLimitAndARetryAfterBelowOneSecond() {
        OverloadProperties properties = new OverloadProperties();
        assertThat(properties.getMaxConcurrentRequests()).isEqualTo(512);
        assertThat(properties.getRetryAfter()).isEqualTo(Duration.ofSeconds(1));
        assertThatIllegalArgumentException().isThrownBy(() -> properties.setMaxConcurrentRequests(-1))
            .withMessageContaining("idempotency.overload.max-concurrent-requests");
        assertThatIllegalArgumentException().isThrownBy(() -> properties.setRetryAfter(Duration.ofMillis(500)))
            .withMessageContaining("at least 1s");
    }
}
