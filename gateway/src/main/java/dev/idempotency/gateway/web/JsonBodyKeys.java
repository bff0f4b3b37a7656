package dev.idempotency.gateway.web;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonPointer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.MissingNode;

import dev.idempotency.gateway.core.IdempotencyKey;
import dev.idempotency.gateway.core.IdempotencyKey.KeyParseResult;
import dev.idempotency.gateway.core.IdempotencyKey.KeyProblem;

/** Reads a key from a JSON request body at a JSON Pointer (RFC 6901). */
final class JsonBodyKeys {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    private JsonBodyKeys() {
    }

    static boolean isValidPointer(String pointer) {
        try {
            JsonPointer.compile(pointer);
            // Jackson accepts a lone '~'; RFC 6901 allows '~' only as ~0 or ~1.
            return !pointer.replace("~0", "").replace("~1", "").contains("~");
        }
        catch (IllegalArgumentException ex) {
            return false;
        }
    }

    /**
     * @return the key; MISSING when the body or the field is absent or null, MALFORMED when the body
     * is not JSON or the field is not a string or number
     */
    static KeyParseResult parse(byte[] body, String pointer) {
        return at(tree(body), pointer);
    }

    /** The body as a tree to read several keys from; null for an empty body, MissingNode for one that is not JSON. */
    static JsonNode tree(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return MAPPER.readTree(body);
        }
        catch (JacksonException ex) {
            return MissingNode.getInstance();
        }
    }

    /** The key at {@code pointer} of a {@link #tree}. */
    static KeyParseResult at(JsonNode root, String pointer) {
        if (root == null) {
            return IdempotencyKey.validate(null);
        }
        if (root.isMissingNode()) {
            return malformed();
        }
        JsonNode field = root.at(pointer);
        if (field.isMissingNode() || field.isNull()) {
            return IdempotencyKey.validate(null);
        }
        if (field.isString() || field.isNumber()) {
            return IdempotencyKey.validate(field.asString());
        }
        return malformed();
    }

    private static KeyParseResult malformed() {
        return KeyParseResult.failure(KeyProblem.MALFORMED);
    }
}
