package dev.idempotency.gateway.faults;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Cloud Gateway's response timeout also runs while it is still connecting. A request that
 * timed out before it was sent was certainly not executed: its key must be released, not stored
 * as "outcome unknown" (which would refuse every retry of an order that never happened).
 */
class UpstreamConnectTimeoutTests {

    /** An upstream whose accept queue is full: the kernel drops new SYNs, so connecting hangs. */
    private static ServerSocket stalledUpstream;

    private static final List<Socket> queueFillers = new ArrayList<>();

    private static GatewayInstance gateway;

    @BeforeAll
    static void start() throws IOException {
        stalledUpstream = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        for (int i = 0; i < 8; i++) {
            Socket filler = new Socket();
            try {
                filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), stalledUpstream.getLocalPort()), 200);
                queueFillers.add(filler);
            }
            catch (IOException full) {
                filler.close();
                break;
            }
        }
        String uri = "http://127.0.0.1:" + stalledUpstream.getLocalPort();
        List<String> properties = new ArrayList<>(Routes.create()
            .route("stalled", uri).path("/orders/**").metadata("response-timeout", 400).metadata("connect-timeout", 10_000)
            .filter("Idempotency")
            .properties());
        gateway = GatewayInstance.start(properties);
    }

    @AfterAll
    static void stop() throws IOException {
        gateway.close();
        for (Socket filler : queueFillers) {
            filler.close();
        }
        stalledUpstream.close();
    }

    @Test
    void aTimeoutWhileConnectingReleasesTheKey() {
        String key = "connect-" + UUID.randomUUID();
        GatewayClient client = new GatewayClient(gateway);

        EntityExchangeResult<byte[]> first = client.post("/orders", key, "{\"qty\":1}");
        assertThat(first.getStatus().value()).as(GatewayClient.body(first)).isEqualTo(502);
        assertThat(GatewayClient.body(first)).contains("/problems/upstream-unavailable").contains("not sent");

        EntityExchangeResult<byte[]> retry = client.post("/orders", key, "{\"qty\":1}");
        assertThat(retry.getResponseHeaders().getFirst("Idempotent-Replayed")).as("the retry must not be a replay").isNull();
        assertThat(GatewayClient.body(retry)).doesNotContain("upstream-outcome-unknown");
    }
}
