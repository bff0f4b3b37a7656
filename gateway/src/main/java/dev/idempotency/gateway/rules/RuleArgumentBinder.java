package dev.idempotency.gateway.rules;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.IgnoreTopLevelConverterNotFoundBindHandler;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.bind.validation.BindValidationException;
import org.springframework.boot.context.properties.bind.validation.ValidationBindHandler;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.cloud.gateway.support.Configurable;
import org.springframework.cloud.gateway.support.NameUtils;
import org.springframework.cloud.gateway.support.ShortcutConfigurable;
import org.springframework.core.convert.ConversionService;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.validation.Validator;

/**
 * Binds a filter's or predicate's {@code args} the way Spring Cloud Gateway 5 does
 * ({@code ConfigurationService}: shortcut normalisation, SpEL, Spring Boot's {@link Binder} over
 * the args), with one difference for the gateway's own filters: they are bound strictly (an
 * unknown argument is an error, not silently ignored) onto their factory's {@code newConfig()},
 * which carries the global defaults. Used by the startup check, by reload, by the offline
 * {@code --validate}, and by {@link RulesConfigurationService} when routes are built, so all four
 * agree.
 */
final class RuleArgumentBinder {

    private static final java.util.regex.Pattern ARGUMENT = java.util.regex.Pattern.compile("argument '([A-Za-z0-9]+)");

    private final SpelExpressionParser parser = new SpelExpressionParser();

    private final BeanFactory beanFactory;

    private final Supplier<ConversionService> conversionService;

    private final Supplier<Validator> validator;

    RuleArgumentBinder(BeanFactory beanFactory, Supplier<ConversionService> conversionService,
            Supplier<Validator> validator) {
        this.beanFactory = beanFactory;
        this.conversionService = conversionService;
        this.validator = validator;
    }

    ConversionService conversionService() {
        return this.conversionService.get();
    }

    Validator validator() {
        return this.validator.get();
    }

    /** The gateway's own filters and predicates are bound strictly; Spring Cloud Gateway's as it binds them. */
    static boolean isOwn(Object factory) {
        return factory.getClass().getName().startsWith("dev.idempotency.");
    }

    /**
     * Binds {@code args} for {@code factory}, onto {@code target} when given (a config carrying
     * defaults), else onto a new config object as Spring Cloud Gateway does.
     *
     * @param subject how messages name the arguments' owner, such as "Route 'orders': Idempotency"
     */
    <C> Bound bind(Configurable<C> factory, String subject, Map<String, String> args, Object target) {
        ShortcutConfigurable shortcuts = (ShortcutConfigurable) factory;
        Map<String, Object> normalized;
        try {
            normalized = shortcuts.shortcutType().normalize(args, shortcuts, this.parser, this.beanFactory);
        }
        catch (RuntimeException ex) {
            return Bound.failed(subject + " arguments " + args + " cannot be read: " + ex.getMessage());
        }
        return bindNormalized(factory, subject, normalized, target);
    }

    /** Binds args already normalised (shortcut keys named, SpEL evaluated) by Spring Cloud Gateway. */
    <C> Bound bindNormalized(Configurable<C> factory, String subject, Map<String, Object> normalized, Object target) {
        ShortcutConfigurable shortcuts = (ShortcutConfigurable) factory;
        boolean strict = isOwn(factory);
        Bindable<?> bindable = target != null ? Bindable.ofInstance(target) : Bindable.of(factory.getConfigClass());
        BindHandler handler = new IgnoreTopLevelConverterNotFoundBindHandler();
        Validator validator = this.validator.get();
        if (validator != null) {
            handler = new ValidationBindHandler(handler, validator);
        }
        CollectingHandler failures = new CollectingHandler(handler);
        handler = strict ? new NoUnboundElementsBindHandler(failures) : failures;
        Binder binder = new Binder(List.of(new MapConfigurationPropertySource(normalized)), null,
                this.conversionService.get());
        List<String> problems = new ArrayList<>();
        Object bound = null;
        boolean unknown = false;
        try {
            // bindOrCreate would answer a new object for empty args, dropping the defaults in target.
            bound = target != null ? binder.bind(ConfigurationPropertyName.EMPTY, bindable, handler).map(Object.class::cast)
                .orElse(target) : binder.bindOrCreate(ConfigurationPropertyName.EMPTY, bindable, handler);
        }
        catch (BindException ex) {
            if (ex.getCause() instanceof UnboundConfigurationPropertiesException unbound) {
                bound = target; // bound in place up to the unknown arguments
                unknown = true;
                for (ConfigurationProperty property : unbound.getUnboundProperties()) {
                    if (!failures.names.contains(property.getName())) {
                        problems.add(unknown(shortcuts, factory.getConfigClass(), subject, property.getName(), normalized));
                    }
                }
            }
            else {
                problems.add(subject + " arguments cannot be bound: " + rootMessage(ex));
            }
        }
        failures.failures.forEach(failure -> problems.add(subject + " argument '" + displayName(failure.name, normalized)
                + "' must be " + AcceptedValues.describe(failure.target.getType()) + " (was " + failure.value + ")"));
        Set<String> failed = new LinkedHashSet<>();
        failures.names.forEach(name -> failed.add(name.getElement(0, ConfigurationPropertyName.Form.UNIFORM)));
        return new Bound(bound, problems, failed, unknown);
    }

