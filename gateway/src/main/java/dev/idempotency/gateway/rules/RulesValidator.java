package dev.idempotency.gateway.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.PropertySourcesPlaceholdersResolver;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.convert.ApplicationConversionService;
import org.springframework.cloud.gateway.filter.FilterDefinition;
import org.springframework.cloud.gateway.filter.factory.GatewayFilterFactory;
import org.springframework.cloud.gateway.handler.predicate.PredicateDefinition;
import org.springframework.cloud.gateway.handler.predicate.RoutePredicateFactory;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.cloud.gateway.support.HasRouteId;
import org.springframework.core.env.PropertySource;

/**
 * Checks every route the gateway would build from a set of property sources, collecting every
 * problem instead of stopping at the first: the shape of each route (id, uri, predicates), the
 * names of its filters and predicates, and each filter's arguments bound and checked exactly as
 * the running gateway binds and checks them; then {@code idempotency.*} properties nobody binds.
 * <p>
 * Without {@link RuleFactories} (before any bean exists) only the shape is checked.
 */
final class RulesValidator {

    private static final String DEFAULT_FILTERS_ID = "default-filters";

    // {name}, {*name} and {name:regex} in a PathPattern; the regex may not contain '}'.
    private static final Pattern PATH_VARIABLE = Pattern.compile("\\{\\*?([^}:]+)(:[^}]*)?}");

    private final RuleFactories factories;

    RulesValidator(RuleFactories factories) {
        this.factories = factories;
    }

    static Binder binderOf(Iterable<PropertySource<?>> sources) {
        return new Binder(ConfigurationPropertySources.from(sources), new PropertySourcesPlaceholdersResolver(sources),
                ApplicationConversionService.getSharedInstance());
    }

