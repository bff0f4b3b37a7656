package dev.idempotency.gateway.chaos;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;

import dev.idempotency.gateway.chaos.ChaosHistory.Failover;
import dev.idempotency.gateway.testsupport.RedisSentinel;
import dev.idempotency.gateway.testsupport.RedisServer;

/**
 * A master and a replica (no persistence) under one Sentinel. A fault kills the current master
 * (SIGKILL); the Sentinel promotes the replica (it calls a master down after 1 s), and the killed
 * server comes back (once the failover has ended) and is made a replica of the new master. The
 * next fault waits until it has synced, so every failover has a replica to promote. The Sentinel's
 * log is kept as {@code target/chaos/sentinel.log}.
 */
final class SentinelChaosStore implements ChaosStore {

    private static final Duration SETTLE = Duration.ofSeconds(60);

    private final List<RedisServer> servers;

    private final RedisSentinel sentinel;

    SentinelChaosStore() {
        RedisServer master = RedisServer.launchLocal();
        RedisServer replica = RedisServer.launchReplicaOf(master);
        this.servers = List.of(master, replica);
        this.sentinel = RedisSentinel.watching(master);
        // A failover needs a replica the Sentinel knows of; it learns them from the master's INFO.
        await("the Sentinel to see the replica", () -> this.sentinel
            .command("SENTINEL", "replicas", RedisSentinel.MASTER_NAME).contains(Integer.toString(replica.port())));
    }

    @Override
    public List<String> gatewayProperties() {
        return List.of("idempotency.store=redis", "spring.data.redis.sentinel.master=" + RedisSentinel.MASTER_NAME,
                "spring.data.redis.sentinel.nodes=" + this.sentinel.host() + ":" + this.sentinel.port(),
                "spring.data.redis.timeout=1s", "spring.data.redis.connect-timeout=1s");
    }

    @Override
    public FaultPause pause() {
        return FaultPause.FAILOVERS;
    }

    @Override
    public void fault(Random random, ChaosHistory history) {
        int port = this.sentinel.masterPort();
        RedisServer victim = this.servers.stream().filter(server -> server.port() == port).findFirst()
            .orElseThrow(() -> new IllegalStateException("The Sentinel names an unknown master on port " + port));
        long from = System.nanoTime();
        victim.stop();
        await("the Sentinel to promote the replica", () -> this.sentinel.masterPort() != port);
        history.failovers.add(new Failover("127.0.0.1:" + port, from, System.nanoTime(), null));
        // The Sentinel names the new master before its failover ends; an old master back before
        // then was seen promoted in its place, empty (a run on 2026-12-06): wait for the end.
        await("the Sentinel to end the failover", () -> !this.sentinel.failingOver());
        victim.start();
        await("the old master to sync as a replica", () -> {
            String info = victim.command("INFO", "replication");
            return info.contains("role:slave") && info.contains("master_link_status:up");
        });
    }

    private static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + SETTLE.toNanos();
        while (true) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            }
            catch (IllegalStateException notYet) {
                // a server or the Sentinel briefly not answering
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Waited " + SETTLE + " for " + what);
            }
            ChaosClient.sleep(100);
        }
    }

    @Override
    public void close() {
        try {
            Path log = Path.of("target", "chaos", "sentinel.log");
            Files.createDirectories(log.getParent());
            Files.writeString(log, this.sentinel.log());
        }
        catch (IOException ex) {
            // the run's result does not depend on it
        }
        this.sentinel.close();
        this.servers.forEach(RedisServer::close);
    }
}
