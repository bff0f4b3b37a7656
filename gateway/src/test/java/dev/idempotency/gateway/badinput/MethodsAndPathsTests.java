package dev.idempotency.gateway.badinput;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.gateway.testsupport.RawHttpClient;

import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Methods the filter does not protect pass straight through (with or without a key); odd request
 * targets are either refused with a 4xx before anything is forwarded, or handled exactly like a
 * normal path: forwarded once, replayed after. Never a 5xx.
 */
class MethodsAndPathsTests extends BadInputGateway {

    RawHttpClient.Response exchange(String method, String target, String caseId, String key) {
        RawHttpClient.RequestBuilder request = RawHttpClient.request(method, target).header("X-Case-Id", caseId).header("X-Client-Id", "client-a")
            .header("Content-Type", "application/json");
        if (key != null) {
            request.header("Idempotency-Key", key);
        }
        try (RawHttpClient connection = RawHttpClient.connect("127.0.0.1", this.gateway.port(), Duration.ofSeconds(5))) {
            connection.write(request.body("{}").build());
            return connection.readResponse(Duration.ofSeconds(10), method.equals("HEAD"));
        }
        catch (IOException ex) {
            throw new AssertionError(method + " " + target + ": no response: " + ex, ex);
        }
    }

    List<LoggedRequest> forwardedRequests(String caseId) {
        return this.upstream.findAll(anyRequestedFor(anyUrl()).withHeader("X-Case-Id", equalTo(caseId)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE", "PROPFIND", "FOO" })
    void unprotectedMethodsPassThroughEveryTimeKeyOrNot(String method) {
        String caseId = newCaseId();
        for (String key : new String[] { "pass-" + caseId, "pass-" + caseId, null, "\u0080 invalid key is not even parsed" }) {
            RawHttpClient.Response response = exchange(method, "/orders/pass", caseId, key);
            assertThat(response.status()).as(method + " with key " + key + ": " + response).isEqualTo(201);
            assertThat(response.replayed()).isFalse();
        }
        assertThat(forwardedRequests(caseId)).hasSize(4).allSatisfy(request -> assertThat(request.getMethod().value()).isEqualTo(method));
    }

    @Test
    void patchIsProtected() {
        String key = "patch-" + newCaseId();
        String first = newCaseId();
        assertThat(exchange("PATCH", "/orders/patch", first, key).status()).isEqualTo(201);
        String second = newCaseId();
        assertThat(exchange("PATCH", "/orders/patch", second, key).replayed()).isTrue();
        assertThat(forwardedRequests(first)).hasSize(1);
        assertThat(forwardedRequests(second)).isEmpty();
    }

    /**
     * Method names are case-sensitive (RFC 9110 section 9.1), so "post" is not POST to the filter;
     * but upstreams such as Jetty (WireMock here) execute it as POST. A spelling of a protected
     * method must then be protected or refused: a retried "post" must never execute twice.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "post", "Post", "pOST", "patch" })
    void aCaseVariantOfAProtectedMethodIsNeverExecutedTwice(String method) {
        String key = "case-variant-" + newCaseId();
        String first = newCaseId();
        String second = newCaseId();
        RawHttpClient.Response firstAnswer = exchange(method, "/orders/variant", first, key);
        RawHttpClient.Response secondAnswer = exchange(method, "/orders/variant", second, key);
        List<LoggedRequest> executed = this.upstream.findAll(anyRequestedFor(anyUrl()).withHeader("Idempotency-Key", equalTo(key)));
        assertThat(executed).as(method + " sent twice with one key; upstream saw methods "
                + executed.stream().map(request -> request.getMethod().value()).toList() + "; answers " + firstAnswer.status()
                + (firstAnswer.replayed() ? " (replayed)" : "") + ", " + secondAnswer.status() + (secondAnswer.replayed() ? " (replayed)" : ""))
            .hasSizeLessThanOrEqualTo(1);
        assertThat(firstAnswer.status()).isLessThan(500);
        assertThat(secondAnswer.status()).isLessThan(500);
    }

    /** Targets that reach the route: forwarded once as sent, then replayed. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "/orders/%2e%2e/admin", "/orders/../orders/dots", "/orders//double", "/orders/caf%C3%A9",
            "/orders/caf\u00c3\u00a9", "/orders/a%2Fb", "/orders;matrix=1", "/orders/frag#fragment", "/orders/q?x=1&x=2&y",
            "/orders/q?%C3%A9=%C3%A9", "http://localhost/orders/absolute-form", "/orders/%7e/%7E" })
    void oddButValidTargetsAreProtectedLikeAnyOther(String target) {
        String key = "target-" + newCaseId();
        String first = newCaseId();
        RawHttpClient.Response fresh = exchange("POST", target, first, key);
        assertThat(fresh.status()).as(target + ": " + fresh).isEqualTo(201);
        String retry = newCaseId();
        RawHttpClient.Response replay = exchange("POST", target, retry, key);
        assertThat(Verdict.of(replay)).as(target + " retried: " + replay).isEqualTo(Verdict.REPLAYED);
        assertThat(forwardedRequests(first)).hasSize(1);
        assertThat(forwardedRequests(retry)).isEmpty();
    }

    /** Targets Netty's decoder or the router refuse: a 4xx, never forwarded, never a 5xx. */
    @ParameterizedTest(name = "{0} -> {1} {2}")
    @CsvSource(delimiter = '|', value = { "/orders/%00|400|netty", "/orders/%ZZ|400|netty", "/orders/%|400|netty",
            "/orders/x?q=%ZZ|400|netty", "/orders/a b|400|netty", "*|404|gateway-error", "orders/relative|404|gateway-error",
            "/nowhere/orders|404|gateway-error" })
    void invalidTargetsAreRefused(String target, int status, String who) {
        String caseId = newCaseId();
        RawHttpClient.Response response = exchange("POST", target, caseId, "target-" + caseId);
        assertThat(response.status()).as(target + ": " + response).isEqualTo(status);
        if (who.equals("netty")) {
            assertThat(response.isProblem()).isFalse();
            assertThat(forwarded(caseId)).isZero();
        }
        else {
            assertRejected(response, caseId, status, who);
        }
    }

    /** The fingerprint takes the path as sent: another spelling of the same path is another request. */
    @Test
    void pathIsFingerprintedAsSent() {
        String key = "spelling-" + newCaseId();
        assertThat(exchange("POST", "/orders/a", newCaseId(), key).status()).isEqualTo(201);
        for (String spelling : new String[] { "/orders/%61", "/orders//a", "/orders/./a", "/orders/a/" }) {
            String caseId = newCaseId();
            assertRejected(exchange("POST", spelling, caseId, key), caseId, 422, "idempotency-key-reused");
        }
    }

    static Stream<String> badQueryKeys() {
        return Stream.of("idempotency_key=", "idempotency_key=a%20b", "idempotency_key=a+b",
                "idempotency_key=%E2%82%AC", "idempotency_key=a&idempotency_key=a", "idempotency_key=%00",
                "idempotency_key=%7F", "idempotency_key=" + "k".repeat(256));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badQueryKeys")
    void badQueryKeysAre400(String query) {
        String caseId = newCaseId();
        assertRejected(exchange("POST", "/query-key/orders?" + query, caseId, null), caseId, 400, "idempotency-key-invalid");
    }

    @Test
    void queryKeyIsDecodedButTheQueryIsFingerprintedAsSent() {
        String caseId = newCaseId();
        String key = "q" + caseId;
        assertThat(exchange("POST", "/query-key/orders?idempotency_key=" + key, caseId, null).status()).isEqualTo(201);
        String replay = newCaseId();
        assertThat(exchange("POST", "/query-key/orders?idempotency_key=" + key, replay, null).replayed()).isTrue();
        // %71 is "q": the same key, but not the same query string.
        String encoded = newCaseId();
        assertRejected(exchange("POST", "/query-key/orders?idempotency_key=%71" + key.substring(1), encoded, null), encoded, 422,
                "idempotency-key-reused");
    }
}
