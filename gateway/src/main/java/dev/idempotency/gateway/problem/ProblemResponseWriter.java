package dev.idempotency.gateway.problem;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

/** Writes a {@link Problem} as the exchange's response: the one place gateway errors reach the wire. */
public final class ProblemResponseWriter {

    private ProblemResponseWriter() {
    }

    public static Mono<Void> write(ServerWebExchange exchange, Problem problem) {
        ServerHttpResponse response = exchange.getResponse();
        if (response.isCommitted()) {
            return Mono.error(new IllegalStateException("Response already committed, cannot send " + problem.type()));
        }
        byte[] body = problem.toJson(exchange.getRequest().getPath().value());
        response.setStatusCode(problem.status());
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(Problem.MEDIA_TYPE);
        headers.setContentLength(body.length);
        headers.setCacheControl("no-store");
        String retryAfter = problem.retryAfterSeconds();
        if (retryAfter != null) {
            headers.set(HttpHeaders.RETRY_AFTER, retryAfter);
        }
        DataBuffer buffer = response.bufferFactory().wrap(body);
        return response.writeWith(Mono.just(buffer));
    }
}
