package dev.idempotency.gateway.web;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.channel.AbortedException;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Reads a request body into memory, bounded, so it can be fingerprinted and then forwarded. Spring
 * Cloud Gateway's own body caching has no limit; this one fails fast on a declared
 * {@code Content-Length} and stops reading a chunked body at the limit.
 */
final class RequestBodies {

    private static final byte[] EMPTY = new byte[0];

    private RequestBodies() {
    }

    /**
     * @return the body, or {@link RequestBodyTooLargeException} past {@code maxBytes}, or
     * {@link AbortedException} when the client hung up before the whole body arrived, or nothing
     * when Netty refused the body while it was read (the client has its answer)
     */
    static Mono<byte[]> read(ServerHttpRequest request, long maxBytes) {
        long declared = request.getHeaders().getContentLength();
        if (declared > maxBytes) {
            return Mono.error(new RequestBodyTooLargeException(maxBytes, false));
        }
        int limit = (int) Math.min(maxBytes, Integer.MAX_VALUE - 8);
        return DataBufferUtils.join(request.getBody(), limit)
            .map(RequestBodies::toBytes)
            .onErrorMap(DataBufferLimitException.class, ex -> new RequestBodyTooLargeException(maxBytes, true))
            .defaultIfEmpty(EMPTY)
            .filter(body -> !answeredByNetty(request))
            // map, not handle: a handle() restores the request's trace scope (OpenTelemetry context,
            // baggage) around its value whenever the Reactor context carries one, on every request.
            .map(body -> {
                if (cutOff(request, declared, body)) {
                    throw new AbortedException("Request body cut off: " + body.length + " of "
                            + (declared >= 0 ? declared + " bytes" : "a chunked body") + " read when the connection closed");
                }
                return body;
            });
    }

    /**
     * Whether the body ended because its connection closed rather than because it was complete.
     * Reactor Netty ends a body with an error when the client hangs up mid-upload, except while the
     * server is stopping: then it has already let go of the connection's inbound side and ends the
     * body normally, with only the bytes that arrived. Fingerprinted and claimed, such a body holds
     * the key against the client's complete retry (a {@code 422}). A declared length tells; for a
     * chunked body, a connection already closed when the body ended does (a complete body ends on
     * its last chunk, while the connection is still open).
     */
    private static boolean cutOff(ServerHttpRequest request, long declared, byte[] body) {
        if (declared >= 0) {
            return body.length != declared;
        }
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        return nativeRequest instanceof Connection connection && !connection.channel().isActive();
    }

    /**
     * Netty answers a body it cannot decode (a plain body announced as chunked, a bad chunk size)
     * with a 400 of its own and then ends the body normally, so the bytes read so far look like the
     * whole body. Such a request must go no further: not fingerprinted, not claimed, not forwarded.
     */
    private static boolean answeredByNetty(ServerHttpRequest request) {
        Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
        return nativeRequest instanceof HttpServerResponse response && response.hasSentHeaders();
    }

    private static byte[] toBytes(DataBuffer buffer) {
        try {
            byte[] bytes = new byte[buffer.readableByteCount()];
            buffer.read(bytes);
            return bytes;
        }
        finally {
            DataBufferUtils.release(buffer);
        }
    }

    /** The request with its body replaced by bytes already read; each subscription gets them anew. */
    static ServerHttpRequest withBody(ServerHttpRequest request, byte[] body) {
        return new ServerHttpRequestDecorator(request) {
            @Override
            public Flux<DataBuffer> getBody() {
                if (body.length == 0) {
                    return Flux.empty();
                }
                return Flux.defer(() -> Flux.just(DataBufferFactories.wrap(body)));
            }
        };
    }

    static final class RequestBodyTooLargeException extends RuntimeException {

        private final long maxBytes;

        private final boolean bodyConsumed;

        RequestBodyTooLargeException(long maxBytes, boolean bodyConsumed) {
            super("Request body larger than " + maxBytes + " bytes", null, false, false);
            this.maxBytes = maxBytes;
            this.bodyConsumed = bodyConsumed;
        }

        long maxBytes() {
            return this.maxBytes;
        }

        /** Whether part of the body was read before the limit was hit, so it can no longer be forwarded. */
        boolean bodyConsumed() {
            return this.bodyConsumed;
        }
    }
}
