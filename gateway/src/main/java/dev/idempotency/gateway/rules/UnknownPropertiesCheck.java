package dev.idempotency.gateway.rules;

import java.beans.PropertyDescriptor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.boot.origin.Origin;
import org.springframework.boot.origin.PropertySourceOrigin;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.util.ClassUtils;
import org.springframework.util.unit.DataSize;

/**
 * Finds {@code idempotency.*} properties that none of the gateway's {@code @ConfigurationProperties}
 * classes binds (a typo such as {@code idempotency.defaults.tll} would otherwise be ignored), and
 * values that do not convert. Like Spring Boot's own strict binding, environment variables and
 * system properties are not checked: a platform may set variables the gateway does not know.
 */
final class UnknownPropertiesCheck {

    static final ConfigurationPropertyName ROOT = ConfigurationPropertyName.of("idempotency");

    private UnknownPropertiesCheck() {
    }

    /**
     * @param types the gateway's properties classes with their prefixes, such as idempotency.rate-limit
     */
    static List<RuleProblem> check(Binder binder, Iterable<PropertySource<?>> sources, Map<Class<?>, String> types) {
        List<RuleProblem> problems = new ArrayList<>();
        Tracking tracking = new Tracking();
        types.forEach((type, prefix) -> {
            try {
                binder.bind(prefix, Bindable.of(type), tracking);
            }
            catch (BindException ex) {
                problems.add(RuleProblem.of("'" + ex.getName() + "' cannot be bound: " + RuleArgumentBinder.rootMessage(ex)));
            }
        });
        tracking.failures.forEach(failure -> problems.add(new RuleProblem(fileOf(failure.origin()), "'" + failure.name()
                + "' must be " + AcceptedValues.describe(failure.target().getType()) + " (was " + failure.value() + ")")));
        Set<String> known = knownNames(types);
        for (PropertySource<?> source : sources) {
            if (isPlatformSource(source)
                    || !(ConfigurationPropertySource.from(source) instanceof IterableConfigurationPropertySource names)) {
                continue;
            }
            names.stream().filter(ROOT::isAncestorOf)
                .filter(name -> !tracking.bound.contains(name) && !tracking.failed.contains(name))
                .forEach(name -> problems.add(new RuleProblem(fileOf(names.getConfigurationProperty(name)),
                        "'" + name + "' is not a property of this gateway" + Suggestions.didYouMean(name.toString(), known)
                                + "; see the configuration metadata or docs/rules.md")));
        }
        return problems;
    }

    // Spring Boot's UnboundElementsSourceFilter skips the same two.
    private static boolean isPlatformSource(PropertySource<?> source) {
        return StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME.equals(source.getName())
                || StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME.equals(source.getName());
    }

    private static String fileOf(Object originProvider) {
        Origin origin = Origin.from(originProvider);
        while (origin instanceof PropertySourceOrigin wrapper && wrapper.getOrigin() != null) {
            origin = wrapper.getOrigin();
        }
        if (origin instanceof TextResourceOrigin text && text.getResource() instanceof FileSystemResource file) {
            return file.getPath();
        }
        if (origin instanceof TextResourceOrigin text && text.getResource() != null) {
            return text.getResource().getDescription();
        }
        return origin != null ? origin.toString() : null;
    }

    /** Every property name the classes declare, for suggestions. */
    static Set<String> knownNames(Map<Class<?>, String> types) {
        Set<String> names = new LinkedHashSet<>();
        types.forEach((type, prefix) -> collect(prefix, type, names, 0));
        return names;
    }

    private static void collect(String prefix, Class<?> type, Set<String> names, int depth) {
        for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(type)) {
            if (property.getReadMethod() == null || property.getName().equals("class")) {
                continue;
            }
            String name = prefix + "." + kebab(property.getName());
            Class<?> propertyType = property.getPropertyType();
            if (isLeaf(propertyType) || depth > 3) {
                names.add(name);
            }
            else {
                collect(name, propertyType, names, depth + 1);
            }
        }
    }

    private static boolean isLeaf(Class<?> type) {
        return ClassUtils.isSimpleValueType(type) || type == Duration.class || type == DataSize.class
                || Collection.class.isAssignableFrom(type) || Map.class.isAssignableFrom(type) || type.isArray();
    }

    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase();
    }

    /** Remembers what was bound and what failed to convert, binding on past failures. */
    private static final class Tracking extends org.springframework.boot.context.properties.bind.AbstractBindHandler {

        final Set<ConfigurationPropertyName> bound = new LinkedHashSet<>();

        final Set<ConfigurationPropertyName> failed = new LinkedHashSet<>();

        final List<Failure> failures = new ArrayList<>();

        @Override
        public Object onSuccess(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Object result) {
            this.bound.add(name);
            return super.onSuccess(name, target, context, result);
        }

        @Override
        public Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Exception error)
                throws Exception {
            if (context.getDepth() == 0) {
                return super.onFailure(name, target, context, error);
            }
            ConfigurationProperty property = context.getConfigurationProperty();
            this.failed.add(name);
            this.failures.add(new Failure(name, target, property != null ? property.getValue() : null, property));
            return null;
        }
    }

    private record Failure(ConfigurationPropertyName name, Bindable<?> target, Object value, ConfigurationProperty origin) {
    }
}
