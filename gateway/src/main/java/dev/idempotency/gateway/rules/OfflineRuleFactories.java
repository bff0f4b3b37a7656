package dev.idempotency.gateway.rules;

import java.lang.reflect.Constructor;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.context.annotation.ClassPathScanningCandidateComponentProvider;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.type.filter.AnnotationTypeFilter;
import org.springframework.core.type.filter.AssignableTypeFilter;
import org.springframework.core.type.filter.TypeFilter;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;

/**
 * What the offline check knows without starting the gateway (no Redis, no web server, no Spring
 * context: a CI step needs only the rules and the jar):
 * <ul>
 * <li>the gateway's own filter factories, built with inert collaborators (no store, no Redis):
 * their arguments are bound and checked by their own {@code apply()}, exactly as at startup;</li>
 * <li>Spring Cloud Gateway's filters and predicates by name only (found on the class path), their
 * arguments unchecked until startup;</li>
 * <li>the gateway's {@code @ConfigurationProperties} classes, for {@code idempotency.*} keys.</li>
 * </ul>
 */
final class OfflineRuleFactories {

    private static final String OWN_PACKAGE = "dev.idempotency.gateway";

    private OfflineRuleFactories() {
    }

    static RuleFactories create(ConfigurableEnvironment environment) {
        DefaultListableBeanFactory beans = new DefaultListableBeanFactory();
        beans.registerSingleton("environment", environment); // for SpEL in args, as Spring Cloud Gateway evaluates it
        List<GatewayFilterFactory<?>> own = new ArrayList<>();
        for (Class<?> type : scan(OWN_PACKAGE, new AssignableTypeFilter(GatewayFilterFactory.class))) {
            own.add((GatewayFilterFactory<?>) instantiate(type));
        }
        Set<String> filterNames = names("org.springframework.cloud.gateway.filter.factory", GatewayFilterFactory.class);
        Set<String> predicateNames = names("org.springframework.cloud.gateway.handler.predicate", RoutePredicateFactory.class);
        predicateNames.addAll(names(OWN_PACKAGE, RoutePredicateFactory.class));
        return new RuleFactories(own, filterNames, List.of(), predicateNames, propertiesTypes(),
                new RuleArgumentBinder(beans, () -> null, () -> null), true);
    }

    /**
     * The gateway's {@code idempotency.*} properties classes with their prefixes; several packages
     * may bind under the same prefix (identity/ and store/redis/ under {@code idempotency}).
     */
    static Map<Class<?>, String> propertiesTypes() {
        Map<Class<?>, String> types = new LinkedHashMap<>();
        for (Class<?> type : scan(OWN_PACKAGE, new AnnotationTypeFilter(ConfigurationProperties.class))) {
            String prefix = MergedAnnotations.from(type).get(ConfigurationProperties.class).getString("prefix");
            if (prefix.equals("idempotency") || prefix.startsWith("idempotency.")) {
                types.put(type, prefix);
            }
        }
        return types;
    }

    /**
     * Builds a factory through its widest constructor with inert arguments: a fresh config where
     * it takes its defaults (the check binds the real defaults itself), empty collections, a
     * simple meter registry, the system clock, and null for services (store, resolver, limiter),
     * which {@code apply()} only hands to the filter it creates.
     */
    static Object instantiate(Class<?> type) {
        Constructor<?> constructor = Arrays.stream(type.getDeclaredConstructors())
            .max(Comparator.comparingInt(Constructor::getParameterCount))
            .orElseThrow();
        Object[] arguments = Arrays.stream(constructor.getParameterTypes()).map(OfflineRuleFactories::inert).toArray();
        ReflectionUtils.makeAccessible(constructor);
        return BeanUtils.instantiateClass(constructor, arguments);
    }

    private static Object inert(Class<?> type) {
        if (type.isPrimitive()) {
            return type == boolean.class ? Boolean.FALSE : defaultPrimitive(type);
        }
        if (List.class.isAssignableFrom(type) || type == Collection.class) {
            return List.of();
        }
        if (Set.class.isAssignableFrom(type)) {
            return Set.of();
        }
        if (Map.class.isAssignableFrom(type)) {
            return Map.of();
        }
        if (type == MeterRegistry.class) {
            return new SimpleMeterRegistry();
        }
        if (type == Clock.class) {
            return Clock.systemUTC();
        }
        if (type.getName().startsWith(OWN_PACKAGE) && type.getName().endsWith("$Config")) {
            return BeanUtils.instantiateClass(type);
        }
        return null;
    }

    private static Object defaultPrimitive(Class<?> type) {
        if (type == long.class) {
            return 0L;
        }
        if (type == double.class) {
            return 0d;
        }
        if (type == float.class) {
            return 0f;
        }
        if (type == char.class) {
            return (char) 0;
        }
        if (type == byte.class) {
            return (byte) 0;
        }
        if (type == short.class) {
            return (short) 0;
        }
        return 0;
    }

    /**
     * The names Spring Cloud Gateway gives the factories on the class path, derived from their class
     * names as NameUtils derives them ({@code RewritePathGatewayFilterFactory} is {@code RewritePath}),
     * without loading the classes and everything they use.
     */
    private static Set<String> names(String basePackage, Class<?> type) {
        Set<String> names = new LinkedHashSet<>();
        for (String className : scanNames(basePackage, new AssignableTypeFilter(type))) {
            String simpleName = className.substring(className.lastIndexOf('.') + 1);
            simpleName = simpleName.substring(simpleName.lastIndexOf('$') + 1);
            // A class not named *GatewayFilterFactory / *RoutePredicateFactory overrides name() (and needs
            // libraries this gateway does not ship, such as Resilience4J); its name is unknown offline.
            if (simpleName.endsWith(type.getSimpleName())) {
                names.add(simpleName.substring(0, simpleName.length() - type.getSimpleName().length()));
            }
        }
        return names;
    }

    // The class path does not change while the JVM runs; tests validate many rule sets in one JVM.
    private static final Map<String, List<String>> SCANS = new java.util.concurrent.ConcurrentHashMap<>();

    private static List<Class<?>> scan(String basePackage, TypeFilter filter) {
        return scanNames(basePackage, filter).stream()
            .<Class<?>>map(name -> ClassUtils.resolveClassName(name, OfflineRuleFactories.class.getClassLoader()))
            .toList();
    }

    private static List<String> scanNames(String basePackage, TypeFilter filter) {
        String key = basePackage + " " + (filter instanceof AssignableTypeFilter assignable ? assignable.getTargetType()
                : ((AnnotationTypeFilter) filter).getAnnotationType()).getName();
        return SCANS.computeIfAbsent(key, unused -> {
            ClassPathScanningCandidateComponentProvider scanner = new ClassPathScanningCandidateComponentProvider(false);
            scanner.addIncludeFilter(filter);
            return scanner.findCandidateComponents(basePackage).stream().map(BeanDefinition::getBeanClassName).toList();
        });
    }
}
