package dev.idempotency.gateway.ratelimit;

/** Fails a route's RateLimit arguments with a message naming the route, the argument and what is allowed. */
record ArgumentCheck(String routeId) {

    void that(boolean valid, String argument, String rule, Object actual) {
        if (!valid) {
            throw failure(argument, rule, actual);
        }
    }

    IllegalArgumentException failure(String argument, String rule, Object actual) {
        return new IllegalArgumentException("Route '" + this.routeId + "': RateLimit argument '" + argument + "' "
                + rule + " (was " + actual + ")");
    }
}
