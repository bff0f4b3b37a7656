package dev.idempotency.gateway.web;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

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
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoreUnavailableException;
import dev.idempotency.gateway.events.IdempotencyListeners;
import dev.idempotency.gateway.events.IdempotencyOutcome;
import dev.idempotency.gateway.identity.ClientIdentityResolver;
import dev.idempotency.gateway.web.RequestBodies.RequestBodyTooLargeException;
import dev.idempotency.gateway.web.RequestKeys.KeyReading;

/**
 * Executes each keyed request once per (route, client, key) and replays its result to retries.
 * One request moves forward through: key, client, body, fingerprint, begin, act. Every step that
 * ends the request hands its outcome to {@link OutcomeAnswers}, the one place that decides what
 * the client gets.
 *
 * <p>Ordered before {@link NettyWriteResponseFilter}: that filter writes to the response of the
 * exchange it was handed, so it must be handed the exchange carrying {@link CapturingResponse}.
 */
final class IdempotencyGatewayFilter implements GatewayFilter, Ordered {

    /** Runs after a rate limiter (which must answer before any key is claimed) and before the response writer. */
    static final int ORDER = NettyWriteResponseFilter.WRITE_RESPONSE_FILTER_ORDER - 4;

    /** A waiting duplicate looks at its key at least this often, in case a wake-up was missed. */
    private static final Duration WAIT_FALLBACK = Duration.ofSeconds(1);

    private final IdempotencyPolicy policy;

    private final IdempotencyStore store;

    private final InFlightKeys inFlightKeys;

    private final ClientIdentityResolver clientIdentityResolver;

    private final IdempotencyListeners listeners;

    private final OutcomeAnswers answers;

    private final Clock clock;

    private final PendingStores pendingStores;

    IdempotencyGatewayFilter(IdempotencyPolicy policy, IdempotencyStore store, InFlightKeys inFlightKeys,
            ClientIdentityResolver clientIdentityResolver, IdempotencyListeners listeners, Clock clock,
            PendingStores pendingStores) {
        this.policy = policy;
        this.pendingStores = pendingStores;
        this.store = store;
        this.inFlightKeys = inFlightKeys;
        this.clientIdentityResolver = clientIdentityResolver;
        this.listeners = listeners;
        this.answers = new OutcomeAnswers(policy, listeners);
        this.clock = clock;
    }

    /** The route's frozen arguments: what the rate limiter asks ({@link IdempotencyPolicy#keys}). */
    IdempotencyPolicy policy() {
        return this.policy;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, GatewayFilterChain chain) {
        if (!this.policy.protects(exchange.getRequest().getMethod().name())) {
            return this.answers.passThrough(exchange, chain, IdempotencyOutcome.PASSED_THROUGH);
        }
        // A key in the body can only be read with it: then the body step comes first.
        return this.policy.requestKeys().needsBody() ? body(exchange, chain, null) : key(exchange, chain, null);
    }

    /** Step 1: the key, where the route's requests carry it. */
    private Mono<Void> key(ServerWebExchange exchange, GatewayFilterChain chain, byte[] body) {
        KeyReading reading = this.policy.requestKeys().read(exchange, body);
        if (!reading.parsed().isValid()) {
            return this.answers.keyUnusable(exchange, chain, reading);
        }
        IdempotencyKey key = reading.parsed().key();
        exchange.getAttributes().put(IdempotencyGatewayFilterFactory.KEY_ATTRIBUTE, key);
        return client(exchange, chain, key, body);
    }

    /** Step 2: the client, which scopes the key. */
    private Mono<Void> client(ServerWebExchange exchange, GatewayFilterChain chain, IdempotencyKey key, byte[] body) {
        return this.clientIdentityResolver.resolveCached(exchange).flatMap(clientId -> {
            if (clientId.isEmpty()) {
                return this.answers.clientMissing(exchange, chain);
            }
            ScopedKey scoped = new ScopedKey(this.policy.routeId(), clientId.get(), key);
            return body != null ? fingerprint(exchange, chain, scoped, body) : body(exchange, chain, scoped);
        });
    }

    /**
     * Step 3: the body, read up to the route's limit; the request goes on with an exchange that
     * replays the bytes read. Without a key yet ({@code key} null), the key is read from it next.
     */
    private Mono<Void> body(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key) {
        ServerHttpRequest request = exchange.getRequest();
        return RequestBodies.read(request, this.policy.maxRequestBodyBytes())
            .flatMap(body -> {
                ServerWebExchange withBody = exchange.mutate().request(RequestBodies.withBody(request, body)).build();
                return key == null ? key(withBody, chain, body) : fingerprint(withBody, chain, key, body);
            })
            .onErrorResume(RequestBodyTooLargeException.class, ex -> this.answers.bodyTooLarge(exchange, chain, ex));
    }

