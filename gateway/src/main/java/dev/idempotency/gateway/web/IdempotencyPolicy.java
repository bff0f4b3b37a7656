package dev.idempotency.gateway.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.idempotency.gateway.core.ReplayHeaderPolicy;

/**
 * One route's Idempotency arguments, checked and frozen, in the words of the domain: a claimed
 * key's {@link #lease()}, the statuses that release it, what makes two requests the same. Built
 * once per route in {@code apply()}, so an invalid rule fails when the route is built, never on a
 * request; everything past the factory reads this, never the mutable {@code Config}.
 *
 * <p>The rate limiter asks it ({@link #keys}) which requests the route's filter will key, rather
 * than guessing from the global defaults.
 */
public final class IdempotencyPolicy {

    private final String routeId;

    private final Set<String> methods;

    private final String methodsDescription;

    private final boolean required;

    private final RequestKeys keys;

    // The header and query parameter names the key (or a part of it) travels in: what a request
    // must carry to be keyed, seen without reading its body.
    private final String[] keyHeaders;

    private final String[] keyQueryParameters;

    private final RequestFingerprints fingerprints;

    private final String fingerprintDescription;

    private final Duration ttl;

    private final Duration lease;

    private final Duration renewalInterval;

    // Expanded once from codes, classes (5xx) and ranges: one lookup per response.
    private final Set<Integer> releaseStatuses;

    private final long maxRequestBodyBytes;

    private final long maxResponseBodyBytes;

    private final ReplayHeaderPolicy replayHeaders;

    private final boolean failOpen;

    private final AmbiguousOutcome ambiguousOutcome;

    private final RolloutMode mode;

    private final ConcurrentRequests concurrent;

    private final long waitTimeoutNanos;

    private final Duration executionTimeout;

    private final int maxInFlightPerClient;

    private IdempotencyPolicy(IdempotencyGatewayFilterFactory.Config config) {
        this.routeId = config.getRouteId();
        this.methods = Set.copyOf(config.getMethods());
        this.methodsDescription = String.join(", ", config.getMethods());
        this.required = config.isRequired();
        List<KeyPart> parts = config.keyParts();
        this.keys = new RequestKeys(parts);
        this.keyHeaders = namesOf(parts, KeySource.HEADER);
        this.keyQueryParameters = namesOf(parts, KeySource.QUERY);
        this.fingerprints = new RequestFingerprints(config.getFingerprintParts(), config.getFingerprintHeaders(),
                config.getBodyComparison(), config.getFingerprintJsonPointers(), config.getFingerprintIgnoreJsonPointers());
        this.fingerprintDescription = describeFingerprint(config);
        this.ttl = config.getTtl();
        this.lease = config.getLockTimeout();
        this.renewalInterval = this.lease.dividedBy(3);
        this.releaseStatuses = Set.copyOf(StatusRange.statusesOf(config.getReleaseStatuses()));
        this.maxRequestBodyBytes = config.getMaxRequestBodySize().toBytes();
        this.maxResponseBodyBytes = config.getMaxResponseBodySize().toBytes();
        this.replayHeaders = ReplayHeaderPolicy.excluding(config.getExcludedHeaders());
        this.failOpen = config.isFailOpen();
        this.ambiguousOutcome = config.getAmbiguousOutcome();
        this.mode = config.getMode();
        this.concurrent = config.getConcurrent();
        this.waitTimeoutNanos = config.getWaitTimeout().toNanos();
        this.executionTimeout = config.getExecutionTimeout();
        this.maxInFlightPerClient = config.getMaxInFlightPerClient();
    }

    /**
     * Checks the arguments and freezes them; fails with every problem, each naming the route, the
     * argument and what is allowed ({@link IdempotencyArgumentChecks}).
     */
    static IdempotencyPolicy of(IdempotencyGatewayFilterFactory.Config config) {
        IdempotencyArgumentChecks.check(config);
        return new IdempotencyPolicy(config);
    }

