package dev.idempotency.gateway.identity;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

import java.util.List;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.GatewayInstance;

import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** API keys from a mounted file that holds only their SHA-256, re-read when it changes. */
class ApiKeyIdentityTests extends ClientIsolationContract {

    static final String KEY_A = "ak_live_a_0123456789abcdef";

    static final String KEY_B = "ak_live_b_fedcba9876543210";

    static final String BASE = "# client-id:sha256hex\n" + "a:" + ApiKeyFile.sha256Hex(KEY_A) + "\n" + "b:"
            + ApiKeyFile.sha256Hex(KEY_B) + "\n";

    @TempDir
    static Path dir;

    Path keyFile;

    @Override
    List<String> gatewayProperties(String upstreamUri) throws IOException {
        this.keyFile = dir.resolve("api-keys");
        Files.writeString(this.keyFile, BASE);
        return exampleConfiguration("identity-api-key.yml", upstreamUri,
                "API_KEYS_FILE=" + this.keyFile, "idempotency.client-identity.api-keys-reload-interval=100ms");
    }

    @Override
    void authenticateAs(String client, HttpHeaders headers) {
        headers.set("X-Api-Key", client.equals("a") ? KEY_A : KEY_B);
    }

    WebTestClient.ResponseSpec post(String apiKey, String key, String... extraHeader) {
        WebTestClient.RequestBodySpec request = this.fixture.gateway().client().post().uri("/orders")
            .contentType(MediaType.APPLICATION_JSON).header("Idempotency-Key", key);
        if (apiKey != null) {
            request.header("X-Api-Key", apiKey);
        }
        if (extraHeader.length == 2) {
            request.header(extraHeader[0], extraHeader[1]);
        }
        return request.bodyValue(BODY_A).exchange();
    }

