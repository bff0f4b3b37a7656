package dev.idempotency.gateway.faults;

import java.nio.charset.StandardCharsets;

import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.EntityExchangeResult;

import dev.idempotency.gateway.testsupport.GatewayInstance;

/** Sends keyed order requests to one gateway instance. */
record GatewayClient(GatewayInstance gateway) {

    EntityExchangeResult<byte[]> post(String path, String key, String body) {
        return this.gateway.client()
            .post()
            .uri(path)
            .contentType(MediaType.APPLICATION_JSON)
            .header("Idempotency-Key", key)
            .header("X-Client-Id", "client-a")
            .bodyValue(body)
            .exchange()
            .expectBody()
            .returnResult();
    }

    static String body(EntityExchangeResult<byte[]> result) {
        return result.getResponseBody() == null ? "" : new String(result.getResponseBody(), StandardCharsets.UTF_8);
    }
}
