package dev.idempotency.gateway.core;

import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * Decides which upstream response headers are stored and replayed. Never replayed: hop-by-hop
 * fields (RFC 9110 section 7.6.1) and any the {@code Connection} field names, framing fields the
 * replay recomputes, {@code Set-Cookie} (a session must not be handed out twice), {@code Date}
 * (a replay is a new message) and rate-limit fields (they describe the moment of the first request).
 *
 * <p>{@code Proxy-*} fields are treated as hop by hop ({@code Proxy-Authenticate}, {@code Proxy-Connection}
 * and unregistered ones describe one proxy's connection), except {@code Proxy-Status} (RFC 9209): it
 * is end to end, saying how the proxies on the way handled the response, so it is replayed with it.
 */
public final class ReplayHeaderPolicy {

    public static final String REPLAYED_HEADER = "Idempotent-Replayed";

    // Case-insensitive sets: header names arrive in any case, and lower-casing each one allocates.
    private static final Set<String> NEVER_REPLAYED = caseInsensitive(List.of("connection", "keep-alive",
            "te", "trailer", "transfer-encoding", "upgrade",
            "content-length", "set-cookie", "set-cookie2", "date", "ratelimit", "ratelimit-policy", "ratelimit-limit",
            "ratelimit-remaining", "ratelimit-reset", "retry-after", "idempotent-replayed"));

    private static final String RATE_LIMIT_PREFIX = "x-ratelimit-";

    private static final String PROXY_PREFIX = "proxy-";

    private static final String PROXY_STATUS = "Proxy-Status";

    private static final ReplayHeaderPolicy DEFAULT = new ReplayHeaderPolicy(caseInsensitive(List.of()));

    private final Set<String> alsoExcluded;

    private ReplayHeaderPolicy(Set<String> alsoExcluded) {
        this.alsoExcluded = alsoExcluded;
    }

    public static ReplayHeaderPolicy defaults() {
        return DEFAULT;
    }

    /** The default policy plus header names a route adds (case-insensitive). */
    public static ReplayHeaderPolicy excluding(Collection<String> headerNames) {
        return new ReplayHeaderPolicy(caseInsensitive(headerNames));
    }

    private static Set<String> caseInsensitive(Collection<String> names) {
        TreeSet<String> set = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        set.addAll(names);
        return Collections.unmodifiableSet(set);
    }

    /**
     * @param name a header name
     * @param connectionTokens the lower-case tokens of the response's {@code Connection} field
     */
    public boolean isReplayable(String name, Set<String> connectionTokens) {
        return !NEVER_REPLAYED.contains(name) && !name.regionMatches(true, 0, RATE_LIMIT_PREFIX, 0, RATE_LIMIT_PREFIX.length())
                && !isHopByHopProxyField(name) && !this.alsoExcluded.contains(name)
                && (connectionTokens.isEmpty() || !connectionTokens.contains(name.toLowerCase(Locale.ROOT)));
    }

    private static boolean isHopByHopProxyField(String name) {
        return name.regionMatches(true, 0, PROXY_PREFIX, 0, PROXY_PREFIX.length()) && !name.equalsIgnoreCase(PROXY_STATUS);
    }
}
