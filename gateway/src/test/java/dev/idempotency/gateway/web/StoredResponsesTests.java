package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;

import dev.idempotency.gateway.core.ReplayHeaderPolicy;
import dev.idempotency.gateway.core.StoredResponse;
import dev.idempotency.gateway.core.StoredResponse.Header;
import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemType;

import static org.assertj.core.api.Assertions.assertThat;

/** What is kept of an upstream response, and of the gateway's own problems, to be replayed. */
class StoredResponsesTests {

    /** The one place an upstream response is turned into what is stored. */
    private static StoredResponse stored(int status, HttpHeaders headers, String body, ReplayHeaderPolicy policy) {
        return StoredResponses.fromUpstream(status, headers, body.getBytes(StandardCharsets.UTF_8), policy);
    }

    @Test
    void everyReplayableValueIsKeptInOrderAndTheRestIsDropped() {
        HttpHeaders headers = new HttpHeaders();
        headers.add("Content-Type", "application/json");
        headers.add("Link", "</a>; rel=next");
        headers.add("Link", "</b>; rel=prev");
        headers.add("ETag", "\"v1\"");
        headers.add("Content-Length", "9");
        headers.add("Set-Cookie", "s=1");
        headers.add("X-RateLimit-Remaining", "3");
        headers.add("Proxy-Authenticate", "Basic");
        headers.add("X-Route-Secret", "s");
        headers.add("X-Custom", "c");

        StoredResponse stored = stored(201, headers, "{\"id\":1}", ReplayHeaderPolicy.excluding(List.of("x-route-secret")));

        assertThat(stored.status()).isEqualTo(201);
        assertThat(stored.headers()).containsExactly(new Header("Content-Type", "application/json"),
                new Header("Link", "</a>; rel=next"), new Header("Link", "</b>; rel=prev"), new Header("ETag", "\"v1\""),
                new Header("X-Custom", "c"));
        assertThat(new String(stored.body(), StandardCharsets.UTF_8)).isEqualTo("{\"id\":1}");
    }

    @Test
    void fieldsTheConnectionHeaderNamesAreHopByHopInAnyCaseAndSpacing() {
        HttpHeaders headers = new HttpHeaders();
        headers.add("Connection", "close, X-Hop");
        headers.add("Connection", " Keep-Alive ,x-other-HOP ");
        headers.add("X-Hop", "1");
        headers.add("X-Other-Hop", "2");
        headers.add("X-Kept", "3");

        StoredResponse stored = stored(200, headers, "", ReplayHeaderPolicy.defaults());

        assertThat(stored.headers()).containsExactly(new Header("X-Kept", "3"));
        assertThat(stored.bodyLength()).isZero();
    }

    @Test
    void aProblemIsStoredAsProblemJsonThatNoCacheKeeps() {
        Problem problem = Problem.of(ProblemType.RESPONSE_NOT_REPLAYABLE, "Too \"big\".").withExtension("originalStatus", 201);

        StoredResponse stored = StoredResponses.fromProblem(problem, "/orders/1");

        assertThat(stored.status()).isEqualTo(HttpStatus.CONFLICT.value());
        assertThat(stored.headers()).containsExactly(new Header("Content-Type", "application/problem+json"),
                new Header("Cache-Control", "no-store"));
        assertThat(new String(stored.body(), StandardCharsets.UTF_8)).isEqualTo("{\"type\":"
                + "\"https://idempotency-gateway.dev/problems/response-not-replayable\",\"title\":"
                + "\"Request was executed but its response cannot be replayed\",\"status\":409,"
                + "\"detail\":\"Too \\\"big\\\".\",\"instance\":\"/orders/1\",\"originalStatus\":201}");
    }
}
