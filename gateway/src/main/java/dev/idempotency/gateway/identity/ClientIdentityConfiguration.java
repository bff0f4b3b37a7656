package dev.idempotency.gateway.identity;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.ratelimit.KeyResolver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.publisher.Mono;

/**
 * Wires client identity: the default source, the named ones routes may pick, and the 401 answer for
 * credential-based sources.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ClientIdentityProperties.class)
public class ClientIdentityConfiguration {

    /** How logs and metrics name the identity source under idempotency.client-identity. */
    static final String DEFAULT_IDENTITY_SOURCE = "default";

    @Bean
    @ConditionalOnMissingBean
    ClientIdentityResolver clientIdentityResolver(ClientIdentityProperties properties,
            ObjectProvider<JwkSetObserver> jwkSetObserver) {
        return clientIdentityResolver(ClientIdentityProperties.PREFIX + ".client-identity", DEFAULT_IDENTITY_SOURCE,
                properties.getClientIdentity(), jwkSetObserver.getIfAvailable(() -> JwkSetObserver.NONE));
    }

    /** The default source and the named ones routes may pick with their {@code clientIdentity} argument. */
    @Bean
    ClientIdentityResolvers clientIdentityResolvers(ClientIdentityResolver clientIdentityResolver,
            ClientIdentityProperties properties, ObjectProvider<JwkSetObserver> jwkSetObserver) {
        JwkSetObserver observer = jwkSetObserver.getIfAvailable(() -> JwkSetObserver.NONE);
        Map<String, ClientIdentityResolver> named = new LinkedHashMap<>();
        properties.getClientIdentities().forEach((name, identity) -> named.put(name, clientIdentityResolver(
                ClientIdentityProperties.PREFIX + ".client-identities." + name, name, identity, observer)));
        return new ClientIdentityResolvers(clientIdentityResolver, named);
    }

    /**
     * @param name the source's name in logs and metrics: {@value #DEFAULT_IDENTITY_SOURCE} or its
     * name under client-identities
     */
    private static ClientIdentityResolver clientIdentityResolver(String prefix, String name,
            ClientIdentityProperties.Source identity, JwkSetObserver jwkSetObserver) {
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
                ClientIdentityProperties.Source.Jwt jwt = identity.getJwt();
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
    ClientAuthenticationExceptionHandler clientAuthenticationExceptionHandler(
            ObjectProvider<UnauthenticatedRequestListener> listeners) {
        return new ClientAuthenticationExceptionHandler(listeners.orderedStream().toList());
    }
}
