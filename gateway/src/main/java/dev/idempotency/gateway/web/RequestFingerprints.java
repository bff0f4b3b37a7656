package dev.idempotency.gateway.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.JsonNodeFeature;
import tools.jackson.databind.json.JsonMapper;

import dev.idempotency.gateway.core.RequestFingerprint;

/**
 * Fingerprints what makes a request "the same request" (draft section 2.4) for one route: by
 * default method, path and query as the client sent them, content type, and the body bytes.
 */
final class RequestFingerprints {

    // Sorted properties and no whitespace: one spelling per JSON value. Duplicate keys are refused
    // (the body is then compared by bytes) and numbers kept exact, so two different orders never
    // share a canonical form.
    private static final JsonMapper CANONICAL = JsonMapper.builder()
        .enable(JsonNodeFeature.WRITE_PROPERTIES_SORTED)
        .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .build();

    private final Set<FingerprintPart> parts;

    private final List<String> headers;

    // The part name of each header, "header:" and its lower-case name, built once.
    private final List<String> headerParts;

    private final BodyComparison bodyComparison;

    // Set only with canonical-json (the route's checks see to it); compiled once per route.
    private final JsonBodyParts bodyParts;

    RequestFingerprints(Set<FingerprintPart> parts, List<String> headers, BodyComparison bodyComparison) {
        this(parts, headers, bodyComparison, List.of(), List.of());
    }

    /**
     * @param jsonPointers only these parts of a JSON body count (empty: all of it)
     * @param ignoredJsonPointers every part of a JSON body but these counts (empty: all of it)
     */
    RequestFingerprints(Set<FingerprintPart> parts, List<String> headers, BodyComparison bodyComparison,
            List<String> jsonPointers, List<String> ignoredJsonPointers) {
        this.parts = Set.copyOf(parts);
        this.headers = new ArrayList<>(headers);
        this.headerParts = headers.stream().map(header -> "header:" + header.toLowerCase(Locale.ROOT)).toList();
        this.bodyComparison = bodyComparison;
        this.bodyParts = !jsonPointers.isEmpty() ? JsonBodyParts.only(jsonPointers)
                : !ignoredJsonPointers.isEmpty() ? JsonBodyParts.allBut(ignoredJsonPointers) : null;
    }

    RequestFingerprint of(ServerHttpRequest request, byte[] body) {
        RequestFingerprint.Builder fingerprint = RequestFingerprint.builder();
        if (this.parts.contains(FingerprintPart.METHOD)) {
            fingerprint.part("method", request.getMethod().name());
        }
        if (this.parts.contains(FingerprintPart.PATH)) {
            fingerprint.part("path", request.getURI().getRawPath());
        }
        if (this.parts.contains(FingerprintPart.QUERY)) {
            fingerprint.part("query", request.getURI().getRawQuery());
        }
        if (this.parts.contains(FingerprintPart.CONTENT_TYPE)) {
            fingerprint.part("content-type", normalizedContentType(request.getHeaders()));
        }
        for (int i = 0; i < this.headers.size(); i++) {
            fingerprint.part(this.headerParts.get(i), String.join("\n", request.getHeaders().getOrEmpty(this.headers.get(i))));
        }
        if (this.parts.contains(FingerprintPart.BODY)) {
            if (this.bodyParts != null) {
                this.bodyParts.addTo(fingerprint, body);
            }
            else {
                fingerprint.part("body", this.bodyComparison == BodyComparison.CANONICAL_JSON ? canonicalJson(body) : body);
            }
        }
        return fingerprint.build();
    }

    static byte[] canonicalJson(byte[] body) {
        JsonNode tree = canonicalTree(body);
        return tree == null ? body : canonicalJson(tree);
    }

    /** The body read for canonical comparison; null when it is empty or not JSON (then its bytes count). */
    static JsonNode canonicalTree(byte[] body) {
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

    static byte[] canonicalJson(JsonNode tree) {
        return CANONICAL.writeValueAsBytes(tree);
    }

    // "Application/JSON; charset=UTF-8" and "application/json;charset=utf-8" are the same type.
    private static String normalizedContentType(HttpHeaders headers) {
        String contentType = headers.getFirst(HttpHeaders.CONTENT_TYPE);
        if (contentType == null) {
            return "";
        }
        StringBuilder normalized = new StringBuilder(contentType.length());
        for (int i = 0; i < contentType.length(); i++) {
            char c = contentType.charAt(i);
            if (c != ' ' && c != '\t') {
                normalized.append(c);
            }
        }
        return normalized.toString().toLowerCase(Locale.ROOT);
    }
}