    /** Replaces the file in one step, as a Secret volume update does. */
    void writeKeys(String content) {
        try {
            Path next = Files.writeString(dir.resolve("api-keys.next"), content);
            Files.move(next, this.keyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    @Test
    void withoutAKeyTheRequestIsUnauthenticated() {
        post(null, newKey()).expectStatus().isUnauthorized()
            .expectHeader().valueEquals("WWW-Authenticate", "ApiKey realm=\"idempotency-gateway\", header=\"X-Api-Key\"")
            .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody().jsonPath("$.type").isEqualTo("https://idempotency-gateway.dev/problems/unauthenticated")
            .jsonPath("$.reason").doesNotExist();
        this.fixture.upstream().verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void anUnknownKeyIsUnauthenticated() {
        post("ak_live_guess", newKey()).expectStatus().isUnauthorized()
            .expectHeader().valueEquals("WWW-Authenticate", "ApiKey realm=\"idempotency-gateway\", header=\"X-Api-Key\"")
            .expectBody().jsonPath("$.detail").value(detail -> assertThat((String) detail).doesNotContain("ak_live_guess"))
            .jsonPath("$.reason").isEqualTo("unknown_key");
        // The digest itself is not a key: knowing the file does not let anyone in.
        post(ApiKeyFile.sha256Hex(KEY_A), newKey()).expectStatus().isUnauthorized();
        this.fixture.upstream().verify(0, postRequestedFor(anyUrl()));
    }

    @Test
    void theClientIdHeaderCannotChooseAnotherIdentity() {
        String key = newKey();
        assertFresh(send("b", "/orders", key, BODY_A), "{\"order\":\"for-a\"}");
        post(KEY_A, key, "X-Client-Id", "b").expectStatus().isCreated().expectHeader().doesNotExist("Idempotent-Replayed");
        assertThat(executions()).isEqualTo(2);
    }

    /** docs/security.md: a missing or broken key file at startup stops the gateway, naming the line, never its content. */
    @Test
    void aMissingOrBrokenKeyFileStopsStartup() throws IOException {
        Path missing = dir.resolve("no-such-api-keys");
        assertThatThrownBy(() -> GatewayInstance.start(exampleConfiguration("identity-api-key.yml", "http://localhost:9",
                "API_KEYS_FILE=" + missing)).close())
            .hasStackTraceContaining("Cannot read the API key file " + missing);
        Path broken = Files.writeString(dir.resolve("broken-api-keys"), "acme:not-a-digest-ak_live_secret\n");
        assertThatThrownBy(() -> GatewayInstance.start(exampleConfiguration("identity-api-key.yml", "http://localhost:9",
                "API_KEYS_FILE=" + broken)).close())
            .hasStackTraceContaining("API key file line 1")
            .satisfies(failure -> assertThat(stackTrace(failure)).doesNotContain("ak_live_secret"));
    }

    private static String stackTrace(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        return text.toString();
    }

    /** docs/security.md: an API key over 512 characters is malformed, unhashed; two key headers are ambiguous. */
    @Test
    void anOverlongKeyIsMalformedAndTwoKeysAreAmbiguous() {
        post("k".repeat(512), newKey()).expectStatus().isUnauthorized()
            .expectBody().jsonPath("$.reason").isEqualTo("unknown_key");
        post("k".repeat(513), newKey()).expectStatus().isUnauthorized()
            .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody().jsonPath("$.reason").isEqualTo("malformed");
        this.fixture.gateway().client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", newKey()).header("X-Api-Key", KEY_A, KEY_B).bodyValue(BODY_A)
            .exchange()
            .expectStatus().isUnauthorized()
            .expectBody().jsonPath("$.reason").isEqualTo("ambiguous");
        this.fixture.upstream().verify(0, postRequestedFor(anyUrl()));
    }

    /** docs/security.md: the example strips the key and any X-Client-Id before forwarding. */
    @Test
    void theUpstreamSeesNeitherTheApiKeyNorAMadeUpClientId() {
        post(KEY_A, newKey(), "X-Client-Id", "b").expectStatus().isCreated();

        LoggedRequest forwarded = this.fixture.upstream().findAll(postRequestedFor(anyUrl())).get(0);
        assertThat(forwarded.containsHeader("X-Api-Key")).isFalse();
        assertThat(forwarded.containsHeader("X-Client-Id")).isFalse();
        assertThat(forwarded.getBodyAsString()).doesNotContain(KEY_A);
    }

    @Test
    void twoKeysOfOneClientWorkAtOnceAndTheFileIsReloaded() {
        String oldKey = "ak_live_rotating_old";
        String newKey = "ak_live_rotating_new";
        writeKeys(BASE + "rotating:" + ApiKeyFile.sha256Hex(oldKey) + "\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> post(oldKey, newKey()).expectStatus().isCreated());

        // Rotation: the new key is added next to the old one; both name the same client.
        writeKeys(BASE + "rotating:" + ApiKeyFile.sha256Hex(oldKey) + "\n" + "rotating:" + ApiKeyFile.sha256Hex(newKey) + "\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> post(newKey, newKey()).expectStatus().isCreated());
        String key = newKey();
        post(oldKey, key).expectStatus().isCreated().expectHeader().doesNotExist("Idempotent-Replayed");
        post(newKey, key).expectStatus().isCreated().expectHeader().valueEquals("Idempotent-Replayed", "true");

        // A file that no longer parses is not loaded: the keys in force stay.
        writeKeys("this is not a key file\n");
        await().pollDelay(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2))
            .untilAsserted(() -> post(newKey, newKey()).expectStatus().isCreated());

        // The old key is removed: refused from the next reload on.
        writeKeys(BASE + "rotating:" + ApiKeyFile.sha256Hex(newKey) + "\n");
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> post(oldKey, newKey()).expectStatus().isUnauthorized());
        post(newKey, key).expectStatus().isCreated().expectHeader().valueEquals("Idempotent-Replayed", "true");
    }
}
