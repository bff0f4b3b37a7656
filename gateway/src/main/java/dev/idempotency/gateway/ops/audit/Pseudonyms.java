package dev.idempotency.gateway.ops.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;

import javax.crypto.Mac;

import dev.idempotency.gateway.core.Digests;

/**
 * Stands in for client ids and keys in audit events: the first 128 bits of HMAC-SHA256 under a
 * secret, or of SHA-256 without one, in hex. The same value always gives the same pseudonym, so
 * events of one client or key can be found together, and the raw value is never written.
 */
final class Pseudonyms {

    private static final int BYTES = 16;

    // Separates these digests from any other SHA-256 of the same strings.
    private static final byte[] DOMAIN = "idempotency-gateway/audit\0".getBytes(StandardCharsets.UTF_8);

    private static final HexFormat HEX = HexFormat.of();

    private final Mac prototype;

    // SHA-256 with the domain already hashed in; cloned per use, which skips the provider lookup too.
    private final MessageDigest unkeyedPrototype;

    Pseudonyms(String secret) {
        this.prototype = secret == null || secret.isEmpty() ? null : hmac(secret);
        this.unkeyedPrototype = this.prototype == null ? unkeyedPrototype() : null;
    }

    boolean isKeyed() {
        return this.prototype != null;
    }

    String of(String value) {
        byte[] input = value.getBytes(StandardCharsets.UTF_8);
        byte[] digest = this.prototype != null ? keyed(input) : unkeyed(input);
        return HEX.formatHex(digest, 0, BYTES);
    }

    private byte[] keyed(byte[] input) {
        try {
            // A Mac is not thread-safe; a clone of an initialised one is the cheap copy.
            Mac mac = (Mac) this.prototype.clone();
            return mac.doFinal(input);
        }
        catch (CloneNotSupportedException ex) {
            throw new IllegalStateException("HmacSHA256 cannot be cloned on this platform", ex);
        }
    }

    private byte[] unkeyed(byte[] input) {
        try {
            return ((MessageDigest) this.unkeyedPrototype.clone()).digest(input);
        }
        catch (CloneNotSupportedException ex) {
            throw new IllegalStateException("SHA-256 cannot be cloned on this platform", ex);
        }
    }

    private static MessageDigest unkeyedPrototype() {
        MessageDigest digest = Digests.sha256();
        digest.update(DOMAIN);
        try {
            // Fails at startup, not on every event, where the provider cannot clone.
            digest.clone();
            return digest;
        }
        catch (CloneNotSupportedException ex) {
            throw new IllegalStateException("SHA-256 is not usable on this platform", ex);
        }
    }

    private static Mac hmac(String secret) {
        Mac mac = Digests.hmacSha256(secret.getBytes(StandardCharsets.UTF_8));
        try {
            // Fails at startup, not on every event, where the provider cannot clone.
            mac.clone();
            return mac;
        }
        catch (CloneNotSupportedException ex) {
            throw new IllegalStateException("HmacSHA256 is not usable on this platform", ex);
        }
    }
}
