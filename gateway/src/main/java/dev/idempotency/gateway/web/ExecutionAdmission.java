package dev.idempotency.gateway.web;

import java.util.Optional;

import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;

import dev.idempotency.gateway.problem.Problem;

/**
 * A check that an earlier filter leaves in the exchange's attributes for the Idempotency filter to
 * run only once it knows the request will execute upstream: not for replays, conflicts or
 * mismatches. A rate limiter whose route lets replays through for free uses it.
 *
 * <p>When it refuses, the Idempotency filter releases the key it claimed (nothing was executed)
 * and answers with the returned problem; a refusal is never stored as the key's result.
 */
@FunctionalInterface
public interface ExecutionAdmission {

    String ATTRIBUTE = ExecutionAdmission.class.getName();

    /** @return empty to admit the request, or the problem to answer with instead */
    Mono<Optional<Problem>> admit(ServerWebExchange exchange);
}
