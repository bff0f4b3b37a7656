package dev.idempotency.gateway.rules;

import java.io.IOException;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/**
 * {@code java -jar idempotency-gateway-exec.jar --validate <rules file or directory>}: checks rules
 * the way startup does, without a web server, a store or Redis, for a CI step before deploying.
 * Prints {@code OK: <n> routes in <files>} and exits 0, or one line per problem and exits 1 (2 for
 * a usage error). What is checked offline, and what only at startup, is described in
 * {@link OfflineRuleFactories}.
 */
public final class RulesValidationCommand {

    public static final String OPTION = "--validate";

    private RulesValidationCommand() {
    }

    public static boolean isRequested(String[] args) {
        return Arrays.stream(args).anyMatch(arg -> arg.equals(OPTION) || arg.startsWith(OPTION + "="));
    }

    /** The entry point from {@code IdempotencyGatewayApplication.main}: runs, then exits the JVM. */
    public static void main(String[] args) {
        // No Spring Boot application runs here to configure logging; keep the output to the verdict.
        LoggingSystem.get(RulesValidationCommand.class.getClassLoader()).beforeInitialize();
        System.exit(run(args, System.out));
    }

    /** Checks the rules named in {@code args}, printing the verdict to {@code out}; returns the exit code. */
    public static int run(String[] args, PrintStream out) {
        String location = locationOf(args);
        if (location == null) {
            out.println("usage: java -jar idempotency-gateway-exec.jar " + OPTION + " <rules file or directory>");
            return 2;
        }
        List<RuleProblem> problems;
        RuleSet rules;
        try {
            rules = RuleSet.load(location);
            StandardEnvironment environment = environmentOf(rules);
            problems = new RulesValidator(OfflineRuleFactories.create(environment))
                .validate(environment.getPropertySources(), rules.routeFiles());
        }
        catch (RulesValidationException ex) {
            problems = ex.getProblems();
            rules = null;
        }
        if (problems.isEmpty()) {
            out.println("OK: " + rules.routeCount() + " routes in " + String.join(", ", rules.fileNames()));
            return 0;
        }
        problems.forEach(out::println);
        out.println(problems.size() + (problems.size() == 1 ? " problem" : " problems") + " in " + location
                + ": the gateway would not start with these rules");
        return 1;
    }

    private static String locationOf(String[] args) {
        for (int i = 0; i < args.length; i++) {
            if (args[i].startsWith(OPTION + "=")) {
                return args[i].substring(OPTION.length() + 1);
            }
            if (args[i].equals(OPTION) && i + 1 < args.length && !args[i + 1].startsWith("--")) {
                return args[i + 1];
            }
        }
        return null;
    }

    /** The rules over the gateway's packaged application.yml, as a started gateway would see them. */
    private static StandardEnvironment environmentOf(RuleSet rules) {
        StandardEnvironment environment = new StandardEnvironment();
        ClassPathResource applicationYml = new ClassPathResource("application.yml");
        if (applicationYml.exists()) {
            try {
                new YamlPropertySourceLoader().load("Config resource 'class path resource [application.yml]'", applicationYml)
                    .forEach(environment.getPropertySources()::addLast);
            }
            catch (IOException ex) {
                throw new IllegalStateException("cannot read the packaged application.yml", ex);
            }
        }
        RulesPropertySource.install(environment.getPropertySources(), rules);
        return environment;
    }
}
