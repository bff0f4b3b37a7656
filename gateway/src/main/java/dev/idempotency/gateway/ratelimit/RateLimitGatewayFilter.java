package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.core.Ordered;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.identity.ClientIdentityResolver;
import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemResponseWriter;
import dev.idempotency.gateway.problem.ProblemType;
import dev.idempotency.gateway.ratelimit.RateLimitPolicy.BucketKeys;
import dev.idempotency.gateway.web.ExecutionAdmission;
import dev.idempotency.gateway.web.IdempotencyPolicy;

/**
 * Decides per request: find the buckets (by client, route or both), take a token now or, on a
 * route with free replays, leave that to the Idempotency filter; then forward, or answer 429
 * (over the limit), 400 (no client identity) or 503 (limiter unreachable and failing closed).
 *
 * <p>Runs before the Idempotency filter, so a refused request never claims a key and a 429 is
 * never stored as a key's result.
 *
 * <p>Free replays: a request the route's Idempotency filter will key (it says which:
 * {@link IdempotencyPolicy#keys}) is not charged up front; the Idempotency filter calls the
 * {@link DeferredAdmission} only when the request will execute, so replays, conflicts and
 * mismatches cost nothing. Every other request (other methods, no key, no Idempotency filter on
 * the route) is charged up front. Should a deferred request still reach the upstream without
 * being asked, it is charged afterwards: never free.
 */
final class RateLimitGatewayFilter implements GatewayFilter, Ordered {

    /** Before the Idempotency filter ({@code WRITE_RESPONSE_FILTER_ORDER - 4}). */
    static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 9;

    private static final Log logger = LogFactory.getLog(RateLimitGatewayFilter.class);

    private static final Duration UNAVAILABLE_RETRY_AFTER = Duration.ofSeconds(1);

    private static final long WARN_INTERVAL_NANOS = Duration.ofSeconds(10).toNanos();

    private final RateLimitPolicy policy;

    private final RateLimiter limiter;

    private final ClientIdentityResolver clientIdentityResolver;

    private final RateLimitMetrics metrics;

    // The route's Idempotency filter (empty: none), asked on the first request: a route is built
    // after its filters, so it cannot be asked in apply().
    private volatile Optional<IdempotencyPolicy> idempotency;

    private final AtomicLong lastWarning = new AtomicLong(System.nanoTime() - WARN_INTERVAL_NANOS);

