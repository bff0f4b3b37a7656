package dev.idempotency.gateway.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The upstream's response as it is kept for replay: status, the headers worth replaying, and the
 * body bytes exactly as received. Immutable.
 */
public final class StoredResponse {

    private final int status;

    private final List<Header> headers;

    private final byte[] body;

    private StoredResponse(int status, List<Header> headers, byte[] body) {
        this.status = status;
        this.headers = List.copyOf(headers);
        this.body = body;
    }

    public static Builder builder(int status) {
        return new Builder(status);
    }

    public int status() {
        return this.status;
    }

    /** Header fields in the order received; a field with several values appears once per value. */
    public List<Header> headers() {
        return this.headers;
    }

    public byte[] body() {
        return this.body.clone();
    }

    public int bodyLength() {
        return this.body.length;
    }

    /** The body without a defensive copy, for writers that only read it; never modify it. */
    public byte[] bodyUnsafe() {
        return this.body;
    }


    @Override
    public String toString() {
        return "StoredResponse[status=" + this.status + ", headers=" + this.headers.size() + ", body="
                + this.body.length + " bytes]";
    }

    /** One header field line. */
    public record Header(String name, String value) {

        public Header {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(value, "value");
        }
    }

    public static final class Builder {

        private final int status;

        private final List<Header> headers = new ArrayList<>();

        private byte[] body = new byte[0];

        private Builder(int status) {
            if (status < 100 || status > 999) {
                throw new IllegalArgumentException("Not an HTTP status: " + status);
            }
            this.status = status;
        }

        public Builder header(String name, String value) {
            this.headers.add(new Header(name, value));
            return this;
        }

        /** Takes ownership of the array: the caller must not modify it afterwards. */
        public Builder body(byte[] body) {
            this.body = Objects.requireNonNull(body, "body");
            return this;
        }

        public StoredResponse build() {
            return new StoredResponse(this.status, this.headers, this.body);
        }
    }
}
