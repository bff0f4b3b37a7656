package dev.idempotency.gateway.ops.audit;

import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import dev.idempotency.gateway.config.IdempotencyProperties;

/** The audit log; silence it with {@code logging.level.idempotency.audit=OFF}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConfiguration {

    @Bean
    AuditLog auditLog(AuditProperties properties, IdempotencyProperties idempotency) {
        return new AuditLog(properties, idempotency.getDefaults());
    }
}
