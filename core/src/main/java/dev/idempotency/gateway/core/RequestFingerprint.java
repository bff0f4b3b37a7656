package dev.idempotency.gateway.core;

import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A SHA-256 digest of the parts of a request that decide whether a retry is "the same request".
 * Reusing a key with a different fingerprint is a client error (422), never a replay.
 */
public final class RequestFingerprint {

    public static final int LENGTH = 32;

    private final byte[] digest;

    private RequestFingerprint(byte[] digest) {
        this.digest = digest;
    }

    public static RequestFingerprint fromBytes(byte[] digest) {
        if (digest.length != LENGTH) {
            throw new IllegalArgumentException("A fingerprint has " + LENGTH + " bytes, not " + digest.length);
        }
        return new RequestFingerprint(digest.clone());
    }

    public static Builder builder() {
        return new Builder();
    }

    public byte[] toBytes() {
        return this.digest.clone();
    }

    public String toHex() {
        return HexFormat.of().formatHex(this.digest);
    }

    @Override
    public boolean equals(Object other) {
        return this == other
                || (other instanceof RequestFingerprint fingerprint && MessageDigest.isEqual(this.digest, fingerprint.digest));
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(this.digest);
    }

    @Override
    public String toString() {
        return "RequestFingerprint[" + toHex() + "]";
    }

    /**
     * Adds named parts in a fixed order. Each part is written with its name and length, so moving
     * bytes from one part to another (path "/a" + query "b" vs path "/ab") changes the digest.
     */
    public static final class Builder {

        private final MessageDigest digest = Digests.sha256();

        private Builder() {
        }

        public Builder part(String name, String value) {
            Digests.updatePart(this.digest, name);
            Digests.updatePart(this.digest, value == null ? "" : value);
            return this;
        }

        public Builder part(String name, byte[] value) {
            Digests.updatePart(this.digest, name);
            Digests.updatePart(this.digest, value);
            return this;
        }

        public RequestFingerprint build() {
            return new RequestFingerprint(this.digest.digest());
        }
    }
}