    private static String unknown(ShortcutConfigurable factory, Class<?> configClass, String subject,
            ConfigurationPropertyName name, Map<String, Object> args) {
        String written = displayName(name, args);
        if (written.startsWith(NameUtils.GENERATED_NAME_PREFIX)) {
            List<String> order = factory.shortcutFieldOrder();
            return order.isEmpty()
                    ? subject + " has no one-line form; write it as '- name: ...' with its arguments under 'args:'"
                    : subject + " takes at most " + order.size() + " values in its one-line form (" + String.join(", ", order)
                            + "); write the others under 'args:'";
        }
        List<String> accepted = AcceptedValues.argumentsOf(AcceptedValues.ownerOf(configClass, name));
        String last = name.getLastElement(ConfigurationPropertyName.Form.ORIGINAL);
        return subject + " argument '" + written + "' is not known" + Suggestions.didYouMean(last, accepted)
                + "; accepted arguments: " + AcceptedValues.join(accepted);
    }

    /** The argument as the rule wrote it ({@code lockTimeout}), not Spring's canonical form. */
    private static String displayName(ConfigurationPropertyName name, Map<String, Object> args) {
        return args.keySet().stream()
            .filter(key -> new MapConfigurationPropertySource(Map.of(key, "")).stream().anyMatch(name::equals))
            .findFirst()
            .orElse(name.toString())
            .replaceAll("\\.(\\d+)(?=\\.|$)", "[$1]"); // Spring flattens clientLimits[0] to clientLimits.0 in args
    }

    static String rootMessage(Throwable ex) {
        Throwable cause = ex;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return cause.getMessage();
    }

    /**
     * A bound config and what could not be bound. With problems, the config holds every argument
     * that did bind (the others keep their defaults), so the filter's own checks can still run.
     */
    record Bound(Object config, List<String> problems, Set<String> failedArguments, boolean unknownArguments) {

        static Bound failed(String problem) {
            return new Bound(null, List.of(problem), Set.of(), false);
        }

        /** Whether the filter's own checks can say anything new: not after a misspelt or misplaced argument. */
        boolean checkable() {
            return this.config != null && !this.unknownArguments;
        }

        /**
         * Whether a message from the filter's own checks is about an argument that did not bind
         * (then it only repeats that problem: a list whose element failed is empty, for instance).
         */
        boolean repeats(String message) {
            java.util.regex.Matcher argument = ARGUMENT.matcher(message == null ? "" : message);
            return argument.find() && this.failedArguments.contains(argument.group(1).toLowerCase(java.util.Locale.ROOT));
        }

        boolean ok() {
            return this.problems.isEmpty();
        }

        String message() {
            return this.problems.stream().collect(Collectors.joining("; "));
        }
    }

    /**
     * Records a value that does not convert and carries on, so every bad argument of a filter is
     * reported at once; failures of the whole object (unknown arguments, validation) still throw.
     */
    static final class CollectingHandler extends AbstractBindHandler {

        final List<Failure> failures = new ArrayList<>();

        final Set<ConfigurationPropertyName> names = new LinkedHashSet<>();

        CollectingHandler() {
            this(BindHandler.DEFAULT);
        }

        CollectingHandler(BindHandler parent) {
            super(parent);
        }

        @Override
        public Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context, Exception error)
                throws Exception {
            if (context.getDepth() == 0 || error instanceof UnboundConfigurationPropertiesException
                    || error instanceof BindValidationException) {
                return super.onFailure(name, target, context, error);
            }
            ConfigurationProperty property = context.getConfigurationProperty();
            this.failures.add(new Failure(name, target, property != null ? property.getValue() : null));
            this.names.add(name);
            return null;
        }
    }

    record Failure(ConfigurationPropertyName name, Bindable<?> target, Object value) {
    }
}
