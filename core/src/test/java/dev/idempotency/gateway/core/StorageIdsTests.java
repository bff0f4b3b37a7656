package dev.idempotency.gateway.core;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Storage ids name records in Redis: an id that changed between versions would orphan every stored
 * result, and each retry after an upgrade would execute again. The expected ids were computed
 * outside Java (Python's hashlib and hmac over the same length-prefixed parts).
 */
class StorageIdsTests {

    private static final ScopedKey KEY = new ScopedKey("orders", "client-a", IdempotencyKey.of("order-1"));

    private static final byte[] SECRET = filled(32, 7);

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void idsOfKeysStayTheSameAcrossVersions() {
        assertThat(StorageIds.sha256().of(KEY)).isEqualTo("dvG5xxq7OuCmCpPGH9MMiGHlxajDK7cgrKXDntvc2AI");
        assertThat(KEY.storageId()).isEqualTo("dvG5xxq7OuCmCpPGH9MMiGHlxajDK7cgrKXDntvc2AI");
        assertThat(StorageIds.hmacSha256(SECRET).of(KEY)).isEqualTo("HaVVzZ02xmDfOzSJ_xJPsihm_anvvZ_ly91CJ6ivTUk");
    }

    @Test
    void idsOfClientsStayTheSameAcrossVersions() {
        ClientScope client = KEY.clientScope();
        assertThat(client).isEqualTo(new ClientScope("orders", "client-a"));
        assertThat(StorageIds.sha256().of(client)).isEqualTo("-IBuWDMxmEdXFLpikcNNxxqMHU6hN-ZoBm93f00D_ew");
        assertThat(StorageIds.hmacSha256(SECRET).of(client)).isEqualTo("MNmeqSoDyuuL5aYQl7IYHreumh8KlPRAFmOZBKfiraI");
        assertThat(client.toString()).contains("orders").doesNotContain("client-a");
    }

    @Test
    void oneThreadNamingOneThingAfterAnotherGetsEachItsOwnId() {
        // Each thread reuses one digest and one Mac: nothing of the previous id may leak into the next.
        StorageIds keyed = StorageIds.hmacSha256(SECRET);
        ClientScope client = KEY.clientScope();
        for (int i = 0; i < 3; i++) {
            assertThat(StorageIds.sha256().of(new ScopedKey("orders", "client-a", IdempotencyKey.of("k-" + i)))).hasSize(43);
            assertThat(StorageIds.sha256().of(client)).isEqualTo("-IBuWDMxmEdXFLpikcNNxxqMHU6hN-ZoBm93f00D_ew");
            assertThat(StorageIds.sha256().compute(KEY)).isEqualTo("dvG5xxq7OuCmCpPGH9MMiGHlxajDK7cgrKXDntvc2AI");
            assertThat(keyed.compute(KEY)).isEqualTo("HaVVzZ02xmDfOzSJ_xJPsihm_anvvZ_ly91CJ6ivTUk");
            assertThat(keyed.of(client)).isEqualTo("MNmeqSoDyuuL5aYQl7IYHreumh8KlPRAFmOZBKfiraI");
        }
    }

    @Test
    void aKeyHashSecretNeedsSixteenBytes() {
        assertThat(StorageIds.hmacSha256(filled(16, 7)).of(KEY)).hasSize(43);
        assertThatIllegalArgumentException().isThrownBy(() -> StorageIds.hmacSha256(filled(15, 7)))
            .withMessageContaining("at least 16 bytes, got 15");
    }

    @Test
    void scopedKeysAreEqualByAllThreePartsAndNeverPrintClientOrKey() {
        ScopedKey same = new ScopedKey("orders", "client-a", IdempotencyKey.of("order-1"));
        assertThat(same).isEqualTo(KEY).hasSameHashCodeAs(KEY);
        assertThat(new ScopedKey("payments", "client-a", IdempotencyKey.of("order-1"))).isNotEqualTo(KEY);
        assertThat(new ScopedKey("orders", "client-b", IdempotencyKey.of("order-1"))).isNotEqualTo(KEY);
        assertThat(new ScopedKey("orders", "client-a", IdempotencyKey.of("order-2"))).isNotEqualTo(KEY);
        assertThat(KEY).isNotEqualTo("orders");
        assertThat(KEY.toString()).contains("orders").doesNotContain("client-a").doesNotContain("order-1");
    }

    @Test
    void keyedStorageIdsDifferFromUnkeyedOnesAndBetweenSecrets() {
        ScopedKey key = new ScopedKey("orders", "client-a", IdempotencyKey.of("k-1"));
        String unkeyed = StorageIds.sha256().of(key);
        String keyed = StorageIds.hmacSha256(filled(32, 7)).of(key);
        assertThat(keyed).hasSize(43).isNotEqualTo(unkeyed)
            .isEqualTo(StorageIds.hmacSha256(filled(32, 7)).of(key))
            .isNotEqualTo(StorageIds.hmacSha256(filled(32, 8)).of(key));
        assertThat(StorageIds.hmacSha256(filled(32, 7)).of(new ScopedKey("orders", "client-a:k", IdempotencyKey.of("1"))))
            .isNotEqualTo(StorageIds.hmacSha256(filled(32, 7)).of(new ScopedKey("orders", "client-a", IdempotencyKey.of("k:1"))));
        assertThatIllegalArgumentException().isThrownBy(() -> StorageIds.hmacSha256(new byte[8]));
    }
}
