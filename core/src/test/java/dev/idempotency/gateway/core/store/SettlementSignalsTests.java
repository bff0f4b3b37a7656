package dev.idempotency.gateway.core.store;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

import static org.assertj.core.api.Assertions.assertThat;

class SettlementSignalsTests {

    private final SettlementSignals signals = new SettlementSignals();

    @Test
    void aWaiterLeavingEarlyDoesNotStopTheSignalForTheOthers() {
        StepVerifier.create(this.signals.await("k", Duration.ofSeconds(30)))
            .then(() -> {
                assertThat(this.signals.waitedKeys()).isEqualTo(1);
                // A second waiter on the same key gives up first.
                this.signals.await("k", Duration.ofMillis(10)).block();
                assertThat(this.signals.waitedKeys()).as("the first waiter still waits").isEqualTo(1);
                this.signals.signal("k");
            })
            .expectComplete()
            .verify(Duration.ofSeconds(5));
        assertThat(this.signals.waitedKeys()).isZero();
    }

    @Test
    void theLastWaiterToGiveUpLeavesNothingBehind() {
        this.signals.await("abandoned", Duration.ofMillis(10)).block();
        assertThat(this.signals.waitedKeys()).as("keys nobody waits on any more").isZero();
    }
}
