package dev.idempotency.gateway.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import org.yaml.snakeyaml.Yaml;

import com.marcnuri.helm.DryRun;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.InstallCommand;
import com.marcnuri.helm.TemplateCommand;

/**
 * The charts under helm/ and how the tests render them: in-process Helm (helm-java), no cluster,
 * no network. Scenario values files live in the chart's ci/ directory (chart-testing's layout).
 */
final class HelmChart {

    static final String RELEASE = "shop";

    static final String NAMESPACE = "orders";

    /**
     * The cluster version rendered for. helm-java's in-process Helm assumes v1.20 (below the chart's
     * kubeVersion) where the helm CLI assumes its client's version; a current release is pinned here.
     */
    static final String KUBE_VERSION = "1.31.0";

    /** Fullname of the gateway in release {@value #RELEASE}. */
    static final String FULLNAME = RELEASE + "-idempotency-gateway";

    static final Path HELM_DIR = Path.of(System.getProperty("basedir", ".")).toAbsolutePath().normalize();

    static final Path GATEWAY_CHART = HELM_DIR.resolve("idempotency-gateway");

    static final Path EXAMPLES = HELM_DIR.resolve("examples");

    private HelmChart() {
    }

    static Path scenario(String name) {
        Path file = GATEWAY_CHART.resolve("ci").resolve(name + "-values.yaml");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("No scenario values file " + file);
        }
        return file;
    }

    /** Renders the gateway chart with a scenario's values (null: the defaults) and extra --set pairs. */
    static Manifests render(String scenario, Map<String, ?> sets) {
        return Manifests.parse(template(GATEWAY_CHART, scenario == null ? null : scenario(scenario), sets));
    }

    static Manifests render(String scenario) {
        return render(scenario, Map.of());
    }

    static String template(Path chart, Path valuesFile, Map<String, ?> sets) {
        TemplateCommand template = new Helm(chart).template()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION);
        if (valuesFile != null) {
            template = template.withValuesFile(valuesFile);
        }
        for (Map.Entry<String, ?> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return template.call();
    }

    /** Renders values given as YAML text, for shapes --set cannot express (lists of maps). */
    static Manifests renderYaml(String valuesYaml) {
        Path file = writeTemp(valuesYaml);
        try {
            return Manifests.parse(template(GATEWAY_CHART, file, Map.of()));
        }
        finally {
            deleteQuietly(file);
        }
    }

    /**
     * Renders with the chart's hooks (the `helm test` pod) as plain objects: helm-java's template,
     * unlike the helm CLI, leaves hooks out. The copy's hook annotation is renamed to
     * {@value #HOOK_ANNOTATION_IN_TESTS} so the assertions can still see which hook it was.
     */
    static Manifests renderWithHooks(Path work) {
        Path copy = work.resolve("idempotency-gateway");
        copy(GATEWAY_CHART, copy, text -> text.replace("helm.sh/hook:", HOOK_ANNOTATION_IN_TESTS + ":"));
        return Manifests.parse(template(copy, null, Map.of()));
    }

    /** Copies a chart's sources (not its fetched charts/ and Chart.lock), passing each file's text through edit. */
    static void copy(Path from, Path to, UnaryOperator<String> edit) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path relative = from.relativize(source);
                if (relative.startsWith("charts") || relative.toString().equals("Chart.lock")) {
                    continue;
                }
                Path target = to.resolve(relative.toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                }
                else {
                    Files.writeString(target, edit.apply(Files.readString(source)));
                }
            }
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    static final String HOOK_ANNOTATION_IN_TESTS = "test.helm.sh/hook";

    /** Renders values given as YAML text (for shapes --set cannot express) and returns the error, if any. */
    static String renderError(String valuesYaml) {
        Path file = writeTemp(valuesYaml);
        try {
            template(GATEWAY_CHART, file, Map.of());
            return null;
        }
        catch (RuntimeException ex) {
            return ex.getMessage();
        }
        finally {
            deleteQuietly(file);
        }
    }

    static String renderError(Map<String, ?> sets) {
        try {
            template(GATEWAY_CHART, null, sets);
            return null;
        }
        catch (RuntimeException ex) {
            return ex.getMessage();
        }
    }

    private static Path writeTemp(String content) {
        try {
            Path file = Files.createTempFile("values-", ".yaml");
            Files.writeString(file, content);
            return file;
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        }
        catch (IOException ignored) {
            // a temp file
        }
    }

    /**
     * The NOTES an install prints, rendered client-side (no cluster): helm-java's template leaves
     * them out, a dry-run install does not.
     */
    static String notes(String scenario, Map<String, ?> sets) {
        InstallCommand install = new Helm(GATEWAY_CHART).install()
            .withName(RELEASE)
            .withNamespace(NAMESPACE)
            .withKubeVersion(KUBE_VERSION)
            .clientOnly()
            .dryRun()
            .withDryRunOption(DryRun.CLIENT);
        if (scenario != null) {
            install = install.withValuesFile(scenario(scenario));
        }
        for (Map.Entry<String, ?> set : sets.entrySet()) {
            install = install.set(set.getKey(), set.getValue());
        }
        String output = install.call().getOutput();
        return output.substring(output.indexOf("NOTES:"));
    }

    /** The rules file (routes.yml) of the rendered rules ConfigMap. */
    static String rulesFile(Manifests manifests) {
        return (String) manifests.one("ConfigMap", FULLNAME + "-rules").map("data").get("routes.yml");
    }

    /** Hex SHA-256, as Helm's sha256sum. */
    static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(text.getBytes(StandardCharsets.UTF_8)));
        }
        catch (NoSuchAlgorithmException ex) {
            throw new IllegalStateException(ex);
        }
    }

    /** The chart's appVersion: the default image tag. */
    static String appVersion() {
        try {
            Map<String, Object> chart = new Yaml().load(Files.readString(GATEWAY_CHART.resolve("Chart.yaml")));
            return (String) chart.get("appVersion");
        }
        catch (IOException ex) {
            throw new IllegalStateException(ex);
        }
    }
}
