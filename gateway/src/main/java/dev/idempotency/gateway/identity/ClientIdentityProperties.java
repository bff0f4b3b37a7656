package dev.idempotency.gateway.identity;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Where each client's identity comes from: {@code idempotency.client-identity} for every route, and
 * the named sources under {@code idempotency.client-identities}.
 */
@ConfigurationProperties(ClientIdentityProperties.PREFIX)
public class ClientIdentityProperties {

    public static final String PREFIX = "idempotency";

    private final Source clientIdentity = new Source();

    /**
     * Named identity sources, each configured like client-identity; a route picks one with its
     * 'clientIdentity' argument (Idempotency and RateLimit filters). Routes without it use
     * client-identity.
     */
    private final Map<String, Source> clientIdentities = new LinkedHashMap<>();

    public Source getClientIdentity() {
        return this.clientIdentity;
    }

    public Map<String, Source> getClientIdentities() {
        return this.clientIdentities;
    }

    /** One identity source. */
    public static class Source {

        /** Where the client's identity comes from, for every route. */
        private Type source = Type.HEADER;

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

        public Type getSource() {
            return this.source;
        }

        public void setSource(Type source) {
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

        public enum Type {

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
