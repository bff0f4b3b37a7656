package dev.idempotency.gateway.config;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every Spring Boot and Spring Cloud Gateway setting that the README, docs/, the chart and the
 * shipped {@code application*.yml} name, as a property or as an environment variable, is one the
 * gateway's own libraries still know. Boot 4 and Gateway 5 renamed many ({@code
 * management.tracing.enabled} is now {@code management.tracing.export.enabled}, Gateway's routes
 * moved under {@code spring.cloud.gateway.server.webflux}), and a setting under an old name binds
 * to nothing: an operator who follows the docs changes nothing and is not told. The list of names
 * is the configuration metadata every library on the class path ships
 * ({@code META-INF/spring-configuration-metadata.json}). The gateway's own {@code idempotency.*}
 * properties are PropertiesReferenceTests' business.
 */
class FrameworkPropertyNamesTests {

    private static final Pattern PROPERTY = Pattern.compile(
            "(?<![\\w./:-])((?:spring|management|server|logging)\\.[a-z0-9][a-z0-9.\\[\\]-]*[a-z0-9\\]*])");

    private static final Pattern ENVIRONMENT_VARIABLE = Pattern.compile(
            "(?<![A-Za-z0-9_])((?:SPRING|MANAGEMENT|SERVER|LOGGING)_[A-Z0-9_]*[A-Z0-9])(_?)(?![A-Za-z0-9])");

    /** Names the docs give on purpose although no library knows them, each with the reason. */
    private static final Map<String, String> NAMED_ON_PURPOSE = Map.of(
            "spring.cloud.gateway.routes", "docs/rules.md says that Gateway 5 ignores this old prefix");

    private static final List<Path> TEXTS = texts();

    private static final Metadata METADATA = Metadata.fromClassPath();

    @Test
    void everyPropertyTheDocsChartAndConfigurationNameIsOneTheLibrariesKnow() throws IOException {
        Map<String, String> problems = new TreeMap<>();
        Map<String, Path> names = propertyNames();
        names.forEach((name, source) -> METADATA.problemWith(name)
            .ifPresent(problem -> problems.put(name, problem + " (" + source + ")")));
        assertThat(names).as("property names found").hasSizeGreaterThan(30)
            .containsKeys("management.observations.enable.lettuce", "spring.data.redis.timeout");
        assertThat(problems).as("settings that bind to nothing in this build").isEmpty();
    }

    @Test
    void everyEnvironmentVariableTheDocsAndChartSetIsOneTheLibrariesKnow() throws IOException {
        Map<String, String> problems = new TreeMap<>();
        Map<String, Path> names = environmentVariables();
        names.forEach((name, source) -> {
            if (!METADATA.knowsEnvironmentVariable(name)) {
                problems.put(name, "no property of this name (" + source + ")");
            }
        });
        assertThat(names).as("environment variables found").hasSizeGreaterThan(15)
            .containsKeys("MANAGEMENT_TRACING_SAMPLING_PROBABILITY", "SPRING_DATA_REDIS_SENTINEL_MASTER");
        assertThat(problems).as("environment variables that bind to nothing in this build").isEmpty();
    }

    /** The check itself: the names Boot 4 and Gateway 5 retired are refused, their successors taken. */
    @Test
    void refusesTheNamesBootAndGatewayRetired() {
        assertThat(METADATA.problemWith("management.tracing.enabled")).get().asString()
            .contains("management.tracing.export.enabled");
        assertThat(METADATA.problemWith("spring.cloud.gateway.observability.enabled")).isPresent();
        assertThat(METADATA.problemWith("management.observations.long-task-timer.enabled")).isPresent();
        assertThat(METADATA.knowsEnvironmentVariable("MANAGEMENT_TRACING_ENABLED")).isFalse();
        assertThat(METADATA.problemWith("management.tracing.export.enabled")).isEmpty();
        assertThat(METADATA.problemWith("spring.cloud.gateway.server.webflux.observability.enabled")).isEmpty();
        assertThat(METADATA.problemWith("logging.level.idempotency.audit")).isEmpty();
        // bound by the filter factory itself, which the metadata names as the group's source
        assertThat(METADATA.problemWith("spring.cloud.gateway.server.webflux.filter.request-rate-limiter.deny-empty-key")).isEmpty();
        assertThat(METADATA.knowsEnvironmentVariable("MANAGEMENT_TRACING_EXPORT_ENABLED")).isTrue();
    }

