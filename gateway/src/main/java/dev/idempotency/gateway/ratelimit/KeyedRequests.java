package dev.idempotency.gateway.ratelimit;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import org.springframework.http.server.reactive.ServerHttpRequest;

/**
 * Which requests the Idempotency filter will key, and so later admit or replay: a protected
 * method carrying the key header. Taken from {@code idempotency.defaults.methods} and
 * {@code header-name}. A route whose Idempotency filter protects other methods or reads another
 * header is still limited: requests this misjudges as keyed and that then go upstream
 * unprotected are charged afterwards (see {@link RateLimitGatewayFilter}).
 */
final class KeyedRequests {

    private final Set<String> methods;

    private final String headerName;

    KeyedRequests(Set<String> methods, String headerName) {
        this.methods = methods.stream().map(method -> method.toUpperCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        this.headerName = headerName;
    }

    boolean matches(ServerHttpRequest request) {
        return this.methods.contains(request.getMethod().name()) && request.getHeaders().containsHeader(this.headerName);
    }
}
