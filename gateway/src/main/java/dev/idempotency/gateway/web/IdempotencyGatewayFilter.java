package dev.idempotency.gateway.web;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiFunction;

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
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.IdempotencyKey.KeyProblem;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.ReplayHeaderPolicy;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.identity.ClientIdentityResolver;
import dev.idempotency.gateway.web.RequestKeys.KeyReading;
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

    /** A waiting duplicate looks at its key at least this often, in case a wake-up was missed. */
    private static final Duration WAIT_FALLBACK = Duration.ofSeconds(1);

    private final IdempotencyGatewayFilterFactory.Config config;

    private final IdempotencyStore store;

    private final InFlightKeys inFlightKeys;

    private final ClientIdentityResolver clientIdentityResolver;

    private final ReplayHeaderPolicy headerPolicy;

    private final RequestKeys keys;

    private final UpstreamExecution execution;

    private final RequestFingerprints fingerprints;

    private final String fingerprintDescription;

    private final IdempotencyListeners listeners;

    private final Clock clock;

    private final PendingStores pendingStores;

    IdempotencyGatewayFilter(IdempotencyGatewayFilterFactory.Config config, IdempotencyStore store,
            InFlightKeys inFlightKeys, ClientIdentityResolver clientIdentityResolver, IdempotencyListeners listeners,
            Clock clock, PendingStores pendingStores) {
        this.pendingStores = pendingStores;
        this.config = config;
        this.store = store;
        this.inFlightKeys = inFlightKeys;
        this.clientIdentityResolver = clientIdentityResolver;
        this.headerPolicy = ReplayHeaderPolicy.excluding(config.getExcludedHeaders());
        this.keys = new RequestKeys(config.keyParts());
        this.fingerprints = new RequestFingerprints(config.getFingerprintParts(), config.getFingerprintHeaders(),
                config.getBodyComparison(), config.getFingerprintJsonPointers(), config.getFingerprintIgnoreJsonPointers());
        this.fingerprintDescription = describe(config);
        this.execution = new UpstreamExecution(config, this.headerPolicy);
        this.listeners = listeners;
        this.clock = clock;
    }

    private static String describe(IdempotencyGatewayFilterFactory.Config config) {
        List<String> parts = new ArrayList<>();
        config.getFingerprintParts().forEach(part -> parts.add(part != FingerprintPart.BODY ? part.name()
            .toLowerCase(Locale.ROOT).replace('_', ' ') : describeBody(config)));
        config.getFingerprintHeaders().forEach(header -> parts.add(header + " header"));
        return String.join(", ", parts);
    }

    private static String describeBody(IdempotencyGatewayFilterFactory.Config config) {
        if (!config.getFingerprintJsonPointers().isEmpty()) {
            return "body fields " + String.join(", ", config.getFingerprintJsonPointers());
        }
        if (!config.getFingerprintIgnoreJsonPointers().isEmpty()) {
            return "body (but " + String.join(", ", config.getFingerprintIgnoreJsonPointers()) + ")";
        }
        return "body";
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        ServerHttpRequest request = exchange.getRequest();
        if (!this.config.appliesTo(request.getMethod().name())) {
            return passThrough(exchange, chain, IdempotencyOutcome.PASSED_THROUGH);
        }
        if (!this.keys.needsBody()) {
            return withKey(exchange, chain, this.keys.read(exchange, null), null);
        }
        return readBody(exchange, chain,
                (withBody, body) -> withKey(withBody, chain, this.keys.read(withBody, body), body));
    }

    private Mono<Void> withKey(ServerWebExchange exchange, GatewayFilterChain chain, KeyReading reading,
            byte[] body) {
        KeyParseResult parsed = reading.parsed();
        if (!parsed.isValid()) {
            if (parsed.problem() == KeyProblem.MISSING && !this.config.isRequired()) {
                return passThrough(exchange, chain, IdempotencyOutcome.PASSED_THROUGH);
            }
            return decline(exchange, chain, parsed.problem() == KeyProblem.MISSING ? IdempotencyOutcome.KEY_MISSING
                    : IdempotencyOutcome.KEY_INVALID, keyProblem(parsed.problem(), reading.source()));
        }
        return this.clientIdentityResolver.resolveCached(exchange)
            .flatMap(clientId -> clientId
                .map(id -> {
                    ScopedKey key = new ScopedKey(this.config.getRouteId(), id, parsed.key());
                    return body != null ? protect(exchange, chain, key, body)
                            : readBody(exchange, chain, (withBody, read) -> protect(withBody, chain, key, read));
                })
                .orElseGet(() -> decline(exchange, chain, IdempotencyOutcome.CLIENT_IDENTITY_MISSING, Problem.of(
                        ProblemType.CLIENT_IDENTITY_MISSING,
                        "This route scopes idempotency keys by client; the request carries no client identity."))));
    }

    /** Reads the body (bounded) and continues with an exchange whose request replays the bytes read. */
    private Mono<Void> readBody(ServerWebExchange exchange, GatewayFilterChain chain,
            BiFunction<ServerWebExchange, byte[], Mono<Void>> next) {
        ServerHttpRequest request = exchange.getRequest();
        return RequestBodies.read(request, this.config.getMaxRequestBodySize().toBytes())
            .flatMap(body -> next.apply(exchange.mutate().request(RequestBodies.withBody(request, body)).build(), body))
            .onErrorResume(RequestBodyTooLargeException.class, ex -> {
                Problem problem = Problem.of(ProblemType.REQUEST_BODY_TOO_LARGE, "The request body exceeds this route's limit of "
                        + ex.maxBytes() + " bytes.").withExtension("maxBytes", ex.maxBytes());
                // A body cut off while reading cannot be forwarded: observe mode rejects it too.
                return ex.bodyConsumed() ? reject(exchange, IdempotencyOutcome.BODY_TOO_LARGE, problem)
                        : decline(exchange, chain, IdempotencyOutcome.BODY_TOO_LARGE, problem);
            });
    }

    private Mono<Void> protect(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key, byte[] body) {
        RequestFingerprint fingerprint = this.fingerprints.of(exchange.getRequest(), body);
        long waitDeadline = System.nanoTime() + this.config.getWaitTimeout().toNanos();
        return attempt(exchange, chain, key, fingerprint, waitDeadline);
    }

    private Mono<Void> attempt(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key,
            RequestFingerprint fingerprint, long waitDeadline) {
        IdempotencyRecord claim = IdempotencyRecord.inFlight(ThreadLocalRandom.current().nextLong(), fingerprint,
                this.clock.instant());
        return begin(exchange, key, claim).flatMap(result -> {
            if (result instanceof StoreDown down) {
                return storeUnavailable(exchange, chain, down.cause());
            }
            Decision decision = Decision.decide(((StoreAnswered) result).result(), fingerprint);
            if (decision instanceof Decision.InFlight && shouldWait(waitDeadline)) {
                // Woken when the first request settles; the bounded wait is the fallback.
                Duration remaining = Duration.ofNanos(waitDeadline - System.nanoTime());
                return this.store.awaitSettlement(key, remaining.compareTo(WAIT_FALLBACK) < 0 ? remaining : WAIT_FALLBACK)
                    .then(Mono.defer(() -> attempt(exchange, chain, key, fingerprint, waitDeadline)));
            }
            return act(exchange, chain, key, claim, decision);
        });
    }

    private boolean shouldWait(long waitDeadline) {
        return this.config.getConcurrent() == ConcurrentRequests.WAIT && this.config.getMode() == RolloutMode.ENFORCE
                && waitDeadline - System.nanoTime() > 0;
    }

    private Mono<BeginOutcome> begin(ServerWebExchange exchange, ScopedKey key, IdempotencyRecord claim) {
        return RequestEventLoop.of(exchange).resume(this.store.begin(key, claim, this.config.getLockTimeout())
            .<BeginOutcome>map(StoreAnswered::new)
            .onErrorResume(StoreUnavailableException.class, ex -> Mono.just(new StoreDown(ex))));
    }

    private Mono<Void> act(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key,
            IdempotencyRecord claim, Decision decision) {
        if (decision instanceof Decision.Execute) {
            return this.config.getMaxInFlightPerClient() > 0 ? claimedWithinLimit(exchange, chain, key, claim)
                    : admitted(exchange, chain, lease(key, claim, null));
        }
        if (decision instanceof Decision.Replay replay) {
            if (this.config.getMode() == RolloutMode.OBSERVE) {
                return observed(exchange, chain, IdempotencyOutcome.REPLAYED, replay.response().status());
            }
            this.listeners.outcome(this.config.getRouteId(), IdempotencyOutcome.REPLAYED, exchange);
            return ReplayedResponses.write(exchange, replay.response());
        }
        if (decision instanceof Decision.InFlight) {
            return decline(exchange, chain, IdempotencyOutcome.IN_FLIGHT_CONFLICT, Problem.of(ProblemType.REQUEST_IN_PROGRESS,
                    "A request with this idempotency key is still being processed. Retry after it completes to get its result.")
                .withRetryAfter(RETRY_AFTER));
        }
        return decline(exchange, chain, IdempotencyOutcome.FINGERPRINT_MISMATCH, Problem.of(ProblemType.FINGERPRINT_MISMATCH,
                "This idempotency key was already used for a different request (its " + this.fingerprintDescription
                        + " differ). Use a new key for a new request."));
    }

    private KeyLease lease(ScopedKey key, IdempotencyRecord claim, InFlightSlot slot) {
        return new KeyLease(this.store, key, claim, this.config.getLockTimeout(), this.config.getTtl(), this.listeners,
                slot, this.pendingStores);
    }

    /**
     * The key is claimed; the client's count of keys in flight is checked only now, so replays,
     * conflicts and mismatches cost no extra store call. Over the limit the key is released again
     * before the answer: nothing was executed, so nothing may be stored.
     */
    private Mono<Void> claimedWithinLimit(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key,
            IdempotencyRecord claim) {
        int max = this.config.getMaxInFlightPerClient();
        InFlightSlot slot = new InFlightSlot(this.inFlightKeys, key, claim.fencingToken(), max,
                this.config.getLockTimeout());
        return slot.take()
            .<SlotOutcome>map(SlotTaken::new)
            .onErrorResume(StoreUnavailableException.class, ex -> Mono.just(new SlotStoreDown(ex)))
            .flatMap(outcome -> {
                if (outcome instanceof SlotStoreDown down) {
                    return lease(key, claim, null).releaseUnused().then(storeUnavailable(exchange, chain, down.cause()));
                }
                if (((SlotTaken) outcome).taken()) {
                    return admitted(exchange, chain, lease(key, claim, slot));
                }
                if (this.config.getMode() == RolloutMode.OBSERVE) {
                    this.listeners.observed(this.config.getRouteId(), IdempotencyOutcome.IN_FLIGHT_LIMITED, exchange);
                    logger.info("Observe mode: route " + this.config.getRouteId() + " would have answered 429 ("
                            + IdempotencyOutcome.IN_FLIGHT_LIMITED + "); forwarded unchanged");
                    return admitted(exchange, chain, lease(key, claim, null));
                }
                return lease(key, claim, null).releaseUnused().then(reject(exchange, IdempotencyOutcome.IN_FLIGHT_LIMITED,
                        Problem.of(ProblemType.TOO_MANY_KEYS_IN_FLIGHT, "This client already has " + max
                                + " requests in flight on this route, the most it may have at once. Retry this request"
                                + " (with the same key) after one of them completes.")
                            .withExtension("maxInFlight", max)
                            .withRetryAfter(RETRY_AFTER)));
            });
    }

    /** Runs an earlier filter's admission (the rate limiter), then executes; a refusal frees the key. */
    private Mono<Void> admitted(ServerWebExchange exchange, GatewayFilterChain chain, KeyLease lease) {
        ExecutionAdmission admission = exchange.getAttribute(ExecutionAdmission.ATTRIBUTE);
        if (admission == null) {
            return execute(exchange, chain, lease);
        }
        // The rate limiter's refusal is enforced in every mode: it protects the upstream.
        return admission.admit(exchange).flatMap(refusal -> refusal.isPresent()
                ? lease.releaseUnused().then(reject(exchange, IdempotencyOutcome.ADMISSION_REFUSED, refusal.get()))
                : execute(exchange, chain, lease));
    }

    /** Answers with a problem when enforcing; in observe mode records it and forwards the request. */
    private Mono<Void> decline(ServerWebExchange exchange, GatewayFilterChain chain, IdempotencyOutcome outcome,
            Problem problem) {
        if (this.config.getMode() == RolloutMode.OBSERVE) {
            return observed(exchange, chain, outcome, problem.status().value());
        }
        return reject(exchange, outcome, problem);
    }

    private Mono<Void> reject(ServerWebExchange exchange, IdempotencyOutcome outcome, Problem problem) {
        this.listeners.outcome(this.config.getRouteId(), outcome, exchange);
        return ProblemResponseWriter.write(exchange, problem);
    }

    private Mono<Void> observed(ServerWebExchange exchange, GatewayFilterChain chain, IdempotencyOutcome wouldBe,
            int wouldBeStatus) {
        this.listeners.observed(this.config.getRouteId(), wouldBe, exchange);
        logger.info("Observe mode: route " + this.config.getRouteId() + " would have answered " + wouldBeStatus + " ("
                + wouldBe + "); forwarded unchanged");
        return forwardFresh(exchange, chain);
    }

    private Mono<Void> execute(ServerWebExchange exchange, GatewayFilterChain chain, KeyLease lease) {
        this.listeners.outcome(this.config.getRouteId(), IdempotencyOutcome.EXECUTED, exchange);
        return this.execution.run(exchange, chain, lease);
    }

    private Mono<Void> storeUnavailable(ServerWebExchange exchange, GatewayFilterChain chain, Throwable cause) {
        if (this.config.getMode() == RolloutMode.OBSERVE) {
            return observed(exchange, chain, IdempotencyOutcome.STORE_UNAVAILABLE, 503);
        }
        if (this.config.isFailOpen()) {
            logger.warn("Idempotency store unavailable; route " + this.config.getRouteId() + " fails open and forwards unprotected: " + cause.getMessage());
            return passThrough(exchange, chain, IdempotencyOutcome.FAILED_OPEN);
        }
        logger.warn("Idempotency store unavailable; rejecting request on route " + this.config.getRouteId() + ": " + cause.getMessage());
        return reject(exchange, IdempotencyOutcome.STORE_UNAVAILABLE, Problem.of(ProblemType.STORE_UNAVAILABLE,
                "The idempotency store is unreachable, so the request was not forwarded. Retry later with the same key.")
            .withRetryAfter(RETRY_AFTER));
    }

    private Mono<Void> passThrough(ServerWebExchange exchange, GatewayFilterChain chain, IdempotencyOutcome outcome) {
        this.listeners.outcome(this.config.getRouteId(), outcome, exchange);
        return forwardFresh(exchange, chain);
    }

    /**
     * Forwards a request this filter does not protect. An earlier filter's admission still applies:
     * the request reaches the upstream, so it counts.
     */
    private static Mono<Void> forwardFresh(ServerWebExchange exchange, GatewayFilterChain chain) {
        // A fresh response must never claim to be a replay, whatever the upstream sends.
        exchange.getResponse().beforeCommit(() -> {
            exchange.getResponse().getHeaders().remove(ReplayHeaderPolicy.REPLAYED_HEADER);
            return Mono.empty();
        });
        ExecutionAdmission admission = exchange.getAttribute(ExecutionAdmission.ATTRIBUTE);
        if (admission == null) {
            return chain.filter(exchange);
        }
        return admission.admit(exchange).flatMap(refusal -> refusal.isPresent()
                ? ProblemResponseWriter.write(exchange, refusal.get()) : chain.filter(exchange));
    }

    private Problem keyProblem(KeyProblem problem, String source) {
        String detail = problem.describe(source) + ".";
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

    private sealed interface SlotOutcome permits SlotTaken, SlotStoreDown {
    }

    private record SlotTaken(boolean taken) implements SlotOutcome {
    }

    private record SlotStoreDown(StoreUnavailableException cause) implements SlotOutcome {
    }
}
