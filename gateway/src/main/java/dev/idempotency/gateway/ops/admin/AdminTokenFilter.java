package dev.idempotency.gateway.ops.admin;

import java.nio.charset.StandardCharsets;

import org.springframework.context.ApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Authenticates requests on the management server. A valid bearer token marks the request's
 * Reactor context, which {@link IdempotencyAdminEndpoint} requires; a request for the admin
 * endpoint without one gets 401 {@code application/problem+json} here. The endpoint's own check
 * is the boundary: a path spelled so that this filter does not recognise it still finds no mark.
 *
 * <p>Defined in the gateway's context, the filter also sees the traffic port's requests (a child
 * management context inherits web filters); it leaves every one of them alone.
 */
final class AdminTokenFilter implements WebFilter, Ordered {

    /** The Reactor context key of an authenticated admin request. */
    static final String AUTHENTICATED = AdminTokenFilter.class.getName() + ".authenticated";

    private static final byte[] UNAUTHORIZED = ("{\"type\":\"" + AdminProblem.UNAUTHORIZED.type() + "\","
            + "\"title\":\"" + AdminProblem.UNAUTHORIZED.title() + "\",\"status\":401,"
            + "\"detail\":\"The admin API needs 'Authorization: Bearer <token>' with the token configured as "
            + AdminProperties.PREFIX + ".token.\"}").getBytes(StandardCharsets.UTF_8);

    private final ApplicationContext trafficContext;

    private final AdminToken token;

    private final String endpointPath;

    AdminTokenFilter(ApplicationContext trafficContext, AdminToken token, String endpointPath) {
        this.trafficContext = trafficContext;
        this.token = token;
        this.endpointPath = endpointPath;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        if (exchange.getApplicationContext() == this.trafficContext) {
            return chain.filter(exchange);
        }
        if (this.token.accepts(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION))) {
            return chain.filter(exchange).contextWrite(context -> context.put(AUTHENTICATED, Boolean.TRUE));
        }
        return isAdminEndpoint(exchange) ? unauthorized(exchange) : chain.filter(exchange);
    }

    private boolean isAdminEndpoint(ServerWebExchange exchange) {
        String path = exchange.getRequest().getPath().pathWithinApplication().value();
        return path.equals(this.endpointPath) || path.startsWith(this.endpointPath + "/");
    }

    private static Mono<Void> unauthorized(ServerWebExchange exchange) {
        ServerHttpResponse response = exchange.getResponse();
        response.setStatusCode(HttpStatus.UNAUTHORIZED);
        HttpHeaders headers = response.getHeaders();
        headers.setContentType(MediaType.APPLICATION_PROBLEM_JSON);
        headers.setContentLength(UNAUTHORIZED.length);
        headers.setCacheControl("no-store");
        headers.set(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"idempotency-admin\"");
        return response.writeWith(Mono.just(response.bufferFactory().wrap(UNAUTHORIZED)));
    }
}
