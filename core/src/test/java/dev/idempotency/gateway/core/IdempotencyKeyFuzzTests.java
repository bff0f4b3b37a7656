package dev.idempotency.gateway.core;

import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;

import static dev.idempotency.gateway.core.Fuzz.forAll;
import static org.assertj.core.api.Assertions.assertThat;

/** The key header parser against generated field values: it answers every one, and only ever accepts valid keys. */
class IdempotencyKeyFuzzTests {

    @Test
    void everyFieldValueGetsAnAnswerAndOnlyValidKeysAreAccepted() {
        forAll(IdempotencyKeyFuzzTests::fieldValue, field -> {
            KeyParseResult result = IdempotencyKey.parse(field);
            if (result.isValid()) {
                String key = result.key().value();
                assertThat(key).hasSizeBetween(1, IdempotencyKey.MAX_LENGTH);
                assertThat(key.chars()).allMatch(c -> c >= 0x21 && c <= 0x7E);
            }
            else {
                assertThat(result.problem()).isNotNull();
            }
        });
    }

    @Test
    void aValidKeySentBareOrQuotedNamesTheSameKey() {
        forAll(IdempotencyKeyFuzzTests::key, key -> {
            assertThat(IdempotencyKey.parse(key).key().value()).isEqualTo(key.strip());
            String quoted = "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
            assertThat(IdempotencyKey.parse(" \t" + quoted + " ").key().value()).isEqualTo(key);
        });
    }

    @Test
    void joinedKeysOfDifferentPartsDiffer() {
        forAll(random -> List.of(keyParts(random), keyParts(random)), pair -> {
            List<String> left = pair.get(0);
            List<String> right = pair.get(1);
            var leftKey = IdempotencyKey.joined(left.stream().map(IdempotencyKey::of).toList());
            var rightKey = IdempotencyKey.joined(right.stream().map(IdempotencyKey::of).toList());
            assertThat(leftKey.equals(rightKey)).isEqualTo(left.equals(right));
        });
    }

    private static String fieldValue(Random random) {
        // Mostly the characters that matter to the grammar, some of anything.
        return switch (random.nextInt(3)) {
            case 0 -> Fuzz.string(random, "\"\\, \t;=aZ09-~\u007f\u00e9\r\n", 0, 300);
            case 1 -> Fuzz.string(random, Fuzz.chars('\u0000', '\u007f'), 0, 300);
            default -> Fuzz.anyString(random, 300);
        };
    }

    private static String key(Random random) {
        // Bare keys may hold neither a comma nor a quote, so those keys are checked quoted only.
        return Fuzz.string(random, Fuzz.chars('!', '~').replace(",", "").replace("\"", ""), 1, IdempotencyKey.MAX_LENGTH);
    }

    private static List<String> keyParts(Random random) {
        return Fuzz.list(random, 1, 3, part -> Fuzz.string(part, "1:a", 1, 4));
    }
}
