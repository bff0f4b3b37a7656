package dev.idempotency.gateway.core;

import java.time.Instant;
import java.util.Arrays;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The record decoder against bytes it did not write (a record tampered with in Redis): it refuses
 * them with {@link UnreadableRecordException}, or reads the one record whose encoding they are.
 */
class RecordCodecFuzzTests {

    @Property
    void arbitraryBytesAreRefusedOrAreExactlyTheRecordRead(@ForAll @Size(max = 200) byte[] bytes) {
        assertRefusedOrExact(bytes);
    }

    @Property
    void bytesAfterAValidHeaderAreRefusedOrAreExactlyTheRecordRead(@ForAll("records") IdempotencyRecord record,
            @ForAll @Size(max = 80) byte[] tail, @ForAll @IntRange(min = 0, max = 200) int keep) {
        byte[] encoded = RecordCodec.encode(record);
        byte[] tampered = Arrays.copyOf(encoded, Math.min(keep, encoded.length) + tail.length);
        System.arraycopy(tail, 0, tampered, Math.min(keep, encoded.length), tail.length);
        assertRefusedOrExact(tampered);
    }

    @Property
    void aFlippedByteIsRefusedOrReadAsTheRecordItEncodes(@ForAll("records") IdempotencyRecord record,
            @ForAll @IntRange(min = 0, max = 10_000) int position, @ForAll byte mask) {
        byte[] tampered = RecordCodec.encode(record);
        tampered[position % tampered.length] ^= mask;
        assertRefusedOrExact(tampered);
    }

    @Property
    void everyRecordSurvivesTheRoundTrip(@ForAll("records") IdempotencyRecord record) {
        assertThat(RecordCodec.decode(RecordCodec.encode(record))).usingRecursiveComparison().isEqualTo(record);
    }

    @Property
    void aTruncatedOrExtendedRecordIsRefused(@ForAll("records") IdempotencyRecord record,
            @ForAll @IntRange(min = -200, max = 16) int lengthChange) {
        byte[] encoded = RecordCodec.encode(record);
        int length = encoded.length + (lengthChange == 0 ? 1 : lengthChange);
        assertThatExceptionOfType(UnreadableRecordException.class)
            .isThrownBy(() -> RecordCodec.decode(Arrays.copyOf(encoded, Math.max(0, length))));
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

    @Provide
    Arbitrary<IdempotencyRecord> records() {
        Arbitrary<IdempotencyRecord> inFlight = Combinators.combine(Arbitraries.longs(),
                Arbitraries.bytes().array(byte[].class).ofSize(RequestFingerprint.LENGTH),
                Arbitraries.longs().between(-10_000_000_000_000L, 10_000_000_000_000L))
            .as((token, fingerprint, millis) -> IdempotencyRecord.inFlight(token, RequestFingerprint.fromBytes(fingerprint),
                    Instant.ofEpochMilli(millis)));
        Arbitrary<StoredResponse> responses = Combinators.combine(Arbitraries.integers().between(100, 999),
                Arbitraries.strings().alpha().numeric().withChars(" :;=-\u00e9\u20ac").ofMaxLength(20).tuple2().list().ofMaxSize(4),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(100))
            .as((status, headers, body) -> {
                StoredResponse.Builder builder = StoredResponse.builder(status);
                headers.forEach(header -> builder.header(header.get1(), header.get2()));
                return builder.body(body).build();
            });
        Arbitrary<IdempotencyRecord> completed = Combinators.combine(inFlight, responses).as(IdempotencyRecord::complete);
        return Arbitraries.oneOf(inFlight, completed);
    }
}
