package dev.idempotency.gateway.testsupport;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.opentest4j.TestAbortedException;

/**
 * A real Redis Cluster for one test class: three masters (no replicas, or one replica each), each
 * a local {@code redis-server} child process on a free port, joined by
 * {@code redis-cli --cluster create} exactly as an operator would. Needs both binaries: Debian's
 * {@code redis-server} package brings {@code redis-cli} along (it depends on {@code redis-tools}).
 * There is no container fallback.
 */
public final class RedisClusterServer implements AutoCloseable {

    private static final int MASTERS = 3;

    private final Path directory;

    private final List<Node> nodes = new ArrayList<>();

    private final int replicasPerMaster;

    private RedisClusterServer(Path directory, int replicasPerMaster) {
        this.directory = directory;
        this.replicasPerMaster = replicasPerMaster;
    }

    /** Starts three masters, creates the cluster and waits until every node says {@code cluster_state:ok}. */
    public static RedisClusterServer launch() {
        return launch(0);
    }

    /**
     * Three masters with one replica each: a killed master is replaced by its replica (after
     * {@code cluster-node-timeout}, 2 s here).
     */
    public static RedisClusterServer launchWithReplicas() {
        return launch(1);
    }

    private static RedisClusterServer launch(int replicasPerMaster) {
        Path server = RedisServer.localBinary();
        Path cli = binary("redis-cli");
        if (server == null || cli == null) {
            throw new TestAbortedException("The Redis Cluster tests need the redis-server and redis-cli binaries "
                    + "(apt-get install redis-server; it depends on redis-tools, which ships redis-cli)");
        }
        RedisClusterServer cluster;
        try {
            cluster = new RedisClusterServer(Files.createTempDirectory("redis-cluster-"), replicasPerMaster);
        }
        catch (IOException ex) {
            throw new IllegalStateException("No temporary directory for the cluster's node files", ex);
        }
        try {
            for (int i = 0; i < MASTERS * (1 + replicasPerMaster); i++) {
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
        command.addAll(List.of("--cluster-replicas", Integer.toString(this.replicasPerMaster), "--cluster-yes"));
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
                        && info.contains("cluster_known_nodes:" + this.nodes.size())) {
                    break;
                }
                RedisServer.sleep(100);
            }
            if (!info.contains("cluster_state:ok")) {
                throw new IllegalStateException("Node " + node.address() + " not ready within " + timeout + ":\n" + info);
            }
        }
    }

    /** Every node (masters, and replicas if any), each answering {@link RedisServer#command} for its own keys. */
    public List<RedisServer> nodes() {
        return List.copyOf(this.nodes);
    }

    /** A master as the cluster sees it now, with the slots it serves. */
    public record Shard(RedisServer master, BitSet slots) {
    }

    /** The masters serving slots now, as a live node's {@code CLUSTER NODES} says. */
    public List<Shard> shards() {
        List<Shard> shards = new ArrayList<>();
        for (String line : liveNode().command("CLUSTER", "NODES").split("\n")) {
            String[] fields = line.trim().split(" ");
            if (fields.length < 9 || !fields[2].contains("master") || fields[2].contains("fail")) {
                continue;
            }
            BitSet slots = new BitSet(16384);
            for (int i = 8; i < fields.length; i++) {
                // "[slot->-node]" entries are slots being migrated; this cluster never migrates any.
                if (!fields[i].startsWith("[")) {
                    String[] range = fields[i].split("-");
                    slots.set(Integer.parseInt(range[0]), Integer.parseInt(range[range.length - 1]) + 1);
                }
            }
            String address = fields[1].split("@")[0];
            this.nodes.stream().filter(node -> node.address().equals(address)).findFirst()
                .ifPresent(node -> shards.add(new Shard(node, slots)));
        }
        return shards;
    }

    /**
     * Waits until every slot is served by a master other than {@code dead} and every node but
     * {@code dead} says {@code cluster_state:ok}: the cluster has failed over.
     */
    public void awaitFailedOver(RedisServer dead, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                List<Shard> shards = shards();
                BitSet served = new BitSet(16384);
                shards.stream().filter(shard -> shard.master() != dead).forEach(shard -> served.or(shard.slots()));
                if (served.cardinality() == 16384 && this.nodes.stream().filter(node -> node != dead)
                    .allMatch(node -> node.command("CLUSTER", "INFO").contains("cluster_state:ok"))) {
                    return;
                }
            }
            catch (IllegalStateException notYet) {
                // a node briefly not answering while the cluster settles
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("The cluster did not fail over from " + dead.port() + " within " + timeout);
            }
            RedisServer.sleep(100);
        }
    }

    /** Waits until {@code node} (restarted after a failover) is a replica again, synced with its master. */
    public void awaitReplica(RedisServer node, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                String info = node.command("INFO", "replication");
                if (info.contains("role:slave") && info.contains("master_link_status:up")
                        && node.command("CLUSTER", "INFO").contains("cluster_state:ok")) {
                    return;
                }
            }
            catch (IllegalStateException notYet) {
                // still starting
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("Node " + node.port() + " did not rejoin as a synced replica within " + timeout);
            }
            RedisServer.sleep(100);
        }
    }

    private RedisServer liveNode() {
        for (Node node : this.nodes) {
            try {
                if (node.command("PING").startsWith("+PONG")) {
                    return node;
                }
            }
            catch (IllegalStateException down) {
                // try the next one
            }
        }
        throw new IllegalStateException("No node of the cluster answers");
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
                    "--dir", this.directory.toString(), "--dbfilename", rdbFile().getFileName().toString(),
                    "--save", "", "--appendonly", "no",
                    // Fails a dead master within 2 s instead of 15 s, so outage tests stay short.
                    "--cluster-node-timeout", "2000");
        }

        /** Where a full sync as a replica leaves this node's data; one per node, as the directory is shared. */
        private Path rdbFile() {
            return this.directory.resolve("dump-" + port() + ".rdb");
        }

        @Override
        public synchronized void start() {
            try {
                // Without persistence a restarted node is empty: not what its last full sync left.
                Files.deleteIfExists(rdbFile());
            }
            catch (IOException ex) {
                throw new IllegalStateException("Could not delete " + rdbFile(), ex);
            }
            super.start();
        }

        @Override
        protected Path logFile() {
            return this.directory.resolve("redis-" + port() + ".log");
        }
    }
}
