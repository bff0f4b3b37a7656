package dev.idempotency.gateway.ratelimit;

import dev.idempotency.gateway.rules.ArgumentProblems;

/**
 * Collects what is wrong with a route's RateLimit arguments, each problem naming the route, the
 * argument and what is allowed; {@link #throwIfAny} reports them all at once.
 */
final class ArgumentCheck {

    private final ArgumentProblems problems;

    ArgumentCheck(String routeId) {
        this.problems = new ArgumentProblems(routeId, "RateLimit");
    }

    /** @return {@code valid}, so that checks which need this one to hold can be skipped */
    boolean that(boolean valid, String argument, String rule, Object actual) {
        this.problems.check(valid, argument, rule, actual);
        return valid;
    }

    void failure(String argument, String rule, Object actual) {
        this.problems.check(false, argument, rule, actual);
    }

    void throwIfAny() {
        this.problems.throwIfAny();
    }
}
