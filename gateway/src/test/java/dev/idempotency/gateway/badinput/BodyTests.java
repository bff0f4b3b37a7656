package dev.idempotency.gateway.badinput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;

import com.github.tomakehurst.wiremock.client.WireMock;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import dev.idempotency.gateway.testsupport.RawHttpClient;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request bodies the gateway must fingerprint as bytes and forward untouched: empty, binary,
 * invalid UTF-8, exactly at and one byte over {@code maxRequestBodySize} (declared and chunked),
 * broken framing, gzip, and bodies cut off by the client.
 */
class BodyTests extends BadInputGateway {

    static final long SEED = Long.getLong("badinput.seed", System.nanoTime());

    static final List<byte[]> INVALID_UTF8 = List.of(new byte[] { (byte) 0xC3, 0x28 }, new byte[] { (byte) 0xFF, (byte) 0xFE },
            new byte[] { (byte) 0xC0, (byte) 0xAF }, new byte[] { (byte) 0xED, (byte) 0xA0, (byte) 0x80 },
            new byte[] { '{', '"', 'a', '"', ':', '"', (byte) 0xE2, (byte) 0x82, '"', '}' },
            new byte[] { (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80 }, new byte[] { (byte) 0x80 });

    RawHttpClient.Response postBody(String path, String key, String caseId, byte[] body) {
        return send(post(path, caseId).header("Idempotency-Key", key).body(body).build());
    }

    LoggedRequest forwardedRequest(String caseId) {
        List<LoggedRequest> requests = this.upstream.findAll(anyRequestedFor(anyUrl()).withHeader("X-Case-Id", equalTo(caseId)));
        assertThat(requests).as("requests forwarded for " + caseId).hasSize(1);
        return requests.get(0);
    }

    /** Sends the body, then the same body again, then a body differing in one byte: 201, replay, 422. */
    void assertFingerprintedByBytes(String path, byte[] body) {
        String key = "body-" + newCaseId();
        String first = newCaseId();
        RawHttpClient.Response fresh = postBody(path, key, first, body);
        assertThat(fresh.status()).as(fresh.toString()).isEqualTo(201);
        assertThat(forwardedRequest(first).getBody()).isEqualTo(body);

        String again = newCaseId();
        assertThat(Verdict.of(postBody(path, key, again, body))).isEqualTo(Verdict.REPLAYED);
        assertThat(forwarded(again)).isZero();

        byte[] other = body.length == 0 ? new byte[] { 0 } : body.clone();
        other[other.length - 1] ^= 0x01;
        String changed = newCaseId();
        assertRejected(postBody(path, key, changed, other), changed, 422, "idempotency-key-reused");
    }

    @Test
    void emptyBodyWithAndWithoutContentLengthIsOneRequest() {
        String key = "empty-" + newCaseId();
        String first = newCaseId();
        RawHttpClient.Response fresh = send(post("/orders/empty", first).header("Idempotency-Key", key).body(new byte[0]).build());
        assertThat(fresh.status()).isEqualTo(201);
        assertThat(forwardedRequest(first).getBody()).isEmpty();
        String noBody = newCaseId();
        assertThat(Verdict.of(send(post("/orders/empty", noBody).header("Idempotency-Key", key).build()))).isEqualTo(Verdict.REPLAYED);
        String emptyChunked = newCaseId();
        assertThat(Verdict.of(send(post("/orders/empty", emptyChunked).header("Idempotency-Key", key).body(new byte[0]).chunked(8).build())))
            .isEqualTo(Verdict.REPLAYED);
        assertThat(forwarded(noBody) + forwarded(emptyChunked)).isZero();
    }

    @Test
    void everyByteValueInABodyIsForwardedAndFingerprintedAsBytes() {
        byte[] all = new byte[256];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        assertFingerprintedByBytes("/orders/binary", all);
    }

    @Test
    void randomBinaryBodiesUpToTheLimit() {
        Random random = new Random(SEED);
        for (int i = 0; i < 25; i++) {
            byte[] body = new byte[random.nextInt(BODY_LIMIT + 1)];
            random.nextBytes(body);
            assertFingerprintedByBytes("/orders/random-binary", body);
        }
    }

    @Test
    void invalidUtf8IsForwardedUntouchedAndComparedByBytes() {
        for (byte[] body : INVALID_UTF8) {
            assertFingerprintedByBytes("/orders/utf8", body);
            // canonical-json falls back to bytes for what does not parse as JSON
            assertFingerprintedByBytes("/canonical/utf8", body);
        }
    }

    @Test
    void invalidUtf8OrNonJsonBodyOnAJsonKeyRouteIsAnInvalidKey() {
        for (byte[] body : INVALID_UTF8) {
            String caseId = newCaseId();
            assertRejected(send(post("/json-key/utf8", caseId).body(body).build()), caseId, 400, "idempotency-key-invalid");
        }
        byte[] keyWithBadByte = "{\"client_order_id\":\"k\u00ff\"}".getBytes(StandardCharsets.ISO_8859_1);
        String caseId = newCaseId();
        assertRejected(send(post("/json-key/utf8", caseId).body(keyWithBadByte).build()), caseId, 400, "idempotency-key-invalid");
        caseId = newCaseId();
        assertRejected(send(post("/json-key/utf8", caseId).body("{\"client_order_id\":\"ok\"} trailing").build()), caseId, 400,
                "idempotency-key-invalid");
        caseId = newCaseId();
        assertRejected(send(post("/json-key/utf8", caseId).body(new byte[0]).build()), caseId, 400, "idempotency-key-missing");
    }

    /**
     * canonical-json promises "key order and whitespace do not matter" - nothing more. Bodies an
     * upstream may read differently must not share a fingerprint, or one order's stored response is
     * replayed for another.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = { "{\"a\":1}|{\"a\":1} trailing", "{\"a\":1}|{\"a\":1}{\"b\":2}",
            "{\"qty\":2}|{\"qty\":1,\"qty\":2}", "{\"amount\":1234567890.1234567}|{\"amount\":1234567890.123456789}",
            "{\"amount\":0.1}|{\"amount\":0.10000000000000000001}", "{\"amount\":1e400}|{\"amount\":2e400}" })
    void canonicalJsonNeverMergesBodiesThatDiffer(String pair) {
        String[] bodies = pair.split("\\|");
        String key = "canon-" + newCaseId();
        String first = newCaseId();
        assertThat(postBody("/canonical/orders", key, first, bodies[0].getBytes(StandardCharsets.UTF_8)).status()).isEqualTo(201);
        String second = newCaseId();
        RawHttpClient.Response other = postBody("/canonical/orders", key, second, bodies[1].getBytes(StandardCharsets.UTF_8));
        assertThat(Verdict.of(other)).as(bodies[1] + " after " + bodies[0] + " with the same key: " + other)
            .isEqualTo(Verdict.GATEWAY_PROBLEM);
        assertRejected(other, second, 422, "idempotency-key-reused");
    }

    /** Jackson refuses nesting past its limit; the gateway must then compare bytes or refuse the key, never fail. */
    @Test
    void deeplyNestedJsonIsNeverA5xx() {
        byte[] deep = ("[".repeat(100_000) + "]".repeat(100_000)).getBytes(StandardCharsets.US_ASCII);
        String canonical = newCaseId();
        RawHttpClient.Response compared = postBody("/canonical/deep", "deep-" + canonical, canonical, deep);
        assertThat(compared.status()).as(compared.toString()).isEqualTo(201);
        String keyInBody = newCaseId();
        assertRejected(send(post("/json-key/deep", keyInBody).body(deep).build()), keyInBody, 400, "idempotency-key-invalid");
    }

    @Test
    void canonicalJsonStillMergesReorderedAndRespacedBodies() {
        String key = "canon-" + newCaseId();
        assertThat(postBody("/canonical/orders", key, newCaseId(), "{\"a\":1,\"b\":[1,2]}".getBytes()).status()).isEqualTo(201);
        String reordered = newCaseId();
        assertThat(Verdict.of(postBody("/canonical/orders", key, reordered, " { \"b\" : [1, 2], \"a\":1 }\n".getBytes())))
            .isEqualTo(Verdict.REPLAYED);
        assertThat(forwarded(reordered)).isZero();
    }

    @Test
    void bodyExactlyAtTheLimitPassesAndOneByteOverIs413Declared() {
        byte[] atLimit = "a".repeat(BODY_LIMIT).getBytes();
        byte[] over = "a".repeat(BODY_LIMIT + 1).getBytes();
        String fits = newCaseId();
        assertThat(postBody("/orders/limit", "limit-" + fits, fits, atLimit).status()).isEqualTo(201);
        assertThat(forwardedRequest(fits).getBody()).hasSize(BODY_LIMIT);
        String tooLarge = newCaseId();
        RawHttpClient.Response refused = postBody("/orders/limit", "limit-" + tooLarge, tooLarge, over);
        assertRejected(refused, tooLarge, 413, "request-body-too-large");
        assertThat(refused.text()).contains("\"maxBytes\":" + BODY_LIMIT);
    }

    @ParameterizedTest(name = "chunks of {0} bytes")
    @ValueSource(ints = { 1, 7, 100, 1024, 4096 })
    void chunkedBodyExactlyAtTheLimitPassesAndOneByteOverIs413(int chunkSize) {
        String fits = newCaseId();
        RawHttpClient.Response ok = send(post("/orders/chunked", fits).header("Idempotency-Key", "chunk-" + fits)
            .body("b".repeat(BODY_LIMIT)).chunked(chunkSize).build());
        assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
        assertThat(forwardedRequest(fits).getBody()).hasSize(BODY_LIMIT);
        String tooLarge = newCaseId();
        RawHttpClient.Response refused = send(post("/orders/chunked", tooLarge).header("Idempotency-Key", "chunk-" + tooLarge)
            .body("b".repeat(BODY_LIMIT + 1)).chunked(chunkSize).build());
        assertRejected(refused, tooLarge, 413, "request-body-too-large");
    }

    @Test
    void declaredOversizeIsRefusedBeforeTheBodyArrives() throws IOException {
        String caseId = newCaseId();
        try (RawHttpClient connection = RawHttpClient.connect("127.0.0.1", this.gateway.port(), Duration.ofSeconds(5))) {
            byte[] headOnly = post("/orders/declared", caseId).header("Idempotency-Key", "declared-" + caseId)
                .header("Content-Length", "100000000").withoutContentLength().build();
            connection.write(headOnly);
            RawHttpClient.Response refused = connection.readResponse(Duration.ofSeconds(5), false);
            assertRejected(refused, caseId, 413, "request-body-too-large");
        }
    }

    @ParameterizedTest(name = "Content-Length [{0}]")
    @ValueSource(strings = { "abc", "-1", "+2", "2, 2", "0x2", " ", "99999999999999999999" })
    void invalidContentLengthIsRefusedByNetty(String value) {
        String caseId = newCaseId();
        RawHttpClient.Response response = send(post("/orders/framing", caseId).header("Idempotency-Key", "cl-" + caseId)
            .header("Content-Length", value).withoutContentLength().body("{}").build());
        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(forwarded(caseId)).isZero();
    }

    @Test
    void conflictingFramingIsRefusedByNetty() {
        String twoLengths = newCaseId();
        RawHttpClient.Response response = send(post("/orders/framing", twoLengths).header("Idempotency-Key", "cl-" + twoLengths)
            .header("Content-Length", "2").header("Content-Length", "3").withoutContentLength().body("{}").build());
        assertThat(response.status()).isEqualTo(400);
        assertThat(forwarded(twoLengths)).isZero();

        // Content-Length with Transfer-Encoding is the classic request-smuggling shape (RFC 9112 section 6.3).
        String both = newCaseId();
        response = send(post("/orders/framing", both).header("Idempotency-Key", "cl-" + both).header("Content-Length", "3")
            .body("{\"a\":1}").chunked(2).build());
        assertThat(response.status()).isEqualTo(400);
        assertThat(forwarded(both)).isZero();
    }

    /**
     * Found by RequestFramingFuzzTests (shrunk): a body announced as chunked but sent plain cannot
     * be decoded; Netty answers 400 itself and ends the body early, and the gateway forwarded the
     * request with an empty body (and claimed its key). It depends on timing, hence the repeats.
     */
    @Test
    void aPlainBodyAnnouncedAsChunkedIsNeverForwarded() {
        for (int attempt = 0; attempt < 20; attempt++) {
            String caseId = newCaseId();
            RawHttpClient.Response response = send(post("/orders/framing", caseId).header("Idempotency-Key", "plain-" + caseId)
                .header("Transfer-Encoding", "chunked").withoutContentLength()
                .body("{\"qty\":1,\"sku\":\"a-b\"}POST /orders/smuggled HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n")
                .build());
            assertThat(response.status()).as(response.toString()).isEqualTo(400);
            assertThat(forwarded(caseId)).as("forwarded, answered " + response).isZero();
        }
    }

    /**
     * Found by RequestFramingFuzzTests (shrunk): chunked with a parameter passed the framing check,
     * but Netty frames only a bare chunked, so the request was forwarded with an empty body.
     */
    @Test
    void chunkedWithAParameterIsNeverForwarded() {
        String caseId = newCaseId();
        RawHttpClient.Response response = send(post("/orders/framing", caseId).header("Idempotency-Key", "param-" + caseId)
            .header("Transfer-Encoding", "chunked;q=1").withoutContentLength().body("1\r\n{\r\n1\r\n}\r\n0\r\n\r\n").build());
        assertThat(response.status()).as(response.toString()).isIn(400, 501);
        assertThat(forwarded(caseId)).as("forwarded, answered " + response).isZero();
    }

    /**
     * A transfer coding the gateway does not understand leaves it unable to find the body's end:
     * RFC 9112 section 6.1 says answer 501 (or refuse with 400), not forward the request.
     */
    @Test
    void unknownTransferCodingIsNeverForwarded() {
        String caseId = newCaseId();
        RawHttpClient.Response response = send(post("/orders/framing", caseId).header("Idempotency-Key", "te-" + caseId)
            .header("Transfer-Encoding", "xchunked").withoutContentLength().body("{\"qty\":1}").build());
        assertThat(forwarded(caseId)).as("forwarded with Transfer-Encoding: xchunked, answered " + response).isZero();
        assertThat(response.status()).isIn(400, 501);
    }

    /**
     * docs/http.md: chunked not the single, final coding is a 400 {@code request-framing-invalid}
     * (RFC 9112 section 6.3); a coding the gateway does not know before chunked is a 501
     * {@code transfer-coding-unsupported} (section 6.1). Either way the connection is closed.
     * Reactor Netty refuses a coding after chunked itself, with a bare 400 ("netty").
     */
    @ParameterizedTest(name = "Transfer-Encoding: {0} -> {1}")
    @CsvSource(delimiter = '|', value = { "xchunked|400|request-framing-invalid", "chunked, chunked|400|request-framing-invalid",
            "chunked, gzip|400|netty", "chunked;q=1|400|request-framing-invalid",
            "gzip, chunked|501|transfer-coding-unsupported", "deflate, chunked|501|transfer-coding-unsupported" })
    void transferCodingsTheGatewayCannotFrameAreRefusedByTypeAndCloseTheConnection(String codings, int status, String type) {
        String caseId = newCaseId();
        RawHttpClient.Response response = send(post("/orders/framing", caseId).header("Idempotency-Key", "te-" + caseId)
            .header("Transfer-Encoding", codings).withoutContentLength().body("9\r\n{\"qty\":1}\r\n0\r\n\r\n").build());
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.isProblem()).as(response.toString()).isEqualTo(!type.equals("netty"));
        if (!type.equals("netty")) {
            assertThat(response.problemType()).isEqualTo(type);
        }
        assertThat(response.header("Connection")).isEqualToIgnoringCase("close");
        assertThat(forwarded(caseId)).as("forwarded, answered " + response).isZero();
    }

