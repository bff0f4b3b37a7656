package dev.idempotency.gateway.ops.audit;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The audit log; silence it with {@code logging.level.idempotency.audit=OFF}. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AuditProperties.class)
public class AuditConfiguration {

    /** Audit lines are written by a thread of their own, from a bounded queue (see {@link AsyncAuditAppender}). */
    @Bean
    AsyncAuditAppender.Installation auditLogQueue() {
        return new AsyncAuditAppender.Installation();
    }

    @Bean
    AuditLog auditLog(AuditProperties properties, AsyncAuditAppender.Installation auditLogQueue) {
        return new AuditLog(properties);
    }

    @Bean
    MeterBinder auditLogDroppedEvents(AuditLog auditLog) {
        return registry -> FunctionCounter.builder("idempotency.audit.dropped", auditLog, log -> AsyncAuditAppender.dropped())
            .description("Audit events dropped because the audit log's queue was full")
            .register(registry);
    }
}
