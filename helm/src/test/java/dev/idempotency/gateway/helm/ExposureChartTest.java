package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.FULLNAME;
import static dev.idempotency.gateway.helm.HelmChart.render;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How platform teams reach and run the gateway: Ingress, Gateway API HTTPRoute, a mirror registry, probe overrides. */
class ExposureChartTest {

    private final Manifests manifests = render("exposure");

    @Test
    void routesAnIngressToTheGatewaysService() {
        Manifest ingress = manifests.one("Ingress");
        assertThat(ingress.<String>at("apiVersion")).isEqualTo("networking.k8s.io/v1");
        assertThat(ingress.<String>at("spec.ingressClassName")).isEqualTo("nginx");
        assertThat(ingress.<String>at("spec.rules[0].host")).isEqualTo("orders.example.com");
        Manifest path = new Manifest(ingress.map("spec.rules[0].http.paths[0]"));
        assertThat(path.<String>at("path")).isEqualTo("/orders");
        assertThat(path.<String>at("pathType")).isEqualTo("Prefix");
        assertThat(path.<String>at("backend.service.name")).isEqualTo(FULLNAME);
        assertThat(path.<String>at("backend.service.port.name"))
            .isIn(manifests.one("Service", FULLNAME).namesAt("spec.ports"));
        assertThat(ingress.<String>at("spec.tls[0].secretName")).isEqualTo("orders-tls");
    }

    @Test
    void attachesAnHttpRouteToTheGivenGateways() {
        Manifest route = manifests.one("HTTPRoute");
        assertThat(route.<String>at("apiVersion")).isEqualTo("gateway.networking.k8s.io/v1");
        assertThat(route.map("spec.parentRefs[0]")).containsEntry("name", "shared-gateway")
            .containsEntry("namespace", "gateway-system");
        assertThat(route.list("spec.hostnames")).containsExactly("orders.example.com");
        assertThat(route.<String>at("spec.rules[0].matches[0].path.value")).isEqualTo("/orders");
        assertThat(route.map("spec.rules[0].backendRefs[0]")).containsEntry("name", FULLNAME)
            .containsEntry("port", manifests.one("Service", FULLNAME).<Integer>at("spec.ports[0].port"));
    }

    @Test
    void rendersNeitherByDefaultNorInSidecarMode() {
        assertThat(render(null).kinds()).doesNotContain("Ingress", "HTTPRoute");
        assertThat(render("sidecar", Map.of("ingress.enabled", true, "httpRoute.enabled", true,
                "httpRoute.parentRefs[0].name", "gw")).kinds()).doesNotContain("Ingress", "HTTPRoute");
    }

    @Test
    void pullsEveryImageFromTheGlobalRegistry(@TempDir Path work) {
        assertThat(manifests.gatewayContainer().get("image"))
            .isEqualTo("registry.example.com/mirror/idempotency-gateway:" + HelmChart.appVersion());
        Manifests withRedis = render("bundled-redis", Map.of("global.imageRegistry", "registry.example.com/mirror"));
        assertThat(withRedis.one("StatefulSet").<String>at("spec.template.spec.containers[0].image"))
            .isEqualTo("registry.example.com/mirror/redis:7.4.2-alpine");
        String digest = "sha256:" + "b".repeat(64);
        assertThat(render(null, Map.of("global.imageRegistry", "mirror.local:5000", "image.digest", digest))
            .gatewayContainer().get("image")).isEqualTo("mirror.local:5000/idempotency-gateway@" + digest);
        assertThat(render(null).gatewayContainer().get("image")).isEqualTo("idempotency-gateway:" + HelmChart.appVersion());
    }

    @Test
    void replacesAProbeWholeWhenAnOverrideIsGiven() {
        Manifest c = new Manifest(manifests.gatewayContainer());
        assertThat(c.map("startupProbe")).isEqualTo(Map.of("httpGet",
                Map.of("path", "/actuator/health/liveness", "port", "gateway-mgmt"), "periodSeconds", 10,
                "failureThreshold", 60));
        assertThat((Integer) c.at("readinessProbe.periodSeconds")).isEqualTo(3);
        assertThat(c.map("readinessProbe")).doesNotContainKey("successThreshold");
        // Not overridden: built from probes.liveness as before.
        assertThat((Integer) c.at("livenessProbe.periodSeconds")).isEqualTo(10);
        assertThat(List.of("startupProbe", "livenessProbe", "readinessProbe"))
            .allSatisfy(probe -> assertThat(c.<String>at(probe + ".httpGet.port")).isEqualTo("gateway-mgmt"));
    }
}
