package dev.idempotency.gateway.web;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.idempotency.gateway.core.RequestFingerprint;

/**
 * Fingerprints what makes a request "the same request" (draft section 2.4) for one route: by
 * default method, path and query as the client sent them, content type, and the body bytes.
 */
final class RequestFingerprints {

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
                fingerprint.part("body", this.bodyComparison == BodyComparison.CANONICAL_JSON ? CanonicalJson.of(body) : body);
            }
        }
        return fingerprint.build();
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
