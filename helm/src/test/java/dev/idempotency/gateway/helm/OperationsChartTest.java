package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.FULLNAME;
import static dev.idempotency.gateway.helm.HelmChart.NAMESPACE;
import static dev.idempotency.gateway.helm.HelmChart.render;
import static dev.idempotency.gateway.helm.HelmChart.renderError;
import static dev.idempotency.gateway.helm.Manifests.env;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Scaling, availability, monitoring and network policies, rendered and asserted on parsed manifests. */
class OperationsChartTest {

    @Nested
    class ScaleAndAvailability {

        private final Manifests manifests = render("hpa-pdb");

        @Test
        void leavesTheReplicaCountToTheAutoscaler() {
            Manifest deployment = manifests.one("Deployment");
            assertThat(deployment.map("spec")).doesNotContainKey("replicas");
            Manifest hpa = manifests.one("HorizontalPodAutoscaler");
            assertThat((String) hpa.at("apiVersion")).isEqualTo("autoscaling/v2");
            assertThat((String) hpa.at("spec.scaleTargetRef.name")).isEqualTo(deployment.name());
            assertThat((Integer) hpa.at("spec.minReplicas")).isEqualTo(3);
            assertThat((Integer) hpa.at("spec.maxReplicas")).isEqualTo(12);
            assertThat((Integer) hpa.at("spec.metrics[0].resource.target.averageUtilization")).isEqualTo(65);
            assertThat(hpa.list("spec.metrics")).hasSize(1);
            assertThat((Integer) hpa.at("spec.behavior.scaleDown.stabilizationWindowSeconds")).isEqualTo(300);
        }

        @Test
        void protectsThePodsWithTheOneBudgetGiven() {
            Manifest pdb = manifests.one("PodDisruptionBudget");
            assertThat((String) pdb.at("apiVersion")).isEqualTo("policy/v1");
            assertThat(pdb.map("spec")).containsEntry("minAvailable", "50%").doesNotContainKey("maxUnavailable");
            assertThat(manifests.one("Deployment").map("spec.template.metadata.labels"))
                .containsAllEntriesOf(pdb.map("spec.selector.matchLabels"));

            Manifest byMax = render("hpa-pdb", Map.of("podDisruptionBudget.minAvailable", "",
                    "podDisruptionBudget.maxUnavailable", 2)).one("PodDisruptionBudget");
            assertThat(byMax.map("spec")).containsEntry("maxUnavailable", 2).doesNotContainKey("minAvailable");

            Manifest byDefault = render(null, Map.of("podDisruptionBudget.enabled", true)).one("PodDisruptionBudget");
            assertThat(byDefault.map("spec")).containsEntry("maxUnavailable", 1).doesNotContainKey("minAvailable");
        }

        @Test
        void refusesMoreThanOneReplicaOnTheMemoryStore() {
            assertThat(renderError(Map.of("replicaCount", 2))).contains("store is memory but there is more than one replica");
            assertThat(renderError(Map.of("autoscaling.enabled", true))).contains("store is memory");
        }
    }

    @Nested
    class Monitoring {

