package dev.idempotency.gateway.ops;

import dev.idempotency.gateway.testsupport.GatewayInstance;

/**
 * Reading the management server of a {@link GatewayInstance} started with
 * {@code management.server.port=0} (its client and port: {@link GatewayInstance#managementClient()}).
 */
final class Management {

    private Management() {
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
