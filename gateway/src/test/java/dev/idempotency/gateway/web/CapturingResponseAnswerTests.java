package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.unit.DataSize;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.StoredResponse.Header;
import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemResponseWriter;
import dev.idempotency.gateway.problem.ProblemType;
import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory.Config;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Who answers the client of an executed request: the upstream, or a problem when the route's
 * response timeout fires first. Spring Cloud Gateway sets the upstream's status and headers from the
 * upstream connection's thread, possibly after the timeout chose the problem; the client must then
 * get the problem alone, exactly as its replays will.
 */
class CapturingResponseAnswerTests {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private final ScriptedStore store = new ScriptedStore();

    private final SettlementLog log = new SettlementLog();

    /** The client's exchange; an earlier filter already set a header on its response. */
    private final MockServerWebExchange exchange = clientExchange();

    private static MockServerWebExchange clientExchange() {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/orders"));
        exchange.getResponse().getHeaders().add("X-Request-Id", "r1");
        return exchange;
    }

    private CapturingResponse capture() {
        Config route = new Config();
        route.setRouteId("orders");
        route.setLockTimeout(Duration.ofMinutes(1));
        route.setTtl(Duration.ofMinutes(10));
        route.setReleaseStatuses(List.of(StatusRange.of(503)));
        route.setMaxResponseBodySize(DataSize.ofBytes(100));
        IdempotencyPolicy policy = IdempotencyPolicy.of(route);
        KeyLease lease = new KeyLease(this.store, ScriptedStore.KEY, this.store.claim(Duration.ofMinutes(1)), policy,
                this.log.listeners(), null, new PendingStores(Duration.ofSeconds(1), null));
        return new CapturingResponse(this.exchange.getResponse(), lease, policy, "/orders", OffNetty.loop());
    }

    /** What {@code NettyRoutingFilter}'s response callback does to the response it is given. */
    private static void upstreamAnswers(CapturingResponse response, String stub) {
        response.setStatusCode(HttpStatus.CREATED);
        HttpHeaders upstream = new HttpHeaders();
        upstream.add("Location", "/orders/1");
        upstream.add("Content-Type", "application/json");
        upstream.add("Matched-Stub-Id", stub);
        response.getHeaders().addAll(upstream);
    }