        @Test
        void scrapesTheMetricsServiceWhenTheCrdIsTrustedToExist() {
            Manifests manifests = render("servicemonitor");
            Manifest monitor = manifests.one("ServiceMonitor");
            assertThat((String) monitor.at("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
            assertThat(monitor.map("metadata.labels")).containsEntry("release", "kube-prometheus-stack");
            assertThat(monitor.map("spec.endpoints[0]")).containsEntry("port", "management")
                .containsEntry("path", "/actuator/prometheus")
                .containsEntry("interval", "15s");
            assertThat(monitor.list("spec.namespaceSelector.matchNames")).containsExactly(NAMESPACE);
            Map<String, Object> selector = monitor.map("spec.selector.matchLabels");
            assertThat(manifests.all()).filteredOn(m -> m.kind().equals("Service"))
                .filteredOn(s -> s.map("metadata.labels").entrySet().containsAll(selector.entrySet()))
                .extracting(Manifest::name)
                .containsExactly(FULLNAME + "-metrics");
        }

        @Test
        void rendersNoServiceMonitorUnlessTheClusterHasTheCrdOrItIsTrusted() {
            assertThat(render(null, Map.of("metrics.serviceMonitor.enabled", true)).has("ServiceMonitor")).isFalse();
            assertThat(render(null, Map.of("metrics.serviceMonitor.trustCRDsExist", true)).has("ServiceMonitor"))
                .isFalse();
        }

        @Test
        void exposesNoPrometheusEndpointWhenMetricsAreOff() {
            Manifests off = render("servicemonitor", Map.of("metrics.enabled", false));
            assertThat(off.has("ServiceMonitor")).isFalse();
            assertThat(off.names()).doesNotContain("Service/" + FULLNAME + "-metrics");
            assertThat(env(off.gatewayContainer())).containsEntry("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE",
                    "health,info,idempotency");
        }

        @Test
        void shipsTheGrafanaDashboardForTheSidecarWhenAskedTo() throws Exception {
            Manifest dashboard = render("grafana-dashboard").one("ConfigMap", FULLNAME + "-dashboard");
            assertThat(dashboard.map("metadata.labels")).containsEntry("grafana_dashboard", "1");
            assertThat(dashboard.map("metadata.annotations")).containsEntry("grafana_folder", "Gateways");
            // The chart's copy is the dashboard the operations docs describe, byte for byte.
            String shipped = Files.readString(Path.of("../ops/grafana/idempotency-gateway.json"));
            assertThat(((String) dashboard.map("data").get("idempotency-gateway.json")).strip()).isEqualTo(shipped.strip());
            assertThat(render(null).names()).doesNotContain("ConfigMap/" + FULLNAME + "-dashboard");
        }
    }

    @Nested
    class NetworkPolicies {

        @Test
        void allowsOnlyTheGivenClientsInAndDnsUpstreamAndRedisOut() {
            Manifests manifests = render("networkpolicy");
            Manifest policy = manifests.one("NetworkPolicy");
            assertThat(policy.map("spec.podSelector.matchLabels"))
                .isEqualTo(manifests.one("Deployment").map("spec.selector.matchLabels"));
            assertThat(policy.list("spec.policyTypes")).containsExactly("Ingress", "Egress");
            assertThat(policy.<String>at("spec.ingress[0].ports[0].port")).isEqualTo("gateway-http");
            assertThat(policy.map("spec.ingress[0].from[0].namespaceSelector.matchLabels"))
                .containsEntry("kubernetes.io/metadata.name", "shop");
            assertThat(policy.<String>at("spec.ingress[1].ports[0].port")).isEqualTo("gateway-mgmt");

            List<Map<String, Object>> egress = policy.at("spec.egress");
            assertThat(egress).hasSize(3);
            assertThat(ports(egress.get(0))).containsExactly("53/UDP", "53/TCP");
            assertThat(ports(egress.get(1))).containsExactly("8080/TCP");
            assertThat(new Manifest(egress.get(1)).map("to[0].podSelector.matchLabels"))
                .containsEntry("app.kubernetes.io/name", "orders");
            assertThat(ports(egress.get(2))).containsExactly("6379/TCP");
            assertThat(new Manifest(egress.get(2)).map("to[0].namespaceSelector.matchLabels"))
                .containsEntry("kubernetes.io/metadata.name", "data");
        }

        @Test
        void derivesUpstreamPortsFromTheRulesAndRedisPortsFromTheNodes() {
            Manifest policy = render("standalone", Map.of("networkPolicy.enabled", true)).one("NetworkPolicy");
            assertThat(ports(policy.map("spec.egress[1]"))).containsExactly("8080/TCP", "8443/TCP");

            Manifest sentinel = render("external-redis-sentinel", Map.of("networkPolicy.enabled", true))
                .one("NetworkPolicy");
            assertThat(ports(sentinel.map("spec.egress[2]"))).containsExactly("6379/TCP", "26379/TCP");
        }

        @Test
        void letsOnlyTheGatewayReachTheBundledRedis() {
            Manifests manifests = render("bundled-redis", Map.of("networkPolicy.enabled", true));
            Manifest gateway = manifests.one("NetworkPolicy", FULLNAME);
            Map<String, Object> redisPods = manifests.one("StatefulSet").map("spec.selector.matchLabels");
            assertThat(gateway.map("spec.egress[2].to[0].podSelector.matchLabels")).isEqualTo(redisPods);

            Manifest redis = manifests.one("NetworkPolicy", FULLNAME + "-redis");
            assertThat(redis.map("spec.podSelector.matchLabels")).isEqualTo(redisPods);
            assertThat(redis.map("spec.ingress[0].from[0].podSelector.matchLabels"))
                .isEqualTo(manifests.one("Deployment").map("spec.selector.matchLabels"));
            assertThat(redis.list("spec.egress")).isEmpty();
        }

        @SuppressWarnings("unchecked")
        private static List<String> ports(Map<String, Object> rule) {
            return ((List<Map<String, Object>>) rule.get("ports")).stream()
                .map(p -> p.get("port") + "/" + p.get("protocol"))
                .toList();
        }
    }
}
