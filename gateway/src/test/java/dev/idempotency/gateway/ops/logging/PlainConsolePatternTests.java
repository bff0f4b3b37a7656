package dev.idempotency.gateway.ops.logging;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.spi.ScanException;
import ch.qos.logback.core.util.OptionHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.ansi.AnsiOutput;
import org.springframework.boot.logging.logback.ColorConverter;
import org.springframework.boot.logging.logback.EnclosedInSquareBracketsConverter;
import org.springframework.boot.logging.logback.ExtendedWhitespaceThrowableProxyConverter;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.mock.env.MockEnvironment;
import org.yaml.snakeyaml.Yaml;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plain console pattern writes what Spring Boot's default pattern writes without colour, line
 * for line, and replaces it only where Boot would print no colour.
 */
class PlainConsolePatternTests {

    @AfterEach
    void ansiAsBefore() {
        AnsiOutput.setEnabled(AnsiOutput.Enabled.DETECT);
    }

    @Test
    void writesWhatSpringBootsDefaultPatternWritesWithoutColour() throws IOException, ScanException {
        AnsiOutput.setEnabled(AnsiOutput.Enabled.NEVER);
        LoggerContext context = context();
        PatternLayout boot = layout(context, bootsDefaultConsolePattern());
        PatternLayout plain = layout(context, new MockEnvironment().withProperty(PlainConsolePattern.PROPERTY, PlainConsolePattern.PATTERN)
            .getProperty(PlainConsolePattern.PROPERTY));
        List<String> lines = new ArrayList<>();
        for (LoggingEvent event : events(context)) {
            lines.add(boot.doLayout(event));
            assertThat(plain.doLayout(event)).isEqualTo(lines.get(lines.size() - 1));
        }
        assertThat(String.join("", lines)).contains("2026-12-06T23:33:20.123Z ERROR 4242 --- ")
            .contains(" INFO 4242 --- [idempotency-gateway] [           main] idempotency.audit                        : executed route=orders")
            .contains("[reactor-http-epoll-1]".substring(6)) // cut to 15 characters
            .contains("[0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331] d.i.g.w.IdempotencyGatewayFilterFactory")
            .contains("java.lang.IllegalStateException: refused").doesNotContain("\u001B[");
    }

    @Test
    void springLeavesLogbacksVariablesToLogback() {
        String resolved = new MockEnvironment().withProperty(PlainConsolePattern.PROPERTY, PlainConsolePattern.PATTERN)
            .getProperty(PlainConsolePattern.PROPERTY);
        assertThat(resolved).startsWith("%d{${LOG_DATEFORMAT_PATTERN:-yyyy-MM-dd'T'HH:mm:ss.SSSXXX}} ${LOG_LEVEL_PATTERN:-%5p} ${PID:-} ")
            .doesNotContain("\\$");
    }

    @Test
    void aConsoleThatIsNotATerminalGetsThePlainPattern() {
        MockEnvironment environment = new MockEnvironment();
        assertThat(PlainConsolePattern.colourless(environment, false)).isTrue();
        PlainConsolePattern.apply(environment, false);
        assertThat(environment.getProperty(PlainConsolePattern.PROPERTY)).startsWith("%d{${LOG_DATEFORMAT_PATTERN");
    }

    @Test
    void aTerminalKeepsSpringBootsPattern() {
        MockEnvironment environment = new MockEnvironment();
        PlainConsolePattern.apply(environment, true);
        assertThat(environment.containsProperty(PlainConsolePattern.PROPERTY)).isFalse();
    }

    @Test
    void testsRunWithoutATerminal() {
        // Surefire's forked JVM writes to a pipe: what a container's log driver is to the gateway.
        assertThat(PlainConsolePattern.terminal()).isFalse();
    }

    @Test
    void colourWhereSpringBootWouldPrintItIsKept() {
        assertThat(PlainConsolePattern.colourless(new MockEnvironment(), true)).isFalse();
        assertThat(PlainConsolePattern.colourless(new MockEnvironment().withProperty("spring.output.ansi.enabled", "always"), false))
            .isFalse();
        assertThat(PlainConsolePattern.colourless(
                new MockEnvironment().withProperty("spring.output.ansi.console-available", "true"), false)).isFalse();
        assertThat(PlainConsolePattern.colourless(new MockEnvironment().withProperty("spring.output.ansi.enabled", "never"), true))
            .isTrue();
        assertThat(PlainConsolePattern.colourless(
                new MockEnvironment().withProperty("spring.output.ansi.console-available", "false"), true)).isTrue();
    }

