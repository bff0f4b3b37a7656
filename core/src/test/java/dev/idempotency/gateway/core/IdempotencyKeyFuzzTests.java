package dev.idempotency.gateway.core;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;

import static org.assertj.core.api.Assertions.assertThat;

/** The key header parser against generated field values: it answers every one, and only ever accepts valid keys. */
class IdempotencyKeyFuzzTests {

    @Property
    void everyFieldValueGetsAnAnswerAndOnlyValidKeysAreAccepted(@ForAll("fieldValues") String field) {
        KeyParseResult result = IdempotencyKey.parse(field);
        if (result.isValid()) {
            String key = result.key().value();
            assertThat(key).hasSizeBetween(1, IdempotencyKey.MAX_LENGTH);
            assertThat(key.chars()).allMatch(c -> c >= 0x21 && c <= 0x7E);
        }
        else {
            assertThat(result.problem()).isNotNull();
        }
    }

    @Property
    void aValidKeySentBareOrQuotedNamesTheSameKey(@ForAll("keys") String key) {
        assertThat(IdempotencyKey.parse(key).key().value()).isEqualTo(key.strip());
        String quoted = "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
        assertThat(IdempotencyKey.parse(" \t" + quoted + " ").key().value()).isEqualTo(key);
    }

    @Property
    void joinedKeysOfDifferentPartsDiffer(@ForAll("keyParts") java.util.List<String> left,
            @ForAll("keyParts") java.util.List<String> right) {
        var leftKey = IdempotencyKey.joined(left.stream().map(IdempotencyKey::of).toList());
        var rightKey = IdempotencyKey.joined(right.stream().map(IdempotencyKey::of).toList());
        assertThat(leftKey.equals(rightKey)).isEqualTo(left.equals(right));
    }

    @Provide
    Arbitrary<String> fieldValues() {
        // Mostly the characters that matter to the grammar, some of anything.
        Arbitrary<String> grammar = Arbitraries.strings().withChars("\"\\, \t;=aZ09-~\u007f\u00e9\r\n").ofMaxLength(300);
        Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(300);
        Arbitrary<String> any = Arbitraries.strings().ofMaxLength(300);
        return Arbitraries.oneOf(grammar, ascii, any);
    }

    @Provide
    Arbitrary<String> keys() {
        // Bare keys may hold neither a comma nor a quote, so those keys are checked quoted only.
        return Arbitraries.strings().withCharRange('!', '~').excludeChars(',', '"').ofMinLength(1).ofMaxLength(IdempotencyKey.MAX_LENGTH);
    }

    @Provide
    Arbitrary<java.util.List<String>> keyParts() {
        return Arbitraries.strings().withChars("1:a").ofMinLength(1).ofMaxLength(4).list().ofMinSize(1).ofMaxSize(3);
    }
}
