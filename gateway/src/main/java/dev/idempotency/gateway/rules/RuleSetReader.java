package dev.idempotency.gateway.rules;

import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

import org.springframework.boot.origin.OriginTrackedValue;
import org.springframework.boot.origin.TextResourceOrigin;
import org.springframework.core.io.FileSystemResource;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Parses rule files and merges them. Spring's own property-source precedence would let one file's
 * {@code routes} list hide another's, so the files are merged here into one tree first:
 * <ul>
 * <li>{@code routes} lists are concatenated (file name order) and route ids must be unique;</li>
 * <li>{@code default-filters} lists are concatenated, an entry repeated word for word kept once
 * (so files that each carry the same default still load alone and together);</li>
 * <li>maps are merged key by key; a key set to different values in two files is an error, since
 * the name order of files should not silently decide which value wins.</li>
 * </ul>
 */
final class RuleSetReader {

    static final String ROUTES = "spring.cloud.gateway.server.webflux.routes";

    static final String DEFAULT_FILTERS = "spring.cloud.gateway.server.webflux.default-filters";

    private static final Pattern NON_CANONICAL = Pattern.compile("[-_]");

    private final RuleFiles files;

    private final List<RuleProblem> problems = new ArrayList<>();

    RuleSetReader(RuleFiles files) {
        this.files = files;
    }

    RuleSet read() {
        Map<String, Object> merged = new LinkedHashMap<>();
        this.files.contents().forEach((file, bytes) -> {
            for (Object document : parse(file, bytes)) {
                if (document instanceof Map<?, ?> map) {
                    merge(merged, asMap(tree(map, file)), "");
                }
                else if (document != null) {
                    problem(file, "a rules file must be a YAML mapping such as 'spring: ...', not a "
                            + document.getClass().getSimpleName());
                }
            }
        });
        Map<String, String> routeFiles = routeFiles(merged);
        checkOldPrefix(merged);
        if (!this.problems.isEmpty()) {
            throw new RulesValidationException(this.files.location(), this.problems);
        }
        Map<String, Object> properties = new LinkedHashMap<>();
        flatten("", merged, properties);
        return new RuleSet(this.files, properties, routeFiles);
    }

