package dev.idempotency.gateway.problem;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.core.Ordered;
import org.springframework.http.HttpStatus;
import org.springframework.web.reactive.resource.NoResourceFoundException;
import org.springframework.web.server.ResponseStatusException;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;
import reactor.core.publisher.Mono;

/**
 * Answers every error that escapes the gateway's filters (unknown routes, upstream failures on
 * routes without the Idempotency filter, bugs) with {@code application/problem+json}, so a client
 * sees one error format whatever produced the error. Runs before Spring Boot's default handler.
 */
public class ProblemErrorWebExceptionHandler implements WebExceptionHandler, Ordered {

    private static final Log logger = LogFactory.getLog(ProblemErrorWebExceptionHandler.class);

    @Override
    public int getOrder() {
        return -2;
    }

    @Override
    public Mono<Void> handle(ServerWebExchange exchange, Throwable error) {
        if (exchange.getResponse().isCommitted()) {
            return Mono.error(error);
        }
        Problem problem = problemFor(error, exchange);
        if (problem.status().is5xxServerError()) {
            logger.warn("Request to " + exchange.getRequest().getPath() + " failed: " + error);
        }
        exchange.getResponse().getHeaders().clear();
        return ProblemResponseWriter.write(exchange, problem);
    }

    private static Problem problemFor(Throwable error, ServerWebExchange exchange) {
        if (error instanceof NoResourceFoundException) {
            // Spring's own detail names a static resource and the path after any rewrite (a demo's
            // internal path): the client only needs to know that nothing here serves its request.
            return Problem.of(ProblemType.GATEWAY_ERROR, "No route matches " + exchange.getRequest().getMethod()
                    + " " + exchange.getRequest().getPath().value() + ".").withStatus(HttpStatus.NOT_FOUND);
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException) {
                return Problem.of(ProblemType.UPSTREAM_UNAVAILABLE, "The upstream could not be reached.");
            }
            if (cause instanceof TimeoutException) {
                return Problem.of(ProblemType.UPSTREAM_TIMEOUT, "The upstream did not answer in time.");
            }
        }
        if (error instanceof ResponseStatusException status) {
            int code = status.getStatusCode().value();
            if (code == HttpStatus.GATEWAY_TIMEOUT.value()) {
                return Problem.of(ProblemType.UPSTREAM_TIMEOUT, "The upstream did not answer in time.");
            }
            String reason = status.getReason() != null ? status.getReason() : HttpStatus.valueOf(code).getReasonPhrase();
            return Problem.of(ProblemType.GATEWAY_ERROR, reason).withStatus(status.getStatusCode());
        }
        return Problem.of(ProblemType.GATEWAY_ERROR, "The gateway failed to handle the request.");
    }
}
