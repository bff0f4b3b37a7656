package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.FULLNAME;
import static dev.idempotency.gateway.helm.HelmChart.GATEWAY_CHART;
import static dev.idempotency.gateway.helm.HelmChart.NAMESPACE;
import static dev.idempotency.gateway.helm.HelmChart.RELEASE;
import static dev.idempotency.gateway.helm.HelmChart.render;
import static dev.idempotency.gateway.helm.HelmChart.renderError;
import static dev.idempotency.gateway.helm.Manifests.env;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;

/** The idempotency-gateway chart, rendered per scenario (ci/*-values.yaml) and asserted on parsed manifests. */
class GatewayChartTest {

    static Stream<String> scenarios() throws IOException {
        try (Stream<Path> files = Files.list(GATEWAY_CHART.resolve("ci"))) {
            return files.map(f -> f.getFileName().toString())
                .filter(n -> n.endsWith("-values.yaml"))
                .map(n -> n.substring(0, n.length() - "-values.yaml".length()))
                .sorted()
                .toList()
                .stream();
        }
    }

    @Test
    void lintsStrictWithoutWarnings() {
        LintResult result = new Helm(GATEWAY_CHART).lint().strict().call();

        assertThat(result.isFailed()).as("%s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).noneMatch(m -> m.contains("[ERROR]") || m.contains("[WARNING]"));
    }

    @Nested
    class EveryScenario {

        @ParameterizedTest
        @MethodSource("dev.idempotency.gateway.helm.GatewayChartTest#scenarios")
        void labelsEveryObjectTheKubernetesWay(String scenario) {
            for (Manifest m : render(scenario).all()) {
                assertThat(m.map("metadata.labels")).as(m.kind() + "/" + m.name())
                    .containsEntry("app.kubernetes.io/instance", RELEASE)
                    .containsEntry("app.kubernetes.io/managed-by", "Helm")
                    .containsKeys("app.kubernetes.io/name", "app.kubernetes.io/component", "helm.sh/chart",
                            "app.kubernetes.io/version");
                assertThat((String) m.at("metadata.namespace")).isEqualTo(NAMESPACE);
            }
        }

        @ParameterizedTest
        @MethodSource("dev.idempotency.gateway.helm.GatewayChartTest#scenarios")
        void runsEveryPodNonRootReadOnlyWithoutCapabilitiesOrToken(String scenario) {
            for (Manifest m : render(scenario).all()) {
                String podPath = switch (m.kind()) {
                    case "Deployment", "StatefulSet" -> "spec.template.spec";
                    case "Pod" -> "spec";
                    default -> null;
                };
                if (podPath == null) {
                    continue;
                }
                Map<String, Object> pod = m.map(podPath);
                Manifest spec = new Manifest(pod);
                assertThat(pod).as(m.name()).containsEntry("automountServiceAccountToken", false);
                List<Map<String, Object>> containers = spec.at("containers");
                for (Map<String, Object> container : containers) {
                    Manifest c = new Manifest(container);
                    if (!List.of("idempotency-gateway", "redis", "request").contains(c.<String>at("name"))) {
                        continue; // the user's own sidecars
                    }
                    assertThat((Boolean) c.at("securityContext.allowPrivilegeEscalation")).isFalse();
                    assertThat((Boolean) c.at("securityContext.readOnlyRootFilesystem")).isTrue();
                    assertThat(c.list("securityContext.capabilities.drop")).containsExactly("ALL");
                    assertThat(firstNonNull(c.at("securityContext.runAsNonRoot"), spec.at("securityContext.runAsNonRoot")))
                        .as("runAsNonRoot of %s", c.<String>at("name"))
                        .isEqualTo(true);
                    assertThat(firstNonNull(c.at("securityContext.seccompProfile.type"),
                            spec.at("securityContext.seccompProfile.type")))
                        .isEqualTo("RuntimeDefault");
                }
            }
        }

        private static Object firstNonNull(Object a, Object b) {
            return a != null ? a : b;
        }
    }

    private static final String CHANGED_RULE = """
            routes:
              rules:
                - id: orders
                  predicates: [Path=/**]
                  filters:
                    - name: Idempotency
                      args: {required: true, ttl: 1h}
            """;

    @Nested
    class Defaults {

        private final Manifests manifests = render(null);

        @Test
        void rendersAStandaloneGatewayWithItsServicesAndNothingOptional() {
            assertThat(manifests.names()).containsExactlyInAnyOrder(
                    "ServiceAccount/" + FULLNAME,
                    "ConfigMap/" + FULLNAME + "-rules",
                    "Service/" + FULLNAME,
                    "Service/" + FULLNAME + "-metrics",
                    "Deployment/" + FULLNAME);
            Manifest deployment = manifests.one("Deployment");
            assertThat((Integer) deployment.at("spec.replicas")).isEqualTo(1);
            assertThat((String) deployment.at("spec.template.spec.serviceAccountName")).isEqualTo(FULLNAME);
            assertThat((Boolean) manifests.one("ServiceAccount").at("automountServiceAccountToken")).isFalse();
            assertThat((String) deployment.at("spec.template.spec.containers[0].image"))
                .isEqualTo("idempotency-gateway:" + HelmChart.appVersion());
        }

        @Test
        void servesTrafficAndManagementOnSeparateServices() {
            Manifest service = manifests.one("Service", FULLNAME);
            assertThat((String) service.at("spec.type")).isEqualTo("ClusterIP");
            assertThat(service.list("spec.ports")).hasSize(1);
            assertThat((Integer) service.at("spec.ports[name=http].port")).isEqualTo(80);
            assertThat((String) service.at("spec.ports[name=http].targetPort")).isEqualTo("gateway-http");

            Manifest metrics = manifests.one("Service", FULLNAME + "-metrics");
            assertThat((String) metrics.at("spec.type")).isEqualTo("ClusterIP");
            assertThat((String) metrics.at("spec.ports[name=management].targetPort")).isEqualTo("gateway-mgmt");
            assertThat(metrics.map("spec.selector")).isEqualTo(service.map("spec.selector"));
            assertThat(manifests.one("Deployment").map("spec.template.metadata.labels"))
                .containsAllEntriesOf(service.map("spec.selector"));
        }

        @Test
        void probesSpringBootsHealthGroupsOnTheManagementPort() {
            Manifest c = new Manifest(manifests.gatewayContainer());
            assertThat((Integer) c.at("ports[name=gateway-http].containerPort")).isEqualTo(8080);
            assertThat((Integer) c.at("ports[name=gateway-mgmt].containerPort")).isEqualTo(8081);
            assertThat((String) c.at("startupProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
            assertThat((String) c.at("livenessProbe.httpGet.path")).isEqualTo("/actuator/health/liveness");
            assertThat((String) c.at("readinessProbe.httpGet.path")).isEqualTo("/actuator/health/readiness");
            for (String probe : List.of("startupProbe", "livenessProbe", "readinessProbe")) {
                assertThat((String) c.at(probe + ".httpGet.port")).isEqualTo("gateway-mgmt");
            }
            assertThat(env(c.doc())).containsEntry("SERVER_PORT", "8080")
                .containsEntry("MANAGEMENT_SERVER_PORT", "8081")
                .containsEntry("MANAGEMENT_ENDPOINT_HEALTH_PROBES_ENABLED", "true")
                .containsEntry("MANAGEMENT_ENDPOINTS_WEB_EXPOSURE_INCLUDE", "health,info,prometheus,idempotency");
        }

        @Test
        void drainsWithinAGracePeriodThatCoversPreStopAndTheShutdownPhase() {
            Manifest pod = new Manifest(manifests.one("Deployment").map("spec.template.spec"));
            Manifest c = new Manifest(manifests.gatewayContainer());
            assertThat(env(c.doc())).containsEntry("SERVER_SHUTDOWN", "graceful")
                .containsEntry("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE", "20s");
            assertThat((Integer) c.at("lifecycle.preStop.sleep.seconds")).isEqualTo(5);
            assertThat((Integer) pod.at("terminationGracePeriodSeconds")).isEqualTo(5 + 20 + 5);
        }

        @Test
        void derivesTheGracePeriodFromTheShutdownSettings() {
            Manifests longer = render(null, Map.of("lifecycle.shutdownTimeoutSeconds", 40,
                    "lifecycle.preStopSleepSeconds", 10));
            assertThat(env(longer.gatewayContainer())).containsEntry("SPRING_LIFECYCLE_TIMEOUT_PER_SHUTDOWN_PHASE", "40s");
            assertThat((Integer) longer.one("Deployment").at("spec.template.spec.terminationGracePeriodSeconds"))
                .isEqualTo(55);
        }

        @Test
        void usesAnExecSleepPreStopOnClustersWithoutTheSleepAction() {
            Manifests old = Manifests.parse(new Helm(GATEWAY_CHART).template().withName(RELEASE)
                .withNamespace(NAMESPACE).withKubeVersion("1.28.0").call());
            assertThat(new Manifest(old.gatewayContainer()).list("lifecycle.preStop.exec.command"))
                .containsExactly("sleep", "5");
        }

        @Test
        void sizesTheHeapFromTheContainerMemory() {
            // G1 named: in 448Mi the JVM's own choice would be the serial collector (bench/README.md).
            assertThat(env(manifests.gatewayContainer()).get("JAVA_TOOL_OPTIONS"))
                .isEqualTo("-XX:MaxRAMPercentage=25 -XX:MaxRAM=469762048 -XX:+UseG1GC -XX:+UnlockExperimentalVMOptions"
                        + " -XX:TrimNativeHeapInterval=5000 -XX:ActiveProcessorCount=2 -XX:+ExitOnOutOfMemoryError");
            assertThat(env(manifests.gatewayContainer())).containsEntry("MALLOC_ARENA_MAX", "2");
            assertThat(env(render(null, Map.of("jvm.mallocArenaMax", "")).gatewayContainer())).doesNotContainKey("MALLOC_ARENA_MAX");
            assertThat(manifests.gatewayContainer().get("resources")).isEqualTo(Map.of(
                    "requests", Map.of("cpu", "250m", "memory", "448Mi"), "limits", Map.of("memory", "448Mi")));

            Manifests limited = render(null, Map.of("resources.limits.memory", "1Gi", "jvm.maxRAMPercentage", 75,
                    "jvm.extraOptions", "-Xss512k", "jvm.garbageCollector", "Serial", "jvm.trimNativeHeapIntervalMillis", 0));
            assertThat(env(limited.gatewayContainer()).get("JAVA_TOOL_OPTIONS")).isEqualTo(
                    "-XX:MaxRAMPercentage=75 -XX:MaxRAM=1073741824 -XX:+UseSerialGC -XX:ActiveProcessorCount=2"
                    + " -XX:+ExitOnOutOfMemoryError -Xss512k");
            // Empty: the JVM's own choice.
            assertThat(env(render(null, Map.of("jvm.garbageCollector", "", "jvm.trimNativeHeapIntervalMillis", 1000))
                    .gatewayContainer()).get("JAVA_TOOL_OPTIONS"))
                .isEqualTo("-XX:MaxRAMPercentage=25 -XX:MaxRAM=469762048 -XX:+UnlockExperimentalVMOptions"
                        + " -XX:TrimNativeHeapInterval=1000 -XX:ActiveProcessorCount=2 -XX:+ExitOnOutOfMemoryError");
        }

        @Test
        void sizesTheJvmForTwoProcessorsUnlessTheContainerHasACpuLimit() {
            // Without a CPU limit the JVM would count the node's cores (bench/README.md, "Processors").
            assertThat(javaToolOptions(manifests)).contains(" -XX:ActiveProcessorCount=2 ");
            assertThat(javaToolOptions(render(null, Map.of("jvm.activeProcessorCount", 4)))).contains(" -XX:ActiveProcessorCount=4 ");
            assertThat(javaToolOptions(render(null, Map.of("jvm.activeProcessorCount", "")))).doesNotContain("ActiveProcessorCount");
            // With a limit the JVM reads it from the container itself.
            assertThat(javaToolOptions(render(null, Map.of("resources.limits.cpu", "1")))).doesNotContain("ActiveProcessorCount");
        }

        private String javaToolOptions(Manifests rendered) {
            return (String) env(rendered.gatewayContainer()).get("JAVA_TOOL_OPTIONS");
        }

        @Test
        void writesOnlyToATmpEmptyDirAndReadsTheRulesFromTheMountedConfigMapDirectory() {
            Manifest c = new Manifest(manifests.gatewayContainer());
            Manifest pod = new Manifest(manifests.one("Deployment").map("spec.template.spec"));
            assertThat((String) c.at("volumeMounts[name=idempotency-gateway-tmp].mountPath")).isEqualTo("/tmp");
            assertThat((String) pod.at("volumes[name=idempotency-gateway-tmp].emptyDir.sizeLimit")).isEqualTo("128Mi");
            // The directory, never a subPath: the kubelet updates a ConfigMap volume by swapping its ..data link,
            // which a subPath mount never sees.
            assertThat(c.map("volumeMounts[name=idempotency-gateway-rules]"))
                .containsEntry("mountPath", "/etc/idempotency-gateway/rules").doesNotContainKey("subPath");
            assertThat((String) pod.at("volumes[name=idempotency-gateway-rules].configMap.name"))
                .isEqualTo(FULLNAME + "-rules");
            assertThat(env(c.doc())).containsEntry("IDEMPOTENCY_RULES_LOCATION", "/etc/idempotency-gateway/rules")
                .containsEntry("IDEMPOTENCY_RULES_RELOADINTERVAL", "5s")
                .doesNotContainKey("SPRING_CONFIG_ADDITIONAL_LOCATION");
        }

        @Test
        void reloadsARuleChangeLiveSoTheRulesDoNotRollThePods() {
            Map<String, Object> annotations = manifests.one("Deployment").map("spec.template.metadata.annotations");
            assertThat(annotations).doesNotContainKey("checksum/rules").containsKey("checksum/config");

            Manifests changed = HelmChart.renderYaml(CHANGED_RULE);
            assertThat(HelmChart.rulesFile(changed)).isNotEqualTo(HelmChart.rulesFile(manifests));
            assertThat(changed.one("Deployment").map("spec.template")).isEqualTo(manifests.one("Deployment").map("spec.template"));

            // `config` and `identity` are read at startup only: a change there still rolls the pods.
            Manifests configured = render(null, Map.of("config.idempotency.defaults.ttl", "1h"));
            assertThat(configured.one("Deployment").<String>at("spec.template.metadata.annotations.checksum/config"))
                .isNotEqualTo(annotations.get("checksum/config"));
        }

        @Test
        void rollsThePodsWhenARuleChangesWithoutLiveReload() {
            Manifests still = render(null, Map.of("routes.liveReload", false));
            String rules = HelmChart.rulesFile(still);
            Map<String, Object> annotations = still.one("Deployment").map("spec.template.metadata.annotations");
            assertThat(annotations).containsEntry("checksum/rules", HelmChart.sha256(rules.stripTrailing()));
            assertThat(env(still.gatewayContainer())).containsEntry("IDEMPOTENCY_RULES_RELOADINTERVAL", "0");

            Manifests changed = HelmChart.renderYaml(CHANGED_RULE + "  liveReload: false\n");
            assertThat(changed.one("Deployment").<String>at("spec.template.metadata.annotations.checksum/rules"))
                .isNotEqualTo(annotations.get("checksum/rules"));
        }

        @Test
        void rulesLiveReloadDecidesOverRoutesLiveReload() {
            Manifests off = render(null, Map.of("rules.liveReload", false));
            assertThat(off.one("Deployment").map("spec.template.metadata.annotations")).containsKey("checksum/rules");
            assertThat(env(off.gatewayContainer())).containsEntry("IDEMPOTENCY_RULES_RELOADINTERVAL", "0");

            Manifests on = render(null, Map.of("rules.liveReload", true, "routes.liveReload", false));
            assertThat(on.one("Deployment").map("spec.template.metadata.annotations")).doesNotContainKey("checksum/rules");
            assertThat(env(on.gatewayContainer())).containsEntry("IDEMPOTENCY_RULES_RELOADINTERVAL", "5s");
        }

        @Test
        void addsPrometheusScrapeAnnotationsUnlessTurnedOff() {
            assertThat(manifests.one("Deployment").map("spec.template.metadata.annotations"))
                .containsEntry("prometheus.io/scrape", "true")
                .containsEntry("prometheus.io/port", "8081")
                .containsEntry("prometheus.io/path", "/actuator/prometheus");
            assertThat(render(null, Map.of("metrics.scrapeAnnotations", false)).one("Deployment")
                .map("spec.template.metadata.annotations")).doesNotContainKey("prometheus.io/scrape");
        }

        @Test
        void spreadsReplicasOverZonesAndNodesWithTheGatewaysSelector() {
            Manifest deployment = manifests.one("Deployment");
            List<Map<String, Object>> constraints = deployment.at("spec.template.spec.topologySpreadConstraints");
            assertThat(constraints).extracting(c -> c.get("topologyKey"))
                .containsExactly("topology.kubernetes.io/zone", "kubernetes.io/hostname");
            assertThat(constraints).allSatisfy(c -> assertThat(new Manifest(c).map("labelSelector.matchLabels"))
                .isEqualTo(deployment.map("spec.selector.matchLabels")));
        }

        @Test
        void shipsAHelmTestThatProvesReplayOnTheGatewaysSelfTestRoute(@TempDir Path work) {
            Manifest test = HelmChart.renderWithHooks(work).one("Pod");
            assertThat(test.map("metadata.annotations")).containsEntry(HelmChart.HOOK_ANNOTATION_IN_TESTS, "test");
            Manifest c = new Manifest(test.map("spec.containers[0]"));
            // Through the Service, to the route whose upstream is inside the gateway: never the user's upstream.
            assertThat(env(c.doc())).containsEntry("SELF_TEST_URL",
                    "http://" + FULLNAME + "." + NAMESPACE + ".svc:80/idempotency-gateway/self-test");
            assertThat(c.list("command").get(2).toString()).contains("Idempotency-Key: $key")
                .contains("cmp -s").contains("idempotent-replayed: *true").contains("422");
            assertThat((String) c.at("volumeMounts[name=tmp].mountPath")).isEqualTo("/tmp");
            assertThat(env(manifests.gatewayContainer())).containsEntry("IDEMPOTENCY_SELFTEST_ENABLED", "true");

            // No test: no self-test route either.
            assertThat(env(render(null, Map.of("tests.enabled", false)).gatewayContainer()))
                .doesNotContainKey("IDEMPOTENCY_SELFTEST_ENABLED");
        }

        @Test
        void pinsTheImageByDigestWhenOneIsGiven() {
            String digest = "sha256:" + "a".repeat(64);
            Manifests pinned = render(null, Map.of("image.repository", "registry.example.com/idempotency-gateway",
                    "image.digest", digest));
            assertThat(pinned.gatewayContainer().get("image"))
                .isEqualTo("registry.example.com/idempotency-gateway@" + digest);
        }

        @Test
        void usesTheMemoryStoreAndOneReplica() {
            assertThat(env(manifests.gatewayContainer())).containsEntry("IDEMPOTENCY_STORE", "memory")
                .doesNotContainKeys("SPRING_DATA_REDIS_HOST", "SPRING_DATA_REDIS_PASSWORD");
        }
    }

    @Nested
    class Standalone {

        private final Manifests manifests = render("standalone");

        @Test
        void rendersTheRulesInSpringCloudGatewaysFormatWithTheUpstreamAsDefaultUri() {
            Map<String, Object> file = new Yaml().load(HelmChart.rulesFile(manifests));
            List<Map<String, Object>> routes = new Manifest(file).at("spring.cloud.gateway.server.webflux.routes");
            assertThat(routes).extracting(r -> r.get("id")).containsExactly("orders", "payments");
            assertThat(routes.get(0)).containsEntry("uri", "http://orders.shop.svc.cluster.local:8080")
                .containsEntry("predicates", List.of("Path=/orders/**"));
            assertThat(routes.get(1)).containsEntry("uri", "https://payments.shop.svc.cluster.local:8443");
            assertThat(new Manifest(routes.get(0)).map("filters[name=Idempotency].args"))
                .containsEntry("required", true).containsEntry("ttl", "24h");
        }

        @Test
        void wiresEveryExtensionPoint() {
            Manifest pod = new Manifest(manifests.one("Deployment").map("spec.template"));
            assertThat(pod.list("spec.imagePullSecrets")).containsExactly(Map.of("name", "registry-credentials"));
            assertThat(pod.map("metadata.labels")).containsEntry("team", "orders");
            assertThat(pod.map("metadata.annotations")).containsEntry("example.com/owner", "orders-team")
                .containsKey("checksum/config");
            assertThat(pod.<String>at("spec.initContainers[0].name")).isEqualTo("wait-for-orders");
            assertThat(pod.namesAt("spec.containers")).containsExactly("idempotency-gateway", "log-shipper");
            assertThat(pod.map("spec.nodeSelector")).containsEntry("kubernetes.io/os", "linux");
            assertThat(pod.<String>at("spec.tolerations[0].value")).isEqualTo("gateway");
            assertThat(pod.<String>at("spec.priorityClassName")).isEqualTo("high-priority");
            assertThat(pod.<String>at("spec.volumes[name=extra-certs].secret.secretName")).isEqualTo("extra-certs");

            Manifest c = new Manifest(manifests.gatewayContainer());
            assertThat(env(c.doc())).containsEntry("LOGGING_LEVEL_DEV_IDEMPOTENCY", "DEBUG");
            assertThat(c.<String>at("envFrom[0].configMapRef.name")).isEqualTo("gateway-extra-env");
            assertThat(c.<String>at("volumeMounts[name=extra-certs].mountPath")).isEqualTo("/etc/extra-certs");
        }

        @Test
        void sizesTheHeapFromTheMemoryLimit() {
            assertThat((String) env(manifests.gatewayContainer()).get("JAVA_TOOL_OPTIONS"))
                .contains("-XX:MaxRAM=1073741824");
        }
    }

    @Nested
    class Sidecar {

        private final Manifests manifests = render("sidecar");

        @Test
        void rendersTheRulesAndTheRedisSecretButNoPods() {
            assertThat(manifests.kinds()).containsExactlyInAnyOrder("ConfigMap", "Secret");
        }

        @Test
        void forwardsRulesWithoutUriToTheApplicationOnLocalhost() {
            Map<String, Object> file = new Yaml().load(HelmChart.rulesFile(manifests));
            assertThat(new Manifest(file).<String>at("spring.cloud.gateway.server.webflux.routes[0].uri"))
                .isEqualTo("http://localhost:8080");
        }

        @Test
        void keepsTheInlinePasswordInASecret() {
            Manifest secret = manifests.one("Secret");
            assertThat(secret.name()).isEqualTo(FULLNAME + "-redis");
            assertThat(new String(Base64.getDecoder().decode(secret.<String>at("data.redis-password")),
                    StandardCharsets.UTF_8)).isEqualTo("change-me");
        }

        @Test
        void rejectsAnApplicationPortThatClashesWithTheGatewaysPorts() {
            assertThat(renderError(Map.of("mode", "sidecar"))).contains("upstream.port (8080) clashes");
        }

        @Test
        void ignoresPodLevelFeaturesThatBelongToTheApplicationsChart() {
            Manifests all = render("sidecar", Map.of("autoscaling.enabled", true, "podDisruptionBudget.enabled", true,
                    "networkPolicy.enabled", true, "metrics.serviceMonitor.enabled", true,
                    "metrics.serviceMonitor.trustCRDsExist", true));
            assertThat(all.kinds()).containsExactlyInAnyOrder("ConfigMap", "Secret");
        }
    }

    @Nested
    class RulesFromAnExistingConfigMap {

        @Test
        void mountsItsKeyAsTheRulesFileAndRendersNoRulesOfItsOwn() {
            Manifests manifests = render("existing-configmap");
            assertThat(manifests.has("ConfigMap")).isFalse();
            Map<String, Object> volume = new Manifest(manifests.one("Deployment").map("spec.template.spec"))
                .map("volumes[name=idempotency-gateway-rules].configMap");
            assertThat(volume).isEqualTo(Map.of("name", "orders-gateway-rules",
                    "items", List.of(Map.of("key", "gateway-routes.yaml", "path", "routes.yml"))));
            assertThat(manifests.one("Deployment").map("spec.template.metadata.annotations"))
                .doesNotContainKey("checksum/rules");
        }
    }
}
