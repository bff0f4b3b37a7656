package dev.idempotency.gateway.chaos;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * The legacy order service under fault injection: WireMock, whose every request is one
 * <em>execution</em>, journaled here with a serial number. Each attempt tells the upstream how to
 * behave through the {@code X-Chaos-Upstream} header ({@code ok:120}, {@code 503:0},
 * {@code reset:80}...), chosen by the client from the seeded run, so a behaviour is known per
 * execution. The response body echoes the forwarded {@code X-Client-Id} and
 * {@code Idempotency-Key} (what response templating would do) plus the execution's serial, so a
 * replay names the execution it came from.
 *
 * <p>A transformer rather than {@code {{request.headers.X-Client-Id}}} templating: it also knows
 * the serial, and it journals without WireMock's unbounded request journal (a long run would
 * fill the heap).
 */
final class ChaosUpstream implements AutoCloseable {

    static final String BEHAVIOUR_HEADER = "X-Chaos-Upstream";

    static final String ATTEMPT_HEADER = "X-Chaos-Attempt";

    /** Bigger than the checker route's {@code maxResponseBodySize}: delivered, stored as not replayable. */
    static final int LARGE_BODY_PADDING = 3000;

    private final WireMockServer server;

    private final Recorder recorder = new Recorder();

    ChaosUpstream() {
        this.server = new WireMockServer(options().dynamicPort().containerThreads(150).jettyAcceptors(2)
            .disableRequestJournal().extensions(this.recorder));
        this.server.start();
        this.server.stubFor(any(urlPathMatching("/chaos/.*")).willReturn(aResponse().withTransformers(Recorder.NAME)));
    }

    String baseUrl() {
        return this.server.baseUrl();
    }

    List<Execution> executions() {
        return List.copyOf(this.recorder.executions);
    }

    long executionCount() {
        return this.recorder.serials.get();
    }

    @Override
    public void close() {
        this.server.stop();
    }

    /** One request the upstream received. */
    record Execution(long serial, long attemptId, String clientId, String key, String behaviour, byte[] body, long nanos) {
    }

    private static final class Recorder implements ResponseDefinitionTransformerV2 {

        static final String NAME = "chaos-recorder";

        final AtomicLong serials = new AtomicLong();

        final ConcurrentLinkedQueue<Execution> executions = new ConcurrentLinkedQueue<>();

        @Override
        public String getName() {
            return NAME;
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            Request request = event.getRequest();
            long serial = this.serials.incrementAndGet();
            String header = request.getHeader(BEHAVIOUR_HEADER);
            String behaviour = header == null ? "ok:0" : header;
            String attempt = request.getHeader(ATTEMPT_HEADER);
            String client = request.getHeader("X-Client-Id");
            String key = request.getHeader("Idempotency-Key");
            byte[] body = request.getBody();
            this.executions.add(new Execution(serial, attempt == null ? -1 : Long.parseLong(attempt), client, key, behaviour,
                    body == null ? new byte[0] : Arrays.copyOf(body, body.length), System.nanoTime()));
            return respond(behaviour, client, key, serial, attempt);
        }

        private static ResponseDefinition respond(String behaviour, String client, String key, long serial, String attempt) {
            int colon = behaviour.indexOf(':');
            String kind = colon < 0 ? behaviour : behaviour.substring(0, colon);
            int delay = colon < 0 ? 0 : Integer.parseInt(behaviour.substring(colon + 1));
            String echo = "{\"client\":\"" + client + "\",\"key\":\"" + key + "\",\"exec\":" + serial + ",\"attempt\":" + attempt;
            ResponseDefinitionBuilder response = switch (kind) {
                case "reset" -> aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER);
                case "empty" -> aResponse().withFault(Fault.EMPTY_RESPONSE);
                case "large" -> aResponse().withStatus(201).withBody(echo + ",\"pad\":\"" + "p".repeat(LARGE_BODY_PADDING) + "\"}");
                case "ok", "slow" -> aResponse().withStatus(201).withHeader("Location", "/orders/" + serial).withBody(echo + "}");
                default -> aResponse().withStatus(Integer.parseInt(kind)).withBody(echo + "}");
            };
            return response.withHeader("Content-Type", "application/json").withFixedDelay(delay).build();
        }
    }

    static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
