package dev.idempotency.gateway.config;

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

        public String getKeyPrefix() {
            return this.keyPrefix;
        }

        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
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
