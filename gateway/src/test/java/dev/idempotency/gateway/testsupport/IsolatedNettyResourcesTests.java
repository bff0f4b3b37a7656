package dev.idempotency.gateway.testsupport;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.StreamSupport;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.server.WebFilter;
import reactor.netty.resources.LoopResources;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Both servers of a gateway instance, the traffic port and the management port, run on the
 * instance's own event loops: never on Reactor Netty's JVM-wide loops, which the tests' clients
 * and every instance's upstream client share.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IsolatedNettyResourcesTests {

    GatewayInstance gateway;

    @BeforeAll
    void start() {
        this.gateway = GatewayInstance.start(List.of("management.server.port=0"), ServingThreads.class);
    }

    @AfterAll
    void stop() {
        this.gateway.close();
    }

    @Test
    void theManagementServerRunsOnTheInstancesOwnLoops() {
        this.gateway.managementClient().get().uri("/actuator/health/liveness").exchange().expectStatus().isOk();

        assertThat(ServingThreads.THREADS.get("/actuator/health/liveness")).satisfies(this::isOneOfTheInstancesLoops);
    }

    @Test
    void theTrafficServerRunsOnTheInstancesOwnLoops() {
        this.gateway.client().get().uri("/no-route-here").exchange().expectStatus().isNotFound();

        assertThat(ServingThreads.THREADS.get("/no-route-here")).satisfies(this::isOneOfTheInstancesLoops);
    }

    private void isOneOfTheInstancesLoops(Thread thread) {
        ReactorResourceFactory resources = this.gateway.context().getBean(ReactorResourceFactory.class);
        assertThat(resources.isUseGlobalResources()).isFalse();
        EventLoopGroup loops = resources.getLoopResources().onServer(LoopResources.DEFAULT_NATIVE);
        assertThat(StreamSupport.stream(loops.spliterator(), false).anyMatch(loop -> loop.inEventLoop(thread)))
            .as("thread %s is one of the instance's event loops", thread.getName())
            .isTrue();
    }

    /**
     * Notes the thread that serves each path (a web filter of the gateway's context also sees the
     * management server's requests). Not a {@code @Configuration}: component scanning would add it
     * to every gateway of the test JVM.
     */
    static class ServingThreads {

        static final Map<String, Thread> THREADS = new ConcurrentHashMap<>();

        @Bean
        WebFilter servingThreads() {
            return (exchange, chain) -> {
                THREADS.put(exchange.getRequest().getPath().value(), Thread.currentThread());
                return chain.filter(exchange);
            };
        }
    }
}
