package dev.idempotency.gateway.ops.tracing;

import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.micrometer.tracing.autoconfigure.TracingProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;

/**
 * Samples traces as Spring Boot does (parent-based, {@value #PROBABILITY}), except that a gateway
 * with nowhere to send spans samples none unless that property is set. Without a span exporter
 * (no OTLP endpoint) a sampled span is recorded only to be dropped: at Boot's default of one
 * request in ten that was work on every route for nothing. A
 * trace the client sampled is still sampled, and every request still passes its trace context
 * to the upstream (see {@link UpstreamTraceContextFilter}).
 */
@Configuration(proxyBeanMethods = false)
public class TraceSamplingConfiguration {

    static final String PROBABILITY = "management.tracing.sampling.probability";

    // Replaces Boot's otelSampler, which backs off when a Sampler bean exists.
    @Bean
    Sampler traceSampler(Environment environment, ObjectProvider<SpanExporter> exporters) {
        return Sampler.parentBased(Sampler.traceIdRatioBased(probability(environment, exporters)));
    }

    private static double probability(Environment environment, ObjectProvider<SpanExporter> exporters) {
        return Binder.get(environment).bind(PROBABILITY, Double.class)
            .orElseGet(() -> exporters.stream().findAny().isPresent() ? bootsDefault() : 0.0);
    }

    private static double bootsDefault() {
        return new TracingProperties().getSampling().getProbability();
    }
}
