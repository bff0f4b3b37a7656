package dev.idempotency.gateway.identity;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.web.problem.Problem;
import dev.idempotency.gateway.web.problem.ProblemResponseWriter;
import dev.idempotency.gateway.web.problem.ProblemType;

/**
 * Turns a {@link ClientAuthenticationException} into {@code 401} problem+json with its
 * {@code WWW-Authenticate} challenge. Runs just before the gateway's general problem handler,
 * which would answer every other error and drop the challenge.
 */
public class ClientAuthenticationExceptionHandler implements WebExceptionHandler, Ordered {

    @Override
    public int getOrder() {
        return -3;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (!(error instanceof ClientAuthenticationException unauthenticated) || exchange.getResponse().isCommitted()) {
            return Mono.error(error);
        }
        HttpHeaders headers = exchange.getResponse().getHeaders();
        headers.clear();
        headers.set(HttpHeaders.WWW_AUTHENTICATE, unauthenticated.challenge());
        return ProblemResponseWriter.write(exchange,
                Problem.of(ProblemType.UNAUTHENTICATED, unauthenticated.getMessage()));
    }
}
