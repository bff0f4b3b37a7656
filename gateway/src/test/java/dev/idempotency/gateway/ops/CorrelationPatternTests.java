package dev.idempotency.gateway.ops;

import java.io.IOException;
import java.io.InputStream;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/** The log lines' trace column (application.yml's logging.pattern.correlation): there only when a trace is. */
class CorrelationPatternTests {

    @Test
    void aLineWithoutATraceHasNoColumn() throws IOException {
        assertThat(format(Map.of())).isEqualTo("|message");
    }

    @Test
    void aLineInATraceNamesTraceAndSpan() throws IOException {
        assertThat(format(Map.of("traceId", "0af7651916cd43dd8448eb211c80319c", "spanId", "b7ad6b7169203331")))
            .isEqualTo("|[0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331] message");
    }

    private static String format(Map<String, String> mdc) throws IOException {
        LoggerContext context = new LoggerContext();
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern("|" + correlationPattern() + "%m");
        layout.start();
        LoggingEvent event = new LoggingEvent("test", context.getLogger("test"), Level.INFO, "message", null, null);
        event.setMDCPropertyMap(mdc);
        return layout.doLayout(event);
    }

    @SuppressWarnings("unchecked")
    private static String correlationPattern() throws IOException {
        try (InputStream in = CorrelationPatternTests.class.getResourceAsStream("/application.yml")) {
            Map<String, Object> yaml = new Yaml().loadAs(in, Map.class);
            return (String) ((Map<String, Object>) ((Map<String, Object>) yaml.get("logging")).get("pattern")).get("correlation");
        }
    }
}
