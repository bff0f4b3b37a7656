package dev.idempotency.gateway.ratelimit;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.local.LocalBucket;
import io.github.bucket4j.local.LocalBucketBuilder;
import reactor.core.publisher.Mono;

/**
 * Buckets in this JVM, for {@code idempotency.store: memory}: one replica only. Lock-free Bucket4j
 * buckets in a bounded Caffeine cache; a bucket untouched for as long as it takes to fill up is
 * full anyway, so forgetting it then changes nothing. Past {@code maxBuckets} the least used are
 * dropped, which hands their clients a full bucket: the bound protects the heap from a flood of
 * client ids.
 */
final class LocalTokenBuckets implements TokenBuckets {

    private final Cache<String, Entry> buckets;

    LocalTokenBuckets(long maxBuckets) {
        this.buckets = Caffeine.newBuilder()
            .maximumSize(maxBuckets)
            .expireAfter(Expiry.accessing((String key, Entry entry) -> entry.idleTimeout()))
            .build();
    }

    @Override
    public Mono<BucketProbe> tryConsume(String key, BucketDefinition definition) {
        return Mono.fromSupplier(() -> BucketProbe.of(bucket(key, definition).asVerbose().tryConsumeAndReturnRemaining(1)));
    }

    @Override
    public Mono<Void> giveBack(String key, BucketDefinition definition) {
        return Mono.fromRunnable(() -> bucket(key, definition).addTokens(1));
    }

    @Override
    public Mono<Void> charge(String key, BucketDefinition definition) {
        return Mono.fromRunnable(() -> bucket(key, definition).consumeIgnoringRateLimits(1));
    }

    private LocalBucket bucket(String key, BucketDefinition definition) {
        return this.buckets.get(key, k -> new Entry(newBucket(definition), definition.fullRefill())).bucket();
    }

    private static LocalBucket newBucket(BucketDefinition definition) {
        LocalBucketBuilder builder = Bucket.builder();
        for (Bandwidth bandwidth : definition.configuration().getBandwidths()) {
            builder.addLimit(bandwidth);
        }
        return builder.build();
    }

    private record Entry(LocalBucket bucket, Duration idleTimeout) {
    }
}
