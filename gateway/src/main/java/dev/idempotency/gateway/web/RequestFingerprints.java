package dev.idempotency.gateway.web;

import java.util.Locale;

import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;

import dev.idempotency.gateway.core.RequestFingerprint;

/**
 * Fingerprints what makes a request "the same request" (draft section 2.4): method, path and
 * query as the client sent them, content type, and the body bytes.
 */
final class RequestFingerprints {

    private RequestFingerprints() {
    }

    static RequestFingerprint of(ServerHttpRequest request, byte[] body) {
        return RequestFingerprint.builder()
            .part("method", request.getMethod().name())
            .part("path", request.getURI().getRawPath())
            .part("query", request.getURI().getRawQuery())
            .part("content-type", normalizedContentType(request.getHeaders()))
            .part("body", body)
            .build();
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
