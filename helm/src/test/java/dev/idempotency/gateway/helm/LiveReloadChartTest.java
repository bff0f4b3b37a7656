package dev.idempotency.gateway.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * routes.liveReload end to end: the real gateway started from the rendered Deployment (rules
 * directory and reload interval from its env) picks up the rules of a later render, published
 * into its mounted directory the way the kubelet updates a ConfigMap volume (a new hidden
 * directory, then an atomic swap of the ..data link), without a restart.
 */
class LiveReloadChartTest {

    @TempDir
    Path work;

    @Test
    void aRulesChangeReachesTheRunningGatewayWithoutARestart() throws InterruptedException {
        Manifests installed = HelmChart.render(null);
        try (RenderedGateway gateway = RenderedGateway.start(installed, this.work)) {
            // Rules v1: one route on /** that requires a key.
            assertThat(postWithoutKey(gateway, "/payments/1")).isEqualTo(400);

            // Rules v2 (a `helm upgrade` with another rule): the route now covers /orders/** only.
            Manifests upgraded = HelmChart.renderYaml("""
                    routes:
                      rules:
                        - id: orders
                          predicates: [Path=/orders/**]
                          filters:
                            - name: Idempotency
                              args: {required: true}
                    """);
            assertThat(upgraded.one("Deployment").map("spec.template"))
                .as("the upgrade leaves the pod template alone: no rollout")
                .isEqualTo(installed.one("Deployment").map("spec.template"));
            gateway.publishRules(upgraded);

            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (postWithoutKey(gateway, "/payments/1") != 404 && System.nanoTime() < deadline) {
                Thread.sleep(250);
            }
            assertThat(postWithoutKey(gateway, "/payments/1")).as("a path the new rules no longer route").isEqualTo(404);
            assertThat(postWithoutKey(gateway, "/orders/1")).isEqualTo(400);
            // The self-test route is no rule: a reload neither shadows nor removes it.
            assertThat(RenderedGateway.send(HttpRequest.newBuilder(URI.create(gateway.url("/idempotency-gateway/self-test")))
                .header("Idempotency-Key", UUID.randomUUID().toString())
                .header("X-Client-Id", "reload-test")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode()).isEqualTo(201);
        }
    }

    private static int postWithoutKey(RenderedGateway gateway, String path) {
        return RenderedGateway.send(HttpRequest.newBuilder(URI.create(gateway.url(path)))
            .header("X-Client-Id", "reload-test")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))).statusCode();
    }
}
