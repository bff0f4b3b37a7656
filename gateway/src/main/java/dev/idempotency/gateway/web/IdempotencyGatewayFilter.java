package dev.idempotency.gateway.web;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.cloud.gateway.filter.NettyWriteResponseFilter;
import org.springframework.core.Ordered;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.BeginResult;
import dev.idempotency.gateway.core.Decision;
import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.IdempotencyKey.KeyProblem;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.ReplayHeaderPolicy;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.identity.ClientIdentityResolver;
import dev.idempotency.gateway.web.RequestBodies.RequestBodyTooLargeException;
import dev.idempotency.gateway.web.problem.Problem;
import dev.idempotency.gateway.web.problem.ProblemResponseWriter;
import dev.idempotency.gateway.web.problem.ProblemType;

/**
 * Executes each keyed request once per (route, client, key) and replays its result to retries.
 * One request moves through: parse key, resolve client, read body, fingerprint, begin, then
 * forward (and store the result), replay, or answer with a problem.
 *
 * <p>Ordered before {@link NettyWriteResponseFilter}: that filter writes to the response of the
 * exchange it was handed, so it must be handed the exchange carrying {@link CapturingResponse}.
 */
final class IdempotencyGatewayFilter implements GatewayFilter, Ordered {

    /** Runs after a rate limiter (which must answer before any key is claimed) and before the response writer. */
    static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 4;

    private static final Log logger = LogFactory.getLog(IdempotencyGatewayFilter.class);

    private static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final IdempotencyGatewayFilterFactory.Config config;

    private final IdempotencyStore store;

    private final ClientIdentityResolver clientIdentityResolver;

    private final ReplayHeaderPolicy headerPolicy;

    private final Clock clock;

    IdempotencyGatewayFilter(IdempotencyGatewayFilterFactory.Config config, IdempotencyStore store,
            ClientIdentityResolver clientIdentityResolver, Clock clock) {
        this.config = config;
        this.store = store;
        this.clientIdentityResolver = clientIdentityResolver;
        this.headerPolicy = ReplayHeaderPolicy.excluding(config.getExcludedHeaders());
        this.clock = clock;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (!this.config.appliesTo(request.getMethod().name())) {
            return forwardUnprotected(exchange, chain);
        }
        List<String> keyHeaders = request.getHeaders().getOrEmpty(this.config.getHeaderName());
        KeyParseResult parsed = IdempotencyKey.parse(keyHeaders);
        if (!parsed.isValid()) {
            if (parsed.problem() == KeyProblem.MISSING && !this.config.isRequired()) {
                return forwardUnprotected(exchange, chain);
            }
            return ProblemResponseWriter.write(exchange, keyProblem(parsed.problem()));
        }
        return this.clientIdentityResolver.resolveCached(exchange)
            .flatMap(clientId -> clientId
                .map(id -> protect(exchange, chain, new ScopedKey(this.config.getRouteId(), id, parsed.key())))
                .orElseGet(() -> ProblemResponseWriter.write(exchange, Problem.of(ProblemType.CLIENT_IDENTITY_MISSING,
                        "This route scopes idempotency keys by client; the request carries no client identity."))));
    }

    private Mono<Void> protect(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key) {
        ServerHttpRequest request = exchange.getRequest();
        return RequestBodies.read(request, this.config.getMaxRequestBodySize().toBytes())
            .flatMap(body -> {
                ServerWebExchange withBody = exchange.mutate().request(RequestBodies.withBody(request, body)).build();
                RequestFingerprint fingerprint = RequestFingerprints.of(request, body);
                IdempotencyRecord claim = IdempotencyRecord.inFlight(ThreadLocalRandom.current().nextLong(),
                        fingerprint, this.clock.instant());
                return begin(key, claim).flatMap(result -> result instanceof StoreDown down
                        ? storeUnavailable(withBody, chain, down.cause())
                        : act(withBody, chain, key, claim, Decision.decide(((StoreAnswered) result).result(), fingerprint)));
            })
            .onErrorResume(RequestBodyTooLargeException.class, ex -> ProblemResponseWriter.write(exchange,
                    Problem.of(ProblemType.REQUEST_BODY_TOO_LARGE, "The request body exceeds this route's limit of "
                            + ex.maxBytes() + " bytes.").withExtension("maxBytes", ex.maxBytes())));
    }

    private Mono<BeginOutcome> begin(ScopedKey key, IdempotencyRecord claim) {
        return this.store.begin(key, claim, this.config.getLockTimeout())
            .<BeginOutcome>map(StoreAnswered::new)
            .onErrorResume(StoreUnavailableException.class, ex -> Mono.just(new StoreDown(ex)));
    }

