package dev.idempotency.gateway.web;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.TimeoutException;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import dev.idempotency.gateway.problem.Problem;
import dev.idempotency.gateway.problem.ProblemType;

/**
 * Classifies why forwarding failed: either the request certainly never reached the upstream
 * (it could not connect), or it may have been executed without the gateway seeing the result.
 */
record UpstreamFailure(boolean maybeExecuted, boolean timedOut) {

    /**
     * @param requestSent whether the HTTP client began writing the request; if not, no failure can
     * mean the upstream executed it (a timeout while connecting included)
     */
    static UpstreamFailure of(Throwable error, boolean requestSent) {
        if (!requestSent) {
            return new UpstreamFailure(false, false);
        }
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            if (cause instanceof ConnectException || cause instanceof UnknownHostException
                    || cause instanceof UnresolvedAddressException) {
                return new UpstreamFailure(false, false);
            }
            if (cause instanceof TimeoutException) {
                return new UpstreamFailure(true, true);
            }
            if (cause instanceof ResponseStatusException status) {
                // Spring Cloud Gateway reports its response timeout as 504 and "no instance" as 503.
                if (status.getStatusCode().value() == HttpStatus.GATEWAY_TIMEOUT.value()) {
                    return new UpstreamFailure(true, true);
                }
                if (status.getStatusCode().value() == HttpStatus.SERVICE_UNAVAILABLE.value()) {
                    return new UpstreamFailure(false, false);
                }
            }
        }
        // Reset or closed after the request went out: the upstream may have processed it.
        return new UpstreamFailure(true, false);
    }

    /** The problem the client gets when the key is released and a retry may execute again. */
    Problem retryableProblem() {
        if (this.timedOut) {
            return Problem.of(ProblemType.UPSTREAM_TIMEOUT,
                    "The upstream did not answer in time. The key was released: a retry with the same key executes again.");
        }
        return Problem.of(ProblemType.UPSTREAM_UNAVAILABLE, this.maybeExecuted
                ? "The connection to the upstream failed before a complete response. The key was released: a retry with the same key executes again."
                : "The upstream could not be reached; the request was not sent. Retry with the same key.");
    }

    /** The problem stored as the key's result when the outcome is unknown and must not be repeated. */
    Problem outcomeUnknownProblem() {
        Problem problem = Problem.of(ProblemType.UPSTREAM_OUTCOME_UNKNOWN, (this.timedOut
                ? "The upstream did not answer in time"
                : "The connection to the upstream failed before a complete response")
                + "; it may have executed the request. This result is stored for the key so the request is never executed twice: check the resource's state, and send a new key only if it was not created.");
        return this.timedOut ? problem : problem.withStatus(HttpStatus.BAD_GATEWAY);
    }
}
