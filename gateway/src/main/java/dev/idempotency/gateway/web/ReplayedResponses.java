package dev.idempotency.gateway.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.ReplayHeaderPolicy;
import dev.idempotency.gateway.core.StoredResponse;

/** Writes a stored response again: same status, headers and bytes, marked as a replay. */
final class ReplayedResponses {

    private ReplayedResponses() {
    }

    static Mono<Void> write(ServerWebExchange exchange, StoredResponse stored) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatusCode.valueOf(stored.status()));
        HttpHeaders headers = response.getHeaders();
        for (StoredResponse.Header header : stored.headers()) {
            headers.add(header.name(), header.value());
        }
        // The stored bytes are the whole body: framing comes from their length, never from the original.
        headers.remove(HttpHeaders.TRANSFER_ENCODING);
        headers.set(ReplayHeaderPolicy.REPLAYED_HEADER, "true");
        if (mayHaveContent(stored.status())) {
            headers.setContentLength(stored.bodyLength());
        }
        if (stored.bodyLength() == 0) {
            return response.setComplete();
        }
        return response.writeWith(Mono.just(DataBufferFactories.wrap(stored.bodyUnsafe())));
    }

    // RFC 9110 section 8.6: no Content-Length in 1xx and 204 responses; 304 has no content.
    private static boolean mayHaveContent(int status) {
        return status >= 200 && status != 204 && status != 304;
    }
}
