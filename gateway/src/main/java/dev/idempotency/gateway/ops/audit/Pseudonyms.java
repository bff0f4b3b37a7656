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

    // One initialised Mac, or one SHA-256, per thread (neither is thread-safe): a clone per
    // pseudonym allocated 0.5-1 KB, and an audited request takes two. doFinal and digest leave
    // them ready for the next value.
    private final ThreadLocal<Mac> keyed;

    private final ThreadLocal<MessageDigest> unkeyed;

    Pseudonyms(String secret) {
        if (secret == null || secret.isEmpty()) {
            this.keyed = null;
            this.unkeyed = ThreadLocal.withInitial(Digests::sha256);
        }
        else {
            Mac prototype = hmac(secret);
            this.keyed = ThreadLocal.withInitial(() -> copyOf(prototype));
            this.unkeyed = null;
        }
    }

    boolean isKeyed() {
        return this.keyed != null;
    }

    String of(String value) {
        byte[] input = value.getBytes(StandardCharsets.UTF_8);
        return HEX.formatHex(this.keyed != null ? keyed(input) : unkeyed(input), 0, BYTES);
    }

    private byte[] keyed(byte[] input) {
        Mac mac = this.keyed.get();
        mac.reset();
        return mac.doFinal(input);
    }

    private byte[] unkeyed(byte[] input) {
        MessageDigest digest = this.unkeyed.get();
        digest.reset();
        digest.update(DOMAIN);
        return digest.digest(input);
    }

    private static Mac hmac(String secret) {
        Mac mac = Digests.hmacSha256(secret.getBytes(StandardCharsets.UTF_8));
        // Fails at startup, not on every event, where the provider cannot clone.
        copyOf(mac);
        return mac;
    }

    private static Mac copyOf(Mac prototype) {
        try {
            // A clone of an initialised Mac skips getInstance and init (which hashes the key).
            return (Mac) prototype.clone();
        }
        catch (CloneNotSupportedException ex) {
            throw new IllegalStateException("HmacSHA256 is not usable on this platform", ex);
        }
    }
}
