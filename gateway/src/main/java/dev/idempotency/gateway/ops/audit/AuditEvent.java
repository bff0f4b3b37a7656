package dev.idempotency.gateway.ops.audit;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One audit line: named fields that structured logging writes as JSON members (SLF4J key-value
 * pairs), repeated in the message as {@code name=value} so that human-readable logs carry them too.
 * Field names have no dots, so ECS and Logstash formats put them at the top level alike.
 */
final class AuditEvent {

    private final String event;

    private final Map<String, Object> fields = new LinkedHashMap<>();

    private AuditEvent(String event) {
        this.event = event;
        this.fields.put("audit_event", event);
    }

    static AuditEvent named(String event) {
        return new AuditEvent(event);
    }

    /** Adds a field; {@code null} values are left out. */
    AuditEvent with(String name, Object value) {
        if (value != null) {
            this.fields.put(name, value);
        }
        return this;
    }

    void writeTo(Logger logger) {
        LoggingEventBuilder line = logger.atInfo();
        StringBuilder message = new StringBuilder(this.event);
        this.fields.forEach((name, value) -> {
            line.addKeyValue(name, value);
            if (!"audit_event".equals(name)) {
                message.append(' ').append(name).append('=').append(value);
            }
        });
        line.log(message.toString());
    }
}
