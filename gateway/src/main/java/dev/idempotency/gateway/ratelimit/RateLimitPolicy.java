package dev.idempotency.gateway.ratelimit;

import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import dev.idempotency.gateway.core.Digests;
import dev.idempotency.gateway.ratelimit.BucketDefinition.Policy;

/**
 * One route's RateLimit arguments, checked and frozen: which buckets a request draws from and
 * what the route advertises. Built once per route in {@code apply()}, so an invalid definition
 * fails at startup, never on a request.
 */
final class RateLimitPolicy {

    private static final Pattern BUCKET_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final String routeId;

    private final String scope;

    private final String sharedBucket;

    private final BucketDefinition client;

    private final BucketDefinition route;

    private final String policyHeader;

    private final boolean replaysConsumeTokens;

    private final boolean failOpen;

    private final boolean denyAnonymous;

    private final boolean ietfHeaders;

    private final boolean legacyHeaders;

    private RateLimitPolicy(RateLimitGatewayFilterFactory.Config config, BucketDefinition client,
            BucketDefinition route) {
        this.routeId = config.getRouteId();
        this.sharedBucket = config.getBucket();
        this.scope = this.sharedBucket != null ? "bucket:" + this.sharedBucket : "route:" + this.routeId;
        this.client = client;
        this.route = route;
        List<Policy> all = new ArrayList<>();
        if (client != null) {
            all.addAll(client.policies());
        }
        if (route != null) {
            all.addAll(route.policies());
        }
        this.policyHeader = all.stream().map(Policy::headerItem).collect(Collectors.joining(", "));
        this.replaysConsumeTokens = config.isReplaysConsumeTokens();
        this.failOpen = config.isFailOpen();
        this.denyAnonymous = config.isDenyAnonymous();
        this.ietfHeaders = config.isIetfHeaders();
        this.legacyHeaders = config.isLegacyHeaders();
    }

    /** Checks the arguments; fails with every problem, each naming the route and the argument. */
    static RateLimitPolicy of(RateLimitGatewayFilterFactory.Config config) {
        ArgumentCheck check = new ArgumentCheck(config.getRouteId());
        List<Limit> clientLimits = config.getClientLimits();
        List<Limit> routeLimits = config.getRouteLimits();
        check.that(!clientLimits.isEmpty() || !routeLimits.isEmpty(), "clientLimits",
                "or routeLimits must declare at least one limit", "no limits");
        BucketDefinition client = clientLimits.isEmpty() ? null
                : BucketDefinition.of(clientLimits, "clientLimits", "client", check);
        BucketDefinition route = routeLimits.isEmpty() ? null
                : BucketDefinition.of(routeLimits, "routeLimits", "route", check);
        Set<String> names = new HashSet<>();
        uniqueNames(client, "clientLimits", names, check);
        uniqueNames(route, "routeLimits", names, check);
        String bucket = config.getBucket();
        check.that(bucket == null || BUCKET_NAME.matcher(bucket).matches(), "bucket",
                "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", bucket);
        check.throwIfAny();
        return new RateLimitPolicy(config, client, route);
    }

    // The names identify policies in the RateLimit fields, so a client must be able to tell them apart.
    private static void uniqueNames(BucketDefinition definition, String field, Set<String> names, ArgumentCheck check) {
        if (definition == null) {
            return;
        }
        List<Policy> policies = definition.policies();
        for (int i = 0; i < policies.size(); i++) {
            String name = policies.get(i).name();
            check.that(names.add(name), field + "[" + i + "].name", "must be unique among the route's limits", name);
        }
    }

    /**
     * The buckets a request draws from. Keys are readable ({@code route:orders:client:<digest>:<limits>})
     * but never show a client id; the trailing fingerprint moves a changed limit to a new bucket.
     *
     * @param clientId the resolved client, or empty for an anonymous request
     */
    BucketKeys keysFor(Optional<String> clientId) {
        String clientKey = null;
        if (this.client != null) {
            String subject = clientId.map(id -> "client:" + digest(id)).orElse("anonymous");
            clientKey = this.scope + ":" + subject + ":" + this.client.fingerprint();
        }
        String routeKey = this.route == null ? null : this.scope + ":all:" + this.route.fingerprint();
        return new BucketKeys(clientKey, routeKey);
    }

    static String digest(String clientId) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(Digests.sha256(clientId)).substring(0, 22);
    }

    /** Routes sharing a bucket must agree on its numbers, or they would fight over its configuration. */
    boolean sameLimitsAs(RateLimitPolicy other) {
        return same(this.client, other.client) && same(this.route, other.route);
    }

    private static boolean same(BucketDefinition one, BucketDefinition other) {
        return one == null ? other == null : one.sameLimitsAs(other);
    }

    String routeId() {
        return this.routeId;
    }

    /** The name shared with other routes, or {@code null} when the buckets belong to this route alone. */
    String sharedBucket() {
        return this.sharedBucket;
    }

    boolean limitsClients() {
        return this.client != null;
    }

    BucketDefinition client() {
        return this.client;
    }

    BucketDefinition route() {
        return this.route;
    }

    /** The {@code RateLimit-Policy} field value: every limit of the route, per-client ones first. */
    String policyHeader() {
        return this.policyHeader;
    }

    boolean replaysConsumeTokens() {
        return this.replaysConsumeTokens;
    }

    boolean failOpen() {
        return this.failOpen;
    }

    boolean denyAnonymous() {
        return this.denyAnonymous;
    }

    boolean ietfHeaders() {
        return this.ietfHeaders;
    }

    boolean legacyHeaders() {
        return this.legacyHeaders;
    }

    /** The keys of the buckets one request draws from; either may be {@code null}, never both. */
    record BucketKeys(String client, String route) {
    }
}
