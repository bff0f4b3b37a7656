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
                // A second waiter on the same key gives up first. Its cleanup (doFinally) runs on the timer
                // thread after block() has returned: give it time before signalling.
                this.signals.await("k", Duration.ofMillis(10)).block();
                sleep(200);
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
        // Cleanup runs on the timer thread just after block() returns.
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (this.signals.waitedKeys() != 0 && System.nanoTime() < deadline) {
            sleep(10);
        }
        assertThat(this.signals.waitedKeys()).as("keys nobody waits on any more").isZero();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
