package dev.idempotency.gateway.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory;

/**
 * Where keys live ({@code idempotency.store}, the memory store's size) and every route's Idempotency
 * defaults, under {@value #PREFIX}. Client identity and the Redis store have their own properties
 * in their packages.
 */
@ConfigurationProperties(IdempotencyProperties.PREFIX)
public class IdempotencyProperties {

    public static final String PREFIX = "idempotency";

    /** Where keys and stored responses live. */
    private StoreType store = StoreType.MEMORY;

    private final Memory memory = new Memory();

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
}
