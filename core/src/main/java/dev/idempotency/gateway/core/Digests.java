package dev.idempotency.gateway.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/** SHA-256 over length-prefixed parts, so that no two different part lists hash alike. */
final class Digests {

    // Cloning a fresh digest skips the provider lookup that getInstance does on every call.
    private static final MessageDigest SHA_256 = newSha256();

    private static final boolean CLONEABLE = isCloneable(SHA_256);

    private Digests() {
    }

    static MessageDigest sha256() {
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

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        }
        catch (NoSuchAlgorithmException ex) {
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

    static void updatePart(MessageDigest digest, byte[] part) {
        int length = part.length;
        digest.update(new byte[] { (byte) (length >>> 24), (byte) (length >>> 16), (byte) (length >>> 8), (byte) length });
        digest.update(part);
    }

    static void updatePart(MessageDigest digest, String part) {
        updatePart(digest, part.getBytes(StandardCharsets.UTF_8));
    }
}
