package dev.idempotency.bench.baseline;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * Bare Spring Cloud Gateway: the starter, one route from {@code application.yml}, no code of its
 * own. bench/run measures it as scenario 0, the floor every other gateway scenario is compared with
 * (× bare, Δ CPU µs per request).
 */
@SpringBootApplication
public class BaselineGateway {

    public static void main(String[] args) {
        SpringApplication.run(BaselineGateway.class, args);
    }

}