    /**
     * @param routeFiles the rule file of each route id, to name it in messages
     */
    List<RuleProblem> validate(Iterable<PropertySource<?>> sources, Map<String, String> routeFiles) {
        Binder binder = binderOf(sources);
        Problems problems = new Problems(routeFiles);
        List<RouteDefinition> routes = bindList(binder, RuleSetReader.ROUTES, RouteDefinition.class, problems);
        List<FilterDefinition> defaultFilters = bindList(binder, RuleSetReader.DEFAULT_FILTERS, FilterDefinition.class,
                problems);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < routes.size(); i++) {
            checkShape(i, routes.get(i), ids, problems);
        }
        if (this.factories == null) {
            return problems.list;
        }
        for (int i = 0; i < defaultFilters.size(); i++) {
            checkFilter(DEFAULT_FILTERS_ID, "default-filters[" + i + "]", defaultFilters.get(i), null, binder, problems);
        }
        for (RouteDefinition route : routes) {
            if (route.getId() == null) {
                continue;
            }
            route.getPredicates().forEach(predicate -> checkPredicate(route.getId(), predicate, problems));
            for (int i = 0; i < route.getFilters().size(); i++) {
                checkFilter(route.getId(), "filters[" + i + "]", route.getFilters().get(i), route.getPredicates(), binder,
                        problems);
            }
        }
        UnknownPropertiesCheck.check(binder, sources, this.factories.propertiesTypes()).forEach(problems.list::add);
        return problems.list;
    }

    private static <T> List<T> bindList(Binder binder, String name, Class<T> type, Problems problems) {
        RuleArgumentBinder.CollectingHandler failures = new RuleArgumentBinder.CollectingHandler();
        List<T> list;
        try {
            list = binder.bind(name, Bindable.listOf(type), failures).orElse(List.of());
        }
        catch (BindException ex) {
            problems.add(null, "'" + name + "' cannot be read: " + RuleArgumentBinder.rootMessage(ex));
            return List.of();
        }
        failures.failures.forEach(failure -> problems.add(null, "'" + failure.name() + "' must be "
                + AcceptedValues.describe(failure.target().getType()) + " (was " + failure.value() + ")"));
        return list;
    }

    private static void checkShape(int index, RouteDefinition route, Set<String> ids, Problems problems) {
        String id = route.getId();
        if (id == null || id.isBlank()) {
            problems.add(null, "route #" + (index + 1) + " (" + RuleSetReader.ROUTES + "[" + index + "]) has no id; every "
                    + "route needs a stable id (it is part of every stored key), such as 'id: orders-create'");
            return;
        }
        if (!ids.add(id)) {
            problems.add(id, "Route '" + id + "' is declared twice; route ids must be unique");
        }
        if (route.getUri() == null) {
            problems.add(id, "Route '" + id + "': 'uri' is required, such as http://orders:8080 or lb://orders");
        }
        if (route.getPredicates().isEmpty()) {
            problems.add(id, "Route '" + id + "' needs at least one predicate, such as '- Path=/orders/**'");
        }
        route.getPredicates().stream().filter(predicate -> predicate.getName() == null || predicate.getName().isBlank())
            .forEach(predicate -> problems.add(id, "Route '" + id + "': a predicate has no name"));
        route.getFilters().stream().filter(filter -> filter.getName() == null || filter.getName().isBlank())
            .forEach(filter -> problems.add(id, "Route '" + id + "': a filter has no name"));
    }

    private void checkPredicate(String routeId, PredicateDefinition definition, Problems problems) {
        String name = definition.getName();
        if (name == null || name.isBlank()) {
            return;
        }
        RoutePredicateFactory<?> factory = this.factories.predicate(name).orElse(null);
        if (factory == null) {
            if (!this.factories.predicateNames().contains(name)) {
                problems.add(routeId, "Route '" + routeId + "': unknown predicate '" + name + "'"
                        + Suggestions.didYouMean(name, this.factories.predicateNames()) + "; known predicates: "
                        + AcceptedValues.join(this.factories.predicateNames()));
            }
            return;
        }
        String subject = "Route '" + routeId + "': predicate " + name;
        RuleArgumentBinder.Bound bound = this.factories.binder().bind(factory, subject, definition.getArgs(), null);
        bound.problems().forEach(problem -> problems.add(routeId, problem));
        if (bound.config() == null) {
            return;
        }
        try {
            applyPredicate(factory, bound.config());
        }
        catch (RuntimeException ex) {
            problems.add(routeId, subject + ": " + RuleArgumentBinder.rootMessage(ex));
        }
    }

    /** @param predicates the route's predicates, or null for a default filter (which serves many routes) */
    private void checkFilter(String routeId, String where, FilterDefinition definition,
            List<PredicateDefinition> predicates, Binder binder, Problems problems) {
        String name = definition.getName();
        if (name == null || name.isBlank()) {
            return;
        }
        GatewayFilterFactory<?> factory = this.factories.filter(name).orElse(null);
        if (factory == null) {
            if (!this.factories.filterNames().contains(name)) {
                problems.add(routeId, "Route '" + routeId + "': unknown filter '" + name + "' in " + where
                        + Suggestions.didYouMean(name, this.factories.filterNames()) + "; known filters: "
                        + AcceptedValues.join(this.factories.filterNames()));
            }
            return;
        }
        String subject = "Route '" + routeId + "': " + name;
        Object target = RuleArgumentBinder.isOwn(factory) ? defaultsOf(factory.getConfigClass(), binder, problems) : null;
        RuleArgumentBinder.Bound bound = this.factories.binder().bind(factory, subject, definition.getArgs(), target);
        bound.problems().forEach(problem -> problems.add(routeId, problem));
        if (!bound.checkable()) {
            return;
        }
        if (bound.config() instanceof HasRouteId config) {
            config.setRouteId(routeId);
        }
        if (predicates != null && bound.config() instanceof PathVariablesUser user) {
            checkPathVariables(routeId, subject, user, predicates, problems);
        }
        try {
            // The filter's own checks, exactly as Spring Cloud Gateway will run them when it builds the route.
            applyFilter(factory, bound.config());
        }
        catch (RuntimeException ex) {
            if (this.factories.inert() && !(ex instanceof IllegalArgumentException)) {
                return;
            }
            List<String> messages = ex instanceof ArgumentProblems.InvalidArgumentsException invalid ? invalid.problems()
                    : Collections.singletonList(RuleArgumentBinder.rootMessage(ex));
            for (String message : messages) {
                if (!bound.repeats(message)) {
                    problems.add(routeId, message != null && message.startsWith("Route '") ? message : subject + ": " + message);
                }
            }
        }
    }

    private static void checkPathVariables(String routeId, String subject, PathVariablesUser user,
            List<PredicateDefinition> predicates, Problems problems) {
        List<String> patterns = predicates.stream().filter(predicate -> "Path".equals(predicate.getName()))
            .flatMap(predicate -> predicate.getArgs().values().stream())
            .toList();
        Set<String> declared = new LinkedHashSet<>();
        patterns.forEach(pattern -> {
            Matcher variable = PATH_VARIABLE.matcher(pattern);
            while (variable.find()) {
                declared.add(variable.group(1));
            }
        });
        for (PathVariablesUser.PathVariable variable : user.pathVariables()) {
            if (!declared.contains(variable.name())) {
                problems.add(routeId, subject + " argument '" + variable.argument() + "' part '" + variable.written()
                        + "' names no variable of the route's Path predicate " + (patterns.isEmpty() ? "(it has none)"
                                : patterns + " (variables: " + (declared.isEmpty() ? "none" : AcceptedValues.join(declared))
                                        + ")"));
            }
        }
    }

    /**
     * A fresh config carrying the global defaults from these sources (not the running gateway's,
     * which a reload is about to replace): what the factory's {@code newConfig()} will return.
     */
    private Object defaultsOf(Class<?> configClass, Binder binder, Problems problems) {
        Object config = BeanUtils.instantiateClass(configClass);
        String path = this.factories.defaultsPath(configClass).orElse(null);
        if (path != null) {
            // Conversion failures here are reported by the properties check.
            binder.bind(path, Bindable.ofInstance(config), new RuleArgumentBinder.CollectingHandler());
        }
        return config;
    }

    @SuppressWarnings("unchecked")
    private static <C> void applyFilter(GatewayFilterFactory<C> factory, Object config) {
        factory.apply((C) config);
    }

    @SuppressWarnings("unchecked")
    private static <C> void applyPredicate(RoutePredicateFactory<C> factory, Object config) {
        factory.applyAsync((C) config);
    }

    /** Problems in order, each attributed to its route's rule file when it has one. */
    private static final class Problems {

        final List<RuleProblem> list = new ArrayList<>();

        private final Map<String, String> routeFiles;

        Problems(Map<String, String> routeFiles) {
            this.routeFiles = routeFiles;
        }

        void add(String routeId, String message) {
            this.list.add(new RuleProblem(routeId == null ? null : this.routeFiles.get(routeId), message));
        }
    }
}
