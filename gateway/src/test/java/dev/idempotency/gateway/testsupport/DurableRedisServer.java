package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A {@code redis-server} child process with the append-only file on and fsynced on every write
 * ({@code --appendonly yes --appendfsync always}), the setting the exactly-once guarantee needs.
 * Unlike {@link RedisServer#launch()}'s server, {@link #stop()} kills the process (SIGKILL, no
 * chance to save) and {@link #start()} brings it back on the same port <em>with its data</em>,
 * read back from the AOF: a crash and restart, not an outage that forgets every key.
 */
public final class DurableRedisServer extends RedisProcess {

    private final Path directory;

    private DurableRedisServer(Path directory) {
        this.directory = directory;
    }

    public static DurableRedisServer launch() {
        try {
            DurableRedisServer server = new DurableRedisServer(Files.createTempDirectory("redis-aof-"));
            server.start();
            return server;
        }
        catch (IOException ex) {
            throw new IllegalStateException("No temporary directory for the append-only file", ex);
        }
    }

    @Override
    protected List<String> arguments() {
        return List.of("--dir", this.directory.toString(), "--save", "", "--appendonly", "yes", "--appendfsync", "always");
    }

    @Override
    protected Path logFile() {
        return this.directory.resolve("redis.log");
    }

    /** Loading the AOF takes a moment; PING answers LOADING until it is done. */
    @Override
    protected Duration startTimeout() {
        return Duration.ofSeconds(30);
    }

    @Override
    public void close() {
        stop();
        deleteRecursively(this.directory);
    }

    static void deleteRecursively(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
