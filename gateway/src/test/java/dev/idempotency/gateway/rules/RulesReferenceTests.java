package dev.idempotency.gateway.rules;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.BeanUtils;
import org.springframework.beans.BeanWrapperImpl;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.gateway.ratelimit.Limit;
import dev.idempotency.gateway.ratelimit.RateLimitGatewayFilterFactory;
import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rule reference cannot drift from the code: the JSON Schema editors use, the reference table
 * in docs/rules.md and the Spring configuration metadata each cover every argument of the
 * filters' config classes, with the same defaults and accepted values.
 */
class RulesReferenceTests {

    static final JsonNode SCHEMA = read(Path.of("../config/rules.schema.json"));

    static JsonNode read(Path path) {
        return JsonMapper.builder().build().readTree(path.toFile());
    }

    static List<Arguments> argumentSets() {
        return List.of(Arguments.of("idempotencyArgs", IdempotencyGatewayFilterFactory.Config.class),
                Arguments.of("rateLimitArgs", RateLimitGatewayFilterFactory.Config.class),
                Arguments.of("limit", Limit.class));
    }

    static JsonNode propertiesOf(String definition) {
        return SCHEMA.path("definitions").path(definition).path("properties");
    }

    @ParameterizedTest
    @MethodSource("argumentSets")
    void theSchemaListsExactlyTheArgumentsOfTheConfigClass(String definition, Class<?> config) {
        assertThat(propertiesOf(definition).propertyNames()).containsExactlyInAnyOrderElementsOf(
                AcceptedValues.argumentsOf(config));
    }

    @ParameterizedTest
    @MethodSource("argumentSets")
    void theSchemaDefaultsAreTheConfigDefaults(String definition, Class<?> config) {
        Map<String, Object> defaults = new LinkedHashMap<>();
        propertiesOf(definition).properties().forEach(entry -> {
            JsonNode value = entry.getValue().path("default");
            if (!value.isMissingNode() && !value.asString().isEmpty()) {
                defaults.put(entry.getKey(), value.asString());
            }
        });
        Object bound = new Binder(new MapConfigurationPropertySource(defaults)).bindOrCreate("", Bindable.of(config));
        BeanWrapperImpl fromSchema = new BeanWrapperImpl(bound);
        BeanWrapperImpl fromCode = new BeanWrapperImpl(BeanUtils.instantiateClass(config));
        for (String argument : AcceptedValues.argumentsOf(config)) {
            assertThat(fromSchema.getPropertyValue(argument)).as(definition + "." + argument)
                .isEqualTo(fromCode.getPropertyValue(argument));
        }
    }

    @ParameterizedTest
    @MethodSource("argumentSets")
    void theSchemaEnumsAreTheJavaEnums(String definition, Class<?> config) {
        BeanWrapperImpl wrapper = new BeanWrapperImpl(config);
        propertiesOf(definition).properties().forEach(entry -> {
            Class<?> type = wrapper.getPropertyType(entry.getKey());
            if (type != null && type.isEnum()) {
                assertThat(StreamSupport.stream(entry.getValue().path("enum").spliterator(), false).map(JsonNode::asString))
                    .as(definition + "." + entry.getKey()).containsExactlyElementsOf(AcceptedValues.enumValues(type));
            }
        });
    }

    @ParameterizedTest
    @MethodSource("argumentSets")
    void theReferenceTableInDocsHasARowForEveryArgument(String definition, Class<?> config) throws IOException {
        String docs = Files.readString(Path.of("../docs/rules.md"));
        assertThat(AcceptedValues.argumentsOf(config)).allSatisfy(argument -> assertThat(docs).contains("| `" + argument + "` |"));
    }

