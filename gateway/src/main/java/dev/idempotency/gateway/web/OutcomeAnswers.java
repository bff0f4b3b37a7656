package dev.idempotency.gateway.web;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.util.Assert;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.Decision;
import dev.idempotency.gateway.core.IdempotencyKey.KeyProblem;
import dev.idempotency.gateway.core.ReplayHeaderPolicy;
import dev.idempotency.gateway.events.IdempotencyListeners;
import dev.idempotency.gateway.events.IdempotencyOutcome;
import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemResponseWriter;
import dev.idempotency.gateway.problem.ProblemType;
import dev.idempotency.gateway.web.RequestBodies.RequestBodyTooLargeException;
import dev.idempotency.gateway.web.RequestKeys.KeyReading;

/**
 * The one place where the Idempotency filter's outcomes become what the client gets: a forwarded
 * request, an execution, a replay or a problem, with the route's rollout mode applied (observe
 * records what enforcing would have answered and forwards the request unchanged) and every
 * outcome told to the listeners.
 */
final class OutcomeAnswers {

    // Under the filter's name, where operators already point their log levels.
    private static final Log logger = LogFactory.getLog(IdempotencyGatewayFilter.class);

    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final IdempotencyPolicy policy;

    private final IdempotencyListeners listeners;

    private final UpstreamExecution execution;

    OutcomeAnswers(IdempotencyPolicy policy, IdempotencyListeners listeners) {
        this.policy = policy;
        this.listeners = listeners;
        this.execution = new UpstreamExecution(policy);
    }

    /** A request this route does not protect: forwarded as it came. */
    Mono<Void> passThrough(ServerWebExchange exchange, GatewayFilterChain chain, IdempotencyOutcome outcome) {
        this.listeners.outcome(this.policy.routeId(), outcome, exchange);
        return forward(exchange, chain, null);
    }

    /** The key is missing (forwarded unprotected where the route does not require one) or invalid. */
    Mono<Void> keyUnusable(ServerWebExchange exchange, GatewayFilterChain chain, KeyReading reading) {
        KeyProblem problem = reading.parsed().problem();
        if (problem == KeyProblem.MISSING && !this.policy.required()) {
            return passThrough(exchange, chain, IdempotencyOutcome.PASSED_THROUGH);
        }
        String detail = problem.describe(reading.source()) + ".";
        if (problem != KeyProblem.MISSING) {
            return decline(exchange, chain, IdempotencyOutcome.KEY_INVALID,
                    Problem.of(ProblemType.IDEMPOTENCY_KEY_INVALID, detail));
        }
        return decline(exchange, chain, IdempotencyOutcome.KEY_MISSING, Problem.of(ProblemType.IDEMPOTENCY_KEY_MISSING,
                detail + " This route requires one on " + this.policy.describeMethods() + " requests."));
    }

    Mono<Void> clientMissing(ServerWebExchange exchange, GatewayFilterChain chain) {
        return decline(exchange, chain, IdempotencyOutcome.CLIENT_IDENTITY_MISSING, Problem.of(
                ProblemType.CLIENT_IDENTITY_MISSING,
                "This route scopes idempotency keys by client; the request carries no client identity."));
    }

    Mono<Void> bodyTooLarge(ServerWebExchange exchange, GatewayFilterChain chain, RequestBodyTooLargeException ex) {
        Problem problem = Problem.of(ProblemType.REQUEST_BODY_TOO_LARGE, "The request body exceeds this route's limit of "
                + ex.maxBytes() + " bytes.").withExtension("maxBytes", ex.maxBytes());
        // A body cut off while reading cannot be forwarded: observe mode rejects it too.
        return ex.bodyConsumed() ? reject(exchange, IdempotencyOutcome.BODY_TOO_LARGE, problem)
                : decline(exchange, chain, IdempotencyOutcome.BODY_TOO_LARGE, problem);
    }

    /** The key is this request's: run an earlier filter's admission (the rate limiter), then execute. */
    Mono<Void> execute(ServerWebExchange exchange, GatewayFilterChain chain, KeyLease lease) {
        return forward(exchange, chain, lease);
    }

    /** Another request holds or held the key: replay its result, or say why not. */
    Mono<Void> decided(ServerWebExchange exchange, GatewayFilterChain chain, Decision decision) {
        if (decision instanceof Decision.Replay replay) {
            if (this.policy.observes()) {
                return observed(exchange, chain, IdempotencyOutcome.REPLAYED, replay.response().status());
            }
            this.listeners.outcome(this.policy.routeId(), IdempotencyOutcome.REPLAYED, exchange);
            return ReplayedResponses.write(exchange, replay.response());
        }
        if (decision instanceof Decision.InFlight) {
            return decline(exchange, chain, IdempotencyOutcome.IN_FLIGHT_CONFLICT, Problem.of(ProblemType.REQUEST_IN_PROGRESS,
                    "A request with this idempotency key is still being processed. Retry after it completes to get its result.")
                .withRetryAfter(RETRY_AFTER));
        }
        return decline(exchange, chain, IdempotencyOutcome.FINGERPRINT_MISMATCH, Problem.of(ProblemType.FINGERPRINT_MISMATCH,
                "This idempotency key was already used for a different request (its "
                        + this.policy.fingerprintDescription() + " differ). Use a new key for a new request."));
    }