    @Test
    void bodyCutOffByTheClientIsNeverForwardedAndDoesNotClaimTheKey() throws Exception {
        String key = "cut-" + newCaseId();
        for (boolean reset : new boolean[] { false, true }) {
            String caseId = newCaseId();
            try (RawHttpClient connection = RawHttpClient.connect("127.0.0.1", this.gateway.port(), Duration.ofSeconds(5))) {
                byte[] request = post("/orders/cut", caseId).header("Idempotency-Key", key).body("c".repeat(100)).build();
                connection.write(request, 0, request.length - 50);
                Thread.sleep(100);
                if (reset) {
                    connection.reset();
                }
            }
            Thread.sleep(300);
            assertThat(forwarded(caseId)).as("forwarded a body cut off half way").isZero();
        }
        String complete = newCaseId();
        RawHttpClient.Response fresh = postBody("/orders/cut", key, complete, "c".repeat(100).getBytes());
        assertThat(Verdict.of(fresh)).as("the cut-off attempts must not hold the key: " + fresh).isEqualTo(Verdict.FORWARDED);
    }

    /** gzip is opaque: the fingerprint is over the compressed bytes, and the encoding travels on. */
    @Test
    void gzipBodiesAreOpaqueBytes() throws IOException {
        byte[] plain = "{\"item\":\"book\",\"qty\":1}".getBytes(StandardCharsets.UTF_8);
        byte[] gzipped = gzip(plain, 0);
        // The same content with another modification time in the gzip header: equal once inflated, different bytes.
        byte[] regzipped = gzip(plain, 1_700_000_000);
        assertThat(regzipped).isNotEqualTo(gzipped);

        String key = "gzip-" + newCaseId();
        String first = newCaseId();
        RawHttpClient.Response fresh = send(post("/orders/gzip", first).header("Idempotency-Key", key).header("Content-Encoding", "gzip")
            .body(gzipped).build());
        assertThat(fresh.status()).isEqualTo(201);
        LoggedRequest forwardedGzip = forwardedRequest(first);
        assertThat(forwardedGzip.getHeader("Content-Encoding")).isEqualTo("gzip");
        // WireMock inflates gzip request bodies for matching; what it inflates is exactly what the client compressed.
        assertThat(forwardedGzip.getBody()).isEqualTo(plain);

        String same = newCaseId();
        assertThat(Verdict.of(send(post("/orders/gzip", same).header("Idempotency-Key", key).header("Content-Encoding", "gzip")
            .body(gzipped).build()))).isEqualTo(Verdict.REPLAYED);
        String otherBytes = newCaseId();
        assertRejected(send(post("/orders/gzip", otherBytes).header("Idempotency-Key", key).header("Content-Encoding", "gzip")
            .body(regzipped).build()), otherBytes, 422, "idempotency-key-reused");
        String inflated = newCaseId();
        assertRejected(send(post("/orders/gzip", inflated).header("Idempotency-Key", key).body(plain).build()), inflated, 422,
                "idempotency-key-reused");
    }

