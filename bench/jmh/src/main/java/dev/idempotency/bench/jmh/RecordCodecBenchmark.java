package dev.idempotency.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.RecordCodec;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.StoredResponse;

/**
 * The binary record form: a first request encodes the in-flight claim and the completed record;
 * a replay decodes the completed record.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class RecordCodecBenchmark {

    /** 89 bytes is the benchmark upstream's order; 4 KiB a large response. */
    @Param({ "89", "4096" })
    int responseBytes;

    private IdempotencyRecord inFlight;

    private IdempotencyRecord completed;

    private byte[] encodedCompleted;

    @Setup
    public void setUp() {
        RequestFingerprint fingerprint = RequestFingerprint.builder().part("body", "{\"amount\":4200}").build();
        this.inFlight = IdempotencyRecord.inFlight(7L, fingerprint, Instant.parse("2026-11-27T18:00:00Z"));
        byte[] body = "x".repeat(this.responseBytes).getBytes(StandardCharsets.UTF_8);
        StoredResponse response = StoredResponse.builder(201)
            .header("Content-Type", "application/json")
            .header("Location", "/orders/ord_7f3a9c")
            .header("Cache-Control", "no-store")
            .body(body)
            .build();
        this.completed = this.inFlight.complete(response);
        this.encodedCompleted = RecordCodec.encode(this.completed);
    }

    @Benchmark
    public byte[] encodeInFlight() {
        return RecordCodec.encode(this.inFlight);
    }

    @Benchmark
    public byte[] encodeCompleted() {
        return RecordCodec.encode(this.completed);
    }

    @Benchmark
    public IdempotencyRecord decodeCompleted() {
        return RecordCodec.decode(this.encodedCompleted);
    }
}
