package dev.idempotency.gateway.web;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.events.KeySettlement;
import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemResponseWriter;

/**
 * Forwards a request that owns its key and settles the key with whatever comes back.
 *
 * <p>The upstream exchange runs detached from the client: when the client disconnects or its
 * timeout fires after the request went out, the gateway still waits for the upstream (up to the
 * route's executionTimeout), stores the real result and releases nothing, so the client's retry
 * gets that result instead of a second execution.
 */
final class UpstreamExecution {

    private static final Log logger = LogFactory.getLog(UpstreamExecution.class);

    private final IdempotencyPolicy policy;

    UpstreamExecution(IdempotencyPolicy policy) {
        this.policy = policy;
    }

    Mono<Void> run(ServerWebExchange exchange, GatewayFilterChain chain, KeyLease lease) {
        RequestEventLoop loop = RequestEventLoop.of(exchange);
        CapturingResponse response = new CapturingResponse(exchange.getResponse(), lease, this.policy,
                exchange.getRequest().getPath().value(), loop);
        ServerWebExchange capturing = exchange.mutate().response(response).build();
        UpstreamRequestTracker.Marker request = new UpstreamRequestTracker.Marker();
        ExecutionClock clock = new ExecutionClock(loop, this.policy.executionTimeout());
        Mono<Void> forwarded = clock.bounded(chain.filter(capturing))
            .contextWrite(context -> context.put(UpstreamRequestTracker.Marker.class, request))
            .then(Mono.defer(() -> response.isSettled() ? Mono.<Void>empty() : lease.releaseUnused()))
            .onErrorResume(ex -> response.answerWithProblem(), ex -> upstreamFailed(exchange, lease, ex, request.sent()));
        return new DetachOnCancel(lease.renewWhile(forwarded, clock));
    }

    private Mono<Void> upstreamFailed(ServerWebExchange exchange, KeyLease lease, Throwable error, boolean requestSent) {
        UpstreamFailure failure = UpstreamFailure.of(error, requestSent);
        String instance = exchange.getRequest().getPath().value();
        if (failure.maybeExecuted() && this.policy.ambiguousOutcome() == AmbiguousOutcome.STORE) {
            logger.warn("Upstream outcome unknown on route " + this.policy.routeId()
                    + "; storing it as the key's result: " + error);
            Problem problem = failure.outcomeUnknownProblem();
            return lease.complete(StoredResponses.fromProblem(problem, instance), KeySettlement.OUTCOME_UNKNOWN, 0)
                .then(writeIfClientWaits(exchange, problem));
        }
        logger.debug("Upstream failed on route " + this.policy.routeId() + "; releasing the key: " + error);
        return lease.release(KeySettlement.RELEASED_UPSTREAM_FAILURE, 0)
            .then(writeIfClientWaits(exchange, failure.retryableProblem()));
    }

    private static Mono<Void> writeIfClientWaits(ServerWebExchange exchange, Problem problem) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.empty();
        }
        // The upstream's status and headers, even those arriving as its response timeout fires, stay
        // staged in the CapturingResponse: the client gets the problem alone, exactly as a retry replays it.
        return ProblemResponseWriter.write(exchange, problem);
    }
}
