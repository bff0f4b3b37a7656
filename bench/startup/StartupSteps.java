package dev.idempotency.bench.startup;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline.TimelineEvent;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.metrics.StartupStep;

/**
 * Starts a Spring Boot application (the gateway or bench/baseline) with Spring's startup recorder
 * and writes every startup step as a tab-separated line: step name, the bean or phase it was for,
 * its own time in milliseconds (less the steps inside it) and its whole time; then stops the
 * application. {@code bench/startup-steps} groups the lines by feature.
 *
 * <p>Usage: {@code java -Dstartup.steps.out=FILE -cp <this>:<the application's class path>
 * dev.idempotency.bench.startup.StartupSteps MAIN-CLASS [application arguments]}
 */
public final class StartupSteps {

    private StartupSteps() {
    }

    public static void main(String[] args) throws Exception {
        Class<?> main = Class.forName(args[0]);
        String[] applicationArgs = Arrays.copyOfRange(args, 1, args.length);
        SpringApplication application = new SpringApplication(main);
        BufferingApplicationStartup startup = new BufferingApplicationStartup(100_000);
        application.setApplicationStartup(startup);
        ConfigurableApplicationContext context = application.run(applicationArgs);
        write(startup.getBufferedTimeline().getEvents(), Path.of(System.getProperty("startup.steps.out")));
        System.exit(SpringApplication.exit(context));
    }

    private static void write(List<TimelineEvent> events, Path out) throws IOException {
        Map<Long, Long> childNanos = new HashMap<>();
        for (TimelineEvent event : events) {
            Long parent = event.getStartupStep().getParentId();
            if (parent != null) {
                childNanos.merge(parent, event.getDuration().toNanos(), Long::sum);
            }
        }
        try (PrintWriter writer = new PrintWriter(Files.newBufferedWriter(out))) {
            for (TimelineEvent event : events) {
                StartupStep step = event.getStartupStep();
                long total = event.getDuration().toNanos();
                long self = total - childNanos.getOrDefault(step.getId(), 0L);
                writer.printf("%s\t%s\t%.3f\t%.3f%n", step.getName(), subject(step), self / 1e6, total / 1e6);
            }
        }
    }

    // The bean a step created; "-" for a step that is not about one bean.
    private static String subject(StartupStep step) {
        for (StartupStep.Tag tag : step.getTags()) {
            if (tag.getKey().equals("beanName")) {
                return tag.getValue();
            }
        }
        return "-";
    }
}
