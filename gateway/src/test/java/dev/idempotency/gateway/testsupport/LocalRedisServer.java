package dev.idempotency.gateway.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@code redis-server} child process on a free port, without persistence. */
final class LocalRedisServer extends RedisProcess {

    private final List<String> arguments;

    LocalRedisServer() {
        this(List.of());
    }

    /** @param arguments extra arguments, such as {@code --replicaof host port} */
    LocalRedisServer(List<String> arguments) {
        this.arguments = arguments;
    }

    @Override
    protected List<String> arguments() {
        List<String> all = new ArrayList<>(List.of("--save", "", "--appendonly", "no",
                // A replica's initial sync writes an RDB file: not into the working tree.
                "--dir", System.getProperty("java.io.tmpdir")));
        all.addAll(this.arguments);
        return all;
    }

    @Override
    protected Path logFile() {
        return Path.of(System.getProperty("java.io.tmpdir"), "redis-test-" + port() + ".log");
    }
}
