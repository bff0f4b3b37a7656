package dev.idempotency.gateway.chaos;

import java.util.List;
import java.util.Random;

/**
 * The Redis of a checker run and the fault it suffers ({@link ChaosSettings#topology()}): the
 * properties that point a gateway at it, as a user would write them, and one fault at a time,
 * recorded in the history. Faults come at random intervals within {@link #pause()}.
 */
interface ChaosStore extends AutoCloseable {

    static ChaosStore launch(ChaosSettings settings) {
        return switch (settings.topology()) {
            case STANDALONE -> new StandaloneChaosStore();
            case SENTINEL -> new SentinelChaosStore();
            case CLUSTER -> new ClusterChaosStore();
        };
    }

    /** {@code spring.data.redis.*} and {@code idempotency.store} for a gateway instance. */
    List<String> gatewayProperties();

    /** How long to wait between two faults, at least and at most. */
    FaultPause pause();

    /** Injects one fault, records it in {@code history}, and returns once Redis serves every key again. */
    void fault(Random random, ChaosHistory history);

    /**
     * After the run: how many of {@code orders}' records Redis holds under the names
     * {@link ChaosHistory#recordKey} gives them, or -1 where the checker does not need those names
     * (every key on one master).
     */
    default int recordsFoundByName(List<ChaosHistory.Order> orders) {
        return -1;
    }

    @Override
    void close();

    /** The pause between two faults, in milliseconds. */
    record FaultPause(int minMillis, int maxMillis) {

        /** A master killed and failed over every 20-40 s (issue 20). */
        static final FaultPause FAILOVERS = new FaultPause(20_000, 40_000);
    }
}
