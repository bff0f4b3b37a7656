package dev.idempotency.gateway.core;

import java.time.Instant;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static dev.idempotency.gateway.core.Fuzz.forAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The record decoder against bytes it did not write (a record tampered with in Redis): it refuses
 * them with {@link UnreadableRecordException}, or reads the one record whose encoding they are.
 */
class RecordCodecFuzzTests {

    private static final String HEADER_CHARS = Fuzz.chars('a', 'z') + Fuzz.chars('A', 'Z') + Fuzz.chars('0', '9')
            + " :;=-\u00e9\u20ac";

    @Test
    void arbitraryBytesAreRefusedOrAreExactlyTheRecordRead() {
        forAll(random -> Fuzz.bytes(random, 0, 200), RecordCodecFuzzTests::assertRefusedOrExact);
    }

    @Test
    void bytesAfterAValidHeaderAreRefusedOrAreExactlyTheRecordRead() {
        record Case(IdempotencyRecord record, byte[] tail, int keep) {
        }
        forAll(random -> new Case(record(random), Fuzz.bytes(random, 0, 80), Fuzz.between(random, 0, 200)), test -> {
            byte[] encoded = RecordCodec.encode(test.record());
            int kept = Math.min(test.keep(), encoded.length);
            byte[] tampered = Arrays.copyOf(encoded, kept + test.tail().length);
            System.arraycopy(test.tail(), 0, tampered, kept, test.tail().length);
            assertRefusedOrExact(tampered);
        });
    }

    @Test
    void aFlippedByteIsRefusedOrReadAsTheRecordItEncodes() {
        record Case(IdempotencyRecord record, int position, byte mask) {
        }
        forAll(random -> new Case(record(random), Fuzz.between(random, 0, 10_000), Fuzz.bytes(random, 1, 1)[0]), test -> {
            byte[] tampered = RecordCodec.encode(test.record());
            tampered[test.position() % tampered.length] ^= test.mask();
            assertRefusedOrExact(tampered);
        });
    }

    @Test
    void everyRecordSurvivesTheRoundTrip() {
        forAll(RecordCodecFuzzTests::record, record ->
            assertThat(RecordCodec.decode(RecordCodec.encode(record))).usingRecursiveComparison().isEqualTo(record));
    }

    @Test
    void aTruncatedOrExtendedRecordIsRefused() {
        record Case(IdempotencyRecord record, int lengthChange) {
        }
        forAll(random -> new Case(record(random), Fuzz.between(random, -200, 16)), test -> {
            byte[] encoded = RecordCodec.encode(test.record());
            int length = encoded.length + (test.lengthChange() == 0 ? 1 : test.lengthChange());
            assertThatExceptionOfType(UnreadableRecordException.class)
                .isThrownBy(() -> RecordCodec.decode(Arrays.copyOf(encoded, Math.max(0, length))));
        });
    }

    private static void assertRefusedOrExact(byte[] bytes) {
        Throwable refused = catchThrowable(() -> RecordCodec.decode(bytes));
        if (refused != null) {
            assertThat(refused).isInstanceOf(UnreadableRecordException.class);
        }
        else {
            assertThat(RecordCodec.encode(RecordCodec.decode(bytes))).as("the bytes of the record read").isEqualTo(bytes);
        }
    }

    /** An in-flight or a completed record: any token, fingerprint and time, headers with non-ASCII text, any body. */
    private static IdempotencyRecord record(Random random) {
        IdempotencyRecord inFlight = IdempotencyRecord.inFlight(Fuzz.anyLong(random),
                RequestFingerprint.fromBytes(Fuzz.bytes(random, RequestFingerprint.LENGTH, RequestFingerprint.LENGTH)),
                Instant.ofEpochMilli(Fuzz.between(random, -10_000_000_000_000L, 10_000_000_000_000L)));
        if (random.nextBoolean()) {
            return inFlight;
        }
        StoredResponse.Builder response = StoredResponse.builder(Fuzz.between(random, 100, 999));
        for (int headers = Fuzz.size(random, 0, 4); headers > 0; headers--) {
            response.header(Fuzz.string(random, HEADER_CHARS, 0, 20), Fuzz.string(random, HEADER_CHARS, 0, 20));
        }
        return inFlight.complete(response.body(Fuzz.bytes(random, 0, 100)).build());
    }
}
