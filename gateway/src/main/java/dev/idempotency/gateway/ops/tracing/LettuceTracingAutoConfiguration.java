package dev.idempotency.gateway.ops.tracing;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.tracing.LettuceObservationContext;
import io.lettuce.core.tracing.MicrometerTracing;
import io.lettuce.core.tracing.Tracing;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.observation.LettuceObservationAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Gives Lettuce no tracing at all while its observations are disabled, as the gateway's
 * {@code application.yml} ships them ({@code management.observations.enable.lettuce: false}).
 * Spring Boot hands Lettuce a {@link MicrometerTracing} whenever there is an observation registry,
 * and disabling the observations only turns each one into a no-op: Lettuce still wraps every
 * reactive command in a trace-context lookup and builds an observation context for it, only for
 * the registry to answer that nobody observes it. With Lettuce's own disabled tracing a command
 * skips all of that.
 *
 * <p>Whether the observations are disabled is the registry's own answer for Lettuce's observation
 * name, so it follows {@code management.observations.enable.*} exactly as Spring Boot applies it
 * (and any other predicate). Ordered after Spring Boot's {@link LettuceObservationAutoConfiguration}:
 * customizers without an order are applied in the order they were registered, so this one has the
 * last word on the builder's tracing.
 */
@AutoConfiguration(after = LettuceObservationAutoConfiguration.class)
@ConditionalOnClass({ ClientResources.class, MicrometerTracing.class })
@ConditionalOnBean(ObservationRegistry.class)
public class LettuceTracingAutoConfiguration {

    /** The name of Lettuce's command observations ({@code DefaultLettuceObservationConvention}). */
    static final String OBSERVATION_NAME = "lettuce";

    @Bean
    ClientResourcesBuilderCustomizer lettuceTracingOffWhileItsObservationsAre(ObservationRegistry registry) {
        return builder -> {
            if (observationsDisabled(registry)) {
                builder.tracing(Tracing.disabled());
            }
        };
    }

    static boolean observationsDisabled(ObservationRegistry registry) {
        return Observation.createNotStarted(OBSERVATION_NAME, () -> new LettuceObservationContext("Redis"), registry)
            .isNoop();
    }
}
