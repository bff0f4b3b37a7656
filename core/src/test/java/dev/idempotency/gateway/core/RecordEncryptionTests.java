package dev.idempotency.gateway.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class RecordEncryptionTests {

    private static final byte[] K1 = filled(32, 1);

    private static final byte[] K2 = filled(32, 2);

    private static final IdempotencyRecord RECORD = IdempotencyRecord
        .inFlight(0x1122334455667788L, RequestFingerprint.builder().part("body", "{}").build(), Instant.ofEpochMilli(42))
        .complete(StoredResponse.builder(201)
            .header("Content-Type", "application/json")
            .body("{\"account\":\"DE44 5001 0517 5407 3249 31\"}".getBytes(StandardCharsets.UTF_8))
            .build());

    private static final byte[] NAME = "idem:record-a".getBytes(StandardCharsets.US_ASCII);

    /** Where the nonce starts in a record sealed with key id "k1": the clear prefix, the id's length and the id. */
    private static final int NONCE_OFFSET = 10 + 1 + 2;

    private static final String UNBOUND_SEALED_RECORD = "02011122334455667788026b310712fcc252b27a21a36605ffbe3353a1388ecf9e"
            + "75b21b87eb816f2e0ec5b14f6f263cd787b407d6b20a6b33da08013182b5859bfeb320c8c713e04c65c1948a123a285db4a406cc978aab"
            + "fb51fa435a28a81b57fad0a164288f27b07b95d001cb0cc192cae7bc17dde4c6bcdec3c1d46ab62dc121d39f1eb0ef03f009daebbd7194"
            + "fc8a5b02f4731b3e86624d519395b9dbcd8bcf";

    private static byte[] nonce(byte[] sealed) {
        return Arrays.copyOfRange(sealed, NONCE_OFFSET, NONCE_OFFSET + 12);
    }

    private static byte[] filled(int length, int value) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) value);
        return bytes;
    }

    @Test
    void sealedRecordRoundTripsAndHidesItsContent() {
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] plain = RecordCodec.encode(RECORD);
        byte[] sealed = encryption.seal(plain, NAME);

        assertThat(new String(sealed, StandardCharsets.ISO_8859_1)).doesNotContain("DE44").doesNotContain("application/json");
        assertThat(encryption.open(sealed, NAME)).isEqualTo(plain);
        assertThat(RecordCodec.decode(encryption.open(sealed, NAME)).response().body()).isEqualTo(RECORD.response().body());
    }

    @Test
    void stateAndTokenStayWhereTheLuaScriptsReadThem() {
        byte[] sealed = RecordEncryption.of(Map.of("k1", K1), "k1").seal(RecordCodec.encode(RECORD), NAME);
        assertThat(sealed[0]).isEqualTo(RecordEncryption.SEALED_VERSION);
        assertThat(sealed[RecordCodec.STATE_OFFSET]).isEqualTo((byte) 1);
        assertThat(Arrays.copyOfRange(sealed, RecordCodec.TOKEN_OFFSET, RecordCodec.TOKEN_OFFSET + 8))
            .isEqualTo(RecordCodec.tokenBytes(0x1122334455667788L));
    }

    @Test
    void rotationKeepsOlderRecordsReadable() {
        byte[] sealedWithK1 = RecordEncryption.of(Map.of("k1", K1), "k1").seal(RecordCodec.encode(RECORD), NAME);
        RecordEncryption rotated = RecordEncryption.of(Map.of("k1", K1, "k2", K2), "k2");
        assertThat(RecordCodec.decode(rotated.open(sealedWithK1, NAME)).fencingToken()).isEqualTo(RECORD.fencingToken());
        byte[] sealedWithK2 = rotated.seal(RecordCodec.encode(RECORD), NAME);
        assertThat(new String(sealedWithK2, 11, 2, StandardCharsets.US_ASCII)).isEqualTo("k2");
        assertThatIllegalArgumentException()
            .isThrownBy(() -> RecordEncryption.of(Map.of("k2", K2), "k2").open(sealedWithK1, NAME))
            .withMessageContaining("unknown encryption key 'k1'");
    }

    @Test
    void tamperingIsDetected() {
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] sealed = encryption.seal(RecordCodec.encode(RECORD), NAME);
        byte[] flippedBody = sealed.clone();
        flippedBody[flippedBody.length - 20] ^= 1;
        byte[] flippedToken = sealed.clone();
        flippedToken[RecordCodec.TOKEN_OFFSET] ^= 1;
        assertThatIllegalArgumentException().isThrownBy(() -> encryption.open(flippedBody, NAME)).withMessageContaining("tampered");
        assertThatIllegalArgumentException().isThrownBy(() -> encryption.open(flippedToken, NAME)).withMessageContaining("tampered");
    }

    @Test
    void sealingTheSameRecordTwiceGivesDifferentNoncesAndCiphertexts() {
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] plain = RecordCodec.encode(RECORD);
        byte[] first = encryption.seal(plain, NAME);
        byte[] second = encryption.seal(plain, NAME);
        assertThat(nonce(second)).isNotEqualTo(nonce(first));
        assertThat(Arrays.copyOfRange(second, NONCE_OFFSET + 12, second.length))
            .isNotEqualTo(Arrays.copyOfRange(first, NONCE_OFFSET + 12, first.length));
        assertThat(encryption.open(first, NAME)).isEqualTo(encryption.open(second, NAME)).isEqualTo(plain);
    }

    @Test
    void noNonceIsReusedAcrossAHundredThousandSeals() {
        // GCM with a repeated nonce under one key leaks the XOR of plaintexts and lets tags be forged.
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] plain = RecordCodec.encode(IdempotencyRecord.inFlight(7, RECORD.fingerprint(), Instant.ofEpochMilli(42)));
        Set<ByteBuffer> nonces = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            byte[] nonce = nonce(encryption.seal(plain, NAME));
            if (!nonces.add(ByteBuffer.wrap(nonce))) {
                fail("nonce " + HexFormat.of().formatHex(nonce) + " repeated at seal " + i);
            }
        }
        assertThat(nonces).hasSize(100_000);
    }

    @Test
    void aRecordMovedToAnotherNameFailsToOpen() {
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] sealed = encryption.seal(RecordCodec.encode(RECORD), NAME);
        byte[] otherName = "idem:record-b".getBytes(StandardCharsets.US_ASCII);
        assertThatThrownBy(() -> encryption.open(sealed, otherName)).isInstanceOf(UnreadableRecordException.class)
            .hasMessageContaining("moved from another record name");
        assertThat(RecordCodec.decode(encryption.open(sealed, NAME)).fencingToken()).isEqualTo(RECORD.fencingToken());
    }

    @Test
    void recordsSealedBeforeNamesWereBoundStillOpenUnderAnyName() {
        // Sealed by the format 2 code (commit 0350abe) from RECORD with K1: kept replayable across the upgrade.
        byte[] unbound = HexFormat.of().parseHex(UNBOUND_SEALED_RECORD);
        assertThat(unbound[0]).isEqualTo((byte) 2);
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        assertThat(encryption.open(unbound, NAME)).isEqualTo(RecordCodec.encode(RECORD));
        assertThat(RecordEncryption.isSealed(unbound)).isTrue();
    }

    @Test
    void aBoundRecordCannotBePassedOffAsAnUnboundOne() {
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] relabelled = encryption.seal(RecordCodec.encode(RECORD), NAME);
        relabelled[0] = 2;
        assertThatThrownBy(() -> encryption.open(relabelled, "idem:record-b".getBytes(StandardCharsets.US_ASCII)))
            .isInstanceOf(UnreadableRecordException.class);
    }

    @Test
    void everyTruncationIsRefusedWithAClearError() {
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] sealed = encryption.seal(RecordCodec.encode(RECORD), NAME);
        for (int length = 1; length < sealed.length; length++) {
            byte[] truncated = Arrays.copyOf(sealed, length);
            assertThatThrownBy(() -> encryption.open(truncated, NAME)).as("cut to %d of %d bytes", length, sealed.length)
                .isInstanceOf(UnreadableRecordException.class)
                .hasMessageMatching("(?s).*(truncated|failed authentication).*");
        }
    }

    @Test
    void everyBitFlipPastTheVersionIsRefusedWithAClearError() {
        // The version byte is authenticated as well, but a flip that makes it a plain record's version
        // is read as a plain record (the migration path): RecordCodec then decides.
        RecordEncryption encryption = RecordEncryption.of(Map.of("k1", K1), "k1");
        byte[] sealed = encryption.seal(RecordCodec.encode(RECORD), NAME);
        for (int bit = 8; bit < sealed.length * 8; bit++) {
            byte[] flipped = sealed.clone();
            flipped[bit / 8] ^= (byte) (1 << (bit % 8));
            assertThatThrownBy(() -> encryption.open(flipped, NAME)).as("bit %d flipped", bit)
                .isInstanceOf(UnreadableRecordException.class)
                .hasMessageMatching("(?s).*(truncated|failed authentication|unknown encryption key).*");
        }
    }

    @Test
    void plainRecordsWrittenBeforeEncryptionStillRead() {
        byte[] plain = RecordCodec.encode(RECORD);
        assertThat(RecordEncryption.of(Map.of("k1", K1), "k1").open(plain, NAME)).isSameAs(plain);
    }

    @Test
    void keyIdsAreOneTo255AsciiCharacters() {
        String longest = "k".repeat(255);
        RecordEncryption encryption = RecordEncryption.of(Map.of(longest, K1), longest);
        assertThat(encryption.activeKeyId()).isEqualTo(longest);
        assertThat(encryption.open(encryption.seal(RecordCodec.encode(RECORD), NAME), NAME))
            .isEqualTo(RecordCodec.encode(RECORD));
        for (String bad : List.of("", "k".repeat(256), "schlüssel")) {
            assertThatIllegalArgumentException().isThrownBy(() -> RecordEncryption.of(Map.of(bad, K1), bad))
                .withMessageContaining("must be 1 to 255 ASCII characters");
        }
    }

    @Test
    void onlySealedFormatsCountAsSealed() {
        assertThat(RecordEncryption.isSealed(new byte[0])).isFalse();
        assertThat(RecordEncryption.isSealed(RecordCodec.encode(RECORD))).isFalse();
        assertThat(RecordEncryption.isSealed(RecordEncryption.of(Map.of("k1", K1), "k1").seal(RecordCodec.encode(RECORD), NAME)))
            .isTrue();
    }

    @Test
    void badKeysAreRefusedWithTheReason() {
        assertThatIllegalArgumentException().isThrownBy(() -> RecordEncryption.of(Map.of("k1", new byte[10]), "k1"))
            .withMessageContaining("16, 24 or 32");
        assertThatIllegalArgumentException().isThrownBy(() -> RecordEncryption.of(Map.of("k1", K1), "k9"))
            .withMessageContaining("'k9' is not among the keys");
    }
}
