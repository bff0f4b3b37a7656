package dev.idempotency.gateway.problem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.core.ReplayHeaderPolicy;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/http.md cannot drift from the code: its status table has exactly the gateway's problem
 * types with their statuses, and every header it says is never replayed is one the policy drops.
 */
class ProblemTypesReferenceTests {

    /** {@code | 409 | `request-in-progress` | ...}; the first cell may list several statuses. */
    private static final Pattern STATUS_ROW = Pattern.compile("^\\| ([0-9][0-9, .]*) \\| `([a-z-]+)` \\|");

    private static final Pattern HEADER_NAME = Pattern.compile("`([A-Za-z0-9-]+)(\\*?)`");

    @Test
    void theStatusTableHasEveryProblemTypeWithItsStatus() throws IOException {
        Map<String, List<String>> documented = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("../docs/http.md"))) {
            Matcher row = STATUS_ROW.matcher(line);
            if (row.find()) {
                documented.computeIfAbsent(row.group(2), slug -> new ArrayList<>()).add(row.group(1));
            }
        }
        Map<String, String> code = new LinkedHashMap<>();
        for (ProblemType type : ProblemType.values()) {
            String uri = type.type().toString();
            code.put(uri.substring(ProblemType.TYPE_BASE.length()), Integer.toString(type.status().value()));
        }
        assertThat(documented.keySet()).as("problem types in docs/http.md's status table")
            .containsExactlyInAnyOrderElementsOf(code.keySet());
        code.forEach((slug, status) -> assertThat(documented.get(slug)).as(slug)
            .anySatisfy(statuses -> assertThat(statuses.split(", ")).contains(status)));
    }

    @Test
    void everyHeaderListedAsNeverReplayedIsDroppedAndProxyStatusIsKept() throws IOException {
        String page = Files.readString(Path.of("../docs/http.md"));
        String table = page.substring(page.indexOf("### Response headers never stored"), page.indexOf("`Proxy-Status` (RFC 9209)"));
        List<String> names = new ArrayList<>();
        table.lines().filter(line -> line.startsWith("| `")).forEach(line -> {
            Matcher name = HEADER_NAME.matcher(line.substring(0, line.indexOf(" |", 2)));
            while (name.find()) {
                names.add(name.group(1) + (name.group(2).isEmpty() ? "" : "Example"));
            }
        });
        ReplayHeaderPolicy policy = ReplayHeaderPolicy.defaults();
        assertThat(names).hasSizeGreaterThan(15).allSatisfy(name -> assertThat(policy.isReplayable(name, java.util.Set.of()))
            .as(name + " is listed as never replayed").isFalse());
        assertThat(Stream.of("Proxy-Status", "Content-Type", "Location")).allSatisfy(
                name -> assertThat(policy.isReplayable(name, java.util.Set.of())).as(name).isTrue());
    }
}
