package dev.idempotency.gateway.store.redis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.data.redis.connection.ReactiveRedisConnectionFactory;
import org.springframework.data.redis.connection.SubscriptionListener;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.util.retry.Retry;

import dev.idempotency.gateway.core.store.SettlementSignals;

/**
 * One Redis subscription per gateway instance to the channel the store's scripts publish settled
 * keys on; each message wakes the requests of this instance waiting on that key. Subscribes on
 * the first wait and re-subscribes with back-off after an outage. While it is not subscribed a
 * wake-up could be missed, so a wait then ends as soon as the subscription stands (or at its
 * bound), and the caller looks at the key again.
 */
final class RedisSettlementSubscriber implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(RedisSettlementSubscriber.class);

    private final ReactiveRedisConnectionFactory connectionFactory;

    private final String channel;

    private final SettlementSignals signals = new SettlementSignals();

    private final AtomicBoolean started = new AtomicBoolean();

    private volatile Sinks.Empty<Void> subscribed = Sinks.empty();

    private volatile boolean listening;

    private volatile ReactiveRedisMessageListenerContainer container;

    private volatile Disposable subscription;

    RedisSettlementSubscriber(ReactiveRedisConnectionFactory connectionFactory, String channel) {
        this.connectionFactory = connectionFactory;
        this.channel = channel;
    }

    String channel() {
        return this.channel;
    }

    Mono<Void> await(String redisKey, Duration maxWait) {
        ensureSubscribed();
        if (!this.listening) {
            return this.subscribed.asMono().timeout(maxWait, Mono.empty());
        }
        return this.signals.await(redisKey, maxWait);
    }

    private void ensureSubscribed() {
        if (!this.started.compareAndSet(false, true)) {
            return;
        }
        this.container = new ReactiveRedisMessageListenerContainer(this.connectionFactory);
        SubscriptionListener onSubscribed = new SubscriptionListener() {
            @Override
            public void onChannelSubscribed(byte[] channel, long count) {
                RedisSettlementSubscriber.this.listening = true;
                RedisSettlementSubscriber.this.subscribed.tryEmitEmpty();
            }
        };
        this.subscription = Mono.defer(() -> Mono.just(this.container))
            .flatMapMany(container -> container.receive(List.of(new ChannelTopic(this.channel)), onSubscribed))
            .doOnNext(message -> this.signals.signal(message.getMessage()))
            .doOnError(error -> {
                this.listening = false;
                this.subscribed = Sinks.empty();
            })
            .retryWhen(Retry.backoff(Long.MAX_VALUE, Duration.ofMillis(200)).maxBackoff(Duration.ofSeconds(2))
                .doBeforeRetry(signal -> logger.debug("Re-subscribing to " + this.channel + ": " + signal.failure())))
            .subscribe();
    }

    @Override
    public void close() {
        Disposable subscribedTo = this.subscription;
        if (subscribedTo != null) {
            subscribedTo.dispose();
        }
        ReactiveRedisMessageListenerContainer listener = this.container;
        if (listener != null) {
            listener.destroy();
        }
    }
}