    private static Map<String, Path> propertyNames() throws IOException {
        Map<String, Path> names = new TreeMap<>();
        for (Path text : TEXTS) {
            Matcher matcher = PROPERTY.matcher(Files.readString(text));
            while (matcher.find()) {
                names.putIfAbsent(matcher.group(1), text);
            }
        }
        try (Stream<Path> files = Files.list(Path.of("src/main/resources"))) {
            for (Path yaml : files.filter(file -> file.getFileName().toString().matches("application.*\\.yml")).toList()) {
                for (PropertySource<?> source : new YamlPropertySourceLoader().load(yaml.toString(), new FileSystemResource(yaml))) {
                    for (String name : ((EnumerablePropertySource<?>) source).getPropertyNames()) {
                        if (PROPERTY.matcher(name).matches()) {
                            names.putIfAbsent(name, yaml);
                        }
                    }
                }
            }
        }
        NAMED_ON_PURPOSE.keySet().forEach(names::remove);
        return names;
    }

    private static Map<String, Path> environmentVariables() throws IOException {
        Map<String, Path> names = new TreeMap<>();
        for (Path text : TEXTS) {
            Matcher matcher = ENVIRONMENT_VARIABLE.matcher(Files.readString(text));
            while (matcher.find()) {
                // SPRING_DATA_REDIS_ in prose stands for every variable under that prefix
                names.putIfAbsent(matcher.group(1) + matcher.group(2), text);
            }
        }
        return names;
    }

    private static List<Path> texts() {
        List<Path> texts = new ArrayList<>(List.of(Path.of("../README.md"), Path.of("../helm/idempotency-gateway/README.md"),
                Path.of("../helm/idempotency-gateway/values.yaml"), Path.of("src/main/resources/application.yml")));
        for (String directory : List.of("../docs", "../helm/idempotency-gateway/templates", "../helm/idempotency-gateway/ci")) {
            try (Stream<Path> files = Files.walk(Path.of(directory))) {
                files.filter(file -> file.getFileName().toString().matches(".*\\.(md|ya?ml|tpl|txt)")).sorted().forEach(texts::add);
            }
            catch (IOException ex) {
                throw new IllegalStateException(ex);
            }
        }
        return texts;
    }

    /** The configuration metadata of every library on the class path, this project's included. */
    private static final class Metadata {

        private final Map<String, JsonNode> properties;

        private final Map<String, String> groupSources;

        /** Every property that still binds, in environment-variable form. */
        private final Set<String> variables = new HashSet<>();

        /** The environment-variable form of every map or list property, with the underscore its entries follow. */
        private final Set<String> entryPrefixes = new HashSet<>();

        private Metadata(Map<String, JsonNode> properties, Map<String, String> groupSources) {
            this.properties = properties;
            this.groupSources = groupSources;
            properties.forEach((name, property) -> {
                if (!retired(property)) {
                    for (String variable : environmentForms(name)) {
                        this.variables.add(variable);
                        if (holdsEntries(property)) {
                            this.entryPrefixes.add(variable + "_");
                        }
                    }
                }
            });
        }

        static Metadata fromClassPath() {
            Map<String, JsonNode> properties = new HashMap<>();
            Map<String, String> groupSources = new HashMap<>();
            JsonMapper json = JsonMapper.builder().build();
            ClassLoader classLoader = FrameworkPropertyNamesTests.class.getClassLoader();
            for (String file : List.of("META-INF/spring-configuration-metadata.json", "META-INF/additional-spring-configuration-metadata.json")) {
                try {
                    Enumeration<URL> resources = classLoader.getResources(file);
                    while (resources.hasMoreElements()) {
                        try (InputStream in = resources.nextElement().openStream()) {
                            JsonNode metadata = json.readTree(in);
                            // additional metadata adds to what the processor wrote (a deprecation, a default)
                            metadata.path("properties").forEach(property -> properties.merge(property.path("name").asString(), property,
                                    (first, second) -> second.has("deprecation") || !first.has("type") ? second : first));
                            metadata.path("groups").forEach(group -> groupSources.putIfAbsent(group.path("name").asString(),
                                    group.path("sourceType").asString("")));
                        }
                    }
                }
                catch (IOException ex) {
                    throw new IllegalStateException(ex);
                }
            }
            return new Metadata(properties, groupSources);
        }

