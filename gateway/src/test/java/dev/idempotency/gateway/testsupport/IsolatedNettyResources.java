package dev.idempotency.gateway.testsupport;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Gives a gateway instance its own Netty event loops. Spring Boot's default resource factory
 * uses Reactor Netty's JVM-global resources and disposes them when its context closes, so
 * killing one in-process instance would stop every other instance's server with it (they then
 * refuse connections). {@link GatewayInstance} starts every instance with this configuration,
 * so closing (or killing) one instance stops that one only. Its management server, when it has a
 * port of its own, runs on the same loops ({@link IsolatedManagementServer}).
 */
@Configuration(proxyBeanMethods = false)
class IsolatedNettyResources {

    @Bean
    ReactorResourceFactory isolatedReactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }
}
