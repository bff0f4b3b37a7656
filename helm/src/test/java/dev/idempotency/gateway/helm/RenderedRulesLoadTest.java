package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.render;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.cloud.gateway.filter.GatewayFilter;
import org.springframework.cloud.gateway.filter.OrderedGatewayFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.context.ConfigurableApplicationContext;

import dev.idempotency.gateway.IdempotencyGatewayApplication;

/**
 * The rules the chart renders into its ConfigMap are the format the gateway loads: the real
 * gateway application starts on them, as the pod does (idempotency.rules.location pointing at the
 * mounted ConfigMap directory, laid out the way the kubelet mounts it), and builds every route with
 * its Idempotency filter. A rule the gateway could not bind (wrong prefix, unknown filter, bad
 * argument, unknown idempotency.* property) fails here.
 */
class RenderedRulesLoadTest {

    @TempDir
    Path work;

    @Test
    void theGatewayBuildsTheStandaloneRoutesWithTheirIdempotencyFilters() {
        Path rules = extractRules("standalone", Map.of("config.idempotency.client-identity.header", "X-Tenant-Id"));

        try (ConfigurableApplicationContext gateway = start(rules)) {
            List<Route> routes = routes(gateway);

            assertThat(routes).extracting(Route::getId).containsExactly("orders", "payments");
            assertThat(routes.get(0).getUri()).hasToString("http://orders.shop.svc.cluster.local:8080");
            assertThat(routes.get(1).getUri()).hasToString("https://payments.shop.svc.cluster.local:8443");
            assertThat(routes).allSatisfy(route -> assertThat(filterNames(route)).contains("IdempotencyGatewayFilter"));
            // `config` lands next to the rules, in the same file the gateway reads.
            assertThat(gateway.getEnvironment().getProperty("idempotency.client-identity.header"))
                .isEqualTo("X-Tenant-Id");
        }
    }

    @Test
    void theGatewayBuildsTheSidecarRouteToTheApplicationOnLocalhost() {
        Path rules = extractRules("sidecar", Map.of());

        try (ConfigurableApplicationContext gateway = start(rules)) {
            List<Route> routes = routes(gateway);

            assertThat(routes).extracting(Route::getId).containsExactly("orders");
            assertThat(routes.get(0).getUri()).hasToString("http://localhost:8080");
            assertThat(filterNames(routes.get(0))).contains("IdempotencyGatewayFilter");
        }
    }

    /** The rendered rules ConfigMap, mounted (kubelet layout) where the test can point the gateway at it. */
    private Path extractRules(String scenario, Map<String, ?> sets) {
        String routesYml = HelmChart.rulesFile(render(scenario, sets));
        return new ConfigMapVolume(this.work.resolve(scenario + "-rules")).publish(Map.of("routes.yml", routesYml)).dir();
    }

    private static ConfigurableApplicationContext start(Path rules) {
        // Command-line arguments: they win over the gateway's own application.yml (server.port: 8080),
        // as the pod's environment variables do. Lazy: only what building the routes needs is created.
        return new SpringApplicationBuilder(IdempotencyGatewayApplication.class)
            .run("--server.port=0", "--management.server.port=0", "--idempotency.store=memory",
                    "--spring.main.lazy-initialization=true",
                    "--idempotency.rules.location=" + rules.toAbsolutePath());
    }

    private static List<Route> routes(ConfigurableApplicationContext gateway) {
        List<Route> routes = gateway.getBean(RouteLocator.class).getRoutes().collectList().block(Duration.ofSeconds(10));
        assertThat(routes).isNotNull();
        return routes;
    }

    private static List<String> filterNames(Route route) {
        return route.getFilters().stream().map(RenderedRulesLoadTest::unwrap).map(f -> f.getClass().getSimpleName())
            .toList();
    }

    private static GatewayFilter unwrap(GatewayFilter filter) {
        return filter instanceof OrderedGatewayFilter ordered ? ordered.getDelegate() : filter;
    }
}
