package dev.idempotency.gateway.web;

import java.util.List;

import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.IdempotencyKey.KeyProblem;

/** Finds a route's idempotency key where its requests carry it: a header, a query parameter or the body. */
final class RequestKeys {

    private final KeySource source;

    private final String name;

    RequestKeys(KeySource source, String headerName, String queryParameter, String jsonPointer) {
        this.source = source;
        this.name = switch (source) {
            case HEADER -> headerName;
            case QUERY -> queryParameter;
            case JSON_BODY -> jsonPointer;
        };
    }

    boolean needsBody() {
        return this.source.needsBody();
    }

    /** The key from the request line or headers; only for sources that do not need the body. */
    KeyParseResult fromRequest(ServerHttpRequest request) {
        if (this.source == KeySource.QUERY) {
            List<String> values = request.getQueryParams().get(this.name);
            if (values == null || values.isEmpty()) {
                return KeyParseResult.failure(KeyProblem.MISSING);
            }
            return values.size() > 1 ? KeyParseResult.failure(KeyProblem.DUPLICATE) : IdempotencyKey.validate(values.get(0));
        }
        return IdempotencyKey.parse(request.getHeaders().getOrEmpty(this.name));
    }

    KeyParseResult fromBody(byte[] body) {
        return JsonBodyKeys.parse(body, this.name);
    }

    /** Where the key was looked for, as problem details and logs name it. */
    String describe() {
        return switch (this.source) {
            case HEADER -> this.name + " header";
            case QUERY -> this.name + " query parameter";
            case JSON_BODY -> "JSON body field " + this.name;
        };
    }
}
