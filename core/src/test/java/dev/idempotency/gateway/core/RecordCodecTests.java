package dev.idempotency.gateway.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class RecordCodecTests {

    private static final RequestFingerprint FINGERPRINT = RequestFingerprint.builder().part("body", "{}").build();

    private static final Instant CREATED = Instant.ofEpochMilli(1_790_000_000_123L);

    @Test
    void inFlightRecordRoundTrips() {
        IdempotencyRecord record = IdempotencyRecord.inFlight(-42L, FINGERPRINT, CREATED);
        byte[] encoded = RecordCodec.encode(record);
        assertThat(encoded).hasSize(50);
        assertThat(RecordCodec.decode(encoded)).isEqualTo(record);
    }

    @Test
    void completedRecordRoundTripsWithBinaryBodyAndRepeatedHeaders() {
        byte[] body = new byte[70_000];
        new Random(7).nextBytes(body);
        StoredResponse response = StoredResponse.builder(201)
            .header("Content-Type", "application/octet-stream")
            .header("Link", "</a>; rel=a")
            .header("Link", "</b>; rel=b")
            .header("X-Unicode", "ünïcödé")
            .body(body)
            .build();
        IdempotencyRecord record = IdempotencyRecord.inFlight(Long.MAX_VALUE, FINGERPRINT, CREATED).complete(response);

        IdempotencyRecord decoded = RecordCodec.decode(RecordCodec.encode(record));

        assertThat(decoded.state()).isEqualTo(IdempotencyRecord.State.COMPLETED);
        assertThat(decoded.fencingToken()).isEqualTo(Long.MAX_VALUE);
        assertThat(decoded.fingerprint()).isEqualTo(FINGERPRINT);
        assertThat(decoded.createdAt()).isEqualTo(CREATED);
        assertThat(decoded.response().status()).isEqualTo(201);
        assertThat(decoded.response().headers()).isEqualTo(response.headers());
        assertThat(decoded.response().body()).isEqualTo(body);
    }

    @Test
    void encodingIsCompactNotBase64() {
        byte[] body = "{\"orderId\":\"42\"}".getBytes(StandardCharsets.UTF_8);
        StoredResponse response = StoredResponse.builder(201).header("Content-Type", "application/json").body(body).build();
        byte[] encoded = RecordCodec.encode(IdempotencyRecord.inFlight(1, FINGERPRINT, CREATED).complete(response));
        // fixed header (50) + status (2) + count (2) + one header (2+12+2+16) + body length (4) + body
        assertThat(encoded).hasSize(50 + 2 + 2 + 2 + 12 + 2 + 16 + 4 + body.length);
    }

    @Test
    void layoutMatchesWhatTheLuaScriptsRead() {
        byte[] encoded = RecordCodec.encode(IdempotencyRecord.inFlight(0x0102030405060708L, FINGERPRINT, CREATED));
        assertThat(encoded[RecordCodec.STATE_OFFSET]).isZero();
        assertThat(Arrays.copyOfRange(encoded, RecordCodec.TOKEN_OFFSET, RecordCodec.TOKEN_OFFSET + RecordCodec.TOKEN_LENGTH))
            .isEqualTo(RecordCodec.tokenBytes(0x0102030405060708L));
    }

    @Test
    void corruptInputFailsClearly() {
        byte[] encoded = RecordCodec.encode(IdempotencyRecord.inFlight(1, FINGERPRINT, CREATED)
            .complete(StoredResponse.builder(200).body(new byte[10]).build()));
        assertThatIllegalArgumentException().isThrownBy(() -> RecordCodec.decode(Arrays.copyOf(encoded, encoded.length - 3)))
            .withMessageContaining("corrupt");
        byte[] wrongVersion = encoded.clone();
        wrongVersion[0] = 9;
        assertThatIllegalArgumentException().isThrownBy(() -> RecordCodec.decode(wrongVersion))
            .withMessageContaining("version 9");
    }

    @Test
    void headerValuesUpTo65535BytesAreKeptAndLongerOnesRefused() {
        IdempotencyRecord claim = IdempotencyRecord.inFlight(1, RequestFingerprint.builder().part("body", "{}").build(),
                Instant.ofEpochMilli(42));
        String longest = "v".repeat(0xFFFF);
        IdempotencyRecord kept = claim.complete(StoredResponse.builder(201).header("Link", longest).build());
        assertThat(RecordCodec.decode(RecordCodec.encode(kept)).response().headers().get(0).value()).isEqualTo(longest);
        IdempotencyRecord tooLong = claim.complete(StoredResponse.builder(201).header("Link", longest + "v").build());
        assertThatIllegalArgumentException().isThrownBy(() -> RecordCodec.encode(tooLong))
            .withMessageContaining("longer than 65535 bytes");
    }

    // Found by RecordCodecFuzzTests (shrunk): each was read as some record instead of refused.

    @Test
    void aRecordFollowedByOneMoreByteIsRefused() {
        byte[] encoded = RecordCodec.encode(IdempotencyRecord.inFlight(0, RequestFingerprint.fromBytes(new byte[32]), Instant.EPOCH));
        assertThatExceptionOfType(UnreadableRecordException.class)
            .isThrownBy(() -> RecordCodec.decode(Arrays.copyOf(encoded, encoded.length + 1)))
            .withMessageContaining("1 unexpected bytes");
    }

    @Test
    void aTamperedBodyLengthIsRefusedBeforeAnythingIsAllocated() {
        byte[] encoded = RecordCodec.encode(IdempotencyRecord.inFlight(1, FINGERPRINT, CREATED)
            .complete(StoredResponse.builder(200).build()));
        ByteBuffer.wrap(encoded).putInt(encoded.length - 4, Integer.MAX_VALUE);
        assertThatExceptionOfType(UnreadableRecordException.class).isThrownBy(() -> RecordCodec.decode(encoded))
            .withMessageContaining("body length (2147483647)");
    }

    @Test
    void aHeaderThatIsNotUtf8IsRefusedRatherThanReadAsReplacementCharacters() {
        byte[] encoded = RecordCodec.encode(IdempotencyRecord.inFlight(1, FINGERPRINT, CREATED)
            .complete(StoredResponse.builder(200).header("a", "b").build()));
        int headerName = 2 + 8 + 32 + 8 + 2 + 2 + 2;
        assertThat(encoded[headerName]).isEqualTo((byte) 'a');
        encoded[headerName] = (byte) 0xC3;
        assertThatExceptionOfType(UnreadableRecordException.class).isThrownBy(() -> RecordCodec.decode(encoded));
    }

    @Test
    void anUnknownVersionIsACorruptRecord() {
        byte[] encoded = RecordCodec.encode(IdempotencyRecord.inFlight(0, RequestFingerprint.fromBytes(new byte[32]), Instant.EPOCH));
        encoded[0] ^= 1;
        assertThatExceptionOfType(UnreadableRecordException.class).isThrownBy(() -> RecordCodec.decode(encoded));
    }
}
