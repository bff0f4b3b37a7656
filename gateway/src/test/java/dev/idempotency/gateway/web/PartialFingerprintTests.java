package dev.idempotency.gateway.web;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import tools.jackson.databind.node.ObjectNode;

import dev.idempotency.gateway.core.RequestFingerprint;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code fingerprintJsonPointers} and {@code fingerprintIgnoreJsonPointers}: bodies differing only
 * in what does not count have one fingerprint, any other difference changes it. Seeded, so a
 * failure names the run that reproduces it.
 */
class PartialFingerprintTests {

    private static final long SEED = 20261206L;

    private static final int RUNS = 1_000;

    static final List<String> IGNORED = List.of("/sent_at", "/meta/trace_id", "/items/0");

    static final List<String> SELECTED = List.of("/amount", "/currency", "/items/0");

    static RequestFingerprints ignoring(List<String> pointers) {
        return new RequestFingerprints(EnumSet.allOf(FingerprintPart.class), List.of(), BodyComparison.CANONICAL_JSON,
                List.of(), pointers);
    }

    static RequestFingerprints selecting(List<String> pointers) {
        return new RequestFingerprints(EnumSet.allOf(FingerprintPart.class), List.of(), BodyComparison.CANONICAL_JSON,
                pointers, List.of());
    }

    static RequestFingerprint of(RequestFingerprints fingerprints, String body) {
        return fingerprints.of(MockServerHttpRequest.post("/orders").contentType(MediaType.APPLICATION_JSON).build(),
                body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void ignoredPartsMayDifferAndAnythingElseMayNot() {
        RandomJsonBodies bodies = new RandomJsonBodies(SEED);
        RequestFingerprints fingerprints = ignoring(IGNORED);
        for (int run = 0; run < RUNS; run++) {
            ObjectNode order = bodies.order();
            RequestFingerprint first = of(fingerprints, bodies.write(order));
            String same = bodies.write(bodies.changedOnlyAt(order, IGNORED));
            assertThat(of(fingerprints, same)).as("seed %d run %d: %s vs %s", SEED, run, order, same).isEqualTo(first);
            ObjectNode changed = bodies.changedOutside(order, IGNORED);
            if (changed != null) {
                assertThat(of(fingerprints, bodies.write(changed))).as("seed %d run %d: %s vs %s", SEED, run, order, changed)
                    .isNotEqualTo(first);
            }
        }
    }

    @Test
    void onlySelectedPartsCount() {
        RandomJsonBodies bodies = new RandomJsonBodies(SEED + 1);
        RequestFingerprints fingerprints = selecting(SELECTED);
        for (int run = 0; run < RUNS; run++) {
            ObjectNode order = bodies.order();
            RequestFingerprint first = of(fingerprints, bodies.write(order));
            ObjectNode elsewhere = bodies.changedOutside(order, SELECTED);
            if (elsewhere != null) {
                assertThat(of(fingerprints, bodies.write(elsewhere))).as("seed %d run %d: %s vs %s", SEED, run, order,
                        elsewhere).isEqualTo(first);
            }
            ObjectNode selected = bodies.changedAtOneOf(order, SELECTED);
            assertThat(of(fingerprints, bodies.write(selected))).as("seed %d run %d: %s vs %s", SEED, run, order, selected)
                .isNotEqualTo(first);
        }
    }

    @Test
    void aMissingSelectedFieldDiffersFromANullOne() {
        RequestFingerprints fingerprints = selecting(List.of("/amount"));

        assertThat(of(fingerprints, "{\"amount\":null}")).isNotEqualTo(of(fingerprints, "{}"));
        assertThat(of(fingerprints, "{\"amount\":1,\"x\":2}")).isEqualTo(of(fingerprints, "{\"x\":3,\"amount\":1}"));
    }

    @Test
    void numbersAreComparedExactly() {
        RequestFingerprints fingerprints = selecting(List.of("/amount"));

        assertThat(of(fingerprints, "{\"amount\":0.1}")).isNotEqualTo(of(fingerprints, "{\"amount\":0.10000000000000001}"));
        assertThat(of(fingerprints, "{\"amount\":10.0}")).isNotEqualTo(of(fingerprints, "{\"amount\":10.00}"))
            .isNotEqualTo(of(fingerprints, "{\"amount\":10}"));
        assertThat(of(fingerprints, "{\"amount\":12345678901234567890}"))
            .isNotEqualTo(of(fingerprints, "{\"amount\":12345678901234567891}"));
    }

    @Test
    void anIgnoredArrayElementIsRemovedSoTheOthersKeepTheirPlaceInTheComparison() {
        RequestFingerprints fingerprints = ignoring(List.of("/items/0", "/items/2"));

        assertThat(of(fingerprints, "{\"items\":[\"a\",\"b\",\"c\",\"d\"]}"))
            .isEqualTo(of(fingerprints, "{\"items\":[\"x\",\"b\",\"y\",\"d\"]}"))
            .isNotEqualTo(of(fingerprints, "{\"items\":[\"a\",\"d\",\"c\",\"b\"]}"));
    }

    @Test
    void aBodyThatIsNotJsonCountsWholeByItsBytes() {
        RequestFingerprints fingerprints = ignoring(List.of("/sent_at"));

        assertThat(of(fingerprints, "amount=1&sent_at=2")).isEqualTo(of(fingerprints, "amount=1&sent_at=2"))
            .isNotEqualTo(of(fingerprints, "amount=1&sent_at=3"));
        assertThat(of(fingerprints, "{\"a\":1,\"a\":2,\"sent_at\":1}"))
            .isNotEqualTo(of(fingerprints, "{\"a\":1,\"a\":2,\"sent_at\":2}"));
        assertThat(of(selecting(List.of("/a")), "")).isEqualTo(of(selecting(List.of("/a")), ""));
    }
}
