package dev.idempotency.gateway.web;

import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The canonical form of a JSON body, for fingerprints with {@code bodyComparison: canonical-json}:
 * one spelling per JSON value, so key order and whitespace do not matter.
 */
final class CanonicalJson {

    // Sorted properties and no whitespace: one spelling per JSON value. Duplicate keys are refused
    // (the body is then compared by bytes) and numbers kept exact, so two different orders never
    // share a canonical form.
    private static final JsonMapper CANONICAL = JsonMapper.builder()
        .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .build();

    private CanonicalJson() {
    }

    /** The body in canonical form, or the body itself when it is empty or not JSON. */
    static byte[] of(byte[] body) {
        JsonNode tree = read(body);
        return tree == null ? body : write(tree);
    }

    /** The body read for canonical comparison; null when it is empty or not JSON (then its bytes count). */
    static JsonNode read(byte[] body) {
        if (body.length == 0) {
            return null;
        }
        try {
            return CANONICAL.readTree(body);
        }
        catch (JacksonException notJson) {
            return null;
        }
    }

    static byte[] write(JsonNode tree) {
        return CANONICAL.writeValueAsBytes(tree);
    }
}
