package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@code redis-server} child process on a free port, without persistence: a restart is empty.
 * Each has a directory of its own: a replica's full sync writes {@code dump.rdb} there, and a
 * server started in a directory holding one loads it, whatever {@code --save} says (in a shared
 * directory, the next test's server started with the last one's keys).
 */
final class LocalRedisServer extends RedisProcess {

    private final List<String> arguments;

    private final Path directory;

    LocalRedisServer() {
        this(List.of());
    }

    /** @param arguments extra arguments, such as {@code --replicaof host port} */
    LocalRedisServer(List<String> arguments) {
        this.arguments = arguments;
        try {
            this.directory = Files.createTempDirectory("redis-local-");
        }
        catch (IOException ex) {
            throw new IllegalStateException("No temporary directory for a Redis server", ex);
        }
    }

    @Override
    protected List<String> arguments() {
        List<String> all = new ArrayList<>(List.of("--save", "", "--appendonly", "no", "--dir", this.directory.toString()));
        all.addAll(this.arguments);
        return all;
    }

    @Override
    public synchronized void start() {
        try {
            // The file of this server's last full sync as a replica: without persistence, not loaded on a restart.
            Files.deleteIfExists(this.directory.resolve("dump.rdb"));
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not empty " + this.directory, ex);
        }
        super.start();
    }

    @Override
    protected Path logFile() {
        return Path.of(System.getProperty("java.io.tmpdir"), "redis-test-" + port() + ".log");
    }

    @Override
    public void close() {
        stop();
        DurableRedisServer.deleteRecursively(this.directory);
    }
}
