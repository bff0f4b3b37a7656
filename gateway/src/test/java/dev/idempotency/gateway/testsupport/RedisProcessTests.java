package dev.idempotency.gateway.testsupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * A restarted test Redis reuses its port. If another process took that port while the server was
 * down (two test runs on one machine), the restart must fail loudly rather than leave the test
 * talking to the other run's Redis: a Cluster checker run once met a record it never wrote.
 */
class RedisProcessTests {

    @Test
    void aRestartRefusesAPortAnotherRedisTookWhileItWasDown() throws Exception {
        try (DurableRedisServer server = DurableRedisServer.launch()) {
            server.stop();
            Path directory = Files.createTempDirectory("redis-intruder-");
            Process intruder = startIntruder(server.port(), directory);
            try {
                awaitPong(server);
                assertThatIllegalStateException().isThrownBy(server::start)
                    .withMessageContaining("is answered by another Redis (process " + intruder.pid() + ")");
                // The intruder is untouched; the refused server is not left running.
                assertThat(server.command("PING")).startsWith("+PONG");
                assertThat(intruder.isAlive()).isTrue();
            }
            finally {
                intruder.destroyForcibly().waitFor();
                DurableRedisServer.deleteRecursively(directory);
            }
            server.start();
            assertThat(server.command("PING")).startsWith("+PONG");
        }
    }

    private static Process startIntruder(int port, Path directory) throws IOException {
        return new ProcessBuilder(List.of(RedisServer.localBinary().toString(), "--port", Integer.toString(port), "--bind",
                "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", directory.toString()))
            .redirectErrorStream(true)
            .redirectOutput(directory.resolve("redis.log").toFile())
            .start();
    }

    private static void awaitPong(RedisServer server) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (server.command("PING").startsWith("+PONG")) {
                    return;
                }
            }
            catch (IllegalStateException notYet) {
                // still starting
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("The intruding Redis did not start on port " + server.port());
    }
}
