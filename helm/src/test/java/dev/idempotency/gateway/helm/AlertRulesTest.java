package dev.idempotency.gateway.helm;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.idempotency.gateway.events.IdempotencyOutcome;
import dev.idempotency.gateway.events.KeySettlement;
import dev.idempotency.gateway.ops.metrics.TagValues;

/**
 * The PrometheusRule's alerts: gated like the ServiceMonitor, each with a runbook in
 * docs/operations.md, and every series they select is one the gateway really exposes: its
 * /actuator/prometheus is scraped from the real gateway started from the rendered Deployment, after
 * traffic through the self-test route. A renamed metric, tag or tag value turns this red.
 */
class AlertRulesTest {

    /** Series from kube-state-metrics (installed with kube-prometheus-stack), not from the gateway. */
    private static final Set<String> KUBE_STATE_METRICS = Set.of("kube_pod_status_ready");

    private static final Pattern SELECTOR = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}");

    private static final Pattern MATCHER = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)\\s*(=~|!=|!~|=)\\s*\"([^\"]*)\"");

    private static final Set<String> ALERTS = Set.of("IdempotencyStoreUnavailable", "IdempotencyFailingOpen",
            "IdempotencyOutcomeUnknownRate", "IdempotencySettlementsLost", "IdempotencyGatewayReadinessFlapping");

    @TempDir
    Path work;

    @Test
    void everySeriesTheAlertsSelectIsExposedByTheRealGateway() {
        Map<String, String> expressions = expressions(HelmChart.render("servicemonitor"));
        assertThat(expressions.keySet()).containsExactlyInAnyOrderElementsOf(ALERTS);

        String scrape;
        try (RenderedGateway gateway = RenderedGateway.start(HelmChart.render(null), this.work)) {
            String key = UUID.randomUUID().toString();
            for (String body : List.of("{\"n\":1}", "{\"n\":1}", "{\"n\":2}")) {
                RenderedGateway.send(HttpRequest.newBuilder(URI.create(gateway.url("/idempotency-gateway/self-test")))
                    .header("Idempotency-Key", key).header("X-Client-Id", "alerts-test")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
            }
            var response = gateway.get(gateway.managementUrl("/actuator/prometheus"));
            assertThat(response.statusCode()).isEqualTo(200);
            scrape = response.body();
        }

        Set<String> checked = new TreeSet<>();
        expressions.forEach((alert, expr) -> {
            Matcher selector = SELECTOR.matcher(expr);
            while (selector.find()) {
                String metric = selector.group(1);
                checked.add(metric);
                if (KUBE_STATE_METRICS.contains(metric)) {
                    continue;
                }
                assertThat(scrape).as("%s: metric %s in /actuator/prometheus", alert, metric)
                    .containsPattern("(?m)^" + Pattern.quote(metric) + "\\{");
                Matcher matcher = MATCHER.matcher(selector.group(2));
                while (matcher.find()) {
                    String label = matcher.group(1);
                    if (label.equals("namespace") || label.equals("job")) {
                        continue; // added by Prometheus at scrape time
                    }
                    assertThat(scrape).as("%s: label %s of %s", alert, label, metric)
                        .containsPattern("(?m)^" + Pattern.quote(metric) + "\\{[^}]*\\b" + label + "=\"");
                    for (String value : matcher.group(3).split("\\|")) {
                        assertThat(knownValues(metric, label)).as("%s: %s=\"%s\" of %s", alert, label, value, metric)
                            .contains(value);
                    }
                }
            }
        });
        assertThat(checked).contains("idempotency_requests_total", "idempotency_settlements_total",
                "idempotency_store_seconds_count", "kube_pod_status_ready");
    }

    @Test
    void everyAlertHasARunbookSectionInTheOperationsDocs() throws IOException {
        String operations = Files.readString(HelmChart.HELM_DIR.resolve("../docs/operations.md"));
        Set<String> anchors = operations.lines().filter(line -> line.startsWith("#"))
            .map(line -> line.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 -]", "")
                .replace(' ', '-'))
            .collect(Collectors.toSet());
        Manifest rule = HelmChart.render("servicemonitor").one("PrometheusRule");
        for (Object item : rule.list("spec.groups[0].rules")) {
            Manifest alert = new Manifest(cast(item));
            String url = alert.at("annotations.runbook_url");
            assertThat(url).startsWith("docs/operations.md#");
            assertThat(anchors).as("runbook of %s", alert.<String>at("alert"))
                .contains(url.substring(url.indexOf('#') + 1));
        }
    }

    @Test
    void isGatedLikeTheServiceMonitor() {
        assertThat(HelmChart.render(null, Map.of("metrics.prometheusRule.enabled", true)).has("PrometheusRule"))
            .as("no CRD served and not trusted").isFalse();
        assertThat(HelmChart.render("servicemonitor", Map.of("metrics.enabled", false)).has("PrometheusRule")).isFalse();
        Manifest rule = HelmChart.render("servicemonitor").one("PrometheusRule");
        assertThat(rule.<String>at("apiVersion")).isEqualTo("monitoring.coreos.com/v1");
        assertThat(rule.map("metadata.labels")).containsEntry("release", "kube-prometheus-stack");
        assertThat(rule.<String>at("spec.groups[0].rules[0].labels.team")).isEqualTo("orders");
        String published = HelmChart.render("servicemonitor",
                Map.of("metrics.prometheusRule.runbookBaseUrl", "https://git.example.com/gw/docs/operations.md"))
            .one("PrometheusRule").at("spec.groups[0].rules[0].annotations.runbook_url");
        assertThat(published).startsWith("https://git.example.com/gw/docs/operations.md#");
    }

    private static Set<String> knownValues(String metric, String label) {
        return switch (metric + "/" + label) {
            case "idempotency_requests_total/outcome" -> Stream.concat(Arrays.stream(IdempotencyOutcome.values())
                .map(TagValues::of), Stream.of(TagValues.OBSERVED_ONLY)).collect(Collectors.toSet());
            case "idempotency_settlements_total/settlement" -> Arrays.stream(KeySettlement.values())
                .map(TagValues::of).collect(Collectors.toSet());
            // StoreObservation's value for StoreUnavailableException, pinned by the gateway's StoreObservationTests.
            case "idempotency_store_seconds_count/outcome" -> Set.of("unavailable");
            default -> throw new AssertionError("no known values for " + label + " of " + metric + ": add them here");
        };
    }

    private static Map<String, String> expressions(Manifests manifests) {
        Map<String, String> expressions = new LinkedHashMap<>();
        for (Object item : manifests.one("PrometheusRule").list("spec.groups[0].rules")) {
            Manifest alert = new Manifest(cast(item));
            expressions.put(alert.at("alert"), String.valueOf(alert.<Object>at("expr")));
        }
        return expressions;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }
}
