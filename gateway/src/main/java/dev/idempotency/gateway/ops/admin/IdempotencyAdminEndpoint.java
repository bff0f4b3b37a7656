package dev.idempotency.gateway.ops.admin;

import java.time.Clock;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.IdempotencyStore;
import dev.idempotency.gateway.core.ScopedKey;
import dev.idempotency.gateway.ops.audit.AuditLog;

/**
 * {@code /actuator/idempotency} on the management port: inspect ({@code GET}) and purge
 * ({@code DELETE}) one key, named by {@code route}, {@code client} and {@code key} query
 * parameters (the key as the client meant it, without sf-string quotes). Both are audited.
 * A route id the gateway does not have is {@code 404 route-unknown}, never "absent": a typo must
 * not look like a key that is free. {@code docs/admin-api.yaml} describes the API.
 *
 * <p>Every operation first checks the mark {@link AdminTokenFilter} leaves for a valid token.
 */
@Endpoint(id = IdempotencyAdminEndpoint.ID)
public class IdempotencyAdminEndpoint {

    static final String ID = "idempotency";

    private final IdempotencyStore store;

    private final AuditLog audit;

    private final Clock clock;

    private final RouteLocator routes;

    IdempotencyAdminEndpoint(IdempotencyStore store, AuditLog audit, Clock clock, RouteLocator routes) {
        this.store = store;
        this.audit = audit;
        this.clock = clock;
        this.routes = routes;
    }

    /** The key's record: 200 with state, fingerprint, times and status; 404 when the key is free. */
    @ReadOperation
    public Mono<WebEndpointResponse<Object>> inspect(String route, String client, String key,
            @Nullable Boolean includeBody) {
        boolean withBody = Boolean.TRUE.equals(includeBody);
        return authenticated(known(route, parsed(key, idempotencyKey -> this.store.inspect(new ScopedKey(route, client, idempotencyKey))
            .map(inspected -> InspectedKey.of(route, inspected, this.clock.instant(), withBody))
            .doOnSuccess(found -> this.audit.adminInspected(route, client, idempotencyKey, found != null, withBody))
            .map(found -> new WebEndpointResponse<Object>(found, WebEndpointResponse.STATUS_OK))
            .defaultIfEmpty(notFound(route)))));
    }

    /** Deletes the key's record whatever its state: its next request executes again. 404 when there was none. */
    @DeleteOperation
    public Mono<WebEndpointResponse<Object>> purge(String route, String client, String key) {
        return authenticated(known(route, parsed(key, idempotencyKey -> this.store.purge(new ScopedKey(route, client, idempotencyKey))
            .doOnNext(purged -> this.audit.adminPurged(route, client, idempotencyKey, purged))
            .map(purged -> purged
                    ? new WebEndpointResponse<Object>(Map.of("route", route, "purged", true), WebEndpointResponse.STATUS_OK)
                    : notFound(route)))));
    }

    private static Mono<WebEndpointResponse<Object>> authenticated(Mono<WebEndpointResponse<Object>> operation) {
        return Mono.deferContextual(context -> context.hasKey(AdminTokenFilter.AUTHENTICATED) ? operation
                : Mono.just(AdminProblem.UNAUTHORIZED.response("The admin API needs 'Authorization: Bearer <token>'.")));
    }

    /** The operation, when the gateway currently has a route with this id (reloaded rules count). */
    private Mono<WebEndpointResponse<Object>> known(String route, Mono<WebEndpointResponse<Object>> operation) {
        return this.routes.getRoutes().map(Route::getId).collectList().flatMap(ids -> ids.contains(route) ? operation
                : Mono.just(AdminProblem.ROUTE_UNKNOWN.response("The gateway has no route '" + route + "'; its routes are: "
                        + ids.stream().sorted().collect(Collectors.joining(", ")) + ".")));
    }

    private static Mono<WebEndpointResponse<Object>> parsed(String key,
            Function<IdempotencyKey, Mono<WebEndpointResponse<Object>>> operation) {
        KeyParseResult parsed = IdempotencyKey.validate(key);
        if (!parsed.isValid()) {
            return Mono.just(AdminProblem.KEY_INVALID.response(parsed.problem().describe("key parameter") + "."));
        }
        return Mono.defer(() -> operation.apply(parsed.key()));
    }

    private static WebEndpointResponse<Object> notFound(String route) {
        return new WebEndpointResponse<>(Map.of("route", route, "state", "absent"), WebEndpointResponse.STATUS_NOT_FOUND);
    }
}
