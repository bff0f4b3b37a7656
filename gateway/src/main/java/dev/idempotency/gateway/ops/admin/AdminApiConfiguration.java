package dev.idempotency.gateway.ops.admin;

import java.time.Clock;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointProperties;
import org.springframework.boot.actuate.autoconfigure.web.server.ConditionalOnManagementPort;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementPortType;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.ops.audit.AuditLog;

/**
 * The admin API exists only when a token is configured and the management server has a port of
 * its own ({@code management.server.port}, 8081 in the Helm chart): an operator's tool does not
 * belong on the port clients reach. With a token but a shared port it stays off, with a warning.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AdminProperties.class)
public class AdminApiConfiguration {

    private static final Log logger = LogFactory.getLog(AdminApiConfiguration.class);

    @Configuration(proxyBeanMethods = false)
    @Conditional(AdminTokenConfigured.class)
    @ConditionalOnManagementPort(ManagementPortType.DIFFERENT)
    static class OnManagementPort {

        @Bean
        IdempotencyAdminEndpoint idempotencyAdminEndpoint(IdempotencyStore store, AuditLog audit, Clock clock,
                RouteLocator routes) {
            return new IdempotencyAdminEndpoint(store, audit, clock, routes);
        }

        @Bean
        AdminTokenFilter adminTokenFilter(ApplicationContext context, AdminProperties properties,
                WebEndpointProperties endpoints) {
            String path = endpoints.getBasePath() + "/"
                    + endpoints.getPathMapping().getOrDefault(IdempotencyAdminEndpoint.ID, IdempotencyAdminEndpoint.ID);
            return new AdminTokenFilter(context, new AdminToken(properties.getToken()), path);
        }
    }

    @Configuration(proxyBeanMethods = false)
    @Conditional(AdminTokenConfigured.class)
    @ConditionalOnManagementPort(ManagementPortType.SAME)
    static class OnTrafficPort {

        @Bean
        SmartInitializingSingleton adminApiOffOnTrafficPort() {
            return () -> logger.warn(AdminProperties.PREFIX + ".token is set, but the management endpoints share the "
                    + "traffic port; the admin API stays off. Give them a port of their own: management.server.port=8081");
        }
    }
}
