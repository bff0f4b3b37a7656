package dev.idempotency.gateway.problem;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;

/**
 * One RFC 9457 problem the gateway answers with: the type's status unless overridden, a detail
 * that says what was wrong and what to do, optional extension members, and an optional
 * {@code Retry-After}.
 */
public final class Problem {

    public static final MediaType MEDIA_TYPE = MediaType.APPLICATION_PROBLEM_JSON;

    private final ProblemType type;

    private final HttpStatusCode status;

    private final String detail;

    private final Map<String, Object> extensions;

    private final Duration retryAfter;

    private Problem(ProblemType type, HttpStatusCode status, String detail, Map<String, Object> extensions,
            Duration retryAfter) {
        this.type = type;
        this.status = status;
        this.detail = detail;
        this.extensions = extensions;
        this.retryAfter = retryAfter;
    }

    public static Problem of(ProblemType type, String detail) {
        return new Problem(type, type.status(), detail, Map.of(), null);
    }

    public Problem withStatus(HttpStatusCode status) {
        return new Problem(this.type, status, this.detail, this.extensions, this.retryAfter);
    }

    public Problem withExtension(String name, Object value) {
        Map<String, Object> extended = new LinkedHashMap<>(this.extensions);
        extended.put(name, value);
        return new Problem(this.type, this.status, this.detail, Map.copyOf(extended), this.retryAfter);
    }

    public Problem withRetryAfter(Duration retryAfter) {
        return new Problem(this.type, this.status, this.detail, this.extensions, retryAfter);
    }

    public ProblemType type() {
        return this.type;
    }

    public HttpStatusCode status() {
        return this.status;
    }

    public String detail() {
        return this.detail;
    }

    /** {@code Retry-After} in whole seconds, rounded up; {@code null} when the problem has none. */
    public String retryAfterSeconds() {
        if (this.retryAfter == null) {
            return null;
        }
        long millis = this.retryAfter.toMillis();
        return Long.toString(Math.max(1, (millis + 999) / 1000));
    }

    /**
     * The JSON body; {@code instance} is the request path the problem occurred on.
     *
     * <p>Written here rather than as Spring's {@code ProblemDetail} through the exchange's codecs:
     * the bytes are also stored as a record's body ({@code StoredResponses}) and replayed long after
     * the exchange, from filters and the error handler that write raw buffers, and the members are
     * few and flat (strings, numbers, booleans), so a codec lookup and an object mapper per refusal
     * would add cost to the answers sent most under load (409, 429, 503) and buy nothing.
     */
    public byte[] toJson(String instance) {
        StringBuilder json = new StringBuilder(256);
        json.append("{\"type\":");
        appendString(json, this.type.type().toString());
        json.append(",\"title\":");
        appendString(json, this.type.title());
        json.append(",\"status\":").append(this.status.value());
        json.append(",\"detail\":");
        appendString(json, this.detail);
        if (instance != null) {
            json.append(",\"instance\":");
            appendString(json, instance);
        }
        this.extensions.forEach((name, value) -> {
            json.append(',');
            appendString(json, name);
            json.append(':');
            if (value instanceof Number || value instanceof Boolean) {
                json.append(value);
            }
            else {
                appendString(json, String.valueOf(value));
            }
        });
        return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void appendString(StringBuilder json, String value) {
        json.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> json.append("\\\"");
                case '\\' -> json.append("\\\\");
                case '\n' -> json.append("\\n");
                case '\r' -> json.append("\\r");
                case '\t' -> json.append("\\t");
                default -> {
                    if (c < 0x20) {
                        json.append(String.format("\\u%04x", (int) c));
                    }
                    else {
                        json.append(c);
                    }
                }
            }
        }
        json.append('"');
    }
}
