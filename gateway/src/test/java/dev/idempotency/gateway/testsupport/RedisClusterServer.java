package dev.idempotency.gateway.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.opentest4j.TestAbortedException;

/**
 * A real Redis Cluster for one test class: three masters (no replicas), each a local
 * {@code redis-server} child process on a free port, joined by {@code redis-cli --cluster create}
 * exactly as an operator would. Needs both binaries: Debian's {@code redis-server} package brings
 * {@code redis-cli} along (it depends on {@code redis-tools}). There is no container fallback.
 */
public final class RedisClusterServer implements AutoCloseable {

    private static final int MASTERS = 3;

    private final Path directory;

    private final List<Node> nodes = new ArrayList<>();

    private RedisClusterServer(Path directory) {
        this.directory = directory;
    }

    /** Starts three masters, creates the cluster and waits until every node says {@code cluster_state:ok}. */
    public static RedisClusterServer launch() {
        Path server = RedisServer.localBinary();
        Path cli = binary("redis-cli");
        if (server == null || cli == null) {
            throw new TestAbortedException("The Redis Cluster tests need the redis-server and redis-cli binaries "
                    + "(apt-get install redis-server; it depends on redis-tools, which ships redis-cli)");
        }
        RedisClusterServer cluster;
        try {
            cluster = new RedisClusterServer(Files.createTempDirectory("redis-cluster-"));
        }
        catch (IOException ex) {
            throw new IllegalStateException("No temporary directory for the cluster's node files", ex);
        }
        try {
            for (int i = 0; i < MASTERS; i++) {
                Node node = new Node(cluster.directory);
                cluster.nodes.add(node);
                node.start();
            }
            cluster.create(cli);
            cluster.awaitClusterOk(Duration.ofSeconds(30));
            return cluster;
        }
        catch (RuntimeException ex) {
            cluster.close();
            throw ex;
        }
    }

    private static Path binary(String name) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(dir, name);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    private void create(Path cli) {
        List<String> command = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
        this.nodes.forEach(node -> command.add(node.address()));
        command.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        try {
            File log = this.directory.resolve("cluster-create.log").toFile();
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("redis-cli --cluster create did not finish within 60 s");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException("redis-cli --cluster create failed (exit " + process.exitValue() + "):\n"
                        + Files.readString(log.toPath(), StandardCharsets.UTF_8));
            }
        }
        catch (IOException ex) {
            throw new IllegalStateException("Could not run " + command, ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    private void awaitClusterOk(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Node node : this.nodes) {
            String info = "";
            while (System.nanoTime() < deadline) {
                info = node.command("CLUSTER", "INFO");
                // Every node must know every other and all slots, or a client may get a partial topology.
                if (info.contains("cluster_state:ok") && info.contains("cluster_slots_assigned:16384")
                        && info.contains("cluster_known_nodes:" + MASTERS)) {
                    break;
                }
                RedisServer.sleep(100);
            }
            if (!info.contains("cluster_state:ok")) {
                throw new IllegalStateException("Node " + node.address() + " not ready within " + timeout + ":\n" + info);
            }
        }
    }

    /** The masters, each answering {@link RedisServer#command} for its own keys. */
    public List<RedisServer> nodes() {
        return List.copyOf(this.nodes);
    }

    /** {@code host:port,host:port,...}, the value of {@code spring.data.redis.cluster.nodes}. */
    public String nodeAddresses() {
        return this.nodes.stream().map(Node::address).collect(Collectors.joining(","));
    }

    public List<String> nodeAddressList() {
        return this.nodes.stream().map(Node::address).toList();
    }

    /** The properties that point a gateway at this cluster as its idempotency store. */
    public String[] storeProperties() {
        return new String[] { "idempotency.store=redis", "spring.data.redis.cluster.nodes=" + nodeAddresses(),
                "spring.data.redis.timeout=3s" };
    }

    /** How many keys matching {@code pattern} each master holds, by address. */
    public Map<String, Integer> keysPerNode(String pattern) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (Node node : this.nodes) {
            // KEYS answers with "*<n>\r\n" first; enough for counting without parsing the names.
            String reply = node.command("KEYS", pattern);
            counts.put(node.address(), reply.startsWith("*") ? Integer.parseInt(reply.substring(1, reply.indexOf('\r'))) : 0);
        }
        return counts;
    }

    /** Stops every node; the cluster cannot be started again. */
    public void stop() {
        this.nodes.forEach(Node::stop);
    }

    @Override
    public void close() {
        stop();
        DurableRedisServer.deleteRecursively(this.directory);
    }

    /** One cluster-enabled master without persistence; its node file lives in the cluster's directory. */
    private static final class Node extends RedisProcess {

        private final Path directory;

        Node(Path directory) {
            this.directory = directory;
        }

        String address() {
            return host() + ":" + port();
        }

        @Override
        protected List<String> arguments() {
            return List.of("--cluster-enabled", "yes",
                    "--cluster-config-file", this.directory.resolve("nodes-" + port() + ".conf").toString(),
                    "--dir", this.directory.toString(), "--save", "", "--appendonly", "no",
                    // Fails a dead master within 2 s instead of 15 s, so outage tests stay short.
                    "--cluster-node-timeout", "2000");
        }

        @Override
        protected Path logFile() {
            return this.directory.resolve("redis-" + port() + ".log");
        }
    }
}