    /** Step 4: the fingerprint, what makes a retry "the same request". */
    private Mono<Void> fingerprint(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key, byte[] body) {
        RequestFingerprint fingerprint = this.policy.requestFingerprints().of(exchange.getRequest(), body);
        long waitDeadline = System.nanoTime() + this.policy.waitTimeoutNanos();
        return begin(exchange, chain, key, fingerprint, waitDeadline);
    }

    /** Step 5: claim the key, or learn who holds it; with concurrent: wait, hold a duplicate until it settles. */
    private Mono<Void> begin(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key,
            RequestFingerprint fingerprint, long waitDeadline) {
        IdempotencyRecord claim = IdempotencyRecord.inFlight(ThreadLocalRandom.current().nextLong(), fingerprint,
                this.clock.instant());
        IdempotencyStore claiming = claimingStore();
        Mono<BeginOutcome> begun = claiming.begin(key, claim, this.policy.lease())
            .<BeginOutcome>map(StoreAnswered::new)
            .onErrorResume(StoreUnavailableException.class, ex -> Mono.just(new StoreDown(ex)));
        return RequestEventLoop.of(exchange).resume(begun).flatMap(result -> {
            if (result instanceof StoreDown down) {
                return this.answers.storeUnavailable(exchange, chain, down.cause());
            }
            Decision decision = Decision.decide(((StoreAnswered) result).result(), fingerprint);
            if (decision instanceof Decision.InFlight && shouldWait(waitDeadline)) {
                // Woken when the first request settles; the bounded wait is the fallback.
                Duration remaining = Duration.ofNanos(waitDeadline - System.nanoTime());
                return this.store.awaitSettlement(key, remaining.compareTo(WAIT_FALLBACK) < 0 ? remaining : WAIT_FALLBACK)
                    .then(Mono.defer(() -> begin(exchange, chain, key, fingerprint, waitDeadline)));
            }
            return act(exchange, chain, claiming, key, claim, decision);
        });
    }

    /**
     * The store that claims this route's keys: on a route that caps keys in flight, one that
     * counts them in the same call where the store can ({@link IdempotencyStore#countingInFlight});
     * asked per request, since a store may find out it cannot. Observe mode forwards a request over
     * the cap under a claimed key, so it counts after claiming, as stores that cannot count do.
     */
    private IdempotencyStore claimingStore() {
        int max = this.policy.maxInFlightPerClient();
        return (max == 0 || this.policy.observes()) ? this.store : this.store.countingInFlight(max).orElse(this.store);
    }

    private boolean shouldWait(long waitDeadline) {
        return this.policy.waitsForDuplicates() && waitDeadline - System.nanoTime() > 0;
    }

    /** Step 6: execute under the claimed key, or answer from what another request left. */
    private Mono<Void> act(ServerWebExchange exchange, GatewayFilterChain chain, IdempotencyStore claiming,
            ScopedKey key, IdempotencyRecord claim, Decision decision) {
        if (decision instanceof Decision.InFlightLimited) {
            return this.answers.overInFlightLimit(exchange, chain, null);
        }
        if (!(decision instanceof Decision.Execute)) {
            return this.answers.decided(exchange, chain, decision);
        }
        if (this.policy.maxInFlightPerClient() == 0 || claiming != this.store) {
            // Uncapped, or the claim took the client's place in flight: the lease frees it with the key.
            return this.answers.execute(exchange, chain, lease(claiming, key, claim, null));
        }
        return withinInFlightLimit(exchange, chain, key, claim);
    }

    /**
     * The key is claimed; the client's count of keys in flight is checked only now, so replays,
     * conflicts and mismatches cost no extra store call. For stores that cannot count in the claim.
     */
    private Mono<Void> withinInFlightLimit(ServerWebExchange exchange, GatewayFilterChain chain, ScopedKey key,
            IdempotencyRecord claim) {
        InFlightSlot slot = new InFlightSlot(this.inFlightKeys, key, claim.fencingToken(), this.policy);
        Mono<SlotOutcome> taken = slot.take()
            .<SlotOutcome>map(SlotTaken::new)
            .onErrorResume(StoreUnavailableException.class, ex -> Mono.just(new SlotStoreDown(ex)));
        // As after begin: left on the store's thread, the whole forwarded exchange would run there.
        return RequestEventLoop.of(exchange).resume(taken)
            .flatMap(outcome -> {
                if (outcome instanceof SlotStoreDown down) {
                    return lease(this.store, key, claim, null).releaseUnused()
                        .then(this.answers.storeUnavailable(exchange, chain, down.cause()));
                }
                if (((SlotTaken) outcome).taken()) {
                    return this.answers.execute(exchange, chain, lease(this.store, key, claim, slot));
                }
                return this.answers.overInFlightLimit(exchange, chain, lease(this.store, key, claim, null));
            });
    }

    private KeyLease lease(IdempotencyStore store, ScopedKey key, IdempotencyRecord claim, InFlightSlot slot) {
        return new KeyLease(store, key, claim, this.policy, this.listeners, slot, this.pendingStores);
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
