package dev.idempotency.gateway.ops;

import org.springframework.test.web.reactive.server.WebTestClient;

import dev.idempotency.gateway.testsupport.GatewayInstance;

/** The management server of a {@link GatewayInstance} started with {@code management.server.port=0}. */
final class Management {

    private Management() {
    }

    static int port(GatewayInstance gateway) {
        return gateway.managementPort();
    }

    static WebTestClient client(GatewayInstance gateway) {
        return gateway.managementClient();
    }

    /** The value of one sample in {@code /actuator/prometheus}, or {@code null} when it is not there. */
    static Double prometheusSample(String scrape, String sample) {
        return scrape.lines()
            .filter(line -> line.startsWith(sample + " "))
            .map(line -> Double.valueOf(line.substring(sample.length() + 1).trim()))
            .findFirst()
            .orElse(null);
    }
}
