package dev.idempotency.gateway.testsupport;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Runs the management server of a gateway instance ({@code management.server.port}) on that
 * instance's own event loops, as {@link IsolatedNettyResources} does for its traffic server.
 *
 * <p>Spring Boot builds the management server in a child context from a new
 * {@link NettyReactiveWebServerFactory} that has no {@link ReactorResourceFactory}, so it would
 * otherwise run on Reactor Netty's JVM-wide loops: the loops every {@code WebTestClient} of the
 * test JVM and every instance's upstream client run on. Its requests then shared threads with the
 * test's own client and with whatever the suite's earlier instances left on those loops. Listed in
 * {@code META-INF/spring/...ManagementContextConfiguration.imports} of the test resources, so that
 * Spring Boot adds it to every management child context.
 */
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
class IsolatedManagementServer {

    @Bean
    WebServerFactoryCustomizer<NettyReactiveWebServerFactory> managementServerOnTheInstancesLoops(
            ReactorResourceFactory instanceResources) {
        return factory -> factory.setResourceFactory(instanceResources);
    }
}
