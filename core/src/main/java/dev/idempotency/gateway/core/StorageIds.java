package dev.idempotency.gateway.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;

import javax.crypto.Mac;

/**
 * Names a store record after its {@link ScopedKey} without revealing it: a digest of the route,
 * the client and the key, length-prefixed so that no two scopes alias. With a secret it is an
 * HMAC, so that someone holding a store dump cannot confirm a guessed client id or key either.
 */
public abstract class StorageIds {

    private static final Base64.Encoder ID_ENCODER = Base64.getUrlEncoder().withoutPadding();

    private static final StorageIds SHA_256 = new StorageIds() {
        @Override
        byte[] digest(String... parts) {
            MessageDigest digest = Digests.threadSha256();
            for (String part : parts) {
                Digests.updatePart(digest, part);
            }
            return digest.digest();
        }
    };

    private StorageIds() {
    }

    /** An unkeyed SHA-256 digest: fine where the store never leaves the process. */
    public static StorageIds sha256() {
        return SHA_256;
    }

    /** An HMAC-SHA256 under {@code secret} (at least 16 bytes). */
    public static StorageIds hmacSha256(byte[] secret) {
        if (secret.length < 16) {
            throw new IllegalArgumentException("A key-hash secret needs at least 16 bytes, got " + secret.length);
        }
        byte[] key = secret.clone();
        // An initialised Mac per thread, cloned once: getInstance and init (which hashes the key) cost
        // more than the digest, and a clone per use allocated ~1 KB. doFinal leaves it initialised.
        Mac prototype = Digests.hmacSha256(key);
        boolean cloneable = isCloneable(prototype);
        ThreadLocal<Mac> macs = ThreadLocal.withInitial(() -> cloneable ? cloneOf(prototype) : Digests.hmacSha256(key));
        return new StorageIds() {
            @Override
            byte[] digest(String... parts) {
                Mac mac = macs.get();
                mac.reset();
                for (String part : parts) {
                    updatePart(mac, part);
                }
                return mac.doFinal();
            }
        };
    }

    /** The id: 43 URL-safe characters. */
    public String of(ScopedKey key) {
        return key.storageIdBy(this);
    }

    String compute(ScopedKey key) {
        return encode(digest(key.routeId(), key.clientId(), key.key().value()));
    }

    /**
     * The id of a client on a route, for what a store keeps per client. Two parts where a key has
     * three, so it never equals a key's id.
     */
    public String of(ClientScope client) {
        return encode(digest(client.routeId(), client.clientId()));
    }

    private static String encode(byte[] digest) {
        return ID_ENCODER.encodeToString(digest);
    }

    /** A digest of the length-prefixed parts. */
    abstract byte[] digest(String... parts);

    private static boolean isCloneable(Mac mac) {
        try {
            mac.clone();
            return true;
        }
        catch (CloneNotSupportedException ex) {
            return false;
        }
    }

    private static Mac cloneOf(Mac prototype) {
        try {
            return (Mac) prototype.clone();
        }
        catch (CloneNotSupportedException ex) {
            throw new IllegalStateException("HmacSHA256 could be cloned at startup but not now", ex);
        }
    }

    private static void updatePart(Mac mac, String part) {
        byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
        Digests.updateLength(mac, bytes.length);
        mac.update(bytes);
    }
}
