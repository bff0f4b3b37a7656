package dev.idempotency.gateway.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

import dev.idempotency.gateway.events.IdempotencyOutcome;
import dev.idempotency.gateway.events.KeySettlement;
import dev.idempotency.gateway.ops.metrics.TagValues;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/operations.md's metrics table names every outcome and settlement the code can tag a sample with. */
class MetricsReferenceTests {

    @Test
    void everyOutcomeAndSettlementIsInTheMetricsTable() throws IOException {
        String requests = row("idempotency_requests_total");
        assertThat(Stream.of(IdempotencyOutcome.values()).map(TagValues::of))
            .allSatisfy(outcome -> assertThat(requests).as("idempotency_requests_total row").contains("`" + outcome + "`"));
        assertThat(requests).contains("`" + TagValues.OBSERVED_ONLY + "`");
        String settlements = row("idempotency_settlements_total");
        assertThat(Stream.of(KeySettlement.values()).map(TagValues::of))
            .allSatisfy(settlement -> assertThat(settlements).as("idempotency_settlements_total row")
                .contains("`" + settlement + "`"));
    }

    private static String row(String metric) throws IOException {
        return Files.readAllLines(Path.of("../docs/operations.md")).stream()
            .filter(line -> line.startsWith("| `" + metric + "`"))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no row for " + metric + " in docs/operations.md"));
    }
}
