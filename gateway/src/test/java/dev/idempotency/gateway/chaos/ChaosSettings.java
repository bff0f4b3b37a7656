package dev.idempotency.gateway.chaos;

import java.time.Duration;
import java.util.Locale;

/**
 * The knobs of a checker run, from system properties (Maven passes {@code -D} on to the tests):
 * <ul>
 * <li>{@code chaos.seed}: the seed of every random choice; printed by every run (default: random);
 * <li>{@code chaos.duration}: how long load and faults last, ISO-8601 (default {@code PT30S};
 * {@code PT1H} for a long run);
 * <li>{@code chaos.clients}: concurrent clients (default 12);
 * <li>{@code chaos.sweep}: answered orders retried once more at the end (default 200), chosen at
 * random; with failovers, every order placed or answered from 5 s before a master's kill until its
 * replica took over is retried too;
 * <li>{@code chaos.backgroundCompletion}: whether the gateway finishes an upstream call whose
 * client disconnected and stores its result (issue 6). When true, a re-execution after a client
 * disconnect is a violation; when false it is only counted as tolerated (the README's "client gone
 * mid-request": the key stays in flight until its lease runs out, then a retry executes again);
 * <li>{@code chaos.strictStoreOutage}: whether a re-execution after Redis was down while the key
 * was held is a violation (default {@code true}). The gateway stores such a result in the
 * background once Redis is back, and the lease is counted only while Redis answers, so an outage
 * never frees the key; {@code false} tolerates (and prints) re-executions after an outage of two
 * thirds of the lease or more, as the checker did before the lease was counted so (issue 20);
 * <li>{@code chaos.concurrent}: the route's {@code concurrent} argument ({@code reject} or
 * {@code wait}); unset, the route's default;
 * <li>{@code chaos.topology}: the Redis the gateways use and its fault: {@code standalone} (the
 * default: one Redis with its append-only file, killed and restarted every 6-12 s),
 * {@code sentinel} (a master and a replica under one Sentinel; the master killed every 20-40 s,
 * so the replica is promoted) or {@code cluster} (three masters with a replica each; a master
 * killed every 20-40 s). See {@link ChaosStore};
 * <li>{@code chaos.replicaAcks}: whether the gateways wait for a replica to acknowledge each stored
 * result ({@code idempotency.redis.replica-acks=1}; default {@code false}, the gateway's default).
 * Only with a topology that has replicas. On, a stored result the client was answered with and a
 * failover then lost is a violation; off, it is counted as tolerated.
 * </ul>
 */
record ChaosSettings(long seed, Duration duration, int clients, int sweep, boolean backgroundCompletion,
        boolean strictStoreOutage, String concurrent, Topology topology, boolean replicaAcks) {

    /** Where the gateways keep their keys during a run, and how it fails. */
    enum Topology {

        STANDALONE, SENTINEL, CLUSTER;

        boolean hasReplicas() {
            return this != STANDALONE;
        }
    }

    ChaosSettings {
        if (replicaAcks && !topology.hasReplicas()) {
            throw new IllegalArgumentException("chaos.replicaAcks=true needs a topology with replicas"
                    + " (-Dchaos.topology=sentinel or cluster), got " + topology.name().toLowerCase(Locale.ROOT));
        }
    }

    /** A standalone run, as before topologies were a setting. */
    ChaosSettings(long seed, Duration duration, int clients, int sweep, boolean backgroundCompletion,
            boolean strictStoreOutage, String concurrent) {
        this(seed, duration, clients, sweep, backgroundCompletion, strictStoreOutage, concurrent, Topology.STANDALONE, false);
    }

    /**
     * The state of the "re-execution after a client disconnect is a violation" rule when
     * {@code chaos.backgroundCompletion} is not set: on, since the gateway completes in the
     * background (commit 04466eb, {@code UpstreamExecution}).
     */
    static final boolean BACKGROUND_COMPLETION_DEFAULT = true;

    /**
     * The state of the "re-execution after a Redis outage is a violation" rule when
     * {@code chaos.strictStoreOutage} is not set: on, since a lease is counted only while Redis
     * answers (issue 20, begin.lua).
     */
    static final boolean STRICT_STORE_OUTAGE_DEFAULT = true;

    static ChaosSettings fromSystemProperties() {
        return new ChaosSettings(Long.getLong("chaos.seed", System.nanoTime()),
                Duration.parse(System.getProperty("chaos.duration", "PT30S")), Integer.getInteger("chaos.clients", 12),
                Integer.getInteger("chaos.sweep", 200),
                Boolean.parseBoolean(System.getProperty("chaos.backgroundCompletion", Boolean.toString(BACKGROUND_COMPLETION_DEFAULT))),
                Boolean.parseBoolean(System.getProperty("chaos.strictStoreOutage", Boolean.toString(STRICT_STORE_OUTAGE_DEFAULT))),
                System.getProperty("chaos.concurrent"),
                Topology.valueOf(System.getProperty("chaos.topology", "standalone").trim().toUpperCase(Locale.ROOT)),
                Boolean.parseBoolean(System.getProperty("chaos.replicaAcks", "false")));
    }

    @Override
    public String toString() {
        return "seed=" + this.seed + " duration=" + this.duration + " clients=" + this.clients + " backgroundCompletion="
                + this.backgroundCompletion + " strictStoreOutage=" + this.strictStoreOutage
                + (this.concurrent != null ? " concurrent=" + this.concurrent : "")
                + (this.topology != Topology.STANDALONE ? " topology=" + this.topology.name().toLowerCase(Locale.ROOT)
                        + " replicaAcks=" + this.replicaAcks : "")
                + "  (replay with -Dchaos.seed=" + this.seed + ")";
    }
}
