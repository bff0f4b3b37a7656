package dev.idempotency.gateway.faults;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;
import dev.idempotency.gateway.web.PendingStores;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A graceful stop (SIGTERM) of a gateway holding a result it could not store yet (Redis went down
 * while the request ran): readiness goes down first, then the stop waits for the store within the
 * grace period, and counts and logs what it could not store.
 */
@ExtendWith(OutputCaptureExtension.class)
class GracefulStopTests {

    private RedisServer redis;

    private WireMockServer upstream;

    private GatewayInstance gateway;

    @BeforeEach
    void start() {
        this.redis = RedisServer.launch();
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withFixedDelay(3000)
            .withBody("{\"orderId\":\"slow\"}")));
        ReadinessProbe.reset();
    }

    @AfterEach
    void stop() {
        if (this.gateway != null) {
            this.gateway.close();
        }
        this.upstream.stop();
        this.redis.close();
    }

    private List<String> properties(String gracePeriod) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", this.upstream.baseUrl()).path("/orders/**").filter("Idempotency")
            .properties());
        properties.addAll(List.of(this.redis.storeProperties()));
        properties.addAll(List.of("spring.lifecycle.timeout-per-shutdown-phase=" + gracePeriod,
                "logging.level.dev.idempotency.gateway.web.PendingStores=INFO"));
        return properties;
    }

    /** A request whose result is handed to the client while Redis is down, so it stays pending. */
    private String answeredWhileRedisIsDown() throws Exception {
        String key = "pending-" + UUID.randomUUID();
        GatewayClient client = new GatewayClient(this.gateway);
        CompletableFuture<EntityExchangeResult<byte[]>> inFlight = CompletableFuture
            .supplyAsync(() -> client.post("/orders", key, "{}"));
        // Claimed once the upstream has it; it answers 3 s later, after Redis is gone.
        await().atMost(Duration.ofSeconds(60)).until(() -> !this.upstream
            .findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key))).isEmpty());
        this.redis.stop();
        EntityExchangeResult<byte[]> answered = inFlight.get(60, TimeUnit.SECONDS);
        assertThat(answered.getStatus().value()).isEqualTo(201);
        PendingStores pending = this.gateway.context().getBean(PendingStores.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> pending.size() == 1);
        return key;
    }

    @Test
    void storesAPendingResultWhenTheStoreComesBackWithinTheGracePeriod(CapturedOutput output) throws Exception {
        this.gateway = GatewayInstance.start(properties("20s"), ReadinessProbe.class);
        String key = answeredWhileRedisIsDown();

        GatewayInstance stopping = this.gateway;
        this.gateway = null;
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(stopping::close);
        await().atMost(Duration.ofSeconds(5)).until(() -> ReadinessProbe.refusing);
        // Readiness went down first: the result was still pending and the traffic port still accepted connections.
        assertThat(ReadinessProbe.pendingWhenRefusing).isEqualTo(1);
        assertThat(ReadinessProbe.acceptingWhenRefusing).isTrue();
        Thread.sleep(1500);
        assertThat(stopped).as("the stop waits for the pending store").isNotDone();

        this.redis.start();
        stopped.get(20, TimeUnit.SECONDS);
        assertThat(output.getOut()).contains("every pending result was stored").doesNotContain("not stored (the store");

        // Stored before the instance went away: another instance replays it.
        this.gateway = GatewayInstance.start(properties("20s"));
        EntityExchangeResult<byte[]> retry = new GatewayClient(this.gateway).post("/orders", key, "{}");
        assertThat(retry.getStatus().value()).isEqualTo(201);
        assertThat(retry.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(GatewayClient.body(retry)).isEqualTo("{\"orderId\":\"slow\"}");
        assertThat(this.upstream.findAll(postRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key))))
            .hasSize(1);
    }

    @Test
    void countsAndLogsWhatItCouldNotStoreWithinTheGracePeriod(CapturedOutput output) throws Exception {
        this.gateway = GatewayInstance.start(properties("2s"));
        answeredWhileRedisIsDown();
        MeterRegistry meters = this.gateway.context().getBean(MeterRegistry.class);
        PendingStores pending = this.gateway.context().getBean(PendingStores.class);

        long before = System.nanoTime();
        this.gateway.close();
        this.gateway = null;
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isGreaterThanOrEqualTo(Duration.ofMillis(1900))
            .isLessThan(Duration.ofSeconds(15));
        assertThat(pending.size()).isZero();
        Counter abandoned = meters.find("idempotency.pending.stores.abandoned").counter();
        assertThat(abandoned).isNotNull();
        assertThat(abandoned.count()).isEqualTo(1.0);
        assertThat(output.getOut()).contains("Stopped with 1 result(s) not stored (the store did not answer within the "
                + "shutdown grace period of PT2S), by route {orders=1}");
    }

    /** Records, when readiness turns to REFUSING_TRAFFIC, what was pending and whether the traffic port accepted. */
    @Configuration(proxyBeanMethods = false)
    static class ReadinessProbe {

        static volatile boolean refusing;

        static volatile int pendingWhenRefusing = -1;

        static volatile boolean acceptingWhenRefusing;

        static void reset() {
            refusing = false;
            pendingWhenRefusing = -1;
            acceptingWhenRefusing = false;
        }

        @Bean
        ApplicationListener<AvailabilityChangeEvent<ReadinessState>> readinessRecorder(ApplicationContext context) {
            return event -> {
                if (event.getState() != ReadinessState.REFUSING_TRAFFIC) {
                    return;
                }
                pendingWhenRefusing = context.getBean(PendingStores.class).size();
                int port = ((WebServerApplicationContext) context).getWebServer().getPort();
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("localhost", port), 1000);
                    acceptingWhenRefusing = true;
                }
                catch (IOException ex) {
                    acceptingWhenRefusing = false;
                }
                refusing = true;
            };
        }
    }
}
