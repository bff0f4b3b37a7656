package dev.idempotency.gateway.ops.logging;

import java.io.Console;
import java.lang.reflect.Method;
import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Spring Boot's console pattern without its colour converters, wherever Boot would print the
 * console without colour anyway: a container's log pipe, a file, anything that is not a terminal.
 * Each {@code %clr(...)} renders its part into a string of its own even when it adds no colour:
 * about 2 KB of garbage per line, which every audit line pays (bench/README.md). The lines are the
 * same, character for character ({@code PlainConsolePatternTests} lays out both).
 *
 * <p>Nothing changes where an operator set {@code logging.pattern.console}, asked for colour
 * ({@code spring.output.ansi.enabled=always}, {@code spring.output.ansi.console-available=true}) or
 * runs the gateway in a terminal, and structured logging ({@code logging.structured.format.console})
 * does not use the pattern at all.
 */
public class PlainConsolePattern implements EnvironmentPostProcessor, Ordered {

    static final String PROPERTY = "logging.pattern.console";

    /**
     * Spring Boot 4's default console pattern (its logback {@code defaults.xml}) less {@code %clr}.
     * {@code \$} keeps the Logback variables from Spring's placeholder resolution: Logback fills them
     * in, as it does in Boot's own pattern.
     */
    static final String PATTERN = "%d{\\${LOG_DATEFORMAT_PATTERN:-yyyy-MM-dd'T'HH:mm:ss.SSSXXX}} \\${LOG_LEVEL_PATTERN:-%5p}"
            + " \\${PID:-} --- %esb(){APPLICATION_NAME}%esb{APPLICATION_GROUP}[%15.15t] \\${LOG_CORRELATION_PATTERN:-}"
            + "%-40.40logger{39} : %m%n\\${LOG_EXCEPTION_CONVERSION_WORD:-%wEx}";

    /** After application.yml and the operator's configuration are in the environment. */
    static final int ORDER = ConfigDataEnvironmentPostProcessor.ORDER + 2;

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        apply(environment, terminal());
    }

    static void apply(ConfigurableEnvironment environment, boolean terminal) {
        if (!environment.containsProperty(PROPERTY) && colourless(environment, terminal)) {
            environment.getPropertySources().addLast(new MapPropertySource("plainConsolePattern", Map.of(PROPERTY, PATTERN)));
        }
    }

    /**
     * Whether the console is a terminal, as Spring Boot's {@code AnsiOutput} finds out: from Java 22
     * on there is a console object even when the output goes to a pipe, and only
     * {@code Console.isTerminal()} (called reflectively: the gateway builds for Java 17) says so.
     */
    static boolean terminal() {
        Console console = System.console();
        if (console == null) {
            return false;
        }
        Method isTerminal = ClassUtils.getMethodIfAvailable(Console.class, "isTerminal");
        return isTerminal == null || !Boolean.FALSE.equals(ReflectionUtils.invokeMethod(isTerminal, console));
    }

    /** As Spring Boot's {@code AnsiOutput} decides, for a console that is or is not a terminal. */
    static boolean colourless(ConfigurableEnvironment environment, boolean terminal) {
        String enabled = environment.getProperty("spring.output.ansi.enabled", "detect");
        if ("never".equalsIgnoreCase(enabled)) {
            return true;
        }
        if (!"detect".equalsIgnoreCase(enabled)) {
            return false;
        }
        Boolean consoleAvailable = environment.getProperty("spring.output.ansi.console-available", Boolean.class);
        return Boolean.FALSE.equals(consoleAvailable) || (consoleAvailable == null && !terminal);
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
