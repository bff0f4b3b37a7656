package dev.idempotency.gateway.web;

import java.time.Duration;
import java.util.List;

import dev.idempotency.gateway.rules.ArgumentProblems;

/**
 * The checks of one route's Idempotency arguments, run before they are frozen into an
 * {@link IdempotencyPolicy}: every problem at once, each naming the route, the argument and what
 * is allowed, so an invalid rule fails when the route is built (or validated offline), never on a request.
 */
final class IdempotencyArgumentChecks {

    private IdempotencyArgumentChecks() {
    }

    /**
     * Fails with every problem of these arguments, each naming the route, the argument and what
     * is allowed ({@link ArgumentProblems.InvalidArgumentsException}).
     */
    static void check(IdempotencyGatewayFilterFactory.Config config) {
        ArgumentProblems problems = new ArgumentProblems(config.getRouteId(), "Idempotency");
        problems.check(isPositive(config.getTtl()), "ttl", "must be a positive duration such as 24h", config.getTtl());
        problems.check(isPositive(config.getLockTimeout()), "lockTimeout",
                "must be a positive duration such as 30s", config.getLockTimeout());
        problems.check(config.getMethods() != null && !config.getMethods().isEmpty(), "methods",
                "must name at least one HTTP method", config.getMethods());
        problems.check(config.getHeaderName() != null && !config.getHeaderName().isBlank(), "headerName", "must not be blank",
                config.getHeaderName());
        problems.check(config.getMaxRequestBodySize() != null && !config.getMaxRequestBodySize().isNegative(),
                "maxRequestBodySize", "must be zero or more, such as 1MB", config.getMaxRequestBodySize());
        problems.check(config.getMaxResponseBodySize() != null && !config.getMaxResponseBodySize().isNegative(),
                "maxResponseBodySize", "must be zero or more, such as 1MB", config.getMaxResponseBodySize());
        if (config.getReleaseStatuses() == null) {
            problems.add("releaseStatuses", "must list statuses such as 503, 5xx or 500-599");
        }
        else {
            StatusRange.problems(config.getReleaseStatuses()).forEach(problem -> problems.add("releaseStatuses", problem));
        }
        problems.check(config.getAmbiguousOutcome() != null, "ambiguousOutcome", "must be one of store, release", null);
        KeyParts.check(config.getKeySource(), config.getQueryParameter(), config.getJsonPointer(), problems);
        problems.check(config.getJsonPointer() == null || JsonBodyKeys.isValidPointer(config.getJsonPointer()), "jsonPointer",
                "must be an RFC 6901 JSON Pointer: empty or '/'-separated tokens, '~' only as ~0 or ~1, such as /client_order_id",
                config.getJsonPointer());
        problems.check(config.getFingerprintParts() != null && config.getFingerprintHeaders() != null, "fingerprintParts",
                "must list parts from method, path, query, content-type, body", config.getFingerprintParts());
        problems.check(config.getBodyComparison() != null, "bodyComparison", "must be one of bytes, canonical-json", null);
        checkBodyPointers(config, problems, "fingerprintJsonPointers", config.getFingerprintJsonPointers());
        checkBodyPointers(config, problems, "fingerprintIgnoreJsonPointers", config.getFingerprintIgnoreJsonPointers());
        problems.check(config.getFingerprintJsonPointers().isEmpty() || config.getFingerprintIgnoreJsonPointers().isEmpty(),
                "fingerprintJsonPointers", "and 'fingerprintIgnoreJsonPointers' exclude each other: name the parts "
                        + "that count or the parts that do not", config.getFingerprintJsonPointers() + " and "
                        + config.getFingerprintIgnoreJsonPointers());
        problems.check(config.getMode() != null, "mode", "must be one of enforce, observe", null);
        problems.check(config.getConcurrent() != null, "concurrent", "must be one of reject, wait", null);
        problems.check(config.getWaitTimeout() != null && !config.getWaitTimeout().isNegative(), "waitTimeout",
                "must be zero or a positive duration such as 10s", config.getWaitTimeout());
        problems.check(isPositive(config.getExecutionTimeout()), "executionTimeout",
                "must be a positive duration such as 5m", config.getExecutionTimeout());
        problems.check(config.getMaxInFlightPerClient() >= 0, "maxInFlightPerClient",
                "must be zero (no limit) or a positive number of keys such as 100", config.getMaxInFlightPerClient());
        problems.throwIfAny();
    }

    private static void checkBodyPointers(IdempotencyGatewayFilterFactory.Config config, ArgumentProblems problems,
            String argument, List<String> pointers) {
        if (pointers == null || pointers.isEmpty()) {
            return;
        }
        for (String pointer : pointers) {
            problems.check(!pointer.isEmpty() && JsonBodyKeys.isValidPointer(pointer), argument,
                    "must list RFC 6901 JSON Pointers to parts of the body, such as /amount or /items/0/sku", pointer);
        }
        problems.check(config.getBodyComparison() == BodyComparison.CANONICAL_JSON, argument,
                "needs bodyComparison: canonical-json (parts of a body are compared as JSON)", config.getBodyComparison());
        problems.check(config.getFingerprintParts() == null || config.getFingerprintParts().contains(FingerprintPart.BODY),
                argument, "needs body in fingerprintParts", config.getFingerprintParts());
    }

    private static boolean isPositive(Duration duration) {
        return duration != null && !duration.isNegative() && !duration.isZero();
    }
}
