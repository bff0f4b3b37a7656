package dev.idempotency.gateway.web;

import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

import org.reactivestreams.Publisher;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.ReplayHeaderPolicy;
import dev.idempotency.gateway.core.StoredResponse;
import dev.idempotency.gateway.events.KeySettlement;
import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemType;

/**
 * Sees the upstream's response on its way to the client and settles the key with it. A body up
 * to the limit is held back until the result is stored, so a client that got the response and
 * retries at once gets the replay, never a 409. A larger or streamed body goes straight through
 * and the key is marked executed-but-not-replayable: it is never executed twice.
 *
 * <p>Spring Cloud Gateway's {@code NettyWriteResponseFilter} writes through {@link #writeWith} or,
 * for streaming media types, {@link #writeAndFlushWith}; both are covered.
 *
 * <p>The upstream's status and headers are staged here until its body write begins. Spring Cloud
 * Gateway's {@code NettyRoutingFilter} sets them from the upstream connection's thread, which may run
 * after the route's response timeout already chose to answer with a problem: that choice and the
 * upstream's write are one compare-and-set ({@link #answerWithProblem}), so the loser's status and
 * headers never reach the client and a fresh problem matches its replays. (A status code that
 * {@code HttpStatus} does not name is the exception: that filter sets it on the server response
 * itself, past every decorator.)
 */
final class CapturingResponse extends ServerHttpResponseDecorator {

    private final KeyLease lease;

    private final Set<Integer> releaseStatuses;

    private final int maxBodyBytes;

    private final ReplayHeaderPolicy headerPolicy;

    private final String requestPath;

    private final RequestEventLoop loop;

    private static final int OPEN = 0;

    private static final int UPSTREAM = 1;

    private static final int PROBLEM = 2;

    private static final AtomicIntegerFieldUpdater<CapturingResponse> ANSWER =
            AtomicIntegerFieldUpdater.newUpdater(CapturingResponse.class, "answer");

    /** Who answers the client: still {@link #OPEN}, the {@link #UPSTREAM} or a {@link #PROBLEM}. */
    private volatile int answer;

    /** The client response's headers as the upstream path sees them, until {@link #answer} is decided. */
    private final HttpHeaders staged;

    /** The status the upstream path set, {@code null} for none; staged like the headers. */
    private volatile HttpStatusCode stagedStatus;

    CapturingResponse(ServerHttpResponse delegate, KeyLease lease, IdempotencyPolicy policy, String requestPath,
            RequestEventLoop loop) {
        super(delegate);
        this.lease = lease;
        this.releaseStatuses = policy.releaseStatuses();
        this.maxBodyBytes = (int) Math.min(policy.maxResponseBodyBytes(), Integer.MAX_VALUE - 8);
        this.headerPolicy = policy.replayHeaders();
        this.requestPath = requestPath;
        this.loop = loop;
        // Headers earlier filters set stay on the client response whoever answers; a copy lets the
        // upstream path read, add and remove them as before without touching the real ones.
        this.staged = HttpHeaders.copyOf(delegate.getHeaders());
    }

    /** Whether the upstream's response reached this decorator (and the key was settled with it). */
    boolean isSettled() {
        return this.answer == UPSTREAM;
    }

    /**
     * Claims the client response for a problem, unless the upstream's answer already started. After
     * this the upstream's status and headers, however late, stay staged.
     *
     * @return {@code false} if the upstream answers the client
     */
    boolean answerWithProblem() {
        return ANSWER.compareAndSet(this, OPEN, PROBLEM) || this.answer == PROBLEM;
    }

    /** Claims the client response for the upstream and applies what it staged; {@code false} if a problem answers. */
    private boolean answerWithUpstream() {
        if (!ANSWER.compareAndSet(this, OPEN, UPSTREAM)) {
            return this.answer == UPSTREAM;
        }
        HttpHeaders client = getDelegate().getHeaders();
        client.clear();
        client.putAll(this.staged);
        HttpStatusCode status = this.stagedStatus;
        if (status != null) {
            getDelegate().setStatusCode(status);
        }
        return true;
    }

    @Override
    public HttpHeaders getHeaders() {
        return this.answer == UPSTREAM ? getDelegate().getHeaders() : this.staged;
    }

    @Override
    public boolean setStatusCode(HttpStatusCode status) {
        if (this.answer == UPSTREAM) {
            return getDelegate().setStatusCode(status);
        }
        this.stagedStatus = status;
        return true;
    }

    @Override
    public boolean setRawStatusCode(Integer status) {
        return setStatusCode(status != null ? HttpStatusCode.valueOf(status) : null);
    }

    @Override
    public HttpStatusCode getStatusCode() {
        HttpStatusCode status = this.stagedStatus;
        return this.answer == UPSTREAM || status == null ? getDelegate().getStatusCode() : status;
    }

    /** The upstream's body after a problem answered: nobody reads it, so it is released. */
    private static Mono<Void> discard(Publisher<? extends DataBuffer> body) {
        return Flux.from(body).doOnNext(DataBufferUtils::release).then();
    }

