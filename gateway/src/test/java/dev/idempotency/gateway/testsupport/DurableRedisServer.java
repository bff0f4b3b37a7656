package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A {@code redis-server} child process with the append-only file on and fsynced on every write
 * ({@code --appendonly yes --appendfsync always}), the setting the exactly-once guarantee needs.
 * Unlike {@link RedisServer#launch()}'s server, {@link #stop()} kills the process (SIGKILL, no
 * chance to save) and {@link #start()} brings it back on the same port <em>with its data</em>,
 * read back from the AOF: a crash and restart, not an outage that forgets every key.
 */
public final class DurableRedisServer extends RedisServer {

    private final Path binary;

    private final Path directory;

    private final int port = FreePorts.next();

    private Process process;

    private DurableRedisServer(Path binary, Path directory) {
        this.binary = binary;
        this.directory = directory;
    }

    public static DurableRedisServer launch() {
        Path binary = localBinary();
        if (binary == null) {
            throw new IllegalStateException("DurableRedisServer needs the redis-server binary (apt-get install redis-server)");
        }
        try {
            DurableRedisServer server = new DurableRedisServer(binary, Files.createTempDirectory("redis-aof-"));
            server.start();
            return server;
        }
        catch (IOException ex) {
            throw new IllegalStateException("No temporary directory for the append-only file", ex);
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

    /** Starts the server, or restarts a killed one with everything its AOF holds. */
    @Override
    public synchronized void start() {
        if (this.process != null && this.process.isAlive()) {
            return;
        }
        try {
            this.process = new ProcessBuilder(List.of(this.binary.toString(), "--port", Integer.toString(this.port),
                    "--bind", "127.0.0.1", "--protected-mode", "no", "--dir", this.directory.toString(), "--save", "",
                    "--appendonly", "yes", "--appendfsync", "always"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(this.directory.resolve("redis.log").toFile()))
                .start();
            // A JVM that ends without close() (a failed start-up, a killed fork) must not leave Redis running.
            Process started = this.process;
            Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not start " + this.binary, ex);
        }
        // Loading the AOF takes a moment; PING answers LOADING until it is done.
        awaitPong(Duration.ofSeconds(30));
    }

    /** Kills the process: nothing is saved beyond what the AOF already holds. */
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

    @Override
    public void close() {
        stop();
        try (Stream<Path> files = Files.walk(this.directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (IOException ignored) {
            // a leftover temp directory is harmless
        }
    }
}
