package dev.idempotency.gateway.core;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * SHA-256 and HMAC-SHA256, the one place that asks the platform for them (every Java platform
 * must have both, so their absence is a broken platform, not an error to handle); and SHA-256
 * over length-prefixed parts, so that no two different part lists hash alike.
 */
public final class Digests {

    private static final String HMAC_SHA_256 = "HmacSHA256";

    // Cloning a fresh digest skips the provider lookup that getInstance does on every call.
    private static final MessageDigest SHA_256 = newSha256();

    private static final boolean CLONEABLE = isCloneable(SHA_256);

    // A clone per use allocated ~0.5 KB each time (state, buffer, message schedule); the record's
    // name is one digest per request (bench/README.md).
    private static final ThreadLocal<MessageDigest> THREAD_SHA_256 = ThreadLocal.withInitial(Digests::sha256);

    private Digests() {
    }

    /** A fresh SHA-256 digest. */
    public static MessageDigest sha256() {
        if (CLONEABLE) {
            try {
                return (MessageDigest) SHA_256.clone();
            }
            catch (CloneNotSupportedException ex) {
                // not after isCloneable said yes; fall through
            }
        }
        return newSha256();
    }

    /** The SHA-256 of {@code value}'s UTF-8 bytes. */
    public static byte[] sha256(String value) {
        return sha256().digest(value.getBytes(StandardCharsets.UTF_8));
    }

    /** A fresh HMAC-SHA256, initialised with {@code key}. */
    public static Mac hmacSha256(byte[] key) {
        try {
            Mac mac = Mac.getInstance(HMAC_SHA_256);
            mac.init(new SecretKeySpec(key, HMAC_SHA_256));
            return mac;
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Every Java platform must support " + HMAC_SHA_256, ex);
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Every Java platform must support SHA-256", ex);
        }
    }

    private static boolean isCloneable(MessageDigest digest) {
        try {
            digest.clone();
            return true;
        }
        catch (CloneNotSupportedException ex) {
            return false;
        }
    }

    /**
     * This thread's own SHA-256 digest, reset: only for a digest begun and finished within one call
     * that hands the digest to nobody (a fingerprint builder, which escapes, takes {@link #sha256()}).
     */
    static MessageDigest threadSha256() {
        MessageDigest digest = THREAD_SHA_256.get();
        digest.reset();
        return digest;
    }

    static void updatePart(MessageDigest digest, byte[] part) {
        updateLength(digest, part.length);
        digest.update(part);
    }

    static void updatePart(MessageDigest digest, String part) {
        updatePart(digest, part.getBytes(StandardCharsets.UTF_8));
    }

    /** The part's length, big-endian, byte by byte: no array per part. */
    static void updateLength(MessageDigest digest, int length) {
        digest.update((byte) (length >>> 24));
        digest.update((byte) (length >>> 16));
        digest.update((byte) (length >>> 8));
        digest.update((byte) length);
    }

    static void updateLength(Mac mac, int length) {
        mac.update((byte) (length >>> 24));
        mac.update((byte) (length >>> 16));
        mac.update((byte) (length >>> 8));
        mac.update((byte) length);
    }
}