    @Override
    public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
        if (!answerWithUpstream()) {
            return discard(body);
        }
        int status = status();
        getHeaders().remove(ReplayHeaderPolicy.REPLAYED_HEADER);
        if (this.releaseStatuses.contains(status)) {
            return this.lease.release(KeySettlement.RELEASED_BY_STATUS, status).then(super.writeWith(body));
        }
        BodyCapture capture = new BodyCapture(this.maxBodyBytes);
        Flux<DataBuffer> held = Flux.from(body)
            .concatMap(buffer -> capture(capture, buffer, status))
            .concatWith(Mono.defer(() -> capture.overflowed() ? Mono.empty() : storeThenEmit(status, capture.bytes())))
            .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
        return super.writeWith(held);
    }

    private Publisher<DataBuffer> capture(BodyCapture capture, DataBuffer buffer, int status) {
        if (capture.overflowed()) {
            return Mono.just(buffer);
        }
        if (capture.append(buffer)) {
            return Mono.empty();
        }
        // Past the limit: settle the key, then stream what was held and everything after it.
        return this.lease.complete(notReplayable(status, "is larger than the route's maxResponseBodySize"),
                KeySettlement.NOT_REPLAYABLE, status)
            .thenMany(Flux.just(DataBufferFactories.wrap(capture.bytes()), buffer));
    }

    private Mono<DataBuffer> storeThenEmit(int status, byte[] body) {
        Mono<byte[]> stored = this.lease.complete(StoredResponses.fromUpstream(status, getHeaders(), body, this.headerPolicy),
                KeySettlement.STORED, status)
            .thenReturn(body);
        // The client's answer is written from the connection's own loop, not from the store's thread.
        // filter and map, not mapNotNull: that is a handle(), which restores the request's trace
        // scope around its every value (OpenTelemetry context, baggage) whenever the context carries one.
        return this.loop.resume(stored).filter(bytes -> bytes.length > 0).map(DataBufferFactories::wrap);
    }

    @Override
    public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
        if (!answerWithUpstream()) {
            return Flux.from(body).concatMap(CapturingResponse::discard).then();
        }
        int status = status();
        getHeaders().remove(ReplayHeaderPolicy.REPLAYED_HEADER);
        Mono<Void> settle = this.releaseStatuses.contains(status)
                ? this.lease.release(KeySettlement.RELEASED_BY_STATUS, status)
                : this.lease.complete(notReplayable(status, "was streamed"), KeySettlement.NOT_REPLAYABLE, status);
        return settle.then(super.writeAndFlushWith(body));
    }

    @Override
    public Mono<Void> setComplete() {
        if (this.answer == UPSTREAM) {
            return super.setComplete();
        }
        if (!answerWithUpstream()) {
            return Mono.empty();
        }
        int status = status();
        getHeaders().remove(ReplayHeaderPolicy.REPLAYED_HEADER);
        Mono<Void> settle = this.releaseStatuses.contains(status)
                ? this.lease.release(KeySettlement.RELEASED_BY_STATUS, status)
                : this.lease.complete(StoredResponses.fromUpstream(status, getHeaders(), new byte[0], this.headerPolicy),
                        KeySettlement.STORED, status);
        return settle.then(super.setComplete());
    }

    private int status() {
        HttpStatusCode status = getStatusCode();
        return status != null ? status.value() : 200;
    }

    private StoredResponse notReplayable(int status, String why) {
        Problem problem = Problem.of(ProblemType.RESPONSE_NOT_REPLAYABLE, "The request was executed once; its response (status "
                + status + ") " + why + " and was not stored. Look up the result in the service; do not resend it with a new key unless it is missing.")
            .withExtension("originalStatus", status);
        return StoredResponses.fromProblem(problem, this.requestPath);
    }

    /** Copies body bytes up to a limit, releasing each buffer it copies. */
    private static final class BodyCapture {

        private final int limit;

        private byte[] bytes = new byte[0];

        private int length;

        private boolean overflowed;

        BodyCapture(int limit) {
            this.limit = limit;
        }

        /** @return {@code false}, without consuming the buffer, if it does not fit */
        boolean append(DataBuffer buffer) {
            int readable = buffer.readableByteCount();
            if (this.length + readable > this.limit) {
                this.overflowed = true;
                return false;
            }
            if (this.length + readable > this.bytes.length) {
                this.bytes = Arrays.copyOf(this.bytes, Math.min(this.limit, Math.max(this.length + readable, this.bytes.length * 2)));
            }
            buffer.read(this.bytes, this.length, readable);
            this.length += readable;
            DataBufferUtils.release(buffer);
            return true;
        }

        boolean overflowed() {
            return this.overflowed;
        }

        byte[] bytes() {
            return this.length == this.bytes.length ? this.bytes : Arrays.copyOf(this.bytes, this.length);
        }
    }
}
