package dev.idempotency.gateway.testsupport;

import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A request to a server that accepts and never answers fails with the threads and sockets of the moment. */
class StalledRequestReportTests {

    @Test
    void anUnansweredRequestFailsWithTheReport() throws Exception {
        try (ServerSocket silent = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> {
                try (Socket held = silent.accept()) {
                    Thread.sleep(10_000);
                }
                catch (Exception ignored) {
                    // the test ends first
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            WebTestClient client = WebTestClient.bindToServer()
                .baseUrl("http://localhost:" + silent.getLocalPort())
                .filter(StalledRequestReport.after(Duration.ofMillis(500)))
                .responseTimeout(Duration.ofSeconds(10))
                .build();

            assertThatThrownBy(() -> client.get().uri("/actuator/health/liveness").exchange())
                .hasStackTraceContaining("No answer in 0 s to GET http://localhost:" + silent.getLocalPort() + "/actuator/health/liveness")
                .hasStackTraceContaining("Sockets on port " + silent.getLocalPort())
                .hasStackTraceContaining("Threads:\n");
            acceptor.interrupt();
        }
    }
}
