package dev.idempotency.gateway.ops.tracing;

import io.lettuce.core.tracing.LettuceObservationContext;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LettuceTracingAutoConfigurationTests {

    @Test
    void observationsAreDisabledWhenAPredicateTurnsLettuceOff() {
        ObservationRegistry registry = registryWithAHandler();
        registry.observationConfig().observationPredicate((name, context) -> !name.startsWith("lettuce"));
        assertThat(LettuceTracingAutoConfiguration.observationsDisabled(registry)).isTrue();
    }

    @Test
    void observationsAreDisabledWhenNothingHandlesThem() {
        assertThat(LettuceTracingAutoConfiguration.observationsDisabled(ObservationRegistry.create())).isTrue();
    }

    @Test
    void observationsStayWhenNothingTurnsThemOff() {
        assertThat(LettuceTracingAutoConfiguration.observationsDisabled(registryWithAHandler())).isFalse();
    }

    @Test
    void aPredicateThatDecidesPerCommandKeepsLettucesTracing() {
        ObservationRegistry registry = registryWithAHandler();
        registry.observationConfig()
            .observationPredicate((name, context) -> !(context instanceof LettuceObservationContext lettuce)
                    || !"PING".equals(lettuce.getRequiredCommand().getType().toString()));
        assertThat(LettuceTracingAutoConfiguration.observationsDisabled(registry)).isFalse();
    }

    private static ObservationRegistry registryWithAHandler() {
        ObservationRegistry registry = ObservationRegistry.create();
        registry.observationConfig().observationHandler(context -> true);
        return registry;
    }
}
