package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Redis server for one test class, never the machine's shared one: a local
 * {@code redis-server} process on a free port when the binary is installed, otherwise a
 * Testcontainers container where a Docker engine is available. {@link #stop()} and
 * {@link #start()} simulate an outage and a recovery on the same address.
 */
public abstract class RedisServer implements AutoCloseable {

    /** Starts a server, preferring the local binary. */
    public static RedisServer launch() {
        RedisServer server = localBinary() != null ? new LocalRedisServer() : ContainerRedisServer.create();
        server.start();
        return server;
    }

    /**
     * Starts a local {@code redis-server} with extra arguments, such as
     * {@code "--replicaof", host, port} for a replica of another server.
     */
    public static RedisServer launchLocal(String... arguments) {
        RedisServer server = new LocalRedisServer(List.of(arguments));
        server.start();
        return server;
    }

    /** Starts a local replica of {@code master} and waits until it has synced. */
    public static RedisServer launchReplicaOf(RedisServer master) {
        RedisServer replica = launchLocal("--replicaof", master.host(), Integer.toString(master.port()));
        replica.awaitReplicationLink();
        return replica;
    }

    /** Waits until this replica's link to its master is up (after a start or a restart). */
    public void awaitReplicationLink() {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!command("INFO", "replication").contains("master_link_status:up")) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Replica on port " + port() + " did not sync with its master within 15 s");
            }
            sleep(50);
        }
    }

    static Path localBinary() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, "redis-server");
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    public abstract String host();

    public abstract int port();

    /** (Re)starts the server on the same address, empty, and waits until it answers PING. */
    public abstract void start();

    /** Makes the server unreachable until {@link #start()}. */
    public abstract void stop();

    @Override
    public void close() {
        stop();
    }

    /** The properties that point a gateway at this server as its idempotency store. */
    public String[] storeProperties() {
        // A loaded 2-core CI machine can take over a second for a handshake; outages are still
        // detected at once because commands are rejected while disconnected.
        return new String[] { "idempotency.store=redis", "spring.data.redis.host=" + host(),
                "spring.data.redis.port=" + port(), "spring.data.redis.timeout=3s" };
    }

    /** How many times this server has run {@code command} (lower case, e.g. {@code wait}), from INFO commandstats. */
    public long commandCalls(String command) {
        Matcher calls = Pattern.compile("cmdstat_" + command + ":calls=(\\d+)").matcher(command("INFO", "commandstats"));
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }

    /** Sends one command over RESP and returns the raw reply; enough for PING, FLUSHALL, DBSIZE, KEYS. */
    public String command(String... args) {
        try (Socket socket = new Socket(host(), port())) {
            socket.setSoTimeout(2000);
            StringBuilder request = new StringBuilder("*" + args.length + "\r\n");
            for (String arg : args) {
                request.append('$').append(arg.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(arg).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(request.toString().getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[65536];
            int read = in.read(buffer);
            return read <= 0 ? "" : new String(Arrays.copyOf(buffer, read), StandardCharsets.UTF_8);
        }
        catch (IOException ex) {
            throw new IllegalStateException("Redis at " + host() + ":" + port() + " did not answer " + args[0], ex);
        }
    }

    protected void awaitPong(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (command("PING").startsWith("+PONG")) {
                    return;
                }
            }
            catch (IllegalStateException notYet) {
                // still starting
            }
            sleep(50);
        }
        throw new IllegalStateException("Redis did not start on port " + port() + " within " + timeout);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }
}
