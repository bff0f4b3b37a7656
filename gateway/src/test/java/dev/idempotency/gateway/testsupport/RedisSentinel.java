package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * One Redis Sentinel ({@code redis-server --sentinel}) on a free port, monitoring a master as
 * {@value #MASTER_NAME} with a quorum of one; its {@link #storeProperties()} point a gateway at
 * Redis through it, as {@code spring.data.redis.sentinel.*} would in production.
 */
public final class RedisSentinel extends RedisProcess {

    public static final String MASTER_NAME = "orders";

    private final RedisServer master;

    private final Path directory;

    private RedisSentinel(RedisServer master, Path directory) {
        this.master = master;
        this.directory = directory;
    }

    /** Starts a sentinel watching {@code master}; its replicas are found through the master. */
    public static RedisSentinel watching(RedisServer master) {
        try {
            RedisSentinel sentinel = new RedisSentinel(master, Files.createTempDirectory("redis-sentinel-"));
            sentinel.start();
            return sentinel;
        }
        catch (IOException ex) {
            throw new IllegalStateException("No temporary directory for the sentinel's configuration", ex);
        }
    }

    @Override
    protected List<String> arguments() {
        // Sentinel rewrites its configuration file as it learns the topology: it must be writable.
        Path config = this.directory.resolve("sentinel.conf");
        if (!Files.exists(config)) {
            try {
                Files.writeString(config, String.join("\n", "dir " + this.directory,
                        "sentinel monitor " + MASTER_NAME + " " + this.master.host() + " " + this.master.port() + " 1",
                        "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                        "sentinel failover-timeout " + MASTER_NAME + " 5000", ""));
            }
            catch (IOException ex) {
                throw new IllegalStateException("Could not write " + config, ex);
            }
        }
        return List.of(config.toString(), "--sentinel");
    }

    @Override
    protected Path logFile() {
        return this.directory.resolve("sentinel.log");
    }

    @Override
    public void close() {
        stop();
        DurableRedisServer.deleteRecursively(this.directory);
    }

    /** What the sentinel logged (its failovers, step by step), while it has not been closed. */
    public String log() {
        try {
            return Files.readString(logFile());
        }
        catch (IOException ex) {
            return "(no sentinel log: " + ex + ")";
        }
    }

    /** Whether a failover of the master is under way (flag {@code failover_in_progress}). */
    public boolean failingOver() {
        return command("SENTINEL", "master", MASTER_NAME).contains("failover_in_progress");
    }

    /** The port of the master as this sentinel currently sees it. */
    public int masterPort() {
        String reply = command("SENTINEL", "get-master-addr-by-name", MASTER_NAME);
        String[] lines = reply.split("\r\n");
        return Integer.parseInt(lines[lines.length - 1]);
    }

    @Override
    public String[] storeProperties() {
        return new String[] { "idempotency.store=redis", "spring.data.redis.sentinel.master=" + MASTER_NAME,
                "spring.data.redis.sentinel.nodes=" + host() + ":" + port(), "spring.data.redis.timeout=3s" };
    }
}
