package dev.idempotency.gateway.ops.admin;

import org.springframework.context.annotation.Condition;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when {@code idempotency.admin.token} has a non-blank value: an empty environment
 * variable from a chart without the Secret must leave the admin API off, not open it with "".
 */
final class AdminTokenConfigured implements Condition {

    @Override
    public boolean matches(ConditionContext context, AnnotatedTypeMetadata metadata) {
        String token = context.getEnvironment().getProperty(AdminProperties.PREFIX + ".token");
        return token != null && !token.isBlank();
    }
}
