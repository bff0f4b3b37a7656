package dev.idempotency.gateway.helm;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One rendered Kubernetes object, parsed. {@link #at(String)} walks a small path language:
 * {@code spec.template.spec.containers[name=idempotency-gateway].env[0].name}; a missing step gives
 * {@code null}, so assertions read as "is null" / "is equal to".
 */
record Manifest(Map<String, Object> doc) {

    private static final Pattern STEP = Pattern.compile("([^.\\[]+)((?:\\[[^]]+])*)");

    private static final Pattern SELECTOR = Pattern.compile("\\[([^]=]+)(?:=([^]]*))?]");

    String kind() {
        return (String) this.doc.get("kind");
    }

    String name() {
        return (String) at("metadata.name");
    }

    @SuppressWarnings("unchecked")
    <T> T at(String path) {
        Object current = this.doc;
        Matcher step = STEP.matcher(path);
        int position = 0;
        while (current != null && position < path.length()) {
            if (path.charAt(position) == '.') {
                position++;
            }
            if (!step.find(position) || step.start() != position) {
                throw new IllegalArgumentException("Bad path " + path + " at " + position);
            }
            current = current instanceof Map<?, ?> map ? map.get(step.group(1)) : null;
            Matcher selector = SELECTOR.matcher(step.group(2));
            while (current != null && selector.find()) {
                current = select(current, selector.group(1), selector.group(2));
            }
            position = step.end();
        }
        return (T) current;
    }

    Map<String, Object> map(String path) {
        return at(path);
    }

    List<Object> list(String path) {
        return at(path);
    }

    /** The `name` of each item of a list, e.g. the containers of a pod. */
    List<String> namesAt(String path) {
        List<Object> items = at(path);
        return items == null ? List.of() : items.stream().map(i -> (String) ((Map<?, ?>) i).get("name")).toList();
    }

    private static Object select(Object current, String key, String value) {
        if (!(current instanceof List<?> list)) {
            return null;
        }
        if (value == null) {
            int index = Integer.parseInt(key);
            return index < list.size() ? list.get(index) : null;
        }
        return list.stream()
            .filter(item -> item instanceof Map<?, ?> map && value.equals(String.valueOf(map.get(key))))
            .findFirst()
            .orElse(null);
    }
}
