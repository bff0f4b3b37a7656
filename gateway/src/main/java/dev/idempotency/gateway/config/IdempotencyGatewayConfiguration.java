package dev.idempotency.gateway.config;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.resource.Delay;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.InFlightKeys;
import dev.idempotency.gateway.core.RecordEncryption;
import dev.idempotency.gateway.core.StorageIds;
import dev.idempotency.gateway.core.store.memory.InMemoryIdempotencyStore;
import dev.idempotency.gateway.core.store.memory.InMemoryInFlightKeys;
import dev.idempotency.gateway.identity.ApiKeyClientIdentityResolver;
import dev.idempotency.gateway.identity.BearerTokenDecoders;
import dev.idempotency.gateway.identity.ClientIdentityResolver;
import dev.idempotency.gateway.identity.ClientIdentityResolvers;
import dev.idempotency.gateway.identity.HeaderClientIdentityResolver;
import dev.idempotency.gateway.identity.JwkSetObserver;
import dev.idempotency.gateway.identity.JwtClientIdentityResolver;
import dev.idempotency.gateway.identity.TrustedNetworks;
import dev.idempotency.gateway.store.redis.RedisIdempotencyStore;
import dev.idempotency.gateway.store.redis.RedisInFlightKeys;
import dev.idempotency.gateway.store.redis.ReplicaAcknowledgedCompletions;
import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory;
import dev.idempotency.gateway.web.IdempotencyListener;
import dev.idempotency.gateway.web.PendingStores;
import dev.idempotency.gateway.web.RequestFramingFilter;
import dev.idempotency.gateway.web.UpstreamRequestTracker;
import dev.idempotency.gateway.web.problem.ProblemErrorWebExceptionHandler;

