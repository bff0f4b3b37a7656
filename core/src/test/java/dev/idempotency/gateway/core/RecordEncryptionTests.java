package dev.idempotency.gateway.core;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RecordEncryptionTests {

    private static final byte[] K1 = filled(32, 1);

    private static final byte[] K2 = filled(32, 2);

    private static final IdempotencyRecord RECORD = IdempotencyRecord
        .inFlight(0x1122334455667788L, RequestFingerprint.builder().part("body", "{}").build(), Instant.ofEpochMilli(42))
        .complete(StoredResponse.builder(201)
            .header("Content-Type", "application/json")
            .body("{\"account\":\"DE44 5001 0517 5407 3249 31\"}".getBytes(StandardCharsets.UTF_8))
            .build());

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void sealedRecordRoundTripsAndHidesItsContent() {
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] plain = RecordCodec.encode(RECORD);
        byte[] sealed = encryption.seal(plain);

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("DE44").doesNotContain("application/json");
        assertThat(encryption.open(sealed)).isEqualTo(plain);
        assertThat(RecordCodec.decode(encryption.open(sealed)).response().body()).isEqualTo(RECORD.response().body());
    }

    @Test
    void stateAndTokenStayWhereTheLuaScriptsReadThem() {
        byte[] sealed = RecordEncryption.of(Map.of("k1", K1), "k1").seal(RecordCodec.encode(RECORD));
        assertThat(sealed[0]).isEqualTo(RecordEncryption.SEALED_VERSION);
        assertThat(sealed[RecordCodec.STATE_OFFSET]).isEqualTo((byte) 1);
        assertThat(Arrays.copyOfRange(sealed, RecordCodec.TOKEN_OFFSET, RecordCodec.TOKEN_OFFSET + 8))
            .isEqualTo(RecordCodec.tokenBytes(0x1122334455667788L));
    }

    @Test
    void rotationKeepsOlderRecordsReadable() {
        byte[] sealedWithK1 = RecordEncryption.of(Map.of("k1", K1), "k1").seal(RecordCodec.encode(RECORD));
        RecordEncryption rotated = RecordEncryption.of(Map.of("k1", K1, "k2", K2), "k2");
        assertThat(RecordCodec.decode(rotated.open(sealedWithK1)).fencingToken()).isEqualTo(RECORD.fencingToken());
        byte[] sealedWithK2 = rotated.seal(RecordCodec.encode(RECORD));
        assertThat(new String(sealedWithK2, 11, 2, StandardCharsets.US_ASCII)).isEqualTo("k2");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> RecordEncryption.of(Map.of("k2", K2), "k2").open(sealedWithK1))
            .withMessageContaining("unknown encryption key 'k1'");
    }

    @Test
    void tamperingIsDetected() {
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] sealed = encryption.seal(RecordCodec.encode(RECORD));
        byte[] flippedBody = sealed.clone();
        flippedBody[flippedBody.length - 20] ^= 1;
        byte[] flippedToken = sealed.clone();
        flippedToken[RecordCodec.TOKEN_OFFSET] ^= 1;
        assertThatIllegalArgumentException().isThrownBy(() -> encryption.open(flippedBody)).withMessageContaining("tampered");
        assertThatIllegalArgumentException().isThrownBy(() -> encryption.open(flippedToken)).withMessageContaining("tampered");
    }

    @Test
    void plainRecordsWrittenBeforeEncryptionStillRead() {
        byte[] plain = RecordCodec.encode(RECORD);
        assertThat(RecordEncryption.of(Map.of("k1", K1), "k1").open(plain)).isSameAs(plain);
    }

    @Test
    void badKeysAreRefusedWithTheReason() {
        assertThatIllegalArgumentException().isThrownBy(() -> RecordEncryption.of(Map.of("k1", new byte[10]), "k1"))
            .withMessageContaining("16, 24 or 32");
        assertThatIllegalArgumentException().isThrownBy(() -> RecordEncryption.of(Map.of("k1", K1), "k9"))
            .withMessageContaining("'k9' is not among the keys");
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
