package dev.idempotency.bench.jmh;

import java.nio.charset.StandardCharsets;
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

import dev.idempotency.gateway.core.RequestFingerprint;

/** The request fingerprint (SHA-256 over method, path, query, content type and body): once per idempotent request. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class FingerprintBenchmark {

    /** 90 bytes is the benchmark's order; 4 KiB a large one; 64 KiB a bulk request. */
    @Param({ "90", "4096", "65536" })
    int bodyBytes;

    private byte[] body;

    @Setup
    public void setUp() {
        String order = "{\"customerId\":\"c-42\",\"items\":[{\"sku\":\"A-1\",\"qty\":2}],\"amount\":4200,\"currency\":\"EUR\"}";
        StringBuilder json = new StringBuilder(order);
        while (json.length() < this.bodyBytes) {
            json.append(' ').append(order);
        }
        this.body = json.substring(0, this.bodyBytes).getBytes(StandardCharsets.UTF_8);
    }

    @Benchmark
    public RequestFingerprint fingerprint() {
        return RequestFingerprint.builder()
            .part("method", "POST")
            .part("path", "/orders")
            .part("query", "")
            .part("content-type", "application/json")
            .part("body", this.body)
            .build();
    }
}