    /**
     * The default column of docs/rules.md's tables, where it is one literal, is the schema's default,
     * which the test above holds to the code: a filter's table at a time, since arguments such as
     * failOpen default differently in Idempotency and RateLimit.
     */
    @Test
    void theReferenceTablesLiteralDefaultsAreTheSchemas() throws IOException {
        Pattern row = Pattern.compile("^\\| `([A-Za-z]+)` \\| [^|]+ \\| `([^`]+)` \\|");
        String definition = null;
        int compared = 0;
        for (String line : Files.readAllLines(Path.of("../docs/rules.md"))) {
            if (line.startsWith("## ")) {
                definition = line.equals("## `Idempotency` arguments") ? "idempotencyArgs"
                        : line.equals("## `RateLimit` arguments") ? "rateLimitArgs" : null;
            }
            else if (line.equals("Each limit:") && definition != null) {
                definition = "limit";
            }
            Matcher matcher = row.matcher(line);
            if (definition != null && matcher.find()) {
                JsonNode schemaDefault = propertiesOf(definition).path(matcher.group(1)).path("default");
                if (!schemaDefault.isMissingNode() && !schemaDefault.asString().isEmpty()) {
                    assertThat(matcher.group(2)).as("docs/rules.md, " + definition + "." + matcher.group(1))
                        .isEqualTo(schemaDefault.asString());
                    compared++;
                }
            }
        }
        assertThat(compared).as("defaults compared").isGreaterThanOrEqualTo(20);
    }

    /** docs/rate-limits.md's tables (argument or field, default, meaning) hold the same defaults. */
    @Test
    void theRateLimitGuidesLiteralDefaultsAreTheSchemas() throws IOException {
        Pattern row = Pattern.compile("^\\| `([A-Za-z]+)` \\| `([^`]+)` \\|");
        int compared = 0;
        for (String line : Files.readAllLines(Path.of("../docs/rate-limits.md"))) {
            Matcher matcher = row.matcher(line);
            if (matcher.find()) {
                JsonNode argument = propertiesOf("rateLimitArgs").path(matcher.group(1));
                JsonNode schemaDefault = (argument.isMissingNode() ? propertiesOf("limit").path(matcher.group(1)) : argument)
                    .path("default");
                if (!schemaDefault.isMissingNode() && !schemaDefault.asString().isEmpty()) {
                    assertThat(matcher.group(2)).as("docs/rate-limits.md, " + matcher.group(1)).isEqualTo(schemaDefault.asString());
                    compared++;
                }
            }
        }
        assertThat(compared).as("defaults compared").isGreaterThanOrEqualTo(5);
    }

    @Test
    void everyIdempotencyPropertyHasConfigurationMetadataWithADescription() {
        JsonNode metadata = read(Path.of("target/classes/META-INF/spring-configuration-metadata.json"));
        List<String> names = new ArrayList<>();
        List<String> undocumented = new ArrayList<>();
        metadata.path("properties").forEach(property -> {
            String name = property.path("name").asString();
            if (name.startsWith("idempotency.")) {
                names.add(name);
                if (property.path("description").asString("").isBlank()) {
                    undocumented.add(name);
                }
            }
        });
        assertThat(undocumented).as("idempotency.* properties without a description: document the field (javadoc) "
                + "or add it to META-INF/additional-spring-configuration-metadata.json").isEmpty();
        assertThat(names).contains("idempotency.rules.location", "idempotency.rules.reload-interval")
            .doesNotContain("idempotency.defaults.route-id");
        AcceptedValues.argumentsOf(IdempotencyGatewayFilterFactory.Config.class)
            .forEach(argument -> assertThat(names).contains("idempotency.defaults." + UnknownPropertiesCheck.kebab(argument)));
    }

    @Test
    void everyExampleNamesTheSchemaForEditors() throws IOException {
        try (var files = Files.list(Path.of("../config"))) {
            assertThat(files.filter(file -> file.toString().endsWith(".yml") && !file.endsWith("rate-limits.yml")))
                .isNotEmpty()
                .allSatisfy(file -> assertThat(Files.readAllLines(file).get(0))
                    .isEqualTo("# yaml-language-server: $schema=./rules.schema.json"));
        }
    }
}