    private static Flux<DataBuffer> body(String text) {
        return Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static Map<String, List<String>> headers(HttpHeaders headers) {
        return headers.asMultiValueMap();
    }

    @Test
    void upstreamHeadersAndStatusArrivingAfterTheProblemWasChosenNeverReachTheClient() {
        Problem problem = Problem.of(ProblemType.UPSTREAM_OUTCOME_UNKNOWN, "The upstream did not answer in time.");
        MockServerWebExchange alone = clientExchange();
        ProblemResponseWriter.write(alone, problem).block(WAIT);
        CapturingResponse response = capture();
        upstreamAnswers(response, "early");

        assertThat(response.answerWithProblem()).isTrue();
        // The upstream's callback runs again as the problem is being committed, after any clean-up.
        this.exchange.getResponse().beforeCommit(() -> {
            upstreamAnswers(response, "late");
            // Staged too when set through the decorator (Spring Cloud Gateway sets a code HttpStatus
            // does not name past it, on the server response: see CapturingResponse).
            response.setRawStatusCode(299);
            return Mono.empty();
        });
        ProblemResponseWriter.write(this.exchange, problem).block(WAIT);

        assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
        assertThat(headers(this.exchange.getResponse().getHeaders())).isEqualTo(headers(alone.getResponse().getHeaders()));
        assertThat(this.exchange.getResponse().getHeaders().get("X-Request-Id")).containsExactly("r1");
        assertThat(this.exchange.getResponse().getBodyAsString().block(WAIT))
            .isEqualTo(alone.getResponse().getBodyAsString().block(WAIT));

        // Even later, after the problem went out: nothing throws, nothing more is written.
        upstreamAnswers(response, "after");
        response.writeWith(body("{\"id\":1}")).block(WAIT);
        assertThat(headers(this.exchange.getResponse().getHeaders())).isEqualTo(headers(alone.getResponse().getHeaders()));
        // The upstream's late answer settles nothing: the problem path settles the key.
        assertThat(response.isSettled()).isFalse();
        assertThat(this.store.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
        assertThat(this.log.settlements()).isEmpty();
    }

    @Test
    void theUpstreamsAnswerCarriesItsStatusAndHeadersWithThoseSetBeforeIt() {
        CapturingResponse response = capture();
        upstreamAnswers(response, "s1");
        response.getHeaders().add("Idempotent-Replayed", "true");
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(response.getHeaders().getFirst("X-Request-Id")).isEqualTo("r1");

        response.writeWith(body("{\"id\":1}")).block(WAIT);

        assertThat(response.answerWithProblem()).isFalse();
        assertThat(response.isSettled()).isTrue();
        assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(headers(this.exchange.getResponse().getHeaders())).isEqualTo(Map.of("X-Request-Id", List.of("r1"),
                "Location", List.of("/orders/1"), "Content-Type", List.of("application/json"),
                "Matched-Stub-Id", List.of("s1")));
        assertThat(this.exchange.getResponse().getBodyAsString().block(WAIT)).isEqualTo("{\"id\":1}");
        assertThat(this.store.record().response().status()).isEqualTo(201);
        assertThat(this.store.record().response().headers()).contains(new Header("Location", "/orders/1"));
        assertThat(this.log.settlements()).containsExactly("STORED 201");
    }

    @Test
    void aResponseWithoutBodyAfterTheProblemWasChosenCompletesNothing() {
        CapturingResponse response = capture();
        assertThat(response.answerWithProblem()).isTrue();
        upstreamAnswers(response, "late");

        response.setComplete().block(WAIT);

        assertThat(this.exchange.getResponse().isCommitted()).isFalse();
        assertThat(headers(this.exchange.getResponse().getHeaders())).isEqualTo(Map.of("X-Request-Id", List.of("r1")));
        assertThat(this.log.settlements()).isEmpty();
        assertThat(this.store.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
    }

    @Test
    void aHeaderTheUpstreamPathRemovedStaysOffTheClientResponse() {
        CapturingResponse response = capture();
        upstreamAnswers(response, "s1");
        // Set by an earlier filter, removed on the way back (a response-header filter, say).
        response.getHeaders().remove("X-Request-Id");

        response.writeWith(body("{\"id\":1}")).block(WAIT);

        assertThat(headers(this.exchange.getResponse().getHeaders())).isEqualTo(Map.of("Location", List.of("/orders/1"),
                "Content-Type", List.of("application/json"), "Matched-Stub-Id", List.of("s1")));
    }

    @Test
    void aStatusIsStagedUntilTheUpstreamAnswersThenSetOnTheClientResponseUntilItIsCommitted() {
        CapturingResponse response = capture();
        assertThat(response.setRawStatusCode(201)).as("staged").isTrue();
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(this.exchange.getResponse().getStatusCode()).as("the client's, while staged").isNull();

        // The upstream's answer is chosen as its body write is called, before that write runs.
        Mono<Void> write = response.writeWith(body("{\"id\":1}"));
        assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(response.setStatusCode(HttpStatus.CREATED)).as("set on the client response").isTrue();
        write.block(WAIT);

        assertThat(this.exchange.getResponse().isCommitted()).isTrue();
        // ServerHttpResponse's contract: false once the response is committed.
        assertThat(response.setStatusCode(HttpStatus.INTERNAL_SERVER_ERROR)).as("after the commit").isFalse();
        assertThat(response.setRawStatusCode(500)).as("after the commit").isFalse();
        assertThat(this.exchange.getResponse().getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(this.store.record().response().status()).isEqualTo(201);
        assertThat(this.log.settlements()).containsExactly("STORED 201");
    }

    @Test
    void aStreamedBodyAfterTheProblemWasChosenIsReleasedAndNeverWritten() {
        CapturingResponse response = capture();
        assertThat(response.answerWithProblem()).isTrue();
        upstreamAnswers(response, "late");
        // Reference-counted buffers, as Netty's, so that a release shows.
        NettyDataBufferFactory netty = new NettyDataBufferFactory(UnpooledByteBufAllocator.DEFAULT);
        List<ByteBuf> chunks = List.of(Unpooled.copiedBuffer("data: 1\n", StandardCharsets.UTF_8),
                Unpooled.copiedBuffer("data: 2\n", StandardCharsets.UTF_8));

        response.writeAndFlushWith(Flux.just(Flux.just(netty.wrap(chunks.get(0))), Flux.just(netty.wrap(chunks.get(1)))))
            .block(WAIT);

        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk.refCnt()).as("released").isZero());
        assertThat(this.exchange.getResponse().isCommitted()).isFalse();
        assertThat(headers(this.exchange.getResponse().getHeaders())).isEqualTo(Map.of("X-Request-Id", List.of("r1")));
        assertThat(response.isSettled()).isFalse();
        assertThat(this.log.settlements()).isEmpty();
        assertThat(this.store.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
    }
}
