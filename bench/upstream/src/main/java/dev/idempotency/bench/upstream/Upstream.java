package dev.idempotency.bench.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * The legacy order API as the benchmark sees it: answers every POST with 201 and every PATCH with
 * 200 and a small fixed JSON order, as fast as reactor-netty allows, so that it is never the
 * bottleneck (bench/run measures it directly as scenario 1).
 *
 * <p>{@code GET /__bench/stats} returns how many orders it served, per request path: bench/run
 * reads it before and after each run to prove that replays never reach the upstream. Each scenario
 * has a path of its own, so requests a gateway still finishes from the run before never count. A request header
 * {@code X-Bench-T0} is echoed back, so wrk's paced script can match each response to the time
 * it meant to send the request (latency without coordinated omission).
 */
public final class Upstream {

    private static final byte[] ORDER = """
            {"id":"ord_7f3a9c","status":"created","customerId":"c-42","amount":4200,"currency":"EUR"}"""
        .getBytes(StandardCharsets.UTF_8);

    private static final String T0_HEADER = "X-Bench-T0";

    private final Map<String, LongAdder> ordersByPath = new ConcurrentHashMap<>();

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        DisposableServer server = HttpServer.create()
            .host("127.0.0.1")
            .port(port)
            .handle(new Upstream()::handle)
            .bindNow();
        System.out.println("upstream listening on 127.0.0.1:" + server.port());
        server.onDispose().block();
    }

    private String stats() {
        return this.ordersByPath.entrySet()
            .stream()
            .map(entry -> "\"" + entry.getKey() + "\":" + entry.getValue().sum())
            .collect(Collectors.joining(",", "{", "}"));
    }

    private Mono<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        if (request.method() == HttpMethod.GET && request.uri().startsWith("/__bench/stats")) {
            return response.header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .sendString(Mono.fromSupplier(this::stats))
                .then();
        }
        this.ordersByPath.computeIfAbsent(request.fullPath(), path -> new LongAdder()).increment();
        String t0 = request.requestHeaders().get(T0_HEADER);
        if (t0 != null) {
            response.header(T0_HEADER, t0);
        }
        HttpResponseStatus status = request.method() == HttpMethod.POST ? HttpResponseStatus.CREATED : HttpResponseStatus.OK;
        // Drain the request body before answering, as a real API would.
        return request.receive()
            .then(response.status(status)
                .header(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(ORDER.length))
                .sendByteArray(Mono.just(ORDER))
                .then());
    }
}
