package dev.idempotency.gateway.demo;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * A stand-in for a legacy order API, active only with the {@code demo} profile: every POST creates
 * a new order id, so a second execution would be visible at once.
 */
@Configuration(proxyBeanMethods = false)
@Profile("demo")
public class DemoOrderService {

    private final AtomicLong executions = new AtomicLong();

    @Bean
    RouterFunction<ServerResponse> demoOrders() {
        return RouterFunctions.route()
            .POST("/demo-upstream/orders", request -> request.bodyToMono(String.class)
                .defaultIfEmpty("")
                .flatMap(body -> ServerResponse.status(HttpStatus.CREATED)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue(Map.of("orderId", UUID.randomUUID().toString(), "execution",
                            this.executions.incrementAndGet(), "createdAt", Instant.now().toString(),
                            "request", body))))
            .build();
    }
}
