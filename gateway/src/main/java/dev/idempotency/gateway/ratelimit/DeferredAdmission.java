package dev.idempotency.gateway.ratelimit;

import java.util.Optional;
import java.util.function.Function;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.web.ExecutionAdmission;

/**
 * The rate-limit check handed to the Idempotency filter on routes where replays are free: it runs
 * only when the request will really execute upstream. Remembers whether it ran, so the rate-limit
 * filter can tell a request that went upstream uncounted. An admission an earlier filter left
 * (a second RateLimit on the route) is asked first.
 */
final class DeferredAdmission implements ExecutionAdmission {

    private final Function<ServerWebExchange, Mono<Optional<Problem>>> check;

    private final ExecutionAdmission earlier;

    private volatile boolean asked;

    DeferredAdmission(Function<ServerWebExchange, Mono<Optional<Problem>>> check, ExecutionAdmission earlier) {
        this.check = check;
        this.earlier = earlier;
    }

    @Override
    public Mono<Optional<Problem>> admit(ServerWebExchange exchange) {
        this.asked = true;
        if (this.earlier == null) {
            return this.check.apply(exchange);
        }
        return this.earlier.admit(exchange)
            .flatMap(refusal -> refusal.isPresent() ? Mono.just(refusal) : this.check.apply(exchange));
    }

    boolean wasAsked() {
        return this.asked;
    }
}
