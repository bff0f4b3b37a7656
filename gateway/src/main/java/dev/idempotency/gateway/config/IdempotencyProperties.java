package dev.idempotency.gateway.config;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

import dev.idempotency.gateway.identity.HeaderClientIdentityResolver;
import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory;

/** Global settings of the gateway, under {@value #PREFIX}. */
@ConfigurationProperties(IdempotencyProperties.PREFIX)
public class IdempotencyProperties {

    public static final String PREFIX = "idempotency";

    /** Where keys and stored responses live. */
    private StoreType store = StoreType.MEMORY;

    private final Memory memory = new Memory();

    private final Redis redis = new Redis();

    private final ClientIdentity clientIdentity = new ClientIdentity();

    private final Encryption encryption = new Encryption();

    /** Defaults for every route's Idempotency filter; a route's args override them one by one. */
    @NestedConfigurationProperty
    private final IdempotencyGatewayFilterFactory.Config defaults = new IdempotencyGatewayFilterFactory.Config();

    public StoreType getStore() {
        return this.store;
    }

    public void setStore(StoreType store) {
        this.store = store;
    }

    public Memory getMemory() {
        return this.memory;
    }

    public Redis getRedis() {
        return this.redis;
    }

    public ClientIdentity getClientIdentity() {
        return this.clientIdentity;
    }

    public Encryption getEncryption() {
        return this.encryption;
    }

    public IdempotencyGatewayFilterFactory.Config getDefaults() {
        return this.defaults;
    }

    public enum StoreType {

        /** One instance only; lost on restart. For trials and single-replica deployments. */
        MEMORY,

        /** Shared by every replica; configured with the standard spring.data.redis.* properties. */
        REDIS
    }

    public static class Memory {

        /** Upper bound on records held; past it the least valuable are evicted. */
        private long maxEntries = 100_000;

        public long getMaxEntries() {
            return this.maxEntries;
        }

        public void setMaxEntries(long maxEntries) {
            this.maxEntries = maxEntries;
        }
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

    public static class ClientIdentity {

        /** Request header, set by a trusted authenticating proxy, that names the client. */
        private String header = HeaderClientIdentityResolver.DEFAULT_HEADER;

        public String getHeader() {
            return this.header;
        }

        public void setHeader(String header) {
            this.header = header;
        }
    }
}
