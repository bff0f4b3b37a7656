package dev.idempotency.gateway.rules;

import java.util.List;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.config.ConfigDataEnvironmentPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.StringUtils;

/**
 * Loads the rules named by {@code idempotency.rules.location} (or {@code IDEMPOTENCY_RULES_LOCATION})
 * into the environment, right after Spring Boot has read application.yml (so the location may be
 * set there too) and before any bean binds {@code spring.cloud.gateway.*}. A rules file that does
 * not parse, or routes without an id, uri or predicate, stop startup here; everything that needs
 * the gateway's beans is checked by {@link RulesStartupCheck}.
 */
public class RulesEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

    /** Just after application.yml and friends have been loaded. */
    public static final int ORDER = ConfigDataEnvironmentPostProcessor.ORDER + 1;

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        String location = environment.getProperty(RulesProperties.PREFIX + ".location");
        if (!StringUtils.hasText(location)) {
            return;
        }
        RuleSet rules = RuleSet.load(location);
        RulesPropertySource.install(environment.getPropertySources(), rules);
        List<RuleProblem> problems = new RulesValidator(null).validate(environment.getPropertySources(),
                rules.routeFiles());
        if (!problems.isEmpty()) {
            throw new RulesValidationException(location, problems);
        }
    }

    @Override
    public int getOrder() {
        return ORDER;
    }
}
