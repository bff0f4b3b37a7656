package dev.idempotency.bench.jmh;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyRecord;
import dev.idempotency.gateway.core.RecordCodec;
import dev.idempotency.gateway.core.RequestFingerprint;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.core.StoredResponse;

/**
 * All the core work of one first request and of one replay, in a row: the part of the
 * "+20 us of gateway CPU per request" budget that the core itself spends.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class FirstRequestPathBenchmark {

    private final List<String> keyHeader = List.of("8e7c1f0a-3b9d-4c2e-9f61-2d7a5b0c4e13");

    private final byte[] requestBody = "{\"customerId\":\"c-42\",\"items\":[{\"sku\":\"A-1\",\"qty\":2}],\"amount\":4200,\"currency\":\"EUR\"}"
        .getBytes(StandardCharsets.UTF_8);

    private final byte[] responseBody = "{\"id\":\"ord_7f3a9c\",\"status\":\"created\",\"customerId\":\"c-42\",\"amount\":4200,\"currency\":\"EUR\"}"
        .getBytes(StandardCharsets.UTF_8);

    private final Instant now = Instant.parse("2026-11-27T18:00:00Z");

    private byte[] storedRecord;

    @Setup
    public void setUp() {
        IdempotencyRecord claim = IdempotencyRecord.inFlight(1L, fingerprint(), this.now);
        this.storedRecord = RecordCodec.encode(claim.complete(response()));
    }

    /** Parse the key, fingerprint the request, name the record, encode the claim and the result. */
    @Benchmark
    public byte[] firstRequest(Blackhole blackhole) {
        IdempotencyKey key = IdempotencyKey.parse(this.keyHeader).key();
        RequestFingerprint fingerprint = fingerprint();
        blackhole.consume(new ScopedKey("orders", "client-42", key).storageId());
        IdempotencyRecord claim = IdempotencyRecord.inFlight(1L, fingerprint, this.now);
        blackhole.consume(RecordCodec.encode(claim));
        return RecordCodec.encode(claim.complete(response()));
    }

    /** Parse the key, fingerprint the request, name the record, decode the stored one and compare. */
    @Benchmark
    public boolean replay(Blackhole blackhole) {
        IdempotencyKey key = IdempotencyKey.parse(this.keyHeader).key();
        RequestFingerprint fingerprint = fingerprint();
        blackhole.consume(new ScopedKey("orders", "client-42", key).storageId());
        IdempotencyRecord stored = RecordCodec.decode(this.storedRecord);
        return stored.fingerprint().equals(fingerprint);
    }

    private StoredResponse response() {
        return StoredResponse.builder(201).header("Content-Type", "application/json").body(this.responseBody).build();
    }

    private RequestFingerprint fingerprint() {
        return RequestFingerprint.builder()
            .part("method", "POST")
            .part("path", "/orders")
            .part("query", "")
            .part("content-type", "application/json")
            .part("body", this.requestBody)
            .build();
    }
}
