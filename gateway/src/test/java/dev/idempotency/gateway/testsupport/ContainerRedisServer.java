package dev.idempotency.gateway.testsupport;

import java.time.Duration;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * Redis in a container, for machines with Docker but no {@code redis-server} binary. An outage is
 * simulated by pausing the container, which keeps its address.
 */
final class ContainerRedisServer extends RedisServer {

    private final GenericContainer<?> container;

    private boolean paused;

    private ContainerRedisServer(GenericContainer<?> container) {
        this.container = container;
    }

    static ContainerRedisServer create() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            throw new IllegalStateException(
                    "The tests need a real Redis: install redis-server (apt-get install redis-server) or run a Docker engine");
        }
        return new ContainerRedisServer(new GenericContainer<>("redis:7-alpine").withExposedPorts(6379));
    }

    @Override
    public String host() {
        return this.container.getHost();
    }

    @Override
    public int port() {
        return this.container.getMappedPort(6379);
    }

    @Override
    public synchronized void start() {
        if (!this.container.isRunning()) {
            this.container.start();
        }
        else if (this.paused) {
            this.container.getDockerClient().unpauseContainerCmd(this.container.getContainerId()).exec();
            this.paused = false;
        }
        awaitPong(Duration.ofSeconds(30));
        command("FLUSHALL");
    }

    @Override
    public synchronized void stop() {
        if (this.container.isRunning() && !this.paused) {
            this.container.getDockerClient().pauseContainerCmd(this.container.getContainerId()).exec();
            this.paused = true;
        }
    }

    @Override
    public void close() {
        this.container.stop();
    }
}
