package dev.idempotency.gateway.testsupport;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A {@code redis-server} child process on a free port, without persistence. */
final class LocalRedisServer extends RedisServer {

    private final Path binary;

    private final int port = FreePorts.next();

    private final List<String> extraArgs;

    private Process process;

    LocalRedisServer(Path binary) {
        this(binary, List.of());
    }

    LocalRedisServer(Path binary, List<String> extraArgs) {
        this.binary = binary;
        this.extraArgs = List.copyOf(extraArgs);
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
            List<String> command = new java.util.ArrayList<>(List.of(this.binary.toString(), "--port",
                    Integer.toString(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--protected-mode", "no"));
            command.addAll(this.extraArgs);
            this.process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(new File(System.getProperty("java.io.tmpdir"), "redis-test-" + this.port + ".log"))
                .start();
        }
        catch (java.io.IOException ex) {
            throw new IllegalStateException("Could not start " + this.binary, ex);
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
}
