package dev.idempotency.gateway.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.NestedConfigurationProperty;

import dev.idempotency.gateway.identity.ApiKeyClientIdentityResolver;
import dev.idempotency.gateway.identity.HeaderClientIdentityResolver;
import dev.idempotency.gateway.identity.JwtClientIdentityResolver;
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

    /**
     * Named identity sources, each configured like client-identity; a route picks one with its
     * 'clientIdentity' argument (Idempotency and RateLimit filters). Routes without it use
     * client-identity.
     */
    private final Map<String, ClientIdentity> clientIdentities = new LinkedHashMap<>();

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

    public Map<String, ClientIdentity> getClientIdentities() {
        return this.clientIdentities;
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

    public static class ClientIdentity {

        /** Where the client's identity comes from, for every route. */
        private Source source = Source.HEADER;

        /** Request header, set by a trusted authenticating proxy, that names the client. */
        private String header = HeaderClientIdentityResolver.DEFAULT_HEADER;

        /**
         * With source=header: CIDR blocks (IPv4 or IPv6) of the proxies allowed to set the header; from
         * any other TCP peer the header is ignored. Empty: believed from anywhere.
         */
        private List<String> trustedNetworks = new ArrayList<>();

        /** With source=api-key: file of 'client-id:sha256hex' lines (the keys' SHA-256, never the keys). */
        private Path apiKeysFile;

        /** With source=api-key: the request header carrying the key. */
        private String apiKeyHeader = ApiKeyClientIdentityResolver.DEFAULT_HEADER;

        /** With source=api-key: how often the key file is checked for changes. */
        private Duration apiKeysReloadInterval = Duration.ofSeconds(10);

        private final Jwt jwt = new Jwt();

        public Source getSource() {
            return this.source;
        }

        public void setSource(Source source) {
            this.source = source;
        }

        public String getHeader() {
            return this.header;
        }

        public void setHeader(String header) {
            this.header = header;
        }

        public List<String> getTrustedNetworks() {
            return this.trustedNetworks;
        }

        public void setTrustedNetworks(List<String> trustedNetworks) {
            this.trustedNetworks = trustedNetworks;
        }

        public Path getApiKeysFile() {
            return this.apiKeysFile;
        }

        public void setApiKeysFile(Path apiKeysFile) {
            this.apiKeysFile = apiKeysFile;
        }

        public String getApiKeyHeader() {
            return this.apiKeyHeader;
        }

        public void setApiKeyHeader(String apiKeyHeader) {
            this.apiKeyHeader = apiKeyHeader;
        }

        public Duration getApiKeysReloadInterval() {
            return this.apiKeysReloadInterval;
        }

        public void setApiKeysReloadInterval(Duration apiKeysReloadInterval) {
            this.apiKeysReloadInterval = apiKeysReloadInterval;
        }

        public Jwt getJwt() {
            return this.jwt;
        }

        public enum Source {

            /** A header set by an authenticating proxy in front (optionally only from trusted-networks). */
            HEADER,

            /** An API key, checked against the SHA-256 digests in api-keys-file. */
            API_KEY,

            /** A JWT bearer token verified by Spring Security's reactive decoder. */
            JWT
        }

        /** With source=jwt: how bearer tokens are verified and which claim names the client. */
        public static class Jwt {

            /** The 'iss' every token must carry (required). */
            private String issuer;

            /** Accepted 'aud' values; a token must carry at least one (required). */
            private List<String> audiences = new ArrayList<>();

            /** The issuer's JWK Set URI; or set public-key-location. */
            private String jwkSetUri;

            /** A PEM RSA public key file, instead of a JWK Set URI. */
            private Path publicKeyLocation;

            /** JWS algorithms accepted (RS256 when empty). */
            private List<String> algorithms = new ArrayList<>();

            /** The claim whose value is the client identity. */
            private String claim = JwtClientIdentityResolver.DEFAULT_CLAIM;

            /** Leeway for 'exp' and 'nbf' against clocks that differ from the identity provider's. */
            private Duration clockSkew = Duration.ofSeconds(60);

            /**
             * How long a fetched JWK set is used; the next token after it fetches the set again, so a
             * removed key is refused and an added one accepted within this time.
             */
            private Duration jwkSetCacheTtl = Duration.ofMinutes(5);

            /**
             * The least time between two JWK set refetches for a 'kid' the cached set does not know;
             * inside it such tokens get 401 without a fetch.
             */
            private Duration jwkSetRefetchInterval = Duration.ofSeconds(30);

            /**
             * While the identity provider cannot be reached, how long past jwk-set-cache-ttl the keys
             * last fetched are used on (one lifetime at a time); 0: not at all, tokens get 503.
             */
            private Duration jwkSetOutageGracePeriod = Duration.ofMinutes(30);

            public String getIssuer() {
                return this.issuer;
            }

            public void setIssuer(String issuer) {
                this.issuer = issuer;
            }

            public List<String> getAudiences() {
                return this.audiences;
            }

            public void setAudiences(List<String> audiences) {
                this.audiences = audiences;
            }

            public String getJwkSetUri() {
                return this.jwkSetUri;
            }

            public void setJwkSetUri(String jwkSetUri) {
                this.jwkSetUri = jwkSetUri;
            }

            public Path getPublicKeyLocation() {
                return this.publicKeyLocation;
            }

            public void setPublicKeyLocation(Path publicKeyLocation) {
                this.publicKeyLocation = publicKeyLocation;
            }

            public List<String> getAlgorithms() {
                return this.algorithms;
            }

            public void setAlgorithms(List<String> algorithms) {
                this.algorithms = algorithms;
            }

            public String getClaim() {
                return this.claim;
            }

            public void setClaim(String claim) {
                this.claim = claim;
            }

            public Duration getClockSkew() {
                return this.clockSkew;
            }

            public void setClockSkew(Duration clockSkew) {
                this.clockSkew = clockSkew;
            }

            public Duration getJwkSetCacheTtl() {
                return this.jwkSetCacheTtl;
            }

            public void setJwkSetCacheTtl(Duration jwkSetCacheTtl) {
                this.jwkSetCacheTtl = jwkSetCacheTtl;
            }

            public Duration getJwkSetRefetchInterval() {
                return this.jwkSetRefetchInterval;
            }

            public void setJwkSetRefetchInterval(Duration jwkSetRefetchInterval) {
                this.jwkSetRefetchInterval = jwkSetRefetchInterval;
            }

            public Duration getJwkSetOutageGracePeriod() {
                return this.jwkSetOutageGracePeriod;
            }

            public void setJwkSetOutageGracePeriod(Duration jwkSetOutageGracePeriod) {
                this.jwkSetOutageGracePeriod = jwkSetOutageGracePeriod;
            }
        }
    }
}
