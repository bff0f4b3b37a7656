package dev.idempotency.gateway.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/** {@link IdempotencyKey#joined}: two different lists of parts never make the same key. */
class JoinedKeyTests {

    private static final long SEED = 20261206L;

    // Characters a separator-based join would trip over, and digits a length prefix could be confused with.
    private static final String ALPHABET = "ab:|,;-_019\"\\~/";

    static IdempotencyKey joined(String... parts) {
        return IdempotencyKey.joined(java.util.Arrays.stream(parts).map(IdempotencyKey::of).toList());
    }

    /** Reads a joined key back into its parts: the proof that joining loses nothing. */
    static List<String> split(String joined) {
        List<String> parts = new ArrayList<>();
        int i = 0;
        while (i < joined.length()) {
            int colon = joined.indexOf(':', i);
            int length = Integer.parseInt(joined.substring(i, colon));
            parts.add(joined.substring(colon + 1, colon + 1 + length));
            i = colon + 1 + length;
        }
        return parts;
    }

    @Test
    void eachPartIsWrittenAsItsLengthAndValue() {
        assertThat(joined("acc-1", "c-42").value()).isEqualTo("5:acc-14:c-42");
        assertThat(joined("x").value()).isEqualTo("1:x");
    }

    @Test
    void partsThatASeparatorWouldConfuseMakeDifferentKeys() {
        assertThat(joined("a:1", "b")).isNotEqualTo(joined("a", "1:b"));
        assertThat(joined("a|b", "c")).isNotEqualTo(joined("a", "b|c"));
        assertThat(joined("1:a", "b")).isNotEqualTo(joined("1", "a", "b"));
        assertThat(joined("ab", "c")).isNotEqualTo(joined("a", "bc"));
    }

    @Test
    void randomListsOfPartsRoundTripAndNeverCollide() {
        Random random = new Random(SEED);
        Map<String, List<String>> seen = new HashMap<>();
        for (int run = 0; run < 20_000; run++) {
            List<String> parts = new ArrayList<>();
            int count = 1 + random.nextInt(4);
            for (int i = 0; i < count; i++) {
                StringBuilder part = new StringBuilder();
                int length = 1 + random.nextInt(random.nextInt(10) == 0 ? 255 : 4);
                for (int c = 0; c < length; c++) {
                    part.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
                }
                parts.add(part.toString());
            }
            String key = joined(parts.toArray(String[]::new)).value();
            assertThat(split(key)).as("seed %d run %d", SEED, run).isEqualTo(parts);
            List<String> earlier = seen.putIfAbsent(key, parts);
            assertThat(earlier == null || earlier.equals(parts)).as("%s and %s share the key %s", earlier, parts, key)
                .isTrue();
        }
    }

    @Test
    void theJoinedKeyMayBeLongerThanOnePart() {
        String longest = "k".repeat(IdempotencyKey.MAX_LENGTH);

        assertThat(joined(longest, longest).value()).hasSize(2 * (IdempotencyKey.MAX_LENGTH + 4));
    }

    @Test
    void aJoinedKeyNeedsAPart() {
        assertThatIllegalArgumentException().isThrownBy(() -> IdempotencyKey.joined(List.of()));
    }
}
