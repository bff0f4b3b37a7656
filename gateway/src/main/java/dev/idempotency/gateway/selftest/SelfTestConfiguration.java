package dev.idempotency.gateway.selftest;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.env.Environment;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

import dev.idempotency.gateway.web.IdempotencyGatewayFilterFactory;

/**
 * The self-test route (see {@link SelfTestProperties}): {@value #PATH} runs through the real
 * Idempotency filter and the real store, then reaches {@value #UPSTREAM_PATH} on this very server
 * instead of a user's upstream. The upstream answers every execution with a fresh id, so a replay
 * is told from a second execution by its body alone. A route of its own (not a rule in the rules
 * file), first in order, so that neither the rules nor a reload can shadow or remove it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(SelfTestProperties.PREFIX + ".enabled")
@EnableConfigurationProperties(SelfTestProperties.class)
public class SelfTestConfiguration {

    public static final String ROUTE_ID = "idempotency-self-test";

    public static final String PATH = "/idempotency-gateway/self-test";

    static final String UPSTREAM_PATH = "/idempotency-gateway/self-test-upstream";

    /** Long enough for a `helm test` run, short enough that its records do not pile up. */
    static final Duration TTL = Duration.ofMinutes(10);

    private final AtomicLong executions = new AtomicLong();

    @Bean
    RouteLocator selfTestRoute(RouteLocatorBuilder routes, IdempotencyGatewayFilterFactory idempotency,
            SelfTestProperties properties, Environment environment) {
        IdempotencyGatewayFilterFactory.Config config = idempotency.newConfig()
            .setRequired(true)
            .setTtl(TTL)
            .setClientIdentity(properties.getClientIdentity());
        config.setRouteId(ROUTE_ID);
        String self = "http://localhost:" + environment.getProperty("server.port", "8080");
        return routes.routes()
            .route(ROUTE_ID, route -> route.order(Ordered.HIGHEST_PRECEDENCE)
                .path(PATH)
                .filters(filters -> filters.filter(idempotency.apply(config)).setPath(UPSTREAM_PATH))
                .uri(self))
            .build();
    }

    @Bean
    RouterFunction<ServerResponse> selfTestUpstream() {
        return RouterFunctions.route()
            .POST(UPSTREAM_PATH, request -> request.bodyToMono(String.class)
                .defaultIfEmpty("")
                .flatMap(body -> ServerResponse.status(HttpStatus.CREATED)
                    .contentType(MediaType.APPLICATION_JSON)
                    .bodyValue("{\"execution\":" + this.executions.incrementAndGet() + ",\"id\":\"" + UUID.randomUUID()
                            + "\",\"requestBytes\":" + body.length() + "}")))
            .build();
    }
}
