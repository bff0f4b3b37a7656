package dev.idempotency.gateway.core;

import java.util.List;
import java.util.Objects;

/**
 * The value of an {@code Idempotency-Key} request header.
 *
 * <p>draft-ietf-httpapi-idempotency-key-header-07 defines the field as an RFC 8941 sf-string
 * ({@code "abc"}); many clients send the bare value ({@code abc}). Both forms name the same key.
 * A key is 1 to {@value #MAX_LENGTH} visible ASCII characters (0x21-0x7E).
 */
public final class IdempotencyKey {

    public static final int MAX_LENGTH = 255;

    private final String value;

    private IdempotencyKey(String value) {
        this.value = value;
    }

    /**
     * Parses the header values a request carried for the key header: none, one, or (invalid) several.
     * @param headerValues the field lines of the header, as received; never {@code null}
     */
    public static KeyParseResult parse(List<String> headerValues) {
        if (headerValues.isEmpty()) {
            return KeyParseResult.failure(KeyProblem.MISSING);
        }
        if (headerValues.size() > 1) {
            return KeyParseResult.failure(KeyProblem.DUPLICATE);
        }
        return parse(headerValues.get(0));
    }

    /** Parses one field value. */
    public static KeyParseResult parse(String fieldValue) {
        String trimmed = trimOptionalWhitespace(fieldValue);
        if (trimmed.isEmpty()) {
            return KeyParseResult.failure(KeyProblem.EMPTY);
        }
        return trimmed.charAt(0) == '"' ? parseQuoted(trimmed) : parseBare(trimmed);
    }

    // RFC 8941 section 4.2.5: sf-string, where only \" and \\ are valid escapes.
    private static KeyParseResult parseQuoted(String field) {
        StringBuilder key = new StringBuilder(field.length());
        int i = 1;
        while (i < field.length()) {
            char c = field.charAt(i);
            if (c == '\\') {
                if (i + 1 >= field.length()) {
                    return KeyParseResult.failure(KeyProblem.MALFORMED);
                }
                char escaped = field.charAt(i + 1);
                if (escaped != '"' && escaped != '\\') {
                    return KeyParseResult.failure(KeyProblem.MALFORMED);
                }
                key.append(escaped);
                i += 2;
            }
            else if (c == '"') {
                if (i != field.length() - 1) {
                    // Anything after the closing quote: a list ("a", "b"), parameters or garbage.
                    return KeyParseResult.failure(afterClosingQuote(field, i + 1));
                }
                return validated(key.toString());
            }
            else {
                key.append(c);
                i++;
            }
            if (key.length() > MAX_LENGTH) {
                return KeyParseResult.failure(KeyProblem.TOO_LONG);
            }
        }
        return KeyParseResult.failure(KeyProblem.MALFORMED);
    }

    private static KeyProblem afterClosingQuote(String field, int from) {
        String rest = trimOptionalWhitespace(field.substring(from));
        return rest.startsWith(",") ? KeyProblem.DUPLICATE : KeyProblem.MALFORMED;
    }

    private static KeyParseResult parseBare(String field) {
        if (field.indexOf(',') >= 0) {
            // A comma joins several field lines into one: the key was sent more than once.
            return KeyParseResult.failure(KeyProblem.DUPLICATE);
        }
        if (field.indexOf('"') >= 0) {
            return KeyParseResult.failure(KeyProblem.MALFORMED);
        }
        return validated(field);
    }

    /**
     * Validates a key that arrives unquoted by its transport (a query parameter, a JSON string):
     * no sf-string decoding, the same 1-255 visible ASCII rule.
     */
    public static KeyParseResult validate(String key) {
        return key == null ? KeyParseResult.failure(KeyProblem.MISSING) : validated(key);
    }

    private static KeyParseResult validated(String key) {
        if (key.isEmpty()) {
            return KeyParseResult.failure(KeyProblem.EMPTY);
        }
        if (key.length() > MAX_LENGTH) {
            return KeyParseResult.failure(KeyProblem.TOO_LONG);
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                return KeyParseResult.failure(KeyProblem.MALFORMED);
            }
        }
        return KeyParseResult.success(new IdempotencyKey(key));
    }

    // RFC 9110 section 5.6.3: OWS is spaces and horizontal tabs only.
    private static String trimOptionalWhitespace(String value) {
        int start = 0;
        int end = value.length();
        while (start < end && isOws(value.charAt(start))) {
            start++;
        }
        while (end > start && isOws(value.charAt(end - 1))) {
            end--;
        }
        return value.substring(start, end);
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }

    /** Creates a key from an already unquoted value, validating it. */
    public static IdempotencyKey of(String value) {
        KeyParseResult result = validated(value);
        if (!result.isValid()) {
            throw new IllegalArgumentException("Not a valid idempotency key: " + result.problem());
        }
        return result.key();
    }

    /**
     * One key made of several parts (a route keyed by account and client order id). Each part is
     * written as its length, {@code :}, and its value ({@code 5:acc-14:c-42}): no character a part
     * may contain can shift the boundary between parts, so two different lists of parts never make
     * the same key. Each part is a valid key (1 to {@value #MAX_LENGTH} characters); the joined key
     * may be longer, up to {@code parts × (MAX_LENGTH + 4)} characters.
     */
    public static IdempotencyKey joined(List<IdempotencyKey> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("A joined key needs at least one part");
        }
        StringBuilder joined = new StringBuilder(parts.size() * 16);
        for (IdempotencyKey part : parts) {
            joined.append(part.value.length()).append(':').append(part.value);
        }
        return new IdempotencyKey(joined.toString());
    }

    public String value() {
        return this.value;
    }

    @Override
    public boolean equals(Object other) {
        return this == other || (other instanceof IdempotencyKey key && this.value.equals(key.value));
    }

    @Override
    public int hashCode() {
        return this.value.hashCode();
    }

    @Override
    public String toString() {
        // Keys may be secrets of the client: never print them whole.
        return "IdempotencyKey[length=" + this.value.length() + "]";
    }

    /** Why a key header could not be accepted. */
    public enum KeyProblem {
        MISSING("The request has no %s"),
        EMPTY("The %s is empty"),
        TOO_LONG("The %s is longer than " + MAX_LENGTH + " characters"),
        MALFORMED("The %s must be 1 to " + MAX_LENGTH
                + " visible ASCII characters (a header may also quote it: \"abc\")"),
        DUPLICATE("The %s was sent more than once; send exactly one key"),
        PART_MISSING("The request has no %s, which is part of this route's key; send every part of the key or none");

        private final String template;

        KeyProblem(String template) {
            this.template = template;
        }

        /** @param source where the key was looked for, e.g. "Idempotency-Key header" */
        public String describe(String source) {
            return this.template.formatted(source);
        }
    }

    /** Either a key or the reason there is none. */
    public record KeyParseResult(IdempotencyKey key, KeyProblem problem) {

        public KeyParseResult {
            if ((key == null) == (problem == null)) {
                throw new IllegalArgumentException("exactly one of key and problem");
            }
        }

        public static KeyParseResult success(IdempotencyKey key) {
            return new KeyParseResult(Objects.requireNonNull(key), null);
        }

        public static KeyParseResult failure(KeyProblem problem) {
            return new KeyParseResult(null, Objects.requireNonNull(problem));
        }

        public boolean isValid() {
            return this.key != null;
        }
    }
}
