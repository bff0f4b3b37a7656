package dev.idempotency.gateway.identity;

import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemResponseWriter;
import dev.idempotency.gateway.problem.ProblemType;

/**
 * Turns a {@link ClientAuthenticationException} into {@code 401} problem+json with its
 * {@code WWW-Authenticate} challenge. Runs just before the gateway's general problem handler,
 * which would answer every other error and drop the challenge.
 */
public class ClientAuthenticationExceptionHandler implements WebExceptionHandler, Ordered {

    private static final Log logger = LogFactory.getLog(ClientAuthenticationExceptionHandler.class);

    private final List<UnauthenticatedRequestListener> listeners;

    public ClientAuthenticationExceptionHandler(List<UnauthenticatedRequestListener> listeners) {
        this.listeners = List.copyOf(listeners);
    }

    @Override
    public int getOrder() {
        return -3;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (!(error instanceof ClientAuthenticationException unauthenticated) || exchange.getResponse().isCommitted()) {
            return Mono.error(error);
        }
        for (UnauthenticatedRequestListener listener : this.listeners) {
            try {
                listener.onUnauthenticated(exchange, unauthenticated);
            }
            catch (RuntimeException ex) {
                // The 401 is the answer either way; a listener must not turn it into a 500.
                logger.warn("A listener failed on an unauthenticated request: " + ex);
            }
        }
        HttpHeaders headers = exchange.getResponse().getHeaders();
        headers.clear();
        headers.set(HttpHeaders.WWW_AUTHENTICATE, unauthenticated.challenge());
        Problem problem = Problem.of(ProblemType.UNAUTHENTICATED, unauthenticated.getMessage());
        String reason = unauthenticated.reasonCode();
        return ProblemResponseWriter.write(exchange, reason != null ? problem.withExtension("reason", reason) : problem);
    }
}
