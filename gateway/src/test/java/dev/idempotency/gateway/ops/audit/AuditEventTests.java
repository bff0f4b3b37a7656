package dev.idempotency.gateway.ops.audit;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * docs/operations.md: an audit event's fields are key-value pairs for structured logging (JSON
 * members) and follow the message as {@code name=value} for human-readable logs, in the order
 * written; a field without a value is left out of both.
 */
class AuditEventTests {

    final LoggerContext context = new LoggerContext();

    final ListAppender<ILoggingEvent> console = new ListAppender<>();

    Logger audit;

    @BeforeEach
    void start() {
        this.context.setMDCAdapter(new LogbackMDCAdapter());
        this.console.setContext(this.context);
        this.console.start();
        this.audit = this.context.getLogger(AuditLog.LOGGER);
        this.audit.addAppender(this.console);
    }

    @Test
    void fieldsFollowTheMessageAsNameValueAndAreKeyValuePairs() {
        AuditEvent.named("rejected").with("route", "orders").with("client_hash", "c196f3749db4bae7")
            .with("trace_id", null).with("outcome", "fingerprint_mismatch").with("status", 422)
            .writeTo(this.audit);

        assertThat(this.console.list).hasSize(1);
        ILoggingEvent event = this.console.list.get(0);
        assertThat(event.getFormattedMessage())
            .isEqualTo("rejected route=orders client_hash=c196f3749db4bae7 outcome=fingerprint_mismatch status=422");
        assertThat(event.getKeyValuePairs()).extracting(pair -> pair.key, pair -> pair.value)
            .containsExactly(tuple("audit_event", "rejected"), tuple("route", "orders"),
                    tuple("client_hash", "c196f3749db4bae7"), tuple("outcome", "fingerprint_mismatch"), tuple("status", 422));
        assertThat(event.getLevel()).isEqualTo(Level.INFO);
    }

    @Test
    void aLoggerSetToOffWritesNothing() {
        this.audit.setLevel(Level.OFF);
        AuditEvent.named("executed").with("route", "orders").writeTo(this.audit);
        assertThat(this.console.list).isEmpty();
    }
}
