package dev.idempotency.gateway.ops.tracing;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.handler.TracingObservationHandler.TracingContext;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.cloud.gateway.filter.headers.HttpHeadersFilter;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;
import org.springframework.web.server.ServerWebExchange;

/**
 * Sends the upstream the request's trace context ({@code traceparent}, and whatever else the
 * configured propagation writes) with the gateway's server span as its parent, so that the
 * upstream's spans and logs join the client's trace.
 *
 * <p>Spring Cloud Gateway's client observation does this too, and on top opens a client span, an
 * {@code http.client.requests} timer and a long-task timer for every forwarded request: 20-45 µs
 * of CPU per request on the bench, the largest single part of what the gateway adds to a bare
 * Spring Cloud Gateway route (bench/README.md). The gateway ships with that observation off and this filter in
 * its place; {@code spring.cloud.gateway.server.webflux.observability.enabled=true} brings the
 * client observation back and removes this filter ({@link UpstreamTraceContextConfiguration}).
 */
final class UpstreamTraceContextFilter implements HttpHeadersFilter, Ordered {

    private final Propagator propagator;

    UpstreamTraceContextFilter(Propagator propagator) {
        this.propagator = propagator;
    }

    @Override
    public HttpHeaders filter(HttpHeaders input, ServerWebExchange exchange) {
        Span serverSpan = serverSpan(exchange);
        if (serverSpan == null) {
            return input;
        }
        HttpHeaders headers = writable(input, exchange);
        this.propagator.inject(serverSpan.context(), headers, HttpHeaders::set);
        return headers;
    }

    /**
     * The headers to write into. Spring Cloud Gateway's hop-by-hop filter, which runs just before
     * this one, hands on a new {@code HttpHeaders} made for this request (so does its gRPC filter,
     * which shares this one's order): writing into it saves copying every header once more (about
     * 3 KB and a lower-casing per header name, on every forwarded request). The request's own
     * headers, and any read-only or derived kind, are copied as before.
     */
    private static HttpHeaders writable(HttpHeaders input, ServerWebExchange exchange) {
        if (input.getClass() == HttpHeaders.class && input != exchange.getRequest().getHeaders()) {
            return input;
        }
        HttpHeaders copy = new HttpHeaders();
        copy.putAll(input);
        return copy;
    }

    private static Span serverSpan(ServerWebExchange exchange) {
        TracingContext tracing = ServerRequestObservationContext.findCurrent(exchange.getAttributes())
            .map(observation -> observation.<TracingContext>get(TracingContext.class))
            .orElse(null);
        return (tracing != null) ? tracing.getSpan() : null;
    }

    /** Last: after the hop-by-hop filter ({@code LOWEST_PRECEDENCE - 1}), whose copy it writes into. */
    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public boolean supports(Type type) {
        return type == Type.REQUEST;
    }
}