    private Mono<Void> act(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key,
            IdempotencyRecord claim, Decision decision) {
        if (decision instanceof Decision.Execute) {
            KeyLease lease = new KeyLease(this.store, key, claim, this.config.getLockTimeout(), this.config.getTtl());
            ExecutionAdmission admission = exchange.getAttribute(ExecutionAdmission.ATTRIBUTE);
            if (admission == null) {
                return execute(exchange, chain, lease);
            }
            return admission.admit(exchange).flatMap(refusal -> refusal.isPresent()
                    ? lease.release().then(ProblemResponseWriter.write(exchange, refusal.get()))
                    : execute(exchange, chain, lease));
        }
        if (decision instanceof Decision.Replay replay) {
            return ReplayedResponses.write(exchange, replay.response());
        }
        if (decision instanceof Decision.InFlight) {
            return ProblemResponseWriter.write(exchange, Problem.of(ProblemType.REQUEST_IN_PROGRESS,
                    "A request with this idempotency key is still being processed. Retry after it completes to get its result.")
                .withRetryAfter(RETRY_AFTER));
        }
        return ProblemResponseWriter.write(exchange, Problem.of(ProblemType.FINGERPRINT_MISMATCH,
                "This idempotency key was already used for a different request (method, path, query, content type or body differ). Use a new key for a new request."));
    }

    private Mono<Void> execute(ServerWebExchange exchange, GatewayFilterChain chain, KeyLease lease) {
        CapturingResponse response = new CapturingResponse(exchange.getResponse(), lease,
                this.config.getReleaseStatuses(), this.config.getMaxResponseBodySize().toBytes(), this.headerPolicy,
                exchange.getRequest().getPath().value());
        ServerWebExchange capturing = exchange.mutate().response(response).build();
        return lease.renewWhile(chain.filter(capturing)
            .then(Mono.defer(() -> response.isSettled() ? Mono.<Void>empty() : lease.release()))
            .onErrorResume(ex -> !response.isSettled() && !exchange.getResponse().isCommitted(),
                    ex -> upstreamFailed(exchange, lease, ex)));
    }

    private Mono<Void> upstreamFailed(ServerWebExchange exchange, KeyLease lease, Throwable error) {
        UpstreamFailure failure = UpstreamFailure.of(error);
        if (failure.maybeExecuted() && this.config.getAmbiguousOutcome() == AmbiguousOutcome.STORE) {
            logger.warn("Upstream outcome unknown on route " + this.config.getRouteId() + "; storing it as the key's result: " + error);
            Problem problem = failure.outcomeUnknownProblem();
            return lease.complete(StoredResponses.fromProblem(problem, exchange.getRequest().getPath().value()))
                .then(ProblemResponseWriter.write(exchange, problem));
        }
        logger.debug("Upstream failed on route " + this.config.getRouteId() + "; releasing the key: " + error);
        return lease.release().then(ProblemResponseWriter.write(exchange, failure.retryableProblem()));
    }

    private Mono<Void> storeUnavailable(ServerWebExchange exchange, GatewayFilterChain chain, Throwable cause) {
        if (this.config.isFailOpen()) {
            logger.warn("Idempotency store unavailable; route " + this.config.getRouteId() + " fails open and forwards unprotected: " + cause.getMessage());
            return forwardUnprotected(exchange, chain);
        }
        logger.warn("Idempotency store unavailable; rejecting request on route " + this.config.getRouteId() + ": " + cause.getMessage());
        return ProblemResponseWriter.write(exchange, Problem.of(ProblemType.STORE_UNAVAILABLE,
                "The idempotency store is unreachable, so the request was not forwarded. Retry later with the same key.")
            .withRetryAfter(RETRY_AFTER));
    }

    // A fresh response must never claim to be a replay, whatever the upstream sends.
    private Mono<Void> forwardUnprotected(ServerWebExchange exchange, GatewayFilterChain chain) {
        exchange.getResponse().beforeCommit(() -> {
            exchange.getResponse().getHeaders().remove(ReplayHeaderPolicy.REPLAYED_HEADER);
            return Mono.empty();
        });
        return chain.filter(exchange);
    }

    private Problem keyProblem(KeyProblem problem) {
        String detail = problem.describe(this.config.getHeaderName()) + ".";
        if (problem == KeyProblem.MISSING) {
            return Problem.of(ProblemType.IDEMPOTENCY_KEY_MISSING, detail + " This route requires one on "
                    + String.join(", ", this.config.getMethods()) + " requests.");
        }
        return Problem.of(ProblemType.IDEMPOTENCY_KEY_INVALID, detail);
    }

    private sealed interface BeginOutcome permits StoreAnswered, StoreDown {
    }

    private record StoreAnswered(BeginResult result) implements BeginOutcome {
    }

    private record StoreDown(StoreUnavailableException cause) implements BeginOutcome {
    }
}
