package dev.idempotency.gateway.core;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals encoded records with AES-GCM before they leave the process, under one of several named
 * keys, so keys rotate without losing stored results: new records use the active key, and any
 * record names the key it was sealed with.
 *
 * <pre>
 * offset  size  field
 *   0      1    format version (2: sealed)
 *   1      1    state       } left in clear: the store's Lua scripts read them;
 *   2      8    fencing token } authenticated as associated data, so they cannot be swapped
 *  10      1    key id length n, then the key id (ASCII)
 *   .     12    nonce
 *   .      .    AES-GCM ciphertext of the plain record's bytes from offset 10, with its 16-byte tag
 * </pre>
 *
 * Records written before encryption was turned on (format 1) are still read.
 */
public final class RecordEncryption {

    public static final byte SEALED_VERSION = 2;

    private static final int CLEAR_PREFIX = 10;

    private static final int NONCE_LENGTH = 12;

    private static final int TAG_BITS = 128;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final Map<String, SecretKey> keys;

    private final String activeKeyId;

    private final byte[] activeKeyIdBytes;

    private RecordEncryption(Map<String, SecretKey> keys, String activeKeyId) {
        this.keys = keys;
        this.activeKeyId = activeKeyId;
        this.activeKeyIdBytes = activeKeyId.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * @param keys AES keys (16, 24 or 32 bytes) by id (1 to 255 ASCII characters)
     * @param activeKeyId the key new records are sealed with
     */
    public static RecordEncryption of(Map<String, byte[]> keys, String activeKeyId) {
        Map<String, SecretKey> checked = new LinkedHashMap<>();
        keys.forEach((id, key) -> {
            if (id.isEmpty() || id.length() > 255 || !StandardCharsets.US_ASCII.newEncoder().canEncode(id)) {
                throw new IllegalArgumentException("Encryption key id '" + id + "' must be 1 to 255 ASCII characters");
            }
            if (key.length != 16 && key.length != 24 && key.length != 32) {
                throw new IllegalArgumentException("Encryption key '" + id + "' has " + key.length
                        + " bytes; AES needs 16, 24 or 32 (32 recommended)");
            }
            checked.put(id, new SecretKeySpec(key.clone(), "AES"));
        });
        if (!checked.containsKey(activeKeyId)) {
            throw new IllegalArgumentException("The active encryption key '" + activeKeyId + "' is not among the keys "
                    + checked.keySet());
        }
        return new RecordEncryption(Map.copyOf(checked), activeKeyId);
    }

    public String activeKeyId() {
        return this.activeKeyId;
    }

    /** Seals a record encoded by {@link RecordCodec#encode}. */
    public byte[] seal(byte[] plainRecord) {
        byte[] nonce = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        ByteBuffer sealed = ByteBuffer.allocate(CLEAR_PREFIX + 1 + this.activeKeyIdBytes.length + NONCE_LENGTH
                + plainRecord.length - CLEAR_PREFIX + TAG_BITS / 8);
        sealed.put(SEALED_VERSION).put(plainRecord, 1, CLEAR_PREFIX - 1);
        sealed.put((byte) this.activeKeyIdBytes.length).put(this.activeKeyIdBytes).put(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, this.keys.get(this.activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(sealed.array(), 0, CLEAR_PREFIX + 1 + this.activeKeyIdBytes.length);
            cipher.doFinal(ByteBuffer.wrap(plainRecord, CLEAR_PREFIX, plainRecord.length - CLEAR_PREFIX), sealed);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Could not seal a record with key '" + this.activeKeyId + "'", ex);
        }
        return sealed.array();
    }

    /** Opens a sealed record into {@link RecordCodec}'s plain form; a plain record passes through. */
    public byte[] open(byte[] stored) {
        if (stored.length == 0 || stored[0] != SEALED_VERSION) {
            return stored;
        }
        int idLength = Byte.toUnsignedInt(stored[CLEAR_PREFIX]);
        String keyId = new String(stored, CLEAR_PREFIX + 1, idLength, StandardCharsets.US_ASCII);
        SecretKey key = this.keys.get(keyId);
        if (key == null) {
            throw new IllegalArgumentException("Record sealed with unknown encryption key '" + keyId
                    + "'; keep retired keys configured until their records expire");
        }
        int headerLength = CLEAR_PREFIX + 1 + idLength;
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, headerLength, NONCE_LENGTH));
            cipher.updateAAD(stored, 0, headerLength);
            byte[] rest = cipher.doFinal(stored, headerLength + NONCE_LENGTH, stored.length - headerLength - NONCE_LENGTH);
            byte[] plain = Arrays.copyOf(stored, CLEAR_PREFIX + rest.length);
            plain[0] = RecordCodec.VERSION;
            System.arraycopy(rest, 0, plain, CLEAR_PREFIX, rest.length);
            return plain;
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalArgumentException("Record sealed with key '" + keyId + "' failed authentication: tampered or wrong key", ex);
        }
    }
}
