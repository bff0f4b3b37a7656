package dev.idempotency.gateway.web;

import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import org.springframework.http.HttpHeaders;

import dev.idempotency.gateway.core.ReplayHeaderPolicy;
import dev.idempotency.gateway.core.StoredResponse;
import dev.idempotency.gateway.problem.Problem;

/** Builds the {@link StoredResponse}s the gateway keeps: upstream responses and its own problems. */
final class StoredResponses {

    private StoredResponses() {
    }

    static StoredResponse fromUpstream(int status, HttpHeaders headers, byte[] body, ReplayHeaderPolicy policy) {
        Set<String> connectionTokens = connectionTokens(headers);
        StoredResponse.Builder stored = StoredResponse.builder(status);
        for (String name : headers.headerNames()) {
            if (policy.isReplayable(name, connectionTokens)) {
                headers.getOrEmpty(name).forEach(value -> stored.header(name, value));
            }
        }
        return stored.body(body).build();
    }

    static StoredResponse fromProblem(Problem problem, String instance) {
        return StoredResponse.builder(problem.status().value())
            .header(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE.toString())
            .header(HttpHeaders.CACHE_CONTROL, "no-store")
            .body(problem.toJson(instance))
            .build();
    }

    private static Set<String> connectionTokens(HttpHeaders headers) {
        Set<String> tokens = new HashSet<>();
        for (String value : headers.getOrEmpty(HttpHeaders.CONNECTION)) {
            for (String token : value.split(",")) {
                tokens.add(token.trim().toLowerCase(Locale.ROOT));
            }
        }
        return tokens;
    }
}
