package dev.idempotency.gateway.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RequestFingerprintTests {

    private static RequestFingerprint of(String method, String path, String query, String body) {
        return RequestFingerprint.builder()
            .part("method", method)
            .part("path", path)
            .part("query", query)
            .part("body", body.getBytes(StandardCharsets.UTF_8))
            .build();
    }

    @Test
    void sameRequestSameFingerprint() {
        assertThat(of("POST", "/orders", null, "{}")).isEqualTo(of("POST", "/orders", null, "{}"))
            .hasSameHashCodeAs(of("POST", "/orders", null, "{}"));
    }

    @Test
    void everyPartCounts() {
        RequestFingerprint base = of("POST", "/orders", "a=1", "{}");
        assertThat(of("PATCH", "/orders", "a=1", "{}")).isNotEqualTo(base);
        assertThat(of("POST", "/orders/1", "a=1", "{}")).isNotEqualTo(base);
        assertThat(of("POST", "/orders", "a=2", "{}")).isNotEqualTo(base);
        assertThat(of("POST", "/orders", "a=1", "{ }")).isNotEqualTo(base);
    }

    @Test
    void bytesCannotMoveBetweenParts() {
        assertThat(of("POST", "/a", "b", "")).isNotEqualTo(of("POST", "/ab", "", ""));
        assertThat(of("POST", "/a", "", "b")).isNotEqualTo(of("POST", "/a", "b", ""));
    }

    @Test
    void roundTripsThroughBytes() {
        RequestFingerprint fingerprint = of("POST", "/orders", null, "{}");
        assertThat(RequestFingerprint.fromBytes(fingerprint.toBytes())).isEqualTo(fingerprint);
        assertThat(fingerprint.toHex()).hasSize(64);
        assertThatIllegalArgumentException().isThrownBy(() -> RequestFingerprint.fromBytes(new byte[31]));
    }

    @Test
    void fingerprintsStayTheSameAcrossVersions() {
        // Stored records keep the fingerprint: if its encoding changed, every retry after an upgrade would be
        // refused as a mismatch. Expected value computed outside Java (Python's hashlib over the same
        // length-prefixed parts); a body of 0x01020304 bytes has a different value in each byte of its length prefix.
        byte[] body = new byte[0x01020304];
        Arrays.fill(body, (byte) 'x');
        RequestFingerprint fingerprint = RequestFingerprint.builder()
            .part("method", "POST")
            .part("path", "/orders")
            .part("query", (String) null)
            .part("body", body)
            .build();
        assertThat(fingerprint.toHex()).isEqualTo("1523b79efa8273facd2aa7b78eea68ad5016feaeee01b1ef3cc7d840fde4c3fc");
        assertThat(fingerprint.toString()).contains(fingerprint.toHex());
    }
}
