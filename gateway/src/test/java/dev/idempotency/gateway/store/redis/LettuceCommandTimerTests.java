package dev.idempotency.gateway.store.redis;

import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.util.HashedWheelTimer;
import io.netty.util.Timer;
import org.junit.jupiter.api.Test;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Lettuce times its commands out on the gateway's own wheel timer, whose short tick keeps a
 * finished request reachable for at most {@value RedisStoreConfiguration#COMMAND_TIMER_TICK_MILLIS}
 * ms after its answer (bench/README.md, "Young collections in the tail"), and which stops with the
 * application, since Lettuce leaves a timer it was given running.
 */
class LettuceCommandTimerTests {

    @Test
    void lettuceTimesItsCommandsOnTheShortTickTimerWhichStopsWithTheApplication() throws Exception {
        try (RedisServer redis = RedisServer.launch()) {
            GatewayInstance gateway = GatewayInstance.start(properties(redis));
            HashedWheelTimer timer;
            try {
                timer = gateway.context().getBean("lettuceCommandTimer", HashedWheelTimer.class);
                Timer lettuces = gateway.context().getBean(LettuceConnectionFactory.class).getRequiredNativeClient()
                    .getResources().timer();
                assertThat(lettuces).isSameAs(timer);
                assertThat(tick(timer)).isEqualTo(Duration.ofMillis(RedisStoreConfiguration.COMMAND_TIMER_TICK_MILLIS));
                gateway.client().post().uri("/orders/1").header("X-Client-Id", "c").header("Idempotency-Key", "k-1")
                    .bodyValue("{}").exchange();
            }
            finally {
                gateway.close();
            }
            assertThatIllegalStateException().isThrownBy(() -> timer.newTimeout(timeout -> { }, 1, TimeUnit.SECONDS));
        }
    }

    private static List<String> properties(RedisServer redis) {
        // Nothing listens on the route's upstream: the request only has to reach Redis.
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", "http://127.0.0.1:9").path("/orders/**").filter("Idempotency")
            .properties());
        properties.addAll(List.of(redis.storeProperties()));
        return properties;
    }

    // Netty keeps the tick to itself; the field has had this name since Netty 4.0.
    private static Duration tick(HashedWheelTimer timer) throws ReflectiveOperationException {
        Field tickDuration = HashedWheelTimer.class.getDeclaredField("tickDuration");
        tickDuration.setAccessible(true);
        return Duration.ofNanos(tickDuration.getLong(timer));
    }
}
