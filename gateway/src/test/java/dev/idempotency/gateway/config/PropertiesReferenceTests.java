package dev.idempotency.gateway.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/properties.md cannot drift from the code: it has a row for every {@code idempotency.*}
 * property in the Spring configuration metadata, and no row for one that is gone. Route-argument
 * defaults ({@code idempotency.defaults.*}, {@code idempotency.rate-limit.defaults.*}) are one row
 * each here; their arguments are checked against rules.md by RulesReferenceTests.
 */
class PropertiesReferenceTests {

    private static final Pattern ROW = Pattern.compile("^\\| `(idempotency\\.[a-z0-9.-]+)(\\.\\*)?` \\|");

    private static final Pattern ROW_WITH_LITERAL_DEFAULT = Pattern.compile("^\\| `(idempotency\\.[a-z0-9.-]+)` \\| `([^`]+)` \\|");

    private static final List<String> ARGUMENT_DEFAULTS = List.of("idempotency.defaults.", "idempotency.rate-limit.defaults.");

    @Test
    void everyPropertyHasARowAndEveryRowAProperty() throws IOException {
        List<String> metadata = new ArrayList<>();
        JsonMapper.builder().build()
            .readTree(Path.of("target/classes/META-INF/spring-configuration-metadata.json").toFile())
            .path("properties")
            .forEach(property -> {
                String name = property.path("name").asString();
                if (name.startsWith("idempotency.") && ARGUMENT_DEFAULTS.stream().noneMatch(name::startsWith)) {
                    metadata.add(name);
                }
            });
        List<String> rows = new ArrayList<>();
        List<String> wildcardRows = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("../docs/properties.md"))) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                (row.group(2) == null ? rows : wildcardRows).add(row.group(1));
            }
        }
        assertThat(rows).as("properties without a row in docs/properties.md: add one")
            .containsAll(metadata);
        assertThat(metadata).as("rows in docs/properties.md for properties the code no longer has")
            .containsAll(rows);
        assertThat(wildcardRows).containsExactlyInAnyOrder("idempotency.defaults", "idempotency.rate-limit.defaults");
    }

    /**
     * A row's default, where it is one literal ({@code `5s`}), is the default the code has: the
     * value the configuration processor read from the field's initializer.
     */
    @Test
    void everyLiteralDefaultIsTheCodesDefault() throws IOException {
        Map<String, String> codeDefaults = new HashMap<>();
        JsonMapper.builder().build()
            .readTree(Path.of("target/classes/META-INF/spring-configuration-metadata.json").toFile())
            .path("properties")
            .forEach(property -> {
                if (property.has("defaultValue") && !property.path("defaultValue").isNull()) {
                    codeDefaults.put(property.path("name").asString(), property.path("defaultValue").asString());
                }
            });
        int compared = 0;
        for (String line : Files.readAllLines(Path.of("../docs/properties.md"))) {
            Matcher row = ROW_WITH_LITERAL_DEFAULT.matcher(line);
            if (row.find() && codeDefaults.containsKey(row.group(1))) {
                assertThat(row.group(2)).as("docs/properties.md's default of " + row.group(1))
                    .isEqualTo(codeDefaults.get(row.group(1)));
                compared++;
            }
        }
        assertThat(compared).as("rows compared").isGreaterThanOrEqualTo(15);
    }
}
