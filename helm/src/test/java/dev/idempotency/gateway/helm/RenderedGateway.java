package dev.idempotency.gateway.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

import dev.idempotency.gateway.IdempotencyGatewayApplication;

/**
 * The real gateway application, started in this JVM the way a rendered Deployment runs it: its
 * environment is exactly the gateway container's rendered {@code env} (secretKeyRefs resolved
 * against the rendered Secrets, or against Secrets the test stands in for), and its rules
 * ConfigMap is laid out as the kubelet mounts it, its Secret volumes written out likewise. Only
 * what a pod has and a test cannot share is replaced: the two ports (free ones), the mount paths
 * (temporary directories, also where the env and the rules file name them) and JAVA_TOOL_OPTIONS
 * (this JVM is already running).
 */
final class RenderedGateway implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final ConfigurableApplicationContext context;

    private final int port;

    private final int managementPort;

    private final ConfigMapVolume rules;

    private final Map<String, String> env;

    /** Mount paths of the pod and the directories standing in for them here. */
    private final Map<String, String> mounts;

    private RenderedGateway(ConfigurableApplicationContext context, int port, int managementPort,
            ConfigMapVolume rules, Map<String, String> env, Map<String, String> mounts) {
        this.context = context;
        this.port = port;
        this.managementPort = managementPort;
        this.rules = rules;
        this.env = env;
        this.mounts = mounts;
    }

    static RenderedGateway start(Manifests manifests, Path work) {
        return start(manifests, work, Map.of());
    }

    /**
     * @param externalSecrets Secrets the release references but does not render (existingSecret),
     * by name, then key
     */
    static RenderedGateway start(Manifests manifests, Path work, Map<String, Map<String, String>> externalSecrets) {
        Map<String, Object> container = manifests.gatewayContainer();
        Map<String, String> env = environment(manifests, container, externalSecrets);
        int port = freePort();
        int managementPort = freePort();
        env.put("SERVER_PORT", String.valueOf(port));
        env.put("MANAGEMENT_SERVER_PORT", String.valueOf(managementPort));
        env.remove("JAVA_TOOL_OPTIONS");
        ConfigMapVolume rules = new ConfigMapVolume(work.resolve("rules"));
        Map<String, String> mounts = secretVolumes(manifests, container, externalSecrets, work);
        String mounted = env.get("IDEMPOTENCY_RULES_LOCATION");
        if (mounted != null) {
            mounts.put(mounted, rules.dir().toString());
        }
        env.replaceAll((name, value) -> remount(value, mounts));
        if (mounted != null) {
            rules.publish(Map.of("routes.yml", remount(HelmChart.rulesFile(manifests), mounts)));
        }
        // Ahead of this JVM's own environment. Named "...-systemEnvironment" so that Spring Boot maps it
        // as environment variables (IDEMPOTENCY_ENCRYPTION_KEYS_K1 -> idempotency.encryption.keys.k1), and
        // not "systemEnvironment" itself, which the management child context would shadow with its own.
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new SystemEnvironmentPropertySource("pod-"
                + StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, Map.copyOf(env)));
        ConfigurableApplicationContext context = new SpringApplicationBuilder(IdempotencyGatewayApplication.class)
            .environment(environment)
            .run();
        return new RenderedGateway(context, port, managementPort, rules, env, mounts);
    }

    /** Writes each Secret volume the gateway container mounts into work; returns mount path to directory. */
    @SuppressWarnings("unchecked")
    private static Map<String, String> secretVolumes(Manifests manifests, Map<String, Object> container,
            Map<String, Map<String, String>> externalSecrets, Path work) {
        Manifest pod = new Manifest(manifests.one("Deployment").map("spec.template.spec"));
        Map<String, String> mounts = new LinkedHashMap<>();
        for (Map<String, Object> mount : (List<Map<String, Object>>) container.getOrDefault("volumeMounts", List.of())) {
            Map<String, Object> secret = pod.map("volumes[name=" + mount.get("name") + "].secret");
            if (secret == null) {
                continue;
            }
            ConfigMapVolume volume = new ConfigMapVolume(work.resolve("mounts").resolve((String) mount.get("name")));
            Map<String, String> files = new LinkedHashMap<>();
            for (Map<String, Object> item : (List<Map<String, Object>>) secret.get("items")) {
                String name = (String) secret.get("secretName");
                String value = secretValue(manifests, externalSecrets, name, (String) item.get("key"));
                if (value == null) {
                    throw new IllegalStateException("no key " + item.get("key") + " in Secret " + name);
                }
                files.put((String) item.get("path"), value);
            }
            volume.publish(files);
            mounts.put((String) mount.get("mountPath"), volume.dir().toString());
        }
        return mounts;
    }

    private static String remount(String text, Map<String, String> mounts) {
        String remounted = text;
        for (Map.Entry<String, String> mount : mounts.entrySet()) {
            remounted = remounted.replace(mount.getKey(), mount.getValue());
        }
        return remounted;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(Manifests manifests, Map<String, Object> container,
            Map<String, Map<String, String>> externalSecrets) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Map<String, Object> variable : (List<Map<String, Object>>) container.get("env")) {
            String name = (String) variable.get("name");
            if (variable.containsKey("value")) {
                env.put(name, String.valueOf(variable.get("value")));
                continue;
            }
            Map<String, Object> ref = Manifests.secretKeyRef(variable.get("valueFrom"));
            if (ref == null) {
                throw new IllegalStateException(name + ": only value and secretKeyRef are resolved here");
            }
            String value = secretValue(manifests, externalSecrets, (String) ref.get("name"), (String) ref.get("key"));
            if (value != null) {
                env.put(name, value);
            }
            else if (!Boolean.TRUE.equals(ref.get("optional"))) {
                throw new IllegalStateException(name + ": no key " + ref.get("key") + " in Secret " + ref.get("name")
                        + " and the reference is not optional: the pod would not start");
            }
        }
        return env;
    }

    private static String secretValue(Manifests manifests, Map<String, Map<String, String>> externalSecrets,
            String name, String key) {
        Manifest rendered = manifests.ofKind("Secret").stream().filter(s -> name.equals(s.name())).findFirst().orElse(null);
        if (rendered != null) {
            String base64 = rendered.<Map<String, String>>at("data").get(key);
            return base64 == null ? null : new String(Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        }
        Map<String, String> external = externalSecrets.get(name);
        if (external == null) {
            throw new IllegalStateException("Secret " + name + " is neither rendered nor given by the test");
        }
        return external.get(key);
    }

    /** Publishes the rules file of another render into the mounted directory, as the kubelet would. */
    void publishRules(Manifests manifests) {
        this.rules.publish(Map.of("routes.yml", remount(HelmChart.rulesFile(manifests), this.mounts)));
    }

    ConfigurableApplicationContext context() {
        return this.context;
    }

    /** The environment the gateway was started with: the pod's, with the replacements above. */
    Map<String, String> env() {
        return this.env;
    }

    String url(String path) {
        return "http://localhost:" + this.port + path;
    }

    String managementUrl(String path) {
        return "http://localhost:" + this.managementPort + path;
    }

    static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(ex);
        }
    }

    HttpResponse<String> get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET());
    }

    @Override
    public void close() {
        this.context.close();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
        catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }
}
