package dev.idempotency.gateway.ops.admin;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import dev.idempotency.gateway.testsupport.GatewayInstance;
import dev.idempotency.gateway.testsupport.Routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * When the admin API exists (docs/operations.md, "Admin API"): only with a token of at least 16
 * characters and a management port of its own. A token on a shared port leaves it off with a
 * warning, a blank token (an empty variable from a chart without the Secret) leaves it off, and a
 * short token stops the gateway at startup.
 */
@ExtendWith(OutputCaptureExtension.class)
class AdminApiAvailabilityTests {

    private static final String TOKEN = "admin-token-of-enough-length";

    private static List<String> properties(String... more) {
        List<String> properties = new ArrayList<>(
                Routes.create().route("admin", "http://127.0.0.1:9").path("/admin/**").filter("Idempotency").properties());
        properties.addAll(List.of(more));
        return properties;
    }

    @Test
    void withATokenButASharedPortItStaysOffWithAWarning(CapturedOutput output) {
        try (GatewayInstance gateway = GatewayInstance.start(properties("idempotency.admin.token=" + TOKEN))) {
            assertThat(gateway.context().getBeansOfType(IdempotencyAdminEndpoint.class)).isEmpty();
            gateway.client().get().uri("/actuator/idempotency?route=admin&client=c&key=k")
                .header("Authorization", "Bearer " + TOKEN)
                .exchange()
                .expectStatus().isNotFound();
            assertThat(output.toString()).contains("idempotency.admin.token is set, but the management endpoints share the "
                    + "traffic port; the admin API stays off");
        }
    }

    @Test
    void withABlankTokenItStaysOff() {
        try (GatewayInstance gateway = GatewayInstance.start(properties("management.server.port=0", "idempotency.admin.token= "))) {
            assertThat(gateway.context().getBeansOfType(IdempotencyAdminEndpoint.class)).isEmpty();
            gateway.managementClient().get().uri("/actuator/idempotency?route=admin&client=c&key=k")
                .header("Authorization", "Bearer ")
                .exchange()
                .expectStatus().isNotFound();
        }
    }

    @Test
    void aTokenShorterThanSixteenCharactersStopsTheGateway() {
        assertThatThrownBy(() -> GatewayInstance.start(
                properties("management.server.port=0", "idempotency.admin.token=fifteen-chars-x")).close())
            .hasStackTraceContaining("idempotency.admin.token must be at least 16");
    }

    @Test
    void aTokenOfSixteenCharactersOpensItOnItsOwnPort() {
        String sixteen = "sixteen-chars-xy";
        try (GatewayInstance gateway = GatewayInstance.start(properties("management.server.port=0",
                "idempotency.admin.token=" + sixteen))) {
            gateway.managementClient().get().uri("/actuator/idempotency?route=admin&client=c&key=k")
                .header("Authorization", "Bearer " + sixteen)
                .exchange()
                .expectStatus().isNotFound()
                .expectBody().jsonPath("$.state").isEqualTo("absent");
        }
    }
}
