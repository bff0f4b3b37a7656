package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.http.server.reactive.MockServerHttpResponse;
import org.springframework.mock.web.server.MockServerWebExchange;

import dev.idempotency.gateway.core.StoredResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** A stored response written again: the same status, headers and bytes, framed by their length, marked as a replay. */
class ReplayedResponsesTests {

    /** Replays {@code stored} to a fresh exchange; the one place the code under test is called. */
    private static MockServerHttpResponse replay(StoredResponse stored) {
        MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.post("/orders"));
        ReplayedResponses.write(exchange, stored).block();
        return exchange.getResponse();
    }

    private static StoredResponse response(int status, String body) {
        return StoredResponse.builder(status)
            .header("Content-Type", "text/plain")
            .header("Link", "</a>")
            .header("Link", "</b>")
            .header("Transfer-Encoding", "chunked")
            .header("Idempotent-Replayed", "false")
            .body(body.getBytes(StandardCharsets.UTF_8))
            .build();
    }

    @Test
    void theStatusHeadersAndBytesAreReplayedWithTheirOwnLength() {
        MockServerHttpResponse replayed = replay(response(201, "created"));

        assertThat(replayed.getStatusCode().value()).isEqualTo(201);
        assertThat(replayed.getHeaders().get("Link")).containsExactly("</a>", "</b>");
        assertThat(replayed.getHeaders().get("Content-Type")).containsExactly("text/plain");
        assertThat(replayed.getHeaders().get("Idempotent-Replayed")).containsExactly("true");
        assertThat(replayed.getHeaders().containsHeader(HttpHeaders.TRANSFER_ENCODING)).isFalse();
        assertThat(replayed.getHeaders().get("Content-Length")).containsExactly("7");
        assertThat(replayed.getBodyAsString().block()).isEqualTo("created");
    }

    @Test
    void anEmptyBodyIsReplayedAsEmptyWithLengthZero() {
        MockServerHttpResponse replayed = replay(response(200, ""));
        // No body at all, not an empty one: a 204 or 304 must not have any.
        assertThat(replayed.getBody().collectList().onErrorReturn(List.of()).block()).isEmpty();

        assertThat(replayed.getStatusCode().value()).isEqualTo(200);
        assertThat(replayed.getHeaders().get("Content-Length")).containsExactly("0");
        assertThat(replayed.isCommitted()).isTrue();
        assertThat(replayed.getBodyAsString().block()).isNullOrEmpty();
    }

    @Test
    void statusesWithoutContentGetNoContentLength() {
        // RFC 9110 section 8.6: never in 1xx and 204; 304 has no content.
        for (int status : new int[] { 199, 204, 304 }) {
            MockServerHttpResponse replayed = replay(response(status, ""));
            assertThat(replayed.getStatusCode().value()).isEqualTo(status);
            assertThat(replayed.getHeaders().containsHeader(HttpHeaders.CONTENT_LENGTH)).as("status %d", status).isFalse();
            assertThat(replayed.getHeaders().get("Idempotent-Replayed")).containsExactly("true");
        }
        assertThat(replay(response(205, "")).getHeaders().get("Content-Length")).containsExactly("0");
        assertThat(replay(response(303, "")).getHeaders().get("Content-Length")).containsExactly("0");
    }
}
