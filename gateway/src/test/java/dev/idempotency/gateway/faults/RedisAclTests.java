package dev.idempotency.gateway.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.RedisServer;
import dev.idempotency.gateway.testsupport.Routes;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Redis ACL user documented in config/redis/users.acl is enough for everything the gateway
 * does: the gateway logs in as that user (never the default one) and runs claims, completions,
 * replays, waiting duplicates woken through pub/sub, the cap on keys in flight, rate limits that
 * fail closed and readiness; Redis's ACL LOG must then hold no denial at all.
 */
class RedisAclTests {

    static final String USER = "idempotency-gateway";

    static final String PASSWORD = "acl-test-" + UUID.randomUUID();

    private static RedisServer redis;

    private static WireMockServer upstream;

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() throws IOException {
        redis = RedisServer.launch();
        List<String> rules = documentedRules();
        List<String> setUser = new ArrayList<>(List.of("ACL", "SETUSER", USER));
        setUser.addAll(rules);
        setUser.add(">" + PASSWORD);
        assertThat(redis.command(setUser.toArray(String[]::new))).isEqualTo("+OK\r\n");
        redis.command("ACL", "LOG", "RESET");

        upstream = Upstream.start();
        upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{\"orderId\":\"42\"}")));
        upstream.stubFor(post(urlPathMatching("/orders/slow")).willReturn(aResponse().withStatus(201)
            .withFixedDelay(1500).withBody("{\"slow\":true}")));
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream.baseUrl()).path("/orders/**")
                .filter("RateLimit", Map.of("clientLimits[0].capacity", 8, "clientLimits[0].refillPeriod", "1h",
                        "failOpen", false))
                .filter("Idempotency", Map.of("concurrent", "wait", "waitTimeout", "5s", "maxInFlightPerClient", 5))
            .properties());
        properties.addAll(List.of(redis.storeProperties()));
        properties.addAll(List.of("spring.data.redis.username=" + USER, "spring.data.redis.password=" + PASSWORD,
                "spring.data.redis.client-name=idempotency-gateway"));
        gateway = GatewayInstance.start(properties);
    }

    /** The rules of the user line in config/redis/users.acl, without its placeholder password. */
    static List<String> documentedRules() throws IOException {
        String line = Files.readAllLines(Path.of("../config/redis/users.acl")).stream()
            .filter(candidate -> candidate.startsWith("user " + USER + " "))
            .findFirst().orElseThrow();
        return Arrays.stream(line.split("\\s+")).skip(2).filter(rule -> !rule.startsWith("#")).toList();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        upstream.stop();
        redis.close();
    }

    static EntityExchangeResult<byte[]> send(String path, String key, String client) {
        return gateway.client().post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key).header("X-Client-Id", client)
            .bodyValue("{\"item\":\"book\"}").exchange().expectBody().returnResult();
    }

    @Test
    void theDocumentedUserIsEnoughForEveryFeature() throws Exception {
        String client = "shop-" + UUID.randomUUID();
        String key = "k-" + UUID.randomUUID();
        assertThat(send("/orders", key, client).getStatus().value()).isEqualTo(201);
        EntityExchangeResult<byte[]> replay = send("/orders", key, client);
        assertThat(replay.getStatus().value()).isEqualTo(201);
        assertThat(replay.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");

        // A duplicate waits and is woken through the settlement channel.
        String slowKey = "k-" + UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CompletableFuture<EntityExchangeResult<byte[]>> first = CompletableFuture
                .supplyAsync(() -> send("/orders/slow", slowKey, client), pool);
            Thread.sleep(400);
            EntityExchangeResult<byte[]> waited = send("/orders/slow", slowKey, client);
            assertThat(first.get().getStatus().value()).isEqualTo(201);
            assertThat(waited.getStatus().value()).isEqualTo(201);
            assertThat(waited.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        }
        finally {
            pool.shutdownNow();
        }

        // Rate limits fail closed on this route: a refused Bucket4j script would be a 503, not a 201.
        int status = 0;
        for (int i = 0; i < 10 && status != 429; i++) {
            status = send("/orders", "k-" + UUID.randomUUID(), client).getStatus().value();
            assertThat(status).isIn(201, 429);
        }
        assertThat(status).isEqualTo(429);

        gateway.client().get().uri("/actuator/health/readiness").exchange().expectStatus().isOk();
        assertThat(redis.command("CLIENT", "LIST")).contains("user=" + USER);
        assertThat(redis.command("ACL", "LOG")).as("denials in Redis's ACL LOG").isEqualTo("*0\r\n");
    }
}
