package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One Redis Sentinel ({@code redis-server --sentinel}) on a free port, monitoring a master as
 * {@value #MASTER_NAME} with a quorum of one; its {@link #storeProperties()} point a gateway at
 * Redis through it, as {@code spring.data.redis.sentinel.*} would in production.
 */
public final class RedisSentinel extends RedisServer {

    public static final String MASTER_NAME = "orders";

    private final RedisServer master;

    private final int port = FreePorts.next();

    private final Path directory;

    private Process process;

    private RedisSentinel(RedisServer master, Path directory) {
        this.master = master;
        this.directory = directory;
    }

    /** Starts a sentinel watching {@code master}; its replicas are found through the master. */
    public static RedisSentinel watching(RedisServer master) {
        if (localBinary() == null) {
            throw new IllegalStateException("The Sentinel tests need the redis-server binary (apt-get install redis-server)");
        }
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
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return this.port;
    }

    @Override
    public synchronized void start() {
        if (this.process != null && this.process.isAlive()) {
            return;
        }
        try {
            // Sentinel rewrites its configuration file as it learns the topology: it must be writable.
            Path config = this.directory.resolve("sentinel.conf");
            Files.writeString(config, String.join("\n", "port " + this.port, "bind 127.0.0.1", "protected-mode no",
                    "dir " + this.directory,
                    "sentinel monitor " + MASTER_NAME + " " + this.master.host() + " " + this.master.port() + " 1",
                    "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
                    "sentinel failover-timeout " + MASTER_NAME + " 5000", ""));
            this.process = new ProcessBuilder(List.of(localBinary().toString(), config.toString(), "--sentinel"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve("sentinel.log").toFile()))
                .start();
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not start a Redis Sentinel", ex);
        }
        awaitPong(Duration.ofSeconds(10));
    }

    @Override
    public synchronized void stop() {
        if (this.process == null) {
            return;
        }
        this.process.destroyForcibly();
        try {
            this.process.waitFor(10, TimeUnit.SECONDS);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
        }
        this.process = null;
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
                "spring.data.redis.sentinel.nodes=" + host() + ":" + this.port, "spring.data.redis.timeout=3s" };
    }
}