    private List<Object> parse(Path file, byte[] bytes) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        Yaml yaml = new Yaml(new SafeConstructor(options), new Representer(new DumperOptions()), new DumperOptions(),
                options, new NoTimestampResolver());
        List<Object> documents = new ArrayList<>();
        try {
            yaml.loadAll(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8))
                .forEach(documents::add);
        }
        catch (RuntimeException ex) {
            problem(file, "is not valid YAML: " + ex.getMessage().replaceAll("\\s+", " ").strip());
        }
        return documents;
    }

    /** Copies a parsed document into string-keyed maps, dotted keys expanded, scalars remembering their file. */
    private Object tree(Object node, Path file) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> tree = new LinkedHashMap<>();
            map.forEach((key, value) -> {
                String name = String.valueOf(key);
                Object child = tree(value, file);
                // Spring reads "a.b: 1" as "a: {b: 1}"; "[a.b]" is one key.
                if (name.contains(".") && !name.contains("[")) {
                    String[] parts = name.split("\\.", -1);
                    if (Arrays.stream(parts).anyMatch(String::isEmpty)) {
                        problem(file, "the key '" + name + "' has an empty part between its dots");
                        return;
                    }
                    for (int i = parts.length - 1; i > 0; i--) {
                        Map<String, Object> wrapper = new LinkedHashMap<>();
                        wrapper.put(parts[i], child);
                        child = wrapper;
                    }
                    name = parts[0];
                }
                if (tree.containsKey(name) && tree.get(name) instanceof Map<?, ?> && child instanceof Map<?, ?>) {
                    merge(asMap(tree.get(name)), asMap(child), name);
                }
                else {
                    tree.put(name, child);
                }
            });
            return tree;
        }
        if (node instanceof Collection<?> list) {
            List<Object> tree = new ArrayList<>();
            list.forEach(item -> tree.add(tree(item, file)));
            return tree;
        }
        return new Leaf(node, file);
    }

    private void merge(Map<String, Object> into, Map<String, Object> from, String path) {
        from.forEach((key, value) -> {
            String name = path.isEmpty() ? key : path + "." + key;
            if (!into.containsKey(key)) {
                into.put(key, value);
                return;
            }
            Object existing = into.get(key);
            if (existing instanceof Map<?, ?> && value instanceof Map<?, ?>) {
                merge(asMap(existing), asMap(value), name);
            }
            else if (existing instanceof List<?> && value instanceof List<?> && canonical(name).equals(canonical(ROUTES))) {
                asList(existing).addAll(asList(value));
            }
            else if (existing instanceof List<?> && value instanceof List<?>
                    && canonical(name).equals(canonical(DEFAULT_FILTERS))) {
                asList(value).stream().filter(item -> asList(existing).stream()
                        .noneMatch(present -> plain(present).equals(plain(item))))
                    .forEach(asList(existing)::add);
            }
            else if (!Objects.equals(plain(existing), plain(value))) {
                this.problems.add(new RuleProblem(null, "'" + name + "' is set to " + plain(existing) + " in "
                        + display(fileOf(existing)) + " and to " + plain(value) + " in " + display(fileOf(value))
                        + "; set it in one file only"));
            }
        });
    }

    private Map<String, String> routeFiles(Map<String, Object> merged) {
        Map<String, String> routeFiles = new LinkedHashMap<>();
        Object routes = at(merged, ROUTES);
        if (!(routes instanceof List<?> list)) {
            return routeFiles;
        }
        for (int i = 0; i < list.size(); i++) {
            Object route = list.get(i);
            Object id = route instanceof Map<?, ?> map ? plain(map.get("id")) : null;
            if (plain(route) instanceof String text && text.contains("=")) {
                id = text.substring(0, text.indexOf('=')); // the one-line form "id=uri,Path=/x"
            }
            Path file = fileOf(route);
            if (id == null || id.toString().isBlank()) {
                problem(file, "route #" + (routeIndexInFile(list, i) + 1) + " has no id; every route needs a "
                        + "stable id (it is part of every stored key), such as 'id: orders-create'");
            }
            else if (routeFiles.containsKey(id.toString())) {
                problem(file, "Route '" + id + "' is declared twice (also in " + routeFiles.get(id.toString())
                        + "); route ids must be unique across all rule files");
            }
            else {
                routeFiles.put(id.toString(), display(file));
            }
        }
        return routeFiles;
    }

    private int routeIndexInFile(List<?> routes, int index) {
        Path file = fileOf(routes.get(index));
        int position = 0;
        for (int i = 0; i < index; i++) {
            position += Objects.equals(fileOf(routes.get(i)), file) ? 1 : 0;
        }
        return position;
    }

    // Spring Cloud Gateway 4 read routes from here; 5 silently ignores them.
    private void checkOldPrefix(Map<String, Object> merged) {
        for (String old : List.of("spring.cloud.gateway.routes", "spring.cloud.gateway.default-filters")) {
            Object value = at(merged, old);
            if (value != null) {
                this.problems.add(new RuleProblem(display(fileOf(value)), "'" + old + "' is the Spring Cloud Gateway 4 "
                        + "prefix, which this gateway ignores; write 'spring.cloud.gateway.server.webflux."
                        + old.substring("spring.cloud.gateway.".length()) + "'"));
            }
        }
    }

    /** Spring's flattening (YamlProcessor): {@code a.b}, {@code a[0]}, empty list and null as "". */
    private static void flatten(String path, Object node, Map<String, Object> out) {
        if (node instanceof Map<?, ?> map) {
            map.forEach((key, value) -> {
                String name = key.toString();
                flatten(path.isEmpty() ? name : name.startsWith("[") ? path + name : path + "." + name, value, out);
            });
        }
        else if (node instanceof List<?> list) {
            if (list.isEmpty()) {
                out.put(path, "");
            }
            for (int i = 0; i < list.size(); i++) {
                flatten(path + "[" + i + "]", list.get(i), out);
            }
        }
        else {
            Leaf leaf = (Leaf) node;
            Object value = leaf.value() != null ? leaf.value() : "";
            out.put(path, OriginTrackedValue.of(value, new TextResourceOrigin(new FileSystemResource(leaf.file()), null)));
        }
    }

    private Object at(Map<String, Object> tree, String path) {
        Object node = tree;
        for (String part : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.entrySet().stream().filter(entry -> canonical(entry.getKey().toString()).equals(canonical(part)))
                .map(Map.Entry::getValue).findFirst().orElse(null);
        }
        return node;
    }

    /** The value without file information, for comparing and for messages. */
    private static Object plain(Object node) {
        if (node instanceof Map<?, ?> map) {
            Map<String, Object> plain = new LinkedHashMap<>();
            map.forEach((key, value) -> plain.put(key.toString(), plain(value)));
            return plain;
        }
        if (node instanceof List<?> list) {
            return list.stream().map(RuleSetReader::plain).toList();
        }
        return node instanceof Leaf leaf ? leaf.value() : node;
    }

    private static Path fileOf(Object node) {
        if (node instanceof Leaf leaf) {
            return leaf.file();
        }
        Collection<?> children = node instanceof Map<?, ?> map ? map.values()
                : node instanceof List<?> list ? list : List.of();
        return children.stream().map(RuleSetReader::fileOf).filter(Objects::nonNull).findFirst().orElse(null);
    }

    private String display(Path file) {
        return file == null ? "(unknown file)" : this.files.displayName(file);
    }

    private void problem(Path file, String message) {
        this.problems.add(new RuleProblem(file == null ? null : display(file), message));
    }

    private static String canonical(String name) {
        return NON_CANONICAL.matcher(name.toLowerCase(Locale.ROOT)).replaceAll("");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object node) {
        return (Map<String, Object>) node;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> asList(Object node) {
        return (List<Object>) node;
    }

    /** A scalar and the file it was written in. */
    private record Leaf(Object value, Path file) {
    }

    /** Like Spring Boot's YAML loader: "2024-01-01" stays a string instead of becoming a Date. */
    private static final class NoTimestampResolver extends Resolver {

        @Override
        public void addImplicitResolver(Tag tag, Pattern regexp, String first, int limit) {
            if (tag != Tag.TIMESTAMP) {
                super.addImplicitResolver(tag, regexp, first, limit);
            }
        }
    }
}