/** Wires the store, the client identity and the Idempotency filter factory. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(IdempotencyProperties.class)
public class IdempotencyGatewayConfiguration {

    /** How logs and metrics name the identity source under idempotency.client-identity. */
    static final String DEFAULT_IDENTITY_SOURCE = "default";

    @Bean
    @ConditionalOnMissingBean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    ClientIdentityResolver clientIdentityResolver(IdempotencyProperties properties,
            ObjectProvider<JwkSetObserver> jwkSetObserver) {
        return clientIdentityResolver(IdempotencyProperties.PREFIX + ".client-identity", DEFAULT_IDENTITY_SOURCE,
                properties.getClientIdentity(), jwkSetObserver.getIfAvailable(() -> JwkSetObserver.NONE));
    }

    /** The default source and the named ones routes may pick with their {@code clientIdentity} argument. */
    @Bean
    ClientIdentityResolvers clientIdentityResolvers(ClientIdentityResolver clientIdentityResolver,
            IdempotencyProperties properties, ObjectProvider<JwkSetObserver> jwkSetObserver) {
        JwkSetObserver observer = jwkSetObserver.getIfAvailable(() -> JwkSetObserver.NONE);
        Map<String, ClientIdentityResolver> named = new LinkedHashMap<>();
        properties.getClientIdentities().forEach((name, identity) -> named.put(name, clientIdentityResolver(
                IdempotencyProperties.PREFIX + ".client-identities." + name, name, identity, observer)));
        return new ClientIdentityResolvers(clientIdentityResolver, named);
    }

    /**
     * @param name the source's name in logs and metrics: {@value #DEFAULT_IDENTITY_SOURCE} or its
     * name under client-identities
     */
    private static ClientIdentityResolver clientIdentityResolver(String prefix, String name,
            IdempotencyProperties.ClientIdentity identity, JwkSetObserver jwkSetObserver) {
        return switch (identity.getSource()) {
            case HEADER -> new HeaderClientIdentityResolver(identity.getHeader(),
                    TrustedNetworks.of(identity.getTrustedNetworks()));
            case API_KEY -> {
                if (identity.getApiKeysFile() == null) {
                    throw new IllegalArgumentException(prefix + ".api-keys-file is required with source api-key");
                }
                yield new ApiKeyClientIdentityResolver(identity.getApiKeysFile(),
                        identity.getApiKeyHeader(), identity.getApiKeysReloadInterval());
            }
            case JWT -> {
                IdempotencyProperties.ClientIdentity.Jwt jwt = identity.getJwt();
                yield new JwtClientIdentityResolver(BearerTokenDecoders.create(
                        new BearerTokenDecoders.Verification(jwt.getJwkSetUri(), jwt.getPublicKeyLocation(),
                                jwt.getIssuer(), jwt.getAudiences(), jwt.getAlgorithms(), jwt.getClockSkew(),
                                jwt.getJwkSetCacheTtl(), jwt.getJwkSetRefetchInterval(),
                                jwt.getJwkSetOutageGracePeriod()),
                        name, jwkSetObserver), jwt.getClaim());
            }
        };
    }

    /** For Spring Cloud Gateway's own RequestRateLimiter: {@code key-resolver: "#{@clientIdKeyResolver}"}. */
    @Bean
    KeyResolver clientIdKeyResolver(ClientIdentityResolver clientIdentityResolver) {
        return exchange -> clientIdentityResolver.resolveCached(exchange).flatMap(Mono::justOrEmpty);
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = IdempotencyProperties.PREFIX, name = "store", havingValue = "memory", matchIfMissing = true)
    IdempotencyStore inMemoryIdempotencyStore(IdempotencyProperties properties) {
        return new InMemoryIdempotencyStore(properties.getMemory().getMaxEntries());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = IdempotencyProperties.PREFIX, name = "store", havingValue = "redis")
    IdempotencyStore redisIdempotencyStore(ReactiveRedisConnectionFactory connectionFactory,
            IdempotencyProperties properties) {
        return new RedisIdempotencyStore(connectionFactory, properties.getRedis().getKeyPrefix(),
                storageIds(properties), recordEncryption(properties.getEncryption()),
                replicaAcknowledged(connectionFactory, properties.getRedis()));
    }

    private static ReplicaAcknowledgedCompletions replicaAcknowledged(ReactiveRedisConnectionFactory connectionFactory,
            IdempotencyProperties.Redis redis) {
        if (redis.getReplicaAcks() == 0) {
            return null;
        }
        if (!(connectionFactory instanceof LettuceConnectionFactory lettuce)) {
            throw new IllegalStateException("idempotency.redis.replica-acks needs Spring Boot's Lettuce connection factory");
        }
        return new ReplicaAcknowledgedCompletions(lettuce.getRequiredNativeClient(), lettuce.getDatabase(),
                redis.getReplicaAcks(), redis.getReplicaAckTimeout());
    }

    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = IdempotencyProperties.PREFIX, name = "store", havingValue = "memory", matchIfMissing = true)
    InFlightKeys inMemoryInFlightKeys() {
        return new InMemoryInFlightKeys();
    }

    /** Per-client counts of keys in flight, next to the records and named with the same keyed digest. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = IdempotencyProperties.PREFIX, name = "store", havingValue = "redis")
    InFlightKeys redisInFlightKeys(ReactiveRedisConnectionFactory connectionFactory, IdempotencyProperties properties) {
        return new RedisInFlightKeys(connectionFactory, properties.getRedis().getKeyPrefix(), storageIds(properties));
    }

    private static StorageIds storageIds(IdempotencyProperties properties) {
        String secret = properties.getRedis().getKeyHashSecret();
        return (secret == null || secret.isEmpty()) ? StorageIds.sha256()
                : StorageIds.hmacSha256(secret.getBytes(StandardCharsets.UTF_8));
    }

    private static RecordEncryption recordEncryption(IdempotencyProperties.Encryption encryption) {
        if (encryption.getKeys().isEmpty()) {
            return null;
        }
        Map<String, byte[]> keys = new LinkedHashMap<>();
        encryption.getKeys().forEach((id, base64) -> {
            try {
                keys.put(id, Base64.getDecoder().decode(base64.trim()));
            }
            catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("idempotency.encryption.keys." + id + " is not valid base64", ex);
            }
        });
        String active = encryption.getActiveKey() != null ? encryption.getActiveKey()
                : (keys.size() == 1 ? keys.keySet().iterator().next() : null);
        if (active == null) {
            throw new IllegalArgumentException("idempotency.encryption.active-key must name one of " + keys.keySet());
        }
        return RecordEncryption.of(keys, active);
    }

    /**
     * With Redis down, Lettuce would queue commands until its timeout; rejecting them at once turns
     * an outage into a fast 503 instead of requests piling up.
     */
    @Bean
    LettuceClientOptionsBuilderCustomizer failFastWhileDisconnected() {
        return options -> options.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    }

    /**
     * Lettuce backs off reconnects up to 30 s; capped at 2 s, the gateway serves again within
     * about two seconds of Redis coming back.
     */
    @Bean
    ClientResourcesBuilderCustomizer quickReconnect() {
        return resources -> resources.reconnectDelay(
                Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS));
    }

    @Bean
    IdempotencyGatewayFilterFactory idempotencyGatewayFilterFactory(IdempotencyStore store, InFlightKeys inFlightKeys,
            ClientIdentityResolvers clientIdentityResolvers, IdempotencyProperties properties,
            ObjectProvider<IdempotencyListener> listeners, Clock clock, PendingStores pendingStores) {
        return new IdempotencyGatewayFilterFactory(store, inFlightKeys, clientIdentityResolvers, properties.getDefaults(),
                listeners.orderedStream().toList(), clock, pendingStores);
    }

    /** Results still being stored in the background: a graceful stop waits for them within its grace period. */
    @Bean
    PendingStores pendingStores(Environment environment, ObjectProvider<MeterRegistry> meters) {
        Duration gracePeriod = Binder.get(environment)
            .bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class)
            .orElse(Duration.ofSeconds(30));
        return new PendingStores(gracePeriod, meters.getIfAvailable());
    }

    /** Refuses requests whose body length cannot be known, on every route. */
    @Bean
    RequestFramingFilter requestFramingFilter() {
        return new RequestFramingFilter();
    }

    /** Tells the Idempotency filter whether a failed upstream call had begun to send the request. */
    @Bean
    UpstreamRequestTracker upstreamRequestTracker() {
        return new UpstreamRequestTracker();
    }

    @Bean
    ProblemErrorWebExceptionHandler problemErrorWebExceptionHandler() {
        return new ProblemErrorWebExceptionHandler();
    }
}
