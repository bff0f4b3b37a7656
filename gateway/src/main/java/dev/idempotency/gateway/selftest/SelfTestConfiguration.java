package dev.idempotency.gateway.selftest;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.filter.GatewayFilter;
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
import reactor.core.publisher.Flux;

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
        GatewayFilter filter = idempotency.apply(config);
        // Built when the routes are read, after the server has started: local.server.port is then the
        // port actually bound, also when server.port is 0.
        return () -> Flux.defer(() -> routes.routes()
            .route(ROUTE_ID, route -> route.order(Ordered.HIGHEST_PRECEDENCE)
                .path(PATH)
                .filters(filters -> filters.filter(filter).setPath(UPSTREAM_PATH))
                .uri("http://localhost:" + environment.getProperty("local.server.port",
                        environment.getProperty("server.port", "8080"))))
            .build()
            .getRoutes());
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
