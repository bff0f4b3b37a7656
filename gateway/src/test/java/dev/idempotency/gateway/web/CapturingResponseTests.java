package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.ReplayHeaderPolicy;
import dev.idempotency.gateway.core.StoredResponse;
import dev.idempotency.gateway.core.StoredResponse.Header;
import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory.Config;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upstream's response on its way to the client: a body up to the limit is held back until it
 * is stored, a larger or streamed one goes straight through and marks the key not replayable, a
 * release status frees the key; each is settled once, with the upstream's status.
 */
class CapturingResponseTests {

    private static final Duration WAIT = Duration.ofSeconds(5);

    private static final Set<Integer> RELEASE_STATUSES = Set.of(429, 503);

    private final ScriptedStore store = new ScriptedStore();

    private final SettlementLog log = new SettlementLog();

    private final MockServerHttpResponse client = new MockServerHttpResponse();

    /** What reached the client, one entry per buffer written. */
    private final List<String> written = new CopyOnWriteArrayList<>();

    CapturingResponseTests() {
        this.client.setWriteHandler(body -> body.doOnNext(buffer -> {
            this.written.add(buffer.toString(StandardCharsets.UTF_8));
            DataBufferUtils.release(buffer);
        }).then());
    }

    /** The one place the object under test is built: on the request path /orders/1, replaying default headers. */
    private CapturingResponse capture(long maxBodyBytes) {
        Config route = new Config();
        route.setRouteId("orders");
        route.setLockTimeout(Duration.ofMinutes(1));
        route.setTtl(Duration.ofMinutes(10));
        route.setReleaseStatuses(RELEASE_STATUSES.stream().sorted().map(StatusRange::of).toList());
        route.setMaxResponseBodySize(DataSize.ofBytes(maxBodyBytes));
        IdempotencyPolicy policy = IdempotencyPolicy.of(route);
        KeyLease lease = new KeyLease(this.store, ScriptedStore.KEY, this.store.claim(Duration.ofMinutes(1)), policy,
                this.log.listeners(), null, new PendingStores(Duration.ofSeconds(1), null));
        return new CapturingResponse(this.client, lease, policy, "/orders/1", OffNetty.loop());
    }

    private static Flux<DataBuffer> body(String... chunks) {
        return Flux.fromArray(chunks)
            .map(chunk -> DefaultDataBufferFactory.sharedInstance.wrap(chunk.getBytes(StandardCharsets.UTF_8)));
    }

    private StoredResponse stored() {
        IdempotencyRecord record = this.store.record();
        assertThat(record).as("the key's record").isNotNull();
        assertThat(record.state()).isEqualTo(IdempotencyRecord.State.COMPLETED);
        return record.response();
    }