    @Test
    void springBootRunsItBeforeTheLoggingSystemStarts() {
        // Others need Spring Boot's constructor arguments: skipped, this one needs none.
        assertThat(SpringFactoriesLoader.forDefaultResourceLocation().load(EnvironmentPostProcessor.class, null,
                SpringFactoriesLoader.FailureHandler.handleMessage((message, failure) -> { })))
            .hasAtLeastOneElementOfType(PlainConsolePattern.class);
    }

    @Test
    void anOperatorsPatternWins() {
        MockEnvironment environment = new MockEnvironment().withProperty(PlainConsolePattern.PROPERTY, "%m%n");
        new PlainConsolePattern().postProcessEnvironment(environment, null);
        assertThat(environment.getProperty(PlainConsolePattern.PROPERTY)).isEqualTo("%m%n");
    }

    // The pattern as Spring Boot's logback defaults.xml gives it, from the jar on the class path.
    private static String bootsDefaultConsolePattern() throws IOException {
        try (InputStream in = LoggerContext.class.getClassLoader()
            .getResourceAsStream("org/springframework/boot/logging/logback/defaults.xml")) {
            String xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher pattern = Pattern.compile("name=\"CONSOLE_LOG_PATTERN\" value=\"\\$\\{CONSOLE_LOG_PATTERN:-(.*)}\"/>").matcher(xml);
            assertThat(pattern.find()).as("CONSOLE_LOG_PATTERN in Spring Boot's defaults.xml").isTrue();
            return pattern.group(1);
        }
    }

    // A context as Spring Boot sets it up for the console: its converters, the application's name,
    // the PID, and the gateway's own correlation pattern from application.yml.
    @SuppressWarnings("unchecked")
    private static LoggerContext context() throws IOException {
        LoggerContext context = new LoggerContext();
        Map<String, Supplier<?>> rules = new HashMap<>();
        rules.put("clr", ColorConverter::new);
        rules.put("esb", EnclosedInSquareBracketsConverter::new);
        rules.put("wEx", ExtendedWhitespaceThrowableProxyConverter::new);
        context.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
        context.putProperty("PID", "4242");
        context.putProperty("APPLICATION_NAME", "idempotency-gateway");
        try (InputStream in = PlainConsolePatternTests.class.getResourceAsStream("/application.yml")) {
            Map<String, Object> yaml = new Yaml().loadAs(in, Map.class);
            Map<String, Object> pattern = (Map<String, Object>) ((Map<String, Object>) yaml.get("logging")).get("pattern");
            context.putProperty("LOG_CORRELATION_PATTERN", (String) pattern.get("correlation"));
        }
        return context;
    }

    private static PatternLayout layout(LoggerContext context, String pattern) throws ScanException {
        PatternLayout layout = new PatternLayout();
        layout.setContext(context);
        layout.setPattern(OptionHelper.substVars(pattern, context));
        layout.start();
        return layout;
    }

    // Every column's cases: levels, short and abbreviated loggers, short and cut thread names,
    // with and without a trace, with an exception.
    private static List<LoggingEvent> events(LoggerContext context) {
        List<LoggingEvent> events = new ArrayList<>();
        for (Level level : List.of(Level.ERROR, Level.WARN, Level.INFO, Level.DEBUG, Level.TRACE)) {
            events.add(event(context, "idempotency.audit", level, "main", Map.of(), null));
        }
        events.add(event(context, "dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory", Level.INFO,
                "reactor-http-epoll-1", Map.of("traceId", "0af7651916cd43dd8448eb211c80319c", "spanId", "b7ad6b7169203331"), null));
        events.add(event(context, "org.springframework.cloud.gateway.route.RouteDefinitionRouteLocator", Level.WARN,
                "idempotency-audit", Map.of(), new IllegalStateException("refused", new IllegalArgumentException("cause"))));
        return events;
    }

    private static LoggingEvent event(LoggerContext context, String logger, Level level, String thread, Map<String, String> mdc,
            Throwable thrown) {
        LoggingEvent event = new LoggingEvent("test", context.getLogger(logger), level, "executed route=orders", thrown, null);
        event.setThreadName(thread);
        event.setMDCPropertyMap(mdc);
        event.setTimeStamp(1_796_600_000_123L);
        return event;
    }
}
