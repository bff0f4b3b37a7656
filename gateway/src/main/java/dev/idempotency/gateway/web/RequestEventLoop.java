package dev.idempotency.gateway.web;

import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.Connection;

/**
 * Brings a store's answer back to the event loop of the request's connection. Lettuce signals
 * every result on its own I/O thread: left there, the rest of the request (forwarding upstream,
 * writing the answer) runs on that one thread, and each write it makes to a connection of
 * another loop is a task handed across threads. Handed back once, the request goes on where its
 * connection lives, and the upstream call gets a connection of the same loop.
 */
final class RequestEventLoop {

    private final EventLoop loop;

    private RequestEventLoop(EventLoop loop) {
        this.loop = loop;
    }

    /** The loop of the exchange's connection; none (values pass through as they come) off Reactor Netty. */
    static RequestEventLoop of(ServerWebExchange exchange) {
        Object nativeRequest;
        try {
            nativeRequest = ServerHttpRequestDecorator.getNativeRequest(exchange.getRequest());
        }
        catch (IllegalArgumentException notAvailable) {
            nativeRequest = null;
        }
        return new RequestEventLoop(nativeRequest instanceof Connection connection ? connection.channel().eventLoop() : null);
    }

    /**
     * {@code value} on this loop: at once when already on it (the in-memory store answers on the
     * caller's thread), else handed to the loop. {@code value} must signal a value or an error.
     */
    <T> Mono<T> resume(Mono<T> value) {
        EventLoop loop = this.loop;
        if (loop == null) {
            return value;
        }
        return value.flatMap(result -> loop.inEventLoop() ? Mono.just(result)
                : Mono.create(sink -> loop.execute(() -> sink.success(result))));
    }

    /**
     * Runs {@code task} on this loop after {@code delayNanos} (on Reactor's parallel scheduler off
     * Reactor Netty). Scheduled from the loop itself, it is a queue entry of that thread: no lock,
     * no wake-up of another thread.
     */
    Disposable schedule(Runnable task, long delayNanos) {
        EventLoop loop = this.loop;
        if (loop == null) {
            return Schedulers.parallel().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }
        try {
            ScheduledFuture<?> scheduled = loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
            return () -> scheduled.cancel(false);
        }
        catch (RejectedExecutionException shuttingDown) {
            return Schedulers.parallel().schedule(task, delayNanos, TimeUnit.NANOSECONDS);
        }
    }
}
