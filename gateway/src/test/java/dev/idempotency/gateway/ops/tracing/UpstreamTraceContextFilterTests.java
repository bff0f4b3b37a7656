package dev.idempotency.gateway.ops.tracing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler.TracingContext;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelPropagator;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter.Type;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the upstream's {@code traceparent} is written: into the copy an earlier header filter made
 * for this request, never into the request's own headers.
 */
class UpstreamTraceContextFilterTests {

    private final io.opentelemetry.api.trace.Tracer otel = SdkTracerProvider.builder().build().get("test");

    private final OtelTracer tracer = new OtelTracer(this.otel, new OtelCurrentTraceContext(), event -> {
    });

    private final UpstreamTraceContextFilter filter = new UpstreamTraceContextFilter(
            new OtelPropagator(ContextPropagators.create(W3CTraceContextPropagator.getInstance()), this.otel));

    private final Span serverSpan = this.tracer.nextSpan().start();

    private final MockServerWebExchange exchange = exchangeUnder(this.serverSpan);

    @Test
    void theCopyAnEarlierFilterMadeIsWrittenInPlace() {
        HttpHeaders copied = new HttpHeaders();
        copied.add("Content-Type", "application/json");

        HttpHeaders upstream = this.filter.filter(copied, this.exchange);

        assertThat(upstream).isSameAs(copied);
        assertThat(upstream.getFirst("traceparent")).contains(this.serverSpan.context().spanId());
        assertThat(upstream.getFirst("Content-Type")).isEqualTo("application/json");
    }

    @Test
    void theRequestsOwnHeadersAreCopiedAndLeftAsTheyWere() {
        HttpHeaders requestHeaders = this.exchange.getRequest().getHeaders();

        HttpHeaders upstream = this.filter.filter(requestHeaders, this.exchange);

        assertThat(upstream).isNotSameAs(requestHeaders);
        assertThat(upstream.getFirst("traceparent")).contains(this.serverSpan.context().spanId());
        assertThat(upstream.getFirst("Idempotency-Key")).isEqualTo("k-1");
        assertThat(requestHeaders.getFirst("traceparent")).isEqualTo(clientTraceparent());
    }

    @Test
    void withoutAServerSpanTheHeadersPassUnchanged() {
        HttpHeaders copied = new HttpHeaders();
        MockServerWebExchange untraced = MockServerWebExchange.from(MockServerHttpRequest.post("/orders"));

        assertThat(this.filter.filter(copied, untraced)).isSameAs(copied);
        assertThat(copied.containsHeader("traceparent")).isFalse();
        assertThat(this.filter.supports(Type.RESPONSE)).isFalse();
    }

    private static MockServerWebExchange exchangeUnder(Span span) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/orders")
            .header("Idempotency-Key", "k-1")
            .header("traceparent", clientTraceparent()));
        ServerRequestObservationContext observation = new ServerRequestObservationContext(exchange.getRequest(),
                exchange.getResponse(), exchange.getAttributes());
        TracingContext tracing = new TracingContext();
        tracing.setSpan(span);
        observation.put(TracingContext.class, tracing);
        exchange.getAttributes().put(ServerRequestObservationContext.CURRENT_OBSERVATION_CONTEXT_ATTRIBUTE, observation);
        return exchange;
    }

    private static String clientTraceparent() {
        return "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    }
}
