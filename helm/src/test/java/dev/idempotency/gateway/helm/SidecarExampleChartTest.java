package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.EXAMPLES;
import static dev.idempotency.gateway.helm.HelmChart.GATEWAY_CHART;
import static dev.idempotency.gateway.helm.HelmChart.RELEASE;
import static dev.idempotency.gateway.helm.Manifests.env;
import static dev.idempotency.gateway.helm.Manifests.secretKeyRef;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

/**
 * helm/examples/sidecar-app: an application chart that has the gateway chart as a dependency
 * (alias gateway, mode sidecar) and includes its named templates into its own pod. Built the way a
 * user builds it: `helm dependency update` from the file:// repository (no network), in a copy so
 * the source tree stays clean.
 */
class SidecarExampleChartTest {

    private static final String APP = RELEASE + "-sidecar-app";

    @TempDir
    static Path work;

    private static Path chart;

    private static Manifests manifests;

    @BeforeAll
    static void buildDependencyAndRender() {
        HelmChart.copy(GATEWAY_CHART, work.resolve("idempotency-gateway"), UnaryOperator.identity());
        HelmChart.copy(EXAMPLES.resolve("sidecar-app"), work.resolve("examples/sidecar-app"), UnaryOperator.identity());
        chart = work.resolve("examples/sidecar-app");
        new Helm(chart).dependency().update().call();
        manifests = Manifests.parse(HelmChart.template(chart, null, Map.of()));
    }

    @Test
    void lintsStrict() {
        LintResult result = new Helm(chart).lint().strict().call();
        assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
    }

    @Test
    void putsTheGatewayContainerNextToTheApplication() {
        Manifest pod = new Manifest(manifests.one("Deployment", APP).map("spec.template.spec"));
        assertThat(pod.namesAt("containers")).containsExactly("app", "idempotency-gateway");
        Manifest gateway = new Manifest(pod.map("containers[name=idempotency-gateway]"));
        assertThat(gateway.<String>at("image")).isEqualTo("idempotency-gateway:" + HelmChart.appVersion());
        assertThat((Integer) gateway.at("ports[name=gateway-http].containerPort")).isEqualTo(8000);
        assertThat((Integer) gateway.at("ports[name=gateway-mgmt].containerPort")).isEqualTo(8001);
        assertThat((Integer) pod.at("containers[name=app].ports[0].containerPort")).isEqualTo(8080);
        assertThat((Boolean) gateway.at("securityContext.readOnlyRootFilesystem")).isTrue();
        assertThat((Integer) gateway.at("securityContext.runAsUser")).isEqualTo(65532);
        assertThat((Integer) pod.at("terminationGracePeriodSeconds")).isEqualTo(30);
    }

    @Test
    void mountsTheRulesAndSecretThatTheDependencyRendered() {
        Manifest pod = new Manifest(manifests.one("Deployment", APP).map("spec.template.spec"));
        String rulesConfigMap = pod.at("volumes[name=idempotency-gateway-rules].configMap.name");
        Manifest rules = manifests.one("ConfigMap", rulesConfigMap);
        assertThat(rulesConfigMap).isEqualTo(RELEASE + "-gateway-rules");
        Map<String, Object> file = new Yaml().load((String) rules.map("data").get("routes.yml"));
        assertThat(new Manifest(file).<String>at("spring.cloud.gateway.server.webflux.routes[0].uri"))
            .isEqualTo("http://localhost:8080");

        Map<String, Object> env = env(pod.map("containers[name=idempotency-gateway]"));
        assertThat(env).containsEntry("SPRING_DATA_REDIS_HOST", RELEASE + "-gateway-redis")
            .containsEntry("IDEMPOTENCY_STORE", "redis");
        String secret = (String) secretKeyRef(env.get("SPRING_DATA_REDIS_PASSWORD")).get("name");
        assertThat(manifests.one("Secret", secret).map("data")).containsKey("redis-password");
        assertThat(manifests.one("Service", RELEASE + "-gateway-redis")).isNotNull();
        assertThat(manifests.one("StatefulSet", RELEASE + "-gateway-redis")).isNotNull();
    }

    @Test
    void reloadsTheGatewayRulesLiveAndRollsTheApplicationPodsOnlyForStartupSettings() {
        Map<String, Object> annotations = manifests.one("Deployment", APP).map("spec.template.metadata.annotations");
        assertThat(annotations).doesNotContainKey("checksum/rules").containsKey("checksum/config");
        Map<String, Object> env = env(manifests.one("Deployment", APP).map("spec.template.spec.containers[name=idempotency-gateway]"));
        assertThat(env).containsEntry("IDEMPOTENCY_RULES_LOCATION", "/etc/idempotency-gateway/rules");

        Manifests still = Manifests.parse(HelmChart.template(chart, null, Map.of("gateway.routes.liveReload", false)));
        String rules = (String) still.one("ConfigMap", RELEASE + "-gateway-rules").map("data").get("routes.yml");
        assertThat(still.one("Deployment", APP).map("spec.template.metadata.annotations"))
            .containsEntry("checksum/rules", HelmChart.sha256(rules.stripTrailing()));
    }

    @Test
    void routesTheApplicationsServiceThroughTheGateway() {
        Manifest service = manifests.one("Service", APP);
        assertThat(service.<String>at("spec.ports[0].targetPort")).isEqualTo("gateway-http");
    }

    @Test
    void rendersNoGatewayDeploymentOfItsOwn() {
        assertThat(manifests.ofKind("Deployment")).extracting(Manifest::name).containsExactly(APP);
        assertThat(manifests.kinds()).doesNotContain("HorizontalPodAutoscaler", "PodDisruptionBudget",
                "ServiceAccount");
        assertThat(manifests.ofKind("Service")).extracting(Manifest::name)
            .containsExactlyInAnyOrder(APP, RELEASE + "-gateway-redis", RELEASE + "-gateway-redis-headless");
    }
}
