package dev.idempotency.gateway.ratelimit;

import org.springframework.http.HttpHeaders;

/**
 * Writes a decision's header fields. The IETF pair follows draft-ietf-httpapi-ratelimit-headers-10
 * (structured-field lists): {@code RateLimit-Policy} lists every limit of the route,
 * {@code RateLimit} reports the binding one. The {@code X-RateLimit-*} family is the one Spring
 * Cloud Gateway's RequestRateLimiter sends, for clients built against it.
 */
final class RateLimitHeaders {

    static final String POLICY = "RateLimit-Policy";

    static final String RATE_LIMIT = "RateLimit";

    static final String REMAINING = "X-RateLimit-Remaining";

    static final String BURST_CAPACITY = "X-RateLimit-Burst-Capacity";

    static final String REQUESTED_TOKENS = "X-RateLimit-Requested-Tokens";

    private RateLimitHeaders() {
    }

    static void write(HttpHeaders headers, RateLimitPolicy policy, RateLimitDecision decision) {
        if (policy.ietfHeaders()) {
            headers.set(POLICY, policy.policyHeader());
            headers.set(RATE_LIMIT, serviceLimit(decision));
        }
        if (policy.legacyHeaders()) {
            headers.set(REMAINING, Long.toString(decision.remaining()));
            headers.set(BURST_CAPACITY, Long.toString(decision.policy().quota()));
            headers.set(REQUESTED_TOKENS, "1");
        }
    }

    // Section 4.1: r is required, t optional; a full bucket has no "more" to announce.
    private static String serviceLimit(RateLimitDecision decision) {
        String item = "\"" + decision.policy().name() + "\";r=" + decision.remaining();
        return decision.untilMore() == null ? item : item + ";t=" + decision.untilMore().toSeconds();
    }
}
