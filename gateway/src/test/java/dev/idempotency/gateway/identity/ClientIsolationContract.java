package dev.idempotency.gateway.identity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayWithUpstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Keys of different clients never meet, whatever the identity source: a client cannot read,
 * overwrite, probe (409 / 422 versus a fresh execution) or use up another client's keys. Each
 * source runs this suite with its own way of saying "I am client a".
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClientIsolationContract {

    static final String BODY_A = "{\"from\":\"a\"}";

    static final String BODY_B = "{\"from\":\"b\"}";

    @RegisterExtension
    final GatewayWithUpstream fixture = new GatewayWithUpstream(this::gatewayProperties, this::stubUpstream);

    /** Adds whatever makes a request come from {@code client} ("a" or "b"). */
    abstract void authenticateAs(String client, HttpHeaders headers);

    /** The gateway's properties for the source under test, usually {@link #exampleConfiguration}. */
    abstract List<String> gatewayProperties(String upstreamUri) throws Exception;

    /**
     * The gateway's properties: the source's example file from {@code config/identity/} (one keyed
     * route, /orders/**), its placeholders filled in, so the examples are what the tests run.
     */
    static List<String> exampleConfiguration(String file, String upstreamUri, String... placeholders) {
        List<String> properties = new ArrayList<>(List.of(
                "spring.config.additional-location=file:../config/identity/" + file, "ORDERS_URI=" + upstreamUri));
        properties.addAll(List.of(placeholders));
        return properties;
    }

    void stubUpstream(WireMockServer upstream) {
        upstream.stubFor(post(anyUrl()).withRequestBody(containing("\"from\":\"a\""))
            .willReturn(aResponse().withStatus(201).withBody("{\"order\":\"for-a\"}")));
        upstream.stubFor(post(anyUrl()).withRequestBody(containing("\"from\":\"b\""))
            .willReturn(aResponse().withStatus(201).withBody("{\"order\":\"for-b\"}")));
        upstream.stubFor(post(urlEqualTo("/orders/slow"))
            .willReturn(aResponse().withStatus(201).withBody("{\"order\":\"slow\"}").withFixedDelay(1500)));
    }

    EntityExchangeResult<String> send(String client, String path, String key, String body) {
        return this.fixture.gateway().client().post().uri(path).contentType(MediaType.APPLICATION_JSON)
            .headers(headers -> authenticateAs(client, headers))
            .header("Idempotency-Key", key)
            .bodyValue(body)
            .exchange()
            .expectBody(String.class)
            .returnResult();
    }

    static void assertFresh(EntityExchangeResult<String> result, String expectedBody) {
        assertThat(result.getStatus().value()).as(result.toString()).isEqualTo(201);
        assertThat(result.getResponseHeaders().containsHeader("Idempotent-Replayed")).isFalse();
        assertThat(result.getResponseBody()).isEqualTo(expectedBody);
    }

    static void assertReplayed(EntityExchangeResult<String> result, String expectedBody) {
        assertThat(result.getStatus().value()).as(result.toString()).isEqualTo(201);
        assertThat(result.getResponseHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(result.getResponseBody()).isEqualTo(expectedBody);
    }

    int executions() {
        return this.fixture.upstream().findAll(postRequestedFor(anyUrl())).size();
    }

    static String newKey() {
        return "iso-" + UUID.randomUUID();
    }

    @Test
    void anotherClientsStoredResponseIsNeverServed() {
        String key = newKey();
        assertFresh(send("a", "/orders", key, BODY_A), "{\"order\":\"for-a\"}");
        // The very same request from b: executed for b, not a replay of a's order.
        assertFresh(send("b", "/orders", key, BODY_A), "{\"order\":\"for-a\"}");
        assertThat(executions()).isEqualTo(2);
    }

    @Test
    void aKeyUsedByAnotherClientIsNoMismatch() {
        String key = newKey();
        assertFresh(send("a", "/orders", key, BODY_A), "{\"order\":\"for-a\"}");
        // 422 would tell b that a used this key for something else.
        assertFresh(send("b", "/orders", key, BODY_B), "{\"order\":\"for-b\"}");
    }

    @Test
    void anotherClientCannotOverwriteAStoredResponse() {
        String key = newKey();
        assertFresh(send("a", "/orders", key, BODY_A), "{\"order\":\"for-a\"}");
        assertFresh(send("b", "/orders", key, BODY_B), "{\"order\":\"for-b\"}");
        assertReplayed(send("a", "/orders", key, BODY_A), "{\"order\":\"for-a\"}");
        assertReplayed(send("b", "/orders", key, BODY_B), "{\"order\":\"for-b\"}");
        assertThat(executions()).isEqualTo(2);
    }

    @Test
    void anotherClientsRequestInFlightIsInvisible() throws Exception {
        String key = newKey();
        CompletableFuture<EntityExchangeResult<String>> first = CompletableFuture
            .supplyAsync(() -> send("a", "/orders/slow", key, BODY_A));
        await().atMost(Duration.ofSeconds(10))
            .until(() -> this.fixture.upstream().findAll(postRequestedFor(urlEqualTo("/orders/slow"))).size() == 1);
        // The probe exists for a itself (409 while in flight), so its absence for b means something.
        assertThat(send("a", "/orders/slow", key, BODY_A).getStatus().value()).isEqualTo(409);
        assertFresh(send("b", "/orders/slow", key, BODY_A), "{\"order\":\"slow\"}");
        assertFresh(first.get(), "{\"order\":\"slow\"}");
        assertThat(executions()).isEqualTo(2);
    }

    @Test
    void oneClientCannotUseUpAnothersKeys() {
        List<String> keys = List.of(newKey(), newKey(), newKey(), newKey(), newKey());
        keys.forEach(key -> assertFresh(send("a", "/orders", key, BODY_A), "{\"order\":\"for-a\"}"));
        keys.forEach(key -> assertFresh(send("b", "/orders", key, BODY_B), "{\"order\":\"for-b\"}"));
        assertThat(executions()).isEqualTo(10);
    }
}
