package dev.idempotency.gateway.web;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.springframework.http.HttpMethod;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a route's fingerprint is made of, part by part. Each expected digest is written from the
 * definition, not by calling the code: SHA-256 over the chosen parts in the order method, path,
 * query, content-type, each listed header ({@code header:} and its lower-case name, values joined
 * by a line feed), body; each part's name and value preceded by its length as four big-endian
 * bytes ({@link #sha256OfParts}). One value was also computed outside Java, with Python's hashlib.
 */
class RequestFingerprintsTests {

    private static final Set<FingerprintPart> ALL = EnumSet.allOf(FingerprintPart.class);

    /** The one place the object under test is built. */
    private static RequestFingerprints fingerprints(Set<FingerprintPart> parts, List<String> headers,
            BodyComparison bodyComparison, List<String> jsonPointers, List<String> ignoredJsonPointers) {
        return new RequestFingerprints(parts, headers, bodyComparison, jsonPointers, ignoredJsonPointers);
    }

    private static RequestFingerprints fingerprints(Set<FingerprintPart> parts, BodyComparison bodyComparison) {
        return fingerprints(parts, List.of(), bodyComparison, List.of(), List.of());
    }

    private static String fingerprint(RequestFingerprints fingerprints, MockServerHttpRequest request, String body) {
        return fingerprints.of(request, utf8(body)).toHex();
    }

    /** Names and values, alternating: SHA-256 of each as a 4-byte big-endian length, then its UTF-8 bytes. */
    private static String sha256OfParts(String... namesAndValues) {
        try {
            MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
            for (String text : namesAndValues) {
                byte[] bytes = utf8(text);
                int n = bytes.length;
                sha256.update(new byte[] { (byte) (n >> 24), (byte) (n >> 16), (byte) (n >> 8), (byte) n });
                sha256.update(bytes);
            }
            return HexFormat.of().formatHex(sha256.digest());
        }
        catch (NoSuchAlgorithmException ex) {
            throw new AssertionError(ex);
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static MockServerHttpRequest order() {
        // As the client sent it: the URI is taken as it is, not expanded as a template (which would encode '%').
        return MockServerHttpRequest.method(HttpMethod.POST, URI.create("/orders/a%2Fb?q=a%20b&x=1"))
            .header("Content-Type", "Application/JSON; charset=UTF-8")
            .header("X-Tenant", "t-1", "t-2")
            .build();
    }

    @Test
    void theDefaultPartsInTheirOrderWithPathAndQueryAsSentMatchAValueComputedOutsideJava() {
        String body = "{\"b\": 1, \"a\": 2}";

        String actual = fingerprint(fingerprints(ALL, List.of("X-Tenant"), BodyComparison.BYTES, List.of(), List.of()),
                order(), body);

        // Python: sha256 over (">I" length + bytes) of each name and value, in this order.
        assertThat(actual).isEqualTo("ed68e494afa1a92a7d2e980224325c6a4f597abd1f005860fa3cdd8652a5cf8e")
            .isEqualTo(sha256OfParts("method", "POST", "path", "/orders/a%2Fb", "query", "q=a%20b&x=1", "content-type",
                    "application/json;charset=utf-8", "header:x-tenant", "t-1\nt-2", "body", body));
    }

    @Test
    void eachPartCountsOnlyWhenTheRouteChoosesIt() {
        String body = "{\"b\": 1}";
        assertThat(fingerprint(fingerprints(EnumSet.of(FingerprintPart.METHOD), BodyComparison.BYTES), order(), body))
            .isEqualTo(sha256OfParts("method", "POST"));
        assertThat(fingerprint(fingerprints(EnumSet.of(FingerprintPart.PATH), BodyComparison.BYTES), order(), body))
            .isEqualTo(sha256OfParts("path", "/orders/a%2Fb"));
        assertThat(fingerprint(fingerprints(EnumSet.of(FingerprintPart.QUERY), BodyComparison.BYTES), order(), body))
            .isEqualTo(sha256OfParts("query", "q=a%20b&x=1"));
        assertThat(fingerprint(fingerprints(EnumSet.of(FingerprintPart.CONTENT_TYPE), BodyComparison.BYTES), order(), body))
            .isEqualTo(sha256OfParts("content-type", "application/json;charset=utf-8"));
        assertThat(fingerprint(fingerprints(EnumSet.of(FingerprintPart.BODY), BodyComparison.BYTES), order(), body))
            .isEqualTo(sha256OfParts("body", body));
        assertThat(fingerprint(fingerprints(EnumSet.noneOf(FingerprintPart.class), BodyComparison.BYTES), order(), body))
            .isEqualTo(sha256OfParts());
    }

    @Test
    void aRequestWithoutQueryOrContentTypeHasEmptyParts() {
        MockServerHttpRequest bare = MockServerHttpRequest.put("/orders").build();

        assertThat(fingerprint(fingerprints(ALL, BodyComparison.BYTES), bare, ""))
            .isEqualTo(sha256OfParts("method", "PUT", "path", "/orders", "query", "", "content-type", "", "body", ""));
    }

    @Test
    void theContentTypeLosesItsSpacesTabsAndCase() {
        RequestFingerprints contentType = fingerprints(EnumSet.of(FingerprintPart.CONTENT_TYPE), BodyComparison.BYTES);
        MockServerHttpRequest spaced = MockServerHttpRequest.post("/o")
            .header("Content-Type", " Text/Plain ;\tCharset = \"UTF-8\"").build();

        assertThat(fingerprint(contentType, spaced, "")).isEqualTo(sha256OfParts("content-type", "text/plain;charset=\"utf-8\""));
    }

    @Test
    void listedHeadersCountInTheirOrderWithEveryValueAndAMissingOneIsEmpty() {
        RequestFingerprints headers = fingerprints(EnumSet.noneOf(FingerprintPart.class), List.of("X-Missing", "X-Tenant"),
                BodyComparison.BYTES, List.of(), List.of());

        assertThat(fingerprint(headers, order(), "")).isEqualTo(sha256OfParts("header:x-missing", "", "header:x-tenant", "t-1\nt-2"));
    }

    @Test
    void canonicalJsonSortsPropertiesDropsWhitespaceAndKeepsNumbersExact() {
        RequestFingerprints canonical = fingerprints(EnumSet.of(FingerprintPart.BODY), BodyComparison.CANONICAL_JSON);

        assertThat(fingerprint(canonical, order(), "{ \"b\" : [1.10, \"x\"],\n \"a\" : {\"d\": null, \"c\": 12345678901234567890.5} }"))
            .isEqualTo(sha256OfParts("body", "{\"a\":{\"c\":12345678901234567890.5,\"d\":null},\"b\":[1.10,\"x\"]}"));
    }

    @Test
    void canonicalJsonComparesByBytesWhatIsEmptyNotJsonOrHasADuplicateProperty() {
        RequestFingerprints canonical = fingerprints(EnumSet.of(FingerprintPart.BODY), BodyComparison.CANONICAL_JSON);

        assertThat(fingerprint(canonical, order(), "")).isEqualTo(sha256OfParts("body", ""));
        assertThat(fingerprint(canonical, order(), "{ \"a\": ")).isEqualTo(sha256OfParts("body", "{ \"a\": "));
        assertThat(fingerprint(canonical, order(), "{\"a\": 1, \"a\": 2}")).isEqualTo(sha256OfParts("body", "{\"a\": 1, \"a\": 2}"));
    }

    @Test
    void selectedPointersCountEachUnderItsOwnNameAndAMissingFieldDiffersFromANullOne() {
        RequestFingerprints selected = fingerprints(EnumSet.of(FingerprintPart.BODY), List.of(), BodyComparison.CANONICAL_JSON,
                List.of("/amount", "/gone", "/note", "/items/1"), List.of());

        assertThat(fingerprint(selected, order(), "{\"note\": null, \"amount\": { \"v\": 1.50, \"c\": \"EUR\" }, \"items\": [1, [2, 3]]}"))
            .isEqualTo(sha256OfParts("body:/amount", "{\"c\":\"EUR\",\"v\":1.50}", "body-missing:/gone", "", "body:/note", "null",
                    "body:/items/1", "[2,3]"));
        // A body that is not JSON counts whole, by its bytes.
        assertThat(fingerprint(selected, order(), "amount=1")).isEqualTo(sha256OfParts("body", "amount=1"));
    }

    @Test
    void ignoredPointersAreRemovedAsAddressedInTheBodyAsReceived() {
        // Elements 0 and 2 of [a, b, c, d] leave [b, d] (removed from the highest index down); /items/0
        // named twice is removed once; pointers to nothing (an index past the end, a field that is not
        // there, a field of a number, a name on an array) change nothing.
        RequestFingerprints ignoring = fingerprints(EnumSet.of(FingerprintPart.BODY), List.of(), BodyComparison.CANONICAL_JSON,
                List.of(), List.of("/items/0", "/sent_at", "/items/2", "/items/0", "/items/4", "/nope", "/qty/x", "/items/x",
                        "/meta/trace"));

        assertThat(fingerprint(ignoring, order(), "{\"sent_at\": 1, \"qty\": 2, \"items\": [\"a\", \"b\", \"c\", \"d\"], "
                + "\"meta\": {\"trace\": \"t\", \"by\": \"me\"}}"))
            .isEqualTo(sha256OfParts("body", "{\"items\":[\"b\",\"d\"],\"meta\":{\"by\":\"me\"},\"qty\":2}"));
        assertThat(fingerprint(ignoring, order(), "")).isEqualTo(sha256OfParts("body", ""));
    }

    @Test
    void bytesComparisonNeverReadsTheJson() {
        RequestFingerprints bytes = fingerprints(EnumSet.of(FingerprintPart.BODY), BodyComparison.BYTES);

        assertThat(fingerprint(bytes, order(), "{\"b\":1, \"a\":2}")).isEqualTo(sha256OfParts("body", "{\"b\":1, \"a\":2}"));
    }
}
