package dev.idempotency.gateway.ops.audit;

import java.util.Arrays;

import org.slf4j.Logger;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One audit line: named fields that structured logging writes as JSON members (SLF4J key-value
 * pairs), repeated in the message as {@code name=value} so that human-readable logs carry them too.
 * Field names have no dots, so ECS and Logstash formats put them at the top level alike.
 */
final class AuditEvent {

    private static final String EVENT_FIELD = "audit_event";

    private final String event;

    // Names and values in the order added: a request's events have at most seven fields.
    private String[] names = new String[8];

    private Object[] values = new Object[8];

    private int size;

    private AuditEvent(String event) {
        this.event = event;
        with(EVENT_FIELD, event);
    }

    static AuditEvent named(String event) {
        return new AuditEvent(event);
    }

    /** Adds a field; {@code null} values are left out. */
    AuditEvent with(String name, Object value) {
        if (value != null) {
            if (this.size == this.names.length) {
                this.names = Arrays.copyOf(this.names, this.size * 2);
                this.values = Arrays.copyOf(this.values, this.size * 2);
            }
            this.names[this.size] = name;
            this.values[this.size] = value;
            this.size++;
        }
        return this;
    }

    void writeTo(Logger logger) {
        LoggingEventBuilder line = logger.atInfo();
        StringBuilder message = new StringBuilder(160).append(this.event);
        for (int i = 0; i < this.size; i++) {
            line.addKeyValue(this.names[i], this.values[i]);
            if (i > 0) {
                message.append(' ').append(this.names[i]).append('=').append(this.values[i]);
            }
        }
        line.log(message.toString());
    }
}
