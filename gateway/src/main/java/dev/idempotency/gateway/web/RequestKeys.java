package dev.idempotency.gateway.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.web.server.ServerWebExchange;
import tools.jackson.databind.JsonNode;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.IdempotencyKey.KeyProblem;

/**
 * Finds a route's idempotency key where its requests carry it: a header, a query parameter, a
 * field of the body or a path segment, or several of them joined into one key
 * ({@link IdempotencyKey#joined}). A composite key with some parts present and others missing is
 * never treated as "no key": that would forward the request unprotected.
 */
final class RequestKeys {

    private final List<KeyPart> parts;

    private final boolean needsBody;

    private final String description;

    /** @param parts the route's {@code keySource}, each with its name resolved ({@link KeyPart#named}) */
    RequestKeys(List<KeyPart> parts) {
        this.parts = List.copyOf(parts);
        this.needsBody = parts.stream().anyMatch(part -> part.source() == KeySource.JSON_BODY);
        this.description = parts.stream().map(KeyPart::describe).collect(Collectors.joining(" + "));
    }

    boolean needsBody() {
        return this.needsBody;
    }

    /**
     * The key, or why there is none and where that was found.
     *
     * @param body the request body when {@link #needsBody()}, else null
     */
    KeyReading read(ServerWebExchange exchange, byte[] body) {
        if (this.parts.size() == 1) {
            KeyPart part = this.parts.get(0);
            return new KeyReading(readPart(part, exchange, body == null ? null : JsonBodyKeys.tree(body)), this.description);
        }
        JsonNode tree = body == null ? null : JsonBodyKeys.tree(body);
        List<IdempotencyKey> keys = new ArrayList<>(this.parts.size());
        KeyPart firstMissing = null;
        for (KeyPart part : this.parts) {
            KeyParseResult parsed = readPart(part, exchange, tree);
            if (parsed.isValid()) {
                keys.add(parsed.key());
            }
            else if (parsed.problem() == KeyProblem.MISSING) {
                firstMissing = firstMissing == null ? part : firstMissing;
            }
            else {
                return new KeyReading(parsed, part.describe());
            }
        }
        if (firstMissing == null) {
            return new KeyReading(KeyParseResult.success(IdempotencyKey.joined(keys)), this.description);
        }
        return keys.isEmpty() ? new KeyReading(KeyParseResult.failure(KeyProblem.MISSING), this.description)
                : new KeyReading(KeyParseResult.failure(KeyProblem.PART_MISSING), firstMissing.describe());
    }

    private static KeyParseResult readPart(KeyPart part, ServerWebExchange exchange, JsonNode body) {
        return switch (part.source()) {
            case HEADER -> IdempotencyKey.parse(exchange.getRequest().getHeaders().getOrEmpty(part.name()));
            case QUERY -> {
                List<String> values = exchange.getRequest().getQueryParams().get(part.name());
                if (values == null || values.isEmpty()) {
                    yield KeyParseResult.failure(KeyProblem.MISSING);
                }
                yield values.size() > 1 ? KeyParseResult.failure(KeyProblem.DUPLICATE) : IdempotencyKey.validate(values.get(0));
            }
            case JSON_BODY -> JsonBodyKeys.at(body, part.name());
            case PATH -> {
                Map<String, String> variables = ServerWebExchangeUtils.getUriTemplateVariables(exchange);
                yield IdempotencyKey.validate(variables.get(part.name()));
            }
        };
    }

    /** Where the key is looked for, as problem details name it: "Idempotency-Key header". */
    String describe() {
        return this.description;
    }

    /**
     * A key, or the problem and where it was found: the whole key's description, or the one part
     * that is missing or invalid.
     */
    record KeyReading(KeyParseResult parsed, String source) {
    }
}
