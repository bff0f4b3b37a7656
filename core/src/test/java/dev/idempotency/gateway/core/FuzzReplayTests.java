package dev.idempotency.gateway.core;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** What docs/testing.md promises of a fuzz failure: it names the seed, the case and the input, and they replay it. */
class FuzzReplayTests {

    @Test
    void aFailureNamesItsSeedCaseAndInput() {
        List<String> inputs = new ArrayList<>();
        AssertionError failure = catchThrowableOfType(AssertionError.class, () -> Fuzz.forAll(
                random -> Fuzz.string(random, "ab\n", 3, 3), input -> {
                    inputs.add(input);
                    assertThat(inputs).hasSizeLessThan(3);
                }));
        String failing = inputs.get(2);
        assertThat(failure).hasMessageContaining("Fuzz case 2 of " + Fuzz.TRIES)
            .hasMessageContaining("-Dfuzz.seed=" + Fuzz.SEED + " -Dfuzz.case=2")
            .hasMessageContaining("input: " + Fuzz.describe(failing));
        assertThat(Fuzz.describe("a\n\"")).as("control characters escaped").isEqualTo("\"a\\u000a\\u0022\"");
        assertThat(Fuzz.string(Fuzz.caseRandom(2), "ab\n", 3, 3)).as("the case replayed alone").isEqualTo(failing);
    }
}
