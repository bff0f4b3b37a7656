package dev.idempotency.gateway.ratelimit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BandwidthBuilder.BandwidthBuilderBuildStage;
import io.github.bucket4j.BucketConfiguration;

import dev.idempotency.gateway.core.Digests;

/**
 * The checked, frozen form of one list of {@link Limit}s: the Bucket4j configuration of every
 * bucket built from it, the policies it advertises, and a fingerprint of its numbers.
 *
 * <p>The fingerprint is part of every bucket key: Bucket4j keeps a bucket's configuration next to
 * its state and ignores the one a caller supplies once the bucket exists, so a changed limit must
 * land in a new bucket (the old one expires) rather than be silently ignored.
 */
final class BucketDefinition {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    private final BucketConfiguration configuration;

    private final List<Policy> policies;

    private final Duration fullRefill;

    private final String fingerprint;

    private BucketDefinition(BucketConfiguration configuration, List<Policy> policies, Duration fullRefill,
            String fingerprint) {
        this.configuration = configuration;
        this.policies = policies;
        this.fullRefill = fullRefill;
        this.fingerprint = fingerprint;
    }

    /**
     * @param field the argument the limits came from ({@code clientLimits}), for error messages
     * @param defaultName the policy name of an unnamed limit ({@code client}); later ones get "-2", "-3"...
     */
    /** @return the definition, or null when a limit is invalid (its problems are in {@code check}) */
    static BucketDefinition of(List<Limit> limits, String field, String defaultName, ArgumentCheck check) {
        List<Bandwidth> bandwidths = new ArrayList<>();
        List<Policy> policies = new ArrayList<>();
        StringBuilder numbers = new StringBuilder();
        Duration fullRefill = Duration.ZERO;
        for (int i = 0; i < limits.size(); i++) {
            String argument = field + "[" + i + "]";
            Limit limit = limits.get(i);
            if (!check.that(limit != null, argument, "must declare capacity and refillPeriod", null)) {
                continue;
            }
            String name = limit.getName() != null ? limit.getName() : (i == 0 ? defaultName : defaultName + "-" + (i + 1));
            // Every check of a limit runs (non-short-circuit &); the bucket is built only from a valid one.
            boolean valid = check.that(NAME.matcher(name).matches(), argument + ".name",
                    "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", name);
            boolean capacityValid = check.that(limit.getCapacity() >= 1, argument + ".capacity", "must be at least 1",
                    limit.getCapacity());
            valid &= capacityValid;
            long refillTokens = limit.effectiveRefillTokens();
            // Unset, refillTokens is the capacity: a bad capacity is reported once.
            valid &= (limit.getRefillTokens() == null && !capacityValid)
                    || check.that(refillTokens >= 1, argument + ".refillTokens", "must be at least 1", refillTokens);
            Duration period = limit.getRefillPeriod();
            valid &= period == null ? check.that(false, argument + ".refillPeriod", "is required, such as 1m", null)
                    : check.that(!period.isNegative() && !period.isZero(), argument + ".refillPeriod",
                            "must be a positive duration such as 1m", period);
            RefillStyle style = RefillStyle.parse(limit.getRefillStyle()).orElse(null);
            valid &= check.that(style != null, argument + ".refillStyle", "must be one of " + RefillStyle.allowed(),
                    limit.getRefillStyle());
            // An interval refill adds its tokens at once and the bucket caps them: more than the capacity is a typo.
            valid &= check.that(style != RefillStyle.INTERVALLY || refillTokens <= limit.getCapacity(),
                    argument + ".refillTokens", "must not exceed capacity (" + limit.getCapacity()
                            + ") with intervally refill", refillTokens);
            if (!valid) {
                continue;
            }
            Bandwidth bandwidth = bandwidth(limit.getCapacity(), refillTokens, period, style, argument, check);
            Duration window = window(limit.getCapacity(), refillTokens, period, style, argument, check);
            if (bandwidth == null || window == null) {
                continue;
            }
            bandwidths.add(bandwidth);
            policies.add(new Policy(name, limit.getCapacity(), Math.max(1, ceilSeconds(window))));
            fullRefill = window.compareTo(fullRefill) > 0 ? window : fullRefill;
            numbers.append(limit.getCapacity()).append('/').append(refillTokens).append('/')
                .append(period.toNanos()).append('/').append(style).append(';');
        }
        if (bandwidths.size() != limits.size()) {
            return null; // the check holds the problems
        }
        return new BucketDefinition(new BucketConfiguration(bandwidths), List.copyOf(policies), fullRefill,
                fingerprint(numbers.toString()));
    }

    private static Bandwidth bandwidth(long capacity, long refillTokens, Duration period, RefillStyle style,
            String argument, ArgumentCheck check) {
        try {
            BandwidthBuilderBuildStage refill = style == RefillStyle.GREEDY
                    ? Bandwidth.builder().capacity(capacity).refillGreedy(refillTokens, period)
                    : Bandwidth.builder().capacity(capacity).refillIntervally(refillTokens, period);
            return refill.build();
        }
        catch (IllegalArgumentException ex) {
            // Bucket4j's own limits, such as more than one token per nanosecond.
            check.failure(argument, "is rejected by Bucket4j: " + ex.getMessage(), refillTokens + " per " + period);
            return null;
        }
    }

    private static Duration window(long capacity, long refillTokens, Duration period, RefillStyle style,
            String argument, ArgumentCheck check) {
        try {
            return timeToFill(capacity, refillTokens, period, style);
        }
        catch (ArithmeticException ex) {
            check.failure(argument + ".refillPeriod", "is too long for this capacity", period);
            return null;
        }
    }

    /** How long an empty bandwidth takes to fill up again: the "window" it advertises. */
    private static Duration timeToFill(long capacity, long refillTokens, Duration period, RefillStyle style) {
        if (style == RefillStyle.INTERVALLY) {
            return period.multipliedBy((capacity + refillTokens - 1) / refillTokens);
        }
        return period.multipliedBy(capacity).dividedBy(refillTokens);
    }

    static long ceilSeconds(Duration duration) {
        long nanos = duration.toNanos();
        return nanos / 1_000_000_000L + (nanos % 1_000_000_000L == 0 ? 0 : 1);
    }

    private static String fingerprint(String numbers) {
        return HexFormat.of().formatHex(Digests.sha256(numbers), 0, 6);
    }

    BucketConfiguration configuration() {
        return this.configuration;
    }

    List<Policy> policies() {
        return this.policies;
    }

    /** Time for an empty bucket to fill up: a bucket idle this long is full and may be forgotten. */
    Duration fullRefill() {
        return this.fullRefill;
    }

    String fingerprint() {
        return this.fingerprint;
    }

    /** Same numbers: two routes sharing a bucket must agree on them. */
    boolean sameLimitsAs(BucketDefinition other) {
        return other != null && this.fingerprint.equals(other.fingerprint);
    }

    /**
     * One advertised quota policy (draft-ietf-httpapi-ratelimit-headers-10, section 3.1): its name,
     * quota {@code q} and window {@code w} in seconds.
     */
    record Policy(String name, long quota, long windowSeconds) {

        String headerItem() {
            return "\"" + this.name + "\";q=" + this.quota + ";w=" + this.windowSeconds;
        }
    }
}
