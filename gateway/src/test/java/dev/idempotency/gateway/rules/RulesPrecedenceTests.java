package dev.idempotency.gateway.rules;

import java.nio.file.Path;
import java.util.List;

import com.github.tomakehurst.wiremock.WireMockServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Upstream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static dev.idempotency.gateway.rules.TestRules.route;
import static dev.idempotency.gateway.rules.TestRules.routes;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/rules.md: the rules sit below environment variables, system properties and command-line
 * arguments, so a value a platform sets wins over a rules file; and a reload interval of {@code 0}
 * turns live reload off.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RulesPrecedenceTests {

    @TempDir
    Path dir;

    WireMockServer upstream;

    @BeforeAll
    void start() {
        this.upstream = Upstream.start();
        this.upstream.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(201).withBody("{}")));
    }

    @AfterAll
    void stop() {
        this.upstream.stop();
    }

    /** A keyless POST: 400 where the route requires a key, 201 where it does not. */
    private static int keylessPost(GatewayInstance gateway) {
        return gateway.client().post().uri("/orders/1").header("X-Client-Id", "client-a").bodyValue("{}")
            .exchange().expectBody().returnResult().getStatus().value();
    }

    private Path rules(String name, String version, boolean required) {
        Path volume = this.dir.resolve(name);
        TestRules.configMap(volume, version, List.of("routes.yml"), List.of(routes(
                route("orders", "/orders/**", this.upstream.baseUrl(), "- Idempotency"))
                + "idempotency:\n  defaults:\n    required: " + required + "\n"));
        return volume;
    }

    @Test
    void aCommandLineValueWinsOverTheRulesFile() {
        Path volume = rules("precedence", "v1", false);
        try (GatewayInstance gateway = GatewayInstance.start(List.of("idempotency.rules.location=" + volume,
                "idempotency.defaults.required=true"))) {
            assertThat(keylessPost(gateway)).isEqualTo(400);
        }
        try (GatewayInstance gateway = GatewayInstance.start(List.of("idempotency.rules.location=" + volume))) {
            assertThat(keylessPost(gateway)).isEqualTo(201);
        }
    }

    @Test
    void aReloadIntervalOfZeroTurnsLiveReloadOff() throws InterruptedException {
        Path volume = rules("no-reload", "v1", true);
        try (GatewayInstance gateway = GatewayInstance.start(List.of("idempotency.rules.location=" + volume,
                "idempotency.rules.reload-interval=0"))) {
            assertThat(keylessPost(gateway)).isEqualTo(400);
            rules("no-reload", "v2", false);
            // Five times the interval ReloadTests polls at, which picks such a change up within it.
            Thread.sleep(1000);
            assertThat(keylessPost(gateway)).isEqualTo(400);
            assertThat(gateway.context().getBean(RulesReloader.class).reloads()).isZero();
        }
    }
}
