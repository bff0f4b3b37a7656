package dev.idempotency.gateway.faults;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RawHttpClient;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Uploads cut off while their gateway stops, gracefully or at once: none is forwarded and none
 * holds its key, so the client's complete retry through another instance is a first request (not a
 * {@code 422} for a fingerprint taken over half a body, nor a {@code 409}). A stopping Reactor Netty
 * server ends such a body as if it were complete (seen here before the gateway checked for it).
 */
class CutUploadDuringStopTests {

    private static final int UPLOADS = 16;

    private RedisServer redis;

    private WireMockServer upstream;

    @BeforeEach
    void start() {
        this.redis = RedisServer.launch();
        this.upstream = Upstream.start();
        this.upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{\"ok\":true}")));
    }

    @AfterEach
    void stop() {
        this.upstream.stop();
        this.redis.close();
    }

    private List<String> properties(boolean graceful) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", this.upstream.baseUrl()).path("/orders/**").filter("Idempotency")
            .properties());
        properties.addAll(List.of(this.redis.storeProperties()));
        properties.add(graceful ? "server.shutdown=graceful" : "server.shutdown=immediate");
        properties.add("spring.lifecycle.timeout-per-shutdown-phase=" + (graceful ? "3s" : "0s"));
        return properties;
    }

    @ParameterizedTest(name = "graceful stop: {0}")
    @ValueSource(booleans = { true, false })
    void uploadsCutOffWhileTheInstanceStopsNeitherRunNorHoldTheirKeys(boolean graceful) throws Exception {
        GatewayInstance stopping = GatewayInstance.start(properties(graceful));
        List<String> keys = new ArrayList<>();
        List<RawHttpClient> connections = new ArrayList<>();
        for (int i = 0; i < UPLOADS; i++) {
            String key = "cut-" + UUID.randomUUID();
            keys.add(key);
            // Alternately framed by Content-Length and chunked; cut off with a FIN or a reset (below).
            byte[] request = order(key, (i / 2) % 2 == 1);
            RawHttpClient connection = RawHttpClient.connect("127.0.0.1", stopping.port(), Duration.ofSeconds(5));
            // All but the last 1 to 16 bytes: the gateway waits for the rest of the body or for its last chunk.
            connection.write(request, 0, request.length - 1 - (i % 20));
            connections.add(connection);
        }
        Thread.sleep(300);
        CompletableFuture<Void> stopped = CompletableFuture.runAsync(stopping::close);
        Thread.sleep(graceful ? 500 : 50);
        for (int i = 0; i < connections.size(); i++) {
            if (i % 2 == 0) {
                connections.get(i).reset();
            }
            else {
                connections.get(i).close();
            }
        }
        stopped.get(30, TimeUnit.SECONDS);
        assertThat(this.upstream.getAllServeEvents()).as("forwarded an upload the client cut off").isEmpty();

        try (GatewayInstance next = GatewayInstance.start(properties(graceful))) {
            for (String key : keys) {
                RawHttpClient.Response retry = RawHttpClient.exchange(next.port(), order(key, false), Duration.ofSeconds(10));
                assertThat(retry.status()).as("complete retry of " + key + ": " + retry).isEqualTo(201);
                assertThat(retry.header("Idempotent-Replayed")).as(key + ": " + retry).isNull();
            }
        }
        assertThat(this.upstream.getAllServeEvents()).hasSize(UPLOADS);
    }

    private static byte[] order(String key, boolean chunked) {
        RawHttpClient.RequestBuilder request = RawHttpClient.request("POST", "/orders")
            .header("X-Client-Id", "cut-client")
            .header("Idempotency-Key", key)
            .header("Content-Type", "application/json")
            .body(("{\"order\":\"" + key + "\",\"item\":\"sku-1\",\"qty\":1}").getBytes(StandardCharsets.UTF_8));
        return (chunked ? request.chunked(16) : request).build();
    }
}
