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
 * (and any other predicate). It is asked once, when the Redis client's resources are built: a later
 * change of the property does not bring the observations back without a restart. Ordered after
 * Spring Boot's {@link LettuceObservationAutoConfiguration}: customizers without an order are
 * applied in the order they were registered, so this one has the last word on the builder's tracing.
 */
@AutoConfiguration(after = LettuceObservationAutoConfiguration.class)
@ConditionalOnClass({ ClientResources.class, MicrometerTracing.class, ClientResourcesBuilderCustomizer.class })
@ConditionalOnBean(ObservationRegistry.class)
public class LettuceTracingAutoConfiguration {

    /** The name Lettuce's command observations have ({@code RedisObservation.REDIS_COMMAND_OBSERVATION}). */
    static final String OBSERVATION_NAME = "lettuce";

    /** The service name Spring Boot gives Lettuce's {@link MicrometerTracing}. */
    private static final String SERVICE_NAME = "Redis";

    @Bean
    ClientResourcesBuilderCustomizer noLettuceTracingWithoutItsObservations(ObservationRegistry registry) {
        return builder -> {
            if (observationsDisabled(registry)) {
                builder.tracing(Tracing.disabled());
            }
        };
    }

    static boolean observationsDisabled(ObservationRegistry registry) {
        try {
            return Observation.createNotStarted(OBSERVATION_NAME, () -> new LettuceObservationContext(SERVICE_NAME),
                    registry).isNoop();
        }
        catch (RuntimeException ex) {
            // A predicate that looks at the command (which this context has not got) decides per
            // command: leave Spring Boot's tracing in place and let it decide.
            return false;
        }
    }
}
