package dev.idempotency.gateway.web;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import dev.idempotency.gateway.rules.ArgumentProblems;

/** The checks of a route's {@code keySource}: one source, or a list of parts joined into one key. */
final class KeyParts {

    // RFC 9110 section 5.6.2: a field name is a token.
    private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private static final String ACCEPTED = "must be header, query, json-body, or a list of parts joined into one key, "
            + "each a source with an optional name: header:X-Account-Id, query:account, json-body:/client_order_id, "
            + "path:accountId";

    private KeyParts() {
    }

    static void check(List<KeyPart> parts, String queryParameter, String jsonPointer, ArgumentProblems problems) {
        if (parts == null || parts.isEmpty()) {
            problems.add("keySource", ACCEPTED + " (was empty)");
            return;
        }
        Set<KeyPart> seen = new HashSet<>();
        for (KeyPart written : parts) {
            if (written.source() == null) {
                problems.add("keySource", ACCEPTED + " (was " + written.written() + ")");
                continue;
            }
            KeyPart part = written.named(null, queryParameter, jsonPointer);
            if (written.name() != null && written.name().isEmpty()) {
                problems.add("keySource", "part '" + written.written() + "' names nothing after ':'; " + example(part.source()));
                continue;
            }
            switch (part.source()) {
                case HEADER -> problems.check(written.name() == null || HEADER_NAME.matcher(written.name()).matches(),
                        "keySource", "part '" + written.written() + "' must name a header, such as header:X-Account-Id",
                        written.name());
                case QUERY -> problems.check(part.name() != null && !part.name().isBlank(), "queryParameter",
                        "must name the query parameter when keySource is query", part.name());
                case JSON_BODY -> {
                    if (written.name() == null) {
                        problems.check(jsonPointer != null, "jsonPointer",
                                "must be a JSON Pointer such as /client_order_id when keySource is json-body", null);
                    }
                    else {
                        problems.check(JsonBodyKeys.isValidPointer(written.name()), "keySource", "part '"
                                + written.written() + "' must name an RFC 6901 JSON Pointer, such as json-body:/client_order_id",
                                written.name());
                    }
                }
                case PATH -> problems.check(written.name() != null, "keySource", "part 'path' must name a variable of "
                        + "the route's Path pattern, such as path:accountId for /accounts/{accountId}/orders", written.written());
            }
            if (!seen.add(new KeyPart(part.source(), part.name(), ""))) {
                problems.add("keySource", "lists the part '" + written.written() + "' twice");
            }
        }
    }

    private static String example(KeySource source) {
        return switch (source) {
            case HEADER -> "such as header:X-Account-Id";
            case QUERY -> "such as query:account";
            case JSON_BODY -> "such as json-body:/client_order_id";
            case PATH -> "such as path:accountId";
        };
    }
}