    /**
     * The policy of the route's Idempotency filter (its own or a default filter), or {@code null}
     * when the route has none. Walks the route's filters: ask once per route, not per request.
     */
    public static IdempotencyPolicy onRoute(Route route) {
        for (GatewayFilter filter : route.getFilters()) {
            GatewayFilter unwrapped = filter instanceof OrderedGatewayFilter ordered ? ordered.getDelegate() : filter;
            if (unwrapped instanceof IdempotencyGatewayFilter idempotency) {
                return idempotency.policy();
            }
        }
        return null;
    }

    private static String[] namesOf(List<KeyPart> parts, KeySource source) {
        return parts.stream().filter(part -> part.source() == source).map(KeyPart::name).toArray(String[]::new);
    }

    // "method, path, query, content type, body (but /sent_at), X-Account-Id header": what a 422 names.
    private static String describeFingerprint(IdempotencyGatewayFilterFactory.Config config) {
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

    /**
     * Whether the route's filter will key this request, and so admit it only when it executes: a
     * protected method carrying every header and query parameter its key is read from. Parts in
     * the body or the path are not looked at; the filter asks before forwarding whatever it finds.
     */
    public boolean keys(ServerHttpRequest request) {
        if (!protects(request.getMethod().name())) {
            return false;
        }
        for (String header : this.keyHeaders) {
            if (!request.getHeaders().containsHeader(header)) {
                return false;
            }
        }
        for (String parameter : this.keyQueryParameters) {
            if (!request.getQueryParams().containsKey(parameter)) {
                return false;
            }
        }
        return true;
    }

    // Netty passes the method as sent: "post" must not slip past a rule for POST.
    boolean protects(String method) {
        return this.methods.contains(method.toUpperCase(Locale.ROOT));
    }

    String routeId() {
        return this.routeId;
    }

    /** The protected methods, as a missing key's problem names them. */
    String describeMethods() {
        return this.methodsDescription;
    }

    /** Whether a request without a key is rejected (400) rather than forwarded unprotected. */
    boolean required() {
        return this.required;
    }

    /** Where the route's requests carry their key. */
    RequestKeys requestKeys() {
        return this.keys;
    }

    /** What makes two of the route's requests the same. */
    RequestFingerprints requestFingerprints() {
        return this.fingerprints;
    }

    /** The parts that make two requests the same, as a mismatch's problem names them. */
    String fingerprintDescription() {
        return this.fingerprintDescription;
    }

    /** How long a completed result is kept and replayed. */
    Duration ttl() {
        return this.ttl;
    }

    /** How long a claimed key stays in flight unless renewed: a crashed gateway blocks it this long. */
    Duration lease() {
        return this.lease;
    }

    /** A third of the lease: a lease is renewed this often while its request runs. */
    Duration renewalInterval() {
        return this.renewalInterval;
    }

    Set<Integer> releaseStatuses() {
        return this.releaseStatuses;
    }

    long maxRequestBodyBytes() {
        return this.maxRequestBodyBytes;
    }

    long maxResponseBodyBytes() {
        return this.maxResponseBodyBytes;
    }

    /** The response headers never stored or replayed on this route. */
    ReplayHeaderPolicy replayHeaders() {
        return this.replayHeaders;
    }

    boolean failOpen() {
        return this.failOpen;
    }

    AmbiguousOutcome ambiguousOutcome() {
        return this.ambiguousOutcome;
    }

    boolean observes() {
        return this.mode == RolloutMode.OBSERVE;
    }

    /** Whether a duplicate is held until the first request settles: concurrent: wait, when enforcing. */
    boolean waitsForDuplicates() {
        return this.concurrent == ConcurrentRequests.WAIT && this.mode == RolloutMode.ENFORCE;
    }

    /** With concurrent: wait, how long a duplicate is held before it gets 409. */
    long waitTimeoutNanos() {
        return this.waitTimeoutNanos;
    }

    Duration executionTimeout() {
        return this.executionTimeout;
    }

    /** The most keys one client may hold in flight on the route; 0 sets no limit. */
    int maxInFlightPerClient() {
        return this.maxInFlightPerClient;
    }
}
