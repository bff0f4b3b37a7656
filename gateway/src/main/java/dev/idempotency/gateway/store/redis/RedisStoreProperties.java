package dev.idempotency.gateway.store.redis;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The Redis store's settings ({@code idempotency.store=redis}): how records are named
 * ({@code idempotency.redis.*}) and sealed ({@code idempotency.encryption.*}).
 */
@ConfigurationProperties(RedisStoreProperties.PREFIX)
public class RedisStoreProperties {

    public static final String PREFIX = "idempotency";

    private final Redis redis = new Redis();

    private final Encryption encryption = new Encryption();

    public Redis getRedis() {
        return this.redis;
    }

    public Encryption getEncryption() {
        return this.encryption;
    }

    public static class Redis {

        /** Prefix of every record's Redis key; the rest is a digest of route, client and key. */
        private String keyPrefix = "idem:";

        /**
         * Secret (at least 16 bytes, from a Kubernetes Secret) that keys the digest naming each
         * record, so a Redis dump cannot confirm a guessed client id or key. Changing it orphans
         * every stored record: retries after the change execute again.
         */
        private String keyHashSecret;

        /**
         * How many replicas must acknowledge a stored result (Redis {@code WAIT}) before the
         * client gets it; 0 does not wait. Narrows the window in which a failover to a replica
         * forgets a result the client has already seen.
         */
        private int replicaAcks;

        /** How long to wait for those acknowledgements; the result is delivered either way. */
        private Duration replicaAckTimeout = Duration.ofMillis(100);

        public int getReplicaAcks() {
            return this.replicaAcks;
        }

        public void setReplicaAcks(int replicaAcks) {
            if (replicaAcks < 0) {
                throw new IllegalArgumentException("idempotency.redis.replica-acks must be 0 or more, got " + replicaAcks);
            }
            this.replicaAcks = replicaAcks;
        }

        public Duration getReplicaAckTimeout() {
            return this.replicaAckTimeout;
        }

        public void setReplicaAckTimeout(Duration replicaAckTimeout) {
            this.replicaAckTimeout = replicaAckTimeout;
        }

        public String getKeyHashSecret() {
            return this.keyHashSecret;
        }

        public void setKeyHashSecret(String keyHashSecret) {
            this.keyHashSecret = keyHashSecret;
        }

        public String getKeyPrefix() {
            return this.keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }
    }

    /** AES-GCM encryption of stored records in Redis; off while no key is configured. */
    public static class Encryption {

        /** AES keys (16, 24 or 32 bytes, base64) by key id; keep retired keys until their records expire. */
        private Map<String, String> keys = new LinkedHashMap<>();

        /** The id of the key new records are sealed with. */
        private String activeKey;

        public Map<String, String> getKeys() {
            return this.keys;
        }

        public void setKeys(Map<String, String> keys) {
            this.keys = keys;
        }

        public String getActiveKey() {
            return this.activeKey;
        }

        public void setActiveKey(String activeKey) {
            this.activeKey = activeKey;
        }
    }
}
