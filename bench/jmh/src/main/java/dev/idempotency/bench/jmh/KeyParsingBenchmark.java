package dev.idempotency.bench.jmh;

import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.ScopedKey;

/**
 * Parsing the Idempotency-Key header, and naming the record by the scoped key's storage id
 * (SHA-256 over route, client and key): both once per idempotent request.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class KeyParsingBenchmark {

    private final String bareUuid = "8e7c1f0a-3b9d-4c2e-9f61-2d7a5b0c4e13";

    private final String quotedUuid = "\"8e7c1f0a-3b9d-4c2e-9f61-2d7a5b0c4e13\"";

    private final List<String> fieldLines = List.of(this.bareUuid);

    private final String longKey = "k".repeat(IdempotencyKey.MAX_LENGTH);

    private final IdempotencyKey key = IdempotencyKey.of(this.bareUuid);

    @Benchmark
    public KeyParseResult bareUuid() {
        return IdempotencyKey.parse(this.bareUuid);
    }

    @Benchmark
    public KeyParseResult quotedUuid() {
        return IdempotencyKey.parse(this.quotedUuid);
    }

    /** As the filter calls it: the header's field lines. */
    @Benchmark
    public KeyParseResult fieldLines() {
        return IdempotencyKey.parse(this.fieldLines);
    }

    @Benchmark
    public KeyParseResult longestKey() {
        return IdempotencyKey.parse(this.longKey);
    }

    // A new ScopedKey each time, as per request: a key remembers the id it was last given.
    @Benchmark
    public String storageId() {
        return new ScopedKey("orders", "client-42", this.key).storageId();
    }
}
