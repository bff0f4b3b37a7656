package dev.idempotency.gateway.core;

import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.IdempotencyKey.KeyProblem;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class IdempotencyKeyTests {

    private static final long SEED = 20261127L;

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            abc                    | abc
            '"abc"'                | abc
            '  abc  '              | abc
            '"a\\"b"'              | a"b
            '"a\\\\b"'             | a\\b
            '"a,b"'                | a,b
            8e0f1c6a-2b7d-4c55-9f0e-3f1b2a9c7d10 | 8e0f1c6a-2b7d-4c55-9f0e-3f1b2a9c7d10
            '"order:42/retry;1"'   | order:42/retry;1
            """)
    void acceptsBareAndQuotedForms(String field, String key) {
        KeyParseResult result = IdempotencyKey.parse(field);
        assertThat(result.isValid()).as(field).isTrue();
        assertThat(result.key().value()).isEqualTo(key);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            ''                | EMPTY
            '   '             | EMPTY
            '""'              | EMPTY
            'a b'             | MALFORMED
            '"a b"'           | MALFORMED
            '"abc'            | MALFORMED
            '"abc\\'          | MALFORMED
            '"a\\nb"'         | MALFORMED
            '"abc"def'        | MALFORMED
            '"abc";p=1'       | MALFORMED
            'ab"c'            | MALFORMED
            'a,b'             | DUPLICATE
            '"a", "b"'        | DUPLICATE
            """)
    void rejectsInvalidFields(String field, KeyProblem problem) {
        KeyParseResult result = IdempotencyKey.parse(field);
        assertThat(result.isValid()).as(field).isFalse();
        assertThat(result.problem()).as(field).isEqualTo(problem);
    }

    @Test
    void missingAndRepeatedHeaderLines() {
        assertThat(IdempotencyKey.parse(List.of()).problem()).isEqualTo(KeyProblem.MISSING);
        assertThat(IdempotencyKey.parse(List.of("a", "a")).problem()).isEqualTo(KeyProblem.DUPLICATE);
        assertThat(IdempotencyKey.parse(List.of("a")).key().value()).isEqualTo("a");
    }

    @Test
    void lengthBoundaries() {
        assertThat(IdempotencyKey.parse("k".repeat(255)).isValid()).isTrue();
        assertThat(IdempotencyKey.parse("\"" + "k".repeat(255) + "\"").isValid()).isTrue();
        assertThat(IdempotencyKey.parse("k".repeat(256)).problem()).isEqualTo(KeyProblem.TOO_LONG);
        assertThat(IdempotencyKey.parse("\"" + "k".repeat(256) + "\"").problem()).isEqualTo(KeyProblem.TOO_LONG);
        assertThat(IdempotencyKey.parse("k".repeat(10_000)).problem()).isEqualTo(KeyProblem.TOO_LONG);
    }

    /** Every single character: valid exactly when it is visible ASCII and not a field delimiter. */
    @ParameterizedTest
    @MethodSource("everyCharacter")
    void singleCharacterKeys(int codePoint) {
        char c = (char) codePoint;
        KeyParseResult result = IdempotencyKey.parse(String.valueOf(c));
        boolean visible = c >= 0x21 && c <= 0x7E;
        boolean delimiter = c == '"' || c == ',';
        assertThat(result.isValid()).as("U+%04X", (int) c).isEqualTo(visible && !delimiter);
    }

    static IntStream everyCharacter() {
        return IntStream.range(0, 256);
    }

    /** Property: any 1-255 visible ASCII key survives both encodings and names the same key. */
    @ParameterizedTest
    @MethodSource("randomVisibleKeys")
    void quotedAndBareEncodingsRoundTrip(String key) {
        KeyParseResult quoted = IdempotencyKey.parse(quote(key));
        assertThat(quoted.isValid()).as(key).isTrue();
        assertThat(quoted.key().value()).isEqualTo(key);
        if (key.indexOf('"') < 0 && key.indexOf(',') < 0) {
            assertThat(IdempotencyKey.parse(key).key()).isEqualTo(quoted.key());
        }
    }

    /** Property: a key with any character outside visible ASCII is rejected, however it is sent. */
    @ParameterizedTest
    @MethodSource("randomKeysWithInvisibleCharacter")
    void invisibleCharactersAreRejected(String key) {
        assertThat(IdempotencyKey.parse(quote(key)).isValid()).as(key).isFalse();
        assertThat(IdempotencyKey.parse("x" + key + "x").isValid()).as(key).isFalse();
    }

    static Stream<Arguments> randomVisibleKeys() {
        Random random = new Random(SEED);
        return Stream.generate(() -> {
            int length = 1 + random.nextInt(255);
            StringBuilder key = new StringBuilder(length);
            for (int i = 0; i < length; i++) {
                key.append((char) (0x21 + random.nextInt(0x7E - 0x21 + 1)));
            }
            return Arguments.of(key.toString());
        }).limit(500);
    }

    static Stream<Arguments> randomKeysWithInvisibleCharacter() {
        Random random = new Random(SEED + 1);
        return Stream.generate(() -> {
            StringBuilder key = new StringBuilder("k".repeat(1 + random.nextInt(100)));
            char invisible;
            do {
                invisible = (char) random.nextInt(0x3000);
            }
            while ((invisible >= 0x21 && invisible <= 0x7E) || invisible == ' ' || invisible == '\t');
            key.insert(random.nextInt(key.length() + 1), invisible);
            return Arguments.of(key.toString());
        }).limit(300);
    }

    private static String quote(String key) {
        return "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    @Test
    void toStringNeverShowsTheKey() {
        assertThat(IdempotencyKey.of("secret-key").toString()).doesNotContain("secret");
    }

    @Test
    void ofRejectsInvalidKeys() {
        assertThatIllegalArgumentException().isThrownBy(() -> IdempotencyKey.of("has space"));
    }

    @Test
    void keysAreEqualByValueAndPrintOnlyTheirLength() {
        assertThat(IdempotencyKey.of("order-1")).isEqualTo(IdempotencyKey.of("order-1"))
            .hasSameHashCodeAs(IdempotencyKey.of("order-1"))
            .isNotEqualTo(IdempotencyKey.of("order-2"))
            .isNotEqualTo("order-1");
        assertThat(IdempotencyKey.of("secret-key")).hasToString("IdempotencyKey[length=10]");
    }

    @Test
    void keysFromOtherTransportsFollowTheSameRule() {
        assertThat(IdempotencyKey.validate(null).problem()).isEqualTo(KeyProblem.MISSING);
        assertThat(IdempotencyKey.validate("").problem()).isEqualTo(KeyProblem.EMPTY);
        assertThat(IdempotencyKey.validate("order-1").key()).isEqualTo(IdempotencyKey.of("order-1"));
        // Not sf-string decoded: quotes are plain characters of the key here.
        assertThat(IdempotencyKey.validate("\"order-1\"").key().value()).isEqualTo("\"order-1\"");
    }

    @Test
    void problemsNameWhereTheKeyWasLookedFor() {
        assertThat(KeyProblem.MISSING.describe("Idempotency-Key header")).isEqualTo("The request has no Idempotency-Key header");
        assertThat(KeyProblem.DUPLICATE.describe("Idempotency-Key header"))
            .isEqualTo("The Idempotency-Key header was sent more than once; send exactly one key");
    }
}