    @Test
    void gzipResponseIsReplayedWithItsEncodingByteForByte() throws IOException {
        byte[] gzipped = gzip("{\"orderId\":\"gz\"}".getBytes(StandardCharsets.UTF_8), 0);
        this.upstream.stubFor(WireMock.post(urlPathEqualTo("/orders/gzip-response")).willReturn(aResponse().withStatus(201)
            .withHeader("Content-Type", "application/json").withHeader("Content-Encoding", "gzip").withBody(gzipped)));
        String key = "gzip-response-" + newCaseId();
        RawHttpClient.Response fresh = send(post("/orders/gzip-response", newCaseId()).header("Idempotency-Key", key).body("{}").build());
        RawHttpClient.Response replay = send(post("/orders/gzip-response", newCaseId()).header("Idempotency-Key", key).body("{}").build());
        assertThat(fresh.body()).isEqualTo(gzipped);
        assertThat(replay.replayed()).isTrue();
        assertThat(replay.header("Content-Encoding")).isEqualTo("gzip");
        assertThat(replay.body()).isEqualTo(gzipped);
    }

    static byte[] gzip(byte[] content, int mtime) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gzip = new GZIPOutputStream(bytes)) {
            gzip.write(content);
        }
        byte[] result = bytes.toByteArray();
        // RFC 1952: MTIME is bytes 4-7, little-endian; any value is valid.
        for (int i = 0; i < 4; i++) {
            result[4 + i] = (byte) (mtime >>> (8 * i));
        }
        return result;
    }
}
