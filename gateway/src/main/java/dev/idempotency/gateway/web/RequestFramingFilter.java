package dev.idempotency.gateway.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemResponseWriter;
import dev.idempotency.gateway.problem.ProblemType;

/**
 * Refuses requests whose body length the gateway cannot know, before any route sees them.
 *
 * <p>Netty frames a request body only by {@code Content-Length} or by {@code chunked}. With any
 * other transfer coding it reads no body at all, so the request would be forwarded empty and its
 * real body parsed as the next request on the connection: a request smuggling shape, and for an
 * idempotent route an empty request claiming the key. RFC 9112 section 6.3 requires a 400 when
 * {@code chunked} is not the final coding of a request; section 6.1 asks for 501 for a coding the
 * server does not understand. Either way the connection is closed, since its framing is lost.
 */
public final class RequestFramingFilter implements WebFilter, Ordered {

    private static final String CHUNKED = "chunked";

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        List<String> values = exchange.getRequest().getHeaders().get(HttpHeaders.TRANSFER_ENCODING);
        if (values == null) {
            return chain.filter(exchange);
        }
        List<String> codings = codings(values);
        if (codings.size() == 1 && codings.get(0).equals(CHUNKED)) {
            return chain.filter(exchange);
        }
        return refuse(exchange, problem(codings));
    }

    private static Problem problem(List<String> codings) {
        if (codings.isEmpty() || !codings.get(codings.size() - 1).equals(CHUNKED)
                || codings.indexOf(CHUNKED) != codings.size() - 1) {
            return Problem.of(ProblemType.REQUEST_FRAMING_INVALID, "Transfer-Encoding " + String.join(", ", codings)
                    + " does not end with a single chunked coding, so the body's length cannot be determined"
                    + " (RFC 9112, section 6.3). Send the body with Content-Length or Transfer-Encoding: chunked.");
        }
        return Problem.of(ProblemType.TRANSFER_CODING_UNSUPPORTED, "Transfer-Encoding " + String.join(", ", codings)
                + " is not supported: only chunked is. Send the body with Content-Length or Transfer-Encoding: chunked.");
    }

    private static List<String> codings(List<String> values) {
        List<String> codings = new ArrayList<>(2);
        for (String value : values) {
            for (String element : value.split(",")) {
                // Parameters stay part of the coding: chunked takes none (RFC 9112, section 7.1), and
                // Netty frames only the bare token, so "chunked;q=1" would reach it as no framing at all.
                String coding = element.strip();
                if (!coding.isEmpty()) {
                    codings.add(coding.toLowerCase(Locale.ROOT));
                }
            }
        }
        return codings;
    }

    private static Mono<Void> refuse(ServerWebExchange exchange, Problem problem) {
        exchange.getResponse().getHeaders().set(HttpHeaders.CONNECTION, "close");
        return ProblemResponseWriter.write(exchange, problem);
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE;
    }
}