    private static String text(StoredResponse response) {
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static JsonNode json(StoredResponse response) {
        return JsonMapper.builder().build().readTree(response.body());
    }

    @Test
    void aBodyWithinTheLimitReachesTheClientOnlyAfterItIsStored() throws Exception {
        CapturingResponse response = capture(6);
        response.setStatusCode(HttpStatus.CREATED);
        response.getHeaders().add("Location", "/orders/1");
        response.getHeaders().add("X-Custom", "a");
        response.getHeaders().add("X-Custom", "b");
        response.getHeaders().add("Idempotent-Replayed", "true");
        Sinks.Empty<Void> storeAnswers = this.store.holdCompletes();
        assertThat(response.isSettled()).isFalse();

        CompletableFuture<Void> writing = response.writeWith(body("ab", "cd", "ef")).toFuture();

        assertThat(response.isSettled()).isTrue();
        assertThat(this.written).as("written before the store answered").isEmpty();
        assertThat(this.store.record().state()).isEqualTo(IdempotencyRecord.State.IN_FLIGHT);
        storeAnswers.tryEmitEmpty();
        writing.get(5, TimeUnit.SECONDS);
        assertThat(this.written).containsExactly("abcdef");
        assertThat(stored().status()).isEqualTo(201);
        assertThat(stored().headers()).containsExactly(new Header("Location", "/orders/1"), new Header("X-Custom", "a"),
                new Header("X-Custom", "b"));
        assertThat(text(stored())).isEqualTo("abcdef");
        // An upstream's own replay marker never reaches the client of a first execution.
        assertThat(this.client.getHeaders().containsHeader("Idempotent-Replayed")).isFalse();
        assertThat(this.log.settlements()).containsExactly("STORED 201");
    }

    @Test
    void aBodyOfManySmallBuffersIsStoredWhole() {
        List<String> chunks = new ArrayList<>();
        StringBuilder whole = new StringBuilder();
        for (int i = 1; i <= 24; i++) {
            String chunk = String.valueOf((char) ('a' + i % 26)).repeat(i % 7 + 1);
            chunks.add(chunk);
            whole.append(chunk);
        }

        // A limit well above the body: the copy grows past what it holds, and only what it holds is stored.
        capture(whole.length() + 100).writeWith(body(chunks.toArray(String[]::new))).block(WAIT);

        assertThat(text(stored())).isEqualTo(whole.toString());
        assertThat(this.written).containsExactly(whole.toString());
    }

    @Test
    void aLimitAboveWhatAnArrayHoldsIsNoLimit() {
        capture(Long.MAX_VALUE).writeWith(body("x", "yz")).block(WAIT);

        assertThat(text(stored())).isEqualTo("xyz");
        assertThat(stored().status()).isEqualTo(200);
    }

    @Test
    void aBodyOverTheLimitGoesStraightThroughAndTheKeyIsMarkedNotReplayable() {
        capture(5).writeWith(body("abc", "def", "gh")).block(WAIT);

        assertThat(String.join("", this.written)).isEqualTo("abcdefgh");
        assertThat(this.written).containsExactly("abc", "def", "gh");
        StoredResponse problem = stored();
        assertThat(problem.status()).isEqualTo(409);
        assertThat(problem.headers()).containsExactly(new Header("Content-Type", "application/problem+json"),
                new Header("Cache-Control", "no-store"));
        JsonNode json = json(problem);
        assertThat(json.get("type").asString()).isEqualTo("https://idempotency-gateway.dev/problems/response-not-replayable");
        assertThat(json.get("originalStatus").asInt()).isEqualTo(200);
        assertThat(json.get("instance").asString()).isEqualTo("/orders/1");
        assertThat(json.get("detail").asString()).startsWith("The request was executed once; its response (status 200) "
                + "is larger than the route's maxResponseBodySize and was not stored.");
        assertThat(this.log.settlements()).containsExactly("NOT_REPLAYABLE 200");
    }

    @Test
    void anEmptyBodyIsStoredAndNothingIsWritten() {
        CapturingResponse response = capture(5);
        response.setStatusCode(HttpStatus.ACCEPTED);

        response.writeWith(Flux.empty()).block(WAIT);

        assertThat(stored().status()).isEqualTo(202);
        assertThat(stored().bodyLength()).isZero();
        assertThat(this.written).isEmpty();
        assertThat(this.log.settlements()).containsExactly("STORED 202");
    }

    @Test
    void aReleaseStatusFreesTheKeyAndPassesTheBodyThrough() {
        CapturingResponse response = capture(100);
        response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        response.getHeaders().add("Idempotent-Replayed", "true");

        response.writeWith(body("busy")).block(WAIT);

        assertThat(this.store.record()).isNull();
        assertThat(this.written).containsExactly("busy");
        assertThat(this.client.getHeaders().containsHeader("Idempotent-Replayed")).isFalse();
        assertThat(this.log.settlements()).containsExactly("RELEASED_BY_STATUS 503");
    }

    @Test
    void aStreamedResponseIsNeverHeldAndMarksTheKeyNotReplayable() {
        CapturingResponse response = capture(100);
        response.getHeaders().add("Idempotent-Replayed", "true");

        response.writeAndFlushWith(Flux.just(body("data: 1\n"), body("data: 2\n"))).block(WAIT);

        assertThat(response.isSettled()).isTrue();
        assertThat(String.join("", this.written)).isEqualTo("data: 1\ndata: 2\n");
        assertThat(stored().status()).isEqualTo(409);
        assertThat(json(stored()).get("detail").asString()).startsWith("The request was executed once; its response (status 200) "
                + "was streamed and was not stored.");
        assertThat(this.client.getHeaders().containsHeader("Idempotent-Replayed")).isFalse();
        assertThat(this.log.settlements()).containsExactly("NOT_REPLAYABLE 200");
    }

    @Test
    void aStreamedResponseWithAReleaseStatusFreesTheKey() {
        CapturingResponse response = capture(100);
        response.setStatusCode(HttpStatus.TOO_MANY_REQUESTS);

        response.writeAndFlushWith(Flux.just(body("slow down"))).block(WAIT);

        assertThat(this.store.record()).isNull();
        assertThat(this.written).containsExactly("slow down");
        assertThat(this.log.settlements()).containsExactly("RELEASED_BY_STATUS 429");
    }

    @Test
    void aResponseWithoutBodyIsStoredWithItsHeaders() {
        CapturingResponse response = capture(100);
        response.setStatusCode(HttpStatus.NO_CONTENT);
        response.getHeaders().add("ETag", "\"v2\"");
        response.getHeaders().add("Idempotent-Replayed", "true");

        response.setComplete().block(WAIT);

        assertThat(response.isSettled()).isTrue();
        assertThat(stored().status()).isEqualTo(204);
        assertThat(stored().headers()).containsExactly(new Header("ETag", "\"v2\""));
        assertThat(stored().bodyLength()).isZero();
        assertThat(this.client.isCommitted()).isTrue();
        assertThat(this.log.settlements()).containsExactly("STORED 204");
    }

    @Test
    void aResponseWithoutBodyAndAReleaseStatusFreesTheKey() {
        CapturingResponse response = capture(100);
        response.setStatusCode(HttpStatus.SERVICE_UNAVAILABLE);
        response.getHeaders().add("Idempotent-Replayed", "true");

        response.setComplete().block(WAIT);

        assertThat(this.store.record()).isNull();
        assertThat(this.client.getHeaders().containsHeader("Idempotent-Replayed")).isFalse();
        assertThat(this.log.settlements()).containsExactly("RELEASED_BY_STATUS 503");
    }

    @Test
    void completingAfterTheBodyWasWrittenSettlesNothingAgain() {
        CapturingResponse response = capture(100);

        response.writeWith(body("once")).block(WAIT);
        response.setComplete().block(WAIT);

        assertThat(text(stored())).isEqualTo("once");
        assertThat(this.store.completes).hasValue(1);
        assertThat(this.log.settlements()).containsExactly("STORED 200");
    }

    @Test
    void aBufferThatDoesNotFitIsStreamedAfterWhatWasHeldEvenWhenNothingWas() {
        capture(3).writeWith(body("abcd", "e")).block(WAIT);

        assertThat(String.join("", this.written)).isEqualTo("abcde");
        assertThat(Arrays.asList(this.written.get(this.written.size() - 2), this.written.get(this.written.size() - 1)))
            .containsExactly("abcd", "e");
        assertThat(stored().status()).isEqualTo(409);
    }
}
