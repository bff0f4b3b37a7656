package dev.idempotency.gateway.demo;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;
import org.yaml.snakeyaml.Yaml;

import dev.idempotency.gateway.testsupport.FreePorts;
import dev.idempotency.gateway.testsupport.GatewayInstance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The README's first hour on the {@code demo} profile, request by request: the quick start, the
 * admin API example as written, a clean 404 on {@code GET /orders}, build and git info, log lines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class DemoProfileTests {

    /** The demo profile's admin token, printed in the README. */
    static final String DEMO_ADMIN_TOKEN = "demo-admin-token-not-for-production";

    GatewayInstance gateway;

    WebTestClient client;

    WebTestClient management;

    @BeforeAll
    void start() {
        // The demo's upstream is the gateway's own port, so the port is chosen here, not by the server.
        // The management port is 8081 in the profile (see theManagementPortIsTheChartsPort); random here.
        this.gateway = GatewayInstance.start(List.of("server.port=" + FreePorts.next(), "spring.profiles.active=demo",
                "management.server.port=0", "management.tracing.sampling.probability=0.0"));
        this.client = this.gateway.client();
        this.management = this.gateway.managementClient();
    }

    @AfterAll
    void stop() {
        this.gateway.close();
    }

    @Test
    void theSameOrderTwiceExecutesOnceAChangedBodyIs422AndNoKeyIs400() {
        Map<?, ?> first = order("quick-start-1", "{\"item\":\"book\",\"qty\":1}")
            .expectStatus().isCreated()
            .expectHeader().doesNotExist("Idempotent-Replayed")
            .expectBody(Map.class).returnResult().getResponseBody();
        Map<?, ?> second = order("quick-start-1", "{\"item\":\"book\",\"qty\":1}")
            .expectStatus().isCreated()
            .expectHeader().valueEquals("Idempotent-Replayed", "true")
            .expectBody(Map.class).returnResult().getResponseBody();
        // Same orderId and the same execution count: the demo service ran once.
        assertThat(second).isEqualTo(first);
        assertThat(first.get("orderId")).isNotNull();
        assertThat(first.get("execution")).isNotNull();

        order("quick-start-1", "{\"item\":\"book\",\"qty\":2}").expectStatus().isEqualTo(422);
        this.client.post().uri("/orders").contentType(MediaType.APPLICATION_JSON).header("X-Client-Id", "shop-1")
            .bodyValue("{}").exchange()
            .expectStatus().isBadRequest();
    }

    @Test
    void getOrdersIsAPlainNotFoundProblemWithoutTheDemosInternalPath() {
        String body = this.client.get().uri("/orders").exchange()
            .expectStatus().isNotFound()
            .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody(String.class).returnResult().getResponseBody();
        assertThat(body).contains("\"instance\":\"/orders\"", "No route matches GET /orders.")
            .doesNotContain("demo-upstream", "static resource");
    }

    @Test
    void theReadmesAdminExampleWorksAsWritten() {
        order("order-1001", "{\"item\":\"book\",\"qty\":1}").expectStatus().isCreated();

        admin().get().uri("/actuator/idempotency?route=orders&client=shop-1&key=order-1001").exchange()
            .expectStatus().isOk()
            .expectBody().jsonPath("$.route").isEqualTo("orders").jsonPath("$.state").isEqualTo("completed")
            .jsonPath("$.status").isEqualTo(201);
        // A typo in the route is not a free key.
        admin().get().uri("/actuator/idempotency?route=order&client=shop-1&key=order-1001").exchange()
            .expectStatus().isNotFound()
            .expectHeader().contentType(MediaType.APPLICATION_PROBLEM_JSON)
            .expectBody().jsonPath("$.type").isEqualTo("https://idempotency-gateway.dev/problems/route-unknown")
            .jsonPath("$.detail").isEqualTo("The gateway has no route 'order'; its routes are: orders.");
        admin().get().uri("/actuator/idempotency?route=orders&client=shop-1&key=order-1002").exchange()
            .expectStatus().isNotFound()
            .expectBody().jsonPath("$.state").isEqualTo("absent").jsonPath("$.type").doesNotExist();

        admin().delete().uri("/actuator/idempotency?route=orders&client=shop-1&key=order-1001").exchange()
            .expectStatus().isOk()
            .expectBody().jsonPath("$.purged").isEqualTo(true);
        order("order-1001", "{\"item\":\"book\",\"qty\":1}").expectStatus().isCreated()
            .expectHeader().doesNotExist("Idempotent-Replayed");
    }

    @Test
    void theManagementPortIsTheChartsPort() throws IOException {
        Map<String, Object> demo = yaml(getClass().getResourceAsStream("/application-demo.yml"));
        Map<String, Object> chartValues = yaml(Files.newInputStream(Path.of("../helm/idempotency-gateway/values.yaml")));
        Object demoPort = ((Map<?, ?>) ((Map<?, ?>) demo.get("management")).get("server")).get("port");
        assertThat(demoPort).isEqualTo(8081)
            .isEqualTo(((Map<?, ?>) chartValues.get("containerPorts")).get("management"));
        assertThat(((Map<?, ?>) ((Map<?, ?>) demo.get("idempotency")).get("admin")).get("token")).isEqualTo(DEMO_ADMIN_TOKEN);
    }

    @Test
    void infoNamesTheBuildAndTheCommit() {
        this.management.get().uri("/actuator/info").exchange()
            .expectStatus().isOk()
            .expectBody()
            .jsonPath("$.build.artifact").isEqualTo("idempotency-gateway")
            .jsonPath("$.build.version").isNotEmpty();
        // git.properties comes from the checkout's .git; a build from a source archive has none.
        assumeTrue(Files.exists(Path.of("../.git")), "not built from a git checkout");
        this.management.get().uri("/actuator/info").exchange()
            .expectBody()
            .jsonPath("$.git.commit.id").value(String.class, id -> assertThat(id).matches("[0-9a-f]{7,40}"))
            .jsonPath("$.git.branch").isNotEmpty();
    }

    @Test
    void logLinesWithoutATraceHaveNoEmptyTraceColumn(CapturedOutput output) {
        order("log-line-1", "{}").expectStatus().isCreated();
        List<String> auditLines = output.getOut().lines().filter(line -> line.contains("idempotency.audit")).toList();
        assertThat(auditLines).isNotEmpty().noneMatch(line -> line.matches(".*\\[\\s*\\].*"));
    }

    private WebTestClient.ResponseSpec order(String key, String body) {
        return this.client.post().uri("/orders").contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key).header("X-Client-Id", "shop-1")
            .bodyValue(body).exchange();
    }

    private WebTestClient admin() {
        return this.management.mutate().defaultHeader("Authorization", "Bearer " + DEMO_ADMIN_TOKEN).build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(InputStream in) throws IOException {
        try (in) {
            return new Yaml().loadAs(in, Map.class);
        }
    }
}
