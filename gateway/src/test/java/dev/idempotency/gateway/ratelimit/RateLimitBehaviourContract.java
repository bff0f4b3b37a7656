package dev.idempotency.gateway.ratelimit;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;
import org.springframework.test.web.reactive.server.WebTestClient;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.GatewayWithUpstream;
import dev.idempotency.gateway.testsupport.Routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The RateLimit filter over real HTTP, in front of a WireMock upstream. Each bucket store runs
 * the same suite through a subclass, so Redis and local buckets are proven to behave alike.
 * Every test uses fresh client ids or its own route, so tests never share a bucket.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RateLimitBehaviourContract {

    static final String PROBLEM_BASE = "https://idempotency-gateway.dev/problems/";

    @RegisterExtension
    final GatewayWithUpstream fixture = new GatewayWithUpstream(this::gatewayProperties, this::stubUpstream);

    /** Properties that select the bucket store under test. */
    abstract List<String> storeProperties();

    /** The gateway instances sharing the buckets; concurrent tests spread requests over them. */
    List<GatewayInstance> replicas() {
        return List.of(this.fixture.gateway());
    }

    /** The routes every store is tested with; a subclass may start more replicas with them. */
    static List<String> routes(String uri) {
        return Routes.create()
            // Fails closed: the concurrency tests count every pass, and a store timeout on a loaded
            // machine must show as a 503, not as a request let through unlimited.
            .route("limited", uri).path("/limited/**").filter("RateLimit", RateLimitArgs.limits()
                .client(null, 2, "1h").arg("failOpen", false).build())
            .route("quiet", uri).path("/quiet/**").filter("RateLimit", RateLimitArgs.limits()
                .client(null, 1, "1h").arg("ietfHeaders", false).arg("legacyHeaders", false).build())
            .route("ietf-only", uri).path("/ietf-only/**").filter("RateLimit", RateLimitArgs.limits()
                .client(null, 1, "1h").arg("legacyHeaders", false).build())
            .route("legacy-only", uri).path("/legacy-only/**").filter("RateLimit", RateLimitArgs.limits()
                .client(null, 1, "1h").arg("ietfHeaders", false).build())
            .route("refill", uri).path("/refill/**").filter("RateLimit", RateLimitArgs.limits()
                .client("burst", 2, "2s", "intervally").build())
            .route("ceiling", uri).path("/ceiling/**").filter("RateLimit", RateLimitArgs.limits()
                .client("per-client", 3, "1h").route("ceiling", 5, "5s", "intervally").build())
            .route("route-only", uri).path("/route-only/**").filter("RateLimit", RateLimitArgs.limits()
                .route(null, 2, "1h").build())
            .route("hot-ceiling", uri).path("/hot-ceiling/**").filter("RateLimit", RateLimitArgs.limits()
                .route(null, 5, "1h").arg("failOpen", false).build())
            .route("pooled", uri).path("/pooled/**").filter("RateLimit", RateLimitArgs.limits()
                .client(null, 2, "1h").arg("denyAnonymous", false).build())
            .route("pair-a", uri).path("/pair-a/**").filter("RateLimit", RateLimitArgs.limits()
                .client(null, 3, "1h").arg("bucket", "pair").build())
            .route("pair-b", uri).path("/pair-b/**").filter("RateLimit", RateLimitArgs.limits()
                .client(null, 3, "1h").arg("bucket", "pair").build())
            .route("paid-replays", uri).path("/paid/**")
                .filter("RateLimit", RateLimitArgs.limits().client(null, 2, "1h").build())
                .filter("Idempotency")
            .route("free-replays", uri).path("/free/**")
                .filter("RateLimit", RateLimitArgs.limits().client(null, 2, "1h")
                    .arg("replaysConsumeTokens", false).build())
                .filter("Idempotency")
            .route("free-post-only", uri).path("/post-only/**")
                .filter("RateLimit", RateLimitArgs.limits().client(null, 2, "1h")
                    .arg("replaysConsumeTokens", false).build())
                .filter("Idempotency", java.util.Map.of("methods", "POST"))
            .route("free-own-header", uri).path("/own-header/**")
                .filter("RateLimit", RateLimitArgs.limits().client(null, 2, "1h")
                    .arg("replaysConsumeTokens", false).build())
                .filter("Idempotency", java.util.Map.of("headerName", "X-Order-Key"))
            .route("free-unprotected", uri).path("/unprotected/**")
                .filter("RateLimit", RateLimitArgs.limits().client(null, 2, "1h")
                    .arg("replaysConsumeTokens", false).build())
            .properties();
    }

    List<String> gatewayProperties(String uri) {
        List<String> properties = new ArrayList<>(routes(uri));
        properties.addAll(storeProperties());
        return properties;
    }

    void stubUpstream(WireMockServer upstream) {
        upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json")
            .withBody("{\"orderId\":\"42\"}")));
    }

    static String newClient() {
        return "client-" + UUID.randomUUID();
    }

    EntityExchangeResult<byte[]> send(GatewayInstance instance, HttpMethod method, String path, String clientId,
            String key) {
        WebTestClient.RequestBodySpec request = instance.client().method(method).uri(path);
        if (clientId != null) {
            request.header("X-Client-Id", clientId);
        }
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        return request.contentType(MediaType.APPLICATION_JSON).bodyValue("{\"item\":\"book\"}").exchange()
            .expectBody().returnResult();
    }

    EntityExchangeResult<byte[]> post(String path, String clientId) {
        return send(this.fixture.gateway(), HttpMethod.POST, path, clientId, null);
    }

    EntityExchangeResult<byte[]> post(String path, String clientId, String key) {
        return send(this.fixture.gateway(), HttpMethod.POST, path, clientId, key);
    }

    /**
     * The {@code RateLimit} field of a one-hour, two-token quota: {@code remaining} tokens, and the
     * next one due in half an hour less the time the test has taken so far (a loaded machine may
     * take seconds between requests; greedy refill counts them).
     */
    static void assertRateLimit(EntityExchangeResult<byte[]> result, String policy, int remaining) {
        assertThat(header(result, "RateLimit")).matches("\"" + policy + "\";r=" + remaining + ";t=(17[6-9]\\d|1800)");
    }

    int upstreamCalls(String pathRegex) {
        return this.fixture.upstream().countRequestsMatching(anyRequestedFor(urlPathMatching(pathRegex)).build()).getCount();
    }

    double counted(String route, String outcome) {
        return this.fixture.gateway().context().getBean(MeterRegistry.class).counter(RateLimitMetrics.REQUESTS, "route", route,
                "outcome", outcome).count();
    }

    static String body(EntityExchangeResult<byte[]> result) {
        byte[] body = result.getResponseBody();
        return body == null ? "" : new String(body, StandardCharsets.UTF_8);
    }

    static int status(EntityExchangeResult<byte[]> result) {
        return result.getStatus().value();
    }

    static String header(EntityExchangeResult<byte[]> result, String name) {
        return result.getResponseHeaders().getFirst(name);
    }

    @Nested
    class Headers {

        @Test
        void allowedResponsesCarryBothHeaderFamilies() {
            String client = newClient();

            EntityExchangeResult<byte[]> first = post("/limited/orders", client);
            EntityExchangeResult<byte[]> second = post("/limited/orders", client);

            assertThat(status(first)).isEqualTo(201);
            assertThat(header(first, "RateLimit-Policy")).isEqualTo("\"client\";q=2;w=3600");
            assertRateLimit(first, "client", 1);
            assertThat(header(first, "X-RateLimit-Remaining")).isEqualTo("1");
            assertThat(header(first, "X-RateLimit-Burst-Capacity")).isEqualTo("2");
            assertThat(header(first, "X-RateLimit-Requested-Tokens")).isEqualTo("1");
            assertThat(status(second)).isEqualTo(201);
            assertRateLimit(second, "client", 0);
            assertThat(header(second, "X-RateLimit-Remaining")).isEqualTo("0");
        }

        @Test
        void overTheLimitIsAnExact429AndTheUpstreamIsNotCalled() {
            String client = newClient();
            post("/limited/orders", client);
            post("/limited/orders", client);

            EntityExchangeResult<byte[]> refused = post("/limited/orders", client);

            assertThat(status(refused)).isEqualTo(429);
            assertThat(refused.getResponseHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
            assertThat(header(refused, HttpHeaders.RETRY_AFTER)).isEqualTo("1800");
            assertThat(header(refused, "RateLimit-Policy")).isEqualTo("\"client\";q=2;w=3600");
            assertRateLimit(refused, "client", 0);
            assertThat(header(refused, "X-RateLimit-Remaining")).isEqualTo("0");
            assertThat(body(refused)).isEqualTo("{\"type\":\"" + PROBLEM_BASE + "rate-limited\","
                    + "\"title\":\"Rate limit exceeded\",\"status\":429,"
                    + "\"detail\":\"This client has used up its quota 'client' on this route (2 requests per 3600 s). "
                    + "Retry after 1800 s.\",\"instance\":\"/limited/orders\",\"policy\":\"client\"}");
            assertThat(upstreamCalls("/limited/.*")).isEqualTo(2);
        }

        @Test
        void eachClientHasItsOwnBucket() {
            String client = newClient();
            post("/limited/orders", client);
            post("/limited/orders", client);

            assertThat(status(post("/limited/orders", client))).isEqualTo(429);
            assertThat(status(post("/limited/orders", newClient()))).isEqualTo(201);
        }

        @Test
        void bothHeaderFamiliesCanBeSwitchedOff() {
            String client = newClient();

            EntityExchangeResult<byte[]> allowed = post("/quiet/orders", client);
            EntityExchangeResult<byte[]> refused = post("/quiet/orders", client);

            assertThat(status(allowed)).isEqualTo(201);
            assertThat(status(refused)).isEqualTo(429);
            for (EntityExchangeResult<byte[]> result : List.of(allowed, refused)) {
                assertThat(result.getResponseHeaders().headerNames())
                    .noneMatch(name -> name.toLowerCase().startsWith("ratelimit")
                            || name.toLowerCase().startsWith("x-ratelimit"));
            }
            assertThat(header(refused, HttpHeaders.RETRY_AFTER)).isEqualTo("3600");
        }

        @Test
        void eachHeaderFamilyIsSwitchedOffOnItsOwn() {
            for (String route : List.of("/ietf-only/orders", "/legacy-only/orders")) {
                String client = newClient();
                EntityExchangeResult<byte[]> allowed = post(route, client);
                EntityExchangeResult<byte[]> refused = post(route, client);
                assertThat(status(allowed)).isEqualTo(201);
                assertThat(status(refused)).isEqualTo(429);
                boolean ietf = route.startsWith("/ietf");
                for (EntityExchangeResult<byte[]> result : List.of(allowed, refused)) {
                    assertThat(header(result, "RateLimit-Policy") != null).as(route).isEqualTo(ietf);
                    assertThat(header(result, "RateLimit") != null).as(route).isEqualTo(ietf);
                    assertThat(header(result, "X-RateLimit-Remaining") != null).as(route).isEqualTo(!ietf);
                    assertThat(header(result, "X-RateLimit-Burst-Capacity") != null).as(route).isEqualTo(!ietf);
                }
                assertThat(header(refused, HttpHeaders.RETRY_AFTER)).isEqualTo("3600");
            }
        }

        @Test
        void aRequestWithoutClientIdentityIsRejectedWhereLimitsArePerClient() {
            EntityExchangeResult<byte[]> result = post("/limited/orders", null);

            assertThat(status(result)).isEqualTo(400);
            assertThat(body(result)).contains("\"type\":\"" + PROBLEM_BASE + "client-identity-missing\"");
            assertThat(upstreamCalls("/limited/.*")).isZero();
        }

        @Test
        void anonymousRequestsShareOneBucketWhenAllowed() {
            assertThat(status(post("/pooled/orders", null))).isEqualTo(201);
            assertThat(status(post("/pooled/orders", null))).isEqualTo(201);
            assertThat(status(post("/pooled/orders", null))).isEqualTo(429);
            assertThat(status(post("/pooled/orders", newClient()))).isEqualTo(201);
        }

        @Test
        void aRouteLimitNeedsNoClientIdentity() {
            EntityExchangeResult<byte[]> first = post("/route-only/orders", null);

            assertThat(status(first)).isEqualTo(201);
            assertRateLimit(first, "route", 1);
            assertThat(status(post("/route-only/orders", newClient()))).isEqualTo(201);
            assertThat(status(post("/route-only/orders", newClient()))).isEqualTo(429);
        }
    }

    @Nested
    class Concurrency {

        @Test
        void exactlyTheCapacityPassesWhateverTheConcurrency() {
            String client = newClient();
            int sent = 12;

            List<Integer> statuses = concurrently(sent, (replica, i) -> send(replica, HttpMethod.POST, "/limited/orders",
                    client, null));

            assertCapacityHeld(statuses, 2, "/limited/.*");
        }

        @Test
        void aRouteCeilingHoldsExactlyUnderConcurrency() {
            int sent = 24;

            List<Integer> statuses = concurrently(sent, (replica, i) -> send(replica, HttpMethod.POST,
                    "/hot-ceiling/orders", newClient(), null));

            assertCapacityHeld(statuses, 5, "/hot-ceiling/.*");
        }

        /**
         * No more than {@code capacity} passed, and no token went unused while others were refused:
         * every pass and every 503 (a store call that timed out on a loaded machine may still have
         * taken its token) together cover the capacity; everything else was a 429.
         */
        private void assertCapacityHeld(List<Integer> statuses, int capacity, String upstreamPath) {
            long passed = statuses.stream().filter(status -> status == 201).count();
            long unavailable = statuses.stream().filter(status -> status == 503).count();
            assertThat(statuses).as("statuses").allMatch(status -> status == 201 || status == 429 || status == 503);
            assertThat(passed).as("passed, of " + statuses).isLessThanOrEqualTo(capacity);
            assertThat(passed + unavailable).as("passed or timed out, of " + statuses).isGreaterThanOrEqualTo(capacity);
            assertThat(upstreamCalls(upstreamPath)).isEqualTo((int) passed);
        }

        /** Sends all requests at once, round-robin over the replicas; returns their statuses. */
        private List<Integer> concurrently(int count,
                java.util.function.BiFunction<GatewayInstance, Integer, EntityExchangeResult<byte[]>> request) {
            List<GatewayInstance> replicas = replicas();
            return Flux.range(0, count)
                .flatMap(i -> Mono.fromCallable(() -> status(request.apply(replicas.get(i % replicas.size()), i)))
                    .subscribeOn(Schedulers.boundedElastic()), count)
                .collectList()
                .block(Duration.ofSeconds(60));
        }
    }

    @Nested
    class Refill {

        @Test
        void refillRestoresTheCapacity() throws InterruptedException {
            String client = newClient();
            EntityExchangeResult<byte[]> refused = null;
            // Two pass, then refusals; should a refill land in between, the loop simply goes on.
            for (int i = 0; i < 10 && refused == null; i++) {
                EntityExchangeResult<byte[]> result = post("/refill/orders", client);
                refused = status(result) == 429 ? result : null;
            }
            assertThat(refused).as("a request over the limit").isNotNull();
            long retryAfter = Long.parseLong(header(refused, HttpHeaders.RETRY_AFTER));
            assertThat(retryAfter).isBetween(1L, 2L);

            Thread.sleep(Duration.ofSeconds(retryAfter).plusMillis(300).toMillis());

            // An interval refill brings exactly the capacity back, never more.
            assertThat(status(post("/refill/orders", client))).isEqualTo(201);
            assertThat(status(post("/refill/orders", client))).isEqualTo(201);
        }
    }

    @Nested
    class PerClientLimitWithRouteCeiling {

        @Test
        void theStricterLimitWinsAndARefusedBucketCostsTheOtherNothing() throws InterruptedException {
            String a = newClient();
            String b = newClient();

            EntityExchangeResult<byte[]> firstOfA = post("/ceiling/orders", a);
            assertThat(header(firstOfA, "RateLimit-Policy"))
                .isEqualTo("\"per-client\";q=3;w=3600, \"ceiling\";q=5;w=5");
            assertThat(header(firstOfA, "RateLimit")).startsWith("\"per-client\";r=2;");
            assertThat(status(post("/ceiling/orders", a))).isEqualTo(201);
            assertThat(status(post("/ceiling/orders", a))).isEqualTo(201);
            EntityExchangeResult<byte[]> perClientRefusal = post("/ceiling/orders", a);
            assertThat(status(perClientRefusal)).isEqualTo(429);
            assertThat(header(perClientRefusal, "RateLimit")).startsWith("\"per-client\";r=0;");

            // A's refusal took nothing from the ceiling: two of its five are left for B.
            EntityExchangeResult<byte[]> firstOfB = post("/ceiling/orders", b);
            assertThat(status(firstOfB)).isEqualTo(201);
            assertThat(header(firstOfB, "RateLimit")).startsWith("\"ceiling\";r=1;");
            assertThat(status(post("/ceiling/orders", b))).isEqualTo(201);
            EntityExchangeResult<byte[]> ceilingRefusal = post("/ceiling/orders", b);
            assertThat(status(ceilingRefusal)).isEqualTo(429);
            assertThat(header(ceilingRefusal, "RateLimit")).startsWith("\"ceiling\";r=0;");
            assertThat(body(ceilingRefusal)).contains("This route's shared quota 'ceiling' is used up (5 requests per 5 s)");
            assertThat(upstreamCalls("/ceiling/.*")).isEqualTo(5);

            // Once the ceiling refills, B still has the one token the ceiling's refusal gave back.
            Thread.sleep(Duration.ofSeconds(Long.parseLong(header(ceilingRefusal, HttpHeaders.RETRY_AFTER)))
                .plusMillis(300).toMillis());
            assertThat(status(post("/ceiling/orders", b))).isEqualTo(201);
            EntityExchangeResult<byte[]> bDone = post("/ceiling/orders", b);
            assertThat(status(bDone)).isEqualTo(429);
            assertThat(header(bDone, "RateLimit")).startsWith("\"per-client\";r=0;");
        }
    }

    @Nested
    class SharedBucket {

        @Test
        void routesNamingTheSameBucketShareIt() {
            String client = newClient();

            assertThat(status(post("/pair-a/orders", client))).isEqualTo(201);
            assertThat(status(post("/pair-b/orders", client))).isEqualTo(201);
            assertThat(status(post("/pair-a/orders", client))).isEqualTo(201);

            assertThat(status(post("/pair-b/orders", client))).isEqualTo(429);
            assertThat(status(post("/pair-a/orders", client))).isEqualTo(429);
        }
    }

    @Nested
    class Replays {

        @Test
        void byDefaultAReplayCostsATokenAndA429IsNeverStored() {
            String client = newClient();
            String key = "key-" + UUID.randomUUID();

            EntityExchangeResult<byte[]> executed = post("/paid/orders", client, key);
            EntityExchangeResult<byte[]> replayed = post("/paid/orders", client, key);
            EntityExchangeResult<byte[]> refused = post("/paid/orders", client, key);

            assertThat(status(executed)).isEqualTo(201);
            assertThat(status(replayed)).isEqualTo(201);
            assertThat(header(replayed, "Idempotent-Replayed")).isEqualTo("true");
            assertRateLimit(replayed, "client", 0);
            assertThat(status(refused)).isEqualTo(429);
            assertThat(header(refused, "Idempotent-Replayed")).isNull();
            assertThat(upstreamCalls("/paid/.*")).isEqualTo(1);
        }

        @Test
        void freeReplaysCostNothingAndARefusalReleasesTheKey() {
            String client = newClient();
            String first = "key-" + UUID.randomUUID();
            String third = "key-" + UUID.randomUUID();

            EntityExchangeResult<byte[]> executed = post("/free/orders", client, first);
            assertThat(status(executed)).isEqualTo(201);
            assertRateLimit(executed, "client", 1);
            for (int i = 0; i < 3; i++) {
                EntityExchangeResult<byte[]> replayed = post("/free/orders", client, first);
                assertThat(status(replayed)).isEqualTo(201);
                assertThat(header(replayed, "Idempotent-Replayed")).isEqualTo("true");
                assertThat(header(replayed, "RateLimit")).isNull();
            }
            assertThat(status(post("/free/orders", client, "key-" + UUID.randomUUID()))).isEqualTo(201);

            EntityExchangeResult<byte[]> refused = post("/free/orders", client, third);
            EntityExchangeResult<byte[]> refusedAgain = post("/free/orders", client, third);

            assertThat(status(refused)).isEqualTo(429);
            assertRateLimit(refused, "client", 0);
            assertThat(body(refused)).contains("\"type\":\"" + PROBLEM_BASE + "rate-limited\"");
            // Not a replay of a stored 429: the key was released and the limit asked again.
            assertThat(status(refusedAgain)).isEqualTo(429);
            assertThat(header(refusedAgain, "Idempotent-Replayed")).isNull();
            assertThat(upstreamCalls("/free/.*")).isEqualTo(2);
        }

        /** docs/rate-limits.md: with free replays, 409 in-progress conflicts and 422 mismatches cost nothing either. */
        @Test
        void freeReplaysMakeConflictsAndMismatchesFreeToo() throws Exception {
            fixture.upstream().stubFor(any(urlPathMatching("/free/slow"))
                .willReturn(aResponse().withStatus(201).withFixedDelay(3000).withBody("{}")));
            String client = newClient();
            String key = "key-" + UUID.randomUUID();
            Mono<EntityExchangeResult<byte[]>> slow = Mono.fromCallable(() -> post("/free/slow", client, key))
                .subscribeOn(Schedulers.boundedElastic()).cache();
            slow.subscribe();
            await().atMost(Duration.ofSeconds(10)).until(() -> upstreamCalls("/free/slow") == 1);
            for (int i = 0; i < 3; i++) {
                assertThat(status(post("/free/slow", client, key))).isEqualTo(409);
            }
            assertThat(status(slow.block(Duration.ofSeconds(10)))).isEqualTo(201);
            for (int i = 0; i < 3; i++) {
                EntityExchangeResult<byte[]> mismatch = fixture.gateway().client().post().uri("/free/slow")
                    .header("X-Client-Id", client).header("Idempotency-Key", key)
                    .contentType(MediaType.APPLICATION_JSON).bodyValue("{\"item\":\"pen\"}")
                    .exchange().expectBody().returnResult();
                assertThat(status(mismatch)).isEqualTo(422);
            }

            // One token of two went to the executed request; six answers later the second is still there.
            assertThat(status(post("/free/orders", client, "key-" + UUID.randomUUID()))).isEqualTo(201);
            assertThat(status(post("/free/orders", client, "key-" + UUID.randomUUID()))).isEqualTo(429);
        }

        @Test
        void withFreeReplaysRequestsWithoutAKeyAreChargedUpFront() {
            String client = newClient();

            assertThat(status(send(fixture.gateway(), HttpMethod.GET, "/free/orders/1", client, null))).isEqualTo(201);
            assertThat(status(send(fixture.gateway(), HttpMethod.GET, "/free/orders/1", client, null))).isEqualTo(201);
            EntityExchangeResult<byte[]> refused = send(fixture.gateway(), HttpMethod.GET, "/free/orders/1", client, null);
            assertThat(status(refused)).isEqualTo(429);
            assertThat(status(post("/free/orders", client, "key-" + UUID.randomUUID()))).isEqualTo(429);
            assertThat(upstreamCalls("/free/.*")).isEqualTo(2);
        }

        @Test
        void aKeyedRequestTheIdempotencyFilterDoesNotProtectIsStillCounted() {
            String client = newClient();

            // PATCH is keyed by the defaults, but this route's Idempotency filter protects POST only.
            EntityExchangeResult<byte[]> unguarded = send(fixture.gateway(), HttpMethod.PATCH, "/post-only/orders/1", client,
                    "key-" + UUID.randomUUID());
            EntityExchangeResult<byte[]> chargedUpFront = send(fixture.gateway(), HttpMethod.PATCH, "/post-only/orders/1", client,
                    "key-" + UUID.randomUUID());
            EntityExchangeResult<byte[]> refused = send(fixture.gateway(), HttpMethod.PATCH, "/post-only/orders/1", client,
                    "key-" + UUID.randomUUID());

            assertThat(status(unguarded)).isEqualTo(201);
            assertThat(status(chargedUpFront)).isEqualTo(201);
            assertRateLimit(chargedUpFront, "client", 0);
            assertThat(status(refused)).isEqualTo(429);
            // The Idempotency filter asks the admission before forwarding a request it does not
            // protect, so the request is charged in time and the after-the-fact safety net stays idle.
            assertThat(counted("free-post-only", "unchecked")).isZero();
            assertThat(upstreamCalls("/post-only/.*")).isEqualTo(2);
        }

        @Test
        void theRateLimiterAsksTheRouteWhereItsIdempotencyFilterReadsTheKey() {
            String client = newClient();
            String key = "key-" + UUID.randomUUID();

            // This route's Idempotency filter reads X-Order-Key: replays under it are free too.
            EntityExchangeResult<byte[]> executed = ownHeader(client, key);
            assertThat(status(executed)).isEqualTo(201);
            assertRateLimit(executed, "client", 1);
            for (int i = 0; i < 3; i++) {
                EntityExchangeResult<byte[]> replayed = ownHeader(client, key);
                assertThat(header(replayed, "Idempotent-Replayed")).isEqualTo("true");
                assertThat(header(replayed, "RateLimit")).isNull();
            }
            assertThat(status(ownHeader(client, "key-" + UUID.randomUUID()))).isEqualTo(201);
            assertThat(status(ownHeader(client, "key-" + UUID.randomUUID()))).isEqualTo(429);
            assertThat(counted("free-own-header", "unchecked")).isZero();
            assertThat(upstreamCalls("/own-header/.*")).isEqualTo(2);
        }

        @Test
        void withoutAnIdempotencyFilterOnTheRouteKeyedRequestsAreChargedUpFront() {
            String client = newClient();

            EntityExchangeResult<byte[]> first = post("/unprotected/orders", client, "key-" + UUID.randomUUID());
            EntityExchangeResult<byte[]> second = post("/unprotected/orders", client, "key-" + UUID.randomUUID());
            EntityExchangeResult<byte[]> refused = post("/unprotected/orders", client, "key-" + UUID.randomUUID());

            assertRateLimit(first, "client", 1);
            assertRateLimit(second, "client", 0);
            assertThat(status(refused)).isEqualTo(429);
            assertThat(counted("free-unprotected", "unchecked")).isZero();
            assertThat(upstreamCalls("/unprotected/.*")).isEqualTo(2);
        }

        private EntityExchangeResult<byte[]> ownHeader(String client, String key) {
            return fixture.client().post().uri("/own-header/orders").header("X-Client-Id", client)
                .header("X-Order-Key", key).contentType(MediaType.APPLICATION_JSON).bodyValue("{\"item\":\"book\"}")
                .exchange().expectBody().returnResult();
        }
    }
}