    /**
     * The client holds as many keys in flight as the route allows. {@code lease} holds the key
     * without a place in flight: observe mode executes with it; enforcing releases it first, since
     * nothing was executed and so nothing may be stored. {@code null} when nothing was claimed (the
     * store counted in the claim and refused it, which observe mode never asks it to).
     */
    Mono<Void> overInFlightLimit(ServerWebExchange exchange, GatewayFilterChain chain, KeyLease lease) {
        if (this.policy.observes()) {
            Assert.notNull(lease, "Observe mode executes the request over the limit under a claimed key");
            this.listeners.observed(this.policy.routeId(), IdempotencyOutcome.IN_FLIGHT_LIMITED, exchange);
            logger.info("Observe mode: route " + this.policy.routeId() + " would have answered 429 ("
                    + IdempotencyOutcome.IN_FLIGHT_LIMITED + "); forwarded unchanged");
            return execute(exchange, chain, lease);
        }
        int max = this.policy.maxInFlightPerClient();
        Mono<Void> released = (lease != null) ? lease.releaseUnused() : Mono.empty();
        return released.then(reject(exchange, IdempotencyOutcome.IN_FLIGHT_LIMITED,
                Problem.of(ProblemType.TOO_MANY_KEYS_IN_FLIGHT, "This client already has " + max
                        + " requests in flight on this route, the most it may have at once. Retry this request"
                        + " (with the same key) after one of them completes.")
                    .withExtension("maxInFlight", max)
                    .withRetryAfter(RETRY_AFTER)));
    }

    Mono<Void> storeUnavailable(ServerWebExchange exchange, GatewayFilterChain chain, Throwable cause) {
        if (this.policy.observes()) {
            return observed(exchange, chain, IdempotencyOutcome.STORE_UNAVAILABLE, 503);
        }
        String routeId = this.policy.routeId();
        if (this.policy.failOpen()) {
            logger.warn("Idempotency store unavailable; route " + routeId + " fails open and forwards unprotected: " + cause.getMessage());
            return passThrough(exchange, chain, IdempotencyOutcome.FAILED_OPEN);
        }
        logger.warn("Idempotency store unavailable; rejecting request on route " + routeId + ": " + cause.getMessage());
        return reject(exchange, IdempotencyOutcome.STORE_UNAVAILABLE, Problem.of(ProblemType.STORE_UNAVAILABLE,
                "The idempotency store is unreachable, so the request was not forwarded. Retry later with the same key.")
            .withRetryAfter(RETRY_AFTER));
    }

    /** Answers with a problem when enforcing; in observe mode records it and forwards the request. */
    private Mono<Void> decline(ServerWebExchange exchange, GatewayFilterChain chain, IdempotencyOutcome outcome,
            Problem problem) {
        if (this.policy.observes()) {
            return observed(exchange, chain, outcome, problem.status().value());
        }
        return reject(exchange, outcome, problem);
    }

    private Mono<Void> reject(ServerWebExchange exchange, IdempotencyOutcome outcome, Problem problem) {
        this.listeners.outcome(this.policy.routeId(), outcome, exchange);
        return ProblemResponseWriter.write(exchange, problem);
    }

    private Mono<Void> observed(ServerWebExchange exchange, GatewayFilterChain chain, IdempotencyOutcome wouldBe,
            int wouldBeStatus) {
        this.listeners.observed(this.policy.routeId(), wouldBe, exchange);
        logger.info("Observe mode: route " + this.policy.routeId() + " would have answered " + wouldBeStatus + " ("
                + wouldBe + "); forwarded unchanged");
        return forward(exchange, chain, null);
    }

    /**
     * Sends a request upstream once an earlier filter's admission (the rate limiter) lets it: every
     * request that reaches the upstream counts, protected or not. The refusal is enforced in every
     * mode, since it protects the upstream; a refused request frees the key it claimed.
     *
     * @param lease the key this request executes under, or {@code null} to forward it unprotected
     */
    private Mono<Void> forward(ServerWebExchange exchange, GatewayFilterChain chain, KeyLease lease) {
        if (lease == null) {
            // A fresh response must never claim to be a replay, whatever the upstream sends.
            exchange.getResponse().beforeCommit(() -> {
                exchange.getResponse().getHeaders().remove(ReplayHeaderPolicy.REPLAYED_HEADER);
                return Mono.empty();
            });
        }
        ExecutionAdmission admission = exchange.getAttribute(ExecutionAdmission.ATTRIBUTE);
        if (admission == null) {
            return upstream(exchange, chain, lease);
        }
        return admission.admit(exchange).flatMap(refusal -> {
            if (refusal.isEmpty()) {
                return upstream(exchange, chain, lease);
            }
            return lease == null ? ProblemResponseWriter.write(exchange, refusal.get())
                    : lease.releaseUnused().then(reject(exchange, IdempotencyOutcome.ADMISSION_REFUSED, refusal.get()));
        });
    }

    private Mono<Void> upstream(ServerWebExchange exchange, GatewayFilterChain chain, KeyLease lease) {
        if (lease == null) {
            return chain.filter(exchange);
        }
        this.listeners.outcome(this.policy.routeId(), IdempotencyOutcome.EXECUTED, exchange);
        return this.execution.run(exchange, chain, lease);
    }
}
