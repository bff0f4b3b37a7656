package dev.idempotency.gateway.overload;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import reactor.core.publisher.Mono;

import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;

import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemResponseWriter;
import dev.idempotency.gateway.problem.ProblemType;

/**
 * Bounds how many routed requests the gateway works on at once. Past the limit a request is
 * answered 503 {@code overloaded} with {@code Retry-After} at once, before any route filter runs:
 * it claims no key (so a refused request can never execute, and its retry starts afresh), takes no
 * rate-limit token and holds no buffer. Ordered ahead of every route filter, so the Idempotency
 * filter only ever sees admitted requests. It counts only requests the filter chain works on, not
 * connections still waiting to be read, so it bounds what the chain holds, not the process's memory
 * (docs/http.md, Overload). There is no queue to drain: new requests are admitted as others end.
 */
public final class ConcurrencyLimitFilter implements GlobalFilter, Ordered {

    /** Ahead of route filters (ordered 1, 2, ...) and of Spring Cloud Gateway's own global filters. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

    private final int maxConcurrentRequests;

    private final Duration retryAfter;

    private final AtomicInteger inFlight = new AtomicInteger();

    private final MeterRegistry meters;

    public ConcurrencyLimitFilter(int maxConcurrentRequests, Duration retryAfter, MeterRegistry meters) {
        this.maxConcurrentRequests = maxConcurrentRequests;
        this.retryAfter = retryAfter;
        this.meters = meters;
        // Off (0), nothing is counted: a gauge would read 0 however many requests were in flight.
        if (meters != null && maxConcurrentRequests > 0) {
            Gauge.builder("idempotency.overload.in.flight", this.inFlight, AtomicInteger::get)
                .description("Routed requests the gateway is working on now")
                .register(meters);
        }
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (this.maxConcurrentRequests == 0) {
            return chain.filter(exchange);
        }
        if (this.inFlight.incrementAndGet() > this.maxConcurrentRequests) {
            this.inFlight.decrementAndGet();
            return refuse(exchange);
        }
        return chain.filter(exchange).doFinally(signal -> this.inFlight.decrementAndGet());
    }

    private Mono<Void> refuse(ServerWebExchange exchange) {
        if (this.meters != null) {
            Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
            Counter.builder("idempotency.overload.refused")
                .description("Requests refused with 503 overloaded because the gateway was at its concurrency limit")
                .tag("route", route != null ? route.getId() : "none")
                .register(this.meters)
                .increment();
        }
        // Nothing was read or claimed: the connection stays usable.
        return ProblemResponseWriter.write(exchange, Problem.of(ProblemType.OVERLOADED,
                "The gateway is working on its limit of " + this.maxConcurrentRequests + " requests at once. Nothing "
                        + "was executed and no idempotency key was claimed: retry the same request after the Retry-After.")
            .withRetryAfter(this.retryAfter));
    }

    /** Requests admitted and not yet finished. */
    public int inFlight() {
        return this.inFlight.get();
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
