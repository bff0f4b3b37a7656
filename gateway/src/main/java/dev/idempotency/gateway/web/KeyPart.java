package dev.idempotency.gateway.web;

/**
 * One entry of a route's {@code keySource}: a source, optionally followed by {@code :} and the
 * name of what to read. {@code header}, {@code query} and {@code json-body} alone read the route's
 * {@code headerName}, {@code queryParameter} and {@code jsonPointer}; {@code header:X-Account-Id},
 * {@code query:account}, {@code json-body:/client_order_id} and {@code path:accountId} name their
 * own. Binding never fails: an unknown source keeps what was written (a null source) and the
 * filter's checks name it, together with every other problem of the route.
 *
 * @param source where the part is read, or null when the entry names no known source
 * @param name what is read there, or null to use the route's argument for that source
 * @param written the entry as the rule wrote it
 */
public record KeyPart(KeySource source, String name, String written) {

    public static KeyPart valueOf(String written) {
        int colon = written.indexOf(':');
        String source = colon < 0 ? written : written.substring(0, colon);
        String name = colon < 0 ? null : written.substring(colon + 1).strip();
        return new KeyPart(KeySource.fromWritten(source), name, written.strip());
    }

    public static KeyPart of(KeySource source) {
        return new KeyPart(source, null, source.written());
    }

    /** This part with its name taken from the route's argument when the entry names none. */
    KeyPart named(String headerName, String queryParameter, String jsonPointer) {
        if (this.name != null || this.source == null) {
            return this;
        }
        String defaultName = switch (this.source) {
            case HEADER -> headerName;
            case QUERY -> queryParameter;
            case JSON_BODY -> jsonPointer;
            case PATH -> null;
        };
        return new KeyPart(this.source, defaultName, this.written);
    }

    /** Where the part is looked for, as problem details and logs name it. */
    String describe() {
        return switch (this.source) {
            case HEADER -> this.name + " header";
            case QUERY -> this.name + " query parameter";
            case JSON_BODY -> "JSON body field " + this.name;
            case PATH -> "path segment {" + this.name + "}";
        };
    }

    @Override
    public String toString() {
        return this.written;
    }
}
