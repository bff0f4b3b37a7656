package dev.idempotency.gateway.rules;

import java.util.function.Supplier;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.cloud.gateway.support.Configurable;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.cloud.gateway.support.ShortcutConfigurable;
import org.springframework.core.convert.ConversionService;
import org.springframework.validation.Validator;

/**
 * Spring Cloud Gateway's {@link ConfigurationService}, binding the gateway's own filters through
 * {@link RuleArgumentBinder}. Gateway 5.0 binds every route's args onto a new config object
 * ({@code Bindable.of(configClass)}), never calling the factory's {@code newConfig()}: without
 * this, {@code idempotency.defaults.*} and {@code idempotency.rate-limit.defaults.*} would never
 * reach a route, and a misspelt argument would be dropped silently. Spring Cloud Gateway's own
 * filters and predicates are bound exactly as before.
 */
final class RulesConfigurationService extends ConfigurationService {

    private final RuleArgumentBinder binder;

    RulesConfigurationService(BeanFactory beanFactory, Supplier<ConversionService> conversionService,
            Supplier<Validator> validator, RuleArgumentBinder binder) {
        super(beanFactory, conversionService, validator);
        this.binder = binder;
    }

    @Override
    public <T, C extends Configurable<T> & ShortcutConfigurable> ConfigurableBuilder<T, C> with(C configurable) {
        if (!RuleArgumentBinder.isOwn(configurable)) {
            return super.with(configurable);
        }
        return new DefaultsBuilder<>(this, configurable, this.binder);
    }

    /** Binds onto {@code newConfig()} (the defaults), strictly; the route id is not known yet here. */
    private static final class DefaultsBuilder<T, C extends Configurable<T> & ShortcutConfigurable>
            extends ConfigurableBuilder<T, C> {

        private final C configurable;

        private final RuleArgumentBinder binder;

        DefaultsBuilder(ConfigurationService service, C configurable, RuleArgumentBinder binder) {
            super(service, configurable);
            this.configurable = configurable;
            this.binder = binder;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected T doBind() {
            RuleArgumentBinder.Bound bound = this.binder.bindNormalized(this.configurable, this.name,
                    this.normalizedProperties, this.configurable.newConfig());
            if (!bound.ok()) {
                throw new IllegalArgumentException(bound.message());
            }
            return (T) bound.config();
        }
    }
}
