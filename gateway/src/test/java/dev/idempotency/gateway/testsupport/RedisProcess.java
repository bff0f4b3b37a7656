package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.opentest4j.TestAbortedException;

/**
 * A {@code redis-server} child process on a free loopback port. Subclasses say how it is started
 * (plain, with an append-only file, as a cluster node, as a sentinel); this class starts it, waits
 * until it answers, and kills it: {@link #stop()} is a crash, never a clean shutdown.
 */
abstract class RedisProcess extends RedisServer {

    private final int port = FreePorts.next();

    private Process process;

    @Override
    public String host() {
        return "127.0.0.1";
    }

    @Override
    public int port() {
        return this.port;
    }

    /** The arguments after the binary; {@code --port} and {@code --bind} are added before them. */
    protected abstract List<String> arguments();

    /** Where the process's output goes (appended, so restarts keep one log). */
    protected abstract Path logFile();

    /** How long start-up may take; loading a large append-only file takes longer than a plain start. */
    protected Duration startTimeout() {
        return Duration.ofSeconds(10);
    }

    @Override
    public synchronized void start() {
        if (this.process != null && this.process.isAlive()) {
            return;
        }
        Path binary = localBinary();
        if (binary == null) {
            // Skipped, not failed: Testcontainers stands in for plain servers, not for these.
            throw new TestAbortedException("This test needs the redis-server binary (apt-get install redis-server)");
        }
        List<String> command = new ArrayList<>(List.of(binary.toString()));
        command.addAll(arguments());
        command.addAll(List.of("--port", Integer.toString(this.port), "--bind", "127.0.0.1", "--protected-mode", "no"));
        try {
            this.process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile().toFile()))
                .start();
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not start " + command, ex);
        }
        // A JVM that ends without close() (a failed start-up, a killed fork) must not leave Redis running.
        Process started = this.process;
        Runtime.getRuntime().addShutdownHook(new Thread(started::destroyForcibly));
        awaitPong(startTimeout());
        answeredByItself(started);
    }

    /**
     * The PONG must come from the process started here. A restart reuses the port, and while the
     * server was down another process on this machine (a second test run, whose ports also come
     * from {@link FreePorts}) may have taken it: this server then fails to bind and exits, and a
     * test would go on against the other run's Redis and records.
     */
    private void answeredByItself(Process started) {
        Matcher answering = Pattern.compile("process_id:(\\d+)").matcher(command("INFO", "server"));
        String answeringPid = answering.find() ? answering.group(1) : "?";
        if (!answeringPid.equals(Long.toString(started.pid()))) {
            started.destroyForcibly();
            throw new IllegalStateException("Port " + this.port + " is answered by another Redis (process " + answeringPid
                    + "), not by the one started here (process " + started.pid()
                    + "): another process took the port while it was free; see " + logFile());
        }
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
