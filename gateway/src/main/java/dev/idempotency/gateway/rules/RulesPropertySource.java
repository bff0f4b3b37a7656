package dev.idempotency.gateway.rules;

import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.OriginLookup;
import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The merged rules as one property source, just above the application's own configuration files
 * (application.yml) and below environment variables, system properties and command-line
 * arguments, so an operator's {@code IDEMPOTENCY_STORE=redis} still wins over a rules file. Each
 * value knows its file, so Spring's own binding errors name it too.
 */
final class RulesPropertySource extends MapPropertySource implements OriginLookup<String> {

    static final String NAME = "idempotencyRules";

    private final RuleSet rules;

    RulesPropertySource(RuleSet rules) {
        super(NAME, rules.properties());
        this.rules = rules;
    }

    RuleSet rules() {
        return this.rules;
    }

    @Override
    public Object getProperty(String name) {
        Object value = super.getProperty(name);
        return value instanceof OriginTrackedValue tracked ? tracked.getValue() : value;
    }

    @Override
    public Origin getOrigin(String name) {
        return super.getProperty(name) instanceof OriginTrackedValue tracked ? tracked.getOrigin() : null;
    }

    static RulesPropertySource find(MutablePropertySources sources) {
        PropertySource<?> source = sources.get(NAME);
        return source instanceof RulesPropertySource rules ? rules : null;
    }

    /** Adds or replaces the rules in {@code sources}; returns the source it replaced, or null. */
    static RulesPropertySource install(MutablePropertySources sources, RuleSet rules) {
        RulesPropertySource previous = find(sources);
        RulesPropertySource next = new RulesPropertySource(rules);
        if (previous != null) {
            sources.replace(NAME, next);
        }
        else if (sources.contains(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME)) {
            sources.addAfter(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, next);
        }
        else {
            sources.addFirst(next);
        }
        return previous;
    }

    /** Puts {@code previous} back (or removes the rules when there were none), undoing {@link #install}. */
    static void restore(MutablePropertySources sources, RulesPropertySource previous) {
        if (previous != null) {
            sources.replace(NAME, previous);
        }
        else {
            sources.remove(NAME);
        }
    }
}
