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
 *   0      1    format version (3: sealed, bound to its record name)
 *   1      1    state       } left in clear: the store's Lua scripts read them;
 *   2      8    fencing token } authenticated as associated data, so they cannot be swapped
 *  10      1    key id length n, then the key id (ASCII)
 *   .     12    nonce, random per seal (a repeated nonce under one GCM key gives plaintext away)
 *   .      .    AES-GCM ciphertext of the plain record's bytes from offset 10, with its 16-byte tag
 * </pre>
 *
 * The associated data is the clear header followed by the name the record is stored under, so a
 * record copied to another name (another client's key) fails authentication instead of being
 * replayed there. Format 2 records, sealed before the name was bound, are still opened (they
 * differ only in leaving the name out) so that results stored before an upgrade keep replaying
 * until their time to live ends; a format 3 record cannot be passed off as format 2, because the
 * version byte is authenticated too. Records written before encryption was turned on (format 1)
 * are still read.
 */
public final class RecordEncryption {

    /** The format of records sealed now: bound to the name they are stored under. */
    public static final byte SEALED_VERSION = 3;

    /** Sealed before records were bound to their name; opened, never written. */
    static final byte UNBOUND_SEALED_VERSION = 2;

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

    /** Whether {@code stored} is sealed (in any sealed format), not a plain record. */
    public static boolean isSealed(byte[] stored) {
        return stored.length > 0 && (stored[0] == SEALED_VERSION || stored[0] == UNBOUND_SEALED_VERSION);
    }

    /**
     * Seals a record encoded by {@link RecordCodec#encode}.
     * @param recordName the name the record is stored under; {@link #open} needs the same one
     */
    public byte[] seal(byte[] plainRecord, byte[] recordName) {
        byte[] nonce = new byte[NONCE_LENGTH];
        RANDOM.nextBytes(nonce);
        int headerLength = CLEAR_PREFIX + 1 + this.activeKeyIdBytes.length;
        ByteBuffer sealed = ByteBuffer.allocate(headerLength + NONCE_LENGTH + plainRecord.length - CLEAR_PREFIX + TAG_BITS / 8);
        sealed.put(SEALED_VERSION).put(plainRecord, 1, CLEAR_PREFIX - 1);
        sealed.put((byte) this.activeKeyIdBytes.length).put(this.activeKeyIdBytes).put(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, this.keys.get(this.activeKeyId), new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(sealed.array(), 0, headerLength);
            cipher.updateAAD(recordName);
            cipher.doFinal(ByteBuffer.wrap(plainRecord, CLEAR_PREFIX, plainRecord.length - CLEAR_PREFIX), sealed);
        }
        catch (GeneralSecurityException ex) {
            throw new IllegalStateException("Could not seal a record with key '" + this.activeKeyId + "'", ex);
        }
        return sealed.array();
    }

    /**
     * Opens a sealed record into {@link RecordCodec}'s plain form; a plain record passes through.
     * @param recordName the name the record was read from
     * @throws UnreadableRecordException when the record is cut short, was altered, was sealed for
     * another name, or names a key that is not configured
     */
    public byte[] open(byte[] stored, byte[] recordName) {
        if (!isSealed(stored)) {
            return stored;
        }
        if (stored.length < CLEAR_PREFIX + 1) {
            throw new UnreadableRecordException("Sealed record of " + stored.length + " bytes is truncated");
        }
        int idLength = Byte.toUnsignedInt(stored[CLEAR_PREFIX]);
        int headerLength = CLEAR_PREFIX + 1 + idLength;
        if (stored.length < headerLength + NONCE_LENGTH + TAG_BITS / 8) {
            throw new UnreadableRecordException("Sealed record of " + stored.length + " bytes is truncated");
        }
        String keyId = new String(stored, CLEAR_PREFIX + 1, idLength, StandardCharsets.US_ASCII);
        SecretKey key = this.keys.get(keyId);
        if (key == null) {
            throw new UnreadableRecordException("Record sealed with unknown encryption key '" + keyId
                    + "'; keep retired keys configured until their records expire");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, stored, headerLength, NONCE_LENGTH));
            cipher.updateAAD(stored, 0, headerLength);
            if (stored[0] == SEALED_VERSION) {
                cipher.updateAAD(recordName);
            }
            byte[] rest = cipher.doFinal(stored, headerLength + NONCE_LENGTH, stored.length - headerLength - NONCE_LENGTH);
            byte[] plain = Arrays.copyOf(stored, CLEAR_PREFIX + rest.length);
            plain[0] = RecordCodec.VERSION;
            System.arraycopy(rest, 0, plain, CLEAR_PREFIX, rest.length);
            return plain;
        }
        catch (GeneralSecurityException ex) {
            throw new UnreadableRecordException("Record sealed with key '" + keyId
                    + "' failed authentication: tampered, truncated, moved from another record name, or wrong key", ex);
        }
    }
}