    RateLimitGatewayFilter(RateLimitPolicy policy, RateLimiter limiter, ClientIdentityResolver clientIdentityResolver,
            RateLimitMetrics metrics) {
        this.policy = policy;
        this.limiter = limiter;
        this.clientIdentityResolver = clientIdentityResolver;
        this.metrics = metrics;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!this.policy.limitsClients()) {
            return limit(exchange, chain, this.policy.keysFor(Optional.empty()));
        }
        return this.clientIdentityResolver.resolveCached(exchange).flatMap(clientId -> {
            if (clientId.isEmpty() && this.policy.denyAnonymous()) {
                return ProblemResponseWriter.write(exchange, Problem.of(ProblemType.CLIENT_IDENTITY_MISSING,
                        "This route limits requests per client; the request carries no client identity."));
            }
            return limit(exchange, chain, this.policy.keysFor(clientId));
        });
    }

    private Mono<Void> limit(ServerWebExchange exchange, GatewayFilterChain chain, BucketKeys keys) {
        if (!this.policy.replaysConsumeTokens() && keyedByIdempotency(exchange)) {
            return deferred(exchange, chain, keys);
        }
        return admit(exchange, keys).flatMap(refusal -> refusal.isPresent()
                ? ProblemResponseWriter.write(exchange, refusal.get())
                : chain.filter(exchange));
    }

    /** Whether the route's Idempotency filter will key this request, and so ask before executing it. */
    private boolean keyedByIdempotency(ServerWebExchange exchange) {
        Optional<IdempotencyPolicy> idempotency = this.idempotency;
        if (idempotency == null) {
            Route route = exchange.getAttribute(ServerWebExchangeUtils.GATEWAY_ROUTE_ATTR);
            if (route == null) {
                return false;
            }
            idempotency = Optional.ofNullable(IdempotencyPolicy.onRoute(route));
            this.idempotency = idempotency;
        }
        return idempotency.isPresent() && idempotency.get().keys(exchange.getRequest());
    }

    private Mono<Void> deferred(ServerWebExchange exchange, GatewayFilterChain chain, BucketKeys keys) {
        DeferredAdmission admission = new DeferredAdmission(admitted -> admit(admitted, keys),
                exchange.getAttribute(ExecutionAdmission.ATTRIBUTE));
        exchange.getAttributes().put(ExecutionAdmission.ATTRIBUTE, admission);
        return Mono.usingWhen(Mono.just(admission), unused -> chain.filter(exchange),
                asked -> chargeIfUnchecked(exchange, asked, keys),
                (asked, error) -> chargeIfUnchecked(exchange, asked, keys),
                asked -> chargeIfUnchecked(exchange, asked, keys));
    }

    /** Takes the token now: empty to let the request through, or the problem to answer with. */
    private Mono<Optional<Problem>> admit(ServerWebExchange exchange, BucketKeys keys) {
        return this.limiter.consume(this.policy, keys)
            .map(decision -> {
                this.metrics.decided(decision);
                RateLimitHeaders.write(exchange.getResponse().getHeaders(), this.policy, decision);
                return decision.allowed() ? Optional.<Problem>empty() : Optional.of(limited(decision));
            })
            .onErrorResume(StoreUnavailableException.class, ex -> Mono.just(unavailable(ex)));
    }

    private static Problem limited(RateLimitDecision decision) {
        long seconds = decision.retryAfter().toSeconds();
        String whose = decision.perClient() ? "This client has used up its quota '" : "This route's shared quota '";
        String tail = decision.perClient() ? "' on this route" : "' is used up";
        return Problem.of(ProblemType.RATE_LIMITED, whose + decision.policy().name() + tail + " ("
                + decision.policy().quota() + " requests per " + decision.policy().windowSeconds() + " s). Retry after "
                + seconds + " s.")
            .withExtension("policy", decision.policy().name())
            .withRetryAfter(decision.retryAfter());
    }

    private Optional<Problem> unavailable(StoreUnavailableException error) {
        if (this.policy.failOpen()) {
            this.metrics.failedOpen();
            warn("Rate limiter unavailable; route " + this.policy.routeId() + " fails open and lets requests through: "
                    + error.getMessage());
            return Optional.empty();
        }
        this.metrics.failedClosed();
        warn("Rate limiter unavailable; route " + this.policy.routeId() + " fails closed and rejects requests: "
                + error.getMessage());
        return Optional.of(Problem.of(ProblemType.RATE_LIMITER_UNAVAILABLE,
                "The rate limiter is unreachable, so the request was not forwarded. Retry later.")
            .withRetryAfter(UNAVAILABLE_RETRY_AFTER));
    }

    // Went upstream, yet the Idempotency filter never asked: count it now so it is not free.
    private Mono<Void> chargeIfUnchecked(ServerWebExchange exchange, DeferredAdmission admission, BucketKeys keys) {
        if (admission.wasAsked() || !ServerWebExchangeUtils.isAlreadyRouted(exchange)) {
            return Mono.empty();
        }
        this.metrics.unchecked();
        warn("Route " + this.policy.routeId() + ": a keyed request reached the upstream without the Idempotency "
                + "filter's admission; charged afterwards");
        return this.limiter.charge(this.policy, keys).onErrorResume(ex -> Mono.empty());
    }

    // One line per route every ten seconds at most: an outage must not flood the log.
    private void warn(String message) {
        long now = System.nanoTime();
        long last = this.lastWarning.get();
        if (now - last >= WARN_INTERVAL_NANOS && this.lastWarning.compareAndSet(last, now)) {
            logger.warn(message);
        }
        else if (logger.isDebugEnabled()) {
            logger.debug(message);
        }
    }
}
