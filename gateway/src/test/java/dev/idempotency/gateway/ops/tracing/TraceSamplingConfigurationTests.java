package dev.idempotency.gateway.ops.tracing;

import java.util.List;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.IdGenerator;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which share of new traces the gateway samples: none without a span exporter, Spring Boot's one in
 * ten with one, and the configured probability whenever it is set. Traces the client sampled stay
 * sampled.
 */
class TraceSamplingConfigurationTests {

    private static final int TRACES = 10_000;

    private final ApplicationContextRunner contexts = new ApplicationContextRunner()
        .withUserConfiguration(TraceSamplingConfiguration.class);

    @Test
    void withoutAnExporterNoNewTraceIsSampled() {
        this.contexts.run(context -> assertThat(sampledOf(context.getBean(Sampler.class))).isZero());
    }

    @Test
    void withAnExporterOneTraceInTenIsSampled() {
        this.contexts.withBean(SpanExporter.class, InMemorySpanExporter::create)
            .run(context -> assertThat(sampledOf(context.getBean(Sampler.class))).isBetween(800, 1200));
    }

    @Test
    void aConfiguredProbabilityWinsWithoutAnExporter() {
        this.contexts.withPropertyValues("management.tracing.sampling.probability=1.0")
            .run(context -> assertThat(sampledOf(context.getBean(Sampler.class))).isEqualTo(TRACES));
    }

    @Test
    void aConfiguredProbabilityWinsWithAnExporter() {
        this.contexts.withBean(SpanExporter.class, InMemorySpanExporter::create)
            .withPropertyValues("management.tracing.sampling.probability=0")
            .run(context -> assertThat(sampledOf(context.getBean(Sampler.class))).isZero());
    }

    @Test
    void aTraceTheClientSampledStaysSampledWithoutAnExporter() {
        this.contexts.run(context -> {
            Sampler sampler = context.getBean(Sampler.class);
            for (int i = 0; i < 100; i++) {
                assertThat(decision(sampler, parent(TraceFlags.getSampled()))).isEqualTo(SamplingDecision.RECORD_AND_SAMPLE);
                assertThat(decision(sampler, parent(TraceFlags.getDefault()))).isEqualTo(SamplingDecision.DROP);
            }
        });
    }

    private static int sampledOf(Sampler sampler) {
        int sampled = 0;
        for (int i = 0; i < TRACES; i++) {
            if (decision(sampler, Context.root()) == SamplingDecision.RECORD_AND_SAMPLE) {
                sampled++;
            }
        }
        return sampled;
    }

    private static SamplingDecision decision(Sampler sampler, Context parent) {
        String traceId = Span.fromContext(parent).getSpanContext().isValid()
                ? Span.fromContext(parent).getSpanContext().getTraceId() : IdGenerator.random().generateTraceId();
        return sampler.shouldSample(parent, traceId, "http post", SpanKind.SERVER, Attributes.empty(), List.of())
            .getDecision();
    }

    private static Context parent(TraceFlags flags) {
        IdGenerator ids = IdGenerator.random();
        SpanContext remote = SpanContext.createFromRemoteParent(ids.generateTraceId(), ids.generateSpanId(), flags,
                TraceState.getDefault());
        return Context.root().with(Span.wrap(remote));
    }
}
