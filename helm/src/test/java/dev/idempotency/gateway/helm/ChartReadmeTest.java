package dev.idempotency.gateway.helm;

import static dev.idempotency.gateway.helm.HelmChart.GATEWAY_CHART;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The README's values table and values.yaml describe the same keys. */
class ChartReadmeTest {

    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\|");

    @Test
    void documentsEveryValueAndNoOther() throws IOException {
        Map<String, Object> values = new Yaml().load(Files.readString(GATEWAY_CHART.resolve("values.yaml")));
        Set<String> paths = new TreeSet<>();
        List<String> leaves = new ArrayList<>();
        collect(values, "", paths, leaves);
        Set<String> rows = tableRows();

        assertThat(leaves).as("values.yaml keys missing from the README's values table")
            .allSatisfy(leaf -> assertThat(rows).anyMatch(row -> leaf.equals(row) || leaf.startsWith(row + ".")));
        assertThat(rows).as("README rows for keys that values.yaml does not have").isSubsetOf(paths);
    }

    private static Set<String> tableRows() throws IOException {
        Set<String> rows = new TreeSet<>();
        boolean inValues = false;
        for (String line : Files.readAllLines(GATEWAY_CHART.resolve("README.md"))) {
            if (line.startsWith("## ")) {
                inValues = line.equals("## Values");
            }
            Matcher row = ROW.matcher(line);
            if (inValues && row.find()) {
                rows.add(row.group(1));
            }
        }
        assertThat(rows).isNotEmpty();
        return rows;
    }

    @SuppressWarnings("unchecked")
    private static void collect(Map<String, Object> map, String prefix, Set<String> paths, List<String> leaves) {
        for (Map.Entry<String, Object> entry : map.entrySet()) {
            String path = prefix + entry.getKey();
            paths.add(path);
            if (entry.getValue() instanceof Map<?, ?> child && !child.isEmpty()) {
                collect((Map<String, Object>) child, path + ".", paths, leaves);
            }
            else {
                leaves.add(path);
            }
        }
    }
}