        /** Why setting this name would change nothing, if it would not; {@code a.b.*} stands for the settings under {@code a.b}. */
        Optional<String> problemWith(String mention) {
            String name = withoutIndexes(mention).replaceAll("[.*]+$", "");
            boolean anyUnder = this.groupSources.containsKey(name)
                    || this.properties.keySet().stream().anyMatch(known -> known.startsWith(name + "."));
            if (mention.endsWith(".*")) {
                return anyUnder ? Optional.empty() : Optional.of("no settings under " + name);
            }
            JsonNode property = this.properties.get(name);
            if (property != null) {
                return retired(property)
                        ? Optional.of("retired; its replacement is " + property.path("deprecation").path("replacement").asString("(none)"))
                        : Optional.empty();
            }
            if (anyUnder) {
                return Optional.empty();
            }
            for (String parent = parentOf(name); parent != null; parent = parentOf(parent)) {
                JsonNode parentProperty = this.properties.get(parent);
                if (parentProperty != null) {
                    return holdsEntries(parentProperty) ? Optional.empty()
                            : Optional.of(parent + " is a single value, with no settings under it");
                }
                if (this.groupSources.containsKey(parent)) {
                    return boundBySource(this.groupSources.get(parent), name.substring(parent.length() + 1)) ? Optional.empty()
                            : Optional.of("no property of this name under " + parent);
                }
            }
            return Optional.of("no property of this name");
        }

        /**
         * Whether an environment variable sets a property or an entry of a map or list property, by
         * Spring Boot's relaxed binding (upper case, dots to underscores, dashes dropped or made
         * underscores); one that ends in an underscore stands for the variables under it.
         */
        boolean knowsEnvironmentVariable(String variable) {
            if (variable.endsWith("_")) {
                return this.variables.stream().anyMatch(known -> known.startsWith(variable));
            }
            return this.variables.contains(variable) || this.entryPrefixes.stream().anyMatch(variable::startsWith);
        }

        private static boolean retired(JsonNode property) {
            return "error".equals(property.path("deprecation").path("level").asString(""));
        }

        /** Boot's two forms of a name as a variable: dashes dropped, and (the legacy form) dashes as underscores. */
        private static List<String> environmentForms(String name) {
            String variable = withoutIndexes(name).replace('.', '_').toUpperCase(Locale.ROOT);
            return List.of(variable.replace("-", ""), variable.replace('-', '_'));
        }

        /** {@code routes[0].uri} as {@code routes.uri}: list and map indexes name no property of their own. */
        private static String withoutIndexes(String name) {
            return name.replaceAll("\\[[^\\]]*\\]", "");
        }

        private static String parentOf(String name) {
            int dot = name.lastIndexOf('.');
            return dot < 0 ? null : name.substring(0, dot);
        }

        private static boolean holdsEntries(JsonNode property) {
            String type = property.path("type").asString("");
            return type.startsWith("java.util.Map") || type.startsWith("java.util.List") || type.startsWith("java.util.Set")
                    || type.startsWith("java.util.Collection") || type.endsWith("[]");
        }

        /**
         * A group whose source type binds the setting itself, though the metadata does not list it: a
         * writable bean property whose name in Boot's dashed form is the setting's.
         */
        private static boolean boundBySource(String sourceType, String relativeName) {
            if (sourceType.isEmpty() || relativeName.contains(".") || !ClassUtils.isPresent(sourceType, null)) {
                return false;
            }
            return Arrays.stream(BeanUtils.getPropertyDescriptors(ClassUtils.resolveClassName(sourceType, null)))
                .anyMatch(descriptor -> descriptor.getWriteMethod() != null
                        && DataObjectPropertyName.toDashedForm(descriptor.getName()).equals(relativeName));
        }
    }
}
