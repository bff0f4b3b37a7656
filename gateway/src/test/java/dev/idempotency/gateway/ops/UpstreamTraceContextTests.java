package dev.idempotency.gateway.ops;

import java.util.ArrayList;
import java.util.List;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.http.MediaType;

import dev.idempotency.gateway.testsupport.GatewayWithUpstream;
import dev.idempotency.gateway.testsupport.Routes;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What docs/operations.md says of Spring Cloud Gateway's client observation: it is what sends the
 * upstream a {@code traceparent}, so turning it off (to save its cost per request) also stops the
 * upstream's logs from joining the trace. With it on, {@code OperationsTests$Traces} checks the
 * header and its trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UpstreamTraceContextTests {

    @RegisterExtension
    final GatewayWithUpstream fixture = new GatewayWithUpstream(UpstreamTraceContextTests::gatewayProperties,
            upstream -> upstream.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{}"))));

    private static List<String> gatewayProperties(String upstream) {
        List<String> properties = new ArrayList<>(Routes.create()
            .route("orders", upstream).path("/orders/**").filter("Idempotency")
            .properties());
        properties.addAll(List.of("management.tracing.sampling.probability=1.0",
                "spring.cloud.gateway.server.webflux.observability.enabled=false"));
        return properties;
    }

    @Test
    void withoutTheClientObservationTheUpstreamGetsNoTraceparent() {
        this.fixture.client().post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("X-Client-Id", "c-1").header("Idempotency-Key", "k-1").bodyValue("{}")
            .exchange().expectStatus().isCreated();

        List<LoggedRequest> calls = this.fixture.upstream().findAll(postRequestedFor(anyUrl()));
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).containsHeader("traceparent")).isFalse();
    }
}
