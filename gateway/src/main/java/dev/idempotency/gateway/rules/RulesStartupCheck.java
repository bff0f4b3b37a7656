package dev.idempotency.gateway.rules;

import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Checks every route once all beans exist and before the web server starts or Spring Cloud
 * Gateway builds its routes, so a bad rule stops startup with one message per problem rather
 * than the first stack trace (Gateway 5 only fails by accident, on the first bad filter, and
 * ignores unknown arguments entirely).
 */
final class RulesStartupCheck implements SmartInitializingSingleton {

    private static final Log logger = LogFactory.getLog(RulesStartupCheck.class);

    private final ConfigurableApplicationContext context;

    RulesStartupCheck(ConfigurableApplicationContext context) {
        this.context = context;
    }

    @Override
    public void afterSingletonsInstantiated() {
        RulesPropertySource rules = RulesPropertySource.find(this.context.getEnvironment().getPropertySources());
        Map<String, String> routeFiles = rules != null ? rules.rules().routeFiles() : Map.of();
        List<RuleProblem> problems = new RulesValidator(RuleFactories.of(this.context))
            .validate(this.context.getEnvironment().getPropertySources(), routeFiles);
        if (!problems.isEmpty()) {
            throw new RulesValidationException(rules != null ? rules.rules().location() : null, problems);
        }
        if (rules != null) {
            logger.info("rules: " + rules.rules().routeCount() + " routes from " + String.join(", ", rules.rules().fileNames()));
        }
    }
}
