package dev.idempotency.gateway.rules;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.support.ConfigurationService;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Route rules: strict binding with defaults, the startup check and live reload. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(RulesProperties.class)
public class RulesConfiguration {

    @Bean
    static BeanPostProcessor rulesConfigurationServicePostProcessor() {
        return new ConfigurationServiceReplacement();
    }

    @Bean
    RulesStartupCheck rulesStartupCheck(ConfigurableApplicationContext context) {
        return new RulesStartupCheck(context);
    }

    @Bean
    RulesReloader rulesReloader(ConfigurableApplicationContext context, RulesProperties properties) {
        return new RulesReloader(context, properties);
    }

    /** Swaps Spring Cloud Gateway's ConfigurationService for {@link RulesConfigurationService}. */
    static final class ConfigurationServiceReplacement implements BeanPostProcessor, BeanFactoryAware {

        private ListableBeanFactory beanFactory;

        @Override
        public void setBeanFactory(BeanFactory beanFactory) {
            this.beanFactory = (ListableBeanFactory) beanFactory;
        }

        @Override
        public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
            if (bean.getClass() != ConfigurationService.class) {
                return bean;
            }
            RuleArgumentBinder binder = RuleFactories.binderOf(this.beanFactory);
            RulesConfigurationService replacement = new RulesConfigurationService(this.beanFactory,
                    binder::conversionService, binder::validator, binder);
            replacement.setApplicationEventPublisher(((ConfigurationService) bean).getPublisher() != null
                    ? ((ConfigurationService) bean).getPublisher() : this.beanFactory.getBean(ApplicationEventPublisher.class));
            return replacement;
        }
    }
}
