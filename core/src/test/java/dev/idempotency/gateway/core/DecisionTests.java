package dev.idempotency.gateway.core;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class DecisionTests {

    private static final RequestFingerprint MINE = RequestFingerprint.builder().part("body", "a").build();

    private static final RequestFingerprint OTHER = RequestFingerprint.builder().part("body", "b").build();

    private static final StoredResponse RESPONSE = StoredResponse.builder(201).build();

    @Test
    void claimedKeyExecutes() {
        assertThat(Decision.decide(new BeginResult.Claimed(7), MINE)).isEqualTo(new Decision.Execute(7));
    }

    @Test
    void aKeyLeftFreeOverTheClientsLimitIsLimited() {
        assertThat(Decision.decide(new BeginResult.OverInFlightLimit(), MINE)).isEqualTo(new Decision.InFlightLimited());
    }

    @Test
    void completedSameRequestReplays() {
        IdempotencyRecord completed = IdempotencyRecord.inFlight(1, MINE, Instant.now()).complete(RESPONSE);
        assertThat(Decision.decide(new BeginResult.Existing(completed), MINE)).isEqualTo(new Decision.Replay(RESPONSE));
    }

    @Test
    void inFlightSameRequestConflicts() {
        IdempotencyRecord inFlight = IdempotencyRecord.inFlight(1, MINE, Instant.now());
        assertThat(Decision.decide(new BeginResult.Existing(inFlight), MINE)).isInstanceOf(Decision.InFlight.class);
    }

    @Test
    void differentRequestIsAMismatchWhetherInFlightOrCompleted() {
        IdempotencyRecord inFlight = IdempotencyRecord.inFlight(1, OTHER, Instant.now());
        assertThat(Decision.decide(new BeginResult.Existing(inFlight), MINE)).isInstanceOf(Decision.FingerprintMismatch.class);
        assertThat(Decision.decide(new BeginResult.Existing(inFlight.complete(RESPONSE)), MINE))
            .isInstanceOf(Decision.FingerprintMismatch.class);
    }
}
