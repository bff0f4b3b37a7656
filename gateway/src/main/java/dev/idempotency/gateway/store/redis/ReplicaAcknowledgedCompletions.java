package dev.idempotency.gateway.store.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.ByteArrayCodec;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.data.redis.core.script.RedisScript;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Stores completed records and waits until replicas acknowledge them ({@code WAIT}), so that a
 * result the client has seen survives a failover to a replica.
 *
 * <p>{@code WAIT} covers the writes sent earlier <em>on the same connection</em> and blocks that
 * connection while it waits, and scripts may not call it. So the complete script and its
 * {@code WAIT} go out on a connection of their own (on Cluster: to the master of the key's slot),
 * never on the one shared by every other request. When the replicas do not answer in time, the
 * result stays stored on the master and the client gets it (it was executed); waiting is then
 * skipped for a second, so a dead replica costs one timeout per second, not one per request.
 *
 * <p>That connection's command timeout is the client's plus {@code replica-ack-timeout}: with the
 * client's alone, a {@code WAIT} longer than it would be cut on the client while Redis kept the
 * connection blocked, and the next completion would queue behind the abandoned {@code WAIT}.
 */
public final class ReplicaAcknowledgedCompletions implements AutoCloseable {

    private static final Log logger = LogFactory.getLog(ReplicaAcknowledgedCompletions.class);

    private static final long SKIP_AFTER_MISSING_ACK_NANOS = Duration.ofSeconds(1).toNanos();

    private final AbstractRedisClient client;

    private final int database;

    private final int replicas;

    private final long timeoutMillis;

    private final Mono<Connections> connections;

    private final AtomicLong waitSkippedUntil = new AtomicLong(System.nanoTime());

    private volatile Connections opened;

    /**
     * @param client the Lettuce client Spring Boot built from {@code spring.data.redis.*}
     * @param replicas how many replicas must acknowledge a stored result
     * @param timeout how long to wait for them
     */
    public ReplicaAcknowledgedCompletions(AbstractRedisClient client, int database, int replicas, Duration timeout) {
        this.client = client;
        this.database = database;
        this.replicas = replicas;
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        // Opened once, off the event loop, and again after a failure.
        this.connections = Mono.fromCallable(this::connect).subscribeOn(Schedulers.boundedElastic()).cache(
                opened -> Duration.ofMillis(Long.MAX_VALUE), error -> Duration.ZERO, () -> Duration.ZERO);
    }

    /** Runs {@code script} on {@code keys} (one slot) and then waits for the replicas; emits the script's reply. */
    Mono<Long> run(RedisScript<Long> script, List<String> keys, byte[]... args) {
        byte[][] redisKeys = keys.stream().map(key -> key.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
        return this.connections.flatMap(connections -> {
            RedisReactiveCommands<byte[], byte[]> commands = connections.forKey(redisKeys[0]);
            Mono<Long> reply = commands.<Long>evalsha(script.getSha1(), ScriptOutputType.INTEGER, redisKeys, args)
                .next()
                .onErrorResume(RedisNoScriptException.class, missing -> commands
                    .<Long>eval(script.getScriptAsString(), ScriptOutputType.INTEGER, redisKeys, args)
                    .next());
            return reply.flatMap(stored -> stored == 1L ? awaitReplicas(commands).thenReturn(stored) : Mono.just(stored));
        });
    }

    private Mono<Void> awaitReplicas(RedisReactiveCommands<byte[], byte[]> commands) {
        if (System.nanoTime() - this.waitSkippedUntil.get() < 0) {
            return Mono.empty();
        }
        return commands.waitForReplication(this.replicas, this.timeoutMillis)
            .doOnNext(acknowledged -> {
                if (acknowledged < this.replicas) {
                    missingAcknowledgement(acknowledged + " of " + this.replicas + " replicas acknowledged it within "
                            + this.timeoutMillis + " ms");
                }
            })
            // The result is stored already: a WAIT that fails (a command timeout shorter than
            // replica-ack-timeout, say) must not fail the completion and have it stored again.
            .onErrorResume(ex -> {
                missingAcknowledgement("WAIT failed: " + ex.getMessage());
                return Mono.empty();
            })
            .then();
    }

    private void missingAcknowledgement(String why) {
        this.waitSkippedUntil.set(System.nanoTime() + SKIP_AFTER_MISSING_ACK_NANOS);
        logger.warn("A stored result is on the master only (" + why + "). Not waiting for replicas for 1 s.");
    }

    private Connections connect() {
        if (this.client instanceof RedisClusterClient cluster) {
            StatefulRedisClusterConnection<byte[], byte[]> connection = cluster.connect(ByteArrayCodec.INSTANCE);
            this.opened = new ClusterConnections(connection, withAcknowledgementTime(connection.getTimeout()));
        }
        else {
            StatefulRedisConnection<byte[], byte[]> connection = ((RedisClient) this.client).connect(ByteArrayCodec.INSTANCE);
            connection.setTimeout(withAcknowledgementTime(connection.getTimeout()));
            // Spring selects the database per connection rather than in the client's URI; do the same.
            if (this.database > 0) {
                connection.sync().select(this.database);
            }
            this.opened = new StandaloneConnection(connection);
        }
        return this.opened;
    }

    /** The client's command timeout, which the script needs, plus the time WAIT may block. */
    private Duration withAcknowledgementTime(Duration commandTimeout) {
        return commandTimeout.plusMillis(this.timeoutMillis);
    }

    @Override
    public void close() {
        Connections open = this.opened;
        if (open != null) {
            open.close();
        }
    }

    private interface Connections extends AutoCloseable {

        RedisReactiveCommands<byte[], byte[]> forKey(byte[] key);

        @Override
        void close();
    }

    private record StandaloneConnection(StatefulRedisConnection<byte[], byte[]> connection) implements Connections {

        @Override
        public RedisReactiveCommands<byte[], byte[]> forKey(byte[] key) {
            return this.connection.reactive();
        }

        @Override
        public void close() {
            if (this.connection.isOpen()) {
                this.connection.close();
            }
        }
    }

    /** {@code WAIT} has no key, so it goes to the node holding the key's slot directly. */
    private record ClusterConnections(StatefulRedisClusterConnection<byte[], byte[]> cluster, Duration timeout)
            implements Connections {

        @Override
        public RedisReactiveCommands<byte[], byte[]> forKey(byte[] key) {
            RedisClusterNode master = this.cluster.getPartitions().getMasterBySlot(SlotHash.getSlot(key));
            if (master == null) {
                throw new IllegalStateException("No Redis Cluster master serves slot " + SlotHash.getSlot(key));
            }
            StatefulRedisConnection<byte[], byte[]> node = this.cluster.getConnection(master.getNodeId());
            // Node connections are opened on demand (and again after a failover) with the client's timeout.
            if (!this.timeout.equals(node.getTimeout())) {
                node.setTimeout(this.timeout);
            }
            return node.reactive();
        }

        @Override
        public void close() {
            if (this.cluster.isOpen()) {
                this.cluster.close();
            }
        }
    }
}
