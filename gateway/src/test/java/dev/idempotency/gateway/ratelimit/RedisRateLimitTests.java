package dev.idempotency.gateway.ratelimit;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviour suite with buckets in a real Redis, run through two gateway replicas on it where
 * the suite spreads requests, plus what only Redis shows: bucket keys expire.
 */
class RedisRateLimitTests extends RateLimitBehaviourContract {

    private RedisServer redis;

    private GatewayInstance secondReplica;

    @Override
    List<String> storeProperties() {
        this.redis = RedisServer.launch();
        return List.of(this.redis.storeProperties());
    }

    @Override
    List<GatewayInstance> replicas() {
        if (this.secondReplica == null) {
            List<String> properties = new ArrayList<>(routes(this.fixture.upstream().baseUrl()));
            properties.addAll(List.of(this.redis.storeProperties()));
            this.secondReplica = GatewayInstance.start(properties);
        }
        return List.of(this.fixture.gateway(), this.secondReplica);
    }

    @AfterAll
    void stopRedis() {
        if (this.secondReplica != null) {
            this.secondReplica.close();
        }
        if (this.redis != null) {
            this.redis.close();
        }
    }

    /** docs/rate-limits.md: keys are scoped by route and name the client only by a digest. */
    @Nested
    class KeyNames {

        @Test
        void aClientsBucketIsNamedByRouteAndDigestNeverByTheClientId() {
            String client = "client-name-" + UUID.randomUUID();
            post("/limited/orders", client);

            List<String> keys = redis.command("KEYS", "rl:*").lines().filter(line -> line.startsWith("rl:")).toList();
            assertThat(keys).noneMatch(key -> key.contains(client));
            assertThat(keys).anyMatch(key -> key.matches("rl:route:limited:client:[A-Za-z0-9_-]{22}:.+"));
        }
    }

    @Nested
    class Expiry {

        @Test
        void everyBucketKeyExpires() {
            post("/limited/orders", newClient());

            List<String> keys = redis.command("KEYS", "rl:*").lines().filter(line -> line.startsWith("rl:")).toList();
            assertThat(keys).isNotEmpty();
            for (String key : keys) {
                long millis = Long.parseLong(redis.command("PTTL", key).strip().substring(1));
                // A full bucket is worth nothing: it lives until it would have refilled, plus keep-after-refill.
                assertThat(millis).as("PTTL of " + key).isPositive().isLessThanOrEqualTo(3_600_000L + 5_000L);
            }
        }
    }
}
