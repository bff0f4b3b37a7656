package dev.idempotency.gateway.rules;

import java.beans.PropertyDescriptor;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.beans.BeanUtils;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationPropertiesBean;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.context.ApplicationContext;
import org.springframework.core.convert.ConversionService;
import org.springframework.validation.Validator;

/**
 * What a rule may name: the filter and predicate factories (instances where they exist, otherwise
 * just their names, as in the offline check), the gateway's {@code idempotency.*} properties
 * classes, and the binder their arguments go through.
 */
final class RuleFactories {

    private final Map<String, GatewayFilterFactory<?>> filters;

    private final Set<String> filterNames;

    private final Map<String, RoutePredicateFactory<?>> predicates;

    private final Set<String> predicateNames;

    private final Map<Class<?>, String> propertiesTypes;

    private final RuleArgumentBinder binder;

    private final boolean inert;

    RuleFactories(Collection<GatewayFilterFactory<?>> filters, Set<String> moreFilterNames,
            Collection<RoutePredicateFactory<?>> predicates, Set<String> morePredicateNames,
            Map<Class<?>, String> propertiesTypes, RuleArgumentBinder binder, boolean inert) {
        this.filters = new LinkedHashMap<>();
        filters.forEach(factory -> this.filters.put(factory.name(), factory));
        this.filterNames = new TreeSet<>(moreFilterNames);
        this.filterNames.addAll(this.filters.keySet());
        this.predicates = new LinkedHashMap<>();
        predicates.forEach(factory -> this.predicates.put(factory.name(), factory));
        this.predicateNames = new TreeSet<>(morePredicateNames);
        this.predicateNames.addAll(this.predicates.keySet());
        this.propertiesTypes = new LinkedHashMap<>();
        propertiesTypes.entrySet().stream()
            .sorted(Map.Entry.<Class<?>, String>comparingByValue().thenComparing(entry -> entry.getKey().getName()))
            .forEach(entry -> this.propertiesTypes.put(entry.getKey(), entry.getValue()));
        this.binder = binder;
        this.inert = inert;
    }

    /** Everything the running gateway registered: the exact set Spring Cloud Gateway will look names up in. */
    @SuppressWarnings({ "unchecked", "rawtypes" })
    static RuleFactories of(ApplicationContext context) {
        ListableBeanFactory beans = context;
        Collection<GatewayFilterFactory<?>> filters = (Collection) beans.getBeansOfType(GatewayFilterFactory.class).values();
        Collection<RoutePredicateFactory<?>> predicates = (Collection) beans.getBeansOfType(RoutePredicateFactory.class)
            .values();
        // Classes of features switched off (not registered as beans) still own their keys: setting
        // them is not a typo.
        Map<Class<?>, String> types = new LinkedHashMap<>(OfflineRuleFactories.propertiesTypes());
        ConfigurationPropertiesBean.getAll(context).values().forEach(bean -> {
            String prefix = bean.getAnnotation().prefix();
            if (prefix.equals("idempotency") || prefix.startsWith("idempotency.")) {
                types.put(bean.asBindTarget().getType().resolve(Object.class), prefix);
            }
        });
        return new RuleFactories(filters, Set.of(), predicates, Set.of(), types, binderOf(context), false);
    }

    /** Binds the way Spring Cloud Gateway's ConfigurationService does in this context. */
    static RuleArgumentBinder binderOf(ListableBeanFactory beans) {
        return new RuleArgumentBinder(beans,
                () -> beans.containsBean("webFluxConversionService")
                        ? beans.getBean("webFluxConversionService", ConversionService.class) : null,
                () -> {
                    try {
                        return beans.getBeanProvider(Validator.class).getIfAvailable();
                    }
                    catch (RuntimeException ambiguous) {
                        return null;
                    }
                });
    }

    Optional<GatewayFilterFactory<?>> filter(String name) {
        return Optional.ofNullable(this.filters.get(name));
    }

    Optional<RoutePredicateFactory<?>> predicate(String name) {
        return Optional.ofNullable(this.predicates.get(name));
    }

    Set<String> filterNames() {
        return this.filterNames;
    }

    Set<String> predicateNames() {
        return this.predicateNames;
    }

    /** The gateway's properties classes with their prefixes, in the order of their prefixes. */
    Map<Class<?>, String> propertiesTypes() {
        return this.propertiesTypes;
    }

    RuleArgumentBinder binder() {
        return this.binder;
    }

    /**
     * Whether the factories were built with inert collaborators (offline): then only an
     * IllegalArgumentException from {@code apply()} is a finding (the filters' contract for a bad
     * argument); anything else may be a missing collaborator, and startup will tell.
     */
    boolean inert() {
        return this.inert;
    }

    /**
     * Where the global defaults of a filter's config live, such as {@code idempotency.defaults}
     * for the Idempotency filter: the properties class with a property of that config type.
     */
    Optional<String> defaultsPath(Class<?> configClass) {
        for (Map.Entry<Class<?>, String> entry : this.propertiesTypes.entrySet()) {
            for (PropertyDescriptor property : BeanUtils.getPropertyDescriptors(entry.getKey())) {
                if (property.getReadMethod() != null && property.getPropertyType() == configClass) {
                    return Optional.of(entry.getValue() + "." + UnknownPropertiesCheck.kebab(property.getName()));
                }
            }
        }
        return Optional.empty();
    }
}
