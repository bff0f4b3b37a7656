package dev.idempotency.gateway.ops.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Pseudonyms reuse one digest per thread: each value must still hash alone, as a fresh digest would. */
class PseudonymsTests {

    private static final String SECRET = "test-hash-secret";

    @Test
    void unkeyedIsTheDomainSeparatedSha256OfTheValueEveryTime() throws Exception {
        Pseudonyms pseudonyms = new Pseudonyms(null);
        assertThat(pseudonyms.isKeyed()).isFalse();
        for (String value : List.of("client-1", "k-1", "client-1", "", "ключ")) {
            assertThat(pseudonyms.of(value)).isEqualTo(sha256("idempotency-gateway/audit\0" + value));
        }
    }

    @Test
    void keyedIsTheHmacOfTheValueEveryTime() throws Exception {
        Pseudonyms pseudonyms = new Pseudonyms(SECRET);
        assertThat(pseudonyms.isKeyed()).isTrue();
        for (String value : List.of("client-1", "k-1", "client-1", "", "ключ")) {
            assertThat(pseudonyms.of(value)).isEqualTo(hmac(value));
        }
    }

    @Test
    void threadsDoNotMixTheirValues() throws Exception {
        Pseudonyms pseudonyms = new Pseudonyms(SECRET);
        List<CompletableFuture<Boolean>> runs = IntStream.range(0, 4)
            .mapToObj(thread -> CompletableFuture.supplyAsync(() -> IntStream.range(0, 2000).allMatch(i -> {
                String value = "client-" + thread + "-" + i;
                return pseudonyms.of(value).equals(hmac(value));
            })))
            .toList();
        for (CompletableFuture<Boolean> run : runs) {
            assertThat(run.get()).isTrue();
        }
    }

    private static String sha256(String value) throws Exception {
        byte[] digest = MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(digest, 0, 16);
    }

    private static String hmac(String value) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)), 0, 16);
        }
        catch (Exception ex) {
            throw new IllegalStateException(ex);
        }
    }
}
