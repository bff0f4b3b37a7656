package dev.idempotency.gateway.helm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/** Everything one `helm template` rendered, parsed from its multi-document YAML. */
record Manifests(List<Manifest> all) {

    static final String GATEWAY_CONTAINER = "idempotency-gateway";

    @SuppressWarnings("unchecked")
    static Manifests parse(String rendered) {
        List<Manifest> manifests = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(rendered)) {
            if (doc instanceof Map<?, ?> map) {
                manifests.add(new Manifest((Map<String, Object>) map));
            }
        }
        return new Manifests(manifests);
    }

    List<Manifest> ofKind(String kind) {
        return this.all.stream().filter(m -> kind.equals(m.kind())).toList();
    }

    List<String> kinds() {
        return this.all.stream().map(Manifest::kind).toList();
    }

    boolean has(String kind) {
        return !ofKind(kind).isEmpty();
    }

    /** The only object of a kind; fails when there is none or more than one. */
    Manifest one(String kind) {
        List<Manifest> found = ofKind(kind);
        if (found.size() != 1) {
            throw new AssertionError("Expected one " + kind + " but found " + found.size() + " in " + kinds());
        }
        return found.get(0);
    }

    Manifest one(String kind, String name) {
        return ofKind(kind).stream()
            .filter(m -> name.equals(m.name()))
            .findFirst()
            .orElseThrow(() -> new AssertionError("No " + kind + " named " + name + " in " + names()));
    }

    List<String> names() {
        return this.all.stream().map(m -> m.kind() + "/" + m.name()).toList();
    }

    /** The gateway container of the first Deployment's pod template. */
    Map<String, Object> gatewayContainer() {
        return one("Deployment").map("spec.template.spec.containers[name=" + GATEWAY_CONTAINER + "]");
    }

    /** A container's env as name to value (a String) or valueFrom (a Map), in order. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> env(Map<String, Object> container) {
        Map<String, Object> env = new LinkedHashMap<>();
        for (Map<String, Object> var : (List<Map<String, Object>>) container.getOrDefault("env", List.of())) {
            env.put((String) var.get("name"), var.containsKey("valueFrom") ? var.get("valueFrom") : var.get("value"));
        }
        return env;
    }

    /** The secretKeyRef of a valueFrom returned by {@link #env}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> secretKeyRef(Object valueFrom) {
        return (Map<String, Object>) ((Map<String, Object>) valueFrom).get("secretKeyRef");
    }
}
